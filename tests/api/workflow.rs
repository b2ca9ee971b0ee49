//! CONTRACT.md section 4 (the enforcement rules), section 3 (who may call each mutation) and
//! section 6 (error codes), through the mutations. Every refused mutation is also checked to have
//! written nothing.

use std::time::Duration;

use chrono::Utc;
use rightsgraph::auth::Role;
use rightsgraph::config::RulesConfig;
use rightsgraph::ids::Kind;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::{Value, json};

use crate::harness::{TestApp, gid, spawn, spawn_with, token};
use crate::workflow_support::*;

fn rules(f: impl FnOnce(&mut RulesConfig)) -> RulesConfig {
    let mut r = RulesConfig::default();
    f(&mut r);
    r
}

/// Submits `input` as ADMIN and returns the raw answer.
async fn try_submit(app: &TestApp, input: Value) -> Value {
    app.gql(Some(&admin()), SUBMIT, json!({ "input": input })).await
}

/// Asserts that submitting `input` fails with `code` at `field` and writes nothing.
async fn refused_submit(app: &TestApp, input: Value, code: &str, field: &str) {
    let before = Before::take(app).await;
    let resp = try_submit(app, input).await;
    assert_error(&resp, code, Some(field));
    before.unchanged(app, &format!("refused submit at {field}")).await;
}

fn kinds(events: &[(String, String)]) -> Vec<&str> {
    events.iter().map(|(k, _)| k.as_str()).collect()
}

// =============================================================================================
// Trademarks
// =============================================================================================

#[tokio::test]
async fn trademark_starts_pending_and_verification_makes_it_verified_or_rejected() {
    let app = spawn().await;
    let brand = create_brand(&app, "Acme").await;
    let a = register_trademark(&app, &brand, "US-1001", "US").await;
    let b = register_trademark(&app, &brand, "US-1002", "US").await;
    assert_eq!(verify_trademark(&app, &a, true).await, "VERIFIED");
    assert_eq!(verify_trademark(&app, &b, false).await, "REJECTED");
    let read = app.data(&admin(), "query($id: ID!) { trademark(id: $id) { status } }", json!({"id": a})).await;
    assert_eq!(read["trademark"]["status"], "VERIFIED");

    // A decided trademark cannot be verified again.
    for (tm, approve) in [(&a, true), (&a, false), (&b, true)] {
        let before = Before::take(&app).await;
        let resp =
            app.gql(Some(&admin()), VERIFY_TRADEMARK, json!({"input": {"trademarkId": tm, "approve": approve}})).await;
        assert_error(&resp, "CONFLICT", None);
        before.unchanged(&app, "re-verification").await;
    }
    // An unknown trademark is NOT_FOUND.
    let resp = app
        .gql(
            Some(&admin()),
            VERIFY_TRADEMARK,
            json!({"input": {"trademarkId": gid(Kind::Trademark, 999_999), "approve": true}}),
        )
        .await;
    assert_error(&resp, "NOT_FOUND", None);
}

#[tokio::test]
async fn trademark_expired_reads_expired() {
    let app = spawn().await;
    let s = scene(&app, 1).await;
    let future = (Utc::now() + chrono::Duration::days(30)).date_naive();
    let mut input = trademark_input(&s.brand, "EXP-1", "US");
    input["expiresOn"] = json!(future.to_string());
    let data = app.data(&admin(), REGISTER_TRADEMARK, json!({ "input": input })).await;
    let tm = str_at(&data, "/registerTrademark/id");
    assert_eq!(verify_trademark(&app, &tm, true).await, "VERIFIED");

    // Time passes: the registration's expiry date is now behind us. (Registration refuses a date
    // in the past, so the stored date is moved back directly.)
    let row = entity::trademark::Entity::find_by_id(key(&tm)).one(&app.app.db).await.expect("read").expect("row");
    let mut row = row.into_active_model();
    row.expires_on = Set(Some((Utc::now() - chrono::Duration::days(2)).date_naive()));
    row.update(&app.app.db).await.expect("update");

    let read = app.data(&admin(), "query($id: ID!) { trademark(id: $id) { status } }", json!({"id": tm})).await;
    assert_eq!(read["trademark"]["status"], "EXPIRED");
    // An expired mark cannot ground a notice.
    refused_submit(&app, notice_input(&s.brand, &[(&s.listings[0], &tm)]), "BAD_USER_INPUT", "items.0.trademarkId")
        .await;
}

#[tokio::test]
async fn registration_number_unique_per_jurisdiction() {
    let app = spawn().await;
    let acme = create_brand(&app, "Acme").await;
    let other = create_brand(&app, "Other").await;
    register_trademark(&app, &acme, "REG-77", "US").await;

    for (brand, number) in [(&acme, "REG-77"), (&other, "REG-77"), (&other, "reg-77"), (&other, " REG-77 ")] {
        let before = Before::take(&app).await;
        let resp =
            app.gql(Some(&admin()), REGISTER_TRADEMARK, json!({"input": trademark_input(brand, number, "US")})).await;
        assert_error(&resp, "CONFLICT", Some("registrationNumber"));
        before.unchanged(&app, "duplicate registration").await;
    }
    // The same number at another office is another registration.
    register_trademark(&app, &other, "REG-77", "EM").await;
    register_trademark(&app, &other, "REG-77", "DE").await;
    assert_eq!(counts(&app).await.trademarks, 3);
}

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

// =============================================================================================
// Decisions and strikes
// =============================================================================================

#[tokio::test]
async fn remove_takes_down_the_item_and_listing_and_issues_a_strike() {
    let app = spawn().await;
    let s = scene(&app, 2).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    let before = counts(&app).await;
    let decided = remove(&app, &n.items[0]).await;
    assert_eq!(decided["status"], "REMOVED");
    assert!(decided["decidedAt"].is_string());
    assert!(decided["strike"]["id"].is_string());
    let after = counts(&app).await;
    assert_eq!(after.strikes, before.strikes + 1);
    assert_eq!(after.events, before.events + 1);

    let read = notice(&app, &n.id).await;
    let item = item_of(&read, &n.items[0]);
    assert_eq!(item["listing"]["status"], "REMOVED");
    assert!(item["listing"]["removedAt"].is_string());
    let strike = &item["strike"];
    assert_eq!(strike["brand"]["id"], s.brand);
    assert_eq!(strike["seller"]["id"], s.seller);
    assert_eq!(strike["voided"], false);
    assert_eq!(strike["active"], true);
    // Expiring after the strike TTL (365 days by default).
    let ttl = instant(&strike["expiresAt"]) - instant(&strike["issuedAt"]);
    assert_eq!(ttl, chrono::Duration::days(365));
    assert_eq!(item["listing"]["seller"]["status"], "WARNED");
    assert_eq!(item["listing"]["seller"]["activeStrikeCount"], 1);
    // One ITEM_REMOVED by the reviewer; the notice stays OPEN while the other item is PENDING.
    assert_eq!(
        event_kinds(&read),
        vec![("NOTICE_SUBMITTED".into(), "ADMIN".into()), ("ITEM_REMOVED".into(), "REVIEWER".into())]
    );
    assert_eq!(read["events"]["nodes"][1]["item"]["id"], n.items[0]);
    assert_eq!(read["status"], "OPEN");
    assert!(read["closedAt"].is_null());
    // The other item untouched.
    assert_eq!(item_of(&read, &n.items[1])["status"], "PENDING");
    assert_eq!(item_of(&read, &n.items[1])["listing"]["status"], "ACTIVE");

    // The last decision closes the notice.
    remove(&app, &n.items[1]).await;
    let read = notice(&app, &n.id).await;
    assert_eq!(read["status"], "CLOSED");
    assert!(read["closedAt"].is_string());
}

