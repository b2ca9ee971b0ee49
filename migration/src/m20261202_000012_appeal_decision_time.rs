//! When the decision under appeal was taken, kept on the appeal: reversing a rejection moves the
//! item's `decided_at` to the removal, and the transparency report still counts the rejection in
//! its own period. Appeals filed before this migration take it from the history: the last
//! decision event of the item before the appeal.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(
            manager,
            &[
                "ALTER TABLE appeal ADD COLUMN decision_at BIGINT",
                "UPDATE appeal SET decision_at = (SELECT MAX(e.at) FROM notice_event e WHERE e.item_id = appeal.item_id \
                 AND e.kind IN ('ITEM_REMOVED', 'ITEM_REJECTED') AND e.at <= appeal.filed_at)",
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(manager, &["ALTER TABLE appeal DROP COLUMN decision_at"]).await
    }
}
