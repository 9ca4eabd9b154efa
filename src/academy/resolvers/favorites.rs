//! `myFavorites`, `setFavorites`, and the favourites of an account.

use async_graphql::{Context, ID, Object, Result};

use crate::academy::loaders::{FavoriteGroupsOf, FavoriteLessonsOf};
use crate::academy::model::{GroupId, LessonId};
use crate::academy::queries::Reach;
use crate::academy::resolvers::types::Favorites;
use crate::academy::service::favorites;
use crate::auth::guards::{Level, MinLevel};
use crate::auth::identity::{User, UserId};
use crate::error::AppResult;
use crate::graphql::ContextExt;

/// The favourites of `user` that the viewer's reach sees.
pub async fn favorites_of(ctx: &Context<'_>, user: UserId) -> Result<Favorites> {
    let reach = Reach::signed_in(ctx.viewer())?;
    let loader = ctx.loader();
    let (groups, lessons) = futures_util::try_join!(
        loader.load_one(FavoriteGroupsOf { user, reach }),
        loader.load_one(FavoriteLessonsOf { user, reach }),
    )?;
    Ok(Favorites {
        groups: groups.unwrap_or_default(),
        lessons: lessons.unwrap_or_default(),
    })
}

fn ids<T>(field: &str, ids: Vec<ID>, wrap: fn(&str, &ID) -> AppResult<T>) -> AppResult<Vec<T>> {
    ids.iter().map(|id| wrap(field, id)).collect()
}

/// Favourite queries.
#[derive(Default)]
pub struct FavoritesQuery;

#[Object]
impl FavoritesQuery {
    /// Your favourite groups and lessons, in your order.
    #[graphql(guard = "MinLevel(Level::User)")]
    async fn my_favorites(&self, ctx: &Context<'_>) -> Result<Favorites> {
        let user = ctx.viewer().require()?.user.id;
        favorites_of(ctx, user).await
    }
}

/// Favourite mutations.
#[derive(Default)]
pub struct FavoritesMutation;

#[Object]
impl FavoritesMutation {
    /// Replaces your favourites: at most 100 groups and 100 lessons you may see, in the order
    /// given. Answers your account.
    #[graphql(guard = "MinLevel(Level::User)")]
    async fn set_favorites(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Your favourite groups, in order.")] group_ids: Vec<ID>,
        #[graphql(desc = "Your favourite lessons, in order.")] lesson_ids: Vec<ID>,
    ) -> Result<User> {
        let signed_in = ctx.viewer().require()?;
        let groups = ids("groupIds", group_ids, GroupId::parse)?;
        let lessons = ids("lessonIds", lesson_ids, LessonId::parse)?;
        let reach = Reach::signed_in(ctx.viewer())?;
        favorites::set(ctx.app(), signed_in.user.id, reach, groups, lessons).await?;
        Ok(signed_in.user.clone())
    }
}
