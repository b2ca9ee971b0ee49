//! The rules of trademarks: registration and verification.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::auth::{Identity, Role};
use crate::error::{AppError, AppResult};
use crate::graph::Shared;
use crate::ids::Key;
use crate::ids::{GlobalId, Kind};
use crate::states::TrademarkStatus;
use crate::time::instant;
use crate::values::{self, Jurisdiction, NiceClasses, RegistrationNumber};
use crate::work::conflict_on_unique;

/// A trademark to register, its values checked and normalized.
pub struct Registration {
    pub brand: Key<crate::objects::Brand>,
    /// 1 to 200 characters.
    pub mark: String,
    pub registration_number: RegistrationNumber,
    pub jurisdiction: Jurisdiction,
    pub nice_classes: NiceClasses,
    pub expires_on: Option<chrono::NaiveDate>,
}

impl Registration {
    /// The command from a client's values; the first bad value names its input field.
    pub fn new(
        brand: Key<crate::objects::Brand>,
        mark: &str,
        registration_number: &str,
        jurisdiction: &str,
        nice_classes: &[i32],
        expires_on: Option<chrono::NaiveDate>,
    ) -> AppResult<Self> {
        Ok(Self {
            brand,
            mark: values::text(mark, 1, 200, "mark")?,
            registration_number: RegistrationNumber::parse(registration_number, "registrationNumber")?,
            jurisdiction: Jurisdiction::parse(jurisdiction, "jurisdiction")?,
            nice_classes: NiceClasses::parse(nice_classes, "niceClasses")?,
            expires_on,
        })
    }
}

/// Registers a trademark (ADMIN, BRAND_AGENT of the brand); it starts `PENDING_VERIFICATION`.
/// `(jurisdiction, registrationNumber)` is unique: a second one is `CONFLICT`.
pub async fn register(
    shared: &Shared,
    identity: &Identity,
    now: i64,
    input: Registration,
) -> AppResult<entity::trademark::Model> {
    let Registration { brand, mark, registration_number: number, jurisdiction, nice_classes: classes, .. } = input;
    let brand_id = brand.get();
    identity.require_brand_actor(brand_id, "register trademarks")?;
    if let Some(date) = input.expires_on
        && date <= instant(now).date_naive()
    {
        return Err(AppError::bad_input(
            "expiresOn",
            "expiresOn: a registration that has expired cannot be registered",
        ));
    }
    if entity::brand::Entity::find_by_id(brand_id).one(&shared.db).await?.is_none() {
        return Err(AppError::NotFound(format!("no Brand {}", GlobalId::new(Kind::Brand, brand_id))));
    }
    entity::trademark::ActiveModel {
        brand_id: Set(brand_id),
        mark: Set(mark),
        registration_number: Set(number.into_stored()),
        jurisdiction: Set(jurisdiction.into_stored()),
        nice_classes: Set(classes.stored()),
        status: Set(TrademarkStatus::PendingVerification),
        expires_on: Set(input.expires_on),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&shared.db)
    .await
    .map_err(|e| conflict_on_unique(e, "registrationNumber", "this registration is already on the registry"))
}

/// Verifies or rejects a trademark awaiting verification (ADMIN, REVIEWER).
pub async fn verify(
    shared: &Shared,
    identity: &Identity,
    trademark: Key<crate::objects::Trademark>,
    approve: bool,
) -> AppResult<entity::trademark::Model> {
    let id = trademark.get();
    identity.require_role(&[Role::Admin, Role::Reviewer], "verify trademarks")?;
    let to = if approve { TrademarkStatus::Verified } else { TrademarkStatus::Rejected };
    let done = entity::trademark::Entity::update_many()
        .col_expr(entity::trademark::Column::Status, Expr::value(to))
        .filter(entity::trademark::Column::Id.eq(id))
        .filter(entity::trademark::Column::Status.eq(TrademarkStatus::PendingVerification))
        .exec(&shared.db)
        .await?;
    let current = entity::trademark::Entity::find_by_id(id)
        .one(&shared.db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no Trademark {}", GlobalId::new(Kind::Trademark, id))))?;
    if done.rows_affected == 0 {
        return Err(AppError::conflict(format!("the trademark is {}, not PENDING_VERIFICATION", current.status)));
    }
    Ok(current)
}
