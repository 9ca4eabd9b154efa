//! GraphQL over WebSocket (graphql-transport-ws): every close code of the protocol with a raw
//! client, and a real graphql-ws client running a subscription end to end.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use rollcall::auth::identity::Role;

use crate::common::TestApp;

/// The longest wait for a message the server owes; only reached when a test fails.
const PATIENCE: Duration = Duration::from_secs(10);

/// A raw WebSocket client.
struct Client {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Self {
        Self::connect_with(addr, Some("graphql-transport-ws")).await
    }

    async fn connect_with(addr: SocketAddr, protocol: Option<&str>) -> Self {
        let mut request = format!("ws://{addr}/graphql/ws")
            .into_client_request()
            .expect("request");
        if let Some(protocol) = protocol {
            request
                .headers_mut()
                .insert("sec-websocket-protocol", protocol.parse().expect("header"));
        }
        let (socket, response) = tokio_tungstenite::connect_async(request)
            .await
            .expect("WebSocket handshake");
        if protocol == Some("graphql-transport-ws") {
            assert_eq!(
                response
                    .headers()
                    .get("sec-websocket-protocol")
                    .map(|v| v.as_bytes()),
                Some(&b"graphql-transport-ws"[..])
            );
        }
        Self { socket }
    }

    /// Connects and completes `connection_init` / `connection_ack`.
    async fn ready(addr: SocketAddr) -> Self {
        let mut client = Self::connect(addr).await;
        client.send(json!({ "type": "connection_init" })).await;
        assert_eq!(client.recv().await, json!({ "type": "connection_ack" }));
        client
    }

    async fn send(&mut self, message: Value) {
        self.send_text(message.to_string()).await;
    }

    async fn send_text(&mut self, text: String) {
        self.socket
            .send(Message::Text(text.into()))
            .await
            .expect("send");
    }

    /// The next protocol message.
    async fn recv(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(PATIENCE, self.socket.next())
                .await
                .expect("the server sent nothing")
                .expect("the socket closed")
                .expect("a message");
            match message {
                Message::Text(text) => return serde_json::from_str(&text).expect("JSON"),
                Message::Close(frame) => panic!("closed: {frame:?}"),
                _ => {}
            }
        }
    }

    /// Reads until the server closes; answers the close code and reason.
    async fn closed(&mut self) -> (u16, String) {
        loop {
            let next = tokio::time::timeout(PATIENCE, self.socket.next())
                .await
                .expect("the server did not close the socket");
            match next {
                Some(Ok(Message::Close(Some(frame)))) => {
                    return (u16::from(frame.code), frame.reason.to_string());
                }
                Some(Ok(Message::Close(None))) | None => {
                    return (CloseCode::Status.into(), String::new());
                }
                Some(Ok(_)) => {}
                Some(Err(WsError::ConnectionClosed | WsError::AlreadyClosed)) => {
                    panic!("closed without a close frame")
                }
                Some(Err(err)) => panic!("socket error: {err}"),
            }
        }
    }
}

fn subscribe(id: &str, query: &str) -> Value {
    json!({ "type": "subscribe", "id": id, "payload": { "query": query } })
}

async fn server() -> (TestApp, SocketAddr) {
    server_with(|_| {}).await
}

async fn server_with(
    change: impl FnOnce(&mut rollcall::config::Settings),
) -> (TestApp, SocketAddr) {
    let app = TestApp::with_settings(change).await;
    let (addr, _) = app.spawn_server().await;
    (app, addr)
}

#[tokio::test(flavor = "multi_thread")]
async fn init_ack_ping_pong() {
    let (_app, addr) = server().await;
    let mut client = Client::ready(addr).await;
    client
        .send(json!({ "type": "ping", "payload": { "n": 1 } }))
        .await;
    assert_eq!(client.recv().await["type"], "pong");
}

