//! The trusted documents of `--trusted-documents`: read once at start, each parsed and within
//! the limits, each named by the SHA-256 of its text and, when its key is not one, by its key.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::super::limits;
use super::wire::{hash_in, sha256_hex};
use crate::config::LimitsConfig;

/// The trusted documents of `--trusted-documents`.
pub(super) struct Manifest {
    /// Every document, by the SHA-256 of its text.
    pub(super) by_hash: HashMap<String, Arc<str>>,
    /// The documents whose key is not a SHA-256 (Relay's md5 ids, or any string), by key.
    pub(super) by_id: HashMap<String, Arc<str>>,
}

impl Manifest {
    /// Reads `{ "<id>": "<document>" }` from `path`: every document must parse and pass the
    /// limits, and a key that is a sha256 (64 hex digits, optionally `sha256:` first) must be
    /// its document's.
    pub(super) fn load(path: &Path, limits: &LimitsConfig) -> Result<Self, String> {
        let raw = std::fs::read(path).map_err(|err| format!("cannot read it: {err}"))?;
        let entries: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&raw).map_err(|err| format!("not a JSON object of id to document text: {err}"))?;
        let (mut by_hash, mut by_id) = (HashMap::new(), HashMap::new());
        for (key, value) in entries {
            let serde_json::Value::String(text) = value else {
                return Err(format!("the value of {key:?} is not a document's text (a JSON string)"));
            };
            if let Some(reason) = check_document(&text, limits) {
                return Err(format!("the document of {key:?} {reason}"));
            }
            let hash = sha256_hex(&text);
            let text: Arc<str> = Arc::from(text);
            match hash_in(&key) {
                Some(claimed) if claimed != hash => {
                    return Err(format!("the key {key:?} is not the sha256 of its document, which is {hash}"));
                }
                Some(_) => {}
                None if key.starts_with("sha256:") => {
                    return Err(format!("the key {key:?} says sha256 but is not 64 hex digits"));
                }
                None => {
                    by_id.insert(key, text.clone());
                }
            }
            by_hash.insert(hash, text);
        }
        Ok(Self { by_hash, by_id })
    }
}

/// Why a trusted document could never run, if it could not: it does not parse, or it is over
/// the limits. One line.
pub(super) fn check_document(text: &str, limits: &LimitsConfig) -> Option<String> {
    if let Some(reason) = limits::prescan(text) {
        return Some(format!("is over the limits: {reason}"));
    }
    let doc = match async_graphql::parser::parse_query(text) {
        Ok(doc) => doc,
        Err(err) => return Some(format!("does not parse: {}", parse_failure(&err))),
    };
    limits::check(&doc, limits).map(|reason| format!("is over the limits: {reason}"))
}

/// A parser error in one line: where, and what was expected.
pub(super) fn parse_failure(err: &async_graphql::parser::Error) -> String {
    match err {
        async_graphql::parser::Error::Syntax { message, start, .. } => {
            let reason = message.lines().last().unwrap_or_default().trim().trim_start_matches("= ");
            format!("at line {}, column {}: {reason}", start.line, start.column)
        }
        other => other.to_string().split_whitespace().collect::<Vec<_>>().join(" "),
    }
}
