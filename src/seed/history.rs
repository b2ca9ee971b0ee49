//! The registry's simulated history: two years of notices, decisions, requests for information,
//! counter-notices, appeals, retractions and messages, each taken through the workflow's own
//! services at its instant on a simulated clock, so the registry holds only states the rules can
//! reach (a step the rules refuse is refused, as it would be for a client).
//!
//! This file holds the clock: the steps waiting in time order, and the loop that takes them.
//! Each step's handler is in the room of its phase: `history/notices.rs` (a brand's notice and
//! what it schedules), `history/review.rs` (a reviewer's decision, or a question to the brand
//! first), `history/redress.rs` (counter-notices, appeals and retractions after a decision).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use sea_orm::EntityTrait;

use super::registry::Listings;
use super::{Bar, DAY, Rng, Run, msg};
use crate::auth::{Identity, Role};
use crate::channel::service as channel;
use crate::graph::Shared;

mod notices;
mod redress;
mod review;

/// What the history did, for the seed's summary.
#[derive(Default)]
pub(super) struct SimStats {
    pub(super) notices: usize,
    pub(super) items: usize,
    pub(super) skipped: usize,
    /// Requests for information, and how many the brands answered.
    pub(super) asked: usize,
    pub(super) answered: usize,
    pub(super) retracted: usize,
    pub(super) appeals: usize,
}

/// What happens next, at an instant.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Submit(usize),
    Decide {
        item: i64,
        remove: bool,
    },
    Counter {
        item: i64,
        seller: i64,
    },
    Resolve {
        counter: i64,
        reinstate: bool,
    },
    Withdraw {
        notice: i64,
        brand: i64,
    },
    /// A reviewer asks the brand about the item instead of deciding it.
    Ask {
        item: i64,
        remove: bool,
    },
    /// The brand answers; the item is decided some time later.
    Answer {
        item: i64,
        brand: i64,
        remove: bool,
    },
    /// The deadlines passed by then are settled, as the server's sweep would.
    Settle,
    /// The seller appeals a removal, or the brand a rejection.
    Appeal {
        item: i64,
    },
    /// A second reviewer resolves an appeal.
    ResolveAppeal {
        appeal: i64,
        reverse: bool,
    },
    /// The brand takes back a removal it got wrong.
    Retract {
        item: i64,
    },
    /// A message to a notice's thread, by its brand or by a reviewer.
    Post {
        notice: i64,
        brand: Option<i64>,
    },
}

/// What every step of the history reads and writes: the run's database, generator and bar, the
/// registry's shape, the brands' habits, the figures so far, and the steps the current one
/// schedules (`later`, queued in the order they were pushed once it is done).
struct History<'a> {
    shared: &'a Shared,
    rng: &'a mut Rng,
    bar: &'a Bar,
    reviewer: Identity,
    brands: &'a [(i64, Vec<i64>)],
    first_listing: i64,
    n_listings: usize,
    /// How often each brand's notices hold up, by the brand's index in `brands`.
    accuracy: Vec<f64>,
    /// The index in `brands` of each brand id that has sent a notice.
    brand_of_notice: HashMap<i64, usize>,
    stats: SimStats,
    later: Vec<(i64, Step)>,
}

/// Runs `n_notices` notices, and all that follows from them, through the workflow on a clock from
/// `run.t0` to `run.now`: the steps wait in a queue by instant (and, at one instant, by the order
/// they were scheduled in), and each may schedule more.
pub(super) async fn simulate(
    run: &mut Run<'_>,
    brands: &[(i64, Vec<i64>)],
    listings: &Listings,
    n_notices: usize,
) -> Result<SimStats, String> {
    let (t0, now) = (run.t0, run.now);
    let rng = &mut run.rng;
    let reviewer = Identity { subject: "seed".into(), role: Role::Reviewer, brand_id: None, seller_id: None };
    let mut queue: BinaryHeap<Reverse<(i64, u64, Step)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let span = (now - t0 - DAY).max(DAY);
    for n in 0..n_notices {
        let at = t0 + (span as f64 * (n as f64 / n_notices as f64)) as i64 + rng.below(3600) as i64 * 1_000_000;
        queue.push(Reverse((at, seq, Step::Submit(n))));
        seq += 1;
    }
    // How often each brand's notices hold up: careful brands earn TRUSTED, sloppy ones never do.
    let mut accuracy: Vec<f64> = brands.iter().map(|_| 0.6 + 0.38 * rng.unit()).collect();
    // And one busy brand notices carelessly: it is warned, then suspended, as a notifier.
    if let Some(sloppy) = accuracy.get_mut(1) {
        *sloppy = 0.3;
    }
    let mut history = History {
        shared: run.shared,
        rng,
        bar: &run.bar,
        reviewer,
        brands,
        first_listing: listings.first,
        n_listings: listings.count,
        accuracy,
        brand_of_notice: HashMap::new(),
        stats: SimStats::default(),
        later: Vec::new(),
    };
    while let Some(Reverse((at, _, step))) = queue.pop() {
        if at >= now {
            continue;
        }
        history.take(at, step).await?;
        for (when, step) in history.later.drain(..) {
            queue.push(Reverse((when, seq, step)));
            seq += 1;
        }
    }
    Ok(history.stats)
}

impl History<'_> {
    /// Takes `step` at instant `at` through its handler, which schedules what follows in `later`.
    async fn take(&mut self, at: i64, step: Step) -> Result<(), String> {
        match step {
            Step::Submit(_) => self.submit(at).await?,
            Step::Decide { item, remove } => self.decide(at, item, remove).await?,
            Step::Counter { item, seller } => self.counter_notice(at, item, seller).await,
            Step::Resolve { counter, reinstate } => self.resolve_counter_notice(at, counter, reinstate).await,
            Step::Withdraw { notice, brand } => self.withdraw(at, notice, brand).await,
            Step::Ask { item, remove } => self.ask(at, item, remove).await,
            Step::Answer { item, brand, remove } => self.answer(at, item, brand, remove).await,
            Step::Appeal { item } => self.appeal(at, item).await?,
            Step::ResolveAppeal { appeal, reverse } => self.resolve_appeal(at, appeal, reverse).await,
            Step::Retract { item } => self.retract(at, item).await?,
            Step::Settle => {
                channel::settle_due(self.shared, at, true).await.map_err(msg)?;
            }
            Step::Post { notice, brand } => self.post(at, notice, brand).await,
        }
        Ok(())
    }
}

/// The counter-notice step for `item`, filed by the seller of its listing.
async fn counter(shared: &Shared, item: i64) -> Result<Step, String> {
    let seller = entity::notice_item::Entity::find_by_id(item)
        .one(&shared.db)
        .await
        .map_err(|e| e.to_string())?
        .map_or(0, |i| i.seller_id);
    Ok(Step::Counter { item, seller })
}

/// The items of `notice`, in id order.
async fn items_of(shared: &Shared, notice: i64) -> Result<Vec<i64>, String> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    Ok(entity::notice_item::Entity::find()
        .filter(entity::notice_item::Column::NoticeId.eq(notice))
        .order_by_asc(entity::notice_item::Column::Id)
        .all(&shared.db)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|i| i.id)
        .collect())
}
