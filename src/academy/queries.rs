//! SQL of the academy's timetable. The timetable is public to signed-in accounts: every
//! company's active locations, groups (of active locations) and their lessons; a member
//! manager also reaches the inactive ones of its companies, owners everything. Prices are open
//! to anyone while active. Each function takes the viewer's [`Reach`]. The clients' side is in
//! [`clients`], the library in [`library`], the numbers in [`statistics`].

pub mod clients;
pub mod library;
pub mod statistics;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Date, Nullable, Text, Time, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::academy::model::{
    Group, GroupChanges, GroupId, GroupOrder, Lesson, LessonId, LessonOrder, Location,
    LocationChanges, LocationId, LocationOrder, NewGroup, NewLocation, NewPrice, Price,
    PriceChanges, PriceId, PriceOrder, TimetableFilter,
};
use crate::auth::identity::UserId;
use crate::auth::scope::Scope;
use crate::auth::viewer::Viewer;
use crate::db::cached::TRUE;
use crate::db::schema::{favorite_groups, favorite_lessons, groups, lessons, locations, prices};
use crate::error::AppResult;
use crate::graphql::pagination::{Keyset, Page, SortKey};
use crate::workforce::model::CompanyId;
use crate::workforce::queries::companies_of;

/// What of the timetable a viewer reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reach {
    /// Active records of every company (anonymous for prices, signed in below managers).
    Active,
    /// Active records, and the inactive ones of the companies this account is a member of.
    ActiveAndCompanies(UserId),
    /// Everything (owners and admins).
    All,
}

impl Reach {
    /// The reach of a viewer's scope (`None` for an anonymous viewer).
    pub fn of(scope: Option<Scope>) -> Self {
        match scope {
            None | Some(Scope::Own(_)) => Self::Active,
            Some(Scope::Companies(user)) => Self::ActiveAndCompanies(user),
            Some(Scope::All) => Self::All,
        }
    }

    /// The reach of a signed-in viewer (UNAUTHENTICATED for an anonymous one).
    pub fn signed_in(viewer: &Viewer) -> AppResult<Self> {
        Ok(Self::of(Some(Scope::of_staff(viewer)?)))
    }
}

type Condition<T> = Box<dyn BoxableExpression<T, Pg, SqlType = Bool>>;

/// A scope as the parameters of hand-written SQL: its kind (`own`, `companies` or `all`) and
/// its account (none for `all`).
fn scope_params(scope: Scope) -> (&'static str, Option<i64>) {
    match scope {
        Scope::Own(user) => ("own", Some(user.0)),
        Scope::Companies(user) => ("companies", Some(user.0)),
        Scope::All => ("all", None),
    }
}

fn location_visible(reach: Reach) -> Condition<locations::table> {
    match reach {
        Reach::All => Box::new(TRUE),
        Reach::Active => Box::new(locations::active.eq(true)),
        Reach::ActiveAndCompanies(user) => Box::new(
            locations::active
                .eq(true)
                .or(locations::company_id.eq_any(companies_of(user))),
        ),
    }
}

fn group_visible(reach: Reach) -> Condition<groups::table> {
    let active = groups::active.eq(true).and(
        groups::location_id.eq_any(
            locations::table
                .filter(locations::active.eq(true))
                .select(locations::id),
        ),
    );
    match reach {
        Reach::All => Box::new(TRUE),
        Reach::Active => Box::new(active),
        Reach::ActiveAndCompanies(user) => Box::new(
            active.or(groups::location_id.eq_any(
                locations::table
                    .filter(locations::company_id.eq_any(companies_of(user)))
                    .select(locations::id),
            )),
        ),
    }
}

/// The groups `reach` sees, as ids.
fn visible_group_ids(reach: Reach) -> groups::BoxedQuery<'static, Pg, BigInt> {
    groups::table
        .filter(group_visible(reach))
        .select(groups::id)
        .into_boxed()
}

