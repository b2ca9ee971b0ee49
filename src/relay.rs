//! Committed events, to the subscribers of every process.
//!
//! One process (SQLite, or a PostgreSQL deployment of one) publishes the events a transaction
//! wrote once it commits. Several replicas on one PostgreSQL database cannot hear one another's
//! commits that way, so there every transaction that writes events sends `NOTIFY` on
//! [`CHANNEL`] as it commits, and each process runs a relay: a connection of its own that
//! `LISTEN`s, and on each notification (and every second regardless) reads the events after the
//! last one it delivered and publishes them, its own included, in id order, once each.
//!
//! Event ids come from a sequence when the row is written, so a transaction that commits late
//! leaves a hole below ids already delivered. The relay remembers such holes for a grace period
//! (longer than a request may hold a transaction open) and delivers an event that fills one as
//! soon as it is committed; a hole still empty after the grace period was a rollback. Events of
//! one notice are written under that notice's row lock, so their ids are in commit order and a
//! late hole never reorders them. After its connection drops (PostgreSQL restarting) the relay
//! reconnects and reads everything committed meanwhile from the table: nothing is missed.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use entity::notice_event;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tokio::sync::broadcast;

/// The PostgreSQL notification channel of committed events.
pub const CHANNEL: &str = "rightsgraph_events";
/// How often the relay reads the table without a notification.
const POLL: Duration = Duration::from_secs(1);
/// Events read per statement.
const BATCH: u64 = 500;
/// Holes remembered at most; a larger gap (a sequence that jumped) is not a transaction.
const MAX_HOLES: usize = 10_000;

/// Where committed events go: subscriptions listen here.
#[derive(Clone)]
pub struct EventBus {
    sender: broadcast::Sender<notice_event::Model>,
    /// The highest event id published so far.
    latest: std::sync::Arc<std::sync::atomic::AtomicI64>,
    /// Whether a relay delivers every committed event (own ones included).
    relayed: bool,
    /// Events delivered and their delay, relay connects.
    metrics: crate::metrics::Metrics,
}

impl EventBus {
    /// A bus that publishes each process's own commits (one process).
    pub fn local(capacity: usize, metrics: crate::metrics::Metrics) -> Self {
        Self { sender: broadcast::channel(capacity).0, latest: Default::default(), relayed: false, metrics }
    }

    /// A bus fed by a relay from the database (replicas on PostgreSQL).
    pub fn relayed(capacity: usize, metrics: crate::metrics::Metrics) -> Self {
        Self { sender: broadcast::channel(capacity).0, latest: Default::default(), relayed: true, metrics }
    }

    /// Whether events reach this bus from the database rather than from its own commits.
    pub fn is_relayed(&self) -> bool {
        self.relayed
    }

    /// A new subscriber: every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<notice_event::Model> {
        self.sender.subscribe()
    }

    /// The highest event id published so far (0: none). Read before `subscribe`, every event
    /// after it reaches the new subscriber, or, should it fall behind, is in the database after it.
    pub fn latest(&self) -> i64 {
        self.latest.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Publishes what a transaction of this process wrote, now that it has committed; with a
    /// relay, the relay publishes them.
    pub fn committed(&self, events: Vec<notice_event::Model>) {
        if !self.relayed {
            for event in events {
                self.deliver(event);
            }
        }
    }

    fn deliver(&self, event: notice_event::Model) {
        self.metrics.event(crate::time::now_micros() - event.at);
        self.latest.fetch_max(event.id, std::sync::atomic::Ordering::AcqRel);
        // No subscriber is not an error.
        let _ = self.sender.send(event);
    }
}

/// What the relay has delivered: every id up to `last`, but the holes it still waits for.
#[derive(Debug)]
pub struct Cursor {
    last: i64,
    holes: BTreeMap<i64, Instant>,
    grace: Duration,
}

impl Cursor {
    /// A cursor that has delivered everything up to `last`.
    pub fn new(last: i64, grace: Duration) -> Self {
        Self { last, holes: BTreeMap::new(), grace }
    }

    /// The last id delivered.
    pub fn last(&self) -> i64 {
        self.last
    }

    /// The ids below `last` not committed yet, oldest first.
    pub fn holes(&self) -> Vec<i64> {
        self.holes.keys().copied().collect()
    }

    /// Of `rows` (read after `last` or in the holes), those not delivered yet, in id order;
    /// they count as delivered from now on.
    pub fn take(&mut self, mut rows: Vec<notice_event::Model>, now: Instant) -> Vec<notice_event::Model> {
        rows.sort_by_key(|r| r.id);
        rows.dedup_by_key(|r| r.id);
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            if row.id > self.last {
                let gap = row.id - self.last - 1;
                if gap > 0 && usize::try_from(gap).is_ok_and(|g| g + self.holes.len() <= MAX_HOLES) {
                    for hole in self.last + 1..row.id {
                        self.holes.insert(hole, now);
                    }
                }
                self.last = row.id;
                out.push(row);
            } else if self.holes.remove(&row.id).is_some() {
                out.push(row);
            }
        }
        out
    }

    /// Forgets the holes older than the grace period: their transactions rolled back.
    pub fn expire(&mut self, now: Instant) {
        let grace = self.grace;
        self.holes.retain(|_, seen| now.duration_since(*seen) < grace);
    }
}

