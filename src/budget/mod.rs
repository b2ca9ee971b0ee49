//! Cost budgets (issue 29 §3): what one token's requests may cost per window, so that one
//! runaway client cannot take the service for itself, and what each answer cost
//! (`extensions.cost`), so that a client sees its spending before it is refused.
//!
//! A request costs its complexity (`cost`), counted by async-graphql when it validates the
//! document. The schema's extension (`plan::gate`) charges it to the viewer's budget right then,
//! before any resolver runs: a request the budget cannot pay is refused `RATE_LIMITED` and costs
//! nothing. Once answered, what the answer did not use (`cost::of_answer`: a page asked for 100
//! rows that returned 3 costs as 3 rows) is given back, so a budget pays for what was returned.
//! A request abandoned at the timeout keeps its whole charge.
//!
//! A budget belongs to a token subject in its role (`Subject`): the JWT's `sub` and `role`
//! claims, so that one person's REVIEWER and ANALYST tokens, or the demo's `visitor-<role>`
//! tokens, count apart. Anonymous callers, who may only ask `__typename` and introspection, have
//! no budget; the complexity and depth limits bound each of their requests. Operator commands
//! (seed, export, report, migrate) do not go through GraphQL and take no budget.
//!
//! Windows are fixed and aligned on the Unix epoch (an hour's window starts on the hour, UTC),
//! so every replica agrees on them without asking; a budget resets whole at the window's end.
//!
//! Across replicas (several processes on one database), each replica counts in memory and
//! reconciles with the `cost_budget_spend` table every `--cost-budget-sync` (1 s): one
//! statement adds what each of its tokens spent since the last time to the window's row and
//! reads the totals back (`shared`). No request waits for a statement: a synchronous one per
//! request would cost the dashboard about a fifth of its throughput. The price is a bounded
//! overshoot: a replica admits on the total it last read for a token, and reads it again at the
//! interval after it serves that token. So a token can overspend by what it spends, on each
//! replica, within one interval of that replica's last reading (the first interval of a replica
//! that starts serving it, or serves it again after a pause), and never by more than one budget
//! per other replica. On one process (SQLite's usual case) the memory is exact, and the table
//! costs one statement per interval with requests.

pub mod cost;
pub mod resolvers;
mod shared;

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use async_graphql::{ErrorExtensionValues, ServerError, Value};
use sea_orm::DatabaseConnection;

use crate::auth::Identity;
use crate::config::{CostBudget, LimitsConfig};
use crate::error::{Code, coded};

/// The extension of a `RATE_LIMITED` error: seconds until the budget is back.
pub const RETRY_AFTER: &str = "retryAfter";

/// Microseconds in a second, the unit of `retryAfter`.
const SECOND: i64 = 1_000_000;

/// Whose budget a request draws on: a token's subject in its role.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Subject(Arc<str>);

impl Subject {
    /// The budget of `identity`: `ROLE:sub`.
    pub fn of(identity: &Identity) -> Self {
        Self(format!("{}:{}", identity.role.as_str(), identity.subject).into())
    }

    fn as_str(&self) -> &str {
        &self.0
    }
}

/// The points and window of `--cost-budget`, in the units counted here.
#[derive(Debug, Clone, Copy)]
struct Every {
    points: i64,
    /// Microseconds.
    window: i64,
}

impl Every {
    /// The start of the window `now` is in (microseconds since the epoch).
    fn window_of(self, now: i64) -> i64 {
        now - now.rem_euclid(self.window)
    }
}

/// One subject's spending in one window, as this replica knows it.
#[derive(Debug, Clone, Copy, Default)]
struct Bucket {
    /// The window's start.
    window: i64,
    /// The total of every replica, as last read from the shared table (this replica's spending
    /// written there included).
    known: i64,
    /// Spent here and being written to the shared table now.
    sending: i64,
    /// Spent here since (charges less refunds).
    unsent: i64,
    /// Asked since the last reconciliation: read the total back next time, even with nothing to add.
    touched: bool,
}

impl Bucket {
    fn new(window: i64) -> Self {
        Self { window, ..Self::default() }
    }

