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
use crate::columns::{Columns, Mask};

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
/// condition (its own objects, their connections and edges, `PageInfo`, `Money`, `Query`, and
/// a seller network's and the offender clusters' objects).
pub fn is_object_type(name: &str) -> bool {
    [
        "PageInfo",
        "Money",
        "Query",
        "OffenderNetwork",
        "NetworkMember",
        "SellerLink",
        "OffenderCluster",
        "OffenderClusterConnection",
        "OffenderClusterEdge",
    ]
    .contains(&name)
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

/// A writer of a field of `$variant` rows, and the fields of the row it reads: the body sees the
/// row only through the fields named in brackets (each bound by reference), so the columns a
/// plan selects (`Mask`) cannot miss one a writer reads.
macro_rules! column {
    ($variant:ident, [$($f:ident),+], |$out:ident| $body:expr) => {
        column!($variant, [$($f),+], |$out, _now| $body)
    };
    ($variant:ident, [$($f:ident),+], |$out:ident, $now:ident| $body:expr) => {
        (
            (|row: Row<'_>, $out: &mut Vec<u8>, $now: i64| match row {
                Row::$variant(m) => {
                    $(let $f = &m.$f;)+
                    $body;
                    Ok(())
                }
                _ => Err(Fallback("a field of another object")),
            }) as ScalarFn,
            &[$(stringify!($f)),+] as Fields,
        )
    };
}

/// The fields of a model that a writer or a reference reads.
pub type Fields = &'static [&'static str];

/// `mask` with `fields` of the model of `kind`.
pub fn mask_with(kind: Kind, mask: Mask, fields: &[&str]) -> Mask {
    fn with<M: Columns>(mask: Mask, fields: &[&str]) -> Mask {
        fields.iter().fold(mask, |m, f| m.with::<M>(f))
    }
    match kind {
        Kind::Brand => with::<entity::brand::Model>(mask, fields),
        Kind::Trademark => with::<entity::trademark::Model>(mask, fields),
        Kind::Seller => with::<entity::seller::Model>(mask, fields),
        Kind::Listing => with::<entity::listing::Model>(mask, fields),
        Kind::Notice => with::<entity::notice::Model>(mask, fields),
        Kind::NoticeItem => with::<entity::notice_item::Model>(mask, fields),
        Kind::CounterNotice => with::<entity::counter_notice::Model>(mask, fields),
        Kind::Strike => with::<entity::strike::Model>(mask, fields),
        Kind::NoticeEvent => with::<entity::notice_event::Model>(mask, fields),
        Kind::NoticeMessage | Kind::Appeal | Kind::StatementOfReasons => Mask::ALL,
    }
}

