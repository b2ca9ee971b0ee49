//! Documents a client names rather than sends, so that a partner's dashboard requests are small
//! and can go over GET: automatic persisted queries (APQ, the protocol of Apollo Client, urql and
//! graphql-request: `extensions.persistedQuery { version: 1, sha256Hash }`) and an operator's
//! trusted documents (`--trusted-documents`, named by `sha256Hash` or by a `documentId`).
//!
//! The pipeline asks `Persisted::resolve` first, before any of its own checks, so a named
//! document goes through the same limits, authentication, timeout and error model as a sent
//! one; it registers a new APQ document (`Persisted::register`) only once that document has
//! parsed and passed the limits.
//!
//! Registered documents live in each process's memory (a least-recently-used cache of
//! `--persisted-query-cache` documents) and in the `persisted_document` table, which every
//! replica shares: a hash missing from memory is looked up there. Registering writes one row and
//! deletes, in one more statement, the documents unused for `--persisted-query-ttl` and those
//! beyond the `--persisted-query-capacity` most recently used. A document's `used_at` is
//! refreshed at most once per tenth of the TTL per process, so reading by hash writes nothing
//! on the hot path.
//!
//! Only an authenticated request registers, and only a document of at most `MAX_REGISTERED`
//! bytes: an anonymous client may run nothing but `__typename` and introspection, and would
//! otherwise fill the shared table with junk to push partners' documents out. Its document
//! still runs; it is just not kept.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::{ErrorExtensionValues, Request, ServerError, Value};
use sea_orm::sea_query::{Cond, Expr, ExprTrait, OnConflict, Order, Query, SubQueryStatement};
use sea_orm::{ConnectionTrait, DatabaseConnection, DeriveIden};
use sha2::{Digest, Sha256};

use super::limits;
use crate::auth::Viewer;
use crate::config::{DocumentsConfig, LimitsConfig};
use crate::error::{Code, refusal};
use crate::time::{micros_of, now_micros};

/// Longest document that is registered as a persisted query (longer ones run, unkept): a
/// dashboard's documents are a few KiB, and the shared table holds at most
/// `--persisted-query-capacity` of these.
pub const MAX_REGISTERED: usize = 64 * 1024;

/// The message Apollo Client's and urql's persisted-query links look for to send the document.
const NOT_FOUND_MESSAGE: &str = "PersistedQueryNotFound";

/// The `documentId` (or Relay's `doc_id`) of a request body or URL, in the request's data until
/// `resolve` reads it.
pub struct DocumentId(pub String);

/// The table of registered documents.
#[derive(DeriveIden)]
enum PersistedDocument {
    Table,
    Hash,
    Document,
    RegisteredAt,
    UsedAt,
}

/// A document the pipeline registers once it has parsed and passed the limits.
pub struct Registration {
    hash: String,
}

/// How a request names its document.
enum Name {
    /// The lowercase hex SHA-256 of the document's text.
    Hash(String),
    /// Another id of a trusted document (Relay's md5, or any string).
    Id(String),
}

/// Persisted queries and trusted documents, shared by every way in.
pub struct Persisted {
    memory: Mutex<Memory>,
    db: DatabaseConnection,
    trusted: Option<Manifest>,
    only_trusted: bool,
    capacity: u64,
    ttl: i64,
}

impl Persisted {
    /// Loads and checks the trusted documents, if any; the error is the one line `serve` stops
    /// with.
    pub fn new(db: DatabaseConnection, limits: &LimitsConfig) -> Result<Self, String> {
        let config: &DocumentsConfig = &limits.documents;
        let trusted = match &config.trusted_documents {
            Some(path) => Some(
                Manifest::load(path, limits)
                    .map_err(|reason| format!("cannot use --trusted-documents {}: {reason}", path.display()))?,
            ),
            None if config.only_trusted_documents => {
                return Err("--only-trusted-documents needs --trusted-documents FILE: no document could run".into());
            }
            None => None,
        };
        if let Some(manifest) = &trusted {
            tracing::info!(
                documents = manifest.by_hash.len(),
                only = config.only_trusted_documents,
                "trusted documents"
            );
        }
        Ok(Self {
            memory: Mutex::new(Memory::new(config.persisted_query_cache as usize)),
            db,
            trusted,
            only_trusted: config.only_trusted_documents,
            capacity: u64::from(config.persisted_query_capacity),
            ttl: micros_of(config.persisted_query_ttl),
        })
    }

