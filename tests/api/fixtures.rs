//! Rows written straight into the database, for tests of reads (the workflow's own tests go
//! through the mutations instead).

use rightsgraph::time::now_micros;
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};

/// One hour, in microseconds.
pub const HOUR: i64 = 3_600_000_000;

/// Writes rows with sensible defaults.
pub struct Builder<'a> {
    pub db: &'a DatabaseConnection,
    pub now: i64,
    n: i64,
}

impl<'a> Builder<'a> {
    pub fn new(db: &'a DatabaseConnection) -> Self {
        Self { db, now: now_micros(), n: 0 }
    }

    fn next(&mut self) -> i64 {
        self.n += 1;
        self.n
    }

    pub async fn brand(&mut self, name: &str) -> i64 {
        entity::brand::ActiveModel {
            name: Set(name.into()),
            country: Set("US".into()),
            trust_tier: Set(rightsgraph::states::TrustTier::Standard),
            created_at: Set(self.now - 1000 * HOUR),
            // Written, not left to the default of a column a later migration added: sqlx's
            // SQLite driver has answered NULL for such a default in `RETURNING`.
            submission_status: Set(rightsgraph::states::SubmissionStatus::Active),
            ..Default::default()
        }
        .insert(self.db)
        .await
        .expect("brand")
        .id
    }

    pub async fn trademark(&mut self, brand: i64) -> i64 {
        let n = self.next();
        entity::trademark::ActiveModel {
            brand_id: Set(brand),
            mark: Set(format!("MARK{n}")),
            registration_number: Set(format!("REG-{n}")),
            jurisdiction: Set("US".into()),
            nice_classes: Set("9,25".into()),
            status: Set(crate::harness::state("VERIFIED")),
            expires_on: Set(None),
            created_at: Set(self.now - 900 * HOUR),
            ..Default::default()
        }
        .insert(self.db)
        .await
        .expect("trademark")
        .id
    }

    pub async fn seller(&mut self, handle: &str) -> i64 {
        let seller = entity::seller::ActiveModel {
            handle: Set(handle.into()),
            display_name: Set(handle.to_uppercase()),
            country: Set("CN".into()),
            status: Set(crate::harness::state("ACTIVE")),
            created_at: Set(self.now - 800 * HOUR),
            active_strikes: Set(0),
            ..Default::default()
        }
        .insert(self.db)
        .await
        .expect("seller");
        // A seller alone is its own component (see the seller_clusters migration).
        let mut alone: entity::seller::ActiveModel = seller.clone().into();
        alone.cluster_id = Set(Some(seller.id));
        alone.update(self.db).await.expect("seller cluster");
        seller.id
    }

    pub async fn identifier(&mut self, seller: i64, kind: &str, value: &str) {
        entity::seller_identifier::ActiveModel {
            seller_id: Set(seller),
            kind: Set(crate::harness::state(kind)),
            value: Set(value.into()),
            created_at: Set(self.now),
            ..Default::default()
        }
        .insert(self.db)
        .await
        .expect("identifier");
    }

    pub async fn listing(&mut self, seller: i64, title: &str) -> i64 {
        let n = self.next();
        entity::listing::ActiveModel {
            seller_id: Set(seller),
            title: Set(title.into()),
            title_search: Set(Some(title.to_lowercase())),
            url: Set(format!("https://shop.example/{n}")),
            price_amount: Set("19.99".into()),
            price_currency: Set("USD".into()),
            status: Set(crate::harness::state("ACTIVE")),
            listed_at: Set(self.now - 700 * HOUR + n),
            removed_at: Set(None),
            ..Default::default()
        }
        .insert(self.db)
        .await
        .expect("listing")
        .id
    }

    /// A notice submitted `hours_ago`.
    pub async fn notice(&mut self, brand: i64, status: &str, hours_ago: i64) -> i64 {
        entity::notice::ActiveModel {
            brand_id: Set(brand),
            reason: Set(rightsgraph::states::NoticeReason::Counterfeit),
            explanation: Set("These listings sell counterfeits of our mark.".into()),
            status: Set(crate::harness::state(status)),
            expedited: Set(false),
            submitted_at: Set(self.now - hours_ago * HOUR),
            closed_at: Set(None),
            idempotency_key: Set(None),
            request_hash: Set(None),
            ..Default::default()
        }
        .insert(self.db)
        .await
        .expect("notice")
        .id
    }

    /// An item of `notice` (of `brand`) against `listing` of `seller`.
    pub async fn item(
        &mut self,
        notice: i64,
        brand: i64,
        listing: i64,
        seller: i64,
        trademark: i64,
        status: &str,
    ) -> i64 {
        entity::notice_item::ActiveModel {
            notice_id: Set(notice),
            listing_id: Set(listing),
            trademark_id: Set(trademark),
            brand_id: Set(brand),
            seller_id: Set(seller),
            status: Set(crate::harness::state(status)),
            submitted_at: Set(self.now - 10 * HOUR),
            decided_at: Set((status != "PENDING").then_some(self.now - 5 * HOUR)),
            decision_reason: Set(None),
            ..Default::default()
        }
        .insert(self.db)
        .await
        .expect("item")
        .id
    }

    /// A strike for `item`, expiring `expires_in_hours` from now (negative: already expired).
    pub async fn strike(&mut self, item: i64, brand: i64, seller: i64, expires_in_hours: i64) -> i64 {
        self.strike_until(item, brand, seller, self.now + expires_in_hours * HOUR).await
    }

