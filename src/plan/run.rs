//! Running a plan: the rows of each level of the plan are loaded together (`load`), then the
//! answer is written from the rows in one walk (`write`). Here: the job one request runs, how it
//! ends, and the fast path the pipeline asks for bytes.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::{Plan, RootField};
use crate::auth::Identity;
use crate::db::{Pinned, StatementCounter};
use crate::error::AppError;
use crate::loaders::Batcher;

pub use crate::fields::Fallback;

use super::load::load;
use super::store::{At, Stop, Store};
use super::write::{Written, write_root};

/// How a planned answer begins: the data is written after it, in the one buffer that becomes
/// the response's body.
const ANSWER_OPENS: &[u8] = b"{\"data\":";

/// The size of the last planned answer (with room for its closing), the next one's buffer.
static LAST_ANSWER: AtomicUsize = AtomicUsize::new(4096);

/// One request's plan, the loader it runs with, and, once run, its `data` as JSON.
pub struct Job {
    plan: Arc<Plan>,
    batcher: Batcher,
    identity: Identity,
    now: i64,
    /// Counts the statements of the connection the plan holds (`db::Pinned`).
    statements: StatementCounter,
    data: Mutex<Option<Vec<u8>>>,
    /// What the answer cost (`budget::cost`), counted as it was written; `NOT_ANSWERED` until then.
    actual: AtomicU64,
}

/// `Job::actual` before the plan answered.
const NOT_ANSWERED: u64 = u64::MAX;

impl Job {
    /// `plan`, to be run for `identity` with `batcher` (its scope and the request's instant
    /// `now`), its statements counted by `statements`.
    pub fn new(plan: Arc<Plan>, batcher: Batcher, identity: Identity, now: i64, statements: StatementCounter) -> Self {
        Self { plan, batcher, identity, now, statements, data: Mutex::new(None), actual: AtomicU64::new(NOT_ANSWERED) }
    }

    /// Runs the plan; on success the answer's `data` is kept for `take`.
    pub async fn run(&self) -> Result<(), Stop> {
        if self.plan.staff_only && !self.identity.is_staff() {
            // The general executor answers FORBIDDEN where it applies; no statement is spent.
            return Err(Stop::Fallback(Fallback("a staff-only field for a viewer who is not staff")));
        }
        let mut store = Store::default();
        let at = At { identity: &self.identity, now: self.now };
        // The plan's statements run one after another: on PostgreSQL, on one connection taken
        // once (and given back before the answer is written), not one taken per statement.
        // A plan of `__typename` alone reads nothing, and takes no connection.
        let reads = self.plan.root.iter().any(|(_, field)| !matches!(field, RootField::Typename));
        let pinned = match reads {
            true => {
                Pinned::take(self.batcher.db().pool(), &self.statements).await.map_err(|e| Stop::Failed(e.into()))?
            }
            false => None,
        };
        match pinned {
            Some(pinned) => load(&self.plan, &at, &self.batcher.pinned(pinned), &mut store).await?,
            None => load(&self.plan, &at, &self.batcher, &mut store).await?,
        }
        // Sized as the last answer was, so that a dashboard's buffer is not grown (and copied)
        // five times over.
        let mut out = Vec::with_capacity(LAST_ANSWER.load(Ordering::Relaxed).clamp(4096, 256 << 10));
        out.extend_from_slice(ANSWER_OPENS);
        let actual = write_root(
            &Written { plan: &self.plan, store: &store, now: self.now, scope: at.identity.scope() },
            &mut out,
        )
        .map_err(Stop::Fallback)?;
        LAST_ANSWER.store(out.len() + 64, Ordering::Relaxed);
        // A small answer after a large one does not keep the large one's buffer.
        if out.capacity() > 2 * out.len() + 4096 {
            out.shrink_to_fit();
        }
        *self.data.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(out);
        self.actual.store(actual.min(NOT_ANSWERED - 1), Ordering::Relaxed);
        Ok(())
    }

    /// What the answer cost, once the plan answered (`budget::cost`: the general executor's
    /// answer to the same query costs the same).
    pub fn actual_cost(&self) -> Option<u64> {
        Some(self.actual.load(Ordering::Relaxed)).filter(|&n| n != NOT_ANSWERED)
    }

    /// The answer to a request whose database failed: each root field null with an internal
    /// error at its path, as the general executor answers it (the pipeline then propagates the
    /// nulls and gives the errors their request id).
    pub fn failed(&self, err: &AppError) -> async_graphql::Response {
        tracing::error!(cause = err.message(), "the database failed a planned query");
        let mut data = async_graphql::indexmap::IndexMap::new();
        let mut errors = Vec::new();
        for (key, field) in &self.plan.root {
            let name = key.strip_suffix(':').and_then(|k| serde_json::from_str::<String>(k).ok()).unwrap_or_default();
            let value = match field {
                RootField::Typename => async_graphql::Value::from("Query"),
                _ => {
                    let mut error = async_graphql::ServerError::new("internal server error", None);
                    error.path = vec![async_graphql::PathSegment::Field(name.clone())];
                    error
                        .extensions
                        .get_or_insert_with(Default::default)
                        .set("code", crate::error::Code::InternalServerError.as_str());
                    errors.push(error);
                    async_graphql::Value::Null
                }
            };
            data.insert(async_graphql::Name::new(name), value);
        }
        let mut response = async_graphql::Response::new(async_graphql::Value::Object(data));
        response.errors = errors;
        response
    }

    /// The answer, if the plan ran: `{"data":` and the data (`ANSWER_OPENS`).
    fn take(&self) -> Option<Vec<u8>> {
        self.data.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()
    }
}

/// The planner's part in one request: attached to the request before it executes, it is asked
/// afterwards for the answer. The pipeline knows nothing else of how a plan runs or is written.
pub struct FastPath(Arc<Job>);

impl FastPath {
    /// `plan` for `identity`, attached to `request` (the schema's extension runs it in place of
    /// the execution, once async-graphql has validated the document).
    pub fn attach(
        plan: Arc<Plan>,
        batcher: Batcher,
        identity: Identity,
        now: i64,
        statements: StatementCounter,
        request: async_graphql::Request,
    ) -> (async_graphql::Request, Self) {
        let job = Arc::new(Job::new(plan, batcher, identity, now, statements));
        (request.data(job.clone()), Self(job))
    }

    /// The whole JSON body of the response, when the plan answered it: its data, then
    /// `response`'s extensions (what the schema's extension reported), in the order
    /// async-graphql writes a response's entries. `None`: the general executor answered, and
    /// `response` is the answer.
    pub fn answer(&self, response: &async_graphql::Response) -> Option<Vec<u8>> {
        let mut answer = self.0.take()?;
        if !response.extensions.is_empty()
            && let Ok(extensions) = serde_json::to_vec(&response.extensions)
        {
            answer.extend_from_slice(b",\"extensions\":");
            answer.extend_from_slice(&extensions);
        }
        answer.push(b'}');
        Some(answer)
    }
}
