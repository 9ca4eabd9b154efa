//! The request's DataLoader: one type, [`Loaders`], that every area extends with an
//! `impl Loader<Key> for Loaders` per relation it loads, one key newtype per relation (the
//! async-graphql book's "multiple data types").
//!
//! It is registered once per request (or WebSocket operation) by
//! [`crate::graphql::context::request_data`], so its cache never outlives one operation, and a
//! relation nobody implemented a loader for is a compile error at `load_one(key)`, not a panic
//! at request time.
//!
//! **When a batch starts.** async-graphql resolves the fields of a list's items concurrently
//! within the request's own task, and the items ask for their relations as they are polled.
//! The DataLoader starts a batch on another task after a delay (1 ms by default) from the first
//! key; a request whose items take longer to reach their keys (a large list, a slow machine, a
//! debug build) would split the batch. So the request's loader starts a batch only once the
//! request has gone idle: [`Polls`] counts the polls of the request's future (or stream) that
//! end waiting on something else. A poll that ends by waking its own task (a list of more than
//! a few dozen items yields to the executor part way, and Tokio's cooperative budget does the
//! same, to be polled again at once) is not idle, so the items it did not reach yet still join
//! the batch. Such a task is polled again at once and goes idle when it waits for its batches,
//! so the batches always start. Batches then follow the shape of the query, not the speed of
//! the machine.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use async_graphql::dataloader::DataLoader;
use futures_util::Stream;
use futures_util::future::BoxFuture;
use tokio::sync::Notify;

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

/// Splits a batch's `keys` by the part one statement can share (a viewer's scope, a page's
/// window): each part with the items of its keys, so that a level costs a statement per part,
/// not per key.
pub fn split<K, P: Hash + Eq, I>(keys: &[K], part: impl Fn(&K) -> (P, I)) -> HashMap<P, Vec<I>> {
    let mut parts: HashMap<P, Vec<I>> = HashMap::new();
    for key in keys {
        let (shared, item) = part(key);
        parts.entry(shared).or_default().push(item);
    }
    parts
}

/// A batch's answer from its `(key, value)` rows: every key is in it, with no values when no
/// row has it.
pub fn every_key<K: Hash + Eq + Copy, V>(
    keys: &[K],
    rows: impl IntoIterator<Item = (K, V)>,
) -> HashMap<K, Vec<V>> {
    let mut found: HashMap<K, Vec<V>> = keys.iter().map(|key| (*key, Vec::new())).collect();
    for (key, value) in rows {
        found.entry(key).or_default().push(value);
    }
    found
}

/// The polls of one request's execution (see the module documentation).
#[derive(Debug, Clone, Default)]
pub struct Polls(Arc<PollCount>);

#[derive(Debug, Default)]
struct PollCount {
    ended: AtomicU64,
    notify: Notify,
}

impl Polls {
    /// The request's loader: batches start once the poll that asked for them has ended.
    pub fn loader(&self, pool: Pool) -> DataLoader<Loaders> {
        let polls = self.clone();
        DataLoader::new(Loaders::new(pool), move |batch: BoxFuture<'static, ()>| {
            let polls = polls.clone();
            // Read now, in the poll that asks for the batch: the task may first run after it.
            let start = polls.0.ended.load(Ordering::Acquire);
            tokio::spawn(async move {
                polls.ended_since(start).await;
                batch.await;
            })
        })
        .delay(Duration::ZERO)
    }

    /// Completes once a poll has ended since the count was `start`.
    async fn ended_since(&self, start: u64) {
        loop {
            let notified = self.0.notify.notified();
            if self.0.ended.load(Ordering::Acquire) > start {
                return;
            }
            notified.await;
        }
    }

    fn end_poll(&self) {
        self.0.ended.fetch_add(1, Ordering::AcqRel);
        self.0.notify.notify_waiters();
    }

    /// `inner`, counting its polls.
    pub fn around<T: Unpin>(&self, inner: T) -> Counted<T> {
        Counted {
            inner,
            polls: self.clone(),
        }
    }
}

/// A future or stream whose idle polls are counted by [`Polls`].
pub struct Counted<T> {
    inner: T,
    polls: Polls,
}

impl<T> Counted<T> {
    /// Polls `inner` with a waker that notes whether it was woken during the poll, and counts
    /// the poll unless it was (and is not done).
    fn counting<R>(
        &mut self,
        cx: &mut Context<'_>,
        poll: impl FnOnce(&mut T, &mut Context<'_>) -> Poll<R>,
    ) -> Poll<R> {
        let noted = Arc::new(NotedWake {
            inner: cx.waker().clone(),
            woken: AtomicBool::new(false),
        });
        let waker = Waker::from(noted.clone());
        let polled = poll(&mut self.inner, &mut Context::from_waker(&waker));
        let woke_itself = polled.is_pending() && noted.woken.load(Ordering::Acquire);
        if !woke_itself {
            self.polls.end_poll();
        }
        polled
    }
}

impl<F: Future + Unpin> Future for Counted<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.counting(cx, |inner, cx| Pin::new(inner).poll(cx))
    }
}

impl<S: Stream + Unpin> Stream for Counted<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        self.counting(cx, |inner, cx| Pin::new(inner).poll_next(cx))
    }
}

/// A waker that remembers being woken, and passes the wake on.
struct NotedWake {
    inner: Waker,
    woken: AtomicBool,
}

impl Wake for NotedWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.inner.wake_by_ref();
    }
}
