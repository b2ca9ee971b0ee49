//! The planned executor answers byte for byte what the general executor answers (issue 10): every
//! query here is sent by every role twice, planner on and off, on one database, and the two
//! bodies must be equal. The planner must also actually answer what it claims to (its counter in
//! the pipeline), give back at run time what would answer an error, and keep statements bounded
//! by depth.

use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::http::Request;
use rightsgraph::auth::Role;
use rightsgraph::ids::Kind;
use serde_json::{Value, json};

use crate::fixtures::World;
use crate::harness::{TestApp, gid, spawn, token};

/// The body of one POST, the planner on or off, and whether the planner answered it.
async fn answer(app: &TestApp, token: Option<&str>, query: &str, variables: &Value, planner: bool) -> (String, bool) {
    app.app.pipeline.planner.store(planner, Ordering::Relaxed);
    let before = app.app.metrics.planned.get();
    let mut request = Request::post("/graphql").header("content-type", "application/json");
    if let Some(t) = token {
        request = request.header("authorization", format!("Bearer {t}"));
    }
    let body = json!({ "query": query, "variables": variables }).to_string();
    let reply = app.send(request.body(Body::from(body)).expect("request")).await;
    let planned = app.app.metrics.planned.get() > before;
    (String::from_utf8(reply.body).expect("UTF-8"), planned)
}

/// Sends `query` both ways as `token`; asserts equal bodies, and returns whether the planner
/// answered and the answer.
async fn same_both_ways(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> (bool, Value) {
    let (planned_body, planned) = answer(app, token, query, &variables, true).await;
    let (general_body, general) = answer(app, token, query, &variables, false).await;
    assert!(!general, "the planner answered with --planner off");
    // Equal as JSON: the general executor writes an object's keys in the order its fields
    // finish (async-graphql 7.2 resolves them unordered); the planner in the query's order.
    // The errors likewise come in the order their fields fail, which the specification leaves
    // open: they are compared in path order.
    let planned_json = errors_by_path(serde_json::from_str(&planned_body).expect("JSON"));
    let general_json = errors_by_path(serde_json::from_str(&general_body).expect("JSON"));
    assert_eq!(planned_json, general_json, "the executors differ on {query} with {variables}");
    (planned, planned_json)
}

/// `body` with its `errors` sorted by path, then message.
fn errors_by_path(mut body: Value) -> Value {
    if let Some(errors) = body.get_mut("errors").and_then(Value::as_array_mut) {
        errors.sort_by_key(|e| (e["path"].to_string(), e["message"].to_string()));
    }
    body
}

struct Roles {
    tokens: Vec<(&'static str, Option<String>)>,
}

fn roles(w: &World) -> Roles {
    Roles {
        tokens: vec![
            ("admin", Some(token(Role::Admin, None, None))),
            ("analyst", Some(token(Role::Analyst, None, None))),
            ("reviewer", Some(token(Role::Reviewer, None, None))),
            ("agent of A", Some(token(Role::BrandAgent, Some(w.brand_a), None))),
            ("agent of B", Some(token(Role::BrandAgent, Some(w.brand_b), None))),
            ("seller one", Some(token(Role::Seller, None, Some(w.s1)))),
            ("seller two", Some(token(Role::Seller, None, Some(w.s2)))),
            ("anonymous", None),
        ],
    }
}

const DASHBOARD: &str = "query Dashboard($brand: ID!) { brand(id: $brand) { name notices(first: 100) { nodes {
    id status submittedAt items(first: 20) { nodes { id status listing { id title seller { id handle
    activeStrikeCount status } } } } } } } }";

const EVERY_FIELD: &str = r#"query($brand: ID!, $notice: ID!, $seller: ID!, $listing: ID!, $tm: ID!) {
  __typename
  brand(id: $brand) { __typename id name country trustTier createdAt submissionStatus submissionSuspendedUntil
    trademarks(first: 5) { __typename totalCount pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
      edges { __typename cursor node { id mark registrationNumber jurisdiction createdAt brand { id } } } }
    notices { totalCount nodes { id reason explanation status expedited submittedAt closedAt brand { name } } } }
  notice(id: $notice) { id items(first: 1) { pageInfo { hasNextPage endCursor } nodes { id status decidedAt decisionReason
    notice { id } trademark { mark } listing { id title url status listedAt removedAt price { __typename amount currency }
    seller { id handle displayName country status createdAt activeStrikeCount } } } } }
  seller(id: $seller) { id activeStrikeCount listings { totalCount nodes { id title } }
    active: listings(status: ACTIVE) { totalCount } noticeItems { totalCount nodes { id status notice { id } } } }
  listing(id: $listing) { id noticeItems { totalCount edges { cursor node { id status } } } }
  trademark(id: $tm) { id mark notices { totalCount nodes { id status } } }
}"#;

