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
use crate::graphql::loaders::Loaders;
use crate::workforce::model::{
    Company, CompanyId, Employee, EmployeeId, Kiosk, WorkSession, WorkSessionChange, WorkSessionId,
};
use crate::workforce::queries::{self, SessionWindow};

/// Groups `keys` by what they share besides their id (`group`), so each group is one query.
fn grouped<K: Copy, G: Eq + Hash>(keys: &[K], group: impl Fn(&K) -> G) -> HashMap<G, Vec<K>> {
    let mut groups: HashMap<G, Vec<K>> = HashMap::new();
    for key in keys {
        groups.entry(group(key)).or_default().push(*key);
    }
    groups
}

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
        let mut found: HashMap<CompaniesOf, Vec<Company>> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        for (scope, keys) in grouped(keys, |key| key.scope) {
            let users: Vec<UserId> = keys.iter().map(|key| key.user).collect();
            for (user, company) in queries::companies_of_users(&mut conn, scope, &users)
                .await
                .map_err(shared)?
            {
                found
                    .entry(CompaniesOf { user, scope })
                    .or_default()
                    .push(company);
            }
        }
        Ok(found)
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
        let mut found: HashMap<EmployeesOf, Vec<Employee>> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        for (scope, keys) in grouped(keys, |key| key.scope) {
            let users: Vec<UserId> = keys.iter().map(|key| key.user).collect();
            for employee in queries::employees_of_users(&mut conn, scope, &users)
                .await
                .map_err(shared)?
            {
                if let Some(user) = employee.user_id {
                    found
                        .entry(EmployeesOf { user, scope })
                        .or_default()
                        .push(employee);
                }
            }
        }
        Ok(found)
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
        let mut found: HashMap<MembersOf, Vec<User>> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        for (company, user) in queries::members_of(&mut conn, &ids).await.map_err(shared)? {
            found.entry(MembersOf(company)).or_default().push(user);
        }
        Ok(found)
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
        let mut found: HashMap<KiosksOf, Vec<Kiosk>> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        for kiosk in queries::kiosks_of(&mut conn, &ids).await.map_err(shared)? {
            found
                .entry(KiosksOf(kiosk.company_id))
                .or_default()
                .push(kiosk);
        }
        Ok(found)
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
        let mut found: HashMap<SessionsPage, Vec<WorkSession>> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        for (window, keys) in grouped(keys, |key| key.window) {
            let ids: Vec<EmployeeId> = keys.iter().map(|key| key.employee).collect();
            for session in queries::sessions_of_employees(&mut conn, &ids, &window)
                .await
                .map_err(shared)?
            {
                found
                    .entry(SessionsPage {
                        employee: session.employee_id,
                        window,
                    })
                    .or_default()
                    .push(session);
            }
        }
        Ok(found)
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
        for ((from, to), keys) in grouped(keys, |key| (key.from, key.to)) {
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
        for ((from, to), keys) in grouped(keys, |key| (key.from, key.to)) {
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
        for (year, keys) in grouped(keys, |key| key.year) {
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
        let mut found: HashMap<HistoryOf, Vec<WorkSessionChange>> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        for change in queries::history_of(&mut conn, &ids).await.map_err(shared)? {
            found
                .entry(HistoryOf(change.session_id))
                .or_default()
                .push(change);
        }
        Ok(found)
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
        let mut found: HashMap<ChangesOf, Vec<WorkSessionChange>> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        for (limit, keys) in grouped(keys, |key| key.limit) {
            let ids: Vec<EmployeeId> = keys.iter().map(|key| key.employee).collect();
            for change in queries::changes_of_employees(&mut conn, &ids, limit)
                .await
                .map_err(shared)?
            {
                found
                    .entry(ChangesOf {
                        employee: change.employee_id,
                        limit,
                    })
                    .or_default()
                    .push(change);
            }
        }
        Ok(found)
    }
}
