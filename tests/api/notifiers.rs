//! Notifiers who abuse the system (issue 12, section 4; DSA Article 23): warned, then suspended,
//! then lifted or let go. Tried with the wrong role and brand; refusals write nothing.

use std::time::Duration;

use rightsgraph::config::RulesConfig;
use serde_json::{Value, json};

use crate::harness::{TestApp, spawn, spawn_with};
use crate::workflow_support::*;

const STANDING: &str = "query($id: ID!) { brand(id: $id) { submissionStatus submissionSuspendedUntil trustTier } }";
const LIFT: &str =
    "mutation($id: ID!) { liftNotifierSuspension(brandId: $id) { submissionStatus submissionSuspendedUntil } }";

/// Two decided items make the minimum; half unfounded is the threshold; the warning period and
/// the suspension as given.
fn strict(warning: Duration, suspension: Duration) -> RulesConfig {
    RulesConfig {
        abuse_min_decided: 2,
        abuse_threshold: 0.5,
        abuse_warning_period: warning,
        abuse_suspension: suspension,
        ..Default::default()
    }
}

async fn standing(app: &TestApp, brand: &str) -> Value {
    app.data(&admin(), STANDING, json!({ "id": brand })).await["brand"].clone()
}

/// A brand's notice over `n` new listings, as its agent; the items.
async fn notice_of(app: &TestApp, s: &Scene, n: usize) -> Vec<String> {
    let listings = create_listings(app, &s.seller, n).await;
    submit_as(app, &agent(&s.brand), notice_input_all(&s.brand, &s.tm, &listings)).await.items
}

fn notifier_events(history: &[(String, String, Value, Value, String)]) -> Vec<String> {
    history.iter().filter(|e| e.0.starts_with("NOTIFIER_")).map(|e| e.0.clone()).collect()
}

#[tokio::test]
async fn a_brand_is_warned_once_enough_of_its_decided_items_are_unfounded() {
    let app = spawn_with(strict(Duration::from_secs(3600), Duration::from_secs(3600))).await;
    let s = scene(&app, 0).await;
    let items = notice_of(&app, &s, 3).await;
    reject(&app, &items[0]).await;
    // One decided item is below the minimum: nothing yet.
    assert_eq!(standing(&app, &s.brand).await["submissionStatus"], "ACTIVE");
    remove(&app, &items[1]).await;
    // 1 of 2 unfounded: at the threshold.
    let now = standing(&app, &s.brand).await;
    assert_eq!((now["submissionStatus"].as_str(), now["submissionSuspendedUntil"].is_null()), (Some("WARNED"), true));
    let events = notifier_events(&history(&app, &agent(&s.brand), &s.brand).await);
    assert_eq!(events, ["NOTIFIER_WARNED"]);
    // Over the threshold again within the warning period: still only warned.
    reject(&app, &items[2]).await;
    assert_eq!(standing(&app, &s.brand).await["submissionStatus"], "WARNED");
}

#[tokio::test]
async fn standing_weighs_the_abuse_window_even_when_the_trust_window_is_shorter() {
    // The trust tier counts the last second; standing, the default 90 days. A decision shares
    // one count between them only when the windows start at the same instant.
    let rules = RulesConfig {
        abuse_threshold: 0.6,
        trust_window: Duration::from_secs(1),
        ..strict(Duration::from_secs(3600), Duration::from_secs(3600))
    };
    let app = spawn_with(rules).await;
    let s = scene(&app, 0).await;
    let items = notice_of(&app, &s, 3).await;
    remove(&app, &items[0]).await;
    reject(&app, &items[1]).await;
    // 1 of 2 unfounded: below the threshold.
    assert_eq!(standing(&app, &s.brand).await["submissionStatus"], "ACTIVE");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    reject(&app, &items[2]).await;
    // 2 of 3 over 90 days (in the trust window, only 1 decided item: below the minimum).
    assert_eq!(standing(&app, &s.brand).await["submissionStatus"], "WARNED");
}

