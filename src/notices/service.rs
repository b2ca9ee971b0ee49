//! The steps the enforcement workflow's operations share: removing an item with its strike and
//! statement, recomputing a seller's, a notice's and a brand's standing, locks and events. Each
//! operation is its own module (`submit`, `decide`, `withdraw`, `counter_notice`, `retract`,
//! `appeal`, `standing`), one transaction per change.

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use crate::auth::{Identity, Role};
use crate::error::{AppError, AppResult};
use crate::events::{ActorRole, NoticeEventKind};
use crate::ids::{self};
use crate::statements::service::Restriction;
use crate::states::{
    AccountDecision, ListingStatus, NoticeItemStatus, NoticeMessageKind, NoticeStatus, RemovalProcedure, SellerStatus,
    TrustTier,
};
use crate::work::Work;

use super::counts::decided_counts;
use entity::{brand, listing, notice, notice_item, notice_message, seller, strike};

/// The role an identity writes events as.
pub fn actor_of(identity: &Identity) -> ActorRole {
    match identity.role {
        Role::Admin => ActorRole::Admin,
        Role::Reviewer => ActorRole::Reviewer,
        Role::Analyst => ActorRole::Analyst,
        Role::BrandAgent => ActorRole::BrandAgent,
        Role::Seller => ActorRole::Seller,
    }
}

/// Removes `item` (a `REMOVE` decision, or a good-faith takedown by SYSTEM): item `REMOVED`,
/// listing `REMOVED`, one strike for the seller from the notice's brand, seller status updated.
pub(crate) async fn remove(
    work: &mut Work,
    item: notice_item::Model,
    actor: ActorRole,
    by: Option<&str>,
    reason: Option<String>,
) -> AppResult<()> {
    decide_pending(work, &item, NoticeItemStatus::Removed, by, reason.clone()).await?;
    let procedure = if actor == ActorRole::System { RemovalProcedure::Expedited } else { RemovalProcedure::Review };
    take_down(work, &item, procedure).await?;
    item_event(work, NoticeEventKind::ItemRemoved, actor, &item, reason).await
}

/// What a removal does beyond the item: listing `REMOVED`, one strike for the seller from the
/// notice's brand, seller status updated, and the statement of reasons that explains it all.
pub(crate) async fn take_down(work: &Work, item: &notice_item::Model, procedure: RemovalProcedure) -> AppResult<()> {
    work.lock("listing", item.listing_id).await?;
    listing::Entity::update_many()
        .col_expr(listing::Column::Status, Expr::value(ListingStatus::Removed))
        .col_expr(listing::Column::RemovedAt, Expr::value(work.now))
        .filter(listing::Column::Id.eq(item.listing_id))
        .filter(listing::Column::Status.ne(ListingStatus::Removed))
        .exec(&work.txn)
        .await?;
    work.lock("seller", item.seller_id).await?;
    let ttl = crate::time::micros_of(work.rules.strike_ttl);
    strike::ActiveModel {
        seller_id: Set(item.seller_id),
        brand_id: Set(item.brand_id),
        item_id: Set(item.id),
        issued_at: Set(work.now),
        expires_at: Set(work.now.saturating_add(ttl)),
        voided: Set(false),
        ..Default::default()
    }
    .insert(&work.txn)
    .await?;
    let account = refresh_seller(work, item.seller_id).await?;
    crate::statements::service::issue(work, item, Restriction { procedure, account }).await
}

/// Writes an event about `item`, to be published with the transaction.
pub(crate) async fn item_event(
    work: &mut Work,
    kind: NoticeEventKind,
    actor: ActorRole,
    item: &notice_item::Model,
    note: Option<String>,
) -> AppResult<()> {
    work.event(kind, actor, item.brand_id, Some(item.notice_id), Some(item.id), Some(item.seller_id), note).await
}

/// Moves a `PENDING` item to `to`; `CONFLICT` when it is no longer `PENDING` (two reviewers at
/// once: the compare-and-set lets exactly one win).
pub(crate) async fn decide_pending(
    work: &Work,
    item: &notice_item::Model,
    to: NoticeItemStatus,
    by: Option<&str>,
    reason: Option<String>,
) -> AppResult<()> {
    let done = notice_item::Entity::update_many()
        .col_expr(notice_item::Column::Status, Expr::value(to))
        .col_expr(notice_item::Column::DecidedAt, Expr::value(work.now))
        .col_expr(notice_item::Column::DecidedBy, Expr::value(by.map(str::to_owned)))
        .col_expr(notice_item::Column::DecisionReason, Expr::value(reason))
        .filter(notice_item::Column::Id.eq(item.id))
        .filter(notice_item::Column::Status.eq(NoticeItemStatus::Pending))
        .exec(&work.txn)
        .await?;
    if done.rows_affected == 1 {
        Ok(())
    } else {
        Err(AppError::conflict("the item is not PENDING: it was decided or withdrawn already"))
    }
}

