//! Reported hours and planned shifts: `addTimesheetEntry`, `updateTimesheetEntry`,
//! `deleteTimesheetEntry`, `importClockedTime`, `addScheduleEntry`, `updateScheduleEntry`,
//! `deleteScheduleEntry`, `copySchedule`.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};

use crate::auth::guards::{Level, MinLevel};
use crate::auth::scope::Scope;
use crate::error::AppError;
use crate::graphql::ContextExt;
use crate::graphql::scalars::{Date, LocalTime};
use crate::timesheets::model::{
    ScheduleEntry, ScheduleEntryId, SheetKey, Timesheet, TimesheetEntry, TimesheetEntryId,
};
use crate::timesheets::service::entries::{self, EntryInput};
use crate::timesheets::service::schedule::{self, ShiftInput};
use crate::workforce::model::CompanyId;

/// Hours to report.
#[derive(InputObject)]
pub struct CreateTimesheetEntryInput {
    /// The sheet (`Timesheet.id`).
    pub timesheet_id: ID,
    /// The local day the work started on, in the sheet's week.
    pub date: Date,
    /// Local start time.
    pub start: LocalTime,
    /// Local end time; at or before the start means the next day.
    pub end: LocalTime,
    /// The break taken within, in minutes (0 when left out).
    pub break_minutes: Option<i32>,
    /// A comment, at most 500 characters.
    pub comment: Option<String>,
}

/// Corrections to reported hours: a field left out keeps its value, `null` clears it.
#[derive(InputObject, Default)]
pub struct UpdateTimesheetEntryInput {
    /// Another day of the same week.
    pub date: MaybeUndefined<Date>,
    /// Local start time.
    pub start: MaybeUndefined<LocalTime>,
    /// Local end time.
    pub end: MaybeUndefined<LocalTime>,
    /// The break, in minutes (`null` is none).
    pub break_minutes: MaybeUndefined<i32>,
    /// A comment.
    pub comment: MaybeUndefined<String>,
}

/// A shift to plan.
#[derive(InputObject)]
pub struct CreateScheduleEntryInput {
    /// The sheet (`Timesheet.id`).
    pub timesheet_id: ID,
    /// The local day the shift starts on, in the sheet's week.
    pub date: Date,
    /// Local start time.
    pub start: LocalTime,
    /// Local end time; at or before the start means the next day.
    pub end: LocalTime,
    /// Where, at most 200 characters.
    pub location: Option<String>,
    /// A comment, at most 500 characters.
    pub comment: Option<String>,
}

/// Changes to a shift: a field left out keeps its value, `null` clears it.
#[derive(InputObject, Default)]
pub struct UpdateScheduleEntryInput {
    /// Another day of the same week.
    pub date: MaybeUndefined<Date>,
    /// Local start time.
    pub start: MaybeUndefined<LocalTime>,
    /// Local end time.
    pub end: MaybeUndefined<LocalTime>,
    /// Where.
    pub location: MaybeUndefined<String>,
    /// A comment.
    pub comment: MaybeUndefined<String>,
}

/// What `copySchedule` did.
#[derive(SimpleObject)]
pub struct CopyScheduleResult {
    /// Shifts copied.
    pub copied: i32,
    /// Shifts not copied: of inactive employees, into weeks finalized or with a submitted
    /// schedule, or overlapping a shift there.
    pub skipped: i32,
}

/// A required value that may not be cleared.
fn kept<T>(value: MaybeUndefined<T>, field: &str) -> Result<Option<T>, AppError> {
    match value {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Err(AppError::bad_input(
            field,
            format!("{field} cannot be cleared"),
        )),
        MaybeUndefined::Value(value) => Ok(Some(value)),
    }
}

/// Mutations of a sheet's hours and shifts.
#[derive(Default)]
pub struct EntriesMutation;

