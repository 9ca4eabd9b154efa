//! Reading the viewer's session on every request, in as few statements as the load allows.
//!
//! Every request that carries a token reads its session and account from the database, so a
//! revocation, a role change or a deactivation applies at the very next request. Under load
//! that is one round trip per request for the same tiny query. [`SessionReads`] coalesces
//! them: a read that finds fewer than [`SessionReads`]' limit of statements in flight starts
//! one at once (no added latency when the server is quiet); reads that arrive while the limit
//! is reached wait for the next statement, which answers all of them together
//! (`WHERE sessions.id = ANY($1)`). Every read still sees the database as it is after the
//! request arrived: nothing is cached between statements.
//!
//! The same statement's connection records when live sessions were last used, at most every
//! [`LAST_SEEN_RESOLUTION`], once for all the reads it served: concurrent requests of one
//! session would otherwise each write the same row, queueing on its lock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{Duration, Utc};
use tokio::sync::oneshot;

use crate::auth::identity::{Session, SessionId, User};
use crate::auth::queries;
use crate::db::Pool;
use crate::error::{AppError, AppResult};

/// `last_seen_at` is written at most this often.
pub const LAST_SEEN_RESOLUTION: Duration = Duration::minutes(1);

/// What one read gets: the session and its account, if the session exists.
type Found = Option<(Session, User)>;

/// A failed statement, as every read it served sees it.
#[derive(Debug, Clone)]
enum Failure {
    Unavailable(String),
    Internal(String),
}

impl From<Failure> for AppError {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Unavailable(message) => Self::unavailable(message),
            Failure::Internal(message) => Self::internal(message),
        }
    }
}

impl From<AppError> for Failure {
    fn from(err: AppError) -> Self {
        match err {
            AppError::Unavailable { source, .. } => Self::Unavailable(source.to_string()),
            other => Self::Internal(format!("{other}: {:?}", std::error::Error::source(&other))),
        }
    }
}

type Waiter = (SessionId, oneshot::Sender<Result<Found, Failure>>);

#[derive(Default)]
struct State {
    in_flight: usize,
    waiting: Vec<Waiter>,
}

/// Coalesces concurrent reads of sessions (see the module documentation).
#[derive(Clone)]
pub struct SessionReads {
    pool: Pool,
    state: Arc<Mutex<State>>,
    max_in_flight: usize,
}

impl std::fmt::Debug for SessionReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionReads")
            .field("max_in_flight", &self.max_in_flight)
            .finish_non_exhaustive()
    }
}

impl SessionReads {
    /// Reads through `pool`, at most `max_in_flight` statements at a time (at least one).
    pub fn new(pool: Pool, max_in_flight: usize) -> Self {
        Self {
            pool,
            state: Arc::default(),
            max_in_flight: max_in_flight.max(1),
        }
    }

    /// The session `id` and its account, as the database has them now.
    pub async fn read(&self, id: SessionId) -> AppResult<Found> {
        let (answer, answered) = oneshot::channel();
        let batch = {
            let mut state = self.lock();
            state.waiting.push((id, answer));
            if state.in_flight < self.max_in_flight {
                state.in_flight += 1;
                Some(std::mem::take(&mut state.waiting))
            } else {
                None
            }
        };
        if let Some(batch) = batch {
            tokio::spawn(self.clone().serve(batch));
        }
        answered
            .await
            .map_err(|_| AppError::internal("a session read was dropped"))?
            .map_err(AppError::from)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is a counter and a list: a panic elsewhere cannot leave it half-written.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Answers `batch`, then whatever arrived meanwhile, until nothing waits.
    async fn serve(self, mut batch: Vec<Waiter>) {
        let slot = Slot(&self);
        loop {
            let ids: Vec<SessionId> = batch.iter().map(|(id, _)| *id).collect();
            let found = self.fetch(&ids).await;
            for (id, answer) in batch {
                let result = match &found {
                    Ok(rows) => Ok(rows.get(&id).cloned()),
                    Err(failure) => Err(failure.clone()),
                };
                // A request that gave up waiting is fine.
                let _ = answer.send(result);
            }
            let mut state = self.lock();
            if state.waiting.is_empty() {
                state.in_flight -= 1;
                std::mem::forget(slot);
                return;
            }
            batch = std::mem::take(&mut state.waiting);
        }
    }

    async fn fetch(
        &self,
        ids: &[SessionId],
    ) -> Result<HashMap<SessionId, (Session, User)>, Failure> {
        let mut conn = self
            .pool
            .get()
            .await
            .map_err(|err| Failure::from(AppError::from(err)))?;
        let rows = queries::sessions_with_users(&mut conn, ids)
            .await
            .map_err(|err| Failure::from(AppError::from(err)))?;
        let now = Utc::now();
        let seen_before = now - LAST_SEEN_RESOLUTION;
        let stale: Vec<SessionId> = rows
            .iter()
            .filter(|(session, _)| {
                session.revoked_at.is_none()
                    && session.expires_at > now
                    && session.last_seen_at < seen_before
            })
            .map(|(session, _)| session.id)
            .collect();
        if !stale.is_empty() {
            queries::touch_sessions(&mut conn, &stale, seen_before)
                .await
                .map_err(|err| Failure::from(AppError::from(err)))?;
        }
        Ok(rows
            .into_iter()
            .map(|(session, user)| (session.id, (session, user)))
            .collect())
    }
}

/// A statement slot, given back if its task ends early (cancelled at shutdown): without it the
/// slot would stay taken for good.
struct Slot<'a>(&'a SessionReads);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
    }
}
