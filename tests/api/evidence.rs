//! Evidence and listings by address (issue 12, section 1): a listing's address is unique after
//! normalization and finds it from any spelling; notice items carry evidence that whoever may
//! read the item reads. Refusals write nothing.

use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};

use crate::harness::spawn;
use crate::workflow_support::*;

const BY_URL: &str = "query($url: String!) { listingByUrl(url: $url) { id url } }";
const ITEM_EVIDENCE: &str =
    "query($id: ID!) { notice(id: $id) { items { nodes { id evidence { kind url sha256 orderNumber note } } } } }";
const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

fn listing_at(seller: &str, url: &str) -> Value {
    let mut input = listing_input(seller);
    input["url"] = json!(url);
    json!({ "input": input })
}

#[tokio::test]
async fn a_listing_address_is_unique_after_normalization() {
    let app = spawn().await;
    let seller = register_seller(&app, "shop").await;
    let created = app
        .data(
            &admin(),
            CREATE_LISTING,
            listing_at(&seller, "https://Shop.Example/item/9?utm_source=mail&size=m#photos"),
        )
        .await;
    assert_eq!(created["createListing"]["status"], "ACTIVE");
    for spelling in ["https://shop.example/item/9?size=m", "HTTPS://SHOP.EXAMPLE:443/item/9?size=m&utm_campaign=x"] {
        let before = Before::take(&app).await;
        let resp = app.gql(Some(&admin()), CREATE_LISTING, listing_at(&seller, spelling)).await;
        assert_error(&resp, "CONFLICT", Some("url"));
        before.unchanged(&app, spelling).await;
    }
    // Another path or another parameter is another address.
    for other in ["https://shop.example/item/9?size=l", "https://shop.example/Item/9?size=m"] {
        let data = app.data(&admin(), CREATE_LISTING, listing_at(&seller, other)).await;
        assert_eq!(data["createListing"]["status"], "ACTIVE", "{other}");
    }
}

