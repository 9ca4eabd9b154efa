//! Live events: what subscriptions answer from, on every instance.
//!
//! A change that subscribers must see is written to the `live_events` table and notified on
//! [`Channel::Live`] in its transaction (by a trigger, or [`crate::events::publish_live`]). The
//! notification carries the whole snapshot, so no instance reads the database per event: the
//! [`LiveHub`] of each instance parses each payload once and hands the same [`LiveEvent`] to
//! every subscriber in the process, which filters it by the scope it read when it subscribed.
//!
//! **Catching up.** Notifications sent while the instance's listener was down are lost. When
//! the listener comes back it announces a resync; the hub then reads `live_events` back from
//! a little before the newest event it had seen ([`CATCH_UP_MARGIN`]: ids, and creation times,
//! are not in commit order, so a transaction that committed late has an earlier time), and
//! passes on those it has not, de-duplicated by id. The table keeps [`RETENTION`] of events.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;
use tokio::sync::broadcast::{self, error::RecvError};

use crate::db::Pool;
use crate::db::schema::live_events;
use crate::events::{Channel, Event, Events};
use crate::lifecycle::Lifecycle;

/// Events a subscriber may fall behind by before it is ended (SUBSCRIBER_LAGGED).
pub const BACKLOG: usize = 1024;
/// How far before the newest event seen a catch-up reads back.
pub const CATCH_UP_MARGIN: Duration = Duration::seconds(60);
/// How long ids are remembered for de-duplication.
const REMEMBERED: Duration = Duration::minutes(10);
/// How long `live_events` keeps an event.
pub const RETENTION: Duration = Duration::days(7);

/// A live event as subscribers see it: who it concerns, and its snapshot.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveEvent {
    pub id: i64,
    pub kind: String,
    pub company_id: Option<i64>,
    pub employee_id: Option<i64>,
    pub user_id: Option<i64>,
    pub at: DateTime<Utc>,
    /// The whole payload, for the fields a subscription answers with.
    #[serde(skip)]
    pub payload: serde_json::Value,
}

impl LiveEvent {
    /// Reads a notification's (or a stored event's) payload.
    pub fn parse(payload: serde_json::Value) -> Option<Self> {
        let mut event: Self = serde_json::from_value(payload.clone()).ok()?;
        event.payload = payload;
        Some(event)
    }
}

/// The instance's live events, parsed once and handed to every subscriber.
#[derive(Debug, Clone)]
pub struct LiveHub {
    sender: broadcast::Sender<Arc<LiveEvent>>,
}

impl Default for LiveHub {
    fn default() -> Self {
        Self::new()
    }
}

impl LiveHub {
    pub fn new() -> Self {
        Self {
            sender: broadcast::channel(BACKLOG).0,
        }
    }

    /// The events from now on. A receiver that falls [`BACKLOG`] behind gets `Lagged`.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LiveEvent>> {
        self.sender.subscribe()
    }

    /// How many subscribers listen now.
    pub fn subscribers(&self) -> usize {
        self.sender.receiver_count()
    }

    /// Passes the notifications of [`Channel::Live`] on to subscribers until `lifecycle`
    /// shuts down, catching up from the table after a resync.
    pub fn spawn(&self, events: &Events, pool: Pool, lifecycle: &Lifecycle) {
        let mut notifications = events.subscribe(Channel::Live);
        let hub = self.clone();
        let shutdown = lifecycle.shutdown.clone();
        lifecycle.tasks.spawn(async move {
            let mut seen = Seen::new(Utc::now());
            loop {
                let received = tokio::select! {
                    () = shutdown.cancelled() => return,
                    received = notifications.recv() => received,
                };
                match received {
                    Ok(Event::Notified(payload)) => {
                        if let Some(event) = serde_json::from_str(&payload)
                            .ok()
                            .and_then(LiveEvent::parse)
                        {
                            hub.pass_on(&mut seen, event);
                        }
                    }
                    Ok(Event::Resync) | Err(RecvError::Lagged(_)) => {
                        hub.catch_up(&pool, &mut seen).await;
                    }
                    Err(RecvError::Closed) => return,
                }
            }
        });
    }

    fn pass_on(&self, seen: &mut Seen, event: LiveEvent) {
        if seen.insert(event.id, event.at) {
            // No subscribers is fine.
            let _ = self.sender.send(Arc::new(event));
        }
    }

    async fn catch_up(&self, pool: &Pool, seen: &mut Seen) {
        let since = seen.newest - CATCH_UP_MARGIN;
        let stored = match pool.get().await {
            Ok(mut conn) => events_since(&mut conn, since).await,
            Err(err) => {
                tracing::warn!(error = %err, "live events: cannot catch up");
                return;
            }
        };
        match stored {
            Ok(payloads) => {
                for event in payloads.into_iter().filter_map(LiveEvent::parse) {
                    self.pass_on(seen, event);
                }
            }
            Err(err) => tracing::warn!(error = %err, "live events: cannot catch up"),
        }
    }
}

/// Ids passed on lately, to pass each event on once.
struct Seen {
    ids: HashSet<i64>,
    order: VecDeque<(DateTime<Utc>, i64)>,
    /// The newest event time seen (or when the hub started).
    newest: DateTime<Utc>,
}

impl Seen {
    fn new(now: DateTime<Utc>) -> Self {
        Self {
            ids: HashSet::new(),
            order: VecDeque::new(),
            newest: now,
        }
    }

    /// Remembers `id`; false when it was seen already.
    fn insert(&mut self, id: i64, at: DateTime<Utc>) -> bool {
        if !self.ids.insert(id) {
            return false;
        }
        self.order.push_back((at, id));
        self.newest = self.newest.max(at);
        while let Some(&(oldest, old)) = self.order.front() {
            if self.newest - oldest <= REMEMBERED {
                break;
            }
            self.order.pop_front();
            self.ids.remove(&old);
        }
        true
    }
}

/// The payloads of the events stored since `since`, oldest first.
async fn events_since(
    conn: &mut AsyncPgConnection,
    since: DateTime<Utc>,
) -> QueryResult<Vec<serde_json::Value>> {
    live_events::table
        .filter(live_events::created_at.ge(since))
        .order((live_events::created_at.asc(), live_events::id.asc()))
        .select(live_events::payload)
        .load(conn)
        .await
}

/// Deletes events older than [`RETENTION`]; answers how many.
pub async fn prune(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::delete(live_events::table.filter(live_events::created_at.lt(Utc::now() - RETENTION)))
        .execute(conn)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_id_is_passed_on_once_and_forgotten_later() {
        let start = Utc::now();
        let mut seen = Seen::new(start);
        assert!(seen.insert(2, start));
        assert!(seen.insert(1, start));
        assert!(!seen.insert(2, start), "a repeat");
        assert!(seen.insert(3, start + REMEMBERED + Duration::seconds(1)));
        assert!(seen.insert(1, start), "forgotten after the window");
        assert_eq!(seen.newest, start + REMEMBERED + Duration::seconds(1));
    }

    #[test]
    fn payloads_parse() {
        let payload = serde_json::json!({
            "id": 7, "kind": "CLOCK_IN", "companyId": 1, "employeeId": 2, "userId": null,
            "at": "2026-12-01T19:58:30.134109+00:00", "sessionId": 9
        });
        let event = LiveEvent::parse(payload.clone()).expect("an event");
        assert_eq!(
            (event.id, event.company_id, event.user_id),
            (7, Some(1), None)
        );
        assert_eq!(event.payload["sessionId"], 9);
        assert!(LiveEvent::parse(serde_json::json!({"kind": "X"})).is_none());
    }
}
