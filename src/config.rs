//! Every setting of the server, in one place.
//!
//! Each setting is a command-line flag and an environment variable (a `.env` file in the working
//! directory is read first, if present). Secrets are read only from the environment or from a
//! file, never from a flag, because flags show in process lists:
//!
//! | variable | flag | default |
//! |---|---|---|
//! | `DATABASE_URL` | — (may hold a password) | embedded cluster in the data dir |
//! | `ROLLCALL_BIND` | `--bind` | `127.0.0.1:8080` |
//! | `ROLLCALL_ENV` | `--env` | `dev` |
//! | `ROLLCALL_DATA_DIR` | `--data-dir` | `./data` |
//! | `ROLLCALL_JWT_SECRET` | — (secret) | dev: generated once, kept in the database |
//! | `ROLLCALL_JWT_SECRET_FILE` | `--jwt-secret-file` | |
//! | `ROLLCALL_JWT_PREVIOUS_SECRET` | — (secret) | none; still verifies tokens during a key rotation |
//! | `ROLLCALL_DATA_KEY` | — (secret) | dev: generated once, kept in the database |
//! | `ROLLCALL_DATA_KEY_FILE` | `--data-key-file` | |
//! | `ROLLCALL_PUBLIC_URL` | `--public-url` | `http://<bind>` |
//! | `ROLLCALL_CORS_ORIGINS` | `--cors-origins` | none (same origin only) |
//! | `ROLLCALL_POOL_SIZE` | `--pool-size` | `16` |
//! | `ROLLCALL_POOL_TIMEOUT` | `--pool-timeout` | `5s` |
//! | `ROLLCALL_STATEMENT_TIMEOUT` | `--statement-timeout` | `10s` |
//! | `ROLLCALL_REQUEST_TIMEOUT` | `--request-timeout` | `30s` |
//! | `ROLLCALL_LOG_FORMAT` | `--log-format` | `pretty` |
//! | `ROLLCALL_LOG` | `--log` | `info` |
//! | `ROLLCALL_TRUSTED_PROXIES` | `--trusted-proxies` | none |
//! | `ROLLCALL_GRAPHIQL` | `--graphiql` | on in dev, off in prod |
//! | `ROLLCALL_HEADER_TIMEOUT` | `--header-timeout` | `10s` |
//! | `ROLLCALL_MAX_CONNECTIONS` | `--max-connections` | `1024` |
//! | `ROLLCALL_SHUTDOWN_TIMEOUT` | `--shutdown-timeout` | `30s` |
//! | `ROLLCALL_WS_INIT_TIMEOUT` | `--ws-init-timeout` | `10s` |
//! | `ROLLCALL_WS_PING_INTERVAL` | `--ws-ping-interval` | `15s` |
//! | `ROLLCALL_MAIL_FROM` | `--mail-from` | `Rollcall <rollcall@localhost>` |
//! | `ROLLCALL_SMTP_URL` | — (may hold a password) | dev: mail is logged, not sent; required in prod |

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use axum::http::HeaderValue;
use clap::{Args, Parser, Subcommand, ValueEnum};
use ipnet::IpNet;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, Tokio1Executor};

use crate::secret::Secret;

/// The shortest JWT secret we accept, in bytes: HS256 wants at least its output size.
pub const MIN_SECRET_BYTES: usize = 32;

/// The command line: a subcommand and the settings every subcommand shares.
#[derive(Debug, Parser)]
#[command(
    name = "rollcall",
    version,
    about = "GraphQL API server for attendance and time-keeping"
)]
#[command(
    after_help = "Secrets are read from the environment only: DATABASE_URL, ROLLCALL_JWT_SECRET \
(or the file named by ROLLCALL_JWT_SECRET_FILE), ROLLCALL_DATA_KEY (or ROLLCALL_DATA_KEY_FILE), \
ROLLCALL_SMTP_URL."
)]
pub struct Cli {
    /// What to do; `serve` when left out.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Settings shared by every subcommand.
    #[command(flatten)]
    pub settings: Settings,
}

/// The subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Run the server (the default): migrate the database, then answer GraphQL.
    Serve,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Print the GraphQL schema (SDL) to standard output.
    ExportSchema,
    /// Create an active ADMIN account. The password is asked for on the terminal, or read from
    /// ROLLCALL_ADMIN_PASSWORD when there is none. Works with DATABASE_URL, with the embedded
    /// database of a running server, and with no server running.
    CreateAdmin(CreateAdmin),
    /// Fill an empty database with a demo studio (locations, coaches, clients, a term of
    /// lessons with attendance, work sessions and timesheets) and print its accounts and their
    /// password. Refuses a database that has companies.
    SeedDemo,
}

