//! Withdrawing a notice (CONTRACT.md section 4, "Withdrawal").

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use super::service::{actor_of, refresh_notice};
use crate::auth::{Identity, Role};
use crate::error::{AppError, AppResult};
use crate::events::NoticeEventKind;
use crate::graph::Shared;
use crate::ids::Key;
use crate::ids::{self, Kind};
use crate::states::{NoticeItemStatus, NoticeStatus};
use crate::work::Work;
use entity::{notice, notice_item};

/// Withdraws an `OPEN` notice's `PENDING` items (CONTRACT.md section 4, "Withdrawal").
pub async fn withdraw(
    shared: &Shared,
    identity: &Identity,
    now: i64,
    notice: Key<crate::objects::Notice>,
) -> AppResult<notice::Model> {
    let id = notice.get();
    identity.require_role(&[Role::Admin, Role::BrandAgent], "withdraw notices")?;
    let mut work = Work::begin(&shared.db, actor_of(identity), now, &shared.rules).await?;
    if let Some(n) = notice::Entity::find_by_id(id).one(&work.txn).await? {
        work.lock("brand", n.brand_id).await?;
    }
    work.lock("notice", id).await?;
    let conds: Vec<crate::sql::Sql> = crate::auth::visibility::notice(identity.scope()).into_iter().collect();
    let current = crate::sql::by_ids::<notice::Model, Vec<_>>(&work.txn, "notice", &[id], &conds)
        .await?
        .pop()
        .map(|(_, row)| row)
        .ok_or_else(|| AppError::NotFound(format!("no Notice {}", ids::GlobalId::new(Kind::Notice, id))))?;
    if current.status != NoticeStatus::Open {
        return Err(AppError::conflict(format!(
            "only an OPEN notice can be withdrawn; this one is {}",
            current.status
        )));
    }
    // An item waiting for the brand's answer is withdrawn with the rest: the brand gave up.
    let withdrawn = notice_item::Entity::update_many()
        .col_expr(notice_item::Column::Status, Expr::value(NoticeItemStatus::Withdrawn))
        .col_expr(notice_item::Column::InfoDueAt, Expr::value(Option::<i64>::None))
        .filter(notice_item::Column::NoticeId.eq(id))
        .filter(notice_item::Column::Status.is_in([NoticeItemStatus::Pending, NoticeItemStatus::InfoRequested]))
        .exec(&work.txn)
        .await?;
    if withdrawn.rows_affected == 0 {
        return Err(AppError::conflict("the notice has no PENDING item left to withdraw"));
    }
    let actor = work.actor;
    work.event(NoticeEventKind::NoticeWithdrawn, actor, current.brand_id, Some(id), None, None, None).await?;
    let ever_decided = notice_item::Entity::find()
        .filter(notice_item::Column::NoticeId.eq(id))
        .filter(notice_item::Column::DecidedAt.is_not_null())
        .count(&work.txn)
        .await?
        > 0;
    if ever_decided {
        refresh_notice(&work, id).await?;
    } else {
        notice::Entity::update_many()
            .col_expr(notice::Column::Status, Expr::value(NoticeStatus::Withdrawn))
            .col_expr(notice::Column::ClosedAt, Expr::value(now))
            .filter(notice::Column::Id.eq(id))
            .exec(&work.txn)
            .await?;
    }
    let after = notice::Entity::find_by_id(id)
        .one(&work.txn)
        .await?
        .ok_or_else(|| AppError::Internal("notice vanished".into()))?;
    work.commit(&shared.events).await?;
    Ok(after)
}
