//! Counter-notices: filing and resolving (`notices/counter_notice.rs`).

use super::*;

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
