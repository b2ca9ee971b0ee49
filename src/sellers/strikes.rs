//! Active strike counts kept on the seller rows and on the components of the link graph (see the
//! seller_active_strikes and cluster_active_strikes migrations for what the columns mean and why
//! they stay exact).

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Value};

use crate::error::AppResult;
use crate::sql::Sql;

/// Most sellers one sweep transaction recounts.
const SWEEP_BATCH: usize = 1_000;

/// The active strikes of the seller row `s` at `?` (now), recounted where its kept count is stale;
/// binds [`member_values`].
pub const MEMBER_STRIKES: &str = "CASE WHEN s.strikes_recount_at <= ? THEN (SELECT COUNT(*) FROM strike k \
     WHERE k.seller_id = s.id AND k.voided = ? AND k.expires_at > ?) ELSE s.active_strikes END";

/// The values of [`MEMBER_STRIKES`] at `now`.
pub fn member_values(now: i64) -> [Value; 3] {
    [Value::from(now), Value::from(false), Value::from(now)]
}

/// Recounts the active strikes of `sellers` as of `now`, on their rows only. A transaction that
/// does this must also call [`recount_clusters_of`] for them before it commits (`Work` does).
pub async fn recount(db: &impl ConnectionTrait, sellers: &[i64], now: i64) -> AppResult<()> {
    let (mut sql, counts) = recount_sql(now);
    sql.text = format!("UPDATE seller AS s SET {counts} WHERE s.id IN ");
    sql.push_in(sellers);
    db.execute_raw(sql.build(db.get_database_backend())).await?;
    Ok(())
}

/// Recounts `sellers` and their components: for whatever writes strikes outside the workflow.
pub async fn recount_all(db: &impl ConnectionTrait, sellers: &[i64], now: i64) -> AppResult<()> {
    recount(db, sellers, now).await?;
    recount_clusters_of(db, sellers).await
}

/// Recomputes the kept totals of the components `sellers` belong to, from their members' rows.
pub async fn recount_clusters_of(db: &impl ConnectionTrait, sellers: &[i64]) -> AppResult<()> {
    let mut sql =
        Sql::new("SELECT DISTINCT cluster_id AS id FROM seller WHERE cluster_id IS NOT NULL AND id IN ", vec![]);
    sql.push_in(sellers);
    let rows = db.query_all_raw(sql.build(db.get_database_backend())).await?;
    let clusters = rows.iter().map(|r| r.try_get::<i64>("", "id")).collect::<Result<Vec<_>, _>>()?;
    recount_clusters(db, &clusters).await
}

/// Recomputes the kept totals of `clusters` from their members' rows. On PostgreSQL the
/// components are locked first, in id order (so two transactions cannot deadlock over them), and
/// the totals are then read by a statement of their own: it sees the member counts committed by
/// whoever held a lock until then, so the last writer leaves the total right.
pub async fn recount_clusters(db: &impl ConnectionTrait, clusters: &[i64]) -> AppResult<()> {
    if clusters.is_empty() {
        return Ok(());
    }
    let backend = db.get_database_backend();
    if backend == DbBackend::Postgres {
        let mut lock = Sql::new("SELECT id FROM seller_cluster WHERE id IN ", vec![]);
        lock.push_in(clusters);
        lock.push(" ORDER BY id FOR UPDATE", []);
        db.query_all_raw(lock.build(backend)).await?;
    }
    let mut sql = Sql::new(
        "UPDATE seller_cluster SET \
         active_strikes = (SELECT COALESCE(SUM(s.active_strikes), 0) FROM seller s WHERE s.cluster_id = seller_cluster.id), \
         strikes_recount_at = (SELECT MIN(s.strikes_recount_at) FROM seller s WHERE s.cluster_id = seller_cluster.id) \
         WHERE id IN ",
        vec![],
    );
    sql.push_in(clusters);
    db.execute_raw(sql.build(backend)).await?;
    Ok(())
}

/// The SET list of a seller recount as of `now`, and its values.
fn recount_sql(now: i64) -> (Sql, String) {
    let active = "k.seller_id = s.id AND k.voided = ? AND k.expires_at > ?";
    let counts = format!(
        "active_strikes = (SELECT COUNT(*) FROM strike k WHERE {active}), \
         strikes_recount_at = (SELECT MIN(k.expires_at) FROM strike k WHERE {active})"
    );
    let values = vec![Value::from(false), Value::from(now), Value::from(false), Value::from(now)];
    (Sql::new(String::new(), values), counts)
}

/// Recounts every seller whose count has gone stale (a counted strike expired) by `now`, and its
/// component; returns how many sellers. Optional for correctness (readers recount stale rows
/// themselves): it keeps them few, so reads stay on the kept counts.
pub async fn sweep(db: &DatabaseConnection, now: i64) -> AppResult<u64> {
    let mut swept = 0;
    loop {
        // On SQLite the write lock at once: the select and the updates then see one state.
        let txn = crate::db::begin_write(db).await?;
        let backend = txn.get_database_backend();
        // On PostgreSQL, sellers a workflow holds locked are skipped, and recounted by it.
        let lock = if backend == DbBackend::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
        let select = Sql::new(
            format!("SELECT id FROM seller WHERE strikes_recount_at <= ? ORDER BY id LIMIT ?{lock}"),
            vec![Value::from(now), Value::from(SWEEP_BATCH as i64)],
        );
        let rows = txn.query_all_raw(select.build(backend)).await?;
        let ids = rows.iter().map(|r| r.try_get::<i64>("", "id")).collect::<Result<Vec<_>, _>>()?;
        if !ids.is_empty() {
            // Statements of their own, after the locks: they read the strikes committed by any
            // workflow that held these rows until now.
            recount_all(&txn, &ids, now).await?;
        }
        txn.commit().await?;
        swept += ids.len() as u64;
        if ids.len() < SWEEP_BATCH {
            return Ok(swept);
        }
    }
}
