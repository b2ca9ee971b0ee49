//! The read API: connections and their limits (CONTRACT.md section 5), `node`, filters and orders.

use chrono::{DateTime, Days, NaiveDate, Utc};
use rightsgraph::auth::Role;
use rightsgraph::ids::Kind;
use rightsgraph::time::instant;
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use serde_json::{Value, json};

use crate::fixtures::{Builder, HOUR, World};
use crate::harness::{TestApp, code, gid, gids, ids, spawn, token};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn admin() -> String {
    token(Role::Admin, None, None)
}

/// Asserts a single `BAD_USER_INPUT` naming `field`.
fn assert_bad_input(r: &Value, field: &str) {
    assert_eq!(code(r), "BAD_USER_INPUT", "{r:#}");
    assert_eq!(r["errors"][0]["extensions"]["field"], json!(field), "{r:#}");
}

/// `n` brands named `brand-00` … in creation (and id) order.
async fn brands(app: &TestApp, n: usize) -> Vec<i64> {
    let mut b = Builder::new(&app.app.db);
    let mut keys = Vec::new();
    for i in 0..n {
        keys.push(b.brand(&format!("brand-{i:02}")).await);
    }
    keys
}

/// The RFC 3339 text of the instant `us` (microseconds).
fn at(us: i64) -> String {
    instant(us).to_rfc3339()
}

/// A notice written directly, with every column chosen.
async fn notice_row(
    db: &DatabaseConnection,
    brand: i64,
    status: &str,
    reason: &str,
    expedited: bool,
    submitted_at: i64,
) -> i64 {
    entity::notice::ActiveModel {
        brand_id: Set(brand),
        reason: Set(crate::harness::state(reason)),
        explanation: Set("These listings sell counterfeits of our mark.".into()),
        status: Set(crate::harness::state(status)),
        expedited: Set(expedited),
        submitted_at: Set(submitted_at),
        closed_at: Set(None),
        idempotency_key: Set(None),
        request_hash: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("notice")
    .id
}

// ---------------------------------------------------------------------------------------------
// first / after
// ---------------------------------------------------------------------------------------------

const BRANDS_PAGE: &str = "query($first: Int, $after: String) {
    brands(first: $first, after: $after) {
      totalCount
      edges { cursor node { id name } }
      nodes { id }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }";

#[tokio::test]
async fn first_defaults_to_20() {
    let app = spawn().await;
    let keys = brands(&app, 25).await;
    let data = app.data(&admin(), BRANDS_PAGE, json!({})).await;
    let page = &data["brands"];
    assert_eq!(page["totalCount"], json!(25));
    assert_eq!(ids(page), gids(Kind::Brand, &keys[..20]));
    assert_eq!(page["pageInfo"]["hasNextPage"], json!(true));
    assert_eq!(page["pageInfo"]["hasPreviousPage"], json!(false));
}

#[tokio::test]
async fn first_out_of_range_is_bad_user_input_naming_first() {
    let app = spawn().await;
    let w = World::build(&app.app.db).await;
    for first in [0, -1, 101, 1000] {
        let r = app.gql(Some(&admin()), BRANDS_PAGE, json!({ "first": first })).await;
        assert!(r["data"]["brands"].is_null(), "first: {first}: {r:#}");
        assert_bad_input(&r, "first");
        assert_eq!(r["errors"][0]["path"], json!(["brands"]));
    }
    // Nested connections check it too.
    for first in [0, -1, 101] {
        let r = app
            .gql(
                Some(&admin()),
                "query($id: ID!, $first: Int) { brand(id: $id) { notices(first: $first) { totalCount } } }",
                json!({ "id": gid(Kind::Brand, w.brand_a), "first": first }),
            )
            .await;
        assert!(r["data"]["brand"]["notices"].is_null(), "first: {first}: {r:#}");
        assert_bad_input(&r, "first");
        assert_eq!(r["errors"][0]["path"], json!(["brand", "notices"]));
    }
}

#[tokio::test]
async fn first_100_is_accepted() {
    let app = spawn().await;
    let keys = brands(&app, 25).await;
    let data = app.data(&admin(), BRANDS_PAGE, json!({ "first": 100 })).await;
    assert_eq!(ids(&data["brands"]), gids(Kind::Brand, &keys));
    assert_eq!(data["brands"]["pageInfo"]["hasNextPage"], json!(false));
    let data = app.data(&admin(), BRANDS_PAGE, json!({ "first": 1 })).await;
    assert_eq!(ids(&data["brands"]), gids(Kind::Brand, &keys[..1]));
    assert_eq!(data["brands"]["pageInfo"]["hasNextPage"], json!(true));
}

#[tokio::test]
async fn paging_with_after_visits_every_row_once_in_order() {
    let app = spawn().await;
    let keys = brands(&app, 25).await;
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let data = app.data(&admin(), BRANDS_PAGE, json!({ "first": 7, "after": after })).await;
        let page = &data["brands"];
        pages += 1;
        let info = &page["pageInfo"];
        assert_eq!(info["hasPreviousPage"], json!(after.is_some()), "page {pages}");
        assert_eq!(page["totalCount"], json!(25), "page {pages}");
        let edges = page["edges"].as_array().expect("edges");
        assert_eq!(edges.len(), if pages < 4 { 7 } else { 4 }, "page {pages}");
        assert_eq!(info["startCursor"], edges[0]["cursor"]);
        assert_eq!(info["endCursor"], edges[edges.len() - 1]["cursor"]);
        seen.extend(ids(page));
        if info["hasNextPage"] == json!(false) {
            break;
        }
        assert!(pages < 10, "paging does not end");
        after = Some(info["endCursor"].as_str().expect("endCursor").to_owned());
    }
    assert_eq!(pages, 4);
    assert_eq!(seen, gids(Kind::Brand, &keys));
    let names: Vec<String> = (0..25).map(|i| format!("brand-{i:02}")).collect();
    let data = app.data(&admin(), BRANDS_PAGE, json!({ "first": 100 })).await;
    let got: Vec<&str> = data["brands"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["name"].as_str().expect("name"))
        .collect();
    assert_eq!(got, names);
}

