//! `employees`, `employee`, `createEmployee`, `updateEmployee`, `deleteEmployee`,
//! `eraseEmployee`, `setEmployeePin`.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result};

use crate::auth::guards::{Level, MinLevel};
use crate::auth::identity::UserId;
use crate::auth::scope::Scope;
use crate::error::{AppError, AppResult};
use crate::graphql::ContextExt;
use crate::graphql::deletion::DeletionOutcome;
use crate::graphql::pagination::{
    ListConnection, PageArgs, SortKey, TotalCount, connection_complexity,
};
use crate::workforce::model::{CompanyId, Employee, EmployeeFilter, EmployeeId, EmployeeOrder};
use crate::workforce::queries;
use crate::workforce::service::employees::{self, EmployeeInput, EmployeeUpdate};

/// How `employees` filters.
#[derive(InputObject, Default)]
pub struct EmployeesFilter {
    /// Only employees of this company.
    pub company_id: Option<ID>,
    /// Only employees whose name or email contains this text (any case).
    pub search: Option<String>,
    /// Only active (true) or archived (false) employees.
    pub active: Option<bool>,
}

/// The order of `employees`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
#[graphql(remote = "EmployeeOrder")]
pub enum EmployeesOrder {
    /// By name, a to z (the default; erased employees first).
    #[default]
    Name,
    /// Newest employees first.
    Newest,
    /// Oldest employees first.
    Oldest,
}

/// What a new employee is.
#[derive(InputObject)]
pub struct CreateEmployeeInput {
    /// The company, for life.
    pub company_id: ID,
    /// Full name, 1 to 200 characters.
    pub name: String,
    /// Contact address.
    pub email: Option<String>,
    /// Hours to work in a year, 0 to 8784.
    pub annual_hours: i32,
    /// A member account of the company that is this employee (one employee per account and
    /// company).
    pub user_id: Option<ID>,
    /// The fingerprint signature a kiosk reads (head managers and up); kept only as an HMAC.
    pub fingerprint: Option<String>,
}

/// Changes to an employee: a field left out keeps its value, `null` clears it.
#[derive(InputObject, Default)]
pub struct UpdateEmployeeInput {
    /// Full name, 1 to 200 characters (cannot be cleared).
    pub name: MaybeUndefined<String>,
    /// Contact address.
    pub email: MaybeUndefined<String>,
    /// Hours to work in a year, 0 to 8784 (cannot be cleared).
    pub annual_hours: MaybeUndefined<i32>,
    /// The member account that is this employee.
    pub user_id: MaybeUndefined<ID>,
    /// The fingerprint signature (head managers and up).
    pub fingerprint: MaybeUndefined<String>,
}

/// Employee queries.
#[derive(Default)]
pub struct EmployeesQuery;

#[Object]
impl EmployeesQuery {
    /// The employees you may see: employees their own records, managers and head managers
    /// those of their companies, owners and admins all. 20 a page by default, at most 100.
    #[graphql(
        guard = "MinLevel(Level::Employee)",
        complexity = "connection_complexity(first, last, child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn employees(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page forward: at most this many employees after `after`.")] first: Option<
            i32,
        >,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page backward: at most this many employees before `before`.")]
        last: Option<i32>,
        #[graphql(desc = "The `startCursor` of the next page.")] before: Option<String>,
        #[graphql(desc = "Which employees to list; all you may see when left out.")] filter: Option<
            EmployeesFilter,
        >,
        #[graphql(desc = "The order; NAME when left out.")] order_by: Option<EmployeesOrder>,
    ) -> Result<ListConnection<SortKey, Employee>> {
        let order = EmployeeOrder::from(order_by.unwrap_or_default());
        let keyset = order.keyset();
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .page_in(&keyset)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let filter = employee_filter(filter.unwrap_or_default())?;
        let mut conn = ctx.conn().await?;
        let rows = queries::list_employees(&mut conn, scope, &filter, &keyset, &page)
            .await
            .map_err(AppError::from)?;
        let total = TotalCount::query(ctx.app().pool.clone(), move |mut conn| {
            let filter = filter.clone();
            async move { queries::count_employees(&mut conn, scope, &filter).await }
        });
        Ok(page.connection(rows, |employee| order.key(&keyset, employee), total))
    }

    /// The employee with this id, if you may see it.
    #[graphql(guard = "MinLevel(Level::Employee)")]
    async fn employee(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The employee's id.")] id: ID,
    ) -> Result<Option<Employee>> {
        let id = EmployeeId::parse("id", &id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let mut conn = ctx.conn().await?;
        Ok(queries::employee_in(&mut conn, scope, id)
            .await
            .map_err(AppError::from)?)
    }
}

