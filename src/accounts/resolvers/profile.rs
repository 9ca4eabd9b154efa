//! Self-service changes to one's own account: `changePassword`, `requestPasswordReset`,
//! `resetPassword`, `changeEmail`, `changeUsername`, `updateProfile`.

use async_graphql::{Context, InputObject, Object, Result};

use crate::accounts::service::profile::{self, PasswordReset};
use crate::auth::guards::{Level, MinLevel};
use crate::auth::identity::User;
use crate::graphql::ContextExt;

/// What resetting a password asks for.
#[derive(InputObject)]
pub struct ResetPasswordInput {
    /// The address of the account, as given to `requestPasswordReset`.
    pub email: String,
    /// The six-digit code from the mail.
    pub code: String,
    /// 8 to 128 characters, not among the 10,000 most common passwords.
    pub new_password: String,
}

/// Changes to the profile; a field left out (or null) keeps its value.
#[derive(InputObject)]
pub struct UpdateProfileInput {
    /// Display name, 1 to 200 characters.
    pub name: Option<String>,
}

/// Mutations of one's own account.
#[derive(Default)]
pub struct ProfileMutation;

#[Object]
impl ProfileMutation {
    /// Changes your password. `newPassword` has 8 to 128 characters and is not among the 10,000
    /// most common passwords. Every other session of the account ends at once (this one
    /// stays), and a notice goes to the account's address. A wrong `currentPassword` is
    /// BAD_USER_INPUT and counts as a failed sign-in.
    #[graphql(guard = "MinLevel(Level::Limited)")]
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The password you sign in with now.")] current_password: String,
        #[graphql(desc = "The password to sign in with from now on.")] new_password: String,
    ) -> Result<bool> {
        let (app, meta, viewer) = (ctx.app(), ctx.meta(), ctx.viewer());
        profile::change_password(app, meta, viewer, current_password, new_password).await?;
        Ok(true)
    }

    /// Mails a six-digit code for `resetPassword` to the account with this address. The code
    /// works once, for 10 minutes, and replaces any code sent before. Always true, so that it
    /// says nothing about which addresses have accounts; beyond 3 requests for one address
    /// within an hour it is RATE_LIMITED, with `extensions.retryAfter`.
    async fn request_password_reset(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The email address of the account.")] email: String,
    ) -> Result<bool> {
        profile::request_password_reset(ctx.app(), ctx.meta(), &email).await?;
        Ok(true)
    }

    /// Sets a new password with the mailed code. Every session of the account ends, and a
    /// sign-in lock after failed attempts is lifted. An unknown, used or expired code is
    /// BAD_USER_INPUT on `code` with `extensions.reason` CODE_INVALID, CODE_USED or
    /// CODE_EXPIRED; after 5 wrong tries the code is void (CODE_INVALID) and a new one must be
    /// requested.
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's address, the mailed code and the new password.")]
        input: ResetPasswordInput,
    ) -> Result<bool> {
        let input = PasswordReset {
            email: input.email,
            code: input.code,
            new_password: input.new_password,
        };
        profile::reset_password(ctx.app(), ctx.meta(), input).await?;
        Ok(true)
    }

    /// Asks to move your account to a new email address: a link goes to the new address (the
    /// change applies when it is followed, through `confirmEmail`, within 24 hours), and a
    /// notice to the current one. A wrong `password` is BAD_USER_INPUT; an address another
    /// account has is CONFLICT.
    #[graphql(guard = "MinLevel(Level::User)")]
    async fn change_email(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The address to move the account to.")] new_email: String,
        #[graphql(desc = "Your current password, to confirm that it is you.")] password: String,
    ) -> Result<bool> {
        let (app, meta, viewer) = (ctx.app(), ctx.meta(), ctx.viewer());
        profile::change_email(app, meta, viewer, &new_email, password).await?;
        Ok(true)
    }

    /// Gives your account a new username (3 to 32 of `a-z`, `0-9`, `.`, `_`, `-`). A taken one
    /// is CONFLICT.
    #[graphql(guard = "MinLevel(Level::User)")]
    async fn change_username(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The username to sign in with from now on.")] new_username: String,
    ) -> Result<User> {
        let (app, meta, viewer) = (ctx.app(), ctx.meta(), ctx.viewer());
        Ok(profile::change_username(app, meta, viewer, &new_username).await?)
    }

    /// Changes your profile and answers the account as it now is.
    #[graphql(guard = "MinLevel(Level::User)")]
    async fn update_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes; a field left out keeps its value.")]
        input: UpdateProfileInput,
    ) -> Result<User> {
        let (app, meta, viewer) = (ctx.app(), ctx.meta(), ctx.viewer());
        Ok(profile::update_profile(app, meta, viewer, input.name.as_deref()).await?)
    }
}
