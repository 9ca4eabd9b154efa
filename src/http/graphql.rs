//! GraphQL over HTTP, as the GraphQL-over-HTTP specification says.
//!
//! - `POST /graphql` takes one JSON object `{query, operationName, variables, extensions}`;
//!   other media types are refused with 415, arrays (batches) with 400, bodies over 1 MiB
//!   with 413.
//! - `POST /graphql` also takes `multipart/form-data`, as the GraphQL multipart request
//!   specification describes, to send files: the parts `operations` (the same JSON object, at
//!   most 1 MiB), `map` (which variable each file fills), then the files; at most
//!   [`MAX_FILES`] of them, at most [`MAX_MULTIPART_BYTES`] in all (413 beyond). A multipart
//!   request must carry one of the [`PREFLIGHT_HEADERS`], not empty (400 without): see
//!   `read_post` for why. Both kinds of body go through the same steps from there on; a
//!   multipart request only adds its files to the variables `map` names.
//! - `GET /graphql` takes the same parameters in the query string and never runs a mutation
//!   (405).
//! - The `Accept` header picks the answer's media type: `application/graphql-response+json`
//!   gets that type and 4xx statuses for requests refused as a whole (parse and validation
//!   failures); `application/json` (or no preference) gets `application/json` and 200 for any
//!   well-formed request.

use std::collections::HashMap;
use std::time::Instant;

use async_graphql::parser::types::OperationType;
use async_graphql::{ServerError, UploadValue, Variables};
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::{ACCEPT, ALLOW, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use multer::{Constraints, Multipart, SizeLimit};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::auth::viewer::{Credential, authenticate};
use crate::error::{AppError, ErrorCode};
use crate::graphql::codes::{error_code, is_request_error, with_code};
use crate::graphql::context::request_data;
use crate::graphql::document::operation_label;
use crate::http::HttpState;
use crate::http::request::RequestMeta;

/// The largest JSON body accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The largest `multipart/form-data` body accepted: room for the largest file an operation
/// takes (2 MiB, `graphql::upload::MAX_FILE_BYTES`) and an `operations` part as large as a JSON body may be (1 MiB),
/// so 3 MiB. A limit of its own so that JSON bodies keep theirs: only requests that carry a
/// file need more than 1 MiB. The `operations` part keeps the JSON limit inside it.
pub const MAX_MULTIPART_BYTES: usize = MAX_BODY_BYTES + crate::graphql::upload::MAX_FILE_BYTES;

/// The most files one multipart request may carry: no operation takes more than one, and
/// [`MAX_MULTIPART_BYTES`] is sized for one.
pub const MAX_FILES: usize = 1;

/// The headers of which a multipart request must carry one, with a value that is not empty:
/// none is a header a browser lets a page send cross-site without a CORS preflight. Rollcall's
/// own name first; Apollo Server demands either of the other two for the same reason, so Apollo
/// upload clients already send one (`apollo-require-preflight` by configuration, and Apollo's
/// iOS and Kotlin clients `x-apollo-operation-name` on every request).
pub const PREFLIGHT_HEADERS: [&str; 3] = [
    "graphql-require-preflight",
    "apollo-require-preflight",
    "x-apollo-operation-name",
];

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json; charset=utf-8";
const JSON: &str = "application/json; charset=utf-8";

/// The media type of the answer, chosen from the request's `Accept` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    GraphqlResponseJson,
}

impl Format {
    /// Picks the media type the client prefers; `None` when it accepts neither.
    fn negotiate(headers: &HeaderMap) -> Option<Self> {
        let Some(accept) = headers.get(ACCEPT).and_then(|v| v.to_str().ok()) else {
            return Some(Self::Json);
        };
        if accept.trim().is_empty() {
            return Some(Self::Json);
        }
        let (mut graphql_q, mut json_q) = (0.0f32, 0.0f32);
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            match media.as_str() {
                "application/graphql-response+json" => graphql_q = graphql_q.max(q),
                "application/json" | "application/*" | "*/*" => json_q = json_q.max(q),
                _ => {}
            }
        }
        if graphql_q <= 0.0 && json_q <= 0.0 {
            None
        } else if graphql_q >= json_q {
            Some(Self::GraphqlResponseJson)
        } else {
            Some(Self::Json)
        }
    }

    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Self::Json => JSON,
            Self::GraphqlResponseJson => GRAPHQL_RESPONSE_JSON,
        })
    }
}

/// The parameters of a GraphQL request, from either method.
struct Params {
    query: String,
    operation_name: Option<String>,
    variables: Variables,
    /// The files of a multipart request; none otherwise.
    files: Vec<FilePart>,
}

