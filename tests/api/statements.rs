//! Statements of reasons (issue 13, DSA Article 17): exactly one for every restriction, written
//! with the decision that imposes it, with the Transparency Database's fields; read by the
//! seller it is given to, the brand whose notice caused it, and staff, and by no one else.

use std::time::Duration;

use rightsgraph::auth::{Claims, Role, mint_hs256};
use rightsgraph::config::{RulesConfig, TerritorialScope};
use serde_json::{Value, json};

use crate::harness::{SECRET, TestApp, spawn, spawn_with};
use crate::workflow_support::*;

const FIELDS: &str = "id puid procedure decisionVisibility accountDecision accountType decisionGround legalGround
    explanation factsAndCircumstances category categorySpecification contentType source automatedDetection
    automatedDecision contentDate applicationDate territorialScope redress { counterNoticeUntil appealUntil }
    item { id }";

/// The item's statement as `tok` reads it (the whole response: data and errors).
async fn statement_of(app: &TestApp, tok: &str, item: &str) -> Value {
    let query = format!(
        "query($id: ID!) {{ node(id: $id) {{ ... on NoticeItem {{ decidedAt statementOfReasons {{ {FIELDS} }} }} }} }}"
    );
    app.gql(Some(tok), &query, json!({ "id": item })).await
}

/// The item's statement as ADMIN reads it (null when there is none; an error fails the test).
async fn statement(app: &TestApp, item: &str) -> Value {
    let resp = statement_of(app, &admin(), item).await;
    assert!(resp.get("errors").is_none(), "{resp:#}");
    resp["data"]["node"]["statementOfReasons"].clone()
}

/// The ids of the statements of `seller` that `tok` reads through `Seller.statementsOfReasons`.
async fn of_seller(app: &TestApp, tok: &str, seller: &str) -> Vec<String> {
    let data = app
        .data(
            tok,
            "query($id: ID!) { seller(id: $id) { statementsOfReasons(first: 50) { nodes { id } } } }",
            json!({ "id": seller }),
        )
        .await;
    crate::harness::ids(&data["seller"]["statementsOfReasons"])
}

fn person(sub: &str, role: Role) -> String {
    mint_hs256(SECRET, &Claims::new(sub, role, Duration::from_secs(3600))).expect("sign")
}

fn micros(at: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(at.as_str().expect("a date")).expect("RFC 3339").timestamp_micros()
}

const DAY: i64 = 24 * 3600 * 1_000_000;

