//! Running a plan: the rows of each level of the plan are loaded together (one statement per
//! table, page or count asked at that level, through the loaders' own `load`), then the answer
//! is written from the rows in one walk. The one exception is a seller's network: each is its
//! own breadth-first walk, as its resolver's is (and costs as much in the complexity model).

use std::collections::HashMap as StdMap;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_graphql::dataloader::Loader;

use super::schema::{self, Row};
use super::{
    ClusterPart, ClusterSelection, ConnPart, ConnSelection, EdgePart, FieldPlan, InfoPart, LinkPart, MemberPart,
    NetworkPart, Plan, PricePart, RootField, Selection, StatsPart,
};
use crate::analytics::service::{ClusterRow, Network};
use crate::auth::Identity;
use crate::budget::cost::FIELD;
use crate::columns::Mask;
use crate::db::{Pinned, StatementCounter};
use crate::error::AppError;
use crate::ids::Kind;
use crate::loaders::lists::RelTable;
use crate::loaders::{
    ActiveStrikes, Batcher, Brands, ChildOf, CountOf, CounterNotices, Events, Items, Listings, Notices, OneOf, Sellers,
    Strikes, Table, Trademarks,
};
use crate::notices::stats::{BrandStats, StatsKey};
use crate::pagination::Cursor;

pub use crate::fields::Fallback;

/// How running a plan can end without an answer.
#[derive(Debug)]
pub enum Stop {
    /// The general executor answers the request (it knows the error to answer).
    Fallback(Fallback),
    /// The database failed: answered at once as an internal error, rather than tried again by
    /// the general executor (which would wait as long again for a database that is down).
    Failed(AppError),
}

impl From<Fallback> for Stop {
    fn from(f: Fallback) -> Self {
        Stop::Fallback(f)
    }
}

/// A load's error: an internal one is the database's; any other is an answer the general
/// executor gives (a cursor of another list).
fn failed(err: AppError) -> Stop {
    match err {
        AppError::Internal(_) => Stop::Failed(err),
        _ => Stop::Fallback(Fallback("a load answers an error")),
    }
}

/// How a planned answer begins: the data is written after it, in the one buffer that becomes
/// the response's body.
const ANSWER_OPENS: &[u8] = b"{\"data\":";

/// The size of the last planned answer (with room for its closing), the next one's buffer.
static LAST_ANSWER: AtomicUsize = AtomicUsize::new(4096);

/// One request's plan, the loader it runs with, and, once run, its `data` as JSON.
pub struct Job {
    plan: Arc<Plan>,
    batcher: Batcher,
    identity: Identity,
    now: i64,
    /// Counts the statements of the connection the plan holds (`db::Pinned`).
    statements: StatementCounter,
    data: Mutex<Option<Vec<u8>>>,
    /// What the answer cost (`budget::cost`), counted as it was written; `NOT_ANSWERED` until then.
    actual: AtomicU64,
}

/// `Job::actual` before the plan answered.
const NOT_ANSWERED: u64 = u64::MAX;

impl Job {
    /// `plan`, to be run for `identity` with `batcher` (its scope and the request's instant
    /// `now`), its statements counted by `statements`.
    pub fn new(plan: Arc<Plan>, batcher: Batcher, identity: Identity, now: i64, statements: StatementCounter) -> Self {
        Self { plan, batcher, identity, now, statements, data: Mutex::new(None), actual: AtomicU64::new(NOT_ANSWERED) }
    }

    /// Runs the plan; on success the answer's `data` is kept for `take`.
    pub async fn run(&self) -> Result<(), Stop> {
        if self.plan.staff_only && !self.identity.is_staff() {
            // The general executor answers FORBIDDEN where it applies; no statement is spent.
            return Err(Stop::Fallback(Fallback("a staff-only field for a viewer who is not staff")));
        }
        let mut store = Store::default();
        // The plan's statements run one after another: on PostgreSQL, on one connection taken
        // once (and given back before the answer is written), not one taken per statement.
        // A plan of `__typename` alone reads nothing, and takes no connection.
        let reads = self.plan.root.iter().any(|(_, field)| !matches!(field, RootField::Typename));
        let pinned = match reads {
            true => {
                Pinned::take(self.batcher.db().pool(), &self.statements).await.map_err(|e| Stop::Failed(e.into()))?
            }
            false => None,
        };
        match pinned {
            Some(pinned) => load(&self.plan, self, &self.batcher.pinned(pinned), &mut store).await?,
            None => load(&self.plan, self, &self.batcher, &mut store).await?,
        }
        // Sized as the last answer was, so that a dashboard's buffer is not grown (and copied)
        // five times over.
        let mut out = Vec::with_capacity(LAST_ANSWER.load(Ordering::Relaxed).clamp(4096, 256 << 10));
        out.extend_from_slice(ANSWER_OPENS);
        let actual = write_root(&Written { plan: &self.plan, store: &store, now: self.now }, &mut out)
            .map_err(Stop::Fallback)?;
        LAST_ANSWER.store(out.len() + 64, Ordering::Relaxed);
        // A small answer after a large one does not keep the large one's buffer.
        if out.capacity() > 2 * out.len() + 4096 {
            out.shrink_to_fit();
        }
        *self.data.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(out);
        self.actual.store(actual.min(NOT_ANSWERED - 1), Ordering::Relaxed);
        Ok(())
    }

