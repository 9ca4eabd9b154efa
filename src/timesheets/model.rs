//! Rows and value types of the timesheets area: sheets (one employee's week), the hours
//! reported on them, planned shifts, workflow steps, notes and daily totals; and what the
//! violation of each constraint a client can run into means.

use async_graphql::ID;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Integer, Nullable, Text, Timestamptz};

use crate::auth::identity::UserId;
use crate::db::schema::{
    absences, company_holidays, schedule_entries, timesheet_entries, timesheet_notes,
    timesheet_transitions,
};
use crate::error::{AppError, AppResult, Violation};
use crate::workforce::model::{CompanyId, EmployeeId, WorkSession, WorkSessionId};
use crate::{id_newtype, text_enum};

id_newtype!(
    /// A timesheet entry id.
    TimesheetEntryId
);
id_newtype!(
    /// A schedule entry (shift) id.
    ScheduleEntryId
);
id_newtype!(
    /// A note id.
    NoteId
);
id_newtype!(
    /// An absence id.
    AbsenceId
);

/// The Sunday that starts the week of `day` (weeks run Sunday to Saturday).
pub fn week_of(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_sunday()))
}

/// Which sheet: an employee's week, known by its Sunday. It names a sheet whether or not its
/// row exists, and is what the API's `Timesheet.id` spells: `<employeeId>:<YYYY-MM-DD>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SheetKey {
    pub employee: EmployeeId,
    pub week: NaiveDate,
}

impl SheetKey {
    /// The sheet of the week `day` falls in.
    pub fn of(employee: EmployeeId, day: NaiveDate) -> Self {
        Self {
            employee,
            week: week_of(day),
        }
    }

    /// Reads a `Timesheet.id` given by a client; `field` names the argument in the error.
    pub fn parse(field: &str, id: &ID) -> AppResult<Self> {
        let invalid = || {
            AppError::bad_input(
                field,
                "not a timesheet id (the employee id and the week's Sunday, e.g. 12:2026-11-22)",
            )
        };
        let (employee, week) = id.split_once(':').ok_or_else(invalid)?;
        let employee = EmployeeId::parse(field, &ID::from(employee)).map_err(|_| invalid())?;
        let week = NaiveDate::parse_from_str(week, "%Y-%m-%d").map_err(|_| invalid())?;
        if week_of(week) != week {
            return Err(invalid());
        }
        Ok(Self { employee, week })
    }

    /// The id the API shows.
    pub fn id(&self) -> ID {
        ID(format!(
            "{}:{}",
            self.employee,
            self.week.format("%Y-%m-%d")
        ))
    }
}

text_enum! {
    /// Where a timesheet is in its workflow.
    pub enum TimesheetStatus {
        /// Being filled in (every week starts here).
        Draft = "DRAFT",
        /// The employee submitted the hours.
        HoursSubmitted = "HOURS_SUBMITTED",
        /// A manager reviewed the hours.
        HoursReviewed = "HOURS_REVIEWED",
        /// Finalized by a head manager: the week's entries, shifts and sessions are locked.
        Finalized = "FINALIZED",
    }
}

text_enum! {
    /// Where reported hours came from.
    pub enum EntrySource {
        /// Copied from a clocked work session (`importClockedTime`).
        Clock = "CLOCK",
        /// Typed in.
        Manual = "MANUAL",
    }
}

text_enum! {
    /// A comment or an incident report.
    pub enum NoteKind {
        /// A remark anyone who reads the sheet may add.
        Comment = "COMMENT",
        /// An incident managers report; it must be resolved before the week is finalized.
        Report = "REPORT",
    }
}

text_enum! {
    /// What an incident report is about.
    pub enum ReportType {
        /// A planned shift nobody came to.
        NoShow = "NO_SHOW",
        /// A shift started late.
        Late = "LATE",
        /// A session left open too long.
        MissedClockOut = "MISSED_CLOCK_OUT",
        /// Anything else.
        Other = "OTHER",
    }
}

