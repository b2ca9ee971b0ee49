//! Issue 29 §2: documents named rather than sent. Automatic persisted queries (a hash alone is
//! PERSISTED_QUERY_NOT_FOUND until the document comes with it; then GET by hash answers as the
//! document does; a wrong hash is refused; replicas share what one registered; memory and table
//! are bounded) and trusted documents (`--trusted-documents`, `--only-trusted-documents`, over
//! POST, GET and the WebSocket; a bad manifest stops the server at start).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use futures_util::{SinkExt, StreamExt};
use http_body_util::BodyExt;
use rightsgraph::config::{AuthConfig, Config, DbConfig, DocumentsConfig, LimitsConfig};
use rightsgraph::http::persisted::sha256_hex;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tower::ServiceExt;

use crate::harness::{Reply, SECRET, TestApp, TestDb, code, spawn, spawn_limits};
use crate::workflow_support::{CREATE_BRAND, admin, agent, create_brand};

const BRANDS: &str = "query Brands { brands(first: 10) { totalCount nodes { id name } } }";
const BRAND: &str = "query Brand($id: ID!) { brand(id: $id) { id name } }";

/// `extensions.persistedQuery` naming `document` by its hash.
fn apq(document: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256_hex(document) } })
}

/// A POST of `body` to `router`, with `token` if any.
async fn post_to(router: &Router, token: Option<&str>, body: Value) -> Reply {
    let mut request = Request::post("/graphql").header("content-type", "application/json");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    send(router, request.body(Body::from(body.to_string())).expect("request")).await
}

/// A GET of `/graphql` with the query-string `params` to `router`, with `token` if any.
async fn get_from(router: &Router, token: Option<&str>, params: &[(&str, String)]) -> Reply {
    let query = serde_urlencoded::to_string(params).expect("query string");
    let mut request = Request::get(format!("/graphql?{query}"));
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    send(router, request.body(Body::empty()).expect("request")).await
}

async fn send(router: &Router, request: Request<Body>) -> Reply {
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.expect("body").to_bytes().to_vec();
    Reply { status, headers, body }
}

/// A GET asking for `document` by its hash alone, with `variables`.
async fn get_by_hash(router: &Router, token: Option<&str>, document: &str, variables: Value) -> Reply {
    let params = [("extensions", apq(document).to_string()), ("variables", variables.to_string())];
    get_from(router, token, &params).await
}

/// Registers `document` (sent with its hash, as ADMIN) and returns its answer's data.
async fn register(router: &Router, document: &str, variables: Value) -> Value {
    let body = json!({ "query": document, "variables": variables, "extensions": apq(document) });
    let reply = post_to(router, Some(&admin()), body).await;
    assert_eq!(reply.status, StatusCode::OK);
    let answer = reply.json();
    assert!(answer.get("errors").is_none(), "registering {document}: {answer:#}");
    answer["data"].clone()
}

/// The one error's code of `reply`, with its status.
fn refused(reply: &Reply) -> (StatusCode, String) {
    (reply.status, code(&reply.json()))
}

/// Rows of the persisted-query table.
async fn stored(db: &impl ConnectionTrait) -> i64 {
    let backend = db.get_database_backend();
    let sql = "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM persisted_document";
    let row = db.query_one_raw(Statement::from_string(backend, sql)).await.expect("count").expect("a row");
    row.try_get("", "n").expect("n")
}

/// Limits with persisted queries configured by `documents`.
fn with_documents(documents: DocumentsConfig) -> LimitsConfig {
    LimitsConfig { documents, ..Default::default() }
}

// ---- automatic persisted queries ------------------------------------------------------------------

