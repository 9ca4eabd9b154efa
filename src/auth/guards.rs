//! Permission levels and the guards that check them on fields and mutations.
//!
//! The viewer's level: 0 anonymous; 1 an account that is unconfirmed or inactive (it may sign in,
//! see itself, resend its confirmation, change its password, delete itself and sign out, nothing
//! else); 2 user, 3 employee, 4 manager, 5 head manager, 6 owner, 7 admin (active accounts).
//! Guards are declared on the field (`#[graphql(guard = "MinLevel(Level::Manager)")]`); an
//! anonymous viewer below the level gets UNAUTHENTICATED, a signed-in one FORBIDDEN.

use async_graphql::{Context, Guard, Result};

use crate::accounts::model::{Role, UserId};
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

/// Passes the account `user` itself, and viewers at `level` or above.
pub struct SelfOr {
    pub user: UserId,
    pub level: Level,
}

impl Guard for SelfOr {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        let viewer = ctx.viewer();
        if viewer.user_id() == Some(self.user) {
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
        Err(AppError::Forbidden)
    }
}
