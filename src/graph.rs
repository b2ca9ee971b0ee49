//! What every resolver needs: the request's state, loaders by id, and the two ways a connection
//! is built (a root list paged by one query, a nested list paged through a loader).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_graphql::Context;
use sea_orm::DatabaseConnection;

use crate::permits::{Permit, Permits, Tenant};

use crate::auth::{Identity, Viewer};
use crate::config::RulesConfig;
use crate::db::Reader;
use crate::error::{AppError, AppResult};
use crate::ids::{self, Kind};
use crate::loaders::lists::RelTable;
use crate::loaders::{ById, CountOf, Loaders, PageOf, Rel, Table};
use crate::pagination::{Connection, PageArgs, Total};
use crate::sql::{self, ListSpec};

/// State shared by every request.
#[derive(Clone)]
pub struct Shared {
    pub db: DatabaseConnection,
    pub rules: RulesConfig,
    /// Committed events, for subscriptions.
    pub events: crate::work::EventBus,
    /// When the next request for information falls due.
    pub deadlines: Arc<crate::work::Deadlines>,
}

/// Work a domain does before every request reads or decides anything, at the request's instant
/// (microseconds): every way in runs the hooks `schema::BEFORE_EACH_REQUEST` lists. A hook
/// reports its own failures; a request goes on without it.
pub type RequestHook = for<'a> fn(&'a Shared, i64) -> futures_util::future::BoxFuture<'a, ()>;

/// Makes the loaders of a request anew for an instant (microseconds).
pub type LoaderFactory = Box<dyn Fn(i64) -> Loaders + Send + Sync>;

/// State of one request: when it is answered, and its loaders. A subscription's state is renewed
/// for every event it delivers, so that each event is answered at its own instant.
pub struct RequestState {
    now: AtomicI64,
    loaders: Mutex<Arc<Loaders>>,
    renew: Option<LoaderFactory>,
    gate: Option<Arc<EventGate>>,
}

impl RequestState {
    /// The state of a request answered at `now` with `loaders`.
    pub fn new(now: i64, loaders: Loaders) -> Self {
        Self { now: AtomicI64::new(now), loaders: Mutex::new(Arc::new(loaders)), renew: None, gate: None }
    }

    /// The state of a long-lived operation: `make` builds its loaders for each instant.
    /// `gate`, when given, admits its events one at a time under the concurrency limit.
    pub fn renewable(now: i64, make: LoaderFactory, gate: Option<Arc<EventGate>>) -> Self {
        Self { now: AtomicI64::new(now), loaders: Mutex::new(Arc::new(make(now))), renew: Some(make), gate }
    }

    /// Waits until the next event may be answered (a permit of the concurrency limit, when the
    /// operation has a gate), then moves the state to the current instant.
    pub async fn admit_event(&self) {
        if let Some(gate) = &self.gate {
            gate.admit().await;
        }
        self.renew_at(crate::time::now_micros());
    }

    /// The previous event is answered: its permit goes back.
    pub fn event_answered(&self) {
        if let Some(gate) = &self.gate {
            gate.release();
        }
    }

    /// The instant the request is answered at (microseconds since the epoch).
    pub fn now(&self) -> i64 {
        self.now.load(Ordering::Acquire)
    }

    /// The request's loaders.
    pub fn loaders(&self) -> Arc<Loaders> {
        // Nothing that holds the lock can panic, so a poisoned lock still holds good loaders.
        self.loaders.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Moves the state to `now`, with loaders (and their caches) made for that instant.
    pub fn renew_at(&self, now: i64) {
        if let Some(make) = &self.renew {
            let fresh = Arc::new(make(now));
            *self.loaders.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = fresh;
        }
        self.now.store(now, Ordering::Release);
    }
}

/// Admits a long-lived operation's events one at a time under the concurrency limit, and tells
/// since when the current one is being answered (for the request timeout).
pub struct EventGate {
    permits: Permits,
    tenant: Tenant,
    held: Mutex<Option<(Permit, Instant)>>,
}

impl EventGate {
    /// A gate drawing on `permits` for `tenant`.
    pub fn new(permits: Permits, tenant: Tenant) -> Self {
        Self { permits, tenant, held: Mutex::new(None) }
    }

    async fn admit(&self) {
        self.release();
        let permit = self.permits.acquire(self.tenant.clone()).await;
        *self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some((permit, Instant::now()));
    }

