//! Statements per request grow with the depth of a query, never with its rows or aliases
//! (security review, item 4): `Brand.stats` is batched per request, aliases count at every
//! spread of a fragment, and a field that cannot be batched (`Seller.network`) costs in the
//! complexity model what it runs. Counted with the server's own `/metrics` counter.

use axum::body::Body;
use axum::http::Request;
use serde_json::{Value, json};

use crate::harness::{TestApp, codes, spawn};
use crate::workflow_support::*;

/// `rightsgraph_sql_statements_total` as `/metrics` reports it.
async fn statements(app: &TestApp) -> u64 {
    let reply = app.send(Request::get("/metrics").body(Body::empty()).expect("request")).await;
    let text = String::from_utf8_lossy(&reply.body).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix("rightsgraph_sql_statements_total "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no statement counter in /metrics: {text}"))
}

/// The statements one request runs, and its answer.
async fn counted(app: &TestApp, token: &str, query: &str) -> (u64, Value) {
    let before = statements(app).await;
    let answer = app.gql(Some(token), query, json!({})).await;
    (statements(app).await - before, answer)
}

/// `n` aliased `stats` fields, each `since` a different day when `distinct`.
fn aliased_stats(n: usize, distinct: bool) -> String {
    (0..n)
        .map(|i| {
            let day = if distinct { i + 1 } else { 1 };
            format!("s{i}: stats(since: \"2020-01-{day:02}T00:00:00Z\") {{ itemsSubmitted takedownRate medianHoursToDecision }} ")
        })
        .collect()
}

/// A registry of `n` brands, each with a notice of one item, one of them decided.
async fn brands_with_notices(app: &TestApp, n: usize) {
    for i in 0..n {
        let s = scene(app, 2).await;
        let notice = submit(app, &s.brand, &s.tm, &s.listings[..1]).await;
        if i % 2 == 0 {
            remove(app, &notice.items[0]).await;
        }
    }
}

#[tokio::test]
async fn brand_stats_is_batched_across_brands_and_aliases() {
    let app = spawn().await;
    brands_with_notices(&app, 3).await;
    // One brand, one stats: the page of brands and the five statements of the stats loader.
    let (one, answer) = counted(&app, &admin(), "{ brands(first: 10) { nodes { stats { itemsSubmitted } } } }").await;
    assert!(answer.get("errors").is_none(), "{answer:#}");
    assert!(one <= 6, "{one} statements for one stats per brand");
    // Three brands with 20 aliased stats each, the same `since`: the same statements.
    let same = format!("{{ brands(first: 10) {{ nodes {{ id {} }} }} }}", aliased_stats(20, false));
    let (n, answer) = counted(&app, &admin(), &same).await;
    assert!(answer.get("errors").is_none(), "{answer:#}");
    assert_eq!(n, one, "60 stats fields cost what 3 do");
    // Twenty different `since` values: still one statement per figure for the whole request.
    let distinct = format!("{{ brands(first: 10) {{ nodes {{ id {} }} }} }}", aliased_stats(20, true));
    let (n, answer) = counted(&app, &admin(), &distinct).await;
    assert!(answer.get("errors").is_none(), "{answer:#}");
    assert_eq!(n, one, "20 distinct instants are counted together");
    let nodes = answer["data"]["brands"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 3);
    for brand in nodes {
        assert_eq!(brand["s0"]["itemsSubmitted"], 1, "{brand:#}");
        assert_eq!(brand["s19"], brand["s0"], "the notices were submitted after 2020-01-20");
    }
    println!("stats: {one} statements for 3 brands with 1, 20 and 20 distinct stats each");
}

#[tokio::test]
async fn batched_stats_match_one_stats_per_request() {
    let app = spawn().await;
    brands_with_notices(&app, 4).await;
    let all = app.data(&admin(), "{ brands(first: 10) { nodes { id } } }", json!({})).await;
    let figures = "notices: noticesSubmitted itemsSubmitted itemsPending itemsRemoved itemsRejected itemsReinstated \
                   counterNoticesFiled takedownRate counterNoticeSuccessRate medianHoursToDecision";
    let batched = app
        .data(&admin(), &format!("{{ brands(first: 10) {{ nodes {{ id stats {{ {figures} }} }} }} }}"), json!({}))
        .await;
    for (i, brand) in all["brands"]["nodes"].as_array().expect("nodes").iter().enumerate() {
        let alone = app
            .data(
                &admin(),
                &format!("query($id: ID!) {{ brand(id: $id) {{ stats {{ {figures} }} }} }}"),
                json!({"id": brand["id"]}),
            )
            .await;
        assert_eq!(batched["brands"]["nodes"][i]["stats"], alone["brand"]["stats"], "brand {}", brand["id"]);
    }
}

#[tokio::test]
async fn aliases_in_a_fragment_count_at_every_spread() {
    let app = spawn().await;
    brands_with_notices(&app, 1).await;
    let fragment = |n: usize| format!("fragment S on Brand {{ {} }}", aliased_stats(n, true));
    // 97 aliases spread three times: 291 aliases, over the limit of 100, refused before running.
    let query = format!("{{ brands(first: 3) {{ nodes {{ ...S ...S ...S }} }} }} {}", fragment(97));
    let (n, answer) = counted(&app, &admin(), &query).await;
    assert_eq!(codes(&answer), ["GRAPHQL_VALIDATION_FAILED"], "{answer:#}");
    assert!(answer["errors"][0]["message"].as_str().is_some_and(|m| m.contains("291 aliases")), "{answer:#}");
    assert_eq!(n, 0, "nothing ran");
    // 30 spread three times (90) runs, in as many statements as one stats field.
    let query = format!("{{ brands(first: 3) {{ nodes {{ ...S ...S ...S }} }} }} {}", fragment(30));
    let (n, answer) = counted(&app, &admin(), &query).await;
    assert!(answer.get("errors").is_none(), "{answer:#}");
    assert!(n <= 6, "{n} statements");
}

#[tokio::test]
async fn network_costs_what_it_runs_in_the_complexity_model() {
    let app = spawn().await;
    brands_with_notices(&app, 1).await;
    // A network per seller of a full page is refused before it runs.
    let query = "{ sellers(first: 100) { nodes { network(maxHops: 4) { members { hops seller { id } } } } } }";
    let (n, answer) = counted(&app, &admin(), query).await;
    assert_eq!(codes(&answer), ["GRAPHQL_VALIDATION_FAILED"], "{answer:#}");
    assert!(answer["errors"][0]["message"].as_str().is_some_and(|m| m.contains("complexity limit")), "{answer:#}");
    assert_eq!(n, 0, "nothing ran");
    // One seller's network is fine.
    let query = "{ sellers(first: 1) { nodes { network(maxHops: 2) { truncated members { hops } } } } }";
    let answer = app.gql(Some(&admin()), query, json!({})).await;
    assert!(answer.get("errors").is_none(), "{answer:#}");
    let cost = answer["extensions"]["analyzer"]["complexity"].as_u64().expect("complexity");
    assert!(cost >= 1_000, "a network costs at least its walk: {cost}");
}
