//! Nested connections (`brand.notices`, `notice.items`, …) loaded for many parents at once: one
//! statement per distinct page argument, whatever the number of parents.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

use async_graphql::dataloader::Loader;
use sea_orm::sea_query::ExprTrait;

use super::{
    Batcher, Events, Items, Listings, Messages, Notices, PageRows, Sellers, Statements, Strikes, Table, Trademarks,
};
use crate::auth::{Scope, visibility};
use crate::columns::Mask;
use crate::error::{AppError, AppResult};
use crate::pagination::{Cursor, PageArgs};
use crate::sql::order::{BY_ID, HAPPENED, ISSUED, LATEST, NEWEST_ID, NEWEST_SUBMITTED};
use crate::sql::{self, ListSpec, Sql, t};
use crate::states::{ListingStatus, NoticeReason, NoticeStatus};

/// A relation from a parent row to a list of child rows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Rel {
    /// `Brand.trademarks`, oldest first.
    TrademarksOfBrand,
    /// `Brand.notices`, newest first.
    NoticesOfBrand(NoticeCriteria),
    /// `Trademark.notices`: notices citing the trademark, newest first.
    NoticesOfTrademark,
    /// `Seller.listings`, oldest first, optionally of one status.
    ListingsOfSeller(Option<ListingStatus>),
    /// `Seller.strikes`, newest first.
    StrikesOfSeller { active_only: bool },
    /// `Notice.items`, in the order submitted.
    ItemsOfNotice,
    /// `Listing.noticeItems`, newest first.
    ItemsOfListing,
    /// `Seller.noticeItems`, newest first.
    ItemsOfSeller,
    /// `Notice.events`, in the order they happened.
    EventsOfNotice,
    /// `Brand.enforcementHistory`, newest first, optionally since an instant.
    EventsOfBrand { since: Option<i64> },
    /// `Notice.messages`, oldest first.
    MessagesOfNotice,
    /// `OffenderCluster.members`, by id.
    MembersOfCluster,
    /// `Seller.statementsOfReasons`, oldest first.
    StatementsOfSeller,
}

impl Rel {
    /// How many values a cursor of this list holds (its sort key's length).
    pub fn arity(&self) -> usize {
        self.spec(Scope::All, 0).0.order.len()
    }

    /// The list for one parent, as the viewer with `scope` may see it at instant `now`, and the
    /// column that holds the parent's id.
    fn spec(&self, scope: Scope, now: i64) -> (ListSpec, &'static str) {
        match self {
            Rel::TrademarksOfBrand => (ListSpec::new("trademark", BY_ID), "brand_id"),
            Rel::NoticesOfBrand(criteria) => {
                let mut spec = ListSpec::new("notice", NEWEST_SUBMITTED).and_opt(visibility::notice(scope));
                spec.conds.extend(criteria.conds());
                (spec, "brand_id")
            }
            Rel::NoticesOfTrademark => {
                let from = "(SELECT n.*, c.trademark_id AS rg_tm FROM notice n JOIN \
                            (SELECT DISTINCT notice_id, trademark_id FROM notice_item) c ON c.notice_id = n.id)";
                let mut spec = ListSpec::new(from, NEWEST_SUBMITTED).and_opt(visibility::notice(scope));
                spec.from = from.to_owned();
                (spec, "rg_tm")
            }
            Rel::ListingsOfSeller(status) => {
                let spec = ListSpec::new("listing", BY_ID).and_opt(status.map(|s| t("status").eq(s)));
                (spec, "seller_id")
            }
            Rel::StrikesOfSeller { active_only } => {
                let active = active_only.then(|| t("voided").eq(false).and(t("expires_at").gt(now)));
                let spec = ListSpec::new("strike", NEWEST_ID).and_opt(visibility::owned(scope)).and_opt(active);
                (spec, "seller_id")
            }
            Rel::ItemsOfNotice => (ListSpec::new("notice_item", BY_ID).and_opt(visibility::owned(scope)), "notice_id"),
            Rel::ItemsOfListing => {
                (ListSpec::new("notice_item", NEWEST_ID).and_opt(visibility::owned(scope)), "listing_id")
            }
            Rel::ItemsOfSeller => {
                (ListSpec::new("notice_item", NEWEST_SUBMITTED).and_opt(visibility::owned(scope)), "seller_id")
            }
            Rel::MembersOfCluster => (ListSpec::new("seller", BY_ID), "cluster_id"),
            Rel::StatementsOfSeller => {
                (ListSpec::new("statement_of_reasons", ISSUED).and_opt(visibility::owned(scope)), "seller_id")
            }
            Rel::EventsOfNotice => {
                (ListSpec::new("notice_event", HAPPENED).and_opt(visibility::owned(scope)), "notice_id")
            }
            Rel::MessagesOfNotice => {
                (ListSpec::new("notice_message", HAPPENED).and_opt(visibility::channel(scope)), "notice_id")
            }
            Rel::EventsOfBrand { since } => {
                let since = since.map(|s| t("at").gte(s));
                let spec = ListSpec::new("notice_event", LATEST).and_opt(visibility::owned(scope)).and_opt(since);
                (spec, "brand_id")
            }
        }
    }
}

