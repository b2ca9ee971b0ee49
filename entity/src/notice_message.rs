//! The `notice_message` table: the thread of a notice between its brand and the platform.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notice_message")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub notice_id: i64,
    pub brand_id: i64,
    /// The item a QUESTION or ANSWER is about.
    pub item_id: Option<i64>,
    /// MESSAGE, QUESTION or ANSWER.
    pub kind: crate::states::NoticeMessageKind,
    pub author_role: crate::states::ActorRole,
    /// The `sub` of the author's token.
    pub author_subject: String,
    pub body: String,
    pub at: i64,
    /// A QUESTION's deadline.
    pub due_at: Option<i64>,
    /// When a QUESTION was answered.
    pub answered_at: Option<i64>,
    /// The QUESTION an ANSWER answers.
    pub question_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
