//! The one configuration struct: every setting is a flag and an environment variable, and an
//! explicit flag wins. The doc comments are the `--help`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

/// rightsgraph: a GraphQL API over an intellectual-property rights and listings registry.
#[derive(Debug, Parser)]
#[command(name = "rightsgraph", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// How log lines are written to stderr: `text` for people, `json` for a log collector (one
    /// object per line, with the request id of the request it is about). The level comes from
    /// RUST_LOG (default `info`, with sqlx and sea-orm-migration at `warn`).
    #[arg(long, global = true, env = "RIGHTSGRAPH_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,
}

impl Cli {
    /// The command line, parsed and checked: a flag clap cannot judge alone (a range of days
    /// given as two flags) is refused here as clap refuses the others, with its usage and exit
    /// status 2, before anything runs.
    pub fn parse_checked() -> Self {
        use clap::{CommandFactory, Parser};
        let cli = Self::parse();
        if let Err(reason) = cli.check() {
            Self::command().error(clap::error::ErrorKind::ArgumentConflict, reason).exit();
        }
        cli
    }

    /// What `parse_checked` refuses beyond clap's own checks.
    pub fn check(&self) -> Result<(), String> {
        match &self.command {
            Command::Export { what: Export::Statements { since, until: Some(until), .. } } if until < since => {
                Err(format!("--until {until} is before --since {since}: the range holds no day"))
            }
            Command::Report { from, to, .. } if to < from => {
                Err(format!("--to {to} is before --from {from}: the period holds no day"))
            }
            _ => Ok(()),
        }
    }
}

/// What to do.
#[derive(Debug, Subcommand)]
#[expect(clippy::large_enum_variant, reason = "parsed once at start; boxing buys nothing")]
pub enum Command {
    /// Migrate the database, then serve GraphQL over HTTP.
    Serve {
        /// Fill an empty database with a small realistic data set and print a ready token per role.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        config: Config,
    },
    /// Apply pending migrations and exit.
    Migrate {
        #[command(flatten)]
        db: DbConfig,
    },
    /// Print a JWT signed with the configured HS256 secret (for operators and local use).
    Token {
        /// The role the token acts as: ADMIN, REVIEWER, ANALYST, BRAND_AGENT or SELLER.
        #[arg(long)]
        role: String,
        /// For BRAND_AGENT: the id of the brand it acts for.
        #[arg(long)]
        brand: Option<String>,
        /// For SELLER: the id of the seller.
        #[arg(long)]
        seller: Option<String>,
        /// How long the token is valid (humantime: 1h, 30m, 7d).
        #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
        ttl: Duration,
        /// The token's subject (`sub`).
        #[arg(long, default_value = "operator")]
        sub: String,
        #[command(flatten)]
        auth: AuthConfig,
    },
    /// Print the GraphQL schema (SDL); `schema.graphql` in the repository is exactly this output.
    Schema,
    /// Fill the database with a synthetic, realistic registry: about S×1,000 sellers, S×10,000
    /// listings and S×1,000 notices, the same for the same seed. An empty PostgreSQL database is
    /// filled by building the registry in a temporary SQLite file (in TMPDIR) and copying it in.
    Seed {
        /// Size of the registry: 1 is about 1,000 sellers, 100 about 100,000.
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Seed of the generator: the same seed gives the same registry.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Add to a database that already has data (refused otherwise); on PostgreSQL this runs
        /// the workflow on the database itself, several times slower than filling an empty one.
        #[arg(long)]
        append: bool,
        /// Print nothing but errors: no progress bar, no log lines below error level (even if
        /// RUST_LOG asks for them) and no summary; the exit status says whether it worked.
        #[arg(long)]
        quiet: bool,
        #[command(flatten)]
        db: DbConfig,
        #[command(flatten)]
        rules: RulesConfig,
    },
    /// Print the transparency report (DSA Article 15) of a period: notices, decisions, redress,
    /// notifiers and statements of reasons.
    Report {
        /// The first day (UTC) of the period: YYYY-MM-DD.
        #[arg(long, value_parser = day)]
        from: chrono::NaiveDate,
        /// The last day (UTC) of the period, included: YYYY-MM-DD.
        #[arg(long, value_parser = day)]
        to: chrono::NaiveDate,
        /// json (one object, as `transparencyReport` answers it) or csv (figure,value lines).
        #[arg(long, default_value = "json", value_parser = ["json", "csv"])]
        format: String,
        #[command(flatten)]
        db: DbConfig,
    },
    /// Write registry data in a format another system takes.
    Export {
        #[command(subcommand)]
        what: Export,
    },
}