#[tokio::test]
async fn remove_issues_a_strike_per_remove_even_when_listing_already_removed() {
    let app = spawn().await;
    let s = scene(&app, 1).await;
    let other = create_brand(&app, "Other").await;
    let otm = verified_trademark(&app, &other).await;
    let a = submit(&app, &s.brand, &s.tm, &s.listings).await;
    let b = submit(&app, &other, &otm, &s.listings).await;
    remove(&app, &a.items[0]).await;
    let (status, removed_at) = listing_state(&app, &s.listings[0]).await;
    assert_eq!(status, "REMOVED");
    let before = counts(&app).await;
    let decided = remove(&app, &b.items[0]).await;
    assert_eq!(decided["status"], "REMOVED");
    assert!(decided["strike"]["id"].is_string());
    assert_eq!(counts(&app).await.strikes, before.strikes + 1);
    // The listing stays removed as it was.
    assert_eq!(listing_state(&app, &s.listings[0]).await, ("REMOVED".to_owned(), removed_at));
    assert_eq!(seller_state(&app, &s.seller).await, ("WARNED".to_owned(), 2));
    // Each strike is from its own notice's brand.
    let read = notice(&app, &b.id).await;
    assert_eq!(item_of(&read, &b.items[0])["strike"]["brand"]["id"], other);
    let read = notice(&app, &a.id).await;
    assert_eq!(item_of(&read, &a.items[0])["strike"]["brand"]["id"], s.brand);
}

#[tokio::test]
async fn reject_requires_a_reason_and_issues_no_strike() {
    let app = spawn().await;
    let s = scene(&app, 1).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    for input in [decide_input(&n.items[0], "REJECT", None), decide_input(&n.items[0], "REJECT", Some("   "))] {
        let before = Before::take(&app).await;
        let resp = app.gql(Some(&reviewer()), DECIDE, json!({ "input": input })).await;
        assert_error(&resp, "BAD_USER_INPUT", Some("reason"));
        before.unchanged(&app, "reject without reason").await;
    }
    let before = counts(&app).await;
    let decided = decide(&app, &n.items[0], "REJECT", Some("Genuine goods.")).await;
    assert_eq!(decided["status"], "REJECTED");
    assert_eq!(decided["decisionReason"], "Genuine goods.");
    assert!(decided["decidedAt"].is_string());
    assert!(decided["strike"].is_null());
    let after = counts(&app).await;
    assert_eq!(after.strikes, before.strikes);
    assert_eq!(after.events, before.events + 1);
    assert_eq!(listing_state(&app, &s.listings[0]).await.0, "ACTIVE");
    assert_eq!(seller_state(&app, &s.seller).await, ("ACTIVE".to_owned(), 0));
    let read = notice(&app, &n.id).await;
    assert_eq!(event_kinds(&read)[1], ("ITEM_REJECTED".to_owned(), "REVIEWER".to_owned()));
    assert_eq!(read["events"]["nodes"][1]["item"]["id"], n.items[0]);
    assert_eq!(read["status"], "CLOSED");
}

#[tokio::test]
async fn deciding_an_item_that_is_not_pending_is_conflict() {
    let app = spawn().await;
    let s = scene(&app, 4).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    remove(&app, &n.items[0]).await;
    reject(&app, &n.items[1]).await;
    remove(&app, &n.items[2]).await;
    let cn_item = n.items[2].clone();
    file_counter(&app, &s.seller, &cn_item).await;
    let w = submit(&app, &s.brand, &s.tm, &[create_listing(&app, &s.seller).await]).await;
    app.data(&admin(), WITHDRAW, json!({"id": w.id})).await;
    // REMOVED, REJECTED, COUNTERED, WITHDRAWN: none can be decided.
    for item in [&n.items[0], &n.items[1], &cn_item, &w.items[0]] {
        for decision in ["REMOVE", "REJECT"] {
            let before = Before::take(&app).await;
            let resp = app
                .gql(Some(&reviewer()), DECIDE, json!({"input": decide_input(item, decision, Some("Second thoughts"))}))
                .await;
            assert_error(&resp, "CONFLICT", None);
            before.unchanged(&app, "deciding a decided item").await;
        }
    }
    // An unknown item is NOT_FOUND.
    let resp = app
        .gql(Some(&reviewer()), DECIDE, json!({"input": decide_input(&gid(Kind::NoticeItem, 999_999), "REMOVE", None)}))
        .await;
    assert_error(&resp, "NOT_FOUND", None);
}

#[tokio::test]
async fn strike_expires_after_the_strike_ttl() {
    let app = spawn_with(rules(|r| r.strike_ttl = Duration::from_secs(3))).await;
    let s = scene(&app, 1).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    remove(&app, &n.items[0]).await;
    let read = notice(&app, &n.id).await;
    let strike = &item_of(&read, &n.items[0])["strike"];
    assert_eq!(instant(&strike["expiresAt"]) - instant(&strike["issuedAt"]), chrono::Duration::seconds(3));
    assert_eq!(strike["active"], true);
    assert_eq!(seller_state(&app, &s.seller).await, ("WARNED".to_owned(), 1));
    tokio::time::sleep(Duration::from_millis(3300)).await;
    let read = notice(&app, &n.id).await;
    let strike = &item_of(&read, &n.items[0])["strike"];
    assert_eq!(strike["active"], false);
    assert_eq!(strike["voided"], false);
    // Expiry alone changes no status.
    assert_eq!(seller_state(&app, &s.seller).await, ("WARNED".to_owned(), 0));
}

#[tokio::test]
async fn seller_status_follows_active_strikes_when_issued_or_voided() {
    let app = spawn().await;
    let s = scene(&app, 4).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    assert_eq!(seller_state(&app, &s.seller).await, ("ACTIVE".to_owned(), 0));
    let expected = ["WARNED", "WARNED", "SUSPENDED", "SUSPENDED"];
    for (i, item) in n.items.iter().enumerate() {
        remove(&app, item).await;
        assert_eq!(
            seller_state(&app, &s.seller).await,
            (expected[i].to_owned(), i as i64 + 1),
            "after {} removals",
            i + 1
        );
    }
    // Voiding strikes (reinstatements) walks the status back down.
    let back = [("SUSPENDED", 3), ("WARNED", 2), ("WARNED", 1), ("ACTIVE", 0)];
    for (i, item) in n.items.iter().enumerate() {
        let cn = file_counter(&app, &s.seller, item).await;
        resolve(&app, &cn, "REINSTATE").await;
        assert_eq!(seller_state(&app, &s.seller).await, (back[i].0.to_owned(), back[i].1), "after {} voided", i + 1);
    }
}

#[tokio::test]
async fn expiry_alone_changes_no_status_but_the_next_strike_recounts() {
    let app = spawn_with(rules(|r| r.strike_ttl = Duration::from_secs(3))).await;
    let s = scene(&app, 4).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    for item in &n.items[..3] {
        remove(&app, item).await;
    }
    assert_eq!(seller_state(&app, &s.seller).await, ("SUSPENDED".to_owned(), 3));
    tokio::time::sleep(Duration::from_millis(3300)).await;
    assert_eq!(seller_state(&app, &s.seller).await, ("SUSPENDED".to_owned(), 0));
    // A new strike: one active strike now.
    remove(&app, &n.items[3]).await;
    assert_eq!(seller_state(&app, &s.seller).await, ("WARNED".to_owned(), 1));
}

