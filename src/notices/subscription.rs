//! Live notice events over `graphql-transport-ws`: committed events of one brand, filtered by what
//! the subscriber may see.

use async_graphql::{Context, ID, Subscription as SubscriptionObject};
use futures_util::{Stream, StreamExt, future};
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
        Ok(events.filter_map(move |received| {
            // A subscriber too slow to keep up misses events rather than holding up the writers.
            let event = received.ok().filter(|e| {
                e.brand_id == brand
                    && match scope {
                        Scope::All | Scope::Brand(_) => true,
                        Scope::Seller(s) => e.seller_id == Some(s),
                    }
            });
            future::ready(event.map(NoticeEvent))
        }))
    }
}
