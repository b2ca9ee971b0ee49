//! A reviewer's decision on a notice item (CONTRACT.md section 4, "Decisions").

use super::service::{
    actor_of, decide_pending, item_event, lock_around, refresh_notice, refresh_trust_tier, reload_item, remove,
    visible_item_by_id,
};
use crate::auth::{Identity, Role};
use crate::error::{AppError, AppResult};
use crate::events::NoticeEventKind;
use crate::graph::Shared;
use crate::ids::Key;
use crate::states::NoticeItemStatus;
use crate::values;
use crate::work::Work;
use entity::notice_item;

/// A reviewer's decision on an item.
#[derive(Debug, Clone)]
pub struct Decision {
    pub item: Key<crate::objects::NoticeItem>,
    /// `REMOVE` (else `REJECT`).
    pub remove: bool,
    /// 1 to 2,000 characters; required to reject.
    pub reason: Option<String>,
}

impl Decision {
    /// The command from a client's values; bad input names its field.
    pub fn parse(item: &str, remove: bool, reason: Option<String>) -> AppResult<Self> {
        let item = Key::<crate::objects::NoticeItem>::decode(item, "itemId")?;
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
    if item.status != NoticeItemStatus::Pending {
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
