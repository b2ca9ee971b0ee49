//! `rightsgraph serve`: build the app, optionally load the demo data, listen, sweep stale strike
//! counts, and stop gracefully on SIGTERM or Ctrl-C.

use rand::RngCore;

use crate::config::Config;
use crate::time::now_micros;

/// Migrates, optionally loads the demo data, then serves until SIGTERM or Ctrl-C.
pub async fn serve(mut config: Config, demo: bool) -> Result<(), String> {
    let mut key_origin = crate::demo::KeyOrigin::Supplied;
    if config.auth.jwt_secret.is_none() && config.auth.jwt_public_key.is_none() {
        if !demo {
            return Err(
                "no JWT key: set RIGHTSGRAPH_JWT_SECRET or RIGHTSGRAPH_JWT_PUBLIC_KEY (or run serve --demo)".into()
            );
        }
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        config.auth.jwt_secret = Some(key.iter().map(|b| format!("{b:02x}")).collect());
        key_origin = crate::demo::KeyOrigin::Generated;
        println!("no RIGHTSGRAPH_JWT_SECRET set: generated a random key for this run (tokens below die with it)");
    }
    let app = crate::build_app(&config).await?;
    if demo {
        let loaded =
            crate::demo::load_demo(&app.shared).await.map_err(|e| format!("cannot load the demo data: {e}"))?;
        if !loaded {
            println!("database is not empty: demo data not loaded (the tokens below act on the data already there)");
        }
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    if demo {
        // After binding, so that the console links carry the bound address (port 0 included).
        let program = std::env::args().next().unwrap_or_else(|| "rightsgraph".into());
        let server = format!("http://{addr}");
        print!(
            "{}",
            crate::demo::banner_with_console(&app.db, &config.auth, key_origin, &program, Some(&server)).await?
        );
    }
    if !config.strike_sweep_interval.is_zero() {
        let lease = crate::db::lease::Lease::new(&config.db.database_url, app.metrics.background.clone());
        tokio::spawn(sweep(app.shared.clone(), config.strike_sweep_interval, lease));
    }
    println!("listening on http://{addr}");
    println!("GraphiQL: http://{addr}/graphql");
    println!("console: http://{addr}/console");
    axum::serve(listener, app.router)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("server failed: {e}"))
}

/// Every `every`, for as long as the server runs, on the one replica that holds the lease:
/// recounts stale strike counts, and rejects the items whose brand let a request for
/// information fall due (so that subscribers hear of it even when nobody reads; a request that
/// comes first settles them itself).
async fn sweep(shared: crate::graph::Shared, every: std::time::Duration, mut lease: crate::db::lease::Lease) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if !lease.hold().await {
            continue;
        }
        match crate::sellers::strikes::sweep(&shared.db, now_micros()).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(sellers = n, "recounted expired strikes"),
            Err(err) => tracing::warn!(?err, "strike sweep failed; reads stay exact, it retries"),
        }
        match crate::channel::service::settle_due(&shared, now_micros(), true).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(items = n, "rejected items whose request for information fell due"),
            Err(err) => tracing::warn!(?err, "settling requests for information failed; it retries"),
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
