//! GraphQL over WebSocket at `/graphql/ws`, speaking `graphql-transport-ws` exactly as
//! graphql-ws's PROTOCOL.md says.
//!
//! async-graphql's own handler strays from the protocol (it closes with 1002 or 1011 where the
//! protocol says 4400/4401/4403, replaces a duplicate id silently, has no init timeout and keeps
//! axum's 64 MiB message limit), so the protocol loop lives here, over the schema's `execute_stream`:
//!
//! - `connection_init` must arrive within the init timeout (else 4408), once (a second closes
//!   4429); a refused init closes 4403; `subscribe` before `connection_ack` closes 4401;
//! - an invalid message closes 4400, a duplicate active id 4409, a message over 1 MiB 1009;
//! - `ping` gets `pong`, and the server pings on its own to keep the connection alive;
//! - a document refused as a whole gets one `error` message, never `next`; queries and
//!   mutations answer `next` then `complete`, like subscriptions;
//! - a server shutting down closes every socket with 1001.
//!
//! Each operation gets its own per-request context, as over HTTP. A socket is one task: it reads
//! the client's messages, polls its operations' result streams and writes what they answer, one
//! message at a time, so an idle subscriber holds no task, channel or buffer besides its socket.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::broadcast::error::RecvError;

use async_graphql::parser::types::OperationType;
use async_graphql::{ServerError, Variables};
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::stream::{self, AbortHandle, Abortable, BoxStream, SelectAll, StreamExt};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

use crate::auth::identity::SessionId;
use crate::auth::tokens;
use crate::auth::viewer::{self, Credential, Viewer};
use crate::error::ErrorCode;
use crate::events::{Channel, Event};
use crate::graphql::codes::{error_code, is_request_error, with_code};
use crate::graphql::context::request_data;
use crate::graphql::document::{self, operation_label};
use crate::graphql::loaders::Counted;
use crate::http::HttpState;
use crate::http::graphql::ResponseBody;
use crate::http::request::RequestMeta;

/// The only subprotocol spoken.
pub const PROTOCOL: &str = "graphql-transport-ws";
/// The largest message accepted from a client.
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;
/// The read buffer a socket starts with (it grows for a larger message, up to
/// [`MAX_MESSAGE_BYTES`]). tungstenite's default, 128 KiB for each of reading and writing, is
/// what 10,000 idle subscribers would hold for nothing; a client's messages are small (a
/// `subscribe` is a query), and messages are written as they come (no write buffer), since
/// each is a whole GraphQL result.
const READ_BUFFER_BYTES: usize = 512;

/// Why the server closes a socket, with the protocol's close codes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Close {
    /// The client closed or vanished: nothing to send.
    ByClient,
    GoingAway,
    TooBig,
    BadRequest(String),
    Unauthorized,
    Forbidden,
    InitTimeout,
    DuplicateId(String),
    TooManyInits,
    SubprotocolNotAcceptable,
}

impl Close {
    fn frame(&self) -> Option<CloseFrame> {
        let (code, reason) = match self {
            Self::ByClient => return None,
            Self::GoingAway => (1001, "Server shutting down".to_owned()),
            Self::TooBig => (1009, "Message too big".to_owned()),
            Self::BadRequest(reason) => (4400, reason.clone()),
            Self::Unauthorized => (4401, "Unauthorized".to_owned()),
            Self::Forbidden => (4403, "Forbidden".to_owned()),
            Self::InitTimeout => (4408, "Connection initialisation timeout".to_owned()),
            Self::DuplicateId(id) => (4409, format!("Subscriber for {id} already exists")),
            Self::TooManyInits => (4429, "Too many initialisation requests".to_owned()),
            Self::SubprotocolNotAcceptable => (4406, "Subprotocol not acceptable".to_owned()),
        };
        // Close reasons are limited to 123 bytes by RFC 6455.
        let reason: String = reason.chars().take(100).collect();
        Some(CloseFrame {
            code,
            reason: reason.into(),
        })
    }
}

/// What a client may send.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<Value>,
    },
    Ping {},
    Pong {},
    Subscribe {
        id: String,
        payload: SubscribePayload,
    },
    Complete {
        id: String,
    },
}

