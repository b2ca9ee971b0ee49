//! Every error of a response with its `extensions.code` (CONTRACT.md section 6), the messages of
//! the limits naming the limit, and the request id that ties an unfinished request to the log.

use async_graphql::{ErrorExtensionValues, Value};

use crate::config::LimitsConfig;
use crate::error::Code;

/// A short random id that ties a client's error to the server's log.
pub(super) fn request_id() -> String {
    use rand::Rng;
    format!("{:016x}", rand::rng().random::<u64>())
}

/// Gives every error the `extensions.code` of CONTRACT.md section 6, and limit errors a message
/// that names the limit.
pub(super) fn classify_errors(response: &mut async_graphql::Response, limits: &LimitsConfig, request_id: &str) {
    for error in &mut response.errors {
        let code = error.extensions.as_ref().and_then(|e| e.get("code")).cloned();
        if let Some(code) = code {
            // An internal error says nothing of its cause, and a timeout leaves its request
            // unfinished: the request id finds either in the log.
            let unfinished = [Code::InternalServerError, Code::Timeout].map(|c| Value::from(c.as_str()));
            if unfinished.contains(&code) {
                error.extensions.get_or_insert_with(ErrorExtensionValues::default).set("requestId", request_id);
            }
            continue;
        }
        let code = if error.path.is_empty() {
            if error.message == "Query is too complex." {
                error.message = format!("query cost exceeds the complexity limit of {}", limits.max_complexity);
            } else if error.message == "Query is nested too deep." {
                error.message = format!("query depth exceeds the depth limit of {}", limits.max_depth);
            }
            Code::GraphqlValidationFailed
        } else if ["Failed to parse", "Invalid value", "Variable ", "Expected input type"]
            .iter()
            .any(|p| error.message.starts_with(p))
        {
            // async-graphql's coercion of arguments and variables: the client's input.
            Code::BadUserInput
        } else {
            tracing::error!(message = %error.message, "uncoded error");
            error.message = "internal server error".into();
            error.extensions.get_or_insert_with(ErrorExtensionValues::default).set("requestId", request_id);
            Code::InternalServerError
        };
        error.extensions.get_or_insert_with(ErrorExtensionValues::default).set("code", code.as_str());
    }
}
