//! Self-service changes to one's own account: the password (changed while signed in, or reset
//! with a code mailed to the account's address), the email address (applied once a link mailed
//! to the new address is followed, see [`apply_email_change`]), the username and the profile.
//!
//! Each step checks its input, runs one transaction over the queries, records an auth event and
//! queues in that same transaction the notices it owes, so a change and its notice commit or
//! vanish together. [`ProfileMutation`] exposes the steps to GraphQL.
//!
//! **Reset codes.** Six digits from a CSPRNG, valid for [`RESET_CODE_LIFETIME`], usable once,
//! void after [`RESET_CODE_TRIES`] wrong tries. Only the newest code of an account counts: a
//! request replaces the code before it. What is stored is an HMAC under a key derived from the
//! server secret, over the purpose, the account id and the code, since six-digit codes repeat
//! across accounts. Wrong tries are counted on the code row, locked `FOR UPDATE`, in a
//! transaction that commits even though the request fails.
//!
//! **Saying nothing about addresses.** `requestPasswordReset` answers an address without an
//! account exactly as it answers one with an account: `true`, and RATE_LIMITED after
//! [`RESET_REQUEST_LIMIT`] requests within [`RESET_REQUEST_WINDOW`]. For an account the limit
//! counts the codes it was sent; for any other address it counts the requests themselves, kept
//! in the security history as events without an account that name the address only by a keyed
//! hash. Otherwise a fourth request would tell whoever asks whether the address has an account.
//! `resetPassword` with an unknown address is CODE_INVALID, as is a wrong code.

use async_graphql::{Context, InputObject, Object, Result};
use chrono::{Duration, Utc};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use rand::Rng;

use crate::accounts::model::{ClientInfo, User, UserId};
use crate::accounts::notices;
use crate::accounts::queries::{self, EmailToken, NewAuthEvent, TokenPurpose};
use crate::accounts::service::{self, record};
use crate::app::App;
use crate::auth::guards::{Level, MinLevel};
use crate::auth::passwords::{self, Verified};
use crate::auth::viewer::Viewer;
use crate::error::{AppError, AppResult};
use crate::graphql::ContextExt;
use crate::http::request::RequestMeta;
use crate::mail::{self, NewMail, SECRET_PLACEHOLDER};

