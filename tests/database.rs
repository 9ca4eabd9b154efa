//! Losing the database: readiness and operations say so quickly, and both recover on their own.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use rollcall::db::{create_database_if_missing, migrations};
use serde_json::{Value, json};

use crate::common::{TestApp, Throwaway, first_error_code, json_request, send};

fn readyz() -> Request<Body> {
    Request::builder()
        .uri("/readyz")
        .body(Body::empty())
        .expect("request")
}

fn server_time() -> Request<Body> {
    json_request(&json!({ "query": "{ serverTime }" }))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_database_is_reported_quickly_and_recovered_without_restart() {
    // A cluster of its own: this test stops it.
    let mut pg = Throwaway::start();
    create_database_if_missing(&pg.url("postgres"), "rollcall")
        .await
        .expect("create database");
    let url = pg.url("rollcall");
    migrations::run_pending(&url).await.expect("migrate");
    let pool_timeout = Duration::from_secs(2);
    let app = TestApp::app_on(&url, |s| s.pool_timeout = pool_timeout).await;
    let router = rollcall::schema::router(app);

    assert_eq!(send(&router, readyz()).await.status, StatusCode::OK);
    let body = send(&router, server_time()).await.json();
    assert!(body["data"]["serverTime"].is_string(), "{body}");

    pg.cluster().stop().expect("stopping PostgreSQL");

    let started = Instant::now();
    assert_eq!(
        send(&router, readyz()).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "readyz took {:?}",
        started.elapsed()
    );

    let started = Instant::now();
    let response = send(&router, server_time()).await;
    assert_eq!(response.status, StatusCode::OK);
    let body = response.json();
    assert_eq!(first_error_code(&body), "SERVICE_UNAVAILABLE", "{body}");
    assert!(body["data"].is_null());
    assert!(
        !body.to_string().contains("postgres"),
        "no connection details leak: {body}"
    );
    assert!(
        started.elapsed() < pool_timeout + Duration::from_secs(1),
        "answered after {:?}",
        started.elapsed()
    );

    pg.cluster().start().expect("starting PostgreSQL again");

    assert_eq!(send(&router, readyz()).await.status, StatusCode::OK);
    let body = send(&router, server_time()).await.json();
    assert!(body["data"]["serverTime"].is_string(), "{body}");
}

/// A socket speaking graphql-transport-ws, signed in with `token`, with one subscription.
struct Subscriber {
    socket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl Subscriber {
    async fn open(addr: std::net::SocketAddr, token: &str, query: &str, variables: Value) -> Self {
        use futures_util::SinkExt;
        use tokio_tungstenite::tungstenite::Message;
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;

        let mut request = format!("ws://{addr}/graphql/ws")
            .into_client_request()
            .expect("a request");
        request.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().expect("a header"),
        );
        let (socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("a WebSocket");
        let mut subscriber = Self { socket };
        let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } });
        subscriber
            .socket
            .send(Message::Text(init.to_string().into()))
            .await
            .expect("init");
        assert_eq!(subscriber.next().await["type"], "connection_ack");
        let subscribe = json!({ "type": "subscribe", "id": "1", "payload": { "query": query, "variables": variables } });
        subscriber
            .socket
            .send(Message::Text(subscribe.to_string().into()))
            .await
            .expect("subscribe");
        subscriber
    }

    /// The next protocol message other than a ping.
    async fn next(&mut self) -> Value {
        use futures_util::{SinkExt, StreamExt};
        use tokio_tungstenite::tungstenite::Message;
        loop {
            let message = tokio::time::timeout(Duration::from_secs(15), self.socket.next())
                .await
                .expect("a message in time")
                .expect("the socket is open")
                .expect("a frame");
            if let Message::Text(text) = message {
                let value: Value = serde_json::from_str(&text).expect("JSON");
                if value["type"] == "ping" {
                    let pong = json!({ "type": "pong" }).to_string();
                    self.socket
                        .send(Message::Text(pong.into()))
                        .await
                        .expect("pong");
                    continue;
                }
                return value;
            }
        }
    }
}

/// Serves `app` on a loopback port.
async fn serve(app: &std::sync::Arc<rollcall::app::App>) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let addr = listener.local_addr().expect("its address");
    let router = rollcall::schema::router(app.clone());
    let settings = app.config.settings.clone();
    let lifecycle = app.lifecycle.clone();
    tokio::spawn(async move {
        rollcall::http::server::serve(listener, router, &settings, lifecycle).await;
    });
    addr
}

