//! User administration: listing accounts, roles and statuses (with owner demotions that need a
//! second owner), deleting accounts, and the security history.
//!
//! The role rules (from the original attendance specification):
//! - Head managers and up may make someone USER, EMPLOYEE or MANAGER; owners and admins may make
//!   someone HEAD_MANAGER; admins may make someone OWNER; owners may make someone ADMIN (the one
//!   exception to "nobody grants above their own level": the owner appoints the technical admin)
//!   and may demote an ADMIN.
//! - Everyone acts only on accounts whose role ranks strictly below their own (roles compared,
//!   status ignored), except as stated; nobody changes their own role.
//! - ADMINs and other OWNERs may ask to demote an OWNER: that makes a pending [`RoleChange`] that
//!   applies only when an OWNER other than the one who asked confirms it; any owner may reject
//!   it; it lapses after 7 days.
//! - The last active ADMIN and the last OWNER can be neither deleted, deactivated nor demoted.
//!   Changes that could remove one take a transaction-wide advisory lock first, so two of them
//!   racing cannot both pass the check.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, Union};
use chrono::{DateTime as ChronoDateTime, Duration, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::accounts::loaders::UserById;
use crate::accounts::model::{AccountStatus, Role, User, UserId};
use crate::accounts::notices;
use crate::accounts::queries::{self, NewAuthEvent, RoleChangeRow, UserFilter, UserOrder};
use crate::app::App;
use crate::auth::guards::{Level, MinLevel};
use crate::auth::passwords::Verified;
use crate::auth::viewer::{SignedIn, Viewer};
use crate::error::{AppError, AppResult};
use crate::graphql::ContextExt;
use crate::graphql::pagination::{ListConnection, PageArgs, TotalCount, connection_complexity};
use crate::graphql::scalars::DateTime;

/// How long a request to demote an owner waits for a second owner.
pub const ROLE_CHANGE_LIFETIME: Duration = Duration::days(7);

/// What a role change by `actor` to `target` amounts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleDecision {
    /// It applies at once.
    Apply,
    /// It waits for an owner's confirmation.
    Request,
    /// It is not allowed.
    Forbidden,
}

/// Applies the role rules: may `actor` move an account from `current` to `new`?
pub fn role_decision(actor: Role, current: Role, new: Role) -> RoleDecision {
    use Role::*;
    if current == Owner && new != Owner && matches!(actor, Admin | Owner) {
        return RoleDecision::Request;
    }
    let may_grant = match new {
        User | Employee | Manager => actor >= HeadManager,
        HeadManager => matches!(actor, Owner | Admin),
        Owner => actor == Admin,
        Admin => actor == Owner,
    };
    let may_act = current < actor || (actor == Owner && current == Admin);
    if may_grant && may_act {
        RoleDecision::Apply
    } else {
        RoleDecision::Forbidden
    }
}

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

