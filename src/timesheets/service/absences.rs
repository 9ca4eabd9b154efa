//! Absences (requested, approved or rejected, cancelled while pending) and company holidays.

use chrono::{Datelike, NaiveDate};
use diesel_async::AsyncConnection;

use crate::app::App;
use crate::auth::scope::Scope;
use crate::auth::viewer::Viewer;
use crate::error::{AppError, AppResult, OnConstraint};
use crate::timesheets::model::{
    ABSENCE_OVERLAP, Absence, AbsenceId, AbsenceKind, AbsenceStatus, Holiday, NewAbsence,
};
use crate::timesheets::queries;
use crate::timesheets::service::check_text;
use crate::workforce::model::{CompanyId, EmployeeId, WEEK_FINALIZED};
use crate::workforce::queries::{company_in, describe_change, employee_for_update, employee_in};

/// Longest absence, in days.
pub const MAX_DAYS: i64 = 366;
/// Most holidays a company keeps in a year.
pub const MAX_HOLIDAYS: usize = 60;

/// A requested absence.
#[derive(Debug, Clone)]
pub struct AbsenceInput {
    pub employee: EmployeeId,
    pub kind: AbsenceKind,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub minutes_per_day: Option<i32>,
    pub note: Option<String>,
}

/// Requests an absence for an employee within `scope` (employees their own).
pub async fn request(
    app: &App,
    viewer: &Viewer,
    scope: Scope,
    input: AbsenceInput,
) -> AppResult<Absence> {
    let actor = viewer.require()?.user.id;
    if input.to < input.from || (input.to - input.from).num_days() >= MAX_DAYS {
        return Err(AppError::bad_input(
            "to",
            format!("an absence ends on or after its first day, within {MAX_DAYS} days"),
        ));
    }
    if input
        .minutes_per_day
        .is_some_and(|minutes| !(1..=1440).contains(&minutes))
    {
        return Err(AppError::bad_input(
            "minutesPerDay",
            "an absence of part of a day is 1 to 1440 minutes",
        ));
    }
    let note = match input.note.as_deref().map(str::trim) {
        Some("") | None => None,
        Some(note) => Some(check_text("note", note)?),
    };
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        describe_change(conn, Some(actor), None, false).await?;
        let employee = employee_for_update(conn, scope, input.employee)
            .await?
            .ok_or(AppError::NotFound("employee"))?;
        if !employee.active {
            return Err(
                AppError::conflict("EMPLOYEE_INACTIVE", "the employee is archived")
                    .on_field("employeeId"),
            );
        }
        if queries::approved_absence_overlaps(conn, employee.id, input.from, input.to).await? {
            return Err(ABSENCE_OVERLAP.conflict());
        }
        queries::insert_absence(
            conn,
            &NewAbsence {
                employee_id: employee.id,
                kind: input.kind,
                starts_on: input.from,
                ends_on: input.to,
                minutes_per_day: input.minutes_per_day,
                note: note.as_deref(),
                requested_by: Some(actor),
            },
        )
        .await
        .on_constraint(&[WEEK_FINALIZED.on("from")])
    })
    .await
}

/// The pending absence `id` within `scope`, locked.
async fn pending(
    conn: &mut diesel_async::AsyncPgConnection,
    scope: Scope,
    id: AbsenceId,
) -> AppResult<Absence> {
    let absence = queries::absence_for_update(conn, scope, id)
        .await?
        .ok_or(AppError::NotFound("absence"))?;
    if absence.status != AbsenceStatus::Pending {
        return Err(AppError::conflict(
            "NOT_PENDING",
            format!("the absence is {} already", absence.status.as_str()),
        )
        .on_field("id"));
    }
    Ok(absence)
}

/// Withdraws a pending absence request.
pub async fn cancel(app: &App, viewer: &Viewer, scope: Scope, id: AbsenceId) -> AppResult<()> {
    let actor = viewer.require()?.user.id;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        describe_change(conn, Some(actor), None, false).await?;
        let absence = pending(conn, scope, id).await?;
        queries::delete_absence(conn, absence.id)
            .await
            .on_constraint(&[WEEK_FINALIZED.on("id")])
    })
    .await
}

/// Approves (`paid`: the kind's default when `None`) or rejects (`Err(reason)`) a pending
/// absence of another employee within `scope`.
pub async fn decide(
    app: &App,
    viewer: &Viewer,
    scope: Scope,
    id: AbsenceId,
    decision: Result<Option<bool>, String>,
) -> AppResult<Absence> {
    let actor = viewer.require()?.user.id;
    let decision = match decision {
        Ok(paid) => Ok(paid),
        Err(reason) => Err(check_text("reason", &reason)?),
    };
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        describe_change(conn, Some(actor), None, false).await?;
        let absence = pending(conn, scope, id).await?;
        let employee = employee_in(conn, Scope::All, absence.employee_id)
            .await?
            .ok_or(AppError::NotFound("absence"))?;
        if employee.user_id.is_some() && employee.user_id == viewer.user_id() {
            return Err(AppError::forbidden(
                "SELF_APPROVAL",
                "your own absences are decided by another manager",
            ));
        }
        let (status, paid, reason) = match &decision {
            Ok(paid) => (
                AbsenceStatus::Approved,
                paid.unwrap_or(absence.kind.paid_by_default()),
                None,
            ),
            Err(reason) => (AbsenceStatus::Rejected, false, Some(reason.as_str())),
        };
        queries::decide_absence(conn, absence.id, status, paid, reason, actor)
            .await
            .on_constraint(&[ABSENCE_OVERLAP.on("id"), WEEK_FINALIZED.on("id")])
    })
    .await
}

/// A company holiday to set.
#[derive(Debug, Clone)]
pub struct HolidayInput {
    pub date: NaiveDate,
    pub name: String,
}

/// Replaces a company's holidays of `year` (within `scope`).
pub async fn set_holidays(
    app: &App,
    viewer: &Viewer,
    scope: Scope,
    company: CompanyId,
    year: i32,
    holidays: Vec<HolidayInput>,
) -> AppResult<Vec<Holiday>> {
    let actor = viewer.require()?.user.id;
    if holidays.len() > MAX_HOLIDAYS {
        return Err(AppError::bad_input(
            "holidays",
            format!("at most {MAX_HOLIDAYS} holidays a year"),
        ));
    }
    let mut rows: Vec<Holiday> = Vec::with_capacity(holidays.len());
    for holiday in holidays {
        if holiday.date.year() != year {
            return Err(AppError::bad_input(
                "holidays",
                format!("{} is not in {year}", holiday.date),
            ));
        }
        if rows.iter().any(|row| row.date == holiday.date) {
            return Err(AppError::bad_input(
                "holidays",
                format!("{} is listed twice", holiday.date),
            ));
        }
        let name = holiday.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AppError::bad_input(
                "holidays",
                "a holiday's name has 1 to 100 characters",
            ));
        }
        rows.push(Holiday {
            company_id: company,
            date: holiday.date,
            name: name.to_owned(),
        });
    }
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        describe_change(conn, Some(actor), None, false).await?;
        company_in(conn, scope, company)
            .await?
            .ok_or(AppError::NotFound("company"))?;
        queries::replace_holidays(conn, company, year, &rows)
            .await
            .on_constraint(&[WEEK_FINALIZED.on("holidays")])?;
        Ok(queries::holidays_of(conn, company, year).await?)
    })
    .await
}
