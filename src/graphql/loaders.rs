//! The request's DataLoader: one type, [`Loaders`], that every area extends with an
//! `impl Loader<Key> for Loaders` per relation it loads, one key newtype per relation (the
//! async-graphql book's "multiple data types").
//!
//! It is registered once per request (or WebSocket operation) by
//! [`crate::graphql::context::request_data`], so its cache never outlives one operation, and a
//! relation nobody implemented a loader for is a compile error at `load_one(key)`, not a panic
//! at request time.

use crate::db::{DbConn, Pool};
use crate::error::{SharedError, shared};

/// What every loader of the request reads with.
pub struct Loaders {
    pool: Pool,
}

impl Loaders {
    pub fn new(pool: Pool) -> Self {
        Self { pool }
    }

    /// A pooled connection for one batch.
    pub async fn conn(&self) -> Result<DbConn, SharedError> {
        self.pool.get().await.map_err(shared)
    }
}
