//! Relay cursor connections (CONTRACT.md section 5): page arguments, opaque keyset cursors and the
//! generic `XConnection` / `XEdge` object types.
//!
//! A cursor is the row's sort key (a few integers, the row id last), so a page is a keyset seek:
//! stable across pages whatever is inserted meanwhile, and cheap at any depth.

use std::borrow::Cow;
use std::sync::Arc;

use async_graphql::connection::PageInfo;
use async_graphql::{Context, Object, OutputType, TypeName};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::future::BoxFuture;

use crate::error::{AppError, AppResult};

/// Page size when `first` is absent.
pub const DEFAULT_PAGE: u64 = 20;
/// Largest `first` a client may ask for.
pub const MAX_PAGE: u64 = 100;

/// The cost of a connection asked with `first`: its page size times the cost of a row. A `first`
/// out of range costs as the largest page (the resolver then refuses it), so the arithmetic can
/// neither overflow nor let a bad argument look cheap.
pub fn cost(first: Option<i32>, child_complexity: usize) -> usize {
    let page = first.map_or(DEFAULT_PAGE, |n| u64::try_from(n).map_or(MAX_PAGE, |n| n.clamp(1, MAX_PAGE)));
    (page as usize).saturating_mul(child_complexity)
}

/// A position in an ordered list: the values of the sort key of the row it names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cursor(pub Vec<i64>);

impl Cursor {
    const PREFIX: &'static str = "c1:";

    /// The opaque text form.
    pub fn encode(&self) -> String {
        let body: Vec<String> = self.0.iter().map(i64::to_string).collect();
        URL_SAFE_NO_PAD.encode(format!("{}{}", Self::PREFIX, body.join(":")))
    }

    /// Parses the opaque text form; `None` when it is not one of ours.
    pub fn decode(raw: &str) -> Option<Self> {
        if raw.len() > 256 {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
        let text = std::str::from_utf8(&bytes).ok()?;
        let body = text.strip_prefix(Self::PREFIX)?;
        let values: Option<Vec<i64>> = body.split(':').map(|v| v.parse().ok()).collect();
        let values = values?;
        (!values.is_empty() && values.len() <= 4).then_some(Self(values))
    }
}

/// Validated forward-paging arguments.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageArgs {
    pub first: u64,
    pub after: Option<Cursor>,
}

impl PageArgs {
    /// Checks `first` (1 to 100, default 20) and decodes `after`.
    pub fn parse(first: Option<i32>, after: Option<String>) -> AppResult<Self> {
        let first = match first {
            None => DEFAULT_PAGE,
            Some(n) if (1..=MAX_PAGE as i32).contains(&n) => n as u64,
            Some(n) => {
                return Err(AppError::bad_input("first", format!("first must be 1 to {MAX_PAGE}, got {n}")));
            }
        };
        let after = match after {
            None => None,
            Some(raw) => {
                Some(Cursor::decode(&raw).ok_or_else(|| AppError::bad_input("after", "after: malformed cursor"))?)
            }
        };
        Ok(Self { first, after })
    }

    /// The rows of the page among `rows`, read with one row more than `first`, and whether a
    /// next page exists (that one row more): the one rule of `hasNextPage`, for both executors.
    pub fn page_of<'r, R>(&self, rows: &'r [R]) -> (&'r [R], bool) {
        let first = usize::try_from(self.first).unwrap_or(usize::MAX);
        (&rows[..rows.len().min(first)], rows.len() > first)
    }

    /// Checks that the cursor has as many values as the list's sort key.
    pub fn check_arity(&self, arity: usize) -> AppResult<()> {
        match &self.after {
            Some(c) if c.0.len() != arity => Err(AppError::bad_input("after", "after: cursor of another list")),
            _ => Ok(()),
        }
    }
}

