//! `rightsgraph seed`: a deterministic synthetic registry that looks like the real thing.
//!
//! Brands, trademarks, sellers, identifiers and listings are written in bulk (they start in the
//! states the API gives new rows, and component labels are computed with the same
//! smallest-id rule the incremental merge keeps). Everything after that — notices, decisions,
//! strikes, counter-notices, withdrawals, trust tiers — goes through the workflow's own services
//! on a simulated clock, so the registry holds only states the rules can reach.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, TransactionTrait, Value};

use crate::auth::{Identity, Role};
use crate::channel::service as channel;
use crate::error::AppError;
use crate::graph::Shared;
use crate::notices::counter_notice::{self, CounterNoticeFiling, CounterNoticeResolution};
use crate::notices::decide::{self, Decision};
use crate::notices::submit::{self, Submission, SubmittedItem};
use crate::notices::withdraw;
use crate::sellers::identifier::Identifier;
use crate::sql::Sql;
use crate::states::{EvidenceKind, IdentifierKind, NoticeItemStatus, NoticeReason};
use crate::time::now_micros;
use crate::{brands, trademarks};

mod copy;

const HOUR: i64 = 3_600_000_000;
const DAY: i64 = 24 * HOUR;

/// What to seed.
#[derive(Debug, Clone, Copy)]
pub struct SeedPlan {
    /// About `scale` × 1,000 sellers, × 10,000 listings, × 1,000 notices.
    pub scale: f64,
    pub seed: u64,
    /// Add to a non-empty database instead of refusing.
    pub append: bool,
    /// Draw a progress bar.
    pub progress: bool,
}

