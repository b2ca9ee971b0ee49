//! The rules of listings.

use sea_orm::sea_query::{Expr, ExprTrait, Order, Query, SelectStatement, UpdateStatement};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, Set, TransactionTrait};

use crate::auth::{Identity, Role};
use crate::error::{AppError, AppResult};
use crate::graph::Shared;
use crate::ids::Key;
use crate::ids::{GlobalId, Kind};
use crate::states::{ListingStatus, SellerStatus};
use crate::values::{self, ListingAddress, Money};
use entity::listing;

/// A listing to create, its values checked and normalized.
pub struct NewListing {
    pub seller: Key<crate::objects::Seller>,
    /// 1 to 500 characters.
    pub title: String,
    /// The marketplace address, normalized.
    pub url: ListingAddress,
    pub price: Money,
}

impl NewListing {
    /// The command from a client's values; the first bad value names its input field.
    pub fn new(
        seller: Key<crate::objects::Seller>,
        title: &str,
        url: &str,
        amount: &str,
        currency: &str,
    ) -> AppResult<Self> {
        let title = values::text(title, 1, 500, "title")?;
        let url = ListingAddress::parse(url, "url")?;
        let price = Money::parse(amount, currency, "price")?;
        Ok(Self { seller, title, url, price })
    }
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
    let NewListing { seller, title, url, price } = input;
    let seller_id = seller.get();
    let (amount, currency) = price.into_stored();
    if identity.role == Role::Seller && identity.seller_id != Some(seller_id) {
        return Err(AppError::Forbidden("a seller may create listings only for itself".into()));
    }
    // The address is kept in its normalized form: `Listing.url` reads the same for every spelling.
    let address = url.clone().into_stored();
    let seller = entity::seller::Entity::find_by_id(seller_id)
        .one(&shared.db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no Seller {}", GlobalId::new(Kind::Seller, seller_id))))?;
    if seller.status == SellerStatus::Suspended || seller.status == SellerStatus::Terminated {
        return Err(AppError::Forbidden(format!("the seller is {} and cannot create listings", seller.status)));
    }
    let txn = shared.db.begin().await?;
    let created = entity::listing::ActiveModel {
        seller_id: Set(seller_id),
        title_search: Set(Some(title.to_lowercase())),
        title: Set(title),
        url: Set(url.into_stored()),
        price_amount: Set(amount),
        price_currency: Set(currency),
        status: Set(ListingStatus::Active),
        listed_at: Set(now),
        removed_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.execute(&set_address(created.id, address))
        .await
        .map_err(|e| crate::work::conflict_on_unique(e, "url", "another listing has this address"))?;
    txn.commit().await?;
    Ok(created)
}

/// The id of the listing at `url`, in any spelling of it (`ListingAddress`).
pub async fn id_by_address(db: &impl ConnectionTrait, url: &str, field: &str) -> AppResult<Option<i64>> {
    let address = ListingAddress::parse(url, field)?.into_stored();
    let row = db.query_one(&at_address(address)).await?;
    Ok(row.map(|r| r.try_get::<i64>("", "id")).transpose()?)
}

/// The id of the listing whose normalized address is `address`.
fn at_address(address: String) -> SelectStatement {
    Query::select()
        .column(listing::Column::Id)
        .from(listing::Entity)
        .and_where(Expr::col(listing::url_key()).eq(address))
        .to_owned()
}

/// Keeps `address` as the normalized address of listing `id`.
fn set_address(id: i64, address: String) -> UpdateStatement {
    Query::update()
        .table(listing::Entity)
        .value(listing::url_key(), address)
        .and_where(listing::Column::Id.eq(id))
        .to_owned()
}

/// Gives the listings written before addresses were kept (or written around the service) their
/// normalized address; a listing whose address another holds keeps none, and is logged.
pub async fn key_addresses(db: &sea_orm::DatabaseConnection) -> AppResult<u64> {
    let unkeyed = Query::select()
        .columns([listing::Column::Id, listing::Column::Url])
        .from(listing::Entity)
        .and_where(Expr::col(listing::url_key()).is_null())
        .order_by(listing::Column::Id, Order::Asc)
        .to_owned();
    let rows = db.query_all(&unkeyed).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let txn = db.begin().await?;
    let mut keyed = 0;
    for row in rows {
        let (id, url): (i64, String) = (row.try_get("", "id")?, row.try_get("", "url")?);
        let Ok(address) = ListingAddress::parse(&url, "url").map(ListingAddress::into_stored) else {
            tracing::warn!(listing = id, "a listing's address is not an http(s) URL; it cannot be found by address");
            continue;
        };
        if txn.query_one(&at_address(address.clone())).await?.is_some() {
            tracing::warn!(listing = id, "another listing holds this listing's address; it is found by id only");
            continue;
        }
        txn.execute(&set_address(id, address)).await?;
        keyed += 1;
    }
    txn.commit().await?;
    Ok(keyed)
}