#[tokio::test]
async fn terminated_is_final() {
    let app = spawn().await;
    let s = scene(&app, 6).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    for item in &n.items[..5] {
        remove(&app, item).await;
    }
    assert_eq!(seller_state(&app, &s.seller).await, ("TERMINATED".to_owned(), 5));
    // Voiding strikes does not bring it back, nor does a REJECT.
    for item in &n.items[..4] {
        let cn = file_counter(&app, &s.seller, item).await;
        resolve(&app, &cn, "REINSTATE").await;
        assert_eq!(seller_state(&app, &s.seller).await.0, "TERMINATED");
    }
    reject(&app, &n.items[5]).await;
    assert_eq!(seller_state(&app, &s.seller).await, ("TERMINATED".to_owned(), 1));
    // And it still cannot list.
    for tok in [admin(), seller_token(&s.seller)] {
        let before = Before::take(&app).await;
        let resp = app.gql(Some(&tok), CREATE_LISTING, json!({"input": listing_input(&s.seller)})).await;
        assert_error(&resp, "FORBIDDEN", None);
        before.unchanged(&app, "listing by a terminated seller").await;
    }
}

#[tokio::test]
async fn suspended_seller_cannot_create_listings() {
    let app = spawn().await;
    let s = scene(&app, 4).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    remove(&app, &n.items[0]).await;
    remove(&app, &n.items[1]).await;
    // WARNED may still list.
    let data = app.data(&seller_token(&s.seller), CREATE_LISTING, json!({"input": listing_input(&s.seller)})).await;
    assert_eq!(data["createListing"]["status"], "ACTIVE");
    remove(&app, &n.items[2]).await;
    assert_eq!(seller_state(&app, &s.seller).await.0, "SUSPENDED");
    // Whoever asks.
    for tok in [admin(), seller_token(&s.seller)] {
        let before = Before::take(&app).await;
        let resp = app.gql(Some(&tok), CREATE_LISTING, json!({"input": listing_input(&s.seller)})).await;
        assert_error(&resp, "FORBIDDEN", None);
        before.unchanged(&app, "listing by a suspended seller").await;
    }
    // Back to WARNED after a reinstatement: it may list again.
    let cn = file_counter(&app, &s.seller, &n.items[0]).await;
    resolve(&app, &cn, "REINSTATE").await;
    assert_eq!(seller_state(&app, &s.seller).await.0, "WARNED");
    create_listing(&app, &s.seller).await;
}

// =============================================================================================
// Counter-notices
// =============================================================================================

#[tokio::test]
async fn counter_notice_marks_the_item_countered_and_writes_an_event() {
    let app = spawn().await;
    let s = scene(&app, 2).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    remove(&app, &n.items[0]).await;
    let before = counts(&app).await;
    let data = app.data(&seller_token(&s.seller), FILE_COUNTER, json!({"input": counter_input(&n.items[0])})).await;
    let cn = &data["fileCounterNotice"];
    assert_eq!(cn["status"], "PENDING");
    assert_eq!(cn["item"]["status"], "COUNTERED");
    assert!(cn["filedAt"].is_string());
    let after = counts(&app).await;
    assert_eq!(after.counter_notices, before.counter_notices + 1);
    assert_eq!(after.events, before.events + 1);
    assert_eq!(after.strikes, before.strikes);
    let read = notice(&app, &n.id).await;
    let item = item_of(&read, &n.items[0]);
    assert_eq!(item["status"], "COUNTERED");
    assert_eq!(item["counterNotice"]["id"], cn["id"]);
    // The listing stays removed and the strike stands until the counter-notice is resolved.
    assert_eq!(item["listing"]["status"], "REMOVED");
    assert_eq!(item["strike"]["active"], true);
    let events = event_kinds(&read);
    assert_eq!(events.last().expect("event"), &("COUNTER_NOTICE_FILED".to_owned(), "SELLER".to_owned()));
    assert_eq!(read["events"]["nodes"][2]["item"]["id"], n.items[0]);
}

#[tokio::test]
async fn counter_notice_only_on_a_removed_item() {
    let app = spawn().await;
    let s = scene(&app, 3).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    reject(&app, &n.items[1]).await;
    remove(&app, &n.items[2]).await;
    let cn = file_counter(&app, &s.seller, &n.items[2]).await;
    resolve(&app, &cn, "REINSTATE").await;
    // PENDING, REJECTED, REINSTATED.
    for item in [&n.items[0], &n.items[1], &n.items[2]] {
        let before = Before::take(&app).await;
        let resp = app.gql(Some(&seller_token(&s.seller)), FILE_COUNTER, json!({"input": counter_input(item)})).await;
        assert_error(&resp, "CONFLICT", None);
        before.unchanged(&app, "counter-notice on an item that is not REMOVED").await;
    }
    // A statement too short is BAD_USER_INPUT.
    let m = submit(&app, &s.brand, &s.tm, &[create_listing(&app, &s.seller).await]).await;
    remove(&app, &m.items[0]).await;
    let before = Before::take(&app).await;
    let resp = app
        .gql(
            Some(&seller_token(&s.seller)),
            FILE_COUNTER,
            json!({"input": {"itemId": m.items[0], "statement": "short"}}),
        )
        .await;
    assert_error(&resp, "BAD_USER_INPUT", Some("statement"));
    before.unchanged(&app, "short statement").await;
}

#[tokio::test]
async fn counter_notice_is_filed_once() {
    let app = spawn().await;
    let s = scene(&app, 1).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    remove(&app, &n.items[0]).await;
    let cn = file_counter(&app, &s.seller, &n.items[0]).await;
    let before = Before::take(&app).await;
    let resp =
        app.gql(Some(&seller_token(&s.seller)), FILE_COUNTER, json!({"input": counter_input(&n.items[0])})).await;
    assert_error(&resp, "CONFLICT", None);
    before.unchanged(&app, "second counter-notice while pending").await;
    // Upheld: the item is REMOVED again, and still only one counter-notice may be filed.
    resolve(&app, &cn, "UPHOLD").await;
    let before = Before::take(&app).await;
    let resp =
        app.gql(Some(&seller_token(&s.seller)), FILE_COUNTER, json!({"input": counter_input(&n.items[0])})).await;
    assert_error(&resp, "CONFLICT", None);
    before.unchanged(&app, "second counter-notice after UPHOLD").await;
}

#[tokio::test]
async fn counter_notice_outside_the_window_is_conflict() {
    let app = spawn_with(rules(|r| r.counter_notice_window = Duration::from_secs(2))).await;
    let s = scene(&app, 2).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    remove(&app, &n.items[0]).await;
    tokio::time::sleep(Duration::from_millis(2300)).await;
    remove(&app, &n.items[1]).await;
    // A fresh removal is within the window.
    file_counter(&app, &s.seller, &n.items[1]).await;
    let before = Before::take(&app).await;
    let resp =
        app.gql(Some(&seller_token(&s.seller)), FILE_COUNTER, json!({"input": counter_input(&n.items[0])})).await;
    assert_error(&resp, "CONFLICT", None);
    before.unchanged(&app, "late counter-notice").await;
}

#[tokio::test]
async fn counter_notice_may_be_filed_whatever_the_seller_status() {
    let app = spawn().await;
    let s = scene(&app, 5).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    for item in &n.items {
        remove(&app, item).await;
    }
    assert_eq!(seller_state(&app, &s.seller).await.0, "TERMINATED");
    let cn = file_counter(&app, &s.seller, &n.items[0]).await;
    resolve(&app, &cn, "REINSTATE").await;
    // A suspended one too.
    let t = scene(&app, 3).await;
    let m = submit(&app, &t.brand, &t.tm, &t.listings).await;
    for item in &m.items {
        remove(&app, item).await;
    }
    assert_eq!(seller_state(&app, &t.seller).await.0, "SUSPENDED");
    file_counter(&app, &t.seller, &m.items[2]).await;
}

