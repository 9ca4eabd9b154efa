//! `statistics`: lessons, attendance, fill, clients, subscriptions and revenue over a range of
//! days, for the overview, employees, locations and groups a viewer may see (definitions in
//! [`crate::academy::queries::statistics`]).

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{Duration, NaiveDate};

use crate::academy::model::{Group, GroupId, Location, LocationId};
use crate::academy::queries::statistics::{
    self, EmployeeNumbers, GroupNumbers, LocationNumbers, Marks, Revenue, StatsQuery,
};
use crate::academy::resolvers::types::Money;
use crate::auth::guards::{Level, MinLevel};
use crate::auth::scope::Scope;
use crate::auth::viewer::Viewer;
use crate::error::{AppError, AppResult};
use crate::graphql::ContextExt;
use crate::graphql::scalars::Date;
use crate::workforce::model::{CompanyId, Employee, EmployeeId};

/// The longest range `statistics` covers.
pub const MAX_DAYS: i64 = 366;

/// Statistics queries.
#[derive(Default)]
pub struct StatisticsQuery;

#[Object]
impl StatisticsQuery {
    /// Numbers over the days `from` to `to` (inclusive, at most 366; each location's time
    /// zone for lessons, the company's for work): each part says who may read it.
    #[graphql(guard = "MinLevel(Level::Employee)")]
    async fn statistics(
        &self,
        #[graphql(desc = "Only this company's numbers.")] company_id: Option<ID>,
        #[graphql(desc = "The first day.")] from: Date,
        #[graphql(desc = "The last day.")] to: Date,
    ) -> Result<Statistics> {
        let company = CompanyId::parse_optional("companyId", company_id.as_ref())?;
        Ok(Statistics::new(company, from.0, to.0)?)
    }
}

/// Numbers over a range of days.
pub struct Statistics {
    company: Option<CompanyId>,
    from: NaiveDate,
    to: NaiveDate,
}

impl Statistics {
    fn new(company: Option<CompanyId>, from: NaiveDate, to: NaiveDate) -> AppResult<Self> {
        if to < from {
            return Err(AppError::bad_input(
                "to",
                "the range ends on or after it starts",
            ));
        }
        if to - from >= Duration::days(MAX_DAYS) {
            return Err(AppError::bad_input(
                "to",
                format!("at most {MAX_DAYS} days at once"),
            ));
        }
        Ok(Self { company, from, to })
    }

    /// The query over this range for `reach`.
    fn query(&self, reach: Scope) -> StatsQuery {
        StatsQuery {
            from: self.from,
            to: self.to,
            company: self.company,
            reach,
        }
    }
}

/// The scope of a viewer's statistics: its own (the groups it coaches, its employee records)
/// below `companies_from`, its companies' from there to owners, all from owners on. With
/// `companies_from` at managers it is [`Scope::of_staff`].
fn reach(viewer: &Viewer, companies_from: Level) -> Result<Scope> {
    let user = viewer.require()?.user.id;
    Ok(match viewer.level() {
        level if level >= Level::Owner => Scope::All,
        level if level >= companies_from => Scope::Companies(user),
        _ => Scope::Own(user),
    })
}

fn money(revenue: &[Revenue], key: i64) -> Vec<Money> {
    revenue
        .iter()
        .filter(|sum| sum.key == key)
        .map(|sum| Money::of(sum.amount_minor, &sum.currency))
        .collect()
}

/// Numbers over a range of days.
#[Object]
impl Statistics {
    /// The first day.
    async fn from(&self) -> Date {
        Date(self.from)
    }

    /// The last day.
    async fn to(&self) -> Date {
        Date(self.to)
    }

    /// All groups at once: below head managers, the groups you coach; head managers, their
    /// companies'; owners and admins, everyone's (with company-wide subscriptions).
    async fn overview(&self, ctx: &Context<'_>) -> Result<Overview> {
        let query = self.query(reach(ctx.viewer(), Level::HeadManager)?);
        let mut conn = ctx.conn().await?;
        let (numbers, revenue) = statistics::overview_numbers(&mut conn, &query)
            .await
            .map_err(AppError::from)?;
        Ok(Overview {
            lessons_held: numbers.marks.lessons_held,
            attendance: AttendanceNumbers::of(&numbers.marks),
            fill_rate: numbers.fill_rate,
            active_clients: numbers.active_clients,
            active_subscriptions: numbers.active_subscriptions,
            revenue: money(&revenue, 0),
        })
    }

