//! Events that reach every server instance, carried by PostgreSQL's LISTEN/NOTIFY.
//!
//! A change that other instances must hear of sends `pg_notify(<channel>, <payload>)` with
//! [`notify`], in the transaction of the change: PostgreSQL delivers it at commit, and never if
//! the transaction rolls back. Each instance keeps exactly one listening connection, outside the
//! pool, which LISTENs on every [`Channel`] and hands each notification to the consumers of its
//! channel in this process (WebSockets, the mail worker) through a broadcast channel.
//!
//! Notifications sent while the listening connection is down are lost, so after reconnecting the
//! listener LISTENs again and sends [`Event::Resync`] on every channel: each consumer then reads
//! the state it depends on afresh (a socket checks its session, the mail worker looks for due
//! mail). A consumer that falls more than [`BACKLOG`] events behind gets `Lagged` from its
//! receiver, which means the same.

use std::sync::Arc;
use std::time::Duration;

use diesel::QueryResult;
use diesel::sql_types::{BigInt, Jsonb, Nullable, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use futures_util::StreamExt;
use tokio::sync::broadcast;

use crate::db::cached::Cached;
use crate::lifecycle::Lifecycle;
use crate::secret::Secret;

/// Events a slow consumer may fall behind by before it is told to resync.
pub const BACKLOG: usize = 1024;
/// Wait before reconnecting a lost listener.
const RECONNECT_DELAY: Duration = Duration::from_secs(1);

/// The channels every instance listens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// A device session ended (payload: the session id): its sockets close.
    SessionRevoked,
    /// Mail was queued (no payload): the mail worker wakes.
    Mail,
    /// A live event (payload: its JSON snapshot, as stored in `live_events`): subscriptions
    /// answer from it.
    Live,
}

impl Channel {
    /// Every channel, in the order of [`Events`]' senders.
    pub const ALL: [Self; 3] = [Self::SessionRevoked, Self::Mail, Self::Live];

    /// The channel's name in PostgreSQL.
    pub const fn name(self) -> &'static str {
        match self {
            Self::SessionRevoked => "rollcall_session_revoked",
            Self::Mail => "rollcall_mail",
            Self::Live => "rollcall_live",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|channel| channel.name() == name)
    }

    const fn index(self) -> usize {
        self as usize
    }
}

/// What a consumer hears on its channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A notification, with its payload.
    Notified(Arc<str>),
    /// Notifications may have been missed: read the state you depend on again.
    Resync,
}

/// The receiving end of cross-instance events, one broadcast channel per [`Channel`].
#[derive(Debug, Clone)]
pub struct Events {
    senders: [broadcast::Sender<Event>; Channel::ALL.len()],
}

impl Default for Events {
    fn default() -> Self {
        Self::new()
    }
}

impl Events {
    pub fn new() -> Self {
        Self {
            senders: std::array::from_fn(|_| broadcast::channel(BACKLOG).0),
        }
    }

    /// The events of `channel` from now on.
    pub fn subscribe(&self, channel: Channel) -> broadcast::Receiver<Event> {
        self.senders[channel.index()].subscribe()
    }

    fn send(&self, channel: Channel, event: Event) {
        // No receivers (no sockets yet) is fine.
        let _ = self.senders[channel.index()].send(event);
    }

    /// Listens on every channel of the database at `url` until `lifecycle` shuts down,
    /// reconnecting (and announcing a resync) when the connection is lost.
    pub fn spawn_listener(&self, url: Secret<String>, lifecycle: &Lifecycle) {
        let events = self.clone();
        let shutdown = lifecycle.shutdown.clone();
        lifecycle.tasks.spawn(async move {
            let mut first = true;
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    outcome = events.listen(url.expose(), !first) => {
                        if let Err(err) = outcome {
                            tracing::warn!(error = %err, "event listener lost its connection");
                        }
                    }
                }
                first = false;
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(RECONNECT_DELAY) => {}
                }
            }
        });
    }

    async fn listen(&self, url: &str, resync: bool) -> anyhow::Result<()> {
        let mut conn = AsyncPgConnection::establish(url).await?;
        let listen: String = Channel::ALL
            .iter()
            .map(|channel| format!("LISTEN {};", channel.name()))
            .collect();
        conn.batch_execute(&listen).await?;
        if resync {
            for channel in Channel::ALL {
                self.send(channel, Event::Resync);
            }
        }
        let notifications = conn.notifications_stream();
        tokio::pin!(notifications);
        while let Some(notification) = notifications.next().await {
            let notification = notification?;
            if let Some(channel) = Channel::from_name(&notification.channel) {
                self.send(channel, Event::Notified(notification.payload.into()));
            }
        }
        Ok(())
    }
}

/// Records a live event (see the `live_events` table) and announces it on [`Channel::Live`] at
/// commit: `kind` with the company, employee or account concerned and the `body` of the
/// snapshot subscribers answer from.
pub async fn publish_live(
    conn: &mut AsyncPgConnection,
    kind: &str,
    company: Option<i64>,
    employee: Option<i64>,
    user: Option<i64>,
    body: &serde_json::Value,
) -> QueryResult<()> {
    Cached(
        diesel::sql_query("SELECT rollcall_live_event($1, $2, $3, $4, $5)")
            .bind::<Text, _>(kind)
            .bind::<Nullable<BigInt>, _>(company)
            .bind::<Nullable<BigInt>, _>(employee)
            .bind::<Nullable<BigInt>, _>(user)
            .bind::<Jsonb, _>(body),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Tells an account's live subscriptions, on every instance, that what it may see changed (its
/// role, status, or membership of `company`): they read their reach again.
pub async fn announce_access_change(
    conn: &mut AsyncPgConnection,
    user: i64,
    company: Option<i64>,
) -> QueryResult<()> {
    publish_live(
        conn,
        "SCOPE",
        company,
        None,
        Some(user),
        &serde_json::json!({}),
    )
    .await
}

/// Announces `payload` on `channel` to every instance when the current transaction commits.
pub async fn notify(
    conn: &mut AsyncPgConnection,
    channel: Channel,
    payload: &str,
) -> QueryResult<()> {
    Cached(
        diesel::sql_query("SELECT pg_notify($1, $2)")
            .bind::<Text, _>(channel.name())
            .bind::<Text, _>(payload),
    )
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_are_found_by_name_in_sender_order() {
        for (index, channel) in Channel::ALL.into_iter().enumerate() {
            assert_eq!(channel.index(), index);
            assert_eq!(Channel::from_name(channel.name()), Some(channel));
        }
        assert_eq!(Channel::from_name("elsewhere"), None);
    }
}
