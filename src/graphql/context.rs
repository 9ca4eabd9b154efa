//! The small trait through which resolvers reach shared state and the database.

use std::sync::Arc;

use async_graphql::Context;

use crate::app::App;
use crate::db::DbConn;
use crate::error::AppResult;

/// What resolvers need from the GraphQL context.
pub trait ContextExt {
    /// The application state shared by every request.
    fn app(&self) -> &Arc<App>;

    /// A pooled database connection (SERVICE_UNAVAILABLE when none can be had in time).
    fn conn(&self) -> impl Future<Output = AppResult<DbConn>> + Send;
}

impl ContextExt for Context<'_> {
    fn app(&self) -> &Arc<App> {
        self.data_unchecked::<Arc<App>>()
    }

    async fn conn(&self) -> AppResult<DbConn> {
        Ok(self.app().pool.get().await?)
    }
}
