//! `clockEvents`: clock-ins and every other change of a company's work sessions, live, from
//! any instance.
//!
//! A subscriber's reach is read once, when it subscribes: the company (managers and up, of
//! their companies; owners and admins, any) or the viewer's own employee records in it
//! (employees). Each event is then answered from its snapshot, with no database read. When the
//! viewer's access changes (its role, status or a membership: announced as SCOPE events), the
//! reach is read again, and a viewer no longer allowed ends with FORBIDDEN OUT_OF_SCOPE. A
//! subscriber too slow to keep up ends with SERVICE_UNAVAILABLE SUBSCRIBER_LAGGED: subscribe
//! again and read the current state.

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, Result, Subscription};
use futures_util::Stream;
use serde::Deserialize;
use tokio::sync::broadcast::{self, error::RecvError};

use crate::app::App;
use crate::auth::guards::{Level, MinLevel};
use crate::auth::identity::User;
use crate::auth::scope::Scope;
use crate::auth::viewer::{self, Credential, Viewer};
use crate::error::{AppError, AppResult};
use crate::graphql::ContextExt;
use crate::graphql::scalars::DateTime;
use crate::live::LiveEvent;
use crate::workforce::model::{CompanyId, Employee, EmployeeId, WorkSession};
use crate::workforce::queries;

/// What happened to a work session.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ClockEventKind {
    /// An employee clocked in.
    ClockIn,
    /// An employee clocked out.
    ClockOut,
    /// A session was entered by hand.
    Created,
    /// A session was corrected.
    Updated,
    /// A session was deleted.
    Deleted,
}

impl ClockEventKind {
    fn of(kind: &str) -> Option<Self> {
        Some(match kind {
            "CLOCK_IN" => Self::ClockIn,
            "CLOCK_OUT" => Self::ClockOut,
            "CREATED" => Self::Created,
            "UPDATED" => Self::Updated,
            "DELETED" => Self::Deleted,
            _ => return None,
        })
    }
}

/// The snapshot a clock event carries.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Snapshot {
    session_id: i64,
    session: Option<WorkSession>,
    employee: Employee,
    actor: Option<User>,
}

/// A change of a work session, as it happened.
pub struct ClockEvent {
    kind: ClockEventKind,
    at: chrono::DateTime<chrono::Utc>,
    snapshot: Snapshot,
}

/// A change of a work session (a clock-in, a clock-out, a manual entry, a correction or a
/// deletion), as `clockEvents` announces it.
#[Object]
impl ClockEvent {
    /// What happened.
    async fn kind(&self) -> ClockEventKind {
        self.kind
    }

    /// The session concerned.
    async fn session_id(&self) -> ID {
        ID::from(self.snapshot.session_id)
    }

    /// The session as it is after the change; null when it was deleted.
    async fn session(&self) -> Option<&WorkSession> {
        self.snapshot.session.as_ref()
    }

    /// The employee whose session it is.
    async fn employee(&self) -> &Employee {
        &self.snapshot.employee
    }

    /// Who made the change: the account that clocked or edited; null for a kiosk.
    async fn actor(&self) -> Option<&User> {
        self.snapshot.actor.as_ref()
    }

    /// When it happened.
    async fn at(&self) -> DateTime {
        DateTime(self.at)
    }
}

/// Which events a subscriber may see.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reach {
    /// Every event of the company.
    Company(CompanyId),
    /// The events of these employee records of the company.
    Own(CompanyId, HashSet<EmployeeId>),
}

impl Reach {
    /// What `viewer` may see of `company`; NOT_FOUND when nothing.
    async fn read(app: &App, viewer: &Viewer, company: CompanyId) -> AppResult<Self> {
        let scope = Scope::of_staff(viewer)?;
        let mut conn = app.pool.get().await?;
        match scope {
            Scope::Own(user) => {
                let own: HashSet<EmployeeId> =
                    queries::employees_of_users(&mut conn, scope, &[user])
                        .await?
                        .into_iter()
                        .filter(|employee| employee.company_id == company)
                        .map(|employee| employee.id)
                        .collect();
                if own.is_empty() {
                    return Err(AppError::NotFound("company"));
                }
                Ok(Self::Own(company, own))
            }
            Scope::Companies(_) | Scope::All => {
                queries::company_in(&mut conn, scope, company)
                    .await?
                    .ok_or(AppError::NotFound("company"))?;
                Ok(Self::Company(company))
            }
        }
    }

    fn covers(&self, event: &LiveEvent) -> bool {
        let company = match self {
            Self::Company(company) | Self::Own(company, _) => *company,
        };
        if event.company_id != Some(company.0) {
            return false;
        }
        match self {
            Self::Company(_) => true,
            Self::Own(_, own) => event
                .employee_id
                .is_some_and(|employee| own.contains(&EmployeeId(employee))),
        }
    }
}

