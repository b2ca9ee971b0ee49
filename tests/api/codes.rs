//! Error codes: the one table (`error::Code`) holds every code of CONTRACT.md section 6, and each
//! error async-graphql raises by itself, which the pipeline can only recognise by the start of its
//! message, is answered with its own code. An upgrade of async-graphql that changes one of those
//! wordings would make it an `INTERNAL_SERVER_ERROR`: each test here then fails, naming it.

use rightsgraph::auth::Role;
use rightsgraph::config::LimitsConfig;
use rightsgraph::error::Code;
use serde_json::{Value, json};

use crate::harness::{TestApp, spawn, spawn_limits, token};

#[test]
fn the_code_table_is_the_contracts_and_each_code_reads_back() {
    let contract = [
        "UNAUTHENTICATED",
        "FORBIDDEN",
        "NOT_FOUND",
        "BAD_USER_INPUT",
        "CONFLICT",
        "GRAPHQL_PARSE_FAILED",
        "GRAPHQL_VALIDATION_FAILED",
        "PERSISTED_QUERY_NOT_FOUND",
        "PERSISTED_QUERY_NOT_ALLOWED",
        "TIMEOUT",
        "RATE_LIMITED",
        "INTERNAL_SERVER_ERROR",
    ];
    let table: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(table, contract);
    for code in Code::ALL {
        assert_eq!(Code::parse(code.as_str()), Some(code));
    }
    assert_eq!(Code::parse("Internal"), None);
    let statuses: Vec<(&str, u16)> =
        Code::ALL.iter().filter_map(|c| c.http_status().map(|s| (c.as_str(), s))).collect();
    assert_eq!(statuses, [("TIMEOUT", 503), ("RATE_LIMITED", 429)]);
}

/// The single error of `response`: its code and message.
fn only_error(response: &Value) -> (String, String) {
    let errors = response["errors"].as_array().unwrap_or_else(|| panic!("no errors: {response:#}"));
    assert_eq!(errors.len(), 1, "{response:#}");
    let code = errors[0]["extensions"]["code"].as_str().unwrap_or_default().to_owned();
    (code, errors[0]["message"].as_str().unwrap_or_default().to_owned())
}

async fn admin(app: &TestApp, query: &str, variables: Value) -> (String, String) {
    only_error(&app.gql(Some(&token(Role::Admin, None, None)), query, variables).await)
}

#[tokio::test]
async fn async_graphqls_query_is_too_complex_is_a_validation_error_naming_the_limit() {
    let app = spawn_limits(LimitsConfig { max_complexity: 10, ..Default::default() }).await;
    let (code, message) = admin(&app, "{ brands(first: 100) { nodes { id name } } }", json!({})).await;
    assert_eq!(code, "GRAPHQL_VALIDATION_FAILED", "{message}");
    assert!(message.contains("complexity limit of 10"), "{message}");
}

#[tokio::test]
async fn async_graphqls_query_is_nested_too_deep_is_a_validation_error_naming_the_limit() {
    let app = spawn_limits(LimitsConfig { max_depth: 2, ..Default::default() }).await;
    let query = "{ brands { nodes { trademarks { nodes { id } } } } }";
    let (code, message) = admin(&app, query, json!({})).await;
    assert_eq!(code, "GRAPHQL_VALIDATION_FAILED", "{message}");
    assert!(message.contains("depth limit of 2"), "{message}");
}

#[tokio::test]
async fn async_graphqls_failed_to_parse_a_scalar_is_bad_user_input() {
    let app = spawn().await;
    crate::workflow_support::create_brand(&app, "Parsed").await;
    // A DateTime argument that is a string but no instant: async-graphql's scalar refuses it
    // while resolving ("Failed to parse \"DateTime\"…").
    let query = "{ brands(first: 1) { nodes { stats(since: \"yesterday\") { noticesSubmitted } } } }";
    let (code, message) = admin(&app, query, json!({})).await;
    assert_eq!(code, "BAD_USER_INPUT", "{message}");
}

#[tokio::test]
async fn async_graphqls_invalid_variable_values_are_bad_user_input() {
    let app = spawn().await;
    crate::workflow_support::create_brand(&app, "Varied").await;
    // A variable whose value is not of its type ("Invalid value for argument …" or "Variable …").
    for (query, variables) in [
        ("query($n: Int) { brands(first: $n) { totalCount } }", json!({ "n": "ten" })),
        ("query($id: ID!) { brand(id: $id) { id } }", json!({})),
        (
            "query($since: DateTime) { brands { nodes { stats(since: $since) { itemsPending } } } }",
            json!({ "since": 7 }),
        ),
    ] {
        let response = app.gql(Some(&token(Role::Admin, None, None)), query, variables.clone()).await;
        let codes = crate::harness::codes(&response);
        assert!(!codes.is_empty(), "{query} with {variables}: no error: {response:#}");
        for code in codes {
            assert!(
                code == "BAD_USER_INPUT" || code == "GRAPHQL_VALIDATION_FAILED",
                "{query} with {variables}: {code}: {response:#}"
            );
        }
    }
}
