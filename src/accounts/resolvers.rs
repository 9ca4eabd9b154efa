//! GraphQL operations and types of the accounts area.

use async_graphql::{Context, ID, InputObject, Object, Result};

use crate::accounts::loaders::LiveSessionsByUser;
use crate::accounts::model::{AccountStatus, Role, Session, SessionId, User, UserId};
use crate::accounts::queries;
use crate::accounts::service::{self, Registration, SignIn};
use crate::auth::guards::{Level, MinLevel, SelfOr};
use crate::auth::viewer::Credential;
use crate::error::AppError;
use crate::graphql::ContextExt;
use crate::graphql::scalars::DateTime;

/// Account queries.
#[derive(Default)]
pub struct AccountsQuery;

#[Object]
impl AccountsQuery {
    /// The signed-in account, or null when the request carries no token.
    async fn me(&self, ctx: &Context<'_>) -> Option<User> {
        ctx.viewer().get().map(|signed_in| signed_in.user.clone())
    }

    /// The account with this id (managers and up).
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn user(&self, ctx: &Context<'_>, id: ID) -> Result<Option<User>> {
        let id = UserId::parse("id", &id)?;
        let mut conn = ctx.conn().await?;
        Ok(queries::user_by_id(&mut conn, id)
            .await
            .map_err(AppError::from)?
            .filter(|user| user.deleted_at.is_none()))
    }

    /// The account with this username (managers and up).
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn user_by_username(&self, ctx: &Context<'_>, username: String) -> Result<Option<User>> {
        let mut conn = ctx.conn().await?;
        Ok(
            queries::user_by_username(&mut conn, &username.trim().to_lowercase())
                .await
                .map_err(AppError::from)?,
        )
    }
}

/// What registration asks for.
#[derive(InputObject)]
pub struct RegisterInput {
    /// Sign-in and mail address; compared without regard to case.
    pub email: String,
    /// Sign-in name: 3 to 32 of `a-z`, `0-9`, `.`, `_`, `-`.
    pub username: String,
    /// 8 to 128 characters, not among the 10,000 most common passwords.
    pub password: String,
    /// Display name, 1 to 200 characters.
    pub name: String,
}

/// Credentials for signing in.
#[derive(InputObject)]
pub struct LoginInput {
    /// Email address or username.
    pub login: String,
    pub password: String,
    /// A name for this device, shown in the list of sessions (at most 100 characters).
    pub device: Option<String>,
}

/// Account mutations.
#[derive(Default)]
pub struct AccountsMutation;

#[Object]
impl AccountsMutation {
    /// Registers an account. It stays UNCONFIRMED until the link mailed to its address is
    /// followed (within 24 hours). A taken email or username is CONFLICT.
    async fn register(&self, ctx: &Context<'_>, input: RegisterInput) -> Result<User> {
        let registration = Registration {
            email: input.email,
            username: input.username,
            password: input.password,
            name: input.name,
        };
        Ok(service::register(ctx.app(), ctx.meta(), registration).await?)
    }

    /// Confirms an email address with the token from the mailed link: a new account becomes
    /// ACTIVE with role USER; after `changeEmail`, the account switches to the new address
    /// (CONFLICT if another account has taken it meanwhile). An unknown, used or expired token
    /// is BAD_USER_INPUT with `extensions.reason` CODE_INVALID, CODE_USED or CODE_EXPIRED.
    async fn confirm_email(&self, ctx: &Context<'_>, token: String) -> Result<User> {
        Ok(service::confirm_email(ctx.app(), &token).await?)
    }

    /// Mails a new confirmation link to an unconfirmed account. Always true, so that it says
    /// nothing about which addresses have accounts.
    async fn resend_confirmation(&self, ctx: &Context<'_>, email: String) -> Result<bool> {
        service::resend_confirmation(ctx.app(), &email).await?;
        Ok(true)
    }

    /// Signs in and starts a device session. Without `input`, the credentials come from an
    /// `Authorization: Basic` header. A wrong password and an unknown account are the same
    /// error: UNAUTHENTICATED with `extensions.reason` INVALID_CREDENTIALS. After 10 failures
    /// on an account within 15 minutes (or 100 from one address within an hour) sign-in is
    /// RATE_LIMITED, even with the right password, until `extensions.retryAfter` seconds pass.
    async fn login(&self, ctx: &Context<'_>, input: Option<LoginInput>) -> Result<AuthPayload> {
        let (login, password, device) = match input {
            Some(input) => (input.login, input.password, input.device),
            None => match ctx.credential() {
                Credential::Basic { login, password } => (login.clone(), password.clone(), None),
                _ => {
                    return Err(AppError::bad_input(
                        "input",
                        "give input, or credentials in an Authorization: Basic header",
                    )
                    .into());
                }
            },
        };
        let sign_in = service::login(ctx.app(), ctx.meta(), &login, password, device).await?;
        Ok(AuthPayload(sign_in))
    }

