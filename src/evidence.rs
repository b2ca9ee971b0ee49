//! Evidence a brand gives for an item, with its notice or in answer to a reviewer's question,
//! parsed once at the edge (below the domains, which both take it): each kind carries what makes it
//! checkable (a test buy its order number; a screenshot or document its address and the SHA-256
//! of the file, so that a later change to the file shows; an address the address itself).

use async_graphql::InputObject;

use crate::error::{AppError, AppResult};
use crate::states::EvidenceKind;
use crate::values::{self, WebAddress};

/// Most pieces of evidence one item may carry in one answer.
pub const MAX_EVIDENCE: usize = 10;

/// A piece of evidence as a client sends it.
#[derive(InputObject, Debug, Clone)]
pub struct EvidenceInput {
    /// What the piece is; it says which of the other fields it needs.
    pub kind: EvidenceKind,
    /// SCREENSHOT, DOCUMENT, URL: an absolute http(s) address.
    pub url: Option<String>,
    /// SCREENSHOT, DOCUMENT: the SHA-256 of the file, 64 hex digits.
    pub sha256: Option<String>,
    /// TEST_BUY: the order number of the test purchase.
    pub order_number: Option<String>,
    /// At most 1,000 characters.
    pub note: Option<String>,
}

/// A piece of evidence, checked: exactly the parts its kind needs, normalized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub kind: EvidenceKind,
    pub url: Option<String>,
    pub sha256: Option<String>,
    pub order_number: Option<String>,
    pub note: Option<String>,
}

/// Parses up to `MAX_EVIDENCE` pieces; errors name their input path (`evidence.N.part`).
pub fn parse_all(raw: &[EvidenceInput], field: &str) -> AppResult<Vec<Evidence>> {
    if raw.len() > MAX_EVIDENCE {
        return Err(AppError::bad_input(
            field,
            format!("{field}: at most {MAX_EVIDENCE} pieces of evidence, got {}", raw.len()),
        ));
    }
    raw.iter().enumerate().map(|(i, e)| parse(e, &format!("{field}.{i}"))).collect()
}

/// Parses one piece of evidence at input path `at`.
pub fn parse(raw: &EvidenceInput, at: &str) -> AppResult<Evidence> {
    let needs = |part: &str, why: &str| AppError::bad_input(format!("{at}.{part}"), format!("{at}.{part}: {why}"));
    let kind = raw.kind;
    let (needs_url, needs_hash, needs_order) = match kind {
        EvidenceKind::TestBuy => (false, false, true),
        EvidenceKind::Screenshot | EvidenceKind::Document => (true, true, false),
        EvidenceKind::Url => (true, false, false),
    };
    let name = kind.as_db();
    let url = match (&raw.url, needs_url) {
        (Some(u), true) => Some(WebAddress::parse(u, &format!("{at}.url"))?.into_stored()),
        (None, true) => return Err(needs("url", &format!("{name} evidence needs a url"))),
        (Some(_), false) => return Err(needs("url", &format!("{name} evidence takes no url"))),
        (None, false) => None,
    };
    let sha256 = match (&raw.sha256, needs_hash) {
        (Some(h), true) => Some(sha256(h).ok_or_else(|| needs("sha256", "the SHA-256 of the file: 64 hex digits"))?),
        (None, true) => return Err(needs("sha256", &format!("{name} evidence needs the SHA-256 of the file"))),
        (Some(_), false) => return Err(needs("sha256", &format!("{name} evidence takes no sha256"))),
        (None, false) => None,
    };
    let order_number = match (&raw.order_number, needs_order) {
        (Some(o), true) => Some(values::text(o, 1, 100, &format!("{at}.orderNumber"))?),
        (None, true) => return Err(needs("orderNumber", "TEST_BUY evidence needs the order number")),
        (Some(_), false) => return Err(needs("orderNumber", &format!("{name} evidence takes no orderNumber"))),
        (None, false) => None,
    };
    let note = raw.note.as_deref().map(|n| values::text(n, 1, 1000, &format!("{at}.note"))).transpose()?;
    Ok(Evidence { kind, url, sha256, order_number, note })
}

/// A SHA-256 written as 64 hex digits, lowercased; `None` for anything else.
fn sha256(raw: &str) -> Option<String> {
    let value = raw.trim();
    (value.len() == 64 && value.chars().all(|c| c.is_ascii_hexdigit())).then(|| value.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";

    fn input(kind: EvidenceKind) -> EvidenceInput {
        EvidenceInput { kind, url: None, sha256: None, order_number: None, note: None }
    }

    fn field_of(err: AppError) -> String {
        match err {
            AppError::BadInput { field, .. } => field,
            other => panic!("not a bad input: {other:?}"),
        }
    }

    #[test]
    fn a_test_buy_needs_its_order_number_and_nothing_else() {
        let mut e = input(EvidenceKind::TestBuy);
        assert_eq!(field_of(parse(&e, "evidence.0").expect_err("no order")), "evidence.0.orderNumber");
        e.order_number = Some(" 112-7 ".into());
        assert_eq!(parse(&e, "evidence.0").expect("ok").order_number.as_deref(), Some("112-7"));
        e.url = Some("https://shop.example/order".into());
        assert_eq!(field_of(parse(&e, "evidence.0").expect_err("url too")), "evidence.0.url");
    }

    #[test]
    fn a_screenshot_or_document_needs_a_url_and_the_files_sha256() {
        for kind in [EvidenceKind::Screenshot, EvidenceKind::Document] {
            let mut e = input(kind);
            e.url = Some("https://files.example/a.png".into());
            assert_eq!(field_of(parse(&e, "e.1").expect_err("no hash")), "e.1.sha256");
            e.sha256 = Some("abc".into());
            assert_eq!(field_of(parse(&e, "e.1").expect_err("short hash")), "e.1.sha256");
            e.sha256 = Some(format!("{}g", &HASH[..63]));
            assert_eq!(field_of(parse(&e, "e.1").expect_err("not hex")), "e.1.sha256");
            e.sha256 = Some(HASH.into());
            let parsed = parse(&e, "e.1").expect("ok");
            assert_eq!(parsed.sha256.as_deref(), Some(HASH.to_ascii_lowercase().as_str()));
            e.url = None;
            assert_eq!(field_of(parse(&e, "e.1").expect_err("no url")), "e.1.url");
        }
    }

    #[test]
    fn a_url_needs_an_absolute_http_address() {
        let mut e = input(EvidenceKind::Url);
        e.url = Some("ftp://x".into());
        assert_eq!(field_of(parse(&e, "e.0").expect_err("ftp")), "e.0.url");
        e.url = Some("https://market.example/item/1".into());
        assert!(parse(&e, "e.0").is_ok());
    }

    #[test]
    fn a_note_is_at_most_1000_characters_and_ten_pieces_at_most() {
        let mut e = input(EvidenceKind::Url);
        e.url = Some("https://market.example/item/1".into());
        e.note = Some("n".repeat(1001));
        assert_eq!(field_of(parse(&e, "e.0").expect_err("long note")), "e.0.note");
        e.note = Some("n".repeat(1000));
        let ten = vec![e.clone(); 10];
        assert_eq!(parse_all(&ten, "evidence").expect("ten").len(), 10);
        let eleven = vec![e; 11];
        assert_eq!(field_of(parse_all(&eleven, "evidence").expect_err("eleven")), "evidence");
    }
}
