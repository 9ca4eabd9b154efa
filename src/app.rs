//! The state every request shares.

use std::sync::Arc;

use crate::auth::keys::Keys;
use crate::auth::passwords::Hasher;
use crate::config::Config;
use crate::db::pool::StatementCounter;
use crate::db::{self, Pool};
use crate::events::Events;
use crate::http::metrics::Metrics;
use crate::http::server::Lifecycle;
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
    pub metrics: Metrics,
    /// Shutdown signal and the connections and sockets to wait for.
    pub lifecycle: Lifecycle,
    /// Events from every instance (sessions ended elsewhere).
    pub events: Events,
}

impl App {
    /// Connects the pool to the (migrated) database at `database_url` and loads the keys.
    pub async fn new(config: Config, database_url: &str) -> anyhow::Result<Arc<Self>> {
        let statements = StatementCounter::default();
        let pool = db::pool::build(database_url, &config.settings, statements.clone())?;
        let keys = {
            let mut conn = pool.get().await?;
            Keys::load(&config, &mut conn).await?
        };
        Ok(Arc::new(Self {
            config,
            pool,
            keys,
            hasher: Hasher::new(),
            statements,
            metrics: Metrics::new(),
            lifecycle: Lifecycle::default(),
            events: Events::new(),
            database_url: Secret::new(database_url.to_owned()),
        }))
    }
}

/// How often stale unconfirmed accounts are looked for.
const MAINTENANCE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(3600);

/// Starts the background work of a serving instance: the cross-instance event listener and the
/// periodic clean-up. Each stops when the server shuts down.
pub fn start_background(app: &Arc<App>) {
    Events::spawn_listener(app.clone());
    let app = app.clone();
    let tasks = app.lifecycle.tasks.clone();
    tasks.spawn(async move {
        let shutdown = app.lifecycle.shutdown.clone();
        let mut ticks = tokio::time::interval(MAINTENANCE_INTERVAL);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = ticks.tick() => {
                    if let Err(err) = crate::accounts::service::remove_stale_unconfirmed(&app).await {
                        tracing::warn!(error = %err, "could not remove stale unconfirmed accounts");
                    }
                }
            }
        }
    });
}
