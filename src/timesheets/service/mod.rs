//! The steps of each timesheets operation: who may, in which state, one transaction over the
//! queries. Nothing here knows GraphQL.
//!
//! **Locks.** Writes of a sheet's items (entries, shifts, notes) read the sheet `FOR SHARE`;
//! workflow steps take it `FOR UPDATE` and change it with `UPDATE ... WHERE status = expected`,
//! so a step and a write never interleave (a report added while a week is finalized either
//! lands first, and finalizing sees it, or waits and finds the week finalized). The database
//! refuses any write into a finalized week itself (WEEK_FINALIZED), whatever the path.

pub mod absences;
pub mod entries;
pub mod notes;
pub mod reports;
pub mod schedule;
pub mod workflow;

use diesel_async::AsyncPgConnection;

use crate::auth::guards::Level;
use crate::auth::scope::Scope;
use crate::auth::viewer::Viewer;
use crate::error::{AppError, AppResult};
use crate::timesheets::model::{SheetKey, Timesheet, TimesheetStatus};
use crate::timesheets::queries::{self, Lock};
use crate::workforce::model::WEEK_FINALIZED;

/// Longest comment or reason, in characters.
pub const MAX_TEXT: usize = 500;

/// The sheet `key` for a write by a viewer within `scope`, locked; NOT_FOUND out of scope.
async fn sheet_for(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    key: SheetKey,
    lock: Lock,
) -> AppResult<Timesheet> {
    queries::sheet_for_write(conn, scope, key, lock)
        .await?
        .ok_or(AppError::NotFound("timesheet"))
}

/// Whether the sheet is the viewer's own (its employee is the viewer's account).
fn own(viewer: &Viewer, sheet: &Timesheet) -> bool {
    sheet.user_id.is_some() && sheet.user_id == viewer.user_id()
}

/// Nothing of a finalized week changes.
fn not_finalized(sheet: &Timesheet) -> AppResult<()> {
    if sheet.status == TimesheetStatus::Finalized {
        return Err(WEEK_FINALIZED.conflict().on_field("timesheetId"));
    }
    Ok(())
}

/// The hours of a sheet change in DRAFT by its employee, and up to HOURS_SUBMITTED by a
/// manager of its company (on their own sheet, managers are employees).
fn may_edit_hours(viewer: &Viewer, sheet: &Timesheet) -> AppResult<()> {
    not_finalized(sheet)?;
    let open: &[TimesheetStatus] = if own(viewer, sheet) || viewer.level() < Level::Manager {
        &[TimesheetStatus::Draft]
    } else {
        &[TimesheetStatus::Draft, TimesheetStatus::HoursSubmitted]
    };
    if !open.contains(&sheet.status) {
        return Err(AppError::conflict(
            "TIMESHEET_LOCKED",
            "the hours of this sheet are submitted: they change once it is sent back",
        )
        .on_field("timesheetId"));
    }
    Ok(())
}

/// Managers do not approve their own time.
fn not_own(viewer: &Viewer, sheet: &Timesheet) -> AppResult<()> {
    if own(viewer, sheet) {
        return Err(AppError::forbidden(
            "SELF_APPROVAL",
            "your own timesheet is approved by another manager",
        ));
    }
    Ok(())
}

/// A comment or reason: trimmed, 1 to [`MAX_TEXT`] characters.
fn check_text(field: &str, text: &str) -> AppResult<String> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT {
        return Err(AppError::bad_input(
            field,
            format!("write 1 to {MAX_TEXT} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// An optional comment: `None` keeps, `Some(None)` (or blank) clears.
fn check_comment(comment: Option<Option<String>>) -> AppResult<Option<Option<String>>> {
    match comment {
        Some(Some(text)) if !text.trim().is_empty() => {
            Ok(Some(Some(check_text("comment", &text)?)))
        }
        Some(_) => Ok(Some(None)),
        None => Ok(None),
    }
}
