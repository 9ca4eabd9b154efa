//! Losing the database: readiness and operations say so quickly, and both recover on their own.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use rollcall::db::{create_database_if_missing, migrations};
use serde_json::json;

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