    /// Puts the document a request names into its `query`, checks a sent document against the
    /// hash it came with, and refuses what this server does not run. A document to register once
    /// it has passed the pipeline's checks comes back.
    pub async fn resolve(&self, request: &mut Request) -> Result<Option<Registration>, async_graphql::Response> {
        let name = name_of(request).map_err(|refused| *refused)?;
        let sent = !request.query.is_empty();
        match name {
            None if sent => {
                if self.only_trusted && !self.is_trusted_text(&request.query) && !self.may_introspect(request) {
                    return Err(not_allowed());
                }
                Ok(None)
            }
            // Neither a document nor a name: the parser says so.
            None => Ok(None),
            Some(Name::Id(id)) if sent => Err(bad_input(
                "documentId",
                format!("{id:?} names a trusted document by an id that is not a sha256 hash: send it without a query"),
            )),
            Some(Name::Id(id)) => {
                match self.trusted.as_ref().and_then(|m| m.by_id.get(&id)) {
                    Some(text) => request.query = text.to_string(),
                    None => return Err(self.unknown()),
                }
                Ok(None)
            }
            Some(Name::Hash(hash)) if sent => {
                if sha256_hex(&request.query) != hash {
                    return Err(bad_input(
                        "extensions.persistedQuery.sha256Hash",
                        "the hash does not match the document: send the lowercase hex SHA-256 of its text".into(),
                    ));
                }
                if self.is_trusted_hash(&hash) || self.remembered(&hash).await.is_some() {
                    return Ok(None);
                }
                if self.only_trusted {
                    return if self.may_introspect(request) { Ok(None) } else { Err(not_allowed()) };
                }
                let authenticated = matches!(caller(request), Some(Viewer::Authenticated(_)));
                Ok((authenticated && request.query.len() <= MAX_REGISTERED).then_some(Registration { hash }))
            }
            Some(Name::Hash(hash)) => {
                if let Some(text) = self.trusted.as_ref().and_then(|m| m.by_hash.get(&hash)) {
                    request.query = text.to_string();
                    return Ok(None);
                }
                if self.only_trusted {
                    return Err(self.unknown());
                }
                match self.lookup(&hash).await {
                    Some(text) => {
                        request.query = text.to_string();
                        Ok(None)
                    }
                    None => Err(self.unknown()),
                }
            }
        }
    }

