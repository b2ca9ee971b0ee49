//! A brand's decided items counted by outcome: what the trust tier (`service.rs`) and the
//! notifier standing (`standing.rs`) both weigh, in a file of its own so neither imports the other
//! for it.

use sea_orm::{ConnectionTrait, Value};

use crate::error::{AppError, AppResult};
use crate::states::NoticeItemStatus::{self, Countered, Reinstated, Rejected, Removed};

/// The states of an item that was decided, whatever happened after.
pub const DECIDED: [NoticeItemStatus; 4] = [Removed, Rejected, Countered, Reinstated];
/// The states of an item that was taken down, whatever happened after.
pub const TAKEN_DOWN: [NoticeItemStatus; 3] = [Removed, Countered, Reinstated];

/// SQL counting the rows of `t` whose status is one of `states`, as a BIGINT. The names written
/// into the SQL are the enum's own stored names, never a client's text.
pub fn count_in(states: &[NoticeItemStatus]) -> String {
    format!("CAST(COALESCE(SUM(CASE WHEN t.status IN ({}) THEN 1 ELSE 0 END), 0) AS BIGINT)", names(states))
}

/// `'A','B'`: the stored names of `states`, for an SQL `IN (…)`.
pub fn names(states: &[NoticeItemStatus]) -> String {
    states.iter().map(|s| format!("'{}'", s.as_db())).collect::<Vec<_>>().join(",")
}

/// The four counts of `DecidedCounts` over the rows of `t`, named `a`..`d` or as given.
pub fn decided_columns(names: [&str; 4]) -> String {
    format!(
        "{} AS {}, {} AS {}, {} AS {}, {} AS {}",
        count_in(&DECIDED),
        names[0],
        count_in(&TAKEN_DOWN),
        names[1],
        count_in(&[Reinstated]),
        names[2],
        count_in(&[Rejected]),
        names[3]
    )
}

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
    let columns = decided_columns(["decided", "taken", "reinstated", "rejected"]);
    let mut sql = crate::sql::Sql::new(
        format!("SELECT {columns} FROM notice_item t WHERE t.brand_id = ? AND t.decided_at IS NOT NULL"),
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
