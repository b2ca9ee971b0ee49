//! Seeding an empty database by way of an SQLite file. The workflow's services run one short
//! transaction per step, and on PostgreSQL each statement is a round trip: `seed --scale 10` took
//! about two minutes that way, and scale 100 about twenty. The same registry built in an embedded
//! SQLite file and then streamed into PostgreSQL with `COPY` takes a fraction of that, and it is
//! the same registry: the same services made every row, and the copy moves them unchanged. An
//! SQLite target gains too (its write-ahead log is written and synced at every commit, the
//! staging file's journal is kept in memory and never synced): `seed --scale 1` took 2.7-2.9 s
//! on the target itself (`--append` on an empty file) and 1.7-1.8 s by way of the staging file,
//! and scale 100, which did not finish in a session before, 325 s.
//!
//! The copy reads the target's own catalogue for the tables, their columns and types, and (on
//! PostgreSQL) the order their foreign keys allow, so a new migration needs nothing here.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::TryStreamExt;
use sea_orm::sqlx::{self, Row as _, ValueRef as _};
use sea_orm::{DatabaseConnection, DbBackend};

/// One table to copy: its name and its columns, each with whether PostgreSQL stores it as a
/// boolean (SQLite keeps booleans as the integers 0 and 1, which `COPY` does not read as one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub name: String,
    pub columns: Vec<(String, bool)>,
}

/// The application's tables in `target`, parents before the tables whose foreign keys point at
/// them (a table pointing at itself is copied in id order, which the workflow's rows allow).
pub async fn tables(target: &sqlx::PgPool) -> Result<Vec<Table>, String> {
    let rows = sqlx::query(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text = 'boolean' \
         FROM information_schema.columns c \
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
           AND c.table_name <> 'seaql_migrations' AND c.is_generated = 'NEVER' \
         ORDER BY c.table_name, c.ordinal_position",
    )
    .fetch_all(target)
    .await
    .map_err(|e| format!("cannot read PostgreSQL's tables: {e}"))?;
    let mut columns: BTreeMap<String, Vec<(String, bool)>> = BTreeMap::new();
    for row in rows {
        let table: String = row.get(0);
        columns.entry(table).or_default().push((row.get(1), row.get(2)));
    }
    let edges = sqlx::query(
        "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint \
         WHERE contype = 'f' AND connamespace = current_schema()::regnamespace",
    )
    .fetch_all(target)
    .await
    .map_err(|e| format!("cannot read PostgreSQL's foreign keys: {e}"))?;
    let mut parents: BTreeMap<String, BTreeSet<String>> =
        columns.keys().map(|t| (t.clone(), BTreeSet::new())).collect();
    for edge in edges {
        let (child, parent): (String, String) = (edge.get(0), edge.get(1));
        if child != parent
            && let Some(of) = parents.get_mut(&child)
        {
            of.insert(parent);
        }
    }
    let order = parents_first(parents)?;
    Ok(order.into_iter().filter_map(|name| columns.remove(&name).map(|columns| Table { name, columns })).collect())
}

/// The tables in an order where each comes after every table it names (Kahn's algorithm; ties
/// by name, so the order is the same on every run).
fn parents_first(mut parents: BTreeMap<String, BTreeSet<String>>) -> Result<Vec<String>, String> {
    let mut order = Vec::with_capacity(parents.len());
    while !parents.is_empty() {
        let ready: Vec<String> = parents
            .iter()
            .filter(|(_, of)| of.iter().all(|p| !parents.contains_key(p)))
            .map(|(t, _)| t.clone())
            .collect();
        if ready.is_empty() {
            let left: Vec<&str> = parents.keys().map(String::as_str).collect();
            return Err(format!(
                "the foreign keys of {} form a circle: they cannot be copied in order",
                left.join(", ")
            ));
        }
        for table in ready {
            parents.remove(&table);
            order.push(table);
        }
    }
    Ok(order)
}

