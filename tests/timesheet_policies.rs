//! The company's time policy on timesheets: absences from request to decision (and who may
//! decide), company holidays, the totals the policy makes of a week (breaks, overtime, absence
//! credit), the annual balance, the lock a finalized week keeps on its absences, the report job
//! driven at chosen times (across instances, a restart and a race), and the CSV export over a
//! real socket.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use rollcall::auth::identity::Role;
use rollcall::timesheets::queries;
use rollcall::timesheets::service::reports::{self, Round};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::accounts::{TestUser, first_error_reason};
use crate::common::workforce::{CLOCK_IN, CLOCK_OUT, REGISTER_KIOSK, first_error_field, ids, iso};
use crate::common::{TestApp, first_error_code};

// Operations ---------------------------------------------------------------------------------

const REQUEST_ABSENCE: &str = "mutation ($input: CreateAbsenceInput!) {
    requestAbsence(input: $input) {
        id kind from to minutesPerDay status paid note rejectionReason decidedAt
        employee { id } requestedBy { id } decidedBy { id }
    }
}";
const APPROVE_ABSENCE: &str = "mutation ($id: ID!, $paid: Boolean) {
    approveAbsence(id: $id, paid: $paid) {
        id kind from to minutesPerDay status paid note rejectionReason decidedAt
        employee { id } requestedBy { id } decidedBy { id }
    }
}";
const REJECT_ABSENCE: &str = "mutation ($id: ID!, $reason: String!) {
    rejectAbsence(id: $id, reason: $reason) {
        id kind from to minutesPerDay status paid note rejectionReason decidedAt
        employee { id } requestedBy { id } decidedBy { id }
    }
}";
const CANCEL_ABSENCE: &str = "mutation ($id: ID!) { cancelAbsence(id: $id) }";
const ABSENCES: &str = "query ($filter: AbsencesFilter, $order: AbsencesOrder) {
    absences(first: 100, filter: $filter, orderBy: $order) { totalCount nodes { id status } }
}";
const SET_HOLIDAYS: &str = "mutation ($company: ID!, $year: Int!, $holidays: [HolidayInput!]!) {
    setCompanyHolidays(companyId: $company, year: $year, holidays: $holidays) { date name }
}";
const HOLIDAYS: &str = "query ($company: ID!, $year: Int!) {
    holidays(companyId: $company, year: $year) { date name }
}";
const UPDATE_POLICY: &str = "mutation ($id: ID!, $input: UpdateCompanyInput!) {
    updateCompany(id: $id, input: $input) {
        id standardDayMinutes workingDays breakRules { afterMinutes minutes }
        overtimeWeeklyMinutes overtimeDailyMinutes noShowGraceMinutes maxOpenHours
    }
}";
const ADD_SHIFT: &str = "mutation ($input: CreateScheduleEntryInput!) {
    addScheduleEntry(input: $input) { id date start end }
}";
const ADD_ENTRY: &str = "mutation ($input: CreateTimesheetEntryInput!) {
    addTimesheetEntry(input: $input) { id date start end breakMinutes }
}";
const WEEK_TOTALS: &str = "query ($employee: ID!, $week: Date!) {
    timesheet(employeeId: $employee, weekOf: $week) {
        id days { date totals { ...minutes } } totals { ...minutes }
    }
}
fragment minutes on TimesheetTotals {
    scheduledMinutes workedMinutes clockedMinutes breakMinutes autoBreakMinutes
    overtimeMinutes absenceMinutes differenceMinutes
}";
const BALANCE: &str =
    "query ($id: ID!, $year: Int!) { employee(id: $id) { id annualBalance(year: $year) } }";
const NOTES: &str = "query ($employee: ID!, $week: Date!) {
    timesheet(employeeId: $employee, weekOf: $week) {
        id notes {
            id kind reportType body scheduleEntryId workSession { id } author { id }
            resolvedAt resolvedBy { id }
        }
    }
}";

// Helpers ------------------------------------------------------------------------------------

/// The people of a test: Acme (in the zone the test chose) with a head manager, a manager who
/// has an employee record there, an employee with an account and one without; Other, a company
/// with a manager of its own and an employee.
struct World {
    acme: String,
    other: String,
    head: TestUser,
    manager: TestUser,
    /// The manager's own employee record.
    mia: String,
    emma: TestUser,
    /// Emma's employee record.
    emma_record: String,
    /// An employee without an account.
    walter: String,
    /// A manager of Other.
    outsider: TestUser,
    /// An employee of Other.
    otto: String,
}

async fn world(app: &TestApp, zone: &str) -> World {
    let acme = app.company("Acme", zone).await;
    let other = app.company("Other", "UTC").await;
    let head = app.member("hedda", Role::HeadManager, Some("Acme")).await;
    let manager = app.member("mia", Role::Manager, Some("Acme")).await;
    let emma = app.member("emma", Role::Employee, Some("Acme")).await;
    let outsider = app.member("oscar", Role::Manager, Some("Other")).await;
    let mia = app.employee(&acme, "Mia Manager", Some(&manager.id)).await;
    let emma_record = app.employee(&acme, "Emma Employee", Some(&emma.id)).await;
    let walter = app.employee(&acme, "Walter Worker", None).await;
    let otto = app.employee(&other, "Otto Other", None).await;
    World {
        acme,
        other,
        head,
        manager,
        mia,
        emma,
        emma_record,
        walter,
        outsider,
        otto,
    }
}

fn day(text: &str) -> NaiveDate {
    text.parse().expect("a date")
}

fn sunday_of(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_sunday()))
}

/// `day` at `hour`:`minute` UTC.
fn at(day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(hour, minute, 0).expect("a time"))
}

/// `day` at `hour`:`minute` in Berlin, for days of winter time (UTC+1), such as late November.
fn cet(day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    at(day, hour, minute) - Duration::hours(1)
}

fn sheet_id(employee: &str, day: NaiveDate) -> String {
    format!("{employee}:{}", sunday_of(day))
}

/// The field `field` of the data of a response without errors.
#[track_caller]
fn ok<'a>(body: &'a Value, field: &str) -> &'a Value {
    assert!(body["errors"].is_null(), "{body}");
    let data = &body["data"][field];
    assert!(!data.is_null(), "{body}");
    data
}

/// Asserts that a response is the error `code` for `reason`.
#[track_caller]
fn refused(body: &Value, code: &str, reason: &str) {
    assert_eq!(first_error_code(body), code, "{body}");
    assert_eq!(first_error_reason(body), reason, "{body}");
}

/// Asserts that a response is BAD_USER_INPUT on `field`.
#[track_caller]
fn bad_input(body: &Value, field: &str) {
    assert_eq!(first_error_code(body), "BAD_USER_INPUT", "{body}");
    assert_eq!(first_error_field(body), field, "{body}");
}

/// Asserts that a response is NOT_FOUND.
#[track_caller]
fn not_found(body: &Value) {
    assert_eq!(first_error_code(body), "NOT_FOUND", "{body}");
}

fn absence(employee: &str, kind: &str, from: &str, to: &str) -> Value {
    json!({ "employeeId": employee, "kind": kind, "from": from, "to": to })
}

async fn request(app: &TestApp, viewer: &TestUser, input: Value) -> Value {
    app.gql_as(viewer, REQUEST_ABSENCE, json!({ "input": input }))
        .await
}

/// Requests an absence that must be accepted; answers its id.
async fn requested(app: &TestApp, viewer: &TestUser, input: Value) -> String {
    let body = request(app, viewer, input).await;
    let absence = ok(&body, "requestAbsence");
    assert_eq!(absence["status"], "PENDING", "{body}");
    absence["id"].as_str().expect("an id").to_owned()
}

async fn approve(app: &TestApp, viewer: &TestUser, id: &str, paid: Option<bool>) -> Value {
    let mut variables = json!({ "id": id });
    if let Some(paid) = paid {
        variables["paid"] = json!(paid);
    }
    app.gql_as(viewer, APPROVE_ABSENCE, variables).await
}

/// Approves an absence that must be approved; answers it.
async fn approved(app: &TestApp, viewer: &TestUser, id: &str, paid: Option<bool>) -> Value {
    let body = approve(app, viewer, id, paid).await;
    let absence = ok(&body, "approveAbsence").clone();
    assert_eq!(absence["status"], "APPROVED", "{body}");
    absence
}

async fn reject(app: &TestApp, viewer: &TestUser, id: &str, reason: &str) -> Value {
    app.gql_as(
        viewer,
        REJECT_ABSENCE,
        json!({ "id": id, "reason": reason }),
    )
    .await
}

async fn cancel(app: &TestApp, viewer: &TestUser, id: &str) -> Value {
    app.gql_as(viewer, CANCEL_ABSENCE, json!({ "id": id }))
        .await
}

/// An absence requested by `manager` and approved by the head manager; answers its id.
async fn approved_absence(
    app: &TestApp,
    world: &World,
    input: Value,
    paid: Option<bool>,
) -> String {
    let id = requested(app, &world.manager, input).await;
    approved(app, &world.head, &id, paid).await;
    id
}

/// The ids of the absences `viewer` lists with `filter` (and `order`), after checking that the
/// total counts them.
async fn absences(
    app: &TestApp,
    viewer: &TestUser,
    filter: Value,
    order: Option<&str>,
) -> Vec<String> {
    let body = app
        .gql_as(
            viewer,
            ABSENCES,
            json!({ "filter": filter, "order": order }),
        )
        .await;
    let list = ok(&body, "absences");
    let ids = ids(list);
    assert_eq!(list["totalCount"], json!(ids.len()), "{body}");
    ids
}

async fn set_holidays(
    app: &TestApp,
    viewer: &TestUser,
    company: &str,
    year: i32,
    holidays: &[(&str, &str)],
) -> Value {
    let holidays: Vec<Value> = holidays
        .iter()
        .map(|(date, name)| json!({ "date": date, "name": name }))
        .collect();
    app.gql_as(
        viewer,
        SET_HOLIDAYS,
        json!({ "company": company, "year": year, "holidays": holidays }),
    )
    .await
}

