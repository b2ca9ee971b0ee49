//! The `notice_event` table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notice_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub brand_id: i64,
    pub notice_id: Option<i64>,
    pub item_id: Option<i64>,
    pub seller_id: Option<i64>,
    pub kind: crate::states::NoticeEventKind,
    pub actor_role: crate::states::ActorRole,
    pub at: i64,
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
