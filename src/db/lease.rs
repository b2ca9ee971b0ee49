//! Which process runs the background work (the strike sweep, settling requests for information
//! that fell due): one at a time. On PostgreSQL that is the process holding a session advisory
//! lock, on a connection of its own; when it dies its session ends, the lock is free, and another
//! replica takes it at its next tick. With SQLite there is one process, and it always runs them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sea_orm::sqlx::postgres::PgConnection;
use sea_orm::sqlx::{Connection, Row};

/// The advisory lock key of the background work (`pg_advisory_xact_lock(7261001)` serializes
/// merges of the seller link graph; this is another key).
pub const KEY: i64 = 7_261_002;

/// This process's claim on the background work.
pub struct Lease {
    /// The PostgreSQL database, if it is one.
    url: Option<String>,
    conn: Option<PgConnection>,
    held: bool,
    /// Whether this process runs the background work now (for `/metrics`).
    pub role: Arc<AtomicBool>,
}

impl Lease {
    /// A lease on the database at `url`; `role` says whether this process holds it.
    pub fn new(url: &str, role: Arc<AtomicBool>) -> Self {
        let postgres = url.starts_with("postgres://") || url.starts_with("postgresql://");
        Self { url: postgres.then(|| url.to_owned()), conn: None, held: false, role }
    }

    /// Whether this process may run the background work now: it holds the lock, or took it.
    pub async fn hold(&mut self) -> bool {
        let held = match &self.url {
            None => true,
            Some(url) => self.claim(url.clone()).await,
        };
        if held != self.held {
            if held {
                tracing::info!("this process runs the background work now");
            } else if self.url.is_some() {
                tracing::info!("another process runs the background work");
            }
        }
        self.held = held;
        self.role.store(held, Ordering::Relaxed);
        held
    }

    async fn claim(&mut self, url: String) -> bool {
        if self.conn.is_none() {
            match PgConnection::connect(&url).await {
                Ok(conn) => self.conn = Some(conn),
                Err(err) => {
                    tracing::warn!(%err, "cannot connect to claim the background work; retrying at the next tick");
                    return false;
                }
            }
        }
        let Some(conn) = self.conn.as_mut() else { return false };
        // Holding: the session still being alive is the lock still being held. Not holding: try.
        let query = if self.held {
            sea_orm::sqlx::query("SELECT true AS held")
        } else {
            sea_orm::sqlx::query("SELECT pg_try_advisory_lock($1) AS held").bind(KEY)
        };
        match query.fetch_one(&mut *conn).await.and_then(|row| row.try_get("held")) {
            Ok(held) => held,
            Err(err) => {
                tracing::warn!(%err, "lost the connection that holds the background work; trying again");
                self.conn = None;
                self.held = false;
                false
            }
        }
    }

    /// Gives the work up (the connection closes, and with it the lock).
    pub async fn release(&mut self) {
        if let Some(conn) = self.conn.take() {
            let _ = conn.close().await;
        }
        self.held = false;
        self.role.store(false, Ordering::Relaxed);
    }
}
