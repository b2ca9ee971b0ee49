//! The offender analytics (CONTRACT.md section 4, "Strikes", "Repeat offenders", "Offender
//! networks"; section 3, the rows for seller identifiers, `network`, `offenderClusters` and
//! `repeatOffenders`), and the link graph that `rightsgraph seed` writes.
//!
//! Sellers, identifiers and the workflow go through the API (or the same services); strikes that
//! need no workflow of their own are written straight into the database with `Builder`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use rightsgraph::auth::{Identity, Role};
use rightsgraph::config::RulesConfig;
use rightsgraph::ids::Kind;
use rightsgraph::seed::{SeedPlan, seed};
use rightsgraph::sellers::types::IdentifierKind;
use rightsgraph::time::now_micros;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::{Value, json};

use crate::fixtures::{Builder, HOUR};
use crate::harness::{TestApp, code, gid, spawn, spawn_with};
use crate::workflow_support::*;

// =============================================================================================
// Helpers
// =============================================================================================

const REPEAT: &str = "query($min: Int!, $brand: ID, $first: Int, $after: String) {
  repeatOffenders(minActiveStrikes: $min, brandId: $brand, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { id activeStrikeCount }
  } }";

const NETWORK: &str = "query($id: ID!, $hops: Int!) { seller(id: $id) { network(maxHops: $hops) {
  root { id } members { hops seller { id } } links { kind a { id } b { id } } totalActiveStrikes truncated
} } }";

const CLUSTERS: &str = "query($minMembers: Int!, $minStrikes: Int!, $first: Int, $after: String) {
  offenderClusters(minMembers: $minMembers, minActiveStrikes: $minStrikes, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { size totalActiveStrikes members(first: 50) { totalCount nodes { id } } }
  } }";

/// Writes strikes straight into the database, each on a listing and a REMOVED item of its own,
/// all from one brand.
struct Strikes<'a> {
    b: Builder<'a>,
    brand: i64,
    tm: i64,
    notice: i64,
}

impl<'a> Strikes<'a> {
    /// A brand of its own (row key `self.brand`) issuing the strikes.
    async fn new(db: &'a DatabaseConnection, name: &str) -> Self {
        let mut b = Builder::new(db);
        let brand = b.brand(name).await;
        Self::for_brand(b, brand).await
    }

    /// Strikes from `brand` (row key).
    async fn for_brand(mut b: Builder<'a>, brand: i64) -> Self {
        // Not `Builder::trademark`: its registration numbers could meet those of the workflow helpers.
        let tm = entity::trademark::ActiveModel {
            brand_id: Set(brand),
            mark: Set("ANALYTICS".into()),
            registration_number: Set(format!("AN-{}-{}", brand, seq())),
            jurisdiction: Set("WO".into()),
            nice_classes: Set("25".into()),
            status: Set(crate::harness::state("VERIFIED")),
            expires_on: Set(None),
            created_at: Set(b.now - 900 * HOUR),
            ..Default::default()
        }
        .insert(b.db)
        .await
        .expect("trademark")
        .id;
        let notice = b.notice(brand, "CLOSED", 20).await;
        Self { b, brand, tm, notice }
    }

    /// `n` strikes of seller `seller` (row key) expiring `hours` from now (negative: expired);
    /// their ids.
    async fn give(&mut self, seller: i64, n: usize, hours: i64) -> Vec<i64> {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let listing = self.b.listing(seller, "Replica watch").await;
            let item = self.b.item(self.notice, self.brand, listing, seller, self.tm, "REMOVED").await;
            out.push(self.b.strike(item, self.brand, seller, hours).await);
        }
        out
    }

    /// `n` active strikes of `seller`.
    async fn active(&mut self, seller: &str, n: usize) {
        self.give(key(seller), n, 1000).await;
    }

    /// `n` expired strikes of `seller`.
    async fn expired(&mut self, seller: &str, n: usize) {
        self.give(key(seller), n, -1).await;
    }

    /// `n` voided (otherwise active) strikes of `seller`.
    async fn voided(&mut self, seller: &str, n: usize) {
        for id in self.give(key(seller), n, 1000).await {
            let mut strike = entity::strike::Entity::find_by_id(id)
                .one(self.b.db)
                .await
                .expect("strike")
                .expect("row")
                .into_active_model();
            strike.voided = Set(true);
            strike.update(self.b.db).await.expect("void");
        }
        rightsgraph::sellers::strikes::recount_all(self.b.db, &[key(seller)], now_micros()).await.expect("recount");
    }
}

/// `n` sellers registered through the API, in id order.
async fn sellers(app: &TestApp, n: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(register_seller(app, "an").await);
    }
    out
}

/// Adds an identifier through the API as ADMIN, asserting success; the seller as answered.
async fn add(app: &TestApp, seller: &str, kind: &str, value: &str) -> Value {
    let resp = add_identifier(app, &admin(), seller, kind, value).await;
    assert!(resp.get("errors").is_none(), "adding {kind} {value:?} to {seller}: {resp:#}");
    assert_eq!(resp["data"]["addSellerIdentifier"]["id"], seller);
    resp["data"]["addSellerIdentifier"].clone()
}

/// The stored `(kind, value)` rows of `seller`, sorted.
async fn stored(app: &TestApp, seller: &str) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = entity::seller_identifier::Entity::find()
        .filter(entity::seller_identifier::Column::SellerId.eq(key(seller)))
        .all(&app.app.db)
        .await
        .expect("identifiers")
        .into_iter()
        .map(|r| (r.kind.as_db().to_owned(), r.value))
        .collect();
    rows.sort();
    rows
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    out.sort();
    out
}

fn ids_of(nodes: &Value) -> Vec<String> {
    nodes.as_array().expect("nodes").iter().map(|n| str_at(n, "/id")).collect()
}

/// `repeatOffenders` as `tok` sees it: the whole answer.
async fn repeat(
    app: &TestApp,
    tok: &str,
    min: i64,
    brand: Option<&str>,
    first: Option<i64>,
    after: Option<&str>,
) -> Value {
    app.gql(Some(tok), REPEAT, json!({"min": min, "brand": brand, "first": first, "after": after})).await
}

/// The ids `repeatOffenders(minActiveStrikes: min, brandId: brand, first: 100)` lists, asserting no
/// error and that `totalCount` counts them.
async fn repeat_ids(app: &TestApp, tok: &str, min: i64, brand: Option<&str>) -> Vec<String> {
    let resp = repeat(app, tok, min, brand, Some(100), None).await;
    assert!(resp.get("errors").is_none(), "repeatOffenders(min {min}, brand {brand:?}): {resp:#}");
    let conn = &resp["data"]["repeatOffenders"];
    let ids = ids_of(&conn["nodes"]);
    assert_eq!(conn["totalCount"], json!(ids.len()), "totalCount: {conn:#}");
    ids
}

/// A network read as ADMIN: `(members as (id, hops), links as sorted (a, b, kind) with a < b,
/// totalActiveStrikes, truncated)`; asserts the root and that no link is listed twice.
async fn network(
    app: &TestApp,
    root: &str,
    hops: i64,
) -> (Vec<(String, i64)>, Vec<(String, String, String)>, i64, bool) {
    let data = app.data(&admin(), NETWORK, json!({"id": root, "hops": hops})).await;
    let net = &data["seller"]["network"];
    assert_eq!(net["root"]["id"], root);
    let members = net["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| (str_at(m, "/seller/id"), m["hops"].as_i64().expect("hops")))
        .collect();
    let listed: Vec<(String, String, String)> = net["links"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| {
            let (a, b) = (str_at(l, "/a/id"), str_at(l, "/b/id"));
            let (a, b) = if a <= b { (a, b) } else { (b, a) };
            (a, b, str_at(l, "/kind"))
        })
        .collect();
    let links: BTreeSet<(String, String, String)> = listed.iter().cloned().collect();
    assert_eq!(links.len(), listed.len(), "a pair is linked twice for one kind: {listed:#?}");
    (members, links.into_iter().collect(), net["totalActiveStrikes"].as_i64().expect("total"), net["truncated"] == true)
}

fn link(a: &str, b: &str, kind: &str) -> (String, String, String) {
    let (a, b) = if a <= b { (a, b) } else { (b, a) };
    (a.to_owned(), b.to_owned(), kind.to_owned())
}

fn at_hops(list: &[(&String, i64)]) -> Vec<(String, i64)> {
    list.iter().map(|(s, h)| ((*s).clone(), *h)).collect()
}

/// One cluster as listed: `(size, totalActiveStrikes, member ids)`.
type Cluster = (i64, i64, Vec<String>);

/// `offenderClusters` as ADMIN: the clusters of the page, `totalCount`, `hasNextPage`, `endCursor`.
async fn clusters_page(
    app: &TestApp,
    min_members: i64,
    min_strikes: i64,
    first: i64,
    after: Option<&str>,
) -> (Vec<Cluster>, i64, bool, Value) {
    let vars = json!({"minMembers": min_members, "minStrikes": min_strikes, "first": first, "after": after});
    let data = app.data(&admin(), CLUSTERS, vars).await;
    let conn = &data["offenderClusters"];
    let nodes = conn["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|c| {
            let members = ids_of(&c["members"]["nodes"]);
            assert_eq!(c["members"]["totalCount"], c["size"], "members totalCount against size: {c:#}");
            (c["size"].as_i64().expect("size"), c["totalActiveStrikes"].as_i64().expect("strikes"), members)
        })
        .collect();
    (
        nodes,
        conn["totalCount"].as_i64().expect("totalCount"),
        conn["pageInfo"]["hasNextPage"] == true,
        conn["pageInfo"]["endCursor"].clone(),
    )
}

