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
    BreakRule, COMPANY_NAME_TAKEN, Company, CompanyChanges, CompanyId, NewCompany,
    POLICY_OUT_OF_RANGE, UNKNOWN_TIME_ZONE,
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

/// Changes to a company: `None` keeps a value; a daily overtime of `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct CompanyInput {
    pub name: Option<String>,
    pub time_zone: Option<String>,
    pub standard_day_minutes: Option<i32>,
    /// Days of the week, 0 Sunday to 6 Saturday.
    pub working_days: Option<Vec<i16>>,
    pub break_rules: Option<Vec<BreakRule>>,
    pub overtime_weekly_minutes: Option<i32>,
    pub overtime_daily_minutes: Option<Option<i32>>,
    pub no_show_grace_minutes: Option<i32>,
    pub max_open_hours: Option<i32>,
}

/// Most break rules a company keeps.
pub const MAX_BREAK_RULES: usize = 10;

fn check_break_rules(rules: Vec<BreakRule>) -> AppResult<serde_json::Value> {
    if rules.len() > MAX_BREAK_RULES
        || rules.iter().any(|rule| {
            !(0..=1440).contains(&rule.after_minutes) || !(0..=240).contains(&rule.minutes)
        })
    {
        return Err(AppError::bad_input(
            "breakRules",
            format!(
                "at most {MAX_BREAK_RULES} rules, each a break of 0 to 240 minutes past 0 to 1440 \
                 worked minutes"
            ),
        ));
    }
    serde_json::to_value(rules).map_err(AppError::internal)
}

/// Changes a company `scope` reaches.
pub async fn update(
    app: &App,
    scope: Scope,
    id: CompanyId,
    input: CompanyInput,
) -> AppResult<Company> {
    let changes = CompanyChanges {
        name: input
            .name
            .as_deref()
            .map(|name| check_name("name", name))
            .transpose()?,
        time_zone: input.time_zone.map(|zone| zone.trim().to_owned()),
        standard_day_minutes: input.standard_day_minutes,
        working_days: input.working_days.map(|mut days| {
            days.sort_unstable();
            days.dedup();
            days.into_iter().map(Some).collect()
        }),
        break_rules: input.break_rules.map(check_break_rules).transpose()?,
        overtime_weekly_minutes: input.overtime_weekly_minutes,
        overtime_daily_minutes: input.overtime_daily_minutes,
        no_show_grace_minutes: input.no_show_grace_minutes,
        max_open_hours: input.max_open_hours,
    };
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let company = queries::company_in(conn, scope, id)
            .await?
            .ok_or(AppError::NotFound("company"))?;
        let mut violations = vec![COMPANY_NAME_TAKEN, UNKNOWN_TIME_ZONE];
        violations.extend(POLICY_OUT_OF_RANGE);
        queries::update_company(conn, company.id, &changes)
            .await
            .on_constraint(&violations)
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
