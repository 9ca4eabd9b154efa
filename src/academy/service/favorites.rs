//! Favourites: an account's favourite groups and lessons, at most 100 each, among those it may
//! see.

use diesel_async::AsyncConnection;

use crate::academy::model::{GroupId, LessonId};
use crate::academy::queries::{self, Reach};
use crate::app::App;
use crate::auth::identity::UserId;
use crate::error::{AppError, AppResult};

/// Most favourites of each kind.
pub const MAX_FAVORITES: usize = 100;

/// Replaces the account's favourites (duplicates kept once, in first place).
pub async fn set(
    app: &App,
    user: UserId,
    reach: Reach,
    mut groups: Vec<GroupId>,
    mut lessons: Vec<LessonId>,
) -> AppResult<()> {
    dedup(&mut groups);
    dedup(&mut lessons);
    if groups.len() > MAX_FAVORITES {
        return Err(AppError::bad_input(
            "groupIds",
            format!("at most {MAX_FAVORITES} favourite groups"),
        ));
    }
    if lessons.len() > MAX_FAVORITES {
        return Err(AppError::bad_input(
            "lessonIds",
            format!("at most {MAX_FAVORITES} favourite lessons"),
        ));
    }
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let (groups_seen, lessons_seen) =
            queries::count_visible(conn, reach, &groups, &lessons).await?;
        if usize::try_from(groups_seen).unwrap_or(0) != groups.len() {
            return Err(AppError::bad_input("groupIds", "no such group"));
        }
        if usize::try_from(lessons_seen).unwrap_or(0) != lessons.len() {
            return Err(AppError::bad_input("lessonIds", "no such lesson"));
        }
        Ok(queries::set_favorites(conn, user, &groups, &lessons).await?)
    })
    .await
}

fn dedup<T: PartialEq + Copy>(ids: &mut Vec<T>) {
    let mut seen: Vec<T> = Vec::with_capacity(ids.len());
    ids.retain(|id| {
        if seen.contains(id) {
            false
        } else {
            seen.push(*id);
            true
        }
    });
}