/// The account `create-admin` makes.
#[derive(Debug, Clone, Args)]
pub struct CreateAdmin {
    /// Its email address.
    #[arg(long)]
    pub email: String,
    /// Its username (3 to 32 of a-z 0-9 . _ -).
    #[arg(long)]
    pub username: String,
    /// Its display name (defaults to the username).
    #[arg(long)]
    pub name: Option<String>,
}

/// Where the server runs: `prod` demands real secrets and hides introspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    Dev,
    Prod,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Settings given as flags or environment variables.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address and port to listen on.
    #[arg(
        long,
        env = "ROLLCALL_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: SocketAddr,
    /// `dev` or `prod`.
    #[arg(
        long = "env",
        env = "ROLLCALL_ENV",
        value_enum,
        default_value = "dev",
        global = true
    )]
    pub environment: Environment,
    /// Folder for the embedded PostgreSQL cluster and other local state.
    #[arg(
        long,
        env = "ROLLCALL_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// File holding the JWT signing secret (at least 32 bytes).
    #[arg(long, env = "ROLLCALL_JWT_SECRET_FILE", global = true)]
    pub jwt_secret_file: Option<PathBuf>,
    /// File holding the data key (at least 32 bytes), which keys the HMACs of fingerprints
    /// and PINs.
    #[arg(long, env = "ROLLCALL_DATA_KEY_FILE", global = true)]
    pub data_key_file: Option<PathBuf>,
    /// Public base URL of this server, used for links in mails.
    #[arg(long, env = "ROLLCALL_PUBLIC_URL", value_parser = parse_public_url, global = true)]
    pub public_url: Option<String>,
    /// Browser origins allowed to call the API (comma-separated), e.g. https://app.example.com.
    #[arg(long, env = "ROLLCALL_CORS_ORIGINS", value_delimiter = ',', value_parser = parse_origin, global = true)]
    pub cors_origins: Vec<HeaderValue>,
    /// Most database connections held open at once.
    #[arg(long, env = "ROLLCALL_POOL_SIZE", default_value = "16", value_parser = parse_pool_size, global = true)]
    pub pool_size: usize,
    /// Longest wait for a database connection before SERVICE_UNAVAILABLE (e.g. 5s, 500ms).
    #[arg(long, env = "ROLLCALL_POOL_TIMEOUT", default_value = "5s", value_parser = parse_duration, global = true)]
    pub pool_timeout: Duration,
    /// Longest time one SQL statement may run.
    #[arg(long, env = "ROLLCALL_STATEMENT_TIMEOUT", default_value = "10s", value_parser = parse_duration, global = true)]
    pub statement_timeout: Duration,
    /// Longest time one GraphQL request may take before TIMEOUT.
    #[arg(long, env = "ROLLCALL_REQUEST_TIMEOUT", default_value = "30s", value_parser = parse_duration, global = true)]
    pub request_timeout: Duration,
    /// `pretty` or `json`.
    #[arg(
        long,
        env = "ROLLCALL_LOG_FORMAT",
        value_enum,
        default_value = "pretty",
        global = true
    )]
    pub log_format: LogFormat,
    /// Log filter, e.g. `info` or `rollcall=debug,info`.
    #[arg(long, env = "ROLLCALL_LOG", default_value = "info", global = true)]
    pub log: String,
    /// Proxies whose X-Forwarded-For is believed (comma-separated addresses or CIDR ranges).
    #[arg(long, env = "ROLLCALL_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_net, global = true)]
    pub trusted_proxies: Vec<IpNet>,
    /// Serve GraphiQL at /graphiql (`true` or `false`); in prod it also turns introspection on.
    /// Defaults to on in dev and off in prod.
    #[arg(long, env = "ROLLCALL_GRAPHIQL", value_parser = parse_bool, global = true)]
    pub graphiql: Option<bool>,
    /// Longest wait for a request's headers, counted from when the connection opens or the
    /// previous response ends: slow clients are cut off, idle keep-alive connections closed.
    #[arg(long, env = "ROLLCALL_HEADER_TIMEOUT", default_value = "10s", value_parser = parse_duration, global = true)]
    pub header_timeout: Duration,
    /// Most client connections (HTTP and WebSocket) served at once; more wait to be accepted.
    #[arg(long, env = "ROLLCALL_MAX_CONNECTIONS", default_value = "1024", value_parser = parse_max_connections, global = true)]
    pub max_connections: usize,
    /// Longest time open requests get to finish once a shutdown begins.
    #[arg(long, env = "ROLLCALL_SHUTDOWN_TIMEOUT", default_value = "30s", value_parser = parse_duration, global = true)]
    pub shutdown_timeout: Duration,
    /// Longest time a WebSocket client may take to send `connection_init`.
    #[arg(long, env = "ROLLCALL_WS_INIT_TIMEOUT", default_value = "10s", value_parser = parse_duration, global = true)]
    pub ws_init_timeout: Duration,
    /// How often the server pings WebSocket clients to keep the connection alive.
    #[arg(long, env = "ROLLCALL_WS_PING_INTERVAL", default_value = "15s", value_parser = parse_duration, global = true)]
    pub ws_ping_interval: Duration,
    /// Sender of the mail the server sends, e.g. `Rollcall <noreply@example.com>`.
    #[arg(long, env = "ROLLCALL_MAIL_FROM", default_value = "Rollcall <rollcall@localhost>", value_parser = parse_mailbox, global = true)]
    pub mail_from: Mailbox,
}

