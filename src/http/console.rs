//! The console (issue 31): a page at `/console` from which brand agents, reviewers, analysts and
//! sellers work in a browser, served from the binary like GraphiQL (`graphiql.rs`), so that it
//! works wherever the server works, with no CDN, no bundler and no build step.
//!
//! The console is a client of the API and nothing more: its plain ES modules (assets/console/)
//! talk to `/graphql` and `/graphql/ws` with the user's token, which the page keeps in the tab's
//! `sessionStorage`. No route here reads a token or a row. What a role may do, the console reads
//! from the schema's own descriptions (introspection), and the API decides every request.
//!
//! The modules import one another by relative names (`./api.js`), so they are served under one
//! directory named by a digest of all of them: a browser may keep each for a year, and a new
//! binary's files are a new directory. The page names the entry module and preloads every other
//! one (`<link rel="modulepreload">`), each with its Subresource Integrity hash, so the browser
//! checks every file of the module graph, not only the first. Digests and hashes are computed
//! from the embedded bytes, once, so they cannot drift from what is served.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha384};

use super::graphiql::{hex, integrity};

/// The page's address.
pub const PAGE_ROUTE: &str = "/console";

/// The route of the console's files: `{version}` is the digest of all of them.
pub const ASSET_ROUTE: &str = "/console/assets/{version}/{file}";

/// The page's Content-Security-Policy: nothing by default; its own scripts and styles only (no
/// inline script or style, no eval); requests to its own origin only (`'self'` covers the `ws:`
/// of subscriptions); no plugin, base, form target or framing. Trusted Types with no policy make
/// every HTML-parsing sink (`innerHTML`, `outerHTML`, `insertAdjacentHTML`, `document.write`)
/// throw, so untrusted text can only ever reach the page as text. `img-src data:` admits the
/// page's empty `data:` favicon, which spares a request that would only be a 404.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; \
                   frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'";

/// `Cache-Control` of a file: its directory changes with its bytes, so it never goes stale.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Style,
    /// The module the page starts: it imports the others.
    Entry,
    /// A module another one imports.
    Module,
}

/// A file of the console, embedded in the binary.
struct Asset {
    name: &'static str,
    kind: Kind,
    bytes: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $kind:expr) => {
        Asset { name: $name, kind: $kind, bytes: include_bytes!(concat!("../../assets/console/", $name)) }
    };
}

/// Every file of the console; tests/api/console.rs checks that each module the others import is
/// here, so the page preloads (and so checks) the whole module graph.
static ASSETS: [Asset; 14] = [
    asset!("console.css", Kind::Style),
    asset!("main.js", Kind::Entry),
    asset!("api.js", Kind::Module),
    asset!("dom.js", Kind::Module),
    asset!("ws.js", Kind::Module),
    asset!("notice.js", Kind::Module),
    asset!("notices.js", Kind::Module),
    asset!("appeals.js", Kind::Module),
    asset!("submit.js", Kind::Module),
    asset!("brand.js", Kind::Module),
    asset!("chart.js", Kind::Module),
    asset!("analyst.js", Kind::Module),
    asset!("graph.js", Kind::Module),
    asset!("seller.js", Kind::Module),
];

/// The directory the files are served under: a digest of every name and file, in order.
static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut hasher = Sha384::new();
    for asset in &ASSETS {
        hasher.update(asset.name.as_bytes());
        hasher.update([0]);
        hasher.update((asset.bytes.len() as u64).to_le_bytes());
        hasher.update(asset.bytes);
    }
    hex(&hasher.finalize()[..8])
});

/// Each file's Subresource Integrity hash, in the order of `ASSETS`.
static INTEGRITY: LazyLock<Vec<String>> = LazyLock::new(|| ASSETS.iter().map(|a| integrity(a.bytes)).collect());

/// The console's routes, for the service's router.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route(PAGE_ROUTE, get(page)).route(ASSET_ROUTE, get(asset))
}

/// The page's HTML: the stylesheet, every module preloaded with its hash, then the entry module,
/// which finds the API's endpoints on its own element.
fn html() -> String {
    let dir = format!("{}{}/", ASSET_ROUTE.split("{version}").next().unwrap_or(""), *VERSION);
    let mut head = String::new();
    let mut entry = String::new();
    for (asset, integrity) in ASSETS.iter().zip(INTEGRITY.iter()) {
        let href = format!("{dir}{}", asset.name);
        match asset.kind {
            Kind::Style => {
                head.push_str(&format!("<link rel=\"stylesheet\" href=\"{href}\" integrity=\"{integrity}\">\n"))
            }
            Kind::Module => {
                head.push_str(&format!("<link rel=\"modulepreload\" href=\"{href}\" integrity=\"{integrity}\">\n"))
            }
            Kind::Entry => entry.push_str(&format!(
                "<script type=\"module\" src=\"{href}\" integrity=\"{integrity}\" \
                 data-endpoint=\"/graphql\" data-subscription-endpoint=\"/graphql/ws\"></script>\n"
            )),
        }
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex\">\n<title>rightsgraph console</title>\n\
         <link rel=\"icon\" href=\"data:,\">\n{head}</head>\n<body>\n\
         <a class=\"skip\" href=\"#main\">Skip to the content</a>\n\
         <header id=\"top\"><h1>rightsgraph console</h1></header>\n\
         <main id=\"main\" tabindex=\"-1\"><p>Loading…</p>\n\
         <noscript><p>The console needs JavaScript.</p></noscript></main>\n{entry}</body>\n</html>\n"
    )
}

static PAGE: LazyLock<String> = LazyLock::new(html);

/// `GET /console`.
async fn page() -> Response {
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
        (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)),
        // The page names its files by digest: it must be asked for again to see a new binary's.
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        // A link followed from the console tells the other site nothing (not even the origin).
        (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        (HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin")),
    ];
    (headers, PAGE.as_str()).into_response()
}

/// `GET /console/assets/{version}/{file}`: one of the console's files, under this binary's
/// version only (an older page's files are gone with its binary: 404, and the page reloads them).
async fn asset(Path((version, file)): Path<(String, String)>) -> Response {
    if version != *VERSION {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Some(asset) = ASSETS.iter().find(|a| a.name == file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let content_type = match asset.kind {
        Kind::Style => "text/css; charset=utf-8",
        Kind::Entry | Kind::Module => "text/javascript; charset=utf-8",
    };
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (HeaderName::from_static("cross-origin-resource-policy"), HeaderValue::from_static("same-origin")),
    ];
    (headers, asset.bytes).into_response()
}