text_enum! {
    /// A step of the workflow.
    pub enum TransitionAction {
        /// The hours were submitted.
        SubmitHours = "SUBMIT_HOURS",
        /// A manager reviewed the hours.
        ReviewHours = "REVIEW_HOURS",
        /// A manager sent the hours back to DRAFT.
        RejectHours = "REJECT_HOURS",
        /// The schedule was submitted (and locked).
        SubmitSchedule = "SUBMIT_SCHEDULE",
        /// The schedule was withdrawn for changes.
        WithdrawSchedule = "WITHDRAW_SCHEDULE",
        /// The week was finalized.
        Finalize = "FINALIZE",
        /// A finalized week was reopened for corrections.
        Reopen = "REOPEN",
    }
}

text_enum! {
    /// What an absence is.
    pub enum AbsenceKind {
        /// Time off (paid when approved, unless said otherwise).
        Vacation = "VACATION",
        /// Sick leave (paid when approved, unless said otherwise).
        Sick = "SICK",
        /// A personal holiday (paid when approved, unless said otherwise).
        Holiday = "HOLIDAY",
        /// Anything else (unpaid when approved, unless said otherwise).
        Other = "OTHER",
    }
}

impl AbsenceKind {
    /// Whether an absence of this kind is paid when approved without saying.
    pub fn paid_by_default(self) -> bool {
        self != Self::Other
    }
}

text_enum! {
    /// Where an absence request stands.
    pub enum AbsenceStatus {
        /// Waiting for a manager; the requester may still cancel it.
        Pending = "PENDING",
        /// Approved: it counts.
        Approved = "APPROVED",
        /// Rejected.
        Rejected = "REJECTED",
    }
}

/// An absence, as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = absences, check_for_backend(diesel::pg::Pg))]
pub struct Absence {
    pub id: AbsenceId,
    pub employee_id: EmployeeId,
    pub kind: AbsenceKind,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub minutes_per_day: Option<i32>,
    pub status: AbsenceStatus,
    pub paid: bool,
    pub note: Option<String>,
    pub requested_by: Option<UserId>,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<DateTime<Utc>>,
    pub rejection_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A new absence request.
#[derive(Debug, Insertable)]
#[diesel(table_name = absences)]
pub struct NewAbsence<'a> {
    pub employee_id: EmployeeId,
    pub kind: AbsenceKind,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub minutes_per_day: Option<i32>,
    pub note: Option<&'a str>,
    pub requested_by: Option<UserId>,
}

/// The orders of the list of absences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbsenceOrder {
    Earliest,
    Latest,
}

/// How the list of absences is filtered.
#[derive(Debug, Clone, Default)]
pub struct AbsenceFilter {
    pub company: Option<CompanyId>,
    pub employee: Option<EmployeeId>,
    pub status: Option<AbsenceStatus>,
    /// Absences ending on or after this day.
    pub from: Option<NaiveDate>,
    /// Absences starting on or before this day.
    pub to: Option<NaiveDate>,
}

/// A company holiday, as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = company_holidays, check_for_backend(diesel::pg::Pg))]
pub struct Holiday {
    pub company_id: CompanyId,
    pub date: NaiveDate,
    pub name: String,
}

/// The requested absence overlaps an approved one of the employee.
pub const ABSENCE_OVERLAP: Violation = Violation {
    constraint: "absences_no_overlap",
    field: "from",
    reason: "ABSENCE_OVERLAP",
    message: "the absence overlaps an approved absence of the employee",
};

/// A sheet as read: its row, or what a week without one reads as (DRAFT, in the company's
/// current zone). Live events' snapshots carry it too.
#[derive(Debug, Clone, QueryableByName, serde::Deserialize)]
pub struct Timesheet {
    #[diesel(sql_type = BigInt)]
    pub employee_id: EmployeeId,
    #[diesel(sql_type = BigInt)]
    pub company_id: CompanyId,
    /// The employee's account, if any.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub user_id: Option<UserId>,
    #[diesel(sql_type = Date)]
    pub week: NaiveDate,
    #[diesel(sql_type = Text)]
    pub time_zone: String,
    #[diesel(sql_type = Timestamptz)]
    pub starts_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub ends_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub status: TimesheetStatus,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub hours_submitted_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub hours_submitted_by: Option<UserId>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub hours_reviewed_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub hours_reviewed_by: Option<UserId>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub schedule_submitted_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub schedule_submitted_by: Option<UserId>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub finalized_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub finalized_by: Option<UserId>,
}