/// Copies every row of `tables` from `source` (SQLite) into `target` (PostgreSQL, empty) in one
/// transaction, then moves each id sequence past the ids copied and refreshes the planner's
/// statistics of `tables`. Calls `copied` with each batch's row count. Returns the rows copied.
pub async fn rows(
    source: &DatabaseConnection,
    target: &DatabaseConnection,
    tables: &[Table],
    copied: impl Fn(u64),
) -> Result<u64, String> {
    if source.get_database_backend() != DbBackend::Sqlite || target.get_database_backend() != DbBackend::Postgres {
        return Err("the copy runs from SQLite into PostgreSQL only".into());
    }
    let lite = source.get_sqlite_connection_pool();
    let pool = target.get_postgres_connection_pool();
    // One transaction: a copy that fails leaves the database as empty as it found it, with its
    // indexes and foreign keys.
    let mut conn = pool.begin().await.map_err(|e| e.to_string())?;
    let restore = set_aside(&mut conn).await?;
    let mut total = 0;
    for table in tables {
        total += table_rows(lite, &mut conn, table, &copied).await?;
    }
    for statement in restore {
        // Definitions PostgreSQL wrote itself, from its catalogue.
        sqlx::query(sqlx::AssertSqlSafe(statement.clone()))
            .execute(&mut *conn)
            .await
            .map_err(|e| format!("{statement}: {e}"))?;
    }
    conn.commit().await.map_err(|e| e.to_string())?;
    // The tables copied, by name: a bare ANALYZE goes through the system catalogues too, and a
    // role that is not a superuser gets a warning for each one it may not analyse (48 on
    // PostgreSQL 15). PostgreSQL takes a list of tables in one statement.
    if !tables.is_empty() {
        let names = tables.iter().map(|table| ident(&table.name)).collect::<Vec<_>>().join(", ");
        // Names from PostgreSQL's catalogue, quoted.
        sqlx::query(sqlx::AssertSqlSafe(format!("ANALYZE {names}")))
            .execute(pool)
            .await
            .map_err(|e| format!("ANALYZE: {e}"))?;
    }
    Ok(total)
}

/// Copies every row of the SQLite file at `staging` into `target` (SQLite, empty) in one
/// transaction, table by table with `INSERT … SELECT` through `ATTACH`, then refreshes the
/// planner's statistics. The two files are migrated alike, so each table's columns are read
/// from `target` and selected by name from both. Calls `started` with the number of tables, then
/// `copied` with each table's name once its rows are in (one `INSERT` a table: the largest one
/// takes most of the time). Returns the rows copied.
pub async fn into_sqlite(
    staging: &std::path::Path,
    target: &DatabaseConnection,
    started: impl FnOnce(u64),
    copied: impl Fn(&str),
) -> Result<u64, String> {
    if target.get_database_backend() != DbBackend::Sqlite {
        return Err("this copy runs from SQLite into SQLite only".into());
    }
    let path = staging.to_str().ok_or_else(|| format!("{} is not valid UTF-8", staging.display()))?;
    // One connection: `ATTACH` holds for the connection that ran it.
    let mut conn = target.get_sqlite_connection_pool().acquire().await.map_err(|e| e.to_string())?;
    sqlx::query("ATTACH DATABASE ? AS staging")
        .bind(path)
        .execute(&mut *conn)
        .await
        .map_err(|e| format!("cannot attach the staging database: {e}"))?;
    let copied = into_sqlite_tables(&mut conn, started, copied).await;
    // Detached whatever happened, before the connection goes back to the pool.
    let detached = sqlx::query("DETACH DATABASE staging").execute(&mut *conn).await;
    let copied = copied?;
    detached.map_err(|e| format!("cannot detach the staging database: {e}"))?;
    sqlx::query("ANALYZE main").execute(&mut *conn).await.map_err(|e| format!("ANALYZE: {e}"))?;
    Ok(copied)
}

