//! Rows and value types of the workforce area: companies and their members, employees, work
//! sessions and their history, kiosks; and what the violation of each constraint a client can
//! run into means.

use async_graphql::Enum;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde_json::Value as Json;

use crate::auth::identity::UserId;
use crate::db::schema::{companies, employees, kiosks, work_session_changes, work_sessions};
use crate::error::Violation;
use crate::{id_newtype, text_enum};

id_newtype!(
    /// A company id.
    CompanyId
);
id_newtype!(
    /// An employee id.
    EmployeeId
);
id_newtype!(
    /// A work session id.
    WorkSessionId
);
id_newtype!(
    /// A kiosk id.
    KioskId
);

/// A company as stored, with its time policy (what timesheets count by).
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = companies, check_for_backend(diesel::pg::Pg))]
pub struct Company {
    pub id: CompanyId,
    pub name: String,
    pub time_zone: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub standard_day_minutes: i32,
    /// Days of the week, 0 Sunday to 6 Saturday.
    pub working_days: Vec<Option<i16>>,
    /// `[{"afterMinutes": .., "minutes": ..}]`, read with [`Company::policy_breaks`].
    pub break_rules: Json,
    pub overtime_weekly_minutes: i32,
    pub overtime_daily_minutes: Option<i32>,
    pub no_show_grace_minutes: i32,
    pub max_open_hours: i32,
}

/// A break a day's worked time owes past a length, when its entries state none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BreakRule {
    /// Worked minutes past which the break is owed.
    pub after_minutes: i32,
    /// The break, in minutes.
    pub minutes: i32,
}

impl BreakRule {
    /// The rules stored as `break_rules`.
    pub fn parse(rules: &Json) -> Vec<Self> {
        serde_json::from_value(rules.clone()).unwrap_or_default()
    }

    /// The break `rules` ask of `worked` minutes: the longest owed.
    pub fn owed(rules: &[Self], worked: i32) -> i32 {
        rules
            .iter()
            .filter(|rule| worked > rule.after_minutes)
            .map(|rule| rule.minutes)
            .max()
            .unwrap_or(0)
    }
}

impl Company {
    /// The break rules of the company's policy.
    pub fn policy_breaks(&self) -> Vec<BreakRule> {
        BreakRule::parse(&self.break_rules)
    }
}

/// A new company.
#[derive(Debug, Insertable)]
#[diesel(table_name = companies)]
pub struct NewCompany<'a> {
    pub name: &'a str,
    pub time_zone: &'a str,
}

/// Changes to a company; `None` keeps a value (`Some(None)` clears the daily overtime).
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = companies)]
pub struct CompanyChanges {
    pub name: Option<String>,
    pub time_zone: Option<String>,
    pub standard_day_minutes: Option<i32>,
    pub working_days: Option<Vec<Option<i16>>>,
    pub break_rules: Option<Json>,
    pub overtime_weekly_minutes: Option<i32>,
    pub overtime_daily_minutes: Option<Option<i32>>,
    pub no_show_grace_minutes: Option<i32>,
    pub max_open_hours: Option<i32>,
}

/// An employee as stored (the fingerprint and PIN only as MACs, never read back out), and as
/// live events' snapshots carry it.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Deserialize)]
#[diesel(table_name = employees, check_for_backend(diesel::pg::Pg))]
pub struct Employee {
    pub id: EmployeeId,
    pub company_id: CompanyId,
    pub name: Option<String>,
    pub email: Option<String>,
    pub annual_hours: i32,
    pub user_id: Option<UserId>,
    pub active: bool,
    #[diesel(select_expression = employees::fingerprint_mac.is_not_null())]
    #[diesel(select_expression_type = diesel::dsl::IsNotNull<employees::fingerprint_mac>)]
    pub has_fingerprint: bool,
    pub erased_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new employee.
#[derive(Debug, Insertable)]
#[diesel(table_name = employees)]
pub struct NewEmployee<'a> {
    pub company_id: CompanyId,
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub annual_hours: i32,
    pub user_id: Option<UserId>,
    pub fingerprint_mac: Option<Vec<u8>>,
}

/// Changes to an employee: `None` keeps a value, `Some(None)` clears it.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = employees)]
pub struct EmployeeChanges {
    pub name: Option<String>,
    pub email: Option<Option<String>>,
    pub annual_hours: Option<i32>,
    pub user_id: Option<Option<UserId>>,
    pub fingerprint_mac: Option<Option<Vec<u8>>>,
}

/// How a work session came to be.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Enum,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Source {
    /// The employee (or a manager for them) clocked in, at the time of the clock.
    Clock,
    /// At a kiosk.
    Kiosk,
    /// Entered or corrected by a manager, or clocked more than 2 minutes off the clock.
    Manual,
}

text_enum!(Source {
    Clock => "CLOCK",
    Kiosk => "KIOSK",
    Manual => "MANUAL",
});

/// A work session as stored, and as live events' snapshots carry it.
#[derive(
    Debug, Clone, Queryable, QueryableByName, Selectable, Identifiable, serde::Deserialize,
)]
#[diesel(table_name = work_sessions, check_for_backend(diesel::pg::Pg))]
pub struct WorkSession {
    pub id: WorkSessionId,
    pub employee_id: EmployeeId,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub source: Source,
    pub created_by: Option<UserId>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new work session.
#[derive(Debug, Insertable)]
#[diesel(table_name = work_sessions)]
pub struct NewWorkSession<'a> {
    pub employee_id: EmployeeId,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub source: Source,
    pub created_by: Option<UserId>,
    pub note: Option<&'a str>,
}

/// Changes to a work session: `None` keeps a value, `Some(None)` clears it.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = work_sessions)]
pub struct WorkSessionChanges {
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<Option<DateTime<Utc>>>,
    pub note: Option<Option<String>>,
    pub source: Option<Source>,
}

