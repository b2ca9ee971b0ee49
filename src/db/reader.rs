//! Where a request's reads go: the pool (a connection taken per statement), or one PostgreSQL
//! connection held for all the statements of a planned query (`Pinned`).
//!
//! sqlx pings a connection with a round trip each time it goes back to the pool, and returns it
//! from a task of its own: on the planned dashboard query (five statements) that was a twelfth of
//! the server's time. A planned query's statements run one after the other, so one connection
//! serves them all, taken once and given back once. It is a plain connection of the same pool
//! (no transaction: the statements are the ones the pool would run), and its statements are
//! counted as sea-orm counts the pool's (`StatementCounter`: each statement run, failed or not,
//! and its time).
//!
//! A read whose connection the server closed (PostgreSQL restarted, an administrator or a proxy
//! ended it) runs again on another connection: a read has no effect to repeat, and a connection
//! used within the last second is not pinged as it leaves the pool (`IDLE_BEFORE_PING`), so after
//! a restart the pool still holds broken ones. Each broken connection fails once and is closed as
//! it goes back (sqlx pings it then); writes are never repeated here.

use std::sync::Arc;
use std::time::Instant;

use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::{self, Postgres};
use sea_orm::{
    ConnAcquireErr, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult, RuntimeErr,
    Statement,
};
use sea_query_sqlx::SqlxValues;

use super::StatementCounter;

/// The reads of one request.
#[derive(Clone)]
pub enum Reader {
    /// Each statement takes a connection from the pool.
    Pool(DatabaseConnection),
    /// Every statement runs on one connection of the pool.
    Pinned(Arc<Pinned>),
}

impl Reader {
    /// The pool the reads come from.
    pub fn pool(&self) -> &DatabaseConnection {
        match self {
            Reader::Pool(db) => db,
            Reader::Pinned(pinned) => &pinned.pool,
        }
    }
}

/// One PostgreSQL connection taken from a pool for a run of statements; back to the pool when
/// dropped.
pub struct Pinned {
    conn: tokio::sync::Mutex<PoolConnection<Postgres>>,
    pool: DatabaseConnection,
    counter: StatementCounter,
}

impl Pinned {
    /// A connection of `pool` for a run of statements.
    async fn acquire(pool: &DatabaseConnection) -> Result<PoolConnection<Postgres>, DbErr> {
        pool.get_postgres_connection_pool().acquire().await.map_err(|err| match err {
            sqlx::Error::PoolTimedOut => DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
            sqlx::Error::PoolClosed => DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
            other => DbErr::Conn(RuntimeErr::SqlxError(other.into())),
        })
    }

    /// A connection of `db`'s pool whose statements `counter` counts; `None` when `db` is not a
    /// PostgreSQL pool (SQLite runs in the process: there is no round trip to save).
    pub async fn take(db: &DatabaseConnection, counter: &StatementCounter) -> Result<Option<Self>, DbErr> {
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(None);
        }
        let conn = Self::acquire(db).await?;
        Ok(Some(Self { conn: tokio::sync::Mutex::new(conn), pool: db.clone(), counter: counter.clone() }))
    }

    /// `stmt` as sqlx runs it, with its values bound.
    fn query(stmt: &Statement) -> sqlx::query::Query<'_, Postgres, SqlxValues> {
        let values = stmt.values.clone().unwrap_or(sea_orm::Values(Vec::new()));
        sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql.as_str()), SqlxValues(values))
    }

    /// Runs `run` on the connection and counts `stmt` with its time, whether it failed or not.
    async fn counted<T>(
        &self,
        stmt: &Statement,
        run: impl AsyncFnOnce(&mut sqlx::PgConnection) -> Result<T, sqlx::Error>,
    ) -> Result<T, sqlx::Error> {
        let mut conn = self.conn.lock().await;
        let started = Instant::now();
        let result = run(&mut conn).await;
        self.counter.saw(stmt, started.elapsed());
        result
    }

    /// Gives the connection back (a broken one is closed on the way) and takes another.
    async fn replace(&self) -> Result<(), DbErr> {
        let fresh = Self::acquire(&self.pool).await?;
        *self.conn.lock().await = fresh;
        Ok(())
    }

    async fn read_one(&self, stmt: &Statement) -> Result<Option<QueryResult>, DbErr> {
        let row = self.counted(stmt, async |conn| Self::query(stmt).fetch_optional(conn).await).await;
        Ok(row.map_err(query_err)?.map(QueryResult::from))
    }

    async fn read_all(&self, stmt: &Statement) -> Result<Vec<QueryResult>, DbErr> {
        let rows = self.counted(stmt, async |conn| Self::query(stmt).fetch_all(conn).await).await;
        Ok(rows.map_err(query_err)?.into_iter().map(QueryResult::from).collect())
    }
}