#[tokio::test]
async fn counter_notice_on_closed_notice_reopens_it() {
    let app = spawn().await;
    let s = scene(&app, 2).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    remove(&app, &n.items[0]).await;
    reject(&app, &n.items[1]).await;
    let read = notice(&app, &n.id).await;
    assert_eq!(read["status"], "CLOSED");
    let first_close = instant(&read["closedAt"]);

    file_counter(&app, &s.seller, &n.items[0]).await;
    let read = notice(&app, &n.id).await;
    assert_eq!(read["status"], "OPEN");
    assert!(read["closedAt"].is_null(), "closedAt is null while OPEN: {read:#}");

    let cn = str_at(&item_of(&read, &n.items[0])["counterNotice"], "/id");
    tokio::time::sleep(Duration::from_millis(5)).await;
    resolve(&app, &cn, "UPHOLD").await;
    let read = notice(&app, &n.id).await;
    assert_eq!(read["status"], "CLOSED");
    // closedAt is when it last closed.
    assert!(instant(&read["closedAt"]) > first_close);
}

#[tokio::test]
async fn reinstate_accepts_the_counter_notice_reinstates_the_listing_and_voids_the_strike() {
    let app = spawn().await;
    let s = scene(&app, 1).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    remove(&app, &n.items[0]).await;
    let cn = file_counter(&app, &s.seller, &n.items[0]).await;
    let before = counts(&app).await;
    let resolved = resolve(&app, &cn, "REINSTATE").await;
    assert_eq!(resolved["status"], "ACCEPTED");
    assert!(resolved["resolvedAt"].is_string());
    assert_eq!(resolved["item"]["status"], "REINSTATED");
    let after = counts(&app).await;
    assert_eq!(after.events, before.events + 1);
    assert_eq!(after.strikes, before.strikes);
    let read = notice(&app, &n.id).await;
    let item = item_of(&read, &n.items[0]);
    assert_eq!(item["status"], "REINSTATED");
    assert_eq!(item["counterNotice"]["status"], "ACCEPTED");
    assert_eq!(item["listing"]["status"], "REINSTATED");
    assert_eq!(item["strike"]["voided"], true);
    assert_eq!(item["strike"]["active"], false);
    assert_eq!(item["listing"]["seller"]["status"], "ACTIVE");
    assert_eq!(item["listing"]["seller"]["activeStrikeCount"], 0);
    assert_eq!(read["status"], "CLOSED");
    assert_eq!(
        kinds(&event_kinds(&read)),
        vec!["NOTICE_SUBMITTED", "ITEM_REMOVED", "COUNTER_NOTICE_FILED", "LISTING_REINSTATED"]
    );
    assert_eq!(event_kinds(&read)[3].1, "REVIEWER");
}

#[tokio::test]
async fn uphold_rejects_the_counter_notice_and_the_item_is_removed_again() {
    let app = spawn().await;
    let s = scene(&app, 1).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    remove(&app, &n.items[0]).await;
    let cn = file_counter(&app, &s.seller, &n.items[0]).await;
    let before = counts(&app).await;
    let data =
        app.data(&admin(), RESOLVE_COUNTER, json!({"input": {"counterNoticeId": cn, "decision": "UPHOLD"}})).await;
    let resolved = &data["resolveCounterNotice"];
    assert_eq!(resolved["status"], "REJECTED");
    assert!(resolved["resolvedAt"].is_string());
    assert_eq!(resolved["item"]["status"], "REMOVED");
    assert_eq!(counts(&app).await.events, before.events + 1);
    let read = notice(&app, &n.id).await;
    let item = item_of(&read, &n.items[0]);
    assert_eq!(item["listing"]["status"], "REMOVED");
    assert_eq!(item["strike"]["active"], true);
    assert_eq!(item["listing"]["seller"]["status"], "WARNED");
    assert_eq!(read["status"], "CLOSED");
    assert_eq!(event_kinds(&read).last().expect("event"), &("COUNTER_NOTICE_REJECTED".to_owned(), "ADMIN".to_owned()));
}

#[tokio::test]
async fn resolving_a_resolved_counter_notice_is_conflict() {
    let app = spawn().await;
    let s = scene(&app, 2).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    remove(&app, &n.items[0]).await;
    remove(&app, &n.items[1]).await;
    let a = file_counter(&app, &s.seller, &n.items[0]).await;
    let b = file_counter(&app, &s.seller, &n.items[1]).await;
    resolve(&app, &a, "REINSTATE").await;
    resolve(&app, &b, "UPHOLD").await;
    for cn in [&a, &b] {
        for decision in ["REINSTATE", "UPHOLD"] {
            let before = Before::take(&app).await;
            let resp = app
                .gql(
                    Some(&reviewer()),
                    RESOLVE_COUNTER,
                    json!({"input": {"counterNoticeId": cn, "decision": decision}}),
                )
                .await;
            assert_error(&resp, "CONFLICT", None);
            before.unchanged(&app, "second resolution").await;
        }
    }
    let resp = app
        .gql(
            Some(&reviewer()),
            RESOLVE_COUNTER,
            json!({"input": {"counterNoticeId": gid(Kind::CounterNotice, 999_999), "decision": "UPHOLD"}}),
        )
        .await;
    assert_error(&resp, "NOT_FOUND", None);
}

// =============================================================================================
// Withdrawal
// =============================================================================================

#[tokio::test]
async fn withdrawal_of_never_decided_notice_is_withdrawn() {
    let app = spawn().await;
    let s = scene(&app, 2).await;
    let n = submit_as(&app, &agent(&s.brand), notice_input_all(&s.brand, &s.tm, &s.listings)).await;
    let before = counts(&app).await;
    let data = app.data(&agent(&s.brand), WITHDRAW, json!({"id": n.id})).await;
    let w = &data["withdrawNotice"];
    assert_eq!(w["status"], "WITHDRAWN");
    assert!(w["closedAt"].is_string());
    for item in w["items"]["nodes"].as_array().expect("items") {
        assert_eq!(item["status"], "WITHDRAWN");
    }
    let after = counts(&app).await;
    assert_eq!(after.events, before.events + 1);
    assert_eq!(after.strikes, before.strikes);
    let read = notice(&app, &n.id).await;
    assert_eq!(
        event_kinds(&read),
        vec![("NOTICE_SUBMITTED".into(), "BRAND_AGENT".into()), ("NOTICE_WITHDRAWN".into(), "BRAND_AGENT".into())]
    );
    assert_eq!(read["events"]["nodes"][1]["notice"]["id"], n.id);
    for l in &s.listings {
        assert_eq!(listing_state(&app, l).await.0, "ACTIVE");
    }
    // The brand may name the listings again.
    submit(&app, &s.brand, &s.tm, &s.listings).await;
}

#[tokio::test]
async fn withdrawal_after_a_decision_closes_by_the_status_rule() {
    let app = spawn().await;
    let s = scene(&app, 3).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    remove(&app, &n.items[0]).await;
    let before = counts(&app).await;
    let data = app.data(&admin(), WITHDRAW, json!({"id": n.id})).await;
    assert_eq!(data["withdrawNotice"]["status"], "CLOSED");
    assert!(data["withdrawNotice"]["closedAt"].is_string());
    assert_eq!(counts(&app).await.events, before.events + 1);
    let read = notice(&app, &n.id).await;
    assert_eq!(item_of(&read, &n.items[0])["status"], "REMOVED");
    assert_eq!(item_of(&read, &n.items[1])["status"], "WITHDRAWN");
    assert_eq!(item_of(&read, &n.items[2])["status"], "WITHDRAWN");
    assert_eq!(kinds(&event_kinds(&read)), vec!["NOTICE_SUBMITTED", "ITEM_REMOVED", "NOTICE_WITHDRAWN"]);
    assert_eq!(event_kinds(&read)[2].1, "ADMIN");

    // With a COUNTERED item left, the notice stays OPEN.
    let t = scene(&app, 2).await;
    let m = submit(&app, &t.brand, &t.tm, &t.listings).await;
    remove(&app, &m.items[0]).await;
    file_counter(&app, &t.seller, &m.items[0]).await;
    let data = app.data(&agent(&t.brand), WITHDRAW, json!({"id": m.id})).await;
    assert_eq!(data["withdrawNotice"]["status"], "OPEN");
    assert!(data["withdrawNotice"]["closedAt"].is_null());
    let read = notice(&app, &m.id).await;
    assert_eq!(item_of(&read, &m.items[1])["status"], "WITHDRAWN");
    // Resolving the counter-notice closes it.
    let cn = str_at(&item_of(&read, &m.items[0])["counterNotice"], "/id");
    resolve(&app, &cn, "UPHOLD").await;
    assert_eq!(notice(&app, &m.id).await["status"], "CLOSED");
}

