//! The HTTP side: the router, its middleware, and serving it.

pub mod graphiql;
pub mod graphql;
pub mod health;
pub mod metrics;
pub mod request;
pub mod server;
pub mod ws;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderName, Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;
use tracing::Span;

use crate::app::App;
use crate::error::{AppError, ErrorCode};
use crate::graphql::Api;

/// What every handler gets: the shared application and the GraphQL API built on it.
#[derive(Clone)]
pub struct HttpState {
    pub app: Arc<App>,
    pub api: Api,
}

/// The whole HTTP API: GraphQL, its WebSocket, health, metrics and GraphiQL, with the routes
/// the areas serve themselves (`area_routes`, e.g. media) merged in.
pub fn router(state: HttpState, area_routes: Router<HttpState>) -> Router {
    let cors = cors_layer(&state.app.config.settings.cors_origins);
    Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/graphql/ws", get(ws::upgrade))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::metrics))
        .merge(area_routes)
        .merge(if state.app.config.graphiql() {
            graphiql::routes()
        } else {
            Router::new()
        })
        .fallback(not_found)
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(request_span)
                        .on_request(())
                        .on_response(log_response),
                )
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(CatchPanicLayer::custom(panic_response))
                .option_layer(cors)
                .layer(CompressionLayer::new().gzip(true).br(true)),
        )
}

/// The span of one request. Only the path is recorded: a GET query string holds variables.
fn request_span<B>(request: &Request<B>) -> Span {
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %request_id,
    )
}

fn log_response<B>(response: &axum::http::Response<B>, latency: Duration, _span: &Span) {
    tracing::info!(
        status = response.status().as_u16(),
        latency_ms = latency.as_secs_f64() * 1000.0,
        "answered"
    );
}

fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        axum::Json(json!({
            "errors": [{ "message": "internal error", "extensions": { "code": "INTERNAL" } }]
        })),
    )
        .into_response()
}

/// The JSON error body every endpoint other than GraphQL answers, with the status that fits its
/// code. Internal errors are logged by the conversion, and shown as `INTERNAL` only.
pub fn error_response(err: AppError) -> Response {
    let status = match err.code() {
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::BadUserInput | ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::Conflict => StatusCode::CONFLICT,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Timeout => StatusCode::GATEWAY_TIMEOUT,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let error = async_graphql::Error::from(err).into_server_error(Default::default());
    (status, axum::Json(json!({ "errors": [error] }))).into_response()
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({
            "errors": [{ "message": "no such endpoint; GraphQL is at /graphql", "extensions": { "code": "NOT_FOUND" } }]
        })),
    )
        .into_response()
}

/// The CORS policy for the configured origins; none (same origin only) when there are none.
/// Besides `Authorization` and `Content-Type`, it allows the headers a multipart request must
/// carry ([`graphql::PREFLIGHT_HEADERS`]), so that pages of those origins can upload files.
fn cors_layer(origins: &[axum::http::HeaderValue]) -> Option<CorsLayer> {
    (!origins.is_empty()).then(|| {
        let preflight = graphql::PREFLIGHT_HEADERS.map(HeaderName::from_static);
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins.iter().cloned()))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers(AllowHeaders::list(
                [AUTHORIZATION, CONTENT_TYPE].into_iter().chain(preflight),
            ))
            .max_age(Duration::from_secs(3600))
    })
}
