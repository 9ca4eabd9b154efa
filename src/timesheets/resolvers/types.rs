//! The output types of the timesheets area: sheets, their entries, shifts, sessions, notes,
//! workflow steps and totals.

use std::hash::Hash;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, ID, Object, Result, SimpleObject};

use crate::auth::identity::User;
use crate::error::SharedError;
use crate::graphql::ContextExt;
use crate::graphql::loaders::Loaders;
use crate::graphql::scalars::{Date, DateTime, LocalTime};
use crate::timesheets::loaders::{
    DaysOf, EntriesOf, NotesOf, ShiftsOf, TimeEntriesOf, TransitionsOf,
};
use crate::timesheets::model::{
    DayTotals, EntrySource, Note, NoteKind, ReportType, ScheduleEntry, TimeEntry, Timesheet,
    TimesheetEntry, TimesheetStatus, Totals, Transition, TransitionAction,
};
use crate::workforce::model::{Employee, WorkSession};
use crate::workforce::resolvers::types::load_user;

/// The rows a sheet relation's loader finds for `key` (none when it finds nothing).
async fn rows<K, V>(ctx: &Context<'_>, key: K) -> Result<Vec<V>>
where
    Loaders: Loader<K, Value = Vec<V>, Error = SharedError>,
    K: Send + Sync + Hash + Eq + Clone + 'static,
    V: Send + Sync + Clone + 'static,
{
    Ok(ctx.loader().load_one(key).await?.unwrap_or_default())
}

/// Minutes between two instants (elapsed time, whatever the wall clock did), rounded down.
fn minutes(from: chrono::DateTime<chrono::Utc>, to: chrono::DateTime<chrono::Utc>) -> i32 {
    i32::try_from((to - from).num_minutes()).unwrap_or(i32::MAX)
}

/// Seconds since 1970-01-01 UTC, as a float (GraphQL's `Int` is 32 bits).
fn epoch(at: chrono::DateTime<chrono::Utc>) -> f64 {
    // Millisecond precision is exact in an f64 for any date of interest.
    at.timestamp_millis() as f64 / 1000.0
}

/// One employee's week, Sunday to Saturday, in the time zone it records. Every week has one:
/// a week nobody wrote anything for reads as DRAFT.
#[Object]
impl Timesheet {
    /// `<employeeId>:<Sunday as YYYY-MM-DD>`: the same before and after anything is written.
    async fn id(&self) -> ID {
        self.key().id()
    }

    /// Whose week it is.
    async fn employee(&self, ctx: &Context<'_>) -> Result<Option<Employee>> {
        Ok(ctx.loader().load_one(self.employee_id).await?)
    }

    /// The Sunday the week starts on.
    async fn week(&self) -> Date {
        Date(self.week)
    }

    /// The IANA time zone of the week's days: the company's when the sheet was first written
    /// (a later move of the company leaves it), or the company's now for an unwritten week.
    async fn time_zone(&self) -> &str {
        &self.time_zone
    }

    /// When the week starts: its Sunday's midnight in its zone.
    async fn start(&self) -> DateTime {
        DateTime(self.starts_at)
    }

    /// When the week ends: the next Sunday's midnight in its zone (a week with a clock change
    /// lasts 167 or 169 hours).
    async fn end(&self) -> DateTime {
        DateTime(self.ends_at)
    }

    /// Where the sheet is in its workflow.
    async fn status(&self) -> TimesheetStatus {
        self.status
    }

    /// When the hours were submitted.
    async fn hours_submitted_at(&self) -> Option<DateTime> {
        self.hours_submitted_at.map(DateTime)
    }

    /// Who submitted the hours.
    async fn hours_submitted_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.hours_submitted_by).await
    }

    /// When a manager reviewed the hours.
    async fn hours_reviewed_at(&self) -> Option<DateTime> {
        self.hours_reviewed_at.map(DateTime)
    }

    /// Who reviewed the hours.
    async fn hours_reviewed_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.hours_reviewed_by).await
    }

    /// When the schedule was submitted; null while it may change.
    async fn schedule_submitted_at(&self) -> Option<DateTime> {
        self.schedule_submitted_at.map(DateTime)
    }

    /// Who submitted the schedule.
    async fn schedule_submitted_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.schedule_submitted_by).await
    }

    /// When the week was finalized.
    async fn finalized_at(&self) -> Option<DateTime> {
        self.finalized_at.map(DateTime)
    }

    /// Who finalized the week.
    async fn finalized_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.finalized_by).await
    }

    /// The latest of: hours submitted, hours reviewed, schedule submitted, finalized.
    async fn submitted_at(&self) -> Option<DateTime> {
        [
            self.hours_submitted_at,
            self.hours_reviewed_at,
            self.schedule_submitted_at,
            self.finalized_at,
        ]
        .into_iter()
        .flatten()
        .max()
        .map(DateTime)
    }

    /// The hours reported for the week, in order of start.
    async fn entries(&self, ctx: &Context<'_>) -> Result<Vec<TimesheetEntry>> {
        rows(ctx, EntriesOf(self.key())).await
    }

    /// The shifts planned for the week, in order of start.
    async fn schedule(&self, ctx: &Context<'_>) -> Result<Vec<ScheduleEntry>> {
        rows(ctx, ShiftsOf(self.key())).await
    }

    /// The time clocked: the work sessions started in the week, in order of start.
    async fn time_entries(&self, ctx: &Context<'_>) -> Result<Vec<TimeEntry>> {
        rows(ctx, TimeEntriesOf(self.key())).await
    }

    /// Comments and reports on the week or its items, oldest first.
    async fn notes(&self, ctx: &Context<'_>) -> Result<Vec<Note>> {
        rows(ctx, NotesOf(self.key())).await
    }

    /// Every step of the workflow, oldest first.
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<Transition>> {
        rows(ctx, TransitionsOf(self.key())).await
    }

    /// The week's seven days, Sunday first, with their totals.
    async fn days(&self, ctx: &Context<'_>) -> Result<Vec<TimesheetDay>> {
        let days = rows(ctx, DaysOf(self.key())).await?;
        Ok(days.into_iter().map(TimesheetDay).collect())
    }

    /// The week's totals: the sums of its days.
    async fn totals(&self, ctx: &Context<'_>) -> Result<TimesheetTotals> {
        let days = rows(ctx, DaysOf(self.key())).await?;
        Ok(Totals::week(&days).into())
    }
}

