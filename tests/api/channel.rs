//! The channel between brands and the platform (issue 14): requests for information on items,
//! the brands' answers, rejection for silence at the deadline, and the thread of each notice.
//! Each rule is tried with the wrong role, brand and seller, and every refusal writes nothing.

use std::time::Duration;

use chrono::Utc;
use rightsgraph::auth::{Claims, Role, mint_hs256};
use rightsgraph::config::RulesConfig;
use rightsgraph::ids::Kind;
use serde_json::{Value, json};

use crate::harness::{SECRET, TestApp, gid, spawn, spawn_with};
use crate::workflow_support::*;

const REQUEST: &str = "mutation($input: RequestInformationInput!) { requestInformation(input: $input) {
    id status infoDueAt decidedAt } }";
const PROVIDE: &str = "mutation($input: ProvideInformationInput!) { provideInformation(input: $input) {
    id status infoDueAt } }";
const POST: &str = "mutation($input: PostNoticeMessageInput!) { postNoticeMessage(input: $input) {
    id kind authorRole authorSubject body at dueAt notice { id } item { id } } }";
const THREAD: &str = "query($id: ID!, $first: Int, $after: String) { notice(id: $id) {
    messages(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes {
      id kind authorRole authorSubject body at dueAt answeredAt item { id }
      evidence { kind url sha256 orderNumber note } } } } }";
const ITEM: &str = "query($id: ID!) { node(id: $id) { ... on NoticeItem { id status infoDueAt decidedAt decisionReason
    notice { id status } } } }";
const QUESTION: &str = "Please send the test-buy report for this listing.";
const ANSWER: &str = "Test buy 112-7 arrived with a fake hologram; report attached.";
const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

/// A token of `role` whose subject is `sub`.
fn subject(sub: &str, role: Role, brand: Option<&str>) -> String {
    let mut claims = Claims::new(sub, role, Duration::from_secs(3600));
    claims.brand_id = brand.map(str::to_owned);
    mint_hs256(SECRET, &claims).expect("sign")
}

fn window(d: Duration) -> RulesConfig {
    RulesConfig { info_request_window: d, ..Default::default() }
}

fn ask_input(item: &str) -> Value {
    json!({ "input": { "itemId": item, "question": QUESTION } })
}

fn answer_input(item: &str) -> Value {
    json!({ "input": { "itemId": item, "answer": ANSWER, "evidence": [
        { "kind": "TEST_BUY", "orderNumber": "112-7", "note": "bought 2026-11-30" },
        { "kind": "SCREENSHOT", "url": "https://files.example/hologram.png", "sha256": HASH }
    ] } })
}

async fn ask(app: &TestApp, item: &str) -> Value {
    app.data(&reviewer(), REQUEST, ask_input(item)).await["requestInformation"].clone()
}

async fn answer(app: &TestApp, brand: &str, item: &str) -> Value {
    app.data(&agent(brand), PROVIDE, answer_input(item)).await["provideInformation"].clone()
}

async fn item(app: &TestApp, id: &str) -> Value {
    app.data(&admin(), ITEM, json!({ "id": id })).await["node"].clone()
}

async fn thread(app: &TestApp, tok: &str, notice: &str) -> Value {
    app.data(tok, THREAD, json!({ "id": notice, "first": 50 })).await["notice"]["messages"].clone()
}

/// A scene with one notice of `n` items, submitted by the brand's agent.
async fn noticed(app: &TestApp, n: usize) -> (Scene, Submitted) {
    let s = scene(app, n).await;
    let notice = submit_as(app, &agent(&s.brand), notice_input_all(&s.brand, &s.tm, &s.listings)).await;
    (s, notice)
}

/// Asserts that `query` with `vars` as `tok` fails with `code` (at `field`) and writes nothing.
async fn refused(app: &TestApp, tok: Option<&str>, query: &str, vars: Value, code: &str, field: Option<&str>) {
    let before = Before::take(app).await;
    let resp = app.gql(tok, query, vars).await;
    assert_error(&resp, code, field);
    before.unchanged(app, &format!("refused ({code}) {query}")).await;
}

// ---- requestInformation -------------------------------------------------------------------------

