//! The brands' side of the history: a notice drawn and submitted (and drawn again when the rules
//! refuse it), what its acceptance schedules (counter-notices on an expedited notice; otherwise a
//! withdrawal or a message now and then, and each item's review), withdrawals and messages.

use super::{History, Step, counter, items_of};
use crate::auth::{Identity, Role};
use crate::channel::service as channel;
use crate::ids::Key;
use crate::notices::submit::{self, Submission, SubmittedItem};
use crate::notices::withdraw;
use crate::seed::HOUR;
use crate::states::{EvidenceKind, NoticeReason};

impl History<'_> {
    /// One notice at `at`, and what follows from it once accepted.
    pub(super) async fn submit(&mut self, at: i64) -> Result<(), String> {
        self.bar.inc(1);
        // A few brands send most notices; items are heavy-tailed, mostly 1 to 5. A notice
        // the rules refuse (a listing already removed, or pending for that brand) is
        // drawn again, as a brand would fix and resend it.
        let mut accepted = None;
        for _ in 0..4 {
            let submission = self.draft();
            let (brand, count) = (submission.brand.get(), submission.items.len());
            let agent =
                Identity { subject: "seed".into(), role: Role::BrandAgent, brand_id: Some(brand), seller_id: None };
            match submit::submit(self.shared, &agent, at, submission).await {
                Ok(notice) => {
                    accepted = Some((notice, brand, count));
                    break;
                }
                Err(_) => self.stats.skipped += 1,
            }
        }
        if let Some((notice, brand, count)) = accepted {
            self.stats.notices += 1;
            self.stats.items += count;
            self.after_submission(at, notice, brand).await?;
        }
        Ok(())
    }

    /// A brand's notice as drawn: the brand (a few send most), its listings (heavy-tailed in
    /// number and drawn from a heavy tail of listings), a reason, a mark per listing, and about
    /// one test buy in three items.
    fn draft(&mut self) -> Submission {
        let (brands, first_listing, n_listings) = (self.brands, self.first_listing, self.n_listings);
        let rng = &mut *self.rng;
        let b = rng.skewed(brands.len(), 1.5);
        let (brand, marks) = &brands[b];
        self.brand_of_notice.insert(*brand, b);
        let count = (1.0 / rng.unit().max(0.003).powf(0.6)) as usize;
        let mut listings: Vec<i64> =
            (0..count.clamp(1, 60)).map(|_| first_listing + rng.skewed(n_listings, 1.4) as i64).collect();
        listings.sort_unstable();
        listings.dedup();
        let reasons = [
            NoticeReason::Counterfeit,
            NoticeReason::Counterfeit,
            NoticeReason::TrademarkInfringement,
            NoticeReason::DesignInfringement,
        ];
        // Reason, marks, then evidence: the draws keep the order of earlier seeds.
        let reason = *rng.pick(&reasons);
        let marks: Vec<i64> = listings.iter().map(|_| *rng.pick(marks)).collect();
        let items = listings
            .iter()
            .zip(marks)
            .map(|(l, trademark)| SubmittedItem {
                listing: Key::of(*l),
                trademark: Key::of(trademark),
                evidence: Vec::new(),
            })
            .collect::<Vec<_>>();
        let items = items
            .into_iter()
            .map(|mut item| {
                // About one item in three comes with a test buy.
                if rng.chance(0.3) {
                    item.evidence = vec![crate::evidence::Evidence {
                        kind: EvidenceKind::TestBuy,
                        url: None,
                        sha256: None,
                        order_number: Some(format!("TB-{brand}-{}", item.listing)),
                        note: None,
                    }];
                }
                item
            })
            .collect();
        Submission {
            brand: Key::of(*brand),
            reason,
            explanation: "Listings offer counterfeit goods bearing the brand's registered mark.".into(),
            items,
            by_url: Vec::new(),
            idempotency_key: None,
        }
    }

    /// What an accepted notice schedules: on an expedited one (its items removed at once) a
    /// counter-notice now and then; otherwise now and then a withdrawal or a message, and each
    /// item's review.
    async fn after_submission(&mut self, at: i64, notice: entity::notice::Model, brand: i64) -> Result<(), String> {
        let items = items_of(self.shared, notice.id).await?;
        if notice.expedited {
            for item in items {
                if self.rng.chance(0.04) {
                    self.later.push((at + (1 + self.rng.below(200)) as i64 * HOUR, counter(self.shared, item).await?));
                }
            }
        } else {
            if self.rng.chance(0.03) {
                self.later
                    .push((at + (1 + self.rng.below(48)) as i64 * HOUR, Step::Withdraw { notice: notice.id, brand }));
            }
            if self.rng.chance(0.03) {
                self.later.push((
                    at + (1 + self.rng.below(72)) as i64 * HOUR,
                    Step::Post { notice: notice.id, brand: Some(brand) },
                ));
            }
            self.schedule_reviews(at, brand, items);
        }
        Ok(())
    }

    /// Each item's review: a decision, removal as likely as the brand's notices are accurate,
    /// or a question to the brand first.
    fn schedule_reviews(&mut self, at: i64, brand: i64, items: Vec<i64>) {
        for item in items {
            // Most are decided within days; a backlog waits for months.
            let hours =
                if self.rng.chance(0.08) { 24 * (30 + self.rng.below(90)) } else { 2 + self.rng.skewed(24 * 20, 2.0) };
            let delay = hours as i64 * HOUR;
            let accurate = self.brand_of_notice.get(&brand).map_or(0.8, |&b| self.accuracy[b]);
            let remove = self.rng.chance(accurate);
            // A doubtful item is asked about first.
            let step = if self.rng.chance(0.04) { Step::Ask { item, remove } } else { Step::Decide { item, remove } };
            self.later.push((at + delay, step));
        }
    }

    /// The brand withdraws its notice: its items still pending (the rules refuse a closed notice).
    pub(super) async fn withdraw(&mut self, at: i64, notice: i64, brand: i64) {
        let agent = Identity { subject: "seed".into(), role: Role::BrandAgent, brand_id: Some(brand), seller_id: None };
        let _ = withdraw::withdraw(self.shared, &agent, at, Key::of(notice)).await;
    }

    /// A message to the notice's thread: the brand's, which a reviewer answers some hours later.
    pub(super) async fn post(&mut self, at: i64, notice: i64, brand: Option<i64>) {
        let (author, body) = match brand {
            Some(b) => (
                Identity { subject: "seed".into(), role: Role::BrandAgent, brand_id: Some(b), seller_id: None },
                "More listings of this seller carry our mark; we can send test buys.",
            ),
            None => (self.reviewer.clone(), "Thank you; the review is under way."),
        };
        let command = channel::PostMessage { notice: Key::of(notice), body: body.into() };
        if channel::post_message(self.shared, &author, at, command).await.is_ok() && brand.is_some() {
            self.later.push((at + (1 + self.rng.below(48)) as i64 * HOUR, Step::Post { notice, brand: None }));
        }
    }
}
