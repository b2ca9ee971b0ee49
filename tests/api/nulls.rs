//! GraphQL's error handling on every response (CONTRACT.md section 3, last paragraph, and section
//! 6): each requested key is present; an error on a nullable field makes it `null`; an error on a
//! non-null position nulls its nearest nullable ancestor (through non-null list items and
//! fields), up to `data: null`. The forbidden fields of section 3 (`Brand.stats` of another brand,
//! `Seller.identifiers` and `Seller.network` for a brand agent or a seller) answer `null` with
//! `FORBIDDEN`.
//!
//! The property test generates valid queries over the real schema (read from `schema.graphql`),
//! with errors injected at random positions from the service's real error sources, runs them as
//! several roles, and checks each answer against the query's selections and the schema's types.
//! The seed is fixed; `RIGHTSGRAPH_FUZZ_SEED=N` explores other inputs, `PROPTEST_CASES=N` runs
//! more cases and `NULLS_SHOW=1` prints every generated query with its answer.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use async_graphql::parser::types::{
    BaseType, ExecutableDocument, Field, Selection, SelectionSet, Type, TypeKind, TypeSystemDefinition,
};
use async_graphql::parser::{Positioned, parse_query, parse_schema};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use rightsgraph::auth::Role;
use rightsgraph::ids::{GlobalId, Kind};
use serde_json::{Value, json};

use crate::fixtures::{Builder, World};
use crate::harness::{TestApp, gid, spawn, token};

/// The SDL clients rely on (`rightsgraph schema` prints exactly this).
/// The fields that refuse some roles (CONTRACT.md section 3): a brand's figures and its standing
/// as a notifier (staff and its own agents), a seller's identifiers and network (staff), a
/// notice's thread (not sellers).
const FORBIDDEN_TO_SOME: [(&str, &str); 6] = [
    ("Brand", "stats"),
    ("Brand", "submissionStatus"),
    ("Brand", "submissionSuspendedUntil"),
    ("Seller", "identifiers"),
    ("Seller", "network"),
    ("Notice", "messages"),
];

const SDL: &str = include_str!("../../schema.graphql");

// ---------------------------------------------------------------------------------------------
// The registry every test reads
// ---------------------------------------------------------------------------------------------

/// The fixtures' world (brands A and B, sellers s1..s3, notices, items, strikes, a counter-notice),
/// a third brand C with a trademark and no notice, and s2 linked to s1 by a shared phone, so that
/// s1's network has two members.
struct Registry {
    world: World,
    brand_c: i64,
}

async fn registry(app: &TestApp) -> Registry {
    let world = World::build(&app.app.db).await;
    let mut b = Builder::new(&app.app.db);
    let brand_c = b.brand("Cobalt").await;
    // Through the mutations: a second builder would reuse the fixtures' registration numbers.
    let number = format!("NULLS-{}", crate::workflow_support::seq());
    let tm = crate::workflow_support::register_trademark(app, &gid(Kind::Brand, brand_c), &number, "EM").await;
    crate::workflow_support::verify_trademark(app, &tm, true).await;
    b.identifier(world.s2, "PHONE", "8613800000000").await;
    b.identifier(world.s3, "EMAIL", "three@shop.example").await;
    Registry { world, brand_c }
}

/// The `extensions.code` and `path` of each error of `response`, sorted.
fn errors_of(response: &Value) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = response["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| (e["extensions"]["code"].as_str().unwrap_or("").to_owned(), e["path"].clone()))
                .collect()
        })
        .unwrap_or_default();
    out.sort_by_key(|(code, path)| format!("{code} {path}"));
    out
}

fn sorted(mut errors: Vec<(String, Value)>) -> Vec<(String, Value)> {
    errors.sort_by_key(|(code, path)| format!("{code} {path}"));
    errors
}

// ---------------------------------------------------------------------------------------------
// Named examples
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_brand_agent_listing_brands_gets_its_own_stats_and_null_forbidden_for_others() {
    let app = spawn().await;
    let r = registry(&app).await;
    let w = &r.world;
    let own = gid(Kind::Brand, w.brand_b);
    let agent = token(Role::BrandAgent, Some(w.brand_b), None);

    let response = app
        .gql(
            Some(&agent),
            "{ brands(first: 10) { nodes { id name stats { itemsSubmitted takedownRate } } } }",
            json!({}),
        )
        .await;
    let nodes = response["data"]["brands"]["nodes"].as_array().unwrap_or_else(|| panic!("no nodes: {response:#}"));
    assert_eq!(nodes.len(), 3, "{response:#}");
    let mut expected = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        let object = node.as_object().unwrap_or_else(|| panic!("brand {i} is not an object: {response:#}"));
        assert!(object.contains_key("stats"), "brand {i} lacks its `stats` key: {response:#}");
        assert!(node["name"].is_string(), "{response:#}");
        if node["id"] == own {
            assert_eq!(node["stats"]["itemsSubmitted"], 1, "the agent's own stats: {response:#}");
            assert_eq!(node["stats"]["takedownRate"], 1.0, "the agent's own stats: {response:#}");
        } else {
            assert_eq!(node["stats"], Value::Null, "another brand's stats: {response:#}");
            expected.push(("FORBIDDEN".to_owned(), json!(["brands", "nodes", i, "stats"])));
        }
    }
    assert_eq!(expected.len(), 2);
    assert_eq!(errors_of(&response), sorted(expected), "one FORBIDDEN per other brand: {response:#}");

    // `stats` alone: async-graphql would turn each other brand into `null` (every field of it
    // failed) in a list of non-null brands; each must be an object whose `stats` is null.
    let response = app
        .gql(Some(&agent), "{ brands(first: 10) { edges { node { s: stats { itemsSubmitted } } } } }", json!({}))
        .await;
    let edges = response["data"]["brands"]["edges"].as_array().unwrap_or_else(|| panic!("no edges: {response:#}"));
    assert_eq!(edges.len(), 3, "{response:#}");
    let mut expected = Vec::new();
    for (i, edge) in edges.iter().enumerate() {
        let node = &edge["node"];
        assert!(node.is_object(), "edge {i}: the brand must stay an object: {response:#}");
        if node["s"].is_null() {
            assert_eq!(node, &json!({ "s": null }), "{response:#}");
            expected.push(("FORBIDDEN".to_owned(), json!(["brands", "edges", i, "node", "s"])));
        } else {
            assert_eq!(node["s"]["itemsSubmitted"], 1, "{response:#}");
        }
    }
    assert_eq!(expected.len(), 2, "{response:#}");
    assert_eq!(errors_of(&response), sorted(expected), "{response:#}");

    // One brand by id: its object stays, with `stats: null`.
    let response = app
        .gql(
            Some(&agent),
            "query($id: ID!) { brand(id: $id) { stats { itemsSubmitted } } }",
            json!({ "id": gid(Kind::Brand, r.brand_c) }),
        )
        .await;
    assert_eq!(response["data"], json!({ "brand": { "stats": null } }), "{response:#}");
    assert_eq!(errors_of(&response), vec![("FORBIDDEN".to_owned(), json!(["brand", "stats"]))], "{response:#}");
}

