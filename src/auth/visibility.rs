//! The visibility table of CONTRACT.md section 3 as SQL conditions over a row aliased `t`, applied
//! wherever enforcement rows are loaded, so that no path through the graph can leak one.

use sea_orm::Value;

use super::Scope;
use crate::sql::Sql;

/// The condition under which a notice row is visible in `scope`: a brand agent sees its brand's
/// notices, a seller those with an item against one of its listings.
pub fn notice(scope: Scope) -> Option<Sql> {
    match scope {
        Scope::All => None,
        Scope::Brand(b) => Some(Sql::new("t.brand_id = ?", vec![Value::from(b)])),
        Scope::Seller(s) => Some(Sql::new(
            "EXISTS (SELECT 1 FROM notice_item vi WHERE vi.notice_id = t.id AND vi.seller_id = ?)",
            vec![Value::from(s)],
        )),
    }
}

/// The condition for rows that carry both `brand_id` and `seller_id` (notice items, strikes,
/// counter-notices, events): a brand agent sees its brand's, a seller its own.
pub fn owned(scope: Scope) -> Option<Sql> {
    match scope {
        Scope::All => None,
        Scope::Brand(b) => Some(Sql::new("t.brand_id = ?", vec![Value::from(b)])),
        Scope::Seller(s) => Some(Sql::new("t.seller_id = ?", vec![Value::from(s)])),
    }
}

/// The condition for the rows of the channel between a brand and the platform (a notice's
/// messages, questions and answers, and the evidence they bring): staff see all, a brand agent
/// its brand's, a seller none.
pub fn channel(scope: Scope) -> Option<Sql> {
    match scope {
        Scope::All => None,
        Scope::Brand(b) => Some(Sql::new("t.brand_id = ?", vec![Value::from(b)])),
        Scope::Seller(_) => Some(Sql::new("1 = 0", vec![])),
    }
}
