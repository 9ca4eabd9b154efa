//! SQL of the workforce area. Every function that reads or changes rows for a viewer takes its
//! [`Scope`]: at a company scope only the companies the viewer is a member of, at the viewer's
//! own scope only its employee records.

use chrono::{DateTime, Utc};
use diesel::dsl::{exists, now, sql};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Date, Double, Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::auth::identity::{User, UserId};
use crate::auth::scope::Scope;
use crate::db::cached::{Cached, TRUE, fragment};
use crate::db::contains_pattern;
use crate::db::schema::{
    clock_idempotency_keys, companies, company_members, employees, kiosk_clocks, kiosks, users,
    work_session_changes, work_sessions,
};
use crate::graphql::pagination::{Keyset, Page, SortKey};
use crate::workforce::model::{
    Company, CompanyChanges, CompanyId, CompanyOrder, Employee, EmployeeChanges, EmployeeFilter,
    EmployeeId, EmployeeOrder, Kiosk, KioskId, NewCompany, NewEmployee, NewWorkSession,
    WorkSession, WorkSessionChange, WorkSessionChanges, WorkSessionFilter, WorkSessionId,
    WorkSessionOrder,
};

/// The companies `user` is a member of, as a subquery.
pub fn companies_of(user: UserId) -> company_members::BoxedQuery<'static, Pg, BigInt> {
    company_members::table
        .filter(company_members::user_id.eq(user))
        .select(company_members::company_id)
        .into_boxed()
}

// Orders ------------------------------------------------------------------------------------

impl CompanyOrder {
    /// The sort key of this order.
    pub fn keyset(self) -> Keyset {
        match self {
            Self::Name => Keyset::ascending("companies", "NAME").by(companies::name),
            Self::Newest => Keyset::descending("companies", "NEWEST").by(companies::created_at),
        }
        .by(companies::id)
    }

    /// The key of `company` in this order.
    pub fn key(self, keyset: &Keyset, company: &Company) -> SortKey {
        let first = match self {
            Self::Name => company.name.clone().into(),
            Self::Newest => company.created_at.into(),
        };
        keyset.key([first, company.id.0.into()])
    }
}

diesel::define_sql_function!(fn coalesce(x: Nullable<Text>, y: Text) -> Text);

impl EmployeeOrder {
    /// The sort key of this order (an erased employee's name sorts as empty).
    pub fn keyset(self) -> Keyset {
        match self {
            Self::Name => Keyset::ascending("employees", "NAME").by(coalesce(employees::name, "")),
            Self::Newest => Keyset::descending("employees", "NEWEST").by(employees::created_at),
            Self::Oldest => Keyset::ascending("employees", "OLDEST").by(employees::created_at),
        }
        .by(employees::id)
    }

    /// The key of `employee` in this order.
    pub fn key(self, keyset: &Keyset, employee: &Employee) -> SortKey {
        let first = match self {
            Self::Name => employee.name.clone().unwrap_or_default().into(),
            Self::Newest | Self::Oldest => employee.created_at.into(),
        };
        keyset.key([first, employee.id.0.into()])
    }
}

impl WorkSessionOrder {
    /// The sort key of this order.
    pub fn keyset(self) -> Keyset {
        match self {
            Self::Newest => Keyset::descending("workSessions", "NEWEST"),
            Self::Oldest => Keyset::ascending("workSessions", "OLDEST"),
        }
        .by(work_sessions::started_at)
        .by(work_sessions::id)
    }
}

/// The order of an employee's own list of sessions: newest first.
pub fn employee_sessions_keyset() -> Keyset {
    Keyset::descending("employeeSessions", "NEWEST")
        .by(work_sessions::started_at)
        .by(work_sessions::id)
}

/// The key of a session in a list sorted by start.
pub fn session_key(keyset: &Keyset, session: &WorkSession) -> SortKey {
    keyset.key([session.started_at.into(), session.id.0.into()])
}

// Companies ---------------------------------------------------------------------------------

type BoxedCompanies = companies::BoxedQuery<'static, Pg>;

/// The companies `scope` reaches: below owners, those the viewer is a member of (an employee's
/// own scope reaches its companies too).
fn companies_in(scope: Scope) -> BoxedCompanies {
    let query = companies::table.into_boxed();
    match scope {
        Scope::All => query,
        Scope::Own(user) | Scope::Companies(user) => {
            query.filter(companies::id.eq_any(companies_of(user)))
        }
    }
}

/// The ids of the companies `scope` reaches, as a subquery.
pub fn company_ids_in(scope: Scope) -> companies::BoxedQuery<'static, Pg, BigInt> {
    companies_in(scope).select(companies::id)
}