/// The copy of [`into_sqlite`], on the connection the staging file is attached to.
async fn into_sqlite_tables(
    conn: &mut sqlx::SqliteConnection,
    started: impl FnOnce(u64),
    copied: impl Fn(&str),
) -> Result<u64, String> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> 'seaql_migrations' ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| format!("cannot read SQLite's tables: {e}"))?;
    started(tables.len() as u64);
    // One transaction that takes the write lock at once: a copy that fails leaves the database
    // as empty as it found it. Foreign keys are checked at its commit, so the tables may be
    // filled in any order.
    let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await.map_err(|e| e.to_string())?;
    sqlx::query("PRAGMA defer_foreign_keys = ON").execute(&mut *tx).await.map_err(|e| e.to_string())?;
    let mut total = 0;
    for table in &tables {
        // `table_info` leaves generated columns out: SQLite computes them.
        let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?, 'main') ORDER BY cid")
            .bind(table)
            .fetch_all(&mut *tx)
            .await
            .map_err(|e| format!("{table}: {e}"))?;
        let list = columns.iter().map(|c| ident(c)).collect::<Vec<_>>().join(", ");
        let name = ident(table);
        // Names from SQLite's own catalogue, quoted: nothing a client wrote.
        let done = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO main.{name} ({list}) SELECT {list} FROM staging.{name}"
        )))
        .execute(&mut *tx)
        .await
        .map_err(|e| format!("{table}: {e}"))?;
        total += done.rows_affected();
        copied(table);
    }
    tx.commit().await.map_err(|e| format!("the copy's foreign keys or commit: {e}"))?;
    Ok(total)
}

/// Copies the rows of `table` from `lite` into `conn` with `COPY`, in id order, then moves its id
/// sequence past the ids copied. Calls `copied` with each batch's row count. Returns the rows
/// copied.
async fn table_rows(
    lite: &sqlx::SqlitePool,
    conn: &mut sqlx::PgConnection,
    table: &Table,
    copied: &impl Fn(u64),
) -> Result<u64, String> {
    let mut total = 0;
    let names: Vec<&str> = table.columns.iter().map(|(name, _)| name.as_str()).collect();
    let list = names.iter().map(|n| ident(n)).collect::<Vec<_>>().join(", ");
    let order = if names.contains(&"id") { " ORDER BY id" } else { "" };
    let name = ident(&table.name);
    let select = format!("SELECT {list} FROM {name}{order}");
    let mut copy = conn
        .copy_in_raw(&format!("COPY {name} ({list}) FROM STDIN"))
        .await
        .map_err(|e| format!("{}: {e}", table.name))?;
    // The names come from PostgreSQL's catalogue, quoted: nothing a client wrote.
    let mut stream = sqlx::query(sqlx::AssertSqlSafe(select)).fetch(lite);
    let (mut buffer, mut pending) = (Vec::with_capacity(1 << 20), 0u64);
    while let Some(row) = stream.try_next().await.map_err(|e| format!("{}: {e}", table.name))? {
        for (i, (_, boolean)) in table.columns.iter().enumerate() {
            if i > 0 {
                buffer.push(b'\t');
            }
            write_value(&mut buffer, &row, i, *boolean).map_err(|e| format!("{}: {e}", table.name))?;
        }
        buffer.push(b'\n');
        pending += 1;
        if buffer.len() >= 1 << 20 {
            copy.send(std::mem::take(&mut buffer)).await.map_err(|e| format!("{}: {e}", table.name))?;
            buffer.reserve(1 << 20);
            copied(pending);
            total += pending;
            pending = 0;
        }
    }
    if !buffer.is_empty() {
        copy.send(buffer).await.map_err(|e| format!("{}: {e}", table.name))?;
    }
    copy.finish().await.map_err(|e| format!("{}: {e}", table.name))?;
    copied(pending);
    total += pending;
    if names.contains(&"id") {
        // NULL (setval is strict) for a table whose ids are not drawn from a sequence.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT setval(pg_get_serial_sequence($1, 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {name}"
        )))
        .bind(&name)
        .execute(&mut *conn)
        .await
        .map_err(|e| format!("{}: {e}", table.name))?;
    }
    Ok(total)
}

