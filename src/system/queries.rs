//! SQL of the system area.

use chrono::{DateTime, Utc};
use diesel::dsl::now;
use diesel::prelude::*;
use diesel::sql_types::Timestamptz;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// The database's current time: the clock that stamps every stored record.
pub async fn database_time(conn: &mut AsyncPgConnection) -> QueryResult<DateTime<Utc>> {
    diesel::select(now.into_sql::<Timestamptz>())
        .get_result(conn)
        .await
}