#[tokio::test]
async fn seller_identifiers_and_network_are_present_null_and_forbidden_for_a_brand_agent_and_a_seller() {
    let app = spawn().await;
    let r = registry(&app).await;
    let w = &r.world;
    let query = "{ sellers(first: 10) { nodes { id identifiers { kind value } network(maxHops: 2) { truncated } } } }";
    for (who, tok) in [
        ("brand agent", token(Role::BrandAgent, Some(w.brand_a), None)),
        ("seller", token(Role::Seller, None, Some(w.s1))),
    ] {
        let response = app.gql(Some(&tok), query, json!({})).await;
        let nodes = response["data"]["sellers"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{who}: no sellers: {response:#}"));
        assert_eq!(nodes.len(), 3, "{who}: {response:#}");
        let mut expected = Vec::new();
        for (i, node) in nodes.iter().enumerate() {
            let object = node.as_object().unwrap_or_else(|| panic!("{who}: seller {i} is not an object: {response:#}"));
            for key in ["id", "identifiers", "network"] {
                assert!(object.contains_key(key), "{who}: seller {i} lacks `{key}`: {response:#}");
            }
            assert_eq!(node["identifiers"], Value::Null, "{who}: {response:#}");
            assert_eq!(node["network"], Value::Null, "{who}: {response:#}");
            expected.push(("FORBIDDEN".to_owned(), json!(["sellers", "nodes", i, "identifiers"])));
            expected.push(("FORBIDDEN".to_owned(), json!(["sellers", "nodes", i, "network"])));
        }
        assert_eq!(errors_of(&response), sorted(expected), "{who}: {response:#}");

        // Each alone under one seller: the seller stays an object.
        let s1 = gid(Kind::Seller, w.s1);
        for (field, selection) in [("identifiers", "identifiers { kind }"), ("network", "network { truncated }")] {
            let response = app
                .gql(
                    Some(&tok),
                    &format!("query($id: ID!) {{ seller(id: $id) {{ {selection} }} }}"),
                    json!({ "id": s1 }),
                )
                .await;
            assert_eq!(response["data"], json!({ "seller": { field: null } }), "{who}: {response:#}");
            assert_eq!(
                errors_of(&response),
                vec![("FORBIDDEN".to_owned(), json!(["seller", field]))],
                "{who}: {response:#}"
            );
        }
    }

    // The staff sees them.
    let admin = token(Role::Admin, None, None);
    let response = app.gql(Some(&admin), query, json!({})).await;
    assert!(response.get("errors").is_none(), "{response:#}");
    let nodes = response["data"]["sellers"]["nodes"].as_array().expect("sellers");
    assert!(nodes.iter().all(|n| n["identifiers"].is_array() && n["network"].is_object()), "{response:#}");
}

#[tokio::test]
async fn an_error_on_a_non_null_position_nulls_the_nearest_nullable_ancestor() {
    let app = spawn().await;
    let r = registry(&app).await;
    let w = &r.world;
    let admin = token(Role::Admin, None, None);
    let brand_a = gid(Kind::Brand, w.brand_a);
    let s1 = gid(Kind::Seller, w.s1);

    // `Brand.notices` is `NoticeConnection!`: `brand` (nullable) becomes null.
    let response = app
        .gql(
            Some(&admin),
            "query($id: ID!) { brand(id: $id) { id notices(first: 0) { totalCount } } }",
            json!({ "id": brand_a }),
        )
        .await;
    assert_eq!(response["data"], json!({ "brand": null }), "{response:#}");
    assert_eq!(errors_of(&response), vec![("BAD_USER_INPUT".to_owned(), json!(["brand", "notices"]))], "{response:#}");

    // A sibling root field is untouched.
    let response = app
        .gql(
            Some(&admin),
            "query($id: ID!) { ok: brand(id: $id) { id name } bad: brand(id: $id) { id trademarks(first: 101) { totalCount } } }",
            json!({ "id": brand_a }),
        )
        .await;
    assert_eq!(response["data"], json!({ "ok": { "id": brand_a, "name": "Acme" }, "bad": null }), "{response:#}");
    assert_eq!(errors_of(&response), vec![("BAD_USER_INPUT".to_owned(), json!(["bad", "trademarks"]))], "{response:#}");

    // Deep: Seller.listings (non-null) under Seller! under NetworkMember! under [NetworkMember!]!
    // under the nullable `network`: the network becomes null, the seller stays.
    let response = app
        .gql(
            Some(&admin),
            "query($id: ID!) { seller(id: $id) { id network(maxHops: 2) { truncated members { hops seller { id \
             listings(first: 0) { totalCount } } } } } }",
            json!({ "id": s1 }),
        )
        .await;
    assert_eq!(response["data"], json!({ "seller": { "id": s1, "network": null } }), "{response:#}");
    let errors = errors_of(&response);
    assert_eq!(errors.len(), 2, "one error per network member (s1 and s2): {response:#}");
    for (i, (code, path)) in errors.iter().enumerate() {
        assert_eq!(code, "BAD_USER_INPUT", "{response:#}");
        assert_eq!(path, &json!(["seller", "network", "members", i, "seller", "listings"]), "{response:#}");
    }

    // Through nullable object fields: NoticeItem.strike is nullable, Strike.item is NoticeItem!,
    // NoticeItem.listing is Listing!, Listing.noticeItems is a non-null connection: `strike`
    // becomes null, the item and the notice stay.
    let response = app
        .gql(
            Some(&admin),
            "query($id: ID!) { notice(id: $id) { id items(first: 5) { nodes { id strike { id item { listing { \
             noticeItems(first: -1) { totalCount } } } } } } } }",
            json!({ "id": gid(Kind::Notice, w.notice_b) }),
        )
        .await;
    assert_eq!(
        response["data"],
        json!({ "notice": { "id": gid(Kind::Notice, w.notice_b), "items": { "nodes": [
            { "id": gid(Kind::NoticeItem, w.item_b1), "strike": null }
        ] } } }),
        "{response:#}"
    );
    assert_eq!(
        errors_of(&response),
        vec![(
            "BAD_USER_INPUT".to_owned(),
            json!(["notice", "items", "nodes", 0, "strike", "item", "listing", "noticeItems"])
        )],
        "{response:#}"
    );

    // A non-null chain up to the root: `brands` is `BrandConnection!`, `nodes` `[Brand!]!`.
    let response = app
        .gql(
            Some(&admin),
            "query($id: ID!) { brand(id: $id) { id } brands(first: 5) { nodes { id notices(first: 0) { totalCount } } } }",
            json!({ "id": brand_a }),
        )
        .await;
    assert_eq!(response.get("data"), Some(&Value::Null), "{response:#}");
    let errors = errors_of(&response);
    assert_eq!(errors.len(), 3, "one per brand: {response:#}");
    assert!(errors.iter().all(|(code, _)| code == "BAD_USER_INPUT"), "{response:#}");

    // A nullable root field with a malformed id, and `maxHops` out of range on the nullable
    // `network`: each reads null, its siblings stay.
    let response = app
        .gql(
            Some(&admin),
            "query($id: ID!) { node(id: \"garbage\") { id } brand(id: \"x\") { id } seller(id: $id) { id \
             network(maxHops: 9) { truncated } } }",
            json!({ "id": s1 }),
        )
        .await;
    assert_eq!(
        response["data"],
        json!({ "node": null, "brand": null, "seller": { "id": s1, "network": null } }),
        "{response:#}"
    );
    assert_eq!(
        errors_of(&response),
        sorted(vec![
            ("BAD_USER_INPUT".to_owned(), json!(["brand"])),
            ("BAD_USER_INPUT".to_owned(), json!(["node"])),
            ("BAD_USER_INPUT".to_owned(), json!(["seller", "network"])),
        ]),
        "{response:#}"
    );
}

#[tokio::test]
async fn a_failed_non_null_root_field_makes_data_null() {
    let app = spawn().await;
    let r = registry(&app).await;
    let brand_a = gid(Kind::Brand, r.world.brand_a);

    // `viewer` is `Viewer!`: anonymous, `data` is null.
    let response = app.gql(None, "{ viewer { subject role } }", json!({})).await;
    assert_eq!(response.get("data"), Some(&Value::Null), "{response:#}");
    assert_eq!(errors_of(&response), vec![("UNAUTHENTICATED".to_owned(), json!(["viewer"]))], "{response:#}");

    // With a nullable sibling that fails too: still `data: null`.
    let response =
        app.gql(None, "query($id: ID!) { brand(id: $id) { id } viewer { subject } }", json!({ "id": brand_a })).await;
    assert_eq!(response.get("data"), Some(&Value::Null), "{response:#}");
    assert_eq!(
        errors_of(&response),
        sorted(vec![
            ("UNAUTHENTICATED".to_owned(), json!(["brand"])),
            ("UNAUTHENTICATED".to_owned(), json!(["viewer"])),
        ]),
        "{response:#}"
    );

    // Authenticated, a non-null root connection out of range: `data` is null.
    let admin = token(Role::Admin, None, None);
    let response = app
        .gql(
            Some(&admin),
            "query($id: ID!) { brand(id: $id) { id } viewer { subject } sellers(first: 101) { totalCount } }",
            json!({ "id": brand_a }),
        )
        .await;
    assert_eq!(response.get("data"), Some(&Value::Null), "{response:#}");
    assert_eq!(errors_of(&response), vec![("BAD_USER_INPUT".to_owned(), json!(["sellers"]))], "{response:#}");
}

/// A field asked twice under one response key (same name, same arguments) is one field of the
/// answer whose selections merge (the specification's CollectFields). When every field of one of
/// the two selections fails, the other's keys must still be there, whichever comes first.
#[tokio::test]
async fn a_field_asked_twice_keeps_both_selections_when_one_fails_entirely() {
    let app = spawn().await;
    let r = registry(&app).await;
    let w = &r.world;
    let agent = token(Role::BrandAgent, Some(w.brand_b), None);
    let s1 = gid(Kind::Seller, w.s1);
    let seller = |listings: usize| {
        let node = json!({ "seller": { "handle": "seller-one", "identifiers": null } });
        json!({ "seller": { "k": { "nodes": vec![node; listings] } } })
    };
    let mut wrong = Vec::new();
    for (query, expected, paths) in [
        (
            "query($id: ID!) { seller(id: $id) { identifiers { kind } } seller(id: $id) { handle } }",
            json!({ "seller": { "handle": "seller-one", "identifiers": null } }),
            vec![json!(["seller", "identifiers"])],
        ),
        (
            "query($id: ID!) { seller(id: $id) { handle } seller(id: $id) { identifiers { kind } } }",
            json!({ "seller": { "handle": "seller-one", "identifiers": null } }),
            vec![json!(["seller", "identifiers"])],
        ),
        (
            "query($id: ID!) { seller(id: $id) { k: listings(first: 3) { nodes { seller { identifiers { kind } } } } \
             k: listings(first: 3) { nodes { seller { handle } } } } }",
            seller(2),
            vec![
                json!(["seller", "k", "nodes", 0, "seller", "identifiers"]),
                json!(["seller", "k", "nodes", 1, "seller", "identifiers"]),
            ],
        ),
        (
            "query($id: ID!) { seller(id: $id) { k: listings(first: 3) { nodes { seller { handle } } } \
             k: listings(first: 3) { nodes { seller { identifiers { kind } } } } } }",
            seller(2),
            vec![
                json!(["seller", "k", "nodes", 0, "seller", "identifiers"]),
                json!(["seller", "k", "nodes", 1, "seller", "identifiers"]),
            ],
        ),
    ] {
        let response = app.gql(Some(&agent), query, json!({ "id": s1 })).await;
        let errors: Vec<(String, Value)> = paths.into_iter().map(|p| ("FORBIDDEN".to_owned(), p)).collect();
        if response["data"] != expected || errors_of(&response) != sorted(errors) {
            wrong.push(format!("{query}\n  expected data {expected}\n  got {response}"));
        }
    }
    assert!(wrong.is_empty(), "merged selections lost keys:\n{}", wrong.join("\n"));
}

/// Not an error case: an object whose selections all turn out not to apply (a fragment on another
/// type, `@skip`) is an empty object `{}`, never `null`, per the specification's CollectFields and
/// ExecuteSelectionSet. async-graphql 7.2.1 answers `null` for an object with no field, which at a
/// non-null position is a `null` the response may never hold.
#[tokio::test]
async fn an_object_with_no_applicable_selection_is_an_empty_object() {
    let app = spawn().await;
    let r = registry(&app).await;
    let admin = token(Role::Admin, None, None);
    let brand_a = gid(Kind::Brand, r.world.brand_a);
    let mut wrong = Vec::new();
    for (query, expected) in [
        ("query($id: ID!) { node(id: $id) { ... on Seller { handle } } }", json!({ "node": {} })),
        ("query($id: ID!) { brand(id: $id) { id @skip(if: true) } }", json!({ "brand": {} })),
        (
            "{ brands(first: 2) { nodes { ... on Node { ... on Seller { handle } } } } }",
            json!({ "brands": { "nodes": [{}, {}] } }),
        ),
        ("{ brands(first: 2) { nodes { name @include(if: false) } } }", json!({ "brands": { "nodes": [{}, {}] } })),
        // Merged with a second selection of the same field: that one's keys must not be lost.
        (
            "query($id: ID!) { brand(id: $id) { id @skip(if: true) } brand(id: $id) { name } }",
            json!({ "brand": { "name": "Acme" } }),
        ),
    ] {
        let response = app.gql(Some(&admin), query, json!({ "id": brand_a })).await;
        if response.get("errors").is_some() || response["data"] != expected {
            wrong.push(format!("{query}\n  expected data {expected}\n  got {response}"));
        }
    }
    assert!(wrong.is_empty(), "objects with no applicable selection:\n{}", wrong.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// The schema's types, read from the SDL
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct FieldDef {
    ty: Type,
    /// `(name, type, has a default)` of each argument.
    args: Vec<(String, Type, bool)>,
}

#[derive(Debug, Default)]
struct TypeDef {
    is_interface: bool,
    /// In SDL order.
    fields: Vec<(String, FieldDef)>,
    implements: Vec<String>,
}

#[derive(Debug)]
struct Schema {
    /// Objects and interfaces; every other named type is a leaf.
    types: HashMap<String, TypeDef>,
}

impl Schema {
    fn parse(sdl: &str) -> Self {
        let doc = parse_schema(sdl).unwrap_or_else(|e| panic!("schema.graphql does not parse: {e}"));
        let mut types = HashMap::new();
        for definition in doc.definitions {
            let TypeSystemDefinition::Type(ty) = definition else { continue };
            let ty = ty.node;
            let (is_interface, implements, fields) = match ty.kind {
                TypeKind::Object(o) => (false, o.implements, o.fields),
                TypeKind::Interface(i) => (true, i.implements, i.fields),
                _ => continue,
            };
            let fields = fields
                .into_iter()
                .map(|f| {
                    let f = f.node;
                    let args = f
                        .arguments
                        .into_iter()
                        .map(|a| (a.node.name.node.to_string(), a.node.ty.node, a.node.default_value.is_some()))
                        .collect();
                    (f.name.node.to_string(), FieldDef { ty: f.ty.node, args })
                })
                .collect();
            let implements = implements.into_iter().map(|n| n.node.to_string()).collect();
            types.insert(ty.name.node.to_string(), TypeDef { is_interface, fields, implements });
        }
        Self { types }
    }

    fn field(&self, on: &str, name: &str) -> Option<&FieldDef> {
        self.types.get(on)?.fields.iter().find(|(n, _)| n == name).map(|(_, f)| f)
    }

    /// The type of field `name` of object `on`, `__typename` included.
    fn field_type(&self, on: &str, name: &str) -> Option<Type> {
        if name == "__typename" {
            return Type::new("String!");
        }
        self.field(on, name).map(|f| f.ty.clone())
    }

    fn is_composite(&self, name: &str) -> bool {
        self.types.contains_key(name)
    }

    fn is_interface(&self, name: &str) -> bool {
        self.types.get(name).is_some_and(|t| t.is_interface)
    }

    /// Whether a fragment on `condition` applies to an object of type `runtime`.
    fn applies(&self, runtime: &str, condition: &str) -> bool {
        runtime == condition || self.types.get(runtime).is_some_and(|t| t.implements.iter().any(|i| i == condition))
    }

    /// The objects implementing `interface`, in a stable order.
    fn implementors(&self, interface: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .types
            .iter()
            .filter(|(_, t)| t.implements.iter().any(|i| i == interface))
            .map(|(n, _)| n.clone())
            .collect();
        out.sort();
        out
    }
}

/// The named type at the bottom of `ty`'s lists.
fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(item) => named(item),
    }
}

// ---------------------------------------------------------------------------------------------
// The checker: the answer against the query's selections and the schema's types
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Seg {
    Key(String),
    Index(usize),
}

struct PathDisplay<'a>(&'a [Seg]);

impl fmt::Display for PathDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[")?;
        for (i, seg) in self.0.iter().enumerate() {
            if i > 0 {
                write!(f, ",")?;
            }
            match seg {
                Seg::Key(k) => write!(f, "{k:?}")?,
                Seg::Index(n) => write!(f, "{n}")?,
            }
        }
        write!(f, "]")
    }
}

