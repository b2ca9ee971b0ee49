//! `PlannedReads`: the schema's one extension. It reports each answer's cost
//! (`extensions.analyzer { complexity depth }`, as async-graphql's `Analyzer` did) and, when the
//! request carries a `Job`, runs the plan in place of async-graphql's execution, after
//! async-graphql has parsed and validated the document against every rule and limit. A plan that
//! cannot answer gives the request back to the general execution, in the same call.

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextRequest, NextValidation,
};
use async_graphql::{Response, ServerError, ValidationResult, Value};

use super::{Job, Stop};

/// The extension factory.
pub struct PlannedReads;

impl ExtensionFactory for PlannedReads {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PerRequest::default())
    }
}

#[derive(Default)]
struct PerRequest {
    validation: Mutex<Option<ValidationResult>>,
}

#[async_graphql::async_trait::async_trait]
impl Extension for PerRequest {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let response = next.run(ctx).await;
        let validated = self.validation.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        match validated {
            Some(v) => {
                let mut analyzer = async_graphql::indexmap::IndexMap::new();
                analyzer.insert(async_graphql::Name::new("complexity"), Value::from(v.complexity));
                analyzer.insert(async_graphql::Name::new("depth"), Value::from(v.depth));
                response.extension("analyzer", Value::Object(analyzer))
            }
            None => response,
        }
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        *self.validation.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(result);
        Ok(result)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if let Some(job) = ctx.data_opt::<Arc<Job>>() {
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
