//! `rightsgraph serve`: build the app, optionally load the demo data, listen, sweep stale strike
//! counts, and stop gracefully on SIGTERM or Ctrl-C.

use rand::RngCore;

use crate::config::Config;
use crate::time::now_micros;

/// Migrates, optionally loads the demo data, then serves until SIGTERM or Ctrl-C.
pub async fn serve(mut config: Config, demo: bool) -> Result<(), String> {
    if config.auth.jwt_secret.is_none() && config.auth.jwt_public_key.is_none() {
        if !demo {
            return Err(
                "no JWT key: set RIGHTSGRAPH_JWT_SECRET or RIGHTSGRAPH_JWT_PUBLIC_KEY (or run serve --demo)".into()
            );
        }
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        config.auth.jwt_secret = Some(key.iter().map(|b| format!("{b:02x}")).collect());
        println!("no RIGHTSGRAPH_JWT_SECRET set: generated a random key for this run (tokens below die with it)");
    }
    let app = crate::build_app(&config).await?;
    if demo {
        let loaded =
            crate::demo::load_demo(&app.shared).await.map_err(|e| format!("cannot load the demo data: {e}"))?;
        if !loaded {
            println!("database is not empty: demo data not loaded");
        }
        if let Some(secret) = &config.auth.jwt_secret {
            crate::demo::print_tokens(&app.db, secret).await?;
        }
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    if !config.strike_sweep_interval.is_zero() {
        tokio::spawn(sweep_strikes(app.db.clone(), config.strike_sweep_interval));
    }
    println!("listening on http://{addr}");
    println!("GraphiQL: http://{addr}/graphql");
    axum::serve(listener, app.router)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("server failed: {e}"))
}

/// Recounts stale strike counts every `every`, for as long as the server runs.
async fn sweep_strikes(db: sea_orm::DatabaseConnection, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match crate::sellers::strikes::sweep(&db, now_micros()).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(sellers = n, "recounted expired strikes"),
            Err(err) => tracing::warn!(?err, "strike sweep failed; reads stay exact, it retries"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}
