//! Employees: records of people whose time is kept, their fingerprints and PINs, archiving and
//! erasure.
//!
//! Fingerprint signatures and PINs are never stored: only HMACs under the data key
//! (`ROLLCALL_DATA_KEY`), a fingerprint's over the signature (so that a kiosk finds the
//! employee by it, and two employees of a company cannot enroll the same one), a PIN's over the
//! employee id and the PIN (so equal PINs of two employees differ).

use async_graphql::MaybeUndefined;
use diesel_async::AsyncConnection;

use crate::app::App;
use crate::auth::guards::Level;
use crate::auth::identity::UserId;
use crate::auth::scope::Scope;
use crate::auth::viewer::Viewer;
use crate::error::{AppError, AppResult, OnConstraint};
use crate::graphql::deletion::DeletionOutcome;
use crate::validate::{check_email, check_name};
use crate::workforce::model::{
    CompanyId, Employee, EmployeeChanges, EmployeeId, FINGERPRINT_TAKEN, NewEmployee,
    USER_HAS_EMPLOYEE, USER_NOT_MEMBER,
};
use crate::workforce::queries;

/// Most hours a year has (366 days).
pub const MAX_ANNUAL_HOURS: i32 = 8784;

/// What a new employee is made of.
#[derive(Debug, Clone)]
pub struct EmployeeInput {
    pub company: CompanyId,
    pub name: String,
    pub email: Option<String>,
    pub annual_hours: i32,
    pub user: Option<UserId>,
    pub fingerprint: Option<String>,
}

/// Changes to an employee: undefined keeps, null clears.
#[derive(Debug, Clone, Default)]
pub struct EmployeeUpdate {
    pub name: MaybeUndefined<String>,
    pub email: MaybeUndefined<String>,
    pub annual_hours: MaybeUndefined<i32>,
    pub user: MaybeUndefined<UserId>,
    pub fingerprint: MaybeUndefined<String>,
}

fn check_hours(hours: i32) -> AppResult<i32> {
    if (0..=MAX_ANNUAL_HOURS).contains(&hours) {
        Ok(hours)
    } else {
        Err(AppError::bad_input(
            "annualHours",
            format!("annual hours are from 0 to {MAX_ANNUAL_HOURS}"),
        ))
    }
}

/// Only head managers and up enroll (or remove) fingerprints.
fn may_enroll(viewer: &Viewer) -> AppResult<()> {
    if viewer.level() < Level::HeadManager {
        return Err(AppError::forbidden(
            "LEVEL_TOO_LOW",
            "only head managers and up enroll fingerprints",
        ));
    }
    Ok(())
}

/// The MAC of a fingerprint signature, which `viewer` may enroll.
fn fingerprint_mac(app: &App, viewer: &Viewer, signature: &str) -> AppResult<Vec<u8>> {
    may_enroll(viewer)?;
    let signature = signature.trim();
    if signature.is_empty() || signature.len() > 4096 {
        return Err(AppError::bad_input(
            "fingerprint",
            "a fingerprint signature has 1 to 4096 characters",
        ));
    }
    Ok(app
        .keys
        .data_mac("fingerprint", signature.as_bytes())
        .to_vec())
}

/// The MAC of an employee's PIN.
pub fn pin_mac(app: &App, employee: EmployeeId, pin: &str) -> Vec<u8> {
    app.keys
        .data_mac("pin", format!("{employee}:{pin}").as_bytes())
        .to_vec()
}

/// Creates an employee in a company `scope` reaches.
pub async fn create(
    app: &App,
    viewer: &Viewer,
    scope: Scope,
    input: EmployeeInput,
) -> AppResult<Employee> {
    let name = check_name("name", &input.name)?;
    let email = input
        .email
        .as_deref()
        .map(|email| check_email("email", email))
        .transpose()?;
    let annual_hours = check_hours(input.annual_hours)?;
    let fingerprint = input
        .fingerprint
        .as_deref()
        .map(|signature| fingerprint_mac(app, viewer, signature))
        .transpose()?;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let company = queries::company_in(conn, scope, input.company)
            .await?
            .ok_or(AppError::NotFound("company"))?;
        queries::insert_employee(
            conn,
            &NewEmployee {
                company_id: company.id,
                name: &name,
                email: email.as_deref(),
                annual_hours,
                user_id: input.user,
                fingerprint_mac: fingerprint,
            },
        )
        .await
        .on_constraint(&[USER_NOT_MEMBER, USER_HAS_EMPLOYEE, FINGERPRINT_TAKEN])
    })
    .await
}

