//! sea-orm migrations of the rightsgraph registry, one file per change. Never edit an applied one.

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_registry;
mod m20261128_000002_pending_item_once;
mod m20261128_000003_seller_clusters;
mod m20261128_000004_listing_title_search;
mod m20261128_000005_seller_active_strikes;
mod m20261128_000006_cluster_active_strikes;
mod m20261202_000007_information_channel;
mod m20261202_000008_listing_address;
mod m20261202_000009_appeals;
mod m20261202_000010_notifier_standing;
mod m20261202_000011_statements_of_reasons;
mod m20261202_000012_appeal_decision_time;
mod m20261203_000013_brand_decided_status;
mod m20261204_000014_persisted_documents;
mod m20261204_000015_cost_budget;
mod m20261207_000016_dashboard_covering;
mod m20261207_000017_offenders_in_order;
mod m20261207_000018_members_covering;

/// Splits a migration's SQL text into statements, with `{pk}` as the backend's 64-bit
/// auto-increment primary key (SQLite: `INTEGER PRIMARY KEY`, the rowid alias).
pub(crate) fn statements(sql: &str, backend: sea_orm_migration::sea_orm::DbBackend) -> Vec<String> {
    let pk = if backend == sea_orm_migration::sea_orm::DbBackend::Postgres {
        "BIGSERIAL PRIMARY KEY"
    } else {
        "INTEGER PRIMARY KEY"
    };
    sql.replace("{pk}", pk).split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// Runs `statements` in order on the migration's connection.
pub(crate) async fn run_all<S: AsRef<str>>(manager: &SchemaManager<'_>, statements: &[S]) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::ConnectionTrait;
    let db = manager.get_connection();
    for statement in statements {
        db.execute_unprepared(statement.as_ref()).await?;
    }
    Ok(())
}

/// Every migration, in the order it is applied.
pub struct Migrator;

/// What `Migrator::apply` did, said in one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// How many migrations were pending and are now applied.
    pub count: usize,
    /// The newest migration, which the database is now at (none when there are no migrations).
    pub latest: Option<String>,
}

impl std::fmt::Display for Applied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = self.latest.as_deref().unwrap_or("no migration");
        match self.count {
            0 => write!(f, "database schema is up to date (at {at})"),
            1 => write!(f, "applied 1 migration (database now at {at})"),
            n => write!(f, "applied {n} migrations (database now at {at})"),
        }
    }
}

impl Migrator {
    /// Applies every pending migration and says what was applied. sea-orm-migration logs each
    /// migration on lines of its own; a person starting the service wants one line.
    pub async fn apply(db: &sea_orm_migration::sea_orm::DatabaseConnection) -> Result<Applied, DbErr> {
        let pending = Self::get_pending_migrations(db).await?;
        Self::up(db, None).await?;
        // sea-orm-migration refuses a database that has a migration this build does not know, so the
        // newest migration of this build is the one the database is at.
        let latest = Self::migrations().last().map(|m| m.name().to_owned());
        Ok(Applied { count: pending.len(), latest })
    }
}

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_registry::Migration),
            Box::new(m20261128_000002_pending_item_once::Migration),
            Box::new(m20261128_000003_seller_clusters::Migration),
            Box::new(m20261128_000004_listing_title_search::Migration),
            Box::new(m20261128_000005_seller_active_strikes::Migration),
            Box::new(m20261128_000006_cluster_active_strikes::Migration),
            Box::new(m20261202_000007_information_channel::Migration),
            Box::new(m20261202_000008_listing_address::Migration),
            Box::new(m20261202_000009_appeals::Migration),
            Box::new(m20261202_000010_notifier_standing::Migration),
            Box::new(m20261202_000011_statements_of_reasons::Migration),
            Box::new(m20261202_000012_appeal_decision_time::Migration),
            Box::new(m20261203_000013_brand_decided_status::Migration),
            Box::new(m20261204_000014_persisted_documents::Migration),
            Box::new(m20261204_000015_cost_budget::Migration),
            Box::new(m20261207_000016_dashboard_covering::Migration),
            Box::new(m20261207_000017_offenders_in_order::Migration),
            Box::new(m20261207_000018_members_covering::Migration),
        ]
    }
}
