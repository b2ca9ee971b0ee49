//! `serve`, and the small realistic data set `serve --demo` loads into an empty database.

use std::time::Duration;

use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, Set, TransactionTrait,
};

use crate::auth::{Claims, Role, mint_hs256};
use crate::config::Config;
use crate::ids::{GlobalId, Kind};
use crate::time::now_micros;

/// Migrates, optionally loads the demo data, then serves until SIGTERM or Ctrl-C.
pub async fn serve(mut config: Config, demo: bool) -> Result<(), String> {
    if config.auth.jwt_secret.is_none() && config.auth.jwt_public_key.is_none() {
        if !demo {
            return Err(
                "no JWT key: set RIGHTSGRAPH_JWT_SECRET or RIGHTSGRAPH_JWT_PUBLIC_KEY (or run serve --demo)".into()
            );
        }
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        config.auth.jwt_secret = Some(key.iter().map(|b| format!("{b:02x}")).collect());
        println!("no RIGHTSGRAPH_JWT_SECRET set: generated a random key for this run (tokens below die with it)");
    }
    let app = crate::build_app(&config).await?;
    if demo {
        let loaded = load_demo(&app.db).await.map_err(|e| format!("cannot load the demo data: {e}"))?;
        if !loaded {
            println!("database is not empty: demo data not loaded");
        }
        if let Some(secret) = &config.auth.jwt_secret {
            print_tokens(&app.db, secret).await?;
        }
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    println!("listening on http://{addr}");
    println!("GraphiQL: http://{addr}/graphql");
    axum::serve(listener, app.router)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("server failed: {e}"))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

async fn print_tokens(db: &DatabaseConnection, secret: &str) -> Result<(), String> {
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

/// Loads the demo data set when the database has no brand yet; says whether it did.
pub async fn load_demo(db: &DatabaseConnection) -> Result<bool, sea_orm::DbErr> {
    if entity::brand::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }
    let txn = db.begin().await?;
    let now = now_micros();
    let brands = [
        ("Aurelia Watches", "CH", "STANDARD"),
        ("Northwind Outdoor", "US", "STANDARD"),
        ("Kirin Audio", "JP", "STANDARD"),
    ];
    let mut brand_ids = Vec::new();
    for (i, (name, country, tier)) in brands.iter().enumerate() {
        let b = entity::brand::ActiveModel {
            name: Set((*name).into()),
            country: Set((*country).into()),
            trust_tier: Set((*tier).into()),
            created_at: Set(now - (400 - i as i64) * DAY),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        brand_ids.push(b.id);
    }
    let marks = [
        (0, "AURELIA", "US-5123456", "US", "14", "VERIFIED"),
        (0, "AURELIA", "018234567", "EM", "14,35", "VERIFIED"),
        (0, "AURELIA CHRONO", "CH-734512", "CH", "14", "PENDING_VERIFICATION"),
        (1, "NORTHWIND", "US-4987001", "US", "18,25", "VERIFIED"),
        (1, "NORTHWIND", "1502233", "WO", "25", "VERIFIED"),
        (2, "KIRIN", "JP-2019-088812", "JP", "9", "VERIFIED"),
        (2, "KIRIN", "CN-33120987", "CN", "9", "VERIFIED"),
    ];
    let mut tm_ids = Vec::new();
    for (b, mark, reg, jur, classes, status) in marks {
        let t = entity::trademark::ActiveModel {
            brand_id: Set(brand_ids[b]),
            mark: Set(mark.into()),
            registration_number: Set(reg.into()),
            jurisdiction: Set(jur.into()),
            nice_classes: Set(classes.into()),
            status: Set(status.into()),
            expires_on: Set(chrono::NaiveDate::from_ymd_opt(2031, 6, 30)),
            created_at: Set(now - 300 * DAY),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        tm_ids.push(t.id);
    }
    let sellers = [
        ("luxtime-outlet", "LuxTime Outlet", "CN", "WARNED"),
        ("watchdeals-24", "Watch Deals 24", "CN", "ACTIVE"),
        ("trail-gear-direct", "Trail Gear Direct", "US", "ACTIVE"),
        ("soundwave-store", "Soundwave Store", "HK", "ACTIVE"),
        ("bargain-audio", "Bargain Audio", "HK", "ACTIVE"),
        ("alpine-supply", "Alpine Supply Co", "DE", "ACTIVE"),
    ];
    let mut seller_ids = Vec::new();
    for (handle, name, country, status) in sellers {
        let s = entity::seller::ActiveModel {
            handle: Set(handle.into()),
            display_name: Set(name.into()),
            country: Set(country.into()),
            status: Set(status.into()),
            created_at: Set(now - 200 * DAY),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        seller_ids.push(s.id);
    }
    // Two rings: the watch sellers share a payment account, the audio sellers a phone.
    let identifiers = [
        (0, "PAYMENT_ACCOUNT", "cn-alipay-88120031"),
        (1, "PAYMENT_ACCOUNT", "cn-alipay-88120031"),
        (1, "EMAIL", "watchdeals24@gmail.com"),
        (3, "PHONE", "85291234567"),
        (4, "PHONE", "85291234567"),
        (4, "ADDRESS", "12 nathan road kowloon hong kong"),
        (2, "EMAIL", "sales@trailgear.example"),
    ];
    for (s, kind, value) in identifiers {
        entity::seller_identifier::ActiveModel {
            seller_id: Set(seller_ids[s]),
            kind: Set(kind.into()),
            value: Set(value.into()),
            created_at: Set(now - 150 * DAY),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    let listings = [
        (0, "Aurelia Chrono Gold replica 42mm", "129.00", "USD", "REMOVED"),
        (0, "Luxury automatic watch steel", "89.50", "USD", "ACTIVE"),
        (1, "AURELIA style diver watch", "45.00", "USD", "ACTIVE"),
        (1, "Men's classic watch leather strap", "39.99", "USD", "ACTIVE"),
        (2, "Northwind storm jacket 2026", "79.00", "USD", "ACTIVE"),
        (2, "Waterproof hiking boots", "64.00", "USD", "ACTIVE"),
        (3, "Kirin Pro wireless earbuds", "19.99", "USD", "ACTIVE"),
        (4, "KIRIN studio headphones OEM", "35.00", "USD", "ACTIVE"),
        (5, "Alpine down parka", "120.00", "EUR", "ACTIVE"),
    ];
    let mut listing_ids = Vec::new();
    for (s, title, amount, currency, status) in listings {
        let l = entity::listing::ActiveModel {
            seller_id: Set(seller_ids[s]),
            title: Set(title.into()),
            url: Set(format!("https://marketplace.example/item/{}", 1000 + listing_ids.len())),
            price_amount: Set(amount.into()),
            price_currency: Set(currency.into()),
            status: Set(status.into()),
            listed_at: Set(now - 60 * DAY),
            removed_at: Set((status == "REMOVED").then_some(now - 9 * DAY)),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        listing_ids.push(l.id);
    }
    // Notice 1 (Aurelia): one item removed with a strike, one still pending.
    let n1 = notice(&txn, brand_ids[0], "COUNTERFEIT", "OPEN", now - 10 * DAY, None).await?;
    event(&txn, brand_ids[0], Some(n1), None, None, "NOTICE_SUBMITTED", "BRAND_AGENT", now - 10 * DAY).await?;
    let i1 = item(
        &txn,
        n1,
        listing_ids[0],
        tm_ids[0],
        brand_ids[0],
        seller_ids[0],
        "REMOVED",
        now - 10 * DAY,
        Some(now - 9 * DAY),
    )
    .await?;
    event(&txn, brand_ids[0], Some(n1), Some(i1), Some(seller_ids[0]), "ITEM_REMOVED", "REVIEWER", now - 9 * DAY)
        .await?;
    entity::strike::ActiveModel {
        seller_id: Set(seller_ids[0]),
        brand_id: Set(brand_ids[0]),
        item_id: Set(i1),
        issued_at: Set(now - 9 * DAY),
        expires_at: Set(now + 356 * DAY),
        voided: Set(false),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    item(&txn, n1, listing_ids[2], tm_ids[1], brand_ids[0], seller_ids[1], "PENDING", now - 10 * DAY, None).await?;
    // Notice 2 (Kirin): pending review.
    let n2 = notice(&txn, brand_ids[2], "TRADEMARK_INFRINGEMENT", "OPEN", now - 2 * DAY, None).await?;
    event(&txn, brand_ids[2], Some(n2), None, None, "NOTICE_SUBMITTED", "BRAND_AGENT", now - 2 * DAY).await?;
    item(&txn, n2, listing_ids[6], tm_ids[5], brand_ids[2], seller_ids[3], "PENDING", now - 2 * DAY, None).await?;
    item(&txn, n2, listing_ids[7], tm_ids[6], brand_ids[2], seller_ids[4], "PENDING", now - 2 * DAY, None).await?;
    // Notice 3 (Northwind): rejected, closed.
    let n3 = notice(&txn, brand_ids[1], "COUNTERFEIT", "CLOSED", now - 30 * DAY, Some(now - 28 * DAY)).await?;
    event(&txn, brand_ids[1], Some(n3), None, None, "NOTICE_SUBMITTED", "BRAND_AGENT", now - 30 * DAY).await?;
    let i3 = item(
        &txn,
        n3,
        listing_ids[4],
        tm_ids[3],
        brand_ids[1],
        seller_ids[2],
        "REJECTED",
        now - 30 * DAY,
        Some(now - 28 * DAY),
    )
    .await?;
    entity::notice_item::Entity::update(entity::notice_item::ActiveModel {
        id: Set(i3),
        decision_reason: Set(Some("The seller is an authorized Northwind reseller".into())),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    event(&txn, brand_ids[1], Some(n3), Some(i3), Some(seller_ids[2]), "ITEM_REJECTED", "REVIEWER", now - 28 * DAY)
        .await?;
    txn.commit().await?;
    Ok(true)
}

async fn notice(
    db: &impl ConnectionTrait,
    brand: i64,
    reason: &str,
    status: &str,
    at: i64,
    closed: Option<i64>,
) -> Result<i64, sea_orm::DbErr> {
    let n = entity::notice::ActiveModel {
        brand_id: Set(brand),
        reason: Set(reason.into()),
        explanation: Set("Listings offer counterfeit goods bearing our registered mark.".into()),
        status: Set(status.into()),
        expedited: Set(false),
        submitted_at: Set(at),
        closed_at: Set(closed),
        idempotency_key: Set(None),
        request_hash: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(n.id)
}

#[expect(clippy::too_many_arguments, reason = "a row of demo data, spelled out")]
async fn item(
    db: &impl ConnectionTrait,
    notice: i64,
    listing: i64,
    trademark: i64,
    brand: i64,
    seller: i64,
    status: &str,
    submitted: i64,
    decided: Option<i64>,
) -> Result<i64, sea_orm::DbErr> {
    let i = entity::notice_item::ActiveModel {
        notice_id: Set(notice),
        listing_id: Set(listing),
        trademark_id: Set(trademark),
        brand_id: Set(brand),
        seller_id: Set(seller),
        status: Set(status.into()),
        submitted_at: Set(submitted),
        decided_at: Set(decided),
        decision_reason: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(i.id)
}

#[expect(clippy::too_many_arguments, reason = "a row of demo data, spelled out")]
async fn event(
    db: &impl ConnectionTrait,
    brand: i64,
    notice: Option<i64>,
    item: Option<i64>,
    seller: Option<i64>,
    kind: &str,
    actor: &str,
    at: i64,
) -> Result<(), sea_orm::DbErr> {
    entity::notice_event::ActiveModel {
        brand_id: Set(brand),
        notice_id: Set(notice),
        item_id: Set(item),
        seller_id: Set(seller),
        kind: Set(kind.into()),
        actor_role: Set(actor.into()),
        at: Set(at),
        note: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
