//! `TestApp`: the whole service in process on its own database, and helpers to call it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use rightsgraph::auth::{Claims, Role, mint_hs256};
use rightsgraph::config::{AuthConfig, Config, DbConfig, LimitsConfig, RulesConfig, WsConfig};
use rightsgraph::ids::{GlobalId, Kind};
use rightsgraph::{App, build_app};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tower::ServiceExt;

/// The HS256 secret of every test app.
pub const SECRET: &str = "test-secret-of-rightsgraph-of-32-bytes-and-more";

/// A running service on a database of its own.
pub struct TestApp {
    pub app: App,
    config: Config,
    _db: TestDb,
}

/// A test app with the default rules.
pub async fn spawn() -> TestApp {
    spawn_with(RulesConfig::default()).await
}

/// A test app with `rules`.
pub async fn spawn_with(rules: RulesConfig) -> TestApp {
    spawn_config(rules, AuthConfig { jwt_secret: Some(SECRET.into()), ..Default::default() }).await
}

/// A test app with `rules` that verifies tokens as `auth` says.
pub async fn spawn_config(rules: RulesConfig, auth: AuthConfig) -> TestApp {
    spawn_full(rules, auth, LimitsConfig::default(), WsConfig::default()).await
}

/// A test app with the default rules under `limits`.
pub async fn spawn_limits(limits: LimitsConfig) -> TestApp {
    let auth = AuthConfig { jwt_secret: Some(SECRET.into()), ..Default::default() };
    spawn_full(RulesConfig::default(), auth, limits, WsConfig::default()).await
}

/// A test app with the default rules, under `limits` and the WebSocket limits `ws`.
pub async fn spawn_ws(limits: LimitsConfig, ws: WsConfig) -> TestApp {
    let auth = AuthConfig { jwt_secret: Some(SECRET.into()), ..Default::default() };
    spawn_full(RulesConfig::default(), auth, limits, ws).await
}

async fn spawn_full(rules: RulesConfig, auth: AuthConfig, limits: LimitsConfig, ws: WsConfig) -> TestApp {
    // The service's warnings and errors (an internal error's cause) go to the test's captured
    // output, which a failing test prints.
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter(tracing_subscriber::EnvFilter::new("rightsgraph=warn"))
        .try_init();
    let db = TestDb::new().await;
    let config = Config {
        listen: "127.0.0.1:0".parse().expect("address"),
        db: DbConfig { database_url: db.url.clone() },
        auth,
        rules,
        limits,
        ws,
        reads: Default::default(),
        strike_sweep_interval: std::time::Duration::ZERO,
        planner: true,
    };
    let app = build_app(&config).await.expect("build the app");
    TestApp { app, config, _db: db }
}

impl TestApp {
    /// Another process of the service on this app's database and configuration: a replica.
    pub async fn replica(&self) -> App {
        build_app(&self.config).await.expect("build a replica")
    }
}

/// The PostgreSQL server the suite runs on, if any.
pub fn pg_admin_url() -> Option<String> {
    std::env::var("RIGHTSGRAPH_TEST_DATABASE_URL").ok().filter(|url| !url.is_empty())
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh database on the current backend, dropped (PostgreSQL) or deleted (SQLite) afterwards.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub async fn new() -> Self {
        match pg_admin_url() {
            Some(admin) => {
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.subsec_nanos() % 1_000_000);
                let name =
                    format!("rg_test_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
                let db = Database::connect(admin.as_str()).await.expect("connect to the PostgreSQL test server");
                db.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
                db.close().await.ok();
                let base = admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base).to_owned();
                Self { url: format!("{base}/{name}"), _dir: None, pg: Some((admin, name)) }
            }
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("process.db").display());
                Self { url, _dir: Some(dir), pg: None }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin, name)) = self.pg.take() else { return };
        // In a thread of its own: the test's runtime may be the one dropping us.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async move {
                if let Ok(admin) = Database::connect(admin.as_str()).await {
                    admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.ok();
                    admin.close().await.ok();
                }
            });
        })
        .join();
    }
}

