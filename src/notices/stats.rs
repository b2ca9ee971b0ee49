//! `Brand.stats(since)`: a brand's enforcement figures as CONTRACT.md section 4 defines them,
//! counting only what the viewer may see.

use std::collections::HashMap;

use async_graphql::SimpleObject;
use async_graphql::dataloader::Loader;
use sea_orm::{ConnectionTrait, Value};

use super::counts::{DECIDED, DecidedCounts, count_in, decided_columns, names};
use crate::auth::{Scope, visibility};
use crate::error::{AppError, AppResult};
use crate::loaders::Batcher;
use crate::sql::Sql;
use crate::states::{NoticeItemStatus, NoticeMessageKind};

/// A brand's enforcement figures since an instant.
#[derive(SimpleObject, Debug, Clone, PartialEq)]
pub struct BrandStats {
    pub notices_submitted: i32,
    pub items_submitted: i32,
    pub items_pending: i32,
    pub items_removed: i32,
    pub items_rejected: i32,
    pub items_reinstated: i32,
    pub counter_notices_filed: i32,
    /// taken down / decided; null when nothing was decided
    pub takedown_rate: Option<f64>,
    /// reinstated / taken down; null when nothing was taken down
    pub counter_notice_success_rate: Option<f64>,
    pub median_hours_to_decision: Option<f64>,
    /// Requests for information a reviewer sent the brand (none for a seller, who never sees
    /// the channel)
    pub information_requests: i32,
    /// Median hours the brand took to answer them; null when none was answered
    pub median_hours_to_answer: Option<f64>,
}

const HOUR: f64 = 3_600_000_000.0;

/// One `Brand.stats(since)` asked in a request: the brand, and since when (`None`: all time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatsKey {
    pub brand: i64,
    pub since: Option<i64>,
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
    let notices = per_key(
        db,
        &keyed,
        "COUNT(t.id) AS a, 0 AS b, 0 AS c, 0 AS d",
        "notice t ON t.brand_id = k.brand_id AND t.submitted_at >= k.since",
        visibility::notice(scope),
    )
    .await?;
    let items = per_key(
        db,
        &keyed,
        &format!("COUNT(t.id) AS a, {} AS b, 0 AS c, 0 AS d", count_in(&[NoticeItemStatus::Pending])),
        "notice_item t ON t.brand_id = k.brand_id AND t.submitted_at >= k.since",
        visibility::owned(scope),
    )
    .await?;
    let filed = per_key(
        db,
        &keyed,
        "COUNT(t.id) AS a, 0 AS b, 0 AS c, 0 AS d",
        "counter_notice t ON t.brand_id = k.brand_id AND t.filed_at >= k.since",
        visibility::owned(scope),
    )
    .await?;
    // Over items decided since: decided, taken down, reinstated, rejected (CONTRACT.md section 4).
    let decided = per_key(
        db,
        &keyed,
        &decided_columns(["a", "b", "c", "d"]),
        "notice_item t ON t.brand_id = k.brand_id AND t.decided_at IS NOT NULL AND t.decided_at >= k.since",
        visibility::owned(scope),
    )
    .await?;
    let (durations, questions) = durations(db, &unique, visibility::owned(scope), visibility::channel(scope)).await?;
    let mut out = HashMap::with_capacity(unique.len());
    for (key, keyed) in unique.iter().zip(&keyed) {
        let get = |map: &HashMap<(i64, i64), [i64; 4]>| map.get(keyed).copied().unwrap_or_default();
        let (n, i, f, d) = (get(&notices), get(&items), get(&filed), get(&decided));
        let counts = DecidedCounts { decided: d[0], taken_down: d[1], reinstated: d[2], rejected: d[3] };
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
                notices_submitted: clamp(n[0]),
                items_submitted: clamp(i[0]),
                items_pending: clamp(i[1]),
                items_removed: clamp(counts.taken_down),
                items_rejected: clamp(counts.rejected),
                items_reinstated: clamp(counts.reinstated),
                counter_notices_filed: clamp(f[0]),
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

/// `WITH k(brand_id, since) AS (VALUES (?, ?), …)`: the keys as a table to join.
fn keys_table(keys: &[(i64, i64)]) -> Sql {
    let mut sql = Sql::new("WITH k(brand_id, since) AS (VALUES ", Vec::with_capacity(keys.len() * 2));
    for (n, (brand, since)) in keys.iter().enumerate() {
        sql.push(if n == 0 { "(?, ?)" } else { ", (?, ?)" }, [Value::from(*brand), Value::from(*since)]);
    }
    sql.push(") ", []);
    sql
}

/// Four aggregates `a, b, c, d` per key over `joined` (a table aliased `t` and its join condition
/// on `k`), restricted to what `scope` may see; keys with no rows count zero.
async fn per_key(
    db: &impl ConnectionTrait,
    keys: &[(i64, i64)],
    aggregates: &str,
    joined: &str,
    scope: Option<Sql>,
) -> AppResult<HashMap<(i64, i64), [i64; 4]>> {
    let mut sql = keys_table(keys);
    sql.push(&format!("SELECT k.brand_id AS brand_id, k.since AS since, {aggregates} FROM k LEFT JOIN {joined}"), []);
    sql.and_all(&scope.into_iter().collect::<Vec<_>>());
    sql.push(" GROUP BY k.brand_id, k.since", []);
    let rows = db.query_all_raw(sql.build(db.get_database_backend())).await?;
    rows.iter()
        .map(|r| {
            let key = (r.try_get::<i64>("", "brand_id")?, r.try_get::<i64>("", "since")?);
            let get = |c: &str| r.try_get::<i64>("", c).or_else(|_| r.try_get::<i32>("", c).map(i64::from));
            Ok((key, [get("a")?, get("b")?, get("c")?, get("d")?]))
        })
        .collect()
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
        earliest.entry(key.brand).and_modify(|e| *e = (*e).min(since)).or_insert(since);
    }
    let mut pairs: Vec<(i64, i64)> = earliest.into_iter().collect();
    pairs.sort_unstable();
    let mut sql = keys_table(&pairs);
    sql.push(
        &format!(
            "SELECT 0 AS q, t.brand_id AS brand_id, t.decided_at AS at, t.decided_at - t.submitted_at AS d FROM k \
             JOIN notice_item t ON t.brand_id = k.brand_id AND t.decided_at >= k.since AND t.status IN ({})",
            names(&DECIDED)
        ),
        [],
    );
    sql.and_all(&scope.into_iter().collect::<Vec<_>>());
    sql.push(
        " UNION ALL SELECT 1 AS q, t.brand_id AS brand_id, t.at AS at, t.answered_at - t.at AS d FROM k \
         JOIN notice_message t ON t.brand_id = k.brand_id AND t.at >= k.since AND t.kind = ?",
        [Value::from(NoticeMessageKind::Question.as_db())],
    );
    sql.and_all(&channel.into_iter().collect::<Vec<_>>());
    let rows = db.query_all_raw(sql.build(db.get_database_backend())).await?;
    let mut decided: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    let mut asked: HashMap<i64, Vec<(i64, Option<i64>)>> = HashMap::new();
    for r in &rows {
        let brand: i64 = r.try_get("", "brand_id")?;
        let at: i64 = r.try_get("", "at")?;
        let q = r.try_get::<i64>("", "q").or_else(|_| r.try_get::<i32>("", "q").map(i64::from))?;
        if q == 0 {
            decided.entry(brand).or_default().push((at, r.try_get("", "d")?));
        } else {
            asked.entry(brand).or_default().push((at, r.try_get("", "d")?));
        }
    }
    Ok((decided, asked))
}
