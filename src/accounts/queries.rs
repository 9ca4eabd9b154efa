//! SQL of accounts, sessions, refresh tokens, mailed tokens, failed sign-ins and auth events.

use chrono::{DateTime, Duration, Utc};
use diesel::dsl::{count_star, min, now};
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use ipnet::IpNet;

use crate::accounts::model::{
    AuthEventRow, ClientInfo, EmailToken, NewAuthEvent, NewUser, RefreshToken, RoleChangeRow,
    TokenPurpose, UserFilter, UserOrder,
};
use crate::auth::identity::{AccountStatus, Role, Session, SessionId, User, UserId};
pub use crate::auth::queries::{user_by_email, user_by_id};
use crate::auth::scope::Scope;
use crate::db::contains_pattern;
use crate::db::schema::{
    auth_events, avatars, company_members, email_tokens, login_failures, refresh_tokens,
    role_changes, sessions, users,
};
use crate::events::{self, Channel};
use crate::graphql::pagination::{Keyset, Page, SortKey, SortValue};

/// Most live sessions an account keeps; signing in once more ends the oldest.
pub const MAX_LIVE_SESSIONS: i64 = 20;

pub async fn insert_user(conn: &mut AsyncPgConnection, user: &NewUser<'_>) -> QueryResult<User> {
    diesel::insert_into(users::table)
        .values(user)
        .returning(User::as_returning())
        .get_result(conn)
        .await
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

/// The session with this id, if `scope` reaches it.
pub async fn session_in(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    id: SessionId,
) -> QueryResult<Option<Session>> {
    let mut query = sessions::table.find(id).into_boxed();
    if let Some(user) = scope.only_user() {
        query = query.filter(sessions::user_id.eq(user));
    }
    query
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
        advisory_xact_lock(conn, &key).await?;
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
        events::notify(conn, Channel::SessionRevoked, &id.to_string()).await?;
    }
    Ok(())
}

impl UserOrder {
    /// The sort key of this order.
    pub fn keyset(self) -> Keyset {
        match self {
            Self::Username => Keyset::ascending("users", "USERNAME").by(users::username),
            Self::Name => Keyset::ascending("users", "NAME").by(users::name),
            Self::Newest => Keyset::descending("users", "NEWEST").by(users::created_at),
            Self::Oldest => Keyset::ascending("users", "OLDEST").by(users::created_at),
        }
        .by(users::id)
    }

    /// The key of `user` in this order.
    pub fn key(self, keyset: &Keyset, user: &User) -> SortKey {
        let first: SortValue = match self {
            Self::Username => user.username.clone().unwrap_or_default().into(),
            Self::Name => user.name.clone().into(),
            Self::Newest | Self::Oldest => user.created_at.into(),
        };
        keyset.key([first, user.id.0.into()])
    }
}

/// The order of an account's history: newest first.
pub fn auth_events_keyset() -> Keyset {
    Keyset::descending("authEvents", "NEWEST")
        .by(auth_events::at)
        .by(auth_events::id)
}

type BoxedUsers<'a> = users::BoxedQuery<'a, diesel::pg::Pg>;

/// `users.id` is a member of a company `user` is a member of (`user` itself too, if it is in
/// one). In SQL text: the subquery reads `company_members` twice, which diesel's DSL cannot
/// alias inside a boxed query.
fn shares_a_company_with(
    user: UserId,
) -> diesel::expression::SqlLiteral<
    diesel::sql_types::Bool,
    impl diesel::query_builder::QueryFragment<diesel::pg::Pg> + Send,
> {
    diesel::dsl::sql::<diesel::sql_types::Bool>(
        "users.id IN (SELECT theirs.user_id FROM company_members theirs \
         JOIN company_members mine ON mine.company_id = theirs.company_id WHERE mine.user_id = ",
    )
    .bind::<diesel::sql_types::BigInt, _>(user.0)
    .sql(")")
}

