//! The workforce area's relations, each loaded in one statement per request level through the
//! request's [`Loaders`]. Keys that carry arguments (a page of sessions, hours in a window)
//! are grouped by their arguments, and each group is one statement over all its employees.

use std::collections::HashMap;
use std::hash::Hash;

use async_graphql::dataloader::Loader;
use chrono::{DateTime, Utc};

use crate::auth::identity::{User, UserId};
use crate::auth::scope::Scope;
use crate::error::{SharedError, shared};
use crate::graphql::loaders::{Loaders, every_key, split};
use crate::workforce::model::{
    Company, CompanyId, Employee, EmployeeId, Kiosk, WorkSession, WorkSessionChange, WorkSessionId,
};
use crate::workforce::queries::{self, SessionWindow};

impl Loader<CompanyId> for Loaders {
    type Value = Company;
    type Error = SharedError;

    async fn load(&self, ids: &[CompanyId]) -> Result<HashMap<CompanyId, Company>, Self::Error> {
        let mut conn = self.conn().await?;
        let rows = queries::companies_by_ids(&mut conn, ids)
            .await
            .map_err(shared)?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

impl Loader<EmployeeId> for Loaders {
    type Value = Employee;
    type Error = SharedError;

    async fn load(&self, ids: &[EmployeeId]) -> Result<HashMap<EmployeeId, Employee>, Self::Error> {
        let mut conn = self.conn().await?;
        let rows = queries::employees_by_ids(&mut conn, ids)
            .await
            .map_err(shared)?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

impl Loader<WorkSessionId> for Loaders {
    type Value = WorkSession;
    type Error = SharedError;

    async fn load(
        &self,
        ids: &[WorkSessionId],
    ) -> Result<HashMap<WorkSessionId, WorkSession>, Self::Error> {
        let mut conn = self.conn().await?;
        let rows = queries::sessions_by_ids(&mut conn, ids)
            .await
            .map_err(shared)?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

/// The companies of an account that the viewer's scope reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CompaniesOf {
    pub user: UserId,
    pub scope: Scope,
}

impl Loader<CompaniesOf> for Loaders {
    type Value = Vec<Company>;
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[CompaniesOf],
    ) -> Result<HashMap<CompaniesOf, Vec<Company>>, Self::Error> {
        let mut conn = self.conn().await?;
        let mut rows = Vec::new();
        for (scope, users) in split(keys, |key| (key.scope, key.user)) {
            let companies = queries::companies_of_users(&mut conn, scope, &users)
                .await
                .map_err(shared)?;
            rows.extend(
                companies
                    .into_iter()
                    .map(|(user, company)| (CompaniesOf { user, scope }, company)),
            );
        }
        Ok(every_key(keys, rows))
    }
}

/// The employee records of an account that the viewer's scope reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EmployeesOf {
    pub user: UserId,
    pub scope: Scope,
}

impl Loader<EmployeesOf> for Loaders {
    type Value = Vec<Employee>;
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[EmployeesOf],
    ) -> Result<HashMap<EmployeesOf, Vec<Employee>>, Self::Error> {
        let mut conn = self.conn().await?;
        let mut rows = Vec::new();
        for (scope, users) in split(keys, |key| (key.scope, key.user)) {
            let employees = queries::employees_of_users(&mut conn, scope, &users)
                .await
                .map_err(shared)?;
            rows.extend(employees.into_iter().filter_map(|employee| {
                let user = employee.user_id?;
                Some((EmployeesOf { user, scope }, employee))
            }));
        }
        Ok(every_key(keys, rows))
    }
}

/// The live members of a company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MembersOf(pub CompanyId);

impl Loader<MembersOf> for Loaders {
    type Value = Vec<User>;
    type Error = SharedError;

    async fn load(&self, keys: &[MembersOf]) -> Result<HashMap<MembersOf, Vec<User>>, Self::Error> {
        let ids: Vec<CompanyId> = keys.iter().map(|key| key.0).collect();
        let mut conn = self.conn().await?;
        let members = queries::members_of(&mut conn, &ids).await.map_err(shared)?;
        Ok(every_key(
            keys,
            members
                .into_iter()
                .map(|(company, user)| (MembersOf(company), user)),
        ))
    }
}

/// The working kiosks of a company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KiosksOf(pub CompanyId);

impl Loader<KiosksOf> for Loaders {
    type Value = Vec<Kiosk>;
    type Error = SharedError;

    async fn load(&self, keys: &[KiosksOf]) -> Result<HashMap<KiosksOf, Vec<Kiosk>>, Self::Error> {
        let ids: Vec<CompanyId> = keys.iter().map(|key| key.0).collect();
        let mut conn = self.conn().await?;
        let kiosks = queries::kiosks_of(&mut conn, &ids).await.map_err(shared)?;
        Ok(every_key(
            keys,
            kiosks
                .into_iter()
                .map(|kiosk| (KiosksOf(kiosk.company_id), kiosk)),
        ))
    }
}

/// The open session of an employee, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OpenSessionOf(pub EmployeeId);

impl Loader<OpenSessionOf> for Loaders {
    type Value = WorkSession;
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[OpenSessionOf],
    ) -> Result<HashMap<OpenSessionOf, WorkSession>, Self::Error> {
        let ids: Vec<EmployeeId> = keys.iter().map(|key| key.0).collect();
        let mut conn = self.conn().await?;
        let rows = queries::open_sessions_of(&mut conn, &ids)
            .await
            .map_err(shared)?;
        Ok(rows
            .into_iter()
            .map(|row| (OpenSessionOf(row.employee_id), row))
            .collect())
    }
}

/// A page of an employee's sessions, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionsPage {
    pub employee: EmployeeId,
    pub window: SessionWindow,
}

