//! The one way a GraphQL operation is executed, whatever it came by (HTTP GET, HTTP POST, a
//! WebSocket `subscribe`): parse once, refuse what the limits refuse before anything walks the
//! document, run under a permit of the concurrency limit and the request timeout with the
//! request's loaders driven in batches, give every error its code, and repair the response so
//! that nulls propagate as the GraphQL specification says.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{ErrorExtensionValues, ServerError, Value};
use futures_util::stream::BoxStream;
use sea_orm::DatabaseConnection;
use tokio::sync::Semaphore;

use crate::permits::{Permit, Permits, Tenant};

use super::bounded::Bounded;
use super::codes::{classify_errors, request_id};
use super::documents::{Documents, INLINE_PARSE, PARSERS, parse_within_limits};
use super::limits;
use super::nulls::{self, SchemaTypes};
use crate::auth::{Scope, Verifier, Viewer};
use crate::config::LimitsConfig;
use crate::error::{Code, refusal};
use crate::graph::{EventGate, RequestState};
use crate::loaders::{BatchQueue, Batcher, drive};
use crate::plan::{FastPath, Plan};
use crate::schema::AppSchema;
use crate::time::now_micros;

/// What executing an operation needs, shared by every transport.
pub struct Pipeline {
    pub schema: AppSchema,
    pub verifier: Arc<Verifier>,
    pub db: DatabaseConnection,
    pub limits: LimitsConfig,
    /// Permits to execute (`--max-concurrent-requests`); a subscription holds one while it
    /// answers an event.
    pub executing: Permits,
    /// Permits to parse a long document (`PARSERS`).
    parsing: Semaphore,
    types: SchemaTypes,
    /// The arguments' defaults, which the planner reads.
    arguments: crate::plan::SchemaArguments,
    /// Whether queries the planner can answer are answered by it (`--planner`).
    pub planner: AtomicBool,
    /// Request durations, requests waiting, subscriptions open, planner figures.
    pub metrics: crate::metrics::Metrics,
    /// What the services share, which the domains' hooks before each request take
    /// (`schema::BEFORE_EACH_REQUEST`).
    shared: crate::graph::Shared,
    /// Where queries read: a standby while it keeps up, else the primary.
    pub reads: crate::db::standby::Reads,
    /// Short documents parsed lately, by their text, as they passed the limits.
    documents: Documents,
    /// Documents named rather than sent: persisted queries and trusted documents.
    persisted: super::persisted::Persisted,
}

/// The label of an operation type.
fn operation_of(kind: Option<OperationType>) -> crate::metrics::Operation {
    match kind {
        Some(OperationType::Query) => crate::metrics::Operation::Query,
        Some(OperationType::Mutation) => crate::metrics::Operation::Mutation,
        Some(OperationType::Subscription) => crate::metrics::Operation::Subscription,
        None => crate::metrics::Operation::Unknown,
    }
}

/// A document that parsed and is within the limits.
pub struct Parsed {
    query: String,
    operation_name: Option<String>,
    /// The type of the operation the request runs, when the document says which.
    pub kind: Option<OperationType>,
    /// The query compiled for the planned executor, when the planner answers all of it.
    plan: Option<Arc<Plan>>,
    /// The client asked to read the primary (`X-Read-Primary: 1`, the WebSocket's
    /// `readPrimary`, or `"readPrimary": true` in the request's extensions).
    pub read_primary: bool,
}

/// How an execution ended.
pub enum Outcome {
    /// Refused before it ran (parse error, a limit); no `data`.
    Refused(async_graphql::Response),
    /// It ran; the response may carry errors. The permit it ran under is held until the caller
    /// drops it, after writing the answer out: the response tree is the bulk of a large
    /// request's memory, and the concurrency limit is what bounds it.
    Done(async_graphql::Response, Permit),
    /// The planner answered it: the JSON of the response, written out, and the permit it ran
    /// under, as for `Done`.
    Written(Vec<u8>, Permit),
    /// It ran out of time and was abandoned.
    TimedOut(async_graphql::Response),
}

