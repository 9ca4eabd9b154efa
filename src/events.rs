//! Events that reach every server instance, carried by PostgreSQL's LISTEN/NOTIFY.
//!
//! An instance that ends a session sends `NOTIFY rollcall_session_revoked, '<id>'` in the same
//! transaction; each instance keeps one listening connection and hands what it hears to its
//! WebSockets through a broadcast channel. When the listening connection is lost, notifications
//! sent meanwhile are lost too, so after reconnecting the listener announces [`SessionEvent::Resync`]
//! and every socket checks its session again.

use std::sync::Arc;
use std::time::Duration;

use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use futures_util::StreamExt;
use tokio::sync::broadcast;

use crate::accounts::model::SessionId;
use crate::app::App;

/// The channel session revocations are announced on.
pub const SESSION_REVOKED_CHANNEL: &str = "rollcall_session_revoked";
/// Events a slow socket may fall behind by before it is told to resync.
const BACKLOG: usize = 1024;
/// Wait before reconnecting a lost listener.
const RECONNECT_DELAY: Duration = Duration::from_secs(1);

/// What sockets hear about sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEvent {
    /// This session ended.
    Revoked(SessionId),
    /// Announcements may have been missed: check your session again.
    Resync,
}

/// The receiving end of cross-instance events.
#[derive(Debug, Clone)]
pub struct Events {
    sessions: broadcast::Sender<SessionEvent>,
}

impl Default for Events {
    fn default() -> Self {
        Self::new()
    }
}

impl Events {
    pub fn new() -> Self {
        Self {
            sessions: broadcast::channel(BACKLOG).0,
        }
    }

    /// Session events from now on.
    pub fn sessions(&self) -> broadcast::Receiver<SessionEvent> {
        self.sessions.subscribe()
    }

    /// Listens for notifications until the server shuts down, reconnecting when the
    /// connection is lost.
    pub fn spawn_listener(app: Arc<App>) {
        let tasks = app.lifecycle.tasks.clone();
        tasks.spawn(async move {
            let shutdown = app.lifecycle.shutdown.clone();
            let mut first = true;
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    outcome = listen(&app, !first) => {
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
}

async fn listen(app: &App, resync: bool) -> anyhow::Result<()> {
    let mut conn = AsyncPgConnection::establish(app.database_url.expose()).await?;
    conn.batch_execute(&format!("LISTEN {SESSION_REVOKED_CHANNEL}"))
        .await?;
    if resync {
        let _ = app.events.sessions.send(SessionEvent::Resync);
    }
    let notifications = conn.notifications_stream();
    tokio::pin!(notifications);
    while let Some(notification) = notifications.next().await {
        let notification = notification?;
        if let Ok(id) = notification.payload.parse::<i64>() {
            // No receivers (no sockets) is fine.
            let _ = app
                .events
                .sessions
                .send(SessionEvent::Revoked(SessionId(id)));
        }
    }
    Ok(())
}
