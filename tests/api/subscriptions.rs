//! `noticeEvents` over `graphql-transport-ws` on a real socket (CONTRACT.md section 2 and the
//! events of section 4): committed events of the watched brand, in order, and nothing else.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

use crate::harness::{TestApp, spawn};
use crate::workflow_support::*;

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const EVENTS: &str = "subscription($b: ID!) { noticeEvents(brandId: $b) { kind actorRole notice { id } item { id } } }";

/// How long to wait for a message that should come.
pub(crate) const PATIENCE: Duration = Duration::from_secs(5);

/// Serves the app's router on a free local port.
pub(crate) async fn serve(app: &TestApp) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(axum::serve(listener, app.app.router.clone()).into_future());
    addr
}

/// Opens a `graphql-transport-ws` connection with `token` (none: no authorization) and waits for
/// `connection_ack`.
pub(crate) async fn connect(addr: SocketAddr, token: Option<&str>) -> Socket {
    let mut request = format!("ws://{addr}/graphql/ws").into_client_request().expect("request");
    request.headers_mut().insert("sec-websocket-protocol", HeaderValue::from_static("graphql-transport-ws"));
    let (mut ws, response) = connect_async(request).await.expect("websocket handshake");
    assert_eq!(
        response.headers().get("sec-websocket-protocol").and_then(|v| v.to_str().ok()),
        Some("graphql-transport-ws")
    );
    let payload = match token {
        Some(t) => json!({ "authorization": format!("Bearer {t}") }),
        None => json!({}),
    };
    send(&mut ws, json!({"type": "connection_init", "payload": payload})).await;
    let ack = next_message(&mut ws, PATIENCE).await.expect("connection_ack");
    assert_eq!(ack["type"], "connection_ack", "{ack:#}");
    ws
}

pub(crate) async fn send(ws: &mut Socket, message: Value) {
    ws.send(Message::Text(message.to_string().into())).await.expect("send");
}

