//! The `Trademark` object.

use async_graphql::{Context, ID, Object};

use crate::error::AppResult;
use crate::fields::{Instant, Text};
use crate::graph::{self, object};
use crate::ids::Kind;
use crate::loaders::{Notices, Rel};
use crate::objects::{Brand, Notice};
use crate::pagination::Connection;
use crate::scalars::Date;

pub use crate::objects::Trademark;
pub use crate::states::TrademarkStatus;

/// Parses the stored Nice classes (`"9,25"`).
pub fn nice_classes(stored: &str) -> Vec<i32> {
    stored.split(',').filter_map(|c| c.trim().parse().ok()).collect()
}

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
        /// When it was registered here (RFC 3339, UTC).
        "createdAt" created_at: Instant = created_at;
    }
    refs {
        /// The brand that holds the mark.
        "brand" brand -> Brand via Brands(brand_id);
    }
    optional_refs {
    }
    methods {
        /// The Nice classes of goods and services the registration covers (1 to 45), ascending, without repeats.
        async fn nice_classes(&self) -> Vec<i32> {
            nice_classes(&self.0.nice_classes)
        }

        /// Whether notices may cite it; `EXPIRED` once `expiresOn` has passed.
        async fn status(&self, ctx: &Context<'_>) -> AppResult<TrademarkStatus> {
            TrademarkStatus::of(&self.0, graph::request(ctx)?.now())
        }

        /// The last day of the registration; null when it does not expire.
        async fn expires_on(&self) -> Option<Date> {
            self.0.expires_on.map(Date)
        }

        /// Notices citing this mark that the viewer may see, newest first.
        #[graphql(complexity = "crate::pagination::cost(first, child_complexity)")]
        async fn notices(
            &self,
            ctx: &Context<'_>,
            #[graphql(desc = "Page size: 1 to 100 (else `BAD_USER_INPUT`), default 20.")] first: Option<i32>,
            #[graphql(desc = "A previous page's `endCursor` (opaque): the page starts after it.")] after: Option<String>,
        ) -> AppResult<Connection<Notice>> {
            graph::nested::<Notices, _>(ctx, Rel::NoticesOfTrademark, self.0.id, first, after, Notice).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_classes_parse_the_stored_list() {
        assert_eq!(nice_classes("9,25, 35"), vec![9, 25, 35]);
        assert_eq!(nice_classes(""), Vec::<i32>::new());
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
