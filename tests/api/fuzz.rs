//! Property tests and abuse cases (CONTRACT.md sections 2, 5 and 6): random and mutated GraphQL
//! documents, random variables, ids, cursors and bodies never make the server panic or answer 500,
//! and every answer is JSON with `data` or a non-empty `errors` whose every entry carries a code of
//! the contract (never `INTERNAL_SERVER_ERROR` for a client's input). Also properties of the
//! parsers behind the API (global ids, cursors, seller identifiers), and requests built to hurt:
//! deep nesting, alias floods, huge pages, huge variables, huge bodies, fragment cycles and bombs.
//!
//! The seed is fixed so that CI is reproducible; `RIGHTSGRAPH_FUZZ_SEED=N` explores other inputs
//! and `PROPTEST_CASES=N` runs more cases per property.

use std::fmt::Debug;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use rightsgraph::auth::Role;
use rightsgraph::ids::{GlobalId, Kind};
use rightsgraph::pagination::Cursor;
use rightsgraph::sellers::identifier::Identifier;
use rightsgraph::sellers::types::IdentifierKind;
use serde_json::{Map, Value, json};

use crate::fixtures::World;
use crate::harness::{Reply, TestApp, gid, spawn, token};

// ---------------------------------------------------------------------------------------------
// The oracle
// ---------------------------------------------------------------------------------------------

/// Every `extensions.code` of CONTRACT.md section 6.
const CODES: [&str; 8] = [
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "BAD_USER_INPUT",
    "CONFLICT",
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "INTERNAL_SERVER_ERROR",
];

/// Checks an answer to a client's (possibly malformed) request: not a 5xx; a JSON body with an
/// object `data` or a non-empty `errors`, every error with a contract code that is not
/// `INTERNAL_SERVER_ERROR`. Returns the body.
fn verdict(reply: &Reply) -> Result<Value, String> {
    let text = || String::from_utf8_lossy(&reply.body).chars().take(800).collect::<String>();
    if reply.status.is_server_error() {
        return Err(format!("HTTP {}: {}", reply.status, text()));
    }
    let body: Value = serde_json::from_slice(&reply.body)
        .map_err(|e| format!("HTTP {}: the body is not JSON ({e}): {}", reply.status, text()))?;
    match body.get("errors") {
        None if body.get("data").is_some_and(Value::is_object) => Ok(body),
        None => Err(format!("HTTP {}: neither `data` nor `errors`: {body}", reply.status)),
        Some(Value::Array(errors)) if !errors.is_empty() => {
            for error in errors {
                let code = error["extensions"]["code"].as_str().unwrap_or("");
                if !CODES.contains(&code) {
                    return Err(format!("HTTP {}: an error without a contract code: {error}", reply.status));
                }
                if code == "INTERNAL_SERVER_ERROR" {
                    return Err(format!("HTTP {}: INTERNAL_SERVER_ERROR for a client's input: {error}", reply.status));
                }
            }
            Ok(body)
        }
        Some(other) => Err(format!("HTTP {}: `errors` is not a non-empty list: {other}", reply.status)),
    }
}

/// The codes of `body`'s errors.
fn codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| errors.iter().map(|e| e["extensions"]["code"].as_str().unwrap_or("").to_owned()).collect())
        .unwrap_or_default()
}

fn fail(message: String) -> TestCaseError {
    TestCaseError::fail(message)
}

// ---------------------------------------------------------------------------------------------
// Running properties
// ---------------------------------------------------------------------------------------------

/// Runs `test` on `cases` values of `strategy` (or `PROPTEST_CASES`), from a fixed seed unless
/// `RIGHTSGRAPH_FUZZ_SEED` is set; nothing is written to the work tree on failure.
fn check<S: Strategy>(name: &str, cases: u32, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>) {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(cases);
    let seed: u64 = std::env::var("RIGHTSGRAPH_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 512,
        max_shrink_time: 20_000,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes));
    if let Err(e) = runner.run(&strategy, test) {
        panic!("{name} (RIGHTSGRAPH_FUZZ_SEED={seed}): {e}");
    }
}

/// The service in process on the fixtures' world, driven from a runtime of its own so that
/// proptest's synchronous runner can call it.
struct Fuzz {
    app: Option<TestApp>,
    world: World,
    /// ADMIN, REVIEWER, ANALYST, BRAND_AGENT of A, SELLER s1, no token, a garbage token.
    tokens: Vec<Option<String>>,
    rt: tokio::runtime::Runtime,
}

impl Fuzz {
    fn new() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        let (app, world) = rt.block_on(async {
            let app = spawn().await;
            let world = World::build(&app.app.db).await;
            (app, world)
        });
        let tokens = vec![
            Some(token(Role::Admin, None, None)),
            Some(token(Role::Reviewer, None, None)),
            Some(token(Role::Analyst, None, None)),
            Some(token(Role::BrandAgent, Some(world.brand_a), None)),
            Some(token(Role::Seller, None, Some(world.s1))),
            None,
            Some("not.a.jwt".to_owned()),
        ];
        Self { app: Some(app), world, tokens, rt }
    }

    fn admin(&self) -> Option<&str> {
        self.tokens[0].as_deref()
    }

    fn send(&self, request: Request<Body>) -> Reply {
        let app = self.app.as_ref().expect("app");
        self.rt.block_on(app.send(request))
    }

    /// `POST /graphql` of `body` as `application/json`.
    fn post(&self, token: Option<&str>, body: Vec<u8>, graphql_response: bool) -> Reply {
        let mut request = Request::post("/graphql").header("content-type", "application/json");
        if graphql_response {
            request = request.header("accept", "application/graphql-response+json");
        }
        if let Some(t) = token {
            request = request.header("authorization", format!("Bearer {t}"));
        }
        self.send(request.body(Body::from(body)).expect("request"))
    }

    /// `POST /graphql` of `{ query, variables }`.
    fn gql(&self, token: Option<&str>, query: &str, variables: &Value) -> Reply {
        self.post(token, json!({ "query": query, "variables": variables }).to_string().into_bytes(), false)
    }

    /// `GET /graphql?query=…`.
    fn get(&self, token: Option<&str>, query: &str) -> Reply {
        let mut request = Request::get(format!("/graphql?query={}", percent(query)));
        if let Some(t) = token {
            request = request.header("authorization", format!("Bearer {t}"));
        }
        self.send(request.body(Body::empty()).expect("request"))
    }
}