    /// Exchanges a refresh token for a new pair; the old one stops working. Presenting a
    /// refresh token again after it was exchanged ends its whole session (SESSION_REVOKED),
    /// except within 10 seconds, when it answers the same new pair (two tabs refreshing at
    /// once).
    async fn refresh_token(&self, ctx: &Context<'_>, refresh_token: String) -> Result<AuthPayload> {
        let sign_in = service::refresh(ctx.app(), ctx.meta(), &refresh_token).await?;
        Ok(AuthPayload(sign_in))
    }

    /// Ends the current session. Its tokens stop working at once.
    #[graphql(guard = "MinLevel(Level::Limited)")]
    async fn logout(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(service::logout(ctx.app(), ctx.meta(), ctx.viewer()).await?)
    }

    /// Ends every session of the account, this one included; answers how many ended.
    #[graphql(guard = "MinLevel(Level::Limited)")]
    async fn logout_all(&self, ctx: &Context<'_>) -> Result<i32> {
        let ended = service::logout_all(ctx.app(), ctx.meta(), ctx.viewer()).await?;
        Ok(i32::try_from(ended).unwrap_or(i32::MAX))
    }

    /// Ends one session: one of your own, or anyone's for an admin. Answers whether it was
    /// still live. A session you may not see is NOT_FOUND.
    #[graphql(guard = "MinLevel(Level::Limited)")]
    async fn revoke_session(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let id = SessionId::parse("id", &id)?;
        Ok(service::revoke_session(ctx.app(), ctx.meta(), ctx.viewer(), id).await?)
    }
}

/// A new access token and refresh token, and the session they belong to.
pub struct AuthPayload(SignIn);

#[Object]
impl AuthPayload {
    /// Send it as `Authorization: Bearer <accessToken>`; it expires after 15 minutes.
    async fn access_token(&self) -> &str {
        &self.0.access_token
    }

    /// When the access token expires.
    async fn access_token_expires_at(&self) -> DateTime {
        DateTime(self.0.access_token_expires_at)
    }

    /// Exchange it with `refreshToken` for a new pair before the access token expires. Keep it
    /// secret: it renews the session for up to 30 days of inactivity (90 days in all).
    async fn refresh_token(&self) -> &str {
        &self.0.refresh_token
    }

    /// The signed-in account.
    async fn user(&self) -> &User {
        &self.0.user
    }

    /// The device session the tokens belong to.
    async fn session(&self) -> SessionView {
        SessionView {
            session: self.0.session.clone(),
            current: true,
        }
    }
}

/// An account.
#[Object(name = "User")]
impl User {
    /// The account id.
    async fn id(&self) -> ID {
        self.id.into()
    }

    /// Sign-in name; null once the account is deleted.
    async fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.name
    }

    /// Email address (the account itself, and managers and up).
    #[graphql(guard = "SelfOr { user: self.id, level: Level::Manager }")]
    async fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// What the account may do.
    async fn role(&self) -> Role {
        self.role
    }

    /// Whether the account is confirmed, active or switched off.
    async fn status(&self) -> AccountStatus {
        self.status
    }

    /// When the account was registered.
    async fn created_at(&self) -> DateTime {
        DateTime(self.created_at)
    }

    /// The account's picture, 256 × 256 pixels in WebP: an absolute URL whose content never
    /// changes (a new avatar gets a new URL), so it may be cached for good. Null when none was
    /// uploaded.
    async fn avatar_url(&self, ctx: &Context<'_>) -> Option<String> {
        let app = ctx.app();
        self.avatar_hash
            .as_deref()
            .map(|hash| crate::accounts::avatar::url(app, hash))
    }

    /// The live device sessions, newest first (the account itself, and admins).
    #[graphql(guard = "SelfOr { user: self.id, level: Level::Admin }")]
    async fn sessions(&self, ctx: &Context<'_>) -> Result<Vec<SessionView>> {
        let current = ctx.viewer().session_id();
        let sessions = ctx
            .loader::<LiveSessionsByUser>()
            .load_one(self.id)
            .await?
            .unwrap_or_default();
        Ok(sessions
            .into_iter()
            .map(|session| SessionView {
                current: Some(session.id) == current,
                session,
            })
            .collect())
    }
}

/// A device session: one sign-in, kept alive by its refresh tokens.
pub struct SessionView {
    session: Session,
    current: bool,
}

#[Object(name = "Session")]
impl SessionView {
    /// The session id (for `revokeSession`).
    async fn id(&self) -> ID {
        self.session.id.into()
    }

    /// The device name given at sign-in.
    async fn device(&self) -> &str {
        &self.session.device
    }

    /// The client address at sign-in.
    async fn ip_address(&self) -> Option<String> {
        self.session.ip.map(|ip| ip.addr().to_string())
    }

    /// The User-Agent at sign-in.
    async fn user_agent(&self) -> Option<&str> {
        self.session.user_agent.as_deref()
    }

    /// When the session began.
    async fn created_at(&self) -> DateTime {
        DateTime(self.session.created_at)
    }

    /// When the session was last used (to the minute).
    async fn last_seen_at(&self) -> DateTime {
        DateTime(self.session.last_seen_at)
    }

    /// When the session ends at the latest.
    async fn expires_at(&self) -> DateTime {
        DateTime(self.session.expires_at)
    }

    /// Whether this is the session making the request.
    async fn current(&self) -> bool {
        self.current
    }
}
