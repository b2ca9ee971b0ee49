//! The analytic objects: networks of linked sellers and clusters of the link graph.

use async_graphql::{Context, Object};

use std::collections::HashMap;

use super::links::{LinkList, Plan};
use super::service::ClusterRow;
use crate::error::{AppError, AppResult};
use crate::graph;
use crate::loaders::{ById, Rel, Sellers};
use crate::objects::Seller;
use crate::pagination::Connection;
use crate::states::IdentifierKind;

pub use crate::objects::{OffenderNetwork, SellerLink};

/// A seller reached from a network's root.
pub struct NetworkMember {
    pub seller: i64,
    pub hops: i32,
}

#[Object]
impl NetworkMember {
    async fn seller(&self, ctx: &Context<'_>) -> AppResult<Seller> {
        Ok(Seller(graph::load_ref::<Sellers>(ctx, self.seller).await?))
    }

    /// Links from the root to this seller (0 for the root).
    async fn hops(&self) -> i32 {
        self.hops
    }
}

#[Object]
impl SellerLink {
    async fn a(&self, ctx: &Context<'_>) -> AppResult<Seller> {
        Ok(Seller(graph::load_ref::<Sellers>(ctx, self.a).await?))
    }

    async fn b(&self, ctx: &Context<'_>) -> AppResult<Seller> {
        Ok(Seller(graph::load_ref::<Sellers>(ctx, self.b).await?))
    }

    async fn kind(&self) -> IdentifierKind {
        self.kind
    }
}

#[Object]
impl OffenderNetwork {
    async fn root(&self, ctx: &Context<'_>) -> AppResult<Seller> {
        Ok(Seller(graph::load_ref::<Sellers>(ctx, self.root).await?))
    }

    /// Breadth first from the root (hops 0), ties by id; at most 500.
    async fn members(&self) -> Vec<NetworkMember> {
        self.network.members.iter().map(|&(seller, hops)| NetworkMember { seller, hops }).collect()
    }

    /// Each linked pair among the members, once per kind.
    async fn links(&self, ctx: &Context<'_>) -> AppResult<LinkList> {
        let links = self
            .network
            .links
            .iter()
            .map(|&(a, b, kind)| {
                let kind = self.network.kinds.get(kind as usize);
                let kind = kind.ok_or_else(|| AppError::Internal("a link of no kind".into()))?;
                Ok((a, b, IdentifierKind::from_db(kind)?))
            })
            .collect::<AppResult<Vec<_>>>()?;
        let selection = ctx.with_selection_set(&ctx.item.node.selection_set);
        let sellers = match Plan::of(&selection) {
            // The rows come through the loader, so they are the members' rows, read once.
            Some(plan) if plan.needs_rows() => {
                let ids = self.network.members.iter().map(|m| ById::<Sellers>::new(m.0));
                graph::request(ctx)?.loaders().load_many(ids).await?.into_iter().map(|(k, v)| (k.0, v)).collect()
            }
            _ => HashMap::new(),
        };
        Ok(LinkList { links, sellers })
    }

    /// Active strikes of all members.
    async fn total_active_strikes(&self) -> i32 {
        i32::try_from(self.network.total_active_strikes).unwrap_or(i32::MAX)
    }

    /// Whether more sellers were reachable than the 500 listed.
    async fn truncated(&self) -> bool {
        self.network.truncated
    }
}

/// A connected component of the whole link graph.
pub struct OffenderCluster(pub ClusterRow);

#[Object]
impl OffenderCluster {
    /// The cluster's sellers, by id.
    #[graphql(complexity = "crate::pagination::cost(first, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<Connection<Seller>> {
        graph::nested::<Sellers, _>(ctx, Rel::MembersOfCluster, self.0.id, first, after, Seller).await
    }

    async fn size(&self) -> i32 {
        i32::try_from(self.0.size).unwrap_or(i32::MAX)
    }

    async fn total_active_strikes(&self) -> i32 {
        i32::try_from(self.0.strikes).unwrap_or(i32::MAX)
    }
}
