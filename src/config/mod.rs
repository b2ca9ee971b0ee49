//! The one configuration struct: every setting is a flag and an environment variable, and an
//! explicit flag wins. The doc comments are the `--help`.

mod limits;
mod parse;
mod rules;
mod stores;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

pub use limits::{CostBudget, DocumentsConfig, LimitsConfig, WsConfig, concurrent_requests};
use parse::{day, on_off};
pub use rules::{EU_MEMBERS, RulesConfig, TerritorialScope, is_eea};
pub use stores::{AuthConfig, DbConfig, ReadConfig};

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
    /// listings and S×1,000 notices, the same for the same seed. An empty database is filled by
    /// building the registry in a temporary SQLite file (in TMPDIR) and copying it in.
    Seed {
        /// Size of the registry: 1 is about 1,000 sellers, 100 about 100,000.
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Seed of the generator: the same seed gives the same registry.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Add to a database that already has data (refused otherwise): runs the workflow on the
        /// database itself, several times slower than filling an empty one.
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
