//! The layers of `src/` (README, "Layout"; issue 10): the store writes every statement and imports
//! no domain; the domains hand it specs, filters and sea-query conditions, and write no SQL text
//! of their own. Read from the source, so a change that breaks either rule fails here with the
//! file and line.

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
const ABOVE: [&str; 17] = [
    "analytics",
    "budget",
    "fields",
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

/// What makes a string literal a statement (the code base writes SQL in capitals).
const STATEMENT: [&str; 13] = [
    "SELECT ",
    "INSERT INTO",
    "DELETE FROM",
    "UPDATE ",
    " SET ",
    "WITH ",
    "VALUES",
    "WHERE ",
    "GROUP BY",
    "ORDER BY",
    "FOR UPDATE",
    "NOTIFY",
    "COPY ",
];

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

/// A Rust source split into its code (comments and literals blanked out, lines kept) and its
/// string literals, each with the line it starts on (raw strings and strings over several lines
/// included; a character literal is not a string, a lifetime not a character).
fn lex(text: &str) -> (String, Vec<(usize, String)>) {
    let chars: Vec<char> = text.chars().collect();
    let (mut code, mut strings, mut line, mut i) = (String::new(), Vec::new(), 1, 0);
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    while i < chars.len() {
        let c = chars[i];
        if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && at(i + 1) == '/') {
                if chars[i] == '\n' {
                    line += 1;
                    code.push('\n');
                }
                i += 1;
            }
            i += 2;
        } else if c == '"'
            || (c == 'r' && (at(i + 1) == '"' || at(i + 1) == '#') && !at(i.wrapping_sub(1)).is_alphanumeric())
        {
            // A string: `"…"` with escapes, or `r#"…"#` with as many hashes.
            let raw = c == 'r';
            let mut hashes = 0;
            if raw {
                i += 1;
                while at(i) == '#' {
                    hashes += 1;
                    i += 1;
                }
                if at(i) != '"' {
                    code.push('r');
                    continue;
                }
            }
            i += 1;
            let (start, mut literal) = (line, String::new());
            loop {
                let d = at(i);
                if i >= chars.len() {
                    break;
                }
                if d == '\n' {
                    line += 1;
                    code.push('\n');
                }
                if !raw && d == '\\' {
                    literal.push(at(i + 1));
                    if at(i + 1) == '\n' {
                        line += 1;
                        code.push('\n');
                    }
                    i += 2;
                    continue;
                }
                if d == '"' && (0..hashes).all(|h| at(i + 1 + h) == '#') {
                    i += 1 + hashes;
                    break;
                }
                literal.push(d);
                i += 1;
            }
            code.push_str("\"\"");
            strings.push((start, literal));
        } else if c == '\'' && (at(i + 1) == '\\' || at(i + 2) == '\'') {
            // A character literal: `'x'` or `'\n'`, `'\''`, `'\u{1}'`.
            i += if at(i + 1) == '\\' { 3 } else { 2 };
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1;
            code.push_str("' '");
        } else {
            if c == '\n' {
                line += 1;
            }
            code.push(c);
            i += 1;
        }
    }
    (code, strings)
}

/// What makes a string literal a piece of SQL short of a statement: an expression the code base
/// writes in capitals.
const FRAGMENT: [&str; 4] = ["CAST(", "COALESCE(", "CASE WHEN", "EXISTS ("];

/// Whether literal `s` is a column of the row aliased `t` (`t.submitted_at`): a sort key.
fn column_of_t(s: &str) -> bool {
    s.strip_prefix("t.").is_some_and(|c| !c.is_empty() && c.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
}

/// The string literals of `text` that hold a statement, an SQL expression or a sort key, and the
/// calls that write SQL text into a sea-query expression (`Expr::cust`), as `line: text`.
fn statements_in(text: &str) -> Vec<String> {
    let (code, strings) = lex(text);
    let mut found: Vec<String> = strings
        .into_iter()
        .filter(|(_, s)| STATEMENT.iter().chain(&FRAGMENT).any(|k| s.contains(k)) || column_of_t(s))
        .map(|(line, s)| format!("{line}: {}", s.split_whitespace().collect::<Vec<_>>().join(" ")))
        .collect();
    for (n, _) in code.match_indices("cust") {
        let rest = &code[n..];
        if rest.starts_with("cust(") || rest.starts_with("cust_with_") {
            found.push(format!(
                "{}: {}",
                code[..n].matches('\n').count() + 1,
                rest.split_inclusive(')').next().unwrap_or_default()
            ));
        }
    }
    found
}

/// The modules of the crate that `text` refers to by `crate::…`, grouped imports included
/// (`use crate::{a, b::c}` refers to `a` and `b`), each with its line.
fn crate_modules(text: &str) -> Vec<(usize, String)> {
    let (code, _) = lex(text);
    let mut out = Vec::new();
    for (n, _) in code.match_indices("crate::") {
        let line = code[..n].matches('\n').count() + 1;
        let rest = &code[n + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // The first name of each item at the group's top level.
            let (mut depth, mut item, mut expecting) = (0, String::new(), true);
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => expecting = true,
                    c if (c.is_alphanumeric() || c == '_') && expecting && depth == 0 => item.push(c),
                    _ if !item.is_empty() => {
                        out.push((line, std::mem::take(&mut item)));
                        expecting = false;
                    }
                    _ => {}
                }
            }
            if !item.is_empty() {
                out.push((line, item));
            }
        } else {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            out.push((line, name));
        }
    }
    out
}