#[tokio::test(flavor = "multi_thread")]
async fn queries_answer_next_then_complete() {
    let (_app, addr) = server().await;
    let mut client = Client::ready(addr).await;
    client.send(subscribe("q1", "{ version }")).await;
    let next = client.recv().await;
    assert_eq!(next["type"], "next");
    assert_eq!(next["id"], "q1");
    assert_eq!(
        next["payload"]["data"]["version"],
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(
        client.recv().await,
        json!({ "type": "complete", "id": "q1" })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_subscription_streams_until_completed_and_its_id_is_free_again() {
    let (_app, addr) = server().await;
    let mut client = Client::ready(addr).await;
    client
        .send(subscribe(
            "s1",
            "subscription { clock(intervalSeconds: 1) }",
        ))
        .await;
    let first = client.recv().await;
    assert_eq!(first["type"], "next");
    let tick = first["payload"]["data"]["clock"].as_str().expect("a time");
    assert!(chrono::DateTime::parse_from_rfc3339(tick).is_ok(), "{tick}");

    client.send(json!({ "type": "complete", "id": "s1" })).await;
    // The id may be used again at once; a query under it runs to completion.
    client.send(subscribe("s1", "{ version }")).await;
    let mut message = client.recv().await;
    while message["payload"]["data"]["clock"].is_string() {
        message = client.recv().await;
    }
    assert_eq!(
        message["payload"]["data"]["version"],
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(
        client.recv().await,
        json!({ "type": "complete", "id": "s1" })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_documents_get_an_error_message_never_next() {
    let (_app, addr) = server().await;
    let mut client = Client::ready(addr).await;
    client.send(subscribe("v1", "{ nope }")).await;
    let error = client.recv().await;
    assert_eq!(error["type"], "error", "{error}");
    assert_eq!(error["id"], "v1");
    assert_eq!(
        error["payload"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );

    client.send(subscribe("v2", "{ version ")).await;
    let error = client.recv().await;
    assert_eq!(error["type"], "error");
    assert_eq!(
        error["payload"][0]["extensions"]["code"],
        "GRAPHQL_PARSE_FAILED"
    );

    let deep = format!("{}version{}", "{ a ".repeat(1000), " }".repeat(1000));
    client.send(subscribe("v3", &deep)).await;
    assert_eq!(client.recv().await["type"], "error");

    // The socket goes on.
    client.send(subscribe("v4", "{ version }")).await;
    assert_eq!(client.recv().await["type"], "next");
}

#[tokio::test(flavor = "multi_thread")]
async fn field_errors_come_in_next() {
    let (_app, addr) = server().await;
    let mut client = Client::ready(addr).await;
    client
        .send(subscribe(
            "e1",
            "subscription { clock(intervalSeconds: 0) }",
        ))
        .await;
    let next = client.recv().await;
    assert_eq!(next["type"], "next", "{next}");
    assert_eq!(
        next["payload"]["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
    assert_eq!(
        next["payload"]["errors"][0]["extensions"]["field"],
        "intervalSeconds"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn no_init_within_the_timeout_closes_4408() {
    let (_app, addr) = server_with(|s| s.ws_init_timeout = Duration::from_millis(200)).await;
    let mut client = Client::connect(addr).await;
    assert_eq!(client.closed().await.0, 4408);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_init_closes_4429() {
    let (_app, addr) = server().await;
    let mut client = Client::ready(addr).await;
    client.send(json!({ "type": "connection_init" })).await;
    assert_eq!(client.closed().await.0, 4429);
}

#[tokio::test(flavor = "multi_thread")]
async fn subscribe_before_ack_closes_4401() {
    let (_app, addr) = server().await;
    let mut client = Client::connect(addr).await;
    client.send(subscribe("1", "{ version }")).await;
    assert_eq!(client.closed().await.0, 4401);
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_messages_close_4400() {
    let (_app, addr) = server().await;
    for message in [
        "not json".to_owned(),
        json!({ "type": "what" }).to_string(),
        json!({ "type": "subscribe", "id": "1" }).to_string(),
        json!({ "type": "subscribe", "id": 1, "payload": { "query": "{ version }" } }).to_string(),
    ] {
        let mut client = Client::ready(addr).await;
        client.send_text(message.clone()).await;
        assert_eq!(client.closed().await.0, 4400, "{message}");
    }
    let mut client = Client::connect(addr).await;
    client
        .socket
        .send(Message::Binary(vec![1, 2, 3].into()))
        .await
        .expect("send");
    assert_eq!(client.closed().await.0, 4400);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_duplicate_active_id_closes_4409() {
    let (_app, addr) = server().await;
    let mut client = Client::ready(addr).await;
    let clock = "subscription { clock(intervalSeconds: 3600) }";
    client.send(subscribe("same", clock)).await;
    assert_eq!(client.recv().await["type"], "next");
    client.send(subscribe("same", clock)).await;
    let (code, reason) = client.closed().await;
    assert_eq!(code, 4409);
    assert_eq!(reason, "Subscriber for same already exists");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_token_closes_4403() {
    let (_app, addr) = server().await;
    let mut client = Client::connect(addr).await;
    client
        .send(json!({ "type": "connection_init", "payload": { "authorization": "Bearer forged" } }))
        .await;
    assert_eq!(client.closed().await.0, 4403);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_over_one_mebibyte_closes_1009() {
    let (_app, addr) = server().await;
    let mut client = Client::ready(addr).await;
    let huge = subscribe(
        "big",
        &format!("{{ version }} # {}", "x".repeat(1024 * 1024)),
    );
    // The server closes once it has read the frame's length, maybe while this client still
    // writes the rest: the write may then fail, and the close frame is there to read all the same.
    let _ = client
        .socket
        .send(Message::Text(huge.to_string().into()))
        .await;
    assert_eq!(client.closed().await.0, 1009);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_without_the_subprotocol_is_closed_4406() {
    let (_app, addr) = server().await;
    let mut client = Client::connect_with(addr, None).await;
    assert_eq!(client.closed().await.0, 4406);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_pings_to_keep_the_socket_alive() {
    let (_app, addr) = server_with(|s| s.ws_ping_interval = Duration::from_millis(100)).await;
    let mut client = Client::ready(addr).await;
    assert_eq!(client.recv().await, json!({ "type": "ping" }));
}

#[tokio::test(flavor = "multi_thread")]
async fn shutdown_closes_sockets_1001() {
    let (app, addr) = server().await;
    let mut client = Client::ready(addr).await;
    client
        .send(subscribe(
            "s",
            "subscription { clock(intervalSeconds: 3600) }",
        ))
        .await;
    assert_eq!(client.recv().await["type"], "next");
    app.app.lifecycle.shutdown.cancel();
    assert_eq!(client.closed().await.0, 1001);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_graphql_ws_client_runs_a_subscription_end_to_end() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/audit");
    crate::audit::ensure_node_modules(&dir).await;
    let (_app, addr) = server().await;
    let output = tokio::process::Command::new("node")
        .arg("ws-client.mjs")
        .arg(format!("ws://{addr}/graphql/ws"))
        .current_dir(&dir)
        .output()
        .await
        .expect("node is needed");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_str(stdout.trim()).expect("a JSON report");
    assert_eq!(report["version"], env!("CARGO_PKG_VERSION"));
    let ticks = report["ticks"].as_array().expect("ticks");
    assert_eq!(ticks.len(), 2);
    assert!(ticks[0].as_str() < ticks[1].as_str(), "{report}");
}

/// Connects and signs the socket in with `token`.
async fn signed_in(addr: SocketAddr, token: &str) -> Client {
    let mut client = Client::connect(addr).await;
    client
        .send(json!({
            "type": "connection_init",
            "payload": { "authorization": format!("Bearer {token}") },
        }))
        .await;
    assert_eq!(client.recv().await, json!({ "type": "connection_ack" }));
    client
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_signs_the_socket_in() {
    let (app, addr) = server().await;
    let ann = app.user("ann", Role::User).await;
    let mut client = signed_in(addr, &ann.access).await;
    client.send(subscribe("me", "{ me { username } }")).await;
    let next = client.recv().await;
    assert_eq!(next["payload"]["data"]["me"]["username"], "ann", "{next}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_session_closes_its_socket_4403_at_once() {
    let (app, addr) = server().await;
    let ann = app.user("ann", Role::User).await;
    let mut client = signed_in(addr, &ann.access).await;
    // Revoked through another instance: the notice crosses instances through PostgreSQL.
    let other = app.second_instance().await;
    let started = std::time::Instant::now();
    other.gql_as(&ann, "mutation { logout }", json!({})).await;
    assert_eq!(client.closed().await.0, 4403);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expiring_token_closes_its_socket_4403() {
    let (app, addr) = server().await;
    let ann = app.user("ann", Role::User).await;
    // A token for ann's session that expires in about a second.
    let issued =
        chrono::Utc::now() - rollcall::auth::tokens::ACCESS_TTL + chrono::Duration::seconds(1);
    let (token, _) = rollcall::auth::tokens::issue_access(
        &app.app.keys,
        ann.id.parse().expect("id"),
        ann.session.parse().expect("id"),
        issued,
    )
    .expect("token");
    let mut client = signed_in(addr, &token).await;
    assert_eq!(client.closed().await.0, 4403);
}
