//! The `counter_notice` table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "counter_notice")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub item_id: i64,
    pub seller_id: i64,
    pub brand_id: i64,
    pub statement: String,
    pub status: crate::states::CounterNoticeStatus,
    pub filed_at: i64,
    pub resolved_at: Option<i64>,
    pub resolution_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
