//! SQL of the timesheets area. A sheet is read whether or not its row exists (a week without one
//! is DRAFT, in the company's current zone), so the sheet queries join employees to the weeks
//! asked for and the rows that exist. Every function that reads or changes rows for a viewer
//! takes its [`Scope`], applied to the sheet's employee.

use chrono::NaiveDate;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{Array, BigInt, Date, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::auth::identity::UserId;
use crate::auth::scope::Scope;
use crate::db::schema::{
    absences, company_holidays, employees, schedule_entries, timesheet_entries, timesheet_notes,
};
use crate::graphql::pagination::{Keyset, Page, SortKey};
use crate::timesheets::model::{
    Absence, AbsenceFilter, AbsenceId, AbsenceOrder, AbsenceStatus, DayTotals, Holiday, NewAbsence,
    NewNote, NewScheduleEntry, NewTimesheetEntry, Note, NoteId, NoteKind, ScheduleEntry,
    ScheduleEntryChanges, ScheduleEntryId, SheetKey, TimeEntry, Timesheet, TimesheetEntry,
    TimesheetEntryChanges, TimesheetEntryId, TimesheetFilter, TimesheetOrder, TimesheetStatus,
    Transition, TransitionAction,
};
use crate::workforce::model::{CompanyId, EmployeeId, WorkSessionId};
use crate::workforce::queries::employee_ids_in;

/// The columns of a sheet, from `k` (the employee and week asked for), `e` (the employee), `c`
/// (its company) and `t` (the row, if any).
const SHEET_COLUMNS: &str = "e.id AS employee_id, e.company_id, e.user_id, k.week, \
    coalesce(t.time_zone, c.time_zone) AS time_zone, \
    lower(coalesce(t.period, rollcall_week_period(k.week, c.time_zone))) AS starts_at, \
    upper(coalesce(t.period, rollcall_week_period(k.week, c.time_zone))) AS ends_at, \
    coalesce(t.status, 'DRAFT') AS status, t.hours_submitted_at, t.hours_submitted_by, \
    t.hours_reviewed_at, t.hours_reviewed_by, t.schedule_submitted_at, t.schedule_submitted_by, \
    t.finalized_at, t.finalized_by";

/// The condition on employee `e` for the scope bound as `$1` (the viewer's own records) and
/// `$2` (the companies of a member); both NULL reach everyone.
const SCOPE_SQL: &str = "($1::bigint IS NULL OR e.user_id = $1) AND ($2::bigint IS NULL OR \
    e.company_id IN (SELECT company_id FROM company_members WHERE user_id = $2))";

/// A statement starting with `sql`, its scope bound as `$1` and `$2` (see [`SCOPE_SQL`]).
fn scoped(scope: Scope, sql: &str) -> BoxedSqlQuery<'static, Pg, SqlQuery> {
    let (own, member) = match scope {
        Scope::All => (None, None),
        Scope::Own(user) => (Some(user), None),
        Scope::Companies(user) => (None, Some(user)),
    };
    diesel::sql_query(sql.to_owned())
        .into_boxed()
        .bind::<Nullable<BigInt>, _>(own)
        .bind::<Nullable<BigInt>, _>(member)
}

/// The employees and weeks of `keys`, as two arrays to unnest.
fn key_arrays(keys: &[SheetKey]) -> (Vec<i64>, Vec<NaiveDate>) {
    keys.iter().map(|key| (key.employee.0, key.week)).unzip()
}

// Sheets ------------------------------------------------------------------------------------

/// The sheets of `keys` that `scope` reaches (rows or not).
pub async fn sheets(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    keys: &[SheetKey],
) -> QueryResult<Vec<Timesheet>> {
    let (employees, weeks) = key_arrays(keys);
    scoped(
        scope,
        &format!(
            "SELECT {SHEET_COLUMNS} FROM unnest($3::bigint[], $4::date[]) AS k(employee_id, week) \
             JOIN employees e ON e.id = k.employee_id JOIN companies c ON c.id = e.company_id \
             LEFT JOIN timesheets t ON t.employee_id = k.employee_id AND t.week = k.week \
             WHERE {SCOPE_SQL}"
        ),
    )
    .bind::<Array<BigInt>, _>(employees)
    .bind::<Array<Date>, _>(weeks)
    .load(conn)
    .await
}

/// The sheet `key`, if `scope` reaches it.
pub async fn sheet_in(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    key: SheetKey,
) -> QueryResult<Option<Timesheet>> {
    Ok(sheets(conn, scope, &[key]).await?.pop())
}

/// How a sheet about to be written is locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    /// Writes of its items: concurrent with each other, not with a transition.
    Share,
    /// A transition.
    Update,
}

/// The sheet `key` for a write, if `scope` reaches it: its row made when missing (in the
/// company's zone of now), then read locked.
pub async fn sheet_for_write(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    key: SheetKey,
    lock: Lock,
) -> QueryResult<Option<Timesheet>> {
    scoped(
        scope,
        &format!(
            "INSERT INTO timesheets (employee_id, week, time_zone, period) \
             SELECT e.id, $4, c.time_zone, rollcall_week_period($4, c.time_zone) \
             FROM employees e JOIN companies c ON c.id = e.company_id \
             WHERE e.id = $3 AND {SCOPE_SQL} ON CONFLICT DO NOTHING"
        ),
    )
    .bind::<BigInt, _>(key.employee)
    .bind::<Date, _>(key.week)
    .execute(conn)
    .await?;
    let lock = match lock {
        Lock::Share => "FOR SHARE OF t",
        Lock::Update => "FOR UPDATE OF t",
    };
    scoped(
        scope,
        &format!(
            "SELECT {SHEET_COLUMNS} FROM timesheets t \
             JOIN (SELECT $3::bigint AS employee_id, $4::date AS week) k \
               ON t.employee_id = k.employee_id AND t.week = k.week \
             JOIN employees e ON e.id = t.employee_id JOIN companies c ON c.id = e.company_id \
             WHERE {SCOPE_SQL} {lock}"
        ),
    )
    .bind::<BigInt, _>(key.employee)
    .bind::<Date, _>(key.week)
    .get_result(conn)
    .await
    .optional()
}