    /// What the answer cost, once the plan answered (`budget::cost`: the general executor's
    /// answer to the same query costs the same).
    pub fn actual_cost(&self) -> Option<u64> {
        Some(self.actual.load(Ordering::Relaxed)).filter(|&n| n != NOT_ANSWERED)
    }

    /// The answer to a request whose database failed: each root field null with an internal
    /// error at its path, as the general executor answers it (the pipeline then propagates the
    /// nulls and gives the errors their request id).
    pub fn failed(&self, err: &AppError) -> async_graphql::Response {
        tracing::error!(cause = err.message(), "the database failed a planned query");
        let mut data = async_graphql::indexmap::IndexMap::new();
        let mut errors = Vec::new();
        for (key, field) in &self.plan.root {
            let name = key.strip_suffix(':').and_then(|k| serde_json::from_str::<String>(k).ok()).unwrap_or_default();
            let value = match field {
                RootField::Typename => async_graphql::Value::from("Query"),
                _ => {
                    let mut error = async_graphql::ServerError::new("internal server error", None);
                    error.path = vec![async_graphql::PathSegment::Field(name.clone())];
                    error
                        .extensions
                        .get_or_insert_with(Default::default)
                        .set("code", crate::error::Code::InternalServerError.as_str());
                    errors.push(error);
                    async_graphql::Value::Null
                }
            };
            data.insert(async_graphql::Name::new(name), value);
        }
        let mut response = async_graphql::Response::new(async_graphql::Value::Object(data));
        response.errors = errors;
        response
    }

    /// The answer, if the plan ran: `{"data":` and the data (`ANSWER_OPENS`).
    fn take(&self) -> Option<Vec<u8>> {
        self.data.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()
    }
}

/// The planner's part in one request: attached to the request before it executes, it is asked
/// afterwards for the answer. The pipeline knows nothing else of how a plan runs or is written.
pub struct FastPath(Arc<Job>);

impl FastPath {
    /// `plan` for `identity`, attached to `request` (the schema's extension runs it in place of
    /// the execution, once async-graphql has validated the document).
    pub fn attach(
        plan: Arc<Plan>,
        batcher: Batcher,
        identity: Identity,
        now: i64,
        statements: StatementCounter,
        request: async_graphql::Request,
    ) -> (async_graphql::Request, Self) {
        let job = Arc::new(Job::new(plan, batcher, identity, now, statements));
        (request.data(job.clone()), Self(job))
    }

    /// The whole JSON body of the response, when the plan answered it: its data, then
    /// `response`'s extensions (what the schema's extension reported), in the order
    /// async-graphql writes a response's entries. `None`: the general executor answered, and
    /// `response` is the answer.
    pub fn answer(&self, response: &async_graphql::Response) -> Option<Vec<u8>> {
        let mut answer = self.0.take()?;
        if !response.extensions.is_empty()
            && let Ok(extensions) = serde_json::to_vec(&response.extensions)
        {
            answer.extend_from_slice(b",\"extensions\":");
            answer.extend_from_slice(&extensions);
        }
        answer.push(b'}');
        Some(answer)
    }
}

/// A map keyed by row ids: hashed by FxHash (the hasher of rustc), not SipHash, since the keys
/// are ours, not an attacker's: finding rows took a tenth of the planner's time.
type Map<K, V> = StdMap<K, V, rustc_hash::FxBuildHasher>;

