//! rightsgraph: a GraphQL API over an intellectual-property rights and listings registry.
//!
//! `build_app` turns a `Config` into the router and schema, so tests run the whole service in
//! process; `main.rs` only parses the command line and calls in here.

pub mod analytics;
pub mod auth;
pub mod brands;
pub mod budget;
pub mod channel;
pub mod columns;
pub mod config;
pub mod db;
pub mod declare;
pub mod demo;
pub mod error;
pub mod events;
pub mod evidence;
pub mod fields;
pub mod graph;
pub mod http;
pub mod ids;
pub mod listings;
pub mod loaders;
pub mod metrics;
pub mod notices;
pub mod objects;
pub mod pagination;
pub mod permits;
pub mod plan;
pub mod relay;
pub mod scalars;
pub mod schema;
pub mod seed;
pub mod sellers;
pub mod serve;
pub mod sql;
pub mod statements;
pub mod states;
pub mod time;
pub mod trademarks;
pub mod values;
pub mod work;

use std::sync::Arc;

use axum::Router;
use migration::Migrator;
use sea_orm::DatabaseConnection;

use crate::auth::Verifier;
use crate::config::Config;
use crate::db::StatementCounter;
use crate::graph::Shared;
use crate::schema::AppSchema;

/// A built service: its router, schema and database.
pub struct App {
    pub router: Router,
    pub schema: AppSchema,
    pub db: DatabaseConnection,
    pub statements: StatementCounter,
    /// What the services need: the database, the rules, the event bus.
    pub shared: Shared,
    /// Permits to execute a GraphQL request, `--max-concurrent-requests` of them.
    pub executing: permits::Permits,
    /// The one execution path of every GraphQL request.
    pub pipeline: Arc<http::Pipeline>,
    /// What `/metrics` reports.
    pub metrics: metrics::Metrics,
}

/// Connects to the database, applies pending migrations and builds the service.
pub async fn build_app(config: &Config) -> Result<App, String> {
    let verifier = Verifier::from_config(&config.auth)?;
    let (db, statements) = db::connect(&config.db.database_url)
        .await
        .map_err(|e| format!("cannot open database {}: {e}", db::redact(&config.db.database_url)))?;
    let applied = Migrator::apply(&db).await.map_err(|e| format!("cannot migrate the database: {e}"))?;
    tracing::info!("{applied}");
    let (count, seconds) = statements.metrics();
    let metrics = metrics::Metrics::new(count, seconds, config.reads.database_read_url.is_some());
    let events = if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        // Replicas share one database: every process relays every commit (see relay.rs). A
        // transaction lives at most as long as its request, so a hole older than twice that
        // was a rollback.
        let bus = relay::EventBus::relayed(config.ws.event_buffer as usize, metrics.clone());
        // Every event committed once the app is built reaches its subscribers.
        let last = relay::last_id(&db).await.map_err(|e| format!("cannot read the registry: {e}"))?;
        let grace = (config.limits.request_timeout * 2).max(std::time::Duration::from_secs(10));
        tokio::spawn(relay::run(config.db.database_url.clone(), bus.clone(), grace, last));
        bus
    } else {
        relay::EventBus::local(config.ws.event_buffer as usize, metrics.clone())
    };
    let shared = Shared { db: db.clone(), rules: config.rules.clone(), events, deadlines: Default::default() };
    let keyed = listings::service::key_addresses(&db).await.map_err(|e| format!("cannot read the registry: {e:?}"))?;
    if keyed > 0 {
        tracing::info!(listings = keyed, "kept the normalized address of listings written before addresses were");
    }
    channel::service::learn_deadlines(&shared).await.map_err(|e| format!("cannot read the registry: {e:?}"))?;
    let schema = schema::build(shared.clone(), &config.limits);
    let executing = permits::Permits::new(config.limits.max_concurrent_requests as usize);
    let reads = match &config.reads.database_read_url {
        Some(url) => {
            db::standby::Reads::with_standby(db.clone(), url, config.reads.max_read_lag, &statements, metrics.clone())
                .await?
        }
        None => db::standby::Reads::primary_only(db.clone(), &statements, metrics.clone()),
    };
    let pipeline = http::Pipeline::new(
        schema.clone(),
        Arc::new(verifier),
        shared.clone(),
        reads,
        config.limits.clone(),
        executing.clone(),
        metrics.clone(),
    )?;
    pipeline.planner.store(config.planner, std::sync::atomic::Ordering::Relaxed);
    let pipeline = Arc::new(pipeline);
    let router = http::router(http::HttpState {
        pipeline: pipeline.clone(),
        statements: statements.clone(),
        ws: config.ws.clone(),
        sockets: Arc::new(tokio::sync::Semaphore::new(config.ws.max_websockets as usize)),
    });
    Ok(App { router, schema, db, statements, shared, executing, pipeline, metrics })
}

/// Connects to and migrates the database at `url`, for commands that run the services without
/// serving (seed).
pub async fn connect_shared(url: &str, rules: config::RulesConfig) -> Result<Shared, String> {
    let (db, _) = db::connect(url).await.map_err(|e| format!("cannot open database {}: {e}", db::redact(url)))?;
    let applied = Migrator::apply(&db).await.map_err(|e| format!("cannot migrate the database: {e}"))?;
    tracing::info!("{applied}");
    // Nobody subscribes to a command's events.
    Ok(Shared {
        db,
        rules,
        events: relay::EventBus::local(16, metrics::Metrics::default()),
        deadlines: Default::default(),
    })
}

/// Applies pending migrations to the database at `url`; returns what was applied.
pub async fn migrate(url: &str) -> Result<migration::Applied, String> {
    let (db, _) = db::connect(url).await.map_err(|e| format!("cannot open database {}: {e}", db::redact(url)))?;
    Migrator::apply(&db).await.map_err(|e| format!("cannot migrate the database: {e}"))
}