impl TimesheetOrder {
    /// The sort key of this order: the week, then the employee.
    pub fn keyset(self) -> Keyset {
        match self {
            Self::Newest => Keyset::descending("timesheets", "NEWEST"),
            Self::Oldest => Keyset::ascending("timesheets", "OLDEST"),
        }
        .by(crate::db::schema::timesheets::week)
        .by(crate::db::schema::timesheets::employee_id)
    }

    /// The key of `sheet` in this order.
    pub fn key(keyset: &Keyset, sheet: &Timesheet) -> SortKey {
        keyset.key([sheet.week.into(), sheet.employee_id.0.into()])
    }
}

/// How many parameters [`filtered_sheets`] binds.
const FILTER_BINDS: usize = 7;

/// The sheets `filter` selects: with a whole week range, every employee (active, or with a row)
/// for every week of it; otherwise the rows.
fn filtered_sheets(
    scope: Scope,
    filter: &TimesheetFilter,
    select: &str,
) -> BoxedSqlQuery<'static, Pg, SqlQuery> {
    let source = match (filter.week_from, filter.week_to) {
        (Some(_), Some(_)) => {
            "employees e CROSS JOIN (SELECT d::date AS week FROM generate_series($3::date, $4::date, \
             interval '7 days') AS d) k \
             LEFT JOIN timesheets t ON t.employee_id = e.id AND t.week = k.week \
             JOIN companies c ON c.id = e.company_id \
             WHERE (e.active OR t.employee_id IS NOT NULL)"
        }
        _ => {
            "timesheets t CROSS JOIN LATERAL (SELECT t.week) k \
             JOIN employees e ON e.id = t.employee_id JOIN companies c ON c.id = e.company_id \
             WHERE ($3::date IS NULL OR t.week >= $3) AND ($4::date IS NULL OR t.week <= $4)"
        }
    };
    scoped(
        scope,
        &format!(
            "SELECT {select} FROM {source} AND {SCOPE_SQL} \
             AND ($5::bigint IS NULL OR e.company_id = $5) AND ($6::bigint IS NULL OR e.id = $6) \
             AND ($7::text IS NULL OR coalesce(t.status, 'DRAFT') = $7)"
        ),
    )
    .bind::<Nullable<Date>, _>(filter.week_from)
    .bind::<Nullable<Date>, _>(filter.week_to)
    .bind::<Nullable<BigInt>, _>(filter.company)
    .bind::<Nullable<BigInt>, _>(filter.employee)
    .bind::<Nullable<Text>, _>(filter.status.map(TimesheetStatus::as_str))
}

