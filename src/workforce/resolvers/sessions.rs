//! `workSessions`, `workSession`, `clockedIn`, `clockIn`, `clockOut`, `createWorkSession`,
//! `updateWorkSession`, `deleteWorkSession`.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result};

use crate::auth::guards::{Level, MinLevel};
use crate::auth::identity::UserId;
use crate::auth::scope::Scope;
use crate::error::{AppError, AppResult};
use crate::graphql::ContextExt;
use crate::graphql::pagination::{
    ListConnection, PageArgs, SortKey, TotalCount, connection_complexity,
};
use crate::graphql::scalars::{Date, DateTime};
use crate::workforce::model::{
    CompanyId, EmployeeId, WorkSession, WorkSessionFilter, WorkSessionId, WorkSessionOrder,
};
use crate::workforce::queries::{self, session_key};
use crate::workforce::service::clock::{self, Clock, Direction, SessionInput};

/// How `workSessions` filters.
#[derive(InputObject, Default)]
pub struct WorkSessionsFilter {
    /// Only sessions of this employee.
    pub employee_id: Option<ID>,
    /// Only sessions of this account's employee records.
    pub user_id: Option<ID>,
    /// Only sessions of this company's employees.
    pub company_id: Option<ID>,
    /// Only sessions overlapping this calendar day of the employee's company.
    pub date: Option<Date>,
    /// Only sessions still going at or after this time.
    pub from: Option<DateTime>,
    /// Only sessions started before this time.
    pub to: Option<DateTime>,
    /// Only open (true) or closed (false) sessions.
    pub open: Option<bool>,
}

/// The order of `workSessions`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
#[graphql(remote = "WorkSessionOrder")]
pub enum WorkSessionsOrder {
    /// Latest start first (the default).
    #[default]
    Newest,
    /// Earliest start first.
    Oldest,
}

/// A clock-in.
#[derive(InputObject, Default)]
pub struct ClockInInput {
    /// The employee; your own (only) record when left out.
    pub employee_id: Option<ID>,
    /// When; the server's time when left out. Your own: within 2 minutes of it. Others' (a
    /// manager): any past time, at most 2 minutes ahead; more than 2 minutes off makes the
    /// session MANUAL.
    pub at: Option<DateTime>,
    /// A note, at most 500 characters.
    pub note: Option<String>,
    /// Makes retries safe: the same key again (within 24 hours) answers the same session.
    pub idempotency_key: Option<String>,
}

/// A clock-out.
#[derive(InputObject, Default)]
pub struct ClockOutInput {
    /// The employee; your own (only) record when left out.
    pub employee_id: Option<ID>,
    /// When; the server's time when left out (the same rules as `clockIn`).
    pub at: Option<DateTime>,
    /// Makes retries safe: the same key again (within 24 hours) answers the same session.
    pub idempotency_key: Option<String>,
}

/// A session entered by hand.
#[derive(InputObject)]
pub struct CreateWorkSessionInput {
    /// The employee.
    pub employee_id: ID,
    /// When the work started.
    pub start: DateTime,
    /// When it ended; an open session when left out.
    pub end: Option<DateTime>,
    /// A note, at most 500 characters.
    pub note: Option<String>,
}

/// Corrections to a session: a field left out keeps its value, `null` clears it.
#[derive(InputObject, Default)]
pub struct UpdateWorkSessionInput {
    /// When the work started (cannot be cleared).
    pub start: MaybeUndefined<DateTime>,
    /// When it ended; `null` reopens the session.
    pub end: MaybeUndefined<DateTime>,
    /// A note, at most 500 characters.
    pub note: MaybeUndefined<String>,
}

fn session_filter(filter: WorkSessionsFilter) -> AppResult<WorkSessionFilter> {
    Ok(WorkSessionFilter {
        employee: EmployeeId::parse_optional("filter.employeeId", filter.employee_id.as_ref())?,
        user: UserId::parse_optional("filter.userId", filter.user_id.as_ref())?,
        company: CompanyId::parse_optional("filter.companyId", filter.company_id.as_ref())?,
        date: filter.date.map(|date| date.0),
        from: filter.from.map(|at| at.0),
        to: filter.to.map(|at| at.0),
        open: filter.open,
    })
}

/// Work session queries.
#[derive(Default)]
pub struct SessionsQuery;

