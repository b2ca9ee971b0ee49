//! Issue 28: the README's examples run as written, in the order it gives. The shell blocks of
//! "Example queries", "Analytics" and "HTTP endpoints" run one after the other in one bash, from a
//! directory laid out like the repository root (`target/release/rightsgraph` is the binary under
//! test, `scripts/` the repository's), against a real `serve --demo` signing with the secret the
//! reader exports. Only the address `127.0.0.1:8080` is replaced with the process's. Every answer
//! is checked for what the README says it shows, and so are the README's sentences about a
//! TRUSTED brand's notice, a second decision and a WebSocket client that offers no subprotocol.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use rightsgraph::auth::{Claims, Role, mint_hs256};
use serde_json::{Value, json};
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

use crate::harness::{SECRET, TestDb, token};
use crate::process::{Server, graphql};

/// The binary under test.
const BIN: &str = env!("CARGO_BIN_EXE_rightsgraph");

const README: &str = include_str!("../../README.md");

/// The address the README's examples use.
const README_ADDR: &str = "127.0.0.1:8080";

/// The shell variables the README has the reader set, reported after the run.
const VARIABLES: [&str; 11] = [
    "ADMIN",
    "REVIEWER",
    "ANALYST",
    "AGENT",
    "BRAND_ID",
    "TRADEMARK_ID",
    "LISTING_ID",
    "NOTICE_ID",
    "ITEM_ID",
    "SELLER_ID",
    "EVENT_ID",
];

/// The longest the whole sequence may take on a busy machine (a debug build).
const PATIENCE: Duration = Duration::from_secs(180);

/// What a README example does, known from its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Start,
    Tokens,
    Brands,
    BrandView,
    Listings,
    Submit,
    Queue,
    Decide,
    Offenders,
    Network,
    Clusters,
    WebSocket,
}

/// The examples in the order the README gives them.
const SEQUENCE: [Step; 12] = [
    Step::Start,
    Step::Tokens,
    Step::Brands,
    Step::BrandView,
    Step::Listings,
    Step::Submit,
    Step::Queue,
    Step::Decide,
    Step::Offenders,
    Step::Network,
    Step::Clusters,
    Step::WebSocket,
];

fn step_of(code: &str) -> Step {
    let steps = [
        ("serve --demo", Step::Start),
        ("scripts/ws-example", Step::WebSocket),
        ("submitNotice", Step::Submit),
        ("decideNoticeItem", Step::Decide),
        ("repeatOffenders", Step::Offenders),
        ("network(", Step::Network),
        ("offenderClusters", Step::Clusters),
        ("brands(", Step::Brands),
        ("brand(id:", Step::BrandView),
        ("listings(", Step::Listings),
        ("filter: {status: OPEN}", Step::Queue),
        ("token --role", Step::Tokens),
    ];
    steps
        .iter()
        .find(|(text, _)| code.contains(text))
        .map(|(_, step)| *step)
        .unwrap_or_else(|| panic!("a README example this test does not know; say what it shows:\n{code}"))
}

