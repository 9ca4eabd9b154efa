//! The `rollcall` binary as an operator runs it: settings errors, schema export, and `serve`
//! with its embedded database (lock, restart, crash take-over, nothing left behind).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use rollcall::db::embedded::process_alive;
use rollcall::db::schema::server_secrets;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_rollcall");
/// How long a server may take to start (initdb included) before the test gives up.
const START_LIMIT: Duration = Duration::from_secs(90);

/// `rollcall` with a clean environment: no DATABASE_URL, no ROLLCALL_* from the caller, and
/// no NO_COLOR, which would hide whether the server leaves colour out of a piped log by itself.
fn rollcall() -> Command {
    let mut command = Command::new(BIN);
    for (name, _) in std::env::vars() {
        if name.starts_with("ROLLCALL_") || name == "DATABASE_URL" || name == "NO_COLOR" {
            command.env_remove(name);
        }
    }
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

fn run(command: &mut Command) -> Output {
    command
        .stdin(Stdio::null())
        .output()
        .expect("running rollcall")
}

#[test]
fn export_schema_prints_the_committed_sdl() {
    let output = run(rollcall().arg("export-schema"));
    assert!(output.status.success());
    let committed =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql"))
            .expect("schema.graphql");
    assert_eq!(String::from_utf8_lossy(&output.stdout), committed);
}

#[test]
fn a_bad_setting_is_one_line_naming_it_and_the_expected_form() {
    let cases: [(&str, &str, &str); 4] = [
        ("ROLLCALL_POOL_SIZE", "lots", "whole number"),
        ("ROLLCALL_BIND", "localhost", "socket address"),
        ("ROLLCALL_ENV", "staging", "dev, prod"),
        ("ROLLCALL_REQUEST_TIMEOUT", "soon", "duration"),
    ];
    for (name, value, expected) in cases {
        let output = run(rollcall().arg("migrate").env(name, value));
        assert_eq!(output.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains(name) && stderr.contains(expected),
            "{stderr}"
        );
    }
}

#[test]
fn prod_refuses_to_start_without_a_long_enough_secret() {
    let output = run(rollcall().env("ROLLCALL_ENV", "prod"));
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("ROLLCALL_JWT_SECRET"));

    let output = run(rollcall()
        .env("ROLLCALL_ENV", "prod")
        .env("ROLLCALL_JWT_SECRET", "too-short"));
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("at least 32 bytes"));
}

/// A `serve` process; killed (with its PostgreSQL, if the test fails half-way) when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    data_dir: PathBuf,
    stderr: Receiver<String>,
}

impl Server {
    /// Starts `serve` on `data_dir` and waits for its "serving" log line.
    fn start(data_dir: &Path) -> Self {
        Self::start_with(data_dir, &[])
    }

