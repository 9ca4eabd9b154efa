//! The output types of the accounts area: accounts, sessions, sign-in payloads, role change
//! requests and the security history.

use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::Utc;

use crate::academy::loaders::{ClientsOfUser, LoansOfUser};
use crate::academy::model::{Client, Loan};
use crate::academy::resolvers::favorites::favorites_of;
use crate::academy::resolvers::types::{Favorites, client_reach};
use crate::accounts::loaders::{LiveSessionsOf, SharesCompany};
use crate::accounts::model::{AuthEventRow, RoleChangeRow};
use crate::accounts::service::avatar;
use crate::accounts::service::identity::SignIn;
use crate::auth::guards::{Level, MinLevel, SelfOr};
use crate::auth::identity::{AccountStatus, Role, Session, User, UserId};
use crate::auth::scope::Scope;
use crate::error::AppError;
use crate::graphql::ContextExt;
use crate::graphql::scalars::DateTime;
use crate::workforce::loaders::{CompaniesOf, EmployeesOf};
use crate::workforce::model::{Company, Employee};

/// Whether the viewer reaches `account`'s own details: its own, those of the members of its
/// companies (managers and head managers), anyone's (owners and admins).
async fn reached(ctx: &Context<'_>, account: UserId) -> Result<bool> {
    Ok(match Scope::of_staff(ctx.viewer())? {
        Scope::All => true,
        Scope::Own(user) => user == account,
        Scope::Companies(user) => {
            user == account
                || ctx
                    .loader()
                    .load_one(SharesCompany {
                        viewer: user,
                        user: account,
                    })
                    .await?
                    .is_some()
        }
    })
}

/// A new access token and refresh token, and the session they belong to.
pub struct AuthPayload(pub SignIn);

/// What signing in or refreshing answers: a new access token and refresh token, and the
/// session they belong to.
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

    /// Email address: of the account itself; for managers and head managers, of the members
    /// of their companies (null for others); for owners and admins, of anyone.
    #[graphql(guard = "SelfOr { user: self.id, level: Level::Manager }")]
    async fn email(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let visible = reached(ctx, self.id).await?;
        Ok(self.email.as_deref().filter(|_| visible))
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
            .map(|hash| avatar::url(app, hash))
    }

    /// The companies the account is a member of that you may see (employees, managers and
    /// head managers: their own companies; owners and admins: all), by name.
    #[graphql(guard = "MinLevel(Level::Employee)")]
    async fn companies(&self, ctx: &Context<'_>) -> Result<Vec<Company>> {
        let scope = Scope::of_staff(ctx.viewer())?;
        Ok(ctx
            .loader()
            .load_one(CompaniesOf {
                user: self.id,
                scope,
            })
            .await?
            .unwrap_or_default())
    }

    /// The account's favourite groups and lessons that you may see, in its order: your own,
    /// or (managers and up) those of the members of your companies.
    #[graphql(guard = "MinLevel(Level::User).and(SelfOr { user: self.id, level: Level::Manager })")]
    async fn favorites(&self, ctx: &Context<'_>) -> Result<Favorites> {
        let visible = reached(ctx, self.id).await?;
        if !visible {
            return Err(AppError::NotFound("user").into());
        }
        favorites_of(ctx, self.id).await
    }

    /// The account's client records (one per company it is a client of) that you may see:
    /// your own, or (managers and up) those of your companies, by name.
    #[graphql(guard = "MinLevel(Level::User).and(SelfOr { user: self.id, level: Level::Manager })")]
    async fn clients(&self, ctx: &Context<'_>) -> Result<Vec<Client>> {
        let reach = client_reach(ctx.viewer())?;
        Ok(ctx
            .loader()
            .load_one(ClientsOfUser {
                user: self.id,
                reach,
            })
            .await?
            .unwrap_or_default())
    }

    /// The books lent to the account (as the borrower) that you may see: your own, or
    /// (managers and up) those of your companies, newest first.
    #[graphql(guard = "MinLevel(Level::User).and(SelfOr { user: self.id, level: Level::Manager })")]
    async fn loans(&self, ctx: &Context<'_>) -> Result<Vec<Loan>> {
        let reach = Scope::of_staff(ctx.viewer())?;
        Ok(ctx
            .loader()
            .load_one(LoansOfUser {
                user: self.id,
                reach,
            })
            .await?
            .unwrap_or_default())
    }

    /// The account's employee records that you may see.
    #[graphql(guard = "MinLevel(Level::Employee)")]
    async fn employees(&self, ctx: &Context<'_>) -> Result<Vec<Employee>> {
        let scope = Scope::of_staff(ctx.viewer())?;
        Ok(ctx
            .loader()
            .load_one(EmployeesOf {
                user: self.id,
                scope,
            })
            .await?
            .unwrap_or_default())
    }

    /// The live device sessions, newest first (the account itself, and admins).
    #[graphql(guard = "SelfOr { user: self.id, level: Level::Admin }")]
    async fn sessions(&self, ctx: &Context<'_>) -> Result<Vec<SessionView>> {
        let current = ctx.viewer().session_id();
        let sessions = ctx
            .loader()
            .load_one(LiveSessionsOf(self.id))
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
    pub session: Session,
    pub current: bool,
}

