//! The academy's relations, each loaded in one statement per request level through the
//! request's [`Loaders`]. Relations of a record the viewer reached are not scoped again (a
//! lesson's group, a group's location); lists of an account's favourites are, by the reach of
//! the viewer.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;

use crate::academy::model::{Group, GroupId, Lesson, Location, LocationId};
use crate::academy::queries::{self, LessonWindow, Reach};
use crate::auth::identity::UserId;
use crate::error::{SharedError, shared};
use crate::graphql::loaders::Loaders;

impl Loader<LocationId> for Loaders {
    type Value = Location;
    type Error = SharedError;

    async fn load(&self, ids: &[LocationId]) -> Result<HashMap<LocationId, Location>, Self::Error> {
        let mut conn = self.conn().await?;
        let rows = queries::locations_by_ids(&mut conn, Reach::All, ids)
            .await
            .map_err(shared)?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

impl Loader<GroupId> for Loaders {
    type Value = Group;
    type Error = SharedError;

    async fn load(&self, ids: &[GroupId]) -> Result<HashMap<GroupId, Group>, Self::Error> {
        let mut conn = self.conn().await?;
        let rows = queries::groups_by_ids(&mut conn, Reach::All, ids)
            .await
            .map_err(shared)?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

/// A page of a group's lessons, earliest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LessonsPage {
    pub group: GroupId,
    pub window: LessonWindow,
}

impl Loader<LessonsPage> for Loaders {
    type Value = Vec<Lesson>;
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[LessonsPage],
    ) -> Result<HashMap<LessonsPage, Vec<Lesson>>, Self::Error> {
        let mut conn = self.conn().await?;
        let mut found: HashMap<LessonsPage, Vec<Lesson>> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        let mut windows: HashMap<LessonWindow, Vec<GroupId>> = HashMap::new();
        for key in keys {
            windows.entry(key.window).or_default().push(key.group);
        }
        for (window, groups) in windows {
            for lesson in queries::lessons_of_groups(&mut conn, &groups, &window)
                .await
                .map_err(shared)?
            {
                found
                    .entry(LessonsPage {
                        group: lesson.group_id,
                        window,
                    })
                    .or_default()
                    .push(lesson);
            }
        }
        Ok(found)
    }
}

/// An account's favourite groups that a viewer's reach sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FavoriteGroupsOf {
    pub user: UserId,
    pub reach: Reach,
}

impl Loader<FavoriteGroupsOf> for Loaders {
    type Value = Vec<Group>;
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[FavoriteGroupsOf],
    ) -> Result<HashMap<FavoriteGroupsOf, Vec<Group>>, Self::Error> {
        let mut conn = self.conn().await?;
        let mut found: HashMap<FavoriteGroupsOf, Vec<Group>> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        let mut reaches: HashMap<Reach, Vec<UserId>> = HashMap::new();
        for key in keys {
            reaches.entry(key.reach).or_default().push(key.user);
        }
        for (reach, users) in reaches {
            for (user, group) in queries::favorite_groups_of(&mut conn, reach, &users)
                .await
                .map_err(shared)?
            {
                found
                    .entry(FavoriteGroupsOf { user, reach })
                    .or_default()
                    .push(group);
            }
        }
        Ok(found)
    }
}

/// An account's favourite lessons that a viewer's reach sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FavoriteLessonsOf {
    pub user: UserId,
    pub reach: Reach,
}

impl Loader<FavoriteLessonsOf> for Loaders {
    type Value = Vec<Lesson>;
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[FavoriteLessonsOf],
    ) -> Result<HashMap<FavoriteLessonsOf, Vec<Lesson>>, Self::Error> {
        let mut conn = self.conn().await?;
        let mut found: HashMap<FavoriteLessonsOf, Vec<Lesson>> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        let mut reaches: HashMap<Reach, Vec<UserId>> = HashMap::new();
        for key in keys {
            reaches.entry(key.reach).or_default().push(key.user);
        }
        for (reach, users) in reaches {
            for (user, lesson) in queries::favorite_lessons_of(&mut conn, reach, &users)
                .await
                .map_err(shared)?
            {
                found
                    .entry(FavoriteLessonsOf { user, reach })
                    .or_default()
                    .push(lesson);
            }
        }
        Ok(found)
    }
}

/// How many lessons of a group end after `from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LessonCount {
    pub group: GroupId,
    pub from: Option<chrono::DateTime<chrono::Utc>>,
}

impl Loader<LessonCount> for Loaders {
    type Value = i64;
    type Error = SharedError;

    async fn load(&self, keys: &[LessonCount]) -> Result<HashMap<LessonCount, i64>, Self::Error> {
        let mut conn = self.conn().await?;
        let mut found: HashMap<LessonCount, i64> = keys.iter().map(|key| (*key, 0)).collect();
        let mut windows: HashMap<Option<chrono::DateTime<chrono::Utc>>, Vec<GroupId>> =
            HashMap::new();
        for key in keys {
            windows.entry(key.from).or_default().push(key.group);
        }
        for (from, groups) in windows {
            for (group, n) in queries::count_lessons_of_groups(&mut conn, &groups, from)
                .await
                .map_err(shared)?
            {
                found.insert(LessonCount { group, from }, n);
            }
        }
        Ok(found)
    }
}