#[tokio::test]
async fn paging_is_stable_across_ties_of_the_sort_key() {
    // Notices are newest first; several submitted at the same instant still page once each.
    let app = spawn().await;
    let mut b = Builder::new(&app.app.db);
    let brand = b.brand("Acme").await;
    let mut keys = Vec::new();
    for hours in [3, 1, 1, 1, 2, 1] {
        keys.push((hours, b.notice(brand, "OPEN", hours).await));
    }
    // Newest (smallest hours_ago) first, ties by id descending.
    keys.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let expected: Vec<String> = keys.iter().map(|(_, k)| gid(Kind::Notice, *k)).collect();
    let q = "query($after: String) {
        notices(first: 2, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } }
      }";
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..10 {
        let data = app.data(&admin(), q, json!({ "after": after })).await;
        seen.extend(ids(&data["notices"]));
        if data["notices"]["pageInfo"]["hasNextPage"] == json!(false) {
            break;
        }
        after = Some(data["notices"]["pageInfo"]["endCursor"].as_str().expect("cursor").to_owned());
    }
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn malformed_cursor_is_bad_user_input_naming_after() {
    let app = spawn().await;
    let w = World::build(&app.app.db).await;
    // A cursor of another list (notices have a two-part sort key) is not one of brands'.
    let notices = app.data(&admin(), "{ notices(first: 1) { pageInfo { endCursor } } }", json!({})).await;
    let notice_cursor = notices["notices"]["pageInfo"]["endCursor"].as_str().expect("cursor").to_owned();
    for after in ["xyz", "Zm9v", "", "!!!", notice_cursor.as_str()] {
        let r = app.gql(Some(&admin()), BRANDS_PAGE, json!({ "after": after })).await;
        assert!(r["data"]["brands"].is_null(), "{after:?}: {r:#}");
        assert_bad_input(&r, "after");
    }
    let r = app
        .gql(
            Some(&admin()),
            "query($id: ID!) { seller(id: $id) { strikes(after: \"Zm9v\") { totalCount } } }",
            json!({ "id": gid(Kind::Seller, w.s1) }),
        )
        .await;
    assert_bad_input(&r, "after");
}

