//! Appeals (issue 12, section 3; DSA Article 20): the seller against a removal, the brand
//! against a rejection, once each within the window, resolved by a person other than the one who
//! decided. Each rule is tried with the wrong role, brand and seller; refusals write nothing.

use std::time::Duration;

use rightsgraph::auth::{Claims, Role, mint_hs256};
use rightsgraph::config::RulesConfig;
use serde_json::{Value, json};

use crate::harness::{SECRET, TestApp, spawn, spawn_with};
use crate::workflow_support::*;

const FILE: &str = "mutation($input: FileAppealInput!) { fileAppeal(input: $input) {
    id party status statement filedAt item { id status } } }";
const RESOLVE: &str = "mutation($input: ResolveAppealInput!) { resolveAppeal(input: $input) {
    id status resolvedAt resolutionReason item { id status decidedAt listing { status } strike { voided active } } } }";
const STATEMENT: &str = "These are genuine goods from the brand's own distributor.";

/// A token of `role` whose subject is `sub`.
fn person(sub: &str, role: Role) -> String {
    mint_hs256(SECRET, &Claims::new(sub, role, Duration::from_secs(3600))).expect("sign")
}

/// Decides `item` as the reviewer `sub`.
async fn decide_as(app: &TestApp, sub: &str, item: &str, remove: bool) {
    let input = if remove {
        decide_input(item, "REMOVE", None)
    } else {
        decide_input(item, "REJECT", Some("No mark visible."))
    };
    let data = app.data(&person(sub, Role::Reviewer), DECIDE, json!({ "input": input })).await;
    assert!(data["decideNoticeItem"]["status"].is_string());
}

fn file_input(item: &str) -> Value {
    json!({ "input": { "itemId": item, "statement": STATEMENT } })
}

async fn file(app: &TestApp, tok: &str, item: &str) -> Value {
    app.data(tok, FILE, file_input(item)).await["fileAppeal"].clone()
}

fn resolve_input(appeal: &str, outcome: &str) -> Value {
    json!({ "input": { "appealId": appeal, "outcome": outcome, "reason": "Checked the invoices again." } })
}

async fn resolve_as(app: &TestApp, sub: &str, appeal: &str, outcome: &str) -> Value {
    app.data(&person(sub, Role::Reviewer), RESOLVE, resolve_input(appeal, outcome)).await["resolveAppeal"].clone()
}

async fn refused(app: &TestApp, tok: Option<&str>, query: &str, vars: Value, code: &str, field: Option<&str>) {
    let before = Before::take(app).await;
    let resp = app.gql(tok, query, vars).await;
    assert_error(&resp, code, field);
    before.unchanged(app, &format!("refused ({code})")).await;
}

async fn noticed(app: &TestApp, n: usize) -> (Scene, Submitted) {
    let s = scene(app, n).await;
    let notice = submit_as(app, &agent(&s.brand), notice_input_all(&s.brand, &s.tm, &s.listings)).await;
    (s, notice)
}

#[tokio::test]
async fn a_seller_appeals_a_removal_and_a_reversal_reinstates_it() {
    let app = spawn().await;
    let (s, n) = noticed(&app, 1).await;
    decide_as(&app, "rev-a", &n.items[0], true).await;
    let filed = file(&app, &seller_token(&s.seller), &n.items[0]).await;
    assert_eq!((filed["party"].as_str(), filed["status"].as_str()), (Some("SELLER"), Some("PENDING")));
    assert_eq!(filed["statement"], STATEMENT);
    let resolved = resolve_as(&app, "rev-b", &string(&filed["id"]), "REVERSED").await;
    assert_eq!(resolved["status"], "REVERSED");
    assert_eq!(resolved["resolutionReason"], "Checked the invoices again.");
    assert_eq!(resolved["item"]["status"], "REINSTATED");
    assert_eq!(resolved["item"]["listing"]["status"], "REINSTATED");
    assert_eq!(resolved["item"]["strike"], json!({ "voided": true, "active": false }));
    assert_eq!(seller_state(&app, &s.seller).await, ("ACTIVE".to_owned(), 0));
    let kinds: Vec<String> = event_kinds(&notice(&app, &n.id).await).into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, ["NOTICE_SUBMITTED", "ITEM_REMOVED", "APPEAL_FILED", "APPEAL_REVERSED"]);
}

