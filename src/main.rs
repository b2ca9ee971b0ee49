//! The `rightsgraph` command: parse the command line, set up logging, call the library.

use std::process::ExitCode;

use clap::Parser;
use rightsgraph::auth::{Claims, Role, mint_hs256};
use rightsgraph::config::{Cli, Command};

/// mimalloc rather than the system allocator: a response is built from many small allocations,
/// freed together (see the README's benchmark section for what it measured).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match Cli::parse().command {
        Command::Serve { demo, config } => rightsgraph::serve::serve(config, demo).await,
        Command::Migrate { db } => rightsgraph::migrate(&db.database_url).await.map(|()| {
            println!("migrations applied");
        }),
        Command::Token { role, brand, seller, ttl, sub, auth } => token(&role, brand, seller, ttl, &sub, &auth),
        Command::Seed { scale, seed, append, quiet, db, rules } => {
            run_seed(scale, seed, append, quiet, db, rules).await
        }
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
    let shared = rightsgraph::connect_shared(&db.database_url, rules).await?;
    let plan = rightsgraph::seed::SeedPlan { scale, seed, append, progress: !quiet && std::io::stderr().is_terminal() };
    println!("{}", rightsgraph::seed::seed(&shared, plan).await?);
    Ok(())
}
