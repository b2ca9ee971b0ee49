//! The kinds of events the workflow writes and who causes them: below every domain, so that the
//! unit of work (`work.rs`) and the domains share them without importing one another.

use crate::db_enum;

db_enum! {
    /// What happened.
    NoticeEventKind {
        NoticeSubmitted = "NOTICE_SUBMITTED",
        ItemRemoved = "ITEM_REMOVED",
        ItemRejected = "ITEM_REJECTED",
        NoticeWithdrawn = "NOTICE_WITHDRAWN",
        CounterNoticeFiled = "COUNTER_NOTICE_FILED",
        CounterNoticeRejected = "COUNTER_NOTICE_REJECTED",
        ListingReinstated = "LISTING_REINSTATED",
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
        Admin = "ADMIN",
        Reviewer = "REVIEWER",
        /// An analyst (who may post to a notice's thread).
        Analyst = "ANALYST",
        BrandAgent = "BRAND_AGENT",
        Seller = "SELLER",
        System = "SYSTEM",
    }
}
