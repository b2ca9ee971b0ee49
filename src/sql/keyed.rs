//! Figures for a batch of keys in one statement: each key is a parent row and an instant, and
//! its rows are those of the parent at or after the instant (a brand's items decided since the
//! start of its trust window, say). The keys are a table of values the statement joins,
//! whatever their number.

use std::collections::HashMap;

use sea_orm::sea_query::Expr;
use sea_orm::{ConnectionTrait, Value};

use super::Sql;
use crate::columns::at;
use crate::error::AppResult;

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
