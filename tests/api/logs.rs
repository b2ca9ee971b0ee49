//! What the real `rightsgraph` process prints, where it goes (issue 28): plain log lines for a
//! file or a pipe and colour only on a terminal without NO_COLOR; one line for the migrations
//! applied at start, not one per migration; `seed --quiet` silent but for errors; and a seed by a
//! role that is not a superuser without a warning about the system catalogues.

use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, EntityTrait, PaginatorTrait};

use crate::harness::{TestDb, pg_admin_url};
use crate::process::Server;

/// The binary under test.
const BIN: &str = env!("CARGO_BIN_EXE_rightsgraph");

/// What starts every ANSI escape sequence the log lines could carry (colours, bold, dim).
const ESCAPE: char = '\u{1b}';

/// `rightsgraph ARGS --database-url URL`, with no inherited setting that changes what it prints.
fn command(args: &[&str], database_url: &str) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .args(["--database-url", database_url])
        .env_remove("DATABASE_URL")
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .env_remove("RIGHTSGRAPH_LOG_FORMAT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// What a finished command printed.
struct Printed {
    output: Output,
}

impl Printed {
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// Both streams, labelled, for a failure message.
    fn both(&self) -> String {
        format!("exit {}\nstdout:\n{}\nstderr:\n{}", self.output.status, self.stdout(), self.stderr())
    }

    fn assert_success(&self) {
        assert!(self.output.status.success(), "it should succeed; {}", self.both());
    }
}

/// Runs `command` to its end, killing it after two minutes (a debug build on a busy machine).
fn run(mut command: Command) -> Printed {
    let child = command.spawn().unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(output) => Printed { output: output.expect("wait for the process") },
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("{command:?} was still running after 120 s");
        }
    }
}

/// `report` of one day: it migrates (and logs that) and prints JSON without escape codes, so any
/// escape in its output is the log's colour.
fn report(database_url: &str) -> Command {
    command(&["report", "--from", "2026-01-01", "--to", "2026-01-01"], database_url)
}

/// The newest migration of this build, which a migrated database is at.
fn latest() -> String {
    Migrator::migrations().last().map(|m| m.name().to_owned()).expect("at least one migration")
}

/// The one line that says every migration was applied to a fresh database.
fn applied_all() -> String {
    format!("applied {} migrations (database now at {})", Migrator::migrations().len(), latest())
}

/// The lines of `text` that speak of migrations or of the database schema.
fn migration_lines(text: &str) -> Vec<&str> {
    text.lines().filter(|line| ["migration", "schema"].iter().any(|word| line.to_lowercase().contains(word))).collect()
}

// ---------------------------------------------------------------------------------------------
// Colour
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn serve_logging_to_a_pipe_writes_no_escape_codes_and_one_line_for_the_migrations() {
    let db = TestDb::new().await;

    let server = Server::start(&db.url);
    // Its stderr is read by a thread of its own: the summary may arrive after the address.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !server.output().contains(&applied_all()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = server.output();

    assert!(!output.contains(ESCAPE), "a pipe gets no escape codes:\n{output}");
    let lines = migration_lines(&output);
    assert_eq!(lines.len(), 1, "one line for all the migrations, got:\n{output}");
    assert!(lines[0].starts_with("[stderr] ") && lines[0].ends_with(&applied_all()), "{output}");
}

#[tokio::test]
async fn a_pipe_gets_no_escape_codes_with_or_without_no_color() {
    let db = TestDb::new().await;

    let plain = run(report(&db.url));
    let mut no_color = report(&db.url);
    no_color.env("NO_COLOR", "1");
    let no_color = run(no_color);

    for printed in [&plain, &no_color] {
        printed.assert_success();
        assert_eq!(migration_lines(&printed.stderr()).len(), 1, "the log is there to judge: {}", printed.both());
        assert!(!printed.stderr().contains(ESCAPE), "no escape codes on a pipe: {}", printed.both());
        assert!(!printed.stdout().contains(ESCAPE), "{}", printed.both());
    }
}

