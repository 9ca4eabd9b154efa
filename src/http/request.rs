//! What the server knows about the request in hand: its id and the client's address.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::header::USER_AGENT;
use axum::http::request::Parts;
use tower_http::request_id::RequestId;

use crate::config::Config;
use crate::http::HttpState;

/// The longest User-Agent kept.
const MAX_USER_AGENT: usize = 300;

/// The request id and client address, handed to GraphQL as request data.
#[derive(Debug, Clone)]
pub struct RequestMeta {
    /// The id in the `x-request-id` header (the client's, or one we made).
    pub request_id: String,
    /// The client's address: the peer, or what a trusted proxy says in `X-Forwarded-For`.
    pub client_ip: Option<IpAddr>,
    /// The `User-Agent` header (at most 300 characters).
    pub user_agent: Option<String>,
}

impl FromRequestParts<HttpState> for RequestMeta {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &HttpState,
    ) -> Result<Self, Self::Rejection> {
        let request_id = parts
            .extensions
            .get::<RequestId>()
            .and_then(|id| id.header_value().to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip());
        let user_agent = parts
            .headers
            .get(USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|agent| agent.chars().take(MAX_USER_AGENT).collect());
        Ok(Self {
            request_id,
            client_ip: peer.map(|peer| client_ip(&state.app.config, peer, &parts.headers)),
            user_agent,
        })
    }
}

/// The client's address. `X-Forwarded-For` is believed only from trusted proxies, and then read
/// from the right: the first address not itself a trusted proxy is the client.
pub fn client_ip(config: &Config, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    if !config.is_trusted_proxy(peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|addr| addr.trim().parse().ok())
        .collect();
    forwarded
        .iter()
        .rev()
        .find(|addr| !config.is_trusted_proxy(**addr))
        .or(forwarded.first())
        .copied()
        .unwrap_or(peer)
}