#[tokio::test]
async fn a_hash_alone_is_not_found_until_sent_with_its_document_then_get_by_hash_answers_the_same() {
    let app = spawn().await;
    let router = &app.app.router;
    let brand = create_brand(&app, "Persisted Brand").await;
    let full = app.data(&admin(), BRANDS, json!({})).await;

    // A hash alone: not found, over POST and GET, with the message Apollo Client looks for.
    let reply = post_to(router, Some(&admin()), json!({ "extensions": apq(BRANDS) })).await;
    assert_eq!(refused(&reply), (StatusCode::OK, "PERSISTED_QUERY_NOT_FOUND".to_owned()));
    assert_eq!(reply.json()["errors"][0]["message"], "PersistedQueryNotFound");
    assert!(reply.json().get("data").is_none(), "a request that never ran has no data: {:#}", reply.json());
    let reply = get_by_hash(router, Some(&admin()), BRANDS, json!({})).await;
    assert_eq!(refused(&reply), (StatusCode::OK, "PERSISTED_QUERY_NOT_FOUND".to_owned()));

    // The document with its hash runs and is registered; then the hash alone over GET answers
    // exactly as the document does.
    assert_eq!(register(router, BRANDS, json!({})).await, full);
    let reply = get_by_hash(router, Some(&admin()), BRANDS, json!({})).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["data"], full);
    assert!(reply.json().get("errors").is_none());

    // With variables, and with the application/graphql-response+json media type.
    let variables = json!({ "id": brand });
    let expected = app.data(&admin(), BRAND, variables.clone()).await;
    assert_eq!(expected["brand"]["name"], "Persisted Brand");
    register(router, BRAND, variables.clone()).await;
    let params = [("extensions", apq(BRAND).to_string()), ("variables", variables.to_string())];
    let query = serde_urlencoded::to_string(params).expect("query string");
    let request = Request::get(format!("/graphql?{query}"))
        .header("authorization", format!("Bearer {}", admin()))
        .header("accept", "application/graphql-response+json")
        .body(Body::empty())
        .expect("request");
    let reply = send(router, request).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["data"], expected);

    // A hash alone still needs a token for data, as the document does.
    let anonymous = get_by_hash(router, None, BRANDS, json!({})).await;
    assert_eq!(code(&anonymous.json()), "UNAUTHENTICATED");

    // With `Accept: application/graphql-response+json`, an unknown hash is a request error: 400.
    let unknown = "query Unknown { __typename }";
    let query = serde_urlencoded::to_string([("extensions", apq(unknown).to_string())]).expect("query string");
    let request = Request::get(format!("/graphql?{query}"))
        .header("accept", "application/graphql-response+json")
        .body(Body::empty())
        .expect("request");
    assert_eq!(refused(&send(router, request).await), (StatusCode::BAD_REQUEST, "PERSISTED_QUERY_NOT_FOUND".into()));
}

#[tokio::test]
async fn a_mutation_registered_by_hash_is_still_refused_over_get() {
    let app = spawn().await;
    let router = &app.app.router;
    let mutation = "mutation New($input: CreateBrandInput!) { createBrand(input: $input) { id } }";
    let variables = json!({ "input": { "name": "By Hash", "country": "US" } });
    register(router, mutation, variables.clone()).await;
    let reply = get_by_hash(router, Some(&admin()), mutation, variables.clone()).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    // Over POST the hash alone runs it.
    let reply = post_to(router, Some(&admin()), json!({ "extensions": apq(mutation), "variables": variables })).await;
    assert!(reply.json()["data"]["createBrand"]["id"].is_string(), "{:#}", reply.json());
}

#[tokio::test]
async fn a_document_sent_with_a_hash_that_is_not_its_own_is_refused_and_not_registered() {
    let app = spawn().await;
    let router = &app.app.router;
    let other = "query Other { __typename }";
    let body = json!({ "query": BRANDS, "extensions": apq(other) });
    let reply = post_to(router, Some(&admin()), body).await;
    assert_eq!(refused(&reply), (StatusCode::OK, "BAD_USER_INPUT".to_owned()));
    assert_eq!(reply.json()["errors"][0]["extensions"]["field"], "extensions.persistedQuery.sha256Hash");
    // Neither hash was registered.
    for document in [BRANDS, other] {
        let reply = post_to(router, Some(&admin()), json!({ "extensions": apq(document) })).await;
        assert_eq!(code(&reply.json()), "PERSISTED_QUERY_NOT_FOUND");
    }
    assert_eq!(stored(&app.app.db).await, 0);

    // A hash that is not 64 hex digits, and a version other than 1, are refused as input.
    let bad = [
        (json!({ "persistedQuery": { "version": 1, "sha256Hash": "abc" } }), "extensions.persistedQuery.sha256Hash"),
        (
            json!({ "persistedQuery": { "version": 2, "sha256Hash": sha256_hex(BRANDS) } }),
            "extensions.persistedQuery.version",
        ),
    ];
    for (extensions, field) in bad {
        let reply = post_to(router, Some(&admin()), json!({ "query": BRANDS, "extensions": extensions })).await;
        assert_eq!(code(&reply.json()), "BAD_USER_INPUT");
        assert_eq!(reply.json()["errors"][0]["extensions"]["field"], field);
    }
}

