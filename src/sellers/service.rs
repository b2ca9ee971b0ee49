//! The rules of sellers: registration and identifiers.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::identifier::Identifier;
use super::types::{IdentifierKind, SellerStatus};
use crate::auth::{Identity, Role};
use crate::error::{AppError, AppResult};
use crate::graph::Shared;
use crate::ids::{self, Kind};
use crate::values;
use crate::work::{conflict_on_unique, is_unique_violation};

/// Registers a seller (ADMIN); handles are unique.
pub async fn register(
    shared: &Shared,
    identity: &Identity,
    now: i64,
    handle: &str,
    display_name: &str,
    country: &str,
) -> AppResult<entity::seller::Model> {
    identity.require_role(&[Role::Admin], "register sellers")?;
    let handle = values::handle(handle, "handle")?;
    let display_name = values::text(display_name, 1, 200, "displayName")?;
    let country = values::country(country, "country")?;
    entity::seller::ActiveModel {
        handle: Set(handle),
        display_name: Set(display_name),
        country: Set(country),
        status: Set(SellerStatus::Active.as_db().into()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&shared.db)
    .await
    .map_err(|e| conflict_on_unique(e, "handle", "a seller with this handle exists"))
}

/// Adds a normalized identifier to a seller (ADMIN); adding one it already has changes nothing.
pub async fn add_identifier(
    shared: &Shared,
    identity: &Identity,
    now: i64,
    raw_seller: &str,
    kind: IdentifierKind,
    value: &str,
) -> AppResult<entity::seller::Model> {
    identity.require_role(&[Role::Admin], "add seller identifiers")?;
    let seller_id = ids::decode(raw_seller, Kind::Seller, "sellerId")?;
    let identifier = Identifier::parse(kind, value, "value")?;
    let seller = entity::seller::Entity::find_by_id(seller_id)
        .one(&shared.db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no Seller {raw_seller}")))?;
    let exists = entity::seller_identifier::Entity::find()
        .filter(entity::seller_identifier::Column::SellerId.eq(seller_id))
        .filter(entity::seller_identifier::Column::Kind.eq(kind.as_db()))
        .filter(entity::seller_identifier::Column::Value.eq(identifier.value.as_str()))
        .one(&shared.db)
        .await?
        .is_some();
    if !exists {
        let inserted = entity::seller_identifier::ActiveModel {
            seller_id: Set(seller_id),
            kind: Set(kind.as_db().into()),
            value: Set(identifier.value),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&shared.db)
        .await;
        match inserted {
            // A concurrent request added the same identifier: the seller has it, as asked.
            Err(err) if !is_unique_violation(&err) => return Err(err.into()),
            _ => {}
        }
    }
    Ok(seller)
}