impl Pipeline {
    /// The pipeline of `schema`.
    pub fn new(
        schema: AppSchema,
        verifier: Arc<Verifier>,
        shared: crate::graph::Shared,
        reads: crate::db::standby::Reads,
        limits: LimitsConfig,
        executing: Permits,
        metrics: crate::metrics::Metrics,
    ) -> Result<Self, String> {
        let db = shared.db.clone();
        let sdl = schema.sdl();
        let types = SchemaTypes::from_sdl(&sdl)?;
        let arguments = crate::plan::SchemaArguments::from_sdl(&sdl)?;
        let persisted = super::persisted::Persisted::new(db.clone(), &limits)?;
        Ok(Self {
            schema,
            verifier,
            db,
            limits,
            executing,
            parsing: Semaphore::new(PARSERS),
            types,
            arguments,
            planner: AtomicBool::new(true),
            metrics,
            shared,
            reads,
            documents: Documents::default(),
            persisted,
        })
    }

    /// Parses `request`'s document and checks it against the limits that async-graphql does not
    /// enforce, before anything else walks it; the parsed document goes into `request`. A long
    /// document is parsed off the async workers (at most `PARSERS` at once), so that a burst of
    /// them cannot keep the server from answering anything else. A document the request names
    /// rather than sends (a persisted query, a trusted document) is looked up first (`persisted`).
    pub async fn parse(&self, request: &mut async_graphql::Request) -> Result<Parsed, async_graphql::Response> {
        let started = Instant::now();
        let parsed = self.parse_within_limits(request).await;
        if let Err(response) = &parsed {
            let refused = crate::metrics::Outcome::Refused;
            self.metrics.request(crate::metrics::Operation::Unknown, refused, started.elapsed());
            self.metrics.refusal(response);
        }
        parsed
    }

    async fn parse_within_limits(
        &self,
        request: &mut async_graphql::Request,
    ) -> Result<Parsed, async_graphql::Response> {
        let registration = self.persisted.resolve(request).await?;
        if request.query.contains(nulls::KEEPER) {
            let refused = format!("the name {} is reserved", nulls::KEEPER);
            return Err(refusal(ServerError::new(refused, None), Code::GraphqlValidationFailed));
        }
        if let Some(refused) = limits::prescan(&request.query) {
            return Err(refusal(ServerError::new(refused, None), Code::GraphqlValidationFailed));
        }
        let checked = if let Some(doc) = self.documents.get(&request.query) {
            Ok(ExecutableDocument::clone(&doc))
        } else if request.query.len() <= INLINE_PARSE {
            parse_within_limits(&request.query, &self.limits).map(|mut doc| {
                nulls::keep_objects(&mut doc);
                self.documents.keep(&request.query, Arc::new(doc.clone()));
                doc
            })
        } else {
            let _permit = self.parsing.acquire().await;
            let (query, limits) = (request.query.clone(), self.limits.clone());
            let parsed = move || {
                parse_within_limits(&query, &limits).map(|mut doc| {
                    nulls::keep_objects(&mut doc);
                    doc
                })
            };
            tokio::task::spawn_blocking(parsed).await.unwrap_or_else(|err| {
                tracing::error!(%err, "the parser's task failed");
                let mut error = ServerError::new("internal server error", None);
                error
                    .extensions
                    .get_or_insert_with(ErrorExtensionValues::default)
                    .set("code", Code::InternalServerError.as_str());
                Err(Box::new(error))
            })
        };
        // Every object selection has its `keep_objects` field by now.
        let doc = checked.map_err(|error| async_graphql::Response::from_errors(vec![*error]))?;
        if let Some(registration) = registration {
            self.persisted.register(registration, request).await;
        }
        let kind = operation_kind(&doc, request.operation_name.as_deref());
        let plan = match kind {
            Some(OperationType::Query) => {
                Plan::build(&doc, request.operation_name.as_deref(), &request.variables, &self.arguments)
            }
            _ => None,
        };
        let parsed = Parsed {
            query: request.query.clone(),
            operation_name: request.operation_name.clone(),
            kind,
            plan: plan.map(Arc::new),
            read_primary: request.extensions.get("readPrimary").is_some_and(|v| *v == Value::Boolean(true)),
        };
        request.set_parsed_query(doc);
        Ok(parsed)
    }

