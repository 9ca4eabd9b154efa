//! GraphQL fields of the system area.

use async_graphql::{Context, Object, Result};

use crate::error::AppError;
use crate::graphql::ContextExt;
use crate::graphql::scalars::DateTime;
use crate::system::queries;

/// Queries about the server itself.
#[derive(Default)]
pub struct SystemQuery;

#[Object]
impl SystemQuery {
    /// The version of the Rollcall server answering, e.g. `0.1.0`.
    async fn version(&self) -> &'static str {
        env!("CARGO_PKG_VERSION")
    }

    /// The current time on the server's clock, the one that stamps clock-ins and every other
    /// record. Clients use it to show elapsed times without trusting the device's clock.
    async fn server_time(&self, ctx: &Context<'_>) -> Result<DateTime> {
        let mut conn = ctx.conn().await?;
        Ok(queries::database_time(&mut conn)
            .await
            .map_err(AppError::from)?
            .into())
    }
}
