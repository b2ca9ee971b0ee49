//! What the planner knows of the schema: its objects, their plain fields (written straight from a
//! row) and their references. Every writer here answers exactly what the object's resolver in
//! `<domain>/types.rs` answers; `tests/api/planner.rs` compares the two executors field by field.

use std::io::Write as _;

use crate::ids::{GlobalId, Kind};
use crate::states::{ListingStatus, NoticeItemStatus, NoticeReason, NoticeStatus, SellerStatus, TrustTier};

use super::Fallback;

/// The objects the planner answers, among `Kind`'s.
pub const OBJECTS: [Kind; 6] =
    [Kind::Brand, Kind::Trademark, Kind::Seller, Kind::Listing, Kind::Notice, Kind::NoticeItem];

/// The name of the connection type of `kind`.
pub fn connection_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Brand => "BrandConnection",
        Kind::Trademark => "TrademarkConnection",
        Kind::Seller => "SellerConnection",
        Kind::Listing => "ListingConnection",
        Kind::Notice => "NoticeConnection",
        Kind::NoticeItem => "NoticeItemConnection",
        Kind::CounterNotice => "CounterNoticeConnection",
        Kind::Strike => "StrikeConnection",
        Kind::NoticeEvent => "NoticeEventConnection",
    }
}

/// The name of the edge type of `kind`.
pub fn edge_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Brand => "BrandEdge",
        Kind::Trademark => "TrademarkEdge",
        Kind::Seller => "SellerEdge",
        Kind::Listing => "ListingEdge",
        Kind::Notice => "NoticeEdge",
        Kind::NoticeItem => "NoticeItemEdge",
        Kind::CounterNotice => "CounterNoticeEdge",
        Kind::Strike => "StrikeEdge",
        Kind::NoticeEvent => "NoticeEventEdge",
    }
}

/// Whether `name` is one of the schema's object types that the planner may meet as a type
/// condition (its own objects, their connections and edges, `PageInfo`, `Money`, `Query`).
pub fn is_object_type(name: &str) -> bool {
    ["PageInfo", "Money", "Query"].contains(&name)
        || OBJECTS.iter().any(|&o| o.type_name() == name || connection_name(o) == name || edge_name(o) == name)
}

