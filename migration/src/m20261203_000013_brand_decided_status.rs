//! The rolling-window counts of a brand's decided items (trust tier and notifier standing, after
//! every decision; the brand statistics) read the status of each item in the window: with the
//! status in the index they are read from the index alone, not one table row per item.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(
            manager,
            &[
                "CREATE INDEX notice_item_brand_decided_status ON notice_item (brand_id, decided_at, status)",
                "DROP INDEX notice_item_brand_decided",
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(
            manager,
            &[
                "CREATE INDEX notice_item_brand_decided ON notice_item (brand_id, decided_at)",
                "DROP INDEX notice_item_brand_decided_status",
            ],
        )
        .await
    }
}
