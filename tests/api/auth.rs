//! CONTRACT.md section 3: which tokens are usable, and what each role sees on every path through
//! the graph (the visibility table).

use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rightsgraph::auth::Role;
use rightsgraph::ids::Kind;
use serde_json::{Value, json};

use crate::fixtures::World;
use crate::harness::{SECRET, TestApp, code, codes, gid, gids, ids, sign, spawn, token};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Seconds since the epoch.
fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs()
}

/// POSTs `query` with the raw `Authorization` header `authorization` (if any).
async fn ask(app: &TestApp, authorization: Option<&str>, query: &str, variables: Value) -> Value {
    let mut request = Request::post("/graphql").header("content-type", "application/json");
    if let Some(a) = authorization {
        request = request.header("authorization", a);
    }
    let body = json!({ "query": query, "variables": variables }).to_string();
    let reply = app.send(request.body(Body::from(body)).expect("request")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
    reply.json()
}

/// A spawned app with the world written, and a token per role.
struct Fx {
    app: TestApp,
    w: World,
    admin: String,
    reviewer: String,
    analyst: String,
    agent_a: String,
    agent_b: String,
    s1: String,
    s2: String,
    s3: String,
}

impl Fx {
    async fn new() -> Self {
        let app = spawn().await;
        let w = World::build(&app.app.db).await;
        Self {
            admin: token(Role::Admin, None, None),
            reviewer: token(Role::Reviewer, None, None),
            analyst: token(Role::Analyst, None, None),
            agent_a: token(Role::BrandAgent, Some(w.brand_a), None),
            agent_b: token(Role::BrandAgent, Some(w.brand_b), None),
            s1: token(Role::Seller, None, Some(w.s1)),
            s2: token(Role::Seller, None, Some(w.s2)),
            s3: token(Role::Seller, None, Some(w.s3)),
            app,
            w,
        }
    }

    /// Every role's token, with a label for messages.
    fn everyone(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("ADMIN", &self.admin),
            ("REVIEWER", &self.reviewer),
            ("ANALYST", &self.analyst),
            ("BRAND_AGENT of A", &self.agent_a),
            ("BRAND_AGENT of B", &self.agent_b),
            ("SELLER s1", &self.s1),
            ("SELLER s2", &self.s2),
            ("SELLER s3", &self.s3),
        ]
    }

    fn staff(&self) -> Vec<(&'static str, &str)> {
        vec![("ADMIN", &self.admin), ("REVIEWER", &self.reviewer), ("ANALYST", &self.analyst)]
    }

    /// `node(id:)` resolves to the object with that id.
    async fn node_found(&self, tok: &str, id: &str) {
        let data = self.app.data(tok, "query($id: ID!) { node(id: $id) { id } }", json!({ "id": id })).await;
        assert_eq!(data["node"]["id"], json!(id), "node {id} should be visible");
    }

    /// `node(id:)` answers `null` with `NOT_FOUND`, exactly as for an id that does not exist.
    async fn node_not_found(&self, tok: &str, id: &str) {
        let r = self.app.gql(Some(tok), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": id })).await;
        // async-graphql leaves a failed field out of `data` (here `data` is null altogether).
        assert!(r["data"]["node"].is_null(), "node {id} must not be visible: {r:#}");
        assert_eq!(code(&r), "NOT_FOUND", "node {id}: {r:#}");
        assert_eq!(r["errors"][0]["path"], json!(["node"]));
    }
}

// ---------------------------------------------------------------------------------------------
// No token
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn request_without_token_is_unauthenticated_on_brands() {
    let fx = Fx::new().await;
    let r = ask(&fx.app, None, "{ brands { totalCount nodes { id name } } }", json!({})).await;
    assert_eq!(r["data"], Value::Null, "{r:#}");
    assert_eq!(code(&r), "UNAUTHENTICATED");
    assert_eq!(r["errors"][0]["path"], json!(["brands"]));

    // Every other field too: single objects answer null, each with its own error.
    let r = ask(
        &fx.app,
        None,
        "query($b: ID!, $s: ID!) { brand(id: $b) { name } seller(id: $s) { handle } node(id: $b) { id } }",
        json!({ "b": gid(Kind::Brand, fx.w.brand_a), "s": gid(Kind::Seller, fx.w.s1) }),
    )
    .await;
    for field in ["brand", "seller", "node"] {
        assert!(r["data"][field].is_null(), "{field}: {r:#}");
    }
    assert_eq!(codes(&r), vec!["UNAUTHENTICATED"; 3]);

    let r = ask(&fx.app, None, "{ viewer { role } }", json!({})).await;
    assert_eq!(r["data"], Value::Null);
    assert_eq!(code(&r), "UNAUTHENTICATED");
}

#[tokio::test]
async fn request_without_token_may_ask_typename() {
    let app = spawn().await;
    let r = ask(&app, None, "{ __typename }", json!({})).await;
    assert!(r.get("errors").is_none(), "{r:#}");
    assert_eq!(r["data"], json!({ "__typename": "Query" }));
}

#[tokio::test]
async fn request_without_token_may_ask_introspection() {
    let app = spawn().await;
    let r = ask(&app, None, "{ __schema { queryType { name } } }", json!({})).await;
    assert!(r.get("errors").is_none(), "{r:#}");
    assert_eq!(r["data"], json!({ "__schema": { "queryType": { "name": "Query" } } }));

    let r = ask(&app, None, r#"{ __type(name: "Notice") { name kind } }"#, json!({})).await;
    assert!(r.get("errors").is_none(), "{r:#}");
    assert_eq!(r["data"], json!({ "__type": { "name": "Notice", "kind": "OBJECT" } }));
}

// ---------------------------------------------------------------------------------------------
// Unusable tokens
// ---------------------------------------------------------------------------------------------

/// Claims of a valid ADMIN token.
fn admin_claims() -> Value {
    json!({ "sub": "tester", "role": "ADMIN", "exp": now() + 3600 })
}

/// Asserts that a request with `Authorization: authorization` is `UNAUTHENTICATED` everywhere
/// and shows no data, on a database that holds some.
async fn assert_unusable(authorization: &str) {
    let fx = Fx::new().await;
    let app = &fx.app;

    let r = ask(app, Some(authorization), "{ brands { totalCount nodes { id name } } }", json!({})).await;
    assert_eq!(r["data"], Value::Null, "{authorization}: {r:#}");
    assert_eq!(codes(&r), vec!["UNAUTHENTICATED"], "{authorization}: {r:#}");

    let r = ask(app, Some(authorization), "{ notices { totalCount nodes { id } } }", json!({})).await;
    assert_eq!(r["data"], Value::Null, "{authorization}: {r:#}");
    assert_eq!(codes(&r), vec!["UNAUTHENTICATED"], "{authorization}: {r:#}");

    let r = ask(
        app,
        Some(authorization),
        "query($b: ID!, $n: ID!, $s: ID!) {
           brand(id: $b) { name } notice(id: $n) { id } seller(id: $s) { handle } node(id: $n) { id }
         }",
        json!({
            "b": gid(Kind::Brand, fx.w.brand_a),
            "n": gid(Kind::Notice, fx.w.notice_a),
            "s": gid(Kind::Seller, fx.w.s1),
        }),
    )
    .await;
    for field in ["brand", "notice", "seller", "node"] {
        assert!(r["data"][field].is_null(), "{authorization}: {field}: {r:#}");
    }
    assert_eq!(codes(&r), vec!["UNAUTHENTICATED"; 4], "{authorization}: {r:#}");

    let r = ask(app, Some(authorization), "{ viewer { role subject } }", json!({})).await;
    assert_eq!(r["data"], Value::Null, "{authorization}: {r:#}");
    assert_eq!(codes(&r), vec!["UNAUTHENTICATED"], "{authorization}: {r:#}");
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// `header.payload.signature` of a token, base64url-decoded header and payload.
fn split(token: &str) -> (String, String, String) {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "{token}");
    let text = |p: &str| String::from_utf8(URL_SAFE_NO_PAD.decode(p).expect("base64url")).expect("utf-8");
    (text(parts[0]), text(parts[1]), parts[2].to_owned())
}

#[tokio::test]
async fn hand_signed_valid_token_is_accepted() {
    // The control for the tests below: the same claims, well formed, work.
    let fx = Fx::new().await;
    let mut claims = admin_claims();
    claims["nbf"] = json!(now() - 60);
    let r = ask(&fx.app, Some(&bearer(&sign(&claims))), "{ viewer { role subject } brands { totalCount } }", json!({}))
        .await;
    assert!(r.get("errors").is_none(), "{r:#}");
    assert_eq!(r["data"], json!({ "viewer": { "role": "ADMIN", "subject": "tester" }, "brands": { "totalCount": 2 } }));

    let agent = json!({
        "sub": "agent", "role": "BRAND_AGENT", "exp": now() + 3600, "brand_id": gid(Kind::Brand, fx.w.brand_a),
    });
    let r = ask(&fx.app, Some(&bearer(&sign(&agent))), "{ viewer { role brand { id } } }", json!({})).await;
    assert_eq!(
        r["data"]["viewer"],
        json!({ "role": "BRAND_AGENT", "brand": { "id": gid(Kind::Brand, fx.w.brand_a) } })
    );
}

#[tokio::test]
async fn expired_token_is_unauthenticated() {
    let mut claims = admin_claims();
    claims["exp"] = json!(now() - 60);
    assert_unusable(&bearer(&sign(&claims))).await;
}

#[tokio::test]
async fn token_not_yet_valid_is_unauthenticated() {
    let mut claims = admin_claims();
    claims["nbf"] = json!(now() + 3600);
    assert_unusable(&bearer(&sign(&claims))).await;
}

#[tokio::test]
async fn token_signed_with_another_secret_is_unauthenticated() {
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &admin_claims(),
        &jsonwebtoken::EncodingKey::from_secret(b"another-secret-entirely"),
    )
    .expect("sign");
    assert_unusable(&bearer(&token)).await;
}

