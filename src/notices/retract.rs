//! Retraction: a brand takes back the removal of one of its items (a listing it got wrong). The
//! item and the listing are REINSTATED, the strike is voided, the seller's status recomputed, and
//! a counter-notice still pending is closed as ACCEPTED: the seller was right. It counts as a
//! reinstatement in the brand's figures and trust tier.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

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
use crate::work::Work;
use entity::{counter_notice, notice_item};

/// The resolution a pending counter-notice is closed with when the brand retracts.
pub const CLOSED_BY_RETRACTION: &str = "the brand retracted the removal";

/// `retractNoticeItem`, parsed.
#[derive(Debug, Clone)]
pub struct Retraction {
    pub item: Key<crate::objects::NoticeItem>,
    /// 1 to 2,000 characters.
    pub reason: String,
}

/// Retracts the removal of a REMOVED or COUNTERED item (the brand's BRAND_AGENT, ADMIN).
pub async fn retract(
    shared: &Shared,
    identity: &Identity,
    now: i64,
    command: Retraction,
) -> AppResult<notice_item::Model> {
    identity.require_role(&[Role::Admin, Role::BrandAgent], "retract removals")?;
    let mut work = Work::begin(&shared.db, actor_of(identity), now, &shared.rules).await?;
    let item = visible_item_by_id(&work, identity, command.item).await?;
    lock_around(&work, &item).await?;
    let item = reload_item(&work, item.id).await?;
    if ![NoticeItemStatus::Removed, NoticeItemStatus::Countered].contains(&item.status) {
        return Err(AppError::conflict(format!(
            "only a REMOVED or COUNTERED item can be retracted; this one is {}",
            item.status
        )));
    }
    reinstate_item(&work, &item, CLOSED_BY_RETRACTION).await?;
    let actor = work.actor;
    item_event(&mut work, NoticeEventKind::ItemRetracted, actor, &item, Some(command.reason)).await?;
    refresh_notice(&work, item.notice_id).await?;
    refresh_trust_tier(&mut work, item.brand_id).await?;
    let retracted = reload_item(&work, item.id).await?;
    work.commit(&shared.events).await?;
    Ok(retracted)
}

/// Reinstates a `REMOVED` or `COUNTERED` item: item and listing `REINSTATED` (the listing unless
/// another brand's removal of it stands), strike voided, seller recomputed, and a counter-notice
/// still pending closed as `ACCEPTED` with `resolution`.
pub(crate) async fn reinstate_item(work: &Work, item: &notice_item::Model, resolution: &str) -> AppResult<()> {
    let retractable = [NoticeItemStatus::Removed, NoticeItemStatus::Countered];
    let moved = notice_item::Entity::update_many()
        .col_expr(notice_item::Column::Status, Expr::value(NoticeItemStatus::Reinstated))
        .filter(notice_item::Column::Id.eq(item.id))
        .filter(notice_item::Column::Status.is_in(retractable))
        .exec(&work.txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(AppError::conflict("the item changed meanwhile"));
    }
    counter_notice::Entity::update_many()
        .col_expr(counter_notice::Column::Status, Expr::value(CounterNoticeStatus::Accepted))
        .col_expr(counter_notice::Column::ResolvedAt, Expr::value(work.now))
        .col_expr(counter_notice::Column::ResolutionReason, Expr::value(resolution))
        .filter(counter_notice::Column::ItemId.eq(item.id))
        .filter(counter_notice::Column::Status.eq(CounterNoticeStatus::Pending))
        .exec(&work.txn)
        .await?;
    undo_removal(work, item).await
}
