//! `locations`, `groups`, `lessons`, `location`, `group`, `lesson`, `prices`, and their
//! mutations: `createLocation`, `updateLocation`, `createGroup`, `updateGroup`,
//! `createLesson`, `createLessons`, `updateLesson`, `cancelLesson`, `createPrice`,
//! `updatePrice`.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result};

use crate::academy::model::{
    Group, GroupId, GroupOrder, Lesson, LessonId, LessonOrder, Location, LocationId, LocationOrder,
    Price, PriceId, PriceOrder, TimetableFilter,
};
use crate::academy::queries::{self, LocalLesson, Reach};
use crate::academy::service::prices::{self, PriceInput};
use crate::academy::service::timetable::{
    self, GroupInput, LessonChanges, LocationInput, WeeklySlot,
};
use crate::auth::guards::{Level, MinLevel};
use crate::auth::scope::Scope;
use crate::error::{AppError, AppResult};
use crate::graphql::ContextExt;
use crate::graphql::pagination::{
    ListConnection, PageArgs, SortKey, TotalCount, connection_complexity,
};
use crate::graphql::scalars::{Date, DateTime, LocalTime, Weekday};
use crate::workforce::model::{CompanyId, EmployeeId};

/// How the timetable's lists filter.
#[derive(InputObject, Default)]
pub struct TimetableFilterInput {
    /// Only those of this company.
    pub company_id: Option<ID>,
    /// Only those of this location (groups and lessons).
    pub location_id: Option<ID>,
    /// Only lessons of this group.
    pub group_id: Option<ID>,
    /// Only those this employee coaches (groups and lessons).
    pub coach_id: Option<ID>,
    /// Only lessons ending after this time.
    pub from: Option<DateTime>,
    /// Only lessons starting before this time.
    pub to: Option<DateTime>,
    /// Only active (true) or closed (false) locations, groups and prices.
    pub active: Option<bool>,
}

fn filter_of(filter: Option<TimetableFilterInput>) -> AppResult<TimetableFilter> {
    let filter = filter.unwrap_or_default();
    Ok(TimetableFilter {
        company: CompanyId::parse_optional("filter.companyId", filter.company_id.as_ref())?,
        location: LocationId::parse_optional("filter.locationId", filter.location_id.as_ref())?,
        group: GroupId::parse_optional("filter.groupId", filter.group_id.as_ref())?,
        coach: EmployeeId::parse_optional("filter.coachId", filter.coach_id.as_ref())?,
        from: filter.from.map(|at| at.0),
        to: filter.to.map(|at| at.0),
        active: filter.active,
    })
}

/// The order of `locations`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
#[graphql(remote = "LocationOrder")]
pub enum LocationsOrder {
    /// By name, a to z.
    #[default]
    Name,
}

/// The order of `groups`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
#[graphql(remote = "GroupOrder")]
pub enum GroupsOrder {
    /// By name, a to z (the default).
    #[default]
    Name,
    /// By name, z to a.
    NameDesc,
}

/// The order of `lessons`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
#[graphql(remote = "LessonOrder")]
pub enum LessonsOrder {
    /// Earliest start first (the default).
    #[default]
    Earliest,
    /// Latest start first.
    Latest,
}

/// The order of `prices`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
#[graphql(remote = "PriceOrder")]
pub enum PricesOrder {
    /// By name, a to z (the default).
    #[default]
    Name,
    /// Cheapest first (in minor units, whatever the currency).
    Amount,
}

