//! The small realistic data set `serve --demo` loads into an empty database, and the banner of
//! ready tokens it prints.
//!
//! The story is written through the same services as the API, each step its own transaction, so
//! the demo shows only states the rules reach. Those transactions cannot be joined into one, so
//! the load is made all-or-nothing another way: the story is fitted to the configured windows
//! before anything is written (or refused, naming the window, when a state cannot be shown under
//! it), and a load that still fails half-way empties every table it wrote to (it only runs on an
//! empty database, before this process serves anything).

use std::time::Duration;

use sea_orm::sea_query::{Expr, Query, TableRef};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityName, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::auth::{Claims, Identity, Role, mint_hs256};
use crate::brands::service::NewBrand;
use crate::channel::service as channel;
use crate::config::{AuthConfig, RulesConfig};
use crate::error::AppResult;
use crate::evidence::Evidence;
use crate::graph::Shared;
use crate::ids::{GlobalId, Kind};
use crate::notices::counter_notice::{self, CounterNoticeFiling, CounterNoticeResolution};
use crate::notices::decide::{self, Decision};
use crate::notices::submit::{self, Submission, SubmittedItem};
use crate::notices::withdraw;
use crate::sellers::identifier::Identifier;
use crate::sellers::service::NewSeller;
use crate::states::{CounterNoticeStatus, EvidenceKind, IdentifierKind, NoticeReason, SellerStatus, SubmissionStatus};
use crate::time::{micros_of, now_micros};
use crate::{brands, listings, notices, sellers, trademarks};

const SECOND: i64 = 1_000_000;
const HOUR: i64 = 3_600 * SECOND;
const DAY: i64 = 24 * HOUR;

/// How long the banner's tokens are valid, in hours.
const TOKEN_HOURS: u64 = 24;

/// The shortest `--info-request-window` and `--abuse-suspension` the demo loads under: shorter,
/// and its question waiting for a brand's answer, or its suspended notifier, would be over
/// before the server starts.
const SHORTEST_SHOWN: Duration = Duration::from_secs(1);

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

/// Loads the demo data set when every table it writes to is empty; says whether it did. Writes
/// everything or nothing: a window under which a state cannot be shown is refused before the
/// first write, and a load that fails half-way removes what it wrote before answering the error.
///
/// The data set shows notices open, closed and withdrawn, a trusted brand with an expedited
/// notice, a suspended seller, a reinstated listing, a pending counter-notice, a retraction,
/// appeals reversed and pending, a WARNED and a SUSPENDED notifier, and the channel: an item
/// waiting for its brand's answer, one answered with evidence, one rejected for silence, and a
/// thread.
pub async fn load_demo(shared: &Shared) -> Result<bool, String> {
    if !is_empty(&shared.db).await.map_err(|e| format!("cannot read the database: {e}"))? {
        return Ok(false);
    }
    let timeline = Timeline::new(now_micros(), &shared.rules)?;
    let cast = Cast {
        shared: shared.clone(),
        admin: person(Role::Admin, None, None),
        reviewer: person(Role::Reviewer, None, None),
    };
    let Err(failure) = story(&cast, &timeline).await else {
        return Ok(true);
    };
    let failure = failure.message().to_owned();
    match empty(shared).await {
        Ok(()) => Err(format!("{failure}; the rows written before that were removed: the database is empty again")),
        Err(e) => Err(format!(
            "{failure}; removing the rows written before that failed too ({}): empty the database before trying again",
            e.message()
        )),
    }
}

/// Every table the demo writes to, each before the tables its foreign keys point at: the demo
/// loads only when all are empty, and empties them in this order when it fails.
fn tables() -> [TableRef; 15] {
    [
        entity::statement_of_reasons::Entity.table_ref(),
        entity::evidence::Entity.table_ref(),
        entity::notice_message::Entity.table_ref(),
        entity::appeal::Entity.table_ref(),
        entity::notice_event::Entity.table_ref(),
        entity::strike::Entity.table_ref(),
        entity::counter_notice::Entity.table_ref(),
        entity::notice_item::Entity.table_ref(),
        entity::notice::Entity.table_ref(),
        entity::listing::Entity.table_ref(),
        entity::seller_identifier::Entity.table_ref(),
        entity::seller::Entity.table_ref(),
        entity::seller_cluster::Entity.table_ref(),
        entity::trademark::Entity.table_ref(),
        entity::brand::Entity.table_ref(),
    ]
}

