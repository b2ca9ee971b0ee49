//! Retraction by the brand (issue 12, section 2): a brand takes back a removal it got wrong. Each
//! rule is tried with the wrong role, brand and seller, and every refusal writes nothing.

use serde_json::{Value, json};

use crate::harness::{TestApp, spawn};
use crate::workflow_support::*;

const RETRACT: &str = "mutation($input: RetractNoticeItemInput!) { retractNoticeItem(input: $input) {
    id status decidedAt listing { id status removedAt } strike { voided active } counterNotice { status resolvedAt } } }";
const REASON: &str = "Our test buy was mixed up: this seller's goods are genuine.";

fn retract_input(item: &str) -> Value {
    json!({ "input": { "itemId": item, "reason": REASON } })
}

async fn retract(app: &TestApp, tok: &str, item: &str) -> Value {
    app.data(tok, RETRACT, retract_input(item)).await["retractNoticeItem"].clone()
}

/// Asserts that retracting `item` as `tok` fails with `code` (at `field`) and writes nothing.
async fn refused(app: &TestApp, tok: Option<&str>, vars: Value, code: &str, field: Option<&str>) {
    let before = Before::take(app).await;
    let resp = app.gql(tok, RETRACT, vars).await;
    assert_error(&resp, code, field);
    before.unchanged(app, &format!("refused retraction ({code})")).await;
}

#[tokio::test]
async fn a_retraction_reinstates_item_and_listing_voids_the_strike_and_recomputes_the_seller() {
    let app = spawn().await;
    let s = scene(&app, 3).await;
    let n = submit_as(&app, &agent(&s.brand), notice_input_all(&s.brand, &s.tm, &s.listings)).await;
    for item in &n.items {
        remove(&app, item).await;
    }
    assert_eq!(seller_state(&app, &s.seller).await, ("SUSPENDED".to_owned(), 3));
    let retracted = retract(&app, &agent(&s.brand), &n.items[0]).await;
    assert_eq!(retracted["status"], "REINSTATED");
    assert_eq!(retracted["listing"]["status"], "REINSTATED");
    assert!(retracted["listing"]["removedAt"].is_null());
    assert_eq!(retracted["strike"], json!({ "voided": true, "active": false }));
    assert!(retracted["counterNotice"].is_null());
    assert_eq!(seller_state(&app, &s.seller).await, ("WARNED".to_owned(), 2));
    // The event names the brand's agent and its reason; the seller sees it too.
    let read = notice(&app, &n.id).await;
    let last = read["events"]["nodes"].as_array().expect("events").last().expect("event").clone();
    assert_eq!(
        (last["kind"].as_str(), last["actorRole"].as_str(), last["note"].as_str()),
        (Some("ITEM_RETRACTED"), Some("BRAND_AGENT"), Some(REASON))
    );
    let seen = app
        .data(
            &seller_token(&s.seller),
            "query($id: ID!) { notice(id: $id) { events { nodes { kind } } } }",
            json!({ "id": n.id }),
        )
        .await;
    let kinds: Vec<String> =
        seen["notice"]["events"]["nodes"].as_array().expect("events").iter().map(|e| string(&e["kind"])).collect();
    assert!(kinds.contains(&"ITEM_RETRACTED".to_owned()), "{kinds:?}");
}

#[tokio::test]
async fn retracting_a_countered_item_closes_its_pending_counter_notice_as_accepted() {
    let app = spawn().await;
    let s = scene(&app, 1).await;
    let n = submit_as(&app, &agent(&s.brand), notice_input_all(&s.brand, &s.tm, &s.listings)).await;
    remove(&app, &n.items[0]).await;
    file_counter(&app, &s.seller, &n.items[0]).await;
    let retracted = retract(&app, &admin(), &n.items[0]).await;
    assert_eq!(retracted["status"], "REINSTATED");
    assert_eq!(retracted["counterNotice"]["status"], "ACCEPTED");
    assert!(retracted["counterNotice"]["resolvedAt"].is_string());
    assert_eq!(retracted["listing"]["status"], "REINSTATED");
    assert_eq!(seller_state(&app, &s.seller).await, ("ACTIVE".to_owned(), 0));
    // Nothing is left for a reviewer: the notice is CLOSED.
    assert_eq!(notice(&app, &n.id).await["status"], "CLOSED");
}

