//! The test harness: a real PostgreSQL, a database per test cloned from a migrated template, and
//! the real router.
//!
//! With `DATABASE_URL` (an admin URL) the tests use that server. Without it, one throwaway
//! cluster is made for the whole run in a temporary folder; a watchdog process stops it and
//! removes the folder when the test process exits, however it exits.

pub mod academy;
pub mod accounts;
pub mod smtp;
pub mod workforce;

use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use clap::Parser;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use http_body_util::BodyExt;
use rand::Rng;
use rand::distr::Alphanumeric;
use rollcall::app::App;
use rollcall::config::{Cli, Config, Settings};
use rollcall::db::embedded::{Cluster, Durability};
use rollcall::db::{migrations, quote_ident, with_database};
use rollcall::http;
use serde_json::{Value, json};
use tower::ServiceExt;

/// The PostgreSQL server of this test run and its migrated template database.
struct Harness {
    admin_url: String,
    template: String,
    _cluster: Option<Throwaway>,
}

static HARNESS: OnceLock<Harness> = OnceLock::new();

fn harness() -> &'static Harness {
    HARNESS.get_or_init(|| {
        // Start-up needs a runtime of its own: each test has one, and they come and go.
        std::thread::spawn(|| {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(Harness::start())
        })
        .join()
        .expect("the test harness could not start")
    })
}

impl Harness {
    async fn start() -> Self {
        let (admin_url, cluster) = match std::env::var("DATABASE_URL") {
            Ok(url) if !url.trim().is_empty() => (url, None),
            _ => {
                let cluster = Throwaway::start();
                (cluster.url("postgres"), Some(cluster))
            }
        };
        let template = unique_name("rollcall_tpl");
        create_database(&admin_url, &template, None).await;
        migrations::run_pending(&with_database(&admin_url, &template))
            .await
            .expect("migrating the template database");
        Self {
            admin_url,
            template,
            _cluster: cluster,
        }
    }
}

/// A name no other test (or test run on the same server) uses.
pub fn unique_name(prefix: &str) -> String {
    let suffix: String = rand::rng()
        .sample_iter(Alphanumeric)
        .take(12)
        .map(|c| char::from(c).to_ascii_lowercase())
        .collect();
    format!("{prefix}_{suffix}")
}

async fn create_database(admin_url: &str, name: &str, template: Option<&str>) {
    let mut conn = AsyncPgConnection::establish(admin_url)
        .await
        .expect("connecting to the test PostgreSQL");
    let template = template
        .map(|t| format!(" TEMPLATE {}", quote_ident(t)))
        .unwrap_or_default();
    conn.batch_execute(&format!("CREATE DATABASE {}{template}", quote_ident(name)))
        .await
        .expect("creating a test database");
}

/// A fresh, empty database (not from the template), for tests of migrations themselves.
pub async fn empty_database() -> String {
    let harness = harness();
    let name = unique_name("rollcall_empty");
    create_database(&harness.admin_url, &name, None).await;
    with_database(&harness.admin_url, &name)
}

/// A PostgreSQL cluster in a temporary folder that lives as long as the test process.
pub struct Throwaway {
    cluster: Cluster,
    _watchdog: (Child, ChildStdin),
}

impl Throwaway {
    /// Creates and starts a cluster, with a watchdog that removes it when this process ends.
    pub fn start() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("rollcall-pg-")
            .tempdir()
            .expect("a temporary folder")
            .keep();
        // Under root the cluster runs as `postgres`, which must be able to walk into the folder.
        std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .expect("opening the temporary folder");
        let pgdata = dir.join("pg");
        let watchdog = watchdog(&pgdata, &dir);
        let mut cluster = Cluster::open(&pgdata, Durability::Throwaway).expect("initdb");
        cluster.start().expect("starting the test cluster");
        Self {
            cluster,
            _watchdog: watchdog,
        }
    }

    pub fn url(&self, database: &str) -> String {
        self.cluster.url(database).expose().clone()
    }

    pub fn cluster(&mut self) -> &mut Cluster {
        &mut self.cluster
    }
}

