//! Notice queries.

use async_graphql::{Context, ID, Object};

use super::submit::{RawItem, Submission};
use super::types::{
    CounterNotice, CounterNoticeDecision, DecideNoticeItemInput, FileCounterNoticeInput, ItemDecision, Notice,
    NoticeFilter, NoticeItem, NoticeStatus, ResolveCounterNoticeInput, RetractNoticeItemInput, SubmitNoticeInput,
};
use super::{counter_notice, decide, submit, withdraw};
use crate::auth::{Identity, Role, visibility};
use crate::error::AppResult;
use crate::graph;
use crate::ids::Key;
use crate::ids::Kind;
use crate::loaders::Notices;
use crate::loaders::lists::NoticeCriteria;
use crate::pagination::Connection;
use crate::sql::{ListSpec, order};

/// The root list of notices `viewer` may see among those `criteria` selects, newest first; a
/// REVIEWER's `status: OPEN` is its queue, in priority order (shared with the planned executor).
pub fn notices(viewer: &Identity, criteria: &NoticeCriteria) -> ListSpec {
    let queue = viewer.role == Role::Reviewer && criteria.status == Some(NoticeStatus::Open);
    let mut spec = ListSpec::new("notice", if queue { order::REVIEW_PRIORITY } else { order::NEWEST_SUBMITTED })
        .and_opt(visibility::notice(viewer.scope()));
    spec.conds.extend(criteria.conds());
    spec
}

/// Notice queries; each viewer sees the notices of section 3 of the contract.
#[derive(Default)]
pub struct NoticeQuery;

#[Object]
impl NoticeQuery {
    /// One notice; null with `NOT_FOUND` when there is none or the viewer may not see it.
    async fn notice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notice's opaque global id.")] id: ID,
    ) -> AppResult<Option<Notice>> {
        Ok(Some(Notice(graph::find::<Notices>(ctx, &id, Kind::Notice, "id").await?)))
    }

    /// The notices the viewer may see, newest first; a REVIEWER's queue is `status: OPEN`, ordered by priority
    /// (expedited first, then those whose brand answered a question, then the oldest).
    #[graphql(complexity = "crate::pagination::cost(first, child_complexity)")]
    async fn notices(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 1 to 100 (else `BAD_USER_INPUT`), default 20.")] first: Option<i32>,
        #[graphql(desc = "A previous page's `endCursor` (opaque): the page starts after it.")] after: Option<String>,
        #[graphql(desc = "Which notices; absent: all the viewer may see.")] filter: Option<NoticeFilter>,
    ) -> AppResult<Connection<Notice>> {
        let viewer = graph::identity(ctx)?;
        let criteria = crate::notices::types::notice_criteria(filter)?;
        graph::root(ctx, notices(viewer, &criteria), first, after, Notice).await
    }
}

/// The enforcement mutations; who may call each is in CONTRACT.md section 3.
#[derive(Default)]
pub struct NoticeMutation;

#[Object]
impl NoticeMutation {
    /// Submits a takedown notice (ADMIN, BRAND_AGENT of the brand).
    async fn submit_notice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notice; any bad part rejects all of it and names its path in `extensions.field`.")]
        input: SubmitNoticeInput,
    ) -> AppResult<Notice> {
        let identity = graph::identity(ctx)?;
        let items: Vec<RawItem<'_>> = input
            .items
            .iter()
            .map(|i| (i.listing_id.as_str(), i.trademark_id.as_str(), i.evidence.as_slice()))
            .collect();
        let by_url: Vec<RawItem<'_>> = input
            .items_by_url
            .iter()
            .map(|i| (i.listing_url.as_str(), i.trademark_id.as_str(), i.evidence.as_slice()))
            .collect();
        let command = Submission::parse(
            &input.brand_id,
            input.reason,
            &input.explanation,
            input.good_faith_declaration,
            &items,
            &by_url,
            input.idempotency_key.clone(),
        )?;
        let now = graph::request(ctx)?.now();
        Ok(Notice(submit::submit(graph::shared(ctx)?, identity, now, command).await?))
    }

    /// Withdraws the PENDING items of an OPEN notice (ADMIN, BRAND_AGENT of the brand).
    async fn withdraw_notice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notice's opaque global id; it must be `OPEN` with a `PENDING` item (else `CONFLICT`).")]
        id: ID,
    ) -> AppResult<Notice> {
        let identity = graph::identity(ctx)?;
        let now = graph::request(ctx)?.now();
        let notice = Key::<crate::objects::Notice>::decode(&id, "id")?;
        Ok(Notice(withdraw::withdraw(graph::shared(ctx)?, identity, now, notice).await?))
    }

    /// Removes or rejects a PENDING item (ADMIN, REVIEWER).
    async fn decide_notice_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item and the decision.")] input: DecideNoticeItemInput,
    ) -> AppResult<NoticeItem> {
        let identity = graph::identity(ctx)?;
        let now = graph::request(ctx)?.now();
        let command = decide::Decision::parse(&input.item_id, input.decision == ItemDecision::Remove, input.reason)?;
        Ok(NoticeItem(decide::decide(graph::shared(ctx)?, identity, now, command).await?))
    }

    /// Takes back the removal of one of the brand's items: item and listing REINSTATED, strike
    /// voided (ADMIN, BRAND_AGENT of the brand).
    async fn retract_notice_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item and why its removal was wrong.")] input: RetractNoticeItemInput,
    ) -> AppResult<NoticeItem> {
        let identity = graph::identity(ctx)?;
        let command = input.parse()?;
        let now = graph::request(ctx)?.now();
        Ok(NoticeItem(super::retract::retract(graph::shared(ctx)?, identity, now, command).await?))
    }

    /// Answers a removal of the seller's own listing (SELLER).
    async fn file_counter_notice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The removed item and the seller's statement.")] input: FileCounterNoticeInput,
    ) -> AppResult<CounterNotice> {
        let identity = graph::identity(ctx)?;
        let now = graph::request(ctx)?.now();
        let command = counter_notice::CounterNoticeFiling::parse(&input.item_id, &input.statement)?;
        Ok(CounterNotice(counter_notice::file_counter_notice(graph::shared(ctx)?, identity, now, command).await?))
    }

    /// Reinstates the listing or upholds the removal (ADMIN, REVIEWER).
    async fn resolve_counter_notice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The counter-notice and the decision.")] input: ResolveCounterNoticeInput,
    ) -> AppResult<CounterNotice> {
        let identity = graph::identity(ctx)?;
        let now = graph::request(ctx)?.now();
        let reinstate = input.decision == CounterNoticeDecision::Reinstate;
        let command =
            counter_notice::CounterNoticeResolution::parse(&input.counter_notice_id, reinstate, input.reason)?;
        Ok(CounterNotice(counter_notice::resolve_counter_notice(graph::shared(ctx)?, identity, now, command).await?))
    }
}