/// The live accounts `scope` reaches that `filter` keeps: at a company scope, the members of
/// the viewer's companies.
fn filtered_users(scope: Scope, filter: &UserFilter) -> BoxedUsers<'_> {
    let mut query = users::table
        .filter(users::deleted_at.is_null())
        .into_boxed();
    match scope {
        Scope::All => {}
        Scope::Own(user) => query = query.filter(users::id.eq(user)),
        Scope::Companies(user) => {
            query = query.filter(shares_a_company_with(user));
        }
    }
    if let Some(role) = filter.role {
        query = query.filter(users::role.eq(role));
    }
    if let Some(status) = filter.status {
        query = query.filter(users::status.eq(status));
    }
    if let Some(search) = &filter.search {
        let pattern = contains_pattern(search);
        query = query.filter(
            users::name
                .ilike(pattern.clone())
                .or(users::username.ilike(pattern.clone()))
                .or(users::email.ilike(pattern)),
        );
    }
    query
}

/// One page of the accounts `scope` reaches, in the order of `keyset`.
pub async fn list_users(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    filter: &UserFilter,
    keyset: &Keyset,
    page: &Page<SortKey>,
) -> QueryResult<Vec<User>> {
    keyset
        .page_of(filtered_users(scope, filter), page)
        .select(User::as_select())
        .load(conn)
        .await
}

pub async fn count_users(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    filter: &UserFilter,
) -> QueryResult<i64> {
    filtered_users(scope, filter).count().get_result(conn).await
}