// ---------------------------------------------------------------------------------------------
// node and single objects
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn node_resolves_every_node_type() {
    let app = spawn().await;
    let w = World::build(&app.app.db).await;
    let cases = [
        (Kind::Brand, w.brand_a, "Brand"),
        (Kind::Brand, w.brand_b, "Brand"),
        (Kind::Trademark, w.tm_a, "Trademark"),
        (Kind::Seller, w.s3, "Seller"),
        (Kind::Listing, w.l2, "Listing"),
        (Kind::Notice, w.notice_b, "Notice"),
        (Kind::NoticeItem, w.item_a2, "NoticeItem"),
        (Kind::CounterNotice, w.counter_a, "CounterNotice"),
        (Kind::Strike, w.strike_b, "Strike"),
        (Kind::NoticeEvent, w.event_a1_removed, "NoticeEvent"),
    ];
    for (kind, key, typename) in cases {
        let id = gid(kind, key);
        let data = app.data(&admin(), "query($id: ID!) { node(id: $id) { __typename id } }", json!({ "id": id })).await;
        assert_eq!(data["node"], json!({ "__typename": typename, "id": id }));
    }
    // And the fields of the concrete type through a fragment.
    let data = app
        .data(
            &admin(),
            "query($id: ID!) { node(id: $id) { ... on NoticeItem { status listing { id } notice { id } } } }",
            json!({ "id": gid(Kind::NoticeItem, w.item_a1) }),
        )
        .await;
    assert_eq!(
        data["node"],
        json!({
            "status": "COUNTERED",
            "listing": { "id": gid(Kind::Listing, w.l1a) },
            "notice": { "id": gid(Kind::Notice, w.notice_a) },
        })
    );
}

