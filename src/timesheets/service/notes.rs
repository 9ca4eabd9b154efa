//! Notes: comments anyone who reads a sheet may add, incident reports managers add, and their
//! resolution.

use diesel_async::AsyncConnection;

use crate::app::App;
use crate::auth::guards::Level;
use crate::auth::scope::Scope;
use crate::auth::viewer::Viewer;
use crate::error::{AppError, AppResult, OnConstraint};
use crate::timesheets::model::{
    NewNote, Note, NoteId, NoteKind, ReportType, ScheduleEntryId, SheetKey, TimesheetEntryId,
};
use crate::timesheets::queries::{self, Lock};
use crate::timesheets::service::{not_finalized, sheet_for};
use crate::workforce::model::{WEEK_FINALIZED, WorkSessionId};
use crate::workforce::queries::describe_change;

/// Longest note, in characters.
pub const MAX_BODY: usize = 2000;

/// A new note: on the sheet, or on one of its items.
#[derive(Debug, Clone)]
pub struct NoteInput {
    pub sheet: SheetKey,
    pub entry: Option<TimesheetEntryId>,
    pub shift: Option<ScheduleEntryId>,
    pub session: Option<WorkSessionId>,
    pub kind: NoteKind,
    pub report_type: Option<ReportType>,
    pub body: String,
}

/// Adds a note for the viewer within `scope`.
pub async fn add(app: &App, viewer: &Viewer, scope: Scope, input: NoteInput) -> AppResult<Note> {
    let actor = viewer.require()?.user.id;
    let body = input.body.trim();
    if body.is_empty() || body.chars().count() > MAX_BODY {
        return Err(AppError::bad_input(
            "body",
            format!("a note has 1 to {MAX_BODY} characters"),
        ));
    }
    match (input.kind, input.report_type) {
        (NoteKind::Report, None) => {
            return Err(AppError::bad_input(
                "reportType",
                "a report says what it reports",
            ));
        }
        (NoteKind::Comment, Some(_)) => {
            return Err(AppError::bad_input(
                "reportType",
                "a comment has no report type",
            ));
        }
        (NoteKind::Report, Some(_)) if viewer.level() < Level::Manager => {
            return Err(AppError::forbidden(
                "LEVEL_TOO_LOW",
                "reports are written by managers",
            ));
        }
        _ => {}
    }
    let items = [
        input.entry.is_some(),
        input.shift.is_some(),
        input.session.is_some(),
    ];
    if items.iter().filter(|item| **item).count() > 1 {
        return Err(AppError::bad_input(
            "timesheetEntryId",
            "a note is about the sheet or one of its items, not several",
        ));
    }
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        describe_change(conn, Some(actor), None, false).await?;
        let sheet = sheet_for(conn, scope, input.sheet, Lock::Share).await?;
        not_finalized(&sheet)?;
        if let Some(id) = input.entry
            && !queries::entry(conn, id).await?.is_some_and(|entry| {
                entry.employee_id == sheet.employee_id && entry.week == sheet.week
            })
        {
            return Err(AppError::bad_input(
                "timesheetEntryId",
                "no such entry on this timesheet",
            ));
        }
        if let Some(id) = input.shift
            && !queries::shift(conn, id).await?.is_some_and(|shift| {
                shift.employee_id == sheet.employee_id && shift.week == sheet.week
            })
        {
            return Err(AppError::bad_input(
                "scheduleEntryId",
                "no such shift on this timesheet",
            ));
        }
        if let Some(id) = input.session
            && !queries::session_in_sheet(conn, &sheet, id).await?
        {
            return Err(AppError::bad_input(
                "workSessionId",
                "no such work session in this timesheet's week",
            ));
        }
        queries::insert_note(
            conn,
            &NewNote {
                employee_id: sheet.employee_id,
                week: sheet.week,
                timesheet_entry_id: input.entry,
                schedule_entry_id: input.shift,
                work_session_id: input.session,
                kind: input.kind,
                report_type: input.report_type,
                body,
                author_id: Some(actor),
            },
        )
        .await
        .on_constraint(&[WEEK_FINALIZED.on("timesheetId")])
    })
    .await
}

/// Resolves a note for the viewer within `scope`.
pub async fn resolve(app: &App, viewer: &Viewer, scope: Scope, id: NoteId) -> AppResult<Note> {
    let actor = viewer.require()?.user.id;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        describe_change(conn, Some(actor), None, false).await?;
        let note = queries::note_for_update(conn, scope, id)
            .await?
            .ok_or(AppError::NotFound("note"))?;
        if note.resolved_at.is_some() {
            return Err(
                AppError::conflict("ALREADY_RESOLVED", "the note is resolved already")
                    .on_field("id"),
            );
        }
        Ok(queries::resolve_note(conn, note.id, actor).await?)
    })
    .await
}
