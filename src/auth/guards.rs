//! Permission levels and the guards that check them on fields and mutations.
//!
//! The viewer's level: 0 anonymous; 1 an account that is unconfirmed or inactive (it may sign in,
//! see itself, resend its confirmation, change its password, delete itself and sign out, nothing
//! else); 2 user, 3 employee, 4 manager, 5 head manager, 6 owner, 7 admin (active accounts).
//! Every field and operation that is not open to anyone declares its guard on the field
//! (`#[graphql(guard = "MinLevel(Level::Manager)")]`), so the rule is read where the field is and
//! checked before its arguments are used; an anonymous viewer below the level gets
//! UNAUTHENTICATED, a signed-in one FORBIDDEN with `extensions.reason` LEVEL_TOO_LOW. Which rows
//! a permitted call reaches is the [`crate::auth::scope::Scope`]'s business, in SQL.

use async_graphql::{Context, Guard, ID, Result};

use crate::auth::identity::{AccountStatus, Role, User, UserId};
use crate::error::AppError;
use crate::graphql::ContextExt;

/// A permission level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Anonymous = 0,
    Limited = 1,
    User = 2,
    Employee = 3,
    Manager = 4,
    HeadManager = 5,
    Owner = 6,
    Admin = 7,
}

impl Level {
    /// The level of `user` when signed in.
    pub fn of_account(user: &User) -> Self {
        match user.status {
            AccountStatus::Unconfirmed | AccountStatus::Inactive => Self::Limited,
            AccountStatus::Active => Self::of_role(user.role),
        }
    }

    /// The level an active account of `role` has.
    pub fn of_role(role: Role) -> Self {
        match role {
            Role::User => Self::User,
            Role::Employee => Self::Employee,
            Role::Manager => Self::Manager,
            Role::HeadManager => Self::HeadManager,
            Role::Owner => Self::Owner,
            Role::Admin => Self::Admin,
        }
    }
}

/// Passes viewers at `level` or above.
pub struct MinLevel(pub Level);

impl Guard for MinLevel {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        Ok(require(ctx, self.0)?)
    }
}

/// Passes viewers at exactly `level`: a duty of one level, not of everyone above it (owners
/// decide on owners' demotions; the admin above them does not).
pub struct OnlyLevel(pub Level);

impl Guard for OnlyLevel {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        require(ctx, self.0)?;
        if ctx.viewer().level() == self.0 {
            Ok(())
        } else {
            Err(too_low().into())
        }
    }
}

/// Passes kiosks only (a kiosk token): accounts get FORBIDDEN KIOSK_ONLY.
pub struct KioskOnly;

impl Guard for KioskOnly {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        let viewer = ctx.viewer();
        if viewer.kiosk().is_some() {
            Ok(())
        } else if viewer.level() == Level::Anonymous {
            Err(AppError::Unauthenticated { reason: None }.into())
        } else {
            Err(AppError::forbidden("KIOSK_ONLY", "only a kiosk clocks at a kiosk").into())
        }
    }
}

/// Passes the account `user` itself (any signed-in level), and viewers at `level` or above.
pub struct SelfOr {
    pub user: UserId,
    pub level: Level,
}

impl SelfOr {
    /// For an operation whose argument names the account (`userId`), where leaving it out means
    /// the viewer: passes a signed-in viewer naming itself or nobody, and viewers at `level` or
    /// above naming anyone. An argument that is not an id is left to the resolver to refuse.
    pub fn argument(user: Option<&ID>, level: Level) -> SelfOrArgument {
        SelfOrArgument {
            user: user.map(|id| id.to_string()),
            level,
        }
    }
}

impl Guard for SelfOr {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        if ctx.viewer().user_id() == Some(self.user) {
            return Ok(());
        }
        Ok(require(ctx, self.level)?)
    }
}

/// Passes the account a record is linked to (a client's account; none passes nobody), and
/// viewers at `level` or above.
pub struct LinkedOr {
    pub user: Option<UserId>,
    pub level: Level,
}

impl Guard for LinkedOr {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        match self.user {
            Some(user) => {
                SelfOr {
                    user,
                    level: self.level,
                }
                .check(ctx)
                .await
            }
            None => Ok(require(ctx, self.level)?),
        }
    }
}

/// The guard [`SelfOr::argument`] makes.
pub struct SelfOrArgument {
    user: Option<String>,
    level: Level,
}

impl Guard for SelfOrArgument {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        require(ctx, Level::Limited)?;
        let viewer = ctx.viewer().user_id().map(|id| id.to_string());
        if self.user.is_none() || self.user == viewer {
            return Ok(());
        }
        Ok(require(ctx, self.level)?)
    }
}

fn require(ctx: &Context<'_>, level: Level) -> Result<(), AppError> {
    let viewer = ctx.viewer();
    if viewer.level() >= level {
        Ok(())
    } else if viewer.level() == Level::Anonymous {
        Err(AppError::Unauthenticated { reason: None })
    } else {
        Err(too_low())
    }
}

fn too_low() -> AppError {
    AppError::forbidden("LEVEL_TOO_LOW", "your permission level does not allow this")
}
