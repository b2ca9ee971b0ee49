//! The `notice_item` table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notice_item")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub notice_id: i64,
    pub listing_id: i64,
    pub trademark_id: i64,
    pub brand_id: i64,
    pub seller_id: i64,
    pub status: crate::states::NoticeItemStatus,
    pub submitted_at: i64,
    pub decided_at: Option<i64>,
    pub decision_reason: Option<String>,
    /// While `INFO_REQUESTED`: the deadline of the question it waits on.
    pub info_due_at: Option<i64>,
    /// The `sub` of whoever made the decision (null: SYSTEM, or before this was kept).
    pub decided_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
