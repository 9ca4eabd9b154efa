//! The state every request shares.

use std::sync::Arc;

use crate::auth::keys::Keys;
use crate::config::Config;
use crate::db::{self, Pool};
use crate::http::metrics::Metrics;

/// Everything shared and immutable, built once at start-up.
pub struct App {
    pub config: Config,
    pub pool: Pool,
    pub keys: Keys,
    pub metrics: Metrics,
}

impl App {
    /// Connects the pool to the (migrated) database at `database_url` and loads the keys.
    pub async fn new(config: Config, database_url: &str) -> anyhow::Result<Arc<Self>> {
        let pool = db::pool::build(database_url, &config.settings)?;
        let keys = {
            let mut conn = pool.get().await?;
            Keys::load(&config, &mut conn).await?
        };
        Ok(Arc::new(Self {
            config,
            pool,
            keys,
            metrics: Metrics::new(),
        }))
    }
}
