//! The channel between a brand and the platform, one transaction per change: a reviewer asks the
//! brand for information on an item, the brand answers before the deadline (or the item is
//! rejected for silence), and both write to the notice's thread. Sellers never see any of it.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::auth::{Identity, Role, visibility};
use crate::error::{AppError, AppResult};
use crate::events::{ActorRole, NoticeEventKind};
use crate::evidence::Evidence;
use crate::graph::Shared;
use crate::ids::Key;
use crate::notices::service::{
    actor_of, item_event, lock_around, refresh_notice, refresh_trust_tier, reload_item, visible_item_by_id,
};
use crate::states::{NoticeItemStatus, NoticeMessageKind};
use crate::work::Work;
use entity::{evidence, notice, notice_item, notice_message};

/// The reason an unanswered item is rejected with.
pub const SILENCE: &str = "no information provided";

/// `requestInformation`, parsed: the item asked about and the question.
#[derive(Debug, Clone)]
pub struct RequestInformation {
    pub item: Key<crate::objects::NoticeItem>,
    /// 10 to 5,000 characters.
    pub question: String,
}

/// `provideInformation`, parsed: the item, the answer and the evidence that comes with it.
#[derive(Debug, Clone)]
pub struct ProvideInformation {
    pub item: Key<crate::objects::NoticeItem>,
    /// 10 to 5,000 characters.
    pub answer: String,
    pub evidence: Vec<Evidence>,
}

/// `postNoticeMessage`, parsed.
#[derive(Debug, Clone)]
pub struct PostMessage {
    pub notice: Key<crate::objects::Notice>,
    /// 1 to 5,000 characters.
    pub body: String,
}

/// Asks the brand for information on a `PENDING` item (REVIEWER, ADMIN): the item waits
/// `INFO_REQUESTED` until the brand answers or the deadline (`--info-request-window`) passes.
pub async fn request_information(
    shared: &Shared,
    identity: &Identity,
    now: i64,
    command: RequestInformation,
) -> AppResult<notice_item::Model> {
    identity.require_role(&[Role::Admin, Role::Reviewer], "request information from brands")?;
    // The new deadline is recorded under the settling lock, so that a settle running meanwhile
    // cannot overwrite it with the deadline it read before this commit. Taken before the
    // transaction's row locks, in the order a settle takes them.
    let _settling = shared.deadlines.settling.lock().await;
    let mut work = Work::begin(&shared.db, actor_of(identity), now, &shared.rules).await?;
    let item = visible_item_by_id(&work, identity, command.item).await?;
    lock_around(&work, &item).await?;
    let item = reload_item(&work, item.id).await?;
    if item.status != NoticeItemStatus::Pending {
        return Err(AppError::conflict(format!("information is asked on a PENDING item; this one is {}", item.status)));
    }
    let window = crate::time::micros_of(shared.rules.info_request_window);
    let due = now.saturating_add(window);
    let moved = notice_item::Entity::update_many()
        .col_expr(notice_item::Column::Status, Expr::value(NoticeItemStatus::InfoRequested))
        .col_expr(notice_item::Column::InfoDueAt, Expr::value(due))
        .filter(notice_item::Column::Id.eq(item.id))
        .filter(notice_item::Column::Status.eq(NoticeItemStatus::Pending))
        .exec(&work.txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(AppError::conflict("the item changed meanwhile"));
    }
    let question = message(&item, NoticeMessageKind::Question, identity, &command.question, now);
    notice_message::ActiveModel { due_at: Set(Some(due)), ..question }.insert(&work.txn).await?;
    let note = format!("answer due by {}", crate::time::instant(due).to_rfc3339());
    channel_event(&mut work, NoticeEventKind::InfoRequested, &item, Some(note)).await?;
    let asked = reload_item(&work, item.id).await?;
    work.commit(&shared.events).await?;
    shared.deadlines.lower(due);
    Ok(asked)
}

