//! Submitting a notice and its idempotency (`notices/submit.rs`).

use super::*;

// =============================================================================================
// Submitting a notice
// =============================================================================================

#[tokio::test]
async fn submit_writes_an_open_notice_with_pending_items_and_one_event() {
    let app = spawn().await;
    let s = scene(&app, 3).await;
    let before = counts(&app).await;
    let n = submit_as(&app, &agent(&s.brand), notice_input_all(&s.brand, &s.tm, &s.listings)).await;
    assert_eq!(n.notice["status"], "OPEN");
    assert_eq!(n.notice["expedited"], false);
    assert!(n.notice["closedAt"].is_null());
    assert_eq!(n.items.len(), 3);
    let after = counts(&app).await;
    assert_eq!(after.notices, before.notices + 1);
    assert_eq!(after.items, before.items + 3);
    assert_eq!(after.events, before.events + 1);
    assert_eq!(after.strikes, before.strikes);

    let read = notice(&app, &n.id).await;
    for (i, item) in read["items"]["nodes"].as_array().expect("items").iter().enumerate() {
        // In the order submitted.
        assert_eq!(item["listing"]["id"], s.listings[i]);
        assert_eq!(item["status"], "PENDING");
        assert!(item["decidedAt"].is_null());
        assert!(item["strike"].is_null());
        assert_eq!(item["listing"]["status"], "ACTIVE");
    }
    assert_eq!(event_kinds(&read), vec![("NOTICE_SUBMITTED".to_owned(), "BRAND_AGENT".to_owned())]);
    let ev = &read["events"]["nodes"][0];
    assert_eq!(ev["notice"]["id"], n.id);
    assert!(ev["item"].is_null());

    // By ADMIN, the event says ADMIN.
    let more = create_listing(&app, &s.seller).await;
    let m = submit(&app, &s.brand, &s.tm, &[more]).await;
    assert_eq!(event_kinds(&notice(&app, &m.id).await), vec![("NOTICE_SUBMITTED".to_owned(), "ADMIN".to_owned())]);
}

#[tokio::test]
async fn submit_rejects_an_empty_notice() {
    let app = spawn().await;
    let s = scene(&app, 1).await;
    refused_submit(&app, notice_input(&s.brand, &[]), "BAD_USER_INPUT", "items").await;
}

#[tokio::test]
async fn submit_rejects_more_than_300_items() {
    let app = spawn().await;
    let s = scene(&app, 301).await;
    refused_submit(&app, notice_input_all(&s.brand, &s.tm, &s.listings), "BAD_USER_INPUT", "items").await;
    // Exactly 300 is accepted.
    let n = submit(&app, &s.brand, &s.tm, &s.listings[..300]).await;
    assert_eq!(n.notice["items"]["totalCount"], 300);
    let c = counts(&app).await;
    assert_eq!((c.notices, c.items, c.events), (1, 300, 1));
}

#[tokio::test]
async fn submit_requires_the_good_faith_declaration() {
    let app = spawn().await;
    let s = scene(&app, 1).await;
    let mut input = notice_input_all(&s.brand, &s.tm, &s.listings);
    input["goodFaithDeclaration"] = json!(false);
    refused_submit(&app, input, "BAD_USER_INPUT", "goodFaithDeclaration").await;
}

#[tokio::test]
async fn submit_explanation_is_10_to_5000_characters() {
    let app = spawn().await;
    let s = scene(&app, 2).await;
    for bad in ["123456789".to_owned(), "x".repeat(5001), "          ".to_owned(), "   short   ".to_owned()] {
        let mut input = notice_input_all(&s.brand, &s.tm, &s.listings[..1]);
        input["explanation"] = json!(bad);
        refused_submit(&app, input, "BAD_USER_INPUT", "explanation").await;
    }
    for (i, good) in ["1234567890".to_owned(), "é".repeat(5000)].into_iter().enumerate() {
        let mut input = notice_input_all(&s.brand, &s.tm, &s.listings[i..=i]);
        input["explanation"] = json!(good);
        submit_as(&app, &admin(), input).await;
    }
}

