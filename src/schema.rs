//! The GraphQL schema: `Query` merged from the domain roots, the `Node` interface and `viewer`.

use async_graphql::{Context, ID, Interface, MergedObject, Object, Schema};

use crate::analytics::resolvers::AnalyticsQuery;
use crate::auth::Role;
use crate::brands::resolvers::{BrandMutation, BrandQuery};
use crate::brands::types::Brand;
use crate::channel::resolvers::ChannelMutation;
use crate::channel::types::NoticeMessage;
use crate::config::LimitsConfig;
use crate::error::{AppError, AppResult};
use crate::graph::{self, Shared};
use crate::ids::{GlobalId, Kind};
use crate::listings::resolvers::{ListingMutation, ListingQuery};
use crate::listings::types::Listing;
use crate::loaders::{
    Appeals, Brands, CounterNotices, Events, Items, Listings, Messages, Notices, Sellers, Statements, Strikes,
    Trademarks,
};
use crate::notices::appeal_types::{Appeal, AppealMutation, AppealQuery};
use crate::notices::resolvers::{NoticeMutation, NoticeQuery};
use crate::notices::subscription::Subscription;
use crate::notices::types::{CounterNotice, Notice, NoticeEvent, NoticeItem, Strike};
use crate::sellers::resolvers::{SellerMutation, SellerQuery};
use crate::sellers::types::Seller;
use crate::statements::resolvers::StatementQuery;
use crate::statements::types::StatementOfReasons;
use crate::trademarks::resolvers::{TrademarkMutation, TrademarkQuery};
use crate::trademarks::types::Trademark;

/// The schema type.
pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// Every query root field.
#[derive(MergedObject, Default)]
pub struct Query(
    RootQuery,
    BrandQuery,
    TrademarkQuery,
    SellerQuery,
    ListingQuery,
    NoticeQuery,
    AppealQuery,
    StatementQuery,
    AnalyticsQuery,
    crate::budget::resolvers::BudgetQuery,
);

/// Every mutation.
#[derive(MergedObject, Default)]
pub struct Mutation(
    BrandMutation,
    TrademarkMutation,
    SellerMutation,
    ListingMutation,
    NoticeMutation,
    ChannelMutation,
    AppealMutation,
);

/// An object with a global id: `node(id:)` fetches any of them.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "The object's opaque global id, stable for its life."))]
pub enum Node {
    Brand(Brand),
    Trademark(Trademark),
    Seller(Seller),
    Listing(Listing),
    Notice(Notice),
    NoticeItem(NoticeItem),
    CounterNotice(CounterNotice),
    Strike(Strike),
    NoticeEvent(NoticeEvent),
    NoticeMessage(NoticeMessage),
    Appeal(Appeal),
    StatementOfReasons(StatementOfReasons),
}

/// The caller, as its token says.
pub struct ViewerInfo {
    subject: String,
    role: Role,
    brand_id: Option<i64>,
    seller_id: Option<i64>,
}

/// The caller, as its bearer token says.
#[Object(name = "Viewer")]
impl ViewerInfo {
    /// The token's subject (its `sub` claim).
    async fn subject(&self) -> &str {
        &self.subject
    }

    /// The token's role (its `role` claim): what the caller may read and do.
    async fn role(&self) -> Role {
        self.role
    }

    /// For a brand agent: the brand it acts for.
    async fn brand(&self, ctx: &Context<'_>) -> AppResult<Option<Brand>> {
        match self.brand_id {
            Some(id) => Ok(graph::load::<Brands>(ctx, id).await?.map(Brand)),
            None => Ok(None),
        }
    }

    /// For a seller: the seller it is.
    async fn seller(&self, ctx: &Context<'_>) -> AppResult<Option<Seller>> {
        match self.seller_id {
            Some(id) => Ok(graph::load::<Sellers>(ctx, id).await?.map(Seller)),
            None => Ok(None),
        }
    }
}

/// `node` and `viewer`.
#[derive(Default)]
pub struct RootQuery;

#[Object]
impl RootQuery {
    /// Any object by its global id; null with `NOT_FOUND` when there is none or the viewer may not see it.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "An opaque global id; a malformed one is `BAD_USER_INPUT`.")] id: ID,
    ) -> AppResult<Option<Node>> {
        graph::identity(ctx)?;
        let gid = GlobalId::parse(&id).ok_or_else(|| AppError::bad_input("id", "id: malformed id"))?;
        let key = gid.key;
        let node = match gid.kind {
            Kind::Brand => graph::load::<Brands>(ctx, key).await?.map(|m| Node::Brand(Brand(m))),
            Kind::Trademark => graph::load::<Trademarks>(ctx, key).await?.map(|m| Node::Trademark(Trademark(m))),
            Kind::Seller => graph::load::<Sellers>(ctx, key).await?.map(|m| Node::Seller(Seller(m))),
            Kind::Listing => graph::load::<Listings>(ctx, key).await?.map(|m| Node::Listing(Listing(m))),
            Kind::Notice => graph::load::<Notices>(ctx, key).await?.map(|m| Node::Notice(Notice(m))),
            Kind::NoticeItem => graph::load::<Items>(ctx, key).await?.map(|m| Node::NoticeItem(NoticeItem(m))),
            Kind::CounterNotice => {
                graph::load::<CounterNotices>(ctx, key).await?.map(|m| Node::CounterNotice(CounterNotice(m)))
            }
            Kind::Strike => graph::load::<Strikes>(ctx, key).await?.map(|m| Node::Strike(Strike(m))),
            Kind::NoticeEvent => graph::load::<Events>(ctx, key).await?.map(|m| Node::NoticeEvent(NoticeEvent(m))),
            Kind::Appeal => graph::load::<Appeals>(ctx, key).await?.map(|m| Node::Appeal(Appeal(m))),
            Kind::StatementOfReasons => {
                graph::load::<Statements>(ctx, key).await?.map(|m| Node::StatementOfReasons(StatementOfReasons(m)))
            }
            Kind::NoticeMessage => {
                graph::load::<Messages>(ctx, key).await?.map(|m| Node::NoticeMessage(NoticeMessage(m)))
            }
        };
        node.map(Some).ok_or_else(|| AppError::NotFound(format!("no {} {}", gid.kind.type_name(), id.as_str())))
    }

    /// Who is asking.
    async fn viewer(&self, ctx: &Context<'_>) -> AppResult<ViewerInfo> {
        let identity = graph::identity(ctx)?;
        Ok(ViewerInfo {
            subject: identity.subject.clone(),
            role: identity.role,
            brand_id: identity.brand_id,
            seller_id: identity.seller_id,
        })
    }
}

/// Builds the schema with its limits.
/// The domains' work before every request (see `graph::RequestHook`), in this order.
pub const BEFORE_EACH_REQUEST: &[graph::RequestHook] = &[crate::channel::service::before_each_request];

pub fn build(shared: Shared, limits: &LimitsConfig) -> AppSchema {
    Schema::build(Query::default(), Mutation::default(), Subscription)
        // Every token's cost budget, which the extension charges and `rateLimit` reads.
        .data(crate::budget::Budget::new(shared.db.clone(), limits))
        .data(shared)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        // Every answer carries `extensions.analyzer { complexity depth }`, so clients can see
        // what a query costs against the limits; a planned query runs here (`plan`).
        .extension(crate::plan::gate::PlannedReads)
        .finish()
}

/// The SDL of the schema, as `rightsgraph schema` prints it.
pub fn sdl() -> String {
    Schema::build(Query::default(), Mutation::default(), Subscription).finish().sdl()
}
