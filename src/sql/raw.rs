//! The statements whose exact shape a benchmark (`bench/queries`, `bench/peer`) or
//! `tests/api/explain.rs` holds, kept as SQL text in this one module: the analytic queries, tuned
//! statement by statement against their plans. Everything else is composed with sea-query. No
//! domain module is imported here; the domains call these and read the rows.

use sea_orm::Value;

use super::{Dir, ListSpec, Sql};

/// The active strikes of the seller row `s` at `?` (now), recounted where its kept count is stale;
/// binds [`member_values`].
pub const MEMBER_STRIKES: &str = "CASE WHEN s.strikes_recount_at <= ? THEN (SELECT COUNT(*) FROM strike k \
     WHERE k.seller_id = s.id AND k.voided = ? AND k.expires_at > ?) ELSE s.active_strikes END";

/// The values of [`MEMBER_STRIKES`] at `now`.
pub fn member_values(now: i64) -> [Value; 3] {
    [Value::from(now), Value::from(false), Value::from(now)]
}

/// The sellers with at least `min` active strikes (only strikes from `brand`'s notices when
/// given), most strikes first, ties by id.
pub fn repeat_offenders(min: i64, brand: Option<i64>, now: i64) -> ListSpec {
    let Some(brand) = brand else {
        // Every brand's strikes: the counts kept on the seller rows. A count is exact until its
        // `strikes_recount_at`; past it (a counted strike has expired since) the row is
        // recounted here. Counts only fall by expiry, so a seller whose kept count is below `min`
        // cannot qualify. The exact rows are read most strikes first from their index, as far
        // as the page goes; the stale ones (the sweep keeps them few) are recounted and sorted.
        let exact = Sql::new(
            "(SELECT s.*, s.active_strikes AS rg_strikes FROM seller s WHERE s.active_strikes >= ? \
             AND (s.strikes_recount_at IS NULL OR s.strikes_recount_at > ?))",
            vec![Value::from(min), Value::from(now)],
        );
        let mut stale = Sql::new(
            format!(
                "(SELECT * FROM (SELECT s.*, {MEMBER_STRIKES} AS rg_strikes FROM seller s \
                 WHERE s.active_strikes >= ? AND s.strikes_recount_at <= ?) c WHERE c.rg_strikes >= ?)"
            ),
            member_values(now).to_vec(),
        );
        stale.values.extend([Value::from(min), Value::from(now), Value::from(min)]);
        return ListSpec::merged(vec![exact, stale], &[("t.rg_strikes", Dir::Desc), ("t.id", Dir::Asc)]);
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
/// Components of two or more are the rows of `seller_cluster`, with their kept totals; a total
/// past its `strikes_recount_at` is recounted from the members. Totals only fall by expiry, so a
/// component whose kept total is below `min_strikes` cannot qualify and is never read. Sellers
/// alone (components of one, only with `min_members` 1) come from their own kept counts.
pub fn clusters(min_members: i64, min_strikes: i64, now: i64) -> ListSpec {
    // The components whose kept total is exact, read in the list's order from their index as
    // far as the page goes.
    let exact = Sql::new(
        "(SELECT c.id AS id, c.size AS size, c.active_strikes AS strikes FROM seller_cluster c \
         WHERE c.size >= ? AND c.active_strikes >= ? AND (c.strikes_recount_at IS NULL OR c.strikes_recount_at > ?))",
        vec![Value::from(min_members), Value::from(min_strikes), Value::from(now)],
    );
    // Those whose total is stale (the sweep keeps them few), recounted from their members.
    let mut stale = Sql::new(
        format!(
            "(SELECT * FROM (SELECT c.id AS id, c.size AS size, \
             (SELECT CAST(COALESCE(SUM({MEMBER_STRIKES}), 0) AS BIGINT) FROM seller s WHERE s.cluster_id = c.id) \
             AS strikes FROM seller_cluster c WHERE c.size >= ? AND c.active_strikes >= ? AND c.strikes_recount_at <= ?) u \
             WHERE u.strikes >= ?)"
        ),
        member_values(now).to_vec(),
    );
    stale.values.extend([min_members, min_strikes, now, min_strikes].map(Value::from));
    let mut parts = vec![exact, stale];
    if min_members <= 1 {
        let mut alone = Sql::new(
            format!(
                "(SELECT * FROM (SELECT s.id AS id, CAST(1 AS BIGINT) AS size, {MEMBER_STRIKES} AS strikes FROM seller s \
                 WHERE s.active_strikes >= ? AND NOT EXISTS (SELECT 1 FROM seller_cluster c WHERE c.id = s.cluster_id)) u \
                 WHERE u.strikes >= ?)"
            ),
            member_values(now).to_vec(),
        );
        alone.values.extend([min_strikes, min_strikes].map(Value::from));
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
