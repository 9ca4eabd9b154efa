//! The output types of the workforce area: companies, employees, work sessions and their
//! history, kiosks.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime as ChronoDateTime, Utc};
use serde::Deserialize;

use crate::auth::guards::{Level, MinLevel};
use crate::auth::identity::{User, UserId};
use crate::error::AppError;
use crate::graphql::ContextExt;
use crate::graphql::pagination::{
    ListConnection, PageArgs, SortKey, SortValue, TotalCount, connection_complexity,
};
use crate::graphql::scalars::{DateTime, Weekday};
use crate::workforce::loaders::{
    AnnualBalance, ChangesOf, HistoryOf, HoursWorked, KiosksOf, MembersOf, OpenSessionOf,
    SessionCount, SessionsPage,
};
use crate::workforce::model::{
    BreakRule, Company, Employee, Kiosk, Source, WorkSession, WorkSessionChange, WorkSessionId,
};
use crate::workforce::queries::{SessionWindow, employee_sessions_keyset, session_key};

/// Most history entries `sessionChanges` answers.
const MAX_CHANGES: i32 = 100;

/// An organisation whose people keep their time here.
#[Object]
impl Company {
    /// The company id.
    async fn id(&self) -> ID {
        self.id.into()
    }

    /// Display name, unique ignoring case.
    async fn name(&self) -> &str {
        &self.name
    }

    /// IANA time zone of the company's calendar days, e.g. `Europe/Madrid`.
    async fn time_zone(&self) -> &str {
        &self.time_zone
    }

    /// When the company was created.
    async fn created_at(&self) -> DateTime {
        DateTime(self.created_at)
    }

    /// What an absent working day without a shift counts, in minutes.
    async fn standard_day_minutes(&self) -> i32 {
        self.standard_day_minutes
    }

    /// The working days of the week.
    async fn working_days(&self) -> Vec<Weekday> {
        self.working_days
            .iter()
            .flatten()
            .filter_map(|day| Weekday::from_number(*day))
            .collect()
    }

    /// The breaks a day's worked time owes when its entries state none.
    async fn break_rules(&self) -> Vec<BreakRuleOutput> {
        self.policy_breaks()
            .into_iter()
            .map(BreakRuleOutput)
            .collect()
    }

    /// Worked minutes in a week beyond which time is overtime.
    async fn overtime_weekly_minutes(&self) -> i32 {
        self.overtime_weekly_minutes
    }

    /// Worked minutes in a day beyond which time is overtime; null when only weeks count.
    async fn overtime_daily_minutes(&self) -> Option<i32> {
        self.overtime_daily_minutes
    }

    /// How late after a shift's start a missing clock-in is reported as a no-show.
    async fn no_show_grace_minutes(&self) -> i32 {
        self.no_show_grace_minutes
    }

    /// How long a session may stay open before it is reported as a missed clock-out.
    async fn max_open_hours(&self) -> i32 {
        self.max_open_hours
    }

    /// The accounts that belong to the company, by username (managers and up).
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn members(&self, ctx: &Context<'_>) -> Result<Vec<User>> {
        Ok(ctx
            .loader()
            .load_one(MembersOf(self.id))
            .await?
            .unwrap_or_default())
    }

    /// The company's working kiosks, by name (head managers and up).
    #[graphql(guard = "MinLevel(Level::HeadManager)")]
    async fn kiosks(&self, ctx: &Context<'_>) -> Result<Vec<Kiosk>> {
        Ok(ctx
            .loader()
            .load_one(KiosksOf(self.id))
            .await?
            .unwrap_or_default())
    }
}

/// A person whose time is kept, in one company for life.
#[Object]
impl Employee {
    /// The employee id.
    async fn id(&self) -> ID {
        self.id.into()
    }

    /// Full name; null once erased.
    async fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Contact address, if any.
    async fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// Hours to work in a year (0 to 8784).
    async fn annual_hours(&self) -> i32 {
        self.annual_hours
    }

    /// False once archived: no more clock-ins.
    async fn active(&self) -> bool {
        self.active
    }

    /// Whether a fingerprint is enrolled (the fingerprint itself is never shown).
    async fn fingerprint(&self) -> bool {
        self.has_fingerprint
    }

    /// When the person was erased (asked to be forgotten), if they were.
    async fn erased_at(&self) -> Option<DateTime> {
        self.erased_at.map(DateTime)
    }

    /// When the employee was created.
    async fn created_at(&self) -> DateTime {
        DateTime(self.created_at)
    }

    /// The company the employee works for.
    async fn company(&self, ctx: &Context<'_>) -> Result<Company> {
        ctx.loader()
            .load_one(self.company_id)
            .await?
            .ok_or_else(|| AppError::NotFound("company").into())
    }

