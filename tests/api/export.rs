//! The export of statements of reasons to the DSA Transparency Database (issue 13, section 3):
//! every statement of a seeded registry validates against `schemas/dsa-statement.schema.json`,
//! matches a removal one to one, carries no personal data; batches of at most 100; resumable;
//! and a statement that would break one of the API's limits is cut or set aside, never sent.

use rightsgraph::seed::{SeedPlan, seed};
use rightsgraph::statements::export::{self, Range, Summary};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Statement as Sql};
use serde_json::{Value, json};

use crate::harness::{TestApp, spawn};

/// The Transparency Database's rules for one statement, format assertions on (dates).
pub(crate) fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/dsa-statement.schema.json"))
        .expect("the schema is in the repository");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::draft202012::options().should_validate_formats(true).build(&schema).expect("a valid JSON Schema")
}

/// Exports `range`; the batches as written, and the summary.
async fn exported(app: &TestApp, range: Range) -> (Vec<Vec<Value>>, Summary) {
    exported_from(&app.app.db, range).await
}

/// [`exported`] from any database.
pub(crate) async fn exported_from(db: &DatabaseConnection, range: Range) -> (Vec<Vec<Value>>, Summary) {
    let mut out = Vec::new();
    let summary = export::export(db, range, &mut out, |_| {}).await.expect("export");
    let text = String::from_utf8(out).expect("UTF-8");
    let batches = text
        .lines()
        .map(|line| {
            let batch: Value = serde_json::from_str(line).expect("one JSON object per line");
            assert_eq!(batch.as_object().map(|o| o.len()), Some(1), "only \"statements\": {line}");
            batch["statements"].as_array().expect("statements").clone()
        })
        .collect();
    (batches, summary)
}

async fn column_in(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    db.query_all_raw(Sql::from_string(db.get_database_backend(), sql))
        .await
        .expect("query")
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).expect("text"))
        .collect()
}

pub(crate) async fn number_in(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db.query_one_raw(Sql::from_string(db.get_database_backend(), sql)).await.expect("query").expect("row");
    row.try_get_by_index::<i64>(0).expect("number")
}

#[tokio::test]
async fn every_exported_statement_of_a_seeded_registry_is_valid_one_per_removal_and_impersonal() {
    let app = spawn().await;
    seed(&app.app.shared, SeedPlan { scale: 0.2, seed: 5, append: false, progress: false }).await.expect("seed");
    let checked = check_registry(&app.app.db).await;
    assert!(checked > 100, "enough to fill more than one batch: {checked}");
}

/// Exports every statement of the registry in `db` and checks it against the schema, the
/// removals and the personal data the registry holds; how many statements.
pub(crate) async fn check_registry(db: &DatabaseConnection) -> usize {
    let (batches, summary) = exported_from(db, Range::default()).await;
    assert!(!batches.is_empty(), "a registry with statements to export");
    let statements: Vec<&Value> = batches.iter().flatten().collect();
    assert!(batches.iter().all(|b| (1..=100).contains(&b.len())), "batches of 1 to 100");
    assert!(batches[..batches.len() - 1].iter().all(|b| b.len() == 100), "only the last batch is short");
    assert_eq!((summary.exported as usize, summary.clipped, summary.set_aside.len()), (statements.len(), 0, 0));
    // Valid, every one.
    let schema = validator();
    for s in &statements {
        let errors: Vec<String> = schema.iter_errors(s).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", s["puid"]);
    }
    // Every statement once, in the order issued: application date, then id.
    let puids: Vec<i64> =
        statements.iter().map(|s| export::parse_puid(s["puid"].as_str().expect("puid")).expect("ours")).collect();
    let issued: Vec<i64> =
        column_in(db, "SELECT CAST(id AS TEXT) FROM statement_of_reasons ORDER BY application_date, id")
            .await
            .iter()
            .map(|id| id.parse().expect("an id"))
            .collect();
    assert_eq!(puids, issued);
    // One statement per removal, at its moment: every strike (one per removal) has exactly one
    // statement of the same item issued when the strike was.
    let strikes = number_in(db, "SELECT COUNT(*) FROM strike").await;
    assert_eq!(statements.len() as i64, strikes);
    let matched = number_in(
        db,
        "SELECT COUNT(*) FROM strike k JOIN statement_of_reasons s ON s.item_id = k.item_id AND s.application_date = k.issued_at",
    )
    .await;
    assert_eq!(matched, strikes, "every removal's statement is written with it");
    // And with the removals as the history tells them: ITEM_REMOVED, or a rejection reversed on
    // the brand's appeal.
    let removals = number_in(
        db,
        "SELECT COUNT(*) FROM notice_event e WHERE e.kind = 'ITEM_REMOVED' OR (e.kind = 'APPEAL_REVERSED' AND \
         EXISTS (SELECT 1 FROM appeal a WHERE a.item_id = e.item_id AND a.party = 'BRAND' AND a.status = 'REVERSED'))",
    )
    .await;
    assert_eq!(removals, strikes);
    // Each seller restricted now was told so.
    let unexplained = number_in(
        db,
        "SELECT COUNT(*) FROM seller s WHERE s.status IN ('SUSPENDED', 'TERMINATED') AND NOT EXISTS \
         (SELECT 1 FROM statement_of_reasons r WHERE r.seller_id = s.id AND r.account_decision IS NOT NULL)",
    )
    .await;
    assert_eq!(unexplained, 0);
    assert!(statements.iter().any(|s| s["decision_account"] == "DECISION_ACCOUNT_SUSPENDED"));
    // No personal data: nothing a seller or a brand wrote, and no seller's name, handle or
    // identifier (brands are companies, and their marks are the legal ground).
    // The free texts, each once (a registry of any size writes few distinct ones).
    let mut texts: Vec<&str> = statements
        .iter()
        .flat_map(|s| ["illegal_content_legal_ground", "illegal_content_explanation", "decision_facts"].map(|f| &s[f]))
        .filter_map(Value::as_str)
        .collect();
    texts.sort_unstable();
    texts.dedup();
    let text = texts.join("\n");
    let mut personal = Vec::new();
    for sql in [
        "SELECT handle FROM seller",
        "SELECT display_name FROM seller",
        "SELECT value FROM seller_identifier",
        "SELECT title FROM listing",
        "SELECT explanation FROM notice",
        "SELECT statement FROM appeal",
        "SELECT statement FROM counter_notice",
    ] {
        // At most 2,000 of each, spread over the table.
        personal.extend(column_in(db, &format!("{sql} ORDER BY id DESC LIMIT 2000")).await);
    }
    for p in personal.iter().filter(|p| p.len() > 3) {
        assert!(!text.contains(p.as_str()), "the export carries {p:?}");
    }
    statements.len()
}

