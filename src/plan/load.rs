//! Loading a plan's rows: the rows of each level of the plan are loaded together (one statement
//! per table, page or count asked at that level, through the loaders' own `load`). The one
//! exception is a seller's network: each is its own breadth-first walk, as its resolver's is (and
//! costs as much in the complexity model).

use super::schema::Row;
use super::{ConnPart, ConnSelection, EdgePart, FieldPlan, PartPlan, Parts, Plan, RootField, Selection};
use crate::analytics::service::ClusterRow;
use crate::analytics::types::{OffenderCluster, OffenderNetwork};
use crate::columns::Mask;
use crate::ids::Kind;
use crate::loaders::{ActiveStrikes, Batcher, Brands, Listings, Notices, Sellers};
use crate::notices::stats::StatsKey;

use super::fetch::{fetch, root_page};
use super::store::{At, Needs, Stop, Store, failed};
use crate::fields::Fallback;

/// Selections still to load: objects of a type, with their ids.
type Level<'p> = Vec<(&'p Selection, Kind, Vec<i64>)>;

pub(super) async fn load(plan: &Plan, job: &At<'_>, batcher: &Batcher, store: &mut Store) -> Result<(), Stop> {
    let mut level = roots(plan, job, batcher, store).await?;
    clusters(plan, job, batcher, store, &mut level).await?;
    while !level.is_empty() {
        let mut needs = asks(&level, job, batcher, store)?;
        walk_networks(job, batcher, store, &mut needs).await?;
        fetch(plan, batcher, store, needs).await?;
        level = next_level(plan, store, &level)?;
    }
    Ok(())
}

/// The root objects and the root lists, each list as its resolver makes it for the viewer; the
/// first level below them.
async fn roots<'p>(plan: &'p Plan, job: &At<'_>, batcher: &Batcher, store: &mut Store) -> Result<Level<'p>, Stop> {
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
            let spec = list.spec(job.identity, job.now).map_err(|_| Fallback("a root list answers an error"))?;
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
    Ok(level)
}

/// The offender clusters, then their members' pages (and counts) together; the members join
/// `level`.
async fn clusters<'p>(
    plan: &'p Plan,
    job: &At<'_>,
    batcher: &Batcher,
    store: &mut Store,
    level: &mut Level<'p>,
) -> Result<(), Stop> {
    // The offender clusters, then their members' pages (and counts) together.
    let mut members = Needs::default();
    for (i, (_, field)) in plan.root.iter().enumerate() {
        if let RootField::Clusters { min_members, min_strikes, args, sel } = field {
            // The resolver's rules (staff only, the arguments' ranges): the general executor
            // answers their errors.
            let spec = crate::analytics::resolvers::clusters(job.identity, *min_members, *min_strikes, job.now)
                .map_err(|_| Fallback("clusters the resolver refuses"))?;
            let rows = crate::sql::page::<ClusterRow>(batcher.db(), &spec, args, Mask::ALL).await.map_err(failed)?;
            if sel.fields.iter().any(|(_, part)| matches!(part, ConnPart::TotalCount(_))) {
                let total = crate::sql::count(batcher.db(), &spec).await.map_err(failed)?;
                store.root_totals.insert(i, total);
            }
            let clusters: Vec<OffenderCluster> =
                args.page_of(&rows).0.iter().map(|(_, c)| OffenderCluster(*c)).collect();
            for parts in cluster_selections(sel) {
                for (_, part) in parts {
                    if let PartPlan::Sellers { parent, page, sel } = part {
                        let ids = clusters.iter().map(parent);
                        members.pages.entry(*page).or_default().extend(ids.clone());
                        for (_, part) in &sel.fields {
                            if let ConnPart::TotalCount(count) = part {
                                members.counts.entry(*count).or_default().extend(ids.clone());
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
            let clusters: Vec<OffenderCluster> =
                args.page_of(rows).0.iter().map(|(_, c)| OffenderCluster(*c)).collect();
            for parts in cluster_selections(sel) {
                for (_, part) in parts {
                    if let PartPlan::Sellers { parent, page, sel } = part {
                        let ids: Vec<i64> = clusters.iter().map(parent).collect();
                        push_rows(level, sel, Kind::Seller, &page_rows(plan, store, *page, &ids));
                    }
                }
            }
        }
    }
    Ok(())
}

/// What the selections of `level` ask beyond their own rows.
fn asks(level: &Level<'_>, job: &At<'_>, batcher: &Batcher, store: &Store) -> Result<Needs, Stop> {
    let mut needs = Needs::default();
    for (sel, obj, ids) in level {
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
                    if crate::analytics::service::may_walk(job.identity, *max_hops).is_err() {
                        return Err(Stop::Fallback(Fallback("a network the resolver refuses")));
                    }
                    needs.networks.extend(ids.iter().map(|id| (*id, *max_hops)));
                }
                _ => {}
            }
        }
    }
    Ok(needs)
}

/// Walks the networks `needs` asks (each its own walk, as its resolver runs it); their members'
/// rows join `needs`, to be read with the level's other rows in one statement.
async fn walk_networks(job: &At<'_>, batcher: &Batcher, store: &mut Store, needs: &mut Needs) -> Result<(), Stop> {
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
        store.networks.insert((seller, max_hops), OffenderNetwork { root: seller, network });
    }
    Ok(())
}

/// The next level: the objects the references and connections of `level` reach.
fn next_level<'p>(plan: &Plan, store: &Store, level: &Level<'p>) -> Result<Level<'p>, Stop> {
    let mut next: Level<'_> = Vec::new();
    for (sel, obj, ids) in level {
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
                        let network = store.networks.get(&(*id, *max_hops)).ok_or(Fallback("a network not walked"))?;
                        push_parts(&mut next, parts, &[network]);
                    }
                }
                _ => {}
            }
        }
    }
    Ok(next)
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
fn cluster_selections(conn: &ConnSelection<Parts<OffenderCluster>>) -> impl Iterator<Item = &Parts<OffenderCluster>> {
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

/// Adds the sellers that the selections `parts` of the objects `items` reach (a network's root,
/// its members', its links' ends) to a level, each seller once per selection.
fn push_parts<'p, S>(level: &mut Level<'p>, parts: &'p Parts<S>, items: &[&S]) {
    for (_, part) in parts {
        match part {
            PartPlan::Seller(id, sel) => {
                let mut ids: Vec<i64> = items.iter().map(|s| id(s)).collect();
                ids.sort_unstable();
                ids.dedup();
                push_level(level, sel, Kind::Seller, ids);
            }
            PartPlan::Members(read, parts) => {
                let members: Vec<_> = items.iter().flat_map(|s| read(s)).collect();
                push_parts(level, parts, &members.iter().collect::<Vec<_>>());
            }
            PartPlan::Links(read, parts) => {
                let links: Vec<_> = items.iter().flat_map(|s| read(s)).collect();
                push_parts(level, parts, &links.iter().collect::<Vec<_>>());
            }
            // Pages are read by their callers (`clusters`); a network's plan has none.
            PartPlan::Typename(_) | PartPlan::Value(_) | PartPlan::Sellers { .. } => {}
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
