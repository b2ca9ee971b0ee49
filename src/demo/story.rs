//! The story: a small registry written through the same services as the API, each step its own
//! transaction, so that the demo shows only states the rules reach.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::auth::{Identity, Role};
use crate::brands::service::NewBrand;
use crate::channel::service as channel;
use crate::error::AppResult;
use crate::evidence::Evidence;
use crate::graph::Shared;
use crate::ids::Key;
use crate::notices::counter_notice::{self, CounterNoticeFiling, CounterNoticeResolution};
use crate::notices::decide::{self, Decision};
use crate::notices::submit::{self, Submission, SubmittedItem};
use crate::notices::withdraw;
use crate::sellers::identifier::Identifier;
use crate::sellers::service::NewSeller;
use crate::states::{EvidenceKind, IdentifierKind, NoticeReason, SellerStatus};
use crate::time::{micros_of, now_micros};
use crate::{brands, listings, notices, sellers, trademarks};

use super::timeline::{DAY, HOUR, Timeline};

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
    Decision { item: Key::of(item), remove: true, reason: None }
}

/// Tells the story into `shared`'s database at the times of `t`.
pub(super) async fn tell(shared: &Shared, t: &Timeline) -> AppResult<()> {
    let cast = Cast {
        shared: shared.clone(),
        admin: person(Role::Admin, None, None),
        reviewer: person(Role::Reviewer, None, None),
    };
    story(&cast, t).await
}

/// What the story's chapters act on: the brands with a verified mark each, the sellers, and the
/// listings by line of goods.
struct Registry {
    aurelia: (i64, i64),
    northwind: (i64, i64),
    kirin: (i64, i64),
    sellers: Vec<i64>,
    watches: Vec<i64>,
    outdoor: [i64; 3],
    audio: [i64; 3],
    backpack: i64,
}

async fn story(c: &Cast, t: &Timeline) -> AppResult<()> {
    let reg = registry(c, t).await?;
    aurelia(c, t, &reg).await?;
    counter_notices(c, t, &reg).await?;
    channel_story(c, t, &reg).await
}

/// The sellers, and the identifiers their rings share.
async fn sellers(c: &Cast, start: i64) -> AppResult<Vec<i64>> {
    let s = &c.shared;
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
        sellers::service::add_identifier(s, &c.admin, start, Key::of(seller_ids[i]), identifier).await?;
    }
    Ok(seller_ids)
}

/// The brands, their marks (most verified), the sellers with the identifiers their rings share,
/// and the listings.
async fn registry(c: &Cast, t: &Timeline) -> AppResult<Registry> {
    let s = &c.shared;
    let start = t.setup();
    let aurelia = brands::service::create(s, &c.admin, start, NewBrand::new("Aurelia Watches", "CH")?).await?.id;
    let northwind = brands::service::create(s, &c.admin, start, NewBrand::new("Northwind Outdoor", "US")?).await?.id;
    let kirin = brands::service::create(s, &c.admin, start, NewBrand::new("Kirin Audio", "JP")?).await?.id;
    let mark = |brand: i64, mark: &str, number: &str, jurisdiction: &str, classes: Vec<i32>| {
        trademarks::service::Registration::new(
            Key::of(brand),
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
            let tm = trademarks::service::verify(s, &c.reviewer, Key::of(tm.id), approve).await?;
            if approve {
                verified.push(tm);
            }
        }
    }
    let seller_ids = sellers(c, start).await?;
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

    let tm = |brand: i64| verified.iter().find(|t| t.brand_id == brand).map(|t| t.id).unwrap_or_default();
    Ok(Registry {
        aurelia: (aurelia, tm(aurelia)),
        northwind: (northwind, tm(northwind)),
        kirin: (kirin, tm(kirin)),
        sellers: seller_ids,
        watches: listings.iter().map(|l| l.1).collect(),
        outdoor,
        audio,
        backpack,
    })
}