/// Drops the secondary indexes and the foreign keys of the schema, in `conn`'s transaction, and
/// returns the statements that make them again. Filling a table and then building an index in
/// one sorted pass, and checking a foreign key in one join, costs far less than keeping each
/// index and checking each key row by row (as `pg_restore` does: data first, then indexes and
/// constraints). Indexes behind a constraint (primary keys, unique constraints) stay.
async fn set_aside(conn: &mut sqlx::PgConnection) -> Result<Vec<String>, String> {
    let indexes = sqlx::query(
        "SELECT format('%I', i.relname), pg_get_indexdef(x.indexrelid) FROM pg_index x \
         JOIN pg_class i ON i.oid = x.indexrelid \
         WHERE i.relnamespace = current_schema()::regnamespace \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid) \
         ORDER BY i.relname",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| format!("cannot read PostgreSQL's indexes: {e}"))?;
    let keys = sqlx::query(
        "SELECT format('%I', c.relname), format('%I', k.conname), pg_get_constraintdef(k.oid) \
         FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid \
         WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace \
         ORDER BY c.relname, k.conname",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| format!("cannot read PostgreSQL's foreign keys: {e}"))?;
    let (mut drops, mut restore, mut add_keys) = (Vec::new(), Vec::new(), Vec::new());
    for row in &keys {
        let (table, name, definition): (String, String, String) = (row.get(0), row.get(1), row.get(2));
        drops.push(format!("ALTER TABLE {table} DROP CONSTRAINT {name}"));
        add_keys.push(format!("ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"));
    }
    for row in &indexes {
        let (name, definition): (String, String) = (row.get(0), row.get(1));
        drops.push(format!("DROP INDEX {name}"));
        restore.push(definition);
    }
    // Indexes first: a key is then checked with them in place.
    restore.append(&mut add_keys);
    for statement in drops {
        // Names from PostgreSQL's catalogue, quoted by PostgreSQL.
        sqlx::query(sqlx::AssertSqlSafe(statement.clone()))
            .execute(&mut *conn)
            .await
            .map_err(|e| format!("{statement}: {e}"))?;
    }
    Ok(restore)
}

/// `name` as a quoted SQL identifier.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Column `i` of a SQLite row in `COPY`'s text format: `\N` for NULL, `t`/`f` for a boolean,
/// text with backslash, tab, newline and carriage return escaped.
fn write_value(out: &mut Vec<u8>, row: &sqlx::sqlite::SqliteRow, i: usize, boolean: bool) -> Result<(), sqlx::Error> {
    if row.try_get_raw(i)?.is_null() {
        out.extend_from_slice(b"\\N");
    } else if boolean {
        out.push(if row.try_get_unchecked::<bool, _>(i)? { b't' } else { b'f' });
    } else {
        escape(out, &row.try_get_unchecked::<String, _>(i)?);
    }
    Ok(())
}

fn escape(out: &mut Vec<u8>, text: &str) {
    for byte in text.bytes() {
        match byte {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(byte),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_what_would_end_a_field_or_a_row() {
        let mut out = Vec::new();
        escape(&mut out, "a\tb\nc\rd\\e \u{e9}");
        assert_eq!(out, b"a\\tb\\nc\\rd\\\\e \xc3\xa9");
    }

    #[test]
    fn parents_are_copied_before_the_tables_that_point_at_them() {
        let of = |t: &str, ps: &[&str]| (t.to_owned(), ps.iter().map(|p| (*p).to_owned()).collect());
        let graph = BTreeMap::from([
            of("notice_item", &["notice", "listing"]),
            of("listing", &["seller"]),
            of("notice", &["brand"]),
            of("brand", &[]),
            of("seller", &[]),
        ]);
        assert_eq!(parents_first(graph).unwrap(), ["brand", "seller", "listing", "notice", "notice_item"]);
        let circle = BTreeMap::from([of("a", &["b"]), of("b", &["a"]), of("c", &[])]);
        assert_eq!(
            parents_first(circle).unwrap_err(),
            "the foreign keys of a, b form a circle: they cannot be copied in order"
        );
    }
}
