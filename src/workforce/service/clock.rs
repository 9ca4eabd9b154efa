//! Work sessions: clocking in and out (by the employee, a manager or a kiosk), and the manual
//! entries and corrections managers make, with the reason the history keeps.
//!
//! **Times.** Sessions are stamped with the database's clock. On one's own record, `at` may be
//! at most [`CLOCK_TOLERANCE`] off it; a manager clocking someone else may give any past time
//! (at most [`CLOCK_TOLERANCE`] ahead), and a time further off than the tolerance makes the
//! session MANUAL.
//!
//! **Concurrency.** Each change locks the employee row first, so two clock-ins of one employee
//! queue; the database's constraints (one open session per employee, no overlap, end after
//! start) decide the rest.
//!
//! **Retries.** A clock with an idempotency key records the key in its own transaction; the same
//! key again (within 24 hours) answers the same session, and with other arguments is CONFLICT
//! IDEMPOTENCY_KEY_REUSED.

use chrono::{DateTime, Duration, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::app::App;
use crate::auth::scope::Scope;
use crate::auth::viewer::Viewer;
use crate::error::{AppError, AppResult, OnConstraint};
use crate::workforce::model::{
    ALREADY_CLOCKED_IN, END_BEFORE_START, Employee, EmployeeId, IDEMPOTENCY_KEY_TAKEN,
    NewWorkSession, OVERLAP, Source, WEEK_FINALIZED, WorkSession, WorkSessionChanges,
    WorkSessionId,
};
use crate::workforce::queries;

/// How far a clock's time may be from the database's clock before it is manual.
pub const CLOCK_TOLERANCE: Duration = Duration::minutes(2);
/// Longest note, in characters.
pub const MAX_NOTE: usize = 500;

/// A clock-in or clock-out.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    pub employee: Option<EmployeeId>,
    pub at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub idempotency_key: Option<String>,
}

/// Which way a clock goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    In,
    Out,
}

/// Clocks the employee in (`Direction::In`) or out, for the viewer within `scope`.
pub async fn clock(
    app: &App,
    viewer: &Viewer,
    scope: Scope,
    direction: Direction,
    clock: Clock,
) -> AppResult<WorkSession> {
    let actor = viewer.require()?.user.id;
    let note = clock.note.as_deref().map(check_note).transpose()?;
    let key = clock
        .idempotency_key
        .as_deref()
        .map(check_key)
        .transpose()?;
    let request = format!("{direction:?}:{:?}:{:?}:{note:?}", clock.employee, clock.at);
    let mut conn = app.pool.get().await?;
    let employee = match clock.employee {
        Some(id) => id,
        None => only_record(&mut conn, actor).await?,
    };
    let outcome = conn
        .transaction(async |conn| {
            queries::describe_change(conn, Some(actor), None, true).await?;
            let employee = queries::employee_for_update(conn, scope, employee)
                .await?
                .ok_or(AppError::NotFound("employee"))?;
            if let Some(key) = key
                && let Some((first, session)) =
                    queries::idempotency_key(conn, employee.id, key).await?
            {
                return if first == request {
                    Ok(session_by_id(conn, session).await?)
                } else {
                    Err(IDEMPOTENCY_KEY_TAKEN.conflict())
                };
            }
            let now = queries::database_now(conn).await?;
            let (at, source) = stamp(viewer, &employee, clock.at, now)?;
            let session = match direction {
                Direction::In => clock_in(conn, &employee, at, source, actor, note).await?,
                Direction::Out => clock_out(conn, &employee, at).await?,
            };
            if let Some(key) = key {
                queries::insert_idempotency_key(conn, employee.id, key, &request, session.id)
                    .await
                    .on_constraint(&[IDEMPOTENCY_KEY_TAKEN])?;
            }
            Ok(session)
        })
        .await;
    match (outcome, key) {
        // Two retries racing with one key: the later collides with the earlier's key, which
        // committed, so the earlier's answer is the answer (when the arguments are the same).
        (
            Err(AppError::Conflict {
                reason: "IDEMPOTENCY_KEY_REUSED",
                ..
            }),
            Some(key),
        ) => match queries::idempotency_key(&mut conn, employee, key).await? {
            Some((first, session)) if first == request => {
                Ok(session_by_id(&mut conn, session).await?)
            }
            _ => Err(IDEMPOTENCY_KEY_TAKEN.conflict()),
        },
        (outcome, _) => outcome,
    }
}

