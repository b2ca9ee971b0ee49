//! Routes: `/graphql` (GET and POST, GraphiQL for browsers), `/graphql/ws`, `/healthz`, `/readyz`,
//! `/metrics`. Every GraphQL operation, whichever way it comes in, runs through `pipeline`.

use std::sync::Arc;

use async_graphql::Value;
use async_graphql::parser::types::OperationType;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::auth::Viewer;
use crate::config::WsConfig;
use crate::error::Code;

mod bounded;
mod codes;
mod console;
mod documents;
mod graphiql;
mod limits;
pub mod nulls;
pub mod persisted;
pub mod pipeline;
mod ws;

pub use pipeline::{Outcome, Pipeline};

/// Largest request body accepted (CONTRACT.md section 5), and largest WebSocket message.
pub const MAX_BODY: usize = 1 << 20;

/// What the handlers share.
#[derive(Clone)]
pub struct HttpState {
    pub pipeline: Arc<Pipeline>,
    pub statements: crate::db::StatementCounter,
    pub ws: WsConfig,
    /// Permits for open WebSocket connections (`--max-websockets`).
    pub sockets: Arc<tokio::sync::Semaphore>,
}

/// The router of the service.
pub fn router(state: HttpState) -> Router {
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route(graphiql::ASSET_ROUTE, get(graphiql::asset))
        .merge(console::routes())
        .route("/graphql/ws", get(ws::upgrade))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        // The POST handler reads the body as `Bytes` under this limit and answers 413 itself, with a
        // GraphQL error, whether the size is announced (Content-Length) or found while streaming.
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

/// The process's figures in the OpenMetrics text format (`metrics.rs`); benchmarks read the SQL
/// statement count here. No token: it holds aggregates only, never a registry's row (README,
/// "Running several replicas", says how to keep it off a public address).
async fn metrics(State(state): State<HttpState>) -> Response {
    let now = crate::metrics::Now {
        executing: state.pipeline.executing.in_use() as i64,
        websockets: in_use(state.ws.max_websockets, &state.sockets) as i64,
    };
    ([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], state.pipeline.metrics.render(now)).into_response()
}

/// Permits of `of` taken out of `total`.
fn in_use(total: u32, of: &tokio::sync::Semaphore) -> usize {
    (total as usize).saturating_sub(of.available_permits())
}

async fn readyz(State(state): State<HttpState>) -> Response {
    // A probe gives up after a second or so: answer within it, down or not.
    let ping = tokio::time::timeout(std::time::Duration::from_millis(800), state.pipeline.db.ping()).await;
    match ping.unwrap_or_else(|_| Err(sea_orm::DbErr::Custom("no answer within 800 ms".into()))) {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(err) => {
            tracing::warn!(%err, "database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// The caller of a request, from its `Authorization` header.
fn viewer_of(headers: &HeaderMap, verifier: &crate::auth::Verifier) -> Viewer {
    match headers.get(header::AUTHORIZATION) {
        None => Viewer::Anonymous,
        Some(value) => match value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")) {
            Some(token) => verifier.viewer(token.trim()),
            None => Viewer::Rejected("Authorization is not a Bearer token".into()),
        },
    }
}

/// Whether the client asked for `application/graphql-response+json` (else `application/json`).
fn wants_graphql_response(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/graphql-response+json"))
}

fn accepts_html(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|accept| accept.contains("text/html"))
}

/// The parameters of a GraphQL request over GET (GraphQL over HTTP, section "GET").
#[derive(Debug, serde::Deserialize)]
struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
    /// A trusted or persisted document's id, in place of `query` (GraphQL over HTTP, persisted documents).
    #[serde(rename = "documentId")]
    document_id: Option<String>,
}

async fn graphql_get(State(state): State<HttpState>, headers: HeaderMap, uri: axum::http::Uri) -> Response {
    let params: GetParams = match serde_urlencoded::from_str(uri.query().unwrap_or("")) {
        Ok(p) => p,
        Err(err) => return bad_request(&headers, &format!("malformed query string: {err}")),
    };
    let named =
        params.document_id.is_some() || params.extensions.as_deref().is_some_and(persisted::names_persisted_query);
    let Some(query) = params.query.or_else(|| named.then(String::new)) else {
        if accepts_html(&headers) {
            return graphiql::page("/graphql", "/graphql/ws");
        }
        return bad_request(&headers, "a GET request needs a `query` parameter");
    };
    let mut request = async_graphql::Request::new(query);
    if let Some(name) = params.operation_name.filter(|n| !n.is_empty()) {
        request = request.operation_name(name);
    }
    if let Some(raw) = params.variables.filter(|v| !v.is_empty()) {
        match serde_json::from_str::<serde_json::Value>(&raw) {
            Ok(v @ serde_json::Value::Object(_)) => request = request.variables(async_graphql::Variables::from_json(v)),
            _ => return bad_request(&headers, "`variables` must be a JSON object"),
        }
    }
    if let Some(raw) = params.extensions.filter(|v| !v.is_empty()) {
        match serde_json::from_str(&raw) {
            Ok(ext) => request.extensions = ext,
            Err(_) => return bad_request(&headers, "`extensions` must be a JSON object"),
        }
    }
    if let Some(id) = params.document_id.filter(|_| request.query.is_empty()) {
        request.data.insert(persisted::DocumentId(id));
    }
    // Known before parsing: only an authenticated request registers a persisted query.
    let viewer = viewer_of(&headers, &state.pipeline.verifier);
    request.data.insert(viewer.clone());
    let parsed = match state.pipeline.parse(&mut request).await {
        Ok(parsed) => parsed,
        Err(refused) => return respond(&headers, &refused),
    };
    if parsed.kind == Some(OperationType::Mutation) {
        let mut response =
            request_error(&headers, "mutations are not allowed over GET; use POST", Code::GraphqlValidationFailed);
        *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
        return response;
    }
    execute(&state, &headers, viewer, request, parsed).await
}

async fn graphql_post(
    State(state): State<HttpState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let media = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if media != "application/json" && media != "application/graphql-response+json" {
        let mut response = request_error(&headers, "send the request as application/json", Code::GraphqlParseFailed);
        *response.status_mut() = StatusCode::UNSUPPORTED_MEDIA_TYPE;
        return response;
    }
    let body = match body {
        Ok(body) => body,
        // Over the body limit (also when streamed without a Content-Length): 413.
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let mut response = request_error(&headers, "the request body is over 1 MiB", Code::GraphqlParseFailed);
            *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
            return response;
        }
        Err(rejection) => {
            return bad_request(&headers, &format!("cannot read the request body: {}", rejection.body_text()));
        }
    };
    match persisted::request_from_slice(&body) {
        Ok(mut request) => {
            let viewer = viewer_of(&headers, &state.pipeline.verifier);
            request.data.insert(viewer.clone());
            match state.pipeline.parse(&mut request).await {
                Ok(parsed) => execute(&state, &headers, viewer, request, parsed).await,
                Err(refused) => respond(&headers, &refused),
            }
        }
        Err(err) => bad_request(&headers, &format!("the body is not a GraphQL request: {err}")),
    }
}

/// A 400 for a request that is not a GraphQL request at all.
fn bad_request(headers: &HeaderMap, message: &str) -> Response {
    let mut response = request_error(headers, message, Code::GraphqlParseFailed);
    *response.status_mut() = StatusCode::BAD_REQUEST;
    response
}

/// Runs a parsed request for `viewer`, the caller its headers name, and writes the answer.
async fn execute(
    state: &HttpState,
    headers: &HeaderMap,
    viewer: Viewer,
    request: async_graphql::Request,
    mut parsed: pipeline::Parsed,
) -> Response {
    parsed.read_primary |= read_primary(headers);
    match state.pipeline.execute(&viewer, request, &parsed).await {
        // The permit goes back once the answer is serialized.
        Outcome::Done(response, _permit) => respond(headers, &response),
        Outcome::Refused(response) => {
            let mut reply = respond(headers, &response);
            // A spent cost budget: 429, and when it is back (CONTRACT.md section 6).
            if let Some(seconds) = crate::budget::retry_after(&response) {
                *reply.status_mut() = StatusCode::TOO_MANY_REQUESTS;
                reply.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            reply
        }
        Outcome::Written(body, _permit) => {
            let content_type =
                if wants_graphql_response(headers) { "application/graphql-response+json" } else { "application/json" };
            Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
        Outcome::TimedOut(response) => {
            let mut reply = respond(headers, &response);
            *reply.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            reply
        }
    }
}

/// Whether the client asks to read the primary rather than a standby: `X-Read-Primary: 1` (or
/// `true`), to read its own write at once.
fn read_primary(headers: &HeaderMap) -> bool {
    headers
        .get("x-read-primary")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes"))
}

fn respond(headers: &HeaderMap, response: &async_graphql::Response) -> Response {
    let graphql_response = wants_graphql_response(headers);
    // With application/graphql-response+json a request that never ran (parse or validation
    // failure, no data) is a 400; application/json keeps the legacy 200 for every GraphQL result.
    let request_error = response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let status = if graphql_response && request_error { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    // A request that never ran has no `data` entry at all (GraphQL over HTTP). A result is
    // written straight from its tree, in the order of the query's fields.
    let body = if request_error {
        #[derive(serde::Serialize)]
        struct Refused<'a> {
            errors: &'a [async_graphql::ServerError],
            #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
            extensions: &'a std::collections::BTreeMap<String, Value>,
        }
        serde_json::to_vec(&Refused { errors: &response.errors, extensions: &response.extensions })
    } else {
        serde_json::to_vec(response)
    };
    let body = match body {
        Ok(body) => body,
        Err(err) => {
            tracing::error!(%err, "cannot serialize a response");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let content_type = if graphql_response { "application/graphql-response+json" } else { "application/json" };
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn request_error(headers: &HeaderMap, message: &str, code: Code) -> Response {
    respond(headers, &crate::error::refusal(async_graphql::ServerError::new(message, None), code))
}
