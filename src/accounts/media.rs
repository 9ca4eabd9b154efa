//! Media served from the database: `GET /media/avatars/<hash>.webp`.
//!
//! An avatar's name is the SHA-256 of its bytes, so what a URL answers never changes: responses
//! are cached for a year as `immutable`, and the hash is the ETag. A name that is not a
//! lower-case SHA-256, or that no stored avatar has, is 404 with the usual JSON error body.
//! `nosniff` keeps browsers from taking the bytes for anything but the WebP image they are.

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::accounts::queries;
use crate::accounts::service::avatar::{self, AVATARS};
use crate::error::{AppError, AppResult};
use crate::http::{HttpState, error_response};

/// An avatar's URL names its content, which therefore never changes.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The media routes.
pub fn routes() -> Router<HttpState> {
    Router::new().route(&format!("{AVATARS}{{file}}"), get(avatar_image))
}

/// `GET /media/avatars/{hash}.webp`.
async fn avatar_image(
    State(state): State<HttpState>,
    file: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Response {
    let Some(hash) = file
        .ok()
        .and_then(|Path(file)| file.strip_suffix(".webp").map(str::to_owned))
        .filter(|hash| avatar::is_hash(hash))
    else {
        return error_response(AppError::NotFound("avatar"));
    };
    let etag = format!("\"{hash}\"");
    let cache_headers = [
        (CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)),
        (
            ETAG,
            HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\"")),
        ),
    ];
    // The content under a name never changes, so a client holding it has it current.
    if if_none_match(&headers, &etag) {
        return (StatusCode::NOT_MODIFIED, cache_headers).into_response();
    }
    match load(&state, &hash).await {
        Ok(Some(image)) => (
            cache_headers,
            [
                (CONTENT_TYPE, HeaderValue::from_static("image/webp")),
                (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            ],
            image,
        )
            .into_response(),
        Ok(None) => error_response(AppError::NotFound("avatar")),
        Err(err) => error_response(err),
    }
}

async fn load(state: &HttpState, hash: &str) -> AppResult<Option<Vec<u8>>> {
    let mut conn = state.app.pool.get().await?;
    Ok(queries::avatar_image(&mut conn, hash).await?)
}

/// Whether `If-None-Match` lists `etag`.
fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == etag)
}
