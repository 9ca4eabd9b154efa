//! GraphiQL, served entirely by Rollcall: `GET /graphiql` is the page and
//! `GET /graphiql/assets/{file}` its scripts and styles, all embedded in the binary from
//! `assets/graphiql/` (see its README for where each file comes from). Nothing is loaded from a
//! CDN, so GraphiQL works on closed networks, and the page's Content-Security-Policy can allow
//! Rollcall's own origin only. A first visit opens on an example (in `boot.js`): sign in with
//! `login`, put the access token in the `Authorization` header, whose pane is open, then ask
//! for `me`.
//!
//! Caching: every asset URL carries a hash of the file's content (`graphiql.min.<hash>.js`), so
//! assets can be cached for a year as `immutable` and a new binary with changed files hands out
//! new URLs. The page that names them is `no-cache`, so browsers always ask for the current
//! names. A name whose hash does not match the embedded file answers 404 rather than other
//! content: a browser must never keep a file under an immutable URL that meant something else.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS,
};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;

use crate::http::HttpState;

/// The policy of the page: Rollcall's own origin only, no inline code, no framing. `{nonce}` is
/// the response's style nonce.
///
/// - `default-src 'none'`: whatever GraphiQL does not need (frames, workers, media, objects,
///   manifests) is refused outright rather than allowed from our origin.
/// - `script-src 'self'`: the bundles and `boot.js`; no inline `<script>`.
/// - `style-src 'self' 'nonce-...'`: the stylesheets, plus the one `<style>` element GraphiQL
///   adds while a dialog is open (Radix UI's scroll lock), which carries the nonce (see
///   `boot.js`). Refusing it would break nothing visible, but would log a violation on every
///   dialog; a nonce is much narrower than `'unsafe-inline'`, which would allow injected styles
///   too. GraphiQL's other styling goes through the CSSOM (`element.style`), which CSP does not
///   govern. The browser test fails on any violation.
/// - `connect-src 'self'`: POSTs to `/graphql`; in CSP level 3 `'self'` also matches `ws:` and
///   `wss:` to the same host and port, which covers `/graphql/ws` for subscriptions (checked by
///   the browser test), so no blanket `ws:` / `wss:` that would reach any host.
/// - `img-src` / `font-src` add `data:`: the stylesheet embeds its fonts as `data:` URLs, and the
///   page's favicon is an empty `data:` URL so browsers do not request `/favicon.ico`.
/// - `frame-ancestors 'none'`, `base-uri 'none'`, `form-action 'none'`: no clickjacking, no
///   `<base>` redirecting relative URLs, no form posting elsewhere.
fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; \
         img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
         frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
}

/// Where `index.html` wants the response's style nonce.
const NONCE_PLACEHOLDER: &str = "{{style-nonce}}";

/// Assets never change under a given URL, because the URL holds their content hash.
const ASSET_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// The prefix of every asset URL, as written in `index.html`.
const ASSET_PREFIX: &str = "/graphiql/assets/";

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// One embedded file the page loads.
struct Asset {
    /// The file's name in `assets/graphiql/` and, without its hash, in `index.html`.
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $content_type:expr) => {
        Asset {
            name: $name,
            content_type: $content_type,
            bytes: include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/assets/graphiql/",
                $name
            )),
        }
    };
}

/// Everything `index.html` loads.
static ASSETS: [Asset; 6] = [
    asset!("react.production.min.js", JAVASCRIPT),
    asset!("react-dom.production.min.js", JAVASCRIPT),
    asset!("graphiql.min.js", JAVASCRIPT),
    asset!("graphiql.min.css", CSS),
    asset!("boot.js", JAVASCRIPT),
    asset!("boot.css", CSS),
];

/// The page as written, with the plain asset names.
const INDEX_HTML: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/graphiql/index.html"
));