/// Whether every table the demo writes to is empty.
async fn is_empty(db: &DatabaseConnection) -> Result<bool, sea_orm::DbErr> {
    for table in tables() {
        let any = Query::select().expr(Expr::val(1)).from(table).limit(1).to_owned();
        if db.query_one(&any).await?.is_some() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Empties every table the demo writes to, in one transaction, and forgets the deadlines of the
/// questions it asked.
async fn empty(shared: &Shared) -> AppResult<()> {
    let txn = crate::work::begin_write(&shared.db).await?;
    for table in tables() {
        txn.execute(&Query::delete().from_table(table).to_owned()).await?;
    }
    txn.commit().await?;
    channel::learn_deadlines(shared).await
}

// ---------------------------------------------------------------------------------------------
// When the story happens
// ---------------------------------------------------------------------------------------------

/// When each step of the story happens. The story reads as two months ending now. A chapter
/// whose steps must fall within a window (a counter-notice or an appeal after its decision, the
/// decisions a trust tier or a suspension weighs, the strikes a seller's status counts) is
/// shrunk toward now until they do; a step that must outlast a window (a question left
/// unanswered, a warning period) is pushed back past it. The default windows change nothing.
#[derive(Debug, Clone)]
struct Timeline {
    /// The instant the story is told at.
    now: i64,
    /// How long before `now` the brands, sellers and listings appear: before every chapter.
    setup_age: i64,
    /// Scale of Aurelia's chapter (its decisions, expedited notice, appeals and retraction), to
    /// fit the appeal window, the trust window and the strike TTL.
    aurelia: f64,
    /// Scale of the counter-notice chapters, to fit the counter-notice window.
    counter: f64,
    /// Scale of the question Kirin answered, to fit the info-request window.
    answered: f64,
    /// How long before `now` Northwind was asked the question it never answered: past the window.
    silence_age: i64,
    /// The notifiers' chapter, counted back from the instant it is written at; `None` when the
    /// rules ask for more decisions than the demo makes (the notifiers are then left out).
    notifiers: Option<NotifierTimes>,
}

/// When the notifiers' decisions happen, as ages before the instant their chapter is written.
#[derive(Debug, Clone)]
struct NotifierTimes {
    /// Decisions that make a brand WARNED (`--abuse-min-decided`).
    needed: usize,
    /// Between two decisions: a round of them fits well inside the abuse window.
    step: i64,
    /// The decision that warns both brands.
    warn_age: i64,
    /// The last decision, which suspends Brightstone: the suspension is still on when the load ends.
    suspend_age: i64,
    /// Decisions after the warning: one while the first round is still in the abuse window at
    /// that time, else a round of its own.
    extra: usize,
    /// The notices both brands submit.
    notice_age: i64,
}

/// Aurelia's chapter spans 47 days, from its first notice to the last appeal.
const AURELIA_SPAN: i64 = 48 * DAY;
/// A counter-notice follows its removal by 2 days: it fits half the window.
const COUNTER_SPAN: i64 = 4 * DAY;
/// Kirin answers 10 hours after the question: it fits half the window.
const ANSWER_SPAN: i64 = 20 * HOUR;

/// How much a chapter whose steps must fit in `window` over `span` is shrunk (1: not at all).
fn shrink(window: Duration, span: i64) -> f64 {
    (micros_of(window) as f64 / span as f64).min(1.0)
}

/// `window` for a message: `1h 30m`.
fn shown(window: Duration) -> humantime::FormattedDuration {
    humantime::format_duration(window)
}

impl Timeline {
    /// The story's timeline at `now` under `rules`, or why a state of the story cannot be shown
    /// under them (naming the flag and the least it needs).
    fn new(now: i64, rules: &RulesConfig) -> Result<Self, String> {
        let refuse = |flag: &str, window: Duration, what: &str| {
            Err(format!(
                "{flag} is {}: the demo needs at least {} to show {what} when the server starts; nothing was written",
                shown(window),
                shown(SHORTEST_SHOWN)
            ))
        };
        if rules.info_request_window < SHORTEST_SHOWN {
            return refuse(
                "--info-request-window",
                rules.info_request_window,
                "a question waiting for a brand's answer",
            );
        }
        let notifiers = NotifierTimes::new(rules);
        if notifiers.is_some() && rules.abuse_suspension < SHORTEST_SHOWN {
            return refuse("--abuse-suspension", rules.abuse_suspension, "a notifier suspended for abuse");
        }
        let aurelia = shrink(rules.appeal_window.min(rules.trust_window).min(rules.strike_ttl), AURELIA_SPAN);
        let silence_age = (11 * DAY).max(micros_of(rules.info_request_window).saturating_add(DAY));
        let setup_age = (60 * DAY)
            .max(silence_age + 2 * DAY)
            .max(notifiers.as_ref().map_or(0, |n| n.notice_age.saturating_add(3 * DAY)));
        Ok(Self {
            now,
            setup_age,
            aurelia,
            counter: shrink(rules.counter_notice_window, COUNTER_SPAN),
            answered: shrink(rules.info_request_window, ANSWER_SPAN),
            silence_age,
            notifiers,
        })
    }

    /// The instant `age` before now, shrunk by `scale`.
    fn ago(&self, age: i64, scale: f64) -> i64 {
        self.now - (age as f64 * scale).round() as i64
    }

    /// When the brands, sellers and listings appear.
    fn setup(&self) -> i64 {
        self.now - self.setup_age
    }
}

impl NotifierTimes {
    /// The notifiers' chapter under `rules`; `None` when they ask for more decisions than the
    /// demo makes.
    fn new(rules: &RulesConfig) -> Option<Self> {
        let needed = rules.abuse_min_decided.max(1) as usize;
        if needed > 100 {
            return None;
        }
        let rounds = i64::try_from(needed).unwrap_or(100);
        let step = HOUR.min(micros_of(rules.abuse_window) / (4 * rounds));
        let suspend_age = (13 * DAY - HOUR).min(micros_of(rules.abuse_suspension) / 2);
        let warning = micros_of(rules.abuse_warning_period);
        let warn_age = suspend_age.saturating_add(warning).saturating_add(step);
        let first_round_kept = warning.saturating_add(rounds * step) < micros_of(rules.abuse_window);
        let extra = if first_round_kept { 1 } else { needed };
        let notice_age = warn_age.saturating_add(rounds * step).saturating_add(HOUR);
        Some(Self { needed, step, warn_age, suspend_age, extra, notice_age })
    }

    /// Age of decision `k` of the first round (the last one warns).
    fn warning_round(&self, k: usize) -> i64 {
        self.warn_age + (self.needed - 1 - k) as i64 * self.step
    }

    /// Age of decision `k` after the warning (the last one suspends).
    fn suspension_round(&self, k: usize) -> i64 {
        self.suspend_age + (self.extra - 1 - k) as i64 * self.step
    }
}

// ---------------------------------------------------------------------------------------------
// The story
// ---------------------------------------------------------------------------------------------

/// The demo's cast, as the workflow sees it.
struct Cast {
    shared: Shared,
    admin: Identity,
    reviewer: Identity,
}

fn person(role: Role, brand: Option<i64>, seller: Option<i64>) -> Identity {
    Identity { subject: format!("demo-{}", role.as_str().to_lowercase()), role, brand_id: brand, seller_id: seller }
}

/// A reviewer's removal of `item`.
fn removal(item: i64) -> Decision {
    Decision { item, remove: true, reason: None }
}

async fn story(c: &Cast, t: &Timeline) -> AppResult<()> {
    let s = &c.shared;
    let start = t.setup();
    let aurelia = brands::service::create(s, &c.admin, start, NewBrand::new("Aurelia Watches", "CH")?).await?.id;
    let northwind = brands::service::create(s, &c.admin, start, NewBrand::new("Northwind Outdoor", "US")?).await?.id;
    let kirin = brands::service::create(s, &c.admin, start, NewBrand::new("Kirin Audio", "JP")?).await?.id;
    let mark = |brand: i64, mark: &str, number: &str, jurisdiction: &str, classes: Vec<i32>| {
        trademarks::service::Registration::new(
            brand,
            mark,
            number,
            jurisdiction,
            &classes,
            chrono::NaiveDate::from_ymd_opt(2031, 6, 30),
        )
    };
    let mut verified = Vec::new();
    for (registration, approve) in [
        (mark(aurelia, "AURELIA", "US-5123456", "US", vec![14]), Some(true)),
        (mark(aurelia, "AURELIA", "018234567", "EM", vec![14, 35]), Some(true)),
        (mark(aurelia, "AURELIA CHRONO", "CH-734512", "CH", vec![14]), None),
        (mark(northwind, "NORTHWIND", "US-4987001", "US", vec![18, 25]), Some(true)),
        (mark(northwind, "NORTHWIND", "1502233", "WO", vec![25]), Some(true)),
        (mark(northwind, "NORTHWYND", "CN-9911", "CN", vec![25]), Some(false)),
        (mark(kirin, "KIRIN", "JP-2019-088812", "JP", vec![9]), Some(true)),
        (mark(kirin, "KIRIN", "CN-33120987", "CN", vec![9]), Some(true)),
    ] {
        let tm = trademarks::service::register(s, &c.admin, start, registration?).await?;
        if let Some(approve) = approve {
            let tm = trademarks::service::verify(s, &c.reviewer, tm.id, approve).await?;
            if approve {
                verified.push(tm);
            }
        }
    }
    let tm = |brand: i64| verified.iter().find(|t| t.brand_id == brand).map(|t| t.id).unwrap_or_default();
    let sellers = [
        ("luxtime-outlet", "LuxTime Outlet", "CN"),
        ("watchdeals-24", "Watch Deals 24", "CN"),
        ("chrono-bazaar", "Chrono Bazaar", "CN"),
        ("trail-gear-direct", "Trail Gear Direct", "US"),
        ("soundwave-store", "Soundwave Store", "HK"),
        ("bargain-audio", "Bargain Audio", "HK"),
        ("alpine-supply", "Alpine Supply Co", "DE"),
        ("gadget-hub-sz", "Gadget Hub Shenzhen", "CN"),
    ];
    let mut seller_ids = Vec::new();
    for (handle, name, country) in sellers {
        seller_ids
            .push(sellers::service::register(s, &c.admin, start, NewSeller::new(handle, name, country)?).await?.id);
    }
    // Rings: the watch sellers share a payment account and one mailbox in two spellings; the
    // audio sellers a phone and an address.
    for (i, kind, value) in [
        (0, IdentifierKind::PaymentAccount, "CN-ALIPAY-88120031"),
        (1, IdentifierKind::PaymentAccount, "cn-alipay-88120031"),
        (1, IdentifierKind::Email, "watch.deals24+shop@gmail.com"),
        (2, IdentifierKind::Email, "WatchDeals24@googlemail.com"),
        (4, IdentifierKind::Phone, "+852 9123 4567"),
        (5, IdentifierKind::Phone, "852-9123-4567"),
        (5, IdentifierKind::Address, "12 Nathan Road, Kowloon, Hong Kong"),
        (7, IdentifierKind::Address, "12 nathan road  kowloon hong kong"),
        (3, IdentifierKind::Email, "sales@trailgear.example"),
    ] {
        let identifier = Identifier::parse(kind, value, "value")?;
        sellers::service::add_identifier(s, &c.admin, start, seller_ids[i], identifier).await?;
    }
    let mut listings: Vec<(usize, i64)> = Vec::new();
    let titles = ["replica chronograph 42mm", "automatic diver watch", "luxury steel watch", "classic leather watch"];
    for n in 0..24 {
        let seller = [0, 0, 0, 1, 1, 2, 2, 7][n % 8];
        let title = format!("AURELIA style {} #{n}", titles[n % titles.len()]);
        listings.push((seller, listing(c, seller_ids[seller], &title, "89.00", "USD", start).await?));
    }
    let outdoor = [
        listing(c, seller_ids[3], "Northwind storm jacket 2026", "79.00", "USD", start).await?,
        listing(c, seller_ids[3], "Waterproof hiking boots", "64.00", "USD", start).await?,
        listing(c, seller_ids[6], "Alpine down parka", "120.00", "EUR", start).await?,
    ];
    let audio = [
        listing(c, seller_ids[4], "Kirin Pro wireless earbuds", "19.99", "USD", start).await?,
        listing(c, seller_ids[5], "KIRIN studio headphones OEM", "35.00", "USD", start).await?,
        listing(c, seller_ids[5], "Kirin style bluetooth speaker", "25.00", "USD", start).await?,
    ];
    let backpack = listing(c, seller_ids[6], "Northwind trail backpack 40L", "49.00", "EUR", start).await?;
    let aurelia_agent = person(Role::BrandAgent, Some(aurelia), None);
    let northwind_agent = person(Role::BrandAgent, Some(northwind), None);
    let kirin_agent = person(Role::BrandAgent, Some(kirin), None);

    // Aurelia's big notice: 21 removals and 1 rejection make it TRUSTED.
    let at = |age: i64| t.ago(age, t.aurelia);
    let big: Vec<i64> = listings.iter().take(22).map(|l| l.1).collect();
    let notice = submit(c, &aurelia_agent, aurelia, tm(aurelia), &big, at(59 * DAY)).await?;
    let items = items_of(&c.shared, notice).await?;
    for (k, item) in items.iter().enumerate() {
        let reject = k == 5;
        let reason = reject.then(|| "The listing shows a generic watch without the mark".to_owned());
        let decision = Decision { item: *item, remove: !reject, reason };
        decide::decide(s, &c.reviewer, at(58 * DAY - k as i64 * HOUR), decision).await?;
    }
    // Trusted now: the next notice is expedited and removed at once by SYSTEM.
    let rest: Vec<i64> = listings.iter().skip(22).map(|l| l.1).collect();
    submit(c, &aurelia_agent, aurelia, tm(aurelia), &rest, at(20 * DAY)).await?;
    // Appeals: Aurelia appealed its one rejection and a second person reversed it into a
    // removal; a seller's appeal of another removal waits for a reviewer.
    let appeal = notices::appeal::FileAppeal {
        item: items[5],
        statement: "The listing photos show our mark on the dial; the reviewer missed it.".into(),
    };
    let filed = notices::appeal::file(s, &aurelia_agent, at(18 * DAY), appeal).await?;
    let verdict = notices::appeal::ResolveAppeal {
        appeal: filed.id,
        reverse: true,
        reason: "The mark is visible on the second photo.".into(),
    };
    notices::appeal::resolve(s, &c.admin, at(17 * DAY), verdict).await?;
    // Aurelia finds one removal was wrong and retracts it: the listing is back, the strike voided;
    // with 1 reinstatement in 21 removals Aurelia stays TRUSTED.
    let retraction = notices::retract::Retraction {
        item: items[3],
        reason: "Our distributor confirmed this seller bought the watches from us.".into(),
    };
    notices::retract::retract(s, &aurelia_agent, at(15 * DAY), retraction).await?;
    let appealed = entity::notice_item::Entity::find_by_id(items[7]).one(&c.shared.db).await?;
    if let Some(appealed) = appealed {
        let seller = person(Role::Seller, None, Some(appealed.seller_id));
        let appeal = notices::appeal::FileAppeal {
            item: appealed.id,
            statement: "This is a genuine watch bought from an authorized dealer; receipt available.".into(),
        };
        notices::appeal::file(s, &seller, at(12 * DAY), appeal).await?;
    }

    // Northwind: one removal reinstated after a counter-notice, one rejection: CLOSED.
    let at = |age: i64| t.ago(age, t.counter);
    let notice = submit(c, &northwind_agent, northwind, tm(northwind), &outdoor[..2], at(30 * DAY)).await?;
    let items = items_of(&c.shared, notice).await?;
    decide::decide(s, &c.reviewer, at(29 * DAY), removal(items[0])).await?;
    let rejection = Decision { item: items[1], remove: false, reason: Some("Different product line".to_owned()) };
    decide::decide(s, &c.reviewer, at(29 * DAY), rejection).await?;
    let trail = person(Role::Seller, None, Some(seller_ids[3]));
    let statement = "We are an authorized Northwind reseller; invoice attached.".to_owned();
    let filing = CounterNoticeFiling { item: items[0], statement };
    let cn = counter_notice::file_counter_notice(s, &trail, at(27 * DAY), filing).await?;
    let resolution =
        CounterNoticeResolution { counter_notice: cn.id, reinstate: true, reason: Some("Invoice verified".into()) };
    counter_notice::resolve_counter_notice(s, &c.reviewer, at(25 * DAY), resolution).await?;

    // Kirin: one removal answered by a counter-notice still pending.
    let notice = submit(c, &kirin_agent, kirin, tm(kirin), &audio[2..], at(4 * DAY)).await?;
    let items = items_of(&c.shared, notice).await?;
    decide::decide(s, &c.reviewer, at(3 * DAY), removal(items[0])).await?;
    let bargain = person(Role::Seller, None, Some(seller_ids[5]));
    let statement = "This speaker is our own design and carries no Kirin mark.".to_owned();
    let filing = CounterNoticeFiling { item: items[0], statement };
    counter_notice::file_counter_notice(s, &bargain, at(2 * DAY), filing).await?;

    // Northwind: a notice withdrawn before any decision.
    let at = |age: i64| t.ago(age, 1.0);
    let notice = submit(c, &northwind_agent, northwind, tm(northwind), &outdoor[2..], at(6 * DAY)).await?;
    withdraw::withdraw(s, &northwind_agent, at(5 * DAY), notice).await?;

    // The channel. On Kirin's open notice a reviewer asked about the earbuds and Kirin answered
    // with a test buy (the notice heads the queue); both sides wrote to the thread; the question
    // about the headphones, which waits for Kirin's answer, comes last (`waiting_question`).
    let kirin_notice = submit(c, &kirin_agent, kirin, tm(kirin), &audio[..2], at(DAY)).await?;
    let items = items_of(&c.shared, kirin_notice).await?;
    let question = "Is the OEM listing a counterfeit or a grey import? Please send a test-buy report.";
    channel::request_information(s, &c.reviewer, t.ago(20 * HOUR, t.answered), ask(items[0], question)).await?;
    let evidence = vec![
        Evidence {
            kind: EvidenceKind::TestBuy,
            url: None,
            sha256: None,
            order_number: Some("KR-2026-11-0931".into()),
            note: Some("Bought on the marketplace and checked by our lab".into()),
        },
        Evidence {
            kind: EvidenceKind::Document,
            url: Some("https://kirin-audio.example/ip/lab-report-0931.pdf".into()),
            sha256: Some("5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef".into()),
            order_number: None,
            note: None,
        },
    ];
    let answer = "Our test buy arrived without the Kirin serial and with a fake hologram; lab report attached.";
    let provided = channel::ProvideInformation { item: items[0], answer: answer.into(), evidence };
    channel::provide_information(s, &kirin_agent, t.ago(10 * HOUR, t.answered), provided).await?;
    let body = "We can also send test buys for the seller's other listings if that helps.";
    let message = channel::PostMessage { notice: kirin_notice, body: body.into() };
    channel::post_message(s, &kirin_agent, at(5 * HOUR), message).await?;
    // Northwind never answered about the backpack: SYSTEM rejected it at the deadline.
    let notice = submit(c, &northwind_agent, northwind, tm(northwind), &[backpack], at(t.silence_age + DAY)).await?;
    let silent = items_of(&c.shared, notice).await?;
    let question = "The photos show no Northwind mark. Which registered mark does this listing infringe?";
    channel::request_information(s, &c.reviewer, at(t.silence_age), ask(silent[0], question)).await?;
    channel::settle_due(s, t.now, true).await?;
    notifiers(c, t, &seller_ids).await?;
    waiting_question(c, items[1]).await
}

fn ask(item: i64, question: &str) -> channel::RequestInformation {
    channel::RequestInformation { item, question: question.into() }
}

/// The reviewer's question about Kirin's headphones, asked last and as late as the window allows,
/// so that it still waits for Kirin's answer when the server starts, also under a short window.
async fn waiting_question(c: &Cast, item: i64) -> AppResult<()> {
    let window = micros_of(c.shared.rules.info_request_window);
    let asked = now_micros() - (6 * HOUR).min(window / 8);
    let question = "Please send the registration certificate that covers headphones (class 9).";
    channel::request_information(&c.shared, &c.reviewer, asked, ask(item, question)).await?;
    Ok(())
}

/// Two brands whose notices reviewers kept rejecting (DSA Article 23): Lumen Lifestyle is
/// WARNED, Brightstone Tools was warned and, rejected again past the warning period, SUSPENDED.
/// The number of items follows the configured rules; a configuration that asks for more than
/// the demo holds leaves both brands out. Told as of the moment it is written, so that the
/// suspension is still on when the load ends.
async fn notifiers(c: &Cast, t: &Timeline, seller_ids: &[i64]) -> AppResult<()> {
    let s = &c.shared;
    let Some(times) = &t.notifiers else { return Ok(()) };
    // Sellers that may still list (the story suspended and terminated some).
    let mut listers = Vec::new();
    for id in seller_ids {
        if let Some(seller) = entity::seller::Entity::find_by_id(*id).one(&s.db).await?
            && (seller.status == SellerStatus::Active || seller.status == SellerStatus::Warned)
        {
            listers.push(seller.id);
        }
    }
    if listers.is_empty() {
        return Ok(());
    }
    let end = now_micros().max(t.now);
    let reason = || Some("The listing shows an unbranded product; no mark of the brand is used.".to_owned());
    for (name, country, suspend) in [("Lumen Lifestyle", "FR", false), ("Brightstone Tools", "DE", true)] {
        let created = end - times.notice_age - 2 * DAY;
        let brand = brands::service::create(s, &c.admin, created, NewBrand::new(name, country)?).await?.id;
        let word = name.split(' ').next().unwrap_or(name).to_uppercase();
        let number = format!("EM-0189{brand}");
        let registration = trademarks::service::Registration::new(brand, &word, &number, "EM", &[21], None)?;
        let mark = trademarks::service::register(s, &c.admin, created, registration).await?.id;
        trademarks::service::verify(s, &c.reviewer, mark, true).await?;
        let count = times.needed + if suspend { times.extra } else { 0 };
        let mut listed = Vec::with_capacity(count);
        for n in 0..count {
            let title = format!("{} style home accessory #{n}", word.to_lowercase());
            let lister = listers[n % listers.len()];
            listed.push(listing(c, lister, &title, "12.50", "EUR", end - times.notice_age - DAY).await?);
        }
        let agent = person(Role::BrandAgent, Some(brand), None);
        let notice = submit(c, &agent, brand, mark, &listed, end - times.notice_age).await?;
        let items = items_of(s, notice).await?;
        for (k, item) in items.iter().enumerate() {
            let age = match k.checked_sub(times.needed) {
                None => times.warning_round(k),
                Some(after) => times.suspension_round(after),
            };
            decide::decide(s, &c.reviewer, end - age, Decision { item: *item, remove: false, reason: reason() })
                .await?;
        }
    }
    Ok(())
}

async fn listing(c: &Cast, seller: i64, title: &str, amount: &str, currency: &str, at: i64) -> AppResult<i64> {
    // The title is unique in the demo, and so is the address made of it.
    let url = format!(
        "https://marketplace.example/item/{}",
        title
            .to_lowercase()
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join("-")
    );
    let new = listings::service::NewListing::new(seller, title, &url, amount, currency)?;
    Ok(listings::service::create(&c.shared, &c.admin, at, new).await?.id)
}

async fn submit(c: &Cast, agent: &Identity, brand: i64, trademark: i64, listings: &[i64], at: i64) -> AppResult<i64> {
    let submission = Submission {
        brand,
        reason: NoticeReason::Counterfeit,
        explanation: "These listings offer counterfeit goods bearing our registered mark.".into(),
        // A screenshot of each listing, as brands file them.
        items: listings
            .iter()
            .map(|&listing| SubmittedItem {
                listing,
                trademark,
                evidence: vec![Evidence {
                    kind: EvidenceKind::Screenshot,
                    url: Some(format!("https://evidence.example/demo/{brand}/listing-{listing}.png")),
                    sha256: Some(format!("{:064x}", listing * 7_919 + brand)),
                    order_number: None,
                    note: Some("The mark on the product photo".into()),
                }],
            })
            .collect(),
        by_url: Vec::new(),
        idempotency_key: None,
    };
    Ok(submit::submit(&c.shared, agent, at, submission).await?.id)
}

async fn items_of(shared: &Shared, notice: i64) -> AppResult<Vec<i64>> {
    Ok(entity::notice_item::Entity::find()
        .filter(entity::notice_item::Column::NoticeId.eq(notice))
        .order_by_asc(entity::notice_item::Column::Id)
        .all(&shared.db)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect())
}

// ---------------------------------------------------------------------------------------------
// The banner
// ---------------------------------------------------------------------------------------------

/// Where the HS256 key of the banner's tokens comes from, which decides what the banner may say
/// about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOrigin {
    /// Generated for this run: shown, since it dies with the process and `token` needs it.
    Generated,
    /// Supplied by whoever runs the server: never echoed.
    Supplied,
}

/// The banner `serve --demo` prints: a ready token per role, each with whom it acts for (the
/// brand's name, the seller's handle and status), and the command that makes more while the
/// server runs, with `program` (the path this process was started as: no rebuild, and the same
/// build). Tokens are signed with `auth`'s secret and carry its issuer and audience.
pub async fn banner(
    db: &DatabaseConnection,
    auth: &AuthConfig,
    origin: KeyOrigin,
    program: &str,
) -> Result<String, String> {
    banner_with_console(db, auth, origin, program, None).await
}

/// `banner`, with under each token the console link that signs it in on the server at `server`
/// (`http://ADDR`): `/console#token=…`, a fragment, which the browser never sends to the server.
pub async fn banner_with_console(
    db: &DatabaseConnection,
    auth: &AuthConfig,
    origin: KeyOrigin,
    program: &str,
    server: Option<&str>,
) -> Result<String, String> {
    let Some(secret) = auth.jwt_secret.as_deref() else {
        return Ok("tokens: this server only accepts tokens for RIGHTSGRAPH_JWT_PUBLIC_KEY; \
                   get them from your identity provider\n"
            .into());
    };
    let read = |e: sea_orm::DbErr| format!("cannot read the demo data for its tokens: {e}");
    let (brand, other_brand) = brands_for_tokens(db).await.map_err(read)?;
    let seller = seller_for_tokens(db).await.map_err(read)?;
    let ttl = Duration::from_secs(TOKEN_HOURS * 3600);
    let mut rows: Vec<(String, String)> = Vec::new();
    for role in [Role::Admin, Role::Reviewer, Role::Analyst, Role::BrandAgent, Role::Seller] {
        // Not the story's `demo-reviewer`: whoever made a decision may not review the appeal
        // against it, and the demo's pending appeal is against one of its decisions.
        let mut claims = Claims::new(&format!("visitor-{}", role.as_str().to_lowercase()), role, ttl);
        claims.iss = auth.jwt_issuer.clone();
        claims.aud = auth.jwt_audience.clone();
        let whose = match role {
            Role::BrandAgent => {
                let Some(b) = &brand else { continue };
                let id = GlobalId::new(Kind::Brand, b.id).to_string();
                claims.brand_id = Some(id.clone());
                format!(" for brand \"{}\" ({id})", b.name)
            }
            Role::Seller => {
                let Some(s) = &seller else { continue };
                let id = GlobalId::new(Kind::Seller, s.id).to_string();
                claims.seller_id = Some(id.clone());
                format!(" as seller {}, {} ({id})", s.handle, s.status)
            }
            _ => String::new(),
        };
        rows.push((format!("{}{whose}", role.as_str()), mint_hs256(secret, &claims)?));
    }
    let width = rows.iter().map(|(label, _)| label.chars().count()).max().unwrap_or(0);
    let mut text = format!("tokens, valid {TOKEN_HOURS}h (send as Authorization: Bearer TOKEN):\n");
    for (label, token) in &rows {
        text.push_str(&format!("  {label:<width$}  {token}\n"));
        if let Some(server) = server {
            text.push_str(&format!("  {:>width$}  {server}/console#token={token}\n", "console"));
        }
    }
    text.push_str(&more_tokens(auth, secret, origin, program, other_brand.as_ref()));
    Ok(text)
}

/// How to mint more tokens for the running server: the `token` command, for another brand's
/// agent when there is one.
fn more_tokens(
    auth: &AuthConfig,
    secret: &str,
    origin: KeyOrigin,
    program: &str,
    brand: Option<&entity::brand::Model>,
) -> String {
    let (example, role) = match brand {
        Some(b) => (
            format!(", e.g. for an agent of \"{}\"", b.name),
            format!("BRAND_AGENT --brand {}", GlobalId::new(Kind::Brand, b.id)),
        ),
        None => (String::new(), "ADMIN".to_owned()),
    };
    let mut command = format!("{} token --role {role} --ttl {TOKEN_HOURS}h", shell_word(program));
    for (flag, value) in [("--jwt-issuer", &auth.jwt_issuer), ("--jwt-audience", &auth.jwt_audience)] {
        if let Some(value) = value {
            command.push_str(&format!(" {flag} {}", shell_word(value)));
        }
    }
    let (when, command) = match origin {
        KeyOrigin::Generated => {
            (" while this server runs", format!("RIGHTSGRAPH_JWT_SECRET={} {command}", shell_word(secret)))
        }
        KeyOrigin::Supplied => (" (with RIGHTSGRAPH_JWT_SECRET or --jwt-secret as for this server)", command),
    };
    format!(
        "more tokens{when}{example}:\n  {command}\n  \
         (--role ADMIN, REVIEWER, ANALYST, BRAND_AGENT --brand ID or SELLER --seller ID; ids as the API gives them)\n"
    )
}

/// `word` as one shell word: as it is when it holds nothing the shell reads, else single-quoted.
fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_.,:/@%+=".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The brand whose agent the banner's token acts for (the first that may submit notices, else
/// the first), and another one for the example of `token`.
async fn brands_for_tokens(
    db: &DatabaseConnection,
) -> Result<(Option<entity::brand::Model>, Option<entity::brand::Model>), sea_orm::DbErr> {
    use entity::brand::{Column, Entity};
    let mut free = Entity::find()
        .filter(Column::SubmissionStatus.ne(SubmissionStatus::Suspended))
        .order_by_asc(Column::Id)
        .limit(2)
        .all(db)
        .await?
        .into_iter();
    let acting = match free.next() {
        Some(brand) => Some(brand),
        None => Entity::find().order_by_asc(Column::Id).one(db).await?,
    };
    Ok((acting, free.next()))
}

/// The seller the banner's token acts for: one that may still act (ACTIVE or WARNED), rather one
/// with a counter-notice waiting for review (it has the most to see), else the first seller.
async fn seller_for_tokens(db: &DatabaseConnection) -> Result<Option<entity::seller::Model>, sea_orm::DbErr> {
    use entity::seller::{Column, Entity};
    use sea_orm::sea_query::ExprTrait;
    let may_act = [SellerStatus::Active, SellerStatus::Warned];
    let countering = Query::select()
        .column(entity::counter_notice::Column::SellerId)
        .from(entity::counter_notice::Entity)
        .and_where(entity::counter_notice::Column::Status.eq(CounterNoticeStatus::Pending))
        .to_owned();
    let with_case = Entity::find()
        .filter(Column::Status.is_in(may_act))
        .filter(Expr::col(Column::Id).in_subquery(countering))
        .order_by_asc(Column::Id)
        .one(db)
        .await?;
    if with_case.is_some() {
        return Ok(with_case);
    }
    let active = Entity::find().filter(Column::Status.is_in(may_act)).order_by_asc(Column::Id).one(db).await?;
    if active.is_some() {
        return Ok(active);
    }
    Entity::find().order_by_asc(Column::Id).one(db).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_windows_leave_the_story_as_told() {
        let t = Timeline::new(100 * 365 * DAY, &RulesConfig::default()).expect("the defaults fit");
        assert_eq!((t.aurelia, t.counter, t.answered), (1.0, 1.0, 1.0));
        assert_eq!((t.setup_age, t.silence_age), (60 * DAY, 11 * DAY));
        let notifiers = t.notifiers.expect("the notifiers are in");
        assert_eq!((notifiers.needed, notifiers.extra, notifiers.step), (20, 1, HOUR));
    }

    #[test]
    fn a_short_window_shrinks_only_the_chapter_that_must_fit_in_it() {
        let rules = RulesConfig { counter_notice_window: Duration::from_secs(3600), ..RulesConfig::default() };
        let t = Timeline::new(100 * 365 * DAY, &rules).expect("fits");
        // The counter-notice comes 2 days after its removal at scale 1: half the window now.
        assert_eq!(t.ago(29 * DAY, t.counter) - t.ago(27 * DAY, t.counter), -30 * 60 * SECOND);
        assert_eq!((t.aurelia, t.answered), (1.0, 1.0));
    }

    #[test]
    fn a_long_window_pushes_the_unanswered_question_and_the_warning_back() {
        let rules = RulesConfig {
            info_request_window: Duration::from_secs(40 * 86_400),
            abuse_warning_period: Duration::from_secs(200 * 86_400),
            ..RulesConfig::default()
        };
        let t = Timeline::new(100 * 365 * DAY, &rules).expect("fits");
        assert_eq!(t.silence_age, 41 * DAY);
        let notifiers = t.notifiers.clone().expect("the notifiers are in");
        assert!(notifiers.warn_age - notifiers.suspend_age >= 200 * DAY, "{t:?}");
        // The warning round has left the abuse window (90 days) by the time of the suspension.
        assert_eq!(notifiers.extra, notifiers.needed);
        assert!(t.setup_age > notifiers.notice_age && t.setup_age > t.silence_age + DAY, "{t:?}");
    }

    #[test]
    fn a_window_too_short_to_show_its_state_is_refused_by_name() {
        let rules = RulesConfig { info_request_window: Duration::from_millis(500), ..RulesConfig::default() };
        let refused = Timeline::new(0, &rules).expect_err("too short");
        assert!(refused.starts_with("--info-request-window is 500ms: the demo needs at least 1s"), "{refused}");
        let rules = RulesConfig { abuse_suspension: Duration::ZERO, ..RulesConfig::default() };
        let refused = Timeline::new(0, &rules).expect_err("too short");
        assert!(refused.starts_with("--abuse-suspension is 0s: the demo needs at least 1s"), "{refused}");
    }

    #[test]
    fn shell_words_are_quoted_only_when_the_shell_would_read_them() {
        assert_eq!(shell_word("9f3a0c"), "9f3a0c");
        assert_eq!(shell_word("https://id.example/"), "https://id.example/");
        assert_eq!(shell_word("my issuer"), "'my issuer'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
    }
}