impl Drop for Fuzz {
    fn drop(&mut self) {
        // The pool must go while its runtime is still there.
        let _guard = self.rt.enter();
        self.app.take();
    }
}

/// Percent-encodes `text` for a query string.
fn percent(text: &str) -> String {
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

// ---------------------------------------------------------------------------------------------
// Seed documents and their mutations
// ---------------------------------------------------------------------------------------------

/// Valid documents over the whole schema, with their variables, as ADMIN would send them.
fn documents(w: &World) -> Vec<(String, Value)> {
    let s1 = gid(Kind::Seller, w.s1);
    let brand_a = gid(Kind::Brand, w.brand_a);
    let docs: Vec<(&str, Value)> = vec![
        ("{ __typename }", json!({})),
        ("{ viewer { subject role brand { id name } seller { id handle } } }", json!({})),
        (
            "query Brands($n: Int, $after: String) { brands(first: $n, after: $after) { totalCount \
             edges { cursor node { id name country trustTier createdAt } } \
             pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }",
            json!({ "n": 2 }),
        ),
        (
            "query Node($id: ID!) { node(id: $id) { __typename id ... on Seller { handle status activeStrikeCount } \
             ... on Listing { title price { amount currency } } } }",
            json!({ "id": s1 }),
        ),
        (
            "query($id: ID!) { seller(id: $id) { id handle displayName country status createdAt \
             listings(first: 3, status: ACTIVE) { nodes { id title url status listedAt removedAt } } \
             strikes(first: 2, activeOnly: true) { totalCount nodes { id active voided issuedAt expiresAt brand { name } } } \
             noticeItems(first: 2) { nodes { id status } } \
             network(maxHops: 2) { totalActiveStrikes truncated members { hops seller { id } } links { kind a { id } b { id } } } \
             identifiers { kind value } } }",
            json!({ "id": s1 }),
        ),
        (
            "{ notices(first: 3, filter: { status: OPEN }) { totalCount nodes { id status reason expedited submittedAt \
             closedAt brand { name } items(first: 5) { nodes { id status decidedAt decisionReason listing { title } \
             trademark { mark status } counterNotice { id status statement } strike { active } } } \
             events(first: 3) { nodes { kind actorRole at note } } } } }",
            json!({}),
        ),
        (
            "query($id: ID!, $since: DateTime) { brand(id: $id) { name stats(since: $since) { noticesSubmitted \
             itemsSubmitted itemsPending itemsRemoved itemsRejected itemsReinstated counterNoticesFiled takedownRate \
             counterNoticeSuccessRate medianHoursToDecision } enforcementHistory(first: 3) { nodes { kind at } } \
             trademarks(first: 2) { nodes { mark registrationNumber niceClasses expiresOn } } notices(first: 2) { totalCount } } }",
            json!({ "id": brand_a, "since": "2020-01-01T00:00:00Z" }),
        ),
        (
            "{ repeatOffenders(minActiveStrikes: 1, first: 5) { totalCount nodes { id handle } } \
             offenderClusters(minMembers: 1, minActiveStrikes: 0, first: 3) { totalCount nodes { size totalActiveStrikes \
             members(first: 2) { nodes { id } } } } }",
            json!({}),
        ),
        (
            "{ listings(first: 4, filter: { titleContains: \"acme\" }) { nodes { id title seller { handle } \
             noticeItems(first: 1) { totalCount } } } }",
            json!({}),
        ),
        (
            "query { ...Q } fragment Q on Query { brands(first: 2) { nodes { ...B } } } \
             fragment B on Brand { id name trademarks(first: 1) { nodes { id } } }",
            json!({}),
        ),
        (
            "{ __schema { queryType { name } types { name kind fields { name args { name type { name } } } } } }",
            json!({}),
        ),
        (
            "query($l: ID!, $t: ID!, $n: ID!) { listing(id: $l) { id seller { id listings(first: 1) { nodes { id } } } } \
             trademark(id: $t) { mark brand { name } notices(first: 1) { totalCount } } notice(id: $n) { id status } }",
            json!({
                "l": gid(Kind::Listing, w.l1a),
                "t": gid(Kind::Trademark, w.tm_a),
                "n": gid(Kind::Notice, w.notice_a),
            }),
        ),
        ("mutation { createBrand(input: { name: \"Fuzz Brand\", country: \"FR\" }) { id name trustTier } }", json!({})),
        (
            "mutation($input: SubmitNoticeInput!) { submitNotice(input: $input) { id status items(first: 5) { nodes { id } } } }",
            json!({ "input": {
                "brandId": brand_a,
                "reason": "COUNTERFEIT",
                "explanation": "Counterfeit goods bearing our mark.",
                "goodFaithDeclaration": true,
                "items": [{ "listingId": gid(Kind::Listing, w.l3), "trademarkId": gid(Kind::Trademark, w.tm_a) }],
                "idempotencyKey": "fuzz-1",
            } }),
        ),
        (
            "mutation($input: AddSellerIdentifierInput!) { addSellerIdentifier(input: $input) { id identifiers { kind value } } }",
            json!({ "input": { "sellerId": gid(Kind::Seller, w.s3), "kind": "EMAIL", "value": "A.b+c@GoogleMail.com" } }),
        ),
        (
            "mutation($input: DecideNoticeItemInput!) { decideNoticeItem(input: $input) { id status strike { id } } }",
            json!({ "input": { "itemId": gid(Kind::NoticeItem, w.item_a2), "decision": "REJECT", "reason": "not ours" } }),
        ),
        (
            "mutation($input: RegisterTrademarkInput!) { registerTrademark(input: $input) { id status } }",
            json!({ "input": {
                "brandId": brand_a, "mark": "ACME", "registrationNumber": "FZ-1", "jurisdiction": "US",
                "niceClasses": [25], "expiresOn": "2031-01-01",
            } }),
        ),
        (
            "mutation($id: ID!) { withdrawNotice(id: $id) { id status closedAt } }",
            json!({ "id": gid(Kind::Notice, w.notice_b) }),
        ),
    ];
    docs.into_iter().map(|(d, v)| (d.to_owned(), v)).collect()
}

/// One change to a document.
#[derive(Debug, Clone)]
enum Edit {
    Delete(Index),
    Duplicate(Index, usize),
    Swap(Index),
    Insert(Index, char),
    /// A piece of another seed document, put at a position.
    Splice(Index, Index, Index, usize),
    Truncate(Index),
}

/// Characters that matter to GraphQL, and a few that should not be there at all.
const ALPHABET: &[char] = &[
    '{',
    '}',
    '(',
    ')',
    '[',
    ']',
    ':',
    '!',
    '$',
    '@',
    '.',
    '"',
    '\\',
    ',',
    '=',
    '#',
    '|',
    '&',
    ' ',
    '\n',
    'a',
    'z',
    'A',
    '0',
    '9',
    '_',
    '-',
    '+',
    'e',
    'é',
    '\u{0}',
    '\u{feff}',
    '\u{1F600}',
    '\'',
    '`',
    '\t',
];

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => any::<Index>().prop_map(Edit::Delete),
        2 => (any::<Index>(), 1..20usize).prop_map(|(i, n)| Edit::Duplicate(i, n)),
        2 => any::<Index>().prop_map(Edit::Swap),
        3 => (any::<Index>(), select(ALPHABET)).prop_map(|(i, c)| Edit::Insert(i, c)),
        2 => (any::<Index>(), any::<Index>(), any::<Index>(), 1..40usize).prop_map(|(a, b, c, n)| Edit::Splice(a, b, c, n)),
        1 => any::<Index>().prop_map(Edit::Truncate),
    ]
}

