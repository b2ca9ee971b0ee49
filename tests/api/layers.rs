//! The layers of `src/` (STYLE.md, "Layers and the way data travels"; issue 10): the store writes
//! every statement and imports no domain; the domains hand it specs, filters and sea-query
//! conditions, and write no SQL text of their own. Read from the source, so a change that breaks
//! either rule fails here with the file and line.

use std::path::{Path, PathBuf};

/// The store: statements, pagination, loaders, the unit of work, connections.
const STORE: [&str; 8] = [
    "src/sql.rs",
    "src/sql/",
    "src/loaders/",
    "src/db.rs",
    "src/db/",
    "src/work.rs",
    "src/columns.rs",
    "src/pagination.rs",
];

/// The modules above the store: the domains, the planner, the schema and the transport.
const ABOVE: [&str; 15] = [
    "analytics",
    "brands",
    "channel",
    "listings",
    "notices",
    "sellers",
    "statements",
    "trademarks",
    "plan",
    "graph",
    "schema",
    "http",
    "demo",
    "seed",
    "serve",
];

/// `rightsgraph seed` writes its registry with PostgreSQL's `COPY` and reads the catalog to
/// drop and restore indexes: statements no query builder writes, whose speed the seed's own
/// target holds (scale 100 in under 5 minutes).
const SQL_ALLOWED_OUTSIDE_THE_STORE: [&str; 2] = ["src/seed.rs", "src/seed/"];

fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("read src") {
            let path: PathBuf = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let name = path.strip_prefix(root).expect("under the root").to_string_lossy().replace('\\', "/");
                out.push((name, std::fs::read_to_string(&path).expect("read source")));
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    walk(&root.join("src"), root, &mut out);
    assert!(out.len() > 50, "the sources are read ({} files)", out.len());
    out
}

fn within(name: &str, places: &[&str]) -> bool {
    places.iter().any(|p| if p.ends_with('/') { name.starts_with(p) } else { name == *p })
}

/// The lines of `text` that are code, not comments.
fn code(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().map(|(i, l)| (i + 1, l)).filter(|(_, l)| !l.trim_start().starts_with("//"))
}

#[test]
fn the_store_imports_no_domain() {
    let mut found = Vec::new();
    for (name, text) in sources().iter().filter(|(n, _)| within(n, &STORE)) {
        for (line, l) in code(text) {
            for module in ABOVE {
                if l.contains(&format!("crate::{module}::")) || l.contains(&format!("crate::{module};")) {
                    found.push(format!("{name}:{line}: {}", l.trim()));
                }
            }
        }
    }
    assert!(found.is_empty(), "the store imports a layer above it:\n{}", found.join("\n"));
}

#[test]
fn sql_text_is_written_only_in_the_store() {
    let statement = ["SELECT ", "INSERT INTO ", "DELETE FROM ", " SET ", "GROUP BY ", "ORDER BY "];
    let mut found = Vec::new();
    for (name, text) in sources() {
        if within(&name, &STORE) || within(&name, &SQL_ALLOWED_OUTSIDE_THE_STORE) {
            continue;
        }
        for (line, l) in code(&text) {
            // Only inside string literals: SQL keywords in code or prose are not statements.
            let quoted: String = l.split('"').skip(1).step_by(2).collect::<Vec<_>>().join(" ");
            if statement.iter().any(|k| quoted.contains(k)) {
                found.push(format!("{name}:{line}: {}", l.trim()));
            }
        }
    }
    assert!(found.is_empty(), "SQL text outside the store:\n{}", found.join("\n"));
}

/// The rules above would pass on an empty tree: they must see the statements the store does
/// write, and the sources they read must include the domains.
#[test]
fn the_layer_rules_read_the_real_tree() {
    let all = sources();
    let store_sql = all.iter().filter(|(n, _)| within(n, &STORE)).any(|(_, t)| t.contains("SELECT "));
    assert!(store_sql, "the store's statements are found");
    for module in ABOVE.iter().filter(|m| !["graph", "schema", "demo", "seed", "serve"].contains(m)) {
        assert!(all.iter().any(|(n, _)| n.starts_with(&format!("src/{module}"))), "src/{module} is read");
    }
}