/// The live account with this id, if `scope` reaches it.
pub async fn live_user_in(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    id: UserId,
) -> QueryResult<Option<User>> {
    filtered_users(scope, &UserFilter::default())
        .filter(users::id.eq(id))
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

/// The live account with this username, if `scope` reaches it.
pub async fn live_user_by_username_in(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    username: &str,
) -> QueryResult<Option<User>> {
    filtered_users(scope, &UserFilter::default())
        .filter(users::username.eq(username))
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

/// Takes a transaction-scoped advisory lock named `key`.
pub async fn advisory_xact_lock(conn: &mut AsyncPgConnection, key: &str) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind::<Text, _>(key)
        .execute(conn)
        .await?;
    Ok(())
}

/// How many live accounts have `role` (only ACTIVE ones when `active_only`).
pub async fn count_privileged(
    conn: &mut AsyncPgConnection,
    role: Role,
    active_only: bool,
) -> QueryResult<i64> {
    let mut query = users::table
        .filter(users::role.eq(role))
        .filter(users::deleted_at.is_null())
        .into_boxed();
    if active_only {
        query = query.filter(users::status.eq(AccountStatus::Active));
    }
    query.count().get_result(conn).await
}

pub async fn set_status(
    conn: &mut AsyncPgConnection,
    id: UserId,
    status: AccountStatus,
) -> QueryResult<User> {
    diesel::update(users::table.find(id))
        .set((users::status.eq(status), users::updated_at.eq(now)))
        .returning(User::as_returning())
        .get_result(conn)
        .await
}

pub async fn set_role(conn: &mut AsyncPgConnection, id: UserId, role: Role) -> QueryResult<User> {
    diesel::update(users::table.find(id))
        .set((users::role.eq(role), users::updated_at.eq(now)))
        .returning(User::as_returning())
        .get_result(conn)
        .await
}

/// Clears everything that identifies an account; its id stays. Its memberships end, which
/// unlinks its employee records (they stay, with their sessions).
pub async fn anonymise_user(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<()> {
    diesel::delete(company_members::table.filter(company_members::user_id.eq(id)))
        .execute(conn)
        .await?;
    diesel::update(users::table.find(id))
        .set((
            users::email.eq(None::<String>),
            users::username.eq(None::<String>),
            users::name.eq(""),
            users::password_hash.eq(None::<String>),
            users::avatar_hash.eq(None::<String>),
            users::deleted_at.eq(now),
            users::updated_at.eq(now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Records a role or status change made by `actor`.
pub async fn record_change(
    conn: &mut AsyncPgConnection,
    user: UserId,
    actor: UserId,
    kind: &str,
    from: &str,
    to: &str,
) -> QueryResult<()> {
    diesel::insert_into(auth_events::table)
        .values((
            auth_events::user_id.eq(user),
            auth_events::actor_id.eq(actor),
            auth_events::kind.eq(kind),
            auth_events::from_value.eq(from),
            auth_events::to_value.eq(to),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_role_change(
    conn: &mut AsyncPgConnection,
    user: UserId,
    from: Role,
    to: Role,
    requested_by: UserId,
    expires_at: DateTime<Utc>,
) -> QueryResult<RoleChangeRow> {
    diesel::insert_into(role_changes::table)
        .values((
            role_changes::user_id.eq(user),
            role_changes::from_role.eq(from),
            role_changes::to_role.eq(to),
            role_changes::requested_by.eq(requested_by),
            role_changes::expires_at.eq(expires_at),
        ))
        .returning(RoleChangeRow::as_returning())
        .get_result(conn)
        .await
}

/// Pending, unexpired requests, oldest first.
pub async fn pending_role_changes(conn: &mut AsyncPgConnection) -> QueryResult<Vec<RoleChangeRow>> {
    role_changes::table
        .filter(role_changes::status.eq("PENDING"))
        .filter(role_changes::expires_at.gt(now))
        .order((role_changes::created_at.asc(), role_changes::id.asc()))
        .select(RoleChangeRow::as_select())
        .load(conn)
        .await
}

pub async fn role_change_for_update(
    conn: &mut AsyncPgConnection,
    id: i64,
) -> QueryResult<Option<RoleChangeRow>> {
    role_changes::table
        .find(id)
        .select(RoleChangeRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Ends a pending request with `status`, decided by `by`.
pub async fn close_role_change(
    conn: &mut AsyncPgConnection,
    id: i64,
    status: &str,
    by: Option<UserId>,
) -> QueryResult<()> {
    diesel::update(role_changes::table.find(id))
        .set((
            role_changes::status.eq(status),
            role_changes::decided_by.eq(by),
            role_changes::decided_at.eq(now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The history of `user` as far as `scope` reaches.
fn events_of(scope: Scope, user: UserId) -> auth_events::BoxedQuery<'static, diesel::pg::Pg> {
    let mut query = auth_events::table
        .filter(auth_events::user_id.eq(user))
        .into_boxed();
    if let Some(own) = scope.only_user() {
        query = query.filter(auth_events::user_id.eq(own));
    }
    query
}

/// One page of an account's history.
pub async fn auth_events(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    user: UserId,
    keyset: &Keyset,
    page: &Page<SortKey>,
) -> QueryResult<Vec<AuthEventRow>> {
    keyset
        .page_of(events_of(scope, user), page)
        .select(AuthEventRow::as_select())
        .load(conn)
        .await
}

pub async fn count_auth_events(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    user: UserId,
) -> QueryResult<i64> {
    events_of(scope, user).count().get_result(conn).await
}

/// Which of `users` share a company with `viewer`.
pub async fn sharing_a_company(
    conn: &mut AsyncPgConnection,
    viewer: UserId,
    users: &[UserId],
) -> QueryResult<Vec<UserId>> {
    users::table
        .filter(users::id.eq_any(users))
        .filter(shares_a_company_with(viewer))
        .select(users::id)
        .load(conn)
        .await
}

/// Whether `user` ever had a session (live or ended) from this device name and user agent.
pub async fn device_seen(
    conn: &mut AsyncPgConnection,
    user: UserId,
    client: &ClientInfo,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        sessions::table
            .filter(sessions::user_id.eq(user))
            .filter(sessions::device.eq(&client.device))
            .filter(sessions::user_agent.is_not_distinct_from(&client.user_agent)),
    ))
    .get_result(conn)
    .await
}

/// The newest mailed token of `user` for `purpose`, locked for the rest of the transaction.
pub async fn newest_email_token_for_update(
    conn: &mut AsyncPgConnection,
    user: UserId,
    purpose: TokenPurpose,
) -> QueryResult<Option<EmailToken>> {
    email_tokens::table
        .filter(email_tokens::user_id.eq(user))
        .filter(email_tokens::purpose.eq(purpose.as_str()))
        .order((email_tokens::created_at.desc(), email_tokens::id.desc()))
        .select(EmailToken::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Tokens `user` was sent for `purpose` since `since`: how many, and when the oldest was.
pub async fn count_email_tokens_since(
    conn: &mut AsyncPgConnection,
    user: UserId,
    purpose: TokenPurpose,
    since: DateTime<Utc>,
) -> QueryResult<(i64, Option<DateTime<Utc>>)> {
    email_tokens::table
        .filter(email_tokens::user_id.eq(user))
        .filter(email_tokens::purpose.eq(purpose.as_str()))
        .filter(email_tokens::created_at.gt(since))
        .select((count_star(), min(email_tokens::created_at)))
        .get_result(conn)
        .await
}

/// Events of `kind` with no account and this `detail` since `since`: how many, and when the
/// oldest was (it uses the `auth_events_by_user` index on its NULL user).
pub async fn count_events_without_account(
    conn: &mut AsyncPgConnection,
    kind: &str,
    detail: &str,
    since: DateTime<Utc>,
) -> QueryResult<(i64, Option<DateTime<Utc>>)> {
    auth_events::table
        .filter(auth_events::user_id.is_null())
        .filter(auth_events::at.gt(since))
        .filter(auth_events::kind.eq(kind))
        .filter(auth_events::detail.eq(detail))
        .select((count_star(), min(auth_events::at)))
        .get_result(conn)
        .await
}

/// Counts one more wrong guess of a mailed code.
pub async fn add_failed_attempt(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<()> {
    diesel::update(email_tokens::table.find(id))
        .set(email_tokens::failed_attempts.eq(email_tokens::failed_attempts + 1))
        .execute(conn)
        .await?;
    Ok(())
}

/// Stores a mailed code unless its hash is already stored; answers whether it was stored.
pub async fn insert_email_token_unless_taken(
    conn: &mut AsyncPgConnection,
    user: UserId,
    purpose: TokenPurpose,
    hash: &[u8],
    expires_at: DateTime<Utc>,
) -> QueryResult<bool> {
    let inserted = diesel::insert_into(email_tokens::table)
        .values((
            email_tokens::user_id.eq(user),
            email_tokens::purpose.eq(purpose.as_str()),
            email_tokens::token_hash.eq(hash),
            email_tokens::expires_at.eq(expires_at),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(inserted == 1)
}

pub async fn set_email(conn: &mut AsyncPgConnection, id: UserId, email: &str) -> QueryResult<User> {
    diesel::update(users::table.find(id))
        .set((users::email.eq(email), users::updated_at.eq(now)))
        .returning(User::as_returning())
        .get_result(conn)
        .await
}

pub async fn set_username(
    conn: &mut AsyncPgConnection,
    id: UserId,
    username: &str,
) -> QueryResult<User> {
    diesel::update(users::table.find(id))
        .set((users::username.eq(username), users::updated_at.eq(now)))
        .returning(User::as_returning())
        .get_result(conn)
        .await
}

pub async fn set_name(conn: &mut AsyncPgConnection, id: UserId, name: &str) -> QueryResult<User> {
    diesel::update(users::table.find(id))
        .set((users::name.eq(name), users::updated_at.eq(now)))
        .returning(User::as_returning())
        .get_result(conn)
        .await
}

/// Stores an avatar image under its content hash, unless it is stored already.
pub async fn insert_avatar(
    conn: &mut AsyncPgConnection,
    hash: &str,
    image: &[u8],
) -> QueryResult<()> {
    diesel::insert_into(avatars::table)
        .values((avatars::hash.eq(hash), avatars::image.eq(image)))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets (or clears) the avatar of a live account; answers the account as it now is.
pub async fn set_avatar(
    conn: &mut AsyncPgConnection,
    id: UserId,
    hash: Option<&str>,
) -> QueryResult<User> {
    diesel::update(users::table.find(id).filter(users::deleted_at.is_null()))
        .set((users::avatar_hash.eq(hash), users::updated_at.eq(now)))
        .returning(User::as_returning())
        .get_result(conn)
        .await
}

/// The avatar image with this hash.
pub async fn avatar_image(
    conn: &mut AsyncPgConnection,
    hash: &str,
) -> QueryResult<Option<Vec<u8>>> {
    avatars::table
        .find(hash)
        .select(avatars::image)
        .first(conn)
        .await
        .optional()
}