/// Answers the question an `INFO_REQUESTED` item waits on (the brand's BRAND_AGENT, ADMIN),
/// before its deadline: the item is `PENDING` again and its notice goes to the head of the
/// reviewers' queue, after the expedited ones.
pub async fn provide_information(
    shared: &Shared,
    identity: &Identity,
    now: i64,
    command: ProvideInformation,
) -> AppResult<notice_item::Model> {
    identity.require_role(&[Role::Admin, Role::BrandAgent], "answer requests for information")?;
    let mut work = Work::begin(&shared.db, actor_of(identity), now, &shared.rules).await?;
    let item = visible_item_by_id(&work, identity, command.item).await?;
    lock_around(&work, &item).await?;
    let item = reload_item(&work, item.id).await?;
    if item.status != NoticeItemStatus::InfoRequested {
        return Err(AppError::conflict(format!("no question waits on this item: it is {}", item.status)));
    }
    if let Some(due) = item.info_due_at
        && now >= due
    {
        return Err(AppError::conflict(format!(
            "the deadline to answer passed at {}",
            crate::time::instant(due).to_rfc3339()
        )));
    }
    let question = notice_message::Entity::find()
        .filter(notice_message::Column::ItemId.eq(item.id))
        .filter(notice_message::Column::Kind.eq(NoticeMessageKind::Question))
        .filter(notice_message::Column::AnsweredAt.is_null())
        .order_by_desc(notice_message::Column::Id)
        .one(&work.txn)
        .await?
        .ok_or_else(|| AppError::Internal(format!("item {} waits on no question", item.id)))?;
    let moved = notice_item::Entity::update_many()
        .col_expr(notice_item::Column::Status, Expr::value(NoticeItemStatus::Pending))
        .col_expr(notice_item::Column::InfoDueAt, Expr::value(Option::<i64>::None))
        .filter(notice_item::Column::Id.eq(item.id))
        .filter(notice_item::Column::Status.eq(NoticeItemStatus::InfoRequested))
        .exec(&work.txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(AppError::conflict("the item changed meanwhile"));
    }
    notice_message::Entity::update_many()
        .col_expr(notice_message::Column::AnsweredAt, Expr::value(now))
        .filter(notice_message::Column::Id.eq(question.id))
        .exec(&work.txn)
        .await?;
    let answer = message(&item, NoticeMessageKind::Answer, identity, &command.answer, now);
    let answer =
        notice_message::ActiveModel { question_id: Set(Some(question.id)), ..answer }.insert(&work.txn).await?;
    if !command.evidence.is_empty() {
        let rows = command.evidence.into_iter().map(|e| evidence::ActiveModel {
            item_id: Set(item.id),
            message_id: Set(Some(answer.id)),
            kind: Set(e.kind),
            url: Set(e.url),
            sha256: Set(e.sha256),
            order_number: Set(e.order_number),
            note: Set(e.note),
            added_at: Set(now),
            ..Default::default()
        });
        evidence::Entity::insert_many(rows).exec(&work.txn).await?;
    }
    // The head of the queue, after the expedited notices: kept from the first answer while an
    // answered item of the notice waits (refresh_notice clears it once none does).
    notice::Entity::update_many()
        .col_expr(notice::Column::RequeuedAt, Expr::value(now))
        .filter(notice::Column::Id.eq(item.notice_id))
        .filter(notice::Column::RequeuedAt.is_null())
        .exec(&work.txn)
        .await?;
    channel_event(&mut work, NoticeEventKind::InfoProvided, &item, None).await?;
    let answered = reload_item(&work, item.id).await?;
    work.commit(&shared.events).await?;
    Ok(answered)
}

/// Posts to a notice's thread (staff, the brand's BRAND_AGENT).
pub async fn post_message(
    shared: &Shared,
    identity: &Identity,
    now: i64,
    command: PostMessage,
) -> AppResult<notice_message::Model> {
    identity
        .require_role(&[Role::Admin, Role::Reviewer, Role::Analyst, Role::BrandAgent], "post to a notice's thread")?;
    let mut work = Work::begin(&shared.db, actor_of(identity), now, &shared.rules).await?;
    let conds: Vec<crate::sql::Sql> = visibility::notice(identity.scope()).into_iter().collect();
    let found =
        crate::sql::by_ids::<notice::Model, Vec<_>>(&work.txn, "notice", &[command.notice.get()], &conds).await?;
    let Some((_, target)) = found.first() else {
        return Err(AppError::NotFound(format!("no Notice {}", command.notice)));
    };
    let posted = notice_message::ActiveModel {
        notice_id: Set(target.id),
        brand_id: Set(target.brand_id),
        item_id: Set(None),
        kind: Set(NoticeMessageKind::Message),
        author_role: Set(actor_of(identity)),
        author_subject: Set(identity.subject.clone()),
        body: Set(command.body),
        at: Set(now),
        due_at: Set(None),
        answered_at: Set(None),
        question_id: Set(None),
        ..Default::default()
    }
    .insert(&work.txn)
    .await?;
    let actor = work.actor;
    work.event(NoticeEventKind::NoticeMessagePosted, actor, target.brand_id, Some(target.id), None, None, None).await?;
    work.commit(&shared.events).await?;
    Ok(posted)
}

/// The channel's work before every request (a `graph::RequestHook`): what fell due by `now` is
/// rejected before anything is read or decided, so every way in sees an unanswered item rejected
/// as soon as its deadline passes.
pub fn before_each_request(shared: &Shared, now: i64) -> futures_util::future::BoxFuture<'_, ()> {
    Box::pin(async move {
        if let Err(err) = settle_due(shared, now, false).await {
            tracing::warn!(?err, "cannot settle the requests for information that fell due; the sweep retries");
        }
    })
}

