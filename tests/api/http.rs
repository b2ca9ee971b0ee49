//! CONTRACT.md section 2 over the router: routes, GET and POST, content negotiation, the body
//! limit, and the depth and complexity limits of section 5.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use rightsgraph::auth::Role;
use rightsgraph::ids::Kind;
use serde_json::{Value, json};

use crate::fixtures::{Builder, World};
use crate::harness::{Reply, TestApp, code, codes, gid, spawn, token};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// Percent-encodes `text` for a query string.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `GET /graphql?query=…[&variables=…]` with `headers`.
async fn get(app: &TestApp, query: &str, variables: Option<Value>, headers: &[(&str, &str)]) -> Reply {
    let mut uri = format!("/graphql?query={}", encode(query));
    if let Some(v) = variables {
        uri.push_str(&format!("&variables={}", encode(&v.to_string())));
    }
    let mut request = Request::get(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    app.send(request.body(Body::empty()).expect("request")).await
}

/// `POST /graphql` of `query` with `headers`.
async fn post(app: &TestApp, query: &str, variables: Value, headers: &[(&str, &str)]) -> Reply {
    let mut request = Request::post("/graphql").header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = json!({ "query": query, "variables": variables }).to_string();
    app.send(request.body(Body::from(body)).expect("request")).await
}

fn content_type(reply: &Reply) -> String {
    reply.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
}

fn bearer(tok: &str) -> String {
    format!("Bearer {tok}")
}

fn message(response: &Value) -> String {
    response["errors"][0]["message"].as_str().unwrap_or("").to_owned()
}

// ---------------------------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn healthz_answers_200() {
    let app = spawn().await;
    let reply = app.send(Request::get("/healthz").body(Body::empty()).expect("request")).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn readyz_answers_200_while_the_database_answers() {
    let app = spawn().await;
    let reply = app.send(Request::get("/readyz").body(Body::empty()).expect("request")).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn get_graphql_runs_a_query() {
    let app = spawn().await;
    let reply = get(&app, "{__typename}", None, &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.json()["data"], json!({ "__typename": "Query" }));

    // With a token and variables, a real query.
    let w = World::build(&app.app.db).await;
    let admin = bearer(&token(Role::Admin, None, None));
    let reply = get(
        &app,
        "query($id: ID!) { brand(id: $id) { name } brands { totalCount } }",
        Some(json!({ "id": gid(Kind::Brand, w.brand_b) })),
        &[("authorization", &admin)],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["data"], json!({ "brand": { "name": "Bolt" }, "brands": { "totalCount": 2 } }));

    // Without a token, GET is held to the same rule as POST.
    let reply = get(&app, "{ brands { totalCount } }", None, &[]).await;
    assert_eq!(code(&reply.json()), "UNAUTHENTICATED");
}

/// How many brands there are, as ADMIN sees them.
async fn brand_count(app: &TestApp) -> Value {
    app.data(&token(Role::Admin, None, None), "{ brands { totalCount } }", json!({})).await["brands"]["totalCount"]
        .clone()
}

const CREATE_BRAND: &str = r#"mutation { createBrand(input: { name: "Sneaky", country: "US" }) { id } }"#;

#[tokio::test]
async fn get_graphql_refuses_a_mutation_with_405() {
    let app = spawn().await;
    let admin = bearer(&token(Role::Admin, None, None));
    for query in ["mutation{__typename}", "mutation Named { __typename }", CREATE_BRAND] {
        for accept in ["application/json", GRAPHQL_RESPONSE] {
            let reply = get(&app, query, None, &[("accept", accept), ("authorization", &admin)]).await;
            assert_eq!(
                reply.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{query} ({accept}): {}",
                String::from_utf8_lossy(&reply.body)
            );
            let allow = reply.headers.get(header::ALLOW).and_then(|v| v.to_str().ok()).unwrap_or("");
            assert!(allow.contains("POST"), "405 must say what is allowed: {allow:?}");
        }
    }
    assert_eq!(brand_count(&app).await, json!(0), "a mutation over GET must change nothing");
}

/// `GET /graphql?query=…&operationName=…`.
async fn get_operation(app: &TestApp, document: &str, operation: &str) -> Reply {
    let uri = format!("/graphql?query={}&operationName={}", encode(document), encode(operation));
    let admin = token(Role::Admin, None, None);
    let request = Request::get(uri).header("authorization", bearer(&admin));
    app.send(request.body(Body::empty()).expect("request")).await
}

#[tokio::test]
async fn get_graphql_refuses_a_mutation_selected_by_operation_name_with_405() {
    let app = spawn().await;
    let document =
        r#"query Q { __typename } mutation M { createBrand(input: { name: "Sneaky", country: "US" }) { id } }"#;
    let reply = get_operation(&app, document, "M").await;
    assert_eq!(brand_count(&app).await, json!(0), "a mutation over GET must change nothing");
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{}", String::from_utf8_lossy(&reply.body));
}

#[tokio::test]
async fn get_graphql_runs_the_operation_named_by_operation_name() {
    let app = spawn().await;
    let reply = get_operation(&app, "query Q { a: __typename } query R { b: __typename }", "R").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.json()["data"], json!({ "b": "Query" }));
}

#[tokio::test]
async fn get_graphql_for_a_browser_serves_graphiql() {
    let app = spawn().await;
    let reply = app
        .send(
            Request::get("/graphql")
                .header("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(content_type(&reply).starts_with("text/html"), "{}", content_type(&reply));
    let html = String::from_utf8_lossy(&reply.body).to_lowercase();
    assert!(html.contains("graphiql"), "{html}");
}

// ---------------------------------------------------------------------------------------------
// Content negotiation and request errors
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn graphql_response_json_is_negotiated_on_accept() {
    let app = spawn().await;
    let reply = post(&app, "{ __typename }", json!({}), &[("accept", GRAPHQL_RESPONSE)]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(content_type(&reply), GRAPHQL_RESPONSE);
    assert_eq!(reply.json()["data"], json!({ "__typename": "Query" }));

    for accept in [Some("application/json"), None] {
        let headers: Vec<(&str, &str)> = accept.map(|a| ("accept", a)).into_iter().collect();
        let reply = post(&app, "{ __typename }", json!({}), &headers).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(content_type(&reply).starts_with("application/json"), "{accept:?}: {}", content_type(&reply));
    }

    let reply = get(&app, "{__typename}", None, &[("accept", GRAPHQL_RESPONSE)]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(content_type(&reply), GRAPHQL_RESPONSE);
}

#[tokio::test]
async fn parse_error_is_400_with_graphql_response_json() {
    let app = spawn().await;
    let reply = post(&app, "{", json!({}), &[("accept", GRAPHQL_RESPONSE)]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(content_type(&reply), GRAPHQL_RESPONSE);
    let body = reply.json();
    assert_eq!(code(&body), "GRAPHQL_PARSE_FAILED");
    assert!(body["data"].is_null(), "{body:#}");
}

#[tokio::test]
async fn parse_error_is_200_with_application_json() {
    let app = spawn().await;
    let reply = post(&app, "{", json!({}), &[("accept", "application/json")]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
    assert!(content_type(&reply).starts_with("application/json"), "{}", content_type(&reply));
    let body = reply.json();
    assert_eq!(code(&body), "GRAPHQL_PARSE_FAILED");
    assert!(body["data"].is_null(), "{body:#}");
}

#[tokio::test]
async fn validation_error_is_graphql_validation_failed() {
    let app = spawn().await;
    let admin = bearer(&token(Role::Admin, None, None));
    for query in ["{ nope }", "{ brands { nodes { id nope } } }", "{ brands(first: \"x\") { totalCount } }"] {
        let reply = post(&app, query, json!({}), &[("accept", "application/json"), ("authorization", &admin)]).await;
        assert_eq!(reply.status, StatusCode::OK, "{query}");
        let body = reply.json();
        assert!(!codes(&body).is_empty(), "{query}: {body:#}");
        assert!(codes(&body).iter().all(|c| c == "GRAPHQL_VALIDATION_FAILED"), "{query}: {body:#}");

        let reply = post(&app, query, json!({}), &[("accept", GRAPHQL_RESPONSE), ("authorization", &admin)]).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(content_type(&reply), GRAPHQL_RESPONSE);
        let body = reply.json();
        assert!(!codes(&body).is_empty(), "{query}: {body:#}");
        assert!(codes(&body).iter().all(|c| c == "GRAPHQL_VALIDATION_FAILED"), "{query}: {body:#}");
        assert!(body["data"].is_null(), "{body:#}");
    }
}

#[tokio::test]
async fn field_errors_keep_status_200_with_graphql_response_json() {
    // A request that ran (partial data, field errors) is not a request error.
    let app = spawn().await;
    let reply = post(&app, "{ brands { totalCount } }", json!({}), &[("accept", GRAPHQL_RESPONSE)]).await;
    assert_eq!(code(&reply.json()), "UNAUTHENTICATED");
    let admin = bearer(&token(Role::Admin, None, None));
    let reply = post(
        &app,
        "query($id: ID!) { viewer { role } node(id: $id) { id } }",
        json!({ "id": gid(Kind::Brand, 999) }),
        &[("accept", GRAPHQL_RESPONSE), ("authorization", &admin)],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.json();
    assert_eq!(body["data"]["viewer"], json!({ "role": "ADMIN" }));
    assert_eq!(code(&body), "NOT_FOUND");
}

#[tokio::test]
async fn malformed_requests_are_client_errors_not_server_errors() {
    let app = spawn().await;
    for (body, variables_in_uri) in [("{not json", None), ("{\"query\": 5}", None), ("", Some("%7Bbad"))] {
        let request = match variables_in_uri {
            None => Request::post("/graphql").header("content-type", "application/json").body(Body::from(body)),
            Some(v) => Request::get(format!("/graphql?query=%7B__typename%7D&variables={v}")).body(Body::empty()),
        };
        let reply = app.send(request.expect("request")).await;
        assert!(reply.status.is_client_error(), "{body:?} {variables_in_uri:?}: {}", reply.status);
    }
    let reply = app
        .send(
            Request::put("/graphql")
                .header("content-type", "application/json")
                .body(Body::from(r#"{"query": "{ __typename }"}"#))
                .expect("request"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
}

// ---------------------------------------------------------------------------------------------
// Body limit
// ---------------------------------------------------------------------------------------------

/// A valid GraphQL request body of about `size` bytes (the padding goes in an unused variable).
fn padded_body(size: usize) -> String {
    let overhead = json!({ "query": "{ __typename }", "variables": { "pad": "" } }).to_string().len();
    let body = json!({ "query": "{ __typename }", "variables": { "pad": "x".repeat(size - overhead) } }).to_string();
    assert_eq!(body.len(), size);
    body
}

#[tokio::test]
async fn body_over_1_mib_is_413() {
    let app = spawn().await;
    let body = padded_body((1 << 20) + 1024);
    let request = Request::post("/graphql")
        .header("content-type", "application/json")
        .header("content-length", body.len().to_string())
        .body(Body::from(body))
        .expect("request");
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn streamed_body_over_1_mib_is_413() {
    // Without a Content-Length (chunked upload) the limit holds all the same.
    let app = spawn().await;
    let body = padded_body((1 << 20) + 1024).into_bytes();
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = body.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
    let request = Request::post("/graphql")
        .header("content-type", "application/json")
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .expect("request");
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", String::from_utf8_lossy(&reply.body));
}

#[tokio::test]
async fn body_under_1_mib_is_served() {
    let app = spawn().await;
    let body = padded_body((1 << 20) - 1024);
    let request = Request::post("/graphql")
        .header("content-type", "application/json")
        .header("content-length", body.len().to_string())
        .body(Body::from(body))
        .expect("request");
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.json()["data"], json!({ "__typename": "Query" }));
}

// ---------------------------------------------------------------------------------------------
// Depth and complexity limits
// ---------------------------------------------------------------------------------------------

/// A query `depth` fields deep: `listing(id:) { seller { listings(first: 1) { nodes { seller …`.
fn nested(depth: usize) -> String {
    assert!(depth >= 2);
    let cycle = ["seller", "listings(first: 1)", "nodes"];
    let mut opened = vec!["listing(id: $id)"];
    for i in 0..depth - 2 {
        opened.push(cycle[i % 3]);
    }
    let leaf = if opened.last() == Some(&"listings(first: 1)") { "totalCount" } else { "id" };
    let mut q = String::from("query($id: ID!) { ");
    for field in &opened {
        q.push_str(field);
        q.push_str(" { ");
    }
    q.push_str(leaf);
    for _ in &opened {
        q.push_str(" }");
    }
    q.push_str(" }");
    q
}

#[tokio::test]
async fn query_deeper_than_the_depth_limit_is_refused_before_any_resolver_runs() {
    let app = spawn().await;
    let w = World::build(&app.app.db).await;
    let admin = token(Role::Admin, None, None);
    let vars = json!({ "id": gid(Kind::Listing, w.l1a) });
    for depth in [16, 20] {
        let before = app.statements();
        let r = app.gql(Some(&admin), &nested(depth), vars.clone()).await;
        assert_eq!(app.statements(), before, "depth {depth}: no resolver may run");
        assert_eq!(code(&r), "GRAPHQL_VALIDATION_FAILED", "depth {depth}: {r:#}");
        assert!(message(&r).contains("depth limit"), "depth {depth}: {r:#}");
        assert!(r["data"].is_null(), "{r:#}");
    }
    // At the limit, admitted.
    let data = app.data(&admin, &nested(15), vars).await;
    let mut level = &data["listing"];
    for _ in 0..4 {
        assert_eq!(level["seller"]["listings"]["nodes"].as_array().map(Vec::len), Some(1), "{data:#}");
        level = &level["seller"]["listings"]["nodes"][0];
    }
    assert_eq!(level["seller"], json!({ "id": gid(Kind::Seller, w.s1) }));
}

const COSTLY: &str = "{
  brands(first: 100) { nodes { notices(first: 100) { nodes { items(first: 100) { nodes {
    listing { seller { listings(first: 100) { nodes { title } } } }
  } } } } } }
}";

#[tokio::test]
async fn query_costlier_than_the_complexity_limit_is_refused_before_any_resolver_runs() {
    let app = spawn().await;
    World::build(&app.app.db).await;
    let admin = token(Role::Admin, None, None);
    let before = app.statements();
    let r = app.gql(Some(&admin), COSTLY, json!({})).await;
    assert_eq!(app.statements(), before, "no resolver may run");
    assert_eq!(code(&r), "GRAPHQL_VALIDATION_FAILED", "{r:#}");
    assert!(message(&r).contains("complexity limit"), "{r:#}");
    assert!(r["data"].is_null(), "{r:#}");

    // Page sizes given as variables count the same.
    let with_variables = "query($n: Int) {
      brands(first: $n) { nodes { notices(first: $n) { nodes { items(first: $n) { nodes {
        listing { seller { listings(first: $n) { nodes { title } } } }
      } } } } } }
    }";
    let r = app.gql(Some(&admin), with_variables, json!({ "n": 100 })).await;
    assert_eq!(app.statements(), before, "no resolver may run");
    assert_eq!(code(&r), "GRAPHQL_VALIDATION_FAILED", "{r:#}");
    assert!(message(&r).contains("complexity limit"), "{r:#}");
}

const DASHBOARD: &str = "query($id: ID!) {
  brand(id: $id) {
    notices(first: 100) {
      nodes {
        id status
        items(first: 20) {
          nodes { id status listing { id title seller { id handle status activeStrikeCount } } }
        }
      }
    }
  }
}";

#[tokio::test]
async fn dashboard_page_of_100_notices_by_20_items_is_admitted() {
    let app = spawn().await;
    let w = World::build(&app.app.db).await;
    let admin = token(Role::Admin, None, None);
    let r = app.gql(Some(&admin), DASHBOARD, json!({ "id": gid(Kind::Brand, w.brand_a) })).await;
    assert!(r.get("errors").is_none(), "the dashboard must be admitted: {r:#}");
    let notices = r["data"]["brand"]["notices"]["nodes"].as_array().expect("notices").clone();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0]["id"], json!(gid(Kind::Notice, w.notice_a)));
    let items = notices[0]["items"]["nodes"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[0]["listing"]["seller"],
        json!({
            "id": gid(Kind::Seller, w.s1), "handle": "seller-one", "status": "ACTIVE", "activeStrikeCount": 2,
        })
    );
}

#[tokio::test]
async fn dashboard_page_is_served_in_full_at_its_largest() {
    // 100 notices of 20 items each: admitted and complete.
    let app = spawn().await;
    let mut b = Builder::new(&app.app.db);
    let brand = b.brand("Acme").await;
    let tm = b.trademark(brand).await;
    let seller = b.seller("big-seller").await;
    for n in 0..100 {
        let notice = b.notice(brand, "OPEN", n + 1).await;
        for i in 0..20 {
            let listing = b.listing(seller, &format!("listing {n}/{i}")).await;
            b.item(notice, brand, listing, seller, tm, "PENDING").await;
        }
    }
    let admin = token(Role::Admin, None, None);
    let data = app.data(&admin, DASHBOARD, json!({ "id": gid(Kind::Brand, brand) })).await;
    let notices = data["brand"]["notices"]["nodes"].as_array().expect("notices");
    assert_eq!(notices.len(), 100);
    assert!(notices.iter().all(|n| n["items"]["nodes"].as_array().map(Vec::len) == Some(20)));
}

/// graphql-js's introspection query (what GraphiQL sends on load).
const INTROSPECTION: &str = "
query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}";

#[tokio::test]
async fn graphiql_introspection_query_is_admitted_without_a_token() {
    let app = spawn().await;
    let reply = post(&app, INTROSPECTION, json!({}), &[]).await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.json();
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], json!("Query"));
    let types = body["data"]["__schema"]["types"].as_array().expect("types");
    assert!(types.iter().any(|t| t["name"] == json!("Notice")));
}

#[tokio::test]
async fn every_answer_reports_its_cost_against_the_limits() {
    let app = spawn().await;
    let reply = get(&app, "{ brands(first: 5) { totalCount } }", None, &[]).await;
    let analyzer = &reply.json()["extensions"]["analyzer"];
    assert_eq!(analyzer["complexity"], 5, "a connection costs its page size times its children");
    assert_eq!(analyzer["depth"], 2);
}

#[tokio::test]
async fn alias_and_root_field_floods_are_refused_naming_the_limit() {
    let app = spawn().await;
    let aliases: String = (0..101).map(|i| format!("a{i}: name ")).collect();
    let query = format!("{{ brands {{ nodes {{ ...F }} }} }} fragment F on Brand {{ {aliases} }}");
    let reply = get(&app, &query, None, &[]).await;
    let body = reply.json();
    assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED");
    assert!(body["errors"][0]["message"].as_str().is_some_and(|m| m.contains("alias limit is 100")), "{body:#}");
    let roots: String = (0..31).map(|i| format!("r{i}: __typename ")).collect();
    let body = get(&app, &format!("{{ {roots} }}"), None, &[]).await.json();
    assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED");
    assert!(body["errors"][0]["message"].as_str().is_some_and(|m| m.contains("root field limit is 30")), "{body:#}");
}

#[tokio::test]
async fn requests_beyond_the_concurrency_limit_wait_their_turn_within_the_timeout() {
    let limits = rightsgraph::config::LimitsConfig {
        max_concurrent_requests: 1,
        // Long enough for the second request to run on a loaded machine (the whole suite at once).
        request_timeout: std::time::Duration::from_millis(1500),
        ..Default::default()
    };
    let app = crate::harness::spawn_limits(limits).await;
    // Another request holds the only permit: this one waits, then times out, having run nothing.
    let held = app.app.executing.try_acquire(rightsgraph::permits::Tenant::Anonymous).expect("the one permit is free");
    let before = app.statements();
    let reply = post(&app, "{ brands(first: 1) { totalCount } }", json!({}), &[]).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    let body = reply.json();
    assert_eq!(code(&body), "TIMEOUT");
    let request_id = body["errors"][0]["extensions"]["requestId"].as_str().unwrap_or_default();
    assert_eq!(request_id.len(), 16, "a timeout carries the request id it was logged under: {body:#}");
    assert_eq!(app.statements(), before, "nothing ran while waiting for a permit");
    let metrics = app.send(Request::get("/metrics").body(Body::empty()).expect("request")).await;
    assert!(String::from_utf8_lossy(&metrics.body).contains("rightsgraph_requests_executing 1"));
    // Once the permit is free, the same request runs.
    drop(held);
    let bearer = format!("Bearer {}", token(Role::Admin, None, None));
    let reply = post(&app, "{ brands(first: 1) { totalCount } }", json!({}), &[("authorization", &bearer)]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["data"]["brands"]["totalCount"], 0, "{}", String::from_utf8_lossy(&reply.body));
}

/// The value of the `/metrics` line that starts with `name` (labels included), if any.
fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(name).and_then(|rest| rest.trim().parse().ok()))
}

#[tokio::test]
async fn metrics_report_requests_statements_events_and_memory_and_no_standby_lag_without_a_standby() {
    let app = spawn().await;
    let bearer = format!("Bearer {}", token(Role::Admin, None, None));
    let auth = [("authorization", bearer.as_str())];
    post(&app, "{ brands(first: 1) { totalCount } }", json!({}), &auth).await;
    post(&app, "{ notice(id: \"ntc_000000000099\") { id } }", json!({}), &auth).await;
    let created = "mutation { createBrand(input: {name: \"Metered\", country: \"DE\"}) { id } }";
    post(&app, created, json!({}), &auth).await;
    post(&app, "{ brands(first: 1) { totalCount ", json!({}), &auth).await;
    let reply = app.send(Request::get("/metrics").body(Body::empty()).expect("request")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let content_type = reply.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(content_type.starts_with("application/openmetrics-text"), "{content_type}");
    let text = String::from_utf8_lossy(&reply.body).to_string();
    let count =
        |labels: &str| metric(&text, &format!("rightsgraph_request_duration_seconds_count{{{labels}}}")).unwrap_or(0.0);
    assert_eq!(count("operation=\"query\",outcome=\"ok\""), 1.0, "{text}");
    assert_eq!(count("operation=\"query\",outcome=\"errors\""), 1.0, "{text}");
    assert_eq!(count("operation=\"mutation\",outcome=\"ok\""), 1.0, "{text}");
    assert_eq!(count("operation=\"unknown\",outcome=\"refused\""), 1.0, "{text}");
    let statements = metric(&text, "rightsgraph_sql_statements_total").expect("statements");
    assert!(statements >= 3.0, "{text}");
    assert_eq!(metric(&text, "rightsgraph_sql_statement_duration_seconds_count"), Some(statements), "{text}");
    assert!(metric(&text, "rightsgraph_process_resident_memory_bytes").is_some_and(|b| b > 1e6), "{text}");
    for gauge in ["rightsgraph_requests_executing", "rightsgraph_requests_waiting", "rightsgraph_subscriptions_open"] {
        assert_eq!(metric(&text, gauge), Some(0.0), "{gauge}: {text}");
    }
    // A figure that does not apply is absent: this server reads no standby.
    assert!(!text.contains("standby_lag"), "a standby lag without a standby: {text}");
    // No token, no registry data: aggregates only.
    assert!(!text.contains("Metered"), "{text}");
}

#[tokio::test]
async fn a_document_sent_again_is_answered_from_its_parsed_copy_for_its_own_variables_and_limits() {
    let app = spawn().await;
    let w = World::build(&app.app.db).await;
    let admin = token(Role::Admin, None, None);
    // The same text with other variables: each answer is its own request's.
    let query = "query($id: ID!) { listing(id: $id) { id title } }";
    for _ in 0..2 {
        for listing in [w.l1a, w.l2] {
            let data = app.data(&admin, query, json!({ "id": gid(Kind::Listing, listing) })).await;
            assert_eq!(data["listing"]["id"], json!(gid(Kind::Listing, listing)), "{data:#}");
        }
    }
    // A refused document is refused every time it comes, never kept as if it had passed.
    for attempt in 0..3 {
        let before = app.statements();
        let r = app.gql(Some(&admin), &nested(16), json!({ "id": gid(Kind::Listing, w.l1a) })).await;
        assert_eq!(code(&r), "GRAPHQL_VALIDATION_FAILED", "attempt {attempt}: {r:#}");
        assert_eq!(app.statements(), before, "attempt {attempt}: no resolver may run");
    }
    // A kept document is still answered for the viewer and the values of each request.
    let r = app.gql(None, query, json!({ "id": gid(Kind::Listing, w.l1a) })).await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "{r:#}");
    let r = app.gql(Some(&admin), query, json!({ "id": "not an id" })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r:#}");
}
