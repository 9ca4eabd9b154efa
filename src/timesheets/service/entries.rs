//! Hours as reported: entries typed in, copied from clocked sessions, corrected and deleted.

use chrono::{NaiveDate, NaiveTime};
use diesel_async::AsyncConnection;

use crate::app::App;
use crate::auth::scope::Scope;
use crate::auth::viewer::Viewer;
use crate::error::{AppError, AppResult, OnConstraint};
use crate::timesheets::model::{
    BREAK_TOO_LONG, EntrySource, NewTimesheetEntry, SheetKey, Timesheet, TimesheetEntry,
    TimesheetEntryChanges, TimesheetEntryId, week_of,
};
use crate::timesheets::queries::{self, Lock};
use crate::timesheets::service::{check_comment, may_edit_hours, sheet_for};
use crate::workforce::model::WEEK_FINALIZED;
use crate::workforce::queries::describe_change;

/// Longest break, in minutes.
pub const MAX_BREAK: i32 = 1440;

/// An entry, or the changes to one: `None` keeps a value (an added entry needs its date,
/// start and end); a comment of `Some(None)` clears.
#[derive(Debug, Clone, Default)]
pub struct EntryInput {
    pub date: Option<NaiveDate>,
    pub start: Option<NaiveTime>,
    pub end: Option<NaiveTime>,
    pub break_minutes: Option<i32>,
    pub comment: Option<Option<String>>,
}

/// A day of `sheet`'s week, or BAD_USER_INPUT on `date`.
pub(super) fn in_week(week: NaiveDate, date: NaiveDate) -> AppResult<NaiveDate> {
    if week_of(date) != week {
        return Err(AppError::bad_input(
            "date",
            "the date is not in the timesheet's week (Sunday to Saturday)",
        ));
    }
    Ok(date)
}

fn check_break(minutes: Option<i32>) -> AppResult<Option<i32>> {
    match minutes {
        Some(minutes) if !(0..=MAX_BREAK).contains(&minutes) => Err(AppError::bad_input(
            "breakMinutes",
            format!("a break is 0 to {MAX_BREAK} minutes"),
        )),
        other => Ok(other),
    }
}

fn required<T>(value: Option<T>, field: &str) -> AppResult<T> {
    value.ok_or_else(|| AppError::bad_input(field, format!("{field} is required")))
}

/// Adds reported hours to the sheet `key`.
pub async fn add(
    app: &App,
    viewer: &Viewer,
    scope: Scope,
    key: SheetKey,
    input: EntryInput,
) -> AppResult<TimesheetEntry> {
    let actor = viewer.require()?.user.id;
    let date = in_week(key.week, required(input.date, "date")?)?;
    let start = required(input.start, "start")?;
    let end = required(input.end, "end")?;
    let break_minutes = check_break(input.break_minutes)?.unwrap_or(0);
    let comment = check_comment(input.comment)?.flatten();
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        describe_change(conn, Some(actor), None, false).await?;
        let sheet = sheet_for(conn, scope, key, Lock::Share).await?;
        may_edit_hours(viewer, &sheet)?;
        let id = queries::insert_entry(
            conn,
            &NewTimesheetEntry {
                employee_id: key.employee,
                date,
                start_time: start,
                end_time: end,
                break_minutes,
                source: EntrySource::Manual,
                comment: comment.as_deref(),
                created_by: Some(actor),
            },
        )
        .await
        .on_constraint(&[BREAK_TOO_LONG, WEEK_FINALIZED])?;
        queries::entry(conn, id)
            .await?
            .ok_or(AppError::NotFound("timesheet entry"))
    })
    .await
}

/// The entry `id` and its sheet, locked for a change of its hours by the viewer.
async fn editable(
    conn: &mut diesel_async::AsyncPgConnection,
    viewer: &Viewer,
    scope: Scope,
    id: TimesheetEntryId,
) -> AppResult<(TimesheetEntry, Timesheet)> {
    let entry = queries::entry(conn, id)
        .await?
        .ok_or(AppError::NotFound("timesheet entry"))?;
    let key = SheetKey {
        employee: entry.employee_id,
        week: entry.week,
    };
    let sheet = queries::sheet_for_write(conn, scope, key, Lock::Share)
        .await?
        .ok_or(AppError::NotFound("timesheet entry"))?;
    may_edit_hours(viewer, &sheet)?;
    Ok((entry, sheet))
}

/// Corrects an entry (it stays in its week).
pub async fn update(
    app: &App,
    viewer: &Viewer,
    scope: Scope,
    id: TimesheetEntryId,
    input: EntryInput,
) -> AppResult<TimesheetEntry> {
    let actor = viewer.require()?.user.id;
    let break_minutes = check_break(input.break_minutes)?;
    let comment = check_comment(input.comment)?;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        describe_change(conn, Some(actor), None, false).await?;
        let (entry, _) = editable(conn, viewer, scope, id).await?;
        let date = input
            .date
            .map(|date| in_week(entry.week, date))
            .transpose()?;
        let changes = TimesheetEntryChanges {
            date,
            start_time: input.start,
            end_time: input.end,
            break_minutes,
            comment,
        };
        queries::update_entry(conn, entry.id, &changes)
            .await
            .on_constraint(&[BREAK_TOO_LONG, WEEK_FINALIZED])?;
        queries::entry(conn, entry.id)
            .await?
            .ok_or(AppError::NotFound("timesheet entry"))
    })
    .await
}

/// Deletes an entry.
pub async fn delete(
    app: &App,
    viewer: &Viewer,
    scope: Scope,
    id: TimesheetEntryId,
) -> AppResult<()> {
    let actor = viewer.require()?.user.id;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        describe_change(conn, Some(actor), None, false).await?;
        let (entry, _) = editable(conn, viewer, scope, id).await?;
        queries::delete_entry(conn, entry.id)
            .await
            .on_constraint(&[WEEK_FINALIZED])
    })
    .await
}

/// Copies the week's closed sessions that have no entry yet into CLOCK entries.
pub async fn import_clocked(
    app: &App,
    viewer: &Viewer,
    scope: Scope,
    key: SheetKey,
) -> AppResult<Timesheet> {
    let actor = viewer.require()?.user.id;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        describe_change(conn, Some(actor), None, false).await?;
        let sheet = sheet_for(conn, scope, key, Lock::Share).await?;
        may_edit_hours(viewer, &sheet)?;
        queries::import_clocked(conn, key, actor)
            .await
            .on_constraint(&[WEEK_FINALIZED])?;
        Ok(sheet)
    })
    .await
}