/// One page of the sheets `scope` reaches.
pub async fn list_sheets(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    filter: &TimesheetFilter,
    keyset: &Keyset,
    page: &Page<SortKey>,
) -> QueryResult<Vec<Timesheet>> {
    keyset
        .page_sql(
            filtered_sheets(scope, filter, SHEET_COLUMNS),
            FILTER_BINDS,
            &["k.week", "e.id"],
            page,
        )
        .load(conn)
        .await
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

pub async fn count_sheets(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    filter: &TimesheetFilter,
) -> QueryResult<i64> {
    let count: Count = filtered_sheets(scope, filter, "count(*) AS n")
        .get_result(conn)
        .await?;
    Ok(count.n)
}

// What a sheet holds ------------------------------------------------------------------------

/// The reported hours of the sheets of `keys`, each with whether its session changed since it
/// was copied, in order of start.
pub async fn entries_of(
    conn: &mut AsyncPgConnection,
    keys: &[SheetKey],
) -> QueryResult<Vec<TimesheetEntry>> {
    let (employees, weeks) = key_arrays(keys);
    diesel::sql_query(format!(
        "{ENTRY_SELECT} WHERE (x.employee_id, x.week) IN \
         (SELECT * FROM unnest($1::bigint[], $2::date[])) ORDER BY x.starts_at, x.id"
    ))
    .bind::<Array<BigInt>, _>(employees)
    .bind::<Array<Date>, _>(weeks)
    .load(conn)
    .await
}

const ENTRY_SELECT: &str = "SELECT x.*, (x.source = 'CLOCK' AND (s.id IS NULL \
    OR s.started_at IS DISTINCT FROM x.clock_started_at \
    OR s.ended_at IS DISTINCT FROM x.clock_ended_at)) AS differs_from_clock \
    FROM timesheet_entries x LEFT JOIN work_sessions s ON s.id = x.work_session_id";

/// The entry `id`.
pub async fn entry(
    conn: &mut AsyncPgConnection,
    id: TimesheetEntryId,
) -> QueryResult<Option<TimesheetEntry>> {
    diesel::sql_query(format!("{ENTRY_SELECT} WHERE x.id = $1"))
        .bind::<BigInt, _>(id)
        .get_result(conn)
        .await
        .optional()
}

pub async fn insert_entry(
    conn: &mut AsyncPgConnection,
    entry: &NewTimesheetEntry<'_>,
) -> QueryResult<TimesheetEntryId> {
    diesel::insert_into(timesheet_entries::table)
        .values(entry)
        .returning(timesheet_entries::id)
        .get_result(conn)
        .await
}

pub async fn update_entry(
    conn: &mut AsyncPgConnection,
    id: TimesheetEntryId,
    changes: &TimesheetEntryChanges,
) -> QueryResult<()> {
    diesel::update(timesheet_entries::table.find(id))
        .set((changes, timesheet_entries::updated_at.eq(diesel::dsl::now)))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_entry(conn: &mut AsyncPgConnection, id: TimesheetEntryId) -> QueryResult<()> {
    diesel::delete(timesheet_entries::table.find(id))
        .execute(conn)
        .await?;
    Ok(())
}

/// Copies each closed session of the sheet's week that no entry was copied from into a CLOCK
/// entry, to the minute, in the sheet's zone (sessions of a day or more, or under a minute,
/// cannot be an entry and are left). The number copied.
pub async fn import_clocked(
    conn: &mut AsyncPgConnection,
    key: SheetKey,
    actor: UserId,
) -> QueryResult<usize> {
    diesel::sql_query(
        "INSERT INTO timesheet_entries (employee_id, date, start_time, end_time, source, \
           work_session_id, clock_started_at, clock_ended_at, created_by) \
         SELECT s.employee_id, (s.started_at AT TIME ZONE t.time_zone)::date, \
           date_trunc('minute', s.started_at AT TIME ZONE t.time_zone)::time, \
           date_trunc('minute', s.ended_at AT TIME ZONE t.time_zone)::time, 'CLOCK', \
           s.id, s.started_at, s.ended_at, $3 \
         FROM timesheets t JOIN work_sessions s ON s.employee_id = t.employee_id \
           AND s.started_at >= lower(t.period) AND s.started_at < upper(t.period) \
         WHERE t.employee_id = $1 AND t.week = $2 AND s.ended_at IS NOT NULL \
           AND s.ended_at - s.started_at < interval '1 day' \
           AND date_trunc('minute', s.started_at AT TIME ZONE t.time_zone) \
             <> date_trunc('minute', s.ended_at AT TIME ZONE t.time_zone) \
           AND NOT EXISTS (SELECT 1 FROM timesheet_entries x WHERE x.work_session_id = s.id) \
         ON CONFLICT DO NOTHING",
    )
    .bind::<BigInt, _>(key.employee)
    .bind::<Date, _>(key.week)
    .bind::<BigInt, _>(actor)
    .execute(conn)
    .await
}

/// The shifts of the sheets of `keys`, in order of start.
pub async fn shifts_of(
    conn: &mut AsyncPgConnection,
    keys: &[SheetKey],
) -> QueryResult<Vec<ScheduleEntry>> {
    let (employees, weeks) = key_arrays(keys);
    diesel::sql_query(
        "SELECT * FROM schedule_entries WHERE (employee_id, week) IN \
         (SELECT * FROM unnest($1::bigint[], $2::date[])) ORDER BY starts_at, id",
    )
    .bind::<Array<BigInt>, _>(employees)
    .bind::<Array<Date>, _>(weeks)
    .load(conn)
    .await
}

pub async fn shift(
    conn: &mut AsyncPgConnection,
    id: ScheduleEntryId,
) -> QueryResult<Option<ScheduleEntry>> {
    schedule_entries::table
        .find(id)
        .select(ScheduleEntry::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn insert_shift(
    conn: &mut AsyncPgConnection,
    shift: &NewScheduleEntry<'_>,
) -> QueryResult<ScheduleEntry> {
    diesel::insert_into(schedule_entries::table)
        .values(shift)
        .returning(ScheduleEntry::as_returning())
        .get_result(conn)
        .await
}

pub async fn update_shift(
    conn: &mut AsyncPgConnection,
    id: ScheduleEntryId,
    changes: &ScheduleEntryChanges,
) -> QueryResult<ScheduleEntry> {
    diesel::update(schedule_entries::table.find(id))
        .set((changes, schedule_entries::updated_at.eq(diesel::dsl::now)))
        .returning(ScheduleEntry::as_returning())
        .get_result(conn)
        .await
}

pub async fn delete_shift(conn: &mut AsyncPgConnection, id: ScheduleEntryId) -> QueryResult<()> {
    diesel::delete(schedule_entries::table.find(id))
        .execute(conn)
        .await?;
    Ok(())
}

/// What copying a week's schedule did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Copied {
    pub copied: i64,
    pub skipped: i64,
}

/// Copies the shifts of `from` (a Sunday) of the company's employees that `scope` reaches to
/// the same weekdays of `to`: those of active employees, into weeks neither finalized nor with
/// a submitted schedule, that overlap no shift there. The rest are skipped.
pub async fn copy_schedule(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    company: CompanyId,
    from: NaiveDate,
    to: NaiveDate,
    actor: UserId,
) -> QueryResult<Copied> {
    let total: Count = scoped(
        scope,
        &format!(
            "SELECT count(*) AS n FROM schedule_entries x JOIN employees e ON e.id = x.employee_id \
             WHERE x.week = $3 AND e.company_id = $4 AND {SCOPE_SQL}"
        ),
    )
    .bind::<Date, _>(from)
    .bind::<BigInt, _>(company)
    .get_result(conn)
    .await?;
    scoped(
        scope,
        &format!(
            "INSERT INTO timesheets (employee_id, week, time_zone, period) \
             SELECT DISTINCT e.id, $5::date, c.time_zone, rollcall_week_period($5, c.time_zone) \
             FROM schedule_entries x JOIN employees e ON e.id = x.employee_id \
             JOIN companies c ON c.id = e.company_id \
             WHERE x.week = $3 AND e.company_id = $4 AND e.active AND {SCOPE_SQL} \
             ON CONFLICT DO NOTHING"
        ),
    )
    .bind::<Date, _>(from)
    .bind::<BigInt, _>(company)
    .bind::<Date, _>(to)
    .execute(conn)
    .await?;
    let copied = scoped(
        scope,
        &format!(
            "INSERT INTO schedule_entries (employee_id, date, start_time, end_time, location, \
               comment, created_by) \
             SELECT x.employee_id, x.date + ($5::date - $3::date), x.start_time, x.end_time, \
               x.location, x.comment, $6 \
             FROM schedule_entries x JOIN employees e ON e.id = x.employee_id \
             JOIN timesheets t ON t.employee_id = x.employee_id AND t.week = $5 \
             WHERE x.week = $3 AND e.company_id = $4 AND e.active AND {SCOPE_SQL} \
               AND t.status <> 'FINALIZED' AND t.schedule_submitted_at IS NULL \
             ON CONFLICT DO NOTHING"
        ),
    )
    .bind::<Date, _>(from)
    .bind::<BigInt, _>(company)
    .bind::<Date, _>(to)
    .bind::<BigInt, _>(actor)
    .execute(conn)
    .await?;
    let copied = i64::try_from(copied).unwrap_or(i64::MAX);
    Ok(Copied {
        copied,
        skipped: total.n - copied,
    })
}

/// The sessions the sheets of `keys` hold (those started in their weeks), with the local day
/// each started on, in order of start.
pub async fn time_entries_of(
    conn: &mut AsyncPgConnection,
    keys: &[SheetKey],
) -> QueryResult<Vec<TimeEntry>> {
    let (employees, weeks) = key_arrays(keys);
    diesel::sql_query(
        "SELECT k.employee_id AS sheet_employee, k.week AS sheet_week, \
           (s.started_at AT TIME ZONE z.zone)::date AS local_date, s.* \
         FROM unnest($1::bigint[], $2::date[]) AS k(employee_id, week) \
         JOIN employees e ON e.id = k.employee_id JOIN companies c ON c.id = e.company_id \
         LEFT JOIN timesheets t ON t.employee_id = k.employee_id AND t.week = k.week \
         CROSS JOIN LATERAL (SELECT coalesce(t.time_zone, c.time_zone) AS zone, \
           coalesce(t.period, rollcall_week_period(k.week, c.time_zone)) AS period) z \
         JOIN work_sessions s ON s.employee_id = k.employee_id \
           AND s.started_at >= lower(z.period) AND s.started_at < upper(z.period) \
         ORDER BY s.started_at, s.id",
    )
    .bind::<Array<BigInt>, _>(employees)
    .bind::<Array<Date>, _>(weeks)
    .load(conn)
    .await
}

/// The seven days of each sheet of `keys` with what their totals are made of, in minutes: the
/// shifts and the reported hours of the day (by their date), the sessions started that day in
/// the sheet's zone (an open one counted to now), the credit of an approved absence or a
/// company holiday, and the company's break rules and overtime thresholds.
pub async fn days_of(
    conn: &mut AsyncPgConnection,
    keys: &[SheetKey],
) -> QueryResult<Vec<DayTotals>> {
    let (employees, weeks) = key_arrays(keys);
    diesel::sql_query(
        "WITH k AS ( \
           SELECT k.employee_id, k.week, coalesce(t.time_zone, c.time_zone) AS zone, \
             c.id AS company_id, c.standard_day_minutes, c.working_days, c.break_rules, \
             c.overtime_daily_minutes, c.overtime_weekly_minutes \
           FROM unnest($1::bigint[], $2::date[]) AS k(employee_id, week) \
           JOIN employees e ON e.id = k.employee_id JOIN companies c ON c.id = e.company_id \
           LEFT JOIN timesheets t ON t.employee_id = k.employee_id AND t.week = k.week), \
         d AS (SELECT k.*, k.week + i AS date FROM k CROSS JOIN generate_series(0, 6) AS i), \
         m AS (SELECT d.*, \
           coalesce((SELECT floor(sum(extract(epoch FROM x.ends_at - x.starts_at)) / 60) \
             FROM schedule_entries x WHERE x.employee_id = d.employee_id AND x.week = d.week \
             AND x.date = d.date), 0)::integer AS scheduled, \
           coalesce((SELECT floor(sum(extract(epoch FROM x.ends_at - x.starts_at) \
               - 60 * x.break_minutes) / 60) \
             FROM timesheet_entries x WHERE x.employee_id = d.employee_id AND x.week = d.week \
             AND x.date = d.date), 0)::integer AS worked, \
           coalesce((SELECT sum(x.break_minutes) FROM timesheet_entries x \
             WHERE x.employee_id = d.employee_id AND x.week = d.week AND x.date = d.date), 0) \
             ::integer AS breaks, \
           EXISTS (SELECT 1 FROM timesheet_entries x WHERE x.employee_id = d.employee_id \
             AND x.week = d.week AND x.date = d.date AND x.break_minutes > 0) AS break_stated, \
           coalesce((SELECT floor(sum(extract(epoch FROM greatest(coalesce(s.ended_at, now()) \
               - s.started_at, interval '0'))) / 60) \
             FROM work_sessions s WHERE s.employee_id = d.employee_id \
             AND s.started_at >= d.date::timestamp AT TIME ZONE d.zone \
             AND s.started_at < (d.date + 1)::timestamp AT TIME ZONE d.zone), 0)::integer \
             AS clocked, \
           EXISTS (SELECT 1 FROM company_holidays h WHERE h.company_id = d.company_id \
             AND h.date = d.date) AS holiday, \
           (SELECT a.minutes_per_day FROM absences a WHERE a.employee_id = d.employee_id \
             AND a.status = 'APPROVED' AND d.date BETWEEN a.starts_on AND a.ends_on) \
             AS absent_minutes, \
           EXISTS (SELECT 1 FROM absences a WHERE a.employee_id = d.employee_id \
             AND a.status = 'APPROVED' AND d.date BETWEEN a.starts_on AND a.ends_on) AS absent \
           FROM d) \
         SELECT m.employee_id, m.week, m.date, m.scheduled, m.worked, m.breaks, \
           m.break_stated, m.clocked, \
           CASE WHEN m.holiday OR (m.absent AND m.absent_minutes IS NULL) THEN \
               CASE WHEN m.scheduled > 0 THEN m.scheduled \
                 WHEN extract(dow FROM m.date)::smallint = ANY(m.working_days) \
                 THEN m.standard_day_minutes ELSE 0 END \
             WHEN m.absent THEN m.absent_minutes ELSE 0 END AS absence, \
           m.break_rules, m.overtime_daily_minutes, m.overtime_weekly_minutes \
         FROM m ORDER BY m.employee_id, m.week, m.date",
    )
    .bind::<Array<BigInt>, _>(employees)
    .bind::<Array<Date>, _>(weeks)
    .load(conn)
    .await
}

// Workflow ----------------------------------------------------------------------------------

/// Takes the sheet `key` through `action` if its status is one of `from` (and, for the
/// schedule's steps, its schedule is in the state the step needs): `None` when it is not.
pub async fn transition(
    conn: &mut AsyncPgConnection,
    key: SheetKey,
    action: TransitionAction,
    from: &[TimesheetStatus],
    actor: UserId,
    reason: Option<&str>,
) -> QueryResult<Option<TimesheetStatus>> {
    let set = match action {
        TransitionAction::SubmitHours => {
            "status = 'HOURS_SUBMITTED', hours_submitted_at = now(), hours_submitted_by = $4"
        }
        TransitionAction::ReviewHours => {
            "status = 'HOURS_REVIEWED', hours_reviewed_at = now(), hours_reviewed_by = $4"
        }
        TransitionAction::RejectHours => {
            "status = 'DRAFT', hours_submitted_at = NULL, hours_submitted_by = NULL, \
             hours_reviewed_at = NULL, hours_reviewed_by = NULL"
        }
        TransitionAction::SubmitSchedule => {
            "schedule_submitted_at = now(), schedule_submitted_by = $4"
        }
        TransitionAction::WithdrawSchedule => {
            "schedule_submitted_at = NULL, schedule_submitted_by = NULL"
        }
        TransitionAction::Finalize => {
            "status = 'FINALIZED', finalized_at = now(), finalized_by = $4"
        }
        TransitionAction::Reopen => {
            "status = 'HOURS_REVIEWED', finalized_at = NULL, finalized_by = NULL"
        }
    };
    let schedule = match action {
        TransitionAction::SubmitSchedule => "AND schedule_submitted_at IS NULL",
        TransitionAction::WithdrawSchedule => "AND schedule_submitted_at IS NOT NULL",
        _ => "",
    };
    let from: Vec<&str> = from.iter().map(|status| status.as_str()).collect();
    #[derive(QueryableByName)]
    struct Step {
        #[diesel(sql_type = Text)]
        to_status: TimesheetStatus,
    }
    let step: Option<Step> = diesel::sql_query(format!(
        "WITH old AS (SELECT status FROM timesheets WHERE employee_id = $1 AND week = $2), \
         new AS (UPDATE timesheets SET {set}, updated_at = now() \
           WHERE employee_id = $1 AND week = $2 AND status = ANY($3) {schedule} \
           RETURNING status) \
         INSERT INTO timesheet_transitions (employee_id, week, action, from_status, to_status, \
           actor_id, reason) \
         SELECT $1, $2, $5, old.status, new.status, $4, $6 FROM old, new \
         RETURNING to_status"
    ))
    .bind::<BigInt, _>(key.employee)
    .bind::<Date, _>(key.week)
    .bind::<Array<Text>, _>(from)
    .bind::<BigInt, _>(actor)
    .bind::<Text, _>(action.as_str())
    .bind::<Nullable<Text>, _>(reason)
    .get_result(conn)
    .await
    .optional()?;
    Ok(step.map(|step| step.to_status))
}

/// The workflow steps of the sheets of `keys`, in order.
pub async fn transitions_of(
    conn: &mut AsyncPgConnection,
    keys: &[SheetKey],
) -> QueryResult<Vec<Transition>> {
    let (employees, weeks) = key_arrays(keys);
    diesel::sql_query(
        "SELECT * FROM timesheet_transitions WHERE (employee_id, week) IN \
         (SELECT * FROM unnest($1::bigint[], $2::date[])) ORDER BY id",
    )
    .bind::<Array<BigInt>, _>(employees)
    .bind::<Array<Date>, _>(weeks)
    .load(conn)
    .await
}

/// Whether the sheet has an unresolved report.
pub async fn has_open_reports(conn: &mut AsyncPgConnection, key: SheetKey) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        timesheet_notes::table
            .filter(timesheet_notes::employee_id.eq(key.employee))
            .filter(timesheet_notes::week.eq(key.week))
            .filter(timesheet_notes::kind.eq(NoteKind::Report))
            .filter(timesheet_notes::resolved_at.is_null()),
    ))
    .get_result(conn)
    .await
}