#[tokio::test]
async fn request_information_moves_a_pending_item_to_info_requested_until_the_window_deadline() {
    let app = spawn().await;
    let (s, n) = noticed(&app, 1).await;
    let before = Utc::now();
    let asked = app
        .data(&subject("rev-ana", Role::Reviewer, None), REQUEST, ask_input(&n.items[0]))
        .await["requestInformation"]
        .clone();
    assert_eq!(asked["status"], "INFO_REQUESTED");
    assert!(asked["decidedAt"].is_null());
    let due = instant(&asked["infoDueAt"]);
    let expected = before + chrono::Duration::days(7);
    assert!((due - expected).num_seconds().abs() <= 5, "deadline {due}, expected about {expected}");
    // The question opens the thread, with its author and deadline.
    let messages = thread(&app, &agent(&s.brand), &n.id).await;
    assert_eq!(messages["totalCount"], 1);
    let q = &messages["nodes"][0];
    assert_eq!(
        (q["kind"].as_str(), q["authorRole"].as_str(), q["authorSubject"].as_str(), q["body"].as_str()),
        (Some("QUESTION"), Some("REVIEWER"), Some("rev-ana"), Some(QUESTION))
    );
    assert_eq!(q["dueAt"], asked["infoDueAt"]);
    assert!(q["answeredAt"].is_null());
    assert_eq!(q["item"]["id"], n.items[0].as_str());
    // The event, without the question's text; the notice stays OPEN.
    let read = notice(&app, &n.id).await;
    assert_eq!(read["status"], "OPEN");
    let events = read["events"]["nodes"].as_array().expect("events");
    let last = events.last().expect("an event");
    assert_eq!((last["kind"].as_str(), last["actorRole"].as_str()), (Some("INFO_REQUESTED"), Some("REVIEWER")));
    assert_eq!(last["item"]["id"], n.items[0].as_str());
    assert!(!last["note"].as_str().unwrap_or_default().contains("test-buy"), "the event carries the question");
}

#[tokio::test]
async fn request_information_window_is_configurable() {
    let app = spawn_with(window(Duration::from_secs(3600))).await;
    let (_, n) = noticed(&app, 1).await;
    let before = Utc::now();
    let asked = ask(&app, &n.items[0]).await;
    let due = instant(&asked["infoDueAt"]);
    assert!((due - (before + chrono::Duration::hours(1))).num_seconds().abs() <= 5, "deadline {due}");
}

#[tokio::test]
async fn an_item_waiting_for_information_cannot_be_decided() {
    let app = spawn().await;
    let (_, n) = noticed(&app, 1).await;
    ask(&app, &n.items[0]).await;
    for decision in [("REMOVE", None), ("REJECT", Some("not convincing"))] {
        let vars = json!({ "input": decide_input(&n.items[0], decision.0, decision.1) });
        refused(&app, Some(&reviewer()), DECIDE, vars, "CONFLICT", None).await;
    }
    assert_eq!(item(&app, &n.items[0]).await["status"], "INFO_REQUESTED");
}

#[tokio::test]
async fn request_information_is_for_reviewers_and_admins_only() {
    let app = spawn().await;
    let (s, n) = noticed(&app, 1).await;
    let vars = ask_input(&n.items[0]);
    for tok in [agent(&s.brand), analyst(), seller_token(&s.seller)] {
        refused(&app, Some(&tok), REQUEST, vars.clone(), "FORBIDDEN", None).await;
    }
    refused(&app, None, REQUEST, vars, "UNAUTHENTICATED", None).await;
    // ADMIN may.
    let asked = app.data(&admin(), REQUEST, ask_input(&n.items[0])).await;
    assert_eq!(asked["requestInformation"]["status"], "INFO_REQUESTED");
}

