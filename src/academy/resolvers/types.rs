//! The output types of the academy's timetable: locations, groups, lessons, prices, money and
//! favourites.

use async_graphql::{Context, ID, Object, Result, SimpleObject};

use crate::academy::loaders::{LessonCount, LessonsPage};
use crate::academy::model::{Group, Lesson, LessonId, Location, Price};
use crate::academy::money;
use crate::academy::queries::LessonWindow;
use crate::graphql::ContextExt;
use crate::graphql::pagination::{ListConnection, PageArgs, SortKey, SortValue, TotalCount};
use crate::graphql::scalars::DateTime;
use crate::workforce::model::{Company, Employee, EmployeeId};

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
