//! An instance's lifecycle: the signal that it shuts down, and the tasks (connections, sockets,
//! background work) it waits for before it exits.

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The shutdown signal, and what to wait for before the process exits.
#[derive(Clone)]
pub struct Lifecycle {
    /// Cancelled when the server begins to shut down.
    pub shutdown: CancellationToken,
    /// Every connection and WebSocket session, so shutdown can wait for them.
    pub tasks: TaskTracker,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self {
            shutdown: CancellationToken::new(),
            tasks: TaskTracker::new(),
        }
    }
}
