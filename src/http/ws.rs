//! `/graphql/ws`: the `graphql-transport-ws` protocol, with every operation run through the same
//! pipeline as over HTTP (authentication, limits, cost, the concurrency limit, the timeout and the
//! error model).
//!
//! The connection's token comes in the `connection_init` payload (`{"authorization": "Bearer …"}`)
//! and is required. It is checked again, against the current time, for every operation and every
//! event delivered: once it expires the socket is closed with 4401. Close codes: 4400 a message
//! that is not of the protocol, 4401 a subscribe before `connection_init` or an expired token,
//! 4403 no usable token, 4406 a client that does not speak `graphql-transport-ws`, 4408 no
//! `connection_init` within `--ws-init-timeout`, 4409 an operation id already running, 4429 a
//! second `connection_init`, 1009 a message over 1 MiB, 1001 a peer that answered nothing for
//! three keep-alive intervals.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_graphql::parser::types::OperationType;
use async_graphql::{ServerError, Value};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::extract::{State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::Serialize;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;
use tokio::time::Instant;

use super::persisted;
use super::pipeline::{Outcome, Pipeline};
use super::{HttpState, MAX_BODY};
use crate::auth::{Verified, Viewer};
use crate::config::WsConfig;
use crate::error::refusal;

/// The one subprotocol spoken here.
const PROTOCOL: &str = "graphql-transport-ws";

/// Answers the upgrade, or 503 when `--max-websockets` connections are open already.
pub async fn upgrade(State(state): State<HttpState>, headers: HeaderMap, upgrade: WebSocketUpgrade) -> Response {
    let Ok(slot) = state.sockets.clone().try_acquire_owned() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "5")],
            format!("at most {} WebSocket connections are open at once; try again later", state.ws.max_websockets),
        )
            .into_response();
    };
    // A client that offers subprotocols but not ours speaks something else (the legacy
    // `graphql-ws` of subscriptions-transport-ws, say): it is told so with 4406.
    let offered = headers.get(header::SEC_WEBSOCKET_PROTOCOL).and_then(|v| v.to_str().ok());
    let foreign = offered.is_some_and(|list| !list.split(',').any(|p| p.trim() == PROTOCOL));
    upgrade.protocols([PROTOCOL]).max_message_size(MAX_BODY).max_frame_size(MAX_BODY).on_upgrade(
        move |mut socket| async move {
            if foreign {
                close(&mut socket, 4406, "Subprotocol not acceptable").await;
            } else {
                Connection::new(state.pipeline.clone(), state.ws.clone()).serve(socket).await;
            }
            drop(slot);
        },
    )
}

/// What the protocol sends.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ServerMessage<'a> {
    ConnectionAck,
    Ping,
    Pong,
    Next { id: &'a str, payload: &'a async_graphql::Response },
    Error { id: &'a str, payload: &'a [ServerError] },
    Complete { id: &'a str },
}

/// What an operation's task hands the connection to send.
enum Out {
    Next(String, async_graphql::Response),
    /// An answer the planner wrote: the JSON of the `payload`.
    Written(String, Vec<u8>),
    /// Refused before it ran: the `error` message.
    Error(String, Vec<ServerError>),
    /// The operation is over (sent as `complete`).
    Complete(String),
}

/// Why the connection ends: a close code and reason, or the peer is gone.
struct Close(u16, String);

/// One connection's state.
struct Connection {
    pipeline: Arc<Pipeline>,
    config: WsConfig,
    /// The verified token, once `connection_init` came.
    token: Option<Verified>,
    /// `"readPrimary": true` in the `connection_init` payload: queries read the primary.
    read_primary: bool,
    operations: HashMap<String, AbortHandle>,
    out_tx: mpsc::Sender<Out>,
    out_rx: mpsc::Receiver<Out>,
}

impl Connection {
    fn new(pipeline: Arc<Pipeline>, config: WsConfig) -> Self {
        // Bounded: a client that does not read its events slows its own operations, not the server.
        let (out_tx, out_rx) = mpsc::channel(16);
        Self { pipeline, config, token: None, read_primary: false, operations: HashMap::new(), out_tx, out_rx }
    }

    async fn serve(mut self, mut socket: WebSocket) {
        let ended = self.run(&mut socket).await;
        for (_, task) in self.operations.drain() {
            task.abort();
        }
        if let Err(Close(code, reason)) = ended {
            close(&mut socket, code, &reason).await;
        }
    }