const RECORDS: &str = r#"query($brand: ID!, $notice: ID!, $seller: ID!, $tm: ID!) {
  brand(id: $brand) { enforcementHistory(first: 10) { totalCount nodes { id kind actorRole at note brand { id }
    notice { id status } item { id status } } } recent: enforcementHistory(since: "2020-01-01T00:00:00Z") { totalCount } }
  notice(id: $notice) { events { nodes { id kind } } items { nodes { id counterNotice { id statement status filedAt
    resolvedAt item { id } seller { handle } } strike { id issuedAt expiresAt voided active brand { name }
    item { id } seller { id } } } } }
  seller(id: $seller) { strikes { totalCount nodes { id active } } active: strikes(activeOnly: true) { totalCount } }
  trademark(id: $tm) { niceClasses status expiresOn brand { id stats { __typename noticesSubmitted itemsSubmitted
    itemsPending itemsRemoved itemsRejected itemsReinstated counterNoticesFiled takedownRate counterNoticeSuccessRate
    medianHoursToDecision } since: stats(since: "2020-01-01T00:00:00Z") { itemsSubmitted takedownRate } } }
}"#;

const ROOTS: &str = r#"query($brand: ID!, $notice: ID!) {
  brands(first: 1) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { id name } } }
  sellers(status: ACTIVE) { totalCount nodes { id handle activeStrikeCount } }
  listings(filter: { titleContains: "ACME" }) { totalCount nodes { id title seller { handle } } }
  notices { totalCount nodes { id status brand { name } } }
  queue: notices(filter: { status: OPEN }) { pageInfo { endCursor } nodes { id } }
  repeatOffenders(minActiveStrikes: 1) { totalCount nodes { id handle activeStrikeCount } }
  n: node(id: $notice) { id __typename ... on Notice { status } ... on Brand { name } }
  b: node(id: $brand) { ... on Brand { name } ...N }
}
fragment N on Node { id }"#;

const SHAPES: &str = r#"query Shapes($brand: ID!, $withItems: Boolean!, $first: Int = 1, $status: NoticeStatus) {
  a: brand(id: $brand) { ...B ... on Node { id } }
  b: brand(id: $brand) @include(if: $withItems) { n: notices(first: $first, filter: { status: $status }) { nodes { id } } }
  c: brand(id: $brand) @skip(if: $withItems) { name }
}
fragment B on Brand {
  name
  notices(first: 2) { nodes { id } }
  notices(first: 2) { nodes { status items { nodes { ... on NoticeItem { id } } } } totalCount }
  ... { country }
}"#;

#[tokio::test]
async fn the_planner_answers_every_role_exactly_as_the_general_executor() {
    let app = spawn().await;
    let w = World::build(&app.app.db).await;
    let vars = json!({
        "brand": gid(Kind::Brand, w.brand_a),
        "notice": gid(Kind::Notice, w.notice_a),
        "seller": gid(Kind::Seller, w.s1),
        "listing": gid(Kind::Listing, w.l1a),
        "tm": gid(Kind::Trademark, w.tm_a),
    });
    let queries = [
        (DASHBOARD, json!({ "brand": gid(Kind::Brand, w.brand_a) })),
        (DASHBOARD, json!({ "brand": gid(Kind::Brand, w.brand_b) })),
        (EVERY_FIELD, vars.clone()),
        (RECORDS, vars.clone()),
        (ROOTS, vars.clone()),
        (SHAPES, json!({ "brand": gid(Kind::Brand, w.brand_a), "withItems": true })),
        (SHAPES, json!({ "brand": gid(Kind::Brand, w.brand_a), "withItems": false, "first": 2, "status": "OPEN" })),
    ];
    for (query, variables) in &queries {
        for (role, token) in &roles(&w).tokens {
            let (planned, response) = same_both_ways(&app, token.as_deref(), query, variables.clone()).await;
            let clean = response.get("errors").is_none();
            // What answers without an error, the planner answers; what answers an error (a
            // notice another brand's agent may not see, an anonymous caller), it gives back.
            assert_eq!(planned, clean, "{role}: planned {planned} for {response}");
        }
    }
}

const NETWORK: &str = r#"query($seller: ID!) {
  seller(id: $seller) { id
    network { __typename truncated totalActiveStrikes root { id handle }
      members { __typename hops seller { id handle status activeStrikeCount listings(first: 1) { totalCount nodes { id } } } }
      links { __typename kind a { id ...S } other: b { ... on Seller { id createdAt } } } }
    far: network(maxHops: 4) { members { hops seller { id } } links { kind a { id } b { id } } } }
}
fragment S on Seller { displayName country }"#;