/// The rows a plan loaded.
#[derive(Default)]
struct Store {
    brands: Map<i64, entity::brand::Model>,
    trademarks: Map<i64, entity::trademark::Model>,
    sellers: Map<i64, entity::seller::Model>,
    listings: Map<i64, entity::listing::Model>,
    notices: Map<i64, entity::notice::Model>,
    items: Map<i64, entity::notice_item::Model>,
    counter_notices: Map<i64, entity::counter_notice::Model>,
    strikes: Map<i64, entity::strike::Model>,
    events: Map<i64, entity::notice_event::Model>,
    /// Per root list (by its place in the root): its rows, and its count when asked.
    roots: Map<usize, Vec<(Cursor, i64)>>,
    root_totals: Map<usize, u64>,
    /// The row of a table that refers to a parent (`OneOf`), by table and parent.
    one_of: Map<(Kind, i64), Option<i64>>,
    /// Per page of the plan: each parent's rows (cursor and id), one more than asked when there
    /// is a next page.
    pages: Map<(usize, i64), Vec<(Cursor, i64)>>,
    counts: Map<(usize, i64), u64>,
    active_strikes: Map<i64, u64>,
    stats: Map<StatsKey, BrandStats>,
    /// Per root `offenderClusters` (by its place in the root): its rows.
    clusters: Map<usize, Vec<(Cursor, ClusterRow)>>,
    /// Per seller and `maxHops`, its network.
    networks: Map<(i64, i32), Network>,
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
            Kind::CounterNotice => self.counter_notices.get(&id).map(Row::CounterNotice),
            Kind::Strike => self.strikes.get(&id).map(Row::Strike),
            Kind::NoticeEvent => self.events.get(&id).map(Row::NoticeEvent),
            Kind::NoticeMessage | Kind::Appeal | Kind::StatementOfReasons => None,
        }
    }

    fn has(&self, obj: Kind, id: i64) -> bool {
        self.row(obj, id).is_some()
    }
}

/// A table's rows and how they go into the store.
trait Stored: Table {
    fn id(m: &Self::Model) -> i64;
    fn rows(store: &mut Store) -> &mut Map<i64, Self::Model>;
}

