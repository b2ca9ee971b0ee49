//! The transparency report (issue 13, section 4; DSA Article 15). The report reads the state the
//! registry keeps; these tests recount every figure from the event history alone (replaying the
//! strikes to find the suspensions), over a seeded registry's two years and over one year of it,
//! and check who may read it and what `rightsgraph report` prints.

use std::collections::HashMap;

use rightsgraph::seed::{SeedPlan, seed};
use rightsgraph::statements::report::{self, TransparencyReport};
use sea_orm::{DatabaseConnection, EntityTrait, QueryOrder};
use serde_json::{Value, json};

use crate::harness::{TestApp, spawn};
use crate::workflow_support::*;

/// What the history says of `[from, to)`.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Recount {
    notices: i32,
    by_reason: HashMap<String, i32>,
    trusted: i32,
    removed: i32,
    rejected: i32,
    without_review: i32,
    median_hours_to_action: Option<f64>,
    suspended: i32,
    terminated: i32,
    cn_filed: i32,
    cn_reversed: i32,
    cn_upheld: i32,
    cn_median: Option<f64>,
    appeals_by_sellers: i32,
    appeals_by_brands: i32,
    appeals_upheld: i32,
    appeals_reversed: i32,
    appeals_median: Option<f64>,
    warned: i32,
    suspended_notifiers: i32,
}

