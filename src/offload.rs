//! CPU-bound work off the async runtime: password hashing, image decoding.
//!
//! Such a job would stall every request sharing its runtime thread, so it runs on a blocking
//! thread; and since a burst of them would still take every core (and the memory each holds),
//! at most a fixed number run at once. Past a bounded queue, callers are refused with
//! RATE_LIMITED at once instead of every request waiting behind a storm.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};

/// Runs jobs on blocking threads, a bounded number at a time.
#[derive(Debug, Clone)]
pub struct Offload {
    slots: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    queue_limit: usize,
}

impl Offload {
    /// At most `slots` jobs at once, and at most `queue_limit` waiting for a slot.
    pub fn new(slots: usize, queue_limit: usize) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(slots)),
            waiting: Arc::new(AtomicUsize::new(0)),
            queue_limit,
        }
    }

    /// Runs `job` once a slot is free; RATE_LIMITED when the queue is full. The slot is held
    /// until the job ends, even when the caller gave up waiting for it (a request timing out):
    /// the thread is busy until then.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> AppResult<T> {
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.queue_limit {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(AppError::RateLimited { retry_after: 1 });
        }
        let slot = self.slots.clone().acquire_owned().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let slot = slot.map_err(AppError::internal)?;
        tokio::task::spawn_blocking(move || {
            let outcome = job();
            drop(slot);
            outcome
        })
        .await
        .map_err(AppError::internal)
    }
}