/// `doc` with `edits` applied; `others` are the seed documents, for splices.
fn mutate(doc: &str, edits: &[Edit], others: &[(String, Value)]) -> String {
    let mut chars: Vec<char> = doc.chars().collect();
    for edit in edits {
        let len = chars.len();
        match edit {
            Edit::Delete(i) if len > 0 => {
                chars.remove(i.index(len));
            }
            Edit::Duplicate(i, n) if len > 0 => {
                let at = i.index(len);
                let end = (at + n).min(len);
                let piece: Vec<char> = chars[at..end].to_vec();
                chars.splice(end..end, piece);
            }
            Edit::Swap(i) if len > 1 => {
                let at = i.index(len - 1);
                chars.swap(at, at + 1);
            }
            Edit::Insert(i, c) => chars.insert(i.index(len + 1), *c),
            Edit::Splice(at, which, from, n) => {
                let other: Vec<char> = others[which.index(others.len())].0.chars().collect();
                let start = from.index(other.len());
                let piece = other[start..(start + n).min(other.len())].to_vec();
                let at = at.index(len + 1);
                chars.splice(at..at, piece);
            }
            Edit::Truncate(i) if len > 0 => chars.truncate(i.index(len)),
            _ => {}
        }
    }
    chars.into_iter().collect()
}

/// GraphQL tokens, for documents that lex but mostly do not parse or validate.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ":",
    "!",
    "=",
    "...",
    "@include(if: true)",
    "@skip(if: $v)",
    "@deprecated",
    "query",
    "mutation",
    "subscription",
    "fragment",
    "F",
    "on",
    "Query",
    "Brand",
    "Seller",
    "$v",
    "$id",
    "Int",
    "ID!",
    "String",
    "brands",
    "sellers",
    "node",
    "brand",
    "seller",
    "id",
    "name",
    "nodes",
    "edges",
    "cursor",
    "totalCount",
    "first",
    "after",
    "1",
    "0",
    "-1",
    "100",
    "101",
    "2147483648",
    "1e400",
    "1.5",
    "\"x\"",
    "\"\"\"block\"\"\"",
    "true",
    "null",
    "OPEN",
    "__typename",
    "__schema",
    "__type(name: \"Brand\")",
    "createBrand",
    "input",
    "notices",
    "items",
    "network",
    "maxHops",
    "filter",
    "status",
    ",",
    "a:",
    "b:",
    "\"brd_000000000001\"",
    "\"\\u0000\"",
];

fn token_soup() -> impl Strategy<Value = String> {
    vec(select(TOKENS), 0..60).prop_map(|tokens| tokens.join(" "))
}

// ---------------------------------------------------------------------------------------------
// Random JSON
// ---------------------------------------------------------------------------------------------

/// Names the schema's inputs use, so that random objects sometimes fit.
const KEYS: &[&str] = &[
    "id",
    "n",
    "after",
    "since",
    "input",
    "name",
    "country",
    "brandId",
    "reason",
    "explanation",
    "goodFaithDeclaration",
    "items",
    "listingId",
    "trademarkId",
    "idempotencyKey",
    "sellerId",
    "kind",
    "value",
    "status",
    "titleContains",
    "price",
    "amount",
    "currency",
    "itemId",
    "decision",
    "mark",
    "registrationNumber",
    "jurisdiction",
    "niceClasses",
    "expiresOn",
    "first",
    "filter",
    "v",
    "l",
    "t",
];

fn interesting_strings(w: &World) -> Vec<String> {
    let mut out: Vec<String> = [
        "",
        " ",
        "OPEN",
        "ACTIVE",
        "REMOVE",
        "REJECT",
        "COUNTERFEIT",
        "EMAIL",
        "PHONE",
        "US",
        "2024-02-30",
        "2024-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "-1",
        "1e400",
        "NaN",
        "brd_",
        "brd_999999999999",
        "brd_-00000000001",
        "c1:",
        "YzE6",
        "YzE6MTox",
        "\u{0}",
        "\u{feff}",
        "x@gmail.com",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    out.push("9".repeat(40));
    out.push("a".repeat(6000));
    for (kind, key) in [
        (Kind::Brand, w.brand_a),
        (Kind::Seller, w.s1),
        (Kind::Listing, w.l2),
        (Kind::Trademark, w.tm_a),
        (Kind::Notice, w.notice_a),
        (Kind::NoticeItem, w.item_a2),
        (Kind::CounterNotice, w.counter_a),
        (Kind::Strike, w.strike_a),
        (Kind::NoticeEvent, w.event_a_submitted),
    ] {
        out.push(gid(kind, key));
    }
    out.push(Cursor(vec![1, 1]).encode());
    out
}

fn arb_json(strings: Vec<String>) -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-3..120i64).prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        select(strings).prop_map(Value::from),
        ".{0,24}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            btree_map(prop_oneof![3 => select(KEYS).prop_map(str::to_owned), 1 => ".{0,8}"], inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
    .boxed()
}

// ---------------------------------------------------------------------------------------------
// Properties over the router
// ---------------------------------------------------------------------------------------------

