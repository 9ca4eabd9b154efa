//! `cargo bench --bench workforce`: the workforce area under load, over real HTTP and WebSocket
//! on loopback against the real server, with a company of 1,000 employees who have 200 work
//! sessions each. It measures, at 32 connections each a client in a closed loop:
//!
//! - (a) one employee by id (a different one each request);
//! - (b) a nested page: 50 employees with their account, company, open session and 20 sessions;
//! - (c) clock-in and clock-out pairs, each client clocking its own employee;
//!
//! then how fast one clock-in reaches 1,000 WebSocket subscribers (`clockEvents`), how much
//! memory the server holds for 10,000 idle subscriptions, and the same SQL as (a) and (b) run
//! by `pgbench`, the ceiling the database sets. Writes its own section of `BENCHMARKS.md`
//! (between `<!-- bench:workforce -->` and `<!-- /bench:workforce -->`) and prints its tables.
//!
//! PostgreSQL, the server (in this process, with default settings but for the connection cap),
//! the clients (on a thread and a runtime of their own) and the knobs (`ROLLCALL_BENCH_SECONDS`,
//! `ROLLCALL_BENCH_LOAD_WAIT`, `DATABASE_URL`) are as in `benches/login.rs`; what the benches
//! share is in `common/mod.rs`. The 10,000 idle subscribers run in a child process (this bench
//! again, told so by `ROLLCALL_BENCH_IDLE_CLIENTS`): their sockets then count against the
//! child's open-file limit, not the server's, and the server's memory is measured without them.
//! `pgbench` is looked for in `ROLLCALL_BENCH_PGBENCH`, beside the embedded cluster's binaries,
//! in `pg_config --bindir`, on `PATH` and in `/usr/lib/postgresql/*/bin`.
//! `ROLLCALL_BENCH_ONLY=a,pgbench` (say) runs only those parts and leaves `BENCHMARKS.md` as it
//! is, to profile one part.

mod common;

/// The allocator `rollcall` runs with (`src/main.rs`), so that the server measured here is that one.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use axum::body::Body;
use common::{
    Connection, Machine, Outline, Postgres, Probe, Response, SETTLE, Server, Summary, Tally,
    client, ms, on_client_thread, post_request,
};
use diesel::connection::InstrumentationEvent;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use futures_util::{SinkExt, StreamExt};
use http_body_util::BodyExt;
use rollcall::accounts::model::NewUser;
use rollcall::accounts::queries;
use rollcall::app::App;
use rollcall::auth::identity::{AccountStatus, Role};
use rollcall::config::{Config, Settings};
use rollcall::db::schema::{companies, employees};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tower::ServiceExt;

/// The password of the owner account the bench queries as.
const PASSWORD: &str = "correct horse battery staple";
const OWNER: &str = "bench-owner";
const EMPLOYEES: usize = 1_000;
const SESSIONS_PER_EMPLOYEE: usize = 200;
/// Connections of the throughput windows, each a client in a closed loop (as `wrk -c 32`).
const CONNECTIONS: usize = 32;
/// Subscribers a clock-in is fanned out to.
const FAN_OUT_SUBSCRIBERS: usize = 1_000;
/// Clock-ins whose delivery is timed, one at a time.
const FAN_OUT_CLOCKS: usize = 20;
/// Time between two timed clock-ins: each is delivered to everyone before the next.
const FAN_OUT_SPACING: Duration = Duration::from_millis(500);
/// How long after the last timed clock-in late deliveries are still waited for.
const FAN_OUT_GRACE: Duration = Duration::from_secs(5);
/// Subscriptions opened and left idle to measure the server's memory.
const IDLE_SUBSCRIPTIONS: usize = 10_000;
/// Sockets opened at once, at most, while the subscribers connect.
const OPEN_BATCH: usize = 250;
/// The server's connection cap (`ROLLCALL_MAX_CONNECTIONS`): room for every socket at once.
const MAX_CONNECTIONS: usize = 16_384;
/// The read buffer of each client socket (tungstenite's default is 128 KiB, zeroed on first use).
const CLIENT_READ_BUFFER: usize = 4 * 1024;
/// Longest wait for a subscriber to connect, or for a reply on its socket.
const SOCKET_LIMIT: Duration = Duration::from_secs(60);
/// Longest wait for every idle subscriber to receive the event that checks it is live.
const DELIVERY_LIMIT: Duration = Duration::from_secs(30);
/// Where this bench's section of `BENCHMARKS.md` begins and ends.
const SECTION_BEGIN: &str = "<!-- bench:workforce -->";
const SECTION_END: &str = "<!-- /bench:workforce -->";
/// Set (to anything) in the child process that holds the idle subscriptions.
const CHILD_ROLE: &str = "ROLLCALL_BENCH_IDLE_CLIENTS";

/// The targets.
const READ_TARGET: f64 = 10_900.0;
const NESTED_TARGET: f64 = 500.0;
/// (b)'s p99 may be at most this many times its p50.
const NESTED_SPREAD: f64 = 4.0;
const FAN_OUT_TARGET: Duration = Duration::from_millis(100);
const IDLE_MEMORY_TARGET: u64 = 200 * 1024 * 1024;

const READ: &str = "query ($id: ID!) { employee(id: $id) { id name annualHours } }";
const NESTED: &str = "{ employees(first: 50) { nodes { id name user { id } company { id } \
                      currentSession { id } sessions(first: 20) { nodes { id start end } } } } }";
/// (b) at the largest round page of employees whose complexity (20 × 90 + 1 = 1,801) the
/// server's limit of 2,000 admits, with the same 20 sessions each.
const NESTED_ADMITTED: &str = "{ employees(first: 20) { nodes { id name user { id } company { id } \
                               currentSession { id } sessions(first: 20) { nodes { id start end } } } } }";
const CLOCK_IN: &str = "mutation ($e: ID!) { clockIn(input: {employeeId: $e}) { id start } }";
const CLOCK_OUT: &str = "mutation ($e: ID!) { clockOut(input: {employeeId: $e}) { id end } }";
const CLOCK_EVENTS: &str =
    "subscription ($c: ID!) { clockEvents(companyId: $c) { kind sessionId at } }";
/// The WebSocket subprotocol the server speaks.
const WS_PROTOCOL: &str = "graphql-transport-ws";

fn main() -> ExitCode {
    let outcome = if std::env::var_os(CHILD_ROLE).is_some() {
        idle_child()
    } else {
        bench()
    };
    match outcome {
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
    /// `ROLLCALL_BENCH_ONLY`: the parts to run (`idle`, `fan-out`, `a`, `b`, `b-admitted`, `c`,
    /// `pgbench`, comma-separated), all when unset. A partial run only prints what it measured
    /// and leaves `BENCHMARKS.md` as it is: it serves profiling one part.
    only: Option<Vec<String>>,
}

impl Knobs {
    fn runs(&self, part: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.iter().any(|p| p == part))
    }
}

fn bench() -> anyhow::Result<()> {
    let started = Instant::now();
    let (window, load_wait) = common::window_and_load_wait()?;
    let only = std::env::var("ROLLCALL_BENCH_ONLY").ok().map(|only| {
        only.split(',')
            .map(|part| part.trim().to_owned())
            .filter(|part| !part.is_empty())
            .collect()
    });
    let knobs = Knobs {
        window,
        load_wait,
        only,
    };
    let open_files = raise_open_files()?;
    let load_at_start = common::load_average();
    let postgres = Postgres::start()?;
    let pgbench = find_pgbench(postgres.embedded_bindir());
    let runtime = common::server_runtime()?;
    let outcome = runtime.block_on(common::on_fresh_database(
        &postgres.admin_url,
        async |url: &str| serve_and_measure(url, &knobs, pgbench.as_deref()).await,
    ));
    runtime.shutdown_timeout(Duration::from_secs(5));
    let database_kind = postgres.kind.clone();
    drop(postgres);
    let measured = outcome?;
    let report = Report {
        machine: Machine::read(measured.postgres_version.clone()),
        knobs,
        database_kind,
        load_at_start,
        open_files,
        pgbench,
        elapsed: started.elapsed(),
        measured,
    };
    println!("{}", report.results());
    if report.knobs.only.is_none() {
        let path = common::write_section(SECTION_BEGIN, SECTION_END, &report.render())?;
        println!("written to {}", path.display());
    } else {
        for ceiling in &report.measured.ceilings {
            if let Some(script) = &ceiling.script {
                println!("{}:\n{script}", ceiling.plan.label());
            }
        }
        println!("a partial run (ROLLCALL_BENCH_ONLY): BENCHMARKS.md left as it is");
    }
    Ok(())
}