    fn used(&self) -> i64 {
        self.known + self.sending + self.unsent
    }
}

/// A request's charge, given back in part once its answer is known (`Budget::refund`).
#[derive(Debug, Clone)]
pub struct Charge {
    subject: Subject,
    window: i64,
    /// The points charged: the request's complexity.
    pub cost: u64,
}

/// A subject's budget now, for `rateLimit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// Points per window.
    pub limit: u64,
    /// Points spent in this window (by every replica, as this one knows).
    pub used: u64,
    /// When the window ends (microseconds since the epoch).
    pub reset_at: i64,
}

/// What one request was charged, in the request's data for `rateLimit` (`plan::gate` puts it
/// there before the document is validated, and fills it once it is).
#[derive(Debug, Default)]
pub struct Ticket(Mutex<Option<u64>>);

impl Ticket {
    /// Records the request's cost.
    pub fn set(&self, cost: u64) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(cost);
    }

    /// The request's cost, once validated.
    pub fn cost(&self) -> Option<u64> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Every token's budget, in one process; the schema's data.
pub struct Budget {
    every: Option<Every>,
    db: DatabaseConnection,
    buckets: Mutex<HashMap<Subject, Bucket>>,
    /// The window whose older rows were last deleted from the shared table.
    swept: AtomicI64,
}

