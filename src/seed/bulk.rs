//! The statements the seed writes itself, for the registry's shape: rows with ids chosen here
//! (so component labels can be computed before they are written), in multi-row inserts far
//! faster than one service call a row, and the sequences moved past them afterwards.

use sea_orm::{ConnectionTrait, DbBackend, TransactionTrait, Value};

use super::Bar;
use crate::sql::Sql;

/// The id the next row of `table` will get.
pub(super) async fn next_id(db: &impl ConnectionTrait, table: &str) -> Result<i64, String> {
    let row = db
        .query_one_raw(
            Sql::new(format!("SELECT COALESCE(MAX(id), 0) + 1 AS n FROM {table}"), vec![])
                .build(db.get_database_backend()),
        )
        .await
        .map_err(|e| e.to_string())?;
    row.map(|r| r.try_get::<i64>("", "n")).transpose().map_err(|e| e.to_string()).map(|n| n.unwrap_or(1))
}

/// After rows with explicit ids, PostgreSQL's sequence must move past them.
pub(super) async fn bump_sequence(db: &impl ConnectionTrait, table: &str) -> Result<(), String> {
    if db.get_database_backend() == DbBackend::Postgres {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
        );
        db.execute_unprepared(&sql).await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Inserts `rows` into `table` in multi-row statements, a few thousand rows a transaction.
pub(super) async fn bulk(
    db: &sea_orm::DatabaseConnection,
    table: &str,
    columns: &str,
    rows: Vec<Vec<Value>>,
    bar: &Bar,
) -> Result<(), String> {
    let width = columns.split(',').count();
    // Both backends bind at least 32,766 parameters a statement.
    let per_statement = (30_000 / width).min(2000);
    let backend = db.get_database_backend();
    for chunk in rows.chunks(per_statement * 5) {
        let txn = db.begin().await.map_err(|e| e.to_string())?;
        for statement in chunk.chunks(per_statement) {
            let marks = format!("({})", vec!["?"; width].join(", "));
            let text =
                format!("INSERT INTO {table} ({columns}) VALUES {}", vec![marks.as_str(); statement.len()].join(", "));
            let sql = Sql::new(text, statement.iter().flatten().cloned().collect());
            txn.execute_raw(sql.build(backend)).await.map_err(|e| format!("{table}: {e}"))?;
            bar.inc(statement.len() as u64);
        }
        txn.commit().await.map_err(|e| e.to_string())?;
    }
    Ok(())
}
