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
    // brand, notices page, items page, listings by id, sellers by id, listings page per seller.
    assert!(large <= 6, "one statement per level at most, got {large}");
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
    assert_eq!(statements, 6, "one statement per level");
}
