//! GraphiQL for a browser's `GET /graphql` (`Accept: text/html`), with every file it needs served
//! from the binary, so that it works wherever the server works, with no CDN and no internet
//! (issue 31). The vendored files are in assets/graphiql/; scripts/vendor-graphiql fetches them
//! at pinned versions (and says why those), checks their sha256 and keeps their licences.
//!
//! Each file is served under a name that carries a digest of its bytes, so a browser may keep it
//! for a year and a new binary's file is a new name; the page names each one with its
//! Subresource Integrity hash. Both come from the embedded bytes, computed once, so they cannot
//! drift from what is served.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha384};

/// The route of GraphiQL's files: under `/graphql`, so that a proxy that forwards `/graphql`
/// and what is below it forwards them too.
pub const ASSET_ROUTE: &str = "/graphql/assets/{file}";

/// The page's Content-Security-Policy, with `nonce` the response's style nonce: its own files
/// only, no inline script, no eval, requests to its own origin only (`'self'` covers the
/// `ws:`/`wss:` of subscriptions too). What GraphiQL 4 needs beyond that, and why:
/// - `style-src 'nonce-…'`: its dialogs and menus lock scrolling with a `<style>` element they add
///   (react-remove-scroll-bar, under Radix). Its text holds the scrollbar's width, so no hash
///   can name it; it carries the bundle's `__webpack_nonce__`, which start.js sets from this
///   response's nonce. Markup injected into the page cannot know the nonce.
/// - `font-src data:` and `img-src data:`: graphiql.min.css carries its fonts (woff2) and a few
///   icons inside itself as `data:` URLs; nothing is fetched.
///
/// `frame-ancestors 'self'` rather than `'none'` lets a console on this origin embed the page.
fn csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; \
         font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'self'"
    )
}

/// `Cache-Control` of a file: its name changes with its bytes, so it never goes stale.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

#[derive(Clone, Copy)]
enum Kind {
    Style,
    Script,
    /// Our script that starts GraphiQL: it finds the endpoints on its own element.
    Start,
}

impl Kind {
    fn content_type(self) -> &'static str {
        match self {
            Kind::Style => "text/css; charset=utf-8",
            Kind::Script | Kind::Start => "text/javascript; charset=utf-8",
        }
    }
}

/// A file of the page, embedded in the binary.
struct Asset {
    name: &'static str,
    kind: Kind,
    bytes: &'static [u8],
}

/// In the order the page loads them: graphiql.min.js takes React and ReactDOM from globals, and
/// start.js (ours: it reads the page's fragment and starts GraphiQL) needs all three. The two
/// start.* files are ours; the others are vendored, unchanged.
static ASSETS: [Asset; 6] = [
    Asset {
        name: "graphiql.min.css",
        kind: Kind::Style,
        bytes: include_bytes!("../../assets/graphiql/graphiql/graphiql.min.css"),
    },
    Asset { name: "start.css", kind: Kind::Style, bytes: include_bytes!("../../assets/graphiql/start.css") },
    Asset {
        name: "react.production.min.js",
        kind: Kind::Script,
        bytes: include_bytes!("../../assets/graphiql/react/react.production.min.js"),
    },
    Asset {
        name: "react-dom.production.min.js",
        kind: Kind::Script,
        bytes: include_bytes!("../../assets/graphiql/react-dom/react-dom.production.min.js"),
    },
    Asset {
        name: "graphiql.min.js",
        kind: Kind::Script,
        bytes: include_bytes!("../../assets/graphiql/graphiql/graphiql.min.js"),
    },
    Asset { name: "start.js", kind: Kind::Start, bytes: include_bytes!("../../assets/graphiql/start.js") },
];

/// An asset as it is served: under `<digest>-<name>`, with its SRI hash.
struct Served {
    asset: &'static Asset,
    file: String,
    integrity: String,
}

static SERVED: LazyLock<Vec<Served>> = LazyLock::new(|| ASSETS.iter().map(served).collect());

fn served(asset: &'static Asset) -> Served {
    let digest = Sha384::digest(asset.bytes);
    Served { asset, file: format!("{}-{}", hex(&digest[..8]), asset.name), integrity: integrity(asset.bytes) }
}

/// The Subresource Integrity hash of `bytes` (`sha384-` and its base64), as GraphiQL's page and
/// the console's name their files.
pub(super) fn integrity(bytes: &[u8]) -> String {
    format!("sha384-{}", base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes)))
}

/// `bytes` in lowercase hex, for the digests in the files' names.
pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The GraphiQL page, which sends its requests to `endpoint` and its subscriptions to
/// `subscription_endpoint` (paths on this origin).
pub fn page(endpoint: &str, subscription_endpoint: &str) -> Response {
    let nonce = style_nonce();
    let prefix = ASSET_ROUTE.trim_end_matches("{file}");
    let mut styles = String::new();
    let mut scripts = String::new();
    for served in SERVED.iter() {
        let (href, integrity) = (format!("{prefix}{}", served.file), &served.integrity);
        match served.asset.kind {
            // The nonce is for start.js to find (see `csp`); these files need none.
            Kind::Style => styles.push_str(&format!(
                "<link rel=\"stylesheet\" href=\"{href}\" integrity=\"{integrity}\" nonce=\"{nonce}\">\n"
            )),
            Kind::Start => scripts.push_str(&format!(
                "<script src=\"{href}\" integrity=\"{integrity}\" data-endpoint=\"{}\" \
                 data-subscription-endpoint=\"{}\"></script>\n",
                attribute(endpoint),
                attribute(subscription_endpoint),
            )),
            Kind::Script => {
                scripts.push_str(&format!("<script src=\"{href}\" integrity=\"{integrity}\"></script>\n"));
            }
        }
    }
    // `<link rel="icon" href="data:,">`: no favicon request, which would only be a 404.
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex\">\n<title>rightsgraph: GraphiQL</title>\n\
         <link rel=\"icon\" href=\"data:,\">\n{styles}</head>\n<body>\n<div id=\"graphiql\">Loading…</div>\n\
         <noscript>GraphiQL needs JavaScript.</noscript>\n{scripts}</body>\n</html>\n"
    );
    let Ok(policy) = HeaderValue::from_str(&csp(&nonce)) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response(); // base64 is always a header value
    };
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
        (header::CONTENT_SECURITY_POLICY, policy),
        // The page names files by digest: it must be asked for again to see a new binary's files.
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        // The same address answers JSON to a client that does not ask for HTML.
        (header::VARY, HeaderValue::from_static("accept")),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
    ];
    (headers, html).into_response()
}

/// `GET /graphql/assets/{file}`: one of the page's files, by the name the page gives it.
pub async fn asset(Path(file): Path<String>) -> Response {
    let Some(served) = SERVED.iter().find(|served| served.file == file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(served.asset.kind.content_type())),
        (header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (HeaderName::from_static("cross-origin-resource-policy"), HeaderValue::from_static("same-origin")),
    ];
    (headers, served.asset.bytes).into_response()
}

/// A fresh nonce for one response: 128 random bits, in base64.
fn style_nonce() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `text` for a double-quoted HTML attribute.
fn attribute(text: &str) -> String {
    text.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}