/// The GraphQL request inside a `subscribe` message.
#[derive(Debug, Deserialize)]
struct SubscribePayload {
    query: String,
    #[serde(rename = "operationName", default)]
    operation_name: Option<String>,
    #[serde(default)]
    variables: Option<Value>,
}

/// A message for the client from one of the socket's operations.
struct Reply {
    text: String,
    /// The operation's id when this is its last message (`complete` or `error`): the id is
    /// free again once it is written.
    last_of: Option<String>,
}

/// The socket's running operations: each a stream of its messages, polled by the socket's own
/// task (no task, channel or buffer of their own), ended early through its handle.
#[derive(Default)]
struct Operations {
    running: SelectAll<Abortable<BoxStream<'static, Reply>>>,
    handles: HashMap<String, AbortHandle>,
}

impl Operations {
    fn start(&mut self, id: String, messages: BoxStream<'static, Reply>) {
        let (handle, registration) = AbortHandle::new_pair();
        self.running.push(Abortable::new(messages, registration));
        self.handles.insert(id, handle);
    }

    fn stop(&mut self, id: &str) {
        if let Some(handle) = self.handles.remove(id) {
            handle.abort();
        }
    }
}

/// `GET /graphql/ws`: upgrades to a WebSocket and runs the protocol on it.
pub async fn upgrade(
    State(state): State<HttpState>,
    meta: RequestMeta,
    ws: WebSocketUpgrade,
) -> Response {
    let offered = ws
        .requested_protocols()
        .any(|p| p.as_bytes() == PROTOCOL.as_bytes());
    let tasks = state.app.lifecycle.tasks.clone();
    ws.protocols([PROTOCOL])
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(0)
        .on_upgrade(move |socket| {
            tasks.track_future(async move {
                if offered {
                    Session {
                        state,
                        meta,
                        auth: SocketAuth::default(),
                    }
                    .run(socket)
                    .await;
                } else {
                    close_now(socket, Close::SubprotocolNotAcceptable).await;
                }
            })
        })
}

async fn close_now(mut socket: WebSocket, close: Close) {
    let _ = socket.send(Message::Close(close.frame())).await;
}

/// One socket's protocol state.
struct Session {
    state: HttpState,
    meta: RequestMeta,
    auth: SocketAuth,
}

/// Who the socket belongs to, from its `connection_init`.
#[derive(Debug, Clone, Default)]
struct SocketAuth {
    credential: Option<Credential>,
    session: Option<SessionId>,
    expires_at: Option<DateTime<Utc>>,
}

impl Session {
    async fn run(mut self, mut socket: WebSocket) {
        let shutdown = self.state.app.lifecycle.shutdown.clone();
        let mut operations = Operations::default();
        let close = self.serve(&mut socket, &mut operations).await;
        // Dropping them ends the operations still running.
        drop(operations);
        if close != Close::ByClient {
            tracing::debug!(?close, "closing WebSocket");
        }
        if let Some(frame) = close.frame() {
            let _ = write(&mut socket, &shutdown, Message::Close(Some(frame))).await;
        }
    }

