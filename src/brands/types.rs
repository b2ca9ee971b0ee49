//! The `Brand` object.

use async_graphql::{Context, Object};
use chrono::{DateTime, Utc};

use crate::declare::object;
use crate::error::AppResult;
use crate::fields::{Instant, MaybeMoment, MaybeState, State, Text};
use crate::graph;
use crate::ids::Kind;
use crate::loaders::Rel;
use crate::notices::filter::{NoticeFilter, notice_criteria};
use crate::notices::standing;
use crate::notices::stats::{BrandStats, StatsKey};
use crate::objects::{Notice, NoticeEvent, Trademark};

pub use crate::objects::Brand;
use crate::states::SubmissionStatus;
pub use crate::states::TrustTier;

object! {
    head {
        /// A rights holder: it registers trademarks, and its agents send takedown notices. Every role reads brands.
        #[Object]
        impl Brand
    }
    Brand(Kind::Brand, Brand) {
        /// The brand's opaque global id.
        id;
        /// The brand's name, 1 to 200 characters.
        "name" name: Text = name;
        /// ISO 3166-1 alpha-2 country code.
        "country" country: Text = country;
        /// Whether the brand's notices are fast-tracked; weighed again after every decision or counter-notice resolution
        /// touching the brand.
        "trustTier" trust_tier: State<TrustTier> = trust_tier;
        /// When the brand was created (RFC 3339, UTC).
        "createdAt" created_at: Instant = created_at;
    }
    refs {
    }
    optional_refs {
    }
    derived {
        /// The brand's standing as a notifier: WARNED or SUSPENDED after too many unfounded notices.
        /// Staff and the brand's own agents read it; anyone else is refused (`FORBIDDEN`).
        "submissionStatus" submission_status: MaybeState<SubmissionStatus>
            = [submission_status, suspended_until] if standing::may_read
            |now| Some(standing::status(*submission_status, *suspended_until, now));
        /// While SUSPENDED: when the brand may submit notices again (readable as `submissionStatus`).
        "submissionSuspendedUntil" submission_suspended_until: MaybeMoment
            = [submission_status, suspended_until] if standing::may_read
            |now| suspended_until
                .filter(|_| standing::status(*submission_status, *suspended_until, now) == SubmissionStatus::Suspended)
                .map(crate::time::instant);
    }
    connections(first, "crate::pagination::cost(first, child_complexity)") {
        /// The brand's registered marks, oldest first.
        "trademarks" trademarks -> Trademark via Trademarks [] => Rel::TrademarksOfBrand;
        /// The brand's notices that the viewer may see, newest first.
        "notices" notices -> Notice via Notices [
            #[graphql(desc = "Which of the brand's notices; absent: all the viewer may see.")]
            "filter" filter: Option<NoticeFilter>,
        ] => Rel::NoticesOfBrand(notice_criteria(filter)?);
        /// Every event of the brand that the viewer may see, newest first: those of its notices and the brand-level ones
        /// (trust tier, notifier standing). Empty for another brand's agent.
        "enforcementHistory" enforcement_history -> NoticeEvent via Events [
            #[graphql(desc = "Only events at or after this instant (RFC 3339).")]
            "since" since: Option<DateTime<Utc>>,
        ] => Rel::EventsOfBrand { since: since.map(crate::time::micros) };
    }
    methods {
        /// The brand's enforcement figures since `since` (all time when absent). A brand agent sees
        /// only its own brand's (`FORBIDDEN` otherwise); a seller only those about its listings.
        /// Batched per request: every brand and `since` asked (aliases too) is counted together.
        async fn stats(
            &self,
            ctx: &Context<'_>,
            #[graphql(desc = "Count from this instant on (RFC 3339); absent: all time.")] since: Option<DateTime<Utc>>,
        ) -> AppResult<Option<BrandStats>> {
            crate::notices::stats::may_read(graph::identity(ctx)?.scope(), self.0.id)?;
            let key = StatsKey { brand: self.0.id, since: since.map(crate::time::micros) };
            graph::request(ctx)?.loaders().load_one(key).await
        }

    }
}

/// A new brand.
#[derive(async_graphql::InputObject)]
pub struct CreateBrandInput {
    /// The brand's name: 1 to 200 characters, trimmed.
    pub name: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
}
