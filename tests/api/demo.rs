//! The demo data set (`serve --demo`): loaded through the services, it shows every state the
//! workflow reaches, so that a newcomer can see each one without writing a notice; it fits its
//! story into the configured windows, loads everything or nothing, and its banner says whose each
//! token is and how to make more.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use clap::Parser;
use rightsgraph::auth::Verifier;
use rightsgraph::config::{AuthConfig, Cli, Command, RulesConfig};
use rightsgraph::demo::{KeyOrigin, banner, load_demo};
use rightsgraph::graph::Shared;
use rightsgraph::ids::{GlobalId, Kind};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::harness::{SECRET, TestApp, spawn, spawn_with};
use crate::workflow_support::admin;

const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(24 * 3600);
/// The path `serve --demo` was started as, which the banner's `token` command repeats.
const PROGRAM: &str = "target/release/rightsgraph";

fn set(values: impl IntoIterator<Item = Value>) -> BTreeSet<String> {
    values.into_iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()
}

/// Loads the demo into `app`, asserting that it did, and says when the load began.
async fn load(app: &TestApp, case: &str) -> Instant {
    let began = Instant::now();
    let loaded = load_demo(&app.app.shared).await.unwrap_or_else(|e| panic!("{case}: the demo does not load: {e}"));
    assert!(loaded, "{case}: an empty database loads it");
    began
}

/// Asserts that the demo loaded into `app` (the load began at `began`) shows every state of the
/// workflow. The item left waiting for its brand's answer is asked for only while its window, as
/// short as it may be, cannot have passed since the load began.
async fn assert_every_state(app: &TestApp, case: &str, began: Instant) {
    let data = app
        .data(
            &admin(),
            "{ brands(first: 50) { nodes { name trustTier submissionStatus submissionSuspendedUntil } }
               sellers(first: 50) { nodes { status } }
               notices(first: 100) { nodes { status items(first: 100) { nodes { status decisionReason } } } }
               appeals(first: 50) { nodes { status party } } }",
            json!({}),
        )
        .await;
    let question_may_wait = began.elapsed() < app.app.shared.rules.info_request_window.mul_f64(7.0 / 8.0);
    let brands = data["brands"]["nodes"].as_array().expect("brands").clone();
    let standing = |name: &str| brands.iter().find(|b| b["name"] == name).cloned().unwrap_or(Value::Null);
    assert_eq!(
        set(brands.iter().map(|b| b["trustTier"].clone())),
        set([json!("STANDARD"), json!("TRUSTED")]),
        "{case}"
    );
    assert_eq!(
        set(brands.iter().map(|b| b["submissionStatus"].clone())),
        set([json!("ACTIVE"), json!("WARNED"), json!("SUSPENDED")]),
        "{case}"
    );
    assert_eq!(standing("Aurelia Watches")["trustTier"], "TRUSTED", "{case}");
    assert_eq!(standing("Lumen Lifestyle")["submissionStatus"], "WARNED", "{case}");
    assert_eq!(standing("Brightstone Tools")["submissionStatus"], "SUSPENDED", "{case}");
    assert!(standing("Brightstone Tools")["submissionSuspendedUntil"].is_string(), "{case}: {brands:?}");
    let sellers = set(data["sellers"]["nodes"].as_array().expect("sellers").iter().map(|s| s["status"].clone()));
    assert!(sellers.contains("SUSPENDED") && sellers.contains("ACTIVE"), "{case}: {sellers:?}");
    let notices = data["notices"]["nodes"].as_array().expect("notices");
    assert_eq!(
        set(notices.iter().map(|n| n["status"].clone())),
        set([json!("OPEN"), json!("CLOSED"), json!("WITHDRAWN")]),
        "{case}"
    );
    let items: Vec<Value> =
        notices.iter().flat_map(|n| n["items"]["nodes"].as_array().cloned().unwrap_or_default()).collect();
    let states = set(items.iter().map(|i| i["status"].clone()));
    for state in ["PENDING", "REMOVED", "REJECTED", "COUNTERED", "REINSTATED", "WITHDRAWN"] {
        assert!(states.contains(state), "{case}: no {state} item in the demo: {states:?}");
    }
    if question_may_wait {
        assert!(states.contains("INFO_REQUESTED"), "{case}: no item waits for its brand's answer: {states:?}");
    }
    let silence = rightsgraph::channel::service::SILENCE;
    assert!(
        items.iter().any(|i| i["status"] == "REJECTED" && i["decisionReason"] == silence),
        "{case}: no item rejected for silence"
    );
    let appeals: Vec<(String, String)> = data["appeals"]["nodes"]
        .as_array()
        .expect("appeals")
        .iter()
        .map(|a| (a["status"].as_str().unwrap_or("").to_owned(), a["party"].as_str().unwrap_or("").to_owned()))
        .collect();
    assert!(appeals.contains(&("REVERSED".into(), "BRAND".into())), "{case}: {appeals:?}");
    assert!(appeals.contains(&("PENDING".into(), "SELLER".into())), "{case}: {appeals:?}");
}

