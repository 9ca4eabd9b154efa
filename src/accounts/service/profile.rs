//! Self-service changes to one's own account: the password (changed while signed in, or reset
//! with a code mailed to the account's address), the email address (applied once a link mailed
//! to the new address is followed, see [`apply_email_change`]), the username and the profile.
//!
//! Each step checks its input, runs one transaction over the queries, records an auth event and
//! queues in that same transaction the notices it owes, so a change and its notice commit or
//! vanish together.
//!
//! **Reset codes** (see [`super::codes`]) are valid for [`RESET_CODE_LIFETIME`]. Wrong tries
//! are counted on the code row, locked `FOR UPDATE`, in a transaction that commits even though
//! the request fails.
//!
//! **Saying nothing about addresses.** `requestPasswordReset` answers an address without an
//! account exactly as it answers one with an account: `true`, and RATE_LIMITED after
//! [`RESET_REQUEST_LIMIT`] requests within [`RESET_REQUEST_WINDOW`]. For an account the limit
//! counts the codes it was sent; for any other address it counts the requests themselves, kept
//! in the security history as events without an account that name the address only by a keyed
//! hash. Otherwise a fourth request would tell whoever asks whether the address has an account.
//! `resetPassword` with an unknown address is CODE_INVALID, as is a wrong code.

use chrono::{Duration, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::accounts::model::{EMAIL_TAKEN, EmailToken, NewAuthEvent, TokenPurpose, USERNAME_TAKEN};
use crate::accounts::queries;
use crate::accounts::service::audit::{self, record};
use crate::accounts::service::checks::{check_username, client_info, verify_password};
use crate::accounts::service::codes::{
    Verdict, address_tag, code_refused, insert_reset_code, mailed_hash, random_token,
    reset_code_hash,
};
use crate::app::App;
use crate::auth::identity::User;
use crate::auth::passwords;
use crate::auth::viewer::Viewer;
use crate::error::{AppError, AppResult, OnConstraint, check_limit};
use crate::http::request::RequestMeta;
use crate::mail::{self, NewMail, SECRET_PLACEHOLDER};
use crate::validate::{check_email, check_name};

/// How long a password reset code works.
pub const RESET_CODE_LIFETIME: Duration = Duration::minutes(10);
/// Reset requests answered per address within [`RESET_REQUEST_WINDOW`].
pub const RESET_REQUEST_LIMIT: i64 = 3;
pub const RESET_REQUEST_WINDOW: Duration = Duration::hours(1);
/// How long the link confirming a new email address works.
pub const EMAIL_CHANGE_LIFETIME: Duration = Duration::hours(24);

const RESET_REQUESTED: &str = "PASSWORD_RESET_REQUESTED";

/// Changes the viewer's password. Every other session of the account ends at once; the current
/// one stays.
pub async fn change_password(
    app: &App,
    meta: &RequestMeta,
    viewer: &Viewer,
    current_password: String,
    new_password: String,
) -> AppResult<()> {
    let signed_in = viewer.require()?;
    let (user, current) = (&signed_in.user, signed_in.session.id);
    passwords::check_new("newPassword", &new_password)?;
    let client = client_info(meta, None)?;
    verify_password(app, &client, user, current_password, "currentPassword").await?;
    let hash = app.hasher.hash(new_password).await?;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        queries::set_password_hash(conn, user.id, &hash).await?;
        let ended =
            queries::revoke_sessions(conn, user.id, None, Some(current), "password changed")
                .await?;
        queries::notify_revoked(conn, &ended).await?;
        let detail = format!("{} other sessions ended", ended.len());
        record(
            conn,
            user,
            Some(current),
            "PASSWORD_CHANGED",
            Some(&client),
            Some(&detail),
        )
        .await?;
        audit::notify(
            conn,
            user,
            None,
            "Your Rollcall password was changed",
            "the password of your Rollcall account was changed, and every other device \
             signed in to it was signed out.",
        )
        .await?;
        Ok::<_, AppError>(())
    })
    .await
}

