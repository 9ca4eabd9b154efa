//! `absences`, `requestAbsence`, `cancelAbsence`, `approveAbsence`, `rejectAbsence`,
//! `holidays`, `setCompanyHolidays`.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};

use crate::auth::guards::{Level, MinLevel};
use crate::auth::scope::Scope;
use crate::error::{AppError, AppResult};
use crate::graphql::ContextExt;
use crate::graphql::pagination::{
    ListConnection, PageArgs, SortKey, TotalCount, connection_complexity,
};
use crate::graphql::scalars::{Date, DateTime};
use crate::timesheets::model::{
    Absence, AbsenceFilter, AbsenceId, AbsenceKind, AbsenceOrder, AbsenceStatus, Holiday,
};
use crate::timesheets::queries;
use crate::timesheets::service::absences::{self, AbsenceInput, HolidayInput};
use crate::workforce::model::{CompanyId, Employee, EmployeeId};
use crate::workforce::queries::company_in;
use crate::workforce::resolvers::types::load_user;

/// Time away from work.
#[Object]
impl Absence {
    /// The absence id.
    async fn id(&self) -> ID {
        self.id.into()
    }

    /// Who is away.
    async fn employee(&self, ctx: &Context<'_>) -> Result<Option<Employee>> {
        Ok(ctx.loader().load_one(self.employee_id).await?)
    }

    /// What kind of absence.
    async fn kind(&self) -> AbsenceKind {
        self.kind
    }

    /// The first day away.
    async fn from(&self) -> Date {
        Date(self.starts_on)
    }

    /// The last day away.
    async fn to(&self) -> Date {
        Date(self.ends_on)
    }

    /// Minutes away each day; null for whole days (a whole day counts its shifts, or a
    /// standard day on a working day).
    async fn minutes_per_day(&self) -> Option<i32> {
        self.minutes_per_day
    }

    /// Where the request stands.
    async fn status(&self) -> AbsenceStatus {
        self.status
    }

    /// Whether it counts toward the annual balance (set when approved).
    async fn paid(&self) -> bool {
        self.paid
    }

    /// The requester's note.
    async fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// Who asked.
    async fn requested_by(&self, ctx: &Context<'_>) -> Result<Option<crate::auth::identity::User>> {
        load_user(ctx, self.requested_by).await
    }

    /// Who approved or rejected it.
    async fn decided_by(&self, ctx: &Context<'_>) -> Result<Option<crate::auth::identity::User>> {
        load_user(ctx, self.decided_by).await
    }

    /// When it was approved or rejected.
    async fn decided_at(&self) -> Option<DateTime> {
        self.decided_at.map(DateTime)
    }

    /// Why it was rejected.
    async fn rejection_reason(&self) -> Option<&str> {
        self.rejection_reason.as_deref()
    }

    /// When it was requested.
    async fn created_at(&self) -> DateTime {
        DateTime(self.created_at)
    }
}

/// A day off for everyone in a company.
#[Object]
impl Holiday {
    /// The day.
    async fn date(&self) -> Date {
        Date(self.date)
    }

    /// What it is, e.g. New Year.
    async fn name(&self) -> &str {
        &self.name
    }
}

/// How `absences` filters.
#[derive(InputObject, Default)]
pub struct AbsencesFilter {
    /// Only absences of this company's employees.
    pub company_id: Option<ID>,
    /// Only this employee's absences.
    pub employee_id: Option<ID>,
    /// Only absences in this status.
    pub status: Option<AbsenceStatus>,
    /// Only absences ending on or after this day.
    pub from: Option<Date>,
    /// Only absences starting on or before this day.
    pub to: Option<Date>,
}

/// The order of `absences`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
#[graphql(remote = "AbsenceOrder")]
pub enum AbsencesOrder {
    /// Earliest first day first (the default).
    #[default]
    Earliest,
    /// Latest first day first.
    Latest,
}

/// An absence to request.
#[derive(InputObject)]
pub struct CreateAbsenceInput {
    /// The employee away (employees: their own record).
    pub employee_id: ID,
    /// What kind of absence.
    pub kind: AbsenceKind,
    /// The first day away.
    pub from: Date,
    /// The last day away (at most 366 days after the first).
    pub to: Date,
    /// Minutes away each day, 1 to 1440; whole days when left out.
    pub minutes_per_day: Option<i32>,
    /// A note for the manager, at most 500 characters.
    pub note: Option<String>,
}

/// A company holiday.
#[derive(InputObject)]
#[graphql(name = "HolidayInput")]
pub struct CompanyHolidayInput {
    /// The day.
    pub date: Date,
    /// What it is, 1 to 100 characters.
    pub name: String,
}

fn absence_filter(filter: AbsencesFilter) -> AppResult<AbsenceFilter> {
    Ok(AbsenceFilter {
        company: CompanyId::parse_optional("filter.companyId", filter.company_id.as_ref())?,
        employee: EmployeeId::parse_optional("filter.employeeId", filter.employee_id.as_ref())?,
        status: filter.status,
        from: filter.from.map(|day| day.0),
        to: filter.to.map(|day| day.0),
    })
}

/// Absence and holiday queries.
#[derive(Default)]
pub struct AbsencesQuery;