/// A shell that waits for its standard input to close (this process ending closes it), then
/// stops the postmaster at once and deletes the folder. Its own process group keeps a Ctrl-C
/// of the test run from killing it before it has cleaned up.
fn watchdog(pgdata: &Path, dir: &Path) -> (Child, ChildStdin) {
    const SCRIPT: &str = r#"
        cat >/dev/null
        pid=$(head -n 1 "$1/postmaster.pid" 2>/dev/null)
        if [ -n "$pid" ]; then
            kill -QUIT "$pid" 2>/dev/null
            while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
        fi
        rm -rf "$2"
    "#;
    let mut child = Command::new("sh")
        .args(["-c", SCRIPT, "watchdog"])
        .arg(pgdata)
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("starting the cluster watchdog");
    let stdin = child.stdin.take().expect("watchdog stdin");
    (child, stdin)
}

/// One test's application: its own database, the real router.
pub struct TestApp {
    pub app: Arc<App>,
    pub router: Router,
    pub database_url: String,
    database: String,
    admin_url: String,
}

impl TestApp {
    /// An application on a fresh database, with default settings.
    pub async fn new() -> Self {
        Self::with_settings(|_| {}).await
    }

    /// An application on a fresh database, with settings changed by `change`.
    pub async fn with_settings(change: impl FnOnce(&mut Settings)) -> Self {
        Self::with_config(|config| change(&mut config.settings)).await
    }

    /// An application on a fresh database, with its configuration changed by `change`: for
    /// what is not a setting, such as `smtp_url`.
    pub async fn with_config(change: impl FnOnce(&mut Config)) -> Self {
        let harness = harness();
        let database = unique_name("rollcall_test");
        create_database(&harness.admin_url, &database, Some(&harness.template)).await;
        let database_url = with_database(&harness.admin_url, &database);
        let app = Self::app_with_config(&database_url, change).await;
        Self {
            router: rollcall::schema::router(app.clone()),
            app,
            database_url,
            database,
            admin_url: harness.admin_url.clone(),
        }
    }

    /// Builds an [`App`] on `database_url` as `serve` would.
    pub async fn app_on(database_url: &str, change: impl FnOnce(&mut Settings)) -> Arc<App> {
        Self::app_with_config(database_url, |config| change(&mut config.settings)).await
    }

    /// Builds an [`App`] on `database_url` as `serve` would, with its configuration changed by
    /// `change`.
    pub async fn app_with_config(database_url: &str, change: impl FnOnce(&mut Config)) -> Arc<App> {
        let mut config = Config {
            settings: test_settings(),
            database_url: None,
            jwt_secret: None,
            jwt_previous_secret: None,
            data_key: None,
            smtp_url: None,
        };
        change(&mut config);
        let app = App::new(config, database_url)
            .await
            .expect("building the app");
        // The event listener, as every instance runs it; periodic jobs and the mail worker are
        // run by the tests that are about them, when they choose.
        app.start_listening();
        app
    }

    /// A test application over `app`, on the database at `database_url`, which it leaves as
    /// it is when dropped.
    pub fn on(app: Arc<App>, database_url: &str) -> TestApp {
        TestApp {
            router: rollcall::schema::router(app.clone()),
            app,
            database_url: database_url.to_owned(),
            database: String::new(),
            admin_url: String::new(),
        }
    }

    /// Another server instance on the same database (it does not drop the database).
    pub async fn second_instance(&self) -> TestApp {
        let app = Self::app_on(&self.database_url, |_| {}).await;
        TestApp {
            router: rollcall::schema::router(app.clone()),
            app,
            database_url: self.database_url.clone(),
            database: String::new(),
            admin_url: String::new(),
        }
    }

    /// Sends `request` through the router, as if from 127.0.0.1.
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        send(&self.router, request).await
    }

    /// POSTs a JSON body to `/graphql`.
    pub async fn post_json(&self, body: &Value) -> TestResponse {
        self.send(json_request(body)).await
    }

    /// Runs a GraphQL operation over POST and answers the response body; fails the test on a
    /// non-200 status.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        let response = self
            .post_json(&json!({ "query": query, "variables": variables }))
            .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        response.json()
    }

    /// Serves the router on a loopback port as `serve` does, for clients that need a real
    /// socket. The task ends when `self.app.lifecycle.shutdown` is cancelled and open
    /// connections have finished.
    pub async fn spawn_server(&self) -> (SocketAddr, tokio::task::JoinHandle<()>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("its address");
        let router = self.router.clone();
        let settings = self.app.config.settings.clone();
        let lifecycle = self.app.lifecycle.clone();
        let server = tokio::spawn(async move {
            http::server::serve(listener, router, &settings, lifecycle).await;
        });
        (addr, server)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if self.database.is_empty() {
            return;
        }
        let admin_url = self.admin_url.clone();
        let database = self.database.clone();
        // Dropping happens inside the test's runtime, which cannot be blocked on: clean up from
        // a thread of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                if let Ok(mut conn) = AsyncPgConnection::establish(&admin_url).await {
                    let _ = conn
                        .batch_execute(&format!(
                            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                            quote_ident(&database)
                        ))
                        .await;
                }
            });
        })
        .join();
    }
}