pub(super) fn page_args(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> PageArgs {
    PageArgs {
        first,
        after,
        last,
        before,
    }
}

/// Timetable queries.
#[derive(Default)]
pub struct TimetableQuery;

#[Object]
impl TimetableQuery {
    /// Locations: every company's active ones for signed-in accounts; managers and head
    /// managers also see their companies' closed ones, owners and admins all. 20 a page by
    /// default, at most 100.
    #[graphql(
        guard = "MinLevel(Level::User)",
        complexity = "connection_complexity(first, last, child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn locations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page forward: at most this many after `after`.")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page backward: at most this many before `before`.")] last: Option<i32>,
        #[graphql(desc = "The `startCursor` of the next page.")] before: Option<String>,
        #[graphql(desc = "Which locations; all you may see when left out.")] filter: Option<
            TimetableFilterInput,
        >,
        #[graphql(desc = "The order; NAME when left out.")] order_by: Option<LocationsOrder>,
    ) -> Result<ListConnection<SortKey, Location>> {
        let keyset = LocationOrder::from(order_by.unwrap_or_default()).keyset();
        let page = page_args(first, after, last, before).page_in(&keyset)?;
        let (reach, filter) = (Reach::signed_in(ctx.viewer())?, filter_of(filter)?);
        let mut conn = ctx.conn().await?;
        let rows = queries::list_locations(&mut conn, reach, &filter, &keyset, &page)
            .await
            .map_err(AppError::from)?;
        let total = TotalCount::query(ctx.app().pool.clone(), move |mut conn| {
            let filter = filter.clone();
            async move { queries::count_locations(&mut conn, reach, &filter).await }
        });
        Ok(page.connection(rows, |row| LocationOrder::key(&keyset, row), total))
    }

    /// The location with this id, if you may see it.
    #[graphql(guard = "MinLevel(Level::User)")]
    async fn location(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The location.")] id: ID,
    ) -> Result<Option<Location>> {
        let id = LocationId::parse("id", &id)?;
        let reach = Reach::signed_in(ctx.viewer())?;
        let mut conn = ctx.conn().await?;
        Ok(queries::locations_by_ids(&mut conn, reach, &[id])
            .await
            .map_err(AppError::from)?
            .pop())
    }

    /// Groups (as `locations`: active ones of active locations, and your companies' closed
    /// ones for managers). 20 a page by default, at most 100.
    #[graphql(
        guard = "MinLevel(Level::User)",
        complexity = "connection_complexity(first, last, child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn groups(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page forward: at most this many after `after`.")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page backward: at most this many before `before`.")] last: Option<i32>,
        #[graphql(desc = "The `startCursor` of the next page.")] before: Option<String>,
        #[graphql(desc = "Which groups; all you may see when left out.")] filter: Option<
            TimetableFilterInput,
        >,
        #[graphql(desc = "The order; NAME when left out.")] order_by: Option<GroupsOrder>,
    ) -> Result<ListConnection<SortKey, Group>> {
        let keyset = GroupOrder::from(order_by.unwrap_or_default()).keyset();
        let page = page_args(first, after, last, before).page_in(&keyset)?;
        let (reach, filter) = (Reach::signed_in(ctx.viewer())?, filter_of(filter)?);
        let mut conn = ctx.conn().await?;
        let rows = queries::list_groups(&mut conn, reach, &filter, &keyset, &page)
            .await
            .map_err(AppError::from)?;
        let total = TotalCount::query(ctx.app().pool.clone(), move |mut conn| {
            let filter = filter.clone();
            async move { queries::count_groups(&mut conn, reach, &filter).await }
        });
        Ok(page.connection(rows, |row| GroupOrder::key(&keyset, row), total))
    }

    /// The group with this id, if you may see it.
    #[graphql(guard = "MinLevel(Level::User)")]
    async fn group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group.")] id: ID,
    ) -> Result<Option<Group>> {
        let id = GroupId::parse("id", &id)?;
        let reach = Reach::signed_in(ctx.viewer())?;
        let mut conn = ctx.conn().await?;
        Ok(queries::groups_by_ids(&mut conn, reach, &[id])
            .await
            .map_err(AppError::from)?
            .pop())
    }

    /// Lessons of the groups you may see. 20 a page by default, at most 100.
    #[graphql(
        guard = "MinLevel(Level::User)",
        complexity = "connection_complexity(first, last, child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn lessons(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page forward: at most this many after `after`.")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page backward: at most this many before `before`.")] last: Option<i32>,
        #[graphql(desc = "The `startCursor` of the next page.")] before: Option<String>,
        #[graphql(desc = "Which lessons; all you may see when left out.")] filter: Option<
            TimetableFilterInput,
        >,
        #[graphql(desc = "The order; EARLIEST when left out.")] order_by: Option<LessonsOrder>,
    ) -> Result<ListConnection<SortKey, Lesson>> {
        let keyset = LessonOrder::from(order_by.unwrap_or_default()).keyset();
        let page = page_args(first, after, last, before).page_in(&keyset)?;
        let (reach, filter) = (Reach::signed_in(ctx.viewer())?, filter_of(filter)?);
        let mut conn = ctx.conn().await?;
        let rows = queries::list_lessons(&mut conn, reach, &filter, &keyset, &page)
            .await
            .map_err(AppError::from)?;
        let total = TotalCount::query(ctx.app().pool.clone(), move |mut conn| {
            let filter = filter.clone();
            async move { queries::count_lessons(&mut conn, reach, &filter).await }
        });
        Ok(page.connection(rows, |row| LessonOrder::key(&keyset, row), total))
    }

    /// The lesson with this id, if you may see it.
    #[graphql(guard = "MinLevel(Level::User)")]
    async fn lesson(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lesson.")] id: ID,
    ) -> Result<Option<Lesson>> {
        let id = LessonId::parse("id", &id)?;
        let reach = Reach::signed_in(ctx.viewer())?;
        let mut conn = ctx.conn().await?;
        Ok(queries::lessons_by_ids(&mut conn, reach, &[id])
            .await
            .map_err(AppError::from)?
            .pop())
    }

    /// Prices: anyone sees the active ones, without signing in; head managers also their
    /// companies' others, owners and admins all. 20 a page by default, at most 100.
    #[graphql(complexity = "connection_complexity(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn prices(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page forward: at most this many after `after`.")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page backward: at most this many before `before`.")] last: Option<i32>,
        #[graphql(desc = "The `startCursor` of the next page.")] before: Option<String>,
        #[graphql(desc = "Which prices (`companyId`, `active`); all you may see when left out.")]
        filter: Option<TimetableFilterInput>,
        #[graphql(desc = "The order; NAME when left out.")] order_by: Option<PricesOrder>,
    ) -> Result<ListConnection<SortKey, Price>> {
        let order = PriceOrder::from(order_by.unwrap_or_default());
        let keyset = order.keyset();
        let page = page_args(first, after, last, before).page_in(&keyset)?;
        // Inactive prices are for head managers and up (of their companies).
        let viewer = ctx.viewer();
        let scope = (viewer.level() >= Level::HeadManager)
            .then(|| Scope::of_staff(viewer))
            .transpose()?;
        let (reach, filter) = (Reach::of(scope), filter_of(filter)?);
        let mut conn = ctx.conn().await?;
        let rows = queries::list_prices(&mut conn, reach, &filter, &keyset, &page)
            .await
            .map_err(AppError::from)?;
        let total = TotalCount::query(ctx.app().pool.clone(), move |mut conn| {
            let filter = filter.clone();
            async move { queries::count_prices(&mut conn, reach, &filter).await }
        });
        Ok(page.connection(rows, |row| order.key(&keyset, row), total))
    }
}