#[tokio::test]
async fn the_export_resumes_after_a_puid_and_keeps_to_its_days() {
    let app = spawn().await;
    seed(&app.app.shared, SeedPlan { scale: 0.05, seed: 7, append: false, progress: false }).await.expect("seed");
    let (all, summary) = exported(&app, Range::default()).await;
    let all: Vec<Value> = all.into_iter().flatten().collect();
    assert_eq!(summary.last_puid.as_ref(), all.last().map(|s| s["puid"].as_str().expect("puid").to_owned()).as_ref());
    // Resumed after the 10th: the rest, exactly.
    let tenth = export::position_of(&app.app.db, all[9]["puid"].as_str().expect("puid")).await.expect("ours");
    let (rest, _) = exported(&app, Range { after: Some(tenth), ..Range::default() }).await;
    assert_eq!(rest.into_iter().flatten().collect::<Vec<_>>(), all[10..].to_vec());
    // Days: [since, until) on the application date.
    let day = all[all.len() / 2]["application_date"].as_str().expect("day").to_owned();
    let start = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d").expect("day").and_hms_opt(0, 0, 0).expect("t");
    let start = start.and_utc().timestamp_micros();
    let (that_day, _) = exported(&app, Range { since: start, until: Some(start + 86_400_000_000), after: None }).await;
    let that_day: Vec<Value> = that_day.into_iter().flatten().collect();
    let expected: Vec<Value> = all.iter().filter(|s| s["application_date"] == day.as_str()).cloned().collect();
    assert!(!expected.is_empty());
    assert_eq!(that_day, expected);
}

#[tokio::test]
async fn the_statements_of_the_last_minutes_wait_for_the_next_export() {
    let app = spawn().await;
    seed(&app.app.shared, SeedPlan { scale: 0.05, seed: 7, append: false, progress: false }).await.expect("seed");
    let (all, _) = exported(&app, Range::default()).await;
    let all: Vec<Value> = all.into_iter().flatten().collect();
    let last = export::position_of(&app.app.db, all.last().and_then(|s| s["puid"].as_str()).expect("puid"))
        .await
        .expect("ours");
    // Seen from just after the last statement: it is too fresh, the others are exported.
    let (early, summary) = exported(&app, Range::default().settled(last.0 + export::SETTLED - 1)).await;
    let early: Vec<Value> = early.into_iter().flatten().collect();
    assert_eq!(early, all[..all.len() - 1].to_vec());
    // Ten minutes on, the next export resumes where this one stopped and finds it.
    let after =
        export::position_of(&app.app.db, summary.last_puid.as_deref().expect("a last puid")).await.expect("ours");
    let resumed = Range { after: Some(after), ..Range::default() }.settled(last.0 + export::SETTLED + 1);
    let (late, _) = exported(&app, resumed).await;
    assert_eq!(late.into_iter().flatten().collect::<Vec<_>>(), all[all.len() - 1..].to_vec());
}