/// A file part of a multipart request, and the variables `map` says it fills.
struct FilePart {
    paths: Vec<String>,
    filename: String,
    content_type: Option<String>,
    content: Bytes,
}

/// A request refused before it reached the schema.
struct Refusal {
    status: StatusCode,
    code: ErrorCode,
    message: String,
}

impl Refusal {
    fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message)
    }
}

/// `POST /graphql`.
pub async fn post(
    State(state): State<HttpState>,
    meta: RequestMeta,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let Some(format) = Format::negotiate(&headers) else {
        return not_acceptable(&state, started);
    };
    let params = match read_post(&headers, body).await {
        Ok(params) => params,
        Err(refusal) => return refuse(&state, started, format, refusal),
    };
    let request = Incoming {
        meta,
        credential: Credential::from_headers(&headers),
        format,
        is_get: false,
        started,
    };
    execute(&state, request, params).await
}

/// `GET /graphql`.
pub async fn get(
    State(state): State<HttpState>,
    meta: RequestMeta,
    headers: HeaderMap,
    query: Result<Query<GetParams>, QueryRejection>,
) -> Response {
    let started = Instant::now();
    let Some(format) = Format::negotiate(&headers) else {
        return not_acceptable(&state, started);
    };
    let params = match query
        .map_err(|_| Refusal::bad_request("the query string could not be read"))
        .and_then(|Query(params)| params.into_params())
    {
        Ok(params) => params,
        Err(refusal) => return refuse(&state, started, format, refusal),
    };
    let request = Incoming {
        meta,
        credential: Credential::from_headers(&headers),
        format,
        is_get: true,
        started,
    };
    execute(&state, request, params).await
}

/// The query-string parameters of `GET /graphql`; `variables` and `extensions` are JSON text.
#[derive(Debug, Deserialize)]
pub struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

impl GetParams {
    fn into_params(self) -> Result<Params, Refusal> {
        let parse_object =
            |name: &str, text: Option<String>| -> Result<Map<String, Value>, Refusal> {
                match text.filter(|t| !t.is_empty()) {
                    None => Ok(Map::new()),
                    Some(text) => match serde_json::from_str::<Value>(&text) {
                        Ok(value) => object_or_null(name, value),
                        Err(_) => Err(Refusal::bad_request(format!("{name} is not valid JSON"))),
                    },
                }
            };
        let variables = parse_object("variables", self.variables)?;
        // Extensions are accepted as the specification asks; none are acted on yet.
        parse_object("extensions", self.extensions)?;
        Ok(Params {
            query: self
                .query
                .ok_or_else(|| Refusal::bad_request("the request has no query"))?,
            operation_name: self.operation_name.filter(|name| !name.is_empty()),
            variables: Variables::from_json(Value::Object(variables)),
            files: Vec::new(),
        })
    }
}

/// Reads a POST body: a JSON object, or a multipart request carrying files.
///
/// About cross-site request forgery: a page on any site can make its visitor's browser POST
/// `multipart/form-data` here, with a plain `<form>` or with `fetch`: it is one of the three
/// "simple" media types, which cross origins without a CORS preflight. The page cannot read the
/// answer, but the operation runs all the same. Such a request carries no credential of ours
/// (Rollcall has no cookies, and a cross-site page cannot set `Authorization` without a
/// preflight), yet it can still run the public operations from the visitor's address: sign-in
/// attempts or sign-ups spread over the addresses of many visitors slip under the per-address
/// limits, and a page can make its visitors ask for password-reset mails. So a multipart request
/// must carry one of [`PREFLIGHT_HEADERS`] with a value that is not empty: a form cannot set a
/// header at all, and a script on another origin can set one only after a preflight, which the
/// CORS layer answers for the configured origins alone (it lists the three headers among those
/// it allows). The check does not depend on what the request would do, so it also holds should
/// a credential ever travel by itself (a cookie, or `Basic` credentials a browser replays: today
/// we send no `WWW-Authenticate` challenge, so browsers store none).
///
/// A JSON body needs no such header: `application/json` is not a simple media type, so a
/// cross-site page can send it only after a preflight, and every other media type (those a
/// form sends without one included) is refused with 415 before the body is read.
async fn read_post(headers: &HeaderMap, body: Body) -> Result<Params, Refusal> {
    if let Some(boundary) = multipart_boundary(headers)? {
        require_preflight_header(headers)?;
        return read_multipart(boundary, body).await;
    }
    if !is_json_content_type(headers) {
        return Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::BadRequest,
            "send the request as application/json (or as multipart/form-data to send files)",
        ));
    }
    let bytes = read_body(body).await?;
    parse_post(&bytes)
}

