//! Nested fields resolve through DataLoaders: the statements a request issues grow with its
//! depth, not with the number of rows it returns.

use rightsgraph::auth::Role;
use rightsgraph::ids::Kind;
use serde_json::json;

use crate::fixtures::Builder;
use crate::harness::{gid, spawn, token};

const DASHBOARD: &str = r#"
query($id: ID!) {
  brand(id: $id) {
    name
    notices(first: 50) {
      nodes {
        status
        items(first: 50) {
          nodes {
            status
            listing { title seller { handle listings(first: 5) { nodes { title } } } }
          }
        }
      }
    }
  }
}"#;

/// Runs the dashboard query on a brand with `notices` notices of `items` items each and returns
/// (statements issued, items returned).
async fn dashboard(notices: usize, items: usize) -> (u64, usize) {
    let app = spawn().await;
    let mut b = Builder::new(&app.app.db);
    let brand = b.brand("Acme").await;
    let other = b.brand("Other").await;
    let tm = b.trademark(brand).await;
    for n in 0..notices {
        let notice = b.notice(brand, "OPEN", n as i64 + 1).await;
        for i in 0..items {
            let seller = b.seller(&format!("s-{n}-{i}")).await;
            let listing = b.listing(seller, &format!("listing {n}/{i}")).await;
            b.listing(seller, "another listing").await;
            b.item(notice, brand, listing, seller, tm, "PENDING").await;
        }
    }
    // Noise that must not be loaded: another brand's notice.
    let noise = b.notice(other, "OPEN", 1).await;
    let _ = noise;
    let before = app.statements();
    let data = app.data(&token(Role::Admin, None, None), DASHBOARD, json!({ "id": gid(Kind::Brand, brand) })).await;
    let statements = app.statements() - before;
    let returned: usize = data["brand"]["notices"]["nodes"]
        .as_array()
        .expect("notices")
        .iter()
        .map(|n| n["items"]["nodes"].as_array().expect("items").len())
        .sum();
    assert_eq!(returned, notices * items);
    for notice in data["brand"]["notices"]["nodes"].as_array().expect("notices") {
        for item in notice["items"]["nodes"].as_array().expect("items") {
            assert_eq!(item["listing"]["seller"]["listings"]["nodes"].as_array().map(Vec::len), Some(2));
        }
    }
    (statements, returned)
}

#[tokio::test]
async fn nested_statement_count_grows_with_depth_not_rows() {
    let (small, small_rows) = dashboard(2, 5).await;
    let (large, large_rows) = dashboard(10, 10).await;
    assert_eq!(large_rows, 10 * small_rows);
    println!("dashboard query: {small} statements for {small_rows} items, {large} for {large_rows} items");
    assert_eq!(small, large, "statements must not depend on the number of rows");
    // brand, notices page, items page, listings with their sellers (one join), listings page
    // per seller.
    assert!(large <= 5, "one statement per level at most, got {large}");
}

#[tokio::test]
async fn total_count_is_computed_only_when_asked_for() {
    let app = spawn().await;
    let mut b = Builder::new(&app.app.db);
    for i in 0..3 {
        b.brand(&format!("b{i}")).await;
    }
    let admin = token(Role::Admin, None, None);
    let before = app.statements();
    app.data(&admin, "{ brands { nodes { name } } }", json!({})).await;
    let without = app.statements() - before;
    let before = app.statements();
    let data = app.data(&admin, "{ brands { totalCount nodes { name } } }", json!({})).await;
    let with = app.statements() - before;
    assert_eq!(data["brands"]["totalCount"], 3);
    assert_eq!(without, 1);
    assert_eq!(with, 2);
}

#[tokio::test]
async fn a_level_costs_one_statement_even_at_a_thousand_rows() {
    // Lists of more than 30 rows resolve over many polls (FuturesUnordered hands back control);
    // the batches must still wait for every key of the level.
    let (statements, rows) = dashboard(50, 20).await;
    assert_eq!(rows, 1000);
    // brand, notices page, items page, listings with their sellers (one join), listings page
    // per seller.
    assert_eq!(statements, 5, "one statement per level");
}

// =============================================================================================
// Rows read by position (`rightsgraph::columns`)
// =============================================================================================

/// Every row of `E`, read by sea-orm (by column name) and by the store (by position), must be
/// the same model; `min` is how many rows the seeded registry must hold, so that the comparison
/// cannot pass on an empty table.
async fn read_alike<E>(db: &sea_orm::DatabaseConnection, table: &str, min: usize, id: fn(&E::Model) -> i64)
where
    E: sea_orm::EntityTrait,
    E::Model: rightsgraph::columns::Columns + PartialEq + std::fmt::Debug,
{
    let by_name = E::find().all(db).await.expect("rows by name");
    assert!(by_name.len() >= min, "{table}: {} rows, expected at least {min}", by_name.len());
    let ids: Vec<i64> = by_name.iter().map(id).collect();
    let by_position = rightsgraph::sql::by_ids::<E::Model, std::collections::HashMap<i64, _>>(db, table, &ids, &[])
        .await
        .expect("rows by position");
    assert_eq!(by_position.len(), by_name.len(), "{table}: every row read by position");
    for row in by_name {
        assert_eq!(by_position.get(&id(&row)), Some(&row), "{table} row {}", id(&row));
    }
}

