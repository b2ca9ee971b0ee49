//! What the history does after a decision: the seller's counter-notice and its resolution, an
//! appeal (the seller's of a removal, the brand's of a rejection) resolved by a second reviewer,
//! and the brand's retraction of a removal it got wrong.

use sea_orm::EntityTrait;

use super::{History, Step};
use crate::auth::{Identity, Role};
use crate::ids::Key;
use crate::notices::counter_notice::{self, CounterNoticeFiling, CounterNoticeResolution};
use crate::seed::HOUR;
use crate::states::NoticeItemStatus;

impl History<'_> {
    /// The seller files a counter-notice against the removal of `item`; a reviewer resolves it
    /// later, reinstating the listing about one time in three.
    pub(super) async fn counter_notice(&mut self, at: i64, item: i64, seller: i64) {
        let who = Identity { subject: "seed".into(), role: Role::Seller, brand_id: None, seller_id: Some(seller) };
        let statement = "These goods are genuine and were bought from an authorized distributor.".to_owned();
        let filing = CounterNoticeFiling { item: Key::of(item), statement };
        if let Ok(cn) = counter_notice::file_counter_notice(self.shared, &who, at, filing).await {
            let hours = if self.rng.chance(0.2) { 24 * (30 + self.rng.below(120)) } else { 12 + self.rng.below(240) };
            let resolve = Step::Resolve { counter: cn.id, reinstate: self.rng.chance(0.35) };
            self.later.push((at + hours as i64 * HOUR, resolve));
        }
    }

    /// A reviewer resolves a counter-notice: the listing reinstated, or the removal kept.
    pub(super) async fn resolve_counter_notice(&mut self, at: i64, counter: i64, reinstate: bool) {
        let resolution = CounterNoticeResolution { counter_notice: Key::of(counter), reinstate, reason: None };
        let _ = counter_notice::resolve_counter_notice(self.shared, &self.reviewer, at, resolution).await;
    }

    /// The seller appeals the removal of `item`, or the brand its rejection; a second reviewer
    /// resolves the appeal some days later.
    pub(super) async fn appeal(&mut self, at: i64, item: i64) -> Result<(), String> {
        // The seller appeals a removal, the brand a rejection.
        let Some(row) =
            entity::notice_item::Entity::find_by_id(item).one(&self.shared.db).await.map_err(|e| e.to_string())?
        else {
            return Ok(());
        };
        let who = if row.status == NoticeItemStatus::Rejected {
            Identity { subject: "seed".into(), role: Role::BrandAgent, brand_id: Some(row.brand_id), seller_id: None }
        } else {
            Identity { subject: "seed".into(), role: Role::Seller, brand_id: None, seller_id: Some(row.seller_id) }
        };
        let statement = "The decision was wrong: please have another person look at it.";
        let command = crate::notices::appeal::FileAppeal { item: Key::of(item), statement: statement.into() };
        if let Ok(filed) = crate::notices::appeal::file(self.shared, &who, at, command).await {
            self.stats.appeals += 1;
            let hours = 24 + self.rng.below(24 * 20);
            self.later.push((
                at + hours as i64 * HOUR,
                Step::ResolveAppeal { appeal: filed.id, reverse: self.rng.chance(0.3) },
            ));
        }
        Ok(())
    }

    /// A second reviewer resolves an appeal, reversing the decision or upholding it.
    pub(super) async fn resolve_appeal(&mut self, at: i64, appeal: i64, reverse: bool) {
        // Another person than the decision's maker ("seed").
        let second = Identity { subject: "seed-appeals".into(), ..self.reviewer.clone() };
        let command = crate::notices::appeal::ResolveAppeal {
            appeal: Key::of(appeal),
            reverse,
            reason: "Reviewed again by a second reviewer.".into(),
        };
        let _ = crate::notices::appeal::resolve(self.shared, &second, at, command).await;
    }

    /// The brand takes back the removal of `item`.
    pub(super) async fn retract(&mut self, at: i64, item: i64) -> Result<(), String> {
        let brand = entity::notice_item::Entity::find_by_id(item)
            .one(&self.shared.db)
            .await
            .map_err(|e| e.to_string())?
            .map_or(0, |i| i.brand_id);
        let agent = Identity { subject: "seed".into(), role: Role::BrandAgent, brand_id: Some(brand), seller_id: None };
        let command = crate::notices::retract::Retraction {
            item: Key::of(item),
            reason: "The listing was checked again: the goods are genuine.".into(),
        };
        if crate::notices::retract::retract(self.shared, &agent, at, command).await.is_ok() {
            self.stats.retracted += 1;
        }
        Ok(())
    }
}
