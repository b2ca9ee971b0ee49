//! A brand's decided items counted by outcome: what the trust tier (`service.rs`) and the
//! notifier standing (`standing.rs`) both weigh, in a file of its own so neither imports the other
//! for it.

use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Func};

use crate::error::AppResult;
use crate::sql::{KeyedRows, t};
use crate::states::NoticeItemStatus::{self, Countered, Reinstated, Rejected, Removed};

/// The states of an item that was decided, whatever happened after.
pub const DECIDED: [NoticeItemStatus; 4] = [Removed, Rejected, Countered, Reinstated];
/// The states of an item that was taken down, whatever happened after.
pub const TAKEN_DOWN: [NoticeItemStatus; 3] = [Removed, Countered, Reinstated];

/// The condition that an item of `t` is in one of `states`.
pub fn status_in(states: &[NoticeItemStatus]) -> Expr {
    t("status").is_in(states.iter().copied())
}

/// How many rows of `t` are in one of `states` (0 over no rows).
pub fn count_in(states: &[NoticeItemStatus]) -> Expr {
    let hits = Expr::case(status_in(states), 1_i64).finally(0_i64);
    Func::coalesce([Func::sum(hits).into(), Expr::val(0_i64)]).into()
}

/// The four counts of `DecidedCounts` (decided, taken down, reinstated, rejected) over the rows
/// of `t`.
pub fn decided_aggregates() -> [Expr; 4] {
    [count_in(&DECIDED), count_in(&TAKEN_DOWN), count_in(&[Reinstated]), count_in(&[Rejected])]
}

/// A brand's items decided since an instant, for `sql::aggregate_per_key`.
pub fn decided_since(conds: Vec<crate::sql::Sql>) -> KeyedRows {
    KeyedRows { table: "notice_item", parent: "brand_id", at: "decided_at", conds }
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
    /// The counts in the order of `decided_aggregates`.
    pub fn of(counts: &[i64]) -> Self {
        let get = |i: usize| counts.get(i).copied().unwrap_or(0);
        Self { decided: get(0), taken_down: get(1), reinstated: get(2), rejected: get(3) }
    }

    /// taken down / decided; `None` when nothing was decided.
    pub fn takedown_rate(&self) -> Option<f64> {
        (self.decided > 0).then(|| self.taken_down as f64 / self.decided as f64)
    }

    /// reinstated / taken down; `None` when nothing was taken down.
    pub fn counter_notice_success_rate(&self) -> Option<f64> {
        (self.taken_down > 0).then(|| self.reinstated as f64 / self.taken_down as f64)
    }
}

/// Counts a brand's items decided since `since` (all time when `None`).
pub async fn decided_counts(db: &impl ConnectionTrait, brand_id: i64, since: Option<i64>) -> AppResult<DecidedCounts> {
    let key = (brand_id, since.unwrap_or(i64::MIN));
    let counts = crate::sql::aggregate_per_key(db, &[key], &decided_since(vec![]), &decided_aggregates()).await?;
    Ok(counts.get(&key).map(|c| DecidedCounts::of(c)).unwrap_or_default())
}
