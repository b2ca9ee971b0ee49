//! The counts kept on rows, which the store keeps exact on every write that changes them: a
//! seller's active strikes and the next instant one of them expires, and the same totals for each
//! component of the link graph (the seller_active_strikes and cluster_active_strikes migrations
//! say what the columns mean and why they stay exact). Readers recount a row whose count has gone
//! stale by expiry (`sql::raw`); `sellers::strikes::sweep` keeps such rows few.

use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::error::AppResult;
use entity::{seller, seller_cluster, strike};

/// Recounts the active strikes of `sellers` as of `now`, on their rows only. A transaction that
/// does this must also call [`recount_clusters_of`] for them before it commits (`Work` does).
pub async fn recount(db: &impl ConnectionTrait, sellers: &[i64], now: i64) -> AppResult<()> {
    // A seller's strikes that count at `now`: not voided, not expired.
    let active = || {
        Query::select()
            .from(strike::Entity)
            .and_where(
                Expr::col((strike::Entity, strike::Column::SellerId)).equals((seller::Entity, seller::Column::Id)),
            )
            .and_where(strike::Column::Voided.eq(false))
            .and_where(strike::Column::ExpiresAt.gt(now))
            .to_owned()
    };
    let count = active().expr(Expr::col((strike::Entity, strike::Column::Id)).count()).to_owned();
    let next = active().expr(Expr::col((strike::Entity, strike::Column::ExpiresAt)).min()).to_owned();
    seller::Entity::update_many()
        .col_expr(seller::Column::ActiveStrikes, Expr::SubQuery(None, Box::new(count.into())))
        .col_expr(seller::Column::StrikesRecountAt, Expr::SubQuery(None, Box::new(next.into())))
        .filter(super::id_in(db.get_database_backend(), (seller::Entity, seller::Column::Id), sellers))
        .exec(db)
        .await?;
    Ok(())
}

/// Recounts `sellers` and their components: for whatever writes strikes outside the workflow.
pub async fn recount_all(db: &impl ConnectionTrait, sellers: &[i64], now: i64) -> AppResult<()> {
    recount(db, sellers, now).await?;
    recount_clusters_of(db, sellers).await
}

/// Recomputes the kept totals of the components `sellers` belong to, from their members' rows.
pub async fn recount_clusters_of(db: &impl ConnectionTrait, sellers: &[i64]) -> AppResult<()> {
    let clusters: Vec<Option<i64>> = seller::Entity::find()
        .select_only()
        .column(seller::Column::ClusterId)
        .distinct()
        .filter(seller::Column::ClusterId.is_not_null())
        .filter(super::id_in(db.get_database_backend(), (seller::Entity, seller::Column::Id), sellers))
        .into_tuple()
        .all(db)
        .await?;
    let clusters: Vec<i64> = clusters.into_iter().flatten().collect();
    recount_clusters(db, &clusters).await
}

/// Recomputes the kept totals of `clusters` from their members' rows. On PostgreSQL the
/// components are locked first, in id order (so two transactions cannot deadlock over them), and
/// the totals are then read by a statement of their own: it sees the member counts committed by
/// whoever held a lock until then, so the last writer leaves the total right.
pub async fn recount_clusters(db: &impl ConnectionTrait, clusters: &[i64]) -> AppResult<()> {
    if clusters.is_empty() {
        return Ok(());
    }
    super::lock_rows(db, "seller_cluster", clusters).await?;
    // Over the members of a component.
    let members = || {
        Query::select()
            .from(seller::Entity)
            .and_where(
                Expr::col((seller::Entity, seller::Column::ClusterId))
                    .equals((seller_cluster::Entity, seller_cluster::Column::Id)),
            )
            .to_owned()
    };
    let total = Func::coalesce([Expr::col((seller::Entity, seller::Column::ActiveStrikes)).sum(), Expr::val(0_i64)]);
    let total = members().expr(total).to_owned();
    let next = members().expr(Expr::col((seller::Entity, seller::Column::StrikesRecountAt)).min()).to_owned();
    seller_cluster::Entity::update_many()
        .col_expr(seller_cluster::Column::ActiveStrikes, Expr::SubQuery(None, Box::new(total.into())))
        .col_expr(seller_cluster::Column::StrikesRecountAt, Expr::SubQuery(None, Box::new(next.into())))
        .filter(super::id_in(db.get_database_backend(), (seller_cluster::Entity, seller_cluster::Column::Id), clusters))
        .exec(db)
        .await?;
    Ok(())
}