/// Reads the JSON object of a POST body, or of a multipart request's `operations` part.
fn parse_post(bytes: &[u8]) -> Result<Params, Refusal> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|_| Refusal::bad_request("the body is not valid JSON"))?;
    let Value::Object(mut fields) = value else {
        return Err(Refusal::bad_request(if value.is_array() {
            "batched requests are not supported: send one operation per request"
        } else {
            "the body must be a JSON object"
        }));
    };
    let query = match fields.remove("query") {
        Some(Value::String(query)) => query,
        Some(Value::Null) | None => return Err(Refusal::bad_request("the request has no query")),
        Some(_) => return Err(Refusal::bad_request("query must be a string")),
    };
    let operation_name = match fields.remove("operationName") {
        Some(Value::String(name)) if !name.is_empty() => Some(name),
        Some(Value::String(_) | Value::Null) | None => None,
        Some(_) => return Err(Refusal::bad_request("operationName must be a string")),
    };
    let variables = object_or_null(
        "variables",
        fields.remove("variables").unwrap_or(Value::Null),
    )?;
    object_or_null(
        "extensions",
        fields.remove("extensions").unwrap_or(Value::Null),
    )?;
    Ok(Params {
        query,
        operation_name,
        variables: Variables::from_json(Value::Object(variables)),
        files: Vec::new(),
    })
}

/// Refuses a multipart request that carries none of [`PREFLIGHT_HEADERS`], or carries one
/// only with an empty value (see [`read_post`]).
fn require_preflight_header(headers: &HeaderMap) -> Result<(), Refusal> {
    let present = PREFLIGHT_HEADERS.iter().any(|name| {
        headers
            .get_all(*name)
            .iter()
            .any(|value| !value.as_bytes().trim_ascii().is_empty())
    });
    if present {
        return Ok(());
    }
    Err(Refusal::bad_request(format!(
        "a multipart/form-data request must carry one of the headers {}, with a value that is \
         not empty (such as graphql-require-preflight: 1), so that browsers refuse to send it \
         from another site",
        PREFLIGHT_HEADERS.join(", ")
    )))
}

/// The boundary of a `multipart/form-data` body; `None` for other media types.
fn multipart_boundary(headers: &HeaderMap) -> Result<Option<String>, Refusal> {
    let Some(value) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    let media = value.split(';').next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("multipart/form-data") {
        return Ok(None);
    }
    multer::parse_boundary(value)
        .map(Some)
        .map_err(|_| Refusal::bad_request("the multipart/form-data body has no boundary"))
}

/// Reads a GraphQL multipart request: `operations`, `map`, then the files, in this order (the
/// specification asks for it, so a server never holds files it cannot place yet).
async fn read_multipart(boundary: String, body: Body) -> Result<Params, Refusal> {
    let limits = SizeLimit::new()
        .whole_stream(MAX_MULTIPART_BYTES as u64)
        .for_field("operations", MAX_BODY_BYTES as u64);
    let mut multipart = Multipart::with_constraints(
        body.into_data_stream(),
        boundary,
        Constraints::new().size_limit(limits),
    );
    let operations = next_part(&mut multipart, "operations").await?;
    let mut params = parse_post(&operations)?;
    let map = next_part(&mut multipart, "map").await?;
    let mut map: HashMap<String, Vec<String>> = serde_json::from_slice(&map).map_err(|_| {
        Refusal::bad_request(
            r#"map must be a JSON object of arrays of paths, such as {"0": ["variables.file"]}"#,
        )
    })?;
    if map.len() > MAX_FILES {
        return Err(Refusal::bad_request(format!(
            "a request may carry at most {MAX_FILES} file"
        )));
    }
    while let Some(field) = multipart.next_field().await.map_err(multipart_refusal)? {
        let Some(paths) = field.name().and_then(|name| map.remove(name)) else {
            return Err(Refusal::bad_request(
                "every part after operations and map must be a file that map names",
            ));
        };
        let filename = field.file_name().unwrap_or_default().to_owned();
        let content_type = field.content_type().map(ToString::to_string);
        let content = field.bytes().await.map_err(multipart_refusal)?;
        params.files.push(FilePart {
            paths,
            filename,
            content_type,
            content,
        });
    }
    if !map.is_empty() {
        return Err(Refusal::bad_request(
            "map names a file part the body does not have",
        ));
    }
    Ok(params)
}

