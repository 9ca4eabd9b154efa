//! The output types of the academy: locations, groups, lessons, prices, money, favourites,
//! clients, contracts, client subscriptions and attendance.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};

use crate::academy::loaders::{
    BooksOfGroup, ClientsOfGroup, ContractsOf, LessonCount, LessonsPage, LoansOfClient,
    MarksOfClient, MarksOfLesson, SubscriptionsOf,
};
use crate::academy::model::{
    Attendance, AttendanceStatus, Book, Client, ClientSubscription, Contract, ContractStatus,
    Group, Lesson, LessonId, Loan, Location, Price, StoredSubscriptionStatus,
};
use crate::academy::money;
use crate::academy::queries::clients::ClientReach;
use crate::academy::queries::{LessonWindow, Reach};
use crate::auth::guards::{Level, LinkedOr, MinLevel};
use crate::auth::identity::User;
use crate::auth::scope::Scope;
use crate::auth::viewer::Viewer;
use crate::error::AppError;
use crate::graphql::ContextExt;
use crate::graphql::pagination::{ListConnection, PageArgs, SortKey, SortValue, TotalCount};
use crate::graphql::scalars::{Date, DateTime};
use crate::workforce::model::{Company, Employee, EmployeeId};

/// Which clients a signed-in viewer sees: its own client records (accounts), and the clients
/// in the groups it coaches (employees), of its companies (managers, head managers), all
/// (owners, admins).
pub fn client_reach(viewer: &Viewer) -> Result<ClientReach> {
    let user = viewer.require()?.user.id;
    Ok(match viewer.level() {
        level if level >= Level::Owner => ClientReach::All,
        level if level >= Level::Manager => ClientReach::Companies(user),
        Level::Employee => ClientReach::Coach(user),
        _ => ClientReach::Own(user),
    })
}

/// An amount of money: a decimal string with exactly the currency's decimals (ISO 4217), so
/// that no amount overflows or rounds.
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq)]
pub struct Money {
    /// The amount, e.g. `12.50` (EUR) or `1000` (JPY).
    pub amount: String,
    /// The ISO 4217 currency code, e.g. `EUR`.
    pub currency: String,
}

impl Money {
    /// `minor` units of `currency`.
    pub fn of(minor: i64, currency: &str) -> Self {
        Self {
            amount: money::format(minor, currency),
            currency: currency.to_owned(),
        }
    }
}

/// Who teaches a group or a lesson, as the timetable shows them: an employee's id and name
/// only (the employee's record itself is the workforce's, within its scope).
#[derive(SimpleObject)]
pub struct Coach {
    /// The employee id (for `employee(id)`, where you may see it).
    pub id: ID,
    /// The coach's name; null once the employee was erased.
    pub name: Option<String>,
}

impl Coach {
    async fn load(ctx: &Context<'_>, coach: Option<EmployeeId>) -> Result<Option<Self>> {
        let Some(coach) = coach else {
            return Ok(None);
        };
        let employee: Option<Employee> = ctx.loader().load_one(coach).await?;
        Ok(employee.map(|employee| Self {
            id: employee.id.into(),
            name: employee.name,
        }))
    }
}

/// Where a company's groups meet.
#[Object]
impl Location {
    /// The location id.
    async fn id(&self) -> ID {
        self.id.into()
    }

    /// The company.
    async fn company(&self, ctx: &Context<'_>) -> Result<Option<Company>> {
        Ok(ctx.loader().load_one(self.company_id).await?)
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.name
    }

    /// Postal address, if any.
    async fn address(&self) -> Option<&str> {
        self.address.as_deref()
    }

    /// IANA time zone of its lessons' local times.
    async fn time_zone(&self) -> &str {
        &self.time_zone
    }

    /// False once closed.
    async fn active(&self) -> bool {
        self.active
    }
}

/// A class of a location, taught by a coach.
#[Object]
impl Group {
    /// The group id.
    async fn id(&self) -> ID {
        self.id.into()
    }

    /// Where it meets.
    async fn location(&self, ctx: &Context<'_>) -> Result<Option<Location>> {
        Ok(ctx.loader().load_one(self.location_id).await?)
    }