fn show(path: &[Seg]) -> PathDisplay<'_> {
    PathDisplay(path)
}

/// The fields of a selection, merged by response key in order of first appearance.
type Collected<'d> = Vec<(String, Vec<&'d Positioned<Field>>)>;

struct Checker<'s, 'd> {
    schema: &'s Schema,
    doc: &'d ExecutableDocument,
}

/// What walking an answer found.
#[derive(Default)]
struct Walk {
    violations: Vec<String>,
    /// Every position holding `null` (the empty path: `data` itself).
    nulls: Vec<Vec<Seg>>,
}

impl<'s, 'd> Checker<'s, 'd> {
    /// Whether `@skip` / `@include` (with literal conditions) keep a selection.
    fn included(directives: &[Positioned<async_graphql::parser::types::Directive>]) -> bool {
        directives.iter().all(|d| {
            let condition = d
                .node
                .get_argument("if")
                .and_then(|v| v.node.clone().into_const())
                .map(|v| v == async_graphql::Value::Boolean(true));
            match (d.node.name.node.as_str(), condition) {
                ("skip", Some(c)) => !c,
                ("include", Some(c)) => c,
                _ => true,
            }
        })
    }

    /// CollectFields of the specification, for an object of type `runtime`.
    fn collect(&self, runtime: &str, sets: &[&'d SelectionSet]) -> Collected<'d> {
        let mut out: Collected<'d> = Vec::new();
        for set in sets {
            self.collect_into(runtime, set, &mut out);
        }
        out
    }

    fn collect_into(&self, runtime: &str, set: &'d SelectionSet, out: &mut Collected<'d>) {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    if !Self::included(&field.node.directives) {
                        continue;
                    }
                    let key = field.node.response_key().node.to_string();
                    match out.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, fields)) => fields.push(field),
                        None => out.push((key, vec![field])),
                    }
                }
                Selection::InlineFragment(inline) => {
                    let applies = inline
                        .node
                        .type_condition
                        .as_ref()
                        .is_none_or(|c| self.schema.applies(runtime, &c.node.on.node));
                    if applies && Self::included(&inline.node.directives) {
                        self.collect_into(runtime, &inline.node.selection_set.node, out);
                    }
                }
                Selection::FragmentSpread(spread) => {
                    let Some(fragment) = self.doc.fragments.get(&spread.node.fragment_name.node) else { continue };
                    if self.schema.applies(runtime, &fragment.node.type_condition.node.on.node)
                        && Self::included(&spread.node.directives)
                    {
                        self.collect_into(runtime, &fragment.node.selection_set.node, out);
                    }
                }
            }
        }
    }

    /// The concrete type of a value of composite type `name` asked by `fields`: `name` itself for
    /// an object; for an interface, the type its `id` argument names (every abstract field the
    /// generator asks is `node(id:)`), checked against `__typename` when the value is there.
    fn runtime(&self, name: &str, fields: &[&'d Positioned<Field>], value: Option<&Value>) -> Result<String, String> {
        if !self.schema.is_interface(name) {
            return Ok(name.to_owned());
        }
        let id = fields
            .iter()
            .find_map(|f| f.node.get_argument("id"))
            .and_then(|v| v.node.clone().into_const())
            .and_then(|v| match v {
                async_graphql::Value::String(s) => Some(s),
                _ => None,
            })
            .ok_or_else(|| format!("cannot tell the concrete type of a {name}"))?;
        let kind = GlobalId::parse(&id).ok_or_else(|| format!("a {name} with the malformed id {id:?} has a value"))?;
        let runtime = kind.kind.type_name().to_owned();
        if let Some(Value::Object(map)) = value
            && let Some(typename) = map.get("__typename")
            && typename != &json!(runtime)
        {
            return Err(format!("{id} answered __typename {typename}"));
        }
        Ok(runtime)
    }

    /// Walks `value` (of type `ty`, asked by `fields`) at `path`.
    fn walk(&self, value: &Value, ty: &Type, fields: &[&'d Positioned<Field>], path: &mut Vec<Seg>, out: &mut Walk) {
        if value.is_null() {
            if !ty.nullable {
                out.violations.push(format!("null at {} whose type {ty} is non-null", show(path)));
            }
            out.nulls.push(path.clone());
            return;
        }
        match &ty.base {
            BaseType::List(item) => {
                let Value::Array(items) = value else {
                    out.violations.push(format!("{} is not a list: {value}", show(path)));
                    return;
                };
                for (i, v) in items.iter().enumerate() {
                    path.push(Seg::Index(i));
                    self.walk(v, item, fields, path, out);
                    path.pop();
                }
            }
            BaseType::Named(name) => {
                if !self.schema.is_composite(name) {
                    if value.is_object() || value.is_array() {
                        out.violations.push(format!("{} is a leaf of type {ty} but holds {value}", show(path)));
                    }
                    return;
                }
                let sets: Vec<&'d SelectionSet> = fields.iter().map(|f| &f.node.selection_set.node).collect();
                let runtime = match self.runtime(name, fields, Some(value)) {
                    Ok(r) => r,
                    Err(e) => {
                        out.violations.push(format!("at {}: {e}", show(path)));
                        return;
                    }
                };
                self.walk_object(value, &runtime, &sets, path, out);
            }
        }
    }

    fn walk_object(
        &self,
        value: &Value,
        runtime: &str,
        sets: &[&'d SelectionSet],
        path: &mut Vec<Seg>,
        out: &mut Walk,
    ) {
        let Value::Object(map) = value else {
            out.violations.push(format!("{} is a {runtime} but holds {value}", show(path)));
            return;
        };
        let collected = self.collect(runtime, sets);
        for (key, fields) in &collected {
            let name = fields[0].node.name.node.as_str();
            let Some(ty) = self.schema.field_type(runtime, name) else {
                out.violations.push(format!("{} asks {runtime}.{name}, which the schema lacks", show(path)));
                continue;
            };
            path.push(Seg::Key(key.clone()));
            match map.get(key.as_str()) {
                None => out.violations.push(format!("the requested key {} is missing", show(path))),
                Some(v) => self.walk(v, &ty, fields, path, out),
            }
            path.pop();
        }
        for key in map.keys() {
            if !collected.iter().any(|(k, _)| k == key) {
                out.violations.push(format!("{} holds the key {key:?}, which was not requested", show(path)));
            }
        }
    }

    /// The type of each position along an error's path, from the query's selections.
    fn types_along(&self, root: &'d SelectionSet, path: &[Seg]) -> Result<Vec<Type>, String> {
        let mut out = Vec::with_capacity(path.len());
        let mut current: Option<(Type, Vec<&'d Positioned<Field>>)> = None;
        for (depth, seg) in path.iter().enumerate() {
            let here = || show(&path[..=depth]).to_string();
            match seg {
                Seg::Key(key) => {
                    let (runtime, sets) = match &current {
                        None => ("Query".to_owned(), vec![root]),
                        Some((ty, fields)) => {
                            let BaseType::Named(name) = &ty.base else {
                                return Err(format!("{}: a key under a list", here()));
                            };
                            let runtime = self.runtime(name, fields, None).map_err(|e| format!("{}: {e}", here()))?;
                            (runtime, fields.iter().map(|f| &f.node.selection_set.node).collect())
                        }
                    };
                    let collected = self.collect(&runtime, &sets);
                    let (_, fields) = collected
                        .into_iter()
                        .find(|(k, _)| k == key)
                        .ok_or_else(|| format!("{}: no requested field of {runtime} answers there", here()))?;
                    let ty = self
                        .schema
                        .field_type(&runtime, fields[0].node.name.node.as_str())
                        .ok_or_else(|| format!("{}: unknown field", here()))?;
                    out.push(ty.clone());
                    current = Some((ty, fields));
                }
                Seg::Index(_) => {
                    let Some((ty, fields)) = current.take() else {
                        return Err(format!("{}: an index at the root", here()));
                    };
                    let BaseType::List(item) = ty.base else {
                        return Err(format!("{}: an index into a non-list", here()));
                    };
                    out.push((*item).clone());
                    current = Some((*item, fields));
                }
            }
        }
        Ok(out)
    }

    /// Every violation of the specification's error handling in `response`, the answer to the
    /// document's only operation.
    fn check(&self, response: &Value) -> Vec<String> {
        let mut walk = Walk::default();
        let Some((_, operation)) = self.doc.operations.iter().next() else {
            return vec!["the document has no operation".into()];
        };
        let root = &operation.node.selection_set.node;
        let errors = response["errors"].as_array().cloned().unwrap_or_default();
        match response.get("data") {
            None => walk.violations.push("no `data` key although execution started".into()),
            Some(Value::Null) => {
                if errors.is_empty() {
                    walk.violations.push("`data` is null without an error".into());
                }
                walk.nulls.push(Vec::new());
            }
            Some(data) => self.walk_object(data, "Query", &[root], &mut Vec::new(), &mut walk),
        }
        let data = response.get("data").cloned().unwrap_or(Value::Null);

        // Each error points at a null position, or under a null ancestor; where its null went.
        let mut paths: Vec<Vec<Seg>> = Vec::new();
        let mut targets: HashSet<Vec<Seg>> = HashSet::new();
        for error in &errors {
            let code = error["extensions"]["code"].as_str().unwrap_or("");
            if code.is_empty() {
                walk.violations.push(format!("an error without a code: {error}"));
            }
            let Some(raw) = error.get("path").and_then(Value::as_array).filter(|p| !p.is_empty()) else {
                walk.violations.push(format!("a field error without a path: {error}"));
                continue;
            };
            let path: Option<Vec<Seg>> = raw
                .iter()
                .map(|s| match s {
                    Value::String(k) => Some(Seg::Key(k.clone())),
                    Value::Number(n) => n.as_u64().map(|n| Seg::Index(n as usize)),
                    _ => None,
                })
                .collect();
            let Some(path) = path else {
                walk.violations.push(format!("a malformed path: {error}"));
                continue;
            };
            let types = match self.types_along(root, &path) {
                Ok(types) => types,
                Err(e) => {
                    walk.violations.push(format!("the path of {error} does not follow the query: {e}"));
                    continue;
                }
            };
            // The nearest nullable position at or above the failed field (empty: `data`).
            let target = (1..=path.len()).rev().find(|&k| types[k - 1].nullable).unwrap_or(0);
            targets.insert(path[..target].to_vec());
            let mut at = &data;
            let mut under_null = at.is_null();
            for (depth, seg) in path.iter().enumerate() {
                if under_null {
                    break;
                }
                let next = match (seg, at) {
                    (Seg::Key(k), Value::Object(map)) => map.get(k.as_str()),
                    (Seg::Index(i), Value::Array(items)) => items.get(*i),
                    _ => None,
                };
                match next {
                    Some(v) => {
                        at = v;
                        under_null = v.is_null();
                    }
                    None => {
                        walk.violations.push(format!(
                            "the error at {} leads nowhere in data at {}: {error}",
                            show(&path),
                            show(&path[..=depth])
                        ));
                        under_null = true;
                    }
                }
            }
            if !under_null {
                walk.violations.push(format!("the error at {} points at a non-null value: {at}", show(&path)));
            }
            paths.push(path);
        }

        // No null went further up than needed: a null position with errors at or under it is
        // the nearest nullable ancestor of one of them.
        for null in &walk.nulls {
            if paths.iter().any(|p| p.starts_with(null)) && !targets.contains(null) {
                walk.violations.push(format!(
                    "{} is null, but no error under it has it as its nearest nullable ancestor (nulled too far up)",
                    show(null)
                ));
            }
        }
        walk.violations
    }
}

// ---------------------------------------------------------------------------------------------
// The generator: valid queries over the schema, from a tape of choices
// ---------------------------------------------------------------------------------------------

/// Choices read from proptest's values; past the end every choice is 0, the simplest, so that
/// shrinking the tape shrinks the query.
struct Tape<'a> {
    choices: &'a [u32],
    at: usize,
}

impl Tape<'_> {
    fn pick(&mut self, n: usize) -> usize {
        let c = self.choices.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        if n == 0 { 0 } else { c as usize % n }
    }

    /// True with `percent` chance; the choice 0 is false.
    fn chance(&mut self, percent: usize) -> bool {
        self.pick(100) >= 100 - percent
    }
}

#[derive(Debug, Clone)]
enum Sel {
    Field {
        alias: Option<String>,
        name: String,
        args: Vec<(&'static str, String)>,
        directive: Option<&'static str>,
        sub: Vec<Sel>,
    },
    Inline {
        on: Option<String>,
        sub: Vec<Sel>,
    },
    Spread(usize),
}

/// The ids the generator may ask for.
struct Ids {
    brands: Vec<String>,
    sellers: Vec<String>,
    notices: Vec<String>,
    listings: Vec<String>,
    trademarks: Vec<String>,
}

/// Deepest field nesting the generator writes (the service refuses beyond 15).
const MAX_DEPTH: usize = 12;
/// Cost above which a document is regenerated without its costliest injections (the service
/// refuses beyond 50,000).
const MAX_COST: usize = 40_000;

/// What the generated query may answer with an error, and why.
#[derive(Debug, Default, Clone)]
struct Injected {
    reasons: Vec<String>,
}

struct Gen<'a> {
    tape: Tape<'a>,
    schema: &'a Schema,
    ids: &'a Ids,
    fragments: Vec<(String, Vec<Sel>)>,
    /// Response key -> `name(args): Type` of every field written under it, so that two fields
    /// under one key always merge.
    keys: HashMap<String, String>,
    aliases: usize,
    /// Fields still to write.
    budget: usize,
    /// Whether costly injections (`first: 101` / `-1` cost as a page of 100; `network`) are allowed.
    costly: bool,
    injected: Injected,
}

impl<'a> Gen<'a> {
    fn new(choices: &'a [u32], schema: &'a Schema, ids: &'a Ids, costly: bool) -> Self {
        Self {
            tape: Tape { choices, at: 0 },
            schema,
            ids,
            fragments: Vec::new(),
            keys: HashMap::new(),
            aliases: 0,
            budget: 48,
            costly,
            injected: Injected::default(),
        }
    }

    fn inject(&mut self, why: String) {
        self.injected.reasons.push(why);
    }

    /// A response key for field `name` with `args` of type `ty`: its name when no other field
    /// under that key differs, else (or at random) a fresh alias.
    fn key_for(&mut self, name: &str, args: &[(&'static str, String)], ty: &Type) -> Option<String> {
        let rendered: Vec<String> = args.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        let signature = format!("{name}({}): {ty}", rendered.join(", "));
        let want_alias = self.tape.chance(15);
        if !want_alias && self.keys.get(name).is_none_or(|s| *s == signature) {
            self.keys.insert(name.to_owned(), signature);
            return None;
        }
        self.aliases += 1;
        let alias = format!("{name}_{}", self.aliases);
        self.keys.insert(alias.clone(), signature);
        Some(alias)
    }

    /// The arguments of `on.name`, or None when it takes a required argument the generator does
    /// not fill.
    fn args_for(&mut self, on: &str, name: &str, def: &FieldDef, path: &str) -> Option<Vec<(&'static str, String)>> {
        let mut args = Vec::new();
        for (arg, ty, has_default) in &def.args {
            match arg.as_str() {
                "first" => {
                    let first = if self.tape.chance(12) {
                        let choices: &[i64] = if self.costly { &[0, 101, -1] } else { &[0] };
                        let bad = choices[self.tape.pick(choices.len())];
                        self.inject(format!("{path}: first: {bad}"));
                        bad
                    } else {
                        1 + self.tape.pick(3) as i64
                    };
                    args.push(("first", first.to_string()));
                }
                "maxHops" => {
                    let hops = if self.tape.chance(20) {
                        self.inject(format!("{path}: maxHops: 9"));
                        9
                    } else {
                        1 + self.tape.pick(2) as i64
                    };
                    args.push(("maxHops", hops.to_string()));
                }
                "since" if on == "Brand" && name == "stats" => {
                    if self.tape.chance(30) {
                        args.push(("since", "\"2020-01-01T00:00:00Z\"".to_owned()));
                    }
                }
                _ if ty.nullable || *has_default => {}
                _ => return None,
            }
        }
        Some(args)
    }

    /// A selection set on object or interface `on`, whose fields sit at `depth`.
    fn selection(&mut self, on: &str, depth: usize, path: &str) -> Vec<Sel> {
        // Now and then only a field that may fail for the role, so that every field of the
        // object fails (async-graphql then drops the object itself).
        if matches!(on, "Brand" | "Seller") && self.tape.chance(15) {
            let name = if on == "Brand" { "stats" } else { "identifiers" };
            self.note_forbidden(on, name, path);
            let leaf = if on == "Brand" { "itemsSubmitted" } else { "kind" };
            let sub = vec![Sel::Field { alias: None, name: leaf.into(), args: vec![], directive: None, sub: vec![] }];
            let def = self.schema.field(on, name).cloned().expect("a fallible field");
            let alias = self.key_for(name, &[], &def.ty);
            return vec![Sel::Field { alias, name: name.into(), args: vec![], directive: None, sub }];
        }
        let mut out = Vec::new();
        let wanted = 1 + self.tape.pick(if self.budget > 0 { 4 } else { 1 });
        for i in 0..wanted {
            let room = depth < MAX_DEPTH && self.budget > 0;
            let kind = if i == 0 || !room { 0 } else { self.tape.pick(10) };
            match kind {
                // A fragment on this type: inline with or without its condition, or named.
                7 | 8 if !self.schema.is_interface(on) => {
                    let sub = self.selection(on, depth, path);
                    out.push(match self.tape.pick(3) {
                        0 => Sel::Inline { on: Some(on.to_owned()), sub },
                        1 => Sel::Inline { on: None, sub },
                        _ => {
                            self.fragments.push((on.to_owned(), sub));
                            Sel::Spread(self.fragments.len() - 1)
                        }
                    });
                }
                // `... on Node { … }` inside an object implementing it.
                9 if self.schema.types.get(on).is_some_and(|t| t.implements.iter().any(|i| i == "Node")) => {
                    let sub = self.node_selection(depth, path, false);
                    out.push(Sel::Inline { on: Some("Node".to_owned()), sub });
                }
                _ => {
                    // The first field written carries no `@skip`: the object is never empty.
                    if let Some(sel) = self.field(on, depth, path, out.is_empty()) {
                        out.push(sel);
                    }
                }
            }
        }
        if out.is_empty() {
            out.push(Sel::Field { alias: None, name: "__typename".into(), args: vec![], directive: None, sub: vec![] });
        }
        if depth < MAX_DEPTH && self.tape.chance(30) {
            self.duplicate(on, &mut out, depth, path);
        }
        out
    }

    /// Asks one of the composite fields of `sels` once more, under the same response key with
    /// the same arguments and another selection: valid GraphQL, and the two merge into one
    /// field of the answer.
    fn duplicate(&mut self, on: &str, sels: &mut Vec<Sel>, depth: usize, path: &str) {
        let candidates: Vec<usize> = sels
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s, Sel::Field { name, sub, directive: None, .. } if !sub.is_empty() && name != "network"))
            .map(|(i, _)| i)
            .collect();
        if candidates.is_empty() {
            return;
        }
        let Sel::Field { alias, name, args, .. } = sels[candidates[self.tape.pick(candidates.len())]].clone() else {
            return;
        };
        let Some(def) = self.schema.field(on, &name).cloned() else { return };
        let target = named(&def.ty).to_owned();
        let here = format!("{path}.{name}");
        let sub = match on {
            "Query" if name == "node" => self.node_selection(depth + 1, &here, false),
            "Query" if matches!(name.as_str(), "brand" | "seller") => self.root_object(&target, depth + 1, &here),
            _ => self.selection(&target, depth + 1, &here),
        };
        let copy = Sel::Field { alias, name, args, directive: None, sub };
        // Before or after the first: the order in which async-graphql merges them matters.
        if self.tape.chance(50) {
            sels.insert(0, copy);
        } else {
            sels.push(copy);
        }
    }

    /// A selection on the `Node` interface: `__typename` and `id` first, then fragments on the
    /// types implementing it.
    fn node_selection(&mut self, depth: usize, path: &str, network_ok: bool) -> Vec<Sel> {
        let mut out =
            vec![Sel::Field { alias: None, name: "__typename".into(), args: vec![], directive: None, sub: vec![] }];
        if self.tape.chance(50) {
            out.push(Sel::Field { alias: None, name: "id".into(), args: vec![], directive: None, sub: vec![] });
        }
        let implementors = self.schema.implementors("Node");
        for _ in 0..self.tape.pick(4) {
            if self.budget == 0 || depth >= MAX_DEPTH {
                break;
            }
            let on = implementors[self.tape.pick(implementors.len())].clone();
            let sub = if network_ok { self.root_object(&on, depth, path) } else { self.selection(&on, depth, path) };
            if self.tape.chance(40) {
                self.fragments.push((on, sub));
                out.push(Sel::Spread(self.fragments.len() - 1));
            } else {
                out.push(Sel::Inline { on: Some(on), sub });
            }
        }
        out
    }

    /// A selection on an object asked at the root by id: like `selection`, where `network` may
    /// also be asked.
    fn root_object(&mut self, on: &str, depth: usize, path: &str) -> Vec<Sel> {
        let mut out = self.selection(on, depth, path);
        if on == "Seller"
            && self.costly
            && self.tape.chance(40)
            && let Some(network) = self.network(path)
        {
            out.push(network);
        }
        out
    }

    fn network(&mut self, path: &str) -> Option<Sel> {
        let def = self.schema.field("Seller", "network")?.clone();
        let path = format!("{path}.network");
        let args = self.args_for("Seller", "network", &def, &path)?;
        if !args.iter().any(|(_, v)| v == "9") {
            self.note_forbidden("Seller", "network", &path);
        }
        // Flat inside: its cost is 500 times what it asks.
        let mut sub =
            vec![Sel::Field { alias: None, name: "truncated".into(), args: vec![], directive: None, sub: vec![] }];
        if self.tape.chance(60) {
            let seller = self.selection_flat("Seller", &path);
            let mut member =
                vec![Sel::Field { alias: None, name: "hops".into(), args: vec![], directive: None, sub: vec![] }];
            member.push(Sel::Field { alias: None, name: "seller".into(), args: vec![], directive: None, sub: seller });
            sub.push(Sel::Field { alias: None, name: "members".into(), args: vec![], directive: None, sub: member });
        }
        if self.tape.chance(30) {
            let a = vec![Sel::Field { alias: None, name: "id".into(), args: vec![], directive: None, sub: vec![] }];
            let link = vec![
                Sel::Field { alias: None, name: "kind".into(), args: vec![], directive: None, sub: vec![] },
                Sel::Field { alias: None, name: "a".into(), args: vec![], directive: None, sub: a },
            ];
            sub.push(Sel::Field { alias: None, name: "links".into(), args: vec![], directive: None, sub: link });
        }
        let ty = def.ty.clone();
        let alias = self.key_for("network", &args, &ty);
        Some(Sel::Field { alias, name: "network".into(), args, directive: None, sub })
    }

    /// A small selection of a network member's seller: leaves, `identifiers`, and at most one
    /// connection (whose `first` may be out of range, never costly).
    fn selection_flat(&mut self, on: &str, path: &str) -> Vec<Sel> {
        let mut out = vec![Sel::Field { alias: None, name: "id".into(), args: vec![], directive: None, sub: vec![] }];
        if self.tape.chance(30) {
            self.note_forbidden(on, "identifiers", path);
            let sub = vec![Sel::Field { alias: None, name: "kind".into(), args: vec![], directive: None, sub: vec![] }];
            out.push(Sel::Field { alias: None, name: "identifiers".into(), args: vec![], directive: None, sub });
        }
        if self.tape.chance(40) {
            let costly = std::mem::replace(&mut self.costly, false);
            let name = ["listings", "strikes", "noticeItems"][self.tape.pick(3)];
            let def = self.schema.field(on, name).cloned();
            if let Some(def) = def
                && let Some(args) = self.args_for(on, name, &def, &format!("{path}.{name}"))
            {
                let sub = vec![Sel::Field {
                    alias: None,
                    name: "totalCount".into(),
                    args: vec![],
                    directive: None,
                    sub: vec![],
                }];
                let alias = self.key_for(name, &args, &def.ty);
                out.push(Sel::Field { alias, name: name.into(), args, directive: None, sub });
            }
            self.costly = costly;
        }
        out
    }

    /// Notes that a field the role may not see was asked (the checker then allows errors).
    fn note_forbidden(&mut self, on: &str, name: &str, path: &str) {
        self.inject(format!("{path}: {on}.{name} (forbidden to some roles)"));
    }

    /// One field of `on`; the first of a set carries no directive.
    fn field(&mut self, on: &str, depth: usize, path: &str, first_of_set: bool) -> Option<Sel> {
        let fields: Vec<(String, FieldDef)> = self.schema.types.get(on)?.fields.clone();
        // Half the time, one of the fields that can fail.
        let interesting: Vec<usize> = fields
            .iter()
            .enumerate()
            .filter(|(_, (n, d))| {
                FORBIDDEN_TO_SOME.contains(&(on, n.as_str())) || d.args.iter().any(|(a, _, _)| a == "first")
            })
            .map(|(i, _)| i)
            .collect();
        let index = if !interesting.is_empty() && self.tape.chance(50) {
            interesting[self.tape.pick(interesting.len())]
        } else {
            self.tape.pick(fields.len() + 1)
        };
        let (name, def) = match fields.get(index) {
            Some(f) => f.clone(),
            None => ("__typename".to_owned(), FieldDef { ty: Type::new("String!").expect("type"), args: vec![] }),
        };
        if name == "network" {
            // Only where its cost stays small (`root_object`).
            return None;
        }
        let composite = self.schema.is_composite(named(&def.ty));
        if composite && (depth >= MAX_DEPTH || self.budget == 0) {
            return None;
        }
        let here = format!("{path}.{name}");
        let args = self.args_for(on, &name, &def, &here)?;
        let first = args.iter().find(|(k, _)| *k == "first").map(|(_, v)| v.parse::<i64>().unwrap_or(1));
        if first.is_some() && depth + 3 > MAX_DEPTH {
            return None;
        }
        self.budget = self.budget.saturating_sub(1);
        if FORBIDDEN_TO_SOME.contains(&(on, name.as_str())) {
            self.note_forbidden(on, &name, &here);
        }
        let sub = if composite { self.selection(named(&def.ty), depth + 1, &here) } else { vec![] };
        let directive = if first_of_set {
            None
        } else {
            match self.tape.pick(12) {
                1 => Some("@include(if: true)"),
                2 => Some("@skip(if: false)"),
                3 => Some("@skip(if: true)"),
                4 => Some("@include(if: false)"),
                _ => None,
            }
        };
        let alias = self.key_for(&name, &args, &def.ty);
        Some(Sel::Field { alias, name, args, directive, sub })
    }

    /// One root field.
    fn root(&mut self, who: &Who) -> Sel {
        let choice = self.tape.pick(9);
        let ids = self.ids;
        let pick = |g: &mut Self, ids: &[String]| ids[g.tape.pick(ids.len())].clone();
        let (name, args, sub) = match choice {
            0 | 1 => {
                let id = if self.tape.chance(15) {
                    self.inject("brand(id: \"x\")".into());
                    "x".to_owned()
                } else {
                    pick(self, &ids.brands)
                };
                let sub = self.root_object("Brand", 1, "brand");
                ("brand", vec![("id", format!("{id:?}"))], sub)
            }
            2 | 3 => {
                let id = pick(self, &ids.sellers);
                let sub = self.root_object("Seller", 1, "seller");
                ("seller", vec![("id", format!("{id:?}"))], sub)
            }
            4 => {
                let all: Vec<String> = [&ids.brands, &ids.sellers, &ids.notices, &ids.listings, &ids.trademarks]
                    .into_iter()
                    .flatten()
                    .cloned()
                    .collect();
                let id = if self.tape.chance(15) {
                    self.inject("node(id: \"garbage\")".into());
                    "garbage".to_owned()
                } else {
                    pick(self, &all)
                };
                if id.starts_with("ntc_") && *who != Who::Admin {
                    self.inject("node(id:) of a notice out of scope".into());
                }
                let sub = self.node_selection(1, "node", true);
                ("node", vec![("id", format!("{id:?}"))], sub)
            }
            5 => {
                let id = pick(self, &ids.notices);
                if *who != Who::Admin {
                    self.inject("notice(id:) out of scope".into());
                }
                let sub = self.selection("Notice", 1, "notice");
                ("notice", vec![("id", format!("{id:?}"))], sub)
            }
            6 => {
                let sub = self.selection("Viewer", 1, "viewer");
                ("viewer", vec![], sub)
            }
            _ => {
                let name = ["brands", "sellers", "notices"][self.tape.pick(3)];
                let def = self.schema.field("Query", name).cloned().expect("root connection");
                let args = self.args_for("Query", name, &def, name).unwrap_or_default();
                let sub = self.selection(named(&def.ty), 1, name);
                let alias = self.key_for(name, &args, &def.ty);
                return Sel::Field { alias, name: name.into(), args, directive: None, sub };
            }
        };
        let ty = self.schema.field("Query", name).map(|f| f.ty.clone()).expect("root field");
        let alias = self.key_for(name, &args, &ty);
        Sel::Field { alias, name: name.into(), args, directive: None, sub }
    }

    fn document(&mut self, who: &Who) -> Vec<Sel> {
        let roots = 1 + self.tape.pick(3);
        let mut out: Vec<Sel> = (0..roots).map(|_| self.root(who)).collect();
        if self.tape.chance(30) {
            self.duplicate("Query", &mut out, 0, "");
        }
        out
    }
}

fn render(sels: &[Sel], out: &mut String) {
    out.push('{');
    for sel in sels {
        out.push(' ');
        match sel {
            Sel::Field { alias, name, args, directive, sub } => {
                if let Some(a) = alias {
                    out.push_str(a);
                    out.push_str(": ");
                }
                out.push_str(name);
                if !args.is_empty() {
                    let rendered: Vec<String> = args.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                    out.push_str(&format!("({})", rendered.join(", ")));
                }
                if let Some(d) = directive {
                    out.push(' ');
                    out.push_str(d);
                }
                if !sub.is_empty() {
                    out.push(' ');
                    render(sub, out);
                }
            }
            Sel::Inline { on, sub } => {
                out.push_str("...");
                if let Some(on) = on {
                    out.push_str(" on ");
                    out.push_str(on);
                }
                out.push(' ');
                render(sub, out);
            }
            Sel::Spread(i) => out.push_str(&format!("...F{i}")),
        }
    }
    out.push_str(" }");
}

/// The query's cost as the service's complexity model counts it: 1 a field plus its children,
/// a connection its page times its children, a network 1,000 plus 500 times its children.
fn cost(sels: &[Sel], fragments: &[(String, Vec<Sel>)]) -> usize {
    sels.iter()
        .map(|sel| match sel {
            Sel::Field { name, args, sub, .. } => {
                let children = cost(sub, fragments);
                if let Some((_, first)) = args.iter().find(|(k, _)| *k == "first") {
                    let n: i64 = first.parse().unwrap_or(1);
                    let page = if n < 0 { 100 } else { n.clamp(1, 100) as usize };
                    page.saturating_mul(children.max(1))
                } else if name == "network" {
                    1_000 + 500 * children
                } else {
                    1 + children
                }
            }
            Sel::Inline { sub, .. } => cost(sub, fragments),
            Sel::Spread(i) => cost(&fragments[*i].1, fragments),
        })
        .fold(0usize, usize::saturating_add)
}

/// A generated query: its text and why it may fail.
struct Query {
    text: String,
    injected: Injected,
}

fn generate(choices: &[u32], schema: &Schema, ids: &Ids, who: &Who) -> Query {
    for costly in [true, false] {
        let mut generator = Gen::new(choices, schema, ids, costly);
        let roots = generator.document(who);
        if cost(&roots, &generator.fragments) > MAX_COST && costly {
            continue;
        }
        let mut text = String::from("query ");
        render(&roots, &mut text);
        for (i, (on, sub)) in generator.fragments.iter().enumerate() {
            text.push_str(&format!(" fragment F{i} on {on} "));
            render(sub, &mut text);
        }
        return Query { text, injected: generator.injected };
    }
    unreachable!("the cheap pass always returns")
}

// ---------------------------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Admin,
    /// The agent of brand B (sees B's stats only).
    AgentB,
    /// The agent of brand C (no notice at all).
    AgentC,
    /// Seller s1 (notices against its listings).
    SellerOne,
    /// Seller s3 (no notice against it).
    SellerThree,
}