/// Whether a session started in the sheet's week is still open.
pub async fn has_open_session(
    conn: &mut AsyncPgConnection,
    sheet: &Timesheet,
) -> QueryResult<bool> {
    use crate::db::schema::work_sessions;
    diesel::select(diesel::dsl::exists(
        work_sessions::table
            .filter(work_sessions::employee_id.eq(sheet.employee_id))
            .filter(work_sessions::ended_at.is_null())
            .filter(work_sessions::started_at.ge(sheet.starts_at))
            .filter(work_sessions::started_at.lt(sheet.ends_at)),
    ))
    .get_result(conn)
    .await
}

/// Whether the session `id` is one of the sheet's (its employee's, started in its week).
pub async fn session_in_sheet(
    conn: &mut AsyncPgConnection,
    sheet: &Timesheet,
    id: WorkSessionId,
) -> QueryResult<bool> {
    use crate::db::schema::work_sessions;
    diesel::select(diesel::dsl::exists(
        work_sessions::table
            .filter(work_sessions::id.eq(id))
            .filter(work_sessions::employee_id.eq(sheet.employee_id))
            .filter(work_sessions::started_at.ge(sheet.starts_at))
            .filter(work_sessions::started_at.lt(sheet.ends_at)),
    ))
    .get_result(conn)
    .await
}