/// Every cluster with at least `min_members` members and `min_strikes` active strikes, as ADMIN
/// (one page of 20, asserting that it is the whole list).
async fn clusters(app: &TestApp, min_members: i64, min_strikes: i64) -> Vec<Cluster> {
    let (nodes, total, more, _) = clusters_page(app, min_members, min_strikes, 20, None).await;
    assert!(!more, "more than one page of clusters");
    assert_eq!(total, nodes.len() as i64, "totalCount");
    nodes
}

fn cluster(size: i64, strikes: i64, members: &[&String]) -> Cluster {
    let mut members: Vec<String> = members.iter().map(|m| (*m).clone()).collect();
    members.sort();
    (size, strikes, members)
}

/// The connected components of the link graph, computed here from every `seller_identifier` row
/// with a union-find of its own: seller key → smallest seller key of its component.
async fn components(db: &DatabaseConnection) -> BTreeMap<i64, i64> {
    fn find(parent: &mut HashMap<i64, i64>, x: i64) -> i64 {
        let mut root = x;
        while parent[&root] != root {
            root = parent[&root];
        }
        let mut at = x;
        while parent[&at] != root {
            let next = parent[&at];
            parent.insert(at, root);
            at = next;
        }
        root
    }
    let sellers = entity::seller::Entity::find().all(db).await.expect("sellers");
    let mut parent: HashMap<i64, i64> = sellers.iter().map(|s| (s.id, s.id)).collect();
    let mut holder: HashMap<(String, String), i64> = HashMap::new();
    for row in entity::seller_identifier::Entity::find().all(db).await.expect("identifiers") {
        match holder.get(&(row.kind.as_db().to_owned(), row.value.clone())) {
            Some(&other) => {
                let (x, y) = (find(&mut parent, other), find(&mut parent, row.seller_id));
                // The smaller key becomes the root, so a root is its component's smallest key.
                let (small, large) = if x < y { (x, y) } else { (y, x) };
                parent.insert(large, small);
            }
            None => {
                holder.insert((row.kind.as_db().to_owned(), row.value), row.seller_id);
            }
        }
    }
    sellers.iter().map(|s| (s.id, find(&mut parent, s.id))).collect()
}

/// Asserts that the kept component labels are the connected components of the link graph:
/// sellers with one `cluster_id` are exactly one component, labelled by its smallest seller id
/// (what `offenderClusters` orders ties by), and `seller_cluster` lists every component of two or
/// more sellers with its size, and nothing else.
async fn assert_labels_are_the_components(db: &DatabaseConnection, what: &str) {
    let computed = components(db).await;
    let mut expected_sizes: BTreeMap<i64, i64> = BTreeMap::new();
    for root in computed.values() {
        *expected_sizes.entry(*root).or_default() += 1;
    }
    expected_sizes.retain(|_, n| *n >= 2);
    let mut label_counts: BTreeMap<i64, i64> = BTreeMap::new();
    let mut wrong = Vec::new();
    for s in entity::seller::Entity::find().all(db).await.expect("sellers") {
        if s.cluster_id != Some(computed[&s.id]) {
            wrong.push((s.id, s.cluster_id, computed[&s.id]));
        }
        if let Some(label) = s.cluster_id {
            *label_counts.entry(label).or_default() += 1;
        }
    }
    if !wrong.is_empty() {
        // Which identifiers join sellers of different labels, to say why.
        let labels: HashMap<i64, Option<i64>> = entity::seller::Entity::find()
            .all(db)
            .await
            .expect("sellers")
            .into_iter()
            .map(|s| (s.id, s.cluster_id))
            .collect();
        let mut held: BTreeMap<(String, String), BTreeSet<Option<i64>>> = BTreeMap::new();
        for row in entity::seller_identifier::Entity::find().all(db).await.expect("identifiers") {
            held.entry((row.kind.as_db().to_owned(), row.value)).or_default().insert(labels[&row.seller_id]);
        }
        let across: Vec<_> = held.into_iter().filter(|(_, l)| l.len() > 1).take(5).collect();
        panic!(
            "{what}: sellers (id, cluster_id, smallest id of their component): {wrong:?}\n\
             identifiers held across labels: {across:?}"
        );
    }
    let kept: BTreeMap<i64, i64> = entity::seller_cluster::Entity::find()
        .all(db)
        .await
        .expect("clusters")
        .into_iter()
        .map(|c| (c.id, c.size))
        .collect();
    for (label, size) in &kept {
        assert_eq!(label_counts.get(label), Some(size), "{what}: seller_cluster {label} size against its members");
    }
    assert_eq!(kept, expected_sizes, "{what}: seller_cluster against the components of seller_identifier");
}

fn identity(role: Role) -> Identity {
    Identity { subject: "analytics-test".into(), role, brand_id: None, seller_id: None }
}

// =============================================================================================
// addSellerIdentifier: normalization, duplicates, bad input, roles
// =============================================================================================

#[tokio::test]
async fn add_seller_identifier_stores_the_normalized_value() {
    let app = spawn().await;
    let seller = register_seller(&app, "norm").await;
    for (kind, raw) in [
        ("PHONE", " +1 (555) 010-9999 "),
        ("EMAIL", "John.Doe+shop@GoogleMail.COM"),
        ("EMAIL", "Jane.Roe+x@Example.COM"),
        ("ADDRESS", "  12, Nathan Rd.\n Kowloon -- HK "),
        ("ADDRESS", "Königstraße 5/7, München"),
        ("PAYMENT_ACCOUNT", "  ACCT-77 "),
        ("BUSINESS_REGISTRATION", "HRB 12345 B"),
        ("DEVICE", "Dev-ABC"),
        ("IMAGE_HASH", " 9F86D081 "),
    ] {
        add(&app, &seller, kind, raw).await;
    }
    let expected = pairs(&[
        ("ADDRESS", "12 nathan rd kowloon hk"),
        ("ADDRESS", "königstraße 5 7 münchen"),
        ("BUSINESS_REGISTRATION", "hrb 12345 b"),
        ("DEVICE", "dev-abc"),
        ("EMAIL", "jane.roe+x@example.com"),
        ("EMAIL", "johndoe@gmail.com"),
        ("IMAGE_HASH", "9f86d081"),
        ("PAYMENT_ACCOUNT", "acct-77"),
        ("PHONE", "15550109999"),
    ]);
    assert_eq!(stored(&app, &seller).await, expected);
    // The mutation answers the seller with what was stored.
    let answered = add(&app, &seller, "PHONE", "15550109999").await;
    let mut listed: Vec<(String, String)> = answered["identifiers"]
        .as_array()
        .expect("identifiers")
        .iter()
        .map(|i| (str_at(i, "/kind"), str_at(i, "/value")))
        .collect();
    listed.sort();
    assert_eq!(listed, expected);
}

#[tokio::test]
async fn adding_the_same_identifier_twice_leaves_one_row() {
    let app = spawn().await;
    let seller = register_seller(&app, "twice").await;
    let other = register_seller(&app, "other").await;
    add(&app, &seller, "EMAIL", "a.b+one@gmail.com").await;
    add(&app, &seller, "PHONE", "+86 138 0000 0000").await;
    let before = Before::take(&app).await;
    add(&app, &seller, "EMAIL", "a.b+one@gmail.com").await;
    add(&app, &seller, "EMAIL", "AB+two@googlemail.com").await;
    add(&app, &seller, "PHONE", "8613800000000").await;
    add(&app, &seller, "PHONE", "(86) 138-0000-0000").await;
    before.unchanged(&app, "adding identifiers the seller already has").await;
    assert_eq!(stored(&app, &seller).await, pairs(&[("EMAIL", "ab@gmail.com"), ("PHONE", "8613800000000")]));
    // The same value for another seller is a row of its own.
    add(&app, &other, "PHONE", "8613800000000").await;
    assert_eq!(counts(&app).await.identifiers, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn adding_the_same_identifier_concurrently_leaves_one_row() {
    let app = Arc::new(spawn().await);
    let seller = register_seller(&app, "racer").await;
    let spellings = ["+1 555 0100", "15550100", "(1) 555-0100", "1.555.0100"];
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let (app, seller) = (Arc::clone(&app), seller.clone());
            let value = spellings[i % spellings.len()];
            tokio::spawn(async move { add_identifier(&app, &admin(), &seller, "PHONE", value).await })
        })
        .collect();
    for answer in join_all(tasks).await {
        let answer = answer.expect("task");
        assert!(answer.get("errors").is_none(), "{answer:#}");
    }
    assert_eq!(stored(&app, &seller).await, pairs(&[("PHONE", "15550100")]));
    assert_labels_are_the_components(&app.app.db, "after concurrent adds").await;
}

#[tokio::test]
async fn identifier_value_empty_once_normalized_overlong_or_malformed_is_bad_user_input() {
    let app = spawn().await;
    let seller = register_seller(&app, "bad").await;
    add(&app, &seller, "DEVICE", "kept").await;
    let overlong = "x".repeat(513);
    let overlong_digits = "1".repeat(513);
    for (kind, value) in [
        ("PHONE", ""),
        ("PHONE", "   "),
        ("PHONE", "call me"),
        ("PHONE", "+ (-) ."),
        ("EMAIL", "no-at-sign"),
        ("EMAIL", "   "),
        ("ADDRESS", " ,.- "),
        ("ADDRESS", ""),
        ("DEVICE", "   "),
        ("PAYMENT_ACCOUNT", "\t\n"),
        ("DEVICE", overlong.as_str()),
        ("PHONE", overlong_digits.as_str()),
    ] {
        let before = Before::take(&app).await;
        let resp = add_identifier(&app, &admin(), &seller, kind, value).await;
        assert_error(&resp, "BAD_USER_INPUT", Some("value"));
        before.unchanged(&app, &format!("{kind} {value:?}")).await;
    }
    // 512 characters is not over the limit, whatever their bytes.
    let longest = "é".repeat(512);
    add(&app, &seller, "DEVICE", &longest).await;
    assert_eq!(stored(&app, &seller).await, pairs(&[("DEVICE", "kept"), ("DEVICE", longest.as_str())]));
}

