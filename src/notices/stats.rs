//! `Brand.stats(since)`: a brand's enforcement figures as CONTRACT.md section 4 defines them,
//! counting only what the viewer may see.

use std::collections::HashMap;

use async_graphql::SimpleObject;
use async_graphql::dataloader::Loader;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::ExprTrait;

use super::counts::{DECIDED, DecidedCounts, count_in, decided_aggregates, decided_since, status_in};
use crate::auth::{Scope, visibility};
use crate::error::{AppError, AppResult};
use crate::loaders::Batcher;
use crate::sql::{KeyedRows, Sql, aggregate_per_key, rows_per_key, t};
use crate::states::{NoticeItemStatus, NoticeMessageKind};

/// One figure of `BrandStats`, as the planner writes it: a count, or a rate or median that may
/// be null.
#[derive(Clone, Copy)]
pub enum Figure {
    Count(fn(&BrandStats) -> i32),
    Share(fn(&BrandStats) -> Option<f64>),
}

/// Declares `BrandStats` once: each figure's GraphQL name, its field and type, and how the
/// planner reads it (`BrandStats::figure`).
macro_rules! figures {
    ($(#[$meta:meta])* $name:ident { $( $(#[$fmeta:meta])* $gql:literal $field:ident: $ty:ty = $kind:ident, )* }) => {
        $(#[$meta])*
        #[derive(SimpleObject, Debug, Clone, PartialEq)]
        pub struct $name {
            $( $(#[$fmeta])* #[graphql(name = $gql)] pub $field: $ty, )*
        }

        impl $name {
            /// The figure named `name` (its GraphQL name), if there is one.
            pub fn figure(name: &str) -> Option<Figure> {
                match name {
                    $( $gql => Some(Figure::$kind(|s: &$name| s.$field)), )*
                    _ => None,
                }
            }
        }
    };
}

figures! {
    /// A brand's enforcement figures since an instant.
    BrandStats {
        /// Notices the brand submitted since.
        "noticesSubmitted" notices_submitted: i32 = Count,
        /// Items of the notices submitted since.
        "itemsSubmitted" items_submitted: i32 = Count,
        /// Of those, the items still `PENDING`.
        "itemsPending" items_pending: i32 = Count,
        /// Items taken down among those decided since: `REMOVED`, `COUNTERED` and `REINSTATED`.
        "itemsRemoved" items_removed: i32 = Count,
        /// Items decided since that are `REJECTED`.
        "itemsRejected" items_rejected: i32 = Count,
        /// Items decided since that are `REINSTATED`.
        "itemsReinstated" items_reinstated: i32 = Count,
        /// Counter-notices filed since against the brand's removals.
        "counterNoticesFiled" counter_notices_filed: i32 = Count,
        /// taken down / decided; null when nothing was decided
        "takedownRate" takedown_rate: Option<f64> = Share,
        /// reinstated / taken down; null when nothing was taken down
        "counterNoticeSuccessRate" counter_notice_success_rate: Option<f64> = Share,
        /// Median time from a notice's submission to the decision on its item, over items decided since, in hours (the
        /// mean of the two middle values for an even count); null when nothing was decided.
        "medianHoursToDecision" median_hours_to_decision: Option<f64> = Share,
        /// Requests for information a reviewer sent the brand (none for a seller, who never sees
        /// the channel)
        "informationRequests" information_requests: i32 = Count,
        /// Median hours the brand took to answer them; null when none was answered
        "medianHoursToAnswer" median_hours_to_answer: Option<f64> = Share,
    }
}

const HOUR: f64 = 3_600_000_000.0;

/// One `Brand.stats(since)` asked in a request: the brand, and since when (`None`: all time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatsKey {
    pub brand: i64,
    pub since: Option<i64>,
}

/// Who may read the figures of `brand`: anyone but another brand's agent (a seller reads those
/// about its own listings, as the loader counts them). Both executors ask this one rule.
pub fn may_read(scope: Scope, brand: i64) -> AppResult<()> {
    match scope {
        Scope::Brand(own) if own != brand => {
            Err(AppError::Forbidden("a brand agent may see only its own brand's stats".into()))
        }
        _ => Ok(()),
    }
}

impl Loader<StatsKey> for Batcher {
    type Value = BrandStats;
    type Error = AppError;

    async fn load(&self, keys: &[StatsKey]) -> Result<HashMap<StatsKey, BrandStats>, AppError> {
        brand_stats_many(self.db(), keys, self.scope()).await
    }
}

/// The figures of every brand and instant in `keys`, as `scope` may see them, in five statements
/// whatever the number of keys: each statement joins a `VALUES` list of the keys, so brands and
/// `since` values of one request (aliases included) are counted together.
pub async fn brand_stats_many(
    db: &impl ConnectionTrait,
    keys: &[StatsKey],
    scope: Scope,
) -> AppResult<HashMap<StatsKey, BrandStats>> {
    let mut unique: Vec<StatsKey> = keys.to_vec();
    unique.sort_unstable_by_key(|k| (k.brand, k.since));
    unique.dedup();
    if unique.is_empty() {
        return Ok(HashMap::new());
    }
    let keyed: Vec<(i64, i64)> = unique.iter().map(|k| (k.brand, k.since.unwrap_or(i64::MIN))).collect();
    let count = || t("id").count();
    let notices =
        KeyedRows { table: "notice", parent: "brand_id", at: "submitted_at", conds: scoped(visibility::notice(scope)) };
    let notices = aggregate_per_key(db, &keyed, &notices, &[count()]).await?;
    let items = KeyedRows {
        table: "notice_item",
        parent: "brand_id",
        at: "submitted_at",
        conds: scoped(visibility::owned(scope)),
    };
    let items = aggregate_per_key(db, &keyed, &items, &[count(), count_in(&[NoticeItemStatus::Pending])]).await?;
    let filed = KeyedRows {
        table: "counter_notice",
        parent: "brand_id",
        at: "filed_at",
        conds: scoped(visibility::owned(scope)),
    };
    let filed = aggregate_per_key(db, &keyed, &filed, &[count()]).await?;
    // Over items decided since: decided, taken down, reinstated, rejected (CONTRACT.md section 4).
    let decided =
        aggregate_per_key(db, &keyed, &decided_since(scoped(visibility::owned(scope))), &decided_aggregates()).await?;
    let (durations, questions) = durations(db, &unique, visibility::owned(scope), visibility::channel(scope)).await?;
    let mut out = HashMap::with_capacity(unique.len());
    for (key, keyed) in unique.iter().zip(&keyed) {
        let get =
            |map: &HashMap<(i64, i64), Vec<i64>>, i: usize| map.get(keyed).and_then(|c| c.get(i).copied()).unwrap_or(0);
        let counts = decided.get(keyed).map(|c| DecidedCounts::of(c)).unwrap_or_default();
        let mut since: Vec<i64> = durations
            .get(&key.brand)
            .map(|rows| rows.iter().filter(|(at, _)| *at >= keyed.1).map(|(_, d)| *d).collect())
            .unwrap_or_default();
        since.sort_unstable();
        let asked: Vec<Option<i64>> = questions
            .get(&key.brand)
            .map(|rows| rows.iter().filter(|(at, _)| *at >= keyed.1).map(|(_, d)| *d).collect())
            .unwrap_or_default();
        let mut answered: Vec<i64> = asked.iter().flatten().copied().collect();
        answered.sort_unstable();
        out.insert(
            *key,
            BrandStats {
                notices_submitted: clamp(get(&notices, 0)),
                items_submitted: clamp(get(&items, 0)),
                items_pending: clamp(get(&items, 1)),
                items_removed: clamp(counts.taken_down),
                items_rejected: clamp(counts.rejected),
                items_reinstated: clamp(counts.reinstated),
                counter_notices_filed: clamp(get(&filed, 0)),
                takedown_rate: counts.takedown_rate(),
                counter_notice_success_rate: counts.counter_notice_success_rate(),
                median_hours_to_decision: crate::time::median(&since).map(|m| m / HOUR),
                information_requests: clamp(i64::try_from(asked.len()).unwrap_or(i64::MAX)),
                median_hours_to_answer: crate::time::median(&answered).map(|m| m / HOUR),
            },
        );
    }
    Ok(out)
}

fn clamp(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A visibility condition as the conditions of a `KeyedRows`.
fn scoped(cond: Option<Sql>) -> Vec<Sql> {
    cond.into_iter().collect()
}

/// Per brand, in one statement from the earliest `since` asked for that brand (each key then
/// keeps its own): `(decided_at, decided_at - submitted_at)` of its items decided, and
/// `(asked at, answered_at - asked at)` of the questions it was asked (the time null while
/// unanswered).
async fn durations(
    db: &impl ConnectionTrait,
    keys: &[StatsKey],
    scope: Option<Sql>,
    channel: Option<Sql>,
) -> AppResult<(HashMap<i64, Vec<(i64, i64)>>, HashMap<i64, Vec<(i64, Option<i64>)>>)> {
    let mut earliest: HashMap<i64, i64> = HashMap::new();
    for key in keys {
        let since = key.since.unwrap_or(i64::MIN);
        earliest.entry(key.brand).and_modify(|e| *e = std::cmp::min(*e, since)).or_insert(since);
    }
    let mut pairs: Vec<(i64, i64)> = earliest.into_iter().collect();
    pairs.sort_unstable();
    let mut decided_conds = vec![Sql::from(status_in(&DECIDED))];
    decided_conds.extend(scope);
    let decided = KeyedRows { table: "notice_item", parent: "brand_id", at: "decided_at", conds: decided_conds };
    let mut asked_conds = vec![Sql::from(t("kind").eq(NoticeMessageKind::Question))];
    asked_conds.extend(channel);
    let asked = KeyedRows { table: "notice_message", parent: "brand_id", at: "at", conds: asked_conds };
    let parts = [
        (decided, vec![t("decided_at"), t("decided_at").sub(t("submitted_at"))]),
        (asked, vec![t("at"), t("answered_at").sub(t("at"))]),
    ];
    let rows = rows_per_key(db, &pairs, &parts).await?;
    let mut decided: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    let mut asked: HashMap<i64, Vec<(i64, Option<i64>)>> = HashMap::new();
    for (part, brand, columns) in rows {
        let (Some(&Some(at)), Some(&d)) = (columns.first(), columns.get(1)) else { continue };
        if part == 0 {
            decided.entry(brand).or_default().extend(d.map(|d| (at, d)));
        } else {
            asked.entry(brand).or_default().push((at, d));
        }
    }
    Ok((decided, asked))
}
