//! Helpers for the workflow tests: state is set up THROUGH THE MUTATIONS (as ADMIN unless a token
//! is given), ids are global ids (strings), and a snapshot of every row tells that a refused
//! mutation changed nothing.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use rightsgraph::auth::Role;
use rightsgraph::ids::GlobalId;
use sea_orm::{EntityTrait, PaginatorTrait, QueryOrder};
use serde_json::{Value, json};

use crate::harness::{TestApp, token};

static SEQ: AtomicU64 = AtomicU64::new(1);

/// A number unique within this test binary (handles, registration numbers).
pub fn seq() -> u64 {
    SEQ.fetch_add(1, Ordering::Relaxed)
}

/// The row key of a global id.
pub fn key(id: &str) -> i64 {
    GlobalId::parse(id).unwrap_or_else(|| panic!("not a global id: {id}")).key
}

pub fn admin() -> String {
    token(Role::Admin, None, None)
}

pub fn reviewer() -> String {
    token(Role::Reviewer, None, None)
}

pub fn analyst() -> String {
    token(Role::Analyst, None, None)
}

/// A BRAND_AGENT token for brand `brand` (a global id).
pub fn agent(brand: &str) -> String {
    token(Role::BrandAgent, Some(key(brand)), None)
}

/// A SELLER token for seller `seller` (a global id).
pub fn seller_token(seller: &str) -> String {
    token(Role::Seller, None, Some(key(seller)))
}

/// A valid explanation.
pub const EXPLANATION: &str = "These listings sell counterfeits of our registered mark.";

// ---- GraphQL documents ---------------------------------------------------------------------------

pub const CREATE_BRAND: &str = "mutation($input: CreateBrandInput!) { createBrand(input: $input) { id trustTier } }";
pub const REGISTER_TRADEMARK: &str = "mutation($input: RegisterTrademarkInput!) { registerTrademark(input: $input) { id status registrationNumber jurisdiction } }";
pub const VERIFY_TRADEMARK: &str =
    "mutation($input: VerifyTrademarkInput!) { verifyTrademark(input: $input) { id status } }";
pub const REGISTER_SELLER: &str =
    "mutation($input: RegisterSellerInput!) { registerSeller(input: $input) { id status } }";
pub const ADD_IDENTIFIER: &str = "mutation($input: AddSellerIdentifierInput!) { addSellerIdentifier(input: $input) { id identifiers { kind value } } }";
pub const CREATE_LISTING: &str =
    "mutation($input: CreateListingInput!) { createListing(input: $input) { id status removedAt } }";
pub const SUBMIT: &str = "mutation($input: SubmitNoticeInput!) { submitNotice(input: $input) { id status expedited submittedAt closedAt items(first: 100) { totalCount nodes { id status decidedAt listing { id status } } } } }";
pub const WITHDRAW: &str =
    "mutation($id: ID!) { withdrawNotice(id: $id) { id status closedAt items(first: 100) { nodes { id status } } } }";
pub const DECIDE: &str = "mutation($input: DecideNoticeItemInput!) { decideNoticeItem(input: $input) { id status decidedAt decisionReason strike { id } } }";
pub const FILE_COUNTER: &str = "mutation($input: FileCounterNoticeInput!) { fileCounterNotice(input: $input) { id status filedAt item { id status } } }";
pub const RESOLVE_COUNTER: &str = "mutation($input: ResolveCounterNoticeInput!) { resolveCounterNotice(input: $input) { id status resolvedAt item { id status } } }";

/// Everything about a notice that the workflow changes.
pub const NOTICE: &str = r#"query($id: ID!) { notice(id: $id) {
  id status expedited submittedAt closedAt brand { id }
  items(first: 100) { totalCount nodes {
    id status decidedAt decisionReason
    listing { id status removedAt seller { id status activeStrikeCount } }
    strike { id voided active issuedAt expiresAt brand { id } seller { id } }
    counterNotice { id status filedAt resolvedAt }
  } }
  events(first: 100) { totalCount nodes { id kind actorRole at note notice { id } item { id } } }
} }"#;