#[tokio::test]
async fn token_signed_with_another_algorithm_is_unauthenticated() {
    // Right secret, wrong algorithm: the key decides the algorithm, never the token.
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512),
        &admin_claims(),
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("sign");
    assert_unusable(&bearer(&token)).await;
}

#[tokio::test]
async fn tampered_token_is_unauthenticated() {
    let analyst = sign(&json!({ "sub": "tester", "role": "ANALYST", "exp": now() + 3600 }));
    let parts: Vec<&str> = analyst.split('.').collect();
    let (_, payload, _) = split(&analyst);
    assert!(payload.contains("\"ANALYST\""), "{payload}");
    let forged_payload = payload.replace("\"ANALYST\"", "\"ADMIN\"");
    let forged = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(forged_payload), parts[2]);
    assert_unusable(&bearer(&forged)).await;
}

#[tokio::test]
async fn unsigned_alg_none_token_is_unauthenticated() {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(admin_claims().to_string());
    assert_unusable(&bearer(&format!("{header}.{payload}."))).await;
}

#[tokio::test]
async fn token_without_exp_is_unauthenticated() {
    assert_unusable(&bearer(&sign(&json!({ "sub": "tester", "role": "ADMIN" })))).await;
}

#[tokio::test]
async fn token_with_unknown_role_is_unauthenticated() {
    assert_unusable(&bearer(&sign(&json!({ "sub": "tester", "role": "SUPERUSER", "exp": now() + 3600 })))).await;
}

