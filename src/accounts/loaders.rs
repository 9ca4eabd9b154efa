//! DataLoaders of the accounts area: every relation is fetched in one query per request level.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;

use crate::accounts::model::{Session, User, UserId};
use crate::accounts::queries;
use crate::db::Pool;
use crate::error::{SharedError, shared};

/// Accounts by id.
pub struct UserById(pub Pool);

impl Loader<UserId> for UserById {
    type Value = User;
    type Error = SharedError;

    async fn load(&self, ids: &[UserId]) -> Result<HashMap<UserId, User>, Self::Error> {
        let mut conn = self.0.get().await.map_err(shared)?;
        let users = queries::users_by_ids(&mut conn, ids)
            .await
            .map_err(shared)?;
        Ok(users.into_iter().map(|user| (user.id, user)).collect())
    }
}

/// The live sessions of each account, newest first.
pub struct LiveSessionsByUser(pub Pool);

impl Loader<UserId> for LiveSessionsByUser {
    type Value = Vec<Session>;
    type Error = SharedError;

    async fn load(&self, ids: &[UserId]) -> Result<HashMap<UserId, Vec<Session>>, Self::Error> {
        let mut conn = self.0.get().await.map_err(shared)?;
        let sessions = queries::live_sessions_of(&mut conn, ids)
            .await
            .map_err(shared)?;
        let mut by_user: HashMap<UserId, Vec<Session>> =
            ids.iter().map(|id| (*id, Vec::new())).collect();
        for session in sessions {
            by_user.entry(session.user_id).or_default().push(session);
        }
        Ok(by_user)
    }
}
