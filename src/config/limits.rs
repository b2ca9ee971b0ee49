//! The limits every request passes: query limits and cost budgets, concurrency and timeouts,
//! persisted documents, and the WebSocket endpoint's own.

use std::path::PathBuf;
use std::time::Duration;

use super::parse::{at_least_one, on_off, positive_duration};
use clap::Args;

/// Limits every query must stay within; refused before any resolver runs.
#[derive(Debug, Clone, Args)]
pub struct LimitsConfig {
    /// Deepest nesting of fields a query may have.
    #[arg(long, env = "RIGHTSGRAPH_MAX_DEPTH", default_value_t = 15, value_parser = at_least_one())]
    pub max_depth: usize,
    /// Highest cost a query may have; a connection costs its page size times its children. The
    /// default admits a dashboard page of 100 notices x 20 items with their listings and sellers.
    #[arg(long, env = "RIGHTSGRAPH_MAX_COMPLEXITY", default_value_t = 50_000, value_parser = at_least_one())]
    pub max_complexity: usize,
    /// Most aliased fields a query may have.
    #[arg(long, env = "RIGHTSGRAPH_MAX_ALIASES", default_value_t = 100, value_parser = at_least_one())]
    pub max_aliases: usize,
    /// Most fields a query may ask at its root.
    #[arg(long, env = "RIGHTSGRAPH_MAX_ROOT_FIELDS", default_value_t = 30, value_parser = at_least_one())]
    pub max_root_fields: usize,
    /// Longest a request may run before it is abandoned (humantime: 30s, 2m).
    #[arg(long, env = "RIGHTSGRAPH_REQUEST_TIMEOUT", default_value = "30s", value_parser = positive_duration)]
    pub request_timeout: Duration,
    /// Most GraphQL requests executed at once; the others wait their turn, and the wait counts
    /// toward the request timeout. Keeps memory bounded and latency fair under load: a request's
    /// result is built in memory, and two cores gain nothing from running dozens together.
    /// Default: twice the CPU cores, from 4 to 16.
    #[arg(long, env = "RIGHTSGRAPH_MAX_CONCURRENT_REQUESTS", default_value_t = concurrent_requests(),
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_concurrent_requests: u32,
    /// Each token's cost budget, `POINTS/WINDOW` (`5000/1h`): what the requests of one token
    /// (its subject and role) may cost per window, a query costing its complexity; a request
    /// over it is refused with RATE_LIMITED. `off`: no budget. The default only stops a runaway
    /// client (about 25 dashboard pages of 100 notices a second, for an hour).
    #[arg(long, env = "RIGHTSGRAPH_COST_BUDGET", default_value = "2_000_000_000/1h", value_parser = cost_budget)]
    pub cost_budget: CostBudget,
    /// How often each replica adds what its tokens spent to the count it shares with the other
    /// replicas through the database, and reads the totals back (humantime: 1s, 500ms).
    #[arg(long, env = "RIGHTSGRAPH_COST_BUDGET_SYNC", default_value = "1s", value_parser = positive_duration)]
    pub cost_budget_sync: Duration,
    #[command(flatten)]
    pub documents: DocumentsConfig,
}

/// A token's cost budget (`--cost-budget`): at most `points` per `window`, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostBudget {
    /// No budget: requests are not counted.
    Off,
    /// At most `points` per `window`, a whole number of seconds; windows start at multiples of
    /// their length since the Unix epoch, so every replica agrees on them.
    Every { points: u32, window: Duration },
}

impl CostBudget {
    /// The default: two billion points an hour.
    pub const DEFAULT: Self = Self::Every { points: 2_000_000_000, window: Duration::from_secs(3600) };
}

/// Parses `--cost-budget`: `off`, or `POINTS/WINDOW` with POINTS from 1 to 2,147,483,647 (a
/// GraphQL `Int`; `_` may group digits) and WINDOW a humantime duration of whole seconds.
fn cost_budget(raw: &str) -> Result<CostBudget, String> {
    if raw == "off" {
        return Ok(CostBudget::Off);
    }
    let (points, window) = raw.split_once('/').ok_or("must be POINTS/WINDOW (5000/1h) or off")?;
    let points: u32 = points
        .replace('_', "")
        .parse()
        .ok()
        .filter(|p| (1..=i32::MAX as u32).contains(p))
        .ok_or("POINTS must be a whole number from 1 to 2147483647")?;
    let window = humantime::parse_duration(window).map_err(|e| format!("WINDOW: {e}"))?;
    if window.as_secs() == 0 || window.subsec_nanos() != 0 {
        return Err("WINDOW must be a whole number of seconds, at least 1s".into());
    }
    Ok(CostBudget::Every { points, window })
}

/// The default of `--max-concurrent-requests`: twice the CPU cores, from 4 to 16 (half the
/// PostgreSQL pool's 32 connections, so that requests wait for a permit, in turn, rather than
/// for a connection, which times out sooner). A planned read keeps a core busy (the server's or
/// PostgreSQL's) for nearly all of its time, so more requests at once than that only queue on
/// the cores, where the scheduler is less fair than the permits' queue: on the dashboard at 16
/// clients on 2 cores, 4 at once gave p99 1.6 to 1.7 times p50, 8 at once 2.0 to 2.2 times, at
/// the same throughput.
pub fn concurrent_requests() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    (cores.saturating_mul(2)).clamp(4, 16) as u32
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            max_depth: 15,
            max_complexity: 50_000,
            max_aliases: 100,
            max_root_fields: 30,
            request_timeout: Duration::from_secs(30),
            max_concurrent_requests: concurrent_requests(),
            cost_budget: CostBudget::DEFAULT,
            cost_budget_sync: Duration::from_secs(1),
            documents: DocumentsConfig::default(),
        }
    }
}

