//! The small realistic data set `serve --demo` loads into an empty database, and the banner of
//! ready tokens it prints.
//!
//! The story is written through the same services as the API, each step its own transaction, so
//! the demo shows only states the rules reach. Those transactions cannot be joined into one, so
//! the load is made all-or-nothing another way: the story is fitted to the configured windows
//! before anything is written (or refused, naming the window, when a state cannot be shown under
//! it), and a load that still fails half-way empties every table it wrote to (it only runs on an
//! empty database, before this process serves anything).

mod banner;
mod story;
mod timeline;

use sea_orm::sea_query::{Expr, Query, TableRef};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityName};

use crate::channel::service as channel;
use crate::error::AppResult;
use crate::graph::Shared;
use crate::time::now_micros;

pub use banner::{KeyOrigin, banner, banner_with_console};
use timeline::Timeline;

/// Loads the demo data set when every table it writes to is empty; says whether it did. Writes
/// everything or nothing: a window under which a state cannot be shown is refused before the
/// first write, and a load that fails half-way removes what it wrote before answering the error.
///
/// The data set shows notices open, closed and withdrawn, a trusted brand with an expedited
/// notice, a suspended seller, a reinstated listing, a pending counter-notice, a retraction,
/// appeals reversed and pending, a WARNED and a SUSPENDED notifier, and the channel: an item
/// waiting for its brand's answer, one answered with evidence, one rejected for silence, and a
/// thread.
pub async fn load_demo(shared: &Shared) -> Result<bool, String> {
    if !is_empty(&shared.db).await.map_err(|e| format!("cannot read the database: {e}"))? {
        return Ok(false);
    }
    let timeline = Timeline::new(now_micros(), &shared.rules)?;
    let Err(failure) = story::tell(shared, &timeline).await else {
        return Ok(true);
    };
    let failure = failure.message().to_owned();
    match empty(shared).await {
        Ok(()) => Err(format!("{failure}; the rows written before that were removed: the database is empty again")),
        Err(e) => Err(format!(
            "{failure}; removing the rows written before that failed too ({}): empty the database before trying again",
            e.message()
        )),
    }
}

/// Every table the demo writes to, each before the tables its foreign keys point at: the demo
/// loads only when all are empty, and empties them in this order when it fails.
fn tables() -> [TableRef; 15] {
    [
        entity::statement_of_reasons::Entity.table_ref(),
        entity::evidence::Entity.table_ref(),
        entity::notice_message::Entity.table_ref(),
        entity::appeal::Entity.table_ref(),
        entity::notice_event::Entity.table_ref(),
        entity::strike::Entity.table_ref(),
        entity::counter_notice::Entity.table_ref(),
        entity::notice_item::Entity.table_ref(),
        entity::notice::Entity.table_ref(),
        entity::listing::Entity.table_ref(),
        entity::seller_identifier::Entity.table_ref(),
        entity::seller::Entity.table_ref(),
        entity::seller_cluster::Entity.table_ref(),
        entity::trademark::Entity.table_ref(),
        entity::brand::Entity.table_ref(),
    ]
}

/// Whether every table the demo writes to is empty.
async fn is_empty(db: &DatabaseConnection) -> Result<bool, sea_orm::DbErr> {
    for table in tables() {
        let any = Query::select().expr(Expr::val(1)).from(table).limit(1).to_owned();
        if db.query_one(&any).await?.is_some() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Empties every table the demo writes to, in one transaction, and forgets the deadlines of the
/// questions it asked.
async fn empty(shared: &Shared) -> AppResult<()> {
    let txn = crate::work::begin_write(&shared.db).await?;
    for table in tables() {
        txn.execute(&Query::delete().from_table(table).to_owned()).await?;
    }
    txn.commit().await?;
    channel::learn_deadlines(shared).await
}
