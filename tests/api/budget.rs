//! Cost budgets a client can see (issue 29 §3): every answer says what it cost
//! (`extensions.cost { requested actual }`, the same figure from either executor), `rateLimit`
//! shows the viewer its own budget, a request the budget cannot pay is refused before it runs
//! (`RATE_LIMITED`, HTTP 429 with `Retry-After`, the same code over the WebSocket), the budget
//! holds across replicas on one database and comes back whole when its window ends, and
//! `/metrics` counts every refusal by its reason.

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use futures_util::{SinkExt, StreamExt};
use rightsgraph::auth::{Claims, Role, mint_hs256};
use rightsgraph::config::{CostBudget, LimitsConfig};
use rightsgraph::ids::Kind;
use serde_json::{Value, json};
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tower::ServiceExt;

use crate::fixtures::World;
use crate::harness::{Reply, SECRET, TestApp, code, gid, spawn, spawn_limits};

/// `points` per `window` seconds, reconciled across replicas every 100 ms.
fn budget(points: u32, window: u64) -> LimitsConfig {
    LimitsConfig {
        cost_budget: CostBudget::Every { points, window: Duration::from_secs(window) },
        cost_budget_sync: Duration::from_millis(100),
        ..Default::default()
    }
}

/// A token of subject `sub` in `role`.
fn token_of(sub: &str, role: Role, brand: Option<i64>) -> String {
    let mut claims = Claims::new(sub, role, Duration::from_secs(3600));
    claims.brand_id = brand.map(|b| gid(Kind::Brand, b));
    mint_hs256(SECRET, &claims).expect("sign")
}

/// POSTs `query` as `token` to `router` (one replica's).
async fn post(router: &axum::Router, token: Option<&str>, query: &str, variables: Value) -> Reply {
    let mut request = Request::post("/graphql").header("content-type", "application/json");
    if let Some(t) = token {
        request = request.header("authorization", format!("Bearer {t}"));
    }
    let body = json!({ "query": query, "variables": variables }).to_string();
    let response = router.clone().oneshot(request.body(Body::from(body)).expect("request")).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = http_body_util::BodyExt::collect(response.into_body()).await.expect("body").to_bytes().to_vec();
    Reply { status, headers, body }
}

/// `extensions.cost` of `response`, as (requested, actual).
fn cost(response: &Value) -> (u64, u64) {
    let cost = &response["extensions"]["cost"];
    match (cost["requested"].as_u64(), cost["actual"].as_u64()) {
        (Some(requested), Some(actual)) => (requested, actual),
        _ => panic!("no extensions.cost in {response:#}"),
    }
}

/// `{ rateLimit { … } }` on `router` as `token`: the object.
async fn rate_limit(router: &axum::Router, token: &str) -> Value {
    let reply = post(router, Some(token), RATE_LIMIT, json!({})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
    let response = reply.json();
    assert!(response.get("errors").is_none(), "{response:#}");
    response["data"]["rateLimit"].clone()
}

/// Costs 6: the field and its five.
const RATE_LIMIT: &str = "{ rateLimit { limit cost remaining used resetAt } }";

/// Costs 3, and 3 whatever the registry holds.
const VIEWER: &str = "{ viewer { subject role } }";

/// A brand's notices asked a hundred at a time, and each one's items twenty at a time.
const NOTICES: &str = "query($brand: ID!) { brand(id: $brand) { name notices(first: 100) { nodes { id
    items(first: 20) { totalCount nodes { id listing { title } } } } } } }";

