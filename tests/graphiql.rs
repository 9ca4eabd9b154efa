//! GraphiQL: the page and its assets come from Rollcall itself with strict headers, the
//! `graphiql` setting switches them, and a real headless Chromium renders the page (opening on
//! Rollcall's sign-in example) and runs `{ version }` without a single request leaving the
//! machine.

use std::process::Stdio;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use rollcall::config::Environment;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::common::{TestApp, TestResponse};

async fn get(app: &TestApp, uri: &str) -> TestResponse {
    app.send(Request::get(uri).body(Body::empty()).expect("request"))
        .await
}

/// The `/graphiql/assets/...` URLs the page loads, in order.
fn asset_urls(page: &str) -> Vec<String> {
    page.split("\"/graphiql/assets/")
        .skip(1)
        .map(|rest| {
            let end = rest.find('"').expect("a closing quote");
            format!("/graphiql/assets/{}", &rest[..end])
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_and_its_assets_come_from_rollcall_with_strict_headers() {
    let app = TestApp::new().await;

    let page = get(&app, "/graphiql").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(page.header("cache-control"), "no-cache");
    assert_eq!(page.header("x-content-type-options"), "nosniff");
    let csp = page.header("content-security-policy");
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ] {
        assert!(
            csp.split("; ").any(|d| d == directive),
            "`{directive}` missing from {csp}"
        );
    }
    assert!(!csp.contains("unsafe"), "{csp}");

    // Inline styles only with this response's nonce, which the page hands to GraphiQL.
    let html = page.text();
    let nonce = csp
        .split("; ")
        .find_map(|d| d.strip_prefix("style-src 'self' 'nonce-"))
        .and_then(|rest| rest.strip_suffix('\''))
        .unwrap_or_else(|| panic!("no style nonce in {csp}"));
    assert!(nonce.len() >= 22, "a nonce of 128 bits: {nonce}");
    assert!(
        html.contains(&format!(
            "<meta name=\"rollcall-style-nonce\" content=\"{nonce}\">"
        )),
        "{html}"
    );
    let again = get(&app, "/graphiql").await;
    assert!(
        !again.header("content-security-policy").contains(nonce),
        "every response has a nonce of its own"
    );

    assert!(html.contains("<meta charset=\"utf-8\">"), "{html}");
    assert!(
        !html.contains("://"),
        "the page names nothing outside Rollcall: {html}"
    );
    assert_eq!(
        html.matches("<script").count(),
        html.matches("<script defer src=\"/graphiql/assets/")
            .count(),
        "no inline scripts: {html}"
    );
    assert!(!html.contains("<style"), "no inline styles: {html}");

    let urls = asset_urls(&html);
    assert_eq!(urls.len(), 6, "{urls:?}");
    for url in &urls {
        let asset = get(&app, url).await;
        assert_eq!(asset.status, StatusCode::OK, "{url}");
        let expected = if url.ends_with(".js") {
            "text/javascript; charset=utf-8"
        } else {
            assert!(url.ends_with(".css"), "{url}");
            "text/css; charset=utf-8"
        };
        assert_eq!(asset.header("content-type"), expected, "{url}");
        assert_eq!(
            asset.header("cache-control"),
            "public, max-age=31536000, immutable",
            "{url}"
        );
        assert_eq!(asset.header("x-content-type-options"), "nosniff", "{url}");
        assert!(!asset.body.is_empty(), "{url}");
    }

    // Unknown names, and known files under a name without (or with another) hash, are not
    // served: an immutable URL must only ever mean one content.
    for unknown in [
        "/graphiql/assets/nope.js",
        "/graphiql/assets/graphiql.min.js",
        "/graphiql/assets/boot.000000000000.js",
        "/graphiql/assets/..%2F..%2FCargo.toml",
    ] {
        let response = get(&app, unknown).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{unknown}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn graphiql_is_off_in_prod_unless_switched_on() {
    let dev = TestApp::new().await;
    let asset = asset_urls(&get(&dev, "/graphiql").await.text())
        .pop()
        .expect("an asset");

    let prod = TestApp::with_settings(|s| {
        s.environment = Environment::Prod;
        s.graphiql = None;
    })
    .await;
    assert_eq!(get(&prod, "/graphiql").await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&prod, &asset).await.status, StatusCode::NOT_FOUND);

    let prod_on = TestApp::with_settings(|s| {
        s.environment = Environment::Prod;
        s.graphiql = Some(true);
    })
    .await;
    assert_eq!(get(&prod_on, "/graphiql").await.status, StatusCode::OK);
    assert_eq!(get(&prod_on, &asset).await.status, StatusCode::OK);

    let dev_off = TestApp::with_settings(|s| s.graphiql = Some(false)).await;
    assert_eq!(
        get(&dev_off, "/graphiql").await.status,
        StatusCode::NOT_FOUND
    );
}

/// Runs in the page before any of its scripts: records every Content-Security-Policy violation,
/// so the test can tell that GraphiQL works under the policy rather than around it.
const RECORD_CSP_VIOLATIONS: &str = r#"
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
        window.__cspViolations.push(e.effectiveDirective + ' ' + e.blockedURI);
    });
"#;

/// An expression that waits until `condition` (a JavaScript expression) is truthy and answers
/// its value; it rejects after `ms` milliseconds. The condition is checked on every DOM
/// mutation, and every 50 ms for what does not touch the DOM (the address bar).
fn wait_for(condition: &str, ms: u64) -> String {
    format!(
        r#"new Promise((resolve, reject) => {{
            const check = () => {{
                let value;
                try {{ value = ({condition}); }} catch (e) {{ value = undefined; }}
                if (value) {{ stop(); resolve(value); }}
            }};
            const observer = new MutationObserver(check);
            const ticker = setInterval(check, 50);
            const timer = setTimeout(() => {{
                stop();
                reject(new Error('timed out waiting for: ' + {quoted}));
            }}, {ms});
            const stop = () => {{ observer.disconnect(); clearInterval(ticker); clearTimeout(timer); }};
            observer.observe(document, {{ subtree: true, childList: true, characterData: true, attributes: true }});
            check();
        }})"#,
        quoted = serde_json::to_string(condition).expect("a JSON string"),
    )
}

