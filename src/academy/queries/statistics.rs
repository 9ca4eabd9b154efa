//! The academy's statistics, all SQL aggregates over a range of local days (each location's
//! zone for lessons, the company's for work sessions). Definitions, so that numbers can be
//! checked by hand:
//!
//! - a lesson is *held* when it is not cancelled and starts on a day of the range;
//! - *attended* marks are PRESENT and LATE; the attendance rate is attended / (attended +
//!   ABSENT), EXCUSED left out;
//! - the fill rate is the mean over held lessons of attended / the group's capacity;
//! - *active clients* are the distinct clients with an attended mark at a held lesson;
//! - *active subscriptions* are ACTIVE ones valid on a day of the range;
//! - *revenue* is the amounts of the subscriptions (not cancelled) whose first day falls in
//!   the range, one sum per currency.
//!
//! Every list is one or two statements, whatever its length. Each function takes a
//! [`Scope`] that its SQL applies.

use chrono::NaiveDate;
use diesel::QueryableByName;
use diesel::result::QueryResult;
use diesel::sql_types::{Array, BigInt, Date, Double, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::academy::model::{GroupId, LocationId};
use crate::auth::scope::Scope;
use crate::workforce::model::{CompanyId, EmployeeId};

/// The range and filters every statistic takes: `$1` first day, `$2` last day, `$3` company
/// (or NULL), `$4` ids (or NULL for all), `$5` the viewer, `$6` the reach's kind.
#[derive(Debug, Clone)]
pub struct StatsQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub company: Option<CompanyId>,
    /// Groups coached (own), companies' or all records; for employees, own records.
    pub reach: Scope,
}

fn bound(
    sql: String,
    query: &StatsQuery,
    ids: Option<Vec<i64>>,
) -> diesel::query_builder::BoxedSqlQuery<'static, diesel::pg::Pg, diesel::query_builder::SqlQuery>
{
    let (kind, user) = super::scope_params(query.reach);
    diesel::sql_query(sql)
        .into_boxed()
        .bind::<Date, _>(query.from)
        .bind::<Date, _>(query.to)
        .bind::<Nullable<BigInt>, _>(query.company.map(|company| company.0))
        .bind::<Nullable<Array<BigInt>>, _>(ids)
        .bind::<Nullable<BigInt>, _>(user)
        .bind::<Text, _>(kind)
}

/// The groups a reach covers (`own`: those it coaches), as CTE `g`.
const GROUPS: &str = "g AS ( \
    SELECT g.id, g.location_id, g.capacity, loc.time_zone, loc.company_id \
    FROM groups g JOIN locations loc ON loc.id = g.location_id \
    WHERE ($3::bigint IS NULL OR loc.company_id = $3) \
      AND (CASE $6 WHEN 'own' THEN g.coach_id IN (SELECT id FROM employees WHERE user_id = $5) \
           WHEN 'companies' THEN loc.company_id IN \
             (SELECT company_id FROM company_members WHERE user_id = $5) \
           ELSE TRUE END))";

/// The held lessons of the groups of `g`, with their attended and absent marks, as CTE `held`.
const HELD: &str = "held AS ( \
    SELECT l.id, l.group_id, l.coach_id, g.location_id, g.capacity, \
      count(a.client_id) FILTER (WHERE a.status IN ('PRESENT', 'LATE')) AS attended, \
      count(a.client_id) FILTER (WHERE a.status = 'ABSENT') AS absent, \
      count(a.client_id) FILTER (WHERE a.status = 'EXCUSED') AS excused \
    FROM g JOIN lessons l ON l.group_id = g.id LEFT JOIN attendance a ON a.lesson_id = l.id \
    WHERE l.cancelled_at IS NULL \
      AND (l.starts_at AT TIME ZONE g.time_zone)::date BETWEEN $1 AND $2 \
    GROUP BY l.id, l.group_id, l.coach_id, g.location_id, g.capacity)";

