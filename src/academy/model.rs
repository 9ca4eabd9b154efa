//! Rows and value types of the academy: the timetable (locations, groups, lessons, prices) and
//! the clients' side (clients, contracts, subscriptions, attendance); and what the violation of
//! each constraint a client can run into means.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

use crate::auth::identity::UserId;
use crate::db::schema::{
    attendance, books, client_subscriptions, clients, contracts, groups, lessons, loans, locations,
    prices,
};
use crate::error::Violation;
use crate::workforce::model::{CompanyId, EmployeeId};
use crate::{id_newtype, text_enum};

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
id_newtype!(
    /// A client id.
    ClientId
);
id_newtype!(
    /// A contract id.
    ContractId
);
id_newtype!(
    /// A client subscription id.
    SubscriptionId
);
id_newtype!(
    /// A book id.
    BookId
);
id_newtype!(
    /// A loan id.
    LoanId
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

// Clients, contracts, subscriptions, attendance ------------------------------------------------

/// A client, as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = clients, check_for_backend(diesel::pg::Pg))]
pub struct Client {
    pub id: ClientId,
    pub company_id: CompanyId,
    pub user_id: Option<UserId>,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub notes: Option<String>,
    pub active: bool,
    pub anonymized_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new client.
#[derive(Debug, Insertable)]
#[diesel(table_name = clients)]
pub struct NewClient {
    pub company_id: CompanyId,
    pub user_id: Option<UserId>,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub notes: Option<String>,
}

/// Changes to a client: `None` keeps a value, `Some(None)` clears it.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = clients)]
pub struct ClientChanges {
    pub user_id: Option<Option<UserId>>,
    pub name: Option<String>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub birth_date: Option<Option<NaiveDate>>,
    pub notes: Option<Option<String>>,
    pub active: Option<bool>,
}

text_enum! {
    /// Where a contract stands.
    pub enum ContractStatus {
        /// Being prepared.
        Draft = "DRAFT",
        /// In force.
        Active = "ACTIVE",
        /// Ran its course.
        Ended = "ENDED",
        /// Called off.
        Cancelled = "CANCELLED",
    }
}

/// A contract, as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = contracts, check_for_backend(diesel::pg::Pg))]
pub struct Contract {
    pub id: ContractId,
    pub company_id: CompanyId,
    pub client_id: ClientId,
    pub number: String,
    pub signed_on: Option<NaiveDate>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub terms: Option<String>,
    pub status: ContractStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new contract.
#[derive(Debug, Insertable)]
#[diesel(table_name = contracts)]
pub struct NewContract {
    pub company_id: CompanyId,
    pub client_id: ClientId,
    pub number: String,
    pub signed_on: Option<NaiveDate>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub terms: Option<String>,
    pub status: ContractStatus,
}

/// Changes to a contract: `None` keeps a value, `Some(None)` clears it.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = contracts)]
pub struct ContractChanges {
    pub number: Option<String>,
    pub signed_on: Option<Option<NaiveDate>>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<Option<NaiveDate>>,
    pub terms: Option<Option<String>>,
    pub status: Option<ContractStatus>,
}

text_enum! {
    /// The stored status of a client subscription (EXPIRED is derived from its dates).
    pub enum StoredSubscriptionStatus {
        /// Usable between its dates.
        Active = "ACTIVE",
        /// On hold: no lesson consumes it.
        Paused = "PAUSED",
        /// Called off, for good.
        Cancelled = "CANCELLED",
    }
}

/// A client subscription, as stored, and whether it has expired.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = client_subscriptions, check_for_backend(diesel::pg::Pg))]
pub struct ClientSubscription {
    pub id: SubscriptionId,
    pub company_id: CompanyId,
    pub client_id: ClientId,
    pub group_id: Option<GroupId>,
    pub price_id: PriceId,
    pub amount_minor: i64,
    pub currency: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub lessons_included: Option<i32>,
    pub lessons_used: i32,
    pub status: StoredSubscriptionStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Whether its last day has passed in its company's zone (not stored).
    #[diesel(
        select_expression = crate::db::cached::fragment::<diesel::sql_types::Bool>(SUBSCRIPTION_EXPIRED_SQL),
        select_expression_type = crate::db::cached::Fragment<diesel::sql_types::Bool>
    )]
    pub expired: bool,
}

/// Whether a subscription's last day has passed in its company's zone, in SQL.
pub const SUBSCRIPTION_EXPIRED_SQL: &str = "(client_subscriptions.valid_to < \
    rollcall_company_today(client_subscriptions.company_id))";

/// A new client subscription.
#[derive(Debug, Insertable)]
#[diesel(table_name = client_subscriptions)]
pub struct NewClientSubscription {
    pub company_id: CompanyId,
    pub client_id: ClientId,
    pub group_id: Option<GroupId>,
    pub price_id: PriceId,
    pub amount_minor: i64,
    pub currency: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub lessons_included: Option<i32>,
}

/// Changes to a client subscription: `None` keeps a value, `Some(None)` clears it (a group of
/// `Some(None)` makes it company-wide, lessons of `Some(None)` unlimited).
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = client_subscriptions)]
pub struct SubscriptionChanges {
    pub group_id: Option<Option<GroupId>>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub lessons_included: Option<Option<i32>>,
    pub status: Option<StoredSubscriptionStatus>,
}

