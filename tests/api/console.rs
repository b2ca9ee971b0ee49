//! The console served from the binary (issue 31): the page at `/console` with its strict
//! Content-Security-Policy, and its files, each served with the bytes its integrity hash
//! promises, from one directory named by their digest; the module graph is all preloaded (so all
//! checked), names nothing outside it, and writes no HTML from strings. `serve --demo` links each
//! printed token to the console. tests/browser/console.test.mjs runs the console in Chromium.

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use rightsgraph::config::AuthConfig;
use rightsgraph::demo::{KeyOrigin, banner, banner_with_console, load_demo};
use sha2::{Digest, Sha384};

use crate::harness::{Reply, SECRET, TestApp, spawn};

async fn get(app: &TestApp, path: &str) -> Reply {
    let request = Request::get(path).header("accept", "text/html,*/*;q=0.8").body(Body::empty()).expect("request");
    app.send(request).await
}

fn header_of(reply: &Reply, name: header::HeaderName) -> &str {
    reply.headers.get(&name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

async fn page(app: &TestApp) -> (Reply, String) {
    let reply = get(app, "/console").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(header_of(&reply, header::CONTENT_TYPE), "text/html; charset=utf-8");
    let html = String::from_utf8(reply.body.clone()).expect("the page is UTF-8");
    (reply, html)
}

/// The attributes of every `<tag …>` of `html` (values in double quotes, as the page writes them).
fn tags(html: &str, tag: &str) -> Vec<BTreeMap<String, String>> {
    let open = format!("<{tag} ");
    html.match_indices(&open)
        .map(|(at, _)| {
            let rest = &html[at + open.len()..];
            let inside = &rest[..rest.find('>').expect("an unclosed tag")];
            let mut attributes = BTreeMap::new();
            let mut text = inside.trim();
            while !text.is_empty() {
                match text.split_once('=') {
                    Some((name, after)) if after.starts_with('"') => {
                        let (value, tail) = after[1..].split_once('"').expect("an unclosed value");
                        attributes.insert(name.trim().to_owned(), value.to_owned());
                        text = tail.trim_start();
                    }
                    _ => {
                        let (bare, tail) = text.split_once(' ').unwrap_or((text, ""));
                        attributes.insert(bare.to_owned(), String::new());
                        text = tail.trim_start();
                    }
                }
            }
            attributes
        })
        .collect()
}

/// The page's files: (address, integrity, what it is: "stylesheet", "modulepreload" or "module").
fn files(html: &str) -> Vec<(String, String, String)> {
    let links = tags(html, "link")
        .into_iter()
        .filter(|l| l["rel"] != "icon")
        .map(|l| (l["href"].clone(), l.get("integrity").cloned().unwrap_or_default(), l["rel"].clone()));
    let scripts = tags(html, "script").into_iter().map(|s| {
        assert_eq!(s.get("type").map(String::as_str), Some("module"), "a classic script: {s:?}");
        (s["src"].clone(), s.get("integrity").cloned().unwrap_or_default(), "module".to_owned())
    });
    links.chain(scripts).collect()
}

fn sri_sha384(bytes: &[u8]) -> String {
    format!("sha384-{}", base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes)))
}

/// The module specifiers a JavaScript file imports (`import … from '…'`, `import '…'`).
fn imports(source: &str) -> Vec<String> {
    source
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with("import ") || line.starts_with("export ") && line.contains(" from "))
        .filter_map(|line| {
            let quoted = line.rsplit_once(" from ").map_or(line.trim_start_matches("import "), |(_, s)| s);
            let quoted = quoted.trim().trim_end_matches(';');
            quoted.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')).map(str::to_owned)
        })
        .collect()
}

