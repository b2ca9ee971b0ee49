//! Running a plan: the rows of each level of the plan are loaded together (one statement per
//! table, page or count asked at that level, through the loaders' own `load`), then the answer
//! is written from the rows in one walk.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::{Arc, Mutex};

use async_graphql::dataloader::Loader;

use super::schema::{self, Row};
use super::{ConnPart, ConnSelection, EdgePart, FieldPlan, InfoPart, Plan, PricePart, RootField, Selection};
use crate::ids::Kind;
use crate::loaders::{
    ActiveStrikes, Batcher, Brands, ById, CountOf, Items, Listings, Notices, PageOf, Sellers, Table, Trademarks,
};
use crate::pagination::Cursor;

/// Why a plan gave the request back to the general executor (for the log).
#[derive(Debug, Clone, Copy)]
pub struct Fallback(pub &'static str);

/// One request's plan, the loader it runs with, and, once run, its `data` as JSON.
pub struct Job {
    plan: Arc<Plan>,
    batcher: Batcher,
    data: Mutex<Option<Vec<u8>>>,
}

impl Job {
    /// `plan`, to be run with `batcher` (the viewer's scope and the request's instant).
    pub fn new(plan: Arc<Plan>, batcher: Batcher) -> Self {
        Self { plan, batcher, data: Mutex::new(None) }
    }

    /// Runs the plan; on success the answer's `data` is kept for `take`.
    pub async fn run(&self) -> Result<(), Fallback> {
        let mut store = Store::default();
        load(&self.plan, &self.batcher, &mut store).await?;
        let mut out = Vec::with_capacity(4096);
        write_root(&self.plan, &store, &mut out)?;
        *self.data.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(out);
        Ok(())
    }

    /// The answer's `data`, if the plan ran.
    pub fn take(&self) -> Option<Vec<u8>> {
        self.data.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()
    }
}

/// The rows a plan loaded.
#[derive(Default)]
struct Store {
    brands: HashMap<i64, entity::brand::Model>,
    trademarks: HashMap<i64, entity::trademark::Model>,
    sellers: HashMap<i64, entity::seller::Model>,
    listings: HashMap<i64, entity::listing::Model>,
    notices: HashMap<i64, entity::notice::Model>,
    items: HashMap<i64, entity::notice_item::Model>,
    /// Per page of the plan: each parent's rows (cursor and id), one more than asked when there
    /// is a next page.
    pages: HashMap<(usize, i64), Vec<(Cursor, i64)>>,
    counts: HashMap<(usize, i64), u64>,
    active_strikes: HashMap<i64, u64>,
}

impl Store {
    fn row(&self, obj: Kind, id: i64) -> Option<Row<'_>> {
        match obj {
            Kind::Brand => self.brands.get(&id).map(Row::Brand),
            Kind::Trademark => self.trademarks.get(&id).map(Row::Trademark),
            Kind::Seller => self.sellers.get(&id).map(Row::Seller),
            Kind::Listing => self.listings.get(&id).map(Row::Listing),
            Kind::Notice => self.notices.get(&id).map(Row::Notice),
            Kind::NoticeItem => self.items.get(&id).map(Row::NoticeItem),
            Kind::CounterNotice | Kind::Strike | Kind::NoticeEvent => None,
        }
    }

    fn has(&self, obj: Kind, id: i64) -> bool {
        self.row(obj, id).is_some()
    }
}

/// A table's rows and how they go into the store.
trait Stored: Table {
    fn id(m: &Self::Model) -> i64;
    fn rows(store: &mut Store) -> &mut HashMap<i64, Self::Model>;
}

macro_rules! stored {
    ($table:ty, $field:ident) => {
        impl Stored for $table {
            fn id(m: &Self::Model) -> i64 {
                m.id
            }
            fn rows(store: &mut Store) -> &mut HashMap<i64, Self::Model> {
                &mut store.$field
            }
        }
    };
}

stored!(Brands, brands);
stored!(Trademarks, trademarks);
stored!(Sellers, sellers);
stored!(Listings, listings);
stored!(Notices, notices);
stored!(Items, items);

/// Selections still to load: objects of a type, with their ids.
type Level<'p> = Vec<(&'p Selection, Kind, Vec<i64>)>;

/// What one level asks, merged over every selection of the level.
#[derive(Default)]
struct Needs {
    rows: HashMap<Kind, Vec<i64>>,
    pages: HashMap<usize, Vec<i64>>,
    counts: HashMap<usize, Vec<i64>>,
    active_strikes: Vec<i64>,
}

