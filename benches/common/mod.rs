//! What the benches share: PostgreSQL (the server at `DATABASE_URL` or a throwaway cluster) and
//! a fresh migrated database, the server started as `rollcall serve` starts it, in-process on a
//! loopback port, closed-loop HTTP/1.1 keep-alive clients on a thread and a runtime of their
//! own, latency percentiles, a probe of the server's runtime and pool, the machine, waiting for
//! a quiet machine, and each bench's own section of `BENCHMARKS.md`.
//!
//! Each bench is a crate of its own that includes this module (`mod common;`), so each uses
//! only part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow};
use clap::Parser as _;
use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use rollcall::app::App;
use rollcall::config::{Cli, Config, Settings};
use rollcall::db::embedded::{Cluster, Durability};
use rollcall::db::{migrations, quote_ident, with_database};
use rollcall::http;
use serde::Deserialize as _;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Registry, reload};

/// The top of `BENCHMARKS.md` when there is no such file yet.
pub const FILE_HEADER: &str = "# Benchmarks\n\nEach bench in `benches/` writes its own section of \
     this file, between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`, and leaves the other \
     sections as they are. Rerun a bench on a quiet machine to refresh its section.\n";
/// The load average below which measuring starts.
pub const QUIET_LOAD: f64 = 1.0;
/// How often the load average is read while waiting for it to fall.
pub const LOAD_POLL: Duration = Duration::from_secs(5);
/// Longest wait for one response before the client gives up on its connection.
pub const REQUEST_LIMIT: Duration = Duration::from_secs(35);
/// Most requests one client sends in a window, whatever the window's length.
pub const MAX_REQUESTS_PER_CLIENT: usize = 1_000_000;
/// Interval of the probe that measures how late the server's runtime wakes a sleeping task.
pub const PROBE_INTERVAL: Duration = Duration::from_millis(2);
/// Most probe samples in a window, whatever the window's length.
pub const MAX_PROBES: usize = 1 << 20;
/// Pause between windows, so one window's queue does not spill into the next.
pub const SETTLE: Duration = Duration::from_secs(2);

// Settings from the environment ---------------------------------------------------------------

/// The whole number of seconds in the variable `name`, or `default` when it is not set.
pub fn seconds_from_env(name: &str, default: u64) -> anyhow::Result<Duration> {
    match std::env::var(name) {
        Ok(value) => value
            .trim()
            .parse()
            .map(Duration::from_secs)
            .with_context(|| format!("{name} must be a whole number of seconds")),
        Err(_) => Ok(Duration::from_secs(default)),
    }
}

/// The length of each measured window (`ROLLCALL_BENCH_SECONDS`, default 10) and the longest
/// wait for a quiet machine (`ROLLCALL_BENCH_LOAD_WAIT`, default 300).
pub fn window_and_load_wait() -> anyhow::Result<(Duration, Duration)> {
    Ok((
        seconds_from_env("ROLLCALL_BENCH_SECONDS", 10)?.max(Duration::from_secs(1)),
        seconds_from_env("ROLLCALL_BENCH_LOAD_WAIT", 300)?,
    ))
}

// PostgreSQL -------------------------------------------------------------------------------------

/// The PostgreSQL server the bench uses: the one at `DATABASE_URL` (an admin URL), or a cluster
/// made in a temporary folder as `serve` would run it (durable), stopped and removed when this
/// is dropped.
pub struct Postgres {
    pub admin_url: String,
    /// How the section names it.
    pub kind: String,
    embedded: Option<EmbeddedCluster>,
}

impl Postgres {
    pub fn start() -> anyhow::Result<Self> {
        match std::env::var("DATABASE_URL") {
            Ok(url) if !url.trim().is_empty() => Ok(Self {
                admin_url: url,
                kind: "DATABASE_URL".to_owned(),
                embedded: None,
            }),
            _ => {
                eprintln!("starting a throwaway PostgreSQL cluster");
                let embedded = EmbeddedCluster::start()?;
                Ok(Self {
                    admin_url: embedded.cluster.url("postgres").expose().clone(),
                    kind: "embedded cluster (durable, as `serve` runs it)".to_owned(),
                    embedded: Some(embedded),
                })
            }
        }
    }

