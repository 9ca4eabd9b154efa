//! SQL the viewer needs on every request: its session and account, and the session's last use;
//! or the kiosk a kiosk token names.

use diesel::dsl::now;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::auth::identity::{Session, SessionId, User};
use crate::db::schema::{kiosks, sessions, users};

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
