//! Rows and value types of the academy's timetable: locations, groups, lessons and prices; and
//! what the violation of each constraint a client can run into means.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::{groups, lessons, locations, prices};
use crate::error::Violation;
use crate::id_newtype;
use crate::workforce::model::{CompanyId, EmployeeId};

id_newtype!(
    /// A location id.
    LocationId
);
id_newtype!(
    /// A group id.
    GroupId
);
id_newtype!(
    /// A lesson id.
    LessonId
);
id_newtype!(
    /// A price id.
    PriceId
);

/// A location, as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = locations, check_for_backend(diesel::pg::Pg))]
pub struct Location {
    pub id: LocationId,
    pub company_id: CompanyId,
    pub name: String,
    pub address: Option<String>,
    pub time_zone: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new location.
#[derive(Debug, Insertable)]
#[diesel(table_name = locations)]
pub struct NewLocation {
    pub company_id: CompanyId,
    pub name: String,
    pub address: Option<String>,
    pub time_zone: String,
}

/// Changes to a location: `None` keeps a value, `Some(None)` clears it.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = locations)]
pub struct LocationChanges {
    pub name: Option<String>,
    pub address: Option<Option<String>>,
    pub time_zone: Option<String>,
    pub active: Option<bool>,
}

/// A group, as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = groups, check_for_backend(diesel::pg::Pg))]
pub struct Group {
    pub id: GroupId,
    pub location_id: LocationId,
    pub coach_id: Option<EmployeeId>,
    pub name: String,
    pub capacity: i32,
    pub level: Option<String>,
    pub schedule: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new group.
#[derive(Debug, Insertable)]
#[diesel(table_name = groups)]
pub struct NewGroup {
    pub location_id: LocationId,
    pub coach_id: Option<EmployeeId>,
    pub name: String,
    pub capacity: i32,
    pub level: Option<String>,
    pub schedule: Option<String>,
}

/// Changes to a group: `None` keeps a value, `Some(None)` clears it.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = groups)]
pub struct GroupChanges {
    pub coach_id: Option<Option<EmployeeId>>,
    pub name: Option<String>,
    pub capacity: Option<i32>,
    pub level: Option<Option<String>>,
    pub schedule: Option<Option<String>>,
    pub active: Option<bool>,
}

/// A lesson, as stored.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = lessons, check_for_backend(diesel::pg::Pg))]
pub struct Lesson {
    pub id: LessonId,
    pub group_id: GroupId,
    pub coach_id: Option<EmployeeId>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub topic: Option<String>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A price, as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = prices, check_for_backend(diesel::pg::Pg))]
pub struct Price {
    pub id: PriceId,
    pub company_id: CompanyId,
    pub name: String,
    pub amount_minor: i64,
    pub currency: String,
    pub lessons_included: Option<i32>,
    pub validity_days: i32,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new price.
#[derive(Debug, Insertable)]
#[diesel(table_name = prices)]
pub struct NewPrice {
    pub company_id: CompanyId,
    pub name: String,
    pub amount_minor: i64,
    pub currency: String,
    pub lessons_included: Option<i32>,
    pub validity_days: i32,
}

/// Changes to a price: `None` keeps a value, `Some(None)` makes it unlimited.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = prices)]
pub struct PriceChanges {
    pub name: Option<String>,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub lessons_included: Option<Option<i32>>,
    pub validity_days: Option<i32>,
    pub active: Option<bool>,
}

/// The orders of the list of locations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocationOrder {
    Name,
}

/// The orders of the list of groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupOrder {
    Name,
    NameDesc,
}

/// The orders of the list of lessons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LessonOrder {
    Earliest,
    Latest,
}

/// The orders of the list of prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceOrder {
    Name,
    Amount,
}

/// How the timetable's lists filter.
#[derive(Debug, Clone, Default)]
pub struct TimetableFilter {
    pub company: Option<CompanyId>,
    pub location: Option<LocationId>,
    pub group: Option<GroupId>,
    pub coach: Option<EmployeeId>,
    /// Lessons ending after this.
    pub from: Option<DateTime<Utc>>,
    /// Lessons starting before this.
    pub to: Option<DateTime<Utc>>,
    pub active: Option<bool>,
}

/// A coach teaches one lesson at a time.
pub const COACH_BUSY: Violation = Violation {
    constraint: "lessons_coach_busy",
    field: "start",
    reason: "COACH_BUSY",
    message: "the coach teaches another lesson at that time",
};

/// The group has a lesson starting then already.
pub const LESSON_EXISTS: Violation = Violation {
    constraint: "lessons_one_per_start",
    field: "start",
    reason: "LESSON_EXISTS",
    message: "the group has a lesson starting at that time",
};

/// PostgreSQL knows no such time zone.
pub const UNKNOWN_TIME_ZONE: Violation = Violation {
    constraint: "locations_time_zone_known",
    field: "timeZone",
    reason: "UNKNOWN_TIME_ZONE",
    message: "not an IANA time zone name, such as Europe/Madrid",
};

/// A lesson ends after it starts.
pub const LESSON_END_BEFORE_START: Violation = Violation {
    constraint: "lessons_end_after_start",
    field: "end",
    reason: "END_BEFORE_START",
    message: "a lesson ends after it starts",
};