/// Changes an employee `scope` reaches.
pub async fn update(
    app: &App,
    viewer: &Viewer,
    scope: Scope,
    id: EmployeeId,
    update: EmployeeUpdate,
) -> AppResult<Employee> {
    let changes = EmployeeChanges {
        name: match update.name {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => {
                return Err(AppError::bad_input("name", "an employee has a name"));
            }
            MaybeUndefined::Value(name) => Some(check_name("name", &name)?),
        },
        email: match update.email {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(email) => Some(Some(check_email("email", &email)?)),
        },
        annual_hours: match update.annual_hours {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => {
                return Err(AppError::bad_input(
                    "annualHours",
                    "annual hours are required",
                ));
            }
            MaybeUndefined::Value(hours) => Some(check_hours(hours)?),
        },
        user_id: match update.user {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(user) => Some(Some(user)),
        },
        fingerprint_mac: match update.fingerprint {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => {
                may_enroll(viewer)?;
                Some(None)
            }
            MaybeUndefined::Value(signature) => {
                Some(Some(fingerprint_mac(app, viewer, &signature)?))
            }
        },
    };
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let employee = queries::employee_for_update(conn, scope, id)
            .await?
            .ok_or(AppError::NotFound("employee"))?;
        if employee.erased_at.is_some() {
            return Err(AppError::conflict(
                "EMPLOYEE_ERASED",
                "this employee was erased and cannot change",
            ));
        }
        let nothing = changes.name.is_none()
            && changes.email.is_none()
            && changes.annual_hours.is_none()
            && changes.user_id.is_none()
            && changes.fingerprint_mac.is_none();
        if nothing {
            return Ok(employee);
        }
        queries::update_employee(conn, employee.id, &changes)
            .await
            .on_constraint(&[USER_NOT_MEMBER, USER_HAS_EMPLOYEE, FINGERPRINT_TAKEN])
    })
    .await
}

/// Deletes an employee `scope` reaches, or archives one that has sessions. One who is clocked
/// in is CONFLICT EMPLOYEE_CLOCKED_IN.
pub async fn delete(app: &App, scope: Scope, id: EmployeeId) -> AppResult<DeletionOutcome> {
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let employee = queries::employee_for_update(conn, scope, id)
            .await?
            .ok_or(AppError::NotFound("employee"))?;
        if !queries::open_sessions_of(conn, &[employee.id])
            .await?
            .is_empty()
        {
            return Err(AppError::conflict(
                "EMPLOYEE_CLOCKED_IN",
                "the employee is clocked in: clock out first",
            ));
        }
        if queries::has_sessions(conn, employee.id).await? {
            queries::archive_employee(conn, employee.id).await?;
            Ok(DeletionOutcome::Archived)
        } else {
            // Records of later areas (a timesheet with shifts, say) may still name the
            // employee: then it is archived, as one with sessions is. The savepoint keeps the
            // transaction usable after the refused delete.
            let deleted = conn
                .transaction(async |conn| queries::delete_employee(conn, employee.id).await)
                .await;
            match deleted {
                Ok(()) => Ok(DeletionOutcome::Deleted),
                Err(diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::ForeignKeyViolation,
                    _,
                )) => {
                    queries::archive_employee(conn, employee.id).await?;
                    Ok(DeletionOutcome::Archived)
                }
                Err(err) => Err(err.into()),
            }
        }
    })
    .await
}

/// Forgets who an archived employee was, for good: name, email, account, fingerprint and PIN.
/// Sessions and totals stay.
pub async fn erase(app: &App, scope: Scope, id: EmployeeId) -> AppResult<Employee> {
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let employee = queries::employee_for_update(conn, scope, id)
            .await?
            .ok_or(AppError::NotFound("employee"))?;
        if employee.active {
            return Err(AppError::conflict(
                "EMPLOYEE_ACTIVE",
                "only an archived employee can be erased: delete it first",
            ));
        }
        Ok(queries::erase_employee(conn, employee.id).await?)
    })
    .await
}

/// Sets (or with `None` clears) an employee's kiosk PIN: 4 to 8 digits.
pub async fn set_pin(app: &App, scope: Scope, id: EmployeeId, pin: Option<&str>) -> AppResult<()> {
    if let Some(pin) = pin
        && !((4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(AppError::bad_input("pin", "a PIN has 4 to 8 digits"));
    }
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let employee = queries::employee_for_update(conn, scope, id)
            .await?
            .ok_or(AppError::NotFound("employee"))?;
        if !employee.active {
            return Err(AppError::conflict(
                "EMPLOYEE_INACTIVE",
                "the employee is archived",
            ));
        }
        let mac = pin.map(|pin| pin_mac(app, employee.id, pin));
        queries::set_pin(conn, employee.id, mac.as_deref()).await?;
        Ok(())
    })
    .await
}
