//! Accepting connections.
//!
//! `axum::serve` cannot time out slow request headers, so connections are served with hyper
//! directly: each gets a header read timeout and a place under a cap on concurrent connections
//! (beyond it, new connections wait in the kernel's backlog). hyper starts the header timer
//! whenever it waits for a request, on a new connection and after each response, so the same
//! timeout cuts off slowloris clients and closes idle keep-alive connections. Every connection and WebSocket session is tracked, so a shutdown
//! can stop accepting, let open requests finish within a bound, and close sockets with 1001.

use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use crate::config::Settings;
use crate::lifecycle::Lifecycle;

/// Serves `router` on `listener` until `lifecycle.shutdown` is cancelled, then waits (at most
/// `settings.shutdown_timeout`) for open requests and sockets to finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    settings: &Settings,
    lifecycle: Lifecycle,
) {
    let slots = Arc::new(Semaphore::new(settings.max_connections));
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(settings.header_timeout)
        .keep_alive(true);
    loop {
        let slot = tokio::select! {
            () = lifecycle.shutdown.cancelled() => break,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = lifecycle.shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: pause rather than spin.
                    tracing::warn!(error = %err, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let connection = serve_connection(
            http.clone(),
            stream,
            peer,
            router.clone(),
            lifecycle.shutdown.clone(),
        );
        lifecycle.tasks.spawn(async move {
            connection.await;
            drop(slot);
        });
    }
    drop(listener);
    lifecycle.tasks.close();
    if tokio::time::timeout(settings.shutdown_timeout, lifecycle.tasks.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            open = lifecycle.tasks.len(),
            "shutdown timeout reached with connections still open"
        );
    }
}

async fn serve_connection(
    http: http1::Builder,
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    shutdown: CancellationToken,
) {
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        router.clone().oneshot(request)
    });
    let mut connection = pin!(
        http.serve_connection(TokioIo::new(stream), service)
            .with_upgrades()
    );
    let outcome = tokio::select! {
        outcome = connection.as_mut() => outcome,
        () = shutdown.cancelled() => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(err) = outcome {
        tracing::debug!(error = %err, %peer, "connection ended with an error");
    }
}
