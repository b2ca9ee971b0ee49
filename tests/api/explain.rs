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
    // The ranked lists can be read in their order from the index that holds it, as far as the
    // page goes, not sorted whole (their cost would grow with the registry): with sorts disabled
    // too, a sort of their rows in a plan means no index can serve the order.
    let queries = [
        (include_str!("../../bench/queries/dashboard.graphql"), json!({ "brand": gid(Kind::Brand, brand) }), None),
        (include_str!("../../bench/queries/repeat_offenders.graphql"), json!({}), Some("seller_strikes_order")),
        (include_str!("../../bench/queries/network.graphql"), json!({ "seller": gid(Kind::Seller, seller) }), None),
        (include_str!("../../bench/queries/clusters.graphql"), json!({}), Some("seller_cluster_order")),
    ];
    for (query, variables, ordered_by) in queries {
        app.app.statements.record();
        app.data(&admin, query, variables).await;
        let statements = app.app.statements.take();
        assert!(!statements.is_empty());
        // One statement per level, also on a registry of real shape.
        assert!(statements.len() <= 8, "{} statements for {query}", statements.len());
        let mut plans = Vec::new();
        for statement in statements {
            let plan = explain(db, &statement, false).await;
            if ordered_by.is_some() {
                plans.push(explain(db, &statement, true).await);
            }
            assert!(plan.contains("Scan"), "a plan reads something: {plan}");
            for table in LARGE {
                assert!(
                    !plan.contains(&format!("Seq Scan on {table} ")),
                    "sequential scan of {table} in\n{}\n{plan}",
                    statement.sql
                );
            }
        }
        if let Some(index) = ordered_by {
            let ordered = plans.iter().any(|plan| read_in_order(plan, index));
            assert!(ordered, "the first page of {query} is not read in the order of {index}:\n{}", plans.join("\n\n"));
        }
    }
}

/// Whether `plan` reads `index` in order: an index scan of it with no sort above it.
fn read_in_order(plan: &str, index: &str) -> bool {
    let lines: Vec<&str> = plan.lines().collect();
    let depth = |line: &str| line.len() - line.trim_start().len();
    lines.iter().enumerate().any(|(at, line)| {
        if !line.contains(&format!("Index Scan using {index} "))
            && !line.contains(&format!("Index Only Scan using {index} "))
        {
            return false;
        }
        // Its ancestors: each line above it that is less indented than the last one found.
        let mut level = depth(line);
        lines[..at].iter().rev().all(|above| {
            if depth(above) >= level || !above.contains("(cost=") {
                return true;
            }
            level = depth(above);
            !above.trim_start().trim_start_matches("->").trim_start().contains("Sort  (")
        })
    })
}

/// The plan of `statement` with sequential scans disabled, and sorts too when `no_sort`.
async fn explain(db: &sea_orm::DatabaseConnection, statement: &Statement, no_sort: bool) -> String {
    let txn = db.begin().await.expect("begin");
    txn.execute_unprepared("SET LOCAL enable_seqscan = off").await.expect("set");
    if no_sort {
        txn.execute_unprepared("SET LOCAL enable_sort = off").await.expect("set");
    }
    let explained = Statement {
        sql: format!("EXPLAIN {}", statement.sql),
        values: statement.values.clone(),
        db_backend: DbBackend::Postgres,
    };
    let rows = txn.query_all_raw(explained).await.expect("explain");
    txn.rollback().await.expect("rollback");
    rows.iter().filter_map(|r| r.try_get_by_index::<String>(0).ok()).collect::<Vec<_>>().join("\n")
}

#[test]
fn an_index_read_under_a_sort_is_not_read_in_order() {
    let sorted = "Limit  (cost=1..2 rows=1 width=1)\n  ->  Sort  (cost=1..2 rows=9 width=1)\n        Sort Key: s.active_strikes DESC, s.id\n        ->  Index Scan using seller_strikes_order on seller s  (cost=0.1..1 rows=9 width=1)";
    let ordered = "Limit  (cost=1..2 rows=1 width=1)\n  ->  Merge Append  (cost=1..2 rows=9 width=1)\n        Sort Key: p0.rg_strikes DESC, p0.id\n        ->  Limit  (cost=1..2 rows=1 width=1)\n              ->  Index Scan using seller_strikes_order on seller s  (cost=0.1..1 rows=9 width=1)\n        ->  Sort  (cost=1..2 rows=1 width=1)\n              ->  Index Scan using seller_strikes_recount on seller s_1  (cost=0.1..1 rows=1 width=1)";
    assert!(!read_in_order(sorted, "seller_strikes_order"));
    assert!(read_in_order(ordered, "seller_strikes_order"));
    assert!(!read_in_order(ordered, "seller_cluster_order"), "an index the plan does not read");
}

/// The server's connections plan each prepared statement once (`db::PLAN_CACHE_MODE`): PostgreSQL
/// would otherwise plan most of them again at every execution, which cost more than running them.
#[tokio::test]
async fn the_servers_postgresql_connections_plan_each_statement_once() {
    let app = spawn().await;
    let db = &app.app.db;
    if db.get_database_backend() != DbBackend::Postgres {
        println!("plan caching is PostgreSQL's");
        return;
    }
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::Postgres, "SHOW plan_cache_mode"))
        .await
        .expect("show")
        .expect("a row");
    assert_eq!(row.try_get_by_index::<String>(0).expect("mode"), "force_generic_plan");
}

/// On SQLite every connection of the server reads the file through memory-mapped I/O, so a large
/// registry's pages come from the operating system's cache rather than each connection's 2 MB
/// page cache (issue 30: repeat offenders at scale 100, 102 to 241 requests per second).
#[tokio::test]
async fn the_servers_sqlite_connections_read_the_file_through_memory_mapped_io() {
    let app = spawn().await;
    let db = &app.app.db;
    if db.get_database_backend() != DbBackend::Sqlite {
        println!("mmap_size is SQLite's");
        return;
    }
    // Every connection of the pool, not only the first: each is opened with the setting.
    let pool = db.get_sqlite_connection_pool();
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(pool.acquire().await.expect("a connection"));
    }
    for conn in &mut held {
        let size: i64 =
            sea_orm::sqlx::query_scalar("PRAGMA mmap_size").fetch_one(&mut **conn).await.expect("mmap_size");
        assert_eq!(size as u64, rightsgraph::db::SQLITE_MMAP_BYTES);
    }
}
