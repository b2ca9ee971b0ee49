//! `StatementOfReasons`, with the Transparency Database's statement fields named in GraphQL style,
//! its loader by item, and who reads it: the seller its own, a brand agent those its notices
//! caused, staff all (the rows' `brand_id` and `seller_id` under `visibility::owned`).

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::error::{AppError, AppResult};
use crate::graph;
use crate::ids::{Kind, to_id};
use crate::loaders::{Batcher, Items};
use crate::objects::NoticeItem;
use crate::sql::Sql;
use crate::states::{AccountDecision, AutomatedDecision, RemovalProcedure, StatementKeyword};
use crate::time::instant;

pub use crate::objects::StatementOfReasons;

/// A restriction of the visibility of content.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionVisibility {
    /// The listing was removed.
    ContentRemoved,
}

/// What kind of account the restricted party holds: sellers on the marketplace trade.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountType {
    Business,
}

/// Why the content was restricted: it infringes a right, so it is illegal.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionGround {
    IllegalContent,
}

/// The category of the restriction.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementCategory {
    IntellectualPropertyInfringements,
}

/// What the restricted content is: a listing offers a product.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementContentType {
    Product,
}

/// What brought the content to the platform's attention: a notice under Article 16.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementSource {
    Article16,
}

/// The means of redress open to the seller, and until when. Every removal may be countered and
/// appealed today; a field is null for a statement whose removal could not be (none yet).
#[derive(SimpleObject)]
pub struct Redress {
    /// The last moment to file a counter-notice (`--counter-notice-window` after the removal).
    pub counter_notice_until: Option<DateTime<Utc>>,
    /// The last moment to appeal the removal (`--appeal-window` after it).
    pub appeal_until: Option<DateTime<Utc>>,
}

/// The platform's unique identifier of a statement, as the Transparency Database takes it
/// (letters, digits, `-`): opaque, and never reused.
pub fn puid(id: i64) -> String {
    format!("rightsgraph-sor-{id}")
}

#[Object]
impl StatementOfReasons {
    pub async fn id(&self) -> ID {
        to_id(Kind::StatementOfReasons, self.0.id)
    }

    /// The platform's unique identifier of the statement (`puid` in the Transparency Database).
    async fn puid(&self) -> String {
        puid(self.0.id)
    }

    /// The item whose removal the statement explains.
    async fn item(&self, ctx: &Context<'_>) -> AppResult<NoticeItem> {
        Ok(NoticeItem(graph::load_ref::<Items>(ctx, self.0.item_id).await?))
    }

    /// How the removal was decided.
    async fn procedure(&self) -> AppResult<RemovalProcedure> {
        RemovalProcedure::from_db(&self.0.procedure)
    }

    async fn decision_visibility(&self) -> Vec<DecisionVisibility> {
        if self.0.content_removed { vec![DecisionVisibility::ContentRemoved] } else { Vec::new() }
    }

    /// The restriction of the seller's account the removal caused, if any. Neither has an end
    /// date: a suspension lasts until a strike is voided, and a termination is final.
    async fn account_decision(&self) -> AppResult<Option<AccountDecision>> {
        self.0.account_decision.as_deref().map(AccountDecision::from_db).transpose()
    }

    async fn account_type(&self) -> AccountType {
        AccountType::Business
    }

    async fn decision_ground(&self) -> DecisionGround {
        DecisionGround::IllegalContent
    }

    /// The right infringed: the trademark's mark, jurisdiction and registration number (at most
    /// 500 characters).
    async fn legal_ground(&self) -> &str {
        &self.0.legal_ground
    }

    /// Why the content is illegal, and what the removal means for the account (at most 2,000
    /// characters).
    async fn explanation(&self) -> &str {
        &self.0.explanation
    }

    /// The notice's reason and evidence, what was decided and by what procedure (at most 5,000
    /// characters).
    async fn facts_and_circumstances(&self) -> &str {
        &self.0.facts
    }

    async fn category(&self) -> StatementCategory {
        StatementCategory::IntellectualPropertyInfringements
    }

    async fn category_specification(&self) -> AppResult<Vec<StatementKeyword>> {
        Ok(vec![StatementKeyword::from_db(&self.0.keyword)?])
    }

    async fn content_type(&self) -> Vec<StatementContentType> {
        vec![StatementContentType::Product]
    }

    async fn source(&self) -> StatementSource {
        StatementSource::Article16
    }

    /// Whether the content was found by automated means: never, a notice named it.
    async fn automated_detection(&self) -> bool {
        false
    }

    /// FULLY for expedited removals, NOT_AUTOMATED for every decision a reviewer took.
    async fn automated_decision(&self) -> AppResult<AutomatedDecision> {
        AutomatedDecision::from_db(&self.0.automated_decision)
    }

    /// When the listing was listed.
    async fn content_date(&self) -> DateTime<Utc> {
        instant(self.0.content_date)
    }

    /// When the restriction was applied.
    async fn application_date(&self) -> DateTime<Utc> {
        instant(self.0.application_date)
    }

    /// ISO 3166-1 alpha-2 codes of the countries where the restriction applies.
    async fn territorial_scope(&self) -> Vec<String> {
        self.0.territorial_scope.split(',').map(str::to_owned).collect()
    }

    async fn redress(&self) -> Redress {
        Redress {
            counter_notice_until: self.0.counter_notice_until.map(instant),
            appeal_until: self.0.appeal_until.map(instant),
        }
    }
}

/// The statement of reasons of one item's removal (an item is removed once at most).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatementOfItem(pub i64);

impl Loader<StatementOfItem> for Batcher {
    type Value = entity::statement_of_reasons::Model;
    type Error = AppError;

    async fn load(&self, keys: &[StatementOfItem]) -> Result<HashMap<StatementOfItem, Self::Value>, AppError> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let conds: Vec<Sql> = crate::auth::visibility::owned(self.scope()).into_iter().collect();
        let rows: Vec<entity::statement_of_reasons::Model> =
            crate::sql::by_parents(self.db(), "statement_of_reasons", "item_id", &ids, &conds).await?;
        let mut out = HashMap::new();
        for model in rows {
            out.insert(StatementOfItem(model.item_id), model);
        }
        Ok(out)
    }
}