#[tokio::test]
async fn only_an_authenticated_request_registers_a_document() {
    let app = spawn().await;
    let router = &app.app.router;
    let document = "query Typename { __typename }";
    // Anonymous: the document runs, but is not kept.
    let reply = post_to(router, None, json!({ "query": document, "extensions": apq(document) })).await;
    assert_eq!(reply.json()["data"], json!({ "__typename": "Query" }));
    let reply = post_to(router, None, json!({ "extensions": apq(document) })).await;
    assert_eq!(code(&reply.json()), "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(stored(&app.app.db).await, 0);
    // Registered by a token, anyone may then name it.
    register(router, document, json!({})).await;
    assert_eq!(stored(&app.app.db).await, 1);
    let reply = get_by_hash(router, None, document, json!({})).await;
    assert_eq!(reply.json()["data"], json!({ "__typename": "Query" }));
}

#[tokio::test]
async fn a_document_registered_on_one_replica_runs_by_hash_on_another() {
    let app = spawn().await;
    let replica = app.replica().await;
    create_brand(&app, "Shared Brand").await;
    let full = app.data(&admin(), BRANDS, json!({})).await;
    // Unknown to both at first.
    let reply = get_by_hash(&replica.router, Some(&admin()), BRANDS, json!({})).await;
    assert_eq!(code(&reply.json()), "PERSISTED_QUERY_NOT_FOUND");
    register(&app.app.router, BRANDS, json!({})).await;
    // The replica never saw the document: it reads it from the shared table.
    let reply = get_by_hash(&replica.router, Some(&admin()), BRANDS, json!({})).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["data"], full);
    // And a third process, started after, too.
    let third = app.replica().await;
    let reply = get_by_hash(&third.router, Some(&admin()), BRANDS, json!({})).await;
    assert_eq!(reply.json()["data"], full);
}

#[tokio::test]
async fn memory_keeps_the_n_most_recently_used_and_an_evicted_document_is_read_from_the_table() {
    let documents = DocumentsConfig { persisted_query_cache: 2, ..Default::default() };
    let app = spawn_limits(with_documents(documents)).await;
    let router = &app.app.router;
    let docs: Vec<String> = (1..=3).map(|i| format!("query Doc{i} {{ __typename }}")).collect();
    for doc in &docs {
        register(router, doc, json!({})).await;
    }
    assert_eq!(stored(&app.app.db).await, 3, "every registered document is in the table");

    // The statements a request costs beyond those of the same document sent in full: none for a
    // document in memory, one read for a document only in the table.
    async fn extra(app: &TestApp, doc: &str) -> u64 {
        let before = app.statements();
        let reply = post_to(&app.app.router, Some(&admin()), json!({ "query": doc })).await;
        assert_eq!(reply.json()["data"]["__typename"], "Query");
        let sent = app.statements() - before;
        let before = app.statements();
        let reply = get_by_hash(&app.app.router, Some(&admin()), doc, json!({})).await;
        assert_eq!(reply.json()["data"], json!({ "__typename": "Query" }), "{doc} by hash");
        (app.statements() - before) - sent
    }
    assert_eq!(extra(&app, &docs[2]).await, 0, "the last registered is in memory");
    assert_eq!(extra(&app, &docs[1]).await, 0, "so is the one before");
    // The first was evicted when the third came (N = 2), but is still known: one read of the table.
    assert_eq!(extra(&app, &docs[0]).await, 1, "the first was evicted from memory");
    // Read back, it is in memory again, and the least recently used (the third) went.
    assert_eq!(extra(&app, &docs[0]).await, 0);
    assert_eq!(extra(&app, &docs[2]).await, 1);
}