impl Budget {
    /// The budgets `limits` configure, reconciled through `db` every `--cost-budget-sync` by a
    /// task that ends with the budget (none when budgets are off, or outside a runtime).
    pub fn new(mut db: DatabaseConnection, limits: &LimitsConfig) -> Arc<Self> {
        // Its statements are background work, like the event relay's: they are left out of
        // `rightsgraph_sql_statements_total`, which tests and benchmarks read per request.
        db.set_metric_callback(|_| {});
        let every = match limits.cost_budget {
            CostBudget::Off => None,
            CostBudget::Every { points, window } => {
                Some(Every { points: i64::from(points), window: crate::time::micros_of(window) })
            }
        };
        let budget = Arc::new(Self { every, db, buckets: Mutex::new(HashMap::new()), swept: AtomicI64::new(i64::MIN) });
        if every.is_some()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(keep_reconciled(Arc::downgrade(&budget), limits.cost_budget_sync));
        }
        budget
    }

    /// Whether requests are counted (`--cost-budget` is not `off`).
    pub fn is_on(&self) -> bool {
        self.every.is_some()
    }

    fn buckets(&self) -> std::sync::MutexGuard<'_, HashMap<Subject, Bucket>> {
        self.buckets.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Charges `cost` points to `identity`'s budget at `now` (microseconds), or refuses: the
    /// error to answer, `RATE_LIMITED` when the window's budget cannot pay it, a validation
    /// error when no window's could. `None`: budgets are off.
    pub fn charge(&self, identity: &Identity, cost: u64, now: i64) -> Result<Option<Charge>, ServerError> {
        let Some(every) = self.every else { return Ok(None) };
        let cost_points = i64::try_from(cost).unwrap_or(i64::MAX);
        if cost_points > every.points {
            let message = format!(
                "query cost {cost} exceeds the cost budget of {} points per {}: ask for smaller pages",
                every.points,
                humantime::format_duration(Duration::from_micros(every.window.unsigned_abs())),
            );
            return Err(coded(ServerError::new(message, None), Code::GraphqlValidationFailed));
        }
        let subject = Subject::of(identity);
        let window = every.window_of(now);
        let mut buckets = self.buckets();
        let bucket = buckets.entry(subject.clone()).or_insert_with(|| Bucket::new(window));
        if bucket.window != window {
            *bucket = Bucket::new(window);
        }
        bucket.touched = true;
        let used = bucket.used();
        // A request that costs nothing (`__typename` alone) always runs.
        if cost_points > 0 && used.saturating_add(cost_points) > every.points {
            drop(buckets);
            let reset = window + every.window;
            let retry_after = (reset - now + SECOND - 1) / SECOND;
            let message = format!(
                "the cost budget of this token is spent: {used} of {} points used in this window, and this query \
                 costs {cost}; it is back in {retry_after} s",
                every.points
            );
            let mut error = coded(ServerError::new(message, None), Code::RateLimited);
            error.extensions.get_or_insert_with(ErrorExtensionValues::default).set(RETRY_AFTER, retry_after.max(1));
            return Err(error);
        }
        bucket.unsent += cost_points;
        Ok(Some(Charge { subject, window, cost }))
    }

    /// Gives back what `charge` paid beyond `actual`, the cost of the answer, unless the window
    /// it was charged in is over.
    pub fn refund(&self, charge: &Charge, actual: u64) {
        let back = charge.cost.saturating_sub(actual);
        if back == 0 {
            return;
        }
        if let Some(bucket) = self.buckets().get_mut(&charge.subject)
            && bucket.window == charge.window
        {
            bucket.unsent -= i64::try_from(back).unwrap_or(0);
        }
    }

    /// `identity`'s budget at `now`; `None` when budgets are off.
    pub fn standing(&self, identity: &Identity, now: i64) -> Option<Standing> {
        let every = self.every?;
        let window = every.window_of(now);
        let used =
            self.buckets().get(&Subject::of(identity)).filter(|bucket| bucket.window == window).map_or(0, Bucket::used);
        Some(Standing {
            limit: every.points.unsigned_abs(),
            used: u64::try_from(used).unwrap_or(0),
            reset_at: window + every.window,
        })
    }

    /// Adds what this replica's tokens spent since the last time to the shared count, and reads
    /// the totals back: one statement (per thousand tokens asked in the interval), and at each
    /// new window one more that deletes the rows of the windows before it. On failure the
    /// spending is kept to be added next time.
    pub async fn reconcile(&self) -> Result<(), sea_orm::DbErr> {
        let Some(every) = self.every else { return Ok(()) };
        let window = every.window_of(crate::time::now_micros());
        let batch: Vec<(Subject, i64, i64)> = {
            let mut buckets = self.buckets();
            buckets.retain(|_, bucket| bucket.window >= window);
            buckets
                .iter_mut()
                .filter(|(_, bucket)| bucket.touched || bucket.unsent != 0)
                .map(|(subject, bucket)| {
                    let delta = std::mem::take(&mut bucket.unsent);
                    bucket.sending += delta;
                    bucket.touched = false;
                    (subject.clone(), bucket.window, delta)
                })
                .collect()
        };
        if batch.is_empty() {
            return Ok(());
        }
        let mut failed = None;
        for chunk in batch.chunks(shared::ROWS_PER_STATEMENT) {
            // After a failure the rest is not tried either; all of it is kept for next time.
            let totals = match failed {
                None => shared::add(&self.db, chunk).await,
                Some(_) => Err(sea_orm::DbErr::Custom("not tried".into())),
            };
            let mut buckets = self.buckets();
            for (subject, at, delta) in chunk {
                let Some(bucket) = buckets.get_mut(subject).filter(|b| b.window == *at) else { continue };
                bucket.sending -= delta;
                if totals.is_err() {
                    bucket.unsent += delta;
                    bucket.touched = true;
                }
            }
            match totals {
                Ok(totals) => {
                    for (subject, at, spent) in totals {
                        if let Some(bucket) = buckets.get_mut(&subject).filter(|b| b.window == at) {
                            bucket.known = spent;
                        }
                    }
                }
                Err(err) => failed = failed.or(Some(err)),
            }
        }
        if let Some(err) = failed {
            return Err(err);
        }
        if self.swept.swap(window, Ordering::Relaxed) < window {
            shared::forget_before(&self.db, window).await?;
        }
        Ok(())
    }
}

/// Reconciles `budget` every `interval` for as long as it lives.
async fn keep_reconciled(budget: Weak<Budget>, interval: Duration) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        let Some(budget) = budget.upgrade() else { return };
        if let Err(err) = budget.reconcile().await {
            tracing::warn!(%err, "cannot reconcile the cost budgets with the other replicas");
        }
    }
}

