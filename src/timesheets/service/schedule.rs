//! Planned shifts: added, moved and removed while the week's schedule is not submitted, and
//! copied from one week to another.

use chrono::{NaiveDate, NaiveTime};
use diesel_async::AsyncConnection;

use crate::app::App;
use crate::auth::scope::Scope;
use crate::auth::viewer::Viewer;
use crate::error::{AppError, AppResult, OnConstraint};
use crate::timesheets::model::{
    NewScheduleEntry, SCHEDULE_OVERLAP, ScheduleEntry, ScheduleEntryChanges, ScheduleEntryId,
    SheetKey, Timesheet, week_of,
};
use crate::timesheets::queries::{self, Copied, Lock};
use crate::timesheets::service::entries::in_week;
use crate::timesheets::service::{check_comment, not_finalized, sheet_for};
use crate::workforce::model::{CompanyId, WEEK_FINALIZED};
use crate::workforce::queries::{company_in, describe_change};

/// Longest location, in characters.
pub const MAX_LOCATION: usize = 200;

/// A shift, or the changes to one: `None` keeps a value (a new shift needs its date, start
/// and end); `Some(None)` clears a location or comment.
#[derive(Debug, Clone, Default)]
pub struct ShiftInput {
    pub date: Option<NaiveDate>,
    pub start: Option<NaiveTime>,
    pub end: Option<NaiveTime>,
    pub location: Option<Option<String>>,
    pub comment: Option<Option<String>>,
}

/// A submitted schedule is locked until withdrawn.
fn may_plan(sheet: &Timesheet) -> AppResult<()> {
    not_finalized(sheet)?;
    if sheet.schedule_submitted_at.is_some() {
        return Err(AppError::conflict(
            "SCHEDULE_LOCKED",
            "the schedule of this week is submitted: withdraw it to change it",
        )
        .on_field("timesheetId"));
    }
    Ok(())
}

fn check_location(location: Option<Option<String>>) -> AppResult<Option<Option<String>>> {
    match location {
        Some(Some(text)) if !text.trim().is_empty() => {
            let text = text.trim();
            if text.chars().count() > MAX_LOCATION {
                return Err(AppError::bad_input(
                    "location",
                    format!("a location has at most {MAX_LOCATION} characters"),
                ));
            }
            Ok(Some(Some(text.to_owned())))
        }
        Some(_) => Ok(Some(None)),
        None => Ok(None),
    }
}

/// Plans a shift on the sheet `key`.
pub async fn add(
    app: &App,
    viewer: &Viewer,
    scope: Scope,
    key: SheetKey,
    input: ShiftInput,
) -> AppResult<ScheduleEntry> {
    let actor = viewer.require()?.user.id;
    let date = in_week(
        key.week,
        input
            .date
            .ok_or_else(|| AppError::bad_input("date", "date is required"))?,
    )?;
    let start = input
        .start
        .ok_or_else(|| AppError::bad_input("start", "start is required"))?;
    let end = input
        .end
        .ok_or_else(|| AppError::bad_input("end", "end is required"))?;
    let location = check_location(input.location)?.flatten();
    let comment = check_comment(input.comment)?.flatten();
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        describe_change(conn, Some(actor), None, false).await?;
        let sheet = sheet_for(conn, scope, key, Lock::Share).await?;
        may_plan(&sheet)?;
        queries::insert_shift(
            conn,
            &NewScheduleEntry {
                employee_id: key.employee,
                date,
                start_time: start,
                end_time: end,
                location: location.as_deref(),
                comment: comment.as_deref(),
                created_by: Some(actor),
            },
        )
        .await
        .on_constraint(&[SCHEDULE_OVERLAP, WEEK_FINALIZED])
    })
    .await
}

/// The shift `id` and its sheet, locked for a change.
async fn editable(
    conn: &mut diesel_async::AsyncPgConnection,
    scope: Scope,
    id: ScheduleEntryId,
) -> AppResult<ScheduleEntry> {
    let shift = queries::shift(conn, id)
        .await?
        .ok_or(AppError::NotFound("schedule entry"))?;
    let key = SheetKey {
        employee: shift.employee_id,
        week: shift.week,
    };
    let sheet = queries::sheet_for_write(conn, scope, key, Lock::Share)
        .await?
        .ok_or(AppError::NotFound("schedule entry"))?;
    may_plan(&sheet)?;
    Ok(shift)
}

/// Moves or changes a shift (it stays in its week).
pub async fn update(
    app: &App,
    viewer: &Viewer,
    scope: Scope,
    id: ScheduleEntryId,
    input: ShiftInput,
) -> AppResult<ScheduleEntry> {
    let actor = viewer.require()?.user.id;
    let location = check_location(input.location)?;
    let comment = check_comment(input.comment)?;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        describe_change(conn, Some(actor), None, false).await?;
        let shift = editable(conn, scope, id).await?;
        let date = input
            .date
            .map(|date| in_week(shift.week, date))
            .transpose()?;
        let changes = ScheduleEntryChanges {
            date,
            start_time: input.start,
            end_time: input.end,
            location,
            comment,
        };
        queries::update_shift(conn, shift.id, &changes)
            .await
            .on_constraint(&[SCHEDULE_OVERLAP, WEEK_FINALIZED])
    })
    .await
}

/// Removes a shift.
pub async fn delete(
    app: &App,
    viewer: &Viewer,
    scope: Scope,
    id: ScheduleEntryId,
) -> AppResult<()> {
    let actor = viewer.require()?.user.id;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        describe_change(conn, Some(actor), None, false).await?;
        let shift = editable(conn, scope, id).await?;
        queries::delete_shift(conn, shift.id)
            .await
            .on_constraint(&[WEEK_FINALIZED])
    })
    .await
}

/// Copies a company's shifts of the week of `from` to the week of `to` (see
/// [`queries::copy_schedule`] for what is skipped).
pub async fn copy(
    app: &App,
    viewer: &Viewer,
    scope: Scope,
    company: CompanyId,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Copied> {
    let actor = viewer.require()?.user.id;
    let (from, to) = (week_of(from), week_of(to));
    if from == to {
        return Err(AppError::bad_input(
            "toWeek",
            "copy the schedule to another week",
        ));
    }
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        describe_change(conn, Some(actor), None, false).await?;
        company_in(conn, scope, company)
            .await?
            .ok_or(AppError::NotFound("company"))?;
        queries::copy_schedule(conn, scope, company, from, to, actor)
            .await
            .on_constraint(&[WEEK_FINALIZED.on("toWeek")])
    })
    .await
}
