//! Checks every accounts operation shares: input rules, the client making the request, the
//! rate limits on failed sign-ins and the password check that counts against them.

use chrono::{Duration, Utc};
use diesel_async::AsyncConnection;
use ipnet::IpNet;

use crate::accounts::model::ClientInfo;
use crate::accounts::queries;
use crate::accounts::service::audit;
use crate::app::App;
use crate::auth::identity::User;
use crate::auth::passwords::Verified;
use crate::error::{AppError, AppResult, check_limit};
use crate::http::request::RequestMeta;

/// Failed sign-ins allowed per account within [`ACCOUNT_WINDOW`].
pub const ACCOUNT_LIMIT: i64 = 10;
pub const ACCOUNT_WINDOW: Duration = Duration::minutes(15);
/// Failed sign-ins allowed per client address within [`ADDRESS_WINDOW`].
pub const ADDRESS_LIMIT: i64 = 100;
pub const ADDRESS_WINDOW: Duration = Duration::hours(1);

/// The device, address and user agent of the client making the request.
pub fn client_info(meta: &RequestMeta, device: Option<String>) -> AppResult<ClientInfo> {
    let device = device.unwrap_or_default().trim().to_owned();
    if device.chars().count() > 100 {
        return Err(AppError::bad_input(
            "device",
            "the device name may have at most 100 characters",
        ));
    }
    Ok(ClientInfo {
        device,
        ip: meta.client_ip.map(IpNet::from),
        user_agent: meta.user_agent.clone(),
    })
}

/// Checks a username: 3 to 32 of `a-z 0-9 . _ -`.
pub fn check_username(field: &str, username: &str) -> AppResult<String> {
    let username = username.trim();
    let valid = (3..=32).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if valid {
        Ok(username.to_owned())
    } else {
        Err(AppError::bad_input(
            field,
            "a username has 3 to 32 characters of a-z, 0-9, '.', '_' and '-'",
        ))
    }
}

/// UNAUTHENTICATED, with the reason the client can act on.
pub fn unauthenticated(reason: &'static str) -> AppError {
    AppError::Unauthenticated {
        reason: Some(reason),
    }
}

/// Records a sign-in attempt for `user` (if any) from `client`, after checking both limits
/// under the advisory locks that serialise attempts on the account and from the address, so
/// that concurrent attempts cannot all slip under a limit. Answers the attempt's id: delete it
/// when the attempt succeeds or was never judged.
pub async fn count_attempt(app: &App, user: Option<&User>, client: &ClientInfo) -> AppResult<i64> {
    let user = user.map(|user| user.id);
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        queries::lock_login_counters(conn, user, client.ip).await?;
        let now = Utc::now();
        if user.is_some() {
            let (count, oldest) =
                queries::count_attempts(conn, user, None, now - ACCOUNT_WINDOW).await?;
            check_limit(count, oldest, ACCOUNT_LIMIT, ACCOUNT_WINDOW, now)?;
        }
        if client.ip.is_some() {
            let (count, oldest) =
                queries::count_attempts(conn, None, client.ip, now - ADDRESS_WINDOW).await?;
            check_limit(count, oldest, ADDRESS_LIMIT, ADDRESS_WINDOW, now)?;
        }
        Ok(queries::insert_attempt(conn, user, client.ip).await?)
    })
    .await
}

/// Checks the signed-in account's password as sign-in does and within the same limits: a wrong
/// one counts as a failed sign-in, so a stolen session cannot be used to guess the password.
/// A wrong password is BAD_USER_INPUT on `field`. No connection is held while hashing.
pub async fn verify_password(
    app: &App,
    client: &ClientInfo,
    user: &User,
    password: String,
    field: &str,
) -> AppResult<()> {
    let attempt = count_attempt(app, Some(user), client).await?;
    let verified = app
        .hasher
        .verify(password, user.password_hash.clone())
        .await;
    let mut conn = app.pool.get().await?;
    match verified {
        Ok(Verified::Yes { .. }) => {
            queries::delete_attempt(&mut conn, attempt).await?;
            Ok(())
        }
        Ok(Verified::No) => {
            let detail = format!("wrong {field}");
            audit::record(
                &mut conn,
                user,
                None,
                "PASSWORD_CHECK_FAILED",
                Some(client),
                Some(&detail),
            )
            .await?;
            Err(AppError::bad_input(field, "the password is not right"))
        }
        Err(err) => {
            // Never judged: it does not count against anyone.
            queries::delete_attempt(&mut conn, attempt).await?;
            Err(err)
        }
    }
}
