//! DataLoaders: every relation field resolves through one, so a request issues a statement per
//! level of the query, not per row. One `Loaders` value per request carries the viewer's scope,
//! so what a loader returns is already what the viewer may see.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::{DatabaseConnection, FromQueryResult};

use crate::auth::{Scope, visibility};
use crate::columns::Mask;
use crate::db::{Pinned, Reader};
use crate::error::{AppError, AppResult};
use crate::pagination::{Cursor, PageArgs};
use crate::sql::{self, ListSpec, Sql, t};

mod drive;
pub mod lists;

pub use drive::{BatchQueue, drive};

pub use lists::{CountOf, PageOf, Rel};

/// The per-request loader.
pub type Loaders = DataLoader<Batcher>;

/// Most keys in one batch: both backends accept that many bound parameters (SQLite 32,766,
/// PostgreSQL 65,535).
const MAX_BATCH: usize = 5_000;

/// Batches the loads of one request.
pub struct Batcher {
    db: Reader,
    scope: Scope,
    now: i64,
}

impl Batcher {
    /// A loader for one request by a viewer with `scope`, at instant `now` (microseconds).
    pub fn loader(db: DatabaseConnection, scope: Scope, now: i64) -> Loaders {
        // A dashboard page (100 notices x 20 items) loads 2,000 listings in one batch; both backends
        // accept that many bound parameters (SQLite 32,766, PostgreSQL 65,535).
        DataLoader::new(Self { db: Reader::Pool(db), scope, now }, tokio::spawn).max_batch_size(MAX_BATCH)
    }

    /// A loader whose batches wait in `queue` until the request's resolvers are all waiting
    /// (see `drive`), so that a level of the query costs one statement.
    pub fn driven_loader(db: DatabaseConnection, scope: Scope, now: i64, queue: BatchQueue) -> Loaders {
        let spawn = move |batch| queue.push(batch);
        DataLoader::new(Self { db: Reader::Pool(db), scope, now }, spawn)
            .delay(Duration::ZERO)
            .max_batch_size(MAX_BATCH)
    }
}

impl Batcher {
    /// The batcher itself, for a caller that batches its own keys (the planned executor).
    pub fn new(db: DatabaseConnection, scope: Scope, now: i64) -> Self {
        Self { db: Reader::Pool(db), scope, now }
    }

    /// This batcher's loads, each run on `pinned` rather than on a connection of the pool.
    pub fn pinned(&self, pinned: Pinned) -> Self {
        Self { db: Reader::Pinned(Arc::new(pinned)), scope: self.scope, now: self.now }
    }

    /// Where the loads read.
    pub fn db(&self) -> &Reader {
        &self.db
    }

    /// Whose rows the loads may return.
    pub fn scope(&self) -> Scope {
        self.scope
    }
}

/// A table a row can be loaded from by id, and who may see its rows.
pub trait Table: Send + Sync + 'static {
    const NAME: &'static str;
    /// The kind of the object a row is.
    const KIND: crate::ids::Kind;
    type Model: crate::columns::Columns + Clone + Send + Sync + 'static;
    /// The condition under which a row is visible in `scope`; `None` when every role sees all.
    fn visible(_scope: Scope) -> Option<Sql> {
        None
    }
}

macro_rules! table {
    ($name:ident, $table:literal, $module:ident, $kind:ident) => {
        table!($name, $table, $module, $kind, |_scope| None);
    };
    ($name:ident, $table:literal, $module:ident, $kind:ident, $visible:expr) => {
        #[doc = concat!("The `", $table, "` table.")]
        pub struct $name;
        impl Table for $name {
            const NAME: &'static str = $table;
            const KIND: crate::ids::Kind = crate::ids::Kind::$kind;
            type Model = entity::$module::Model;
            fn visible(scope: Scope) -> Option<Sql> {
                let visible: fn(Scope) -> Option<Sql> = $visible;
                visible(scope)
            }
        }
    };
}

