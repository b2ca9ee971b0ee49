//! How a request names a document: its `documentId` or `persistedQuery` hash as it arrives over
//! HTTP and the WebSocket, and the SHA-256 that names a document's text.

use std::collections::HashSet;

use async_graphql::Request;
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use sha2::{Digest, Sha256};

/// The `documentId` (or Relay's `doc_id`) of a request body or URL, in the request's data until
/// `resolve` reads it.
pub struct DocumentId(pub String);

/// The lowercase hex SHA-256 an id spells (`sha256:<hex>` or bare hex), if it spells one.
pub(super) fn hash_in(id: &str) -> Option<String> {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    is_sha256_hex(hex).then(|| hex.to_ascii_lowercase())
}

pub(super) fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The lowercase hex SHA-256 of `text`.
pub fn sha256_hex(text: &str) -> String {
    use std::fmt::Write as _;
    Sha256::digest(text.as_bytes()).iter().fold(String::with_capacity(64), |mut hex, byte| {
        let _ = write!(hex, "{byte:02x}");
        hex
    })
}

/// Whether the operation `request` runs is a query that asks only introspection fields
/// (`__schema`, `__type`, `__typename`) at its root.
pub(super) fn only_introspection(request: &Request) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(&request.query) else { return false };
    crate::plan::operation(&doc, request.operation_name.as_deref()).is_some_and(|op| {
        op.ty == OperationType::Query && introspection_only(&doc, &op.selection_set.node, &mut HashSet::new())
    })
}

pub(super) fn introspection_only<'d>(
    doc: &'d ExecutableDocument,
    set: &'d SelectionSet,
    seen: &mut HashSet<&'d str>,
) -> bool {
    set.items.iter().all(|item| match &item.node {
        Selection::Field(field) => field.node.name.node.starts_with("__"),
        Selection::InlineFragment(inline) => introspection_only(doc, &inline.node.selection_set.node, seen),
        Selection::FragmentSpread(spread) => {
            let name = spread.node.fragment_name.node.as_str();
            match doc.fragments.get(name) {
                None => false,
                // Walked already (a cycle of spreads is refused by the limits later).
                Some(_) if !seen.insert(name) => true,
                Some(fragment) => introspection_only(doc, &fragment.node.selection_set.node, seen),
            }
        }
    })
}

/// Whether a `subscribe` payload (or any GraphQL request as JSON) names its document rather than
/// sending it.
pub fn names_document(request: &serde_json::Value) -> bool {
    request.get("extensions").and_then(|e| e.get("persistedQuery")).is_some()
        || request.get("documentId").is_some_and(serde_json::Value::is_string)
        || request.get("doc_id").is_some_and(serde_json::Value::is_string)
}

/// Whether the `extensions` parameter of a GET request holds a `persistedQuery`.
pub fn names_persisted_query(extensions: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(extensions).is_ok_and(|e| e.get("persistedQuery").is_some())
}

/// A GraphQL request from a POST body, with its `documentId` (or `doc_id`) when it has no
/// query.
pub fn request_from_slice(body: &[u8]) -> serde_json::Result<Request> {
    let mut request: Request = serde_json::from_slice(body)?;
    if request.query.is_empty() {
        #[derive(serde::Deserialize)]
        struct Ids {
            #[serde(rename = "documentId")]
            document_id: Option<String>,
            doc_id: Option<String>,
        }
        let ids: Ids = serde_json::from_slice(body)?;
        if let Some(id) = ids.document_id.or(ids.doc_id) {
            request.data.insert(DocumentId(id));
        }
    }
    Ok(request)
}

/// A GraphQL request from a WebSocket `subscribe` payload, with its `documentId` (or `doc_id`).
pub fn request_from_value(payload: serde_json::Value) -> serde_json::Result<Request> {
    let id =
        ["documentId", "doc_id"].iter().find_map(|key| payload.get(key).and_then(|v| v.as_str()).map(str::to_owned));
    let mut request: Request = serde_json::from_value(payload)?;
    if let Some(id) = id.filter(|_| request.query.is_empty()) {
        request.data.insert(DocumentId(id));
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_is_lowercase_hex_sha256_and_an_id_may_spell_one() {
        assert_eq!(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        let upper = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
        assert_eq!(hash_in(&format!("sha256:{upper}")).as_deref(), Some(sha256_hex("").as_str()));
        assert_eq!(hash_in("0cc175b9c0f1b6a831c399e269772661"), None, "an md5 is an id");
    }
}