/// The writer of plain field `name` of `obj` and the fields it reads, if it is one the planner
/// answers.
pub fn scalar(obj: Kind, name: &str) -> Option<(ScalarFn, Fields)> {
    let f = match (obj, name) {
        (Kind::Brand, "id") => column!(Brand, [id], |out| global_id(out, Kind::Brand, *id)),
        (Kind::Brand, "name") => column!(Brand, [name], |out| string(out, name)),
        (Kind::Brand, "country") => column!(Brand, [country], |out| string(out, country)),
        (Kind::Brand, "trustTier") => {
            column!(Brand, [trust_tier], |out| enumerated(out, TrustTier::from_db(trust_tier)?.as_db()))
        }
        (Kind::Brand, "createdAt") => column!(Brand, [created_at], |out| instant(out, *created_at)),

        (Kind::Trademark, "id") => column!(Trademark, [id], |out| global_id(out, Kind::Trademark, *id)),
        (Kind::Trademark, "mark") => column!(Trademark, [mark], |out| string(out, mark)),
        (Kind::Trademark, "registrationNumber") => {
            column!(Trademark, [registration_number], |out| string(out, registration_number))
        }
        (Kind::Trademark, "jurisdiction") => column!(Trademark, [jurisdiction], |out| string(out, jurisdiction)),
        (Kind::Trademark, "createdAt") => column!(Trademark, [created_at], |out| instant(out, *created_at)),
        (Kind::Trademark, "niceClasses") => column!(Trademark, [nice_classes], |out| {
            let classes = crate::trademarks::types::nice_classes(nice_classes);
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
            column!(Trademark, [status, expires_on], |out, now| enumerated(
                out,
                TrademarkStatus::at(status, *expires_on, now)?.as_db()
            ))
        }
        (Kind::Trademark, "expiresOn") => column!(Trademark, [expires_on], |out| match *expires_on {
            Some(day) => match async_graphql::ScalarType::to_value(&crate::scalars::Date(day)) {
                async_graphql::Value::String(text) => string(out, &text),
                _ => return Err(Fallback("a date that is not a string")),
            },
            None => out.extend_from_slice(b"null"),
        }),

        (Kind::Seller, "id") => column!(Seller, [id], |out| global_id(out, Kind::Seller, *id)),
        (Kind::Seller, "handle") => column!(Seller, [handle], |out| string(out, handle)),
        (Kind::Seller, "displayName") => column!(Seller, [display_name], |out| string(out, display_name)),
        (Kind::Seller, "country") => column!(Seller, [country], |out| string(out, country)),
        (Kind::Seller, "status") => {
            column!(Seller, [status], |out| enumerated(out, SellerStatus::from_db(status)?.as_db()))
        }
        (Kind::Seller, "createdAt") => column!(Seller, [created_at], |out| instant(out, *created_at)),

        (Kind::Listing, "id") => column!(Listing, [id], |out| global_id(out, Kind::Listing, *id)),
        (Kind::Listing, "title") => column!(Listing, [title], |out| string(out, title)),
        (Kind::Listing, "url") => column!(Listing, [url], |out| string(out, url)),
        (Kind::Listing, "status") => {
            column!(Listing, [status], |out| enumerated(out, ListingStatus::from_db(status)?.as_db()))
        }
        (Kind::Listing, "listedAt") => column!(Listing, [listed_at], |out| instant(out, *listed_at)),
        (Kind::Listing, "removedAt") => column!(Listing, [removed_at], |out| optional(out, *removed_at, instant)),

        (Kind::Notice, "id") => column!(Notice, [id], |out| global_id(out, Kind::Notice, *id)),
        (Kind::Notice, "reason") => {
            column!(Notice, [reason], |out| enumerated(out, NoticeReason::from_db(reason)?.as_db()))
        }
        (Kind::Notice, "explanation") => column!(Notice, [explanation], |out| string(out, explanation)),
        (Kind::Notice, "status") => {
            column!(Notice, [status], |out| enumerated(out, NoticeStatus::from_db(status)?.as_db()))
        }
        (Kind::Notice, "expedited") => column!(Notice, [expedited], |out| boolean(out, *expedited)),
        (Kind::Notice, "submittedAt") => column!(Notice, [submitted_at], |out| instant(out, *submitted_at)),
        (Kind::Notice, "closedAt") => column!(Notice, [closed_at], |out| optional(out, *closed_at, instant)),

        (Kind::NoticeItem, "id") => column!(NoticeItem, [id], |out| global_id(out, Kind::NoticeItem, *id)),
        (Kind::NoticeItem, "status") => {
            column!(NoticeItem, [status], |out| enumerated(out, NoticeItemStatus::from_db(status)?.as_db()))
        }
        (Kind::NoticeItem, "decidedAt") => column!(NoticeItem, [decided_at], |out| optional(out, *decided_at, instant)),
        (Kind::NoticeItem, "decisionReason") => {
            column!(NoticeItem, [decision_reason], |out| match decision_reason {
                Some(reason) => string(out, reason),
                None => out.extend_from_slice(b"null"),
            })
        }

        (Kind::CounterNotice, "id") => column!(CounterNotice, [id], |out| global_id(out, Kind::CounterNotice, *id)),
        (Kind::CounterNotice, "statement") => column!(CounterNotice, [statement], |out| string(out, statement)),
        (Kind::CounterNotice, "status") => {
            column!(CounterNotice, [status], |out| enumerated(out, CounterNoticeStatus::from_db(status)?.as_db()))
        }
        (Kind::CounterNotice, "filedAt") => column!(CounterNotice, [filed_at], |out| instant(out, *filed_at)),
        (Kind::CounterNotice, "resolvedAt") => {
            column!(CounterNotice, [resolved_at], |out| optional(out, *resolved_at, instant))
        }

        (Kind::Strike, "id") => column!(Strike, [id], |out| global_id(out, Kind::Strike, *id)),
        (Kind::Strike, "issuedAt") => column!(Strike, [issued_at], |out| instant(out, *issued_at)),
        (Kind::Strike, "expiresAt") => column!(Strike, [expires_at], |out| instant(out, *expires_at)),
        (Kind::Strike, "voided") => column!(Strike, [voided], |out| boolean(out, *voided)),
        (Kind::Strike, "active") => {
            column!(Strike, [voided, expires_at], |out, now| boolean(out, !*voided && *expires_at > now))
        }

        (Kind::NoticeEvent, "id") => column!(NoticeEvent, [id], |out| global_id(out, Kind::NoticeEvent, *id)),
        (Kind::NoticeEvent, "kind") => {
            column!(NoticeEvent, [kind], |out| enumerated(out, NoticeEventKind::from_db(kind)?.as_db()))
        }
        (Kind::NoticeEvent, "actorRole") => {
            column!(NoticeEvent, [actor_role], |out| enumerated(out, ActorRole::from_db(actor_role)?.as_db()))
        }
        (Kind::NoticeEvent, "at") => column!(NoticeEvent, [at], |out| instant(out, *at)),
        (Kind::NoticeEvent, "note") => column!(NoticeEvent, [note], |out| match note {
            Some(note) => string(out, note),
            None => out.extend_from_slice(b"null"),
        }),
        _ => return None,
    };
    Some(f)
}

/// The id a reference field of a row holds.
pub type RefFn = fn(Row<'_>) -> Option<i64>;

/// The id a reference of `$variant` rows reads from field `$f` (an `Option` after `?`), and
/// that field.
macro_rules! refers {
    ($variant:ident, ?$f:ident) => {
        (
            (|row: Row<'_>| match row {
                Row::$variant(m) => m.$f,
                _ => None,
            }) as RefFn,
            stringify!($f),
        )
    };
    ($variant:ident, $f:ident) => {
        (
            (|row: Row<'_>| match row {
                Row::$variant(m) => Some(m.$f),
                _ => None,
            }) as RefFn,
            stringify!($f),
        )
    };
}

