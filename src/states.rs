//! The states and kinds the registry stores as text (`db_enum!`): below every domain, so that
//! services, the store and the GraphQL types share them without importing one another.

use crate::db_enum;
use crate::error::AppResult;
use crate::time::instant;

db_enum! {
    /// Whether a brand's notices are fast-tracked (good-faith takedown).
    TrustTier {
        /// The brand's notices wait `PENDING` for a reviewer: it does not meet the trust-tier rule.
        Standard = "STANDARD",
        /// Good-faith takedown: the brand's notices are `expedited`, every item removed at once by SYSTEM. Held while,
        /// over the trust window, enough items were decided, `takedownRate` is at least 0.90 and
        /// `counterNoticeSuccessRate` at most 0.05 (CONTRACT.md section 4).
        Trusted = "TRUSTED",
    }
}

db_enum! {
    /// Whether a listing is up.
    ListingStatus {
        /// Up since it was listed; a notice may name it.
        Active = "ACTIVE",
        /// Taken down by a removal (`removedAt` says when); a new notice may not name it (`CONFLICT`).
        Removed = "REMOVED",
        /// Up again after every removal of it was undone (a counter-notice accepted, a removal retracted or reversed
        /// on appeal); a notice may name it again.
        Reinstated = "REINSTATED",
    }
}

db_enum! {
    /// The ground of a notice.
    NoticeReason {
        /// The listing offers fake goods that bear the brand's mark.
        Counterfeit = "COUNTERFEIT",
        /// The listing uses the brand's mark without right (short of a counterfeit).
        TrademarkInfringement = "TRADEMARK_INFRINGEMENT",
        /// The listing copies a work whose copyright the brand holds (photos, texts, artwork).
        CopyrightInfringement = "COPYRIGHT_INFRINGEMENT",
        /// The listed product copies a design the brand holds the right to.
        DesignInfringement = "DESIGN_INFRINGEMENT",
        /// The listed product uses an invention the brand holds the patent of.
        PatentInfringement = "PATENT_INFRINGEMENT",
    }
}

db_enum! {
    /// Where a notice stands, following its items: `OPEN` while any is `PENDING`, `INFO_REQUESTED` or `COUNTERED`.
    NoticeStatus {
        /// Work remains: an item is `PENDING`, `INFO_REQUESTED` or `COUNTERED` (`closedAt` is null).
        Open = "OPEN",
        /// Nothing waits: every item is decided or withdrawn (`closedAt` says since when). A counter-notice on one of
        /// its items reopens it.
        Closed = "CLOSED",
        /// The brand withdrew it before any of its items was decided: every item is `WITHDRAWN`. Final.
        Withdrawn = "WITHDRAWN",
    }
}