    /// The folder of the embedded cluster's binaries (`pgbench` is there too), if it is one.
    pub fn embedded_bindir(&self) -> Option<PathBuf> {
        self.embedded
            .as_ref()
            .and_then(|embedded| embedded.cluster.pg_ctl().parent().map(Path::to_path_buf))
    }
}

/// A cluster in a temporary folder, stopped and removed when dropped.
struct EmbeddedCluster {
    cluster: Cluster,
    dir: PathBuf,
}

impl EmbeddedCluster {
    fn start() -> anyhow::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("rollcall-bench-")
            .tempdir()
            .context("cannot make a temporary folder")?
            .keep();
        // Under root the cluster runs as `postgres`, which must be able to walk into the folder.
        std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .with_context(|| format!("cannot open up {}", dir.display()))?;
        let opened = Cluster::open(&dir.join("pg"), Durability::Durable);
        let mut cluster = match opened {
            Ok(cluster) => cluster,
            Err(err) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(err.into());
            }
        };
        let started = cluster.start();
        let guard = Self { cluster, dir };
        started?;
        Ok(guard)
    }
}

impl Drop for EmbeddedCluster {
    fn drop(&mut self) {
        if let Err(err) = self.cluster.stop() {
            eprintln!("warning: {err}");
        }
        if let Err(err) = std::fs::remove_dir_all(&self.dir) {
            eprintln!("warning: cannot remove {}: {err}", self.dir.display());
        }
    }
}

/// The runtime `rollcall serve` builds: one worker per core.
pub fn server_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Creates a fresh database, migrates it, runs `work` with its URL, and drops it again.
pub async fn on_fresh_database<T>(
    admin_url: &str,
    work: impl AsyncFnOnce(&str) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let database = format!("rollcall_bench_{}", std::process::id());
    let mut admin = AsyncPgConnection::establish(admin_url)
        .await
        .context("cannot connect to PostgreSQL")?;
    admin
        .batch_execute(&format!("CREATE DATABASE {}", quote_ident(&database)))
        .await
        .context("cannot create the benchmark database")?;
    let url = with_database(admin_url, &database);
    // Ctrl-C stops measuring, but not the clean-up below or the cluster's.
    let outcome = tokio::select! {
        outcome = async {
            migrations::run_pending(&url).await?;
            work(&url).await
        } => outcome,
        _ = tokio::signal::ctrl_c() => Err(anyhow!("interrupted")),
    };
    let dropped = admin
        .batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(&database)
        ))
        .await;
    if let Err(err) = dropped {
        eprintln!("warning: cannot drop database {database}: {err}");
    }
    outcome
}

pub async fn postgres_version(app: &App) -> anyhow::Result<String> {
    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = Text)]
        version: String,
    }
    let mut conn = app.pool.get().await?;
    Ok(diesel::sql_query("SELECT version() AS version")
        .get_result::<Version>(&mut conn)
        .await?
        .version)
}

// The server -------------------------------------------------------------------------------------

/// The settings `rollcall` has with no flags (and any `ROLLCALL_*` variables).
pub fn default_settings() -> anyhow::Result<Settings> {
    // `try_`: clap's own error path exits the process, which would leave the cluster running.
    Ok(Cli::try_parse_from(["rollcall"])
        .map_err(|err| {
            let message = err.to_string();
            let first = message.lines().next().unwrap_or_default();
            anyhow!("{}", first.trim_start_matches("error: "))
        })?
        .settings)
}

/// The server, running in this process as `serve` runs it.
pub struct Server {
    pub app: Arc<App>,
    pub addr: SocketAddr,
    pub log: LogFilter,
    task: JoinHandle<()>,
}

