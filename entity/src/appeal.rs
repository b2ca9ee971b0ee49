//! The `appeal` table: a party's appeal against a decision on an item.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "appeal")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub item_id: i64,
    pub notice_id: i64,
    pub brand_id: i64,
    pub seller_id: i64,
    /// SELLER (against a removal) or BRAND (against a rejection).
    pub party: crate::states::AppealParty,
    pub statement: String,
    /// PENDING, UPHELD or REVERSED.
    pub status: crate::states::AppealStatus,
    /// The `sub` of whoever made the decision under appeal (null: SYSTEM); never its reviewer.
    pub decided_by: Option<String>,
    /// When the decision under appeal was taken.
    pub decision_at: Option<i64>,
    pub filed_at: i64,
    pub resolved_at: Option<i64>,
    pub resolution_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