    /// A strike for `item` that expires at `expires_at` (microseconds since the epoch).
    pub async fn strike_until(&mut self, item: i64, brand: i64, seller: i64, expires_at: i64) -> i64 {
        let id = entity::strike::ActiveModel {
            seller_id: Set(seller),
            brand_id: Set(brand),
            item_id: Set(item),
            issued_at: Set(self.now - 5 * HOUR),
            expires_at: Set(expires_at),
            voided: Set(false),
            ..Default::default()
        }
        .insert(self.db)
        .await
        .expect("strike")
        .id;
        // Every writer of strikes keeps the seller's count, as the workflow does.
        rightsgraph::sellers::strikes::recount_all(self.db, &[seller], rightsgraph::time::now_micros())
            .await
            .expect("recount");
        id
    }

    pub async fn counter_notice(&mut self, item: i64, brand: i64, seller: i64) -> i64 {
        entity::counter_notice::ActiveModel {
            item_id: Set(item),
            seller_id: Set(seller),
            brand_id: Set(brand),
            statement: Set("We bought these from an authorized distributor.".into()),
            status: Set(crate::harness::state("PENDING")),
            filed_at: Set(self.now - HOUR),
            resolved_at: Set(None),
            resolution_reason: Set(None),
            ..Default::default()
        }
        .insert(self.db)
        .await
        .expect("counter-notice")
        .id
    }

    pub async fn event(&mut self, brand: i64, notice: i64, item: Option<i64>, seller: Option<i64>, kind: &str) -> i64 {
        let n = self.next();
        entity::notice_event::ActiveModel {
            brand_id: Set(brand),
            notice_id: Set(Some(notice)),
            item_id: Set(item),
            seller_id: Set(seller),
            kind: Set(crate::harness::state(kind)),
            actor_role: Set(rightsgraph::events::ActorRole::Reviewer),
            at: Set(self.now - 10 * HOUR + n),
            note: Set(None),
            ..Default::default()
        }
        .insert(self.db)
        .await
        .expect("event")
        .id
    }
}

/// Two brands whose notices both target seller `s1`; `s2` only by brand A; `s3` by none.
pub struct World {
    pub brand_a: i64,
    pub brand_b: i64,
    pub tm_a: i64,
    pub tm_b: i64,
    pub s1: i64,
    pub s2: i64,
    pub s3: i64,
    pub l1a: i64,
    pub l1b: i64,
    pub l2: i64,
    pub l3: i64,
    pub notice_a: i64,
    pub notice_b: i64,
    /// A's item against `l1a` (removed, with strike `strike_a` and counter-notice `counter_a`).
    pub item_a1: i64,
    /// A's item against `l2` (pending).
    pub item_a2: i64,
    /// B's item against `l1b` (removed, with strike `strike_b`).
    pub item_b1: i64,
    pub strike_a: i64,
    pub strike_b: i64,
    pub counter_a: i64,
    pub event_a_submitted: i64,
    pub event_a1_removed: i64,
    pub event_b1_removed: i64,
}

impl World {
    /// Writes the world.
    pub async fn build(db: &DatabaseConnection) -> Self {
        let mut b = Builder::new(db);
        let brand_a = b.brand("Acme").await;
        let brand_b = b.brand("Bolt").await;
        let tm_a = b.trademark(brand_a).await;
        let tm_b = b.trademark(brand_b).await;
        let s1 = b.seller("seller-one").await;
        let s2 = b.seller("seller-two").await;
        let s3 = b.seller("seller-three").await;
        b.identifier(s1, "PHONE", "8613800000000").await;
        let l1a = b.listing(s1, "Acme sneakers replica").await;
        let l1b = b.listing(s1, "Bolt charger clone").await;
        let l2 = b.listing(s2, "Acme hoodie").await;
        let l3 = b.listing(s3, "Plain mug").await;
        let notice_a = b.notice(brand_a, "OPEN", 10).await;
        let notice_b = b.notice(brand_b, "CLOSED", 20).await;
        let item_a1 = b.item(notice_a, brand_a, l1a, s1, tm_a, "COUNTERED").await;
        let item_a2 = b.item(notice_a, brand_a, l2, s2, tm_a, "PENDING").await;
        let item_b1 = b.item(notice_b, brand_b, l1b, s1, tm_b, "REMOVED").await;
        let strike_a = b.strike(item_a1, brand_a, s1, 1000).await;
        let strike_b = b.strike(item_b1, brand_b, s1, 1000).await;
        let counter_a = b.counter_notice(item_a1, brand_a, s1).await;
        let event_a_submitted = b.event(brand_a, notice_a, None, None, "NOTICE_SUBMITTED").await;
        let event_a1_removed = b.event(brand_a, notice_a, Some(item_a1), Some(s1), "ITEM_REMOVED").await;
        let event_b1_removed = b.event(brand_b, notice_b, Some(item_b1), Some(s1), "ITEM_REMOVED").await;
        Self {
            brand_a,
            brand_b,
            tm_a,
            tm_b,
            s1,
            s2,
            s3,
            l1a,
            l1b,
            l2,
            l3,
            notice_a,
            notice_b,
            item_a1,
            item_a2,
            item_b1,
            strike_a,
            strike_b,
            counter_a,
            event_a_submitted,
            event_a1_removed,
            event_b1_removed,
        }
    }
}