async fn clock_in(
    conn: &mut AsyncPgConnection,
    employee: &Employee,
    at: DateTime<Utc>,
    source: Source,
    actor: crate::auth::identity::UserId,
    note: Option<&str>,
) -> AppResult<WorkSession> {
    if !employee.active {
        return Err(inactive());
    }
    if !queries::open_sessions_of(conn, &[employee.id])
        .await?
        .is_empty()
    {
        return Err(ALREADY_CLOCKED_IN.conflict());
    }
    queries::insert_session(
        conn,
        &NewWorkSession {
            employee_id: employee.id,
            started_at: at,
            ended_at: None,
            source,
            created_by: Some(actor),
            note,
        },
    )
    .await
    .on_constraint(&[
        ALREADY_CLOCKED_IN,
        OVERLAP.on("at"),
        WEEK_FINALIZED.on("at"),
    ])
}

async fn clock_out(
    conn: &mut AsyncPgConnection,
    employee: &Employee,
    at: DateTime<Utc>,
) -> AppResult<WorkSession> {
    queries::close_open_session(conn, employee.id, at)
        .await
        .on_constraint(&[
            END_BEFORE_START.on("at"),
            OVERLAP.on("at"),
            WEEK_FINALIZED.on("at"),
        ])?
        .ok_or_else(|| {
            AppError::conflict("NOT_CLOCKED_IN", "the employee is not clocked in")
                .on_field("employeeId")
        })
}

/// The time and source of a clock: `at` (or now), within the rules of the module.
fn stamp(
    viewer: &Viewer,
    employee: &Employee,
    at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> AppResult<(DateTime<Utc>, Source)> {
    let Some(at) = at else {
        return Ok((now, Source::Clock));
    };
    let own = employee.user_id.is_some() && employee.user_id == viewer.user_id();
    let off = (at - now).abs();
    if own && off > CLOCK_TOLERANCE {
        return Err(AppError::bad_input(
            "at",
            "your own clock may be at most 2 minutes from the server's time",
        ));
    }
    if at - now > CLOCK_TOLERANCE {
        return Err(AppError::bad_input(
            "at",
            "a clock may be at most 2 minutes ahead of the server's time",
        ));
    }
    let source = if off > CLOCK_TOLERANCE {
        Source::Manual
    } else {
        Source::Clock
    };
    Ok((at, source))
}

/// The viewer's one active employee record, for a clock that names none.
async fn only_record(
    conn: &mut AsyncPgConnection,
    user: crate::auth::identity::UserId,
) -> AppResult<EmployeeId> {
    let records = queries::active_employees_of(conn, user).await?;
    match records.as_slice() {
        [record] => Ok(record.id),
        [] => Err(AppError::bad_input(
            "employeeId",
            "you have no employee record: name the employee",
        )),
        _ => Err(AppError::bad_input(
            "employeeId",
            "you have several employee records: name the employee",
        )),
    }
}

async fn session_by_id(conn: &mut AsyncPgConnection, id: WorkSessionId) -> AppResult<WorkSession> {
    queries::session_in(conn, Scope::All, id)
        .await?
        .ok_or(AppError::NotFound("work session"))
}

/// A manual session, or the changes to one.
#[derive(Debug, Clone)]
pub struct SessionInput {
    pub start: Option<DateTime<Utc>>,
    /// `None` keeps, `Some(None)` opens (clears the end).
    pub end: Option<Option<DateTime<Utc>>>,
    /// `None` keeps, `Some(None)` clears.
    pub note: Option<Option<String>>,
}

/// Enters a session by hand (managers, never on their own records).
pub async fn create(
    app: &App,
    viewer: &Viewer,
    scope: Scope,
    employee: EmployeeId,
    input: SessionInput,
) -> AppResult<WorkSession> {
    let actor = viewer.require()?.user.id;
    let start = input
        .start
        .ok_or_else(|| AppError::bad_input("start", "a session has a start"))?;
    let end = input.end.flatten();
    let note = input.note.flatten();
    let note = note.as_deref().map(check_note).transpose()?;
    check_times(start, end)?;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        queries::describe_change(conn, Some(actor), None, false).await?;
        let employee = queries::employee_for_update(conn, scope, employee)
            .await?
            .ok_or(AppError::NotFound("employee"))?;
        not_own(viewer, &employee)?;
        if !employee.active {
            return Err(inactive());
        }
        let now = queries::database_now(conn).await?;
        if start - now > CLOCK_TOLERANCE {
            return Err(AppError::bad_input(
                "start",
                "a session cannot start in the future",
            ));
        }
        if end.is_none()
            && !queries::open_sessions_of(conn, &[employee.id])
                .await?
                .is_empty()
        {
            return Err(ALREADY_CLOCKED_IN.conflict());
        }
        queries::insert_session(
            conn,
            &NewWorkSession {
                employee_id: employee.id,
                started_at: start,
                ended_at: end,
                source: Source::Manual,
                created_by: Some(actor),
                note,
            },
        )
        .await
        .on_constraint(&[
            ALREADY_CLOCKED_IN,
            OVERLAP,
            END_BEFORE_START,
            WEEK_FINALIZED,
        ])
    })
    .await
}