/// Two instances on one database: a clock-in through one reaches a `clockEvents` subscriber on
/// the other at once; after PostgreSQL restarts, the next one does too (the listener
/// reconnects, and catches up on what it missed), and mail queued through one is delivered by
/// the other's worker.
#[tokio::test(flavor = "multi_thread")]
async fn live_events_and_mail_reach_every_instance_across_a_database_restart() {
    use rollcall::auth::identity::{AccountStatus, Role};
    use rollcall::secret::Secret;

    use crate::common::accounts::PASSWORD;
    use crate::common::smtp::SmtpServer;

    let mut pg = Throwaway::start();
    create_database_if_missing(&pg.url("postgres"), "rollcall")
        .await
        .expect("create database");
    let url = pg.url("rollcall");
    migrations::run_pending(&url).await.expect("migrate");
    let smtp = SmtpServer::start().await;
    let first = TestApp::app_on(&url, |s| s.pool_timeout = Duration::from_secs(2)).await;
    let second = TestApp::app_with_config(&url, |config| {
        config.smtp_url = Some(Secret::new(smtp.url()));
    })
    .await;
    rollcall::mail::worker::spawn(second.clone());
    let one = TestApp::on(first.clone(), &url);
    let id = one
        .create_account("boss", Role::Owner, AccountStatus::Active)
        .await;
    one.sql("INSERT INTO employees (company_id, name, annual_hours) SELECT id, 'Ann', 1600 FROM companies WHERE name = 'Default'")
        .await;
    let company = one
        .count("SELECT id AS n FROM companies WHERE name = 'Default'")
        .await;
    let employee = one
        .count("SELECT id AS n FROM employees WHERE name = 'Ann'")
        .await;
    let boss = one.login("boss", PASSWORD).await;
    assert!(!id.is_empty());

    let addr = serve(&second).await;
    let mut subscriber = Subscriber::open(
        addr,
        &boss.access,
        "subscription ($c: ID!) { clockEvents(companyId: $c) { kind employee { name } } }",
        json!({ "c": company.to_string() }),
    )
    .await;
    // The subscription is live once the second instance's hub counts it.
    while second.live.subscribers() == 0 {
        tokio::task::yield_now().await;
    }

    let clock_in = "mutation ($e: ID!) { clockIn(input: {employeeId: $e}) { id } }";
    let started = std::time::Instant::now();
    let body = one
        .gql_as(&boss, clock_in, json!({ "e": employee.to_string() }))
        .await;
    assert!(body["data"]["clockIn"]["id"].is_string(), "{body}");
    let event = subscriber.next().await;
    assert_eq!(
        event["payload"]["data"]["clockEvents"]["kind"], "CLOCK_IN",
        "{event}"
    );
    assert_eq!(
        event["payload"]["data"]["clockEvents"]["employee"]["name"],
        "Ann"
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "reached the other instance after {:?}",
        started.elapsed()
    );

    pg.cluster().stop().expect("stopping PostgreSQL");
    pg.cluster().start().expect("starting PostgreSQL again");

    // The first request after the restart may find its pooled connection gone.
    let clock_out = "mutation ($e: ID!) { clockOut(input: {employeeId: $e}) { id end } }";
    let mut attempts = 0;
    loop {
        let body = one
            .gql_as(&boss, clock_out, json!({ "e": employee.to_string() }))
            .await;
        if body["data"]["clockOut"]["end"].is_string() {
            break;
        }
        attempts += 1;
        assert!(attempts < 20, "the database did not come back: {body}");
        assert_eq!(first_error_code(&body), "SERVICE_UNAVAILABLE", "{body}");
    }
    let event = subscriber.next().await;
    assert_eq!(
        event["payload"]["data"]["clockEvents"]["kind"], "CLOCK_OUT",
        "{event}"
    );

    let reset = "mutation { requestPasswordReset(email: \"boss@example.com\") }";
    let body = one.gql(reset, json!({})).await;
    assert_eq!(body["data"]["requestPasswordReset"], true, "{body}");
    // The account was signed in first: notices of new devices come before the code.
    loop {
        let mail = smtp.next_to("boss@example.com").await;
        if mail.data.contains("reset your Rollcall password") {
            break;
        }
    }
}
