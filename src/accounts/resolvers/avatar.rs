//! `uploadAvatar`.

use async_graphql::{Context, Object, Result};

use crate::accounts::service::avatar;
use crate::auth::guards::{Level, MinLevel};
use crate::auth::identity::User;
use crate::graphql::ContextExt;
use crate::graphql::upload::Upload;

/// Avatar mutations.
#[derive(Default)]
pub struct AvatarMutation;

#[Object]
impl AvatarMutation {
    /// Sets the signed-in account's avatar (users and up). Send it as `multipart/form-data`
    /// with a `GraphQL-Require-Preflight: 1` header (a multipart request without it is
    /// refused: cross-site forms cannot send it), following the GraphQL multipart request
    /// specification: `operations` with
    /// `"variables": {"file": null}`, `map` with `{"0": ["variables.file"]}`, then the image as
    /// part `0` (a whole request is at most 3 MiB). PNG, JPEG and WebP are accepted, recognised
    /// by their content, at most 2 MiB and 8192 pixels a side; anything else is BAD_USER_INPUT
    /// on `file`. The image's center square is kept, 256 × 256 pixels, as WebP without
    /// metadata; `avatarUrl` answers where it is.
    #[graphql(guard = "MinLevel(Level::User)")]
    async fn upload_avatar(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The image: part `0` of the multipart request, mapped to this variable.")]
        file: Upload,
    ) -> Result<User> {
        let user = ctx.viewer().require()?.user.id;
        let upload = file.value(ctx, "file")?;
        Ok(avatar::set_avatar(ctx.app(), user, upload.content.clone()).await?)
    }
}