    /// Runs the connection until the peer goes or a rule closes it.
    async fn run(&mut self, socket: &mut WebSocket) -> Result<(), Close> {
        let init_deadline = Instant::now() + self.config.ws_init_timeout;
        let keepalive = self.config.ws_keepalive;
        let mut ping = tokio::time::interval_at(Instant::now() + keepalive, keepalive);
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut heard = Instant::now();
        loop {
            let expiry = self.expiry();
            tokio::select! {
                received = socket.recv() => {
                    heard = Instant::now();
                    match received {
                        None | Some(Ok(Message::Close(_))) => return Ok(()),
                        Some(Ok(Message::Text(text))) => self.receive(socket, text.as_str()).await?,
                        Some(Ok(Message::Binary(_))) => return Err(Close(4400, "Binary messages are not of the protocol".into())),
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                        Some(Err(err)) => return Err(receive_error(&err)),
                    }
                }
                Some(out) = self.out_rx.recv() => self.deliver(socket, out).await?,
                () = tokio::time::sleep_until(init_deadline), if self.token.is_none() => {
                    return Err(Close(4408, "Connection initialisation timeout".into()));
                }
                () = sleep_until_expiry(expiry), if expiry.is_some() => {
                    return Err(Close(4401, "Unauthorized: the token has expired".into()));
                }
                _ = ping.tick() => {
                    if heard.elapsed() > keepalive * 3 {
                        return Err(Close(1001, "no answer to keep-alive pings".into()));
                    }
                    send(socket, &ServerMessage::Ping).await?;
                }
            }
        }
    }

    /// When the connection's token expires, as an instant of this process's clock.
    fn expiry(&self) -> Option<Instant> {
        let exp = self.token.as_ref()?.expires_at;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let left = Duration::from_secs(exp).saturating_sub(now);
        Some(Instant::now() + left)
    }

    /// The token still valid now, or the close that an expired one calls for.
    fn current_token(&self) -> Result<&Verified, Close> {
        let token = self.token.as_ref().ok_or_else(|| Close(4401, "Unauthorized".into()))?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        if now >= token.expires_at {
            return Err(Close(4401, "Unauthorized: the token has expired".into()));
        }
        Ok(token)
    }

    async fn receive(&mut self, socket: &mut WebSocket, text: &str) -> Result<(), Close> {
        let message: serde_json::Value =
            serde_json::from_str(text).map_err(|_| Close(4400, "Invalid message received: not JSON".into()))?;
        let kind = message.get("type").and_then(|t| t.as_str()).unwrap_or("");
        match kind {
            "connection_init" => {
                if self.token.is_some() {
                    return Err(Close(4429, "Too many initialisation requests".into()));
                }
                self.token = Some(self.authenticate(message.get("payload"))?);
                self.read_primary = message
                    .get("payload")
                    .and_then(|p| p.get("readPrimary"))
                    .is_some_and(|v| *v == serde_json::Value::Bool(true));
                send(socket, &ServerMessage::ConnectionAck).await
            }
            "ping" => send(socket, &ServerMessage::Pong).await,
            "pong" => Ok(()),
            "subscribe" => {
                let id = operation_id(&message)?;
                let payload = message.get("payload").cloned().unwrap_or(serde_json::Value::Null);
                // async-graphql's request defaults a missing query to ""; the protocol requires one,
                // or here the name of a persisted or trusted document (`persisted`).
                let invalid = || Close(4400, "Invalid message received: subscribe needs a GraphQL request".into());
                if !payload.get("query").is_some_and(serde_json::Value::is_string)
                    && !persisted::names_document(&payload)
                {
                    return Err(invalid());
                }
                let request = persisted::request_from_value(payload).map_err(|_| invalid())?;
                self.start(socket, id, request).await
            }
            "complete" => {
                let id = operation_id(&message)?;
                if let Some(task) = self.operations.remove(&id) {
                    task.abort();
                }
                Ok(())
            }
            _ => Err(Close(4400, "Invalid message received: unknown type".into())),
        }
    }