/// Reads what was committed after `cursor` (and into its holes) and publishes it on `bus`.
pub async fn drain(db: &DatabaseConnection, cursor: &mut Cursor, bus: &EventBus) -> Result<usize, sea_orm::DbErr> {
    let mut published = 0;
    loop {
        let fresh = notice_event::Entity::find()
            .filter(notice_event::Column::Id.gt(cursor.last()))
            .order_by_asc(notice_event::Column::Id)
            .limit(BATCH)
            .all(db)
            .await?;
        let full = fresh.len() as u64 == BATCH;
        let holes = cursor.holes();
        let mut rows = fresh;
        for chunk in holes.chunks(1000) {
            rows.extend(
                notice_event::Entity::find()
                    .filter(notice_event::Column::Id.is_in(chunk.iter().copied()))
                    .all(db)
                    .await?,
            );
        }
        let now = Instant::now();
        for event in cursor.take(rows, now) {
            bus.deliver(event);
            published += 1;
        }
        cursor.expire(now);
        if !full {
            return Ok(published);
        }
    }
}

/// The last event id committed so far: where a relay starts.
pub async fn last_id(db: &DatabaseConnection) -> Result<i64, sea_orm::DbErr> {
    let last = notice_event::Entity::find()
        .select_only()
        .column_as(notice_event::Column::Id.max(), "m")
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?;
    Ok(last.flatten().unwrap_or(0))
}

/// Relays the events committed on the PostgreSQL database at `url` (by any process) to `bus`,
/// for as long as the process runs. `grace`: how long a transaction may stay open. It reads on
/// connections of its own, beside the pool that serves requests, and starts after event `last`.
pub async fn run(url: String, bus: EventBus, grace: Duration, last: i64) {
    use sea_orm::sqlx::postgres::PgListener;
    let db = loop {
        let options = sea_orm::ConnectOptions::new(url.clone()).max_connections(1).min_connections(0).to_owned();
        match sea_orm::Database::connect(options).await {
            Ok(db) => break db,
            Err(err) => {
                tracing::warn!(%err, "event relay: cannot connect; retrying");
                tokio::time::sleep(POLL).await;
            }
        }
    };
    let mut cursor = Cursor::new(last, grace);
    loop {
        let mut listener = match PgListener::connect(&url).await {
            Ok(listener) => listener,
            Err(err) => {
                tracing::warn!(%err, "event relay: cannot connect to listen; retrying");
                tokio::time::sleep(POLL).await;
                continue;
            }
        };
        if let Err(err) = listener.listen(CHANNEL).await {
            tracing::warn!(%err, "event relay: LISTEN failed; retrying");
            tokio::time::sleep(POLL).await;
            continue;
        }
        bus.metrics.relay_connects.inc();
        tracing::debug!(after = cursor.last(), "event relay: listening");
        loop {
            // Catch up first: on (re)connecting, everything committed while nobody listened.
            if let Err(err) = drain(&db, &mut cursor, &bus).await {
                tracing::warn!(%err, "event relay: cannot read events; retrying");
            }
            match tokio::time::timeout(POLL, listener.try_recv()).await {
                Ok(Ok(Some(_))) => while listener.next_buffered().is_some() {},
                Ok(Ok(None)) => tracing::warn!("event relay: the listening connection dropped; catching up"),
                Ok(Err(err)) => {
                    tracing::warn!(%err, "event relay: listening failed; reconnecting");
                    tokio::time::sleep(POLL).await;
                    break;
                }
                Err(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: i64) -> notice_event::Model {
        notice_event::Model {
            id,
            kind: crate::events::NoticeEventKind::NoticeSubmitted,
            actor_role: crate::events::ActorRole::Admin,
            brand_id: 1,
            notice_id: None,
            item_id: None,
            seller_id: None,
            note: None,
            at: 0,
        }
    }

    fn ids(rows: &[notice_event::Model]) -> Vec<i64> {
        rows.iter().map(|r| r.id).collect()
    }

    #[test]
    fn a_late_commit_below_the_cursor_is_delivered_once() {
        let t0 = Instant::now();
        let mut cursor = Cursor::new(10, Duration::from_secs(30));
        // 12 committed before 11: 11 is a hole.
        assert_eq!(ids(&cursor.take(vec![event(12)], t0)), vec![12]);
        assert_eq!(cursor.holes(), vec![11]);
        // Read again (another notification): nothing twice.
        assert_eq!(ids(&cursor.take(vec![event(12)], t0)), Vec::<i64>::new());
        // 11 commits: delivered, and the hole is gone.
        assert_eq!(ids(&cursor.take(vec![event(11), event(13)], t0)), vec![11, 13]);
        assert!(cursor.holes().is_empty());
        assert_eq!(ids(&cursor.take(vec![event(11)], t0)), Vec::<i64>::new());
    }

    #[test]
    fn a_hole_older_than_the_grace_period_was_a_rollback() {
        let t0 = Instant::now();
        let mut cursor = Cursor::new(0, Duration::from_secs(30));
        cursor.take(vec![event(3)], t0);
        assert_eq!(cursor.holes(), vec![1, 2]);
        cursor.expire(t0 + Duration::from_secs(29));
        assert_eq!(cursor.holes(), vec![1, 2]);
        cursor.expire(t0 + Duration::from_secs(31));
        assert!(cursor.holes().is_empty());
    }

    #[test]
    fn a_sequence_jump_is_not_remembered_as_holes() {
        let mut cursor = Cursor::new(0, Duration::from_secs(30));
        assert_eq!(ids(&cursor.take(vec![event(1_000_000)], Instant::now())), vec![1_000_000]);
        assert!(cursor.holes().is_empty());
    }
}
