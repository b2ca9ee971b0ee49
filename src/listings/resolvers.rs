//! Listing queries.

use async_graphql::{Context, ID, Object};
use sea_orm::sea_query::{ExprTrait, LikeExpr};

use super::types::{Listing, ListingFilter};
use crate::error::{AppError, AppResult};
use crate::graph;
use crate::ids::Key;
use crate::ids::Kind;
use crate::loaders::Listings;
use crate::pagination::Connection;
use crate::sql::{ListSpec, t};

/// Longest `titleContains` accepted.
const MAX_SEARCH: usize = 200;

/// Listing queries; every role sees listings.
#[derive(Default)]
pub struct ListingQuery;

#[Object]
impl ListingQuery {
    /// One listing; null with `NOT_FOUND` when there is none.
    async fn listing(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The listing's opaque global id.")] id: ID,
    ) -> AppResult<Option<Listing>> {
        Ok(Some(Listing(graph::find::<Listings>(ctx, &id, Kind::Listing, "id").await?)))
    }

    /// The listing at a marketplace address, in any spelling of it: scheme and host in any case,
    /// with or without its fragment and `utm_*` tracking parameters. Null with `NOT_FOUND` when
    /// no listing is there.
    async fn listing_by_url(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "An absolute http(s) URL of at most 2,048 characters.")] url: String,
    ) -> AppResult<Option<Listing>> {
        graph::identity(ctx)?;
        let db = graph::reader(ctx)?;
        let found = match crate::listings::service::id_by_address(&db, &url, "url").await? {
            Some(id) => graph::load::<Listings>(ctx, id).await?,
            None => None,
        };
        found.map(|m| Some(Listing(m))).ok_or_else(|| crate::error::AppError::NotFound(format!("no Listing at {url}")))
    }

    /// Listings, oldest first.
    #[graphql(complexity = "crate::pagination::cost(first, child_complexity)")]
    async fn listings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 1 to 100 (else `BAD_USER_INPUT`), default 20.")] first: Option<i32>,
        #[graphql(desc = "A previous page's `endCursor` (opaque): the page starts after it.")] after: Option<String>,
        #[graphql(desc = "Which listings; absent: all.")] filter: Option<ListingFilter>,
    ) -> AppResult<Connection<Listing>> {
        graph::identity(ctx)?;
        let spec = listing_spec(filter.unwrap_or_default())?;
        graph::root(ctx, spec, first, after, Listing).await
    }
}

/// The listings `filter` selects, oldest first (shared with the planned executor).
pub fn listing_spec(filter: ListingFilter) -> AppResult<ListSpec> {
    let seller =
        filter.seller_id.map(|id| Key::<crate::objects::Seller>::decode(&id, "filter.sellerId")).transpose()?;
    let title = match filter.title_contains {
        Some(t) if t.chars().count() > MAX_SEARCH => {
            return Err(AppError::bad_input(
                "filter.titleContains",
                format!("filter.titleContains: at most {MAX_SEARCH} characters"),
            ));
        }
        Some(t) => Some(format!("%{}%", escape_like(&t.to_lowercase()))),
        None => None,
    };
    Ok(ListSpec::new("listing", crate::sql::order::BY_ID)
        .and_opt(seller.map(|s| t("seller_id").eq(s)))
        .and_opt(filter.status.map(|s| t("status").eq(s)))
        .and_opt(title.map(|p| t("title_search").like(LikeExpr::new(p).escape('\\')))))
}

/// Escapes LIKE's wildcards so that the text matches literally.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape_like;

    #[test]
    fn like_wildcards_match_literally() {
        assert_eq!(escape_like("50%_off\\"), "50\\%\\_off\\\\");
    }
}

/// Listing mutations.
#[derive(Default)]
pub struct ListingMutation;

#[Object]
impl ListingMutation {
    /// Creates a listing (ADMIN, or the SELLER itself).
    async fn create_listing(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new listing; it starts `ACTIVE`.")] input: super::types::CreateListingInput,
    ) -> AppResult<Listing> {
        let identity = graph::identity(ctx)?;
        let now = graph::request(ctx)?.now();
        let seller = Key::<crate::objects::Seller>::decode(&input.seller_id, "sellerId")?;
        let new = super::service::NewListing::new(
            seller,
            &input.title,
            &input.url,
            &input.price.amount,
            &input.price.currency,
        )?;
        Ok(Listing(super::service::create(graph::shared(ctx)?, identity, now, new).await?))
    }
}
