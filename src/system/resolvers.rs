//! GraphQL fields of the system area.

use std::time::Duration;

use async_graphql::{Context, Object, Result, Subscription};
use chrono::Utc;
use futures_util::Stream;

use crate::error::AppError;
use crate::graphql::ContextExt;
use crate::graphql::scalars::DateTime;
use crate::system::queries;

/// Root fields of this area a kiosk token may call.
pub const KIOSK_OPERATIONS: &[&str] = &["version", "serverTime"];

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

/// Subscriptions about the server itself.
#[derive(Default)]
pub struct SystemSubscription;

/// The slowest tick of [`SystemSubscription::clock`], in seconds.
const MAX_CLOCK_INTERVAL: i32 = 3600;

#[Subscription]
impl SystemSubscription {
    /// The server's clock: the current time now, then every `intervalSeconds` (1 to 3600).
    /// Front ends use it to show running times (an open clock-in) in step with the server.
    async fn clock(
        &self,
        #[graphql(default = 1, desc = "Seconds between two ticks, 1 to 3600.")]
        interval_seconds: i32,
    ) -> Result<impl Stream<Item = DateTime> + use<>> {
        if !(1..=MAX_CLOCK_INTERVAL).contains(&interval_seconds) {
            return Err(AppError::bad_input(
                "intervalSeconds",
                format!("intervalSeconds must be from 1 to {MAX_CLOCK_INTERVAL}"),
            )
            .into());
        }
        let period = Duration::from_secs(interval_seconds.unsigned_abs().into());
        let ticks = tokio::time::interval(period);
        Ok(futures_util::stream::unfold(
            ticks,
            |mut ticks| async move {
                ticks.tick().await;
                Some((DateTime(Utc::now()), ticks))
            },
        ))
    }
}
