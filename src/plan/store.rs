//! What running a plan holds: the rows it loaded (`Store`), what a level of it asks (`Needs`),
//! who it runs for (`At`), and how it ends without an answer (`Stop`).

use std::collections::HashMap as StdMap;

use super::schema::Row;
use crate::analytics::service::ClusterRow;
use crate::auth::Identity;
use crate::error::AppError;
use crate::fields::Fallback;
use crate::ids::Kind;
use crate::loaders::{Brands, CounterNotices, Events, Items, Listings, Notices, Sellers, Strikes, Table, Trademarks};
use crate::notices::stats::{BrandStats, StatsKey};
use crate::pagination::Cursor;

/// Who a plan runs for, and at what instant.
pub(super) struct At<'a> {
    pub(super) identity: &'a Identity,
    pub(super) now: i64,
}

/// How running a plan can end without an answer.
#[derive(Debug)]
pub enum Stop {
    /// The general executor answers the request (it knows the error to answer).
    Fallback(Fallback),
    /// The database failed: answered at once as an internal error, rather than tried again by
    /// the general executor (which would wait as long again for a database that is down).
    Failed(AppError),
}

impl From<Fallback> for Stop {
    fn from(f: Fallback) -> Self {
        Stop::Fallback(f)
    }
}

/// A load's error: an internal one is the database's; any other is an answer the general
/// executor gives (a cursor of another list).
pub(super) fn failed(err: AppError) -> Stop {
    match err {
        AppError::Internal(_) => Stop::Failed(err),
        _ => Stop::Fallback(Fallback("a load answers an error")),
    }
}

/// A map keyed by row ids: hashed by FxHash (the hasher of rustc), not SipHash, since the keys
/// are ours, not an attacker's: finding rows took a tenth of the planner's time.
pub(super) type Map<K, V> = StdMap<K, V, rustc_hash::FxBuildHasher>;

/// The rows a plan loaded.
#[derive(Default)]
pub(super) struct Store {
    pub(super) brands: Map<i64, entity::brand::Model>,
    pub(super) trademarks: Map<i64, entity::trademark::Model>,
    pub(super) sellers: Map<i64, entity::seller::Model>,
    pub(super) listings: Map<i64, entity::listing::Model>,
    pub(super) notices: Map<i64, entity::notice::Model>,
    pub(super) items: Map<i64, entity::notice_item::Model>,
    pub(super) counter_notices: Map<i64, entity::counter_notice::Model>,
    pub(super) strikes: Map<i64, entity::strike::Model>,
    pub(super) events: Map<i64, entity::notice_event::Model>,
    /// Per root list (by its place in the root): its rows, and its count when asked.
    pub(super) roots: Map<usize, Vec<(Cursor, i64)>>,
    pub(super) root_totals: Map<usize, u64>,
    /// The row of a table that refers to a parent (`OneOf`), by table and parent.
    pub(super) one_of: Map<(Kind, i64), Option<i64>>,
    /// Per page of the plan: each parent's rows (cursor and id), one more than asked when there
    /// is a next page.
    pub(super) pages: Map<(usize, i64), Vec<(Cursor, i64)>>,
    pub(super) counts: Map<(usize, i64), u64>,
    pub(super) active_strikes: Map<i64, u64>,
    pub(super) stats: Map<StatsKey, BrandStats>,
    /// Per root `offenderClusters` (by its place in the root): its rows.
    pub(super) clusters: Map<usize, Vec<(Cursor, ClusterRow)>>,
    /// Per seller and `maxHops`, its network.
    pub(super) networks: Map<(i64, i32), crate::analytics::types::OffenderNetwork>,
}

impl Store {
    pub(super) fn row(&self, obj: Kind, id: i64) -> Option<Row<'_>> {
        match obj {
            Kind::Brand => self.brands.get(&id).map(Row::Brand),
            Kind::Trademark => self.trademarks.get(&id).map(Row::Trademark),
            Kind::Seller => self.sellers.get(&id).map(Row::Seller),
            Kind::Listing => self.listings.get(&id).map(Row::Listing),
            Kind::Notice => self.notices.get(&id).map(Row::Notice),
            Kind::NoticeItem => self.items.get(&id).map(Row::NoticeItem),
            Kind::CounterNotice => self.counter_notices.get(&id).map(Row::CounterNotice),
            Kind::Strike => self.strikes.get(&id).map(Row::Strike),
            Kind::NoticeEvent => self.events.get(&id).map(Row::NoticeEvent),
            Kind::NoticeMessage | Kind::Appeal | Kind::StatementOfReasons => None,
        }
    }

    pub(super) fn has(&self, obj: Kind, id: i64) -> bool {
        self.row(obj, id).is_some()
    }
}

/// A table's rows and how they go into the store.
pub(super) trait Stored: Table {
    fn id(m: &Self::Model) -> i64;
    fn rows(store: &mut Store) -> &mut Map<i64, Self::Model>;
}

macro_rules! stored {
    ($table:ty, $field:ident) => {
        impl Stored for $table {
            fn id(m: &Self::Model) -> i64 {
                m.id
            }
            fn rows(store: &mut Store) -> &mut Map<i64, Self::Model> {
                &mut store.$field
            }
        }
    };
}

stored!(Brands, brands);
stored!(Trademarks, trademarks);
stored!(Sellers, sellers);
stored!(Listings, listings);
stored!(Notices, notices);
stored!(Items, items);
stored!(CounterNotices, counter_notices);
stored!(Strikes, strikes);
stored!(Events, events);

/// What one level asks, merged over every selection of the level.
#[derive(Default)]
pub(super) struct Needs {
    pub(super) rows: Map<Kind, Vec<i64>>,
    pub(super) pages: Map<usize, Vec<i64>>,
    pub(super) counts: Map<usize, Vec<i64>>,
    pub(super) active_strikes: Vec<i64>,
    pub(super) one_of: Map<Kind, Vec<i64>>,
    pub(super) stats: Vec<StatsKey>,
    /// Networks to walk: seller and `maxHops`.
    pub(super) networks: Vec<(i64, i32)>,
}