#[tokio::test]
async fn console_page_has_a_strict_csp() {
    let app = spawn().await;

    let (reply, _) = page(&app).await;

    let policy: BTreeMap<String, Vec<String>> = header_of(&reply, header::CONTENT_SECURITY_POLICY)
        .split(';')
        .filter_map(|d| {
            let mut words = d.split_whitespace();
            Some((words.next()?.to_owned(), words.map(str::to_owned).collect()))
        })
        .collect();
    let expected: BTreeMap<&str, &[&str]> = BTreeMap::from([
        ("default-src", &["'none'"][..]),
        ("script-src", &["'self'"][..]),
        ("style-src", &["'self'"][..]),
        ("img-src", &["'self'", "data:"][..]),
        ("connect-src", &["'self'"][..]),
        ("object-src", &["'none'"][..]),
        ("base-uri", &["'none'"][..]),
        ("form-action", &["'none'"][..]),
        ("frame-ancestors", &["'none'"][..]),
        ("require-trusted-types-for", &["'script'"][..]),
        ("trusted-types", &["'none'"][..]),
    ]);
    let got: BTreeMap<&str, Vec<&str>> =
        policy.iter().map(|(k, v)| (k.as_str(), v.iter().map(String::as_str).collect())).collect();
    let want: BTreeMap<&str, Vec<&str>> = expected.into_iter().map(|(k, v)| (k, v.to_vec())).collect();
    assert_eq!(got, want, "no inline script or style, no eval, no other origin, no HTML from strings");
    assert_eq!(header_of(&reply, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(header_of(&reply, header::CACHE_CONTROL), "no-cache");
    assert_eq!(header_of(&reply, header::REFERRER_POLICY), "no-referrer");
}

#[tokio::test]
async fn console_page_names_no_remote_address_and_runs_no_inline_code() {
    let app = spawn().await;

    let (_, html) = page(&app).await;

    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("\"//"), "{html}");
    assert!(!html.contains("style=") && !html.contains("<style"), "inline style: {html}");
    // No inline handler (` onload=`, ` onerror=` …) on any element.
    for (at, _) in html.match_indices(" on") {
        let name: String = html[at + 1..].chars().take_while(char::is_ascii_alphabetic).collect();
        assert!(!html[at + 1 + name.len()..].starts_with('='), "an inline handler: {name}");
    }
    // Every script has a file and no body.
    let scripts = tags(&html, "script");
    assert_eq!(scripts.len(), 1, "one entry module: {html}");
    assert!(html.contains("></script>"), "a script with a body: {html}");
    let entry = &scripts[0];
    assert_eq!(entry.get("data-endpoint").map(String::as_str), Some("/graphql"));
    assert_eq!(entry.get("data-subscription-endpoint").map(String::as_str), Some("/graphql/ws"));
    assert!(html.contains("<noscript>"), "{html}");
}

#[tokio::test]
async fn console_files_are_served_with_the_bytes_their_integrity_names() {
    let app = spawn().await;
    let (_, html) = page(&app).await;
    let files = files(&html);
    let kinds: BTreeSet<&str> = files.iter().map(|(_, _, kind)| kind.as_str()).collect();
    assert_eq!(kinds, BTreeSet::from(["module", "modulepreload", "stylesheet"]), "{files:?}");
    // One directory, named by a digest, for all of them.
    let dirs: BTreeSet<&str> = files.iter().map(|(address, ..)| address.rsplit_once('/').expect("a path").0).collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    let dir = dirs.into_iter().next().expect("a directory");
    let version = dir.strip_prefix("/console/assets/").expect("under /console/assets/");
    assert!(version.len() == 16 && version.bytes().all(|b| b.is_ascii_hexdigit()), "{dir}");

    for (address, integrity, kind) in &files {
        let reply = get(&app, address).await;

        assert_eq!(reply.status, StatusCode::OK, "{address}");
        let expected = if kind == "stylesheet" { "text/css" } else { "text/javascript" };
        assert_eq!(header_of(&reply, header::CONTENT_TYPE), format!("{expected}; charset=utf-8"), "{address}");
        assert!(integrity.starts_with("sha384-"), "{address}: {integrity:?}");
        assert_eq!(&sri_sha384(&reply.body), integrity, "{address}: the bytes do not match the integrity");
        assert_eq!(header_of(&reply, header::CACHE_CONTROL), "public, max-age=31536000, immutable", "{address}");
        assert_eq!(header_of(&reply, header::X_CONTENT_TYPE_OPTIONS), "nosniff", "{address}");
    }
}

#[tokio::test]
async fn console_modules_import_only_each_other_and_write_no_html() {
    let app = spawn().await;
    let (_, html) = page(&app).await;
    let files = files(&html);
    let names: BTreeSet<String> = files
        .iter()
        .filter(|(_, _, k)| k != "stylesheet")
        .map(|(a, ..)| a.rsplit('/').next().unwrap_or("").to_owned())
        .collect();
    let preloaded: BTreeSet<String> = files
        .iter()
        .filter(|(_, _, k)| k == "modulepreload")
        .map(|(a, ..)| a.rsplit('/').next().unwrap_or("").to_owned())
        .collect();
    // XML namespaces are names, not addresses: nothing is fetched from them.
    let namespaces = ["http://www.w3.org/2000/svg", "http://graphml.graphdrawing.org/xmlns"];
    let mut imported = BTreeSet::new();

    for (address, _, kind) in &files {
        let source = String::from_utf8(get(&app, address).await.body).expect("UTF-8");
        if kind == "stylesheet" {
            assert!(!source.contains("url(") && !source.contains("@import"), "{address} loads something");
            continue;
        }
        for specifier in imports(&source) {
            let name = specifier.strip_prefix("./").unwrap_or_else(|| panic!("{address} imports {specifier}"));
            assert!(preloaded.contains(name), "{address} imports {name}, which the page does not preload");
            imported.insert(name.to_owned());
        }
        for sink in
            ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "import("]
        {
            assert!(!source.contains(sink), "{address} uses {sink}");
        }
        let mut rest = source.as_str();
        while let Some(at) = rest.find("http") {
            let url: String = rest[at..].chars().take_while(|c| !matches!(c, '\'' | '"' | '`' | ' ')).collect();
            if url.starts_with("http://") || url.starts_with("https://") {
                assert!(namespaces.contains(&url.as_str()), "{address} names {url}");
            }
            rest = &rest[at + 4..];
        }
    }
    // Every preloaded module is used: the page preloads the graph, no more.
    assert_eq!(imported, preloaded, "modules: {names:?}");
}

