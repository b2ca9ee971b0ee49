//! Routes: `/graphql` (GET and POST, GraphiQL for browsers), `/healthz`, `/readyz`.

use std::sync::Arc;

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{ErrorExtensionValues, Value};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use sea_orm::DatabaseConnection;

use crate::auth::{Scope, Verifier, Viewer};
use crate::config::LimitsConfig;
use crate::graph::RequestState;
use crate::loaders::{BatchQueue, Batcher, drive};
use crate::schema::AppSchema;
use crate::time::now_micros;

mod limits;

/// Largest request body accepted (CONTRACT.md section 5).
pub const MAX_BODY: usize = 1 << 20;

/// What the handlers share.
#[derive(Clone)]
pub struct HttpState {
    pub schema: AppSchema,
    pub verifier: Arc<Verifier>,
    pub db: DatabaseConnection,
    pub limits: LimitsConfig,
    pub statements: crate::db::StatementCounter,
    /// Permits to execute a GraphQL request (`--max-concurrent-requests`).
    pub executing: Arc<tokio::sync::Semaphore>,
}

/// The router of the service.
pub fn router(state: HttpState) -> Router {
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/graphql/ws", get(graphql_ws))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        // The POST handler reads the body as `Bytes` under this limit and answers 413 itself, with a
        // GraphQL error, whether the size is announced (Content-Length) or found while streaming.
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

/// Counters in the Prometheus text format; benchmarks read the SQL statement count here.
async fn metrics(State(state): State<HttpState>) -> Response {
    let body = format!(
        "# HELP rightsgraph_sql_statements_total SQL statements run since start.\n\
         # TYPE rightsgraph_sql_statements_total counter\n\
         rightsgraph_sql_statements_total {}\n\
         # HELP rightsgraph_requests_executing GraphQL requests executing now (at most --max-concurrent-requests).\n\
         # TYPE rightsgraph_requests_executing gauge\n\
         rightsgraph_requests_executing {}\n",
        state.statements.get(),
        state.limits.max_concurrent_requests as usize
            - state.executing.available_permits().min(state.limits.max_concurrent_requests as usize)
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

async fn readyz(State(state): State<HttpState>) -> Response {
    // A probe gives up after a second or so: answer within it, down or not.
    let ping = tokio::time::timeout(std::time::Duration::from_millis(800), state.db.ping()).await;
    match ping.unwrap_or_else(|_| Err(sea_orm::DbErr::Custom("no answer within 800 ms".into()))) {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(err) => {
            tracing::warn!(%err, "database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// Subscriptions over `graphql-transport-ws`; the token comes in the `connection_init` payload
/// as `{"authorization": "Bearer …"}`.
async fn graphql_ws(State(state): State<HttpState>, protocol: GraphQLProtocol, upgrade: WebSocketUpgrade) -> Response {
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            let schema = state.schema.clone();
            GraphQLWebSocket::new(socket, schema, protocol)
                .on_connection_init(move |payload| async move {
                    let viewer = match payload.get("authorization").and_then(|v| v.as_str()) {
                        None => Viewer::Anonymous,
                        Some(value) => match value.strip_prefix("Bearer ") {
                            Some(token) => state.verifier.viewer(token.trim()),
                            None => Viewer::Rejected("authorization is not a Bearer token".into()),
                        },
                    };
                    let mut data = async_graphql::Data::default();
                    data.insert(request_state(&state, &viewer, None));
                    data.insert(viewer);
                    Ok(data)
                })
                .serve()
        })
        .into_response()
}

/// What every request carries besides its viewer: the instant it is answered at, and its loaders.
fn request_state(state: &HttpState, viewer: &Viewer, driven: Option<BatchQueue>) -> RequestState {
    let scope = match viewer {
        Viewer::Authenticated(identity) => identity.scope(),
        // An anonymous or rejected caller reaches no resolver that loads data; `Seller(-1)`
        // would see nothing should one do so.
        _ => Scope::Seller(-1),
    };
    let now = now_micros();
    let loaders = if let Some(queue) = driven {
        Batcher::driven_loader(state.db.clone(), scope, now, queue)
    } else {
        Batcher::loader(state.db.clone(), scope, now)
    };
    RequestState { now, loaders: Arc::new(loaders) }
}

/// The caller of a request, from its `Authorization` header.
fn viewer_of(headers: &HeaderMap, verifier: &Verifier) -> Viewer {
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
}

async fn graphql_get(State(state): State<HttpState>, headers: HeaderMap, uri: axum::http::Uri) -> Response {
    let params: GetParams = match serde_urlencoded::from_str(uri.query().unwrap_or("")) {
        Ok(p) => p,
        Err(err) => return bad_request(&headers, &format!("malformed query string: {err}")),
    };
    let Some(query) = params.query else {
        if accepts_html(&headers) {
            let page = GraphiQLSource::build().endpoint("/graphql").subscription_endpoint("/graphql/ws").finish();
            return Html(page).into_response();
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
    if is_mutation(&request) {
        let mut response =
            request_error(&headers, "mutations are not allowed over GET; use POST", "GRAPHQL_VALIDATION_FAILED");
        *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
        return response;
    }
    execute(&state, &headers, request).await
}

async fn graphql_post(
    State(state): State<HttpState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let media = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if media != "application/json" && media != "application/graphql-response+json" {
        let mut response = request_error(&headers, "send the request as application/json", "GRAPHQL_PARSE_FAILED");
        *response.status_mut() = StatusCode::UNSUPPORTED_MEDIA_TYPE;
        return response;
    }
    let body = match body {
        Ok(body) => body,
        // Over the body limit (also when streamed without a Content-Length): 413.
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let mut response = request_error(&headers, "the request body is over 1 MiB", "GRAPHQL_PARSE_FAILED");
            *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
            return response;
        }
        Err(rejection) => {
            return bad_request(&headers, &format!("cannot read the request body: {}", rejection.body_text()));
        }
    };
    match serde_json::from_slice::<async_graphql::Request>(&body) {
        Ok(request) => execute(&state, &headers, request).await,
        Err(err) => bad_request(&headers, &format!("the body is not a GraphQL request: {err}")),
    }
}

/// A 400 for a request that is not a GraphQL request at all.
fn bad_request(headers: &HeaderMap, message: &str) -> Response {
    let mut response = request_error(headers, message, "GRAPHQL_PARSE_FAILED");
    *response.status_mut() = StatusCode::BAD_REQUEST;
    response
}

/// Whether the operation a GET request would run is a mutation.
fn is_mutation(request: &async_graphql::Request) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(&request.query) else { return false };
    match (&doc.operations, &request.operation_name) {
        (DocumentOperations::Single(op), _) => op.node.ty == OperationType::Mutation,
        (DocumentOperations::Multiple(ops), Some(name)) => {
            ops.get(name.as_str()).is_some_and(|op| op.node.ty == OperationType::Mutation)
        }
        (DocumentOperations::Multiple(ops), None) => {
            ops.len() == 1 && ops.values().all(|op| op.node.ty == OperationType::Mutation)
        }
    }
}

async fn execute(state: &HttpState, headers: &HeaderMap, request: async_graphql::Request) -> Response {
    let request_id = request_id();
    let span = tracing::info_span!("request", id = %request_id);
    // The span is attached to the future, never entered across an await: a request moves
    // between worker threads, and an entered span must be left on the thread that entered it.
    tracing::Instrument::instrument(execute_in_span(state, headers, request, request_id), span).await
}

async fn execute_in_span(
    state: &HttpState,
    headers: &HeaderMap,
    request: async_graphql::Request,
    request_id: String,
) -> Response {
    let viewer = viewer_of(headers, &state.verifier);
    if let Viewer::Rejected(reason) = &viewer {
        tracing::info!(%reason, "token rejected");
    }
    let document = async_graphql::parser::parse_query(&request.query);
    let parse_failed = document.is_err();
    if let Ok(doc) = &document
        && let Some(refusal) = limits::check(doc, &state.limits)
    {
        let mut error = async_graphql::ServerError::new(refusal, None);
        error.extensions.get_or_insert_with(ErrorExtensionValues::default).set("code", "GRAPHQL_VALIDATION_FAILED");
        return respond(headers, &async_graphql::Response::from_errors(vec![error]));
    }
    let queue = BatchQueue::default();
    let request = request.data(request_state(state, &viewer, Some(queue.clone()))).data(viewer);
    let schema = state.schema.clone();
    let run = async move { schema.execute(request).await };
    // The permit is held until the answer is serialized: the response tree is the bulk of a large
    // request's memory.
    let admitted = async {
        let permit = state.executing.acquire().await;
        (drive(run, queue).await, permit)
    };
    let (mut response, _permit) = match tokio::time::timeout(state.limits.request_timeout, admitted).await {
        Ok(done) => done,
        Err(_) => {
            tracing::warn!(timeout = ?state.limits.request_timeout, "request abandoned");
            let message = format!(
                "the request ran longer than the time limit of {}",
                humantime::format_duration(state.limits.request_timeout)
            );
            let mut error = async_graphql::ServerError::new(message, None);
            error.extensions.get_or_insert_with(ErrorExtensionValues::default).set("code", "INTERNAL_SERVER_ERROR");
            let mut reply = respond(headers, &async_graphql::Response::from_errors(vec![error]));
            *reply.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            return reply;
        }
    };
    classify_errors(&mut response, parse_failed, &state.limits, &request_id);
    respond(headers, &response)
}

/// A short random id that ties a client's error to the server's log.
fn request_id() -> String {
    use rand::Rng;
    format!("{:016x}", rand::rng().random::<u64>())
}

/// Gives every error the `extensions.code` of CONTRACT.md section 6, and limit errors a message
/// that names the limit.
fn classify_errors(
    response: &mut async_graphql::Response,
    parse_failed: bool,
    limits: &LimitsConfig,
    request_id: &str,
) {
    for error in &mut response.errors {
        let code = error.extensions.as_ref().and_then(|e| e.get("code")).cloned();
        if let Some(code) = code {
            // An internal error says nothing of its cause; the request id finds it in the log.
            if code == Value::from("INTERNAL_SERVER_ERROR") {
                error.extensions.get_or_insert_with(ErrorExtensionValues::default).set("requestId", request_id);
            }
            continue;
        }
        let code = if parse_failed {
            "GRAPHQL_PARSE_FAILED"
        } else if error.path.is_empty() {
            if error.message == "Query is too complex." {
                error.message = format!("query cost exceeds the complexity limit of {}", limits.max_complexity);
            } else if error.message == "Query is nested too deep." {
                error.message = format!("query depth exceeds the depth limit of {}", limits.max_depth);
            }
            "GRAPHQL_VALIDATION_FAILED"
        } else if ["Failed to parse", "Invalid value", "Variable ", "Expected input type"]
            .iter()
            .any(|p| error.message.starts_with(p))
        {
            // async-graphql's coercion of arguments and variables: the client's input.
            "BAD_USER_INPUT"
        } else {
            tracing::error!(message = %error.message, "uncoded error");
            error.message = "internal server error".into();
            error.extensions.get_or_insert_with(ErrorExtensionValues::default).set("requestId", request_id);
            "INTERNAL_SERVER_ERROR"
        };
        error.extensions.get_or_insert_with(ErrorExtensionValues::default).set("code", Value::from(code));
    }
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

fn request_error(headers: &HeaderMap, message: &str, code: &str) -> Response {
    let mut error = async_graphql::ServerError::new(message, None);
    error.extensions.get_or_insert_with(ErrorExtensionValues::default).set("code", Value::from(code));
    let response = async_graphql::Response::from_errors(vec![error]);
    respond(headers, &response)
}
