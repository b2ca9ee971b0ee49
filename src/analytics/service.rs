//! The analytic queries. Active strikes are counted at query time against the request's clock,
//! so expiry shows at once without a background job.

use std::collections::{HashMap, HashSet};

use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::auth::Identity;
use crate::error::{AppError, AppResult};
pub use crate::objects::Network;
use crate::sql::{ListSpec, raw};
use crate::states::IdentifierKind;

/// Most members a network lists.
pub const MAX_MEMBERS: usize = 500;

/// The sellers with at least `min` active strikes (only strikes from `brand`'s notices when
/// given), most strikes first, ties by id.
pub fn repeat_offenders(min: i64, brand: Option<i64>, now: i64) -> ListSpec {
    raw::repeat_offenders(min, brand, now)
}

/// A component of the link graph with its figures.
#[derive(Debug, Clone, Copy, FromQueryResult)]
pub struct ClusterRow {
    /// The smallest seller id in it.
    pub id: i64,
    pub size: i64,
    pub strikes: i64,
}
crate::columns::columns!(ClusterRow { id, size, strikes });

/// The components with at least `min_members` sellers and `min_strikes` active strikes among
/// them: most strikes first, then the larger, then the smallest member id.
pub fn clusters(min_members: i64, min_strikes: i64, now: i64) -> ListSpec {
    raw::clusters(min_members, min_strikes, now)
}

/// What one `Seller.network` costs in the complexity model before its members and links: its
/// walk runs up to nine statements, each as heavy as a page of a connection.
pub const NETWORK_COST: usize = 1_000;

/// Whether `identity` may walk a network of `max_hops` (ADMIN, REVIEWER and ANALYST only, 1 to
/// 4 hops): the rule of `Seller.network`, shared by both executors.
pub fn may_walk(identity: &Identity, max_hops: i32) -> AppResult<()> {
    identity.require_staff("see seller networks")?;
    if !(1..=4).contains(&max_hops) {
        return Err(AppError::bad_input("maxHops", format!("maxHops must be 1 to 4, got {max_hops}")));
    }
    Ok(())
}

/// Walks the link graph breadth first from `root` up to `max_hops`, at most `MAX_MEMBERS` members.
pub async fn network(db: &impl ConnectionTrait, root: i64, max_hops: i32, now: i64) -> AppResult<Network> {
    let mut hops: HashMap<i64, i32> = HashMap::from([(root, 0)]);
    let mut members = vec![(root, 0)];
    let mut frontier = vec![root];
    let mut truncated = false;
    for hop in 1..=max_hops {
        if frontier.is_empty() {
            break;
        }
        let reached = neighbours(db, &frontier).await?;
        let fresh: Vec<i64> = reached.into_iter().filter(|s| !hops.contains_key(s)).collect();
        if members.len() + fresh.len() > MAX_MEMBERS {
            truncated = true;
        }
        frontier = fresh.into_iter().take(MAX_MEMBERS - members.len()).collect();
        for &s in &frontier {
            hops.insert(s, hop);
            members.push((s, hop));
        }
        if truncated {
            break;
        }
    }
    let ids: Vec<i64> = members.iter().map(|m| m.0).collect();
    let (links, kinds) = links_among(db, &ids).await?;
    let total_active_strikes = active_strikes(db, &ids, now).await?;
    Ok(Network { members, links, kinds, total_active_strikes, truncated })
}

/// The sellers sharing an identifier with any of `sellers`, other than themselves, by id.
async fn neighbours(db: &impl ConnectionTrait, sellers: &[i64]) -> AppResult<Vec<i64>> {
    let rows = db.query_all_raw(raw::neighbours(sellers).build(db.get_database_backend())).await?;
    let set: HashSet<i64> = sellers.iter().copied().collect();
    rows.iter()
        .map(|r| r.try_get::<i64>("", "id").map_err(AppError::from))
        .filter(|r| r.as_ref().map_or(true, |id| !set.contains(id)))
        .collect()
}

/// The pairs among `ids` that share an identifier, once per pair and kind, ordered. One read of
/// the members' identifiers; the pairs are formed here, since a value held by k members makes
/// k(k-1)/2 pairs that a self-join would have to build and deduplicate row by row.
async fn links_among(db: &impl ConnectionTrait, ids: &[i64]) -> AppResult<(Vec<(i64, i64, u32)>, Vec<IdentifierKind>)> {
    let rows = db.query_all_raw(raw::identifiers_of(ids).build(db.get_database_backend())).await?;
    let mut holders: HashMap<(IdentifierKind, String), Vec<i64>> = HashMap::new();
    for row in &rows {
        let seller: i64 = row.try_get("", "seller_id")?;
        holders.entry((row.try_get("", "kind")?, row.try_get("", "value")?)).or_default().push(seller);
    }
    Ok(pairs(holders))
}

/// Every pair (a < b) of sellers holding one value, once per pair and kind, ordered by the
/// sellers then the kind, and the kinds (which the pairs refer to by place, in order).
fn pairs(holders: HashMap<(IdentifierKind, String), Vec<i64>>) -> (Vec<(i64, i64, u32)>, Vec<IdentifierKind>) {
    // In the order of their names, as the links are answered.
    let mut kinds: Vec<IdentifierKind> = holders.keys().map(|(kind, _)| *kind).collect();
    kinds.sort_unstable_by_key(|kind| kind.as_db());
    kinds.dedup();
    let mut links = Vec::new();
    for ((kind, _), mut sellers) in holders {
        // `kinds` holds every key's kind (a handful of them), so the search cannot miss.
        let Ok(kind) = kinds.binary_search_by_key(&kind.as_db(), |k| k.as_db()) else { continue };
        let kind = kind as u32;
        sellers.sort_unstable();
        sellers.dedup();
        for (i, &a) in sellers.iter().enumerate() {
            links.extend(sellers[i + 1..].iter().map(|&b| (a, b, kind)));
        }
    }
    links.sort_unstable();
    links.dedup();
    (links, kinds)
}

async fn active_strikes(db: &impl ConnectionTrait, ids: &[i64], now: i64) -> AppResult<i64> {
    let row = db.query_one_raw(raw::active_strikes_of(ids, now).build(db.get_database_backend())).await?;
    Ok(row.map(|r| r.try_get::<i64>("", "n")).transpose()?.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holders(groups: &[(IdentifierKind, &str, &[i64])]) -> HashMap<(IdentifierKind, String), Vec<i64>> {
        groups.iter().map(|(k, v, s)| ((*k, (*v).to_owned()), s.to_vec())).collect()
    }

    #[test]
    fn pairs_are_listed_once_per_kind_in_order() {
        let links = pairs(holders(&[
            (IdentifierKind::Phone, "1", &[3, 1, 2]),
            // A second shared phone between 1 and 2 adds no second PHONE link.
            (IdentifierKind::Phone, "2", &[2, 1]),
            (IdentifierKind::Email, "x@y", &[2, 1]),
            (IdentifierKind::Address, "a", &[4]),
        ]));
        let (links, kinds) = links;
        assert_eq!(kinds, [IdentifierKind::Address, IdentifierKind::Email, IdentifierKind::Phone], "by name");
        let named: Vec<(i64, i64, &str)> = links.iter().map(|&(a, b, k)| (a, b, kinds[k as usize].as_db())).collect();
        assert_eq!(named, [(1, 2, "EMAIL"), (1, 2, "PHONE"), (1, 3, "PHONE"), (2, 3, "PHONE")]);
    }
}