#[tokio::test]
async fn only_admin_may_add_seller_identifiers() {
    let app = spawn().await;
    let s = scene(&app, 1).await;
    let other = register_seller(&app, "other").await;
    for (who, tok) in [
        ("REVIEWER", reviewer()),
        ("ANALYST", analyst()),
        ("BRAND_AGENT", agent(&s.brand)),
        ("SELLER itself", seller_token(&s.seller)),
        ("SELLER other", seller_token(&other)),
    ] {
        let before = Before::take(&app).await;
        let resp = add_identifier(&app, &tok, &s.seller, "PHONE", "+1 555 0199").await;
        assert_error(&resp, "FORBIDDEN", None);
        before.unchanged(&app, who).await;
    }
    add(&app, &s.seller, "PHONE", "+1 555 0199").await;
    assert_eq!(stored(&app, &s.seller).await, pairs(&[("PHONE", "15550199")]));
}

#[tokio::test]
async fn seller_identifiers_and_network_are_forbidden_to_brand_agents_and_sellers() {
    let app = spawn().await;
    let s = scene(&app, 1).await;
    let other = register_seller(&app, "other").await;
    add(&app, &s.seller, "PHONE", "555").await;
    add(&app, &other, "PHONE", "555").await;
    let identifiers = "query($id: ID!) { seller(id: $id) { identifiers { kind value } } }";
    let net = "query($id: ID!) { seller(id: $id) { network(maxHops: 1) { truncated members { hops } } } }";
    for (who, tok) in [
        ("BRAND_AGENT", agent(&s.brand)),
        ("SELLER itself", seller_token(&s.seller)),
        ("SELLER other", seller_token(&other)),
    ] {
        for query in [identifiers, net] {
            let resp = app.gql(Some(&tok), query, json!({"id": s.seller})).await;
            assert_eq!(code(&resp), "FORBIDDEN", "{who}: {resp:#}");
        }
    }
    for (who, tok) in [("ADMIN", admin()), ("REVIEWER", reviewer()), ("ANALYST", analyst())] {
        let data = app.data(&tok, identifiers, json!({"id": s.seller})).await;
        assert_eq!(data["seller"]["identifiers"], json!([{"kind": "PHONE", "value": "555"}]), "{who}");
        let data = app.data(&tok, net, json!({"id": s.seller})).await;
        assert_eq!(data["seller"]["network"]["members"], json!([{"hops": 0}, {"hops": 1}]), "{who}");
    }
}

// =============================================================================================
// repeatOffenders
// =============================================================================================

#[tokio::test]
async fn repeat_offenders_order_most_active_strikes_first_then_by_id() {
    let app = spawn().await;
    let s = sellers(&app, 7).await;
    let mut k = Strikes::new(&app.app.db, "Acme").await;
    // (seller, active strikes): ties at 3 between s[0], s[2] and s[5].
    for (i, n) in [(0, 3), (1, 5), (2, 3), (3, 4), (4, 1), (5, 3), (6, 2)] {
        k.active(&s[i], n).await;
    }
    k.expired(&s[4], 4).await;
    k.voided(&s[6], 3).await;
    let by_id = |list: &[usize]| list.iter().map(|&i| s[i].clone()).collect::<Vec<_>>();
    assert_eq!(repeat_ids(&app, &admin(), 3, None).await, by_id(&[1, 3, 0, 2, 5]));
    assert_eq!(repeat_ids(&app, &admin(), 4, None).await, by_id(&[1, 3]));
    assert_eq!(repeat_ids(&app, &admin(), 5, None).await, by_id(&[1]));
    assert_eq!(repeat_ids(&app, &admin(), 6, None).await, Vec::<String>::new());
    assert_eq!(repeat_ids(&app, &admin(), 1, None).await, by_id(&[1, 3, 0, 2, 5, 6, 4]));
    // The default threshold is 3.
    let data = app.data(&admin(), "{ repeatOffenders(first: 100) { totalCount nodes { id } } }", json!({})).await;
    assert_eq!(ids_of(&data["repeatOffenders"]["nodes"]), by_id(&[1, 3, 0, 2, 5]));
    // Each listed with its active strikes.
    let resp = repeat(&app, &admin(), 1, None, Some(100), None).await;
    let counts: Vec<i64> = resp["data"]["repeatOffenders"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["activeStrikeCount"].as_i64().expect("count"))
        .collect();
    assert_eq!(counts, vec![5, 4, 3, 3, 3, 2, 1]);
}

#[tokio::test]
async fn repeat_offenders_page_with_first_and_after() {
    let app = spawn().await;
    let s = sellers(&app, 6).await;
    let mut k = Strikes::new(&app.app.db, "Acme").await;
    for (i, n) in [(0, 3), (1, 4), (2, 3), (3, 6), (4, 3), (5, 2)] {
        k.active(&s[i], n).await;
    }
    let expected: Vec<String> = [3, 1, 0, 2, 4].iter().map(|&i| s[i].clone()).collect();
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let resp = repeat(&app, &admin(), 3, None, Some(2), after.as_deref()).await;
        assert!(resp.get("errors").is_none(), "{resp:#}");
        let conn = &resp["data"]["repeatOffenders"];
        assert_eq!(conn["totalCount"], 5, "totalCount counts the whole list on every page");
        let ids = ids_of(&conn["nodes"]);
        pages += 1;
        seen.extend(ids.clone());
        if conn["pageInfo"]["hasNextPage"] != true {
            assert_eq!(ids.len(), 1, "the last page");
            break;
        }
        assert_eq!(ids.len(), 2);
        after = Some(str_at(conn, "/pageInfo/endCursor"));
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, expected);
    let resp = repeat(&app, &admin(), 3, None, Some(0), None).await;
    assert_eq!(code(&resp), "BAD_USER_INPUT", "first: 0 {resp:#}");
    let resp = repeat(&app, &admin(), 3, None, Some(2), Some("not-a-cursor")).await;
    assert_eq!(code(&resp), "BAD_USER_INPUT", "malformed cursor {resp:#}");
}

#[tokio::test]
async fn repeat_offenders_with_brand_id_count_only_that_brands_strikes() {
    let app = spawn().await;
    let s = sellers(&app, 4).await;
    let mut acme = Strikes::new(&app.app.db, "Acme").await;
    let mut bolt = Strikes::new(&app.app.db, "Bolt").await;
    let (brand_a, brand_b) = (gid(Kind::Brand, acme.brand), gid(Kind::Brand, bolt.brand));
    // s0: 2 + 2; s1: 0 + 3; s2: 3 + 0; s3: 1 + 1, and expired ones of Acme.
    acme.active(&s[0], 2).await;
    bolt.active(&s[0], 2).await;
    bolt.active(&s[1], 3).await;
    acme.active(&s[2], 3).await;
    acme.active(&s[3], 1).await;
    bolt.active(&s[3], 1).await;
    acme.expired(&s[3], 5).await;
    acme.voided(&s[1], 3).await;
    let list = |v: &[usize]| v.iter().map(|&i| s[i].clone()).collect::<Vec<_>>();
    assert_eq!(repeat_ids(&app, &admin(), 3, None).await, list(&[0, 1, 2]));
    assert_eq!(repeat_ids(&app, &admin(), 2, Some(&brand_a)).await, list(&[2, 0]));
    assert_eq!(repeat_ids(&app, &admin(), 3, Some(&brand_a)).await, list(&[2]));
    assert_eq!(repeat_ids(&app, &admin(), 1, Some(&brand_a)).await, list(&[2, 0, 3]));
    assert_eq!(repeat_ids(&app, &admin(), 3, Some(&brand_b)).await, list(&[1]));
    assert_eq!(repeat_ids(&app, &admin(), 1, Some(&brand_b)).await, list(&[1, 0, 3]));
    // The brand's agent, naming its own brand, gets the same list.
    assert_eq!(repeat_ids(&app, &agent(&brand_a), 2, Some(&brand_a)).await, list(&[2, 0]));
    assert_eq!(repeat_ids(&app, &agent(&brand_b), 1, Some(&brand_b)).await, list(&[1, 0, 3]));
}

#[tokio::test]
async fn repeat_offenders_do_not_count_voided_or_expired_strikes() {
    let app = spawn().await;
    // Through the workflow: three removals, one reinstated on a counter-notice, one upheld.
    let s = scene(&app, 3).await;
    let notice = submit(&app, &s.brand, &s.tm, &s.listings).await;
    for item in &notice.items {
        remove(&app, item).await;
    }
    assert_eq!(repeat_ids(&app, &admin(), 3, None).await, vec![s.seller.clone()]);
    let reinstated = file_counter(&app, &s.seller, &notice.items[0]).await;
    resolve(&app, &reinstated, "REINSTATE").await;
    let upheld = file_counter(&app, &s.seller, &notice.items[1]).await;
    resolve(&app, &upheld, "UPHOLD").await;
    // Another seller: two removals and an expired strike.
    let other = register_seller(&app, "other").await;
    let listings = create_listings(&app, &other, 2).await;
    let second = submit(&app, &s.brand, &s.tm, &listings).await;
    for item in &second.items {
        remove(&app, item).await;
    }
    let mut k = Strikes::new(&app.app.db, "Bolt").await;
    k.expired(&other, 1).await;
    assert_eq!(repeat_ids(&app, &admin(), 3, None).await, Vec::<String>::new());
    assert_eq!(repeat_ids(&app, &admin(), 2, None).await, vec![s.seller.clone(), other.clone()]);
    assert_eq!(seller_state(&app, &s.seller).await.1, 2);
    assert_eq!(seller_state(&app, &other).await.1, 2);
    // Only the brand's own strikes, voided and expired ones still left out.
    assert_eq!(repeat_ids(&app, &admin(), 2, Some(&s.brand)).await, vec![s.seller.clone(), other.clone()]);
    assert_eq!(repeat_ids(&app, &admin(), 1, Some(&gid(Kind::Brand, k.brand))).await, Vec::<String>::new());
}

