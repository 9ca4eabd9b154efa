//! `timesheet`, `timesheets`, and the workflow: `submitHours`, `reviewHours`, `rejectHours`,
//! `submitSchedule`, `withdrawSchedule`, `finalizeTimesheet`, `reopenTimesheet`.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};

use crate::auth::guards::{Level, MinLevel};
use crate::auth::scope::Scope;
use crate::error::{AppError, AppResult};
use crate::graphql::ContextExt;
use crate::graphql::pagination::{
    ListConnection, PageArgs, SortKey, TotalCount, connection_complexity,
};
use crate::graphql::scalars::Date;
use crate::timesheets::model::{
    SheetKey, Timesheet, TimesheetFilter, TimesheetOrder, TimesheetStatus, TransitionAction,
    week_of,
};
use crate::timesheets::queries;
use crate::timesheets::service::workflow;
use crate::workforce::model::{CompanyId, EmployeeId};

/// Longest week range `timesheets` lists every week of.
const MAX_WEEKS: i64 = 106;

/// How `timesheets` filters.
#[derive(InputObject, Default)]
pub struct TimesheetsFilter {
    /// Only sheets of this company's employees.
    pub company_id: Option<ID>,
    /// Only this employee's sheets.
    pub employee_id: Option<ID>,
    /// Only sheets in this status (a week nobody wrote for is DRAFT).
    pub status: Option<TimesheetStatus>,
    /// Only weeks from the one holding this day. With `weekTo`, every week of the range is
    /// listed for every active employee, written or not.
    pub week_from: Option<Date>,
    /// Only weeks up to the one holding this day.
    pub week_to: Option<Date>,
}

/// The order of `timesheets`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
#[graphql(remote = "TimesheetOrder")]
pub enum TimesheetsOrder {
    /// Latest week first, then by employee id (the default).
    #[default]
    Newest,
    /// Earliest week first, then by employee id.
    Oldest,
}

fn sheet_filter(filter: TimesheetsFilter) -> AppResult<TimesheetFilter> {
    let week_from = filter.week_from.map(|day| week_of(day.0));
    let week_to = filter.week_to.map(|day| week_of(day.0));
    if let (Some(from), Some(to)) = (week_from, week_to)
        && (to < from || (to - from).num_weeks() >= MAX_WEEKS)
    {
        return Err(AppError::bad_input(
            "filter.weekTo",
            format!("a week range runs forward, at most {MAX_WEEKS} weeks"),
        ));
    }
    Ok(TimesheetFilter {
        company: CompanyId::parse_optional("filter.companyId", filter.company_id.as_ref())?,
        employee: EmployeeId::parse_optional("filter.employeeId", filter.employee_id.as_ref())?,
        status: filter.status,
        week_from,
        week_to,
    })
}

/// Timesheet queries.
#[derive(Default)]
pub struct SheetsQuery;

#[Object]
impl SheetsQuery {
    /// The week of an employee holding `weekOf` (any day of it), if you may see the employee:
    /// employees their own, managers and head managers those of their companies, owners and
    /// admins all. A week nobody wrote for reads as DRAFT.
    #[graphql(guard = "MinLevel(Level::Employee)")]
    async fn timesheet(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The employee whose week it is.")] employee_id: ID,
        #[graphql(desc = "Any day of the week.")] week_of: Date,
    ) -> Result<Option<Timesheet>> {
        let employee = EmployeeId::parse("employeeId", &employee_id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let mut conn = ctx.conn().await?;
        Ok(
            queries::sheet_in(&mut conn, scope, SheetKey::of(employee, week_of.0))
                .await
                .map_err(AppError::from)?,
        )
    }

    /// The timesheets you may see (as `timesheet`). Without a whole week range, the weeks
    /// something was written for; with `weekFrom` and `weekTo`, every week of the range for
    /// every active employee. 20 a page by default, at most 100.
    #[graphql(
        guard = "MinLevel(Level::Employee)",
        complexity = "connection_complexity(first, last, child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn timesheets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page forward: at most this many sheets after `after`.")] first: Option<
            i32,
        >,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page backward: at most this many sheets before `before`.")] last: Option<
            i32,
        >,
        #[graphql(desc = "The `startCursor` of the next page.")] before: Option<String>,
        #[graphql(desc = "Which sheets to list; all you may see when left out.")] filter: Option<
            TimesheetsFilter,
        >,
        #[graphql(desc = "The order; NEWEST when left out.")] order_by: Option<TimesheetsOrder>,
    ) -> Result<ListConnection<SortKey, Timesheet>> {
        let keyset = TimesheetOrder::from(order_by.unwrap_or_default()).keyset();
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .page_in(&keyset)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let filter = sheet_filter(filter.unwrap_or_default())?;
        let mut conn = ctx.conn().await?;
        let rows = queries::list_sheets(&mut conn, scope, &filter, &keyset, &page)
            .await
            .map_err(AppError::from)?;
        let total = TotalCount::query(ctx.app().pool.clone(), move |mut conn| {
            let filter = filter.clone();
            async move { queries::count_sheets(&mut conn, scope, &filter).await }
        });
        Ok(page.connection(rows, |sheet| TimesheetOrder::key(&keyset, sheet), total))
    }
}

