//! The transparency report (DSA Article 15): what the registry received and decided in a period,
//! read from the state it keeps (notices, items, statements, counter-notices, appeals). Only the
//! notifiers' warnings and suspensions come from the history, which alone keeps each of them.
//! `tests/api/report.rs` recounts every figure from the event history.

use std::collections::{BTreeMap, HashMap};

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};
use serde::Serialize;

use crate::error::AppResult;
use crate::events::NoticeEventKind;
use crate::states::{
    AccountDecision, AppealParty, AppealStatus, AutomatedDecision, CounterNoticeStatus, NoticeItemStatus, NoticeReason,
    TrustTier,
};
use crate::time::{instant, median};
use entity::{appeal, counter_notice, notice, notice_event, notice_item, statement_of_reasons};

const HOUR: f64 = 3_600_000_000.0;

/// Notices of one reason.
#[derive(SimpleObject, Serialize, Debug, Clone, PartialEq)]
pub struct NoticesByReason {
    /// The reason.
    pub value: NoticeReason,
    /// Notices of that reason submitted in the period.
    pub count: i32,
}

/// Notices from brands of one trust tier.
#[derive(SimpleObject, Serialize, Debug, Clone, PartialEq)]
pub struct NoticesBySourceTier {
    /// The brand's trust tier when it submitted.
    pub value: TrustTier,
    /// Notices submitted in the period by brands of that tier.
    pub count: i32,
}

/// What became of complaints against decisions (counter-notices, appeals).
#[derive(SimpleObject, Serialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RedressFigures {
    /// Filed in the period.
    pub filed: i32,
    /// Of those filed, by sellers (appeals against removals).
    pub filed_by_sellers: i32,
    /// Of those filed, by brands (appeals against rejections; counter-notices: none).
    pub filed_by_brands: i32,
    /// Resolved in the period, the decision standing.
    pub decision_upheld: i32,
    /// Resolved in the period, the decision reversed.
    pub decision_reversed: i32,
    /// The median time from filing to resolution of those resolved in the period, in hours; null when none was.
    pub median_hours_to_resolve: Option<f64>,
}

/// The figures of Article 15 for a period.
#[derive(SimpleObject, Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TransparencyReport {
    /// The start of the period, included (RFC 3339, UTC).
    pub from: DateTime<Utc>,
    /// The end of the period, excluded (RFC 3339, UTC).
    pub to: DateTime<Utc>,
    /// Notices submitted in the period.
    pub notices_received: i32,
    /// Of those, by the ground the brand gave.
    pub notices_by_reason: Vec<NoticesByReason>,
    /// Of those, by the brand's trust tier when it submitted (TRUSTED ones were expedited).
    pub notices_by_source_tier: Vec<NoticesBySourceTier>,
    /// Decisions on items taken in the period: removals and rejections.
    pub items_decided: i32,
    /// Removals decided in the period (by reviewers, by SYSTEM, and rejections reversed on appeal).
    pub items_removed: i32,
    /// Rejections decided in the period (by reviewers, and by SYSTEM when a brand left a question
    /// unanswered), whatever became of them since.
    pub items_rejected: i32,
    /// Removals taken without a person: good-faith takedowns of TRUSTED brands' notices.
    pub removals_without_review: i32,
    /// The median time from a notice to the removal of its item, over removals in the period, in hours; null when
    /// there was none.
    pub median_hours_to_action: Option<f64>,
    /// Suspensions of sellers' accounts by the strikes of removals in the period (an account suspended, cleared and
    /// suspended again counts twice).
    pub accounts_suspended: i32,
    /// Terminations of sellers' accounts by the strikes of removals in the period.
    pub accounts_terminated: i32,
    /// What became of the counter-notices filed or resolved in the period.
    pub counter_notices: RedressFigures,
    /// What became of the appeals filed or resolved in the period.
    pub appeals: RedressFigures,
    /// Warnings of brands as notifiers who sent too many unfounded notices (a brand warned twice in the period
    /// counts twice).
    pub notifiers_warned: i32,
    /// Suspensions of brands as notifiers, warned before and unfounded again (each suspension counts).
    pub notifiers_suspended: i32,
    /// Statements of reasons issued in the period.
    pub statements_issued: i32,
}