#[tokio::test]
async fn repeat_offenders_drop_a_seller_once_its_strikes_expire_without_a_job() {
    let ttl = Duration::from_secs(3);
    let app = spawn_with(RulesConfig { strike_ttl: ttl, ..Default::default() }).await;
    let s = scene(&app, 3).await;
    // A partner sharing a phone: the cluster and the network count the same strikes.
    let partner = register_seller(&app, "partner").await;
    add(&app, &s.seller, "PHONE", "+1 555 0303").await;
    add(&app, &partner, "PHONE", "15550303").await;
    let notice = submit(&app, &s.brand, &s.tm, &s.listings).await;
    let started = Instant::now();
    for item in &notice.items {
        remove(&app, item).await;
    }
    let last_strike = Instant::now();
    let listed = repeat_ids(&app, &admin(), 3, None).await;
    let state = seller_state(&app, &s.seller).await;
    let clustered = clusters(&app, 2, 3).await;
    let (_, _, in_network, _) = network(&app, &partner, 1).await;
    assert!(
        started.elapsed() < ttl,
        "the removals and the first read took {:?}, longer than the strike TTL: the test cannot tell",
        started.elapsed()
    );
    assert_eq!(listed, vec![s.seller.clone()]);
    assert_eq!(state, ("SUSPENDED".to_owned(), 3));
    assert_eq!(clustered, vec![cluster(2, 3, &[&s.seller, &partner])]);
    assert_eq!(in_network, 3);
    tokio::time::sleep((last_strike + ttl + Duration::from_millis(300)).saturating_duration_since(Instant::now()))
        .await;
    assert_eq!(repeat_ids(&app, &admin(), 3, None).await, Vec::<String>::new());
    assert_eq!(repeat_ids(&app, &admin(), 1, None).await, Vec::<String>::new());
    assert_eq!(repeat_ids(&app, &admin(), 1, Some(&s.brand)).await, Vec::<String>::new());
    assert_eq!(clusters(&app, 2, 1).await, Vec::<Cluster>::new());
    assert_eq!(network(&app, &partner, 1).await.2, 0);
    // Expiry alone changes no status.
    assert_eq!(seller_state(&app, &s.seller).await, ("SUSPENDED".to_owned(), 0));
}

/// The counts kept on a seller row and its component go stale when a counted strike expires: reads
/// recount such rows themselves, and the server's sweep (here called by hand) brings them up to date.
#[tokio::test]
async fn repeat_offenders_and_clusters_recount_stale_kept_counts_and_the_sweep_refreshes_them() {
    let app = spawn().await;
    let db = &app.app.db;
    let s = sellers(&app, 2).await;
    let mut k = Strikes::new(db, "Acme").await;
    k.active(&s[0], 3).await;
    k.active(&s[1], 2).await;
    let kept = |id: i64| async move {
        let row = entity::seller::Entity::find_by_id(id).one(db).await.expect("seller").expect("row");
        (row.active_strikes, row.strikes_recount_at)
    };
    let now = now_micros();
    assert_eq!(kept(key(&s[0])).await.0, 3, "the writer of the strikes counted them");
    assert!(kept(key(&s[0])).await.1.is_some_and(|at| at > now));
    // Linking the two merges their components: the component keeps the sum of their counts.
    add(&app, &s[0], "PHONE", "+1 555 0404").await;
    add(&app, &s[1], "PHONE", "1-555-0404").await;
    let component = |id: i64| async move {
        let row = entity::seller_cluster::Entity::find_by_id(id).one(db).await.expect("cluster").expect("row");
        (row.active_strikes, row.strikes_recount_at)
    };
    let label = key(&s[0]).min(key(&s[1]));
    assert_eq!(component(label).await.0, 5);
    // Two of the three strikes expire, as time would have it: the kept count still says 3.
    expire_unrecounted(db, &s[0], 2).await;
    assert_eq!(kept(key(&s[0])).await.0, 3);
    assert_eq!(component(label).await.0, 5);
    let pair = |total| vec![cluster(2, total, &[&s[0], &s[1]])];
    assert_eq!(clusters(&app, 2, 1).await, pair(3), "the stale component is recounted by the read");
    assert_eq!(clusters(&app, 2, 4).await, Vec::<Cluster>::new());

    let read = async || {
        let resp = repeat(&app, &admin(), 1, None, Some(10), None).await;
        let nodes = resp["data"]["repeatOffenders"]["nodes"].as_array().expect("nodes").clone();
        nodes
            .iter()
            .map(|n| (n["id"].as_str().expect("id").to_owned(), n["activeStrikeCount"].clone()))
            .collect::<Vec<_>>()
    };
    let want = vec![(s[1].clone(), json!(2)), (s[0].clone(), json!(1))];
    assert_eq!(read().await, want, "the stale row is recounted by the read");
    assert_eq!(repeat_ids(&app, &admin(), 3, None).await, Vec::<String>::new());

    let swept = rightsgraph::sellers::strikes::sweep(db, now_micros()).await.expect("sweep");
    assert_eq!(swept, 1, "only the stale row is recounted");
    let (count, at) = kept(key(&s[0])).await;
    assert_eq!(count, 1);
    assert!(at.is_some_and(|at| at > now), "fresh until its remaining strike expires");
    assert_eq!(read().await, want);
    let (total, at) = component(label).await;
    assert_eq!(total, 3, "the sweep recounts the component too");
    assert!(at.is_some_and(|at| at > now));
    assert_eq!(clusters(&app, 2, 1).await, pair(3));
    assert_eq!(rightsgraph::sellers::strikes::sweep(db, now_micros()).await.expect("sweep"), 0);
}

/// Makes `n` of `seller`'s strikes expire an hour ago without recounting it, as time would: its
/// kept count (and its component's total) stays as it was, stale since then.
async fn expire_unrecounted(db: &DatabaseConnection, seller: &str, n: usize) {
    let expired_at = now_micros() - HOUR;
    let strikes = entity::strike::Entity::find()
        .filter(entity::strike::Column::SellerId.eq(key(seller)))
        .all(db)
        .await
        .expect("strikes");
    assert!(strikes.len() >= n);
    for strike in strikes.into_iter().take(n) {
        let mut strike = strike.into_active_model();
        strike.expires_at = Set(expired_at);
        strike.update(db).await.expect("expire");
    }
    let mut row = entity::seller::Entity::find_by_id(key(seller)).one(db).await.expect("seller").expect("row");
    row.strikes_recount_at = Some(expired_at);
    let cluster = row.cluster_id;
    row.into_active_model().reset_all().update(db).await.expect("stale");
    let Some(cluster) = cluster else { return };
    if let Some(mut found) = entity::seller_cluster::Entity::find_by_id(cluster).one(db).await.expect("cluster") {
        found.strikes_recount_at = Some(expired_at);
        found.into_active_model().reset_all().update(db).await.expect("stale");
    }
}

/// Every page of `repeatOffenders(minActiveStrikes: min)` at `first` rows, as ADMIN: the ids in
/// the order listed, and each page's `totalCount`.
async fn repeat_pages(app: &TestApp, min: i64, first: i64) -> (Vec<(String, i64)>, BTreeSet<i64>) {
    let (mut seen, mut totals, mut after) = (Vec::new(), BTreeSet::new(), None::<String>);
    for _ in 0..20 {
        let resp = repeat(app, &admin(), min, None, Some(first), after.as_deref()).await;
        assert!(resp.get("errors").is_none(), "{resp:#}");
        let conn = &resp["data"]["repeatOffenders"];
        totals.insert(conn["totalCount"].as_i64().expect("totalCount"));
        for node in conn["nodes"].as_array().expect("nodes") {
            seen.push((str_at(node, "/id"), node["activeStrikeCount"].as_i64().expect("count")));
        }
        if conn["pageInfo"]["hasNextPage"] != true {
            return (seen, totals);
        }
        after = Some(str_at(conn, "/pageInfo/endCursor"));
    }
    panic!("paging does not end: {seen:?}");
}

/// The list is read from two parts, the exact kept counts in their index's order and the stale
/// ones recounted: whatever the page size, the pages follow one order (most strikes first, ties by
/// id), a stale seller taking its place by its count now, and one whose count fell below the
/// minimum not listed.
#[tokio::test]
async fn repeat_offenders_and_clusters_page_in_one_order_across_exact_and_stale_counts() {
    let app = spawn().await;
    let db = &app.app.db;
    let s = sellers(&app, 5).await;
    let mut k = Strikes::new(db, "Acme").await;
    for (i, n) in [(0, 5), (1, 6), (2, 4), (3, 3), (4, 4)] {
        k.active(&s[i], n).await;
    }
    // s1 keeps 6 but has 3 now; s4 keeps 4 but has 2 now, below the minimum.
    expire_unrecounted(db, &s[1], 3).await;
    expire_unrecounted(db, &s[4], 2).await;
    let want: Vec<(String, i64)> = [(0, 5), (2, 4), (1, 3), (3, 3)].iter().map(|&(i, n)| (s[i].clone(), n)).collect();
    for first in [1, 2, 3, 10] {
        let (seen, totals) = repeat_pages(&app, 3, first).await;
        assert_eq!(seen, want, "pages of {first}");
        assert_eq!(totals, BTreeSet::from([4]), "totalCount on every page of {first}");
    }

    // Components: {s0, s2} exact 9, {s1, s3} stale 9 kept, 6 now, {s4} alone.
    add(&app, &s[0], "PHONE", "+1 555 0710").await;
    add(&app, &s[2], "PHONE", "1-555-0710").await;
    add(&app, &s[1], "EMAIL", "stale.pair@example.com").await;
    add(&app, &s[3], "EMAIL", "STALE.PAIR@example.com").await;
    expire_unrecounted(db, &s[3], 1).await;
    let exact = cluster(2, 9, &[&s[0], &s[2]]);
    let stale = cluster(2, 5, &[&s[1], &s[3]]);
    assert_eq!(clusters(&app, 2, 1).await, vec![exact.clone(), stale.clone()]);
    let (one, total, more, after) = clusters_page(&app, 2, 1, 1, None).await;
    assert_eq!((one, total, more), (vec![exact.clone()], 2, true));
    let (two, total, more, _) = clusters_page(&app, 2, 1, 1, after.as_str()).await;
    assert_eq!((two, total, more), (vec![stale], 2, false));
    // With sellers alone: s4 (2 now) after both pairs.
    assert_eq!(clusters(&app, 1, 1).await, vec![exact, cluster(2, 5, &[&s[1], &s[3]]), cluster(1, 2, &[&s[4]])]);
}