const ROLES: [Who; 5] = [Who::Admin, Who::AgentB, Who::AgentC, Who::SellerOne, Who::SellerThree];

/// The service in process on the registry, driven from a runtime of its own so that proptest's
/// synchronous runner can call it (as fuzz.rs does).
struct Harness {
    app: Option<TestApp>,
    registry: Registry,
    rt: tokio::runtime::Runtime,
}

impl Harness {
    fn new() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        let (app, registry) = rt.block_on(async {
            let app = spawn().await;
            let registry = registry(&app).await;
            (app, registry)
        });
        Self { app: Some(app), registry, rt }
    }

    fn token(&self, who: Who) -> String {
        let w = &self.registry.world;
        match who {
            Who::Admin => token(Role::Admin, None, None),
            Who::AgentB => token(Role::BrandAgent, Some(w.brand_b), None),
            Who::AgentC => token(Role::BrandAgent, Some(self.registry.brand_c), None),
            Who::SellerOne => token(Role::Seller, None, Some(w.s1)),
            Who::SellerThree => token(Role::Seller, None, Some(w.s3)),
        }
    }

    fn ids(&self) -> Ids {
        let w = &self.registry.world;
        Ids {
            brands: vec![
                gid(Kind::Brand, w.brand_a),
                gid(Kind::Brand, w.brand_b),
                gid(Kind::Brand, self.registry.brand_c),
            ],
            sellers: vec![gid(Kind::Seller, w.s1), gid(Kind::Seller, w.s2), gid(Kind::Seller, w.s3)],
            notices: vec![gid(Kind::Notice, w.notice_a), gid(Kind::Notice, w.notice_b)],
            listings: vec![gid(Kind::Listing, w.l1a), gid(Kind::Listing, w.l2)],
            trademarks: vec![gid(Kind::Trademark, w.tm_a)],
        }
    }

    fn gql(&self, token: &str, query: &str) -> Value {
        let app = self.app.as_ref().expect("app");
        self.rt.block_on(app.gql(Some(token), query, json!({})))
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        // The pool must go while its runtime is still there.
        let _guard = self.rt.enter();
        self.app.take();
    }
}

