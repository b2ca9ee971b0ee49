//! Writing a statement of reasons, in the transaction of the removal it explains. It knows no
//! GraphQL and no workflow rule: the workflow tells it what it decided.

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::error::{AppError, AppResult};
use crate::states::{AccountDecision, AutomatedDecision, EvidenceKind, NoticeReason, RemovalProcedure};
use crate::time::instant;
use crate::work::Work;
use entity::{evidence, listing, notice, notice_item, statement_of_reasons, trademark};

/// The most characters the Transparency Database takes in each text field.
pub const MAX_LEGAL_GROUND: usize = 500;
pub const MAX_EXPLANATION: usize = 2_000;
pub const MAX_FACTS: usize = 5_000;

/// What the workflow decided, for the statement to explain.
#[derive(Debug, Clone, Copy)]
pub struct Restriction {
    pub procedure: RemovalProcedure,
    /// The account decision the removal's strike caused, and the seller's active strikes after it.
    pub account: Option<(AccountDecision, i64)>,
}

/// What a statement cites of an item's listing, mark and notice.
#[derive(Debug, sea_orm::FromQueryResult)]
struct Cited {
    listed_at: i64,
    mark: String,
    jurisdiction: String,
    registration_number: String,
    reason: NoticeReason,
    submitted_at: i64,
}

/// Writes the statement of reasons for the removal of `item` (just decided, at `work.now`).
pub async fn issue(work: &Work, item: &notice_item::Model, restriction: Restriction) -> AppResult<()> {
    // What the statement cites of the listing, the mark and the notice, in one statement: a
    // good-faith takedown writes one statement of reasons per item, up to 300 in a transaction.
    let facts = Query::select()
        .column((listing::Entity, listing::Column::ListedAt))
        .columns([
            (trademark::Entity, trademark::Column::Mark),
            (trademark::Entity, trademark::Column::Jurisdiction),
            (trademark::Entity, trademark::Column::RegistrationNumber),
        ])
        .columns([(notice::Entity, notice::Column::Reason), (notice::Entity, notice::Column::SubmittedAt)])
        .from(notice_item::Entity)
        .inner_join(
            listing::Entity,
            Expr::col((listing::Entity, listing::Column::Id))
                .equals((notice_item::Entity, notice_item::Column::ListingId)),
        )
        .inner_join(
            trademark::Entity,
            Expr::col((trademark::Entity, trademark::Column::Id))
                .equals((notice_item::Entity, notice_item::Column::TrademarkId)),
        )
        .inner_join(
            notice::Entity,
            Expr::col((notice::Entity, notice::Column::Id))
                .equals((notice_item::Entity, notice_item::Column::NoticeId)),
        )
        .and_where(Expr::col((notice_item::Entity, notice_item::Column::Id)).eq(item.id))
        .to_owned();
    let cited = Cited::find_by_statement(work.backend().build(&facts))
        .one(&work.txn)
        .await?
        .ok_or_else(|| AppError::Internal(format!("item {} vanished", item.id)))?;
    let kinds: Vec<EvidenceKind> = evidence::Entity::find()
        .select_only()
        .column(evidence::Column::Kind)
        .distinct()
        .filter(evidence::Column::ItemId.eq(item.id))
        .order_by_asc(evidence::Column::Kind)
        .into_tuple()
        .all(&work.txn)
        .await?;
    let reason = cited.reason;
    let window = |d: std::time::Duration| work.now.saturating_add(crate::time::micros_of(d));
    let text = Text {
        procedure: restriction.procedure,
        account: restriction.account,
        reason,
        kinds: &kinds,
        strike_ttl: work.rules.strike_ttl,
    };
    statement_of_reasons::ActiveModel {
        item_id: Set(item.id),
        notice_id: Set(item.notice_id),
        brand_id: Set(item.brand_id),
        seller_id: Set(item.seller_id),
        listing_id: Set(item.listing_id),
        procedure: Set(restriction.procedure),
        content_removed: Set(true),
        account_decision: Set(restriction.account.map(|(d, _)| d)),
        automated_decision: Set(automated(restriction.procedure)),
        keyword: Set(crate::states::keyword_of(reason)),
        legal_ground: Set(clip(&legal_ground(&cited, reason), MAX_LEGAL_GROUND)),
        explanation: Set(clip(&text.explanation(), MAX_EXPLANATION)),
        facts: Set(clip(&text.facts(cited.submitted_at, work.now), MAX_FACTS)),
        content_date: Set(cited.listed_at),
        application_date: Set(work.now),
        territorial_scope: Set(work.rules.territorial_scope.as_str().into()),
        counter_notice_until: Set(Some(window(work.rules.counter_notice_window))),
        appeal_until: Set(Some(window(work.rules.appeal_window))),
        ..Default::default()
    }
    .insert(&work.txn)
    .await
    .map_err(|e| {
        crate::work::conflict_on_unique(e, "itemId", "this item's removal has a statement of reasons already")
    })?;
    Ok(())
}

/// Expedited removals are taken by SYSTEM without a person; every other by a reviewer.
pub fn automated(procedure: RemovalProcedure) -> AutomatedDecision {
    match procedure {
        RemovalProcedure::Expedited => AutomatedDecision::Fully,
        RemovalProcedure::Review | RemovalProcedure::Appeal => AutomatedDecision::NotAutomated,
    }
}

