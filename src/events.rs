//! The kinds of events the workflow writes and who causes them: below every domain, so that the
//! unit of work (`work.rs`) and the domains share them without importing one another.

use crate::db_enum;

db_enum! {
    /// What happened: one event per change of the enforcement workflow (CONTRACT.md section 4).
    NoticeEventKind {
        /// A notice was submitted (once per notice; `item` is null).
        NoticeSubmitted = "NOTICE_SUBMITTED",
        /// An item was removed: by a reviewer, or by SYSTEM on receipt of an expedited notice.
        ItemRemoved = "ITEM_REMOVED",
        /// An item was rejected: by a reviewer (`note` holds the reason), or by SYSTEM when the brand left a question
        /// unanswered.
        ItemRejected = "ITEM_REJECTED",
        /// The brand withdrew the notice's `PENDING` items (once per withdrawal; `item` is null).
        NoticeWithdrawn = "NOTICE_WITHDRAWN",
        /// The seller filed a counter-notice against the item's removal.
        CounterNoticeFiled = "COUNTER_NOTICE_FILED",
        /// A reviewer upheld the removal against the counter-notice (`note` holds the reason, if given).
        CounterNoticeRejected = "COUNTER_NOTICE_REJECTED",
        /// A reviewer accepted the counter-notice: the item and its listing are reinstated.
        ListingReinstated = "LISTING_REINSTATED",
        /// The brand's trust tier changed (`note`: `STANDARD -> TRUSTED` or back), by SYSTEM; brand-level, so
        /// `notice` and `item` are null.
        TrustTierChanged = "TRUST_TIER_CHANGED",
        /// The brand took back the removal of an item (`retractNoticeItem`).
        ItemRetracted = "ITEM_RETRACTED",
        /// The seller appealed a removal, or the brand a rejection.
        AppealFiled = "APPEAL_FILED",
        /// A reviewer upheld the decision under appeal.
        AppealUpheld = "APPEAL_UPHELD",
        /// A reviewer reversed the decision under appeal.
        AppealReversed = "APPEAL_REVERSED",
        /// Too many of the brand's recent notices were unfounded: it is warned.
        NotifierWarned = "NOTIFIER_WARNED",
        /// Warned and unfounded again: the brand may not submit for a while.
        NotifierSuspended = "NOTIFIER_SUSPENDED",
        /// An ADMIN lifted the brand's suspension.
        NotifierReinstated = "NOTIFIER_REINSTATED",
        /// A reviewer asked the brand for information on an item (not shown to sellers).
        InfoRequested = "INFO_REQUESTED",
        /// The brand answered (not shown to sellers).
        InfoProvided = "INFO_PROVIDED",
        /// A message was posted to a notice's thread (not shown to sellers).
        NoticeMessagePosted = "NOTICE_MESSAGE_POSTED",
    }
}

db_enum! {
    /// Who caused an event: the role of the token, or the system itself.
    ActorRole {
        /// An administrator of the platform.
        Admin = "ADMIN",
        /// A reviewer of the platform: decisions on items, counter-notices and appeals.
        Reviewer = "REVIEWER",
        /// An analyst (who may post to a notice's thread).
        Analyst = "ANALYST",
        /// An agent of the notice's brand.
        BrandAgent = "BRAND_AGENT",
        /// The seller of the item's listing: counter-notices and appeals.
        Seller = "SELLER",
        /// The registry itself, with no token: expedited removals, trust-tier and notifier-standing changes, items
        /// rejected for an unanswered question.
        System = "SYSTEM",
    }
}
