//! Rows read by id for a batch: the rows with given ids (whole, or only the fields a query
//! asks for, or each with the row it refers to), and the children of a batch of parents: one
//! statement a batch, as the DataLoaders and the services reading many rows at once need.

use sea_orm::ConnectionTrait;

use super::Sql;
use crate::columns::{Columns, Mask, at};
use crate::error::AppResult;

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
