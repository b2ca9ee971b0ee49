//! Trademark queries.

use async_graphql::{Context, ID, Object};

use super::types::Trademark;
use crate::error::AppResult;
use crate::graph;
use crate::ids::Kind;
use crate::loaders::Trademarks;

/// Trademark queries; every role sees trademarks.
#[derive(Default)]
pub struct TrademarkQuery;

#[Object]
impl TrademarkQuery {
    /// One trademark.
    async fn trademark(&self, ctx: &Context<'_>, id: ID) -> AppResult<Option<Trademark>> {
        Ok(Some(Trademark(graph::find::<Trademarks>(ctx, &id, Kind::Trademark, "id").await?)))
    }
}