text_enum! {
    /// A client's mark at a lesson.
    pub enum AttendanceStatus {
        /// There on time: consumes a lesson of a valid subscription.
        Present = "PRESENT",
        /// Not there.
        Absent = "ABSENT",
        /// Not there, with an excuse (left out of attendance rates).
        Excused = "EXCUSED",
        /// There, late: consumes a lesson like PRESENT.
        Late = "LATE",
    }
}

impl AttendanceStatus {
    /// Whether the client was there (and so consumes a lesson).
    pub fn attended(self) -> bool {
        matches!(self, Self::Present | Self::Late)
    }
}

/// A client's mark at a lesson, as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = attendance, check_for_backend(diesel::pg::Pg))]
pub struct Attendance {
    pub lesson_id: LessonId,
    pub client_id: ClientId,
    pub status: AttendanceStatus,
    pub subscription_id: Option<SubscriptionId>,
    pub marked_by: Option<UserId>,
    pub marked_at: DateTime<Utc>,
}

/// The orders of the list of clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientOrder {
    Name,
    NameDesc,
    Newest,
    Oldest,
}

/// The orders of the list of contracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractOrder {
    Number,
    Newest,
}

/// The orders of the list of client subscriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionOrder {
    EndingSoonest,
    Newest,
}

/// How the lists of clients, contracts and subscriptions filter.
#[derive(Debug, Clone, Default)]
pub struct ClientFilter {
    pub company: Option<CompanyId>,
    pub client: Option<ClientId>,
    /// Clients in this group; subscriptions for it.
    pub group: Option<GroupId>,
    pub active: Option<bool>,
    pub contract_status: Option<ContractStatus>,
    /// A subscription status, EXPIRED included (as text).
    pub subscription_status: Option<&'static str>,
}

/// A contract number is unique within its company.
pub const CONTRACT_NUMBER_TAKEN: Violation = Violation {
    constraint: "contracts_number_taken",
    field: "number",
    reason: "CONTRACT_NUMBER_TAKEN",
    message: "the company has a contract with this number",
};

/// An account is at most one client of a company.
pub const CLIENT_ACCOUNT_TAKEN: Violation = Violation {
    constraint: "clients_one_per_account",
    field: "userId",
    reason: "CLIENT_ACCOUNT_TAKEN",
    message: "this account is a client of the company already",
};

/// A contract ends on or after it starts.
pub const CONTRACT_DATES: Violation = Violation {
    constraint: "contracts_valid_to_after_from",
    field: "validTo",
    reason: "END_BEFORE_START",
    message: "a contract ends on or after the day it starts",
};

/// A subscription ends on or after it starts.
pub const SUBSCRIPTION_DATES: Violation = Violation {
    constraint: "client_subscriptions_valid_to_after_from",
    field: "validTo",
    reason: "END_BEFORE_START",
    message: "a subscription ends on or after the day it starts",
};