/// Raises this process's soft limit on open files to its hard limit (children inherit it);
/// answers the soft limit before and the limit now.
fn raise_open_files() -> anyhow::Result<(u64, u64)> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE)?;
    if soft < hard {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard)
            .context("cannot raise the open-file limit")?;
    }
    Ok((soft, hard))
}

/// Everything measured, and what it was measured with.
struct Measured {
    postgres_version: String,
    /// The PostgreSQL settings that weigh on these numbers.
    postgres_settings: String,
    pool_size: usize,
    max_connections: usize,
    log: String,
    seeding: Duration,
    /// The load average when measuring began, after `waited`, and at the end.
    load_measuring: f64,
    waited: Duration,
    load_after: f64,
    idle: Option<Idle>,
    fan_out: Option<FanOut>,
    windows: Vec<Window>,
    ceilings: Vec<Ceiling>,
}

/// Starts the server as `serve` does (default settings, but room for every socket), measures,
/// and shuts it down.
async fn serve_and_measure(
    url: &str,
    knobs: &Knobs,
    pgbench: Option<&Path>,
) -> anyhow::Result<Measured> {
    let mut settings = common::default_settings()?;
    settings.max_connections = settings.max_connections.max(MAX_CONNECTIONS);
    let server = Server::start(url, settings.clone()).await?;
    let measured = measure(&server, url, settings, knobs, pgbench).await;
    server.stop().await;
    measured
}

/// Seeds the company, captures the SQL of each query, waits for a quiet machine, then measures
/// the idle subscriptions, the fan-out, the windows and the ceilings, in this order (the memory
/// first, while the allocator holds little that freed memory could hide growth in).
async fn measure(
    server: &Server,
    url: &str,
    settings: Settings,
    knobs: &Knobs,
    pgbench: Option<&Path>,
) -> anyhow::Result<Measured> {
    let (app, addr) = (&server.app, server.addr);
    let postgres_version = common::postgres_version(app).await?;
    let postgres_settings = postgres_settings(url).await?;
    eprintln!("seeding {EMPLOYEES} employees × {SESSIONS_PER_EMPLOYEE} sessions");
    let seeding = Instant::now();
    let company = seed(url).await?;
    let seeding = seeding.elapsed();
    create_owner(app).await?;
    let token = sign_in(addr).await?;
    eprintln!("capturing the SQL of each query");
    let captures = capture(url, settings, &token, &company).await?;

    let waited = common::wait_for_quiet(knobs.load_wait).await;
    let load_measuring = common::load_average();

    let mut idle = None;
    if knobs.runs("idle") {
        idle = Some(idle_subscriptions(server, &company).await?);
        tokio::time::sleep(SETTLE).await;
    }
    let mut fanned = None;
    if knobs.runs("fan-out") {
        fanned = Some(fan_out(addr, &company).await?);
        tokio::time::sleep(SETTLE).await;
    }
    let mut windows = Vec::new();
    let mut ceilings = Vec::new();
    for (plan, capture) in [Plan::Read, Plan::Nested, Plan::NestedAdmitted]
        .into_iter()
        .zip(&captures)
    {
        if knobs.runs(plan.part()) {
            windows.push(run_window(server, plan, &company, knobs.window).await?);
            tokio::time::sleep(SETTLE).await;
        }
        if knobs.runs("pgbench") {
            ceilings.push(ceiling(pgbench, url, plan, capture, &company, knobs.window).await);
            tokio::time::sleep(SETTLE).await;
        }
    }
    if knobs.runs(Plan::Clock.part()) {
        windows.push(run_window(server, Plan::Clock, &company, knobs.window).await?);
    }
    Ok(Measured {
        postgres_version,
        postgres_settings,
        pool_size: app.config.settings.pool_size,
        max_connections: app.config.settings.max_connections,
        log: server.log.configured.clone(),
        seeding,
        load_measuring,
        waited,
        load_after: common::load_average(),
        idle,
        fan_out: fanned,
        windows,
        ceilings,
    })
}

/// `name = value` for the server settings that weigh on these numbers.
async fn postgres_settings(url: &str) -> anyhow::Result<String> {
    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        setting: String,
    }
    let mut conn = AsyncPgConnection::establish(url).await?;
    let settings: Vec<Setting> = diesel::sql_query(
        "SELECT name, current_setting(name) AS setting FROM pg_settings WHERE name IN \
         ('max_connections', 'shared_buffers', 'fsync', 'synchronous_commit', 'jit') ORDER BY name",
    )
    .load(&mut conn)
    .await?;
    Ok(settings
        .iter()
        .map(|s| format!("`{} = {}`", s.name, s.setting))
        .collect::<Vec<_>>()
        .join(", "))
}

// The data -------------------------------------------------------------------------------------

/// The seeded company and its employees, by id.
struct Company {
    id: i64,
    employees: Vec<i64>,
}

impl Company {
    /// The employees clocked in the throughput window, one per client.
    fn clocking(&self) -> &[i64] {
        &self.employees[..CONNECTIONS]
    }

    /// The employees whose clock-ins are fanned out.
    fn fanned_out(&self) -> &[i64] {
        let end = self.employees.len() - 2;
        &self.employees[end - FAN_OUT_CLOCKS..end]
    }

    /// The employee clocked in to check that every subscriber of a batch is live.
    fn check(&self) -> i64 {
        self.employees[self.employees.len() - 1]
    }

    /// The employee the SQL of (a) was captured with.
    fn captured(&self) -> i64 {
        self.employees[self.employees.len() / 2]
    }
}

/// The company, its members and employees, and their past sessions, written in one transaction.
/// The sessions are closed, one a day over the past [`SESSIONS_PER_EMPLOYEE`] days, 7 to 9 hours
/// long; the trigger that records each change and announces it live is off while they are
/// written, as these are history, not changes happening now.
fn seed_sql() -> String {
    format!(
        "BEGIN;
         INSERT INTO companies (name, time_zone) VALUES ('Bench Company', 'Europe/Madrid');
         INSERT INTO users (email, username, name, role, status, confirmed_at)
             SELECT format('staff%s@example.com', i), format('staff%s', i), format('Staff %s', i),
                    'EMPLOYEE', 'ACTIVE', now()
             FROM generate_series(1, {EMPLOYEES}) AS i;
         INSERT INTO company_members (company_id, user_id)
             SELECT c.id, u.id FROM companies c JOIN users u ON u.username LIKE 'staff%'
             WHERE c.name = 'Bench Company';
         INSERT INTO employees (company_id, name, email, annual_hours, user_id)
             SELECT c.id, format('Employee %s', lpad(i::text, 4, '0')), u.email,
                    1600 + 40 * (i % 5), u.id
             FROM generate_series(1, {EMPLOYEES}) AS i
             JOIN users u ON u.username = format('staff%s', i)
             CROSS JOIN companies c WHERE c.name = 'Bench Company'
             ORDER BY i;
         ALTER TABLE work_sessions DISABLE TRIGGER work_sessions_changed;
         INSERT INTO work_sessions (employee_id, started_at, ended_at, source, created_by)
             SELECT e.id, s.start, s.start + interval '7 hours' + (e.id * d % 120) * interval '1 minute',
                    'CLOCK', e.user_id
             FROM employees e
             CROSS JOIN generate_series(1, {SESSIONS_PER_EMPLOYEE}) AS d
             CROSS JOIN LATERAL (SELECT date_trunc('day', now()) - d * interval '1 day'
                 + interval '7 hours' + (e.id % 60) * interval '1 minute' AS start) s;
         ALTER TABLE work_sessions ENABLE TRIGGER work_sessions_changed;
         COMMIT;"
    )
}

/// Seeds the database at `url` on a connection of its own (the pool's have a statement
/// timeout), then vacuums and analyses it, as autovacuum would have by then.
async fn seed(url: &str) -> anyhow::Result<Company> {
    let mut conn = AsyncPgConnection::establish(url).await?;
    conn.batch_execute(&seed_sql())
        .await
        .context("cannot seed")?;
    conn.batch_execute("VACUUM ANALYZE").await?;
    let id: i64 = companies::table
        .filter(companies::name.eq("Bench Company"))
        .select(companies::id)
        .first(&mut conn)
        .await?;
    let employees: Vec<i64> = employees::table
        .filter(employees::company_id.eq(id))
        .order(employees::id)
        .select(employees::id)
        .load(&mut conn)
        .await?;
    if employees.len() != EMPLOYEES {
        bail!("seeded {} employees, not {EMPLOYEES}", employees.len());
    }
    Ok(Company { id, employees })
}

