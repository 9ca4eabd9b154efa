//! SQL of accounts, sessions, refresh tokens, mailed tokens, failed sign-ins and auth events.

use chrono::{DateTime, Duration, Utc};
use diesel::dsl::{count_star, min, now};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use ipnet::IpNet;

use crate::accounts::model::{
    AccountStatus, ClientInfo, NewUser, Role, Session, SessionId, User, UserId,
};
use crate::db::schema::{
    auth_events, email_tokens, login_failures, refresh_tokens, sessions, users,
};

/// Most live sessions an account keeps; signing in once more ends the oldest.
pub const MAX_LIVE_SESSIONS: i64 = 20;

/// A session and its account, by session id.
pub async fn session_with_user(
    conn: &mut AsyncPgConnection,
    id: SessionId,
) -> QueryResult<Option<(Session, User)>> {
    sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(id))
        .select((Session::as_select(), User::as_select()))
        .first(conn)
        .await
        .optional()
}

/// Records that a session was used now.
pub async fn touch_session(conn: &mut AsyncPgConnection, id: SessionId) -> QueryResult<()> {
    diesel::update(sessions::table.find(id))
        .set(sessions::last_seen_at.eq(now))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_user(conn: &mut AsyncPgConnection, user: &NewUser<'_>) -> QueryResult<User> {
    diesel::insert_into(users::table)
        .values(user)
        .returning(User::as_returning())
        .get_result(conn)
        .await
}

pub async fn user_by_id(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn users_by_ids(conn: &mut AsyncPgConnection, ids: &[UserId]) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::id.eq_any(ids))
        .select(User::as_select())
        .load(conn)
        .await
}

pub async fn user_by_username(
    conn: &mut AsyncPgConnection,
    username: &str,
) -> QueryResult<Option<User>> {
    users::table
        .filter(users::username.eq(username))
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Nullable<Text>) -> diesel::sql_types::Nullable<Text>);

/// The account with this email address, ignoring case (it uses the `users_email_key` index).
pub async fn user_by_email(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(lower(users::email).eq(email.to_lowercase()))
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

/// The account a sign-in names: an email address (with `@`) or a username.
pub async fn user_by_login(conn: &mut AsyncPgConnection, login: &str) -> QueryResult<Option<User>> {
    if login.contains('@') {
        user_by_email(conn, login).await
    } else {
        user_by_username(conn, &login.to_lowercase()).await
    }
}

/// Confirms an unconfirmed account: ACTIVE, role USER. Answers the account as it now is.
pub async fn confirm_user(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<User> {
    diesel::update(
        users::table
            .find(id)
            .filter(users::status.eq(AccountStatus::Unconfirmed)),
    )
    .set((
        users::status.eq(AccountStatus::Active),
        users::role.eq(Role::User),
        users::confirmed_at.eq(now),
        users::updated_at.eq(now),
    ))
    .execute(conn)
    .await?;
    users::table
        .find(id)
        .select(User::as_select())
        .get_result(conn)
        .await
}

pub async fn set_password_hash(
    conn: &mut AsyncPgConnection,
    id: UserId,
    hash: &str,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((users::password_hash.eq(hash), users::updated_at.eq(now)))
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes accounts still unconfirmed after `age`, freeing their email and username.
pub async fn delete_stale_unconfirmed(
    conn: &mut AsyncPgConnection,
    age: Duration,
) -> QueryResult<usize> {
    diesel::delete(
        users::table
            .filter(users::status.eq(AccountStatus::Unconfirmed))
            .filter(users::created_at.lt(Utc::now() - age)),
    )
    .execute(conn)
    .await
}

/// The kinds of mailed tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    ConfirmEmail,
    ChangeEmail,
    ResetPassword,
}

impl TokenPurpose {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ConfirmEmail => "CONFIRM_EMAIL",
            Self::ChangeEmail => "CHANGE_EMAIL",
            Self::ResetPassword => "RESET_PASSWORD",
        }
    }
}

/// A mailed token as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = email_tokens, check_for_backend(diesel::pg::Pg))]
pub struct EmailToken {
    pub id: i64,
    pub user_id: UserId,
    pub token_hash: Vec<u8>,
    pub new_email: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub failed_attempts: i32,
}