/// Runs `test` on `cases` values of `strategy` (or `PROPTEST_CASES`), from a fixed seed unless
/// `RIGHTSGRAPH_FUZZ_SEED` is set; nothing is written to the work tree on failure.
fn check<S: Strategy>(name: &str, cases: u32, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>) {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(cases);
    let seed: u64 = std::env::var("RIGHTSGRAPH_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x6e75_6c6c);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 1024,
        max_shrink_time: 20_000,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes));
    if let Err(e) = runner.run(&strategy, test) {
        panic!("{name} (RIGHTSGRAPH_FUZZ_SEED={seed}): {e}");
    }
}

/// The generator's tape; its Debug says only how long it is (the failing query is in the message).
#[derive(Clone)]
struct Choices(Vec<u32>);

impl fmt::Debug for Choices {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} choices", self.0.len())
    }
}

/// How often each outcome came up, to tell that the generator reaches what it should.
#[derive(Debug, Default)]
struct Tally {
    cases: usize,
    with_errors: usize,
    data_null: usize,
    /// Errors whose null stopped strictly above the failed field, below `data`.
    propagated: usize,
    /// Errors on a nullable field (the null stays where it failed).
    in_place: usize,
    codes: BTreeMap<String, usize>,
}

#[test]
fn every_response_holds_each_requested_key_and_nulls_the_nearest_nullable_ancestor() {
    let schema = Schema::parse(SDL);
    let harness = Harness::new();
    let ids = harness.ids();
    let tokens: Vec<String> = ROLES.iter().map(|who| harness.token(*who)).collect();
    let tally = RefCell::new(Tally::default());
    let strategy = (vec(any::<u32>(), 0..400).prop_map(Choices), 0..ROLES.len());
    check("null propagation", 96, strategy, |(choices, role)| {
        let who = ROLES[role];
        let query = generate(&choices.0, &schema, &ids, &who);
        let doc = parse_query(&query.text).map_err(|e| TestCaseError::fail(format!("{e}\n{}", query.text)))?;
        let response = harness.gql(&tokens[role], &query.text);
        let context = || format!("as {who:?}\nquery: {}\nresponse: {response:#}", query.text);

        let codes: Vec<String> = response["errors"]
            .as_array()
            .map(|errors| errors.iter().map(|e| e["extensions"]["code"].as_str().unwrap_or("").to_owned()).collect())
            .unwrap_or_default();
        for code in &codes {
            if !["FORBIDDEN", "BAD_USER_INPUT", "NOT_FOUND"].contains(&code.as_str()) {
                return Err(TestCaseError::fail(format!("an error coded {code:?} for a valid query\n{}", context())));
            }
        }
        if !codes.is_empty() && query.injected.reasons.is_empty() {
            return Err(TestCaseError::fail(format!("errors although nothing could fail\n{}", context())));
        }
        if who == Who::Admin && codes.iter().any(|c| c != "BAD_USER_INPUT") {
            return Err(TestCaseError::fail(format!("ADMIN sees everything; only bad input may fail\n{}", context())));
        }

        let checker = Checker { schema: &schema, doc: &doc };
        let violations = checker.check(&response);
        if !violations.is_empty() {
            return Err(TestCaseError::fail(format!("{}\n{}", violations.join("\n"), context())));
        }

        let mut t = tally.borrow_mut();
        if std::env::var("NULLS_SHOW").is_ok() {
            println!("--- {who:?} {:?}\n{}\n{}\n", query.injected.reasons, query.text, response);
        }
        t.cases += 1;
        if !codes.is_empty() {
            t.with_errors += 1;
        }
        if response["data"].is_null() {
            t.data_null += 1;
        }
        for code in codes {
            *t.codes.entry(code).or_default() += 1;
        }
        let root = doc.operations.iter().next().map(|(_, op)| &op.node.selection_set.node).expect("operation");
        for error in response["errors"].as_array().into_iter().flatten() {
            let path: Vec<Seg> = error["path"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| {
                    s.as_str().map_or_else(|| Seg::Index(s.as_u64().unwrap_or(0) as usize), |k| Seg::Key(k.into()))
                })
                .collect();
            if let Ok(types) = checker.types_along(root, &path) {
                match (1..=path.len()).rev().find(|&k| types[k - 1].nullable) {
                    Some(k) if k == path.len() => t.in_place += 1,
                    Some(_) => t.propagated += 1,
                    None => {}
                }
            }
        }
        Ok(())
    });
    let t = tally.into_inner();
    println!("null propagation: {t:?}");
    assert!(t.with_errors * 4 >= t.cases, "too few cases with errors to say much: {t:?}");
    assert!(t.propagated > 0 && t.in_place > 0 && t.data_null > 0, "an outcome never came up: {t:?}");
    assert!(t.with_errors > t.data_null, "errors should mostly leave some data: {t:?}");
}