    /// Its coach, if any.
    async fn coach(&self, ctx: &Context<'_>) -> Result<Option<Coach>> {
        Coach::load(ctx, self.coach_id).await
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.name
    }

    /// How many clients a lesson takes.
    async fn capacity(&self) -> i32 {
        self.capacity
    }

    /// Its level, e.g. Beginners.
    async fn level(&self) -> Option<&str> {
        self.level.as_deref()
    }

    /// When it meets, as text.
    async fn schedule(&self) -> Option<&str> {
        self.schedule.as_deref()
    }

    /// False once closed.
    async fn active(&self) -> bool {
        self.active
    }

    /// The clients in the group (a valid subscription for it, or there at one of its lessons
    /// in the last 90 days) that you may see, by name: your own client records; for its coach,
    /// all (their names); for its company's managers, all.
    #[graphql(guard = "MinLevel(Level::User)")]
    async fn clients(&self, ctx: &Context<'_>) -> Result<Vec<Client>> {
        let reach = client_reach(ctx.viewer())?;
        Ok(ctx
            .loader()
            .load_one(ClientsOfGroup {
                group: self.id,
                reach,
            })
            .await?
            .unwrap_or_default())
    }

    /// Its books that you may see (the catalogue's reach), by title.
    #[graphql(guard = "MinLevel(Level::User)")]
    async fn books(&self, ctx: &Context<'_>) -> Result<Vec<Book>> {
        let reach = Reach::signed_in(ctx.viewer())?;
        Ok(ctx
            .loader()
            .load_one(BooksOfGroup {
                group: self.id,
                reach,
            })
            .await?
            .unwrap_or_default())
    }

    /// Its lessons, earliest first.
    async fn lessons(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "At most this many lessons (20 when left out, at most 100).")]
        first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
        #[graphql(desc = "Only lessons ending after this time.")] from: Option<DateTime>,
    ) -> Result<ListConnection<SortKey, Lesson>> {
        let keyset = crate::academy::model::LessonOrder::Earliest.keyset();
        let page = PageArgs {
            first,
            after,
            last: None,
            before: None,
        }
        .page_in(&keyset)?;
        let after = match page.cursor.as_ref().map(SortKey::values) {
            Some([SortValue::Time(at), SortValue::Int(id)]) => Some((*at, LessonId(*id))),
            _ => None,
        };
        let window = LessonWindow {
            from: from.map(|at| at.0),
            after,
            limit: page.fetch_limit(),
        };
        let rows = ctx
            .loader()
            .load_one(LessonsPage {
                group: self.id,
                window,
            })
            .await?
            .unwrap_or_default();
        let (loader, group, from) = (ctx.loader().clone(), self.id, window.from);
        let total = TotalCount::new(move || {
            let loader = loader.clone();
            async move {
                Ok(loader
                    .load_one(LessonCount { group, from })
                    .await
                    .map_err(|err| crate::error::AppError::internal(format!("{err:?}")))?
                    .unwrap_or(0))
            }
        });
        Ok(page.connection(
            rows,
            |lesson| crate::academy::model::LessonOrder::key(&keyset, lesson),
            total,
        ))
    }
}

/// A meeting of a group.
#[Object]
impl Lesson {
    /// Who was there: the marks of the lesson, for its coach and its company's managers
    /// (FORBIDDEN for others).
    #[graphql(guard = "MinLevel(Level::Employee)")]
    async fn attendance(&self, ctx: &Context<'_>) -> Result<Vec<Attendance>> {
        let reach = Scope::of_staff(ctx.viewer())?;
        ctx.loader()
            .load_one(MarksOfLesson {
                lesson: self.id,
                reach,
            })
            .await?
            .ok_or_else(|| {
                AppError::forbidden(
                    "NOT_LESSON_COACH",
                    "only the lesson's coach and its company's managers see its attendance",
                )
                .into()
            })
    }

    /// The lesson id.
    async fn id(&self) -> ID {
        self.id.into()
    }

