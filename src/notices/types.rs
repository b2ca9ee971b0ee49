//! The enforcement objects: `Notice`, `NoticeItem`, `CounterNotice`, `Strike`, `NoticeEvent`.

use async_graphql::{Context, ID, InputObject, Object};

use crate::declare::object;
use crate::error::AppResult;
use crate::fields::{Flag, Instant, MaybeInstant, MaybeText, State, Text};
use crate::graph;
use crate::ids::Key;
use crate::ids::Kind;
use crate::loaders::{CounterNotices, Messages, OneOf, Rel, Strikes};
use crate::objects::{Brand, Listing, NoticeMessage, Seller, Trademark};
use crate::pagination::Connection;

pub use crate::events::{ActorRole, NoticeEventKind};

pub use super::filter::{NoticeFilter, notice_criteria};
pub use crate::objects::{CounterNotice, Notice, NoticeEvent, NoticeItem, Strike};
pub use crate::states::{
    CounterNoticeDecision, CounterNoticeStatus, ItemDecision, NoticeItemStatus, NoticeReason, NoticeStatus,
};

object! {
    head {
        /// A takedown notice: a brand asks for the listings that infringe its marks to be taken down, one item per listing.
        /// Staff read every notice, a brand agent its brand's, a seller those against its listings (and of those only its own
        /// items and the events about them).
        #[Object]
        impl Notice
    }
    Notice(Kind::Notice, Notice) {
        /// The notice's opaque global id.
        id;
        /// The ground the brand gives.
        "reason" reason: State<NoticeReason> = reason;
        /// The brand's explanation of the infringement, 10 to 5,000 characters.
        "explanation" explanation: Text = explanation;
        /// Where the notice stands, following its items.
        "status" status: State<NoticeStatus> = status;
        /// true when the brand was TRUSTED at submission and its items were removed at once
        "expedited" expedited: Flag = expedited;
        /// When it was submitted (RFC 3339, UTC).
        "submittedAt" submitted_at: Instant = submitted_at;
        /// When it last closed or was withdrawn (RFC 3339, UTC); null while `OPEN`.
        "closedAt" closed_at: MaybeInstant = closed_at;
    }
    refs {
        /// The brand that sent it.
        "brand" brand -> Brand via Brands(brand_id);
    }
    optional_refs {
    }
    derived {
    }
    connections(first, "crate::pagination::cost(first, child_complexity)") {
        /// The items the viewer may see, in the order submitted.
        "items" items -> NoticeItem via Items [] => Rel::ItemsOfNotice;
        /// The notice's events that the viewer may see, in the order they happened.
        "events" events -> NoticeEvent via Events [] => Rel::EventsOfNotice;
    }
    methods {
        /// The thread between the brand and the platform, oldest first: messages, and the questions
        /// on items with their answers. Staff and the brand's agents read it; a seller is refused.
        #[graphql(complexity = "crate::pagination::cost(first, child_complexity)")]
        async fn messages(
            &self,
            ctx: &Context<'_>,
            #[graphql(desc = "Page size: 1 to 100 (else `BAD_USER_INPUT`), default 20.")] first: Option<i32>,
            #[graphql(desc = "A previous page's `endCursor` (opaque): the page starts after it.")] after: Option<String>,
        ) -> AppResult<Option<Connection<NoticeMessage>>> {
            graph::identity(ctx)?.require_role(
                &[
                    crate::auth::Role::Admin,
                    crate::auth::Role::Reviewer,
                    crate::auth::Role::Analyst,
                    crate::auth::Role::BrandAgent,
                ],
                "read a notice's thread",
            )?;
            let page = graph::nested::<Messages, _>(ctx, Rel::MessagesOfNotice, self.0.id, first, after, NoticeMessage);
            Ok(Some(page.await?))
        }
    }
}

