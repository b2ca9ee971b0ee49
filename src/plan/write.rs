//! Writing a planned answer from the rows loaded: one walk of the plan, the JSON written in
//! place, and the answer's cost counted as it is written (`budget::cost`).

use std::io::Write as _;

use super::schema::{self, Row};
use super::{
    CLUSTERS, ConnPart, ConnSelection, EdgePart, FieldPlan, InfoPart, PartPlan, Parts, Plan, PricePart, RootField,
    Selection, StatsPart,
};
use crate::analytics::service::ClusterRow;
use crate::analytics::types::OffenderCluster;
use crate::budget::cost::FIELD;
use crate::ids::Kind;
use crate::loaders::ActiveStrikes;
use crate::notices::stats::{Figure, StatsKey};
use crate::pagination::Cursor;

use super::store::Store;
use crate::fields::Fallback;

/// What the answer is written from.
pub(super) struct Written<'a> {
    pub(super) plan: &'a Plan,
    pub(super) store: &'a Store,
    pub(super) now: i64,
    pub(super) scope: crate::auth::Scope,
}

/// `{"field":…}` of the root; what the answer cost.
pub(super) fn write_root(w: &Written<'_>, out: &mut Vec<u8>) -> Result<u64, Fallback> {
    let mut index = 0;
    object(out, &w.plan.root, |field, out| {
        // The place of the field in the root: where its list's rows are kept.
        let at = index;
        index += 1;
        Ok(match field {
            RootField::Typename => {
                name(out, "Query");
                0
            }
            RootField::Object { obj, id, sel } => FIELD.saturating_add(write_object(w, sel, *obj, *id, out)?),
            RootField::List { obj, args, sel, .. } => {
                let rows = w.store.roots.get(&at).map_or(&[][..], Vec::as_slice);
                let total = w.store.root_totals.get(&at).copied().unwrap_or(0);
                write_rows(w, sel, *obj, rows, args, |_| total, out)?
            }
            RootField::Clusters { args, sel, .. } => {
                let rows = w.store.clusters.get(&at).map_or(&[][..], Vec::as_slice);
                let total = w.store.root_totals.get(&at).copied().unwrap_or(0);
                write_connection(
                    sel,
                    CLUSTERS,
                    rows,
                    args,
                    |_| total,
                    |sel, row, out| write_cluster(w, sel, row, out),
                    out,
                )?
            }
        })
    })
}

/// An object's fields; what they cost.
fn write_object(w: &Written<'_>, sel: &Selection, obj: Kind, id: i64, out: &mut Vec<u8>) -> Result<u64, Fallback> {
    let row = w.store.row(obj, id).ok_or(Fallback("a row is absent"))?;
    object(out, &sel.fields, |field, out| {
        Ok(match field {
            FieldPlan::Typename(type_name) => {
                name(out, type_name);
                0
            }
            FieldPlan::Scalar(write) => {
                write(row, out, crate::fields::Reading { now: w.now, scope: w.scope })?;
                FIELD
            }
            FieldPlan::Ref { obj: target, target: via, nullable, sel } => {
                write_ref(w, sel, *target, via(row), *nullable, out)?
            }
            FieldPlan::OneOf { obj: target, sel } => match w.store.one_of.get(&(*target, id)).copied().flatten() {
                Some(child) => FIELD.saturating_add(write_object(w, sel, *target, child, out)?),
                None => {
                    out.extend_from_slice(b"null");
                    FIELD
                }
            },
            FieldPlan::Conn { obj: target, page, sel } => {
                let rows = w.store.pages.get(&(*page, id)).map_or(&[][..], Vec::as_slice);
                let total = |count| w.store.counts.get(&(count, id)).copied().unwrap_or(0);
                write_rows(w, sel, *target, rows, &w.plan.pages[*page].2, total, out)?
            }
            FieldPlan::ActiveStrikes => write_active_strikes(w, row, id, out),
            FieldPlan::Stats { since, parts } => write_stats(w, StatsKey { brand: id, since: *since }, parts, out)?,
            FieldPlan::Network { max_hops, parts } => {
                let network = w.store.networks.get(&(id, *max_hops)).ok_or(Fallback("a network not walked"))?;
                crate::budget::cost::network(write_parts(w, parts, network, out)?)
            }
            FieldPlan::Price(parts) => write_price(row, parts, out)?,
        })
    })
}

/// A reference to row `child` of `target`, if any; what it cost. A row the store lacks is one the
/// viewer may not see: the field is null where it may be null; otherwise the planner gives the
/// query back, and the general executor answers it as its resolvers do.
fn write_ref(
    w: &Written<'_>,
    sel: &Selection,
    target: Kind,
    child: Option<i64>,
    nullable: bool,
    out: &mut Vec<u8>,
) -> Result<u64, Fallback> {
    Ok(match child {
        Some(child) if w.store.has(target, child) => FIELD.saturating_add(write_object(w, sel, target, child, out)?),
        _ if nullable => {
            out.extend_from_slice(b"null");
            FIELD
        }
        _ => return Err(Fallback("a referenced row is not visible")),
    })
}