/// The owner account the bench queries as: owners reach every company.
async fn create_owner(app: &App) -> anyhow::Result<()> {
    let hash = app
        .hasher
        .hash(PASSWORD.to_owned())
        .await
        .map_err(|err| anyhow!("cannot hash: {err}"))?;
    let mut conn = app.pool.get().await?;
    queries::insert_user(
        &mut conn,
        &NewUser {
            email: "bench-owner@example.com",
            username: OWNER,
            name: "Bench Owner",
            password_hash: &hash,
            role: Role::Owner,
            status: AccountStatus::Active,
        },
    )
    .await?;
    Ok(())
}

/// Signs the owner in through the API; answers a fresh access token (they last 15 minutes).
async fn sign_in(addr: SocketAddr) -> anyhow::Result<String> {
    on_client_thread(move || common::sign_in(addr, OWNER.to_owned(), PASSWORD.to_owned())).await?
}

/// `{"query": ..., "variables": ...}`.
fn graphql_body(query: &str, variables: Value) -> Value {
    json!({ "query": query, "variables": variables })
}

// The windows ----------------------------------------------------------------------------------

/// What a throughput window sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    /// (a) one employee by id, each client going round all the employees.
    Read,
    /// (b) the nested page.
    Nested,
    /// (b) with 20 employees, within the complexity limit.
    NestedAdmitted,
    /// (c) clock-in then clock-out, each client its own employee.
    Clock,
}

impl Plan {
    fn label(self) -> &'static str {
        match self {
            Self::Read => "(a) one employee by id",
            Self::Nested => "(b) nested page, 50 employees × 20 sessions",
            Self::NestedAdmitted => "(b′) nested page, 20 employees × 20 sessions",
            Self::Clock => "(c) clock-in / clock-out pairs",
        }
    }

    /// Its name in `ROLLCALL_BENCH_ONLY`.
    fn part(self) -> &'static str {
        match self {
            Self::Read => "a",
            Self::Nested => "b",
            Self::NestedAdmitted => "b-admitted",
            Self::Clock => "c",
        }
    }

    /// The body of one request of the plan.
    fn body(self, company: &Company) -> Value {
        match self {
            Self::Read => graphql_body(READ, json!({ "id": company.captured().to_string() })),
            Self::Nested => graphql_body(NESTED, json!({})),
            Self::NestedAdmitted => graphql_body(NESTED_ADMITTED, json!({})),
            Self::Clock => {
                graphql_body(CLOCK_IN, json!({ "e": company.clocking()[0].to_string() }))
            }
        }
    }

    /// The requests client `i` sends round and round, and where it starts.
    fn requests(
        self,
        addr: SocketAddr,
        token: &str,
        company: &Company,
        i: usize,
    ) -> (Arc<[Vec<u8>]>, usize) {
        let request = |query: &str, variables: Value| {
            post_request(addr, &graphql_body(query, variables), Some(token))
        };
        match self {
            Self::Read => {
                let all: Vec<Vec<u8>> = company
                    .employees
                    .iter()
                    .map(|id| request(READ, json!({ "id": id.to_string() })))
                    .collect();
                // Spread over the employees, so that clients ask for different ones.
                (Arc::from(all), i * EMPLOYEES / CONNECTIONS)
            }
            Self::Nested => (Arc::from(vec![request(NESTED, json!({}))]), 0),
            Self::NestedAdmitted => (Arc::from(vec![request(NESTED_ADMITTED, json!({}))]), 0),
            Self::Clock => {
                let employee = json!({ "e": company.clocking()[i].to_string() });
                let pair = vec![
                    request(CLOCK_IN, employee.clone()),
                    request(CLOCK_OUT, employee),
                ];
                (Arc::from(pair), 0)
            }
        }
    }
}

/// `None` for an answer with data and no error, else its error code (`NULL` for a field that
/// answered null, such as an employee not found).
fn judge(response: &Response) -> Option<String> {
    let Some(outline) = Outline::read(&response.body) else {
        return Some(format!("HTTP {}", response.status));
    };
    if outline.is_complete() {
        return None;
    }
    if !outline.errors && outline.nulls.is_some() {
        return Some("NULL".to_owned());
    }
    let body: Option<Value> = serde_json::from_slice(&response.body).ok();
    Some(common::error_code(response, body.as_ref()))
}

/// What one window measured.
struct Window {
    plan: Plan,
    tally: Tally,
    probe: Probe,
}

/// Runs `plan` on [`CONNECTIONS`] clients for `length` while probing the server.
async fn run_window(
    server: &Server,
    plan: Plan,
    company: &Company,
    length: Duration,
) -> anyhow::Result<Window> {
    eprintln!("measuring: {} ({} s)", plan.label(), length.as_secs());
    let addr = server.addr;
    let token = sign_in(addr).await?;
    let clients: Vec<(Arc<[Vec<u8>]>, usize)> = (0..CONNECTIONS)
        .map(|i| plan.requests(addr, &token, company, i))
        .collect();
    let deadline = Instant::now() + length;
    let probe = tokio::spawn(common::probe(server.app.clone(), deadline));
    let tally = on_client_thread(move || async move {
        let mut set = tokio::task::JoinSet::new();
        for (requests, first) in clients {
            set.spawn(client(addr, None, requests, first, judge, deadline));
        }
        let mut tally = Tally::default();
        while let Some(outcome) = set.join_next().await {
            tally.merge(outcome?);
        }
        anyhow::Ok(tally)
    })
    .await??;
    let probe = probe.await?;
    Ok(Window { plan, tally, probe })
}

// The SQL of each query, and pgbench -------------------------------------------------------------

/// One SQL statement as the server sent it, with its bind values as text (`None` for NULL).
#[derive(Debug, Clone)]
struct Statement {
    sql: String,
    binds: Vec<Option<String>>,
}

/// What the server ran for one request.
struct Capture {
    /// The SELECT statements, in order (a session's rare `last_seen_at` update is left out).
    statements: Vec<Statement>,
    /// The request's errors, if it had any.
    errors: Option<String>,
}

/// The SQL each of (a), (b) and (b′) runs, captured from a second instance of the server on the
/// same database with a pool of one connection whose statements are recorded (diesel's
/// instrumentation: each statement's text and binds as `debug_query` shows them).
async fn capture(
    url: &str,
    mut settings: Settings,
    token: &str,
    company: &Company,
) -> anyhow::Result<Vec<Capture>> {
    settings.pool_size = 1;
    let config = Config {
        settings,
        database_url: None,
        jwt_secret: None,
        jwt_previous_secret: None,
        data_key: None,
        smtp_url: None,
    };
    let app = App::new(config, url).await?;
    let recorded: Arc<Mutex<Vec<String>>> = Arc::default();
    {
        let sink = recorded.clone();
        let mut conn = app.pool.get().await?;
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::StartQuery { query, .. } = event
                && let Ok(mut recorded) = sink.lock()
            {
                recorded.push(query.to_string());
            }
        });
    }
    let router = rollcall::schema::router(app.clone());
    let mut captures = Vec::new();
    for plan in [Plan::Read, Plan::Nested, Plan::NestedAdmitted] {
        if let Ok(mut recorded) = recorded.lock() {
            recorded.clear();
        }
        let request = axum::http::Request::post("/graphql")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::from(plan.body(company).to_string()))?;
        let response = router.clone().oneshot(request).await?;
        let body = response.into_body().collect().await?.to_bytes();
        let body: Value = serde_json::from_slice(&body)?;
        let errors = body.get("errors").map(Value::to_string);
        let recorded = recorded
            .lock()
            .map_err(|_| anyhow!("the statement recorder panicked"))?
            .clone();
        let statements = recorded
            .iter()
            .filter_map(|text| Statement::parse(text))
            .filter(|statement| statement.sql.trim_start().starts_with("SELECT"))
            .collect();
        captures.push(Capture { statements, errors });
    }
    Ok(captures)
}

impl Statement {
    /// Reads `SQL -- binds: [..]`, as diesel's `debug_query` shows a statement.
    fn parse(text: &str) -> Option<Self> {
        let (sql, binds) = text.rsplit_once(" -- binds: ")?;
        let binds = binds.trim();
        let inner = binds.strip_prefix('[')?.strip_suffix(']')?;
        Some(Self {
            sql: sql.split_whitespace().collect::<Vec<_>>().join(" "),
            binds: split_list(inner)
                .iter()
                .map(|bind| bind_text(bind))
                .collect(),
        })
    }
}

