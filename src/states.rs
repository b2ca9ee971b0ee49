//! The states and kinds the registry stores, declared once in `entity::states` (their stored and
//! GraphQL names, their descriptions) and re-exported here below every domain, so that services,
//! the store and the GraphQL types share them without importing one another; with the rules that
//! read more than the stored state.

pub use entity::states::{
    AccountDecision, AppealOutcome, AppealParty, AppealStatus, AutomatedDecision, CounterNoticeDecision,
    CounterNoticeStatus, EvidenceKind, IdentifierKind, ItemDecision, ListingStatus, NoticeItemStatus,
    NoticeMessageKind, NoticeReason, NoticeStatus, RemovalProcedure, SellerStatus, State, StatementKeyword,
    SubmissionStatus, TrademarkStatus, TrustTier,
};

use crate::time::instant;

/// The status of trademark `model` as of `now` (microseconds): `EXPIRED` once `expiresOn` has
/// passed, else the stored status.
pub fn trademark_status(model: &entity::trademark::Model, now: i64) -> TrademarkStatus {
    trademark_status_at(model.status, model.expires_on, now)
}

/// The status of a trademark stored as `status` that expires on `expires_on`, at `now`.
pub fn trademark_status_at(
    status: TrademarkStatus,
    expires_on: Option<chrono::NaiveDate>,
    now: i64,
) -> TrademarkStatus {
    let today = instant(now).date_naive();
    match expires_on {
        Some(expires) if expires < today => TrademarkStatus::Expired,
        _ => status,
    }
}

/// The right a notice of `reason` invokes (a counterfeit infringes a trademark).
pub fn keyword_of(reason: NoticeReason) -> StatementKeyword {
    match reason {
        NoticeReason::Counterfeit | NoticeReason::TrademarkInfringement => StatementKeyword::TrademarkInfringement,
        NoticeReason::CopyrightInfringement => StatementKeyword::CopyrightInfringement,
        NoticeReason::DesignInfringement => StatementKeyword::DesignInfringement,
        NoticeReason::PatentInfringement => StatementKeyword::PatentInfringement,
    }
}