/// Recounts a seller's active strikes and sets its status from them; `TERMINATED` is final.
/// Returns the restriction of the account this imposed (a move into `SUSPENDED` or
/// `TERMINATED`) with the active strikes that caused it.
pub(crate) async fn refresh_seller(work: &Work, seller_id: i64) -> AppResult<Option<(AccountDecision, i64)>> {
    work.recount_strikes(seller_id).await?;
    let Some(current) = seller::Entity::find_by_id(seller_id).one(&work.txn).await? else {
        return Err(AppError::Internal(format!("seller {seller_id} vanished")));
    };
    if current.status == SellerStatus::Terminated {
        return Ok(None);
    }
    let status = match current.active_strikes {
        0 => SellerStatus::Active,
        1..=2 => SellerStatus::Warned,
        3..=4 => SellerStatus::Suspended,
        _ => SellerStatus::Terminated,
    };
    if current.status == status {
        return Ok(None);
    }
    seller::Entity::update_many()
        .col_expr(seller::Column::Status, Expr::value(status))
        .filter(seller::Column::Id.eq(seller_id))
        .exec(&work.txn)
        .await?;
    Ok(match status {
        // TERMINATED is final, so SUSPENDED is only ever reached from below.
        SellerStatus::Suspended => Some((AccountDecision::Suspended, current.active_strikes)),
        SellerStatus::Terminated => Some((AccountDecision::Terminated, current.active_strikes)),
        _ => None,
    })
}

/// Sets a notice's status from its items: `OPEN` while any is `PENDING`, `INFO_REQUESTED` or
/// `COUNTERED`, else `CLOSED` (`closedAt` when it last closed). A `WITHDRAWN` notice stays so.
/// It leaves the head of the reviewers' queue once no answered item of it waits.
pub(crate) async fn refresh_notice(work: &Work, notice_id: i64) -> AppResult<()> {
    work.lock("notice", notice_id).await?;
    let Some(current) = notice::Entity::find_by_id(notice_id).one(&work.txn).await? else {
        return Err(AppError::Internal(format!("notice {notice_id} vanished")));
    };
    if current.status == NoticeStatus::Withdrawn {
        return Ok(());
    }
    let open = notice_item::Entity::find()
        .filter(notice_item::Column::NoticeId.eq(notice_id))
        .filter(notice_item::Column::Status.is_in([
            NoticeItemStatus::Pending,
            NoticeItemStatus::InfoRequested,
            NoticeItemStatus::Countered,
        ]))
        .count(&work.txn)
        .await?
        > 0;
    if current.requeued_at.is_some() && !answered_item_waits(work, notice_id).await? {
        notice::Entity::update_many()
            .col_expr(notice::Column::RequeuedAt, Expr::value(Option::<i64>::None))
            .filter(notice::Column::Id.eq(notice_id))
            .exec(&work.txn)
            .await?;
    }
    let (status, closed_at) = if open { (NoticeStatus::Open, None) } else { (NoticeStatus::Closed, Some(work.now)) };
    if current.status != status {
        notice::Entity::update_many()
            .col_expr(notice::Column::Status, Expr::value(status))
            .col_expr(notice::Column::ClosedAt, Expr::value(closed_at))
            .filter(notice::Column::Id.eq(notice_id))
            .exec(&work.txn)
            .await?;
    }
    Ok(())
}

/// Whether an item of the notice that the brand answered a question on waits `PENDING` for a
/// reviewer (what keeps the notice at the head of the queue).
async fn answered_item_waits(work: &Work, notice_id: i64) -> AppResult<bool> {
    let answered = Query::select()
        .expr(Expr::val(1))
        .from(notice_message::Entity)
        .and_where(
            Expr::col((notice_message::Entity, notice_message::Column::ItemId))
                .equals((notice_item::Entity, notice_item::Column::Id)),
        )
        .and_where(notice_message::Column::Kind.eq(NoticeMessageKind::Question))
        .and_where(notice_message::Column::AnsweredAt.is_not_null())
        .to_owned();
    let waiting = notice_item::Entity::find()
        .filter(notice_item::Column::NoticeId.eq(notice_id))
        .filter(notice_item::Column::Status.eq(NoticeItemStatus::Pending))
        .filter(Expr::exists(answered))
        .count(&work.txn)
        .await?;
    Ok(waiting > 0)
}