// The library ----------------------------------------------------------------------------------

/// A book, as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = books, check_for_backend(diesel::pg::Pg))]
pub struct Book {
    pub id: BookId,
    pub company_id: CompanyId,
    pub group_id: Option<GroupId>,
    pub title: String,
    /// Empty when none is known.
    pub author: String,
    /// ISBN-13.
    pub isbn: Option<String>,
    pub copies: i32,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new book.
#[derive(Debug, Insertable)]
#[diesel(table_name = books)]
pub struct NewBook {
    pub company_id: CompanyId,
    pub group_id: Option<GroupId>,
    pub title: String,
    pub author: String,
    pub isbn: Option<String>,
    pub copies: i32,
}

/// Changes to a book: `None` keeps a value, `Some(None)` clears it.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = books)]
pub struct BookChanges {
    pub group_id: Option<Option<GroupId>>,
    pub title: Option<String>,
    pub author: Option<String>,
    pub isbn: Option<Option<String>>,
    pub copies: Option<i32>,
    pub active: Option<bool>,
}

/// A loan, as stored, with whether it is overdue (in its company's zone) and how many
/// reminders were sent.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = loans, check_for_backend(diesel::pg::Pg))]
pub struct Loan {
    pub id: LoanId,
    pub company_id: CompanyId,
    pub book_id: BookId,
    pub client_id: Option<ClientId>,
    pub user_id: Option<UserId>,
    pub lent_on: NaiveDate,
    pub due: NaiveDate,
    pub returned_on: Option<NaiveDate>,
    pub lent_by: Option<UserId>,
    pub returned_to: Option<UserId>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Open and past its due day in its company's zone (not stored).
    #[diesel(
        select_expression = crate::db::cached::fragment::<diesel::sql_types::Bool>(LOAN_OVERDUE_SQL),
        select_expression_type = crate::db::cached::Fragment<diesel::sql_types::Bool>
    )]
    pub overdue: bool,
    /// Reminders sent (not stored).
    #[diesel(
        select_expression = crate::db::cached::fragment::<diesel::sql_types::BigInt>(
            "(SELECT count(*) FROM loan_reminders WHERE loan_reminders.loan_id = loans.id)"
        ),
        select_expression_type = crate::db::cached::Fragment<diesel::sql_types::BigInt>
    )]
    pub reminders_sent: i64,
}

/// Whether a loan is open and past its due day in its company's zone, in SQL.
pub const LOAN_OVERDUE_SQL: &str =
    "(loans.returned_on IS NULL AND loans.due < rollcall_company_today(loans.company_id))";

/// A new loan.
#[derive(Debug, Insertable)]
#[diesel(table_name = loans)]
pub struct NewLoan {
    pub company_id: CompanyId,
    pub book_id: BookId,
    pub client_id: Option<ClientId>,
    pub user_id: Option<UserId>,
    pub lent_on: NaiveDate,
    pub due: NaiveDate,
    pub lent_by: UserId,
    pub note: Option<String>,
}

/// The orders of the list of books.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookOrder {
    Title,
    Author,
    Newest,
}

/// The orders of the list of loans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoanOrder {
    DueSoonest,
    Newest,
}

/// How the list of books filters.
#[derive(Debug, Clone, Default)]
pub struct BookFilter {
    pub company: Option<CompanyId>,
    /// Title or author containing this.
    pub search: Option<String>,
    pub group: Option<GroupId>,
    /// Books with a copy free (true) or none (false).
    pub available: Option<bool>,
    pub active: Option<bool>,
}

/// How the list of loans filters.
#[derive(Debug, Clone, Default)]
pub struct LoanFilter {
    pub company: Option<CompanyId>,
    pub book: Option<BookId>,
    pub client: Option<ClientId>,
    pub user: Option<UserId>,
    pub open: Option<bool>,
    pub overdue: Option<bool>,
}

/// An ISBN is unique within its company.
pub const ISBN_TAKEN: Violation = Violation {
    constraint: "books_isbn_taken",
    field: "isbn",
    reason: "ISBN_TAKEN",
    message: "the company has a book with this ISBN",
};