    /// Runs a query or mutation for `viewer`.
    pub async fn execute(&self, viewer: &Viewer, request: async_graphql::Request, parsed: &Parsed) -> Outcome {
        let request_id = request_id();
        let span = tracing::info_span!("request", id = %request_id);
        // The span is attached to the future, never entered across an await: a request moves
        // between worker threads, and an entered span must be left on the thread that entered it.
        let started = Instant::now();
        let outcome =
            tracing::Instrument::instrument(self.execute_in_span(viewer, request, parsed, request_id), span).await;
        let result = match &outcome {
            Outcome::Done(response, _) if !response.errors.is_empty() => crate::metrics::Outcome::Errors,
            Outcome::Done(..) | Outcome::Written(..) => crate::metrics::Outcome::Ok,
            Outcome::Refused(_) => crate::metrics::Outcome::Refused,
            Outcome::TimedOut(_) => crate::metrics::Outcome::TimedOut,
        };
        self.metrics.request(operation_of(parsed.kind), result, started.elapsed());
        if let Outcome::Refused(response) | Outcome::TimedOut(response) = &outcome {
            self.metrics.refusal(response);
        }
        outcome
    }

    async fn execute_in_span(
        &self,
        viewer: &Viewer,
        request: async_graphql::Request,
        parsed: &Parsed,
        request_id: String,
    ) -> Outcome {
        if let Viewer::Rejected(reason) = viewer {
            tracing::info!(%reason, "token rejected");
        }
        let queue = BatchQueue::default();
        let now = now_micros();
        // A query reads the standby while it keeps up; a mutation, and the reads of its answer,
        // the primary.
        let db = match parsed.kind {
            Some(OperationType::Query) => self.reads.for_query(parsed.read_primary),
            _ => self.db.clone(),
        };
        let loaders = Batcher::driven_loader(db.clone(), scope_of(viewer), now, queue.clone());
        let mut request = request.data(Arc::new(RequestState::new(now, loaders))).data(viewer.clone());
        // A query the planner answers runs as a job, in place of the execution, once
        // async-graphql has validated it (`plan::gate`). Only for an authenticated viewer: an
        // anonymous one is answered UNAUTHENTICATED by the resolvers.
        let fast = match (&parsed.plan, viewer) {
            (Some(plan), Viewer::Authenticated(identity)) if self.planner.load(Ordering::Relaxed) => {
                let batcher = Batcher::new(db.clone(), identity.scope(), now);
                let counter = self.reads.counter().clone();
                let (attached, fast) = FastPath::attach(plan.clone(), batcher, identity.clone(), now, counter, request);
                request = attached;
                Some(fast)
            }
            _ => None,
        };
        let schema = self.schema.clone();
        let run = async move { schema.execute(request).await };
        // The permit is held until the caller has written the answer out: the response tree is
        // the bulk of a large request's memory.
        let admitted = async {
            let waiting = crate::metrics::Open::new(&self.metrics.waiting);
            let permit = self.executing.acquire(tenant_of(viewer)).await;
            drop(waiting);
            // The domains' work due by this instant is done before anything is read or
            // decided, so that every way in sees it (`schema::BEFORE_EACH_REQUEST`).
            for hook in crate::schema::BEFORE_EACH_REQUEST {
                hook(&self.shared, now).await;
            }
            (drive(run, queue).await, permit)
        };
        let response = match tokio::time::timeout(self.limits.request_timeout, admitted).await {
            Ok((response, permit)) => (response, permit),
            Err(_) => return Outcome::TimedOut(self.timed_out(&request_id)),
        };
        let (mut response, permit) = response;
        if let Some(fast) = fast {
            match fast.answer(&response) {
                Some(body) => {
                    self.metrics.planned.inc();
                    return Outcome::Written(body, permit);
                }
                None => {
                    self.metrics.fallbacks.inc();
                }
            }
        }
        self.finish(&mut response, parsed, &request_id);
        let ran = !(response.data == Value::Null
            && !response.errors.is_empty()
            && response.errors.iter().all(|e| e.path.is_empty()));
        if ran { Outcome::Done(response, permit) } else { Outcome::Refused(response) }
    }