fn median_hours(mut v: Vec<i64>) -> Option<f64> {
    v.sort_unstable();
    let n = v.len();
    let m = match n {
        0 => return None,
        _ if n % 2 == 1 => v[n / 2] as f64,
        _ => (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0,
    };
    Some(m / 3_600_000_000.0)
}

/// Replays the whole history, counting what happened in `[from, to)`.
async fn recount(app: &TestApp, from: i64, to: i64) -> Recount {
    let ttl = i64::try_from(app.app.shared.rules.strike_ttl.as_micros()).expect("ttl");
    recount_in(&app.app.db, ttl, from, to).await
}

/// [`recount`] on any database, with strikes lasting `ttl`.
pub(crate) async fn recount_in(db: &DatabaseConnection, ttl: i64, from: i64, to: i64) -> Recount {
    let events = entity::notice_event::Entity::find()
        .order_by_asc(entity::notice_event::Column::At)
        .order_by_asc(entity::notice_event::Column::Id)
        .all(db)
        .await
        .expect("history");
    // The reason of each notice is not in the history; everything else is.
    let reasons: HashMap<i64, String> = entity::notice::Entity::find()
        .all(db)
        .await
        .expect("notices")
        .into_iter()
        .map(|n| (n.id, n.reason.as_db().to_owned()))
        .collect();
    let within = |at: i64| at >= from && at < to;
    let mut r = Recount::default();
    let mut submitted: HashMap<i64, i64> = HashMap::new();
    // Per item: its last decision (true: removal), a pending counter-notice's filing, pending appeals.
    let mut removed_last: HashMap<i64, bool> = HashMap::new();
    let mut cn_pending: HashMap<i64, i64> = HashMap::new();
    let mut appeal_pending: HashMap<i64, Vec<i64>> = HashMap::new();
    // Per seller: its strikes (item, expiry, voided) and status (0 active .. 3 terminated).
    let mut strikes: HashMap<i64, Vec<(i64, i64, bool)>> = HashMap::new();
    let mut status: HashMap<i64, u8> = HashMap::new();
    let (mut to_action, mut cn_took, mut appeal_took) = (Vec::new(), Vec::new(), Vec::new());
    let mut counted_tier: HashMap<i64, bool> = HashMap::new();
    for e in &events {
        let item = e.item_id.unwrap_or(0);
        let mut strike = |r: &mut Recount, issue: bool| {
            let seller = e.seller_id.expect("an item event names its seller");
            let list = strikes.entry(seller).or_default();
            if issue {
                list.push((item, e.at + ttl, false));
            } else {
                for s in list.iter_mut().filter(|s| s.0 == item) {
                    s.2 = true;
                }
            }
            let active = list.iter().filter(|s| !s.2 && s.1 > e.at).count();
            let now = status.entry(seller).or_default();
            if *now == 3 {
                return;
            }
            let next = match active {
                0 => 0,
                1..=2 => 1,
                3..=4 => 2,
                _ => 3,
            };
            if next > *now && within(e.at) {
                match next {
                    2 => r.suspended += 1,
                    3 => r.terminated += 1,
                    _ => {}
                }
            }
            *now = next;
        };
        let mut removal = |r: &mut Recount| {
            if within(e.at) {
                r.removed += 1;
                to_action.push(e.at - submitted[&e.notice_id.expect("notice")]);
            }
        };
        match e.kind.as_db() {
            "NOTICE_SUBMITTED" => {
                let notice = e.notice_id.expect("notice");
                submitted.insert(notice, e.at);
                if within(e.at) {
                    r.notices += 1;
                    *r.by_reason.entry(reasons[&notice].clone()).or_default() += 1;
                }
            }
            "ITEM_REMOVED" => {
                removal(&mut r);
                // Removed by SYSTEM at the instant of submission: a TRUSTED brand's expedited notice.
                if e.actor_role.as_db() == "SYSTEM" {
                    if within(e.at) {
                        r.without_review += 1;
                    }
                    let notice = e.notice_id.expect("notice");
                    if within(submitted[&notice]) && counted_tier.insert(notice, true).is_none() {
                        r.trusted += 1;
                    }
                }
                removed_last.insert(item, true);
                strike(&mut r, true);
            }
            "ITEM_REJECTED" => {
                if within(e.at) {
                    r.rejected += 1;
                }
                removed_last.insert(item, false);
            }
            "COUNTER_NOTICE_FILED" => {
                if within(e.at) {
                    r.cn_filed += 1;
                }
                cn_pending.insert(item, e.at);
            }
            "COUNTER_NOTICE_REJECTED" | "LISTING_REINSTATED" => {
                let filed = cn_pending.remove(&item).expect("a pending counter-notice");
                if within(e.at) {
                    cn_took.push(e.at - filed);
                    if e.kind.as_db() == "LISTING_REINSTATED" {
                        r.cn_reversed += 1;
                    } else {
                        r.cn_upheld += 1;
                    }
                }
                if e.kind.as_db() == "LISTING_REINSTATED" {
                    strike(&mut r, false);
                }
            }
            "ITEM_RETRACTED" => {
                // A retraction accepts a pending counter-notice.
                if let Some(filed) = cn_pending.remove(&item)
                    && within(e.at)
                {
                    cn_took.push(e.at - filed);
                    r.cn_reversed += 1;
                }
                strike(&mut r, false);
            }
            "APPEAL_FILED" => {
                if within(e.at) {
                    if removed_last[&item] {
                        r.appeals_by_sellers += 1;
                    } else {
                        r.appeals_by_brands += 1;
                    }
                }
                appeal_pending.entry(item).or_default().push(e.at);
            }
            "APPEAL_UPHELD" | "APPEAL_REVERSED" => {
                let filed = appeal_pending.get_mut(&item).and_then(Vec::pop).expect("a pending appeal");
                if within(e.at) {
                    appeal_took.push(e.at - filed);
                    if e.kind.as_db() == "APPEAL_REVERSED" {
                        r.appeals_reversed += 1;
                    } else {
                        r.appeals_upheld += 1;
                    }
                }
                if e.kind.as_db() == "APPEAL_REVERSED" {
                    if removed_last[&item] {
                        // A removal reversed: the strike is voided.
                        strike(&mut r, false);
                        removed_last.insert(item, false);
                    } else {
                        // A rejection reversed: a removal now.
                        removal(&mut r);
                        removed_last.insert(item, true);
                        strike(&mut r, true);
                    }
                }
            }
            "NOTIFIER_WARNED" if within(e.at) => r.warned += 1,
            "NOTIFIER_SUSPENDED" if within(e.at) => r.suspended_notifiers += 1,
            _ => {}
        }
    }
    r.median_hours_to_action = median_hours(to_action);
    r.cn_median = median_hours(cn_took);
    r.appeals_median = median_hours(appeal_took);
    r
}

fn reason_counts(report: &TransparencyReport) -> HashMap<String, i32> {
    report.notices_by_reason.iter().filter(|c| c.count > 0).map(|c| (c.value.as_db().to_owned(), c.count)).collect()
}

pub(crate) fn assert_matches(report: &TransparencyReport, r: &Recount, what: &str) {
    assert_eq!(report.notices_received, r.notices, "{what}: notices");
    assert_eq!(reason_counts(report), r.by_reason, "{what}: by reason");
    let tiers: Vec<i32> = report.notices_by_source_tier.iter().map(|c| c.count).collect();
    assert_eq!(tiers, vec![r.notices - r.trusted, r.trusted], "{what}: by tier");
    assert_eq!((report.items_removed, report.items_rejected), (r.removed, r.rejected), "{what}: decisions");
    assert_eq!(report.items_decided, r.removed + r.rejected, "{what}: decided");
    assert_eq!(report.removals_without_review, r.without_review, "{what}: expedited");
    assert_eq!(report.median_hours_to_action, r.median_hours_to_action, "{what}: to action");
    assert_eq!(
        (report.accounts_suspended, report.accounts_terminated),
        (r.suspended, r.terminated),
        "{what}: accounts"
    );
    let cn = &report.counter_notices;
    assert_eq!(
        (cn.filed, cn.decision_reversed, cn.decision_upheld),
        (r.cn_filed, r.cn_reversed, r.cn_upheld),
        "{what}: cn"
    );
    assert_eq!(cn.median_hours_to_resolve, r.cn_median, "{what}: cn median");
    let ap = &report.appeals;
    assert_eq!(
        (ap.filed_by_sellers, ap.filed_by_brands),
        (r.appeals_by_sellers, r.appeals_by_brands),
        "{what}: appeals"
    );
    assert_eq!(ap.filed, r.appeals_by_sellers + r.appeals_by_brands, "{what}: appeals filed");
    assert_eq!((ap.decision_upheld, ap.decision_reversed), (r.appeals_upheld, r.appeals_reversed), "{what}: outcomes");
    assert_eq!(ap.median_hours_to_resolve, r.appeals_median, "{what}: appeal median");
    assert_eq!((report.notifiers_warned, report.notifiers_suspended), (r.warned, r.suspended_notifiers), "{what}");
    assert_eq!(report.statements_issued, r.removed, "{what}: one statement per removal");
}

#[tokio::test]
async fn every_figure_of_the_report_matches_a_recount_from_the_history() {
    let app = spawn().await;
    seed(&app.app.shared, SeedPlan { scale: 0.2, seed: 5, append: false, progress: false }).await.expect("seed");
    let db = &app.app.db;
    let (first, last) = {
        let all = entity::notice_event::Entity::find().all(db).await.expect("history");
        (all.iter().map(|e| e.at).min().expect("events"), all.iter().map(|e| e.at).max().expect("events"))
    };
    let year = 365 * 24 * 3_600_000_000_i64;
    for (from, to, what) in [(first, last + 1, "all of it"), (first + year / 2, first + year * 3 / 2, "a year")] {
        let figures = report::report(db, from, to).await.expect("report");
        let r = recount(&app, from, to).await;
        assert!(
            r.removed > 0 && r.rejected > 0 && r.cn_filed > 0,
            "{what}: a registry with something to report: {r:?}"
        );
        assert_matches(&figures, &r, what);
    }
    // The seed's two years hold every kind of figure.
    let all = recount(&app, first, last + 1).await;
    assert!(all.appeals_by_sellers > 0 && all.appeals_by_brands > 0 && all.appeals_reversed > 0, "{all:?}");
    assert!(all.suspended > 0 && all.warned > 0, "{all:?}");
}

#[tokio::test]
async fn a_small_registry_reports_exactly_what_happened() {
    let app = spawn().await;
    let s = scene(&app, 3).await;
    let n = submit(&app, &s.brand, &s.tm, &s.listings).await;
    remove(&app, &n.items[0]).await;
    reject(&app, &n.items[1]).await;
    file_counter(&app, &s.seller, &n.items[0]).await;
    let query = "query($from: DateTime!, $to: DateTime!) { transparencyReport(from: $from, to: $to) {
        noticesReceived noticesByReason { value count } noticesBySourceTier { value count }
        itemsDecided itemsRemoved itemsRejected removalsWithoutReview medianHoursToAction
        accountsSuspended accountsTerminated statementsIssued notifiersWarned notifiersSuspended
        counterNotices { filed filedBySellers decisionUpheld decisionReversed medianHoursToResolve }
        appeals { filed } } }";
    let period = json!({ "from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z" });
    let r = app.data(&analyst(), query, period.clone()).await["transparencyReport"].clone();
    assert_eq!(r["noticesReceived"], 1);
    assert_eq!(r["noticesByReason"][0], json!({ "value": "COUNTERFEIT", "count": 1 }));
    assert_eq!(
        r["noticesBySourceTier"],
        json!([{ "value": "STANDARD", "count": 1 }, { "value": "TRUSTED", "count": 0 }])
    );
    assert_eq!(
        (r["itemsDecided"].as_i64(), r["itemsRemoved"].as_i64(), r["itemsRejected"].as_i64()),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!((r["removalsWithoutReview"].as_i64(), r["statementsIssued"].as_i64()), (Some(0), Some(1)));
    assert!(r["medianHoursToAction"].as_f64().is_some_and(|h| (0.0..0.1).contains(&h)));
    assert_eq!(
        r["counterNotices"],
        json!({ "filed": 1, "filedBySellers": 1, "decisionUpheld": 0, "decisionReversed": 0, "medianHoursToResolve": null })
    );
    assert_eq!(r["appeals"]["filed"], 0);
    // A period that holds none of it.
    let before = json!({ "from": "2000-01-01T00:00:00Z", "to": "2001-01-01T00:00:00Z" });
    let empty = app.data(&admin(), query, before).await["transparencyReport"].clone();
    assert_eq!((empty["noticesReceived"].as_i64(), empty["itemsDecided"].as_i64()), (Some(0), Some(0)));
    assert_eq!(empty["medianHoursToAction"], Value::Null);
}

