//! The export of statements of reasons in the request format of the DSA Transparency Database's
//! API (`POST /api/v1/statements`): batches of at most 100 under `{"statements": [...]}`, one
//! batch per line, with the API's field names and enumeration keys, dates as `YYYY-MM-DD`, and
//! no personal data: only enumerations, dates, the platform's own texts (built from structured
//! facts, never from what a seller or a brand wrote) and the opaque `puid`.
//!
//! The rules are those of `schemas/dsa-statement.schema.json`, transcribed from the Transparency
//! Database's validation (see its `$comment`). The API refuses a whole batch when one statement
//! breaks a rule, so the exporter never sends one that would: a text over its limit is cut to it
//! (and counted), and a statement it cannot send faithfully (a date outside the API's range, a
//! country outside the EEA) is set aside, named with the reason, and the export goes on.

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Value, json};

use super::service::{MAX_EXPLANATION, MAX_FACTS, MAX_LEGAL_GROUND};
use super::types::puid;
use crate::error::{AppError, AppResult};
use crate::states::{AccountDecision, AutomatedDecision};
use crate::time::instant;
use entity::statement_of_reasons::{self, Column};

/// Most statements the API takes in one request.
pub const BATCH: usize = 100;

/// The prefix of every `puid` this platform issues.
const PUID_PREFIX: &str = "rightsgraph-sor-";

/// How long before an export its statements must have been applied. A statement is written with
/// its decision's instant, and its transaction commits within the request timeout (30 s by
/// default); every statement applied before `now - SETTLED` is therefore committed when the export
/// reads, and none committed later can sort before it. Exports are then stable and resumable in
/// the order (application date, id); the statements of the last minutes wait for the next export.
pub const SETTLED: i64 = 10 * 60 * 1_000_000;

/// Which statements to export: applied in `[since, until)` and after the statement `after` (its
/// application date and id, from `--after-puid`), in the order issued: application date, then id.
#[derive(Debug, Clone, Copy, Default)]
pub struct Range {
    pub since: i64,
    pub until: Option<i64>,
    pub after: Option<(i64, i64)>,
}

impl Range {
    /// `until` no later than [`SETTLED`] before `now`.
    pub fn settled(mut self, now: i64) -> Self {
        let cap = now.saturating_sub(SETTLED);
        self.until = Some(self.until.map_or(cap, |u| u.min(cap)));
        self
    }
}

/// The position of the statement a `puid` names, for `--after-puid`; `NOT_FOUND` if it is not in
/// this registry.
pub async fn position_of(db: &impl ConnectionTrait, puid: &str) -> AppResult<(i64, i64)> {
    let id = parse_puid(puid).map_err(|m| AppError::bad_input("afterPuid", m))?;
    let row = statement_of_reasons::Entity::find_by_id(id).one(db).await?;
    row.map(|r| (r.application_date, r.id)).ok_or_else(|| AppError::NotFound(format!("no statement {puid}")))
}

/// The statement id a `puid` of this platform names.
pub fn parse_puid(raw: &str) -> Result<i64, String> {
    raw.strip_prefix(PUID_PREFIX)
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{raw:?} is not a puid of this registry (they look like {PUID_PREFIX}123)"))
}

/// What an export did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub exported: u64,
    pub batches: u64,
    /// Statements whose text was cut to the API's limit.
    pub clipped: u64,
    /// Statements not exported, with the reason (by `puid`).
    pub set_aside: Vec<(String, String)>,
    /// The last statement looked at: `--after-puid` resumes after it.
    pub last_puid: Option<String>,
}

/// How many statements `range` holds (for a progress bar).
pub async fn count(db: &impl ConnectionTrait, range: Range) -> AppResult<u64> {
    Ok(selection(range).count(db).await?)
}

