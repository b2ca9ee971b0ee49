//! The states and kinds the registry stores, each declared once: its variants, the name it is
//! stored under (which is also its GraphQL name) and, for the API, what each means.
//!
//! A column of one of these types reads and writes the enum itself (sea-orm's `DeriveActiveEnum`
//! over a `TEXT` column): a row holding any other text fails to load instead of being carried
//! around as a string. With the feature `graphql`, each is also a GraphQL enum whose descriptions
//! are these doc comments.

/// A state stored as its name in a `TEXT` column: what `state!` declares.
pub trait State: Sized + Copy + 'static {
    /// Every value, in declaration order.
    const ALL: &'static [Self];
    /// The stored (and GraphQL) name.
    fn as_db(self) -> &'static str;
    /// Reads a stored name; `None` for any other text.
    fn parse(raw: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_db() == raw)
    }
}

/// The state `text` names, or an error naming the enum and the text.
pub fn stored<E: State>(text: &str) -> Result<E, sea_orm::sqlx::error::BoxDynError> {
    E::parse(text).ok_or_else(|| format!("{} holds unknown value {text:?}", std::any::type_name::<E>()).into())
}

/// sqlx's `Type` and `Decode` of state `$name` on backend `$db`: the text it is stored as.
macro_rules! decoded_as_text {
    ($name:ident, $db:ident, $module:ident, $info:ident, $value:ident) => {
        impl sea_orm::sqlx::Type<sea_orm::sqlx::$db> for $name {
            fn type_info() -> sea_orm::sqlx::$module::$info {
                <&str as sea_orm::sqlx::Type<sea_orm::sqlx::$db>>::type_info()
            }
            fn compatible(ty: &sea_orm::sqlx::$module::$info) -> bool {
                <&str as sea_orm::sqlx::Type<sea_orm::sqlx::$db>>::compatible(ty)
            }
        }

        impl<'r> sea_orm::sqlx::Decode<'r, sea_orm::sqlx::$db> for $name {
            fn decode(value: sea_orm::sqlx::$module::$value<'r>) -> Result<Self, sea_orm::sqlx::error::BoxDynError> {
                stored(<&str as sea_orm::sqlx::Decode<sea_orm::sqlx::$db>>::decode(value)?)
            }
        }
    };
}

/// Declares a state: a Rust enum, its stored names, and with the feature `graphql` its GraphQL
/// enum.
macro_rules! state {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sea_orm::EnumIter, sea_orm::DeriveActiveEnum)]
        #[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
        #[sea_orm(rs_type = "String", db_type = "Text")]
        pub enum $name {
            $($(#[$vmeta])* #[sea_orm(string_value = $text)] $variant),*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            /// The stored (and GraphQL) name.
            pub fn as_db(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),*
                }
            }
        }

        impl State for $name {
            const ALL: &'static [Self] = Self::ALL;

            fn as_db(self) -> &'static str {
                Self::as_db(self)
            }
        }

        // Read straight from a row by position (the store's `columns`), as the text it is stored
        // as; any other text is an error of the row.
        decoded_as_text!($name, Postgres, postgres, PgTypeInfo, PgValueRef);
        decoded_as_text!($name, Sqlite, sqlite, SqliteTypeInfo, SqliteValueRef);

        /// The first state: what a row read without this column holds (never shown).
        impl Default for $name {
            fn default() -> Self {
                Self::ALL[0]
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(Self::as_db(*self))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(State::as_db(*self))
            }
        }
    };
}

