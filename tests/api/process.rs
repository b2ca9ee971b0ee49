//! The real `rightsgraph` process (CONTRACT.md sections 1, 2 and 6): it refuses to start without
//! a JWT key, keeps every acknowledged mutation through a SIGKILL, finishes the requests in flight
//! on SIGTERM and exits 0, and rides out a PostgreSQL outage without a restart.
//!
//! The process is started as `rightsgraph serve --listen 127.0.0.1:0` on a database of its own
//! (a temp SQLite file, or a fresh database on `RIGHTSGRAPH_TEST_DATABASE_URL`) and spoken to with
//! the small HTTP/1.1 client below, over plain `TcpStream`s.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use rightsgraph::auth::Role;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{sleep, timeout};

use crate::harness::{SECRET, token};

/// The binary under test.
const BIN: &str = env!("CARGO_BIN_EXE_rightsgraph");

/// How long a debug build on a busy machine may take to migrate and bind.
const STARTUP: Duration = Duration::from_secs(90);

// ---------------------------------------------------------------------------------------------
// A database of its own
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// The process
// ---------------------------------------------------------------------------------------------

/// `rightsgraph serve` with `env`, every inherited setting that could change its behaviour removed.
fn serve_command(database_url: &str) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("DATABASE_URL", database_url)
        .env_remove("RIGHTSGRAPH_LISTEN")
        .env_remove("RIGHTSGRAPH_JWT_SECRET")
        .env_remove("RIGHTSGRAPH_JWT_PUBLIC_KEY")
        .env_remove("RIGHTSGRAPH_JWT_ISSUER")
        .env_remove("RIGHTSGRAPH_JWT_AUDIENCE")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// A running `rightsgraph serve`; killed when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) addr: SocketAddr,
    /// Everything it printed so far, stdout and stderr, for failure messages.
    output: Arc<Mutex<String>>,
}

impl Server {
    /// Starts it on `database_url` and waits for `listening on http://ADDR`.
    pub(crate) fn start(database_url: &str) -> Self {
        Self::start_with(database_url, &[], Some(SECRET))
    }

    /// Starts it on `database_url` with `args` after `serve`, signing with `secret` (none: unset).
    pub(crate) fn start_with(database_url: &str, args: &[&str], secret: Option<&str>) -> Self {
        let mut command = serve_command(database_url);
        command.args(args);
        if let Some(secret) = secret {
            command.env("RIGHTSGRAPH_JWT_SECRET", secret);
        }
        let mut child = command.spawn().unwrap_or_else(|e| panic!("cannot start {BIN}: {e}"));
        let output = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("piped stderr");
        let stdout = child.stdout.take().expect("piped stdout");
        let log = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                log.lock().map(|mut l| l.push_str(&format!("[stderr] {line}\n"))).ok();
            }
        });
        // Keeps draining stdout after the address: a closed pipe would make a later println fail.
        let (tx, rx) = mpsc::channel();
        let log = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(addr) = line.strip_prefix("listening on http://") {
                    let _ = tx.send(addr.trim().to_owned());
                }
                log.lock().map(|mut l| l.push_str(&format!("[stdout] {line}\n"))).ok();
            }
        });
        match rx.recv_timeout(STARTUP) {
            Ok(addr) => {
                let addr = addr.parse().unwrap_or_else(|e| panic!("bad address {addr:?}: {e}"));
                Self { child, addr, output }
            }
            Err(_) => {
                let _ = child.kill();
                let status = child.wait();
                std::thread::sleep(Duration::from_millis(100));
                let output = output.lock().map(|o| o.clone()).unwrap_or_default();
                panic!("no `listening on http://ADDR` line (exit {status:?}); output:\n{output}")
            }
        }
    }

    /// SIGKILL, and waits for it to die.
    pub(crate) fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (`TERM`, `KILL` …) with kill(1).
    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([format!("-{signal}"), self.pid().to_string()])
            .status()
            .unwrap_or_else(|e| panic!("cannot run kill: {e}"));
        assert!(status.success(), "kill -{signal} {} failed: {status}", self.pid());
    }

    /// The exit status once it has exited, waiting at most `within`.
    fn wait_exit(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + within;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub(crate) fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    pub(crate) fn output(&self) -> String {
        self.output.lock().map(|o| o.clone()).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.running() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// A tiny HTTP/1.1 client
// ---------------------------------------------------------------------------------------------

/// An HTTP answer.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON (`Value::Null` with the text in a panic message when it is not).
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("HTTP {}: body is not JSON ({e}): {}", self.status, self.text()))
    }
}

