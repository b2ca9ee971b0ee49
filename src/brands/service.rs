//! The rules of brands.

use sea_orm::{ActiveModelTrait, Set};

use crate::auth::{Identity, Role};
use crate::error::AppResult;
use crate::graph::Shared;
use crate::states::TrustTier;
use crate::values::{self, Country};

/// A brand to create, its values checked and normalized.
pub struct NewBrand {
    /// 1 to 200 characters.
    pub name: String,
    pub country: Country,
}

impl NewBrand {
    /// The command from a client's values; the first bad value names its input field.
    pub fn new(name: &str, country: &str) -> AppResult<Self> {
        Ok(Self { name: values::text(name, 1, 200, "name")?, country: Country::parse(country, "country")? })
    }
}

/// Creates a brand (ADMIN); it starts `STANDARD`.
pub async fn create(
    shared: &Shared,
    identity: &Identity,
    now: i64,
    input: NewBrand,
) -> AppResult<entity::brand::Model> {
    identity.require_role(&[Role::Admin], "create brands")?;
    let NewBrand { name, country } = input;
    Ok(entity::brand::ActiveModel {
        name: Set(name),
        country: Set(country.into_stored()),
        trust_tier: Set(TrustTier::Standard),
        created_at: Set(now),
        // Columns added by later migrations are written, never left to their default: sqlx's
        // SQLite driver has been seen to return NULL for such a default in `RETURNING`.
        submission_status: Set(crate::states::SubmissionStatus::Active),
        warned_at: Set(None),
        suspended_until: Set(None),
        ..Default::default()
    }
    .insert(&shared.db)
    .await?)
}
