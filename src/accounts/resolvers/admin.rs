//! User administration: `users`, `pendingRoleChanges`, `authEvents`, `setUserStatus`,
//! `setUserRole`, `confirmRoleChange`, `rejectRoleChange`, `deleteAccount`, `deleteUser`.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, Union};

use crate::accounts::model::{UserFilter, UserOrder};
use crate::accounts::queries;
use crate::accounts::resolvers::types::{AuthEvent, RoleChange};
use crate::accounts::service::admin::{self, RoleOutcome};
use crate::accounts::service::checks::client_info;
use crate::auth::guards::{Level, MinLevel, OnlyLevel, SelfOr};
use crate::auth::identity::{AccountStatus, Role, User, UserId};
use crate::auth::scope::Scope;
use crate::error::{AppError, AppResult};
use crate::graphql::ContextExt;
use crate::graphql::pagination::{
    ListConnection, PageArgs, SortKey, TotalCount, connection_complexity,
};

/// Administration queries.
#[derive(Default)]
pub struct AdminQuery;

/// How `users` filters accounts.
#[derive(InputObject, Default)]
pub struct UsersFilter {
    /// Only accounts with this role.
    pub role: Option<Role>,
    /// Only accounts with this status.
    pub status: Option<AccountStatus>,
    /// Only accounts whose name, username or email contains this text (any case).
    pub search: Option<String>,
}

/// The order of `users`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
#[graphql(remote = "UserOrder")]
pub enum UsersOrder {
    /// By username, a to z (the default).
    #[default]
    Username,
    /// By display name, a to z.
    Name,
    /// Newest accounts first.
    Newest,
    /// Oldest accounts first.
    Oldest,
}

#[Object]
impl AdminQuery {
    /// The accounts (managers and up), 20 a page by default, at most 100. Deleted accounts are
    /// not listed.
    #[graphql(
        guard = "MinLevel(Level::Manager)",
        complexity = "connection_complexity(first, last, child_complexity)"
    )]
    // Relay's paging arguments are flat by convention, so the count is what it is.
    #[allow(clippy::too_many_arguments)]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page forward: at most this many accounts after `after`.")] first: Option<
            i32,
        >,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page backward: at most this many accounts before `before`.")]
        last: Option<i32>,
        #[graphql(desc = "The `startCursor` of the next page.")] before: Option<String>,
        #[graphql(desc = "Which accounts to list; all when left out.")] filter: Option<UsersFilter>,
        #[graphql(desc = "The order; USERNAME when left out.")] order_by: Option<UsersOrder>,
    ) -> Result<ListConnection<SortKey, User>> {
        let order = UserOrder::from(order_by.unwrap_or_default());
        let keyset = order.keyset();
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .page_in(&keyset)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let filter = filter.unwrap_or_default();
        let filter = UserFilter {
            role: filter.role,
            status: filter.status,
            search: filter
                .search
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty()),
        };
        let mut conn = ctx.conn().await?;
        let rows = queries::list_users(&mut conn, scope, &filter, &keyset, &page)
            .await
            .map_err(AppError::from)?;
        let total = TotalCount::query(ctx.app().pool.clone(), move |mut conn| {
            let filter = filter.clone();
            async move { queries::count_users(&mut conn, scope, &filter).await }
        });
        Ok(page.connection(rows, |user| order.key(&keyset, user), total))
    }

    /// Requests to demote an owner that wait for a decision (owners only).
    #[graphql(guard = "OnlyLevel(Level::Owner)")]
    async fn pending_role_changes(&self, ctx: &Context<'_>) -> Result<Vec<RoleChange>> {
        let mut conn = ctx.conn().await?;
        let rows = queries::pending_role_changes(&mut conn)
            .await
            .map_err(AppError::from)?;
        Ok(rows.into_iter().map(RoleChange).collect())
    }

    /// The sign-in and security history of an account, newest first: sign-ins, failures,
    /// sessions ended, password, email, role and status changes. Your own (leave out `userId`),
    /// or anyone's for an admin.
    #[graphql(
        guard = "SelfOr::argument(user_id.as_ref(), Level::Admin)",
        complexity = "connection_complexity(first, None, child_complexity)"
    )]
    async fn auth_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account; yourself when left out.")] user_id: Option<ID>,
        #[graphql(desc = "At most this many events.")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<ListConnection<SortKey, AuthEvent>> {
        let viewer = ctx.viewer();
        let scope = Scope::of(viewer, Level::Admin)?;
        let user = match user_id {
            Some(id) => UserId::parse("userId", &id)?,
            None => viewer.require()?.user.id,
        };
        let keyset = queries::auth_events_keyset();
        let page = PageArgs {
            first,
            after,
            last: None,
            before: None,
        }
        .page_in(&keyset)?;
        let mut conn = ctx.conn().await?;
        let rows = queries::auth_events(&mut conn, scope, user, &keyset, &page)
            .await
            .map_err(AppError::from)?;
        let total = TotalCount::query(ctx.app().pool.clone(), move |mut conn| async move {
            queries::count_auth_events(&mut conn, scope, user).await
        });
        Ok(page.connection(
            rows.into_iter().map(AuthEvent).collect(),
            |event| keyset.key([event.0.at.into(), event.0.id.into()]),
            total,
        ))
    }
}