/// Minutes planned, reported, clocked and credited, for a day or a week, with the company's
/// break and overtime rules applied.
#[derive(SimpleObject, Debug, Clone, Copy, Default)]
pub struct TimesheetTotals {
    /// Planned: the shifts.
    pub scheduled_minutes: i32,
    /// Reported: the entries, less the breaks they state and the breaks the rules add.
    pub worked_minutes: i32,
    /// Clocked: the work sessions (an open one up to now).
    pub clocked_minutes: i32,
    /// The breaks the entries state.
    pub break_minutes: i32,
    /// The breaks the company's rules add to a day whose entries state none.
    pub auto_break_minutes: i32,
    /// Overtime: a day's worked time past the daily threshold; a week's, the larger of its time
    /// past the weekly threshold and its days' overtime (never both).
    pub overtime_minutes: i32,
    /// Credited for approved absences and company holidays (not worked time).
    pub absence_minutes: i32,
    /// Worked and absence less scheduled: negative when short of the plan.
    pub difference_minutes: i32,
}

impl From<Totals> for TimesheetTotals {
    fn from(totals: Totals) -> Self {
        Self {
            scheduled_minutes: totals.scheduled,
            worked_minutes: totals.worked,
            clocked_minutes: totals.clocked,
            break_minutes: totals.breaks,
            auto_break_minutes: totals.auto_breaks,
            overtime_minutes: totals.overtime,
            absence_minutes: totals.absence,
            difference_minutes: totals.difference,
        }
    }
}

/// A day of a timesheet with its totals.
pub struct TimesheetDay(DayTotals);

/// One day of a timesheet's week, with what was scheduled, worked, clocked and taken as
/// breaks on it.
#[Object]
impl TimesheetDay {
    /// The local day.
    async fn date(&self) -> Date {
        Date(self.0.date)
    }

    /// The day's totals.
    async fn totals(&self) -> TimesheetTotals {
        Totals::day(&self.0).into()
    }
}

/// Hours as reported on a timesheet.
#[Object]
impl TimesheetEntry {
    /// The entry id.
    async fn id(&self) -> ID {
        self.id.into()
    }

    /// The local day the work started on.
    async fn date(&self) -> Date {
        Date(self.date)
    }

    /// Local start time.
    async fn start(&self) -> LocalTime {
        LocalTime(self.start_time)
    }

    /// Local end time; at or before the start means the next day.
    async fn end(&self) -> LocalTime {
        LocalTime(self.end_time)
    }

    /// The start as an instant (in the sheet's zone).
    async fn starts_at(&self) -> DateTime {
        DateTime(self.starts_at)
    }

    /// The end as an instant (in the sheet's zone).
    async fn ends_at(&self) -> DateTime {
        DateTime(self.ends_at)
    }

    /// Elapsed minutes from start to end, less the break.
    async fn minutes(&self) -> i32 {
        minutes(self.starts_at, self.ends_at) - self.break_minutes
    }

    /// The break taken, in minutes.
    async fn break_minutes(&self) -> i32 {
        self.break_minutes
    }

    /// CLOCK (copied from a session) or MANUAL.
    async fn source(&self) -> EntrySource {
        self.source
    }

    /// The session a CLOCK entry was copied from; null for MANUAL ones, or once deleted.
    async fn work_session(&self, ctx: &Context<'_>) -> Result<Option<WorkSession>> {
        match self.work_session_id {
            Some(id) => Ok(ctx.loader().load_one(id).await?),
            None => Ok(None),
        }
    }

