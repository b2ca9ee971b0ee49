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

/// A seller of an offender network, and how far it is from the root.
#[Object]
impl NetworkMember {
    /// The seller.
    async fn seller(&self, ctx: &Context<'_>) -> AppResult<Seller> {
        Ok(Seller(graph::load_ref::<Sellers>(ctx, self.seller).await?))
    }

    /// Links from the root to this seller (0 for the root).
    async fn hops(&self) -> i32 {
        self.hops
    }
}

/// Two sellers that share an identifier of one kind (the same normalized value).
#[Object]
impl SellerLink {
    /// One seller of the pair: the one with the smaller id.
    async fn a(&self, ctx: &Context<'_>) -> AppResult<Seller> {
        Ok(Seller(graph::load_ref::<Sellers>(ctx, self.a).await?))
    }

    /// The other seller of the pair.
    async fn b(&self, ctx: &Context<'_>) -> AppResult<Seller> {
        Ok(Seller(graph::load_ref::<Sellers>(ctx, self.b).await?))
    }

    /// The kind of the identifier they share.
    async fn kind(&self) -> IdentifierKind {
        self.kind
    }
}

/// The sellers reachable from one seller through shared identifiers (ADMIN, REVIEWER, ANALYST only).
#[Object]
impl OffenderNetwork {
    /// The seller the walk started from (`hops` 0).
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
                Ok((a, b, *kind))
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

/// A connected component of the whole link graph: sellers linked, directly or not, by shared identifiers (ADMIN,
/// REVIEWER, ANALYST only).
#[Object]
impl OffenderCluster {
    /// The cluster's sellers, by id.
    #[graphql(complexity = "crate::pagination::cost(first, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 1 to 100 (else `BAD_USER_INPUT`), default 20.")] first: Option<i32>,
        #[graphql(desc = "A previous page's `endCursor` (opaque): the page starts after it.")] after: Option<String>,
    ) -> AppResult<Connection<Seller>> {
        graph::nested::<Sellers, _>(ctx, Rel::MembersOfCluster, self.0.id, first, after, Seller).await
    }

    /// How many sellers it has.
    async fn size(&self) -> i32 {
        i32::try_from(self.0.size).unwrap_or(i32::MAX)
    }

    /// Active strikes of all its sellers.
    async fn total_active_strikes(&self) -> i32 {
        i32::try_from(self.0.strikes).unwrap_or(i32::MAX)
    }
}
