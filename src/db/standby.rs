//! Reads on a streaming standby (`--database-read-url`). A query reads the standby while its
//! replay lag, probed every `PROBE`, is under `--max-read-lag`, and the primary otherwise, or when
//! its client asks for the primary. Mutations (and the reads of their answers) and subscriptions
//! always use the primary; so do the background sweeps and the event relay.
//!
//! The lag is 0 while the standby streams from the primary and has replayed all it received (an
//! idle primary sends nothing, and the standby is then as fresh as it gets). Otherwise it is the
//! time since the commit it replayed last: from the moment a write waits to be replayed, or the
//! standby loses its primary (it cannot know what it misses), it counts as that far behind.
//! That errs towards the primary: after a long quiet spell, the first write sends reads to the
//! primary until it is replayed, a fraction of a second in the normal course.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use crate::db::StatementCounter;
use crate::metrics::{Database, Metrics};

/// How often the standby's lag is probed.
pub const PROBE: Duration = Duration::from_millis(250);

/// Where queries read.
#[derive(Clone)]
pub struct Reads {
    primary: DatabaseConnection,
    standby: Option<Standby>,
    metrics: Metrics,
    /// Counts the statements of both databases, the pools' and those of a connection a planned
    /// query holds (`db::Pinned`).
    counter: StatementCounter,
}

#[derive(Clone)]
struct Standby {
    db: DatabaseConnection,
    /// The lag as last probed, in seconds (f64 bits); +Inf while it cannot be probed.
    lag: Arc<AtomicU64>,
    max_lag: f64,
}

impl Reads {
    /// Every read on the primary, whose statements `counter` counts.
    pub fn primary_only(primary: DatabaseConnection, counter: &StatementCounter, metrics: Metrics) -> Self {
        Self { primary, standby: None, metrics, counter: counter.clone() }
    }

    /// Reads on the standby at `url` while its lag is under `max_lag`. Its statements count with
    /// the primary's in `counter`. The lag counts as unknown (reads go to the primary) until the
    /// first probe answers; the probe runs for as long as the process does.
    pub async fn with_standby(
        primary: DatabaseConnection,
        url: &str,
        max_lag: Duration,
        counter: &StatementCounter,
        metrics: Metrics,
    ) -> Result<Self, String> {
        if !url.starts_with("postgres") {
            return Err("--database-read-url must be a postgres:// URL: a read standby is for PostgreSQL".into());
        }
        if primary.get_database_backend() != DbBackend::Postgres {
            return Err("--database-read-url needs a PostgreSQL primary (DATABASE_URL)".into());
        }
        let db = crate::db::connect_counted(url, counter)
            .await
            .map_err(|e| format!("cannot open the read database {}: {e}", crate::db::redact(url)))?;
        // The probe has a connection of its own, so that it is neither counted nor queued
        // behind the requests' reads.
        let (probe, _) = crate::db::connect(url)
            .await
            .map_err(|e| format!("cannot open the read database {}: {e}", crate::db::redact(url)))?;
        let lag = Arc::new(AtomicU64::new(f64::INFINITY.to_bits()));
        let standby = Standby { db, lag: lag.clone(), max_lag: max_lag.as_secs_f64() };
        let first = probe_lag(&probe).await;
        match first {
            Some(lag) => tracing::info!(lag, ?max_lag, "queries read the standby while its lag is under the limit"),
            None => {
                tracing::warn!("the read standby does not answer its probe: queries read the primary until it does")
            }
        }
        record(&lag, &metrics, first);
        tokio::spawn(run_probe(probe, lag, metrics.clone()));
        Ok(Self { primary, standby: Some(standby), metrics, counter: counter.clone() })
    }

    /// What counts the statements of the databases.
    pub fn counter(&self) -> &StatementCounter {
        &self.counter
    }

    /// The database a query reads: the standby while it keeps up and `primary` is not asked for,
    /// else the primary. Counted in `rightsgraph_reads_total`.
    pub fn for_query(&self, primary: bool) -> DatabaseConnection {
        match &self.standby {
            Some(standby) if !primary && standby.fresh() => {
                self.metrics.read_from(Database::Standby);
                standby.db.clone()
            }
            _ => {
                self.metrics.read_from(Database::Primary);
                self.primary.clone()
            }
        }
    }

    /// The standby's lag as last probed, in seconds (`None` without a standby; +Inf when it
    /// cannot be reached).
    pub fn lag(&self) -> Option<f64> {
        self.standby.as_ref().map(Standby::lag)
    }
}

impl Standby {
    fn lag(&self) -> f64 {
        f64::from_bits(self.lag.load(Ordering::Relaxed))
    }

    fn fresh(&self) -> bool {
        self.lag() < self.max_lag
    }
}

/// Probes the lag every `PROBE`.
async fn run_probe(probe: DatabaseConnection, lag: Arc<AtomicU64>, metrics: Metrics) {
    let mut tick = tokio::time::interval(PROBE);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let probed = tokio::time::timeout(PROBE * 4, probe_lag(&probe)).await.unwrap_or(None);
        record(&lag, &metrics, probed);
    }
}

fn record(lag: &AtomicU64, metrics: &Metrics, probed: Option<f64>) {
    let seconds = probed.unwrap_or(f64::INFINITY);
    let previous = f64::from_bits(lag.swap(seconds.to_bits(), Ordering::Relaxed));
    metrics.standby_lag.set(seconds);
    if previous.is_finite() != seconds.is_finite() {
        match probed {
            Some(_) => tracing::info!(lag = seconds, "the read standby answers its probe again"),
            None => tracing::warn!("cannot probe the read standby: queries read the primary until it answers"),
        }
    }
}

/// The standby's replay lag in seconds: 0 when it streams and has replayed all it received (or is
/// not a standby at all), else the time since the last commit it replayed. `None` when it does not
/// answer. `pg_stat_wal_receiver` has a row while a WAL receiver runs, for any user.
async fn probe_lag(probe: &DatabaseConnection) -> Option<f64> {
    const LAG: &str = "SELECT (CASE \
        WHEN NOT pg_is_in_recovery() THEN 0 \
        WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() \
            AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN 0 \
        ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 1e9) \
        END)::float8 AS lag";
    let row = probe.query_one_raw(Statement::from_string(DbBackend::Postgres, LAG)).await;
    match row {
        Ok(Some(row)) => row.try_get::<f64>("", "lag").ok().map(|lag| lag.max(0.0)),
        Ok(None) => None,
        Err(err) => {
            tracing::debug!(%err, "the read standby's probe failed");
            None
        }
    }
}