#[tokio::test]
async fn every_answer_says_what_it_cost_and_a_short_page_costs_its_rows_in_either_executor() {
    let app = spawn().await;
    let w = World::build(&app.app.db).await;
    let admin = token_of("admin", Role::Admin, None);
    let vars = json!({ "brand": gid(Kind::Brand, w.brand_a) });
    // Requested: brand 1 + name 1 + 100 notices × (nodes 1 + id 1 + 20 items × (totalCount 1 +
    // nodes 1 + id 1 + listing { title } 2)).
    let requested = 2 + 100 * (2 + 20 * 5);
    // Answered: brand A has one notice with two items. The items: 2 rows × (totalCount 1 +
    // nodes 1), and each row's id 1 + listing 2; the notices: 1 row × nodes 1, and its id 1 +
    // the items.
    let items = 2 * 2 + 2 * 3;
    let actual = 2 + (1 + 1 + items);
    let mut seen = Vec::new();
    for planner in [true, false] {
        app.app.pipeline.planner.store(planner, Ordering::Relaxed);
        let planned = app.app.metrics.planned.get();
        let response = app.gql(Some(&admin), NOTICES, vars.clone()).await;
        assert!(response.get("errors").is_none(), "{response:#}");
        assert_eq!(app.app.metrics.planned.get() > planned, planner, "the executor asked for answered");
        assert_eq!(cost(&response), (requested, actual), "planner {planner}: {response:#}");
        assert_eq!(response["extensions"]["analyzer"]["complexity"], json!(requested), "analyzer is kept");
        seen.push(response["extensions"].clone());
    }
    assert_eq!(seen[0], seen[1], "both executors report the same cost");
    // A page as full as asked costs what was requested.
    let full = "query($brand: ID!) { brand(id: $brand) { notices(first: 1) { nodes { id } } } }";
    for planner in [true, false] {
        app.app.pipeline.planner.store(planner, Ordering::Relaxed);
        let response = app.gql(Some(&admin), full, vars.clone()).await;
        assert_eq!(cost(&response), (3, 3), "planner {planner}: {response:#}");
    }
    // An anonymous caller's introspection is costed too (it has no budget to charge).
    let response = app.gql(None, "{ __schema { queryType { name } } }", json!({})).await;
    assert_eq!(cost(&response), (3, 3), "{response:#}");
}

#[tokio::test]
async fn rate_limit_shows_the_viewer_its_own_budget_and_used_grows_by_what_each_answer_cost() {
    let app = spawn_limits(budget(10_000, 3600)).await;
    let _ = World::build(&app.app.db).await;
    let (alice, bob) = (token_of("alice", Role::Analyst, None), token_of("bob", Role::Reviewer, None));
    let router = &app.app.router;

    let first = rate_limit(router, &alice).await;
    assert_eq!(first["limit"], json!(10_000));
    assert_eq!(first["cost"], json!(6), "what this query costs");
    assert_eq!(first["used"], json!(6), "this query's cost is counted before it runs");
    assert_eq!(first["remaining"], json!(10_000 - 6));
    let reset: chrono::DateTime<chrono::Utc> = first["resetAt"].as_str().expect("resetAt").parse().expect("a DateTime");
    let left = reset - chrono::Utc::now();
    assert!(left > chrono::TimeDelta::zero() && left <= chrono::TimeDelta::hours(1), "the window ends within the hour");
    assert_eq!(reset.timestamp() % 3600, 0, "windows start on the hour");

    // Asked for 50 brands, the registry holds two: charged 100 before, given back 96 after.
    let reply = post(router, Some(&alice), "{ brands(first: 50) { nodes { id } } }", json!({})).await;
    let (requested, actual) = cost(&reply.json());
    assert_eq!((requested, actual), (100, 4));
    let second = rate_limit(router, &alice).await;
    assert_eq!(second["used"], json!(6 + actual + 6), "used grew by what the answer cost: {second}");
    assert_eq!(second["remaining"], json!(10_000 - 16));
    assert_eq!(second["resetAt"], first["resetAt"]);

    // Each viewer sees its own budget only: another subject, and the same subject in another role.
    assert_eq!(rate_limit(router, &bob).await["used"], json!(6));
    assert_eq!(rate_limit(router, &token_of("alice", Role::Admin, None)).await["used"], json!(6));
    // An anonymous caller has none.
    let reply = post(router, None, RATE_LIMIT, json!({})).await;
    assert_eq!(code(&reply.json()), "UNAUTHENTICATED");

    // Without a budget, there is none to show, and answers still say what they cost.
    let off = spawn_limits(LimitsConfig { cost_budget: CostBudget::Off, ..Default::default() }).await;
    let response = off.gql(Some(&alice), RATE_LIMIT, json!({})).await;
    assert_eq!(response["data"], json!({ "rateLimit": null }), "{response:#}");
    assert_eq!(cost(&response), (6, 1), "a null object costs its field alone");
}