#[test]
fn the_seed_documents_are_valid() {
    let fz = Fuzz::new();
    for (doc, variables) in documents(&fz.world) {
        let reply = fz.gql(fz.admin(), &doc, &variables);
        let body = verdict(&reply).unwrap_or_else(|e| panic!("{doc}: {e}"));
        let codes = codes(&body);
        assert!(
            !codes.iter().any(|c| c.starts_with("GRAPHQL_")),
            "a seed document must parse and validate: {doc}\n{body:#}"
        );
    }
}

#[test]
fn mutated_documents_never_fail_the_server() {
    let fz = Fuzz::new();
    let docs = documents(&fz.world);
    let strategy = (0..docs.len(), vec(edit(), 1..8), 0..fz.tokens.len(), 0..4u8);
    check("mutated documents", 128, strategy, |(which, edits, who, how)| {
        let (doc, variables) = &docs[which];
        let query = mutate(doc, &edits, &docs);
        let token = fz.tokens[who].as_deref();
        let reply = match how {
            0 => fz.get(token, &query),
            1 => fz.post(token, json!({ "query": query, "variables": variables }).to_string().into_bytes(), true),
            _ => fz.gql(token, &query, variables),
        };
        verdict(&reply).map(|_| ()).map_err(|e| fail(format!("{e}\nquery: {query:?}")))
    });
}

#[test]
fn random_documents_never_fail_the_server() {
    let fz = Fuzz::new();
    let strategy = (
        prop_oneof![
            any::<String>(),
            "[{}()\\[\\]:!$@.\"a-z0-9 ,=#|&_\n-]{0,200}",
            token_soup(),
            token_soup().prop_map(|soup| format!("{{ {soup} }}")),
        ],
        0..fz.tokens.len(),
    );
    check("random documents", 128, strategy, |(query, who)| {
        let reply = fz.gql(fz.tokens[who].as_deref(), &query, &json!({}));
        verdict(&reply).map(|_| ()).map_err(|e| fail(format!("{e}\nquery: {query:?}")))
    });
}

/// Documents whose variables the property below fills at random.
const WITH_VARIABLES: &[&str] = &[
    "query($id: ID!, $n: Int, $after: String, $status: SellerStatus) { node(id: $id) { id } \
     sellers(first: $n, after: $after, status: $status) { totalCount nodes { id } } }",
    "query($filter: ListingFilter, $n: Int) { listings(first: $n, filter: $filter) { totalCount nodes { id } } }",
    "query($filter: NoticeFilter) { notices(first: 5, filter: $filter) { totalCount } }",
    "query($id: ID!, $since: DateTime) { brand(id: $id) { stats(since: $since) { noticesSubmitted } \
     enforcementHistory(first: 2, since: $since) { totalCount } } }",
    "query($id: ID!, $hops: Int!) { seller(id: $id) { network(maxHops: $hops) { truncated members { hops } } } }",
    "query($min: Int!, $brandId: ID) { repeatOffenders(minActiveStrikes: $min, brandId: $brandId) { totalCount } }",
    "mutation($input: CreateBrandInput!) { createBrand(input: $input) { id } }",
    "mutation($input: SubmitNoticeInput!) { submitNotice(input: $input) { id } }",
    "mutation($input: AddSellerIdentifierInput!) { addSellerIdentifier(input: $input) { id } }",
    "mutation($input: CreateListingInput!) { createListing(input: $input) { id } }",
    "mutation($input: RegisterSellerInput!) { registerSeller(input: $input) { id } }",
    "mutation($input: RegisterTrademarkInput!) { registerTrademark(input: $input) { id } }",
    "mutation($input: DecideNoticeItemInput!) { decideNoticeItem(input: $input) { id } }",
    "mutation($input: FileCounterNoticeInput!) { fileCounterNotice(input: $input) { id } }",
    "mutation($input: ResolveCounterNoticeInput!) { resolveCounterNotice(input: $input) { id } }",
    "mutation($id: ID!) { withdrawNotice(id: $id) { id } }",
];

#[test]
fn random_variables_never_fail_the_server() {
    let fz = Fuzz::new();
    let json = arb_json(interesting_strings(&fz.world));
    let variables = prop_oneof![
        4 => btree_map(select(KEYS).prop_map(str::to_owned), json.clone(), 0..6)
            .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        1 => json,
    ];
    let strategy = (0..WITH_VARIABLES.len(), variables, 0..fz.tokens.len(), proptest::option::of(".{0,6}"));
    check("random variables", 128, strategy, |(which, variables, who, operation)| {
        let mut body = json!({ "query": WITH_VARIABLES[which], "variables": variables });
        if let Some(name) = operation {
            body["operationName"] = json!(name);
        }
        let reply = fz.post(fz.tokens[who].as_deref(), body.to_string().into_bytes(), false);
        verdict(&reply).map(|_| ()).map_err(|e| fail(format!("{e}\nbody: {body}")))
    });
}

/// Fields that take an id (`{id}`) or page arguments (`{page}` = `first: $first, after: $after`).
const ID_AND_PAGE_FIELDS: &[&str] = &[
    "node(id: $id) { id }",
    "brand(id: $id) { id }",
    "seller(id: $id) { id }",
    "listing(id: $id) { id }",
    "notice(id: $id) { id }",
    "trademark(id: $id) { id }",
    "brands({page}) { totalCount edges { cursor } }",
    "sellers({page}) { totalCount edges { cursor } }",
    "listings({page}) { totalCount edges { cursor } }",
    "notices({page}) { totalCount edges { cursor } }",
    "repeatOffenders(minActiveStrikes: 1, {page}) { totalCount edges { cursor } }",
    "offenderClusters(minMembers: 1, minActiveStrikes: 0, {page}) { totalCount edges { cursor } }",
    "seller(id: $id) { listings({page}) { totalCount } strikes({page}) { totalCount } noticeItems({page}) { totalCount } }",
    "brand(id: $id) { notices({page}) { totalCount } enforcementHistory({page}) { totalCount } trademarks({page}) { totalCount } }",
    "notice(id: $id) { items({page}) { totalCount } events({page}) { totalCount } }",
    "brands({page}) { nodes { notices({page}) { nodes { items({page}) { totalCount } } } } }",
];

const TAGS: &[&str] = &["brd", "tmk", "slr", "lst", "ntc", "itm", "cnt", "stk", "evt", "xyz", "BRD", ""];

