//! Parsing a document once: within the limits before anything walks it, long ones off the async
//! workers, and the short ones a dashboard sends many times a second kept parsed.

use std::sync::Arc;

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ErrorExtensionValues, ServerError};

use super::limits;
use crate::config::LimitsConfig;
use crate::error::Code;

/// Short documents already parsed and checked, by their text. A dashboard sends the same few
/// documents many times a second, and parsing one took a seventh of the planned dashboard
/// query's instructions; a copy of the parsed document costs a fraction of that. At most
/// `REMEMBERED` documents of at most `INLINE_PARSE` bytes are kept (under a megabyte each once
/// parsed); when full it starts again empty, so a client sending ever new documents costs
/// nothing more than parsing them.
#[derive(Default)]
pub(super) struct Documents(std::sync::Mutex<std::collections::HashMap<String, Arc<ExecutableDocument>>>);

/// Most documents `Documents` keeps.
const REMEMBERED: usize = 256;

impl Documents {
    pub(super) fn get(&self, query: &str) -> Option<Arc<ExecutableDocument>> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(query).cloned()
    }

    pub(super) fn keep(&self, query: &str, doc: Arc<ExecutableDocument>) {
        let mut kept = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if kept.len() >= REMEMBERED {
            kept.clear();
        }
        kept.insert(query.to_owned(), doc);
    }
}

/// Documents up to this size are parsed where they arrive; longer ones on the blocking pool.
pub(super) const INLINE_PARSE: usize = 4 * 1024;

/// Most long documents parsed at once.
pub(super) const PARSERS: usize = 2;

/// The parsed `query`, or why it is refused (a parse error, or a limit of `limits::check`).
pub(super) fn parse_within_limits(query: &str, limits: &LimitsConfig) -> Result<ExecutableDocument, Box<ServerError>> {
    let doc = async_graphql::parser::parse_query(query).map_err(|err| {
        let mut error = ServerError::from(err);
        error
            .extensions
            .get_or_insert_with(ErrorExtensionValues::default)
            .set("code", Code::GraphqlParseFailed.as_str());
        Box::new(error)
    })?;
    match limits::check(&doc, limits) {
        Some(refused) => {
            let mut error = ServerError::new(refused, None);
            error
                .extensions
                .get_or_insert_with(ErrorExtensionValues::default)
                .set("code", Code::GraphqlValidationFailed.as_str());
            Err(Box::new(error))
        }
        None => Ok(doc),
    }
}
