//! Each token's cost budget is counted in each replica's memory and reconciled through this
//! table (`src/budget/`): once per `--cost-budget-sync` a replica adds what its tokens spent
//! since the last time to their row of the current window and reads the total back. Rows of
//! windows that are over are deleted by the replicas as a new window begins.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(
            manager,
            &["CREATE TABLE cost_budget_spend (
                subject TEXT NOT NULL,
                window_start BIGINT NOT NULL,
                spent BIGINT NOT NULL,
                PRIMARY KEY (subject, window_start)
            )"],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(manager, &["DROP TABLE cost_budget_spend"]).await
    }
}
