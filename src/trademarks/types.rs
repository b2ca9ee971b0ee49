//! The `Trademark` object.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};

use crate::error::AppResult;
use crate::graph;
use crate::ids::{Kind, to_id};
use crate::loaders::{Brands, Notices, Rel};
use crate::objects::{Brand, Notice};
use crate::pagination::Connection;
use crate::scalars::Date;
use crate::time::instant;

pub use crate::objects::Trademark;
pub use crate::states::TrademarkStatus;

/// Parses the stored Nice classes (`"9,25"`).
pub fn nice_classes(stored: &str) -> Vec<i32> {
    stored.split(',').filter_map(|c| c.trim().parse().ok()).collect()
}

#[Object]
impl Trademark {
    pub async fn id(&self) -> ID {
        to_id(Kind::Trademark, self.0.id)
    }

    async fn brand(&self, ctx: &Context<'_>) -> AppResult<Brand> {
        Ok(Brand(graph::load_ref::<Brands>(ctx, self.0.brand_id).await?))
    }

    async fn mark(&self) -> &str {
        &self.0.mark
    }

    async fn registration_number(&self) -> &str {
        &self.0.registration_number
    }

    /// Issuing office: ISO 3166-1 alpha-2 country code, or EM (EUIPO) or WO (WIPO).
    async fn jurisdiction(&self) -> &str {
        &self.0.jurisdiction
    }

    async fn nice_classes(&self) -> Vec<i32> {
        nice_classes(&self.0.nice_classes)
    }

    async fn status(&self, ctx: &Context<'_>) -> AppResult<TrademarkStatus> {
        TrademarkStatus::of(&self.0, graph::request(ctx)?.now())
    }

    async fn expires_on(&self) -> Option<Date> {
        self.0.expires_on.map(Date)
    }

    async fn created_at(&self) -> DateTime<Utc> {
        instant(self.0.created_at)
    }

    /// Notices citing this mark that the viewer may see, newest first.
    #[graphql(complexity = "crate::pagination::cost(first, child_complexity)")]
    async fn notices(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<Connection<Notice>> {
        graph::nested::<Notices, _>(ctx, Rel::NoticesOfTrademark, self.0.id, first, after, Notice).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_classes_parse_the_stored_list() {
        assert_eq!(nice_classes("9,25, 35"), vec![9, 25, 35]);
        assert_eq!(nice_classes(""), Vec::<i32>::new());
    }
}

/// A trademark to register.
#[derive(async_graphql::InputObject)]
pub struct RegisterTrademarkInput {
    pub brand_id: ID,
    pub mark: String,
    pub registration_number: String,
    pub jurisdiction: String,
    pub nice_classes: Vec<i32>,
    pub expires_on: Option<Date>,
}

/// A verification decision.
#[derive(async_graphql::InputObject)]
pub struct VerifyTrademarkInput {
    pub trademark_id: ID,
    pub approve: bool,
}