/// The settings after secrets have been read and checked.
#[derive(Debug, Clone)]
pub struct Config {
    pub settings: Settings,
    /// Set when an external database is used; otherwise the embedded cluster runs.
    pub database_url: Option<Secret<String>>,
    /// The JWT secret from the environment or its file; `None` in dev means "keep one in the
    /// database".
    pub jwt_secret: Option<Secret<Vec<u8>>>,
    /// The secret being rotated out: tokens it signed are still accepted.
    pub jwt_previous_secret: Option<Secret<Vec<u8>>>,
    /// The key of the HMACs of fingerprints and PINs, from the environment or its file; `None`
    /// in dev means "keep one in the database". A secret of its own, so that rotating the
    /// token keys leaves enrolled fingerprints and PINs working.
    pub data_key: Option<Secret<Vec<u8>>>,
    /// The SMTP server mail is sent through, as a lettre URL (it may hold a password); `None`
    /// in dev means "log mail instead of sending it".
    pub smtp_url: Option<Secret<String>>,
}

/// A setting that cannot be used, with the name of the setting and what was expected.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting {name}: {expected}")]
pub struct SettingError {
    pub name: &'static str,
    pub expected: String,
}

impl Config {
    /// Completes `settings` with the secrets found in the environment (or their files) and
    /// checks the rules that involve more than one setting.
    pub fn from_env(settings: Settings) -> Result<Self, SettingError> {
        let database_url = non_empty_env("DATABASE_URL").map(Secret::new);
        let jwt_secret = read_secret(
            "ROLLCALL_JWT_SECRET",
            "ROLLCALL_JWT_SECRET_FILE",
            settings.jwt_secret_file.as_deref(),
        )?;
        let data_key = read_secret(
            "ROLLCALL_DATA_KEY",
            "ROLLCALL_DATA_KEY_FILE",
            settings.data_key_file.as_deref(),
        )?;
        let jwt_previous_secret = match non_empty_env("ROLLCALL_JWT_PREVIOUS_SECRET") {
            Some(secret) if secret.len() < MIN_SECRET_BYTES => {
                return Err(SettingError {
                    name: "ROLLCALL_JWT_PREVIOUS_SECRET",
                    expected: format!("a secret of at least {MIN_SECRET_BYTES} bytes"),
                });
            }
            secret => secret.map(|s| Secret::new(s.into_bytes())),
        };
        if settings.environment == Environment::Prod && jwt_secret.is_none() {
            return Err(SettingError {
                name: "ROLLCALL_JWT_SECRET",
                expected: "required in prod (or ROLLCALL_JWT_SECRET_FILE): at least 32 bytes"
                    .into(),
            });
        }
        if settings.environment == Environment::Prod && data_key.is_none() {
            return Err(SettingError {
                name: "ROLLCALL_DATA_KEY",
                expected: "required in prod (or ROLLCALL_DATA_KEY_FILE): at least 32 bytes".into(),
            });
        }
        let smtp_url = match non_empty_env("ROLLCALL_SMTP_URL") {
            Some(url) => {
                let url = url.trim().to_owned();
                check_smtp_url(&url)?;
                Some(Secret::new(url))
            }
            None => None,
        };
        if settings.environment == Environment::Prod && smtp_url.is_none() {
            return Err(SettingError {
                name: "ROLLCALL_SMTP_URL",
                expected: format!("required in prod: {SMTP_URL_FORM}"),
            });
        }
        Ok(Self {
            settings,
            database_url,
            jwt_secret,
            jwt_previous_secret,
            data_key,
            smtp_url,
        })
    }