#[tokio::test]
async fn repeat_offenders_min_active_strikes_below_one_is_bad_user_input() {
    let app = spawn().await;
    let s = scene(&app, 0).await;
    for min in [0, -1] {
        let resp = repeat(&app, &admin(), min, None, None, None).await;
        assert_error(&resp, "BAD_USER_INPUT", Some("minActiveStrikes"));
        let resp = repeat(&app, &agent(&s.brand), min, Some(&s.brand), None, None).await;
        assert_error(&resp, "BAD_USER_INPUT", Some("minActiveStrikes"));
    }
}

#[tokio::test]
async fn repeat_offenders_roles_staff_and_brand_agent_with_its_own_brand_only() {
    let app = spawn().await;
    let s = sellers(&app, 2).await;
    let mut acme = Strikes::new(&app.app.db, "Acme").await;
    let mut bolt = Strikes::new(&app.app.db, "Bolt").await;
    let (brand_a, brand_b) = (gid(Kind::Brand, acme.brand), gid(Kind::Brand, bolt.brand));
    acme.active(&s[0], 3).await;
    bolt.active(&s[1], 3).await;
    for (who, tok) in [("ADMIN", admin()), ("REVIEWER", reviewer()), ("ANALYST", analyst())] {
        assert_eq!(repeat_ids(&app, &tok, 3, None).await, s.clone(), "{who}");
        assert_eq!(repeat_ids(&app, &tok, 3, Some(&brand_b)).await, vec![s[1].clone()], "{who}");
    }
    assert_eq!(repeat_ids(&app, &agent(&brand_a), 3, Some(&brand_a)).await, vec![s[0].clone()]);
    for (who, tok, brand) in [
        ("BRAND_AGENT without brandId", agent(&brand_a), None),
        ("BRAND_AGENT with another brand", agent(&brand_a), Some(brand_b.as_str())),
        ("SELLER", seller_token(&s[0]), None),
        ("SELLER with brandId", seller_token(&s[0]), Some(brand_a.as_str())),
    ] {
        let resp = repeat(&app, &tok, 3, brand, None, None).await;
        assert_eq!(code(&resp), "FORBIDDEN", "{who}: {resp:#}");
        assert!(resp["data"].is_null() || resp["data"]["repeatOffenders"].is_null(), "{who}: {resp:#}");
    }
}

// =============================================================================================
// Seller.network
// =============================================================================================

/// A chain A–B (shared phone), B–C (shared payment account), C–D (shared address), and E apart.
async fn chain(app: &TestApp) -> Vec<String> {
    let s = sellers(app, 5).await;
    add(app, &s[0], "PHONE", "+44 20 7946 0958").await;
    add(app, &s[1], "PHONE", "(44) 2079-460958").await;
    add(app, &s[1], "PAYMENT_ACCOUNT", "ACCT-CHAIN-1").await;
    add(app, &s[2], "PAYMENT_ACCOUNT", " acct-chain-1 ").await;
    add(app, &s[2], "ADDRESS", "221B Baker Street, London").await;
    add(app, &s[3], "ADDRESS", "221b baker street -- LONDON").await;
    // Identifiers nobody shares, and one shared only across kinds (which links nothing).
    add(app, &s[0], "EMAIL", "a@shop.example").await;
    add(app, &s[3], "DEVICE", "442079460958").await;
    add(app, &s[4], "PHONE", "999").await;
    s
}

