//! The viewer: who makes the request.
//!
//! An access token names a session; every request reads that session and its account from the
//! database (by primary key), so a revoked session, a role change or a deactivation applies at
//! the very next request. A token that is expired, forged or of a revoked session fails the
//! request with UNAUTHENTICATED and `extensions.reason`, except for documents that only call
//! operations open to anyone (each area lists its own; the assembly in `src/schema.rs` gathers
//! them): those run as anonymous, so a client holding a stale token can still refresh it or sign
//! in again.

use std::sync::Arc;

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use sha2::{Digest, Sha256};

use crate::app::App;
use crate::auth::guards::Level;
use crate::auth::identity::{Session, SessionId, User, UserId};
use crate::auth::queries;
use crate::auth::tokens::{self, TokenError};
use crate::error::{AppError, AppResult};

/// The `Authorization` header of a request, read but not yet checked. Cheap to clone: a
/// WebSocket's token is kept by the socket and by each of its operations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    None,
    Bearer(Arc<str>),
    Basic {
        login: String,
        password: String,
    },
    /// A header that is neither a Bearer token nor Basic credentials.
    Malformed,
}

impl Credential {
    /// Reads the `Authorization` header.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let Some(value) = headers.get(AUTHORIZATION) else {
            return Self::None;
        };
        let Ok(value) = value.to_str() else {
            return Self::Malformed;
        };
        Self::parse(value)
    }

    /// Reads an `Authorization` value (`Bearer <token>` or `Basic <base64>`).
    pub fn parse(value: &str) -> Self {
        let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value, ""));
        let rest = rest.trim();
        if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
            return Self::Bearer(rest.into());
        }
        if scheme.eq_ignore_ascii_case("basic") {
            let decoded = STANDARD
                .decode(rest)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok());
            if let Some((login, password)) = decoded.as_deref().and_then(|d| d.split_once(':')) {
                return Self::Basic {
                    login: login.to_owned(),
                    password: password.to_owned(),
                };
            }
        }
        Self::Malformed
    }
}

/// A signed-in viewer: the account and the session its token belongs to.
#[derive(Debug)]
pub struct SignedIn {
    pub user: User,
    pub session: Session,
}

/// The prefix of every kiosk token. No JWT starts with it (their header is base64 JSON,
/// `eyJ`), so a bearer token is told apart without being tried as the other kind.
pub const KIOSK_TOKEN_PREFIX: &str = "rck_";

/// A kiosk signed in with its token: a company's shared clock-in terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KioskCredential {
    pub kiosk: i64,
    pub company: i64,
}

/// Who makes the request: an account, a kiosk, or nobody. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Viewer {
    account: Option<Arc<SignedIn>>,
    kiosk: Option<KioskCredential>,
}

/// The viewer of requests that carry no valid token.
pub static ANONYMOUS: Viewer = Viewer {
    account: None,
    kiosk: None,
};

impl Viewer {
    pub fn signed_in(user: User, session: Session) -> Self {
        Self {
            account: Some(Arc::new(SignedIn { user, session })),
            kiosk: None,
        }
    }

    /// A kiosk.
    pub fn kiosk_viewer(kiosk: KioskCredential) -> Self {
        Self {
            account: None,
            kiosk: Some(kiosk),
        }
    }

    /// The viewer's permission level (a kiosk has none: what it may call is listed apart).
    pub fn level(&self) -> Level {
        self.account
            .as_ref()
            .map_or(Level::Anonymous, |s| Level::of_account(&s.user))
    }

    /// The signed-in account and session, if any.
    pub fn get(&self) -> Option<&SignedIn> {
        self.account.as_deref()
    }

    /// The kiosk making the request, if it is one.
    pub fn kiosk(&self) -> Option<KioskCredential> {
        self.kiosk
    }

    pub fn user_id(&self) -> Option<UserId> {
        self.get().map(|s| s.user.id)
    }

    pub fn session_id(&self) -> Option<SessionId> {
        self.get().map(|s| s.session.id)
    }

    /// The signed-in account, or UNAUTHENTICATED.
    pub fn require(&self) -> AppResult<&SignedIn> {
        self.get().ok_or(AppError::Unauthenticated { reason: None })
    }
}

/// Finds the viewer of a request. `public_only` says whether the document calls only
/// operations open to anyone, in which case a bad token is ignored rather than refused.
pub async fn authenticate(
    app: &App,
    credential: &Credential,
    public_only: bool,
) -> AppResult<Viewer> {
    let outcome = match credential {
        Credential::None | Credential::Basic { .. } => return Ok(Viewer::default()),
        Credential::Malformed => Err(unauthenticated(TokenError::Invalid.reason())),
        Credential::Bearer(token) => resolve(app, token).await,
    };
    match outcome {
        Err(AppError::Unauthenticated { .. }) if public_only => Ok(Viewer::default()),
        other => other,
    }
}

async fn resolve(app: &App, token: &str) -> AppResult<Viewer> {
    if token.starts_with(KIOSK_TOKEN_PREFIX) {
        let mut conn = app.pool.get().await?;
        let hash = Sha256::digest(token.as_bytes());
        let (kiosk, company, revoked) = queries::kiosk_by_token_hash(&mut conn, &hash)
            .await?
            .ok_or_else(|| unauthenticated(TokenError::Invalid.reason()))?;
        if revoked {
            return Err(unauthenticated("SESSION_REVOKED"));
        }
        return Ok(Viewer::kiosk_viewer(KioskCredential { kiosk, company }));
    }
    let claims =
        tokens::verify_access(&app.keys, token).map_err(|err| unauthenticated(err.reason()))?;
    let (session, user) = app
        .sessions
        .read(SessionId(claims.sid))
        .await?
        .ok_or_else(|| unauthenticated("SESSION_REVOKED"))?;
    if claims.sub != user.id.to_string() {
        return Err(unauthenticated(TokenError::Invalid.reason()));
    }
    let now = Utc::now();
    if session.revoked_at.is_some() || user.deleted_at.is_some() {
        return Err(unauthenticated("SESSION_REVOKED"));
    }
    if session.expires_at <= now {
        return Err(unauthenticated(TokenError::Expired.reason()));
    }
    Ok(Viewer::signed_in(user, session))
}

fn unauthenticated(reason: &'static str) -> AppError {
    AppError::Unauthenticated {
        reason: Some(reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_authorization_headers() {
        assert_eq!(
            Credential::parse("Bearer abc"),
            Credential::Bearer("abc".into())
        );
        assert_eq!(
            Credential::parse("bearer  abc "),
            Credential::Bearer("abc".into())
        );
        assert_eq!(
            Credential::parse(&format!("Basic {}", STANDARD.encode("ann:pa:ss"))),
            Credential::Basic {
                login: "ann".into(),
                password: "pa:ss".into()
            }
        );
        assert_eq!(Credential::parse("Basic ???"), Credential::Malformed);
        assert_eq!(Credential::parse("Token abc"), Credential::Malformed);
        assert_eq!(Credential::parse("Bearer"), Credential::Malformed);
    }
}