/// `Seller.network` is planned (the walk its resolver runs, then the members' rows in one
/// statement): for staff it answers exactly as the general executor; a brand agent, a seller and
/// an anonymous caller are given back to it, which answers them FORBIDDEN (or UNAUTHENTICATED),
/// and so is a `maxHops` out of range.
#[tokio::test]
async fn the_planner_answers_seller_networks_exactly_as_the_general_executor() {
    let app = spawn().await;
    let w = World::build(&app.app.db).await;
    // s1 and s2 share s1's phone and a payment account; s2 and s3 an address.
    let mut b = crate::fixtures::Builder::new(&app.app.db);
    b.identifier(w.s2, "PHONE", "8613800000000").await;
    b.identifier(w.s1, "PAYMENT_ACCOUNT", "ACCT-7").await;
    b.identifier(w.s2, "PAYMENT_ACCOUNT", "ACCT-7").await;
    b.identifier(w.s2, "ADDRESS", "1 Dock Road").await;
    b.identifier(w.s3, "ADDRESS", "1 Dock Road").await;
    let vars = json!({ "seller": gid(Kind::Seller, w.s1) });
    for (role, token) in &roles(&w).tokens {
        let (planned, response) = same_both_ways(&app, token.as_deref(), NETWORK, vars.clone()).await;
        let staff = ["admin", "analyst", "reviewer"].contains(role);
        assert_eq!(planned, staff, "{role}: planned {planned} for {response}");
        if staff {
            let network = &response["data"]["seller"]["network"];
            let hops: Vec<(Value, Value)> = network["members"]
                .as_array()
                .expect("members")
                .iter()
                .map(|m| (m["seller"]["id"].clone(), m["hops"].clone()))
                .collect();
            let want = [(w.s1, 0), (w.s2, 1), (w.s3, 2)].map(|(s, h)| (json!(gid(Kind::Seller, s)), json!(h))).to_vec();
            assert_eq!(hops, want, "{response}");
            let kinds: Vec<&Value> = network["links"].as_array().expect("links").iter().map(|l| &l["kind"]).collect();
            assert_eq!(kinds, [&json!("PAYMENT_ACCOUNT"), &json!("PHONE"), &json!("ADDRESS")], "{response}");
            assert_eq!(network["links"][2]["other"]["id"], json!(gid(Kind::Seller, w.s3)));
            assert_eq!(network["root"]["id"], json!(gid(Kind::Seller, w.s1)));
        } else {
            let codes = crate::harness::codes(&response);
            assert!(codes.iter().all(|c| c == "FORBIDDEN" || c == "UNAUTHENTICATED"), "{role}: {response}");
            assert!(!codes.is_empty(), "{role}: {response}");
        }
    }
    let admin = token(Role::Admin, None, None);
    let query = "query($seller: ID!) { seller(id: $seller) { network(maxHops: 5) { truncated } } }";
    let (planned, response) = same_both_ways(&app, Some(&admin), query, vars.clone()).await;
    assert!(!planned, "{response}");
    assert_eq!(crate::harness::codes(&response), vec!["BAD_USER_INPUT".to_owned()]);
}

const CLUSTERS: &str = r#"query($first: Int, $after: String) {
  offenderClusters(minActiveStrikes: 0, first: $first, after: $after) { __typename totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { __typename cursor node { size } }
    nodes { __typename size totalActiveStrikes
      members(first: 1) { totalCount pageInfo { hasNextPage endCursor } nodes { id handle activeStrikeCount } }
      all: members { edges { cursor node { id ... on Seller { status } } } } } }
  struck: offenderClusters { totalCount nodes { size totalActiveStrikes members { nodes { id } } } }
}"#;