#[tokio::test]
async fn token_with_role_in_wrong_case_is_unauthenticated() {
    assert_unusable(&bearer(&sign(&json!({ "sub": "tester", "role": "admin", "exp": now() + 3600 })))).await;
}

#[tokio::test]
async fn brand_agent_token_without_brand_id_is_unauthenticated() {
    assert_unusable(&bearer(&sign(&json!({ "sub": "agent", "role": "BRAND_AGENT", "exp": now() + 3600 })))).await;
}

#[tokio::test]
async fn seller_token_without_seller_id_is_unauthenticated() {
    assert_unusable(&bearer(&sign(&json!({ "sub": "seller", "role": "SELLER", "exp": now() + 3600 })))).await;
}

#[tokio::test]
async fn seller_token_carrying_a_brand_id_is_unauthenticated() {
    let claims = json!({
        "sub": "seller",
        "role": "SELLER",
        "exp": now() + 3600,
        "seller_id": gid(Kind::Seller, 3),
        "brand_id": gid(Kind::Brand, 1),
    });
    assert_unusable(&bearer(&sign(&claims))).await;
}

#[tokio::test]
async fn brand_agent_token_with_malformed_brand_id_is_unauthenticated() {
    let claims = json!({ "sub": "agent", "role": "BRAND_AGENT", "exp": now() + 3600, "brand_id": "acme" });
    assert_unusable(&bearer(&sign(&claims))).await;
}

#[tokio::test]
async fn brand_agent_token_whose_brand_id_names_a_seller_is_unauthenticated() {
    let claims =
        json!({ "sub": "agent", "role": "BRAND_AGENT", "exp": now() + 3600, "brand_id": gid(Kind::Seller, 1) });
    assert_unusable(&bearer(&sign(&claims))).await;
}

#[tokio::test]
async fn basic_authorization_is_unauthenticated() {
    assert_unusable(&format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("admin:admin"))).await;
}

#[tokio::test]
async fn bearer_garbage_is_unauthenticated() {
    assert_unusable("Bearer not-a-jwt").await;
}

// ---------------------------------------------------------------------------------------------
// Visibility: notices
// ---------------------------------------------------------------------------------------------

const NOTICES: &str = "{ notices { totalCount nodes { id } } }";

#[tokio::test]
async fn staff_see_every_notice() {
    let fx = Fx::new().await;
    let all = gids(Kind::Notice, &[fx.w.notice_a, fx.w.notice_b]);
    for (who, tok) in fx.staff() {
        let data = fx.app.data(tok, NOTICES, json!({})).await;
        assert_eq!(data["notices"]["totalCount"], json!(2), "{who}");
        assert_eq!(ids(&data["notices"]), all, "{who}");
    }
}

#[tokio::test]
async fn brand_agent_sees_only_its_brands_notices_in_root_notices() {
    let fx = Fx::new().await;
    let data = fx.app.data(&fx.agent_a, NOTICES, json!({})).await;
    assert_eq!(data["notices"]["totalCount"], json!(1));
    assert_eq!(ids(&data["notices"]), gids(Kind::Notice, &[fx.w.notice_a]));

    let data = fx.app.data(&fx.agent_b, NOTICES, json!({})).await;
    assert_eq!(data["notices"]["totalCount"], json!(1));
    assert_eq!(ids(&data["notices"]), gids(Kind::Notice, &[fx.w.notice_b]));

    // Filtering on the other brand finds nothing rather than widening the scope.
    let data = fx
        .app
        .data(
            &fx.agent_a,
            "query($b: ID!) { notices(filter: { brandId: $b }) { totalCount nodes { id } } }",
            json!({ "b": gid(Kind::Brand, fx.w.brand_b) }),
        )
        .await;
    assert_eq!(data["notices"], json!({ "totalCount": 0, "nodes": [] }));
}

#[tokio::test]
async fn seller_sees_only_notices_against_its_listings_in_root_notices() {
    let fx = Fx::new().await;
    let data = fx.app.data(&fx.s1, NOTICES, json!({})).await;
    assert_eq!(data["notices"]["totalCount"], json!(2));
    assert_eq!(ids(&data["notices"]), gids(Kind::Notice, &[fx.w.notice_a, fx.w.notice_b]));

    let data = fx.app.data(&fx.s2, NOTICES, json!({})).await;
    assert_eq!(data["notices"]["totalCount"], json!(1));
    assert_eq!(ids(&data["notices"]), gids(Kind::Notice, &[fx.w.notice_a]));

    let data = fx.app.data(&fx.s3, NOTICES, json!({})).await;
    assert_eq!(data["notices"], json!({ "totalCount": 0, "nodes": [] }));
}