#[tokio::test]
async fn a_console_file_under_another_version_or_name_is_404() {
    let app = spawn().await;
    let (_, html) = page(&app).await;
    let (address, ..) = files(&html).into_iter().next().expect("a file");
    let (dir, name) = address.rsplit_once('/').expect("a path");

    for wrong in [
        format!("/console/assets/0000000000000000/{name}"),
        format!("{dir}/nothing.js"),
        format!("{dir}/../../../Cargo.toml"),
        format!("/console/assets/{name}"),
    ] {
        let reply = get(&app, &wrong).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{wrong}");
    }
}

#[tokio::test]
async fn demo_banner_links_each_token_to_the_console() {
    let app = spawn().await;
    assert!(load_demo(&app.app.shared).await.expect("the demo loads"), "an empty database loads it");
    let auth = AuthConfig { jwt_secret: Some(SECRET.into()), ..Default::default() };

    let text =
        banner_with_console(&app.app.db, &auth, KeyOrigin::Supplied, "rightsgraph", Some("http://127.0.0.1:8080"))
            .await
            .expect("banner");
    let plain = banner(&app.app.db, &auth, KeyOrigin::Supplied, "rightsgraph").await.expect("banner");

    let lines: Vec<&str> = text.lines().collect();
    let mut linked = 0;
    for pair in lines.windows(2) {
        let Some(token) = pair[0].trim().rsplit_once(' ').map(|(_, t)| t).filter(|t| t.starts_with("eyJ")) else {
            continue;
        };
        let (label, link) = pair[1].trim().split_once(' ').expect("a console line under each token");
        assert_eq!(label, "console", "{text}");
        // The token rides in the fragment, which a browser never sends to the server.
        assert_eq!(link.trim(), format!("http://127.0.0.1:8080/console#token={token}"), "{text}");
        linked += 1;
    }
    assert_eq!(linked, 5, "a link per role:\n{text}");
    assert!(!plain.contains("/console"), "without an address the banner has no links:\n{plain}");
}