impl From<UsersOrder> for UserOrder {
    fn from(order: UsersOrder) -> Self {
        match order {
            UsersOrder::Username => Self::Username,
            UsersOrder::Name => Self::Name,
            UsersOrder::Newest => Self::Newest,
            UsersOrder::Oldest => Self::Oldest,
        }
    }
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
        filter: Option<UsersFilter>,
        #[graphql(desc = "The order; USERNAME when left out.")] order_by: Option<UsersOrder>,
    ) -> Result<ListConnection<(String, i64), User>> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .page::<(String, i64)>()?;
        let filter = filter.unwrap_or_default();
        let filter = UserFilter {
            role: filter.role,
            status: filter.status,
            search: filter
                .search
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty()),
        };
        let order = UserOrder::from(order_by.unwrap_or_default());
        let mut conn = ctx.conn().await?;
        let rows = queries::list_users(&mut conn, &filter, order, &page)
            .await
            .map_err(AppError::from)?;
        let app = ctx.app().clone();
        let total = TotalCount::new(move || {
            let (app, filter) = (app.clone(), filter.clone());
            async move {
                let mut conn = app.pool.get().await?;
                Ok(queries::count_users(&mut conn, &filter).await?)
            }
        });
        Ok(page.connection(rows, move |user| order.key(user), total))
    }

    /// Requests to demote an owner that wait for a decision (owners only).
    async fn pending_role_changes(&self, ctx: &Context<'_>) -> Result<Vec<RoleChange>> {
        require_owner(ctx.viewer())?;
        let mut conn = ctx.conn().await?;
        let rows = queries::pending_role_changes(&mut conn)
            .await
            .map_err(AppError::from)?;
        Ok(rows.into_iter().map(RoleChange).collect())
    }

    /// The sign-in and security history of an account, newest first: sign-ins, failures,
    /// sessions ended, password, email, role and status changes. Your own (leave out `userId`),
    /// or anyone's for an admin.
    #[graphql(complexity = "connection_complexity(first, None, child_complexity)")]
    async fn auth_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account; yourself when left out.")] user_id: Option<ID>,
        #[graphql(desc = "At most this many events.")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<ListConnection<(ChronoDateTime<Utc>, i64), AuthEvent>> {
        let viewer = ctx.viewer();
        let signed_in = viewer.require()?;
        let user = match user_id {
            Some(id) => UserId::parse("userId", &id)?,
            None => signed_in.user.id,
        };
        if user != signed_in.user.id && viewer.level() < Level::Admin {
            return Err(AppError::Forbidden.into());
        }
        let page = PageArgs {
            first,
            after,
            last: None,
            before: None,
        }
        .page::<(ChronoDateTime<Utc>, i64)>()?;
        let mut conn = ctx.conn().await?;
        let rows = queries::auth_events(&mut conn, user, &page)
            .await
            .map_err(AppError::from)?;
        let app = ctx.app().clone();
        let total = TotalCount::new(move || {
            let app = app.clone();
            async move {
                let mut conn = app.pool.get().await?;
                Ok(queries::count_auth_events(&mut conn, user).await?)
            }
        });
        Ok(page.connection(
            rows.into_iter().map(AuthEvent).collect(),
            |event| (event.0.at, event.0.id),
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
        user_id: ID,
        status: AccountStatus,
    ) -> Result<User> {
        let target = UserId::parse("userId", &user_id)?;
        Ok(set_status(ctx.app(), ctx.viewer(), target, status).await?)
    }

    /// Changes an account's role, following the role rules. Demoting an OWNER answers a
    /// pending `RoleChange` instead: it applies when another owner confirms it.
    #[graphql(guard = "MinLevel(Level::HeadManager)")]
    async fn set_user_role(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        role: Role,
    ) -> Result<SetUserRoleResult> {
        let target = UserId::parse("userId", &user_id)?;
        Ok(set_role(ctx.app(), ctx.viewer(), target, role).await?)
    }

    /// Confirms a pending demotion of an owner (owners only, and not the one who asked).
    async fn confirm_role_change(&self, ctx: &Context<'_>, id: ID) -> Result<User> {
        let id = parse_id("id", &id)?;
        Ok(decide(ctx.app(), ctx.viewer(), id, true)
            .await?
            .ok_or(AppError::NotFound("role change"))?)
    }

    /// Rejects a pending demotion of an owner (any owner).
    async fn reject_role_change(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let id = parse_id("id", &id)?;
        decide(ctx.app(), ctx.viewer(), id, false).await?;
        Ok(true)
    }

    /// Deletes your own account (with your password). It is anonymised: email, username, name
    /// and avatar are cleared and every session ends; its id stays so records keep their
    /// author. The last active admin and the last owner cannot.
    #[graphql(guard = "MinLevel(Level::Limited)")]
    async fn delete_account(&self, ctx: &Context<'_>, password: String) -> Result<bool> {
        let signed_in = ctx.viewer().require()?;
        let stored = signed_in.user.password_hash.clone();
        match ctx.app().hasher.verify(password, stored).await? {
            Verified::Yes { .. } => {}
            Verified::No => {
                return Err(AppError::bad_input("password", "the password is wrong").into());
            }
        }
        Ok(delete(ctx.app(), signed_in, signed_in.user.id).await?)
    }

    /// Deletes (anonymises) another account (admins, on accounts ranking below their own).
    #[graphql(guard = "MinLevel(Level::Admin)")]
    async fn delete_user(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let target = UserId::parse("id", &id)?;
        let signed_in = ctx.viewer().require()?;
        if target == signed_in.user.id {
            return Err(AppError::Forbidden.into());
        }
        Ok(delete(ctx.app(), signed_in, target).await?)
    }
}

fn parse_id(field: &str, id: &ID) -> AppResult<i64> {
    id.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| AppError::bad_input(field, "not a valid id"))
}