/// The holidays as `[(date, name)]`.
fn holiday_list(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|holiday| {
            (
                holiday["date"].as_str().expect("a date").to_owned(),
                holiday["name"].as_str().expect("a name").to_owned(),
            )
        })
        .collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

async fn holidays_as(app: &TestApp, viewer: &TestUser, company: &str, year: i32) -> Value {
    app.gql_as(
        viewer,
        HOLIDAYS,
        json!({ "company": company, "year": year }),
    )
    .await
}

async fn update_policy(app: &TestApp, viewer: &TestUser, company: &str, input: Value) -> Value {
    let body = app
        .gql_as(
            viewer,
            UPDATE_POLICY,
            json!({ "id": company, "input": input }),
        )
        .await;
    ok(&body, "updateCompany").clone()
}

/// Plans a shift (as `viewer`); answers its id.
async fn shift(
    app: &TestApp,
    viewer: &TestUser,
    employee: &str,
    date: NaiveDate,
    start: &str,
    end: &str,
) -> String {
    let body = app
        .gql_as(
            viewer,
            ADD_SHIFT,
            json!({ "input": {
                "timesheetId": sheet_id(employee, date), "date": date.to_string(),
                "start": start, "end": end,
            } }),
        )
        .await;
    ok(&body, "addScheduleEntry")["id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

/// Reports hours (as `viewer`); answers the entry's id.
async fn entry(
    app: &TestApp,
    viewer: &TestUser,
    employee: &str,
    date: NaiveDate,
    start: &str,
    end: &str,
    break_minutes: i32,
) -> String {
    let body = app
        .gql_as(
            viewer,
            ADD_ENTRY,
            json!({ "input": {
                "timesheetId": sheet_id(employee, date), "date": date.to_string(),
                "start": start, "end": end, "breakMinutes": break_minutes,
            } }),
        )
        .await;
    ok(&body, "addTimesheetEntry")["id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

/// Finalizes the employee's week of `day` by SQL (its row exists: an API write made it).
async fn finalize_by_sql(app: &TestApp, employee: &str, day: NaiveDate) {
    let week = sunday_of(day);
    let rows = app
        .count(&format!(
            "WITH f AS (UPDATE timesheets SET status = 'FINALIZED', finalized_at = now() \
             WHERE employee_id = {employee} AND week = '{week}' RETURNING 1) \
             SELECT count(*) AS n FROM f"
        ))
        .await;
    assert_eq!(
        rows, 1,
        "the sheet {employee}:{week} has no row to finalize"
    );
}

/// The totals as `[scheduled, worked, clocked, break, autoBreak, overtime, absence,
/// difference]`.
fn minutes(totals: &Value) -> [i64; 8] {
    [
        "scheduledMinutes",
        "workedMinutes",
        "clockedMinutes",
        "breakMinutes",
        "autoBreakMinutes",
        "overtimeMinutes",
        "absenceMinutes",
        "differenceMinutes",
    ]
    .map(|field| {
        totals[field]
            .as_i64()
            .unwrap_or_else(|| panic!("no {field} in {totals}"))
    })
}

/// A week's totals by day, and the week's.
async fn week_totals(
    app: &TestApp,
    viewer: &TestUser,
    employee: &str,
    week: NaiveDate,
) -> (BTreeMap<String, [i64; 8]>, [i64; 8]) {
    let body = app
        .gql_as(
            viewer,
            WEEK_TOTALS,
            json!({ "employee": employee, "week": week.to_string() }),
        )
        .await;
    let sheet = ok(&body, "timesheet");
    let days: Vec<(String, [i64; 8])> = sheet["days"]
        .as_array()
        .expect("days")
        .iter()
        .map(|day| {
            (
                day["date"].as_str().expect("a date").to_owned(),
                minutes(&day["totals"]),
            )
        })
        .collect();
    let dates: Vec<String> = days.iter().map(|(date, _)| date.clone()).collect();
    let expected: Vec<String> = (0..7)
        .map(|i| (week + Duration::days(i)).to_string())
        .collect();
    assert_eq!(dates, expected, "the days of the week, Sunday first");
    (days.into_iter().collect(), minutes(&sheet["totals"]))
}

async fn balance(app: &TestApp, viewer: &TestUser, employee: &str, year: i32) -> f64 {
    let body = app
        .gql_as(viewer, BALANCE, json!({ "id": employee, "year": year }))
        .await;
    ok(&body, "employee")["annualBalance"]
        .as_f64()
        .unwrap_or_else(|| panic!("no balance in {body}"))
}

#[track_caller]
fn assert_hours(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 1e-6,
        "annualBalance is {actual}, expected {expected}"
    );
}

/// Runs `statement`, which the database must refuse as a check violation; answers the
/// constraint it names.
async fn refused_by_database(app: &TestApp, statement: &str) -> String {
    let mut conn = app.app.pool.get().await.expect("connection");
    match diesel::sql_query(statement).execute(&mut conn).await {
        Err(DieselError::DatabaseError(kind, info)) => {
            assert!(
                matches!(kind, DatabaseErrorKind::CheckViolation),
                "{statement}: {kind:?} {}",
                info.message()
            );
            info.constraint_name().unwrap_or_default().to_owned()
        }
        other => panic!("the database accepted {statement}: {other:?}"),
    }
}

async fn round(app: &TestApp, now: DateTime<Utc>) -> Round {
    reports::run_round(&app.app, now).await.expect("a round")
}

fn reported(no_shows: usize, late_starts: usize, missed_clock_outs: usize) -> Round {
    Round {
        no_shows,
        late_starts,
        missed_clock_outs,
    }
}

/// The system's reports of `report_type` on the shift `shift`.
async fn shift_reports(app: &TestApp, shift: &str, report_type: &str) -> i64 {
    app.count(&format!(
        "SELECT count(*) AS n FROM timesheet_notes WHERE schedule_entry_id = {shift} \
         AND report_type = '{report_type}' AND kind = 'REPORT' AND author_id IS NULL"
    ))
    .await
}

/// The system's MISSED_CLOCK_OUT reports on the session `session`.
async fn session_reports(app: &TestApp, session: &str) -> i64 {
    app.count(&format!(
        "SELECT count(*) AS n FROM timesheet_notes WHERE work_session_id = {session} \
         AND report_type = 'MISSED_CLOCK_OUT' AND kind = 'REPORT' AND author_id IS NULL"
    ))
    .await
}

async fn notes_of(app: &TestApp, viewer: &TestUser, employee: &str, week: NaiveDate) -> Vec<Value> {
    let body = app
        .gql_as(
            viewer,
            NOTES,
            json!({ "employee": employee, "week": week.to_string() }),
        )
        .await;
    ok(&body, "timesheet")["notes"]
        .as_array()
        .expect("notes")
        .clone()
}

/// A manager clocks `employee` in at `time`; answers the session's id.
async fn clock_in_at(
    app: &TestApp,
    manager: &TestUser,
    employee: &str,
    time: DateTime<Utc>,
) -> String {
    let body = app
        .gql_as(
            manager,
            CLOCK_IN,
            json!({ "input": { "employeeId": employee, "at": iso(time) } }),
        )
        .await;
    ok(&body, "clockIn")["id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

async fn clock_out_at(app: &TestApp, manager: &TestUser, employee: &str, time: DateTime<Utc>) {
    let body = app
        .gql_as(
            manager,
            CLOCK_OUT,
            json!({ "input": { "employeeId": employee, "at": iso(time) } }),
        )
        .await;
    ok(&body, "clockOut");
}

/// An answer read off a socket: status, headers (names in lower case), body.
struct HttpAnswer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl HttpAnswer {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map_or("", |(_, value)| value.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }
}

/// `GET target` over a real connection, with `authorization` if given.
async fn http_get(addr: SocketAddr, target: &str, authorization: Option<&str>) -> HttpAnswer {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let authorization = authorization
        .map(|value| format!("Authorization: {value}\r\n"))
        .unwrap_or_default();
    let request =
        format!("GET {target} HTTP/1.1\r\nHost: test\r\n{authorization}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut response = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut response),
    )
    .await
    .expect("no answer")
    .expect("read");
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    assert!(
        !headers
            .iter()
            .any(|(name, value)| name == "transfer-encoding" && value.contains("chunked")),
        "a chunked answer: {head}"
    );
    let body = String::from_utf8(response[split + 4..].to_vec()).expect("UTF-8");
    HttpAnswer {
        status,
        headers,
        body,
    }
}

/// The fields of one RFC 4180 record (without its line end).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().expect("a field").push('"');
            }
            (true, '"') => quoted = false,
            (false, '"') => quoted = true,
            (false, ',') => fields.push(String::new()),
            (_, c) => fields.last_mut().expect("a field").push(c),
        }
    }
    assert!(!quoted, "an unterminated quote in {line:?}");
    fields
}

// Absences -----------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn absences_are_requested_cancelled_while_pending_and_decided_by_managers() {
    let app = TestApp::new().await;
    let w = world(&app, "UTC").await;

    // The employee asks for their own time off.
    let mut input = absence(&w.emma_record, "VACATION", "2027-04-05", "2027-04-09");
    input["note"] = json!("  Beach  ");
    let body = request(&app, &w.emma, input).await;
    let beach = ok(&body, "requestAbsence").clone();
    assert_eq!(
        (
            &beach["kind"],
            &beach["from"],
            &beach["to"],
            &beach["status"],
            &beach["paid"],
            &beach["note"],
            &beach["minutesPerDay"],
        ),
        (
            &json!("VACATION"),
            &json!("2027-04-05"),
            &json!("2027-04-09"),
            &json!("PENDING"),
            &json!(false),
            &json!("Beach"),
            &Value::Null,
        ),
        "{body}"
    );
    assert_eq!(beach["employee"]["id"], w.emma_record.as_str());
    assert_eq!(beach["requestedBy"]["id"], w.emma.id.as_str());
    assert!(
        beach["decidedBy"].is_null() && beach["decidedAt"].is_null(),
        "{body}"
    );
    let beach = beach["id"].as_str().expect("an id").to_owned();
    assert_eq!(
        app.texts(&format!(
            "SELECT status || ' ' || requested_by || ' ' || employee_id AS t FROM absences WHERE id = {beach}"
        ))
        .await,
        [format!("PENDING {} {}", w.emma.id, w.emma_record)]
    );

    // Not for a colleague, nor (for a manager of another company) for anyone at Acme.
    not_found(
        &request(
            &app,
            &w.emma,
            absence(&w.walter, "VACATION", "2027-04-05", "2027-04-05"),
        )
        .await,
    );
    not_found(
        &request(
            &app,
            &w.outsider,
            absence(&w.walter, "VACATION", "2027-04-05", "2027-04-05"),
        )
        .await,
    );
    // Employees never decide.
    refused(
        &approve(&app, &w.emma, &beach, None).await,
        "FORBIDDEN",
        "LEVEL_TOO_LOW",
    );
    refused(
        &reject(&app, &w.emma, &beach, "no").await,
        "FORBIDDEN",
        "LEVEL_TOO_LOW",
    );
    // Nor does a manager of another company reach it.
    not_found(&approve(&app, &w.outsider, &beach, None).await);
    not_found(&reject(&app, &w.outsider, &beach, "no").await);
    not_found(&cancel(&app, &w.outsider, &beach).await);

    // Cancelled while pending: gone.
    let body = cancel(&app, &w.emma, &beach).await;
    assert_eq!(ok(&body, "cancelAbsence"), &json!(true));
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM absences WHERE id = {beach}"
        ))
        .await,
        0
    );
    not_found(&cancel(&app, &w.emma, &beach).await);

    // Once decided, neither cancelled nor decided again.
    let sick = requested(
        &app,
        &w.emma,
        absence(&w.emma_record, "SICK", "2027-04-12", "2027-04-12"),
    )
    .await;
    let decided = approved(&app, &w.manager, &sick, None).await;
    assert_eq!(decided["paid"], true, "SICK is paid by default");
    assert_eq!(decided["decidedBy"]["id"], w.manager.id.as_str());
    assert!(decided["decidedAt"].is_string(), "{decided}");
    for body in [
        cancel(&app, &w.emma, &sick).await,
        cancel(&app, &w.manager, &sick).await,
        approve(&app, &w.manager, &sick, Some(false)).await,
        reject(&app, &w.manager, &sick, "changed my mind").await,
    ] {
        refused(&body, "CONFLICT", "NOT_PENDING");
        assert_eq!(first_error_field(&body), "id", "{body}");
    }
    assert_eq!(
        app.texts(&format!(
            "SELECT status || ' ' || paid || ' ' || decided_by AS t FROM absences WHERE id = {sick}"
        ))
        .await,
        [format!("APPROVED true {}", w.manager.id)]
    );

    // A manager asks for an employee of the company; `paid` follows the kind unless given.
    for (kind, from, paid, expected) in [
        ("VACATION", "2027-04-13", None, true),
        ("HOLIDAY", "2027-04-14", None, true),
        ("OTHER", "2027-04-15", None, false),
        ("VACATION", "2027-04-16", Some(false), false),
        ("OTHER", "2027-04-19", Some(true), true),
        ("SICK", "2027-04-20", Some(false), false),
    ] {
        let id = requested(&app, &w.manager, absence(&w.walter, kind, from, from)).await;
        let decided = approved(&app, &w.head, &id, paid).await;
        assert_eq!(
            decided["paid"], expected,
            "{kind} with paid {paid:?}: {decided}"
        );
        assert_eq!(decided["requestedBy"]["id"], w.manager.id.as_str());
        assert_eq!(
            app.texts(&format!(
                "SELECT paid::text AS t FROM absences WHERE id = {id}"
            ))
            .await,
            [expected.to_string()]
        );
    }

    // Rejected with a reason (which must be given), and then it is no longer pending.
    let busy = requested(
        &app,
        &w.manager,
        absence(&w.walter, "VACATION", "2027-04-21", "2027-04-23"),
    )
    .await;
    bad_input(&reject(&app, &w.manager, &busy, "   ").await, "reason");
    let body = reject(&app, &w.manager, &busy, "Inventory week").await;
    let rejected = ok(&body, "rejectAbsence");
    assert_eq!(
        (
            &rejected["status"],
            &rejected["paid"],
            &rejected["rejectionReason"]
        ),
        (&json!("REJECTED"), &json!(false), &json!("Inventory week")),
        "{body}"
    );
    assert_eq!(rejected["decidedBy"]["id"], w.manager.id.as_str());
    refused(
        &approve(&app, &w.manager, &busy, None).await,
        "CONFLICT",
        "NOT_PENDING",
    );
    refused(
        &cancel(&app, &w.manager, &busy).await,
        "CONFLICT",
        "NOT_PENDING",
    );

    // A manager may withdraw a pending request of the company's.
    let pending = requested(
        &app,
        &w.emma,
        absence(&w.emma_record, "OTHER", "2027-05-03", "2027-05-03"),
    )
    .await;
    assert_eq!(
        ok(&cancel(&app, &w.manager, &pending).await, "cancelAbsence"),
        &json!(true)
    );

    // What a request must be.
    bad_input(
        &request(
            &app,
            &w.manager,
            absence(&w.walter, "VACATION", "2027-04-09", "2027-04-08"),
        )
        .await,
        "to",
    );
    bad_input(
        &request(
            &app,
            &w.manager,
            absence(&w.walter, "VACATION", "2027-01-01", "2028-01-02"),
        )
        .await,
        "to",
    );
    for minutes in [0, 1441] {
        let mut input = absence(&w.walter, "VACATION", "2027-06-01", "2027-06-01");
        input["minutesPerDay"] = json!(minutes);
        bad_input(&request(&app, &w.manager, input).await, "minutesPerDay");
    }
    let mut partial = absence(&w.walter, "OTHER", "2027-06-01", "2027-06-02");
    partial["minutesPerDay"] = json!(90);
    let body = request(&app, &w.manager, partial).await;
    assert_eq!(ok(&body, "requestAbsence")["minutesPerDay"], 90, "{body}");
    let archived = app.employee(&w.acme, "Archie Archived", None).await;
    app.sql(&format!(
        "UPDATE employees SET active = false WHERE id = {archived}"
    ))
    .await;
    refused(
        &request(
            &app,
            &w.manager,
            absence(&archived, "VACATION", "2027-06-01", "2027-06-01"),
        )
        .await,
        "CONFLICT",
        "EMPLOYEE_INACTIVE",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn nobody_decides_their_own_absence_and_approved_absences_never_overlap() {
    let app = TestApp::new().await;
    let w = world(&app, "UTC").await;

    // The manager's own record: requested like anyone's, decided by someone else.
    let own = requested(
        &app,
        &w.manager,
        absence(&w.mia, "VACATION", "2027-05-03", "2027-05-07"),
    )
    .await;
    refused(
        &approve(&app, &w.manager, &own, None).await,
        "FORBIDDEN",
        "SELF_APPROVAL",
    );
    refused(
        &reject(&app, &w.manager, &own, "no").await,
        "FORBIDDEN",
        "SELF_APPROVAL",
    );
    assert_eq!(
        app.texts(&format!(
            "SELECT status AS t FROM absences WHERE id = {own}"
        ))
        .await,
        ["PENDING"]
    );
    let decided = approved(&app, &w.head, &own, None).await;
    assert_eq!(decided["decidedBy"]["id"], w.head.id.as_str());

    // A request touching an approved absence is refused at once; the day after is free.
    approved_absence(
        &app,
        &w,
        absence(&w.walter, "VACATION", "2027-05-10", "2027-05-12"),
        None,
    )
    .await;
    for (from, to) in [
        ("2027-05-12", "2027-05-14"),
        ("2027-05-01", "2027-05-31"),
        ("2027-05-11", "2027-05-11"),
    ] {
        let body = request(&app, &w.manager, absence(&w.walter, "SICK", from, to)).await;
        refused(&body, "CONFLICT", "ABSENCE_OVERLAP");
    }
    let next = requested(
        &app,
        &w.manager,
        absence(&w.walter, "SICK", "2027-05-13", "2027-05-14"),
    )
    .await;
    approved(&app, &w.head, &next, None).await;
    // Another employee's days are no business of Walter's.
    requested(
        &app,
        &w.manager,
        absence(&w.emma_record, "SICK", "2027-05-11", "2027-05-11"),
    )
    .await;

    // Two pending requests may overlap; only the first approved stands (the constraint).
    let first = requested(
        &app,
        &w.manager,
        absence(&w.walter, "SICK", "2027-05-20", "2027-05-21"),
    )
    .await;
    let second = requested(
        &app,
        &w.manager,
        absence(&w.walter, "OTHER", "2027-05-21", "2027-05-22"),
    )
    .await;
    approved(&app, &w.head, &first, None).await;
    let body = approve(&app, &w.head, &second, Some(true)).await;
    refused(&body, "CONFLICT", "ABSENCE_OVERLAP");
    assert_eq!(
        app.texts(&format!(
            "SELECT status || ' ' || paid AS t FROM absences WHERE id = {second}"
        ))
        .await,
        ["PENDING false"]
    );
    // Rejecting it is still possible (rejected absences may overlap anything).
    let body = reject(&app, &w.head, &second, "overlaps").await;
    assert_eq!(ok(&body, "rejectAbsence")["status"], "REJECTED", "{body}");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM absences WHERE employee_id = {} AND status = 'APPROVED'",
            w.walter
        ))
        .await,
        3
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn absences_list_by_filter_within_the_viewers_scope() {
    let app = TestApp::new().await;
    let w = world(&app, "UTC").await;
    let emma_june = approved_absence(
        &app,
        &w,
        absence(&w.emma_record, "VACATION", "2027-06-01", "2027-06-03"),
        None,
    )
    .await;
    let emma_sick = requested(
        &app,
        &w.emma,
        absence(&w.emma_record, "SICK", "2027-06-10", "2027-06-10"),
    )
    .await;
    let walter_other = requested(
        &app,
        &w.manager,
        absence(&w.walter, "OTHER", "2027-06-05", "2027-06-05"),
    )
    .await;
    let walter_july = requested(
        &app,
        &w.manager,
        absence(&w.walter, "VACATION", "2027-07-01", "2027-07-02"),
    )
    .await;
    ok(
        &reject(&app, &w.manager, &walter_july, "summer rush").await,
        "rejectAbsence",
    );
    let otto = requested(
        &app,
        &w.outsider,
        absence(&w.otto, "VACATION", "2027-06-02", "2027-06-02"),
    )
    .await;

    let all_acme = vec![
        emma_june.clone(),
        walter_other.clone(),
        emma_sick.clone(),
        walter_july.clone(),
    ];
    // A manager: the company's, earliest first by default.
    assert_eq!(absences(&app, &w.manager, json!({}), None).await, all_acme);
    assert_eq!(
        absences(&app, &w.manager, json!({}), Some("LATEST")).await,
        all_acme.iter().rev().cloned().collect::<Vec<_>>()
    );
    assert_eq!(
        absences(&app, &w.manager, json!({ "companyId": w.acme }), None).await,
        all_acme
    );
    assert_eq!(
        absences(&app, &w.manager, json!({ "status": "PENDING" }), None).await,
        [walter_other.clone(), emma_sick.clone()]
    );
    assert_eq!(
        absences(&app, &w.manager, json!({ "status": "REJECTED" }), None).await,
        std::slice::from_ref(&walter_july)
    );
    assert_eq!(
        absences(
            &app,
            &w.manager,
            json!({ "employeeId": w.emma_record }),
            None
        )
        .await,
        [emma_june.clone(), emma_sick.clone()]
    );
    // `from`: ending on or after; `to`: starting on or before.
    assert_eq!(
        absences(
            &app,
            &w.manager,
            json!({ "from": "2027-06-04", "to": "2027-06-30" }),
            None
        )
        .await,
        [walter_other.clone(), emma_sick.clone()]
    );
    assert_eq!(
        absences(
            &app,
            &w.manager,
            json!({ "from": "2027-06-03", "to": "2027-06-05" }),
            None
        )
        .await,
        [emma_june.clone(), walter_other.clone()]
    );
    assert_eq!(
        absences(
            &app,
            &w.manager,
            json!({ "employeeId": w.walter, "status": "PENDING", "from": "2027-06-01" }),
            None
        )
        .await,
        std::slice::from_ref(&walter_other)
    );
    // Nothing of another company, even when asked for.
    assert!(
        absences(&app, &w.manager, json!({ "companyId": w.other }), None)
            .await
            .is_empty()
    );
    assert!(
        absences(&app, &w.manager, json!({ "employeeId": w.otto }), None)
            .await
            .is_empty()
    );

    // An employee: only their own, whatever the filter says.
    let own = vec![emma_june.clone(), emma_sick.clone()];
    assert_eq!(absences(&app, &w.emma, json!({}), None).await, own);
    assert_eq!(
        absences(&app, &w.emma, json!({ "companyId": w.acme }), None).await,
        own
    );
    assert!(
        absences(&app, &w.emma, json!({ "employeeId": w.walter }), None)
            .await
            .is_empty()
    );

    // A manager of another company: none of Acme's.
    assert!(
        absences(&app, &w.outsider, json!({ "companyId": w.acme }), None)
            .await
            .is_empty()
    );
    assert!(
        absences(&app, &w.outsider, json!({ "employeeId": w.walter }), None)
            .await
            .is_empty()
    );
    assert_eq!(absences(&app, &w.outsider, json!({}), None).await, [otto]);
}