/// `Seller.activeStrikeCount` of seller `id`; what it cost. The count its row keeps is read
/// while it is exact (`ActiveStrikes::kept`), so that only the other sellers' strikes are counted.
fn write_active_strikes(w: &Written<'_>, row: Row<'_>, id: i64, out: &mut Vec<u8>) -> u64 {
    let kept = match row {
        Row::Seller(seller) => ActiveStrikes::kept(seller, w.now),
        _ => None,
    };
    let n = kept.or_else(|| w.store.active_strikes.get(&id).copied()).unwrap_or(0);
    let _ = write!(out, "{}", n as i32);
    FIELD
}

/// `Brand.stats(since)` of the brand and instant `key` names; what it cost. Null when the store
/// holds no figures for `key`, as the resolver answers when its loader has none.
fn write_stats(
    w: &Written<'_>,
    key: StatsKey,
    parts: &[(super::Key, StatsPart)],
    out: &mut Vec<u8>,
) -> Result<u64, Fallback> {
    let Some(stats) = w.store.stats.get(&key) else {
        out.extend_from_slice(b"null");
        return Ok(FIELD);
    };
    Ok(FIELD.saturating_add(object(out, parts, |part, out| {
        Ok(match part {
            StatsPart::Typename => {
                name(out, "BrandStats");
                0
            }
            StatsPart::Figure(Figure::Count(get)) => {
                let _ = write!(out, "{}", get(stats));
                FIELD
            }
            // As serde_json writes a float (async-graphql's own serializer).
            StatsPart::Figure(Figure::Share(get)) => {
                match get(stats) {
                    Some(x) => serde_json::to_writer(&mut *out, &x).map_err(|_| Fallback("a float"))?,
                    None => out.extend_from_slice(b"null"),
                }
                FIELD
            }
        })
    })?))
}

/// `Listing.price` of `row`, read from the listing as `Money` declares its parts; what it cost.
/// The plan asks it only of a listing; of any other row the planner gives the query back to the
/// general executor rather than write a wrong answer.
fn write_price(row: Row<'_>, parts: &[(super::Key, PricePart)], out: &mut Vec<u8>) -> Result<u64, Fallback> {
    let Row::Listing(listing) = row else { return Err(Fallback("a price of another object")) };
    Ok(FIELD.saturating_add(object(out, parts, |part, out| {
        Ok(match part {
            PricePart::Typename => {
                name(out, "Money");
                0
            }
            PricePart::Text(read) => {
                schema::string(out, read(listing));
                FIELD
            }
        })
    })?))
}
/// The fields `parts` of a `parts!` object `s` (a network, its members and links, a cluster), as
/// its declaration reads them; what they cost.
fn write_parts<S>(w: &Written<'_>, parts: &Parts<S>, s: &S, out: &mut Vec<u8>) -> Result<u64, Fallback> {
    object(out, parts, |part, out| {
        Ok(match part {
            PartPlan::Typename(type_name) => {
                name(out, type_name);
                0
            }
            PartPlan::Value(write) => {
                write(s, out)?;
                FIELD
            }
            PartPlan::Seller(id, sel) => FIELD.saturating_add(write_object(w, sel, Kind::Seller, id(s), out)?),
            PartPlan::Members(read, parts) => {
                FIELD.saturating_add(list(out, &read(s), |member, out| write_parts(w, parts, member, out))?.most)
            }
            PartPlan::Links(read, parts) => {
                FIELD.saturating_add(list(out, &read(s), |link, out| write_parts(w, parts, link, out))?.most)
            }
            PartPlan::Sellers { parent, page, sel } => {
                let parent = parent(s);
                let rows = w.store.pages.get(&(*page, parent)).map_or(&[][..], Vec::as_slice);
                let total = |count| w.store.counts.get(&(count, parent)).copied().unwrap_or(0);
                write_rows(w, sel, Kind::Seller, rows, &w.plan.pages[*page].2, total, out)?
            }
        })
    })
}

/// What a list's items cost: all of them (the rows of a connection), and the costliest (the
/// model counts any other list's selection once).
#[derive(Default)]
struct ListCost {
    sum: u64,
    most: u64,
}

/// A JSON list of `items`, each written by `item`, which says what it cost.
fn list<T>(
    out: &mut Vec<u8>,
    items: &[T],
    mut item: impl FnMut(&T, &mut Vec<u8>) -> Result<u64, Fallback>,
) -> Result<ListCost, Fallback> {
    out.push(b'[');
    let mut cost = ListCost::default();
    for (i, entry) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let one = item(entry, out)?;
        cost.sum = cost.sum.saturating_add(one);
        cost.most = cost.most.max(one);
    }
    out.push(b']');
    Ok(cost)
}

