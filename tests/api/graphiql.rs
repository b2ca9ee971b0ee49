//! GraphiQL served from the binary (issue 31): the page on `GET /graphql` for a browser, its
//! Content-Security-Policy, and the files it names, each served by the router with the bytes its
//! integrity hash promises. tests/browser/ runs the same page in Chromium.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use sha2::{Digest, Sha384};

use crate::harness::{Reply, TestApp, spawn};

/// `GET path` with `Accept` as a browser sends it for a page.
async fn browse(app: &TestApp, path: &str) -> Reply {
    let request = Request::get(path)
        .header("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
        .body(Body::empty())
        .expect("request");
    app.send(request).await
}

fn header_of(reply: &Reply, name: header::HeaderName) -> &str {
    reply.headers.get(&name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// The page's HTML, checked to be one.
async fn page(app: &TestApp) -> (Reply, String) {
    let reply = browse(app, "/graphql").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(header_of(&reply, header::CONTENT_TYPE).starts_with("text/html"), "{:?}", reply.headers);
    let html = String::from_utf8(reply.body.clone()).expect("the page is UTF-8");
    (reply, html)
}

/// A CSP header as directive → sources.
fn directives(policy: &str) -> BTreeMap<String, Vec<String>> {
    policy
        .split(';')
        .filter_map(|directive| {
            let mut words = directive.split_whitespace();
            let name = words.next()?.to_owned();
            Some((name, words.map(str::to_owned).collect()))
        })
        .collect()
}

/// An element of the page: its tag name, attributes, and the text up to its closing tag.
#[derive(Debug)]
struct Element {
    tag: String,
    attributes: BTreeMap<String, String>,
    content: String,
}

/// Every `<tag …>` of `html` (attributes in double quotes, as the page writes them).
fn elements(html: &str, tag: &str) -> Vec<Element> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        rest = &rest[start + open.len()..];
        let end = rest.find('>').expect("an unclosed tag");
        let mut attributes = BTreeMap::new();
        let mut text = rest[..end].trim().trim_end_matches('/');
        while !text.is_empty() {
            let (name, after) = text.split_once('=').unwrap_or((text, ""));
            let name = name.trim().to_owned();
            if let Some(quoted) = after.strip_prefix('"') {
                let (value, tail) = quoted.split_once('"').expect("an unclosed attribute value");
                attributes.insert(name, value.to_owned());
                text = tail.trim_start();
            } else {
                // A bare attribute: up to the next space.
                let (bare, tail) = text.split_once(' ').unwrap_or((text, ""));
                attributes.insert(bare.trim().to_owned(), String::new());
                text = tail.trim_start();
            }
        }
        rest = &rest[end + 1..];
        let content = if tag == "script" {
            let until = rest.find(&close).expect("a script without </script>");
            rest[..until].to_owned()
        } else {
            String::new()
        };
        found.push(Element { tag: tag.to_owned(), attributes, content });
    }
    found
}

/// The page's scripts and stylesheets: (element, address, integrity).
fn subresources(html: &str) -> Vec<(Element, String, String)> {
    let scripts = elements(html, "script").into_iter().map(|e| ("src", e));
    let stylesheets =
        elements(html, "link").into_iter().filter(|e| e.attributes.get("rel").is_some_and(|r| r == "stylesheet"));
    scripts
        .chain(stylesheets.map(|e| ("href", e)))
        .map(|(attribute, e)| {
            let address = e.attributes.get(attribute).cloned().unwrap_or_default();
            let integrity = e.attributes.get("integrity").cloned().unwrap_or_default();
            (e, address, integrity)
        })
        .collect()
}

fn sri_sha384(bytes: &[u8]) -> String {
    format!("sha384-{}", base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes)))
}