/// The rows of every table the demo writes to, by table.
async fn rows(db: &DatabaseConnection) -> Vec<(&'static str, u64)> {
    use entity::*;
    let count = |n: Result<u64, sea_orm::DbErr>| n.expect("count");
    vec![
        ("brand", count(brand::Entity::find().count(db).await)),
        ("trademark", count(trademark::Entity::find().count(db).await)),
        ("seller", count(seller::Entity::find().count(db).await)),
        ("seller_identifier", count(seller_identifier::Entity::find().count(db).await)),
        ("seller_cluster", count(seller_cluster::Entity::find().count(db).await)),
        ("listing", count(listing::Entity::find().count(db).await)),
        ("notice", count(notice::Entity::find().count(db).await)),
        ("notice_item", count(notice_item::Entity::find().count(db).await)),
        ("notice_event", count(notice_event::Entity::find().count(db).await)),
        ("notice_message", count(notice_message::Entity::find().count(db).await)),
        ("evidence", count(evidence::Entity::find().count(db).await)),
        ("strike", count(strike::Entity::find().count(db).await)),
        ("counter_notice", count(counter_notice::Entity::find().count(db).await)),
        ("appeal", count(appeal::Entity::find().count(db).await)),
        ("statement_of_reasons", count(statement_of_reasons::Entity::find().count(db).await)),
    ]
}

fn assert_empty(rows: &[(&str, u64)], case: &str) {
    let left: Vec<_> = rows.iter().filter(|(_, n)| *n > 0).collect();
    assert!(left.is_empty(), "{case}: the database keeps rows of the demo: {left:?}");
}

/// `shared` under other rules, on the same database.
fn under(shared: &Shared, rules: RulesConfig) -> Shared {
    Shared { rules, ..shared.clone() }
}

#[tokio::test]
async fn demo_shows_every_state_of_the_workflow() {
    let app = spawn().await;
    let began = load(&app, "default windows").await;
    assert!(!load_demo(&app.app.shared).await.expect("second call"), "loaded once only");
    assert_every_state(&app, "default windows", began).await;
}

/// Issue 28: under shorter windows the demo stopped half-way ("the counter-notice window of this
/// removal has closed"); its story now shrinks into them and still shows every state.
#[tokio::test]
async fn demo_fits_its_story_into_short_windows() {
    let default = RulesConfig::default;
    let cases = [
        ("--counter-notice-window 1h", RulesConfig { counter_notice_window: HOUR, ..default() }),
        ("--appeal-window 1d", RulesConfig { appeal_window: DAY, ..default() }),
        ("--info-request-window 2s", RulesConfig { info_request_window: Duration::from_secs(2), ..default() }),
        (
            "all three",
            RulesConfig {
                counter_notice_window: HOUR,
                appeal_window: DAY,
                info_request_window: Duration::from_secs(2),
                ..default()
            },
        ),
    ];
    for (case, rules) in cases {
        let app = spawn_with(rules).await;
        let began = load(&app, case).await;
        assert_every_state(&app, case, began).await;
    }
}

#[tokio::test]
async fn demo_fits_every_window_short_at_once() {
    let case = "every window short";
    let app = spawn_with(RulesConfig {
        counter_notice_window: HOUR,
        appeal_window: DAY,
        info_request_window: Duration::from_secs(2),
        trust_window: DAY,
        strike_ttl: DAY,
        abuse_window: HOUR,
        abuse_warning_period: Duration::from_secs(60),
        abuse_suspension: HOUR,
        ..RulesConfig::default()
    })
    .await;
    let began = load(&app, case).await;
    assert_every_state(&app, case, began).await;
}