#[tokio::test]
async fn submit_rejects_a_trademark_of_another_brand() {
    let app = spawn().await;
    let s = scene(&app, 5).await;
    let other = create_brand(&app, "Other").await;
    let foreign = verified_trademark(&app, &other).await;
    let mut pairs: Vec<(&str, &str)> = s.listings.iter().map(|l| (l.as_str(), s.tm.as_str())).collect();
    pairs[3].1 = &foreign;
    refused_submit(&app, notice_input(&s.brand, &pairs), "BAD_USER_INPUT", "items.3.trademarkId").await;
    // A trademark that does not exist, and an id of another kind.
    let missing = gid(Kind::Trademark, 999_999);
    pairs[2].1 = &missing;
    refused_submit(&app, notice_input(&s.brand, &pairs[..3]), "BAD_USER_INPUT", "items.2.trademarkId").await;
    let wrong_kind = s.seller.clone();
    let pairs = [(s.listings[0].as_str(), wrong_kind.as_str())];
    refused_submit(&app, notice_input(&s.brand, &pairs), "BAD_USER_INPUT", "items.0.trademarkId").await;
}

#[tokio::test]
async fn submit_rejects_a_trademark_that_is_not_verified() {
    let app = spawn().await;
    let s = scene(&app, 3).await;
    let pending = register_trademark(&app, &s.brand, "PEND-1", "US").await;
    let rejected = register_trademark(&app, &s.brand, "REJ-1", "US").await;
    assert_eq!(verify_trademark(&app, &rejected, false).await, "REJECTED");
    for bad in [&pending, &rejected] {
        let pairs = [(s.listings[0].as_str(), s.tm.as_str()), (s.listings[1].as_str(), bad.as_str())];
        refused_submit(&app, notice_input(&s.brand, &pairs), "BAD_USER_INPUT", "items.1.trademarkId").await;
    }
}

#[tokio::test]
async fn submit_rejects_a_listing_that_does_not_exist() {
    let app = spawn().await;
    let s = scene(&app, 2).await;
    let missing = gid(Kind::Listing, 999_999);
    let pairs = [(s.listings[0].as_str(), s.tm.as_str()), (missing.as_str(), s.tm.as_str())];
    refused_submit(&app, notice_input(&s.brand, &pairs), "BAD_USER_INPUT", "items.1.listingId").await;
    let pairs = [(s.listings[0].as_str(), s.tm.as_str()), ("not-an-id", s.tm.as_str())];
    refused_submit(&app, notice_input(&s.brand, &pairs), "BAD_USER_INPUT", "items.1.listingId").await;
    // A brand id that names no brand.
    let mut input = notice_input_all(&s.brand, &s.tm, &s.listings);
    input["brandId"] = json!(gid(Kind::Brand, 999_999));
    let before = Before::take(&app).await;
    let resp = try_submit(&app, input).await;
    let code = crate::harness::code(&resp);
    assert!(code == "NOT_FOUND" || code == "BAD_USER_INPUT", "{resp:#}");
    before.unchanged(&app, "unknown brand").await;
}

#[tokio::test]
async fn submit_rejects_a_listing_named_twice_at_the_later_index() {
    let app = spawn().await;
    let s = scene(&app, 4).await;
    let l = &s.listings;
    let pairs = [
        (l[0].as_str(), s.tm.as_str()),
        (l[1].as_str(), s.tm.as_str()),
        (l[2].as_str(), s.tm.as_str()),
        (l[1].as_str(), s.tm.as_str()),
        (l[3].as_str(), s.tm.as_str()),
    ];
    refused_submit(&app, notice_input(&s.brand, &pairs), "BAD_USER_INPUT", "items.3.listingId").await;
}

#[tokio::test]
async fn submit_rejects_a_removed_listing_with_conflict() {
    let app = spawn().await;
    let s = scene(&app, 3).await;
    let first = submit(&app, &s.brand, &s.tm, &s.listings[1..2]).await;
    remove(&app, &first.items[0]).await;
    refused_submit(&app, notice_input_all(&s.brand, &s.tm, &s.listings), "CONFLICT", "items.1.listingId").await;
    // Another brand cannot name it either.
    let other = create_brand(&app, "Other").await;
    let otm = verified_trademark(&app, &other).await;
    refused_submit(&app, notice_input_all(&other, &otm, &s.listings[1..]), "CONFLICT", "items.0.listingId").await;
}

#[tokio::test]
async fn submit_rejects_a_listing_with_a_pending_item_of_the_brand_with_conflict() {
    let app = spawn().await;
    let s = scene(&app, 3).await;
    submit(&app, &s.brand, &s.tm, &s.listings[2..]).await;
    refused_submit(&app, notice_input_all(&s.brand, &s.tm, &s.listings), "CONFLICT", "items.2.listingId").await;
    // Another brand may name it: the PENDING item is not its own.
    let other = create_brand(&app, "Other").await;
    let otm = verified_trademark(&app, &other).await;
    submit(&app, &other, &otm, &s.listings[2..]).await;
    // Once the item is no longer PENDING (here rejected), the brand may name the listing again.
    let s2 = submit(&app, &s.brand, &s.tm, &s.listings[..1]).await;
    reject(&app, &s2.items[0]).await;
    submit(&app, &s.brand, &s.tm, &s.listings[..1]).await;
}