/// The items of a `Debug` list's inside, split at the commas outside brackets and quotes.
fn split_list(inner: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut quoted, mut escaped, mut start) = (0i32, false, false, 0);
    for (i, c) in inner.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '[' | '(' | '{' if !quoted => depth += 1,
            ']' | ')' | '}' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                items.push(inner[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = inner[start..].trim();
    if !last.is_empty() {
        items.push(last);
    }
    items
}

/// A bind value as PostgreSQL reads it in text, from its `Debug` form: `None` is NULL,
/// `Some(x)` and newtypes such as `EmployeeId(5)` are their inside, a list is an array, a
/// quoted string its text.
fn bind_text(debug: &str) -> Option<String> {
    let debug = debug.trim();
    if debug == "None" {
        return None;
    }
    if let Some(inner) = debug.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        let items: Vec<String> = split_list(inner)
            .iter()
            .map(|item| bind_text(item).unwrap_or_else(|| "NULL".to_owned()))
            .collect();
        return Some(format!("{{{}}}", items.join(",")));
    }
    if let Some(inner) = debug.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        return Some(inner.replace("\\\"", "\"").replace("\\\\", "\\"));
    }
    if let Some(open) = debug.find('(')
        && debug.ends_with(')')
        && debug[..open]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return bind_text(&debug[open + 1..debug.len() - 1]);
    }
    Some(debug.to_owned())
}

/// A pgbench script: one line per statement, its binds as `-D` variables.
struct Script {
    text: String,
    variables: Vec<(String, String)>,
}

/// The script of `statements`: `$n` becomes the variable `:sKpN` (or `NULL`), except in (a),
/// where the employee's id becomes `:id`, drawn at random among the employees.
fn script(plan: Plan, statements: &[Statement], company: &Company) -> Script {
    let mut text = String::new();
    let mut variables = Vec::new();
    if plan == Plan::Read {
        let (first, last) = (company.employees[0], company.employees[EMPLOYEES - 1]);
        let _ = writeln!(text, "\\set id random({first}, {last})");
    }
    let employee = company.captured().to_string();
    for (k, statement) in statements.iter().enumerate() {
        let mut sql = statement.sql.clone();
        // From the highest, so that $1 does not eat the start of $12.
        for (n, bind) in statement.binds.iter().enumerate().rev() {
            let placeholder = format!("${}", n + 1);
            let replacement = match bind {
                None => "NULL".to_owned(),
                Some(value)
                    if plan == Plan::Read
                        && *value == employee
                        && statement.sql.contains("\"employees\"") =>
                {
                    ":id".to_owned()
                }
                // pgbench takes no empty `-D` value.
                Some(value) if value.is_empty() => "''".to_owned(),
                Some(value) => {
                    let name = format!("s{}p{}", k + 1, n + 1);
                    variables.push((name.clone(), value.clone()));
                    format!(":{name}")
                }
            };
            sql = sql.replace(&placeholder, &replacement);
        }
        let _ = writeln!(text, "{};", sql.trim_end_matches(';'));
    }
    Script { text, variables }
}

/// What pgbench measured for one script.
struct Ceiling {
    plan: Plan,
    statements: usize,
    script: Option<String>,
    outcome: Result<Pgbench, String>,
}

struct Pgbench {
    tps: f64,
    latency_ms: Option<f64>,
    /// Each statement's average latency in ms (`pgbench -r`), in the script's order.
    statements: Vec<f64>,
}

/// Runs the statements of `capture` through pgbench for `length` at [`CONNECTIONS`] clients.
async fn ceiling(
    pgbench: Option<&Path>,
    url: &str,
    plan: Plan,
    capture: &Capture,
    company: &Company,
    length: Duration,
) -> Ceiling {
    let mut result = Ceiling {
        plan,
        statements: capture.statements.len(),
        script: None,
        outcome: Err(String::new()),
    };
    if let Some(errors) = &capture.errors {
        result.statements = 0;
        result.outcome = Err(format!("the server refuses the query: {errors}"));
        return result;
    }
    let script = script(plan, &capture.statements, company);
    result.script = Some(script.text.clone());
    let Some(pgbench) = pgbench else {
        result.outcome = Err("pgbench not found".to_owned());
        return result;
    };
    eprintln!(
        "measuring: pgbench, {} ({} s)",
        plan.label(),
        length.as_secs()
    );
    result.outcome = run_pgbench(pgbench, url, &script, length)
        .await
        .map_err(|err| format!("{err:#}"));
    result
}

async fn run_pgbench(
    pgbench: &Path,
    url: &str,
    script: &Script,
    length: Duration,
) -> anyhow::Result<Pgbench> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("script.sql");
    std::fs::write(&file, &script.text)?;
    let (url, password) = without_password(url);
    let mut command = tokio::process::Command::new(pgbench);
    command
        .args(["-n", "-r", "-M", "prepared", "-j", "2"])
        .arg("-c")
        .arg(CONNECTIONS.to_string())
        .arg("-T")
        .arg(length.as_secs().to_string())
        .arg("-f")
        .arg(&file);
    for (name, value) in &script.variables {
        command.arg("-D").arg(format!("{name}={value}"));
    }
    command.arg(url);
    // Not on the command line, where process lists show it.
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let output = command.output().await.context("cannot run pgbench")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "pgbench failed: {}{}",
            String::from_utf8_lossy(&output.stderr).trim(),
            stdout.trim()
        );
    }
    let number = |prefix: &str| -> Option<f64> {
        stdout
            .lines()
            .find_map(|line| line.trim().strip_prefix(prefix))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|number| number.parse().ok())
    };
    Ok(Pgbench {
        tps: number("tps = ").ok_or_else(|| anyhow!("no tps in pgbench's output: {stdout}"))?,
        latency_ms: number("latency average = "),
        // `  0.652  0  SELECT ...` per command; meta-commands (`\set`) are left out.
        statements: stdout
            .lines()
            .skip_while(|line| !line.contains("statement latencies"))
            .skip(1)
            .filter_map(|line| {
                let mut words = line.split_whitespace();
                let latency = words.next()?.parse().ok()?;
                let command = words.nth(1)?;
                (!command.starts_with('\\')).then_some(latency)
            })
            .collect(),
    })
}

/// `postgres://user:password@host/db` as `postgres://user@host/db` and the password (percent
/// decoded), if it has one.
fn without_password(url: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_owned(), None);
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return (url.to_owned(), None);
    };
    let Some((user, password)) = userinfo.split_once(':') else {
        return (url.to_owned(), None);
    };
    (
        format!("{scheme}://{user}@{host}{path}"),
        Some(percent_decode(password)),
    )
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The pgbench binary: `ROLLCALL_BENCH_PGBENCH`, beside the embedded cluster's binaries, in
/// `pg_config --bindir`, on `PATH`, or the newest in `/usr/lib/postgresql/*/bin`.
fn find_pgbench(embedded: Option<PathBuf>) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ROLLCALL_BENCH_PGBENCH") {
        return Some(PathBuf::from(path));
    }
    let pg_config = std::process::Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()));
    let path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default();
    let mut versioned: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|entry| {
                    let major = entry.file_name().to_str()?.parse().ok()?;
                    Some((major, entry.path().join("bin")))
                })
                .collect()
        })
        .unwrap_or_default();
    versioned.sort();
    embedded
        .into_iter()
        .chain(pg_config)
        .chain(path)
        .chain(versioned.into_iter().rev().map(|(_, dir)| dir))
        .map(|dir| dir.join("pgbench"))
        .find(|candidate| candidate.is_file())
}

// WebSocket subscribers -------------------------------------------------------------------------

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens a socket, signs it in with `token`, subscribes to the company's clock events and waits
/// for the answer to a ping sent after the subscription.
async fn subscribe(addr: SocketAddr, token: &str, company: i64) -> anyhow::Result<Socket> {
    let mut request = format!("ws://{addr}/graphql/ws").into_client_request()?;
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static(WS_PROTOCOL),
    );
    let config = WebSocketConfig::default().read_buffer_size(CLIENT_READ_BUFFER);
    let (mut socket, _) =
        tokio_tungstenite::connect_async_with_config(request, Some(config), true).await?;
    let init = json!({
        "type": "connection_init",
        "payload": { "authorization": format!("Bearer {token}") },
    });
    socket.send(Message::text(init.to_string())).await?;
    expect(&mut socket, "connection_ack").await?;
    let subscribe = json!({
        "id": "1",
        "type": "subscribe",
        "payload": { "query": CLOCK_EVENTS, "variables": { "c": company.to_string() } },
    });
    socket.send(Message::text(subscribe.to_string())).await?;
    socket
        .send(Message::text(json!({ "type": "ping" }).to_string()))
        .await?;
    expect(&mut socket, "pong").await?;
    Ok(socket)
}

