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

use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::{ErrorExtensionValues, Request, ServerError, Value};
use sea_orm::sea_query::{Cond, Expr, ExprTrait, OnConflict, Order, Query, SubQueryStatement};
use sea_orm::{ConnectionTrait, DatabaseConnection, DeriveIden};

mod manifest;
mod memory;
mod wire;

use super::limits;
use crate::auth::Viewer;
use crate::config::{DocumentsConfig, LimitsConfig};
use crate::error::{Code, refusal};
use crate::time::{micros_of, now_micros};
use manifest::Manifest;
use memory::Memory;
pub use wire::{DocumentId, names_document, names_persisted_query, request_from_slice, request_from_value, sha256_hex};
use wire::{hash_in, is_sha256_hex, only_introspection};

/// Longest document that is registered as a persisted query (longer ones run, unkept): a
/// dashboard's documents are a few KiB, and the shared table holds at most
/// `--persisted-query-capacity` of these.
pub const MAX_REGISTERED: usize = 64 * 1024;

/// The message Apollo Client's and urql's persisted-query links look for to send the document.
const NOT_FOUND_MESSAGE: &str = "PersistedQueryNotFound";

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
