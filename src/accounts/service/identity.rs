//! Identity: registration, email confirmation, sign-in, refresh tokens and device sessions.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::accounts::model::{EMAIL_TAKEN, NewUser, TokenPurpose, USERNAME_TAKEN};
use crate::accounts::queries;
use crate::accounts::service::audit::{self, record};
use crate::accounts::service::checks::{
    check_username, client_info, count_attempt, unauthenticated,
};
use crate::accounts::service::codes::{mailed_hash, random_token, usable_token};
use crate::accounts::service::profile;
use crate::app::App;
use crate::auth::identity::{AccountStatus, Role, Session, SessionId, User};
use crate::auth::passwords::{self, Verified};
use crate::auth::queries::touch_session;
use crate::auth::scope::Scope;
use crate::auth::tokens;
use crate::auth::viewer::Viewer;
use crate::error::{AppError, AppResult, OnConstraint};
use crate::http::request::RequestMeta;
use crate::mail::{self, NewMail, SECRET_PLACEHOLDER};
use crate::validate::{check_email, check_name};
/// How long an email confirmation link works.
pub const CONFIRMATION_LIFETIME: Duration = Duration::hours(24);
/// Unconfirmed accounts older than this are removed.
pub const UNCONFIRMED_LIFETIME: Duration = Duration::days(7);

/// What registration asks for.
#[derive(Debug, Clone)]
pub struct Registration {
    pub email: String,
    pub username: String,
    pub password: String,
    pub name: String,
}

/// A new pair of tokens and what they are for.
#[derive(Debug, Clone)]
pub struct SignIn {
    pub access_token: String,
    pub access_token_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub user: User,
    pub session: Session,
}

/// Registers an UNCONFIRMED account and mails its confirmation link.
pub async fn register(app: &App, meta: &RequestMeta, input: Registration) -> AppResult<User> {
    let email = check_email("email", &input.email)?;
    let username = check_username("username", &input.username)?;
    let name = check_name("name", &input.name)?;
    passwords::check_new("password", &input.password)?;
    let hash = app.hasher.hash(input.password).await?;
    let client = client_info(meta, None)?;
    let mut conn = app.pool.get().await?;
    let user = conn
        .transaction(async |conn| {
            let user = queries::insert_user(
                conn,
                &NewUser {
                    email: &email,
                    username: &username,
                    name: &name,
                    password_hash: &hash,
                    role: Role::User,
                    status: AccountStatus::Unconfirmed,
                },
            )
            .await
            .on_constraint(&[EMAIL_TAKEN, USERNAME_TAKEN])?;
            send_confirmation(app, conn, &user, &email).await?;
            record(conn, &user, None, "REGISTERED", Some(&client), None).await?;
            Ok::<_, AppError>(user)
        })
        .await?;
    Ok(user)
}

/// Creates an ACTIVE ADMIN account (the operator's `rollcall create-admin`). An existing email
/// or username is CONFLICT.
pub async fn create_admin(
    conn: &mut AsyncPgConnection,
    hasher: &crate::auth::passwords::Hasher,
    input: Registration,
) -> AppResult<User> {
    let email = check_email("email", &input.email)?;
    let username = check_username("username", &input.username)?;
    let name = check_name("name", &input.name)?;
    passwords::check_new("password", &input.password)?;
    let hash = hasher.hash(input.password).await?;
    conn.transaction(async |conn| {
        let user = queries::insert_user(
            conn,
            &NewUser {
                email: &email,
                username: &username,
                name: &name,
                password_hash: &hash,
                role: Role::Admin,
                status: AccountStatus::Active,
            },
        )
        .await
        .on_constraint(&[EMAIL_TAKEN, USERNAME_TAKEN])?;
        record(
            conn,
            &user,
            None,
            "ADMIN_CREATED",
            None,
            Some("by rollcall create-admin"),
        )
        .await?;
        Ok(user)
    })
    .await
}

/// Follows a confirmation link: the account becomes ACTIVE with role USER. A link confirming
/// a new address (CHANGE_EMAIL) switches the account to it.
pub async fn confirm_email(app: &App, token: &str) -> AppResult<User> {
    let hash = mailed_hash(app, TokenPurpose::ConfirmEmail, token.trim());
    let change = mailed_hash(app, TokenPurpose::ChangeEmail, token.trim());
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let found =
            queries::email_token_for_update(conn, TokenPurpose::ChangeEmail, &change).await?;
        if found.is_some() {
            return profile::apply_email_change(conn, usable_token("token", found)?).await;
        }
        let found =
            queries::email_token_for_update(conn, TokenPurpose::ConfirmEmail, &hash).await?;
        let token = usable_token("token", found)?;
        queries::use_email_token(conn, token.id).await?;
        let user = queries::confirm_user(conn, token.user_id).await?;
        record(conn, &user, None, "EMAIL_CONFIRMED", None, None).await?;
        Ok(user)
    })
    .await
}

