//! Any text given as an id: parsing never panics, and what parses prints back as the same text
//! (ids are canonical, so two spellings never name one row), and names the same row again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rightsgraph::ids::{self, GlobalId};

fuzz_target!(|raw: &str| {
    let Some(id) = GlobalId::parse(raw) else {
        return;
    };
    assert_eq!(id.to_string(), raw, "a parsed id prints back as itself");
    assert!(id.key >= 0, "keys are never negative");
    assert_eq!(ids::decode(raw, id.kind, "id").ok(), Some(id.key));
});