#[tokio::test]
async fn request_information_needs_a_pending_item_and_a_question() {
    let app = spawn().await;
    let (_, n) = noticed(&app, 3).await;
    remove(&app, &n.items[0]).await;
    refused(&app, Some(&reviewer()), REQUEST, ask_input(&n.items[0]), "CONFLICT", None).await;
    ask(&app, &n.items[1]).await;
    refused(&app, Some(&reviewer()), REQUEST, ask_input(&n.items[1]), "CONFLICT", None).await;
    let short = json!({ "input": { "itemId": n.items[2], "question": "Proof?" } });
    refused(&app, Some(&reviewer()), REQUEST, short, "BAD_USER_INPUT", Some("question")).await;
    let long = json!({ "input": { "itemId": n.items[2], "question": "q".repeat(5001) } });
    refused(&app, Some(&reviewer()), REQUEST, long, "BAD_USER_INPUT", Some("question")).await;
    let malformed = json!({ "input": { "itemId": "itm_nope", "question": QUESTION } });
    refused(&app, Some(&reviewer()), REQUEST, malformed, "BAD_USER_INPUT", Some("itemId")).await;
    let unknown = json!({ "input": { "itemId": gid(Kind::NoticeItem, 999_999), "question": QUESTION } });
    refused(&app, Some(&reviewer()), REQUEST, unknown, "NOT_FOUND", None).await;
}

#[tokio::test]
async fn a_listing_waiting_for_information_cannot_be_noticed_again_by_its_brand() {
    let app = spawn().await;
    let (s, n) = noticed(&app, 1).await;
    ask(&app, &n.items[0]).await;
    let again = json!({ "input": notice_input_all(&s.brand, &s.tm, &s.listings) });
    refused(&app, Some(&agent(&s.brand)), SUBMIT, again, "CONFLICT", Some("items.0.listingId")).await;
}

// ---- provideInformation -------------------------------------------------------------------------

#[tokio::test]
async fn provide_information_returns_the_item_to_pending_with_its_answer_and_evidence() {
    let app = spawn().await;
    let (s, n) = noticed(&app, 1).await;
    ask(&app, &n.items[0]).await;
    let answered = app
        .data(&subject("brand-bo", Role::BrandAgent, Some(&s.brand)), PROVIDE, answer_input(&n.items[0]))
        .await["provideInformation"]
        .clone();
    assert_eq!(answered["status"], "PENDING");
    assert!(answered["infoDueAt"].is_null());
    let messages = thread(&app, &reviewer(), &n.id).await;
    assert_eq!(messages["totalCount"], 2);
    let (q, a) = (&messages["nodes"][0], &messages["nodes"][1]);
    assert!(instant(&q["answeredAt"]) <= instant(&a["at"]));
    assert_eq!(
        (a["kind"].as_str(), a["authorRole"].as_str(), a["authorSubject"].as_str(), a["body"].as_str()),
        (Some("ANSWER"), Some("BRAND_AGENT"), Some("brand-bo"), Some(ANSWER))
    );
    assert_eq!(
        a["evidence"],
        json!([
            { "kind": "TEST_BUY", "url": null, "sha256": null, "orderNumber": "112-7", "note": "bought 2026-11-30" },
            { "kind": "SCREENSHOT", "url": "https://files.example/hologram.png", "sha256": HASH, "orderNumber": null, "note": null }
        ])
    );
    // Now a reviewer may decide it.
    assert_eq!(remove(&app, &n.items[0]).await["status"], "REMOVED");
    let kinds: Vec<String> = event_kinds(&notice(&app, &n.id).await).into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, ["NOTICE_SUBMITTED", "INFO_REQUESTED", "INFO_PROVIDED", "ITEM_REMOVED"]);
}