/// The roles a description names, read exactly as assets/console/api.js reads them: the words of
/// capitals and underscores that are values of `Role`.
fn roles_named(description: &str, roles: &[&str]) -> BTreeSet<String> {
    description
        .split(|c: char| !(c.is_ascii_uppercase() || c == '_'))
        .filter(|word| roles.contains(word))
        .map(str::to_owned)
        .collect()
}

/// The console offers a mutation to exactly the roles its description in the schema names. The
/// API decides each request; this holds the descriptions against its answers, for every mutation
/// the console offers: a role not named is refused `FORBIDDEN` with an input that would otherwise
/// do, and a named role is not (it gets the error of a bad input instead, so nothing changes).
#[tokio::test]
async fn the_roles_the_console_reads_from_the_schema_are_the_apis() {
    use rightsgraph::auth::Role;
    use rightsgraph::ids::GlobalId;
    use serde_json::{Value, json};

    use crate::harness::{codes, token};

    let app = spawn().await;
    assert!(load_demo(&app.app.shared).await.expect("the demo loads"));
    let admin = token(Role::Admin, None, None);
    let schema = app
        .data(&admin, r#"{ r: __type(name: "Role") { enumValues { name } } m: __type(name: "Mutation") { fields { name description } } }"#, json!({}))
        .await;
    let roles: Vec<&str> =
        schema["r"]["enumValues"].as_array().expect("roles").iter().filter_map(|v| v["name"].as_str()).collect();
    let described: BTreeMap<&str, &str> = schema["m"]["fields"]
        .as_array()
        .expect("mutations")
        .iter()
        .map(|f| (f["name"].as_str().unwrap_or(""), f["description"].as_str().unwrap_or("")))
        .collect();
    // Objects of the demo to act on: a notice with a PENDING and an INFO_REQUESTED item, its
    // brand, a removed (or countered) item and its seller, a pending counter-notice, a pending
    // appeal.
    let notices = app
        .data(&admin, "{ notices(first: 30) { nodes { id brand { id } items(first: 30) { nodes { id status listing { id seller { id } } trademark { id } counterNotice { id status } } } } } }", json!({}))
        .await;
    let all: Vec<&Value> = notices["notices"]["nodes"].as_array().expect("notices").iter().collect();
    let items = |n: &Value| n["items"]["nodes"].as_array().cloned().unwrap_or_default();
    let with =
        |status: &str| all.iter().find(|n| items(n).iter().any(|i| i["status"] == status)).copied().expect(status);
    let notice = with("PENDING");
    let item_of = |n: &Value, status: &str| items(n).into_iter().find(|i| i["status"] == status).expect(status);
    let pending = item_of(notice, "PENDING");
    let asked = item_of(with("INFO_REQUESTED"), "INFO_REQUESTED");
    let removed = all
        .iter()
        .flat_map(|n| items(n))
        .find(|i| i["status"] == "COUNTERED" || i["status"] == "REMOVED")
        .expect("a removal");
    let countered = all
        .iter()
        .flat_map(|n| items(n))
        .find(|i| i["counterNotice"]["status"] == "PENDING")
        .expect("a counter-notice");
    let appeals = app.data(&admin, "{ appeals(status: PENDING) { nodes { id } } }", json!({})).await;
    let appeal = appeals["appeals"]["nodes"][0]["id"].clone();
    assert!(appeal.is_string(), "the demo has a pending appeal: {appeals:#}");
    let key = |id: &Value| GlobalId::parse(id.as_str().expect("an id")).expect("a global id").key;
    let tokens: BTreeMap<&str, String> = BTreeMap::from([
        ("ADMIN", admin.clone()),
        ("REVIEWER", token(Role::Reviewer, None, None)),
        ("ANALYST", token(Role::Analyst, None, None)),
        ("BRAND_AGENT", token(Role::BrandAgent, Some(key(&notice["brand"]["id"])), None)),
        ("SELLER", token(Role::Seller, None, Some(key(&removed["listing"]["seller"]["id"])))),
    ]);
    let long = "A text long enough for every rule of the API.";
    // (mutation, input type, an input that would do, the same with a bad text)
    let cases: Vec<(&str, &str, Value, Value)> = vec![
        (
            "submitNotice",
            "SubmitNoticeInput",
            json!({"brandId": notice["brand"]["id"], "reason": "COUNTERFEIT", "explanation": long, "goodFaithDeclaration": true,
                "items": [{"listingId": pending["listing"]["id"], "trademarkId": pending["trademark"]["id"]}]}),
            json!({"brandId": notice["brand"]["id"], "reason": "COUNTERFEIT", "explanation": "short", "goodFaithDeclaration": true,
                "items": [{"listingId": pending["listing"]["id"], "trademarkId": pending["trademark"]["id"]}]}),
        ),
        (
            "decideNoticeItem",
            "DecideNoticeItemInput",
            json!({"itemId": pending["id"], "decision": "REMOVE"}),
            json!({"itemId": pending["id"], "decision": "REJECT"}),
        ),
        (
            "requestInformation",
            "RequestInformationInput",
            json!({"itemId": pending["id"], "question": long}),
            json!({"itemId": pending["id"], "question": "short"}),
        ),
        (
            "provideInformation",
            "ProvideInformationInput",
            json!({"itemId": asked["id"], "answer": long}),
            json!({"itemId": asked["id"], "answer": "short"}),
        ),
        (
            "postNoticeMessage",
            "PostNoticeMessageInput",
            json!({"noticeId": notice["id"], "body": long}),
            json!({"noticeId": notice["id"], "body": ""}),
        ),
        (
            "fileCounterNotice",
            "FileCounterNoticeInput",
            json!({"itemId": removed["id"], "statement": long}),
            json!({"itemId": removed["id"], "statement": "short"}),
        ),
        (
            "fileAppeal",
            "FileAppealInput",
            json!({"itemId": removed["id"], "statement": long}),
            json!({"itemId": removed["id"], "statement": "short"}),
        ),
        (
            "resolveCounterNotice",
            "ResolveCounterNoticeInput",
            json!({"counterNoticeId": countered["counterNotice"]["id"], "decision": "UPHOLD"}),
            json!({"counterNoticeId": countered["counterNotice"]["id"], "decision": "UPHOLD", "reason": ""}),
        ),
        (
            "resolveAppeal",
            "ResolveAppealInput",
            json!({"appealId": appeal, "outcome": "UPHELD", "reason": long}),
            json!({"appealId": appeal, "outcome": "UPHELD", "reason": ""}),
        ),
        (
            "retractNoticeItem",
            "RetractNoticeItemInput",
            json!({"itemId": removed["id"], "reason": long}),
            json!({"itemId": removed["id"], "reason": ""}),
        ),
    ];

    for (mutation, input_type, good, bad) in cases {
        let named = roles_named(described[mutation], &roles);
        assert!(!named.is_empty(), "{mutation}: its description names no role: {:?}", described[mutation]);
        let document = format!("mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ __typename }} }}");
        for (role, bearer) in &tokens {
            let may = named.contains(*role);
            let input = if may { &bad } else { &good };
            let answer = app.gql(Some(bearer), &document, json!({ "input": input })).await;
            let got = codes(&answer);
            if may {
                assert!(
                    !got.is_empty() && !got.contains(&"FORBIDDEN".to_owned()),
                    "{mutation} as {role}, which its description names: {answer:#}"
                );
            } else {
                assert_eq!(got, ["FORBIDDEN"], "{mutation} as {role}, which its description does not name: {answer:#}");
            }
        }
    }
}