#[tokio::test]
async fn withdrawal_needs_an_open_notice_with_a_pending_item() {
    let app = spawn().await;
    let s = scene(&app, 5).await;
    // CLOSED.
    let closed = submit(&app, &s.brand, &s.tm, &s.listings[..1]).await;
    reject(&app, &closed.items[0]).await;
    // WITHDRAWN.
    let withdrawn = submit(&app, &s.brand, &s.tm, &s.listings[1..2]).await;
    app.data(&admin(), WITHDRAW, json!({"id": withdrawn.id})).await;
    // OPEN, but nothing PENDING (one COUNTERED item).
    let countered = submit(&app, &s.brand, &s.tm, &s.listings[2..3]).await;
    remove(&app, &countered.items[0]).await;
    file_counter(&app, &s.seller, &countered.items[0]).await;
    assert_eq!(notice(&app, &countered.id).await["status"], "OPEN");
    for id in [&closed.id, &withdrawn.id, &countered.id] {
        for tok in [admin(), agent(&s.brand)] {
            let before = Before::take(&app).await;
            let resp = app.gql(Some(&tok), WITHDRAW, json!({ "id": id })).await;
            assert_error(&resp, "CONFLICT", None);
            before.unchanged(&app, "withdrawing a notice that cannot be withdrawn").await;
        }
    }
    let resp = app.gql(Some(&admin()), WITHDRAW, json!({"id": gid(Kind::Notice, 999_999)})).await;
    assert_error(&resp, "NOT_FOUND", None);
}

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

// =============================================================================================
// Stats
// =============================================================================================

