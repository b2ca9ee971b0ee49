//! Trademark queries.

use async_graphql::{Context, ID, Object};

use super::types::Trademark;
use crate::error::AppResult;
use crate::graph;
use crate::ids::Key;
use crate::ids::Kind;
use crate::loaders::Trademarks;

/// Trademark queries; every role sees trademarks.
#[derive(Default)]
pub struct TrademarkQuery;

#[Object]
impl TrademarkQuery {
    /// One trademark; null with `NOT_FOUND` when there is none.
    async fn trademark(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The trademark's opaque global id.")] id: ID,
    ) -> AppResult<Option<Trademark>> {
        Ok(Some(Trademark(graph::find::<Trademarks>(ctx, &id, Kind::Trademark, "id").await?)))
    }
}

/// Trademark mutations.
#[derive(Default)]
pub struct TrademarkMutation;

#[Object]
impl TrademarkMutation {
    /// Registers a trademark (ADMIN, BRAND_AGENT of the brand).
    async fn register_trademark(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The registration; it starts `PENDING_VERIFICATION`.")]
        input: super::types::RegisterTrademarkInput,
    ) -> AppResult<Trademark> {
        let identity = graph::identity(ctx)?;
        let now = graph::request(ctx)?.now();
        let brand = Key::<crate::objects::Brand>::decode(&input.brand_id, "brandId")?;
        let registration = super::service::Registration::new(
            brand,
            &input.mark,
            &input.registration_number,
            &input.jurisdiction,
            &input.nice_classes,
            input.expires_on.map(|d| d.0),
        )?;
        Ok(Trademark(super::service::register(graph::shared(ctx)?, identity, now, registration).await?))
    }

    /// Verifies or rejects a trademark (ADMIN, REVIEWER).
    async fn verify_trademark(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The trademark and the decision.")] input: super::types::VerifyTrademarkInput,
    ) -> AppResult<Trademark> {
        let identity = graph::identity(ctx)?;
        let trademark = Key::<crate::objects::Trademark>::decode(&input.trademark_id, "trademarkId")?;
        Ok(Trademark(super::service::verify(graph::shared(ctx)?, identity, trademark, input.approve).await?))
    }
}