/// Counts of lessons and marks.
#[derive(Debug, Clone, Copy, Default, PartialEq, QueryableByName)]
pub struct Marks {
    #[diesel(sql_type = BigInt)]
    pub lessons_held: i64,
    #[diesel(sql_type = BigInt)]
    pub attended: i64,
    #[diesel(sql_type = BigInt)]
    pub absent: i64,
    #[diesel(sql_type = BigInt)]
    pub excused: i64,
}

impl Marks {
    /// attended / (attended + absent); `None` without either.
    pub fn attendance_rate(&self) -> Option<f64> {
        let counted = self.attended + self.absent;
        (counted > 0).then(|| self.attended as f64 / counted as f64)
    }
}

/// A group's numbers.
#[derive(Debug, Clone, QueryableByName)]
pub struct GroupNumbers {
    #[diesel(sql_type = BigInt)]
    pub group_id: i64,
    #[diesel(embed)]
    pub marks: Marks,
    #[diesel(sql_type = Nullable<Double>)]
    pub fill_rate: Option<f64>,
    #[diesel(sql_type = BigInt)]
    pub active_subscriptions: i64,
}

/// The numbers of the groups the reach covers (of `ids`, when given), by group id.
pub async fn group_numbers(
    conn: &mut AsyncPgConnection,
    query: &StatsQuery,
    ids: Option<&[GroupId]>,
) -> QueryResult<Vec<GroupNumbers>> {
    let sql = format!(
        "WITH {GROUPS}, {HELD} \
         SELECT g.id AS group_id, count(h.id) AS lessons_held, \
           coalesce(sum(h.attended), 0)::bigint AS attended, \
           coalesce(sum(h.absent), 0)::bigint AS absent, \
           coalesce(sum(h.excused), 0)::bigint AS excused, \
           avg(h.attended::float8 / h.capacity) AS fill_rate, \
           (SELECT count(*) FROM client_subscriptions s WHERE s.group_id = g.id \
              AND s.status = 'ACTIVE' AND s.valid_from <= $2 AND s.valid_to >= $1) \
             AS active_subscriptions \
         FROM g LEFT JOIN held h ON h.group_id = g.id \
         WHERE $4::bigint[] IS NULL OR g.id = ANY($4) \
         GROUP BY g.id ORDER BY g.id"
    );
    let ids = ids.map(|ids| ids.iter().map(|id| id.0).collect());
    bound(sql, query, ids).load(conn).await
}

/// A location's numbers.
#[derive(Debug, Clone, QueryableByName)]
pub struct LocationNumbers {
    #[diesel(sql_type = BigInt)]
    pub location_id: i64,
    #[diesel(embed)]
    pub marks: Marks,
    #[diesel(sql_type = BigInt)]
    pub active_clients: i64,
}

/// One sum of revenue.
#[derive(Debug, Clone, QueryableByName)]
pub struct Revenue {
    /// The location, or 0 for a whole overview.
    #[diesel(sql_type = BigInt)]
    pub key: i64,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = BigInt)]
    pub amount_minor: i64,
}

/// The locations the reach covers (of `ids`, when given), as CTE `locs`.
const LOCATIONS: &str = "locs AS ( \
    SELECT loc.id FROM locations loc \
    WHERE ($3::bigint IS NULL OR loc.company_id = $3) AND ($4::bigint[] IS NULL OR loc.id = ANY($4)) \
      AND (CASE $6 WHEN 'companies' THEN loc.company_id IN \
             (SELECT company_id FROM company_members WHERE user_id = $5) \
           WHEN 'own' THEN FALSE ELSE TRUE END))";

