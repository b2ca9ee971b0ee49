//! Submitting a notice (CONTRACT.md section 4, "Submitting a notice", "Idempotency",
//! "Good-faith takedown").

use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use sha2::{Digest, Sha256};

use super::service::{actor_of, refresh_notice, refresh_trust_tier, remove};
use crate::auth::Identity;
use crate::error::{AppError, AppResult};
use crate::events::{ActorRole, NoticeEventKind};
use crate::evidence::{Evidence, EvidenceInput};
use crate::graph::Shared;
use crate::ids::{GlobalId, Key, Kind};
use crate::objects::Trademark;
use crate::states::{ListingStatus, NoticeItemStatus, NoticeReason, NoticeStatus, TrademarkStatus, TrustTier};
use crate::values::{self, ListingAddress};
use crate::work::Work;
use entity::{brand, listing, notice, notice_item, trademark};

/// Most items one notice may hold.
pub const MAX_ITEMS: usize = 300;

/// One item of a submission: the listing, the brand's mark it infringes, and its evidence.
#[derive(Debug, Clone)]
pub struct SubmittedItem {
    pub listing: Key<crate::objects::Listing>,
    pub trademark: Key<crate::objects::Trademark>,
    pub evidence: Vec<Evidence>,
}

/// One item named by its listing's marketplace address instead of its id.
#[derive(Debug, Clone)]
pub struct SubmittedByUrl {
    /// The address, normalized.
    pub url: ListingAddress,
    pub trademark: Key<crate::objects::Trademark>,
    pub evidence: Vec<Evidence>,
}

/// A notice as submitted, parsed: ids decoded, texts checked, the good-faith declaration made.
#[derive(Debug, Clone)]
pub struct Submission {
    pub brand: Key<crate::objects::Brand>,
    pub reason: NoticeReason,
    /// 10 to 5,000 characters, trimmed.
    pub explanation: String,
    /// The items named by listing id; with `by_url`, 1 to `MAX_ITEMS` items, each listing once.
    pub items: Vec<SubmittedItem>,
    /// The items named by listing address (`itemsByUrl`), after those of `items`.
    pub by_url: Vec<SubmittedByUrl>,
    /// 1 to 128 characters.
    pub idempotency_key: Option<String>,
}

/// One item as a client sent it: listing id (or address, in `itemsByUrl`), trademark id,
/// evidence.
pub type RawItem<'a> = (&'a str, &'a str, &'a [EvidenceInput]);

/// The input path of item `i` of a submission whose first `by_id` items name listings by id.
fn item_path(i: usize, by_id: usize) -> String {
    if i < by_id { format!("items.{i}") } else { format!("itemsByUrl.{}", i - by_id) }
}

/// The input field that names the listing of item `i`.
fn listing_field(i: usize, by_id: usize) -> String {
    if i < by_id { format!("items.{i}.listingId") } else { format!("itemsByUrl.{}.listingUrl", i - by_id) }
}

