//! SQL of the mail outbox worker: claiming due mail, and writing down how each attempt ended.

use diesel::dsl::{IntervalDsl, now};
use diesel::prelude::*;
use diesel::sql_types::Timestamptz;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::db::schema::outbox_mails;

/// How long a claim keeps other workers off a mail: more than a whole batch can take to send.
pub const LEASE_SECONDS: i64 = 600;

/// How far ahead a given-up mail's `next_attempt_at` is moved: never, in practice.
pub const GIVEN_UP_YEARS: i32 = 100;

/// A mail this worker has claimed. Deliberately not `Debug`: it holds the secret.
#[derive(Queryable, Selectable)]
#[diesel(table_name = outbox_mails, check_for_backend(diesel::pg::Pg))]
pub struct Claimed {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub secret: Option<String>,
    pub attempts: i32,
}

/// Claims up to `limit` due mails for this worker: see the module documentation.
pub async fn claim(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<Claimed>> {
    conn.transaction(async |conn| {
        let ids: Vec<i64> = outbox_mails::table
            .select(outbox_mails::id)
            .filter(outbox_mails::sent_at.is_null())
            .filter(outbox_mails::next_attempt_at.le(now))
            .order(outbox_mails::next_attempt_at)
            .limit(limit)
            .for_update()
            .skip_locked()
            .load(conn)
            .await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(outbox_mails::table.filter(outbox_mails::id.eq_any(&ids)))
            .set(
                outbox_mails::next_attempt_at
                    .eq(now.into_sql::<Timestamptz>() + LEASE_SECONDS.seconds()),
            )
            .returning(Claimed::as_returning())
            .get_results(conn)
            .await
    })
    .await
}

/// Makes claimed mails due again at once.
pub async fn release(conn: &mut AsyncPgConnection, ids: &[i64]) -> QueryResult<()> {
    diesel::update(
        outbox_mails::table
            .filter(outbox_mails::id.eq_any(ids))
            .filter(outbox_mails::sent_at.is_null()),
    )
    .set(outbox_mails::next_attempt_at.eq(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a sent mail: its secret is erased.
pub async fn mark_sent(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<()> {
    diesel::update(outbox_mails::table.find(id))
        .set((
            outbox_mails::sent_at.eq(now),
            outbox_mails::secret.eq(None::<String>),
            outbox_mails::attempts.eq(outbox_mails::attempts + 1),
            outbox_mails::last_error.eq(None::<String>),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Records a failed attempt and when to try again.
pub async fn mark_failed(
    conn: &mut AsyncPgConnection,
    id: i64,
    error: &str,
    retry_in_seconds: i64,
) -> QueryResult<()> {
    diesel::update(outbox_mails::table.find(id))
        .set((
            outbox_mails::attempts.eq(outbox_mails::attempts + 1),
            outbox_mails::last_error.eq(error),
            outbox_mails::next_attempt_at
                .eq(now.into_sql::<Timestamptz>() + retry_in_seconds.seconds()),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Records a mail that will never go: its secret is erased and it is never due again.
pub async fn mark_given_up(
    conn: &mut AsyncPgConnection,
    id: i64,
    attempts: i32,
    error: &str,
) -> QueryResult<()> {
    diesel::update(outbox_mails::table.find(id))
        .set((
            outbox_mails::attempts.eq(attempts),
            outbox_mails::last_error.eq(error),
            outbox_mails::secret.eq(None::<String>),
            outbox_mails::next_attempt_at
                .eq(now.into_sql::<Timestamptz>() + GIVEN_UP_YEARS.years()),
        ))
        .execute(conn)
        .await?;
    Ok(())
}
