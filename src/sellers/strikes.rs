//! Each seller's count of active strikes, kept on the seller row (see the seller_active_strikes
//! migration for what the two columns mean and why they stay exact).

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, TransactionTrait, Value};

use crate::error::AppResult;
use crate::sql::Sql;

/// Most sellers one sweep transaction recounts.
const SWEEP_BATCH: usize = 1_000;

/// Recounts the active strikes of `sellers` as of `now`. Run it in the transaction that issues or
/// voids their strikes, or after writing strikes any other way.
pub async fn recount(db: &impl ConnectionTrait, sellers: &[i64], now: i64) -> AppResult<()> {
    let (mut sql, counts) = recount_sql(now);
    sql.text = format!("UPDATE seller AS s SET {counts} WHERE s.id IN ");
    sql.push_in(sellers);
    db.execute_raw(sql.build(db.get_database_backend())).await?;
    Ok(())
}

/// The SET list of a recount as of `now`, and its values.
fn recount_sql(now: i64) -> (Sql, String) {
    let active = "k.seller_id = s.id AND k.voided = ? AND k.expires_at > ?";
    let counts = format!(
        "active_strikes = (SELECT COUNT(*) FROM strike k WHERE {active}), \
         strikes_recount_at = (SELECT MIN(k.expires_at) FROM strike k WHERE {active})"
    );
    let values = vec![Value::from(false), Value::from(now), Value::from(false), Value::from(now)];
    (Sql::new(String::new(), values), counts)
}

/// Recounts every seller whose count has gone stale (a counted strike expired) by `now`; returns
/// how many. Optional for correctness (readers recount stale rows themselves): it keeps them few,
/// so reads stay index-only.
pub async fn sweep(db: &DatabaseConnection, now: i64) -> AppResult<u64> {
    let (stale, counts) = recount_sql(now);
    if db.get_database_backend() != DbBackend::Postgres {
        // One statement: SQLite runs it under the write lock, after every committed workflow.
        let mut sql =
            Sql::new(format!("UPDATE seller AS s SET {counts} WHERE s.strikes_recount_at <= ?"), stale.values);
        sql.values.push(Value::from(now));
        return Ok(db.execute_raw(sql.build(DbBackend::Sqlite)).await?.rows_affected());
    }
    let mut swept = 0;
    loop {
        let txn = db.begin().await?;
        // Sellers a workflow holds locked are skipped, and recounted by it.
        let select = Sql::new(
            "SELECT id FROM seller WHERE strikes_recount_at <= ? ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED",
            vec![Value::from(now), Value::from(SWEEP_BATCH as i64)],
        );
        let rows = txn.query_all_raw(select.build(DbBackend::Postgres)).await?;
        let ids = rows.iter().map(|r| r.try_get::<i64>("", "id")).collect::<Result<Vec<_>, _>>()?;
        if !ids.is_empty() {
            // A statement of its own, after the locks: it reads the strikes committed by any
            // workflow that held these rows until now.
            recount(&txn, &ids, now).await?;
        }
        txn.commit().await?;
        swept += ids.len() as u64;
        if ids.len() < SWEEP_BATCH {
            return Ok(swept);
        }
    }
}