macro_rules! stored {
    ($table:ty, $field:ident) => {
        impl Stored for $table {
            fn id(m: &Self::Model) -> i64 {
                m.id
            }
            fn rows(store: &mut Store) -> &mut Map<i64, Self::Model> {
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
stored!(CounterNotices, counter_notices);
stored!(Strikes, strikes);
stored!(Events, events);

/// Selections still to load: objects of a type, with their ids.
type Level<'p> = Vec<(&'p Selection, Kind, Vec<i64>)>;

/// What one level asks, merged over every selection of the level.
#[derive(Default)]
struct Needs {
    rows: Map<Kind, Vec<i64>>,
    pages: Map<usize, Vec<i64>>,
    counts: Map<usize, Vec<i64>>,
    active_strikes: Vec<i64>,
    one_of: Map<Kind, Vec<i64>>,
    stats: Vec<StatsKey>,
    /// Networks to walk: seller and `maxHops`.
    networks: Vec<(i64, i32)>,
}

async fn load(plan: &Plan, job: &Job, batcher: &Batcher, store: &mut Store) -> Result<(), Stop> {
    // The root objects.
    let mut needs = Needs::default();
    for (_, field) in &plan.root {
        if let RootField::Object { obj, id, .. } = field {
            needs.rows.entry(*obj).or_default().push(*id);
        }
    }
    fetch(plan, batcher, store, needs).await?;
    let mut level: Level<'_> = Vec::new();
    for (_, field) in &plan.root {
        if let RootField::Object { obj, id, sel } = field {
            if !store.has(*obj, *id) {
                return Err(Stop::Fallback(Fallback("a root object is absent")));
            }
            level.push((sel, *obj, vec![*id]));
        }
    }
    // The root lists, each as its resolver makes it for the viewer.
    for (i, (_, field)) in plan.root.iter().enumerate() {
        if let RootField::List { obj, list, args, sel } = field {
            let spec = list.spec(&job.identity, job.now).map_err(|_| Fallback("a root list answers an error"))?;
            let rows = match obj {
                Kind::Brand => root_page::<Brands>(plan, batcher, store, &spec, args).await?,
                Kind::Seller => root_page::<Sellers>(plan, batcher, store, &spec, args).await?,
                Kind::Listing => root_page::<Listings>(plan, batcher, store, &spec, args).await?,
                Kind::Notice => root_page::<Notices>(plan, batcher, store, &spec, args).await?,
                _ => return Err(Stop::Fallback(Fallback("no root list of this object"))),
            };
            if sel.fields.iter().any(|(_, part)| matches!(part, ConnPart::TotalCount(_))) {
                let total = crate::sql::count(batcher.db(), &spec).await.map_err(failed)?;
                store.root_totals.insert(i, total);
            }
            let children: Vec<i64> = args.page_of(&rows).0.iter().map(|(_, id)| *id).collect();
            store.roots.insert(i, rows);
            push_rows(&mut level, sel, *obj, &children);
        }
    }
    // The offender clusters, then their members' pages (and counts) together.
    let mut members = Needs::default();
    for (i, (_, field)) in plan.root.iter().enumerate() {
        if let RootField::Clusters { min_members, min_strikes, args, sel } = field {
            // The resolver's rules (staff only, the arguments' ranges): the general executor
            // answers their errors.
            let spec = crate::analytics::resolvers::clusters(&job.identity, *min_members, *min_strikes, job.now)
                .map_err(|_| Fallback("clusters the resolver refuses"))?;
            let rows = crate::sql::page::<ClusterRow>(batcher.db(), &spec, args, Mask::ALL).await.map_err(failed)?;
            if sel.fields.iter().any(|(_, part)| matches!(part, ConnPart::TotalCount(_))) {
                let total = crate::sql::count(batcher.db(), &spec).await.map_err(failed)?;
                store.root_totals.insert(i, total);
            }
            let ids: Vec<i64> = args.page_of(&rows).0.iter().map(|(_, c)| c.id).collect();
            for cluster in cluster_selections(sel) {
                for (_, part) in &cluster.fields {
                    if let ClusterPart::Members { page, sel } = part {
                        members.pages.entry(*page).or_default().extend(&ids);
                        for (_, part) in &sel.fields {
                            if let ConnPart::TotalCount(count) = part {
                                members.counts.entry(*count).or_default().extend(&ids);
                            }
                        }
                    }
                }
            }
            store.clusters.insert(i, rows);
        }
    }
    fetch(plan, batcher, store, members).await?;
    for (i, (_, field)) in plan.root.iter().enumerate() {
        if let RootField::Clusters { args, sel, .. } = field {
            let rows = store.clusters.get(&i).map_or(&[][..], Vec::as_slice);
            let ids: Vec<i64> = args.page_of(rows).0.iter().map(|(_, c)| c.id).collect();
            for cluster in cluster_selections(sel) {
                for (_, part) in &cluster.fields {
                    if let ClusterPart::Members { page, sel } = part {
                        push_rows(&mut level, sel, Kind::Seller, &page_rows(plan, store, *page, &ids));
                    }
                }
            }
        }
    }
    while !level.is_empty() {
        // What this level's selections ask beyond their own rows.
        let mut needs = Needs::default();
        for (sel, obj, ids) in &level {
            for (_, field) in &sel.fields {
                match field {
                    FieldPlan::Ref { obj: target, target: via, nullable, .. } => {
                        let wanted = needs.rows.entry(*target).or_default();
                        for id in ids {
                            let row = store.row(*obj, *id).ok_or(Fallback("a row is absent"))?;
                            match via(row) {
                                Some(child) => wanted.push(child),
                                None if *nullable => {}
                                None => return Err(Stop::Fallback(Fallback("a reference of another object"))),
                            }
                        }
                    }
                    FieldPlan::OneOf { obj: target, .. } => needs.one_of.entry(*target).or_default().extend(ids),
                    FieldPlan::Conn { page, sel, .. } => {
                        needs.pages.entry(*page).or_default().extend(ids);
                        for (_, part) in &sel.fields {
                            if let ConnPart::TotalCount(count) = part {
                                needs.counts.entry(*count).or_default().extend(ids);
                            }
                        }
                    }
                    FieldPlan::ActiveStrikes => {
                        // Counted only where the row's kept count is no longer exact.
                        for id in ids {
                            if let Some(Row::Seller(seller)) = store.row(*obj, *id)
                                && ActiveStrikes::kept(seller, job.now).is_none()
                            {
                                needs.active_strikes.push(*id);
                            }
                        }
                    }
                    FieldPlan::Stats { since, .. } => {
                        for id in ids {
                            // The general executor answers the figures a viewer may not read.
                            if crate::notices::stats::may_read(batcher.scope(), *id).is_err() {
                                return Err(Stop::Fallback(Fallback("another brand's stats")));
                            }
                            needs.stats.push(StatsKey { brand: *id, since: *since });
                        }
                    }
                    FieldPlan::Network { max_hops, .. } => {
                        // The resolver's rules (staff only, 1 to 4 hops): the general executor
                        // answers their errors.
                        if crate::analytics::service::may_walk(&job.identity, *max_hops).is_err() {
                            return Err(Stop::Fallback(Fallback("a network the resolver refuses")));
                        }
                        needs.networks.extend(ids.iter().map(|id| (*id, *max_hops)));
                    }
                    _ => {}
                }
            }
        }
        // Each network is its own walk (as its resolver runs it); its members' rows are then
        // read with this level's other rows, in one statement.
        let mut walks = std::mem::take(&mut needs.networks);
        walks.sort_unstable();
        walks.dedup();
        for (seller, max_hops) in walks {
            if store.networks.contains_key(&(seller, max_hops)) {
                continue;
            }
            let network =
                crate::analytics::service::network(batcher.db(), seller, max_hops, job.now).await.map_err(failed)?;
            needs.rows.entry(Kind::Seller).or_default().extend(network.members.iter().map(|m| m.0));
            store.networks.insert((seller, max_hops), network);
        }
        fetch(plan, batcher, store, needs).await?;
        // The next level: the objects this level's references and connections reach.
        let mut next: Level<'_> = Vec::new();
        for (sel, obj, ids) in &level {
            for (_, field) in &sel.fields {
                match field {
                    FieldPlan::Ref { obj: target, target: via, nullable, sel: child } => {
                        let mut children = Vec::with_capacity(ids.len());
                        for id in ids {
                            let row = store.row(*obj, *id).ok_or(Fallback("a row is absent"))?;
                            match via(row) {
                                Some(child_id) if store.has(*target, child_id) => children.push(child_id),
                                // The general executor answers null here...
                                _ if *nullable => {}
                                // ...and an internal error here.
                                _ => return Err(Stop::Fallback(Fallback("a referenced row is not visible"))),
                            }
                        }
                        push_level(&mut next, child, *target, children);
                    }
                    FieldPlan::OneOf { obj: target, sel: child } => {
                        let children =
                            ids.iter().filter_map(|id| store.one_of.get(&(*target, *id)).copied().flatten()).collect();
                        push_level(&mut next, child, *target, children);
                    }
                    FieldPlan::Conn { obj: target, page, sel: conn } => {
                        push_rows(&mut next, conn, *target, &page_rows(plan, store, *page, ids));
                    }
                    FieldPlan::Network { max_hops, parts } => {
                        for id in ids {
                            let network =
                                store.networks.get(&(*id, *max_hops)).ok_or(Fallback("a network not walked"))?;
                            push_network(&mut next, parts, *id, network);
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

/// The ids of the rows of page `page` of `parents`, as far as each page was asked.
fn page_rows(plan: &Plan, store: &Store, page: usize, parents: &[i64]) -> Vec<i64> {
    let args = &plan.pages[page].2;
    parents
        .iter()
        .flat_map(|id| store.pages.get(&(page, *id)).map_or(&[][..], |rows| args.page_of(rows).0))
        .map(|(_, child)| *child)
        .collect()
}

/// The selections of a connection's nodes (`nodes`, `edges { node }`).
fn cluster_selections(conn: &ConnSelection<ClusterSelection>) -> impl Iterator<Item = &ClusterSelection> {
    conn.fields.iter().flat_map(|(_, part)| match part {
        ConnPart::Nodes(node) => vec![node],
        ConnPart::Edges(parts) => parts
            .iter()
            .filter_map(|(_, part)| match part {
                EdgePart::Node(node) => Some(node),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    })
}

/// Adds the selections of a connection's rows (`nodes`, `edges { node }`) to a level.
fn push_rows<'p>(level: &mut Level<'p>, conn: &'p ConnSelection, obj: Kind, ids: &[i64]) {
    for (_, part) in &conn.fields {
        match part {
            ConnPart::Nodes(child) => push_level(level, child, obj, ids.to_vec()),
            ConnPart::Edges(parts) => {
                for (_, part) in parts {
                    if let EdgePart::Node(child) = part {
                        push_level(level, child, obj, ids.to_vec());
                    }
                }
            }
            _ => {}
        }
    }
}

/// Adds the sellers of a network's selections (its root, members, and the two ends of its links)
/// to a level.
fn push_network<'p>(level: &mut Level<'p>, parts: &'p [(super::Key, NetworkPart)], root: i64, network: &Network) {
    let members: Vec<i64> = network.members.iter().map(|m| m.0).collect();
    for (_, part) in parts {
        match part {
            NetworkPart::Root(sel) => push_level(level, sel, Kind::Seller, vec![root]),
            NetworkPart::Members(parts) => {
                for (_, part) in parts {
                    if let MemberPart::Seller(sel) = part {
                        push_level(level, sel, Kind::Seller, members.clone());
                    }
                }
            }
            NetworkPart::Links(parts) => {
                for (_, part) in parts {
                    if let LinkPart::A(sel) | LinkPart::B(sel) = part {
                        // The ends of the links are members, each loaded once.
                        push_level(level, sel, Kind::Seller, members.clone());
                    }
                }
            }
            NetworkPart::Typename | NetworkPart::TotalActiveStrikes | NetworkPart::Truncated => {}
        }
    }
}

/// Adds a selection to a level, unless it has nothing to load below it.
fn push_level<'p>(level: &mut Level<'p>, sel: &'p Selection, obj: Kind, ids: Vec<i64>) {
    let loads = sel
        .fields
        .iter()
        .any(|(_, f)| !matches!(f, FieldPlan::Typename(_) | FieldPlan::Scalar(_) | FieldPlan::Price(_)));
    if loads && !ids.is_empty() {
        level.push((sel, obj, ids));
    }
}

/// Loads what `needs` asks and the store lacks: one statement per table, page and count.
async fn fetch(plan: &Plan, batcher: &Batcher, store: &mut Store, needs: Needs) -> Result<(), Stop> {
    for (obj, mut ids) in needs.rows {
        ids.sort_unstable();
        ids.dedup();
        ids.retain(|id| !store.has(obj, *id));
        if ids.is_empty() {
            continue;
        }
        match obj {
            Kind::Brand => by_id::<Brands>(plan, batcher, store, &ids).await?,
            Kind::Trademark => by_id::<Trademarks>(plan, batcher, store, &ids).await?,
            Kind::Seller => by_id::<Sellers>(plan, batcher, store, &ids).await?,
            Kind::Listing if plan.listing_sellers => listings_with_sellers(plan, batcher, store, &ids).await?,
            Kind::Listing => by_id::<Listings>(plan, batcher, store, &ids).await?,
            Kind::Notice => by_id::<Notices>(plan, batcher, store, &ids).await?,
            Kind::NoticeItem => by_id::<Items>(plan, batcher, store, &ids).await?,
            Kind::CounterNotice => by_id::<CounterNotices>(plan, batcher, store, &ids).await?,
            Kind::Strike => by_id::<Strikes>(plan, batcher, store, &ids).await?,
            Kind::NoticeEvent => by_id::<Events>(plan, batcher, store, &ids).await?,
            Kind::NoticeMessage | Kind::Appeal | Kind::StatementOfReasons => {
                return Err(Stop::Fallback(Fallback("not a planned object")));
            }
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
            Kind::Brand => return Err(Stop::Fallback(Fallback("no relation lists brands"))),
            Kind::Trademark => pages::<Trademarks>(plan, batcher, store, page, &parents).await?,
            Kind::Seller => pages::<Sellers>(plan, batcher, store, page, &parents).await?,
            Kind::Listing => pages::<Listings>(plan, batcher, store, page, &parents).await?,
            Kind::Notice => pages::<Notices>(plan, batcher, store, page, &parents).await?,
            Kind::NoticeItem => pages::<Items>(plan, batcher, store, page, &parents).await?,
            Kind::Strike => pages::<Strikes>(plan, batcher, store, page, &parents).await?,
            Kind::NoticeEvent => pages::<Events>(plan, batcher, store, page, &parents).await?,
            Kind::CounterNotice => return Err(Stop::Fallback(Fallback("no relation lists counter-notices"))),
            Kind::NoticeMessage | Kind::Appeal | Kind::StatementOfReasons => {
                return Err(Stop::Fallback(Fallback("not a planned object")));
            }
        }
    }
    for (count, mut parents) in needs.counts {
        parents.sort_unstable();
        parents.dedup();
        let rel = &plan.counts[count];
        let keys: Vec<CountOf> = parents.iter().map(|&parent| CountOf { rel: rel.clone(), parent }).collect();
        let counts = Loader::<CountOf>::load(batcher, &keys).await.map_err(failed)?;
        for (key, n) in counts {
            store.counts.insert((count, key.parent), n);
        }
    }
    for (obj, mut parents) in needs.one_of {
        parents.sort_unstable();
        parents.dedup();
        parents.retain(|p| !store.one_of.contains_key(&(obj, *p)));
        match obj {
            Kind::Strike => one_of::<Strikes>(batcher, store, &parents).await?,
            Kind::CounterNotice => one_of::<CounterNotices>(batcher, store, &parents).await?,
            _ => return Err(Stop::Fallback(Fallback("no such one-of relation"))),
        }
    }
    let mut keys = needs.stats;
    keys.retain(|k| !store.stats.contains_key(k));
    if !keys.is_empty() {
        keys.sort_unstable_by_key(|k| (k.brand, k.since));
        keys.dedup();
        for (key, stats) in Loader::<StatsKey>::load(batcher, &keys).await.map_err(failed)? {
            store.stats.insert(key, stats);
        }
    }
    if !needs.active_strikes.is_empty() {
        let mut ids = needs.active_strikes;
        ids.sort_unstable();
        ids.dedup();
        ids.retain(|id| !store.active_strikes.contains_key(id));
        let keys: Vec<ActiveStrikes> = ids.into_iter().map(ActiveStrikes).collect();
        let counts = Loader::<ActiveStrikes>::load(batcher, &keys).await.map_err(failed)?;
        for (key, n) in counts {
            store.active_strikes.insert(key.0, n);
        }
    }
    Ok(())
}

async fn by_id<T: Stored>(plan: &Plan, batcher: &Batcher, store: &mut Store, ids: &[i64]) -> Result<(), Stop> {
    let rows = batcher.rows::<T>(ids, plan.mask(T::KIND)).await.map_err(failed)?;
    let stored = T::rows(store);
    stored.reserve(rows.len());
    for (id, row) in rows {
        stored.insert(id, row);
    }
    Ok(())
}

/// Listings with their sellers, in one statement (when the viewer may see every seller, which
/// every role may), the sellers kept for the next level, which then reads none.
async fn listings_with_sellers(plan: &Plan, batcher: &Batcher, store: &mut Store, ids: &[i64]) -> Result<(), Stop> {
    let (mask, seller_mask) = (plan.mask(Kind::Listing), plan.mask(Kind::Seller));
    let Some(rows) =
        batcher.rows_joined::<Listings, Sellers>(ids, mask, "seller_id", seller_mask).await.map_err(failed)?
    else {
        return by_id::<Listings>(plan, batcher, store, ids).await;
    };
    store.listings.reserve(rows.len());
    for (listing, seller) in rows {
        store.sellers.entry(seller.id).or_insert(seller);
        store.listings.insert(listing.id, listing);
    }
    Ok(())
}

async fn one_of<T: Stored + ChildOf>(batcher: &Batcher, store: &mut Store, parents: &[i64]) -> Result<(), Stop>
where
    Batcher: Loader<OneOf<T>, Error = AppError, Value = T::Model>,
{
    if parents.is_empty() {
        return Ok(());
    }
    let keys: Vec<OneOf<T>> = parents.iter().map(|&p| OneOf::new(p)).collect();
    let rows = Loader::<OneOf<T>>::load(batcher, &keys).await.map_err(failed)?;
    for parent in parents {
        store.one_of.insert((T::KIND, *parent), None);
    }
    for (key, row) in rows {
        let id = T::id(&row);
        store.one_of.insert((T::KIND, key.0), Some(id));
        T::rows(store).entry(id).or_insert(row);
    }
    Ok(())
}

/// One page of a root list: its rows go into the store; their cursors and ids come back.
async fn root_page<T: Stored>(
    plan: &Plan,
    batcher: &Batcher,
    store: &mut Store,
    spec: &crate::sql::ListSpec,
    args: &crate::pagination::PageArgs,
) -> Result<Vec<(Cursor, i64)>, Stop> {
    let rows = crate::sql::page::<T::Model>(batcher.db(), spec, args, plan.mask(T::KIND)).await.map_err(failed)?;
    let mut list = Vec::with_capacity(rows.len());
    for (cursor, row) in rows {
        let id = T::id(&row);
        list.push((cursor, id));
        T::rows(store).entry(id).or_insert(row);
    }
    Ok(list)
}

async fn pages<T: Stored + RelTable>(
    plan: &Plan,
    batcher: &Batcher,
    store: &mut Store,
    page: usize,
    parents: &[i64],
) -> Result<(), Stop> {
    let (_, rel, args) = &plan.pages[page];
    let pages = batcher.pages::<T>(rel, args, parents, plan.mask(T::KIND)).await.map_err(failed)?;
    T::rows(store).reserve(pages.iter().map(|(_, rows)| rows.len()).sum());
    store.pages.reserve(pages.len());
    for (parent, rows) in pages {
        let mut list = Vec::with_capacity(rows.len());
        for (cursor, row) in rows {
            let id = T::id(&row);
            list.push((cursor, id));
            T::rows(store).entry(id).or_insert(row);
        }
        store.pages.insert((page, parent), list);
    }
    Ok(())
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

/// What the answer is written from.
struct Written<'a> {
    plan: &'a Plan,
    store: &'a Store,
    now: i64,
}

/// `{"field":…}` of the root; what the answer cost.
fn write_root(w: &Written<'_>, out: &mut Vec<u8>) -> Result<u64, Fallback> {
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
                let names = ("OffenderClusterConnection", "OffenderClusterEdge");
                write_connection(
                    sel,
                    names,
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
                write(row, out, w.now)?;
                FIELD
            }
            FieldPlan::Ref { obj: target, target: via, nullable, sel } => match via(row) {
                Some(child) if w.store.has(*target, child) => {
                    FIELD.saturating_add(write_object(w, sel, *target, child, out)?)
                }
                _ if *nullable => {
                    out.extend_from_slice(b"null");
                    FIELD
                }
                _ => return Err(Fallback("a referenced row is not visible")),
            },
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
            FieldPlan::ActiveStrikes => {
                let kept = match row {
                    Row::Seller(seller) => ActiveStrikes::kept(seller, w.now),
                    _ => None,
                };
                let n = kept.or_else(|| w.store.active_strikes.get(&id).copied()).unwrap_or(0);
                let _ = write!(out, "{}", n as i32);
                FIELD
            }
            FieldPlan::Stats { since, parts } => match w.store.stats.get(&StatsKey { brand: id, since: *since }) {
                None => {
                    out.extend_from_slice(b"null");
                    FIELD
                }
                Some(stats) => FIELD.saturating_add(object(out, parts, |part, out| {
                    Ok(match part {
                        StatsPart::Typename => {
                            name(out, "BrandStats");
                            0
                        }
                        StatsPart::Int(get) => {
                            let _ = write!(out, "{}", get(stats));
                            FIELD
                        }
                        // As serde_json writes a float (async-graphql's own serializer).
                        StatsPart::Float(get) => {
                            match get(stats) {
                                Some(x) => serde_json::to_writer(&mut *out, &x).map_err(|_| Fallback("a float"))?,
                                None => out.extend_from_slice(b"null"),
                            }
                            FIELD
                        }
                    })
                })?),
            },
            FieldPlan::Network { max_hops, parts } => {
                let network = w.store.networks.get(&(id, *max_hops)).ok_or(Fallback("a network not walked"))?;
                crate::budget::cost::network(write_network(w, parts, id, network, out)?)
            }
            FieldPlan::Price(parts) => {
                let Row::Listing(listing) = row else { return Err(Fallback("a price of another object")) };
                FIELD.saturating_add(object(out, parts, |part, out| {
                    Ok(match part {
                        PricePart::Typename => {
                            name(out, "Money");
                            0
                        }
                        PricePart::Amount => {
                            schema::string(out, &listing.price_amount);
                            FIELD
                        }
                        PricePart::Currency => {
                            schema::string(out, &listing.price_currency);
                            FIELD
                        }
                    })
                })?)
            }
        })
    })
}

/// An `OffenderNetwork` of seller `root`, as `analytics::types` answers it; what its fields cost.
fn write_network(
    w: &Written<'_>,
    parts: &[(super::Key, NetworkPart)],
    root: i64,
    network: &Network,
    out: &mut Vec<u8>,
) -> Result<u64, Fallback> {
    object(out, parts, |part, out| {
        Ok(match part {
            NetworkPart::Typename => {
                name(out, "OffenderNetwork");
                0
            }
            NetworkPart::Root(sel) => FIELD.saturating_add(write_object(w, sel, Kind::Seller, root, out)?),
            NetworkPart::TotalActiveStrikes => {
                let _ = write!(out, "{}", i32::try_from(network.total_active_strikes).unwrap_or(i32::MAX));
                FIELD
            }
            NetworkPart::Truncated => {
                schema::boolean(out, network.truncated);
                FIELD
            }
            NetworkPart::Members(parts) => {
                let costs = list(out, &network.members, |(seller, hops), out| {
                    object(out, parts, |part, out| {
                        Ok(match part {
                            MemberPart::Typename => {
                                name(out, "NetworkMember");
                                0
                            }
                            MemberPart::Hops => {
                                let _ = write!(out, "{hops}");
                                FIELD
                            }
                            MemberPart::Seller(sel) => {
                                FIELD.saturating_add(write_object(w, sel, Kind::Seller, *seller, out)?)
                            }
                        })
                    })
                })?;
                FIELD.saturating_add(costs.most)
            }
            NetworkPart::Links(parts) => {
                // The few kinds, each read once.
                let kinds = network.kinds.iter().map(|kind| kind.as_db()).collect::<Vec<_>>();
                let costs = list(out, &network.links, |(a, b, kind), out| {
                    object(out, parts, |part, out| {
                        Ok(match part {
                            LinkPart::Typename => {
                                name(out, "SellerLink");
                                0
                            }
                            LinkPart::Kind => {
                                name(out, kinds.get(*kind as usize).ok_or(Fallback("a link of no kind"))?);
                                FIELD
                            }
                            LinkPart::A(sel) => FIELD.saturating_add(write_object(w, sel, Kind::Seller, *a, out)?),
                            LinkPart::B(sel) => FIELD.saturating_add(write_object(w, sel, Kind::Seller, *b, out)?),
                        })
                    })
                })?;
                FIELD.saturating_add(costs.most)
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

/// An `OffenderCluster`, as `analytics::types` answers it; what its fields cost.
fn write_cluster(
    w: &Written<'_>,
    sel: &ClusterSelection,
    row: &ClusterRow,
    out: &mut Vec<u8>,
) -> Result<u64, Fallback> {
    object(out, &sel.fields, |part, out| {
        Ok(match part {
            ClusterPart::Typename => {
                name(out, "OffenderCluster");
                0
            }
            ClusterPart::Size => {
                let _ = write!(out, "{}", i32::try_from(row.size).unwrap_or(i32::MAX));
                FIELD
            }
            ClusterPart::TotalActiveStrikes => {
                let _ = write!(out, "{}", i32::try_from(row.strikes).unwrap_or(i32::MAX));
                FIELD
            }
            ClusterPart::Members { page, sel } => {
                let rows = w.store.pages.get(&(*page, row.id)).map_or(&[][..], Vec::as_slice);
                let total = |count| w.store.counts.get(&(count, row.id)).copied().unwrap_or(0);
                write_rows(w, sel, Kind::Seller, rows, &w.plan.pages[*page].2, total, out)?
            }
        })
    })
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