#[tokio::test]
async fn out_of_scope_notice_answers_not_found_exactly_like_a_missing_one() {
    let fx = Fx::new().await;
    let q = "query($id: ID!) { notice(id: $id) { id status } }";
    let hidden = gid(Kind::Notice, fx.w.notice_b);
    let missing = gid(Kind::Notice, 999_999);
    for (who, tok) in [("BRAND_AGENT of A", &fx.agent_a), ("SELLER s2", &fx.s2), ("SELLER s3", &fx.s3)] {
        let out_of_scope = fx.app.gql(Some(tok), q, json!({ "id": hidden })).await;
        let absent = fx.app.gql(Some(tok), q, json!({ "id": missing })).await;
        for r in [&out_of_scope, &absent] {
            assert!(r["data"]["notice"].is_null(), "{who}: {r:#}");
            assert_eq!(code(r), "NOT_FOUND", "{who}: {r:#}");
            assert_eq!(r["errors"][0]["path"], json!(["notice"]), "{who}");
        }
        // Indistinguishable: the same message but for the id asked for.
        let m1 = out_of_scope["errors"][0]["message"].as_str().expect("message").replace(&hidden, "ID");
        let m2 = absent["errors"][0]["message"].as_str().expect("message").replace(&missing, "ID");
        assert_eq!(m1, m2, "{who}");
    }
    // s3 sees no notice at all, A's included.
    let r = fx.app.gql(Some(&fx.s3), q, json!({ "id": gid(Kind::Notice, fx.w.notice_a) })).await;
    assert!(r["data"]["notice"].is_null(), "{r:#}");
    assert_eq!(code(&r), "NOT_FOUND");

    // In scope, the same query answers.
    let data = fx.app.data(&fx.agent_a, q, json!({ "id": gid(Kind::Notice, fx.w.notice_a) })).await;
    assert_eq!(data["notice"], json!({ "id": gid(Kind::Notice, fx.w.notice_a), "status": "OPEN" }));
    let data = fx.app.data(&fx.s1, q, json!({ "id": hidden })).await;
    assert_eq!(data["notice"], json!({ "id": hidden, "status": "CLOSED" }));
}

#[tokio::test]
async fn brand_agent_gets_not_found_from_node_for_another_brands_rows() {
    let fx = Fx::new().await;
    let w = &fx.w;
    for id in [
        gid(Kind::Notice, w.notice_b),
        gid(Kind::NoticeItem, w.item_b1),
        gid(Kind::Strike, w.strike_b),
        gid(Kind::NoticeEvent, w.event_b1_removed),
        gid(Kind::Notice, 999_999),
    ] {
        fx.node_not_found(&fx.agent_a, &id).await;
    }
    // Its own rows resolve.
    for id in [
        gid(Kind::Notice, w.notice_a),
        gid(Kind::NoticeItem, w.item_a1),
        gid(Kind::NoticeItem, w.item_a2),
        gid(Kind::Strike, w.strike_a),
        gid(Kind::CounterNotice, w.counter_a),
        gid(Kind::NoticeEvent, w.event_a_submitted),
        gid(Kind::NoticeEvent, w.event_a1_removed),
    ] {
        fx.node_found(&fx.agent_a, &id).await;
    }
    // And B's agent is the mirror image.
    for id in [
        gid(Kind::Notice, w.notice_a),
        gid(Kind::NoticeItem, w.item_a1),
        gid(Kind::Strike, w.strike_a),
        gid(Kind::CounterNotice, w.counter_a),
        gid(Kind::NoticeEvent, w.event_a_submitted),
    ] {
        fx.node_not_found(&fx.agent_b, &id).await;
    }
}

#[tokio::test]
async fn seller_gets_not_found_from_node_for_rows_about_other_sellers() {
    let fx = Fx::new().await;
    let w = &fx.w;
    // s2: only notice A and its own item.
    for id in [
        gid(Kind::Notice, w.notice_b),
        gid(Kind::NoticeItem, w.item_a1),
        gid(Kind::NoticeItem, w.item_b1),
        gid(Kind::Strike, w.strike_a),
        gid(Kind::Strike, w.strike_b),
        gid(Kind::CounterNotice, w.counter_a),
        gid(Kind::NoticeEvent, w.event_a_submitted),
        gid(Kind::NoticeEvent, w.event_a1_removed),
        gid(Kind::NoticeEvent, w.event_b1_removed),
    ] {
        fx.node_not_found(&fx.s2, &id).await;
    }
    fx.node_found(&fx.s2, &gid(Kind::Notice, w.notice_a)).await;
    fx.node_found(&fx.s2, &gid(Kind::NoticeItem, w.item_a2)).await;

    // s1: both notices, its items, strikes, counter-notice and the events about its items.
    for id in [
        gid(Kind::Notice, w.notice_a),
        gid(Kind::Notice, w.notice_b),
        gid(Kind::NoticeItem, w.item_a1),
        gid(Kind::NoticeItem, w.item_b1),
        gid(Kind::Strike, w.strike_a),
        gid(Kind::Strike, w.strike_b),
        gid(Kind::CounterNotice, w.counter_a),
        gid(Kind::NoticeEvent, w.event_a1_removed),
        gid(Kind::NoticeEvent, w.event_b1_removed),
    ] {
        fx.node_found(&fx.s1, &id).await;
    }
    fx.node_not_found(&fx.s1, &gid(Kind::NoticeItem, w.item_a2)).await;
    fx.node_not_found(&fx.s1, &gid(Kind::NoticeEvent, w.event_a_submitted)).await;

    // s3: nothing.
    for id in [
        gid(Kind::Notice, w.notice_a),
        gid(Kind::Notice, w.notice_b),
        gid(Kind::NoticeItem, w.item_a2),
        gid(Kind::Strike, w.strike_a),
        gid(Kind::CounterNotice, w.counter_a),
        gid(Kind::NoticeEvent, w.event_b1_removed),
    ] {
        fx.node_not_found(&fx.s3, &id).await;
    }
}

