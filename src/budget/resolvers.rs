//! `rateLimit`: the viewer's own cost budget, as GitHub's GraphQL API answers it.

use std::sync::Arc;

use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::{Budget, Ticket};
use crate::error::AppResult;
use crate::graph;

/// The viewer's cost budget in the current window (`--cost-budget`), as this server knows it:
/// the other replicas' spending is added every `--cost-budget-sync`.
#[derive(SimpleObject)]
pub struct RateLimit {
    /// The points the token may spend per window.
    pub limit: i32,
    /// What this query costs: its complexity, charged before it ran (`extensions.cost.requested`;
    /// what the answer did not use is given back after it, `extensions.cost.actual`).
    pub cost: i32,
    /// The points left in this window: `limit` less `used`, never below 0.
    pub remaining: i32,
    /// The points spent in this window, this query's cost included.
    pub used: i32,
    /// When the window ends and the whole budget is back.
    pub reset_at: DateTime<Utc>,
}

/// `rateLimit`.
#[derive(Default)]
pub struct BudgetQuery;

#[Object]
impl BudgetQuery {
    /// The viewer's own cost budget: how many points its token may spend per window, what this
    /// query costs, how many are left and when they are back. A request the budget cannot pay is
    /// refused before it runs with `RATE_LIMITED` (HTTP 429, `Retry-After`). Null when the
    /// server counts no budget (`--cost-budget off`).
    async fn rate_limit(&self, ctx: &Context<'_>) -> AppResult<Option<RateLimit>> {
        let identity = graph::identity(ctx)?;
        let Some(standing) =
            ctx.data_opt::<Arc<Budget>>().and_then(|b| b.standing(identity, crate::time::now_micros()))
        else {
            return Ok(None);
        };
        let cost = ctx.data_opt::<Arc<Ticket>>().and_then(|t| t.cost()).unwrap_or(0);
        let int = |n: u64| i32::try_from(n).unwrap_or(i32::MAX);
        Ok(Some(RateLimit {
            limit: int(standing.limit),
            cost: int(cost),
            remaining: int(standing.limit.saturating_sub(standing.used)),
            used: int(standing.used),
            reset_at: crate::time::instant(standing.reset_at),
        }))
    }
}