/// Which documents a client may name instead of sending (`http::persisted`): automatic persisted
/// queries, kept in memory and in the shared database, and an operator's trusted documents.
#[derive(Debug, Clone, Args)]
pub struct DocumentsConfig {
    /// Persisted-query documents each process keeps in memory, least recently used evicted first;
    /// a document evicted here is read again from the database.
    #[arg(long, env = "RIGHTSGRAPH_PERSISTED_QUERY_CACHE", default_value_t = 1_000,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub persisted_query_cache: u32,
    /// Most persisted-query documents kept in the database (shared by every replica); the least
    /// recently used go first.
    #[arg(long, env = "RIGHTSGRAPH_PERSISTED_QUERY_CAPACITY", default_value_t = 10_000,
          value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub persisted_query_capacity: u32,
    /// How long a persisted-query document unused by every replica stays in the database.
    #[arg(long, env = "RIGHTSGRAPH_PERSISTED_QUERY_TTL", default_value = "30d", value_parser = positive_duration)]
    pub persisted_query_ttl: Duration,
    /// A JSON manifest of trusted documents, `{"<id>": "<document>"}` (GraphQL Codegen's
    /// persisted-documents.json, Relay's persisted queries): clients may name one by its id.
    /// Checked at start.
    #[arg(long, env = "RIGHTSGRAPH_TRUSTED_DOCUMENTS")]
    pub trusted_documents: Option<PathBuf>,
    /// `on`: only the trusted documents run (needs --trusted-documents); any other document is
    /// refused with PERSISTED_QUERY_NOT_ALLOWED, but staff may still introspect.
    #[arg(long, env = "RIGHTSGRAPH_ONLY_TRUSTED_DOCUMENTS", default_value = "off", value_parser = on_off,
          action = clap::ArgAction::Set, num_args = 0..=1, require_equals = false, default_missing_value = "on")]
    pub only_trusted_documents: bool,
}

impl Default for DocumentsConfig {
    fn default() -> Self {
        Self {
            persisted_query_cache: 1_000,
            persisted_query_capacity: 10_000,
            persisted_query_ttl: Duration::from_secs(30 * 24 * 3600),
            trusted_documents: None,
            only_trusted_documents: false,
        }
    }
}

/// The WebSocket endpoint's limits (`/graphql/ws`); each operation on a socket also passes every
/// limit of `LimitsConfig`, as over HTTP.
#[derive(Debug, Clone, Args)]
pub struct WsConfig {
    /// Most WebSocket connections open at once on this server; one more is answered 503.
    #[arg(long, env = "RIGHTSGRAPH_MAX_WEBSOCKETS", default_value_t = 1_000,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_websockets: u32,
    /// Most operations running at once on one WebSocket connection; one more is refused with an
    /// `error` message.
    #[arg(long, env = "RIGHTSGRAPH_MAX_SUBSCRIPTIONS_PER_SOCKET", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_subscriptions_per_socket: u32,
    /// How long a new connection may take to send `connection_init` before it is closed (4408).
    #[arg(long, env = "RIGHTSGRAPH_WS_INIT_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub ws_init_timeout: Duration,
    /// How often the server pings an idle connection; one that answers nothing for three
    /// intervals is closed.
    #[arg(long, env = "RIGHTSGRAPH_WS_KEEPALIVE", default_value = "15s", value_parser = positive_duration)]
    pub ws_keepalive: Duration,
    /// Committed events kept in memory for subscribers; a subscriber that falls further behind
    /// reads the events it missed from the database, so it still receives each once, in order.
    #[arg(long, env = "RIGHTSGRAPH_EVENT_BUFFER", default_value_t = 1024,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub event_buffer: u32,
}

impl Default for WsConfig {
    fn default() -> Self {
        Self {
            max_websockets: 1_000,
            max_subscriptions_per_socket: 100,
            ws_init_timeout: Duration::from_secs(10),
            ws_keepalive: Duration::from_secs(15),
            event_buffer: 1024,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_cost_budget_is_points_per_whole_seconds_or_off() {
        use super::{CostBudget, cost_budget};
        use std::time::Duration;
        assert_eq!(cost_budget("off"), Ok(CostBudget::Off));
        let every = |points, secs| CostBudget::Every { points, window: Duration::from_secs(secs) };
        assert_eq!(cost_budget("5000/1h"), Ok(every(5000, 3600)));
        assert_eq!(cost_budget("2_000_000_000/1h"), Ok(CostBudget::DEFAULT));
        assert_eq!(cost_budget("10/2s"), Ok(every(10, 2)));
        for bad in ["5000", "0/1h", "2147483648/1h", "5000/0s", "5000/1500ms", "5000/soon", "on"] {
            assert!(cost_budget(bad).is_err(), "{bad} is refused");
        }
    }
}