/// The text of GraphiQL's query editor (CodeMirror 5 keeps its instance on its element).
const QUERY_EDITOR: &str =
    "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue()";
/// The text of GraphiQL's result pane.
const RESULT_PANE: &str =
    "document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue()";

/// The Headers pane when it is open: its editor's text, and the text its lines show on screen.
const SHOWN_HEADERS: &str = r#"(() => {
    const pane = document.querySelector('section.graphiql-editor-tool[aria-label="Headers"]');
    const editor = pane && pane.querySelector('.graphiql-editor:not(.hidden) .CodeMirror');
    const shown = (e) => e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().height > 0;
    return editor && shown(pane) && shown(editor) && editor.CodeMirror.getValue()
        && [editor.CodeMirror.getValue(), editor.querySelector('.CodeMirror-code').innerText];
})()"#;

/// Opens a WebSocket to another host, which the CSP must refuse, and answers the refusal: the
/// proof that the policy is enforced at all, so that the absence of other violations means
/// something.
const REFUSED_WEBSOCKET: &str = r#"
    new Promise((resolve, reject) => {
        const timer = setTimeout(
            () => reject(new Error('the CSP let a WebSocket to another host through')), 30000);
        document.addEventListener('securitypolicyviolation', (e) => {
            clearTimeout(timer);
            resolve(e.effectiveDirective + ' ' + e.blockedURI);
        }, { once: true });
        new WebSocket('ws://localhost:9/');
    })
"#;