// Holidays -----------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn company_holidays_replace_a_year_and_respect_finalized_weeks() {
    let app = TestApp::new().await;
    let w = world(&app, "UTC").await;
    let body = set_holidays(&app, &w.head, &w.acme, 2026, &[("2026-12-25", "Christmas")]).await;
    ok(&body, "setCompanyHolidays");

    let body = set_holidays(
        &app,
        &w.head,
        &w.acme,
        2027,
        &[
            ("2027-12-25", "Christmas"),
            ("2027-03-10", "Spring Day"),
            ("2027-03-12", "Founders"),
        ],
    )
    .await;
    let spring = [
        ("2027-03-10", "Spring Day"),
        ("2027-03-12", "Founders"),
        ("2027-12-25", "Christmas"),
    ];
    assert_eq!(
        holiday_list(ok(&body, "setCompanyHolidays")),
        pairs(&spring),
        "by date"
    );
    // Everyone of the company sees them; another company's manager does not.
    let body = holidays_as(&app, &w.emma, &w.acme, 2027).await;
    assert_eq!(holiday_list(ok(&body, "holidays")), pairs(&spring));
    not_found(&holidays_as(&app, &w.outsider, &w.acme, 2027).await);

    // Replacing the year: those not listed go, kept ones take their new name; 2026 stays.
    let body = set_holidays(
        &app,
        &w.head,
        &w.acme,
        2027,
        &[("2027-05-01", "May Day"), ("2027-03-12", "Founders' Day")],
    )
    .await;
    let replaced = [("2027-03-12", "Founders' Day"), ("2027-05-01", "May Day")];
    assert_eq!(
        holiday_list(ok(&body, "setCompanyHolidays")),
        pairs(&replaced)
    );
    let body = holidays_as(&app, &w.head, &w.acme, 2027).await;
    assert_eq!(holiday_list(ok(&body, "holidays")), pairs(&replaced));
    let body = holidays_as(&app, &w.head, &w.acme, 2026).await;
    assert_eq!(
        holiday_list(ok(&body, "holidays")),
        pairs(&[("2026-12-25", "Christmas")])
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM company_holidays WHERE company_id = {}",
            w.acme
        ))
        .await,
        3
    );

    // Who may, and what a list must be.
    refused(
        &set_holidays(&app, &w.manager, &w.acme, 2027, &[]).await,
        "FORBIDDEN",
        "LEVEL_TOO_LOW",
    );
    not_found(&set_holidays(&app, &w.head, &w.other, 2027, &[]).await);
    bad_input(
        &set_holidays(&app, &w.head, &w.acme, 2027, &[("2028-01-01", "Next year")]).await,
        "holidays",
    );
    bad_input(
        &set_holidays(
            &app,
            &w.head,
            &w.acme,
            2027,
            &[("2027-05-01", "A"), ("2027-05-01", "B")],
        )
        .await,
        "holidays",
    );
    bad_input(
        &set_holidays(&app, &w.head, &w.acme, 2027, &[("2027-05-01", "  ")]).await,
        "holidays",
    );

    // Walter's week of 2027-03-07 is finalized: the days that would come or go there are
    // refused, the whole change with them.
    shift(
        &app,
        &w.manager,
        &w.walter,
        day("2027-03-08"),
        "09:00",
        "17:00",
    )
    .await;
    finalize_by_sql(&app, &w.walter, day("2027-03-08")).await;
    for holidays in [
        vec![("2027-05-01", "May Day")],
        vec![
            ("2027-03-11", "New"),
            ("2027-03-12", "Founders' Day"),
            ("2027-05-01", "May Day"),
        ],
        vec![
            ("2027-03-07", "Sunday"),
            ("2027-03-12", "Founders' Day"),
            ("2027-05-01", "May Day"),
        ],
    ] {
        let body = set_holidays(&app, &w.head, &w.acme, 2027, &holidays).await;
        refused(&body, "CONFLICT", "WEEK_FINALIZED");
        let body = holidays_as(&app, &w.head, &w.acme, 2027).await;
        assert_eq!(
            holiday_list(ok(&body, "holidays")),
            pairs(&replaced),
            "unchanged"
        );
    }
    // Renaming a day of that week touches nothing; days of other weeks come and go freely.
    let body = set_holidays(
        &app,
        &w.head,
        &w.acme,
        2027,
        &[("2027-03-12", "Founders"), ("2027-03-14", "Pi Day")],
    )
    .await;
    assert_eq!(
        holiday_list(ok(&body, "setCompanyHolidays")),
        pairs(&[("2027-03-12", "Founders"), ("2027-03-14", "Pi Day")])
    );
    // By SQL too.
    assert_eq!(
        refused_by_database(
            &app,
            &format!(
                "DELETE FROM company_holidays WHERE company_id = {} AND date = '2027-03-12'",
                w.acme
            )
        )
        .await,
        "week_finalized"
    );
}