/// `report` on a terminal of its own (a pseudo-terminal made by util-linux `script`), with
/// NO_COLOR set to `no_color` (unset: `None`); everything it printed, both streams together.
#[cfg(target_os = "linux")]
fn report_on_a_terminal(database_url: &str, no_color: Option<&str>) -> String {
    let mut command = Command::new("script");
    // The shell `script` starts expands the variables: nothing here needs quoting.
    command
        .args(["--quiet", "--return", "--command"])
        .arg(r#""$RG_BIN" report --from 2026-01-01 --to 2026-01-01 --database-url "$RG_URL""#)
        .arg("/dev/null")
        .env("RG_BIN", BIN)
        .env("RG_URL", database_url)
        .env_remove("DATABASE_URL")
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .env_remove("RIGHTSGRAPH_LOG_FORMAT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(value) = no_color {
        command.env("NO_COLOR", value);
    }
    let printed = run(command);
    printed.assert_success();
    assert_eq!(migration_lines(&printed.stdout()).len(), 1, "the log is there to judge: {}", printed.both());
    printed.stdout()
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_terminal_gets_colour_unless_no_color_is_set_and_not_empty() {
    let db = TestDb::new().await;

    let coloured = report_on_a_terminal(&db.url, None);
    let empty = report_on_a_terminal(&db.url, Some(""));
    let no_color = report_on_a_terminal(&db.url, Some("1"));

    assert!(coloured.contains(ESCAPE), "a person at a terminal gets colour:\n{coloured}");
    assert!(empty.contains(ESCAPE), "an empty NO_COLOR counts as unset (no-color.org):\n{empty}");
    assert!(!no_color.contains(ESCAPE), "NO_COLOR=1 means no colour, even on a terminal:\n{no_color}");
}

// ---------------------------------------------------------------------------------------------
// Migrations
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn migrate_says_in_one_line_how_many_migrations_it_applied() {
    let db = TestDb::new().await;

    let first = run(command(&["migrate"], &db.url));
    let again = run(command(&["migrate"], &db.url));

    first.assert_success();
    assert_eq!(first.stdout(), format!("{}\n", applied_all()), "{}", first.both());
    assert!(migration_lines(&first.stderr()).is_empty(), "no line per migration: {}", first.both());
    again.assert_success();
    assert_eq!(again.stdout(), format!("database schema is up to date (at {})\n", latest()), "{}", again.both());
    assert!(migration_lines(&again.stderr()).is_empty(), "{}", again.both());
}

// ---------------------------------------------------------------------------------------------
// seed
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn seed_quiet_prints_nothing_but_errors() {
    let db = TestDb::new().await;

    let quiet = run(command(&["seed", "--scale", "0.01", "--quiet"], &db.url));
    let refused = run(command(&["seed", "--scale", "0.01", "--quiet"], &db.url));

    quiet.assert_success();
    assert_eq!((quiet.stdout().as_str(), quiet.stderr().as_str()), ("", ""), "silent: {}", quiet.both());
    let conn = Database::connect(db.url.as_str()).await.expect("open the seeded database");
    let sellers = entity::seller::Entity::find().count(&conn).await.expect("count sellers");
    conn.close().await.ok();
    assert!(sellers > 0, "it seeded all the same");
    // A second seed into the now full database is refused: the error is still said.
    assert!(!refused.output.status.success(), "{}", refused.both());
    assert_eq!(refused.stdout(), "", "{}", refused.both());
    let lines: Vec<String> = refused.stderr().lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 1, "one line of error: {}", refused.both());
    assert!(lines[0].starts_with("error: the database is not empty"), "{}", refused.both());
}

#[tokio::test]
async fn seed_without_quiet_logs_one_line_for_the_migrations_and_prints_its_summary() {
    let db = TestDb::new().await;

    let printed = run(command(&["seed", "--scale", "0.01"], &db.url));

    printed.assert_success();
    assert!(printed.stdout().starts_with("seeded "), "the summary on stdout: {}", printed.both());
    let stderr = printed.stderr();
    let lines = migration_lines(&stderr);
    assert_eq!(lines.len(), 1, "one line for all the migrations: {}", printed.both());
    assert!(lines[0].ends_with(&applied_all()), "{}", printed.both());
}

/// A role that may log in but is not a superuser, and a fresh database it owns, on the
/// PostgreSQL server of the suite; both dropped afterwards.
struct OwnedDb {
    admin: String,
    name: String,
    url: String,
}

impl OwnedDb {
    async fn new(admin: &str) -> Self {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let name = format!("rg_logs_{}_{nanos}", std::process::id());
        let conn = Database::connect(admin).await.expect("connect to the PostgreSQL test server");
        for statement in [
            format!("CREATE ROLE {name} LOGIN NOSUPERUSER PASSWORD '{name}'"),
            format!("CREATE DATABASE {name} OWNER {name}"),
        ] {
            conn.execute_unprepared(&statement).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
        }
        conn.close().await.ok();
        let mut url = url::Url::parse(admin).expect("the admin URL is a URL");
        url.set_username(&name).expect("a URL with a user");
        url.set_password(Some(&name)).expect("a URL with a password");
        url.set_path(&name);
        Self { admin: admin.to_owned(), url: url.to_string(), name }
    }
}

impl Drop for OwnedDb {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        // In a thread of its own: the test's runtime may be the one dropping us.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async move {
                if let Ok(conn) = Database::connect(admin.as_str()).await {
                    conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.ok();
                    conn.execute_unprepared(&format!("DROP ROLE IF EXISTS {name}")).await.ok();
                    conn.close().await.ok();
                }
            });
        })
        .join();
    }
}

#[tokio::test]
async fn seed_by_a_database_owner_who_is_not_a_superuser_warns_of_nothing() {
    let Some(admin) = pg_admin_url() else {
        println!("skipped: not on PostgreSQL (set RIGHTSGRAPH_TEST_DATABASE_URL)");
        return;
    };
    let db = OwnedDb::new(&admin).await;

    // Not --quiet: the warnings of a bare ANALYZE would be logged.
    let printed = run(command(&["seed", "--scale", "0.01"], &db.url));

    printed.assert_success();
    assert!(printed.stdout().contains("rows copied into PostgreSQL"), "the copy ran: {}", printed.both());
    let stderr = printed.stderr();
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("WARN") || line.contains("skipping") || line.contains("permission denied"))
        .collect();
    assert!(warnings.is_empty(), "no warning about tables that are not the registry's: {}", printed.both());
}