impl Server {
    /// Starts the server on the database at `url` with `settings`, on a loopback port.
    pub async fn start(url: &str, settings: Settings) -> anyhow::Result<Self> {
        let log = init_tracing(&settings)?;
        let config = Config {
            settings,
            database_url: None,
            jwt_secret: None,
            jwt_previous_secret: None,
            data_key: None,
            smtp_url: None,
        };
        let app = App::new(config, url).await?;
        rollcall::schema::start_background(&app);
        rollcall::mail::worker::spawn(app.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let router = rollcall::schema::router(app.clone());
        let settings = app.config.settings.clone();
        let lifecycle = app.lifecycle.clone();
        let task = tokio::spawn(async move {
            http::server::serve(listener, router, &settings, lifecycle).await;
        });
        Ok(Self {
            app,
            addr,
            log,
            task,
        })
    }

    /// Shuts the server down and waits (at most 35 s) for it to stop.
    pub async fn stop(self) {
        self.app.lifecycle.shutdown.cancel();
        if tokio::time::timeout(Duration::from_secs(35), self.task)
            .await
            .is_err()
        {
            eprintln!("warning: the server did not stop within 35 s");
        }
    }
}

/// The server's logging as `rollcall serve` sets it up (its writer, [`rollcall::logging`]) with
/// its output in a file (the `pretty` format, without colour), a temporary file that is gone
/// when the bench ends: a real server pays for formatting and writing its request log, and so
/// does the benchmark. The filter can be switched between windows.
fn init_tracing(settings: &Settings) -> anyhow::Result<LogFilter> {
    let file = tempfile::tempfile().context("cannot make a temporary log file")?;
    let (writer, guard) = rollcall::logging::writer(file);
    let (filter, handle) = reload::Layer::new(log_filter(&settings.log)?);
    tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(writer),
        )
        .try_init()
        .map_err(|err| anyhow!("cannot set up logging: {err}"))?;
    Ok(LogFilter {
        handle,
        configured: settings.log.clone(),
        _writer: guard,
    })
}

/// The log filter `spec` as `rollcall` builds it.
fn log_filter(spec: &str) -> anyhow::Result<EnvFilter> {
    rollcall::logging::filter(spec).map_err(|err| anyhow!("invalid log filter {spec:?}: {err}"))
}

/// The server's log filter, switched for the windows that measure what the log costs.
pub struct LogFilter {
    handle: reload::Handle<EnvFilter, Registry>,
    /// The filter of the settings (`ROLLCALL_LOG`, `info` by default).
    pub configured: String,
    /// Writes the lines still queued when the server is dropped.
    _writer: WorkerGuard,
}

impl LogFilter {
    /// Filters with `spec`, or with the configured filter when `None`.
    pub fn set(&self, spec: Option<&str>) -> anyhow::Result<()> {
        let filter = log_filter(spec.unwrap_or(&self.configured))?;
        self.handle
            .reload(filter)
            .map_err(|err| anyhow!("cannot change the log filter: {err}"))
    }
}

// What the server goes through -------------------------------------------------------------------

/// What the server looked like during a window.
#[derive(Default)]
pub struct Probe {
    /// How much later than asked a task on the server's runtime woke from a short sleep: the
    /// time a ready task waits for a worker thread (and that thread for a core).
    pub lateness: Vec<Duration>,
    /// Most pool connections handed out at once.
    pub pool_in_use: usize,
    /// Most tasks waiting for a pool connection at once.
    pub pool_waiting: usize,
    /// Ticks at which some task was waiting for a pool connection.
    pub ticks_waiting: usize,
}

impl Probe {
    /// The share of ticks at which some task waited for a pool connection.
    pub fn share_waiting(&self) -> f64 {
        self.ticks_waiting as f64 / self.lateness.len().max(1) as f64
    }
}

/// Samples the server's runtime and pool every [`PROBE_INTERVAL`] until `deadline`; runs on the
/// server's runtime.
pub async fn probe(app: Arc<App>, deadline: Instant) -> Probe {
    let mut probe = Probe::default();
    while Instant::now() < deadline && probe.lateness.len() < MAX_PROBES {
        let asleep = Instant::now();
        tokio::time::sleep(PROBE_INTERVAL).await;
        probe
            .lateness
            .push(asleep.elapsed().saturating_sub(PROBE_INTERVAL));
        let status = app.pool.status();
        probe.pool_in_use = probe
            .pool_in_use
            .max(status.size.saturating_sub(status.available));
        probe.pool_waiting = probe.pool_waiting.max(status.waiting);
        probe.ticks_waiting += usize::from(status.waiting > 0);
    }
    probe
}

