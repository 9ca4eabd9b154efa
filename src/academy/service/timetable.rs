//! Locations, groups and lessons: created and changed by the managers of their company; lessons
//! planned one by one or weekly over a date range, in the location's time zone.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime};
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::academy::model::{
    COACH_BUSY, Group, GroupChanges, GroupId, LESSON_END_BEFORE_START, LESSON_EXISTS, Lesson,
    LessonId, Location, LocationChanges, LocationId, NewGroup, NewLocation, UNKNOWN_TIME_ZONE,
};
use crate::academy::queries::{self, LocalLesson, clients as client_queries};
use crate::academy::service::optional_text;
use crate::app::App;
use crate::auth::scope::Scope;
use crate::error::{AppError, AppResult, OnConstraint};
use crate::graphql::scalars::Weekday;
use crate::mail::{self, NewMail};
use crate::validate::check_name;
use crate::workforce::model::{CompanyId, EmployeeId};
use crate::workforce::queries::company_in;

/// Most lessons `createLessons` makes at once.
pub const MAX_LESSONS: usize = 366;

/// A location, or the changes to one (`None` keeps; an address of `Some(None)` clears).
#[derive(Debug, Clone, Default)]
pub struct LocationInput {
    pub name: Option<String>,
    pub address: Option<Option<String>>,
    pub time_zone: Option<String>,
    pub active: Option<bool>,
}

/// Creates a location of a company `scope` reaches.
pub async fn create_location(
    app: &App,
    scope: Scope,
    company: CompanyId,
    input: LocationInput,
) -> AppResult<Location> {
    let location = NewLocation {
        company_id: company,
        name: check_name("name", input.name.as_deref().unwrap_or_default())?,
        address: optional_text("address", input.address.flatten(), 500)?,
        time_zone: input.time_zone.unwrap_or_default().trim().to_owned(),
    };
    let mut conn = app.pool.get().await?;
    company_in(&mut conn, scope, company)
        .await?
        .ok_or(AppError::NotFound("company"))?;
    queries::insert_location(&mut conn, &location)
        .await
        .on_constraint(&[UNKNOWN_TIME_ZONE])
}

/// Changes a location of a company `scope` reaches. Lessons already planned keep their
/// instants when its zone changes.
pub async fn update_location(
    app: &App,
    scope: Scope,
    id: LocationId,
    input: LocationInput,
) -> AppResult<Location> {
    let changes = LocationChanges {
        name: input
            .name
            .as_deref()
            .map(|text| check_name("name", text))
            .transpose()?,
        address: input
            .address
            .map(|address| optional_text("address", address, 500))
            .transpose()?,
        time_zone: input.time_zone.map(|zone| zone.trim().to_owned()),
        active: input.active,
    };
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let location = queries::location_in(conn, scope, id)
            .await?
            .ok_or(AppError::NotFound("location"))?;
        queries::update_location(conn, location.id, &changes)
            .await
            .on_constraint(&[UNKNOWN_TIME_ZONE])
    })
    .await
}

/// A group, or the changes to one (`None` keeps; `Some(None)` clears).
#[derive(Debug, Clone, Default)]
pub struct GroupInput {
    pub coach: Option<Option<EmployeeId>>,
    pub name: Option<String>,
    pub capacity: Option<i32>,
    pub level: Option<Option<String>>,
    pub schedule: Option<Option<String>>,
    pub active: Option<bool>,
}

fn check_capacity(capacity: Option<i32>) -> AppResult<Option<i32>> {
    match capacity {
        Some(capacity) if !(1..=1000).contains(&capacity) => Err(AppError::bad_input(
            "capacity",
            "a group takes 1 to 1000 clients",
        )),
        other => Ok(other),
    }
}

