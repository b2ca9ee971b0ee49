//! What the planner knows of the schema: its objects, their plain fields (written straight from a
//! row) and their references. The plain fields and references are the objects' own declarations
//! (`fields::object!` in `<domain>/types.rs`), the same that async-graphql serves; the few fields
//! computed from more than one column or the request's instant are written here, beside their
//! resolvers' rules; `tests/api/planner.rs` compares the two executors field by field.

use crate::analytics::types::{NetworkMember, OffenderCluster, OffenderNetwork, SellerLink};
use crate::fields::{Declared, Part, Parts};
use crate::ids::Kind;
use crate::objects::{Brand, CounterNotice, Listing, Notice, NoticeEvent, NoticeItem, Seller, Strike, Trademark};

use crate::columns::{Columns, Mask};
pub use crate::fields::{Fields, RefFn, RelFn, Row, ScalarFn, boolean, string};

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
    ["PageInfo", "Money", "Query", super::CLUSTERS.0, super::CLUSTERS.1].contains(&name)
        || parts_objects().iter().any(|(object, _)| *object == name)
        || Kind::ALL
            .iter()
            .filter(|&&o| planned(o))
            .any(|&o| o.type_name() == name || connection_name(o) == name || edge_name(o) == name)
}

/// The `parts!` objects the planner answers (a seller's network, its members and links, an
/// offender cluster): each one's name and the names of its fields, as declared.
pub fn parts_objects() -> [(&'static str, &'static [&'static str]); 4] {
    fn of<S: Parts>() -> (&'static str, &'static [&'static str]) {
        (S::NAME, S::NAMES)
    }
    [of::<OffenderNetwork>(), of::<NetworkMember>(), of::<SellerLink>(), of::<OffenderCluster>()]
}

/// The connections of the `parts!` objects, with the arguments each takes, by type and field.
pub fn parts_connections() -> Vec<(&'static str, &'static str, &'static [&'static str])> {
    fn of<S: Parts>(out: &mut Vec<(&'static str, &'static str, &'static [&'static str])>) {
        for name in S::NAMES {
            if let Some(Part::Sellers(args, ..)) = S::part(name) {
                out.push((S::NAME, name, args));
            }
        }
    }
    let mut out = Vec::new();
    of::<OffenderNetwork>(&mut out);
    of::<NetworkMember>(&mut out);
    of::<SellerLink>(&mut out);
    of::<OffenderCluster>(&mut out);
    out
}

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

/// The declared fields of objects of `kind`: its columns, its references and its connections.
type Table = (
    fn(&str) -> Option<(ScalarFn, Fields)>,
    fn(&str) -> Option<(Kind, (RefFn, &'static str), bool)>,
    fn(&str) -> Option<(Kind, &'static [&'static str], RelFn)>,
    &'static [&'static str],
);

/// The declarations of the objects the planner answers.
fn declared(kind: Kind) -> Option<Table> {
    fn of<T: Declared>() -> Table {
        (T::column, T::reference, T::connection, T::CONNECTIONS)
    }
    Some(match kind {
        Kind::Brand => of::<Brand>(),
        Kind::Trademark => of::<Trademark>(),
        Kind::Seller => of::<Seller>(),
        Kind::Listing => of::<Listing>(),
        Kind::Notice => of::<Notice>(),
        Kind::NoticeItem => of::<NoticeItem>(),
        Kind::CounterNotice => of::<CounterNotice>(),
        Kind::Strike => of::<Strike>(),
        Kind::NoticeEvent => of::<NoticeEvent>(),
        Kind::NoticeMessage | Kind::Appeal | Kind::StatementOfReasons => return None,
    })
}

/// The GraphQL names of the declared fields of objects of `kind` (none for an object the
/// planner does not answer).
pub fn declared_names(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Brand => Brand::NAMES,
        Kind::Trademark => Trademark::NAMES,
        Kind::Seller => Seller::NAMES,
        Kind::Listing => Listing::NAMES,
        Kind::Notice => Notice::NAMES,
        Kind::NoticeItem => NoticeItem::NAMES,
        Kind::CounterNotice => CounterNotice::NAMES,
        Kind::Strike => Strike::NAMES,
        Kind::NoticeEvent => NoticeEvent::NAMES,
        Kind::NoticeMessage | Kind::Appeal | Kind::StatementOfReasons => &[],
    }
}

/// The writer of plain field `name` of `obj` and the fields it reads, if it is one the planner
/// answers: a declared column, or a field derived from columns and the request's instant.
pub fn scalar(obj: Kind, name: &str) -> Option<(ScalarFn, Fields)> {
    declared(obj).and_then(|(column, ..)| column(name))
}

/// The object a reference field `name` of `obj` points at, the id it holds (and the field it
/// reads it from), and whether it is nullable. A nullable reference (`NoticeEvent.notice`)
/// answers null when it holds no id or the viewer may not see the row, as its resolver does; a
/// non-null one always holds a visible row, or the general executor answers the error.
pub fn reference(obj: Kind, name: &str) -> Option<(Kind, (RefFn, &'static str), bool)> {
    declared(obj).and_then(|(_, reference, ..)| reference(name))
}

/// Connection `name` of `obj` as its object declares it: the kind of its rows, the arguments it
/// takes, and the list they select.
pub fn connection(obj: Kind, name: &str) -> Option<(Kind, &'static [&'static str], RelFn)> {
    declared(obj).and_then(|(_, _, connection, _)| connection(name))
}

/// The GraphQL names of the declared connections of objects of `kind`.
pub fn declared_connections(kind: Kind) -> &'static [&'static str] {
    declared(kind).map_or(&[], |(.., names)| names)
}

#[cfg(test)]
mod tests {
    use crate::fields::instant;

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