/// A small deterministic generator (SplitMix64): the same seed gives the same registry on every
/// platform and release, which a library generator does not promise.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, n).
    fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize % n.max(1)
    }

    /// A heavy-tailed index in [0, n): small indexes far more often (a power law).
    fn skewed(&mut self, n: usize, power: f64) -> usize {
        ((self.unit().powf(power)) * n as f64) as usize % n.max(1)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const JURISDICTIONS: [&str; 10] = ["US", "EM", "CN", "JP", "WO", "GB", "KR", "IN", "BR", "CH"];
const COUNTRIES: [&str; 10] = ["CN", "HK", "US", "DE", "TR", "VN", "IN", "GB", "PL", "BR"];
const BRAND_WORDS: [&str; 16] = [
    "Aurelia",
    "Northwind",
    "Kirin",
    "Velora",
    "Stratos",
    "Halcyon",
    "Meridian",
    "Lumen",
    "Vantor",
    "Oberon",
    "Castellan",
    "Zephyra",
    "Ironclad",
    "Solace",
    "Tidewater",
    "Brightline",
];
const PRODUCTS: [&str; 12] = [
    "watch",
    "sneakers",
    "handbag",
    "headphones",
    "jacket",
    "sunglasses",
    "charger",
    "perfume",
    "wallet",
    "backpack",
    "earbuds",
    "belt",
];
const ADJECTIVES: [&str; 8] = ["original", "replica", "premium", "style", "OEM", "luxury", "new", "genuine"];

/// Seeds the registry behind `shared` as `plan` says; returns a one-line summary.
///
/// An empty PostgreSQL database is seeded by way of an SQLite file (see `copy`); appending to
/// one that has data runs the workflow on PostgreSQL itself, since the copied ids would collide.
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
    if existing == 0 && db.get_database_backend() == DbBackend::Postgres {
        return by_way_of_sqlite(shared, plan).await;
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

/// Builds the registry in a temporary SQLite file with the same rules, then copies it into the
/// empty PostgreSQL database behind `shared`.
async fn by_way_of_sqlite(shared: &Shared, plan: SeedPlan) -> Result<String, String> {
    let file = Staging::new()?;
    let lite =
        file.connect().await.map_err(|e| format!("cannot open a staging database in {}: {e}", file.0.display()))?;
    <migration::Migrator as migration::MigratorTrait>::up(&lite, None)
        .await
        .map_err(|e| format!("cannot migrate the staging database: {e}"))?;
    let staging = Shared {
        db: lite,
        rules: shared.rules.clone(),
        events: crate::work::EventBus::local(16, crate::metrics::Metrics::default()),
        deadlines: Default::default(),
    };
    let summary = generate(&staging, plan).await?;
    let started = std::time::Instant::now();
    let tables = copy::tables(shared.db.get_postgres_connection_pool()).await?;
    let bar = Bar::new(plan.progress);
    let mut total = 0;
    for table in &tables {
        let count = staging
            .db
            .query_one_raw(
                Sql::new(format!("SELECT COUNT(*) AS n FROM \"{}\"", table.name), vec![]).build(DbBackend::Sqlite),
            )
            .await
            .map_err(|e| e.to_string())?
            .map(|r| r.try_get::<i64>("", "n"))
            .transpose()
            .map_err(|e| e.to_string())?
            .unwrap_or(0);
        total += count as u64;
    }
    bar.phase("copying into PostgreSQL", total);
    let copied = copy::rows(&staging.db, &shared.db, &tables, |n| bar.inc(n)).await?;
    bar.finish();
    staging.db.close().await.map_err(|e| e.to_string())?;
    Ok(format!("{summary}; built in SQLite, then {copied} rows copied into PostgreSQL in {:.1?}", started.elapsed()))
}

/// A temporary SQLite file, removed when dropped (its journal is kept in memory).
struct Staging(std::path::PathBuf);

impl Staging {
    fn new() -> Result<Self, String> {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let path = std::env::temp_dir().join(format!("rightsgraph-seed-{}-{nanos}.db", std::process::id()));
        if path.to_str().is_none() {
            return Err(format!("the temporary directory {} is not valid UTF-8", path.display()));
        }
        Ok(Self(path))
    }

    /// A pool of one connection on the file: SQLite drops a connection's page cache whenever
    /// another connection has written, so one connection reads less of the file again (the
    /// pinning in `keep_to_one_cpu` is what made the build fast; this only saves the reads).
    /// Nothing is synced to disk: the file is thrown away after the copy.
    ///
    /// The page cache keeps SQLite's default size (2 MB): the operating system caches the file
    /// anyway, and a large cache cost more than it saved (in `perf`, commits spent their time
    /// walking it, in `pcache1TruncateUnsafe`). `seed --scale 30` built in 109 s with a 1 GiB
    /// cache, 83 s with 32 MiB and 74 s with the default.
    async fn connect(&self) -> Result<sea_orm::DatabaseConnection, sea_orm::DbErr> {
        use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
        let mut options = sea_orm::ConnectOptions::new(format!("sqlite://{}?mode=rwc", self.0.display()));
        options.sqlx_logging(false).max_connections(1).min_connections(1).map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Memory).synchronous(SqliteSynchronous::Off).foreign_keys(true)
        });
        sea_orm::Database::connect(options).await
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Runs the whole seed on `shared`'s own database.
async fn generate(shared: &Shared, plan: SeedPlan) -> Result<String, String> {
    let db = &shared.db;
    let started = std::time::Instant::now();
    let mut rng = Rng(plan.seed ^ 0x005E_ED0F_2026);
    let n_sellers = ((plan.scale * 1000.0).round() as usize).max(10);
    let n_listings = ((plan.scale * 10_000.0).round() as usize).max(50);
    let n_notices = ((plan.scale * 1000.0).round() as usize).max(5);
    let n_brands = ((plan.scale * 2.0).round() as usize).clamp(3, 2000);
    let now = now_micros();
    let t0 = now - 730 * DAY;
    let bar = Bar::new(plan.progress);

    bar.phase("brands and trademarks", n_brands as u64);
    let admin = Identity { subject: "seed".into(), role: Role::Admin, brand_id: None, seller_id: None };
    let reviewer = Identity { subject: "seed".into(), role: Role::Reviewer, brand_id: None, seller_id: None };
    let tag = next_id(db, "seller").await?;
    let mut brand_marks: Vec<(i64, Vec<i64>)> = Vec::new();
    for b in 0..n_brands {
        let name = format!(
            "{} {}",
            BRAND_WORDS[b % BRAND_WORDS.len()],
            if b < BRAND_WORDS.len() { String::new() } else { format!("{}", b / BRAND_WORDS.len()) }
        );
        let brand = brands::service::create(shared, &admin, t0 - 400 * DAY, {
            let country = rng.pick::<&str>(&COUNTRIES);
            brands::service::NewBrand::new(name.trim(), country).map_err(msg)?
        })
        .await
        .map_err(msg)?;
        let mut verified = Vec::new();
        for m in 0..(1 + rng.below(5)) {
            let jurisdiction = JURISDICTIONS[(b + m) % JURISDICTIONS.len()];
            let classes: Vec<i32> = (0..1 + rng.below(3)).map(|_| 1 + rng.below(45) as i32).collect();
            let expired = rng.chance(0.05);
            let registration = trademarks::service::Registration::new(
                brand.id,
                &BRAND_WORDS[b % BRAND_WORDS.len()].to_uppercase(),
                &format!("{jurisdiction}-{tag}-{b}-{m}"),
                jurisdiction,
                &classes,
                Some(crate::time::instant(if expired { now - 30 * DAY } else { now + 3000 * DAY }).date_naive()),
            )
            .map_err(msg)?;
            let tm = trademarks::service::register(shared, &admin, t0 - 300 * DAY, registration).await.map_err(msg)?;
            let roll = rng.unit();
            if roll < 0.9 {
                let approve = roll < 0.85;
                trademarks::service::verify(shared, &reviewer, tm.id, approve).await.map_err(msg)?;
                if approve && !expired {
                    verified.push(tm.id);
                }
            }
        }
        if verified.is_empty() {
            // Every brand gets one mark it can enforce.
            let registration = trademarks::service::Registration::new(
                brand.id,
                &BRAND_WORDS[b % BRAND_WORDS.len()].to_uppercase(),
                &format!("WO-{tag}-{b}-X"),
                "WO",
                &[25],
                None,
            )
            .map_err(msg)?;
            let tm = trademarks::service::register(shared, &admin, t0 - 300 * DAY, registration).await.map_err(msg)?;
            trademarks::service::verify(shared, &reviewer, tm.id, true).await.map_err(msg)?;
            verified.push(tm.id);
        }
        brand_marks.push((brand.id, verified));
        bar.inc(1);
    }

    bar.phase("sellers, rings and identifiers", n_sellers as u64);
    let first_seller = next_id(db, "seller").await?;
    let rings = rings(&mut rng, n_sellers);
    let mut label: Vec<i64> = (0..n_sellers).map(|i| first_seller + i as i64).collect();
    for ring in &rings {
        let smallest = first_seller + ring.iter().min().copied().unwrap_or(0) as i64;
        for &m in ring {
            label[m] = smallest;
        }
    }
    let mut rows = Vec::with_capacity(n_sellers);
    for (i, cluster) in label.iter().enumerate() {
        let id = first_seller + i as i64;
        rows.push(vec![
            Value::from(id),
            Value::from(format!("seller-{tag}-{i}")),
            Value::from(format!("Shop {} {}", ADJECTIVES[i % ADJECTIVES.len()], i)),
            Value::from(*rng.pick(&COUNTRIES)),
            Value::from("ACTIVE"),
            Value::from(t0 - 500 * DAY + i as i64),
            Value::from(*cluster),
        ]);
    }
    bulk(db, "seller", "id, handle, display_name, country, status, created_at, cluster_id", rows, &bar).await?;
    let identifiers = identifiers(&mut rng, &rings, n_sellers, tag);
    let rows = identifiers
        .iter()
        .map(|(i, id)| {
            vec![
                Value::from(first_seller + *i as i64),
                Value::from(id.kind.as_db()),
                Value::from(id.value.clone()),
                Value::from(t0),
            ]
        })
        .collect();
    bulk(db, "seller_identifier", "seller_id, kind, value, created_at", rows, &Bar::new(false)).await?;
    let rows = rings
        .iter()
        .filter(|r| r.len() >= 2)
        .map(|r| {
            vec![Value::from(first_seller + r.iter().min().copied().unwrap_or(0) as i64), Value::from(r.len() as i64)]
        })
        .collect();
    bulk(db, "seller_cluster", "id, size", rows, &Bar::new(false)).await?;
    bump_sequence(db, "seller").await?;

    bar.phase("listings", n_listings as u64);
    let first_listing = next_id(db, "listing").await?;
    let mut listing_seller = Vec::with_capacity(n_listings);
    let mut rows = Vec::with_capacity(n_listings);
    for l in 0..n_listings {
        // Offenders list more: a seller drawn from a heavy tail.
        let seller = rng.skewed(n_sellers, 1.6);
        listing_seller.push(seller);
        let brand = BRAND_WORDS[rng.below(BRAND_WORDS.len())];
        let title = format!("{} {} {} #{l}", brand, rng.pick(&ADJECTIVES), rng.pick(&PRODUCTS));
        // Already in its normalized form: the address is its own key.
        let url = format!("https://marketplace.example/item/{tag}/{l}");
        rows.push(vec![
            Value::from(first_listing + l as i64),
            Value::from(first_seller + seller as i64),
            Value::from(title.clone()),
            Value::from(url.clone()),
            Value::from(format!("{}.{:02}", 5 + rng.below(400), rng.below(100))),
            Value::from(*rng.pick(&["USD", "EUR", "GBP", "CNY"])),
            Value::from("ACTIVE"),
            Value::from(t0 - rng.below(365) as i64 * DAY),
            Value::from(title.to_lowercase()),
            Value::from(url),
        ]);
    }
    bulk(
        db,
        "listing",
        "id, seller_id, title, url, price_amount, price_currency, status, listed_at, title_search, url_key",
        rows,
        &bar,
    )
    .await?;
    bump_sequence(db, "listing").await?;

    bar.phase("notices through the workflow", n_notices as u64);
    let stats =
        simulate(shared, &mut rng, &brand_marks, first_listing, &listing_seller, n_notices, t0, now, &bar).await?;
    bar.finish();
    Ok(format!(
        "seeded {} brands, {n_sellers} sellers in {} rings, {n_listings} listings, {} notices ({} items; {} drafts refused by the rules and redrawn; {} requests for information, {} answered; {} removals retracted; {} appeals) in {:.1?}",
        n_brands,
        rings.iter().filter(|r| r.len() >= 2).count(),
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

fn msg(err: AppError) -> String {
    format!("{}: {}", err.code(), err.message())
}

/// Sellers that share identifiers: a ring of about 200 accounts, then rings of heavy-tailed
/// sizes, about a fifth of all sellers in all.
fn rings(rng: &mut Rng, n: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let mut rings = Vec::new();
    let mut next = 0;
    let budget = n / 5;
    let mut size = 200.min(n / 4).max(2);
    while next + size <= budget.max(size) && next + size <= n {
        rings.push(order[next..next + size].to_vec());
        next += size;
        size = (2.0 / rng.unit().max(0.02).powf(0.7)) as usize;
        size = size.clamp(2, 60);
    }
    rings
}

/// Identifiers: ring members share a payment account (first half) or a phone (second half), a
/// bridge member holds both, some share an address in other spellings; everyone has an email.
fn identifiers(rng: &mut Rng, rings: &[Vec<usize>], n: usize, tag: i64) -> Vec<(usize, Identifier)> {
    let mut out = Vec::new();
    let parse = |kind, raw: &str| Identifier::parse(kind, raw, "value").ok();
    for (r, ring) in rings.iter().enumerate() {
        let half = ring.len() / 2;
        let account = format!("ACCT-{tag}-{r:06}");
        let phone = format!("{:011}", 861_300_000_000_i64 + tag * 100_000 + r as i64);
        let address = format!("{} Industrial Road, Block {}-{tag}, Shenzhen", 10 + r % 90, r);
        for (k, &m) in ring.iter().enumerate() {
            if k <= half {
                let spelling = if k % 2 == 0 { account.clone() } else { account.to_lowercase() };
                out.extend(parse(IdentifierKind::PaymentAccount, &spelling).map(|i| (m, i)));
            }
            if k >= half {
                let spelling = match k % 3 {
                    0 => format!("+{}", phone),
                    1 => format!("{}-{}-{}", &phone[..2], &phone[2..5], &phone[5..]),
                    _ => format!("({}) {}", &phone[..3], &phone[3..]),
                };
                out.extend(parse(IdentifierKind::Phone, &spelling).map(|i| (m, i)));
            }
            if rng.chance(0.3) {
                let spelling = if k % 2 == 0 { address.clone() } else { address.to_uppercase().replace(", ", " -- ") };
                out.extend(parse(IdentifierKind::Address, &spelling).map(|i| (m, i)));
            }
        }
    }
    for s in 0..n {
        let raw = if s % 3 == 0 {
            format!("Seller.{tag}.{s}+shop@gmail.com")
        } else {
            format!("seller{tag}x{s}@mail.example")
        };
        out.extend(parse(IdentifierKind::Email, &raw).map(|i| (s, i)));
    }
    out
}

#[derive(Default)]
struct SimStats {
    notices: usize,
    items: usize,
    skipped: usize,
    /// Requests for information, and how many the brands answered.
    asked: usize,
    answered: usize,
    retracted: usize,
    appeals: usize,
}

/// What happens next, at an instant.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Submit(usize),
    Decide {
        item: i64,
        remove: bool,
    },
    Counter {
        item: i64,
        seller: i64,
    },
    Resolve {
        counter: i64,
        reinstate: bool,
    },
    Withdraw {
        notice: i64,
        brand: i64,
    },
    /// A reviewer asks the brand about the item instead of deciding it.
    Ask {
        item: i64,
        remove: bool,
    },
    /// The brand answers; the item is decided some time later.
    Answer {
        item: i64,
        brand: i64,
        remove: bool,
    },
    /// The deadlines passed by then are settled, as the server's sweep would.
    Settle,
    /// The seller appeals a removal, or the brand a rejection.
    Appeal {
        item: i64,
    },
    /// A second reviewer resolves an appeal.
    ResolveAppeal {
        appeal: i64,
        reverse: bool,
    },
    /// The brand takes back a removal it got wrong.
    Retract {
        item: i64,
    },
    /// A message to a notice's thread, by its brand or by a reviewer.
    Post {
        notice: i64,
        brand: Option<i64>,
    },
}

#[expect(clippy::too_many_arguments, reason = "the seeding run's state, passed once")]
async fn simulate(
    shared: &Shared,
    rng: &mut Rng,
    brands: &[(i64, Vec<i64>)],
    first_listing: i64,
    listing_seller: &[usize],
    n_notices: usize,
    t0: i64,
    now: i64,
    bar: &Bar,
) -> Result<SimStats, String> {
    let reviewer = Identity { subject: "seed".into(), role: Role::Reviewer, brand_id: None, seller_id: None };
    let mut queue: BinaryHeap<Reverse<(i64, u64, Step)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let span = (now - t0 - DAY).max(DAY);
    for n in 0..n_notices {
        let at = t0 + (span as f64 * (n as f64 / n_notices as f64)) as i64 + rng.below(3600) as i64 * 1_000_000;
        queue.push(Reverse((at, seq, Step::Submit(n))));
        seq += 1;
    }
    let mut stats = SimStats::default();
    let n_listings = listing_seller.len();
    // How often each brand's notices hold up: careful brands earn TRUSTED, sloppy ones never do.
    let mut accuracy: Vec<f64> = brands.iter().map(|_| 0.6 + 0.38 * rng.unit()).collect();
    // And one busy brand notices carelessly: it is warned, then suspended, as a notifier.
    if let Some(sloppy) = accuracy.get_mut(1) {
        *sloppy = 0.3;
    }
    let mut brand_of_notice = std::collections::HashMap::new();
    while let Some(Reverse((at, _, step))) = queue.pop() {
        if at >= now {
            continue;
        }
        let mut later: Vec<(i64, Step)> = Vec::new();
        match step {
            Step::Submit(_) => {
                bar.inc(1);
                // A few brands send most notices; items are heavy-tailed, mostly 1 to 5. A notice
                // the rules refuse (a listing already removed, or pending for that brand) is
                // drawn again, as a brand would fix and resend it.
                let mut accepted = None;
                for _ in 0..4 {
                    let b = rng.skewed(brands.len(), 1.5);
                    let (brand, marks) = &brands[b];
                    brand_of_notice.insert(*brand, b);
                    let count = (1.0 / rng.unit().max(0.003).powf(0.6)) as usize;
                    let mut listings: Vec<i64> =
                        (0..count.clamp(1, 60)).map(|_| first_listing + rng.skewed(n_listings, 1.4) as i64).collect();
                    listings.sort_unstable();
                    listings.dedup();
                    let reasons = [
                        NoticeReason::Counterfeit,
                        NoticeReason::Counterfeit,
                        NoticeReason::TrademarkInfringement,
                        NoticeReason::DesignInfringement,
                    ];
                    // Reason, marks, then evidence: the draws keep the order of earlier seeds.
                    let reason = *rng.pick(&reasons);
                    let marks: Vec<i64> = listings.iter().map(|_| *rng.pick(marks)).collect();
                    let items = listings
                        .iter()
                        .zip(marks)
                        .map(|(l, trademark)| SubmittedItem { listing: *l, trademark, evidence: Vec::new() })
                        .collect::<Vec<_>>();
                    let items = items
                        .into_iter()
                        .map(|mut item| {
                            // About one item in three comes with a test buy.
                            if rng.chance(0.3) {
                                item.evidence = vec![crate::evidence::Evidence {
                                    kind: EvidenceKind::TestBuy,
                                    url: None,
                                    sha256: None,
                                    order_number: Some(format!("TB-{brand}-{}", item.listing)),
                                    note: None,
                                }];
                            }
                            item
                        })
                        .collect();
                    let submission = Submission {
                        brand: *brand,
                        reason,
                        explanation: "Listings offer counterfeit goods bearing the brand's registered mark.".into(),
                        items,
                        by_url: Vec::new(),
                        idempotency_key: None,
                    };
                    let agent = Identity {
                        subject: "seed".into(),
                        role: Role::BrandAgent,
                        brand_id: Some(*brand),
                        seller_id: None,
                    };
                    match submit::submit(shared, &agent, at, submission).await {
                        Ok(notice) => {
                            accepted = Some((notice, *brand, listings.len()));
                            break;
                        }
                        Err(_) => stats.skipped += 1,
                    }
                }
                if let Some((notice, brand, count)) = accepted {
                    stats.notices += 1;
                    stats.items += count;
                    let items = items_of(shared, notice.id).await?;
                    if notice.expedited {
                        for item in items {
                            if rng.chance(0.04) {
                                later.push((at + (1 + rng.below(200)) as i64 * HOUR, counter(shared, item).await?));
                            }
                        }
                    } else {
                        if rng.chance(0.03) {
                            later.push((
                                at + (1 + rng.below(48)) as i64 * HOUR,
                                Step::Withdraw { notice: notice.id, brand },
                            ));
                        }
                        if rng.chance(0.03) {
                            later.push((
                                at + (1 + rng.below(72)) as i64 * HOUR,
                                Step::Post { notice: notice.id, brand: Some(brand) },
                            ));
                        }
                        for item in items {
                            // Most are decided within days; a backlog waits for months.
                            let hours =
                                if rng.chance(0.08) { 24 * (30 + rng.below(90)) } else { 2 + rng.skewed(24 * 20, 2.0) };
                            let delay = hours as i64 * HOUR;
                            let accurate = brand_of_notice.get(&brand).map_or(0.8, |&b| accuracy[b]);
                            let remove = rng.chance(accurate);
                            // A doubtful item is asked about first.
                            let step = if rng.chance(0.04) {
                                Step::Ask { item, remove }
                            } else {
                                Step::Decide { item, remove }
                            };
                            later.push((at + delay, step));
                        }
                    }
                }
            }
            Step::Decide { item, remove } => {
                let reason = (!remove).then(|| "Not an infringement on review".to_owned());
                // A withdrawn or already decided item answers CONFLICT: the rules said no.
                let decision = Decision { item, remove, reason };
                let decided = decide::decide(shared, &reviewer, at, decision).await.is_ok();
                if decided && remove {
                    if rng.chance(0.05) {
                        later.push((at + (1 + rng.below(300)) as i64 * HOUR, counter(shared, item).await?));
                    } else if rng.chance(0.01) {
                        later.push((at + (1 + rng.below(400)) as i64 * HOUR, Step::Retract { item }));
                    } else if rng.chance(0.02) {
                        later.push((at + (1 + rng.below(600)) as i64 * HOUR, Step::Appeal { item }));
                    }
                } else if decided && rng.chance(0.04) {
                    later.push((at + (1 + rng.below(600)) as i64 * HOUR, Step::Appeal { item }));
                }
            }
            Step::Counter { item, seller } => {
                let who =
                    Identity { subject: "seed".into(), role: Role::Seller, brand_id: None, seller_id: Some(seller) };
                let statement = "These goods are genuine and were bought from an authorized distributor.".to_owned();
                let filing = CounterNoticeFiling { item, statement };
                if let Ok(cn) = counter_notice::file_counter_notice(shared, &who, at, filing).await {
                    let hours = if rng.chance(0.2) { 24 * (30 + rng.below(120)) } else { 12 + rng.below(240) };
                    let resolve = Step::Resolve { counter: cn.id, reinstate: rng.chance(0.35) };
                    later.push((at + hours as i64 * HOUR, resolve));
                }
            }
            Step::Resolve { counter, reinstate } => {
                let resolution = CounterNoticeResolution { counter_notice: counter, reinstate, reason: None };
                let _ = counter_notice::resolve_counter_notice(shared, &reviewer, at, resolution).await;
            }
            Step::Withdraw { notice, brand } => {
                let agent =
                    Identity { subject: "seed".into(), role: Role::BrandAgent, brand_id: Some(brand), seller_id: None };
                let _ = withdraw::withdraw(shared, &agent, at, notice).await;
            }
            Step::Ask { item, remove } => {
                let question = "Please send a test-buy report or another proof that this listing is not genuine.";
                let command = channel::RequestInformation { item, question: question.into() };
                // An item withdrawn meanwhile answers CONFLICT: nothing to ask.
                if let Ok(asked) = channel::request_information(shared, &reviewer, at, command).await {
                    stats.asked += 1;
                    let due = asked.info_due_at.unwrap_or(at);
                    // Three brands in four answer in time; the others let the item be rejected.
                    if rng.chance(0.75) {
                        let hours = (due - at) / HOUR;
                        let when = at + (1 + rng.below(usize::try_from(hours.max(2) - 1).unwrap_or(1))) as i64 * HOUR;
                        later.push((when.min(due - 1), Step::Answer { item, brand: asked.brand_id, remove }));
                    }
                    later.push((due, Step::Settle));
                }
            }
            Step::Answer { item, brand, remove } => {
                let agent =
                    Identity { subject: "seed".into(), role: Role::BrandAgent, brand_id: Some(brand), seller_id: None };
                let evidence = vec![crate::evidence::Evidence {
                    kind: EvidenceKind::TestBuy,
                    url: None,
                    sha256: None,
                    order_number: Some(format!("TB-{item}")),
                    note: None,
                }];
                let answer = "Our test purchase arrived with a counterfeit hologram and serial number.";
                let command = channel::ProvideInformation { item, answer: answer.into(), evidence };
                if channel::provide_information(shared, &agent, at, command).await.is_ok() {
                    stats.answered += 1;
                    later.push((at + (2 + rng.below(72)) as i64 * HOUR, Step::Decide { item, remove }));
                }
            }
            Step::Appeal { item } => {
                // The seller appeals a removal, the brand a rejection.
                let Some(row) =
                    entity::notice_item::Entity::find_by_id(item).one(&shared.db).await.map_err(|e| e.to_string())?
                else {
                    continue;
                };
                let who = if row.status == NoticeItemStatus::Rejected.as_db() {
                    Identity {
                        subject: "seed".into(),
                        role: Role::BrandAgent,
                        brand_id: Some(row.brand_id),
                        seller_id: None,
                    }
                } else {
                    Identity {
                        subject: "seed".into(),
                        role: Role::Seller,
                        brand_id: None,
                        seller_id: Some(row.seller_id),
                    }
                };
                let statement = "The decision was wrong: please have another person look at it.";
                let command = crate::notices::appeal::FileAppeal { item, statement: statement.into() };
                if let Ok(filed) = crate::notices::appeal::file(shared, &who, at, command).await {
                    stats.appeals += 1;
                    let hours = 24 + rng.below(24 * 20);
                    later.push((
                        at + hours as i64 * HOUR,
                        Step::ResolveAppeal { appeal: filed.id, reverse: rng.chance(0.3) },
                    ));
                }
            }
            Step::ResolveAppeal { appeal, reverse } => {
                // Another person than the decision's maker ("seed").
                let second = Identity { subject: "seed-appeals".into(), ..reviewer.clone() };
                let command = crate::notices::appeal::ResolveAppeal {
                    appeal,
                    reverse,
                    reason: "Reviewed again by a second reviewer.".into(),
                };
                let _ = crate::notices::appeal::resolve(shared, &second, at, command).await;
            }
            Step::Retract { item } => {
                let brand = entity::notice_item::Entity::find_by_id(item)
                    .one(&shared.db)
                    .await
                    .map_err(|e| e.to_string())?
                    .map_or(0, |i| i.brand_id);
                let agent =
                    Identity { subject: "seed".into(), role: Role::BrandAgent, brand_id: Some(brand), seller_id: None };
                let command = crate::notices::retract::Retraction {
                    item,
                    reason: "The listing was checked again: the goods are genuine.".into(),
                };
                if crate::notices::retract::retract(shared, &agent, at, command).await.is_ok() {
                    stats.retracted += 1;
                }
            }
            Step::Settle => {
                channel::settle_due(shared, at, true).await.map_err(msg)?;
            }
            Step::Post { notice, brand } => {
                let (author, body) = match brand {
                    Some(b) => (
                        Identity { subject: "seed".into(), role: Role::BrandAgent, brand_id: Some(b), seller_id: None },
                        "More listings of this seller carry our mark; we can send test buys.",
                    ),
                    None => (reviewer.clone(), "Thank you; the review is under way."),
                };
                let command = channel::PostMessage { notice, body: body.into() };
                if channel::post_message(shared, &author, at, command).await.is_ok() && brand.is_some() {
                    later.push((at + (1 + rng.below(48)) as i64 * HOUR, Step::Post { notice, brand: None }));
                }
            }
        }
        for (when, step) in later {
            queue.push(Reverse((when, seq, step)));
            seq += 1;
        }
    }
    Ok(stats)
}

async fn counter(shared: &Shared, item: i64) -> Result<Step, String> {
    let seller = entity::notice_item::Entity::find_by_id(item)
        .one(&shared.db)
        .await
        .map_err(|e| e.to_string())?
        .map_or(0, |i| i.seller_id);
    Ok(Step::Counter { item, seller })
}

async fn items_of(shared: &Shared, notice: i64) -> Result<Vec<i64>, String> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    Ok(entity::notice_item::Entity::find()
        .filter(entity::notice_item::Column::NoticeId.eq(notice))
        .order_by_asc(entity::notice_item::Column::Id)
        .all(&shared.db)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|i| i.id)
        .collect())
}

/// The id the next row of `table` will get.
async fn next_id(db: &impl ConnectionTrait, table: &str) -> Result<i64, String> {
    let row = db
        .query_one_raw(
            Sql::new(format!("SELECT COALESCE(MAX(id), 0) + 1 AS n FROM {table}"), vec![])
                .build(db.get_database_backend()),
        )
        .await
        .map_err(|e| e.to_string())?;
    row.map(|r| r.try_get::<i64>("", "n")).transpose().map_err(|e| e.to_string()).map(|n| n.unwrap_or(1))
}

/// After rows with explicit ids, PostgreSQL's sequence must move past them.
async fn bump_sequence(db: &impl ConnectionTrait, table: &str) -> Result<(), String> {
    if db.get_database_backend() == DbBackend::Postgres {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
        );
        db.execute_unprepared(&sql).await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Inserts `rows` into `table` in multi-row statements, a few thousand rows a transaction.
async fn bulk(
    db: &sea_orm::DatabaseConnection,
    table: &str,
    columns: &str,
    rows: Vec<Vec<Value>>,
    bar: &Bar,
) -> Result<(), String> {
    let width = columns.split(',').count();
    // Both backends bind at least 32,766 parameters a statement.
    let per_statement = (30_000 / width).min(2000);
    let backend = db.get_database_backend();
    for chunk in rows.chunks(per_statement * 5) {
        let txn = db.begin().await.map_err(|e| e.to_string())?;
        for statement in chunk.chunks(per_statement) {
            let marks = format!("({})", vec!["?"; width].join(", "));
            let text =
                format!("INSERT INTO {table} ({columns}) VALUES {}", vec![marks.as_str(); statement.len()].join(", "));
            let sql = Sql::new(text, statement.iter().flatten().cloned().collect());
            txn.execute_raw(sql.build(backend)).await.map_err(|e| format!("{table}: {e}"))?;
            bar.inc(statement.len() as u64);
        }
        txn.commit().await.map_err(|e| e.to_string())?;
    }
    Ok(())
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

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_deterministic() {
        let (mut a, mut b) = (Rng(7), Rng(7));
        let xs: Vec<u64> = (0..5).map(|_| a.next()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next()).collect();
        assert_eq!(xs, ys);
    }

    #[test]
    fn rings_start_with_one_of_about_200_and_never_overlap() {
        let rings = rings(&mut Rng(1), 100_000);
        assert_eq!(rings[0].len(), 200);
        let mut seen = std::collections::HashSet::new();
        assert!(rings.iter().flatten().all(|m| seen.insert(*m)));
        assert!(rings.iter().all(|r| r.len() >= 2));
    }
}
