//! The `brand` table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "brand")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub country: String,
    pub trust_tier: crate::states::TrustTier,
    pub created_at: i64,
    /// ACTIVE, WARNED or SUSPENDED: its standing as a notifier.
    pub submission_status: crate::states::SubmissionStatus,
    /// When it was last WARNED.
    pub warned_at: Option<i64>,
    /// While SUSPENDED: when the suspension ends.
    pub suspended_until: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