    /// The token of a `connection_init` payload: none or an unusable one closes with 4403, an
    /// expired one with 4401.
    fn authenticate(&self, payload: Option<&serde_json::Value>) -> Result<Verified, Close> {
        let raw = payload.and_then(|p| p.get("authorization")).and_then(|a| a.as_str());
        let Some(token) = raw.and_then(|a| a.strip_prefix("Bearer ")) else {
            return Err(Close(4403, r#"Forbidden: connection_init needs {"authorization": "Bearer <token>"}"#.into()));
        };
        self.pipeline.verifier.check(token.trim()).map_err(|rejection| {
            tracing::info!(reason = %rejection.reason, "WebSocket token rejected");
            if rejection.expired {
                Close(4401, "Unauthorized: the token has expired".into())
            } else {
                Close(4403, "Forbidden: the token is not usable".into())
            }
        })
    }

    /// Starts operation `id` in a task of its own.
    async fn start(
        &mut self,
        socket: &mut WebSocket,
        id: String,
        mut request: async_graphql::Request,
    ) -> Result<(), Close> {
        let viewer = Viewer::Authenticated(self.current_token()?.identity.clone());
        request.data.insert(viewer.clone());
        if self.operations.contains_key(&id) {
            return Err(Close(4409, format!("Subscriber for {} already exists", truncate(&id, 64))));
        }
        let max = self.config.max_subscriptions_per_socket as usize;
        if self.operations.len() >= max {
            let message = format!("at most {max} operations run at once on one connection");
            let refused = refusal(ServerError::new(message, None), crate::error::Code::GraphqlValidationFailed);
            return send(socket, &ServerMessage::Error { id: &id, payload: &refused.errors }).await;
        }
        let tx = self.out_tx.clone();
        let pipeline = self.pipeline.clone();
        let op = id.clone();
        let read_primary = self.read_primary;
        let task = tokio::spawn(async move {
            let parsed = match pipeline.parse(&mut request).await {
                Ok(mut parsed) => {
                    parsed.read_primary |= read_primary;
                    parsed
                }
                Err(refused) => {
                    let _ = tx.send(Out::Error(op, refused.errors)).await;
                    return;
                }
            };
            if parsed.kind == Some(OperationType::Subscription) {
                let mut answers = pipeline.subscribe(&viewer, request, parsed);
                let mut first = true;
                while let Some(answer) = answers.next().await {
                    // A subscription refused before it started (validation, limits) is an `error`.
                    if first && answer.data == Value::Null && answer.errors.iter().all(|e| e.path.is_empty()) {
                        let _ = tx.send(Out::Error(op, answer.errors)).await;
                        return;
                    }
                    first = false;
                    if tx.send(Out::Next(op.clone(), answer)).await.is_err() {
                        return;
                    }
                }
            } else {
                match pipeline.execute(&viewer, request, &parsed).await {
                    Outcome::Refused(refused) => {
                        let _ = tx.send(Out::Error(op, refused.errors)).await;
                        return;
                    }
                    Outcome::Done(answer, _permit) => {
                        let _ = tx.send(Out::Next(op.clone(), answer)).await;
                    }
                    Outcome::Written(answer, _permit) => {
                        let _ = tx.send(Out::Written(op.clone(), answer)).await;
                    }
                    Outcome::TimedOut(answer) => {
                        let _ = tx.send(Out::Next(op.clone(), answer)).await;
                    }
                }
            }
            let _ = tx.send(Out::Complete(op)).await;
        });
        self.operations.insert(id, task.abort_handle());
        Ok(())
    }

    /// Sends what an operation produced, if the operation is still wanted; every event is
    /// delivered only while the token is valid.
    async fn deliver(&mut self, socket: &mut WebSocket, out: Out) -> Result<(), Close> {
        match out {
            Out::Next(id, answer) => {
                self.current_token()?;
                if self.operations.contains_key(&id) {
                    send(socket, &ServerMessage::Next { id: &id, payload: &answer }).await?;
                }
                Ok(())
            }
            Out::Written(id, payload) => {
                self.current_token()?;
                if self.operations.contains_key(&id) {
                    let id_json = serde_json::to_string(&id).map_err(|_| Close(1011, "internal error".into()))?;
                    let mut text = String::with_capacity(payload.len() + id_json.len() + 32);
                    text.push_str("{\"type\":\"next\",\"id\":");
                    text.push_str(&id_json);
                    text.push_str(",\"payload\":");
                    // The planner writes JSON text, escaped as serde_json escapes.
                    text.push_str(&String::from_utf8_lossy(&payload));
                    text.push('}');
                    socket.send(Message::Text(text.into())).await.map_err(|_| Close(1000, String::new()))?;
                }
                Ok(())
            }
            Out::Error(id, errors) => {
                self.operations.remove(&id);
                send(socket, &ServerMessage::Error { id: &id, payload: &errors }).await
            }
            Out::Complete(id) => {
                if self.operations.remove(&id).is_some() {
                    send(socket, &ServerMessage::Complete { id: &id }).await?;
                }
                Ok(())
            }
        }
    }
}

/// The `id` of a `subscribe` or `complete` message.
fn operation_id(message: &serde_json::Value) -> Result<String, Close> {
    match message.get("id").and_then(|id| id.as_str()) {
        Some(id) if !id.is_empty() => Ok(id.to_owned()),
        _ => Err(Close(4400, "Invalid message received: no operation id".into())),
    }
}

/// The close a receive error calls for: 1009 for a message over the size limit.
fn receive_error(err: &axum::Error) -> Close {
    let text = err.to_string();
    if text.contains("too long") || text.contains("Space limit") || text.contains("capacity") {
        Close(1009, format!("a message may be at most {MAX_BODY} bytes"))
    } else {
        Close(1002, "protocol error".into())
    }
}

async fn sleep_until_expiry(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

async fn send(socket: &mut WebSocket, message: &ServerMessage<'_>) -> Result<(), Close> {
    let text = serde_json::to_string(message).map_err(|err| {
        tracing::error!(%err, "cannot serialize a WebSocket message");
        Close(1011, "internal error".into())
    })?;
    // The peer is gone: nothing to close.
    socket.send(Message::Text(text.into())).await.map_err(|_| Close(1000, String::new()))
}

async fn close(socket: &mut WebSocket, code: u16, reason: &str) {
    let frame = CloseFrame { code, reason: truncate(reason, 120).into() };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

/// At most `max` bytes of `text`, cut at a character boundary (a close reason is at most 123).
fn truncate(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}
