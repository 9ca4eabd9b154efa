//! Notices mailed to an account's address when something about it changes: a sign-in from a
//! new device, a new password, a new email address, a new role or status. They carry no secret;
//! each is queued in the transaction of the change it reports.

use diesel_async::AsyncPgConnection;

use crate::accounts::model::User;
use crate::error::AppResult;
use crate::mail::{self, NewMail};

/// Queues a notice about `user` to `address` (the account's own, unless said otherwise).
pub async fn send(
    conn: &mut AsyncPgConnection,
    user: &User,
    address: Option<&str>,
    subject: &str,
    text: &str,
) -> AppResult<()> {
    let Some(recipient) = address.or(user.email.as_deref()) else {
        // A deleted account has no address to tell.
        return Ok(());
    };
    let body = format!(
        "Hello {},\n\n{text}\n\nIf this was not you, change your password and sign out \
         everywhere, or tell your administrator.\n",
        user.name
    );
    mail::enqueue(
        conn,
        NewMail {
            recipient,
            subject,
            body: &body,
            secret: None,
        },
    )
    .await?;
    Ok(())
}
