//! Each seller's active strikes, kept with the seller so that `repeatOffenders` reads an index
//! instead of counting every active strike in the registry.
//!
//! `active_strikes` is the number of strikes neither voided nor expired at the moment they were
//! last counted, and `strikes_recount_at` the earliest expiry among them (null when there are
//! none): until that moment the count is exact. Issuing or voiding a strike recounts its seller
//! in the same transaction. A row whose `strikes_recount_at` has passed is recounted by the query
//! that reads it (so expiry needs no job to be right) and by the server's periodic sweep (so such
//! rows stay few).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|e| DbErr::Custom(format!("the clock is before 1970: {e}")))?
            .as_micros();
        let active = format!("k.seller_id = seller.id AND k.voided = FALSE AND k.expires_at > {now}");
        crate::run_all(
            manager,
            &[
                "ALTER TABLE seller ADD COLUMN active_strikes BIGINT NOT NULL DEFAULT 0".to_owned(),
                "ALTER TABLE seller ADD COLUMN strikes_recount_at BIGINT".to_owned(),
                format!(
                    "UPDATE seller SET active_strikes = (SELECT COUNT(*) FROM strike k WHERE {active}), \
                     strikes_recount_at = (SELECT MIN(k.expires_at) FROM strike k WHERE {active}) \
                     WHERE id IN (SELECT seller_id FROM strike)"
                ),
                "CREATE INDEX seller_active_strikes ON seller (active_strikes, id)".to_owned(),
                "CREATE INDEX seller_strikes_recount ON seller (strikes_recount_at)".to_owned(),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(
            manager,
            &[
                "DROP INDEX seller_strikes_recount",
                "DROP INDEX seller_active_strikes",
                "ALTER TABLE seller DROP COLUMN strikes_recount_at",
                "ALTER TABLE seller DROP COLUMN active_strikes",
            ],
        )
        .await
    }
}
