//! The `evidence` table: what a brand shows for an item (a test buy, a screenshot, a document, an
//! address), and the answer that brought it, if any.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "evidence")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub item_id: i64,
    pub message_id: Option<i64>,
    /// TEST_BUY, SCREENSHOT, DOCUMENT or URL.
    pub kind: crate::states::EvidenceKind,
    pub url: Option<String>,
    /// SHA-256 of the file, 64 lowercase hex digits.
    pub sha256: Option<String>,
    pub order_number: Option<String>,
    pub note: Option<String>,
    pub added_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