/// How many times a read is tried while its connection turns out broken: one more than the
/// pool's connections, so that a pool whose every connection a restart broke still answers.
const ATTEMPTS: u32 = 33;

/// Whether `err` says the connection is gone rather than the statement wrong: the socket failed,
/// the stream broke off, or PostgreSQL ended the session (class 08, connection exception; 57P01
/// to 57P03, shut down or starting up).
pub fn lost_connection(err: &DbErr) -> bool {
    let (DbErr::Query(RuntimeErr::SqlxError(err))
    | DbErr::Exec(RuntimeErr::SqlxError(err))
    | DbErr::Conn(RuntimeErr::SqlxError(err))) = err
    else {
        return false;
    };
    match &**err {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(db) => {
            db.code().is_some_and(|code| code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03"))
        }
        _ => false,
    }
}

/// The tries of one read.
struct Tries(u32);

impl Tries {
    fn new() -> Self {
        Self(1)
    }

    /// Whether to read again after `read`: it lost its connection and has tries left.
    fn again<T>(&mut self, read: &Result<T, DbErr>) -> bool {
        match read {
            Err(err) if self.0 < ATTEMPTS && lost_connection(err) => {
                tracing::debug!(%err, tried = self.0, "a read lost its connection; reading again on another");
                self.0 += 1;
                true
            }
            _ => false,
        }
    }
}

fn query_err(err: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(err.into()))
}

#[async_trait::async_trait]
impl ConnectionTrait for Pinned {
    fn get_database_backend(&self) -> DbBackend {
        DbBackend::Postgres
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        let done = self.counted(&stmt, async |conn| Self::query(&stmt).execute(conn).await).await;
        done.map(Into::into).map_err(|err| DbErr::Exec(RuntimeErr::SqlxError(err.into())))
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        // Not counted, as sea-orm does not count the pool's.
        let mut conn = self.conn.lock().await;
        let done = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut **conn).await;
        done.map(Into::into).map_err(|err| DbErr::Exec(RuntimeErr::SqlxError(err.into())))
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let mut tries = Tries::new();
        loop {
            let read = self.read_one(&stmt).await;
            if !tries.again(&read) {
                return read;
            }
            self.replace().await?;
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let mut tries = Tries::new();
        loop {
            let read = self.read_all(&stmt).await;
            if !tries.again(&read) {
                return read;
            }
            self.replace().await?;
        }
    }
}

/// Each statement goes where the reader sends it.
#[async_trait::async_trait]
impl ConnectionTrait for Reader {
    fn get_database_backend(&self) -> DbBackend {
        self.pool().get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        match self {
            Reader::Pool(db) => db.execute_raw(stmt).await,
            Reader::Pinned(pinned) => pinned.execute_raw(stmt).await,
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match self {
            Reader::Pool(db) => db.execute_unprepared(sql).await,
            Reader::Pinned(pinned) => pinned.execute_unprepared(sql).await,
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match self {
            Reader::Pool(db) => {
                let mut tries = Tries::new();
                loop {
                    let read = db.query_one_raw(stmt.clone()).await;
                    if !tries.again(&read) {
                        return read;
                    }
                }
            }
            Reader::Pinned(pinned) => pinned.query_one_raw(stmt).await,
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match self {
            Reader::Pool(db) => {
                let mut tries = Tries::new();
                loop {
                    let read = db.query_all_raw(stmt.clone()).await;
                    if !tries.again(&read) {
                        return read;
                    }
                }
            }
            Reader::Pinned(pinned) => pinned.query_all_raw(stmt).await,
        }
    }
}