    /// Each employee of your companies (managers and head managers) or of all (owners and
    /// admins), by id.
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn employees(&self, ctx: &Context<'_>) -> Result<Vec<EmployeeStatistics>> {
        let query = self.query(reach(ctx.viewer(), Level::Manager)?);
        let mut conn = ctx.conn().await?;
        let rows = statistics::employee_numbers(&mut conn, &query, None)
            .await
            .map_err(AppError::from)?;
        Ok(rows.into_iter().map(EmployeeStatistics).collect())
    }

    /// One employee: your own record (employees), of your companies (managers and head
    /// managers), anyone (owners and admins); null otherwise.
    async fn employee(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The employee.")] id: ID,
    ) -> Result<Option<EmployeeStatistics>> {
        let id = EmployeeId::parse("id", &id)?;
        let query = self.query(reach(ctx.viewer(), Level::Manager)?);
        let mut conn = ctx.conn().await?;
        let rows = statistics::employee_numbers(&mut conn, &query, Some(&[id]))
            .await
            .map_err(AppError::from)?;
        Ok(rows.into_iter().next().map(EmployeeStatistics))
    }

    /// Each location of your companies (head managers) or of all (owners and admins), by id.
    #[graphql(guard = "MinLevel(Level::HeadManager)")]
    async fn locations(&self, ctx: &Context<'_>) -> Result<Vec<LocationStatistics>> {
        self.locations_of(ctx, None).await
    }

    /// One location of your companies (head managers) or any (owners and admins); null
    /// otherwise.
    #[graphql(guard = "MinLevel(Level::HeadManager)")]
    async fn location(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The location.")] id: ID,
    ) -> Result<Option<LocationStatistics>> {
        let id = LocationId::parse("id", &id)?;
        Ok(self.locations_of(ctx, Some(&[id])).await?.pop())
    }

    /// Each group you coach (employees), of your companies (managers and head managers) or of
    /// all (owners and admins), by id.
    async fn groups(&self, ctx: &Context<'_>) -> Result<Vec<GroupStatistics>> {
        self.groups_of(ctx, None).await
    }

    /// One group: that you coach (employees), of your companies (managers and head managers),
    /// any (owners and admins); null otherwise.
    async fn group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group.")] id: ID,
    ) -> Result<Option<GroupStatistics>> {
        let id = GroupId::parse("id", &id)?;
        Ok(self.groups_of(ctx, Some(&[id])).await?.pop())
    }
}

impl Statistics {
    async fn locations_of(
        &self,
        ctx: &Context<'_>,
        ids: Option<&[LocationId]>,
    ) -> Result<Vec<LocationStatistics>> {
        let query = self.query(reach(ctx.viewer(), Level::HeadManager)?);
        let mut conn = ctx.conn().await?;
        let (rows, revenue) = statistics::location_numbers(&mut conn, &query, ids)
            .await
            .map_err(AppError::from)?;
        Ok(rows
            .into_iter()
            .map(|numbers| LocationStatistics {
                revenue: money(&revenue, numbers.location_id),
                numbers,
            })
            .collect())
    }

    async fn groups_of(
        &self,
        ctx: &Context<'_>,
        ids: Option<&[GroupId]>,
    ) -> Result<Vec<GroupStatistics>> {
        let query = self.query(reach(ctx.viewer(), Level::Manager)?);
        let mut conn = ctx.conn().await?;
        let rows = statistics::group_numbers(&mut conn, &query, ids)
            .await
            .map_err(AppError::from)?;
        Ok(rows.into_iter().map(GroupStatistics).collect())
    }
}

/// Attendance marks at held lessons.
#[derive(SimpleObject)]
pub struct AttendanceNumbers {
    /// PRESENT and LATE marks.
    pub attended: i64,
    /// ABSENT marks.
    pub absent: i64,
    /// EXCUSED marks (left out of the rate).
    pub excused: i64,
    /// attended / (attended + absent); null without either.
    pub rate: Option<f64>,
}

