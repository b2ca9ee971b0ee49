//! The statements whose exact shape a benchmark (`bench/queries`, `bench/peer`) or
//! `tests/api/explain.rs` holds, kept as SQL text in this one module: the analytic queries, tuned
//! statement by statement against their plans. Everything else is composed with sea-query. No
//! domain module is imported here; the domains call these and read the rows.

use sea_orm::Value;

use super::{Dir, ListSpec, Sql};

/// Whether the count kept on the row `alias` (a seller or a component) is exact at `now`: no
/// strike it counted has expired since it was counted (its `strikes_recount_at` is after `now`,
/// or it has no active strike). `loaders::ActiveStrikes::kept` is this rule for a row read into
/// Rust; in SQL it is written here only, with its negation [`stale`].
fn exact(alias: &str, now: i64) -> Sql {
    Sql::new(format!("({alias}.strikes_recount_at IS NULL OR {alias}.strikes_recount_at > ?)"), vec![Value::from(now)])
}

/// Whether the count kept on the row `alias` is stale at `now`: the negation of [`exact`].
fn stale(alias: &str, now: i64) -> Sql {
    Sql::new(format!("{alias}.strikes_recount_at <= ?"), vec![Value::from(now)])
}

/// The active strikes of the seller row `s` at `now`, counted from its strikes.
fn recount(now: i64) -> Sql {
    Sql::new(
        "(SELECT COUNT(*) FROM strike k WHERE k.seller_id = s.id AND k.voided = ? AND k.expires_at > ?)",
        vec![Value::from(false), Value::from(now)],
    )
}

/// The active strikes of the seller row `s` at `now`: its kept count, recounted where that is
/// stale.
fn member_strikes(now: i64) -> Sql {
    let mut sql = Sql::new("CASE WHEN ", vec![]);
    sql.append(&stale("s", now)).push(" THEN ", []).append(&recount(now)).push(" ELSE s.active_strikes END", []);
    sql
}

/// The sellers with at least `min` active strikes (only strikes from `brand`'s notices when
/// given), most strikes first, ties by id.
pub fn repeat_offenders(min: i64, brand: Option<i64>, now: i64) -> ListSpec {
    let Some(brand) = brand else {
        // Every brand's strikes: the counts kept on the seller rows, recounted where stale.
        // Counts only fall by expiry, so a seller whose kept count is below `min` cannot
        // qualify. The exact rows are read most strikes first from their index, as far as the
        // page goes; the stale ones (the sweep keeps them few) are recounted and sorted.
        let mut exact_part = Sql::new(
            "(SELECT s.*, s.active_strikes AS rg_strikes FROM seller s WHERE s.active_strikes >= ? AND ",
            vec![Value::from(min)],
        );
        exact_part.append(&exact("s", now)).push(")", []);
        let mut stale_part = Sql::new("(SELECT * FROM (SELECT s.*, ", vec![]);
        stale_part
            .append(&recount(now))
            .push(" AS rg_strikes FROM seller s WHERE s.active_strikes >= ? AND ", [Value::from(min)]);
        stale_part.append(&stale("s", now)).push(") c WHERE c.rg_strikes >= ?)", [Value::from(min)]);
        return ListSpec::merged(vec![exact_part, stale_part], &[("t.rg_strikes", Dir::Desc), ("t.id", Dir::Asc)]);
    };
    let mut inner = Sql::new(
        "(SELECT s.*, c.n AS rg_strikes FROM seller s JOIN (SELECT k.seller_id, COUNT(*) AS n FROM strike k \
         WHERE k.voided = ? AND k.expires_at > ?",
        vec![Value::from(false), Value::from(now)],
    );
    inner.push(" AND k.brand_id = ?", [Value::from(brand)]);
    inner.push(" GROUP BY k.seller_id HAVING COUNT(*) >= ?) c ON c.seller_id = s.id)", [Value::from(min)]);
    ListSpec::derived(inner, &[("t.rg_strikes", Dir::Desc), ("t.id", Dir::Asc)])
}