#[tokio::test]
async fn listing_by_url_finds_a_listing_from_any_spelling() {
    let app = spawn().await;
    let s = scene(&app, 0).await;
    let id = string(
        &app.data(&admin(), CREATE_LISTING, listing_at(&s.seller, "https://shop.example/bags/42?color=red")).await["createListing"]
            ["id"],
    );
    for tok in [admin(), agent(&s.brand), seller_token(&s.seller), analyst()] {
        for spelling in
            ["https://SHOP.example/bags/42?color=red#top", "https://shop.example/bags/42?utm_medium=ad&color=red"]
        {
            let found = app.data(&tok, BY_URL, json!({ "url": spelling })).await;
            assert_eq!(found["listingByUrl"]["id"], id.as_str(), "{spelling}");
        }
    }
    let missing = app.gql(Some(&admin()), BY_URL, json!({ "url": "https://shop.example/bags/43" })).await;
    assert!(missing["data"]["listingByUrl"].is_null());
    assert_eq!(missing["errors"][0]["extensions"]["code"], "NOT_FOUND");
    let malformed = app.gql(Some(&admin()), BY_URL, json!({ "url": "shop.example/bags/42" })).await;
    assert_eq!(malformed["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(malformed["errors"][0]["extensions"]["field"], "url");
    let anonymous = app.gql(None, BY_URL, json!({ "url": "https://shop.example/bags/42" })).await;
    assert_eq!(anonymous["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}

#[tokio::test]
async fn listings_written_before_addresses_were_kept_get_theirs_at_start() {
    let app = spawn().await;
    let seller = register_seller(&app, "legacy").await;
    // Rows as an older version wrote them: no address key; two of them share an address.
    let mut ids = Vec::new();
    for url in ["HTTPS://Legacy.Example/a?utm_source=x", "https://legacy.example/a", "https://legacy.example/b"] {
        let row = entity::listing::ActiveModel {
            seller_id: Set(key(&seller)),
            title: Set("Old bag".into()),
            title_search: Set(Some("old bag".into())),
            url: Set(url.into()),
            price_amount: Set("9.99".into()),
            price_currency: Set("USD".into()),
            status: Set(crate::harness::state("ACTIVE")),
            listed_at: Set(1),
            removed_at: Set(None),
            ..Default::default()
        }
        .insert(&app.app.db)
        .await
        .expect("insert");
        ids.push(rightsgraph::ids::GlobalId::new(rightsgraph::ids::Kind::Listing, row.id).to_string());
    }
    let app = app.restart().await;
    let a = app.data(&admin(), BY_URL, json!({ "url": "https://legacy.example/a" })).await;
    assert_eq!(a["listingByUrl"]["id"], ids[0].as_str(), "the first holder keeps the address");
    let b = app.data(&admin(), BY_URL, json!({ "url": "https://LEGACY.example/b#x" })).await;
    assert_eq!(b["listingByUrl"]["id"], ids[2].as_str());
}

#[tokio::test]
async fn notice_items_carry_evidence_that_whoever_may_read_the_item_reads() {
    let app = spawn().await;
    let s = scene(&app, 2).await;
    let other = create_brand(&app, "Other").await;
    let mut input = notice_input_all(&s.brand, &s.tm, &s.listings);
    input["items"][0]["evidence"] = json!([
        { "kind": "TEST_BUY", "orderNumber": "112-7", "note": "fake hologram" },
        { "kind": "DOCUMENT", "url": "https://brand.example/cert.pdf", "sha256": HASH.to_uppercase() }
    ]);
    let n = submit_as(&app, &agent(&s.brand), input).await;
    let expected = json!([
        { "kind": "TEST_BUY", "url": null, "sha256": null, "orderNumber": "112-7", "note": "fake hologram" },
        { "kind": "DOCUMENT", "url": "https://brand.example/cert.pdf", "sha256": HASH, "orderNumber": null, "note": null }
    ]);
    for tok in [admin(), reviewer(), agent(&s.brand), seller_token(&s.seller)] {
        let data = app.data(&tok, ITEM_EVIDENCE, json!({ "id": n.id })).await;
        let items = data["notice"]["items"]["nodes"].as_array().expect("items");
        let first = items.iter().find(|i| i["id"] == n.items[0].as_str()).expect("first item");
        assert_eq!(first["evidence"], expected);
        let second = items.iter().find(|i| i["id"] == n.items[1].as_str()).expect("second item");
        assert_eq!(second["evidence"], json!([]));
    }
    let resp = app.gql(Some(&agent(&other)), ITEM_EVIDENCE, json!({ "id": n.id })).await;
    assert_eq!(resp["errors"][0]["extensions"]["code"], "NOT_FOUND");
    // Evidence given in answer to a question stays in the thread, out of the seller's sight.
    let ask =
        "mutation($i: ID!) { requestInformation(input: {itemId: $i, question: \"Which mark exactly?\"}) { status } }";
    app.data(&reviewer(), ask, json!({ "i": n.items[1] })).await;
    let answer = "mutation($i: ID!) { provideInformation(input: {itemId: $i, answer: \"The word mark, class 18.\",
        evidence: [{kind: URL, url: \"https://brand.example/tm\"}]}) { status } }";
    app.data(&agent(&s.brand), answer, json!({ "i": n.items[1] })).await;
    let data = app.data(&seller_token(&s.seller), ITEM_EVIDENCE, json!({ "id": n.id })).await;
    let items = data["notice"]["items"]["nodes"].as_array().expect("items");
    let second = items.iter().find(|i| i["id"] == n.items[1].as_str()).expect("second item");
    assert_eq!(second["evidence"], json!([]));
}

#[tokio::test]
async fn evidence_at_submission_is_checked_at_its_input_path() {
    let app = spawn().await;
    let s = scene(&app, 2).await;
    let cases = [
        (json!([{ "kind": "TEST_BUY" }]), "items.1.evidence.0.orderNumber"),
        (
            json!([{ "kind": "URL", "url": "https://x.example/a" }, { "kind": "SCREENSHOT", "url": "https://x.example/s.png", "sha256": "00" }]),
            "items.1.evidence.1.sha256",
        ),
        (json!(vec![json!({ "kind": "URL", "url": "https://x.example/a" }); 11]), "items.1.evidence"),
    ];
    for (evidence, field) in cases {
        let mut input = notice_input_all(&s.brand, &s.tm, &s.listings);
        input["items"][1]["evidence"] = evidence;
        let before = Before::take(&app).await;
        let resp = app.gql(Some(&agent(&s.brand)), SUBMIT, json!({ "input": input })).await;
        assert_error(&resp, "BAD_USER_INPUT", Some(field));
        before.unchanged(&app, field).await;
    }
}

#[tokio::test]
async fn a_replay_must_carry_the_same_evidence() {
    let app = spawn().await;
    let s = scene(&app, 1).await;
    let mut input = notice_input_all(&s.brand, &s.tm, &s.listings);
    input["idempotencyKey"] = json!("ticket-1");
    input["items"][0]["evidence"] = json!([{ "kind": "TEST_BUY", "orderNumber": "A-1" }]);
    let first = submit_as(&app, &agent(&s.brand), input.clone()).await;
    let again = submit_as(&app, &agent(&s.brand), input.clone()).await;
    assert_eq!(again.id, first.id);
    input["items"][0]["evidence"] = json!([{ "kind": "TEST_BUY", "orderNumber": "B-2" }]);
    let before = Before::take(&app).await;
    let resp = app.gql(Some(&agent(&s.brand)), SUBMIT, json!({ "input": input })).await;
    assert_error(&resp, "CONFLICT", Some("idempotencyKey"));
    before.unchanged(&app, "a replay with other evidence").await;
}

/// A listing of `seller` at `url`, by id.
async fn listed_at(app: &crate::harness::TestApp, seller: &str, url: &str) -> String {
    string(&app.data(&admin(), CREATE_LISTING, listing_at(seller, url)).await["createListing"]["id"])
}

/// `notice_input` with `items` by id and `by_url` by address.
fn mixed_input(brand: &str, tm: &str, items: &[&str], by_url: &[&str]) -> Value {
    let mut input = notice_input(brand, &items.iter().map(|l| (*l, tm)).collect::<Vec<_>>());
    input["itemsByUrl"] =
        json!(by_url.iter().map(|u| json!({ "listingUrl": u, "trademarkId": tm })).collect::<Vec<_>>());
    input
}

#[tokio::test]
async fn items_by_url_name_listings_by_any_spelling_of_their_address() {
    let app = spawn().await;
    let s = scene(&app, 1).await;
    let bag = listed_at(&app, &s.seller, "https://shop.example/bags/42?color=red").await;
    let belt = listed_at(&app, &s.seller, "https://shop.example/belts/7").await;
    let input = mixed_input(
        &s.brand,
        &s.tm,
        &[&s.listings[0]],
        &["HTTPS://Shop.Example/bags/42?utm_source=x&color=red#photos", "https://shop.example:443/belts/7"],
    );
    let n = submit_as(&app, &agent(&s.brand), input.clone()).await;
    let listings: Vec<String> =
        n.notice["items"]["nodes"].as_array().expect("items").iter().map(|i| string(&i["listing"]["id"])).collect();
    // Items by id first, then by address, in input order.
    assert_eq!(listings, vec![s.listings[0].clone(), bag, belt]);
    // Evidence rides along, and only items by address is enough.
    let mut only = mixed_input(&s.brand, &s.tm, &[], &["https://shop.example/bags/42?color=red"]);
    only["itemsByUrl"][0]["evidence"] = json!([{ "kind": "URL", "url": "https://evidence.example/1" }]);
    only["idempotencyKey"] = json!("by-url-1");
    let second = app.gql(Some(&agent(&s.brand)), SUBMIT, json!({ "input": only })).await;
    // The bag has a pending item of this brand already: the usual rule, at the address's path.
    assert_error(&second, "CONFLICT", Some("itemsByUrl.0.listingUrl"));
}

#[tokio::test]
async fn items_by_url_refuse_what_items_by_id_refuse_at_their_own_path() {
    let app = spawn().await;
    let s = scene(&app, 1).await;
    let bag = listed_at(&app, &s.seller, "https://shop.example/bags/42").await;
    let other_brand = create_brand(&app, "Other").await;
    let other_tm = verified_trademark(&app, &other_brand).await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            mixed_input(&s.brand, &s.tm, &[], &["https://shop.example/nothing-here"]),
            "BAD_USER_INPUT",
            "itemsByUrl.0.listingUrl",
        ),
        (mixed_input(&s.brand, &s.tm, &[], &["not an address"]), "BAD_USER_INPUT", "itemsByUrl.0.listingUrl"),
        (
            mixed_input(&s.brand, &s.tm, &[&bag], &["https://SHOP.example/bags/42"]),
            "BAD_USER_INPUT",
            "itemsByUrl.0.listingUrl",
        ),
        (
            mixed_input(&s.brand, &s.tm, &[], &["https://shop.example/bags/42", "https://shop.example/bags/42#x"]),
            "BAD_USER_INPUT",
            "itemsByUrl.1.listingUrl",
        ),
        (
            mixed_input(&s.brand, &other_tm, &[], &["https://shop.example/bags/42"]),
            "BAD_USER_INPUT",
            "itemsByUrl.0.trademarkId",
        ),
        (mixed_input(&s.brand, &s.tm, &[], &[]), "BAD_USER_INPUT", "items"),
    ];
    for (input, code, field) in cases {
        let before = Before::take(&app).await;
        let resp = app.gql(Some(&agent(&s.brand)), SUBMIT, json!({ "input": input })).await;
        assert_error(&resp, code, Some(field));
        before.unchanged(&app, field).await;
    }
    // Who may submit does not change with how items are named: another brand's agent, a seller
    // and a reviewer are refused, and nothing is written.
    let input = mixed_input(&s.brand, &s.tm, &[], &["https://shop.example/bags/42"]);
    for tok in [agent(&other_brand), seller_token(&s.seller), reviewer()] {
        let before = Before::take(&app).await;
        let resp = app.gql(Some(&tok), SUBMIT, json!({ "input": input.clone() })).await;
        assert_error(&resp, "FORBIDDEN", None);
        before.unchanged(&app, "wrong role or brand").await;
    }
}

#[tokio::test]
async fn a_replay_by_url_is_the_same_notice_whatever_the_spelling() {
    let app = spawn().await;
    let s = scene(&app, 0).await;
    listed_at(&app, &s.seller, "https://shop.example/bags/42").await;
    let mut first = mixed_input(&s.brand, &s.tm, &[], &["https://shop.example/bags/42"]);
    first["idempotencyKey"] = json!("k-url");
    let mut again = mixed_input(&s.brand, &s.tm, &[], &["https://SHOP.example/bags/42?utm_campaign=z#top"]);
    again["idempotencyKey"] = json!("k-url");
    let a = submit_as(&app, &agent(&s.brand), first).await;
    let b = submit_as(&app, &agent(&s.brand), again).await;
    assert_eq!(a.id, b.id, "one address, one notice");
    assert_eq!(a.items, b.items);
}