    /// Keeps the document of `request` under its hash, in memory and in the shared table, and
    /// bounds the table. A failure to write is logged: the request runs all the same, and the
    /// client sends the document again when asked.
    pub async fn register(&self, registration: Registration, request: &Request) {
        let Registration { hash } = registration;
        let now = now_micros();
        let text: Arc<str> = Arc::from(request.query.as_str());
        let insert = Query::insert()
            .into_table(PersistedDocument::Table)
            .columns([
                PersistedDocument::Hash,
                PersistedDocument::Document,
                PersistedDocument::RegisteredAt,
                PersistedDocument::UsedAt,
            ])
            .values([hash.clone().into(), request.query.clone().into(), now.into(), now.into()])
            .map(|insert| {
                insert
                    .on_conflict(
                        OnConflict::column(PersistedDocument::Hash).update_column(PersistedDocument::UsedAt).to_owned(),
                    )
                    .to_owned()
            });
        let written = match insert {
            Ok(insert) => self.db.execute(&insert).await.map_err(|err| err.to_string()),
            Err(err) => Err(err.to_string()),
        };
        if let Err(err) = written {
            tracing::warn!(%err, "cannot register a persisted query");
            return;
        }
        self.memory().keep(hash, text, now);
        // The (capacity + 1)-th most recently used document's `used_at`: it and all older go.
        let nth = Query::select()
            .column(PersistedDocument::UsedAt)
            .from(PersistedDocument::Table)
            .order_by(PersistedDocument::UsedAt, Order::Desc)
            .limit(1)
            .offset(self.capacity)
            .to_owned();
        let bound = Query::delete()
            .from_table(PersistedDocument::Table)
            .cond_where(
                Cond::any().add(Expr::col(PersistedDocument::UsedAt).lt(now.saturating_sub(self.ttl))).add(
                    Expr::col(PersistedDocument::UsedAt)
                        .lte(Expr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(nth)))),
                ),
            )
            .to_owned();
        if let Err(err) = self.db.execute(&bound).await {
            tracing::warn!(%err, "cannot bound the persisted queries");
        }
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, Memory> {
        self.memory.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The registered document of `hash`: from memory, else from the shared table (then kept in
    /// memory).
    async fn lookup(&self, hash: &str) -> Option<Arc<str>> {
        if let Some(text) = self.remembered(hash).await {
            return Some(text);
        }
        let select = Query::select()
            .columns([PersistedDocument::Document, PersistedDocument::UsedAt])
            .from(PersistedDocument::Table)
            .and_where(Expr::col(PersistedDocument::Hash).eq(hash))
            .to_owned();
        let row = match self.db.query_one(&select).await {
            Ok(row) => row?,
            Err(err) => {
                tracing::warn!(%err, "cannot read the persisted queries");
                return None;
            }
        };
        let (Ok(text), Ok(used_at)) = (row.try_get::<String>("", "document"), row.try_get::<i64>("", "used_at")) else {
            tracing::warn!("a persisted query's row cannot be read");
            return None;
        };
        let text: Arc<str> = Arc::from(text);
        self.memory().keep(hash.to_owned(), text.clone(), used_at);
        self.touch(hash, used_at).await;
        Some(text)
    }

    /// The document of `hash` if this process keeps it in memory.
    async fn remembered(&self, hash: &str) -> Option<Arc<str>> {
        let (text, touched) = self.memory().get(hash)?;
        self.touch(hash, touched).await;
        Some(text)
    }

    /// Records in the shared table that `hash` was used now, when it was last recorded more than
    /// a tenth of the TTL ago: often enough that a document in use never expires, rarely enough
    /// that reading by hash is not a write.
    async fn touch(&self, hash: &str, touched: i64) {
        let now = now_micros();
        if now.saturating_sub(touched) < self.ttl / 10 {
            return;
        }
        self.memory().touched(hash, now);
        let update = Query::update()
            .table(PersistedDocument::Table)
            .value(PersistedDocument::UsedAt, now)
            .and_where(Expr::col(PersistedDocument::Hash).eq(hash))
            .to_owned();
        if let Err(err) = self.db.execute(&update).await {
            tracing::warn!(%err, "cannot record the use of a persisted query");
        }
    }

    fn is_trusted_hash(&self, hash: &str) -> bool {
        self.trusted.as_ref().is_some_and(|m| m.by_hash.contains_key(hash))
    }

    fn is_trusted_text(&self, text: &str) -> bool {
        self.is_trusted_hash(&sha256_hex(text))
    }

    /// The answer to a name this server does not know.
    fn unknown(&self) -> async_graphql::Response {
        if self.only_trusted {
            not_allowed()
        } else {
            refusal(ServerError::new(NOT_FOUND_MESSAGE, None), Code::PersistedQueryNotFound)
        }
    }

    /// Whether an untrusted document may run on a server that runs only trusted ones: staff
    /// (ADMIN, REVIEWER, ANALYST) may still run one that asks nothing but introspection, so that
    /// GraphiQL and code generators work for them.
    fn may_introspect(&self, request: &Request) -> bool {
        let staff = matches!(caller(request), Some(Viewer::Authenticated(identity)) if identity.is_staff());
        staff && limits::prescan(&request.query).is_none() && only_introspection(request)
    }
}

fn not_allowed() -> async_graphql::Response {
    let message = "only trusted documents run on this server, and this is not one of them";
    refusal(ServerError::new(message, None), Code::PersistedQueryNotAllowed)
}

/// `BAD_USER_INPUT` naming `field` of the request.
fn bad_input(field: &str, message: String) -> async_graphql::Response {
    let mut error = ServerError::new(message, None);
    error.extensions.get_or_insert_with(ErrorExtensionValues::default).set("field", field);
    refusal(error, Code::BadUserInput)
}

/// Who sent `request`, as the transport put it in the request's data before parsing.
fn caller(request: &Request) -> Option<&Viewer> {
    request.data.get(&std::any::TypeId::of::<Viewer>()).and_then(|viewer| viewer.downcast_ref::<Viewer>())
}

/// The name a request gives its document: `extensions.persistedQuery` (version 1 and a
/// sha256Hash of 64 hex digits), else a `documentId` (`sha256:<hex>` or 64 hex digits is a
/// hash; anything else the id of a trusted document).
fn name_of(request: &Request) -> Result<Option<Name>, Box<async_graphql::Response>> {
    if let Some(persisted) = request.extensions.get("persistedQuery") {
        let Value::Object(fields) = persisted else {
            let message = "must be an object { version: 1, sha256Hash }";
            return Err(Box::new(bad_input("extensions.persistedQuery", message.into())));
        };
        if fields.get("version") != Some(&Value::from(1)) {
            let message = "only version 1 is supported";
            return Err(Box::new(bad_input("extensions.persistedQuery.version", message.into())));
        }
        return match fields.get("sha256Hash") {
            Some(Value::String(hash)) if is_sha256_hex(hash) => Ok(Some(Name::Hash(hash.to_ascii_lowercase()))),
            _ => Err(Box::new(bad_input(
                "extensions.persistedQuery.sha256Hash",
                "must be the hex SHA-256 of the document's text (64 digits)".into(),
            ))),
        };
    }
    let id = request.data.get(&std::any::TypeId::of::<DocumentId>()).and_then(|id| id.downcast_ref::<DocumentId>());
    Ok(id.map(|DocumentId(id)| hash_in(id).map_or_else(|| Name::Id(id.clone()), Name::Hash)))
}

/// The lowercase hex SHA-256 an id spells (`sha256:<hex>` or bare hex), if it spells one.
fn hash_in(id: &str) -> Option<String> {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    is_sha256_hex(hex).then(|| hex.to_ascii_lowercase())
}

fn is_sha256_hex(text: &str) -> bool {
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
fn only_introspection(request: &Request) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(&request.query) else { return false };
    crate::plan::operation(&doc, request.operation_name.as_deref()).is_some_and(|op| {
        op.ty == OperationType::Query && introspection_only(&doc, &op.selection_set.node, &mut HashSet::new())
    })
}

fn introspection_only<'d>(doc: &'d ExecutableDocument, set: &'d SelectionSet, seen: &mut HashSet<&'d str>) -> bool {
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

/// The trusted documents of `--trusted-documents`.
struct Manifest {
    /// Every document, by the SHA-256 of its text.
    by_hash: HashMap<String, Arc<str>>,
    /// The documents whose key is not a SHA-256 (Relay's md5 ids, or any string), by key.
    by_id: HashMap<String, Arc<str>>,
}

impl Manifest {
    /// Reads `{ "<id>": "<document>" }` from `path`: every document must parse and pass the
    /// limits, and a key that is a sha256 (64 hex digits, optionally `sha256:` first) must be
    /// its document's.
    fn load(path: &Path, limits: &LimitsConfig) -> Result<Self, String> {
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
fn check_document(text: &str, limits: &LimitsConfig) -> Option<String> {
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
fn parse_failure(err: &async_graphql::parser::Error) -> String {
    match err {
        async_graphql::parser::Error::Syntax { message, start, .. } => {
            let reason = message.lines().last().unwrap_or_default().trim().trim_start_matches("= ");
            format!("at line {}, column {}: {reason}", start.line, start.column)
        }
        other => other.to_string().split_whitespace().collect::<Vec<_>>().join(" "),
    }
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

/// The registered documents this process keeps, least recently used evicted first.
struct Memory {
    capacity: usize,
    clock: u64,
    kept: HashMap<String, Kept>,
    /// Hashes by when they were last used.
    order: BTreeMap<u64, String>,
}

struct Kept {
    text: Arc<str>,
    used: u64,
    /// When the shared table last recorded its use (microseconds since the epoch).
    touched: i64,
}

impl Memory {
    fn new(capacity: usize) -> Self {
        Self { capacity: capacity.max(1), clock: 0, kept: HashMap::new(), order: BTreeMap::new() }
    }

    fn get(&mut self, hash: &str) -> Option<(Arc<str>, i64)> {
        self.clock += 1;
        let kept = self.kept.get_mut(hash)?;
        self.order.remove(&kept.used);
        kept.used = self.clock;
        self.order.insert(self.clock, hash.to_owned());
        Some((kept.text.clone(), kept.touched))
    }

    fn keep(&mut self, hash: String, text: Arc<str>, touched: i64) {
        self.clock += 1;
        if let Some(old) = self.kept.remove(&hash) {
            self.order.remove(&old.used);
        }
        while self.kept.len() >= self.capacity {
            let Some((_, oldest)) = self.order.pop_first() else { break };
            self.kept.remove(&oldest);
        }
        self.order.insert(self.clock, hash.clone());
        self.kept.insert(hash, Kept { text, used: self.clock, touched });
    }

    fn touched(&mut self, hash: &str, at: i64) {
        if let Some(kept) = self.kept.get_mut(hash) {
            kept.touched = at;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_evicts_the_least_recently_used() {
        let mut memory = Memory::new(2);
        memory.keep("a".into(), "A".into(), 0);
        memory.keep("b".into(), "B".into(), 0);
        assert!(memory.get("a").is_some());
        memory.keep("c".into(), "C".into(), 0);
        assert!(memory.get("b").is_none(), "b was the least recently used");
        assert!(memory.get("a").is_some() && memory.get("c").is_some());
        assert_eq!(memory.kept.len(), memory.order.len());
    }

    #[test]
    fn a_hash_is_lowercase_hex_sha256_and_an_id_may_spell_one() {
        assert_eq!(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        let upper = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
        assert_eq!(hash_in(&format!("sha256:{upper}")).as_deref(), Some(sha256_hex("").as_str()));
        assert_eq!(hash_in("0cc175b9c0f1b6a831c399e269772661"), None, "an md5 is an id");
    }
}