#[tokio::test]
async fn brand_agent_sees_no_notices_or_history_under_another_brand() {
    let fx = Fx::new().await;
    let q = "query($id: ID!) {
        brand(id: $id) {
          name
          notices { totalCount nodes { id } }
          enforcementHistory { totalCount nodes { id } }
        }
      }";
    let data = fx.app.data(&fx.agent_a, q, json!({ "id": gid(Kind::Brand, fx.w.brand_b) })).await;
    assert_eq!(
        data["brand"],
        json!({
            "name": "Bolt",
            "notices": { "totalCount": 0, "nodes": [] },
            "enforcementHistory": { "totalCount": 0, "nodes": [] },
        })
    );
    let data = fx.app.data(&fx.agent_a, q, json!({ "id": gid(Kind::Brand, fx.w.brand_a) })).await;
    assert_eq!(data["brand"]["notices"]["totalCount"], json!(1));
    assert_eq!(ids(&data["brand"]["notices"]), gids(Kind::Notice, &[fx.w.notice_a]));
    assert_eq!(data["brand"]["enforcementHistory"]["totalCount"], json!(2));
    assert_eq!(
        ids(&data["brand"]["enforcementHistory"]),
        gids(Kind::NoticeEvent, &[fx.w.event_a1_removed, fx.w.event_a_submitted])
    );

    // ADMIN sees B's.
    let data = fx.app.data(&fx.admin, q, json!({ "id": gid(Kind::Brand, fx.w.brand_b) })).await;
    assert_eq!(ids(&data["brand"]["notices"]), gids(Kind::Notice, &[fx.w.notice_b]));
    assert_eq!(ids(&data["brand"]["enforcementHistory"]), gids(Kind::NoticeEvent, &[fx.w.event_b1_removed]));
}

#[tokio::test]
async fn seller_sees_under_a_brand_only_notices_and_events_about_its_listings() {
    let fx = Fx::new().await;
    let q = "query($id: ID!) {
        brand(id: $id) {
          notices { totalCount nodes { id } }
          enforcementHistory { totalCount nodes { id } }
        }
      }";
    let a = json!({ "id": gid(Kind::Brand, fx.w.brand_a) });
    let data = fx.app.data(&fx.s1, q, a.clone()).await;
    assert_eq!(ids(&data["brand"]["notices"]), gids(Kind::Notice, &[fx.w.notice_a]));
    assert_eq!(data["brand"]["enforcementHistory"]["totalCount"], json!(1));
    assert_eq!(ids(&data["brand"]["enforcementHistory"]), gids(Kind::NoticeEvent, &[fx.w.event_a1_removed]));

    let data = fx.app.data(&fx.s2, q, a.clone()).await;
    assert_eq!(ids(&data["brand"]["notices"]), gids(Kind::Notice, &[fx.w.notice_a]));
    assert_eq!(data["brand"]["enforcementHistory"], json!({ "totalCount": 0, "nodes": [] }));

    let data = fx.app.data(&fx.s3, q, a).await;
    assert_eq!(data["brand"]["notices"], json!({ "totalCount": 0, "nodes": [] }));
    assert_eq!(data["brand"]["enforcementHistory"], json!({ "totalCount": 0, "nodes": [] }));

    let data = fx.app.data(&fx.s2, q, json!({ "id": gid(Kind::Brand, fx.w.brand_b) })).await;
    assert_eq!(data["brand"]["notices"], json!({ "totalCount": 0, "nodes": [] }));
    assert_eq!(data["brand"]["enforcementHistory"], json!({ "totalCount": 0, "nodes": [] }));
}

#[tokio::test]
async fn brand_agent_sees_no_notice_of_another_brand_via_listing_notice_items() {
    let fx = Fx::new().await;
    let q = "query($id: ID!) { listing(id: $id) { title noticeItems { totalCount nodes { id } } } }";
    let data = fx.app.data(&fx.agent_a, q, json!({ "id": gid(Kind::Listing, fx.w.l1b) })).await;
    assert_eq!(
        data["listing"],
        json!({ "title": "Bolt charger clone", "noticeItems": { "totalCount": 0, "nodes": [] } })
    );
    let data = fx.app.data(&fx.agent_a, q, json!({ "id": gid(Kind::Listing, fx.w.l1a) })).await;
    assert_eq!(data["listing"]["noticeItems"]["totalCount"], json!(1));
    assert_eq!(ids(&data["listing"]["noticeItems"]), gids(Kind::NoticeItem, &[fx.w.item_a1]));

    let data = fx.app.data(&fx.admin, q, json!({ "id": gid(Kind::Listing, fx.w.l1b) })).await;
    assert_eq!(ids(&data["listing"]["noticeItems"]), gids(Kind::NoticeItem, &[fx.w.item_b1]));

    // A seller sees nothing on another seller's listing.
    let data = fx.app.data(&fx.s2, q, json!({ "id": gid(Kind::Listing, fx.w.l1a) })).await;
    assert_eq!(data["listing"]["noticeItems"], json!({ "totalCount": 0, "nodes": [] }));
}