fn arb_id(valid: Vec<String>) -> impl Strategy<Value = String> {
    prop_oneof![
        2 => select(valid),
        3 => (select(TAGS), "[0-9]{0,14}").prop_map(|(tag, digits)| format!("{tag}_{digits}")),
        1 => (select(TAGS), any::<i64>()).prop_map(|(tag, n)| format!("{tag}_{n:012}")),
        2 => any::<String>(),
        1 => "[a-z_0-9+-]{0,20}",
    ]
}

fn arb_cursor() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => vec(any::<i64>(), 0..6).prop_map(|v| Cursor(v).encode()),
        2 => vec(-3..1000i64, 1..4).prop_map(|v| Cursor(v).encode()),
        2 => ".{0,40}".prop_map(|text| URL_SAFE_NO_PAD.encode(format!("c1:{text}"))),
        1 => vec(any::<u8>(), 0..60).prop_map(|bytes| URL_SAFE_NO_PAD.encode(bytes)),
        1 => any::<String>(),
        1 => "[A-Za-z0-9_=+/-]{0,300}",
    ]
}

#[test]
fn random_ids_cursors_and_page_sizes_are_client_errors() {
    let fz = Fuzz::new();
    let w = &fz.world;
    let valid: Vec<String> = vec![
        gid(Kind::Brand, w.brand_a),
        gid(Kind::Seller, w.s1),
        gid(Kind::Listing, w.l1a),
        gid(Kind::Notice, w.notice_a),
        gid(Kind::Trademark, w.tm_a),
        gid(Kind::NoticeItem, w.item_a1),
        gid(Kind::Strike, w.strike_b),
        gid(Kind::Brand, 999_999_999_999),
    ];
    let first = prop_oneof![
        Just(None),
        (-3..110i32).prop_map(Some),
        any::<i32>().prop_map(Some),
        Just(Some(i32::MAX)),
        Just(Some(i32::MIN)),
    ];
    let strategy =
        (0..ID_AND_PAGE_FIELDS.len(), arb_id(valid), proptest::option::of(arb_cursor()), first, 0..fz.tokens.len());
    check("ids, cursors, page sizes", 128, strategy, |(which, id, after, first, who)| {
        let field = ID_AND_PAGE_FIELDS[which].replace("{page}", "first: $first, after: $after");
        let (uses_id, pages) = (field.contains("$id"), field.contains("$first"));
        let mut definitions = Vec::new();
        let mut variables = Map::new();
        if uses_id {
            definitions.push("$id: ID!");
            variables.insert("id".into(), json!(id));
        }
        if pages {
            definitions.extend(["$first: Int", "$after: String"]);
            variables.insert("first".into(), json!(first));
            variables.insert("after".into(), json!(after));
        }
        let query = format!("query({}) {{ {field} }}", definitions.join(", "));
        let variables = Value::Object(variables);
        let reply = fz.gql(fz.tokens[who].as_deref(), &query, &variables);
        let body = verdict(&reply).map_err(|e| fail(format!("{e}\nquery: {query}\nvariables: {variables}")))?;
        // Signed-in callers that may read the field reach the argument checks of section 5.
        let codes = codes(&body);
        let admin = who == 0;
        let bad_id = uses_id && GlobalId::parse(&id).is_none();
        // Page arguments below an object that does not exist are never looked at.
        let reached = !codes.iter().any(|c| c == "NOT_FOUND");
        let bad_first = pages && reached && first.is_some_and(|n| !(1..=100).contains(&n));
        let bad_after = pages && reached && after.as_deref().is_some_and(|c| Cursor::decode(c).is_none());
        if admin && (bad_id || bad_first || bad_after) {
            let expected: &[&str] =
                if bad_first { &["BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED"] } else { &["BAD_USER_INPUT"] };
            prop_assert!(
                codes.iter().any(|c| expected.contains(&c.as_str())),
                "expected {expected:?} for a malformed argument\nquery: {query}\nvariables: {variables}\nanswer: {body}"
            );
        }
        Ok(())
    });
}

#[test]
fn random_bodies_never_fail_the_server() {
    let fz = Fuzz::new();
    let docs = documents(&fz.world);
    let valid_body =
        json!({ "query": "query($n: Int) { brands(first: $n) { totalCount } }", "variables": { "n": 1 } }).to_string();
    let strategy = (
        prop_oneof![
            vec(any::<u8>(), 0..400),
            vec(edit(), 1..6).prop_map(move |edits| mutate(&valid_body, &edits, &docs).into_bytes()),
            arb_json(vec!["{ __typename }".into(), "query".into()]).prop_map(|v| v.to_string().into_bytes()),
            btree_map(
                select(&["query", "variables", "operationName", "extensions"][..]),
                arb_json(vec!["x".into()]),
                0..4
            )
            .prop_map(|m| serde_json::to_vec(&m).unwrap_or_default()),
        ],
        any::<bool>(),
    );
    check("random bodies", 128, strategy, |(body, graphql_response)| {
        let reply = fz.post(fz.admin(), body.clone(), graphql_response);
        verdict(&reply).map(|_| ()).map_err(|e| fail(format!("{e}\nbody: {:?}", String::from_utf8_lossy(&body))))
    });
}

// ---------------------------------------------------------------------------------------------
// Properties of the parsers
// ---------------------------------------------------------------------------------------------

#[test]
fn global_ids_parse_without_panic_and_round_trip() {
    check(
        "GlobalId::parse on anything",
        1024,
        prop_oneof![any::<String>(), arb_id(vec!["brd_000000000001".into()])],
        |raw| {
            if let Some(id) = GlobalId::parse(&raw) {
                prop_assert_eq!(id.to_string(), raw.clone(), "a parsed id prints back as itself");
                prop_assert!((0..=999_999_999_999).contains(&id.key));
            }
            Ok(())
        },
    );
    check("GlobalId round trip", 1024, (select(&Kind::ALL[..]), 0..=999_999_999_999i64), |(kind, key)| {
        let id = GlobalId::new(kind, key);
        prop_assert_eq!(GlobalId::parse(&id.to_string()), Some(id));
        Ok(())
    });
}

#[test]
fn cursors_decode_without_panic_and_round_trip() {
    check("Cursor::decode on anything", 1024, arb_cursor(), |raw| {
        if let Some(cursor) = Cursor::decode(&raw) {
            prop_assert!((1..=4).contains(&cursor.0.len()), "{cursor:?}");
            prop_assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        }
        Ok(())
    });
    check("Cursor round trip", 1024, vec(any::<i64>(), 1..=4), |values| {
        let cursor = Cursor(values);
        prop_assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        Ok(())
    });
}