/// An entry of a work session's edit history, as stored.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = work_session_changes, check_for_backend(diesel::pg::Pg))]
pub struct WorkSessionChange {
    pub id: i64,
    pub session_id: WorkSessionId,
    pub employee_id: EmployeeId,
    pub kind: String,
    pub actor_id: Option<UserId>,
    pub at: DateTime<Utc>,
    pub before: Option<Json>,
    pub after: Option<Json>,
    pub reason: Option<String>,
}

/// A kiosk as stored.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = kiosks, check_for_backend(diesel::pg::Pg))]
pub struct Kiosk {
    pub id: KioskId,
    pub company_id: CompanyId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The orders of the list of companies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompanyOrder {
    Name,
    Newest,
}

/// The orders of the list of employees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmployeeOrder {
    Name,
    Newest,
    Oldest,
}

/// The orders of the list of work sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkSessionOrder {
    Newest,
    Oldest,
}

/// How the list of employees is filtered.
#[derive(Debug, Clone, Default)]
pub struct EmployeeFilter {
    pub company: Option<CompanyId>,
    /// Text to find in the name or email, any case.
    pub search: Option<String>,
    pub active: Option<bool>,
}

/// How the list of work sessions is filtered.
#[derive(Debug, Clone, Default)]
pub struct WorkSessionFilter {
    pub employee: Option<EmployeeId>,
    pub user: Option<UserId>,
    pub company: Option<CompanyId>,
    /// A company-local calendar day the session overlaps.
    pub date: Option<NaiveDate>,
    /// Sessions overlapping `[from, to)`.
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Only open (or only closed) sessions.
    pub open: Option<bool>,
}

/// The company name is taken (compared without regard to case).
pub const COMPANY_NAME_TAKEN: Violation = Violation {
    constraint: "companies_name_key",
    field: "name",
    reason: "COMPANY_NAME_TAKEN",
    message: "a company with this name exists",
};

/// PostgreSQL knows no such time zone.
pub const UNKNOWN_TIME_ZONE: Violation = Violation {
    constraint: "companies_time_zone_known",
    field: "timeZone",
    reason: "UNKNOWN_TIME_ZONE",
    message: "not an IANA time zone name, such as Europe/Madrid",
};

/// The account is not a member of the employee's company.
pub const USER_NOT_MEMBER: Violation = Violation {
    constraint: "employees_user_is_member",
    field: "userId",
    reason: "USER_NOT_MEMBER",
    message: "the account is not a member of this company",
};

/// The account already has an employee record in this company.
pub const USER_HAS_EMPLOYEE: Violation = Violation {
    constraint: "employees_one_per_user",
    field: "userId",
    reason: "USER_HAS_EMPLOYEE",
    message: "this account already has an employee record in this company",
};

/// Another employee of the company has this fingerprint.
pub const FINGERPRINT_TAKEN: Violation = Violation {
    constraint: "employees_fingerprint_key",
    field: "fingerprint",
    reason: "FINGERPRINT_TAKEN",
    message: "another employee of this company has this fingerprint",
};

/// The employee has an open session already.
pub const ALREADY_CLOCKED_IN: Violation = Violation {
    constraint: "work_sessions_one_open",
    field: "employeeId",
    reason: "ALREADY_CLOCKED_IN",
    message: "the employee is already clocked in",
};

/// The session would overlap another of the employee's.
pub const OVERLAP: Violation = Violation {
    constraint: "work_sessions_no_overlap",
    field: "start",
    reason: "OVERLAP",
    message: "the session overlaps another session of the employee",
};

/// Two clocks racing with one idempotency key: the later one finds the key taken.
pub const IDEMPOTENCY_KEY_TAKEN: Violation = Violation {
    constraint: "clock_idempotency_keys_pkey",
    field: "idempotencyKey",
    reason: "IDEMPOTENCY_KEY_REUSED",
    message: "this idempotency key was used with other arguments",
};

/// A session ends after it starts.
pub const END_BEFORE_START: Violation = Violation {
    constraint: "work_sessions_end_after_start",
    field: "end",
    reason: "END_BEFORE_START",
    message: "a session ends after it starts",
};

/// The session is in a finalized week: the timesheets' lock, kept by the database on every
/// write to a session, a timesheet entry or a shift of that week.
pub const WEEK_FINALIZED: Violation = Violation {
    constraint: "week_finalized",
    field: "id",
    reason: "WEEK_FINALIZED",
    message: "the week is finalized: it must be reopened first",
};

/// A policy value out of its range (the company's CHECK constraints).
pub const POLICY_OUT_OF_RANGE: [Violation; 5] = [
    Violation {
        constraint: "companies_standard_day",
        field: "standardDayMinutes",
        reason: "OUT_OF_RANGE",
        message: "a standard day is 0 to 1440 minutes",
    },
    Violation {
        constraint: "companies_overtime",
        field: "overtimeWeeklyMinutes",
        reason: "OUT_OF_RANGE",
        message: "overtime starts within 0 to 10080 minutes a week and 0 to 1440 a day",
    },
    Violation {
        constraint: "companies_no_show_grace",
        field: "noShowGraceMinutes",
        reason: "OUT_OF_RANGE",
        message: "the no-show grace is 0 to 240 minutes",
    },
    Violation {
        constraint: "companies_max_open_hours",
        field: "maxOpenHours",
        reason: "OUT_OF_RANGE",
        message: "a session may stay open 1 to 72 hours",
    },
    Violation {
        constraint: "companies_break_rules",
        field: "breakRules",
        reason: "OUT_OF_RANGE",
        message: "break rules are a list",
    },
];
