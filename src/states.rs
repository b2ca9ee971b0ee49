//! The states and kinds the registry stores as text (`db_enum!`): below every domain, so that
//! services, the store and the GraphQL types share them without importing one another.

use crate::db_enum;
use crate::error::AppResult;
use crate::time::instant;

db_enum! {
    /// Whether a brand's notices are fast-tracked (good-faith takedown).
    TrustTier { Standard = "STANDARD", Trusted = "TRUSTED" }
}

db_enum! {
    /// Whether a listing is up.
    ListingStatus { Active = "ACTIVE", Removed = "REMOVED", Reinstated = "REINSTATED" }
}

db_enum! {
    /// The ground of a notice.
    NoticeReason {
        Counterfeit = "COUNTERFEIT",
        TrademarkInfringement = "TRADEMARK_INFRINGEMENT",
        CopyrightInfringement = "COPYRIGHT_INFRINGEMENT",
        DesignInfringement = "DESIGN_INFRINGEMENT",
        PatentInfringement = "PATENT_INFRINGEMENT",
    }
}

db_enum! {
    /// `OPEN` while any item is `PENDING` or `COUNTERED`.
    NoticeStatus { Open = "OPEN", Closed = "CLOSED", Withdrawn = "WITHDRAWN" }
}

db_enum! {
    /// Where one item of a notice stands.
    NoticeItemStatus {
        Pending = "PENDING",
        Removed = "REMOVED",
        Rejected = "REJECTED",
        Countered = "COUNTERED",
        Reinstated = "REINSTATED",
        Withdrawn = "WITHDRAWN",
        /// A reviewer asked the brand for information; the item waits for the answer until its
        /// deadline and cannot be decided meanwhile.
        InfoRequested = "INFO_REQUESTED",
    }
}

db_enum! {
    /// A brand's standing as a notifier (DSA Article 23).
    SubmissionStatus {
        /// Submits as usual.
        Active = "ACTIVE",
        /// Too many of its recent notices were unfounded; once more, at least the warning period
        /// later, and it is suspended.
        Warned = "WARNED",
        /// May not submit notices until `submissionSuspendedUntil`.
        Suspended = "SUSPENDED",
    }
}

db_enum! {
    /// Who appeals: the seller against a removal, the brand against a rejection.
    AppealParty { Seller = "SELLER", Brand = "BRAND" }
}

db_enum! {
    /// Where an appeal stands.
    AppealStatus { Pending = "PENDING", Upheld = "UPHELD", Reversed = "REVERSED" }
}

db_enum! {
    /// A reviewer's resolution of an appeal.
    AppealOutcome {
        /// The decision stands.
        Upheld = "UPHELD",
        /// The decision is turned: a removal reinstated, a rejection removed.
        Reversed = "REVERSED",
    }
}

db_enum! {
    /// What a message of a notice's thread is.
    NoticeMessageKind {
        /// Posted to the thread.
        Message = "MESSAGE",
        /// A reviewer's request for information on an item (`requestInformation`).
        Question = "QUESTION",
        /// The brand's answer to a question (`provideInformation`).
        Answer = "ANSWER",
    }
}

db_enum! {
    /// What a piece of evidence is.
    EvidenceKind {
        /// A test purchase; needs the order number.
        TestBuy = "TEST_BUY",
        /// A screenshot; needs its URL and the SHA-256 of the file.
        Screenshot = "SCREENSHOT",
        /// A document (a registration certificate, a lab report); needs its URL and SHA-256.
        Document = "DOCUMENT",
        /// A web address; needs the URL.
        Url = "URL",
    }
}

db_enum! {
    /// Where a counter-notice stands.
    CounterNoticeStatus { Pending = "PENDING", Accepted = "ACCEPTED", Rejected = "REJECTED" }
}

db_enum! {
    /// A reviewer's decision on an item.
    ItemDecision { Remove = "REMOVE", Reject = "REJECT" }
}

db_enum! {
    /// A reviewer's decision on a counter-notice.
    CounterNoticeDecision { Reinstate = "REINSTATE", Uphold = "UPHOLD" }
}

db_enum! {
    /// Standing of a seller, following its active strikes.
    SellerStatus { Active = "ACTIVE", Warned = "WARNED", Suspended = "SUSPENDED", Terminated = "TERMINATED" }
}

db_enum! {
    /// What a seller identifier is.
    IdentifierKind {
        PaymentAccount = "PAYMENT_ACCOUNT",
        BusinessRegistration = "BUSINESS_REGISTRATION",
        Phone = "PHONE",
        Email = "EMAIL",
        Address = "ADDRESS",
        Device = "DEVICE",
        ImageHash = "IMAGE_HASH",
    }
}

db_enum! {
    /// Where a trademark stands; `EXPIRED` is read off `expiresOn`, never stored.
    TrademarkStatus {
        PendingVerification = "PENDING_VERIFICATION",
        Verified = "VERIFIED",
        Rejected = "REJECTED",
        Expired = "EXPIRED",
    }
}

impl TrademarkStatus {
    /// The status of `model` as of `now` (microseconds): `EXPIRED` once `expiresOn` has passed.
    pub fn of(model: &entity::trademark::Model, now: i64) -> AppResult<Self> {
        Self::at(&model.status, model.expires_on, now)
    }

    /// The status of a trademark stored as `status` that expires on `expires_on`, at `now`.
    pub fn at(status: &str, expires_on: Option<chrono::NaiveDate>, now: i64) -> AppResult<Self> {
        let today = instant(now).date_naive();
        match expires_on {
            Some(expires) if expires < today => Ok(Self::Expired),
            _ => Self::from_db(status),
        }
    }
}

db_enum! {
    /// How a removal was decided, as a statement of reasons tells it.
    RemovalProcedure {
        /// A reviewer decided the notice's item.
        Review = "REVIEW",
        /// Removed on receipt by SYSTEM: a good-faith takedown of a TRUSTED brand's notice.
        Expedited = "EXPEDITED",
        /// A reviewer reversed the rejection of the item on the brand's appeal.
        Appeal = "APPEAL",
    }
}

db_enum! {
    /// A restriction of the seller's account a statement of reasons reports.
    AccountDecision {
        /// Three or four active strikes: no new listings until a strike is voided.
        Suspended = "SUSPENDED",
        /// Five or more: final.
        Terminated = "TERMINATED",
    }
}

db_enum! {
    /// Whether a decision was taken without a person (DSA Transparency Database terms).
    AutomatedDecision { Fully = "FULLY", Partially = "PARTIALLY", NotAutomated = "NOT_AUTOMATED" }
}

db_enum! {
    /// The intellectual-property right a statement's restriction protects (the specification of
    /// the category INTELLECTUAL_PROPERTY_INFRINGEMENTS).
    StatementKeyword {
        TrademarkInfringement = "TRADEMARK_INFRINGEMENT",
        CopyrightInfringement = "COPYRIGHT_INFRINGEMENT",
        DesignInfringement = "DESIGN_INFRINGEMENT",
        PatentInfringement = "PATENT_INFRINGEMENT",
    }
}

impl StatementKeyword {
    /// The right a notice of this reason invokes (a counterfeit infringes a trademark).
    pub fn of(reason: NoticeReason) -> Self {
        match reason {
            NoticeReason::Counterfeit | NoticeReason::TrademarkInfringement => Self::TrademarkInfringement,
            NoticeReason::CopyrightInfringement => Self::CopyrightInfringement,
            NoticeReason::DesignInfringement => Self::DesignInfringement,
            NoticeReason::PatentInfringement => Self::PatentInfringement,
        }
    }
}