#[tokio::test]
async fn a_reviewers_removal_writes_one_statement_with_the_transparency_fields() {
    let app = spawn().await;
    let s = scene(&app, 1).await;
    let mut input = notice_input_all(&s.brand, &s.tm, &s.listings);
    input["items"][0]["evidence"] = json!([{ "kind": "TEST_BUY", "orderNumber": "TB-1" }]);
    let n = submit_as(&app, &agent(&s.brand), input).await;
    remove(&app, &n.items[0]).await;
    let sor = statement(&app, &n.items[0]).await;
    let decided = micros(&statement_of(&app, &admin(), &n.items[0]).await["data"]["node"]["decidedAt"]);
    assert_eq!(sor["procedure"], "REVIEW");
    assert_eq!(sor["decisionVisibility"], json!(["CONTENT_REMOVED"]));
    assert_eq!(sor["accountDecision"], Value::Null);
    assert_eq!(sor["accountType"], "BUSINESS");
    assert_eq!(sor["decisionGround"], "ILLEGAL_CONTENT");
    assert_eq!(sor["category"], "INTELLECTUAL_PROPERTY_INFRINGEMENTS");
    assert_eq!(sor["categorySpecification"], json!(["TRADEMARK_INFRINGEMENT"]));
    assert_eq!(sor["contentType"], json!(["PRODUCT"]));
    assert_eq!(sor["source"], "ARTICLE_16");
    assert_eq!(sor["automatedDetection"], false);
    assert_eq!(sor["automatedDecision"], "NOT_AUTOMATED");
    assert_eq!(sor["item"]["id"], n.items[0]);
    assert_eq!(sor["puid"], format!("rightsgraph-sor-{}", key(&string(&sor["id"]))));
    // The trademark by its register entry.
    let mark = app
        .data(&admin(), "query($id: ID!) { trademark(id: $id) { mark registrationNumber } }", json!({"id": s.tm}))
        .await;
    let legal = string(&sor["legalGround"]);
    assert!(legal.contains(&string(&mark["trademark"]["mark"])), "{legal}");
    assert!(legal.contains(&string(&mark["trademark"]["registrationNumber"])), "{legal}");
    assert!(legal.chars().count() <= 500);
    // The facts: the reason, the evidence, the procedure; nothing the parties wrote.
    let facts = string(&sor["factsAndCircumstances"]);
    assert!(facts.contains("counterfeit goods") && facts.contains("test purchase"), "{facts}");
    assert!(facts.contains("removed by a reviewer's decision"), "{facts}");
    assert!(!facts.contains(EXPLANATION) && !facts.contains("shop-"), "{facts}");
    let explanation = string(&sor["explanation"]);
    assert!(explanation.contains("similar to the registered trademark"), "{explanation}");
    assert!(explanation.contains("a strike to the seller's account, active for 365 days"), "{explanation}");
    // Dates: applied at the decision, redress from then, content from the listing.
    assert_eq!(micros(&sor["applicationDate"]), decided);
    assert_eq!(micros(&sor["redress"]["counterNoticeUntil"]), decided + 14 * DAY);
    assert_eq!(micros(&sor["redress"]["appealUntil"]), decided + 180 * DAY);
    let listed =
        app.data(&admin(), "query($id: ID!) { listing(id: $id) { listedAt } }", json!({"id": s.listings[0]})).await;
    assert_eq!(sor["contentDate"], listed["listing"]["listedAt"]);
    let scope: Vec<String> = sor["territorialScope"].as_array().expect("codes").iter().map(string).collect();
    assert_eq!(scope.len(), 27);
    assert!(scope.contains(&"DE".to_owned()) && scope.contains(&"GR".to_owned()) && !scope.contains(&"NO".to_owned()));
    assert_eq!(of_seller(&app, &admin(), &s.seller).await, vec![string(&sor["id"])]);
}

#[tokio::test]
async fn a_statement_names_the_right_the_notice_invokes() {
    let app = spawn().await;
    let s = scene(&app, 1).await;
    let mut input = notice_input_all(&s.brand, &s.tm, &s.listings);
    input["reason"] = json!("COPYRIGHT_INFRINGEMENT");
    let n = submit_as(&app, &agent(&s.brand), input).await;
    remove(&app, &n.items[0]).await;
    let sor = statement(&app, &n.items[0]).await;
    assert_eq!(sor["categorySpecification"], json!(["COPYRIGHT_INFRINGEMENT"]));
    let (legal, explanation) = (string(&sor["legalGround"]), string(&sor["explanation"]));
    assert!(legal.starts_with("Infringement of a copyright"), "{legal}");
    assert!(explanation.contains("reproduces works protected by the rights holder's copyright"), "{explanation}");
    assert!(!explanation.contains("trademark"), "{explanation}");
    assert!(string(&sor["factsAndCircumstances"]).contains("for copyright infringement"));
}

#[tokio::test]
async fn rejections_withdrawals_and_failed_decisions_write_no_statement() {
    let app = spawn().await;
    let s = scene(&app, 3).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    reject(&app, &n.items[0]).await;
    assert_eq!(statement(&app, &n.items[0]).await, Value::Null);
    remove(&app, &n.items[1]).await;
    // A second decision on a decided item is refused and writes nothing, no statement either.
    let before = Before::take(&app).await;
    let again = app.gql(Some(&reviewer()), DECIDE, json!({ "input": decide_input(&n.items[1], "REMOVE", None) })).await;
    assert_error(&again, "CONFLICT", None);
    before.unchanged(&app, "a refused second removal").await;
    let data = app.data(&admin(), WITHDRAW, json!({ "id": n.id })).await;
    assert_eq!(data["withdrawNotice"]["status"], "CLOSED");
    assert_eq!(statement(&app, &n.items[2]).await, Value::Null);
    assert_eq!(of_seller(&app, &admin(), &s.seller).await.len(), 1);
}