/// Mails a new confirmation link to an unconfirmed account; says nothing about other addresses.
pub async fn resend_confirmation(app: &App, email: &str) -> AppResult<()> {
    let mut conn = app.pool.get().await?;
    let Some(user) = queries::user_by_email(&mut conn, email.trim()).await? else {
        return Ok(());
    };
    if user.status != AccountStatus::Unconfirmed {
        return Ok(());
    }
    let address = user.email.clone().unwrap_or_default();
    conn.transaction(async |conn| {
        send_confirmation(app, conn, &user, &address).await?;
        Ok::<_, AppError>(())
    })
    .await
}

/// Removes accounts left unconfirmed for [`UNCONFIRMED_LIFETIME`], freeing their email and
/// username.
pub async fn remove_stale_unconfirmed(app: Arc<App>) -> AppResult<()> {
    let mut conn = app.pool.get().await?;
    let removed = queries::delete_stale_unconfirmed(&mut conn, UNCONFIRMED_LIFETIME).await?;
    if removed > 0 {
        tracing::info!(removed, "removed unconfirmed accounts older than 7 days");
    }
    Ok(())
}

/// Signs in with a login (email or username) and password, within the rate limits.
pub async fn login(
    app: &App,
    meta: &RequestMeta,
    login: &str,
    password: String,
    device: Option<String>,
) -> AppResult<SignIn> {
    let client = client_info(meta, device)?;
    let user = {
        let mut conn = app.pool.get().await?;
        queries::user_by_login(&mut conn, login.trim()).await?
    };
    let attempt = count_attempt(app, user.as_ref(), &client).await?;
    // No connection is held while hashing: a login storm must not starve other requests.
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let verified = app.hasher.verify(password, stored).await;
    let mut conn = app.pool.get().await?;
    let rehash = match (verified, user) {
        (Ok(Verified::Yes { rehash }), Some(user)) => (rehash, user),
        (Ok(_), user) => {
            if let Some(user) = &user {
                record(&mut conn, user, None, "SIGN_IN_FAILED", Some(&client), None).await?;
            }
            return Err(AppError::Unauthenticated {
                reason: Some("INVALID_CREDENTIALS"),
            });
        }
        (Err(err), _) => {
            // The attempt was never judged: it does not count against anyone.
            queries::delete_attempt(&mut conn, attempt).await?;
            return Err(err);
        }
    };
    let (rehash, user) = rehash;
    let refresh = tokens::new_refresh_token();
    let session = conn
        .transaction(async |conn| {
            queries::delete_attempt(conn, attempt).await?;
            if let Some(hash) = &rehash {
                queries::set_password_hash(conn, user.id, hash).await?;
            }
            // A device never seen: no earlier session with this device name and user agent.
            let new_device = !queries::device_seen(conn, user.id, &client).await?;
            let (session, ended) = queries::create_session(
                conn,
                user.id,
                &client,
                Utc::now() + tokens::SESSION_LIFETIME,
            )
            .await?;
            queries::notify_revoked(conn, &ended).await?;
            if new_device {
                audit::notify_new_device(conn, &user, &client).await?;
            }
            queries::insert_refresh_token(
                conn,
                &tokens::refresh_hash(&refresh),
                session.id,
                (Utc::now() + tokens::REFRESH_IDLE).min(session.expires_at),
            )
            .await?;
            record(
                conn,
                &user,
                Some(session.id),
                "SIGN_IN",
                Some(&client),
                None,
            )
            .await?;
            Ok::<_, AppError>(session)
        })
        .await?;
    let (access_token, access_token_expires_at) =
        tokens::issue_access(&app.keys, user.id.0, session.id.0, session.created_at)?;
    Ok(SignIn {
        access_token,
        access_token_expires_at,
        refresh_token: refresh,
        user,
        session,
    })
}

/// What a refresh token turned out to be.
enum Rotation {
    Rotated(Box<SignIn>),
    Replayed,
}