/// A device session: one sign-in, kept alive by its refresh tokens until it is ended or
/// expires.
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

/// A request to change an owner's role, waiting for another owner.
pub struct RoleChange(pub RoleChangeRow);

/// Where a role change request stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum RoleChangeStatus {
    /// Waiting for an owner.
    Pending,
    /// Confirmed: the role changed.
    Confirmed,
    /// Rejected by an owner.
    Rejected,
    /// Not decided within 7 days.
    Expired,
}

/// A request to demote an owner: it applies only when another owner confirms it within 7
/// days.
#[Object]
impl RoleChange {
    /// The request id (for `confirmRoleChange` and `rejectRoleChange`).
    async fn id(&self) -> ID {
        ID::from(self.0.id)
    }

    /// The owner whose role would change.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(ctx.loader().load_one(self.0.user_id).await?)
    }

    /// The role when the request was made.
    async fn from_role(&self) -> Role {
        self.0.from_role
    }

    /// The role asked for.
    async fn to_role(&self) -> Role {
        self.0.to_role
    }

    /// Who asked.
    async fn requested_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(ctx.loader().load_one(self.0.requested_by).await?)
    }

    /// Where the request stands.
    async fn status(&self) -> RoleChangeStatus {
        match self.0.status.as_str() {
            "CONFIRMED" => RoleChangeStatus::Confirmed,
            "REJECTED" => RoleChangeStatus::Rejected,
            "EXPIRED" => RoleChangeStatus::Expired,
            _ if self.0.expires_at <= Utc::now() => RoleChangeStatus::Expired,
            _ => RoleChangeStatus::Pending,
        }
    }

    /// When it was asked for.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    /// When it lapses unless decided.
    async fn expires_at(&self) -> DateTime {
        DateTime(self.0.expires_at)
    }
}

/// An entry of an account's security history.
pub struct AuthEvent(pub AuthEventRow);

/// An entry of an account's sign-in and security history.
#[Object]
impl AuthEvent {
    /// The event id.
    async fn id(&self) -> ID {
        ID::from(self.0.id)
    }

    /// What happened: SIGN_IN, SIGN_IN_FAILED, REFRESH_REPLAY, LOGOUT, LOGOUT_ALL,
    /// SESSION_REVOKED, REGISTERED, EMAIL_CONFIRMED, PASSWORD_CHANGED, ROLE_CHANGED,
    /// STATUS_CHANGED, ACCOUNT_DELETED, …
    async fn kind(&self) -> &str {
        &self.0.kind
    }

    /// When it happened.
    async fn at(&self) -> DateTime {
        DateTime(self.0.at)
    }

    /// The client address.
    async fn ip_address(&self) -> Option<String> {
        self.0.ip.map(|ip| ip.addr().to_string())
    }

    /// The client's User-Agent.
    async fn user_agent(&self) -> Option<&str> {
        self.0.user_agent.as_deref()
    }

    /// The session concerned, if any.
    async fn session_id(&self) -> Option<ID> {
        self.0.session_id.map(ID::from)
    }

    /// Who made the change, when it was not the account itself.
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        match self.0.actor_id {
            Some(actor) => Ok(ctx.loader().load_one(actor).await?),
            None => Ok(None),
        }
    }

    /// For role and status changes: the value before.
    async fn from_value(&self) -> Option<&str> {
        self.0.from_value.as_deref()
    }

    /// For role and status changes: the value after.
    async fn to_value(&self) -> Option<&str> {
        self.0.to_value.as_deref()
    }

    /// More about the event.
    async fn detail(&self) -> Option<&str> {
        self.0.detail.as_deref()
    }
}