// ---- set-up through the mutations -------------------------------------------------------------------

/// Creates a brand (ADMIN); its id.
pub async fn create_brand(app: &TestApp, name: &str) -> String {
    let data = app.data(&admin(), CREATE_BRAND, json!({"input": {"name": name, "country": "US"}})).await;
    str_at(&data, "/createBrand/id")
}

/// Registers a trademark of `brand` (ADMIN) in `jurisdiction` with `number`; its id.
pub async fn register_trademark(app: &TestApp, brand: &str, number: &str, jurisdiction: &str) -> String {
    let input = trademark_input(brand, number, jurisdiction);
    let data = app.data(&admin(), REGISTER_TRADEMARK, json!({ "input": input })).await;
    assert_eq!(data["registerTrademark"]["status"], "PENDING_VERIFICATION");
    str_at(&data, "/registerTrademark/id")
}

/// The input of `registerTrademark`.
pub fn trademark_input(brand: &str, number: &str, jurisdiction: &str) -> Value {
    json!({
        "brandId": brand,
        "mark": format!("MARK {number}"),
        "registrationNumber": number,
        "jurisdiction": jurisdiction,
        "niceClasses": [9, 25],
    })
}

/// Verifies (or rejects) a trademark (ADMIN); its new status.
pub async fn verify_trademark(app: &TestApp, trademark: &str, approve: bool) -> String {
    let data =
        app.data(&admin(), VERIFY_TRADEMARK, json!({"input": {"trademarkId": trademark, "approve": approve}})).await;
    str_at(&data, "/verifyTrademark/status")
}

/// A registered and VERIFIED trademark of `brand`.
pub async fn verified_trademark(app: &TestApp, brand: &str) -> String {
    let tm = register_trademark(app, brand, &format!("REG-{}", seq()), "US").await;
    assert_eq!(verify_trademark(app, &tm, true).await, "VERIFIED");
    tm
}

/// Registers a seller (ADMIN); its id.
pub async fn register_seller(app: &TestApp, handle: &str) -> String {
    let handle = format!("{handle}-{}", seq());
    let data = app
        .data(&admin(), REGISTER_SELLER, json!({"input": {"handle": handle, "displayName": "A Shop", "country": "CN"}}))
        .await;
    str_at(&data, "/registerSeller/id")
}

/// The input of `createListing` for `seller`.
pub fn listing_input(seller: &str) -> Value {
    json!({
        "sellerId": seller,
        "title": format!("Cheap bag {}", seq()),
        "url": format!("https://shop.example/item/{}", seq()),
        "price": {"amount": "19.99", "currency": "USD"},
    })
}

/// Creates a listing of `seller` (ADMIN); its id.
pub async fn create_listing(app: &TestApp, seller: &str) -> String {
    let data = app.data(&admin(), CREATE_LISTING, json!({ "input": listing_input(seller) })).await;
    assert_eq!(data["createListing"]["status"], "ACTIVE");
    str_at(&data, "/createListing/id")
}

/// `n` listings of `seller`.
pub async fn create_listings(app: &TestApp, seller: &str, n: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(create_listing(app, seller).await);
    }
    out
}

/// The input of `submitNotice` for `brand` naming `(listing, trademark)` pairs.
pub fn notice_input(brand: &str, items: &[(&str, &str)]) -> Value {
    json!({
        "brandId": brand,
        "reason": "COUNTERFEIT",
        "explanation": EXPLANATION,
        "goodFaithDeclaration": true,
        "items": items.iter().map(|(l, t)| json!({"listingId": l, "trademarkId": t})).collect::<Vec<_>>(),
    })
}

