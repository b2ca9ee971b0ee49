//! Several processes on one database (issue 11): events committed by any replica reach the
//! subscribers of every replica, in order, once each, also after the relay's connection drops;
//! `afterEventId` replays what a subscriber missed. The relay runs on PostgreSQL only; the
//! replay works on both databases.

use std::time::{Duration, Instant};

use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::harness::{TestApp, pg_admin_url, spawn};
use crate::subscriptions::{PATIENCE, Socket, connect, next_message, send};
use crate::workflow_support::*;

const EVENTS: &str = "subscription($b: ID!, $after: ID) {
    noticeEvents(brandId: $b, afterEventId: $after) { id kind item { id } } }";

async fn serve_router(router: axum::Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(axum::serve(listener, router).into_future());
    addr
}

async fn watch(ws: &mut Socket, id: &str, brand: &str, after: Option<&str>) {
    let payload = json!({ "query": EVENTS, "variables": { "b": brand, "after": after } });
    send(ws, json!({ "id": id, "type": "subscribe", "payload": payload })).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// The next event of operation `id` as `(event id, kind)`.
async fn event(ws: &mut Socket, id: &str) -> (String, String) {
    let message = next_message(ws, PATIENCE).await.expect("an event within the timeout");
    assert_eq!(message["type"], "next", "{message:#}");
    assert_eq!(message["id"], id, "{message:#}");
    assert!(message["payload"].get("errors").is_none(), "{message:#}");
    let e = &message["payload"]["data"]["noticeEvents"];
    (string(&e["id"]), string(&e["kind"]))
}

/// The code of a refused subscription: an `error` message, or a `next` with errors then
/// `complete` (see `subscriptions::a_brand_agent_cannot_watch_another_brand`).
async fn refusal(ws: &mut Socket) -> String {
    let message = next_message(ws, PATIENCE).await.expect("an answer to the subscription");
    match message["type"].as_str() {
        Some("error") => string(&message["payload"][0]["extensions"]["code"]),
        Some("next") => {
            let code = string(&message["payload"]["errors"][0]["extensions"]["code"]);
            let done = next_message(ws, PATIENCE).await.expect("complete");
            assert_eq!(done["type"], "complete", "{done:#}");
            code
        }
        _ => panic!("unexpected answer: {message:#}"),
    }
}

/// The brand's history as the events' `(id, kind)`, oldest first.
async fn history_ids(app: &TestApp, brand: &str) -> Vec<(String, String)> {
    let data = app
        .data(
            &admin(),
            "query($b: ID!) { brand(id: $b) { enforcementHistory(first: 100) { nodes { id kind } } } }",
            json!({ "b": brand }),
        )
        .await;
    let mut out: Vec<(String, String)> = data["brand"]["enforcementHistory"]["nodes"]
        .as_array()
        .expect("history")
        .iter()
        .map(|e| (string(&e["id"]), string(&e["kind"])))
        .collect();
    out.reverse();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_event_id_replays_what_the_subscriber_missed_then_goes_live() {
    let app = spawn().await;
    let addr = serve_router(app.app.router.clone()).await;
    let s = scene(&app, 2).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    remove(&app, &n.items[0]).await;
    let history = history_ids(&app, &s.brand).await;
    assert_eq!(history.iter().map(|e| e.1.as_str()).collect::<Vec<_>>(), ["NOTICE_SUBMITTED", "ITEM_REMOVED"]);

    // A subscriber that last saw NOTICE_SUBMITTED gets the removal, then what happens next.
    let mut ws = connect(addr, Some(&agent(&s.brand))).await;
    watch(&mut ws, "1", &s.brand, Some(&history[0].0)).await;
    assert_eq!(event(&mut ws, "1").await, history[1].clone());
    reject(&app, &n.items[1]).await;
    let (id, kind) = event(&mut ws, "1").await;
    assert_eq!(kind, "ITEM_REJECTED");
    assert!(id > history[1].0, "live events come after the replay: {id}");
    let extra = next_message(&mut ws, Duration::from_millis(700)).await;
    assert!(extra.is_none(), "each event once: {extra:#?}");

    // The seller, replaying the same stretch, sees only the events about its own items.
    let mut seller = connect(addr, Some(&seller_token(&s.seller))).await;
    watch(&mut seller, "s", &s.brand, Some(&history[0].0)).await;
    assert_eq!(event(&mut seller, "s").await, history[1].clone());
    assert_eq!(event(&mut seller, "s").await, (id, "ITEM_REJECTED".to_owned()));
    let extra = next_message(&mut seller, Duration::from_millis(500)).await;
    assert!(extra.is_none(), "{extra:#?}");

    // Another brand's agent is refused, with or without a cursor; a malformed cursor is bad input.
    let other = create_brand(&app, "Other").await;
    let mut stranger = connect(addr, Some(&agent(&other))).await;
    watch(&mut stranger, "x", &s.brand, Some(&history[0].0)).await;
    assert_eq!(refusal(&mut stranger).await, "FORBIDDEN");
    watch(&mut ws, "2", &s.brand, Some("evt_nonsense")).await;
    assert_eq!(refusal(&mut ws).await, "BAD_USER_INPUT");

    // `/metrics` counts the events published and the subscriptions still open ("1" and "s").
    let reply = app.send(axum::http::Request::get("/metrics").body(axum::body::Body::empty()).expect("request")).await;
    let text = String::from_utf8_lossy(&reply.body).to_string();
    let value = |name: &str| {
        text.lines().find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse::<f64>().ok())).unwrap_or(-1.0)
    };
    assert!(value("rightsgraph_events_delivered_total") >= 3.0, "{text}");
    assert_eq!(value("rightsgraph_event_delay_seconds_count"), value("rightsgraph_events_delivered_total"), "{text}");
    assert_eq!(value("rightsgraph_subscriptions_open"), 2.0, "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_committed_on_one_replica_reach_the_subscribers_of_another() {
    if pg_admin_url().is_none() {
        // One process per SQLite file: there is no other replica to hear.
        return;
    }
    let app = spawn().await;
    let b = app.replica().await;
    let addr_b = serve_router(b.router.clone()).await;
    let s = scene(&app, 3).await;
    let mut ws = connect(addr_b, Some(&admin())).await;
    watch(&mut ws, "1", &s.brand, None).await;

    // Written through replica A (the test app), heard on replica B.
    let started = Instant::now();
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    let first = event(&mut ws, "1").await;
    let delay = started.elapsed();
    assert_eq!(first.1, "NOTICE_SUBMITTED");
    assert!(delay < Duration::from_secs(1), "delivered across replicas in {delay:?}");
    remove(&app, &n.items[0]).await;
    reject(&app, &n.items[1]).await;
    let mut got = vec![first];
    got.push(event(&mut ws, "1").await);
    got.push(event(&mut ws, "1").await);
    assert_eq!(got, history_ids(&app, &s.brand).await, "every event, in commit order");
    let extra = next_message(&mut ws, Duration::from_millis(1500)).await;
    assert!(extra.is_none(), "each event once: {extra:#?}");

    // Delivery delay across replicas, commit on A to receipt on B, over 40 notices.
    let more = create_listings(&app, &s.seller, 40).await;
    let mut delays = Vec::new();
    for listing in &more {
        let started = Instant::now();
        submit(&app, &s.brand, &s.tm, std::slice::from_ref(listing)).await;
        assert_eq!(event(&mut ws, "1").await.1, "NOTICE_SUBMITTED");
        delays.push(started.elapsed());
    }
    delays.sort();
    let (p50, p99) = (delays[delays.len() / 2], delays[delays.len() * 99 / 100]);
    println!("delivery across replicas (submit on A until received on B): p50 {p50:?}, p99 {p99:?}");
    assert!(p99 < Duration::from_secs(1), "every event within 1 s: p99 {p99:?}");

    // The relay's connection drops (PostgreSQL restarting looks the same to it): what commits
    // meanwhile still arrives, once.
    let killed = app
        .app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()",
        ))
        .await
        .expect("terminate the listeners");
    assert!(!killed.is_empty(), "the relays listen on connections of their own");
    let started = Instant::now();
    remove(&app, &n.items[2]).await;
    let after = event(&mut ws, "1").await;
    println!("an event committed while the relay reconnected arrived after {:?}", started.elapsed());
    assert_eq!(after.1, "ITEM_REMOVED");
    assert_eq!(Some(&after), history_ids(&app, &s.brand).await.last());
    let extra = next_message(&mut ws, Duration::from_millis(1500)).await;
    assert!(extra.is_none(), "each event once after reconnecting: {extra:#?}");
}