table!(Brands, "brand", brand, Brand);
table!(Trademarks, "trademark", trademark, Trademark);
table!(Sellers, "seller", seller, Seller);
table!(Listings, "listing", listing, Listing);
table!(Notices, "notice", notice, Notice, visibility::notice);
table!(Items, "notice_item", notice_item, NoticeItem, visibility::owned);
table!(CounterNotices, "counter_notice", counter_notice, CounterNotice, visibility::owned);
table!(Strikes, "strike", strike, Strike, visibility::owned);
table!(Events, "notice_event", notice_event, NoticeEvent, visibility::owned);
table!(Messages, "notice_message", notice_message, NoticeMessage, visibility::channel);
table!(Appeals, "appeal", appeal, Appeal, visibility::owned);
table!(Statements, "statement_of_reasons", statement_of_reasons, StatementOfReasons, visibility::owned);

/// Loads a row of `T` by id; rows the viewer may not see load as absent.
pub struct ById<T>(pub i64, PhantomData<T>);

impl<T> ById<T> {
    /// The key of row `id`.
    pub fn new(id: i64) -> Self {
        Self(id, PhantomData)
    }
}

impl<T> Clone for ById<T> {
    fn clone(&self) -> Self {
        Self::new(self.0)
    }
}
impl<T> PartialEq for ById<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<T> Eq for ById<T> {}
impl<T> Hash for ById<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl<T: Table> Loader<ById<T>> for Batcher {
    type Value = T::Model;
    type Error = AppError;

    async fn load(&self, keys: &[ById<T>]) -> Result<HashMap<ById<T>, T::Model>, AppError> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let rows = self.rows::<T>(&ids, Mask::ALL).await?;
        Ok(rows.into_iter().map(|(id, m)| (ById::new(id), m)).collect())
    }
}

impl Batcher {
    /// The rows of `T` with `ids` that the viewer may see, each with its id and the fields of
    /// `mask`: what `ById<T>` loads, as a list (the planner keeps rows in maps of its own).
    pub async fn rows<T: Table>(&self, ids: &[i64], mask: Mask) -> AppResult<Vec<(i64, T::Model)>> {
        let conds: Vec<Sql> = T::visible(self.scope).into_iter().collect();
        sql::by_ids_some::<T::Model, Vec<_>>(&self.db, T::NAME, ids, &conds, mask).await
    }

    /// `rows` of `T` with `mask`, each with the row of `J` its column `key` refers to (never
    /// null), with `joined_mask`, in one statement; `None` when the viewer's scope hides some
    /// rows of `J` (read them apart, then, as `rows` does).
    pub async fn rows_joined<T: Table, J: Table>(
        &self,
        ids: &[i64],
        mask: Mask,
        key: &str,
        joined_mask: Mask,
    ) -> AppResult<Option<Vec<(T::Model, J::Model)>>> {
        if J::visible(self.scope).is_some() {
            return Ok(None);
        }
        let conds: Vec<Sql> = T::visible(self.scope).into_iter().collect();
        let rows =
            sql::by_ids_joined::<T::Model, J::Model>(&self.db, T::NAME, ids, &conds, mask, key, J::NAME, joined_mask)
                .await?;
        Ok(Some(rows))
    }
}

/// The number of active strikes (not voided, not expired) of a seller; every role sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ActiveStrikes(pub i64);

impl ActiveStrikes {
    /// A seller's active strikes as its row keeps them, while that count is exact at `now`: no
    /// strike it counted has expired since it was counted (`strikes_recount_at` is after `now`,
    /// or the seller has no active strike). Otherwise `None`, and the strikes are counted.
    pub fn kept(seller: &entity::seller::Model, now: i64) -> Option<u64> {
        match seller.strikes_recount_at {
            Some(at) if at <= now => None,
            _ => Some(seller.active_strikes.max(0) as u64),
        }
    }
}