/// The next part of a multipart body, which must be `name`.
async fn next_part(multipart: &mut Multipart<'_>, name: &str) -> Result<Bytes, Refusal> {
    let field = multipart
        .next_field()
        .await
        .map_err(multipart_refusal)?
        .filter(|field| field.name() == Some(name))
        .ok_or_else(|| {
            Refusal::bad_request(format!(
                "a multipart request has the parts operations, map, then its files; \
                 {name} is missing or out of place"
            ))
        })?;
    field.bytes().await.map_err(multipart_refusal)
}

fn multipart_refusal(err: multer::Error) -> Refusal {
    match err {
        multer::Error::StreamSizeExceeded { .. } => too_large("the body", MAX_MULTIPART_BYTES),
        multer::Error::FieldSizeExceeded { .. } => too_large("operations", MAX_BODY_BYTES),
        _ => Refusal::bad_request("the multipart/form-data body could not be read"),
    }
}

/// Puts each file into the variables `map` names for it. `Request::set_upload` passes over a
/// path that names no variable; that is refused here, since the operation would run without
/// its file.
fn attach_files(request: &mut async_graphql::Request, files: Vec<FilePart>) -> Result<(), Refusal> {
    for file in files {
        for path in &file.paths {
            let attached = request.uploads.len();
            request.set_upload(
                path,
                UploadValue {
                    filename: file.filename.clone(),
                    content_type: file.content_type.clone(),
                    content: file.content.clone(),
                },
            );
            if request.uploads.len() == attached {
                return Err(Refusal::bad_request(
                    "map names a path that is not a variable of the operation, such as \
                     variables.file",
                ));
            }
        }
    }
    Ok(())
}

fn object_or_null(name: &str, value: Value) -> Result<Map<String, Value>, Refusal> {
    match value {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        _ => Err(Refusal::bad_request(format!(
            "{name} must be a JSON object"
        ))),
    }
}

fn is_json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mut parts = value.split(';');
    let media = parts.next().unwrap_or("").trim();
    let charset_ok = parts.all(|param| {
        let (key, value) = param.split_once('=').unwrap_or((param, ""));
        !key.trim().eq_ignore_ascii_case("charset")
            || value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
    });
    media.eq_ignore_ascii_case("application/json") && charset_ok
}

async fn read_body(body: Body) -> Result<Bytes, Refusal> {
    match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.downcast_ref::<LengthLimitError>().is_some() => {
            Err(too_large("the body", MAX_BODY_BYTES))
        }
        Err(_) => Err(Refusal::bad_request("the body could not be read")),
    }
}

fn too_large(what: &str, limit: usize) -> Refusal {
    Refusal::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::PayloadTooLarge,
        format!("{what} is larger than {} KiB", limit / 1024),
    )
}

/// What is known of a request besides its GraphQL parameters.
struct Incoming {
    meta: RequestMeta,
    credential: Credential,
    format: Format,
    is_get: bool,
    started: Instant,
}

async fn execute(state: &HttpState, incoming: Incoming, params: Params) -> Response {
    let Incoming {
        meta,
        credential,
        format,
        is_get,
        started,
    } = incoming;
    let prepared = match state
        .api
        .prepare(&params.query, params.operation_name.as_deref())
    {
        Ok(prepared) => prepared,
        Err(err) => return graphql_response(state, started, format, "invalid", vec![err], None),
    };
    let operation = operation_label(prepared.operation);
    match prepared.operation {
        OperationType::Mutation if is_get => {
            let mut response = refuse(
                state,
                started,
                format,
                Refusal::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    ErrorCode::BadRequest,
                    "mutations are sent with POST",
                ),
            );
            response
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static("POST"));
            return response;
        }
        OperationType::Subscription => {
            return refuse(
                state,
                started,
                format,
                Refusal::bad_request("subscriptions are served over WebSocket at /graphql/ws"),
            );
        }
        _ => {}
    }
    let mut request = async_graphql::Request::new(params.query).variables(params.variables);
    if let Err(refusal) = attach_files(&mut request, params.files) {
        return refuse(state, started, format, refusal);
    }
    let roots = prepared.root_fields.iter().map(String::as_str);
    let public_only = state.api.all_public(roots.clone());
    let viewer = match authenticate(&state.app, &credential, public_only).await {
        Ok(viewer) if viewer.kiosk().is_some() && !state.api.all_for_kiosks(roots) => {
            Err(AppError::forbidden(
                "KIOSK_TOKEN",
                "a kiosk token may call kioskClock, version and serverTime only",
            ))
        }
        outcome => outcome,
    };
    let viewer = match viewer {
        Ok(viewer) => viewer,
        Err(err) => {
            let err = async_graphql::Error::from(err).into_server_error(Default::default());
            return graphql_response(state, started, format, operation, vec![err], None);
        }
    };
    let (mut request, polls) = request_data(request, &state.app, meta, viewer, credential);
    if let Some(name) = &params.operation_name {
        request = request.operation_name(name.clone());
    }
    request.set_parsed_query(prepared.document.clone());

    let limit = state.app.config.settings.request_timeout;
    match tokio::time::timeout(limit, polls.around(state.api.execute(request))).await {
        Ok(mut response) => {
            prepared.order.apply(&mut response.data);
            graphql_response(
                state,
                started,
                format,
                operation,
                response.errors,
                Some(response.data),
            )
        }
        Err(_) => {
            tracing::warn!(operation, "request timed out");
            refuse(
                state,
                started,
                format,
                Refusal::new(
                    StatusCode::GATEWAY_TIMEOUT,
                    ErrorCode::Timeout,
                    format!("the request took longer than {} ms", limit.as_millis()),
                ),
            )
        }
    }
}