/// The object a reference field `name` of `obj` points at, the id it holds (and the field it
/// reads it from), and whether it is nullable. A nullable reference (`NoticeEvent.notice`)
/// answers null when it holds no id or the viewer may not see the row, as its resolver does; a
/// non-null one always holds a visible row, or the general executor answers the error.
pub fn reference(obj: Kind, name: &str) -> Option<(Kind, (RefFn, &'static str), bool)> {
    let r = match (obj, name) {
        (Kind::Trademark, "brand") => (Kind::Brand, refers!(Trademark, brand_id), false),
        (Kind::Listing, "seller") => (Kind::Seller, refers!(Listing, seller_id), false),
        (Kind::Notice, "brand") => (Kind::Brand, refers!(Notice, brand_id), false),
        (Kind::NoticeItem, "notice") => (Kind::Notice, refers!(NoticeItem, notice_id), false),
        (Kind::NoticeItem, "listing") => (Kind::Listing, refers!(NoticeItem, listing_id), false),
        (Kind::NoticeItem, "trademark") => (Kind::Trademark, refers!(NoticeItem, trademark_id), false),
        (Kind::CounterNotice, "item") => (Kind::NoticeItem, refers!(CounterNotice, item_id), false),
        (Kind::CounterNotice, "seller") => (Kind::Seller, refers!(CounterNotice, seller_id), false),
        (Kind::Strike, "seller") => (Kind::Seller, refers!(Strike, seller_id), false),
        (Kind::Strike, "brand") => (Kind::Brand, refers!(Strike, brand_id), false),
        (Kind::Strike, "item") => (Kind::NoticeItem, refers!(Strike, item_id), false),
        (Kind::NoticeEvent, "brand") => (Kind::Brand, refers!(NoticeEvent, brand_id), false),
        (Kind::NoticeEvent, "notice") => (Kind::Notice, refers!(NoticeEvent, ?notice_id), true),
        (Kind::NoticeEvent, "item") => (Kind::NoticeItem, refers!(NoticeEvent, ?item_id), true),
        _ => return None,
    };
    Some(r)
}

/// A JSON string.
pub fn string(out: &mut Vec<u8>, s: &str) {
    // serde_json's own writer, as the general executor's answer is written: the two escape alike.
    out.reserve(s.len() + 2);
    let mut writer = serde_json::Serializer::new(out);
    let _ = serde::Serializer::serialize_str(&mut writer, s);
}

/// An enum value (a GraphQL name: nothing to escape).
fn enumerated(out: &mut Vec<u8>, name: &str) {
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.push(b'"');
}

/// The global id of row `key` of `kind`.
fn global_id(out: &mut Vec<u8>, kind: crate::ids::Kind, key: i64) {
    out.push(b'"');
    GlobalId::new(kind, key).write_to(out);
    out.push(b'"');
}

/// A `DateTime` as async-graphql writes it: chrono's `to_rfc3339` (`2026-11-30T22:01:18.394610+00:00`:
/// the fraction as 3 digits when it is whole milliseconds, none when whole seconds), written in
/// place rather than formatted into a string of its own (a dashboard page has a hundred).
pub fn instant(out: &mut Vec<u8>, us: i64) {
    use chrono::{Datelike, Timelike};
    let t = crate::time::instant(us);
    out.push(b'"');
    if !(0..=9999).contains(&t.year()) {
        // Out of four digits: as chrono writes it.
        out.extend_from_slice(t.to_rfc3339().as_bytes());
        out.push(b'"');
        return;
    }
    let year = t.year() as u32;
    digits(out, year / 100);
    digits(out, year % 100);
    out.push(b'-');
    digits(out, t.month());
    out.push(b'-');
    digits(out, t.day());
    out.push(b'T');
    digits(out, t.hour());
    out.push(b':');
    digits(out, t.minute());
    out.push(b':');
    digits(out, t.second());
    let micros = t.nanosecond() / 1000;
    if micros > 0 {
        out.push(b'.');
        let (shown, places) = if micros.is_multiple_of(1000) { (micros / 1000, 3) } else { (micros, 6) };
        let mut buf = [b'0'; 6];
        let mut n = shown;
        for place in (0..places).rev() {
            buf[place] = b'0' + (n % 10) as u8;
            n /= 10;
        }
        out.extend_from_slice(&buf[..places]);
    }
    out.extend_from_slice(b"+00:00\"");
}

/// Two decimal digits of `n` (below 100).
fn digits(out: &mut Vec<u8>, n: u32) {
    out.push(b'0' + (n / 10) as u8);
    out.push(b'0' + (n % 10) as u8);
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

#[cfg(test)]
mod tests {
    use super::instant;

    /// `instant` writes each instant exactly as chrono's `to_rfc3339` does (what async-graphql
    /// answers for a `DateTime`): whole seconds, whole milliseconds, microseconds, before 1970,
    /// the last instant of a year, and out of four-digit years.
    #[test]
    fn an_instant_is_written_as_chrono_writes_it() {
        let cases = [
            0,
            1_000_000,
            1_764_540_078_394_610,
            1_764_540_078_394_000,
            1_764_540_078_000_000,
            1_764_540_078_000_001,
            -1,
            -86_400_000_001,
            253_402_300_799_999_999,
            -62_135_596_800_000_000,
            -62_135_596_800_000_001,
            i64::MAX,
            i64::MIN,
        ];
        for us in cases {
            let mut out = Vec::new();
            instant(&mut out, us);
            let expected = format!("\"{}\"", crate::time::instant(us).to_rfc3339());
            assert_eq!(String::from_utf8(out).expect("UTF-8"), expected, "{us}");
        }
    }
}
