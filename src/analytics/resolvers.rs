//! Analytic queries; who may ask is in CONTRACT.md section 3.

use async_graphql::{Context, ID, Object};

use super::service;
use super::types::OffenderCluster;
use crate::auth::{Identity, Role};
use crate::error::{AppError, AppResult};
use crate::graph;
use crate::ids::Key;
use crate::objects::Seller;
use crate::pagination::Connection;
use crate::sql::ListSpec;

/// A count argument that must be at least 1.
fn at_least_one(value: i32, field: &str) -> AppResult<i64> {
    at_least(1, value, field)
}

/// `value` if it is `min` or more, else `BAD_USER_INPUT` naming `field`.
fn at_least(min: i32, value: i32, field: &str) -> AppResult<i64> {
    if value >= min {
        Ok(i64::from(value))
    } else {
        Err(AppError::bad_input(field, format!("{field} must be at least {min}, got {value}")))
    }
}

/// The list of `repeatOffenders` for `identity` at `now`, or why it may not ask
/// (the resolver's rules, shared with the planned executor).
pub fn repeat_offenders(
    identity: &Identity,
    min_active_strikes: i32,
    brand_id: Option<&str>,
    now: i64,
) -> AppResult<ListSpec> {
    let brand = brand_id.map(|b| Key::<crate::objects::Brand>::decode(b, "brandId").map(Key::get)).transpose()?;
    match identity.role {
        Role::Admin | Role::Reviewer | Role::Analyst => {}
        Role::BrandAgent if brand.is_some() && brand == identity.brand_id => {}
        Role::BrandAgent => {
            return Err(AppError::Forbidden("a brand agent may ask only with brandId of its own brand".into()));
        }
        Role::Seller => return Err(AppError::Forbidden("SELLER may not list repeat offenders".into())),
    }
    let min = at_least_one(min_active_strikes, "minActiveStrikes")?;
    Ok(service::repeat_offenders(min, brand, now))
}

/// The list of `offenderClusters` for `identity` at `now`, or why it may not ask (the resolver's
/// rules, shared with the planned executor).
pub fn clusters(identity: &Identity, min_members: i32, min_active_strikes: i32, now: i64) -> AppResult<ListSpec> {
    identity.require_staff("list offender clusters")?;
    let members = at_least_one(min_members, "minMembers")?;
    // 0 admits rings that share payment details before anyone has been punished.
    let strikes = at_least(0, min_active_strikes, "minActiveStrikes")?;
    Ok(service::clusters(members, strikes, now))
}

/// Analytic queries.
#[derive(Default)]
pub struct AnalyticsQuery;

#[Object]
impl AnalyticsQuery {
    /// Sellers with at least `minActiveStrikes` active strikes (only those from `brandId`'s notices
    /// when given), most first, ties by id. A brand agent must name its own brand.
    #[graphql(complexity = "crate::pagination::cost(first, child_complexity)")]
    async fn repeat_offenders(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 3, desc = "The fewest active strikes a seller must have: 1 or more.")]
        min_active_strikes: i32,
        #[graphql(desc = "Count only strikes from this brand's notices (opaque global id).")] brand_id: Option<ID>,
        #[graphql(desc = "Page size: 1 to 100 (else `BAD_USER_INPUT`), default 20.")] first: Option<i32>,
        #[graphql(desc = "A previous page's `endCursor` (opaque): the page starts after it.")] after: Option<String>,
    ) -> AppResult<Connection<Seller>> {
        let identity = graph::identity(ctx)?;
        let spec = repeat_offenders(
            identity,
            min_active_strikes,
            brand_id.as_ref().map(|b| b.as_str()),
            graph::request(ctx)?.now(),
        )?;
        graph::root(ctx, spec, first, after, Seller).await
    }

    /// Connected components of the link graph with at least `minMembers` sellers and
    /// `minActiveStrikes` active strikes among them; most strikes first, then size, then the
    /// smallest member id (ADMIN, REVIEWER, ANALYST only; `FORBIDDEN` for anyone else).
    #[graphql(complexity = "crate::pagination::cost(first, child_complexity)")]
    async fn offender_clusters(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 2, desc = "The fewest sellers a cluster must have: 1 or more.")] min_members: i32,
        #[graphql(default = 1, desc = "The fewest active strikes among its sellers: 0 or more (0 admits any ring).")]
        min_active_strikes: i32,
        #[graphql(desc = "Page size: 1 to 100 (else `BAD_USER_INPUT`), default 20.")] first: Option<i32>,
        #[graphql(desc = "A previous page's `endCursor` (opaque): the page starts after it.")] after: Option<String>,
    ) -> AppResult<Connection<OffenderCluster>> {
        let spec = clusters(graph::identity(ctx)?, min_members, min_active_strikes, graph::request(ctx)?.now())?;
        graph::root(ctx, spec, first, after, OffenderCluster).await
    }
}
