//! A case-folded copy of each listing's title, so that `titleContains` is case-insensitive
//! beyond ASCII on both backends (SQLite's `LOWER` folds only ASCII, and PostgreSQL's depends on
//! the database's locale). The application writes it with Unicode lowercasing; rows from before
//! this migration get `LOWER(title)`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("ALTER TABLE listing ADD COLUMN title_search TEXT").await?;
        db.execute_unprepared("UPDATE listing SET title_search = LOWER(title)").await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("ALTER TABLE listing DROP COLUMN title_search").await.map(|_| ())
    }
}