object! {
    head {
        /// One listing named by a notice, with the trademark it infringes: what a reviewer decides. Whoever reads its notice
        /// reads it, but a seller only the items against its own listings.
        #[Object]
        impl NoticeItem
    }
    NoticeItem(Kind::NoticeItem, NoticeItem) {
        /// The item's opaque global id.
        id;
        /// Where the item stands.
        "status" status: State<NoticeItemStatus> = status;
        /// When it was last removed or rejected (RFC 3339, UTC); null while it never was.
        "decidedAt" decided_at: MaybeInstant = decided_at;
        /// The reason given with the last decision (required to reject, optional to remove); null when none was.
        "decisionReason" decision_reason: MaybeText = decision_reason;
        /// While INFO_REQUESTED: when the brand's answer is due; unanswered then, the item is
        /// rejected by SYSTEM.
        "infoDueAt" info_due_at: MaybeInstant = info_due_at;
    }
    refs {
        /// The notice that names it.
        "notice" notice -> Notice via Notices(notice_id);
        /// The listing to take down.
        "listing" listing -> Listing via Listings(listing_id);
        /// The brand's mark the listing infringes.
        "trademark" trademark -> Trademark via Trademarks(trademark_id);
    }
    optional_refs {
    }
    derived {
    }
    connections(first, "crate::pagination::cost(first, child_complexity)") {
    }
    methods {
        /// The evidence the brand gave with its notice, in the order given. (Evidence given in answer
        /// to a reviewer's question is in the notice's thread, which sellers do not read.)
        async fn evidence(&self, ctx: &Context<'_>) -> AppResult<Vec<crate::objects::Evidence>> {
            let loaders = graph::request(ctx)?.loaders();
            let rows = loaders.load_one(EvidenceOfItem(self.0.id)).await?.unwrap_or_default();
            Ok(rows.into_iter().map(crate::objects::Evidence).collect())
        }

        /// The appeals against the decisions on this item, oldest first.
        async fn appeals(&self, ctx: &Context<'_>) -> AppResult<Vec<crate::objects::Appeal>> {
            let loaders = graph::request(ctx)?.loaders();
            let rows = loaders.load_one(super::appeal_types::AppealsOfItem(self.0.id)).await?.unwrap_or_default();
            Ok(rows.into_iter().map(crate::objects::Appeal).collect())
        }

        /// The statement of reasons given to the seller for this item's removal (null until it is
        /// removed). Its readers are the item's.
        async fn statement_of_reasons(&self, ctx: &Context<'_>) -> AppResult<Option<crate::objects::StatementOfReasons>> {
            let loaders = graph::request(ctx)?.loaders();
            let key = crate::statements::types::StatementOfItem(self.0.id);
            Ok(loaders.load_one(key).await?.map(crate::objects::StatementOfReasons))
        }

        /// The seller's counter-notice against the removal; null when none was filed.
        async fn counter_notice(&self, ctx: &Context<'_>) -> AppResult<Option<CounterNotice>> {
            let loaders = graph::request(ctx)?.loaders();
            Ok(loaders.load_one(OneOf::<CounterNotices>::new(self.0.id)).await?.map(CounterNotice))
        }

        /// The strike the removal gave the seller (voided once the removal is undone); null when it was never removed.
        async fn strike(&self, ctx: &Context<'_>) -> AppResult<Option<Strike>> {
            let loaders = graph::request(ctx)?.loaders();
            Ok(loaders.load_one(OneOf::<Strikes>::new(self.0.id)).await?.map(Strike))
        }
    }
}

object! {
    head {
        /// A seller's answer to the removal of an item: it asks for the listing back. Whoever reads the item reads it.
        #[Object]
        impl CounterNotice
    }
    CounterNotice(Kind::CounterNotice, CounterNotice) {
        /// The counter-notice's opaque global id.
        id;
        /// Why the seller holds the removal wrong, 10 to 5,000 characters.
        "statement" statement: Text = statement;
        /// Where it stands.
        "status" status: State<CounterNoticeStatus> = status;
        /// When it was filed (RFC 3339, UTC).
        "filedAt" filed_at: Instant = filed_at;
        /// When it was resolved (RFC 3339, UTC); null while `PENDING`.
        "resolvedAt" resolved_at: MaybeInstant = resolved_at;
    }
    refs {
        /// The removed item it answers.
        "item" item -> NoticeItem via Items(item_id);
        /// The seller who filed it.
        "seller" seller -> Seller via Sellers(seller_id);
    }
    optional_refs {
    }
    derived {
    }
    connections(first, "crate::pagination::cost(first, child_complexity)") {
    }
    methods {
    }
}