/// A subscriber between two events, answering those of its reach with `answer` (which skips
/// the kinds it does not answer).
struct Subscriber<E> {
    app: Arc<App>,
    credential: Credential,
    viewer: Viewer,
    company: CompanyId,
    reach: Reach,
    events: broadcast::Receiver<Arc<LiveEvent>>,
    answer: fn(&LiveEvent) -> Option<E>,
    ended: bool,
}

impl<E> Subscriber<E> {
    /// The next event the subscriber sees, or the error that ends it; `None` once ended.
    async fn next(&mut self) -> Option<Result<E>> {
        if self.ended {
            return None;
        }
        loop {
            let event = match self.events.recv().await {
                Ok(event) => event,
                Err(RecvError::Lagged(_)) => {
                    self.ended = true;
                    return Some(Err(AppError::Unavailable {
                        reason: "SUBSCRIBER_LAGGED",
                        source: "the subscriber fell behind its events".into(),
                    }
                    .into()));
                }
                Err(RecvError::Closed) => return None,
            };
            if event.kind == "SCOPE" {
                // Boxed: the rereading future is large, and every idle subscriber would hold
                // room for it.
                if event.user_id == self.viewer.user_id().map(|id| id.0)
                    && let Err(err) = Box::pin(self.reread()).await
                {
                    self.ended = true;
                    return Some(Err(err.into()));
                }
                continue;
            }
            if !self.reach.covers(&event) {
                continue;
            }
            if let Some(answer) = (self.answer)(&event) {
                return Some(Ok(answer));
            }
        }
    }

    /// Reads the viewer and its reach again; FORBIDDEN OUT_OF_SCOPE when it lost them.
    async fn reread(&mut self) -> AppResult<()> {
        let out = || AppError::forbidden("OUT_OF_SCOPE", "you may no longer see these events");
        let viewer = viewer::authenticate(&self.app, &self.credential, false)
            .await
            .map_err(|_| out())?;
        if viewer.level() < Level::Employee {
            return Err(out());
        }
        self.reach = Reach::read(&self.app, &viewer, self.company)
            .await
            .map_err(|err| match err {
                AppError::NotFound(_) => out(),
                other => other,
            })?;
        self.viewer = viewer;
        Ok(())
    }
}

impl ClockEvent {
    /// The clock event a live event is, if it is one.
    fn of(event: &LiveEvent) -> Option<Self> {
        Some(Self {
            kind: ClockEventKind::of(&event.kind)?,
            at: event.at,
            snapshot: serde_json::from_value(event.payload.clone()).ok()?,
        })
    }
}

/// The live events of a company for the viewer, from any instance: those of its reach (the
/// company, for managers and up; its own employee records, for employees), each answered with
/// `answer` (which skips the kinds it does not answer). A company the viewer may not see is
/// NOT_FOUND. Other areas' subscriptions (timesheets) ride it too.
pub async fn subscribe<E: Send + 'static>(
    ctx: &Context<'_>,
    company_id: &ID,
    answer: fn(&LiveEvent) -> Option<E>,
) -> Result<impl Stream<Item = Result<E>> + use<E>> {
    let company = CompanyId::parse("companyId", company_id)?;
    let app = ctx.app().clone();
    // Subscribed before the reach is read, so nothing between the two is missed.
    let events = app.live.subscribe();
    // Boxed: a subscription's stream keeps room for its resolver's future as long as it lives,
    // and reading the reach is most of it.
    let reach = Box::pin(Reach::read(&app, ctx.viewer(), company)).await?;
    let subscriber = Subscriber {
        app,
        credential: ctx.credential().clone(),
        viewer: ctx.viewer().clone(),
        company,
        reach,
        events,
        answer,
        ended: false,
    };
    Ok(futures_util::stream::unfold(
        subscriber,
        |mut subscriber| async move { subscriber.next().await.map(|item| (item, subscriber)) },
    ))
}

/// Live subscriptions of the workforce area.
#[derive(Default)]
pub struct LiveSubscription;

#[Subscription]
impl LiveSubscription {
    /// Every change of a company's work sessions as it happens, from any server instance:
    /// clock-ins and clock-outs, manual entries, corrections and deletions. Employees see
    /// their own; managers and head managers, the companies they are members of; owners and
    /// admins, any. A company you may not see is NOT_FOUND.
    #[graphql(guard = "MinLevel(Level::Employee)")]
    async fn clock_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The company whose sessions to follow.")] company_id: ID,
    ) -> Result<impl Stream<Item = Result<ClockEvent>> + use<>> {
        subscribe(ctx, &company_id, ClockEvent::of).await
    }
}