    /// The group.
    async fn group(&self, ctx: &Context<'_>) -> Result<Option<Group>> {
        Ok(ctx.loader().load_one(self.group_id).await?)
    }

    /// Who teaches it.
    async fn coach(&self, ctx: &Context<'_>) -> Result<Option<Coach>> {
        Coach::load(ctx, self.coach_id).await
    }

    /// When it starts.
    async fn starts_at(&self) -> DateTime {
        DateTime(self.starts_at)
    }

    /// When it ends.
    async fn ends_at(&self) -> DateTime {
        DateTime(self.ends_at)
    }

    /// What it is about.
    async fn topic(&self) -> Option<&str> {
        self.topic.as_deref()
    }

    /// Whether it was cancelled (for good).
    async fn cancelled(&self) -> bool {
        self.cancelled_at.is_some()
    }

    /// When it was cancelled.
    async fn cancelled_at(&self) -> Option<DateTime> {
        self.cancelled_at.map(DateTime)
    }

    /// Why it was cancelled.
    async fn cancel_reason(&self) -> Option<&str> {
        self.cancel_reason.as_deref()
    }
}

/// What a company sells: a subscription of so many lessons (or unlimited) for so many days.
#[Object]
impl Price {
    /// The price id.
    async fn id(&self) -> ID {
        self.id.into()
    }

    /// The company.
    async fn company(&self, ctx: &Context<'_>) -> Result<Option<Company>> {
        Ok(ctx.loader().load_one(self.company_id).await?)
    }

    /// Display name, e.g. 10 lessons.
    async fn name(&self) -> &str {
        &self.name
    }

    /// What it costs.
    async fn amount(&self) -> Money {
        Money::of(self.amount_minor, &self.currency)
    }

    /// Lessons a subscription at this price includes; null for unlimited.
    async fn lessons_included(&self) -> Option<i32> {
        self.lessons_included
    }

    /// How many days such a subscription is valid.
    async fn validity_days(&self) -> i32 {
        self.validity_days
    }

    /// False once no longer sold.
    async fn active(&self) -> bool {
        self.active
    }
}

/// An account's favourite groups and lessons, in its order.
#[derive(SimpleObject)]
pub struct Favorites {
    /// The favourite groups.
    pub groups: Vec<Group>,
    /// The favourite lessons.
    pub lessons: Vec<Lesson>,
}

/// A company's customer, who buys subscriptions and attends lessons. A coach sees the names of
/// the clients in its groups; the other fields are for the client's own account and its
/// company's managers (FORBIDDEN for others).
#[Object]
impl Client {
    /// The client id.
    async fn id(&self) -> ID {
        self.id.into()
    }

    /// Full name; null once anonymized.
    async fn name(&self) -> Option<&str> {
        Some(self.name.as_str()).filter(|_| self.anonymized_at.is_none())
    }

    /// The company.
    #[graphql(guard = "LinkedOr { user: self.user_id, level: Level::Manager }")]
    async fn company(&self, ctx: &Context<'_>) -> Result<Option<Company>> {
        Ok(ctx.loader().load_one(self.company_id).await?)
    }

    /// The account the client signs in with, if any.
    #[graphql(guard = "LinkedOr { user: self.user_id, level: Level::Manager }")]
    async fn account(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        match self.user_id {
            Some(user) => Ok(ctx.loader().load_one(user).await?),
            None => Ok(None),
        }
    }

    /// Email address.
    #[graphql(guard = "LinkedOr { user: self.user_id, level: Level::Manager }")]
    async fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// Phone number.
    #[graphql(guard = "LinkedOr { user: self.user_id, level: Level::Manager }")]
    async fn phone(&self) -> Option<&str> {
        self.phone.as_deref()
    }

    /// Date of birth.
    #[graphql(guard = "LinkedOr { user: self.user_id, level: Level::Manager }")]
    async fn birth_date(&self) -> Option<Date> {
        self.birth_date.map(Date)
    }

    /// The studio's notes.
    #[graphql(guard = "LinkedOr { user: self.user_id, level: Level::Manager }")]
    async fn notes(&self) -> Option<&str> {
        self.notes.as_deref()
    }