    /// Like [`Server::start`], with more environment variables (which may replace the JSON log
    /// format).
    fn start_with(data_dir: &Path, env: &[(&str, &str)]) -> Self {
        let addr = free_addr();
        let mut child = rollcall()
            .env("ROLLCALL_LOG_FORMAT", "json")
            .envs(env.iter().copied())
            .env("ROLLCALL_DATA_DIR", data_dir)
            .env("ROLLCALL_BIND", addr.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting rollcall serve");
        let stderr = lines_of(child.stderr.take().expect("stderr"));
        let server = Self {
            child,
            addr,
            data_dir: data_dir.to_owned(),
            stderr,
        };
        server.wait_for_log("serving GraphQL");
        server
    }

    fn wait_for_log(&self, needle: &str) {
        loop {
            match self.stderr.recv_timeout(START_LIMIT) {
                Ok(line) if line.contains(needle) => return,
                Ok(_) => {}
                Err(_) => panic!("the server never logged `{needle}`"),
            }
        }
    }

    fn gql(&self, query: &str) -> Value {
        post_graphql(self.addr, &json!({ "query": query }))
    }

    fn signal(&self, signal: Signal) {
        kill(Pid::from_raw(self.child.id() as i32), signal).expect("signal the server");
    }

    fn wait(&mut self) -> std::process::ExitStatus {
        self.child.wait().expect("wait for the server")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        // A failing test must not leave PostgreSQL behind; a passing one stops it itself.
        if std::thread::panicking()
            && let Some(pid) = postmaster_pid(&self.data_dir)
        {
            let _ = kill(pid, Signal::SIGQUIT);
        }
    }
}

fn lines_of(stream: impl Read + Send + 'static) -> Receiver<String> {
    let (sender, receiver) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    receiver
}

fn free_addr() -> SocketAddr {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("a free port")
}

/// A minimal HTTP/1.1 client: the test needs nothing more. Answers the body of a 200 response.
fn http(addr: SocketAddr, head: &str, body: &str) -> Value {
    let mut stream = TcpStream::connect(addr).expect("connect to the server");
    write!(
        stream,
        "{head}\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send the request");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("read the response");
    let (status, body) = response.split_once("\r\n\r\n").expect("a response");
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    serde_json::from_str(body).expect("a JSON body")
}

fn post_graphql(addr: SocketAddr, body: &Value) -> Value {
    http(
        addr,
        "POST /graphql HTTP/1.1\r\nContent-Type: application/json",
        &body.to_string(),
    )
}

fn post_graphql_with_token(addr: SocketAddr, token: &str, body: &Value) -> Value {
    http(
        addr,
        &format!(
            "POST /graphql HTTP/1.1\r\nContent-Type: application/json\r\nAuthorization: Bearer {token}"
        ),
        &body.to_string(),
    )
}

/// The postmaster of the embedded cluster in `data_dir`, if one is running.
fn postmaster_pid(data_dir: &Path) -> Option<Pid> {
    let text = std::fs::read_to_string(data_dir.join("postgres/postmaster.pid")).ok()?;
    let pid = Pid::from_raw(text.lines().next()?.trim().parse().ok()?);
    process_alive(pid.as_raw()).then_some(pid)
}

/// A temporary data dir, removed when the test ends (passed or failed).
fn data_dir() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("rollcall-data-")
        .tempdir()
        .expect("a temporary folder");
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("open the folder to the postgres user");
    dir
}

