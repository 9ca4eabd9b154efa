//! The accounts area's relations, each loaded in one query per request level through the
//! request's [`Loaders`].

use std::collections::HashMap;

use async_graphql::dataloader::Loader;

use crate::accounts::queries;
use crate::auth::identity::{Session, User, UserId};
use crate::error::{SharedError, shared};
use crate::graphql::loaders::{Loaders, split};

/// Accounts by id.
impl Loader<UserId> for Loaders {
    type Value = User;
    type Error = SharedError;

    async fn load(&self, ids: &[UserId]) -> Result<HashMap<UserId, User>, Self::Error> {
        let mut conn = self.conn().await?;
        let users = queries::users_by_ids(&mut conn, ids)
            .await
            .map_err(shared)?;
        Ok(users.into_iter().map(|user| (user.id, user)).collect())
    }
}

/// The live sessions of an account, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LiveSessionsOf(pub UserId);

impl Loader<LiveSessionsOf> for Loaders {
    type Value = Vec<Session>;
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[LiveSessionsOf],
    ) -> Result<HashMap<LiveSessionsOf, Vec<Session>>, Self::Error> {
        let ids: Vec<UserId> = keys.iter().map(|key| key.0).collect();
        let mut conn = self.conn().await?;
        let sessions = queries::live_sessions_of(&mut conn, &ids)
            .await
            .map_err(shared)?;
        let mut by_user: HashMap<LiveSessionsOf, Vec<Session>> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        for session in sessions {
            by_user
                .entry(LiveSessionsOf(session.user_id))
                .or_default()
                .push(session);
        }
        Ok(by_user)
    }
}

/// An account that shares a company with `viewer` (the viewer travels with the key, so one
/// request's keys all carry the same one). Loads to `()` when it does, to nothing otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SharesCompany {
    pub viewer: UserId,
    pub user: UserId,
}

impl Loader<SharesCompany> for Loaders {
    type Value = ();
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[SharesCompany],
    ) -> Result<HashMap<SharesCompany, ()>, Self::Error> {
        let mut found = HashMap::new();
        let mut conn = self.conn().await?;
        for (viewer, users) in split(keys, |key| (key.viewer, key.user)) {
            let sharing = queries::sharing_a_company(&mut conn, viewer, &users)
                .await
                .map_err(shared)?;
            found.extend(
                sharing
                    .into_iter()
                    .map(|user| (SharesCompany { viewer, user }, ())),
            );
        }
        Ok(found)
    }
}
