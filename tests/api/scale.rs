//! Checks of a registry seeded outside the test run (`seed --scale 10` takes minutes): every
//! removal has exactly one statement of reasons, every exported statement validates against the
//! Transparency Database's schema, and the transparency report of the whole history and of each
//! calendar year matches a recount from the event history. Run with
//! `RIGHTSGRAPH_CHECK_DATABASE_URL=URL cargo test --release --test api -- --ignored seeded_registry`.

use chrono::{Datelike, NaiveDate};
use rightsgraph::statements::report;

#[tokio::test]
#[ignore = "needs RIGHTSGRAPH_CHECK_DATABASE_URL, a registry made by `rightsgraph seed`"]
async fn a_seeded_registry_has_valid_statements_and_a_report_that_matches_its_history() {
    let url = std::env::var("RIGHTSGRAPH_CHECK_DATABASE_URL").expect("RIGHTSGRAPH_CHECK_DATABASE_URL");
    let shared = rightsgraph::connect_shared(&url, Default::default()).await.expect("the registry");
    let db = &shared.db;
    let started = std::time::Instant::now();
    let statements = crate::export::check_registry(db).await;
    println!("{statements} statements: one per removal, valid, impersonal ({:.1} s)", started.elapsed().as_secs_f64());
    let first = crate::export::number_in(db, "SELECT MIN(at) FROM notice_event").await;
    let last = crate::export::number_in(db, "SELECT MAX(at) FROM notice_event").await;
    let ttl = i64::try_from(shared.rules.strike_ttl.as_micros()).expect("ttl");
    let mut periods = vec![(first, last + 1, "all".to_owned())];
    let year_of = |us: i64| rightsgraph::time::instant(us).year();
    for year in year_of(first)..=year_of(last) {
        let start = |y: i32| NaiveDate::from_ymd_opt(y, 1, 1).expect("day").and_hms_opt(0, 0, 0).expect("t");
        let (from, to) = (start(year).and_utc().timestamp_micros(), start(year + 1).and_utc().timestamp_micros());
        periods.push((from, to, year.to_string()));
    }
    for (from, to, what) in periods {
        let figures = report::report(db, from, to).await.expect("report");
        let recount = crate::report::recount_in(db, ttl, from, to).await;
        crate::report::assert_matches(&figures, &recount, &what);
        println!("{what}: {}", serde_json::to_string(&figures).expect("JSON"));
    }
    // The history holds every state of issue 12's workflow (its "done when"): evidence, listing
    // addresses, retractions, appeals of both parties with both outcomes, a warned and a
    // suspended notifier.
    let count = |sql: &'static str| crate::export::number_in(db, sql);
    let checks = [
        ("evidence", count("SELECT COUNT(*) FROM evidence").await),
        ("listings with an address", count("SELECT COUNT(*) FROM listing WHERE url_key IS NOT NULL").await),
        ("retractions", count("SELECT COUNT(*) FROM notice_event WHERE kind = 'ITEM_RETRACTED'").await),
        (
            "sellers' appeals upheld",
            count("SELECT COUNT(*) FROM appeal WHERE party = 'SELLER' AND status = 'UPHELD'").await,
        ),
        (
            "sellers' appeals reversed",
            count("SELECT COUNT(*) FROM appeal WHERE party = 'SELLER' AND status = 'REVERSED'").await,
        ),
        (
            "brands' appeals upheld",
            count("SELECT COUNT(*) FROM appeal WHERE party = 'BRAND' AND status = 'UPHELD'").await,
        ),
        (
            "brands' appeals reversed",
            count("SELECT COUNT(*) FROM appeal WHERE party = 'BRAND' AND status = 'REVERSED'").await,
        ),
        ("notifiers warned", count("SELECT COUNT(*) FROM notice_event WHERE kind = 'NOTIFIER_WARNED'").await),
        ("notifiers suspended", count("SELECT COUNT(*) FROM notice_event WHERE kind = 'NOTIFIER_SUSPENDED'").await),
    ];
    println!("{checks:?}");
    for (what, n) in checks {
        assert!(n > 0, "the seeded history has no {what}");
    }
}
