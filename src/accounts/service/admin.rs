//! User administration: roles and statuses (with owner demotions that need a second owner) and
//! deleting accounts.
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

use chrono::{Duration, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::accounts::model::{ClientInfo, NewAuthEvent, ROLE_CHANGE_PENDING, RoleChangeRow};
use crate::accounts::queries;
use crate::accounts::service::audit::{self, record_change};
use crate::accounts::service::checks::verify_password;
use crate::app::App;
use crate::auth::identity::{AccountStatus, Role, User, UserId};
use crate::auth::scope::Scope;
use crate::auth::viewer::{SignedIn, Viewer};
use crate::error::{AppError, AppResult, OnConstraint};
use crate::events;

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

/// What a role change did.
#[derive(Debug, Clone)]
pub enum RoleOutcome {
    /// The role changed at once: the account as it now is.
    Applied(User),
    /// Demoting an owner: the request that waits for another owner's confirmation.
    Requested(RoleChangeRow),
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
        return Err(AppError::conflict(
            "LAST_ADMIN",
            "this is the last active admin",
        ));
    }
    let loses_owner = target.role == Role::Owner && (deleting || new_role != Role::Owner);
    if loses_owner && queries::count_privileged(conn, Role::Owner, false).await? <= 1 {
        return Err(AppError::conflict("LAST_OWNER", "this is the last owner"));
    }
    Ok(())
}

/// The live target of an administration, if `scope` reaches it; refused unless it ranks
/// below the actor.
async fn target_below(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    actor: &User,
    target: UserId,
) -> AppResult<User> {
    let user = queries::live_user_in(conn, scope, target)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    if user.id == actor.id {
        return Err(own_account());
    }
    if user.role >= actor.role {
        return Err(AppError::forbidden(
            "TARGET_RANK",
            "this account ranks at or above your own",
        ));
    }
    Ok(user)
}

/// Sets the status of account `target` (ranking below the viewer, within `scope`). INACTIVE
/// ends its sessions.
pub async fn set_status(
    app: &App,
    viewer: &Viewer,
    scope: Scope,
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
        let user = target_below(conn, scope, actor, target).await?;
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
        events::announce_access_change(conn, user.id.0, None).await?;
        let text = format!(
            "your Rollcall account is now {}.",
            status.as_str().to_lowercase()
        );
        audit::notify(conn, &user, None, "Your account status changed", &text).await?;
        Ok(updated)
    })
    .await
}

/// Changes the role of account `target` (within `scope`), following the role rules (see the
/// module documentation).
pub async fn set_role(
    app: &App,
    viewer: &Viewer,
    scope: Scope,
    target: UserId,
    role: Role,
) -> AppResult<RoleOutcome> {
    let actor = &viewer.require()?.user;
    if target == actor.id {
        return Err(own_account());
    }
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        lock_privileged(conn).await?;
        let user = queries::live_user_in(conn, scope, target)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        if user.role == role {
            return Ok(RoleOutcome::Applied(user));
        }
        match role_decision(actor.role, user.role, role) {
            RoleDecision::Forbidden => Err(AppError::forbidden(
                "ROLE_RULES",
                "the role rules do not let you make this change",
            )),
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
                .on_constraint(&[ROLE_CHANGE_PENDING])?;
                record_change(
                    conn,
                    &user,
                    actor,
                    "ROLE_CHANGE_REQUESTED",
                    user.role.as_str(),
                    role.as_str(),
                )
                .await?;
                Ok(RoleOutcome::Requested(request))
            }
            RoleDecision::Apply => {
                let updated = apply_role(conn, &user, actor, role).await?;
                Ok(RoleOutcome::Applied(updated))
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
    events::announce_access_change(conn, user.id.0, None).await?;
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
    audit::notify(conn, user, None, "Your role changed", &text).await?;
    Ok(updated)
}

/// Confirms (`confirm`) or rejects a pending role change (owners: the guard says so); answers
/// the account when confirmed.
pub async fn decide(app: &App, viewer: &Viewer, id: i64, confirm: bool) -> AppResult<Option<User>> {
    let owner = &viewer.require()?.user;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        lock_privileged(conn).await?;
        let request = queries::role_change_for_update(conn, id)
            .await?
            .ok_or(AppError::NotFound("role change"))?;
        if request.status != "PENDING" {
            return Err(AppError::conflict(
                "ROLE_CHANGE_DECIDED",
                format!("this request is already {}", request.status.to_lowercase()),
            )
            .on_field("id"));
        }
        if request.expires_at <= Utc::now() {
            queries::close_role_change(conn, id, "EXPIRED", None).await?;
            return Err(
                AppError::conflict("ROLE_CHANGE_EXPIRED", "this request has expired")
                    .on_field("id"),
            );
        }
        if !confirm {
            queries::close_role_change(conn, id, "REJECTED", Some(owner.id)).await?;
            return Ok(None);
        }
        if request.requested_by == owner.id {
            return Err(AppError::forbidden(
                "OWN_REQUEST",
                "another owner than the one who asked must confirm",
            ));
        }
        let user = queries::user_by_id(conn, request.user_id)
            .await?
            .filter(|user| user.deleted_at.is_none() && user.role == request.from_role)
            .ok_or_else(|| {
                AppError::conflict(
                    "ACCOUNT_CHANGED",
                    "the account changed since the request was made",
                )
                .on_field("id")
            })?;
        queries::close_role_change(conn, id, "CONFIRMED", Some(owner.id)).await?;
        Ok(Some(apply_role(conn, &user, owner, request.to_role).await?))
    })
    .await
}

/// Deletes the viewer's own account, once its password checks out (within the sign-in limits:
/// a wrong one counts as a failed sign-in, as for `changePassword`).
pub async fn delete_account(
    app: &App,
    client: &ClientInfo,
    viewer: &Viewer,
    password: String,
) -> AppResult<bool> {
    let signed_in = viewer.require()?;
    verify_password(app, client, &signed_in.user, password, "password").await?;
    delete(app, signed_in, signed_in.user.id).await
}

/// Deletes another account, ranking below the viewer's.
pub async fn delete_user(app: &App, viewer: &Viewer, target: UserId) -> AppResult<bool> {
    let signed_in = viewer.require()?;
    if target == signed_in.user.id {
        return Err(own_account());
    }
    delete(app, signed_in, target).await
}

/// Anonymises account `target`: its sessions end and its email and username are freed.
async fn delete(app: &App, actor: &SignedIn, target: UserId) -> AppResult<bool> {
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        lock_privileged(conn).await?;
        let user = if target == actor.user.id {
            actor.user.clone()
        } else {
            target_below(conn, Scope::All, &actor.user, target).await?
        };
        keep_last_privileged(conn, &user, user.role, user.status, true).await?;
        let ended = queries::revoke_sessions(conn, user.id, None, None, "account deleted").await?;
        queries::notify_revoked(conn, &ended).await?;
        queries::anonymise_user(conn, user.id).await?;
        events::announce_access_change(conn, user.id.0, None).await?;
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

fn own_account() -> AppError {
    AppError::forbidden("OWN_ACCOUNT", "you cannot do this to your own account")
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
