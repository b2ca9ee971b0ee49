//! A brand's standing as a notifier (DSA Article 23): `ACTIVE`, `WARNED` (since `warned_at`) or
//! `SUSPENDED` (until `suspended_until`), set after each decision on its items from the share of
//! them found unfounded.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(
            manager,
            &[
                "ALTER TABLE brand ADD COLUMN submission_status TEXT NOT NULL DEFAULT 'ACTIVE'",
                "ALTER TABLE brand ADD COLUMN warned_at BIGINT",
                "ALTER TABLE brand ADD COLUMN suspended_until BIGINT",
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(
            manager,
            &[
                "ALTER TABLE brand DROP COLUMN suspended_until",
                "ALTER TABLE brand DROP COLUMN warned_at",
                "ALTER TABLE brand DROP COLUMN submission_status",
            ],
        )
        .await
    }
}