#[tokio::test]
async fn malformed_node_id_is_bad_user_input() {
    let app = spawn().await;
    World::build(&app.app.db).await;
    for id in ["", "nope", "brd_1", "brd_00000000000x", "xyz_000000000001", "1", "brd_0000000000001"] {
        let r = app.gql(Some(&admin()), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": id })).await;
        assert!(r["data"]["node"].is_null(), "{id:?}: {r:#}");
        assert_bad_input(&r, "id");
    }
}

#[tokio::test]
async fn well_formed_id_of_a_missing_row_is_not_found() {
    let app = spawn().await;
    World::build(&app.app.db).await;
    for kind in Kind::ALL {
        let id = gid(kind, 999_999);
        let r = app.gql(Some(&admin()), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": id })).await;
        assert!(r["data"]["node"].is_null(), "{id}: {r:#}");
        assert_eq!(code(&r), "NOT_FOUND", "{id}");
        assert_eq!(r["errors"][0]["path"], json!(["node"]));
    }
    let r = app
        .gql(Some(&admin()), "query($id: ID!) { brand(id: $id) { id } }", json!({ "id": gid(Kind::Brand, 999_999) }))
        .await;
    assert!(r["data"]["brand"].is_null(), "{r:#}");
    assert_eq!(code(&r), "NOT_FOUND");
}

#[tokio::test]
async fn single_object_given_an_id_of_another_type_is_bad_user_input() {
    let app = spawn().await;
    let w = World::build(&app.app.db).await;
    let cases = [
        ("brand", gid(Kind::Seller, w.s1)),
        ("seller", gid(Kind::Brand, w.brand_a)),
        ("notice", gid(Kind::NoticeItem, w.item_a1)),
        ("listing", gid(Kind::Seller, w.s1)),
        ("trademark", gid(Kind::Brand, w.brand_a)),
    ];
    for (field, id) in cases {
        let q = format!("query($id: ID!) {{ {field}(id: $id) {{ id }} }}");
        let r = app.gql(Some(&admin()), &q, json!({ "id": id })).await;
        assert!(r["data"][field].is_null(), "{field}: {r:#}");
        assert_bad_input(&r, "id");
    }
}

// ---------------------------------------------------------------------------------------------
// Notices: order and filters
// ---------------------------------------------------------------------------------------------

const NOTICES: &str = "query($filter: NoticeFilter) {
    notices(first: 100, filter: $filter) { totalCount nodes { id submittedAt } }
  }";

/// The world plus three notices: `c` (A, CLOSED, 5h ago), `d` (B, WITHDRAWN, 30h ago) and `e`
/// (A, OPEN, TRADEMARK_INFRINGEMENT, 15h ago). With the world's `a` (A, OPEN, 10h) and `b`
/// (B, CLOSED, 20h), newest first: c, a, e, b, d.
struct Notices {
    app: TestApp,
    now: i64,
    a: i64,
    b: i64,
    c: i64,
    d: i64,
    e: i64,
    brand_a: i64,
    brand_b: i64,
}

impl Notices {
    async fn new() -> Self {
        let app = spawn().await;
        let w = World::build(&app.app.db).await;
        let mut b = Builder::new(&app.app.db);
        let c = b.notice(w.brand_a, "CLOSED", 5).await;
        let d = b.notice(w.brand_b, "WITHDRAWN", 30).await;
        let e = notice_row(&app.app.db, w.brand_a, "OPEN", "TRADEMARK_INFRINGEMENT", false, b.now - 15 * HOUR).await;
        Self { now: b.now, a: w.notice_a, b: w.notice_b, c, d, e, brand_a: w.brand_a, brand_b: w.brand_b, app }
    }

    async fn list(&self, filter: Value) -> Vec<String> {
        let data = self.app.data(&admin(), NOTICES, json!({ "filter": filter })).await;
        let got = ids(&data["notices"]);
        assert_eq!(data["notices"]["totalCount"], json!(got.len()), "{filter}");
        got
    }

    fn ids(&self, keys: &[i64]) -> Vec<String> {
        gids(Kind::Notice, keys)
    }
}

#[tokio::test]
async fn notices_are_newest_first() {
    let n = Notices::new().await;
    let data = n.app.data(&admin(), NOTICES, json!({})).await;
    assert_eq!(ids(&data["notices"]), n.ids(&[n.c, n.a, n.e, n.b, n.d]));
    let times: Vec<DateTime<Utc>> = data["notices"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| node["submittedAt"].as_str().expect("submittedAt").parse().expect("RFC 3339"))
        .collect();
    assert!(times.windows(2).all(|w| w[0] > w[1]), "{times:?}");
    assert_eq!(times[0], instant(n.now - 5 * HOUR));
}

#[tokio::test]
async fn notices_filter_by_brand() {
    let n = Notices::new().await;
    assert_eq!(n.list(json!({ "brandId": gid(Kind::Brand, n.brand_a) })).await, n.ids(&[n.c, n.a, n.e]));
    assert_eq!(n.list(json!({ "brandId": gid(Kind::Brand, n.brand_b) })).await, n.ids(&[n.b, n.d]));
    let r = n.app.gql(Some(&admin()), NOTICES, json!({ "filter": { "brandId": "acme" } })).await;
    assert_bad_input(&r, "filter.brandId");
}

#[tokio::test]
async fn notices_filter_by_status() {
    let n = Notices::new().await;
    assert_eq!(n.list(json!({ "status": "OPEN" })).await, n.ids(&[n.a, n.e]));
    assert_eq!(n.list(json!({ "status": "CLOSED" })).await, n.ids(&[n.c, n.b]));
    assert_eq!(n.list(json!({ "status": "WITHDRAWN" })).await, n.ids(&[n.d]));
    assert_eq!(n.list(json!({ "status": "CLOSED", "brandId": gid(Kind::Brand, n.brand_b) })).await, n.ids(&[n.b]));
}

#[tokio::test]
async fn notices_filter_by_reason() {
    let n = Notices::new().await;
    assert_eq!(n.list(json!({ "reason": "TRADEMARK_INFRINGEMENT" })).await, n.ids(&[n.e]));
    assert_eq!(n.list(json!({ "reason": "COUNTERFEIT" })).await, n.ids(&[n.c, n.a, n.b, n.d]));
    assert_eq!(n.list(json!({ "reason": "PATENT_INFRINGEMENT" })).await, Vec::<String>::new());
}

#[tokio::test]
async fn notices_filter_by_submission_time() {
    let n = Notices::new().await;
    let twelve_ago = at(n.now - 12 * HOUR);
    assert_eq!(n.list(json!({ "submittedAfter": twelve_ago })).await, n.ids(&[n.c, n.a]));
    assert_eq!(n.list(json!({ "submittedBefore": twelve_ago })).await, n.ids(&[n.e, n.b, n.d]));
    assert_eq!(
        n.list(json!({ "submittedAfter": at(n.now - 25 * HOUR), "submittedBefore": at(n.now - 8 * HOUR) })).await,
        n.ids(&[n.a, n.e, n.b])
    );
    assert_eq!(n.list(json!({ "submittedAfter": at(n.now - 25 * HOUR), "status": "OPEN" })).await, n.ids(&[n.a, n.e]));
    // An empty range is a mistake of the client.
    let r = n
        .app
        .gql(
            Some(&admin()),
            NOTICES,
            json!({ "filter": { "submittedAfter": at(n.now - 8 * HOUR), "submittedBefore": at(n.now - 25 * HOUR) } }),
        )
        .await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r:#}");
}

#[tokio::test]
async fn reviewer_queue_puts_expedited_then_oldest_first() {
    let app = spawn().await;
    let db = &app.app.db;
    let mut b = Builder::new(db);
    let brand = b.brand("Acme").await;
    let now = b.now;
    let old = notice_row(db, brand, "OPEN", "COUNTERFEIT", false, now - 30 * HOUR).await;
    let exp_recent = notice_row(db, brand, "OPEN", "COUNTERFEIT", true, now - 15 * HOUR).await;
    let new = notice_row(db, brand, "OPEN", "COUNTERFEIT", false, now - 5 * HOUR).await;
    let exp_older = notice_row(db, brand, "OPEN", "COUNTERFEIT", true, now - 25 * HOUR).await;
    // Not OPEN: never in the queue.
    notice_row(db, brand, "CLOSED", "COUNTERFEIT", true, now - HOUR).await;
    let q = "query($after: String, $first: Int) {
        notices(first: $first, after: $after, filter: { status: OPEN }) {
          totalCount nodes { id expedited } pageInfo { hasNextPage endCursor }
        }
      }";
    let queue = gids(Kind::Notice, &[exp_older, exp_recent, old, new]);

    let reviewer = token(Role::Reviewer, None, None);
    let data = app.data(&reviewer, q, json!({})).await;
    assert_eq!(ids(&data["notices"]), queue);
    assert_eq!(data["notices"]["totalCount"], json!(4));

    // The queue pages in the same order.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..10 {
        let data = app.data(&reviewer, q, json!({ "first": 1, "after": after })).await;
        seen.extend(ids(&data["notices"]));
        if data["notices"]["pageInfo"]["hasNextPage"] == json!(false) {
            break;
        }
        after = Some(data["notices"]["pageInfo"]["endCursor"].as_str().expect("cursor").to_owned());
    }
    assert_eq!(seen, queue);

    // Everyone else gets the same notices newest first.
    for tok in [admin(), token(Role::Analyst, None, None)] {
        let data = app.data(&tok, q, json!({})).await;
        assert_eq!(ids(&data["notices"]), gids(Kind::Notice, &[new, exp_recent, exp_older, old]));
    }
}

