//! The visibility table of CONTRACT.md section 3 as SQL conditions over a row aliased `t`, applied
//! wherever enforcement rows are loaded, so that no path through the graph can leak one.

use sea_orm::sea_query::{Expr, ExprTrait, Query};

use super::Scope;
use crate::sql::{Sql, t};

/// The condition under which a notice row is visible in `scope`: a brand agent sees its brand's
/// notices, a seller those with an item against one of its listings.
pub fn notice(scope: Scope) -> Option<Sql> {
    let cond = match scope {
        Scope::All => return None,
        Scope::Brand(b) => t("brand_id").eq(b),
        Scope::Seller(s) => Expr::exists(
            Query::select()
                .column(("vi", "notice_id"))
                .from_as("notice_item", "vi")
                .and_where(Expr::col(("vi", "notice_id")).equals(("t", "id")))
                .and_where(Expr::col(("vi", "seller_id")).eq(s))
                .take(),
        ),
    };
    Some(cond.into())
}

/// The condition for rows that carry both `brand_id` and `seller_id` (notice items, strikes,
/// counter-notices, events): a brand agent sees its brand's, a seller its own.
pub fn owned(scope: Scope) -> Option<Sql> {
    let cond = match scope {
        Scope::All => return None,
        Scope::Brand(b) => t("brand_id").eq(b),
        Scope::Seller(s) => t("seller_id").eq(s),
    };
    Some(cond.into())
}

/// The condition for the rows of the channel between a brand and the platform (a notice's
/// messages, questions and answers, and the evidence they bring): staff see all, a brand agent
/// its brand's, a seller none.
pub fn channel(scope: Scope) -> Option<Sql> {
    let cond = match scope {
        Scope::All => return None,
        Scope::Brand(b) => t("brand_id").eq(b),
        Scope::Seller(_) => crate::sql::nothing(),
    };
    Some(cond.into())
}