// Clients -----------------------------------------------------------------------------------------

/// Runs `work` on a thread and a single-threaded runtime of its own, away from the server's.
pub async fn on_client_thread<F, Fut, T>(work: F) -> anyhow::Result<T>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = T>,
    T: Send + 'static,
{
    let (done, outcome) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("bench-clients".to_owned())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            let _ = done.send(runtime.map(|runtime| runtime.block_on(work())));
        })?;
    Ok(outcome.await.context("the client thread panicked")??)
}

/// The sign-in mutation.
pub const LOGIN: &str = "mutation ($input: LoginInput) { login(input: $input) { accessToken } }";

/// The request that signs `login` in with `password`.
pub fn login_request(addr: SocketAddr, login: &str, password: &str) -> Vec<u8> {
    let body = serde_json::json!({
        "query": LOGIN,
        "variables": { "input": { "login": login, "password": password, "device": "bench" } },
    });
    post_request(addr, &body, None)
}

/// Signs `login` in; answers the access token.
pub async fn sign_in(addr: SocketAddr, login: String, password: String) -> anyhow::Result<String> {
    let mut connection = Connection::open(addr, None).await?;
    let response = connection
        .exchange(&login_request(addr, &login, &password))
        .await?;
    let body: Value = serde_json::from_slice(&response.body)?;
    body["data"]["login"]["accessToken"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("cannot sign {login} in: {body}"))
}

/// A whole `POST /graphql` request, made once and sent again and again.
pub fn post_request(addr: SocketAddr, body: &Value, token: Option<&str>) -> Vec<u8> {
    let body = body.to_string();
    let mut head = format!(
        "POST /graphql HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
         accept: application/json\r\ncontent-length: {}\r\n",
        body.len()
    );
    if let Some(token) = token {
        let _ = write!(head, "authorization: Bearer {token}\r\n");
    }
    head.push_str("\r\n");
    let mut request = head.into_bytes();
    request.extend_from_slice(body.as_bytes());
    request
}

/// What the clients of one kind saw in a window.
#[derive(Default)]
pub struct Tally {
    pub clients: usize,
    /// Latencies of the successful requests that finished within the window.
    pub latencies: Vec<Duration>,
    /// Answers with an error, by `extensions.code` (or HTTP status).
    pub refused: BTreeMap<String, u64>,
    /// Requests that got no answer (connection failed or timed out).
    pub lost: u64,
}

impl Tally {
    pub fn merge(&mut self, other: Tally) {
        self.clients += other.clients;
        self.latencies.extend(other.latencies);
        for (code, count) in other.refused {
            *self.refused.entry(code).or_default() += count;
        }
        self.lost += other.lost;
    }

    pub fn refused(&self, code: &str) -> u64 {
        self.refused.get(code).copied().unwrap_or(0)
    }

    pub fn other_errors(&self) -> u64 {
        self.refused
            .iter()
            .filter(|(code, _)| code.as_str() != "RATE_LIMITED")
            .map(|(_, count)| count)
            .sum::<u64>()
            + self.lost
    }

    /// Every failed request: refused or lost.
    pub fn errors(&self) -> u64 {
        self.refused.values().sum::<u64>() + self.lost
    }

