//! `cargo bench --bench login`: login throughput with argon2 at the configured cost, the
//! latency of `{ me }` while 32 clients sign in at once, and the throughput of `{ version }` and
//! `{ me }` at 32 connections (with the request log on and off), measured over real HTTP on
//! loopback against the real server. Writes its own section of `BENCHMARKS.md` at the repository
//! root (between `<!-- bench:login -->` and `<!-- /bench:login -->`, replaced at every run; the
//! rest of the file is left as it is) and prints its tables.
//!
//! PostgreSQL is the server at `DATABASE_URL` (an admin URL: a fresh database is created, then
//! dropped) or, without it, a cluster made in a temporary folder as `serve` would run it
//! (durable), stopped and removed at the end. The server runs in this process on the runtime
//! `rollcall serve` builds, with default settings; the clients run on a thread and a runtime of
//! their own, so that their tasks never queue behind the server's (they still share the CPU).
//! The server's log goes to a temporary file, formatted as `serve` formats it for a file: a real
//! server pays for its request log, and so does the benchmark.
//!
//! `ROLLCALL_BENCH_SECONDS` (default 10) is the length of each measured window;
//! `ROLLCALL_BENCH_LOAD_WAIT` (default 300) is how many seconds to wait, at most, for the
//! one-minute load average to fall below 1.0 before measuring. `ROLLCALL_BENCH_SPREAD_ADDRESSES=1`
//! makes each login client connect from an address of its own (127.0.0.2, 127.0.0.3, …) instead
//! of all from 127.0.0.1: sign-ins from one address queue on one lock (the per-address rate
//! limit), so one address is the worst case and the default. Other `ROLLCALL_*` settings are read
//! as the server reads them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow};
use clap::Parser as _;
use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use rollcall::accounts::model::NewUser;
use rollcall::accounts::queries;
use rollcall::app::App;
use rollcall::auth::identity::{AccountStatus, Role};
use rollcall::config::{Cli, Config, Settings};
use rollcall::db::embedded::{Cluster, Durability};
use rollcall::db::{migrations, quote_ident, with_database};
use rollcall::http;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Registry, reload};

/// The password of every benchmark account.
const PASSWORD: &str = "correct horse battery staple";
/// Concurrent sign-ins of the storm, as the requirement states it.
const STORM: usize = 32;
/// Clients sending `{ me }` back to back, alone and during the storm.
const ME_CLIENTS: usize = 4;
/// Connections of the throughput windows, each a client in a closed loop (as `wrk -c 32`).
const CONNECTIONS: usize = 32;
/// Times each throughput window runs, interleaved with the others: a change in the machine's
/// load during the run then weighs on every query alike, rather than on whichever ran then.
const ROUNDS: usize = 2;
/// The least share of `{ version }`'s throughput that `{ me }` should reach.
const ME_SHARE_GOAL: f64 = 0.40;
/// The log filter of the windows that measure the server without its request log: `serve` logs
/// one `answered` line (and opens one span) per request at `info`, nothing per request at `warn`.
const QUIET_LOG: &str = "warn";
/// Where this bench's section of `BENCHMARKS.md` begins and ends.
const SECTION_BEGIN: &str = "<!-- bench:login -->";
const SECTION_END: &str = "<!-- /bench:login -->";
/// The top of `BENCHMARKS.md` when there is no such file yet.
const FILE_HEADER: &str = "# Benchmarks\n\nEach bench in `benches/` writes its own section of \
     this file, between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`, and leaves the other \
     sections as they are. Rerun a bench on a quiet machine to refresh its section.\n";
/// The `{ me }` p99 the storm must stay under.
const TARGET: Duration = Duration::from_millis(50);
/// The load average below which measuring starts.
const QUIET_LOAD: f64 = 1.0;
/// How often the load average is read while waiting for it to fall.
const LOAD_POLL: Duration = Duration::from_secs(5);
/// Longest wait for one response before the client gives up on its connection.
const REQUEST_LIMIT: Duration = Duration::from_secs(35);
/// Most requests one client sends in a window, whatever the window's length.
const MAX_REQUESTS_PER_CLIENT: usize = 1_000_000;
/// Interval of the probe that measures how late the server's runtime wakes a sleeping task.
const PROBE_INTERVAL: Duration = Duration::from_millis(2);
/// Most probe samples in a window, whatever the window's length.
const MAX_PROBES: usize = 1 << 20;
/// Pause between windows, so one window's queue does not spill into the next.
const SETTLE: Duration = Duration::from_secs(2);

