//! Brand stats and the enforcement history.

use super::*;

// =============================================================================================
// Stats
// =============================================================================================

fn hours(from: &Value, to: &Value) -> f64 {
    let d = instant(to) - instant(from);
    d.num_microseconds().expect("micros") as f64 / 3_600_000_000.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

const STATS: &str = "query($id: ID!, $since: DateTime) { brand(id: $id) { stats(since: $since) { noticesSubmitted itemsSubmitted itemsPending itemsRemoved itemsRejected itemsReinstated counterNoticesFiled takedownRate counterNoticeSuccessRate medianHoursToDecision } } }";

async fn stats(app: &TestApp, tok: &str, brand: &str, since: Option<&str>) -> Value {
    app.data(tok, STATS, json!({"id": brand, "since": since})).await["brand"]["stats"].clone()
}

fn assert_close(actual: &Value, expected: f64, what: &str) {
    let a = actual.as_f64().unwrap_or_else(|| panic!("{what}: not a number: {actual}"));
    assert!((a - expected).abs() < 1e-9, "{what}: {a} != {expected}");
}

#[tokio::test]
async fn stats_follow_the_contract_definitions() {
    let app = spawn().await;
    let s = scene(&app, 8).await;
    let l = &s.listings;
    let pause = || tokio::time::sleep(Duration::from_millis(30));

    // Before `mid`: N1 over L0..L4.
    let n1 = submit(&app, &s.brand, &s.tm, &l[..5]).await;
    pause().await;
    remove(&app, &n1.items[0]).await; // then countered and reinstated
    pause().await;
    remove(&app, &n1.items[1]).await; // then countered and upheld
    pause().await;
    reject(&app, &n1.items[2]).await;
    // n1.items[3] stays PENDING
    pause().await;
    remove(&app, &n1.items[4]).await;
    let cn = file_counter(&app, &s.seller, &n1.items[0]).await;
    resolve(&app, &cn, "REINSTATE").await;
    let cn = file_counter(&app, &s.seller, &n1.items[1]).await;
    resolve(&app, &cn, "UPHOLD").await;
    pause().await;
    let mid = Utc::now();
    pause().await;

    // After `mid`: N2 over L5..L7.
    let n2 = submit(&app, &s.brand, &s.tm, &l[5..]).await;
    pause().await;
    remove(&app, &n2.items[0]).await; // then countered, left pending
    pause().await;
    pause().await;
    reject(&app, &n2.items[1]).await;
    // n2.items[2] stays PENDING
    file_counter(&app, &s.seller, &n2.items[0]).await;

    // Another brand's activity on the same listings counts only for it.
    let other = create_brand(&app, "Other").await;
    let otm = verified_trademark(&app, &other).await;
    let o = submit(&app, &other, &otm, &l[7..]).await;
    remove(&app, &o.items[0]).await;

    // The durations, from the notices' submittedAt to the items' decidedAt.
    let r1 = notice(&app, &n1.id).await;
    let r2 = notice(&app, &n2.id).await;
    let d = |n: &Value, item: &str| hours(&n["submittedAt"], &item_of(n, item)["decidedAt"]);
    let before_mid: Vec<f64> = [0, 1, 2, 4].iter().map(|i| d(&r1, &n1.items[*i])).collect();
    let after_mid: Vec<f64> = [0, 1].iter().map(|i| d(&r2, &n2.items[*i])).collect();
    let all: Vec<f64> = before_mid.iter().chain(after_mid.iter()).copied().collect();
    assert_eq!(all.len(), 6);
    // An even count: the mean of the two middle values.
    let all_median = median(all);

    // All time: 2 notices, 8 items, 2 pending; decided 6 (L0 REINSTATED, L1 REMOVED, L2 REJECTED,
    // L4 REMOVED, L5 COUNTERED, L6 REJECTED); taken down 4; 3 counter-notices.
    for tok in [admin(), reviewer(), analyst(), agent(&s.brand)] {
        let all_time = stats(&app, &tok, &s.brand, None).await;
        assert_eq!(all_time["noticesSubmitted"], 2, "{all_time:#}");
        assert_eq!(all_time["itemsSubmitted"], 8);
        assert_eq!(all_time["itemsPending"], 2);
        assert_eq!(all_time["itemsRemoved"], 4);
        assert_eq!(all_time["itemsRejected"], 2);
        assert_eq!(all_time["itemsReinstated"], 1);
        assert_eq!(all_time["counterNoticesFiled"], 3);
        assert_close(&all_time["takedownRate"], 4.0 / 6.0, "takedownRate");
        assert_close(&all_time["counterNoticeSuccessRate"], 1.0 / 4.0, "counterNoticeSuccessRate");
        assert_close(&all_time["medianHoursToDecision"], all_median, "medianHoursToDecision");
    }

    // Since `mid`: N2 only; decided L5 (COUNTERED) and L6 (REJECTED).
    let since = mid.to_rfc3339();
    let recent = stats(&app, &admin(), &s.brand, Some(&since)).await;
    assert_eq!(recent["noticesSubmitted"], 1, "{recent:#}");
    assert_eq!(recent["itemsSubmitted"], 3);
    assert_eq!(recent["itemsPending"], 1);
    assert_eq!(recent["itemsRemoved"], 1);
    assert_eq!(recent["itemsRejected"], 1);
    assert_eq!(recent["itemsReinstated"], 0);
    assert_eq!(recent["counterNoticesFiled"], 1);
    assert_close(&recent["takedownRate"], 0.5, "takedownRate since");
    assert_close(&recent["counterNoticeSuccessRate"], 0.0, "counterNoticeSuccessRate since");
    assert_close(&recent["medianHoursToDecision"], (after_mid[0] + after_mid[1]) / 2.0, "median since");

    // An odd count: the middle value (the other brand has one decided item).
    let theirs = stats(&app, &admin(), &other, None).await;
    assert_eq!(theirs["noticesSubmitted"], 1);
    assert_eq!(theirs["itemsSubmitted"], 1);
    assert_eq!(theirs["itemsRemoved"], 1);
    assert_eq!(theirs["counterNoticesFiled"], 0);
    assert_close(&theirs["takedownRate"], 1.0, "their takedownRate");
    assert_close(&theirs["counterNoticeSuccessRate"], 0.0, "their counterNoticeSuccessRate");
    let ro = notice(&app, &o.id).await;
    assert_close(&theirs["medianHoursToDecision"], d(&ro, &o.items[0]), "their median");

    // Nothing since a future instant: zeros, and null rates.
    let future = (Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let none = stats(&app, &admin(), &s.brand, Some(&future)).await;
    for field in [
        "noticesSubmitted",
        "itemsSubmitted",
        "itemsPending",
        "itemsRemoved",
        "itemsRejected",
        "itemsReinstated",
        "counterNoticesFiled",
    ] {
        assert_eq!(none[field], 0, "{field}: {none:#}");
    }
    for field in ["takedownRate", "counterNoticeSuccessRate", "medianHoursToDecision"] {
        assert!(none[field].is_null(), "{field}: {none:#}");
    }
    // Another brand's agent may not see them.
    let resp = app.gql(Some(&agent(&other)), STATS, json!({"id": s.brand})).await;
    assert_eq!(crate::harness::codes(&resp), vec!["FORBIDDEN".to_owned()]);
}

// =============================================================================================
// Events
// =============================================================================================

#[tokio::test]
async fn enforcement_history_is_newest_first_and_includes_tier_changes() {
    let app = spawn_with(rules(|r| r.trust_min_decided = 2)).await;
    let s = scene(&app, 3).await;
    let n1 = submit_as(&app, &agent(&s.brand), notice_input_all(&s.brand, &s.tm, &s.listings[..2])).await;
    remove(&app, &n1.items[0]).await;
    remove(&app, &n1.items[1]).await; // TRUSTED
    let n2 = submit_as(&app, &agent(&s.brand), notice_input_all(&s.brand, &s.tm, &s.listings[2..])).await;
    assert_eq!(n2.notice["expedited"], true);
    let cn = file_counter(&app, &s.seller, &n2.items[0]).await;
    resolve(&app, &cn, "REINSTATE").await; // 1 of 3 reinstated: STANDARD

    // Another brand's events are not part of it.
    let other = scene(&app, 1).await;
    let o = submit(&app, &other.brand, &other.tm, &other.listings).await;
    remove(&app, &o.items[0]).await;

    let n1s = json!(n1.id);
    let n2s = json!(n2.id);
    let null = Value::Null;
    let expected: Vec<(&str, &str, &Value, Value)> = vec![
        ("TRUST_TIER_CHANGED", "SYSTEM", &null, Value::Null),
        ("LISTING_REINSTATED", "REVIEWER", &n2s, json!(n2.items[0])),
        ("COUNTER_NOTICE_FILED", "SELLER", &n2s, json!(n2.items[0])),
        ("ITEM_REMOVED", "SYSTEM", &n2s, json!(n2.items[0])),
        ("NOTICE_SUBMITTED", "BRAND_AGENT", &n2s, Value::Null),
        ("TRUST_TIER_CHANGED", "SYSTEM", &null, Value::Null),
        ("ITEM_REMOVED", "REVIEWER", &n1s, json!(n1.items[1])),
        ("ITEM_REMOVED", "REVIEWER", &n1s, json!(n1.items[0])),
        ("NOTICE_SUBMITTED", "BRAND_AGENT", &n1s, Value::Null),
    ];
    for tok in [admin(), agent(&s.brand)] {
        let h = history(&app, &tok, &s.brand).await;
        let got: Vec<(&str, &str, &Value, Value)> =
            h.iter().map(|e| (e.0.as_str(), e.1.as_str(), &e.2, e.3.clone())).collect();
        assert_eq!(got, expected);
        // Newest first.
        for pair in h.windows(2) {
            assert!(instant(&json!(pair[0].4)) >= instant(&json!(pair[1].4)), "{h:?}");
        }
    }
    // Another brand's agent sees none of it.
    assert!(history(&app, &agent(&other.brand), &s.brand).await.is_empty());
    // The notices' own events, in the order they happened, without the tier changes.
    assert_eq!(
        kinds(&event_kinds(&notice(&app, &n2.id).await)),
        vec!["NOTICE_SUBMITTED", "ITEM_REMOVED", "COUNTER_NOTICE_FILED", "LISTING_REINSTATED"]
    );
    // `since` keeps the newer ones.
    let since = h_at(&app, &s.brand, 4).await;
    let data = app
        .data(
            &admin(),
            "query($id: ID!, $since: DateTime) { brand(id: $id) { enforcementHistory(first: 100, since: $since) { nodes { kind } } } }",
            json!({"id": s.brand, "since": since}),
        )
        .await;
    let newer: Vec<String> = data["brand"]["enforcementHistory"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|e| string(&e["kind"]))
        .collect();
    assert_eq!(
        newer,
        vec!["TRUST_TIER_CHANGED", "LISTING_REINSTATED", "COUNTER_NOTICE_FILED", "ITEM_REMOVED", "NOTICE_SUBMITTED"]
    );
}

/// The `at` of the `i`-th newest event of a brand.
async fn h_at(app: &TestApp, brand: &str, i: usize) -> String {
    history(app, &admin(), brand).await[i].4.clone()
}

#[tokio::test]
async fn each_change_writes_exactly_the_listed_events() {
    let app = spawn().await;
    let s = scene(&app, 4).await;
    let mut last = counts(&app).await.events;
    let mut check = |what: &str, expected: u64, now: u64| {
        assert_eq!(now - last, expected, "{what}");
        last = now;
    };
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    check("submit", 1, counts(&app).await.events);
    remove(&app, &n.items[0]).await;
    check("remove", 1, counts(&app).await.events);
    reject(&app, &n.items[1]).await;
    check("reject", 1, counts(&app).await.events);
    let cn = file_counter(&app, &s.seller, &n.items[0]).await;
    check("counter-notice", 1, counts(&app).await.events);
    resolve(&app, &cn, "UPHOLD").await;
    check("uphold", 1, counts(&app).await.events);
    app.data(&admin(), WITHDRAW, json!({"id": n.id})).await;
    check("withdraw of 2 items", 1, counts(&app).await.events);
    let read = notice(&app, &n.id).await;
    assert_eq!(
        kinds(&event_kinds(&read)),
        vec![
            "NOTICE_SUBMITTED",
            "ITEM_REMOVED",
            "ITEM_REJECTED",
            "COUNTER_NOTICE_FILED",
            "COUNTER_NOTICE_REJECTED",
            "NOTICE_WITHDRAWN"
        ]
    );
    assert_eq!(read["events"]["totalCount"], 6);
    // A seller sees the events about its own items only.
    let data = app
        .data(
            &seller_token(&s.seller),
            "query($id: ID!) { notice(id: $id) { events(first: 50) { nodes { kind actorRole } } } }",
            json!({"id": n.id}),
        )
        .await;
    let seen: Vec<String> =
        data["notice"]["events"]["nodes"].as_array().expect("events").iter().map(|e| string(&e["kind"])).collect();
    assert_eq!(seen, vec!["ITEM_REMOVED", "ITEM_REJECTED", "COUNTER_NOTICE_FILED", "COUNTER_NOTICE_REJECTED"]);
}
