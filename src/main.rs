//! The `rollcall` command: parse the command line, set up logging, run the subcommand.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use rollcall::config::{Cli, Command, Config, LogFormat, Settings, describe_cli_error};
use tracing_appender::non_blocking::WorkerGuard;

/// mimalloc rather than glibc's malloc: a GraphQL request allocates for every field it
/// resolves, and with glibc a page of 1,000 objects spent about a sixth of the server's CPU time
/// in malloc and free. `cargo bench --bench workforce` measured the change: the nested page (b)
/// from 214 to 261 requests a second, 10,000 idle subscriptions from 182.5 to 167.2 MiB.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    if let Err(err) = dotenvy::dotenv()
        && !err.not_found()
    {
        eprintln!("error: cannot read .env: {err}");
        return ExitCode::from(2);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return describe_cli_error(err),
    };
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::ExportSchema = &command {
        print!("{}", rollcall::schema::sdl());
        return ExitCode::SUCCESS;
    }
    let config = match Config::from_env(cli.settings) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    // Held until the process ends: dropping it writes out the lines still queued.
    let _log_writer = match init_tracing(&config.settings) {
        Ok(guard) => guard,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = match command {
        Command::Migrate => runtime.block_on(rollcall::migrate(config)),
        Command::CreateAdmin(account) => match admin_password() {
            Ok(password) => runtime.block_on(rollcall::create_admin(config, account, password)),
            Err(err) => Err(err),
        },
        Command::SeedDemo => runtime.block_on(rollcall::seed_demo(config)),
        Command::Serve | Command::ExportSchema => runtime.block_on(rollcall::serve(config)),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The new admin's password: asked twice on the terminal, or ROLLCALL_ADMIN_PASSWORD when
/// there is no terminal (scripts). Never a flag: flags show in process lists.
fn admin_password() -> anyhow::Result<String> {
    if !std::io::stdin().is_terminal() {
        return std::env::var("ROLLCALL_ADMIN_PASSWORD").map_err(|_| {
            anyhow::anyhow!("no terminal to ask for the password: set ROLLCALL_ADMIN_PASSWORD")
        });
    }
    let password = rpassword::prompt_password("Password for the new admin: ")?;
    let again = rpassword::prompt_password("The same password again: ")?;
    if password != again {
        anyhow::bail!("the two passwords differ");
    }
    Ok(password)
}

/// Logs go to stderr, as `--log-format` says. The `pretty` format is coloured only when stderr
/// is a terminal (and `NO_COLOR` is unset or empty, as <https://no-color.org> asks): in a file,
/// a pipe or a log collector, colour codes are noise that makes lines hard to read and to grep.
///
/// Lines are written by a thread of their own, many in one write under load
/// ([`rollcall::logging`]): one write system call per request was the largest cost of the
/// request log.
fn init_tracing(settings: &Settings) -> Result<WorkerGuard, String> {
    let filter = rollcall::logging::filter(&settings.log).map_err(|err| {
        format!(
            "invalid setting --log (ROLLCALL_LOG) '{}': expected a filter such as info or \
             rollcall=debug ({err})",
            settings.log
        )
    })?;
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
    let (writer, guard) = rollcall::logging::writer(std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(colour);
    match settings.log_format {
        LogFormat::Pretty => builder.init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
    Ok(guard)
}