    /// Runs the protocol until the socket is to close, and says why.
    async fn serve(&mut self, socket: &mut WebSocket, operations: &mut Operations) -> Close {
        let settings = &self.state.app.config.settings;
        let shutdown = self.state.app.lifecycle.shutdown.clone();
        let init_deadline = tokio::time::sleep(settings.ws_init_timeout);
        tokio::pin!(init_deadline);
        let mut pings = tokio::time::interval_at(
            tokio::time::Instant::now() + settings.ws_ping_interval,
            settings.ws_ping_interval,
        );
        let mut session_events = self.state.app.events.subscribe(Channel::SessionRevoked);
        let expiry = tokio::time::sleep(Duration::from_secs(u64::from(u32::MAX)));
        tokio::pin!(expiry);
        let mut initialised = false;
        let mut acknowledged = false;
        loop {
            // What to write, once the branch that chose it has let go of the socket.
            let text = tokio::select! {
                biased;
                () = shutdown.cancelled() => return Close::GoingAway,
                () = &mut init_deadline, if !initialised => return Close::InitTimeout,
                () = &mut expiry, if self.auth.expires_at.is_some() => return Close::Forbidden,
                event = session_events.recv(), if self.auth.session.is_some() => {
                    let recheck = match event {
                        Ok(Event::Notified(id)) => {
                            if id.parse().ok().map(SessionId) == self.auth.session {
                                return Close::Forbidden;
                            }
                            false
                        }
                        Ok(Event::Resync) | Err(RecvError::Lagged(_)) => true,
                        Err(RecvError::Closed) => false,
                    };
                    if recheck && Box::pin(self.viewer()).await.is_err() {
                        return Close::Forbidden;
                    }
                    continue;
                }
                message = socket.next() => {
                    let text = match message {
                        None => return Close::ByClient,
                        Some(Err(err)) => return close_for_read_error(&err),
                        Some(Ok(Message::Text(text))) => text,
                        Some(Ok(Message::Binary(_))) => {
                            return Close::BadRequest("Binary messages are not supported".into());
                        }
                        Some(Ok(Message::Close(_))) => return Close::ByClient,
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    };
                    let message = match serde_json::from_str::<ClientMessage>(text.as_str()) {
                        Ok(message) => message,
                        Err(_) => return Close::BadRequest("Invalid message received".into()),
                    };
                    match message {
                        ClientMessage::ConnectionInit { payload } => {
                            if initialised {
                                return Close::TooManyInits;
                            }
                            initialised = true;
                            // Boxed, as the rereads below: the session's future, held by
                            // every idle socket, keeps no room for them.
                            match Box::pin(self.authenticate(payload.as_ref())).await {
                                Ok(auth) => {
                                    if let Some(at) = auth.expires_at {
                                        let left = (at - Utc::now()).to_std().unwrap_or_default();
                                        expiry.as_mut().reset(tokio::time::Instant::now() + left);
                                    }
                                    self.auth = auth;
                                }
                                Err(close) => return close,
                            }
                            acknowledged = true;
                            json!({ "type": "connection_ack" }).to_string()
                        }
                        ClientMessage::Ping {} => json!({ "type": "pong" }).to_string(),
                        ClientMessage::Pong {} => continue,
                        ClientMessage::Subscribe { id, payload } => {
                            if !acknowledged {
                                return Close::Unauthorized;
                            }
                            if operations.handles.contains_key(&id) {
                                return Close::DuplicateId(id);
                            }
                            // Role and status are read again for every operation.
                            let viewer = match Box::pin(self.viewer()).await {
                                Ok(viewer) => viewer,
                                Err(close) => return close,
                            };
                            let context = OperationContext {
                                state: self.state.clone(),
                                meta: self.meta.clone(),
                                viewer,
                                credential: self.auth.credential.clone().unwrap_or(Credential::None),
                            };
                            operations.start(id.clone(), operation(context, id, payload));
                            continue;
                        }
                        ClientMessage::Complete { id } => {
                            operations.stop(&id);
                            continue;
                        }
                    }
                }
                Some(reply) = operations.running.next() => {
                    if let Some(id) = reply.last_of {
                        operations.handles.remove(&id);
                    }
                    reply.text
                }
                _ = pings.tick(), if acknowledged => json!({ "type": "ping" }).to_string(),
            };
            if let Err(close) = write(socket, &shutdown, Message::Text(text.into())).await {
                return close;
            }
        }
    }
}

/// Writes one message. Its operations wait meanwhile, so a slow reader slows them down (a
/// subscription that falls too far behind its events ends SUBSCRIBER_LAGGED); a client that
/// takes nothing until the server shuts down is given up on.
async fn write(
    socket: &mut WebSocket,
    shutdown: &CancellationToken,
    message: Message,
) -> Result<(), Close> {
    tokio::select! {
        biased;
        sent = socket.send(message) => sent.map_err(|_| Close::ByClient),
        () = shutdown.cancelled() => Err(Close::ByClient),
    }
}

/// A message over the size limit closes with 1009; any other read error means the client is
/// gone.
fn close_for_read_error(err: &axum::Error) -> Close {
    let too_big = std::error::Error::source(err)
        .and_then(|source| source.downcast_ref::<tungstenite::Error>())
        .is_some_and(|err| matches!(err, tungstenite::Error::Capacity(_)));
    if too_big {
        Close::TooBig
    } else {
        Close::ByClient
    }
}

