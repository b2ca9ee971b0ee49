//! `Brand.stats(since)`: a brand's enforcement figures as CONTRACT.md section 4 defines them,
//! counting only what the viewer may see.

use async_graphql::SimpleObject;
use sea_orm::{ConnectionTrait, Value};

use super::service::decided_counts;
use crate::auth::{Scope, visibility};
use crate::error::AppResult;
use crate::sql::Sql;

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
}

const HOUR: f64 = 3_600_000_000.0;

/// The figures of `brand` since `since` (all time when absent) as `scope` may see them.
pub async fn brand_stats(
    db: &impl ConnectionTrait,
    brand: i64,
    since: Option<i64>,
    scope: Scope,
) -> AppResult<BrandStats> {
    let since_or_ever = since.unwrap_or(i64::MIN);
    let notices = count(
        db,
        "SELECT COUNT(*) AS n FROM notice t WHERE t.brand_id = ? AND t.submitted_at >= ?",
        brand,
        since_or_ever,
        visibility::notice(scope),
    )
    .await?;
    let items = count(
        db,
        "SELECT COUNT(*) AS n FROM notice_item t WHERE t.brand_id = ? AND t.submitted_at >= ?",
        brand,
        since_or_ever,
        visibility::owned(scope),
    )
    .await?;
    let pending = count(
        db,
        "SELECT COUNT(*) AS n FROM notice_item t WHERE t.brand_id = ? AND t.submitted_at >= ? AND t.status = 'PENDING'",
        brand,
        since_or_ever,
        visibility::owned(scope),
    )
    .await?;
    let filed = count(
        db,
        "SELECT COUNT(*) AS n FROM counter_notice t WHERE t.brand_id = ? AND t.filed_at >= ?",
        brand,
        since_or_ever,
        visibility::owned(scope),
    )
    .await?;
    let decided = decided_counts(db, brand, since, visibility::owned(scope)).await?;
    let median = median_hours(db, brand, since_or_ever, visibility::owned(scope)).await?;
    Ok(BrandStats {
        notices_submitted: clamp(notices),
        items_submitted: clamp(items),
        items_pending: clamp(pending),
        items_removed: clamp(decided.taken_down),
        items_rejected: clamp(decided.rejected),
        items_reinstated: clamp(decided.reinstated),
        counter_notices_filed: clamp(filed),
        takedown_rate: decided.takedown_rate(),
        counter_notice_success_rate: decided.counter_notice_success_rate(),
        median_hours_to_decision: median,
    })
}

fn clamp(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

async fn count(db: &impl ConnectionTrait, text: &str, brand: i64, since: i64, scope: Option<Sql>) -> AppResult<i64> {
    let mut sql = Sql::new(text, vec![Value::from(brand), Value::from(since)]);
    sql.and_all(&scope.into_iter().collect::<Vec<_>>());
    let row = db.query_one_raw(sql.build(db.get_database_backend())).await?;
    Ok(row.map(|r| r.try_get::<i64>("", "n")).transpose()?.unwrap_or(0))
}

/// The median time from submission to decision of the items decided since `since`, in hours
/// (the mean of the two middle values for an even count).
async fn median_hours(db: &impl ConnectionTrait, brand: i64, since: i64, scope: Option<Sql>) -> AppResult<Option<f64>> {
    let mut sql = Sql::new(
        "SELECT t.decided_at - t.submitted_at AS d FROM notice_item t WHERE t.brand_id = ? AND t.decided_at >= ? \
         AND t.status IN ('REMOVED','REJECTED','COUNTERED','REINSTATED')",
        vec![Value::from(brand), Value::from(since)],
    );
    sql.and_all(&scope.into_iter().collect::<Vec<_>>());
    let rows = db.query_all_raw(sql.build(db.get_database_backend())).await?;
    let mut durations: Vec<i64> = rows.iter().map(|r| r.try_get::<i64>("", "d")).collect::<Result<_, _>>()?;
    durations.sort_unstable();
    Ok(median(&durations).map(|m| m / HOUR))
}

/// The median of sorted values: the middle one, or the mean of the two middle ones.
fn median(sorted: &[i64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2] as f64),
        _ => Some((sorted[n / 2 - 1] as f64 + sorted[n / 2] as f64) / 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[5]), Some(5.0));
        assert_eq!(median(&[1, 3, 10]), Some(3.0));
        assert_eq!(median(&[1, 2, 4, 10]), Some(3.0));
    }
}