// ---------------------------------------------------------------------------------------------
// Listings, sellers, strikes, trademarks
// ---------------------------------------------------------------------------------------------

const LISTINGS: &str = "query($filter: ListingFilter) {
    listings(first: 100, filter: $filter) { totalCount nodes { id title } }
  }";

#[tokio::test]
async fn listings_title_search_is_case_insensitive() {
    let app = spawn().await;
    let w = World::build(&app.app.db).await;
    let mut b = Builder::new(&app.app.db);
    let caps = b.listing(w.s3, "ACME CAPS").await;
    let mixed = b.listing(w.s3, "genuine aCmE socks").await;
    for search in ["ACME", "acme", "Acme", "aCME"] {
        let data = app.data(&admin(), LISTINGS, json!({ "filter": { "titleContains": search } })).await;
        assert_eq!(ids(&data["listings"]), gids(Kind::Listing, &[w.l1a, w.l2, caps, mixed]), "{search}");
        assert_eq!(data["listings"]["totalCount"], json!(4));
    }
    let data = app.data(&admin(), LISTINGS, json!({ "filter": { "titleContains": "HOODIE" } })).await;
    assert_eq!(data["listings"]["nodes"], json!([{ "id": gid(Kind::Listing, w.l2), "title": "Acme hoodie" }]));
    // Combined with the other filters.
    let data = app
        .data(&admin(), LISTINGS, json!({ "filter": { "titleContains": "acme", "sellerId": gid(Kind::Seller, w.s1) } }))
        .await;
    assert_eq!(ids(&data["listings"]), gids(Kind::Listing, &[w.l1a]));
}

