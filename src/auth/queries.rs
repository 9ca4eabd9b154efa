//! SQL of identity: the session and account of a viewer (read on every request), the
//! session's last use, the kiosk a kiosk token names, and accounts by id or address.

use chrono::{DateTime, Utc};
use diesel::dsl::now;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::auth::identity::{Session, SessionId, User, UserId};
use crate::db::schema::{kiosks, sessions, users};

/// These sessions and their accounts.
pub async fn sessions_with_users(
    conn: &mut AsyncPgConnection,
    ids: &[SessionId],
) -> QueryResult<Vec<(Session, User)>> {
    sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq_any(ids))
        .select((Session::as_select(), User::as_select()))
        .load(conn)
        .await
}

/// Records that these sessions were used now, those last seen before `seen_before` only
/// (a concurrent statement may have recorded it already).
pub async fn touch_sessions(
    conn: &mut AsyncPgConnection,
    ids: &[SessionId],
    seen_before: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(
        sessions::table
            .filter(sessions::id.eq_any(ids))
            .filter(sessions::last_seen_at.lt(seen_before)),
    )
    .set(sessions::last_seen_at.eq(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// Records that a session was used now.
pub async fn touch_session(conn: &mut AsyncPgConnection, id: SessionId) -> QueryResult<()> {
    diesel::update(sessions::table.find(id))
        .set(sessions::last_seen_at.eq(now))
        .execute(conn)
        .await?;
    Ok(())
}

/// The kiosk whose token has this SHA-256: its id, its company's and whether it was revoked.
pub async fn kiosk_by_token_hash(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
) -> QueryResult<Option<(i64, i64, bool)>> {
    kiosks::table
        .filter(kiosks::token_hash.eq(hash))
        .select((
            kiosks::id,
            kiosks::company_id,
            kiosks::revoked_at.is_not_null(),
        ))
        .first(conn)
        .await
        .optional()
}

/// The account with this id, deleted or not.
pub async fn user_by_id(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<Option<User>> {
    users::table
        .find(id)
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
