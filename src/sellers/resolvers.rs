//! Seller queries.

use async_graphql::{Context, ID, Object};
use sea_orm::sea_query::ExprTrait;

use super::types::{Seller, SellerStatus};
use crate::error::AppResult;
use crate::graph;
use crate::ids::Key;
use crate::ids::Kind;
use crate::loaders::Sellers;
use crate::pagination::Connection;
use crate::sql::{ListSpec, t};

/// All sellers, oldest first, optionally of one status (shared with the planned executor).
pub fn sellers(status: Option<SellerStatus>) -> ListSpec {
    ListSpec::new("seller", crate::sql::order::BY_ID).and_opt(status.map(|s| t("status").eq(s)))
}

/// Seller queries; every role sees sellers.
#[derive(Default)]
pub struct SellerQuery;

#[Object]
impl SellerQuery {
    /// One seller; null with `NOT_FOUND` when there is none.
    async fn seller(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The seller's opaque global id.")] id: ID,
    ) -> AppResult<Option<Seller>> {
        Ok(Some(Seller(graph::find::<Sellers>(ctx, &id, Kind::Seller, "id").await?)))
    }

    /// All sellers, oldest first, optionally of one status.
    #[graphql(complexity = "crate::pagination::cost(first, child_complexity)")]
    async fn sellers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 1 to 100 (else `BAD_USER_INPUT`), default 20.")] first: Option<i32>,
        #[graphql(desc = "A previous page's `endCursor` (opaque): the page starts after it.")] after: Option<String>,
        #[graphql(desc = "Only sellers of this status; absent: all.")] status: Option<SellerStatus>,
    ) -> AppResult<Connection<Seller>> {
        graph::identity(ctx)?;
        graph::root(ctx, sellers(status), first, after, Seller).await
    }
}

/// Seller mutations.
#[derive(Default)]
pub struct SellerMutation;

#[Object]
impl SellerMutation {
    /// Registers a seller (ADMIN).
    async fn register_seller(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new seller; it starts `ACTIVE`.")] input: super::types::RegisterSellerInput,
    ) -> AppResult<Seller> {
        let identity = graph::identity(ctx)?;
        let now = graph::request(ctx)?.now();
        let shared = graph::shared(ctx)?;
        let seller = {
            let command = super::service::NewSeller::new(&input.handle, &input.display_name, &input.country)?;
            super::service::register(shared, identity, now, command).await?
        };
        Ok(Seller(seller))
    }

    /// Adds a payment account, phone, address … to a seller (ADMIN).
    async fn add_seller_identifier(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The seller and the identifier; one it already has changes nothing.")]
        input: super::types::AddSellerIdentifierInput,
    ) -> AppResult<Seller> {
        let identity = graph::identity(ctx)?;
        let now = graph::request(ctx)?.now();
        let shared = graph::shared(ctx)?;
        let seller = Key::<crate::objects::Seller>::decode(&input.seller_id, "sellerId")?;
        let identifier = super::identifier::Identifier::parse(input.kind, &input.value, "value")?;
        let seller = super::service::add_identifier(shared, identity, now, seller, identifier).await?;
        Ok(Seller(seller))
    }
}
