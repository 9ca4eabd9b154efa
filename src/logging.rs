//! What is logged, and where log lines go: formatted on the thread that logs, written by a
//! thread of their own.
//!
//! A request thread formats its line and queues it, instead of taking a lock and making a write
//! system call of its own. The writing thread takes every line queued, writes them through a
//! buffer, and flushes whenever the queue is empty: under load many lines go out in one write,
//! and a quiet server's line is written at once. Nothing is dropped: when the queue is full,
//! logging waits.

use std::io::{BufWriter, Write};

use tracing_appender::non_blocking::{NonBlocking, NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::ParseError;

/// The most bytes of lines gathered for one write.
const BUFFER_BYTES: usize = 64 * 1024;

/// The log filter `spec` (`--log`, e.g. `rollcall=debug,info`), never below `info` for the
/// database driver, which logs statement parameters (passwords, tokens) at debug level.
pub fn filter(spec: &str) -> Result<EnvFilter, ParseError> {
    Ok(EnvFilter::try_new(spec)?.add_directive("tokio_postgres=info".parse()?))
}

/// A writer of log lines into `target`, for `tracing_subscriber`'s `with_writer`. Lines queued
/// when the guard is dropped are written before the drop returns: keep it until the end.
pub fn writer<W: Write + Send + 'static>(target: W) -> (NonBlocking, WorkerGuard) {
    NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("rollcall-log")
        .finish(BufWriter::with_capacity(BUFFER_BYTES, target))
}
