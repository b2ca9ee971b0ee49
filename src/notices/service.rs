//! The enforcement workflow: every rule of CONTRACT.md section 4, one transaction per change.

use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set, Value};
use sha2::{Digest, Sha256};

use crate::auth::{Identity, Role};
use crate::error::{AppError, AppResult};
use crate::events::{ActorRole, NoticeEventKind};
use crate::graph::Shared;
use crate::ids::{self, Kind};
use crate::statements::service::Restriction;
use crate::states::{
    AccountDecision, CounterNoticeStatus, ListingStatus, NoticeItemStatus, NoticeReason, NoticeStatus,
    RemovalProcedure, SellerStatus, TrademarkStatus, TrustTier,
};
use crate::values;
use crate::work::Work;

pub use super::counts::{DecidedCounts, decided_counts};
use entity::{brand, counter_notice, listing, notice, notice_item, seller, strike, trademark};

/// Most items one notice may hold.
pub const MAX_ITEMS: usize = 300;

/// A notice as submitted, ids still as the client sent them.
#[derive(Debug, Clone)]
pub struct Submission {
    pub brand_id: String,
    pub reason: NoticeReason,
    pub explanation: String,
    pub good_faith: bool,
    /// (listing id, trademark id) per item.
    pub items: Vec<(String, String)>,
    pub idempotency_key: Option<String>,
    /// The evidence of each item, in the order of `items` (missing: none).
    pub evidence: Vec<Vec<crate::evidence::Evidence>>,
}