/// `offenderClusters` is planned (the clusters' page, then their members' pages in one
/// statement): for staff it answers exactly as the general executor, page after page; everyone
/// else is given back to it, which answers them FORBIDDEN (or UNAUTHENTICATED), and so is an
/// argument its resolver refuses.
#[tokio::test]
async fn the_planner_answers_offender_clusters_exactly_as_the_general_executor() {
    let app = spawn().await;
    let w = World::build(&app.app.db).await;
    let s4 = crate::fixtures::Builder::new(&app.app.db).seller("seller-four").await;
    let admin = token(Role::Admin, None, None);
    // {s1, s2} share s1's phone (s1 has two active strikes); {s3, s4} an address.
    for (seller, kind, value) in
        [(w.s2, "PHONE", "8613800000000"), (w.s3, "ADDRESS", "1 Dock Road"), (s4, "ADDRESS", "1 Dock Road")]
    {
        let resp = crate::workflow_support::add_identifier(&app, &admin, &gid(Kind::Seller, seller), kind, value).await;
        assert!(resp.get("errors").is_none(), "{resp}");
    }
    for (role, token) in &roles(&w).tokens {
        let (planned, response) = same_both_ways(&app, token.as_deref(), CLUSTERS, json!({})).await;
        let staff = ["admin", "analyst", "reviewer"].contains(role);
        assert_eq!(planned, staff, "{role}: planned {planned} for {response}");
        if !staff {
            let codes = crate::harness::codes(&response);
            assert!(
                !codes.is_empty() && codes.iter().all(|c| c == "FORBIDDEN" || c == "UNAUTHENTICATED"),
                "{role}: {response}"
            );
        }
    }
    let (planned, response) = same_both_ways(&app, Some(&admin), CLUSTERS, json!({})).await;
    assert!(planned, "{response}");
    let all = &response["data"]["offenderClusters"];
    assert_eq!(all["totalCount"], 2, "{response}");
    let sizes: Vec<(Value, Value)> = all["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|c| (c["size"].clone(), c["totalActiveStrikes"].clone()))
        .collect();
    assert_eq!(sizes, [(json!(2), json!(2)), (json!(2), json!(0))], "most strikes first: {response}");
    assert_eq!(all["nodes"][0]["members"]["totalCount"], 2);
    assert_eq!(all["nodes"][0]["members"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(all["nodes"][0]["members"]["nodes"][0]["id"], json!(gid(Kind::Seller, w.s1)));
    assert_eq!(response["data"]["struck"]["totalCount"], 1, "the default asks one active strike: {response}");
    // Page by page, as the general executor pages.
    let (mut after, mut seen) = (Value::Null, Vec::new());
    loop {
        let (planned, response) =
            same_both_ways(&app, Some(&admin), CLUSTERS, json!({ "first": 1, "after": after })).await;
        assert!(planned, "{response}");
        let page = &response["data"]["offenderClusters"];
        seen.push(page["nodes"][0]["totalActiveStrikes"].clone());
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, [json!(2), json!(0)]);
    for query in [
        "{ offenderClusters(minMembers: 0) { totalCount } }",
        "{ offenderClusters(minActiveStrikes: -1) { totalCount } }",
    ] {
        let (planned, response) = same_both_ways(&app, Some(&admin), query, json!({})).await;
        assert!(!planned, "{response}");
        assert_eq!(crate::harness::codes(&response), vec!["BAD_USER_INPUT".to_owned()], "{query}");
    }
}

#[tokio::test]
async fn the_planner_pages_on_as_the_general_executor() {
    let app = spawn().await;
    let w = World::build(&app.app.db).await;
    let admin = token(Role::Admin, None, None);
    let query = "query($id: ID!, $after: String) { seller(id: $id) { listings(first: 1, after: $after) {
        pageInfo { hasNextPage hasPreviousPage endCursor } nodes { id } } } }";
    let mut after = Value::Null;
    let mut seen = Vec::new();
    loop {
        let variables = json!({ "id": gid(Kind::Seller, w.s1), "after": after });
        let (planned, response) = same_both_ways(&app, Some(&admin), query, variables).await;
        assert!(planned, "{response}");
        let page = &response["data"]["seller"]["listings"];
        seen.extend(page["nodes"].as_array().expect("nodes").iter().map(|n| n["id"].clone()));
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, vec![json!(gid(Kind::Listing, w.l1a)), json!(gid(Kind::Listing, w.l1b))]);
}

#[tokio::test]
async fn what_would_answer_an_error_is_left_to_the_general_executor() {
    let app = spawn().await;
    let w = World::build(&app.app.db).await;
    let admin = token(Role::Admin, None, None);
    let other = token(Role::BrandAgent, Some(w.brand_b), None);
    let cases = [
        // Refused when the plan is built: a malformed id, a page size out of range, a cursor of
        // another list, a field the planner does not answer.
        (&admin, "{ brand(id: \"nope\") { name } }", json!({}), "BAD_USER_INPUT"),
        (&admin, "query($b: ID!) { brand(id: $b) { notices(first: 0) { totalCount } } }", json!({}), "BAD_USER_INPUT"),
        (
            &admin,
            "query($b: ID!) { brand(id: $b) { notices(after: \"bad\") { totalCount } } }",
            json!({}),
            "BAD_USER_INPUT",
        ),
        (&admin, "query($b: ID!) { viewer { role } brand(id: $b) { name } }", json!({}), ""),
        // Given back at run time: a brand that does not exist, a notice the viewer may not see.
        (&admin, "query($b: ID!) { brand(id: $b) { name } }", json!({ "b": gid(Kind::Brand, 9_999) }), "NOT_FOUND"),
        (
            &other,
            "query($n: ID!) { notice(id: $n) { id } }",
            json!({ "n": gid(Kind::Notice, w.notice_a) }),
            "NOT_FOUND",
        ),
    ];
    for (token, query, mut variables, code) in cases {
        if variables.as_object().is_some_and(|v| v.is_empty()) {
            variables = json!({ "b": gid(Kind::Brand, w.brand_a) });
        }
        let (planned, response) = same_both_ways(&app, Some(token), query, variables).await;
        assert!(!planned, "the planner answered {query}: {response}");
        let codes: Vec<String> = crate::harness::codes(&response);
        if code.is_empty() {
            assert!(codes.is_empty(), "{response}");
        } else {
            assert_eq!(codes, vec![code.to_owned()], "{response}");
        }
    }
    // The two answered at run time were counted as given back.
    assert_eq!(app.app.metrics.fallbacks.get(), 2);
}