/// How long a password reset code works.
pub const RESET_CODE_LIFETIME: Duration = Duration::minutes(10);
/// Wrong tries after which a reset code is void.
pub const RESET_CODE_TRIES: i32 = 5;
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
    let client = service::client_info(meta, None)?;
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
        notices::send(
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
    let email = service::check_email("email", email)?;
    let client = service::client_info(meta, None)?;
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
                service::check_limit(
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
        service::check_limit(
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
    let client = service::client_info(meta, None)?;
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
            let verdict = judge(found, &expected);
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
        let token = judge(found, &expected).accept()?;
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
        notices::send(
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
    let new_email = service::check_email("newEmail", new_email)?;
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
    let client = service::client_info(meta, None)?;
    // The password first: only the owner learns whether another account has the address.
    verify_password(app, &client, user, password, "password").await?;
    let mut conn = app.pool.get().await?;
    if queries::user_by_email(&mut conn, &new_email)
        .await?
        .is_some_and(|other| other.id != user.id)
    {
        return Err(email_taken("newEmail"));
    }
    let token = service::random_token();
    let token_hash = service::mailed_hash(app, TokenPurpose::ChangeEmail, &token);
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
        notices::send(
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
pub(crate) async fn apply_email_change(
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
        .map_err(|err| map_unique(err, "users_email_key", || email_taken("token")))?;
    let detail = format!(
        "from {} to {new_email}",
        before.email.as_deref().unwrap_or_default()
    );
    record(conn, &user, None, "EMAIL_CHANGED", None, Some(&detail)).await?;
    notices::send(
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
    let username = service::check_username("newUsername", new_username)?;
    let client = service::client_info(meta, None)?;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let user = queries::set_username(conn, signed_in.user.id, &username)
            .await
            .map_err(|err| {
                map_unique(err, "users_username_key", || {
                    AppError::conflict("newUsername", "this username is taken")
                })
            })?;
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
    let name = service::check_name("name", name)?;
    let client = service::client_info(meta, None)?;
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

/// Queues the notice of a sign-in from a device the account has never signed in from
/// (`service::login` decides that, in its transaction).
pub(crate) async fn mail_new_device(
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
    notices::send(
        conn,
        user,
        None,
        "New sign-in to your Rollcall account",
        &text,
    )
    .await
}

/// Checks the signed-in account's password as sign-in does and within the same limits: a wrong
/// one counts as a failed sign-in, so a stolen session cannot be used to guess the password.
/// No connection is held while hashing.
async fn verify_password(
    app: &App,
    client: &ClientInfo,
    user: &User,
    password: String,
    field: &str,
) -> AppResult<()> {
    let mut conn = app.pool.get().await?;
    let attempt = conn
        .transaction(async |conn| {
            queries::lock_login_counters(conn, Some(user.id), client.ip).await?;
            let now = Utc::now();
            let since = now - service::ACCOUNT_WINDOW;
            let (count, oldest) = queries::count_attempts(conn, Some(user.id), None, since).await?;
            service::check_limit(
                count,
                oldest,
                service::ACCOUNT_LIMIT,
                service::ACCOUNT_WINDOW,
                now,
            )?;
            let since = now - service::ADDRESS_WINDOW;
            let (count, oldest) = queries::count_attempts(conn, None, client.ip, since).await?;
            service::check_limit(
                count,
                oldest,
                service::ADDRESS_LIMIT,
                service::ADDRESS_WINDOW,
                now,
            )?;
            Ok::<_, AppError>(queries::insert_attempt(conn, Some(user.id), client.ip).await?)
        })
        .await?;
    drop(conn);
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
            record(
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

/// A fresh six-digit code, stored for `user`; answers the code.
async fn insert_reset_code(
    app: &App,
    conn: &mut AsyncPgConnection,
    user: UserId,
    expires_at: chrono::DateTime<Utc>,
) -> AppResult<String> {
    // The account's own earlier codes are the only ones its MACs can collide with (stored
    // hashes are unique): draw again in that one-in-a-million case.
    for _ in 0..5 {
        let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
        let hash = reset_code_hash(app, user, &code);
        if queries::insert_email_token_unless_taken(
            conn,
            user,
            TokenPurpose::ResetPassword,
            &hash,
            expires_at,
        )
        .await?
        {
            return Ok(code);
        }
    }
    Err(AppError::internal(
        "no free password reset code after 5 draws",
    ))
}

/// What is stored of a reset code: an HMAC over the purpose, the account and the code.
fn reset_code_hash(app: &App, user: UserId, code: &str) -> Vec<u8> {
    let purpose = TokenPurpose::ResetPassword.as_str();
    app.keys
        .code_mac(format!("{purpose}:{user}:{code}").as_bytes())
        .to_vec()
}

/// Names an address in the security history without keeping it: a keyed hash.
fn address_tag(app: &App, email: &str) -> String {
    let mac = app
        .keys
        .code_mac(format!("password-reset-address:{}", email.to_lowercase()).as_bytes());
    mac[..12].iter().map(|b| format!("{b:02x}")).collect()
}

/// What a reset code turned out to be.
enum Verdict {
    Right(EmailToken),
    /// Not the code: one more wrong try on this token.
    Wrong(i64),
    Refused(&'static str),
}

impl Verdict {
    fn accept(self) -> AppResult<EmailToken> {
        match self {
            Self::Right(token) => Ok(token),
            Self::Wrong(_) => Err(code_refused("CODE_INVALID")),
            Self::Refused(reason) => Err(code_refused(reason)),
        }
    }
}

/// Judges a code against the account's newest one. The code is compared first, so that only
/// someone holding it learns that it was used or has expired; a void code is refused as if it
/// never existed, whatever is tried.
fn judge(found: Option<EmailToken>, expected: &[u8]) -> Verdict {
    let Some(token) = found else {
        return Verdict::Refused("CODE_INVALID");
    };
    if token.failed_attempts >= RESET_CODE_TRIES {
        return Verdict::Refused("CODE_INVALID");
    }
    if !same_bytes(&token.token_hash, expected) {
        return Verdict::Wrong(token.id);
    }
    if token.used_at.is_some() {
        return Verdict::Refused("CODE_USED");
    }
    if token.expires_at <= Utc::now() {
        return Verdict::Refused("CODE_EXPIRED");
    }
    Verdict::Right(token)
}

/// Compares two MACs in time that does not depend on where they differ.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn code_refused(reason: &'static str) -> AppError {
    let message = match reason {
        "CODE_USED" => "this code was already used",
        "CODE_EXPIRED" => "this code has expired; ask for a new one",
        _ => "this code is not valid",
    };
    AppError::BadInput {
        field: Some("code".to_owned()),
        message: message.to_owned(),
        reason: Some(reason),
    }
}

fn email_taken(field: &str) -> AppError {
    AppError::conflict(field, "an account with this email address exists")
}

/// `conflict()` for a unique violation of `constraint`; any other error as it is.
fn map_unique(err: DieselError, constraint: &str, conflict: impl FnOnce() -> AppError) -> AppError {
    match &err {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
            if info.constraint_name() == Some(constraint) =>
        {
            conflict()
        }
        _ => err.into(),
    }
}

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
        current_password: String,
        new_password: String,
    ) -> Result<bool> {
        let (app, meta, viewer) = (ctx.app(), ctx.meta(), ctx.viewer());
        change_password(app, meta, viewer, current_password, new_password).await?;
        Ok(true)
    }

    /// Mails a six-digit code for `resetPassword` to the account with this address. The code
    /// works once, for 10 minutes, and replaces any code sent before. Always true, so that it
    /// says nothing about which addresses have accounts; beyond 3 requests for one address
    /// within an hour it is RATE_LIMITED, with `extensions.retryAfter`.
    async fn request_password_reset(&self, ctx: &Context<'_>, email: String) -> Result<bool> {
        request_password_reset(ctx.app(), ctx.meta(), &email).await?;
        Ok(true)
    }

    /// Sets a new password with the mailed code. Every session of the account ends, and a
    /// sign-in lock after failed attempts is lifted. An unknown, used or expired code is
    /// BAD_USER_INPUT on `code` with `extensions.reason` CODE_INVALID, CODE_USED or
    /// CODE_EXPIRED; after 5 wrong tries the code is void (CODE_INVALID) and a new one must be
    /// requested.
    async fn reset_password(&self, ctx: &Context<'_>, input: ResetPasswordInput) -> Result<bool> {
        let input = PasswordReset {
            email: input.email,
            code: input.code,
            new_password: input.new_password,
        };
        reset_password(ctx.app(), ctx.meta(), input).await?;
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
        new_email: String,
        password: String,
    ) -> Result<bool> {
        let (app, meta, viewer) = (ctx.app(), ctx.meta(), ctx.viewer());
        change_email(app, meta, viewer, &new_email, password).await?;
        Ok(true)
    }

    /// Gives your account a new username (3 to 32 of `a-z`, `0-9`, `.`, `_`, `-`). A taken one
    /// is CONFLICT.
    #[graphql(guard = "MinLevel(Level::User)")]
    async fn change_username(&self, ctx: &Context<'_>, new_username: String) -> Result<User> {
        let (app, meta, viewer) = (ctx.app(), ctx.meta(), ctx.viewer());
        Ok(change_username(app, meta, viewer, &new_username).await?)
    }

    /// Changes your profile and answers the account as it now is.
    #[graphql(guard = "MinLevel(Level::User)")]
    async fn update_profile(&self, ctx: &Context<'_>, input: UpdateProfileInput) -> Result<User> {
        let (app, meta, viewer) = (ctx.app(), ctx.meta(), ctx.viewer());
        Ok(update_profile(app, meta, viewer, input.name.as_deref()).await?)
    }
}