#[tokio::test]
async fn listings_title_search_matches_wildcards_literally() {
    let app = spawn().await;
    let w = World::build(&app.app.db).await;
    let mut b = Builder::new(&app.app.db);
    let percent = b.listing(w.s3, "Sale 50% off").await;
    let _five_hundred = b.listing(w.s3, "Sale 500 off").await;
    let underscore = b.listing(w.s3, "mug_cup").await;
    let _x = b.listing(w.s3, "mugXcup").await;
    let backslash = b.listing(w.s3, "path\\to").await;
    for (search, expected) in [("50%", percent), ("0% o", percent), ("g_c", underscore), ("h\\t", backslash)] {
        let data = app.data(&admin(), LISTINGS, json!({ "filter": { "titleContains": search } })).await;
        assert_eq!(ids(&data["listings"]), gids(Kind::Listing, &[expected]), "{search:?}");
    }
    let data = app.data(&admin(), LISTINGS, json!({ "filter": { "titleContains": "%" } })).await;
    assert_eq!(ids(&data["listings"]), gids(Kind::Listing, &[percent]));
}

#[tokio::test]
async fn listings_title_search_is_case_insensitive_beyond_ascii() {
    let app = spawn().await;
    let w = World::build(&app.app.db).await;
    let mut b = Builder::new(&app.app.db);
    let torch = b.listing(w.s3, "Crème BRÛLÉE torch").await;
    for search in ["BRÛLÉE", "brûlée", "Brûlée", "CRÈME"] {
        let data = app.data(&admin(), LISTINGS, json!({ "filter": { "titleContains": search } })).await;
        assert_eq!(ids(&data["listings"]), gids(Kind::Listing, &[torch]), "{search:?}");
    }
}

async fn set_seller_status(db: &DatabaseConnection, seller: i64, status: &str) {
    entity::seller::ActiveModel { id: Set(seller), status: Set(crate::harness::state(status)), ..Default::default() }
        .update(db)
        .await
        .expect("seller status");
}

#[tokio::test]
async fn sellers_filter_by_status() {
    let app = spawn().await;
    let w = World::build(&app.app.db).await;
    set_seller_status(&app.app.db, w.s2, "WARNED").await;
    set_seller_status(&app.app.db, w.s3, "SUSPENDED").await;
    let q = "query($status: SellerStatus) { sellers(status: $status) { totalCount nodes { id status } } }";
    let data = app.data(&admin(), q, json!({})).await;
    assert_eq!(ids(&data["sellers"]), gids(Kind::Seller, &[w.s1, w.s2, w.s3]));
    for (status, expected) in [("ACTIVE", vec![w.s1]), ("WARNED", vec![w.s2]), ("SUSPENDED", vec![w.s3])] {
        let data = app.data(&admin(), q, json!({ "status": status })).await;
        assert_eq!(ids(&data["sellers"]), gids(Kind::Seller, &expected), "{status}");
        assert_eq!(data["sellers"]["totalCount"], json!(1), "{status}");
        assert_eq!(data["sellers"]["nodes"][0]["status"], json!(status));
    }
    let data = app.data(&admin(), q, json!({ "status": "TERMINATED" })).await;
    assert_eq!(data["sellers"], json!({ "totalCount": 0, "nodes": [] }));
}

#[tokio::test]
async fn seller_listings_filter_by_status() {
    let app = spawn().await;
    let w = World::build(&app.app.db).await;
    entity::listing::ActiveModel {
        id: Set(w.l1a),
        status: Set(crate::harness::state("REMOVED")),
        removed_at: Set(Some(rightsgraph::time::now_micros())),
        ..Default::default()
    }
    .update(&app.app.db)
    .await
    .expect("remove listing");
    let q = "query($id: ID!, $status: ListingStatus) {
        seller(id: $id) { listings(status: $status) { totalCount nodes { id status } } }
      }";
    let s1 = gid(Kind::Seller, w.s1);
    let data = app.data(&admin(), q, json!({ "id": s1 })).await;
    assert_eq!(ids(&data["seller"]["listings"]), gids(Kind::Listing, &[w.l1a, w.l1b]));
    let data = app.data(&admin(), q, json!({ "id": s1, "status": "REMOVED" })).await;
    assert_eq!(
        data["seller"]["listings"],
        json!({ "totalCount": 1, "nodes": [{ "id": gid(Kind::Listing, w.l1a), "status": "REMOVED" }] })
    );
    let data = app.data(&admin(), q, json!({ "id": s1, "status": "ACTIVE" })).await;
    assert_eq!(
        data["seller"]["listings"],
        json!({ "totalCount": 1, "nodes": [{ "id": gid(Kind::Listing, w.l1b), "status": "ACTIVE" }] })
    );
    let data = app.data(&admin(), q, json!({ "id": s1, "status": "REINSTATED" })).await;
    assert_eq!(data["seller"]["listings"], json!({ "totalCount": 0, "nodes": [] }));
}

