//! The sweep of stale strike counts: the counts kept on the seller rows and on the components of
//! the link graph are kept exact by the store (`sql::kept`), and fall stale only as strikes
//! expire; the sweep recounts those rows in the background, so reads stay on the kept counts.

use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::error::AppResult;
pub use crate::sql::kept::recount_all;
use entity::seller;

/// Most sellers one sweep transaction recounts.
const SWEEP_BATCH: usize = 1_000;

/// Recounts every seller whose count has gone stale (a counted strike expired) by `now`, and its
/// component; returns how many sellers. Optional for correctness (readers recount stale rows
/// themselves): it keeps them few, so reads stay on the kept counts.
pub async fn sweep(db: &DatabaseConnection, now: i64) -> AppResult<u64> {
    let mut swept = 0;
    loop {
        // On SQLite the write lock at once: the select and the updates then see one state.
        let txn = crate::db::begin_write(db).await?;
        // On PostgreSQL, sellers a workflow holds locked are skipped, and recounted by it (SQLite
        // writes no lock clause).
        let ids: Vec<i64> = seller::Entity::find()
            .select_only()
            .column(seller::Column::Id)
            .filter(seller::Column::StrikesRecountAt.lte(now))
            .order_by_asc(seller::Column::Id)
            .limit(SWEEP_BATCH as u64)
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .into_tuple()
            .all(&txn)
            .await?;
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
