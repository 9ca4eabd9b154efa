//! Access and refresh tokens.
//!
//! Access tokens are JWTs signed with HS256 (and only HS256: the algorithm is pinned, so
//! `alg: none` and key-confusion tricks fail), valid 15 minutes, naming issuer, audience, type,
//! user and session. Refresh tokens are opaque: 256 random bits, stored as a SHA-256 hash. Each
//! rotation's successor is an HMAC of its predecessor under a derived key, so a client that
//! refreshes twice within the grace period can be given the very same new pair without the
//! server ever storing a token.

use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::keys::Keys;
use crate::error::{AppError, AppResult};

/// The `iss` of every access token.
pub const ISSUER: &str = "rollcall";
/// The `aud` of every access token.
pub const AUDIENCE: &str = "rollcall-api";
/// How long an access token lives.
pub const ACCESS_TTL: Duration = Duration::minutes(15);
/// Clock skew tolerated when checking `exp` (the crate's default of 60 s is too generous).
pub const LEEWAY_SECONDS: u64 = 5;
/// A refresh token unused this long expires.
pub const REFRESH_IDLE: Duration = Duration::days(30);
/// A session ends this long after sign-in, however it is used.
pub const SESSION_LIFETIME: Duration = Duration::days(90);
/// A rotated refresh token presented again within this period gets the same new pair.
pub const REPLAY_GRACE: Duration = Duration::seconds(10);

const ACCESS_TYPE: &str = "access";

/// What an access token must satisfy besides its type, built once: HS256 only, issuer, audience,
/// the claims that must be present, and expiry with [`LEEWAY_SECONDS`].
static VALIDATION: LazyLock<Validation> = LazyLock::new(|| {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = LEEWAY_SECONDS;
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation
});

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    /// The user id.
    pub sub: String,
    /// The session id.
    pub sid: i64,
    pub typ: String,
    pub iat: i64,
    pub exp: i64,
}

/// Why an access token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    Expired,
    Invalid,
}

impl TokenError {
    /// The `extensions.reason` clients see.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Expired => "TOKEN_EXPIRED",
            Self::Invalid => "TOKEN_INVALID",
        }
    }
}

/// An access token for `session_id` of `user_id`, issued at `issued_at`. The same inputs give the
/// same token.
pub fn issue_access(
    keys: &Keys,
    user_id: i64,
    session_id: i64,
    issued_at: DateTime<Utc>,
) -> AppResult<(String, DateTime<Utc>)> {
    let expires_at = issued_at + ACCESS_TTL;
    let claims = AccessClaims {
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        sub: user_id.to_string(),
        sid: session_id,
        typ: ACCESS_TYPE.into(),
        iat: issued_at.timestamp(),
        exp: expires_at.timestamp(),
    };
    let header = Header {
        kid: Some(keys.current.kid.clone()),
        ..Header::new(Algorithm::HS256)
    };
    let token = jsonwebtoken::encode(&header, &claims, &keys.current.encoding)
        .map_err(AppError::internal)?;
    Ok((token, expires_at))
}

/// Checks an access token's signature, algorithm, issuer, audience, type and expiry.
pub fn verify_access(keys: &Keys, token: &str) -> Result<AccessClaims, TokenError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
    let key = header
        .kid
        .as_deref()
        .and_then(|kid| keys.by_kid(kid))
        .ok_or(TokenError::Invalid)?;
    let data =
        jsonwebtoken::decode::<AccessClaims>(token, &key.decoding, &VALIDATION).map_err(|err| {
            match err.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            }
        })?;
    if data.claims.typ != ACCESS_TYPE {
        return Err(TokenError::Invalid);
    }
    Ok(data.claims)
}

/// A fresh refresh token: 256 random bits, URL-safe.
pub fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The token that replaces `token` at its rotation.
pub fn successor(keys: &Keys, token: &str) -> String {
    URL_SAFE_NO_PAD.encode(keys.refresh_mac(token.as_bytes()))
}

/// What is stored of a refresh token.
pub fn refresh_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn keys() -> Keys {
        Keys::from_secrets(
            Secret::new(b"0123456789abcdef0123456789abcdef".to_vec()),
            None,
            Secret::new(vec![3; 32]),
        )
    }

    #[test]
    fn round_trip_and_determinism() {
        let keys = keys();
        let at = Utc::now();
        let (token, _) = issue_access(&keys, 7, 9, at).expect("token");
        let claims = verify_access(&keys, &token).expect("valid");
        assert_eq!((claims.sub.as_str(), claims.sid), ("7", 9));
        assert_eq!(issue_access(&keys, 7, 9, at).expect("token").0, token);
    }

    #[test]
    fn refusals() {
        let keys = keys();
        let (old, _) = issue_access(&keys, 7, 9, Utc::now() - Duration::hours(1)).expect("token");
        assert_eq!(verify_access(&keys, &old), Err(TokenError::Expired));
        let other = Keys::from_secrets(Secret::new(vec![1; 32]), None, Secret::new(vec![3; 32]));
        let (forged, _) = issue_access(&other, 7, 9, Utc::now()).expect("token");
        assert_eq!(verify_access(&keys, &forged), Err(TokenError::Invalid));
        assert_eq!(
            verify_access(&keys, &new_refresh_token()),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn keys_never_show_their_secrets() {
        let text = format!("{:?}", keys());
        // The signing secret is the bytes of "0123…", 48, 49, 50 … as a list of numbers.
        assert!(!text.contains("0123") && !text.contains("48, 49"), "{text}");
        assert!(text.contains("redacted"), "{text}");
    }

    #[test]
    fn a_previous_key_still_verifies() {
        let old = keys();
        let (token, _) = issue_access(&old, 7, 9, Utc::now()).expect("token");
        let rotated = Keys::from_secrets(
            Secret::new(vec![2; 32]),
            Some(Secret::new(b"0123456789abcdef0123456789abcdef".to_vec())),
            Secret::new(vec![3; 32]),
        );
        assert!(verify_access(&rotated, &token).is_ok());
    }
}