#[tokio::test]
async fn the_planner_writes_keys_in_the_order_of_the_query() {
    let app = spawn().await;
    let w = World::build(&app.app.db).await;
    let admin = token(Role::Admin, None, None);
    let query = "query($s: ID!) { seller(id: $s) { status z: activeStrikeCount handle ... on Seller { id a: country } handle } }";
    let (body, planned) = answer(&app, Some(&admin), query, &json!({ "s": gid(Kind::Seller, w.s1) }), true).await;
    assert!(planned, "{body}");
    let order: Vec<usize> =
        ["\"status\"", "\"z\"", "\"handle\"", "\"id\"", "\"a\""].iter().map(|k| body.find(k).expect(k)).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{body}");
    assert_eq!(body.matches("\"handle\"").count(), 1, "a key asked twice is answered once: {body}");
}

#[tokio::test]
async fn planned_statements_grow_with_depth_not_with_rows_or_aliases() {
    let app = spawn().await;
    let w = World::build(&app.app.db).await;
    let admin = token(Role::Admin, None, None);
    let vars = json!({ "brand": gid(Kind::Brand, w.brand_a) });
    app.app.pipeline.planner.store(true, Ordering::Relaxed);
    let before = app.statements();
    let response = app.gql(Some(&admin), DASHBOARD, vars.clone()).await;
    assert!(response.get("errors").is_none(), "{response}");
    // brand, notices, items, listings with their sellers (one join): one statement per level,
    // the listings' sellers read with them. The sellers' active strikes are their rows' kept
    // counts, exact while none has expired unrecounted.
    assert_eq!(app.statements() - before, 4, "one statement per level");
    // Twenty aliases of the same nested selection cost no more statements.
    let aliased: String = (0..20)
        .map(|i| format!("n{i}: notices(first: 5) {{ nodes {{ items(first: 5) {{ nodes {{ listing {{ seller {{ handle }} }} }} }} }} }} "))
        .collect();
    let planned = app.app.metrics.planned.get();
    let before = app.statements();
    let response =
        app.gql(Some(&admin), &format!("query($brand: ID!) {{ brand(id: $brand) {{ {aliased} }} }}"), vars).await;
    assert!(response.get("errors").is_none(), "{response}");
    assert_eq!(app.statements() - before, 4, "brand, notices, items, listings with their sellers");
    assert_eq!(app.app.metrics.planned.get(), planned + 1, "the planner answered it");
}