impl Timesheet {
    /// Which sheet this is.
    pub fn key(&self) -> SheetKey {
        SheetKey {
            employee: self.employee_id,
            week: self.week,
        }
    }
}

/// Hours as reported, as stored, with whether the session it was copied from changed since.
#[derive(Debug, Clone, QueryableByName)]
#[diesel(table_name = timesheet_entries, check_for_backend(diesel::pg::Pg))]
pub struct TimesheetEntry {
    pub id: TimesheetEntryId,
    pub employee_id: EmployeeId,
    pub week: NaiveDate,
    pub date: NaiveDate,
    pub start_time: NaiveTime,
    pub end_time: NaiveTime,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub break_minutes: i32,
    pub source: EntrySource,
    pub work_session_id: Option<WorkSessionId>,
    pub comment: Option<String>,
    pub created_by: Option<UserId>,
    pub updated_at: DateTime<Utc>,
    #[diesel(sql_type = Bool)]
    pub differs_from_clock: bool,
}

/// A new timesheet entry (its instants are set by the database, in the sheet's zone).
#[derive(Debug, Insertable)]
#[diesel(table_name = timesheet_entries)]
pub struct NewTimesheetEntry<'a> {
    pub employee_id: EmployeeId,
    pub date: NaiveDate,
    pub start_time: NaiveTime,
    pub end_time: NaiveTime,
    pub break_minutes: i32,
    pub source: EntrySource,
    pub comment: Option<&'a str>,
    pub created_by: Option<UserId>,
}

/// Changes to a timesheet entry: `None` keeps a value, `Some(None)` clears it.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = timesheet_entries)]
pub struct TimesheetEntryChanges {
    pub date: Option<NaiveDate>,
    pub start_time: Option<NaiveTime>,
    pub end_time: Option<NaiveTime>,
    pub break_minutes: Option<i32>,
    pub comment: Option<Option<String>>,
}

/// A planned shift, as stored.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = schedule_entries, check_for_backend(diesel::pg::Pg))]
pub struct ScheduleEntry {
    pub id: ScheduleEntryId,
    pub employee_id: EmployeeId,
    pub week: NaiveDate,
    pub date: NaiveDate,
    pub start_time: NaiveTime,
    pub end_time: NaiveTime,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location: Option<String>,
    pub comment: Option<String>,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new shift (its instants are set by the database, in the sheet's zone).
#[derive(Debug, Insertable)]
#[diesel(table_name = schedule_entries)]
pub struct NewScheduleEntry<'a> {
    pub employee_id: EmployeeId,
    pub date: NaiveDate,
    pub start_time: NaiveTime,
    pub end_time: NaiveTime,
    pub location: Option<&'a str>,
    pub comment: Option<&'a str>,
    pub created_by: Option<UserId>,
}

/// Changes to a shift: `None` keeps a value, `Some(None)` clears it.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = schedule_entries)]
pub struct ScheduleEntryChanges {
    pub date: Option<NaiveDate>,
    pub start_time: Option<NaiveTime>,
    pub end_time: Option<NaiveTime>,
    pub location: Option<Option<String>>,
    pub comment: Option<Option<String>>,
}

/// A step of a sheet's workflow, as stored.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = timesheet_transitions, check_for_backend(diesel::pg::Pg))]
pub struct Transition {
    pub id: i64,
    pub employee_id: EmployeeId,
    pub week: NaiveDate,
    pub action: TransitionAction,
    pub from_status: TimesheetStatus,
    pub to_status: TimesheetStatus,
    pub actor_id: Option<UserId>,
    pub at: DateTime<Utc>,
    pub reason: Option<String>,
}

/// A note, as stored, and as live events' snapshots carry it.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, serde::Deserialize)]
#[diesel(table_name = timesheet_notes, check_for_backend(diesel::pg::Pg))]
pub struct Note {
    pub id: NoteId,
    pub employee_id: EmployeeId,
    pub week: NaiveDate,
    pub timesheet_entry_id: Option<TimesheetEntryId>,
    pub schedule_entry_id: Option<ScheduleEntryId>,
    pub work_session_id: Option<WorkSessionId>,
    pub kind: NoteKind,
    pub report_type: Option<ReportType>,
    pub body: String,
    pub author_id: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<UserId>,
}

impl Note {
    /// The sheet the note is on.
    pub fn sheet(&self) -> SheetKey {
        SheetKey {
            employee: self.employee_id,
            week: self.week,
        }
    }
}

/// A new note.
#[derive(Debug, Insertable)]
#[diesel(table_name = timesheet_notes)]
pub struct NewNote<'a> {
    pub employee_id: EmployeeId,
    pub week: NaiveDate,
    pub timesheet_entry_id: Option<TimesheetEntryId>,
    pub schedule_entry_id: Option<ScheduleEntryId>,
    pub work_session_id: Option<WorkSessionId>,
    pub kind: NoteKind,
    pub report_type: Option<ReportType>,
    pub body: &'a str,
    pub author_id: Option<UserId>,
}

