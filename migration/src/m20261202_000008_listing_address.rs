//! A listing's marketplace address, normalized (`listing.url_key`), unique: two listings cannot
//! hold one address, and a notice or a search can name a listing by any spelling of it. The
//! normalization is the service's (`values::listing_address`), so rows from before this migration
//! are filled by the service at start; a row whose address another row already holds keeps a null
//! key (it is found by id only, and reported in the log).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(
            manager,
            &[
                "ALTER TABLE listing ADD COLUMN url_key TEXT",
                "CREATE UNIQUE INDEX listing_url_key ON listing (url_key)",
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(manager, &["DROP INDEX listing_url_key", "ALTER TABLE listing DROP COLUMN url_key"]).await
    }
}