#[tokio::test]
async fn the_report_is_for_staff_and_its_period_must_run_forward() {
    let app = spawn().await;
    let s = scene(&app, 1).await;
    let query =
        "query($from: DateTime!, $to: DateTime!) { transparencyReport(from: $from, to: $to) { noticesReceived } }";
    let period = json!({ "from": "2026-01-01T00:00:00Z", "to": "2027-01-01T00:00:00Z" });
    for tok in [admin(), reviewer(), analyst()] {
        assert_eq!(app.data(&tok, query, period.clone()).await["transparencyReport"]["noticesReceived"], 0);
    }
    for tok in [agent(&s.brand), seller_token(&s.seller)] {
        let resp = app.gql(Some(&tok), query, period.clone()).await;
        assert_error(&resp, "FORBIDDEN", None);
        assert_eq!(resp["data"], json!({ "transparencyReport": null }));
    }
    assert_error(&app.gql(None, query, period).await, "UNAUTHENTICATED", None);
    let backwards = json!({ "from": "2027-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z" });
    assert_error(&app.gql(Some(&admin()), query, backwards).await, "BAD_USER_INPUT", Some("to"));
}

#[test]
fn the_csv_names_every_figure_by_its_path() {
    let figures = TransparencyReport {
        from: chrono::DateTime::UNIX_EPOCH,
        to: chrono::DateTime::UNIX_EPOCH,
        notices_received: 3,
        notices_by_reason: vec![report::NoticesByReason {
            value: rightsgraph::states::NoticeReason::Counterfeit,
            count: 3,
        }],
        notices_by_source_tier: vec![],
        items_decided: 2,
        items_removed: 1,
        items_rejected: 1,
        removals_without_review: 0,
        median_hours_to_action: Some(1.5),
        accounts_suspended: 0,
        accounts_terminated: 0,
        counter_notices: Default::default(),
        appeals: Default::default(),
        notifiers_warned: 0,
        notifiers_suspended: 0,
        statements_issued: 1,
    };
    let csv = report::to_csv(&figures);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "figure,value");
    for expected in [
        "noticesReceived,3",
        "noticesByReason.COUNTERFEIT,3",
        "medianHoursToAction,1.5",
        "counterNotices.filed,0",
        "appeals.medianHoursToResolve,",
        "from,1970-01-01T00:00:00Z",
    ] {
        assert!(lines.contains(&expected), "{expected} in {csv}");
    }
}
