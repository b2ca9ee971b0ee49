//! Notice queries.

use async_graphql::{Context, ID, Object};

use super::service::NoticeCriteria;
use super::types::{Notice, NoticeFilter, NoticeStatus};
use crate::auth::{Role, visibility};
use crate::error::AppResult;
use crate::graph;
use crate::ids::Kind;
use crate::loaders::Notices;
use crate::pagination::Connection;
use crate::sql::{Dir, ListSpec};

const NEWEST_FIRST: &[(&str, Dir)] = &[("t.submitted_at", Dir::Desc), ("t.id", Dir::Desc)];
/// A reviewer's queue: expedited first, then the oldest.
const REVIEW_PRIORITY: &[(&str, Dir)] = &[
    ("CAST(CASE WHEN t.expedited THEN 1 ELSE 0 END AS BIGINT)", Dir::Desc),
    ("t.submitted_at", Dir::Asc),
    ("t.id", Dir::Asc),
];

/// Notice queries; each viewer sees the notices of section 3 of the contract.
#[derive(Default)]
pub struct NoticeQuery;

#[Object]
impl NoticeQuery {
    /// One notice.
    async fn notice(&self, ctx: &Context<'_>, id: ID) -> AppResult<Option<Notice>> {
        Ok(Some(Notice(graph::find::<Notices>(ctx, &id, Kind::Notice, "id").await?)))
    }

    /// Newest first; a REVIEWER's queue is `status: OPEN` ordered by priority.
    #[graphql(complexity = "first.unwrap_or(20).max(1) as usize * child_complexity")]
    async fn notices(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<NoticeFilter>,
    ) -> AppResult<Connection<Notice>> {
        let viewer = graph::identity(ctx)?;
        let queue = viewer.role == Role::Reviewer && filter.as_ref().and_then(|f| f.status) == Some(NoticeStatus::Open);
        let criteria = NoticeCriteria::parse(filter)?;
        let mut spec = ListSpec::new("notice", if queue { REVIEW_PRIORITY } else { NEWEST_FIRST })
            .and_opt(visibility::notice(viewer.scope()));
        spec.conds.extend(criteria.conds());
        graph::root(ctx, spec, first, after, Notice).await
    }
}