/// A location to create.
#[derive(InputObject)]
pub struct CreateLocationInput {
    /// The company.
    pub company_id: ID,
    /// Display name, 1 to 200 characters.
    pub name: String,
    /// Postal address.
    pub address: Option<String>,
    /// IANA time zone of its lessons, e.g. Europe/Berlin.
    pub time_zone: String,
}

/// Changes to a location: a field left out keeps its value, `null` clears it.
#[derive(InputObject, Default)]
pub struct UpdateLocationInput {
    /// Display name.
    pub name: Option<String>,
    /// Postal address.
    pub address: MaybeUndefined<String>,
    /// IANA time zone (planned lessons keep their instants).
    pub time_zone: Option<String>,
    /// False closes it.
    pub active: Option<bool>,
}

/// A group to create.
#[derive(InputObject)]
pub struct CreateGroupInput {
    /// Where it meets.
    pub location_id: ID,
    /// Its coach: an active employee of the location's company.
    pub coach_id: Option<ID>,
    /// Display name.
    pub name: String,
    /// How many clients a lesson takes (1 to 1000).
    pub capacity: i32,
    /// Its level.
    pub level: Option<String>,
    /// When it meets, as text.
    pub schedule: Option<String>,
}

/// Changes to a group: a field left out keeps its value, `null` clears it.
#[derive(InputObject, Default)]
pub struct UpdateGroupInput {
    /// Its coach.
    pub coach_id: MaybeUndefined<ID>,
    /// Display name.
    pub name: Option<String>,
    /// How many clients a lesson takes.
    pub capacity: Option<i32>,
    /// Its level.
    pub level: MaybeUndefined<String>,
    /// When it meets, as text.
    pub schedule: MaybeUndefined<String>,
    /// False closes it.
    pub active: Option<bool>,
}

