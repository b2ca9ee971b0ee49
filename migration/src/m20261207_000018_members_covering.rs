//! A seller's listings and a component's members read from the index that finds them, on
//! PostgreSQL (issue 30): the repeat offenders' listings (their titles) and the offender
//! clusters' members (their handles) were each a heap fetch per row, 1,004 buffers for the
//! listings of 100 repeat offenders and 262 for the members of 20 clusters. Held in the index,
//! `bench/run`'s dashboard-free queries at scale 10 took less of the database's CPU per request:
//! clusters 0.71 to 0.59 ms, repeat offenders 1.41–1.57 to 1.27 ms. The keys are today's, so
//! nothing else plans differently. SQLite has no `INCLUDE`; its indexes stay as they are.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        crate::run_all(
            manager,
            &[
                "CREATE INDEX listing_seller_covering ON listing (seller_id, id) INCLUDE (title)",
                "DROP INDEX listing_seller",
                "ALTER INDEX listing_seller_covering RENAME TO listing_seller",
                "CREATE INDEX seller_cluster_member_covering ON seller (cluster_id, id) INCLUDE (handle)",
                "DROP INDEX seller_cluster_member",
                "ALTER INDEX seller_cluster_member_covering RENAME TO seller_cluster_member",
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        crate::run_all(
            manager,
            &[
                "DROP INDEX seller_cluster_member",
                "CREATE INDEX seller_cluster_member ON seller (cluster_id, id)",
                "DROP INDEX listing_seller",
                "CREATE INDEX listing_seller ON listing (seller_id, id)",
            ],
        )
        .await
    }
}