// Totals -------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn a_weeks_totals_follow_the_companys_breaks_overtime_and_absences() {
    let app = TestApp::new().await;
    let w = world(&app, "UTC").await;
    let policy = update_policy(
        &app,
        &w.head,
        &w.acme,
        json!({
            "workingDays": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"],
            "standardDayMinutes": 480,
            "breakRules": [{ "afterMinutes": 360, "minutes": 30 }, { "afterMinutes": 540, "minutes": 45 }],
            "overtimeWeeklyMinutes": 600,
            "overtimeDailyMinutes": 480,
        }),
    )
    .await;
    assert_eq!(
        policy["breakRules"],
        json!([{ "afterMinutes": 360, "minutes": 30 }, { "afterMinutes": 540, "minutes": 45 }])
    );
    assert_eq!(
        (
            &policy["overtimeWeeklyMinutes"],
            &policy["overtimeDailyMinutes"],
            &policy["standardDayMinutes"]
        ),
        (&json!(600), &json!(480), &json!(480))
    );

    let week = day("2027-03-07");
    let (sun, mon, tue, wed, thu, fri, sat) = (
        week,
        week + Duration::days(1),
        week + Duration::days(2),
        week + Duration::days(3),
        week + Duration::days(4),
        week + Duration::days(5),
        week + Duration::days(6),
    );
    // Sunday: two hours off (a partial absence counts its minutes, even on a day off).
    let mut partial = absence(&w.walter, "VACATION", &sun.to_string(), &sun.to_string());
    partial["minutesPerDay"] = json!(120);
    approved_absence(&app, &w, partial, None).await;
    // Monday: 8 h reported without a break (30 min owed), 8 h planned, 8 h 5 min clocked.
    shift(&app, &w.manager, &w.walter, mon, "09:00", "17:00").await;
    entry(&app, &w.manager, &w.walter, mon, "09:00", "17:00", 0).await;
    app.session(&w.walter, at(mon, 9, 0), Some(at(mon, 17, 5)))
        .await;
    // Tuesday: 10 h with a stated 30 min break (nothing added), 9 h planned.
    shift(&app, &w.manager, &w.walter, tue, "08:00", "17:00").await;
    entry(&app, &w.manager, &w.walter, tue, "08:00", "18:00", 30).await;
    // Wednesday and Thursday off sick: Wednesday counts its shift, Thursday a standard day.
    shift(&app, &w.manager, &w.walter, wed, "10:00", "16:00").await;
    approved_absence(
        &app,
        &w,
        absence(&w.walter, "SICK", &wed.to_string(), &thu.to_string()),
        None,
    )
    .await;
    // Friday: a company holiday. Saturday: a whole day off, on a day off.
    ok(
        &set_holidays(
            &app,
            &w.head,
            &w.acme,
            2027,
            &[("2027-03-12", "Founders' Day")],
        )
        .await,
        "setCompanyHolidays",
    );
    approved_absence(
        &app,
        &w,
        absence(&w.walter, "OTHER", &sat.to_string(), &sat.to_string()),
        None,
    )
    .await;

    // [scheduled, worked, clocked, break, autoBreak, overtime, absence, difference]
    let (days, totals) = week_totals(&app, &w.manager, &w.walter, week).await;
    let expected: BTreeMap<String, [i64; 8]> = [
        (sun, [0, 0, 0, 0, 0, 0, 120, 120]),
        (mon, [480, 450, 485, 0, 30, 0, 0, -30]),
        (tue, [540, 570, 0, 30, 0, 90, 0, 30]),
        (wed, [360, 0, 0, 0, 0, 0, 360, 0]),
        (thu, [0, 0, 0, 0, 0, 0, 480, 480]),
        (fri, [0, 0, 0, 0, 0, 0, 480, 480]),
        (sat, [0, 0, 0, 0, 0, 0, 0, 0]),
    ]
    .into_iter()
    .map(|(date, minutes)| (date.to_string(), minutes))
    .collect();
    assert_eq!(days, expected);
    // Overtime: 1020 worked is 420 past the week's 600; the days' excess is 90: the larger,
    // not both.
    assert_eq!(totals, [1380, 1020, 485, 30, 30, 420, 1440, 1080]);

    // A holiday counts the shift of the day it falls on.
    shift(&app, &w.manager, &w.emma_record, fri, "12:00", "14:00").await;
    let (emma_days, _) = week_totals(&app, &w.manager, &w.emma_record, week).await;
    assert_eq!(emma_days[&fri.to_string()], [120, 0, 0, 0, 0, 0, 120, 0]);
    assert_eq!(
        emma_days[&thu.to_string()],
        [0; 8],
        "Walter's absence is his"
    );

    // The days' excess wins when the week's threshold is high...
    update_policy(
        &app,
        &w.head,
        &w.acme,
        json!({ "overtimeWeeklyMinutes": 1000 }),
    )
    .await;
    let (_, totals) = week_totals(&app, &w.manager, &w.walter, week).await;
    assert_eq!(totals[5], 90, "max(1020 − 1000, 90)");
    // ... and without a daily threshold only the week counts.
    update_policy(
        &app,
        &w.head,
        &w.acme,
        json!({ "overtimeDailyMinutes": null }),
    )
    .await;
    let (days, totals) = week_totals(&app, &w.manager, &w.walter, week).await;
    assert_eq!(days[&tue.to_string()][5], 0);
    assert_eq!(totals[5], 20);

    // Working days and the standard day are the company's: Saturday now counts.
    let policy = update_policy(
        &app,
        &w.head,
        &w.acme,
        json!({
            "workingDays": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"],
            "standardDayMinutes": 420,
        }),
    )
    .await;
    assert_eq!(
        policy["workingDays"].as_array().map(Vec::len),
        Some(6),
        "{policy}"
    );
    let (days, totals) = week_totals(&app, &w.manager, &w.walter, week).await;
    assert_eq!(
        days[&wed.to_string()][6],
        360,
        "the shift, not the standard day"
    );
    assert_eq!(days[&thu.to_string()][6], 420);
    assert_eq!(days[&fri.to_string()][6], 420);
    assert_eq!(days[&sat.to_string()][6], 420);
    assert_eq!(totals[6], 120 + 360 + 420 * 3);
    assert_eq!(totals[7], 1020 + 1740 - 1380);

    // Pending and rejected absences count nothing.
    let next = week + Duration::days(7);
    let pending = requested(
        &app,
        &w.manager,
        absence(&w.walter, "VACATION", "2027-03-15", "2027-03-15"),
    )
    .await;
    let rejected = requested(
        &app,
        &w.manager,
        absence(&w.walter, "VACATION", "2027-03-16", "2027-03-16"),
    )
    .await;
    ok(
        &reject(&app, &w.head, &rejected, "no").await,
        "rejectAbsence",
    );
    let (_, totals) = week_totals(&app, &w.manager, &w.walter, next).await;
    assert_eq!(
        totals[6], 0,
        "pending {pending} and rejected {rejected} count nothing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn paid_absences_and_holidays_on_working_days_reduce_the_annual_balance() {
    let app = TestApp::new().await;
    let w = world(&app, "UTC").await;
    let walter = &w.walter;
    assert_hours(balance(&app, &w.manager, walter, 2027).await, 1000.0);

    // Paid by default: two working days of 8 h.
    approved_absence(
        &app,
        &w,
        absence(walter, "VACATION", "2027-03-08", "2027-03-09"),
        None,
    )
    .await;
    assert_hours(balance(&app, &w.manager, walter, 2027).await, 984.0);
    // Unpaid: OTHER by default, SICK when told so.
    approved_absence(
        &app,
        &w,
        absence(walter, "OTHER", "2027-03-10", "2027-03-10"),
        None,
    )
    .await;
    approved_absence(
        &app,
        &w,
        absence(walter, "SICK", "2027-03-11", "2027-03-11"),
        Some(false),
    )
    .await;
    assert_hours(balance(&app, &w.manager, walter, 2027).await, 984.0);
    // Pending and rejected: nothing.
    requested(
        &app,
        &w.manager,
        absence(walter, "VACATION", "2027-04-05", "2027-04-09"),
    )
    .await;
    let rejected = requested(
        &app,
        &w.manager,
        absence(walter, "VACATION", "2027-04-12", "2027-04-16"),
    )
    .await;
    ok(
        &reject(&app, &w.head, &rejected, "no").await,
        "rejectAbsence",
    );
    assert_hours(balance(&app, &w.manager, walter, 2027).await, 984.0);
    // Friday to Sunday: only Friday is a working day.
    approved_absence(
        &app,
        &w,
        absence(walter, "VACATION", "2027-03-12", "2027-03-14"),
        None,
    )
    .await;
    assert_hours(balance(&app, &w.manager, walter, 2027).await, 976.0);
    // Part of a day: its minutes.
    let mut partial = absence(walter, "VACATION", "2027-03-15", "2027-03-15");
    partial["minutesPerDay"] = json!(120);
    approved_absence(&app, &w, partial, None).await;
    assert_hours(balance(&app, &w.manager, walter, 2027).await, 974.0);
    // A day with a 4 h shift: the shift.
    shift(
        &app,
        &w.manager,
        walter,
        day("2027-03-16"),
        "10:00",
        "14:00",
    )
    .await;
    approved_absence(
        &app,
        &w,
        absence(walter, "SICK", "2027-03-16", "2027-03-16"),
        None,
    )
    .await;
    assert_hours(balance(&app, &w.manager, walter, 2027).await, 970.0);
    // Holidays: a working day counts, a Saturday does not, a day already paid not twice.
    ok(
        &set_holidays(
            &app,
            &w.head,
            &w.acme,
            2027,
            &[
                ("2027-03-22", "Monday off"),
                ("2027-03-20", "Saturday"),
                ("2027-03-08", "Doubled"),
            ],
        )
        .await,
        "setCompanyHolidays",
    );
    assert_hours(balance(&app, &w.manager, walter, 2027).await, 962.0);
    // Other years and other employees are untouched.
    assert_hours(balance(&app, &w.manager, walter, 2026).await, 1000.0);
    assert_hours(
        balance(&app, &w.manager, &w.emma_record, 2027).await,
        1000.0 - 16.0,
    );
    assert_hours(balance(&app, &w.outsider, &w.otto, 2027).await, 1000.0);
}