/// The input of `submitNotice` naming every listing of `listings` under `trademark`.
pub fn notice_input_all(brand: &str, trademark: &str, listings: &[String]) -> Value {
    let pairs: Vec<(&str, &str)> = listings.iter().map(|l| (l.as_str(), trademark)).collect();
    notice_input(brand, &pairs)
}

/// A submitted notice: its id, its item ids in the order submitted, and the whole answer.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub id: String,
    pub items: Vec<String>,
    pub notice: Value,
}

/// Submits `input` with `tok`, asserting success.
pub async fn submit_as(app: &TestApp, tok: &str, input: Value) -> Submitted {
    let data = app.data(tok, SUBMIT, json!({ "input": input })).await;
    let notice = data["submitNotice"].clone();
    let items = notice["items"]["nodes"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_str().expect("item id").to_owned())
        .collect();
    Submitted { id: str_at(&notice, "/id"), items, notice }
}

/// Submits a notice of `brand` over `listings` under `trademark` as ADMIN.
pub async fn submit(app: &TestApp, brand: &str, trademark: &str, listings: &[String]) -> Submitted {
    submit_as(app, &admin(), notice_input_all(brand, trademark, listings)).await
}

/// Decides an item as REVIEWER; the item as answered.
pub async fn decide(app: &TestApp, item: &str, decision: &str, reason: Option<&str>) -> Value {
    let data = app.data(&reviewer(), DECIDE, json!({"input": decide_input(item, decision, reason)})).await;
    data["decideNoticeItem"].clone()
}

/// The input of `decideNoticeItem`.
pub fn decide_input(item: &str, decision: &str, reason: Option<&str>) -> Value {
    let mut input = json!({"itemId": item, "decision": decision});
    if let Some(r) = reason {
        input["reason"] = json!(r);
    }
    input
}

/// REMOVE as REVIEWER.
pub async fn remove(app: &TestApp, item: &str) -> Value {
    decide(app, item, "REMOVE", None).await
}

/// REJECT as REVIEWER.
pub async fn reject(app: &TestApp, item: &str) -> Value {
    decide(app, item, "REJECT", Some("Not an infringement: genuine goods.")).await
}

/// Files a counter-notice on `item` as seller `seller`; the counter-notice id.
pub async fn file_counter(app: &TestApp, seller: &str, item: &str) -> String {
    let data = app.data(&seller_token(seller), FILE_COUNTER, json!({"input": counter_input(item)})).await;
    assert_eq!(data["fileCounterNotice"]["status"], "PENDING");
    str_at(&data, "/fileCounterNotice/id")
}

/// The input of `fileCounterNotice`.
pub fn counter_input(item: &str) -> Value {
    json!({"itemId": item, "statement": "These are genuine goods bought from the brand's distributor."})
}

/// Resolves a counter-notice as REVIEWER (`REINSTATE` or `UPHOLD`).
pub async fn resolve(app: &TestApp, counter_notice: &str, decision: &str) -> Value {
    let data = app
        .data(
            &reviewer(),
            RESOLVE_COUNTER,
            json!({"input": {"counterNoticeId": counter_notice, "decision": decision, "reason": "Checked the invoice."}}),
        )
        .await;
    data["resolveCounterNotice"].clone()
}

/// Adds an identifier to a seller (ADMIN); the full answer.
pub async fn add_identifier(app: &TestApp, tok: &str, seller: &str, kind: &str, value: &str) -> Value {
    app.gql(Some(tok), ADD_IDENTIFIER, json!({"input": {"sellerId": seller, "kind": kind, "value": value}})).await
}

// ---- a common starting point -------------------------------------------------------------------------

/// A brand with a verified trademark, a seller with listings.
#[derive(Debug, Clone)]
pub struct Scene {
    pub brand: String,
    pub tm: String,
    pub seller: String,
    pub listings: Vec<String>,
}

