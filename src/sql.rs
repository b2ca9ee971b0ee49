//! The store's statements. SQL is written with `?` and turned into the backend's placeholders
//! here (`Sql::build`), so every statement reads the same on SQLite and PostgreSQL. Conditions
//! are composed with sea-query over the row aliased `t` (`t("status")` is its column) and
//! written into that text with their values (`From<Expr> for Sql`): the domains hand the store
//! specs and conditions, never text.
//!
//! This file holds that builder; the statements are in the rooms behind it, re-exported here so
//! a caller names `crate::sql::page` whatever room it lives in:
//! - `list.rs`: lists (`ListSpec`) read a keyset page at a time, a page per parent, and counts;
//! - `by_id.rs`: rows by id for a batch, and the children of a batch of parents;
//! - `keyed.rs`: figures and rows per `(parent, since)` key, for a batch of keys;
//! - `locks.rs`: row locks and advisory locks a write transaction takes;
//! - `kept.rs`: the counts stored on rows, kept exact;
//! - `raw.rs`: the statements a benchmark or an EXPLAIN test holds as SQL text.

use sea_orm::sea_query::{Expr, IntoColumnRef, PgFunc, QueryBuilder as _, SqlWriterValues, SqliteQueryBuilder};
use sea_orm::{DbBackend, Statement, Value};

mod by_id;
pub mod kept;
mod keyed;
mod list;
mod locks;
pub mod order;
pub mod raw;

pub use by_id::{by_ids, by_ids_joined, by_ids_some, by_parents};
pub use keyed::{KeyedRows, aggregate_per_key, rows_per_key};
pub use list::{Dir, ListSpec, count, count_per_parent, page, page_per_parent};
pub use locks::{lock_rows, serialize_on};

/// `ids` as one BIGINT array value: PostgreSQL's one parameter for a list of any length.
fn id_array(ids: &[i64]) -> Value {
    let ids: Vec<Value> = ids.iter().map(|&i| Value::from(i)).collect();
    Value::Array(sea_orm::sea_query::ArrayType::BigInt, Some(Box::new(ids)))
}

/// Where `push_in` put a list of ids, until `build` writes it for the backend.
const IN_LIST: char = '\u{1}';

/// A fragment of SQL with `?` placeholders and their values.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    pub text: String,
    pub values: Vec<Value>,
}

impl Sql {
    /// A fragment with its values.
    pub fn new(text: impl Into<String>, values: Vec<Value>) -> Self {
        Self { text: text.into(), values }
    }

    /// Appends `text` with `values`.
    pub fn push(&mut self, text: &str, values: impl IntoIterator<Item = Value>) -> &mut Self {
        self.text.push_str(text);
        self.values.extend(values);
        self
    }

    /// Appends the fragment `other`, its values after this one's.
    pub fn append(&mut self, other: &Sql) -> &mut Self {
        self.push(&other.text, other.values.iter().cloned())
    }

    /// Appends ` AND (frag)` for each fragment.
    pub fn and_all(&mut self, conds: &[Sql]) -> &mut Self {
        for c in conds {
            self.push(" AND (", c.values.iter().cloned());
            self.text.push_str(&c.text);
            self.text.push(')');
        }
        self
    }

    /// Appends the list of `ids` after `… IN `: on PostgreSQL one array parameter
    /// (`= ANY($n)`), on SQLite `(?, ?, …)`. The PostgreSQL statement then reads the same
    /// whatever the number of ids, so the server plans it once per connection rather than once
    /// per request: planning a 137-id `IN` list took PostgreSQL longer than running it.
    pub fn push_in(&mut self, ids: &[i64]) -> &mut Self {
        self.text.push(IN_LIST);
        self.values.push(id_array(ids));
        self
    }

    /// The statement for `backend`.
    pub fn build(&self, backend: DbBackend) -> Statement {
        let pg = backend == DbBackend::Postgres;
        let mut text = String::with_capacity(self.text.len() + 16);
        let mut values = Vec::with_capacity(self.values.len());
        let mut given = self.values.iter();
        let mut n = 0;
        for ch in self.text.chars() {
            match ch {
                '?' | IN_LIST if pg => {
                    n += 1;
                    if ch == IN_LIST {
                        // `… IN ` was written before the list.
                        let cut = text.trim_end().strip_suffix("IN").map(str::len);
                        text.truncate(cut.unwrap_or(text.len()));
                        text.push_str("= ANY($");
                        text.push_str(&n.to_string());
                        text.push(')');
                    } else {
                        text.push('$');
                        text.push_str(&n.to_string());
                    }
                    values.extend(given.next().cloned());
                }
                '?' => {
                    text.push('?');
                    values.extend(given.next().cloned());
                }
                IN_LIST => match given.next() {
                    Some(Value::Array(_, Some(ids))) if !ids.is_empty() => {
                        text.push('(');
                        text.push_str(&vec!["?"; ids.len()].join(", "));
                        text.push(')');
                        values.extend(ids.iter().cloned());
                    }
                    // `IN ()` is not SQL; an id no row has keeps the statement valid and empty.
                    _ => {
                        text.push_str("(?)");
                        values.push(Value::from(-1_i64));
                    }
                },
                _ => text.push(ch),
            }
        }
        Statement::from_sql_and_values(backend, text, values)
    }
}

/// Column `column` of the row aliased `t` that a list's conditions are written over (the
/// conditions themselves are composed with sea-query: `t("status").eq(NoticeStatus::Open)`).
pub fn t(column: &'static str) -> Expr {
    Expr::col(("t", column))
}