/// Settings as `rollcall` would have them with no flags, made quick for tests.
pub fn test_settings() -> Settings {
    let mut settings = Cli::parse_from(["rollcall"]).settings;
    settings.pool_size = 4;
    settings.data_dir = PathBuf::from("/nonexistent");
    settings
}

/// A `POST /graphql` request with a JSON body.
pub fn json_request(body: &Value) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri("/graphql")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("request")
}

/// Sends `request` through `router`, as if from 127.0.0.1.
pub async fn send(router: &Router, mut request: Request<Body>) -> TestResponse {
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("reading the body")
        .to_bytes();
    TestResponse {
        status,
        headers,
        body,
    }
}

/// A response, read whole.
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// The `extensions.code` of the first error of a response body.
pub fn first_error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code in {body}"))
}

/// Asserts that `body` failed with `code`, `reason` (if any) and `field` (if any).
#[track_caller]
pub fn assert_error(body: &Value, code: &str, reason: Option<&str>, field: Option<&str>) {
    assert_eq!(first_error_code(body), code, "{body}");
    if let Some(reason) = reason {
        assert_eq!(accounts::first_error_reason(body), reason, "{body}");
    }
    if let Some(field) = field {
        assert_eq!(workforce::first_error_field(body), field, "{body}");
    }
}

/// The `id` of a record in a response.
#[track_caller]
pub fn id_of(record: &Value) -> String {
    record["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {record}"))
        .to_owned()
}

/// `list`, sorted.
pub fn sorted(mut list: Vec<String>) -> Vec<String> {
    list.sort();
    list
}

/// Owned copies of `ids`, in order.
pub fn owned(ids: &[&String]) -> Vec<String> {
    ids.iter().map(|id| (*id).clone()).collect()
}

/// Pages through `list` in `order` as `viewer`, with a `filter` of its GraphQL type if given: two
/// items, then the rest after the first page's `endCursor`. Checks `totalCount` and
/// `hasNextPage` on the way; answers the ids.
pub async fn paged(
    app: &TestApp,
    viewer: &accounts::TestUser,
    list: &str,
    order: &str,
    filter: Option<(&str, Value)>,
) -> Vec<String> {
    let (declared, argument, filter) = match filter {
        Some((filter_type, filter)) => (
            format!(", $filter: {filter_type}"),
            ", filter: $filter",
            Some(filter),
        ),
        None => (String::new(), "", None),
    };
    let query = format!(
        "query ($first: Int, $after: String{declared}) {{
            {list}(first: $first, after: $after, orderBy: {order}{argument}) {{
                totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ id }}
            }}
        }}"
    );
    let variables = |first: u32, after: Value| {
        let mut variables = serde_json::json!({ "first": first, "after": after });
        if let Some(filter) = &filter {
            variables["filter"] = filter.clone();
        }
        variables
    };
    let body = app.gql_as(viewer, &query, variables(2, Value::Null)).await;
    let page = &body["data"][list];
    let mut all = workforce::ids(page);
    assert_eq!(all.len(), 2, "{body}");
    assert_eq!(page["pageInfo"]["hasNextPage"], true, "{body}");
    let total = page["totalCount"]
        .as_u64()
        .unwrap_or_else(|| panic!("{body}"));
    let cursor = page["pageInfo"]["endCursor"].clone();
    let body = app.gql_as(viewer, &query, variables(100, cursor)).await;
    let page = &body["data"][list];
    all.extend(workforce::ids(page));
    assert_eq!(page["pageInfo"]["hasNextPage"], false, "{body}");
    assert_eq!(page["totalCount"].as_u64(), Some(total), "{body}");
    assert_eq!(all.len() as u64, total, "{list} {order}: {all:?}");
    all
}
