//! Concurrent requests against one app (CONTRACT.md section 4): the outcome must be the one the
//! rules promise however the requests interleave, on SQLite and on PostgreSQL.

use std::sync::Arc;

use futures_util::future::join_all;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::harness::{TestApp, codes, spawn};
use crate::workflow_support::*;

const N: usize = 30;

/// Runs the requests at once, each on its own task; the answers in the order given. The pool is
/// filled first, so that the requests overlap instead of queueing behind new connections.
async fn race(app: &Arc<TestApp>, requests: Vec<(String, &'static str, Value)>) -> Vec<Value> {
    let warm: Vec<_> = (0..requests.len())
        .map(|_| {
            let app = Arc::clone(app);
            tokio::spawn(async move {
                app.data(&admin(), "{ brands(first: 1) { totalCount } sellers(first: 1) { totalCount } }", json!({}))
                    .await
            })
        })
        .collect();
    for w in join_all(warm).await {
        w.expect("task");
    }
    let handles: Vec<_> = requests
        .into_iter()
        .map(|(tok, query, vars)| {
            let app = Arc::clone(app);
            tokio::spawn(async move { app.gql(Some(&tok), query, vars).await })
        })
        .collect();
    join_all(handles).await.into_iter().map(|r| r.expect("task")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_replays_of_one_idempotency_key_make_one_notice() {
    let app = Arc::new(spawn().await);
    let s = scene(&app, 3).await;
    let mut input = notice_input_all(&s.brand, &s.tm, &s.listings);
    input["idempotencyKey"] = json!("race-key-1");
    let requests = (0..N)
        .map(|i| {
            let tok = if i % 2 == 0 { agent(&s.brand) } else { admin() };
            (tok, SUBMIT, json!({ "input": input.clone() }))
        })
        .collect();
    let answers = race(&app, requests).await;
    let mut ids: Vec<String> = answers
        .iter()
        .filter_map(|a| a.pointer("/data/submitNotice/id").and_then(Value::as_str))
        .map(str::to_owned)
        .collect();
    let failures: Vec<String> = answers
        .iter()
        .filter(|a| a.get("errors").is_some())
        .map(|a| format!("{} {}", codes(a).join(","), a["errors"][0]["message"].as_str().unwrap_or("")))
        .collect();
    assert!(failures.is_empty(), "every replay succeeds, but {} of {N} failed: {failures:#?}", failures.len());
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 1, "all answer the same notice: {ids:?}");
    let c = counts(&app).await;
    assert_eq!((c.notices, c.items, c.events), (1, 3, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_removals_of_one_item_issue_one_strike() {
    let app = Arc::new(spawn().await);
    let s = scene(&app, 1).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    let requests = (0..N)
        .map(|i| {
            let tok = if i % 3 == 0 { admin() } else { reviewer() };
            (tok, DECIDE, json!({"input": decide_input(&n.items[0], "REMOVE", None)}))
        })
        .collect();
    let answers = race(&app, requests).await;
    let ok = answers.iter().filter(|a| a.get("errors").is_none()).count();
    let conflicts = answers.iter().filter(|a| codes(a) == vec!["CONFLICT".to_owned()]).count();
    assert_eq!(ok, 1, "exactly one removal wins: {answers:#?}");
    assert_eq!(conflicts, N - 1, "the others are CONFLICT: {answers:#?}");
    let c = counts(&app).await;
    assert_eq!(c.strikes, 1);
    // NOTICE_SUBMITTED + one ITEM_REMOVED.
    assert_eq!(c.events, 2);
    assert_eq!(seller_state(&app, &s.seller).await, ("WARNED".to_owned(), 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_notices_naming_one_listing_leave_one_pending_item() {
    let app = Arc::new(spawn().await);
    let s = scene(&app, 1).await;
    let requests = (0..N)
        .map(|i| {
            let mut input = notice_input_all(&s.brand, &s.tm, &s.listings);
            input["idempotencyKey"] = json!(format!("distinct-{i}"));
            (agent(&s.brand), SUBMIT, json!({ "input": input }))
        })
        .collect();
    let answers = race(&app, requests).await;
    let ok = answers.iter().filter(|a| a.get("errors").is_none()).count();
    let conflicts = answers.iter().filter(|a| codes(a) == vec!["CONFLICT".to_owned()]).count();
    assert_eq!(ok, 1, "exactly one notice is accepted: {answers:#?}");
    assert_eq!(conflicts, N - 1, "the others are CONFLICT: {answers:#?}");
    let pending = entity::notice_item::Entity::find()
        .filter(entity::notice_item::Column::Status.eq("PENDING"))
        .filter(entity::notice_item::Column::ListingId.eq(key(&s.listings[0])))
        .count(&app.app.db)
        .await
        .expect("count");
    assert_eq!(pending, 1);
    let c = counts(&app).await;
    assert_eq!((c.notices, c.items, c.events), (1, 1, 1));
}

/// Every answer succeeded or was refused with CONFLICT (never an internal error).
fn only_success_or_conflict(answers: &[Value]) {
    for a in answers {
        if a.get("errors").is_some() {
            assert_eq!(codes(a), vec!["CONFLICT".to_owned()], "a concurrent request failed otherwise: {a:#}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_withdrawal_and_decision_of_one_notice_stay_consistent() {
    const ROUNDS: usize = 10;
    let app = Arc::new(spawn().await);
    let s = scene(&app, 2 * ROUNDS).await;
    let mut notices = Vec::new();
    let mut requests = Vec::new();
    for r in 0..ROUNDS {
        let n = submit(&app, &s.brand, &s.tm, &s.listings[2 * r..2 * r + 2]).await;
        requests.push((reviewer(), DECIDE, json!({"input": decide_input(&n.items[0], "REMOVE", None)})));
        requests.push((agent(&s.brand), WITHDRAW, json!({"id": n.id})));
        notices.push(n);
    }
    let answers = race(&app, requests).await;
    only_success_or_conflict(&answers);
    let mut removed = 0;
    for (r, n) in notices.iter().enumerate() {
        let (decided, withdrawn) = (&answers[2 * r], &answers[2 * r + 1]);
        // The second item stays PENDING until the withdrawal, which therefore always succeeds.
        assert!(withdrawn.get("errors").is_none(), "{withdrawn:#}");
        let read = notice(&app, &n.id).await;
        assert_eq!(item_of(&read, &n.items[1])["status"], "WITHDRAWN");
        if decided.get("errors").is_none() {
            removed += 1;
            assert_eq!(item_of(&read, &n.items[0])["status"], "REMOVED");
            assert_eq!(read["status"], "CLOSED", "decided, then withdrawn: {read:#}");
        } else {
            assert_eq!(item_of(&read, &n.items[0])["status"], "WITHDRAWN");
            assert_eq!(read["status"], "WITHDRAWN", "withdrawn before any decision: {read:#}");
        }
    }
    assert_eq!(counts(&app).await.strikes, removed);
}

/// A TRUSTED brand (with `trust_min_decided` = 1) and a verified trademark of it.
async fn trusted_brand(app: &TestApp, name: &str) -> (String, String) {
    let brand = create_brand(app, name).await;
    let tm = verified_trademark(app, &brand).await;
    let seller = register_seller(app, "warmup").await;
    let listing = create_listing(app, &seller).await;
    let n = submit(app, &brand, &tm, &[listing]).await;
    remove(app, &n.items[0]).await;
    assert_eq!(trust_tier(app, &brand).await, "TRUSTED");
    (brand, tm)
}

fn trusted_rules() -> rightsgraph::config::RulesConfig {
    rightsgraph::config::RulesConfig { trust_min_decided: 1, ..Default::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_expedited_notices_over_shared_sellers_all_succeed() {
    const ROUNDS: usize = 8;
    let app = Arc::new(crate::harness::spawn_with(trusted_rules()).await);
    let (a, atm) = trusted_brand(&app, "A").await;
    let (b, btm) = trusted_brand(&app, "B").await;
    let s1 = register_seller(&app, "one").await;
    let s2 = register_seller(&app, "two").await;
    let before = counts(&app).await;
    // Per round, A names (S1's, S2's) listings and B names (S2's, S1's), each in id order: the
    // two notices meet the same two sellers in opposite orders.
    let mut requests = Vec::new();
    for _ in 0..ROUNDS {
        let a1 = create_listing(&app, &s1).await;
        let b1 = create_listing(&app, &s2).await;
        let a2 = create_listing(&app, &s2).await;
        let b2 = create_listing(&app, &s1).await;
        requests.push((agent(&a), SUBMIT, json!({"input": notice_input(&a, &[(&a1, &atm), (&a2, &atm)])})));
        requests.push((agent(&b), SUBMIT, json!({"input": notice_input(&b, &[(&b1, &btm), (&b2, &btm)])})));
    }
    let answers = race(&app, requests).await;
    let failures: Vec<&Value> = answers.iter().filter(|a| a.get("errors").is_some()).collect();
    assert!(failures.is_empty(), "{} of {} expedited notices failed: {failures:#?}", failures.len(), 2 * ROUNDS);
    for a in &answers {
        assert_eq!(a["data"]["submitNotice"]["expedited"], true);
    }
    let after = counts(&app).await;
    assert_eq!(after.strikes - before.strikes, 4 * ROUNDS as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_decision_and_expedited_notice_over_one_seller_stay_consistent() {
    const ROUNDS: usize = 8;
    let app = Arc::new(crate::harness::spawn_with(trusted_rules()).await);
    let (trusted, ttm) = trusted_brand(&app, "Trusted").await;
    // A STANDARD brand: its items wait for a reviewer (a rejection keeps it below 0.90).
    let standard = create_brand(&app, "Standard").await;
    let stm = verified_trademark(&app, &standard).await;
    let seller = register_seller(&app, "shared").await;
    let first = create_listing(&app, &seller).await;
    let n = submit(&app, &standard, &stm, &[first]).await;
    reject(&app, &n.items[0]).await;
    assert_eq!(trust_tier(&app, &standard).await, "STANDARD");
    let mut requests = Vec::new();
    let mut pending = Vec::new();
    for _ in 0..ROUNDS {
        let l0 = create_listing(&app, &seller).await;
        let l1 = create_listing(&app, &seller).await;
        let n = submit(&app, &standard, &stm, std::slice::from_ref(&l1)).await;
        pending.push(n.items[0].clone());
        requests.push((reviewer(), DECIDE, json!({"input": decide_input(&n.items[0], "REMOVE", None)})));
        requests.push((agent(&trusted), SUBMIT, json!({"input": notice_input(&trusted, &[(&l0, &ttm), (&l1, &ttm)])})));
    }
    let before = counts(&app).await;
    let answers = race(&app, requests).await;
    only_success_or_conflict(&answers);
    let mut strikes = 0;
    for r in 0..ROUNDS {
        let (decided, submitted) = (&answers[2 * r], &answers[2 * r + 1]);
        assert!(decided.get("errors").is_none(), "the reviewer's removal always succeeds: {decided:#}");
        strikes += 1;
        if submitted.get("errors").is_none() {
            strikes += 2;
        }
    }
    assert_eq!(counts(&app).await.strikes - before.strikes, strikes);
    let pending_left = entity::notice_item::Entity::find()
        .filter(entity::notice_item::Column::Status.eq("PENDING"))
        .count(&app.app.db)
        .await
        .expect("count");
    assert_eq!(pending_left, 0, "{pending:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_decisions_on_different_items_of_one_brand_all_succeed() {
    const ITEMS: usize = 20;
    let app = Arc::new(spawn().await);
    let s = scene(&app, 0).await;
    let mut listings = Vec::new();
    for i in 0..ITEMS {
        let seller = register_seller(&app, &format!("seller{i}")).await;
        listings.push(create_listing(&app, &seller).await);
    }
    let n = submit(&app, &s.brand, &s.tm, &listings).await;
    let requests = n
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            // Three removals to a rejection: under the notifier-abuse threshold (half unfounded),
            // so the decisions write their own events and no standing change.
            let decision =
                if i % 4 != 3 { decide_input(item, "REMOVE", None) } else { decide_input(item, "REJECT", Some("no")) };
            (reviewer(), DECIDE, json!({ "input": decision }))
        })
        .collect();
    let answers = race(&app, requests).await;
    let failures: Vec<&Value> = answers.iter().filter(|a| a.get("errors").is_some()).collect();
    assert!(failures.is_empty(), "{} of {ITEMS} decisions failed: {failures:#?}", failures.len());
    let c = counts(&app).await;
    assert_eq!(c.strikes, ITEMS as u64 * 3 / 4);
    assert_eq!(c.events, 1 + ITEMS as u64);
    assert_eq!(notice(&app, &n.id).await["status"], "CLOSED");
}

/// Strikes issued at once across two components, each notice meeting them in the opposite order:
/// no transaction fails (components are locked in id order, at commit), and each component keeps
/// the sum of its members' strikes, however the recounts interleaved.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_strikes_across_two_components_keep_their_totals() {
    const ROUNDS: usize = 6;
    let app = Arc::new(crate::harness::spawn_with(trusted_rules()).await);
    let (a, atm) = trusted_brand(&app, "A").await;
    let (b, btm) = trusted_brand(&app, "B").await;
    let sellers: Vec<String> = join_all((0..4).map(|i| {
        let app = Arc::clone(&app);
        async move { register_seller(&app, &format!("member{i}")).await }
    }))
    .await;
    // Components {0, 2} and {1, 3}.
    for (i, seller) in sellers.iter().enumerate() {
        let input = json!({"input": {"sellerId": seller, "kind": "PHONE", "value": format!("+1 555 01{}", i % 2)}});
        app.data(&admin(), ADD_IDENTIFIER, input).await;
    }
    let mut requests = Vec::new();
    for r in 0..ROUNDS {
        let (x, y) = (&sellers[r % 2 * 2], &sellers[1 + r % 2 * 2]);
        let (a1, a2) = (create_listing(&app, x).await, create_listing(&app, y).await);
        let (b1, b2) = (create_listing(&app, y).await, create_listing(&app, x).await);
        requests.push((agent(&a), SUBMIT, json!({"input": notice_input(&a, &[(&a1, &atm), (&a2, &atm)])})));
        requests.push((agent(&b), SUBMIT, json!({"input": notice_input(&b, &[(&b1, &btm), (&b2, &btm)])})));
    }
    let answers = race(&app, requests).await;
    let failures: Vec<&Value> = answers.iter().filter(|a| a.get("errors").is_some()).collect();
    assert!(failures.is_empty(), "{} of {} expedited notices failed: {failures:#?}", failures.len(), 2 * ROUNDS);
    let db = &app.app.db;
    let mut strikes_by_component = std::collections::BTreeMap::<i64, i64>::new();
    for seller in &sellers {
        let row = entity::seller::Entity::find_by_id(key(seller)).one(db).await.expect("seller").expect("row");
        let live = entity::strike::Entity::find()
            .filter(entity::strike::Column::SellerId.eq(key(seller)))
            .count(db)
            .await
            .expect("count");
        assert_eq!(row.active_strikes, live as i64, "the kept count of {seller}");
        *strikes_by_component.entry(row.cluster_id.expect("label")).or_default() += live as i64;
    }
    assert_eq!(strikes_by_component.len(), 2);
    for (label, total) in strikes_by_component {
        let kept = entity::seller_cluster::Entity::find_by_id(label).one(db).await.expect("cluster").expect("row");
        assert_eq!(kept.active_strikes, total, "the kept total of component {label}");
    }
}
