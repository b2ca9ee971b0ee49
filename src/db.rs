//! Connecting to the registry: SQLite (WAL, foreign keys on) or PostgreSQL, with a counter of the
//! SQL statements issued, which the tests and benchmarks read.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode, Statement,
    TransactionOptions, TransactionTrait,
};

use crate::error::AppResult;

pub mod lease;
mod reader;
pub mod standby;

pub use reader::{Pinned, Reader};

/// Counts every SQL statement the connection runs and how long each took (for `/metrics`), and
/// keeps them while asked to (for the test that checks their query plans).
#[derive(Debug, Clone)]
pub struct StatementCounter {
    count: prometheus_client::metrics::counter::Counter,
    seconds: prometheus_client::metrics::histogram::Histogram,
    recording: Arc<AtomicBool>,
    recorded: Arc<Mutex<Vec<Statement>>>,
}

impl Default for StatementCounter {
    fn default() -> Self {
        Self {
            count: Default::default(),
            seconds: crate::metrics::seconds(),
            recording: Default::default(),
            recorded: Default::default(),
        }
    }
}

impl StatementCounter {
    /// Statements run so far.
    pub fn get(&self) -> u64 {
        self.count.get()
    }

    /// The counter and the histogram of durations, for `/metrics`.
    pub fn metrics(
        &self,
    ) -> (prometheus_client::metrics::counter::Counter, prometheus_client::metrics::histogram::Histogram) {
        (self.count.clone(), self.seconds.clone())
    }

    /// Starts keeping a copy of every statement run.
    pub fn record(&self) {
        self.recording.store(true, Ordering::Relaxed);
    }

    /// Stops keeping statements and hands over those kept.
    pub fn take(&self) -> Vec<Statement> {
        self.recording.store(false, Ordering::Relaxed);
        self.recorded.lock().map(|mut kept| std::mem::take(&mut *kept)).unwrap_or_default()
    }

    fn saw(&self, statement: &Statement, took: Duration) {
        self.count.inc();
        self.seconds.observe(took.as_secs_f64());
        if self.recording.load(Ordering::Relaxed)
            && let Ok(mut kept) = self.recorded.lock()
        {
            kept.push(statement.clone());
        }
    }
}

/// How long a pooled connection may sit idle before it is pinged as it leaves the pool.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(1);

/// How PostgreSQL plans the server's prepared statements: once per connection (see
/// `connect_counted`).
pub const PLAN_CACHE_MODE: &str = "force_generic_plan";

/// How much of an SQLite file each connection reads through memory-mapped I/O (`mmap_size`), in
/// bytes: pages are then read from the operating system's cache shared by every connection,
/// where each connection's own page cache (2 MB) holds only a small part of a large registry.
pub const SQLITE_MMAP_BYTES: u64 = 1 << 30;

/// Opens a pool on `url` with the settings rightsgraph relies on.
pub async fn connect(url: &str) -> Result<(DatabaseConnection, StatementCounter), DbErr> {
    let counter = StatementCounter::default();
    let db = connect_counted(url, &counter).await?;
    Ok((db, counter))
}

/// Opens a pool on `url` whose statements `counter` counts (a read standby's, with the primary's).
pub async fn connect_counted(url: &str, counter: &StatementCounter) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        // sqlx pings a connection each time it leaves the pool: a round trip per statement, five
        // on the planned dashboard query (one client, PostgreSQL: p50 2.9 to 3.4 ms without the
        // pings, 3.2 to 3.9 ms with them). Only a connection idle long enough to have been
        // dropped (by the server, a proxy, a firewall) is pinged now; one that a server restart
        // broke under load fails its statement and leaves the pool.
        .test_before_acquire_if_idle_for(IDLE_BEFORE_PING);
    if url.starts_with("sqlite:") {
        options.max_connections(8).min_connections(1).map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .pragma("mmap_size", SQLITE_MMAP_BYTES.to_string())
        });
    } else {
        options.max_connections(32).min_connections(1).map_sqlx_postgres_opts(|o| {
            // Each statement is prepared once per connection (sqlx keeps them), and PostgreSQL
            // would still plan most of them anew at every execution: it keeps a custom plan when
            // the generic one's estimate is higher, which a `LIMIT $n` or an id array makes it.
            // Planning then cost more than running: the offender clusters' page, 0.55 ms to plan
            // and 0.10 to run, 0.01 and 0.08 with its generic plan (issue 30's profile). Our
            // statements are written for their indexes whatever the values, so each connection
            // plans each statement once.
            o.options([("plan_cache_mode", PLAN_CACHE_MODE)])
        });
    }
    let mut db = Database::connect(options).await?;
    let seen = counter.clone();
    db.set_metric_callback(move |info| seen.saw(info.statement, info.elapsed));
    Ok(db)
}

/// Begins a write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so
/// that concurrent writers wait their turn instead of failing when they upgrade.
pub async fn begin_write(db: &DatabaseConnection) -> AppResult<DatabaseTransaction> {
    let options =
        TransactionOptions { sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate), ..Default::default() };
    Ok(db.begin_with_options(options).await?)
}

/// A database URL with its password hidden, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