impl Submission {
    /// The command from a client's values; the first bad value names its input path.
    pub fn parse(
        brand: &str,
        reason: NoticeReason,
        explanation: &str,
        good_faith: bool,
        items: &[RawItem<'_>],
        by_url: &[RawItem<'_>],
        idempotency_key: Option<String>,
    ) -> AppResult<Self> {
        let brand = Key::<crate::objects::Brand>::decode(brand, "brandId")?;
        if !good_faith {
            return Err(AppError::bad_input("goodFaithDeclaration", "goodFaithDeclaration must be true"));
        }
        let explanation = values::text(explanation, 10, 5000, "explanation")?;
        let count = items.len() + by_url.len();
        if count == 0 || count > MAX_ITEMS {
            return Err(AppError::bad_input(
                "items",
                format!("items: 1 to {MAX_ITEMS} items (with itemsByUrl), got {count}"),
            ));
        }
        if let Some(key) = &idempotency_key
            && !(1..=128).contains(&key.chars().count())
        {
            return Err(AppError::bad_input("idempotencyKey", "idempotencyKey: 1 to 128 characters"));
        }
        let mut seen = HashSet::new();
        let mut parsed = Vec::with_capacity(items.len());
        for (i, (listing, trademark, evidence)) in items.iter().enumerate() {
            let listing = Key::<crate::objects::Listing>::decode(listing, &format!("items.{i}.listingId"))?;
            let trademark = Key::<crate::objects::Trademark>::decode(trademark, &format!("items.{i}.trademarkId"))?;
            if !seen.insert(listing) {
                return Err(AppError::bad_input(
                    format!("items.{i}.listingId"),
                    format!("items.{i}.listingId: the listing appears twice in the notice"),
                ));
            }
            let evidence = crate::evidence::parse_all(evidence, &format!("items.{i}.evidence"))?;
            parsed.push(SubmittedItem { listing, trademark, evidence });
        }
        let mut addresses = HashSet::new();
        let mut named = Vec::with_capacity(by_url.len());
        for (i, (url, trademark, evidence)) in by_url.iter().enumerate() {
            let field = format!("itemsByUrl.{i}.listingUrl");
            let url = ListingAddress::parse(url, &field)?;
            let trademark =
                Key::<crate::objects::Trademark>::decode(trademark, &format!("itemsByUrl.{i}.trademarkId"))?;
            if !addresses.insert(url.clone()) {
                return Err(AppError::bad_input(&field, format!("{field}: the listing appears twice in the notice")));
            }
            let evidence = crate::evidence::parse_all(evidence, &format!("itemsByUrl.{i}.evidence"))?;
            named.push(SubmittedByUrl { url, trademark, evidence });
        }
        Ok(Self { brand, reason, explanation, items: parsed, by_url: named, idempotency_key })
    }

    /// The fingerprint that tells a replay of the same notice from another notice under one key.
    /// It hashes ids as the client spells them (a global id has one spelling) so that notices
    /// stored before the command was typed keep their fingerprints.
    fn fingerprint(&self) -> String {
        let mut hash = Sha256::new();
        let brand = self.brand.to_string();
        for part in [brand.as_str(), self.reason.as_db(), self.explanation.as_str()] {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        // The good-faith declaration, always made by a parsed submission.
        hash.update([1]);
        let mut item = |listing: &[u8], trademark: Key<Trademark>, evidence: &[Evidence]| {
            hash.update(listing);
            hash.update([1]);
            hash.update(trademark.to_string().as_bytes());
            hash.update([2]);
            for e in evidence {
                hash.update(format!("{e:?}").as_bytes());
                hash.update([3]);
            }
        };
        for i in &self.items {
            item(i.listing.to_string().as_bytes(), i.trademark, &i.evidence);
        }
        // Items by address hash after the others, each behind a 4 (none: the fingerprint of
        // earlier versions).
        for i in &self.by_url {
            item(&[&[4u8][..], i.url.as_str().as_bytes()].concat(), i.trademark, &i.evidence);
        }
        hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Submits a notice (CONTRACT.md section 4, "Submitting a notice", "Idempotency", "Good-faith
/// takedown"). Any failure writes nothing.
pub async fn submit(shared: &Shared, identity: &Identity, now: i64, input: Submission) -> AppResult<notice::Model> {
    let brand_id = input.brand.get();
    identity.require_brand_actor(brand_id, "submit notices")?;
    let fingerprint = input.fingerprint();
    if let Some(existing) = replay(&shared.db, brand_id, &input, &fingerprint).await? {
        return Ok(existing);
    }
    match write_notice(shared, identity, now, &input, &fingerprint).await {
        // A replay racing the first request with its key can lose to it anywhere (its items are
        // PENDING now, or its key is taken): answer as the replay it is.
        Err(err) if input.idempotency_key.is_some() => {
            replay(&shared.db, brand_id, &input, &fingerprint).await?.ok_or(err)
        }
        other => other,
    }
}

/// The write of `submit`, in one transaction.
async fn write_notice(
    shared: &Shared,
    identity: &Identity,
    now: i64,
    input: &Submission,
    fingerprint: &str,
) -> AppResult<notice::Model> {
    let brand_id = input.brand.get();
    let mut work = Work::begin(&shared.db, actor_of(identity), now, &shared.rules).await?;
    // Lock order of every workflow transaction (PostgreSQL): brand, notice, sellers, listings,
    // each in id order, then items. Writers that touch the same rows queue instead of deadlocking.
    work.lock("brand", brand_id).await?;
    let brand = brand::Entity::find_by_id(brand_id)
        .one(&work.txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no Brand {}", GlobalId::new(Kind::Brand, brand_id))))?;
    super::standing::require_may_submit(&brand, now)?;
    let submitted = by_address(&work, input).await?;
    let items = check_items(&work, brand_id, &submitted, input.items.len()).await?;
    if brand.trust_tier == TrustTier::Trusted {
        work.lock_all("seller", items.iter().map(|(l, _)| l.seller_id)).await?;
        work.lock_all("listing", items.iter().map(|(l, _)| l.id)).await?;
    }
    let expedited = brand.trust_tier == TrustTier::Trusted;
    let inserted = notice::ActiveModel {
        brand_id: Set(brand_id),
        reason: Set(input.reason),
        explanation: Set(input.explanation.clone()),
        status: Set(NoticeStatus::Open),
        expedited: Set(expedited),
        submitted_at: Set(now),
        closed_at: Set(None),
        idempotency_key: Set(input.idempotency_key.clone()),
        request_hash: Set(Some(fingerprint.to_owned())),
        ..Default::default()
    }
    .insert(&work.txn)
    .await;
    let created = inserted.map_err(|e| {
        crate::work::conflict_on_unique(e, "idempotencyKey", "idempotencyKey: taken by a concurrent request")
    })?;
    let rows: Vec<notice_item::ActiveModel> = items
        .iter()
        .map(|(l, t)| notice_item::ActiveModel {
            notice_id: Set(created.id),
            listing_id: Set(l.id),
            trademark_id: Set(*t),
            brand_id: Set(brand_id),
            seller_id: Set(l.seller_id),
            status: Set(NoticeItemStatus::Pending),
            submitted_at: Set(now),
            decided_at: Set(None),
            decision_reason: Set(None),
            ..Default::default()
        })
        .collect();
    let mut inserted = notice_item::Entity::insert_many(rows)
        .exec_with_returning(&work.txn)
        .await
        .map_err(|e| crate::work::conflict_on_unique(e, "items", "a listing already has an open item of this brand"))?;
    write_evidence(&work, &items, &inserted, &submitted).await?;
    work.event(NoticeEventKind::NoticeSubmitted, work.actor, brand_id, Some(created.id), None, None, None).await?;
    if expedited {
        // Good-faith takedown: every item removed at once by SYSTEM, listings in id order so
        // that concurrent removals lock rows in one order.
        inserted.sort_by_key(|i| i.listing_id);
        for item in inserted {
            remove(&mut work, item, ActorRole::System, None, None).await?;
        }
        refresh_notice(&work, created.id).await?;
        refresh_trust_tier(&mut work, brand_id).await?;
    }
    let created = notice::Entity::find_by_id(created.id)
        .one(&work.txn)
        .await?
        .ok_or_else(|| AppError::Internal("notice vanished".into()))?;
    work.commit(&shared.events).await?;
    Ok(created)
}

/// Writes the evidence each item was submitted with; `checked` is the items in input order.
async fn write_evidence(
    work: &Work,
    checked: &[(listing::Model, i64)],
    inserted: &[notice_item::Model],
    submitted: &[SubmittedItem],
) -> AppResult<()> {
    let item_of: HashMap<i64, i64> = inserted.iter().map(|i| (i.listing_id, i.id)).collect();
    let mut rows = Vec::new();
    for ((listing, _), submitted) in checked.iter().zip(submitted) {
        let Some(&item) = item_of.get(&listing.id) else { continue };
        rows.extend(submitted.evidence.iter().cloned().map(|e| entity::evidence::ActiveModel {
            item_id: Set(item),
            message_id: Set(None),
            kind: Set(e.kind),
            url: Set(e.url),
            sha256: Set(e.sha256),
            order_number: Set(e.order_number),
            note: Set(e.note),
            added_at: Set(work.now),
            ..Default::default()
        }));
    }
    if !rows.is_empty() {
        entity::evidence::Entity::insert_many(rows).exec(&work.txn).await?;
    }
    Ok(())
}

/// The notice first made with this submission's key, if any; `CONFLICT` when the key was used
/// for a different notice.
async fn replay(
    db: &impl ConnectionTrait,
    brand_id: i64,
    input: &Submission,
    fingerprint: &str,
) -> AppResult<Option<notice::Model>> {
    let Some(key) = &input.idempotency_key else { return Ok(None) };
    let existing = notice::Entity::find()
        .filter(notice::Column::BrandId.eq(brand_id))
        .filter(notice::Column::IdempotencyKey.eq(key.as_str()))
        .one(db)
        .await?;
    match existing {
        Some(n) if n.request_hash.as_deref() == Some(fingerprint) => Ok(Some(n)),
        Some(_) => Err(AppError::conflict_at(
            "idempotencyKey",
            "idempotencyKey: already used for a different notice of this brand",
        )),
        None => Ok(None),
    }
}

/// Every item of `input`, those named by address resolved to their listing's id, in input order:
/// `BAD_USER_INPUT` at `itemsByUrl.N.listingUrl` for an address no listing holds, and for a
/// listing already named by id.
async fn by_address(work: &Work, input: &Submission) -> AppResult<Vec<SubmittedItem>> {
    let mut all = input.items.clone();
    if input.by_url.is_empty() {
        return Ok(all);
    }
    let held = Query::select()
        .column(listing::Column::Id)
        .column(listing::url_key())
        .from(listing::Entity)
        .and_where(Expr::col(listing::url_key()).is_in(input.by_url.iter().map(|item| item.url.as_str())))
        .to_owned();
    let held: HashMap<String, i64> = work
        .txn
        .query_all(&held)
        .await?
        .iter()
        .map(|row| Ok((row.try_get::<String>("", listing::URL_KEY)?, row.try_get::<i64>("", "id")?)))
        .collect::<AppResult<_>>()?;
    let by_id: HashSet<i64> = input.items.iter().map(|i| i.listing.get()).collect();
    for (i, item) in input.by_url.iter().enumerate() {
        let field = format!("itemsByUrl.{i}.listingUrl");
        let listing = *held
            .get(item.url.as_str())
            .ok_or_else(|| AppError::bad_input(&field, format!("{field}: no listing at this address")))?;
        if by_id.contains(&listing) {
            return Err(AppError::bad_input(
                &field,
                format!("{field}: the listing appears twice in the notice (also named by id)"),
            ));
        }
        all.push(SubmittedItem {
            listing: Key::of(listing),
            trademark: item.trademark,
            evidence: item.evidence.clone(),
        });
    }
    Ok(all)
}

/// Checks every item of a submission in order (the first `by_id` named by id, the rest by
/// address); the first failure names its input path.
async fn check_items(
    work: &Work,
    brand_id: i64,
    submitted: &[SubmittedItem],
    by_id: usize,
) -> AppResult<Vec<(listing::Model, i64)>> {
    let parsed: Vec<(i64, i64)> = submitted.iter().map(|i| (i.listing.get(), i.trademark.get())).collect();
    let listing_ids: Vec<i64> = parsed.iter().map(|p| p.0).collect();
    let trademark_ids: Vec<i64> = parsed.iter().map(|p| p.1).collect();
    let listings: HashMap<i64, listing::Model> = crate::sql::by_ids(&work.txn, "listing", &listing_ids, &[]).await?;
    let trademarks: HashMap<i64, trademark::Model> =
        crate::sql::by_ids(&work.txn, "trademark", &trademark_ids, &[]).await?;
    let pending: HashSet<i64> = notice_item::Entity::find()
        .select_only()
        .column(notice_item::Column::ListingId)
        .filter(notice_item::Column::Status.is_in([NoticeItemStatus::Pending, NoticeItemStatus::InfoRequested]))
        .filter(notice_item::Column::BrandId.eq(brand_id))
        .filter(crate::sql::id_in(work.backend(), (notice_item::Entity, notice_item::Column::ListingId), &listing_ids))
        .into_tuple::<i64>()
        .all(&work.txn)
        .await?
        .into_iter()
        .collect();
    let mut out = Vec::with_capacity(parsed.len());
    for (i, (listing_id, trademark_id)) in parsed.into_iter().enumerate() {
        let tm_field = format!("{}.trademarkId", item_path(i, by_id));
        let tm = trademarks
            .get(&trademark_id)
            .filter(|t| t.brand_id == brand_id)
            .ok_or_else(|| AppError::bad_input(&tm_field, format!("{tm_field}: not a trademark of this brand")))?;
        if crate::states::trademark_status(tm, work.now) != TrademarkStatus::Verified {
            return Err(AppError::bad_input(
                &tm_field,
                format!("{tm_field}: the trademark is not VERIFIED and in force"),
            ));
        }
        let l_field = listing_field(i, by_id);
        let listing = listings
            .get(&listing_id)
            .ok_or_else(|| AppError::bad_input(&l_field, format!("{l_field}: no such listing")))?;
        if listing.status == ListingStatus::Removed {
            return Err(AppError::conflict_at(&l_field, format!("{l_field}: the listing is already REMOVED")));
        }
        if pending.contains(&listing_id) {
            return Err(AppError::conflict_at(
                &l_field,
                format!("{l_field}: the listing already has an open (PENDING or INFO_REQUESTED) item of this brand"),
            ));
        }
        out.push((listing.clone(), trademark_id));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Notices stored before submissions were parsed into ids keep their fingerprints, so that
    /// replaying a key from then still answers with its notice: the digest below was computed
    /// independently, over the client's spelling of the ids as the earlier version hashed it.
    #[test]
    fn fingerprint_of_a_parsed_submission_is_the_one_stored_before() {
        let items =
            [("lst_000000000042", "tmk_000000000003", &[][..]), ("lst_000000000043", "tmk_000000000003", &[][..])];
        let parsed = Submission::parse(
            "brd_000000000007",
            NoticeReason::Counterfeit,
            "  Counterfeit watches bearing our mark.  ",
            true,
            &items,
            &[],
            Some("key-1".into()),
        )
        .expect("a valid submission");
        assert_eq!(parsed.fingerprint(), "9a8ae3272fb2a6c5d37b8f65f4539589e83d06d50a4b0affb18f4976fb12f4b7");
    }

    #[test]
    fn parse_names_the_first_bad_value() {
        let field = |err: AppError| match err {
            AppError::BadInput { field, .. } => field,
            other => panic!("expected BAD_USER_INPUT, got {other:?}"),
        };
        let good = [("lst_000000000001", "tmk_000000000001", &[][..])];
        let twice = [good[0], good[0]];
        let wrong_kind = [("slr_000000000001", "tmk_000000000001", &[][..])];
        let parse = |brand: &str, good_faith: bool, items: &[RawItem<'_>]| {
            Submission::parse(brand, NoticeReason::Counterfeit, "long enough text", good_faith, items, &[], None)
        };
        assert_eq!(field(parse("nope", true, &good).unwrap_err()), "brandId");
        assert_eq!(field(parse("brd_000000000001", false, &good).unwrap_err()), "goodFaithDeclaration");
        assert_eq!(field(parse("brd_000000000001", true, &[]).unwrap_err()), "items");
        assert_eq!(field(parse("brd_000000000001", true, &twice).unwrap_err()), "items.1.listingId");
        assert_eq!(field(parse("brd_000000000001", true, &wrong_kind).unwrap_err()), "items.0.listingId");
    }
}