/// Answers the outcome of a GraphQL request. Requests refused as a whole carry no `data`.
fn graphql_response(
    state: &HttpState,
    started: Instant,
    format: Format,
    operation: &str,
    errors: Vec<ServerError>,
    data: Option<async_graphql::Value>,
) -> Response {
    state.app.metrics.observe(
        operation,
        started.elapsed(),
        errors.iter().filter_map(error_code),
    );
    let request_error = data.is_none() || is_request_error(&errors);
    let status = match (request_error, format) {
        (true, Format::GraphqlResponseJson) => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    let body = ResponseBody {
        data: if request_error { None } else { data.as_ref() },
        errors: &errors,
    };
    json_response(status, format, &body)
}

/// A GraphQL response as sent: `data` (absent for a request refused as a whole), then `errors`
/// when there are any. It is written straight from the executor's values, so the fields of
/// `data` keep the order the query selected them in, as the GraphQL spec asks.
#[derive(serde::Serialize)]
pub(crate) struct ResponseBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "<[ServerError]>::is_empty")]
    pub errors: &'a [ServerError],
}

/// Answers a request refused before it reached GraphQL (transport-level errors).
fn refuse(state: &HttpState, started: Instant, format: Format, refusal: Refusal) -> Response {
    let error = with_code(ServerError::new(refusal.message, None), refusal.code);
    state
        .app
        .metrics
        .observe("invalid", started.elapsed(), [refusal.code.as_str()]);
    let errors = [error];
    let body = ResponseBody {
        data: None,
        errors: &errors,
    };
    json_response(refusal.status, format, &body)
}

fn not_acceptable(state: &HttpState, started: Instant) -> Response {
    refuse(
        state,
        started,
        Format::Json,
        Refusal::new(
            StatusCode::NOT_ACCEPTABLE,
            ErrorCode::BadRequest,
            "accept application/graphql-response+json or application/json",
        ),
    )
}

fn json_response(status: StatusCode, format: Format, body: &ResponseBody<'_>) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(CONTENT_TYPE, format.content_type())], bytes).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "a response could not be written");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(CONTENT_TYPE, format.content_type())],
                r#"{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}"#,
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> Option<Format> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_str(value).expect("header"));
        Format::negotiate(&headers)
    }

    #[test]
    fn negotiates_the_media_type() {
        assert_eq!(Format::negotiate(&HeaderMap::new()), Some(Format::Json));
        assert_eq!(accept("application/json"), Some(Format::Json));
        assert_eq!(accept("*/*"), Some(Format::Json));
        assert_eq!(
            accept("application/graphql-response+json, application/json;q=0.9"),
            Some(Format::GraphqlResponseJson)
        );
        assert_eq!(
            accept("application/graphql-response+json;q=0.5, application/json"),
            Some(Format::Json)
        );
        assert_eq!(accept("text/html"), None);
    }

    #[test]
    fn json_content_types() {
        let check = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_TYPE, HeaderValue::from_str(value).expect("header"));
            is_json_content_type(&headers)
        };
        assert!(check("application/json"));
        assert!(check("application/json; charset=utf-8"));
        assert!(check("Application/JSON;charset=\"UTF-8\""));
        assert!(!check("application/json; charset=latin1"));
        assert!(!check("text/plain"));
        assert!(!check("application/x-www-form-urlencoded"));
    }
}