    /// The base URL used in links: the configured one, or one made from the bind address.
    pub fn public_url(&self) -> String {
        self.settings
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.settings.bind))
    }

    /// Whether this is a production deployment.
    pub fn is_prod(&self) -> bool {
        self.settings.environment == Environment::Prod
    }

    /// Whether GraphiQL is served (and, in prod, introspection allowed).
    pub fn graphiql(&self) -> bool {
        self.settings.graphiql.unwrap_or(!self.is_prod())
    }

    /// Whether `peer` is one of the trusted proxies.
    pub fn is_trusted_proxy(&self, peer: IpAddr) -> bool {
        self.settings
            .trusted_proxies
            .iter()
            .any(|net| net.contains(&peer))
    }
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A secret from the variable `variable` or from the file named by `file_variable` (`file`),
/// at least [`MIN_SECRET_BYTES`] long; `None` when neither is set.
fn read_secret(
    variable: &'static str,
    file_variable: &'static str,
    file: Option<&std::path::Path>,
) -> Result<Option<Secret<Vec<u8>>>, SettingError> {
    let from_env = non_empty_env(variable).map(String::into_bytes);
    let (name, secret) = match (file, from_env) {
        (Some(_), Some(_)) => {
            return Err(SettingError {
                name: variable,
                expected: format!("set either {variable} or {file_variable}, not both"),
            });
        }
        (Some(path), None) => {
            let bytes = std::fs::read(path).map_err(|err| SettingError {
                name: file_variable,
                expected: format!("a readable file ({}: {err})", path.display()),
            })?;
            (file_variable, trim_ascii_end(bytes))
        }
        (None, Some(bytes)) => (variable, bytes),
        (None, None) => return Ok(None),
    };
    if secret.len() < MIN_SECRET_BYTES {
        return Err(SettingError {
            name,
            expected: format!("a secret of at least {MIN_SECRET_BYTES} bytes"),
        });
    }
    Ok(Some(Secret::new(secret)))
}

/// Files written by editors end with a newline that is not part of the secret.
fn trim_ascii_end(mut bytes: Vec<u8>) -> Vec<u8> {
    while bytes.last().is_some_and(u8::is_ascii_whitespace) {
        bytes.pop();
    }
    bytes
}

/// Parses `500ms`, `5s`, `2m`, `1h` or a plain number of seconds.
pub fn parse_duration(value: &str) -> Result<Duration, String> {
    let expected = || format!("expected a duration such as 500ms, 5s, 2m or 1h, got '{value}'");
    let value = value.trim();
    let split = value
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number: u64 = number.parse().map_err(|_| expected())?;
    let duration = match unit {
        "ms" => Duration::from_millis(number),
        "" | "s" => Duration::from_secs(number),
        "m" => Duration::from_secs(number * 60),
        "h" => Duration::from_secs(number * 3600),
        _ => return Err(expected()),
    };
    if duration.is_zero() {
        return Err("expected a duration above zero".into());
    }
    Ok(duration)
}

fn parse_bool(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(format!("expected true or false, got '{value}'")),
    }
}

fn parse_max_connections(value: &str) -> Result<usize, String> {
    match value.trim().parse::<usize>() {
        Ok(n @ 1..=1_000_000) => Ok(n),
        _ => Err(format!(
            "expected a whole number from 1 to 1000000, got '{value}'"
        )),
    }
}

fn parse_pool_size(value: &str) -> Result<usize, String> {
    match value.trim().parse::<usize>() {
        Ok(n @ 1..=1000) => Ok(n),
        _ => Err(format!(
            "expected a whole number from 1 to 1000, got '{value}'"
        )),
    }
}

fn parse_net(value: &str) -> Result<IpNet, String> {
    let value = value.trim();
    value
        .parse::<IpNet>()
        .or_else(|_| value.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("expected an IP address or CIDR range, got '{value}'"))
}

fn parse_origin(value: &str) -> Result<HeaderValue, String> {
    let value = value.trim().trim_end_matches('/');
    let valid = (value.starts_with("http://") || value.starts_with("https://"))
        && !value["https://".len().min(value.len())..].contains('/');
    match HeaderValue::from_str(value) {
        Ok(header) if valid => Ok(header),
        _ => Err(format!(
            "expected an origin such as https://app.example.com, got '{value}'"
        )),
    }
}

fn parse_public_url(value: &str) -> Result<String, String> {
    let value = value.trim().trim_end_matches('/');
    if (value.starts_with("http://") || value.starts_with("https://"))
        && !value.contains(char::is_whitespace)
    {
        Ok(value.to_owned())
    } else {
        Err(format!(
            "expected an http(s) URL such as https://rollcall.example.com, got '{value}'"
        ))
    }
}