    /// True once the session a CLOCK entry was copied from changed (or was deleted) since.
    async fn differs_from_clock(&self) -> bool {
        self.differs_from_clock
    }

    /// A comment.
    async fn comment(&self) -> Option<&str> {
        self.comment.as_deref()
    }

    /// Who wrote the entry.
    async fn created_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.created_by).await
    }

    /// When the entry last changed.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.updated_at)
    }
}

/// A planned shift.
#[Object]
impl ScheduleEntry {
    /// The shift id.
    async fn id(&self) -> ID {
        self.id.into()
    }

    /// The local day the shift starts on.
    async fn date(&self) -> Date {
        Date(self.date)
    }

    /// Local start time.
    async fn start(&self) -> LocalTime {
        LocalTime(self.start_time)
    }

    /// Local end time; at or before the start means the next day.
    async fn end(&self) -> LocalTime {
        LocalTime(self.end_time)
    }

    /// The start as an instant (in the sheet's zone).
    async fn starts_at(&self) -> DateTime {
        DateTime(self.starts_at)
    }

    /// The end as an instant (in the sheet's zone).
    async fn ends_at(&self) -> DateTime {
        DateTime(self.ends_at)
    }

    /// Elapsed minutes from start to end.
    async fn minutes(&self) -> i32 {
        minutes(self.starts_at, self.ends_at)
    }

    /// Where.
    async fn location(&self) -> Option<&str> {
        self.location.as_deref()
    }

    /// A comment.
    async fn comment(&self) -> Option<&str> {
        self.comment.as_deref()
    }

    /// Who planned the shift.
    async fn created_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.created_by).await
    }
}

/// Time clocked in a timesheet's week: one work session, on the local day it started.
#[Object]
impl TimeEntry {
    /// The local day the session started on (in the sheet's zone).
    async fn date(&self) -> Date {
        Date(self.local_date)
    }

    /// When it started.
    async fn start(&self) -> DateTime {
        DateTime(self.session.started_at)
    }

    /// When it ended; null while open.
    async fn end(&self) -> Option<DateTime> {
        self.session.ended_at.map(DateTime)
    }

    /// Elapsed minutes (an open session up to now).
    async fn minutes(&self) -> i32 {
        minutes(
            self.session.started_at,
            self.session.ended_at.unwrap_or_else(chrono::Utc::now),
        )
    }

    /// The start in seconds since 1970-01-01 UTC.
    async fn start_epoch(&self) -> f64 {
        epoch(self.session.started_at)
    }

    /// The end in seconds since 1970-01-01 UTC; null while open.
    async fn end_epoch(&self) -> Option<f64> {
        self.session.ended_at.map(epoch)
    }

    /// The session.
    async fn session(&self) -> &WorkSession {
        &self.session
    }
}

/// A comment or an incident report on a timesheet.
#[Object]
impl Note {
    /// The note id.
    async fn id(&self) -> ID {
        self.id.into()
    }

    /// The sheet it is on.
    async fn timesheet(&self, ctx: &Context<'_>) -> Result<Option<Timesheet>> {
        Ok(ctx.loader().load_one(self.sheet()).await?)
    }

    /// COMMENT or REPORT.
    async fn kind(&self) -> NoteKind {
        self.kind
    }

    /// What a report is about; null for comments.
    async fn report_type(&self) -> Option<ReportType> {
        self.report_type
    }

    /// The text.
    async fn body(&self) -> &str {
        &self.body
    }

    /// The entry it is about, if any.
    async fn timesheet_entry_id(&self) -> Option<ID> {
        self.timesheet_entry_id.map(Into::into)
    }

    /// The shift it is about, if any.
    async fn schedule_entry_id(&self) -> Option<ID> {
        self.schedule_entry_id.map(Into::into)
    }

    /// The work session it is about, if any.
    async fn work_session(&self, ctx: &Context<'_>) -> Result<Option<WorkSession>> {
        match self.work_session_id {
            Some(id) => Ok(ctx.loader().load_one(id).await?),
            None => Ok(None),
        }
    }

    /// Who wrote it; null for the system.
    async fn author(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.author_id).await
    }

    /// When it was written.
    async fn created_at(&self) -> DateTime {
        DateTime(self.created_at)
    }

    /// When it was resolved; null while open.
    async fn resolved_at(&self) -> Option<DateTime> {
        self.resolved_at.map(DateTime)
    }

    /// Who resolved it.
    async fn resolved_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.resolved_by).await
    }
}

/// A step of a timesheet's workflow.
#[Object(name = "TimesheetTransition")]
impl Transition {
    /// What was done.
    async fn action(&self) -> TransitionAction {
        self.action
    }

    /// The status before.
    async fn from(&self) -> TimesheetStatus {
        self.from_status
    }

    /// The status after (the same for the schedule's steps).
    async fn to(&self) -> TimesheetStatus {
        self.to_status
    }

    /// Who did it.
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.actor_id).await
    }

    /// When.
    async fn at(&self) -> DateTime {
        DateTime(self.at)
    }

    /// Why (for rejections and reopenings).
    async fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }
}