    /// The errors by code, e.g. `0` or `CONFLICT ×3, lost ×1`.
    pub fn errors_by_code(&self) -> String {
        let mut parts: Vec<String> = self
            .refused
            .iter()
            .map(|(code, count)| format!("{code} ×{count}"))
            .collect();
        if self.lost > 0 {
            parts.push(format!("no answer ×{}", self.lost));
        }
        if parts.is_empty() {
            "0".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

/// The top level of a GraphQL answer, read without building the answer: whether it has
/// `errors`, and whether each field of `data` is null. Clients judge every answer with it.
/// Building each answer as a [`Value`] cost the client thread more than its HTTP did, and that
/// thread shares the machine's cores with the server it measures.
#[derive(Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub struct Outline {
    /// Whether the answer has `errors`.
    #[serde(default, deserialize_with = "present")]
    pub errors: bool,
    /// For each field of `data`, whether it is null; `None` without `data` (or with `data: null`).
    #[serde(default, rename = "data", deserialize_with = "nulls")]
    pub nulls: Option<Vec<bool>>,
}

impl Outline {
    /// The outline of `body`, or `None` when it is not a JSON object.
    pub fn read(body: &[u8]) -> Option<Self> {
        // A derived `Deserialize` would also take a JSON array, as the fields in order.
        if body.trim_ascii_start().first() != Some(&b'{') {
            return None;
        }
        serde_json::from_slice(body).ok()
    }

    /// Whether the answer has data, no errors and no field of `data` null.
    pub fn is_complete(&self) -> bool {
        !self.errors
            && self
                .nulls
                .as_ref()
                .is_some_and(|nulls| !nulls.is_empty() && !nulls.contains(&true))
    }
}

/// `true` for a field that is there, whatever it holds (skipped over, not built).
fn present<'de, D: serde::Deserializer<'de>>(field: D) -> Result<bool, D::Error> {
    serde::de::IgnoredAny::deserialize(field).map(|_| true)
}

/// Whether each field of `data` is null, skipping over what the others hold.
fn nulls<'de, D: serde::Deserializer<'de>>(data: D) -> Result<Option<Vec<bool>>, D::Error> {
    let fields = Option::<BTreeMap<String, Option<serde::de::IgnoredAny>>>::deserialize(data)?;
    Ok(fields.map(|fields| fields.values().map(Option::is_none).collect()))
}

/// The error code of an answer that is not the success expected: its first error's
/// `extensions.code`, or its HTTP status.
pub fn error_code(response: &Response, body: Option<&Value>) -> String {
    body.and_then(|body| body["errors"][0]["extensions"]["code"].as_str())
        .map_or_else(|| format!("HTTP {}", response.status), str::to_owned)
}

/// One client in a closed loop, until `deadline`: sends `requests[first]`, waits for the
/// answer, sends the next (round and round), and judges each answer (`None` for a success,
/// else its error code).
pub async fn client<J>(
    addr: SocketAddr,
    source: Option<Ipv4Addr>,
    requests: Arc<[Vec<u8>]>,
    first: usize,
    judge: J,
    deadline: Instant,
) -> Tally
where
    J: Fn(&Response) -> Option<String>,
{
    let mut tally = Tally {
        clients: 1,
        ..Tally::default()
    };
    let mut connection: Option<Connection> = None;
    for sent in 0..MAX_REQUESTS_PER_CLIENT {
        if Instant::now() >= deadline || requests.is_empty() {
            break;
        }
        let request = &requests[(first + sent) % requests.len()];
        let started = Instant::now();
        let answer = tokio::time::timeout(REQUEST_LIMIT, async {
            let open = match connection.take() {
                Some(open) => open,
                None => Connection::open(addr, source).await?,
            };
            let conn = connection.insert(open);
            conn.exchange(request).await
        })
        .await;
        let finished = Instant::now();
        // Whatever finishes after the deadline is left out, so that every window has the
        // same length.
        let counted = finished <= deadline;
        match answer {
            Ok(Ok(response)) => {
                if response.close {
                    connection = None;
                }
                if !counted {
                    continue;
                }
                match judge(&response) {
                    None => tally.latencies.push(finished - started),
                    Some(code) => *tally.refused.entry(code).or_default() += 1,
                }
            }
            Ok(Err(_)) | Err(_) => {
                connection = None;
                if counted {
                    tally.lost += 1;
                }
            }
        }
    }
    tally
}

/// A keep-alive HTTP/1.1 connection: just enough client for `POST /graphql`.
pub struct Connection {
    stream: BufReader<TcpStream>,
}

pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
    /// The server will close the connection after this response.
    pub close: bool,
}

impl Connection {
    /// Connects to `addr`, from `source` when given (any 127.0.0.0/8 address works on Linux).
    pub async fn open(addr: SocketAddr, source: Option<Ipv4Addr>) -> std::io::Result<Self> {
        let stream = match source {
            None => TcpStream::connect(addr).await?,
            Some(source) => {
                let socket = TcpSocket::new_v4()?;
                socket.bind(SocketAddr::from((source, 0)))?;
                socket.connect(addr).await?
            }
        };
        stream.set_nodelay(true)?;
        Ok(Self {
            stream: BufReader::new(stream),
        })
    }

