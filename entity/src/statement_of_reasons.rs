//! The `statement_of_reasons` table: the statement given to a seller for a restriction (DSA
//! Article 17), as issued.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "statement_of_reasons")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The item whose removal (and strike) the statement is for.
    pub item_id: i64,
    pub notice_id: i64,
    /// The notifier whose notice caused it.
    pub brand_id: i64,
    pub seller_id: i64,
    pub listing_id: i64,
    /// REVIEW, EXPEDITED or APPEAL: how the removal was decided.
    pub procedure: crate::states::RemovalProcedure,
    pub content_removed: bool,
    /// SUSPENDED or TERMINATED when the removal's strike moved the seller there.
    pub account_decision: Option<crate::states::AccountDecision>,
    /// FULLY or NOT_AUTOMATED.
    pub automated_decision: crate::states::AutomatedDecision,
    /// The category's specification, e.g. TRADEMARK_INFRINGEMENT.
    pub keyword: crate::states::StatementKeyword,
    pub legal_ground: String,
    pub explanation: String,
    pub facts: String,
    /// When the listing was listed.
    pub content_date: i64,
    /// When the restriction was applied.
    pub application_date: i64,
    /// Comma-separated ISO 3166-1 alpha-2 codes.
    pub territorial_scope: String,
    pub counter_notice_until: Option<i64>,
    pub appeal_until: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
