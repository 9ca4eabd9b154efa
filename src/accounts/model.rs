//! Rows and value types of the accounts area: what is written when an account is made, what a
//! client tells about itself, mailed tokens, refresh tokens, the security history and pending
//! role changes, and what the violation of each constraint a client can run into means. The
//! account and session rows themselves are [`crate::auth::identity`]'s.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use ipnet::IpNet;

use crate::auth::identity::{AccountStatus, Role, SessionId, UserId};
use crate::db::schema::{auth_events, email_tokens, refresh_tokens, role_changes, users};
use crate::error::Violation;

/// A new account.
#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub username: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub status: AccountStatus,
}

/// What a client tells about itself when it signs in.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub device: String,
    pub ip: Option<IpNet>,
    pub user_agent: Option<String>,
}

/// The kinds of mailed tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    ConfirmEmail,
    ChangeEmail,
    ResetPassword,
}

impl TokenPurpose {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ConfirmEmail => "CONFIRM_EMAIL",
            Self::ChangeEmail => "CHANGE_EMAIL",
            Self::ResetPassword => "RESET_PASSWORD",
        }
    }
}

/// A mailed token as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = email_tokens, check_for_backend(diesel::pg::Pg))]
pub struct EmailToken {
    pub id: i64,
    pub user_id: UserId,
    pub token_hash: Vec<u8>,
    pub new_email: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub failed_attempts: i32,
}

/// A refresh token as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens, check_for_backend(diesel::pg::Pg))]
pub struct RefreshToken {
    pub session_id: SessionId,
    pub expires_at: DateTime<Utc>,
    pub rotated_at: Option<DateTime<Utc>>,
}

/// An entry of the security history.
#[derive(Debug, Clone)]
pub struct NewAuthEvent<'a> {
    pub user: Option<UserId>,
    pub session: Option<SessionId>,
    pub kind: &'a str,
    pub client: Option<&'a ClientInfo>,
    pub detail: Option<&'a str>,
}

/// An entry of the security history, as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = auth_events, check_for_backend(diesel::pg::Pg))]
pub struct AuthEventRow {
    pub id: i64,
    pub session_id: Option<SessionId>,
    pub kind: String,
    pub ip: Option<IpNet>,
    pub user_agent: Option<String>,
    pub detail: Option<String>,
    pub at: DateTime<Utc>,
    pub actor_id: Option<UserId>,
    pub from_value: Option<String>,
    pub to_value: Option<String>,
}

/// A request to change an owner's role, as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = role_changes, check_for_backend(diesel::pg::Pg))]
pub struct RoleChangeRow {
    pub id: i64,
    pub user_id: UserId,
    pub from_role: Role,
    pub to_role: Role,
    pub requested_by: UserId,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The orders of the list of accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserOrder {
    Username,
    Name,
    Newest,
    Oldest,
}

/// How the list of accounts is filtered.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub status: Option<AccountStatus>,
    /// Text to find in name, username or email, any case.
    pub search: Option<String>,
}

/// Another account has this email address (compared without regard to case).
pub const EMAIL_TAKEN: Violation = Violation {
    constraint: "users_email_key",
    field: "email",
    reason: "EMAIL_TAKEN",
    message: "an account with this email address exists",
};

/// Another account has this username.
pub const USERNAME_TAKEN: Violation = Violation {
    constraint: "users_username_key",
    field: "username",
    reason: "USERNAME_TAKEN",
    message: "this username is taken",
};

/// A demotion of this owner already waits for a decision.
pub const ROLE_CHANGE_PENDING: Violation = Violation {
    constraint: "role_changes_one_pending",
    field: "userId",
    reason: "ROLE_CHANGE_PENDING",
    message: "a change of this owner's role is already pending",
};
