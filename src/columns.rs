//! Rows read by position. sea-orm's `FromQueryResult` finds each column of each row by name,
//! checks its type against the column's, and formats an error for every NULL it reads as `None`:
//! on the planned dashboard query that was 40 % of the server's instructions. The store's list
//! and batch statements name their columns in the order `Columns::decode` reads them, so a row is
//! read by index, each value decoded as the one type its entity field has.

use sea_orm::sqlx::{self, Row as _};
use sea_orm::{DbErr, QueryResult};

/// An entity model read from columns `0..ARITY` of a row.
pub trait Columns: Sized {
    /// `t.a, t.b, …`: the columns, in the order `decode` reads them; the first is the row's id
    /// (`sql::by_ids` reads it from there).
    const COLUMNS: &'static str;
    /// How many columns `decode` reads; what a statement selects after them starts here.
    const ARITY: usize;
    /// The model from the first `ARITY` columns of `row`.
    fn decode(row: &QueryResult) -> Result<Self, DbErr>;
}

/// Column `i` of `row`, decoded as `T` (an `Option` for a nullable column): both backends store
/// each field as the type its entity declares (the migrations make them so), so the type is not
/// checked again per value.
pub fn at<T>(row: &QueryResult, i: usize) -> Result<T, DbErr>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres>
        + sqlx::Type<sqlx::Postgres>
        + for<'r> sqlx::Decode<'r, sqlx::Sqlite>
        + sqlx::Type<sqlx::Sqlite>,
{
    let decoded = if let Some(pg) = row.try_as_pg_row() {
        pg.try_get_unchecked::<T, _>(i)
    } else if let Some(lite) = row.try_as_sqlite_row() {
        lite.try_get_unchecked::<T, _>(i)
    } else {
        return Err(DbErr::Type("a row of neither PostgreSQL nor SQLite".into()));
    };
    decoded.map_err(|err| DbErr::Type(format!("column {i}: {err}")))
}

/// `Columns` for a model, from its fields in any order (a field missing or extra does not
/// compile, since the model is built by a struct literal of them all).
macro_rules! columns {
    ($model:ty { $first:ident $(, $field:ident)* $(,)? }) => {
        impl $crate::columns::Columns for $model {
            const COLUMNS: &'static str = concat!("t.", stringify!($first) $(, ", t.", stringify!($field))*);
            const ARITY: usize = 1 $(+ { let _ = stringify!($field); 1 })*;
            fn decode(row: &sea_orm::QueryResult) -> Result<Self, sea_orm::DbErr> {
                let mut read = 0;
                let mut index = || {
                    read += 1;
                    read - 1
                };
                Ok(Self { $first: $crate::columns::at(row, index())? $(, $field: $crate::columns::at(row, index())?)* })
            }
        }
    };
}
pub(crate) use columns;

columns!(entity::brand::Model {
    id,
    name,
    country,
    trust_tier,
    created_at,
    submission_status,
    warned_at,
    suspended_until
});
columns!(entity::trademark::Model {
    id,
    brand_id,
    mark,
    registration_number,
    jurisdiction,
    nice_classes,
    status,
    expires_on,
    created_at,
});
columns!(entity::seller::Model {
    id,
    handle,
    display_name,
    country,
    status,
    created_at,
    cluster_id,
    active_strikes,
    strikes_recount_at,
});
columns!(entity::listing::Model {
    id,
    seller_id,
    title,
    url,
    price_amount,
    price_currency,
    status,
    listed_at,
    removed_at,
    title_search,
});
columns!(entity::notice::Model {
    id,
    brand_id,
    reason,
    explanation,
    status,
    expedited,
    submitted_at,
    closed_at,
    idempotency_key,
    request_hash,
    requeued_at,
});
columns!(entity::notice_item::Model {
    id,
    notice_id,
    listing_id,
    trademark_id,
    brand_id,
    seller_id,
    status,
    submitted_at,
    decided_at,
    decision_reason,
    info_due_at,
    decided_by,
});
columns!(entity::counter_notice::Model {
    id,
    item_id,
    seller_id,
    brand_id,
    statement,
    status,
    filed_at,
    resolved_at,
    resolution_reason,
});
columns!(entity::strike::Model { id, seller_id, brand_id, item_id, issued_at, expires_at, voided });
columns!(entity::notice_event::Model { id, brand_id, notice_id, item_id, seller_id, kind, actor_role, at, note });
columns!(entity::notice_message::Model {
    id,
    notice_id,
    brand_id,
    item_id,
    kind,
    author_role,
    author_subject,
    body,
    at,
    due_at,
    answered_at,
    question_id,
});
columns!(entity::appeal::Model {
    id,
    item_id,
    notice_id,
    brand_id,
    seller_id,
    party,
    statement,
    status,
    decided_by,
    decision_at,
    filed_at,
    resolved_at,
    resolution_reason,
});
columns!(entity::statement_of_reasons::Model {
    id,
    item_id,
    notice_id,
    brand_id,
    seller_id,
    listing_id,
    procedure,
    content_removed,
    account_decision,
    automated_decision,
    keyword,
    legal_ground,
    explanation,
    facts,
    content_date,
    application_date,
    territorial_scope,
    counter_notice_until,
    appeal_until,
});
columns!(entity::evidence::Model { id, item_id, message_id, kind, url, sha256, order_number, note, added_at });
columns!(entity::seller_identifier::Model { id, seller_id, kind, value, created_at });
columns!(entity::seller_cluster::Model { id, size, active_strikes, strikes_recount_at });
