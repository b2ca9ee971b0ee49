//! The temporary SQLite file an empty database is seeded by way of: the whole seed runs there
//! with the same rules, then `copy` moves its rows into the target (why: `copy.rs`).

use sea_orm::{ConnectionTrait, DbBackend};

use super::{Bar, SeedPlan, copy, generate};
use crate::graph::Shared;
use crate::sql::Sql;

/// Builds the registry in a temporary SQLite file with the same rules, then copies it into the
/// empty database behind `shared` (PostgreSQL or SQLite).
pub(super) async fn by_way_of_sqlite(shared: &Shared, plan: SeedPlan) -> Result<String, String> {
    let file = Staging::new()?;
    let lite =
        file.connect().await.map_err(|e| format!("cannot open a staging database in {}: {e}", file.0.display()))?;
    <migration::Migrator as migration::MigratorTrait>::up(&lite, None)
        .await
        .map_err(|e| format!("cannot migrate the staging database: {e}"))?;
    let staging = Shared {
        db: lite,
        rules: shared.rules.clone(),
        events: crate::work::EventBus::local(16, crate::metrics::Metrics::default()),
        deadlines: Default::default(),
    };
    let summary = generate(&staging, plan).await?;
    let started = std::time::Instant::now();
    if shared.db.get_database_backend() == DbBackend::Sqlite {
        staging.db.close().await.map_err(|e| e.to_string())?;
        let bar = Bar::new(plan.progress);
        let copied = copy::into_sqlite(
            &file.0,
            &shared.db,
            |tables| bar.phase("copying into SQLite", tables),
            |table| bar.step(&format!("copied {table}")),
        )
        .await;
        bar.finish();
        let copied = copied?;
        return Ok(format!(
            "{summary}; built in a staging file, then {copied} rows copied in {:.1?}",
            started.elapsed()
        ));
    }
    let tables = copy::tables(shared.db.get_postgres_connection_pool()).await?;
    let bar = Bar::new(plan.progress);
    let mut total = 0;
    for table in &tables {
        let count = staging
            .db
            .query_one_raw(
                Sql::new(format!("SELECT COUNT(*) AS n FROM \"{}\"", table.name), vec![]).build(DbBackend::Sqlite),
            )
            .await
            .map_err(|e| e.to_string())?
            .map(|r| r.try_get::<i64>("", "n"))
            .transpose()
            .map_err(|e| e.to_string())?
            .unwrap_or(0);
        total += count as u64;
    }
    bar.phase("copying into PostgreSQL", total);
    let copied = copy::rows(&staging.db, &shared.db, &tables, |n| bar.inc(n)).await?;
    bar.finish();
    staging.db.close().await.map_err(|e| e.to_string())?;
    Ok(format!("{summary}; built in SQLite, then {copied} rows copied into PostgreSQL in {:.1?}", started.elapsed()))
}

/// A temporary SQLite file, removed when dropped (its journal is kept in memory).
struct Staging(std::path::PathBuf);

impl Staging {
    fn new() -> Result<Self, String> {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let path = std::env::temp_dir().join(format!("rightsgraph-seed-{}-{nanos}.db", std::process::id()));
        if path.to_str().is_none() {
            return Err(format!("the temporary directory {} is not valid UTF-8", path.display()));
        }
        Ok(Self(path))
    }

    /// A pool of one connection on the file: SQLite drops a connection's page cache whenever
    /// another connection has written, so one connection reads less of the file again (the
    /// pinning in `keep_to_one_cpu` is what made the build fast; this only saves the reads).
    /// Nothing is synced to disk: the file is thrown away after the copy.
    ///
    /// The page cache keeps SQLite's default size (2 MB): the operating system caches the file
    /// anyway, and a large cache cost more than it saved (in `perf`, commits spent their time
    /// walking it, in `pcache1TruncateUnsafe`). `seed --scale 30` built in 109 s with a 1 GiB
    /// cache, 83 s with 32 MiB and 74 s with the default.
    async fn connect(&self) -> Result<sea_orm::DatabaseConnection, sea_orm::DbErr> {
        use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
        let mut options = sea_orm::ConnectOptions::new(format!("sqlite://{}?mode=rwc", self.0.display()));
        options.sqlx_logging(false).max_connections(1).min_connections(1).map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Memory).synchronous(SqliteSynchronous::Off).foreign_keys(true)
        });
        sea_orm::Database::connect(options).await
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
