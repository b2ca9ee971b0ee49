//! Connected components of the seller link graph, kept up to date as identifiers are added
//! (union-find with the smallest seller id as each component's label), so that
//! `offenderClusters` never walks the whole graph.
//!
//! `seller.cluster_id` is the label of the seller's component (its own id while alone);
//! `seller_cluster` lists the components of two or more sellers with their size.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(
            manager,
            &[
                "ALTER TABLE seller ADD COLUMN cluster_id BIGINT",
                "UPDATE seller SET cluster_id = id",
                "CREATE INDEX seller_cluster_member ON seller (cluster_id, id)",
                "CREATE TABLE seller_cluster (id BIGINT NOT NULL PRIMARY KEY, size BIGINT NOT NULL)",
                "CREATE INDEX seller_cluster_size ON seller_cluster (size, id)",
                "CREATE INDEX strike_active ON strike (voided, expires_at, seller_id)",
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(
            manager,
            &[
                "DROP INDEX strike_active",
                "DROP TABLE seller_cluster",
                "DROP INDEX seller_cluster_member",
                "ALTER TABLE seller DROP COLUMN cluster_id",
            ],
        )
        .await
    }
}
