//! The orders the lists are read in, as the store writes them: each a sort key of the row aliased
//! `t` (the last one unique, so that a cursor after it is exact) with its direction. The domains
//! name an order; they do not write its SQL.

use super::Dir;

/// Oldest first by id.
pub const BY_ID: &[(&str, Dir)] = &[("t.id", Dir::Asc)];
/// Newest first by id.
pub const NEWEST_ID: &[(&str, Dir)] = &[("t.id", Dir::Desc)];
/// Newest submitted first (notices, notice items).
pub const NEWEST_SUBMITTED: &[(&str, Dir)] = &[("t.submitted_at", Dir::Desc), ("t.id", Dir::Desc)];
/// Oldest filed first (appeals).
pub const OLDEST_FILED: &[(&str, Dir)] = &[("t.filed_at", Dir::Asc), ("t.id", Dir::Asc)];
/// In the order issued (statements of reasons).
pub const ISSUED: &[(&str, Dir)] = &[("t.application_date", Dir::Asc), ("t.id", Dir::Asc)];
/// In the order they happened (a notice's events and messages).
pub const HAPPENED: &[(&str, Dir)] = &[("t.at", Dir::Asc), ("t.id", Dir::Asc)];
/// Latest first (a brand's enforcement history).
pub const LATEST: &[(&str, Dir)] = &[("t.at", Dir::Desc), ("t.id", Dir::Desc)];
/// A reviewer's queue of notices: expedited first, then those whose brand answered a question
/// (earliest answer first; never answered sorts last, as the largest BIGINT), then the oldest.
pub const REVIEW_PRIORITY: &[(&str, Dir)] = &[
    ("CAST(CASE WHEN t.expedited THEN 1 ELSE 0 END AS BIGINT)", Dir::Desc),
    ("COALESCE(t.requeued_at, 9223372036854775807)", Dir::Asc),
    ("t.submitted_at", Dir::Asc),
    ("t.id", Dir::Asc),
];