    pub async fn exchange(&mut self, request: &[u8]) -> std::io::Result<Response> {
        self.stream.get_mut().write_all(request).await?;
        self.read_response().await
    }

    async fn read_response(&mut self) -> std::io::Result<Response> {
        let mut line = String::new();
        self.read_line(&mut line).await?;
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| invalid(format!("bad status line {line:?}")))?;
        let mut length = None;
        let mut chunked = false;
        let mut close = false;
        for _ in 0..100 {
            self.read_line(&mut line).await?;
            if line == "\r\n" {
                let body = match (chunked, length) {
                    (true, _) => self.read_chunked().await?,
                    (false, Some(length)) => {
                        let mut body = vec![0; length];
                        self.stream.read_exact(&mut body).await?;
                        body
                    }
                    (false, None) => return Err(invalid("a response without a length".into())),
                };
                return Ok(Response {
                    status,
                    body,
                    close,
                });
            }
            let Some((name, value)) = line.split_once(':') else {
                return Err(invalid(format!("bad header {line:?}")));
            };
            let value = value.trim().to_ascii_lowercase();
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => {
                    length = Some(value.parse().map_err(|_| invalid("bad length".into()))?);
                }
                "transfer-encoding" => chunked = value.contains("chunked"),
                "connection" => close = value.contains("close"),
                _ => {}
            }
        }
        Err(invalid("too many headers".into()))
    }

    async fn read_chunked(&mut self) -> std::io::Result<Vec<u8>> {
        let mut body = Vec::new();
        let mut line = String::new();
        for _ in 0..100_000 {
            self.read_line(&mut line).await?;
            let size = line.trim().split(';').next().unwrap_or_default();
            let size = usize::from_str_radix(size, 16)
                .map_err(|_| invalid(format!("bad chunk size {line:?}")))?;
            if size == 0 {
                // Trailers, then the empty line.
                loop {
                    self.read_line(&mut line).await?;
                    if line == "\r\n" {
                        return Ok(body);
                    }
                }
            }
            let start = body.len();
            body.resize(start + size, 0);
            self.stream.read_exact(&mut body[start..]).await?;
            self.read_line(&mut line).await?;
        }
        Err(invalid("too many chunks".into()))
    }

    /// Reads one line into `line` (replacing what it held); the end of the stream is an error.
    async fn read_line(&mut self, line: &mut String) -> std::io::Result<()> {
        line.clear();
        if self.stream.read_line(line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        Ok(())
    }
}

fn invalid(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message)
}

// Numbers -------------------------------------------------------------------------------------

/// Percentiles of a set of latencies.
pub struct Summary {
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Summary {
    pub fn of(latencies: &[Duration]) -> Option<Self> {
        let mut sorted = latencies.to_vec();
        sorted.sort_unstable();
        let count = sorted.len();
        // Nearest rank: the smallest value with at least p of the values at or below it.
        let at = |p: f64| sorted[((p * count as f64).ceil() as usize).clamp(1, count) - 1];
        (count > 0).then(|| Self {
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
            max: sorted[count - 1],
        })
    }
}

pub fn ms(duration: Duration) -> String {
    format!("{:.1}", duration.as_secs_f64() * 1000.0)
}

// The machine ----------------------------------------------------------------------------------

/// The machine the numbers were taken on.
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub memory: String,
    pub kernel: String,
    pub postgres: String,
    pub rustc: String,
}