/// The numbers of the locations the reach covers (of `ids`, when given), by location id, and
/// their revenue: two statements.
pub async fn location_numbers(
    conn: &mut AsyncPgConnection,
    query: &StatsQuery,
    ids: Option<&[LocationId]>,
) -> QueryResult<(Vec<LocationNumbers>, Vec<Revenue>)> {
    let ids: Option<Vec<i64>> = ids.map(|ids| ids.iter().map(|id| id.0).collect());
    let numbers = format!(
        "WITH {LOCATIONS}, {GROUPS}, {HELD} \
         SELECT locs.id AS location_id, count(h.id) AS lessons_held, \
           coalesce(sum(h.attended), 0)::bigint AS attended, \
           coalesce(sum(h.absent), 0)::bigint AS absent, \
           coalesce(sum(h.excused), 0)::bigint AS excused, \
           (SELECT count(DISTINCT a.client_id) FROM held h2 JOIN attendance a ON a.lesson_id = h2.id \
              WHERE h2.location_id = locs.id AND a.status IN ('PRESENT', 'LATE')) AS active_clients \
         FROM locs LEFT JOIN held h ON h.location_id = locs.id \
         GROUP BY locs.id ORDER BY locs.id"
    );
    let numbers = bound(numbers, query, ids.clone()).load(conn).await?;
    let revenue = format!(
        "WITH {LOCATIONS} \
         SELECT g.location_id AS key, s.currency, sum(s.amount_minor)::bigint AS amount_minor \
         FROM client_subscriptions s JOIN groups g ON g.id = s.group_id \
         WHERE g.location_id IN (SELECT id FROM locs) AND s.status <> 'CANCELLED' \
           AND s.valid_from BETWEEN $1 AND $2 \
         GROUP BY g.location_id, s.currency ORDER BY g.location_id, s.currency"
    );
    let revenue = bound(revenue, query, ids).load(conn).await?;
    Ok((numbers, revenue))
}

/// The numbers of an overview.
#[derive(Debug, Clone, QueryableByName)]
pub struct OverviewNumbers {
    #[diesel(embed)]
    pub marks: Marks,
    #[diesel(sql_type = Nullable<Double>)]
    pub fill_rate: Option<f64>,
    #[diesel(sql_type = BigInt)]
    pub active_clients: i64,
    #[diesel(sql_type = BigInt)]
    pub active_subscriptions: i64,
}

/// The subscriptions an overview counts: of its groups, and (for a company's or everyone's
/// overview) the company-wide ones.
const OVERVIEW_SUBSCRIPTIONS: &str = "(s.group_id IN (SELECT id FROM g) OR (s.group_id IS NULL \
    AND $6 <> 'own' AND ($3::bigint IS NULL OR s.company_id = $3) \
    AND (CASE $6 WHEN 'companies' THEN s.company_id IN \
           (SELECT company_id FROM company_members WHERE user_id = $5) ELSE TRUE END)))";

/// The overview of the groups the reach covers, and its revenue: two statements.
pub async fn overview_numbers(
    conn: &mut AsyncPgConnection,
    query: &StatsQuery,
) -> QueryResult<(OverviewNumbers, Vec<Revenue>)> {
    let numbers = format!(
        "WITH {GROUPS}, {HELD} \
         SELECT (SELECT count(*) FROM held) AS lessons_held, \
           (SELECT coalesce(sum(attended), 0)::bigint FROM held) AS attended, \
           (SELECT coalesce(sum(absent), 0)::bigint FROM held) AS absent, \
           (SELECT coalesce(sum(excused), 0)::bigint FROM held) AS excused, \
           (SELECT avg(attended::float8 / capacity) FROM held) AS fill_rate, \
           (SELECT count(DISTINCT a.client_id) FROM held h JOIN attendance a ON a.lesson_id = h.id \
              WHERE a.status IN ('PRESENT', 'LATE')) AS active_clients, \
           (SELECT count(*) FROM client_subscriptions s WHERE {OVERVIEW_SUBSCRIPTIONS} \
              AND s.status = 'ACTIVE' AND s.valid_from <= $2 AND s.valid_to >= $1) \
             AS active_subscriptions \
         WHERE $4::bigint[] IS NULL OR TRUE"
    );
    let numbers = bound(numbers, query, None).get_result(conn).await?;
    let revenue = format!(
        "WITH {GROUPS} \
         SELECT 0::bigint AS key, s.currency, sum(s.amount_minor)::bigint AS amount_minor \
         FROM client_subscriptions s WHERE {OVERVIEW_SUBSCRIPTIONS} \
           AND s.status <> 'CANCELLED' AND s.valid_from BETWEEN $1 AND $2 \
           AND ($4::bigint[] IS NULL OR TRUE) \
         GROUP BY s.currency ORDER BY s.currency"
    );
    let revenue = bound(revenue, query, None).load(conn).await?;
    Ok((numbers, revenue))
}

