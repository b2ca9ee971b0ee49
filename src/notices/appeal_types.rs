//! `Appeal`, its inputs, the reviewers' queue `appeals`, and the mutations `fileAppeal` and
//! `resolveAppeal`.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::ExprTrait;

use super::appeal::{self, FileAppeal, ResolveAppeal};
use crate::error::{AppError, AppResult};
use crate::graph;
use crate::ids::Key;
use crate::ids::{Kind, to_id};
use crate::loaders::{Batcher, Items};
use crate::objects::NoticeItem;
use crate::pagination::Connection;
use crate::sql::{ListSpec, Sql, t};
use crate::states::{AppealOutcome, AppealParty, AppealStatus};
use crate::time::instant;

pub use crate::objects::Appeal;

/// A party's appeal against a decision on an item (DSA Article 20), resolved by a reviewer other than whoever made
/// the decision. Staff read every appeal, a brand agent those on its brand's items, a seller those on its own items.
#[Object]
impl Appeal {
    /// The appeal's opaque global id.
    pub async fn id(&self) -> ID {
        to_id(Kind::Appeal, self.0.id)
    }

    /// The item whose decision is appealed.
    async fn item(&self, ctx: &Context<'_>) -> AppResult<NoticeItem> {
        Ok(NoticeItem(graph::load_ref::<Items>(ctx, self.0.item_id).await?))
    }

    /// SELLER against a removal, BRAND against a rejection.
    async fn party(&self) -> AppResult<AppealParty> {
        Ok(self.0.party)
    }

    /// Why the party holds the decision wrong, 10 to 5,000 characters.
    async fn statement(&self) -> &str {
        &self.0.statement
    }

    /// Where it stands.
    async fn status(&self) -> AppResult<AppealStatus> {
        Ok(self.0.status)
    }

    /// When it was filed (RFC 3339, UTC).
    async fn filed_at(&self) -> DateTime<Utc> {
        instant(self.0.filed_at)
    }

    /// When it was resolved (RFC 3339, UTC); null while `PENDING`.
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at.map(instant)
    }

    /// The reviewer's reason, 1 to 2,000 characters; null while `PENDING`.
    async fn resolution_reason(&self) -> Option<&str> {
        self.0.resolution_reason.as_deref()
    }
}

/// The appeals against one item's decisions (one per party at most), oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AppealsOfItem(pub i64);

impl Loader<AppealsOfItem> for Batcher {
    type Value = Vec<entity::appeal::Model>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[AppealsOfItem],
    ) -> Result<HashMap<AppealsOfItem, Vec<entity::appeal::Model>>, AppError> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let conds: Vec<Sql> = crate::auth::visibility::owned(self.scope()).into_iter().collect();
        let rows: Vec<entity::appeal::Model> =
            crate::sql::by_parents(self.db(), "appeal", "item_id", &ids, &conds).await?;
        let mut out: HashMap<AppealsOfItem, Vec<entity::appeal::Model>> = HashMap::new();
        for model in rows {
            out.entry(AppealsOfItem(model.item_id)).or_default().push(model);
        }
        Ok(out)
    }
}

/// An appeal against the decision on an item.
#[derive(InputObject)]
pub struct FileAppealInput {
    /// The item whose decision is appealed (opaque global id): a `REMOVED` item of the seller's listing, or a
    /// `REJECTED` item of the brand's notice, within the appeal window, once per item and party (`CONFLICT`).
    pub item_id: ID,
    /// 10 to 5,000 characters.
    pub statement: String,
}

/// A reviewer's resolution of an appeal.
#[derive(InputObject)]
pub struct ResolveAppealInput {
    /// The `PENDING` appeal (opaque global id); any other is `CONFLICT`.
    pub appeal_id: ID,
    /// Let the decision stand, or turn it.
    pub outcome: AppealOutcome,
    /// 1 to 2,000 characters.
    pub reason: String,
}

/// The queue of appeals.
#[derive(Default)]
pub struct AppealQuery;

#[Object]
impl AppealQuery {
    /// Appeals the viewer may see, oldest first (a reviewer's queue with `status: PENDING`):
    /// staff see all, a brand agent its brand's items', a seller its own items'.
    #[graphql(complexity = "crate::pagination::cost(first, child_complexity)")]
    async fn appeals(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only appeals of this status; absent: all.")] status: Option<AppealStatus>,
        #[graphql(desc = "Page size: 1 to 100 (else `BAD_USER_INPUT`), default 20.")] first: Option<i32>,
        #[graphql(desc = "A previous page's `endCursor` (opaque): the page starts after it.")] after: Option<String>,
    ) -> AppResult<Connection<Appeal>> {
        let viewer = graph::identity(ctx)?;
        let spec = ListSpec::new("appeal", crate::sql::order::OLDEST_FILED)
            .and_opt(crate::auth::visibility::owned(viewer.scope()))
            .and_opt(status.map(|s| t("status").eq(s)));
        graph::root(ctx, spec, first, after, Appeal).await
    }
}

/// The appeal mutations.
#[derive(Default)]
pub struct AppealMutation;

#[Object]
impl AppealMutation {
    /// Appeals a decision: the SELLER the removal of its item, the BRAND_AGENT the rejection of
    /// its brand's item, within `--appeal-window` of it, once per item and party.
    async fn file_appeal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item and the party's statement.")] input: FileAppealInput,
    ) -> AppResult<Appeal> {
        let identity = graph::identity(ctx)?;
        let command = FileAppeal {
            item: Key::<crate::objects::NoticeItem>::decode(&input.item_id, "itemId")?,
            statement: crate::values::text(&input.statement, 10, 5000, "statement")?,
        };
        let now = graph::request(ctx)?.now();
        Ok(Appeal(appeal::file(graph::shared(ctx)?, identity, now, command).await?))
    }

    /// Upholds or reverses the decision under appeal (ADMIN, REVIEWER; never whoever made it).
    async fn resolve_appeal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The appeal, the outcome and its reason.")] input: ResolveAppealInput,
    ) -> AppResult<Appeal> {
        let identity = graph::identity(ctx)?;
        let command = ResolveAppeal {
            appeal: Key::<crate::objects::Appeal>::decode(&input.appeal_id, "appealId")?,
            reverse: input.outcome == AppealOutcome::Reversed,
            reason: crate::values::text(&input.reason, 1, 2000, "reason")?,
        };
        let now = graph::request(ctx)?.now();
        Ok(Appeal(appeal::resolve(graph::shared(ctx)?, identity, now, command).await?))
    }
}
