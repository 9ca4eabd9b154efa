//! `addNote`, `resolveNote`, `openReports`.

use async_graphql::{Context, ID, InputObject, Object, Result};

use crate::auth::guards::{Level, MinLevel};
use crate::auth::scope::Scope;
use crate::error::AppError;
use crate::graphql::ContextExt;
use crate::graphql::pagination::{
    ListConnection, PageArgs, SortKey, TotalCount, connection_complexity,
};
use crate::timesheets::model::{
    Note, NoteId, NoteKind, ReportType, ScheduleEntryId, SheetKey, TimesheetEntryId,
};
use crate::timesheets::queries::{self, open_reports_keyset};
use crate::timesheets::service::notes::{self, NoteInput};
use crate::workforce::model::{CompanyId, WorkSessionId};

/// A note to add: on a sheet, or on one of its items (at most one).
#[derive(InputObject)]
pub struct CreateNoteInput {
    /// The sheet (`Timesheet.id`).
    pub timesheet_id: ID,
    /// An entry of the sheet the note is about.
    pub timesheet_entry_id: Option<ID>,
    /// A shift of the sheet the note is about.
    pub schedule_entry_id: Option<ID>,
    /// A work session of the sheet's week the note is about.
    pub work_session_id: Option<ID>,
    /// COMMENT (anyone who reads the sheet) or REPORT (managers and up).
    pub kind: NoteKind,
    /// What a report is about; required for reports, refused for comments.
    pub report_type: Option<ReportType>,
    /// The text, 1 to 2000 characters.
    pub body: String,
}

/// Note queries.
#[derive(Default)]
pub struct NotesQuery;

#[Object]
impl NotesQuery {
    /// The unresolved reports of a company's timesheets, oldest first (head managers and up,
    /// of their companies). 20 a page by default, at most 100.
    #[graphql(
        guard = "MinLevel(Level::HeadManager)",
        complexity = "connection_complexity(first, last, child_complexity)"
    )]
    async fn open_reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The company whose reports to list.")] company_id: ID,
        #[graphql(desc = "Page forward: at most this many reports after `after`.")] first: Option<
            i32,
        >,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page backward: at most this many reports before `before`.")] last: Option<
            i32,
        >,
        #[graphql(desc = "The `startCursor` of the next page.")] before: Option<String>,
    ) -> Result<ListConnection<SortKey, Note>> {
        let company = CompanyId::parse("companyId", &company_id)?;
        let keyset = open_reports_keyset();
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .page_in(&keyset)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let mut conn = ctx.conn().await?;
        let rows = queries::open_reports(&mut conn, scope, company, &keyset, &page)
            .await
            .map_err(AppError::from)?;
        let total = TotalCount::query(ctx.app().pool.clone(), move |mut conn| async move {
            queries::count_open_reports(&mut conn, scope, company).await
        });
        Ok(page.connection(rows, |note| keyset.key([note.id.0.into()]), total))
    }
}

/// Note mutations.
#[derive(Default)]
pub struct NotesMutation;

#[Object]
impl NotesMutation {
    /// Adds a note to a timesheet: a COMMENT by anyone who may read the sheet, a REPORT by
    /// managers and up of its company. CONFLICT WEEK_FINALIZED.
    #[graphql(guard = "MinLevel(Level::Employee)")]
    async fn add_note(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The sheet or item, the kind, and the text of the note.")]
        input: CreateNoteInput,
    ) -> Result<Note> {
        let note = NoteInput {
            sheet: SheetKey::parse("timesheetId", &input.timesheet_id)?,
            entry: TimesheetEntryId::parse_optional(
                "timesheetEntryId",
                input.timesheet_entry_id.as_ref(),
            )?,
            shift: ScheduleEntryId::parse_optional(
                "scheduleEntryId",
                input.schedule_entry_id.as_ref(),
            )?,
            session: WorkSessionId::parse_optional(
                "workSessionId",
                input.work_session_id.as_ref(),
            )?,
            kind: input.kind,
            report_type: input.report_type,
            body: input.body,
        };
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        Ok(notes::add(ctx.app(), viewer, scope, note).await?)
    }

    /// Resolves a note (head managers and up, of their companies). CONFLICT
    /// ALREADY_RESOLVED.
    #[graphql(guard = "MinLevel(Level::HeadManager)")]
    async fn resolve_note(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The note to resolve.")] id: ID,
    ) -> Result<Note> {
        let id = NoteId::parse("id", &id)?;
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        Ok(notes::resolve(ctx.app(), viewer, scope, id).await?)
    }
}
