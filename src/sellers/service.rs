//! The rules of sellers: registration and identifiers.

use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
    Set,
};

use super::identifier::Identifier;
use crate::auth::{Identity, Role};
use crate::error::{AppError, AppResult};
use crate::graph::Shared;
use crate::ids::Key;
use crate::ids::{GlobalId, Kind};
use crate::notices::types::ActorRole;
use crate::sql::id_in;
use crate::states::SellerStatus;
use crate::values::{self, Country, Handle};
use crate::work::{Work, conflict_on_unique};

/// A seller to register, its values checked and normalized.
pub struct NewSeller {
    pub handle: Handle,
    /// 1 to 200 characters.
    pub display_name: String,
    pub country: Country,
}

impl NewSeller {
    /// The command from a client's values; the first bad value names its input field.
    pub fn new(handle: &str, display_name: &str, country: &str) -> AppResult<Self> {
        Ok(Self {
            handle: Handle::parse(handle, "handle")?,
            display_name: values::text(display_name, 1, 200, "displayName")?,
            country: Country::parse(country, "country")?,
        })
    }
}

/// Registers a seller (ADMIN); handles are unique.
pub async fn register(
    shared: &Shared,
    identity: &Identity,
    now: i64,
    input: NewSeller,
) -> AppResult<entity::seller::Model> {
    identity.require_role(&[Role::Admin], "register sellers")?;
    let NewSeller { handle, display_name, country } = input;
    let txn = crate::work::begin_write(&shared.db).await?;
    let seller = entity::seller::ActiveModel {
        handle: Set(handle.into_stored()),
        display_name: Set(display_name),
        country: Set(country.into_stored()),
        status: Set(SellerStatus::Active),
        created_at: Set(now),
        // Written, never left to the column's default (see `brands::service::create`).
        active_strikes: Set(0),
        strikes_recount_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| conflict_on_unique(e, "handle", "a seller with this handle exists"))?;
    let seller = alone(&txn, seller).await?;
    txn.commit().await?;
    Ok(seller)
}

/// Makes a new seller its own component of the link graph.
pub async fn alone(db: &impl ConnectionTrait, seller: entity::seller::Model) -> AppResult<entity::seller::Model> {
    let mut model: entity::seller::ActiveModel = seller.clone().into();
    model.cluster_id = Set(Some(seller.id));
    Ok(model.update(db).await?)
}