#[tokio::test(flavor = "multi_thread")]
async fn graphiql_runs_a_query_in_a_real_browser_offline() {
    let app = TestApp::new().await;
    let (addr, _server) = app.spawn_server().await;
    let origin = format!("http://{addr}");
    let mut chromium = Chromium::launch().await;

    for domain in ["Network.enable", "Page.enable", "Runtime.enable"] {
        chromium.call(domain, json!({})).await;
    }
    chromium
        .call(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": RECORD_CSP_VIOLATIONS }),
        )
        .await;
    // Opened on no operation, GraphiQL shows Rollcall's example: sign in, then ask for `me`
    // with the access token in the Authorization header, whose pane is open.
    chromium.navigate(&format!("{origin}/graphiql")).await;
    let example = chromium
        .evaluate(&wait_for(
            &format!("{QUERY_EDITOR}.includes('mutation Login') && {QUERY_EDITOR}"),
            60_000,
        ))
        .await;
    let example = example.as_str().expect("text");
    for expected in [
        "# Welcome to Rollcall's GraphiQL.",
        "# 2. Copy the accessToken it answers into the\n#    Authorization header",
        "mutation Login {\n  login(input: {\n    login: ",
        "    device: \"GraphiQL\"\n  }) {\n    accessToken\n    refreshToken\n  }\n}",
        "query Me {\n  me {\n    id\n    username\n    email\n    role\n  }\n}",
    ] {
        assert!(example.contains(expected), "{expected:?} not in {example}");
    }
    let shown = chromium.evaluate(&wait_for(SHOWN_HEADERS, 60_000)).await;
    let headers: Value =
        serde_json::from_str(shown[0].as_str().expect("text")).expect("the headers are JSON");
    assert_eq!(
        headers,
        json!({ "Authorization": "Bearer <accessToken from login>" })
    );
    let on_screen = shown[1].as_str().expect("text");
    assert!(
        on_screen.contains("\"Authorization\": \"Bearer <accessToken from login>\""),
        "{on_screen}"
    );
    let visible_example = chromium
        .evaluate("document.querySelector('.graphiql-query-editor .CodeMirror-code').innerText")
        .await;
    assert!(
        visible_example
            .as_str()
            .expect("text")
            .contains("# Welcome to Rollcall's GraphiQL."),
        "{visible_example}"
    );

    // A link to an operation opens on it instead.
    chromium
        .navigate(&format!("{origin}/graphiql?query=%7B%20version%20%7D"))
        .await;

    // GraphiQL rendered, with the query taken from the page's URL.
    let query = chromium
        .evaluate(&wait_for(
            &format!("{QUERY_EDITOR}.includes('version') && {QUERY_EDITOR}"),
            60_000,
        ))
        .await;
    assert_eq!(query, "{ version }");

    chromium
        .evaluate("document.querySelector('.graphiql-execute-button').click(), true")
        .await;
    let result = chromium
        .evaluate(&wait_for(
            &format!("{RESULT_PANE}.includes('version') && {RESULT_PANE}"),
            60_000,
        ))
        .await;
    let result: Value =
        serde_json::from_str(result.as_str().expect("text")).expect("the result pane holds JSON");
    assert_eq!(
        result,
        json!({ "data": { "version": env!("CARGO_PKG_VERSION") } })
    );

    if let Ok(path) = std::env::var("ROLLCALL_GRAPHIQL_SCREENSHOT") {
        chromium.screenshot(&path).await;
    }

    // A subscription goes over the WebSocket at /graphql/ws, which the CSP's 'self' covers. The
    // editor writes the operation back into the page's URL.
    chromium
        .evaluate(&format!(
            "{}.setValue('subscription {{ clock }}'), true",
            QUERY_EDITOR.trim_end_matches(".getValue()")
        ))
        .await;
    // GraphiQL reports edits after a short debounce.
    let linked = chromium
        .evaluate(&wait_for(
            "new URLSearchParams(location.search).get('query').startsWith('subscription') \
             && new URLSearchParams(location.search).get('query')",
            60_000,
        ))
        .await;
    assert_eq!(linked, "subscription { clock }");
    chromium
        .evaluate("document.querySelector('.graphiql-execute-button').click(), true")
        .await;
    let tick = chromium
        .evaluate(&wait_for(
            &format!("{RESULT_PANE}.includes('clock') && {RESULT_PANE}"),
            60_000,
        ))
        .await;
    let tick: Value =
        serde_json::from_str(tick.as_str().expect("text")).expect("the result pane holds JSON");
    assert!(tick["data"]["clock"].is_string(), "{tick}");
    // Stop it: the run button turns into a stop button while the subscription runs.
    chromium
        .evaluate("document.querySelector('.graphiql-execute-button').click(), true")
        .await;

    // The schema came through (introspection under the CSP), and a dialog opens: GraphiQL's
    // dialogs add the one inline <style> the CSP allows, by nonce.
    chromium
        .evaluate(
            "document.querySelector('[aria-label=\"Show Documentation Explorer\"]').click(), true",
        )
        .await;
    chromium
        .evaluate(&wait_for(
            "document.querySelector('.graphiql-doc-explorer').textContent.includes('query: Query')",
            60_000,
        ))
        .await;
    chromium
        .evaluate("document.querySelector('[aria-label=\"Open settings dialog\"]').click(), true")
        .await;
    chromium
        .evaluate(&wait_for(
            "document.querySelector('[role=dialog]').textContent.includes('Settings') \
             && document.body.hasAttribute('data-scroll-locked')",
            60_000,
        ))
        .await;

    let refused = chromium.evaluate(REFUSED_WEBSOCKET).await;
    assert_eq!(refused, "connect-src ws://localhost:9/");
    let violations = chromium.evaluate("window.__cspViolations").await;
    assert_eq!(
        violations,
        json!(["connect-src ws://localhost:9/"]),
        "GraphiQL broke the page's CSP"
    );

    let exceptions = chromium.events_named("Runtime.exceptionThrown");
    assert!(exceptions.is_empty(), "uncaught exceptions: {exceptions:?}");
    let errors: Vec<_> = chromium
        .events_named("Runtime.consoleAPICalled")
        .into_iter()
        .filter(|event| event["params"]["type"] == "error")
        .collect();
    assert!(errors.is_empty(), "errors on the console: {errors:?}");

    // Every request the page made went to the test server: `data:` URLs (the stylesheet's
    // fonts) are read from the page itself.
    let requests = chromium.requested_urls();
    let local = |url: &String| {
        url.starts_with(&format!("{origin}/"))
            || url.starts_with(&format!("ws://{addr}/"))
            || url.starts_with("data:")
    };
    assert!(
        requests.iter().all(local),
        "requests left the test server: {:?}",
        requests
            .iter()
            .filter(|url| !local(url))
            .collect::<Vec<_>>()
    );
    for expected in [
        format!("{origin}/graphiql?"),
        format!("{origin}/graphiql/assets/graphiql.min."),
        format!("{origin}/graphql"),
        format!("ws://{addr}/graphql/ws"),
    ] {
        assert!(
            requests.iter().any(|url| url.starts_with(&expected)),
            "no request for {expected}: {requests:?}"
        );
    }

    chromium.close().await;
}

