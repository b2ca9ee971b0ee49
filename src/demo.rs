//! The small realistic data set `serve --demo` loads into an empty database, and its tokens.

use std::time::Duration;

use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::auth::{Claims, Identity, Role, mint_hs256};
use crate::channel::service as channel;
use crate::error::AppResult;
use crate::evidence::Evidence;
use crate::graph::Shared;
use crate::ids::{GlobalId, Kind};
use crate::notices::service::{CounterNoticeFiling, CounterNoticeResolution, Decision};
use crate::states::{EvidenceKind, IdentifierKind, NoticeReason};
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

fn gid(kind: Kind, key: i64) -> String {
    GlobalId::new(kind, key).to_string()
}

/// Loads the demo data set when the database has no brand yet; says whether it did. Every row is
/// written through the same services as the API, so the demo shows only states the rules reach:
/// notices open, closed and withdrawn, a trusted brand with an expedited notice, a suspended
/// seller, a reinstated listing, a pending counter-notice, and the channel: an item waiting for
/// its brand's answer, one answered with evidence, one rejected for silence, and a thread.
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
    let aurelia = brands::service::create(s, &c.admin, start, "Aurelia Watches", "CH").await?.id;
    let northwind = brands::service::create(s, &c.admin, start, "Northwind Outdoor", "US").await?.id;
    let kirin = brands::service::create(s, &c.admin, start, "Kirin Audio", "JP").await?.id;
    let mark = |brand: i64, mark: &str, number: &str, jurisdiction: &str, classes: Vec<i32>| {
        trademarks::service::Registration {
            brand_id: gid(Kind::Brand, brand),
            mark: mark.into(),
            registration_number: number.into(),
            jurisdiction: jurisdiction.into(),
            nice_classes: classes,
            expires_on: chrono::NaiveDate::from_ymd_opt(2031, 6, 30),
        }
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
        let tm = trademarks::service::register(s, &c.admin, start, registration).await?;
        if let Some(approve) = approve {
            let tm = trademarks::service::verify(s, &c.reviewer, &gid(Kind::Trademark, tm.id), approve).await?;
            if approve {
                verified.push(tm);
            }
        }
    }
    let tm = |brand: i64| {
        verified.iter().find(|t| t.brand_id == brand).map(|t| gid(Kind::Trademark, t.id)).unwrap_or_default()
    };
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
        seller_ids.push(sellers::service::register(s, &c.admin, start, handle, name, country).await?.id);
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
        sellers::service::add_identifier(s, &c.admin, start, &gid(Kind::Seller, seller_ids[i]), kind, value).await?;
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
    let notice = submit(c, &aurelia_agent, aurelia, &tm(aurelia), &big, start + DAY).await?;
    let items = items_of(&c.shared, notice).await?;
    for (k, item) in items.iter().enumerate() {
        let at = start + 2 * DAY + k as i64 * HOUR;
        let reject = k == 5;
        let reason = reject.then(|| "The listing shows a generic watch without the mark".to_owned());
        let decision = Decision { item: *item, remove: !reject, reason };
        notices::service::decide(s, &c.reviewer, at, decision).await?;
    }
    // Trusted now: the next notice is expedited and removed at once by SYSTEM.
    let rest: Vec<i64> = listings.iter().skip(22).map(|l| l.1).collect();
    submit(c, &aurelia_agent, aurelia, &tm(aurelia), &rest, now - 20 * DAY).await?;

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
    let notice = submit(c, &northwind_agent, northwind, &tm(northwind), &outdoor[..2], now - 30 * DAY).await?;
    let items = items_of(&c.shared, notice).await?;
    notices::service::decide(s, &c.reviewer, now - 29 * DAY, removal(items[0])).await?;
    let trail = person(Role::Seller, None, Some(seller_ids[3]));
    let statement = "We are an authorized Northwind reseller; invoice attached.".to_owned();
    let filing = CounterNoticeFiling { item: items[0], statement };
    let cn = notices::service::file_counter_notice(s, &trail, now - 27 * DAY, filing).await?;
    let resolution =
        CounterNoticeResolution { counter_notice: cn.id, reinstate: true, reason: Some("Invoice verified".into()) };
    notices::service::resolve_counter_notice(s, &c.reviewer, now - 25 * DAY, resolution).await?;
    let rejection = Decision { item: items[1], remove: false, reason: Some("Different product line".to_owned()) };
    notices::service::decide(s, &c.reviewer, now - 29 * DAY, rejection).await?;

    // Northwind: a notice withdrawn before any decision.
    let notice = submit(c, &northwind_agent, northwind, &tm(northwind), &outdoor[2..], now - 6 * DAY).await?;
    notices::service::withdraw(s, &northwind_agent, now - 5 * DAY, notice).await?;

    // Kirin: one removal answered by a pending counter-notice, then a notice awaiting review.
    let notice = submit(c, &kirin_agent, kirin, &tm(kirin), &audio[2..], now - 4 * DAY).await?;
    let items = items_of(&c.shared, notice).await?;
    notices::service::decide(s, &c.reviewer, now - 3 * DAY, removal(items[0])).await?;
    let bargain = person(Role::Seller, None, Some(seller_ids[5]));
    let statement = "This speaker is our own design and carries no Kirin mark.".to_owned();
    let filing = CounterNoticeFiling { item: items[0], statement };
    notices::service::file_counter_notice(s, &bargain, now - 2 * DAY, filing).await?;
    let notice = submit(c, &kirin_agent, kirin, &tm(kirin), &audio[..2], now - DAY).await?;

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
    let notice = submit(c, &northwind_agent, northwind, &tm(northwind), &[backpack], now - 12 * DAY).await?;
    let items = items_of(&c.shared, notice).await?;
    let question = "The photos show no Northwind mark. Which registered mark does this listing infringe?";
    channel::request_information(s, &c.reviewer, now - 11 * DAY, ask(items[0], question)).await?;
    channel::settle_due(s, now, true).await?;
    Ok(())
}

async fn listing(c: &Cast, seller: i64, title: &str, amount: &str, currency: &str, at: i64) -> AppResult<i64> {
    let new = listings::service::NewListing {
        seller_id: gid(Kind::Seller, seller),
        title: title.into(),
        // The title is unique in the demo, and so is the address made of it.
        url: format!(
            "https://marketplace.example/item/{}",
            title
                .to_lowercase()
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join("-")
        ),
        amount: amount.into(),
        currency: currency.into(),
    };
    Ok(listings::service::create(&c.shared, &c.admin, at, new).await?.id)
}

async fn submit(c: &Cast, agent: &Identity, brand: i64, trademark: &str, listings: &[i64], at: i64) -> AppResult<i64> {
    let submission = notices::service::Submission {
        brand_id: gid(Kind::Brand, brand),
        reason: NoticeReason::Counterfeit,
        explanation: "These listings offer counterfeit goods bearing our registered mark.".into(),
        good_faith: true,
        items: listings.iter().map(|l| (gid(Kind::Listing, *l), trademark.to_owned())).collect(),
        idempotency_key: None,
        // A screenshot of each listing, as brands file them.
        evidence: listings
            .iter()
            .map(|l| {
                vec![Evidence {
                    kind: EvidenceKind::Screenshot,
                    url: Some(format!("https://evidence.example/demo/{brand}/listing-{l}.png")),
                    sha256: Some(format!("{:064x}", l * 7_919 + brand)),
                    order_number: None,
                    note: Some("The mark on the product photo".into()),
                }]
            })
            .collect(),
    };
    Ok(notices::service::submit(&c.shared, agent, at, submission).await?.id)
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