/// Aurelia's big notice makes it TRUSTED; then an expedited notice, appeals and a retraction.
async fn aurelia(c: &Cast, t: &Timeline, reg: &Registry) -> AppResult<()> {
    let s = &c.shared;
    let (aurelia, mark) = reg.aurelia;
    let aurelia_agent = person(Role::BrandAgent, Some(aurelia), None);
    // Aurelia's big notice: 21 removals and 1 rejection make it TRUSTED.
    let at = |age: i64| t.ago(age, t.aurelia);
    let big: Vec<i64> = reg.watches.iter().take(22).copied().collect();
    let notice = submit(c, &aurelia_agent, aurelia, mark, &big, at(59 * DAY)).await?;
    let items = items_of(&c.shared, notice).await?;
    for (k, item) in items.iter().enumerate() {
        let reject = k == 5;
        let reason = reject.then(|| "The listing shows a generic watch without the mark".to_owned());
        let decision = Decision { item: Key::of(*item), remove: !reject, reason };
        decide::decide(s, &c.reviewer, at(58 * DAY - k as i64 * HOUR), decision).await?;
    }
    // Trusted now: the next notice is expedited and removed at once by SYSTEM.
    let rest: Vec<i64> = reg.watches.iter().skip(22).copied().collect();
    submit(c, &aurelia_agent, aurelia, mark, &rest, at(20 * DAY)).await?;
    // Appeals: Aurelia appealed its one rejection and a second person reversed it into a
    // removal; a seller's appeal of another removal waits for a reviewer.
    let appeal = notices::appeal::FileAppeal {
        item: Key::of(items[5]),
        statement: "The listing photos show our mark on the dial; the reviewer missed it.".into(),
    };
    let filed = notices::appeal::file(s, &aurelia_agent, at(18 * DAY), appeal).await?;
    let verdict = notices::appeal::ResolveAppeal {
        appeal: Key::of(filed.id),
        reverse: true,
        reason: "The mark is visible on the second photo.".into(),
    };
    notices::appeal::resolve(s, &c.admin, at(17 * DAY), verdict).await?;
    // Aurelia finds one removal was wrong and retracts it: the listing is back, the strike voided;
    // with 1 reinstatement in 21 removals Aurelia stays TRUSTED.
    let retraction = notices::retract::Retraction {
        item: Key::of(items[3]),
        reason: "Our distributor confirmed this seller bought the watches from us.".into(),
    };
    notices::retract::retract(s, &aurelia_agent, at(15 * DAY), retraction).await?;
    let appealed = entity::notice_item::Entity::find_by_id(items[7]).one(&c.shared.db).await?;
    if let Some(appealed) = appealed {
        let seller = person(Role::Seller, None, Some(appealed.seller_id));
        let appeal = notices::appeal::FileAppeal {
            item: Key::of(appealed.id),
            statement: "This is a genuine watch bought from an authorized dealer; receipt available.".into(),
        };
        notices::appeal::file(s, &seller, at(12 * DAY), appeal).await?;
    }

    Ok(())
}

/// Northwind's counter-notice accepted and its withdrawn notice; Kirin's counter-notice pending.
async fn counter_notices(c: &Cast, t: &Timeline, reg: &Registry) -> AppResult<()> {
    let s = &c.shared;
    let (northwind, northwind_mark) = reg.northwind;
    let (kirin, kirin_mark) = reg.kirin;
    let (northwind_agent, kirin_agent) =
        (person(Role::BrandAgent, Some(northwind), None), person(Role::BrandAgent, Some(kirin), None));
    // Northwind: one removal reinstated after a counter-notice, one rejection: CLOSED.
    let at = |age: i64| t.ago(age, t.counter);
    let notice = submit(c, &northwind_agent, northwind, northwind_mark, &reg.outdoor[..2], at(30 * DAY)).await?;
    let items = items_of(&c.shared, notice).await?;
    decide::decide(s, &c.reviewer, at(29 * DAY), removal(items[0])).await?;
    let rejection =
        Decision { item: Key::of(items[1]), remove: false, reason: Some("Different product line".to_owned()) };
    decide::decide(s, &c.reviewer, at(29 * DAY), rejection).await?;
    let trail = person(Role::Seller, None, Some(reg.sellers[3]));
    let statement = "We are an authorized Northwind reseller; invoice attached.".to_owned();
    let filing = CounterNoticeFiling { item: Key::of(items[0]), statement };
    let cn = counter_notice::file_counter_notice(s, &trail, at(27 * DAY), filing).await?;
    let resolution = CounterNoticeResolution {
        counter_notice: Key::of(cn.id),
        reinstate: true,
        reason: Some("Invoice verified".into()),
    };
    counter_notice::resolve_counter_notice(s, &c.reviewer, at(25 * DAY), resolution).await?;

    // Kirin: one removal answered by a counter-notice still pending.
    let notice = submit(c, &kirin_agent, kirin, kirin_mark, &reg.audio[2..], at(4 * DAY)).await?;
    let items = items_of(&c.shared, notice).await?;
    decide::decide(s, &c.reviewer, at(3 * DAY), removal(items[0])).await?;
    let bargain = person(Role::Seller, None, Some(reg.sellers[5]));
    let statement = "This speaker is our own design and carries no Kirin mark.".to_owned();
    let filing = CounterNoticeFiling { item: Key::of(items[0]), statement };
    counter_notice::file_counter_notice(s, &bargain, at(2 * DAY), filing).await?;

    // Northwind: a notice withdrawn before any decision.
    let at = |age: i64| t.ago(age, 1.0);
    let notice = submit(c, &northwind_agent, northwind, northwind_mark, &reg.outdoor[2..], at(6 * DAY)).await?;
    withdraw::withdraw(s, &northwind_agent, at(5 * DAY), Key::of(notice)).await?;

    Ok(())
}