impl Machine {
    pub fn read(postgres: String) -> Self {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find(|line| line.starts_with("model name"))
                    .and_then(|line| line.split_once(':'))
                    .map(|(_, name)| name.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown".to_owned());
        let memory = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|info| {
                let kib: f64 = info
                    .lines()
                    .find(|line| line.starts_with("MemTotal:"))?
                    .split_whitespace()
                    .nth(1)?
                    .parse()
                    .ok()?;
                Some(format!("{:.1} GiB", kib / 1024.0 / 1024.0))
            })
            .unwrap_or_else(|| "unknown".to_owned());
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|text| text.trim().to_owned())
            .unwrap_or_else(|_| "unknown".to_owned());
        let rustc = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned()))
            .arg("-V")
            .output()
            .ok()
            .filter(|output| output.status.success())
            .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
            .unwrap_or_else(|| "unknown".to_owned());
        Self {
            cpu,
            cores: cores(),
            memory,
            kernel,
            postgres,
            rustc,
        }
    }

    /// The top of the machine table: its head, the date and the machine, through the database
    /// (`database` says which); a bench appends rows of its own.
    pub fn table(&self, database: &str) -> String {
        let mut out = String::from("| | |\n|---|---|\n");
        let _ = writeln!(
            out,
            "| date (UTC) | {} |",
            chrono::Utc::now().format("%Y-%m-%d %H:%M")
        );
        let _ = writeln!(out, "| CPU | {} |", self.cpu);
        let _ = writeln!(out, "| cores (`nproc`) | {} |", self.cores);
        let _ = writeln!(out, "| memory | {} |", self.memory);
        let _ = writeln!(out, "| kernel (`uname -r`) | {} |", self.kernel);
        let _ = writeln!(out, "| PostgreSQL | {} |", self.postgres);
        let _ = writeln!(out, "| database | {database} |");
        let _ = writeln!(out, "| rustc | {} |", self.rustc);
        out
    }
}

pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The one-minute load average (NaN when it cannot be read).
pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

/// Waits, at most `limit`, for the one-minute load average to fall below [`QUIET_LOAD`]; answers
/// how long it waited.
pub async fn wait_for_quiet(limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let load = load_average();
        if load < QUIET_LOAD {
            return started.elapsed();
        }
        if started.elapsed() >= limit {
            eprintln!("load is still {load:.2}: measuring anyway");
            return started.elapsed();
        }
        eprintln!(
            "load average {load:.2} >= {QUIET_LOAD}: waiting (at most {} s more)",
            limit.saturating_sub(started.elapsed()).as_secs()
        );
        tokio::time::sleep(LOAD_POLL).await;
    }
}

/// The load-average row of a machine table: at the start, when measuring began (after how long
/// a wait) and at the end.
pub fn load_row(at_start: f64, measuring: f64, waited: Duration, after: f64) -> String {
    format!(
        "| load average (1 min) | {at_start:.2} when the bench started; {measuring:.2} when measuring began{}; {after:.2} at the end (the bench's own load included) |\n",
        if waited < LOAD_POLL {
            String::new()
        } else {
            format!(
                " (after waiting {} s for it to fall below {QUIET_LOAD:.1})",
                waited.as_secs()
            )
        },
    )
}

// BENCHMARKS.md ---------------------------------------------------------------------------------

/// Replaces the section between `begin` and `end` of `BENCHMARKS.md` (at the repository root)
/// with `section`, or adds it at the end when the file has none yet; the rest of the file,
/// other benches' sections included, is kept as it is. Answers the file's path.
pub fn write_section(begin: &str, end: &str, section: &str) -> anyhow::Result<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("BENCHMARKS.md");
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", path.display())),
    };
    let markdown = with_section(existing.as_deref(), begin, end, section)?;
    std::fs::write(&path, &markdown).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// `text` (the current `BENCHMARKS.md`, if any) with `section` between `begin` and `end`: in
/// place of the one it has, or after everything else when it has none yet.
fn with_section(
    text: Option<&str>,
    begin: &str,
    end: &str,
    section: &str,
) -> anyhow::Result<String> {
    let section = format!("{begin}\n{}\n{end}", section.trim_end());
    let Some(text) = text else {
        return Ok(format!("{FILE_HEADER}\n{section}\n"));
    };
    match (text.find(begin), text.find(end)) {
        (Some(at), Some(until)) if at < until => Ok(format!(
            "{}{section}{}",
            &text[..at],
            &text[until + end.len()..]
        )),
        (None, None) => Ok(format!("{}\n\n{section}\n", text.trim_end())),
        _ => Err(anyhow!(
            "BENCHMARKS.md has {begin} or {end} without the other (or in the wrong order): mend \
             it by hand, so that no other section is overwritten"
        )),
    }
}
