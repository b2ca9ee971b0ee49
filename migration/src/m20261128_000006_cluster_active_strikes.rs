//! Each multi-seller component's active strikes, kept with it so that `offenderClusters` reads
//! the small `seller_cluster` table instead of every clustered seller.
//!
//! `active_strikes` is the sum of its members' kept counts (see seller_active_strikes) and
//! `strikes_recount_at` the earliest of their `strikes_recount_at`: the total is exact until then,
//! and a reader recounts a component past it from its members. A transaction that recounts sellers
//! recomputes their components before it commits; a merge recomputes the merged component.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(
            manager,
            &[
                "ALTER TABLE seller_cluster ADD COLUMN active_strikes BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE seller_cluster ADD COLUMN strikes_recount_at BIGINT",
                "UPDATE seller_cluster SET \
                 active_strikes = (SELECT COALESCE(SUM(s.active_strikes), 0) FROM seller s WHERE s.cluster_id = seller_cluster.id), \
                 strikes_recount_at = (SELECT MIN(s.strikes_recount_at) FROM seller s WHERE s.cluster_id = seller_cluster.id)",
                "CREATE INDEX seller_cluster_strikes ON seller_cluster (active_strikes, id)",
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(
            manager,
            &[
                "DROP INDEX seller_cluster_strikes",
                "ALTER TABLE seller_cluster DROP COLUMN strikes_recount_at",
                "ALTER TABLE seller_cluster DROP COLUMN active_strikes",
            ],
        )
        .await
    }
}