/// The planner reads rows with only the fields it writes or follows (`columns::Mask`): a row read
/// with a mask holds those fields as stored and every other one empty (no long text decoded);
/// with `Mask::ALL` it is the whole row, as the general executor reads it.
#[tokio::test]
async fn a_masked_read_holds_the_fields_asked_and_leaves_the_rest_empty() {
    use entity::listing;
    use rightsgraph::columns::{Columns, Mask};
    let app = spawn().await;
    let w = World::build(&app.app.db).await;
    let db = &app.app.db;
    let whole: Vec<(i64, listing::Model)> = rightsgraph::sql::by_ids(db, "listing", &[w.l1a], &[]).await.expect("read");
    let whole = &whole[0].1;
    assert!(!whole.url.is_empty() && !whole.price_amount.is_empty(), "the fixture's listing has a url and price");

    let mask = Mask::ID.with::<listing::Model>("title").with::<listing::Model>("seller_id");
    assert_eq!(mask.columns::<listing::Model>(), "t.id, t.seller_id, t.title", "the columns in field order");
    assert_eq!(mask.arity::<listing::Model>(), 3);
    let masked: Vec<(i64, listing::Model)> =
        rightsgraph::sql::by_ids_some(db, "listing", &[w.l1a], &[], mask).await.expect("masked read");
    let (id, masked) = &masked[0];
    assert_eq!(*id, w.l1a);
    assert_eq!((masked.id, masked.seller_id, masked.title.as_str()), (whole.id, whole.seller_id, whole.title.as_str()));
    assert_eq!(
        (
            masked.url.as_str(),
            masked.price_amount.as_str(),
            masked.status.as_db(),
            masked.listed_at,
            masked.title_search.as_deref()
        ),
        ("", "", rightsgraph::states::ListingStatus::default().as_db(), 0, None),
        "the fields outside the mask are read from no column: each is its type's default (a state's first)"
    );

    // The id alone, and every field.
    assert_eq!(Mask::ID.columns::<listing::Model>(), "t.id");
    assert_eq!(Mask::ALL.columns::<listing::Model>(), listing::Model::COLUMNS);
    let all: Vec<(i64, listing::Model)> =
        rightsgraph::sql::by_ids_some(db, "listing", &[w.l1a], &[], Mask::ALL).await.expect("read");
    assert_eq!(&all[0].1, whole);

    // Listings with their sellers in one statement: each model from its own columns of the row,
    // the seller's after the listing's, under its own mask.
    use entity::seller;
    let sellers: Vec<(i64, seller::Model)> =
        rightsgraph::sql::by_ids(db, "seller", &[w.s1, w.s2], &[]).await.expect("sellers");
    let seller_mask = Mask::ID.with::<seller::Model>("handle").with::<seller::Model>("status");
    assert_eq!(seller_mask.columns_of::<seller::Model>("j"), "j.id, j.handle, j.status");
    let joined: Vec<(listing::Model, seller::Model)> =
        rightsgraph::sql::by_ids_joined(db, "listing", &[w.l1a, w.l2], &[], mask, "seller_id", "seller", seller_mask)
            .await
            .expect("joined read");
    let mut pairs: Vec<(i64, String, i64, String, String, String)> = joined
        .iter()
        .map(|(l, s)| {
            (l.id, l.title.clone(), s.id, s.handle.clone(), s.status.as_db().to_owned(), s.display_name.clone())
        })
        .collect();
    pairs.sort();
    let stored = |id: i64| sellers.iter().find(|(k, _)| *k == id).map(|(_, s)| s.clone()).expect("seller");
    let (s1, s2) = (stored(w.s1), stored(w.s2));
    assert_eq!(
        pairs,
        vec![
            (w.l1a, whole.title.clone(), w.s1, s1.handle, s1.status.as_db().to_owned(), String::new()),
            (w.l2, "Acme hoodie".to_owned(), w.s2, s2.handle, s2.status.as_db().to_owned(), String::new()),
        ],
        "each listing with its own seller; the seller's fields outside its mask are empty"
    );
}

/// A planned query's statements run on one PostgreSQL connection, taken from the pool once and
/// given back once (`db::Pinned`), not one connection (and one release round trip) per
/// statement: the same server process answers each statement, each is counted as the pool's
/// are (failed ones too), and a failed statement is a query error after which the connection
/// serves on. SQLite, which
/// runs in the process, reads from its pool.
#[tokio::test]
async fn a_planned_query_holds_one_connection_for_its_statements() {
    use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
    let app = spawn().await;
    let db = &app.app.db;
    let pinned = rightsgraph::db::Pinned::take(db, &app.app.statements).await.expect("a connection");
    let Some(pinned) = pinned else {
        assert_eq!(db.get_database_backend(), DbBackend::Sqlite, "only SQLite reads without one");
        return;
    };
    let pid = Statement::from_string(DbBackend::Postgres, "SELECT pg_backend_pid() AS pid");
    let before = app.statements();
    let mut pids = Vec::new();
    for _ in 0..3 {
        let row = pinned.query_one_raw(pid.clone()).await.expect("query").expect("a row");
        pids.push(row.try_get::<i32>("", "pid").expect("pid"));
    }
    assert!(pids.windows(2).all(|w| w[0] == w[1]), "one server process answered: {pids:?}");
    assert_eq!(app.statements() - before, 3, "each statement counted");
    let bad = Statement::from_string(DbBackend::Postgres, "SELECT * FROM no_such_table");
    let err = pinned.query_all_raw(bad).await.expect_err("no such table");
    assert!(matches!(err, DbErr::Query(_)), "{err:?}");
    assert_eq!(app.statements() - before, 4, "a failed statement is counted too, as sea-orm counts the pool's");
    let row = pinned.query_one_raw(pid).await.expect("the connection serves on").expect("a row");
    assert_eq!(row.try_get::<i32>("", "pid").expect("pid"), pids[0]);
}

/// A plan of `__typename` alone reads nothing: the planner answers it without a statement.
#[tokio::test]
async fn a_typename_alone_is_planned_without_a_statement() {
    let app = spawn().await;
    let admin = token(Role::Admin, None, None);
    app.app.pipeline.planner.store(true, Ordering::Relaxed);
    let planned = app.app.metrics.planned.get();
    let before = app.statements();
    let response = app.gql(Some(&admin), "{ __typename }", json!({})).await;
    assert_eq!(response["data"], json!({ "__typename": "Query" }), "{response}");
    assert!(response.get("errors").is_none(), "{response}");
    assert_eq!(app.statements() - before, 0, "no statement");
    assert_eq!(app.app.metrics.planned.get(), planned + 1, "the planner answered it");
}