/// A lesson to plan, at local times of the group's location.
#[derive(InputObject)]
pub struct CreateLessonInput {
    /// The group.
    pub group_id: ID,
    /// The local day.
    pub date: Date,
    /// Local start time.
    pub start: LocalTime,
    /// Local end time; at or before the start means the next day.
    pub end: LocalTime,
    /// What it is about.
    pub topic: Option<String>,
}

/// A weekly slot of `createLessons`.
#[derive(InputObject)]
pub struct WeeklyLessonInput {
    /// The day of the week.
    pub weekday: Weekday,
    /// Local start time.
    pub start: LocalTime,
    /// Local end time.
    pub end: LocalTime,
}

/// Changes to a lesson: a field left out keeps its value, `null` clears it.
#[derive(InputObject, Default)]
pub struct UpdateLessonInput {
    /// The local day (with `start` and `end`: all three move it).
    pub date: Option<Date>,
    /// Local start time.
    pub start: Option<LocalTime>,
    /// Local end time.
    pub end: Option<LocalTime>,
    /// What it is about.
    pub topic: MaybeUndefined<String>,
    /// Who teaches it.
    pub coach_id: MaybeUndefined<ID>,
}

/// An amount of money as input.
#[derive(InputObject)]
pub struct MoneyInput {
    /// The amount as a decimal string with at most the currency's decimals, e.g. `12.50`.
    pub amount: String,
    /// The ISO 4217 currency code.
    pub currency: String,
}

/// A price to create.
#[derive(InputObject)]
pub struct CreatePriceInput {
    /// The company.
    pub company_id: ID,
    /// Display name.
    pub name: String,
    /// What it costs.
    pub amount: MoneyInput,
    /// Lessons included; unlimited when left out.
    pub lessons_included: Option<i32>,
    /// How many days a subscription at this price is valid.
    pub validity_days: i32,
}

/// Changes to a price: a field left out keeps its value; `lessonsIncluded: null` makes it
/// unlimited.
#[derive(InputObject, Default)]
pub struct UpdatePriceInput {
    /// Display name.
    pub name: Option<String>,
    /// What it costs.
    pub amount: Option<MoneyInput>,
    /// Lessons included.
    pub lessons_included: MaybeUndefined<i32>,
    /// Validity in days.
    pub validity_days: Option<i32>,
    /// False stops selling it.
    pub active: Option<bool>,
}

/// Timetable mutations.
#[derive(Default)]
pub struct TimetableMutation;

