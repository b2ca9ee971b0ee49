//! The transparency report (DSA Article 15): what the registry received and decided in a period,
//! read from the state it keeps (notices, items, statements, counter-notices, appeals). Only the
//! notifiers' warnings and suspensions come from the history, which alone keeps each of them.
//! `tests/api/report.rs` recounts every figure from the event history.

use std::collections::BTreeMap;

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use serde::Serialize;

use crate::error::AppResult;
use crate::events::NoticeEventKind;
use crate::sql::Sql;
use crate::states::{
    AccountDecision, AppealParty, AppealStatus, AutomatedDecision, CounterNoticeStatus, NoticeItemStatus, NoticeReason,
    TrustTier,
};
use crate::time::{instant, median};

const HOUR: f64 = 3_600_000_000.0;

/// Notices of one reason.
#[derive(SimpleObject, Serialize, Debug, Clone, PartialEq)]
pub struct NoticesByReason {
    pub value: NoticeReason,
    pub count: i32,
}

/// Notices from brands of one trust tier.
#[derive(SimpleObject, Serialize, Debug, Clone, PartialEq)]
pub struct NoticesBySourceTier {
    pub value: TrustTier,
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
    /// The median time from filing to resolution of those resolved in the period.
    pub median_hours_to_resolve: Option<f64>,
}

/// The figures of Article 15 for a period.
#[derive(SimpleObject, Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TransparencyReport {
    pub from: DateTime<Utc>,
    /// The end of the period, excluded.
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
    /// The median time from a notice to the removal of its item, over removals in the period.
    pub median_hours_to_action: Option<f64>,
    /// Suspensions, and terminations, of sellers' accounts by the strikes of removals in the
    /// period (an account suspended, cleared and suspended again counts twice).
    pub accounts_suspended: i32,
    pub accounts_terminated: i32,
    pub counter_notices: RedressFigures,
    pub appeals: RedressFigures,
    /// Warnings, and suspensions, of brands as notifiers who sent too many unfounded notices (a
    /// brand warned twice in the period counts twice).
    pub notifiers_warned: i32,
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

async fn rows(db: &impl ConnectionTrait, text: &str, period: (i64, i64), pairs: usize) -> AppResult<Vec<QueryResult>> {
    let values = (0..pairs).flat_map(|_| [Value::from(period.0), Value::from(period.1)]).collect();
    Ok(db.query_all_raw(Sql::new(text, values).build(db.get_database_backend())).await?)
}

/// An integer column, whichever width the backend returns.
fn int(row: &QueryResult, column: &str) -> AppResult<i64> {
    Ok(row.try_get::<i64>("", column).or_else(|_| row.try_get::<i32>("", column).map(i64::from))?)
}

