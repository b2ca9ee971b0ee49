//! Appeals (DSA Article 20): the seller may appeal the removal of its item, and the brand the
//! rejection of its item, within `--appeal-window` of the decision, once per item and party. A
//! person other than the decision's maker resolves it: UPHELD leaves the decision standing,
//! REVERSED turns it (a removal reinstated; a rejection made a removal, with all its effects).

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::retract::reinstate_item;
use super::service::{
    actor_of, item_event, lock_around, refresh_notice, refresh_trust_tier, reload_item, take_down, visible_item_by_id,
};
use crate::auth::{Identity, Role};
use crate::error::{AppError, AppResult};
use crate::events::NoticeEventKind;
use crate::graph::Shared;
use crate::ids::Key;
use crate::states::{AppealParty, AppealStatus, NoticeItemStatus, RemovalProcedure};
use crate::work::Work;
use entity::{appeal, notice_item};

/// The resolution a pending counter-notice is closed with when a removal is reversed on appeal.
pub const CLOSED_BY_APPEAL: &str = "the removal was reversed on appeal";

/// `fileAppeal`, parsed.
#[derive(Debug, Clone)]
pub struct FileAppeal {
    pub item: Key<crate::objects::NoticeItem>,
    /// 10 to 5,000 characters.
    pub statement: String,
}

/// `resolveAppeal`, parsed.
#[derive(Debug, Clone)]
pub struct ResolveAppeal {
    pub appeal: Key<crate::objects::Appeal>,
    pub reverse: bool,
    /// 1 to 2,000 characters.
    pub reason: String,
}

/// Files an appeal: a SELLER against the removal of its item, a BRAND_AGENT against the
/// rejection of its brand's item.
pub async fn file(shared: &Shared, identity: &Identity, now: i64, command: FileAppeal) -> AppResult<appeal::Model> {
    identity.require_role(&[Role::Seller, Role::BrandAgent], "file appeals")?;
    let party = if identity.role == Role::Seller { AppealParty::Seller } else { AppealParty::Brand };
    let mut work = Work::begin(&shared.db, actor_of(identity), now, &shared.rules).await?;
    let item = visible_item_by_id(&work, identity, command.item).await?;
    lock_around(&work, &item).await?;
    let item = reload_item(&work, item.id).await?;
    let appealable = match party {
        AppealParty::Seller => NoticeItemStatus::Removed,
        AppealParty::Brand => NoticeItemStatus::Rejected,
    };
    if party == AppealParty::Seller && item.status == NoticeItemStatus::Countered {
        return Err(AppError::conflict("a counter-notice on this item is pending: appeal once it is resolved"));
    }
    if item.status != appealable {
        return Err(AppError::conflict(format!(
            "the {} appeals a {} item; this one is {}",
            party.as_db().to_lowercase(),
            appealable.as_db(),
            item.status
        )));
    }
    let window = crate::time::micros_of(shared.rules.appeal_window);
    if item.decided_at.is_none_or(|decided| now > decided.saturating_add(window)) {
        return Err(AppError::conflict("the appeal window of this decision has closed"));
    }
    let filed = appeal::ActiveModel {
        item_id: Set(item.id),
        notice_id: Set(item.notice_id),
        brand_id: Set(item.brand_id),
        seller_id: Set(item.seller_id),
        party: Set(party),
        statement: Set(command.statement),
        status: Set(AppealStatus::Pending),
        decided_by: Set(item.decided_by.clone()),
        decision_at: Set(item.decided_at),
        filed_at: Set(now),
        resolved_at: Set(None),
        resolution_reason: Set(None),
        ..Default::default()
    }
    .insert(&work.txn)
    .await
    .map_err(|e| crate::work::conflict_on_unique(e, "itemId", "this party appealed this item already"))?;
    let actor = work.actor;
    item_event(&mut work, NoticeEventKind::AppealFiled, actor, &item, None).await?;
    work.commit(&shared.events).await?;
    Ok(filed)
}

/// Resolves a `PENDING` appeal (REVIEWER, ADMIN), never by whoever made the decision under it.
pub async fn resolve(
    shared: &Shared,
    identity: &Identity,
    now: i64,
    command: ResolveAppeal,
) -> AppResult<appeal::Model> {
    identity.require_role(&[Role::Admin, Role::Reviewer], "resolve appeals")?;
    let mut work = Work::begin(&shared.db, actor_of(identity), now, &shared.rules).await?;
    let filed = appeal::Entity::find_by_id(command.appeal)
        .one(&work.txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no Appeal {}", command.appeal)))?;
    if filed.decided_by.as_deref() == Some(identity.subject.as_str()) {
        return Err(AppError::Forbidden("whoever made a decision may not review the appeal against it".into()));
    }
    let item = reload_item(&work, filed.item_id).await?;
    lock_around(&work, &item).await?;
    let to = if command.reverse { AppealStatus::Reversed } else { AppealStatus::Upheld };
    let done = appeal::Entity::update_many()
        .col_expr(appeal::Column::Status, Expr::value(to))
        .col_expr(appeal::Column::ResolvedAt, Expr::value(now))
        .col_expr(appeal::Column::ResolutionReason, Expr::value(command.reason.clone()))
        .filter(appeal::Column::Id.eq(filed.id))
        .filter(appeal::Column::Status.eq(AppealStatus::Pending))
        .exec(&work.txn)
        .await?;
    if done.rows_affected != 1 {
        return Err(AppError::conflict(format!("the appeal is {}, not PENDING", filed.status)));
    }
    let item = reload_item(&work, filed.item_id).await?;
    let actor = work.actor;
    if command.reverse {
        if filed.party == AppealParty::Seller {
            if ![NoticeItemStatus::Removed, NoticeItemStatus::Countered].contains(&item.status) {
                return Err(AppError::conflict(format!(
                    "the item is {} now: there is no removal to reverse",
                    item.status
                )));
            }
            reinstate_item(&work, &item, CLOSED_BY_APPEAL).await?;
        } else {
            make_removal(&work, &item, &identity.subject, &command.reason).await?;
        }
        item_event(&mut work, NoticeEventKind::AppealReversed, actor, &item, Some(command.reason)).await?;
    } else {
        item_event(&mut work, NoticeEventKind::AppealUpheld, actor, &item, Some(command.reason)).await?;
    }
    refresh_notice(&work, item.notice_id).await?;
    refresh_trust_tier(&mut work, item.brand_id).await?;
    let resolved = appeal::Entity::find_by_id(filed.id)
        .one(&work.txn)
        .await?
        .ok_or_else(|| AppError::Internal("appeal vanished".into()))?;
    work.commit(&shared.events).await?;
    Ok(resolved)
}

/// Turns a `REJECTED` item into a removal decided now by `by`, with every effect of one.
async fn make_removal(work: &Work, item: &notice_item::Model, by: &str, reason: &str) -> AppResult<()> {
    let moved = notice_item::Entity::update_many()
        .col_expr(notice_item::Column::Status, Expr::value(NoticeItemStatus::Removed))
        .col_expr(notice_item::Column::DecidedAt, Expr::value(work.now))
        .col_expr(notice_item::Column::DecidedBy, Expr::value(by))
        .col_expr(notice_item::Column::DecisionReason, Expr::value(reason))
        .filter(notice_item::Column::Id.eq(item.id))
        .filter(notice_item::Column::Status.eq(NoticeItemStatus::Rejected))
        .exec(&work.txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(AppError::conflict(format!("the item is {} now: there is no rejection to reverse", item.status)));
    }
    take_down(work, item, RemovalProcedure::Appeal).await
}
