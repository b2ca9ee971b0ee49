//! What it takes to run rightsgraph, for `/metrics` in the OpenMetrics text format (which
//! Prometheus scrapes), written by the `prometheus-client` crate. Every figure is an aggregate
//! of this process: no id, name or text of the registry is ever a label.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// The content type of the answer.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The type of a GraphQL operation.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Operation {
    Query,
    Mutation,
    Subscription,
    /// Refused before its type was known (a document that does not parse).
    Unknown,
}

/// How a request ended.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Outcome {
    /// Answered without errors.
    Ok,
    /// Answered, with errors in the response.
    Errors,
    /// Refused before it ran (a limit, a parse or validation error).
    Refused,
    /// Abandoned at the request timeout.
    TimedOut,
}

impl EncodeLabelValue for Operation {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        use std::fmt::Write as _;
        encoder.write_str(match self {
            Operation::Query => "query",
            Operation::Mutation => "mutation",
            Operation::Subscription => "subscription",
            Operation::Unknown => "unknown",
        })
    }
}

impl EncodeLabelValue for Outcome {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        use std::fmt::Write as _;
        encoder.write_str(match self {
            Outcome::Ok => "ok",
            Outcome::Errors => "errors",
            Outcome::Refused => "refused",
            Outcome::TimedOut => "timed_out",
        })
    }
}

/// Why a request was refused before it ran (or abandoned), for `rightsgraph_refusals_total`.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Refusal {
    /// The token's cost budget is spent (`RATE_LIMITED`).
    RateLimited,
    /// A query costlier than the whole cost budget.
    CostBudget,
    /// Over the complexity limit (`--max-complexity`).
    Complexity,
    /// Over the depth limit (`--max-depth`).
    Depth,
    /// Over the alias limit (`--max-aliases`).
    Aliases,
    /// Over the root field limit (`--max-root-fields`).
    RootFields,
    /// A document over the size bounds checked before it is walked (names, nesting, a string
    /// literal, fields once its fragments are spread).
    Document,
    /// A document that does not parse (`GRAPHQL_PARSE_FAILED`).
    Parse,
    /// Any other validation error (an unknown field, a wrong argument, …).
    Validation,
    /// A persisted-query hash unknown, or a document that is not trusted.
    PersistedQuery,
    /// Abandoned at the request timeout (`TIMEOUT`).
    Timeout,
    /// Anything else.
    Other,
}

impl Refusal {
    /// The reason of a refused (or abandoned) `response`, from its first error's code and, for a
    /// limit, the limit its message names.
    pub fn of(response: &async_graphql::Response) -> Self {
        let Some(error) = response.errors.first() else { return Self::Other };
        use crate::error::Code;
        let says = |words: &[&str]| words.iter().any(|w| error.message.contains(w));
        match Code::of(error) {
            Some(Code::RateLimited) => Self::RateLimited,
            Some(Code::Timeout) => Self::Timeout,
            Some(Code::GraphqlParseFailed) => Self::Parse,
            Some(Code::PersistedQueryNotFound | Code::PersistedQueryNotAllowed) => Self::PersistedQuery,
            Some(Code::GraphqlValidationFailed) if says(&["cost budget"]) => Self::CostBudget,
            Some(Code::GraphqlValidationFailed) if says(&["complexity limit"]) => Self::Complexity,
            Some(Code::GraphqlValidationFailed) if says(&["depth limit"]) => Self::Depth,
            Some(Code::GraphqlValidationFailed) if says(&["alias limit"]) => Self::Aliases,
            Some(Code::GraphqlValidationFailed) if says(&["root field limit"]) => Self::RootFields,
            Some(Code::GraphqlValidationFailed)
                if says(&["nesting limit", "names and fragment spreads", "string literal", "expands to"]) =>
            {
                Self::Document
            }
            Some(Code::GraphqlValidationFailed) => Self::Validation,
            _ => Self::Other,
        }
    }
}

impl EncodeLabelValue for Refusal {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        use std::fmt::Write as _;
        encoder.write_str(match self {
            Refusal::RateLimited => "rate_limited",
            Refusal::CostBudget => "cost_budget",
            Refusal::Complexity => "complexity",
            Refusal::Depth => "depth",
            Refusal::Aliases => "aliases",
            Refusal::RootFields => "root_fields",
            Refusal::Document => "document",
            Refusal::Parse => "parse",
            Refusal::Validation => "validation",
            Refusal::PersistedQuery => "persisted_query",
            Refusal::Timeout => "timeout",
            Refusal::Other => "other",
        })
    }
}

/// The label of the refusals counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RefusalLabels {
    pub reason: Refusal,
}

/// The database that served a query's reads.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Database {
    Primary,
    Standby,
}

impl EncodeLabelValue for Database {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        use std::fmt::Write as _;
        encoder.write_str(match self {
            Database::Primary => "primary",
            Database::Standby => "standby",
        })
    }
}

/// The label of the reads counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReadLabels {
    pub database: Database,
}

/// The labels of a request's duration.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub operation: Operation,
    pub outcome: Outcome,
}