#[tokio::test]
async fn the_table_keeps_the_capacity_most_recently_used_documents_and_drops_expired_ones() {
    let documents = DocumentsConfig { persisted_query_capacity: 2, ..Default::default() };
    let app = spawn_limits(with_documents(documents)).await;
    let docs: Vec<String> = (1..=3).map(|i| format!("query Kept{i} {{ __typename }}")).collect();
    for doc in &docs {
        register(&app.app.router, doc, json!({})).await;
    }
    assert_eq!(stored(&app.app.db).await, 2);
    // A process that never saw them knows the last two only.
    let replica = app.replica().await;
    let reply = get_by_hash(&replica.router, Some(&admin()), &docs[0], json!({})).await;
    assert_eq!(code(&reply.json()), "PERSISTED_QUERY_NOT_FOUND");
    for doc in &docs[1..] {
        let reply = get_by_hash(&replica.router, Some(&admin()), doc, json!({})).await;
        assert_eq!(reply.json()["data"]["__typename"], "Query", "{doc}");
    }

    // Unused for longer than the TTL: deleted at the next registration.
    let documents = DocumentsConfig { persisted_query_ttl: Duration::from_millis(800), ..Default::default() };
    let app = spawn_limits(with_documents(documents)).await;
    register(&app.app.router, &docs[0], json!({})).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    register(&app.app.router, &docs[1], json!({})).await;
    assert_eq!(stored(&app.app.db).await, 1);
    let replica = app.replica().await;
    let reply = get_by_hash(&replica.router, Some(&admin()), &docs[0], json!({})).await;
    assert_eq!(code(&reply.json()), "PERSISTED_QUERY_NOT_FOUND");
}

#[tokio::test]
async fn a_document_that_does_not_parse_or_is_over_the_limits_is_refused_and_never_registered() {
    let limits = LimitsConfig { max_aliases: 2, ..Default::default() };
    let app = spawn_limits(limits).await;
    let aliased = "query Aliased { a: __typename b: __typename c: __typename }";
    let reply = post_to(&app.app.router, Some(&admin()), json!({ "query": aliased, "extensions": apq(aliased) })).await;
    assert_eq!(code(&reply.json()), "GRAPHQL_VALIDATION_FAILED");
    let broken = "query Broken { brands(";
    let reply = post_to(&app.app.router, Some(&admin()), json!({ "query": broken, "extensions": apq(broken) })).await;
    assert_eq!(code(&reply.json()), "GRAPHQL_PARSE_FAILED");
    assert_eq!(stored(&app.app.db).await, 0);
    let reply = get_by_hash(&app.app.router, Some(&admin()), aliased, json!({})).await;
    assert_eq!(code(&reply.json()), "PERSISTED_QUERY_NOT_FOUND");
}

// ---- trusted documents ---------------------------------------------------------------------------

/// A document of a manifest keyed by its sha256 (GraphQL Codegen's client preset).
const TRUSTED: &str = "query TrustedBrands { brands(first: 10) { totalCount nodes { name } } }";
/// A document of a manifest keyed by an md5-like id (Relay).
const RELAY: &str = "query RelayBrand($id: ID!) { brand(id: $id) { name } }";
const RELAY_ID: &str = "9c1e2cc0bd3b1d4c0d9b0ed51d0c2f6e";

/// Writes `manifest` to a file in `dir`; its path.
fn manifest_in(dir: &Path, manifest: &str) -> std::path::PathBuf {
    let path = dir.join("persisted-documents.json");
    std::fs::write(&path, manifest).expect("write the manifest");
    path
}

/// The manifest of the tests' client: its two queries, and the mutation that sets up a brand.
fn good_manifest() -> String {
    json!({ sha256_hex(TRUSTED): TRUSTED, RELAY_ID: RELAY, sha256_hex(CREATE_BRAND): CREATE_BRAND }).to_string()
}

/// A server that runs only the trusted documents of `good_manifest`.
async fn trusted_only(dir: &Path) -> TestApp {
    let documents = DocumentsConfig {
        trusted_documents: Some(manifest_in(dir, &good_manifest())),
        only_trusted_documents: true,
        ..Default::default()
    };
    spawn_limits(with_documents(documents)).await
}