/// A loaded row of one of the objects.
#[derive(Clone, Copy)]
pub enum Row<'a> {
    Brand(&'a entity::brand::Model),
    Trademark(&'a entity::trademark::Model),
    Seller(&'a entity::seller::Model),
    Listing(&'a entity::listing::Model),
    Notice(&'a entity::notice::Model),
    NoticeItem(&'a entity::notice_item::Model),
}

/// Writes one plain field of a row as JSON.
pub type ScalarFn = fn(Row<'_>, &mut Vec<u8>) -> Result<(), Fallback>;

/// A writer of a field of `$variant` rows, from a closure over the row and the output.
macro_rules! column {
    ($variant:ident, |$m:ident, $out:ident| $body:expr) => {
        (|row: Row<'_>, $out: &mut Vec<u8>| match row {
            Row::$variant($m) => {
                $body;
                Ok(())
            }
            _ => Err(Fallback("a field of another object")),
        }) as ScalarFn
    };
}

/// The writer of plain field `name` of `obj`, if it is one the planner answers.
pub fn scalar(obj: Kind, name: &str) -> Option<ScalarFn> {
    let f = match (obj, name) {
        (Kind::Brand, "id") => column!(Brand, |m, out| id(out, Kind::Brand, m.id)),
        (Kind::Brand, "name") => column!(Brand, |m, out| string(out, &m.name)),
        (Kind::Brand, "country") => column!(Brand, |m, out| string(out, &m.country)),
        (Kind::Brand, "trustTier") => {
            column!(Brand, |m, out| enumerated(out, TrustTier::from_db(&m.trust_tier)?.as_db()))
        }
        (Kind::Brand, "createdAt") => column!(Brand, |m, out| instant(out, m.created_at)),

        (Kind::Trademark, "id") => column!(Trademark, |m, out| id(out, Kind::Trademark, m.id)),
        (Kind::Trademark, "mark") => column!(Trademark, |m, out| string(out, &m.mark)),
        (Kind::Trademark, "registrationNumber") => column!(Trademark, |m, out| string(out, &m.registration_number)),
        (Kind::Trademark, "jurisdiction") => column!(Trademark, |m, out| string(out, &m.jurisdiction)),
        (Kind::Trademark, "createdAt") => column!(Trademark, |m, out| instant(out, m.created_at)),

        (Kind::Seller, "id") => column!(Seller, |m, out| id(out, Kind::Seller, m.id)),
        (Kind::Seller, "handle") => column!(Seller, |m, out| string(out, &m.handle)),
        (Kind::Seller, "displayName") => column!(Seller, |m, out| string(out, &m.display_name)),
        (Kind::Seller, "country") => column!(Seller, |m, out| string(out, &m.country)),
        (Kind::Seller, "status") => {
            column!(Seller, |m, out| enumerated(out, SellerStatus::from_db(&m.status)?.as_db()))
        }
        (Kind::Seller, "createdAt") => column!(Seller, |m, out| instant(out, m.created_at)),

        (Kind::Listing, "id") => column!(Listing, |m, out| id(out, Kind::Listing, m.id)),
        (Kind::Listing, "title") => column!(Listing, |m, out| string(out, &m.title)),
        (Kind::Listing, "url") => column!(Listing, |m, out| string(out, &m.url)),
        (Kind::Listing, "status") => {
            column!(Listing, |m, out| enumerated(out, ListingStatus::from_db(&m.status)?.as_db()))
        }
        (Kind::Listing, "listedAt") => column!(Listing, |m, out| instant(out, m.listed_at)),
        (Kind::Listing, "removedAt") => column!(Listing, |m, out| optional(out, m.removed_at, instant)),

        (Kind::Notice, "id") => column!(Notice, |m, out| id(out, Kind::Notice, m.id)),
        (Kind::Notice, "reason") => {
            column!(Notice, |m, out| enumerated(out, NoticeReason::from_db(&m.reason)?.as_db()))
        }
        (Kind::Notice, "explanation") => column!(Notice, |m, out| string(out, &m.explanation)),
        (Kind::Notice, "status") => {
            column!(Notice, |m, out| enumerated(out, NoticeStatus::from_db(&m.status)?.as_db()))
        }
        (Kind::Notice, "expedited") => column!(Notice, |m, out| boolean(out, m.expedited)),
        (Kind::Notice, "submittedAt") => column!(Notice, |m, out| instant(out, m.submitted_at)),
        (Kind::Notice, "closedAt") => column!(Notice, |m, out| optional(out, m.closed_at, instant)),

        (Kind::NoticeItem, "id") => column!(NoticeItem, |m, out| id(out, Kind::NoticeItem, m.id)),
        (Kind::NoticeItem, "status") => {
            column!(NoticeItem, |m, out| enumerated(out, NoticeItemStatus::from_db(&m.status)?.as_db()))
        }
        (Kind::NoticeItem, "decidedAt") => column!(NoticeItem, |m, out| optional(out, m.decided_at, instant)),
        (Kind::NoticeItem, "decisionReason") => {
            column!(NoticeItem, |m, out| match &m.decision_reason {
                Some(reason) => string(out, reason),
                None => out.extend_from_slice(b"null"),
            })
        }
        _ => return None,
    };
    Some(f)
}

/// The id a reference field of a row holds.
pub type RefFn = fn(Row<'_>) -> Option<i64>;

/// The object a reference field `name` of `obj` points at, and the id it holds.
pub fn reference(obj: Kind, name: &str) -> Option<(Kind, RefFn)> {
    let r: (Kind, RefFn) = match (obj, name) {
        (Kind::Trademark, "brand") => {
            (Kind::Brand, |r| if let Row::Trademark(m) = r { Some(m.brand_id) } else { None })
        }
        (Kind::Listing, "seller") => (Kind::Seller, |r| if let Row::Listing(m) = r { Some(m.seller_id) } else { None }),
        (Kind::Notice, "brand") => (Kind::Brand, |r| if let Row::Notice(m) = r { Some(m.brand_id) } else { None }),
        (Kind::NoticeItem, "notice") => {
            (Kind::Notice, |r| if let Row::NoticeItem(m) = r { Some(m.notice_id) } else { None })
        }
        (Kind::NoticeItem, "listing") => {
            (Kind::Listing, |r| if let Row::NoticeItem(m) = r { Some(m.listing_id) } else { None })
        }
        (Kind::NoticeItem, "trademark") => {
            (Kind::Trademark, |r| if let Row::NoticeItem(m) = r { Some(m.trademark_id) } else { None })
        }
        _ => return None,
    };
    Some(r)
}

/// A JSON string.
pub fn string(out: &mut Vec<u8>, s: &str) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            // As serde_json writes the other control characters.
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// An enum value (a GraphQL name: nothing to escape).
fn enumerated(out: &mut Vec<u8>, name: &str) {
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.push(b'"');
}

/// The global id of row `key` of `kind`.
fn id(out: &mut Vec<u8>, kind: crate::ids::Kind, key: i64) {
    let _ = write!(out, "\"{}\"", GlobalId::new(kind, key));
}

/// A `DateTime` as async-graphql writes it (RFC 3339).
pub fn instant(out: &mut Vec<u8>, us: i64) {
    out.push(b'"');
    out.extend_from_slice(crate::time::instant(us).to_rfc3339().as_bytes());
    out.push(b'"');
}

pub fn boolean(out: &mut Vec<u8>, b: bool) {
    out.extend_from_slice(if b { b"true" } else { b"false" });
}

fn optional<T>(out: &mut Vec<u8>, value: Option<T>, write: fn(&mut Vec<u8>, T)) {
    match value {
        Some(v) => write(out, v),
        None => out.extend_from_slice(b"null"),
    }
}

impl From<crate::error::AppError> for Fallback {
    fn from(_: crate::error::AppError) -> Self {
        Fallback("a stored value the schema does not know")
    }
}
