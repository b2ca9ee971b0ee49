//! The `seller_cluster` table: components of two or more linked sellers and their size.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "seller_cluster")]
pub struct Model {
    /// The smallest seller id in the component.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub size: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