#[tokio::test]
async fn a_trusted_documents_server_runs_manifest_documents_by_hash_or_id_and_refuses_others() {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = trusted_only(dir.path()).await;
    let router = &app.app.router;
    let brand = create_brand(&app, "Trusted Brand").await;
    let not_allowed = (StatusCode::OK, "PERSISTED_QUERY_NOT_ALLOWED".to_owned());

    // Another document is refused, over POST and GET, sent in full or named by hash, also
    // when it comes with its own hash for registration.
    let reply = post_to(router, Some(&admin()), json!({ "query": BRANDS })).await;
    assert_eq!(refused(&reply), not_allowed);
    let reply = get_from(router, Some(&admin()), &[("query", BRANDS.to_owned())]).await;
    assert_eq!(refused(&reply), not_allowed);
    let reply = post_to(router, Some(&admin()), json!({ "query": BRANDS, "extensions": apq(BRANDS) })).await;
    assert_eq!(refused(&reply), not_allowed);
    let reply = get_by_hash(router, Some(&admin()), BRANDS, json!({})).await;
    assert_eq!(refused(&reply), not_allowed);
    assert_eq!(stored(&app.app.db).await, 0, "nothing is registered");

    // The manifest's documents: by sha256Hash, by documentId (hash or Relay's id), over POST
    // and GET, or sent in full.
    let expected = json!({ "brands": { "totalCount": 1, "nodes": [{ "name": "Trusted Brand" }] } });
    let by_hash = get_by_hash(router, Some(&admin()), TRUSTED, json!({})).await;
    assert_eq!((by_hash.status, &by_hash.json()["data"]), (StatusCode::OK, &expected));
    let by_post = post_to(router, Some(&admin()), json!({ "extensions": apq(TRUSTED) })).await;
    assert_eq!(by_post.json()["data"], expected);
    let id = format!("sha256:{}", sha256_hex(TRUSTED));
    let by_document_id = post_to(router, Some(&admin()), json!({ "documentId": id })).await;
    assert_eq!(by_document_id.json()["data"], expected);
    let in_full = post_to(router, Some(&admin()), json!({ "query": TRUSTED })).await;
    assert_eq!(in_full.json()["data"], expected);
    let variables = json!({ "id": brand });
    let relay = post_to(router, Some(&agent(&brand)), json!({ "documentId": RELAY_ID, "variables": variables })).await;
    assert_eq!(relay.json()["data"], json!({ "brand": { "name": "Trusted Brand" } }));
    let params = [("documentId", RELAY_ID.to_owned()), ("variables", variables.to_string())];
    let relay = get_from(router, Some(&admin()), &params).await;
    assert_eq!(relay.json()["data"], json!({ "brand": { "name": "Trusted Brand" } }));
    // An id the manifest does not have.
    let reply = post_to(router, Some(&admin()), json!({ "documentId": "no-such-id" })).await;
    assert_eq!(refused(&reply), not_allowed);
    // The same rules as any request: no token, no data.
    let reply = get_by_hash(router, None, TRUSTED, json!({})).await;
    assert_eq!(code(&reply.json()), "UNAUTHENTICATED");
}

#[tokio::test]
async fn with_only_trusted_documents_only_staff_may_introspect() {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = trusted_only(dir.path()).await;
    let router = &app.app.router;
    let brand = create_brand(&app, "Introspected").await;
    let introspection = "query Introspection { __schema { queryType { name } } ...Type } \
                         fragment Type on Query { __type(name: \"Brand\") { name } }";
    for token in [admin(), crate::workflow_support::reviewer(), crate::workflow_support::analyst()] {
        let reply = post_to(router, Some(&token), json!({ "query": introspection })).await;
        let expected = json!({ "__schema": { "queryType": { "name": "Query" } }, "__type": { "name": "Brand" } });
        assert_eq!(reply.json()["data"], expected);
    }
    for token in [Some(agent(&brand)), None] {
        let reply = post_to(router, token.as_deref(), json!({ "query": introspection })).await;
        assert_eq!(code(&reply.json()), "PERSISTED_QUERY_NOT_ALLOWED");
    }
    // Staff may introspect, not run anything else that is untrusted.
    let mixed = "query Mixed { __schema { queryType { name } } brands(first: 1) { totalCount } }";
    let reply = post_to(router, Some(&admin()), json!({ "query": mixed })).await;
    assert_eq!(code(&reply.json()), "PERSISTED_QUERY_NOT_ALLOWED");
}

