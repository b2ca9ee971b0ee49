//! `PlannedReads`: the schema's one extension. It reports each answer's cost
//! (`extensions.analyzer { complexity depth }`, as async-graphql's `Analyzer` did, and
//! `extensions.cost { requested actual }`), charges the viewer's cost budget (`budget`) once
//! async-graphql has validated the document and priced it, refusing before any resolver runs a
//! request the budget cannot pay, and gives back what the answer did not use. When the request
//! carries a `Job`, it runs the plan in place of async-graphql's execution, after async-graphql
//! has parsed and validated the document against every rule and limit. A plan that cannot answer
//! gives the request back to the general execution, in the same call.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest, NextRequest,
    NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Name, Request, Response, ServerError, ServerResult, ValidationResult, Value, Variables};

use super::{Job, KEEPER, Stop};
use crate::auth::Viewer;
use crate::budget::{Budget, Charge, Ticket};

/// The extension factory.
pub struct PlannedReads;

impl ExtensionFactory for PlannedReads {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PerRequest::default())
    }
}

#[derive(Default)]
struct PerRequest {
    seen: Mutex<Seen>,
}

/// What the hooks of one request learn, for its answer's extensions.
#[derive(Default)]
struct Seen {
    validation: Option<ValidationResult>,
    /// The document, to count what the general executor's answer cost.
    document: Option<ExecutableDocument>,
    operation: Option<String>,
    job: Option<Arc<Job>>,
    ticket: Option<Arc<Ticket>>,
    charge: Option<(Arc<Budget>, Charge)>,
}

impl PerRequest {
    fn seen(&self) -> MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `{name: value, …}`.
fn object<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::Object(entries.into_iter().map(|(k, v)| (Name::new(k), v)).collect())
}

#[async_graphql::async_trait::async_trait]
impl Extension for PerRequest {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let response = next.run(ctx).await;
        let seen = std::mem::take(&mut *self.seen());
        let Some(v) = seen.validation else { return response };
        let requested = v.complexity as u64;
        // The planner counts its answer as it writes it; the general executor's is counted from
        // its tree, and one refused after validation (the budget) holds nothing. A cost the model
        // does not know is the requested one.
        let counted = match (seen.job.as_ref().and_then(|job| job.actual_cost()), &response.data) {
            (Some(planned), _) => Some(planned),
            (None, Value::Null) => Some(0),
            (None, data) => seen.document.as_ref().and_then(|doc| {
                let op = super::operation(doc, seen.operation.as_deref())?;
                crate::budget::cost::of_answer(&ctx.schema_env.registry, doc, op, data, KEEPER)
            }),
        };
        let actual = counted.unwrap_or(requested).min(requested);
        if let Some((budget, charge)) = &seen.charge {
            budget.refund(charge, actual);
        }
        let analyzer = object([("complexity", Value::from(v.complexity)), ("depth", Value::from(v.depth))]);
        let cost = object([("requested", Value::from(requested)), ("actual", Value::from(actual))]);
        response.extension("analyzer", analyzer).extension("cost", cost)
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        // Where `rateLimit` finds this request's cost.
        let ticket = Arc::new(Ticket::default());
        self.seen().ticket = Some(ticket.clone());
        next.run(ctx, request.data(ticket)).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        // Kept also when the planner is to answer: a plan may give the request back.
        self.seen().document = Some(doc.clone());
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        let mut seen = self.seen();
        seen.validation = Some(result);
        let cost = result.complexity as u64;
        if let Some(ticket) = &seen.ticket {
            ticket.set(cost);
        }
        // Charged now, priced and before any resolver: a refused request costs nothing. An
        // anonymous caller, who may only introspect, has no budget.
        if let (Some(budget), Some(Viewer::Authenticated(identity))) =
            (ctx.data_opt::<Arc<Budget>>(), ctx.data_opt::<Viewer>())
        {
            match budget.charge(identity, cost, crate::time::now_micros()) {
                Ok(Some(charge)) => seen.charge = Some((budget.clone(), charge)),
                Ok(None) => {}
                Err(refused) => return Err(vec![refused]),
            }
        }
        Ok(result)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let job = ctx.data_opt::<Arc<Job>>();
        {
            let mut seen = self.seen();
            seen.operation = operation_name.map(str::to_owned);
            seen.job = job.cloned();
        }
        if let Some(job) = job {
            match job.run().await {
                // The answer is in the job; this response only carries the extensions.
                Ok(()) => return Response::new(Value::Null),
                Err(Stop::Fallback(why)) => tracing::debug!(reason = why.0, "the planner gave the request back"),
                Err(Stop::Failed(err)) => return job.failed(&err),
            }
        }
        next.run(ctx, operation_name).await
    }
}
