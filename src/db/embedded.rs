//! The embedded PostgreSQL cluster: what `serve` runs when no `DATABASE_URL` is given.
//!
//! The cluster lives in `$ROLLCALL_DATA_DIR/postgres` and is made from the server binaries
//! already on the machine (`pg_config --bindir`, `PATH`, `/usr/lib/postgresql/*/bin`). It
//! listens on a Unix socket inside its own data folder, which only its owner can open; where that
//! path is too long for a socket it listens on a free loopback port with a generated password
//! instead. PostgreSQL refuses to run as root, so under root the binaries run as the `postgres`
//! OS user.
//!
//! [`EmbeddedServer`] adds what `serve` needs on top of a [`Cluster`]: a lock on the data folder
//! (one server per data folder) and the clean-up of a postmaster left behind by a crash. The test
//! harness uses [`Cluster`] alone for its throwaway clusters.

use std::fs::{self, File};
use std::io::Write;
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use rand::Rng;
use rand::distr::Alphanumeric;

use crate::secret::Secret;

/// The oldest PostgreSQL major version Rollcall supports.
const MIN_MAJOR: u32 = 13;
/// `sun_path` holds 108 bytes including the final NUL.
const MAX_SOCKET_PATH: usize = 107;
/// The port number in the socket's name; the socket folder is private, so it never clashes.
const SOCKET_PORT: u16 = 5432;
/// The settings file Rollcall rewrites before every start (listening address and the like).
const SETTINGS_FILE: &str = "rollcall.conf";
/// How long to wait for the postmaster's process to end once it has shut down.
const EXIT_WAIT: Duration = Duration::from_secs(10);

/// Why the embedded cluster could not be used. The message says what to do about it.
#[derive(Debug, thiserror::Error)]
#[error("embedded PostgreSQL: {0}")]
pub struct EmbeddedError(String);

type Result<T> = std::result::Result<T, EmbeddedError>;

fn fail<T>(message: impl Into<String>) -> Result<T> {
    Err(EmbeddedError(message.into()))
}

/// How a cluster is tuned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Every commit reaches the disk: for data that must survive.
    Durable,
    /// No fsync: for throwaway test clusters, where speed matters and a crash loses nothing.
    Throwaway,
}

/// The OS account the server binaries run as (only when we are root).
#[derive(Debug, Clone, Copy)]
struct Owner {
    uid: u32,
    gid: u32,
}

/// Where a running cluster listens.
#[derive(Debug, Clone)]
enum Listen {
    Socket(PathBuf),
    Tcp(u16),
}

/// A PostgreSQL cluster in a folder of ours, started and stopped with `pg_ctl`.
#[derive(Debug)]
pub struct Cluster {
    bindir: PathBuf,
    pgdata: PathBuf,
    owner: Option<Owner>,
    listen: Listen,
    password: Secret<String>,
    durability: Durability,
}

impl Cluster {
    /// Opens the cluster in `pgdata`, creating it first when the folder holds none.
    ///
    /// `pgdata` must be an absolute path. Its parent holds the password file.
    pub fn open(pgdata: &Path, durability: Durability) -> Result<Self> {
        let owner = owner()?;
        let data_major = read_major(pgdata)?;
        let (bindir, major) = find_binaries(data_major)?;
        let password_file = password_path(pgdata);
        let password = match data_major {
            Some(_) => read_password(&password_file)?,
            None => {
                let password = random_password();
                init(&bindir, pgdata, owner, &password, &password_file)?;
                password
            }
        };
        tracing::debug!(pgdata = %pgdata.display(), major, "PostgreSQL cluster ready to start");
        let listen = listen_for(pgdata)?;
        Ok(Self {
            bindir,
            pgdata: pgdata.to_owned(),
            owner,
            listen,
            password,
            durability,
        })
    }

    /// The cluster's data folder.
    pub fn pgdata(&self) -> &Path {
        &self.pgdata
    }

    /// The path of the `pg_ctl` binary that manages this cluster.
    pub fn pg_ctl(&self) -> PathBuf {
        self.bindir.join("pg_ctl")
    }

    /// A connection URL for database `database` as the superuser.
    pub fn url(&self, database: &str) -> Secret<String> {
        Secret::new(match &self.listen {
            Listen::Socket(dir) => format!(
                "postgres:///{database}?user=postgres&host={}&port={SOCKET_PORT}",
                percent_encode(&dir.to_string_lossy())
            ),
            Listen::Tcp(port) => format!(
                "postgres://postgres:{}@127.0.0.1:{port}/{database}",
                self.password.expose()
            ),
        })
    }