/// The coach must be an active employee of the location's company.
async fn check_coach(
    conn: &mut AsyncPgConnection,
    coach: Option<EmployeeId>,
    company: CompanyId,
) -> AppResult<()> {
    if let Some(coach) = coach
        && !queries::coach_of_company(conn, coach, company).await?
    {
        return Err(AppError::bad_input(
            "coachId",
            "the coach is an active employee of the location's company",
        ));
    }
    Ok(())
}

/// Creates a group at a location of a company `scope` reaches.
pub async fn create_group(
    app: &App,
    scope: Scope,
    location: LocationId,
    input: GroupInput,
) -> AppResult<Group> {
    let group = NewGroup {
        location_id: location,
        coach_id: input.coach.flatten(),
        name: check_name("name", input.name.as_deref().unwrap_or_default())?,
        capacity: check_capacity(input.capacity)?.unwrap_or(1),
        level: optional_text("level", input.level.flatten(), 100)?,
        schedule: optional_text("schedule", input.schedule.flatten(), 500)?,
    };
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let location = queries::location_in(conn, scope, location)
            .await?
            .ok_or(AppError::NotFound("location"))?;
        check_coach(conn, group.coach_id, location.company_id).await?;
        Ok(queries::insert_group(conn, &group).await?)
    })
    .await
}

/// Changes a group of a company `scope` reaches.
pub async fn update_group(
    app: &App,
    scope: Scope,
    id: GroupId,
    input: GroupInput,
) -> AppResult<Group> {
    let changes = GroupChanges {
        coach_id: input.coach,
        name: input
            .name
            .as_deref()
            .map(|text| check_name("name", text))
            .transpose()?,
        capacity: check_capacity(input.capacity)?,
        level: input
            .level
            .map(|level| optional_text("level", level, 100))
            .transpose()?,
        schedule: input
            .schedule
            .map(|schedule| optional_text("schedule", schedule, 500))
            .transpose()?,
        active: input.active,
    };
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let (group, location) = queries::group_in(conn, scope, id)
            .await?
            .ok_or(AppError::NotFound("group"))?;
        check_coach(conn, changes.coach_id.flatten(), location.company_id).await?;
        Ok(queries::update_group(conn, group.id, &changes).await?)
    })
    .await
}

/// A weekly slot of `createLessons`.
#[derive(Debug, Clone, Copy)]
pub struct WeeklySlot {
    pub weekday: Weekday,
    pub start: NaiveTime,
    pub end: NaiveTime,
}

/// The local lessons of `slots` on every matching day of `from..=to`, by date.
pub fn weekly_lessons(
    slots: &[WeeklySlot],
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<LocalLesson>> {
    if to < from {
        return Err(AppError::bad_input(
            "to",
            "the range ends on or after it starts",
        ));
    }
    let mut planned = Vec::new();
    let mut day = from;
    while day <= to {
        let weekday = i16::try_from(day.weekday().num_days_from_sunday()).unwrap_or(0);
        for slot in slots.iter().filter(|slot| slot.weekday.number() == weekday) {
            planned.push(LocalLesson {
                date: day,
                start: slot.start,
                end: slot.end,
            });
            if planned.len() > MAX_LESSONS {
                return Err(AppError::bad_input(
                    "weekly",
                    format!("at most {MAX_LESSONS} lessons at once"),
                ));
            }
        }
        day += Duration::days(1);
    }
    Ok(planned)
}

/// Plans lessons of a group of a company `scope` reaches, at local times of its location
/// (skipping starts the group has). COACH_BUSY when its coach teaches elsewhere then.
pub async fn create_lessons(
    app: &App,
    scope: Scope,
    group: GroupId,
    planned: Vec<LocalLesson>,
    topic: Option<String>,
) -> AppResult<Vec<Lesson>> {
    let topic = optional_text("topic", topic, 500)?;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let (group, location) = queries::group_in(conn, scope, group)
            .await?
            .ok_or(AppError::NotFound("group"))?;
        queries::insert_lessons(
            conn,
            group.id,
            group.coach_id,
            &location.time_zone,
            &planned,
            topic.as_deref(),
        )
        .await
        .on_constraint(&[COACH_BUSY, LESSON_END_BEFORE_START])
    })
    .await
}

