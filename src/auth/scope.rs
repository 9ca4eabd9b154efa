//! Scopes: which rows a viewer may reach, handed to query functions so that SQL restricts them.
//!
//! Authorization has two halves. A guard on the field decides whether the viewer may call it at
//! all (its level); the [`Scope`] decides which rows the call may touch, and every query function
//! that reads or changes rows on a viewer's behalf takes one and puts it in its `WHERE`. Rows are
//! never loaded and then filtered in Rust: what is out of scope is simply not found (queries
//! answer null, mutations NOT_FOUND), so nobody learns that it exists.
//!
//! A scope is the viewer's own rows, the rows of the companies the viewer is a member of, or
//! everything. The conventions of the domain areas: employees (level 3) reach their own
//! records, managers and head managers (4–5) their companies, owners and admins (6+) all.

use crate::auth::guards::Level;
use crate::auth::identity::UserId;
use crate::auth::viewer::Viewer;
use crate::error::AppResult;

/// The rows a viewer may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Only rows of this account (the viewer's own).
    Own(UserId),
    /// Rows of the companies this account is a member of.
    Companies(UserId),
    /// Every row.
    All,
}

impl Scope {
    /// The scope of a signed-in viewer: everything from level `all_from` up, otherwise the
    /// viewer's own rows. UNAUTHENTICATED for an anonymous viewer.
    pub fn of(viewer: &Viewer, all_from: Level) -> AppResult<Self> {
        let signed_in = viewer.require()?;
        Ok(if viewer.level() >= all_from {
            Self::All
        } else {
            Self::Own(signed_in.user.id)
        })
    }

    /// The scope of the domain areas: the viewer's own records below level 4, its companies
    /// at 4 and 5, everything from 6. UNAUTHENTICATED for an anonymous viewer.
    pub fn of_staff(viewer: &Viewer) -> AppResult<Self> {
        let signed_in = viewer.require()?;
        let user = signed_in.user.id;
        Ok(match viewer.level() {
            level if level >= Level::Owner => Self::All,
            level if level >= Level::Manager => Self::Companies(user),
            _ => Self::Own(user),
        })
    }

    /// The one account the scope is limited to, or `None` for every account. Only for the
    /// rows that belong to accounts alone (sessions, the security history): a company scope
    /// reaches no other account's.
    pub fn only_user(self) -> Option<UserId> {
        match self {
            Self::Own(user) | Self::Companies(user) => Some(user),
            Self::All => None,
        }
    }
}