    /// The member account that is this employee, if any.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.user_id).await
    }

    /// The session open now, if the employee is clocked in.
    async fn current_session(&self, ctx: &Context<'_>) -> Result<Option<WorkSession>> {
        Ok(ctx.loader().load_one(OpenSessionOf(self.id)).await?)
    }

    /// The employee's sessions, newest first, 20 a page by default, at most 100; with `from`
    /// and `to`, those overlapping that window.
    #[graphql(complexity = "connection_complexity(first, None, child_complexity)")]
    async fn sessions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "At most this many sessions.")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
        #[graphql(desc = "Only sessions still going at or after this time.")] from: Option<
            DateTime,
        >,
        #[graphql(desc = "Only sessions started before this time.")] to: Option<DateTime>,
    ) -> Result<ListConnection<SortKey, WorkSession>> {
        let keyset = employee_sessions_keyset();
        let page = PageArgs {
            first,
            after,
            last: None,
            before: None,
        }
        .page_in(&keyset)?;
        let after = match page.cursor.as_ref().map(SortKey::values) {
            Some([SortValue::Time(at), SortValue::Int(id)]) => Some((*at, WorkSessionId(*id))),
            _ => None,
        };
        let (from, to) = (from.map(|at| at.0), to.map(|at| at.0));
        let window = SessionWindow {
            from,
            to,
            after,
            limit: page.fetch_limit(),
        };
        let rows = ctx
            .loader()
            .load_one(SessionsPage {
                employee: self.id,
                window,
            })
            .await?
            .unwrap_or_default();
        let (loader, employee) = (ctx.loader().clone(), self.id);
        let total = TotalCount::new(move || {
            let loader = loader.clone();
            async move {
                Ok(loader
                    .load_one(SessionCount { employee, from, to })
                    .await
                    .map_err(|err| AppError::internal(format!("{err:?}")))?
                    .unwrap_or(0))
            }
        });
        Ok(page.connection(rows, |session| session_key(&keyset, session), total))
    }

    /// Hours worked within `[from, to)`: sessions are clipped to it, and an open one counts
    /// until now.
    async fn hours_worked(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The start of the window.")] from: DateTime,
        #[graphql(desc = "The end of the window (excluded).")] to: DateTime,
    ) -> Result<f64> {
        if to.0 <= from.0 {
            return Err(AppError::bad_input("to", "the window ends after it starts").into());
        }
        Ok(ctx
            .loader()
            .load_one(HoursWorked {
                employee: self.id,
                from: from.0,
                to: to.0,
            })
            .await?
            .unwrap_or(0.0))
    }

    /// Annual hours less the hours worked in `year` (a year of the company's time zone):
    /// what is left to work, negative when exceeded.
    async fn annual_balance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The calendar year, e.g. 2026.")] year: i32,
    ) -> Result<f64> {
        if !(1970..=9999).contains(&year) {
            return Err(AppError::bad_input("year", "a year from 1970 to 9999").into());
        }
        Ok(ctx
            .loader()
            .load_one(AnnualBalance {
                employee: self.id,
                year,
            })
            .await?
            .unwrap_or(0.0))
    }

    /// The newest changes of the employee's sessions (corrections, manual entries and
    /// deletions), newest first: at most `first` (default 20, at most 100).
    async fn session_changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "At most this many changes.")] first: Option<i32>,
    ) -> Result<Vec<WorkSessionChange>> {
        let first = first.unwrap_or(20);
        if !(0..=MAX_CHANGES).contains(&first) {
            return Err(AppError::bad_input("first", "first is from 0 to 100").into());
        }
        Ok(ctx
            .loader()
            .load_one(ChangesOf {
                employee: self.id,
                limit: i64::from(first),
            })
            .await?
            .unwrap_or_default())
    }
}

/// How a work session came to be.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "WorkSessionSource", remote = "Source")]
pub enum WorkSessionSource {
    /// The employee (or a manager for them) clocked in, at the time of the clock.
    Clock,
    /// At a kiosk.
    Kiosk,
    /// Entered or corrected by a manager, or clocked more than 2 minutes off the clock.
    Manual,
}

/// Time worked: from a clock-in to its clock-out.
// Serial: a list holds hundreds of sessions, whose fields are mostly plain columns. Where
// async-graphql resolves them (`clockedIn`, a page's `edges`, a selection with fragments;
// a page's plain `nodes` are resolved by `graphql::pagination`), resolving a session's fields
// one after another spares the set of concurrent futures each object would get; its relations
// still load in one statement per field across the list, as its sessions resolve concurrently.
#[Object(serial)]
impl WorkSession {
    /// The session id.
    async fn id(&self) -> ID {
        self.id.into()
    }

    /// When the work started.
    async fn start(&self) -> DateTime {
        DateTime(self.started_at)
    }

    /// When it ended; null while the employee is clocked in.
    async fn end(&self) -> Option<DateTime> {
        self.ended_at.map(DateTime)
    }

    /// Whether the session is still open (the employee is clocked in).
    async fn open(&self) -> bool {
        self.ended_at.is_none()
    }