/// Longest wait for any one step of the browser: launch, a DevTools answer, an event.
const STEP_TIMEOUT: Duration = Duration::from_secs(60);

/// A headless Chromium on a throwaway profile, driven over the DevTools protocol with one page
/// attached (a "flat" session: every page command carries its `sessionId`).
struct Chromium {
    process: Child,
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    session: String,
    next_id: u64,
    /// Every event of the page so far, in order.
    events: Vec<Value>,
    _profile: tempfile::TempDir,
}

impl Chromium {
    /// Starts Chromium and opens a blank page. Fails the test when Chromium is not installed:
    /// a skipped browser test would pass CI without ever checking the page.
    async fn launch() -> Self {
        let profile = tempfile::Builder::new()
            .prefix("rollcall-chromium-")
            .tempdir()
            .expect("a temporary folder");
        let mut command = Command::new("chromium");
        command
            .args([
                "--headless",
                // Tests run as root in containers, where Chromium's sandbox cannot start.
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-default-apps",
                "--window-size=1280,800",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            // Its own process group, so that ending it ends its helper processes too.
            .process_group(0)
            .kill_on_drop(true);
        let mut process = match command.spawn() {
            Ok(process) => process,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => panic!(
                "Chromium is not installed (no `chromium` on PATH), and the GraphiQL browser \
                 test needs it: `apt-get install chromium` (.ci/run does)"
            ),
            Err(err) => panic!("starting Chromium: {err}"),
        };

        // Chromium prints its DevTools address on stderr once it listens.
        let mut stderr = BufReader::new(process.stderr.take().expect("piped stderr")).lines();
        let mut said = Vec::new();
        let address = tokio::time::timeout(STEP_TIMEOUT, async {
            while let Ok(Some(line)) = stderr.next_line().await {
                if let Some(address) = line.strip_prefix("DevTools listening on ") {
                    return Some(address.to_owned());
                }
                said.push(line);
            }
            None
        })
        .await;
        let Ok(Some(address)) = address else {
            panic!(
                "Chromium did not start its DevTools server:\n{}",
                said.join("\n")
            );
        };
        // Keep reading, so Chromium never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = stderr.next_line().await {} });

        let (socket, _) = tokio_tungstenite::connect_async(address.as_str())
            .await
            .expect("connecting to Chromium's DevTools");
        let mut chromium = Self {
            process,
            socket,
            session: String::new(),
            next_id: 0,
            events: Vec::new(),
            _profile: profile,
        };
        let target = chromium
            .send(None, "Target.createTarget", json!({ "url": "about:blank" }))
            .await;
        let attached = chromium
            .send(
                None,
                "Target.attachToTarget",
                json!({ "targetId": target["targetId"], "flatten": true }),
            )
            .await;
        chromium.session = attached["sessionId"]
            .as_str()
            .expect("a session id")
            .to_owned();
        chromium
    }

    /// Runs a command on the page and answers its result.
    async fn call(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        self.send(Some(&session), method, params).await
    }

    /// Opens `url` in the page and waits until it has loaded.
    async fn navigate(&mut self, url: &str) {
        let before_navigation = self.events.len();
        let navigated = self.call("Page.navigate", json!({ "url": url })).await;
        assert!(navigated.get("errorText").is_none(), "{navigated}");
        self.wait_event("Page.loadEventFired", before_navigation)
            .await;
    }

    /// Runs `expression` in the page, awaiting it if it is a promise, and answers its value.
    async fn evaluate(&mut self, expression: &str) -> Value {
        let answer = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": expression, "awaitPromise": true, "returnByValue": true }),
            )
            .await;
        if let Some(exception) = answer.get("exceptionDetails") {
            panic!("the page threw: {exception}");
        }
        answer["result"]["value"].clone()
    }

    /// Saves a PNG of the page, to look at while working on GraphiQL.
    async fn screenshot(&mut self, path: &str) {
        let shot = self
            .call("Page.captureScreenshot", json!({ "format": "png" }))
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("PNG data"))
            .expect("base64");
        std::fs::write(path, png).expect("writing the screenshot");
    }