/// Reads messages until one of type `kind`; any other protocol message but `ping` fails.
async fn expect(socket: &mut Socket, kind: &str) -> anyhow::Result<()> {
    loop {
        let message = tokio::time::timeout(SOCKET_LIMIT, socket.next())
            .await
            .map_err(|_| anyhow!("no {kind} within {} s", SOCKET_LIMIT.as_secs()))?
            .ok_or_else(|| anyhow!("the socket closed before {kind}"))??;
        let Message::Text(text) = message else {
            if let Message::Close(frame) = message {
                bail!("the socket closed before {kind}: {frame:?}");
            }
            continue;
        };
        let value: Value = serde_json::from_str(text.as_str())?;
        match value["type"].as_str() {
            Some(found) if found == kind => return Ok(()),
            Some("ping") => {}
            _ => bail!("expected {kind}, got {value}"),
        }
    }
}

/// What a subscriber's socket carried: a clock event's session id, or the end of it.
enum Received {
    Event(String),
    Ended(String),
}

/// Reads a subscriber's messages until its socket ends, reporting each with when it arrived.
async fn listen(mut socket: Socket, report: impl Fn(Instant, Received)) {
    while let Some(message) = socket.next().await {
        let at = Instant::now();
        let text = match message {
            Ok(Message::Text(text)) => text,
            Ok(Message::Ping(payload)) => {
                let _ = socket.send(Message::Pong(payload)).await;
                continue;
            }
            Ok(Message::Close(frame)) => {
                report(at, Received::Ended(format!("closed: {frame:?}")));
                return;
            }
            Ok(_) => continue,
            Err(err) => {
                report(at, Received::Ended(err.to_string()));
                return;
            }
        };
        let Ok(value) = serde_json::from_str::<Value>(text.as_str()) else {
            continue;
        };
        match value["type"].as_str() {
            Some("next") => {
                let event = &value["payload"]["data"]["clockEvents"];
                if let Some(session) = event["sessionId"].as_str() {
                    report(at, Received::Event(session.to_owned()));
                } else {
                    report(at, Received::Ended(value["payload"].to_string()));
                }
            }
            Some("ping") => {
                let pong = Message::text(json!({ "type": "pong" }).to_string());
                let _ = socket.send(pong).await;
            }
            Some("error" | "complete") => {
                report(at, Received::Ended(value.to_string()));
                return;
            }
            _ => {}
        }
    }
    report(
        Instant::now(),
        Received::Ended("the socket ended".to_owned()),
    );
}

/// Opens `count` subscribers, at most [`OPEN_BATCH`] at a time, each handed to `keep`;
/// answers how many failed to open, and the first failure.
async fn open_subscribers(
    addr: SocketAddr,
    token: &str,
    company: i64,
    count: usize,
    mut keep: impl FnMut(Socket),
) -> (usize, Option<String>) {
    let (mut failed, mut first_failure) = (0, None);
    let mut opened = 0;
    while opened < count {
        let batch = OPEN_BATCH.min(count - opened);
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..batch {
            let token = token.to_owned();
            set.spawn(async move { subscribe(addr, &token, company).await });
        }
        while let Some(outcome) = set.join_next().await {
            match outcome
                .map_err(anyhow::Error::from)
                .and_then(|socket| socket)
            {
                Ok(socket) => keep(socket),
                Err(err) => {
                    failed += 1;
                    first_failure.get_or_insert_with(|| format!("{err:#}"));
                }
            }
        }
        opened += batch;
    }
    (failed, first_failure)
}

/// Sends one GraphQL request as the owner on a connection of its own; answers the body.
async fn send_once(addr: SocketAddr, token: &str, body: &Value) -> anyhow::Result<Value> {
    let mut connection = Connection::open(addr, None).await?;
    let response = connection
        .exchange(&post_request(addr, body, Some(token)))
        .await?;
    Ok(serde_json::from_slice(&response.body)?)
}