#[tokio::test]
async fn submit_accepts_a_reinstated_listing() {
    let app = spawn().await;
    let s = scene(&app, 1).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    remove(&app, &n.items[0]).await;
    let cn = file_counter(&app, &s.seller, &n.items[0]).await;
    resolve(&app, &cn, "REINSTATE").await;
    assert_eq!(listing_state(&app, &s.listings[0]).await.0, "REINSTATED");
    let again = submit(&app, &s.brand, &s.tm, &s.listings).await;
    assert_eq!(again.notice["items"]["nodes"][0]["status"], "PENDING");
}

#[tokio::test]
async fn submit_idempotency_key_is_1_to_128_characters() {
    let app = spawn().await;
    let s = scene(&app, 2).await;
    for bad in [String::new(), "k".repeat(129)] {
        let mut input = notice_input_all(&s.brand, &s.tm, &s.listings[..1]);
        input["idempotencyKey"] = json!(bad);
        refused_submit(&app, input, "BAD_USER_INPUT", "idempotencyKey").await;
    }
    for (i, good) in ["k".to_owned(), "é".repeat(128)].into_iter().enumerate() {
        let mut input = notice_input_all(&s.brand, &s.tm, &s.listings[i..=i]);
        input["idempotencyKey"] = json!(good);
        submit_as(&app, &admin(), input).await;
    }
}

// =============================================================================================
// Idempotency
// =============================================================================================

#[tokio::test]
async fn idempotent_replay_returns_the_first_notice() {
    let app = spawn().await;
    let s = scene(&app, 2).await;
    let mut input = notice_input_all(&s.brand, &s.tm, &s.listings);
    input["idempotencyKey"] = json!("batch-2026-001");
    let first = submit_as(&app, &agent(&s.brand), input.clone()).await;
    let after_first = Before::take(&app).await;
    // Replayed by the agent and by ADMIN for the same brand: the first notice, nothing written.
    for tok in [agent(&s.brand), admin(), agent(&s.brand)] {
        let again = submit_as(&app, &tok, input.clone()).await;
        assert_eq!(again.id, first.id);
        assert_eq!(again.items, first.items);
        after_first.unchanged(&app, "replay").await;
    }
    // Still a replay once the notice has moved on.
    remove(&app, &first.items[0]).await;
    let before = Before::take(&app).await;
    let again = submit_as(&app, &admin(), input.clone()).await;
    assert_eq!(again.id, first.id);
    assert_eq!(again.notice["items"]["nodes"][0]["status"], "REMOVED");
    before.unchanged(&app, "replay after a decision").await;
}

#[tokio::test]
async fn same_key_different_payload_is_conflict() {
    let app = spawn().await;
    let s = scene(&app, 3).await;
    let mut input = notice_input_all(&s.brand, &s.tm, &s.listings[..2]);
    input["idempotencyKey"] = json!("k-1");
    submit_as(&app, &admin(), input.clone()).await;

    let mut other_items = notice_input_all(&s.brand, &s.tm, &s.listings[2..]);
    other_items["idempotencyKey"] = json!("k-1");
    let mut other_reason = input.clone();
    other_reason["reason"] = json!("TRADEMARK_INFRINGEMENT");
    let mut other_text = input.clone();
    other_text["explanation"] = json!("A different explanation of the same notice.");
    for changed in [other_items, other_reason, other_text] {
        let before = Before::take(&app).await;
        let resp = try_submit(&app, changed).await;
        assert_error(&resp, "CONFLICT", None);
        before.unchanged(&app, "same key, other payload").await;
    }
}

#[tokio::test]
async fn idempotency_key_is_per_brand() {
    let app = spawn().await;
    let s = scene(&app, 2).await;
    let other = create_brand(&app, "Other").await;
    let otm = verified_trademark(&app, &other).await;
    let mut a = notice_input_all(&s.brand, &s.tm, &s.listings[..1]);
    a["idempotencyKey"] = json!("shared-key");
    let mut b = notice_input_all(&other, &otm, &s.listings[1..]);
    b["idempotencyKey"] = json!("shared-key");
    let first = submit_as(&app, &admin(), a).await;
    let second = submit_as(&app, &admin(), b).await;
    assert_ne!(first.id, second.id);
    assert_eq!(counts(&app).await.notices, 2);
}