/// The location ids of a company.
fn company_locations(company: CompanyId) -> locations::BoxedQuery<'static, Pg, BigInt> {
    locations::table
        .filter(locations::company_id.eq(company))
        .select(locations::id)
        .into_boxed()
}

// Orders ------------------------------------------------------------------------------------

impl LocationOrder {
    pub fn keyset(self) -> Keyset {
        Keyset::ascending("locations", "NAME")
            .by(locations::name)
            .by(locations::id)
    }

    pub fn key(keyset: &Keyset, location: &Location) -> SortKey {
        keyset.key([location.name.clone().into(), location.id.0.into()])
    }
}

impl GroupOrder {
    pub fn keyset(self) -> Keyset {
        match self {
            Self::Name => Keyset::ascending("groups", "NAME"),
            Self::NameDesc => Keyset::descending("groups", "NAME_DESC"),
        }
        .by(groups::name)
        .by(groups::id)
    }

    pub fn key(keyset: &Keyset, group: &Group) -> SortKey {
        keyset.key([group.name.clone().into(), group.id.0.into()])
    }
}

impl LessonOrder {
    pub fn keyset(self) -> Keyset {
        match self {
            Self::Earliest => Keyset::ascending("lessons", "EARLIEST"),
            Self::Latest => Keyset::descending("lessons", "LATEST"),
        }
        .by(lessons::starts_at)
        .by(lessons::id)
    }

    pub fn key(keyset: &Keyset, lesson: &Lesson) -> SortKey {
        keyset.key([lesson.starts_at.into(), lesson.id.0.into()])
    }
}

impl PriceOrder {
    pub fn keyset(self) -> Keyset {
        match self {
            Self::Name => Keyset::ascending("prices", "NAME").by(prices::name),
            Self::Amount => Keyset::ascending("prices", "AMOUNT").by(prices::amount_minor),
        }
        .by(prices::id)
    }

    pub fn key(self, keyset: &Keyset, price: &Price) -> SortKey {
        let first = match self {
            Self::Name => price.name.clone().into(),
            Self::Amount => price.amount_minor.into(),
        };
        keyset.key([first, price.id.0.into()])
    }
}

// Locations ---------------------------------------------------------------------------------

fn filtered_locations(
    reach: Reach,
    filter: &TimetableFilter,
) -> locations::BoxedQuery<'static, Pg> {
    let mut query = locations::table
        .filter(location_visible(reach))
        .into_boxed();
    if let Some(company) = filter.company {
        query = query.filter(locations::company_id.eq(company));
    }
    if let Some(active) = filter.active {
        query = query.filter(locations::active.eq(active));
    }
    query
}

pub async fn list_locations(
    conn: &mut AsyncPgConnection,
    reach: Reach,
    filter: &TimetableFilter,
    keyset: &Keyset,
    page: &Page<SortKey>,
) -> QueryResult<Vec<Location>> {
    keyset
        .page_of(filtered_locations(reach, filter), page)
        .select(Location::as_select())
        .load(conn)
        .await
}

pub async fn count_locations(
    conn: &mut AsyncPgConnection,
    reach: Reach,
    filter: &TimetableFilter,
) -> QueryResult<i64> {
    filtered_locations(reach, filter)
        .count()
        .get_result(conn)
        .await
}

pub async fn locations_by_ids(
    conn: &mut AsyncPgConnection,
    reach: Reach,
    ids: &[LocationId],
) -> QueryResult<Vec<Location>> {
    locations::table
        .filter(locations::id.eq_any(ids))
        .filter(location_visible(reach))
        .select(Location::as_select())
        .load(conn)
        .await
}

pub async fn insert_location(
    conn: &mut AsyncPgConnection,
    location: &NewLocation,
) -> QueryResult<Location> {
    diesel::insert_into(locations::table)
        .values(location)
        .returning(Location::as_returning())
        .get_result(conn)
        .await
}