    /// False once the client left.
    #[graphql(guard = "LinkedOr { user: self.user_id, level: Level::Manager }")]
    async fn active(&self) -> bool {
        self.active
    }

    /// Whether name, contacts, birth date and notes were erased (for good).
    #[graphql(guard = "LinkedOr { user: self.user_id, level: Level::Manager }")]
    async fn anonymized(&self) -> bool {
        self.anonymized_at.is_some()
    }

    /// When the client was created.
    #[graphql(guard = "LinkedOr { user: self.user_id, level: Level::Manager }")]
    async fn created_at(&self) -> DateTime {
        DateTime(self.created_at)
    }

    /// The client's contracts, newest first.
    #[graphql(guard = "LinkedOr { user: self.user_id, level: Level::Manager }")]
    async fn contracts(&self, ctx: &Context<'_>) -> Result<Vec<Contract>> {
        Ok(ctx
            .loader()
            .load_one(ContractsOf(self.id))
            .await?
            .unwrap_or_default())
    }

    /// The client's subscriptions, ending soonest first.
    #[graphql(guard = "LinkedOr { user: self.user_id, level: Level::Manager }")]
    async fn subscriptions(&self, ctx: &Context<'_>) -> Result<Vec<ClientSubscription>> {
        Ok(ctx
            .loader()
            .load_one(SubscriptionsOf(self.id))
            .await?
            .unwrap_or_default())
    }

    /// The books lent to the client, newest loan first.
    #[graphql(guard = "LinkedOr { user: self.user_id, level: Level::Manager }")]
    async fn loans(&self, ctx: &Context<'_>) -> Result<Vec<Loan>> {
        Ok(ctx
            .loader()
            .load_one(LoansOfClient(self.id))
            .await?
            .unwrap_or_default())
    }

    /// The client's marks, latest lesson first.
    #[graphql(guard = "LinkedOr { user: self.user_id, level: Level::Manager }")]
    async fn attendance(&self, ctx: &Context<'_>) -> Result<Vec<Attendance>> {
        Ok(ctx
            .loader()
            .load_one(MarksOfClient(self.id))
            .await?
            .unwrap_or_default())
    }
}

/// A contract signed with a client.
#[Object]
impl Contract {
    /// The contract id.
    async fn id(&self) -> ID {
        self.id.into()
    }

    /// The client.
    async fn client(&self, ctx: &Context<'_>) -> Result<Option<Client>> {
        Ok(ctx.loader().load_one(self.client_id).await?)
    }

    /// The contract number, unique within the company.
    async fn number(&self) -> &str {
        &self.number
    }

    /// When it was signed, if it was.
    async fn signed_on(&self) -> Option<Date> {
        self.signed_on.map(Date)
    }

    /// First day it applies.
    async fn valid_from(&self) -> Date {
        Date(self.valid_from)
    }

    /// Last day it applies; null while open-ended.
    async fn valid_to(&self) -> Option<Date> {
        self.valid_to.map(Date)
    }

    /// Its terms.
    async fn terms(&self) -> Option<&str> {
        self.terms.as_deref()
    }

    /// Where it stands.
    async fn status(&self) -> ContractStatus {
        self.status
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime {
        DateTime(self.created_at)
    }
}

/// Where a client subscription stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SubscriptionStatus {
    /// Usable between its days.
    Active,
    /// On hold: no lesson consumes it.
    Paused,
    /// Called off, for good.
    Cancelled,
    /// Its last day has passed (in its company's time zone); derived, never set.
    Expired,
}

impl SubscriptionStatus {
    /// The status as stored: EXPIRED is not one.
    pub fn stored(self) -> Option<StoredSubscriptionStatus> {
        match self {
            Self::Active => Some(StoredSubscriptionStatus::Active),
            Self::Paused => Some(StoredSubscriptionStatus::Paused),
            Self::Cancelled => Some(StoredSubscriptionStatus::Cancelled),
            Self::Expired => None,
        }
    }

