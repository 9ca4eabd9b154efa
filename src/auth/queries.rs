//! SQL the viewer needs on every request: its session and account, and the session's last use.

use diesel::dsl::now;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::auth::identity::{Session, SessionId, User};
use crate::db::schema::{sessions, users};

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