/// A cursor, or null when there is none.
fn cursor(out: &mut Vec<u8>, cursor: Option<&Cursor>) {
    match cursor {
        Some(c) => schema::string(out, &c.encode()),
        None => out.extend_from_slice(b"null"),
    }
}

/// An `OffenderCluster` of row `row`; what its fields cost.
fn write_cluster(
    w: &Written<'_>,
    parts: &Parts<OffenderCluster>,
    row: &ClusterRow,
    out: &mut Vec<u8>,
) -> Result<u64, Fallback> {
    write_parts(w, parts, &OffenderCluster(*row), out)
}

/// A page of rows of `obj` (`write_connection` with their objects as nodes).
fn write_rows(
    w: &Written<'_>,
    sel: &ConnSelection,
    obj: Kind,
    rows: &[(Cursor, i64)],
    args: &crate::pagination::PageArgs,
    total: impl Fn(usize) -> u64,
    out: &mut Vec<u8>,
) -> Result<u64, Fallback> {
    let names = (schema::connection_name(obj), schema::edge_name(obj));
    write_connection(sel, names, rows, args, total, |child, id, out| write_object(w, child, obj, *id, out), out)
}

/// A page of `rows` (one more than asked when there is a next page) asked with `args`, of the
/// connection and edge types `names`, each node written by `node` (which says what its fields
/// cost); `total` gives the count of a `totalCount` slot. What the connection cost, by the rows
/// it returned (`budget::cost::connection`).
fn write_connection<N, R>(
    sel: &ConnSelection<N>,
    names: (&str, &str),
    rows: &[(Cursor, R)],
    args: &crate::pagination::PageArgs,
    total: impl Fn(usize) -> u64,
    node: impl Fn(&N, &R, &mut Vec<u8>) -> Result<u64, Fallback>,
    out: &mut Vec<u8>,
) -> Result<u64, Fallback> {
    let (rows, has_next_page) = args.page_of(rows);
    // What each row repeats, and what the rows' own fields cost together.
    let (mut per_row, mut of_rows) = (0u64, 0u64);
    object(out, &sel.fields, |part, out| {
        match part {
            ConnPart::Typename => name(out, names.0),
            ConnPart::Nodes(child) => {
                of_rows = of_rows.saturating_add(list(out, rows, |(_, row), out| node(child, row, out))?.sum);
                per_row = per_row.saturating_add(FIELD);
            }
            ConnPart::Edges(parts) => {
                let costs = list(out, rows, |(at, row), out| {
                    object(out, parts, |part, out| {
                        Ok(match part {
                            EdgePart::Typename => {
                                name(out, names.1);
                                0
                            }
                            EdgePart::Cursor => {
                                cursor(out, Some(at));
                                FIELD
                            }
                            EdgePart::Node(child) => FIELD.saturating_add(node(child, row, out)?),
                        })
                    })
                })?;
                of_rows = of_rows.saturating_add(costs.sum);
                per_row = per_row.saturating_add(FIELD);
            }
            ConnPart::PageInfo(parts) => {
                let info = object(out, parts, |part, out| {
                    Ok(match part {
                        InfoPart::Typename => {
                            name(out, "PageInfo");
                            0
                        }
                        InfoPart::HasPreviousPage => {
                            schema::boolean(out, args.after.is_some());
                            FIELD
                        }
                        InfoPart::HasNextPage => {
                            schema::boolean(out, has_next_page);
                            FIELD
                        }
                        InfoPart::StartCursor => {
                            cursor(out, rows.first().map(|(c, _)| c));
                            FIELD
                        }
                        InfoPart::EndCursor => {
                            cursor(out, rows.last().map(|(c, _)| c));
                            FIELD
                        }
                    })
                })?;
                per_row = per_row.saturating_add(FIELD.saturating_add(info));
            }
            ConnPart::TotalCount(count) => {
                let _ = write!(out, "{}", total(*count) as i64);
                per_row = per_row.saturating_add(FIELD);
            }
        }
        Ok(0)
    })?;
    // Rows count where they are listed: a connection asked only for `totalCount` lists none.
    let listed = sel.fields.iter().any(|(_, part)| matches!(part, ConnPart::Nodes(_) | ConnPart::Edges(_)));
    Ok(crate::budget::cost::connection(if listed { rows.len() } else { 0 }, per_row, of_rows))
}

/// `{"key":…,…}`: each entry's key, then its value as `value` writes it; the sum of what
/// `value` says each entry cost (`budget::cost`).
fn object<T>(
    out: &mut Vec<u8>,
    entries: &[(super::Key, T)],
    mut value: impl FnMut(&T, &mut Vec<u8>) -> Result<u64, Fallback>,
) -> Result<u64, Fallback> {
    out.push(b'{');
    let mut cost = 0u64;
    for (i, (key, entry)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(key.as_bytes());
        cost = cost.saturating_add(value(entry, out)?);
    }
    out.push(b'}');
    Ok(cost)
}

/// A JSON string of a name (nothing to escape).
fn name(out: &mut Vec<u8>, name: &str) {
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.push(b'"');
}
