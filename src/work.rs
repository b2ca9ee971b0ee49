//! A unit of work: one write transaction, the instant it happens at, who causes it, and the
//! events it writes, which are published only after the transaction commits.

use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, RuntimeErr, SqlErr};

use crate::config::RulesConfig;
use crate::error::{AppError, AppResult};
use crate::events::{ActorRole, NoticeEventKind};

pub use crate::relay::EventBus;

/// One write transaction and what it has written.
pub struct Work {
    pub txn: DatabaseTransaction,
    pub now: i64,
    pub actor: ActorRole,
    pub rules: RulesConfig,
    events: Vec<entity::notice_event::Model>,
    /// Sellers whose strike counts were recounted: their components are recounted at commit.
    recounted: std::sync::Mutex<Vec<i64>>,
}

pub use crate::db::begin_write;

impl Work {
    /// Begins a write transaction (see [`begin_write`]).
    pub async fn begin(db: &DatabaseConnection, actor: ActorRole, now: i64, rules: &RulesConfig) -> AppResult<Self> {
        let txn = begin_write(db).await?;
        Ok(Self { txn, now, actor, rules: rules.clone(), events: Vec::new(), recounted: Default::default() })
    }

    /// Recounts a seller's active strikes now, and its component's at commit: all components a
    /// transaction touches are then locked together, in order.
    pub async fn recount_strikes(&self, seller: i64) -> AppResult<()> {
        crate::sql::kept::recount(&self.txn, &[seller], self.now).await?;
        if let Ok(mut recounted) = self.recounted.lock() {
            recounted.push(seller);
        }
        Ok(())
    }

    /// The backend the transaction runs on.
    pub fn backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    /// Locks row `id` of `table` until the transaction ends (PostgreSQL; SQLite's write lock
    /// already serializes writers), so that what is read next is not changed underneath.
    pub async fn lock(&self, table: &str, id: i64) -> AppResult<()> {
        crate::sql::lock_rows(&self.txn, table, &[id]).await
    }

    /// Locks rows `ids` of `table` in id order (see `lock`).
    pub async fn lock_all(&self, table: &str, ids: impl IntoIterator<Item = i64>) -> AppResult<()> {
        let ids: Vec<i64> = ids.into_iter().collect();
        crate::sql::lock_rows(&self.txn, table, &ids).await
    }

    /// Writes an event, to be published once the transaction commits.
    #[expect(clippy::too_many_arguments, reason = "an event row: each column is its own argument")]
    pub async fn event(
        &mut self,
        kind: NoticeEventKind,
        actor: ActorRole,
        brand: i64,
        notice: Option<i64>,
        item: Option<i64>,
        seller: Option<i64>,
        note: Option<String>,
    ) -> AppResult<()> {
        use sea_orm::{ActiveModelTrait, Set};
        let model = entity::notice_event::ActiveModel {
            brand_id: Set(brand),
            notice_id: Set(notice),
            item_id: Set(item),
            seller_id: Set(seller),
            kind: Set(kind),
            actor_role: Set(actor),
            at: Set(self.now),
            note: Set(note),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        self.events.push(model);
        Ok(())
    }

    /// Commits, then publishes the events written.
    pub async fn commit(self, bus: &EventBus) -> AppResult<()> {
        let recounted = self.recounted.lock().map(|r| r.clone()).unwrap_or_default();
        if !recounted.is_empty() {
            crate::sql::kept::recount_clusters_of(&self.txn, &recounted).await?;
        }
        if !self.events.is_empty() && self.backend() == DbBackend::Postgres {
            // Delivered at commit, to every process's relay (relay.rs).
            self.txn.execute_unprepared(&format!("NOTIFY {}", crate::relay::CHANNEL)).await?;
        }
        self.txn.commit().await?;
        bus.committed(self.events);
        Ok(())
    }
}

/// When the next question to a brand falls due: the earliest deadline of an `INFO_REQUESTED`
/// item this process knows of. Every request compares it with its instant (one atomic load), and
/// the first to pass it settles what fell due before answering, so readers see an unanswered item
/// rejected as soon as its deadline passes, whether or not anything ran at that moment.
pub struct Deadlines {
    next: std::sync::atomic::AtomicI64,
    /// Held while the due items are settled and the next deadline is read again, and while a new
    /// deadline is recorded, so that neither overwrites the other.
    pub settling: tokio::sync::Mutex<()>,
}

impl Default for Deadlines {
    /// Unknown at start: the first request looks.
    fn default() -> Self {
        Self { next: std::sync::atomic::AtomicI64::new(i64::MIN), settling: tokio::sync::Mutex::new(()) }
    }
}

impl Deadlines {
    /// Whether a deadline may have passed by `now`.
    pub fn passed(&self, now: i64) -> bool {
        self.next.load(std::sync::atomic::Ordering::Acquire) <= now
    }

    /// Records the next deadline (`None`: no item waits); call with `settling` held.
    pub fn set(&self, next: Option<i64>) {
        self.next.store(next.unwrap_or(i64::MAX), std::sync::atomic::Ordering::Release);
    }

    /// Records a new deadline; call with `settling` held.
    pub fn lower(&self, at: i64) {
        self.next.fetch_min(at, std::sync::atomic::Ordering::AcqRel);
    }
}

/// Whether `err` is a violation of a unique constraint.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
        || matches!(err, DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))
            if e.to_string().contains("UNIQUE constraint failed"))
}

/// Maps a unique violation to `CONFLICT` with `message`, anything else to an internal error.
pub fn conflict_on_unique(err: DbErr, field: &str, message: &str) -> AppError {
    if is_unique_violation(&err) {
        AppError::conflict_at(field, format!("{field}: {message}"))
    } else {
        AppError::from(err)
    }
}