impl Session {
    /// Checks the `connection_init` payload: `{"authorization": "Bearer <access token>"}`
    /// signs the socket in; no `authorization` leaves it anonymous; a token that does not check
    /// out closes it 4403.
    async fn authenticate(&self, payload: Option<&Value>) -> Result<SocketAuth, Close> {
        let payload = match payload {
            None | Some(Value::Null) => return Ok(SocketAuth::default()),
            Some(Value::Object(payload)) => payload,
            Some(_) => return Err(Close::BadRequest("Invalid message received".into())),
        };
        let token = match payload.get("authorization") {
            None | Some(Value::Null) => return Ok(SocketAuth::default()),
            Some(Value::String(value)) => match Credential::parse(value) {
                Credential::Bearer(token) => token,
                _ => return Err(Close::Forbidden),
            },
            Some(_) => return Err(Close::Forbidden),
        };
        let claims =
            tokens::verify_access(&self.state.app.keys, &token).map_err(|_| Close::Forbidden)?;
        let credential = Credential::Bearer(token);
        let viewer = viewer::authenticate(&self.state.app, &credential, false)
            .await
            .map_err(|_| Close::Forbidden)?;
        Ok(SocketAuth {
            credential: Some(credential),
            session: viewer.session_id(),
            expires_at: DateTime::from_timestamp(claims.exp, 0),
        })
    }

    /// The socket's viewer as the database has it now.
    async fn viewer(&self) -> Result<Viewer, Close> {
        match &self.auth.credential {
            None => Ok(Viewer::default()),
            Some(credential) => viewer::authenticate(&self.state.app, credential, false)
                .await
                .map_err(|_| Close::Forbidden),
        }
    }
}

/// What one operation runs with.
struct OperationContext {
    state: HttpState,
    meta: RequestMeta,
    viewer: Viewer,
    credential: Credential,
}

/// One operation's messages: `next` per result then `complete`, or one `error` when the
/// document is refused as a whole.
fn operation(
    context: OperationContext,
    id: String,
    payload: SubscribePayload,
) -> BoxStream<'static, Reply> {
    stream::unfold(Step::Start(Box::new((context, id, payload))), Step::advance).boxed()
}

/// Where an operation is.
enum Step {
    Start(Box<(OperationContext, String, SubscribePayload)>),
    Running(Box<Running>),
    Over,
}

impl Step {
    /// The operation's next message, and where it is then.
    async fn advance(self) -> Option<(Reply, Self)> {
        let running = match self {
            Self::Start(start) => {
                let (context, id, payload) = *start;
                match Running::start(context, id, payload) {
                    Ok(running) => Box::new(running),
                    Err(refusal) => return Some((refusal, Self::Over)),
                }
            }
            Self::Running(running) => running,
            Self::Over => return None,
        };
        Some(running.next().await)
    }
}

/// An operation that was accepted and runs.
struct Running {
    state: HttpState,
    id: String,
    operation: &'static str,
    started: Instant,
    /// Queries and mutations keep the HTTP time limit; subscriptions run until completed.
    deadline: Option<tokio::time::Instant>,
    responses: Counted<BoxStream<'static, async_graphql::Response>>,
    /// The prepared document, for the order of its answers' keys.
    prepared: Arc<document::Prepared>,
    first: bool,
    /// The codes of the errors answered so far, each once.
    error_codes: Vec<String>,
}

