//! The small realistic data set `serve --demo` loads into an empty database, and its tokens.

use std::time::Duration;

use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::auth::{Claims, Identity, Role, mint_hs256};
use crate::brands::service::NewBrand;
use crate::channel::service as channel;
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
use crate::states::{EvidenceKind, IdentifierKind, NoticeReason, SellerStatus};
use crate::time::now_micros;
use crate::{brands, listings, notices, sellers, trademarks};

/// Prints a ready token per role for the demo data (signed with `secret`).
pub async fn print_tokens(db: &DatabaseConnection, secret: &str) -> Result<(), String> {
    let brand = entity::brand::Entity::find().one(db).await.map_err(|e| e.to_string())?;
    let seller = entity::seller::Entity::find().one(db).await.map_err(|e| e.to_string())?;
    let day = Duration::from_secs(24 * 3600);
    println!("tokens (valid 24h; send as Authorization: Bearer TOKEN):");
    for role in [Role::Admin, Role::Reviewer, Role::Analyst, Role::BrandAgent, Role::Seller] {
        let mut claims = Claims::new(&format!("demo-{}", role.as_str().to_lowercase()), role, day);
        match role {
            Role::BrandAgent => claims.brand_id = brand.as_ref().map(|b| GlobalId::new(Kind::Brand, b.id).to_string()),
            Role::Seller => claims.seller_id = seller.as_ref().map(|s| GlobalId::new(Kind::Seller, s.id).to_string()),
            _ => {}
        }
        if (role == Role::BrandAgent && claims.brand_id.is_none())
            || (role == Role::Seller && claims.seller_id.is_none())
        {
            continue;
        }
        println!("  {:<12} {}", role.as_str(), mint_hs256(secret, &claims)?);
    }
    Ok(())
}

const HOUR: i64 = 3_600_000_000;
const DAY: i64 = 24 * HOUR;

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

/// Loads the demo data set when the database has no brand yet; says whether it did. Every row is
/// written through the same services as the API, so the demo shows only states the rules reach:
/// notices open, closed and withdrawn, a trusted brand with an expedited notice, a suspended
/// seller, a reinstated listing, a pending counter-notice, a retraction, appeals reversed and
/// pending, a WARNED and a SUSPENDED notifier, and the channel: an item waiting for its brand's
/// answer, one answered with evidence, one rejected for silence, and a thread.
pub async fn load_demo(shared: &Shared) -> Result<bool, String> {
    if entity::brand::Entity::find().count(&shared.db).await.map_err(|e| e.to_string())? > 0 {
        return Ok(false);
    }
    let cast = Cast {
        shared: shared.clone(),
        admin: person(Role::Admin, None, None),
        reviewer: person(Role::Reviewer, None, None),
    };
    story(&cast, now_micros()).await.map_err(|e| e.message().to_owned())?;
    Ok(true)
}

