//! A brand's decided items counted by outcome: what the trust tier (`service.rs`) and the
//! notifier standing (`standing.rs`) both weigh, in a file of its own so neither imports the other
//! for it.

use sea_orm::{ConnectionTrait, Value};

use crate::error::{AppError, AppResult};

/// The trust-tier figures of a brand over its items decided since `since`.
#[derive(Debug, Clone, Copy, Default)]
pub struct DecidedCounts {
    pub decided: i64,
    pub taken_down: i64,
    pub reinstated: i64,
    pub rejected: i64,
}

impl DecidedCounts {
    /// taken down / decided; `None` when nothing was decided.
    pub fn takedown_rate(&self) -> Option<f64> {
        (self.decided > 0).then(|| self.taken_down as f64 / self.decided as f64)
    }

    /// reinstated / taken down; `None` when nothing was taken down.
    pub fn counter_notice_success_rate(&self) -> Option<f64> {
        (self.taken_down > 0).then(|| self.reinstated as f64 / self.taken_down as f64)
    }
}

/// Counts a brand's items decided since `since` (visible in `extra`, when given).
pub async fn decided_counts(
    db: &impl ConnectionTrait,
    brand_id: i64,
    since: Option<i64>,
    extra: Option<crate::sql::Sql>,
) -> AppResult<DecidedCounts> {
    let mut sql = crate::sql::Sql::new(
        "SELECT \
         CAST(COALESCE(SUM(CASE WHEN t.status IN ('REMOVED','REJECTED','COUNTERED','REINSTATED') THEN 1 ELSE 0 END), 0) AS BIGINT) AS decided, \
         CAST(COALESCE(SUM(CASE WHEN t.status IN ('REMOVED','COUNTERED','REINSTATED') THEN 1 ELSE 0 END), 0) AS BIGINT) AS taken, \
         CAST(COALESCE(SUM(CASE WHEN t.status = 'REINSTATED' THEN 1 ELSE 0 END), 0) AS BIGINT) AS reinstated, \
         CAST(COALESCE(SUM(CASE WHEN t.status = 'REJECTED' THEN 1 ELSE 0 END), 0) AS BIGINT) AS rejected \
         FROM notice_item t WHERE t.brand_id = ? AND t.decided_at IS NOT NULL",
        vec![Value::from(brand_id)],
    );
    if let Some(since) = since {
        sql.push(" AND t.decided_at >= ?", [Value::from(since)]);
    }
    if let Some(extra) = extra {
        sql.and_all(&[extra]);
    }
    let row = db
        .query_one_raw(sql.build(db.get_database_backend()))
        .await?
        .ok_or_else(|| AppError::Internal("no row from an aggregate".into()))?;
    Ok(DecidedCounts {
        decided: row.try_get("", "decided")?,
        taken_down: row.try_get("", "taken")?,
        reinstated: row.try_get("", "reinstated")?,
        rejected: row.try_get("", "rejected")?,
    })
}