/// Exchanges a refresh token for a new pair. A token presented again after its rotation ends
/// its whole session (it was stolen, or the client is broken), except within a few seconds of
/// the rotation, when it gets the same new pair: two tabs refreshing at once.
pub async fn refresh(app: &App, meta: &RequestMeta, token: &str) -> AppResult<SignIn> {
    let hash = tokens::refresh_hash(token);
    let client = client_info(meta, None)?;
    let mut conn = app.pool.get().await?;
    let rotation = conn
        .transaction(async |conn| {
            let Some((stored, session, user)) =
                queries::refresh_token_for_update(conn, &hash).await?
            else {
                return Err(unauthenticated("TOKEN_INVALID"));
            };
            if session.revoked_at.is_some() || user.deleted_at.is_some() {
                return Err(unauthenticated("SESSION_REVOKED"));
            }
            let now = Utc::now();
            let successor = tokens::successor(&app.keys, token);
            let issued_at = match stored.rotated_at {
                None => {
                    if stored.expires_at <= now || session.expires_at <= now {
                        return Err(unauthenticated("TOKEN_EXPIRED"));
                    }
                    let rotated_at = queries::mark_rotated(conn, &hash).await?;
                    queries::insert_refresh_token(
                        conn,
                        &tokens::refresh_hash(&successor),
                        session.id,
                        (now + tokens::REFRESH_IDLE).min(session.expires_at),
                    )
                    .await?;
                    touch_session(conn, session.id).await?;
                    rotated_at
                }
                Some(rotated_at) if now - rotated_at <= tokens::REPLAY_GRACE => rotated_at,
                Some(_) => {
                    let ended = queries::revoke_sessions(
                        conn,
                        user.id,
                        Some(session.id),
                        None,
                        "refresh token replayed",
                    )
                    .await?;
                    queries::notify_revoked(conn, &ended).await?;
                    record(
                        conn,
                        &user,
                        Some(session.id),
                        "REFRESH_REPLAY",
                        Some(&client),
                        None,
                    )
                    .await?;
                    return Ok(Rotation::Replayed);
                }
            };
            let (access_token, access_token_expires_at) =
                tokens::issue_access(&app.keys, user.id.0, session.id.0, issued_at)?;
            Ok::<_, AppError>(Rotation::Rotated(Box::new(SignIn {
                access_token,
                access_token_expires_at,
                refresh_token: successor,
                user,
                session,
            })))
        })
        .await?;
    match rotation {
        Rotation::Rotated(sign_in) => Ok(*sign_in),
        Rotation::Replayed => Err(unauthenticated("SESSION_REVOKED")),
    }
}

/// Ends the viewer's current session.
pub async fn logout(app: &App, meta: &RequestMeta, viewer: &Viewer) -> AppResult<bool> {
    let signed_in = viewer.require()?;
    let client = client_info(meta, None)?;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let ended = queries::revoke_sessions(
            conn,
            signed_in.user.id,
            Some(signed_in.session.id),
            None,
            "logout",
        )
        .await?;
        queries::notify_revoked(conn, &ended).await?;
        record(
            conn,
            &signed_in.user,
            Some(signed_in.session.id),
            "LOGOUT",
            Some(&client),
            None,
        )
        .await?;
        Ok::<_, AppError>(!ended.is_empty())
    })
    .await
}

/// Ends every session of the viewer; answers how many ended.
pub async fn logout_all(app: &App, meta: &RequestMeta, viewer: &Viewer) -> AppResult<usize> {
    let signed_in = viewer.require()?;
    let client = client_info(meta, None)?;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let ended =
            queries::revoke_sessions(conn, signed_in.user.id, None, None, "logout everywhere")
                .await?;
        queries::notify_revoked(conn, &ended).await?;
        let detail = format!("{} sessions ended", ended.len());
        record(
            conn,
            &signed_in.user,
            Some(signed_in.session.id),
            "LOGOUT_ALL",
            Some(&client),
            Some(&detail),
        )
        .await?;
        Ok::<_, AppError>(ended.len())
    })
    .await
}

/// Ends session `id`, if `scope` reaches it (NOT_FOUND otherwise). Answers whether it was
/// live.
pub async fn revoke_session(
    app: &App,
    meta: &RequestMeta,
    viewer: &Viewer,
    scope: Scope,
    id: SessionId,
) -> AppResult<bool> {
    let signed_in = viewer.require()?;
    let client = client_info(meta, None)?;
    let mut conn = app.pool.get().await?;
    let session = queries::session_in(&mut conn, scope, id)
        .await?
        .ok_or(AppError::NotFound("session"))?;
    conn.transaction(async |conn| {
        let ended =
            queries::revoke_sessions(conn, session.user_id, Some(session.id), None, "revoked")
                .await?;
        queries::notify_revoked(conn, &ended).await?;
        let detail = format!("revoked by account {}", signed_in.user.id);
        let owner = queries::user_by_id(conn, session.user_id)
            .await?
            .ok_or(AppError::NotFound("session"))?;
        record(
            conn,
            &owner,
            Some(session.id),
            "SESSION_REVOKED",
            Some(&client),
            Some(&detail),
        )
        .await?;
        Ok::<_, AppError>(!ended.is_empty())
    })
    .await
}

/// Issues a single-use confirmation token for `user` and queues the mail with its link to
/// `address`.
async fn send_confirmation(
    app: &App,
    conn: &mut AsyncPgConnection,
    user: &User,
    address: &str,
) -> AppResult<()> {
    let token = random_token();
    queries::insert_email_token(
        conn,
        user.id,
        TokenPurpose::ConfirmEmail,
        &mailed_hash(app, TokenPurpose::ConfirmEmail, &token),
        None,
        Utc::now() + CONFIRMATION_LIFETIME,
    )
    .await?;
    let link = format!(
        "{}/confirm-email?token={SECRET_PLACEHOLDER}",
        app.config.public_url()
    );
    let body = format!(
        "Hello {},\n\nplease confirm your email address for Rollcall by opening this link \
         within 24 hours:\n\n{link}\n\nIf you did not register, ignore this mail.\n",
        user.name
    );
    mail::enqueue(
        conn,
        NewMail {
            recipient: address,
            subject: "Confirm your Rollcall account",
            body: &body,
            secret: Some(&token),
        },
    )
    .await?;
    Ok(())
}
