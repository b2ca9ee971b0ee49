//! Brand queries.

use async_graphql::{Context, ID, Object};

use super::types::Brand;
use crate::error::AppResult;
use crate::graph;
use crate::ids::Key;
use crate::ids::Kind;
use crate::loaders::Brands;
use crate::pagination::Connection;
use crate::sql::ListSpec;

/// All brands, oldest first (shared with the planned executor).
pub fn brands() -> ListSpec {
    ListSpec::new("brand", crate::sql::order::BY_ID)
}

/// Brand queries; every role sees brands.
#[derive(Default)]
pub struct BrandQuery;

#[Object]
impl BrandQuery {
    /// One brand; null with `NOT_FOUND` when there is none.
    async fn brand(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The brand's opaque global id.")] id: ID,
    ) -> AppResult<Option<Brand>> {
        Ok(Some(Brand(graph::find::<Brands>(ctx, &id, Kind::Brand, "id").await?)))
    }

    /// All brands, oldest first.
    #[graphql(complexity = "crate::pagination::cost(first, child_complexity)")]
    async fn brands(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 1 to 100 (else `BAD_USER_INPUT`), default 20.")] first: Option<i32>,
        #[graphql(desc = "A previous page's `endCursor` (opaque): the page starts after it.")] after: Option<String>,
    ) -> AppResult<Connection<Brand>> {
        graph::identity(ctx)?;
        graph::root(ctx, brands(), first, after, Brand).await
    }
}

/// Brand mutations.
#[derive(Default)]
pub struct BrandMutation;

#[Object]
impl BrandMutation {
    /// Creates a brand (ADMIN).
    async fn create_brand(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new brand.")] input: super::types::CreateBrandInput,
    ) -> AppResult<Brand> {
        let identity = graph::identity(ctx)?;
        let now = graph::request(ctx)?.now();
        let command = super::service::NewBrand::new(&input.name, &input.country)?;
        Ok(Brand(super::service::create(graph::shared(ctx)?, identity, now, command).await?))
    }

    /// Lifts a brand's suspension as a notifier: ACTIVE again (ADMIN).
    async fn lift_notifier_suspension(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The suspended brand (opaque global id).")] brand_id: ID,
    ) -> AppResult<Brand> {
        let identity = graph::identity(ctx)?;
        let brand = Key::<crate::objects::Brand>::decode(&brand_id, "brandId")?;
        let now = graph::request(ctx)?.now();
        Ok(Brand(crate::notices::standing::lift(graph::shared(ctx)?, identity, now, brand).await?))
    }
}
