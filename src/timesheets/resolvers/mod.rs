//! The GraphQL side of the timesheets area: its roots (merged into [`TimesheetsQuery`],
//! [`TimesheetsMutation`] and [`live::TimesheetsSubscription`]), output types and inputs.

pub mod absences;
pub mod entries;
pub mod live;
pub mod notes;
pub mod sheets;
pub mod types;

use async_graphql::MergedObject;

/// The queries of the timesheets area.
#[derive(MergedObject, Default)]
pub struct TimesheetsQuery(
    sheets::SheetsQuery,
    notes::NotesQuery,
    absences::AbsencesQuery,
);

/// The mutations of the timesheets area.
#[derive(MergedObject, Default)]
pub struct TimesheetsMutation(
    entries::EntriesMutation,
    sheets::WorkflowMutation,
    notes::NotesMutation,
    absences::AbsencesMutation,
);
