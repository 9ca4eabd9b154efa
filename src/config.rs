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
//! | `ROLLCALL_PUBLIC_URL` | `--public-url` | `http://<bind>` |
//! | `ROLLCALL_CORS_ORIGINS` | `--cors-origins` | none (same origin only) |
//! | `ROLLCALL_POOL_SIZE` | `--pool-size` | `16` |
//! | `ROLLCALL_POOL_TIMEOUT` | `--pool-timeout` | `5s` |
//! | `ROLLCALL_STATEMENT_TIMEOUT` | `--statement-timeout` | `10s` |
//! | `ROLLCALL_REQUEST_TIMEOUT` | `--request-timeout` | `30s` |
//! | `ROLLCALL_LOG_FORMAT` | `--log-format` | `pretty` |
//! | `ROLLCALL_LOG` | `--log` | `info` |
//! | `ROLLCALL_TRUSTED_PROXIES` | `--trusted-proxies` | none |

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use axum::http::HeaderValue;
use clap::{Args, Parser, Subcommand, ValueEnum};
use ipnet::IpNet;

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
(or the file named by ROLLCALL_JWT_SECRET_FILE)."
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
#[derive(Debug, Clone, Copy, Subcommand)]
pub enum Command {
    /// Run the server (the default): migrate the database, then answer GraphQL.
    Serve,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Print the GraphQL schema (SDL) to standard output.
    ExportSchema,
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
        let jwt_secret = read_jwt_secret(&settings)?;
        if settings.environment == Environment::Prod && jwt_secret.is_none() {
            return Err(SettingError {
                name: "ROLLCALL_JWT_SECRET",
                expected: "required in prod (or ROLLCALL_JWT_SECRET_FILE): at least 32 bytes"
                    .into(),
            });
        }
        Ok(Self {
            settings,
            database_url,
            jwt_secret,
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

fn read_jwt_secret(settings: &Settings) -> Result<Option<Secret<Vec<u8>>>, SettingError> {
    let from_env = non_empty_env("ROLLCALL_JWT_SECRET").map(String::into_bytes);
    let (name, secret) = match (&settings.jwt_secret_file, from_env) {
        (Some(_), Some(_)) => {
            return Err(SettingError {
                name: "ROLLCALL_JWT_SECRET",
                expected: "set either ROLLCALL_JWT_SECRET or ROLLCALL_JWT_SECRET_FILE, not both"
                    .into(),
            });
        }
        (Some(path), None) => {
            let bytes = std::fs::read(path).map_err(|err| SettingError {
                name: "ROLLCALL_JWT_SECRET_FILE",
                expected: format!("a readable file ({}: {err})", path.display()),
            })?;
            ("ROLLCALL_JWT_SECRET_FILE", trim_ascii_end(bytes))
        }
        (None, Some(bytes)) => ("ROLLCALL_JWT_SECRET", bytes),
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
    fn proxies() {
        assert!(parse_net("10.0.0.0/8").is_ok());
        assert!(parse_net("127.0.0.1").is_ok());
        assert!(parse_net("::1").is_ok());
        assert!(parse_net("nope").is_err());
    }
}