    /// Whether the session has been open longer than its company allows (`maxOpenHours`, 16
    /// at first): a forgotten clock-out.
    async fn open_too_long(&self, ctx: &Context<'_>) -> Result<bool> {
        if self.ended_at.is_some() {
            return Ok(false);
        }
        let Some(employee) = ctx.loader().load_one(self.employee_id).await? else {
            return Ok(false);
        };
        let Some(company) = ctx.loader().load_one(employee.company_id).await? else {
            return Ok(false);
        };
        Ok(Utc::now() - self.started_at
            > chrono::Duration::hours(i64::from(company.max_open_hours)))
    }

    /// How the session came to be.
    async fn source(&self) -> WorkSessionSource {
        self.source.into()
    }

    /// A note.
    async fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// When the row was last changed.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.updated_at)
    }

    /// Who worked.
    async fn employee(&self, ctx: &Context<'_>) -> Result<Employee> {
        ctx.loader()
            .load_one(self.employee_id)
            .await?
            .ok_or_else(|| AppError::NotFound("employee").into())
    }

    /// The account that made the session, if any.
    async fn created_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.created_by).await
    }

    /// The session's edit history, oldest first: manual creation, corrections.
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<WorkSessionChange>> {
        Ok(ctx
            .loader()
            .load_one(HistoryOf(self.id))
            .await?
            .unwrap_or_default())
    }
}

/// What a change of a work session did.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum WorkSessionChangeKind {
    /// Entered by hand.
    Created,
    /// Corrected.
    Updated,
    /// Deleted.
    Deleted,
}

/// A session's values at one point of its history.
#[derive(SimpleObject, Debug, Clone)]
pub struct WorkSessionValues {
    /// When the work started.
    pub start: DateTime,
    /// When it ended; null while open.
    pub end: Option<DateTime>,
    /// The note.
    pub note: Option<String>,
    /// How the session came to be.
    pub source: WorkSessionSource,
}

/// A row of `work_sessions` as the history trigger stored it (`to_jsonb`).
#[derive(Deserialize)]
struct StoredSession {
    started_at: ChronoDateTime<Utc>,
    ended_at: Option<ChronoDateTime<Utc>>,
    note: Option<String>,
    source: String,
}

impl WorkSessionValues {
    fn from_json(value: Option<&serde_json::Value>) -> Option<Self> {
        let stored: StoredSession = serde_json::from_value(value?.clone()).ok()?;
        let source = match stored.source.as_str() {
            "KIOSK" => WorkSessionSource::Kiosk,
            "MANUAL" => WorkSessionSource::Manual,
            _ => WorkSessionSource::Clock,
        };
        Some(Self {
            start: DateTime(stored.started_at),
            end: stored.ended_at.map(DateTime),
            note: stored.note,
            source,
        })
    }
}

/// An entry of a work session's history.
#[Object]
impl WorkSessionChange {
    /// The change id.
    async fn id(&self) -> ID {
        ID::from(self.id)
    }

    /// The session changed (it may be deleted since).
    async fn session_id(&self) -> ID {
        self.session_id.into()
    }

    /// What the change did.
    async fn kind(&self) -> WorkSessionChangeKind {
        match self.kind.as_str() {
            "CREATED" => WorkSessionChangeKind::Created,
            "DELETED" => WorkSessionChangeKind::Deleted,
            _ => WorkSessionChangeKind::Updated,
        }
    }

    /// When.
    async fn at(&self) -> DateTime {
        DateTime(self.at)
    }

    /// Why, as the manager said.
    async fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    /// The session before the change; null for a creation.
    async fn before(&self) -> Option<WorkSessionValues> {
        WorkSessionValues::from_json(self.before.as_ref())
    }

    /// The session after the change; null for a deletion.
    async fn after(&self) -> Option<WorkSessionValues> {
        WorkSessionValues::from_json(self.after.as_ref())
    }

    /// Who made the change.
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.actor_id).await
    }
}

/// The account `user`, if any, through the request's loader.
pub async fn load_user(ctx: &Context<'_>, user: Option<UserId>) -> Result<Option<User>> {
    match user {
        Some(user) => Ok(ctx.loader().load_one(user).await?),
        None => Ok(None),
    }
}

/// A break owed past a length of worked time.
pub struct BreakRuleOutput(BreakRule);

/// A break a day's worked time owes once it passes a length, when the day's entries state no
/// break.
#[Object(name = "BreakRule")]
impl BreakRuleOutput {
    /// Worked minutes in a day past which the break is owed.
    async fn after_minutes(&self) -> i32 {
        self.0.after_minutes
    }

    /// The break, in minutes.
    async fn minutes(&self) -> i32 {
        self.0.minutes
    }
}

/// A shared clock-in terminal of a company.
#[Object]
impl Kiosk {
    /// The kiosk id.
    async fn id(&self) -> ID {
        self.id.into()
    }

    /// Where it stands, e.g. Front door.
    async fn name(&self) -> &str {
        &self.name
    }

    /// When it was registered.
    async fn created_at(&self) -> DateTime {
        DateTime(self.created_at)
    }

    /// When it last clocked someone in or out.
    async fn last_used_at(&self) -> Option<DateTime> {
        self.last_used_at.map(DateTime)
    }
}