#[tokio::test]
async fn a_retraction_counts_as_a_reinstatement_in_the_brands_figures() {
    let app = spawn().await;
    let s = scene(&app, 2).await;
    let n = submit_as(&app, &agent(&s.brand), notice_input_all(&s.brand, &s.tm, &s.listings)).await;
    remove(&app, &n.items[0]).await;
    remove(&app, &n.items[1]).await;
    retract(&app, &agent(&s.brand), &n.items[0]).await;
    let q = "query($id: ID!) { brand(id: $id) { stats { itemsRemoved itemsReinstated counterNoticeSuccessRate takedownRate } } }";
    let stats = app.data(&agent(&s.brand), q, json!({ "id": s.brand })).await["brand"]["stats"].clone();
    assert_eq!(
        stats,
        json!({ "itemsRemoved": 2, "itemsReinstated": 1, "counterNoticeSuccessRate": 0.5, "takedownRate": 1.0 })
    );
}

#[tokio::test]
async fn retraction_is_for_the_brands_agent_or_admin() {
    let app = spawn().await;
    let s = scene(&app, 1).await;
    let other = create_brand(&app, "Other").await;
    let n = submit_as(&app, &agent(&s.brand), notice_input_all(&s.brand, &s.tm, &s.listings)).await;
    remove(&app, &n.items[0]).await;
    let vars = retract_input(&n.items[0]);
    for tok in [reviewer(), analyst(), seller_token(&s.seller)] {
        refused(&app, Some(&tok), vars.clone(), "FORBIDDEN", None).await;
    }
    refused(&app, Some(&agent(&other)), vars.clone(), "NOT_FOUND", None).await;
    refused(&app, None, vars, "UNAUTHENTICATED", None).await;
}

#[tokio::test]
async fn only_a_removed_or_countered_item_can_be_retracted_and_a_reason_is_required() {
    let app = spawn().await;
    let s = scene(&app, 3).await;
    let n = submit_as(&app, &agent(&s.brand), notice_input_all(&s.brand, &s.tm, &s.listings)).await;
    let tok = agent(&s.brand);
    // PENDING, REJECTED, and REINSTATED (a second retraction).
    refused(&app, Some(&tok), retract_input(&n.items[0]), "CONFLICT", None).await;
    reject(&app, &n.items[1]).await;
    refused(&app, Some(&tok), retract_input(&n.items[1]), "CONFLICT", None).await;
    remove(&app, &n.items[2]).await;
    let blank = json!({ "input": { "itemId": n.items[2], "reason": "  " } });
    refused(&app, Some(&tok), blank, "BAD_USER_INPUT", Some("reason")).await;
    let long = json!({ "input": { "itemId": n.items[2], "reason": "r".repeat(2001) } });
    refused(&app, Some(&tok), long, "BAD_USER_INPUT", Some("reason")).await;
    retract(&app, &tok, &n.items[2]).await;
    refused(&app, Some(&tok), retract_input(&n.items[2]), "CONFLICT", None).await;
}

#[tokio::test]
async fn the_listing_stays_removed_while_another_brands_removal_of_it_stands() {
    let app = spawn().await;
    let s = scene(&app, 1).await;
    let second = create_brand(&app, "Second").await;
    let second_tm = verified_trademark(&app, &second).await;
    let first = submit_as(&app, &agent(&s.brand), notice_input_all(&s.brand, &s.tm, &s.listings)).await;
    let other = submit_as(&app, &agent(&second), notice_input_all(&second, &second_tm, &s.listings)).await;
    remove(&app, &first.items[0]).await;
    remove(&app, &other.items[0]).await;
    let retracted = retract(&app, &agent(&s.brand), &first.items[0]).await;
    assert_eq!(retracted["status"], "REINSTATED");
    assert_eq!(listing_state(&app, &s.listings[0]).await.0, "REMOVED");
    // The second brand's strike still counts.
    assert_eq!(seller_state(&app, &s.seller).await, ("WARNED".to_owned(), 1));
}