pub async fn insert_email_token(
    conn: &mut AsyncPgConnection,
    user: UserId,
    purpose: TokenPurpose,
    hash: &[u8],
    new_email: Option<&str>,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(email_tokens::table)
        .values((
            email_tokens::user_id.eq(user),
            email_tokens::purpose.eq(purpose.as_str()),
            email_tokens::token_hash.eq(hash),
            email_tokens::new_email.eq(new_email),
            email_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The mailed token with this hash, locked for the rest of the transaction.
pub async fn email_token_for_update(
    conn: &mut AsyncPgConnection,
    purpose: TokenPurpose,
    hash: &[u8],
) -> QueryResult<Option<EmailToken>> {
    email_tokens::table
        .filter(email_tokens::purpose.eq(purpose.as_str()))
        .filter(email_tokens::token_hash.eq(hash))
        .select(EmailToken::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn use_email_token(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<()> {
    diesel::update(email_tokens::table.find(id))
        .set(email_tokens::used_at.eq(now))
        .execute(conn)
        .await?;
    Ok(())
}

/// Starts a session for `user`, ending the oldest live ones beyond [`MAX_LIVE_SESSIONS`];
/// answers the new session and the ids of those it ended.
pub async fn create_session(
    conn: &mut AsyncPgConnection,
    user: UserId,
    client: &ClientInfo,
    expires_at: DateTime<Utc>,
) -> QueryResult<(Session, Vec<SessionId>)> {
    let session = diesel::insert_into(sessions::table)
        .values((
            sessions::user_id.eq(user),
            sessions::device.eq(&client.device),
            sessions::ip.eq(client.ip),
            sessions::user_agent.eq(&client.user_agent),
            sessions::expires_at.eq(expires_at),
        ))
        .returning(Session::as_returning())
        .get_result(conn)
        .await?;
    let surplus: Vec<SessionId> = sessions::table
        .filter(sessions::user_id.eq(user))
        .filter(sessions::revoked_at.is_null())
        .order((sessions::created_at.desc(), sessions::id.desc()))
        .offset(MAX_LIVE_SESSIONS)
        .select(sessions::id)
        .load(conn)
        .await?;
    if !surplus.is_empty() {
        diesel::update(sessions::table.filter(sessions::id.eq_any(&surplus)))
            .set((
                sessions::revoked_at.eq(now),
                sessions::revoked_reason.eq("too many sessions: the oldest ended"),
            ))
            .execute(conn)
            .await?;
    }
    Ok((session, surplus))
}

/// Ends the live sessions selected by `user` (all of them, or `only` one, or all but
/// `except`); answers their ids.
pub async fn revoke_sessions(
    conn: &mut AsyncPgConnection,
    user: UserId,
    only: Option<SessionId>,
    except: Option<SessionId>,
    reason: &str,
) -> QueryResult<Vec<SessionId>> {
    let mut query = diesel::update(sessions::table)
        .filter(sessions::user_id.eq(user))
        .filter(sessions::revoked_at.is_null())
        .into_boxed();
    if let Some(only) = only {
        query = query.filter(sessions::id.eq(only));
    }
    if let Some(except) = except {
        query = query.filter(sessions::id.ne(except));
    }
    query
        .set((
            sessions::revoked_at.eq(now),
            sessions::revoked_reason.eq(reason),
        ))
        .returning(sessions::id)
        .get_results(conn)
        .await
}

pub async fn session_by_id(
    conn: &mut AsyncPgConnection,
    id: SessionId,
) -> QueryResult<Option<Session>> {
    sessions::table
        .find(id)
        .select(Session::as_select())
        .first(conn)
        .await
        .optional()
}

/// The live sessions of these accounts, newest first.
pub async fn live_sessions_of(
    conn: &mut AsyncPgConnection,
    users: &[UserId],
) -> QueryResult<Vec<Session>> {
    sessions::table
        .filter(sessions::user_id.eq_any(users))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .order((sessions::created_at.desc(), sessions::id.desc()))
        .select(Session::as_select())
        .load(conn)
        .await
}

/// A refresh token as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens, check_for_backend(diesel::pg::Pg))]
pub struct RefreshToken {
    pub session_id: SessionId,
    pub expires_at: DateTime<Utc>,
    pub rotated_at: Option<DateTime<Utc>>,
}

pub async fn insert_refresh_token(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
    session: SessionId,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(hash),
            refresh_tokens::session_id.eq(session),
            refresh_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The refresh token with this hash, its session and account; the token row is locked for the
/// rest of the transaction, so concurrent rotations of one token queue up.
pub async fn refresh_token_for_update(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
) -> QueryResult<Option<(RefreshToken, Session, User)>> {
    refresh_tokens::table
        .inner_join(sessions::table.inner_join(users::table))
        .filter(refresh_tokens::token_hash.eq(hash))
        .select((
            RefreshToken::as_select(),
            Session::as_select(),
            User::as_select(),
        ))
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn mark_rotated(conn: &mut AsyncPgConnection, hash: &[u8]) -> QueryResult<DateTime<Utc>> {
    diesel::update(refresh_tokens::table.find(hash))
        .set(refresh_tokens::rotated_at.eq(now))
        .returning(refresh_tokens::rotated_at.assume_not_null())
        .get_result(conn)
        .await
}

/// Takes the transaction-scoped advisory locks that serialise sign-in attempts on one account
/// and from one address, so that concurrent attempts cannot all slip under the limit.
pub async fn lock_login_counters(
    conn: &mut AsyncPgConnection,
    user: Option<UserId>,
    ip: Option<IpNet>,
) -> QueryResult<()> {
    let keys = [
        user.map(|id| format!("login:user:{id}")),
        ip.map(|ip| format!("login:ip:{}", ip.addr())),
    ];
    for key in keys.into_iter().flatten() {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind::<Text, _>(key)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Attempts recorded since `since` for an account or an address: how many, and the oldest.
pub async fn count_attempts(
    conn: &mut AsyncPgConnection,
    user: Option<UserId>,
    ip: Option<IpNet>,
    since: DateTime<Utc>,
) -> QueryResult<(i64, Option<DateTime<Utc>>)> {
    let mut query = login_failures::table
        .filter(login_failures::at.gt(since))
        .into_boxed();
    query = match (user, ip) {
        (Some(user), _) => query.filter(login_failures::user_id.eq(user)),
        (None, Some(ip)) => query.filter(login_failures::ip.eq(ip)),
        (None, None) => return Ok((0, None)),
    };
    query
        .select((count_star(), min(login_failures::at)))
        .get_result(conn)
        .await
}

/// Records a sign-in attempt (removed again if it succeeds); answers its id.
pub async fn insert_attempt(
    conn: &mut AsyncPgConnection,
    user: Option<UserId>,
    ip: Option<IpNet>,
) -> QueryResult<i64> {
    diesel::insert_into(login_failures::table)
        .values((login_failures::user_id.eq(user), login_failures::ip.eq(ip)))
        .returning(login_failures::id)
        .get_result(conn)
        .await
}

pub async fn delete_attempt(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<()> {
    diesel::delete(login_failures::table.find(id))
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets an account's failed sign-ins (a completed password reset lifts the limit).
pub async fn clear_attempts(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::user_id.eq(user)))
        .execute(conn)
        .await?;
    Ok(())
}

/// An entry of the security history.
#[derive(Debug, Clone)]
pub struct NewAuthEvent<'a> {
    pub user: Option<UserId>,
    pub session: Option<SessionId>,
    pub kind: &'a str,
    pub client: Option<&'a ClientInfo>,
    pub detail: Option<&'a str>,
}

pub async fn record_event(
    conn: &mut AsyncPgConnection,
    event: NewAuthEvent<'_>,
) -> QueryResult<()> {
    diesel::insert_into(auth_events::table)
        .values((
            auth_events::user_id.eq(event.user),
            auth_events::session_id.eq(event.session),
            auth_events::kind.eq(event.kind),
            auth_events::ip.eq(event.client.and_then(|c| c.ip)),
            auth_events::user_agent.eq(event.client.and_then(|c| c.user_agent.as_deref())),
            auth_events::detail.eq(event.detail),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Tells every instance that these sessions ended (their sockets close).
pub async fn notify_revoked(conn: &mut AsyncPgConnection, ids: &[SessionId]) -> QueryResult<()> {
    for id in ids {
        diesel::sql_query("SELECT pg_notify('rollcall_session_revoked', $1::text)")
            .bind::<BigInt, _>(id.0)
            .execute(conn)
            .await?;
    }
    Ok(())
}