#[tokio::test]
async fn a_brand_appeals_a_rejection_and_a_reversal_removes_with_every_effect() {
    let app = spawn().await;
    let (s, n) = noticed(&app, 1).await;
    decide_as(&app, "rev-a", &n.items[0], false).await;
    let filed = file(&app, &agent(&s.brand), &n.items[0]).await;
    assert_eq!(filed["party"], "BRAND");
    let resolved = resolve_as(&app, "rev-b", &string(&filed["id"]), "REVERSED").await;
    assert_eq!(resolved["item"]["status"], "REMOVED");
    assert_eq!(resolved["item"]["listing"]["status"], "REMOVED");
    assert_eq!(resolved["item"]["strike"], json!({ "voided": false, "active": true }));
    assert_eq!(seller_state(&app, &s.seller).await, ("WARNED".to_owned(), 1));
    // The removal is a decision of its own: the seller may counter it.
    file_counter(&app, &s.seller, &n.items[0]).await;
}

#[tokio::test]
async fn an_upheld_appeal_leaves_the_decision_standing() {
    let app = spawn().await;
    let (s, n) = noticed(&app, 1).await;
    decide_as(&app, "rev-a", &n.items[0], true).await;
    let filed = file(&app, &seller_token(&s.seller), &n.items[0]).await;
    let resolved = resolve_as(&app, "rev-b", &string(&filed["id"]), "UPHELD").await;
    assert_eq!(resolved["status"], "UPHELD");
    assert_eq!(resolved["item"]["status"], "REMOVED");
    assert_eq!(resolved["item"]["strike"]["active"], true);
    // Resolved once only.
    let again = resolve_input(&string(&filed["id"]), "REVERSED");
    refused(&app, Some(&person("rev-c", Role::Reviewer)), RESOLVE, again, "CONFLICT", None).await;
}

#[tokio::test]
async fn whoever_decided_may_not_review_the_appeal() {
    let app = spawn().await;
    let (s, n) = noticed(&app, 1).await;
    decide_as(&app, "rev-a", &n.items[0], true).await;
    let filed = file(&app, &seller_token(&s.seller), &n.items[0]).await;
    let id = string(&filed["id"]);
    refused(&app, Some(&person("rev-a", Role::Reviewer)), RESOLVE, resolve_input(&id, "UPHELD"), "FORBIDDEN", None)
        .await;
    refused(&app, Some(&person("rev-a", Role::Admin)), RESOLVE, resolve_input(&id, "UPHELD"), "FORBIDDEN", None).await;
    assert_eq!(resolve_as(&app, "rev-b", &id, "UPHELD").await["status"], "UPHELD");
}

#[tokio::test]
async fn expedited_removals_are_appealable_and_reviewed_by_a_person() {
    let app = spawn_with(RulesConfig { trust_min_decided: 1, ..Default::default() }).await;
    let s = scene(&app, 2).await;
    let first = submit_as(&app, &agent(&s.brand), notice_input_all(&s.brand, &s.tm, &s.listings[..1])).await;
    decide_as(&app, "rev-a", &first.items[0], true).await;
    assert_eq!(trust_tier(&app, &s.brand).await, "TRUSTED");
    let fast = submit_as(&app, &agent(&s.brand), notice_input_all(&s.brand, &s.tm, &s.listings[1..])).await;
    assert_eq!(fast.notice["expedited"], true);
    let filed = file(&app, &seller_token(&s.seller), &fast.items[0]).await;
    // SYSTEM decided it: any reviewer may resolve the appeal, "rev-a" included.
    let resolved = resolve_as(&app, "rev-a", &string(&filed["id"]), "REVERSED").await;
    assert_eq!(resolved["item"]["status"], "REINSTATED");
}

#[tokio::test]
async fn an_appeal_is_once_per_item_and_party_within_the_window_and_not_over_a_pending_counter_notice() {
    let app = spawn_with(RulesConfig { appeal_window: Duration::from_millis(1500), ..Default::default() }).await;
    let (s, n) = noticed(&app, 3).await;
    let seller = seller_token(&s.seller);
    // A pending counter-notice first: CONFLICT; once it is rejected, the appeal may go.
    decide_as(&app, "rev-a", &n.items[0], true).await;
    let cn = file_counter(&app, &s.seller, &n.items[0]).await;
    refused(&app, Some(&seller), FILE, file_input(&n.items[0]), "CONFLICT", None).await;
    resolve(&app, &cn, "UPHOLD").await;
    file(&app, &seller, &n.items[0]).await;
    // Once per item and party.
    refused(&app, Some(&seller), FILE, file_input(&n.items[0]), "CONFLICT", None).await;
    // The wrong party for the decision: the brand does not appeal a removal, the seller a rejection.
    refused(&app, Some(&agent(&s.brand)), FILE, file_input(&n.items[0]), "CONFLICT", None).await;
    decide_as(&app, "rev-a", &n.items[1], false).await;
    refused(&app, Some(&seller), FILE, file_input(&n.items[1]), "CONFLICT", None).await;
    // A PENDING item has no decision to appeal.
    refused(&app, Some(&seller), FILE, file_input(&n.items[2]), "CONFLICT", None).await;
    // Past the window.
    tokio::time::sleep(Duration::from_millis(1700)).await;
    refused(&app, Some(&agent(&s.brand)), FILE, file_input(&n.items[1]), "CONFLICT", None).await;
    let short = json!({ "input": { "itemId": n.items[1], "statement": "no" } });
    refused(&app, Some(&agent(&s.brand)), FILE, short, "BAD_USER_INPUT", Some("statement")).await;
}