/// The channel between brands and the platform: a question answered with evidence, a thread, a
/// question left unanswered until SYSTEM rejected its item; then the notifiers' standing, and
/// last the question still waiting.
async fn channel_story(c: &Cast, t: &Timeline, reg: &Registry) -> AppResult<()> {
    let s = &c.shared;
    let (northwind, northwind_mark) = reg.northwind;
    let (kirin, kirin_mark) = reg.kirin;
    let (northwind_agent, kirin_agent) =
        (person(Role::BrandAgent, Some(northwind), None), person(Role::BrandAgent, Some(kirin), None));
    let at = |age: i64| t.ago(age, 1.0);
    // The channel. On Kirin's open notice a reviewer asked about the earbuds and Kirin answered
    // with a test buy (the notice heads the queue); both sides wrote to the thread; the question
    // about the headphones, which waits for Kirin's answer, comes last (`waiting_question`).
    let kirin_notice = submit(c, &kirin_agent, kirin, kirin_mark, &reg.audio[..2], at(DAY)).await?;
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
    let provided = channel::ProvideInformation { item: Key::of(items[0]), answer: answer.into(), evidence };
    channel::provide_information(s, &kirin_agent, t.ago(10 * HOUR, t.answered), provided).await?;
    let body = "We can also send test buys for the seller's other listings if that helps.";
    let message = channel::PostMessage { notice: Key::of(kirin_notice), body: body.into() };
    channel::post_message(s, &kirin_agent, at(5 * HOUR), message).await?;
    // Northwind never answered about the backpack: SYSTEM rejected it at the deadline.
    let notice =
        submit(c, &northwind_agent, northwind, northwind_mark, &[reg.backpack], at(t.silence_age + DAY)).await?;
    let silent = items_of(&c.shared, notice).await?;
    let question = "The photos show no Northwind mark. Which registered mark does this listing infringe?";
    channel::request_information(s, &c.reviewer, at(t.silence_age), ask(silent[0], question)).await?;
    channel::settle_due(s, t.now, true).await?;
    notifiers(c, t, &reg.sellers).await?;
    waiting_question(c, items[1]).await
}

fn ask(item: i64, question: &str) -> channel::RequestInformation {
    channel::RequestInformation { item: Key::of(item), question: question.into() }
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
        let registration = trademarks::service::Registration::new(Key::of(brand), &word, &number, "EM", &[21], None)?;
        let mark = trademarks::service::register(s, &c.admin, created, registration).await?.id;
        trademarks::service::verify(s, &c.reviewer, Key::of(mark), true).await?;
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
            decide::decide(
                s,
                &c.reviewer,
                end - age,
                Decision { item: Key::of(*item), remove: false, reason: reason() },
            )
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
    let new = listings::service::NewListing::new(Key::of(seller), title, &url, amount, currency)?;
    Ok(listings::service::create(&c.shared, &c.admin, at, new).await?.id)
}

async fn submit(c: &Cast, agent: &Identity, brand: i64, trademark: i64, listings: &[i64], at: i64) -> AppResult<i64> {
    let submission = Submission {
        brand: Key::of(brand),
        reason: NoticeReason::Counterfeit,
        explanation: "These listings offer counterfeit goods bearing our registered mark.".into(),
        // A screenshot of each listing, as brands file them.
        items: listings
            .iter()
            .map(|&listing| SubmittedItem {
                listing: Key::of(listing),
                trademark: Key::of(trademark),
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