/// An employee's numbers.
#[derive(Debug, Clone, QueryableByName)]
pub struct EmployeeNumbers {
    #[diesel(sql_type = BigInt)]
    pub employee_id: i64,
    #[diesel(sql_type = BigInt)]
    pub lessons_taught: i64,
    #[diesel(sql_type = Double)]
    pub hours_worked: f64,
    #[diesel(sql_type = BigInt)]
    pub annual_hours: i64,
    #[diesel(sql_type = BigInt)]
    pub attended: i64,
    #[diesel(sql_type = BigInt)]
    pub absent: i64,
}

/// The numbers of the employees the reach covers (`own`: the viewer's records; of `ids`, when
/// given), by employee id: lessons taught, hours worked in the range (sessions clipped to its
/// days in the company's zone, open ones counted to now), annual hours, and the marks of the
/// held lessons of the groups each coaches.
pub async fn employee_numbers(
    conn: &mut AsyncPgConnection,
    query: &StatsQuery,
    ids: Option<&[EmployeeId]>,
) -> QueryResult<Vec<EmployeeNumbers>> {
    let sql = "WITH e AS ( \
           SELECT e.id, e.annual_hours, \
             ($1::date)::timestamp AT TIME ZONE c.time_zone AS range_start, \
             ($2::date + 1)::timestamp AT TIME ZONE c.time_zone AS range_end \
           FROM employees e JOIN companies c ON c.id = e.company_id \
           WHERE ($3::bigint IS NULL OR e.company_id = $3) \
             AND ($4::bigint[] IS NULL OR e.id = ANY($4)) \
             AND (CASE $6 WHEN 'own' THEN e.user_id = $5 \
                  WHEN 'companies' THEN e.company_id IN \
                    (SELECT company_id FROM company_members WHERE user_id = $5) \
                  ELSE TRUE END)), \
         held AS ( \
           SELECT l.id, l.coach_id, g.coach_id AS group_coach \
           FROM lessons l JOIN groups g ON g.id = l.group_id \
             JOIN locations loc ON loc.id = g.location_id \
           WHERE (l.coach_id IN (SELECT id FROM e) OR g.coach_id IN (SELECT id FROM e)) \
             AND l.cancelled_at IS NULL \
             AND (l.starts_at AT TIME ZONE loc.time_zone)::date BETWEEN $1 AND $2) \
         SELECT e.id AS employee_id, e.annual_hours::bigint AS annual_hours, \
           (SELECT count(*) FROM held WHERE held.coach_id = e.id) AS lessons_taught, \
           (SELECT coalesce(sum(extract(epoch FROM least(coalesce(ws.ended_at, now()), e.range_end) \
                - greatest(ws.started_at, e.range_start))), 0)::float8 / 3600 \
              FROM work_sessions ws WHERE ws.employee_id = e.id AND ws.started_at < e.range_end \
                AND coalesce(ws.ended_at, now()) > e.range_start) AS hours_worked, \
           (SELECT count(*) FROM held JOIN attendance a ON a.lesson_id = held.id \
              WHERE held.group_coach = e.id AND a.status IN ('PRESENT', 'LATE')) AS attended, \
           (SELECT count(*) FROM held JOIN attendance a ON a.lesson_id = held.id \
              WHERE held.group_coach = e.id AND a.status = 'ABSENT') AS absent \
         FROM e ORDER BY e.id";
    let ids = ids.map(|ids| ids.iter().map(|id| id.0).collect());
    bound(sql.to_owned(), query, ids).load(conn).await
}