fn require_owner(viewer: &Viewer) -> AppResult<&SignedIn> {
    let signed_in = viewer.require()?;
    if viewer.level() == Level::Owner {
        Ok(signed_in)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Locks out every other change that could remove the last admin or owner until the
/// transaction ends.
async fn lock_privileged(conn: &mut AsyncPgConnection) -> AppResult<()> {
    queries::advisory_xact_lock(conn, "rollcall:privileged-accounts").await?;
    Ok(())
}

/// Refuses a change that would leave no active admin or no owner.
async fn keep_last_privileged(
    conn: &mut AsyncPgConnection,
    target: &User,
    new_role: Role,
    new_status: AccountStatus,
    deleting: bool,
) -> AppResult<()> {
    let loses_admin = target.role == Role::Admin
        && target.status == AccountStatus::Active
        && (deleting || new_role != Role::Admin || new_status != AccountStatus::Active);
    if loses_admin && queries::count_privileged(conn, Role::Admin, true).await? <= 1 {
        return Err(AppError::Conflict {
            field: None,
            message: "this is the last active admin".into(),
        });
    }
    let loses_owner = target.role == Role::Owner && (deleting || new_role != Role::Owner);
    if loses_owner && queries::count_privileged(conn, Role::Owner, false).await? <= 1 {
        return Err(AppError::Conflict {
            field: None,
            message: "this is the last owner".into(),
        });
    }
    Ok(())
}

/// The live target of an administration, refused unless it ranks below the actor.
async fn target_below(
    conn: &mut AsyncPgConnection,
    actor: &User,
    target: UserId,
) -> AppResult<User> {
    let user = queries::user_by_id(conn, target)
        .await?
        .filter(|user| user.deleted_at.is_none())
        .ok_or(AppError::NotFound("user"))?;
    if user.id == actor.id || user.role >= actor.role {
        return Err(AppError::Forbidden);
    }
    Ok(user)
}

async fn set_status(
    app: &App,
    viewer: &Viewer,
    target: UserId,
    status: AccountStatus,
) -> AppResult<User> {
    let actor = &viewer.require()?.user;
    if status == AccountStatus::Unconfirmed {
        return Err(AppError::bad_input(
            "status",
            "an account cannot be made unconfirmed",
        ));
    }
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        lock_privileged(conn).await?;
        let user = target_below(conn, actor, target).await?;
        if user.status == status {
            return Ok(user);
        }
        keep_last_privileged(conn, &user, user.role, status, false).await?;
        let updated = queries::set_status(conn, user.id, status).await?;
        if status == AccountStatus::Inactive {
            let ended =
                queries::revoke_sessions(conn, user.id, None, None, "account deactivated").await?;
            queries::notify_revoked(conn, &ended).await?;
        }
        record_change(
            conn,
            &user,
            actor,
            "STATUS_CHANGED",
            user.status.as_str(),
            status.as_str(),
        )
        .await?;
        let text = format!(
            "your Rollcall account is now {}.",
            status.as_str().to_lowercase()
        );
        notices::send(conn, &user, None, "Your account status changed", &text).await?;
        Ok(updated)
    })
    .await
}

async fn set_role(
    app: &App,
    viewer: &Viewer,
    target: UserId,
    role: Role,
) -> AppResult<SetUserRoleResult> {
    let actor = &viewer.require()?.user;
    if target == actor.id {
        return Err(AppError::Forbidden);
    }
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        lock_privileged(conn).await?;
        let user = queries::user_by_id(conn, target)
            .await?
            .filter(|user| user.deleted_at.is_none())
            .ok_or(AppError::NotFound("user"))?;
        if user.role == role {
            return Ok(SetUserRoleResult::User(user));
        }
        match role_decision(actor.role, user.role, role) {
            RoleDecision::Forbidden => Err(AppError::Forbidden),
            RoleDecision::Request => {
                let request = queries::insert_role_change(
                    conn,
                    user.id,
                    user.role,
                    role,
                    actor.id,
                    Utc::now() + ROLE_CHANGE_LIFETIME,
                )
                .await
                .map_err(|err| match err {
                    diesel::result::Error::DatabaseError(
                        diesel::result::DatabaseErrorKind::UniqueViolation,
                        _,
                    ) => AppError::Conflict {
                        field: Some("userId".into()),
                        message: "a change of this owner's role is already pending".into(),
                    },
                    other => other.into(),
                })?;
                record_change(
                    conn,
                    &user,
                    actor,
                    "ROLE_CHANGE_REQUESTED",
                    user.role.as_str(),
                    role.as_str(),
                )
                .await?;
                Ok(SetUserRoleResult::RoleChange(RoleChange(request)))
            }
            RoleDecision::Apply => {
                let updated = apply_role(conn, &user, actor, role).await?;
                Ok(SetUserRoleResult::User(updated))
            }
        }
    })
    .await
}