/// What `export` writes.
#[derive(Debug, Subcommand)]
pub enum Export {
    /// Statements of reasons in the request format of the DSA Transparency Database's API
    /// (POST /api/v1/statements): one batch of at most 100 per line, in the order issued, without
    /// personal data. A statement the API would refuse is set aside and named on stderr. The
    /// statements of the last 10 minutes wait for the next export (their transactions may still
    /// be committing), so that an export resumed with --after-puid never misses one.
    Statements {
        /// The first day (UTC) whose statements are exported: YYYY-MM-DD.
        #[arg(long, value_parser = day)]
        since: chrono::NaiveDate,
        /// The last day (UTC) whose statements are exported, included: YYYY-MM-DD (default: up to now).
        #[arg(long, value_parser = day)]
        until: Option<chrono::NaiveDate>,
        /// Resume after this statement (the last puid an earlier export reported).
        #[arg(long)]
        after_puid: Option<String>,
        /// Write to this file instead of standard output (replaced if it exists).
        #[arg(long)]
        out: Option<PathBuf>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        #[command(flatten)]
        db: DbConfig,
    },
}

/// Parses a day written YYYY-MM-DD.
fn day(raw: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| format!("{raw:?} is not a day written YYYY-MM-DD"))
}

/// Where the registry is stored.
#[derive(Debug, Clone, Args)]
pub struct DbConfig {
    /// Database URL: `sqlite://PATH?mode=rwc` (embedded) or `postgres://USER@HOST:PORT/DB`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://rightsgraph.db?mode=rwc")]
    pub database_url: String,
}

/// Where queries read (PostgreSQL only).
#[derive(Debug, Clone, Args)]
pub struct ReadConfig {
    /// A streaming standby of the PostgreSQL primary (`postgres://USER@HOST:PORT/DB`) for queries:
    /// they read it while its replay lag is under --max-read-lag, else the primary. Mutations,
    /// their answers and subscriptions use the primary. A client that must read its own write
    /// sends the header `X-Read-Primary: 1` (WebSocket: `"readPrimary": true` in the
    /// connection_init payload).
    #[arg(long, env = "RIGHTSGRAPH_DATABASE_READ_URL", hide_env_values = true)]
    pub database_read_url: Option<String>,
    /// Most replay lag of the read standby at which queries still read it (humantime: 1s, 500ms).
    #[arg(long, env = "RIGHTSGRAPH_MAX_READ_LAG", default_value = "1s", value_parser = humantime::parse_duration)]
    pub max_read_lag: Duration,
}

impl Default for ReadConfig {
    fn default() -> Self {
        Self { database_read_url: None, max_read_lag: Duration::from_secs(1) }
    }
}

/// How tokens are verified (and, for `token`, signed).
#[derive(Debug, Clone, Default, Args)]
pub struct AuthConfig {
    /// HS256 key: the UTF-8 bytes of this secret.
    #[arg(long, env = "RIGHTSGRAPH_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Path of a PEM public key for RS256 or ES256 tokens from an external identity provider.
    #[arg(long, env = "RIGHTSGRAPH_JWT_PUBLIC_KEY")]
    pub jwt_public_key: Option<PathBuf>,
    /// When set, a token's `iss` must equal it.
    #[arg(long, env = "RIGHTSGRAPH_JWT_ISSUER")]
    pub jwt_issuer: Option<String>,
    /// When set, a token's `aud` must contain it.
    #[arg(long, env = "RIGHTSGRAPH_JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,
}