/// A work session of a sheet's week, on the local day it started.
#[derive(Debug, Clone, QueryableByName)]
pub struct TimeEntry {
    #[diesel(sql_type = BigInt)]
    pub sheet_employee: EmployeeId,
    #[diesel(sql_type = Date)]
    pub sheet_week: NaiveDate,
    #[diesel(sql_type = Date)]
    pub local_date: NaiveDate,
    #[diesel(embed)]
    pub session: WorkSession,
}

/// A day's totals of a sheet, in minutes.
#[derive(Debug, Clone, QueryableByName)]
pub struct DayTotals {
    #[diesel(sql_type = BigInt)]
    pub employee_id: EmployeeId,
    #[diesel(sql_type = Date)]
    pub week: NaiveDate,
    #[diesel(sql_type = Date)]
    pub date: NaiveDate,
    /// Planned: the day's shifts.
    #[diesel(sql_type = Integer)]
    pub scheduled: i32,
    /// Reported: the day's entries, less the breaks they state.
    #[diesel(sql_type = Integer)]
    pub worked: i32,
    /// Clocked: the sessions started that day (an open one up to now).
    #[diesel(sql_type = Integer)]
    pub clocked: i32,
    /// The breaks the day's entries state.
    #[diesel(sql_type = Integer)]
    pub breaks: i32,
    /// Whether an entry of the day states a break (then no break is added by the rules).
    #[diesel(sql_type = Bool)]
    pub break_stated: bool,
    /// Credited for an approved absence or a company holiday: the absence's minutes per day,
    /// else the day's shifts, else a standard day on a working day.
    #[diesel(sql_type = Integer)]
    pub absence: i32,
    /// The company's break rules (JSON) and overtime thresholds.
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    pub break_rules: serde_json::Value,
    #[diesel(sql_type = Nullable<Integer>)]
    pub overtime_daily_minutes: Option<i32>,
    #[diesel(sql_type = Integer)]
    pub overtime_weekly_minutes: i32,
}

/// The orders of the list of timesheets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimesheetOrder {
    Newest,
    Oldest,
}

/// How the list of timesheets is filtered. With both `week_from` and `week_to`, every week of
/// the range lists for every employee, rows or not.
#[derive(Debug, Clone, Default)]
pub struct TimesheetFilter {
    pub company: Option<CompanyId>,
    pub employee: Option<EmployeeId>,
    pub status: Option<TimesheetStatus>,
    /// The first week (its Sunday).
    pub week_from: Option<NaiveDate>,
    /// The last week (its Sunday).
    pub week_to: Option<NaiveDate>,
}

/// Two shifts of one employee overlap.
pub const SCHEDULE_OVERLAP: Violation = Violation {
    constraint: "schedule_entries_no_overlap",
    field: "start",
    reason: "SCHEDULE_OVERLAP",
    message: "the shift overlaps another shift of the employee",
};

/// A break as long as the entry.
pub const BREAK_TOO_LONG: Violation = Violation {
    constraint: "timesheet_entries_break",
    field: "breakMinutes",
    reason: "BREAK_TOO_LONG",
    message: "the break must be shorter than the entry",
};

