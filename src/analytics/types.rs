//! The analytic objects: networks of linked sellers and clusters of the link graph.

use async_graphql::Object;

use super::service::ClusterRow;
use crate::declare::parts;
use crate::fields::{Count, Flag, Int, State};
use crate::loaders::Rel;
use crate::objects::Seller;
use crate::states::IdentifierKind;

pub use crate::objects::{NetworkMember, OffenderNetwork, SellerLink};

parts! {
    head {
        /// A seller of an offender network, and how far it is from the root.
        #[Object]
        impl NetworkMember
    }
    NetworkMember {
        /// Links from the root to this seller (0 for the root).
        "hops" hops: Int = |s| &s.hops;
    }
    sellers {
        /// The seller.
        "seller" seller = |s| s.seller;
    }
}

parts! {
    head {
        /// Two sellers that share an identifier of one kind (the same normalized value).
        #[Object]
        impl SellerLink
    }
    SellerLink {
        /// The kind of the identifier they share.
        "kind" kind: State<IdentifierKind> = |s| &s.kind;
    }
    sellers {
        /// One seller of the pair: the one with the smaller id.
        "a" a = |s| s.a;
        /// The other seller of the pair.
        "b" b = |s| s.b;
    }
}

parts! {
    head {
        /// The sellers reachable from one seller through shared identifiers (ADMIN, REVIEWER, ANALYST only).
        #[Object]
        impl OffenderNetwork
    }
    OffenderNetwork {
        /// Active strikes of all members.
        "totalActiveStrikes" total_active_strikes: Count = |s| &s.network.total_active_strikes;
        /// Whether more sellers were reachable than the 500 listed.
        "truncated" truncated: Flag = |s| &s.network.truncated;
    }
    sellers {
        /// The seller the walk started from (`hops` 0).
        "root" root = |s| s.root;
    }
    lists {
        /// Breadth first from the root (hops 0), ties by id; at most 500.
        "members" members: [NetworkMember] = |s| s.member_list();
        /// Each linked pair among the members, once per kind.
        "links" links: [SellerLink] = |s| s.link_list();
    }
}

/// A connected component of the whole link graph.
pub struct OffenderCluster(pub ClusterRow);

parts! {
    head {
        /// A connected component of the whole link graph: sellers linked, directly or not, by shared identifiers (ADMIN,
        /// REVIEWER, ANALYST only).
        #[Object]
        impl OffenderCluster
    }
    OffenderCluster {
        /// How many sellers it has.
        "size" size: Count = |s| &s.0.size;
        /// Active strikes of all its sellers.
        "totalActiveStrikes" total_active_strikes: Count = |s| &s.0.strikes;
    }
    connections(first, "crate::pagination::cost(first, child_complexity)") {
        /// The cluster's sellers, by id.
        "members" members -> Seller via Sellers = |s| s.0.id => Rel::MembersOfCluster;
    }
}