impl Loader<ActiveStrikes> for Batcher {
    type Value = u64;
    type Error = AppError;

    async fn load(&self, keys: &[ActiveStrikes]) -> Result<HashMap<ActiveStrikes, u64>, AppError> {
        // In this function only: sea-query's `ExprTrait` is implemented for every value, and
        // its `max` would shadow `Ord::max` elsewhere here.
        use sea_orm::sea_query::ExprTrait;
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let spec = ListSpec::new("strike", &[("t.id", sql::Dir::Asc)])
            .and(t("voided").eq(false).and(t("expires_at").gt(self.now)));
        let counts = sql::count_per_parent(&self.db, &spec, "seller_id", &ids).await?;
        Ok(keys.iter().map(|k| (*k, counts.get(&k.0).copied().unwrap_or(0))).collect())
    }
}

/// The one row of `T` whose `column` refers to a given parent (an item's strike or
/// counter-notice), if the viewer may see it.
pub struct OneOf<T>(pub i64, PhantomData<T>);

impl<T> OneOf<T> {
    /// The key of the row referring to parent `id`.
    pub fn new(id: i64) -> Self {
        Self(id, PhantomData)
    }
}
impl<T> Clone for OneOf<T> {
    fn clone(&self) -> Self {
        Self::new(self.0)
    }
}
impl<T> PartialEq for OneOf<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<T> Eq for OneOf<T> {}
impl<T> Hash for OneOf<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

/// Which column of `T` points at the parent of a `OneOf<T>`.
pub trait ChildOf: Table {
    const PARENT: &'static str;
}
impl ChildOf for Strikes {
    const PARENT: &'static str = "item_id";
}
impl ChildOf for CounterNotices {
    const PARENT: &'static str = "item_id";
}

impl<T: ChildOf> Loader<OneOf<T>> for Batcher {
    type Value = T::Model;
    type Error = AppError;

    async fn load(&self, keys: &[OneOf<T>]) -> Result<HashMap<OneOf<T>, T::Model>, AppError> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        // Newest first, so that where several rows refer to one parent the latest wins.
        let spec = ListSpec::new(T::NAME, &[("t.id", sql::Dir::Desc)]).and_opt(T::visible(self.scope));
        let args = PageArgs { first: 1, after: None };
        let rows = sql::page_per_parent::<T::Model>(&self.db, &spec, T::PARENT, &ids, &args, Mask::ALL).await?;
        Ok(rows
            .into_iter()
            .filter_map(|(parent, mut rows)| {
                let first = (!rows.is_empty()).then(|| rows.swap_remove(0).1)?;
                Some((OneOf::new(parent), first))
            })
            .collect())
    }
}

/// A seller's identifiers (the caller checks that the viewer may see them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IdentifiersOf(pub i64);

impl Loader<IdentifiersOf> for Batcher {
    type Value = Vec<entity::seller_identifier::Model>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[IdentifiersOf],
    ) -> Result<HashMap<IdentifiersOf, Vec<entity::seller_identifier::Model>>, AppError> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let mut sql = Sql::new("SELECT t.* FROM seller_identifier t WHERE t.seller_id IN ", vec![]);
        sql.push_in(&ids);
        sql.push(" ORDER BY t.seller_id, t.kind, t.value", []);
        let backend = sea_orm::ConnectionTrait::get_database_backend(&self.db);
        let rows = sea_orm::ConnectionTrait::query_all_raw(&self.db, sql.build(backend)).await?;
        let mut out: HashMap<IdentifiersOf, Vec<_>> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for row in &rows {
            let m = entity::seller_identifier::Model::from_query_result(row, "")?;
            out.entry(IdentifiersOf(m.seller_id)).or_default().push(m);
        }
        Ok(out)
    }
}

/// A cursor and row of a page.
pub type PageRows<M> = Vec<(Cursor, M)>;
