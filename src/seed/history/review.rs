//! The reviewers' side of the history: an item decided (and what a decision can lead to: a
//! counter-notice, a retraction, an appeal), or a question to the brand first, and the brand's
//! answer, after which the item is decided.

use super::{History, Step, counter};
use crate::auth::{Identity, Role};
use crate::channel::service as channel;
use crate::ids::Key;
use crate::notices::decide::{self, Decision};
use crate::seed::HOUR;
use crate::states::EvidenceKind;

impl History<'_> {
    /// A reviewer decides `item`: removal, or rejection with a reason.
    pub(super) async fn decide(&mut self, at: i64, item: i64, remove: bool) -> Result<(), String> {
        let reason = (!remove).then(|| "Not an infringement on review".to_owned());
        // A withdrawn or already decided item answers CONFLICT: the rules said no.
        let decision = Decision { item: Key::of(item), remove, reason };
        let decided = decide::decide(self.shared, &self.reviewer, at, decision).await.is_ok();
        if decided && remove {
            if self.rng.chance(0.05) {
                self.later.push((at + (1 + self.rng.below(300)) as i64 * HOUR, counter(self.shared, item).await?));
            } else if self.rng.chance(0.01) {
                self.later.push((at + (1 + self.rng.below(400)) as i64 * HOUR, Step::Retract { item }));
            } else if self.rng.chance(0.02) {
                self.later.push((at + (1 + self.rng.below(600)) as i64 * HOUR, Step::Appeal { item }));
            }
        } else if decided && self.rng.chance(0.04) {
            self.later.push((at + (1 + self.rng.below(600)) as i64 * HOUR, Step::Appeal { item }));
        }
        Ok(())
    }

    /// A reviewer asks the brand about `item` instead of deciding it; the deadline is settled
    /// when it passes, whether the brand answered or not.
    pub(super) async fn ask(&mut self, at: i64, item: i64, remove: bool) {
        let question = "Please send a test-buy report or another proof that this listing is not genuine.";
        let command = channel::RequestInformation { item: Key::of(item), question: question.into() };
        // An item withdrawn meanwhile answers CONFLICT: nothing to ask.
        if let Ok(asked) = channel::request_information(self.shared, &self.reviewer, at, command).await {
            self.stats.asked += 1;
            let due = asked.info_due_at.unwrap_or(at);
            // Three brands in four answer in time; the others let the item be rejected.
            if self.rng.chance(0.75) {
                let hours = (due - at) / HOUR;
                let when = at + (1 + self.rng.below(usize::try_from(hours.max(2) - 1).unwrap_or(1))) as i64 * HOUR;
                self.later.push((when.min(due - 1), Step::Answer { item, brand: asked.brand_id, remove }));
            }
            self.later.push((due, Step::Settle));
        }
    }

    /// The brand answers the question about `item` with a test buy; the item is decided later.
    pub(super) async fn answer(&mut self, at: i64, item: i64, brand: i64, remove: bool) {
        let agent = Identity { subject: "seed".into(), role: Role::BrandAgent, brand_id: Some(brand), seller_id: None };
        let evidence = vec![crate::evidence::Evidence {
            kind: EvidenceKind::TestBuy,
            url: None,
            sha256: None,
            order_number: Some(format!("TB-{item}")),
            note: None,
        }];
        let answer = "Our test purchase arrived with a counterfeit hologram and serial number.";
        let command = channel::ProvideInformation { item: Key::of(item), answer: answer.into(), evidence };
        if channel::provide_information(self.shared, &agent, at, command).await.is_ok() {
            self.stats.answered += 1;
            self.later.push((at + (2 + self.rng.below(72)) as i64 * HOUR, Step::Decide { item, remove }));
        }
    }
}
