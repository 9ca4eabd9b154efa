//! Attendance: a lesson's coach or its company's managers mark who came. PRESENT and LATE
//! consume a lesson of a valid subscription, under a lock on the lesson, and un-marking or a
//! change to ABSENT or EXCUSED gives it back in the same transaction.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use diesel_async::AsyncConnection;

use crate::academy::model::{AttendanceStatus, ClientId, Lesson, LessonId, SubscriptionId};
use crate::academy::queries::clients as client_queries;
use crate::app::App;
use crate::auth::identity::UserId;
use crate::auth::scope::Scope;
use crate::error::{AppError, AppResult};

/// Most marks `setAttendance` takes at once (a group's largest capacity).
pub const MAX_ENTRIES: usize = 1000;

/// How long before its start a lesson takes PRESENT and LATE marks.
pub const EARLY_MARKING: Duration = Duration::minutes(30);

/// One mark to set: a status, or `None` to remove the client's mark.
#[derive(Debug, Clone, Copy)]
pub struct Mark {
    pub client: ClientId,
    pub status: Option<AttendanceStatus>,
}

/// Merges `marks` into a lesson's attendance (clients left out keep theirs), as `actor`, at
/// `now`. NOT_FOUND outside `reach`; CONFLICT LESSON_CANCELLED, LESSON_NOT_STARTED (PRESENT or
/// LATE more than 30 minutes before the start); BAD_USER_INPUT on `entries` for a client twice
/// or of another company.
pub async fn set_attendance(
    app: &App,
    reach: Scope,
    actor: UserId,
    lesson: LessonId,
    marks: Vec<Mark>,
    now: DateTime<Utc>,
) -> AppResult<Lesson> {
    if marks.len() > MAX_ENTRIES {
        return Err(AppError::bad_input(
            "entries",
            format!("at most {MAX_ENTRIES} marks at once"),
        ));
    }
    let clients: Vec<ClientId> = marks.iter().map(|mark| mark.client).collect();
    if clients.iter().collect::<HashSet<_>>().len() != clients.len() {
        return Err(AppError::bad_input("entries", "each client at most once"));
    }
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let (lesson, company) = client_queries::lesson_for_marking(conn, reach, lesson)
            .await?
            .ok_or(AppError::NotFound("lesson"))?;
        if lesson.cancelled_at.is_some() {
            return Err(
                AppError::conflict("LESSON_CANCELLED", "the lesson is cancelled")
                    .on_field("lessonId"),
            );
        }
        let attends = marks
            .iter()
            .any(|mark| mark.status.is_some_and(AttendanceStatus::attended));
        if attends && now < lesson.starts_at - EARLY_MARKING {
            return Err(AppError::conflict(
                "LESSON_NOT_STARTED",
                "clients are marked present or late from 30 minutes before the start",
            )
            .on_field("entries"));
        }
        let known = client_queries::clients_of_company(conn, company, &clients).await?;
        if known.len() != clients.len() {
            return Err(AppError::bad_input(
                "entries",
                "every client is a client of the lesson's company",
            ));
        }
        let previous: HashMap<ClientId, Option<SubscriptionId>> =
            client_queries::marks_of(conn, lesson.id)
                .await?
                .into_iter()
                .map(|mark| (mark.client_id, mark.subscription_id))
                .collect();
        let mut refunds = Vec::new();
        for mark in &marks {
            let consumed = previous.get(&mark.client).copied().flatten();
            match mark.status {
                None => {
                    refunds.extend(consumed);
                    client_queries::delete_mark(conn, lesson.id, mark.client).await?;
                }
                Some(status) if !status.attended() => {
                    refunds.extend(consumed);
                    client_queries::upsert_mark(conn, lesson.id, mark.client, status, None, actor)
                        .await?;
                }
                Some(status) => {
                    let subscription = match consumed {
                        Some(subscription) => Some(subscription),
                        None => {
                            client_queries::consume_lesson(conn, lesson.id, mark.client).await?
                        }
                    };
                    client_queries::upsert_mark(
                        conn,
                        lesson.id,
                        mark.client,
                        status,
                        subscription,
                        actor,
                    )
                    .await?;
                }
            }
        }
        client_queries::refund_lessons(conn, &refunds).await?;
        Ok(lesson)
    })
    .await
}
