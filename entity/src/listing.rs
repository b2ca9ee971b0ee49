//! The `listing` table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "listing")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub seller_id: i64,
    pub title: String,
    pub url: String,
    pub price_amount: String,
    pub price_currency: String,
    pub status: crate::states::ListingStatus,
    pub listed_at: i64,
    pub removed_at: Option<i64>,
    /// The title lowercased (Unicode), for case-insensitive search.
    pub title_search: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The column that keeps a listing's normalized address, unique: the index that finds a listing
/// by address. Not a field of the model, which is never read with it.
pub const URL_KEY: &str = "url_key";

/// [`URL_KEY`] as a column for sea-query.
pub fn url_key() -> sea_orm::sea_query::Alias {
    sea_orm::sea_query::Alias::new(URL_KEY)
}