impl Submission {
    /// The fingerprint that tells a replay of the same notice from another notice under one key.
    fn fingerprint(&self) -> String {
        let mut hash = Sha256::new();
        for part in [self.brand_id.as_str(), self.reason.as_db(), self.explanation.trim()] {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        hash.update([u8::from(self.good_faith)]);
        for (n, (listing, trademark)) in self.items.iter().enumerate() {
            hash.update(listing.as_bytes());
            hash.update([1]);
            hash.update(trademark.as_bytes());
            hash.update([2]);
            for e in self.evidence.get(n).map(Vec::as_slice).unwrap_or_default() {
                hash.update(format!("{e:?}").as_bytes());
                hash.update([3]);
            }
        }
        hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The role an identity writes events as.
pub fn actor_of(identity: &Identity) -> ActorRole {
    match identity.role {
        Role::Admin => ActorRole::Admin,
        Role::Reviewer | Role::Analyst => ActorRole::Reviewer,
        Role::BrandAgent => ActorRole::BrandAgent,
        Role::Seller => ActorRole::Seller,
    }
}

/// Submits a notice (CONTRACT.md section 4, "Submitting a notice", "Idempotency", "Good-faith
/// takedown"). Any failure writes nothing.
pub async fn submit(shared: &Shared, identity: &Identity, now: i64, input: Submission) -> AppResult<notice::Model> {
    let brand_id = ids::decode(&input.brand_id, Kind::Brand, "brandId")?;
    identity.require_brand_actor(brand_id, "submit notices")?;
    if !input.good_faith {
        return Err(AppError::bad_input("goodFaithDeclaration", "goodFaithDeclaration must be true"));
    }
    let explanation = values::text(&input.explanation, 10, 5000, "explanation")?;
    if input.items.is_empty() || input.items.len() > MAX_ITEMS {
        return Err(AppError::bad_input("items", format!("items: 1 to {MAX_ITEMS} items, got {}", input.items.len())));
    }
    if let Some(key) = &input.idempotency_key
        && !(1..=128).contains(&key.chars().count())
    {
        return Err(AppError::bad_input("idempotencyKey", "idempotencyKey: 1 to 128 characters"));
    }
    let fingerprint = input.fingerprint();
    if let Some(existing) = replay(&shared.db, brand_id, &input, &fingerprint).await? {
        return Ok(existing);
    }
    match write_notice(shared, identity, now, brand_id, &input, explanation, &fingerprint).await {
        // A replay racing the first request with its key can lose to it anywhere (its items are
        // PENDING now, or its key is taken): answer as the replay it is.
        Err(err) if input.idempotency_key.is_some() => {
            replay(&shared.db, brand_id, &input, &fingerprint).await?.ok_or(err)
        }
        other => other,
    }
}

/// The write of `submit`, in one transaction.
async fn write_notice(
    shared: &Shared,
    identity: &Identity,
    now: i64,
    brand_id: i64,
    input: &Submission,
    explanation: String,
    fingerprint: &str,
) -> AppResult<notice::Model> {
    let mut work = Work::begin(&shared.db, actor_of(identity), now, &shared.rules).await?;
    // Lock order of every workflow transaction (PostgreSQL): brand, notice, sellers, listings,
    // each in id order, then items. Writers that touch the same rows queue instead of deadlocking.
    work.lock("brand", brand_id).await?;
    let brand = brand::Entity::find_by_id(brand_id)
        .one(&work.txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no Brand {}", input.brand_id)))?;
    super::standing::require_may_submit(&brand, now)?;
    let items = check_items(&work, brand_id, &input.items).await?;
    if brand.trust_tier == TrustTier::Trusted.as_db() {
        work.lock_all("seller", items.iter().map(|(l, _)| l.seller_id)).await?;
        work.lock_all("listing", items.iter().map(|(l, _)| l.id)).await?;
    }
    let expedited = brand.trust_tier == TrustTier::Trusted.as_db();
    let inserted = notice::ActiveModel {
        brand_id: Set(brand_id),
        reason: Set(input.reason.as_db().into()),
        explanation: Set(explanation),
        status: Set(NoticeStatus::Open.as_db().into()),
        expedited: Set(expedited),
        submitted_at: Set(now),
        closed_at: Set(None),
        idempotency_key: Set(input.idempotency_key.clone()),
        request_hash: Set(Some(fingerprint.to_owned())),
        ..Default::default()
    }
    .insert(&work.txn)
    .await;
    let created = inserted.map_err(|e| {
        crate::work::conflict_on_unique(e, "idempotencyKey", "idempotencyKey: taken by a concurrent request")
    })?;
    let rows: Vec<notice_item::ActiveModel> = items
        .iter()
        .map(|(l, t)| notice_item::ActiveModel {
            notice_id: Set(created.id),
            listing_id: Set(l.id),
            trademark_id: Set(*t),
            brand_id: Set(brand_id),
            seller_id: Set(l.seller_id),
            status: Set(NoticeItemStatus::Pending.as_db().into()),
            submitted_at: Set(now),
            decided_at: Set(None),
            decision_reason: Set(None),
            ..Default::default()
        })
        .collect();
    let mut inserted = notice_item::Entity::insert_many(rows)
        .exec_with_returning(&work.txn)
        .await
        .map_err(|e| crate::work::conflict_on_unique(e, "items", "a listing already has an open item of this brand"))?;
    write_evidence(&work, &items, &inserted, &input.evidence).await?;
    work.event(NoticeEventKind::NoticeSubmitted, work.actor, brand_id, Some(created.id), None, None, None).await?;
    if expedited {
        // Good-faith takedown: every item removed at once by SYSTEM, listings in id order so
        // that concurrent removals lock rows in one order.
        inserted.sort_by_key(|i| i.listing_id);
        for item in inserted {
            remove(&mut work, item, ActorRole::System, None, None).await?;
        }
        refresh_notice(&work, created.id).await?;
        refresh_trust_tier(&mut work, brand_id).await?;
    }
    let created = notice::Entity::find_by_id(created.id)
        .one(&work.txn)
        .await?
        .ok_or_else(|| AppError::Internal("notice vanished".into()))?;
    work.commit(&shared.events).await?;
    Ok(created)
}

/// Writes the evidence each item was submitted with; `checked` is the items in input order.
async fn write_evidence(
    work: &Work,
    checked: &[(listing::Model, i64)],
    inserted: &[notice_item::Model],
    evidence: &[Vec<crate::evidence::Evidence>],
) -> AppResult<()> {
    let item_of: HashMap<i64, i64> = inserted.iter().map(|i| (i.listing_id, i.id)).collect();
    let mut rows = Vec::new();
    for ((listing, _), pieces) in checked.iter().zip(evidence) {
        let Some(&item) = item_of.get(&listing.id) else { continue };
        rows.extend(pieces.iter().cloned().map(|e| entity::evidence::ActiveModel {
            item_id: Set(item),
            message_id: Set(None),
            kind: Set(e.kind.as_db().into()),
            url: Set(e.url),
            sha256: Set(e.sha256),
            order_number: Set(e.order_number),
            note: Set(e.note),
            added_at: Set(work.now),
            ..Default::default()
        }));
    }
    if !rows.is_empty() {
        entity::evidence::Entity::insert_many(rows).exec(&work.txn).await?;
    }
    Ok(())
}

/// The notice first made with this submission's key, if any; `CONFLICT` when the key was used
/// for a different notice.
async fn replay(
    db: &impl ConnectionTrait,
    brand_id: i64,
    input: &Submission,
    fingerprint: &str,
) -> AppResult<Option<notice::Model>> {
    let Some(key) = &input.idempotency_key else { return Ok(None) };
    let existing = notice::Entity::find()
        .filter(notice::Column::BrandId.eq(brand_id))
        .filter(notice::Column::IdempotencyKey.eq(key.as_str()))
        .one(db)
        .await?;
    match existing {
        Some(n) if n.request_hash.as_deref() == Some(fingerprint) => Ok(Some(n)),
        Some(_) => Err(AppError::conflict_at(
            "idempotencyKey",
            "idempotencyKey: already used for a different notice of this brand",
        )),
        None => Ok(None),
    }
}

/// Checks every item of a submission in order; the first failure names its input path.
async fn check_items(work: &Work, brand_id: i64, raw: &[(String, String)]) -> AppResult<Vec<(listing::Model, i64)>> {
    let mut parsed = Vec::with_capacity(raw.len());
    let mut seen = HashSet::new();
    for (i, (l, t)) in raw.iter().enumerate() {
        let listing_id = ids::decode(l, Kind::Listing, &format!("items.{i}.listingId"))?;
        let trademark_id = ids::decode(t, Kind::Trademark, &format!("items.{i}.trademarkId"))?;
        if !seen.insert(listing_id) {
            return Err(AppError::bad_input(
                format!("items.{i}.listingId"),
                format!("items.{i}.listingId: the listing appears twice in the notice"),
            ));
        }
        parsed.push((listing_id, trademark_id));
    }
    let listing_ids: Vec<i64> = parsed.iter().map(|p| p.0).collect();
    let trademark_ids: Vec<i64> = parsed.iter().map(|p| p.1).collect();
    let listings: HashMap<i64, listing::Model> = crate::sql::by_ids(&work.txn, "listing", &listing_ids, &[]).await?;
    let trademarks: HashMap<i64, trademark::Model> =
        crate::sql::by_ids(&work.txn, "trademark", &trademark_ids, &[]).await?;
    let mut pending = crate::sql::Sql::new(
        "SELECT t.* FROM notice_item t WHERE t.status IN ('PENDING', 'INFO_REQUESTED') AND t.brand_id = ? \
         AND t.listing_id IN ",
        vec![Value::from(brand_id)],
    );
    pending.push_in(&listing_ids);
    let pending: HashSet<i64> = work
        .txn
        .query_all_raw(pending.build(work.backend()))
        .await?
        .iter()
        .map(|row| row.try_get::<i64>("", "listing_id"))
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(parsed.len());
    for (i, (listing_id, trademark_id)) in parsed.into_iter().enumerate() {
        let tm_field = format!("items.{i}.trademarkId");
        let tm = trademarks
            .get(&trademark_id)
            .filter(|t| t.brand_id == brand_id)
            .ok_or_else(|| AppError::bad_input(&tm_field, format!("{tm_field}: not a trademark of this brand")))?;
        if TrademarkStatus::of(tm, work.now)? != TrademarkStatus::Verified {
            return Err(AppError::bad_input(
                &tm_field,
                format!("{tm_field}: the trademark is not VERIFIED and in force"),
            ));
        }
        let l_field = format!("items.{i}.listingId");
        let listing = listings
            .get(&listing_id)
            .ok_or_else(|| AppError::bad_input(&l_field, format!("{l_field}: no such listing")))?;
        if listing.status == ListingStatus::Removed.as_db() {
            return Err(AppError::conflict_at(&l_field, format!("{l_field}: the listing is already REMOVED")));
        }
        if pending.contains(&listing_id) {
            return Err(AppError::conflict_at(
                &l_field,
                format!("{l_field}: the listing already has an open (PENDING or INFO_REQUESTED) item of this brand"),
            ));
        }
        out.push((listing.clone(), trademark_id));
    }
    Ok(out)
}

/// Removes `item` (a `REMOVE` decision, or a good-faith takedown by SYSTEM): item `REMOVED`,
/// listing `REMOVED`, one strike for the seller from the notice's brand, seller status updated.
async fn remove(
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
        .col_expr(listing::Column::Status, Expr::value(ListingStatus::Removed.as_db()))
        .col_expr(listing::Column::RemovedAt, Expr::value(work.now))
        .filter(listing::Column::Id.eq(item.listing_id))
        .filter(listing::Column::Status.ne(ListingStatus::Removed.as_db()))
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
async fn decide_pending(
    work: &Work,
    item: &notice_item::Model,
    to: NoticeItemStatus,
    by: Option<&str>,
    reason: Option<String>,
) -> AppResult<()> {
    let done = notice_item::Entity::update_many()
        .col_expr(notice_item::Column::Status, Expr::value(to.as_db()))
        .col_expr(notice_item::Column::DecidedAt, Expr::value(work.now))
        .col_expr(notice_item::Column::DecidedBy, Expr::value(by.map(str::to_owned)))
        .col_expr(notice_item::Column::DecisionReason, Expr::value(reason))
        .filter(notice_item::Column::Id.eq(item.id))
        .filter(notice_item::Column::Status.eq(NoticeItemStatus::Pending.as_db()))
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
    if current.status == SellerStatus::Terminated.as_db() {
        return Ok(None);
    }
    let status = match current.active_strikes {
        0 => SellerStatus::Active,
        1..=2 => SellerStatus::Warned,
        3..=4 => SellerStatus::Suspended,
        _ => SellerStatus::Terminated,
    };
    if current.status == status.as_db() {
        return Ok(None);
    }
    seller::Entity::update_many()
        .col_expr(seller::Column::Status, Expr::value(status.as_db()))
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
    if current.status == NoticeStatus::Withdrawn.as_db() {
        return Ok(());
    }
    let open = notice_item::Entity::find()
        .filter(notice_item::Column::NoticeId.eq(notice_id))
        .filter(notice_item::Column::Status.is_in([
            NoticeItemStatus::Pending.as_db(),
            NoticeItemStatus::InfoRequested.as_db(),
            NoticeItemStatus::Countered.as_db(),
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
    if current.status != status.as_db() {
        notice::Entity::update_many()
            .col_expr(notice::Column::Status, Expr::value(status.as_db()))
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
    let sql = crate::sql::Sql::new(
        "SELECT COUNT(*) AS n FROM notice_item i WHERE i.notice_id = ? AND i.status = 'PENDING' AND EXISTS \
         (SELECT 1 FROM notice_message m WHERE m.item_id = i.id AND m.kind = 'QUESTION' AND m.answered_at IS NOT NULL)",
        vec![Value::from(notice_id)],
    );
    let row = work.txn.query_one_raw(sql.build(work.backend())).await?;
    Ok(row.map(|r| r.try_get::<i64>("", "n")).transpose()?.unwrap_or(0) > 0)
}

/// Recomputes a brand's trust tier over the trust window; a change writes `TRUST_TIER_CHANGED`.
pub(crate) async fn refresh_trust_tier(work: &mut Work, brand_id: i64) -> AppResult<()> {
    work.lock("brand", brand_id).await?;
    let Some(current) = brand::Entity::find_by_id(brand_id).one(&work.txn).await? else {
        return Err(AppError::Internal(format!("brand {brand_id} vanished")));
    };
    // A decision also re-weighs the brand as a notifier; a suspended brand is never TRUSTED.
    let suspended = super::standing::refresh_standing(work, &current).await?;
    let window = crate::time::micros_of(work.rules.trust_window);
    let counts = decided_counts(&work.txn, brand_id, Some(work.now.saturating_sub(window)), None).await?;
    let trusted = !suspended
        && counts.decided >= i64::from(work.rules.trust_min_decided)
        && counts.takedown_rate().is_some_and(|r| r >= 0.90)
        && counts.counter_notice_success_rate().unwrap_or(0.0) <= 0.05;
    let tier = if trusted { TrustTier::Trusted } else { TrustTier::Standard };
    if current.trust_tier != tier.as_db() {
        brand::Entity::update_many()
            .col_expr(brand::Column::TrustTier, Expr::value(tier.as_db()))
            .filter(brand::Column::Id.eq(brand_id))
            .exec(&work.txn)
            .await?;
        let note = format!("{} -> {}", current.trust_tier, tier.as_db());
        work.event(NoticeEventKind::TrustTierChanged, ActorRole::System, brand_id, None, None, None, Some(note))
            .await?;
    }
    Ok(())
}

/// The item `id` if the viewer may see it, else `NOT_FOUND`.
pub(crate) async fn visible_item_by_id(work: &Work, identity: &Identity, id: i64) -> AppResult<notice_item::Model> {
    let conds: Vec<crate::sql::Sql> = crate::auth::visibility::owned(identity.scope()).into_iter().collect();
    crate::sql::by_ids::<notice_item::Model>(&work.txn, "notice_item", &[id], &conds)
        .await?
        .remove(&id)
        .ok_or_else(|| AppError::NotFound(format!("no NoticeItem {}", ids::GlobalId::new(Kind::NoticeItem, id))))
}

/// A reviewer's decision on an item.
#[derive(Debug, Clone)]
pub struct Decision {
    pub item: i64,
    /// `REMOVE` (else `REJECT`).
    pub remove: bool,
    /// 1 to 2,000 characters; required to reject.
    pub reason: Option<String>,
}

impl Decision {
    /// The command from a client's values; bad input names its field.
    pub fn parse(item: &str, remove: bool, reason: Option<String>) -> AppResult<Self> {
        let item = ids::decode(item, Kind::NoticeItem, "itemId")?;
        let reason = match (remove, reason) {
            (_, Some(r)) => Some(values::text(&r, 1, 2000, "reason")?),
            (false, None) => return Err(AppError::bad_input("reason", "reason is required to REJECT an item")),
            (true, None) => None,
        };
        Ok(Self { item, remove, reason })
    }
}

/// Decides a `PENDING` item: `REMOVE` (with its strike) or `REJECT` (a reason is required).
pub async fn decide(
    shared: &Shared,
    identity: &Identity,
    now: i64,
    command: Decision,
) -> AppResult<notice_item::Model> {
    identity.require_role(&[Role::Admin, Role::Reviewer], "decide notice items")?;
    let Decision { item, remove: remove_it, reason } = command;
    let mut work = Work::begin(&shared.db, actor_of(identity), now, &shared.rules).await?;
    let item = visible_item_by_id(&work, identity, item).await?;
    lock_around(&work, &item).await?;
    if item.status != NoticeItemStatus::Pending.as_db() {
        return Err(AppError::conflict(format!("the item is {}, not PENDING", item.status)));
    }
    if remove_it {
        let actor = work.actor;
        remove(&mut work, item.clone(), actor, Some(&identity.subject), reason).await?;
    } else {
        decide_pending(&work, &item, NoticeItemStatus::Rejected, Some(&identity.subject), reason.clone()).await?;
        let actor = work.actor;
        item_event(&mut work, NoticeEventKind::ItemRejected, actor, &item, reason).await?;
    }
    refresh_notice(&work, item.notice_id).await?;
    refresh_trust_tier(&mut work, item.brand_id).await?;
    let decided = reload_item(&work, item.id).await?;
    work.commit(&shared.events).await?;
    Ok(decided)
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

/// Withdraws an `OPEN` notice's `PENDING` items (CONTRACT.md section 4, "Withdrawal").
pub async fn withdraw(shared: &Shared, identity: &Identity, now: i64, id: i64) -> AppResult<notice::Model> {
    identity.require_role(&[Role::Admin, Role::BrandAgent], "withdraw notices")?;
    let mut work = Work::begin(&shared.db, actor_of(identity), now, &shared.rules).await?;
    if let Some(n) = notice::Entity::find_by_id(id).one(&work.txn).await? {
        work.lock("brand", n.brand_id).await?;
    }
    work.lock("notice", id).await?;
    let conds: Vec<crate::sql::Sql> = crate::auth::visibility::notice(identity.scope()).into_iter().collect();
    let current = crate::sql::by_ids::<notice::Model>(&work.txn, "notice", &[id], &conds)
        .await?
        .remove(&id)
        .ok_or_else(|| AppError::NotFound(format!("no Notice {}", ids::GlobalId::new(Kind::Notice, id))))?;
    if current.status != NoticeStatus::Open.as_db() {
        return Err(AppError::conflict(format!(
            "only an OPEN notice can be withdrawn; this one is {}",
            current.status
        )));
    }
    // An item waiting for the brand's answer is withdrawn with the rest: the brand gave up.
    let withdrawn = notice_item::Entity::update_many()
        .col_expr(notice_item::Column::Status, Expr::value(NoticeItemStatus::Withdrawn.as_db()))
        .col_expr(notice_item::Column::InfoDueAt, Expr::value(Option::<i64>::None))
        .filter(notice_item::Column::NoticeId.eq(id))
        .filter(
            notice_item::Column::Status
                .is_in([NoticeItemStatus::Pending.as_db(), NoticeItemStatus::InfoRequested.as_db()]),
        )
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
            .col_expr(notice::Column::Status, Expr::value(NoticeStatus::Withdrawn.as_db()))
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

/// A seller's counter-notice on a removal.
#[derive(Debug, Clone)]
pub struct CounterNoticeFiling {
    pub item: i64,
    /// 10 to 5,000 characters.
    pub statement: String,
}

impl CounterNoticeFiling {
    /// The command from a client's values; bad input names its field.
    pub fn parse(item: &str, statement: &str) -> AppResult<Self> {
        Ok(Self {
            item: ids::decode(item, Kind::NoticeItem, "itemId")?,
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
    if item.status != NoticeItemStatus::Removed.as_db() {
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
        status: Set(CounterNoticeStatus::Pending.as_db().into()),
        filed_at: Set(now),
        resolved_at: Set(None),
        resolution_reason: Set(None),
        ..Default::default()
    }
    .insert(&work.txn)
    .await
    .map_err(|e| crate::work::conflict_on_unique(e, "itemId", "a counter-notice was filed for this item already"))?;
    let moved = notice_item::Entity::update_many()
        .col_expr(notice_item::Column::Status, Expr::value(NoticeItemStatus::Countered.as_db()))
        .filter(notice_item::Column::Id.eq(item.id))
        .filter(notice_item::Column::Status.eq(NoticeItemStatus::Removed.as_db()))
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
    pub counter_notice: i64,
    /// `REINSTATE` (else `UPHOLD`).
    pub reinstate: bool,
    /// 1 to 2,000 characters.
    pub reason: Option<String>,
}

impl CounterNoticeResolution {
    /// The command from a client's values; bad input names its field.
    pub fn parse(counter_notice: &str, reinstate: bool, reason: Option<String>) -> AppResult<Self> {
        Ok(Self {
            counter_notice: ids::decode(counter_notice, Kind::CounterNotice, "counterNoticeId")?,
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
    let cn = counter_notice::Entity::find_by_id(id).one(&work.txn).await?.ok_or_else(|| {
        AppError::NotFound(format!("no CounterNotice {}", ids::GlobalId::new(Kind::CounterNotice, id)))
    })?;
    lock_around(&work, &reload_item(&work, cn.item_id).await?).await?;
    let to = if reinstate { CounterNoticeStatus::Accepted } else { CounterNoticeStatus::Rejected };
    let done = counter_notice::Entity::update_many()
        .col_expr(counter_notice::Column::Status, Expr::value(to.as_db()))
        .col_expr(counter_notice::Column::ResolvedAt, Expr::value(now))
        .col_expr(counter_notice::Column::ResolutionReason, Expr::value(reason.clone()))
        .filter(counter_notice::Column::Id.eq(id))
        .filter(counter_notice::Column::Status.eq(CounterNoticeStatus::Pending.as_db()))
        .exec(&work.txn)
        .await?;
    if done.rows_affected != 1 {
        return Err(AppError::conflict(format!("the counter-notice is {}, not PENDING", cn.status)));
    }
    let item = reload_item(&work, cn.item_id).await?;
    let item_to = if reinstate { NoticeItemStatus::Reinstated } else { NoticeItemStatus::Removed };
    notice_item::Entity::update_many()
        .col_expr(notice_item::Column::Status, Expr::value(item_to.as_db()))
        .filter(notice_item::Column::Id.eq(item.id))
        .exec(&work.txn)
        .await?;
    let actor = work.actor;
    if reinstate {
        reinstate_listing(&work, item.listing_id).await?;
        work.lock("seller", item.seller_id).await?;
        strike::Entity::update_many()
            .col_expr(strike::Column::Voided, Expr::value(true))
            .filter(strike::Column::ItemId.eq(item.id))
            .exec(&work.txn)
            .await?;
        refresh_seller(&work, item.seller_id).await?;
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

/// Puts a listing back up, unless another brand's removal of it still stands.
pub(crate) async fn reinstate_listing(work: &Work, listing_id: i64) -> AppResult<()> {
    work.lock("listing", listing_id).await?;
    let still_removed = notice_item::Entity::find()
        .filter(notice_item::Column::ListingId.eq(listing_id))
        .filter(
            notice_item::Column::Status.is_in([NoticeItemStatus::Removed.as_db(), NoticeItemStatus::Countered.as_db()]),
        )
        .count(&work.txn)
        .await?
        > 0;
    if !still_removed {
        listing::Entity::update_many()
            .col_expr(listing::Column::Status, Expr::value(ListingStatus::Reinstated.as_db()))
            .col_expr(listing::Column::RemovedAt, Expr::value(Option::<i64>::None))
            .filter(listing::Column::Id.eq(listing_id))
            .exec(&work.txn)
            .await?;
    }
    Ok(())
}
