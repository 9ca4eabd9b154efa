//! The security history of an account and the notices mailed to its address when something
//! about it changes (a sign-in from a new device, a new password, a new email address, a new
//! role or status). Notices carry no secret; each is queued in the transaction of the change
//! it reports.

use chrono::Utc;
use diesel_async::AsyncPgConnection;

use crate::accounts::model::{ClientInfo, NewAuthEvent};
use crate::accounts::queries;
use crate::auth::identity::{SessionId, User};
use crate::error::AppResult;
use crate::mail::{self, NewMail};

/// Records an event of `user`'s security history.
pub async fn record(
    conn: &mut AsyncPgConnection,
    user: &User,
    session: Option<SessionId>,
    kind: &str,
    client: Option<&ClientInfo>,
    detail: Option<&str>,
) -> AppResult<()> {
    queries::record_event(
        conn,
        NewAuthEvent {
            user: Some(user.id),
            session,
            kind,
            client,
            detail,
        },
    )
    .await?;
    Ok(())
}

/// Records a role or status change of `user` made by `actor`.
pub async fn record_change(
    conn: &mut AsyncPgConnection,
    user: &User,
    actor: &User,
    kind: &str,
    from: &str,
    to: &str,
) -> AppResult<()> {
    queries::record_change(conn, user.id, actor.id, kind, from, to).await?;
    Ok(())
}

/// Queues a notice about `user` to `address` (the account's own, unless said otherwise).
pub async fn notify(
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

/// Queues the notice of a sign-in from a device the account has never signed in from (sign-in
/// decides that, in its transaction).
pub async fn notify_new_device(
    conn: &mut AsyncPgConnection,
    user: &User,
    client: &ClientInfo,
) -> AppResult<()> {
    let or_unknown = |value: Option<String>| value.unwrap_or_else(|| "unknown".to_owned());
    let text = format!(
        "your Rollcall account was signed in from a device it was not used on before.\n\n\
         Device: {}\nBrowser or app: {}\nAddress: {}\nTime: {} UTC",
        or_unknown(Some(client.device.clone()).filter(|d| !d.is_empty())),
        or_unknown(client.user_agent.clone()),
        or_unknown(client.ip.map(|ip| ip.addr().to_string())),
        Utc::now().format("%Y-%m-%d %H:%M"),
    );
    notify(
        conn,
        user,
        None,
        "New sign-in to your Rollcall account",
        &text,
    )
    .await
}
