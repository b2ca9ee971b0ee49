//! `/graphql/ws` on a real socket (CONTRACT.md sections 2, 3 and 6): the `graphql-transport-ws`
//! close codes, the token of `connection_init` checked again against the current time for the
//! whole life of the connection, the WebSocket limits (message size, operations per socket,
//! sockets per server, keep-alive), and every operation run through the same limits, concurrency
//! limit, clock and error model as over HTTP POST.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::{SinkExt, Stream, StreamExt};
use rightsgraph::config::{LimitsConfig, RulesConfig, WsConfig};
use rightsgraph::ids::Kind;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::protocol::Role as WsRole;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

use crate::harness::{SECRET, TestApp, codes, gid, sign, spawn, spawn_with, spawn_ws};
use crate::workflow_support::*;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The one subprotocol the endpoint speaks.
const PROTOCOL: &str = "graphql-transport-ws";

/// The largest message the server reads.
const MIB: usize = 1 << 20;

/// How long to wait for a message that should come.
const PATIENCE: Duration = Duration::from_secs(5);

const EVENTS: &str = "subscription($b: ID!) { noticeEvents(brandId: $b) { kind notice { id } item { id } } }";
const BRAND_COUNT: &str = "{ brands { totalCount } }";
/// A subscription of depth 6.
const DEEP_SUBSCRIPTION: &str = "subscription($b: ID!) { noticeEvents(brandId: $b) { notice { brand { trademarks(first: 1) { nodes { id } } } } } }";

// ---- helpers --------------------------------------------------------------------------------------

/// What the socket gave.
#[derive(Debug)]
enum Got {
    /// A protocol message.
    Message(Value),
    /// The connection ended: the close frame's code (none when it ended without a close frame)
    /// and its reason (or the error).
    Closed(Option<u16>, String),
    /// Nothing within the wait.
    Nothing,
}

impl Got {
    fn message(self) -> Value {
        match self {
            Got::Message(message) => message,
            other => panic!("expected a message, got {other:?}"),
        }
    }
}

/// Serves the app's router on a free local port.
async fn serve(app: &TestApp) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(axum::serve(listener, app.app.router.clone()).into_future());
    addr
}

/// Seconds since the epoch, with fractions.
fn epoch() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs_f64()
}

/// Whole seconds since the epoch.
fn now() -> u64 {
    epoch() as u64
}

/// Sleeps until the epoch second `at` (with fractions) has passed.
async fn sleep_until_epoch(at: f64) {
    let left = at - epoch();
    if left > 0.0 {
        tokio::time::sleep(Duration::from_secs_f64(left)).await;
    }
}

/// An ADMIN token that expires at `exp` (seconds since the epoch).
fn admin_until(exp: u64) -> String {
    sign(&json!({"sub": "ws-test", "role": "ADMIN", "exp": exp}))
}

/// The `connection_init` payload that carries `token`.
fn bearer(token: &str) -> Value {
    json!({ "authorization": format!("Bearer {token}") })
}

/// The WebSocket handshake offering `protocols` (a `Sec-WebSocket-Protocol` list).
async fn handshake(addr: SocketAddr, protocols: &str) -> Result<Socket, WsError> {
    let mut request = format!("ws://{addr}/graphql/ws").into_client_request().expect("request");
    request.headers_mut().insert("sec-websocket-protocol", HeaderValue::from_str(protocols).expect("header"));
    let (ws, response) = connect_async(request).await?;
    assert_eq!(
        response.headers().get("sec-websocket-protocol").and_then(|v| v.to_str().ok()),
        Some(PROTOCOL),
        "the server selects graphql-transport-ws"
    );
    Ok(ws)
}

/// An open socket, before `connection_init`.
async fn open(addr: SocketAddr) -> Socket {
    handshake(addr, PROTOCOL).await.expect("websocket handshake")
}

/// A socket past `connection_ack` for `token`.
async fn connect(addr: SocketAddr, token: &str) -> Socket {
    let mut ws = open(addr).await;
    send(&mut ws, json!({"type": "connection_init", "payload": bearer(token)})).await;
    let ack = next(&mut ws, PATIENCE).await.message();
    assert_eq!(ack, json!({"type": "connection_ack"}));
    ws
}

/// The upgrade written by hand, offering `protocols`, for what a conforming client library
/// refuses to go on with (a server that selected none of the offered subprotocols): the response
/// head and the socket.
async fn raw_upgrade(addr: SocketAddr, protocols: &str) -> (String, Socket) {
    let mut tcp = TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "GET /graphql/ws HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Protocol: {protocols}\r\n\r\n"
    );
    tcp.write_all(request.as_bytes()).await.expect("write the upgrade");
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(tcp.read_u8().await.expect("the response head"));
    }
    let head = String::from_utf8(head).expect("an ASCII head");
    let ws = WebSocketStream::from_raw_socket(MaybeTlsStream::Plain(tcp), WsRole::Client, None).await;
    (head, ws)
}