#[Object]
impl EntriesMutation {
    /// Reports hours on a sheet: employees on their own while it is DRAFT; managers and up on
    /// those of their companies up to HOURS_SUBMITTED. CONFLICT TIMESHEET_LOCKED,
    /// WEEK_FINALIZED.
    #[graphql(guard = "MinLevel(Level::Employee)")]
    async fn add_timesheet_entry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The sheet, the day, the times, the break and a comment.")]
        input: CreateTimesheetEntryInput,
    ) -> Result<TimesheetEntry> {
        let key = SheetKey::parse("timesheetId", &input.timesheet_id)?;
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        let entry = EntryInput {
            date: Some(input.date.0),
            start: Some(input.start.0),
            end: Some(input.end.0),
            break_minutes: input.break_minutes,
            comment: Some(input.comment),
        };
        Ok(entries::add(ctx.app(), viewer, scope, key, entry).await?)
    }

    /// Corrects reported hours (who may, as `addTimesheetEntry`).
    #[graphql(guard = "MinLevel(Level::Employee)")]
    async fn update_timesheet_entry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry to correct.")] id: ID,
        #[graphql(desc = "The corrections: a field left out keeps its value, `null` clears it.")]
        input: UpdateTimesheetEntryInput,
    ) -> Result<TimesheetEntry> {
        let id = TimesheetEntryId::parse("id", &id)?;
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        let changes = EntryInput {
            date: kept(input.date, "date")?.map(|date| date.0),
            start: kept(input.start, "start")?.map(|time| time.0),
            end: kept(input.end, "end")?.map(|time| time.0),
            break_minutes: match input.break_minutes {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(0),
                MaybeUndefined::Value(minutes) => Some(minutes),
            },
            comment: input.comment.into(),
        };
        Ok(entries::update(ctx.app(), viewer, scope, id, changes).await?)
    }

    /// Deletes reported hours (who may, as `addTimesheetEntry`).
    #[graphql(guard = "MinLevel(Level::Employee)")]
    async fn delete_timesheet_entry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry to delete.")] id: ID,
    ) -> Result<bool> {
        let id = TimesheetEntryId::parse("id", &id)?;
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        entries::delete(ctx.app(), viewer, scope, id).await?;
        Ok(true)
    }

    /// Copies the week's clocked time into the sheet: a CLOCK entry, to the minute, for each
    /// closed session started in the week that has none yet (who may, as
    /// `addTimesheetEntry`).
    #[graphql(guard = "MinLevel(Level::Employee)")]
    async fn import_clocked_time(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The sheet (`Timesheet.id`).")] timesheet_id: ID,
    ) -> Result<Timesheet> {
        let key = SheetKey::parse("timesheetId", &timesheet_id)?;
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        Ok(entries::import_clocked(ctx.app(), viewer, scope, key).await?)
    }

    /// Plans a shift (managers and up, of their companies) while the week's schedule is not
    /// submitted. CONFLICT SCHEDULE_LOCKED, SCHEDULE_OVERLAP, WEEK_FINALIZED.
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn add_schedule_entry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The sheet, the day, the times, the place and a comment.")]
        input: CreateScheduleEntryInput,
    ) -> Result<ScheduleEntry> {
        let key = SheetKey::parse("timesheetId", &input.timesheet_id)?;
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        let shift = ShiftInput {
            date: Some(input.date.0),
            start: Some(input.start.0),
            end: Some(input.end.0),
            location: Some(input.location),
            comment: Some(input.comment),
        };
        Ok(schedule::add(ctx.app(), viewer, scope, key, shift).await?)
    }

    /// Changes a shift (who may, as `addScheduleEntry`).
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn update_schedule_entry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The shift to change.")] id: ID,
        #[graphql(desc = "The changes: a field left out keeps its value, `null` clears it.")]
        input: UpdateScheduleEntryInput,
    ) -> Result<ScheduleEntry> {
        let id = ScheduleEntryId::parse("id", &id)?;
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        let changes = ShiftInput {
            date: kept(input.date, "date")?.map(|date| date.0),
            start: kept(input.start, "start")?.map(|time| time.0),
            end: kept(input.end, "end")?.map(|time| time.0),
            location: input.location.into(),
            comment: input.comment.into(),
        };
        Ok(schedule::update(ctx.app(), viewer, scope, id, changes).await?)
    }

    /// Removes a shift (who may, as `addScheduleEntry`).
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn delete_schedule_entry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The shift to remove.")] id: ID,
    ) -> Result<bool> {
        let id = ScheduleEntryId::parse("id", &id)?;
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        schedule::delete(ctx.app(), viewer, scope, id).await?;
        Ok(true)
    }

    /// Copies a company's shifts from one week to the same weekdays of another (managers and
    /// up, of their companies). Shifts of inactive employees, into locked weeks, or
    /// overlapping a shift there are skipped and counted.
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn copy_schedule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The company whose shifts to copy.")] company_id: ID,
        #[graphql(desc = "Any day of the week to copy from.")] from_week: Date,
        #[graphql(desc = "Any day of the week to copy to.")] to_week: Date,
    ) -> Result<CopyScheduleResult> {
        let company = CompanyId::parse("companyId", &company_id)?;
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        let copied =
            schedule::copy(ctx.app(), viewer, scope, company, from_week.0, to_week.0).await?;
        Ok(CopyScheduleResult {
            copied: i32::try_from(copied.copied).unwrap_or(i32::MAX),
            skipped: i32::try_from(copied.skipped).unwrap_or(i32::MAX),
        })
    }
}