    /// Waits for the page's first `method` event at or after position `from` of `events`.
    async fn wait_event(&mut self, method: &str, from: usize) -> Value {
        loop {
            if let Some(event) = self.events[from..].iter().find(|e| e["method"] == method) {
                return event.clone();
            }
            self.receive().await;
        }
    }

    /// The page's events named `method` so far.
    fn events_named(&self, method: &str) -> Vec<&Value> {
        self.events
            .iter()
            .filter(|e| e["method"] == method)
            .collect()
    }

    /// The URL of every request and WebSocket the page has opened so far.
    fn requested_urls(&self) -> Vec<String> {
        let url = |event: &Value, pointer: &str| {
            event["params"]
                .pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let requests = self.events_named("Network.requestWillBeSent");
        let sockets = self.events_named("Network.webSocketCreated");
        requests
            .into_iter()
            .map(|event| url(event, "/request/url"))
            .chain(sockets.into_iter().map(|event| url(event, "/url")))
            .collect()
    }

    /// Sends a command (to the browser, or to a session) and reads messages until its answer,
    /// keeping the page's events that arrive meanwhile.
    async fn send(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut command = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            command["sessionId"] = json!(session);
        }
        self.socket
            .send(Message::text(command.to_string()))
            .await
            .expect("sending to Chromium");
        loop {
            let message = self.receive().await;
            if message["id"] == id {
                if let Some(error) = message.get("error") {
                    panic!("{method} failed: {error}");
                }
                return message["result"].clone();
            }
        }
    }

    /// Reads one message; events of the page are kept in `events`.
    async fn receive(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(STEP_TIMEOUT, self.socket.next())
                .await
                .expect("Chromium answers in time")
                .expect("Chromium's DevTools connection is open")
                .expect("a DevTools message");
            let Message::Text(text) = message else {
                continue;
            };
            let message: Value = serde_json::from_str(&text).expect("DevTools sends JSON");
            if message.get("method").is_some() && message["sessionId"] == self.session.as_str() {
                self.events.push(message.clone());
            }
            return message;
        }
    }

    /// Asks Chromium to quit and waits for it, so its profile folder can be removed.
    async fn close(mut self) {
        self.next_id += 1;
        let close = json!({ "id": self.next_id, "method": "Browser.close" });
        // The browser may drop the connection before answering: only its exit matters.
        let _ = self.socket.send(Message::text(close.to_string())).await;
        let exited = tokio::time::timeout(STEP_TIMEOUT, self.process.wait()).await;
        assert!(
            matches!(exited, Ok(Ok(_))),
            "Chromium did not quit: {exited:?}"
        );
    }
}

impl Drop for Chromium {
    /// Whatever happened, no Chromium outlives the test: its whole process group is killed
    /// (after `close` the group is already gone and this does nothing).
    fn drop(&mut self) {
        if let Some(pid) = self.process.id().and_then(|pid| i32::try_from(pid).ok()) {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}