/// Recomputes a brand's trust tier over the trust window; a change writes `TRUST_TIER_CHANGED`.
pub(crate) async fn refresh_trust_tier(work: &mut Work, brand_id: i64) -> AppResult<()> {
    work.lock("brand", brand_id).await?;
    let Some(current) = brand::Entity::find_by_id(brand_id).one(&work.txn).await? else {
        return Err(AppError::Internal(format!("brand {brand_id} vanished")));
    };
    let since = work.now.saturating_sub(crate::time::micros_of(work.rules.trust_window));
    let counts = decided_counts(&work.txn, brand_id, Some(since)).await?;
    // A decision also re-weighs the brand as a notifier; a suspended brand is never TRUSTED.
    // Standing writes no item, so over the same window it weighs the same counts.
    let suspended = super::standing::refresh_standing(work, &current, Some((since, counts))).await?;
    let trusted = !suspended
        && counts.decided >= i64::from(work.rules.trust_min_decided)
        && counts.takedown_rate().is_some_and(|r| r >= 0.90)
        && counts.counter_notice_success_rate().unwrap_or(0.0) <= 0.05;
    let tier = if trusted { TrustTier::Trusted } else { TrustTier::Standard };
    if current.trust_tier != tier {
        brand::Entity::update_many()
            .col_expr(brand::Column::TrustTier, Expr::value(tier))
            .filter(brand::Column::Id.eq(brand_id))
            .exec(&work.txn)
            .await?;
        let note = format!("{} -> {}", current.trust_tier, tier);
        work.event(NoticeEventKind::TrustTierChanged, ActorRole::System, brand_id, None, None, None, Some(note))
            .await?;
    }
    Ok(())
}

/// The item `id` if the viewer may see it, else `NOT_FOUND`.
pub(crate) async fn visible_item_by_id(
    work: &Work,
    identity: &Identity,
    id: ids::Key<crate::objects::NoticeItem>,
) -> AppResult<notice_item::Model> {
    let conds: Vec<crate::sql::Sql> = crate::auth::visibility::owned(identity.scope()).into_iter().collect();
    crate::sql::by_ids::<notice_item::Model, Vec<_>>(&work.txn, "notice_item", &[id.get()], &conds)
        .await?
        .pop()
        .map(|(_, row)| row)
        .ok_or_else(|| AppError::NotFound(format!("no NoticeItem {id}")))
}

/// Takes the locks a change to `item` needs, in the workflow's lock order.
pub(crate) async fn lock_around(work: &Work, item: &notice_item::Model) -> AppResult<()> {
    work.lock("brand", item.brand_id).await?;
    work.lock("notice", item.notice_id).await?;
    work.lock("seller", item.seller_id).await?;
    work.lock("listing", item.listing_id).await?;
    work.lock("notice_item", item.id).await
}

pub(crate) async fn reload_item(work: &Work, id: i64) -> AppResult<notice_item::Model> {
    notice_item::Entity::find_by_id(id).one(&work.txn).await?.ok_or_else(|| AppError::Internal("item vanished".into()))
}

/// Undoes what removing `item` did to its listing and seller: the listing back up (unless another
/// brand's removal of it still stands), the item's strike voided, the seller's status recomputed.
/// A retraction, a reversed appeal and an accepted counter-notice all end this way.
pub(crate) async fn undo_removal(work: &Work, item: &notice_item::Model) -> AppResult<()> {
    reinstate_listing(work, item.listing_id).await?;
    work.lock("seller", item.seller_id).await?;
    strike::Entity::update_many()
        .col_expr(strike::Column::Voided, Expr::value(true))
        .filter(strike::Column::ItemId.eq(item.id))
        .exec(&work.txn)
        .await?;
    refresh_seller(work, item.seller_id).await.map(drop)
}

/// Puts a listing back up, unless another brand's removal of it still stands.
async fn reinstate_listing(work: &Work, listing_id: i64) -> AppResult<()> {
    work.lock("listing", listing_id).await?;
    let still_removed = notice_item::Entity::find()
        .filter(notice_item::Column::ListingId.eq(listing_id))
        .filter(notice_item::Column::Status.is_in([NoticeItemStatus::Removed, NoticeItemStatus::Countered]))
        .count(&work.txn)
        .await?
        > 0;
    if !still_removed {
        listing::Entity::update_many()
            .col_expr(listing::Column::Status, Expr::value(ListingStatus::Reinstated))
            .col_expr(listing::Column::RemovedAt, Expr::value(Option::<i64>::None))
            .filter(listing::Column::Id.eq(listing_id))
            .exec(&work.txn)
            .await?;
    }
    Ok(())
}