/// The head of a request; `close` asks the server to close the connection after answering.
fn head(
    method: &str,
    path: &str,
    addr: SocketAddr,
    token: Option<&str>,
    body_len: Option<usize>,
    close: bool,
) -> String {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\n");
    if let Some(len) = body_len {
        head.push_str(&format!("Content-Type: application/json\r\nContent-Length: {len}\r\n"));
    }
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    head
}

/// A GraphQL POST body.
fn gql_body(query: &str, variables: &Value) -> Vec<u8> {
    json!({ "query": query, "variables": variables }).to_string().into_bytes()
}

/// Reads one response from `stream`: the head, then `Content-Length` bytes, a chunked body, or
/// everything up to the end of the stream.
async fn read_reply(stream: &mut TcpStream) -> std::io::Result<Reply> {
    let bad = |what: String| std::io::Error::new(std::io::ErrorKind::InvalidData, what);
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "connection closed before a response"));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad(format!("bad status line {status_line:?}")))?;
    let mut content_length = None;
    let mut chunked = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim().to_ascii_lowercase());
        if name == "content-length" {
            content_length = value.parse::<usize>().ok();
        } else if name == "transfer-encoding" && value.contains("chunked") {
            chunked = true;
        }
    }
    let mut body = buf[head_end..].to_vec();
    if chunked {
        loop {
            if let Some(decoded) = dechunk(&body) {
                return Ok(Reply { status, body: decoded });
            }
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Err(bad("connection closed inside a chunked body".into()));
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    match content_length {
        Some(len) => {
            while body.len() < len {
                let n = stream.read(&mut chunk).await?;
                if n == 0 {
                    return Err(bad(format!("connection closed after {} of {len} body bytes", body.len())));
                }
                body.extend_from_slice(&chunk[..n]);
            }
            body.truncate(len);
        }
        None => {
            stream.read_to_end(&mut body).await?;
        }
    }
    Ok(Reply { status, body })
}

/// The body of a complete chunked encoding, `None` while incomplete.
fn dechunk(raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0;
    loop {
        let line_end = at + raw[at..].windows(2).position(|w| w == b"\r\n")?;
        let size_text = String::from_utf8_lossy(&raw[at..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        at = line_end + 2;
        if size == 0 {
            return Some(out);
        }
        if raw.len() < at + size + 2 {
            return None;
        }
        out.extend_from_slice(&raw[at..at + size]);
        at += size + 2;
    }
}

/// One request on a connection of its own (`Connection: close`).
pub(crate) async fn exchange(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&[u8]>,
) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(addr).await?;
    let mut request = head(method, path, addr, token, body.map(<[u8]>::len), true).into_bytes();
    request.extend_from_slice(body.unwrap_or_default());
    stream.write_all(&request).await?;
    read_reply(&mut stream).await
}

/// `POST /graphql`.
pub(crate) async fn graphql(
    addr: SocketAddr,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> std::io::Result<Reply> {
    exchange(addr, "POST", "/graphql", token, Some(&gql_body(query, &variables))).await
}

/// `GET path`.
pub(crate) async fn get(addr: SocketAddr, path: &str) -> std::io::Result<Reply> {
    exchange(addr, "GET", path, None, None).await
}

/// The `extensions.code` of every error of `response`.
fn codes(response: &Value) -> Vec<String> {
    response["errors"]
        .as_array()
        .map(|errors| errors.iter().map(|e| e["extensions"]["code"].as_str().unwrap_or("").to_owned()).collect())
        .unwrap_or_default()
}

const CREATE_BRAND: &str = "mutation($input: CreateBrandInput!) { createBrand(input: $input) { id name } }";

// ---------------------------------------------------------------------------------------------
// Startup
// ---------------------------------------------------------------------------------------------

#[test]
fn serve_without_a_jwt_key_refuses_to_start_with_one_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("nokey.db").display());
    let child = serve_command(&url).spawn().unwrap_or_else(|e| panic!("cannot start {BIN}: {e}"));
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let output = match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(output) => output.expect("wait for the process"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("`serve` without a JWT key was still running after 30 s: it should refuse to start");
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "exit status {}; stdout:\n{stdout}\nstderr:\n{stderr}", output.status);
    assert!(!stdout.contains("listening on"), "it must not serve; stdout:\n{stdout}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line of reason on stderr, got:\n{stderr}");
    assert!(lines[0].contains("RIGHTSGRAPH_JWT_SECRET"), "the reason names RIGHTSGRAPH_JWT_SECRET: {stderr}");
}

/// Runs `command` to its end (it must not serve), killing it after 30 s; its output.
fn run_to_end(mut command: Command, what: &str) -> std::process::Output {
    let child = command.spawn().unwrap_or_else(|e| panic!("cannot start {BIN}: {e}"));
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(output) => output.expect("wait for the process"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("{what} was still running after 30 s: it should refuse to start");
        }
    }
}

