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
    /// The fields, in the order of `COLUMNS`.
    const FIELDS: &'static [&'static str];
    /// The model from the first `ARITY` columns of `row`.
    fn decode(row: &QueryResult) -> Result<Self, DbErr> {
        Self::decode_some(row, Mask::ALL)
    }
    /// The model from the columns of `mask` (`mask.columns::<Self>()`, in that order): each
    /// field outside the mask is its type's default (an empty string, `None`, 0), read from no
    /// column and allocating nothing.
    fn decode_some(row: &QueryResult, mask: Mask) -> Result<Self, DbErr> {
        Self::decode_from(row, mask, 0)
    }
    /// `decode_some` from the columns starting at `first` (a model read after another one in
    /// the same row).
    fn decode_from(row: &QueryResult, mask: Mask, first: usize) -> Result<Self, DbErr>;
}

/// Which fields of a model a statement selects (bit `i`: field `i` of `Columns::FIELDS`). The
/// planned executor selects only the fields its plan writes: the dashboard's rows carry long
/// texts (a notice's explanation, a listing's search title) that it never shows, and each text
/// decoded is an allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mask(u64);

impl Mask {
    /// Every field.
    pub const ALL: Mask = Mask(u64::MAX);
    /// The id alone (a model's first field, always selected).
    pub const ID: Mask = Mask(1);

    /// This mask and field `name` of `M`, which must be one of its fields. The planner's writers
    /// bind the fields they name (`plan::schema`'s `column!`), so a name that is not a field does
    /// not compile there; the few names typed as text (`activeStrikeCount`, `price`) are checked
    /// here in debug builds, and an unknown one selects every field in release builds.
    pub fn with<M: Columns>(self, name: &str) -> Mask {
        match M::FIELDS.iter().position(|f| *f == name) {
            Some(i) => Mask(self.0 | 1 << i),
            None => {
                debug_assert!(false, "{name} is not a field");
                Mask::ALL
            }
        }
    }

    /// Whether field `i` is selected (the id always is).
    fn has(self, i: usize) -> bool {
        i == 0 || self.0 & (1 << i) != 0
    }

    /// How many columns `M::decode_some` reads with this mask.
    pub fn arity<M: Columns>(self) -> usize {
        (0..M::FIELDS.len()).filter(|&i| self.has(i)).count()
    }

    /// The columns `M::decode_some` reads with this mask, as `t.a, t.b, …`.
    pub fn columns<M: Columns>(self) -> std::borrow::Cow<'static, str> {
        self.columns_of::<M>("t")
    }

    /// The columns `M::decode_some` reads with this mask, of the row aliased `alias`.
    pub fn columns_of<M: Columns>(self, alias: &str) -> std::borrow::Cow<'static, str> {
        if alias == "t" && self.arity::<M>() == M::ARITY {
            return M::COLUMNS.into();
        }
        let mut text = String::new();
        for (i, field) in M::FIELDS.iter().enumerate().filter(|&(i, _)| self.has(i)) {
            if i > 0 {
                text.push_str(", ");
            }
            text.push_str(alias);
            text.push('.');
            text.push_str(field);
        }
        text.into()
    }

    /// The index of the next column a `decode_some` reads after field `field` (by position),
    /// or `None` when the mask leaves it out; `read` counts the columns read so far.
    #[doc(hidden)]
    pub fn next(self, field: &mut usize, read: &mut usize) -> Option<usize> {
        let i = *field;
        *field += 1;
        if !self.has(i) {
            return None;
        }
        *read += 1;
        Some(*read - 1)
    }
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
            const FIELDS: &'static [&'static str] = &[stringify!($first) $(, stringify!($field))*];
            fn decode_from(
                row: &sea_orm::QueryResult,
                mask: $crate::columns::Mask,
                first: usize,
            ) -> Result<Self, sea_orm::DbErr> {
                let (mut field, mut read) = (0, first);
                let mut next = || mask.next(&mut field, &mut read);
                Ok(Self {
                    $first: $crate::columns::at(row, next().unwrap_or(first))?
                    $(, $field: match next() {
                        Some(i) => $crate::columns::at(row, i)?,
                        None => Default::default(),
                    })*
                })
            }
        }
        // A `Mask` has a bit per field.
        const _: () = assert!(<$model as $crate::columns::Columns>::ARITY <= 64, "a Mask holds at most 64 fields");
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