async fn story(c: &Cast, now: i64) -> AppResult<()> {
    let s = &c.shared;
    let start = now - 60 * DAY;
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
    let aurelia_agent = person(Role::BrandAgent, Some(aurelia), None);
    let northwind_agent = person(Role::BrandAgent, Some(northwind), None);
    let kirin_agent = person(Role::BrandAgent, Some(kirin), None);

    // Aurelia's big notice: 21 removals and 1 rejection make it TRUSTED.
    let big: Vec<i64> = listings.iter().take(22).map(|l| l.1).collect();
    let notice = submit(c, &aurelia_agent, aurelia, tm(aurelia), &big, start + DAY).await?;
    let items = items_of(&c.shared, notice).await?;
    for (k, item) in items.iter().enumerate() {
        let at = start + 2 * DAY + k as i64 * HOUR;
        let reject = k == 5;
        let reason = reject.then(|| "The listing shows a generic watch without the mark".to_owned());
        let decision = Decision { item: *item, remove: !reject, reason };
        decide::decide(s, &c.reviewer, at, decision).await?;
    }
    // Trusted now: the next notice is expedited and removed at once by SYSTEM.
    let rest: Vec<i64> = listings.iter().skip(22).map(|l| l.1).collect();
    submit(c, &aurelia_agent, aurelia, tm(aurelia), &rest, now - 20 * DAY).await?;

    // Aurelia finds one removal was wrong and retracts it: the listing is back, the strike voided;
    // with 1 reinstatement in 21 removals Aurelia stays TRUSTED.
    let retraction = notices::retract::Retraction {
        item: items[3],
        reason: "Our distributor confirmed this seller bought the watches from us.".into(),
    };
    notices::retract::retract(s, &aurelia_agent, now - 15 * DAY, retraction).await?;
    // Appeals: Aurelia appealed its one rejection and a second person reversed it into a
    // removal; a seller's appeal of another removal waits for a reviewer.
    let appeal = notices::appeal::FileAppeal {
        item: items[5],
        statement: "The listing photos show our mark on the dial; the reviewer missed it.".into(),
    };
    let filed = notices::appeal::file(s, &aurelia_agent, now - 18 * DAY, appeal).await?;
    let verdict = notices::appeal::ResolveAppeal {
        appeal: filed.id,
        reverse: true,
        reason: "The mark is visible on the second photo.".into(),
    };
    notices::appeal::resolve(s, &c.admin, now - 17 * DAY, verdict).await?;
    let appealed = entity::notice_item::Entity::find_by_id(items[7]).one(&c.shared.db).await?;
    if let Some(appealed) = appealed {
        let seller = person(Role::Seller, None, Some(appealed.seller_id));
        let appeal = notices::appeal::FileAppeal {
            item: appealed.id,
            statement: "This is a genuine watch bought from an authorized dealer; receipt available.".into(),
        };
        notices::appeal::file(s, &seller, now - 12 * DAY, appeal).await?;
    }

    // Northwind: one removal reinstated after a counter-notice, one rejection: CLOSED.
    let notice = submit(c, &northwind_agent, northwind, tm(northwind), &outdoor[..2], now - 30 * DAY).await?;
    let items = items_of(&c.shared, notice).await?;
    decide::decide(s, &c.reviewer, now - 29 * DAY, removal(items[0])).await?;
    let trail = person(Role::Seller, None, Some(seller_ids[3]));
    let statement = "We are an authorized Northwind reseller; invoice attached.".to_owned();
    let filing = CounterNoticeFiling { item: items[0], statement };
    let cn = counter_notice::file_counter_notice(s, &trail, now - 27 * DAY, filing).await?;
    let resolution =
        CounterNoticeResolution { counter_notice: cn.id, reinstate: true, reason: Some("Invoice verified".into()) };
    counter_notice::resolve_counter_notice(s, &c.reviewer, now - 25 * DAY, resolution).await?;
    let rejection = Decision { item: items[1], remove: false, reason: Some("Different product line".to_owned()) };
    decide::decide(s, &c.reviewer, now - 29 * DAY, rejection).await?;

    // Northwind: a notice withdrawn before any decision.
    let notice = submit(c, &northwind_agent, northwind, tm(northwind), &outdoor[2..], now - 6 * DAY).await?;
    withdraw::withdraw(s, &northwind_agent, now - 5 * DAY, notice).await?;

    // Kirin: one removal answered by a pending counter-notice, then a notice awaiting review.
    let notice = submit(c, &kirin_agent, kirin, tm(kirin), &audio[2..], now - 4 * DAY).await?;
    let items = items_of(&c.shared, notice).await?;
    decide::decide(s, &c.reviewer, now - 3 * DAY, removal(items[0])).await?;
    let bargain = person(Role::Seller, None, Some(seller_ids[5]));
    let statement = "This speaker is our own design and carries no Kirin mark.".to_owned();
    let filing = CounterNoticeFiling { item: items[0], statement };
    counter_notice::file_counter_notice(s, &bargain, now - 2 * DAY, filing).await?;
    let notice = submit(c, &kirin_agent, kirin, tm(kirin), &audio[..2], now - DAY).await?;

    // The channel. On Kirin's open notice a reviewer asked about the earbuds and Kirin answered
    // with a test buy (the notice heads the queue), and about the headphones, which wait for
    // Kirin's answer; both sides wrote to the thread.
    let items = items_of(&c.shared, notice).await?;
    let ask = |item: i64, question: &str| channel::RequestInformation { item, question: question.into() };
    let question = "Is the OEM listing a counterfeit or a grey import? Please send a test-buy report.";
    channel::request_information(s, &c.reviewer, now - 20 * HOUR, ask(items[0], question)).await?;
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
    channel::provide_information(s, &kirin_agent, now - 10 * HOUR, provided).await?;
    let question = "Please send the registration certificate that covers headphones (class 9).";
    channel::request_information(s, &c.reviewer, now - 6 * HOUR, ask(items[1], question)).await?;
    let body = "We can also send test buys for the seller's other listings if that helps.";
    channel::post_message(s, &kirin_agent, now - 5 * HOUR, channel::PostMessage { notice, body: body.into() }).await?;
    // Northwind never answered about the backpack: SYSTEM rejected it at the deadline.
    let backpack = listing(c, seller_ids[6], "Northwind trail backpack 40L", "49.00", "EUR", start).await?;
    let notice = submit(c, &northwind_agent, northwind, tm(northwind), &[backpack], now - 12 * DAY).await?;
    let items = items_of(&c.shared, notice).await?;
    let question = "The photos show no Northwind mark. Which registered mark does this listing infringe?";
    channel::request_information(s, &c.reviewer, now - 11 * DAY, ask(items[0], question)).await?;
    channel::settle_due(s, now, true).await?;
    notifiers(c, now, &seller_ids).await
}