#[tokio::test]
async fn a_statement_that_would_break_a_limit_is_cut_or_set_aside_and_the_export_goes_on() {
    let app = spawn().await;
    seed(&app.app.shared, SeedPlan { scale: 0.05, seed: 7, append: false, progress: false }).await.expect("seed");
    let rows = entity::statement_of_reasons::Entity::find().all(&app.app.db).await.expect("rows");
    let (first, second) = (rows[0].id, rows[1].id);
    let db = &app.app.db;
    let backend = db.get_database_backend();
    // Facts of 6,000 characters (the API takes 5,000), and a listing dated 1999 (it takes 2000 on).
    let long = "x".repeat(6_000);
    db.execute_raw(Sql::from_sql_and_values(
        backend,
        if backend == sea_orm::DbBackend::Postgres {
            "UPDATE statement_of_reasons SET facts = $1 WHERE id = $2"
        } else {
            "UPDATE statement_of_reasons SET facts = ? WHERE id = ?"
        },
        [long.clone().into(), first.into()],
    ))
    .await
    .expect("update");
    let y1999 = chrono::NaiveDate::from_ymd_opt(1999, 6, 1).expect("day").and_hms_opt(0, 0, 0).expect("t");
    db.execute_raw(Sql::from_sql_and_values(
        backend,
        if backend == sea_orm::DbBackend::Postgres {
            "UPDATE statement_of_reasons SET content_date = $1 WHERE id = $2"
        } else {
            "UPDATE statement_of_reasons SET content_date = ? WHERE id = ?"
        },
        [y1999.and_utc().timestamp_micros().into(), second.into()],
    ))
    .await
    .expect("update");
    let (batches, summary) = exported(&app, Range::default()).await;
    let statements: Vec<Value> = batches.into_iter().flatten().collect();
    assert_eq!(summary.clipped, 1);
    assert_eq!(summary.set_aside.len(), 1);
    assert_eq!(summary.set_aside[0].0, format!("rightsgraph-sor-{second}"));
    assert!(summary.set_aside[0].1.contains("content_date 1999-06-01"), "{:?}", summary.set_aside);
    assert_eq!(statements.len(), rows.len() - 1, "the others are exported");
    let cut = statements.iter().find(|s| s["puid"] == format!("rightsgraph-sor-{first}")).expect("cut, not dropped");
    let facts = cut["decision_facts"].as_str().expect("facts");
    assert_eq!(facts.chars().count(), 5_000);
    assert!(facts.ends_with('…'));
    let schema = validator();
    assert!(statements.iter().all(|s| schema.is_valid(s)));
    // What the schema says of the statement as it was: refused.
    let mut raw = cut.clone();
    raw["decision_facts"] = json!(long);
    assert!(!schema.is_valid(&raw), "the schema knows the limit");
}

#[tokio::test]
async fn every_decision_the_exporter_writes_is_one_the_api_takes() {
    let schema = validator();
    let base = entity::statement_of_reasons::Model {
        id: 1,
        item_id: 1,
        notice_id: 1,
        brand_id: 1,
        seller_id: 1,
        listing_id: 1,
        procedure: crate::harness::state("REVIEW"),
        content_removed: true,
        account_decision: None,
        automated_decision: crate::harness::state("NOT_AUTOMATED"),
        keyword: crate::harness::state("TRADEMARK_INFRINGEMENT"),
        legal_ground: "Infringement of the registered trademark".into(),
        explanation: "Removed.".into(),
        facts: "Notified.".into(),
        content_date: 1_600_000_000_000_000,
        application_date: 1_700_000_000_000_000,
        territorial_scope: rightsgraph::config::EU_MEMBERS.into(),
        counter_notice_until: None,
        appeal_until: None,
    };
    for automated in ["FULLY", "PARTIALLY", "NOT_AUTOMATED"] {
        for account in [None, Some("SUSPENDED"), Some("TERMINATED")] {
            for keyword in
                ["TRADEMARK_INFRINGEMENT", "COPYRIGHT_INFRINGEMENT", "DESIGN_INFRINGEMENT", "PATENT_INFRINGEMENT"]
            {
                let row = entity::statement_of_reasons::Model {
                    automated_decision: crate::harness::state(automated),
                    account_decision: account.map(crate::harness::state),
                    keyword: crate::harness::state(keyword),
                    ..base.clone()
                };
                let (s, _) = export::to_api(&row).expect("row").expect("sendable");
                let errors: Vec<String> = schema.iter_errors(&s).map(|e| e.to_string()).collect();
                assert!(errors.is_empty(), "{automated} {account:?} {keyword}: {errors:?}");
            }
        }
    }
    // A country outside the EEA is set aside, not sent.
    let row = entity::statement_of_reasons::Model { territorial_scope: "DE,CH".into(), ..base };
    assert!(export::to_api(&row).expect("row").is_err_and(|reason| reason.contains("CH")));
}
