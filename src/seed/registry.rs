//! The registry's shape, before any history: brands and their trademarks (through the services,
//! which verify them), then sellers with their identifiers and clusters, and listings, written in
//! bulk in the states the API gives new rows.

use sea_orm::Value;

use super::bulk::{bulk, bump_sequence, next_id};
use super::rings::{identifiers, rings};
use super::{Bar, DAY, Run, msg};
use crate::auth::{Identity, Role};
use crate::ids::Key;
use crate::{brands, trademarks};

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

/// The sellers of a run: the first one's id (the others follow it) and the rings among them, as
/// indexes from the first.
pub(super) struct Sellers {
    pub(super) first: i64,
    pub(super) count: usize,
    pub(super) rings: Vec<Vec<usize>>,
}

/// The listings of a run: the first one's id, and how many follow from it.
pub(super) struct Listings {
    pub(super) first: i64,
    pub(super) count: usize,
}

/// `n_brands` brands, each with the ids of the trademarks it can enforce.
pub(super) async fn brands(run: &mut Run<'_>, n_brands: usize) -> Result<Vec<(i64, Vec<i64>)>, String> {
    run.bar.phase("brands and trademarks", n_brands as u64);
    let admin = Identity { subject: "seed".into(), role: Role::Admin, brand_id: None, seller_id: None };
    let reviewer = Identity { subject: "seed".into(), role: Role::Reviewer, brand_id: None, seller_id: None };
    let mut brand_marks: Vec<(i64, Vec<i64>)> = Vec::new();
    for b in 0..n_brands {
        let name = format!(
            "{} {}",
            BRAND_WORDS[b % BRAND_WORDS.len()],
            if b < BRAND_WORDS.len() { String::new() } else { format!("{}", b / BRAND_WORDS.len()) }
        );
        let brand = brands::service::create(run.shared, &admin, run.t0 - 400 * DAY, {
            let country = run.rng.pick::<&str>(&COUNTRIES);
            brands::service::NewBrand::new(name.trim(), country).map_err(msg)?
        })
        .await
        .map_err(msg)?;
        let verified = marks(run, b, brand.id, &admin, &reviewer).await?;
        brand_marks.push((brand.id, verified));
        run.bar.inc(1);
    }
    Ok(brand_marks)
}

/// The trademarks of brand number `b` (id `brand`): one to five, most verified, a few expired.
/// Returns those it can enforce (verified and in force), at least one.
async fn marks(
    run: &mut Run<'_>,
    b: usize,
    brand: i64,
    admin: &Identity,
    reviewer: &Identity,
) -> Result<Vec<i64>, String> {
    let (shared, tag, t0, now) = (run.shared, run.tag, run.t0, run.now);
    let rng = &mut run.rng;
    let mut verified = Vec::new();
    for m in 0..(1 + rng.below(5)) {
        let jurisdiction = JURISDICTIONS[(b + m) % JURISDICTIONS.len()];
        let classes: Vec<i32> = (0..1 + rng.below(3)).map(|_| 1 + rng.below(45) as i32).collect();
        let expired = rng.chance(0.05);
        let registration = trademarks::service::Registration::new(
            Key::of(brand),
            &BRAND_WORDS[b % BRAND_WORDS.len()].to_uppercase(),
            &format!("{jurisdiction}-{tag}-{b}-{m}"),
            jurisdiction,
            &classes,
            Some(crate::time::instant(if expired { now - 30 * DAY } else { now + 3000 * DAY }).date_naive()),
        )
        .map_err(msg)?;
        let tm = trademarks::service::register(shared, admin, t0 - 300 * DAY, registration).await.map_err(msg)?;
        let roll = rng.unit();
        if roll < 0.9 {
            let approve = roll < 0.85;
            trademarks::service::verify(shared, reviewer, Key::of(tm.id), approve).await.map_err(msg)?;
            if approve && !expired {
                verified.push(tm.id);
            }
        }
    }
    if verified.is_empty() {
        // Every brand gets one mark it can enforce.
        let registration = trademarks::service::Registration::new(
            Key::of(brand),
            &BRAND_WORDS[b % BRAND_WORDS.len()].to_uppercase(),
            &format!("WO-{tag}-{b}-X"),
            "WO",
            &[25],
            None,
        )
        .map_err(msg)?;
        let tm = trademarks::service::register(shared, admin, t0 - 300 * DAY, registration).await.map_err(msg)?;
        trademarks::service::verify(shared, reviewer, Key::of(tm.id), true).await.map_err(msg)?;
        verified.push(tm.id);
    }
    Ok(verified)
}

/// `n_sellers` sellers, their identifiers, and the clusters their rings make: each seller's
/// cluster is labelled with its smallest id, the rule the incremental merge keeps.
pub(super) async fn sellers(run: &mut Run<'_>, n_sellers: usize) -> Result<Sellers, String> {
    let (db, tag, t0) = (&run.shared.db, run.tag, run.t0);
    let (rng, bar) = (&mut run.rng, &run.bar);
    bar.phase("sellers, rings and identifiers", n_sellers as u64);
    let first_seller = next_id(db, "seller").await?;
    let rings = rings(rng, n_sellers);
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
    bulk(db, "seller", "id, handle, display_name, country, status, created_at, cluster_id", rows, bar).await?;
    let identifiers = identifiers(rng, &rings, n_sellers, tag);
    let rows = identifiers
        .iter()
        .map(|(i, id)| {
            vec![
                Value::from(first_seller + *i as i64),
                Value::from(id.kind),
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
    Ok(Sellers { first: first_seller, count: n_sellers, rings })
}

/// `n_listings` listings; offenders list more, so a listing's seller is drawn from a heavy tail.
pub(super) async fn listings(run: &mut Run<'_>, sellers: &Sellers, n_listings: usize) -> Result<Listings, String> {
    let (db, tag, t0) = (&run.shared.db, run.tag, run.t0);
    let (rng, bar) = (&mut run.rng, &run.bar);
    let (first_seller, n_sellers) = (sellers.first, sellers.count);
    bar.phase("listings", n_listings as u64);
    let first_listing = next_id(db, "listing").await?;
    let mut rows = Vec::with_capacity(n_listings);
    for l in 0..n_listings {
        // Offenders list more: a seller drawn from a heavy tail.
        let seller = rng.skewed(n_sellers, 1.6);
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
        bar,
    )
    .await?;
    bump_sequence(db, "listing").await?;
    Ok(Listings { first: first_listing, count: n_listings })
}