/// The legal ground: the right infringed, named by the register entry of the mark the notice
/// cites.
fn legal_ground(mark: &Cited, reason: NoticeReason) -> String {
    let entry = format!(
        "\"{}\" ({} registration {})",
        mark.mark.trim(),
        mark.jurisdiction.trim(),
        mark.registration_number.trim()
    );
    let right = match reason {
        NoticeReason::Counterfeit | NoticeReason::TrademarkInfringement => {
            return format!(
                "Infringement of the registered trademark {entry}: its holder has the exclusive right to use the \
                 mark in the course of trade for the goods it is registered for."
            );
        }
        NoticeReason::CopyrightInfringement => "a copyright",
        NoticeReason::DesignInfringement => "a design right",
        NoticeReason::PatentInfringement => "a patent",
    };
    format!(
        "Infringement of {right} held by the rights holder of the registered trademark {entry}, as its notice states."
    )
}

/// The free text of a statement, built only from facts the platform decided or the notice's
/// structured fields: never from what a seller or a brand wrote, so it carries no personal data.
struct Text<'a> {
    procedure: RemovalProcedure,
    account: Option<(AccountDecision, i64)>,
    reason: NoticeReason,
    kinds: &'a [EvidenceKind],
    /// How long a strike stays active.
    strike_ttl: std::time::Duration,
}

impl Text<'_> {
    /// What the listing was found to do, by the right the notice invokes.
    fn infringement(&self) -> &'static str {
        match self.reason {
            NoticeReason::Counterfeit | NoticeReason::TrademarkInfringement => {
                "offers goods under a sign identical or similar to the registered trademark, without the holder's consent"
            }
            NoticeReason::CopyrightInfringement => "reproduces works protected by the rights holder's copyright",
            NoticeReason::DesignInfringement => "offers goods that copy the rights holder's protected design",
            NoticeReason::PatentInfringement => "offers goods that infringe the rights holder's patent",
        }
    }

    fn explanation(&self) -> String {
        let infringement = self.infringement();
        let mut out = match self.procedure {
            RemovalProcedure::Review => format!(
                "A reviewer examined the rights holder's notice and found that the listing {infringement}. The \
                 listing was removed."
            ),
            RemovalProcedure::Expedited => format!(
                "The notice, which states that the listing {infringement}, came from a rights holder whose past \
                 notices were found accurate (trusted tier). Under the good-faith takedown procedure the listing was \
                 removed on receipt, without review by a person. The seller may contest the removal; any appeal is \
                 decided by a person."
            ),
            RemovalProcedure::Appeal => format!(
                "The rights holder appealed the earlier rejection of its notice. On appeal, a reviewer other than the \
                 one who rejected it found that the listing {infringement}, and the listing was removed."
            ),
        };
        out.push_str(&format!(
            " The removal adds a strike to the seller's account, active for {}.",
            span(self.strike_ttl)
        ));
        match self.account {
            Some((AccountDecision::Suspended, strikes)) => out.push_str(&format!(
                " With {strikes} active strikes the seller's account is suspended: it may not create listings until \
                 fewer than three of its strikes are active after one is voided (a counter-notice accepted, a \
                 removal reversed on appeal, or a notice retracted)."
            )),
            Some((AccountDecision::Terminated, strikes)) => {
                out.push_str(&format!(" With {strikes} active strikes the seller's account is terminated."))
            }
            None => {}
        }
        out
    }

    fn facts(&self, notified: i64, decided: i64) -> String {
        let reason = match self.reason {
            NoticeReason::Counterfeit => "counterfeit goods",
            NoticeReason::TrademarkInfringement => "trademark infringement",
            NoticeReason::CopyrightInfringement => "copyright infringement",
            NoticeReason::DesignInfringement => "design infringement",
            NoticeReason::PatentInfringement => "patent infringement",
        };
        let evidence = if self.kinds.is_empty() {
            "no evidence beyond the notice itself".to_owned()
        } else {
            let names: Vec<&str> = self
                .kinds
                .iter()
                .map(|k| match k {
                    EvidenceKind::TestBuy => "a test purchase",
                    EvidenceKind::Screenshot => "screenshots",
                    EvidenceKind::Document => "documents",
                    EvidenceKind::Url => "web addresses",
                })
                .collect();
            format!("evidence: {}", names.join(", "))
        };
        let procedure = match self.procedure {
            RemovalProcedure::Review => "removed by a reviewer's decision",
            RemovalProcedure::Expedited => {
                "removed automatically on receipt (good-faith takedown of a trusted rights holder)"
            }
            RemovalProcedure::Appeal => {
                "removed by a reviewer on the rights holder's appeal against an earlier rejection"
            }
        };
        let mut out = format!(
            "A rights holder notified the listing on {} under Article 16 DSA for {reason}, with {evidence}. \
             The listing was {procedure} on {}.",
            day(notified),
            day(decided)
        );
        if let Some((decision, strikes)) = self.account {
            out.push_str(&format!(
                " The seller's account had {strikes} active strikes after this removal and was {}.",
                decision.as_db().to_lowercase()
            ));
        }
        out
    }
}

/// A period in whole days, hours or seconds: "365 days".
fn span(d: std::time::Duration) -> String {
    let secs = d.as_secs();
    let (n, unit) = match secs {
        s if s >= 86_400 && s % 86_400 == 0 => (s / 86_400, "day"),
        s if s >= 3_600 && s % 3_600 == 0 => (s / 3_600, "hour"),
        s => (s, "second"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

fn day(us: i64) -> String {
    instant(us).format("%Y-%m-%d").to_string()
}

/// `text` cut to at most `max` characters (the Transparency Database's limits count characters).
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => text[..end].to_owned(),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::span;
    use std::time::Duration;

    #[test]
    fn a_strikes_life_reads_in_whole_units() {
        assert_eq!(span(Duration::from_secs(365 * 86_400)), "365 days");
        assert_eq!(span(Duration::from_secs(86_400)), "1 day");
        assert_eq!(span(Duration::from_secs(7_200)), "2 hours");
        assert_eq!(span(Duration::from_secs(90)), "90 seconds");
    }
}
