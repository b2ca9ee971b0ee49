//! The repeat offenders and the offender clusters read in the order they are listed (issue 30):
//! each list's first page is an index range read that stops after its page, not a read and a
//! sort of every seller or component that qualifies, which grew with the registry (at scale 100,
//! 3,900 sellers sorted for a page of 100). The kept counts are listed most first, ties by id
//! ascending; an index on `(active_strikes, id)` read backwards gives ties by id descending, so
//! the keys take the list's own directions. A component whose kept total is stale is found by
//! when it fell stale, as a seller is (`seller_strikes_recount`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(
            manager,
            &[
                "CREATE INDEX seller_strikes_order ON seller (active_strikes DESC, id)",
                "DROP INDEX seller_active_strikes",
                "CREATE INDEX seller_cluster_order ON seller_cluster (active_strikes DESC, size DESC, id)",
                "DROP INDEX seller_cluster_strikes",
                "CREATE INDEX seller_cluster_recount ON seller_cluster (strikes_recount_at)",
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(
            manager,
            &[
                "DROP INDEX seller_cluster_recount",
                "CREATE INDEX seller_cluster_strikes ON seller_cluster (active_strikes, id)",
                "DROP INDEX seller_cluster_order",
                "CREATE INDEX seller_active_strikes ON seller (active_strikes, id)",
                "DROP INDEX seller_strikes_order",
            ],
        )
        .await
    }
}
