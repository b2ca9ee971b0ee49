//! Withdrawal (`notices/withdraw.rs`).

use super::*;

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