fn parse_mailbox(value: &str) -> Result<Mailbox, String> {
    value.trim().parse().map_err(|_| {
        format!("expected a mail address such as 'Rollcall <noreply@example.com>', got '{value}'")
    })
}

/// What `ROLLCALL_SMTP_URL` looks like, for error messages.
const SMTP_URL_FORM: &str = "a URL such as smtp://localhost:25, \
smtp://user:password@mail.example.com:587?tls=required or smtps://user:password@mail.example.com";

/// Checks `url` with the parser lettre will use, so a typo stops the start-up instead of failing
/// every mail later. The message never repeats the URL, which may hold a password.
fn check_smtp_url(url: &str) -> Result<(), SettingError> {
    match AsyncSmtpTransport::<Tokio1Executor>::from_url(url) {
        Ok(_) => Ok(()),
        Err(err) => Err(SettingError {
            name: "ROLLCALL_SMTP_URL",
            // lettre's errors name the part that is wrong (scheme, host, encoding), not the
            // values, so they are safe to show.
            expected: format!("{SMTP_URL_FORM} ({err})"),
        }),
    }
}

/// Prints a command-line error and answers the exit code. A bad value is reported on one line
/// naming both the flag and its environment variable (the value may have come from either).
pub fn describe_cli_error(err: clap::Error) -> std::process::ExitCode {
    use clap::CommandFactory;
    use clap::error::{ContextKind, ContextValue, ErrorKind};

    let bad_value = matches!(
        err.kind(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation
    );
    let arg = match err.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(arg)) if bad_value => arg.clone(),
        _ => {
            // Help, version and usage errors: clap's own wording is right.
            let _ = err.print();
            return std::process::ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    let long = arg
        .split_whitespace()
        .next()
        .unwrap_or(&arg)
        .trim_start_matches("--");
    let command = Cli::command();
    let env = command
        .get_arguments()
        .find(|a| a.get_long() == Some(long))
        .and_then(|a| a.get_env())
        .map(|env| format!(" ({})", env.to_string_lossy()))
        .unwrap_or_default();
    let value = match err.get(ContextKind::InvalidValue) {
        Some(ContextValue::String(value)) => value.clone(),
        _ => String::new(),
    };
    let expected = match err.get(ContextKind::ValidValue) {
        Some(ContextValue::Strings(values)) => format!("expected one of {}", values.join(", ")),
        _ => std::error::Error::source(&err)
            .map(ToString::to_string)
            .unwrap_or_else(|| "see --help".into()),
    };
    eprintln!("error: invalid setting --{long}{env} '{value}': {expected}");
    std::process::ExitCode::from(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn origins() {
        assert!(parse_origin("https://app.example.com").is_ok());
        assert!(parse_origin("http://localhost:3000/").is_ok());
        assert!(parse_origin("app.example.com").is_err());
        assert!(parse_origin("https://app.example.com/path").is_err());
    }

    #[test]
    fn mail_senders() {
        assert!(parse_mailbox("Rollcall <rollcall@localhost>").is_ok());
        assert!(parse_mailbox("noreply@example.com").is_ok());
        assert!(parse_mailbox("Rollcall").is_err());
        assert!(parse_mailbox("a@b@c").is_err());
    }

    #[test]
    fn smtp_urls() {
        assert!(check_smtp_url("smtp://localhost:25").is_ok());
        assert!(check_smtp_url("smtp://u:p%40ss@mail.example.com:587?tls=required").is_ok());
        assert!(check_smtp_url("smtp://mail.example.com?tls=opportunistic").is_ok());
        assert!(check_smtp_url("smtps://u:secret@mail.example.com").is_ok());
        for bad in [
            "mail.example.com",
            "http://mail.example.com",
            "smtp://h?tls=maybe",
        ] {
            let err = check_smtp_url(bad).expect_err(bad);
            assert_eq!(err.name, "ROLLCALL_SMTP_URL");
            assert!(err.expected.contains("smtps://"), "{}", err.expected);
        }
        let err = check_smtp_url("smtpx://u:hunter2@h").expect_err("bad scheme");
        assert!(!err.expected.contains("hunter2"), "{}", err.expected);
    }

    #[test]
    fn proxies() {
        assert!(parse_net("10.0.0.0/8").is_ok());
        assert!(parse_net("127.0.0.1").is_ok());
        assert!(parse_net("::1").is_ok());
        assert!(parse_net("nope").is_err());
    }
}
