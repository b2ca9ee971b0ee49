//! Good-faith takedown and the trust tier.

use super::*;

// =============================================================================================
// Good-faith takedown and trust tier
// =============================================================================================

/// Makes `brand` TRUSTED with `min` removals (with `trust_min_decided` = `min`).
async fn make_trusted(app: &TestApp, s: &Scene, min: usize) {
    let seller = register_seller(app, "trusting").await;
    let listings = create_listings(app, &seller, min).await;
    let n = submit(app, &s.brand, &s.tm, &listings).await;
    for item in &n.items {
        remove(app, item).await;
    }
    assert_eq!(trust_tier(app, &s.brand).await, "TRUSTED");
}

#[tokio::test]
async fn expedited_notice_removes_every_item_by_system() {
    let app = spawn_with(rules(|r| r.trust_min_decided = 1)).await;
    let s = scene(&app, 0).await;
    make_trusted(&app, &s, 1).await;
    let sellers = [register_seller(&app, "a").await, register_seller(&app, "b").await];
    let listings = vec![
        create_listing(&app, &sellers[0]).await,
        create_listing(&app, &sellers[1]).await,
        create_listing(&app, &sellers[0]).await,
    ];
    let before = counts(&app).await;
    let n = submit_as(&app, &agent(&s.brand), notice_input_all(&s.brand, &s.tm, &listings)).await;
    assert_eq!(n.notice["expedited"], true);
    // Every item removed at once: nothing PENDING, so the notice is CLOSED.
    assert_eq!(n.notice["status"], "CLOSED");
    assert!(n.notice["closedAt"].is_string());
    let after = counts(&app).await;
    assert_eq!(after.notices, before.notices + 1);
    assert_eq!(after.items, before.items + 3);
    assert_eq!(after.strikes, before.strikes + 3);
    // NOTICE_SUBMITTED + 3 ITEM_REMOVED; the tier does not change.
    assert_eq!(after.events, before.events + 4);
    let read = notice(&app, &n.id).await;
    for item in read["items"]["nodes"].as_array().expect("items") {
        assert_eq!(item["status"], "REMOVED");
        assert!(item["decidedAt"].is_string());
        assert_eq!(item["listing"]["status"], "REMOVED");
        assert!(item["listing"]["removedAt"].is_string());
        assert_eq!(item["strike"]["active"], true);
        assert_eq!(item["strike"]["brand"]["id"], s.brand);
    }
    assert_eq!(seller_state(&app, &sellers[0]).await, ("WARNED".to_owned(), 2));
    assert_eq!(seller_state(&app, &sellers[1]).await, ("WARNED".to_owned(), 1));
    let events = event_kinds(&read);
    assert_eq!(events[0], ("NOTICE_SUBMITTED".to_owned(), "BRAND_AGENT".to_owned()));
    assert_eq!(events[1..], vec![("ITEM_REMOVED".to_owned(), "SYSTEM".to_owned()); 3]);
    let mut removed_items: Vec<Value> =
        read["events"]["nodes"].as_array().expect("events")[1..].iter().map(|e| e["item"]["id"].clone()).collect();
    removed_items.sort_by_key(|v| v.to_string());
    let mut expected: Vec<Value> = n.items.iter().map(|i| json!(i)).collect();
    expected.sort_by_key(|v| v.to_string());
    assert_eq!(removed_items, expected);
    // A removal by SYSTEM can be countered like any other.
    let cn = file_counter(&app, &sellers[1], &n.items[1]).await;
    assert_eq!(notice(&app, &n.id).await["status"], "OPEN");
    resolve(&app, &cn, "REINSTATE").await;
    assert_eq!(listing_state(&app, &listings[1]).await.0, "REINSTATED");
}

#[tokio::test]
async fn expedited_notice_is_validated_like_any_other() {
    let app = spawn_with(rules(|r| r.trust_min_decided = 1)).await;
    let s = scene(&app, 2).await;
    make_trusted(&app, &s, 1).await;
    let pairs = [(s.listings[0].as_str(), s.tm.as_str()), (s.listings[0].as_str(), s.tm.as_str())];
    refused_submit(&app, notice_input(&s.brand, &pairs), "BAD_USER_INPUT", "items.1.listingId").await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings[..1]).await;
    assert_eq!(n.notice["expedited"], true);
    // The listing is REMOVED now.
    refused_submit(&app, notice_input_all(&s.brand, &s.tm, &s.listings), "CONFLICT", "items.0.listingId").await;
}

