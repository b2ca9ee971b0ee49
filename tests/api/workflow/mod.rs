//! CONTRACT.md section 4 (the enforcement rules), section 3 (who may call each mutation) and
//! section 6 (error codes), through the mutations. Every refused mutation is also checked to have
//! written nothing.

mod counter_notice;
mod decide;
mod identifiers;
mod roles;
mod stats;
mod submit;
mod trademarks;
mod trust;
mod withdraw;

use std::time::Duration;

use chrono::Utc;
use rightsgraph::auth::Role;
use rightsgraph::config::RulesConfig;
use rightsgraph::ids::Kind;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::{Value, json};

use crate::harness::{TestApp, gid, spawn, spawn_with, token};
use crate::workflow_support::*;

fn rules(f: impl FnOnce(&mut RulesConfig)) -> RulesConfig {
    let mut r = RulesConfig::default();
    f(&mut r);
    r
}

/// Submits `input` as ADMIN and returns the raw answer.
async fn try_submit(app: &TestApp, input: Value) -> Value {
    app.gql(Some(&admin()), SUBMIT, json!({ "input": input })).await
}

/// Asserts that submitting `input` fails with `code` at `field` and writes nothing.
async fn refused_submit(app: &TestApp, input: Value, code: &str, field: &str) {
    let before = Before::take(app).await;
    let resp = try_submit(app, input).await;
    assert_error(&resp, code, Some(field));
    before.unchanged(app, &format!("refused submit at {field}")).await;
}

fn kinds(events: &[(String, String)]) -> Vec<&str> {
    events.iter().map(|(k, _)| k.as_str()).collect()
}