#[tokio::test]
async fn network_walks_breadth_first_up_to_max_hops() {
    let app = spawn().await;
    let s = chain(&app).await;
    let (a, b, c, d) = (&s[0], &s[1], &s[2], &s[3]);
    let ab = link(a, b, "PHONE");
    let bc = link(b, c, "PAYMENT_ACCOUNT");
    let cd = link(c, d, "ADDRESS");

    let (members, links, _, truncated) = network(&app, a, 1).await;
    assert_eq!(members, at_hops(&[(a, 0), (b, 1)]));
    assert_eq!(links, vec![ab.clone()]);
    assert!(!truncated);

    let (members, links, _, _) = network(&app, a, 2).await;
    assert_eq!(members, at_hops(&[(a, 0), (b, 1), (c, 2)]));
    assert_eq!(links, sorted(vec![ab.clone(), bc.clone()]));

    for hops in [3, 4] {
        let (members, links, _, truncated) = network(&app, a, hops).await;
        assert_eq!(members, at_hops(&[(a, 0), (b, 1), (c, 2), (d, 3)]), "maxHops {hops}");
        assert_eq!(links, sorted(vec![ab.clone(), bc.clone(), cd.clone()]), "maxHops {hops}");
        assert!(!truncated);
    }

    // From the middle: both neighbours at one hop, by id.
    let (members, links, _, _) = network(&app, c, 1).await;
    assert_eq!(members, at_hops(&[(c, 0), (b, 1), (d, 1)]));
    assert_eq!(links, sorted(vec![bc.clone(), cd.clone()]));
    let (members, _, _, _) = network(&app, d, 4).await;
    assert_eq!(members, at_hops(&[(d, 0), (c, 1), (b, 2), (a, 3)]));

    // A seller linked to nobody is its own network.
    let (members, links, total, truncated) = network(&app, &s[4], 4).await;
    assert_eq!(members, at_hops(&[(&s[4], 0)]));
    assert!(links.is_empty());
    assert_eq!((total, truncated), (0, false));

    // maxHops defaults to 2.
    let data = app
        .data(
            &admin(),
            "query($id: ID!) { seller(id: $id) { network { members { hops seller { id } } } } }",
            json!({"id": a}),
        )
        .await;
    let hops: Vec<i64> = data["seller"]["network"]["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["hops"].as_i64().expect("hops"))
        .collect();
    assert_eq!(hops, vec![0, 1, 2]);
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

#[tokio::test]
async fn network_links_list_each_pair_once_per_kind() {
    let app = spawn().await;
    let s = sellers(&app, 4).await;
    let (x, y, z, w) = (&s[0], &s[1], &s[2], &s[3]);
    // x and y share two phones and an email; all three share that email; y and z a device.
    add(&app, x, "PHONE", "+1 555 0101").await;
    add(&app, y, "PHONE", "1-555-0101").await;
    add(&app, x, "PHONE", "+1 555 0102").await;
    add(&app, y, "PHONE", "15550102").await;
    add(&app, x, "EMAIL", "Ring.Leader+x@gmail.com").await;
    add(&app, y, "EMAIL", "ringleader@googlemail.com").await;
    add(&app, z, "EMAIL", "RINGLEADER+z@gmail.com").await;
    add(&app, y, "DEVICE", "dev-9").await;
    add(&app, z, "DEVICE", "DEV-9").await;
    // w hangs off z by an address: two hops from x.
    add(&app, z, "ADDRESS", "1 Main St.").await;
    add(&app, w, "ADDRESS", "1 MAIN ST").await;

    let (members, links, _, _) = network(&app, x, 1).await;
    assert_eq!(members, at_hops(&[(x, 0), (y, 1), (z, 1)]));
    assert_eq!(
        links,
        sorted(vec![
            link(x, y, "PHONE"),
            link(x, y, "EMAIL"),
            link(x, z, "EMAIL"),
            link(y, z, "EMAIL"),
            link(y, z, "DEVICE"),
        ])
    );
    // Links only among the members: z–w appears once w is one.
    let (members, links, _, _) = network(&app, x, 2).await;
    assert_eq!(members, at_hops(&[(x, 0), (y, 1), (z, 1), (w, 2)]));
    assert_eq!(links.len(), 6);
    assert!(links.contains(&link(z, w, "ADDRESS")));
}

/// Links written out in one pass (plain fields only) must read exactly as the general,
/// field-by-field path answers them; a directive is one thing that sends a selection down it.
#[tokio::test]
async fn network_links_read_the_same_on_the_one_pass_and_the_general_path() {
    let app = spawn().await;
    let s = sellers(&app, 4).await;
    for seller in &s {
        add(&app, seller, "PAYMENT_ACCOUNT", "ACCT-1").await;
    }
    add(&app, &s[0], "PHONE", "+1 555 0101").await;
    add(&app, &s[3], "PHONE", "1-555-0101").await;
    let query = |links: &str| {
        format!(
            "query($id: ID!) {{ seller(id: $id) {{ network(maxHops: 2) {{ links {{ {links} }} }} }} }} \
             fragment S on Seller {{ status createdAt }}"
        )
    };
    let plain = "__typename kind a { id handle ...S } x: b { ... on Seller { id displayName country } __typename }";
    let general = "__typename kind a { id handle ...S } x: b { ... on Seller { id displayName country } __typename @include(if: true) }";
    let admin = admin();
    let fast = app.data(&admin, &query(plain), json!({ "id": s[0] })).await;
    let slow = app.data(&admin, &query(general), json!({ "id": s[0] })).await;
    let links = fast["seller"]["network"]["links"].as_array().expect("links");
    // Six pairs share the account, and s0–s3 also a phone.
    assert_eq!(links.len(), 7, "{fast:#}");
    assert_eq!(fast, slow);
    assert_eq!(links[0]["__typename"], "SellerLink");
    assert_eq!(links[0]["kind"], "PAYMENT_ACCOUNT");
    assert_eq!(links[0]["a"]["id"], json!(s[0]));
    assert_eq!(links[0]["a"]["status"], "ACTIVE");
    assert_eq!(links[0]["x"]["id"], json!(s[1]));
    assert_eq!(links[0]["x"]["__typename"], "Seller");
    // Ids alone need no seller rows, and read the same.
    let only_ids = "query($id: ID!) { seller(id: $id) { network(maxHops: 2) { links { a { id } b { id } } } } }";
    let ids = app.data(&admin, only_ids, json!({ "id": s[0] })).await;
    let pairs: Vec<(Value, Value)> = ids["seller"]["network"]["links"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| (l["a"]["id"].clone(), l["b"]["id"].clone()))
        .collect();
    let want: Vec<(Value, Value)> = links.iter().map(|l| (l["a"]["id"].clone(), l["x"]["id"].clone())).collect();
    assert_eq!(pairs, want);
}

#[tokio::test]
async fn network_total_active_strikes_sums_the_members() {
    let app = spawn().await;
    let s = chain(&app).await;
    let mut k = Strikes::new(&app.app.db, "Acme").await;
    k.active(&s[0], 2).await;
    k.active(&s[1], 1).await;
    k.expired(&s[1], 2).await;
    k.voided(&s[1], 1).await;
    k.active(&s[2], 3).await;
    k.expired(&s[3], 1).await;
    k.active(&s[4], 7).await;
    for (hops, total) in [(1, 3), (2, 6), (3, 6), (4, 6)] {
        let (_, _, got, _) = network(&app, &s[0], hops).await;
        assert_eq!(got, total, "maxHops {hops}");
    }
    let (_, _, got, _) = network(&app, &s[3], 1).await;
    assert_eq!(got, 3);
    let (_, _, got, _) = network(&app, &s[4], 4).await;
    assert_eq!(got, 7);
}

#[tokio::test]
async fn network_max_hops_outside_1_to_4_is_bad_user_input() {
    let app = spawn().await;
    let s = chain(&app).await;
    for hops in [0, 5, -1, 100] {
        for tok in [admin(), analyst()] {
            let resp = app.gql(Some(&tok), NETWORK, json!({"id": s[0], "hops": hops})).await;
            assert_eq!(code(&resp), "BAD_USER_INPUT", "maxHops {hops}: {resp:#}");
            assert_eq!(resp["errors"][0]["extensions"]["field"], "maxHops", "maxHops {hops}: {resp:#}");
        }
    }
}

#[tokio::test]
async fn network_lists_at_most_500_members_and_says_when_truncated() {
    let app = spawn().await;
    let admin_identity = identity(Role::Admin);
    let mut b = Builder::new(&app.app.db);
    let mut big = Vec::new();
    for i in 0..502 {
        big.push(gid(Kind::Seller, b.seller(&format!("big-{i}")).await));
    }
    let mut exact = Vec::new();
    for i in 0..500 {
        exact.push(gid(Kind::Seller, b.seller(&format!("exact-{i}")).await));
    }
    for (members, account) in [(&big, "ACCT-BIG"), (&exact, "acct-exact")] {
        for seller in members.iter() {
            let seller =
                rightsgraph::ids::Key::<rightsgraph::objects::Seller>::decode(seller, "sellerId").expect("seller id");
            let identifier =
                rightsgraph::sellers::identifier::Identifier::parse(IdentifierKind::PaymentAccount, account, "value")
                    .expect("identifier");
            rightsgraph::sellers::service::add_identifier(
                &app.app.shared,
                &admin_identity,
                now_micros(),
                seller,
                identifier,
            )
            .await
            .expect("add identifier");
        }
    }
    let query = "query($id: ID!, $hops: Int!) { seller(id: $id) { network(maxHops: $hops) {
        members { hops seller { id } } totalActiveStrikes truncated } } }";

    // 502 reachable: the root and the 499 others of smallest id, and truncated.
    for hops in [1, 4] {
        let data = app.data(&admin(), query, json!({"id": big[0], "hops": hops})).await;
        let net = &data["seller"]["network"];
        assert_eq!(net["truncated"], true, "maxHops {hops}");
        let members: Vec<(String, i64)> = net["members"]
            .as_array()
            .expect("members")
            .iter()
            .map(|m| (str_at(m, "/seller/id"), m["hops"].as_i64().expect("hops")))
            .collect();
        assert_eq!(members.len(), 500, "maxHops {hops}");
        let expected: Vec<(String, i64)> =
            big.iter().take(500).enumerate().map(|(i, s)| (s.clone(), i64::from(i > 0))).collect();
        assert_eq!(members, expected, "maxHops {hops}: breadth first, ties by id");
    }
    // From a member in the middle: still 500, still truncated.
    let data = app.data(&admin(), query, json!({"id": big[300], "hops": 2})).await;
    assert_eq!(data["seller"]["network"]["truncated"], true);
    assert_eq!(data["seller"]["network"]["members"].as_array().expect("members").len(), 500);

    // Exactly 500 reachable: all of them, not truncated.
    for root in [&exact[0], &exact[499]] {
        let data = app.data(&admin(), query, json!({"id": root, "hops": 4})).await;
        let net = &data["seller"]["network"];
        assert_eq!(net["truncated"], false);
        let members: BTreeSet<String> =
            net["members"].as_array().expect("members").iter().map(|m| str_at(m, "/seller/id")).collect();
        assert_eq!(members, exact.iter().cloned().collect::<BTreeSet<_>>());
    }
    // The rings are two components of their sizes.
    assert_labels_are_the_components(&app.app.db, "two rings").await;
    let sizes: Vec<i64> = entity::seller_cluster::Entity::find()
        .all(&app.app.db)
        .await
        .expect("clusters")
        .iter()
        .map(|c| c.size)
        .collect();
    assert_eq!(sorted(sizes), vec![500, 502]);
}

// =============================================================================================
// offenderClusters
// =============================================================================================

#[tokio::test]
async fn offender_clusters_merge_when_a_shared_identifier_is_added() {
    let app = spawn().await;
    let s = sellers(&app, 5).await;
    let (a, b, c, d) = (&s[0], &s[1], &s[2], &s[3]);
    let mut k = Strikes::new(&app.app.db, "Acme").await;
    k.active(a, 1).await;
    k.active(b, 2).await;
    k.active(d, 3).await;
    k.expired(c, 4).await;
    k.active(&s[4], 1).await;
    add(&app, a, "PHONE", "+1 555 0001").await;
    add(&app, b, "PHONE", "15550001").await;
    add(&app, c, "EMAIL", "c.d@gmail.com").await;
    add(&app, d, "EMAIL", "cd+x@googlemail.com").await;
    // Two clusters of 2 with 3 strikes each: the one with the smaller member id first.
    assert_eq!(clusters(&app, 2, 1).await, vec![cluster(2, 3, &[a, b]), cluster(2, 3, &[c, d])]);
    assert_labels_are_the_components(&app.app.db, "two pairs").await;
    // An identifier b and c now share makes one cluster of four.
    add(&app, b, "ADDRESS", "9 Harbour Rd, Wan Chai").await;
    add(&app, c, "ADDRESS", "9 HARBOUR RD. -- WAN CHAI").await;
    assert_eq!(clusters(&app, 2, 1).await, vec![cluster(4, 6, &[a, b, c, d])]);
    assert_eq!(clusters(&app, 4, 6).await, vec![cluster(4, 6, &[a, b, c, d])]);
    assert_eq!(clusters(&app, 5, 1).await, Vec::<Cluster>::new());
    assert_eq!(clusters(&app, 2, 7).await, Vec::<Cluster>::new());
    assert_labels_are_the_components(&app.app.db, "merged").await;
    // The fifth seller joins through an identifier shared with a merged member.
    add(&app, &s[4], "PHONE", "(1) 555-0001").await;
    assert_eq!(clusters(&app, 2, 1).await, vec![cluster(5, 7, &[a, b, c, d, &s[4]])]);
    assert_labels_are_the_components(&app.app.db, "five").await;
    // The seller's own network sees the same five.
    let (members, _, total, _) = network(&app, d, 4).await;
    assert_eq!(members.len(), 5);
    assert_eq!(total, 7);
}

/// Fifteen sellers (keys in creation order) linked into clusters:
/// V {0} 2 strikes · P {1, 11} 3 (+1 expired, +1 voided) · Q {2, 3, 4} 3 · R {5, 6} 5 ·
/// T {7, 9} 3 · U {8, 10, 12, 13} 0 (+1 expired) · W {14} 0.
async fn cluster_world(app: &TestApp) -> Vec<String> {
    let s = sellers(app, 15).await;
    let mut k = Strikes::new(&app.app.db, "Acme").await;
    k.active(&s[0], 2).await;
    // P
    k.active(&s[1], 1).await;
    k.active(&s[11], 2).await;
    k.expired(&s[1], 1).await;
    k.voided(&s[11], 1).await;
    add(app, &s[11], "PHONE", "+852 9000 0001").await;
    add(app, &s[1], "PHONE", "852-9000-0001").await;
    // Q
    for (i, spelling) in [(2, "ACCT-Q"), (3, "acct-q"), (4, " Acct-Q ")] {
        k.active(&s[i], 1).await;
        add(app, &s[i], "PAYMENT_ACCOUNT", spelling).await;
    }
    // R
    k.active(&s[5], 5).await;
    add(app, &s[5], "EMAIL", "r.shop+1@gmail.com").await;
    add(app, &s[6], "EMAIL", "rshop@googlemail.com").await;
    // T
    k.active(&s[9], 3).await;
    add(app, &s[7], "ADDRESS", "1 Main St.").await;
    add(app, &s[9], "ADDRESS", "1 MAIN ST").await;
    // U: a chain of kinds
    k.expired(&s[10], 1).await;
    add(app, &s[8], "DEVICE", "d-1").await;
    add(app, &s[10], "DEVICE", "D-1").await;
    add(app, &s[10], "IMAGE_HASH", "h1").await;
    add(app, &s[12], "IMAGE_HASH", "H1").await;
    add(app, &s[12], "BUSINESS_REGISTRATION", "br-1").await;
    add(app, &s[13], "BUSINESS_REGISTRATION", "BR-1").await;
    // Identifiers nobody shares.
    for (i, seller) in s.iter().enumerate() {
        add(app, seller, "EMAIL", &format!("own{i}@shop.example")).await;
    }
    s
}