/// The planned executor answers every generated query exactly as the general executor does
/// (issue 10): the same documents as above, each sent by its role with the planner on and off,
/// must read the same (as JSON, errors in path order). Most documents hold something only the
/// general executor answers (`stats`, `identifiers`, a directive); the tally says how many the
/// planner answered itself, so that the comparison is not vacuous.
#[test]
fn every_generated_query_reads_the_same_with_the_planner_on_and_off() {
    let schema = Schema::parse(SDL);
    let harness = Harness::new();
    let ids = harness.ids();
    let tokens: Vec<String> = ROLES.iter().map(|who| harness.token(*who)).collect();
    let app = harness.app.as_ref().expect("app");
    let (cases, planned) = (RefCell::new(0_usize), RefCell::new(0_usize));
    let by_path = |mut body: Value| {
        if let Some(errors) = body.get_mut("errors").and_then(Value::as_array_mut) {
            errors.sort_by_key(|e| (e["path"].to_string(), e["message"].to_string()));
        }
        body
    };
    let strategy = (vec(any::<u32>(), 0..400).prop_map(Choices), 0..ROLES.len());
    check("planner equivalence", 96, strategy, |(choices, role)| {
        let query = generate(&choices.0, &schema, &ids, &ROLES[role]);
        app.app.pipeline.planner.store(true, std::sync::atomic::Ordering::Relaxed);
        let before = app.app.metrics.planned.get();
        let on = by_path(harness.gql(&tokens[role], &query.text));
        let answered = app.app.metrics.planned.get() > before;
        app.app.pipeline.planner.store(false, std::sync::atomic::Ordering::Relaxed);
        let off = by_path(harness.gql(&tokens[role], &query.text));
        app.app.pipeline.planner.store(true, std::sync::atomic::Ordering::Relaxed);
        if on != off {
            return Err(TestCaseError::fail(format!(
                "as {:?} the executors differ\nquery: {}\nplanner on: {on:#}\nplanner off: {off:#}",
                ROLES[role], query.text
            )));
        }
        *cases.borrow_mut() += 1;
        *planned.borrow_mut() += usize::from(answered);
        Ok(())
    });
    let (cases, planned) = (cases.into_inner(), planned.into_inner());
    println!("planner equivalence: {planned} of {cases} answered by the planner");
    assert!(planned * 10 >= cases, "the planner answered too few generated queries to say much: {planned} of {cases}");
}