// The lock of a finalized week ---------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn a_finalized_week_locks_its_absences_in_the_api_and_in_the_database() {
    let app = TestApp::new().await;
    let w = world(&app, "UTC").await;
    let walter = &w.walter;
    let locked = approved_absence(
        &app,
        &w,
        absence(walter, "VACATION", "2027-03-09", "2027-03-10"),
        None,
    )
    .await;
    let later = approved_absence(
        &app,
        &w,
        absence(walter, "VACATION", "2027-03-16", "2027-03-16"),
        None,
    )
    .await;
    let pending = requested(
        &app,
        &w.manager,
        absence(walter, "SICK", "2027-03-11", "2027-03-11"),
    )
    .await;
    let crossing = requested(
        &app,
        &w.manager,
        absence(walter, "OTHER", "2027-03-13", "2027-03-15"),
    )
    .await;
    shift(
        &app,
        &w.manager,
        walter,
        day("2027-03-08"),
        "09:00",
        "17:00",
    )
    .await;
    finalize_by_sql(&app, walter, day("2027-03-08")).await;

    // Direct SQL: changing, deleting, moving out of or into the week.
    for statement in [
        format!("UPDATE absences SET note = 'changed' WHERE id = {locked}"),
        format!("UPDATE absences SET paid = false WHERE id = {locked}"),
        format!("DELETE FROM absences WHERE id = {locked}"),
        format!(
            "UPDATE absences SET starts_on = '2027-03-23', ends_on = '2027-03-24' WHERE id = {locked}"
        ),
        format!(
            "UPDATE absences SET starts_on = '2027-03-12', ends_on = '2027-03-12' WHERE id = {later}"
        ),
        format!(
            "INSERT INTO absences (employee_id, kind, starts_on, ends_on, status, paid) \
             VALUES ({walter}, 'SICK', '2027-03-12', '2027-03-12', 'APPROVED', true)"
        ),
    ] {
        assert_eq!(
            refused_by_database(&app, &statement).await,
            "week_finalized",
            "{statement}"
        );
    }
    assert_eq!(
        app.texts(&format!(
            "SELECT starts_on || ' ' || ends_on || ' ' || status || ' ' || paid || ' ' || coalesce(note, '-') AS t \
             FROM absences WHERE id IN ({locked}, {later}) ORDER BY id"
        ))
        .await,
        ["2027-03-09 2027-03-10 APPROVED true -", "2027-03-16 2027-03-16 APPROVED true -"]
    );

    // The API: no request, decision or cancellation touching the week.
    let body = request(
        &app,
        &w.manager,
        absence(walter, "SICK", "2027-03-12", "2027-03-12"),
    )
    .await;
    refused(&body, "CONFLICT", "WEEK_FINALIZED");
    let body = request(
        &app,
        &w.manager,
        absence(walter, "SICK", "2027-03-06", "2027-03-07"),
    )
    .await;
    refused(&body, "CONFLICT", "WEEK_FINALIZED");
    refused(
        &approve(&app, &w.head, &pending, None).await,
        "CONFLICT",
        "WEEK_FINALIZED",
    );
    refused(
        &reject(&app, &w.head, &pending, "no").await,
        "CONFLICT",
        "WEEK_FINALIZED",
    );
    refused(
        &cancel(&app, &w.manager, &pending).await,
        "CONFLICT",
        "WEEK_FINALIZED",
    );
    refused(
        &approve(&app, &w.head, &crossing, None).await,
        "CONFLICT",
        "WEEK_FINALIZED",
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM absences WHERE id IN ({pending}, {crossing}) AND status = 'PENDING'"
        ))
        .await,
        2
    );
    // Other weeks and other employees are free.
    requested(
        &app,
        &w.manager,
        absence(walter, "SICK", "2027-03-17", "2027-03-17"),
    )
    .await;
    requested(
        &app,
        &w.manager,
        absence(&w.emma_record, "SICK", "2027-03-09", "2027-03-09"),
    )
    .await;

    // Reopened, the week takes changes again.
    app.sql(&format!(
        "UPDATE timesheets SET status = 'HOURS_REVIEWED', finalized_at = NULL WHERE employee_id = {walter}"
    ))
    .await;
    approved(&app, &w.head, &pending, None).await;
    app.sql(&format!(
        "UPDATE absences SET note = 'changed' WHERE id = {locked}"
    ))
    .await;
}

