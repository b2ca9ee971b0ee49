//! Live notice events over `graphql-transport-ws`: committed events of one brand, filtered by what
//! the subscriber may see, from any replica (see `relay.rs`); `afterEventId` first replays what
//! the subscriber missed.

use std::collections::{HashSet, VecDeque};

use async_graphql::{Context, ID, Subscription as SubscriptionObject};
use futures_util::{Stream, StreamExt, stream};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

use super::types::NoticeEvent;
use crate::auth::Scope;
use crate::error::AppError;
use crate::graph;
use crate::ids::Key;
use entity::notice_event;

/// Events replayed per statement.
const PAGE: u64 = 200;

/// The subscription root.
#[derive(Default)]
pub struct Subscription;

/// What one subscription has yet to send: the replay, then the live events.
struct Feed {
    live: BroadcastStream<notice_event::Model>,
    /// Replayed events read and not sent yet.
    backlog: VecDeque<notice_event::Model>,
    /// Where the replay goes on reading (`None`: done).
    replay_after: Option<i64>,
    /// Ids replayed, so that the live stream does not send them again.
    replayed: HashSet<i64>,
    /// The highest event id this feed has taken in, replayed or live: should the subscriber fall
    /// behind the live events, it reads them from the database after this one.
    seen: i64,
    db: DatabaseConnection,
    state: std::sync::Arc<graph::RequestState>,
    audience: Audience,
}

/// Whose events a subscriber is sent: its brand's, those of them its scope may see.
struct Audience {
    brand: i64,
    scope: Scope,
}

impl Audience {
    /// Whether `event` is sent to the subscriber.
    fn sees(&self, event: &notice_event::Model) -> bool {
        event.brand_id == self.brand
            && match self.scope {
                Scope::All | Scope::Brand(_) => true,
                Scope::Seller(s) => event.seller_id == Some(s),
            }
    }
}

/// Live feeds over `graphql-transport-ws` at `/graphql/ws` (the token in `connection_init`).
#[SubscriptionObject]
impl Subscription {
    /// Events of one brand's notices as they happen; a BRAND_AGENT may watch only its own brand.
    /// With `afterEventId` (the id of the last event received, after a reconnect), the events
    /// committed since are sent first, in order, then the live ones, each once.
    async fn notice_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The brand whose notices' events to watch (opaque global id).")] brand_id: ID,
        #[graphql(desc = "The id of the last event received: replay what was committed after it first.")]
        after_event_id: Option<ID>,
    ) -> Result<impl Stream<Item = NoticeEvent>, AppError> {
        let identity = graph::identity(ctx)?;
        let brand = Key::<crate::objects::Brand>::decode(&brand_id, "brandId")?.get();
        let after = after_event_id
            .map(|id| Key::<crate::objects::NoticeEvent>::decode(&id, "afterEventId").map(Key::get))
            .transpose()?;
        let scope = identity.scope();
        if let Scope::Brand(own) = scope
            && own != brand
        {
            return Err(AppError::Forbidden("a brand agent may watch only its own brand".into()));
        }
        let shared = graph::shared(ctx)?;
        // Every event after `latest` reaches the live stream, read just after: a subscriber
        // that falls behind reads from the database after the last event it took in.
        let latest = shared.events.latest();
        // Subscribed before the replay is read: an event committed in between is in one or both,
        // and `replayed` keeps it from being sent twice.
        let feed = Feed {
            live: BroadcastStream::new(shared.events.subscribe()),
            backlog: VecDeque::new(),
            replay_after: after,
            replayed: HashSet::new(),
            seen: after.map_or(latest, |after| after.max(latest)),
            db: shared.db.clone(),
            state: graph::request_arc(ctx)?.clone(),
            audience: Audience { brand, scope },
        };
        Ok(stream::unfold(feed, Feed::next))
    }
}

impl Feed {
    /// The next event to send, and the feed that sends the ones after it; `None` ends the
    /// subscription (the live stream closed, or the replay could not be read).
    async fn next(mut self) -> Option<(NoticeEvent, Self)> {
        // The previous event (if any) is answered by the time the next one is asked for: a
        // subscription resolves its events in turn.
        self.state.event_answered();
        loop {
            if let Some(event) = self.backlog.pop_front() {
                self.state.admit_event().await;
                return Some((NoticeEvent(event), self));
            }
            if let Some(after) = self.replay_after {
                if let Err(err) = self.read_replay(after).await {
                    // The subscriber reconnects and asks again from its last event.
                    tracing::warn!(%err, "cannot replay notice events; ending the subscription");
                    return None;
                }
                continue;
            }
            let event = match self.live.next().await? {
                Ok(event) => event,
                // The subscriber fell behind by more than the buffer (`--event-buffer`): the
                // writers do not wait for it; it reads what it missed from the database. (An
                // event that fills a late gap below `seen`, dropped while the subscriber lags,
                // is the one case it cannot read back this way.)
                Err(BroadcastStreamRecvError::Lagged(missed)) => {
                    tracing::info!(missed, "a subscriber fell behind; reading its events from the database");
                    self.replay_after = Some(self.seen);
                    continue;
                }
            };
            self.seen = self.seen.max(event.id);
            if self.audience.sees(&event) && !self.replayed.contains(&event.id) {
                // Each event is answered at its own instant, with loaders of its own, under
                // a permit of the concurrency limit.
                self.state.admit_event().await;
                return Some((NoticeEvent(event), self));
            }
        }
    }

    /// Reads the page of the replay after `after`: the events the subscriber may see go into the
    /// backlog, every one read is marked replayed (so that the live stream does not send it
    /// again), and the replay goes on after this page only when it was full.
    async fn read_replay(&mut self, after: i64) -> Result<(), sea_orm::DbErr> {
        // Reading the replay is work like answering an event: under a permit of the
        // concurrency limit and within the request timeout.
        self.state.admit_event().await;
        let page = replay_page(&self.db, self.audience.brand, after).await;
        self.state.event_answered();
        let page = page?;
        self.replay_after = (page.len() as u64 == PAGE).then(|| page.last().map_or(after, |e| e.id));
        for event in page {
            self.seen = self.seen.max(event.id);
            self.replayed.insert(event.id);
            if self.audience.sees(&event) {
                self.backlog.push_back(event);
            }
        }
        Ok(())
    }
}

/// The brand's events after `after`, oldest first, one page.
async fn replay_page(
    db: &DatabaseConnection,
    brand: i64,
    after: i64,
) -> Result<Vec<notice_event::Model>, sea_orm::DbErr> {
    notice_event::Entity::find()
        .filter(notice_event::Column::BrandId.eq(brand))
        .filter(notice_event::Column::Id.gt(after))
        .order_by_asc(notice_event::Column::Id)
        .limit(PAGE)
        .all(db)
        .await
}