/// The enforcement rules' tunable periods and thresholds.
#[derive(Debug, Clone, Args)]
pub struct RulesConfig {
    /// How long a strike stays active (humantime: 90d, 3s).
    #[arg(long, env = "RIGHTSGRAPH_STRIKE_TTL", default_value = "365d", value_parser = positive_duration)]
    pub strike_ttl: Duration,
    /// How long after removal a seller may file a counter-notice.
    #[arg(long, env = "RIGHTSGRAPH_COUNTER_NOTICE_WINDOW", default_value = "14d", value_parser = positive_duration)]
    pub counter_notice_window: Duration,
    /// The rolling window of the trust-tier rule.
    #[arg(long, env = "RIGHTSGRAPH_TRUST_WINDOW", default_value = "90d", value_parser = positive_duration)]
    pub trust_window: Duration,
    /// Decided items needed in the window before a brand can become TRUSTED.
    #[arg(long, env = "RIGHTSGRAPH_TRUST_MIN_DECIDED", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub trust_min_decided: u32,
    /// How long a brand has to answer a reviewer's request for information before the item is
    /// rejected for silence.
    #[arg(long, env = "RIGHTSGRAPH_INFO_REQUEST_WINDOW", default_value = "7d", value_parser = positive_duration)]
    pub info_request_window: Duration,
    /// How long after a decision on an item the seller (removal) or the brand (rejection) may
    /// appeal it.
    #[arg(long, env = "RIGHTSGRAPH_APPEAL_WINDOW", default_value = "180d", value_parser = positive_duration)]
    pub appeal_window: Duration,
    /// The rolling window over which a brand's decided items are weighed for abuse.
    #[arg(long, env = "RIGHTSGRAPH_ABUSE_WINDOW", default_value = "90d", value_parser = positive_duration)]
    pub abuse_window: Duration,
    /// Decided items needed in the window before a brand can be warned or suspended.
    #[arg(long, env = "RIGHTSGRAPH_ABUSE_MIN_DECIDED", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub abuse_min_decided: u32,
    /// The share of decided items found unfounded (rejected, reinstated, retracted) at which a
    /// brand is warned, then suspended: a share above 0 and at most 1.
    #[arg(long, env = "RIGHTSGRAPH_ABUSE_THRESHOLD", default_value_t = 0.5, value_parser = share)]
    pub abuse_threshold: f64,
    /// How long after its warning a brand over the threshold again is suspended rather than left
    /// warned.
    #[arg(long, env = "RIGHTSGRAPH_ABUSE_WARNING_PERIOD", default_value = "7d", value_parser = positive_duration)]
    pub abuse_warning_period: Duration,
    /// How long a suspension lasts.
    #[arg(long, env = "RIGHTSGRAPH_ABUSE_SUSPENSION", default_value = "30d", value_parser = positive_duration)]
    pub abuse_suspension: Duration,
    /// Where a statement of reasons says a restriction applies: comma-separated ISO 3166-1
    /// alpha-2 codes of EEA countries (the DSA Transparency Database takes no others).
    #[arg(long, env = "RIGHTSGRAPH_TERRITORIAL_SCOPE", default_value = EU_MEMBERS, value_parser = territorial_scope)]
    pub territorial_scope: TerritorialScope,
}

/// The 27 EU member states, the default territorial scope of a restriction.
pub const EU_MEMBERS: &str = "AT,BE,BG,CY,CZ,DE,DK,EE,ES,FI,FR,GR,HR,HU,IE,IT,LT,LU,LV,MT,NL,PL,PT,RO,SE,SI,SK";

/// The EEA members outside the EU, which a territorial scope may also name.
const EEA_ONLY: &str = "IS,LI,NO";

/// A territorial scope: distinct EEA country codes, in alphabetical order, joined by commas
/// (cheap to clone into every transaction).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerritorialScope(std::sync::Arc<str>);

impl TerritorialScope {
    /// The codes joined by commas, as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses a comma-separated list of EEA country codes (any case, any order, repeats ignored).
    pub fn parse(raw: &str) -> Result<Self, String> {
        territorial_scope(raw)
    }
}

/// Whether `code` (uppercase ISO 3166-1 alpha-2) names an EEA country.
pub fn is_eea(code: &str) -> bool {
    EU_MEMBERS.split(',').chain(EEA_ONLY.split(',')).any(|c| c == code)
}

/// Parses `--territorial-scope`.
fn territorial_scope(raw: &str) -> Result<TerritorialScope, String> {
    let mut codes = Vec::new();
    for code in raw.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let code = code.to_ascii_uppercase();
        if !is_eea(&code) {
            return Err(format!("{code} is not the code of an EEA country (ISO 3166-1 alpha-2, e.g. DE, FR, NO)"));
        }
        codes.push(code);
    }
    if codes.is_empty() {
        return Err("name at least one country".into());
    }
    codes.sort();
    codes.dedup();
    Ok(TerritorialScope(codes.join(",").into()))
}