/// Asserts that `output` is a refusal: non-zero exit, nothing served, one stderr line naming the
/// secret's variable.
fn assert_refused_for_the_secret(output: &std::process::Output) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "exit status {}; stdout:\n{stdout}\nstderr:\n{stderr}", output.status);
    assert!(!stdout.contains("listening on") && !stdout.contains("eyJ"), "nothing served or signed: {stdout}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line of reason on stderr, got:\n{stderr}");
    assert!(lines[0].contains("RIGHTSGRAPH_JWT_SECRET") && lines[0].contains("32"), "names the variable: {stderr}");
}

#[test]
fn serve_refuses_an_empty_or_short_jwt_secret() {
    let dir = tempfile::tempdir().expect("temp dir");
    for secret in ["", "short", &"x".repeat(31)] {
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("weak.db").display());
        let mut command = serve_command(&url);
        command.env("RIGHTSGRAPH_JWT_SECRET", secret);
        assert_refused_for_the_secret(&run_to_end(command, "`serve` with a weak secret"));
    }
}

#[test]
fn token_refuses_an_empty_or_short_jwt_secret() {
    for secret in ["", &"y".repeat(31)] {
        let mut command = Command::new(BIN);
        command
            .args(["token", "--role", "ADMIN"])
            .env("RIGHTSGRAPH_JWT_SECRET", secret)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        assert_refused_for_the_secret(&run_to_end(command, "`token` with a weak secret"));
    }
    // 32 bytes is enough.
    let output = Command::new(BIN)
        .args(["token", "--role", "ADMIN"])
        .env("RIGHTSGRAPH_JWT_SECRET", "z".repeat(32))
        .output()
        .expect("run token");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim().split('.').count(), 3, "a JWT");
}

/// Runs the binary with `args` on `url`, nothing inherited that could change it.
fn cli(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .env("DATABASE_URL", url)
        .env_remove("RIGHTSGRAPH_TERRITORIAL_SCOPE")
        .stdin(Stdio::null())
        .output()
        .expect("run rightsgraph")
}

#[test]
fn export_statements_and_report_run_from_the_command_line_and_refuse_bad_arguments() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("cli.db").display());
    let seeded = cli(&url, &["seed", "--scale", "0.05", "--quiet"]);
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    // The export: to a file, batches of the API, a summary naming where to resume.
    let out = dir.path().join("sor.jsonl");
    let out_arg = out.to_str().expect("path");
    // Up to two days ago, so that the statements of the last minutes, which wait for the next
    // export, are out of both the export and the report.
    let until = (chrono::Utc::now() - chrono::Duration::days(2)).format("%Y-%m-%d").to_string();
    let exported = cli(&url, &["export", "statements", "--since", "2000-01-01", "--until", &until, "--out", out_arg]);
    let stderr = String::from_utf8_lossy(&exported.stderr);
    assert!(exported.status.success(), "{stderr}");
    let text = std::fs::read_to_string(&out).expect("the export");
    let statements: Vec<Value> = text
        .lines()
        .flat_map(|l| serde_json::from_str::<Value>(l).expect("JSON")["statements"].as_array().expect("batch").clone())
        .collect();
    assert!(!statements.is_empty());
    let last = statements.last().and_then(|s| s["puid"].as_str()).expect("puid");
    assert!(stderr.contains(&format!("exported {} statements", statements.len())), "{stderr}");
    assert!(stderr.contains(&format!("--after-puid {last}")), "{stderr}");
    // Resumed after the last one: nothing more.
    let resumed =
        cli(&url, &["export", "statements", "--since", "2000-01-01", "--until", &until, "--after-puid", last]);
    assert!(resumed.status.success() && resumed.stdout.is_empty(), "{}", String::from_utf8_lossy(&resumed.stderr));
    // The report, as JSON and as CSV, with the same figures.
    let json = cli(&url, &["report", "--from", "2000-01-01", "--to", &until]);
    assert!(json.status.success(), "{}", String::from_utf8_lossy(&json.stderr));
    let figures: Value = serde_json::from_slice(&json.stdout).expect("one JSON object");
    assert_eq!(figures["statementsIssued"].as_u64(), Some(statements.len() as u64));
    let csv = cli(&url, &["report", "--from", "2000-01-01", "--to", &until, "--format", "csv"]);
    let csv = String::from_utf8_lossy(&csv.stdout).into_owned();
    assert!(csv.starts_with("figure,value\n"), "{csv}");
    assert!(csv.contains(&format!("\nstatementsIssued,{}\n", statements.len())), "{csv}");
    // Bad arguments: a clear message and a failure status, nothing written.
    for (args, says) in [
        (vec!["export", "statements", "--since", "1 May"], "is not a day written YYYY-MM-DD"),
        (vec!["export", "statements", "--since", "2000-01-01", "--after-puid", "42"], "is not a puid of this registry"),
        (
            vec!["export", "statements", "--since", "2000-01-01", "--after-puid", "rightsgraph-sor-999999"],
            "no statement",
        ),
        (vec!["report", "--from", "2026-02-01", "--to", "2026-01-01"], "is before --from"),
        (vec!["report", "--from", "2026-01-01", "--to", "2026-02-01", "--format", "xml"], "invalid value 'xml'"),
        (vec!["export", "statements", "--since", "2000-01-01", "--territorial-scope", "UK"], "unexpected argument"),
    ] {
        let refused = cli(&url, &args);
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(!refused.status.success() && stderr.contains(says), "{args:?}: {stderr}");
        assert!(refused.stdout.is_empty(), "{args:?}");
    }
    let serve = Command::new(BIN)
        .args(["serve", "--territorial-scope", "DE,UK"])
        .env("DATABASE_URL", &url)
        .output()
        .expect("run serve");
    let stderr = String::from_utf8_lossy(&serve.stderr);
    assert!(!serve.status.success() && stderr.contains("UK is not the code of an EEA country"), "{stderr}");
}

