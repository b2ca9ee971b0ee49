//! The `seller` table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "seller")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub handle: String,
    pub display_name: String,
    pub country: String,
    pub status: crate::states::SellerStatus,
    pub created_at: i64,
    /// Label of the seller's component in the link graph: the smallest seller id in it.
    pub cluster_id: Option<i64>,
    /// Strikes neither voided nor expired when last counted (see the seller_active_strikes
    /// migration); exact until `strikes_recount_at`.
    pub active_strikes: i64,
    /// The earliest expiry among the strikes counted; null when none are.
    pub strikes_recount_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