#[tokio::test]
async fn offender_clusters_order_by_strikes_then_size_then_smallest_member() {
    let app = spawn().await;
    let s = cluster_world(&app).await;
    let r = cluster(2, 5, &[&s[5], &s[6]]);
    let q = cluster(3, 3, &[&s[2], &s[3], &s[4]]);
    let p = cluster(2, 3, &[&s[1], &s[11]]);
    let t = cluster(2, 3, &[&s[7], &s[9]]);
    let v = cluster(1, 2, &[&s[0]]);
    assert_eq!(clusters(&app, 2, 1).await, vec![r.clone(), q.clone(), p.clone(), t.clone()]);
    // The defaults are minMembers 2 and minActiveStrikes 1.
    let data =
        app.data(&admin(), "{ offenderClusters { totalCount nodes { size totalActiveStrikes } } }", json!({})).await;
    assert_eq!(data["offenderClusters"]["totalCount"], 4);
    assert_eq!(
        data["offenderClusters"]["nodes"],
        json!([
            {"size": 2, "totalActiveStrikes": 5},
            {"size": 3, "totalActiveStrikes": 3},
            {"size": 2, "totalActiveStrikes": 3},
            {"size": 2, "totalActiveStrikes": 3},
        ])
    );
    // Paging keeps the order and counts the whole list.
    let (page, total, more, cursor) = clusters_page(&app, 2, 1, 2, None).await;
    assert_eq!((page, total, more), (vec![r.clone(), q.clone()], 4, true));
    let cursor = cursor.as_str().expect("endCursor").to_owned();
    let (page, total, more, _) = clusters_page(&app, 2, 1, 2, Some(&cursor)).await;
    assert_eq!((page, total, more), (vec![p.clone(), t.clone()], 4, false));
    // With single sellers.
    assert_eq!(clusters(&app, 1, 1).await, vec![r, q, p, t, v]);
    assert_labels_are_the_components(&app.app.db, "cluster world").await;
}

#[tokio::test]
async fn offender_clusters_thresholds_min_members_and_min_active_strikes() {
    let app = spawn().await;
    let s = cluster_world(&app).await;
    let r = cluster(2, 5, &[&s[5], &s[6]]);
    let q = cluster(3, 3, &[&s[2], &s[3], &s[4]]);
    let p = cluster(2, 3, &[&s[1], &s[11]]);
    let t = cluster(2, 3, &[&s[7], &s[9]]);
    let v = cluster(1, 2, &[&s[0]]);
    assert_eq!(clusters(&app, 3, 1).await, vec![q.clone()]);
    assert_eq!(clusters(&app, 4, 1).await, Vec::<Cluster>::new());
    assert_eq!(clusters(&app, 2, 3).await, vec![r.clone(), q.clone(), p.clone(), t.clone()]);
    assert_eq!(clusters(&app, 2, 4).await, vec![r.clone()]);
    assert_eq!(clusters(&app, 2, 5).await, vec![r.clone()]);
    assert_eq!(clusters(&app, 2, 6).await, Vec::<Cluster>::new());
    assert_eq!(clusters(&app, 3, 4).await, Vec::<Cluster>::new());
    // minMembers 1 lists single sellers with strikes, never those without.
    assert_eq!(clusters(&app, 1, 2).await, vec![r.clone(), q.clone(), p.clone(), t.clone(), v.clone()]);
    assert_eq!(clusters(&app, 1, 3).await, vec![r.clone(), q, p, t]);
    assert_eq!(clusters(&app, 1, 5).await, vec![r]);
    // A new strike of U's members brings it in, as the largest.
    let mut k = Strikes::new(&app.app.db, "Bolt").await;
    k.active(&s[13], 1).await;
    assert_eq!(clusters(&app, 4, 1).await, vec![cluster(4, 1, &[&s[8], &s[10], &s[12], &s[13]])]);
}

#[tokio::test]
async fn offender_cluster_members_page_by_id() {
    let app = spawn().await;
    let s = sellers(&app, 6).await;
    let mut k = Strikes::new(&app.app.db, "Acme").await;
    k.active(&s[5], 1).await;
    // Added out of id order; the members still come by id.
    for i in [5, 2, 4, 0, 3] {
        add(&app, &s[i], "DEVICE", "shared-device").await;
    }
    let query = "query($first: Int, $after: String) { offenderClusters(first: 1) { nodes { size
        members(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } } } }";
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut sizes = Vec::new();
    loop {
        let data = app.data(&admin(), query, json!({"first": 2, "after": after})).await;
        let conn = &data["offenderClusters"]["nodes"][0]["members"];
        assert_eq!(conn["totalCount"], 5);
        let ids = ids_of(&conn["nodes"]);
        sizes.push(ids.len());
        seen.extend(ids);
        if conn["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = Some(str_at(conn, "/pageInfo/endCursor"));
        assert!(sizes.len() < 10, "paging does not end");
    }
    assert_eq!(sizes, vec![2, 2, 1]);
    assert_eq!(seen, [0, 2, 3, 4, 5].iter().map(|&i| s[i].clone()).collect::<Vec<_>>());
    let data = app.data(&admin(), query, json!({"first": null, "after": null})).await;
    assert_eq!(ids_of(&data["offenderClusters"]["nodes"][0]["members"]["nodes"]), seen);
    let resp = app.gql(Some(&admin()), query, json!({"first": 101})).await;
    assert_eq!(code(&resp), "BAD_USER_INPUT", "{resp:#}");
}

#[tokio::test]
async fn offender_clusters_min_members_below_one_is_bad_user_input() {
    let app = spawn().await;
    for min in [0, -2] {
        let resp = app.gql(Some(&admin()), CLUSTERS, json!({"minMembers": min, "minStrikes": 1, "first": 5})).await;
        assert_error(&resp, "BAD_USER_INPUT", Some("minMembers"));
    }
}

#[tokio::test]
async fn offender_clusters_are_forbidden_to_brand_agents_and_sellers() {
    let app = spawn().await;
    let s = scene(&app, 0).await;
    let other = register_seller(&app, "other").await;
    add(&app, &s.seller, "PHONE", "123").await;
    add(&app, &other, "PHONE", "123").await;
    let mut k = Strikes::new(&app.app.db, "Bolt").await;
    k.active(&other, 1).await;
    let vars = json!({"minMembers": 2, "minStrikes": 1, "first": 5});
    for (who, tok) in [("BRAND_AGENT", agent(&s.brand)), ("SELLER", seller_token(&s.seller))] {
        let resp = app.gql(Some(&tok), CLUSTERS, vars.clone()).await;
        assert_eq!(code(&resp), "FORBIDDEN", "{who}: {resp:#}");
        assert!(resp["data"].is_null(), "{who}: {resp:#}");
    }
    for (who, tok) in [("ADMIN", admin()), ("REVIEWER", reviewer()), ("ANALYST", analyst())] {
        let data = app.data(&tok, CLUSTERS, vars.clone()).await;
        assert_eq!(data["offenderClusters"]["totalCount"], 1, "{who}");
        assert_eq!(data["offenderClusters"]["nodes"][0]["size"], 2, "{who}");
    }
}

/// `(seller index, kind, value)`: the identifiers of a graph with cycles, chords and kinds mixed,
/// whose components are {0..=5}, {6, 7, 8, 9}, {10, 11} and {12}.
const GRAPH: [(usize, &str, &str); 17] = [
    (5, "PHONE", "100"),
    (0, "PHONE", "100"),
    (1, "EMAIL", "x@y.example"),
    (2, "EMAIL", "x@y.example"),
    (2, "ADDRESS", "a street"),
    (4, "ADDRESS", "a street"),
    (3, "DEVICE", "d3"),
    (4, "DEVICE", "d3"),
    (1, "PHONE", "100"),
    (3, "IMAGE_HASH", "h"),
    (0, "IMAGE_HASH", "h"),
    (9, "PAYMENT_ACCOUNT", "p"),
    (6, "PAYMENT_ACCOUNT", "p"),
    (8, "BUSINESS_REGISTRATION", "b"),
    (7, "BUSINESS_REGISTRATION", "b"),
    (8, "PAYMENT_ACCOUNT", "p"),
    (11, "DEVICE", "d11"),
];