#[test]
fn serve_demo_without_a_secret_generates_a_strong_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("demo.db").display());
    let server = Server::start_with(&url, &["--demo"], None);
    assert!(server.output().contains("generated a random key"), "{}", server.output());
}

/// `--log-format json`: one JSON object per line on stderr, a request's lines carrying its id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_are_one_object_per_line_with_the_request_id() {
    let db = crate::harness::TestDb::new().await;
    let server = Server::start_with(&db.url, &["--log-format", "json"], Some(&"k".repeat(32)));
    // A rejected token is logged (info) inside the request's span.
    let reply = graphql(server.addr, Some("not-a-token"), "{ brands(first: 1) { totalCount } }", json!({}))
        .await
        .expect("request");
    assert_eq!(reply.status, 200);
    let mut request_lines = 0;
    for _ in 0..50 {
        let output = server.output();
        let lines: Vec<Value> = output
            .lines()
            .filter_map(|l| l.strip_prefix("[stderr] "))
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
            .collect();
        assert!(!lines.is_empty(), "{output}");
        request_lines = lines
            .iter()
            .filter(|l| l["fields"]["message"] == "token rejected")
            .inspect(|l| {
                let id = l["span"]["id"].as_str().unwrap_or_default();
                assert!(!id.is_empty() && l["span"]["name"] == "request", "no request id: {l}");
                assert!(l["level"].is_string() && l["timestamp"].is_string(), "{l}");
            })
            .count();
        if request_lines > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(request_lines, 1, "{}", server.output());
}

// ---------------------------------------------------------------------------------------------
// SIGKILL
// ---------------------------------------------------------------------------------------------