#[tokio::test]
async fn page_has_a_csp_that_allows_only_its_own_files() {
    let app = spawn().await;

    let (reply, html) = page(&app).await;

    let policy = directives(header_of(&reply, header::CONTENT_SECURITY_POLICY));
    let sources = |name: &str| policy.get(name).cloned().unwrap_or_else(|| panic!("no {name} in {policy:?}"));
    assert_eq!(sources("default-src"), ["'self'"]);
    assert_eq!(sources("script-src"), ["'self'"], "no inline script, no eval, no other origin");
    assert_eq!(sources("connect-src"), ["'self'"]);
    assert_eq!(sources("img-src"), ["'self'", "data:"]);
    assert_eq!(sources("font-src"), ["'self'", "data:"]);
    assert_eq!(sources("object-src"), ["'none'"]);
    assert_eq!(sources("base-uri"), ["'none'"]);
    // style-src: the page's files, and the <style> of GraphiQL's dialogs by this response's nonce.
    let styles = sources("style-src");
    assert_eq!(styles.len(), 2, "{styles:?}");
    assert_eq!(styles[0], "'self'");
    let nonce = styles[1].strip_prefix("'nonce-").and_then(|n| n.strip_suffix('\'')).expect("a nonce source");
    assert!(nonce.len() >= 22, "a nonce of 128 bits or more: {nonce}");
    for (name, list) in &policy {
        assert!(
            list.iter().all(|s| !s.contains("unsafe") && s != "*" && !s.starts_with("http")),
            "{name} is relaxed: {list:?}"
        );
    }
    // The nonce is on the page's stylesheets, where start.js finds it.
    let links = elements(&html, "link");
    assert!(links.iter().any(|l| l.attributes.get("nonce").is_some_and(|n| n == nonce)), "{links:?}");

    let (second, _) = page(&app).await;
    assert_ne!(
        header_of(&second, header::CONTENT_SECURITY_POLICY),
        header_of(&reply, header::CONTENT_SECURITY_POLICY),
        "a nonce is used once"
    );
    assert_eq!(header_of(&reply, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(header_of(&reply, header::CACHE_CONTROL), "no-cache");
}

#[tokio::test]
async fn page_names_no_remote_address_and_runs_no_inline_script() {
    let app = spawn().await;

    let (_, html) = page(&app).await;

    assert!(!html.contains("http://") && !html.contains("https://"), "{html}");
    assert!(!html.contains("\"//"), "a protocol-relative address: {html}");
    assert!(!html.contains("style="), "an inline style: {html}");
    let scripts = elements(&html, "script");
    assert!(!scripts.is_empty(), "{html}");
    for script in &scripts {
        assert!(script.attributes.contains_key("src"), "an inline script: {script:?}");
        assert!(script.content.trim().is_empty(), "a script with a body: {script:?}");
    }
    // React's production builds, then GraphiQL, then the file that starts it.
    let sources: Vec<&str> = scripts.iter().map(|s| s.attributes["src"].as_str()).collect();
    assert!(sources.iter().all(|s| !s.contains("development")), "{sources:?}");
    let order = ["react.production.min.js", "react-dom.production.min.js", "graphiql.min.js", "start.js"];
    assert_eq!(sources.len(), order.len(), "{sources:?}");
    for (source, name) in sources.iter().zip(order) {
        assert!(source.ends_with(&format!("-{name}")), "{source} where {name} belongs: {sources:?}");
    }
    let start = &scripts[3].attributes;
    assert_eq!(start.get("data-endpoint").map(String::as_str), Some("/graphql"));
    assert_eq!(start.get("data-subscription-endpoint").map(String::as_str), Some("/graphql/ws"));
}

#[tokio::test]
async fn files_are_served_with_the_bytes_their_integrity_names() {
    let app = spawn().await;
    let (_, html) = page(&app).await;
    let subresources = subresources(&html);
    assert_eq!(subresources.iter().filter(|(e, ..)| e.tag == "script").count(), 4, "{subresources:?}");
    assert_eq!(subresources.iter().filter(|(e, ..)| e.tag == "link").count(), 2, "{subresources:?}");

    for (element, address, integrity) in &subresources {
        let reply = browse(&app, address).await;

        assert_eq!(reply.status, StatusCode::OK, "{address}");
        let expected = if element.tag == "script" { "text/javascript" } else { "text/css" };
        assert_eq!(header_of(&reply, header::CONTENT_TYPE), format!("{expected}; charset=utf-8"), "{address}");
        assert!(integrity.starts_with("sha384-"), "{address}: {integrity:?}");
        assert_eq!(&sri_sha384(&reply.body), integrity, "{address}: the bytes do not match the integrity");
        assert!(header_of(&reply, header::CACHE_CONTROL).contains("immutable"), "{address}: {:?}", reply.headers);
        assert!(header_of(&reply, header::CACHE_CONTROL).contains("max-age=31536000"), "{address}");
        assert_eq!(header_of(&reply, header::X_CONTENT_TYPE_OPTIONS), "nosniff", "{address}");
        // The name changes with the bytes: it starts with a digest of them.
        let name = address.rsplit('/').next().unwrap_or("");
        let digest: String = Sha384::digest(&reply.body)[..8].iter().map(|b| format!("{b:02x}")).collect();
        assert!(name.starts_with(&format!("{digest}-")), "{address} does not carry its digest {digest}");
    }
}

#[tokio::test]
async fn a_file_under_an_unknown_or_stale_name_is_404() {
    let app = spawn().await;
    let (_, html) = page(&app).await;
    let (_, address, _) = subresources(&html).into_iter().next().expect("a script");
    let (dir, name) = address.rsplit_once('/').expect("a path");
    let (_, plain) = name.split_once('-').expect("<digest>-<name>");

    for wrong in [format!("{dir}/0000000000000000-{plain}"), format!("{dir}/{plain}"), format!("{dir}/nothing.js")] {
        let reply = browse(&app, &wrong).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{wrong}");
    }
}

#[test]
fn vendored_files_match_the_sha256_pinned_by_the_script() {
    let root = env!("CARGO_MANIFEST_DIR");

    let out = std::process::Command::new("bash")
        .arg(format!("{root}/scripts/vendor-graphiql"))
        .arg("--check")
        .output()
        .expect("run scripts/vendor-graphiql --check");

    assert!(
        out.status.success(),
        "scripts/vendor-graphiql --check: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