#[tokio::test]
async fn an_answered_notice_goes_to_the_head_of_the_reviewer_queue_until_its_answered_item_is_decided() {
    let app = spawn().await;
    let s = scene(&app, 4).await;
    let mut notices = Vec::new();
    for listings in [&s.listings[0..1], &s.listings[1..2], &s.listings[2..4]] {
        notices.push(submit_as(&app, &agent(&s.brand), notice_input_all(&s.brand, &s.tm, listings)).await);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let queue = || async {
        let q = "{ notices(first: 10, filter: { status: OPEN }) { nodes { id } } }";
        let data = app.data(&reviewer(), q, json!({})).await;
        data["notices"]["nodes"].as_array().expect("nodes").iter().map(|n| string(&n["id"])).collect::<Vec<_>>()
    };
    let ids: Vec<String> = notices.iter().map(|n| n.id.clone()).collect();
    assert_eq!(queue().await, ids, "oldest first before any answer");
    let newest = &notices[2];
    ask(&app, &newest.items[0]).await;
    assert_eq!(queue().await, ids, "a question alone moves nothing");
    answer(&app, &s.brand, &newest.items[0]).await;
    assert_eq!(queue().await, [ids[2].clone(), ids[0].clone(), ids[1].clone()], "the answered notice first");
    // Its answered item decided, the notice (still OPEN with its other item) goes back in line.
    remove(&app, &newest.items[0]).await;
    assert_eq!(queue().await, ids, "back in line once the answered item is decided");
}

#[tokio::test]
async fn provide_information_is_for_the_brands_agent_or_admin() {
    let app = spawn().await;
    let (s, n) = noticed(&app, 1).await;
    let other = create_brand(&app, "Other").await;
    ask(&app, &n.items[0]).await;
    let vars = answer_input(&n.items[0]);
    for tok in [reviewer(), analyst(), seller_token(&s.seller)] {
        refused(&app, Some(&tok), PROVIDE, vars.clone(), "FORBIDDEN", None).await;
    }
    refused(&app, Some(&agent(&other)), PROVIDE, vars.clone(), "NOT_FOUND", None).await;
    refused(&app, None, PROVIDE, vars.clone(), "UNAUTHENTICATED", None).await;
    let by_admin = app.data(&admin(), PROVIDE, vars).await;
    assert_eq!(by_admin["provideInformation"]["status"], "PENDING");
}

#[tokio::test]
async fn provide_information_checks_the_answer_and_its_evidence() {
    let app = spawn().await;
    let (s, n) = noticed(&app, 2).await;
    ask(&app, &n.items[0]).await;
    let tok = agent(&s.brand);
    let with = |answer: &str, evidence: Value| json!({ "input": { "itemId": n.items[0], "answer": answer, "evidence": evidence } });
    refused(&app, Some(&tok), PROVIDE, with("too short", json!([])), "BAD_USER_INPUT", Some("answer")).await;
    let no_order = json!([{ "kind": "TEST_BUY" }]);
    refused(&app, Some(&tok), PROVIDE, with(ANSWER, no_order), "BAD_USER_INPUT", Some("evidence.0.orderNumber")).await;
    let bad_hash = json!([{ "kind": "URL", "url": "https://x.example/a" }, { "kind": "DOCUMENT", "url": "https://x.example/c.pdf", "sha256": "abc" }]);
    refused(&app, Some(&tok), PROVIDE, with(ANSWER, bad_hash), "BAD_USER_INPUT", Some("evidence.1.sha256")).await;
    let no_url = json!([{ "kind": "SCREENSHOT", "sha256": HASH }]);
    refused(&app, Some(&tok), PROVIDE, with(ANSWER, no_url), "BAD_USER_INPUT", Some("evidence.0.url")).await;
    let eleven = json!(vec![json!({ "kind": "URL", "url": "https://x.example/a" }); 11]);
    refused(&app, Some(&tok), PROVIDE, with(ANSWER, eleven), "BAD_USER_INPUT", Some("evidence")).await;
    let long_note = json!([{ "kind": "URL", "url": "https://x.example/a", "note": "n".repeat(1001) }]);
    refused(&app, Some(&tok), PROVIDE, with(ANSWER, long_note), "BAD_USER_INPUT", Some("evidence.0.note")).await;
    // An item nobody asked about has nothing to answer.
    let unasked = json!({ "input": { "itemId": n.items[1], "answer": ANSWER } });
    refused(&app, Some(&tok), PROVIDE, unasked, "CONFLICT", None).await;
}

// ---- the deadline -------------------------------------------------------------------------------

/// Asserts that `item` was rejected by SYSTEM for silence at exactly its deadline `due`.
async fn rejected_for_silence(app: &TestApp, notice_id: &str, item_id: &str, due: &Value) {
    let read = notice(app, notice_id).await;
    let it = item_of(&read, item_id);
    assert_eq!(it["status"], "REJECTED");
    assert_eq!(it["decisionReason"], "no information provided");
    assert_eq!(instant(&it["decidedAt"]), instant(due), "decided at the deadline, not when it was noticed");
    assert_eq!(read["status"], "CLOSED");
    let events = read["events"]["nodes"].as_array().expect("events");
    let last = events.last().expect("event");
    assert_eq!(
        (last["kind"].as_str(), last["actorRole"].as_str(), last["note"].as_str()),
        (Some("ITEM_REJECTED"), Some("SYSTEM"), Some("no information provided"))
    );
    assert_eq!(instant(&last["at"]), instant(due));
}

#[tokio::test]
async fn past_the_deadline_readers_see_the_item_rejected_for_silence_without_any_sweep() {
    let app = spawn_with(window(Duration::from_millis(800))).await;
    let (s, n) = noticed(&app, 1).await;
    let due = ask(&app, &n.items[0]).await["infoDueAt"].clone();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    // The brand reads first, and sees the outcome (tests run no sweeper).
    let q = "query($id: ID!) { notice(id: $id) { status items { nodes { status decisionReason } } } }";
    let seen = app.data(&agent(&s.brand), q, json!({ "id": n.id })).await;
    assert_eq!(seen["notice"]["items"]["nodes"][0]["status"], "REJECTED");
    assert_eq!(seen["notice"]["status"], "CLOSED");
    rejected_for_silence(&app, &n.id, &n.items[0], &due).await;
    // It counts as a rejection in the brand's figures.
    let stats = app
        .data(
            &admin(),
            "query($id: ID!) { brand(id: $id) { stats { itemsRejected itemsPending } } }",
            json!({ "id": s.brand }),
        )
        .await;
    assert_eq!(stats["brand"]["stats"], json!({ "itemsRejected": 1, "itemsPending": 0 }));
}

#[tokio::test]
async fn provide_information_after_the_deadline_is_refused() {
    let app = spawn_with(window(Duration::from_millis(800))).await;
    let (s, n) = noticed(&app, 1).await;
    let due = ask(&app, &n.items[0]).await["infoDueAt"].clone();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let late = app.gql(Some(&agent(&s.brand)), PROVIDE, answer_input(&n.items[0])).await;
    assert_error(&late, "CONFLICT", None);
    rejected_for_silence(&app, &n.id, &n.items[0], &due).await;
}

#[tokio::test]
async fn a_deadline_that_passed_while_no_process_ran_is_settled_by_the_next_one() {
    let app = spawn_with(window(Duration::from_millis(800))).await;
    let (_, n) = noticed(&app, 1).await;
    let due = ask(&app, &n.items[0]).await["infoDueAt"].clone();
    // The service stops before the deadline and starts after it.
    let app = app.restart().await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    rejected_for_silence(&app, &n.id, &n.items[0], &due).await;
}

#[tokio::test]
async fn the_sweep_rejects_unanswered_items_before_anyone_reads() {
    let app = spawn_with(window(Duration::from_millis(500))).await;
    let (_, n) = noticed(&app, 2).await;
    ask(&app, &n.items[0]).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let now = rightsgraph::time::now_micros();
    let swept = rightsgraph::channel::service::settle_due(&app.app.shared, now, true).await.expect("settle");
    assert_eq!(swept, 1);
    use sea_orm::EntityTrait;
    let row = entity::notice_item::Entity::find_by_id(key(&n.items[0])).one(&app.app.db).await.expect("read");
    assert_eq!(row.expect("item").status.as_db(), "REJECTED");
    let untouched = entity::notice_item::Entity::find_by_id(key(&n.items[1])).one(&app.app.db).await.expect("read");
    assert_eq!(untouched.expect("item").status.as_db(), "PENDING");
    // Nothing left to settle.
    let again = rightsgraph::channel::service::settle_due(&app.app.shared, now, true).await.expect("settle");
    assert_eq!(again, 0);
}

#[tokio::test]
async fn an_answer_in_time_is_never_rejected_for_silence() {
    let app = spawn_with(window(Duration::from_millis(800))).await;
    let (s, n) = noticed(&app, 1).await;
    ask(&app, &n.items[0]).await;
    answer(&app, &s.brand, &n.items[0]).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let it = item(&app, &n.items[0]).await;
    assert_eq!(it["status"], "PENDING");
    assert!(it["decidedAt"].is_null());
}

#[tokio::test]
async fn withdrawing_a_notice_withdraws_its_items_waiting_for_information() {
    let app = spawn_with(window(Duration::from_millis(800))).await;
    let (s, n) = noticed(&app, 2).await;
    ask(&app, &n.items[0]).await;
    let withdrawn = app.data(&agent(&s.brand), WITHDRAW, json!({ "id": n.id })).await;
    assert_eq!(withdrawn["withdrawNotice"]["status"], "WITHDRAWN");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let it = item(&app, &n.items[0]).await;
    assert_eq!((it["status"].as_str(), it["infoDueAt"].is_null()), (Some("WITHDRAWN"), true));
}

// ---- the thread ---------------------------------------------------------------------------------

#[tokio::test]
async fn the_thread_holds_messages_questions_and_answers_oldest_first_and_pages() {
    let app = spawn().await;
    let (s, n) = noticed(&app, 1).await;
    let post = |tok: String, body: &'static str| {
        let app = &app;
        let id = n.id.clone();
        async move { app.data(&tok, POST, json!({ "input": { "noticeId": id, "body": body } })).await }
    };
    let first = post(subject("brand-bo", Role::BrandAgent, Some(&s.brand)), "We have more listings coming.").await;
    let posted = &first["postNoticeMessage"];
    assert_eq!(
        (posted["kind"].as_str(), posted["authorRole"].as_str(), posted["authorSubject"].as_str()),
        (Some("MESSAGE"), Some("BRAND_AGENT"), Some("brand-bo"))
    );
    assert_eq!((posted["notice"]["id"].as_str(), posted["item"].is_null()), (Some(n.id.as_str()), true));
    ask(&app, &n.items[0]).await;
    answer(&app, &s.brand, &n.items[0]).await;
    post(subject("rev-ana", Role::Reviewer, None), "Thanks, reviewing now.").await;
    post(analyst(), "Noted for the quarterly report.").await;
    let all = thread(&app, &admin(), &n.id).await;
    let kinds: Vec<(String, String)> = all["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|m| (string(&m["kind"]), string(&m["authorRole"])))
        .collect();
    let expected = [
        ("MESSAGE", "BRAND_AGENT"),
        ("QUESTION", "REVIEWER"),
        ("ANSWER", "BRAND_AGENT"),
        ("MESSAGE", "REVIEWER"),
        // Who wrote a message is shown as it was: an analyst is not a reviewer.
        ("MESSAGE", "ANALYST"),
    ];
    assert_eq!(kinds, expected.map(|(k, r)| (k.to_owned(), r.to_owned())));
    assert_eq!(all["totalCount"], 5);
    // Paged two at a time, the same order.
    let mut after: Option<String> = None;
    let mut paged = Vec::new();
    loop {
        let page = app.data(&admin(), THREAD, json!({ "id": n.id, "first": 2, "after": after })).await;
        let messages = &page["notice"]["messages"];
        paged.extend(messages["nodes"].as_array().expect("nodes").iter().map(|m| string(&m["id"])));
        if messages["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = Some(string(&messages["pageInfo"]["endCursor"]));
    }
    let ids: Vec<String> = all["nodes"].as_array().expect("nodes").iter().map(|m| string(&m["id"])).collect();
    assert_eq!(paged, ids);
    // Every message is an object of its own.
    let node = app
        .data(
            &agent(&s.brand),
            "query($id: ID!) { node(id: $id) { ... on NoticeMessage { body } } }",
            json!({ "id": ids[0] }),
        )
        .await;
    assert_eq!(node["node"]["body"], "We have more listings coming.");
}

#[tokio::test]
async fn post_notice_message_is_for_staff_and_the_brands_agent() {
    let app = spawn().await;
    let (s, n) = noticed(&app, 1).await;
    let other = create_brand(&app, "Other").await;
    let vars = json!({ "input": { "noticeId": n.id, "body": "hello" } });
    refused(&app, Some(&seller_token(&s.seller)), POST, vars.clone(), "FORBIDDEN", None).await;
    refused(&app, Some(&agent(&other)), POST, vars.clone(), "NOT_FOUND", None).await;
    refused(&app, None, POST, vars.clone(), "UNAUTHENTICATED", None).await;
    let empty = json!({ "input": { "noticeId": n.id, "body": "   " } });
    refused(&app, Some(&admin()), POST, empty, "BAD_USER_INPUT", Some("body")).await;
    let long = json!({ "input": { "noticeId": n.id, "body": "b".repeat(5001) } });
    refused(&app, Some(&admin()), POST, long, "BAD_USER_INPUT", Some("body")).await;
    let unknown = json!({ "input": { "noticeId": gid(Kind::Notice, 999_999), "body": "hello" } });
    refused(&app, Some(&admin()), POST, unknown, "NOT_FOUND", None).await;
    for tok in [admin(), reviewer(), analyst(), agent(&s.brand)] {
        let posted = app.data(&tok, POST, vars.clone()).await;
        assert_eq!(posted["postNoticeMessage"]["body"], "hello");
    }
    assert_eq!(thread(&app, &admin(), &n.id).await["totalCount"], 4);
}

// ---- who sees the channel -----------------------------------------------------------------------

#[tokio::test]
async fn sellers_and_other_brands_never_see_the_channel() {
    let app = spawn().await;
    let (s, n) = noticed(&app, 1).await;
    let other = create_brand(&app, "Other").await;
    ask(&app, &n.items[0]).await;
    answer(&app, &s.brand, &n.items[0]).await;
    let posted = app.data(&admin(), POST, json!({ "input": { "noticeId": n.id, "body": "Internal note." } })).await;
    let message = string(&posted["postNoticeMessage"]["id"]);
    // The seller reads its notice, but not its thread: the field is refused, the rest answers.
    let seller = seller_token(&s.seller);
    let resp = app
        .gql(
            Some(&seller),
            "query($id: ID!) { notice(id: $id) { id messages { totalCount } events { nodes { kind } } } }",
            json!({ "id": n.id }),
        )
        .await;
    assert_eq!(resp["data"]["notice"]["id"], n.id.as_str());
    assert!(resp["data"]["notice"]["messages"].is_null());
    assert_eq!(resp["errors"][0]["extensions"]["code"], "FORBIDDEN");
    assert_eq!(resp["errors"][0]["path"], json!(["notice", "messages"]));
    let kinds: Vec<String> = resp["data"]["notice"]["events"]["nodes"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| string(&e["kind"]))
        .collect();
    assert!(kinds.is_empty(), "a seller saw channel events: {kinds:?}");
    // Nor by id, nor in the brand's figures.
    for tok in [seller.clone(), agent(&other)] {
        let resp = app.gql(Some(&tok), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": message })).await;
        assert_eq!(resp["errors"][0]["extensions"]["code"], "NOT_FOUND", "{resp:#}");
    }
    let stats = app
        .data(
            &seller,
            "query($id: ID!) { brand(id: $id) { stats { informationRequests medianHoursToAnswer } } }",
            json!({ "id": s.brand }),
        )
        .await;
    assert_eq!(stats["brand"]["stats"], json!({ "informationRequests": 0, "medianHoursToAnswer": null }));
    // Another brand's agent does not see the notice at all.
    let resp = app.gql(Some(&agent(&other)), THREAD, json!({ "id": n.id })).await;
    assert_eq!(resp["errors"][0]["extensions"]["code"], "NOT_FOUND");
}

#[tokio::test]
async fn an_analysts_post_is_recorded_and_shown_as_the_analysts() {
    let app = spawn().await;
    let (s, n) = noticed(&app, 1).await;
    let posted = app.data(&analyst(), POST, json!({ "input": { "noticeId": n.id, "body": "Seen in a ring." } })).await;
    assert_eq!(posted["postNoticeMessage"]["authorRole"], "ANALYST");
    let q = "query($id: ID!) { brand(id: $id) { enforcementHistory(first: 1) { nodes { kind actorRole } } } }";
    let history = app.data(&admin(), q, json!({ "id": s.brand })).await;
    assert_eq!(
        history["brand"]["enforcementHistory"]["nodes"][0],
        json!({ "kind": "NOTICE_MESSAGE_POSTED", "actorRole": "ANALYST" })
    );
}

#[tokio::test]
async fn channel_events_are_in_the_brands_history_without_message_bodies() {
    let app = spawn().await;
    let (s, n) = noticed(&app, 1).await;
    ask(&app, &n.items[0]).await;
    answer(&app, &s.brand, &n.items[0]).await;
    app.data(&agent(&s.brand), POST, json!({ "input": { "noticeId": n.id, "body": "Secret detail." } })).await;
    let q = "query($id: ID!) { brand(id: $id) { enforcementHistory(first: 10) { nodes { kind actorRole note item { id } } } } }";
    let data = app.data(&agent(&s.brand), q, json!({ "id": s.brand })).await;
    let events = data["brand"]["enforcementHistory"]["nodes"].as_array().expect("history").clone();
    let kinds: Vec<(String, String)> = events.iter().map(|e| (string(&e["kind"]), string(&e["actorRole"]))).collect();
    let expected = [
        ("NOTICE_MESSAGE_POSTED", "BRAND_AGENT"),
        ("INFO_PROVIDED", "BRAND_AGENT"),
        ("INFO_REQUESTED", "REVIEWER"),
        ("NOTICE_SUBMITTED", "BRAND_AGENT"),
    ];
    assert_eq!(kinds, expected.map(|(k, r)| (k.to_owned(), r.to_owned())));
    for e in &events {
        let note = e["note"].as_str().unwrap_or_default();
        assert!(!note.contains("Secret") && !note.contains("hologram") && !note.contains("test-buy"), "{note}");
    }
    // The seller's history of the brand holds none of them.
    let seller = app.data(&seller_token(&s.seller), q, json!({ "id": s.brand })).await;
    assert_eq!(seller["brand"]["enforcementHistory"]["nodes"], json!([]));
}

#[tokio::test]
async fn brand_stats_count_information_requests_and_the_median_hours_to_answer() {
    let app = spawn().await;
    let (s, n) = noticed(&app, 3).await;
    let stats_q = "query($id: ID!) { brand(id: $id) { stats { informationRequests medianHoursToAnswer } } }";
    let none = app.data(&agent(&s.brand), stats_q, json!({ "id": s.brand })).await;
    assert_eq!(none["brand"]["stats"], json!({ "informationRequests": 0, "medianHoursToAnswer": null }));
    ask(&app, &n.items[0]).await;
    ask(&app, &n.items[1]).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    answer(&app, &s.brand, &n.items[0]).await;
    let stats = app.data(&agent(&s.brand), stats_q, json!({ "id": s.brand })).await["brand"]["stats"].clone();
    assert_eq!(stats["informationRequests"], 2);
    let hours = stats["medianHoursToAnswer"].as_f64().expect("a median once one is answered");
    // One answer, about 50 ms after its question: the median is that one duration.
    assert!(hours > 0.04 / 3600.0 && hours < 5.0 / 3600.0, "{hours} hours");
    // Both executors agree (the planner answers stats too).
    app.app.pipeline.planner.store(false, std::sync::atomic::Ordering::Relaxed);
    let general = app.data(&agent(&s.brand), stats_q, json!({ "id": s.brand })).await["brand"]["stats"].clone();
    assert_eq!(general, stats);
}

#[tokio::test]
async fn the_channel_reads_in_statements_that_grow_with_depth_not_rows() {
    let app = spawn().await;
    let (s, n) = noticed(&app, 5).await;
    for it in &n.items {
        ask(&app, it).await;
        answer(&app, &s.brand, it).await;
    }
    let q = "query($id: ID!) { notice(id: $id) { messages(first: 50) { nodes { kind item { id status } evidence { kind } } } } }";
    let before = app.statements();
    let data = app.data(&admin(), q, json!({ "id": n.id })).await;
    let used = app.statements() - before;
    assert_eq!(data["notice"]["messages"]["nodes"].as_array().expect("nodes").len(), 10);
    // notice, its messages, their items, their evidence.
    assert!(used <= 4, "{used} statements for 10 messages");
}