/// Takes a sheet through a step of the workflow for the viewer.
async fn step(
    ctx: &Context<'_>,
    timesheet_id: &ID,
    action: TransitionAction,
    reason: Option<&str>,
) -> Result<Timesheet> {
    let key = SheetKey::parse("timesheetId", timesheet_id)?;
    let viewer = ctx.viewer();
    let scope = Scope::of_staff(viewer)?;
    Ok(workflow::step(ctx.app(), viewer, scope, key, action, reason).await?)
}

/// The timesheet workflow.
#[derive(Default)]
pub struct WorkflowMutation;

#[Object]
impl WorkflowMutation {
    /// Submits the week's hours for review (DRAFT → HOURS_SUBMITTED): employees their own;
    /// managers and up also for employees of their companies without an account (FORBIDDEN
    /// NOT_OWN_TIMESHEET for others). CONFLICT INVALID_TRANSITION from any other status.
    #[graphql(guard = "MinLevel(Level::Employee)")]
    async fn submit_hours(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The sheet (`Timesheet.id`).")] timesheet_id: ID,
    ) -> Result<Timesheet> {
        step(ctx, &timesheet_id, TransitionAction::SubmitHours, None).await
    }

    /// Marks submitted hours reviewed (HOURS_SUBMITTED → HOURS_REVIEWED): managers and up, of
    /// their companies, never their own sheet (FORBIDDEN SELF_APPROVAL).
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn review_hours(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The sheet (`Timesheet.id`).")] timesheet_id: ID,
    ) -> Result<Timesheet> {
        step(ctx, &timesheet_id, TransitionAction::ReviewHours, None).await
    }

    /// Sends submitted or reviewed hours back to DRAFT, saying why: managers and up, never
    /// their own sheet.
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn reject_hours(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The sheet (`Timesheet.id`).")] timesheet_id: ID,
        #[graphql(desc = "Why, 1 to 500 characters; kept in the history.")] reason: String,
    ) -> Result<Timesheet> {
        step(
            ctx,
            &timesheet_id,
            TransitionAction::RejectHours,
            Some(&reason),
        )
        .await
    }

    /// Submits the week's schedule, which locks it (managers and up, of their companies).
    /// CONFLICT SCHEDULE_LOCKED when submitted already, WEEK_FINALIZED.
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn submit_schedule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The sheet (`Timesheet.id`).")] timesheet_id: ID,
    ) -> Result<Timesheet> {
        step(ctx, &timesheet_id, TransitionAction::SubmitSchedule, None).await
    }

    /// Withdraws a submitted schedule so it can change again, before the week is finalized.
    /// CONFLICT SCHEDULE_NOT_SUBMITTED, WEEK_FINALIZED.
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn withdraw_schedule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The sheet (`Timesheet.id`).")] timesheet_id: ID,
    ) -> Result<Timesheet> {
        step(ctx, &timesheet_id, TransitionAction::WithdrawSchedule, None).await
    }

    /// Finalizes a week (HOURS_REVIEWED → FINALIZED), which locks its entries, shifts and
    /// sessions: head managers and up, of their companies, never their own sheet. CONFLICT
    /// NOT_REVIEWED, WEEK_NOT_OVER, SCHEDULE_NOT_SUBMITTED, OPEN_SESSION or OPEN_REPORTS.
    #[graphql(guard = "MinLevel(Level::HeadManager)")]
    async fn finalize_timesheet(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The sheet (`Timesheet.id`).")] timesheet_id: ID,
    ) -> Result<Timesheet> {
        step(ctx, &timesheet_id, TransitionAction::Finalize, None).await
    }

    /// Reopens a finalized week for corrections (FINALIZED → HOURS_REVIEWED), saying why:
    /// head managers and up, never their own sheet.
    #[graphql(guard = "MinLevel(Level::HeadManager)")]
    async fn reopen_timesheet(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The sheet (`Timesheet.id`).")] timesheet_id: ID,
        #[graphql(desc = "Why, 1 to 500 characters; kept in the history.")] reason: String,
    ) -> Result<Timesheet> {
        step(ctx, &timesheet_id, TransitionAction::Reopen, Some(&reason)).await
    }
}