#[tokio::test]
async fn brand_agent_sees_only_strikes_from_its_notices_on_a_seller() {
    let fx = Fx::new().await;
    let q = "query($id: ID!) { seller(id: $id) { strikes { totalCount nodes { id brand { id } } } } }";
    let s1 = json!({ "id": gid(Kind::Seller, fx.w.s1) });
    let data = fx.app.data(&fx.agent_a, q, s1.clone()).await;
    assert_eq!(data["seller"]["strikes"]["totalCount"], json!(1));
    assert_eq!(ids(&data["seller"]["strikes"]), gids(Kind::Strike, &[fx.w.strike_a]));
    assert_eq!(data["seller"]["strikes"]["nodes"][0]["brand"]["id"], json!(gid(Kind::Brand, fx.w.brand_a)));

    let data = fx.app.data(&fx.agent_b, q, s1.clone()).await;
    assert_eq!(data["seller"]["strikes"]["totalCount"], json!(1));
    assert_eq!(ids(&data["seller"]["strikes"]), gids(Kind::Strike, &[fx.w.strike_b]));

    for (who, tok) in fx.staff() {
        let data = fx.app.data(tok, q, s1.clone()).await;
        assert_eq!(data["seller"]["strikes"]["totalCount"], json!(2), "{who}");
        // Newest first.
        assert_eq!(ids(&data["seller"]["strikes"]), gids(Kind::Strike, &[fx.w.strike_b, fx.w.strike_a]), "{who}");
    }
}

#[tokio::test]
async fn seller_sees_only_its_own_strikes() {
    let fx = Fx::new().await;
    let q = "query($id: ID!) { seller(id: $id) { strikes { totalCount nodes { id } } } }";
    let data = fx.app.data(&fx.s1, q, json!({ "id": gid(Kind::Seller, fx.w.s1) })).await;
    assert_eq!(data["seller"]["strikes"]["totalCount"], json!(2));
    assert_eq!(ids(&data["seller"]["strikes"]), gids(Kind::Strike, &[fx.w.strike_b, fx.w.strike_a]));

    let data = fx.app.data(&fx.s1, q, json!({ "id": gid(Kind::Seller, fx.w.s2) })).await;
    assert_eq!(data["seller"]["strikes"], json!({ "totalCount": 0, "nodes": [] }));

    for tok in [&fx.s2, &fx.s3] {
        let data = fx.app.data(tok, q, json!({ "id": gid(Kind::Seller, fx.w.s1) })).await;
        assert_eq!(data["seller"]["strikes"], json!({ "totalCount": 0, "nodes": [] }));
    }
}

#[tokio::test]
async fn notice_items_of_a_seller_show_only_what_the_viewer_may_see() {
    let fx = Fx::new().await;
    let q = "query($id: ID!) { seller(id: $id) { noticeItems { totalCount nodes { id } } } }";
    let s1 = json!({ "id": gid(Kind::Seller, fx.w.s1) });
    let both = gids(Kind::NoticeItem, &[fx.w.item_a1, fx.w.item_b1]);
    for (who, tok) in [("ADMIN", &fx.admin), ("REVIEWER", &fx.reviewer), ("ANALYST", &fx.analyst), ("s1", &fx.s1)] {
        let data = fx.app.data(tok, q, s1.clone()).await;
        assert_eq!(data["seller"]["noticeItems"]["totalCount"], json!(2), "{who}");
        let mut got = ids(&data["seller"]["noticeItems"]);
        got.sort();
        assert_eq!(got, both, "{who}");
    }
    let data = fx.app.data(&fx.agent_a, q, s1.clone()).await;
    assert_eq!(data["seller"]["noticeItems"]["totalCount"], json!(1));
    assert_eq!(ids(&data["seller"]["noticeItems"]), gids(Kind::NoticeItem, &[fx.w.item_a1]));
    let data = fx.app.data(&fx.agent_b, q, s1.clone()).await;
    assert_eq!(ids(&data["seller"]["noticeItems"]), gids(Kind::NoticeItem, &[fx.w.item_b1]));
    for tok in [&fx.s2, &fx.s3] {
        let data = fx.app.data(tok, q, s1.clone()).await;
        assert_eq!(data["seller"]["noticeItems"], json!({ "totalCount": 0, "nodes": [] }));
    }
    let data = fx.app.data(&fx.s2, q, json!({ "id": gid(Kind::Seller, fx.w.s2) })).await;
    assert_eq!(ids(&data["seller"]["noticeItems"]), gids(Kind::NoticeItem, &[fx.w.item_a2]));
}