#[Object]
impl AbsencesQuery {
    /// The absences you may see: employees their own, managers and head managers those of
    /// their companies, owners and admins all. 20 a page by default, at most 100.
    #[graphql(
        guard = "MinLevel(Level::Employee)",
        complexity = "connection_complexity(first, last, child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn absences(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page forward: at most this many absences after `after`.")] first: Option<
            i32,
        >,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page backward: at most this many absences before `before`.")]
        last: Option<i32>,
        #[graphql(desc = "The `startCursor` of the next page.")] before: Option<String>,
        #[graphql(desc = "Which absences; all you may see when left out.")] filter: Option<
            AbsencesFilter,
        >,
        #[graphql(desc = "The order; EARLIEST when left out.")] order_by: Option<AbsencesOrder>,
    ) -> Result<ListConnection<SortKey, Absence>> {
        let keyset = AbsenceOrder::from(order_by.unwrap_or_default()).keyset();
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .page_in(&keyset)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let filter = absence_filter(filter.unwrap_or_default())?;
        let mut conn = ctx.conn().await?;
        let rows = queries::list_absences(&mut conn, scope, &filter, &keyset, &page)
            .await
            .map_err(AppError::from)?;
        let total = TotalCount::query(ctx.app().pool.clone(), move |mut conn| {
            let filter = filter.clone();
            async move { queries::count_absences(&mut conn, scope, &filter).await }
        });
        Ok(page.connection(rows, |absence| AbsenceOrder::key(&keyset, absence), total))
    }

    /// A company's holidays of a year, by date (anyone who may see the company).
    #[graphql(guard = "MinLevel(Level::Employee)")]
    async fn holidays(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The company.")] company_id: ID,
        #[graphql(desc = "The year, e.g. 2026.")] year: i32,
    ) -> Result<Vec<Holiday>> {
        let company = CompanyId::parse("companyId", &company_id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let mut conn = ctx.conn().await?;
        let company = company_in(&mut conn, scope, company)
            .await
            .map_err(AppError::from)?
            .ok_or(AppError::NotFound("company"))?;
        Ok(queries::holidays_of(&mut conn, company.id, year)
            .await
            .map_err(AppError::from)?)
    }
}

/// Absence and holiday mutations.
#[derive(Default)]
pub struct AbsencesMutation;

#[Object]
impl AbsencesMutation {
    /// Requests an absence: employees for themselves, managers and up for employees of their
    /// companies. CONFLICT ABSENCE_OVERLAP (an approved absence touches those days),
    /// EMPLOYEE_INACTIVE, WEEK_FINALIZED.
    #[graphql(guard = "MinLevel(Level::Employee)")]
    async fn request_absence(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The absence.")] input: CreateAbsenceInput,
    ) -> Result<Absence> {
        let request = AbsenceInput {
            employee: EmployeeId::parse("employeeId", &input.employee_id)?,
            kind: input.kind,
            from: input.from.0,
            to: input.to.0,
            minutes_per_day: input.minutes_per_day,
            note: input.note,
        };
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        Ok(absences::request(ctx.app(), viewer, scope, request).await?)
    }

    /// Withdraws an absence request while it is pending (who may, as `requestAbsence`).
    /// CONFLICT NOT_PENDING.
    #[graphql(guard = "MinLevel(Level::Employee)")]
    async fn cancel_absence(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The absence.")] id: ID,
    ) -> Result<bool> {
        let id = AbsenceId::parse("id", &id)?;
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        absences::cancel(ctx.app(), viewer, scope, id).await?;
        Ok(true)
    }

    /// Approves a pending absence (managers and up, of their companies; never their own:
    /// FORBIDDEN SELF_APPROVAL). CONFLICT NOT_PENDING, ABSENCE_OVERLAP.
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn approve_absence(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The absence.")] id: ID,
        #[graphql(
            desc = "Whether it counts toward the annual balance; VACATION, SICK and HOLIDAY do, \
                    OTHER does not, when left out."
        )]
        paid: Option<bool>,
    ) -> Result<Absence> {
        let id = AbsenceId::parse("id", &id)?;
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        Ok(absences::decide(ctx.app(), viewer, scope, id, Ok(paid)).await?)
    }

    /// Rejects a pending absence, saying why (who may, as `approveAbsence`). CONFLICT
    /// NOT_PENDING.
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn reject_absence(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The absence.")] id: ID,
        #[graphql(desc = "Why, 1 to 500 characters.")] reason: String,
    ) -> Result<Absence> {
        let id = AbsenceId::parse("id", &id)?;
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        Ok(absences::decide(ctx.app(), viewer, scope, id, Err(reason)).await?)
    }

    /// Replaces a company's holidays of a year (head managers and up, of their companies).
    /// CONFLICT WEEK_FINALIZED when a day that comes or goes is in a finalized week.
    #[graphql(guard = "MinLevel(Level::HeadManager)")]
    async fn set_company_holidays(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The company.")] company_id: ID,
        #[graphql(desc = "The year the holidays are in.")] year: i32,
        #[graphql(desc = "Every holiday of that year; those not listed are removed.")]
        holidays: Vec<CompanyHolidayInput>,
    ) -> Result<Vec<Holiday>> {
        let company = CompanyId::parse("companyId", &company_id)?;
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        let holidays = holidays
            .into_iter()
            .map(|holiday| HolidayInput {
                date: holiday.date.0,
                name: holiday.name,
            })
            .collect();
        Ok(absences::set_holidays(ctx.app(), viewer, scope, company, year, holidays).await?)
    }
}