#[tokio::test]
async fn a_request_the_budget_cannot_pay_is_refused_before_it_runs_429_with_retry_after_and_costs_nothing() {
    let app = spawn_limits(budget(10, 3600)).await;
    let w = World::build(&app.app.db).await;
    let agent = token_of("agent", Role::BrandAgent, Some(w.brand_a));
    let router = &app.app.router;
    let small = "{ rateLimit { used remaining } }";
    let first = post(router, Some(&agent), small, json!({})).await.json();
    assert_eq!(first["data"]["rateLimit"], json!({ "used": 3, "remaining": 7 }));
    assert_eq!(post(router, Some(&agent), VIEWER, json!({})).await.status, StatusCode::OK);

    // 6 used: a query of 10, and a mutation of 6, are refused, over POST and GET alike, and
    // the mutation changes nothing.
    let withdraw = "mutation($n: ID!) { withdrawNotice(id: $n) { id status closedAt explanation submittedAt } }";
    for (query, variables) in [
        ("{ brands(first: 5) { nodes { id } } }", json!({})),
        (withdraw, json!({ "n": gid(Kind::Notice, w.notice_a) })),
    ] {
        let reply = post(router, Some(&agent), query, variables).await;
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{}", String::from_utf8_lossy(&reply.body));
        let response = reply.json();
        assert_eq!(code(&response), "RATE_LIMITED");
        assert!(response.get("data").is_none(), "nothing ran: {response:#}");
        let retry = response["errors"][0]["extensions"]["retryAfter"].as_u64().expect("retryAfter");
        assert!((1..=3600).contains(&retry), "{retry}");
        let header = reply.headers.get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned);
        assert_eq!(header, Some(retry.to_string()), "Retry-After says the same");
        assert!(response["errors"][0]["message"].as_str().is_some_and(|m| m.contains("cost budget")));
        assert_eq!(cost(&response).1, 0, "a refused request costs nothing: {response:#}");
    }
    let admin = token_of("admin", Role::Admin, None);
    let status = "query($n: ID!) { notice(id: $n) { status } }";
    let notice = app.data(&admin, status, json!({ "n": gid(Kind::Notice, w.notice_a) })).await;
    assert_eq!(notice["notice"]["status"], json!("OPEN"), "the refused mutation changed nothing");
    let get = Request::get("/graphql?query=%7B%20brands(first%3A%205)%20%7B%20totalCount%20%7D%20%7D")
        .header("authorization", format!("Bearer {agent}"))
        .body(Body::empty())
        .expect("request");
    let reply = app.send(get).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(reply.headers.contains_key(header::RETRY_AFTER));

    // The refusals cost nothing: 3 + 3 + this query's 3.
    let after = post(router, Some(&agent), small, json!({})).await.json();
    assert_eq!(after["data"]["rateLimit"], json!({ "used": 9, "remaining": 1 }), "{after:#}");

    // Over the WebSocket: the operation's `error` message carries the same code.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(axum::serve(listener, app.app.router.clone()).into_future());
    let mut request = format!("ws://{addr}/graphql/ws").into_client_request().expect("request");
    request.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().expect("header"));
    let (mut ws, _) = connect_async(request).await.expect("websocket");
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {agent}") } });
    ws.send(Message::Text(init.to_string().into())).await.expect("send");
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": VIEWER } });
    ws.send(Message::Text(subscribe.to_string().into())).await.expect("send");
    let error = loop {
        let message = tokio::time::timeout(Duration::from_secs(5), ws.next()).await.expect("a message in time");
        let Some(Ok(Message::Text(text))) = message else { panic!("the socket ended: {message:?}") };
        let message: Value = serde_json::from_str(text.as_str()).expect("JSON");
        if message["type"] == "error" {
            break message;
        }
        assert_eq!(message["type"], "connection_ack", "{message}");
    };
    assert_eq!(error["id"], "1");
    assert_eq!(error["payload"][0]["extensions"]["code"], "RATE_LIMITED", "{error}");
    assert!(error["payload"][0]["extensions"]["retryAfter"].as_u64().is_some_and(|s| s >= 1), "{error}");

    // A query no window could pay is a limit, not a wait.
    let reply = post(router, Some(&agent), "{ brands(first: 20) { nodes { id } } }", json!({})).await;
    assert_eq!(reply.status, StatusCode::OK);
    let response = reply.json();
    assert_eq!(code(&response), "GRAPHQL_VALIDATION_FAILED");
    let message = response["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("exceeds the cost budget of 10 points per 1h"), "{message}");
}

