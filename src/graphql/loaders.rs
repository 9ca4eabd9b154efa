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
//! within the request's own task: in one poll of that task, every item asks for its relation,
//! and those keys make one batch. The DataLoader starts a batch on another task after a delay
//! (1 ms by default) from the first key; a poll that takes longer (a large list, a slow
//! machine, a debug build) would split the batch. So the request's loader starts no batch
//! before the poll that asked for it has ended: [`Polls`] counts the polls of the request's
//! future (or stream), and the loader's spawner waits for the next count. Batches then follow
//! the shape of the query, not the speed of the machine.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
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
            tokio::spawn(async move {
                polls.after_this_poll().await;
                batch.await;
            })
        })
        .delay(Duration::ZERO)
    }

    /// Completes once the poll running now (the one that spawned the caller) has ended.
    async fn after_this_poll(&self) {
        let start = self.0.ended.load(Ordering::Acquire);
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

/// A future or stream whose polls are counted by [`Polls`].
pub struct Counted<T> {
    inner: T,
    polls: Polls,
}

impl<F: Future + Unpin> Future for Counted<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let polled = Pin::new(&mut self.inner).poll(cx);
        self.polls.end_poll();
        polled
    }
}

impl<S: Stream + Unpin> Stream for Counted<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let polled = Pin::new(&mut self.inner).poll_next(cx);
        self.polls.end_poll();
        polled
    }
}