const LOGIN: &str = "mutation ($input: LoginInput) { login(input: $input) { accessToken } }";
const ME: &str = "{ me { id username email role } }";
const VERSION: &str = "{ version }";

fn main() -> ExitCode {
    match bench() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// What can be changed from the environment.
struct Knobs {
    window: Duration,
    load_wait: Duration,
    /// Login clients connect from 127.0.0.2, 127.0.0.3, … instead of all from 127.0.0.1.
    spread: bool,
}

impl Knobs {
    fn from_env() -> anyhow::Result<Self> {
        let seconds = |name: &str, default: u64| -> anyhow::Result<Duration> {
            match std::env::var(name) {
                Ok(value) => value
                    .trim()
                    .parse()
                    .map(Duration::from_secs)
                    .with_context(|| format!("{name} must be a whole number of seconds")),
                Err(_) => Ok(Duration::from_secs(default)),
            }
        };
        Ok(Self {
            window: seconds("ROLLCALL_BENCH_SECONDS", 10)?.max(Duration::from_secs(1)),
            load_wait: seconds("ROLLCALL_BENCH_LOAD_WAIT", 300)?,
            spread: std::env::var("ROLLCALL_BENCH_SPREAD_ADDRESSES")
                .is_ok_and(|value| matches!(value.trim(), "1" | "true" | "yes")),
        })
    }
}

fn bench() -> anyhow::Result<()> {
    let knobs = Knobs::from_env()?;
    let load_at_start = load_average();
    let (admin_url, embedded, database_kind) = match std::env::var("DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => (url, None, "DATABASE_URL".to_owned()),
        _ => {
            eprintln!("starting a throwaway PostgreSQL cluster");
            let embedded = EmbeddedCluster::start()?;
            let url = embedded.cluster.url("postgres").expose().clone();
            (
                url,
                Some(embedded),
                "embedded cluster (durable, as `serve` runs it)".to_owned(),
            )
        }
    };
    // The runtime `rollcall serve` builds: one worker per core.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let outcome = runtime.block_on(on_database(&admin_url, &knobs));
    runtime.shutdown_timeout(Duration::from_secs(5));
    // Stops the cluster and removes its folder, whatever happened above.
    drop(embedded);
    let measured = outcome?;
    let report = Report {
        machine: Machine::read(measured.postgres_version.clone()),
        knobs,
        database_kind,
        load_at_start,
        measured,
    };
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("BENCHMARKS.md");
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", path.display())),
    };
    let markdown = with_section(existing.as_deref(), &report.render())?;
    std::fs::write(&path, &markdown).with_context(|| format!("cannot write {}", path.display()))?;
    println!("{}", report.tables());
    println!("written to {}", path.display());
    Ok(())
}