// The report job -----------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn a_missed_shift_is_reported_once_after_the_grace_unless_absent_or_a_holiday() {
    let app = TestApp::new().await;
    let w = world(&app, "Europe/Berlin").await;
    let policy = update_policy(&app, &w.head, &w.acme, json!({ "noShowGraceMinutes": 20 })).await;
    assert_eq!(policy["noShowGraceMinutes"], 20);
    let (mon, tue, wed) = (day("2026-11-23"), day("2026-11-24"), day("2026-11-25"));
    let week = sunday_of(mon);

    let missed = shift(&app, &w.manager, &w.walter, mon, "09:00", "17:00").await;
    // Emma is away that Monday; Tuesday is a holiday for everyone.
    let emma_monday = shift(&app, &w.manager, &w.emma_record, mon, "09:00", "17:00").await;
    approved_absence(
        &app,
        &w,
        absence(&w.emma_record, "VACATION", "2026-11-23", "2026-11-23"),
        None,
    )
    .await;
    let walter_holiday = shift(&app, &w.manager, &w.walter, tue, "09:00", "17:00").await;
    let mia_holiday = shift(&app, &w.manager, &w.mia, tue, "09:00", "17:00").await;
    ok(
        &set_holidays(
            &app,
            &w.head,
            &w.acme,
            2026,
            &[("2026-11-24", "Local holiday")],
        )
        .await,
        "setCompanyHolidays",
    );
    // A pending or rejected absence excuses nothing.
    let emma_wednesday = shift(&app, &w.manager, &w.emma_record, wed, "09:00", "17:00").await;
    requested(
        &app,
        &w.emma,
        absence(&w.emma_record, "SICK", "2026-11-25", "2026-11-25"),
    )
    .await;
    let mia_wednesday = shift(&app, &w.manager, &w.mia, wed, "09:00", "17:00").await;
    let rejected = requested(
        &app,
        &w.manager,
        absence(&w.mia, "SICK", "2026-11-25", "2026-11-25"),
    )
    .await;
    ok(
        &reject(&app, &w.head, &rejected, "no").await,
        "rejectAbsence",
    );

    // Before the grace has passed: nothing. At 09:20 Berlin: the one no-show.
    assert_eq!(round(&app, cet(mon, 9, 19)).await, reported(0, 0, 0));
    assert_eq!(shift_reports(&app, &missed, "NO_SHOW").await, 0);
    assert_eq!(round(&app, cet(mon, 9, 20)).await, reported(1, 0, 0));
    // Again, and on another instance: nothing more.
    assert_eq!(round(&app, cet(mon, 12, 0)).await, reported(0, 0, 0));
    let second = app.second_instance().await;
    assert_eq!(round(&second, cet(mon, 12, 0)).await, reported(0, 0, 0));
    assert_eq!(
        round(&second, cet(tue, 12, 0)).await,
        reported(0, 0, 0),
        "a holiday"
    );
    assert_eq!(round(&app, cet(wed, 10, 0)).await, reported(2, 0, 0));
    assert_eq!(round(&second, cet(wed, 18, 0)).await, reported(0, 0, 0));

    for (shift, expected) in [
        (&missed, 1),
        (&emma_monday, 0),
        (&walter_holiday, 0),
        (&mia_holiday, 0),
        (&emma_wednesday, 1),
        (&mia_wednesday, 1),
    ] {
        assert_eq!(
            shift_reports(&app, shift, "NO_SHOW").await,
            expected,
            "shift {shift}"
        );
    }
    assert_eq!(
        app.count("SELECT count(*) AS n FROM timesheet_notes").await,
        3
    );
    // As the sheet shows it: a report without an author, on the shift, open.
    let notes = notes_of(&app, &w.manager, &w.walter, week).await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    let note = &notes[0];
    assert_eq!(
        (
            &note["kind"],
            &note["reportType"],
            &note["scheduleEntryId"],
            &note["body"]
        ),
        (
            &json!("REPORT"),
            &json!("NO_SHOW"),
            &json!(missed),
            &json!("No clock-in for the shift of 2026-11-23 at 09:00–17:00")
        ),
        "{note}"
    );
    assert!(
        note["author"].is_null() && note["resolvedAt"].is_null(),
        "{note}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_late_clock_in_resolves_the_no_show_and_is_reported_late() {
    let app = TestApp::new().await;
    let w = world(&app, "Europe/Berlin").await;
    let (thu, fri) = (day("2026-11-26"), day("2026-11-27"));
    let week = sunday_of(thu);
    let late = shift(&app, &w.manager, &w.walter, thu, "09:00", "17:00").await;
    // In time (within the grace), and already clocked in from before the shift: no report.
    let on_time = shift(&app, &w.manager, &w.emma_record, fri, "09:00", "17:00").await;
    app.session(&w.emma_record, cet(fri, 9, 10), Some(cet(fri, 12, 0)))
        .await;
    let early = shift(&app, &w.manager, &w.mia, fri, "09:00", "17:00").await;
    app.session(&w.mia, cet(fri, 8, 15), None).await;

    assert_eq!(round(&app, cet(thu, 9, 14)).await, reported(0, 0, 0));
    assert_eq!(round(&app, cet(thu, 9, 15)).await, reported(1, 0, 0));
    // Walter clocks in at 09:40 (a manager clocks him in then).
    clock_in_at(&app, &w.manager, &w.walter, cet(thu, 9, 40)).await;
    // A round before that moment sees no late start yet.
    assert_eq!(round(&app, cet(thu, 9, 30)).await, reported(0, 0, 0));
    assert_eq!(round(&app, cet(thu, 9, 41)).await, reported(0, 1, 0));
    clock_out_at(&app, &w.manager, &w.walter, cet(thu, 17, 0)).await;
    assert_eq!(round(&app, cet(thu, 12, 0)).await, reported(0, 0, 0));
    let second = app.second_instance().await;
    assert_eq!(round(&second, cet(thu, 18, 0)).await, reported(0, 0, 0));
    assert_eq!(shift_reports(&app, &late, "NO_SHOW").await, 1);
    assert_eq!(shift_reports(&app, &late, "LATE").await, 1);

    let notes = notes_of(&app, &w.manager, &w.walter, week).await;
    let [no_show, late_note] = notes.as_slice() else {
        panic!("two notes expected: {notes:?}");
    };
    assert_eq!(no_show["reportType"], "NO_SHOW");
    assert_eq!(
        no_show["resolvedAt"],
        json!(iso(cet(thu, 9, 41))),
        "resolved by the round"
    );
    assert!(no_show["resolvedBy"].is_null(), "{no_show}");
    assert_eq!(
        (
            &late_note["kind"],
            &late_note["reportType"],
            &late_note["scheduleEntryId"],
            &late_note["body"]
        ),
        (
            &json!("REPORT"),
            &json!("LATE"),
            &json!(late),
            &json!("Clocked in at 09:40 for the shift of 2026-11-26 at 09:00")
        ),
        "{late_note}"
    );
    assert!(
        late_note["author"].is_null() && late_note["resolvedAt"].is_null(),
        "{late_note}"
    );

    // Friday. A session that ended more than an hour before a shift does not count.
    let night = shift(&app, &w.manager, &w.walter, fri, "13:00", "17:00").await;
    app.session(&w.walter, cet(fri, 6, 0), Some(cet(fri, 11, 30)))
        .await;
    assert_eq!(round(&app, cet(fri, 14, 0)).await, reported(1, 0, 0));
    assert_eq!(shift_reports(&app, &on_time, "NO_SHOW").await, 0);
    assert_eq!(shift_reports(&app, &early, "NO_SHOW").await, 0);
    assert_eq!(shift_reports(&app, &night, "NO_SHOW").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_left_open_is_reported_once_on_the_week_it_started() {
    let app = TestApp::new().await;
    let w = world(&app, "Europe/Berlin").await;
    let policy = update_policy(&app, &w.head, &w.acme, json!({ "maxOpenHours": 10 })).await;
    assert_eq!(policy["maxOpenHours"], 10);
    // Saturday 23:30 UTC is Sunday 00:30 in Berlin: the week of 2026-11-29 there.
    let start = at(day("2026-11-28"), 23, 30);
    let session = clock_in_at(&app, &w.manager, &w.walter, start).await;
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM timesheets WHERE employee_id = {} AND week = '2026-11-29'",
            w.walter
        ))
        .await,
        0,
        "no sheet yet"
    );

    assert_eq!(
        round(&app, start + Duration::minutes(599)).await,
        reported(0, 0, 0)
    );
    assert_eq!(
        round(&app, start + Duration::hours(10)).await,
        reported(0, 0, 1)
    );
    assert_eq!(
        round(&app, start + Duration::hours(11)).await,
        reported(0, 0, 0)
    );
    let second = app.second_instance().await;
    assert_eq!(
        round(&second, start + Duration::hours(30)).await,
        reported(0, 0, 0)
    );
    assert_eq!(session_reports(&app, &session).await, 1);

    let notes = notes_of(&app, &w.manager, &w.walter, day("2026-11-29")).await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(
        (
            &notes[0]["reportType"],
            &notes[0]["workSession"]["id"],
            &notes[0]["body"]
        ),
        (
            &json!("MISSED_CLOCK_OUT"),
            &json!(session),
            &json!("Still clocked in since 2026-11-29 00:30")
        )
    );
    assert!(notes[0]["author"].is_null(), "{}", notes[0]);
    assert!(
        notes_of(&app, &w.manager, &w.walter, day("2026-11-22"))
            .await
            .is_empty()
    );
    assert_eq!(
        app.texts(&format!(
            "SELECT week::text || ' ' || time_zone AS t FROM timesheets WHERE employee_id = {}",
            w.walter
        ))
        .await,
        ["2026-11-29 Europe/Berlin"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_round_cut_short_or_a_restart_leaves_exactly_one_report_per_item() {
    let app = TestApp::new().await;
    let w = world(&app, "Europe/Berlin").await;
    let mon = day("2026-11-23");
    let first_shift = shift(&app, &w.manager, &w.walter, mon, "09:00", "17:00").await;
    let second_shift = shift(&app, &w.manager, &w.emma_record, mon, "13:00", "17:00").await;
    // Open since 06:00 UTC; 16 h later (the default) it is a missed clock-out.
    let open = app.session(&w.mia, at(mon, 6, 0), None).await;

    // An instance starts a round and dies before it commits: while it holds the shift, the
    // other instance's round leaves it alone; once it is gone, nothing of it remains.
    let first = app.second_instance().await;
    let mut dying = AsyncPgConnection::establish(&app.database_url)
        .await
        .expect("a connection");
    let pid = {
        #[derive(diesel::QueryableByName)]
        struct Pid {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            pid: i64,
        }
        diesel::sql_query("SELECT pg_backend_pid()::bigint AS pid")
            .get_result::<Pid>(&mut dying)
            .await
            .expect("its pid")
            .pid
    };
    dying.batch_execute("BEGIN").await.expect("BEGIN");
    let written = queries::report_no_shows(&mut dying, cet(mon, 9, 30))
        .await
        .expect("half a round");
    assert_eq!(written, 1);
    assert_eq!(round(&first, cet(mon, 9, 30)).await, reported(0, 0, 0));
    app.sql(&format!("SELECT pg_terminate_backend({pid}, 10000)"))
        .await;
    drop(dying);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE pid = {pid}"
        ))
        .await,
        0,
        "the dying connection is gone"
    );
    assert_eq!(shift_reports(&app, &first_shift, "NO_SHOW").await, 0);
    first.app.lifecycle.shutdown.cancel();
    drop(first);

    // A new instance, later: the lost report and the one now due, each once.
    let second = app.second_instance().await;
    assert_eq!(round(&second, cet(mon, 14, 0)).await, reported(2, 0, 0));
    second.app.lifecycle.shutdown.cancel();
    drop(second);
    // Another, later still: the missed clock-out, and nothing twice.
    let third = app.second_instance().await;
    assert_eq!(round(&third, at(mon, 22, 0)).await, reported(0, 0, 1));
    third.app.lifecycle.shutdown.cancel();
    drop(third);
    assert_eq!(round(&app, at(mon, 23, 0)).await, reported(0, 0, 0));

    assert_eq!(shift_reports(&app, &first_shift, "NO_SHOW").await, 1);
    assert_eq!(shift_reports(&app, &second_shift, "NO_SHOW").await, 1);
    assert_eq!(session_reports(&app, &open).await, 1);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM timesheet_notes").await,
        3
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_instances_running_a_round_at_once_write_each_report_once() {
    let app = TestApp::new().await;
    let w = world(&app, "Europe/Berlin").await;
    let second = app.second_instance().await;
    let mon = day("2026-11-23");
    let mut shifts = Vec::new();
    for employee in [&w.walter, &w.emma_record, &w.mia] {
        shifts.push(shift(&app, &w.manager, employee, mon, "09:00", "17:00").await);
    }
    let mut sessions = Vec::new();
    for i in 0..4 {
        let employee = app.employee(&w.acme, &format!("Night Owl {i}"), None).await;
        sessions.push(
            app.session(&employee, at(day("2026-11-22"), 8, i), None)
                .await,
        );
    }
    let latecomer = app.employee(&w.acme, "Larry Late", None).await;
    let late = shift(&app, &w.manager, &latecomer, mon, "09:00", "17:00").await;
    app.session(&latecomer, cet(mon, 9, 30), Some(cet(mon, 16, 0)))
        .await;

    let now = cet(mon, 10, 0);
    let (a, b) = tokio::join!(round(&app, now), round(&second, now));
    assert_eq!(a.no_shows + b.no_shows, 4, "{a:?} {b:?}");
    assert_eq!(a.late_starts + b.late_starts, 1, "{a:?} {b:?}");
    assert_eq!(a.missed_clock_outs + b.missed_clock_outs, 4, "{a:?} {b:?}");
    let (a, b) = tokio::join!(
        round(&app, now + Duration::hours(1)),
        round(&second, now + Duration::hours(1))
    );
    assert_eq!((a, b), (reported(0, 0, 0), reported(0, 0, 0)));

    for shift in &shifts {
        assert_eq!(
            shift_reports(&app, shift, "NO_SHOW").await,
            1,
            "shift {shift}"
        );
        assert_eq!(shift_reports(&app, shift, "LATE").await, 0, "shift {shift}");
    }
    assert_eq!(shift_reports(&app, &late, "NO_SHOW").await, 1);
    assert_eq!(shift_reports(&app, &late, "LATE").await, 1);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM timesheet_notes WHERE schedule_entry_id = {late} \
             AND report_type = 'NO_SHOW' AND resolved_at IS NOT NULL"
        ))
        .await,
        1
    );
    for session in &sessions {
        assert_eq!(session_reports(&app, session).await, 1, "session {session}");
    }
    assert_eq!(
        app.count("SELECT count(*) AS n FROM timesheet_notes").await,
        9
    );
}