object! {
    head {
        /// A mark against a seller for one removal; the seller's active strikes set its status. Staff read every strike, a
        /// brand agent those from its brand's notices, a seller its own.
        #[Object]
        impl Strike
    }
    Strike(Kind::Strike, Strike) {
        /// The strike's opaque global id.
        id;
        /// When it was issued: the removal (RFC 3339, UTC).
        "issuedAt" issued_at: Instant = issued_at;
        /// When it stops counting, the strike TTL after `issuedAt` (`--strike-ttl`, 365 days by default; RFC 3339, UTC).
        "expiresAt" expires_at: Instant = expires_at;
        /// Whether the removal was undone (a counter-notice accepted, the brand's retraction, an appeal reversed): a
        /// voided strike never counts again.
        "voided" voided: Flag = voided;
    }
    refs {
        /// The seller it counts against.
        "seller" seller -> Seller via Sellers(seller_id);
        /// The brand whose notice caused it.
        "brand" brand -> Brand via Brands(brand_id);
        /// The removed item it was issued for.
        "item" item -> NoticeItem via Items(item_id);
    }
    optional_refs {
    }
    derived {
        /// Not voided and not yet expired.
        "active" active: Flag = [voided, expires_at] |now| !*voided && *expires_at > now;
    }
    connections(first, "crate::pagination::cost(first, child_complexity)") {
    }
    methods {
    }
}

object! {
    head {
        /// One entry of the enforcement history: a change of the workflow, who caused it and when. Whoever reads its notice
        /// and item reads it; brand-level events (`notice` null) only staff and the brand's agents.
        #[Object]
        impl NoticeEvent
    }
    NoticeEvent(Kind::NoticeEvent, NoticeEvent) {
        /// The event's opaque global id; ids grow in the order events were committed.
        id;
        /// What happened.
        "kind" kind: State<NoticeEventKind> = kind;
        /// The role of the token that caused it, or `SYSTEM`.
        "actorRole" actor_role: State<ActorRole> = actor_role;
        /// When it happened (RFC 3339, UTC).
        "at" at: Instant = at;
        /// The reason given with the change, or what SYSTEM noted (a tier change, a question's deadline, a brand's share
        /// of unfounded items); null when there is none.
        "note" note: MaybeText = note;
    }
    refs {
        /// The brand it concerns.
        "brand" brand -> Brand via Brands(brand_id);
    }
    optional_refs {
        /// The notice it concerns; null for brand-level events (trust tier, notifier standing).
        "notice" notice -> Notice via Notices(notice_id);
        /// The item it concerns; null for events of a whole notice or brand.
        "item" item -> NoticeItem via Items(item_id);
    }
    derived {
    }
    connections(first, "crate::pagination::cost(first, child_complexity)") {
    }
    methods {
    }
}

/// One listing to take down and the mark it infringes.
#[derive(InputObject)]
pub struct NoticeItemInput {
    /// The listing to take down (opaque global id): `ACTIVE` or `REINSTATED`, named once in the notice, and without a
    /// `PENDING` item of this brand already (`CONFLICT` when removed or pending).
    pub listing_id: ID,
    /// The brand's `VERIFIED` trademark the listing infringes (opaque global id).
    pub trademark_id: ID,
    /// What shows the infringement: at most 10 pieces. Whoever may read the item reads them,
    /// the seller included: it is entitled to know what it is accused of.
    #[graphql(default)]
    pub evidence: Vec<crate::evidence::EvidenceInput>,
}

/// An item of a new notice that names its listing by marketplace address (`Listing.url`, any
/// spelling of it) instead of by id.
#[derive(InputObject)]
pub struct NoticeItemByUrlInput {
    /// The listing's marketplace address, in any spelling of it (as `listingByUrl` takes it).
    pub listing_url: String,
    /// The brand's `VERIFIED` trademark the listing infringes (opaque global id).
    pub trademark_id: ID,
    /// As on `NoticeItemInput`: at most 10 pieces.
    #[graphql(default)]
    pub evidence: Vec<crate::evidence::EvidenceInput>,
}