    /// Whether a postmaster is running on this data folder.
    pub fn is_running(&self) -> Result<bool> {
        // pg_ctl status: 0 running, 3 not running, 4 no accessible data folder.
        let output = self.run_output(self.pg_ctl_command().arg("status"))?;
        Ok(output.status.success())
    }

    /// Starts the postmaster and waits until it accepts connections.
    pub fn start(&mut self) -> Result<()> {
        if let Listen::Tcp(_) = self.listen {
            self.listen = Listen::Tcp(free_port()?);
        }
        self.write_settings()?;
        let log = self.pgdata.join("postmaster.log");
        let mut command = self.pg_ctl_command();
        command
            .args(["start", "--wait", "--timeout=120", "--silent", "--log"])
            .arg(&log);
        let output = self.run_output(&mut command)?;
        if !output.status.success() {
            let tail = fs::read_to_string(&log)
                .map(|log| last_lines(&log, 5))
                .unwrap_or_default();
            return fail(format!(
                "could not start PostgreSQL in {}: {}{}",
                self.pgdata.display(),
                String::from_utf8_lossy(&output.stderr).trim(),
                if tail.is_empty() {
                    String::new()
                } else {
                    format!("\n{tail}")
                }
            ));
        }
        Ok(())
    }

    /// Stops the postmaster (fast shutdown: open sessions are ended) if it runs, and returns
    /// once its process is gone.
    pub fn stop(&self) -> Result<()> {
        if !self.is_running()? {
            return Ok(());
        }
        let postmaster = self.postmaster_pid();
        let output = self.run_output(self.pg_ctl_command().args([
            "stop",
            "--wait",
            "--timeout=60",
            "--silent",
            "--mode=fast",
        ]))?;
        if !output.status.success() && self.is_running()? {
            return fail(format!(
                "could not stop PostgreSQL in {}: {}",
                self.pgdata.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        // pg_ctl returns when the pid file is gone; the process itself may take a moment more.
        if let Some(pid) = postmaster {
            let deadline = Instant::now() + EXIT_WAIT;
            while process_alive(pid) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        Ok(())
    }

    /// Takes the listening address of the postmaster another process started.
    fn adopt_running(&mut self) -> Result<()> {
        if !self.is_running()? {
            return fail(format!(
                "a rollcall server holds the data dir of {}, but its PostgreSQL is not running",
                self.pgdata.display()
            ));
        }
        if let Listen::Tcp(_) = self.listen {
            // The fourth line of postmaster.pid is the port.
            let port = fs::read_to_string(self.pgdata.join("postmaster.pid"))
                .ok()
                .and_then(|text| text.lines().nth(3)?.trim().parse().ok())
                .ok_or_else(|| EmbeddedError("cannot read the running PostgreSQL's port".into()))?;
            self.listen = Listen::Tcp(port);
        }
        Ok(())
    }

    /// The postmaster's process id, from the first line of `postmaster.pid`.
    pub fn postmaster_pid(&self) -> Option<i32> {
        let text = fs::read_to_string(self.pgdata.join("postmaster.pid")).ok()?;
        text.lines().next()?.trim().parse().ok()
    }

    fn write_settings(&self) -> Result<()> {
        let listen = match &self.listen {
            Listen::Socket(dir) => format!(
                "listen_addresses = ''\nunix_socket_directories = '{}'\nunix_socket_permissions = 0700\nport = {SOCKET_PORT}\n",
                quote_conf(&dir.to_string_lossy())
            ),
            Listen::Tcp(port) => {
                format!(
                    "listen_addresses = '127.0.0.1'\nunix_socket_directories = ''\nport = {port}\n"
                )
            }
        };
        let tuning = match self.durability {
            Durability::Durable => "",
            Durability::Throwaway => {
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 300\n"
            }
        };
        let path = self.pgdata.join(SETTINGS_FILE);
        let contents =
            format!("# Written by rollcall before every start; edits are lost.\n{listen}{tuning}");
        fs::write(&path, contents)
            .map_err(|err| EmbeddedError(format!("cannot write {}: {err}", path.display())))?;
        if let Some(owner) = self.owner {
            chown(&path, owner)?;
        }
        Ok(())
    }

    fn pg_ctl_command(&self) -> Command {
        let mut command = command_as(self.owner, &self.pg_ctl());
        command.arg("--pgdata").arg(&self.pgdata);
        command
    }

    fn run_output(&self, command: &mut Command) -> Result<Output> {
        command
            .output()
            .map_err(|err| EmbeddedError(format!("cannot run {}: {err}", self.pg_ctl().display())))
    }
}

/// The embedded cluster as a one-off command (`create-admin`) finds it.
#[derive(Debug)]
pub enum Embedded {
    /// No server was running: the command started the cluster and stops it when done.
    Owned(EmbeddedServer),
    /// A running server owns the cluster: the command only connects to it.
    Attached(Cluster),
}

impl Embedded {
    /// The cluster, whoever runs it.
    pub fn cluster(&self) -> &Cluster {
        match self {
            Self::Owned(server) => server.cluster(),
            Self::Attached(cluster) => cluster,
        }
    }

    /// Stops the cluster if this process started it.
    pub fn release(self) -> Result<()> {
        match self {
            Self::Owned(server) => server.stop(),
            Self::Attached(_) => Ok(()),
        }
    }
}

/// The embedded cluster of `serve`: a [`Cluster`] plus the lock that makes it ours alone.
#[derive(Debug)]
pub struct EmbeddedServer {
    cluster: Cluster,
    _lock: File,
}

impl EmbeddedServer {
    /// Locks `data_dir`, opens (or creates) its cluster, stops a postmaster a crashed server left
    /// behind, and starts it.
    pub fn start(data_dir: &Path) -> Result<Self> {
        let data_dir = prepare_data_dir(data_dir)?;
        let lock = lock_data_dir(&data_dir)?.ok_or_else(|| {
            EmbeddedError(format!(
                "another rollcall server is using the data dir {}; stop it, or give this one \
                 another --data-dir (or DATABASE_URL)",
                data_dir.display()
            ))
        })?;
        Self::start_locked(&data_dir, lock)
    }

    /// Starts the cluster like [`EmbeddedServer::start`], or, when a running server holds the
    /// data dir, connects to the cluster it runs.
    pub fn start_or_attach(data_dir: &Path) -> Result<Embedded> {
        let data_dir = prepare_data_dir(data_dir)?;
        match lock_data_dir(&data_dir)? {
            Some(lock) => Ok(Embedded::Owned(Self::start_locked(&data_dir, lock)?)),
            None => {
                let mut cluster = Cluster::open(&data_dir.join("postgres"), Durability::Durable)?;
                cluster.adopt_running()?;
                Ok(Embedded::Attached(cluster))
            }
        }
    }

    fn start_locked(data_dir: &Path, lock: File) -> Result<Self> {
        let mut cluster = Cluster::open(&data_dir.join("postgres"), Durability::Durable)?;
        if cluster.is_running()? {
            // We hold the lock, so no live server owns this postmaster: a crash left it behind.
            tracing::warn!("found a PostgreSQL left running by an earlier server; restarting it");
            cluster.stop()?;
        }
        cluster.start()?;
        Ok(Self {
            cluster,
            _lock: lock,
        })
    }

    /// The running cluster.
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    /// Stops the cluster; the data folder lock is released when `self` is dropped.
    pub fn stop(self) -> Result<()> {
        self.cluster.stop()
    }
}

fn prepare_data_dir(data_dir: &Path) -> Result<PathBuf> {
    fs::create_dir_all(data_dir).map_err(|err| {
        EmbeddedError(format!(
            "cannot create data dir {}: {err}",
            data_dir.display()
        ))
    })?;
    data_dir.canonicalize().map_err(|err| {
        EmbeddedError(format!(
            "cannot open data dir {}: {err}",
            data_dir.display()
        ))
    })
}

/// Locks the data dir for this process; `None` when another process holds it.
fn lock_data_dir(data_dir: &Path) -> Result<Option<File>> {
    let path = data_dir.join("rollcall.lock");
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|err| EmbeddedError(format!("cannot open {}: {err}", path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(fs::TryLockError::WouldBlock) => Ok(None),
        Err(fs::TryLockError::Error(err)) => fail(format!("cannot lock {}: {err}", path.display())),
    }
}

/// Under root, the `postgres` account; otherwise nobody (we run the binaries ourselves).
fn owner() -> Result<Option<Owner>> {
    if !nix::unistd::geteuid().is_root() {
        return Ok(None);
    }
    match nix::unistd::User::from_name("postgres") {
        Ok(Some(user)) => Ok(Some(Owner {
            uid: user.uid.as_raw(),
            gid: user.gid.as_raw(),
        })),
        _ => fail(
            "running as root needs a `postgres` OS user to run PostgreSQL, which refuses to run \
             as root (Debian's postgresql package creates it); or set DATABASE_URL",
        ),
    }
}

fn command_as(owner: Option<Owner>, program: &Path) -> Command {
    let mut command = Command::new(program);
    // Its own process group: a Ctrl-C meant for the server must not stop PostgreSQL under the
    // requests that are still finishing.
    command.process_group(0).current_dir("/");
    if let Some(owner) = owner {
        command.uid(owner.uid).gid(owner.gid);
    }
    command
}

fn chown(path: &Path, owner: Owner) -> Result<()> {
    std::os::unix::fs::chown(path, Some(owner.uid), Some(owner.gid))
        .map_err(|err| EmbeddedError(format!("cannot hand {} to postgres: {err}", path.display())))
}

/// The major version recorded in an existing cluster, or `None` for an empty folder.
fn read_major(pgdata: &Path) -> Result<Option<u32>> {
    let path = pgdata.join("PG_VERSION");
    match fs::read_to_string(&path) {
        Ok(text) => match text.trim().parse() {
            Ok(major) => Ok(Some(major)),
            Err(_) => fail(format!("{} is not a PostgreSQL version", path.display())),
        },
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            if fs::read_dir(pgdata).is_ok_and(|mut entries| entries.next().is_some()) {
                return fail(format!(
                    "{} is not empty but holds no PostgreSQL cluster; move it away",
                    pgdata.display()
                ));
            }
            Ok(None)
        }
        // Under root the folder belongs to postgres; reading it as root still works, so any
        // other error is real.
        Err(err) => fail(format!("cannot read {}: {err}", path.display())),
    }
}

/// Finds server binaries, of major version `wanted` when given.
fn find_binaries(wanted: Option<u32>) -> Result<(PathBuf, u32)> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Ok(output) = Command::new("pg_config").arg("--bindir").output()
        && output.status.success()
    {
        candidates.push(PathBuf::from(
            String::from_utf8_lossy(&output.stdout).trim(),
        ));
    }
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path));
    }
    let mut versioned: Vec<PathBuf> = fs::read_dir("/usr/lib/postgresql")
        .map(|entries| entries.flatten().map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    versioned.sort_by_key(|dir| std::cmp::Reverse(major_from_dir(dir)));
    candidates.extend(versioned);

    let mut found = Vec::new();
    for dir in candidates {
        if !["postgres", "initdb", "pg_ctl"]
            .iter()
            .all(|bin| dir.join(bin).is_file())
        {
            continue;
        }
        let Some(major) = binary_major(&dir) else {
            continue;
        };
        match wanted {
            Some(wanted) if wanted != major => found.push(major),
            _ if major < MIN_MAJOR => found.push(major),
            _ => return Ok((dir, major)),
        }
    }
    found.sort_unstable();
    found.dedup();
    let found = if found.is_empty() {
        "none were found (looked at pg_config --bindir, PATH and /usr/lib/postgresql/*/bin)"
            .to_owned()
    } else {
        format!(
            "only PostgreSQL {} is installed",
            found
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    match wanted {
        Some(wanted) => fail(format!(
            "the data dir was created by PostgreSQL {wanted}, but {found}: install its server \
             binaries (Debian: apt-get install postgresql-{wanted}) or set DATABASE_URL"
        )),
        None => fail(format!(
            "PostgreSQL {MIN_MAJOR} or newer is needed, but {found}: install it (Debian: \
             apt-get install postgresql) or set DATABASE_URL"
        )),
    }
}

fn major_from_dir(bindir: &Path) -> u32 {
    bindir
        .parent()
        .and_then(Path::file_name)
        .and_then(|name| name.to_str()?.parse().ok())
        .unwrap_or(0)
}

/// Reads the major version from `postgres --version` ("postgres (PostgreSQL) 15.4 (Debian ...)").
fn binary_major(bindir: &Path) -> Option<u32> {
    let output = Command::new(bindir.join("postgres"))
        .arg("--version")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let version = text.split(')').nth(1)?.split_whitespace().next()?;
    version.split(['.', 'b', 'r']).next()?.parse().ok()
}

fn init(
    bindir: &Path,
    pgdata: &Path,
    owner: Option<Owner>,
    password: &Secret<String>,
    password_file: &Path,
) -> Result<()> {
    fs::create_dir_all(pgdata)
        .map_err(|err| EmbeddedError(format!("cannot create {}: {err}", pgdata.display())))?;
    fs::set_permissions(pgdata, fs::Permissions::from_mode(0o700))
        .map_err(|err| EmbeddedError(format!("cannot protect {}: {err}", pgdata.display())))?;
    // initdb reads the superuser password from a file that its account can read; it is removed
    // right after.
    let pwfile = pgdata.with_extension("initpw");
    write_private(&pwfile, password.expose())?;
    if let Some(owner) = owner {
        chown(pgdata, owner)?;
        chown(&pwfile, owner)?;
        check_reachable(pgdata, owner)?;
    }
    let output = command_as(owner, &bindir.join("initdb"))
        .arg("--pgdata")
        .arg(pgdata)
        .args([
            "--username=postgres",
            "--encoding=UTF8",
            "--locale=C",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--no-instructions",
        ])
        .arg(format!("--pwfile={}", pwfile.display()))
        .output();
    let _ = fs::remove_file(&pwfile);
    let output = output.map_err(|err| {
        EmbeddedError(format!("cannot run initdb in {}: {err}", bindir.display()))
    })?;
    if !output.status.success() {
        let _ = fs::remove_dir_all(pgdata);
        return fail(format!(
            "initdb failed: {}",
            last_lines(&String::from_utf8_lossy(&output.stderr), 5)
        ));
    }
    let conf = pgdata.join("postgresql.conf");
    let mut file = fs::OpenOptions::new()
        .append(true)
        .open(&conf)
        .map_err(|err| EmbeddedError(format!("cannot open {}: {err}", conf.display())))?;
    writeln!(file, "\ninclude_if_exists = '{SETTINGS_FILE}'")
        .map_err(|err| EmbeddedError(format!("cannot write {}: {err}", conf.display())))?;
    write_private(password_file, password.expose())
}

/// PostgreSQL's account must be able to walk to its data folder: a data dir under a private
/// home folder (like `/root`) is a common way to fail, so say so plainly.
fn check_reachable(pgdata: &Path, owner: Owner) -> Result<()> {
    let reachable = command_as(Some(owner), Path::new("test"))
        .arg("-w")
        .arg(pgdata)
        .status()
        .is_ok_and(|status| status.success());
    if reachable {
        Ok(())
    } else {
        fail(format!(
            "the postgres OS user cannot reach {}: every folder above it must be searchable by \
             others (chmod o+x), or choose another --data-dir, or set DATABASE_URL",
            pgdata.display()
        ))
    }
}

fn listen_for(pgdata: &Path) -> Result<Listen> {
    let socket = pgdata.join(format!(".s.PGSQL.{SOCKET_PORT}"));
    if socket.as_os_str().len() <= MAX_SOCKET_PATH {
        Ok(Listen::Socket(pgdata.to_owned()))
    } else {
        Ok(Listen::Tcp(free_port()?))
    }
}

/// Whether process `pid` exists and has not exited (a zombie has).
pub fn process_alive(pid: i32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name, which is in parentheses and may hold spaces.
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')),
        Err(_) => nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok(),
    }
}

fn free_port() -> Result<u16> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|err| EmbeddedError(format!("cannot find a free loopback port: {err}")))
}

fn password_path(pgdata: &Path) -> PathBuf {
    pgdata.with_extension("password")
}

fn read_password(path: &Path) -> Result<Secret<String>> {
    fs::read_to_string(path)
        .map(|text| Secret::new(text.trim().to_owned()))
        .map_err(|err| EmbeddedError(format!("cannot read {}: {err}", path.display())))
}

fn random_password() -> Secret<String> {
    Secret::new(
        rand::rng()
            .sample_iter(Alphanumeric)
            .take(32)
            .map(char::from)
            .collect(),
    )
}

fn write_private(path: &Path, contents: &str) -> Result<()> {
    let mut file = fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o600)
        .open(path)
        .map_err(|err| EmbeddedError(format!("cannot write {}: {err}", path.display())))?;
    file.write_all(contents.as_bytes())
        .map_err(|err| EmbeddedError(format!("cannot write {}: {err}", path.display())))
}

fn quote_conf(value: &str) -> String {
    value.replace('\'', "''")
}

fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn last_lines(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(count)..].join("\n")
}