/// A token for `role`, acting for brand `brand` or seller `seller` (row keys).
pub fn token(role: Role, brand: Option<i64>, seller: Option<i64>) -> String {
    let mut claims = Claims::new("test", role, Duration::from_secs(3600));
    claims.brand_id = brand.map(|b| GlobalId::new(Kind::Brand, b).to_string());
    claims.seller_id = seller.map(|s| GlobalId::new(Kind::Seller, s).to_string());
    mint_hs256(SECRET, &claims).expect("sign")
}

/// Signs arbitrary claims with the test secret.
pub fn sign(claims: &Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("sign")
}

/// The global id of row `key` of `kind`.
pub fn gid(kind: Kind, key: i64) -> String {
    GlobalId::new(kind, key).to_string()
}

/// A raw HTTP answer.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

impl TestApp {
    /// The service stopped and started again on the same database, as a new process would be:
    /// nothing of the old one's memory survives.
    pub async fn restart(self) -> TestApp {
        let TestApp { app, config, _db } = self;
        drop(app);
        let app = build_app(&config).await.expect("build the app again");
        TestApp { app, config, _db }
    }

    /// The service started again on the same database, reading as `reads` says.
    pub async fn reading(self, reads: rightsgraph::config::ReadConfig) -> Result<TestApp, String> {
        let TestApp { app, mut config, _db } = self;
        drop(app);
        config.reads = reads;
        let app = build_app(&config).await?;
        Ok(TestApp { app, config, _db })
    }

    /// The URL of the app's database.
    pub fn database_url(&self) -> &str {
        &self.config.db.database_url
    }

    /// Sends `request` through the router.
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.app.router.clone().oneshot(request).await.expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.expect("body").to_bytes().to_vec();
        Reply { status, headers, body }
    }

    /// POSTs a GraphQL request with `token` and returns the JSON response.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = Request::post("/graphql").header("content-type", "application/json");
        if let Some(t) = token {
            request = request.header("authorization", format!("Bearer {t}"));
        }
        let body = json!({ "query": query, "variables": variables }).to_string();
        let reply = self.send(request.body(Body::from(body)).expect("request")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
        reply.json()
    }

    /// Like `gql`, and asserts there was no error; returns `data`.
    pub async fn data(&self, token: &str, query: &str, variables: Value) -> Value {
        let response = self.gql(Some(token), query, variables).await;
        assert!(response.get("errors").is_none(), "unexpected errors: {response:#}");
        response["data"].clone()
    }

    /// SQL statements run so far.
    pub fn statements(&self) -> u64 {
        self.app.statements.get()
    }
}

/// The `extensions.code` of every error of `response`.
pub fn codes(response: &Value) -> Vec<String> {
    response["errors"]
        .as_array()
        .map(|errors| errors.iter().map(|e| e["extensions"]["code"].as_str().unwrap_or("").to_owned()).collect())
        .unwrap_or_default()
}

/// The single error code of `response`.
pub fn code(response: &Value) -> String {
    let all = codes(response);
    assert_eq!(all.len(), 1, "expected one error: {response:#}");
    all[0].clone()
}

/// The ids of the `nodes` of a connection.
pub fn ids(connection: &Value) -> Vec<String> {
    connection["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("not a connection: {connection:#}"))
        .iter()
        .map(|n| n["id"].as_str().expect("id").to_owned())
        .collect()
}

/// The global ids of `keys` of `kind`.
pub fn gids(kind: Kind, keys: &[i64]) -> Vec<String> {
    keys.iter().map(|k| gid(kind, *k)).collect()
}

/// The state stored as `name` (a test writes rows by their wire names); panics on a name the
/// enum does not know.
pub fn state<E: rightsgraph::states::State>(name: &str) -> E {
    E::parse(name).unwrap_or_else(|| panic!("{name} is not a {}", std::any::type_name::<E>()))
}