pub async fn update_location(
    conn: &mut AsyncPgConnection,
    id: LocationId,
    changes: &LocationChanges,
) -> QueryResult<Location> {
    diesel::update(locations::table.find(id))
        .set((changes, locations::updated_at.eq(diesel::dsl::now)))
        .returning(Location::as_returning())
        .get_result(conn)
        .await
}

/// Locations of the companies `scope` reaches.
fn location_of_scope(scope: Scope) -> Condition<locations::table> {
    match scope {
        Scope::All => Box::new(TRUE),
        Scope::Own(user) | Scope::Companies(user) => Box::new(
            locations::company_id
                .eq_any(companies_of(user))
                .assume_not_null(),
        ),
    }
}

/// The ids of the locations of the companies `scope` reaches.
fn scope_location_ids(scope: Scope) -> locations::BoxedQuery<'static, Pg, BigInt> {
    locations::table
        .filter(location_of_scope(scope))
        .select(locations::id)
        .into_boxed()
}

/// The location `id` if it is of one of the companies `scope` reaches, locked (for a change).
pub async fn location_in(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    id: LocationId,
) -> QueryResult<Option<Location>> {
    locations::table
        .find(id)
        .filter(location_of_scope(scope))
        .select(Location::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

// Groups ------------------------------------------------------------------------------------

fn filtered_groups(reach: Reach, filter: &TimetableFilter) -> groups::BoxedQuery<'static, Pg> {
    let mut query = groups::table.filter(group_visible(reach)).into_boxed();
    if let Some(company) = filter.company {
        query = query.filter(groups::location_id.eq_any(company_locations(company)));
    }
    if let Some(location) = filter.location {
        query = query.filter(groups::location_id.eq(location));
    }
    if let Some(coach) = filter.coach {
        query = query.filter(groups::coach_id.eq(coach));
    }
    if let Some(active) = filter.active {
        query = query.filter(groups::active.eq(active));
    }
    query
}

pub async fn list_groups(
    conn: &mut AsyncPgConnection,
    reach: Reach,
    filter: &TimetableFilter,
    keyset: &Keyset,
    page: &Page<SortKey>,
) -> QueryResult<Vec<Group>> {
    keyset
        .page_of(filtered_groups(reach, filter), page)
        .select(Group::as_select())
        .load(conn)
        .await
}

pub async fn count_groups(
    conn: &mut AsyncPgConnection,
    reach: Reach,
    filter: &TimetableFilter,
) -> QueryResult<i64> {
    filtered_groups(reach, filter)
        .count()
        .get_result(conn)
        .await
}

pub async fn groups_by_ids(
    conn: &mut AsyncPgConnection,
    reach: Reach,
    ids: &[GroupId],
) -> QueryResult<Vec<Group>> {
    groups::table
        .filter(groups::id.eq_any(ids))
        .filter(group_visible(reach))
        .select(Group::as_select())
        .load(conn)
        .await
}

/// The group `id`, locked, with its location, if `scope` reaches the location's company.
pub async fn group_in(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    id: GroupId,
) -> QueryResult<Option<(Group, Location)>> {
    let Some(group) = groups::table
        .find(id)
        .filter(groups::location_id.eq_any(scope_location_ids(scope)))
        .select(Group::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?
    else {
        return Ok(None);
    };
    let location = locations::table
        .find(group.location_id)
        .select(Location::as_select())
        .first(conn)
        .await?;
    Ok(Some((group, location)))
}

pub async fn insert_group(conn: &mut AsyncPgConnection, group: &NewGroup) -> QueryResult<Group> {
    diesel::insert_into(groups::table)
        .values(group)
        .returning(Group::as_returning())
        .get_result(conn)
        .await
}

pub async fn update_group(
    conn: &mut AsyncPgConnection,
    id: GroupId,
    changes: &GroupChanges,
) -> QueryResult<Group> {
    diesel::update(groups::table.find(id))
        .set((changes, groups::updated_at.eq(diesel::dsl::now)))
        .returning(Group::as_returning())
        .get_result(conn)
        .await
}

// Lessons -----------------------------------------------------------------------------------

fn filtered_lessons(reach: Reach, filter: &TimetableFilter) -> lessons::BoxedQuery<'static, Pg> {
    let mut query = lessons::table
        .filter(lessons::group_id.eq_any(visible_group_ids(reach)))
        .into_boxed();
    if let Some(company) = filter.company {
        query = query.filter(
            lessons::group_id.eq_any(
                groups::table
                    .filter(groups::location_id.eq_any(company_locations(company)))
                    .select(groups::id),
            ),
        );
    }
    if let Some(location) = filter.location {
        query = query.filter(
            lessons::group_id.eq_any(
                groups::table
                    .filter(groups::location_id.eq(location))
                    .select(groups::id),
            ),
        );
    }
    if let Some(group) = filter.group {
        query = query.filter(lessons::group_id.eq(group));
    }
    if let Some(coach) = filter.coach {
        query = query.filter(lessons::coach_id.eq(coach));
    }
    if let Some(from) = filter.from {
        query = query.filter(lessons::ends_at.gt(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(lessons::starts_at.lt(to));
    }
    query
}

pub async fn list_lessons(
    conn: &mut AsyncPgConnection,
    reach: Reach,
    filter: &TimetableFilter,
    keyset: &Keyset,
    page: &Page<SortKey>,
) -> QueryResult<Vec<Lesson>> {
    keyset
        .page_of(filtered_lessons(reach, filter), page)
        .select(Lesson::as_select())
        .load(conn)
        .await
}

pub async fn count_lessons(
    conn: &mut AsyncPgConnection,
    reach: Reach,
    filter: &TimetableFilter,
) -> QueryResult<i64> {
    filtered_lessons(reach, filter)
        .count()
        .get_result(conn)
        .await
}

pub async fn lessons_by_ids(
    conn: &mut AsyncPgConnection,
    reach: Reach,
    ids: &[LessonId],
) -> QueryResult<Vec<Lesson>> {
    lessons::table
        .filter(lessons::id.eq_any(ids))
        .filter(lessons::group_id.eq_any(visible_group_ids(reach)))
        .select(Lesson::as_select())
        .load(conn)
        .await
}

/// The lesson `id`, locked, if `scope` reaches its group's company.
pub async fn lesson_in(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    id: LessonId,
) -> QueryResult<Option<Lesson>> {
    lessons::table
        .find(id)
        .filter(
            lessons::group_id.eq_any(
                groups::table
                    .filter(groups::location_id.eq_any(scope_location_ids(scope)))
                    .select(groups::id),
            ),
        )
        .select(Lesson::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// A lesson to plan: its local date and times in the location's zone.
#[derive(Debug, Clone)]
pub struct LocalLesson {
    pub date: NaiveDate,
    pub start: NaiveTime,
    pub end: NaiveTime,
}

/// Plans lessons of a group at local times of `zone` (an end at or before the start is the next
/// day; PostgreSQL's rule for nonexistent and ambiguous times), skipping starts the group has.
/// The lessons made, earliest first.
pub async fn insert_lessons(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    coach: Option<crate::workforce::model::EmployeeId>,
    zone: &str,
    planned: &[LocalLesson],
    topic: Option<&str>,
) -> QueryResult<Vec<Lesson>> {
    let dates: Vec<NaiveDate> = planned.iter().map(|lesson| lesson.date).collect();
    let starts: Vec<NaiveTime> = planned.iter().map(|lesson| lesson.start).collect();
    let ends: Vec<NaiveTime> = planned.iter().map(|lesson| lesson.end).collect();
    diesel::sql_query(
        "INSERT INTO lessons (group_id, coach_id, starts_at, ends_at, topic) \
         SELECT $1, $2, (p.day + p.start_time) AT TIME ZONE $3, \
           (p.day + CASE WHEN p.end_time <= p.start_time THEN 1 ELSE 0 END + p.end_time) \
             AT TIME ZONE $3, $7 \
         FROM unnest($4::date[], $5::time[], $6::time[]) AS p(day, start_time, end_time) \
         ON CONFLICT (group_id, starts_at) DO NOTHING \
         RETURNING *",
    )
    .bind::<BigInt, _>(group)
    .bind::<Nullable<BigInt>, _>(coach)
    .bind::<Text, _>(zone)
    .bind::<Array<Date>, _>(dates)
    .bind::<Array<Time>, _>(starts)
    .bind::<Array<Time>, _>(ends)
    .bind::<Nullable<Text>, _>(topic)
    .load::<Lesson>(conn)
    .await
    .map(|mut lessons| {
        lessons.sort_by_key(|lesson| lesson.starts_at);
        lessons
    })
}

/// Changes a lesson's times (local, in `zone`), topic or coach.
#[allow(clippy::too_many_arguments)]
pub async fn update_lesson(
    conn: &mut AsyncPgConnection,
    id: LessonId,
    zone: &str,
    times: Option<&LocalLesson>,
    topic: Option<Option<&str>>,
    coach: Option<Option<crate::workforce::model::EmployeeId>>,
) -> QueryResult<Lesson> {
    diesel::sql_query(
        "UPDATE lessons SET \
           starts_at = CASE WHEN $2 THEN ($3::date + $4::time) AT TIME ZONE $6 ELSE starts_at END, \
           ends_at = CASE WHEN $2 THEN ($3::date + CASE WHEN $5::time <= $4::time THEN 1 ELSE 0 END \
             + $5::time) AT TIME ZONE $6 ELSE ends_at END, \
           topic = CASE WHEN $7 THEN $8 ELSE topic END, \
           coach_id = CASE WHEN $9 THEN $10 ELSE coach_id END, \
           updated_at = now() \
         WHERE id = $1 RETURNING *",
    )
    .bind::<BigInt, _>(id)
    .bind::<Bool, _>(times.is_some())
    .bind::<Nullable<Date>, _>(times.map(|lesson| lesson.date))
    .bind::<Nullable<Time>, _>(times.map(|lesson| lesson.start))
    .bind::<Nullable<Time>, _>(times.map(|lesson| lesson.end))
    .bind::<Text, _>(zone)
    .bind::<Bool, _>(topic.is_some())
    .bind::<Nullable<Text>, _>(topic.flatten())
    .bind::<Bool, _>(coach.is_some())
    .bind::<Nullable<BigInt>, _>(coach.flatten())
    .get_result(conn)
    .await
}

pub async fn cancel_lesson(
    conn: &mut AsyncPgConnection,
    id: LessonId,
    reason: Option<&str>,
) -> QueryResult<Lesson> {
    diesel::update(lessons::table.find(id))
        .set((
            lessons::cancelled_at.eq(diesel::dsl::now),
            lessons::cancel_reason.eq(reason),
            lessons::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Lesson::as_returning())
        .get_result(conn)
        .await
}

/// A page of each group's lessons, earliest first, from `from` on: one statement, a LATERAL
/// join over the group ids.
pub async fn lessons_of_groups(
    conn: &mut AsyncPgConnection,
    ids: &[GroupId],
    window: &LessonWindow,
) -> QueryResult<Vec<Lesson>> {
    let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
    diesel::sql_query(
        "SELECT l.* FROM unnest($1::bigint[]) AS g(id) CROSS JOIN LATERAL ( \
           SELECT * FROM lessons WHERE group_id = g.id \
             AND ($2::timestamptz IS NULL OR ends_at > $2) \
             AND ($3::timestamptz IS NULL OR (starts_at, id) > ($3, $4)) \
           ORDER BY starts_at, id LIMIT $5) l",
    )
    .bind::<Array<BigInt>, _>(ids)
    .bind::<Nullable<Timestamptz>, _>(window.from)
    .bind::<Nullable<Timestamptz>, _>(window.after.map(|(at, _)| at))
    .bind::<Nullable<BigInt>, _>(window.after.map(|(_, id)| id.0))
    .bind::<BigInt, _>(window.limit)
    .load(conn)
    .await
}

/// How many lessons of each group end after `from`.
pub async fn count_lessons_of_groups(
    conn: &mut AsyncPgConnection,
    ids: &[GroupId],
    from: Option<DateTime<Utc>>,
) -> QueryResult<Vec<(GroupId, i64)>> {
    let mut query = lessons::table
        .filter(lessons::group_id.eq_any(ids))
        .group_by(lessons::group_id)
        .select((lessons::group_id, diesel::dsl::count_star()))
        .into_boxed();
    if let Some(from) = from {
        query = query.filter(lessons::ends_at.gt(from));
    }
    query.load(conn).await
}

/// A page of a group's lessons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LessonWindow {
    /// Only lessons ending after this.
    pub from: Option<DateTime<Utc>>,
    /// The start and id of the lesson the page starts after.
    pub after: Option<(DateTime<Utc>, LessonId)>,
    /// Rows to fetch: one more than the page.
    pub limit: i64,
}

// Prices ------------------------------------------------------------------------------------

fn filtered_prices(reach: Reach, filter: &TimetableFilter) -> prices::BoxedQuery<'static, Pg> {
    let mut query = prices::table.into_boxed();
    query = match reach {
        Reach::All => query,
        Reach::Active => query.filter(prices::active.eq(true)),
        Reach::ActiveAndCompanies(user) => query.filter(
            prices::active
                .eq(true)
                .or(prices::company_id.eq_any(companies_of(user))),
        ),
    };
    if let Some(company) = filter.company {
        query = query.filter(prices::company_id.eq(company));
    }
    if let Some(active) = filter.active {
        query = query.filter(prices::active.eq(active));
    }
    query
}

pub async fn list_prices(
    conn: &mut AsyncPgConnection,
    reach: Reach,
    filter: &TimetableFilter,
    keyset: &Keyset,
    page: &Page<SortKey>,
) -> QueryResult<Vec<Price>> {
    keyset
        .page_of(filtered_prices(reach, filter), page)
        .select(Price::as_select())
        .load(conn)
        .await
}

pub async fn count_prices(
    conn: &mut AsyncPgConnection,
    reach: Reach,
    filter: &TimetableFilter,
) -> QueryResult<i64> {
    filtered_prices(reach, filter)
        .count()
        .get_result(conn)
        .await
}

/// The prices `ids` (of records the viewer reached: a subscription's).
pub async fn prices_by_ids(
    conn: &mut AsyncPgConnection,
    ids: &[PriceId],
) -> QueryResult<Vec<Price>> {
    prices::table
        .filter(prices::id.eq_any(ids))
        .select(Price::as_select())
        .load(conn)
        .await
}

/// The price `id` if it is of one of the companies `scope` reaches, locked.
pub async fn price_in(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    id: PriceId,
) -> QueryResult<Option<Price>> {
    let of_scope: Condition<prices::table> = match scope {
        Scope::All => Box::new(TRUE),
        Scope::Own(user) | Scope::Companies(user) => Box::new(
            prices::company_id
                .eq_any(companies_of(user))
                .assume_not_null(),
        ),
    };
    prices::table
        .find(id)
        .filter(of_scope)
        .select(Price::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn insert_price(conn: &mut AsyncPgConnection, price: &NewPrice) -> QueryResult<Price> {
    diesel::insert_into(prices::table)
        .values(price)
        .returning(Price::as_returning())
        .get_result(conn)
        .await
}

pub async fn update_price(
    conn: &mut AsyncPgConnection,
    id: PriceId,
    changes: &PriceChanges,
) -> QueryResult<Price> {
    diesel::update(prices::table.find(id))
        .set((changes, prices::updated_at.eq(diesel::dsl::now)))
        .returning(Price::as_returning())
        .get_result(conn)
        .await
}

// Favourites --------------------------------------------------------------------------------

/// Replaces an account's favourites with `groups` and `lessons`, in order; ids the account may
/// not see are refused by the caller first.
pub async fn set_favorites(
    conn: &mut AsyncPgConnection,
    user: UserId,
    groups: &[GroupId],
    lessons: &[LessonId],
) -> QueryResult<()> {
    diesel::delete(favorite_groups::table.filter(favorite_groups::user_id.eq(user)))
        .execute(conn)
        .await?;
    diesel::delete(favorite_lessons::table.filter(favorite_lessons::user_id.eq(user)))
        .execute(conn)
        .await?;
    let group_rows: Vec<_> = groups
        .iter()
        .enumerate()
        .map(|(position, group)| {
            (
                favorite_groups::user_id.eq(user),
                favorite_groups::group_id.eq(*group),
                favorite_groups::position.eq(i32::try_from(position).unwrap_or(i32::MAX)),
            )
        })
        .collect();
    diesel::insert_into(favorite_groups::table)
        .values(&group_rows)
        .execute(conn)
        .await?;
    let lesson_rows: Vec<_> = lessons
        .iter()
        .enumerate()
        .map(|(position, lesson)| {
            (
                favorite_lessons::user_id.eq(user),
                favorite_lessons::lesson_id.eq(*lesson),
                favorite_lessons::position.eq(i32::try_from(position).unwrap_or(i32::MAX)),
            )
        })
        .collect();
    diesel::insert_into(favorite_lessons::table)
        .values(&lesson_rows)
        .execute(conn)
        .await?;
    Ok(())
}

/// The favourite groups of each of `users` that `reach` sees, in each account's order.
pub async fn favorite_groups_of(
    conn: &mut AsyncPgConnection,
    reach: Reach,
    users: &[UserId],
) -> QueryResult<Vec<(UserId, Group)>> {
    favorite_groups::table
        .inner_join(groups::table)
        .filter(favorite_groups::user_id.eq_any(users))
        .filter(favorite_groups::group_id.eq_any(visible_group_ids(reach)))
        .order((favorite_groups::user_id, favorite_groups::position))
        .select((favorite_groups::user_id, Group::as_select()))
        .load(conn)
        .await
}

/// The favourite lessons of each of `users` that `reach` sees, in each account's order.
pub async fn favorite_lessons_of(
    conn: &mut AsyncPgConnection,
    reach: Reach,
    users: &[UserId],
) -> QueryResult<Vec<(UserId, Lesson)>> {
    favorite_lessons::table
        .inner_join(lessons::table)
        .filter(favorite_lessons::user_id.eq_any(users))
        .filter(lessons::group_id.eq_any(visible_group_ids(reach)))
        .order((favorite_lessons::user_id, favorite_lessons::position))
        .select((favorite_lessons::user_id, Lesson::as_select()))
        .load(conn)
        .await
}

/// How many of `ids` `reach` sees.
pub async fn count_visible(
    conn: &mut AsyncPgConnection,
    reach: Reach,
    groups_ids: &[GroupId],
    lesson_ids: &[LessonId],
) -> QueryResult<(i64, i64)> {
    let groups_seen = groups::table
        .filter(groups::id.eq_any(groups_ids))
        .filter(group_visible(reach))
        .count()
        .get_result(conn)
        .await?;
    let lessons_seen = lessons::table
        .filter(lessons::id.eq_any(lesson_ids))
        .filter(lessons::group_id.eq_any(visible_group_ids(reach)))
        .count()
        .get_result(conn)
        .await?;
    Ok((groups_seen, lessons_seen))
}

/// Whether the employee `coach` works for `company`.
pub async fn coach_of_company(
    conn: &mut AsyncPgConnection,
    coach: crate::workforce::model::EmployeeId,
    company: CompanyId,
) -> QueryResult<bool> {
    use crate::db::schema::employees;
    diesel::select(diesel::dsl::exists(
        employees::table
            .filter(employees::id.eq(coach))
            .filter(employees::company_id.eq(company))
            .filter(employees::active.eq(true)),
    ))
    .get_result(conn)
    .await
}