async fn apply_role(
    conn: &mut AsyncPgConnection,
    user: &User,
    actor: &User,
    role: Role,
) -> AppResult<User> {
    keep_last_privileged(conn, user, role, user.status, false).await?;
    let updated = queries::set_role(conn, user.id, role).await?;
    record_change(
        conn,
        user,
        actor,
        "ROLE_CHANGED",
        user.role.as_str(),
        role.as_str(),
    )
    .await?;
    let text = format!(
        "your role in Rollcall changed from {} to {}.",
        user.role.as_str(),
        role.as_str()
    );
    notices::send(conn, user, None, "Your role changed", &text).await?;
    Ok(updated)
}

/// Confirms (`confirm`) or rejects a pending role change; answers the account when confirmed.
async fn decide(app: &App, viewer: &Viewer, id: i64, confirm: bool) -> AppResult<Option<User>> {
    let owner = &require_owner(viewer)?.user;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        lock_privileged(conn).await?;
        let request = queries::role_change_for_update(conn, id)
            .await?
            .ok_or(AppError::NotFound("role change"))?;
        if request.status != "PENDING" {
            return Err(AppError::Conflict {
                field: Some("id".into()),
                message: format!("this request is already {}", request.status.to_lowercase()),
            });
        }
        if request.expires_at <= Utc::now() {
            queries::close_role_change(conn, id, "EXPIRED", None).await?;
            return Err(AppError::Conflict {
                field: Some("id".into()),
                message: "this request has expired".into(),
            });
        }
        if !confirm {
            queries::close_role_change(conn, id, "REJECTED", Some(owner.id)).await?;
            return Ok(None);
        }
        if request.requested_by == owner.id {
            return Err(AppError::Forbidden);
        }
        let user = queries::user_by_id(conn, request.user_id)
            .await?
            .filter(|user| user.deleted_at.is_none() && user.role == request.from_role)
            .ok_or_else(|| AppError::Conflict {
                field: Some("id".into()),
                message: "the account changed since the request was made".into(),
            })?;
        queries::close_role_change(conn, id, "CONFIRMED", Some(owner.id)).await?;
        Ok(Some(apply_role(conn, &user, owner, request.to_role).await?))
    })
    .await
}

/// Anonymises account `target`: its sessions end and its email and username are freed.
async fn delete(app: &App, actor: &SignedIn, target: UserId) -> AppResult<bool> {
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        lock_privileged(conn).await?;
        let user = if target == actor.user.id {
            actor.user.clone()
        } else {
            target_below(conn, &actor.user, target).await?
        };
        keep_last_privileged(conn, &user, user.role, user.status, true).await?;
        let ended = queries::revoke_sessions(conn, user.id, None, None, "account deleted").await?;
        queries::notify_revoked(conn, &ended).await?;
        queries::anonymise_user(conn, user.id).await?;
        let detail =
            (target != actor.user.id).then(|| format!("deleted by account {}", actor.user.id));
        queries::record_event(
            conn,
            NewAuthEvent {
                user: Some(user.id),
                session: None,
                kind: "ACCOUNT_DELETED",
                client: None,
                detail: detail.as_deref(),
            },
        )
        .await?;
        Ok(true)
    })
    .await
}

async fn record_change(
    conn: &mut AsyncPgConnection,
    user: &User,
    actor: &User,
    kind: &str,
    from: &str,
    to: &str,
) -> AppResult<()> {
    queries::record_change(conn, user.id, actor.id, kind, from, to).await?;
    Ok(())
}

/// A request to change an owner's role, waiting for another owner.
pub struct RoleChange(RoleChangeRow);

/// Where a role change request stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum RoleChangeStatus {
    /// Waiting for an owner.
    Pending,
    /// Confirmed: the role changed.
    Confirmed,
    /// Rejected by an owner.
    Rejected,
    /// Not decided within 7 days.
    Expired,
}

