//! The rules of listings.

use sea_orm::{ActiveModelTrait, EntityTrait, Set};

use crate::auth::{Identity, Role};
use crate::error::{AppError, AppResult};
use crate::graph::Shared;
use crate::ids::{self, Kind};
use crate::states::{ListingStatus, SellerStatus};
use crate::values;

/// A listing to create, ids still as the client sent them.
pub struct NewListing {
    pub seller_id: String,
    pub title: String,
    pub url: String,
    pub amount: String,
    pub currency: String,
}

/// Creates a listing (ADMIN, or the SELLER itself). A `SUSPENDED` or `TERMINATED` seller cannot
/// list, whoever asks (`FORBIDDEN`).
pub async fn create(
    shared: &Shared,
    identity: &Identity,
    now: i64,
    input: NewListing,
) -> AppResult<entity::listing::Model> {
    identity.require_role(&[Role::Admin, Role::Seller], "create listings")?;
    let seller_id = ids::decode(&input.seller_id, Kind::Seller, "sellerId")?;
    if identity.role == Role::Seller && identity.seller_id != Some(seller_id) {
        return Err(AppError::Forbidden("a seller may create listings only for itself".into()));
    }
    let title = values::text(&input.title, 1, 500, "title")?;
    let url = values::url(&input.url, "url")?;
    let (amount, currency) = values::money(&input.amount, &input.currency, "price")?;
    let seller = entity::seller::Entity::find_by_id(seller_id)
        .one(&shared.db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no Seller {}", input.seller_id)))?;
    if seller.status == SellerStatus::Suspended.as_db() || seller.status == SellerStatus::Terminated.as_db() {
        return Err(AppError::Forbidden(format!("the seller is {} and cannot create listings", seller.status)));
    }
    Ok(entity::listing::ActiveModel {
        seller_id: Set(seller_id),
        title_search: Set(Some(title.to_lowercase())),
        title: Set(title),
        url: Set(url),
        price_amount: Set(amount),
        price_currency: Set(currency),
        status: Set(ListingStatus::Active.as_db().into()),
        listed_at: Set(now),
        removed_at: Set(None),
        ..Default::default()
    }
    .insert(&shared.db)
    .await?)
}