#[tokio::test]
async fn an_expedited_removal_is_fully_automated_and_an_appeal_reversal_is_reviewed() {
    let app = spawn_with(RulesConfig { trust_min_decided: 1, ..Default::default() }).await;
    let s = scene(&app, 3).await;
    let first = submit(&app, &s.brand, &s.tm, &s.listings[..1]).await;
    remove(&app, &first.items[0]).await;
    assert_eq!(trust_tier(&app, &s.brand).await, "TRUSTED");
    let fast = submit(&app, &s.brand, &s.tm, &s.listings[1..2]).await;
    assert_eq!(fast.notice["expedited"], true);
    let sor = statement(&app, &fast.items[0]).await;
    assert_eq!((sor["procedure"].as_str(), sor["automatedDecision"].as_str()), (Some("EXPEDITED"), Some("FULLY")));
    assert!(string(&sor["factsAndCircumstances"]).contains("removed automatically on receipt"));
    assert_eq!(sor["automatedDetection"], false, "a notice named the listing");
    // A rejection reversed on the brand's appeal is a removal, with its statement.
    let plain = spawn().await;
    let s = scene(&plain, 1).await;
    let n = submit(&plain, &s.brand, &s.tm, &s.listings).await;
    let data = plain
        .data(
            &person("rev-a", Role::Reviewer),
            DECIDE,
            json!({ "input": decide_input(&n.items[0], "REJECT", Some("No mark.")) }),
        )
        .await;
    assert_eq!(data["decideNoticeItem"]["status"], "REJECTED");
    let filed = plain
        .data(
            &agent(&s.brand),
            "mutation($input: FileAppealInput!) { fileAppeal(input: $input) { id } }",
            json!({ "input": { "itemId": n.items[0], "statement": "The mark is on the second photo." } }),
        )
        .await;
    let resolve =
        json!({ "input": { "appealId": filed["fileAppeal"]["id"], "outcome": "REVERSED", "reason": "It is." } });
    plain
        .data(
            &person("rev-b", Role::Reviewer),
            "mutation($input: ResolveAppealInput!) { resolveAppeal(input: $input) { id } }",
            resolve,
        )
        .await;
    let sor = statement(&plain, &n.items[0]).await;
    assert_eq!((sor["procedure"].as_str(), sor["automatedDecision"].as_str()), (Some("APPEAL"), Some("NOT_AUTOMATED")));
}

#[tokio::test]
async fn the_removal_that_suspends_or_terminates_the_seller_says_so_in_its_statement() {
    let app = spawn().await;
    let s = scene(&app, 6).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    let mut decisions = Vec::new();
    for item in &n.items[..6] {
        remove(&app, item).await;
        decisions.push(statement(&app, item).await["accountDecision"].clone());
    }
    // 3 active strikes suspend, 5 terminate; TERMINATED is final, so the 6th restricts nothing more.
    assert_eq!(
        decisions,
        vec![Value::Null, Value::Null, json!("SUSPENDED"), Value::Null, json!("TERMINATED"), Value::Null]
    );
    let third = statement(&app, &n.items[2]).await;
    assert!(string(&third["explanation"]).contains("With 3 active strikes the seller's account is suspended"));
    let fifth = statement(&app, &n.items[4]).await;
    assert!(string(&fifth["factsAndCircumstances"]).contains("5 active strikes after this removal and was terminated"));
    assert_eq!(seller_state(&app, &s.seller).await.0, "TERMINATED");
    assert_eq!(of_seller(&app, &admin(), &s.seller).await.len(), 6, "one statement per removal");
}