    /// Starts a subscription for `viewer`: its answers, one per event, each answered at its own
    /// instant under a permit of the concurrency limit and within the request timeout.
    pub fn subscribe(
        self: &Arc<Self>,
        viewer: &Viewer,
        request: async_graphql::Request,
        parsed: Parsed,
    ) -> BoxStream<'static, async_graphql::Response> {
        let (db, scope) = (self.db.clone(), scope_of(viewer));
        let make = Box::new(move |now| Batcher::loader(db.clone(), scope, now));
        let gate = Arc::new(EventGate::new(self.executing.clone(), tenant_of(viewer)));
        let state = Arc::new(RequestState::renewable(now_micros(), make, Some(gate.clone())));
        let request = request.data(state).data(viewer.clone());
        let inner = self.schema.execute_stream(request);
        let pipeline = self.clone();
        let bounded = Bounded { inner, gate, limit: self.limits.request_timeout, deadline: None, done: false };
        // Counted open for as long as the stream lives.
        let open = crate::metrics::Open::new(&self.metrics.subscriptions);
        Box::pin(futures_util::StreamExt::map(bounded, move |mut response| {
            let _open = &open;
            pipeline.finish(&mut response, &parsed, &request_id());
            response
        }))
    }

    /// The answer to a request abandoned at the time limit: `TIMEOUT`, with the request id
    /// under which it was logged.
    fn timed_out(&self, request_id: &str) -> async_graphql::Response {
        tracing::warn!(timeout = ?self.limits.request_timeout, "request abandoned");
        let message = format!(
            "the request ran longer than the time limit of {}",
            humantime::format_duration(self.limits.request_timeout)
        );
        let mut response = refusal(ServerError::new(message, None), Code::Timeout);
        classify_errors(&mut response, &self.limits, request_id);
        response
    }

    /// Codes every error, then propagates nulls from the errors' paths.
    fn finish(&self, response: &mut async_graphql::Response, parsed: &Parsed, request_id: &str) {
        nulls::strip_keepers(&mut response.data);
        // async-graphql runs a field asked twice under one key twice; the specification merges
        // them into one field, so one failure is one error.
        let mut seen = std::collections::HashSet::new();
        response.errors.retain(|e| {
            use std::fmt::Write as _;
            let mut key = e.message.clone();
            for segment in &e.path {
                let _ = match segment {
                    async_graphql::PathSegment::Field(name) => write!(key, "\u{0}{name}"),
                    async_graphql::PathSegment::Index(i) => write!(key, "\u{0}#{i}"),
                };
            }
            e.path.is_empty() || seen.insert(key)
        });
        classify_errors(response, &self.limits, request_id);
        if response.errors.iter().any(|e| !e.path.is_empty())
            && let Ok(doc) = async_graphql::parser::parse_query(&parsed.query)
        {
            nulls::repair(&self.types, &doc, parsed.operation_name.as_deref(), response);
        }
    }
}

/// Whose fair share of the permits a viewer's requests take: its brand (every agent of it), its
/// seller, a staff token's subject, or all anonymous callers together.
fn tenant_of(viewer: &Viewer) -> Tenant {
    match viewer {
        Viewer::Authenticated(identity) => match identity.scope() {
            Scope::Brand(brand) => Tenant::Brand(brand),
            Scope::Seller(seller) => Tenant::Seller(seller),
            Scope::All => Tenant::Staff(identity.subject.clone()),
        },
        _ => Tenant::Anonymous,
    }
}

/// Whose rows a viewer's loaders may load.
fn scope_of(viewer: &Viewer) -> Scope {
    match viewer {
        Viewer::Authenticated(identity) => identity.scope(),
        // An anonymous or rejected caller reaches no resolver that loads data; `Seller(-1)`
        // would see nothing should one do so.
        _ => Scope::Seller(-1),
    }
}

/// The type of the operation `name` (or the only one) of `doc`.
fn operation_kind(doc: &ExecutableDocument, name: Option<&str>) -> Option<OperationType> {
    crate::plan::operation(doc, name).map(|op| op.ty)
}
