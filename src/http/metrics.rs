//! Prometheus metrics: GraphQL requests and their latency by operation type, errors by code, and
//! the use of the database pool. Served at `GET /metrics` in the Prometheus text format.

use std::fmt;
use std::time::Duration;

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

use crate::db::Pool;
use crate::http::HttpState;

/// The server's metrics.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
    errors: IntCounterVec,
    pool_max: IntGauge,
    pool_open: IntGauge,
    pool_idle: IntGauge,
    pool_waiting: IntGauge,
    statements: IntCounter,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric. The names and help texts are fixed, so this cannot fail.
    pub fn new() -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "rollcall_graphql_requests_total",
                "GraphQL requests by operation type (invalid: refused before one was known)",
            ),
            &["operation"],
        )
        .expect("valid metric");
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "rollcall_graphql_request_duration_seconds",
                "Time to answer a GraphQL request, by operation type",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["operation"],
        )
        .expect("valid metric");
        let errors = IntCounterVec::new(
            Opts::new(
                "rollcall_graphql_errors_total",
                "Errors answered, by extensions.code",
            ),
            &["code"],
        )
        .expect("valid metric");
        let gauge = |name: &str, help: &str| IntGauge::new(name, help).expect("valid metric");
        let pool_max = gauge(
            "rollcall_db_pool_max_connections",
            "Most connections the pool may open",
        );
        let pool_open = gauge(
            "rollcall_db_pool_connections",
            "Connections the pool holds open",
        );
        let pool_idle = gauge(
            "rollcall_db_pool_idle_connections",
            "Open connections not in use",
        );
        let pool_waiting = gauge(
            "rollcall_db_pool_waiting",
            "Requests waiting for a connection",
        );
        let statements = IntCounter::new(
            "rollcall_db_statements_total",
            "SQL statements run on pooled connections",
        )
        .expect("valid metric");
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(duration.clone()),
            Box::new(errors.clone()),
            Box::new(pool_max.clone()),
            Box::new(pool_open.clone()),
            Box::new(pool_idle.clone()),
            Box::new(pool_waiting.clone()),
            Box::new(statements.clone()),
        ] {
            registry.register(collector).expect("unique metric names");
        }
        Self {
            registry,
            requests,
            duration,
            errors,
            pool_max,
            pool_open,
            pool_idle,
            pool_waiting,
            statements,
        }
    }

    /// Records one answered request.
    pub fn observe<'a>(
        &self,
        operation: &str,
        elapsed: Duration,
        error_codes: impl IntoIterator<Item = &'a str>,
    ) {
        self.requests.with_label_values(&[operation]).inc();
        self.duration
            .with_label_values(&[operation])
            .observe(elapsed.as_secs_f64());
        for code in error_codes {
            self.errors.with_label_values(&[code]).inc();
        }
    }

    /// The metrics in the Prometheus text format, with the pool and the statement count read
    /// now.
    pub fn render(&self, pool: &Pool, statements: u64) -> String {
        self.statements
            .inc_by(statements.saturating_sub(self.statements.get()));
        let status = pool.status();
        self.pool_max.set(as_gauge(status.max_size));
        self.pool_open.set(as_gauge(status.size));
        self.pool_idle.set(as_gauge(status.available));
        self.pool_waiting.set(as_gauge(status.waiting));
        let mut out = Vec::new();
        // Encoding into a Vec only fails on metrics with invalid names, which we do not make.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }
}

fn as_gauge(value: usize) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// `GET /metrics`.
pub async fn metrics(State(state): State<HttpState>) -> impl IntoResponse {
    (
        [(CONTENT_TYPE, prometheus::TEXT_FORMAT)],
        state
            .app
            .metrics
            .render(&state.app.pool, state.app.statements.get()),
    )
}
