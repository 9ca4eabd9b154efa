//! Liveness and readiness probes.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use deadpool::managed::Timeouts;
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};

use crate::http::HttpState;

/// Readiness answers within this bound, so a load balancer notices a lost database within a
/// second.
const READY_TIMEOUT: Duration = Duration::from_millis(900);

/// `GET /healthz`: the process is alive.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /readyz`: the process can reach its database (503 otherwise).
pub async fn readyz(State(state): State<HttpState>) -> (StatusCode, Json<Value>) {
    let timeouts = Timeouts {
        wait: Some(READY_TIMEOUT),
        create: Some(READY_TIMEOUT),
        recycle: Some(READY_TIMEOUT),
    };
    let check = async {
        let mut conn = state.app.pool.timeout_get(&timeouts).await.ok()?;
        diesel::sql_query("SELECT 1").execute(&mut conn).await.ok()
    };
    match tokio::time::timeout(READY_TIMEOUT, check).await {
        Ok(Some(_)) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "reason": "database unreachable" })),
        ),
    }
}