/// What one client of the SIGKILL test saw.
struct ClientLog {
    /// `(id, name)` of every brand whose creation was acknowledged (200 with data).
    acked: Vec<(String, String)>,
    /// When and why it stopped (the first failed request), if it did.
    stopped: Option<(Instant, String)>,
    /// Answers that were neither an acknowledgement nor a transport failure.
    unexpected: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_stream_keeps_every_acknowledged_mutation() {
    const CLIENTS: usize = 4;
    let db = crate::harness::TestDb::new().await;
    let mut server = Server::start(&db.url);
    let addr = server.addr;
    let admin = token(Role::Admin, None, None);

    let done = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let admin = admin.clone();
        let done = done.clone();
        clients.push(tokio::spawn(async move {
            let mut log = ClientLog { acked: Vec::new(), stopped: None, unexpected: Vec::new() };
            for n in 0.. {
                if done.load(Ordering::Relaxed) {
                    break;
                }
                let name = format!("Killed {c}-{n}");
                let variables = json!({ "input": { "name": name, "country": "US" } });
                match timeout(Duration::from_secs(20), graphql(addr, Some(&admin), CREATE_BRAND, variables)).await {
                    Ok(Ok(reply)) => {
                        let body: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
                        match body["data"]["createBrand"]["id"].as_str() {
                            Some(id) if reply.status == 200 => {
                                assert_eq!(body["data"]["createBrand"]["name"], json!(name));
                                log.acked.push((id.to_owned(), name));
                            }
                            _ => log.unexpected.push(format!("{name}: HTTP {}: {}", reply.status, reply.text())),
                        }
                    }
                    Ok(Err(e)) => {
                        log.stopped = Some((Instant::now(), format!("{name}: {e}")));
                        break;
                    }
                    Err(_) => {
                        log.stopped = Some((Instant::now(), format!("{name}: no answer within 20 s")));
                        break;
                    }
                }
            }
            log
        }));
    }

    sleep(Duration::from_secs(1)).await;
    let killed_at = Instant::now();
    server.child.kill().expect("SIGKILL");
    let status = server.wait_exit(Duration::from_secs(10)).expect("the process dies on SIGKILL");
    assert!(!status.success(), "a killed process has no success status: {status}");
    done.store(true, Ordering::Relaxed);

    let mut acked = Vec::new();
    for client in clients {
        let log = timeout(Duration::from_secs(30), client).await.expect("client ends").expect("client task");
        assert!(log.unexpected.is_empty(), "answers that were not acknowledgements: {:#?}", log.unexpected);
        if let Some((at, why)) = &log.stopped {
            assert!(*at >= killed_at, "a client failed before the kill: {why}\n{}", server.output());
        }
        acked.extend(log.acked);
    }
    assert!(acked.len() >= CLIENTS, "too few acknowledged mutations ({}) to test anything", acked.len());
    drop(server);

    // The same database, a new process: every acknowledged brand is there, as acknowledged.
    let server = Server::start(&db.url);
    for batch in acked.chunks(20) {
        let fields: String = batch
            .iter()
            .enumerate()
            .map(|(i, (id, _))| format!("b{i}: brand(id: {}) {{ id name }} ", json!(id)))
            .collect();
        let reply = graphql(server.addr, Some(&admin), &format!("{{ {fields} }}"), json!({}))
            .await
            .expect("query after the restart");
        assert_eq!(reply.status, 200, "{}", reply.text());
        let body = reply.json();
        assert!(body.get("errors").is_none(), "errors after the restart: {body:#}");
        for (i, (id, name)) in batch.iter().enumerate() {
            assert_eq!(
                body["data"][format!("b{i}")],
                json!({ "id": id, "name": name }),
                "acknowledged brand {id} ({name}) lost by the SIGKILL"
            );
        }
    }
    let reply = graphql(server.addr, Some(&admin), "{ brands { totalCount } }", json!({})).await.expect("count");
    let total = reply.json()["data"]["brands"]["totalCount"].as_u64().unwrap_or(0);
    assert!(total >= acked.len() as u64, "{total} brands, {} acknowledged", acked.len());
    println!("{} mutations acknowledged before SIGKILL, all present after restart ({total} brands)", acked.len());
}