/// A question left unanswered must outlast its window, a warning its period: long ones push the
/// story's steps back rather than losing the rejection for silence or the suspension.
#[tokio::test]
async fn demo_pushes_its_steps_back_past_long_windows() {
    let case = "long windows";
    let app = spawn_with(RulesConfig {
        counter_notice_window: 60 * DAY,
        appeal_window: 400 * DAY,
        info_request_window: 30 * DAY,
        trust_window: 400 * DAY,
        abuse_window: 100 * DAY,
        abuse_warning_period: 120 * DAY,
        abuse_suspension: 400 * DAY,
        ..RulesConfig::default()
    })
    .await;
    let began = load(&app, case).await;
    assert_every_state(&app, case, began).await;
}

#[tokio::test]
async fn demo_refuses_a_window_it_cannot_show_before_writing_anything() {
    // Arrange: an info-request window too short for a question to still wait when serving starts.
    let app = spawn().await;
    let short = under(
        &app.app.shared,
        RulesConfig { info_request_window: Duration::from_millis(500), ..RulesConfig::default() },
    );
    // Act
    let refused = load_demo(&short).await.expect_err("refused");
    // Assert: the flag and its least value are named, nothing was written, a later load works.
    assert!(refused.contains("--info-request-window is 500ms") && refused.contains("at least 1s"), "{refused}");
    assert_empty(&rows(&app.app.db).await, "refused");
    let began = load(&app, "default windows after a refusal").await;
    assert_every_state(&app, "default windows after a refusal", began).await;
}

#[tokio::test]
async fn demo_that_fails_half_way_leaves_the_database_empty() {
    // Arrange: the database refuses appeals, which the story files after its brands, sellers,
    // listings, notices and decisions.
    let app = spawn().await;
    let db = &app.app.db;
    let (refuse, allow): (&[&str], &str) = match db.get_database_backend() {
        DbBackend::Postgres => (
            &[
                "CREATE FUNCTION refuse_appeal() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'no room for appeals'; END $$",
                "CREATE TRIGGER refuse_appeal BEFORE INSERT ON appeal FOR EACH ROW EXECUTE FUNCTION refuse_appeal()",
            ],
            "DROP TRIGGER refuse_appeal ON appeal",
        ),
        _ => (
            &[
                "CREATE TRIGGER refuse_appeal BEFORE INSERT ON appeal BEGIN SELECT RAISE(ABORT, 'no room for appeals'); END",
            ],
            "DROP TRIGGER refuse_appeal",
        ),
    };
    for statement in refuse {
        db.execute_unprepared(statement).await.expect("install the trigger");
    }
    // Act
    let failed = load_demo(&app.app.shared).await.expect_err("the load fails");
    // Assert: the error says what failed and that nothing was kept; every table is empty.
    assert!(failed.contains("no room for appeals"), "{failed}");
    assert!(failed.ends_with("the database is empty again"), "{failed}");
    let left = rows(db).await;
    assert_empty(&left, "after a failed load");
    // A second load, once the database takes appeals again, loads it all.
    db.execute_unprepared(allow).await.expect("drop the trigger");
    let began = load(&app, "after a failed load").await;
    assert_every_state(&app, "after a failed load", began).await;
}

#[tokio::test]
async fn demo_loads_only_into_an_empty_database() {
    let app = spawn().await;
    let input = json!({ "input": { "handle": "early-bird", "displayName": "Early Bird", "country": "DE" } });
    let mutation = "mutation($input: RegisterSellerInput!) { registerSeller(input: $input) { id } }";
    app.data(&admin(), mutation, input).await;
    let loaded = load_demo(&app.app.shared).await.expect("no error");
    assert!(!loaded, "a database with a seller is not empty");
    let brands = entity::brand::Entity::find().count(&app.app.db).await.expect("count");
    assert_eq!(brands, 0, "nothing of the demo was written beside it");
}

/// One `(label, token)` per token line of `banner`.
fn token_lines(banner: &str) -> Vec<(String, String)> {
    banner
        .lines()
        .filter_map(|line| {
            let (label, token) = line.trim().rsplit_once(' ')?;
            token.starts_with("eyJ").then(|| (label.trim().to_owned(), token.to_owned()))
        })
        .collect()
}