/// The report of `[from, to)`.
pub async fn report(db: &impl ConnectionTrait, from: i64, to: i64) -> AppResult<TransparencyReport> {
    let period = (from, to);
    // Notices by reason and tier.
    let mut by_reason: BTreeMap<&str, i64> = BTreeMap::new();
    let mut by_tier: BTreeMap<bool, i64> = BTreeMap::new();
    let text = "SELECT reason, expedited, COUNT(*) AS n FROM notice WHERE submitted_at >= ? AND submitted_at < ? \
                GROUP BY reason, expedited";
    for row in rows(db, text, period, 1).await? {
        let reason = NoticeReason::from_db(&row.try_get::<String>("", "reason")?)?;
        let n = int(&row, "n")?;
        *by_reason.entry(reason.as_db()).or_default() += n;
        *by_tier.entry(row.try_get::<bool>("", "expedited")?).or_default() += n;
    }
    let notices_by_reason = NoticeReason::ALL
        .iter()
        .map(|r| NoticesByReason { value: *r, count: count(by_reason.get(r.as_db()).copied().unwrap_or(0)) })
        .collect();
    let notices_by_source_tier = [(TrustTier::Standard, false), (TrustTier::Trusted, true)]
        .into_iter()
        .map(|(tier, expedited)| NoticesBySourceTier {
            value: tier,
            count: count(by_tier.get(&expedited).copied().unwrap_or(0)),
        })
        .collect();
    // Removals: one statement each, issued with the removal.
    let text = "SELECT s.automated_decision, s.account_decision, s.application_date - n.submitted_at AS waited \
                FROM statement_of_reasons s JOIN notice n ON n.id = s.notice_id \
                WHERE s.application_date >= ? AND s.application_date < ?";
    let (mut removed, mut automated, mut suspended, mut terminated, mut waited) = (0, 0, 0, 0, Vec::new());
    for row in rows(db, text, period, 1).await? {
        removed += 1;
        if AutomatedDecision::from_db(&row.try_get::<String>("", "automated_decision")?)? == AutomatedDecision::Fully {
            automated += 1;
        }
        match row.try_get::<Option<String>>("", "account_decision")?.as_deref().map(AccountDecision::from_db) {
            Some(Ok(AccountDecision::Suspended)) => suspended += 1,
            Some(Ok(AccountDecision::Terminated)) => terminated += 1,
            Some(Err(e)) => return Err(e),
            None => {}
        }
        waited.push(int(&row, "waited")?);
    }
    // Rejections: items still REJECTED, and rejections since reversed on the brand's appeal.
    let text = format!(
        "SELECT (SELECT COUNT(*) FROM notice_item WHERE status = '{rejected}' AND decided_at >= ? AND decided_at < ?) + \
         (SELECT COUNT(*) FROM appeal WHERE party = '{brand}' AND status = '{reversed}' AND decision_at >= ? \
         AND decision_at < ?) AS n",
        rejected = NoticeItemStatus::Rejected.as_db(),
        brand = AppealParty::Brand.as_db(),
        reversed = AppealStatus::Reversed.as_db(),
    );
    let rejected = rows(db, &text, period, 2).await?.first().map(|r| int(r, "n")).transpose()?.unwrap_or(0);
    let counter_notices = counter_notices(db, period).await?;
    let appeals = appeals(db, period).await?;
    // The notifiers' standing: the history keeps each warning and suspension.
    let text = format!(
        "SELECT kind, COUNT(*) AS n FROM notice_event WHERE kind IN ('{warned}', '{suspended}') AND at >= ? AND at < ? \
         GROUP BY kind",
        warned = NoticeEventKind::NotifierWarned.as_db(),
        suspended = NoticeEventKind::NotifierSuspended.as_db(),
    );
    let (mut notifiers_warned, mut notifiers_suspended) = (0, 0);
    for row in rows(db, &text, period, 1).await? {
        let n = count(int(&row, "n")?);
        if row.try_get::<String>("", "kind")? == NoticeEventKind::NotifierWarned.as_db() {
            notifiers_warned = n;
        } else {
            notifiers_suspended = n;
        }
    }
    Ok(TransparencyReport {
        from: instant(from),
        to: instant(to),
        notices_received: count(by_reason.values().sum()),
        notices_by_reason,
        notices_by_source_tier,
        items_decided: count(removed + rejected),
        items_removed: count(removed),
        items_rejected: count(rejected),
        removals_without_review: count(automated),
        median_hours_to_action: hours(waited),
        accounts_suspended: count(suspended),
        accounts_terminated: count(terminated),
        counter_notices,
        appeals,
        notifiers_warned,
        notifiers_suspended,
        statements_issued: count(removed),
    })
}

/// Counter-notices filed, and resolved (ACCEPTED reverses the removal, REJECTED upholds it).
async fn counter_notices(db: &impl ConnectionTrait, period: (i64, i64)) -> AppResult<RedressFigures> {
    let text = "SELECT COUNT(*) AS n FROM counter_notice WHERE filed_at >= ? AND filed_at < ?";
    let filed = rows(db, text, period, 1).await?.first().map(|r| int(r, "n")).transpose()?.unwrap_or(0);
    let text =
        "SELECT status, resolved_at - filed_at AS took FROM counter_notice WHERE resolved_at >= ? AND resolved_at < ?";
    let mut out = RedressFigures { filed: count(filed), filed_by_sellers: count(filed), ..Default::default() };
    let mut took = Vec::new();
    for row in rows(db, text, period, 1).await? {
        match CounterNoticeStatus::from_db(&row.try_get::<String>("", "status")?)? {
            CounterNoticeStatus::Accepted => out.decision_reversed += 1,
            CounterNoticeStatus::Rejected => out.decision_upheld += 1,
            CounterNoticeStatus::Pending => continue,
        }
        took.push(int(&row, "took")?);
    }
    out.median_hours_to_resolve = hours(took);
    Ok(out)
}

/// Appeals filed by each party, and resolved.
async fn appeals(db: &impl ConnectionTrait, period: (i64, i64)) -> AppResult<RedressFigures> {
    let mut out = RedressFigures::default();
    let text = "SELECT party, COUNT(*) AS n FROM appeal WHERE filed_at >= ? AND filed_at < ? GROUP BY party";
    for row in rows(db, text, period, 1).await? {
        let n = count(int(&row, "n")?);
        out.filed += n;
        match AppealParty::from_db(&row.try_get::<String>("", "party")?)? {
            AppealParty::Seller => out.filed_by_sellers = n,
            AppealParty::Brand => out.filed_by_brands = n,
        }
    }
    let text = "SELECT status, resolved_at - filed_at AS took FROM appeal WHERE resolved_at >= ? AND resolved_at < ?";
    let mut took = Vec::new();
    for row in rows(db, text, period, 1).await? {
        match AppealStatus::from_db(&row.try_get::<String>("", "status")?)? {
            AppealStatus::Reversed => out.decision_reversed += 1,
            AppealStatus::Upheld => out.decision_upheld += 1,
            AppealStatus::Pending => continue,
        }
        took.push(int(&row, "took")?);
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
