//! The rules of notices: which notices a filter selects.

use sea_orm::Value;

use super::types::NoticeFilter;
use crate::error::{AppError, AppResult};
use crate::ids::{self, Kind};
use crate::sql::Sql;
use crate::time::micros;

/// A parsed `NoticeFilter`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct NoticeCriteria {
    pub brand_id: Option<i64>,
    pub status: Option<&'static str>,
    pub reason: Option<&'static str>,
    pub submitted_after: Option<i64>,
    pub submitted_before: Option<i64>,
}

impl NoticeCriteria {
    /// Parses a filter; a malformed brand id or an empty time range is `BAD_USER_INPUT`.
    pub fn parse(filter: Option<NoticeFilter>) -> AppResult<Self> {
        let Some(f) = filter else { return Ok(Self::default()) };
        let criteria = Self {
            brand_id: f.brand_id.map(|id| ids::decode(&id, Kind::Brand, "filter.brandId")).transpose()?,
            status: f.status.map(|s| s.as_db()),
            reason: f.reason.map(|r| r.as_db()),
            submitted_after: f.submitted_after.map(micros),
            submitted_before: f.submitted_before.map(micros),
        };
        if let (Some(a), Some(b)) = (criteria.submitted_after, criteria.submitted_before)
            && a >= b
        {
            return Err(AppError::bad_input(
                "filter.submittedBefore",
                "filter.submittedBefore must be later than filter.submittedAfter",
            ));
        }
        Ok(criteria)
    }

    /// The conditions over a notice row `t`.
    pub fn conds(&self) -> Vec<Sql> {
        let mut conds = Vec::new();
        if let Some(b) = self.brand_id {
            conds.push(Sql::new("t.brand_id = ?", vec![Value::from(b)]));
        }
        if let Some(s) = self.status {
            conds.push(Sql::new("t.status = ?", vec![Value::from(s)]));
        }
        if let Some(r) = self.reason {
            conds.push(Sql::new("t.reason = ?", vec![Value::from(r)]));
        }
        if let Some(a) = self.submitted_after {
            conds.push(Sql::new("t.submitted_at > ?", vec![Value::from(a)]));
        }
        if let Some(b) = self.submitted_before {
            conds.push(Sql::new("t.submitted_at < ?", vec![Value::from(b)]));
        }
        conds
    }
}
