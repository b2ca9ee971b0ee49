//! `NoticeFilter`, the input that selects notices, and its parse into the store's criteria.

use async_graphql::{ID, InputObject};
use chrono::{DateTime, Utc};

use crate::error::AppResult;
use crate::ids::Key;
use crate::states::{NoticeReason, NoticeStatus};

/// Which notices to list.
#[derive(InputObject, Default)]
pub struct NoticeFilter {
    /// Only this brand's notices (opaque global id).
    pub brand_id: Option<ID>,
    /// Only notices of this status (on `Query.notices`, a REVIEWER's `OPEN` is its queue, in priority order).
    pub status: Option<NoticeStatus>,
    /// Only notices of this reason.
    pub reason: Option<NoticeReason>,
    /// Only notices submitted strictly after this instant (RFC 3339).
    pub submitted_after: Option<DateTime<Utc>>,
    /// Only notices submitted strictly before this instant (RFC 3339); later than `submittedAfter` (else
    /// `BAD_USER_INPUT`).
    pub submitted_before: Option<DateTime<Utc>>,
}

/// Parses a `NoticeFilter`; a malformed brand id or an empty time range is `BAD_USER_INPUT`.
pub fn notice_criteria(filter: Option<NoticeFilter>) -> AppResult<crate::loaders::lists::NoticeCriteria> {
    use crate::loaders::lists::NoticeCriteria;
    let Some(f) = filter else { return Ok(NoticeCriteria::default()) };
    let criteria = NoticeCriteria {
        brand_id: f
            .brand_id
            .map(|id| Key::<crate::objects::Brand>::decode(&id, "filter.brandId").map(Key::get))
            .transpose()?,
        status: f.status,
        reason: f.reason,
        submitted_after: f.submitted_after.map(crate::time::micros),
        submitted_before: f.submitted_before.map(crate::time::micros),
    };
    if let (Some(a), Some(b)) = (criteria.submitted_after, criteria.submitted_before)
        && a >= b
    {
        return Err(crate::error::AppError::bad_input(
            "filter.submittedBefore",
            "filter.submittedBefore must be later than filter.submittedAfter",
        ));
    }
    Ok(criteria)
}
