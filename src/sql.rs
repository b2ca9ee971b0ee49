//! Portable SQL for lists: one keyset-paged query for a list, one for a batch of lists (one per
//! parent row, through a window function), and their counts. SQL is written with `?` and turned
//! into the backend's placeholders here, so every query reads the same on SQLite and PostgreSQL.

use std::collections::HashMap;

use sea_orm::sea_query::{
    Alias, Expr, IntoColumnRef, LockType, Order, PgFunc, Query, QueryBuilder as _, SqlWriterValues, SqliteQueryBuilder,
};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value};

use crate::columns::{Columns, Mask, at};

use crate::error::AppResult;
use crate::pagination::{Cursor, PageArgs};

pub mod kept;
pub mod raw;

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
/// conditions themselves are composed with sea-query: `t("status").eq("OPEN")`).
pub fn t(column: &'static str) -> Expr {
    Expr::col(("t", column))
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

/// Direction of one sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Asc,
    Desc,
}

/// An ordered, filtered, scoped list of rows of one table, aliased `t`.
#[derive(Debug, Clone)]
pub struct ListSpec {
    /// The table, or a parenthesized derived table.
    pub from: String,
    /// Values of the placeholders in `from`.
    pub from_values: Vec<Value>,
    /// Sort key expressions over `t` (each a BIGINT), the unique `t.id` last.
    pub order: Vec<(&'static str, Dir)>,
    /// Conditions, AND-ed.
    pub conds: Vec<Sql>,
}

impl ListSpec {
    /// A list of `table` in `order` with no condition yet.
    pub fn new(table: &str, order: &[(&'static str, Dir)]) -> Self {
        Self { from: table.to_owned(), from_values: Vec::new(), order: order.to_vec(), conds: Vec::new() }
    }

    /// A list over a derived table with placeholders.
    pub fn derived(from: Sql, order: &[(&'static str, Dir)]) -> Self {
        Self { from: from.text, from_values: from.values, order: order.to_vec(), conds: Vec::new() }
    }

    /// Adds a condition.
    pub fn and(mut self, cond: impl Into<Sql>) -> Self {
        self.conds.push(cond.into());
        self
    }

    /// Adds a condition when there is one.
    pub fn and_opt(self, cond: Option<impl Into<Sql>>) -> Self {
        match cond {
            Some(c) => self.and(c),
            None => self,
        }
    }

    fn key_columns(&self) -> String {
        self.order.iter().enumerate().map(|(i, (expr, _))| format!(", {expr} AS rg_k{i}")).collect()
    }

    fn order_by(&self) -> String {
        let keys: Vec<String> = self
            .order
            .iter()
            .map(|(expr, dir)| format!("{expr} {}", if *dir == Dir::Asc { "ASC" } else { "DESC" }))
            .collect();
        keys.join(", ")
    }

    /// `(k0, k1, …) after cursor` in the list's order, spelled out for both backends.
    fn after(&self, cursor: &Cursor) -> Sql {
        let mut alternatives = Vec::new();
        let mut values = Vec::new();
        for i in 0..self.order.len().min(cursor.0.len()) {
            let mut parts = Vec::new();
            for j in 0..i {
                parts.push(format!("{} = ?", self.order[j].0));
                values.push(Value::from(cursor.0[j]));
            }
            let (expr, dir) = self.order[i];
            parts.push(format!("{expr} {} ?", if dir == Dir::Asc { ">" } else { "<" }));
            values.push(Value::from(cursor.0[i]));
            alternatives.push(format!("({})", parts.join(" AND ")));
        }
        Sql::new(alternatives.join(" OR "), values)
    }

    fn filtered(&self, args: Option<&PageArgs>) -> Sql {
        let mut sql = Sql::new(" WHERE 1 = 1", vec![]);
        sql.and_all(&self.conds);
        if let Some(cursor) = args.and_then(|a| a.after.as_ref()) {
            sql.and_all(&[self.after(cursor)]);
        }
        sql
    }
}

/// The cursor of a row whose `arity` sort keys follow its model's columns, from index `from`.
fn cursor_of(row: &QueryResult, from: usize, arity: usize) -> AppResult<Cursor> {
    let mut keys = Vec::with_capacity(arity);
    for i in from..from + arity {
        keys.push(at::<i64>(row, i)?);
    }
    Ok(Cursor(keys))
}

/// One page of `spec`: up to `args.first + 1` rows with their cursors, each with the fields of
/// `mask`.
pub async fn page<M: Columns>(
    db: &impl ConnectionTrait,
    spec: &ListSpec,
    args: &PageArgs,
    mask: Mask,
) -> AppResult<Vec<(Cursor, M)>> {
    args.check_arity(spec.order.len())?;
    let mut sql = Sql::new(
        format!("SELECT {}{} FROM {} t", mask.columns::<M>(), spec.key_columns(), spec.from),
        spec.from_values.clone(),
    );
    let filtered = spec.filtered(Some(args));
    sql.push(&filtered.text, filtered.values);
    sql.push(&format!(" ORDER BY {} LIMIT ?", spec.order_by()), [Value::from(args.first as i64 + 1)]);
    let rows = db.query_all_raw(sql.build(db.get_database_backend())).await?;
    let arity = mask.arity::<M>();
    rows.iter().map(|row| Ok((cursor_of(row, arity, spec.order.len())?, M::decode_some(row, mask)?))).collect()
}

/// The first page of `spec` for each of `parents` (rows whose `parent` column holds that id), in
/// one statement: up to `args.first + 1` rows each, with the fields of `mask`.
pub async fn page_per_parent<M: Columns>(
    db: &impl ConnectionTrait,
    spec: &ListSpec,
    parent: &str,
    parents: &[i64],
    args: &PageArgs,
    mask: Mask,
) -> AppResult<Vec<(i64, Vec<(Cursor, M)>)>> {
    args.check_arity(spec.order.len())?;
    let backend = db.get_database_backend();
    let filtered = spec.filtered(Some(args));
    let limit = Value::from(args.first as i64 + 1);
    let pg = backend == DbBackend::Postgres;
    // Each parent's page is an index range read that stops after `first + 1` rows; numbering
    // every row of every parent with a window (all the listings of a hundred repeat offenders) to
    // keep a few cost ten times as much. PostgreSQL reads a parent's page with a lateral join;
    // SQLite, which has none, with a subquery correlated to the parent, then the rows by id and
    // parent: a derived list can hold one row per (parent, id) (a notice once per trademark it
    // cites), so a row is this parent's only where both match.
    let correlated = !pg && spec.from_values.is_empty();
    let window = if pg { String::new() } else { format!("PARTITION BY t.{parent} ") };
    let select = format!(
        "SELECT {columns}{keys}, t.{parent} AS rg_parent, ROW_NUMBER() OVER ({window}ORDER BY {order}) AS rg_rn FROM ",
        columns = mask.columns::<M>(),
        keys = spec.key_columns(),
        order = spec.order_by(),
    );
    let mut ids: Vec<Value> = parents.iter().map(|&p| Value::from(p)).collect();
    if ids.is_empty() {
        ids.push(Value::from(-1_i64));
    }
    let mut sql = if pg {
        // One array parameter: the statement reads the same for any number of parents.
        let parents = Value::Array(sea_orm::sea_query::ArrayType::BigInt, Some(Box::new(ids)));
        let mut sql = Sql::new("SELECT x.* FROM unnest(CAST(? AS BIGINT[])) p(id) CROSS JOIN LATERAL (", vec![parents]);
        sql.push(&format!("{select}{} t", spec.from), spec.from_values.clone());
        sql
    } else if correlated {
        let marks = vec!["(?)"; ids.len()].join(", ");
        let mut sql = Sql::new(format!("WITH p(id) AS (VALUES {marks}) SELECT * FROM ("), ids);
        sql.push(
            &format!(
                "{select}p JOIN {from} t ON t.{parent} = p.id AND t.id IN (SELECT t.id FROM {from} t",
                from = spec.from
            ),
            [],
        );
        sql
    } else {
        Sql::new(format!("SELECT * FROM ({select}{} t", spec.from), spec.from_values.clone())
    };
    sql.push(&filtered.text, filtered.values);
    if pg {
        sql.push(&format!(" AND t.{parent} = p.id ORDER BY {} LIMIT ?) x", spec.order_by()), [limit]);
        sql.push(" ORDER BY x.rg_parent, x.rg_rn", []);
    } else if correlated {
        sql.push(&format!(" AND t.{parent} = p.id ORDER BY {} LIMIT ?)) x", spec.order_by()), [limit]);
        sql.push(" ORDER BY x.rg_parent, x.rg_rn", []);
    } else {
        sql.push(&format!(" AND t.{parent} IN "), []);
        sql.push_in(parents);
        sql.push(") x WHERE x.rg_rn <= ? ORDER BY x.rg_parent, x.rg_rn", [limit]);
    }
    let rows = db.query_all_raw(sql.build(backend)).await?;
    // The rows come ordered by parent: each parent's page is one run of them.
    let mut out: Vec<(i64, Vec<(Cursor, M)>)> = Vec::new();
    let arity = spec.order.len();
    let fields = mask.arity::<M>();
    for row in &rows {
        // The model's columns, its sort keys, then its parent.
        let p: i64 = at(row, fields + arity)?;
        let entry = (cursor_of(row, fields, arity)?, M::decode_some(row, mask)?);
        match out.last_mut() {
            Some((last, page)) if *last == p => page.push(entry),
            _ => out.push((p, vec![entry])),
        }
    }
    Ok(out)
}

/// How many rows `spec` has.
pub async fn count(db: &impl ConnectionTrait, spec: &ListSpec) -> AppResult<u64> {
    let mut sql = Sql::new(format!("SELECT COUNT(*) AS rg_n FROM {} t", spec.from), spec.from_values.clone());
    let filtered = spec.filtered(None);
    sql.push(&filtered.text, filtered.values);
    let row = db.query_one_raw(sql.build(db.get_database_backend())).await?;
    Ok(row.map(|r| r.try_get::<i64>("", "rg_n")).transpose()?.unwrap_or(0).max(0) as u64)
}

/// How many rows `spec` has for each of `parents`.
pub async fn count_per_parent(
    db: &impl ConnectionTrait,
    spec: &ListSpec,
    parent: &str,
    parents: &[i64],
) -> AppResult<HashMap<i64, u64>> {
    let mut sql = Sql::new(
        format!("SELECT t.{parent} AS rg_parent, COUNT(*) AS rg_n FROM {} t", spec.from),
        spec.from_values.clone(),
    );
    let filtered = spec.filtered(None);
    sql.push(&filtered.text, filtered.values);
    sql.push(&format!(" AND t.{parent} IN "), []);
    sql.push_in(parents);
    sql.push(&format!(" GROUP BY t.{parent}"), []);
    let rows = db.query_all_raw(sql.build(db.get_database_backend())).await?;
    let mut out = HashMap::new();
    for row in &rows {
        out.insert(at::<i64>(row, 0)?, at::<i64>(row, 1)?.max(0) as u64);
    }
    Ok(out)
}

/// The rows of one table for a batch of `(parent, since)` keys: those whose column `parent` holds
/// the key's parent and whose column `at` is at or after its `since`, with `conds` (over `t`).
#[derive(Debug, Clone)]
pub struct KeyedRows {
    pub table: &'static str,
    pub parent: &'static str,
    pub at: &'static str,
    pub conds: Vec<Sql>,
}

impl KeyedRows {
    /// `FROM k JOIN table t ON …`, the keys' table `k` written before it by `keys_table`.
    fn joined(&self, join: &str) -> Sql {
        let mut sql = Sql::new(
            format!(" FROM k {join} {} t ON t.{} = k.parent AND t.{} >= k.since", self.table, self.parent, self.at),
            vec![],
        );
        sql.and_all(&self.conds);
        sql
    }
}

/// `WITH k(parent, since) AS (VALUES (?, ?), …)`: the keys as a table to join.
fn keys_table(keys: &[(i64, i64)]) -> Sql {
    let mut sql = Sql::new("WITH k(parent, since) AS (VALUES ", Vec::with_capacity(keys.len() * 2));
    for (n, (parent, since)) in keys.iter().enumerate() {
        sql.push(if n == 0 { "(?, ?)" } else { ", (?, ?)" }, [Value::from(*parent), Value::from(*since)]);
    }
    sql.push(") ", []);
    sql
}

/// Appends `, CAST(expr AS BIGINT)`: every integer a keyed statement returns is read as one.
fn push_bigint(sql: &mut Sql, expr: &Expr) {
    let expr = Sql::from(expr.clone());
    sql.push(", CAST(", expr.values);
    sql.text.push_str(&expr.text);
    sql.text.push_str(" AS BIGINT)");
}

/// For each key, `aggregates` (integer expressions over `t`) of its rows of `rows`, in one
/// statement whatever the number of keys; a key with no rows aggregates none (`COUNT` is 0).
pub async fn aggregate_per_key(
    db: &impl ConnectionTrait,
    keys: &[(i64, i64)],
    rows: &KeyedRows,
    aggregates: &[Expr],
) -> AppResult<HashMap<(i64, i64), Vec<i64>>> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = keys_table(keys);
    sql.push("SELECT k.parent, k.since", []);
    for aggregate in aggregates {
        push_bigint(&mut sql, aggregate);
    }
    let joined = rows.joined("LEFT JOIN");
    sql.push(&joined.text, joined.values);
    sql.push(" GROUP BY k.parent, k.since", []);
    let found = db.query_all_raw(sql.build(db.get_database_backend())).await?;
    found
        .iter()
        .map(|row| {
            let key = (at::<i64>(row, 0)?, at::<i64>(row, 1)?);
            let values = (0..aggregates.len())
                .map(|i| Ok(at::<Option<i64>>(row, 2 + i)?.unwrap_or(0)))
                .collect::<AppResult<_>>()?;
            Ok((key, values))
        })
        .collect()
}

/// For each key, `columns` (integer expressions over `t`, null or not) of each of its rows of
/// each part, in one statement: `(part index, parent, columns)` per row.
pub async fn rows_per_key(
    db: &impl ConnectionTrait,
    keys: &[(i64, i64)],
    parts: &[(KeyedRows, Vec<Expr>)],
) -> AppResult<Vec<(usize, i64, Vec<Option<i64>>)>> {
    if keys.is_empty() || parts.is_empty() {
        return Ok(Vec::new());
    }
    let width = parts[0].1.len();
    debug_assert!(parts.iter().all(|(_, c)| c.len() == width), "every part has as many columns");
    let mut sql = keys_table(keys);
    for (n, (rows, columns)) in parts.iter().enumerate() {
        if n > 0 {
            sql.push(" UNION ALL ", []);
        }
        sql.push(&format!("SELECT CAST({n} AS BIGINT) AS rg_part, k.parent"), []);
        for column in columns {
            push_bigint(&mut sql, column);
        }
        let joined = rows.joined("JOIN");
        sql.push(&joined.text, joined.values);
    }
    let found = db.query_all_raw(sql.build(db.get_database_backend())).await?;
    found
        .iter()
        .map(|row| {
            let part = usize::try_from(at::<i64>(row, 0)?).unwrap_or(usize::MAX);
            let columns = (0..width).map(|i| Ok(at::<Option<i64>>(row, 2 + i)?)).collect::<AppResult<_>>()?;
            Ok((part, at::<i64>(row, 1)?, columns))
        })
        .collect()
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

/// Locks the rows of `table` with `ids`, in id order (so that two transactions locking
/// overlapping rows cannot deadlock), until the transaction ends. PostgreSQL only: SQLite's write
/// lock already serializes writers, and its statement is a plain read.
pub async fn lock_rows(db: &impl ConnectionTrait, table: &str, ids: &[i64]) -> AppResult<()> {
    if db.get_database_backend() != DbBackend::Postgres || ids.is_empty() {
        return Ok(());
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let id = || Alias::new("id");
    let lock = Query::select()
        .column(id())
        .from(Alias::new(table))
        .and_where(id_in(DbBackend::Postgres, id(), &ids))
        .order_by(id(), Order::Asc)
        .lock(LockType::Update)
        .to_owned();
    db.query_all(&lock).await?;
    Ok(())
}

/// Serializes the transactions that take lock `key` (PostgreSQL: a transaction-scoped advisory
/// lock, held until the transaction ends; SQLite's write lock already serializes writers).
pub async fn serialize_on(db: &impl ConnectionTrait, key: i64) -> AppResult<()> {
    if db.get_database_backend() == DbBackend::Postgres {
        let lock = Sql::new("SELECT pg_advisory_xact_lock(?)", vec![Value::from(key)]);
        db.query_one_raw(lock.build(DbBackend::Postgres)).await?;
    }
    Ok(())
}

/// Rows of `table` with the given ids and `conds`, each with its id, collected as `C` (a map by
/// id, or a plain list).
pub async fn by_ids<M: Columns, C: FromIterator<(i64, M)>>(
    db: &impl ConnectionTrait,
    table: &str,
    ids: &[i64],
    conds: &[Sql],
) -> AppResult<C> {
    by_ids_some(db, table, ids, conds, Mask::ALL).await
}

/// `by_ids`, each row with the fields of `mask` only.
pub async fn by_ids_some<M: Columns, C: FromIterator<(i64, M)>>(
    db: &impl ConnectionTrait,
    table: &str,
    ids: &[i64],
    conds: &[Sql],
    mask: Mask,
) -> AppResult<C> {
    let mut sql = Sql::new(format!("SELECT {} FROM {table} t WHERE t.id IN ", mask.columns::<M>()), vec![]);
    sql.push_in(ids);
    sql.and_all(conds);
    let rows = db.query_all_raw(sql.build(db.get_database_backend())).await?;
    // `id` is every model's first column.
    rows.iter().map(|row| Ok((at::<i64>(row, 0)?, M::decode_some(row, mask)?))).collect()
}

/// Rows of `table` whose column `parent` holds one of `parents`, with `conds`, in id order: the
/// children of a batch of parents (evidence of items, appeals of items), one statement for all.
pub async fn by_parents<M: Columns>(
    db: &impl ConnectionTrait,
    table: &str,
    parent: &str,
    parents: &[i64],
    conds: &[Sql],
) -> AppResult<Vec<M>> {
    let mut sql = Sql::new(format!("SELECT {} FROM {table} t WHERE t.{parent} IN ", Mask::ALL.columns::<M>()), vec![]);
    sql.push_in(parents);
    sql.and_all(conds);
    sql.push(" ORDER BY t.id", []);
    let rows = db.query_all_raw(sql.build(db.get_database_backend())).await?;
    rows.iter().map(|row| Ok(M::decode_some(row, Mask::ALL)?)).collect()
}

/// `by_ids_some` of `A`, each row with the row of `B` (table `joined`) that its column `key`
/// refers to, read in the same statement: one round trip instead of two. An inner join, so only
/// for a reference that is never null, to a table with no visibility condition.
#[expect(clippy::too_many_arguments, reason = "both tables' names, masks and the key, each named at the call")]
pub async fn by_ids_joined<A: Columns, B: Columns>(
    db: &impl ConnectionTrait,
    table: &str,
    ids: &[i64],
    conds: &[Sql],
    mask: Mask,
    key: &str,
    joined: &str,
    joined_mask: Mask,
) -> AppResult<Vec<(A, B)>> {
    let columns = format!("{}, {}", mask.columns_of::<A>("t"), joined_mask.columns_of::<B>("j"));
    let mut sql =
        Sql::new(format!("SELECT {columns} FROM {table} t JOIN {joined} j ON j.id = t.{key} WHERE t.id IN "), vec![]);
    sql.push_in(ids);
    sql.and_all(conds);
    let rows = db.query_all_raw(sql.build(db.get_database_backend())).await?;
    let offset = mask.arity::<A>();
    rows.iter().map(|row| Ok((A::decode_some(row, mask)?, B::decode_from(row, joined_mask, offset)?))).collect()
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