fn employee_filter(filter: EmployeesFilter) -> AppResult<EmployeeFilter> {
    Ok(EmployeeFilter {
        company: CompanyId::parse_optional("filter.companyId", filter.company_id.as_ref())?,
        search: filter
            .search
            .map(|search| search.trim().to_owned())
            .filter(|search| !search.is_empty()),
        active: filter.active,
    })
}

/// Employee mutations.
#[derive(Default)]
pub struct EmployeesMutation;

#[Object]
impl EmployeesMutation {
    /// Creates an employee in one of your companies (managers and up; a fingerprint, head
    /// managers and up).
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn create_employee(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The new employee: company, name and yearly hours; email, account and fingerprint if any."
        )]
        input: CreateEmployeeInput,
    ) -> Result<Employee> {
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        let input = EmployeeInput {
            company: CompanyId::parse("companyId", &input.company_id)?,
            name: input.name,
            email: input.email,
            annual_hours: input.annual_hours,
            user: UserId::parse_optional("userId", input.user_id.as_ref())?,
            fingerprint: input.fingerprint,
        };
        Ok(employees::create(ctx.app(), viewer, scope, input).await?)
    }

    /// Changes an employee of one of your companies (managers and up; the fingerprint, head
    /// managers and up).
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn update_employee(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The employee to change.")] id: ID,
        #[graphql(desc = "The changes: a field left out keeps its value, `null` clears it.")]
        input: UpdateEmployeeInput,
    ) -> Result<Employee> {
        let id = EmployeeId::parse("id", &id)?;
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        let user = match input.user_id {
            MaybeUndefined::Undefined => MaybeUndefined::Undefined,
            MaybeUndefined::Null => MaybeUndefined::Null,
            MaybeUndefined::Value(id) => MaybeUndefined::Value(UserId::parse("userId", &id)?),
        };
        let update = EmployeeUpdate {
            name: input.name,
            email: input.email,
            annual_hours: input.annual_hours,
            user,
            fingerprint: input.fingerprint,
        };
        Ok(employees::update(ctx.app(), viewer, scope, id, update).await?)
    }

    /// Deletes an employee of one of your companies, or archives one who has sessions
    /// (ARCHIVED): archived employees cannot clock in, and their history stays. One who is
    /// clocked in is CONFLICT EMPLOYEE_CLOCKED_IN.
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn delete_employee(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The employee to delete or archive.")] id: ID,
    ) -> Result<DeletionOutcome> {
        let id = EmployeeId::parse("id", &id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        Ok(employees::delete(ctx.app(), scope, id).await?)
    }

    /// Forgets who an archived employee was, for good: name, email, account, fingerprint and
    /// PIN (owners and admins, on a person's request). Sessions and totals stay. An employee
    /// still active is CONFLICT EMPLOYEE_ACTIVE.
    #[graphql(guard = "MinLevel(Level::Owner)")]
    async fn erase_employee(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The archived employee to erase.")] id: ID,
    ) -> Result<Employee> {
        let id = EmployeeId::parse("id", &id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        Ok(employees::erase(ctx.app(), scope, id).await?)
    }

    /// Sets the PIN an employee types at a kiosk (4 to 8 digits), or with `null` removes it:
    /// employees their own, managers those of their companies.
    #[graphql(guard = "MinLevel(Level::Employee)")]
    async fn set_employee_pin(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The employee whose PIN it is.")] employee_id: ID,
        #[graphql(desc = "The new PIN, 4 to 8 digits; `null` removes it.")] pin: Option<String>,
    ) -> Result<bool> {
        let id = EmployeeId::parse("employeeId", &employee_id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        employees::set_pin(ctx.app(), scope, id, pin.as_deref()).await?;
        Ok(true)
    }
}