#[Object]
impl RoleChange {
    /// The request id (for `confirmRoleChange` and `rejectRoleChange`).
    async fn id(&self) -> ID {
        ID::from(self.0.id)
    }

    /// The owner whose role would change.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(ctx.loader::<UserById>().load_one(self.0.user_id).await?)
    }

    /// The role when the request was made.
    async fn from_role(&self) -> Role {
        self.0.from_role
    }

    /// The role asked for.
    async fn to_role(&self) -> Role {
        self.0.to_role
    }

    /// Who asked.
    async fn requested_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(ctx
            .loader::<UserById>()
            .load_one(self.0.requested_by)
            .await?)
    }

    /// Where the request stands.
    async fn status(&self) -> RoleChangeStatus {
        match self.0.status.as_str() {
            "CONFIRMED" => RoleChangeStatus::Confirmed,
            "REJECTED" => RoleChangeStatus::Rejected,
            "EXPIRED" => RoleChangeStatus::Expired,
            _ if self.0.expires_at <= Utc::now() => RoleChangeStatus::Expired,
            _ => RoleChangeStatus::Pending,
        }
    }

    /// When it was asked for.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    /// When it lapses unless decided.
    async fn expires_at(&self) -> DateTime {
        DateTime(self.0.expires_at)
    }
}

/// An entry of an account's security history.
pub struct AuthEvent(queries::AuthEventRow);

#[Object]
impl AuthEvent {
    /// The event id.
    async fn id(&self) -> ID {
        ID::from(self.0.id)
    }

    /// What happened: SIGN_IN, SIGN_IN_FAILED, REFRESH_REPLAY, LOGOUT, LOGOUT_ALL,
    /// SESSION_REVOKED, REGISTERED, EMAIL_CONFIRMED, PASSWORD_CHANGED, ROLE_CHANGED,
    /// STATUS_CHANGED, ACCOUNT_DELETED, …
    async fn kind(&self) -> &str {
        &self.0.kind
    }

    /// When it happened.
    async fn at(&self) -> DateTime {
        DateTime(self.0.at)
    }

    /// The client address.
    async fn ip_address(&self) -> Option<String> {
        self.0.ip.map(|ip| ip.addr().to_string())
    }

    /// The client's User-Agent.
    async fn user_agent(&self) -> Option<&str> {
        self.0.user_agent.as_deref()
    }

    /// The session concerned, if any.
    async fn session_id(&self) -> Option<ID> {
        self.0.session_id.map(ID::from)
    }

    /// Who made the change, when it was not the account itself.
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        match self.0.actor_id {
            Some(actor) => Ok(ctx.loader::<UserById>().load_one(actor).await?),
            None => Ok(None),
        }
    }

    /// For role and status changes: the value before.
    async fn from_value(&self) -> Option<&str> {
        self.0.from_value.as_deref()
    }

    /// For role and status changes: the value after.
    async fn to_value(&self) -> Option<&str> {
        self.0.to_value.as_deref()
    }

    /// More about the event.
    async fn detail(&self) -> Option<&str> {
        self.0.detail.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;

    #[test]
    fn role_rules() {
        let cases = [
            (HeadManager, User, Manager, RoleDecision::Apply),
            (HeadManager, Employee, HeadManager, RoleDecision::Forbidden),
            (HeadManager, Manager, Employee, RoleDecision::Apply),
            (HeadManager, HeadManager, Manager, RoleDecision::Forbidden),
            (Owner, Manager, HeadManager, RoleDecision::Apply),
            (Owner, User, Owner, RoleDecision::Forbidden),
            (Owner, HeadManager, Admin, RoleDecision::Apply),
            (Owner, Admin, Manager, RoleDecision::Apply),
            (Owner, Owner, Manager, RoleDecision::Request),
            (Admin, User, Owner, RoleDecision::Apply),
            (Admin, Owner, HeadManager, RoleDecision::Request),
            (Admin, User, Admin, RoleDecision::Forbidden),
            (Admin, Admin, User, RoleDecision::Forbidden),
            (Manager, User, Employee, RoleDecision::Forbidden),
        ];
        for (actor, current, new, expected) in cases {
            assert_eq!(
                role_decision(actor, current, new),
                expected,
                "{actor:?} {current:?} -> {new:?}"
            );
        }
    }
}