/// Corrects a session (managers, never their own records), for `reason`.
pub async fn update(
    app: &App,
    viewer: &Viewer,
    scope: Scope,
    id: WorkSessionId,
    input: SessionInput,
    reason: &str,
) -> AppResult<WorkSession> {
    viewer.require()?;
    let reason = check_reason(reason)?;
    let note = match input.note {
        Some(Some(note)) => Some(Some(check_note(&note)?.to_owned())),
        other => other,
    };
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let session = editable(conn, viewer, scope, id, &reason).await?;
        let start = input.start.unwrap_or(session.started_at);
        let end = input.end.unwrap_or(session.ended_at);
        check_times(start, end)?;
        let changes = WorkSessionChanges {
            started_at: input.start,
            ended_at: input.end,
            note,
            source: Some(Source::Manual),
        };
        queries::update_session(conn, session.id, &changes)
            .await
            .on_constraint(&[
                ALREADY_CLOCKED_IN,
                OVERLAP,
                END_BEFORE_START,
                WEEK_FINALIZED,
            ])
    })
    .await
}

/// Deletes a session (managers, never their own records), for `reason`; the history keeps it.
pub async fn delete(
    app: &App,
    viewer: &Viewer,
    scope: Scope,
    id: WorkSessionId,
    reason: &str,
) -> AppResult<()> {
    viewer.require()?;
    let reason = check_reason(reason)?;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let session = editable(conn, viewer, scope, id, &reason).await?;
        queries::delete_session(conn, session.id)
            .await
            .on_constraint(&[WEEK_FINALIZED])?;
        Ok(())
    })
    .await
}

/// The session `id`, locked, for a correction by `viewer` within `scope` (never of its own
/// time), with the actor and the reason set for the history.
async fn editable(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    scope: Scope,
    id: WorkSessionId,
    reason: &str,
) -> AppResult<WorkSession> {
    let actor = viewer.require()?.user.id;
    queries::describe_change(conn, Some(actor), Some(reason), false).await?;
    let session = queries::session_for_update(conn, scope, id)
        .await?
        .ok_or(AppError::NotFound("work session"))?;
    let employee = queries::employee_in(conn, Scope::All, session.employee_id)
        .await?
        .ok_or(AppError::NotFound("work session"))?;
    not_own(viewer, &employee)?;
    Ok(session)
}

/// Managers do not edit their own time.
fn not_own(viewer: &Viewer, employee: &Employee) -> AppResult<()> {
    if employee.user_id.is_some() && employee.user_id == viewer.user_id() {
        return Err(AppError::forbidden(
            "SELF_EDIT",
            "your own sessions are edited by another manager",
        ));
    }
    Ok(())
}

/// The same answer as the `work_sessions_end_after_start` constraint gives, reason included.
fn check_times(start: DateTime<Utc>, end: Option<DateTime<Utc>>) -> AppResult<()> {
    if end.is_some_and(|end| end <= start) {
        return Err(AppError::BadInput {
            field: Some(END_BEFORE_START.field.to_owned()),
            message: END_BEFORE_START.message.to_owned(),
            reason: Some(END_BEFORE_START.reason),
        });
    }
    Ok(())
}

fn check_note(note: &str) -> AppResult<&str> {
    if note.chars().count() > MAX_NOTE {
        return Err(AppError::bad_input(
            "note",
            format!("a note has at most {MAX_NOTE} characters"),
        ));
    }
    Ok(note)
}

fn check_reason(reason: &str) -> AppResult<String> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_NOTE {
        return Err(AppError::bad_input(
            "reason",
            format!("say why, in 1 to {MAX_NOTE} characters"),
        ));
    }
    Ok(reason.to_owned())
}

fn check_key(key: &str) -> AppResult<&str> {
    if key.is_empty() || key.len() > 100 {
        return Err(AppError::bad_input(
            "idempotencyKey",
            "an idempotency key has 1 to 100 characters",
        ));
    }
    Ok(key)
}

fn inactive() -> AppError {
    AppError::conflict("EMPLOYEE_INACTIVE", "the employee is archived").on_field("employeeId")
}

/// Forgets idempotency keys older than a day, and live events older than a week.
pub async fn prune(app: std::sync::Arc<App>) -> AppResult<()> {
    let mut conn = app.pool.get().await?;
    let keys = queries::prune_idempotency_keys(&mut conn).await?;
    let events = crate::live::prune(&mut conn).await?;
    if keys + events > 0 {
        tracing::info!(keys, events, "pruned idempotency keys and live events");
    }
    Ok(())
}