/// What `setUserRole` did.
#[derive(Union)]
pub enum SetUserRoleResult {
    /// The role changed at once.
    User(User),
    /// Demoting an owner: the request waits for another owner's confirmation.
    RoleChange(RoleChange),
}

/// Administration mutations.
#[derive(Default)]
pub struct AdminMutation;

#[Object]
impl AdminMutation {
    /// Sets an account's status (head managers and up, on accounts whose role ranks below
    /// their own). INACTIVE ends all of the account's sessions at once; UNCONFIRMED cannot be
    /// set.
    #[graphql(guard = "MinLevel(Level::HeadManager)")]
    async fn set_user_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account to change.")] user_id: ID,
        #[graphql(desc = "The new status: ACTIVE or INACTIVE.")] status: AccountStatus,
    ) -> Result<User> {
        let target = UserId::parse("userId", &user_id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        Ok(admin::set_status(ctx.app(), ctx.viewer(), scope, target, status).await?)
    }

    /// Changes an account's role, following the role rules. Demoting an OWNER answers a
    /// pending `RoleChange` instead: it applies when another owner confirms it.
    #[graphql(guard = "MinLevel(Level::HeadManager)")]
    async fn set_user_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account to change.")] user_id: ID,
        #[graphql(desc = "The new role.")] role: Role,
    ) -> Result<SetUserRoleResult> {
        let target = UserId::parse("userId", &user_id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        Ok(
            match admin::set_role(ctx.app(), ctx.viewer(), scope, target, role).await? {
                RoleOutcome::Applied(user) => SetUserRoleResult::User(user),
                RoleOutcome::Requested(request) => {
                    SetUserRoleResult::RoleChange(RoleChange(request))
                }
            },
        )
    }

    /// Confirms a pending demotion of an owner (owners only, and not the one who asked).
    #[graphql(guard = "OnlyLevel(Level::Owner)")]
    async fn confirm_role_change(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request (`RoleChange.id`).")] id: ID,
    ) -> Result<User> {
        let id = parse_id("id", &id)?;
        Ok(admin::decide(ctx.app(), ctx.viewer(), id, true)
            .await?
            .ok_or(AppError::NotFound("role change"))?)
    }

    /// Rejects a pending demotion of an owner (any owner).
    #[graphql(guard = "OnlyLevel(Level::Owner)")]
    async fn reject_role_change(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request (`RoleChange.id`).")] id: ID,
    ) -> Result<bool> {
        let id = parse_id("id", &id)?;
        admin::decide(ctx.app(), ctx.viewer(), id, false).await?;
        Ok(true)
    }

    /// Deletes your own account (with your password). It is anonymised: email, username, name
    /// and avatar are cleared and every session ends; its id stays so records keep their
    /// author. The last active admin and the last owner cannot. A wrong `password` is
    /// BAD_USER_INPUT and counts as a failed sign-in (RATE_LIMITED after 10 within 15
    /// minutes).
    #[graphql(guard = "MinLevel(Level::Limited)")]
    async fn delete_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Your current password, to confirm that it is you.")] password: String,
    ) -> Result<bool> {
        let client = client_info(ctx.meta(), None)?;
        Ok(admin::delete_account(ctx.app(), &client, ctx.viewer(), password).await?)
    }

    /// Deletes (anonymises) another account (admins, on accounts ranking below their own).
    #[graphql(guard = "MinLevel(Level::Admin)")]
    async fn delete_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account to delete.")] id: ID,
    ) -> Result<bool> {
        let target = UserId::parse("id", &id)?;
        Ok(admin::delete_user(ctx.app(), ctx.viewer(), target).await?)
    }
}

fn parse_id(field: &str, id: &ID) -> AppResult<i64> {
    id.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| AppError::bad_input(field, "not a valid id"))
}