// ---------------------------------------------------------------------------------------------
// SIGTERM
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_requests_in_flight_and_exits_zero() {
    let db = crate::harness::TestDb::new().await;
    let mut server = Server::start(&db.url);
    let addr = server.addr;
    let admin = token(Role::Admin, None, None);
    for n in 0..5 {
        let variables = json!({ "input": { "name": format!("Term {n}"), "country": "DE" } });
        let reply = graphql(addr, Some(&admin), CREATE_BRAND, variables).await.expect("create a brand");
        assert!(reply.json()["data"]["createBrand"]["id"].is_string(), "{}", reply.text());
    }

    // A keep-alive connection that has served one request, and one that never sent a byte: idle
    // connections must not hold the shutdown up.
    let mut keep_alive = TcpStream::connect(addr).await.expect("connect");
    let body = gql_body("{ __typename }", &json!({}));
    let mut request = head("POST", "/graphql", addr, None, Some(body.len()), false).into_bytes();
    request.extend_from_slice(&body);
    keep_alive.write_all(&request).await.expect("send");
    let reply = timeout(Duration::from_secs(10), read_reply(&mut keep_alive)).await.expect("in time").expect("reply");
    assert_eq!(reply.status, 200, "{}", reply.text());
    let _idle = TcpStream::connect(addr).await.expect("connect");

    // The request in flight: a big query whose body is still arriving when SIGTERM comes, so the
    // server has started on it (head read, handler running) and cannot have finished it.
    let query = "{ brands(first: 100) { totalCount edges { cursor node { id name country trustTier createdAt \
                 trademarks(first: 5) { totalCount nodes { id } } \
                 notices(first: 5) { totalCount nodes { id } } } } pageInfo { hasNextPage endCursor } } \
                 viewer { role } }";
    let body = gql_body(query, &json!({}));
    let mut in_flight = TcpStream::connect(addr).await.expect("connect");
    let half = body.len() / 2;
    let mut request = head("POST", "/graphql", addr, Some(&admin), Some(body.len()), true).into_bytes();
    request.extend_from_slice(&body[..half]);
    in_flight.write_all(&request).await.expect("send the first half");
    sleep(Duration::from_millis(300)).await;

    server.signal("TERM");
    let signalled = Instant::now();
    sleep(Duration::from_millis(700)).await;
    assert!(server.running(), "exited with a request in flight:\n{}", server.output());

    // No new connection once shutting down.
    match TcpStream::connect(addr).await {
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused, "{e}"),
        Ok(mut stream) => {
            let outcome = timeout(Duration::from_secs(5), async {
                let body = gql_body("{ __typename }", &json!({}));
                let mut request = head("POST", "/graphql", addr, None, Some(body.len()), true).into_bytes();
                request.extend_from_slice(&body);
                stream.write_all(&request).await?;
                read_reply(&mut stream).await
            })
            .await;
            panic!("a new connection was accepted after SIGTERM: {outcome:?}");
        }
    }

    // The request in flight completes.
    in_flight.write_all(&body[half..]).await.expect("send the second half");
    let reply = timeout(Duration::from_secs(20), read_reply(&mut in_flight))
        .await
        .expect("the in-flight request is answered")
        .expect("a reply");
    assert_eq!(reply.status, 200, "{}", reply.text());
    let answer = reply.json();
    assert!(answer.get("errors").is_none(), "{answer:#}");
    assert_eq!(answer["data"]["brands"]["totalCount"], json!(5), "{answer:#}");
    assert_eq!(answer["data"]["viewer"]["role"], json!("ADMIN"), "{answer:#}");

    // And then it exits 0, promptly.
    let finished = Instant::now();
    let status = server.wait_exit(Duration::from_secs(5)).unwrap_or_else(|| {
        panic!("still running 5 s after the last request (SIGTERM {:?} ago):\n{}", signalled.elapsed(), server.output())
    });
    assert!(status.success(), "exit status after SIGTERM: {status}\n{}", server.output());
    println!(
        "SIGTERM: in-flight request answered, exit 0 {:?} after it ({:?} after the signal)",
        finished.elapsed(),
        signalled.elapsed()
    );
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL outage
// ---------------------------------------------------------------------------------------------