async fn load(plan: &Plan, batcher: &Batcher, store: &mut Store) -> Result<(), Fallback> {
    // The root objects.
    let mut needs = Needs::default();
    for field in &plan.root {
        if let RootField::Object { obj, id, .. } = field {
            needs.rows.entry(*obj).or_default().push(*id);
        }
    }
    fetch(plan, batcher, store, needs).await?;
    let mut level: Level<'_> = Vec::new();
    for field in &plan.root {
        if let RootField::Object { obj, id, sel, .. } = field {
            if !store.has(*obj, *id) {
                return Err(Fallback("a root object is absent"));
            }
            level.push((sel, *obj, vec![*id]));
        }
    }
    while !level.is_empty() {
        // What this level's selections ask beyond their own rows.
        let mut needs = Needs::default();
        for (sel, obj, ids) in &level {
            for (_, field) in &sel.fields {
                match field {
                    FieldPlan::Ref { obj: target, target: via, .. } => {
                        let wanted = needs.rows.entry(*target).or_default();
                        for id in ids {
                            let row = store.row(*obj, *id).ok_or(Fallback("a row is absent"))?;
                            wanted.push(via(row).ok_or(Fallback("a reference of another object"))?);
                        }
                    }
                    FieldPlan::Conn { page, sel, .. } => {
                        needs.pages.entry(*page).or_default().extend(ids);
                        for (_, part) in &sel.fields {
                            if let ConnPart::TotalCount(count) = part {
                                needs.counts.entry(*count).or_default().extend(ids);
                            }
                        }
                    }
                    FieldPlan::ActiveStrikes => needs.active_strikes.extend(ids),
                    _ => {}
                }
            }
        }
        fetch(plan, batcher, store, needs).await?;
        // The next level: the objects this level's references and connections reach.
        let mut next: Level<'_> = Vec::new();
        for (sel, obj, ids) in &level {
            for (_, field) in &sel.fields {
                match field {
                    FieldPlan::Ref { obj: target, target: via, sel: child } => {
                        let mut children = Vec::with_capacity(ids.len());
                        for id in ids {
                            let row = store.row(*obj, *id).ok_or(Fallback("a row is absent"))?;
                            let child_id = via(row).ok_or(Fallback("a reference of another object"))?;
                            if !store.has(*target, child_id) {
                                // The general executor answers this as an internal error.
                                return Err(Fallback("a referenced row is not visible"));
                            }
                            children.push(child_id);
                        }
                        push_level(&mut next, child, *target, children);
                    }
                    FieldPlan::Conn { obj: target, page, sel: conn } => {
                        let first = plan.pages[*page].2.first as usize;
                        let children: Vec<i64> = ids
                            .iter()
                            .flat_map(|id| store.pages.get(&(*page, *id)).into_iter().flatten().take(first))
                            .map(|(_, child)| *child)
                            .collect();
                        for (_, part) in &conn.fields {
                            match part {
                                ConnPart::Nodes(child) => push_level(&mut next, child, *target, children.clone()),
                                ConnPart::Edges(parts) => {
                                    for (_, part) in parts {
                                        if let EdgePart::Node(child) = part {
                                            push_level(&mut next, child, *target, children.clone());
                                        }
                                    }
                                }
                                _ => {}
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        level = next;
    }
    Ok(())
}

/// Adds a selection to a level, unless it has nothing to load below it.
fn push_level<'p>(level: &mut Level<'p>, sel: &'p Selection, obj: Kind, ids: Vec<i64>) {
    let loads = sel
        .fields
        .iter()
        .any(|(_, f)| matches!(f, FieldPlan::Ref { .. } | FieldPlan::Conn { .. } | FieldPlan::ActiveStrikes));
    if loads && !ids.is_empty() {
        level.push((sel, obj, ids));
    }
}

/// Loads what `needs` asks and the store lacks: one statement per table, page and count.
async fn fetch(plan: &Plan, batcher: &Batcher, store: &mut Store, needs: Needs) -> Result<(), Fallback> {
    for (obj, mut ids) in needs.rows {
        ids.sort_unstable();
        ids.dedup();
        ids.retain(|id| !store.has(obj, *id));
        if ids.is_empty() {
            continue;
        }
        match obj {
            Kind::Brand => by_id::<Brands>(batcher, store, &ids).await?,
            Kind::Trademark => by_id::<Trademarks>(batcher, store, &ids).await?,
            Kind::Seller => by_id::<Sellers>(batcher, store, &ids).await?,
            Kind::Listing => by_id::<Listings>(batcher, store, &ids).await?,
            Kind::Notice => by_id::<Notices>(batcher, store, &ids).await?,
            Kind::NoticeItem => by_id::<Items>(batcher, store, &ids).await?,
            Kind::CounterNotice | Kind::Strike | Kind::NoticeEvent => return Err(Fallback("an object not planned")),
        }
    }
    for (page, mut parents) in needs.pages {
        parents.sort_unstable();
        parents.dedup();
        parents.retain(|p| !store.pages.contains_key(&(page, *p)));
        if parents.is_empty() {
            continue;
        }
        match plan.pages[page].0 {
            Kind::Brand => return Err(Fallback("no relation lists brands")),
            Kind::Trademark => pages::<Trademarks>(plan, batcher, store, page, &parents).await?,
            Kind::Seller => pages::<Sellers>(plan, batcher, store, page, &parents).await?,
            Kind::Listing => pages::<Listings>(plan, batcher, store, page, &parents).await?,
            Kind::Notice => pages::<Notices>(plan, batcher, store, page, &parents).await?,
            Kind::NoticeItem => pages::<Items>(plan, batcher, store, page, &parents).await?,
            Kind::CounterNotice | Kind::Strike | Kind::NoticeEvent => return Err(Fallback("an object not planned")),
        }
    }
    for (count, mut parents) in needs.counts {
        parents.sort_unstable();
        parents.dedup();
        let rel = &plan.counts[count];
        let keys: Vec<CountOf> = parents.iter().map(|&parent| CountOf { rel: rel.clone(), parent }).collect();
        let counts = Loader::<CountOf>::load(batcher, &keys).await.map_err(|_| Fallback("a count failed"))?;
        for (key, n) in counts {
            store.counts.insert((count, key.parent), n);
        }
    }
    if !needs.active_strikes.is_empty() {
        let mut ids = needs.active_strikes;
        ids.sort_unstable();
        ids.dedup();
        ids.retain(|id| !store.active_strikes.contains_key(id));
        let keys: Vec<ActiveStrikes> = ids.into_iter().map(ActiveStrikes).collect();
        let counts = Loader::<ActiveStrikes>::load(batcher, &keys).await.map_err(|_| Fallback("a count failed"))?;
        for (key, n) in counts {
            store.active_strikes.insert(key.0, n);
        }
    }
    Ok(())
}

async fn by_id<T: Stored>(batcher: &Batcher, store: &mut Store, ids: &[i64]) -> Result<(), Fallback>
where
    Batcher: Loader<ById<T>, Value = T::Model>,
{
    let keys: Vec<ById<T>> = ids.iter().map(|&id| ById::new(id)).collect();
    let rows = Loader::<ById<T>>::load(batcher, &keys).await.map_err(|_| Fallback("a load failed"))?;
    let stored = T::rows(store);
    for (key, row) in rows {
        stored.insert(key.0, row);
    }
    Ok(())
}

async fn pages<T: Stored>(
    plan: &Plan,
    batcher: &Batcher,
    store: &mut Store,
    page: usize,
    parents: &[i64],
) -> Result<(), Fallback>
where
    Batcher: Loader<PageOf<T>, Value = Vec<(Cursor, T::Model)>>,
{
    let (_, rel, args) = &plan.pages[page];
    let keys: Vec<PageOf<T>> = parents.iter().map(|&p| PageOf::new(rel.clone(), p, args.clone())).collect();
    let loaded = Loader::<PageOf<T>>::load(batcher, &keys).await.map_err(|_| Fallback("a page failed"))?;
    for parent in parents {
        store.pages.entry((page, *parent)).or_default();
    }
    for (key, rows) in loaded {
        let mut list = Vec::with_capacity(rows.len());
        for (cursor, row) in rows {
            let id = T::id(&row);
            list.push((cursor, id));
            T::rows(store).entry(id).or_insert(row);
        }
        store.pages.insert((page, key.parent), list);
    }
    Ok(())
}

/// `{"key":…,…}`: each entry's key, then its value as `value` writes it.
fn object<T>(
    out: &mut Vec<u8>,
    entries: &[(super::Key, T)],
    mut value: impl FnMut(&T, &mut Vec<u8>) -> Result<(), Fallback>,
) -> Result<(), Fallback> {
    out.push(b'{');
    for (i, (key, entry)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(key.as_bytes());
        value(entry, out)?;
    }
    out.push(b'}');
    Ok(())
}

/// A JSON string of a name (nothing to escape).
fn name(out: &mut Vec<u8>, name: &str) {
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.push(b'"');
}

/// `{"field":…}` of the root.
fn write_root(plan: &Plan, store: &Store, out: &mut Vec<u8>) -> Result<(), Fallback> {
    out.push(b'{');
    for (i, field) in plan.root.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match field {
            RootField::Typename(key) => {
                out.extend_from_slice(key.as_bytes());
                name(out, "Query");
            }
            RootField::Object { key, obj, id, sel } => {
                out.extend_from_slice(key.as_bytes());
                write_object(plan, store, sel, *obj, *id, out)?;
            }
        }
    }
    out.push(b'}');
    Ok(())
}

fn write_object(
    plan: &Plan,
    store: &Store,
    sel: &Selection,
    obj: Kind,
    id: i64,
    out: &mut Vec<u8>,
) -> Result<(), Fallback> {
    let row = store.row(obj, id).ok_or(Fallback("a row is absent"))?;
    object(out, &sel.fields, |field, out| {
        match field {
            FieldPlan::Typename(type_name) => name(out, type_name),
            FieldPlan::Scalar(write) => write(row, out)?,
            FieldPlan::Ref { obj: target, target: via, sel } => {
                let child = via(row).ok_or(Fallback("a reference of another object"))?;
                write_object(plan, store, sel, *target, child, out)?;
            }
            FieldPlan::Conn { obj: target, page, sel } => write_connection(plan, store, sel, *target, *page, id, out)?,
            FieldPlan::ActiveStrikes => {
                let n = store.active_strikes.get(&id).copied().unwrap_or(0);
                let _ = write!(out, "{}", n as i32);
            }
            FieldPlan::Price(parts) => {
                let Row::Listing(listing) = row else { return Err(Fallback("a price of another object")) };
                object(out, parts, |part, out| {
                    match part {
                        PricePart::Typename => name(out, "Money"),
                        PricePart::Amount => schema::string(out, &listing.price_amount),
                        PricePart::Currency => schema::string(out, &listing.price_currency),
                    }
                    Ok(())
                })?;
            }
        }
        Ok(())
    })
}

/// A JSON list of `items`, each written by `item`.
fn list<T>(
    out: &mut Vec<u8>,
    items: &[T],
    mut item: impl FnMut(&T, &mut Vec<u8>) -> Result<(), Fallback>,
) -> Result<(), Fallback> {
    out.push(b'[');
    for (i, entry) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        item(entry, out)?;
    }
    out.push(b']');
    Ok(())
}

/// A cursor, or null when there is none.
fn cursor(out: &mut Vec<u8>, cursor: Option<&Cursor>) {
    match cursor {
        Some(c) => schema::string(out, &c.encode()),
        None => out.extend_from_slice(b"null"),
    }
}

fn write_connection(
    plan: &Plan,
    store: &Store,
    sel: &ConnSelection,
    obj: Kind,
    page: usize,
    parent: i64,
    out: &mut Vec<u8>,
) -> Result<(), Fallback> {
    let args = &plan.pages[page].2;
    let rows: &[(Cursor, i64)] = store.pages.get(&(page, parent)).map_or(&[], Vec::as_slice);
    // As `Connection::from_rows`: one row more than asked says there is a next page.
    let has_next_page = rows.len() as u64 > args.first;
    let rows = &rows[..rows.len().min(args.first as usize)];
    object(out, &sel.fields, |part, out| {
        match part {
            ConnPart::Typename => name(out, schema::connection_name(obj)),
            ConnPart::Nodes(child) => list(out, rows, |(_, id), out| write_object(plan, store, child, obj, *id, out))?,
            ConnPart::Edges(parts) => list(out, rows, |(at, id), out| {
                object(out, parts, |part, out| {
                    match part {
                        EdgePart::Typename => name(out, schema::edge_name(obj)),
                        EdgePart::Cursor => cursor(out, Some(at)),
                        EdgePart::Node(child) => write_object(plan, store, child, obj, *id, out)?,
                    }
                    Ok(())
                })
            })?,
            ConnPart::PageInfo(parts) => object(out, parts, |part, out| {
                match part {
                    InfoPart::Typename => name(out, "PageInfo"),
                    InfoPart::HasPreviousPage => schema::boolean(out, args.after.is_some()),
                    InfoPart::HasNextPage => schema::boolean(out, has_next_page),
                    InfoPart::StartCursor => cursor(out, rows.first().map(|(c, _)| c)),
                    InfoPart::EndCursor => cursor(out, rows.last().map(|(c, _)| c)),
                }
                Ok(())
            })?,
            ConnPart::TotalCount(count) => {
                let n = store.counts.get(&(*count, parent)).copied().unwrap_or(0);
                let _ = write!(out, "{}", n as i64);
            }
        }
        Ok(())
    })
}