impl Loader<SessionsPage> for Loaders {
    type Value = Vec<WorkSession>;
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[SessionsPage],
    ) -> Result<HashMap<SessionsPage, Vec<WorkSession>>, Self::Error> {
        let mut conn = self.conn().await?;
        let mut rows = Vec::new();
        for (window, ids) in split(keys, |key| (key.window, key.employee)) {
            let sessions = queries::sessions_of_employees(&mut conn, &ids, &window)
                .await
                .map_err(shared)?;
            rows.extend(sessions.into_iter().map(|session| {
                let employee = session.employee_id;
                (SessionsPage { employee, window }, session)
            }));
        }
        Ok(every_key(keys, rows))
    }
}

/// How many sessions of an employee overlap a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionCount {
    pub employee: EmployeeId,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl Loader<SessionCount> for Loaders {
    type Value = i64;
    type Error = SharedError;

    async fn load(&self, keys: &[SessionCount]) -> Result<HashMap<SessionCount, i64>, Self::Error> {
        let mut conn = self.conn().await?;
        let mut found: HashMap<SessionCount, i64> = keys.iter().map(|key| (*key, 0)).collect();
        for ((from, to), keys) in split(keys, |key| ((key.from, key.to), *key)) {
            let ids: Vec<EmployeeId> = keys.iter().map(|key| key.employee).collect();
            for (employee, count) in queries::count_sessions_of_employees(&mut conn, &ids, from, to)
                .await
                .map_err(shared)?
            {
                found.insert(SessionCount { employee, from, to }, count);
            }
        }
        Ok(found)
    }
}

/// Hours an employee worked within `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HoursWorked {
    pub employee: EmployeeId,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Loader<HoursWorked> for Loaders {
    type Value = f64;
    type Error = SharedError;

    async fn load(&self, keys: &[HoursWorked]) -> Result<HashMap<HoursWorked, f64>, Self::Error> {
        let mut conn = self.conn().await?;
        let mut found: HashMap<HoursWorked, f64> = keys.iter().map(|key| (*key, 0.0)).collect();
        for ((from, to), keys) in split(keys, |key| ((key.from, key.to), *key)) {
            let ids: Vec<EmployeeId> = keys.iter().map(|key| key.employee).collect();
            for (employee, hours) in queries::hours_worked(&mut conn, &ids, from, to)
                .await
                .map_err(shared)?
            {
                found.insert(HoursWorked { employee, from, to }, hours);
            }
        }
        Ok(found)
    }
}

/// An employee's annual hours less those worked in a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AnnualBalance {
    pub employee: EmployeeId,
    pub year: i32,
}

impl Loader<AnnualBalance> for Loaders {
    type Value = f64;
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[AnnualBalance],
    ) -> Result<HashMap<AnnualBalance, f64>, Self::Error> {
        let mut conn = self.conn().await?;
        let mut found = HashMap::new();
        for (year, keys) in split(keys, |key| (key.year, *key)) {
            let ids: Vec<EmployeeId> = keys.iter().map(|key| key.employee).collect();
            for (employee, balance) in queries::annual_balances(&mut conn, &ids, year)
                .await
                .map_err(shared)?
            {
                found.insert(AnnualBalance { employee, year }, balance);
            }
        }
        Ok(found)
    }
}

/// The edit history of a session, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HistoryOf(pub WorkSessionId);

impl Loader<HistoryOf> for Loaders {
    type Value = Vec<WorkSessionChange>;
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[HistoryOf],
    ) -> Result<HashMap<HistoryOf, Vec<WorkSessionChange>>, Self::Error> {
        let ids: Vec<WorkSessionId> = keys.iter().map(|key| key.0).collect();
        let mut conn = self.conn().await?;
        let changes = queries::history_of(&mut conn, &ids).await.map_err(shared)?;
        Ok(every_key(
            keys,
            changes
                .into_iter()
                .map(|change| (HistoryOf(change.session_id), change)),
        ))
    }
}

/// The newest changes of an employee's sessions (deletions too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChangesOf {
    pub employee: EmployeeId,
    pub limit: i64,
}

impl Loader<ChangesOf> for Loaders {
    type Value = Vec<WorkSessionChange>;
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[ChangesOf],
    ) -> Result<HashMap<ChangesOf, Vec<WorkSessionChange>>, Self::Error> {
        let mut conn = self.conn().await?;
        let mut rows = Vec::new();
        for (limit, ids) in split(keys, |key| (key.limit, key.employee)) {
            let changes = queries::changes_of_employees(&mut conn, &ids, limit)
                .await
                .map_err(shared)?;
            rows.extend(changes.into_iter().map(|change| {
                let employee = change.employee_id;
                (ChangesOf { employee, limit }, change)
            }));
        }
        Ok(every_key(keys, rows))
    }
}