/// Whether we run as root (then the cluster runs as `postgres`, as scripts/pg-cluster does it).
fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The bin directory of the PostgreSQL that scripts/pg-cluster uses: 15 when installed, else
/// the newest.
fn pg_bindir() -> Option<PathBuf> {
    let preferred = Path::new("/usr/lib/postgresql/15/bin");
    if preferred.join("pg_ctl").exists() {
        return Some(preferred.to_owned());
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("pg_ctl").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// A throwaway cluster of this test's own, made with scripts/pg-cluster and removed when dropped.
pub(crate) struct Cluster {
    dir: PathBuf,
    pub(crate) url: String,
    port: u16,
    bindir: PathBuf,
}

impl Cluster {
    fn script() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pg-cluster")
    }

    /// Starts one, or says why it could not.
    pub(crate) fn start() -> Result<Self, String> {
        Self::made_by(&["start"], "primary")
    }

    /// A streaming standby of this cluster (`pg_basebackup -R`), or why it could not be made.
    pub(crate) fn standby(&self) -> Result<Self, String> {
        Self::made_by(&["standby", &self.url], "standby")
    }

    /// Stops the server (fast) and starts it again on the same port.
    pub(crate) fn restart(&self) -> Result<(), String> {
        let output = Command::new(Self::script())
            .args(["restart", &self.dir.to_string_lossy()])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run scripts/pg-cluster: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!("scripts/pg-cluster restart failed: {}", String::from_utf8_lossy(&output.stderr)))
        }
    }

    /// The cluster `scripts/pg-cluster ARGS DIR` makes in a new directory named after `tag`.
    fn made_by(args: &[&str], tag: &str) -> Result<Self, String> {
        let bindir = pg_bindir().ok_or("no /usr/lib/postgresql/*/bin/pg_ctl")?;
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!("rg-pg-{tag}-{}-{nanos}", std::process::id()));
        let output = Command::new(Self::script())
            .args(args)
            .arg(&dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run scripts/pg-cluster: {e}"))?;
        // From here on, dropping `cluster` removes whatever the script left.
        let url = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        let port = url.rsplit_once(':').and_then(|(_, rest)| rest.split('/').next()).and_then(|p| p.parse().ok());
        let cluster = Self { dir, url, port: port.unwrap_or(0), bindir };
        if !output.status.success() {
            return Err(format!("scripts/pg-cluster {args:?} failed: {}", String::from_utf8_lossy(&output.stderr)));
        }
        if port.is_none() {
            return Err(format!("no port in {:?}", cluster.url));
        }
        Ok(cluster)
    }

    /// `pg_ctl ARGS` as the cluster owner, from `/`.
    fn pg_ctl(&self, args: &[&str]) -> Result<(), String> {
        let pg_ctl = self.bindir.join("pg_ctl");
        let mut command = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&pg_ctl);
            c
        } else {
            Command::new(&pg_ctl)
        };
        let output = command
            .args(args)
            .current_dir("/")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run pg_ctl: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!("pg_ctl {args:?}: {}\n{}", output.status, String::from_utf8_lossy(&output.stderr)))
        }
    }

    fn data(&self) -> String {
        self.dir.join("data").to_string_lossy().into_owned()
    }

    /// Stops the server, keeping the data.
    fn stop_server(&self) -> Result<(), String> {
        self.pg_ctl(&["-D", &self.data(), "-m", "fast", "-w", "stop"])
    }

    /// Starts the server again, on the same port, as scripts/pg-cluster does.
    fn start_server(&self) -> Result<(), String> {
        let options = format!(
            "-k {} -p {} -h 127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
             -c max_connections=300",
            self.dir.display(),
            self.port
        );
        let log = self.dir.join("log").to_string_lossy().into_owned();
        self.pg_ctl(&["-D", &self.data(), "-o", &options, "-l", &log, "-w", "start"])
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let output = Command::new(Self::script()).args(["stop", &self.dir.to_string_lossy()]).output();
        if !output.as_ref().is_ok_and(|o| o.status.success()) {
            eprintln!("warning: could not remove the cluster in {}: {output:?}", self.dir.display());
        }
    }
}

/// What one request of the steady flow saw.
#[derive(Debug)]
enum Outcome {
    Data,
    Internal,
    Other(String),
}