async fn dev_secret(data_dir: &Path) -> Vec<u8> {
    let url = format!(
        "postgres:///rollcall?user=postgres&host={}&port=5432",
        data_dir.join("postgres").display()
    );
    let mut conn = AsyncPgConnection::establish(&url)
        .await
        .expect("connect to the embedded cluster");
    server_secrets::table
        .find("jwt")
        .select(server_secrets::value)
        .get_result(&mut conn)
        .await
        .expect("the dev secret")
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_runs_its_own_database_and_leaves_nothing_behind() {
    let temp = data_dir();
    let dir = temp.path();
    let mut server = Server::start(dir);
    assert_eq!(
        server.gql("{ version }")["data"]["version"],
        env!("CARGO_PKG_VERSION")
    );
    let postmaster = postmaster_pid(dir).expect("the embedded PostgreSQL runs");
    let secret = dev_secret(dir).await;

    // A second server on the same data dir fails, clearly, and harms nothing.
    let second = run(rollcall()
        .env("ROLLCALL_DATA_DIR", dir)
        .env("ROLLCALL_BIND", free_addr().to_string()));
    assert!(!second.status.success());
    assert!(
        String::from_utf8_lossy(&second.stderr)
            .contains("another rollcall server is using the data dir"),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert!(server.gql("{ serverTime }")["data"]["serverTime"].is_string());

    // SIGTERM: exit 0, and PostgreSQL stopped with it.
    server.signal(Signal::SIGTERM);
    assert!(server.wait().success());
    assert!(
        !process_alive(postmaster.as_raw()),
        "PostgreSQL outlived the server"
    );
    drop(server);

    // Started again: the same database, with what it held.
    let mut server = Server::start(dir);
    assert_eq!(dev_secret(dir).await, secret);

    // A crash leaves PostgreSQL running; the next server takes over cleanly.
    server.signal(Signal::SIGKILL);
    server.wait();
    let orphan = postmaster_pid(dir).expect("PostgreSQL survives a crash of the server");
    drop(server);
    let mut server = Server::start(dir);
    assert!(
        !process_alive(orphan.as_raw()),
        "the orphaned postmaster was replaced"
    );
    assert!(server.gql("{ serverTime }")["data"]["serverTime"].is_string());
    assert_eq!(dev_secret(dir).await, secret);

    // Nothing secret reaches the log: not headers, variables or query strings.
    let marker = "SECRET-MARKER-7d1f";
    http(
        server.addr,
        &format!(
            "POST /graphql HTTP/1.1\r\nContent-Type: application/json\r\nAuthorization: Bearer {marker}"
        ),
        &json!({ "query": "query ($p: String) { version }", "variables": { "p": marker } })
            .to_string(),
    );
    http(
        server.addr,
        &format!(
            "GET /graphql?query=%7Bversion%7D&variables=%7B%22p%22%3A%22{marker}%22%7D HTTP/1.1"
        ),
        "",
    );

    server.signal(Signal::SIGINT);
    assert!(server.wait().success());
    assert!(
        postmaster_pid(dir).is_none(),
        "PostgreSQL outlived the server"
    );
    let log: Vec<String> = server.stderr.iter().collect();
    assert!(
        log.iter().any(|line| line.contains("/graphql")),
        "requests are logged"
    );
    assert!(
        !log.iter().any(|line| line.contains(marker)),
        "a secret reached the log"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn instances_on_a_database_url_share_it_and_take_no_lock() {
    let url = crate::common::empty_database().await;
    let temp = data_dir();
    let first = Server::start_with(temp.path(), &[("DATABASE_URL", &url)]);
    let second = Server::start_with(temp.path(), &[("DATABASE_URL", &url)]);
    for server in [&first, &second] {
        assert!(server.gql("{ serverTime }")["data"]["serverTime"].is_string());
    }
    assert!(
        !temp.path().join("postgres").exists(),
        "no embedded cluster with DATABASE_URL"
    );
    // Both made dev secrets (the signing secret and the data key) when they started; the
    // database kept one of each for both.
    let mut conn = AsyncPgConnection::establish(&url).await.expect("connect");
    let secrets: i64 = server_secrets::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(secrets, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn pretty_logs_into_a_pipe_carry_no_colour_codes() {
    let url = crate::common::empty_database().await;
    let temp = data_dir();
    let mut server = Server::start_with(
        temp.path(),
        &[("DATABASE_URL", &url), ("ROLLCALL_LOG_FORMAT", "pretty")],
    );
    assert_eq!(
        server.gql("{ version }")["data"]["version"],
        env!("CARGO_PKG_VERSION")
    );
    server.signal(Signal::SIGTERM);
    assert!(server.wait().success());
    let log: Vec<String> = server.stderr.iter().collect();
    let answered = log
        .iter()
        .find(|line| line.contains("answered"))
        .unwrap_or_else(|| panic!("the request was not logged: {log:#?}"));
    assert!(
        answered.contains(" INFO ") && !answered.starts_with('{'),
        "not the pretty format: {answered}"
    );
    let coloured: Vec<_> = log.iter().filter(|line| line.contains("\x1b[")).collect();
    assert!(
        coloured.is_empty(),
        "colour codes in a piped log: {coloured:#?}"
    );
}

const ADMIN_PASSWORD: &str = "a long admin pass phrase";

fn create_admin(dir: &Path, username: &str, env: &[(&str, &str)]) -> Output {
    run(rollcall()
        .args(["create-admin", "--username", username, "--email"])
        .arg(format!("{username}@example.com"))
        .env("ROLLCALL_DATA_DIR", dir)
        .env("ROLLCALL_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .envs(env.iter().copied()))
}

fn admin_login(addr: SocketAddr, username: &str) -> Value {
    post_graphql(
        addr,
        &json!({
            "query": "mutation ($i: LoginInput) { login(input: $i) { user { username role status } } }",
            "variables": { "i": { "login": username, "password": ADMIN_PASSWORD } },
        }),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn create_admin_with_no_server_and_with_a_running_one() {
    let temp = data_dir();
    let dir = temp.path();
    // No server running: it starts the cluster, migrates, creates, stops.
    let output = create_admin(dir, "root", &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        postmaster_pid(dir).is_none(),
        "the cluster was stopped again"
    );

    // An existing account is a clear error.
    let output = create_admin(dir, "root", &[]);
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("exists"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // With a server running, it connects to the server's cluster.
    let mut server = Server::start(dir);
    let output = create_admin(dir, "second", &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for username in ["root", "second"] {
        let body = admin_login(server.addr, username);
        assert_eq!(body["data"]["login"]["user"]["role"], "ADMIN", "{body}");
        assert_eq!(body["data"]["login"]["user"]["status"], "ACTIVE");
    }
    server.signal(Signal::SIGTERM);
    assert!(server.wait().success());
}

#[tokio::test(flavor = "multi_thread")]
async fn create_admin_against_a_database_url() {
    let url = crate::common::empty_database().await;
    let temp = data_dir();
    let output = create_admin(temp.path(), "root", &[("DATABASE_URL", &url)]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let server = Server::start_with(temp.path(), &[("DATABASE_URL", &url)]);
    assert_eq!(
        admin_login(server.addr, "root")["data"]["login"]["user"]["role"],
        "ADMIN"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn seed_demo_fills_an_empty_database_once() {
    let url = crate::common::empty_database().await;
    let temp = data_dir();
    let seed = || {
        run(rollcall()
            .arg("seed-demo")
            .env("ROLLCALL_DATA_DIR", temp.path())
            .env("DATABASE_URL", &url))
    };
    let output = seed();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for account in ["olivia", "hannah", "max", "cora", "ann"] {
        assert!(stdout.contains(account), "{stdout}");
    }
    let password = stdout
        .lines()
        .find_map(|line| line.strip_prefix("Password of every demo account: "))
        .unwrap_or_else(|| panic!("no password in {stdout}"))
        .trim()
        .to_owned();

    let server = Server::start_with(temp.path(), &[("DATABASE_URL", &url)]);
    let login = post_graphql(
        server.addr,
        &json!({
            "query": "mutation ($i: LoginInput) { login(input: $i) { accessToken user { role } } }",
            "variables": { "i": { "login": "hannah", "password": password } },
        }),
    );
    assert_eq!(
        login["data"]["login"]["user"]["role"], "HEAD_MANAGER",
        "{login}"
    );
    let token = login["data"]["login"]["accessToken"]
        .as_str()
        .expect("a token")
        .to_owned();
    let body = post_graphql_with_token(
        server.addr,
        &token,
        &json!({ "query": "{ groups { totalCount nodes { clients { name } } }
            clientSubscriptions(filter: {status: EXPIRED}) { totalCount }
            timesheets(filter: {status: FINALIZED}) { totalCount }
            books { totalCount }
            loans(filter: {overdue: true}) { nodes { book { title } overdue } } }" }),
    );
    let data = &body["data"];
    assert_eq!(data["groups"]["totalCount"], 4, "{body}");
    let clients: usize = data["groups"]["nodes"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|group| group["clients"].as_array().expect("clients").len())
        .sum();
    assert_eq!(clients, 24, "every client is in a group: {body}");
    assert!(
        data["clientSubscriptions"]["totalCount"].as_i64() > Some(0),
        "{body}"
    );
    assert!(
        data["timesheets"]["totalCount"].as_i64() > Some(0),
        "{body}"
    );

    // Not twice.
    let output = seed();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("has companies"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