    /// The status as the lists filter it (SQL text).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Paused => "PAUSED",
            Self::Cancelled => "CANCELLED",
            Self::Expired => "EXPIRED",
        }
    }
}

/// What a client bought: so many lessons (or unlimited) of a group, or of any group of the
/// company, between two days, at what its price sold it for.
#[Object]
impl ClientSubscription {
    /// The subscription id.
    async fn id(&self) -> ID {
        self.id.into()
    }

    /// The client.
    async fn client(&self, ctx: &Context<'_>) -> Result<Option<Client>> {
        Ok(ctx.loader().load_one(self.client_id).await?)
    }

    /// The group it is for; null for any group of the company.
    async fn group(&self, ctx: &Context<'_>) -> Result<Option<Group>> {
        match self.group_id {
            Some(group) => Ok(ctx.loader().load_one(group).await?),
            None => Ok(None),
        }
    }

    /// The price it was sold from (which may have changed since).
    async fn price(&self, ctx: &Context<'_>) -> Result<Option<Price>> {
        Ok(ctx.loader().load_one(self.price_id).await?)
    }

    /// What it was sold for.
    async fn amount(&self) -> Money {
        Money::of(self.amount_minor, &self.currency)
    }

    /// First day it may be used.
    async fn valid_from(&self) -> Date {
        Date(self.valid_from)
    }

    /// Last day it may be used.
    async fn valid_to(&self) -> Date {
        Date(self.valid_to)
    }

    /// Lessons included; null for unlimited.
    async fn lessons_included(&self) -> Option<i32> {
        self.lessons_included
    }

    /// Lessons attended on it so far.
    async fn lessons_used(&self) -> i32 {
        self.lessons_used
    }

    /// Lessons left; null for unlimited.
    async fn lessons_left(&self) -> Option<i32> {
        self.lessons_included
            .map(|included| included - self.lessons_used)
    }

    /// Where it stands: EXPIRED once its last day has passed, unless cancelled.
    async fn status(&self) -> SubscriptionStatus {
        match self.status {
            StoredSubscriptionStatus::Cancelled => SubscriptionStatus::Cancelled,
            _ if self.expired => SubscriptionStatus::Expired,
            StoredSubscriptionStatus::Active => SubscriptionStatus::Active,
            StoredSubscriptionStatus::Paused => SubscriptionStatus::Paused,
        }
    }

    /// When it was sold.
    async fn created_at(&self) -> DateTime {
        DateTime(self.created_at)
    }
}

/// A client's mark at a lesson.
#[Object]
impl Attendance {
    /// The lesson.
    async fn lesson(&self, ctx: &Context<'_>) -> Result<Option<Lesson>> {
        Ok(ctx.loader().load_one(self.lesson_id).await?)
    }

    /// The client.
    async fn client(&self, ctx: &Context<'_>) -> Result<Option<Client>> {
        Ok(ctx.loader().load_one(self.client_id).await?)
    }

    /// PRESENT, ABSENT, EXCUSED or LATE.
    async fn status(&self) -> AttendanceStatus {
        self.status
    }

    /// The subscription a PRESENT or LATE mark consumed a lesson of; null when none was
    /// valid (the mark stands, flagged) or the client was not there.
    async fn subscription(&self, ctx: &Context<'_>) -> Result<Option<ClientSubscription>> {
        match self.subscription_id {
            Some(subscription) => Ok(ctx.loader().load_one(subscription).await?),
            None => Ok(None),
        }
    }

    /// Whether the client was there without a valid subscription (never at a cancelled
    /// lesson, whose marks consume nothing).
    async fn unpaid(&self, ctx: &Context<'_>) -> Result<bool> {
        if !self.status.attended() || self.subscription_id.is_some() {
            return Ok(false);
        }
        let lesson: Option<Lesson> = ctx.loader().load_one(self.lesson_id).await?;
        Ok(lesson.is_some_and(|lesson| lesson.cancelled_at.is_none()))
    }

    /// When it was last marked.
    async fn marked_at(&self) -> DateTime {
        DateTime(self.marked_at)
    }
}
