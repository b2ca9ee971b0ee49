//! The `Trademark` object.

use async_graphql::{ID, Object};

use crate::declare::object;
use crate::fields::{Classes, Instant, MaybeDay, State, Text};
use crate::ids::Kind;
use crate::loaders::Rel;
use crate::objects::{Brand, Notice};
use crate::scalars::Date;

pub use crate::objects::Trademark;
pub use crate::states::TrademarkStatus;

object! {
    head {
        /// A registered mark of a brand, which its notices cite. Every role reads trademarks.
        #[Object]
        impl Trademark
    }
    Trademark(Kind::Trademark, Trademark) {
        /// The trademark's opaque global id.
        id;
        /// The mark as registered (a word or the name of a figurative mark), 1 to 200 characters.
        "mark" mark: Text = mark;
        /// The issuing office's number, upper-cased: 1 to 64 letters, digits, spaces, `.`, `/` or `-`. Unique within
        /// the jurisdiction.
        "registrationNumber" registration_number: Text = registration_number;
        /// Issuing office: ISO 3166-1 alpha-2 country code, or EM (EUIPO) or WO (WIPO).
        "jurisdiction" jurisdiction: Text = jurisdiction;
        /// The Nice classes of goods and services the registration covers (1 to 45), ascending, without repeats.
        "niceClasses" nice_classes: Classes = nice_classes;
        /// The last day of the registration; null when it does not expire.
        "expiresOn" expires_on: MaybeDay = expires_on;
        /// When it was registered here (RFC 3339, UTC).
        "createdAt" created_at: Instant = created_at;
    }
    refs {
        /// The brand that holds the mark.
        "brand" brand -> Brand via Brands(brand_id);
    }
    optional_refs {
    }
    derived {
        /// Whether notices may cite it; `EXPIRED` once `expiresOn` has passed.
        "status" status: State<TrademarkStatus>
            = [status, expires_on] |now| crate::states::trademark_status_at(*status, *expires_on, now);
    }
    connections(first, "crate::pagination::cost(first, child_complexity)") {
        /// Notices citing this mark that the viewer may see, newest first.
        "notices" notices -> Notice via Notices [] => Rel::NoticesOfTrademark;
    }
    methods {
    }
}

/// A trademark to register.
#[derive(async_graphql::InputObject)]
pub struct RegisterTrademarkInput {
    /// The brand that holds the mark (opaque global id); a brand agent may name only its own.
    pub brand_id: ID,
    /// The mark as registered: 1 to 200 characters.
    pub mark: String,
    /// The issuing office's number: 1 to 64 letters, digits, spaces, `.`, `/` or `-` (any case). A second trademark
    /// with the same number in the same jurisdiction is `CONFLICT`.
    pub registration_number: String,
    /// Issuing office: ISO 3166-1 alpha-2 country code, or EM (EUIPO) or WO (WIPO); any case.
    pub jurisdiction: String,
    /// The Nice classes the registration covers: at least one, each 1 to 45.
    pub nice_classes: Vec<i32>,
    /// The last day of the registration, after today; absent when it does not expire.
    pub expires_on: Option<Date>,
}

/// A verification decision.
#[derive(async_graphql::InputObject)]
pub struct VerifyTrademarkInput {
    /// The trademark to decide on (opaque global id).
    pub trademark_id: ID,
    /// true: `VERIFIED`, so notices may cite it; false: `REJECTED`.
    pub approve: bool,
}
