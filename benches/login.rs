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
//! as the server reads them. What the benches share is in `common/mod.rs`.

mod common;

/// The allocator `rollcall` runs with (`src/main.rs`), so that the server measured here is that one.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::anyhow;
use common::{
    LogFilter, Machine, Postgres, Probe, Response, SETTLE, Server, Summary, Tally, client, cores,
    load_average, ms, on_client_thread, post_request, wait_for_quiet,
};
use diesel::prelude::*;
use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
use rollcall::accounts::model::NewUser;
use rollcall::accounts::queries;
use rollcall::app::App;
use rollcall::auth::identity::{AccountStatus, Role};
use rollcall::db::schema::sessions;
use serde_json::{Value, json};

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
/// The `{ me }` p99 the storm must stay under.
const TARGET: Duration = Duration::from_millis(50);
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
        let (window, load_wait) = common::window_and_load_wait()?;
        Ok(Self {
            window,
            load_wait,
            spread: std::env::var("ROLLCALL_BENCH_SPREAD_ADDRESSES")
                .is_ok_and(|value| matches!(value.trim(), "1" | "true" | "yes")),
        })
    }
}

fn bench() -> anyhow::Result<()> {
    let knobs = Knobs::from_env()?;
    let load_at_start = load_average();
    let postgres = Postgres::start()?;
    let runtime = common::server_runtime()?;
    let outcome = runtime.block_on(common::on_fresh_database(
        &postgres.admin_url,
        async |url: &str| serve_and_measure(url, &knobs).await,
    ));
    runtime.shutdown_timeout(Duration::from_secs(5));
    let database_kind = postgres.kind.clone();
    // Stops the cluster and removes its folder, whatever happened above.
    drop(postgres);
    let measured = outcome?;
    let report = Report {
        machine: Machine::read(measured.postgres_version.clone()),
        knobs,
        database_kind,
        load_at_start,
        measured,
    };
    let path = common::write_section(SECTION_BEGIN, SECTION_END, &report.render())?;
    println!("{}", report.tables());
    println!("written to {}", path.display());
    Ok(())
}

/// Starts the server as `serve` does, with default settings (and any `ROLLCALL_*` variables, as
/// `rollcall` with no flags has them), measures, and shuts it down.
async fn serve_and_measure(url: &str, knobs: &Knobs) -> anyhow::Result<Measured> {
    let server = Server::start(url, common::default_settings()?).await?;
    let measured = measure(&server, knobs).await;
    server.stop().await;
    measured
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
    /// The sessions in the database when the throughput windows began.
    sessions: i64,
    /// The log filter the server had, unless a window says otherwise.
    log: String,
}

/// Creates the accounts, waits for a quiet machine, then runs each window.
async fn measure(server: &Server, knobs: &Knobs) -> anyhow::Result<Measured> {
    let (app, addr, log) = (&server.app, server.addr, &server.log);
    let postgres_version = common::postgres_version(app).await?;
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
    let sessions = gather_statistics(app).await?;
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
        sessions,
        log: log.configured.clone(),
    })
}

/// Vacuums and analyses the database, as autovacuum would have within a minute, and counts the
/// sessions the windows before left. Without statistics on those few thousand new sessions,
/// PostgreSQL reads the viewer's session with a sequential scan instead of the primary key, and
/// `{ me }` would be measured against a database no running server has for long.
async fn gather_statistics(app: &App) -> anyhow::Result<i64> {
    let mut conn = app.pool.get().await?;
    conn.batch_execute("VACUUM ANALYZE").await?;
    Ok(sessions::table.count().get_result(&mut conn).await?)
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
    let probe = tokio::spawn(common::probe(app.clone(), deadline));
    let (logins, me, version) = (plan.logins, plan.me, plan.version);
    let tallies = on_client_thread(move || async move {
        let mut clients = tokio::task::JoinSet::new();
        for i in 0..logins {
            // A distinct account per client: the per-account limit counts attempts in flight.
            let request = common::login_request(addr, &format!("bench-{i:02}"), PASSWORD);
            let source = spread.then(|| source_address(i));
            clients.spawn(kind_client(addr, source, Kind::Login, request, deadline));
        }
        if let Some(token) = &token {
            for _ in 0..me {
                let request = post_request(addr, &json!({ "query": ME }), Some(token));
                clients.spawn(kind_client(addr, None, Kind::Me, request, deadline));
            }
        }
        for _ in 0..version {
            let request = post_request(addr, &json!({ "query": VERSION }), None);
            clients.spawn(kind_client(addr, None, Kind::Version, request, deadline));
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

/// Signs `name` in with [`PASSWORD`]; answers the access token.
async fn sign_in(addr: SocketAddr, name: String) -> anyhow::Result<String> {
    common::sign_in(addr, name, PASSWORD.to_owned()).await
}

/// The loopback address login client `i` connects from when addresses are spread.
fn source_address(i: usize) -> Ipv4Addr {
    let i = u32::try_from(i).unwrap_or(0) + 2;
    Ipv4Addr::from(0x7f00_0000 | i)
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Login,
    Me,
    Version,
}

/// A client in a closed loop sending `request` of `kind` again and again until `deadline`.
async fn kind_client(
    addr: SocketAddr,
    source: Option<Ipv4Addr>,
    kind: Kind,
    request: Vec<u8>,
    deadline: Instant,
) -> (Kind, Tally) {
    let requests = Arc::from(vec![request]);
    let tally = client(
        addr,
        source,
        requests,
        0,
        |response| judge(kind, response),
        deadline,
    )
    .await;
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
    Some(common::error_code(response, Some(&body)))
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
             {ROUNDS} times, one after the other in turn. Before them the bench runs `VACUUM \
             ANALYZE`, as autovacuum would within a minute: the windows above left {sessions} \
             sessions, and without statistics on them PostgreSQL reads the viewer's session with \
             a sequential scan.\n",
            sessions = self.measured.sessions,
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
        out.push_str("### Machine\n\n");
        out.push_str(&m.table(&self.database_kind));
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
        out.push_str(&common::load_row(
            self.load_at_start,
            measured.load_measuring,
            measured.waited,
            measured.load_after,
        ));
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
