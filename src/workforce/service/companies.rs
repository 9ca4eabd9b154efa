//! Companies and their members.

use diesel_async::AsyncConnection;

use crate::app::App;
use crate::auth::guards::Level;
use crate::auth::identity::UserId;
use crate::auth::queries as accounts;
use crate::auth::scope::Scope;
use crate::auth::viewer::Viewer;
use crate::error::{AppError, AppResult, OnConstraint};
use crate::events;
use crate::validate::check_name;
use crate::workforce::model::{
    COMPANY_NAME_TAKEN, Company, CompanyChanges, CompanyId, NewCompany, UNKNOWN_TIME_ZONE,
};
use crate::workforce::queries;

/// Creates a company.
pub async fn create(app: &App, name: &str, time_zone: &str) -> AppResult<Company> {
    let name = check_name("name", name)?;
    let mut conn = app.pool.get().await?;
    queries::insert_company(
        &mut conn,
        &NewCompany {
            name: &name,
            time_zone: time_zone.trim(),
        },
    )
    .await
    .on_constraint(&[COMPANY_NAME_TAKEN, UNKNOWN_TIME_ZONE])
}

/// Changes a company `scope` reaches.
pub async fn update(
    app: &App,
    scope: Scope,
    id: CompanyId,
    name: Option<&str>,
    time_zone: Option<&str>,
) -> AppResult<Company> {
    let changes = CompanyChanges {
        name: name.map(|name| check_name("name", name)).transpose()?,
        time_zone: time_zone.map(|zone| zone.trim().to_owned()),
    };
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let company = queries::company_in(conn, scope, id)
            .await?
            .ok_or(AppError::NotFound("company"))?;
        if changes.name.is_none() && changes.time_zone.is_none() {
            return Ok(company);
        }
        queries::update_company(conn, company.id, &changes)
            .await
            .on_constraint(&[COMPANY_NAME_TAKEN, UNKNOWN_TIME_ZONE])
    })
    .await
}

/// Who a membership change is about: an account id, or the address of one.
#[derive(Debug, Clone)]
pub enum Member {
    Id(UserId),
    Email(String),
}

/// Makes an account a member of a company `scope` reaches. Below owners, only accounts ranking
/// below the viewer's own. Announces the change to the account's subscriptions.
pub async fn add_member(
    app: &App,
    viewer: &Viewer,
    scope: Scope,
    company: CompanyId,
    member: Member,
) -> AppResult<Company> {
    change_membership(app, viewer, scope, company, member, true).await
}

/// Ends an account's membership of a company `scope` reaches (its employee records there are
/// unlinked, and stay). Below owners, only accounts ranking below the viewer's own.
pub async fn remove_member(
    app: &App,
    viewer: &Viewer,
    scope: Scope,
    company: CompanyId,
    user: UserId,
) -> AppResult<Company> {
    change_membership(app, viewer, scope, company, Member::Id(user), false).await
}

async fn change_membership(
    app: &App,
    viewer: &Viewer,
    scope: Scope,
    company: CompanyId,
    member: Member,
    join: bool,
) -> AppResult<Company> {
    let actor = &viewer.require()?.user;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let company = queries::company_in(conn, scope, company)
            .await?
            .ok_or(AppError::NotFound("company"))?;
        let (field, target) = match &member {
            Member::Id(id) => ("userId", accounts::user_by_id(conn, *id).await?),
            Member::Email(email) => ("email", accounts::user_by_email(conn, email.trim()).await?),
        };
        let target = target
            .filter(|user| user.deleted_at.is_none())
            .ok_or_else(|| AppError::bad_input(field, "no such account"))?;
        if viewer.level() < Level::Owner && target.role >= actor.role {
            return Err(AppError::forbidden(
                "TARGET_RANK",
                "this account ranks at or above your own",
            ));
        }
        let changed = if join {
            queries::add_member(conn, company.id, target.id).await?
        } else {
            queries::remove_member(conn, company.id, target.id).await?
        };
        if changed {
            events::announce_access_change(conn, target.id.0, Some(company.id.0)).await?;
        }
        Ok(company)
    })
    .await
}
