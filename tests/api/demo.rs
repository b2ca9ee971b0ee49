//! The demo data set (`serve --demo`): loaded through the services, it shows every state the
//! workflow reaches, so that a newcomer can see each one without writing a notice.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::harness::spawn;
use crate::workflow_support::admin;

fn set(values: impl IntoIterator<Item = Value>) -> BTreeSet<String> {
    values.into_iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()
}

#[tokio::test]
async fn demo_shows_every_state_of_the_workflow() {
    let app = spawn().await;
    assert!(rightsgraph::demo::load_demo(&app.app.shared).await.expect("demo loads"), "an empty database loads it");
    assert!(!rightsgraph::demo::load_demo(&app.app.shared).await.expect("second call"), "loaded once only");
    let data = app
        .data(
            &admin(),
            "{ brands(first: 50) { nodes { name trustTier submissionStatus submissionSuspendedUntil } }
               sellers(first: 50) { nodes { status } }
               notices(first: 100) { nodes { status items(first: 100) { nodes { status } } } }
               appeals(first: 50) { nodes { status party } } }",
            json!({}),
        )
        .await;
    let brands = data["brands"]["nodes"].as_array().expect("brands").clone();
    let standing = |name: &str| brands.iter().find(|b| b["name"] == name).cloned().unwrap_or(Value::Null);
    assert_eq!(set(brands.iter().map(|b| b["trustTier"].clone())), set([json!("STANDARD"), json!("TRUSTED")]));
    assert_eq!(
        set(brands.iter().map(|b| b["submissionStatus"].clone())),
        set([json!("ACTIVE"), json!("WARNED"), json!("SUSPENDED")])
    );
    assert_eq!(standing("Lumen Lifestyle")["submissionStatus"], "WARNED");
    assert_eq!(standing("Brightstone Tools")["submissionStatus"], "SUSPENDED");
    assert!(standing("Brightstone Tools")["submissionSuspendedUntil"].is_string(), "{brands:?}");
    let sellers = set(data["sellers"]["nodes"].as_array().expect("sellers").iter().map(|s| s["status"].clone()));
    assert!(sellers.contains("SUSPENDED") && sellers.contains("ACTIVE"), "{sellers:?}");
    let notices = data["notices"]["nodes"].as_array().expect("notices");
    assert_eq!(
        set(notices.iter().map(|n| n["status"].clone())),
        set([json!("OPEN"), json!("CLOSED"), json!("WITHDRAWN")])
    );
    let items = set(notices
        .iter()
        .flat_map(|n| n["items"]["nodes"].as_array().cloned().unwrap_or_default())
        .map(|i| i["status"].clone()));
    for state in ["PENDING", "INFO_REQUESTED", "REMOVED", "REJECTED", "COUNTERED", "REINSTATED", "WITHDRAWN"] {
        assert!(items.contains(state), "no {state} item in the demo: {items:?}");
    }
    let appeals: Vec<(String, String)> = data["appeals"]["nodes"]
        .as_array()
        .expect("appeals")
        .iter()
        .map(|a| (a["status"].as_str().unwrap_or("").to_owned(), a["party"].as_str().unwrap_or("").to_owned()))
        .collect();
    assert!(appeals.contains(&("REVERSED".into(), "BRAND".into())), "{appeals:?}");
    assert!(appeals.contains(&("PENDING".into(), "SELLER".into())), "{appeals:?}");
}