// Notes -------------------------------------------------------------------------------------

pub async fn insert_note(conn: &mut AsyncPgConnection, note: &NewNote<'_>) -> QueryResult<Note> {
    diesel::insert_into(timesheet_notes::table)
        .values(note)
        .returning(Note::as_returning())
        .get_result(conn)
        .await
}

/// The notes of the sheets of `keys`, oldest first.
pub async fn notes_of(conn: &mut AsyncPgConnection, keys: &[SheetKey]) -> QueryResult<Vec<Note>> {
    let (employees, weeks) = key_arrays(keys);
    diesel::sql_query(
        "SELECT * FROM timesheet_notes WHERE (employee_id, week) IN \
         (SELECT * FROM unnest($1::bigint[], $2::date[])) ORDER BY id",
    )
    .bind::<Array<BigInt>, _>(employees)
    .bind::<Array<Date>, _>(weeks)
    .load(conn)
    .await
}

/// The note `id`, locked, if `scope` reaches its employee.
pub async fn note_for_update(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    id: NoteId,
) -> QueryResult<Option<Note>> {
    timesheet_notes::table
        .find(id)
        .filter(timesheet_notes::employee_id.eq_any(employee_ids_in(scope)))
        .select(Note::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn resolve_note(
    conn: &mut AsyncPgConnection,
    id: NoteId,
    actor: UserId,
) -> QueryResult<Note> {
    diesel::update(timesheet_notes::table.find(id))
        .set((
            timesheet_notes::resolved_at.eq(diesel::dsl::now),
            timesheet_notes::resolved_by.eq(actor),
        ))
        .returning(Note::as_returning())
        .get_result(conn)
        .await
}

/// The unresolved reports of a company's employees that `scope` reaches, oldest first.
fn open_reports_query(
    scope: Scope,
    company: CompanyId,
) -> timesheet_notes::BoxedQuery<'static, Pg> {
    timesheet_notes::table
        .filter(timesheet_notes::kind.eq(NoteKind::Report))
        .filter(timesheet_notes::resolved_at.is_null())
        .filter(
            timesheet_notes::employee_id.eq_any(
                employees::table
                    .filter(employees::company_id.eq(company))
                    .filter(employees::id.eq_any(employee_ids_in(scope)))
                    .select(employees::id),
            ),
        )
        .into_boxed()
}

/// The order of the list of open reports: oldest first.
pub fn open_reports_keyset() -> Keyset {
    Keyset::ascending("openReports", "OLDEST").by(timesheet_notes::id)
}

pub async fn open_reports(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    company: CompanyId,
    keyset: &Keyset,
    page: &Page<SortKey>,
) -> QueryResult<Vec<Note>> {
    keyset
        .page_of(open_reports_query(scope, company), page)
        .select(Note::as_select())
        .load(conn)
        .await
}

pub async fn count_open_reports(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    company: CompanyId,
) -> QueryResult<i64> {
    open_reports_query(scope, company)
        .count()
        .get_result(conn)
        .await
}

// Absences and holidays ----------------------------------------------------------------------

impl AbsenceOrder {
    /// The sort key of this order: the first day, then the id.
    pub fn keyset(self) -> Keyset {
        match self {
            Self::Earliest => Keyset::ascending("absences", "EARLIEST"),
            Self::Latest => Keyset::descending("absences", "LATEST"),
        }
        .by(absences::starts_on)
        .by(absences::id)
    }

    /// The key of `absence` in this order.
    pub fn key(keyset: &Keyset, absence: &Absence) -> SortKey {
        keyset.key([absence.starts_on.into(), absence.id.0.into()])
    }
}

fn filtered_absences(scope: Scope, filter: &AbsenceFilter) -> absences::BoxedQuery<'static, Pg> {
    let mut query = absences::table
        .filter(absences::employee_id.eq_any(employee_ids_in(scope)))
        .into_boxed();
    if let Some(company) = filter.company {
        query = query.filter(
            absences::employee_id.eq_any(
                employees::table
                    .filter(employees::company_id.eq(company))
                    .select(employees::id),
            ),
        );
    }
    if let Some(employee) = filter.employee {
        query = query.filter(absences::employee_id.eq(employee));
    }
    if let Some(status) = filter.status {
        query = query.filter(absences::status.eq(status));
    }
    if let Some(from) = filter.from {
        query = query.filter(absences::ends_on.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(absences::starts_on.le(to));
    }
    query
}

/// One page of the absences `scope` reaches.
pub async fn list_absences(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    filter: &AbsenceFilter,
    keyset: &Keyset,
    page: &Page<SortKey>,
) -> QueryResult<Vec<Absence>> {
    keyset
        .page_of(filtered_absences(scope, filter), page)
        .select(Absence::as_select())
        .load(conn)
        .await
}

pub async fn count_absences(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    filter: &AbsenceFilter,
) -> QueryResult<i64> {
    filtered_absences(scope, filter)
        .count()
        .get_result(conn)
        .await
}

pub async fn insert_absence(
    conn: &mut AsyncPgConnection,
    absence: &NewAbsence<'_>,
) -> QueryResult<Absence> {
    diesel::insert_into(absences::table)
        .values(absence)
        .returning(Absence::as_returning())
        .get_result(conn)
        .await
}

/// The absence `id`, locked, if `scope` reaches its employee.
pub async fn absence_for_update(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    id: AbsenceId,
) -> QueryResult<Option<Absence>> {
    absences::table
        .find(id)
        .filter(absences::employee_id.eq_any(employee_ids_in(scope)))
        .select(Absence::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Whether an approved absence of `employee` other than `except` touches `from..=to`.
pub async fn approved_absence_overlaps(
    conn: &mut AsyncPgConnection,
    employee: EmployeeId,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        absences::table
            .filter(absences::employee_id.eq(employee))
            .filter(absences::status.eq(AbsenceStatus::Approved))
            .filter(absences::starts_on.le(to))
            .filter(absences::ends_on.ge(from)),
    ))
    .get_result(conn)
    .await
}

/// Approves (with `paid`) or rejects (with `reason`) a pending absence.
pub async fn decide_absence(
    conn: &mut AsyncPgConnection,
    id: AbsenceId,
    status: AbsenceStatus,
    paid: bool,
    reason: Option<&str>,
    actor: UserId,
) -> QueryResult<Absence> {
    diesel::update(absences::table.find(id))
        .set((
            absences::status.eq(status),
            absences::paid.eq(paid),
            absences::rejection_reason.eq(reason),
            absences::decided_by.eq(actor),
            absences::decided_at.eq(diesel::dsl::now),
        ))
        .returning(Absence::as_returning())
        .get_result(conn)
        .await
}

pub async fn delete_absence(conn: &mut AsyncPgConnection, id: AbsenceId) -> QueryResult<()> {
    diesel::delete(absences::table.find(id))
        .execute(conn)
        .await?;
    Ok(())
}

/// A company's holidays of `year`, by date.
pub async fn holidays_of(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    year: i32,
) -> QueryResult<Vec<Holiday>> {
    let (first, last) = year_bounds(year);
    company_holidays::table
        .filter(company_holidays::company_id.eq(company))
        .filter(company_holidays::date.between(first, last))
        .order(company_holidays::date)
        .select(Holiday::as_select())
        .load(conn)
        .await
}

fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX),
    )
}

