//! Who is who: accounts and device sessions as stored, their ids, roles and statuses.
//!
//! Every layer that asks "who makes this request" needs these, so they live here rather than in
//! the accounts area (which registers, signs in and administers them): the viewer is read from
//! them on every request, guards compare their levels, and every domain area refers to accounts
//! by [`UserId`].

use async_graphql::Enum;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use ipnet::IpNet;

use crate::db::schema::{sessions, users};
use crate::{id_newtype, text_enum};

id_newtype!(
    /// An account id.
    UserId
);
id_newtype!(
    /// A device session id.
    SessionId
);

/// What an account may do, from least to most.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Enum,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Role {
    /// A registered person with no organisation role.
    User,
    /// An employee: clocks in and out, fills in timesheets.
    Employee,
    /// A manager of employees.
    Manager,
    /// A head manager: appoints managers.
    HeadManager,
    /// An owner of the organisation.
    Owner,
    /// The technical administrator.
    Admin,
}

text_enum!(Role {
    User => "USER",
    Employee => "EMPLOYEE",
    Manager => "MANAGER",
    HeadManager => "HEAD_MANAGER",
    Owner => "OWNER",
    Admin => "ADMIN",
});

/// Where an account stands.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Enum,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum AccountStatus {
    /// Registered; the email address is not confirmed yet.
    Unconfirmed,
    /// Confirmed and in use.
    Active,
    /// Switched off by an administrator.
    Inactive,
}

text_enum!(AccountStatus {
    Unconfirmed => "UNCONFIRMED",
    Active => "ACTIVE",
    Inactive => "INACTIVE",
});

/// An account as stored (and as live events' snapshots carry it, without its password hash).
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Deserialize)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    pub id: UserId,
    pub email: Option<String>,
    pub username: Option<String>,
    pub name: String,
    #[serde(default)]
    pub password_hash: Option<String>,
    pub role: Role,
    pub status: AccountStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub avatar_hash: Option<String>,
}

/// A device session as stored.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = sessions, check_for_backend(diesel::pg::Pg))]
pub struct Session {
    pub id: SessionId,
    pub user_id: UserId,
    pub device: String,
    pub ip: Option<IpNet>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_reason: Option<String>,
}