/// `text` (the current `BENCHMARKS.md`, if any) with `section` as this bench's section: in
/// place of the one it has, or after everything else when it has none yet. The rest of the
/// file, other benches' sections included, is kept as it is.
fn with_section(text: Option<&str>, section: &str) -> anyhow::Result<String> {
    let section = format!("{SECTION_BEGIN}\n{}\n{SECTION_END}", section.trim_end());
    let Some(text) = text else {
        return Ok(format!("{FILE_HEADER}\n{section}\n"));
    };
    match (text.find(SECTION_BEGIN), text.find(SECTION_END)) {
        (Some(begin), Some(end)) if begin < end => Ok(format!(
            "{}{section}{}",
            &text[..begin],
            &text[end + SECTION_END.len()..]
        )),
        (None, None) => Ok(format!("{}\n\n{section}\n", text.trim_end())),
        _ => Err(anyhow!(
            "BENCHMARKS.md has {SECTION_BEGIN} or {SECTION_END} without the other (or in the \
             wrong order): mend it by hand, so that no other section is overwritten"
        )),
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

/// Creates a fresh database, measures on it, and drops it again.
async fn on_database(admin_url: &str, knobs: &Knobs) -> anyhow::Result<Measured> {
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
    let measured = tokio::select! {
        measured = async {
            migrations::run_pending(&url).await?;
            serve_and_measure(&url, knobs).await
        } => measured,
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
    measured
}

/// Starts the server as `serve` does, measures, and shuts it down.
async fn serve_and_measure(url: &str, knobs: &Knobs) -> anyhow::Result<Measured> {
    // Default settings (and any ROLLCALL_* variables), as `rollcall` with no flags has them.
    // `try_`: clap's own error path exits the process, which would leave the cluster running.
    let settings = Cli::try_parse_from(["rollcall"])
        .map_err(|err| {
            let message = err.to_string();
            let first = message.lines().next().unwrap_or_default();
            anyhow!("{}", first.trim_start_matches("error: "))
        })?
        .settings;
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
    let server = tokio::spawn(async move {
        http::server::serve(listener, router, &settings, lifecycle).await;
    });
    let measured = measure(&app, addr, knobs, &log).await;
    app.lifecycle.shutdown.cancel();
    if tokio::time::timeout(Duration::from_secs(35), server)
        .await
        .is_err()
    {
        eprintln!("warning: the server did not stop within 35 s");
    }
    measured
}

/// The server's logging as `rollcall serve` sets it up with its output in a file (the `pretty`
/// format, without colour), written to a temporary file that is gone when the bench ends: a
/// real server pays for formatting and writing its request log, and so does the benchmark. The
/// filter can be switched between windows.
fn init_tracing(settings: &Settings) -> anyhow::Result<LogFilter> {
    let file = tempfile::tempfile().context("cannot make a temporary log file")?;
    let (filter, handle) = reload::Layer::new(log_filter(&settings.log)?);
    tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(Arc::new(file)),
        )
        .try_init()
        .map_err(|err| anyhow!("cannot set up logging: {err}"))?;
    Ok(LogFilter {
        handle,
        configured: settings.log.clone(),
    })
}

/// The log filter `spec` as `rollcall` builds it.
fn log_filter(spec: &str) -> anyhow::Result<EnvFilter> {
    Ok(EnvFilter::try_new(spec)
        .map_err(|err| anyhow!("invalid log filter {spec:?}: {err}"))?
        .add_directive("tokio_postgres=info".parse()?))
}

/// The server's log filter, switched for the windows that measure what the log costs.
struct LogFilter {
    handle: reload::Handle<EnvFilter, Registry>,
    /// The filter of the settings (`ROLLCALL_LOG`, `info` by default).
    configured: String,
}

impl LogFilter {
    /// Filters with `spec`, or with the configured filter when `None`.
    fn set(&self, spec: Option<&str>) -> anyhow::Result<()> {
        let filter = log_filter(spec.unwrap_or(&self.configured))?;
        self.handle
            .reload(filter)
            .map_err(|err| anyhow!("cannot change the log filter: {err}"))
    }
}

/// Everything measured, and what it was measured with.
struct Measured {
    postgres_version: String,
    argon2: String,
    pool_size: usize,
    /// The load average when the first window began, after `waited`.
    load_measuring: f64,
    waited: Duration,
    load_after: f64,
    windows: Vec<Window>,
    /// The windows of `{ version }` and `{ me }` at [`CONNECTIONS`] connections.
    throughput: Vec<Window>,
    /// The log filter the server had, unless a window says otherwise.
    log: String,
}

/// Creates the accounts, waits for a quiet machine, then runs each window.
async fn measure(
    app: &Arc<App>,
    addr: SocketAddr,
    knobs: &Knobs,
    log: &LogFilter,
) -> anyhow::Result<Measured> {
    let postgres_version = postgres_version(app).await?;
    eprintln!("creating {} accounts", STORM + 1);
    let hash = app
        .hasher
        .hash(PASSWORD.to_owned())
        .await
        .map_err(|err| anyhow!("cannot hash: {err}"))?;
    // "$argon2id$v=19$m=19456,t=2,p=1$salt$hash": the parameters actually in use.
    let argon2 = hash.split('$').take(4).collect::<Vec<_>>().join("$");
    let mut names: Vec<String> = (0..STORM).map(|i| format!("bench-{i:02}")).collect();
    names.push("bench-viewer".to_owned());
    {
        let mut conn = app.pool.get().await?;
        for name in &names {
            let email = format!("{name}@example.com");
            queries::insert_user(
                &mut conn,
                &NewUser {
                    email: &email,
                    username: name,
                    name,
                    password_hash: &hash,
                    role: Role::User,
                    status: AccountStatus::Active,
                },
            )
            .await?;
        }
    }
    // One sign-in each first: the first from a device mails a notice, which a steady stream of
    // sign-ins does not. It also opens the pool's connections.
    let warm = on_client_thread(move || sign_in_all(addr, names)).await??;
    eprintln!("signed every account in once ({warm} ok)");

    let waited = wait_for_quiet(knobs.load_wait).await;
    let load_measuring = load_average();

    let cores = cores();
    let mut login_clients = vec![2 * cores, STORM];
    login_clients.dedup();
    let mut plans = vec![Plan {
        name: "`{ me }` alone".to_owned(),
        me: ME_CLIENTS,
        ..Plan::default()
    }];
    for clients in login_clients {
        plans.push(Plan {
            name: format!("login, {clients} clients"),
            logins: clients,
            ..Plan::default()
        });
    }
    plans.push(Plan {
        name: format!("`{{ me }}` during a {STORM}-login storm"),
        logins: STORM,
        me: ME_CLIENTS,
        ..Plan::default()
    });
    let mut throughput_plans = Vec::new();
    for round in 1..=ROUNDS {
        throughput_plans.extend([
            Plan {
                name: format!("`{{ version }}`, {CONNECTIONS} connections, round {round}"),
                version: CONNECTIONS,
                round,
                ..Plan::default()
            },
            Plan {
                name: format!("`{{ me }}`, {CONNECTIONS} connections, round {round}"),
                me: CONNECTIONS,
                round,
                ..Plan::default()
            },
            Plan {
                name: format!(
                    "`{{ version }}`, {CONNECTIONS} connections, log at `{QUIET_LOG}`, round {round}"
                ),
                version: CONNECTIONS,
                log: Some(QUIET_LOG),
                round,
                ..Plan::default()
            },
        ]);
    }
    let mut windows = Vec::new();
    for plan in plans {
        windows.push(run_window(app, addr, plan, knobs, log).await?);
    }
    let mut throughput = Vec::new();
    for plan in throughput_plans {
        throughput.push(run_window(app, addr, plan, knobs, log).await?);
    }
    Ok(Measured {
        postgres_version,
        argon2,
        pool_size: app.config.settings.pool_size,
        load_measuring,
        waited,
        load_after: load_average(),
        windows,
        throughput,
        log: log.configured.clone(),
    })
}

async fn postgres_version(app: &App) -> anyhow::Result<String> {
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

/// Waits, at most `limit`, for the one-minute load average to fall below [`QUIET_LOAD`]; answers
/// how long it waited.
async fn wait_for_quiet(limit: Duration) -> Duration {
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

/// One window's clients.
#[derive(Default)]
struct Plan {
    name: String,
    logins: usize,
    me: usize,
    version: usize,
    /// The server's log filter during the window; `None` keeps the configured one.
    log: Option<&'static str>,
    /// Which of the [`ROUNDS`] of throughput windows it belongs to (0 for the others).
    round: usize,
}

/// What one window measured.
struct Window {
    plan: Plan,
    login: Tally,
    me: Tally,
    version: Tally,
    probe: Probe,
}

impl Window {
    /// The tally of a throughput window, which has clients of one query only.
    fn tally(&self) -> &Tally {
        if self.plan.me > 0 {
            &self.me
        } else {
            &self.version
        }
    }
}

/// Runs `plan`'s clients for one window (`knobs.window`) while probing the server, then pauses
/// for [`SETTLE`].
async fn run_window(
    app: &Arc<App>,
    addr: SocketAddr,
    plan: Plan,
    knobs: &Knobs,
    log: &LogFilter,
) -> anyhow::Result<Window> {
    eprintln!("measuring: {} ({} s)", plan.name, knobs.window.as_secs());
    // A fresh token for each window: access tokens last 15 minutes.
    let token = if plan.me > 0 {
        Some(on_client_thread(move || sign_in(addr, "bench-viewer".to_owned())).await??)
    } else {
        None
    };
    log.set(plan.log)?;
    let deadline = Instant::now() + knobs.window;
    let spread = knobs.spread;
    let probe = tokio::spawn(probe(app.clone(), deadline));
    let (logins, me, version) = (plan.logins, plan.me, plan.version);
    let tallies = on_client_thread(move || async move {
        let mut clients = tokio::task::JoinSet::new();
        for i in 0..logins {
            // A distinct account per client: the per-account limit counts attempts in flight.
            let request = login_request(addr, &format!("bench-{i:02}"));
            let source = spread.then(|| source_address(i));
            clients.spawn(client(addr, source, Kind::Login, request, deadline));
        }
        if let Some(token) = &token {
            for _ in 0..me {
                let request = post_request(addr, &json!({ "query": ME }), Some(token));
                clients.spawn(client(addr, None, Kind::Me, request, deadline));
            }
        }
        for _ in 0..version {
            let request = post_request(addr, &json!({ "query": VERSION }), None);
            clients.spawn(client(addr, None, Kind::Version, request, deadline));
        }
        let mut login = Tally::default();
        let mut me = Tally::default();
        let mut version = Tally::default();
        while let Some(outcome) = clients.join_next().await {
            let (kind, tally) = outcome?;
            match kind {
                Kind::Login => login.merge(tally),
                Kind::Me => me.merge(tally),
                Kind::Version => version.merge(tally),
            }
        }
        anyhow::Ok((login, me, version))
    })
    .await;
    let probe = probe.await;
    // Back to the configured filter whatever happened, before anything else is measured.
    log.set(None)?;
    let (login, me, version) = tallies??;
    let probe = probe?;
    tokio::time::sleep(SETTLE).await;
    Ok(Window {
        plan,
        login,
        me,
        version,
        probe,
    })
}

/// What the server looked like during a window.
#[derive(Default)]
struct Probe {
    /// How much later than asked a task on the server's runtime woke from a short sleep: the
    /// time a ready task waits for a worker thread (and that thread for a core).
    lateness: Vec<Duration>,
    /// Most pool connections handed out at once.
    pool_in_use: usize,
    /// Most tasks waiting for a pool connection at once.
    pool_waiting: usize,
    /// Ticks at which some task was waiting for a pool connection.
    ticks_waiting: usize,
}

async fn probe(app: Arc<App>, deadline: Instant) -> Probe {
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

/// Runs `work` on a thread and a single-threaded runtime of its own, away from the server's.
async fn on_client_thread<F, Fut, T>(work: F) -> anyhow::Result<T>
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

/// Signs every account in, concurrently; answers how many succeeded, or fails.
async fn sign_in_all(addr: SocketAddr, names: Vec<String>) -> anyhow::Result<usize> {
    let mut set = tokio::task::JoinSet::new();
    for name in names {
        set.spawn(sign_in(addr, name));
    }
    let mut ok = 0;
    while let Some(outcome) = set.join_next().await {
        outcome??;
        ok += 1;
    }
    Ok(ok)
}

/// Signs `name` in; answers the access token.
async fn sign_in(addr: SocketAddr, name: String) -> anyhow::Result<String> {
    let mut connection = Connection::open(addr, None).await?;
    let response = connection.exchange(&login_request(addr, &name)).await?;
    let body: Value = serde_json::from_slice(&response.body)?;
    body["data"]["login"]["accessToken"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("cannot sign {name} in: {body}"))
}

/// The loopback address login client `i` connects from when addresses are spread.
fn source_address(i: usize) -> Ipv4Addr {
    let i = u32::try_from(i).unwrap_or(0) + 2;
    Ipv4Addr::from(0x7f00_0000 | i)
}

fn login_request(addr: SocketAddr, name: &str) -> Vec<u8> {
    let body = json!({
        "query": LOGIN,
        "variables": { "input": { "login": name, "password": PASSWORD, "device": "bench" } },
    });
    post_request(addr, &body, None)
}

/// A whole `POST /graphql` request, made once and sent again and again.
fn post_request(addr: SocketAddr, body: &Value, token: Option<&str>) -> Vec<u8> {
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

#[derive(Debug, Clone, Copy)]
enum Kind {
    Login,
    Me,
    Version,
}

/// What the clients of one kind saw in a window.
#[derive(Default)]
struct Tally {
    clients: usize,
    /// Latencies of the successful requests that finished within the window.
    latencies: Vec<Duration>,
    /// Answers with an error, by `extensions.code` (or HTTP status).
    refused: BTreeMap<String, u64>,
    /// Requests that got no answer (connection failed or timed out).
    lost: u64,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.clients += other.clients;
        self.latencies.extend(other.latencies);
        for (code, count) in other.refused {
            *self.refused.entry(code).or_default() += count;
        }
        self.lost += other.lost;
    }

    fn refused(&self, code: &str) -> u64 {
        self.refused.get(code).copied().unwrap_or(0)
    }

    fn other_errors(&self) -> u64 {
        self.refused
            .iter()
            .filter(|(code, _)| code.as_str() != "RATE_LIMITED")
            .map(|(_, count)| count)
            .sum::<u64>()
            + self.lost
    }
}

/// One client in a closed loop: send, wait for the answer, send again, until `deadline`.
async fn client(
    addr: SocketAddr,
    source: Option<Ipv4Addr>,
    kind: Kind,
    request: Vec<u8>,
    deadline: Instant,
) -> (Kind, Tally) {
    let mut tally = Tally {
        clients: 1,
        ..Tally::default()
    };
    let mut connection: Option<Connection> = None;
    for _ in 0..MAX_REQUESTS_PER_CLIENT {
        if Instant::now() >= deadline {
            break;
        }
        let started = Instant::now();
        let answer = tokio::time::timeout(REQUEST_LIMIT, async {
            let open = match connection.take() {
                Some(open) => open,
                None => Connection::open(addr, source).await?,
            };
            let conn = connection.insert(open);
            conn.exchange(&request).await
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
                match judge(kind, &response) {
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
    (kind, tally)
}

/// `None` for a successful answer, else its error code.
fn judge(kind: Kind, response: &Response) -> Option<String> {
    let Ok(body) = serde_json::from_slice::<Value>(&response.body) else {
        return Some(format!("HTTP {}", response.status));
    };
    let ok = match kind {
        Kind::Login => body["data"]["login"]["accessToken"].is_string(),
        Kind::Me => body["data"]["me"]["id"].is_string(),
        Kind::Version => body["data"]["version"].is_string(),
    };
    if ok {
        return None;
    }
    Some(
        body["errors"][0]["extensions"]["code"]
            .as_str()
            .map_or_else(|| format!("HTTP {}", response.status), str::to_owned),
    )
}

/// A keep-alive HTTP/1.1 connection: just enough client for `POST /graphql`.
struct Connection {
    stream: BufReader<TcpStream>,
}

struct Response {
    status: u16,
    body: Vec<u8>,
    /// The server will close the connection after this response.
    close: bool,
}

impl Connection {
    /// Connects to `addr`, from `source` when given (any 127.0.0.0/8 address works on Linux).
    async fn open(addr: SocketAddr, source: Option<Ipv4Addr>) -> std::io::Result<Self> {
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

    async fn exchange(&mut self, request: &[u8]) -> std::io::Result<Response> {
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

/// Percentiles of a set of latencies.
struct Summary {
    p50: Duration,
    p95: Duration,
    p99: Duration,
    max: Duration,
}

impl Summary {
    fn of(latencies: &[Duration]) -> Option<Self> {
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

fn ms(duration: Duration) -> String {
    format!("{:.1}", duration.as_secs_f64() * 1000.0)
}

/// The machine the numbers were taken on.
struct Machine {
    cpu: String,
    cores: usize,
    memory: String,
    kernel: String,
    postgres: String,
    rustc: String,
}

impl Machine {
    fn read(postgres: String) -> Self {
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
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The one-minute load average (NaN when it cannot be read).
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

struct Report {
    machine: Machine,
    knobs: Knobs,
    database_kind: String,
    load_at_start: f64,
    measured: Measured,
}

impl Report {
    /// The `{ me }` p99 of the storm window.
    fn storm_p99(&self) -> Option<Duration> {
        self.measured
            .windows
            .iter()
            .find(|window| window.plan.logins == STORM && window.plan.me > 0)
            .and_then(|window| Summary::of(&window.me.latencies))
            .map(|summary| summary.p99)
    }

    fn verdict(&self) -> String {
        match self.storm_p99() {
            Some(p99) if p99 < TARGET => format!(
                "**met**: `{{ me }}` p99 during the {STORM}-login storm is {} ms (target: under {} ms)",
                ms(p99),
                TARGET.as_millis()
            ),
            Some(p99) => format!(
                "**not met**: `{{ me }}` p99 during the {STORM}-login storm is {} ms (target: under {} ms)",
                ms(p99),
                TARGET.as_millis()
            ),
            None => "**not met**: no `{ me }` request succeeded during the storm".to_owned(),
        }
    }

    /// Successful requests per second of `tally` over a window.
    fn per_second(&self, tally: &Tally) -> f64 {
        tally.latencies.len() as f64 / self.knobs.window.as_secs_f64()
    }

    /// The throughput windows' requests per second, over all their rounds: `{ version }` with
    /// the configured log, `{ me }` with it, and `{ version }` with the quiet log.
    fn throughput_rates(&self) -> Option<(f64, f64, f64)> {
        let rate = |me: bool, log: Option<&str>| {
            let rates: Vec<f64> = self
                .measured
                .throughput
                .iter()
                .filter(|w| (w.plan.me > 0) == me && w.plan.log == log)
                .map(|w| self.per_second(w.tally()))
                .collect();
            (!rates.is_empty()).then(|| rates.iter().sum::<f64>() / rates.len() as f64)
        };
        Some((
            rate(false, None)?,
            rate(true, None)?,
            rate(false, Some(QUIET_LOG))?,
        ))
    }

    /// What the throughput windows say: `{ me }` against `{ version }`, and the log's cost.
    fn throughput_findings(&self) -> String {
        let Some((version, me, quiet)) = self.throughput_rates() else {
            return String::new();
        };
        let log = &self.measured.log;
        let share = if version > 0.0 { me / version } else { 0.0 };
        let verdict = if share >= ME_SHARE_GOAL {
            "met"
        } else {
            "not met"
        };
        let cost = if quiet > 0.0 {
            100.0 * (quiet - version) / quiet
        } else {
            0.0
        };
        format!(
            "Over the {ROUNDS} rounds:\n\n\
             - `{{ me }}` answers **{:.0} %** as many requests per second as `{{ version }}` \
             ({me:.0} against {version:.0}, both with the log at `{log}`); goal: at least {:.0} \
             %, **{verdict}**.\n\
             - The request log at `{log}` costs **{cost:.1} %** of `{{ version }}`'s requests per \
             second: {version:.0} with it, {quiet:.0} at `{QUIET_LOG}` (no line and no span per \
             request).\n",
            100.0 * share,
            100.0 * ME_SHARE_GOAL,
        )
    }

    /// The result tables, as printed and as written in BENCHMARKS.md.
    fn tables(&self) -> String {
        let mut out = String::new();
        let secs = self.knobs.window.as_secs_f64();
        out.push_str(
            "| scenario | login clients | `{ me }` clients | measured | ok | per second | p50 ms | p95 ms | p99 ms | max ms | RATE_LIMITED | other errors |\n",
        );
        out.push_str("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for window in &self.measured.windows {
            let rows: [(&str, &Tally); 2] = [("login", &window.login), ("`{ me }`", &window.me)];
            for (what, tally) in rows {
                if tally.clients == 0 {
                    continue;
                }
                let (p50, p95, p99, max) = match Summary::of(&tally.latencies) {
                    Some(s) => (ms(s.p50), ms(s.p95), ms(s.p99), ms(s.max)),
                    None => ("–".into(), "–".into(), "–".into(), "–".into()),
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {what} | {} | {:.1} | {p50} | {p95} | {p99} | {max} | {} | {} |",
                    window.plan.name,
                    window.plan.logins,
                    window.plan.me,
                    tally.latencies.len(),
                    tally.latencies.len() as f64 / secs,
                    tally.refused("RATE_LIMITED"),
                    tally.other_errors(),
                );
            }
        }
        let _ = writeln!(out, "\nTarget: {}.\n", self.verdict());
        let _ = writeln!(
            out,
            "Throughput at {CONNECTIONS} connections, each a client in a closed loop (as \
             `wrk -c {CONNECTIONS}`), `{{ me }}` with a bearer token; the three windows run \
             {ROUNDS} times, one after the other in turn:\n"
        );
        out.push_str(
            "| query | round | server log | ok | per second | p50 ms | p99 ms | max ms | errors |\n",
        );
        out.push_str("|---|---|---|---|---|---|---|---|---|\n");
        for window in &self.measured.throughput {
            let tally = window.tally();
            let (p50, p99, max) = match Summary::of(&tally.latencies) {
                Some(s) => (ms(s.p50), ms(s.p99), ms(s.max)),
                None => ("–".into(), "–".into(), "–".into()),
            };
            let query = if window.plan.me > 0 { ME } else { VERSION };
            let _ = writeln!(
                out,
                "| `{query}` | {} | `{}` | {} | {:.1} | {p50} | {p99} | {max} | {} |",
                window.plan.round,
                window.plan.log.unwrap_or(&self.measured.log),
                tally.latencies.len(),
                self.per_second(tally),
                tally.refused.values().sum::<u64>() + tally.lost,
            );
        }
        out.push('\n');
        out.push_str(&self.throughput_findings());
        out.push_str("\nWhat the server went through in each window:\n\n");
        out.push_str(
            "| scenario | runtime wake-up lateness p50 ms | p99 ms | max ms | pool connections in use (most) | tasks waiting for a connection (most) | time with a task waiting |\n",
        );
        out.push_str("|---|---|---|---|---|---|---|\n");
        for window in self
            .measured
            .windows
            .iter()
            .chain(&self.measured.throughput)
        {
            let (p50, p99, max) = match Summary::of(&window.probe.lateness) {
                Some(s) => (ms(s.p50), ms(s.p99), ms(s.max)),
                None => ("–".into(), "–".into(), "–".into()),
            };
            let _ = writeln!(
                out,
                "| {} | {p50} | {p99} | {max} | {} of {} | {} | {:.0} % |",
                window.plan.name,
                window.probe.pool_in_use,
                self.measured.pool_size,
                window.probe.pool_waiting,
                100.0 * window.probe.ticks_waiting as f64
                    / window.probe.lateness.len().max(1) as f64,
            );
        }
        out
    }

    /// This bench's section of BENCHMARKS.md, without its markers.
    fn render(&self) -> String {
        let m = &self.machine;
        let measured = &self.measured;
        let secs = self.knobs.window.as_secs();
        let mut out = String::new();
        out.push_str("## Login, `{ me }` and throughput\n\n");
        out.push_str(
            "Written by `cargo bench --bench login` (`benches/login.rs`); every run replaces \
             this section. Rerun it on a quiet machine:\n\n```sh\ncargo bench --bench login\n```\n\n",
        );
        let _ = writeln!(
            out,
            "The bench starts PostgreSQL (the one at `DATABASE_URL`, an admin URL, or a throwaway \
             cluster), migrates a fresh database, serves the real router in-process on a loopback \
             port with default settings (pool of {pool}, log filter `{log}`, the log written to a \
             file), creates {accounts} ACTIVE accounts and drives the server over HTTP/1.1 \
             keep-alive connections from a client thread of its own, which shares the machine's \
             cores with the server. Each window lasts {secs} s (`ROLLCALL_BENCH_SECONDS`); every \
             client runs a closed loop (send, wait for the answer, send again). Login clients \
             sign in with the right password, each with its own account; `{{ me }}` clients send \
             `{ME}` with the access token of one more account; latencies are of successful \
             requests finished within the window; errors are counted by `extensions.code`.\n",
            pool = measured.pool_size,
            log = measured.log,
            accounts = STORM + 1,
        );
        out.push_str("### Machine\n\n| | |\n|---|---|\n");
        let _ = writeln!(
            out,
            "| date (UTC) | {} |",
            chrono::Utc::now().format("%Y-%m-%d %H:%M")
        );
        let _ = writeln!(out, "| CPU | {} |", m.cpu);
        let _ = writeln!(out, "| cores (`nproc`) | {} |", m.cores);
        let _ = writeln!(out, "| memory | {} |", m.memory);
        let _ = writeln!(out, "| kernel (`uname -r`) | {} |", m.kernel);
        let _ = writeln!(out, "| PostgreSQL | {} |", m.postgres);
        let _ = writeln!(out, "| database | {} |", self.database_kind);
        let _ = writeln!(out, "| rustc | {} |", m.rustc);
        let _ = writeln!(
            out,
            "| login clients connect from | {} |",
            if self.knobs.spread {
                "an address each, 127.0.0.2 and up (`ROLLCALL_BENCH_SPREAD_ADDRESSES=1`)"
            } else {
                "127.0.0.1, all of them: every sign-in takes the same per-address lock (the worst case)"
            }
        );
        let _ = writeln!(
            out,
            "| argon2 | `{}` (m = 19456 KiB, t = 2, p = 1), one hash per core at a time, at most 64 waiting |",
            measured.argon2
        );
        let _ = writeln!(
            out,
            "| server runtime | Tokio multi-threaded, {} workers (one per core, as `rollcall serve`) |",
            m.cores
        );
        let _ = writeln!(
            out,
            "| load average (1 min) | {:.2} when the bench started; {:.2} when measuring began{}; {:.2} at the end (the bench's own load included) |",
            self.load_at_start,
            measured.load_measuring,
            if measured.waited < LOAD_POLL {
                String::new()
            } else {
                format!(
                    " (after waiting {} s for it to fall below {QUIET_LOAD:.1})",
                    measured.waited.as_secs()
                )
            },
            measured.load_after,
        );
        out.push_str("\n### Results\n\n");
        out.push_str(&self.tables());
        out.push_str(
            "\nThe wake-up lateness is how much later than asked a task on the server's runtime \
             woke from a 2 ms sleep: how long a ready task waited for a worker thread, and that \
             thread for a core. The pool columns are sampled at the same 2 ms ticks; their \
             \"most\" includes the start of each window, when every client sends at once. In the \
             storm window the `{ me }` clients take CPU time from hashing, so it completes fewer \
             logins than the login-only window with the same 32 sign-ins always in flight.\n",
        );
        out
    }
}