impl Default for RulesConfig {
    fn default() -> Self {
        const DAY: u64 = 24 * 3600;
        Self {
            strike_ttl: Duration::from_secs(365 * DAY),
            counter_notice_window: Duration::from_secs(14 * DAY),
            trust_window: Duration::from_secs(90 * DAY),
            trust_min_decided: 20,
            info_request_window: Duration::from_secs(7 * DAY),
            appeal_window: Duration::from_secs(180 * DAY),
            abuse_window: Duration::from_secs(90 * DAY),
            abuse_min_decided: 20,
            abuse_threshold: 0.5,
            abuse_warning_period: Duration::from_secs(7 * DAY),
            abuse_suspension: Duration::from_secs(30 * DAY),
            territorial_scope: TerritorialScope(EU_MEMBERS.into()),
        }
    }
}

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

/// A whole number of at least 1, for a limit (0 would refuse every query).
fn at_least_one() -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::new().range(1..=u32::MAX as u64)
}

/// A humantime duration greater than zero.
fn positive_duration(raw: &str) -> Result<Duration, String> {
    match humantime::parse_duration(raw) {
        Ok(d) if !d.is_zero() => Ok(d),
        Ok(_) => Err("must be greater than 0".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// Everything `serve` needs.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to bind; port 0 picks a free port.
    #[arg(long, env = "RIGHTSGRAPH_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub db: DbConfig,
    #[command(flatten)]
    pub auth: AuthConfig,
    #[command(flatten)]
    pub rules: RulesConfig,
    #[command(flatten)]
    pub limits: LimitsConfig,
    #[command(flatten)]
    pub ws: WsConfig,
    #[command(flatten)]
    pub reads: ReadConfig,
    /// How often the server recounts the active strikes of sellers whose strikes expired since
    /// they were last counted (humantime; 0s: never). Reads are exact either way; the sweep keeps
    /// `repeatOffenders` reading an index rather than recounting.
    #[arg(long, env = "RIGHTSGRAPH_STRIKE_SWEEP_INTERVAL", default_value = "60s", value_parser = humantime::parse_duration)]
    pub strike_sweep_interval: Duration,
    /// `on`: queries over brands, trademarks, sellers, listings, notices and their items, seller
    /// networks and offender clusters are answered by the planned executor, which writes the
    /// answer straight from the rows (several times faster); anything else, and anything that
    /// would answer an error, by the general executor. `off`: every query by the general
    /// executor (to compare the two).
    #[arg(long, env = "RIGHTSGRAPH_PLANNER", default_value = "on", value_parser = on_off,
          action = clap::ArgAction::Set, num_args = 0..=1, require_equals = false, default_missing_value = "on")]
    pub planner: bool,
}

/// A share above 0 and at most 1 (a threshold of 0 would hold every brand over it).
fn share(raw: &str) -> Result<f64, String> {
    match raw.trim().parse::<f64>() {
        Ok(x) if x > 0.0 && x <= 1.0 => Ok(x),
        Ok(_) => Err("must be a share above 0 and at most 1 (0.5 is half)".into()),
        Err(_) => Err("must be a number above 0 and at most 1, such as 0.5".into()),
    }
}

/// `on` or `off`.
fn on_off(raw: &str) -> Result<bool, String> {
    match raw {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err("must be on or off".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::TerritorialScope;

    #[test]
    fn a_territorial_scope_is_eea_codes_sorted_and_distinct() {
        assert_eq!(TerritorialScope::parse(" fr,DE, fr ,no").map(|s| s.as_str().to_owned()), Ok("DE,FR,NO".into()));
        assert_eq!(TerritorialScope::parse(super::EU_MEMBERS).map(|s| s.as_str().split(',').count()), Ok(27));
    }

    #[test]
    fn a_territorial_scope_refuses_codes_outside_the_eea_and_empty_lists() {
        // Greece is GR in ISO 3166-1 (EL is the EU's own abbreviation); UK and CH are not EEA.
        for bad in ["EL", "UK", "CH", "EU", "D", ""] {
            let err = TerritorialScope::parse(bad).expect_err(bad);
            assert!(err.contains("EEA") || err.contains("at least one"), "{bad}: {err}");
        }
    }

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
