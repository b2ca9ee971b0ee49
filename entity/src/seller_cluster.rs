//! The `seller_cluster` table: components of two or more linked sellers and their size.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "seller_cluster")]
pub struct Model {
    /// The smallest seller id in the component.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub size: i64,
    /// The sum of the members' kept active strike counts (see the cluster_active_strikes
    /// migration); exact until `strikes_recount_at`.
    pub active_strikes: i64,
    /// The earliest `strikes_recount_at` of the members; null when none has active strikes.
    pub strikes_recount_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