#[tokio::test]
async fn expired_and_voided_strikes_are_not_active() {
    let app = spawn().await;
    let w = World::build(&app.app.db).await;
    let db = &app.app.db;
    let mut b = Builder::new(db);
    let l_old = b.listing(w.s1, "Old replica").await;
    let l_void = b.listing(w.s1, "Voided replica").await;
    let item_old = b.item(w.notice_a, w.brand_a, l_old, w.s1, w.tm_a, "REMOVED").await;
    let item_void = b.item(w.notice_a, w.brand_a, l_void, w.s1, w.tm_a, "REINSTATED").await;
    let expired = b.strike(item_old, w.brand_a, w.s1, -1).await;
    let voided = b.strike(item_void, w.brand_a, w.s1, 1000).await;
    entity::strike::ActiveModel { id: Set(voided), voided: Set(true), ..Default::default() }
        .update(db)
        .await
        .expect("void");
    // What writes strikes outside the workflow recounts their sellers, as the workflow does.
    rightsgraph::sellers::strikes::recount_all(db, &[w.s1], rightsgraph::time::now_micros()).await.expect("recount");

    let q = "query($id: ID!, $activeOnly: Boolean!) {
        seller(id: $id) {
          activeStrikeCount
          strikes(activeOnly: $activeOnly) { totalCount nodes { id active voided } }
        }
      }";
    let s1 = gid(Kind::Seller, w.s1);
    for tok in [admin(), token(Role::Seller, None, Some(w.s1))] {
        let data = app.data(&tok, q, json!({ "id": s1, "activeOnly": true })).await;
        assert_eq!(data["seller"]["activeStrikeCount"], json!(2));
        assert_eq!(data["seller"]["strikes"]["totalCount"], json!(2));
        assert_eq!(ids(&data["seller"]["strikes"]), gids(Kind::Strike, &[w.strike_b, w.strike_a]));

        let data = app.data(&tok, q, json!({ "id": s1, "activeOnly": false })).await;
        assert_eq!(data["seller"]["strikes"]["totalCount"], json!(4));
        assert_eq!(
            data["seller"]["strikes"]["nodes"],
            json!([
                { "id": gid(Kind::Strike, voided), "active": false, "voided": true },
                { "id": gid(Kind::Strike, expired), "active": false, "voided": false },
                { "id": gid(Kind::Strike, w.strike_b), "active": true, "voided": false },
                { "id": gid(Kind::Strike, w.strike_a), "active": true, "voided": false },
            ])
        );
    }
    // activeOnly defaults to false.
    let data =
        app.data(&admin(), "query($id: ID!) { seller(id: $id) { strikes { totalCount } } }", json!({ "id": s1 })).await;
    assert_eq!(data["seller"]["strikes"]["totalCount"], json!(4));
    // A brand agent sees the activeStrikeCount of all brands, but only its brand's strikes.
    let agent_b = token(Role::BrandAgent, Some(w.brand_b), None);
    let data = app.data(&agent_b, q, json!({ "id": s1, "activeOnly": false })).await;
    assert_eq!(data["seller"]["activeStrikeCount"], json!(2));
    assert_eq!(ids(&data["seller"]["strikes"]), gids(Kind::Strike, &[w.strike_b]));
}

