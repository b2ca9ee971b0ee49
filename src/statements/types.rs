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
    /// A business account: the seller trades on the marketplace.
    Business,
}

/// Why the content was restricted: it infringes a right, so it is illegal.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionGround {
    /// The content is illegal: it infringes an intellectual-property right (`legalGround` names it).
    IllegalContent,
}

/// The category of the restriction.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementCategory {
    /// Infringements of intellectual-property rights; `categorySpecification` says which right.
    IntellectualPropertyInfringements,
}

/// What the restricted content is: a listing offers a product.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementContentType {
    /// A product offered for sale: the listing.
    Product,
}

/// What brought the content to the platform's attention: a notice under Article 16.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementSource {
    /// A notice under DSA Article 16: the brand's takedown notice.
    Article16,
}

/// The means of redress open to the seller, and until when. Every removal may be countered and
/// appealed today; a field is null for a statement whose removal could not be (none yet).
#[derive(SimpleObject)]
pub struct Redress {
    /// The last moment to file a counter-notice, `--counter-notice-window` after the removal (RFC 3339, UTC).
    pub counter_notice_until: Option<DateTime<Utc>>,
    /// The last moment to appeal the removal, `--appeal-window` after it (RFC 3339, UTC).
    pub appeal_until: Option<DateTime<Utc>>,
}

/// The platform's unique identifier of a statement, as the Transparency Database takes it
/// (letters, digits, `-`): opaque, and never reused.
pub fn puid(id: i64) -> String {
    format!("rightsgraph-sor-{id}")
}

/// The statement of reasons a seller is given for the removal of its listing (DSA Article 17), in the fields of the
/// DSA Transparency Database. Issued once per removal; the seller reads its own, a brand agent those its notices
/// caused, staff all.
#[Object]
impl StatementOfReasons {
    /// The statement's opaque global id.
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
        Ok(self.0.procedure)
    }

    /// How the content's visibility was restricted: `CONTENT_REMOVED` for every removal.
    async fn decision_visibility(&self) -> Vec<DecisionVisibility> {
        if self.0.content_removed { vec![DecisionVisibility::ContentRemoved] } else { Vec::new() }
    }

    /// The restriction of the seller's account the removal caused, if any. Neither has an end
    /// date: a suspension lasts until a strike is voided, and a termination is final.
    async fn account_decision(&self) -> AppResult<Option<AccountDecision>> {
        Ok(self.0.account_decision)
    }

    /// The kind of account the seller holds: always `BUSINESS`.
    async fn account_type(&self) -> AccountType {
        AccountType::Business
    }

    /// Why the content was restricted: always `ILLEGAL_CONTENT`, an infringed right.
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

    /// The category of the restriction: always `INTELLECTUAL_PROPERTY_INFRINGEMENTS`.
    async fn category(&self) -> StatementCategory {
        StatementCategory::IntellectualPropertyInfringements
    }

    /// The right infringed within the category, following the notice's reason (one keyword).
    async fn category_specification(&self) -> AppResult<Vec<StatementKeyword>> {
        Ok(vec![self.0.keyword])
    }

    /// What the content is: always `PRODUCT`, the listing.
    async fn content_type(&self) -> Vec<StatementContentType> {
        vec![StatementContentType::Product]
    }

    /// What brought the content to the platform's attention: always `ARTICLE_16`, the brand's notice.
    async fn source(&self) -> StatementSource {
        StatementSource::Article16
    }

    /// Whether the content was found by automated means: never, a notice named it.
    async fn automated_detection(&self) -> bool {
        false
    }

    /// FULLY for expedited removals, NOT_AUTOMATED for every decision a reviewer took.
    async fn automated_decision(&self) -> AppResult<AutomatedDecision> {
        Ok(self.0.automated_decision)
    }

    /// When the listing was listed (RFC 3339, UTC).
    async fn content_date(&self) -> DateTime<Utc> {
        instant(self.0.content_date)
    }

    /// When the restriction was applied: the removal (RFC 3339, UTC).
    async fn application_date(&self) -> DateTime<Utc> {
        instant(self.0.application_date)
    }

    /// ISO 3166-1 alpha-2 codes of the countries where the restriction applies.
    async fn territorial_scope(&self) -> Vec<String> {
        self.0.territorial_scope.split(',').map(str::to_owned).collect()
    }

    /// The means of redress open to the seller, and until when.
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