async fn send(ws: &mut Socket, message: Value) {
    ws.send(Message::Text(message.to_string().into())).await.expect("send");
}

/// Sends `subscribe` for operation `id`.
async fn subscribe(ws: &mut Socket, id: &str, query: &str, variables: Value) {
    send(ws, json!({"id": id, "type": "subscribe", "payload": {"query": query, "variables": variables}})).await;
}

/// The next text message within `wait`, server pings included, or how the connection ended.
async fn recv<S>(ws: &mut S, wait: Duration) -> Got
where
    S: Stream<Item = Result<Message, WsError>> + Unpin,
{
    let deadline = Instant::now() + wait;
    loop {
        let frame = match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => return Got::Nothing,
            Ok(None) => return Got::Closed(None, "the stream ended without a close frame".into()),
            Ok(Some(Err(err))) => return Got::Closed(None, format!("connection error: {err}")),
            Ok(Some(Ok(frame))) => frame,
        };
        match frame {
            Message::Text(text) => {
                return Got::Message(serde_json::from_str(text.as_str()).expect("a JSON message"));
            }
            Message::Close(frame) => {
                let code = frame.as_ref().map(|f| u16::from(f.code));
                return Got::Closed(code, frame.map(|f| f.reason.to_string()).unwrap_or_default());
            }
            _ => continue,
        }
    }
}

/// The next message within `wait` other than a server ping (each answered with `pong`).
async fn next(ws: &mut Socket, wait: Duration) -> Got {
    let deadline = Instant::now() + wait;
    loop {
        match recv(ws, deadline.saturating_duration_since(Instant::now())).await {
            Got::Message(m) if m["type"] == "ping" => send(ws, json!({"type": "pong"})).await,
            other => return other,
        }
    }
}

/// Reads until the connection ends (within `wait`, else a panic): the close code, and every
/// message that came before it.
async fn closed(ws: &mut Socket, wait: Duration) -> (Option<u16>, Vec<Value>) {
    let deadline = Instant::now() + wait;
    let mut seen = Vec::new();
    loop {
        match next(ws, deadline.saturating_duration_since(Instant::now())).await {
            Got::Message(m) => seen.push(m),
            Got::Closed(code, reason) => {
                if code.is_none() {
                    eprintln!("the connection ended without a close frame: {reason}");
                }
                return (code, seen);
            }
            Got::Nothing => panic!("the connection is still open after {wait:?}; messages: {seen:#?}"),
        }
    }
}

/// Runs operation `id` and returns its messages up to its `complete` or `error` included.
async fn operation(ws: &mut Socket, id: &str, query: &str, variables: Value) -> Vec<Value> {
    subscribe(ws, id, query, variables).await;
    let mut out = Vec::new();
    loop {
        let message = match next(ws, PATIENCE).await {
            Got::Message(m) => m,
            other => panic!("operation {id}: {other:?} after {out:#?}"),
        };
        assert_eq!(message["id"], id, "a message of another operation: {message:#}");
        let last = message["type"] == "complete" || message["type"] == "error";
        out.push(message);
        if last {
            return out;
        }
    }
}

/// Runs a query or mutation that should run: its `next` payload (asserting `complete` follows).
async fn run(ws: &mut Socket, id: &str, query: &str, variables: Value) -> Value {
    let messages = operation(ws, id, query, variables).await;
    assert_eq!(messages.len(), 2, "next then complete: {messages:#?}");
    assert_eq!(messages[0]["type"], "next", "{messages:#?}");
    assert_eq!(messages[1], json!({"id": id, "type": "complete"}));
    messages[0]["payload"].clone()
}

/// Runs an operation that should be refused before running: the errors of its `error` message.
async fn refused(ws: &mut Socket, id: &str, query: &str, variables: Value) -> Value {
    let messages = operation(ws, id, query, variables).await;
    assert_eq!(messages.len(), 1, "one error message: {messages:#?}");
    assert_eq!(messages[0]["type"], "error", "{messages:#?}");
    let errors = messages[0]["payload"].clone();
    assert!(errors.as_array().is_some_and(|e| !e.is_empty()), "the payload is the errors: {errors:#}");
    errors
}

/// The next event of subscription `id`: its `noticeEvents` value.
async fn next_event(ws: &mut Socket, id: &str) -> Value {
    let message = next(ws, PATIENCE).await.message();
    assert_eq!(message["type"], "next", "{message:#}");
    assert_eq!(message["id"], id, "{message:#}");
    assert!(message["payload"].get("errors").is_none(), "{message:#}");
    message["payload"]["data"]["noticeEvents"].clone()
}

/// How many brands an admin sees over HTTP.
async fn brand_count(app: &TestApp) -> i64 {
    app.data(&admin(), BRAND_COUNT, json!({})).await["brands"]["totalCount"].as_i64().expect("count")
}