db_enum! {
    /// Where one item of a notice stands.
    NoticeItemStatus {
        /// Waits for a reviewer's decision (`decideNoticeItem`); the brand may still withdraw it.
        Pending = "PENDING",
        /// Taken down: the listing is `REMOVED` and its seller has a strike. The seller may file a counter-notice
        /// within the counter-notice window, or appeal within the appeal window.
        Removed = "REMOVED",
        /// Not taken down: a reviewer found the notice unfounded for this listing (`decisionReason` says why), or the
        /// brand left a reviewer's question unanswered. The brand may appeal.
        Rejected = "REJECTED",
        /// Was removed; the seller filed a counter-notice that awaits a reviewer (`resolveCounterNotice`).
        Countered = "COUNTERED",
        /// Was removed, and the removal was undone (a counter-notice accepted, the brand's retraction, an appeal
        /// reversed): the strike is voided and the listing back up.
        Reinstated = "REINSTATED",
        /// The brand withdrew it while it was `PENDING`; it was never decided.
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
    AppealParty {
        /// The listing's seller, against the removal of its item.
        Seller = "SELLER",
        /// The brand whose notice named the item (through an agent), against the item's rejection.
        Brand = "BRAND",
    }
}

db_enum! {
    /// Where an appeal stands.
    AppealStatus {
        /// Awaits a reviewer other than whoever made the decision (`resolveAppeal`).
        Pending = "PENDING",
        /// Resolved: the decision stands.
        Upheld = "UPHELD",
        /// Resolved: the decision was turned (a removal reinstated, a rejection made a removal).
        Reversed = "REVERSED",
    }
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
    CounterNoticeStatus {
        /// Awaits a reviewer (`resolveCounterNotice`); the item is `COUNTERED` meanwhile.
        Pending = "PENDING",
        /// The seller was right: the item and the listing are `REINSTATED` and the strike is voided (by a reviewer's
        /// `REINSTATE`, or closed so by the brand's retraction or an appeal reversing the removal).
        Accepted = "ACCEPTED",
        /// A reviewer upheld the removal: the item is `REMOVED` again.
        Rejected = "REJECTED",
    }
}

db_enum! {
    /// A reviewer's decision on an item.
    ItemDecision {
        /// Take the listing down: item and listing `REMOVED`, and one strike for its seller from the notice's brand.
        Remove = "REMOVE",
        /// Leave the listing up: item `REJECTED`; needs a `reason`.
        Reject = "REJECT",
    }
}

db_enum! {
    /// A reviewer's decision on a counter-notice.
    CounterNoticeDecision {
        /// The seller is right: counter-notice `ACCEPTED`, item and listing `REINSTATED`, the strike voided.
        Reinstate = "REINSTATE",
        /// The removal stands: counter-notice `REJECTED`, item back to `REMOVED`.
        Uphold = "UPHOLD",
    }
}

db_enum! {
    /// Standing of a seller, following its active strikes: set again whenever a strike is issued or voided (a strike
    /// that merely expires changes no status).
    SellerStatus {
        /// No active strike.
        Active = "ACTIVE",
        /// 1 or 2 active strikes; the seller may still create listings.
        Warned = "WARNED",
        /// 3 or 4 active strikes: the seller may not create listings (`FORBIDDEN`) until strikes are voided.
        Suspended = "SUSPENDED",
        /// 5 or more active strikes were reached: final, and the seller may never create listings again.
        Terminated = "TERMINATED",
    }
}

db_enum! {
    /// What a seller identifier is.
    IdentifierKind {
        /// A payment account (bank account, wallet); trimmed and lowercased.
        PaymentAccount = "PAYMENT_ACCOUNT",
        /// A company or tax registration number; trimmed and lowercased.
        BusinessRegistration = "BUSINESS_REGISTRATION",
        /// A phone number; only its digits are kept.
        Phone = "PHONE",
        /// An email address; lowercased, and for gmail.com and googlemail.com without dots and `+tag` in the local
        /// part, on the domain gmail.com.
        Email = "EMAIL",
        /// A postal address; lowercased, every run of characters other than letters and digits made one space.
        Address = "ADDRESS",
        /// A device fingerprint; trimmed and lowercased.
        Device = "DEVICE",
        /// A hash of a listing's image; trimmed and lowercased.
        ImageHash = "IMAGE_HASH",
    }
}

db_enum! {
    /// Where a trademark stands; `EXPIRED` is read off `expiresOn`, never stored.
    TrademarkStatus {
        /// Registered here and not checked yet: notices may not cite it until a reviewer verifies it.
        PendingVerification = "PENDING_VERIFICATION",
        /// A reviewer checked the registration: the brand's notices may cite it.
        Verified = "VERIFIED",
        /// A reviewer found the registration wanting: notices may not cite it.
        Rejected = "REJECTED",
        /// `expiresOn` has passed, whatever was decided before: notices may not cite it.
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
    AutomatedDecision {
        /// Taken without a person: a good-faith takedown, removed on receipt by SYSTEM.
        Fully = "FULLY",
        /// A person decided with automated help (the registry takes no such decisions today).
        Partially = "PARTIALLY",
        /// A person decided: a reviewer's decision, or one on appeal.
        NotAutomated = "NOT_AUTOMATED",
    }
}

db_enum! {
    /// The intellectual-property right a statement's restriction protects (the specification of
    /// the category INTELLECTUAL_PROPERTY_INFRINGEMENTS).
    StatementKeyword {
        /// A trademark (notices of reason `COUNTERFEIT` or `TRADEMARK_INFRINGEMENT`).
        TrademarkInfringement = "TRADEMARK_INFRINGEMENT",
        /// A copyright (reason `COPYRIGHT_INFRINGEMENT`).
        CopyrightInfringement = "COPYRIGHT_INFRINGEMENT",
        /// A design right (reason `DESIGN_INFRINGEMENT`).
        DesignInfringement = "DESIGN_INFRINGEMENT",
        /// A patent (reason `PATENT_INFRINGEMENT`).
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
