//! The `Seller` object and its identifiers.

use async_graphql::{Context, ID, Object, SimpleObject};

use crate::declare::object;
use crate::error::{AppError, AppResult};
use crate::fields::{Instant, State, Text};
use crate::graph;
use crate::ids::Kind;
use crate::loaders::{ActiveStrikes, IdentifiersOf, Rel};
use crate::objects::{Listing, NoticeItem, OffenderNetwork, StatementOfReasons, Strike};
use crate::states::ListingStatus;

pub use crate::objects::Seller;
pub use crate::states::{IdentifierKind, SellerStatus};

/// A payment account, phone, address … of a seller.
#[derive(SimpleObject)]
pub struct SellerIdentifier {
    /// What the identifier is; sellers sharing one of a kind are linked.
    pub kind: IdentifierKind,
    /// Normalized value (see CONTRACT.md).
    pub value: String,
}

object! {
    head {
        /// A marketplace seller account. Every role reads sellers, their listings, status and active strike count; the
        /// fields below say where fewer may read.
        #[Object]
        impl Seller
    }
    Seller(Kind::Seller, Seller) {
        /// The seller's opaque global id.
        id;
        /// The seller's unique handle on the marketplace: 3 to 64 lower-case letters, digits, `.`, `_` or `-`.
        "handle" handle: Text = handle;
        /// The name the seller trades under, 1 to 200 characters.
        "displayName" display_name: Text = display_name;
        /// ISO 3166-1 alpha-2 country code of the seller.
        "country" country: Text = country;
        /// The seller's standing, following its active strikes.
        "status" status: State<SellerStatus> = status;
        /// When the seller was registered (RFC 3339, UTC).
        "createdAt" created_at: Instant = created_at;
    }
    refs {
    }
    optional_refs {
    }
    derived {
    }
    connections(first, "crate::pagination::cost(first, child_complexity)") {
        /// The seller's listings, oldest first.
        "listings" listings -> Listing via Listings [
            #[graphql(desc = "Only listings of this status; absent: all.")]
            "status" status: Option<ListingStatus>,
        ] => Rel::ListingsOfSeller(status);
        /// The seller's strikes that the viewer may see, newest first.
        "strikes" strikes -> Strike via Strikes [
            #[graphql(default = false, desc = "Only active strikes (neither voided nor expired).")]
            "activeOnly" active_only: bool,
        ] => Rel::StrikesOfSeller { active_only };
        /// The statements of reasons the seller was given that the viewer may see (the seller its
        /// own, a brand agent those its notices caused, staff all), oldest first.
        "statementsOfReasons" statements_of_reasons -> StatementOfReasons via Statements [] => Rel::StatementsOfSeller;
        /// Items of notices against this seller's listings that the viewer may see, newest first.
        "noticeItems" notice_items -> NoticeItem via Items [] => Rel::ItemsOfSeller;
    }
    methods {
        /// Strikes neither voided nor expired.
        async fn active_strike_count(&self, ctx: &Context<'_>) -> AppResult<i32> {
            let request = graph::request(ctx)?;
            // The row's kept count while it is exact; the strikes are counted only once one it
            // counted has expired and the sweep has not recounted it yet.
            if let Some(kept) = ActiveStrikes::kept(&self.0, request.now()) {
                return Ok(kept as i32);
            }
            Ok(request.loaders().load_one(ActiveStrikes(self.0.id)).await?.unwrap_or(0) as i32)
        }

        /// The sellers reachable from this one through shared identifiers, breadth first up to
        /// `maxHops` (1 to 4), at most 500 (ADMIN, REVIEWER, ANALYST only).
        ///
        /// Not batched (each network is its own breadth-first walk, one or two statements per hop):
        /// its cost is what it can run, a walk plus up to 500 members and links.
        #[graphql(complexity = "crate::analytics::service::NETWORK_COST + 500 * child_complexity")]
        async fn network(
            &self,
            ctx: &Context<'_>,
            #[graphql(default = 2, desc = "How many links away to walk from this seller: 1 to 4 (else `BAD_USER_INPUT`).")]
            max_hops: i32,
        ) -> AppResult<Option<OffenderNetwork>> {
            crate::analytics::service::may_walk(graph::identity(ctx)?, max_hops)?;
            let db = &graph::reader(ctx)?;
            let network = crate::analytics::service::network(db, self.0.id, max_hops, graph::request(ctx)?.now()).await?;
            Ok(Some(OffenderNetwork { root: self.0.id, network }))
        }

        /// Payment accounts, phones, addresses … (ADMIN, REVIEWER, ANALYST only).
        async fn identifiers(&self, ctx: &Context<'_>) -> AppResult<Option<Vec<SellerIdentifier>>> {
            let viewer = graph::identity(ctx)?;
            if !viewer.is_staff() {
                return Err(AppError::Forbidden(format!("{} may not see seller identifiers", viewer.role.as_str())));
            }
            let rows = graph::request(ctx)?.loaders().load_one(IdentifiersOf(self.0.id)).await?.unwrap_or_default();
            rows.into_iter()
                .map(|m| Ok(SellerIdentifier { kind: m.kind, value: m.value }))
                .collect::<AppResult<_>>()
                .map(Some)
        }
    }
}

/// A new seller.
#[derive(async_graphql::InputObject)]
pub struct RegisterSellerInput {
    /// The marketplace handle: 3 to 64 letters, digits, `.`, `_` or `-`, stored lower-cased; unique (`CONFLICT`).
    pub handle: String,
    /// The name the seller trades under: 1 to 200 characters.
    pub display_name: String,
    /// ISO 3166-1 alpha-2 country code, any case.
    pub country: String,
}

/// An identifier to add to a seller.
#[derive(async_graphql::InputObject)]
pub struct AddSellerIdentifierInput {
    /// The seller (opaque global id).
    pub seller_id: ID,
    /// What the value is; it says how the value is normalized.
    pub kind: IdentifierKind,
    /// The raw value, at most 512 characters; empty once normalized is `BAD_USER_INPUT`.
    pub value: String,
}