fn selection(range: Range) -> sea_orm::Select<statement_of_reasons::Entity> {
    use sea_orm::Condition;
    let mut select = statement_of_reasons::Entity::find().filter(Column::ApplicationDate.gte(range.since));
    if let Some(until) = range.until {
        select = select.filter(Column::ApplicationDate.lt(until));
    }
    if let Some((date, id)) = range.after {
        select = select.filter(
            Condition::any()
                .add(Column::ApplicationDate.gt(date))
                .add(Condition::all().add(Column::ApplicationDate.eq(date)).add(Column::Id.gt(id))),
        );
    }
    select
}

/// Writes the statements of `range` to `out`, one batch per line; `progress` hears how many
/// statements each batch looked at.
pub async fn export(
    db: &impl ConnectionTrait,
    mut range: Range,
    out: &mut impl std::io::Write,
    mut progress: impl FnMut(u64),
) -> AppResult<Summary> {
    let mut summary = Summary::default();
    loop {
        let rows = selection(range)
            .order_by_asc(Column::ApplicationDate)
            .order_by_asc(Column::Id)
            .limit(BATCH as u64)
            .all(db)
            .await?;
        let Some(last) = rows.last() else { break };
        range.after = Some((last.application_date, last.id));
        summary.last_puid = Some(puid(last.id));
        let mut batch = Vec::with_capacity(rows.len());
        for row in &rows {
            match to_api(row)? {
                Ok((statement, clipped)) => {
                    summary.clipped += u64::from(clipped);
                    batch.push(statement);
                }
                Err(reason) => summary.set_aside.push((puid(row.id), reason)),
            }
        }
        if !batch.is_empty() {
            summary.exported += batch.len() as u64;
            summary.batches += 1;
            let line = serde_json::to_string(&json!({ "statements": batch }))
                .map_err(|e| AppError::Internal(format!("cannot write a batch: {e}")))?;
            writeln!(out, "{line}").map_err(|e| AppError::Internal(format!("cannot write the export: {e}")))?;
        }
        progress(rows.len() as u64);
        if rows.len() < BATCH {
            break;
        }
    }
    out.flush().map_err(|e| AppError::Internal(format!("cannot write the export: {e}")))?;
    Ok(summary)
}

/// The earliest and latest dates the API takes (`content_date`, `application_date`).
fn bounds(field: &str) -> (NaiveDate, NaiveDate) {
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let from = if field == "content_date" { day(2000, 1, 1) } else { day(2020, 1, 1) };
    (from, day(2038, 1, 1))
}