#[tokio::test]
async fn the_seller_the_notifying_brand_and_staff_read_a_statement_and_no_one_else() {
    let app = spawn().await;
    let s = scene(&app, 1).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    remove(&app, &n.items[0]).await;
    let id = string(&statement(&app, &n.items[0]).await["id"]);
    let other_seller = register_seller(&app, "elsewhere").await;
    let other_brand = create_brand(&app, "Other").await;
    let node = "query($id: ID!) { node(id: $id) { ... on StatementOfReasons { id puid } } }";
    for tok in [seller_token(&s.seller), agent(&s.brand), admin(), reviewer(), analyst()] {
        let data = app.data(&tok, node, json!({ "id": id })).await;
        assert_eq!(data["node"]["id"], id.as_str());
        assert_eq!(of_seller(&app, &tok, &s.seller).await, vec![id.clone()]);
        assert_eq!(
            statement_of(&app, &tok, &n.items[0]).await["data"]["node"]["statementOfReasons"]["id"],
            id.as_str()
        );
    }
    for tok in [seller_token(&other_seller), agent(&other_brand)] {
        let resp = app.gql(Some(&tok), node, json!({ "id": id })).await;
        assert_error(&resp, "NOT_FOUND", None);
        assert!(of_seller(&app, &tok, &s.seller).await.is_empty());
    }
    // The staff's list: staff only.
    let list = "query { statementsOfReasons(first: 10) { totalCount nodes { id } } }";
    assert_eq!(
        crate::harness::ids(&app.data(&analyst(), list, json!({})).await["statementsOfReasons"]),
        vec![id.clone()]
    );
    for tok in [seller_token(&s.seller), agent(&s.brand)] {
        let resp = app.gql(Some(&tok), list, json!({})).await;
        assert_error(&resp, "FORBIDDEN", None);
        assert_eq!(resp["data"], json!({ "statementsOfReasons": null }), "nullable: the refusal nulls the field only");
    }
    let resp = app.gql(None, list, json!({})).await;
    assert_error(&resp, "UNAUTHENTICATED", None);
}

#[tokio::test]
async fn the_staff_list_is_oldest_first_and_starts_at_since() {
    let app = spawn().await;
    let s = scene(&app, 3).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    let mut ids = Vec::new();
    for item in &n.items {
        remove(&app, item).await;
        ids.push(string(&statement(&app, item).await["id"]));
    }
    let list = "query($since: DateTime, $after: String) { statementsOfReasons(since: $since, first: 2, after: $after) {
        nodes { id applicationDate } pageInfo { endCursor hasNextPage } } }";
    let page = app.data(&admin(), list, json!({})).await["statementsOfReasons"].clone();
    assert_eq!(crate::harness::ids(&page), ids[..2].to_vec());
    let rest = app.data(&admin(), list, json!({ "after": page["pageInfo"]["endCursor"] })).await;
    assert_eq!(crate::harness::ids(&rest["statementsOfReasons"]), ids[2..].to_vec());
    let since = page["nodes"][1]["applicationDate"].clone();
    let later = app.data(&admin(), list, json!({ "since": since })).await;
    assert_eq!(crate::harness::ids(&later["statementsOfReasons"]), ids[1..].to_vec());
}

#[tokio::test]
async fn the_territorial_scope_is_configurable() {
    let scope = TerritorialScope::parse("fr,de,NO").expect("EEA codes");
    let app = spawn_with(RulesConfig { territorial_scope: scope, ..Default::default() }).await;
    let s = scene(&app, 1).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    remove(&app, &n.items[0]).await;
    assert_eq!(statement(&app, &n.items[0]).await["territorialScope"], json!(["DE", "FR", "NO"]));
}

/// Statements issued by a read of `removals` statements through a seller's items and its list.
async fn read_cost(removals: usize) -> (u64, usize) {
    let app = spawn().await;
    let s = scene(&app, removals).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    for item in &n.items {
        remove(&app, item).await;
    }
    // Each loader is asked at one depth only: a loader asked at two depths may or may not gather
    // both into one batch, and the count would depend on scheduling.
    let query = "query($id: ID!) { seller(id: $id) {
        noticeItems(first: 50) { nodes { id statementOfReasons { puid item { id } } } }
        statementsOfReasons(first: 50) { nodes { id } } } }";
    let before = app.statements();
    let data = app.data(&admin(), query, json!({ "id": s.seller })).await;
    let issued = app.statements() - before;
    let items = data["seller"]["noticeItems"]["nodes"].as_array().expect("items");
    assert!(items.iter().all(|i| i["statementOfReasons"]["item"]["id"] == i["id"]));
    (issued, crate::harness::ids(&data["seller"]["statementsOfReasons"]).len())
}

#[tokio::test]
async fn statements_of_reasons_load_in_batches_whatever_their_number() {
    let (few, few_rows) = read_cost(2).await;
    let (many, many_rows) = read_cost(8).await;
    assert_eq!((few_rows, many_rows), (2, 8));
    assert_eq!(few, many, "statements per request grow with depth, not rows");
    // The seller, two pages, the items' statements, the statements' items.
    assert_eq!(many, 5);
}
