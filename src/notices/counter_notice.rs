//! Counter-notices: a seller answers a removal, a reviewer resolves the answer (CONTRACT.md
//! section 4, "Counter-notices").

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::service::{
    actor_of, item_event, lock_around, refresh_notice, refresh_trust_tier, reload_item, undo_removal,
    visible_item_by_id,
};
use crate::auth::{Identity, Role};
use crate::error::{AppError, AppResult};
use crate::events::NoticeEventKind;
use crate::graph::Shared;
use crate::ids::Key;
use crate::states::{CounterNoticeStatus, NoticeItemStatus};
use crate::values;
use crate::work::Work;
use entity::{counter_notice, notice_item};

/// A seller's counter-notice on a removal.
#[derive(Debug, Clone)]
pub struct CounterNoticeFiling {
    pub item: Key<crate::objects::NoticeItem>,
    /// 10 to 5,000 characters.
    pub statement: String,
}

impl CounterNoticeFiling {
    /// The command from a client's values; bad input names its field.
    pub fn parse(item: &str, statement: &str) -> AppResult<Self> {
        Ok(Self {
            item: Key::<crate::objects::NoticeItem>::decode(item, "itemId")?,
            statement: values::text(statement, 10, 5000, "statement")?,
        })
    }
}

/// Files a counter-notice on a `REMOVED` item of the seller's own listing, within the window.
pub async fn file_counter_notice(
    shared: &Shared,
    identity: &Identity,
    now: i64,
    command: CounterNoticeFiling,
) -> AppResult<counter_notice::Model> {
    identity.require_role(&[Role::Seller], "file counter-notices")?;
    let CounterNoticeFiling { item, statement } = command;
    let mut work = Work::begin(&shared.db, actor_of(identity), now, &shared.rules).await?;
    let item = visible_item_by_id(&work, identity, item).await?;
    lock_around(&work, &item).await?;
    if item.status != NoticeItemStatus::Removed {
        return Err(AppError::conflict(format!(
            "a counter-notice answers a REMOVED item; this one is {}",
            item.status
        )));
    }
    let window = crate::time::micros_of(work.rules.counter_notice_window);
    if item.decided_at.is_none_or(|removed| now > removed.saturating_add(window)) {
        return Err(AppError::conflict("the counter-notice window of this removal has closed"));
    }
    let filed = counter_notice::ActiveModel {
        item_id: Set(item.id),
        seller_id: Set(item.seller_id),
        brand_id: Set(item.brand_id),
        statement: Set(statement),
        status: Set(CounterNoticeStatus::Pending),
        filed_at: Set(now),
        resolved_at: Set(None),
        resolution_reason: Set(None),
        ..Default::default()
    }
    .insert(&work.txn)
    .await
    .map_err(|e| crate::work::conflict_on_unique(e, "itemId", "a counter-notice was filed for this item already"))?;
    let moved = notice_item::Entity::update_many()
        .col_expr(notice_item::Column::Status, Expr::value(NoticeItemStatus::Countered))
        .filter(notice_item::Column::Id.eq(item.id))
        .filter(notice_item::Column::Status.eq(NoticeItemStatus::Removed))
        .exec(&work.txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(AppError::conflict("the item changed meanwhile"));
    }
    let actor = work.actor;
    item_event(&mut work, NoticeEventKind::CounterNoticeFiled, actor, &item, None).await?;
    refresh_notice(&work, item.notice_id).await?;
    work.commit(&shared.events).await?;
    Ok(filed)
}

/// A reviewer's resolution of a counter-notice.
#[derive(Debug, Clone)]
pub struct CounterNoticeResolution {
    pub counter_notice: Key<crate::objects::CounterNotice>,
    /// `REINSTATE` (else `UPHOLD`).
    pub reinstate: bool,
    /// 1 to 2,000 characters.
    pub reason: Option<String>,
}

impl CounterNoticeResolution {
    /// The command from a client's values; bad input names its field.
    pub fn parse(counter_notice: &str, reinstate: bool, reason: Option<String>) -> AppResult<Self> {
        Ok(Self {
            counter_notice: Key::<crate::objects::CounterNotice>::decode(counter_notice, "counterNoticeId")?,
            reinstate,
            reason: reason.map(|r| values::text(&r, 1, 2000, "reason")).transpose()?,
        })
    }
}

/// Resolves a `PENDING` counter-notice: `REINSTATE` (listing back, strike voided) or `UPHOLD`.
pub async fn resolve_counter_notice(
    shared: &Shared,
    identity: &Identity,
    now: i64,
    command: CounterNoticeResolution,
) -> AppResult<counter_notice::Model> {
    identity.require_role(&[Role::Admin, Role::Reviewer], "resolve counter-notices")?;
    let CounterNoticeResolution { counter_notice: id, reinstate, reason } = command;
    let mut work = Work::begin(&shared.db, actor_of(identity), now, &shared.rules).await?;
    let cn = counter_notice::Entity::find_by_id(id)
        .one(&work.txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no CounterNotice {}", id)))?;
    lock_around(&work, &reload_item(&work, cn.item_id).await?).await?;
    let to = if reinstate { CounterNoticeStatus::Accepted } else { CounterNoticeStatus::Rejected };
    let done = counter_notice::Entity::update_many()
        .col_expr(counter_notice::Column::Status, Expr::value(to))
        .col_expr(counter_notice::Column::ResolvedAt, Expr::value(now))
        .col_expr(counter_notice::Column::ResolutionReason, Expr::value(reason.clone()))
        .filter(counter_notice::Column::Id.eq(id))
        .filter(counter_notice::Column::Status.eq(CounterNoticeStatus::Pending))
        .exec(&work.txn)
        .await?;
    if done.rows_affected != 1 {
        return Err(AppError::conflict(format!("the counter-notice is {}, not PENDING", cn.status)));
    }
    let item = reload_item(&work, cn.item_id).await?;
    let item_to = if reinstate { NoticeItemStatus::Reinstated } else { NoticeItemStatus::Removed };
    notice_item::Entity::update_many()
        .col_expr(notice_item::Column::Status, Expr::value(item_to))
        .filter(notice_item::Column::Id.eq(item.id))
        .exec(&work.txn)
        .await?;
    let actor = work.actor;
    if reinstate {
        undo_removal(&work, &item).await?;
        item_event(&mut work, NoticeEventKind::ListingReinstated, actor, &item, reason).await?;
    } else {
        item_event(&mut work, NoticeEventKind::CounterNoticeRejected, actor, &item, reason).await?;
    }
    refresh_notice(&work, item.notice_id).await?;
    refresh_trust_tier(&mut work, item.brand_id).await?;
    let resolved = counter_notice::Entity::find_by_id(id)
        .one(&work.txn)
        .await?
        .ok_or_else(|| AppError::Internal("counter-notice vanished".into()))?;
    work.commit(&shared.events).await?;
    Ok(resolved)
}