/// The `sh` code blocks of the README section headed `heading`, in order.
fn shell_blocks(heading: &str) -> Vec<String> {
    let start = README.find(&format!("\n{heading}\n")).unwrap_or_else(|| panic!("no `{heading}` in the README"));
    let body = &README[start + heading.len() + 2..];
    let section = &body[..body.find("\n## ").unwrap_or(body.len())];
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in section.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(code), _) => {
                code.push_str(line);
                code.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

/// The first tool the examples need that is not installed.
fn missing_tool() -> Option<&'static str> {
    ["bash", "curl", "jq", "python3"].into_iter().find(|tool| {
        !Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// A directory laid out like the repository root after `cargo build --release`.
fn checkout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let release = dir.path().join("target/release");
    std::fs::create_dir_all(&release).expect("target/release");
    std::os::unix::fs::symlink(BIN, release.join("rightsgraph")).expect("link the binary");
    let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts");
    std::os::unix::fs::symlink(scripts, dir.path().join("scripts")).expect("link scripts/");
    dir
}

/// What the examples printed: each block's output, and the variables they set.
struct Run {
    outputs: Vec<String>,
    variables: BTreeMap<String, String>,
}

/// Runs `blocks` in one bash in `dir`, the address replaced with `addr`, each after a marker line.
fn run_blocks(dir: &Path, blocks: &[String], addr: &str, server: &Server) -> Run {
    let mut script = String::from("set -euo pipefail\n");
    for (i, code) in blocks.iter().enumerate() {
        script.push_str(&format!("printf '\\n@@block {i}@@\\n'\n{}\n", code.replace(README_ADDR, addr)));
    }
    script.push_str(&format!(
        "printf '\\n@@variables@@\\n'\nfor v in {}; do printf '%s=%s\\n' \"$v\" \"${{!v-}}\"; done\n",
        VARIABLES.join(" ")
    ));
    std::fs::write(dir.join("examples.sh"), &script).expect("write the script");
    let out = std::fs::File::create(dir.join("stdout")).expect("stdout file");
    let err = std::fs::File::create(dir.join("stderr")).expect("stderr file");
    let mut command = Command::new("bash");
    command.arg("examples.sh").current_dir(dir).stdin(Stdio::null()).stdout(out).stderr(err);
    // The reader's shell: the secret the README has it export, nothing else of this process's.
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("RIGHTSGRAPH_") || name == "DATABASE_URL") {
        command.env_remove(name);
    }
    command.env("RIGHTSGRAPH_JWT_SECRET", SECRET);
    // A group of its own, so that a stuck example's background job ends with it.
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command.spawn().expect("start bash");
    let deadline = Instant::now() + PATIENCE;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for bash") {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).status();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = std::fs::read_to_string(dir.join("stdout")).unwrap_or_default();
    let stderr = std::fs::read_to_string(dir.join("stderr")).unwrap_or_default();
    let reached = stdout.rsplit("@@block ").next().and_then(|rest| rest.split("@@").next()).unwrap_or("none");
    let succeeded = status.is_some_and(|s| s.success());
    assert!(
        succeeded,
        "the README's examples stopped ({status:?}) in block {reached}:\n{}\nstdout:\n{stdout}\nstderr:\n{stderr}\nserver:\n{}",
        reached.parse::<usize>().ok().and_then(|i| blocks.get(i)).map_or("", String::as_str),
        server.output()
    );
    let (runs, variables) = stdout.split_once("\n@@variables@@\n").expect("the variables after the examples");
    let mut outputs: Vec<String> = runs.split("\n@@block ").skip(1).map(|part| part.to_owned()).collect();
    for (i, output) in outputs.iter_mut().enumerate() {
        let marker = format!("{i}@@\n");
        *output = output.strip_prefix(&marker).unwrap_or_else(|| panic!("block {i} has no marker")).to_owned();
    }
    assert_eq!(outputs.len(), blocks.len(), "every block ran:\n{stdout}");
    let variables = variables
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    Run { outputs, variables }
}

/// What one block printed: GraphQL answers, and the WebSocket messages `scripts/ws-example` sent
/// (`>`) and received (`<`).
#[derive(Default)]
struct Printed {
    answers: Vec<Value>,
    sent: Vec<Value>,
    received: Vec<Value>,
}

fn printed(output: &str, step: Step) -> Printed {
    let mut out = Printed::default();
    let parse = |text: &str| -> Value {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{step:?} printed a line that is not JSON ({e}): {text}"))
    };
    for line in output.lines().filter(|line| !line.trim().is_empty()) {
        if let Some(message) = line.strip_prefix("> ") {
            out.sent.push(parse(message));
        } else if let Some(message) = line.strip_prefix("< ") {
            out.received.push(parse(message));
        } else {
            for value in serde_json::Deserializer::from_str(line).into_iter::<Value>() {
                out.answers.push(value.unwrap_or_else(|e| panic!("{step:?} printed something not JSON ({e}): {line}")));
            }
        }
    }
    for answer in &out.answers {
        assert!(answer.get("errors").is_none(), "{step:?} answered errors: {answer}");
        assert!(answer["data"].is_object(), "{step:?} answered no data: {answer}");
    }
    out
}

/// The one GraphQL answer `step` printed.
fn answer(printed: &Printed, step: Step) -> &Value {
    assert_eq!(printed.answers.len(), 1, "{step:?} prints one answer: {:?}", printed.answers);
    &printed.answers[0]["data"]
}

fn nodes(connection: &Value) -> Vec<Value> {
    connection["nodes"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_examples_run_in_order_against_the_demo() {
    if let Some(tool) = missing_tool() {
        println!("skipped: the README's examples need {tool}, which is not installed");
        return;
    }
    // Arrange: the README's blocks, and the demo they run against.
    let mut blocks = shell_blocks("## Example queries");
    blocks.extend(shell_blocks("## Analytics"));
    blocks.extend(shell_blocks("## HTTP endpoints"));
    let steps: Vec<Step> = blocks.iter().map(|code| step_of(code)).collect();
    assert_eq!(steps, SEQUENCE, "the README's examples, in its order");
    assert!(
        blocks[0].contains("export RIGHTSGRAPH_JWT_SECRET="),
        "the README starts the demo with a secret of the reader's, so that `token` can sign for it:\n{}",
        blocks[0]
    );
    let db = TestDb::new().await;
    let server = Server::start_with(&db.url, &["--demo"], Some(SECRET));
    let addr = server.addr.to_string();
    let dir = checkout();

    // Act: the reader's shell, started by the test instead of the first block.
    let run = run_blocks(dir.path(), &blocks[1..], &addr, &server);

    // Assert: every answer is what the README says it shows.
    let var = |name: &str| -> String {
        let value = run.variables.get(name).cloned().unwrap_or_default();
        assert!(!value.is_empty() && value != "null", "the examples leave ${name} unset ({value:?})");
        value
    };
    for role in ["ADMIN", "REVIEWER", "ANALYST", "AGENT"] {
        assert_eq!(var(role).split('.').count(), 3, "${role} is a JWT");
    }
    let mut brands = Vec::new();
    for (step, output) in steps[1..].iter().zip(&run.outputs) {
        let out = printed(output, *step);
        match step {
            Step::Start => unreachable!("the test starts the demo itself"),
            Step::Tokens => assert!(out.answers.is_empty(), "minting tokens prints nothing: {output}"),
            Step::Brands => {
                brands = nodes(&answer(&out, *step)["brands"]);
                let brand = brands.iter().find(|b| b["id"] == var("BRAND_ID")).expect("$BRAND_ID is a listed brand");
                assert_eq!(brand["trustTier"], "STANDARD", "{brand}");
                assert_eq!(brand["submissionStatus"], "ACTIVE", "{brand}");
                // The README names both brands of the demo.
                assert_eq!(brand["name"], "Northwind Outdoor", "the brand the examples act for");
                let trusted = brands.iter().find(|b| b["name"] == "Aurelia Watches").expect("Aurelia Watches");
                assert_eq!(trusted["trustTier"], "TRUSTED", "{trusted}");
                let mark = nodes(&brand["trademarks"]).into_iter().find(|t| t["id"] == var("TRADEMARK_ID"));
                assert_eq!(mark.expect("$TRADEMARK_ID is the brand's")["status"], "VERIFIED");
            }
            Step::BrandView => {
                let brand = brands.iter().find(|b| b["id"] == var("BRAND_ID")).expect("the brand");
                assert_eq!(answer(&out, *step)["brand"]["name"], brand["name"]);
            }
            Step::Listings => {
                let listings = nodes(&answer(&out, *step)["listings"]);
                assert_eq!(listings.first().map(|l| l["id"].clone()), Some(json!(var("LISTING_ID"))));
            }
            Step::Submit => {
                let notice = &answer(&out, *step)["submitNotice"];
                assert_eq!(notice["id"], var("NOTICE_ID"));
                assert_eq!(notice["status"], "OPEN", "{notice}");
                assert_eq!(notice["expedited"], false, "a STANDARD brand's notice waits for a reviewer: {notice}");
                let items = nodes(&notice["items"]);
                assert_eq!(items.len(), 1, "{notice}");
                assert_eq!(items[0]["id"], var("ITEM_ID"));
                assert_eq!(items[0]["status"], "PENDING", "{notice}");
            }
            Step::Queue => {
                let queue = nodes(&answer(&out, *step)["notices"]);
                assert!(queue.iter().any(|n| n["id"] == var("NOTICE_ID")), "the new notice is in the queue: {queue:?}");
            }
            Step::Decide => {
                let item = &answer(&out, *step)["decideNoticeItem"];
                assert_eq!(item["status"], "REMOVED", "{item}");
                assert_eq!(item["listing"]["status"], "REMOVED", "{item}");
                assert!(item["listing"]["removedAt"].is_string(), "{item}");
                assert!(item["strike"]["expiresAt"].is_string(), "a strike: {item}");
                assert!(item["strike"]["seller"]["activeStrikeCount"].as_i64() >= Some(1), "{item}");
            }
            Step::Offenders => {
                let offenders = nodes(&answer(&out, *step)["repeatOffenders"]);
                assert!(!offenders.is_empty(), "the demo has repeat offenders");
                assert!(offenders.iter().all(|s| s["activeStrikeCount"].as_i64() >= Some(3)), "{offenders:?}");
                assert_eq!(offenders[0]["id"], var("SELLER_ID"));
            }
            Step::Network => {
                let network = &answer(&out, *step)["seller"]["network"];
                let members = network["members"].as_array().cloned().unwrap_or_default();
                assert!(members.len() >= 2, "the first repeat offender has a network: {network}");
                assert_eq!(members[0]["hops"], 0, "{network}");
                assert_eq!(members[0]["seller"]["handle"], network["root"]["handle"], "{network}");
                assert!(network["links"].as_array().is_some_and(|l| !l.is_empty()), "{network}");
                assert_eq!(network["truncated"], false, "{network}");
            }
            Step::Clusters => {
                let clusters = &answer(&out, *step)["offenderClusters"];
                assert!(clusters["totalCount"].as_i64() >= Some(1), "{clusters}");
                for cluster in nodes(clusters) {
                    assert!(cluster["size"].as_i64() >= Some(2), "{cluster}");
                    assert_eq!(nodes(&cluster["members"]).len() as i64, cluster["size"].as_i64().unwrap_or(-1));
                }
            }
            Step::WebSocket => assert_websocket_session(&out, &var("AGENT"), &var("NOTICE_ID"), &var("EVENT_ID")),
        }
    }

    // The README's sentences around the examples.
    let addr = server.addr;
    let trusted = brands.iter().find(|b| b["trustTier"] == "TRUSTED" && b["submissionStatus"] == "ACTIVE");
    assert_trusted_notice_is_expedited(addr, trusted.expect("an active TRUSTED brand in the demo")).await;
    let reviewer = token(Role::Reviewer, None, None);
    let again = decide(addr, &reviewer, &var("ITEM_ID")).await;
    assert_eq!(crate::harness::code(&again), "CONFLICT", "deciding the item again: {again}");
    assert_served_without_subprotocol(addr).await;
}

/// The session `scripts/ws-example` printed: the protocol's messages, and the two events.
fn assert_websocket_session(out: &Printed, agent: &str, notice: &str, after: &str) {
    let kinds = |messages: &[Value]| -> Vec<String> {
        messages.iter().map(|m| m["type"].as_str().unwrap_or("?").to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(kinds(&out.sent), ["connection_init", "ping", "subscribe", "complete"], "sent: {:?}", out.sent);
    assert_eq!(out.sent[0]["payload"], json!({"authorization": format!("Bearer {agent}")}));
    assert_eq!(out.sent[2]["payload"]["variables"]["after"], after);
    assert!(out.sent[2]["payload"]["query"].as_str().is_some_and(|q| q.contains("noticeEvents")));
    let received = kinds(&out.received);
    assert_eq!(received.first().map(String::as_str), Some("connection_ack"), "received: {:?}", out.received);
    assert!(received.contains(&"pong".to_owned()), "received: {:?}", out.received);
    let events: Vec<&Value> =
        out.received.iter().filter(|m| m["type"] == "next").map(|m| &m["payload"]["data"]["noticeEvents"]).collect();
    let event_kinds: Vec<&Value> = events.iter().map(|e| &e["kind"]).collect();
    assert_eq!(event_kinds, [&json!("ITEM_REMOVED"), &json!("NOTICE_MESSAGE_POSTED")], "{events:?}");
    assert!(events.iter().all(|e| e["notice"]["id"] == notice), "{events:?}");
    assert!(out.received.iter().all(|m| m["payload"].get("errors").is_none()), "{:?}", out.received);
    assert_eq!(out.answers.len(), 1, "the posted message's answer: {:?}", out.answers);
    assert!(out.answers[0]["data"]["postNoticeMessage"]["id"].is_string(), "{:?}", out.answers);
}

async fn decide(addr: std::net::SocketAddr, reviewer: &str, item: &str) -> Value {
    let query = "mutation($in: DecideNoticeItemInput!) { decideNoticeItem(input: $in) { status } }";
    let reply = graphql(addr, Some(reviewer), query, json!({"in": {"itemId": item, "decision": "REMOVE"}})).await;
    reply.expect("decideNoticeItem").json()
}

/// "Not a TRUSTED brand": its notice comes back expedited, the item removed by SYSTEM, and
/// deciding that item answers CONFLICT.
async fn assert_trusted_notice_is_expedited(addr: std::net::SocketAddr, brand: &Value) {
    let brand_id = brand["id"].as_str().expect("brand id").to_owned();
    let mark = nodes(&brand["trademarks"]).into_iter().find(|t| t["status"] == "VERIFIED").expect("a VERIFIED mark");
    let mut claims = Claims::new("readme", Role::BrandAgent, Duration::from_secs(600));
    claims.brand_id = Some(brand_id.clone());
    let agent = mint_hs256(SECRET, &claims).expect("sign");
    let listings =
        graphql(addr, Some(&agent), "{ listings(first: 1, filter: {status: ACTIVE}) { nodes { id } } }", json!({}))
            .await
            .expect("listings")
            .json();
    let listing = listings["data"]["listings"]["nodes"][0]["id"].clone();
    let submit =
        "mutation($in: SubmitNoticeInput!) { submitNotice(input: $in) { expedited items { nodes { id status } } } }";
    let input = json!({"in": {"brandId": brand_id, "reason": "COUNTERFEIT", "goodFaithDeclaration": true,
        "explanation": "Counterfeit goods bearing our registered mark.",
        "items": [{"listingId": listing, "trademarkId": mark["id"]}]}});
    let notice = graphql(addr, Some(&agent), submit, input).await.expect("submitNotice").json();
    let notice = &notice["data"]["submitNotice"];
    assert_eq!(notice["expedited"], true, "a TRUSTED brand's notice: {notice}");
    let item = &notice["items"]["nodes"][0];
    assert_eq!(item["status"], "REMOVED", "removed at once: {notice}");
    let decided = decide(addr, &token(Role::Reviewer, None, None), item["id"].as_str().expect("item id")).await;
    assert_eq!(crate::harness::code(&decided), "CONFLICT", "deciding an expedited item: {decided}");
}

/// "A client that offers no subprotocol at all is served graphql-transport-ws all the same, and
/// its 101 answer names none."
async fn assert_served_without_subprotocol(addr: std::net::SocketAddr) {
    let (mut ws, response) = connect_async(format!("ws://{addr}/graphql/ws")).await.expect("upgrade");
    assert!(response.headers().get("sec-websocket-protocol").is_none(), "{:?}", response.headers());
    let admin = token(Role::Admin, None, None);
    let init = json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {admin}")}});
    ws.send(Message::Text(init.to_string().into())).await.expect("send");
    let subscribe = json!({"type": "subscribe", "id": "1", "payload": {"query": "{ __typename }"}});
    ws.send(Message::Text(subscribe.to_string().into())).await.expect("send");
    let mut got = Vec::new();
    while got.len() < 3 {
        let message = tokio::time::timeout(Duration::from_secs(30), ws.next()).await.expect("an answer in time");
        match message {
            Some(Ok(Message::Text(text))) => got.push(serde_json::from_str::<Value>(text.as_str()).expect("JSON")),
            Some(Ok(_)) => {}
            other => panic!("the socket ended: {other:?} after {got:?}"),
        }
    }
    assert_eq!(got[0], json!({"type": "connection_ack"}));
    assert_eq!(got[1]["payload"]["data"]["__typename"], "Query", "{got:?}");
    assert_eq!(got[2], json!({"type": "complete", "id": "1"}));
}