#[tokio::test]
async fn brand_agent_sees_no_notice_of_another_brand_via_trademark_notices() {
    let fx = Fx::new().await;
    let q = "query($id: ID!) { trademark(id: $id) { mark notices { totalCount nodes { id } } } }";
    let tm_b = json!({ "id": gid(Kind::Trademark, fx.w.tm_b) });
    let data = fx.app.data(&fx.agent_a, q, tm_b.clone()).await;
    assert_eq!(data["trademark"]["notices"], json!({ "totalCount": 0, "nodes": [] }));
    let data = fx.app.data(&fx.agent_a, q, json!({ "id": gid(Kind::Trademark, fx.w.tm_a) })).await;
    assert_eq!(data["trademark"]["notices"]["totalCount"], json!(1));
    assert_eq!(ids(&data["trademark"]["notices"]), gids(Kind::Notice, &[fx.w.notice_a]));
    let data = fx.app.data(&fx.admin, q, tm_b.clone()).await;
    assert_eq!(ids(&data["trademark"]["notices"]), gids(Kind::Notice, &[fx.w.notice_b]));
    let data = fx.app.data(&fx.s2, q, tm_b.clone()).await;
    assert_eq!(data["trademark"]["notices"], json!({ "totalCount": 0, "nodes": [] }));
    let data = fx.app.data(&fx.s1, q, tm_b).await;
    assert_eq!(ids(&data["trademark"]["notices"]), gids(Kind::Notice, &[fx.w.notice_b]));
}

#[tokio::test]
async fn seller_sees_only_its_own_items_and_their_events_of_a_notice_against_it() {
    let fx = Fx::new().await;
    let q = "query($id: ID!) {
        notice(id: $id) {
          items { totalCount nodes { id listing { id } } }
          events { totalCount nodes { id kind } }
        }
      }";
    let a = json!({ "id": gid(Kind::Notice, fx.w.notice_a) });

    let data = fx.app.data(&fx.s2, q, a.clone()).await;
    assert_eq!(data["notice"]["items"]["totalCount"], json!(1));
    assert_eq!(ids(&data["notice"]["items"]), gids(Kind::NoticeItem, &[fx.w.item_a2]));
    assert_eq!(data["notice"]["items"]["nodes"][0]["listing"]["id"], json!(gid(Kind::Listing, fx.w.l2)));
    assert_eq!(data["notice"]["events"], json!({ "totalCount": 0, "nodes": [] }));

    let data = fx.app.data(&fx.s1, q, a.clone()).await;
    assert_eq!(data["notice"]["items"]["totalCount"], json!(1));
    assert_eq!(ids(&data["notice"]["items"]), gids(Kind::NoticeItem, &[fx.w.item_a1]));
    assert_eq!(data["notice"]["events"]["totalCount"], json!(1));
    assert_eq!(ids(&data["notice"]["events"]), gids(Kind::NoticeEvent, &[fx.w.event_a1_removed]));

    // The brand's agent and staff see the whole notice.
    for tok in [&fx.agent_a, &fx.admin] {
        let data = fx.app.data(tok, q, a.clone()).await;
        assert_eq!(data["notice"]["items"]["totalCount"], json!(2));
        assert_eq!(ids(&data["notice"]["items"]), gids(Kind::NoticeItem, &[fx.w.item_a1, fx.w.item_a2]));
        assert_eq!(
            ids(&data["notice"]["events"]),
            gids(Kind::NoticeEvent, &[fx.w.event_a_submitted, fx.w.event_a1_removed])
        );
    }
}

