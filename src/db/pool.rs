//! The connection pool. Every connection gets the statement timeout and an application name when
//! it is opened; waiting for, opening and recycling a connection are all bounded by the acquire
//! timeout, so a database that has gone away is reported (SERVICE_UNAVAILABLE) instead of
//! hanging the request.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use deadpool::Runtime;
use diesel::ConnectionError;
use diesel::connection::InstrumentationEvent;
use diesel_async::pooled_connection::deadpool::{Object, Pool as DeadPool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use futures_util::FutureExt;

use crate::config::Settings;

/// The pool of PostgreSQL connections.
pub type Pool = DeadPool<AsyncPgConnection>;
/// A connection borrowed from the [`Pool`].
pub type DbConn = Object<AsyncPgConnection>;

/// Counts the SQL statements run on pooled connections: a metric, and how tests check that
/// nested queries load each relation in one statement (DataLoaders) rather than one per row.
#[derive(Debug, Clone, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    /// Statements started so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Builds the pool for `url`. No connection is opened until one is needed.
pub fn build(url: &str, settings: &Settings, counter: StatementCounter) -> anyhow::Result<Pool> {
    let setup = session_setup(settings.statement_timeout);
    let mut manager_config = ManagerConfig::default();
    // No `SELECT 1` before handing out a pooled connection (the default, `Verified`, runs one on
    // every checkout: a round trip to PostgreSQL per request for nothing). `Fast` still drops,
    // rather than hands out, a connection that is broken in a way the client can see without
    // asking the server: diesel-async's recycle refuses one whose transaction manager is broken
    // (a transaction left open or failed) or whose socket is closed (`AsyncPgConnection`'s
    // `is_broken` asks tokio-postgres `is_closed`, which turns true as soon as its connection
    // task sees the socket end: a database restart or a terminated backend). Only a connection
    // cut without its socket noticing (a silent network partition) is handed out, and its first
    // statement fails.
    manager_config.recycling_method = RecyclingMethod::Fast;
    manager_config.custom_setup = Box::new(move |url| {
        let setup = setup.clone();
        let counter = counter.clone();
        async move {
            let mut conn = AsyncPgConnection::establish(url).await?;
            conn.batch_execute(&setup)
                .await
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
            conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
                if let InstrumentationEvent::StartQuery { .. } = event {
                    counter.0.fetch_add(1, Ordering::Relaxed);
                }
            });
            Ok(conn)
        }
        .boxed()
    });
    let manager = AsyncDieselConnectionManager::new_with_config(url, manager_config);
    let timeout = Some(settings.pool_timeout);
    Ok(DeadPool::builder(manager)
        .max_size(settings.pool_size)
        .runtime(Runtime::Tokio1)
        .wait_timeout(timeout)
        .create_timeout(timeout)
        .recycle_timeout(timeout)
        .build()?)
}

fn session_setup(statement_timeout: Duration) -> String {
    format!(
        "SET statement_timeout = {}; SET application_name = 'rollcall'; SET TIME ZONE 'UTC'",
        statement_timeout.as_millis()
    )
}
