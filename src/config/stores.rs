//! Where the registry is stored and read, and how tokens are verified.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

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