state! {
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

state! {
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

state! {
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

state! {
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

state! {
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

state! {
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

state! {
    /// Who appeals: the seller against a removal, the brand against a rejection.
    AppealParty {
        /// The listing's seller, against the removal of its item.
        Seller = "SELLER",
        /// The brand whose notice named the item (through an agent), against the item's rejection.
        Brand = "BRAND",
    }
}

state! {
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

state! {
    /// A reviewer's resolution of an appeal.
    AppealOutcome {
        /// The decision stands.
        Upheld = "UPHELD",
        /// The decision is turned: a removal reinstated, a rejection removed.
        Reversed = "REVERSED",
    }
}

state! {
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

state! {
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

state! {
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

state! {
    /// A reviewer's decision on an item.
    ItemDecision {
        /// Take the listing down: item and listing `REMOVED`, and one strike for its seller from the notice's brand.
        Remove = "REMOVE",
        /// Leave the listing up: item `REJECTED`; needs a `reason`.
        Reject = "REJECT",
    }
}

state! {
    /// A reviewer's decision on a counter-notice.
    CounterNoticeDecision {
        /// The seller is right: counter-notice `ACCEPTED`, item and listing `REINSTATED`, the strike voided.
        Reinstate = "REINSTATE",
        /// The removal stands: counter-notice `REJECTED`, item back to `REMOVED`.
        Uphold = "UPHOLD",
    }
}

state! {
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

state! {
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

state! {
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

state! {
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

state! {
    /// A restriction of the seller's account a statement of reasons reports.
    AccountDecision {
        /// Three or four active strikes: no new listings until a strike is voided.
        Suspended = "SUSPENDED",
        /// Five or more: final.
        Terminated = "TERMINATED",
    }
}

state! {
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

state! {
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

state! {
    /// What happened: one event per change of the enforcement workflow (CONTRACT.md section 4).
    NoticeEventKind {
        /// A notice was submitted (once per notice; `item` is null).
        NoticeSubmitted = "NOTICE_SUBMITTED",
        /// An item was removed: by a reviewer, or by SYSTEM on receipt of an expedited notice.
        ItemRemoved = "ITEM_REMOVED",
        /// An item was rejected: by a reviewer (`note` holds the reason), or by SYSTEM when the brand left a question
        /// unanswered.
        ItemRejected = "ITEM_REJECTED",
        /// The brand withdrew the notice's `PENDING` items (once per withdrawal; `item` is null).
        NoticeWithdrawn = "NOTICE_WITHDRAWN",
        /// The seller filed a counter-notice against the item's removal.
        CounterNoticeFiled = "COUNTER_NOTICE_FILED",
        /// A reviewer upheld the removal against the counter-notice (`note` holds the reason, if given).
        CounterNoticeRejected = "COUNTER_NOTICE_REJECTED",
        /// A reviewer accepted the counter-notice: the item and its listing are reinstated.
        ListingReinstated = "LISTING_REINSTATED",
        /// The brand's trust tier changed (`note`: `STANDARD -> TRUSTED` or back), by SYSTEM; brand-level, so
        /// `notice` and `item` are null.
        TrustTierChanged = "TRUST_TIER_CHANGED",
        /// The brand took back the removal of an item (`retractNoticeItem`).
        ItemRetracted = "ITEM_RETRACTED",
        /// The seller appealed a removal, or the brand a rejection.
        AppealFiled = "APPEAL_FILED",
        /// A reviewer upheld the decision under appeal.
        AppealUpheld = "APPEAL_UPHELD",
        /// A reviewer reversed the decision under appeal.
        AppealReversed = "APPEAL_REVERSED",
        /// Too many of the brand's recent notices were unfounded: it is warned.
        NotifierWarned = "NOTIFIER_WARNED",
        /// Warned and unfounded again: the brand may not submit for a while.
        NotifierSuspended = "NOTIFIER_SUSPENDED",
        /// An ADMIN lifted the brand's suspension.
        NotifierReinstated = "NOTIFIER_REINSTATED",
        /// A reviewer asked the brand for information on an item (not shown to sellers).
        InfoRequested = "INFO_REQUESTED",
        /// The brand answered (not shown to sellers).
        InfoProvided = "INFO_PROVIDED",
        /// A message was posted to a notice's thread (not shown to sellers).
        NoticeMessagePosted = "NOTICE_MESSAGE_POSTED",
    }
}

state! {
    /// Who caused an event: the role of the token, or the system itself.
    ActorRole {
        /// An administrator of the platform.
        Admin = "ADMIN",
        /// A reviewer of the platform: decisions on items, counter-notices and appeals.
        Reviewer = "REVIEWER",
        /// An analyst (who may post to a notice's thread).
        Analyst = "ANALYST",
        /// An agent of the notice's brand.
        BrandAgent = "BRAND_AGENT",
        /// The seller of the item's listing: counter-notices and appeals.
        Seller = "SELLER",
        /// The registry itself, with no token: expedited removals, trust-tier and notifier-standing changes, items
        /// rejected for an unanswered question.
        System = "SYSTEM",
    }
}
