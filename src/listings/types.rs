//! The `Listing` object.

use async_graphql::{ID, InputObject, Object, SimpleObject};

use crate::declare::object;
use crate::fields::{Instant, MaybeInstant, State, Text};
use crate::ids::Kind;
use crate::loaders::Rel;
use crate::objects::{NoticeItem, Seller};

pub use crate::objects::Listing;
pub use crate::states::ListingStatus;

/// Declares `Money`'s parts once: each part's GraphQL name and the listing's column it is read
/// from, for the object and for the planner (`Money::part`).
macro_rules! money {
    ($( $(#[$meta:meta])* $gql:literal $field:ident <- $column:ident, )*) => {
        /// A price.
        #[derive(SimpleObject)]
        pub struct Money {
            $( $(#[$meta])* #[graphql(name = $gql)] pub $field: String, )*
        }

        impl Money {
            /// The price of `listing`.
            pub fn of(listing: &entity::listing::Model) -> Self {
                Self { $( $field: listing.$column.clone(), )* }
            }

            /// Part `name` (its GraphQL name), if there is one: the listing's column it is read
            /// from, and how to read it.
            pub fn part(name: &str) -> Option<(&'static str, fn(&entity::listing::Model) -> &str)> {
                match name {
                    $( $gql => Some((stringify!($column), |listing| &listing.$column)), )*
                    _ => None,
                }
            }
        }
    };
}

money! {
    /// The amount as a decimal string, never negative, with exactly the currency's minor digits (e.g. "19.99",
    /// "1500" in JPY).
    "amount" amount <- price_amount,
    /// ISO 4217 currency code, upper case (e.g. "EUR").
    "currency" currency <- price_currency,
}

/// Which listings to list.
#[derive(InputObject, Default)]
pub struct ListingFilter {
    /// Only this seller's listings (opaque global id).
    pub seller_id: Option<ID>,
    /// Only listings of this status.
    pub status: Option<ListingStatus>,
    /// Only listings whose title contains this text, case-insensitive; at most 200 characters.
    pub title_contains: Option<String>,
}

object! {
    head {
        /// An offer of a seller on the marketplace. Every role reads listings.
        #[Object]
        impl Listing
    }
    Listing(Kind::Listing, Listing) {
        /// The listing's opaque global id.
        id;
        /// The listing's title, 1 to 500 characters.
        "title" title: Text = title;
        /// The marketplace address, normalized: an absolute http(s) URL, scheme and host lower-cased, without fragment
        /// or `utm_*` parameters. Unique.
        "url" url: Text = url;
        /// Whether it is up.
        "status" status: State<ListingStatus> = status;
        /// When it was listed (RFC 3339, UTC).
        "listedAt" listed_at: Instant = listed_at;
        /// When it was taken down (RFC 3339, UTC); null unless it is `REMOVED`.
        "removedAt" removed_at: MaybeInstant = removed_at;
    }
    refs {
        /// The seller who offers it.
        "seller" seller -> Seller via Sellers(seller_id);
    }
    optional_refs {
    }
    derived {
    }
    connections(first, "crate::pagination::cost(first, child_complexity)") {
        /// Items of notices against this listing that the viewer may see, newest first.
        "noticeItems" notice_items -> NoticeItem via Items [] => Rel::ItemsOfListing;
    }
    methods {
        /// The asking price.
        async fn price(&self) -> Money {
            Money::of(&self.0)
        }

    }
}

/// A price as sent.
#[derive(InputObject)]
pub struct MoneyInput {
    /// A non-negative decimal string with at most the currency's minor digits (2 for most, 0 for JPY, 3 for KWD),
    /// e.g. "19.99"; at most 12 digits before the point.
    pub amount: String,
    /// ISO 4217 currency code, three letters, any case.
    pub currency: String,
}

/// A new listing.
#[derive(InputObject)]
pub struct CreateListingInput {
    /// The seller who offers it (opaque global id); a seller may name only itself.
    pub seller_id: ID,
    /// 1 to 500 characters.
    pub title: String,
    /// The marketplace address: an absolute http(s) URL of at most 2,048 characters; another listing at the same
    /// address, in any spelling, is `CONFLICT`.
    pub url: String,
    /// The asking price.
    pub price: MoneyInput,
}