const IDENTIFIER_KINDS: [IdentifierKind; 7] = [
    IdentifierKind::PaymentAccount,
    IdentifierKind::BusinessRegistration,
    IdentifierKind::Phone,
    IdentifierKind::Email,
    IdentifierKind::Address,
    IdentifierKind::Device,
    IdentifierKind::ImageHash,
];

/// Pieces of identifier spellings, Unicode case and space oddities included.
const PIECES: &[&str] = &[
    "a",
    "B",
    "z",
    "0",
    "7",
    " ",
    "  ",
    "\t",
    "\n",
    "\u{a0}",
    "\u{3000}",
    ".",
    "+",
    "-",
    "(",
    ")",
    "@",
    "@gmail.com",
    "@GoogleMail.com",
    "@example.com",
    "İ",
    "ß",
    "ẞ",
    "Σ",
    "ς",
    "Ⅻ",
    "٣",
    "é",
    "e\u{301}",
    "\u{301}",
    "ǅ",
    "K",
    "#",
    ",",
    "/",
    "_",
    "\u{200b}",
];

fn arb_identifier_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => vec(select(PIECES), 0..16).prop_map(|p| p.concat()),
        2 => any::<String>(),
        1 => (select(PIECES), 300..600usize).prop_map(|(piece, n)| piece.repeat(n)),
    ]
}

#[test]
fn identifier_normalization_is_idempotent_for_every_kind() {
    // Spellings random search rarely builds: a gmail local part that starts with blanks once its
    // dots go, and text that grows when lowercased ('İ' is two characters in lower case).
    let mut broken = Vec::new();
    for (kind, raw) in [
        (IdentifierKind::Email, ". a@gmail.com".to_owned()),
        (IdentifierKind::Email, "a.\u{a0}.b@googlemail.com".to_owned()),
        (IdentifierKind::Email, "\u{a0}a@example.com".to_owned()),
        (IdentifierKind::Address, "İx".to_owned()),
        (IdentifierKind::Device, "İ".repeat(300)),
    ] {
        if let Ok(once) = Identifier::parse(kind, &raw, "value") {
            let twice =
                Identifier::parse(kind, &once.value, "value").map(|i| i.value).map_err(|e| e.message().to_owned());
            if twice.as_ref() != Ok(&once.value) {
                broken.push(format!("{kind:?} {raw:?} -> {:?} -> {twice:?}", once.value));
            }
        }
    }
    assert!(broken.is_empty(), "normalizing the normalized value changes it:\n{}", broken.join("\n"));
    check(
        "Identifier::parse idempotent",
        2048,
        (select(&IDENTIFIER_KINDS[..]), arb_identifier_text()),
        |(kind, raw)| {
            if let Ok(once) = Identifier::parse(kind, &raw, "value") {
                let twice = Identifier::parse(kind, &once.value, "value");
                prop_assert_eq!(
                    twice.as_ref().map(|i| i.value.clone()).map_err(|e| e.message().to_owned()),
                    Ok(once.value.clone()),
                    "{:?} {:?} normalizes to {:?}, which normalizes differently",
                    kind,
                    raw,
                    once.value
                );
            }
            Ok(())
        },
    );
}

/// `text` with the letters at the positions `upper` picks in upper case.
fn recase(text: &str, upper: &[bool]) -> String {
    text.chars()
        .enumerate()
        .map(|(i, c)| if upper.get(i).copied().unwrap_or(false) { c.to_ascii_uppercase() } else { c })
        .collect()
}