/// Which table a relation's rows come from, so a page decodes into the right model.
pub trait RelTable: Table {}
impl RelTable for Trademarks {}
impl RelTable for Notices {}
impl RelTable for Listings {}
impl RelTable for Strikes {}
impl RelTable for Items {}
impl RelTable for Events {}
impl RelTable for Messages {}
impl RelTable for Sellers {}
impl RelTable for Statements {}

/// One page of `rel` under `parent`.
pub struct PageOf<T> {
    pub rel: Rel,
    pub parent: i64,
    pub args: PageArgs,
    table: PhantomData<T>,
}

impl<T> PageOf<T> {
    /// The key of a page.
    pub fn new(rel: Rel, parent: i64, args: PageArgs) -> Self {
        Self { rel, parent, args, table: PhantomData }
    }
}
impl<T> Clone for PageOf<T> {
    fn clone(&self) -> Self {
        Self::new(self.rel.clone(), self.parent, self.args.clone())
    }
}
impl<T> PartialEq for PageOf<T> {
    fn eq(&self, o: &Self) -> bool {
        self.rel == o.rel && self.parent == o.parent && self.args == o.args
    }
}
impl<T> Eq for PageOf<T> {}
impl<T> Hash for PageOf<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (&self.rel, self.parent, &self.args).hash(state);
    }
}

impl<T: RelTable> Loader<PageOf<T>> for Batcher {
    type Value = Vec<(Cursor, T::Model)>;
    type Error = AppError;

    async fn load(&self, keys: &[PageOf<T>]) -> Result<HashMap<PageOf<T>, Self::Value>, AppError> {
        // Siblings in one query share their arguments: one statement per distinct (rel, args).
        let mut groups: HashMap<(&Rel, &PageArgs), Vec<i64>> = HashMap::new();
        for k in keys {
            groups.entry((&k.rel, &k.args)).or_default().push(k.parent);
        }
        let mut out = HashMap::new();
        for ((rel, args), parents) in groups {
            for (parent, rows) in self.pages::<T>(rel, args, &parents, Mask::ALL).await? {
                out.insert(PageOf::new(rel.clone(), parent, args.clone()), rows);
            }
        }
        Ok(out)
    }
}

impl Batcher {
    /// Page `args` of `rel` under each of `parents`, in one statement, each row with the fields
    /// of `mask`: what `PageOf<T>` loads, as a list with every parent once (an empty page for a
    /// parent with no rows).
    pub async fn pages<T: RelTable>(
        &self,
        rel: &Rel,
        args: &PageArgs,
        parents: &[i64],
        mask: Mask,
    ) -> AppResult<Vec<(i64, PageRows<T::Model>)>> {
        let (spec, parent_col) = rel.spec(self.scope, self.now);
        let mut found =
            sql::page_per_parent::<T::Model>(&self.db, &spec, parent_col, parents, args, mask).await?.into_iter();
        let mut next = found.next();
        // Both lists are in parent order once `parents` is sorted; the statement's is.
        let mut sorted = parents.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let mut out = Vec::with_capacity(sorted.len());
        for parent in sorted {
            match next.take() {
                Some((p, rows)) if p == parent => {
                    out.push((parent, rows));
                    next = found.next();
                }
                other => {
                    out.push((parent, Vec::new()));
                    next = other;
                }
            }
        }
        Ok(out)
    }
}

/// The number of rows of `rel` under `parent` that the viewer may see.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CountOf {
    pub rel: Rel,
    pub parent: i64,
}

impl Loader<CountOf> for Batcher {
    type Value = u64;
    type Error = AppError;

    async fn load(&self, keys: &[CountOf]) -> Result<HashMap<CountOf, u64>, AppError> {
        let mut groups: HashMap<&Rel, Vec<i64>> = HashMap::new();
        for k in keys {
            groups.entry(&k.rel).or_default().push(k.parent);
        }
        let mut out = HashMap::new();
        for (rel, parents) in groups {
            let (spec, parent_col) = rel.spec(self.scope, self.now);
            let counts = sql::count_per_parent(&self.db, &spec, parent_col, &parents).await?;
            for parent in parents {
                out.insert(CountOf { rel: rel.clone(), parent }, counts.get(&parent).copied().unwrap_or(0));
            }
        }
        Ok(out)
    }
}

/// Which notices a `NoticeFilter` selects (parsed by `notices::filter::notice_criteria`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct NoticeCriteria {
    pub brand_id: Option<i64>,
    pub status: Option<NoticeStatus>,
    pub reason: Option<NoticeReason>,
    pub submitted_after: Option<i64>,
    pub submitted_before: Option<i64>,
}

impl NoticeCriteria {
    /// The conditions over a notice row `t`.
    pub fn conds(&self) -> Vec<Sql> {
        let conds = [
            self.brand_id.map(|b| t("brand_id").eq(b)),
            self.status.map(|s| t("status").eq(s)),
            self.reason.map(|r| t("reason").eq(r)),
            self.submitted_after.map(|a| t("submitted_at").gt(a)),
            self.submitted_before.map(|b| t("submitted_at").lt(b)),
        ];
        conds.into_iter().flatten().map(Sql::from).collect()
    }
}