/// One statement as the API takes it, and whether a text was cut; `Err(reason)` (inner) when it
/// cannot be sent faithfully. The outer error is a corrupt row.
pub fn to_api(row: &statement_of_reasons::Model) -> AppResult<Result<(Value, bool), String>> {
    let mut clipped = false;
    let mut text = |raw: &str, max: usize| {
        if raw.chars().count() > max {
            clipped = true;
            let mut cut = super::service::clip(raw, max - 1);
            cut.push('…');
            cut
        } else {
            raw.to_owned()
        }
    };
    let legal_ground = text(&row.legal_ground, MAX_LEGAL_GROUND);
    let explanation = text(&row.explanation, MAX_EXPLANATION);
    let facts = text(&row.facts, MAX_FACTS);
    let mut dates = serde_json::Map::new();
    for (field, at) in [("content_date", row.content_date), ("application_date", row.application_date)] {
        let day = instant(at).date_naive();
        let (from, to) = bounds(field);
        if day < from || day > to {
            return Ok(Err(format!(
                "{field} {day} is outside {from} to {to}, which the Transparency Database refuses"
            )));
        }
        dates.insert(field.into(), json!(day.format("%Y-%m-%d").to_string()));
    }
    let scope: Vec<&str> = row.territorial_scope.split(',').filter(|c| !c.is_empty()).collect();
    if let Some(bad) = scope.iter().find(|c| !crate::config::is_eea(c)) {
        return Ok(Err(format!("territorial scope {bad} is not an EEA country")));
    }
    let automated = match row.automated_decision {
        AutomatedDecision::Fully => "AUTOMATED_DECISION_FULLY",
        AutomatedDecision::Partially => "AUTOMATED_DECISION_PARTIALLY",
        AutomatedDecision::NotAutomated => "AUTOMATED_DECISION_NOT_AUTOMATED",
    };
    let keyword = format!("KEYWORD_{}", row.keyword.as_db());
    let mut statement = json!({
        "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
        "illegal_content_legal_ground": legal_ground,
        "illegal_content_explanation": explanation,
        "decision_facts": facts,
        "account_type": "ACCOUNT_TYPE_BUSINESS",
        "category": "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
        "category_specification": [keyword],
        "content_type": ["CONTENT_TYPE_PRODUCT"],
        "source_type": "SOURCE_ARTICLE_16",
        "automated_detection": "No",
        "automated_decision": automated,
        "territorial_scope": scope,
        "puid": puid(row.id),
    });
    let fields = statement.as_object_mut().ok_or_else(|| AppError::Internal("a statement is an object".into()))?;
    fields.extend(dates);
    if row.content_removed {
        fields.insert("decision_visibility".into(), json!(["DECISION_VISIBILITY_CONTENT_REMOVED"]));
    }
    if let Some(decision) = row.account_decision {
        let key = match decision {
            AccountDecision::Suspended => "DECISION_ACCOUNT_SUSPENDED",
            AccountDecision::Terminated => "DECISION_ACCOUNT_TERMINATED",
        };
        fields.insert("decision_account".into(), json!(key));
    }
    Ok(Ok((statement, clipped)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::states::{RemovalProcedure, StatementKeyword};

    fn row() -> statement_of_reasons::Model {
        statement_of_reasons::Model {
            id: 7,
            item_id: 1,
            notice_id: 1,
            brand_id: 1,
            seller_id: 1,
            listing_id: 1,
            procedure: RemovalProcedure::Review,
            content_removed: true,
            account_decision: Some(AccountDecision::Suspended),
            automated_decision: AutomatedDecision::NotAutomated,
            keyword: StatementKeyword::TrademarkInfringement,
            legal_ground: "Infringement of the registered trademark".into(),
            explanation: "Removed.".into(),
            facts: "Notified.".into(),
            content_date: 1_700_000_000_000_000,
            application_date: 1_750_000_000_000_000,
            territorial_scope: "DE,FR".into(),
            counter_notice_until: None,
            appeal_until: None,
        }
    }

    #[test]
    fn a_statement_takes_the_apis_names_and_keys() {
        let (s, clipped) = to_api(&row()).expect("row").expect("sendable");
        assert!(!clipped);
        assert_eq!(s["puid"], "rightsgraph-sor-7");
        assert_eq!(s["decision_visibility"], json!(["DECISION_VISIBILITY_CONTENT_REMOVED"]));
        assert_eq!(s["decision_account"], "DECISION_ACCOUNT_SUSPENDED");
        assert_eq!(s["category_specification"], json!(["KEYWORD_TRADEMARK_INFRINGEMENT"]));
        assert_eq!(s["automated_decision"], "AUTOMATED_DECISION_NOT_AUTOMATED");
        assert_eq!(s["automated_detection"], "No");
        assert_eq!(
            (s["content_date"].as_str(), s["application_date"].as_str()),
            (Some("2023-11-14"), Some("2025-06-15"))
        );
        assert_eq!(s["territorial_scope"], json!(["DE", "FR"]));
    }

    #[test]
    fn a_puid_names_its_statement_and_nothing_else() {
        assert_eq!(parse_puid("rightsgraph-sor-42"), Ok(42));
        for bad in ["rightsgraph-sor-", "rightsgraph-sor-x", "sor-42", "rightsgraph-sor--1", "rightsgraph-sor-0"] {
            assert!(parse_puid(bad).is_err(), "{bad}");
        }
    }
}
