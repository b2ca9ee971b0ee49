//! Reads on a standby (issue 11 §3): queries read `--database-read-url` while its replay lag is
//! under `--max-read-lag`, and the primary when it lags or the client asks for the primary;
//! mutations, their answers and subscriptions use the primary.
//!
//! In process, the "standby" is a second database of the test server that holds other rows than
//! the primary, so every answer shows which database served it. It is not in recovery, so its
//! probed lag is 0; the deployment test (`tests/deployment.rs`) pauses a real standby's replay.

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use rightsgraph::config::ReadConfig;
use serde_json::{Value, json};

use crate::harness::{TestApp, code, pg_admin_url, spawn};
use crate::subscriptions::{PATIENCE, next_message, send};
use crate::workflow_support::*;

const BRANDS: &str = "{ brands(first: 50) { nodes { name } } }";

/// The names of the brands, as ADMIN reads them with `headers` and request `extensions`.
async fn brands(app: &TestApp, headers: &[(&str, &str)], extensions: Value) -> Vec<String> {
    let mut request = Request::post("/graphql")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {}", admin()));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = json!({ "query": BRANDS, "extensions": extensions }).to_string();
    let reply = app.send(request.body(Body::from(body)).expect("request")).await.json();
    assert!(reply.get("errors").is_none(), "{reply:#}");
    let mut names: Vec<String> =
        reply["data"]["brands"]["nodes"].as_array().expect("brands").iter().map(|b| string(&b["name"])).collect();
    names.sort();
    names
}