#[tokio::test]
async fn one_process_runs_the_background_work_and_another_takes_over_when_it_dies() {
    use rightsgraph::db::lease::Lease;
    let db = crate::harness::TestDb::new().await;
    if pg_admin_url().is_none() {
        // SQLite: one process, which always runs it.
        assert!(Lease::new(&db.url, Default::default()).hold().await);
        return;
    }
    let (mut a, mut b) = (Lease::new(&db.url, Default::default()), Lease::new(&db.url, Default::default()));
    assert!(a.hold().await, "the first to ask runs it");
    assert!(!b.hold().await, "one at a time");
    assert!(a.hold().await && !b.hold().await, "and it keeps it");
    assert!(a.role.load(std::sync::atomic::Ordering::Relaxed));
    assert!(!b.role.load(std::sync::atomic::Ordering::Relaxed));

    // A dies (its connection, and so its session, ends): B takes over at its next tick.
    a.release().await;
    let mut ticks = 0;
    while !b.hold().await {
        ticks += 1;
        assert!(ticks < 40, "B never took over");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!a.hold().await, "A, back, does not run it beside B");

    // B's session is cut (PostgreSQL restarted, or the network): B notices at its next tick
    // and stops; A takes over.
    let admin = sea_orm::Database::connect(db.url.as_str()).await.expect("connect");
    admin
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = {}",
            rightsgraph::db::lease::KEY
        ))
        .await
        .expect("terminate the holder");
    assert!(!b.hold().await, "B lost its session, and with it the work");
    let mut ticks = 0;
    while !a.hold().await {
        ticks += 1;
        assert!(ticks < 40, "A never took over");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    admin.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_replay_after_event_id_reads_only_under_a_permit_of_the_concurrency_limit() {
    let limits = rightsgraph::config::LimitsConfig { max_concurrent_requests: 1, ..Default::default() };
    let app = crate::harness::spawn_limits(limits).await;
    let addr = serve_router(app.app.router.clone()).await;
    let s = scene(&app, 2).await;
    submit(&app, &s.brand, &s.tm, &s.listings[..1]).await;
    submit(&app, &s.brand, &s.tm, &s.listings[1..]).await;
    let history = history_ids(&app, &s.brand).await;
    assert_eq!(history.len(), 2, "{history:?}");
    let mut ws = connect(addr, Some(&admin())).await;

    // Every permit is taken: the replay waits, and reads nothing meanwhile.
    let held = app.app.executing.acquire(rightsgraph::permits::Tenant::Anonymous).await;
    let before = app.statements();
    watch(&mut ws, "1", &s.brand, Some(&history[0].0)).await;
    assert!(next_message(&mut ws, Duration::from_millis(500)).await.is_none(), "nothing before a permit");
    assert_eq!(app.statements(), before, "the replay read nothing without a permit");

    drop(held);
    assert_eq!(event(&mut ws, "1").await, history[1], "the permit back, the replay goes on");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_that_falls_behind_the_event_buffer_still_gets_every_event_once_in_order() {
    use futures_util::StreamExt;
    let ws = rightsgraph::config::WsConfig { event_buffer: 2, ..Default::default() };
    let app = crate::harness::spawn_ws(Default::default(), ws).await;
    let s = scene(&app, 6).await;
    let pipeline = app.app.pipeline.clone();
    let identity = pipeline.verifier.check(&admin()).expect("a good token").identity;
    let viewer = rightsgraph::auth::Viewer::Authenticated(identity);
    let variables = async_graphql::Variables::from_json(json!({ "b": s.brand, "after": null }));
    let mut request = async_graphql::Request::new(EVENTS).variables(variables);
    let parsed = pipeline.parse(&mut request).await.expect("the subscription parses");
    let mut events = pipeline.subscribe(&viewer, request, parsed);
    // Polled once, so it listens; nothing to send yet.
    assert!(tokio::time::timeout(Duration::from_millis(300), events.next()).await.is_err());

    // Six notices while the subscriber reads nothing: four more than the buffer keeps.
    for listing in &s.listings {
        submit(&app, &s.brand, &s.tm, std::slice::from_ref(listing)).await;
    }
    // On PostgreSQL the relay publishes them a moment after they commit.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let history = history_ids(&app, &s.brand).await;
    assert_eq!(history.len(), 6, "{history:?}");

    let mut got = Vec::new();
    for _ in 0..history.len() {
        let answer =
            tokio::time::timeout(PATIENCE, events.next()).await.expect("an event").expect("the stream goes on");
        assert!(answer.errors.is_empty(), "{:?}", answer.errors);
        let data = answer.data.into_json().expect("JSON");
        got.push((string(&data["noticeEvents"]["id"]), string(&data["noticeEvents"]["kind"])));
    }
    assert_eq!(got, history, "every event once, in order, though the buffer held only two");
    assert!(tokio::time::timeout(Duration::from_millis(300), events.next()).await.is_err(), "and nothing more");
}