/// Filters companies whose name contains `search`.
fn searched_companies(scope: Scope, search: Option<&str>) -> BoxedCompanies {
    let query = companies_in(scope);
    match search {
        Some(search) => query.filter(companies::name.ilike(contains_pattern(search))),
        None => query,
    }
}

/// One page of the companies `scope` reaches.
pub async fn list_companies(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    search: Option<&str>,
    keyset: &Keyset,
    page: &Page<SortKey>,
) -> QueryResult<Vec<Company>> {
    keyset
        .page_of(searched_companies(scope, search), page)
        .select(Company::as_select())
        .load(conn)
        .await
}

pub async fn count_companies(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    search: Option<&str>,
) -> QueryResult<i64> {
    searched_companies(scope, search)
        .count()
        .get_result(conn)
        .await
}

/// The company with this id, if `scope` reaches it.
pub async fn company_in(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    id: CompanyId,
) -> QueryResult<Option<Company>> {
    companies_in(scope)
        .filter(companies::id.eq(id))
        .select(Company::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn companies_by_ids(
    conn: &mut AsyncPgConnection,
    ids: &[CompanyId],
) -> QueryResult<Vec<Company>> {
    companies::table
        .filter(companies::id.eq_any(ids))
        .select(Company::as_select())
        .load(conn)
        .await
}

/// The companies of each of `users` that `scope` reaches, by name.
pub async fn companies_of_users(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    users: &[UserId],
) -> QueryResult<Vec<(UserId, Company)>> {
    let mut query = company_members::table
        .inner_join(companies::table)
        .filter(company_members::user_id.eq_any(users))
        .into_boxed();
    if let Scope::Own(viewer) | Scope::Companies(viewer) = scope {
        query = query.filter(company_members::company_id.eq_any(companies_of(viewer)));
    }
    query
        .order((companies::name.asc(), companies::id.asc()))
        .select((company_members::user_id, Company::as_select()))
        .load(conn)
        .await
}

pub async fn insert_company(
    conn: &mut AsyncPgConnection,
    company: &NewCompany<'_>,
) -> QueryResult<Company> {
    diesel::insert_into(companies::table)
        .values(company)
        .returning(Company::as_returning())
        .get_result(conn)
        .await
}

pub async fn update_company(
    conn: &mut AsyncPgConnection,
    id: CompanyId,
    changes: &CompanyChanges,
) -> QueryResult<Company> {
    diesel::update(companies::table.find(id))
        .set((changes, companies::updated_at.eq(now)))
        .returning(Company::as_returning())
        .get_result(conn)
        .await
}

/// Makes `user` a member of `company`; answers whether it was not one yet.
pub async fn add_member(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    user: UserId,
) -> QueryResult<bool> {
    let added = diesel::insert_into(company_members::table)
        .values((
            company_members::company_id.eq(company),
            company_members::user_id.eq(user),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(added == 1)
}

/// Ends `user`'s membership of `company` (its employee records there are unlinked by the
/// foreign key); answers whether it was a member.
pub async fn remove_member(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    user: UserId,
) -> QueryResult<bool> {
    let removed = diesel::delete(company_members::table.find((company, user)))
        .execute(conn)
        .await?;
    Ok(removed == 1)
}

/// The live members of each of `companies`, by username.
pub async fn members_of(
    conn: &mut AsyncPgConnection,
    companies: &[CompanyId],
) -> QueryResult<Vec<(CompanyId, User)>> {
    company_members::table
        .inner_join(users::table)
        .filter(company_members::company_id.eq_any(companies))
        .filter(users::deleted_at.is_null())
        .order((users::username.asc(), users::id.asc()))
        .select((company_members::company_id, User::as_select()))
        .load(conn)
        .await
}

/// Whether `user` is a member of `company`.
pub async fn is_member(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    user: UserId,
) -> QueryResult<bool> {
    diesel::select(exists(company_members::table.find((company, user))))
        .get_result(conn)
        .await
}

// Employees ---------------------------------------------------------------------------------

type BoxedEmployees = employees::BoxedQuery<'static, Pg>;

/// A condition on rows of `T`.
type Condition<T> = Box<dyn BoxableExpression<T, Pg, SqlType = Nullable<Bool>>>;

/// The condition an employee row meets when `scope` reaches it.
fn employee_reached(scope: Scope) -> Condition<employees::table> {
    match scope {
        Scope::All => Box::new(TRUE.nullable()),
        Scope::Companies(user) => {
            Box::new(employees::company_id.eq_any(companies_of(user)).nullable())
        }
        Scope::Own(user) => Box::new(employees::user_id.eq(user)),
    }
}

/// The employees `scope` reaches.
fn employees_in(scope: Scope) -> BoxedEmployees {
    employees::table
        .filter(employee_reached(scope))
        .into_boxed()
}

/// The ids of the employees `scope` reaches, as a subquery.
pub fn employee_ids_in(scope: Scope) -> employees::BoxedQuery<'static, Pg, BigInt> {
    employees_in(scope).select(employees::id)
}

fn filtered_employees(scope: Scope, filter: &EmployeeFilter) -> BoxedEmployees {
    let mut query = employees_in(scope);
    if let Some(company) = filter.company {
        query = query.filter(employees::company_id.eq(company));
    }
    if let Some(active) = filter.active {
        query = query.filter(employees::active.eq(active));
    }
    if let Some(search) = &filter.search {
        let pattern = contains_pattern(search);
        query = query.filter(
            employees::name
                .ilike(pattern.clone())
                .or(employees::email.ilike(pattern)),
        );
    }
    query
}

/// One page of the employees `scope` reaches.
pub async fn list_employees(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    filter: &EmployeeFilter,
    keyset: &Keyset,
    page: &Page<SortKey>,
) -> QueryResult<Vec<Employee>> {
    keyset
        .page_of(filtered_employees(scope, filter), page)
        .select(Employee::as_select())
        .load(conn)
        .await
}

pub async fn count_employees(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    filter: &EmployeeFilter,
) -> QueryResult<i64> {
    filtered_employees(scope, filter)
        .count()
        .get_result(conn)
        .await
}

/// The employee with this id, if `scope` reaches it.
pub async fn employee_in(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    id: EmployeeId,
) -> QueryResult<Option<Employee>> {
    employees_in(scope)
        .filter(employees::id.eq(id))
        .select(Employee::as_select())
        .first(conn)
        .await
        .optional()
}

/// The employee with this id, locked for the rest of the transaction, if `scope` reaches it.
pub async fn employee_for_update(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    id: EmployeeId,
) -> QueryResult<Option<Employee>> {
    employees::table
        .filter(employees::id.eq(id))
        .filter(employee_reached(scope))
        .select(Employee::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn employees_by_ids(
    conn: &mut AsyncPgConnection,
    ids: &[EmployeeId],
) -> QueryResult<Vec<Employee>> {
    employees::table
        .filter(employees::id.eq_any(ids))
        .select(Employee::as_select())
        .load(conn)
        .await
}

/// The employee records of each of `users` that `scope` reaches.
pub async fn employees_of_users(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    users: &[UserId],
) -> QueryResult<Vec<Employee>> {
    employees_in(scope)
        .filter(employees::user_id.eq_any(users))
        .order(employees::id.asc())
        .select(Employee::as_select())
        .load(conn)
        .await
}

/// The live employee records of `user`.
pub async fn active_employees_of(
    conn: &mut AsyncPgConnection,
    user: UserId,
) -> QueryResult<Vec<Employee>> {
    employees::table
        .filter(employees::user_id.eq(user))
        .filter(employees::active)
        .select(Employee::as_select())
        .load(conn)
        .await
}

pub async fn insert_employee(
    conn: &mut AsyncPgConnection,
    employee: &NewEmployee<'_>,
) -> QueryResult<Employee> {
    diesel::insert_into(employees::table)
        .values(employee)
        .returning(Employee::as_returning())
        .get_result(conn)
        .await
}

pub async fn update_employee(
    conn: &mut AsyncPgConnection,
    id: EmployeeId,
    changes: &EmployeeChanges,
) -> QueryResult<Employee> {
    diesel::update(employees::table.find(id))
        .set((changes, employees::updated_at.eq(now)))
        .returning(Employee::as_returning())
        .get_result(conn)
        .await
}

/// Sets (or clears) the PIN's MAC.
pub async fn set_pin(
    conn: &mut AsyncPgConnection,
    id: EmployeeId,
    mac: Option<&[u8]>,
) -> QueryResult<()> {
    diesel::update(employees::table.find(id))
        .set((employees::pin_mac.eq(mac), employees::updated_at.eq(now)))
        .execute(conn)
        .await?;
    Ok(())
}

/// Archives an employee: no more clock-ins.
pub async fn archive_employee(
    conn: &mut AsyncPgConnection,
    id: EmployeeId,
) -> QueryResult<Employee> {
    diesel::update(employees::table.find(id))
        .set((employees::active.eq(false), employees::updated_at.eq(now)))
        .returning(Employee::as_returning())
        .get_result(conn)
        .await
}

/// Deletes an employee that has no sessions (and whatever only it refers to).
pub async fn delete_employee(conn: &mut AsyncPgConnection, id: EmployeeId) -> QueryResult<()> {
    diesel::delete(
        clock_idempotency_keys::table.filter(clock_idempotency_keys::employee_id.eq(id)),
    )
    .execute(conn)
    .await?;
    diesel::delete(kiosk_clocks::table.filter(kiosk_clocks::employee_id.eq(id)))
        .execute(conn)
        .await?;
    diesel::delete(work_session_changes::table.filter(work_session_changes::employee_id.eq(id)))
        .execute(conn)
        .await?;
    diesel::delete(employees::table.find(id))
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets who an archived employee was: name, email, account, fingerprint and PIN.
pub async fn erase_employee(conn: &mut AsyncPgConnection, id: EmployeeId) -> QueryResult<Employee> {
    diesel::update(employees::table.find(id))
        .set((
            employees::name.eq(None::<String>),
            employees::email.eq(None::<String>),
            employees::user_id.eq(None::<UserId>),
            employees::fingerprint_mac.eq(None::<Vec<u8>>),
            employees::pin_mac.eq(None::<Vec<u8>>),
            employees::erased_at.eq(now),
            employees::updated_at.eq(now),
        ))
        .returning(Employee::as_returning())
        .get_result(conn)
        .await
}

/// The PIN MAC of an employee.
pub async fn pin_mac(conn: &mut AsyncPgConnection, id: EmployeeId) -> QueryResult<Option<Vec<u8>>> {
    employees::table
        .find(id)
        .select(employees::pin_mac)
        .first(conn)
        .await
}

/// The active employee of `company` with this fingerprint MAC.
pub async fn employee_by_fingerprint(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    mac: &[u8],
) -> QueryResult<Option<Employee>> {
    employees::table
        .filter(employees::company_id.eq(company))
        .filter(employees::fingerprint_mac.eq(mac))
        .select(Employee::as_select())
        .first(conn)
        .await
        .optional()
}

// Work sessions -----------------------------------------------------------------------------

type BoxedSessions = work_sessions::BoxedQuery<'static, Pg>;

/// The condition a session row meets when `scope` reaches its employee.
fn session_reached(scope: Scope) -> Condition<work_sessions::table> {
    match scope {
        Scope::All => Box::new(TRUE.nullable()),
        scope => Box::new(
            work_sessions::employee_id
                .eq_any(employee_ids_in(scope))
                .nullable(),
        ),
    }
}

/// The sessions of the employees `scope` reaches.
fn sessions_in(scope: Scope) -> BoxedSessions {
    work_sessions::table
        .filter(session_reached(scope))
        .into_boxed()
}

/// The end of a session for overlap arithmetic: an open one runs until now.
const END_OR_NOW: &str = "coalesce(work_sessions.ended_at, now())";

fn filtered_sessions(scope: Scope, filter: &WorkSessionFilter) -> BoxedSessions {
    let mut query = sessions_in(scope);
    if let Some(employee) = filter.employee {
        query = query.filter(work_sessions::employee_id.eq(employee));
    }
    if let Some(user) = filter.user {
        let records = employees::table
            .filter(employees::user_id.eq(user))
            .select(employees::id);
        query = query.filter(work_sessions::employee_id.eq_any(records));
    }
    if let Some(company) = filter.company {
        let staff = employees::table
            .filter(employees::company_id.eq(company))
            .select(employees::id);
        query = query.filter(work_sessions::employee_id.eq_any(staff));
    }
    if let Some(date) = filter.date {
        // The company-local day, through the employee's company's time zone.
        let zone = "(SELECT c.time_zone FROM employees e JOIN companies c ON c.id = e.company_id \
                    WHERE e.id = work_sessions.employee_id)";
        query = query.filter(
            sql::<Bool>("work_sessions.started_at < ((")
                .bind::<Date, _>(date)
                .sql(&format!(
                    " + 1)::timestamp AT TIME ZONE {zone}) AND {END_OR_NOW} > ("
                ))
                .bind::<Date, _>(date)
                .sql(&format!("::timestamp AT TIME ZONE {zone})")),
        );
    }
    if let Some(from) = filter.from {
        query = query.filter(fragment::<Timestamptz>(END_OR_NOW).gt(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(work_sessions::started_at.lt(to));
    }
    if let Some(open) = filter.open {
        query = if open {
            query.filter(work_sessions::ended_at.is_null())
        } else {
            query.filter(work_sessions::ended_at.is_not_null())
        };
    }
    query
}

/// One page of the sessions `scope` reaches.
pub async fn list_sessions(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    filter: &WorkSessionFilter,
    keyset: &Keyset,
    page: &Page<SortKey>,
) -> QueryResult<Vec<WorkSession>> {
    keyset
        .page_of(filtered_sessions(scope, filter), page)
        .select(WorkSession::as_select())
        .load(conn)
        .await
}

pub async fn count_sessions(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    filter: &WorkSessionFilter,
) -> QueryResult<i64> {
    filtered_sessions(scope, filter)
        .count()
        .get_result(conn)
        .await
}

/// The session with this id, if `scope` reaches it.
pub async fn session_in(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    id: WorkSessionId,
) -> QueryResult<Option<WorkSession>> {
    sessions_in(scope)
        .filter(work_sessions::id.eq(id))
        .select(WorkSession::as_select())
        .first(conn)
        .await
        .optional()
}

/// The session with this id, locked for the rest of the transaction, if `scope` reaches it.
pub async fn session_for_update(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    id: WorkSessionId,
) -> QueryResult<Option<WorkSession>> {
    work_sessions::table
        .filter(work_sessions::id.eq(id))
        .filter(session_reached(scope))
        .select(WorkSession::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn sessions_by_ids(
    conn: &mut AsyncPgConnection,
    ids: &[WorkSessionId],
) -> QueryResult<Vec<WorkSession>> {
    work_sessions::table
        .filter(work_sessions::id.eq_any(ids))
        .select(WorkSession::as_select())
        .load(conn)
        .await
}

/// The open sessions of these employees.
pub async fn open_sessions_of(
    conn: &mut AsyncPgConnection,
    employees: &[EmployeeId],
) -> QueryResult<Vec<WorkSession>> {
    work_sessions::table
        .filter(work_sessions::employee_id.eq_any(employees))
        .filter(work_sessions::ended_at.is_null())
        .select(WorkSession::as_select())
        .load(conn)
        .await
}

/// The open sessions of a company's employees, longest open first.
pub async fn clocked_in(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
) -> QueryResult<Vec<WorkSession>> {
    let staff = employees::table
        .filter(employees::company_id.eq(company))
        .select(employees::id);
    work_sessions::table
        .filter(work_sessions::employee_id.eq_any(staff))
        .filter(work_sessions::ended_at.is_null())
        .order((work_sessions::started_at.asc(), work_sessions::id.asc()))
        .select(WorkSession::as_select())
        .load(conn)
        .await
}

/// Whether an employee has any session.
pub async fn has_sessions(conn: &mut AsyncPgConnection, employee: EmployeeId) -> QueryResult<bool> {
    diesel::select(exists(
        work_sessions::table.filter(work_sessions::employee_id.eq(employee)),
    ))
    .get_result(conn)
    .await
}

/// Names who changes sessions in this transaction, and why, for the history trigger; `clock`
/// marks a clock-in or clock-out, which is not an edit.
pub async fn describe_change(
    conn: &mut AsyncPgConnection,
    actor: Option<UserId>,
    reason: Option<&str>,
    clock: bool,
) -> QueryResult<()> {
    Cached(diesel::sql_query(
        "SELECT set_config('rollcall.actor_id', $1, true), set_config('rollcall.reason', $2, true), \
         set_config('rollcall.change', $3, true)",
    )
    .bind::<Text, _>(actor.map(|id| id.to_string()).unwrap_or_default())
    .bind::<Text, _>(reason.unwrap_or_default())
    .bind::<Text, _>(if clock { "clock" } else { "" }))
    .execute(conn)
    .await?;
    Ok(())
}

/// The database's clock.
pub async fn database_now(conn: &mut AsyncPgConnection) -> QueryResult<DateTime<Utc>> {
    diesel::select(now.into_sql::<Timestamptz>())
        .get_result(conn)
        .await
}

pub async fn insert_session(
    conn: &mut AsyncPgConnection,
    session: &NewWorkSession<'_>,
) -> QueryResult<WorkSession> {
    diesel::insert_into(work_sessions::table)
        .values(session)
        .returning(WorkSession::as_returning())
        .get_result(conn)
        .await
}

/// Ends the open session of `employee` at `at`; `None` when it has none.
pub async fn close_open_session(
    conn: &mut AsyncPgConnection,
    employee: EmployeeId,
    at: DateTime<Utc>,
) -> QueryResult<Option<WorkSession>> {
    diesel::update(
        work_sessions::table
            .filter(work_sessions::employee_id.eq(employee))
            .filter(work_sessions::ended_at.is_null()),
    )
    .set((
        work_sessions::ended_at.eq(at),
        work_sessions::updated_at.eq(now),
    ))
    .returning(WorkSession::as_returning())
    .get_result(conn)
    .await
    .optional()
}

pub async fn update_session(
    conn: &mut AsyncPgConnection,
    id: WorkSessionId,
    changes: &WorkSessionChanges,
) -> QueryResult<WorkSession> {
    diesel::update(work_sessions::table.find(id))
        .set((changes, work_sessions::updated_at.eq(now)))
        .returning(WorkSession::as_returning())
        .get_result(conn)
        .await
}

pub async fn delete_session(conn: &mut AsyncPgConnection, id: WorkSessionId) -> QueryResult<()> {
    diesel::delete(work_sessions::table.find(id))
        .execute(conn)
        .await?;
    Ok(())
}

/// How long an idempotency key answers.
pub const KEY_LIFETIME: chrono::Duration = chrono::Duration::hours(24);

/// What an idempotency key was first used for: the request and the session it answered.
pub async fn idempotency_key(
    conn: &mut AsyncPgConnection,
    employee: EmployeeId,
    key: &str,
) -> QueryResult<Option<(String, WorkSessionId)>> {
    clock_idempotency_keys::table
        .find((employee, key))
        .filter(clock_idempotency_keys::created_at.gt(Utc::now() - KEY_LIFETIME))
        .select((
            clock_idempotency_keys::request,
            clock_idempotency_keys::session_id,
        ))
        .first(conn)
        .await
        .optional()
}

/// Records the first use of an idempotency key (an expired one is replaced).
pub async fn insert_idempotency_key(
    conn: &mut AsyncPgConnection,
    employee: EmployeeId,
    key: &str,
    request: &str,
    session: WorkSessionId,
) -> QueryResult<()> {
    diesel::delete(
        clock_idempotency_keys::table
            .find((employee, key))
            .filter(clock_idempotency_keys::created_at.le(Utc::now() - KEY_LIFETIME)),
    )
    .execute(conn)
    .await?;
    diesel::insert_into(clock_idempotency_keys::table)
        .values((
            clock_idempotency_keys::employee_id.eq(employee),
            clock_idempotency_keys::key.eq(key),
            clock_idempotency_keys::request.eq(request),
            clock_idempotency_keys::session_id.eq(session),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets idempotency keys older than a day; answers how many.
pub async fn prune_idempotency_keys(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::delete(
        clock_idempotency_keys::table
            .filter(clock_idempotency_keys::created_at.le(Utc::now() - KEY_LIFETIME)),
    )
    .execute(conn)
    .await
}

/// The edit history of these sessions, oldest first.
pub async fn history_of(
    conn: &mut AsyncPgConnection,
    sessions: &[WorkSessionId],
) -> QueryResult<Vec<WorkSessionChange>> {
    work_session_changes::table
        .filter(work_session_changes::session_id.eq_any(sessions))
        .order((
            work_session_changes::at.asc(),
            work_session_changes::id.asc(),
        ))
        .select(WorkSessionChange::as_select())
        .load(conn)
        .await
}

/// The newest `limit` changes of each of these employees' sessions, newest first: one
/// statement, a LATERAL join over the ids.
pub async fn changes_of_employees(
    conn: &mut AsyncPgConnection,
    employees: &[EmployeeId],
    limit: i64,
) -> QueryResult<Vec<WorkSessionChange>> {
    let ids: Vec<i64> = employees.iter().map(|id| id.0).collect();
    Cached(
        diesel::sql_query(
            "SELECT c.* FROM unnest($1::bigint[]) AS e(id) CROSS JOIN LATERAL ( \
             SELECT * FROM work_session_changes \
             WHERE employee_id = e.id ORDER BY at DESC, id DESC LIMIT $2) c",
        )
        .bind::<Array<BigInt>, _>(ids)
        .bind::<BigInt, _>(limit),
    )
    .load(conn)
    .await
}

/// A page of sessions of each of these employees, newest first, overlapping `[from, to)`:
/// one statement, a LATERAL join over the ids, each side an index scan of
/// `work_sessions_by_employee`.
pub async fn sessions_of_employees(
    conn: &mut AsyncPgConnection,
    employees: &[EmployeeId],
    window: &SessionWindow,
) -> QueryResult<Vec<WorkSession>> {
    let ids: Vec<i64> = employees.iter().map(|id| id.0).collect();
    let (cursor_start, cursor_id) = window
        .after
        .map_or((None, None), |(at, id)| (Some(at), Some(id.0)));
    Cached(
        diesel::sql_query(
            "SELECT s.* FROM unnest($1::bigint[]) AS e(id) CROSS JOIN LATERAL ( \
             SELECT * FROM work_sessions \
             WHERE employee_id = e.id \
               AND ($2::timestamptz IS NULL OR coalesce(ended_at, now()) > $2) \
               AND ($3::timestamptz IS NULL OR started_at < $3) \
               AND ($4::timestamptz IS NULL OR (started_at, id) < ($4, $5)) \
             ORDER BY started_at DESC, id DESC LIMIT $6) s",
        )
        .bind::<Array<BigInt>, _>(ids)
        .bind::<Nullable<Timestamptz>, _>(window.from)
        .bind::<Nullable<Timestamptz>, _>(window.to)
        .bind::<Nullable<Timestamptz>, _>(cursor_start)
        .bind::<Nullable<BigInt>, _>(cursor_id)
        .bind::<BigInt, _>(window.limit),
    )
    .load(conn)
    .await
}

/// Which sessions of an employee a per-employee page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionWindow {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// The start and id of the session the page starts after (newest first).
    pub after: Option<(DateTime<Utc>, WorkSessionId)>,
    /// Rows to fetch: one more than the page.
    pub limit: i64,
}

/// How many sessions of each of these employees overlap `[from, to)`.
pub async fn count_sessions_of_employees(
    conn: &mut AsyncPgConnection,
    employees: &[EmployeeId],
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> QueryResult<Vec<(EmployeeId, i64)>> {
    let ids: Vec<i64> = employees.iter().map(|id| id.0).collect();
    let rows: Vec<CountRow> = Cached(
        diesel::sql_query(
            "SELECT employee_id, count(*) AS n FROM work_sessions \
         WHERE employee_id = ANY($1) \
           AND ($2::timestamptz IS NULL OR coalesce(ended_at, now()) > $2) \
           AND ($3::timestamptz IS NULL OR started_at < $3) \
         GROUP BY employee_id",
        )
        .bind::<Array<BigInt>, _>(ids)
        .bind::<Nullable<Timestamptz>, _>(from)
        .bind::<Nullable<Timestamptz>, _>(to),
    )
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (EmployeeId(row.employee_id), row.n))
        .collect())
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    employee_id: i64,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Hours each of these employees worked within `[from, to)`, sessions clipped to it and open
/// ones counted to now.
pub async fn hours_worked(
    conn: &mut AsyncPgConnection,
    employees: &[EmployeeId],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> QueryResult<Vec<(EmployeeId, f64)>> {
    let ids: Vec<i64> = employees.iter().map(|id| id.0).collect();
    let rows: Vec<HoursRow> = Cached(diesel::sql_query(
        "SELECT employee_id, coalesce(sum(extract(epoch FROM \
             least(coalesce(ended_at, now()), $3) - greatest(started_at, $2))), 0)::float8 / 3600 AS hours \
         FROM work_sessions \
         WHERE employee_id = ANY($1) AND started_at < $3 AND coalesce(ended_at, now()) > $2 \
         GROUP BY employee_id",
    )
    .bind::<Array<BigInt>, _>(ids)
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to))
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (EmployeeId(row.employee_id), row.hours))
        .collect())
}

#[derive(QueryableByName)]
struct HoursRow {
    #[diesel(sql_type = BigInt)]
    employee_id: i64,
    #[diesel(sql_type = Double)]
    hours: f64,
}

/// Each employee's annual hours less the hours worked in `year`, a year of the company's time
/// zone, and less the time credited besides sessions (`rollcall_credited_minutes`: paid
/// absences and company holidays, which the timesheets keep).
pub async fn annual_balances(
    conn: &mut AsyncPgConnection,
    employees: &[EmployeeId],
    year: i32,
) -> QueryResult<Vec<(EmployeeId, f64)>> {
    let ids: Vec<i64> = employees.iter().map(|id| id.0).collect();
    let rows: Vec<HoursRow> = Cached(diesel::sql_query(
        "SELECT e.id AS employee_id, e.annual_hours - coalesce(( \
             SELECT sum(extract(epoch FROM least(coalesce(s.ended_at, now()), y.until) \
                                            - greatest(s.started_at, y.since))) / 3600 \
             FROM work_sessions s \
             WHERE s.employee_id = e.id AND s.started_at < y.until \
               AND coalesce(s.ended_at, now()) > y.since), 0)::float8 \
             - rollcall_credited_minutes(e.id, make_date($2, 1, 1), make_date($2, 12, 31)) \
               / 60.0 AS hours \
         FROM employees e JOIN companies c ON c.id = e.company_id \
         CROSS JOIN LATERAL (SELECT make_timestamptz($2, 1, 1, 0, 0, 0, c.time_zone) AS since, \
                                    make_timestamptz($2 + 1, 1, 1, 0, 0, 0, c.time_zone) AS until) y \
         WHERE e.id = ANY($1)",
    )
    .bind::<Array<BigInt>, _>(ids)
    .bind::<Integer, _>(year))
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (EmployeeId(row.employee_id), row.hours))
        .collect())
}

// Kiosks ------------------------------------------------------------------------------------

/// The kiosks of these companies that still work, by name.
pub async fn kiosks_of(
    conn: &mut AsyncPgConnection,
    companies: &[CompanyId],
) -> QueryResult<Vec<Kiosk>> {
    kiosks::table
        .filter(kiosks::company_id.eq_any(companies))
        .filter(kiosks::revoked_at.is_null())
        .order((kiosks::name.asc(), kiosks::id.asc()))
        .select(Kiosk::as_select())
        .load(conn)
        .await
}

/// The kiosk with this id, if `scope` reaches its company.
pub async fn kiosk_in(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    id: KioskId,
) -> QueryResult<Option<Kiosk>> {
    let mut query = kiosks::table.filter(kiosks::id.eq(id)).into_boxed();
    if let Scope::Own(user) | Scope::Companies(user) = scope {
        query = query.filter(kiosks::company_id.eq_any(companies_of(user)));
    }
    query
        .select(Kiosk::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn insert_kiosk(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    name: &str,
    token_hash: &[u8],
    by: UserId,
) -> QueryResult<Kiosk> {
    diesel::insert_into(kiosks::table)
        .values((
            kiosks::company_id.eq(company),
            kiosks::name.eq(name),
            kiosks::token_hash.eq(token_hash),
            kiosks::created_by.eq(by),
        ))
        .returning(Kiosk::as_returning())
        .get_result(conn)
        .await
}

/// Revokes a kiosk; answers whether it still worked.
pub async fn revoke_kiosk(conn: &mut AsyncPgConnection, id: KioskId) -> QueryResult<bool> {
    let revoked = diesel::update(kiosks::table.find(id).filter(kiosks::revoked_at.is_null()))
        .set(kiosks::revoked_at.eq(now))
        .execute(conn)
        .await?;
    Ok(revoked == 1)
}

/// The employee's latest kiosk clock within `window`: whether it clocked in, and when.
pub async fn recent_kiosk_clock(
    conn: &mut AsyncPgConnection,
    employee: EmployeeId,
    window: chrono::Duration,
) -> QueryResult<Option<(bool, DateTime<Utc>)>> {
    let since = Utc::now() - window;
    let found: Option<(Option<String>, DateTime<Utc>)> = kiosk_clocks::table
        .filter(kiosk_clocks::employee_id.eq(employee))
        .filter(kiosk_clocks::kind.is_not_null())
        .filter(kiosk_clocks::at.gt(since))
        .order((kiosk_clocks::at.desc(), kiosk_clocks::id.desc()))
        .select((kiosk_clocks::kind, kiosk_clocks::at))
        .first(conn)
        .await
        .optional()?;
    Ok(found.map(|(kind, at)| (kind.as_deref() == Some("CLOCK_IN"), at)))
}

/// Records what a kiosk did for an employee: a clock (in or out, and the session), or with
/// `None` a wrong PIN. A clock also marks the kiosk used.
pub async fn record_kiosk_clock(
    conn: &mut AsyncPgConnection,
    kiosk: KioskId,
    employee: EmployeeId,
    clock: Option<(bool, WorkSessionId)>,
) -> QueryResult<()> {
    let kind = clock.map(|(clocked_in, _)| if clocked_in { "CLOCK_IN" } else { "CLOCK_OUT" });
    diesel::insert_into(kiosk_clocks::table)
        .values((
            kiosk_clocks::kiosk_id.eq(kiosk),
            kiosk_clocks::employee_id.eq(employee),
            kiosk_clocks::kind.eq(kind),
            kiosk_clocks::session_id.eq(clock.map(|(_, session)| session)),
        ))
        .execute(conn)
        .await?;
    if clock.is_some() {
        diesel::update(kiosks::table.find(kiosk))
            .set(kiosks::last_used_at.eq(now))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Wrong PINs for an employee since `since`: how many, and the oldest.
pub async fn wrong_pins_since(
    conn: &mut AsyncPgConnection,
    employee: EmployeeId,
    since: DateTime<Utc>,
) -> QueryResult<(i64, Option<DateTime<Utc>>)> {
    kiosk_clocks::table
        .filter(kiosk_clocks::employee_id.eq(employee))
        .filter(kiosk_clocks::kind.is_null())
        .filter(kiosk_clocks::at.gt(since))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(kiosk_clocks::at),
        ))
        .get_result(conn)
        .await
}