/// The condition no row meets (a scope that may see none of a list).
pub fn nothing() -> Expr {
    sea_orm::sea_query::ExprTrait::eq(Expr::val(1), 0)
}

impl From<Expr> for Sql {
    /// A condition composed with sea-query, written with `?` placeholders and its values (which
    /// `build` numbers for PostgreSQL); identifiers are quoted as both backends read them.
    fn from(cond: Expr) -> Self {
        let mut writer = SqlWriterValues::new("?", false);
        SqliteQueryBuilder.prepare_expr(&cond, &mut writer);
        let (text, values) = writer.into_parts();
        // `build` numbers every `?` of the text: a constant written into it must not hold one.
        debug_assert_eq!(text.matches('?').count(), values.0.len(), "a `?` in the text of {text}");
        Self { text, values: values.0 }
    }
}

/// The condition that `column` holds one of `ids`. On PostgreSQL `= ANY(?)` with one array
/// parameter, as `Sql::push_in` writes it: the statement then reads the same for any number of
/// ids, and is planned once per connection rather than once per length. Elsewhere `IN (…)`.
pub fn id_in(backend: DbBackend, column: impl IntoColumnRef, ids: &[i64]) -> Expr {
    use sea_orm::sea_query::ExprTrait as _;
    if backend == DbBackend::Postgres {
        Expr::col(column).eq(PgFunc::any(Expr::val(id_array(ids))))
    } else {
        Expr::col(column).is_in(ids.iter().copied())
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::{ExprTrait, LikeExpr};
    use sea_orm::{DbBackend, Value};

    use super::{Sql, t};

    /// A condition composed with sea-query is written with `?` placeholders and its values,
    /// which `build` numbers for PostgreSQL and leaves for SQLite, whatever comes before it.
    #[test]
    fn a_composed_condition_is_numbered_for_postgres_and_left_for_sqlite() {
        let cond = Sql::from(t("voided").eq(false).and(t("expires_at").gt(7_i64)));
        assert_eq!(cond.text, r#""t"."voided" = ? AND "t"."expires_at" > ?"#);
        assert_eq!(cond.values, vec![Value::from(false), Value::from(7_i64)]);
        let mut sql = Sql::new("SELECT t.id FROM strike t WHERE t.seller_id = ? AND ", vec![Value::from(3_i64)]);
        sql.push(&cond.text, cond.values);
        let pg = sql.build(DbBackend::Postgres);
        assert_eq!(
            pg.sql,
            r#"SELECT t.id FROM strike t WHERE t.seller_id = $1 AND "t"."voided" = $2 AND "t"."expires_at" > $3"#
        );
        let lite = sql.build(DbBackend::Sqlite);
        assert_eq!(
            lite.sql,
            r#"SELECT t.id FROM strike t WHERE t.seller_id = ? AND "t"."voided" = ? AND "t"."expires_at" > ?"#
        );
        assert_eq!(lite.values.map(|v| v.0.len()), Some(3));
    }

    /// A list of ids is one array parameter on PostgreSQL, whatever its length, and a list of
    /// values on SQLite; an empty list selects nothing on both.
    #[test]
    fn an_id_list_is_one_array_on_postgres_and_a_list_on_sqlite() {
        use sea_orm::sea_query::{Alias, Query};
        let select = |backend: DbBackend, ids: &[i64]| {
            let query = Query::select()
                .column(Alias::new("id"))
                .from(Alias::new("seller"))
                .and_where(super::id_in(backend, Alias::new("id"), ids))
                .to_owned();
            backend.build(&query)
        };
        let pg = select(DbBackend::Postgres, &[3, 1, 2]);
        assert_eq!(pg.sql, r#"SELECT "id" FROM "seller" WHERE "id" = ANY($1)"#);
        let ids: Vec<Value> = [3_i64, 1, 2].into_iter().map(Value::from).collect();
        let array = Value::Array(sea_orm::sea_query::ArrayType::BigInt, Some(Box::new(ids)));
        assert_eq!(pg.values.map(|v| v.0), Some(vec![array]));
        assert_eq!(select(DbBackend::Postgres, &[7; 300]).sql, pg.sql, "the same statement for 300 ids");
        let lite = select(DbBackend::Sqlite, &[3, 1, 2]);
        assert_eq!(lite.sql, r#"SELECT "id" FROM "seller" WHERE "id" IN (?, ?, ?)"#);
        assert_eq!(lite.values.map(|v| v.0.len()), Some(3));
        // sea-query writes an empty list as a false comparison of two values (1 = 2).
        let empty = select(DbBackend::Sqlite, &[]);
        assert_eq!(empty.sql, r#"SELECT "id" FROM "seller" WHERE ? = ?"#);
        let values = empty.values.map(|v| v.0).unwrap_or_default();
        assert!(values.len() == 2 && values[0] != values[1], "{values:?}");
    }

    /// A search pattern stays a value, with the escape character LIKE is told about.
    #[test]
    fn a_like_condition_keeps_its_pattern_a_value() {
        let cond = Sql::from(t("title_search").like(LikeExpr::new("%50\\%%").escape('\\')));
        assert_eq!(cond.text, r#""t"."title_search" LIKE ? ESCAPE '\'"#);
        assert_eq!(cond.values, vec![Value::from("%50\\%%")]);
    }
}