#[tokio::test]
async fn rows_read_by_position_are_the_rows_sea_orm_reads_by_name_in_every_table() {
    let app = spawn().await;
    let plan = rightsgraph::seed::SeedPlan { scale: 0.05, seed: 7, append: false, progress: false };
    rightsgraph::seed::seed(&app.app.shared, plan).await.expect("seed");
    let db = &app.app.db;
    read_alike::<entity::brand::Entity>(db, "brand", 3, |m| m.id).await;
    read_alike::<entity::trademark::Entity>(db, "trademark", 3, |m| m.id).await;
    read_alike::<entity::seller::Entity>(db, "seller", 10, |m| m.id).await;
    read_alike::<entity::listing::Entity>(db, "listing", 50, |m| m.id).await;
    read_alike::<entity::notice::Entity>(db, "notice", 5, |m| m.id).await;
    read_alike::<entity::notice_item::Entity>(db, "notice_item", 5, |m| m.id).await;
    read_alike::<entity::strike::Entity>(db, "strike", 1, |m| m.id).await;
    read_alike::<entity::notice_event::Entity>(db, "notice_event", 5, |m| m.id).await;
    read_alike::<entity::seller_identifier::Entity>(db, "seller_identifier", 10, |m| m.id).await;
    read_alike::<entity::evidence::Entity>(db, "evidence", 1, |m| m.id).await;
    read_alike::<entity::seller_cluster::Entity>(db, "seller_cluster", 1, |m| m.id).await;
}

/// Each parent's page of a nested connection holds that parent's first rows in the list's own
/// order, whatever the order's direction and number of keys, when one statement reads the pages
/// of many parents (`sql::list::pages_per_parent`; on PostgreSQL ordered by parent and then by
/// the page's sort keys). Checked against the same rows read directly, for every seller of a
/// seeded registry: listings oldest first (one key, ascending), strikes newest first (one key,
/// descending), notice items newest submitted first (two keys, descending).
#[tokio::test]
async fn pages_of_many_parents_each_follow_the_lists_order() {
    use rightsgraph::seed::{SeedPlan, seed};
    use sea_orm::{ConnectionTrait, Statement};

    let app = spawn().await;
    seed(&app.app.shared, SeedPlan { scale: 0.05, seed: 11, append: false, progress: false }).await.expect("seed");
    let db = &app.app.db;
    let backend = db.get_database_backend();
    // Each seller's first `n` ids of `table` in `order` (the ids as global ids), and whether it has more.
    let expected = |table: &'static str, kind: Kind, order: &'static str, n: usize| async move {
        let sql = format!("SELECT seller_id AS s, id FROM {table} ORDER BY seller_id, {order}");
        let mut pages: std::collections::BTreeMap<i64, Vec<String>> = Default::default();
        for row in db.query_all_raw(Statement::from_string(backend, sql)).await.expect("rows") {
            let (s, id): (i64, i64) = (row.try_get("", "s").expect("s"), row.try_get("", "id").expect("id"));
            pages.entry(s).or_default().push(gid(kind, id));
        }
        pages
            .into_iter()
            .map(|(s, ids)| (s, (ids.len() > n, ids.into_iter().take(n).collect::<Vec<_>>())))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let listings = expected("listing", Kind::Listing, "id ASC", 2).await;
    let strikes = expected("strike", Kind::Strike, "id DESC", 2).await;
    let items = expected("notice_item", Kind::NoticeItem, "submitted_at DESC, id DESC", 3).await;
    assert!(items.values().filter(|(more, _)| *more).count() >= 3, "too few sellers with more items than a page");
    assert!(strikes.values().filter(|(more, _)| *more).count() >= 3, "too few sellers with more strikes than a page");

    let r = app
        .gql(
            Some(&token(Role::Admin, None, None)),
            "{ sellers(first: 100) { nodes { id
                 listings(first: 2) { nodes { id } pageInfo { hasNextPage } }
                 strikes(first: 2) { nodes { id } pageInfo { hasNextPage } }
                 noticeItems(first: 3) { nodes { id } pageInfo { hasNextPage } } } } }",
            json!({}),
        )
        .await;
    let sellers = r["data"]["sellers"]["nodes"].as_array().unwrap_or_else(|| panic!("{r:#}"));
    assert!(sellers.len() >= 20, "{r:#}");
    let none = (false, Vec::new());
    for seller in sellers {
        let id = seller["id"].as_str().expect("id");
        let key = rightsgraph::ids::decode(id, Kind::Seller, "id").expect("a seller id");
        for (field, want) in [("listings", &listings), ("strikes", &strikes), ("noticeItems", &items)] {
            let page = &seller[field];
            let got = (page["pageInfo"]["hasNextPage"].as_bool().expect("hasNextPage"), crate::harness::ids(page));
            assert_eq!(&got, want.get(&key).unwrap_or(&none), "{field} of seller {key}");
        }
    }
}