#[tokio::test]
async fn trusted_documents_without_only_leave_other_documents_and_apq_running() {
    let dir = tempfile::tempdir().expect("temp dir");
    let documents =
        DocumentsConfig { trusted_documents: Some(manifest_in(dir.path(), &good_manifest())), ..Default::default() };
    let app = spawn_limits(with_documents(documents)).await;
    let router = &app.app.router;
    create_brand(&app, "Open Brand").await;
    let full = app.data(&admin(), BRANDS, json!({})).await;
    let reply = get_by_hash(router, Some(&admin()), TRUSTED, json!({})).await;
    assert_eq!(reply.json()["data"]["brands"]["totalCount"], 1);
    let reply = post_to(router, Some(&admin()), json!({ "extensions": apq(BRANDS) })).await;
    assert_eq!(code(&reply.json()), "PERSISTED_QUERY_NOT_FOUND");
    register(router, BRANDS, json!({})).await;
    assert_eq!(get_by_hash(router, Some(&admin()), BRANDS, json!({})).await.json()["data"], full);
}

#[tokio::test]
async fn a_trusted_documents_server_refuses_other_documents_over_the_websocket_and_runs_its_own() {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = trusted_only(dir.path()).await;
    let brand = create_brand(&app, "Socket Brand").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(axum::serve(listener, app.app.router.clone()).into_future());
    let mut request = format!("ws://{addr}/graphql/ws").into_client_request().expect("request");
    request.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().expect("header"));
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.expect("handshake");
    let send = |message: Value| Message::Text(message.to_string().into());
    let init = json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {}", admin())}});
    ws.send(send(init)).await.expect("init");

    async fn next(
        ws: &mut (impl StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin),
    ) -> Value {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(5), ws.next()).await.expect("a message in time");
            if let Some(Ok(Message::Text(text))) = frame {
                let message: Value = serde_json::from_str(text.as_str()).expect("JSON");
                if message["type"] != "ping" {
                    return message;
                }
            } else {
                panic!("the connection ended: {frame:?}");
            }
        }
    }
    assert_eq!(next(&mut ws).await["type"], "connection_ack");

    // Another document: an `error` message with the code.
    ws.send(send(json!({"id": "1", "type": "subscribe", "payload": {"query": BRANDS}}))).await.expect("send");
    let error = next(&mut ws).await;
    assert_eq!((error["type"].as_str(), error["id"].as_str()), (Some("error"), Some("1")), "{error:#}");
    assert_eq!(error["payload"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_ALLOWED");
    // Also a subscription that is not in the manifest.
    let events = "subscription { noticeEvents { kind } }";
    ws.send(send(json!({"id": "2", "type": "subscribe", "payload": {"query": events}}))).await.expect("send");
    let error = next(&mut ws).await;
    assert_eq!(error["payload"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_ALLOWED", "{error:#}");

    // A manifest document named by its hash alone (no `query`), then by its Relay id.
    ws.send(send(json!({"id": "3", "type": "subscribe", "payload": {"extensions": apq(TRUSTED)}})))
        .await
        .expect("send");
    let answer = next(&mut ws).await;
    assert_eq!(answer["type"], "next", "{answer:#}");
    assert_eq!(answer["payload"]["data"]["brands"]["nodes"][0]["name"], "Socket Brand");
    assert_eq!(next(&mut ws).await, json!({"id": "3", "type": "complete"}));
    let payload = json!({"documentId": RELAY_ID, "variables": { "id": brand }});
    ws.send(send(json!({"id": "4", "type": "subscribe", "payload": payload}))).await.expect("send");
    let answer = next(&mut ws).await;
    assert_eq!(answer["payload"]["data"], json!({ "brand": { "name": "Socket Brand" } }), "{answer:#}");
}

// ---- the manifest is checked at start ------------------------------------------------------------

/// What building the service says of `documents`, with a database of its own.
async fn start_with(documents: DocumentsConfig) -> Result<(), String> {
    let db = TestDb::new().await;
    let config = Config {
        listen: "127.0.0.1:0".parse().expect("address"),
        db: DbConfig { database_url: db.url.clone() },
        auth: AuthConfig { jwt_secret: Some(SECRET.into()), ..Default::default() },
        rules: Default::default(),
        limits: with_documents(documents),
        ws: Default::default(),
        reads: Default::default(),
        strike_sweep_interval: Duration::ZERO,
        planner: true,
    };
    rightsgraph::build_app(&config).await.map(drop)
}

#[tokio::test]
async fn a_bad_manifest_is_refused_at_start_with_a_one_line_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = "query Good { __typename }";
    let cases: Vec<(&str, Option<String>, &str)> = vec![
        ("an unreadable file", None, "cannot read it"),
        ("bad JSON", Some("{ not json".into()), "not a JSON object"),
        ("a list, not an object", Some(json!([good]).to_string()), "not a JSON object"),
        ("a value that is not text", Some(json!({ "a": { "body": good } }).to_string()), "is not a document's text"),
        ("a document that does not parse", Some(json!({ "a": "query { brands(" }).to_string()), "does not parse"),
        (
            "a document over the limits",
            Some(json!({ "a": format!("{{ a: __typename {} }}", "b: __typename ".repeat(200)) }).to_string()),
            "over the limits",
        ),
        (
            "a sha256 key of another document",
            Some(json!({ sha256_hex("query Other { __typename }"): good }).to_string()),
            "is not the sha256 of its document",
        ),
        ("a sha256: key that is not one", Some(json!({ "sha256:abc": good }).to_string()), "is not 64 hex digits"),
    ];
    for (what, content, reason) in cases {
        let path = match &content {
            Some(content) => manifest_in(dir.path(), content),
            None => dir.path().join("missing.json"),
        };
        let documents = DocumentsConfig { trusted_documents: Some(path.clone()), ..Default::default() };
        let err = start_with(documents).await.expect_err(what);
        assert!(err.starts_with(&format!("cannot use --trusted-documents {}: ", path.display())), "{what}: {err}");
        assert!(err.contains(reason), "{what}: {err}");
        assert!(!err.contains('\n'), "{what}: one line: {err}");
    }
    // The same hash in upper case, or after `sha256:`, is the hash.
    let upper = json!({ format!("sha256:{}", sha256_hex(good).to_uppercase()): good }).to_string();
    let documents = DocumentsConfig { trusted_documents: Some(manifest_in(dir.path(), &upper)), ..Default::default() };
    assert_eq!(start_with(documents).await, Ok(()));
    // --only-trusted-documents without a manifest would run nothing.
    let documents = DocumentsConfig { only_trusted_documents: true, ..Default::default() };
    let err = start_with(documents).await.expect_err("only trusted without a manifest");
    assert!(err.contains("--only-trusted-documents needs --trusted-documents"), "{err}");
}

#[test]
fn serve_stops_with_one_line_and_a_failure_status_for_a_bad_manifest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = manifest_in(dir.path(), &json!({ "a": "query {" }).to_string());
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("start.db").display());
    let output = Command::new(env!("CARGO_BIN_EXE_rightsgraph"))
        .args(["serve", "--listen", "127.0.0.1:0", "--trusted-documents"])
        .arg(&manifest)
        .env("DATABASE_URL", database)
        .env("RIGHTSGRAPH_JWT_SECRET", SECRET)
        .env("RUST_LOG", "error")
        .env_remove("RIGHTSGRAPH_ONLY_TRUSTED_DOCUMENTS")
        .stdin(Stdio::null())
        .output()
        .expect("run serve");
    assert!(!output.status.success(), "serve started with a bad manifest");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected =
        format!("error: cannot use --trusted-documents {}: the document of \"a\" does not parse", manifest.display());
    assert_eq!(stderr.lines().filter(|l| l.starts_with("error:")).count(), 1, "{stderr}");
    assert!(stderr.lines().any(|line| line.starts_with(&expected)), "{stderr}");
    assert!(!String::from_utf8_lossy(&output.stdout).contains("listening on"));
}
