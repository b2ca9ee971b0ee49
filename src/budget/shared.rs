//! The count every replica shares: `cost_budget_spend` holds, per subject and window, what all
//! replicas have spent so far. A replica adds its own spending and reads the totals back in one
//! statement (`INSERT … ON CONFLICT DO UPDATE … RETURNING`, on PostgreSQL and SQLite alike).

use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, DeriveIden};

use super::Subject;

/// Most subjects one statement adds to (three values each, well under any driver's limit of
/// bound values).
pub const ROWS_PER_STATEMENT: usize = 1_000;

/// The table of spending.
#[derive(DeriveIden)]
enum CostBudgetSpend {
    Table,
    Subject,
    WindowStart,
    Spent,
}

/// Adds each `(subject, window, points)` to the shared count; the totals of those rows after
/// the addition, as `(subject, window, total)`.
pub async fn add(db: &DatabaseConnection, rows: &[(Subject, i64, i64)]) -> Result<Vec<(Subject, i64, i64)>, DbErr> {
    use CostBudgetSpend as T;
    let mut insert = Query::insert();
    insert.into_table(T::Table).columns([T::Subject, T::WindowStart, T::Spent]);
    for (subject, window, points) in rows {
        insert
            .values([subject.as_str().into(), (*window).into(), (*points).into()])
            .map_err(|err| DbErr::Custom(err.to_string()))?;
    }
    let sum = Expr::col((T::Table, T::Spent)).add(Expr::col((Alias::new("excluded"), T::Spent)));
    insert
        .on_conflict(OnConflict::columns([T::Subject, T::WindowStart]).value(T::Spent, sum).to_owned())
        .returning(Query::returning().columns([T::Subject, T::WindowStart, T::Spent]));
    let mut totals = Vec::with_capacity(rows.len());
    for row in db.query_all(&insert).await? {
        let subject: String = row.try_get("", "subject")?;
        totals.push((Subject(subject.into()), row.try_get("", "window_start")?, row.try_get("", "spent")?));
    }
    Ok(totals)
}

/// Deletes the rows of the windows that started before `window`.
pub async fn forget_before(db: &DatabaseConnection, window: i64) -> Result<(), DbErr> {
    let delete = Query::delete()
        .from_table(CostBudgetSpend::Table)
        .and_where(Expr::col(CostBudgetSpend::WindowStart).lt(window))
        .to_owned();
    db.execute(&delete).await.map(|_| ())
}