#[tokio::test]
async fn appeals_are_filed_by_their_party_and_resolved_by_reviewers_only() {
    let app = spawn().await;
    let (s, n) = noticed(&app, 2).await;
    let other_seller = register_seller(&app, "elsewhere").await;
    let other_brand = create_brand(&app, "Other").await;
    decide_as(&app, "rev-a", &n.items[0], true).await;
    let vars = file_input(&n.items[0]);
    for tok in [admin(), reviewer(), analyst()] {
        refused(&app, Some(&tok), FILE, vars.clone(), "FORBIDDEN", None).await;
    }
    refused(&app, Some(&seller_token(&other_seller)), FILE, vars.clone(), "NOT_FOUND", None).await;
    refused(&app, Some(&agent(&other_brand)), FILE, vars.clone(), "NOT_FOUND", None).await;
    refused(&app, None, FILE, vars, "UNAUTHENTICATED", None).await;
    let filed = file(&app, &seller_token(&s.seller), &n.items[0]).await;
    let resolve = resolve_input(&string(&filed["id"]), "REVERSED");
    for tok in [agent(&s.brand), seller_token(&s.seller), analyst()] {
        refused(&app, Some(&tok), RESOLVE, resolve.clone(), "FORBIDDEN", None).await;
    }
}

#[tokio::test]
async fn the_appeal_queue_is_oldest_first_and_each_viewer_sees_its_own() {
    let app = spawn().await;
    let (s, n) = noticed(&app, 2).await;
    let t = scene(&app, 1).await;
    let m = submit_as(&app, &agent(&t.brand), notice_input_all(&t.brand, &t.tm, &t.listings)).await;
    decide_as(&app, "rev-a", &n.items[0], true).await;
    decide_as(&app, "rev-a", &n.items[1], false).await;
    decide_as(&app, "rev-a", &m.items[0], true).await;
    let a1 = string(&file(&app, &seller_token(&s.seller), &n.items[0]).await["id"]);
    let a2 = string(&file(&app, &agent(&s.brand), &n.items[1]).await["id"]);
    let a3 = string(&file(&app, &seller_token(&t.seller), &m.items[0]).await["id"]);
    resolve_as(&app, "rev-b", &a2, "UPHELD").await;
    let q = "query($status: AppealStatus) { appeals(status: $status, first: 10) { totalCount nodes { id } } }";
    let ids = |data: &Value| -> Vec<String> {
        data["appeals"]["nodes"].as_array().expect("nodes").iter().map(|a| string(&a["id"])).collect()
    };
    let pending = app.data(&reviewer(), q, json!({ "status": "PENDING" })).await;
    assert_eq!(ids(&pending), [a1.clone(), a3.clone()]);
    let all = app.data(&admin(), q, json!({})).await;
    assert_eq!(ids(&all), [a1.clone(), a2.clone(), a3.clone()]);
    assert_eq!(ids(&app.data(&agent(&s.brand), q, json!({})).await), [a1.clone(), a2.clone()]);
    assert_eq!(ids(&app.data(&seller_token(&t.seller), q, json!({})).await), vec![a3.clone()]);
    // On the item, and by id, within the same scope.
    let on_item = app
        .data(
            &seller_token(&s.seller),
            "query($id: ID!) { node(id: $id) { ... on NoticeItem { appeals { id party } } } }",
            json!({ "id": n.items[0] }),
        )
        .await;
    assert_eq!(on_item["node"]["appeals"], json!([{ "id": a1, "party": "SELLER" }]));
    let hidden =
        app.gql(Some(&seller_token(&t.seller)), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": a2 })).await;
    assert_eq!(hidden["errors"][0]["extensions"]["code"], "NOT_FOUND");
}