#[tokio::test]
async fn demo_tokens_say_whose_they_are_and_each_verifies() {
    // Arrange
    let app = spawn().await;
    load(&app, "default windows").await;
    let auth = AuthConfig { jwt_secret: Some(SECRET.into()), ..Default::default() };
    // Act
    let text = banner(&app.app.db, &auth, KeyOrigin::Generated, PROGRAM).await.expect("banner");
    // Assert: a token per role, each verifying as the role, brand and seller its line names.
    let verifier = Verifier::from_config(&auth).expect("verifier");
    let lines = token_lines(&text);
    let roles: Vec<&str> = lines.iter().filter_map(|(label, _)| label.split(' ').next()).collect();
    assert_eq!(roles, ["ADMIN", "REVIEWER", "ANALYST", "BRAND_AGENT", "SELLER"], "{text}");
    for (label, token) in &lines {
        let identity = verifier.check(token).unwrap_or_else(|e| panic!("{label}: {}", e.reason)).identity;
        assert!(label.starts_with(identity.role.as_str()), "{label} is a {:?} token", identity.role);
        assert!(!identity.subject.starts_with("demo-"), "{label}: the story's own people decided its items");
        if let Some(brand) = identity.brand_id {
            let brand = entity::brand::Entity::find_by_id(brand).one(&app.app.db).await.expect("read").expect("brand");
            assert_eq!(brand.name, "Aurelia Watches");
            let named = format!("for brand \"{}\" ({})", brand.name, GlobalId::new(Kind::Brand, brand.id));
            assert!(label.ends_with(&named), "{label}");
        }
        if let Some(seller) = identity.seller_id {
            let seller =
                entity::seller::Entity::find_by_id(seller).one(&app.app.db).await.expect("read").expect("seller");
            assert!(["ACTIVE", "WARNED"].contains(&seller.status.as_db()), "{label}: a seller that may act");
            let named =
                format!("as seller {}, {} ({})", seller.handle, seller.status, GlobalId::new(Kind::Seller, seller.id));
            assert!(label.ends_with(&named), "{label}");
        }
    }
    assert!(lines.iter().any(|(label, _)| label.contains("as seller bargain-audio, WARNED")), "{text}");
    // More tokens: the command carries the generated key and is this CLI's `token` command.
    let command = text.lines().find(|l| l.contains(" token --role ")).expect("a token command").trim();
    let prefix = format!("RIGHTSGRAPH_JWT_SECRET={SECRET} {PROGRAM} ");
    let args = command.strip_prefix(&prefix).unwrap_or_else(|| panic!("{command}"));
    let cli = Cli::try_parse_from(std::iter::once("rightsgraph").chain(args.split(' '))).expect("parses");
    let Command::Token { role, brand, ttl, .. } = cli.command else { panic!("not a token command: {command}") };
    assert_eq!((role.as_str(), ttl), ("BRAND_AGENT", DAY));
    let brand = GlobalId::parse(&brand.expect("--brand")).expect("a brand id").key;
    let brand = entity::brand::Entity::find_by_id(brand).one(&app.app.db).await.expect("read").expect("brand");
    assert_eq!(brand.name, "Northwind Outdoor");
}

#[tokio::test]
async fn demo_banner_keeps_a_supplied_secret_to_itself() {
    // Arrange: the server's own key, issuer and audience.
    let app = spawn().await;
    load(&app, "default windows").await;
    let auth = AuthConfig {
        jwt_secret: Some(SECRET.into()),
        jwt_issuer: Some("https://id.example/".into()),
        jwt_audience: Some("rightsgraph demo".into()),
        ..Default::default()
    };
    // Act
    let text = banner(&app.app.db, &auth, KeyOrigin::Supplied, PROGRAM).await.expect("banner");
    let external = banner(&app.app.db, &AuthConfig::default(), KeyOrigin::Supplied, PROGRAM).await.expect("banner");
    // Assert
    assert!(!text.contains(SECRET), "the supplied secret is echoed:\n{text}");
    assert!(text.contains("more tokens (with RIGHTSGRAPH_JWT_SECRET or --jwt-secret as for this server)"), "{text}");
    let command = text.lines().find(|l| l.contains(" token --role ")).expect("a token command").trim();
    assert!(command.starts_with(&format!("{PROGRAM} token --role BRAND_AGENT")), "{command}");
    assert!(command.ends_with("--jwt-issuer https://id.example/ --jwt-audience 'rightsgraph demo'"), "{command}");
    let verifier = Verifier::from_config(&auth).expect("verifier");
    let lines = token_lines(&text);
    assert_eq!(lines.len(), 5, "{text}");
    for (label, token) in &lines {
        assert!(verifier.check(token).is_ok(), "{label}: refused by a server that checks issuer and audience");
    }
    assert!(token_lines(&external).is_empty() && external.contains("identity provider"), "{external}");
}
