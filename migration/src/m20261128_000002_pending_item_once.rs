//! At most one `PENDING` item per brand and listing, enforced by the database so that two
//! notices submitted at once cannot both pass the check (CONTRACT.md section 4).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX notice_item_pending_once ON notice_item (brand_id, listing_id) WHERE status = 'PENDING'",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("DROP INDEX notice_item_pending_once").await.map(|_| ())
    }
}