/// A histogram of durations in seconds.
pub fn seconds() -> Histogram {
    // 0.1 ms to about 13 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 18))
}

/// The figures of one process.
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    /// Request durations (seconds) by operation type and outcome.
    pub requests: Family<RequestLabels, Histogram, fn() -> Histogram>,
    /// SQL statements run (benchmarks read it), and their durations in seconds.
    pub statements: Counter,
    pub statement_seconds: Histogram,
    /// Requests refused before they ran, or abandoned, by reason.
    pub refusals: Family<RefusalLabels, Counter>,
    /// Requests waiting for a permit of the concurrency limit now.
    pub waiting: Arc<AtomicI64>,
    /// Subscriptions open now.
    pub subscriptions: Arc<AtomicI64>,
    /// Events published to this process's subscribers, and their delay from commit (seconds).
    pub events_delivered: Counter,
    pub event_delay_seconds: Histogram,
    /// Times the event relay (re)connected its listening connection.
    pub relay_connects: Counter,
    /// Whether this process runs the background work (the sweeps) now.
    pub background: Arc<AtomicBool>,
    /// Queries answered by the planned executor, and given back to the general one.
    pub planned: Counter,
    pub fallbacks: Counter,
    /// Queries by the database that served their reads (`--database-read-url`).
    pub reads: Family<ReadLabels, Counter>,
    /// The read standby's replay lag in seconds, as last probed (+Inf when it cannot be probed).
    pub standby_lag: Gauge<f64, std::sync::atomic::AtomicU64>,
    gauges: Gauges,
}

/// Gauges set when scraped, from what the process knows then.
#[derive(Clone, Default)]
struct Gauges {
    executing: Gauge,
    waiting: Gauge,
    websockets: Gauge,
    subscriptions: Gauge,
    background: Gauge,
    rss: Gauge,
}

/// What only the HTTP layer knows at scrape time.
pub struct Now {
    pub executing: i64,
    pub websockets: i64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new(Counter::default(), seconds(), false)
    }
}

impl Metrics {
    /// The figures of a process whose database connection counts `statements` and times them
    /// in `statement_seconds`; `standby` says whether it reads a standby, whose lag is reported
    /// only then (a figure that does not apply is absent, not 0).
    pub fn new(statements: Counter, statement_seconds: Histogram, standby: bool) -> Self {
        let mut registry = Registry::with_prefix("rightsgraph");
        let requests = Family::<RequestLabels, Histogram, fn() -> Histogram>::new_with_constructor(seconds);
        let metrics = Self {
            registry: Arc::default(),
            requests,
            statements,
            statement_seconds,
            refusals: Family::default(),
            waiting: Arc::default(),
            subscriptions: Arc::default(),
            events_delivered: Counter::default(),
            event_delay_seconds: seconds(),
            relay_connects: Counter::default(),
            background: Arc::default(),
            planned: Counter::default(),
            fallbacks: Counter::default(),
            reads: Family::default(),
            standby_lag: Gauge::default(),
            gauges: Gauges::default(),
        };
        // In the order `/metrics` lists them.
        metrics.register_requests(&mut registry);
        metrics.register_load(&mut registry);
        metrics.register_process(&mut registry);
        metrics.register_reads(&mut registry, standby);
        Self { registry: Arc::new(registry), ..metrics }
    }

    /// Registers what requests cost: their durations, the refusals and the SQL they ran.
    fn register_requests(&self, registry: &mut Registry) {
        registry.register(
            "request_duration_seconds",
            "GraphQL requests by operation type and outcome, and how long they took",
            self.requests.clone(),
        );
        registry.register(
            "refusals",
            "GraphQL requests refused before they ran (a limit, the cost budget, a parse or validation error) or \
             abandoned at the timeout, by reason",
            self.refusals.clone(),
        );
        registry.register("sql_statements", "SQL statements run since start", self.statements.clone());
        registry.register(
            "sql_statement_duration_seconds",
            "How long SQL statements took",
            self.statement_seconds.clone(),
        );
    }

    /// Registers the load now, against the limits that bound it: requests executing and
    /// waiting, WebSockets and subscriptions open. These gauges are set at scrape time (`render`).
    fn register_load(&self, registry: &mut Registry) {
        let g = &self.gauges;
        registry.register(
            "requests_executing",
            "GraphQL requests executing now (at most --max-concurrent-requests)",
            g.executing.clone(),
        );
        registry.register(
            "requests_waiting",
            "GraphQL requests waiting for a permit of the concurrency limit",
            g.waiting.clone(),
        );
        registry.register(
            "websockets_open",
            "WebSocket connections open now (at most --max-websockets)",
            g.websockets.clone(),
        );
        registry.register("subscriptions_open", "Subscriptions open now", g.subscriptions.clone());
    }