/// How `totalCount` is found: already known, or counted only when a client asks for it.
#[derive(Clone)]
pub enum Total {
    Known(u64),
    Lazy(Arc<dyn Fn() -> BoxFuture<'static, AppResult<u64>> + Send + Sync>),
}

/// One page of a connection.
pub struct Connection<T> {
    pub edges: Vec<Edge<T>>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub total: Total,
}

/// One row of a page and its cursor.
pub struct Edge<T> {
    pub cursor: Cursor,
    pub node: T,
}

impl<T> Connection<T> {
    /// A page from `rows` fetched with one row more than `args.first` (which tells whether a next
    /// page exists); `key` gives a row's cursor and `node` turns it into the GraphQL object.
    pub fn from_rows<R>(args: &PageArgs, mut rows: Vec<(Cursor, R)>, total: Total, node: impl Fn(R) -> T) -> Self {
        let (page, has_next_page) = args.page_of(&rows);
        let kept = page.len();
        rows.truncate(kept);
        Self {
            edges: rows.into_iter().map(|(cursor, row)| Edge { cursor, node: node(row) }).collect(),
            has_next_page,
            has_previous_page: args.after.is_some(),
            total,
        }
    }

    /// A page from a list already complete in memory (a few hundred rows at most).
    pub fn from_vec(args: &PageArgs, all: Vec<T>) -> Self {
        let total = all.len() as u64;
        let start = args.after.as_ref().and_then(|c| c.0.first().copied()).map_or(0, |i| (i.max(-1) + 1) as usize);
        let rows = all
            .into_iter()
            .enumerate()
            .skip(start)
            .take(args.first as usize + 1)
            .map(|(i, node)| (Cursor(vec![i as i64]), node))
            .collect();
        Self::from_rows(args, rows, Total::Known(total), |n| n)
    }
}

/// One page of a list, a Relay cursor connection: ask for `first` rows (1 to 100, default 20) `after` the previous
/// page's `pageInfo.endCursor` (opaque; a malformed one is `BAD_USER_INPUT`). The order is stable across pages.
#[Object(name_type)]
impl<T: OutputType> Connection<T> {
    /// The rows of this page with their cursors.
    async fn edges(&self) -> &[Edge<T>] {
        &self.edges
    }

    /// The rows of this page.
    async fn nodes(&self) -> Vec<&T> {
        self.edges.iter().map(|e| &e.node).collect()
    }

    /// Where this page stands.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_previous_page: self.has_previous_page,
            has_next_page: self.has_next_page,
            start_cursor: self.edges.first().map(|e| e.cursor.encode()),
            end_cursor: self.edges.last().map(|e| e.cursor.encode()),
        }
    }

    /// How many rows the whole list has, counting only what the viewer may see.
    async fn total_count(&self, _ctx: &Context<'_>) -> async_graphql::Result<i64> {
        let n = match &self.total {
            Total::Known(n) => *n,
            Total::Lazy(count) => count().await?,
        };
        Ok(n as i64)
    }
}

impl<T: OutputType> TypeName for Connection<T> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Connection", T::type_name()).into()
    }
}

/// One row of a page, with its opaque cursor.
#[Object(name_type)]
impl<T: OutputType> Edge<T> {
    /// Opaque position of this row, for `after`.
    async fn cursor(&self) -> String {
        self.cursor.encode()
    }

    /// The row.
    async fn node(&self) -> &T {
        &self.node
    }
}

impl<T: OutputType> TypeName for Edge<T> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Edge", T::type_name()).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips() {
        let c = Cursor(vec![1_700_000_000_000_000, -3, 42]);
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
    }

    #[test]
    fn malformed_cursors_are_refused() {
        for raw in ["", "!!", "YWJj", &URL_SAFE_NO_PAD.encode("c1:"), &URL_SAFE_NO_PAD.encode("c1:1:x")] {
            assert_eq!(Cursor::decode(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn cost_is_bounded_and_never_overflows() {
        assert_eq!(cost(None, 3), 60);
        assert_eq!(cost(Some(5), 3), 15);
        assert_eq!(cost(Some(i32::MAX), 3), 300);
        assert_eq!(cost(Some(-7), 3), 300);
        assert_eq!(cost(Some(100), usize::MAX), usize::MAX);
    }

    #[test]
    fn first_is_bounded() {
        assert_eq!(PageArgs::parse(None, None).map(|p| p.first).ok(), Some(DEFAULT_PAGE));
        for bad in [0, -1, 101, i32::MAX] {
            assert!(matches!(PageArgs::parse(Some(bad), None), Err(AppError::BadInput { .. })), "{bad}");
        }
    }
}