/// Clocks `employee` in (or out); answers the session's id.
async fn clock(addr: SocketAddr, token: &str, employee: i64, in_: bool) -> anyhow::Result<String> {
    let (query, field) = if in_ {
        (CLOCK_IN, "clockIn")
    } else {
        (CLOCK_OUT, "clockOut")
    };
    let body = send_once(
        addr,
        token,
        &graphql_body(query, json!({ "e": employee.to_string() })),
    )
    .await?;
    body["data"][field]["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("{field} failed: {body}"))
}

// Fan-out -----------------------------------------------------------------------------------------

/// What the fan-out measured.
struct FanOut {
    subscribers: usize,
    failed: usize,
    first_failure: Option<String>,
    clocks: usize,
    /// From just before each timed clock-in was sent to each subscriber's receipt of it.
    latencies: Vec<Duration>,
    /// Subscriptions that ended early, and why (the first).
    ended: usize,
    first_end: Option<String>,
}

/// Opens [`FAN_OUT_SUBSCRIBERS`] subscribers on the client thread, checks they are all live with
/// one clock-in, then times [`FAN_OUT_CLOCKS`] clock-ins, one every [`FAN_OUT_SPACING`].
async fn fan_out(addr: SocketAddr, company: &Company) -> anyhow::Result<FanOut> {
    eprintln!("measuring: fan-out to {FAN_OUT_SUBSCRIBERS} subscribers");
    let token = sign_in(addr).await?;
    let (company_id, check, employees) =
        (company.id, company.check(), company.fanned_out().to_vec());
    on_client_thread(move || async move {
        let (events, mut received) = tokio::sync::mpsc::unbounded_channel();
        let mut listeners = tokio::task::JoinSet::new();
        let (failed, first_failure) =
            open_subscribers(addr, &token, company_id, FAN_OUT_SUBSCRIBERS, |socket| {
                let events = events.clone();
                listeners.spawn(listen(socket, move |at, what| {
                    let _ = events.send((at, what));
                }));
            })
            .await;
        let subscribers = FAN_OUT_SUBSCRIBERS - failed;
        // Every subscription is live once each has received this one.
        let first = clock(addr, &token, check, true).await?;
        let mut live = 0;
        let mut ended = 0;
        let mut first_end = None;
        let waiting = Instant::now();
        while live + ended < subscribers && waiting.elapsed() < DELIVERY_LIMIT {
            match tokio::time::timeout(Duration::from_secs(1), received.recv()).await {
                Ok(Some((_, Received::Event(session)))) if session == first => live += 1,
                Ok(Some((_, Received::Ended(why)))) => {
                    ended += 1;
                    first_end.get_or_insert(why);
                }
                Ok(Some(_)) | Err(_) => {}
                Ok(None) => break,
            }
        }
        clock(addr, &token, check, false).await?;
        tokio::time::sleep(FAN_OUT_SPACING).await;
        while received.try_recv().is_ok() {}

        let mut sent: HashMap<String, Instant> = HashMap::new();
        for employee in &employees {
            let at = Instant::now();
            let session = clock(addr, &token, *employee, true).await?;
            sent.insert(session, at);
            tokio::time::sleep(FAN_OUT_SPACING).await;
        }
        tokio::time::sleep(FAN_OUT_GRACE).await;
        let mut latencies = Vec::new();
        while let Ok((at, what)) = received.try_recv() {
            match what {
                Received::Event(session) => {
                    if let Some(sent) = sent.get(&session) {
                        latencies.push(at.saturating_duration_since(*sent));
                    }
                }
                Received::Ended(why) => {
                    ended += 1;
                    first_end.get_or_insert(why);
                }
            }
        }
        // Closes every subscriber before the clock-outs, which nobody times.
        listeners.shutdown().await;
        for employee in &employees {
            clock(addr, &token, *employee, false).await?;
        }
        anyhow::Ok(FanOut {
            subscribers,
            failed,
            first_failure,
            clocks: employees.len(),
            latencies,
            ended,
            first_end,
        })
    })
    .await?
}

// Idle subscriptions -----------------------------------------------------------------------------

/// What the idle subscriptions cost the server.
struct Idle {
    requested: usize,
    opened: usize,
    failed: usize,
    first_failure: Option<String>,
    open_time: Duration,
    rss_before: u64,
    heap_before: Option<u64>,
    /// After every subscription was opened (and a settling pause).
    rss_idle: u64,
    heap_idle: Option<u64>,
    /// After one event reached every subscriber.
    rss_after_event: u64,
    heap_after_event: Option<u64>,
    delivered: usize,
    /// The child process's own memory, with all its sockets open.
    client_rss: Option<u64>,
}

/// Opens [`IDLE_SUBSCRIPTIONS`] subscriptions from a child process and reads what the server's
/// process holds before, with them idle, and after one event reached them all.
async fn idle_subscriptions(server: &Server, company: &Company) -> anyhow::Result<Idle> {
    let addr = server.addr;
    let requested = idle_count();
    eprintln!("measuring: {requested} idle subscriptions");
    let token = sign_in(addr).await?;
    tokio::time::sleep(SETTLE).await;
    let rss_before = rss(None).context("cannot read VmRSS")?;
    let heap_before = heap_in_use();
    let exe = std::env::current_exe()?;
    let mut child = tokio::process::Command::new(exe)
        .env(CHILD_ROLE, "1")
        .env("ROLLCALL_BENCH_CHILD_ADDR", addr.to_string())
        .env("ROLLCALL_BENCH_CHILD_TOKEN", &token)
        .env("ROLLCALL_BENCH_CHILD_COMPANY", company.id.to_string())
        .env("ROLLCALL_BENCH_CHILD_COUNT", requested.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("cannot start the subscribers' process")?;
    let mut commands = child.stdin.take().context("no stdin")?;
    let mut answers = BufReader::new(child.stdout.take().context("no stdout")?).lines();
    let started = Instant::now();
    let opened_line = answers
        .next_line()
        .await?
        .ok_or_else(|| anyhow!("the subscribers' process ended"))?;
    let open_time = started.elapsed();
    let mut fields = opened_line.splitn(3, ' ');
    let (opened, failed, first_failure) = match (fields.next(), fields.next(), fields.next()) {
        (Some(opened), Some(failed), why) => (
            opened.parse::<usize>()?,
            failed.parse::<usize>()?,
            why.filter(|why| !why.is_empty()).map(str::to_owned),
        ),
        _ => bail!("unexpected answer from the subscribers' process: {opened_line}"),
    };
    // The last subscriptions' operations finish reading their reach.
    tokio::time::sleep(SETTLE * 2).await;
    let rss_idle = rss(None).context("cannot read VmRSS")?;
    let heap_idle = heap_in_use();
    let client_rss = child.id().and_then(rss_of);

    clock(addr, &token, company.check(), true).await?;
    let waiting = Instant::now();
    let mut delivered = 0;
    while waiting.elapsed() < DELIVERY_LIMIT {
        commands.write_all(b"count\n").await?;
        delivered = answers
            .next_line()
            .await?
            .ok_or_else(|| anyhow!("the subscribers' process ended"))?
            .trim()
            .parse()?;
        if delivered >= opened {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    tokio::time::sleep(SETTLE).await;
    let rss_after_event = rss(None).context("cannot read VmRSS")?;
    let heap_after_event = heap_in_use();

    // Closing stdin ends the child, and with it every socket.
    drop(commands);
    if tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .is_err()
    {
        child.kill().await?;
    }
    clock(addr, &token, company.check(), false).await?;
    Ok(Idle {
        requested,
        opened,
        failed,
        first_failure,
        open_time,
        rss_before,
        heap_before,
        rss_idle,
        heap_idle,
        rss_after_event,
        heap_after_event,
        delivered,
        client_rss,
    })
}

impl Idle {
    /// What the subscriptions added to the server's resident memory: the larger of idle and
    /// after an event.
    fn growth(&self) -> u64 {
        self.rss_idle
            .max(self.rss_after_event)
            .saturating_sub(self.rss_before)
    }
}

/// How many idle subscriptions fit: each is a socket in this process (the child holds the
/// other end), which keeps some files open besides.
fn idle_count() -> usize {
    let limit = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE)
        .map_or(u64::MAX, |(soft, _)| soft);
    let room = usize::try_from(limit.saturating_sub(512)).unwrap_or(usize::MAX);
    IDLE_SUBSCRIPTIONS.min(room)
}

/// The child process: opens the subscriptions, says `OPENED FAILED [FIRST FAILURE]` on
/// stdout, then answers each `count` line on stdin with how many events its subscribers have
/// received, until stdin closes.
fn idle_child() -> anyhow::Result<()> {
    raise_open_files()?;
    let var = |name: &str| std::env::var(name).with_context(|| format!("{name} is not set"));
    let addr: SocketAddr = var("ROLLCALL_BENCH_CHILD_ADDR")?.parse()?;
    let token = var("ROLLCALL_BENCH_CHILD_TOKEN")?;
    let company: i64 = var("ROLLCALL_BENCH_CHILD_COMPANY")?.parse()?;
    let count: usize = var("ROLLCALL_BENCH_CHILD_COUNT")?.parse()?;
    let (lines, mut commands) = tokio::sync::mpsc::channel::<String>(8);
    // Tokio's stdin needs a feature the crate does not enable; a thread reads it instead.
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            let Ok(line) = line else { break };
            if lines.blocking_send(line).is_err() {
                break;
            }
        }
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let received = Arc::new(AtomicUsize::new(0));
        let mut listeners = tokio::task::JoinSet::new();
        let (failed, first_failure) = open_subscribers(addr, &token, company, count, |socket| {
            let received = received.clone();
            listeners.spawn(listen(socket, move |_, what| {
                if let Received::Event(_) = what {
                    received.fetch_add(1, Ordering::Relaxed);
                }
            }));
        })
        .await;
        let why = first_failure.unwrap_or_default().replace('\n', " ");
        println!("{} {failed} {why}", count - failed);
        while let Some(command) = commands.recv().await {
            if command.trim() == "count" {
                println!("{}", AtomicUsize::load(&received, Ordering::Relaxed));
            }
        }
        listeners.shutdown().await;
        anyhow::Ok(())
    })
}

/// This process's resident memory in bytes, or another's by id.
fn rss(pid: Option<u32>) -> Option<u64> {
    let path = match pid {
        None => "/proc/self/status".to_owned(),
        Some(pid) => format!("/proc/{pid}/status"),
    };
    let status = std::fs::read_to_string(path).ok()?;
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kib * 1024)
}

fn rss_of(pid: u32) -> Option<u64> {
    rss(Some(pid))
}

/// The memory mimalloc holds for the process (`mi_process_info`'s committed memory: on Linux,
/// the read-write memory it has reserved), which freed memory being reused cannot hide the way it
/// hides in the resident size.
fn heap_in_use() -> Option<u64> {
    let mut committed = 0usize;
    // SAFETY: every out-parameter may be null; `committed` is a valid place for a usize.
    unsafe {
        libmimalloc_sys::mi_process_info(
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &raw mut committed,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        );
    }
    u64::try_from(committed).ok()
}

fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1024.0 / 1024.0)
}

fn signed_mib(after: u64, before: u64) -> String {
    let delta = after as f64 - before as f64;
    format!("{:+.1}", delta / 1024.0 / 1024.0)
}

// The report ---------------------------------------------------------------------------------------

struct Report {
    machine: Machine,
    knobs: Knobs,
    database_kind: String,
    load_at_start: f64,
    /// The soft open-file limit at start, and the (hard) limit it was raised to.
    open_files: (u64, u64),
    pgbench: Option<PathBuf>,
    elapsed: Duration,
    measured: Measured,
}

impl Report {
    fn window(&self, plan: Plan) -> Option<&Window> {
        self.measured.windows.iter().find(|w| w.plan == plan)
    }

    /// Whether the server refused every request of (b).
    fn nested_refused(&self) -> bool {
        self.window(Plan::Nested)
            .is_some_and(|w| w.tally.latencies.is_empty() && w.tally.errors() > 0)
    }

    fn rate(&self, tally: &Tally) -> f64 {
        tally.latencies.len() as f64 / self.knobs.window.as_secs_f64()
    }