    /// Registers what the process does besides answering requests: the events it publishes and
    /// their relay, the background work, and its memory.
    fn register_process(&self, registry: &mut Registry) {
        let g = &self.gauges;
        registry.register(
            "events_delivered",
            "Notice events published to this process's subscribers",
            self.events_delivered.clone(),
        );
        registry.register(
            "event_delay_seconds",
            "From an event's commit to its publication in this process",
            self.event_delay_seconds.clone(),
        );
        registry.register(
            "event_relay_connects",
            "Times the event relay (re)connected to listen",
            self.relay_connects.clone(),
        );
        registry.register(
            "background_worker",
            "1 when this process runs the background work (the sweeps), else 0",
            g.background.clone(),
        );
        registry.register("process_resident_memory_bytes", "Resident memory of the process", g.rss.clone());
    }

    /// Registers how queries were read: by the planner or the general executor, from the standby
    /// or the primary, and the standby's lag, only when there is a standby (a figure that does
    /// not apply is absent, not 0).
    fn register_reads(&self, registry: &mut Registry, standby: bool) {
        registry.register("planned_requests", "Queries answered by the planned executor", self.planned.clone());
        registry.register(
            "planner_fallbacks",
            "Planned queries given back to the general executor at run time",
            self.fallbacks.clone(),
        );
        registry.register(
            "reads",
            "Queries by the database that served their reads: the standby (--database-read-url) or the primary",
            self.reads.clone(),
        );
        if standby {
            registry.register(
                "standby_lag_seconds",
                "Replay lag of the read standby (--database-read-url) when last probed (+Inf: it cannot be reached)",
                self.standby_lag.clone(),
            );
        }
    }

    /// Records a request that took `took`.
    pub fn request(&self, operation: Operation, outcome: Outcome, took: Duration) {
        self.requests.get_or_create(&RequestLabels { operation, outcome }).observe(took.as_secs_f64());
    }

    /// Records a request refused before it ran, or abandoned, answered `response`.
    pub fn refusal(&self, response: &async_graphql::Response) {
        self.refusals.get_or_create(&RefusalLabels { reason: Refusal::of(response) }).inc();
    }

    /// Records a query whose reads `database` served.
    pub fn read_from(&self, database: Database) {
        self.reads.get_or_create(&ReadLabels { database }).inc();
    }

    /// Records an event published `delay_micros` after its commit.
    pub fn event(&self, delay_micros: i64) {
        self.events_delivered.inc();
        self.event_delay_seconds.observe(delay_micros.max(0) as f64 / 1e6);
    }

    /// The text of `/metrics`.
    pub fn render(&self, now: Now) -> String {
        let g = &self.gauges;
        g.executing.set(now.executing);
        g.websockets.set(now.websockets);
        g.waiting.set(self.waiting.load(Ordering::Relaxed));
        g.subscriptions.set(self.subscriptions.load(Ordering::Relaxed));
        g.background.set(i64::from(self.background.load(Ordering::Relaxed)));
        g.rss.set(resident_bytes().unwrap_or(0));
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// Counts up for as long as it lives (a subscription open, a request waiting).
pub struct Open(Arc<AtomicI64>);

impl Open {
    pub fn new(gauge: &Arc<AtomicI64>) -> Self {
        gauge.fetch_add(1, Ordering::Relaxed);
        Self(gauge.clone())
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The process's resident memory, from `/proc/self/statm` (Linux; `None` elsewhere).
fn resident_bytes() -> Option<i64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: i64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

#[cfg(test)]
mod tests {
    use async_graphql::{ErrorExtensionValues, Response, ServerError};

    use super::Refusal;

    fn refused(code: &str, message: &str) -> Response {
        let mut error = ServerError::new(message, None);
        error.extensions.get_or_insert_with(ErrorExtensionValues::default).set("code", code);
        Response::from_errors(vec![error])
    }

    #[test]
    fn a_refusal_is_counted_by_its_code_and_the_limit_its_message_names() {
        let validation = "GRAPHQL_VALIDATION_FAILED";
        for (code, message, reason) in [
            ("RATE_LIMITED", "the cost budget of this token is spent", Refusal::RateLimited),
            ("TIMEOUT", "the request ran longer than the time limit of 30s", Refusal::Timeout),
            ("GRAPHQL_PARSE_FAILED", "expected selection", Refusal::Parse),
            ("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound", Refusal::PersistedQuery),
            (validation, "query cost 60 exceeds the cost budget of 50 points per 1h", Refusal::CostBudget),
            (validation, "query cost exceeds the complexity limit of 50000", Refusal::Complexity),
            (validation, "query depth exceeds the depth limit of 15", Refusal::Depth),
            (validation, "the query uses 101 aliases; the alias limit is 100", Refusal::Aliases),
            (validation, "the query asks 31 root fields; the root field limit is 30", Refusal::RootFields),
            (validation, "the query nests deeper than the nesting limit of 64", Refusal::Document),
            (validation, "Unknown field \"nope\" on type \"Brand\".", Refusal::Validation),
            ("INTERNAL_SERVER_ERROR", "internal server error", Refusal::Other),
        ] {
            assert_eq!(Refusal::of(&refused(code, message)), reason, "{code}: {message}");
        }
    }
}