/// The seconds of a `RATE_LIMITED` refusal's `retryAfter`, if `response` is one: HTTP answers
/// it 429 with a `Retry-After` header.
pub fn retry_after(response: &async_graphql::Response) -> Option<u64> {
    response.errors.iter().find_map(|error| {
        let extensions = error.extensions.as_ref()?;
        if extensions.get("code") != Some(&Value::from(Code::RateLimited.as_str())) {
            return None;
        }
        match extensions.get(RETRY_AFTER)? {
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;

    fn budget(points: u32, window: u64) -> Budget {
        let every = Some(Every { points: i64::from(points), window: i64::try_from(window).unwrap_or(0) * SECOND });
        let db = sea_orm::DatabaseConnection::default();
        Budget { every, db, buckets: Mutex::new(HashMap::new()), swept: AtomicI64::new(i64::MIN) }
    }

    fn identity(role: Role, sub: &str) -> Identity {
        Identity { subject: sub.into(), role, brand_id: None, seller_id: None }
    }

    #[test]
    fn a_charge_over_the_budget_is_refused_until_the_window_ends() {
        let (budget, alice) = (budget(100, 10), identity(Role::Analyst, "alice"));
        let start = 1_000 * 10 * SECOND;
        assert!(budget.charge(&alice, 60, start).is_ok());
        let refused = budget.charge(&alice, 50, start + 3 * SECOND + 1).expect_err("over the budget");
        let extensions = refused.extensions.expect("extensions");
        assert_eq!(extensions.get("code"), Some(&Value::from(Code::RateLimited.as_str())));
        // 6.999999 s left: the client is told 7.
        assert_eq!(extensions.get(RETRY_AFTER), Some(&Value::from(7)));
        assert!(budget.charge(&alice, 40, start + 4 * SECOND).is_ok(), "exactly the budget");
        assert!(budget.charge(&alice, 0, start + 4 * SECOND).is_ok(), "a request that costs nothing");
        assert!(budget.charge(&alice, 1, start + 10 * SECOND).is_ok(), "a new window");
        assert_eq!(budget.standing(&alice, start + 10 * SECOND).map(|s| s.used), Some(1));
    }

    #[test]
    fn a_refund_gives_back_what_the_answer_did_not_use_in_its_window() {
        let (budget, alice) = (budget(100, 10), identity(Role::Analyst, "alice"));
        let charge = budget.charge(&alice, 80, 0).expect("charged").expect("on");
        budget.refund(&charge, 30);
        assert_eq!(
            budget.standing(&alice, SECOND).map(|s| (s.used, s.limit, s.reset_at)),
            Some((30, 100, 10 * SECOND))
        );
        let late = budget.charge(&alice, 70, 9 * SECOND).expect("charged").expect("on");
        budget.charge(&alice, 5, 10 * SECOND).expect("a new window");
        budget.refund(&late, 0);
        assert_eq!(budget.standing(&alice, 10 * SECOND).map(|s| s.used), Some(5), "no refund into the next window");
    }

    #[test]
    fn a_budget_belongs_to_a_subject_in_its_role_and_none_fits_a_query_over_it() {
        let budget = budget(100, 10);
        let (analyst, reviewer) = (identity(Role::Analyst, "alice"), identity(Role::Reviewer, "alice"));
        budget.charge(&analyst, 100, 0).expect("the whole budget");
        assert!(budget.charge(&reviewer, 100, 0).is_ok(), "the same person in another role");
        let error = budget.charge(&analyst, 101, 20 * SECOND).expect_err("never fits");
        let code = error.extensions.as_ref().and_then(|e| e.get("code")).cloned();
        assert_eq!(code, Some(Value::from("GRAPHQL_VALIDATION_FAILED")), "{}", error.message);
        assert!(error.message.contains("cost budget of 100 points per 10s"), "{}", error.message);
    }

    #[test]
    fn with_budgets_off_nothing_is_charged() {
        let mut off = budget(1, 1);
        off.every = None;
        let alice = identity(Role::Admin, "alice");
        assert!(matches!(off.charge(&alice, 1_000_000, 0), Ok(None)));
        assert_eq!(off.standing(&alice, 0), None);
    }
}