/// Two brands whose notices reviewers kept rejecting (DSA Article 23): Lumen Lifestyle is
/// WARNED, Brightstone Tools was warned and, rejected again past the warning period, SUSPENDED.
/// The number of items follows the configured rules; a configuration that asks for more than
/// the demo holds leaves both brands ACTIVE.
async fn notifiers(c: &Cast, now: i64, seller_ids: &[i64]) -> AppResult<()> {
    let s = &c.shared;
    let rules = &s.rules;
    let needed = rules.abuse_min_decided.max(1) as usize;
    if needed > 100 {
        return Ok(());
    }
    // Sellers that may still list (the story suspended and terminated some).
    let mut listers = Vec::new();
    for id in seller_ids {
        if let Some(seller) = entity::seller::Entity::find_by_id(*id).one(&s.db).await?
            && (seller.status == SellerStatus::Active.as_db() || seller.status == SellerStatus::Warned.as_db())
        {
            listers.push(seller.id);
        }
    }
    if listers.is_empty() {
        return Ok(());
    }
    let warned_at = now - 20 * DAY;
    let suspend_at = warned_at + crate::time::micros_of(rules.abuse_warning_period) + HOUR;
    for (name, country, suspend) in [("Lumen Lifestyle", "FR", false), ("Brightstone Tools", "DE", true)] {
        let brand = brands::service::create(s, &c.admin, now - 50 * DAY, NewBrand::new(name, country)?).await?.id;
        let word = name.split(' ').next().unwrap_or(name).to_uppercase();
        let number = format!("EM-0189{brand}");
        let registration = trademarks::service::Registration::new(brand, &word, &number, "EM", &[21], None)?;
        let mark = trademarks::service::register(s, &c.admin, now - 50 * DAY, registration).await?.id;
        trademarks::service::verify(s, &c.reviewer, mark, true).await?;
        let count = needed + usize::from(suspend);
        let mut listed = Vec::with_capacity(count);
        for n in 0..count {
            let title = format!("{} style home accessory #{n}", word.to_lowercase());
            listed.push(listing(c, listers[n % listers.len()], &title, "12.50", "EUR", now - 45 * DAY).await?);
        }
        let agent = person(Role::BrandAgent, Some(brand), None);
        let notice = submit(c, &agent, brand, mark, &listed, now - 21 * DAY).await?;
        let items = items_of(s, notice).await?;
        let reason = || Some("The listing shows an unbranded product; no mark of the brand is used.".to_owned());
        for (k, item) in items.iter().enumerate() {
            // The last decision, for the brand to be suspended, comes after the warning period.
            let at = if k < needed { warned_at - (needed - k) as i64 * HOUR } else { suspend_at };
            if at >= now {
                break;
            }
            decide::decide(s, &c.reviewer, at, Decision { item: *item, remove: false, reason: reason() }).await?;
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
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    Ok(entity::notice_item::Entity::find()
        .filter(entity::notice_item::Column::NoticeId.eq(notice))
        .order_by_asc(entity::notice_item::Column::Id)
        .all(&shared.db)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect())
}
