//! What the planner knows of the schema: its objects, their plain fields (written straight from a
//! row) and their references. Every writer here answers exactly what the object's resolver in
//! `<domain>/types.rs` answers; `tests/api/planner.rs` compares the two executors field by field.

use std::io::Write as _;

use crate::events::{ActorRole, NoticeEventKind};
use crate::ids::{GlobalId, Kind};
use crate::states::{
    CounterNoticeStatus, ListingStatus, NoticeItemStatus, NoticeReason, NoticeStatus, SellerStatus, TrademarkStatus,
    TrustTier,
};

use super::Fallback;

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
        Kind::NoticeMessage => "NoticeMessageConnection",
        Kind::Appeal => "AppealConnection",
        Kind::StatementOfReasons => "StatementOfReasonsConnection",
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
        Kind::NoticeMessage => "NoticeMessageEdge",
        Kind::Appeal => "AppealEdge",
        Kind::StatementOfReasons => "StatementOfReasonsEdge",
    }
}

/// Whether the planner answers objects of `kind`: every kind but the channel's messages,
/// appeals and statements of reasons, which the general executor answers (they are read by a few
/// people, not by dashboards many times a second).
pub fn planned(kind: Kind) -> bool {
    !matches!(kind, Kind::NoticeMessage | Kind::Appeal | Kind::StatementOfReasons)
}