#[Object]
impl TimetableMutation {
    /// Creates a location (head managers and up, of their companies).
    #[graphql(guard = "MinLevel(Level::HeadManager)")]
    async fn create_location(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The location.")] input: CreateLocationInput,
    ) -> Result<Location> {
        let company = CompanyId::parse("companyId", &input.company_id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let location = LocationInput {
            name: Some(input.name),
            address: Some(input.address),
            time_zone: Some(input.time_zone),
            active: None,
        };
        Ok(timetable::create_location(ctx.app(), scope, company, location).await?)
    }

    /// Changes a location (head managers and up, of their companies).
    #[graphql(guard = "MinLevel(Level::HeadManager)")]
    async fn update_location(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The location.")] id: ID,
        #[graphql(desc = "The changes.")] input: UpdateLocationInput,
    ) -> Result<Location> {
        let id = LocationId::parse("id", &id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let changes = LocationInput {
            name: input.name,
            address: input.address.into(),
            time_zone: input.time_zone,
            active: input.active,
        };
        Ok(timetable::update_location(ctx.app(), scope, id, changes).await?)
    }

    /// Creates a group (managers and up, of their companies).
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn create_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group.")] input: CreateGroupInput,
    ) -> Result<Group> {
        let location = LocationId::parse("locationId", &input.location_id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let group = GroupInput {
            coach: Some(EmployeeId::parse_optional(
                "coachId",
                input.coach_id.as_ref(),
            )?),
            name: Some(input.name),
            capacity: Some(input.capacity),
            level: Some(input.level),
            schedule: Some(input.schedule),
            active: None,
        };
        Ok(timetable::create_group(ctx.app(), scope, location, group).await?)
    }

    /// Changes a group (managers and up, of their companies).
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn update_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group.")] id: ID,
        #[graphql(desc = "The changes.")] input: UpdateGroupInput,
    ) -> Result<Group> {
        let id = GroupId::parse("id", &id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let changes = GroupInput {
            coach: EmployeeId::parse_update("coachId", input.coach_id)?,
            name: input.name,
            capacity: input.capacity,
            level: input.level.into(),
            schedule: input.schedule.into(),
            active: input.active,
        };
        Ok(timetable::update_group(ctx.app(), scope, id, changes).await?)
    }

    /// Plans a lesson of a group at local times of its location (managers and up, of their
    /// companies). CONFLICT LESSON_EXISTS, COACH_BUSY.
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn create_lesson(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lesson.")] input: CreateLessonInput,
    ) -> Result<Lesson> {
        let group = GroupId::parse("groupId", &input.group_id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let planned = LocalLesson {
            date: input.date.0,
            start: input.start.0,
            end: input.end.0,
        };
        Ok(timetable::create_lesson(ctx.app(), scope, group, planned, input.topic).await?)
    }

    /// Plans a group's weekly lessons on every matching day from `from` to `to`, at local
    /// times of its location (so they keep their local time across a clock change); at most
    /// 366, starts the group has are skipped. CONFLICT COACH_BUSY.
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn create_lessons(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group.")] group_id: ID,
        #[graphql(desc = "The weekly slots.")] weekly: Vec<WeeklyLessonInput>,
        #[graphql(desc = "The first day.")] from: Date,
        #[graphql(desc = "The last day.")] to: Date,
    ) -> Result<Vec<Lesson>> {
        let group = GroupId::parse("groupId", &group_id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let slots: Vec<WeeklySlot> = weekly
            .into_iter()
            .map(|slot| WeeklySlot {
                weekday: slot.weekday,
                start: slot.start.0,
                end: slot.end.0,
            })
            .collect();
        let planned = timetable::weekly_lessons(&slots, from.0, to.0)?;
        Ok(timetable::create_lessons(ctx.app(), scope, group, planned, None).await?)
    }

    /// Changes a lesson (managers and up, of their companies). CONFLICT LESSON_CANCELLED,
    /// COACH_BUSY, LESSON_EXISTS.
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn update_lesson(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lesson.")] id: ID,
        #[graphql(desc = "The changes.")] input: UpdateLessonInput,
    ) -> Result<Lesson> {
        let id = LessonId::parse("id", &id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let times = match (input.date, input.start, input.end) {
            (None, None, None) => None,
            (Some(date), Some(start), Some(end)) => Some(LocalLesson {
                date: date.0,
                start: start.0,
                end: end.0,
            }),
            _ => {
                return Err(AppError::bad_input(
                    "date",
                    "a lesson moves with its date, start and end together",
                )
                .into());
            }
        };
        let changes = LessonChanges {
            times,
            topic: input.topic.into(),
            coach: EmployeeId::parse_update("coachId", input.coach_id)?,
        };
        Ok(timetable::update_lesson(ctx.app(), scope, id, changes).await?)
    }

    /// Cancels a lesson for good (managers and up, of their companies). CONFLICT
    /// LESSON_CANCELLED when it is already.
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn cancel_lesson(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lesson.")] id: ID,
        #[graphql(desc = "Why, at most 500 characters.")] reason: Option<String>,
    ) -> Result<Lesson> {
        let id = LessonId::parse("id", &id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        Ok(timetable::cancel_lesson(ctx.app(), scope, id, reason).await?)
    }

    /// Creates a price (head managers and up, of their companies).
    #[graphql(guard = "MinLevel(Level::HeadManager)")]
    async fn create_price(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The price.")] input: CreatePriceInput,
    ) -> Result<Price> {
        let company = CompanyId::parse("companyId", &input.company_id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let price = PriceInput {
            name: Some(input.name),
            amount: Some((input.amount.amount, input.amount.currency)),
            lessons_included: Some(input.lessons_included),
            validity_days: Some(input.validity_days),
            active: None,
        };
        Ok(prices::create(ctx.app(), scope, company, price).await?)
    }

    /// Changes a price (head managers and up, of their companies); subscriptions sold from
    /// it keep what they were sold at.
    #[graphql(guard = "MinLevel(Level::HeadManager)")]
    async fn update_price(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The price.")] id: ID,
        #[graphql(desc = "The changes.")] input: UpdatePriceInput,
    ) -> Result<Price> {
        let id = PriceId::parse("id", &id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let changes = PriceInput {
            name: input.name,
            amount: input.amount.map(|money| (money.amount, money.currency)),
            lessons_included: input.lessons_included.into(),
            validity_days: input.validity_days,
            active: input.active,
        };
        Ok(prices::update(ctx.app(), scope, id, changes).await?)
    }
}