/// Mails a password reset code to the account with this address, if there is one. The answer
/// is the same whether there is or not (see the module documentation).
pub async fn request_password_reset(app: &App, meta: &RequestMeta, email: &str) -> AppResult<()> {
    let email = check_email("email", email)?;
    let client = client_info(meta, None)?;
    let mut conn = app.pool.get().await?;
    let Some(user) = queries::user_by_email(&mut conn, &email).await? else {
        let detail = format!(
            "for an address without an account ({})",
            address_tag(app, &email)
        );
        return conn
            .transaction(async |conn| {
                queries::advisory_xact_lock(conn, &detail).await?;
                let now = Utc::now();
                let (count, oldest) = queries::count_events_without_account(
                    conn,
                    RESET_REQUESTED,
                    &detail,
                    now - RESET_REQUEST_WINDOW,
                )
                .await?;
                check_limit(
                    count,
                    oldest,
                    RESET_REQUEST_LIMIT,
                    RESET_REQUEST_WINDOW,
                    now,
                )?;
                queries::record_event(
                    conn,
                    NewAuthEvent {
                        user: None,
                        session: None,
                        kind: RESET_REQUESTED,
                        client: Some(&client),
                        detail: Some(&detail),
                    },
                )
                .await?;
                Ok::<_, AppError>(())
            })
            .await;
    };
    let address = user.email.clone().unwrap_or_default();
    conn.transaction(async |conn| {
        // Serialises this account's requests, so that racing ones cannot all pass the limit.
        queries::advisory_xact_lock(conn, &format!("password-reset:user:{}", user.id)).await?;
        let now = Utc::now();
        let (count, oldest) = queries::count_email_tokens_since(
            conn,
            user.id,
            TokenPurpose::ResetPassword,
            now - RESET_REQUEST_WINDOW,
        )
        .await?;
        check_limit(
            count,
            oldest,
            RESET_REQUEST_LIMIT,
            RESET_REQUEST_WINDOW,
            now,
        )?;
        let code = insert_reset_code(app, conn, user.id, now + RESET_CODE_LIFETIME).await?;
        let body = format!(
            "Hello {},\n\nyour code to reset your Rollcall password is:\n\n    \
             {SECRET_PLACEHOLDER}\n\nIt works once, for 10 minutes, and replaces any code sent \
             before. If you did not ask for it, ignore this mail: your password stays as it \
             is.\n",
            user.name
        );
        mail::enqueue(
            conn,
            NewMail {
                recipient: &address,
                subject: "Your Rollcall password reset code",
                body: &body,
                secret: Some(&code),
            },
        )
        .await?;
        record(conn, &user, None, RESET_REQUESTED, Some(&client), None).await?;
        Ok::<_, AppError>(())
    })
    .await
}

/// What resetting a password asks for.
#[derive(Debug, Clone)]
pub struct PasswordReset {
    pub email: String,
    pub code: String,
    pub new_password: String,
}

/// Sets a new password with a mailed code. Every session of the account ends, and its failed
/// sign-ins are forgotten, so a locked-out owner can sign in at once.
pub async fn reset_password(app: &App, meta: &RequestMeta, input: PasswordReset) -> AppResult<()> {
    passwords::check_new("newPassword", &input.new_password)?;
    let client = client_info(meta, None)?;
    let mut conn = app.pool.get().await?;
    let Some(user) = queries::user_by_email(&mut conn, input.email.trim()).await? else {
        return Err(code_refused("CODE_INVALID"));
    };
    let expected = reset_code_hash(app, user.id, input.code.trim());
    // First judge the code, counting a wrong one; nothing is used yet, since no connection may
    // be held while the new password is hashed.
    let verdict = conn
        .transaction(async |conn| {
            let found =
                queries::newest_email_token_for_update(conn, user.id, TokenPurpose::ResetPassword)
                    .await?;
            let verdict = Verdict::of(found, &expected);
            if let Verdict::Wrong(id) = verdict {
                queries::add_failed_attempt(conn, id).await?;
            }
            Ok::<_, AppError>(verdict)
        })
        .await?;
    verdict.accept()?;
    drop(conn);
    let hash = app.hasher.hash(input.new_password).await?;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        // Judged again under the lock: of two resets racing with the right code, the second
        // finds it used.
        let found =
            queries::newest_email_token_for_update(conn, user.id, TokenPurpose::ResetPassword)
                .await?;
        let token = Verdict::of(found, &expected).accept()?;
        queries::use_email_token(conn, token.id).await?;
        queries::set_password_hash(conn, user.id, &hash).await?;
        let ended = queries::revoke_sessions(conn, user.id, None, None, "password reset").await?;
        queries::notify_revoked(conn, &ended).await?;
        queries::clear_attempts(conn, user.id).await?;
        let detail = format!("{} sessions ended", ended.len());
        record(
            conn,
            &user,
            None,
            "PASSWORD_RESET",
            Some(&client),
            Some(&detail),
        )
        .await?;
        audit::notify(
            conn,
            &user,
            None,
            "Your Rollcall password was reset",
            "the password of your Rollcall account was reset with a code sent to this \
             address, and every device signed in to it was signed out.",
        )
        .await?;
        Ok::<_, AppError>(())
    })
    .await
}

