//! The statements of a plan's level: what the level needs and the store lacks, one statement per
//! table, page and count, through the loaders' own `load`.

use async_graphql::dataloader::Loader;

use super::Plan;
use crate::error::AppError;
use crate::ids::Kind;
use crate::loaders::lists::RelTable;
use crate::loaders::{
    ActiveStrikes, Batcher, Brands, ChildOf, CountOf, CounterNotices, Events, Items, Listings, Notices, OneOf, Sellers,
    Strikes, Trademarks,
};
use crate::notices::stats::StatsKey;
use crate::pagination::Cursor;

use super::store::{Map, Needs, Stop, Store, Stored, failed};
use crate::fields::Fallback;

/// Loads what `needs` asks and the store lacks: one statement per table, page and count.
pub(super) async fn fetch(plan: &Plan, batcher: &Batcher, store: &mut Store, needs: Needs) -> Result<(), Stop> {
    fetch_rows(plan, batcher, store, needs.rows).await?;
    fetch_pages(plan, batcher, store, needs.pages).await?;
    fetch_counts(plan, batcher, store, needs.counts).await?;
    fetch_one_of(batcher, store, needs.one_of).await?;
    fetch_stats(batcher, store, needs.stats).await?;
    fetch_active_strikes(batcher, store, needs.active_strikes).await
}

/// The rows of each object by id, one statement per table; a row already stored is not read
/// again. An object the planner does not answer gives the query back to the general executor.
async fn fetch_rows(plan: &Plan, batcher: &Batcher, store: &mut Store, rows: Map<Kind, Vec<i64>>) -> Result<(), Stop> {
    for (obj, mut ids) in rows {
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
    Ok(())
}

/// Each relation's page for its parents, one statement per relation; a parent whose page is
/// stored is not read again. No relation lists brands or counter-notices, so a plan that asks
/// for one gives the query back.
async fn fetch_pages(
    plan: &Plan,
    batcher: &Batcher,
    store: &mut Store,
    relations: Map<usize, Vec<i64>>,
) -> Result<(), Stop> {
    for (page, mut parents) in relations {
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
    Ok(())
}

/// Each relation's `totalCount` for its parents, through the count loader, which counts a batch
/// of parents in one statement.
async fn fetch_counts(
    plan: &Plan,
    batcher: &Batcher,
    store: &mut Store,
    relations: Map<usize, Vec<i64>>,
) -> Result<(), Stop> {
    for (count, mut parents) in relations {
        parents.sort_unstable();
        parents.dedup();
        let rel = &plan.counts[count];
        let keys: Vec<CountOf> = parents.iter().map(|&parent| CountOf { rel: rel.clone(), parent }).collect();
        let counts = Loader::<CountOf>::load(batcher, &keys).await.map_err(failed)?;
        for (key, n) in counts {
            store.counts.insert((count, key.parent), n);
        }
    }
    Ok(())
}

/// The one row that refers to each parent, for the one-of relations the planner answers (a
/// notice item's strike or counter-notice); a parent whose row is stored is not read again.
async fn fetch_one_of(batcher: &Batcher, store: &mut Store, relations: Map<Kind, Vec<i64>>) -> Result<(), Stop> {
    for (obj, mut parents) in relations {
        parents.sort_unstable();
        parents.dedup();
        parents.retain(|p| !store.one_of.contains_key(&(obj, *p)));
        match obj {
            Kind::Strike => one_of::<Strikes>(batcher, store, &parents).await?,
            Kind::CounterNotice => one_of::<CounterNotices>(batcher, store, &parents).await?,
            _ => return Err(Stop::Fallback(Fallback("no such one-of relation"))),
        }
    }
    Ok(())
}

/// The figures of each `Brand.stats(since)` asked that the store lacks, through the loader the
/// resolver uses, so that both answer the same figures.
async fn fetch_stats(batcher: &Batcher, store: &mut Store, mut keys: Vec<StatsKey>) -> Result<(), Stop> {
    keys.retain(|k| !store.stats.contains_key(k));
    if !keys.is_empty() {
        keys.sort_unstable_by_key(|k| (k.brand, k.since));
        keys.dedup();
        for (key, stats) in Loader::<StatsKey>::load(batcher, &keys).await.map_err(failed)? {
            store.stats.insert(key, stats);
        }
    }
    Ok(())
}

/// The active strikes of the sellers asked that the store lacks, through the loader the resolver
/// uses (`Seller.activeStrikeCount`), so that both count them the same way.
async fn fetch_active_strikes(batcher: &Batcher, store: &mut Store, mut ids: Vec<i64>) -> Result<(), Stop> {
    if !ids.is_empty() {
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
pub(super) async fn root_page<T: Stored>(
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
