//! No analytic or dashboard query reads a large table sequentially (CONTRACT.md section 5 and the
//! benchmarks' targets rest on it). On PostgreSQL, a seeded registry is asked the benchmark
//! queries; every statement they run is explained with sequential scans disabled, so a `Seq Scan`
//! in a plan means no index can serve it.

use rightsgraph::auth::Role;
use rightsgraph::ids::Kind;
use rightsgraph::seed::{SeedPlan, seed};
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
use serde_json::json;

use crate::harness::{gid, spawn, token};

const LARGE: [&str; 7] = ["seller", "listing", "notice", "notice_item", "strike", "seller_identifier", "notice_event"];

#[tokio::test]
async fn analytic_queries_read_no_large_table_sequentially() {
    let app = spawn().await;
    if app.app.db.get_database_backend() != DbBackend::Postgres {
        println!("query plans are checked on PostgreSQL only");
        return;
    }
    let db = &app.app.db;
    seed(&app.app.shared, SeedPlan { scale: 0.3, seed: 3, append: false, progress: false }).await.expect("seed");
    db.execute_unprepared("ANALYZE").await.expect("analyze");
    let brand = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT brand_id FROM notice GROUP BY brand_id ORDER BY COUNT(*) DESC LIMIT 1",
        ))
        .await
        .expect("brand")
        .and_then(|r| r.try_get::<i64>("", "brand_id").ok())
        .expect("a brand with notices");
    let seller = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT MIN(id) AS id FROM seller WHERE cluster_id IN (SELECT id FROM seller_cluster)",
        ))
        .await
        .expect("seller")
        .and_then(|r| r.try_get::<i64>("", "id").ok())
        .expect("a seller in a ring");
    let admin = token(Role::Admin, None, None);
    let queries = [
        (include_str!("../../bench/queries/dashboard.graphql"), json!({ "brand": gid(Kind::Brand, brand) })),
        (include_str!("../../bench/queries/repeat_offenders.graphql"), json!({})),
        (include_str!("../../bench/queries/network.graphql"), json!({ "seller": gid(Kind::Seller, seller) })),
        (include_str!("../../bench/queries/clusters.graphql"), json!({})),
    ];
    for (query, variables) in queries {
        app.app.statements.record();
        app.data(&admin, query, variables).await;
        let statements = app.app.statements.take();
        assert!(!statements.is_empty());
        // One statement per level, also on a registry of real shape.
        assert!(statements.len() <= 8, "{} statements for {query}", statements.len());
        for statement in statements {
            let plan = explain(db, &statement).await;
            assert!(plan.contains("Scan"), "a plan reads something: {plan}");
            for table in LARGE {
                assert!(
                    !plan.contains(&format!("Seq Scan on {table} ")),
                    "sequential scan of {table} in\n{}\n{plan}",
                    statement.sql
                );
            }
        }
    }
}

/// The plan of `statement` with sequential scans disabled.
async fn explain(db: &sea_orm::DatabaseConnection, statement: &Statement) -> String {
    let txn = db.begin().await.expect("begin");
    txn.execute_unprepared("SET LOCAL enable_seqscan = off").await.expect("set");
    let explained = Statement {
        sql: format!("EXPLAIN {}", statement.sql),
        values: statement.values.clone(),
        db_backend: DbBackend::Postgres,
    };
    let rows = txn.query_all_raw(explained).await.expect("explain");
    txn.rollback().await.expect("rollback");
    rows.iter().filter_map(|r| r.try_get_by_index::<String>(0).ok()).collect::<Vec<_>>().join("\n")
}