/// A day's or a week's totals, in minutes, with the company's rules applied: a day whose entries
/// state no break owes the break its rules ask (`auto_breaks`, taken from `worked`); overtime is
/// a day's worked time past the daily threshold, and a week's the larger of its time past the
/// weekly threshold and the sum of its days' overtime (never both); absences count as neither
/// worked time nor overtime, but close the difference to the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub scheduled: i32,
    pub worked: i32,
    pub clocked: i32,
    pub breaks: i32,
    pub auto_breaks: i32,
    pub overtime: i32,
    pub absence: i32,
    /// Worked and absence less scheduled: negative when short of the plan.
    pub difference: i32,
}

impl Totals {
    /// The totals of one day.
    pub fn day(day: &DayTotals) -> Self {
        let rules = crate::workforce::model::BreakRule::parse(&day.break_rules);
        let auto_breaks = if day.break_stated || day.worked <= 0 {
            0
        } else {
            crate::workforce::model::BreakRule::owed(&rules, day.worked).min(day.worked)
        };
        let worked = day.worked - auto_breaks;
        let overtime = day
            .overtime_daily_minutes
            .map_or(0, |threshold| (worked - threshold).max(0));
        Self {
            scheduled: day.scheduled,
            worked,
            clocked: day.clocked,
            breaks: day.breaks,
            auto_breaks,
            overtime,
            absence: day.absence,
            difference: worked + day.absence - day.scheduled,
        }
    }

    /// The totals of a week's days.
    pub fn week(days: &[DayTotals]) -> Self {
        let mut week = Self::default();
        let mut daily_overtime = 0;
        for day in days {
            let totals = Self::day(day);
            week.scheduled += totals.scheduled;
            week.worked += totals.worked;
            week.clocked += totals.clocked;
            week.breaks += totals.breaks;
            week.auto_breaks += totals.auto_breaks;
            week.absence += totals.absence;
            week.difference += totals.difference;
            daily_overtime += totals.overtime;
        }
        let weekly_overtime = days
            .first()
            .map_or(0, |day| (week.worked - day.overtime_weekly_minutes).max(0));
        week.overtime = weekly_overtime.max(daily_overtime);
        week
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(worked: i32, break_stated: bool, daily: Option<i32>) -> DayTotals {
        DayTotals {
            employee_id: EmployeeId(1),
            week: NaiveDate::from_ymd_opt(2026, 11, 29).expect("a day"),
            date: NaiveDate::from_ymd_opt(2026, 11, 30).expect("a day"),
            scheduled: 480,
            worked,
            clocked: 0,
            breaks: if break_stated { 15 } else { 0 },
            break_stated,
            absence: 0,
            break_rules: serde_json::json!([
                { "afterMinutes": 360, "minutes": 30 },
                { "afterMinutes": 540, "minutes": 45 }
            ]),
            overtime_daily_minutes: daily,
            overtime_weekly_minutes: 2400,
        }
    }

    #[test]
    fn a_day_without_a_stated_break_owes_the_rules_break() {
        assert_eq!(Totals::day(&day(360, false, None)).auto_breaks, 0);
        assert_eq!(Totals::day(&day(361, false, None)).auto_breaks, 30);
        assert_eq!(Totals::day(&day(600, false, None)).auto_breaks, 45);
        assert_eq!(Totals::day(&day(600, false, None)).worked, 555);
        assert_eq!(Totals::day(&day(600, true, None)).auto_breaks, 0);
    }

    #[test]
    fn overtime_is_the_larger_of_weekly_and_daily_never_both() {
        // Five days of 9 h with a stated break: 2700 worked, 300 past the week's 2400.
        let days: Vec<DayTotals> = (0..5).map(|_| day(540, true, Some(480))).collect();
        let week = Totals::week(&days);
        assert_eq!(week.worked, 2700);
        // Daily: 60 a day, 300 in all; weekly: 300. Not 600.
        assert_eq!(week.overtime, 300);
        // One long day: only the daily threshold is passed.
        let mut days: Vec<DayTotals> = (0..4).map(|_| day(300, true, Some(480))).collect();
        days.push(day(720, true, Some(480)));
        let week = Totals::week(&days);
        assert_eq!((week.worked, week.overtime), (1920, 240));
    }

    #[test]
    fn absences_close_the_difference_but_are_not_worked() {
        let mut absent = day(0, false, Some(480));
        absent.absence = 480;
        let totals = Totals::day(&absent);
        assert_eq!(
            (totals.worked, totals.overtime, totals.difference),
            (0, 0, 0)
        );
    }
}