/// Rejects, as SYSTEM, every item whose question fell due unanswered by `now`, each at its
/// deadline and exactly as a reviewer's rejection (status, `decidedAt`, reason, event, notice
/// status, trust tier); then records the next deadline. Runs when a request's instant passes the
/// known next deadline, and from the server's sweep (`force`: look even if none is known, for
/// questions another process asked). Returns how many items it rejected.
pub async fn settle_due(shared: &Shared, now: i64, force: bool) -> AppResult<usize> {
    if !force && !shared.deadlines.passed(now) {
        return Ok(0);
    }
    let _settling = shared.deadlines.settling.lock().await;
    if !force && !shared.deadlines.passed(now) {
        return Ok(0);
    }
    let due = notice_item::Entity::find()
        .filter(notice_item::Column::Status.eq(NoticeItemStatus::InfoRequested))
        .filter(notice_item::Column::InfoDueAt.lte(now))
        .order_by_asc(notice_item::Column::InfoDueAt)
        .order_by_asc(notice_item::Column::Id)
        .all(&shared.db)
        .await?;
    let mut rejected = 0;
    for item in due {
        if reject_for_silence(shared, item).await? {
            rejected += 1;
        }
    }
    shared.deadlines.set(next_deadline(&shared.db).await?);
    Ok(rejected)
}

/// Reads when the next question falls due, at start: what fell due while no process ran is
/// settled by the first request after.
pub async fn learn_deadlines(shared: &Shared) -> AppResult<()> {
    let _settling = shared.deadlines.settling.lock().await;
    shared.deadlines.set(next_deadline(&shared.db).await?);
    Ok(())
}

/// The earliest deadline of an item waiting for an answer.
async fn next_deadline(db: &impl ConnectionTrait) -> AppResult<Option<i64>> {
    let due: Option<Option<i64>> = notice_item::Entity::find()
        .select_only()
        .column_as(notice_item::Column::InfoDueAt.min(), "due")
        .filter(notice_item::Column::Status.eq(NoticeItemStatus::InfoRequested))
        .into_tuple()
        .one(db)
        .await?;
    Ok(due.flatten())
}

/// Rejects one unanswered item at its deadline; `false` when it was answered or withdrawn first.
async fn reject_for_silence(shared: &Shared, item: notice_item::Model) -> AppResult<bool> {
    let Some(due) = item.info_due_at else { return Ok(false) };
    let mut work = Work::begin(&shared.db, ActorRole::System, due, &shared.rules).await?;
    lock_around(&work, &item).await?;
    let rejected = notice_item::Entity::update_many()
        .col_expr(notice_item::Column::Status, Expr::value(NoticeItemStatus::Rejected))
        .col_expr(notice_item::Column::DecidedAt, Expr::value(due))
        .col_expr(notice_item::Column::DecisionReason, Expr::value(SILENCE))
        .col_expr(notice_item::Column::InfoDueAt, Expr::value(Option::<i64>::None))
        .filter(notice_item::Column::Id.eq(item.id))
        .filter(notice_item::Column::Status.eq(NoticeItemStatus::InfoRequested))
        .filter(notice_item::Column::InfoDueAt.eq(due))
        .exec(&work.txn)
        .await?;
    if rejected.rows_affected != 1 {
        return Ok(false);
    }
    item_event(&mut work, NoticeEventKind::ItemRejected, ActorRole::System, &item, Some(SILENCE.into())).await?;
    refresh_notice(&work, item.notice_id).await?;
    refresh_trust_tier(&mut work, item.brand_id).await?;
    work.commit(&shared.events).await?;
    Ok(true)
}

/// A message of `kind` about `item` by `identity`.
fn message(
    item: &notice_item::Model,
    kind: NoticeMessageKind,
    identity: &Identity,
    body: &str,
    now: i64,
) -> notice_message::ActiveModel {
    notice_message::ActiveModel {
        notice_id: Set(item.notice_id),
        brand_id: Set(item.brand_id),
        item_id: Set(Some(item.id)),
        kind: Set(kind),
        author_role: Set(actor_of(identity)),
        author_subject: Set(identity.subject.clone()),
        body: Set(body.to_owned()),
        at: Set(now),
        due_at: Set(None),
        answered_at: Set(None),
        question_id: Set(None),
        ..Default::default()
    }
}

/// An event of the channel about `item`: without its seller, so that sellers never see it (nor
/// hear it on `noticeEvents`), and without the message's body.
async fn channel_event(
    work: &mut Work,
    kind: NoticeEventKind,
    item: &notice_item::Model,
    note: Option<String>,
) -> AppResult<()> {
    let actor = work.actor;
    work.event(kind, actor, item.brand_id, Some(item.notice_id), Some(item.id), None, note).await
}