#[tokio::test]
async fn every_refusal_answers_its_code_and_status_and_is_counted_by_reason() {
    let limits =
        LimitsConfig { max_depth: 4, max_complexity: 50, max_aliases: 3, max_root_fields: 3, ..budget(40, 3600) };
    let app = spawn_limits(limits).await;
    let viewer = token_of("counted", Role::Analyst, None);
    let refusals = [
        ("{ viewer { brand { notices(first: 1) { nodes { id } } } } }", "GRAPHQL_VALIDATION_FAILED", "depth"),
        ("{ brands(first: 30) { nodes { id name } } }", "GRAPHQL_VALIDATION_FAILED", "complexity"),
        ("{ viewer { a: role b: role c: role d: role } }", "GRAPHQL_VALIDATION_FAILED", "aliases"),
        (
            "{ __typename viewer { role } brands { totalCount } sellers { totalCount } }",
            "GRAPHQL_VALIDATION_FAILED",
            "root_fields",
        ),
        ("{ brands { nodes { nope } } }", "GRAPHQL_VALIDATION_FAILED", "validation"),
        ("{ brands {", "GRAPHQL_PARSE_FAILED", "parse"),
        ("{ brands(first: 21) { nodes { id } } }", "GRAPHQL_VALIDATION_FAILED", "cost_budget"),
    ];
    for (query, want, _) in refusals {
        let reply = post(&app.app.router, Some(&viewer), query, json!({})).await;
        // application/json keeps 200 for a GraphQL result (CONTRACT.md section 2).
        assert_eq!(reply.status, StatusCode::OK, "{query}");
        assert_eq!(code(&reply.json()), want, "{query}");
    }
    // 40 points: 13 times 3, then one more is refused.
    for _ in 0..13 {
        assert_eq!(post(&app.app.router, Some(&viewer), VIEWER, json!({})).await.status, StatusCode::OK);
    }
    let reply = post(&app.app.router, Some(&viewer), VIEWER, json!({})).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(code(&reply.json()), "RATE_LIMITED");

    let metrics = app.send(Request::get("/metrics").body(Body::empty()).expect("request")).await;
    let text = String::from_utf8(metrics.body).expect("UTF-8");
    for (_, _, reason) in refusals.iter().copied().chain([("", "", "rate_limited")]) {
        let line = format!("rightsgraph_refusals_total{{reason=\"{reason}\"}} 1");
        assert!(text.lines().any(|l| l == line), "{line} in /metrics:\n{text}");
    }
}

#[tokio::test]
async fn the_budget_holds_across_replicas_within_one_reconciliation() {
    let app: TestApp = spawn_limits(budget(30, 3600)).await;
    let other = app.replica().await;
    let (a, b) = (&app.app.router, &other.router);
    let viewer = token_of("everywhere", Role::Analyst, None);
    let sync = Duration::from_millis(400);
    // 15 points on the first replica, written to the shared count within an interval.
    for _ in 0..5 {
        assert_eq!(post(a, Some(&viewer), VIEWER, json!({})).await.status, StatusCode::OK);
    }
    tokio::time::sleep(sync).await;
    // The second replica admits on what it knows (nothing yet of this token), then learns the
    // total at its next reconciliation.
    assert_eq!(post(b, Some(&viewer), VIEWER, json!({})).await.status, StatusCode::OK);
    tokio::time::sleep(sync).await;
    let seen = rate_limit(b, &viewer).await;
    assert_eq!(seen["used"], json!(15 + 3 + 6), "the second replica counts the first's spending: {seen}");
    // 24 used: two more of 3 pass, the next is refused, though this replica itself spent 15.
    for _ in 0..2 {
        assert_eq!(post(b, Some(&viewer), VIEWER, json!({})).await.status, StatusCode::OK);
    }
    assert_eq!(post(b, Some(&viewer), VIEWER, json!({})).await.status, StatusCode::TOO_MANY_REQUESTS);
    // The first replica, which this token left idle, last read the count before the second's
    // spending: it admits on that until its next reconciliation (the bound the README states),
    // then refuses too.
    tokio::time::sleep(sync).await;
    assert_eq!(post(a, Some(&viewer), VIEWER, json!({})).await.status, StatusCode::OK);
    tokio::time::sleep(sync).await;
    let reply = post(a, Some(&viewer), VIEWER, json!({})).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{}", String::from_utf8_lossy(&reply.body));
    let message = reply.json()["errors"][0]["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains("33 of 30 points"), "{message}");
}

#[tokio::test]
async fn a_budget_comes_back_whole_when_its_window_ends() {
    let app = spawn_limits(budget(6, 2)).await;
    let viewer = token_of("patient", Role::Reviewer, None);
    let router = &app.app.router;
    // Two queries of 3 fill the window; if it turned between them, the third still fits.
    let mut reply = post(router, Some(&viewer), VIEWER, json!({})).await;
    for _ in 0..3 {
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
        reply = post(router, Some(&viewer), VIEWER, json!({})).await;
    }
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = reply.headers[header::RETRY_AFTER].to_str().ok().and_then(|s| s.parse().ok()).expect("seconds");
    assert!((1..=2).contains(&retry), "at most the window: {retry}");
    tokio::time::sleep(Duration::from_secs(retry)).await;
    let back = rate_limit(router, &viewer).await;
    assert_eq!(back["used"], json!(6), "a new window, with this query alone: {back}");
    assert_eq!(back["remaining"], json!(0));
}