/// The checker itself: it must reject what the repair exists to prevent.
#[test]
fn the_checker_rejects_missing_keys_misplaced_nulls_and_over_propagation() {
    let schema = Schema::parse(SDL);
    let query = "{ brand(id: \"brd_000000000001\") { id stats { itemsSubmitted } notices(first: 0) { totalCount } } \
                 node(id: \"slr_000000000001\") { __typename ... on Seller { handle identifiers { kind } } } }";
    let doc = parse_query(query).expect("query");
    let checker = Checker { schema: &schema, doc: &doc };
    let forbidden = |path: Value| json!({ "message": "no", "path": path, "extensions": { "code": "FORBIDDEN" } });
    let bad = |path: Value| json!({ "message": "no", "path": path, "extensions": { "code": "BAD_USER_INPUT" } });
    let seller = json!({ "__typename": "Seller", "handle": "h", "identifiers": null });
    let cases = [
        // Right: `notices` failed, `brand` is null; `identifiers` failed in place.
        (
            json!({ "data": { "brand": null, "node": seller }, "errors": [
            bad(json!(["brand", "notices"])), forbidden(json!(["node", "identifiers"]))
        ] }),
            true,
        ),
        // The key of the failed field left out.
        (
            json!({ "data": { "brand": null, "node": { "__typename": "Seller", "handle": "h" } }, "errors": [
            bad(json!(["brand", "notices"])), forbidden(json!(["node", "identifiers"]))
        ] }),
            false,
        ),
        // A null at a non-null position.
        (
            json!({ "data": { "brand": { "id": "b", "stats": null, "notices": null }, "node": seller }, "errors": [
            bad(json!(["brand", "notices"])), forbidden(json!(["node", "identifiers"]))
        ] }),
            false,
        ),
        // Nulled too far up: `node` for a nullable field under it.
        (
            json!({ "data": { "brand": null, "node": null }, "errors": [
            bad(json!(["brand", "notices"])), forbidden(json!(["node", "identifiers"]))
        ] }),
            false,
        ),
        // An error whose position holds a value.
        (
            json!({ "data": { "brand": { "id": "b", "stats": { "itemsSubmitted": 1 }, "notices": { "totalCount": 1 } }, "node": seller }, "errors": [
            forbidden(json!(["brand", "stats"])), forbidden(json!(["node", "identifiers"]))
        ] }),
            false,
        ),
        // `data: null` for an error that had a nullable ancestor.
        (json!({ "data": null, "errors": [bad(json!(["brand", "notices"]))] }), false),
    ];
    for (i, (response, ok)) in cases.iter().enumerate() {
        let violations = checker.check(response);
        assert_eq!(violations.is_empty(), *ok, "case {i}: {violations:#?}");
    }
}

/// A field asked twice under one key is one field (the specification merges them): one failure
/// is one error.
#[tokio::test]
async fn a_field_asked_twice_fails_with_one_error() {
    let app = crate::harness::spawn().await;
    let brand = crate::workflow_support::create_brand(&app, "Twice").await;
    let other = crate::workflow_support::create_brand(&app, "Other").await;
    let query = "query($b: ID!) { brand(id: $b) { stats { itemsSubmitted } stats { itemsPending } name } }";
    let answer = app.gql(Some(&crate::workflow_support::agent(&other)), query, serde_json::json!({"b": brand})).await;
    assert_eq!(crate::harness::codes(&answer), ["FORBIDDEN"], "{answer:#}");
    assert_eq!(answer["data"]["brand"], serde_json::json!({"stats": null, "name": "Twice"}), "{answer:#}");
}