fn count(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn hours(mut durations: Vec<i64>) -> Option<f64> {
    durations.sort_unstable();
    median(&durations).map(|m| m / HOUR)
}

/// The rows of a period: `column` in `[from, to)`.
fn within(column: impl ColumnTrait, (from, to): (i64, i64)) -> Condition {
    Condition::all().add(column.gte(from)).add(column.lt(to))
}

/// `a - b`, two integer columns of one table.
fn minus(a: impl ColumnTrait, b: impl ColumnTrait) -> Expr {
    Expr::col(a).sub(Expr::col(b))
}

/// The report of `[from, to)`.
pub async fn report(db: &impl ConnectionTrait, from: i64, to: i64) -> AppResult<TransparencyReport> {
    let period = (from, to);
    let received = received(db, period).await?;
    let removals = removals(db, period).await?;
    let rejected = rejected(db, period).await?;
    let (notifiers_warned, notifiers_suspended) = standing(db, period).await?;
    Ok(TransparencyReport {
        from: instant(from),
        to: instant(to),
        notices_received: received.total,
        notices_by_reason: received.by_reason,
        notices_by_source_tier: received.by_source_tier,
        items_decided: count(removals.removed + rejected),
        items_removed: count(removals.removed),
        items_rejected: count(rejected),
        removals_without_review: count(removals.automated),
        median_hours_to_action: hours(removals.waited),
        accounts_suspended: count(removals.suspended),
        accounts_terminated: count(removals.terminated),
        counter_notices: counter_notices(db, period).await?,
        appeals: appeals(db, period).await?,
        notifiers_warned,
        notifiers_suspended,
        statements_issued: count(removals.removed),
    })
}

/// The notices received in a period, by reason and by the tier of their source.
struct Received {
    total: i32,
    by_reason: Vec<NoticesByReason>,
    by_source_tier: Vec<NoticesBySourceTier>,
}

async fn received(db: &impl ConnectionTrait, period: (i64, i64)) -> AppResult<Received> {
    let mut by_reason: HashMap<NoticeReason, i64> = HashMap::new();
    let mut by_tier: BTreeMap<bool, i64> = BTreeMap::new();
    let received: Vec<(NoticeReason, bool, i64)> = notice::Entity::find()
        .select_only()
        .columns([notice::Column::Reason, notice::Column::Expedited])
        .expr(notice::Column::Id.count())
        .filter(within(notice::Column::SubmittedAt, period))
        .group_by(notice::Column::Reason)
        .group_by(notice::Column::Expedited)
        .into_tuple()
        .all(db)
        .await?;
    for (reason, expedited, n) in received {
        *by_reason.entry(reason).or_default() += n;
        *by_tier.entry(expedited).or_default() += n;
    }
    let notices_by_reason = NoticeReason::ALL
        .iter()
        .map(|r| NoticesByReason { value: *r, count: count(by_reason.get(r).copied().unwrap_or(0)) })
        .collect();
    let notices_by_source_tier = [(TrustTier::Standard, false), (TrustTier::Trusted, true)]
        .into_iter()
        .map(|(tier, expedited)| NoticesBySourceTier {
            value: tier,
            count: count(by_tier.get(&expedited).copied().unwrap_or(0)),
        })
        .collect();
    Ok(Received {
        total: count(by_reason.values().sum()),
        by_reason: notices_by_reason,
        by_source_tier: notices_by_source_tier,
    })
}

/// The removals of a period, from the statements issued with them.
#[derive(Default)]
struct Removals {
    removed: i64,
    automated: i64,
    suspended: i64,
    terminated: i64,
    /// From each notice's submission to its removal, microseconds.
    waited: Vec<i64>,
}

async fn removals(db: &impl ConnectionTrait, period: (i64, i64)) -> AppResult<Removals> {
    let issued = Query::select()
        .columns([
            (statement_of_reasons::Entity, statement_of_reasons::Column::AutomatedDecision),
            (statement_of_reasons::Entity, statement_of_reasons::Column::AccountDecision),
        ])
        .expr(
            Expr::col((statement_of_reasons::Entity, statement_of_reasons::Column::ApplicationDate))
                .sub(Expr::col((notice::Entity, notice::Column::SubmittedAt))),
        )
        .from(statement_of_reasons::Entity)
        .inner_join(
            notice::Entity,
            Expr::col((notice::Entity, notice::Column::Id))
                .equals((statement_of_reasons::Entity, statement_of_reasons::Column::NoticeId)),
        )
        .cond_where(within(statement_of_reasons::Column::ApplicationDate, period))
        .to_owned();
    let mut out = Removals::default();
    for row in db.query_all(&issued).await? {
        let decision: AutomatedDecision = row.try_get_by_index(0)?;
        let account: Option<AccountDecision> = row.try_get_by_index(1)?;
        let wait: i64 = row.try_get_by_index(2)?;
        out.removed += 1;
        if decision == AutomatedDecision::Fully {
            out.automated += 1;
        }
        match account {
            Some(AccountDecision::Suspended) => out.suspended += 1,
            Some(AccountDecision::Terminated) => out.terminated += 1,
            None => {}
        }
        out.waited.push(wait);
    }
    Ok(out)
}

/// The rejections of a period: items still REJECTED, and rejections since reversed on the
/// brand's appeal.
async fn rejected(db: &impl ConnectionTrait, period: (i64, i64)) -> AppResult<i64> {
    let still = notice_item::Entity::find()
        .filter(notice_item::Column::Status.eq(NoticeItemStatus::Rejected))
        .filter(within(notice_item::Column::DecidedAt, period))
        .count(db)
        .await?;
    let reversed = appeal::Entity::find()
        .filter(appeal::Column::Party.eq(AppealParty::Brand))
        .filter(appeal::Column::Status.eq(AppealStatus::Reversed))
        .filter(within(appeal::Column::DecisionAt, period))
        .count(db)
        .await?;
    Ok(i64::try_from(still + reversed).unwrap_or(i64::MAX))
}

/// The notifiers warned and suspended in a period (the history keeps each).
async fn standing(db: &impl ConnectionTrait, period: (i64, i64)) -> AppResult<(i32, i32)> {
    let standing: Vec<(NoticeEventKind, i64)> = notice_event::Entity::find()
        .select_only()
        .column(notice_event::Column::Kind)
        .expr(notice_event::Column::Id.count())
        .filter(notice_event::Column::Kind.is_in([NoticeEventKind::NotifierWarned, NoticeEventKind::NotifierSuspended]))
        .filter(within(notice_event::Column::At, period))
        .group_by(notice_event::Column::Kind)
        .into_tuple()
        .all(db)
        .await?;
    let (mut notifiers_warned, mut notifiers_suspended) = (0, 0);
    for (kind, n) in standing {
        if kind == NoticeEventKind::NotifierWarned {
            notifiers_warned = count(n);
        } else {
            notifiers_suspended = count(n);
        }
    }
    Ok((notifiers_warned, notifiers_suspended))
}

/// Counter-notices filed, and resolved (ACCEPTED reverses the removal, REJECTED upholds it).
async fn counter_notices(db: &impl ConnectionTrait, period: (i64, i64)) -> AppResult<RedressFigures> {
    let filed =
        counter_notice::Entity::find().filter(within(counter_notice::Column::FiledAt, period)).count(db).await?;
    let filed = i64::try_from(filed).unwrap_or(i64::MAX);
    let resolved: Vec<(CounterNoticeStatus, i64)> = counter_notice::Entity::find()
        .select_only()
        .column(counter_notice::Column::Status)
        .expr(minus(counter_notice::Column::ResolvedAt, counter_notice::Column::FiledAt))
        .filter(within(counter_notice::Column::ResolvedAt, period))
        .into_tuple()
        .all(db)
        .await?;
    let mut out = RedressFigures { filed: count(filed), filed_by_sellers: count(filed), ..Default::default() };
    let mut took = Vec::new();
    for (status, time) in resolved {
        match status {
            CounterNoticeStatus::Accepted => out.decision_reversed += 1,
            CounterNoticeStatus::Rejected => out.decision_upheld += 1,
            CounterNoticeStatus::Pending => continue,
        }
        took.push(time);
    }
    out.median_hours_to_resolve = hours(took);
    Ok(out)
}

/// Appeals filed by each party, and resolved.
async fn appeals(db: &impl ConnectionTrait, period: (i64, i64)) -> AppResult<RedressFigures> {
    let mut out = RedressFigures::default();
    let filed: Vec<(AppealParty, i64)> = appeal::Entity::find()
        .select_only()
        .column(appeal::Column::Party)
        .expr(appeal::Column::Id.count())
        .filter(within(appeal::Column::FiledAt, period))
        .group_by(appeal::Column::Party)
        .into_tuple()
        .all(db)
        .await?;
    for (party, n) in filed {
        let n = count(n);
        out.filed += n;
        match party {
            AppealParty::Seller => out.filed_by_sellers = n,
            AppealParty::Brand => out.filed_by_brands = n,
        }
    }
    let resolved: Vec<(AppealStatus, i64)> = appeal::Entity::find()
        .select_only()
        .column(appeal::Column::Status)
        .expr(minus(appeal::Column::ResolvedAt, appeal::Column::FiledAt))
        .filter(within(appeal::Column::ResolvedAt, period))
        .into_tuple()
        .all(db)
        .await?;
    let mut took = Vec::new();
    for (status, time) in resolved {
        match status {
            AppealStatus::Reversed => out.decision_reversed += 1,
            AppealStatus::Upheld => out.decision_upheld += 1,
            AppealStatus::Pending => continue,
        }
        took.push(time);
    }
    out.median_hours_to_resolve = hours(took);
    Ok(out)
}

/// The report as CSV: `figure,value` lines, nested figures named by their path (`appeals.filed`,
/// `noticesByReason.COUNTERFEIT`), an empty value for a median of nothing.
pub fn to_csv(report: &TransparencyReport) -> String {
    fn walk(prefix: &str, value: &serde_json::Value, out: &mut String) {
        use serde_json::Value as J;
        match value {
            J::Object(fields) => {
                for (k, v) in fields {
                    walk(&join(prefix, k), v, out);
                }
            }
            J::Array(counts) => {
                for c in counts {
                    let name = c["value"].as_str().unwrap_or_default();
                    walk(&join(prefix, name), &c["count"], out);
                }
            }
            J::Null => out.push_str(&format!("{prefix},\n")),
            J::String(s) => out.push_str(&format!("{prefix},{s}\n")),
            other => out.push_str(&format!("{prefix},{other}\n")),
        }
    }
    fn join(prefix: &str, name: &str) -> String {
        if prefix.is_empty() { name.to_owned() } else { format!("{prefix}.{name}") }
    }
    let mut out = String::from("figure,value\n");
    walk("", &serde_json::to_value(report).unwrap_or_default(), &mut out);
    out
}
