//! Locks a write transaction takes before it reads what it will change, so that two writers on
//! PostgreSQL change one row, or one thing, in turn. SQLite's one writer needs none of them.

use sea_orm::sea_query::{Alias, LockType, Order, Query};
use sea_orm::{ConnectionTrait, DbBackend, Value};

use super::{Sql, id_in};
use crate::error::AppResult;

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