#[test]
fn equivalent_spellings_of_one_identifier_meet() {
    let space = || select(&["", " ", "\t", "\n ", "\u{a0}"][..]);
    check(
        "gmail spellings",
        512,
        (
            "[a-z0-9]{1,12}",
            vec(any::<Index>(), 0..4),
            proptest::option::of("[a-z0-9.]{0,8}"),
            select(&["gmail.com", "googlemail.com", "GMail.com", "GOOGLEMAIL.COM"][..]),
            vec(any::<bool>(), 0..32),
            space(),
            space(),
        ),
        |(local, dots, tag, domain, upper, before, after)| {
            let mut spelled = local.clone();
            for at in dots {
                let at = at.index(spelled.len() + 1);
                spelled.insert(at, '.');
            }
            if let Some(tag) = tag {
                spelled = format!("{spelled}+{tag}");
            }
            let raw = format!("{before}{}@{domain}{after}", recase(&spelled, &upper));
            let got = Identifier::parse(IdentifierKind::Email, &raw, "value").map(|i| i.value);
            prop_assert_eq!(got.map_err(|e| e.message().to_owned()), Ok(format!("{local}@gmail.com")), "{:?}", raw);
            Ok(())
        },
    );
    check(
        "phone spellings",
        512,
        ("[0-9]{4,15}", vec((any::<Index>(), select(&[" ", "-", "(", ")", "+", ".", "/", "  "][..])), 0..8)),
        |(digits, separators)| {
            let mut raw = digits.clone();
            for (at, sep) in separators {
                let at = at.index(raw.len() + 1);
                raw.insert_str(at, sep);
            }
            let got = Identifier::parse(IdentifierKind::Phone, &raw, "value").map(|i| i.value);
            prop_assert_eq!(got.map_err(|e| e.message().to_owned()), Ok(digits), "{:?}", raw);
            Ok(())
        },
    );
    let junk = || vec(select(&[" ", ",", ".", "-", "\n", "\t", "#", "/", "  ", "\u{a0}"][..]), 1..4);
    check(
        "address spellings",
        512,
        (vec(("[a-z0-9]{1,8}", junk(), vec(any::<bool>(), 0..8)), 1..6), proptest::option::of(junk())),
        |(words, lead)| {
            let expected = words.iter().map(|(w, _, _)| w.as_str()).collect::<Vec<_>>().join(" ");
            let mut raw: String = lead.map(|j| j.concat()).unwrap_or_default();
            for (word, separator, upper) in &words {
                raw.push_str(&recase(word, upper));
                raw.push_str(&separator.concat());
            }
            let got = Identifier::parse(IdentifierKind::Address, &raw, "value").map(|i| i.value);
            prop_assert_eq!(got.map_err(|e| e.message().to_owned()), Ok(expected), "{:?}", raw);
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Abuse
// ---------------------------------------------------------------------------------------------

/// What `query` costs in process: the answer and how long it took.
async fn timed(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> (Reply, Duration) {
    let mut request = Request::post("/graphql").header("content-type", "application/json");
    if let Some(t) = token {
        request = request.header("authorization", format!("Bearer {t}"));
    }
    let body = json!({ "query": query, "variables": variables }).to_string();
    let started = Instant::now();
    let reply = app.send(request.body(Body::from(body)).expect("request")).await;
    (reply, started.elapsed())
}

/// `query { listing(id:) { seller { listings(first: 1) { nodes { seller …` `depth` fields deep.
fn nested(depth: usize) -> String {
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
    q.push_str(&" }".repeat(opened.len() + 1));
    q
}

fn aliases(n: usize, field: &str) -> String {
    let mut q = String::from("{ ");
    for i in 0..n {
        q.push_str(&format!("a{i}: {field} "));
    }
    q.push('}');
    q
}

#[tokio::test]
async fn fifty_levels_of_nesting_are_refused_quickly() {
    let app = spawn().await;
    let w = World::build(&app.app.db).await;
    let admin = token(Role::Admin, None, None);
    let id = json!({ "id": gid(Kind::Listing, w.l1a) });
    let before = app.statements();
    let (reply, took) = timed(&app, Some(&admin), &nested(50), id).await;
    let body = verdict(&reply).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(codes(&body), ["GRAPHQL_VALIDATION_FAILED"], "{body:#}");
    assert_eq!(app.statements(), before, "no resolver may run");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    // Unknown fields 50 deep: refused as well.
    let unknown = format!("{}{}", "{ a ".repeat(50), "}".repeat(50));
    let (reply, took) = timed(&app, Some(&admin), &unknown, json!({})).await;
    let body = verdict(&reply).unwrap_or_else(|e| panic!("{e}"));
    assert!(codes(&body).iter().all(|c| c.starts_with("GRAPHQL_")), "{body:#}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    println!("50 levels: refused in {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alias_floods_are_answered_without_500_in_a_couple_of_seconds() {
    let app = spawn().await;
    World::build(&app.app.db).await;
    let admin = token(Role::Admin, None, None);
    for (name, query, token) in [
        ("10,000 __typename aliases (ADMIN)", aliases(10_000, "__typename"), Some(admin.as_str())),
        ("10,000 __typename aliases (no token)", aliases(10_000, "__typename"), None),
        (
            "2,000 brands(first: 100) { totalCount } aliases",
            aliases(2_000, "brands(first: 100) { totalCount }"),
            Some(&admin),
        ),
        ("2,000 brands { totalCount } aliases", aliases(2_000, "brands(first: 1) { totalCount }"), Some(&admin)),
        ("10,000 aliases below the root", format!("{{ viewer {} }}", aliases(10_000, "role")), Some(&admin)),
        (
            "30 (the root field limit) brands(first: 100) { nodes { id name } } aliases",
            aliases(30, "brands(first: 100) { totalCount nodes { id name } }"),
            Some(&admin),
        ),
    ] {
        let before = app.statements();
        let (reply, took) = timed(&app, token, &query, json!({})).await;
        let body = verdict(&reply).unwrap_or_else(|e| panic!("{name}: {e}"));
        let statements = app.statements() - before;
        let outcome = match body.get("errors") {
            None => format!("answered ({} fields)", body["data"].as_object().map_or(0, Map::len)),
            Some(_) => format!(
                "refused: {:?} {:?}",
                codes(&body).first(),
                body["errors"][0]["message"].as_str().unwrap_or("").chars().take(120).collect::<String>()
            ),
        };
        println!("{name}: HTTP {}, {outcome}, {statements} SQL statements, {took:?}", reply.status);
        assert!(took < Duration::from_secs(3), "{name}: took {took:?}");
    }
}

#[tokio::test]
async fn page_sizes_beyond_the_limit_are_refused_without_a_panic() {
    let app = spawn().await;
    World::build(&app.app.db).await;
    let admin = token(Role::Admin, None, None);
    let allowed = ["BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED"];
    for query in [
        "{ brands(first: 1000000) { totalCount } }".to_owned(),
        "{ brands(first: 2147483647) { totalCount } }".to_owned(),
        "{ brands(first: -2147483648) { totalCount } }".to_owned(),
        "{ brands(first: 0) { totalCount } }".to_owned(),
        "{ brands(first: 101) { totalCount } }".to_owned(),
        // Costs of nested pages multiply: 2^31 at three levels is more than a u64 holds.
        "{ brands(first: 2147483647) { nodes { notices(first: 2147483647) { nodes { items(first: 2147483647) { totalCount } } } } } }"
            .to_owned(),
        format!("{{ {} }}", (0..40).map(|i| format!("a{i}: brands(first: 2147483647) {{ totalCount }}")).collect::<String>()),
    ] {
        let (reply, took) = timed(&app, Some(&admin), &query, json!({})).await;
        let body = verdict(&reply).unwrap_or_else(|e| panic!("{query}: {e}"));
        let codes = codes(&body);
        assert!(!codes.is_empty() && codes.iter().all(|c| allowed.contains(&c.as_str())), "{query}: {body:#}");
        assert!(took < Duration::from_secs(2), "{query}: took {took:?}");
    }
    // The same through a variable.
    let (reply, _) =
        timed(&app, Some(&admin), "query($n: Int) { brands(first: $n) { totalCount } }", json!({ "n": 1_000_000 }))
            .await;
    let body = verdict(&reply).unwrap_or_else(|e| panic!("{e}"));
    assert!(codes(&body).iter().any(|c| allowed.contains(&c.as_str())), "{body:#}");
}

#[tokio::test]
async fn ten_thousand_variables_are_answered() {
    let app = spawn().await;
    World::build(&app.app.db).await;
    let admin = token(Role::Admin, None, None);
    let mut variables = Map::new();
    for i in 0..10_000 {
        variables.insert(format!("v{i}"), json!(i));
    }
    variables.insert("n".into(), json!(3));
    let (reply, took) =
        timed(&app, Some(&admin), "query($n: Int) { brands(first: $n) { totalCount } }", Value::Object(variables))
            .await;
    let body = verdict(&reply).unwrap_or_else(|e| panic!("{e}"));
    println!("10,000 variables: HTTP {}, errors {:?}, {took:?}", reply.status, codes(&body));
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

#[tokio::test]
async fn a_two_mib_body_is_413() {
    let app = spawn().await;
    let body = json!({ "query": format!("{{ __typename }} # {}", "x".repeat(2 << 20)) }).to_string();
    // With a Content-Length, and streamed without one.
    for with_length in [true, false] {
        let mut request = Request::post("/graphql").header("content-type", "application/json");
        if with_length {
            request = request.header("content-length", body.len());
        }
        let reply = app.send(request.body(Body::from(body.clone())).expect("request")).await;
        assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", String::from_utf8_lossy(&reply.body));
        let json = serde_json::from_slice::<Value>(&reply.body).ok();
        println!(
            "2 MiB body ({}): 413, body {}",
            if with_length { "Content-Length" } else { "streamed" },
            json.map_or_else(|| format!("not JSON: {:?}", String::from_utf8_lossy(&reply.body)), |j| j.to_string())
        );
    }
}

#[tokio::test]
async fn fragment_cycles_are_refused() {
    let app = spawn().await;
    let admin = token(Role::Admin, None, None);
    for query in [
        "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
        "query { ...A } fragment A on Query { __typename ...A }",
        "query { brands { nodes { ...A } } } fragment A on Brand { trademarks { nodes { brand { ...A } } } }",
    ] {
        let (reply, took) = timed(&app, Some(&admin), query, json!({})).await;
        let body = verdict(&reply).unwrap_or_else(|e| panic!("{query}: {e}"));
        assert!(codes(&body).contains(&"GRAPHQL_VALIDATION_FAILED".to_owned()), "{query}: {body:#}");
        assert!(took < Duration::from_secs(2), "{query}: took {took:?}");
    }
}

/// `fragment F{n} on Query { ...F{n-1} ...F{n-1} }`: 2^levels fields once expanded, from a
/// document of a kilobyte.
fn fragment_bomb(levels: usize) -> String {
    let mut q = format!("query {{ ...F{levels} }} fragment F0 on Query {{ __typename }} ");
    for i in 1..=levels {
        q.push_str(&format!("fragment F{i} on Query {{ ...F{p} ...F{p} }} ", p = i - 1));
    }
    q
}

/// Against a real process, which can be killed should the bomb go off: a request spent in
/// validation cannot be cancelled in process. Two bombs at once (as many as the server has worker
/// threads on a 2-core machine) must not take the service down either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fragment_bomb_is_answered_quickly() {
    let db = crate::harness::TestDb::new().await;
    let server = crate::process::Server::start(&db.url);
    let addr = server.addr;
    let admin = token(Role::Admin, None, None);
    let query = fragment_bomb(30);
    let started = Instant::now();
    let bombs: Vec<_> = (0..2)
        .map(|_| {
            let (query, admin) = (query.clone(), admin.clone());
            tokio::spawn(async move {
                let reply = tokio::time::timeout(
                    Duration::from_secs(5),
                    crate::process::graphql(addr, Some(&admin), &query, json!({})),
                )
                .await;
                (reply, started.elapsed())
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let health = tokio::time::timeout(Duration::from_secs(5), crate::process::get(addr, "/healthz")).await;
    let health_took = started.elapsed();
    let mut outcomes = Vec::new();
    let mut all_fine = true;
    for bomb in bombs {
        let (reply, took) = bomb.await.expect("bomb task");
        outcomes.push(match reply {
            Ok(Ok(reply)) => {
                let body = serde_json::from_slice::<Value>(&reply.body).unwrap_or(Value::Null);
                let codes = codes(&body);
                let answered = body["data"].is_object() || codes == ["GRAPHQL_VALIDATION_FAILED"];
                all_fine &= reply.status == 200 && answered && took < Duration::from_secs(2);
                format!("HTTP {} {codes:?} in {took:?}", reply.status)
            }
            Ok(Err(e)) => {
                all_fine = false;
                format!("transport error {e} after {took:?}")
            }
            Err(_) => {
                all_fine = false;
                format!("no answer within 5 s ({took:?})")
            }
        });
    }
    let health = health.ok().and_then(Result::ok).map(|r| r.status);
    println!("two 2^30 fragment bombs: {outcomes:?}; /healthz meanwhile: {health:?} at {health_took:?}");
    drop(server);
    assert!(all_fine, "a 2^30 fragment expansion must be answered (or refused) within 2 s: {outcomes:?}");
    assert_eq!(health, Some(200), "/healthz did not answer within 5 s during the bombs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_normal_query_answers_promptly_while_abusive_requests_run() {
    let app = std::sync::Arc::new(spawn().await);
    World::build(&app.app.db).await;
    let admin = token(Role::Admin, None, None);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let abuser = {
        let (app, admin, stop) = (app.clone(), admin.clone(), stop.clone());
        tokio::spawn(async move {
            let abuse = [
                (aliases(10_000, "__typename"), json!({})),
                (aliases(2_000, "brands(first: 100) { totalCount }"), json!({})),
                (nested(50), json!({ "id": "lst_000000000001" })),
                ("query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }".to_owned(), json!({})),
                (fragment_bomb(12), json!({})),
                (
                    "query($n: Int) { brands(first: $n) { totalCount } }".to_owned(),
                    Value::Object((0..10_000).map(|i| (format!("v{i}"), json!(i))).collect()),
                ),
            ];
            let mut sent = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let (query, variables) = &abuse[sent % abuse.len()];
                let (reply, _) = timed(&app, Some(&admin), query, variables.clone()).await;
                verdict(&reply).unwrap_or_else(|e| panic!("abusive request {}: {e}", sent % abuse.len()));
                sent += 1;
            }
            sent
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut slowest = Duration::ZERO;
    for _ in 0..20 {
        let (reply, took) =
            timed(&app, Some(&admin), "{ brands(first: 5) { totalCount nodes { id name } } }", json!({})).await;
        let body = verdict(&reply).unwrap_or_else(|e| panic!("{e}"));
        assert!(body.get("errors").is_none(), "{body:#}");
        slowest = slowest.max(took);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let sent = tokio::time::timeout(Duration::from_secs(30), abuser).await.expect("abuser ends").expect("abuser");
    println!("normal query: slowest of 20 was {slowest:?} while {sent} abusive requests ran");
    assert!(slowest < Duration::from_secs(2), "a normal query took {slowest:?} during abuse");
}