    /// The targets, each with what was measured and whether it was met.
    fn targets(&self) -> String {
        let mut out = String::from("| target | measured | verdict |\n|---|---|---|\n");
        let verdict = |met: bool, short: String| {
            if met {
                "**met**".to_owned()
            } else {
                format!("**not met**{short}")
            }
        };
        let short_of =
            |got: f64, goal: f64| format!(" ({:.0} % short)", 100.0 * (1.0 - got / goal));
        if let Some(w) = self.window(Plan::Read) {
            let rate = self.rate(&w.tally);
            let _ = writeln!(
                out,
                "| (a) ≥ {READ_TARGET:.0} req/s | {rate:.0} req/s | {} |",
                verdict(rate >= READ_TARGET, short_of(rate, READ_TARGET))
            );
        }
        if let Some(w) = self.window(Plan::Nested) {
            let rate = self.rate(&w.tally);
            let note = if self.nested_refused() {
                format!(" (every request refused: {})", w.tally.errors_by_code())
            } else {
                short_of(rate, NESTED_TARGET)
            };
            let _ = writeln!(
                out,
                "| (b) ≥ {NESTED_TARGET:.0} req/s | {rate:.0} req/s | {} |",
                verdict(rate >= NESTED_TARGET, note)
            );
            match Summary::of(&w.tally.latencies) {
                Some(s) => {
                    let spread = s.p99.as_secs_f64() / s.p50.as_secs_f64().max(1e-9);
                    let _ = writeln!(
                        out,
                        "| (b) p99 ≤ {NESTED_SPREAD:.0} × p50 | p99 {} ms = {spread:.1} × p50 {} ms | {} |",
                        ms(s.p99),
                        ms(s.p50),
                        verdict(spread <= NESTED_SPREAD, String::new())
                    );
                }
                None => {
                    let _ = writeln!(
                        out,
                        "| (b) p99 ≤ {NESTED_SPREAD:.0} × p50 | no successful request | **not met** |"
                    );
                }
            }
        }
        if let Some(fan) = &self.measured.fan_out {
            let expected = fan.subscribers * fan.clocks;
            match Summary::of(&fan.latencies) {
                Some(s) => {
                    let complete = fan.latencies.len() == expected;
                    let note = if complete {
                        format!(" ({} ms over)", ms(s.p99.saturating_sub(FAN_OUT_TARGET)))
                    } else {
                        " (receipts missing)".to_owned()
                    };
                    let _ = writeln!(
                        out,
                        "| fan-out p99 < {} ms | {} ms ({} of {expected} receipts) | {} |",
                        FAN_OUT_TARGET.as_millis(),
                        ms(s.p99),
                        fan.latencies.len(),
                        verdict(s.p99 < FAN_OUT_TARGET && complete, note)
                    );
                }
                None => {
                    let _ = writeln!(
                        out,
                        "| fan-out p99 < {} ms | no receipt | **not met** |",
                        FAN_OUT_TARGET.as_millis()
                    );
                }
            }
        }
        if let Some(idle) = &self.measured.idle {
            let growth = idle.growth();
            let note = if idle.opened < IDLE_SUBSCRIPTIONS {
                " (not all opened)".to_owned()
            } else {
                format!(
                    " ({:.1} × the target)",
                    growth as f64 / IDLE_MEMORY_TARGET as f64
                )
            };
            let _ = writeln!(
                out,
                "| {IDLE_SUBSCRIPTIONS} idle subscriptions < {} MiB | {} MiB ({} opened) | {} |",
                IDLE_MEMORY_TARGET / 1024 / 1024,
                mib(growth),
                idle.opened,
                verdict(
                    growth < IDLE_MEMORY_TARGET && idle.opened == IDLE_SUBSCRIPTIONS,
                    note
                )
            );
        }
        out
    }