#[test]
fn the_store_imports_no_domain() {
    let mut found = Vec::new();
    for (name, text) in sources().iter().filter(|(n, _)| within(n, &STORE)) {
        for (line, module) in crate_modules(text) {
            if ABOVE.contains(&module.as_str()) {
                found.push(format!("{name}:{line}: crate::{module}"));
            }
        }
    }
    assert!(found.is_empty(), "the store imports a layer above it:\n{}", found.join("\n"));
}

#[test]
fn sql_text_is_written_only_in_the_store() {
    let mut found = Vec::new();
    for (name, text) in sources() {
        if within(&name, &STORE) || within(&name, &SQL_ALLOWED_OUTSIDE_THE_STORE) {
            continue;
        }
        found.extend(statements_in(&text).into_iter().map(|s| format!("{name}:{s}")));
    }
    assert!(found.is_empty(), "SQL text outside the store:\n{}", found.join("\n"));
}

/// The two rules above would pass if their readers saw nothing: they must find the statements
/// and imports that are there, in every form the code base writes them.
#[test]
fn the_layer_rules_see_what_is_there() {
    let sample = concat!(
        "// SELECT in a comment is not a statement\n",
        "use crate::{error::AppError, notices::{self, counts}, sql};\n",
        "let c = '\"'; let l: &'static str = \"prose, not a statement\";\n",
        "let a = Sql::new(\"UPDATE seller \\\n   SET x = ?\", vec![]);\n",
        "let b = r#\"WITH k AS (VALUES (1))\"#; /* DELETE FROM t */\n",
        "fn f() { crate::sellers::strikes::recount(); }\n",
        "const K: &[(&str, Dir)] = &[(\"t.submitted_at\", Dir::Asc), (\"COALESCE(t.a, 0)\", Dir::Asc)];\n",
        "let never = Expr::cust(\"1 = 0\"); let name = \"t.\"; let prose = \"at t.x, or t.Y\";\n",
    );
    assert_eq!(
        statements_in(sample),
        [
            "4: UPDATE seller SET x = ?",
            "6: WITH k AS (VALUES (1))",
            "8: t.submitted_at",
            "8: COALESCE(t.a, 0)",
            "9: cust(\"\")",
        ]
    );
    let modules: Vec<(usize, String)> = crate_modules(sample);
    let names: Vec<&str> = modules.iter().map(|(_, m)| m.as_str()).collect();
    assert_eq!(names, ["error", "notices", "sql", "sellers"]);
    assert_eq!(modules.last().map(|m| m.0), Some(7));
    let all = sources();
    let read = |name: &str| all.iter().find(|(n, _)| n == name).map(|(_, t)| t.as_str()).unwrap_or_default();
    assert!(statements_in(read("src/sql/raw.rs")).len() >= 5, "the analytic statements are found");
    assert!(statements_in(read("src/sql/order.rs")).len() >= 10, "the sort keys are found");
    assert!(!statements_in(read("src/seed/copy.rs")).is_empty(), "the seed's copy statements are found");
    let demo = crate_modules(read("src/demo/story.rs"));
    assert!(demo.iter().any(|(_, m)| m == "notices"), "a grouped import is read: {demo:?}");
    for module in ["analytics", "brands", "channel", "listings", "notices", "sellers", "statements", "trademarks"] {
        assert!(all.iter().any(|(n, _)| n.starts_with(&format!("src/{module}/"))), "src/{module} is read");
    }
}
