//! The `notice` table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notice")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub brand_id: i64,
    pub reason: crate::states::NoticeReason,
    pub explanation: String,
    pub status: crate::states::NoticeStatus,
    pub expedited: bool,
    pub submitted_at: i64,
    pub closed_at: Option<i64>,
    pub idempotency_key: Option<String>,
    pub request_hash: Option<String>,
    /// When an answer put the notice back at the head of the reviewers' queue.
    pub requeued_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
