//! The staff's list of statements of reasons, oldest first.

use async_graphql::{Context, Object};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::ExprTrait;

use super::report::{self, TransparencyReport};
use super::types::StatementOfReasons;
use crate::error::{AppError, AppResult};
use crate::graph;
use crate::pagination::Connection;
use crate::sql::{ListSpec, t};
use crate::time::micros;

/// The staff's statements of reasons and transparency report.
#[derive(Default)]
pub struct StatementQuery;

#[Object]
impl StatementQuery {
    /// Every statement of reasons issued at or after `since`, oldest first (ADMIN, REVIEWER,
    /// ANALYST; null with FORBIDDEN for anyone else).
    #[graphql(complexity = "crate::pagination::cost(first, child_complexity)")]
    async fn statements_of_reasons(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only those issued at or after this instant (RFC 3339).")] since: Option<DateTime<Utc>>,
        #[graphql(desc = "Page size: 1 to 100 (else `BAD_USER_INPUT`), default 20.")] first: Option<i32>,
        #[graphql(desc = "A previous page's `endCursor` (opaque): the page starts after it.")] after: Option<String>,
    ) -> AppResult<Option<Connection<StatementOfReasons>>> {
        graph::identity(ctx)?.require_staff("list all statements of reasons")?;
        let spec = ListSpec::new("statement_of_reasons", crate::sql::order::ISSUED)
            .and_opt(since.map(|s| t("application_date").gte(micros(s))));
        graph::root(ctx, spec, first, after, StatementOfReasons).await.map(Some)
    }

    /// The figures of DSA Article 15 for `[from, to)` (ADMIN, REVIEWER, ANALYST; null with
    /// FORBIDDEN for anyone else).
    async fn transparency_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The start of the period, included (RFC 3339).")] from: DateTime<Utc>,
        #[graphql(desc = "The end of the period, excluded (RFC 3339); later than `from` (else `BAD_USER_INPUT`).")]
        to: DateTime<Utc>,
    ) -> AppResult<Option<TransparencyReport>> {
        graph::identity(ctx)?.require_staff("read the transparency report")?;
        if to <= from {
            return Err(AppError::bad_input("to", "to: must be after from"));
        }
        let db = &graph::reader(ctx)?;
        report::report(db, micros(from), micros(to)).await.map(Some)
    }
}
