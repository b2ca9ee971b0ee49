//! Any text given as `after`: decoding never panics, a decoded cursor has 1 to 4 keys, and
//! encoding it decodes to the same position.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rightsgraph::pagination::{Cursor, PageArgs};

fuzz_target!(|raw: &str| {
    if let Some(cursor) = Cursor::decode(raw) {
        assert!((1..=4).contains(&cursor.0.len()));
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
    }
    // The same text through the argument parser: a clean result or a BAD_USER_INPUT, never a panic.
    let _ = PageArgs::parse(Some(20), Some(raw.to_owned()));
});
