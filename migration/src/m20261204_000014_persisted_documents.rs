//! Automatic persisted queries are shared by every replica (`src/http/persisted.rs`): a document
//! registered on one is read by the others on a miss. `used_at` orders the documents for the
//! table's bound (least recently used deleted first) and its time to live.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(
            manager,
            &[
                "CREATE TABLE persisted_document (
                    hash TEXT PRIMARY KEY,
                    document TEXT NOT NULL,
                    registered_at BIGINT NOT NULL,
                    used_at BIGINT NOT NULL
                )",
                "CREATE INDEX persisted_document_used ON persisted_document (used_at)",
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(manager, &["DROP TABLE persisted_document"]).await
    }
}
