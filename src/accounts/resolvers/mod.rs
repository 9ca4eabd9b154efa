//! The GraphQL side of the accounts area: its roots (merged into [`AccountsQuery`] and
//! [`AccountsMutation`]), output types and inputs. Resolvers check, call a service or query
//! function and convert; the work is in [`crate::accounts::service`].

pub mod admin;
pub mod avatar;
pub mod identity;
pub mod profile;
pub mod types;

use async_graphql::MergedObject;

/// Root fields of this area that anyone may call; they run as anonymous whatever token comes
/// with them, so a client holding a stale token can still sign in again or refresh it.
pub const PUBLIC_OPERATIONS: &[&str] = &[
    "register",
    "confirmEmail",
    "resendConfirmation",
    "login",
    "refreshToken",
    "requestPasswordReset",
    "resetPassword",
];

/// The queries of the accounts area.
#[derive(MergedObject, Default)]
pub struct AccountsQuery(identity::IdentityQuery, admin::AdminQuery);

/// The mutations of the accounts area.
#[derive(MergedObject, Default)]
pub struct AccountsMutation(
    identity::IdentityMutation,
    profile::ProfileMutation,
    admin::AdminMutation,
    avatar::AvatarMutation,
);
