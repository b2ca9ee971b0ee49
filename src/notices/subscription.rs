//! Live notice events over `graphql-transport-ws`: committed events of one brand, filtered by what
//! the subscriber may see.

use async_graphql::{Context, ID, Subscription as SubscriptionObject};
use futures_util::{Stream, StreamExt, stream};
use tokio_stream::wrappers::BroadcastStream;

use super::types::NoticeEvent;
use crate::auth::Scope;
use crate::error::AppError;
use crate::graph;
use crate::ids::{self, Kind};

/// The subscription root.
#[derive(Default)]
pub struct Subscription;

#[SubscriptionObject]
impl Subscription {
    /// Events of one brand's notices as they happen; a BRAND_AGENT may watch only its own brand.
    async fn notice_events(
        &self,
        ctx: &Context<'_>,
        brand_id: ID,
    ) -> Result<impl Stream<Item = NoticeEvent>, AppError> {
        let identity = graph::identity(ctx)?;
        let brand = ids::decode(&brand_id, Kind::Brand, "brandId")?;
        let scope = identity.scope();
        if let Scope::Brand(own) = scope
            && own != brand
        {
            return Err(AppError::Forbidden("a brand agent may watch only its own brand".into()));
        }
        let events = BroadcastStream::new(graph::shared(ctx)?.events.subscribe());
        let state = graph::request_arc(ctx)?.clone();
        let visible = move |event: &entity::notice_event::Model| {
            event.brand_id == brand
                && match scope {
                    Scope::All | Scope::Brand(_) => true,
                    Scope::Seller(s) => event.seller_id == Some(s),
                }
        };
        Ok(stream::unfold((events, state), move |(mut events, state)| async move {
            // The previous event (if any) is answered by the time the next one is asked for: a
            // subscription resolves its events in turn.
            state.event_answered();
            loop {
                // A subscriber too slow to keep up misses events rather than holding up the writers.
                let Ok(event) = events.next().await? else { continue };
                if visible(&event) {
                    // Each event is answered at its own instant, with loaders of its own, under
                    // a permit of the concurrency limit.
                    state.admit_event().await;
                    return Some((NoticeEvent(event), (events, state)));
                }
            }
        }))
    }
}