/// Adds a normalized identifier to a seller (ADMIN); adding one it already has changes nothing.
/// Sellers that now share an identifier join one component of the link graph.
pub async fn add_identifier(
    shared: &Shared,
    identity: &Identity,
    now: i64,
    seller: Key<crate::objects::Seller>,
    identifier: Identifier,
) -> AppResult<entity::seller::Model> {
    let seller_id = seller.get();
    identity.require_role(&[Role::Admin], "add seller identifiers")?;
    let work = Work::begin(&shared.db, ActorRole::Admin, now, &shared.rules).await?;
    let seller = entity::seller::Entity::find_by_id(seller_id)
        .one(&work.txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no Seller {}", GlobalId::new(Kind::Seller, seller_id))))?;
    link(&work, seller_id, &identifier).await?;
    let seller = entity::seller::Entity::find_by_id(seller.id)
        .one(&work.txn)
        .await?
        .ok_or_else(|| AppError::Internal("seller vanished".into()))?;
    work.commit(&shared.events).await?;
    Ok(seller)
}

/// The lock that serializes merges of components (`sql::serialize_on`).
const MERGES: i64 = 7_261_001;

/// Stores `identifier` for `seller_id` unless it has it, and merges the components of every
/// seller sharing it: all take the smallest label among them (components only ever merge, since
/// identifiers are never removed, so the smallest seller id stays a component's label).
pub async fn link(work: &Work, seller_id: i64, identifier: &Identifier) -> AppResult<()> {
    // Merges must not interleave: two of them relabelling overlapping components at once could
    // leave a component with two labels.
    crate::sql::serialize_on(&work.txn, MERGES).await?;
    let sharing = sellers_sharing(work, identifier).await?;
    if sharing.contains(&seller_id) {
        return Ok(());
    }
    entity::seller_identifier::ActiveModel {
        seller_id: Set(seller_id),
        kind: Set(identifier.kind),
        value: Set(identifier.value.clone()),
        created_at: Set(work.now),
        ..Default::default()
    }
    .insert(&work.txn)
    .await?;
    if sharing.is_empty() {
        return Ok(());
    }
    let mut members = sharing;
    members.push(seller_id);
    merge(work, &members).await
}

/// The sellers that hold `identifier`.
async fn sellers_sharing(work: &Work, identifier: &Identifier) -> AppResult<Vec<i64>> {
    use entity::seller_identifier as si;
    Ok(si::Entity::find()
        .filter(si::Column::Kind.eq(identifier.kind))
        .filter(si::Column::Value.eq(identifier.value.as_str()))
        .all(&work.txn)
        .await?
        .into_iter()
        .map(|row| row.seller_id)
        .collect())
}

/// Merges the components of `members` into one, labelled with the smallest of their labels, and
/// keeps the merged component's row.
async fn merge(work: &Work, members: &[i64]) -> AppResult<()> {
    use entity::seller;
    let labels: Vec<i64> = seller::Entity::find()
        .select_only()
        .expr(Func::coalesce([Expr::col(seller::Column::ClusterId), Expr::col(seller::Column::Id)]))
        .distinct()
        .filter(id_in(work.backend(), (seller::Entity, seller::Column::Id), members))
        .into_tuple()
        .all(&work.txn)
        .await?;
    let Some(&target) = labels.iter().min() else { return Ok(()) };
    // Every member of the merged components takes the target label (a seller registered before
    // labels existed has none yet and counts as its own component).
    let merged = Condition::any().add(id_in(work.backend(), (seller::Entity, seller::Column::ClusterId), &labels)).add(
        Condition::all().add(seller::Column::ClusterId.is_null()).add(id_in(
            work.backend(),
            (seller::Entity, seller::Column::Id),
            &labels,
        )),
    );
    seller::Entity::update_many()
        .col_expr(seller::Column::ClusterId, Expr::val(target))
        .filter(merged)
        .exec(&work.txn)
        .await?;
    restate_cluster(work, target, &labels).await
}

/// Replaces the rows of the components labelled `labels` by one row of the merged component
/// `target`, its size and strikes counted again: the absorbed components no longer exist, and
/// the merge changed what `target` holds.
async fn restate_cluster(work: &Work, target: i64, labels: &[i64]) -> AppResult<()> {
    let absorbed: Vec<i64> = labels.iter().copied().filter(|&l| l != target).collect();
    // In id order, as every transaction that recounts components takes them.
    crate::sql::lock_rows(&work.txn, "seller_cluster", labels).await?;
    if !absorbed.is_empty() {
        entity::seller_cluster::Entity::delete_many()
            .filter(id_in(
                work.backend(),
                (entity::seller_cluster::Entity, entity::seller_cluster::Column::Id),
                &absorbed,
            ))
            .exec(&work.txn)
            .await?;
    }
    let size =
        entity::seller::Entity::find().filter(entity::seller::Column::ClusterId.eq(target)).count(&work.txn).await?;
    entity::seller_cluster::Entity::delete_by_id(target).exec(&work.txn).await?;
    entity::seller_cluster::ActiveModel {
        id: Set(target),
        size: Set(i64::try_from(size).unwrap_or(i64::MAX)),
        active_strikes: Set(0),
        strikes_recount_at: Set(None),
    }
    .insert(&work.txn)
    .await?;
    // The merged component's strikes: the sum of its members' kept counts.
    crate::sql::kept::recount_clusters(&work.txn, &[target]).await?;
    Ok(())
}