/// A plan with a staff-only field (`Seller.network`, `offenderClusters`) asked by anyone else is
/// given back before it takes a connection: the request spends exactly the statements the general
/// executor spends on it alone, for every role that is not staff.
#[tokio::test]
async fn a_staff_only_plan_asked_by_anyone_else_spends_no_statement_before_it_is_given_back() {
    let app = spawn().await;
    let w = World::build(&app.app.db).await;
    let vars = json!({ "seller": gid(Kind::Seller, w.s1) });
    let queries = [
        "query($seller: ID!) { seller(id: $seller) { id network { truncated members { hops } } } }",
        "query { offenderClusters(minActiveStrikes: 0) { totalCount nodes { size } } }",
    ];
    let outsiders = [
        ("agent of A", token(Role::BrandAgent, Some(w.brand_a), None)),
        ("agent of B", token(Role::BrandAgent, Some(w.brand_b), None)),
        ("seller one", token(Role::Seller, None, Some(w.s1))),
        ("seller two", token(Role::Seller, None, Some(w.s2))),
    ];
    for query in queries {
        for (role, tok) in &outsiders {
            let mut spent = Vec::new();
            for planner in [true, false] {
                app.app.pipeline.planner.store(planner, Ordering::Relaxed);
                let before = app.statements();
                let response = app.gql(Some(tok), query, vars.clone()).await;
                assert_eq!(crate::harness::codes(&response), ["FORBIDDEN"], "{role}: {response}");
                spent.push(app.statements() - before);
            }
            assert_eq!(spent[0], spent[1], "{role} on {query}: statements with the planner, then without");
        }
    }
    app.app.pipeline.planner.store(true, Ordering::Relaxed);
}

/// The arguments the planner reads (`plan::ARGUMENTS`) are exactly those the schema declares on
/// each field, and every default the planner uses is the schema's own (`SchemaArguments`, read
/// from the SDL that `rightsgraph schema` prints).
#[test]
fn the_planners_arguments_and_their_defaults_are_the_schemas() {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let sdl = rightsgraph::schema::sdl();
    let doc = async_graphql::parser::parse_schema(&sdl).expect("the SDL parses");
    let mut declared = std::collections::HashMap::new();
    for definition in doc.definitions {
        let TypeSystemDefinition::Type(ty) = definition else { continue };
        let TypeKind::Object(object) = &ty.node.kind else { continue };
        for field in &object.fields {
            let mut args: Vec<String> = field.node.arguments.iter().map(|a| a.node.name.node.to_string()).collect();
            args.sort();
            declared.insert((ty.node.name.node.to_string(), field.node.name.node.to_string()), args);
        }
    }
    let connections = rightsgraph::plan::connection_arguments();
    assert!(connections.len() >= 10, "the declared connections were read: {connections:?}");
    for (on, field, args) in rightsgraph::plan::ARGUMENTS.iter().copied().chain(connections) {
        let mut planned: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        planned.sort();
        let in_schema = declared.get(&((*on).to_owned(), (*field).to_owned()));
        assert_eq!(
            in_schema,
            Some(&planned),
            "{on}.{field}: the planner reads other arguments than the schema declares"
        );
    }
    let defaults = rightsgraph::plan::SchemaArguments::from_sdl(&sdl).expect("defaults");
    for (on, field, arg, value) in [
        ("Seller", "network", "maxHops", "2"),
        ("Seller", "strikes", "activeOnly", "false"),
        ("Query", "offenderClusters", "minMembers", "2"),
        ("Query", "offenderClusters", "minActiveStrikes", "1"),
        ("Query", "repeatOffenders", "minActiveStrikes", "3"),
    ] {
        let found = defaults.default(on, field, arg).map(ToString::to_string);
        assert_eq!(found.as_deref(), Some(value), "{on}.{field}({arg}:) as the SDL declares it");
    }
}

