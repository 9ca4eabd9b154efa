//! The state every request shares.

use std::sync::Arc;
use std::time::Duration;

use crate::auth::keys::Keys;
use crate::auth::passwords::Hasher;
use crate::auth::sessions::SessionReads;
use crate::config::Config;
use crate::db::pool::StatementCounter;
use crate::db::{self, Pool};
use crate::error::AppResult;
use crate::events::Events;
use crate::http::metrics::Metrics;
use crate::lifecycle::Lifecycle;
use crate::live::LiveHub;
use crate::offload::Offload;
use crate::secret::Secret;

/// Everything shared and immutable, built once at start-up.
pub struct App {
    pub config: Config,
    pub pool: Pool,
    /// SQL statements run on the pool's connections.
    pub statements: StatementCounter,
    /// The database URL, for connections outside the pool (the event listener).
    pub database_url: Secret<String>,
    pub keys: Keys,
    /// Password hashing, a bounded number at a time.
    pub hasher: Hasher,
    /// The viewers' sessions, read on every request, coalesced under load.
    pub sessions: SessionReads,
    /// Other CPU-heavy work (decoding uploaded images), a bounded number at a time.
    pub cpu: Offload,
    pub metrics: Metrics,
    /// Shutdown signal and the connections and sockets to wait for.
    pub lifecycle: Lifecycle,
    /// Events from every instance (sessions ended elsewhere, mail queued, live events).
    pub events: Events,
    /// Live events parsed once, for subscriptions.
    pub live: LiveHub,
}

impl App {
    /// Connects the pool to the (migrated) database at `database_url` and loads the keys.
    pub async fn new(config: Config, database_url: &str) -> anyhow::Result<Arc<Self>> {
        let statements = StatementCounter::default();
        let pool = db::pool::build(database_url, &config.settings, statements.clone())?;
        let sessions = SessionReads::new(pool.clone(), SESSION_READS_IN_FLIGHT);
        let keys = {
            let mut conn = pool.get().await?;
            Keys::load(&config, &mut conn).await?
        };
        Ok(Arc::new(Self {
            config,
            pool,
            keys,
            hasher: Hasher::new(),
            sessions,
            cpu: Offload::new(CPU_SLOTS, CPU_QUEUE),
            statements,
            metrics: Metrics::new(),
            lifecycle: Lifecycle::default(),
            events: Events::new(),
            live: LiveHub::new(),
            database_url: Secret::new(database_url.to_owned()),
        }))
    }
}

impl App {
    /// Starts the instance's one listening connection, and the live hub that reads it.
    pub fn start_listening(&self) {
        self.events
            .spawn_listener(self.database_url.clone(), &self.lifecycle);
        self.live
            .spawn(&self.events, self.pool.clone(), &self.lifecycle);
    }
}

/// Statements reading viewers' sessions in flight at once. One: while it runs, every request
/// that arrives gathers for the next, so batches grow with the load and the database plans and
/// runs one statement for all of them. Measured with the login bench on 2 cores (runs vary by
/// about 10 %): `{ me }` at 32 connections served 37,600–48,600 req/s with one (2 runs),
/// 33,100–37,700 with two (4 runs), 27,600 with four and 22,300 with eight; four clients alone
/// 16,100–24,300 with one and 11,500–15,300 with two; four clients during a login storm
/// 2,800–5,100 with one and 4,600–6,100 with two, p99 under 8 ms either way.
const SESSION_READS_IN_FLIGHT: usize = 1;

/// CPU-heavy jobs run at once besides password hashing: each may hold tens of megabytes.
const CPU_SLOTS: usize = 2;
/// CPU-heavy jobs that may wait for a slot before more are refused.
const CPU_QUEUE: usize = 16;

/// Runs `job` every `interval` (first at once) until the server shuts down; a failure is
/// logged as `what` and retried at the next tick.
pub fn spawn_periodic<F, Fut>(app: &Arc<App>, what: &'static str, interval: Duration, job: F)
where
    F: Fn(Arc<App>) -> Fut + Send + 'static,
    Fut: Future<Output = AppResult<()>> + Send,
{
    let app = app.clone();
    let tasks = app.lifecycle.tasks.clone();
    tasks.spawn(async move {
        let shutdown = app.lifecycle.shutdown.clone();
        let mut ticks = tokio::time::interval(interval);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = ticks.tick() => {
                    if let Err(err) = job(app.clone()).await {
                        tracing::warn!(error = %err, "{what} failed");
                    }
                }
            }
        }
    });
}