/// The value of the sample `name` in `/metrics` (0 when absent).
async fn sample(app: &TestApp, name: &str) -> f64 {
    let reply = app.send(Request::get("/metrics").body(Body::empty()).expect("request")).await;
    let text = String::from_utf8_lossy(&reply.body).into_owned();
    text.lines()
        .find_map(|line| line.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .map_or(0.0, |v| v.trim().parse().unwrap_or_else(|_| panic!("not a number: {v}")))
}

/// A primary with brand "Made on the primary", reading a standby with "Only on the standby" (the
/// second app, which holds the standby's database for as long as the test keeps it).
async fn primary_and_standby(max_read_lag: Duration) -> Option<(TestApp, TestApp)> {
    pg_admin_url()?;
    let primary = spawn().await;
    create_brand(&primary, "Made on the primary").await;
    let standby = spawn().await;
    create_brand(&standby, "Only on the standby").await;
    let reads = ReadConfig { database_read_url: Some(standby.database_url().to_owned()), max_read_lag };
    let app = primary.reading(reads).await.expect("an app reading the standby");
    Some((app, standby))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_read_the_standby_while_it_keeps_up_and_the_primary_when_asked() {
    let Some((app, _standby)) = primary_and_standby(Duration::from_secs(1)).await else { return };
    let standby = vec!["Only on the standby".to_owned()];
    let primary = vec!["Made on the primary".to_owned()];

    // Planned and general executor alike.
    assert_eq!(brands(&app, &[], json!({})).await, standby);
    app.app.pipeline.planner.store(false, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(brands(&app, &[], json!({})).await, standby);
    app.app.pipeline.planner.store(true, std::sync::atomic::Ordering::Relaxed);

    // The client asks for the primary: a header, or the request's extensions.
    assert_eq!(brands(&app, &[("x-read-primary", "1")], json!({})).await, primary);
    assert_eq!(brands(&app, &[("X-Read-Primary", "true")], json!({})).await, primary);
    assert_eq!(brands(&app, &[], json!({ "readPrimary": true })).await, primary);
    assert_eq!(brands(&app, &[("x-read-primary", "0")], json!({ "readPrimary": false })).await, standby);

    // The figures say who served what.
    assert_eq!(sample(&app, "rightsgraph_reads_total{database=\"standby\"}").await, 3.0);
    assert_eq!(sample(&app, "rightsgraph_reads_total{database=\"primary\"}").await, 3.0);
    assert_eq!(sample(&app, "rightsgraph_standby_lag_seconds").await, 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mutation_and_the_reads_of_its_answer_use_the_primary() {
    let Some((app, _standby)) = primary_and_standby(Duration::from_secs(1)).await else { return };
    // The answer's nested items are read after the write: on the primary, where they are.
    let s = scene(&app, 2).await;
    let submitted = submit(&app, &s.brand, &s.tm, &s.listings).await;
    assert_eq!(submitted.items.len(), 2, "{:#}", submitted.notice);
    let mut listings: Vec<String> = submitted.notice["items"]["nodes"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| string(&i["listing"]["id"]))
        .collect();
    listings.sort();
    let mut expected = s.listings.clone();
    expected.sort();
    assert_eq!(listings, expected, "{:#}", submitted.notice);

    // A query reads the standby, which has none of it, until the client asks for the primary.
    let standby = brands(&app, &[], json!({})).await;
    assert_eq!(standby, vec!["Only on the standby".to_owned()]);
    let primary = brands(&app, &[("x-read-primary", "1")], json!({})).await;
    assert_eq!(primary, vec!["Acme".to_owned(), "Made on the primary".to_owned()]);
    let found =
        app.gql(Some(&admin()), "query($id: ID!) { notice(id: $id) { id } }", json!({ "id": submitted.id })).await;
    assert_eq!(code(&found), "NOT_FOUND", "the standby has no such notice: {found:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_a_websocket_queries_read_the_standby_unless_the_connection_asks_for_the_primary() {
    let Some((app, _standby)) = primary_and_standby(Duration::from_secs(1)).await else { return };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(axum::serve(listener, app.app.router.clone()).into_future());

    for (read_primary, expected) in [(false, "Only on the standby"), (true, "Made on the primary")] {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = format!("ws://{addr}/graphql/ws").into_client_request().expect("request");
        request.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().expect("header"));
        let (mut ws, _) = tokio_tungstenite::connect_async(request).await.expect("handshake");
        let payload = json!({ "authorization": format!("Bearer {}", admin()), "readPrimary": read_primary });
        send(&mut ws, json!({ "type": "connection_init", "payload": payload })).await;
        let ack = next_message(&mut ws, PATIENCE).await.expect("ack");
        assert_eq!(ack["type"], "connection_ack", "{ack:#}");
        send(&mut ws, json!({ "id": "1", "type": "subscribe", "payload": { "query": BRANDS } })).await;
        let answer = next_message(&mut ws, PATIENCE).await.expect("an answer");
        assert_eq!(answer["type"], "next", "{answer:#}");
        assert_eq!(answer["payload"]["data"]["brands"]["nodes"], json!([{ "name": expected }]), "{answer:#}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_lagging_by_max_read_lag_or_more_is_not_read() {
    // A lag of 0 is not under a limit of 0: every query reads the primary.
    let Some((app, _standby)) = primary_and_standby(Duration::ZERO).await else { return };
    assert_eq!(brands(&app, &[], json!({})).await, vec!["Made on the primary".to_owned()]);
    assert_eq!(sample(&app, "rightsgraph_reads_total{database=\"standby\"}").await, 0.0);
    assert_eq!(sample(&app, "rightsgraph_reads_total{database=\"primary\"}").await, 1.0);
}

#[tokio::test]
async fn a_read_database_is_a_postgresql_standby_that_answers_at_start() {
    let app = spawn().await;
    let backend_is_pg = pg_admin_url().is_some();
    let url = if backend_is_pg { "sqlite://elsewhere.db?mode=rwc" } else { "postgres://postgres@127.0.0.1:1/standby" };
    let reads = ReadConfig { database_read_url: Some(url.into()), max_read_lag: Duration::from_secs(1) };
    let refused = app.reading(reads).await.err().expect("refused");
    if backend_is_pg {
        assert!(refused.contains("must be a postgres:// URL"), "{refused}");
        // A standby that does not answer at start is a configuration to fix, not to serve past.
        let app = spawn().await;
        let reads = ReadConfig {
            database_read_url: Some("postgres://postgres@127.0.0.1:1/standby".into()),
            max_read_lag: Duration::from_secs(1),
        };
        let refused = app.reading(reads).await.err().expect("refused");
        assert!(
            refused.starts_with("cannot open the read database postgres://postgres@127.0.0.1:1/standby"),
            "{refused}"
        );
    } else {
        assert!(refused.contains("needs a PostgreSQL primary"), "{refused}");
    }
}
