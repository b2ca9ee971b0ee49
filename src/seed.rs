//! `rightsgraph seed`: a deterministic synthetic registry that looks like the real thing.
//!
//! Brands, trademarks, sellers, identifiers and listings are written in bulk (they start in the
//! states the API gives new rows, and component labels are computed with the same
//! smallest-id rule the incremental merge keeps). Everything after that — notices, decisions,
//! strikes, counter-notices, withdrawals, trust tiers — goes through the workflow's own services
//! on a simulated clock, so the registry holds only states the rules can reach.
//!
//! This file is the entry point: it checks the plan, picks where the registry is built and runs
//! the phases in order. The rooms behind it:
//! - `plan.rs`: what to seed, and the deterministic generator every draw comes from;
//! - `registry.rs`: the registry's shape (brands and their marks, sellers, listings);
//! - `rings.rs`: the rings of sellers that share identifiers, and every seller's identifiers;
//! - `history.rs` and `history/`: the simulated history, through the workflow's services;
//! - `bulk.rs`: the statements the shape is written with (multi-row inserts, ids, sequences);
//! - `staging.rs` and `copy.rs`: an empty database is seeded by way of a staging SQLite file.

use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::error::AppError;
use crate::graph::Shared;
use crate::time::now_micros;

mod bulk;
mod copy;
mod history;
mod plan;
mod registry;
mod rings;
mod staging;

use plan::Rng;
pub use plan::SeedPlan;

const HOUR: i64 = 3_600_000_000;
const DAY: i64 = 24 * HOUR;

/// Seeds the registry behind `shared` as `plan` says; returns a one-line summary.
///
/// An empty database is seeded by way of a staging SQLite file (see `staging`). With `append`
/// the workflow runs on the database itself, empty or not: the copied ids would collide with
/// rows already there.
pub async fn seed(shared: &Shared, plan: SeedPlan) -> Result<String, String> {
    let db = &shared.db;
    let existing = entity::seller::Entity::find().count(db).await.map_err(|e| e.to_string())?
        + entity::brand::Entity::find().count(db).await.map_err(|e| e.to_string())?;
    if existing > 0 && !plan.append {
        return Err(
            "the database is not empty: seed refuses to mix with existing data (pass --append to add to it)".into()
        );
    }
    if !(plan.scale > 0.0 && plan.scale <= 1000.0) {
        return Err(format!("--scale must be above 0 and at most 1000, got {}", plan.scale));
    }
    if existing == 0 && !plan.append {
        return staging::by_way_of_sqlite(shared, plan).await;
    }
    generate(shared, plan).await
}

/// Keeps every thread of this process on the CPU the caller is on now, for the `seed` command.
///
/// The workflow runs one short statement at a time, and sqlx runs each SQLite connection on a
/// thread of its own, so every statement wakes that thread and is woken back. Left alone, the
/// scheduler keeps the two threads on different CPUs and every wake-up crosses between them,
/// which costs more than the statement: `seed --scale 5` took 25.5 s, and 10.1 s under
/// `taskset -c 0`. Threads started later inherit the setting. Not for the server, which wants
/// all its cores.
#[cfg(target_os = "linux")]
pub fn keep_to_one_cpu() -> Result<(), String> {
    use nix::sched::{CpuSet, sched_getcpu, sched_setaffinity};
    use nix::unistd::Pid;
    let cpu = sched_getcpu().map_err(|e| format!("sched_getcpu: {e}"))?;
    let mut set = CpuSet::new();
    set.set(cpu).map_err(|e| format!("CPU {cpu}: {e}"))?;
    let tasks = std::fs::read_dir("/proc/self/task").map_err(|e| format!("/proc/self/task: {e}"))?;
    for task in tasks.flatten() {
        if let Some(tid) = task.file_name().to_str().and_then(|name| name.parse().ok()) {
            sched_setaffinity(Pid::from_raw(tid), &set).map_err(|e| format!("sched_setaffinity({tid}): {e}"))?;
        }
    }
    Ok(())
}

/// Elsewhere the threads are left where the scheduler puts them.
#[cfg(not(target_os = "linux"))]
pub fn keep_to_one_cpu() -> Result<(), String> {
    Ok(())
}

/// One seeding run, which every phase takes: the database it writes, the generator it draws
/// from, its clock and its progress bar.
struct Run<'a> {
    shared: &'a Shared,
    rng: Rng,
    /// The id the next seller gets when the run starts: handles, registration numbers,
    /// addresses and the like carry it, so a run appended to another repeats none of them.
    tag: i64,
    /// The simulated history starts here, two years before `now`.
    t0: i64,
    now: i64,
    bar: Bar,
}

/// Runs the whole seed on `shared`'s own database.
async fn generate(shared: &Shared, plan: SeedPlan) -> Result<String, String> {
    let started = std::time::Instant::now();
    let rng = Rng(plan.seed ^ 0x005E_ED0F_2026);
    let n_sellers = ((plan.scale * 1000.0).round() as usize).max(10);
    let n_listings = ((plan.scale * 10_000.0).round() as usize).max(50);
    let n_notices = ((plan.scale * 1000.0).round() as usize).max(5);
    let n_brands = ((plan.scale * 2.0).round() as usize).clamp(3, 2000);
    let now = now_micros();
    let tag = bulk::next_id(&shared.db, "seller").await?;
    let mut run = Run { shared, rng, tag, t0: now - 730 * DAY, now, bar: Bar::new(plan.progress) };

    let brands = registry::brands(&mut run, n_brands).await?;
    let sellers = registry::sellers(&mut run, n_sellers).await?;
    let listings = registry::listings(&mut run, &sellers, n_listings).await?;

    run.bar.phase("notices through the workflow", n_notices as u64);
    let stats = history::simulate(&mut run, &brands, &listings, n_notices).await?;
    run.bar.finish();
    Ok(format!(
        "seeded {} brands, {n_sellers} sellers in {} rings, {n_listings} listings, {} notices ({} items; {} drafts refused by the rules and redrawn; {} requests for information, {} answered; {} removals retracted; {} appeals) in {:.1?}",
        n_brands,
        sellers.rings.iter().filter(|r| r.len() >= 2).count(),
        stats.notices,
        stats.items,
        stats.skipped,
        stats.asked,
        stats.answered,
        stats.retracted,
        stats.appeals,
        started.elapsed()
    ))
}

/// A refusal of the workflow's services as the seed reports it.
fn msg(err: AppError) -> String {
    format!("{}: {}", err.code().as_str(), err.message())
}

/// The progress bar on the terminal (nothing when not asked for).
struct Bar(Option<ProgressBar>);

impl Bar {
    fn new(show: bool) -> Self {
        Self(show.then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{msg:32} [{bar:40}] {pos}/{len} ({per_sec}, eta {eta})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar
        }))
    }

    fn phase(&self, name: &str, len: u64) {
        if let Some(bar) = &self.0 {
            bar.set_message(name.to_owned());
            bar.set_length(len);
            bar.set_position(0);
        }
    }

    fn inc(&self, n: u64) {
        if let Some(bar) = &self.0 {
            bar.inc(n);
        }
    }

    /// One more unit done, and what it was.
    fn step(&self, done: &str) {
        if let Some(bar) = &self.0 {
            bar.set_message(done.to_owned());
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