    /// The throughput windows and their ceilings.
    fn windows(&self) -> String {
        let mut out = String::from(
            "| measurement | ok | per second | p50 ms | p95 ms | p99 ms | max ms | errors | pool in use (most) | time with a task waiting for a connection |\n\
             |---|---|---|---|---|---|---|---|---|---|\n",
        );
        for w in &self.measured.windows {
            let (p50, p95, p99, max) = match Summary::of(&w.tally.latencies) {
                Some(s) => (ms(s.p50), ms(s.p95), ms(s.p99), ms(s.max)),
                None => ("–".into(), "–".into(), "–".into(), "–".into()),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {:.1} | {p50} | {p95} | {p99} | {max} | {} | {} of {} | {:.0} % |",
                w.plan.label(),
                w.tally.latencies.len(),
                self.rate(&w.tally),
                w.tally.errors_by_code(),
                w.probe.pool_in_use,
                self.measured.pool_size,
                100.0 * w.probe.share_waiting(),
            );
        }
        if let Some(w) = self.window(Plan::Clock) {
            let _ = writeln!(
                out,
                "\n(c) counts each mutation as a request: {:.1} clock-in / clock-out pairs a second.",
                self.rate(&w.tally) / 2.0
            );
        }
        out.push_str(
            "\nThe ceiling: the statements the server runs for one request, run by `pgbench -n -r -M \
             prepared -c 32 -j 2` against the same database, one transaction per request:\n\n",
        );
        out.push_str(
            "| query | statements | pgbench tps | pgbench latency avg ms | server req/s | server ÷ ceiling |\n\
             |---|---|---|---|---|---|\n",
        );
        for c in &self.measured.ceilings {
            let server = self.window(c.plan).map_or(0.0, |w| self.rate(&w.tally));
            match &c.outcome {
                Ok(run) => {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {:.0} | {} | {server:.0} | {:.0} % |",
                        c.plan.label(),
                        c.statements,
                        run.tps,
                        run.latency_ms.map_or("–".to_owned(), |l| format!("{l:.2}")),
                        100.0 * server / run.tps.max(1e-9),
                    );
                }
                Err(why) => {
                    let why: String = why.chars().take(300).collect();
                    let _ = writeln!(
                        out,
                        "| {} | {} | – | – | {server:.0} | – ({}) |",
                        c.plan.label(),
                        if c.statements == 0 {
                            "–".to_owned()
                        } else {
                            c.statements.to_string()
                        },
                        why.replace('|', "\\|").replace('\n', " "),
                    );
                }
            }
        }
        out
    }

    /// The fan-out.
    fn fan_out(fan: &FanOut) -> String {
        let mut out = String::new();
        let expected = fan.subscribers * fan.clocks;
        out.push_str(
            "| fan-out | subscribers | clock-ins | receipts | p50 ms | p95 ms | p99 ms | max ms |\n\
             |---|---|---|---|---|---|---|---|\n",
        );
        let (p50, p95, p99, max) = match Summary::of(&fan.latencies) {
            Some(s) => (ms(s.p50), ms(s.p95), ms(s.p99), ms(s.max)),
            None => ("–".into(), "–".into(), "–".into(), "–".into()),
        };
        let _ = writeln!(
            out,
            "| from just before `clockIn` is sent to each subscriber's receipt | {} | {} | {} of {expected} | {p50} | {p95} | {p99} | {max} |",
            fan.subscribers,
            fan.clocks,
            fan.latencies.len(),
        );
        if fan.failed > 0 {
            let _ = writeln!(
                out,
                "\n{} subscribers failed to open; the first: {}",
                fan.failed,
                fan.first_failure.as_deref().unwrap_or("?")
            );
        }
        if fan.ended > 0 {
            let _ = writeln!(
                out,
                "\n{} subscriptions ended early; the first: {}",
                fan.ended,
                fan.first_end.as_deref().unwrap_or("?")
            );
        }
        out
    }

    /// The idle subscriptions.
    fn idle(idle: &Idle) -> String {
        let mut out = String::new();
        let heap = |after: Option<u64>| match (after, idle.heap_before) {
            (Some(after), Some(before)) => format!("{} MiB", signed_mib(after, before)),
            _ => "–".to_owned(),
        };
        let _ = writeln!(
            out,
            "| idle subscriptions ({} opened, {} failed, in {:.1} s) | server VmRSS MiB | growth MiB | per subscription KiB | held by the allocator, growth |\n\
             |---|---|---|---|---|",
            idle.opened,
            idle.failed,
            idle.open_time.as_secs_f64(),
        );
        let per = |rss: u64| {
            format!(
                "{:.1}",
                rss.saturating_sub(idle.rss_before) as f64 / 1024.0 / idle.opened.max(1) as f64
            )
        };
        let _ = writeln!(out, "| before | {} | – | – | – |", mib(idle.rss_before));
        let _ = writeln!(
            out,
            "| all open and idle | {} | {} | {} | {} |",
            mib(idle.rss_idle),
            signed_mib(idle.rss_idle, idle.rss_before),
            per(idle.rss_idle),
            heap(idle.heap_idle),
        );
        let _ = writeln!(
            out,
            "| after one event reached {} of them | {} | {} | {} | {} |",
            idle.delivered,
            mib(idle.rss_after_event),
            signed_mib(idle.rss_after_event, idle.rss_before),
            per(idle.rss_after_event),
            heap(idle.heap_after_event),
        );
        if let Some(first) = &idle.first_failure {
            let _ = writeln!(out, "\nThe first subscription that failed to open: {first}");
        }
        if idle.requested < IDLE_SUBSCRIPTIONS {
            let _ = writeln!(
                out,
                "\nOnly {} were opened: the open-file limit leaves no room for more.",
                idle.requested
            );
        }
        if let Some(client) = idle.client_rss {
            let _ = writeln!(
                out,
                "\nThe subscribers' own process held {} MiB with all its sockets open (not counted above).",
                mib(client)
            );
        }
        out
    }

    /// Everything measured, as printed and as written in BENCHMARKS.md.
    fn results(&self) -> String {
        let mut out = String::new();
        out.push_str("Targets:\n\n");
        out.push_str(&self.targets());
        let _ = writeln!(
            out,
            "\nThroughput at {CONNECTIONS} connections, each a client in a closed loop (as `wrk -c \
             {CONNECTIONS}`), one window of {} s each:\n",
            self.knobs.window.as_secs()
        );
        out.push_str(&self.windows());
        if let Some(fan) = &self.measured.fan_out {
            out.push_str("\nFan-out of live events:\n\n");
            out.push_str(&Self::fan_out(fan));
        }
        if let Some(idle) = &self.measured.idle {
            out.push_str("\nIdle subscriptions:\n\n");
            out.push_str(&Self::idle(idle));
        }
        out
    }

    /// This bench's section of BENCHMARKS.md, without its markers.
    fn render(&self) -> String {
        let measured = &self.measured;
        let secs = self.knobs.window.as_secs();
        let mut out = String::new();
        out.push_str("## Workforce: reads, nested reads, clocks and live events\n\n");
        let _ = writeln!(
            out,
            "Written by `cargo bench --bench workforce` (`benches/workforce.rs`); every run \
             replaces this section. Rerun it on a quiet machine:\n\n```sh\ncargo bench --bench \
             workforce\n```\n\nThis run took {} min {} s, of which {} s waiting for a quiet \
             machine and {:.0} s seeding.\n",
            self.elapsed.as_secs() / 60,
            self.elapsed.as_secs() % 60,
            measured.waited.as_secs(),
            measured.seeding.as_secs_f64(),
        );
        let _ = writeln!(
            out,
            "**Data.** A fresh, migrated database holds one company with {EMPLOYEES} employees, \
             each linked to a member account and with {SESSIONS_PER_EMPLOYEE} closed sessions, one \
             a day over the past {SESSIONS_PER_EMPLOYEE} days ({} sessions, written with \
             `generate_series`, then `VACUUM ANALYZE`), and an OWNER account the bench signs in \
             as through the API.\n",
            EMPLOYEES * SESSIONS_PER_EMPLOYEE
        );
        let _ = writeln!(
            out,
            "**Server.** The real router, in-process on a loopback port, with default settings \
             (pool of {pool}, log filter `{log}`, the log written to a file) but for the \
             connection cap, raised to {max} (`ROLLCALL_MAX_CONNECTIONS`) so that every socket \
             is served at once.\n",
            pool = measured.pool_size,
            log = measured.log,
            max = measured.max_connections,
        );
        let _ = writeln!(
            out,
            "**Throughput.** {CONNECTIONS} HTTP/1.1 keep-alive connections from a client thread \
             of its own (which shares the machine's cores with the server), each a closed loop, \
             for {secs} s (`ROLLCALL_BENCH_SECONDS`): (a) `{READ}` with each client going round \
             all {EMPLOYEES} ids from a different start; (b) `{NESTED}`; (b′) the same with \
             `employees(first: 20)`{}; (c) `clockIn` then `clockOut` with the client's own \
             `employeeId`, as the owner. Latencies are of successful requests finished within \
             the window; errors are counted by `extensions.code`. A client reads only the top \
             level of an answer (whether it has `errors`, which fields of `data` are null), \
             skipping over the rest, as a load generator would: building each answer whole \
             took about 8 % of the machine's CPU time during (b), time the server lacked.\n",
            if self.nested_refused() {
                ", because the server refuses (b) as too complex: GraphQL complexity counts \
                 a connection as `first` × its selection, which makes (b) 50 × 90 + 1 = 4,501 \
                 against a limit of 2,000 (`graphql::MAX_COMPLEXITY`), and (b′) 20 × 90 + 1 = 1,801"
            } else {
                ", a page the complexity limit admits either way"
            }
        );
        let _ = writeln!(
            out,
            "**Ceiling.** The SQL statements of one request of (a), (b) and (b′), captured from a \
             second instance of the server on the same database whose one pooled connection \
             records each statement with its binds (diesel's instrumentation), written to a \
             pgbench script (binds as `-D` variables; in (a) the employee id drawn at random) \
             and run by `pgbench -n -r -M prepared -c {CONNECTIONS} -j 2 -T {secs}` against the \
             bench database ({}), on the same two cores. pgbench reads results as text where the \
             server reads them in binary, so a statement returning many rows (the page of \
             sessions: 21 rows of 4 timestamps per employee) costs PostgreSQL more under pgbench: \
             that ceiling is on the low side.\n",
            self.pgbench
                .as_deref()
                .map_or("pgbench not found".to_owned(), |path| format!(
                    "`{}`",
                    path.display()
                )),
        );
        let _ = writeln!(
            out,
            "**Fan-out.** {FAN_OUT_SUBSCRIBERS} WebSocket subscribers (`graphql-transport-ws`, \
             `{CLOCK_EVENTS}`, signed in by `connection_init`) on the client thread; one clock-in \
             first checks that all are live; then {FAN_OUT_CLOCKS} clock-ins, one every {} ms, \
             each timed from just before its request is written to each subscriber's read of \
             the event (the client thread reads the sockets one after another, so the time it \
             takes to read them is in the numbers).\n",
            FAN_OUT_SPACING.as_millis()
        );
        let _ = writeln!(
            out,
            "**Idle subscriptions.** {IDLE_SUBSCRIPTIONS} subscriptions like those, opened {OPEN_BATCH} \
             at a time from a child process (so that their sockets count against its open-file \
             limit, and their memory is its own), then left idle. The server's memory is this \
             process's `VmRSS` (`/proc/self/status`), read before, once all are open (and \
             {} s later), and after one clock-in reached them all; the process holds the \
             server alone then (the client thread is idle and holds no socket). The server runs \
             with mimalloc, as `rollcall` does; the last column is the memory mimalloc holds \
             (`mi_process_info`'s committed memory), which freed memory being reused cannot \
             hide.\n",
            (SETTLE * 2).as_secs()
        );
        out.push_str("### Machine\n\n");
        out.push_str(&self.machine.table(&self.database_kind));
        let _ = writeln!(
            out,
            "| PostgreSQL settings | {} |",
            measured.postgres_settings
        );
        let _ = writeln!(
            out,
            "| server runtime | Tokio multi-threaded, {} workers (one per core, as `rollcall serve`) |",
            self.machine.cores
        );
        let _ = writeln!(
            out,
            "| open files (`RLIMIT_NOFILE`) | soft limit raised from {} to the hard limit, {} |",
            self.open_files.0, self.open_files.1
        );
        out.push_str(&common::load_row(
            self.load_at_start,
            measured.load_measuring,
            measured.waited,
            measured.load_after,
        ));
        out.push_str("\n### Results\n\n");
        out.push_str(&self.results());
        out.push_str("\n<details><summary>The pgbench scripts</summary>\n\n");
        for c in &measured.ceilings {
            let Some(script) = &c.script else { continue };
            let _ = writeln!(out, "{}:\n\n```sql\n{}```\n", c.plan.label(), script);
            if let Ok(run) = &c.outcome
                && !run.statements.is_empty()
            {
                let latencies: Vec<String> =
                    run.statements.iter().map(|ms| format!("{ms:.2}")).collect();
                let _ = writeln!(
                    out,
                    "Average latency of each statement, in order (`pgbench -r`, ms, queueing \
                     at {CONNECTIONS} clients included): {}.\n",
                    latencies.join(", ")
                );
            }
        }
        out.push_str("</details>\n");
        out
    }
}