impl AttendanceNumbers {
    fn of(marks: &Marks) -> Self {
        Self {
            attended: marks.attended,
            absent: marks.absent,
            excused: marks.excused,
            rate: marks.attendance_rate(),
        }
    }
}

/// The numbers of a set of groups over a range.
#[derive(SimpleObject)]
pub struct Overview {
    /// Lessons held: not cancelled, starting on a day of the range.
    pub lessons_held: i64,
    /// The marks at those lessons.
    pub attendance: AttendanceNumbers,
    /// The mean over held lessons of attended marks / the group's capacity; null without
    /// held lessons.
    pub fill_rate: Option<f64>,
    /// Distinct clients marked PRESENT or LATE at a held lesson.
    pub active_clients: i64,
    /// ACTIVE subscriptions valid on a day of the range.
    pub active_subscriptions: i64,
    /// What the subscriptions (not cancelled) whose first day is in the range sold for, one
    /// sum per currency.
    pub revenue: Vec<Money>,
}

/// An employee's numbers over a range.
pub struct EmployeeStatistics(EmployeeNumbers);

/// An employee's numbers over a range.
#[Object]
impl EmployeeStatistics {
    /// The employee.
    async fn employee(&self, ctx: &Context<'_>) -> Result<Option<Employee>> {
        Ok(ctx
            .loader()
            .load_one(EmployeeId(self.0.employee_id))
            .await?)
    }

    /// Held lessons the employee taught.
    async fn lessons_taught(&self) -> i64 {
        self.0.lessons_taught
    }

    /// Hours worked on the range's days (the company's time zone).
    async fn hours_worked(&self) -> f64 {
        self.0.hours_worked
    }

    /// The hours the employee is to work in a year.
    async fn annual_hours(&self) -> i64 {
        self.0.annual_hours
    }

    /// The marks at held lessons of the groups the employee coaches.
    async fn attendance(&self) -> AttendanceNumbers {
        AttendanceNumbers::of(&Marks {
            lessons_held: 0,
            attended: self.0.attended,
            absent: self.0.absent,
            excused: 0,
        })
    }
}

/// A location's numbers over a range.
pub struct LocationStatistics {
    numbers: LocationNumbers,
    revenue: Vec<Money>,
}

/// A location's numbers over a range.
#[Object]
impl LocationStatistics {
    /// The location.
    async fn location(&self, ctx: &Context<'_>) -> Result<Option<Location>> {
        Ok(ctx
            .loader()
            .load_one(LocationId(self.numbers.location_id))
            .await?)
    }

    /// Lessons held there.
    async fn lessons_held(&self) -> i64 {
        self.numbers.marks.lessons_held
    }

    /// The marks at those lessons.
    async fn attendance(&self) -> AttendanceNumbers {
        AttendanceNumbers::of(&self.numbers.marks)
    }

    /// Distinct clients marked PRESENT or LATE at its held lessons.
    async fn active_clients(&self) -> i64 {
        self.numbers.active_clients
    }

    /// What the subscriptions (not cancelled) for its groups whose first day is in the range
    /// sold for, one sum per currency.
    async fn revenue(&self) -> &[Money] {
        &self.revenue
    }
}

/// A group's numbers over a range.
pub struct GroupStatistics(GroupNumbers);

/// A group's numbers over a range.
#[Object]
impl GroupStatistics {
    /// The group.
    async fn group(&self, ctx: &Context<'_>) -> Result<Option<Group>> {
        Ok(ctx.loader().load_one(GroupId(self.0.group_id)).await?)
    }

    /// Lessons held.
    async fn lessons_held(&self) -> i64 {
        self.0.marks.lessons_held
    }

    /// The marks at those lessons.
    async fn attendance(&self) -> AttendanceNumbers {
        AttendanceNumbers::of(&self.0.marks)
    }

    /// The mean over held lessons of attended marks / capacity; null without held lessons.
    async fn fill_rate(&self) -> Option<f64> {
        self.0.fill_rate
    }

    /// ACTIVE subscriptions for the group valid on a day of the range.
    async fn active_subscriptions(&self) -> i64 {
        self.0.active_subscriptions
    }
}
