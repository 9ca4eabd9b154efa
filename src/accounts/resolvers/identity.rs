//! Sign-up, sign-in and device sessions: `me`, `user`, `userByUsername`, `register`,
//! `confirmEmail`, `resendConfirmation`, `login`, `refreshToken`, `logout`, `logoutAll`,
//! `revokeSession`.

use async_graphql::{Context, ID, InputObject, Object, Result};

use crate::accounts::queries;
use crate::accounts::resolvers::types::AuthPayload;
use crate::accounts::service::identity::{self, Registration};
use crate::auth::guards::{Level, MinLevel};
use crate::auth::identity::{SessionId, User, UserId};
use crate::auth::scope::Scope;
use crate::auth::viewer::Credential;
use crate::error::AppError;
use crate::graphql::ContextExt;

/// Identity queries.
#[derive(Default)]
pub struct IdentityQuery;

#[Object]
impl IdentityQuery {
    /// The signed-in account, or null when the request carries no token.
    async fn me(&self, ctx: &Context<'_>) -> Option<User> {
        ctx.viewer().get().map(|signed_in| signed_in.user.clone())
    }

    /// The account with this id (managers and up).
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's id.")] id: ID,
    ) -> Result<Option<User>> {
        let id = UserId::parse("id", &id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let mut conn = ctx.conn().await?;
        Ok(queries::live_user_in(&mut conn, scope, id)
            .await
            .map_err(AppError::from)?)
    }

    /// The account with this username (managers and up).
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn user_by_username(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The username; case does not matter.")] username: String,
    ) -> Result<Option<User>> {
        let scope = Scope::of_staff(ctx.viewer())?;
        let mut conn = ctx.conn().await?;
        let username = username.trim().to_lowercase();
        Ok(
            queries::live_user_by_username_in(&mut conn, scope, &username)
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
    /// The account's password.
    pub password: String,
    /// A name for this device, shown in the list of sessions (at most 100 characters).
    pub device: Option<String>,
}

/// Identity mutations.
#[derive(Default)]
pub struct IdentityMutation;

#[Object]
impl IdentityMutation {
    /// Registers an account. It stays UNCONFIRMED until the link mailed to its address is
    /// followed (within 24 hours). A taken email or username is CONFLICT.
    async fn register(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new account's email address, username, password and name.")]
        input: RegisterInput,
    ) -> Result<User> {
        let registration = Registration {
            email: input.email,
            username: input.username,
            password: input.password,
            name: input.name,
        };
        Ok(identity::register(ctx.app(), ctx.meta(), registration).await?)
    }

    /// Confirms an email address with the token from the mailed link: a new account becomes
    /// ACTIVE with role USER; after `changeEmail`, the account switches to the new address
    /// (CONFLICT if another account has taken it meanwhile). An unknown, used or expired token
    /// is BAD_USER_INPUT with `extensions.reason` CODE_INVALID, CODE_USED or CODE_EXPIRED.
    async fn confirm_email(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token from the mailed link.")] token: String,
    ) -> Result<User> {
        Ok(identity::confirm_email(ctx.app(), &token).await?)
    }

    /// Mails a new confirmation link to an unconfirmed account. Always true, so that it says
    /// nothing about which addresses have accounts.
    async fn resend_confirmation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The address the account was registered with.")] email: String,
    ) -> Result<bool> {
        identity::resend_confirmation(ctx.app(), &email).await?;
        Ok(true)
    }

    /// Signs in and starts a device session. Without `input`, the credentials come from an
    /// `Authorization: Basic` header. A wrong password and an unknown account are the same
    /// error: UNAUTHENTICATED with `extensions.reason` INVALID_CREDENTIALS. After 10 failures
    /// on an account within 15 minutes (or 100 from one address within an hour) sign-in is
    /// RATE_LIMITED, even with the right password, until `extensions.retryAfter` seconds pass.
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Your login, password and device name; left out, they come from an `Authorization: Basic` header."
        )]
        input: Option<LoginInput>,
    ) -> Result<AuthPayload> {
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
        let sign_in = identity::login(ctx.app(), ctx.meta(), &login, password, device).await?;
        Ok(AuthPayload(sign_in))
    }

    /// Exchanges a refresh token for a new pair; the old one stops working. Presenting a
    /// refresh token again after it was exchanged ends its whole session (SESSION_REVOKED),
    /// except within 10 seconds, when it answers the same new pair (two tabs refreshing at
    /// once).
    async fn refresh_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The refresh token of your current pair.")] refresh_token: String,
    ) -> Result<AuthPayload> {
        let sign_in = identity::refresh(ctx.app(), ctx.meta(), &refresh_token).await?;
        Ok(AuthPayload(sign_in))
    }

    /// Ends the current session. Its tokens stop working at once.
    #[graphql(guard = "MinLevel(Level::Limited)")]
    async fn logout(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(identity::logout(ctx.app(), ctx.meta(), ctx.viewer()).await?)
    }

    /// Ends every session of the account, this one included; answers how many ended.
    #[graphql(guard = "MinLevel(Level::Limited)")]
    async fn logout_all(&self, ctx: &Context<'_>) -> Result<i32> {
        let ended = identity::logout_all(ctx.app(), ctx.meta(), ctx.viewer()).await?;
        Ok(i32::try_from(ended).unwrap_or(i32::MAX))
    }

    /// Ends one session: one of your own, or anyone's for an admin. Answers whether it was
    /// still live. A session you may not see is NOT_FOUND.
    #[graphql(guard = "MinLevel(Level::Limited)")]
    async fn revoke_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session to end (`Session.id`).")] id: ID,
    ) -> Result<bool> {
        let id = SessionId::parse("id", &id)?;
        let viewer = ctx.viewer();
        let scope = Scope::of(viewer, Level::Admin)?;
        Ok(identity::revoke_session(ctx.app(), ctx.meta(), viewer, scope, id).await?)
    }
}