    fn release(&self) {
        self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
    }

    /// Since when the event being answered was admitted, if one is.
    pub fn answering_since(&self) -> Option<Instant> {
        self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner).as_ref().map(|(_, at)| *at)
    }
}

/// The shared state.
pub fn shared<'a>(ctx: &'a Context<'_>) -> AppResult<&'a Shared> {
    ctx.data::<Shared>().map_err(|e| AppError::Internal(format!("no shared state: {}", e.message)))
}

/// The database the request reads: for a query, the standby while it keeps up (see `standby`);
/// for a mutation or a subscription, the primary. A read that loses its connection is read again
/// on another (`db::Reader`).
pub fn reader(ctx: &Context<'_>) -> AppResult<Reader> {
    Ok(Reader::Pool(request(ctx)?.loaders().loader().db().pool().clone()))
}

/// The request's state.
pub fn request<'a>(ctx: &'a Context<'_>) -> AppResult<&'a RequestState> {
    request_arc(ctx).map(Arc::as_ref)
}

/// The request's state, to keep beyond the resolver (a subscription's stream).
pub fn request_arc<'a>(ctx: &'a Context<'_>) -> AppResult<&'a Arc<RequestState>> {
    ctx.data::<Arc<RequestState>>().map_err(|e| AppError::Internal(format!("no request state: {}", e.message)))
}

/// The authenticated viewer, or `UNAUTHENTICATED`.
pub fn identity<'a>(ctx: &'a Context<'_>) -> AppResult<&'a Identity> {
    Viewer::require(ctx)
}

/// Row `id` of `T` if the viewer may see it.
pub async fn load<T: Table>(ctx: &Context<'_>, id: i64) -> AppResult<Option<T::Model>> {
    request(ctx)?.loaders().load_one(ById::<T>::new(id)).await
}

/// Row `id` of `T`, which must exist and be visible because a visible row refers to it.
pub async fn load_ref<T: Table>(ctx: &Context<'_>, id: i64) -> AppResult<T::Model> {
    load::<T>(ctx, id)
        .await?
        .ok_or_else(|| AppError::Internal(format!("{} {id} is referenced but not visible", T::NAME)))
}

/// A single object asked for by global id: `null` with `NOT_FOUND` when it does not exist or the
/// viewer may not see it (the two are indistinguishable by design).
pub async fn find<T: Table>(ctx: &Context<'_>, raw: &str, kind: Kind, field: &str) -> AppResult<T::Model> {
    identity(ctx)?;
    let id = ids::decode(raw, kind, field)?;
    load::<T>(ctx, id).await?.ok_or_else(|| AppError::NotFound(format!("no {} {raw}", kind.type_name())))
}

/// A nested connection: page `args` of `rel` under `parent`, through the loaders.
pub async fn nested<T: RelTable, G>(
    ctx: &Context<'_>,
    rel: Rel,
    parent: i64,
    first: Option<i32>,
    after: Option<String>,
    wrap: fn(T::Model) -> G,
) -> AppResult<Connection<G>> {
    let args = PageArgs::parse(first, after)?;
    let loaders = request(ctx)?.loaders();
    let rows = loaders.load_one(PageOf::<T>::new(rel.clone(), parent, args.clone())).await?.unwrap_or_default();
    let total = Total::Lazy(Arc::new(move || {
        let (loaders, key) = (loaders.clone(), CountOf { rel: rel.clone(), parent });
        Box::pin(async move { Ok(loaders.load_one(key).await?.unwrap_or(0)) })
    }));
    Ok(Connection::from_rows(&args, rows, total, wrap))
}

/// A root connection: page `args` of `spec` in one query, counted only when asked.
pub async fn root<M: crate::columns::Columns + Send + 'static, G>(
    ctx: &Context<'_>,
    spec: ListSpec,
    first: Option<i32>,
    after: Option<String>,
    wrap: fn(M) -> G,
) -> AppResult<Connection<G>> {
    let args = PageArgs::parse(first, after)?;
    let db = reader(ctx)?;
    let rows = sql::page::<M>(&db, &spec, &args, crate::columns::Mask::ALL).await?;
    let spec = Arc::new(spec);
    let total = Total::Lazy(Arc::new(move || {
        let (db, spec) = (db.clone(), spec.clone());
        Box::pin(async move { sql::count(&db, &spec).await })
    }));
    Ok(Connection::from_rows(&args, rows, total, wrap))
}