#[Object]
impl SessionsQuery {
    /// The work sessions you may see: employees their own, managers and head managers those
    /// of their companies, owners and admins all. 20 a page by default, at most 100.
    #[graphql(
        guard = "MinLevel(Level::Employee)",
        complexity = "connection_complexity(first, last, child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn work_sessions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page forward: at most this many sessions after `after`.")] first: Option<
            i32,
        >,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page backward: at most this many sessions before `before`.")]
        last: Option<i32>,
        #[graphql(desc = "The `startCursor` of the next page.")] before: Option<String>,
        #[graphql(desc = "Which sessions to list; all you may see when left out.")] filter: Option<
            WorkSessionsFilter,
        >,
        #[graphql(desc = "The order; NEWEST when left out.")] order_by: Option<WorkSessionsOrder>,
    ) -> Result<ListConnection<SortKey, WorkSession>> {
        let keyset = WorkSessionOrder::from(order_by.unwrap_or_default()).keyset();
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .page_in(&keyset)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let filter = session_filter(filter.unwrap_or_default())?;
        let mut conn = ctx.conn().await?;
        let rows = queries::list_sessions(&mut conn, scope, &filter, &keyset, &page)
            .await
            .map_err(AppError::from)?;
        let total = TotalCount::query(ctx.app().pool.clone(), move |mut conn| {
            let filter = filter.clone();
            async move { queries::count_sessions(&mut conn, scope, &filter).await }
        });
        Ok(page.connection(rows, |session| session_key(&keyset, session), total))
    }

    /// The work session with this id, if you may see it.
    #[graphql(guard = "MinLevel(Level::Employee)")]
    async fn work_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session's id.")] id: ID,
    ) -> Result<Option<WorkSession>> {
        let id = WorkSessionId::parse("id", &id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let mut conn = ctx.conn().await?;
        Ok(queries::session_in(&mut conn, scope, id)
            .await
            .map_err(AppError::from)?)
    }

    /// Who is clocked in at a company now: its open sessions, longest open first (managers of
    /// the company and up).
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn clocked_in(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The company whose open sessions to list.")] company_id: ID,
    ) -> Result<Vec<WorkSession>> {
        let company = CompanyId::parse("companyId", &company_id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let mut conn = ctx.conn().await?;
        let company = queries::company_in(&mut conn, scope, company)
            .await
            .map_err(AppError::from)?
            .ok_or(AppError::NotFound("company"))?;
        Ok(queries::clocked_in(&mut conn, company.id)
            .await
            .map_err(AppError::from)?)
    }
}

/// Work session mutations.
#[derive(Default)]
pub struct SessionsMutation;

#[Object]
impl SessionsMutation {
    /// Clocks an employee in: yourself (employees and up), or one of your companies'
    /// employees (managers and up). CONFLICT ALREADY_CLOCKED_IN, OVERLAP, EMPLOYEE_INACTIVE
    /// or IDEMPOTENCY_KEY_REUSED.
    #[graphql(guard = "MinLevel(Level::Employee)")]
    async fn clock_in(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Who clocks in and when, a note and an idempotency key; left out, you clock in now."
        )]
        input: Option<ClockInInput>,
    ) -> Result<WorkSession> {
        let input = input.unwrap_or_default();
        let request = Clock {
            employee: EmployeeId::parse_optional("employeeId", input.employee_id.as_ref())?,
            at: input.at.map(|at| at.0),
            note: input.note,
            idempotency_key: input.idempotency_key,
        };
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        Ok(clock::clock(ctx.app(), viewer, scope, Direction::In, request).await?)
    }

    /// Clocks an employee out: yourself, or one of your companies' employees (managers and
    /// up). CONFLICT NOT_CLOCKED_IN when there is no open session.
    #[graphql(guard = "MinLevel(Level::Employee)")]
    async fn clock_out(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Who clocks out and when, and an idempotency key; left out, you clock out now."
        )]
        input: Option<ClockOutInput>,
    ) -> Result<WorkSession> {
        let input = input.unwrap_or_default();
        let request = Clock {
            employee: EmployeeId::parse_optional("employeeId", input.employee_id.as_ref())?,
            at: input.at.map(|at| at.0),
            note: None,
            idempotency_key: input.idempotency_key,
        };
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        Ok(clock::clock(ctx.app(), viewer, scope, Direction::Out, request).await?)
    }

    /// Enters a session by hand for an employee of one of your companies (managers and up;
    /// never your own: FORBIDDEN SELF_EDIT). It is MANUAL and recorded in its history.
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn create_work_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The employee, the start, the end and a note.")]
        input: CreateWorkSessionInput,
    ) -> Result<WorkSession> {
        let employee = EmployeeId::parse("employeeId", &input.employee_id)?;
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        let session = SessionInput {
            start: Some(input.start.0),
            end: Some(input.end.map(|at| at.0)),
            note: Some(input.note),
        };
        Ok(clock::create(ctx.app(), viewer, scope, employee, session).await?)
    }

    /// Corrects a session of one of your companies' employees (managers and up; never your
    /// own), saying why: the history keeps before, after, you and the reason.
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn update_work_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session to correct.")] id: ID,
        #[graphql(desc = "The corrections: a field left out keeps its value, `null` clears it.")]
        input: UpdateWorkSessionInput,
        #[graphql(desc = "Why, 1 to 500 characters; kept in the history.")] reason: String,
    ) -> Result<WorkSession> {
        let id = WorkSessionId::parse("id", &id)?;
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        let start = match input.start {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => {
                return Err(AppError::bad_input("start", "a session has a start").into());
            }
            MaybeUndefined::Value(at) => Some(at.0),
        };
        let changes = SessionInput {
            start,
            end: input.end.map_value(|at| at.0).into(),
            note: input.note.into(),
        };
        Ok(clock::update(ctx.app(), viewer, scope, id, changes, &reason).await?)
    }

    /// Deletes a session of one of your companies' employees (managers and up; never your
    /// own), saying why: the history keeps it.
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn delete_work_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session to delete.")] id: ID,
        #[graphql(desc = "Why, 1 to 500 characters; kept in the history.")] reason: String,
    ) -> Result<bool> {
        let id = WorkSessionId::parse("id", &id)?;
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        clock::delete(ctx.app(), viewer, scope, id, &reason).await?;
        Ok(true)
    }
}