#[tokio::test]
async fn trademark_reads_expired_once_expires_on_has_passed() {
    let app = spawn().await;
    let w = World::build(&app.app.db).await;
    let today = Utc::now().date_naive();
    let mut marks = Vec::new();
    for (n, (status, expires)) in [
        ("VERIFIED", Some(NaiveDate::from_ymd_opt(2020, 1, 1).expect("date"))),
        ("VERIFIED", today.checked_sub_days(Days::new(1))),
        ("VERIFIED", today.checked_add_days(Days::new(30))),
        ("PENDING_VERIFICATION", today.checked_add_days(Days::new(30))),
        ("VERIFIED", None),
    ]
    .into_iter()
    .enumerate()
    {
        let id = entity::trademark::ActiveModel {
            brand_id: Set(w.brand_a),
            mark: Set(format!("EXP{n}")),
            registration_number: Set(format!("EXP-{n}")),
            jurisdiction: Set("EM".into()),
            nice_classes: Set("9".into()),
            status: Set(crate::harness::state(status)),
            expires_on: Set(expires),
            created_at: Set(rightsgraph::time::now_micros()),
            ..Default::default()
        }
        .insert(&app.app.db)
        .await
        .expect("trademark")
        .id;
        marks.push((id, expires));
    }
    let expected = ["EXPIRED", "EXPIRED", "VERIFIED", "PENDING_VERIFICATION", "VERIFIED"];
    for ((id, expires), status) in marks.into_iter().zip(expected) {
        let data = app
            .data(
                &admin(),
                "query($id: ID!) { trademark(id: $id) { status expiresOn } }",
                json!({ "id": gid(Kind::Trademark, id) }),
            )
            .await;
        assert_eq!(
            data["trademark"],
            json!({ "status": status, "expiresOn": expires.map(|d| d.format("%Y-%m-%d").to_string()) }),
            "expires {expires:?}"
        );
    }
    // The brand's list reads the same.
    let data = app
        .data(
            &admin(),
            "query($id: ID!) { brand(id: $id) { trademarks { nodes { mark status } } } }",
            json!({ "id": gid(Kind::Brand, w.brand_a) }),
        )
        .await;
    assert_eq!(
        data["brand"]["trademarks"]["nodes"],
        json!([
            { "mark": "MARK1", "status": "VERIFIED" },
            { "mark": "EXP0", "status": "EXPIRED" },
            { "mark": "EXP1", "status": "EXPIRED" },
            { "mark": "EXP2", "status": "VERIFIED" },
            { "mark": "EXP3", "status": "PENDING_VERIFICATION" },
            { "mark": "EXP4", "status": "VERIFIED" },
        ])
    );
}

// ---------------------------------------------------------------------------------------------
// The schema file
// ---------------------------------------------------------------------------------------------

#[test]
fn schema_file_is_the_printed_sdl() {
    let file = include_str!("../../schema.graphql");
    let sdl = rightsgraph::schema::sdl();
    if file != sdl {
        let line = file.lines().zip(sdl.lines()).position(|(a, b)| a != b).map_or_else(
            || format!("lengths differ: file {} lines, sdl {} lines", file.lines().count(), sdl.lines().count()),
            |i| format!("line {}: file {:?}, sdl {:?}", i + 1, file.lines().nth(i), sdl.lines().nth(i)),
        );
        panic!("schema.graphql is stale (regenerate it with `rightsgraph schema > schema.graphql`): {line}");
    }
}

#[tokio::test]
async fn active_strike_count_is_the_kept_count_until_a_counted_strike_expires_then_it_is_counted() {
    let app = spawn().await;
    let w = World::build(&app.app.db).await;
    let db = &app.app.db;
    let mut b = Builder::new(db);
    let listing = b.listing(w.s1, "Soon forgiven").await;
    let item = b.item(w.notice_a, w.brand_a, listing, w.s1, w.tm_a, "REMOVED").await;
    // A strike that expires in two seconds, written and counted as the workflow would.
    let expires_at = rightsgraph::time::now_micros() + 2_000_000;
    b.strike_until(item, w.brand_a, w.s1, expires_at).await;

    let q = "query($id: ID!) { seller(id: $id) { handle activeStrikeCount } }";
    let vars = json!({ "id": gid(Kind::Seller, w.s1) });
    let ask = |planner: bool| {
        let (app, vars) = (&app, vars.clone());
        async move {
            app.app.pipeline.planner.store(planner, std::sync::atomic::Ordering::Relaxed);
            let before = app.statements();
            let data = app.data(&admin(), q, vars).await;
            (data["seller"]["activeStrikeCount"].clone(), app.statements() - before)
        }
    };
    // While the row's count is exact it is the answer: the seller's row is the only statement.
    for planner in [true, false] {
        assert_eq!(ask(planner).await, (json!(3), 1), "planner {planner}: the kept count");
    }
    // Once the new strike has expired, and no sweep has recounted the row, the strikes are
    // counted: the answer drops at once, with one statement more.
    let wait = expires_at - rightsgraph::time::now_micros() + 50_000;
    tokio::time::sleep(std::time::Duration::from_micros(wait.max(0) as u64)).await;
    for planner in [true, false] {
        assert_eq!(ask(planner).await, (json!(2), 2), "planner {planner}: counted past the expiry");
    }
}