impl Running {
    /// Prepares the operation and starts it, or answers the `error` that refuses it.
    fn start(
        context: OperationContext,
        id: String,
        payload: SubscribePayload,
    ) -> Result<Self, Reply> {
        let OperationContext {
            state,
            meta,
            viewer,
            credential,
        } = context;
        let started = Instant::now();
        let refuse = |err: ServerError| {
            observe(&state, "invalid", started, std::slice::from_ref(&err));
            refusal(&id, vec![err])
        };
        let prepared = state
            .api
            .prepare(&payload.query, payload.operation_name.as_deref())
            .map_err(refuse)?;
        let variables = match payload.variables {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(variables)) => variables,
            Some(_) => {
                return Err(refuse(with_code(
                    ServerError::new("variables must be a JSON object", None),
                    ErrorCode::BadRequest,
                )));
            }
        };
        let request = async_graphql::Request::new(payload.query)
            .variables(Variables::from_json(Value::Object(variables)));
        let (mut request, polls) = request_data(request, &state.app, meta, viewer, credential);
        if let Some(name) = &payload.operation_name {
            request = request.operation_name(name.clone());
        }
        let operation = operation_label(prepared.operation);
        let deadline = match prepared.operation {
            OperationType::Subscription => None,
            _ => Some(tokio::time::Instant::now() + state.app.config.settings.request_timeout),
        };
        request.set_parsed_query(prepared.document.clone());
        let responses = polls.around(state.api.execute_stream(request));
        Ok(Self {
            state,
            id,
            operation,
            started,
            deadline,
            responses,
            prepared,
            first: true,
            error_codes: Vec::new(),
        })
    }

    /// The next message: a result, or the end.
    async fn next(mut self: Box<Self>) -> (Reply, Step) {
        let next = match self.deadline {
            Some(deadline) => {
                match tokio::time::timeout_at(deadline, self.responses.next()).await {
                    Ok(next) => next,
                    Err(_) => {
                        let err = with_code(
                            ServerError::new("the request took too long", None),
                            ErrorCode::Timeout,
                        );
                        return self.refuse(vec![err]);
                    }
                }
            }
            None => self.responses.next().await,
        };
        let Some(mut response) = next else {
            self.observe(&[]);
            let complete = encode::<()>("complete", &self.id, None);
            return (Reply::last(complete, self.id), Step::Over);
        };
        self.prepared.order.apply(&mut response.data);
        if self.first && is_request_error(&response.errors) {
            return self.refuse(response.errors);
        }
        self.first = false;
        for code in response.errors.iter().filter_map(error_code) {
            if !self.error_codes.iter().any(|seen| seen == code) {
                self.error_codes.push(code.to_owned());
            }
        }
        let text = encode(
            "next",
            &self.id,
            Some(ResponseBody {
                data: Some(&response.data),
                errors: &response.errors,
            }),
        );
        let reply = Reply {
            text,
            last_of: None,
        };
        (reply, Step::Running(self))
    }

    fn refuse(&self, errors: Vec<ServerError>) -> (Reply, Step) {
        self.observe(&errors);
        (refusal(&self.id, errors), Step::Over)
    }

    /// Counts the operation in the metrics, with `errors` and the codes of those answered.
    fn observe(&self, errors: &[ServerError]) {
        self.state.app.metrics.observe(
            self.operation,
            self.started.elapsed(),
            errors
                .iter()
                .filter_map(error_code)
                .chain(self.error_codes.iter().map(String::as_str)),
        );
    }
}

impl Reply {
    fn last(text: String, id: String) -> Self {
        Self {
            text,
            last_of: Some(id),
        }
    }
}

/// The `error` message that refuses an operation as a whole.
fn refusal(id: &str, errors: Vec<ServerError>) -> Reply {
    Reply::last(encode("error", id, Some(errors)), id.to_owned())
}

/// A message about an operation, as sent: its type, the operation's id and the payload, in
/// that order, written straight from the executor's values (so `data` keeps the order of the
/// query's fields).
#[derive(serde::Serialize)]
struct OperationMessage<'a, P> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload: Option<P>,
}

fn encode<P: serde::Serialize>(kind: &'static str, id: &str, payload: Option<P>) -> String {
    serde_json::to_string(&OperationMessage { kind, id, payload }).unwrap_or_else(|err| {
        tracing::error!(error = %err, "a message could not be written");
        format!(
            r#"{{"type":"error","id":{},"payload":[{{"message":"internal error","extensions":{{"code":"INTERNAL"}}}}]}}"#,
            Value::from(id)
        )
    })
}

fn observe(state: &HttpState, operation: &str, started: Instant, errors: &[ServerError]) {
    state.app.metrics.observe(
        operation,
        started.elapsed(),
        errors.iter().filter_map(error_code),
    );
}