#[tokio::test]
async fn trust_tier_becomes_trusted_and_writes_an_event() {
    let app = spawn_with(rules(|r| r.trust_min_decided = 3)).await;
    let s = scene(&app, 4).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    assert_eq!(trust_tier(&app, &s.brand).await, "STANDARD");
    remove(&app, &n.items[0]).await;
    remove(&app, &n.items[1]).await;
    // Two decided: below the minimum.
    assert_eq!(trust_tier(&app, &s.brand).await, "STANDARD");
    let before = counts(&app).await;
    remove(&app, &n.items[2]).await;
    assert_eq!(trust_tier(&app, &s.brand).await, "TRUSTED");
    // ITEM_REMOVED + TRUST_TIER_CHANGED.
    assert_eq!(counts(&app).await.events, before.events + 2);
    let h = history(&app, &admin(), &s.brand).await;
    assert_eq!((h[0].0.as_str(), h[0].1.as_str()), ("TRUST_TIER_CHANGED", "SYSTEM"));
    assert!(h[0].2.is_null() && h[0].3.is_null(), "a tier change is brand-level: {h:?}");
    // Not an event of the notice.
    assert!(!kinds(&event_kinds(&notice(&app, &n.id).await)).contains(&"TRUST_TIER_CHANGED"));

    // 3 of 4 taken down = 0.75 < 0.90: back to STANDARD, with its event.
    let before = counts(&app).await;
    reject(&app, &n.items[3]).await;
    assert_eq!(trust_tier(&app, &s.brand).await, "STANDARD");
    assert_eq!(counts(&app).await.events, before.events + 2);
    let h = history(&app, &admin(), &s.brand).await;
    assert_eq!((h[0].0.as_str(), h[0].1.as_str()), ("TRUST_TIER_CHANGED", "SYSTEM"));
    assert_eq!(h.iter().filter(|e| e.0 == "TRUST_TIER_CHANGED").count(), 2);
}

#[tokio::test]
async fn trust_tier_thresholds_are_inclusive() {
    // takedownRate >= 0.90: 9 of 10.
    let app = spawn_with(rules(|r| r.trust_min_decided = 10)).await;
    let s = scene(&app, 10).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    reject(&app, &n.items[0]).await;
    for item in &n.items[1..] {
        remove(&app, item).await;
    }
    assert_eq!(trust_tier(&app, &s.brand).await, "TRUSTED");

    // counterNoticeSuccessRate <= 0.05: 1 of 20 reinstated keeps TRUSTED, 2 of 20 does not.
    let app = spawn_with(rules(|r| r.trust_min_decided = 20)).await;
    let s = scene(&app, 0).await;
    let mut listings = Vec::new();
    let mut sellers = Vec::new();
    for i in 0..4 {
        let seller = register_seller(&app, &format!("s{i}")).await;
        listings.extend(create_listings(&app, &seller, 5).await);
        sellers.push(seller);
    }
    let n = submit(&app, &s.brand, &s.tm, &listings).await;
    for item in &n.items {
        remove(&app, item).await;
    }
    assert_eq!(trust_tier(&app, &s.brand).await, "TRUSTED");
    // Items 0..5 are against the first seller's listings, 5..10 the second's.
    let cn = file_counter(&app, &sellers[0], &n.items[0]).await;
    resolve(&app, &cn, "REINSTATE").await;
    assert_eq!(trust_tier(&app, &s.brand).await, "TRUSTED");
    let cn = file_counter(&app, &sellers[1], &n.items[5]).await;
    resolve(&app, &cn, "REINSTATE").await;
    assert_eq!(trust_tier(&app, &s.brand).await, "STANDARD");
    let h = history(&app, &admin(), &s.brand).await;
    assert_eq!(h[0].0, "TRUST_TIER_CHANGED");
    assert_eq!(h[1].0, "LISTING_REINSTATED");
}

#[tokio::test]
async fn trust_tier_counts_only_decisions_within_the_trust_window() {
    let app = spawn_with(rules(|r| {
        r.trust_min_decided = 2;
        r.trust_window = Duration::from_secs(3);
    }))
    .await;
    let s = scene(&app, 3).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    remove(&app, &n.items[0]).await;
    tokio::time::sleep(Duration::from_millis(3300)).await;
    remove(&app, &n.items[1]).await;
    // The first decision has left the window: one decided item only.
    assert_eq!(trust_tier(&app, &s.brand).await, "STANDARD");
    remove(&app, &n.items[2]).await;
    assert_eq!(trust_tier(&app, &s.brand).await, "TRUSTED");
}

#[tokio::test]
async fn reviewer_queue_puts_expedited_and_older_first() {
    let app = spawn_with(rules(|r| r.trust_min_decided = 1)).await;
    let trusted = scene(&app, 1).await;
    let standard = scene(&app, 3).await;
    let older = submit(&app, &standard.brand, &standard.tm, &standard.listings[..1]).await;
    make_trusted(&app, &trusted, 1).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let expedited = submit(&app, &trusted.brand, &trusted.tm, &trusted.listings).await;
    assert_eq!(expedited.notice["expedited"], true);
    // A counter-notice reopens the expedited notice.
    file_counter(&app, &trusted.seller, &expedited.items[0]).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let newer = submit(&app, &standard.brand, &standard.tm, &standard.listings[1..2]).await;
    let data = app
        .data(&reviewer(), "{ notices(first: 10, filter: {status: OPEN}) { nodes { id expedited } } }", json!({}))
        .await;
    let ids: Vec<String> =
        data["notices"]["nodes"].as_array().expect("nodes").iter().map(|n| string(&n["id"])).collect();
    assert_eq!(ids, vec![expedited.id, older.id, newer.id]);
}
