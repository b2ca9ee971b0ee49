//! The `Listing` object.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::error::AppResult;
use crate::graph;
use crate::ids::{Kind, to_id};
use crate::loaders::{Items, Rel, Sellers};
use crate::objects::{NoticeItem, Seller};
use crate::pagination::Connection;
use crate::time::instant;

pub use crate::objects::Listing;
pub use crate::states::ListingStatus;

/// A price.
#[derive(SimpleObject)]
pub struct Money {
    /// Decimal string, e.g. "19.99"
    pub amount: String,
    /// ISO 4217
    pub currency: String,
}

/// Which listings to list.
#[derive(InputObject, Default)]
pub struct ListingFilter {
    pub seller_id: Option<ID>,
    pub status: Option<ListingStatus>,
    /// case-insensitive substring of the title
    pub title_contains: Option<String>,
}

#[Object]
impl Listing {
    pub async fn id(&self) -> ID {
        to_id(Kind::Listing, self.0.id)
    }

    async fn seller(&self, ctx: &Context<'_>) -> AppResult<Seller> {
        Ok(Seller(graph::load_ref::<Sellers>(ctx, self.0.seller_id).await?))
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn url(&self) -> &str {
        &self.0.url
    }

    async fn price(&self) -> Money {
        Money { amount: self.0.price_amount.clone(), currency: self.0.price_currency.clone() }
    }

    async fn status(&self) -> AppResult<ListingStatus> {
        ListingStatus::from_db(&self.0.status)
    }

    async fn listed_at(&self) -> DateTime<Utc> {
        instant(self.0.listed_at)
    }

    async fn removed_at(&self) -> Option<DateTime<Utc>> {
        self.0.removed_at.map(instant)
    }

    /// Items of notices against this listing that the viewer may see, newest first.
    #[graphql(complexity = "crate::pagination::cost(first, child_complexity)")]
    async fn notice_items(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<Connection<NoticeItem>> {
        graph::nested::<Items, _>(ctx, Rel::ItemsOfListing, self.0.id, first, after, NoticeItem).await
    }
}

/// A price as sent.
#[derive(InputObject)]
pub struct MoneyInput {
    pub amount: String,
    pub currency: String,
}

/// A new listing.
#[derive(InputObject)]
pub struct CreateListingInput {
    pub seller_id: ID,
    pub title: String,
    pub url: String,
    pub price: MoneyInput,
}
