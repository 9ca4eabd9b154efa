//! The workflow of a sheet: DRAFT → HOURS_SUBMITTED (the employee) → HOURS_REVIEWED (a
//! manager) → FINALIZED (a head manager or above), with hours sent back to DRAFT, a finalized
//! week reopened, and the schedule's own mark (submitted or withdrawn). Every step is appended
//! to the sheet's history in the step's statement.

use diesel_async::AsyncConnection;

use crate::app::App;
use crate::auth::guards::Level;
use crate::auth::scope::Scope;
use crate::auth::viewer::Viewer;
use crate::error::{AppError, AppResult};
use crate::timesheets::model::{SheetKey, Timesheet, TimesheetStatus, TransitionAction};
use crate::timesheets::queries::{self, Lock};
use crate::timesheets::service::{check_text, not_finalized, not_own, own, sheet_for};
use crate::workforce::queries::{database_now, describe_change};

use TimesheetStatus::{Draft, Finalized, HoursReviewed, HoursSubmitted};

fn invalid(action: TransitionAction, sheet: &Timesheet) -> AppError {
    AppError::conflict(
        "INVALID_TRANSITION",
        format!(
            "{} is not possible from {}",
            action.as_str(),
            sheet.status.as_str()
        ),
    )
    .on_field("timesheetId")
}

/// The statuses `action` starts from.
fn starts_from(action: TransitionAction) -> &'static [TimesheetStatus] {
    match action {
        TransitionAction::SubmitHours => &[Draft],
        TransitionAction::ReviewHours => &[HoursSubmitted],
        TransitionAction::RejectHours => &[HoursSubmitted, HoursReviewed],
        TransitionAction::SubmitSchedule | TransitionAction::WithdrawSchedule => {
            &[Draft, HoursSubmitted, HoursReviewed]
        }
        TransitionAction::Finalize => &[HoursReviewed],
        TransitionAction::Reopen => &[Finalized],
    }
}

/// Takes the sheet `key` through `action` for the viewer within `scope`; `reason` is required
/// for rejecting and reopening.
pub async fn step(
    app: &App,
    viewer: &Viewer,
    scope: Scope,
    key: SheetKey,
    action: TransitionAction,
    reason: Option<&str>,
) -> AppResult<Timesheet> {
    let actor = viewer.require()?.user.id;
    let reason = reason
        .map(|reason| check_text("reason", reason))
        .transpose()?;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        describe_change(conn, Some(actor), reason.as_deref(), false).await?;
        let sheet = sheet_for(conn, scope, key, Lock::Update).await?;
        allowed(conn, viewer, &sheet, action).await?;
        queries::transition(
            conn,
            key,
            action,
            starts_from(action),
            actor,
            reason.as_deref(),
        )
        .await?
        .ok_or_else(|| invalid(action, &sheet))?;
        queries::sheet_in(conn, Scope::All, key)
            .await?
            .ok_or(AppError::NotFound("timesheet"))
    })
    .await
}

/// Whether the viewer may take `sheet` (locked) through `action` now.
async fn allowed(
    conn: &mut diesel_async::AsyncPgConnection,
    viewer: &Viewer,
    sheet: &Timesheet,
    action: TransitionAction,
) -> AppResult<()> {
    match action {
        TransitionAction::SubmitHours => {
            // Employees submit their own hours; a manager submits for those without an
            // account, who cannot.
            if !own(viewer, sheet) && (viewer.level() < Level::Manager || sheet.user_id.is_some()) {
                return Err(AppError::forbidden(
                    "NOT_OWN_TIMESHEET",
                    "employees with an account submit their own hours",
                ));
            }
        }
        TransitionAction::ReviewHours
        | TransitionAction::RejectHours
        | TransitionAction::Reopen => {
            not_own(viewer, sheet)?;
        }
        TransitionAction::SubmitSchedule => {
            not_finalized(sheet)?;
            if sheet.schedule_submitted_at.is_some() {
                return Err(AppError::conflict(
                    "SCHEDULE_LOCKED",
                    "the schedule of this week is submitted already",
                )
                .on_field("timesheetId"));
            }
        }
        TransitionAction::WithdrawSchedule => {
            not_finalized(sheet)?;
            if sheet.schedule_submitted_at.is_none() {
                return Err(schedule_not_submitted());
            }
        }
        TransitionAction::Finalize => {
            not_own(viewer, sheet)?;
            if sheet.status != HoursReviewed {
                return Err(AppError::conflict(
                    "NOT_REVIEWED",
                    "the hours must be reviewed before the week is finalized",
                )
                .on_field("timesheetId"));
            }
            if database_now(conn).await? < sheet.ends_at {
                return Err(AppError::conflict(
                    "WEEK_NOT_OVER",
                    "a week is finalized once it is over",
                )
                .on_field("timesheetId"));
            }
            if sheet.schedule_submitted_at.is_none() {
                return Err(schedule_not_submitted());
            }
            if queries::has_open_session(conn, sheet).await? {
                return Err(AppError::conflict(
                    "OPEN_SESSION",
                    "a session of this week is still open: clock it out first",
                )
                .on_field("timesheetId"));
            }
            if queries::has_open_reports(conn, sheet.key()).await? {
                return Err(
                    AppError::conflict("OPEN_REPORTS", "the week has unresolved reports")
                        .on_field("timesheetId"),
                );
            }
        }
    }
    if !starts_from(action).contains(&sheet.status) {
        return Err(invalid(action, sheet));
    }
    Ok(())
}

fn schedule_not_submitted() -> AppError {
    AppError::conflict(
        "SCHEDULE_NOT_SUBMITTED",
        "the schedule of this week is not submitted",
    )
    .on_field("timesheetId")
}