/// A brand "Acme" with one verified trademark, and one seller with `n` listings.
pub async fn scene(app: &TestApp, n: usize) -> Scene {
    let brand = create_brand(app, "Acme").await;
    let tm = verified_trademark(app, &brand).await;
    let seller = register_seller(app, "shop").await;
    let listings = create_listings(app, &seller, n).await;
    Scene { brand, tm, seller, listings }
}

// ---- reads -----------------------------------------------------------------------------------------

/// The notice as ADMIN sees it (`NOTICE`).
pub async fn notice(app: &TestApp, id: &str) -> Value {
    app.data(&admin(), NOTICE, json!({ "id": id })).await["notice"].clone()
}

/// The item `item` of a notice read with `NOTICE`.
pub fn item_of<'a>(notice: &'a Value, item: &str) -> &'a Value {
    notice["items"]["nodes"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["id"] == item)
        .unwrap_or_else(|| panic!("no item {item} in {notice:#}"))
}

/// `(kind, actorRole)` of each event of a notice read with `NOTICE`, in the order they happened.
pub fn event_kinds(notice: &Value) -> Vec<(String, String)> {
    notice["events"]["nodes"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| (string(&e["kind"]), string(&e["actorRole"])))
        .collect()
}

/// A brand's trust tier.
pub async fn trust_tier(app: &TestApp, brand: &str) -> String {
    let data = app.data(&admin(), "query($id: ID!) { brand(id: $id) { trustTier } }", json!({"id": brand})).await;
    str_at(&data, "/brand/trustTier")
}

/// A seller's `(status, activeStrikeCount)`.
pub async fn seller_state(app: &TestApp, seller: &str) -> (String, i64) {
    let data = app
        .data(&admin(), "query($id: ID!) { seller(id: $id) { status activeStrikeCount } }", json!({"id": seller}))
        .await;
    (str_at(&data, "/seller/status"), data["seller"]["activeStrikeCount"].as_i64().expect("count"))
}

/// A listing's `(status, removedAt)`.
pub async fn listing_state(app: &TestApp, listing: &str) -> (String, Value) {
    let data =
        app.data(&admin(), "query($id: ID!) { listing(id: $id) { status removedAt } }", json!({"id": listing})).await;
    (str_at(&data, "/listing/status"), data["listing"]["removedAt"].clone())
}

/// The brand's enforcement history as `(kind, actorRole, notice id, item id, at)`, newest first.
pub async fn history(app: &TestApp, tok: &str, brand: &str) -> Vec<(String, String, Value, Value, String)> {
    let data = app
        .data(
            tok,
            "query($id: ID!) { brand(id: $id) { enforcementHistory(first: 100) { totalCount nodes { kind actorRole at notice { id } item { id } } } } }",
            json!({"id": brand}),
        )
        .await;
    data["brand"]["enforcementHistory"]["nodes"]
        .as_array()
        .expect("history")
        .iter()
        .map(|e| {
            (
                string(&e["kind"]),
                string(&e["actorRole"]),
                e["notice"]["id"].clone(),
                e["item"]["id"].clone(),
                string(&e["at"]),
            )
        })
        .collect()
}

// ---- values ----------------------------------------------------------------------------------------

/// A JSON string as an owned String ("" when not a string).
pub fn string(v: &Value) -> String {
    v.as_str().unwrap_or("").to_owned()
}

/// The string at JSON pointer `pointer`, or a panic that shows the document.
pub fn str_at(v: &Value, pointer: &str) -> String {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or_else(|| panic!("no string at {pointer} in {v:#}")).to_owned()
}

/// Parses a `DateTime` scalar.
pub fn instant(v: &Value) -> DateTime<Utc> {
    let raw = v.as_str().unwrap_or_else(|| panic!("not a DateTime: {v}"));
    DateTime::parse_from_rfc3339(raw).unwrap_or_else(|e| panic!("bad DateTime {raw}: {e}")).with_timezone(&Utc)
}

// ---- errors ----------------------------------------------------------------------------------------