/// Whether `name` is one of the schema's object types that the planner may meet as a type
/// condition (its own objects, their connections and edges, `PageInfo`, `Money`, `Query`).
pub fn is_object_type(name: &str) -> bool {
    ["PageInfo", "Money", "Query"].contains(&name)
        || Kind::ALL
            .iter()
            .filter(|&&o| planned(o))
            .any(|&o| o.type_name() == name || connection_name(o) == name || edge_name(o) == name)
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
    CounterNotice(&'a entity::counter_notice::Model),
    Strike(&'a entity::strike::Model),
    NoticeEvent(&'a entity::notice_event::Model),
}

/// Writes one plain field of a row as JSON, as of the request's instant (microseconds).
pub type ScalarFn = fn(Row<'_>, &mut Vec<u8>, i64) -> Result<(), Fallback>;

/// A writer of a field of `$variant` rows, from a closure over the row and the output.
macro_rules! column {
    ($variant:ident, |$m:ident, $out:ident| $body:expr) => {
        column!($variant, |$m, $out, _now| $body)
    };
    ($variant:ident, |$m:ident, $out:ident, $now:ident| $body:expr) => {
        (|row: Row<'_>, $out: &mut Vec<u8>, $now: i64| match row {
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
        (Kind::Trademark, "niceClasses") => column!(Trademark, |m, out| {
            let classes = crate::trademarks::types::nice_classes(&m.nice_classes);
            out.push(b'[');
            for (i, class) in classes.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let _ = write!(out, "{class}");
            }
            out.push(b']');
        }),
        (Kind::Trademark, "status") => {
            column!(Trademark, |m, out, now| enumerated(out, TrademarkStatus::of(m, now)?.as_db()))
        }
        (Kind::Trademark, "expiresOn") => column!(Trademark, |m, out| match m.expires_on {
            Some(day) => match async_graphql::ScalarType::to_value(&crate::scalars::Date(day)) {
                async_graphql::Value::String(text) => string(out, &text),
                _ => return Err(Fallback("a date that is not a string")),
            },
            None => out.extend_from_slice(b"null"),
        }),

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

        (Kind::CounterNotice, "id") => column!(CounterNotice, |m, out| id(out, Kind::CounterNotice, m.id)),
        (Kind::CounterNotice, "statement") => column!(CounterNotice, |m, out| string(out, &m.statement)),
        (Kind::CounterNotice, "status") => {
            column!(CounterNotice, |m, out| enumerated(out, CounterNoticeStatus::from_db(&m.status)?.as_db()))
        }
        (Kind::CounterNotice, "filedAt") => column!(CounterNotice, |m, out| instant(out, m.filed_at)),
        (Kind::CounterNotice, "resolvedAt") => column!(CounterNotice, |m, out| optional(out, m.resolved_at, instant)),

        (Kind::Strike, "id") => column!(Strike, |m, out| id(out, Kind::Strike, m.id)),
        (Kind::Strike, "issuedAt") => column!(Strike, |m, out| instant(out, m.issued_at)),
        (Kind::Strike, "expiresAt") => column!(Strike, |m, out| instant(out, m.expires_at)),
        (Kind::Strike, "voided") => column!(Strike, |m, out| boolean(out, m.voided)),
        (Kind::Strike, "active") => column!(Strike, |m, out, now| boolean(out, !m.voided && m.expires_at > now)),

        (Kind::NoticeEvent, "id") => column!(NoticeEvent, |m, out| id(out, Kind::NoticeEvent, m.id)),
        (Kind::NoticeEvent, "kind") => {
            column!(NoticeEvent, |m, out| enumerated(out, NoticeEventKind::from_db(&m.kind)?.as_db()))
        }
        (Kind::NoticeEvent, "actorRole") => {
            column!(NoticeEvent, |m, out| enumerated(out, ActorRole::from_db(&m.actor_role)?.as_db()))
        }
        (Kind::NoticeEvent, "at") => column!(NoticeEvent, |m, out| instant(out, m.at)),
        (Kind::NoticeEvent, "note") => column!(NoticeEvent, |m, out| match &m.note {
            Some(note) => string(out, note),
            None => out.extend_from_slice(b"null"),
        }),
        _ => return None,
    };
    Some(f)
}

/// The id a reference field of a row holds.
pub type RefFn = fn(Row<'_>) -> Option<i64>;

/// The ids of `$variant` rows that a reference reads.
macro_rules! refers {
    ($variant:ident, |$m:ident| $id:expr) => {
        (|row: Row<'_>| match row {
            Row::$variant($m) => $id,
            _ => None,
        }) as RefFn
    };
}

/// The object a reference field `name` of `obj` points at, the id it holds, and whether it is
/// nullable. A nullable reference (`NoticeEvent.notice`) answers null when it holds no id or
/// the viewer may not see the row, as its resolver does; a non-null one always holds a visible
/// row, or the general executor answers the error.
pub fn reference(obj: Kind, name: &str) -> Option<(Kind, RefFn, bool)> {
    let r = match (obj, name) {
        (Kind::Trademark, "brand") => (Kind::Brand, refers!(Trademark, |m| Some(m.brand_id)), false),
        (Kind::Listing, "seller") => (Kind::Seller, refers!(Listing, |m| Some(m.seller_id)), false),
        (Kind::Notice, "brand") => (Kind::Brand, refers!(Notice, |m| Some(m.brand_id)), false),
        (Kind::NoticeItem, "notice") => (Kind::Notice, refers!(NoticeItem, |m| Some(m.notice_id)), false),
        (Kind::NoticeItem, "listing") => (Kind::Listing, refers!(NoticeItem, |m| Some(m.listing_id)), false),
        (Kind::NoticeItem, "trademark") => (Kind::Trademark, refers!(NoticeItem, |m| Some(m.trademark_id)), false),
        (Kind::CounterNotice, "item") => (Kind::NoticeItem, refers!(CounterNotice, |m| Some(m.item_id)), false),
        (Kind::CounterNotice, "seller") => (Kind::Seller, refers!(CounterNotice, |m| Some(m.seller_id)), false),
        (Kind::Strike, "seller") => (Kind::Seller, refers!(Strike, |m| Some(m.seller_id)), false),
        (Kind::Strike, "brand") => (Kind::Brand, refers!(Strike, |m| Some(m.brand_id)), false),
        (Kind::Strike, "item") => (Kind::NoticeItem, refers!(Strike, |m| Some(m.item_id)), false),
        (Kind::NoticeEvent, "brand") => (Kind::Brand, refers!(NoticeEvent, |m| Some(m.brand_id)), false),
        (Kind::NoticeEvent, "notice") => (Kind::Notice, refers!(NoticeEvent, |m| m.notice_id), true),
        (Kind::NoticeEvent, "item") => (Kind::NoticeItem, refers!(NoticeEvent, |m| m.item_id), true),
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
    out.push(b'"');
    GlobalId::new(kind, key).write_to(out);
    out.push(b'"');
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