/// Classifies a reply to `{ brands { totalCount } }`.
fn outcome(reply: std::io::Result<Reply>) -> Outcome {
    let reply = match reply {
        Ok(reply) => reply,
        Err(e) => return Outcome::Other(format!("transport: {e}")),
    };
    let Ok(body) = serde_json::from_slice::<Value>(&reply.body) else {
        return Outcome::Other(format!("HTTP {}: not JSON: {}", reply.status, reply.text()));
    };
    if reply.status == 200 && body["data"]["brands"]["totalCount"].is_u64() && body.get("errors").is_none() {
        return Outcome::Data;
    }
    let generic = body["errors"][0]["message"].as_str().is_some_and(|m| {
        !["refused", "postgres", "pool", "sqlx", "connection", "io error"].iter().any(|w| m.contains(w))
    });
    if reply.status == 200 && codes(&body) == ["INTERNAL_SERVER_ERROR"] && generic {
        Outcome::Internal
    } else {
        Outcome::Other(format!("HTTP {}: {body}", reply.status))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_turns_503_while_postgres_is_down_and_recovers() {
    if crate::harness::pg_admin_url().is_none() {
        println!("skipped: not on PostgreSQL (set RIGHTSGRAPH_TEST_DATABASE_URL)");
        return;
    }
    let cluster = match Cluster::start() {
        Ok(cluster) => cluster,
        Err(why) => {
            println!("skipped: no throwaway cluster of its own: {why}");
            return;
        }
    };
    /// An answer slower than this while the database is down counts as a hang (the pool's
    /// acquire timeout is 5 s).
    const PROMPT: Duration = Duration::from_secs(7);
    const QUERY: &str = "{ brands { totalCount } }";

    let mut server = Server::start(&cluster.url);
    let addr = server.addr;
    let pid = server.pid();
    let admin = token(Role::Admin, None, None);
    assert_eq!(get(addr, "/readyz").await.expect("readyz").status, 200);
    assert!(matches!(outcome(graphql(addr, Some(&admin), QUERY, json!({})).await), Outcome::Data));

    // Requests keep flowing throughout.
    let done = Arc::new(AtomicBool::new(false));
    let flow = {
        let (done, admin) = (done.clone(), admin.clone());
        tokio::spawn(async move {
            let mut seen = Vec::new();
            while !done.load(Ordering::Relaxed) {
                let sent = Instant::now();
                let reply = timeout(Duration::from_secs(30), graphql(addr, Some(&admin), QUERY, json!({}))).await;
                let outcome = match reply {
                    Ok(reply) => outcome(reply),
                    Err(_) => Outcome::Other("no answer within 30 s".into()),
                };
                seen.push((sent, sent.elapsed(), outcome));
                sleep(Duration::from_millis(50)).await;
            }
            seen
        })
    };
    sleep(Duration::from_millis(500)).await;

    cluster.stop_server().expect("stop PostgreSQL");
    let stopped = Instant::now();
    let t = Instant::now();
    let ready = timeout(Duration::from_secs(30), get(addr, "/readyz")).await.expect("readyz answers").expect("readyz");
    assert_eq!(ready.status, 503, "/readyz with the database down: {}", ready.text());
    let readyz_took = t.elapsed();
    assert!(readyz_took < PROMPT, "/readyz took {readyz_took:?} with the database down");
    let t = Instant::now();
    let reply = timeout(Duration::from_secs(30), graphql(addr, Some(&admin), QUERY, json!({}))).await.expect("answers");
    let took = t.elapsed();
    match outcome(reply) {
        Outcome::Internal => {}
        other => panic!("a query with the database down: {other:?}"),
    }
    assert!(took < PROMPT, "a query took {took:?} with the database down");
    // Long enough for the flow to send requests into the outage and see them fail.
    sleep(Duration::from_secs(8)).await;

    cluster.start_server().expect("start PostgreSQL again");
    let restarted = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = get(addr, "/readyz").await.map(|r| r.status).unwrap_or(0);
        let served = matches!(outcome(graphql(addr, Some(&admin), QUERY, json!({})).await), Outcome::Data);
        if ready == 200 && served {
            break;
        }
        assert!(Instant::now() < deadline, "not serving 30 s after PostgreSQL came back:\n{}", server.output());
        sleep(Duration::from_millis(200)).await;
    }
    println!("serving again {:?} after PostgreSQL restarted", restarted.elapsed());
    // A request of the flow sent during the outage may still be waiting for a connection (up to
    // PROMPT): give the flow time to finish it and send more after the restart.
    sleep(PROMPT + Duration::from_millis(500)).await;
    done.store(true, Ordering::Relaxed);
    let seen = timeout(Duration::from_secs(60), flow).await.expect("the flow ends").expect("flow task");

    assert!(server.running(), "the process died:\n{}", server.output());
    assert_eq!(server.pid(), pid);
    let slow: Vec<_> = seen.iter().filter(|(_, took, _)| *took >= PROMPT).collect();
    assert!(slow.is_empty(), "requests slower than {PROMPT:?}: {slow:#?}");
    let other: Vec<&String> = seen
        .iter()
        .filter_map(|(_, _, o)| match o {
            Outcome::Other(why) => Some(why),
            _ => None,
        })
        .collect();
    assert!(other.is_empty(), "answers neither data nor INTERNAL_SERVER_ERROR: {other:#?}");
    let down = seen.iter().filter(|(sent, _, o)| *sent >= stopped && matches!(o, Outcome::Internal)).count();
    let back = seen.iter().filter(|(sent, _, o)| *sent >= restarted && matches!(o, Outcome::Data)).count();
    assert!(down > 0, "no request of the flow saw the outage: {seen:#?}");
    assert!(back > 0, "no request of the flow was served after the restart: {seen:#?}");
    let slowest = seen.iter().map(|(_, took, _)| *took).max().unwrap_or_default();
    println!(
        "database down: /readyz 503 in {readyz_took:?}, a query INTERNAL_SERVER_ERROR in {took:?}; flow: {} requests, \
         {down} INTERNAL_SERVER_ERROR while down, {back} served after, slowest {slowest:?}",
        seen.len()
    );
}