// ---- connection_init --------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_init_closes_4401_for_an_expired_token_and_4403_for_none_or_an_unusable_one() {
    let app = spawn().await;
    let addr = serve(&app).await;
    let claims = json!({"sub": "ws-test", "role": "ADMIN", "exp": now() + 3600});
    let other_secret = |claims: &Value, alg| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(alg),
            claims,
            &jsonwebtoken::EncodingKey::from_secret(b"another-secret-of-at-least-32-bytes-long"),
        )
        .expect("sign")
    };
    let hs384 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS384),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("sign");
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let expired_elsewhere = json!({"sub": "ws-test", "role": "ADMIN", "exp": now() - 60});
    let cases: Vec<(&str, Option<Value>, u16)> = vec![
        ("expired a minute ago", Some(bearer(&admin_until(now() - 60))), 4401),
        ("expired a second ago", Some(bearer(&admin_until(now() - 1))), 4401),
        ("signed with another secret", Some(bearer(&other_secret(&claims, jsonwebtoken::Algorithm::HS256))), 4403),
        (
            "expired and signed with another secret",
            Some(bearer(&other_secret(&expired_elsewhere, jsonwebtoken::Algorithm::HS256))),
            4403,
        ),
        ("signed with HS384", Some(bearer(&hs384)), 4403),
        ("alg none", Some(bearer(&unsigned)), 4403),
        ("garbage", Some(bearer("not-a-token")), 4403),
        ("an unknown role", Some(bearer(&sign(&json!({"sub": "x", "role": "KING", "exp": now() + 3600})))), 4403),
        (
            "a BRAND_AGENT without brand_id",
            Some(bearer(&sign(&json!({"sub": "x", "role": "BRAND_AGENT", "exp": now() + 3600})))),
            4403,
        ),
        (
            "not valid before an hour from now",
            Some(bearer(&sign(&json!({"sub": "x", "role": "ADMIN", "exp": now() + 7200, "nbf": now() + 3600})))),
            4403,
        ),
        ("no Bearer scheme", Some(json!({"authorization": admin()})), 4403),
        ("no authorization", Some(json!({})), 4403),
        ("no payload", None, 4403),
    ];
    for (what, payload, expected) in cases {
        let mut ws = open(addr).await;
        let mut init = json!({"type": "connection_init"});
        if let Some(p) = payload {
            init["payload"] = p;
        }
        send(&mut ws, init).await;
        let (code, seen) = closed(&mut ws, PATIENCE).await;
        assert_eq!(code, Some(expected), "{what}");
        assert!(seen.is_empty(), "{what}: no connection_ack nor anything else: {seen:#?}");
    }
    // The same connection_init with a usable token is acknowledged and can run operations.
    let mut ws = connect(addr, &admin()).await;
    let planned = app.app.metrics.planned.get();
    assert_eq!(run(&mut ws, "t", "{ __typename }", json!({})).await["data"], json!({"__typename": "Query"}));
    // A query over the socket takes the planned path, as over HTTP, and its answer is the same.
    assert_eq!(app.app.metrics.planned.get(), planned + 1);
    let payload = run(&mut ws, "b", "{ brands { totalCount nodes { id } } }", json!({})).await;
    assert_eq!(payload["data"], json!({"brands": {"totalCount": 0, "nodes": []}}), "{payload:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_works_until_its_token_expires_then_is_closed_4401_unprompted() {
    let app = spawn().await;
    let addr = serve(&app).await;
    let exp = now() + 3;
    let mut ws = connect(addr, &admin_until(exp)).await;
    // Until then an ADMIN mutation runs, and is written.
    let payload = run(&mut ws, "b", CREATE_BRAND, json!({"input": {"name": "Socket Brand", "country": "US"}})).await;
    assert!(payload.get("errors").is_none(), "{payload:#}");
    let id = str_at(&payload, "/data/createBrand/id");
    let data = app.data(&admin(), "query($id: ID!) { brand(id: $id) { name } }", json!({"id": id})).await;
    assert_eq!(data["brand"]["name"], "Socket Brand");
    assert_eq!(brand_count(&app).await, 1);
    // The client says nothing more: the server closes at exp.
    let (code, seen) = closed(&mut ws, Duration::from_secs(6)).await;
    let at = epoch();
    assert_eq!(code, Some(4401), "closed as unauthorized at expiry; before that: {seen:#?}");
    assert!(seen.is_empty(), "nothing before the close: {seen:#?}");
    assert!(at >= exp as f64 - 0.05, "closed {:.2}s before the token expired", exp as f64 - at);
    assert!(at < exp as f64 + 2.0, "closed {:.2}s after the token expired", at - exp as f64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_gets_no_event_after_its_token_expires_and_a_late_mutation_is_not_applied() {
    let app = spawn().await;
    let addr = serve(&app).await;
    let s = scene(&app, 2).await;
    let exp = now() + 3;
    let mut ws = connect(addr, &admin_until(exp)).await;
    subscribe(&mut ws, "ev", EVENTS, json!({"b": s.brand})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // While the token is valid, events arrive.
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    let event = next_event(&mut ws, "ev").await;
    assert_eq!((event["kind"].clone(), event["notice"]["id"].clone()), (json!("NOTICE_SUBMITTED"), json!(n.id)));

    sleep_until_epoch(exp as f64 + 0.3).await;
    let brands = brand_count(&app).await;
    // A mutation sent after expiry (the server may have closed the socket already: a failed
    // send is fine) and an event after expiry.
    let late = json!({"id": "late", "type": "subscribe",
        "payload": {"query": CREATE_BRAND, "variables": {"input": {"name": "Late", "country": "US"}}}});
    let _ = ws.send(Message::Text(late.to_string().into())).await;
    remove(&app, &n.items[0]).await;
    let (code, seen) = closed(&mut ws, PATIENCE).await;
    assert_eq!(code, Some(4401), "messages before the close: {seen:#?}");
    assert!(seen.is_empty(), "no event and no answer after expiry: {seen:#?}");
    assert_eq!(brand_count(&app).await, brands, "the mutation sent after expiry was not applied");
    let names = app.data(&admin(), "{ brands { nodes { name } } }", json!({})).await;
    assert!(!names.to_string().contains("Late"), "{names:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_connection_init_within_the_init_timeout_closes_4408() {
    let ws_config = WsConfig { ws_init_timeout: Duration::from_secs(1), ..Default::default() };
    let app = spawn_ws(LimitsConfig::default(), ws_config).await;
    let addr = serve(&app).await;
    let started = Instant::now();
    let mut ws = open(addr).await;
    // A ping is answered before connection_init, and does not stand for it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    send(&mut ws, json!({"type": "ping"})).await;
    assert_eq!(next(&mut ws, PATIENCE).await.message(), json!({"type": "pong"}));
    let (code, seen) = closed(&mut ws, Duration::from_secs(4)).await;
    let after = started.elapsed();
    assert_eq!(code, Some(4408), "{seen:#?}");
    assert!(seen.is_empty(), "{seen:#?}");
    assert!(after >= Duration::from_millis(900), "closed after {after:?}, before the timeout");
    assert!(after < Duration::from_secs(3), "closed after {after:?}");

    // A connection initialised in time outlives the timeout.
    let mut ws = connect(addr, &admin()).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(run(&mut ws, "t", "{ __typename }", json!({})).await["data"]["__typename"], "Query");
}

// ---- message size -----------------------------------------------------------------------------------

/// A `subscribe` of `{ __typename }` padded with spaces (ignored by GraphQL) to exactly `len`
/// bytes.
fn padded_subscribe(id: &str, len: usize) -> String {
    let base = json!({"id": id, "type": "subscribe", "payload": {"query": "{ __typename }"}}).to_string();
    assert!(base.len() <= len);
    let padded = base.replacen("{ __typename }", &format!("{{ __typename }}{}", " ".repeat(len - base.len())), 1);
    assert_eq!(padded.len(), len);
    padded
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_one_mib_closes_1009_and_one_of_exactly_one_mib_is_answered() {
    let app = spawn().await;
    let addr = serve(&app).await;

    // Exactly 1 MiB: read and answered.
    let mut ws = connect(addr, &admin()).await;
    ws.send(Message::Text(padded_subscribe("max", MIB).into())).await.expect("send");
    let answer = next(&mut ws, PATIENCE).await.message();
    assert_eq!((&answer["id"], &answer["type"]), (&json!("max"), &json!("next")), "{answer:#}");
    assert_eq!(answer["payload"]["data"], json!({"__typename": "Query"}), "{answer:#}");
    assert!(answer["payload"].get("errors").is_none(), "{answer:#}");
    assert_eq!(next(&mut ws, PATIENCE).await.message(), json!({"id": "max", "type": "complete"}));

    // One byte more: closed with 1009. The send runs beside the read, as the server stops
    // reading at the frame's header.
    let (mut sink, mut stream) = ws.split();
    let over = padded_subscribe("over", MIB + 1);
    let writer = tokio::spawn(async move {
        let _ = sink.send(Message::Text(over.into())).await;
    });
    let got = recv(&mut stream, PATIENCE).await;
    assert!(matches!(got, Got::Closed(Some(1009), _)), "expected close 1009, got {got:?}");
    writer.abort();

    // The same in two fragments, each under the limit: the message is what counts.
    let ws = connect(addr, &admin()).await;
    let (mut sink, mut stream) = ws.split();
    let writer = tokio::spawn(async move {
        let first = Frame::message(vec![b' '; 600_000], OpCode::Data(Data::Text), false);
        let second = Frame::message(vec![b' '; 600_000], OpCode::Data(Data::Continue), true);
        let _ = sink.send(Message::Frame(first)).await;
        let _ = sink.send(Message::Frame(second)).await;
    });
    let got = recv(&mut stream, PATIENCE).await;
    assert!(matches!(got, Got::Closed(Some(1009), _)), "expected close 1009, got {got:?}");
    writer.abort();

    // The server still serves other connections.
    let mut ws = connect(addr, &admin()).await;
    assert_eq!(run(&mut ws, "t", "{ __typename }", json!({})).await["data"]["__typename"], "Query");
}

// ---- the HTTP pipeline on the socket ----------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_refuse_an_operation_on_the_socket_exactly_as_over_http() {
    let limits = LimitsConfig { max_depth: 4, max_complexity: 50, ..Default::default() };
    let app = spawn_ws(limits, WsConfig::default()).await;
    let addr = serve(&app).await;
    let brand = create_brand(&app, "Acme").await;
    let mut ws = connect(addr, &admin()).await;

    let aliases = |n: usize| {
        let fields: String = (0..n).map(|i| format!("a{i}: name ")).collect();
        format!("{{ brands(first: 1) {{ nodes {{ ...F }} }} }} fragment F on Brand {{ {fields} }}")
    };
    let roots: String = (0..31).map(|i| format!("r{i}: __typename ")).collect();
    let flat: String = "__typename ".repeat(25_000);
    let cases: Vec<(&str, String, Value, &str, &str)> = vec![
        ("101 aliases", aliases(101), json!({}), "GRAPHQL_VALIDATION_FAILED", "the alias limit is 100"),
        ("9,000 aliases", aliases(9_000), json!({}), "GRAPHQL_VALIDATION_FAILED", "the alias limit is 100"),
        (
            "31 root fields",
            format!("{{ {roots} }}"),
            json!({}),
            "GRAPHQL_VALIDATION_FAILED",
            "the root field limit is 30",
        ),
        ("25,000 fields", format!("{{ {flat} }}"), json!({}), "GRAPHQL_VALIDATION_FAILED", "the limit is 20000"),
        (
            "depth 5",
            "{ brands(first: 1) { nodes { trademarks(first: 1) { nodes { id } } } } }".into(),
            json!({}),
            "GRAPHQL_VALIDATION_FAILED",
            "depth limit of 4",
        ),
        (
            "cost over 50",
            "{ brands(first: 100) { nodes { id name } } }".into(),
            json!({}),
            "GRAPHQL_VALIDATION_FAILED",
            "complexity limit of 50",
        ),
        (
            "a subscription of depth 6",
            DEEP_SUBSCRIPTION.into(),
            json!({"b": brand}),
            "GRAPHQL_VALIDATION_FAILED",
            "depth limit of 4",
        ),
        ("a parse error", "{ brands { ".into(), json!({}), "GRAPHQL_PARSE_FAILED", ""),
        ("an unknown field", "{ brandz { totalCount } }".into(), json!({}), "GRAPHQL_VALIDATION_FAILED", "brandz"),
    ];
    for (i, (what, query, variables, code, names)) in cases.into_iter().enumerate() {
        let started = Instant::now();
        let errors = refused(&mut ws, &format!("op{i}"), &query, variables.clone()).await;
        assert!(started.elapsed() < Duration::from_secs(3), "{what}: refused after {:?}", started.elapsed());
        assert_eq!(errors[0]["extensions"]["code"], code, "{what}: {errors:#}");
        assert!(errors[0]["message"].as_str().is_some_and(|m| m.contains(names)), "{what}: {errors:#}");
        let http = app.gql(Some(&admin()), &query, variables).await;
        assert_eq!(errors, http["errors"], "{what}: the socket refuses as HTTP POST does");
    }

    // The socket is still open, and an operation that runs answers what HTTP POST answers,
    // errors, codes and nulls included.
    let missing = gid(Kind::Brand, 99_999);
    let query = format!(
        r#"{{ brands(first: 1) {{ totalCount nodes {{ name }} }} notice(id: "nonsense") {{ id }} node(id: "{missing}") {{ id }} }}"#
    );
    let payload = run(&mut ws, "ran", &query, json!({})).await;
    let http = app.gql(Some(&admin()), &query, json!({})).await;
    assert_eq!(payload, http, "the socket answers as HTTP POST does");
    assert_eq!(payload["data"]["brands"]["totalCount"], 1, "{payload:#}");
    let mut codes = codes(&payload);
    codes.sort();
    assert_eq!(codes, ["BAD_USER_INPUT", "NOT_FOUND"], "{payload:#}");
    assert_eq!((&payload["data"]["notice"], &payload["data"]["node"]), (&Value::Null, &Value::Null), "{payload:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_concurrency_limit_and_request_timeout_apply_on_the_socket() {
    let limits =
        LimitsConfig { max_concurrent_requests: 1, request_timeout: Duration::from_secs(1), ..Default::default() };
    let app = spawn_ws(limits, WsConfig::default()).await;
    let addr = serve(&app).await;
    let mut ws = connect(addr, &admin()).await;
    let query = "{ brands(first: 1) { totalCount } }";

    // Another request holds the only permit: the operation waits, then times out having run nothing.
    let held = app.app.executing.try_acquire(rightsgraph::permits::Tenant::Anonymous).expect("the one permit is free");
    let before = app.statements();
    let started = Instant::now();
    let payload = run(&mut ws, "wait", query, json!({})).await;
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(900), "answered after {waited:?}, before the time limit");
    assert!(waited < Duration::from_secs(4), "answered after {waited:?}");
    let errors = payload["errors"].as_array().unwrap_or_else(|| panic!("errors: {payload:#}"));
    assert_eq!(errors.len(), 1, "{payload:#}");
    assert_eq!(errors[0]["extensions"]["code"], "TIMEOUT", "{payload:#}");
    assert!(errors[0]["extensions"]["requestId"].is_string(), "{payload:#}");
    assert!(errors[0]["message"].as_str().is_some_and(|m| m.contains("time limit")), "{payload:#}");
    assert!(payload["data"].is_null(), "{payload:#}");
    assert_eq!(app.statements(), before, "nothing ran while waiting for a permit");

    // Once the permit is free, the same operation runs on the same socket.
    drop(held);
    let payload = run(&mut ws, "go", query, json!({})).await;
    assert!(payload.get("errors").is_none(), "{payload:#}");
    assert_eq!(payload["data"]["brands"]["totalCount"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_operation_and_event_on_a_long_lived_socket_is_answered_at_its_own_time() {
    let app = spawn_with(RulesConfig { strike_ttl: Duration::from_secs(3), ..Default::default() }).await;
    let addr = serve(&app).await;
    let s = scene(&app, 2).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    const COUNT: &str = "query($id: ID!) { seller(id: $id) { activeStrikeCount } }";
    const STRIKE_EVENTS: &str = "subscription($b: ID!) { noticeEvents(brandId: $b) { kind item { id listing { seller { activeStrikeCount } } } } }";

    // The socket opens before any strike.
    let mut ws = connect(addr, &admin()).await;
    let count = |payload: Value| payload["data"]["seller"]["activeStrikeCount"].clone();
    assert_eq!(count(run(&mut ws, "c0", COUNT, json!({"id": s.seller})).await), 0);
    subscribe(&mut ws, "ev", STRIKE_EVENTS, json!({"b": s.brand})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    remove(&app, &n.items[0]).await;
    let strike = item_of(&notice(&app, &n.id).await, &n.items[0])["strike"].clone();
    let expires = instant(&strike["expiresAt"]).timestamp_micros() as f64 / 1e6;
    let event = next_event(&mut ws, "ev").await;
    let left = expires - epoch();
    assert_eq!(event["kind"], "ITEM_REMOVED");
    assert_eq!(event["item"]["id"], json!(n.items[0]));
    assert_eq!(event["item"]["listing"]["seller"]["activeStrikeCount"], 1, "{left:.2}s before expiry: {event:#}");
    let c1 = count(run(&mut ws, "c1", COUNT, json!({"id": s.seller})).await);
    assert_eq!(c1, 1, "{:.2}s before the strike expires", expires - epoch());

    // Past the strike's expiry, the same socket answers 0, as HTTP does.
    sleep_until_epoch(expires + 0.3).await;
    assert_eq!(count(run(&mut ws, "c2", COUNT, json!({"id": s.seller})).await), 0, "the strike has expired");
    assert_eq!(seller_state(&app, &s.seller).await.1, 0);

    // A later event on the subscription opened before either strike sees only the new one.
    remove(&app, &n.items[1]).await;
    let event = next_event(&mut ws, "ev").await;
    assert_eq!(event["kind"], "ITEM_REMOVED");
    assert_eq!(event["item"]["id"], json!(n.items[1]));
    assert_eq!(event["item"]["listing"]["seller"]["activeStrikeCount"], 1, "{event:#}");
    assert_eq!(count(run(&mut ws, "c3", COUNT, json!({"id": s.seller})).await), 1);
}

// ---- per-socket and per-server limits -----------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_per_socket_are_capped_and_completing_one_frees_a_slot() {
    let ws_config = WsConfig { max_subscriptions_per_socket: 3, ..Default::default() };
    let app = spawn_ws(LimitsConfig::default(), ws_config).await;
    let addr = serve(&app).await;
    let s = scene(&app, 2).await;
    let mut ws = connect(addr, &admin()).await;
    for id in ["1", "2", "3"] {
        subscribe(&mut ws, id, EVENTS, json!({"b": s.brand})).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    // A fourth subscription, or a query, is refused with an `error`; the connection stays open.
    for (id, query, variables) in [("4", EVENTS, json!({"b": s.brand})), ("q", "{ __typename }", json!({}))] {
        let errors = refused(&mut ws, id, query, variables).await;
        assert_eq!(errors.as_array().map(Vec::len), Some(1), "{errors:#}");
        assert_eq!(errors[0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{errors:#}");
        assert!(errors[0]["message"].as_str().is_some_and(|m| m.contains('3')), "names the limit: {errors:#}");
    }
    send(&mut ws, json!({"type": "ping"})).await;
    assert_eq!(next(&mut ws, PATIENCE).await.message(), json!({"type": "pong"}));

    // Completing one frees its slot.
    send(&mut ws, json!({"id": "1", "type": "complete"})).await;
    subscribe(&mut ws, "5", EVENTS, json!({"b": s.brand})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    let mut got = Vec::new();
    for _ in 0..3 {
        let message = next(&mut ws, PATIENCE).await.message();
        assert_eq!(message["type"], "next", "{message:#}");
        assert_eq!(message["payload"]["data"]["noticeEvents"]["notice"]["id"], json!(n.id), "{message:#}");
        got.push(message["id"].as_str().expect("id").to_owned());
    }
    got.sort();
    assert_eq!(got, ["2", "3", "5"], "the completed and the refused subscriptions get nothing");
    let extra = next(&mut ws, Duration::from_millis(500)).await;
    assert!(matches!(extra, Got::Nothing), "unexpected: {extra:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_per_server_are_capped_at_the_upgrade_with_503() {
    let ws_config = WsConfig { max_websockets: 2, ..Default::default() };
    let app = spawn_ws(LimitsConfig::default(), ws_config).await;
    let addr = serve(&app).await;
    let mut a = connect(addr, &admin()).await;
    let mut b = connect(addr, &admin()).await;

    // The third is refused before any connection_init.
    match handshake(addr, PROTOCOL).await {
        Err(WsError::Http(response)) => {
            assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert!(response.headers().get("retry-after").is_some(), "{response:?}");
        }
        Err(other) => panic!("expected HTTP 503, got {other:?}"),
        Ok(_) => panic!("a third socket was accepted"),
    }
    // Those open still work.
    assert_eq!(run(&mut a, "t", "{ __typename }", json!({})).await["data"]["__typename"], "Query");

    // Once one closes, a new one connects.
    a.close(None).await.expect("close");
    while let Some(Ok(_)) = a.next().await {}
    let deadline = Instant::now() + PATIENCE;
    let mut c = loop {
        match handshake(addr, PROTOCOL).await {
            Ok(ws) => break ws,
            Err(WsError::Http(response)) if response.status() == StatusCode::SERVICE_UNAVAILABLE => {
                assert!(Instant::now() < deadline, "the closed socket's slot was never freed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(other) => panic!("handshake: {other:?}"),
        }
    };
    send(&mut c, json!({"type": "connection_init", "payload": bearer(&admin())})).await;
    assert_eq!(next(&mut c, PATIENCE).await.message(), json!({"type": "connection_ack"}));
    assert_eq!(run(&mut c, "t", "{ __typename }", json!({})).await["data"]["__typename"], "Query");
    assert_eq!(run(&mut b, "t", "{ __typename }", json!({})).await["data"]["__typename"], "Query");
    // And the cap holds again.
    let status = match handshake(addr, PROTOCOL).await {
        Err(WsError::Http(response)) => Some(response.status()),
        _ => None,
    };
    assert_eq!(status, Some(StatusCode::SERVICE_UNAVAILABLE), "the cap holds again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_pings_every_keepalive_answers_pings_and_closes_a_silent_peer() {
    let ws_config = WsConfig { ws_keepalive: Duration::from_secs(1), ..Default::default() };
    let app = spawn_ws(LimitsConfig::default(), ws_config).await;
    let addr = serve(&app).await;
    let mut ws = connect(addr, &admin()).await;
    let started = Instant::now();
    let ping = recv(&mut ws, Duration::from_millis(2500)).await.message();
    assert_eq!(ping, json!({"type": "ping"}));
    assert!(started.elapsed() >= Duration::from_millis(800), "pinged after {:?}", started.elapsed());

    // A client ping is answered with pong.
    send(&mut ws, json!({"type": "ping"})).await;
    assert_eq!(next(&mut ws, PATIENCE).await.message(), json!({"type": "pong"}));

    // A peer that answers the pings is kept beyond three intervals.
    let mut pings = 0;
    let until = Instant::now() + Duration::from_millis(3500);
    while Instant::now() < until {
        match recv(&mut ws, until.saturating_duration_since(Instant::now())).await {
            Got::Message(m) if m["type"] == "ping" => {
                pings += 1;
                send(&mut ws, json!({"type": "pong"})).await;
            }
            Got::Nothing => break,
            other => panic!("an answering peer: {other:?}"),
        }
    }
    assert!(pings >= 2, "{pings} pings in 3.5 s at a 1 s keep-alive");

    // One that answers nothing is closed (1001) after three intervals of silence.
    let silent = Instant::now();
    let ended = loop {
        match recv(&mut ws, Duration::from_secs(6)).await {
            Got::Message(m) if m["type"] == "ping" => continue,
            other => break other,
        }
    };
    assert!(matches!(ended, Got::Closed(Some(1001), _)), "expected close 1001, got {ended:?}");
    assert!(silent.elapsed() >= Duration::from_secs(2), "closed after {:?} of silence", silent.elapsed());
}

// ---- protocol errors ------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_violations_close_with_their_codes() {
    let app = spawn().await;
    let addr = serve(&app).await;
    let s = scene(&app, 1).await;
    let admin = admin();

    // subscribe before connection_init (and before connection_ack): 4401.
    let mut ws = open(addr).await;
    subscribe(&mut ws, "a", "{ __typename }", json!({})).await;
    assert_eq!(closed(&mut ws, PATIENCE).await, (Some(4401), vec![]), "subscribe before init");

    // A second connection_init: 4429.
    let mut ws = connect(addr, &admin).await;
    send(&mut ws, json!({"type": "connection_init", "payload": bearer(&admin)})).await;
    assert_eq!(closed(&mut ws, PATIENCE).await, (Some(4429), vec![]), "second connection_init");

    // An id may be used again once its operation completed, not while it runs: 4409.
    let mut ws = connect(addr, &admin).await;
    run(&mut ws, "q", "{ __typename }", json!({})).await;
    run(&mut ws, "q", "{ __typename }", json!({})).await;
    subscribe(&mut ws, "q", EVENTS, json!({"b": s.brand})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    subscribe(&mut ws, "q", "{ __typename }", json!({})).await;
    assert_eq!(closed(&mut ws, PATIENCE).await, (Some(4409), vec![]), "duplicate running id");

    // Messages that are not of the protocol: 4400.
    let not_protocol: Vec<(&str, Message)> = vec![
        ("invalid JSON", Message::Text("{\"type\": \"subscribe\", ".into())),
        ("a binary frame", Message::Binary(br#"{"type":"ping"}"#.to_vec().into())),
        ("an unknown type", Message::Text(r#"{"type":"start","id":"1"}"#.into())),
        ("no type", Message::Text(r#"{"id":"1"}"#.into())),
        ("subscribe without id", Message::Text(r#"{"type":"subscribe","payload":{"query":"{ __typename }"}}"#.into())),
        ("subscribe without a payload", Message::Text(r#"{"type":"subscribe","id":"1"}"#.into())),
        (
            "subscribe with a query that is not a string",
            Message::Text(r#"{"type":"subscribe","id":"1","payload":{"query":5}}"#.into()),
        ),
    ];
    for (what, message) in not_protocol {
        let mut ws = connect(addr, &admin).await;
        ws.send(message).await.expect("send");
        assert_eq!(closed(&mut ws, PATIENCE).await, (Some(4400), vec![]), "{what}");
    }

    // A client that offers only another subprotocol: 4406, and the server never claims to
    // speak it.
    let (head, mut ws) = raw_upgrade(addr, "graphql-ws").await;
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    assert!(!head.to_ascii_lowercase().contains("sec-websocket-protocol: graphql-ws"), "{head}");
    let got = recv(&mut ws, PATIENCE).await;
    assert!(matches!(got, Got::Closed(Some(4406), _)), "expected close 4406, got {got:?}");

    // One that offers both is served with graphql-transport-ws.
    let mut ws = handshake(addr, "graphql-ws, graphql-transport-ws").await.expect("handshake");
    send(&mut ws, json!({"type": "connection_init", "payload": bearer(&admin)})).await;
    assert_eq!(next(&mut ws, PATIENCE).await.message(), json!({"type": "connection_ack"}));
    assert_eq!(run(&mut ws, "t", "{ __typename }", json!({})).await["data"]["__typename"], "Query");
}

/// graphql-transport-ws: a `subscribe` payload is `{query: string, ...}`; one without `query` is
/// not a message of the protocol (the reference server closes with 4400), not an empty document.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscribe_whose_payload_has_no_query_closes_4400() {
    let app = spawn().await;
    let addr = serve(&app).await;
    for payload in [json!({}), json!({"variables": {}}), json!({"operationName": "A"})] {
        let mut ws = connect(addr, &admin()).await;
        send(&mut ws, json!({"type": "subscribe", "id": "1", "payload": payload})).await;
        assert_eq!(closed(&mut ws, PATIENCE).await, (Some(4400), vec![]), "payload {payload}");
    }
}