/// The clusters of `GRAPH` built on a fresh app, adding its identifiers in `order` (indexes into
/// `GRAPH`), one at a time or all at once.
async fn graph_clusters(order: &[usize], concurrently: bool) -> BTreeSet<Vec<i64>> {
    let app = Arc::new(spawn().await);
    let s = sellers(&app, 13).await;
    let mut k = Strikes::new(&app.app.db, "Acme").await;
    for seller in &s {
        k.active(seller, 1).await;
    }
    add(&app, &s[10], "DEVICE", "d11").await;
    let mut tasks = Vec::new();
    for &i in order {
        let (seller, kind, value) = GRAPH[i];
        let (app2, seller) = (Arc::clone(&app), s[seller].clone());
        let task = tokio::spawn(async move { add_identifier(&app2, &admin(), &seller, kind, value).await });
        if concurrently {
            tasks.push(task);
        } else {
            let answer = task.await.expect("task");
            assert!(answer.get("errors").is_none(), "{answer:#}");
        }
    }
    for answer in join_all(tasks).await {
        let answer = answer.expect("task");
        assert!(answer.get("errors").is_none(), "{answer:#}");
    }
    assert_labels_are_the_components(&app.app.db, &format!("order {order:?}")).await;
    let found = clusters(&app, 1, 1).await;
    let index = |id: &String| s.iter().position(|x| x == id).expect("a seller of the graph") as i64;
    let sets: BTreeSet<Vec<i64>> = found
        .iter()
        .map(|(size, strikes, members)| {
            assert_eq!(*size, members.len() as i64);
            assert_eq!(*strikes, *size, "one strike a seller");
            members.iter().map(index).collect()
        })
        .collect();
    assert_eq!(sets.len(), found.len());
    sets
}

fn expected_graph_clusters() -> BTreeSet<Vec<i64>> {
    [vec![0, 1, 2, 3, 4, 5], vec![6, 7, 8, 9], vec![10, 11], vec![12]].into_iter().collect()
}

#[tokio::test]
async fn cluster_labels_do_not_depend_on_the_order_identifiers_are_added() {
    let forward: Vec<usize> = (0..GRAPH.len()).collect();
    let backward: Vec<usize> = (0..GRAPH.len()).rev().collect();
    // A fixed shuffle: every third, then the rest.
    let shuffled: Vec<usize> =
        (0..GRAPH.len()).filter(|i| i % 3 == 2).chain((0..GRAPH.len()).filter(|i| i % 3 != 2)).collect();
    let expected = expected_graph_clusters();
    for order in [forward, backward, shuffled] {
        assert_eq!(graph_clusters(&order, false).await, expected, "order {order:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cluster_labels_stay_right_under_concurrent_merges() {
    let forward: Vec<usize> = (0..GRAPH.len()).collect();
    let backward: Vec<usize> = (0..GRAPH.len()).rev().collect();
    for order in [forward, backward] {
        assert_eq!(graph_clusters(&order, true).await, expected_graph_clusters(), "order {order:?}");
    }
}

// =============================================================================================
// rightsgraph seed
// =============================================================================================

const PLAN: SeedPlan = SeedPlan { scale: 0.05, seed: 7, append: false, progress: false };

/// Row counts and the sorted cluster sizes of a seeded app.
#[derive(Debug, PartialEq, Eq)]
struct Seeded {
    sellers: u64,
    identifiers: u64,
    listings: u64,
    notices: u64,
    items: u64,
    strikes: u64,
    cluster_sizes: Vec<i64>,
}

async fn seeded(app: &TestApp) -> Seeded {
    let c = counts(app).await;
    let sizes: Vec<i64> = entity::seller_cluster::Entity::find()
        .all(&app.app.db)
        .await
        .expect("clusters")
        .iter()
        .map(|c| c.size)
        .collect();
    Seeded {
        sellers: c.sellers,
        identifiers: c.identifiers,
        listings: c.listings,
        notices: c.notices,
        items: c.items,
        strikes: c.strikes,
        cluster_sizes: sorted(sizes),
    }
}

/// Asserts that `offenderClusters` (minMembers 1, minActiveStrikes 1, every page) lists the
/// components computed here, with their active strikes, in the contract's order.
async fn assert_offender_clusters_are_the_components(app: &TestApp, what: &str) {
    let db = &app.app.db;
    let components = components(db).await;
    let now = now_micros();
    let mut strikes: HashMap<i64, i64> = HashMap::new();
    for k in entity::strike::Entity::find().all(db).await.expect("strikes") {
        if !k.voided && k.expires_at > now {
            *strikes.entry(components[&k.seller_id]).or_default() += 1;
        }
    }
    let mut members: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (seller, root) in &components {
        members.entry(*root).or_default().push(gid(Kind::Seller, *seller));
    }
    let mut expected: Vec<Cluster> = members
        .iter()
        .filter(|(root, _)| strikes.get(root).copied().unwrap_or(0) >= 1)
        .map(|(root, m)| (m.len() as i64, strikes[root], m.clone()))
        .collect();
    expected.sort_by(|x, y| y.1.cmp(&x.1).then(y.0.cmp(&x.0)).then(x.2[0].cmp(&y.2[0])));
    let query = "query($after: String) { offenderClusters(minMembers: 1, minActiveStrikes: 1, first: 100, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } nodes { size totalActiveStrikes members(first: 100) { nodes { id } } } } }";
    let mut got: Vec<Cluster> = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app.data(&admin(), query, json!({"after": after})).await;
        let conn = &data["offenderClusters"];
        assert_eq!(conn["totalCount"], json!(expected.len()), "{what}: totalCount");
        for c in conn["nodes"].as_array().expect("nodes") {
            let size = c["size"].as_i64().expect("size");
            let m = ids_of(&c["members"]["nodes"]);
            // Members beyond the first page are not read here; the first ones must match.
            got.push((size, c["totalActiveStrikes"].as_i64().expect("strikes"), m));
        }
        if conn["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    let expected: Vec<Cluster> =
        expected.into_iter().map(|(size, n, m)| (size, n, m.into_iter().take(100).collect())).collect();
    assert_eq!(got, expected, "{what}: offenderClusters against the components");
}

#[tokio::test]
async fn seed_is_deterministic_for_a_seed() {
    let one = spawn().await;
    let two = spawn().await;
    seed(&one.app.shared, PLAN).await.expect("seed one");
    seed(&two.app.shared, PLAN).await.expect("seed two");
    let (a, b) = (seeded(&one).await, seeded(&two).await);
    assert_eq!(a, b);
    assert_eq!(a.sellers, 50);
    assert_eq!(a.listings, 500);
    // About scale × 1,000 notices.
    assert!((40..=60).contains(&a.notices) && a.items >= a.notices, "{a:?}");
    assert!(!a.cluster_sizes.is_empty(), "{a:?}");
}

#[tokio::test]
async fn seed_refuses_a_non_empty_database_unless_appending() {
    let app = spawn().await;
    seed(&app.app.shared, PLAN).await.expect("seed");
    let before = Before::take(&app).await;
    let err = seed(&app.app.shared, PLAN).await.expect_err("a second seed without append must be refused");
    assert!(err.contains("not empty"), "{err}");
    before.unchanged(&app, "refused seed").await;
    // A database holding only a brand is not empty either.
    let other = spawn().await;
    create_brand(&other, "Acme").await;
    let before = Before::take(&other).await;
    seed(&other.app.shared, PLAN).await.expect_err("a database with a brand is not empty");
    before.unchanged(&other, "refused seed over a brand").await;
    // With append it adds.
    let first = seeded(&app).await;
    seed(&app.app.shared, SeedPlan { append: true, ..PLAN }).await.expect("append");
    let second = seeded(&app).await;
    assert_eq!(second.sellers, 2 * first.sellers);
    assert_eq!(second.listings, 2 * first.listings);
}

#[tokio::test]
async fn seed_clusters_equal_the_link_graph_components() {
    let app = spawn().await;
    seed(&app.app.shared, PLAN).await.expect("seed");
    assert_labels_are_the_components(&app.app.db, "after seed").await;
    assert_offender_clusters_are_the_components(&app, "after seed").await;
    // And they stay so when identifiers are added afterwards through the API.
    let sellers: Vec<i64> =
        entity::seller::Entity::find().all(&app.app.db).await.expect("sellers").iter().map(|s| s.id).collect();
    let (first, last) = (gid(Kind::Seller, sellers[0]), gid(Kind::Seller, sellers[sellers.len() - 1]));
    add(&app, &first, "DEVICE", "after-seed").await;
    add(&app, &last, "DEVICE", "after-seed").await;
    assert_labels_are_the_components(&app.app.db, "after seed and a new link").await;
    assert_offender_clusters_are_the_components(&app, "after seed and a new link").await;
}

#[tokio::test]
async fn seed_append_keeps_clusters_equal_to_the_link_graph_components() {
    let app = spawn().await;
    seed(&app.app.shared, PLAN).await.expect("seed");
    seed(&app.app.shared, SeedPlan { append: true, ..PLAN }).await.expect("append");
    assert_labels_are_the_components(&app.app.db, "after seed and append").await;
    assert_offender_clusters_are_the_components(&app, "after seed and append").await;
}

/// Analysts look for rings before anyone is punished: `minActiveStrikes: 0` admits components
/// without a strike; a negative value is still BAD_USER_INPUT.
#[tokio::test]
async fn offender_clusters_min_active_strikes_zero_lists_rings_without_strikes() {
    let app = spawn().await;
    let s = sellers(&app, 5).await;
    // A ring of three sharing a payment account, a pair sharing a phone; nobody has a strike.
    for seller in &s[..3] {
        add(&app, seller, "PAYMENT_ACCOUNT", "DE89 3704 0044 0532 0130 00").await;
    }
    add(&app, &s[3], "PHONE", "+49 30 1234567").await;
    add(&app, &s[4], "PHONE", "49-30-1234567").await;
    assert_eq!(clusters(&app, 2, 1).await, vec![], "no ring has a strike");
    assert_eq!(
        clusters(&app, 2, 0).await,
        vec![cluster(3, 0, &[&s[0], &s[1], &s[2]]), cluster(2, 0, &[&s[3], &s[4]])],
        "larger first, then by smallest member"
    );
    let resp =
        app.gql(Some(&admin()), CLUSTERS, json!({"minMembers": 2, "minStrikes": -1, "first": 10, "after": null})).await;
    assert_error(&resp, "BAD_USER_INPUT", Some("minActiveStrikes"));
}
