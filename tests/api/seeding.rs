//! `rightsgraph seed` on an empty database builds the registry in a staging SQLite file and
//! copies it in (`src/seed/copy.rs`): far fewer round trips and syncs than running the workflow
//! on the database itself. These tests hold that the copy is the registry the workflow builds,
//! value for value, on PostgreSQL and on SQLite, and that the database goes on from it as from
//! any other.

use std::collections::BTreeMap;

use rightsgraph::ids::Kind;
use rightsgraph::seed::{SeedPlan, seed};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use crate::harness::{gid, spawn};
use crate::workflow_support::create_brand;

const PLAN: SeedPlan = SeedPlan { scale: 0.05, seed: 11, append: false, progress: false };

/// A table's rows in id order, each column as text (NULL as `None`).
type Rows = Vec<Vec<Option<String>>>;

/// The application's tables and their columns, each with whether PostgreSQL stores it as a
/// boolean (SQLite keeps booleans as integers). Times are left out: each seed starts its
/// simulated clock two years before its own now.
async fn tables(db: &DatabaseConnection) -> BTreeMap<String, Vec<(String, bool)>> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT table_name::text AS t, column_name::text AS c, data_type = 'boolean' AS b \
             FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name <> 'seaql_migrations' ORDER BY table_name, ordinal_position"
        }
        _ => {
            "SELECT m.name AS t, p.name AS c, 0 AS b FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'seaql_migrations' \
             ORDER BY m.name, p.cid"
        }
    };
    let mut tables: BTreeMap<String, Vec<(String, bool)>> = BTreeMap::new();
    for row in db.query_all_raw(Statement::from_string(backend, sql)).await.expect("columns") {
        let column: String = row.try_get("", "c").expect("c");
        if column == "at" || ["_at", "_until", "_on", "_date"].iter().any(|time| column.ends_with(time)) {
            continue;
        }
        let table: String = row.try_get("", "t").expect("t");
        let boolean = match backend {
            DbBackend::Postgres => row.try_get("", "b").expect("b"),
            _ => false,
        };
        tables.entry(table).or_default().push((column, boolean));
    }
    tables
}

/// The definitions of every index and foreign key of the schema, sorted, with whether each is
/// valid (an index being built, or a key not yet checked, is not).
async fn indexes_and_keys(pg: &DatabaseConnection) -> Vec<String> {
    let sql = "SELECT pg_get_indexdef(x.indexrelid) || CASE WHEN x.indisvalid THEN '' ELSE ' INVALID' END AS d \
               FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
               WHERE i.relnamespace = current_schema()::regnamespace \
               UNION ALL SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) \
                 || CASE WHEN convalidated THEN '' ELSE ' NOT VALID' END \
               FROM pg_constraint WHERE contype = 'f' AND connamespace = current_schema()::regnamespace \
               ORDER BY 1";
    let rows = pg.query_all_raw(Statement::from_string(DbBackend::Postgres, sql)).await.expect("catalogue");
    rows.iter().map(|row| row.try_get("", "d").expect("d")).collect()
}

/// Every row of `table` in `db`, by id (or by every column, for a table without one).
async fn rows(db: &DatabaseConnection, table: &str, columns: &[(String, bool)]) -> Rows {
    let backend = db.get_database_backend();
    let text = |(name, boolean): &(String, bool)| match (backend, boolean) {
        (DbBackend::Postgres, true) => format!("CAST(CAST(\"{name}\" AS INTEGER) AS TEXT) AS \"{name}\""),
        _ => format!("CAST(\"{name}\" AS TEXT) AS \"{name}\""),
    };
    let list: Vec<String> = columns.iter().map(text).collect();
    let order = if columns.iter().any(|(c, _)| c == "id") {
        "id".to_owned()
    } else {
        (1..=columns.len()).map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
    };
    let sql = format!("SELECT {} FROM {table} ORDER BY {order}", list.join(", "));
    db.query_all_raw(Statement::from_string(backend, sql))
        .await
        .expect("rows")
        .iter()
        .map(|row| {
            columns.iter().map(|(c, _)| row.try_get::<Option<String>>("", c).expect("column").map(timeless)).collect()
        })
        .collect()
}

/// `text` with each RFC 3339 instant in it (a note's "answer due by …") replaced by `<time>`.
fn timeless(text: String) -> String {
    let words = text.split(' ').map(|w| if chrono::DateTime::parse_from_rfc3339(w).is_ok() { "<time>" } else { w });
    words.collect::<Vec<_>>().join(" ")
}

#[tokio::test]
async fn seed_into_an_empty_database_is_the_registry_the_workflow_builds_row_for_row() {
    let target = spawn().await;
    let pg = target.app.db.get_database_backend() == DbBackend::Postgres;
    let schema = if pg { indexes_and_keys(&target.app.db).await } else { Vec::new() };
    if pg {
        assert!(schema.iter().any(|d| d.contains("FOREIGN KEY")), "no foreign key in {schema:?}");
        assert!(schema.iter().any(|d| d.contains("CREATE INDEX")), "no index in {schema:?}");
    }
    seed(&target.app.shared, PLAN).await.expect("seed the empty database");
    if pg {
        // The copy sets the secondary indexes and foreign keys aside while it fills the tables:
        // they are all back, as the migrations made them, and valid.
        assert_eq!(indexes_and_keys(&target.app.db).await, schema, "indexes and foreign keys after the copy");
    }
    // The same registry built by the workflow on an SQLite database itself (`append` runs it
    // there, empty or not).
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("direct.db").display());
    let lite = rightsgraph::connect_shared(&url, Default::default()).await.expect("SQLite");
    seed(&lite, SeedPlan { append: true, ..PLAN }).await.expect("seed SQLite directly");

    let tables = tables(&target.app.db).await;
    for needed in ["brand", "seller", "seller_identifier", "listing", "notice", "notice_item", "notice_event", "strike"]
    {
        assert!(tables.contains_key(needed), "no table {needed}");
    }
    for (table, columns) in &tables {
        let (copied, built) = (rows(&target.app.db, table, columns).await, rows(&lite.db, table, columns).await);
        assert_eq!(copied.len(), built.len(), "{table}: rows");
        assert_eq!(copied, built, "{table}: values");
    }
    for busy in ["notice", "notice_item", "notice_event", "strike", "listing"] {
        assert!(rows(&target.app.db, busy, &tables[busy]).await.len() >= 20, "{busy} has too few rows to compare");
    }

    // The ids go on after the copied ones: a brand created now gets the next one.
    let last = rows(&target.app.db, "brand", &tables["brand"]).await.len() as i64;
    assert_eq!(create_brand(&target, "After the seed").await, gid(Kind::Brand, last + 1));
    // And appending runs the workflow on the database itself, on top of the copy.
    let notices = rows(&target.app.db, "notice", &tables["notice"]).await.len();
    seed(&target.app.shared, SeedPlan { append: true, ..PLAN }).await.expect("append");
    assert!(rows(&target.app.db, "notice", &tables["notice"]).await.len() > notices, "append added no notice");
}