/// Asserts that `resp` failed with exactly one error of `code`, whose `extensions.field` is `field`
/// (or absent when `None`), and that no data came back for the mutation.
pub fn assert_error(resp: &Value, code: &str, field: Option<&str>) {
    let errors = resp["errors"].as_array().unwrap_or_else(|| panic!("expected an error, got {resp:#}"));
    assert_eq!(errors.len(), 1, "expected one error: {resp:#}");
    assert_eq!(errors[0]["extensions"]["code"], code, "wrong code: {resp:#}");
    if let Some(f) = field {
        assert_eq!(errors[0]["extensions"]["field"], f, "wrong extensions.field: {resp:#}");
    }
    let data_is_empty = match &resp["data"] {
        Value::Null => true,
        Value::Object(map) => map.values().all(Value::is_null),
        _ => false,
    };
    assert!(data_is_empty, "a failed mutation answered data: {resp:#}");
}

// ---- the database, to tell that nothing changed ------------------------------------------------------

/// Row counts of the tables the workflow writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub brands: u64,
    pub trademarks: u64,
    pub sellers: u64,
    pub identifiers: u64,
    pub listings: u64,
    pub notices: u64,
    pub items: u64,
    pub counter_notices: u64,
    pub strikes: u64,
    pub events: u64,
}

/// Counts the rows of every table the workflow writes.
pub async fn counts(app: &TestApp) -> Counts {
    let db = &app.app.db;
    Counts {
        brands: entity::brand::Entity::find().count(db).await.expect("count"),
        trademarks: entity::trademark::Entity::find().count(db).await.expect("count"),
        sellers: entity::seller::Entity::find().count(db).await.expect("count"),
        identifiers: entity::seller_identifier::Entity::find().count(db).await.expect("count"),
        listings: entity::listing::Entity::find().count(db).await.expect("count"),
        notices: entity::notice::Entity::find().count(db).await.expect("count"),
        items: entity::notice_item::Entity::find().count(db).await.expect("count"),
        counter_notices: entity::counter_notice::Entity::find().count(db).await.expect("count"),
        strikes: entity::strike::Entity::find().count(db).await.expect("count"),
        events: entity::notice_event::Entity::find().count(db).await.expect("count"),
    }
}

/// Every row of every table the workflow writes, as text, in id order.
pub async fn snapshot(app: &TestApp) -> Vec<String> {
    let db = &app.app.db;
    let mut out = Vec::new();
    macro_rules! dump {
        ($($table:ident),*) => {$(
            for row in entity::$table::Entity::find()
                .order_by_asc(entity::$table::Column::Id)
                .all(db)
                .await
                .expect("dump")
            {
                out.push(format!("{row:?}"));
            }
        )*};
    }
    dump!(
        brand,
        trademark,
        seller,
        seller_identifier,
        listing,
        notice,
        notice_item,
        counter_notice,
        strike,
        notice_event,
        notice_message,
        evidence,
        appeal,
        statement_of_reasons
    );
    out
}

/// What a refused mutation must leave as it was.
pub struct Before {
    counts: Counts,
    rows: Vec<String>,
}

impl Before {
    /// Takes the state now.
    pub async fn take(app: &TestApp) -> Self {
        Self { counts: counts(app).await, rows: snapshot(app).await }
    }

    /// Asserts that no row was written, changed or deleted since.
    pub async fn unchanged(&self, app: &TestApp, what: &str) {
        assert_eq!(counts(app).await, self.counts, "{what}: row counts changed");
        let rows = snapshot(app).await;
        if rows != self.rows {
            let gone: Vec<_> = self.rows.iter().filter(|r| !rows.contains(r)).collect();
            let new: Vec<_> = rows.iter().filter(|r| !self.rows.contains(r)).collect();
            panic!("{what}: rows changed\nbefore: {gone:#?}\nafter: {new:#?}");
        }
    }

    /// The counts taken.
    pub fn counts(&self) -> Counts {
        self.counts
    }
}
