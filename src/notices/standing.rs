//! A brand's standing as a notifier (DSA Article 23): after each decision on its items, over the
//! rolling `--abuse-window`, when at least `--abuse-min-decided` items are decided and the share
//! found unfounded (rejected, reinstated, retracted) reaches `--abuse-threshold`, the brand is
//! WARNED; over it again while WARNED, at least `--abuse-warning-period` later, it is SUSPENDED
//! for `--abuse-suspension`: it may not submit, and it loses TRUSTED. An ADMIN may lift it.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::counts::{DecidedCounts, decided_counts};
use crate::auth::{Identity, Role};
use crate::error::{AppError, AppResult};
use crate::events::{ActorRole, NoticeEventKind};
use crate::graph::Shared;
use crate::ids::Key;
use crate::ids::{GlobalId, Kind};
use crate::states::SubmissionStatus;
use crate::time::micros_of as micros;
use crate::work::Work;
use entity::brand;

/// The standing of `model` at `now`: a suspension whose end has passed is over.
pub fn status_of(model: &brand::Model, now: i64) -> SubmissionStatus {
    status(model.submission_status, model.suspended_until, now)
}

/// The standing a brand's stored status and suspension end give at `now`: a suspension that has
/// ended reads as `ACTIVE` before the next decision writes it.
pub fn status(stored: SubmissionStatus, suspended_until: Option<i64>, now: i64) -> SubmissionStatus {
    match (stored, suspended_until) {
        (SubmissionStatus::Suspended, Some(until)) if until <= now => SubmissionStatus::Active,
        (status, _) => status,
    }
}

/// Who may read a brand's standing (`Brand.submissionStatus`, `submissionSuspendedUntil`): staff
/// and the brand's own agents; anyone else is refused. Both executors ask this one rule.
pub fn may_read(scope: crate::auth::Scope, brand: i64) -> AppResult<()> {
    match scope {
        crate::auth::Scope::All => Ok(()),
        crate::auth::Scope::Brand(own) if own == brand => Ok(()),
        _ => Err(AppError::Forbidden("only staff and the brand's own agents see its standing".into())),
    }
}

/// `FORBIDDEN`, with the date it ends, when the brand is suspended at `now`.
pub fn require_may_submit(model: &brand::Model, now: i64) -> AppResult<()> {
    if status_of(model, now) == SubmissionStatus::Suspended {
        let until =
            model.suspended_until.map_or_else(|| "further notice".to_owned(), |u| crate::time::instant(u).to_rfc3339());
        return Err(AppError::Forbidden(format!("the brand's notices are suspended for abuse until {until}")));
    }
    Ok(())
}

/// Re-weighs a brand's standing after a decision on one of its items (in the decision's
/// transaction, the brand's row locked): warns, suspends, or lets an ended suspension go.
/// `counted` is the brand's items decided since an instant, when the caller has counted them in
/// this transaction; they are used when that instant starts the abuse window. Returns whether
/// the brand is suspended now.
pub(crate) async fn refresh_standing(
    work: &mut Work,
    current: &brand::Model,
    counted: Option<(i64, DecidedCounts)>,
) -> AppResult<bool> {
    let now = work.now;
    let status = status_of(current, now);
    if status == SubmissionStatus::Suspended {
        return Ok(true);
    }
    let rules = &work.rules;
    let since = now.saturating_sub(micros(rules.abuse_window));
    let counts = match counted {
        Some((at, counts)) if at == since => counts,
        _ => decided_counts(&work.txn, current.id, Some(since)).await?,
    };
    let unfounded = counts.rejected + counts.reinstated;
    let over = counts.decided >= i64::from(rules.abuse_min_decided)
        && counts.decided > 0
        && unfounded as f64 / counts.decided as f64 >= rules.abuse_threshold;
    let note = format!("{unfounded} of {} decided items unfounded", counts.decided);
    let (to, warned_at, until, event) = match (status, over) {
        (SubmissionStatus::Active, true) => {
            (SubmissionStatus::Warned, Some(now), None, Some(NoticeEventKind::NotifierWarned))
        }
        (SubmissionStatus::Warned, true)
            if current.warned_at.is_some_and(|w| now >= w.saturating_add(micros(rules.abuse_warning_period))) =>
        {
            let until = now.saturating_add(micros(rules.abuse_suspension));
            (SubmissionStatus::Suspended, current.warned_at, Some(until), Some(NoticeEventKind::NotifierSuspended))
        }
        // An ended suspension is stored as over.
        (SubmissionStatus::Active, false) if current.submission_status != SubmissionStatus::Active => {
            (SubmissionStatus::Active, current.warned_at, None, None)
        }
        _ => return Ok(false),
    };
    brand::Entity::update_many()
        .col_expr(brand::Column::SubmissionStatus, Expr::value(to))
        .col_expr(brand::Column::WarnedAt, Expr::value(warned_at))
        .col_expr(brand::Column::SuspendedUntil, Expr::value(until))
        .filter(brand::Column::Id.eq(current.id))
        .exec(&work.txn)
        .await?;
    if let Some(kind) = event {
        work.event(kind, ActorRole::System, current.id, None, None, None, Some(note)).await?;
    }
    Ok(to == SubmissionStatus::Suspended)
}

/// Lifts a brand's suspension (ADMIN): ACTIVE again, event `NOTIFIER_REINSTATED`.
pub async fn lift(
    shared: &Shared,
    identity: &Identity,
    now: i64,
    brand: Key<crate::objects::Brand>,
) -> AppResult<brand::Model> {
    let brand_id = brand.get();
    identity.require_role(&[Role::Admin], "lift notifier suspensions")?;
    // Only an ADMIN lifts (checked above).
    let mut work = Work::begin(&shared.db, ActorRole::Admin, now, &shared.rules).await?;
    work.lock("brand", brand_id).await?;
    let current = brand::Entity::find_by_id(brand_id)
        .one(&work.txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no Brand {}", GlobalId::new(Kind::Brand, brand_id))))?;
    if status_of(&current, now) != SubmissionStatus::Suspended {
        return Err(AppError::conflict(format!("the brand is {}, not SUSPENDED", status_of(&current, now))));
    }
    brand::Entity::update_many()
        .col_expr(brand::Column::SubmissionStatus, Expr::value(SubmissionStatus::Active))
        .col_expr(brand::Column::SuspendedUntil, Expr::value(Option::<i64>::None))
        .filter(brand::Column::Id.eq(brand_id))
        .exec(&work.txn)
        .await?;
    let actor = work.actor;
    work.event(NoticeEventKind::NotifierReinstated, actor, brand_id, None, None, None, None).await?;
    let lifted = brand::Entity::find_by_id(brand_id)
        .one(&work.txn)
        .await?
        .ok_or_else(|| AppError::Internal("brand vanished".into()))?;
    work.commit(&shared.events).await?;
    Ok(lifted)
}