/// Subscribes to brand `brand`'s events as operation `id`, and gives the server a moment to
/// start the stream (there is no acknowledgement of a subscription in the protocol).
pub(crate) async fn subscribe(ws: &mut Socket, id: &str, brand: &str) {
    send(ws, json!({"id": id, "type": "subscribe", "payload": {"query": EVENTS, "variables": {"b": brand}}})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// The next protocol message within `wait` (answering pings), or `None`.
pub(crate) async fn next_message(ws: &mut Socket, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let frame = tokio::time::timeout_at(deadline, ws.next()).await.ok()??;
        match frame.expect("websocket frame") {
            Message::Text(text) => {
                let message: Value = serde_json::from_str(text.as_str()).expect("JSON message");
                if message["type"] == "ping" {
                    send(ws, json!({"type": "pong"})).await;
                    continue;
                }
                return Some(message);
            }
            Message::Close(frame) => panic!("the server closed the connection: {frame:?}"),
            _ => continue,
        }
    }
}

/// The next event of operation `id`, as `(kind, actorRole, notice id, item id)`.
pub(crate) async fn next_event(ws: &mut Socket, id: &str) -> (String, String, Value, Value) {
    let message = next_message(ws, PATIENCE).await.expect("an event within the timeout");
    assert_eq!(message["type"], "next", "{message:#}");
    assert_eq!(message["id"], id, "{message:#}");
    assert!(message["payload"].get("errors").is_none(), "{message:#}");
    let e = &message["payload"]["data"]["noticeEvents"];
    (string(&e["kind"]), string(&e["actorRole"]), e["notice"]["id"].clone(), e["item"]["id"].clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notice_events_arrive_in_order_for_the_watched_brand_only() {
    let app = spawn().await;
    let addr = serve(&app).await;
    let s = scene(&app, 1).await;
    let other = scene(&app, 1).await;

    let mut ws = connect(addr, Some(&agent(&s.brand))).await;
    subscribe(&mut ws, "1", &s.brand).await;
    // An admin watching the other brand sees only that brand's events.
    let mut watcher = connect(addr, Some(&admin())).await;
    subscribe(&mut watcher, "w", &other.brand).await;

    let n = submit_as(&app, &agent(&s.brand), notice_input_all(&s.brand, &s.tm, &s.listings)).await;
    remove(&app, &n.items[0]).await;
    // Another brand's notice in the middle.
    let o = submit(&app, &other.brand, &other.tm, &other.listings).await;
    remove(&app, &o.items[0]).await;
    let cn = file_counter(&app, &s.seller, &n.items[0]).await;
    resolve(&app, &cn, "REINSTATE").await;

    let nid = json!(n.id);
    let iid = json!(n.items[0]);
    let expected = [
        ("NOTICE_SUBMITTED", "BRAND_AGENT", &nid, Value::Null),
        ("ITEM_REMOVED", "REVIEWER", &nid, iid.clone()),
        ("COUNTER_NOTICE_FILED", "SELLER", &nid, iid.clone()),
        ("LISTING_REINSTATED", "REVIEWER", &nid, iid.clone()),
    ];
    for (kind, actor, notice, item) in expected {
        let got = next_event(&mut ws, "1").await;
        assert_eq!(got, (kind.to_owned(), actor.to_owned(), notice.clone(), item), "event {kind}");
    }
    // Nothing more: no other brand's events, and no tier change with the default rules.
    let extra = next_message(&mut ws, Duration::from_secs(2)).await;
    assert!(extra.is_none(), "unexpected message: {extra:#?}");

    let oid = json!(o.id);
    assert_eq!(
        next_event(&mut watcher, "w").await,
        ("NOTICE_SUBMITTED".into(), "ADMIN".into(), oid.clone(), Value::Null)
    );
    assert_eq!(next_event(&mut watcher, "w").await, ("ITEM_REMOVED".into(), "REVIEWER".into(), oid, json!(o.items[0])));
    let extra = next_message(&mut watcher, Duration::from_millis(500)).await;
    assert!(extra.is_none(), "unexpected message: {extra:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_brand_agent_cannot_watch_another_brand() {
    let app = spawn().await;
    let addr = serve(&app).await;
    let s = scene(&app, 1).await;
    let other = create_brand(&app, "Other").await;
    let mut ws = connect(addr, Some(&agent(&other))).await;
    send(&mut ws, json!({"id": "x", "type": "subscribe", "payload": {"query": EVENTS, "variables": {"b": s.brand}}}))
        .await;
    let message = next_message(&mut ws, PATIENCE).await.expect("an answer to the subscription");
    // graphql-transport-ws: an `error` message carries the errors; a server may instead send
    // them in a `next` payload followed by `complete` (as the reference implementation does for
    // errors raised by the subscription's resolver).
    let code = match message["type"].as_str() {
        Some("error") => message["payload"][0]["extensions"]["code"].clone(),
        Some("next") => {
            let code = message["payload"]["errors"][0]["extensions"]["code"].clone();
            let done = next_message(&mut ws, PATIENCE).await.expect("complete");
            assert_eq!(done["type"], "complete", "{done:#}");
            code
        }
        _ => panic!("unexpected answer: {message:#}"),
    };
    assert_eq!(code, "FORBIDDEN", "{message:#}");
    assert_eq!(message["id"], "x");
    // And its events never arrive.
    submit(&app, &s.brand, &s.tm, &s.listings).await;
    let extra = next_message(&mut ws, Duration::from_secs(1)).await;
    assert!(extra.is_none(), "unexpected message: {extra:#?}");

    // Its own brand is fine.
    subscribe(&mut ws, "own", &other).await;
    let tm = verified_trademark(&app, &other).await;
    let listing = create_listing(&app, &s.seller).await;
    submit(&app, &other, &tm, &[listing]).await;
    assert_eq!(next_event(&mut ws, "own").await.0, "NOTICE_SUBMITTED");
}

/// A connection is only acknowledged with a usable token: without one the server closes it with
/// 4403 (graphql-transport-ws "Forbidden") before any operation can run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_without_a_token_is_closed_with_4403() {
    let app = spawn().await;
    let addr = serve(&app).await;
    for payload in [json!({}), json!({"authorization": "Basic abc"}), json!({"authorization": "Bearer not-a-jwt"})] {
        let mut request = format!("ws://{addr}/graphql/ws").into_client_request().expect("request");
        request.headers_mut().insert("sec-websocket-protocol", HeaderValue::from_static("graphql-transport-ws"));
        let (mut ws, _) = connect_async(request).await.expect("websocket handshake");
        send(&mut ws, json!({"type": "connection_init", "payload": payload})).await;
        let frame = tokio::time::timeout(PATIENCE, ws.next()).await.expect("an answer").expect("a frame");
        match frame.expect("websocket frame") {
            Message::Close(Some(close)) => assert_eq!(u16::from(close.code), 4403, "{payload}: {close:?}"),
            other => panic!("{payload}: expected a close frame, got {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolled_back_mutation_publishes_nothing() {
    let app = spawn().await;
    let addr = serve(&app).await;
    let s = scene(&app, 3).await;
    let mut ws = connect(addr, Some(&admin())).await;
    subscribe(&mut ws, "1", &s.brand).await;

    let n = submit(&app, &s.brand, &s.tm, &s.listings[..1]).await;
    remove(&app, &n.items[0]).await;
    assert_eq!(next_event(&mut ws, "1").await.0, "NOTICE_SUBMITTED");
    assert_eq!(next_event(&mut ws, "1").await.0, "ITEM_REMOVED");

    // Refused inside the transaction: a REMOVED listing (CONFLICT), a duplicate listing
    // (BAD_USER_INPUT), deciding a decided item (CONFLICT), a second counter-notice.
    let before = Before::take(&app).await;
    let refused = [
        (SUBMIT, json!({"input": notice_input_all(&s.brand, &s.tm, &s.listings)})),
        (SUBMIT, json!({"input": notice_input(&s.brand, &[(&s.listings[1], &s.tm), (&s.listings[1], &s.tm)])})),
        (DECIDE, json!({"input": decide_input(&n.items[0], "REMOVE", None)})),
    ];
    for (query, vars) in refused {
        let resp = app.gql(Some(&admin()), query, vars).await;
        assert!(resp.get("errors").is_some(), "{resp:#}");
    }
    file_counter(&app, &s.seller, &n.items[0]).await;
    assert_eq!(next_event(&mut ws, "1").await.0, "COUNTER_NOTICE_FILED");
    let resp =
        app.gql(Some(&seller_token(&s.seller)), FILE_COUNTER, json!({"input": counter_input(&n.items[0])})).await;
    assert!(resp.get("errors").is_some(), "{resp:#}");
    assert_eq!(counts(&app).await.events, before.counts().events + 1);

    // The next event to arrive is the one of the next successful mutation.
    let m = submit(&app, &s.brand, &s.tm, &s.listings[1..2]).await;
    let got = next_event(&mut ws, "1").await;
    assert_eq!((got.0.as_str(), &got.2), ("NOTICE_SUBMITTED", &json!(m.id)));
    let extra = next_message(&mut ws, Duration::from_millis(500)).await;
    assert!(extra.is_none(), "unexpected message: {extra:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_events_reach_the_brand_and_never_the_seller() {
    let app = spawn().await;
    let addr = serve(&app).await;
    let s = scene(&app, 1).await;
    // The brand subscribes before the notice is submitted: on PostgreSQL an event reaches the
    // subscribers when the relay hears its commit, so one committed just before a subscription
    // may still arrive on it.
    let mut brand = connect(addr, Some(&agent(&s.brand))).await;
    subscribe(&mut brand, "b", &s.brand).await;
    let n = submit_as(&app, &agent(&s.brand), notice_input_all(&s.brand, &s.tm, &s.listings)).await;
    let submitted = next_event(&mut brand, "b").await;
    assert_eq!((submitted.0.as_str(), &submitted.2), ("NOTICE_SUBMITTED", &json!(n.id)));
    // A submission's event names no seller: the seller never hears it, whenever it subscribes.
    let mut seller = connect(addr, Some(&seller_token(&s.seller))).await;
    subscribe(&mut seller, "s", &s.brand).await;

    let ask = "mutation($i: ID!) { requestInformation(input: {itemId: $i, question: \"Please send the test-buy report.\"}) { status } }";
    app.data(&reviewer(), ask, json!({ "i": n.items[0] })).await;
    let answer = "mutation($i: ID!) { provideInformation(input: {itemId: $i, answer: \"Report: fake hologram, no serial.\"}) { status } }";
    app.data(&agent(&s.brand), answer, json!({ "i": n.items[0] })).await;
    let post = "mutation($n: ID!) { postNoticeMessage(input: {noticeId: $n, body: \"Thanks.\"}) { id } }";
    app.data(&reviewer(), post, json!({ "n": n.id })).await;
    remove(&app, &n.items[0]).await;

    let (nid, iid) = (json!(n.id), json!(n.items[0]));
    for (kind, actor, item) in [
        ("INFO_REQUESTED", "REVIEWER", iid.clone()),
        ("INFO_PROVIDED", "BRAND_AGENT", iid.clone()),
        ("NOTICE_MESSAGE_POSTED", "REVIEWER", Value::Null),
        ("ITEM_REMOVED", "REVIEWER", iid.clone()),
    ] {
        assert_eq!(next_event(&mut brand, "b").await, (kind.into(), actor.into(), nid.clone(), item), "{kind}");
    }
    // The seller hears the removal of its item, and nothing of the channel before it.
    assert_eq!(next_event(&mut seller, "s").await, ("ITEM_REMOVED".into(), "REVIEWER".into(), nid, iid));
    let extra = next_message(&mut seller, Duration::from_millis(500)).await;
    assert!(extra.is_none(), "unexpected message: {extra:#?}");
}