/// The page with hashed asset URLs, and the hashed name of each asset. Computed once, on the
/// first request: hashing the ~1.6 MB of assets takes a few milliseconds.
struct Site {
    page: String,
    assets: Vec<(String, &'static Asset)>,
}

static SITE: LazyLock<Site> = LazyLock::new(Site::new);

impl Site {
    fn new() -> Self {
        let mut page = INDEX_HTML.to_owned();
        let mut assets = Vec::with_capacity(ASSETS.len());
        for asset in &ASSETS {
            let hashed = hashed_name(asset.name, asset.bytes);
            // The quotes keep one name from matching inside a longer one.
            page = page.replace(
                &format!("\"{ASSET_PREFIX}{}\"", asset.name),
                &format!("\"{ASSET_PREFIX}{hashed}\""),
            );
            assets.push((hashed, asset));
        }
        Self { page, assets }
    }

    fn asset(&self, file: &str) -> Option<&'static Asset> {
        self.assets
            .iter()
            .find(|(hashed, _)| hashed == file)
            .map(|(_, asset)| *asset)
    }
}

/// `name` with a hash of `bytes` before its extension: `boot.js` -> `boot.0123456789ab.js`.
fn hashed_name(name: &str, bytes: &[u8]) -> String {
    // 48 bits of the hash: only the versions of one file ever compete for a name.
    let hash = format!("{:012x}", fnv1a(bytes) >> 16);
    match name.rsplit_once('.') {
        Some((stem, extension)) => format!("{stem}.{hash}.{extension}"),
        None => format!("{name}.{hash}"),
    }
}

/// 64-bit FNV-1a. Not cryptographic, and needs not be: it only has to change when a file does,
/// and to be the same in every process of a release (several replicas behind one load balancer
/// must hand out the same URLs), which a fixed, written-out function guarantees.
fn fnv1a(bytes: &[u8]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET_BASIS, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(PRIME)
    })
}

/// The GraphiQL routes. Merged into the main router only when GraphiQL is on
/// ([`crate::config::Config::graphiql`]).
pub fn routes() -> Router<HttpState> {
    Router::new()
        .route("/graphiql", get(page))
        .route("/graphiql/assets/{file}", get(asset))
}

/// `GET /graphiql`: the page, with a fresh style nonce.
async fn page() -> Response {
    // 128 random bits, as CSP asks of a nonce; a new one per response so that it cannot be
    // learnt from an earlier page.
    let nonce = base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 16]>());
    (
        [
            (CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
            // Revalidated every time: it names the current asset URLs and carries the nonce.
            (CACHE_CONTROL, "no-cache".to_owned()),
            (X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (CONTENT_SECURITY_POLICY, content_security_policy(&nonce)),
        ],
        SITE.page.replace(NONCE_PLACEHOLDER, &nonce),
    )
        .into_response()
}

/// `GET /graphiql/assets/{file}`: a script or stylesheet of the page, by its hashed name.
async fn asset(Path(file): Path<String>) -> Response {
    match SITE.asset(&file) {
        Some(asset) => (
            [
                (CONTENT_TYPE, asset.content_type),
                (CACHE_CONTROL, ASSET_CACHE_CONTROL),
                (X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            asset.bytes,
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            [
                (CONTENT_TYPE, "text/plain; charset=utf-8"),
                (X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            "no such GraphiQL asset\n",
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_every_asset_by_its_hashed_name_only() {
        let site = Site::new();
        for (hashed, asset) in &site.assets {
            assert!(
                site.page.contains(&format!("\"{ASSET_PREFIX}{hashed}\"")),
                "index.html does not load {}",
                asset.name
            );
            assert!(
                !site
                    .page
                    .contains(&format!("\"{ASSET_PREFIX}{}\"", asset.name)),
                "{} is still named without its hash",
                asset.name
            );
        }
        assert_eq!(
            site.page.matches(&format!("\"{ASSET_PREFIX}")).count(),
            ASSETS.len(),
            "index.html loads a file that is not embedded"
        );
    }

    #[test]
    fn the_page_has_one_place_for_the_nonce() {
        assert_eq!(Site::new().page.matches(NONCE_PLACEHOLDER).count(), 1);
    }

    #[test]
    fn hashed_names_follow_the_content() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        let one = hashed_name("boot.js", b"one");
        assert!(one.starts_with("boot.") && one.ends_with(".js"), "{one}");
        assert_eq!(one.len(), "boot..js".len() + 12);
        assert_ne!(one, hashed_name("boot.js", b"two"));
    }
}
