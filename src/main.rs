//! The `rightsgraph` command: parse the command line, set up logging, call the library.

use std::process::ExitCode;

use rightsgraph::auth::{Claims, Role, mint_hs256};
use rightsgraph::config::{Cli, Command, Export};

/// mimalloc rather than the system allocator: a response is built from many small allocations,
/// freed together (see the README's benchmark section for what it measured).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The log lines written unless RUST_LOG says otherwise. sqlx's line per statement and
/// sea-orm-migration's lines per migration are left out: the library says in one line what
/// the migrations did.
const DEFAULT_LOG: &str = "info,sqlx=warn,sea_orm_migration=warn";

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse_checked();
    // `seed --quiet` prints nothing but errors, even where RUST_LOG asks for more: the flag is for this run.
    let filter = if matches!(cli.command, Command::Seed { quiet: true, .. }) {
        tracing_subscriber::EnvFilter::new("error")
    } else {
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| DEFAULT_LOG.into())
    };
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(colour()).with_writer(std::io::stderr);
    if cli.log_format == "json" {
        // One object per line; `span` carries the request's id.
        logs.json().with_current_span(true).with_span_list(false).init();
    } else {
        logs.init();
    }
    let result = match cli.command {
        Command::Serve { demo, config } => rightsgraph::serve::serve(config, demo).await,
        Command::Migrate { db } => rightsgraph::migrate(&db.database_url).await.map(|applied| {
            println!("{applied}");
        }),
        Command::Token { role, brand, seller, ttl, sub, auth } => token(&role, brand, seller, ttl, &sub, &auth),
        Command::Seed { scale, seed, append, quiet, db, rules } => {
            run_seed(scale, seed, append, quiet, db, rules).await
        }
        Command::Export { what: Export::Statements { since, until, after_puid, out, quiet, db } } => {
            export_statements(since, until, after_puid, out, quiet, db).await
        }
        Command::Report { from, to, format, db } => report(from, to, &format, db).await,
        Command::Schema => {
            print!("{}", rightsgraph::schema::sdl());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(reason) => {
            eprintln!("error: {reason}");
            ExitCode::FAILURE
        }
    }
}

/// Whether log lines are coloured: only on a terminal, for a person, and not when NO_COLOR is set
/// to anything (https://no-color.org). A log file, a pipe or a collector gets plain text.
fn colour() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}

fn token(
    role: &str,
    brand: Option<String>,
    seller: Option<String>,
    ttl: std::time::Duration,
    sub: &str,
    auth: &rightsgraph::config::AuthConfig,
) -> Result<(), String> {
    let secret =
        auth.jwt_secret.as_deref().ok_or("token needs an HS256 key: set RIGHTSGRAPH_JWT_SECRET or --jwt-secret")?;
    let role = Role::parse(role)
        .ok_or_else(|| format!("unknown role {role:?}: use ADMIN, REVIEWER, ANALYST, BRAND_AGENT or SELLER"))?;
    match role {
        Role::BrandAgent if brand.is_none() => return Err("a BRAND_AGENT token needs --brand ID".into()),
        Role::Seller if seller.is_none() => return Err("a SELLER token needs --seller ID".into()),
        _ => {}
    }
    let mut claims = Claims::new(sub, role, ttl);
    claims.brand_id = brand;
    claims.seller_id = seller;
    claims.iss = auth.jwt_issuer.clone();
    claims.aud = auth.jwt_audience.clone();
    println!("{}", mint_hs256(secret, &claims)?);
    Ok(())
}

async fn run_seed(
    scale: f64,
    seed: u64,
    append: bool,
    quiet: bool,
    db: rightsgraph::config::DbConfig,
    rules: rightsgraph::config::RulesConfig,
) -> Result<(), String> {
    use std::io::IsTerminal;
    if let Err(err) = rightsgraph::seed::keep_to_one_cpu() {
        tracing::warn!("seed runs on every CPU, which is slower: {err}");
    }
    let shared = rightsgraph::connect_shared(&db.database_url, rules).await?;
    let plan = rightsgraph::seed::SeedPlan { scale, seed, append, progress: !quiet && std::io::stderr().is_terminal() };
    let summary = rightsgraph::seed::seed(&shared, plan).await?;
    // With --quiet the exit status says that it worked.
    if !quiet {
        println!("{summary}");
    }
    Ok(())
}

/// `export statements`: the batches to `out` (or standard output), a progress bar on a terminal,
/// and on stderr what was exported, what was set aside and where to resume.
async fn export_statements(
    since: chrono::NaiveDate,
    until: Option<chrono::NaiveDate>,
    after_puid: Option<String>,
    out: Option<std::path::PathBuf>,
    quiet: bool,
    db: rightsgraph::config::DbConfig,
) -> Result<(), String> {
    use rightsgraph::statements::export::{self, Range};
    use std::io::IsTerminal;
    let start_of = rightsgraph::time::start_of_day;
    if let Some(puid) = &after_puid {
        export::parse_puid(puid)?;
    }
    let shared = rightsgraph::connect_shared(&db.database_url, Default::default()).await?;
    let after = match &after_puid {
        Some(puid) => Some(export::position_of(&shared.db, puid).await.map_err(|e| e.message().to_owned())?),
        None => None,
    };
    let range = Range { since: start_of(since), until: until.and_then(|d| d.succ_opt()).map(start_of), after }
        .settled(rightsgraph::time::now_micros());
    let total = export::count(&shared.db, range).await.map_err(|e| e.message().to_owned())?;
    let bar = if quiet || !std::io::stderr().is_terminal() {
        indicatif::ProgressBar::hidden()
    } else {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} statements ({per_sec}, {eta} left)")
                .map_err(|e| e.to_string())?,
        );
        bar
    };
    let started = std::time::Instant::now();
    let summary = match &out {
        Some(path) => {
            let file = std::fs::File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            let mut writer = std::io::BufWriter::new(file);
            export::export(&shared.db, range, &mut writer, |n| bar.inc(n)).await
        }
        None => export::export(&shared.db, range, &mut std::io::stdout().lock(), |n| bar.inc(n)).await,
    }
    .map_err(|e| e.message().to_owned())?;
    bar.finish_and_clear();
    for (puid, reason) in &summary.set_aside {
        eprintln!("set aside {puid}: {reason}");
    }
    eprintln!(
        "exported {} statements in {} batches in {:.1} s ({} texts cut to the API's limits){}",
        summary.exported,
        summary.batches,
        started.elapsed().as_secs_f64(),
        summary.clipped,
        summary.last_puid.map(|p| format!("; resume after it with --after-puid {p}")).unwrap_or_default()
    );
    if summary.set_aside.is_empty() {
        Ok(())
    } else {
        Err(format!("{} statements set aside (named above): the others were exported", summary.set_aside.len()))
    }
}

/// `report`: the transparency report of the days `from` to `to`, both included.
async fn report(
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    format: &str,
    db: rightsgraph::config::DbConfig,
) -> Result<(), String> {
    use rightsgraph::statements::report;
    // `Cli::check` refused `to` before `from`.
    let start_of = rightsgraph::time::start_of_day;
    let end = to.succ_opt().ok_or("--to is the last day there is")?;
    let shared = rightsgraph::connect_shared(&db.database_url, Default::default()).await?;
    let figures =
        report::report(&shared.db, start_of(from), start_of(end)).await.map_err(|e| e.message().to_owned())?;
    if format == "csv" {
        print!("{}", report::to_csv(&figures));
    } else {
        println!("{}", serde_json::to_string_pretty(&figures).map_err(|e| e.to_string())?);
    }
    Ok(())
}