/// Makes `holidays` (dates of `year`) the company's holidays of that year: those no longer
/// listed go, new ones come, kept ones take their new names. Only the days that come or go
/// touch their weeks (and meet the finalized-week lock).
pub async fn replace_holidays(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    year: i32,
    holidays: &[Holiday],
) -> QueryResult<()> {
    let (first, last) = year_bounds(year);
    let dates: Vec<NaiveDate> = holidays.iter().map(|holiday| holiday.date).collect();
    diesel::delete(
        company_holidays::table
            .filter(company_holidays::company_id.eq(company))
            .filter(company_holidays::date.between(first, last))
            .filter(company_holidays::date.ne_all(&dates)),
    )
    .execute(conn)
    .await?;
    for holiday in holidays {
        let renamed = diesel::update(
            company_holidays::table
                .filter(company_holidays::company_id.eq(company))
                .filter(company_holidays::date.eq(holiday.date)),
        )
        .set(company_holidays::name.eq(&holiday.name))
        .execute(conn)
        .await?;
        if renamed == 0 {
            diesel::insert_into(company_holidays::table)
                .values(holiday)
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}

// The report job ----------------------------------------------------------------------------

/// Reports NO_SHOW for each shift of the last week whose start plus the company's grace has
/// passed at `now` with no session open at or starting within `[start − 60 min, start +
/// grace]`, no approved absence and no company holiday that day. Shifts another instance is
/// reporting are skipped; the unique index writes each report once. The number written.
pub async fn report_no_shows(
    conn: &mut AsyncPgConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> QueryResult<usize> {
    diesel::sql_query(
        "WITH due AS ( \
           SELECT x.id, x.employee_id, x.week, x.date, x.start_time, x.end_time \
           FROM schedule_entries x JOIN employees e ON e.id = x.employee_id \
           JOIN companies c ON c.id = e.company_id \
           JOIN timesheets t ON t.employee_id = x.employee_id AND t.week = x.week \
           WHERE x.starts_at + make_interval(mins => c.no_show_grace_minutes) <= $1 \
             AND x.starts_at > $1 - interval '7 days' AND e.active AND t.status <> 'FINALIZED' \
             AND NOT EXISTS (SELECT 1 FROM work_sessions s WHERE s.employee_id = x.employee_id \
               AND s.started_at <= x.starts_at + make_interval(mins => c.no_show_grace_minutes) \
               AND (s.ended_at IS NULL OR s.ended_at >= x.starts_at - interval '60 minutes')) \
             AND NOT EXISTS (SELECT 1 FROM absences a WHERE a.employee_id = x.employee_id \
               AND a.status = 'APPROVED' AND x.date BETWEEN a.starts_on AND a.ends_on) \
             AND NOT EXISTS (SELECT 1 FROM company_holidays h WHERE h.company_id = e.company_id \
               AND h.date = x.date) \
             AND NOT EXISTS (SELECT 1 FROM timesheet_notes n WHERE n.schedule_entry_id = x.id \
               AND n.author_id IS NULL AND n.kind = 'REPORT' AND n.report_type = 'NO_SHOW') \
           FOR NO KEY UPDATE OF x SKIP LOCKED FOR SHARE OF t SKIP LOCKED) \
         INSERT INTO timesheet_notes (employee_id, week, schedule_entry_id, kind, report_type, body) \
         SELECT employee_id, week, id, 'REPORT', 'NO_SHOW', \
           'No clock-in for the shift of ' || to_char(date, 'YYYY-MM-DD') || ' at ' \
             || to_char(start_time, 'HH24:MI') || '–' || to_char(end_time, 'HH24:MI') \
         FROM due ON CONFLICT DO NOTHING",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(now)
    .execute(conn)
    .await
}

/// For each open NO_SHOW of a shift that now has a session started during it: resolves the
/// no-show (by the system) and reports LATE. The number of late starts written.
pub async fn report_late_starts(
    conn: &mut AsyncPgConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> QueryResult<usize> {
    diesel::sql_query(
        "WITH late AS ( \
           SELECT n.id AS note_id, x.id AS shift_id, x.employee_id, x.week, x.date, \
             x.start_time, s.started_at, t.time_zone \
           FROM timesheet_notes n JOIN schedule_entries x ON x.id = n.schedule_entry_id \
           JOIN timesheets t ON t.employee_id = x.employee_id AND t.week = x.week \
           CROSS JOIN LATERAL (SELECT s.started_at FROM work_sessions s \
             WHERE s.employee_id = x.employee_id AND s.started_at > x.starts_at \
             AND s.started_at < x.ends_at AND s.started_at <= $1 \
             ORDER BY s.started_at LIMIT 1) s \
           WHERE n.author_id IS NULL AND n.kind = 'REPORT' AND n.report_type = 'NO_SHOW' \
             AND n.resolved_at IS NULL AND t.status <> 'FINALIZED' \
           FOR NO KEY UPDATE OF n SKIP LOCKED FOR SHARE OF t SKIP LOCKED), \
         resolved AS (UPDATE timesheet_notes SET resolved_at = $1 \
           WHERE id IN (SELECT note_id FROM late) RETURNING id) \
         INSERT INTO timesheet_notes (employee_id, week, schedule_entry_id, kind, report_type, body) \
         SELECT employee_id, week, shift_id, 'REPORT', 'LATE', \
           'Clocked in at ' || to_char(started_at AT TIME ZONE time_zone, 'HH24:MI') \
             || ' for the shift of ' || to_char(date, 'YYYY-MM-DD') || ' at ' \
             || to_char(start_time, 'HH24:MI') \
         FROM late ON CONFLICT DO NOTHING",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(now)
    .execute(conn)
    .await
}

/// Reports MISSED_CLOCK_OUT for each session open longer than its company's `max_open_hours`
/// at `now`, on the sheet of the week it started in (made when missing). The number written.
pub async fn report_missed_clock_outs(
    conn: &mut AsyncPgConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> QueryResult<usize> {
    let due = "SELECT s.id, s.employee_id, s.started_at, c.time_zone, \
           coalesce((SELECT t.week FROM timesheets t WHERE t.employee_id = s.employee_id \
             AND t.period @> s.started_at), \
             rollcall_week_of((s.started_at AT TIME ZONE c.time_zone)::date)) AS week \
         FROM work_sessions s JOIN employees e ON e.id = s.employee_id \
         JOIN companies c ON c.id = e.company_id \
         WHERE s.ended_at IS NULL AND s.started_at + make_interval(hours => c.max_open_hours) <= $1 \
           AND NOT EXISTS (SELECT 1 FROM timesheet_notes n WHERE n.work_session_id = s.id \
             AND n.author_id IS NULL AND n.kind = 'REPORT' AND n.report_type = 'MISSED_CLOCK_OUT')";
    diesel::sql_query(format!(
        "INSERT INTO timesheets (employee_id, week, time_zone, period) \
         SELECT DISTINCT due.employee_id, due.week, due.time_zone, \
           rollcall_week_period(due.week, due.time_zone) FROM ({due}) due \
         ON CONFLICT DO NOTHING"
    ))
    .bind::<diesel::sql_types::Timestamptz, _>(now)
    .execute(conn)
    .await?;
    diesel::sql_query(format!(
        "WITH due AS ({due} FOR NO KEY UPDATE OF s SKIP LOCKED) \
         INSERT INTO timesheet_notes (employee_id, week, work_session_id, kind, report_type, body) \
         SELECT due.employee_id, due.week, due.id, 'REPORT', 'MISSED_CLOCK_OUT', \
           'Still clocked in since ' \
             || to_char(due.started_at AT TIME ZONE due.time_zone, 'YYYY-MM-DD HH24:MI') \
         FROM due JOIN timesheets t ON t.employee_id = due.employee_id AND t.week = due.week \
         WHERE t.status <> 'FINALIZED' \
         ON CONFLICT DO NOTHING"
    ))
    .bind::<diesel::sql_types::Timestamptz, _>(now)
    .execute(conn)
    .await
}

// The export --------------------------------------------------------------------------------

/// The active employees of `company`, by name.
pub async fn export_employees(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
) -> QueryResult<Vec<crate::workforce::model::Employee>> {
    employees::table
        .filter(employees::company_id.eq(company))
        .filter(employees::active)
        .order((employees::name.asc(), employees::id.asc()))
        .select(crate::workforce::model::Employee::as_select())
        .load(conn)
        .await
}

/// Records that `user` exported the company's week.
pub async fn record_export(
    conn: &mut AsyncPgConnection,
    user: UserId,
    company: CompanyId,
    week: NaiveDate,
) -> QueryResult<()> {
    use crate::db::schema::timesheet_exports;
    diesel::insert_into(timesheet_exports::table)
        .values((
            timesheet_exports::user_id.eq(user),
            timesheet_exports::company_id.eq(company),
            timesheet_exports::week.eq(week),
        ))
        .execute(conn)
        .await?;
    Ok(())
}