/// Plans one lesson; CONFLICT LESSON_EXISTS when the group has one starting then.
pub async fn create_lesson(
    app: &App,
    scope: Scope,
    group: GroupId,
    planned: LocalLesson,
    topic: Option<String>,
) -> AppResult<Lesson> {
    let lessons = create_lessons(app, scope, group, vec![planned], topic).await?;
    lessons
        .into_iter()
        .next()
        .ok_or_else(|| LESSON_EXISTS.conflict())
}

/// Changes to a lesson: new local times, topic, coach (`None` keeps, `Some(None)` clears).
#[derive(Debug, Clone, Default)]
pub struct LessonChanges {
    pub times: Option<LocalLesson>,
    pub topic: Option<Option<String>>,
    pub coach: Option<Option<EmployeeId>>,
}

/// Changes a lesson of a company `scope` reaches; a cancelled one is CONFLICT
/// LESSON_CANCELLED.
pub async fn update_lesson(
    app: &App,
    scope: Scope,
    id: LessonId,
    changes: LessonChanges,
) -> AppResult<Lesson> {
    let topic = changes
        .topic
        .map(|topic| optional_text("topic", topic, 500))
        .transpose()?;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let lesson = queries::lesson_in(conn, scope, id)
            .await?
            .ok_or(AppError::NotFound("lesson"))?;
        if lesson.cancelled_at.is_some() {
            return Err(cancelled());
        }
        let (_, location) = queries::group_in(conn, Scope::All, lesson.group_id)
            .await?
            .ok_or(AppError::NotFound("lesson"))?;
        check_coach(conn, changes.coach.flatten(), location.company_id).await?;
        queries::update_lesson(
            conn,
            lesson.id,
            &location.time_zone,
            changes.times.as_ref(),
            topic.as_ref().map(|topic| topic.as_deref()),
            changes.coach,
        )
        .await
        .on_constraint(&[COACH_BUSY, LESSON_EXISTS, LESSON_END_BEFORE_START])
    })
    .await
}

/// Cancels a lesson of a company `scope` reaches, for good: the lessons its marks consumed are
/// given back, and its group's clients (and those marked at it) are mailed through the outbox,
/// all in one transaction.
pub async fn cancel_lesson(
    app: &App,
    scope: Scope,
    id: LessonId,
    reason: Option<String>,
) -> AppResult<Lesson> {
    let reason = optional_text("reason", reason, 500)?;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let lesson = queries::lesson_in(conn, scope, id)
            .await?
            .ok_or(AppError::NotFound("lesson"))?;
        if lesson.cancelled_at.is_some() {
            return Err(cancelled());
        }
        let lesson = queries::cancel_lesson(conn, lesson.id, reason.as_deref()).await?;
        client_queries::refund_lesson(conn, lesson.id).await?;
        for recipient in client_queries::cancellation_recipients(conn, lesson.id).await? {
            let subject = format!(
                "Cancelled: {} on {}",
                recipient.group_name, recipient.local_start
            );
            let because = recipient
                .reason
                .as_deref()
                .map(|reason| format!("\nReason: {reason}\n"))
                .unwrap_or_default();
            let body = format!(
                "Hello {},\n\nthe lesson of {} at {} on {} (local time) is cancelled.\n{because}",
                recipient.name,
                recipient.group_name,
                recipient.location_name,
                recipient.local_start
            );
            mail::enqueue(
                conn,
                NewMail {
                    recipient: &recipient.email,
                    subject: &subject,
                    body: &body,
                    secret: None,
                },
            )
            .await?;
        }
        Ok(lesson)
    })
    .await
}

fn cancelled() -> AppError {
    AppError::conflict("LESSON_CANCELLED", "the lesson is cancelled").on_field("id")
}
