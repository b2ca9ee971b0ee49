//! Any text given as a seller identifier of any kind: normalizing never panics; what it accepts is
//! non-empty, at most 512 characters, trimmed, and normalizing it again gives it back unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rightsgraph::sellers::identifier::{Identifier, MAX_LEN};
use rightsgraph::sellers::types::IdentifierKind;

fuzz_target!(|input: (u8, &str)| {
    let (pick, raw) = input;
    let kind = IdentifierKind::ALL[usize::from(pick) % IdentifierKind::ALL.len()];
    let Ok(once) = Identifier::parse(kind, raw, "value") else {
        return;
    };
    assert!(!once.value.is_empty());
    assert!(once.value.chars().count() <= MAX_LEN);
    assert_eq!(once.value.trim(), once.value);
    if kind == IdentifierKind::Phone {
        assert!(once.value.bytes().all(|b| b.is_ascii_digit()));
    }
    let twice = Identifier::parse(kind, &once.value, "value").expect("a normalized value parses again");
    assert_eq!(twice, once, "normalizing is idempotent");
});