// The CSV export -----------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn the_csv_export_serves_head_managers_a_safe_file_and_records_it() {
    let app = TestApp::new().await;
    let w = world(&app, "UTC").await;
    let (addr, _server) = app.spawn_server().await;
    let formula = app.employee(&w.acme, "=SUM(A1)", None).await;
    let jane = app.employee(&w.acme, "Doe, Jane", None).await;
    let archived = app.employee(&w.acme, "Archie Archived", None).await;
    app.sql(&format!(
        "UPDATE employees SET active = false WHERE id = {archived}"
    ))
    .await;
    // Next week (so that a session there is still to come: its clocked time is negative).
    let week = sunday_of(Utc::now().date_naive()) + Duration::days(7);
    let monday = week + Duration::days(1);
    shift(&app, &w.manager, &jane, monday, "09:00", "17:00").await;
    entry(&app, &w.manager, &jane, monday, "09:00", "17:00", 30).await;
    app.sql(&format!(
        "UPDATE timesheets SET status = 'HOURS_REVIEWED' WHERE employee_id = {jane}"
    ))
    .await;
    app.session(&formula, at(monday, 9, 0), None).await;
    let kiosk = app
        .gql_as(
            &w.head,
            REGISTER_KIOSK,
            json!({ "company": w.acme, "name": "Front" }),
        )
        .await;
    let kiosk = ok(&kiosk, "registerKiosk")["token"]
        .as_str()
        .expect("a token")
        .to_owned();

    let target = |company: &str, week: &str| {
        format!("/exports/timesheets.csv?companyId={company}&week={week}")
    };
    let wednesday = (week + Duration::days(3)).to_string();
    let good = target(&w.acme, &wednesday);
    let bearer = |user: &TestUser| format!("Bearer {}", user.access);

    // Refusals, each with the usual JSON error body.
    for (authorization, target, status, code, reason) in [
        (None, good.clone(), 401, "UNAUTHENTICATED", None),
        (
            Some("Bearer not-a-token".to_owned()),
            good.clone(),
            401,
            "UNAUTHENTICATED",
            None,
        ),
        (
            Some(bearer(&w.manager)),
            good.clone(),
            403,
            "FORBIDDEN",
            Some("LEVEL_TOO_LOW"),
        ),
        (
            Some(bearer(&w.emma)),
            good.clone(),
            403,
            "FORBIDDEN",
            Some("LEVEL_TOO_LOW"),
        ),
        (
            Some(format!("Bearer {kiosk}")),
            good.clone(),
            403,
            "FORBIDDEN",
            Some("KIOSK_TOKEN"),
        ),
        (
            Some(bearer(&w.head)),
            target(&w.other, &wednesday),
            404,
            "NOT_FOUND",
            None,
        ),
        (
            Some(bearer(&w.head)),
            target("999999", &wednesday),
            404,
            "NOT_FOUND",
            None,
        ),
    ] {
        let answer = http_get(addr, &target, authorization.as_deref()).await;
        assert_eq!(
            answer.status, status,
            "{target} {authorization:?}: {}",
            answer.body
        );
        assert!(
            answer
                .header("content-type")
                .starts_with("application/json"),
            "{}",
            answer.body
        );
        let body = answer.json();
        assert_eq!(first_error_code(&body), code, "{body}");
        if let Some(reason) = reason {
            assert_eq!(first_error_reason(&body), reason, "{body}");
        }
    }
    for (target, field) in [
        (
            format!("/exports/timesheets.csv?companyId={}", w.acme),
            "week",
        ),
        (target(&w.acme, "2027-02-30"), "week"),
        (target(&w.acme, "next-week"), "week"),
        (
            format!("/exports/timesheets.csv?week={wednesday}"),
            "companyId",
        ),
        (target("abc", &wednesday), "companyId"),
        (target("-1", &wednesday), "companyId"),
    ] {
        let answer = http_get(addr, &target, Some(&bearer(&w.head))).await;
        assert_eq!(answer.status, 400, "{target}: {}", answer.body);
        let body = answer.json();
        assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(first_error_field(&body), field, "{body}");
    }
    assert_eq!(
        app.count("SELECT count(*) AS n FROM timesheet_exports")
            .await,
        0
    );

    // The file.
    let answer = http_get(addr, &good, Some(&bearer(&w.head))).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        answer.header("content-type").starts_with("text/csv"),
        "{:?}",
        answer.headers
    );
    let csv = &answer.body;
    assert!(csv.ends_with("\r\n"), "{csv:?}");
    assert_eq!(
        csv.matches('\n').count(),
        csv.matches("\r\n").count(),
        "every line ends with CRLF: {csv:?}"
    );
    let lines: Vec<&str> = csv.trim_end_matches("\r\n").split("\r\n").collect();
    assert_eq!(
        lines[0],
        "employee_id,employee_name,date,scheduled_minutes,worked_minutes,clocked_minutes,\
         break_minutes,overtime_minutes,absence_minutes,difference_minutes,status"
    );
    let active = [&w.mia, &w.emma_record, &w.walter, &formula, &jane];
    assert_eq!(lines.len(), 1 + active.len() * 7, "{csv}");
    let rows: Vec<Vec<String>> = lines[1..].iter().map(|line| csv_fields(line)).collect();
    assert!(rows.iter().all(|row| row.len() == 11), "{csv}");
    let dates: Vec<String> = (0..7)
        .map(|i| (week + Duration::days(i)).to_string())
        .collect();
    for employee in active {
        let days: Vec<&str> = rows
            .iter()
            .filter(|row| &row[0] == employee)
            .map(|row| row[2].as_str())
            .collect();
        assert_eq!(days, dates, "the week of employee {employee}");
    }
    assert!(
        !rows
            .iter()
            .any(|row| row[0] == archived || row[0] == w.otto),
        "{csv}"
    );

    let line_of = |employee: &str, date: NaiveDate| {
        lines
            .iter()
            .find(|line| {
                line.starts_with(&format!("{employee},")) && line.contains(&format!(",{date},"))
            })
            .unwrap_or_else(|| panic!("no row of {employee} on {date}: {csv}"))
            .to_string()
    };
    // A name with a comma is quoted; the numbers are plain.
    assert_eq!(
        line_of(&jane, monday),
        format!("{jane},\"Doe, Jane\",{monday},480,450,0,30,0,0,-30,HOURS_REVIEWED")
    );
    assert_eq!(
        line_of(&jane, week),
        format!("{jane},\"Doe, Jane\",{week},0,0,0,0,0,0,0,HOURS_REVIEWED")
    );
    // A name a spreadsheet would run as a formula is defused; a negative difference (Jane's
    // Monday, above) stays a plain number.
    let formula_line = line_of(&formula, monday);
    let fields = csv_fields(&formula_line);
    assert!(
        formula_line.starts_with(&format!("{formula},'=SUM(A1),")),
        "{formula_line}"
    );
    assert_eq!(fields[1], "'=SUM(A1)");
    assert_eq!(fields[10], "DRAFT");
    assert_eq!(
        line_of(&w.walter, week + Duration::days(6)),
        format!(
            "{},Walter Worker,{},0,0,0,0,0,0,0,DRAFT",
            w.walter,
            week + Duration::days(6)
        )
    );

    // Recorded: who, which company, which week (its Sunday).
    assert_eq!(
        app.texts(
            "SELECT user_id || ' ' || company_id || ' ' || week || ' ' \
             || (at > now() - interval '1 minute') AS t FROM timesheet_exports"
        )
        .await,
        [format!("{} {} {week} true", w.head.id, w.acme)]
    );
}