fn hours(from: &Value, to: &Value) -> f64 {
    let d = instant(to) - instant(from);
    d.num_microseconds().expect("micros") as f64 / 3_600_000_000.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

const STATS: &str = "query($id: ID!, $since: DateTime) { brand(id: $id) { stats(since: $since) { noticesSubmitted itemsSubmitted itemsPending itemsRemoved itemsRejected itemsReinstated counterNoticesFiled takedownRate counterNoticeSuccessRate medianHoursToDecision } } }";

async fn stats(app: &TestApp, tok: &str, brand: &str, since: Option<&str>) -> Value {
    app.data(tok, STATS, json!({"id": brand, "since": since})).await["brand"]["stats"].clone()
}

fn assert_close(actual: &Value, expected: f64, what: &str) {
    let a = actual.as_f64().unwrap_or_else(|| panic!("{what}: not a number: {actual}"));
    assert!((a - expected).abs() < 1e-9, "{what}: {a} != {expected}");
}

#[tokio::test]
async fn stats_follow_the_contract_definitions() {
    let app = spawn().await;
    let s = scene(&app, 8).await;
    let l = &s.listings;
    let pause = || tokio::time::sleep(Duration::from_millis(30));

    // Before `mid`: N1 over L0..L4.
    let n1 = submit(&app, &s.brand, &s.tm, &l[..5]).await;
    pause().await;
    remove(&app, &n1.items[0]).await; // then countered and reinstated
    pause().await;
    remove(&app, &n1.items[1]).await; // then countered and upheld
    pause().await;
    reject(&app, &n1.items[2]).await;
    // n1.items[3] stays PENDING
    pause().await;
    remove(&app, &n1.items[4]).await;
    let cn = file_counter(&app, &s.seller, &n1.items[0]).await;
    resolve(&app, &cn, "REINSTATE").await;
    let cn = file_counter(&app, &s.seller, &n1.items[1]).await;
    resolve(&app, &cn, "UPHOLD").await;
    pause().await;
    let mid = Utc::now();
    pause().await;

    // After `mid`: N2 over L5..L7.
    let n2 = submit(&app, &s.brand, &s.tm, &l[5..]).await;
    pause().await;
    remove(&app, &n2.items[0]).await; // then countered, left pending
    pause().await;
    pause().await;
    reject(&app, &n2.items[1]).await;
    // n2.items[2] stays PENDING
    file_counter(&app, &s.seller, &n2.items[0]).await;

    // Another brand's activity on the same listings counts only for it.
    let other = create_brand(&app, "Other").await;
    let otm = verified_trademark(&app, &other).await;
    let o = submit(&app, &other, &otm, &l[7..]).await;
    remove(&app, &o.items[0]).await;

    // The durations, from the notices' submittedAt to the items' decidedAt.
    let r1 = notice(&app, &n1.id).await;
    let r2 = notice(&app, &n2.id).await;
    let d = |n: &Value, item: &str| hours(&n["submittedAt"], &item_of(n, item)["decidedAt"]);
    let before_mid: Vec<f64> = [0, 1, 2, 4].iter().map(|i| d(&r1, &n1.items[*i])).collect();
    let after_mid: Vec<f64> = [0, 1].iter().map(|i| d(&r2, &n2.items[*i])).collect();
    let all: Vec<f64> = before_mid.iter().chain(after_mid.iter()).copied().collect();
    assert_eq!(all.len(), 6);
    // An even count: the mean of the two middle values.
    let all_median = median(all);

    // All time: 2 notices, 8 items, 2 pending; decided 6 (L0 REINSTATED, L1 REMOVED, L2 REJECTED,
    // L4 REMOVED, L5 COUNTERED, L6 REJECTED); taken down 4; 3 counter-notices.
    for tok in [admin(), reviewer(), analyst(), agent(&s.brand)] {
        let all_time = stats(&app, &tok, &s.brand, None).await;
        assert_eq!(all_time["noticesSubmitted"], 2, "{all_time:#}");
        assert_eq!(all_time["itemsSubmitted"], 8);
        assert_eq!(all_time["itemsPending"], 2);
        assert_eq!(all_time["itemsRemoved"], 4);
        assert_eq!(all_time["itemsRejected"], 2);
        assert_eq!(all_time["itemsReinstated"], 1);
        assert_eq!(all_time["counterNoticesFiled"], 3);
        assert_close(&all_time["takedownRate"], 4.0 / 6.0, "takedownRate");
        assert_close(&all_time["counterNoticeSuccessRate"], 1.0 / 4.0, "counterNoticeSuccessRate");
        assert_close(&all_time["medianHoursToDecision"], all_median, "medianHoursToDecision");
    }

    // Since `mid`: N2 only; decided L5 (COUNTERED) and L6 (REJECTED).
    let since = mid.to_rfc3339();
    let recent = stats(&app, &admin(), &s.brand, Some(&since)).await;
    assert_eq!(recent["noticesSubmitted"], 1, "{recent:#}");
    assert_eq!(recent["itemsSubmitted"], 3);
    assert_eq!(recent["itemsPending"], 1);
    assert_eq!(recent["itemsRemoved"], 1);
    assert_eq!(recent["itemsRejected"], 1);
    assert_eq!(recent["itemsReinstated"], 0);
    assert_eq!(recent["counterNoticesFiled"], 1);
    assert_close(&recent["takedownRate"], 0.5, "takedownRate since");
    assert_close(&recent["counterNoticeSuccessRate"], 0.0, "counterNoticeSuccessRate since");
    assert_close(&recent["medianHoursToDecision"], (after_mid[0] + after_mid[1]) / 2.0, "median since");

    // An odd count: the middle value (the other brand has one decided item).
    let theirs = stats(&app, &admin(), &other, None).await;
    assert_eq!(theirs["noticesSubmitted"], 1);
    assert_eq!(theirs["itemsSubmitted"], 1);
    assert_eq!(theirs["itemsRemoved"], 1);
    assert_eq!(theirs["counterNoticesFiled"], 0);
    assert_close(&theirs["takedownRate"], 1.0, "their takedownRate");
    assert_close(&theirs["counterNoticeSuccessRate"], 0.0, "their counterNoticeSuccessRate");
    let ro = notice(&app, &o.id).await;
    assert_close(&theirs["medianHoursToDecision"], d(&ro, &o.items[0]), "their median");

    // Nothing since a future instant: zeros, and null rates.
    let future = (Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let none = stats(&app, &admin(), &s.brand, Some(&future)).await;
    for field in [
        "noticesSubmitted",
        "itemsSubmitted",
        "itemsPending",
        "itemsRemoved",
        "itemsRejected",
        "itemsReinstated",
        "counterNoticesFiled",
    ] {
        assert_eq!(none[field], 0, "{field}: {none:#}");
    }
    for field in ["takedownRate", "counterNoticeSuccessRate", "medianHoursToDecision"] {
        assert!(none[field].is_null(), "{field}: {none:#}");
    }
    // Another brand's agent may not see them.
    let resp = app.gql(Some(&agent(&other)), STATS, json!({"id": s.brand})).await;
    assert_eq!(crate::harness::codes(&resp), vec!["FORBIDDEN".to_owned()]);
}

// =============================================================================================
// Events
// =============================================================================================

#[tokio::test]
async fn enforcement_history_is_newest_first_and_includes_tier_changes() {
    let app = spawn_with(rules(|r| r.trust_min_decided = 2)).await;
    let s = scene(&app, 3).await;
    let n1 = submit_as(&app, &agent(&s.brand), notice_input_all(&s.brand, &s.tm, &s.listings[..2])).await;
    remove(&app, &n1.items[0]).await;
    remove(&app, &n1.items[1]).await; // TRUSTED
    let n2 = submit_as(&app, &agent(&s.brand), notice_input_all(&s.brand, &s.tm, &s.listings[2..])).await;
    assert_eq!(n2.notice["expedited"], true);
    let cn = file_counter(&app, &s.seller, &n2.items[0]).await;
    resolve(&app, &cn, "REINSTATE").await; // 1 of 3 reinstated: STANDARD

    // Another brand's events are not part of it.
    let other = scene(&app, 1).await;
    let o = submit(&app, &other.brand, &other.tm, &other.listings).await;
    remove(&app, &o.items[0]).await;

    let n1s = json!(n1.id);
    let n2s = json!(n2.id);
    let null = Value::Null;
    let expected: Vec<(&str, &str, &Value, Value)> = vec![
        ("TRUST_TIER_CHANGED", "SYSTEM", &null, Value::Null),
        ("LISTING_REINSTATED", "REVIEWER", &n2s, json!(n2.items[0])),
        ("COUNTER_NOTICE_FILED", "SELLER", &n2s, json!(n2.items[0])),
        ("ITEM_REMOVED", "SYSTEM", &n2s, json!(n2.items[0])),
        ("NOTICE_SUBMITTED", "BRAND_AGENT", &n2s, Value::Null),
        ("TRUST_TIER_CHANGED", "SYSTEM", &null, Value::Null),
        ("ITEM_REMOVED", "REVIEWER", &n1s, json!(n1.items[1])),
        ("ITEM_REMOVED", "REVIEWER", &n1s, json!(n1.items[0])),
        ("NOTICE_SUBMITTED", "BRAND_AGENT", &n1s, Value::Null),
    ];
    for tok in [admin(), agent(&s.brand)] {
        let h = history(&app, &tok, &s.brand).await;
        let got: Vec<(&str, &str, &Value, Value)> =
            h.iter().map(|e| (e.0.as_str(), e.1.as_str(), &e.2, e.3.clone())).collect();
        assert_eq!(got, expected);
        // Newest first.
        for pair in h.windows(2) {
            assert!(instant(&json!(pair[0].4)) >= instant(&json!(pair[1].4)), "{h:?}");
        }
    }
    // Another brand's agent sees none of it.
    assert!(history(&app, &agent(&other.brand), &s.brand).await.is_empty());
    // The notices' own events, in the order they happened, without the tier changes.
    assert_eq!(
        kinds(&event_kinds(&notice(&app, &n2.id).await)),
        vec!["NOTICE_SUBMITTED", "ITEM_REMOVED", "COUNTER_NOTICE_FILED", "LISTING_REINSTATED"]
    );
    // `since` keeps the newer ones.
    let since = h_at(&app, &s.brand, 4).await;
    let data = app
        .data(
            &admin(),
            "query($id: ID!, $since: DateTime) { brand(id: $id) { enforcementHistory(first: 100, since: $since) { nodes { kind } } } }",
            json!({"id": s.brand, "since": since}),
        )
        .await;
    let newer: Vec<String> = data["brand"]["enforcementHistory"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|e| string(&e["kind"]))
        .collect();
    assert_eq!(
        newer,
        vec!["TRUST_TIER_CHANGED", "LISTING_REINSTATED", "COUNTER_NOTICE_FILED", "ITEM_REMOVED", "NOTICE_SUBMITTED"]
    );
}

/// The `at` of the `i`-th newest event of a brand.
async fn h_at(app: &TestApp, brand: &str, i: usize) -> String {
    history(app, &admin(), brand).await[i].4.clone()
}

#[tokio::test]
async fn each_change_writes_exactly_the_listed_events() {
    let app = spawn().await;
    let s = scene(&app, 4).await;
    let mut last = counts(&app).await.events;
    let mut check = |what: &str, expected: u64, now: u64| {
        assert_eq!(now - last, expected, "{what}");
        last = now;
    };
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    check("submit", 1, counts(&app).await.events);
    remove(&app, &n.items[0]).await;
    check("remove", 1, counts(&app).await.events);
    reject(&app, &n.items[1]).await;
    check("reject", 1, counts(&app).await.events);
    let cn = file_counter(&app, &s.seller, &n.items[0]).await;
    check("counter-notice", 1, counts(&app).await.events);
    resolve(&app, &cn, "UPHOLD").await;
    check("uphold", 1, counts(&app).await.events);
    app.data(&admin(), WITHDRAW, json!({"id": n.id})).await;
    check("withdraw of 2 items", 1, counts(&app).await.events);
    let read = notice(&app, &n.id).await;
    assert_eq!(
        kinds(&event_kinds(&read)),
        vec![
            "NOTICE_SUBMITTED",
            "ITEM_REMOVED",
            "ITEM_REJECTED",
            "COUNTER_NOTICE_FILED",
            "COUNTER_NOTICE_REJECTED",
            "NOTICE_WITHDRAWN"
        ]
    );
    assert_eq!(read["events"]["totalCount"], 6);
    // A seller sees the events about its own items only.
    let data = app
        .data(
            &seller_token(&s.seller),
            "query($id: ID!) { notice(id: $id) { events(first: 50) { nodes { kind actorRole } } } }",
            json!({"id": n.id}),
        )
        .await;
    let seen: Vec<String> =
        data["notice"]["events"]["nodes"].as_array().expect("events").iter().map(|e| string(&e["kind"])).collect();
    assert_eq!(seen, vec!["ITEM_REMOVED", "ITEM_REJECTED", "COUNTER_NOTICE_FILED", "COUNTER_NOTICE_REJECTED"]);
}

// =============================================================================================
// Seller identifiers
// =============================================================================================

async fn identifiers(app: &TestApp, seller: &str) -> Vec<(String, String)> {
    let data = app
        .data(&admin(), "query($id: ID!) { seller(id: $id) { identifiers { kind value } } }", json!({"id": seller}))
        .await;
    let mut out: Vec<(String, String)> = data["seller"]["identifiers"]
        .as_array()
        .expect("identifiers")
        .iter()
        .map(|i| (string(&i["kind"]), string(&i["value"])))
        .collect();
    out.sort();
    out
}

async fn add_ok(app: &TestApp, seller: &str, kind: &str, value: &str) {
    let resp = add_identifier(app, &admin(), seller, kind, value).await;
    assert!(resp.get("errors").is_none(), "{resp:#}");
    assert_eq!(resp["data"]["addSellerIdentifier"]["id"], seller);
}

#[tokio::test]
async fn identifier_phone_keeps_digits_only() {
    let app = spawn().await;
    let seller = register_seller(&app, "phone").await;
    add_ok(&app, &seller, "PHONE", " +86 (138) 000-0000 ").await;
    assert_eq!(identifiers(&app, &seller).await, vec![("PHONE".to_owned(), "861380000000".to_owned())]);
    // Another spelling of the same number changes nothing.
    add_ok(&app, &seller, "PHONE", "8613800 00000").await;
    assert_eq!(counts(&app).await.identifiers, 1);
}

#[tokio::test]
async fn identifier_gmail_drops_dots_and_plus_tag() {
    let app = spawn().await;
    let seller = register_seller(&app, "mail").await;
    add_ok(&app, &seller, "EMAIL", "John.Doe+shop@GoogleMail.com").await;
    add_ok(&app, &seller, "EMAIL", " j.o.h.n.d.o.e@gmail.com").await;
    add_ok(&app, &seller, "EMAIL", "JOHNDOE+other@gmail.com").await;
    add_ok(&app, &seller, "EMAIL", "John.Doe+x@Example.com").await;
    assert_eq!(
        identifiers(&app, &seller).await,
        vec![
            ("EMAIL".to_owned(), "john.doe+x@example.com".to_owned()),
            ("EMAIL".to_owned(), "johndoe@gmail.com".to_owned())
        ]
    );
    assert_eq!(counts(&app).await.identifiers, 2);
}

#[tokio::test]
async fn identifier_address_folds_punctuation_into_single_spaces() {
    let app = spawn().await;
    let seller = register_seller(&app, "addr").await;
    add_ok(&app, &seller, "ADDRESS", "  12, Nathan Rd.\n Kowloon -- HK ").await;
    add_ok(&app, &seller, "ADDRESS", "12 NATHAN RD KOWLOON HK").await;
    add_ok(&app, &seller, "PAYMENT_ACCOUNT", "  ACCT-77 ").await;
    assert_eq!(
        identifiers(&app, &seller).await,
        vec![
            ("ADDRESS".to_owned(), "12 nathan rd kowloon hk".to_owned()),
            ("PAYMENT_ACCOUNT".to_owned(), "acct-77".to_owned()),
        ]
    );
}

#[tokio::test]
async fn adding_the_same_identifier_twice_leaves_one() {
    let app = spawn().await;
    let seller = register_seller(&app, "twice").await;
    let other = register_seller(&app, "other").await;
    add_ok(&app, &seller, "DEVICE", "dev-1").await;
    let before = Before::take(&app).await;
    add_ok(&app, &seller, "DEVICE", "dev-1").await;
    add_ok(&app, &seller, "DEVICE", " DEV-1 ").await;
    before.unchanged(&app, "adding an identifier the seller has").await;
    // The same value of another kind, or for another seller, is another identifier.
    add_ok(&app, &seller, "IMAGE_HASH", "dev-1").await;
    add_ok(&app, &other, "DEVICE", "dev-1").await;
    assert_eq!(counts(&app).await.identifiers, 3);
}

#[tokio::test]
async fn identifier_email_without_at_is_bad_user_input() {
    let app = spawn().await;
    let seller = register_seller(&app, "bad").await;
    for (kind, value) in [
        ("EMAIL", "no-at-sign"),
        ("EMAIL", "@example.com"),
        ("EMAIL", "   "),
        ("PHONE", "call me"),
        ("ADDRESS", " ,.- "),
        ("DEVICE", "   "),
    ] {
        let before = Before::take(&app).await;
        let resp = add_identifier(&app, &admin(), &seller, kind, value).await;
        assert_error(&resp, "BAD_USER_INPUT", Some("value"));
        before.unchanged(&app, &format!("{kind} {value:?}")).await;
    }
    let resp = add_identifier(&app, &admin(), &gid(Kind::Seller, 999_999), "PHONE", "123").await;
    assert_error(&resp, "NOT_FOUND", None);
}

// =============================================================================================
// Roles (CONTRACT.md section 3, the mutation table)
// =============================================================================================

/// Asserts that `query` with `variables` answers `code` for every token of `tokens` and changes
/// nothing.
async fn refused_for(app: &TestApp, tokens: &[(&str, String)], query: &str, variables: Value, code: &str) {
    for (who, tok) in tokens {
        let before = Before::take(app).await;
        let resp = app.gql(Some(tok), query, variables.clone()).await;
        assert_eq!(crate::harness::code(&resp), code, "{who}: {resp:#}");
        assert_error(&resp, code, None);
        before.unchanged(app, who).await;
    }
}

/// Tokens of every role but those in `allowed`, acting for `s`'s brand and seller.
fn others(s: &Scene, allowed: &[Role]) -> Vec<(&'static str, String)> {
    let all = [
        ("ADMIN", Role::Admin, admin()),
        ("REVIEWER", Role::Reviewer, reviewer()),
        ("ANALYST", Role::Analyst, analyst()),
        ("BRAND_AGENT", Role::BrandAgent, agent(&s.brand)),
        ("SELLER", Role::Seller, seller_token(&s.seller)),
    ];
    all.into_iter().filter(|(_, r, _)| !allowed.contains(r)).map(|(n, _, t)| (n, t)).collect()
}

#[tokio::test]
async fn create_brand_is_admin_only() {
    let app = spawn().await;
    let s = scene(&app, 0).await;
    let vars = json!({"input": {"name": "Nope", "country": "FR"}});
    refused_for(&app, &others(&s, &[Role::Admin]), CREATE_BRAND, vars.clone(), "FORBIDDEN").await;
    app.data(&admin(), CREATE_BRAND, vars).await;
}

#[tokio::test]
async fn register_seller_is_admin_only() {
    let app = spawn().await;
    let s = scene(&app, 0).await;
    let vars = json!({"input": {"handle": "nope-shop", "displayName": "Nope", "country": "FR"}});
    refused_for(&app, &others(&s, &[Role::Admin]), REGISTER_SELLER, vars.clone(), "FORBIDDEN").await;
    app.data(&admin(), REGISTER_SELLER, vars).await;
}

#[tokio::test]
async fn add_seller_identifier_is_admin_only() {
    let app = spawn().await;
    let s = scene(&app, 0).await;
    let vars = json!({"input": {"sellerId": s.seller, "kind": "PHONE", "value": "+1 555 0100"}});
    refused_for(&app, &others(&s, &[Role::Admin]), ADD_IDENTIFIER, vars.clone(), "FORBIDDEN").await;
    app.data(&admin(), ADD_IDENTIFIER, vars).await;
}

#[tokio::test]
async fn register_trademark_is_for_admin_and_the_brands_agent() {
    let app = spawn().await;
    let s = scene(&app, 0).await;
    let other = create_brand(&app, "Other").await;
    let vars = json!({"input": trademark_input(&s.brand, "ROLE-1", "US")});
    refused_for(&app, &others(&s, &[Role::Admin, Role::BrandAgent]), REGISTER_TRADEMARK, vars.clone(), "FORBIDDEN")
        .await;
    // Another brand's agent may see the brand but not act for it.
    refused_for(&app, &[("other agent", agent(&other))], REGISTER_TRADEMARK, vars.clone(), "FORBIDDEN").await;
    let data = app.data(&agent(&s.brand), REGISTER_TRADEMARK, vars).await;
    assert_eq!(data["registerTrademark"]["status"], "PENDING_VERIFICATION");
    app.data(&admin(), REGISTER_TRADEMARK, json!({"input": trademark_input(&s.brand, "ROLE-2", "US")})).await;
}

#[tokio::test]
async fn verify_trademark_is_for_admin_and_reviewer() {
    let app = spawn().await;
    let s = scene(&app, 0).await;
    let a = register_trademark(&app, &s.brand, "V-1", "US").await;
    let b = register_trademark(&app, &s.brand, "V-2", "US").await;
    let vars = json!({"input": {"trademarkId": a, "approve": true}});
    refused_for(&app, &others(&s, &[Role::Admin, Role::Reviewer]), VERIFY_TRADEMARK, vars.clone(), "FORBIDDEN").await;
    assert_eq!(app.data(&reviewer(), VERIFY_TRADEMARK, vars).await["verifyTrademark"]["status"], "VERIFIED");
    let vars = json!({"input": {"trademarkId": b, "approve": false}});
    assert_eq!(app.data(&admin(), VERIFY_TRADEMARK, vars).await["verifyTrademark"]["status"], "REJECTED");
}

#[tokio::test]
async fn create_listing_is_for_admin_and_the_seller_itself() {
    let app = spawn().await;
    let s = scene(&app, 0).await;
    let other = register_seller(&app, "other").await;
    let vars = json!({"input": listing_input(&s.seller)});
    refused_for(&app, &others(&s, &[Role::Admin, Role::Seller]), CREATE_LISTING, vars.clone(), "FORBIDDEN").await;
    // Another seller may see the seller but not list for it.
    refused_for(&app, &[("other seller", seller_token(&other))], CREATE_LISTING, vars.clone(), "FORBIDDEN").await;
    app.data(&seller_token(&s.seller), CREATE_LISTING, vars).await;
    app.data(&admin(), CREATE_LISTING, json!({"input": listing_input(&s.seller)})).await;
}

#[tokio::test]
async fn submit_notice_is_for_admin_and_the_brands_agent() {
    let app = spawn().await;
    let s = scene(&app, 3).await;
    let other = create_brand(&app, "Other").await;
    let vars = json!({"input": notice_input_all(&s.brand, &s.tm, &s.listings[..1])});
    refused_for(&app, &others(&s, &[Role::Admin, Role::BrandAgent]), SUBMIT, vars.clone(), "FORBIDDEN").await;
    refused_for(&app, &[("other agent", agent(&other))], SUBMIT, vars.clone(), "FORBIDDEN").await;
    submit_as(&app, &agent(&s.brand), notice_input_all(&s.brand, &s.tm, &s.listings[..1])).await;
    submit_as(&app, &admin(), notice_input_all(&s.brand, &s.tm, &s.listings[1..2])).await;
}

#[tokio::test]
async fn withdraw_notice_is_for_admin_and_the_brands_agent() {
    let app = spawn().await;
    let s = scene(&app, 2).await;
    let other = create_brand(&app, "Other").await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings[..1]).await;
    let m = submit(&app, &s.brand, &s.tm, &s.listings[1..]).await;
    let vars = json!({"id": n.id});
    refused_for(&app, &others(&s, &[Role::Admin, Role::BrandAgent]), WITHDRAW, vars.clone(), "FORBIDDEN").await;
    // Another brand's agent cannot see the notice.
    refused_for(&app, &[("other agent", agent(&other))], WITHDRAW, vars.clone(), "NOT_FOUND").await;
    assert_eq!(app.data(&agent(&s.brand), WITHDRAW, vars).await["withdrawNotice"]["status"], "WITHDRAWN");
    assert_eq!(app.data(&admin(), WITHDRAW, json!({"id": m.id})).await["withdrawNotice"]["status"], "WITHDRAWN");
}

#[tokio::test]
async fn decide_notice_item_is_for_admin_and_reviewer() {
    let app = spawn().await;
    let s = scene(&app, 2).await;
    let other = create_brand(&app, "Other").await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    let vars = json!({"input": decide_input(&n.items[0], "REMOVE", None)});
    refused_for(&app, &others(&s, &[Role::Admin, Role::Reviewer]), DECIDE, vars.clone(), "FORBIDDEN").await;
    refused_for(&app, &[("other agent", agent(&other))], DECIDE, vars.clone(), "FORBIDDEN").await;
    assert_eq!(app.data(&reviewer(), DECIDE, vars).await["decideNoticeItem"]["status"], "REMOVED");
    let vars = json!({"input": decide_input(&n.items[1], "REJECT", Some("no"))});
    assert_eq!(app.data(&admin(), DECIDE, vars).await["decideNoticeItem"]["status"], "REJECTED");
    // An item's event says who decided it.
    let read = notice(&app, &n.id).await;
    assert_eq!(
        event_kinds(&read)[1..],
        vec![("ITEM_REMOVED".into(), "REVIEWER".into()), ("ITEM_REJECTED".into(), "ADMIN".into())]
    );
}

#[tokio::test]
async fn file_counter_notice_is_for_the_seller_whose_listing_it_is() {
    let app = spawn().await;
    let s = scene(&app, 1).await;
    let intruder = register_seller(&app, "intruder").await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    remove(&app, &n.items[0]).await;
    let vars = json!({"input": counter_input(&n.items[0])});
    refused_for(&app, &others(&s, &[Role::Seller]), FILE_COUNTER, vars.clone(), "FORBIDDEN").await;
    // Another seller cannot see the item.
    refused_for(&app, &[("other seller", seller_token(&intruder))], FILE_COUNTER, vars.clone(), "NOT_FOUND").await;
    file_counter(&app, &s.seller, &n.items[0]).await;
}

#[tokio::test]
async fn resolve_counter_notice_is_for_admin_and_reviewer() {
    let app = spawn().await;
    let s = scene(&app, 2).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    remove(&app, &n.items[0]).await;
    remove(&app, &n.items[1]).await;
    let a = file_counter(&app, &s.seller, &n.items[0]).await;
    let b = file_counter(&app, &s.seller, &n.items[1]).await;
    let vars = json!({"input": {"counterNoticeId": a, "decision": "REINSTATE"}});
    refused_for(&app, &others(&s, &[Role::Admin, Role::Reviewer]), RESOLVE_COUNTER, vars.clone(), "FORBIDDEN").await;
    assert_eq!(app.data(&reviewer(), RESOLVE_COUNTER, vars).await["resolveCounterNotice"]["status"], "ACCEPTED");
    let vars = json!({"input": {"counterNoticeId": b, "decision": "UPHOLD"}});
    assert_eq!(app.data(&admin(), RESOLVE_COUNTER, vars).await["resolveCounterNotice"]["status"], "REJECTED");
}

#[tokio::test]
async fn mutations_without_a_token_are_unauthenticated() {
    let app = spawn().await;
    let s = scene(&app, 1).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    let cases = [
        (CREATE_BRAND, json!({"input": {"name": "X", "country": "US"}})),
        (SUBMIT, json!({"input": notice_input_all(&s.brand, &s.tm, &s.listings)})),
        (DECIDE, json!({"input": decide_input(&n.items[0], "REMOVE", None)})),
        (WITHDRAW, json!({"id": n.id})),
    ];
    for (query, vars) in cases {
        let before = Before::take(&app).await;
        let resp = app.gql(None, query, vars).await;
        assert_error(&resp, "UNAUTHENTICATED", None);
        before.unchanged(&app, "anonymous mutation").await;
    }
    // A token with an unknown seller id is usable, and sees nothing to counter.
    let stranger = token(Role::Seller, None, Some(999_999));
    let before = Before::take(&app).await;
    let resp = app.gql(Some(&stranger), FILE_COUNTER, json!({"input": counter_input(&n.items[0])})).await;
    assert_error(&resp, "NOT_FOUND", None);
    before.unchanged(&app, "counter-notice by a seller that does not exist").await;
}
