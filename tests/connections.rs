//! Connection handling: slow clients, the connection cap, compression and graceful shutdown.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::TestApp;

/// The longest wait for an answer the server owes; only reached when a test fails.
const PATIENCE: Duration = Duration::from_secs(10);

/// Sends a whole HTTP/1.1 request on `stream` and reads the response up to its end.
async fn request(stream: &mut TcpStream, head: &str, body: &str) -> (String, Vec<u8>) {
    let request = format!(
        "{head}\r\nHost: test\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut response = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut response))
        .await
        .expect("no answer")
        .expect("read");
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    (head, response[split + 4..].to_vec())
}

async fn version(addr: SocketAddr) -> Value {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let body = json!({ "query": "{ version }" }).to_string();
    let (head, body) = request(
        &mut stream,
        "POST /graphql HTTP/1.1\r\nContent-Type: application/json",
        &body,
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    serde_json::from_slice(&body).expect("JSON")
}

/// Opens a connection that sends half a request line and stalls.
async fn slowloris(addr: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(b"GET /graphql?query=")
        .await
        .expect("send");
    stream
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_client_is_cut_off_at_the_header_timeout() {
    let app = TestApp::with_settings(|s| s.header_timeout = Duration::from_millis(300)).await;
    let (addr, _) = app.spawn_server().await;
    let mut stream = slowloris(addr).await;
    let started = Instant::now();
    let mut rest = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut rest))
        .await
        .expect("the server never closed the stalled connection")
        .ok();
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(250),
        "closed too early: {waited:?}"
    );
    assert!(waited < Duration::from_secs(3), "closed late: {waited:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_stalled_clients_do_not_stop_normal_requests() {
    let app = TestApp::new().await;
    let (addr, _) = app.spawn_server().await;
    let mut stalled = Vec::new();
    for _ in 0..100 {
        stalled.push(slowloris(addr).await);
    }
    let started = Instant::now();
    for _ in 0..5 {
        assert_eq!(
            version(addr).await["data"]["version"],
            env!("CARGO_PKG_VERSION")
        );
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    drop(stalled);
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_over_the_cap_wait_for_a_free_slot() {
    let app = TestApp::with_settings(|s| s.max_connections = 2).await;
    let (addr, _) = app.spawn_server().await;
    let first = TcpStream::connect(addr).await.expect("connect");
    let second = TcpStream::connect(addr).await.expect("connect");

    let mut waiting = tokio::spawn(version(addr));
    // Both slots are held: the third connection is not served while they stay open.
    let early = tokio::time::timeout(Duration::from_millis(300), &mut waiting).await;
    assert!(early.is_err(), "a connection over the cap was served");

    drop(first);
    let body = tokio::time::timeout(PATIENCE, waiting)
        .await
        .expect("served once a slot was free")
        .expect("join");
    assert_eq!(body["data"]["version"], env!("CARGO_PKG_VERSION"));
    drop(second);
}

#[tokio::test(flavor = "multi_thread")]
async fn responses_are_compressed_for_clients_that_accept_it() {
    let app = TestApp::new().await;
    let (addr, _) = app.spawn_server().await;
    let introspection =
        json!({ "query": "{ __schema { types { name description } } }" }).to_string();
    for encoding in ["gzip", "br"] {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let (head, _) = request(
            &mut stream,
            &format!(
                "POST /graphql HTTP/1.1\r\nContent-Type: application/json\r\nAccept-Encoding: {encoding}"
            ),
            &introspection,
        )
        .await;
        assert!(
            head.to_ascii_lowercase()
                .contains(&format!("content-encoding: {encoding}")),
            "{head}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn shutdown_lets_a_running_request_finish_then_stops_accepting() {
    let app = TestApp::with_settings(|s| {
        s.pool_size = 1;
        // Long enough that a loaded machine never turns the wait into SERVICE_UNAVAILABLE.
        s.pool_timeout = Duration::from_secs(60);
    })
    .await;
    let (addr, server) = app.spawn_server().await;

    // A request that cannot finish until the test lets go of the only database connection.
    let held = app.app.pool.get().await.expect("a connection");
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let body = json!({ "query": "{ serverTime }" }).to_string();
    stream
        .write_all(
            format!(
                "POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        )
        .await
        .expect("send");
    // Wait until the request is waiting on the pool, then shut down.
    tokio::time::timeout(PATIENCE, async {
        while app.app.pool.status().waiting == 0 {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the request reached the pool");
    app.app.lifecycle.shutdown.cancel();
    drop(held);

    let mut response = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut response))
        .await
        .expect("the running request was answered")
        .expect("read");
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains("\"serverTime\":\""),
        "answered with data: {response}"
    );

    // The accept loop ended and dropped its listener. (Connecting to the port proves nothing:
    // a parallel test may have been given the same port since.)
    tokio::time::timeout(PATIENCE, server)
        .await
        .expect("the server stopped")
        .expect("join");
}