#[tokio::test]
async fn seller_reaches_its_rows_along_every_path_without_error() {
    // Paths that go from a visible row to the rows it refers to stay within the seller's scope.
    let fx = Fx::new().await;
    let q = "query($id: ID!) {
        seller(id: $id) {
          strikes { nodes { id item { id counterNotice { id } strike { id } notice { id brand { id } } } } }
          noticeItems { nodes { id notice { id items { nodes { id } } events { nodes { id item { id } } } } } }
        }
      }";
    let data = fx.app.data(&fx.s1, q, json!({ "id": gid(Kind::Seller, fx.w.s1) })).await;
    let strikes = &data["seller"]["strikes"]["nodes"];
    assert_eq!(strikes[0]["id"], json!(gid(Kind::Strike, fx.w.strike_b)));
    assert_eq!(strikes[0]["item"]["notice"]["id"], json!(gid(Kind::Notice, fx.w.notice_b)));
    assert_eq!(strikes[0]["item"]["counterNotice"], Value::Null);
    assert_eq!(strikes[1]["item"]["counterNotice"]["id"], json!(gid(Kind::CounterNotice, fx.w.counter_a)));
    assert_eq!(strikes[1]["item"]["strike"]["id"], json!(gid(Kind::Strike, fx.w.strike_a)));
    for item in data["seller"]["noticeItems"]["nodes"].as_array().expect("items") {
        let notice = &item["notice"];
        // Of each notice, only its own item, and only events about it.
        assert_eq!(ids(&notice["items"]), vec![item["id"].as_str().expect("id").to_owned()]);
        for event in notice["events"]["nodes"].as_array().expect("events") {
            assert_eq!(event["item"]["id"], item["id"]);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Visibility: seller identifiers
// ---------------------------------------------------------------------------------------------

const IDENTIFIERS: &str = "query($id: ID!) { seller(id: $id) { handle identifiers { kind value } } }";

#[tokio::test]
async fn seller_identifiers_are_forbidden_to_brand_agents_and_sellers() {
    let fx = Fx::new().await;
    let vars = json!({ "id": gid(Kind::Seller, fx.w.s1) });
    for (who, tok) in [("BRAND_AGENT of A", &fx.agent_a), ("SELLER s1", &fx.s1), ("SELLER s2", &fx.s2)] {
        let r = fx.app.gql(Some(tok), IDENTIFIERS, vars.clone()).await;
        assert_eq!(code(&r), "FORBIDDEN", "{who}: {r:#}");
        assert_eq!(r["errors"][0]["path"], json!(["seller", "identifiers"]), "{who}");
        assert!(!r.to_string().contains("8613800000000"), "{who} must not see the value: {r:#}");
        // The rest of the seller may show; the identifiers never do.
        assert!(r["data"]["seller"]["identifiers"].is_null(), "{who}: {r:#}");
    }
}

#[tokio::test]
async fn seller_identifiers_are_visible_to_staff() {
    let fx = Fx::new().await;
    for (who, tok) in fx.staff() {
        let data = fx.app.data(tok, IDENTIFIERS, json!({ "id": gid(Kind::Seller, fx.w.s1) })).await;
        assert_eq!(
            data["seller"],
            json!({ "handle": "seller-one", "identifiers": [{ "kind": "PHONE", "value": "8613800000000" }] }),
            "{who}"
        );
        let data = fx.app.data(tok, IDENTIFIERS, json!({ "id": gid(Kind::Seller, fx.w.s2) })).await;
        assert_eq!(data["seller"]["identifiers"], json!([]), "{who}");
    }
}

// ---------------------------------------------------------------------------------------------
// What everyone sees
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn viewer_names_the_role_and_the_brand_or_seller() {
    let fx = Fx::new().await;
    let q = "{ viewer { subject role brand { id name } seller { id handle } } }";
    for (tok, role) in [(&fx.admin, "ADMIN"), (&fx.reviewer, "REVIEWER"), (&fx.analyst, "ANALYST")] {
        let data = fx.app.data(tok, q, json!({})).await;
        assert_eq!(data["viewer"], json!({ "subject": "test", "role": role, "brand": null, "seller": null }));
    }
    let data = fx.app.data(&fx.agent_a, q, json!({})).await;
    assert_eq!(
        data["viewer"],
        json!({
            "subject": "test",
            "role": "BRAND_AGENT",
            "brand": { "id": gid(Kind::Brand, fx.w.brand_a), "name": "Acme" },
            "seller": null,
        })
    );
    let data = fx.app.data(&fx.s2, q, json!({})).await;
    assert_eq!(
        data["viewer"],
        json!({
            "subject": "test",
            "role": "SELLER",
            "brand": null,
            "seller": { "id": gid(Kind::Seller, fx.w.s2), "handle": "seller-two" },
        })
    );
}

#[tokio::test]
async fn every_role_sees_brands_trademarks_sellers_and_listings() {
    let fx = Fx::new().await;
    let w = &fx.w;
    let q = "query($tm: ID!, $l: ID!, $s: ID!) {
        brands { totalCount nodes { id name } }
        sellers { totalCount nodes { id } }
        listings { totalCount nodes { id } }
        trademark(id: $tm) { id mark brand { id } }
        listing(id: $l) { id title status seller { id handle } }
        seller(id: $s) { id status activeStrikeCount listings { totalCount nodes { id } } }
      }";
    let vars = json!({
        "tm": gid(Kind::Trademark, w.tm_b),
        "l": gid(Kind::Listing, w.l1b),
        "s": gid(Kind::Seller, w.s1),
    });
    for (who, tok) in fx.everyone() {
        let data = fx.app.data(tok, q, vars.clone()).await;
        assert_eq!(data["brands"]["totalCount"], json!(2), "{who}");
        assert_eq!(ids(&data["brands"]), gids(Kind::Brand, &[w.brand_a, w.brand_b]), "{who}");
        assert_eq!(data["sellers"]["totalCount"], json!(3), "{who}");
        assert_eq!(ids(&data["sellers"]), gids(Kind::Seller, &[w.s1, w.s2, w.s3]), "{who}");
        assert_eq!(data["listings"]["totalCount"], json!(4), "{who}");
        assert_eq!(ids(&data["listings"]), gids(Kind::Listing, &[w.l1a, w.l1b, w.l2, w.l3]), "{who}");
        assert_eq!(
            data["trademark"],
            json!({ "id": gid(Kind::Trademark, w.tm_b), "mark": "MARK2", "brand": { "id": gid(Kind::Brand, w.brand_b) } }),
            "{who}"
        );
        assert_eq!(
            data["listing"],
            json!({
                "id": gid(Kind::Listing, w.l1b),
                "title": "Bolt charger clone",
                "status": "ACTIVE",
                "seller": { "id": gid(Kind::Seller, w.s1), "handle": "seller-one" },
            }),
            "{who}"
        );
        assert_eq!(data["seller"]["status"], json!("ACTIVE"), "{who}");
        assert_eq!(data["seller"]["activeStrikeCount"], json!(2), "{who}: s1 has two active strikes");
        assert_eq!(ids(&data["seller"]["listings"]), gids(Kind::Listing, &[w.l1a, w.l1b]), "{who}");
    }
}

#[tokio::test]
async fn brands_trademarks_sellers_and_listings_resolve_by_node_for_every_role() {
    let fx = Fx::new().await;
    let w = &fx.w;
    for (_, tok) in fx.everyone() {
        for id in [
            gid(Kind::Brand, w.brand_b),
            gid(Kind::Trademark, w.tm_b),
            gid(Kind::Seller, w.s3),
            gid(Kind::Listing, w.l3),
        ] {
            fx.node_found(tok, &id).await;
        }
    }
}
