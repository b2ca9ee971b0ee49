//! Decisions, strikes and seller status (`notices/decide.rs`).

use super::*;

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