// Found while writing these tests -------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn shifts_and_sessions_with_system_reports_can_all_be_deleted() {
    let app = TestApp::new().await;
    let w = world(&app, "UTC").await;
    let (mon, tue) = (day("2026-11-23"), day("2026-11-24"));
    // Two shifts of one sheet, both missed.
    let shifts = [
        shift(&app, &w.manager, &w.walter, mon, "09:00", "12:00").await,
        shift(&app, &w.manager, &w.walter, mon, "13:00", "17:00").await,
    ];
    assert_eq!(round(&app, at(mon, 18, 0)).await, reported(2, 0, 0));
    // Two sessions of one sheet, each left open past 16 hours (the first closed later).
    let first = app.session(&w.emma_record, at(mon, 6, 0), None).await;
    assert_eq!(round(&app, at(mon, 22, 0)).await, reported(0, 0, 1));
    app.sql(&format!(
        "UPDATE work_sessions SET ended_at = '{}' WHERE id = {first}",
        iso(at(mon, 23, 0))
    ))
    .await;
    let second = app.session(&w.emma_record, at(tue, 6, 0), None).await;
    assert_eq!(round(&app, at(tue, 22, 0)).await, reported(0, 0, 1));

    // The plan was wrong: both shifts go (their reports stay, about no shift any more).
    for shift in &shifts {
        let body = app
            .gql_as(
                &w.manager,
                "mutation ($id: ID!) { deleteScheduleEntry(id: $id) }",
                json!({ "id": shift }),
            )
            .await;
        assert_eq!(
            ok(&body, "deleteScheduleEntry"),
            &json!(true),
            "shift {shift}: {body}"
        );
    }
    // So do both sessions.
    for session in [&first, &second] {
        let body = app
            .gql_as(
                &w.manager,
                crate::common::workforce::DELETE_SESSION,
                json!({ "id": session, "reason": "clocked by mistake" }),
            )
            .await;
        assert_eq!(
            ok(&body, "deleteWorkSession"),
            &json!(true),
            "session {session}: {body}"
        );
    }
    assert_eq!(
        app.count("SELECT count(*) AS n FROM timesheet_notes WHERE author_id IS NULL")
            .await,
        4
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_holiday_moved_by_sql_into_or_out_of_a_finalized_week_is_refused() {
    let app = TestApp::new().await;
    let w = world(&app, "UTC").await;
    ok(
        &set_holidays(
            &app,
            &w.head,
            &w.acme,
            2027,
            &[("2027-03-12", "Founders"), ("2027-05-01", "May Day")],
        )
        .await,
        "setCompanyHolidays",
    );
    shift(
        &app,
        &w.manager,
        &w.walter,
        day("2027-03-08"),
        "09:00",
        "17:00",
    )
    .await;
    finalize_by_sql(&app, &w.walter, day("2027-03-08")).await;
    for statement in [
        // Into the finalized week.
        format!(
            "UPDATE company_holidays SET date = '2027-03-11' WHERE company_id = {} AND date = '2027-05-01'",
            w.acme
        ),
        // Out of it.
        format!(
            "UPDATE company_holidays SET date = '2027-05-02' WHERE company_id = {} AND date = '2027-03-12'",
            w.acme
        ),
    ] {
        assert_eq!(
            refused_by_database(&app, &statement).await,
            "week_finalized",
            "{statement}"
        );
    }
}