/// Every field the objects declare once for both executors (`fields::object!`: the id, the
/// columns, the references) is a field of its type in the SDL that `rightsgraph schema` prints,
/// and takes no argument: what the planner answers of an object is what async-graphql serves.
#[test]
fn every_declared_field_is_in_the_schema_as_the_planner_answers_it() {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let doc = async_graphql::parser::parse_schema(rightsgraph::schema::sdl()).expect("the SDL parses");
    let mut fields = std::collections::HashMap::new();
    for definition in doc.definitions {
        let TypeSystemDefinition::Type(ty) = definition else { continue };
        let TypeKind::Object(object) = &ty.node.kind else { continue };
        for field in &object.fields {
            let key = (ty.node.name.node.to_string(), field.node.name.node.to_string());
            fields.insert(key, field.node.arguments.len());
        }
    }
    let mut declared = 0;
    for kind in Kind::ALL {
        for name in rightsgraph::plan::declared_names(kind) {
            let arguments = fields.get(&(kind.type_name().to_owned(), (*name).to_owned()));
            assert_eq!(
                arguments,
                Some(&0),
                "{}.{name}: declared, so the SDL has it without arguments",
                kind.type_name()
            );
            declared += 1;
        }
    }
    assert!(declared >= 60, "the declarations were read: {declared}");
    // The objects made of computed values (`parts!`): each field declared is in the SDL, and the
    // SDL's type has no field beyond the declaration (both executors read these from it alone).
    let objects = rightsgraph::plan::parts_objects();
    assert_eq!(objects.len(), 4, "the network's, its members', its links' and the clusters' objects");
    for (object, names) in objects {
        let mut in_schema: Vec<&str> =
            fields.keys().filter(|(on, _)| on == object).map(|(_, field)| field.as_str()).collect();
        in_schema.sort_unstable();
        let mut declared: Vec<&str> = names.to_vec();
        declared.sort_unstable();
        assert_eq!(in_schema, declared, "{object}: the SDL's fields are the declaration's");
    }
}

/// The GraphQL queries of the README's curl examples (`"query": "…"`), unescaped as the shell
/// would (`\$` → `$`, `\"` → `"`): the mutations, subscriptions and introspection left out, and
/// `rateLimit` (the caller's own budget, which every request spends: no two answers agree).
fn readme_queries() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md");
    let mut out = Vec::new();
    for (at, _) in readme.match_indices(r#""query": ""#) {
        let rest = &readme[at + r#""query": ""#.len()..];
        let (mut text, mut chars) = (String::new(), rest.chars());
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => text.extend(chars.next()),
                c => text.push(c),
            }
        }
        let kind = text.trim_start();
        let left_out = ["__type", "rateLimit"].iter().any(|part| text.contains(part));
        if !(kind.starts_with("mutation") || kind.starts_with("subscription") || left_out) {
            out.push(text);
        }
    }
    out
}

/// What clients really send is planned (issue 32 §2): every query of `bench/queries`, every query
/// of the README's examples, and a dashboard that also asks `Brand.stats`, `Notice.events` and
/// `Seller.network`, each answered by the planner for the staff who may read all of it, and
/// exactly as the general executor answers. The one README query it leaves to the general
/// executor is named with its reason: a notice's messages (the channel, read by its two parties,
/// not by dashboards many times a second).
#[tokio::test]
async fn what_clients_send_is_planned() {
    let app = spawn().await;
    let w = World::build(&app.app.db).await;
    let admin = token(Role::Admin, None, None);
    let bench = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/bench/queries")).expect("bench/queries");
    let mut queries: Vec<(String, String)> = bench
        .map(|entry| entry.expect("entry").path())
        .map(|path| (path.display().to_string(), std::fs::read_to_string(&path).expect("query")))
        .collect();
    queries.sort();
    assert_eq!(queries.len(), 4, "the four bench queries");
    let readme = readme_queries();
    assert!(readme.len() >= 10, "the README's queries were read: {readme:?}");
    queries.extend(readme.into_iter().map(|q| ("README".to_owned(), q)));
    queries.push(("a dashboard with figures, events and networks".to_owned(), DASHBOARD_AND_MORE.to_owned()));
    let general_only = ["messages {"];
    let mut planned_count = 0;
    for (source, query) in &queries {
        let variables = json!({
            "brand": gid(Kind::Brand, w.brand_a),
            "seller": gid(Kind::Seller, w.s1),
            "id": if query.contains("notice(id:") {
                gid(Kind::Notice, w.notice_a)
            } else if query.contains("seller(id:") {
                gid(Kind::Seller, w.s1)
            } else {
                gid(Kind::Brand, w.brand_a)
            },
        });
        let (planned, response) = same_both_ways(&app, Some(&admin), query, variables).await;
        assert!(response.get("errors").is_none(), "{source}: {query} answered {response}");
        let expected = !general_only.iter().any(|part| query.contains(part));
        assert_eq!(planned, expected, "{source}: planned {planned}, expected {expected}: {query}");
        planned_count += usize::from(planned);
    }
    assert!(planned_count >= 14, "{planned_count} of {} planned", queries.len());
}

const DASHBOARD_AND_MORE: &str = "query($brand: ID!) { brand(id: $brand) { name
  stats { noticesSubmitted itemsRemoved takedownRate medianHoursToDecision }
  recent: stats(since: \"2020-01-01T00:00:00Z\") { itemsSubmitted }
  notices(first: 3) { totalCount nodes { id status submittedAt
    events(first: 10) { nodes { id kind at actorRole } }
    items(first: 3) { nodes { id status listing { title price { amount currency }
      seller { handle status activeStrikeCount network(maxHops: 1) { totalActiveStrikes truncated members { hops seller { handle } } } } } } } } } } }";