#[tokio::test]
async fn a_warned_brand_over_the_threshold_after_the_warning_period_is_suspended_and_cannot_submit() {
    let app = spawn_with(strict(Duration::from_millis(500), Duration::from_secs(3600))).await;
    let s = scene(&app, 0).await;
    let items = notice_of(&app, &s, 3).await;
    reject(&app, &items[0]).await;
    reject(&app, &items[1]).await;
    assert_eq!(standing(&app, &s.brand).await["submissionStatus"], "WARNED");
    tokio::time::sleep(Duration::from_millis(700)).await;
    reject(&app, &items[2]).await;
    let now = standing(&app, &s.brand).await;
    assert_eq!(now["submissionStatus"], "SUSPENDED");
    assert_eq!(now["trustTier"], "STANDARD");
    let until = instant(&now["submissionSuspendedUntil"]);
    assert!((until - chrono::Utc::now()).num_minutes() >= 55, "suspended until {until}");
    // Submitting is refused with the end date, and writes nothing.
    let listings = create_listings(&app, &s.seller, 1).await;
    let before = Before::take(&app).await;
    let resp =
        app.gql(Some(&agent(&s.brand)), SUBMIT, json!({ "input": notice_input_all(&s.brand, &s.tm, &listings) })).await;
    assert_error(&resp, "FORBIDDEN", None);
    let message = resp["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains(&until.format("%Y-%m-%d").to_string()), "{message}");
    before.unchanged(&app, "a suspended brand's notice").await;
    let events = notifier_events(&history(&app, &agent(&s.brand), &s.brand).await);
    assert_eq!(events, ["NOTIFIER_SUSPENDED", "NOTIFIER_WARNED"]);
}

#[tokio::test]
async fn a_suspended_brand_loses_trusted() {
    let rules = RulesConfig { trust_min_decided: 1, ..strict(Duration::ZERO, Duration::from_secs(3600)) };
    let app = spawn_with(rules).await;
    let s = scene(&app, 0).await;
    let items = notice_of(&app, &s, 1).await;
    remove(&app, &items[0]).await;
    assert_eq!(trust_tier(&app, &s.brand).await, "TRUSTED");
    // Expedited removals now, but counter-notices reinstate them: unfounded.
    let fast = notice_of(&app, &s, 3).await;
    for item in &fast {
        let cn = file_counter(&app, &s.seller, item).await;
        resolve(&app, &cn, "REINSTATE").await;
    }
    let now = standing(&app, &s.brand).await;
    assert_eq!((now["submissionStatus"].as_str(), now["trustTier"].as_str()), (Some("SUSPENDED"), Some("STANDARD")));
}

#[tokio::test]
async fn a_suspension_ends_by_itself_or_an_admin_lifts_it() {
    let app = spawn_with(strict(Duration::ZERO, Duration::from_millis(800))).await;
    let s = scene(&app, 0).await;
    let items = notice_of(&app, &s, 3).await;
    for item in &items {
        reject(&app, item).await;
    }
    assert_eq!(standing(&app, &s.brand).await["submissionStatus"], "SUSPENDED");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let over = standing(&app, &s.brand).await;
    assert_eq!((over["submissionStatus"].as_str(), over["submissionSuspendedUntil"].is_null()), (Some("ACTIVE"), true));
    notice_of(&app, &s, 1).await;

    // Lifted by hand.
    let app = spawn_with(strict(Duration::ZERO, Duration::from_secs(3600))).await;
    let s = scene(&app, 0).await;
    for item in &notice_of(&app, &s, 3).await {
        reject(&app, item).await;
    }
    let other = create_brand(&app, "Other").await;
    let vars = json!({ "id": s.brand });
    for tok in [reviewer(), analyst(), agent(&s.brand), agent(&other), seller_token(&s.seller)] {
        let before = Before::take(&app).await;
        assert_error(&app.gql(Some(&tok), LIFT, vars.clone()).await, "FORBIDDEN", None);
        before.unchanged(&app, "a lift by another role").await;
    }
    let lifted = app.data(&admin(), LIFT, vars.clone()).await;
    assert_eq!(
        lifted["liftNotifierSuspension"],
        json!({ "submissionStatus": "ACTIVE", "submissionSuspendedUntil": null })
    );
    assert_error(&app.gql(Some(&admin()), LIFT, vars).await, "CONFLICT", None);
    let events = notifier_events(&history(&app, &admin(), &s.brand).await);
    assert_eq!(events, ["NOTIFIER_REINSTATED", "NOTIFIER_SUSPENDED", "NOTIFIER_WARNED"]);
    notice_of(&app, &s, 1).await;
}

#[tokio::test]
async fn a_brands_standing_is_for_staff_and_its_own_agents() {
    let app = spawn().await;
    let s = scene(&app, 0).await;
    let other = create_brand(&app, "Other").await;
    for tok in [admin(), reviewer(), analyst(), agent(&s.brand)] {
        let data = app.data(&tok, STANDING, json!({ "id": s.brand })).await;
        assert_eq!(data["brand"]["submissionStatus"], "ACTIVE");
    }
    for tok in [agent(&other), seller_token(&s.seller)] {
        let resp = app.gql(Some(&tok), STANDING, json!({ "id": s.brand })).await;
        assert!(resp["data"]["brand"]["submissionStatus"].is_null());
        assert_eq!(resp["data"]["brand"]["trustTier"], "STANDARD", "the rest of the brand still answers");
        let codes: Vec<&str> = resp["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter_map(|e| e["extensions"]["code"].as_str())
            .collect();
        assert_eq!(codes, ["FORBIDDEN", "FORBIDDEN"]);
    }
}