/// Asks to move the viewer's account to a new email address: a link goes to the new address,
/// and a notice to the current one. The address changes when the link is followed.
pub async fn change_email(
    app: &App,
    meta: &RequestMeta,
    viewer: &Viewer,
    new_email: &str,
    password: String,
) -> AppResult<()> {
    let signed_in = viewer.require()?;
    let user = &signed_in.user;
    let new_email = check_email("newEmail", new_email)?;
    if user
        .email
        .as_deref()
        .is_some_and(|email| email.eq_ignore_ascii_case(&new_email))
    {
        return Err(AppError::bad_input(
            "newEmail",
            "this is already the address of your account",
        ));
    }
    let client = client_info(meta, None)?;
    // The password first: only the owner learns whether another account has the address.
    verify_password(app, &client, user, password, "password").await?;
    let mut conn = app.pool.get().await?;
    if queries::user_by_email(&mut conn, &new_email)
        .await?
        .is_some_and(|other| other.id != user.id)
    {
        return Err(EMAIL_TAKEN.on("newEmail").conflict());
    }
    let token = random_token();
    let token_hash = mailed_hash(app, TokenPurpose::ChangeEmail, &token);
    let link = format!(
        "{}/confirm-email?token={SECRET_PLACEHOLDER}",
        app.config.public_url()
    );
    conn.transaction(async |conn| {
        queries::insert_email_token(
            conn,
            user.id,
            TokenPurpose::ChangeEmail,
            &token_hash,
            Some(&new_email),
            Utc::now() + EMAIL_CHANGE_LIFETIME,
        )
        .await?;
        let body = format!(
            "Hello {},\n\nplease confirm this new email address for your Rollcall account by \
             opening this link within 24 hours:\n\n{link}\n\nUntil then your account keeps its \
             current address. If you did not ask for this, ignore this mail.\n",
            user.name
        );
        mail::enqueue(
            conn,
            NewMail {
                recipient: &new_email,
                subject: "Confirm your new Rollcall email address",
                body: &body,
                secret: Some(&token),
            },
        )
        .await?;
        let detail = format!("to {new_email}");
        let text = format!(
            "a change of your Rollcall account's email address to {new_email} was requested. \
             It takes effect only when the link mailed to that address is opened."
        );
        audit::notify(
            conn,
            user,
            None,
            "A new email address was requested for your Rollcall account",
            &text,
        )
        .await?;
        record(
            conn,
            user,
            Some(signed_in.session.id),
            "EMAIL_CHANGE_REQUESTED",
            Some(&client),
            Some(&detail),
        )
        .await?;
        Ok::<_, AppError>(())
    })
    .await
}

/// Applies the change of address a followed CHANGE_EMAIL link stands for (`confirmEmail` calls
/// it, in its transaction, with the locked and usable token). An address taken meanwhile is
/// CONFLICT, and the link stays unused.
pub async fn apply_email_change(
    conn: &mut AsyncPgConnection,
    token: EmailToken,
) -> AppResult<User> {
    let before = queries::user_by_id(conn, token.user_id).await?;
    let (Some(new_email), Some(before)) = (token.new_email.as_deref(), before) else {
        return Err(AppError::internal(
            "a CHANGE_EMAIL token without its address or account",
        ));
    };
    if before.deleted_at.is_some() {
        // The account was deleted since: the link has nothing left to act on.
        return Err(AppError::BadInput {
            field: Some("token".to_owned()),
            message: "this link is not valid".to_owned(),
            reason: Some("CODE_INVALID"),
        });
    }
    queries::use_email_token(conn, token.id).await?;
    let user = queries::set_email(conn, before.id, new_email)
        .await
        .on_constraint(&[EMAIL_TAKEN.on("token")])?;
    let detail = format!(
        "from {} to {new_email}",
        before.email.as_deref().unwrap_or_default()
    );
    record(conn, &user, None, "EMAIL_CHANGED", None, Some(&detail)).await?;
    audit::notify(
        conn,
        &user,
        None,
        "Your Rollcall email address was changed",
        "this is now the email address of your Rollcall account: use it to sign in.",
    )
    .await?;
    Ok(user)
}

/// Gives the viewer's account a new username.
pub async fn change_username(
    app: &App,
    meta: &RequestMeta,
    viewer: &Viewer,
    new_username: &str,
) -> AppResult<User> {
    let signed_in = viewer.require()?;
    let username = check_username("newUsername", new_username)?;
    let client = client_info(meta, None)?;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let user = queries::set_username(conn, signed_in.user.id, &username)
            .await
            .on_constraint(&[USERNAME_TAKEN.on("newUsername")])?;
        let detail = format!(
            "from {} to {username}",
            signed_in.user.username.as_deref().unwrap_or_default()
        );
        record(
            conn,
            &user,
            Some(signed_in.session.id),
            "USERNAME_CHANGED",
            Some(&client),
            Some(&detail),
        )
        .await?;
        Ok::<_, AppError>(user)
    })
    .await
}

/// Changes the viewer's profile; what is not given stays as it is.
pub async fn update_profile(
    app: &App,
    meta: &RequestMeta,
    viewer: &Viewer,
    name: Option<&str>,
) -> AppResult<User> {
    let signed_in = viewer.require()?;
    let Some(name) = name else {
        return Ok(signed_in.user.clone());
    };
    let name = check_name("name", name)?;
    let client = client_info(meta, None)?;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let user = queries::set_name(conn, signed_in.user.id, &name).await?;
        record(
            conn,
            &user,
            Some(signed_in.session.id),
            "PROFILE_UPDATED",
            Some(&client),
            Some("name"),
        )
        .await?;
        Ok::<_, AppError>(user)
    })
    .await
}