/// A new notice.
#[derive(InputObject)]
pub struct SubmitNoticeInput {
    /// The brand the notice is from (opaque global id); a brand agent may name only its own.
    pub brand_id: ID,
    /// The ground of the notice.
    pub reason: NoticeReason,
    /// Why the listings infringe: 10 to 5,000 characters.
    pub explanation: String,
    /// The submitter's statement that the notice is accurate and made in good faith; must be true.
    pub good_faith_declaration: bool,
    /// Items named by listing id; with `itemsByUrl`, 1 to 300 items in all, each listing once. Errors name
    /// `items.N.listingId` or `items.N.trademarkId`.
    pub items: Vec<NoticeItemInput>,
    /// Items named by their listing's address, each naming one listing exactly like an item of
    /// `items`; both lists together hold 1 to 300 items, each listing once. Errors name
    /// `itemsByUrl.N.listingUrl` (an address no listing holds is `BAD_USER_INPUT`).
    #[graphql(default)]
    pub items_by_url: Vec<NoticeItemByUrlInput>,
    /// 1 to 128 characters. Submitting again with the same key (same brand) returns the notice first made with it;
    /// the same key with a different payload is `CONFLICT`.
    pub idempotency_key: Option<String>,
}

/// A reviewer's decision.
#[derive(InputObject)]
pub struct DecideNoticeItemInput {
    /// The item to decide (opaque global id); one that is not `PENDING` is `CONFLICT`.
    pub item_id: ID,
    /// Take the listing down, or leave it up.
    pub decision: ItemDecision,
    /// Why: 1 to 2,000 characters. Required to `REJECT`, optional to `REMOVE`.
    pub reason: Option<String>,
}

/// A brand taking back the removal of one of its items.
#[derive(InputObject)]
pub struct RetractNoticeItemInput {
    /// The brand's `REMOVED` or `COUNTERED` item (opaque global id).
    pub item_id: ID,
    /// Why the removal was wrong: 1 to 2,000 characters.
    pub reason: String,
}

impl RetractNoticeItemInput {
    /// The typed command; bad input names its field.
    pub fn parse(self) -> crate::error::AppResult<super::retract::Retraction> {
        Ok(super::retract::Retraction {
            item: Key::<crate::objects::NoticeItem>::decode(&self.item_id, "itemId")?,
            reason: crate::values::text(&self.reason, 1, 2000, "reason")?,
        })
    }
}

/// A seller's answer to a removal.
#[derive(InputObject)]
pub struct FileCounterNoticeInput {
    /// The `REMOVED` item of one of the seller's listings (opaque global id), within the counter-notice window
    /// after the removal, once (`CONFLICT` otherwise).
    pub item_id: ID,
    /// Why the removal is wrong: 10 to 5,000 characters.
    pub statement: String,
}

/// A reviewer's resolution of a counter-notice.
#[derive(InputObject)]
pub struct ResolveCounterNoticeInput {
    /// The `PENDING` counter-notice (opaque global id); any other is `CONFLICT`.
    pub counter_notice_id: ID,
    /// Reinstate the listing, or uphold the removal.
    pub decision: CounterNoticeDecision,
    /// Why: 1 to 2,000 characters; optional.
    pub reason: Option<String>,
}

/// The evidence an item was submitted with; visible wherever the item is (its parent checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EvidenceOfItem(pub i64);

impl async_graphql::dataloader::Loader<EvidenceOfItem> for crate::loaders::Batcher {
    type Value = Vec<entity::evidence::Model>;
    type Error = crate::error::AppError;

    async fn load(
        &self,
        keys: &[EvidenceOfItem],
    ) -> Result<std::collections::HashMap<EvidenceOfItem, Vec<entity::evidence::Model>>, Self::Error> {
        use sea_orm::sea_query::ExprTrait;
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        // An item's own evidence: what came with a message is the message's.
        let own = crate::sql::t("message_id").is_null().into();
        let rows: Vec<entity::evidence::Model> =
            crate::sql::by_parents(self.db(), "evidence", "item_id", &ids, &[own]).await?;
        let mut out: std::collections::HashMap<EvidenceOfItem, Vec<entity::evidence::Model>> = Default::default();
        for model in rows {
            out.entry(EvidenceOfItem(model.item_id)).or_default().push(model);
        }
        Ok(out)
    }
}