/// The components with at least `min_members` sellers and `min_strikes` active strikes among
/// them: most strikes first, then the larger, then the smallest member id.
///
/// Components of two or more are the rows of `seller_cluster`, with their kept totals; a stale
/// total is recounted from the members. Totals only fall by expiry, so a component whose kept
/// total is below `min_strikes` cannot qualify and is never read. Sellers alone (components of
/// one, only with `min_members` 1) come from their own kept counts.
pub fn clusters(min_members: i64, min_strikes: i64, now: i64) -> ListSpec {
    let qualifies = || {
        Sql::new(
            " FROM seller_cluster c WHERE c.size >= ? AND c.active_strikes >= ? AND ",
            vec![Value::from(min_members), Value::from(min_strikes)],
        )
    };
    // The components whose kept total is exact, read in the list's order from their index as
    // far as the page goes.
    let mut exact_part = Sql::new("(SELECT c.id AS id, c.size AS size, c.active_strikes AS strikes", vec![]);
    exact_part.append(&qualifies()).append(&exact("c", now)).push(")", []);
    // Those whose total is stale (the sweep keeps them few), recounted from their members.
    let mut stale_part =
        Sql::new("(SELECT * FROM (SELECT c.id AS id, c.size AS size, (SELECT CAST(COALESCE(SUM(", vec![]);
    stale_part
        .append(&member_strikes(now))
        .push("), 0) AS BIGINT) FROM seller s WHERE s.cluster_id = c.id) AS strikes", []);
    stale_part.append(&qualifies()).append(&stale("c", now));
    stale_part.push(") u WHERE u.strikes >= ?)", [Value::from(min_strikes)]);
    let mut parts = vec![exact_part, stale_part];
    if min_members <= 1 {
        let mut alone = Sql::new("(SELECT * FROM (SELECT s.id AS id, CAST(1 AS BIGINT) AS size, ", vec![]);
        alone.append(&member_strikes(now)).push(
            " AS strikes FROM seller s WHERE s.active_strikes >= ? \
             AND NOT EXISTS (SELECT 1 FROM seller_cluster c WHERE c.id = s.cluster_id)) u WHERE u.strikes >= ?)",
            [min_strikes, min_strikes].map(Value::from),
        );
        parts.push(alone);
    }
    ListSpec::merged(parts, &[("t.strikes", Dir::Desc), ("t.size", Dir::Desc), ("t.id", Dir::Asc)])
}

/// The sellers sharing an identifier with any of `sellers` (themselves among them), by id, as
/// `id`. The shared values are found first and each looked up once, so a value shared by a
/// hundred sellers of the frontier costs one index probe, not a hundred.
pub fn neighbours(sellers: &[i64]) -> Sql {
    let mut sql = Sql::new(
        "SELECT DISTINCT b.seller_id AS id FROM seller_identifier b WHERE (b.kind, b.value) IN \
         (SELECT a.kind, a.value FROM seller_identifier a WHERE a.seller_id IN ",
        vec![],
    );
    sql.push_in(sellers);
    sql.push(") ORDER BY b.seller_id", []);
    sql
}

/// The identifiers of `sellers`: `seller_id, kind, value`.
pub fn identifiers_of(sellers: &[i64]) -> Sql {
    let mut sql = Sql::new("SELECT seller_id, kind, value FROM seller_identifier WHERE seller_id IN ", vec![]);
    sql.push_in(sellers);
    sql
}

/// How many active strikes (not voided, not expired at `now`) `sellers` have together, as `n`.
pub fn active_strikes_of(sellers: &[i64], now: i64) -> Sql {
    let mut sql = Sql::new(
        "SELECT COUNT(*) AS n FROM strike t WHERE t.voided = ? AND t.expires_at > ? AND t.seller_id IN ",
        vec![Value::from(false), Value::from(now)],
    );
    sql.push_in(sellers);
    sql
}
