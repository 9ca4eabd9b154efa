//! `timesheetEvents`: status changes and reports of a company's timesheets, live, from any
//! instance. It rides the workforce's live events (same listener, same table, same reach and
//! endings): see [`crate::workforce::resolvers::live`].

use async_graphql::{Context, Enum, ID, Object, Result, Subscription};
use futures_util::Stream;
use serde::Deserialize;

use crate::auth::guards::{Level, MinLevel};
use crate::auth::identity::User;
use crate::graphql::scalars::DateTime;
use crate::live::LiveEvent;
use crate::timesheets::model::{Note, Timesheet};
use crate::workforce::resolvers::live::subscribe;

/// What happened to a timesheet.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum TimesheetEventKind {
    /// Its status changed (a step of the workflow).
    StatusChanged,
    /// A report was added to it.
    ReportOpened,
    /// One of its reports was resolved.
    ReportResolved,
}

impl TimesheetEventKind {
    fn of(kind: &str) -> Option<Self> {
        Some(match kind {
            "STATUS_CHANGED" => Self::StatusChanged,
            "REPORT_OPENED" => Self::ReportOpened,
            "REPORT_RESOLVED" => Self::ReportResolved,
            _ => return None,
        })
    }
}

/// The snapshot a timesheet event carries.
#[derive(Deserialize)]
struct Snapshot {
    timesheet: Timesheet,
    note: Option<Note>,
    actor: Option<User>,
}

/// A change of a timesheet, as it happened.
pub struct TimesheetEvent {
    kind: TimesheetEventKind,
    at: chrono::DateTime<chrono::Utc>,
    snapshot: Snapshot,
}

impl TimesheetEvent {
    /// The timesheet event a live event is, if it is one.
    fn of(event: &LiveEvent) -> Option<Self> {
        Some(Self {
            kind: TimesheetEventKind::of(&event.kind)?,
            at: event.at,
            snapshot: serde_json::from_value(event.payload.clone()).ok()?,
        })
    }
}

/// A change of a timesheet (a step of its workflow, or a report opened or resolved), as
/// `timesheetEvents` announces it.
#[Object]
impl TimesheetEvent {
    /// What happened.
    async fn kind(&self) -> TimesheetEventKind {
        self.kind
    }

    /// The sheet as it is after the change.
    async fn timesheet(&self) -> &Timesheet {
        &self.snapshot.timesheet
    }

    /// The report opened or resolved; null for a status change.
    async fn note(&self) -> Option<&Note> {
        self.snapshot.note.as_ref()
    }

    /// Who made the change; null for the system.
    async fn actor(&self) -> Option<&User> {
        self.snapshot.actor.as_ref()
    }

    /// When it happened.
    async fn at(&self) -> DateTime {
        DateTime(self.at)
    }
}

/// Live subscriptions of the timesheets area.
#[derive(Default)]
pub struct TimesheetsSubscription;

#[Subscription]
impl TimesheetsSubscription {
    /// Status changes and reports of a company's timesheets as they happen, from any server
    /// instance. Employees see their own; managers and head managers, the companies they are
    /// members of; owners and admins, any. A company you may not see is NOT_FOUND.
    #[graphql(guard = "MinLevel(Level::Employee)")]
    async fn timesheet_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The company whose timesheets to follow.")] company_id: ID,
    ) -> Result<impl Stream<Item = Result<TimesheetEvent>> + use<>> {
        subscribe(ctx, &company_id, TimesheetEvent::of).await
    }
}
