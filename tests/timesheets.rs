//! Timesheets as their people live them: an employee's week from DRAFT to FINALIZED and back,
//! with the locks each step puts on hours, shifts and sessions, every refusal with its reason,
//! the lock the database itself keeps on a finalized week, weeks and entries across clock
//! changes and zone moves, clocked time copied into reported hours, schedules copied between
//! weeks, the list of sheets, who reaches what at every level, the statements a nested list
//! costs, and the live events a manager hears.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use rollcall::auth::identity::{AccountStatus, Role};
use serde_json::{Value, json};

use crate::common::accounts::{PASSWORD, TestUser, first_error_reason};
use crate::common::id_of;
use crate::common::workforce::{
    CLOCK_IN, CREATE_SESSION, NodeSubscription, UPDATE_SESSION, first_error_field, iso,
};
use crate::common::{TestApp, first_error_code};

// Operations ---------------------------------------------------------------------------------

/// What every test reads of a sheet.
const SHEET: &str = "id week timeZone start end status submittedAt hoursSubmittedAt \
    hoursReviewedAt scheduleSubmittedAt finalizedAt hoursSubmittedBy { username } \
    hoursReviewedBy { username } scheduleSubmittedBy { username } finalizedBy { username }";

const TIMESHEET: &str = "query ($employee: ID!, $week: Date!) {
    timesheet(employeeId: $employee, weekOf: $week) {
        id week timeZone start end status submittedAt hoursSubmittedAt hoursReviewedAt
        scheduleSubmittedAt finalizedAt
        entries { id date start end minutes breakMinutes source differsFromClock workSession { id } }
        schedule { id date start end location minutes }
        timeEntries { date minutes end session { id } }
        notes { id kind reportType body resolvedAt author { username } }
        history { action from to actor { username } reason }
        days { date totals { scheduledMinutes workedMinutes clockedMinutes breakMinutes } }
        totals { scheduledMinutes workedMinutes clockedMinutes breakMinutes differenceMinutes }
    }
}";
const ADD_ENTRY: &str = "mutation ($input: CreateTimesheetEntryInput!) {
    addTimesheetEntry(input: $input) {
        id date start end startsAt endsAt minutes breakMinutes source differsFromClock comment
    }
}";
const UPDATE_ENTRY: &str = "mutation ($id: ID!, $input: UpdateTimesheetEntryInput!) {
    updateTimesheetEntry(id: $id, input: $input) { id date start end minutes breakMinutes comment }
}";
const DELETE_ENTRY: &str = "mutation ($id: ID!) { deleteTimesheetEntry(id: $id) }";
const IMPORT: &str = "mutation ($sheet: ID!) { importClockedTime(timesheetId: $sheet) {
    id status entries { id date start end minutes source differsFromClock workSession { id } }
} }";
const ADD_SHIFT: &str = "mutation ($input: CreateScheduleEntryInput!) {
    addScheduleEntry(input: $input) { id date start end startsAt endsAt location minutes }
}";
const UPDATE_SHIFT: &str = "mutation ($id: ID!, $input: UpdateScheduleEntryInput!) {
    updateScheduleEntry(id: $id, input: $input) { id date start end location minutes }
}";
const DELETE_SHIFT: &str = "mutation ($id: ID!) { deleteScheduleEntry(id: $id) }";
const COPY_SCHEDULE: &str = "mutation ($company: ID!, $from: Date!, $to: Date!) {
    copySchedule(companyId: $company, fromWeek: $from, toWeek: $to) { copied skipped }
}";
const ADD_NOTE: &str = "mutation ($input: CreateNoteInput!) {
    addNote(input: $input) { id kind reportType body resolvedAt author { username } timesheet { id } }
}";
const RESOLVE_NOTE: &str =
    "mutation ($id: ID!) { resolveNote(id: $id) { id resolvedAt resolvedBy { username } } }";
const UPDATE_COMPANY: &str = "mutation ($id: ID!, $zone: String) {
    updateCompany(id: $id, input: {timeZone: $zone}) { id timeZone }
}";

// Helpers ------------------------------------------------------------------------------------

/// The Sunday that starts the week of `day`.
fn sunday_of(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_sunday()))
}

/// The Sunday of the week `weeks` weeks before this one (after it, when negative), in UTC.
fn weeks_ago(weeks: i64) -> NaiveDate {
    sunday_of(Utc::now().date_naive()) - Duration::weeks(weeks)
}

/// `days` days after `day`.
fn plus(day: NaiveDate, days: i64) -> NaiveDate {
    day + Duration::days(days)
}

/// `day` at `hour`:`minute` UTC.
fn at(day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(hour, minute, 0).expect("a time"))
}

/// A `Timesheet.id`.
fn sheet_id(employee: &str, week: NaiveDate) -> String {
    format!("{employee}:{week}")
}

/// The field `field` of the data of a response that has no errors.
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
    assert!(body["data"].is_null(), "{body}");
}

/// Asserts that a response is BAD_USER_INPUT on `field`.
#[track_caller]
fn bad_input(body: &Value, field: &str) {
    assert_eq!(first_error_code(body), "BAD_USER_INPUT", "{body}");
    assert_eq!(first_error_field(body), field, "{body}");
}

/// Takes `sheet` through the workflow step `operation` (one without a reason) as `viewer`.
async fn step(app: &TestApp, viewer: &TestUser, operation: &str, sheet: &str) -> Value {
    app.gql_as(
        viewer,
        &format!("mutation ($sheet: ID!) {{ {operation}(timesheetId: $sheet) {{ {SHEET} }} }}"),
        json!({ "sheet": sheet }),
    )
    .await
}

/// Takes `sheet` through `operation` (`rejectHours`, `reopenTimesheet`) for `reason`.
async fn step_for(
    app: &TestApp,
    viewer: &TestUser,
    operation: &str,
    sheet: &str,
    reason: &str,
) -> Value {
    app.gql_as(
        viewer,
        &format!(
            "mutation ($sheet: ID!, $reason: String!) \
             {{ {operation}(timesheetId: $sheet, reason: $reason) {{ {SHEET} }} }}"
        ),
        json!({ "sheet": sheet, "reason": reason }),
    )
    .await
}

/// Reports hours on `sheet` as `viewer`.
async fn add_entry(
    app: &TestApp,
    viewer: &TestUser,
    sheet: &str,
    date: NaiveDate,
    start: &str,
    end: &str,
    break_minutes: Option<i32>,
) -> Value {
    app.gql_as(
        viewer,
        ADD_ENTRY,
        json!({ "input": {
            "timesheetId": sheet, "date": date.to_string(), "start": start, "end": end,
            "breakMinutes": break_minutes,
        } }),
    )
    .await
}

/// Plans a shift on `sheet` as `viewer`.
async fn add_shift(
    app: &TestApp,
    viewer: &TestUser,
    sheet: &str,
    date: NaiveDate,
    start: &str,
    end: &str,
) -> Value {
    app.gql_as(
        viewer,
        ADD_SHIFT,
        json!({ "input": {
            "timesheetId": sheet, "date": date.to_string(), "start": start, "end": end,
            "location": "Front desk",
        } }),
    )
    .await
}

/// Adds a note to `sheet` as `viewer`.
async fn add_note(
    app: &TestApp,
    viewer: &TestUser,
    sheet: &str,
    kind: &str,
    report_type: Option<&str>,
    body: &str,
) -> Value {
    app.gql_as(
        viewer,
        ADD_NOTE,
        json!({ "input": {
            "timesheetId": sheet, "kind": kind, "reportType": report_type, "body": body,
        } }),
    )
    .await
}

/// The sheet of `employee` for the week holding `week`, as `viewer` reads it.
async fn read_sheet(app: &TestApp, viewer: &TestUser, employee: &str, week: NaiveDate) -> Value {
    let body = app
        .gql_as(
            viewer,
            TIMESHEET,
            json!({ "employee": employee, "week": week.to_string() }),
        )
        .await;
    ok(&body, "timesheet").clone()
}

/// The usual people of a company: Alpha (UTC), its employee Eve (an account with her record),
/// Walt (a record without an account), manager Max and head manager Hal.
struct Staff {
    alpha: String,
    eve: TestUser,
    eve_record: String,
    walt: String,
    max: TestUser,
    hal: TestUser,
}

async fn staff(app: &TestApp) -> Staff {
    let eve = app.member("eve", Role::Employee, Some("Alpha")).await;
    let max = app.member("max", Role::Manager, Some("Alpha")).await;
    let hal = app.member("hal", Role::HeadManager, Some("Alpha")).await;
    let alpha = app.company_named("Alpha").await;
    let eve_record = app.employee(&alpha, "Eve", Some(&eve.id)).await;
    let walt = app.employee(&alpha, "Walt", None).await;
    Staff {
        alpha,
        eve,
        eve_record,
        walt,
        max,
        hal,
    }
}

/// A sheet's row straight in the database (in UTC), in `status`, its schedule submitted or not.
async fn sheet_row(app: &TestApp, employee: &str, week: NaiveDate, status: &str, schedule: bool) {
    let schedule = if schedule { "now()" } else { "NULL" };
    app.sql(&format!(
        "INSERT INTO timesheets (employee_id, week, time_zone, period, status, \
           hours_submitted_at, hours_reviewed_at, schedule_submitted_at, finalized_at) \
         VALUES ({employee}, '{week}', 'UTC', rollcall_week_period('{week}', 'UTC'), '{status}', \
           CASE WHEN '{status}' <> 'DRAFT' THEN now() END, \
           CASE WHEN '{status}' IN ('HOURS_REVIEWED', 'FINALIZED') THEN now() END, \
           {schedule}, CASE WHEN '{status}' = 'FINALIZED' THEN now() END)"
    ))
    .await;
}

/// An entry straight in the database (its sheet's row must exist); answers its id.
async fn entry_row(
    app: &TestApp,
    employee: &str,
    date: NaiveDate,
    start: &str,
    end: &str,
) -> String {
    app.id(&format!(
        "INSERT INTO timesheet_entries (employee_id, date, start_time, end_time, source) \
         VALUES ({employee}, '{date}', '{start}', '{end}', 'MANUAL') RETURNING id AS n"
    ))
    .await
}

/// A shift straight in the database (its sheet's row must exist); answers its id.
async fn shift_row(
    app: &TestApp,
    employee: &str,
    date: NaiveDate,
    start: &str,
    end: &str,
) -> String {
    app.id(&format!(
        "INSERT INTO schedule_entries (employee_id, date, start_time, end_time) \
         VALUES ({employee}, '{date}', '{start}', '{end}') RETURNING id AS n"
    ))
    .await
}

/// An open report by `author` straight in the database (its sheet's row must exist); answers
/// its id.
async fn report_row(app: &TestApp, employee: &str, week: NaiveDate, author: &str) -> String {
    app.id(&format!(
        "INSERT INTO timesheet_notes (employee_id, week, kind, report_type, body, author_id) \
         VALUES ({employee}, '{week}', 'REPORT', 'OTHER', 'Check this week', {author}) \
         RETURNING id AS n"
    ))
    .await
}

/// Runs SQL on the test's database and answers how it failed, if it did: the message, and the
/// constraint PostgreSQL names.
async fn try_sql(app: &TestApp, statement: &str) -> Result<usize, String> {
    use diesel_async::RunQueryDsl;
    let mut conn = app.app.pool.get().await.expect("connection");
    diesel::sql_query(statement)
        .execute(&mut conn)
        .await
        .map_err(|error| match &error {
            diesel::result::Error::DatabaseError(kind, info) => format!(
                "{kind:?}: {} (constraint {})",
                info.message(),
                info.constraint_name().unwrap_or("none")
            ),
            other => other.to_string(),
        })
}

/// Takes Walt's week through the API to FINALIZED, with an entry, a shift and a closed session
/// in it: Max submits (Walt has no account) and reviews the hours and submits the schedule, Hal
/// finalizes. Answers the ids of the entry, the shift and the session.
async fn finalized_week(app: &TestApp, staff: &Staff, week: NaiveDate) -> (String, String, String) {
    let sheet = sheet_id(&staff.walt, week);
    let monday = plus(week, 1);
    let entry = add_entry(app, &staff.max, &sheet, monday, "09:00", "17:00", None).await;
    let entry = id_of(ok(&entry, "addTimesheetEntry"));
    let shift = add_shift(app, &staff.max, &sheet, monday, "09:00", "17:00").await;
    let shift = id_of(ok(&shift, "addScheduleEntry"));
    let session = app
        .session(&staff.walt, at(monday, 9, 0), Some(at(monday, 17, 0)))
        .await;
    for (viewer, operation) in [
        (&staff.max, "submitHours"),
        (&staff.max, "reviewHours"),
        (&staff.max, "submitSchedule"),
        (&staff.hal, "finalizeTimesheet"),
    ] {
        let body = step(app, viewer, operation, &sheet).await;
        ok(&body, operation);
    }
    (entry, shift, session)
}

// The workflow -------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn a_week_goes_from_draft_to_finalized_and_back_with_real_roles_and_keeps_its_history() {
    let app = TestApp::new().await;
    let staff = staff(&app).await;
    let (eve, max, hal) = (&staff.eve, &staff.max, &staff.hal);
    let week = weeks_ago(3);
    let (monday, tuesday) = (plus(week, 1), plus(week, 2));
    let sheet = sheet_id(&staff.eve_record, week);

    // A week nobody wrote for reads as DRAFT, and reading writes nothing.
    let fresh = read_sheet(&app, eve, &staff.eve_record, tuesday).await;
    assert_eq!(fresh["id"], sheet.as_str());
    assert_eq!(fresh["week"], week.to_string());
    assert_eq!(fresh["status"], "DRAFT");
    assert_eq!(fresh["start"], iso(at(week, 0, 0)));
    assert_eq!(fresh["end"], iso(at(plus(week, 7), 0, 0)));
    assert_eq!(fresh["history"], json!([]));
    assert_eq!(fresh["days"].as_array().expect("days").len(), 7);
    assert_eq!(app.count("SELECT count(*) AS n FROM timesheets").await, 0);

    // Eve reports her hours in DRAFT.
    let first = add_entry(&app, eve, &sheet, monday, "09:00", "17:00", Some(30)).await;
    let first = ok(&first, "addTimesheetEntry").clone();
    assert_eq!(first["minutes"], 450, "{first}");
    assert_eq!(first["breakMinutes"], 30);
    assert_eq!(first["source"], "MANUAL");
    assert_eq!(first["differsFromClock"], false);
    assert_eq!(first["startsAt"], iso(at(monday, 9, 0)));
    assert_eq!(first["endsAt"], iso(at(monday, 17, 0)));
    let first = id_of(&first);
    let second = add_entry(&app, eve, &sheet, tuesday, "08:00", "12:00", None).await;
    let second = ok(&second, "addTimesheetEntry").clone();
    assert_eq!(second["minutes"], 240, "{second}");
    let second = id_of(&second);
    let draft = read_sheet(&app, eve, &staff.eve_record, week).await;
    assert_eq!(draft["status"], "DRAFT");
    assert_eq!(draft["submittedAt"], Value::Null);
    assert_eq!(
        draft["totals"],
        json!({ "scheduledMinutes": 0, "workedMinutes": 690, "clockedMinutes": 0,
                "breakMinutes": 30, "differenceMinutes": 690 })
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM timesheets WHERE employee_id = {} AND week = '{week}' \
             AND time_zone = 'UTC' AND status = 'DRAFT'",
            staff.eve_record
        ))
        .await,
        1,
        "the first write made the row"
    );

    // She submits: the hours are hers no more.
    let body = step(&app, eve, "submitHours", &sheet).await;
    let submitted = ok(&body, "submitHours");
    assert_eq!(submitted["status"], "HOURS_SUBMITTED");
    assert_eq!(submitted["hoursSubmittedBy"]["username"], "eve");
    assert!(submitted["hoursSubmittedAt"].is_string());
    assert_eq!(submitted["submittedAt"], submitted["hoursSubmittedAt"]);
    let body = add_entry(&app, eve, &sheet, plus(week, 3), "09:00", "10:00", None).await;
    refused(&body, "CONFLICT", "TIMESHEET_LOCKED");
    let body = app
        .gql_as(
            eve,
            UPDATE_ENTRY,
            json!({ "id": second, "input": { "end": "13:00" } }),
        )
        .await;
    refused(&body, "CONFLICT", "TIMESHEET_LOCKED");
    let body = app.gql_as(eve, DELETE_ENTRY, json!({ "id": first })).await;
    refused(&body, "CONFLICT", "TIMESHEET_LOCKED");
    let body = app.gql_as(eve, IMPORT, json!({ "sheet": sheet })).await;
    refused(&body, "CONFLICT", "TIMESHEET_LOCKED");

    // A manager still corrects submitted hours; once reviewed, nobody does.
    let body = app
        .gql_as(
            max,
            UPDATE_ENTRY,
            json!({ "id": second, "input": { "end": "12:30", "comment": "left later" } }),
        )
        .await;
    let corrected = ok(&body, "updateTimesheetEntry");
    assert_eq!(corrected["minutes"], 270, "{body}");
    assert_eq!(corrected["end"], "12:30");
    assert_eq!(corrected["comment"], "left later");
    let body = step(&app, max, "reviewHours", &sheet).await;
    let reviewed = ok(&body, "reviewHours");
    assert_eq!(reviewed["status"], "HOURS_REVIEWED");
    assert_eq!(reviewed["hoursReviewedBy"]["username"], "max");
    assert_eq!(reviewed["submittedAt"], reviewed["hoursReviewedAt"]);
    for viewer in [max, eve] {
        let body = app
            .gql_as(
                viewer,
                UPDATE_ENTRY,
                json!({ "id": second, "input": { "end": "12:00" } }),
            )
            .await;
        refused(&body, "CONFLICT", "TIMESHEET_LOCKED");
    }
    let body = add_entry(&app, max, &sheet, plus(week, 3), "09:00", "10:00", None).await;
    refused(&body, "CONFLICT", "TIMESHEET_LOCKED");
    let body = app.gql_as(max, DELETE_ENTRY, json!({ "id": first })).await;
    refused(&body, "CONFLICT", "TIMESHEET_LOCKED");

    // Sent back: DRAFT, Eve's to change again.
    let body = step_for(&app, max, "rejectHours", &sheet, "  Tuesday ends at noon ").await;
    let rejected = ok(&body, "rejectHours");
    assert_eq!(rejected["status"], "DRAFT");
    assert_eq!(rejected["hoursSubmittedAt"], Value::Null);
    assert_eq!(rejected["hoursReviewedAt"], Value::Null);
    let body = app
        .gql_as(
            eve,
            UPDATE_ENTRY,
            json!({ "id": second, "input": { "end": "12:00", "comment": null } }),
        )
        .await;
    let fixed = ok(&body, "updateTimesheetEntry");
    assert_eq!(fixed["minutes"], 240, "{body}");
    assert_eq!(fixed["comment"], Value::Null);
    ok(&step(&app, eve, "submitHours", &sheet).await, "submitHours");
    ok(&step(&app, max, "reviewHours", &sheet).await, "reviewHours");

    // The schedule: planned, submitted (locked), withdrawn, changed, submitted again.
    let body = add_shift(&app, max, &sheet, monday, "09:00", "17:00").await;
    let shift = ok(&body, "addScheduleEntry");
    assert_eq!(shift["minutes"], 480, "{body}");
    assert_eq!(shift["location"], "Front desk");
    let shift = id_of(shift);
    let body = step(&app, max, "submitSchedule", &sheet).await;
    let planned = ok(&body, "submitSchedule");
    assert_eq!(planned["status"], "HOURS_REVIEWED", "{body}");
    assert_eq!(planned["scheduleSubmittedBy"]["username"], "max");
    assert_eq!(planned["submittedAt"], planned["scheduleSubmittedAt"]);
    let body = add_shift(&app, max, &sheet, tuesday, "08:00", "12:00").await;
    refused(&body, "CONFLICT", "SCHEDULE_LOCKED");
    let body = app
        .gql_as(
            max,
            UPDATE_SHIFT,
            json!({ "id": shift, "input": { "end": "16:00" } }),
        )
        .await;
    refused(&body, "CONFLICT", "SCHEDULE_LOCKED");
    let body = app.gql_as(max, DELETE_SHIFT, json!({ "id": shift })).await;
    refused(&body, "CONFLICT", "SCHEDULE_LOCKED");
    let body = step(&app, max, "submitSchedule", &sheet).await;
    refused(&body, "CONFLICT", "SCHEDULE_LOCKED");
    let body = step(&app, max, "withdrawSchedule", &sheet).await;
    assert_eq!(
        ok(&body, "withdrawSchedule")["scheduleSubmittedAt"],
        Value::Null
    );
    let body = add_shift(&app, max, &sheet, tuesday, "08:00", "12:00").await;
    ok(&body, "addScheduleEntry");
    ok(
        &step(&app, max, "submitSchedule", &sheet).await,
        "submitSchedule",
    );

    // A head manager finalizes the past week; a manager may not.
    let body = step(&app, max, "finalizeTimesheet", &sheet).await;
    refused(&body, "FORBIDDEN", "LEVEL_TOO_LOW");
    let body = step(&app, hal, "finalizeTimesheet", &sheet).await;
    let finalized = ok(&body, "finalizeTimesheet").clone();
    assert_eq!(finalized["status"], "FINALIZED");
    assert_eq!(finalized["finalizedBy"]["username"], "hal");
    assert_eq!(finalized["submittedAt"], finalized["finalizedAt"]);
    let body = add_entry(&app, eve, &sheet, plus(week, 3), "09:00", "10:00", None).await;
    refused(&body, "CONFLICT", "WEEK_FINALIZED");
    let body = add_shift(&app, max, &sheet, plus(week, 3), "09:00", "10:00").await;
    refused(&body, "CONFLICT", "WEEK_FINALIZED");

    // Reopened with a reason: back to HOURS_REVIEWED, the finalization gone.
    let body = step_for(
        &app,
        hal,
        "reopenTimesheet",
        &sheet,
        "Tuesday was a holiday",
    )
    .await;
    let reopened = ok(&body, "reopenTimesheet").clone();
    assert_eq!(reopened["status"], "HOURS_REVIEWED");
    assert_eq!(reopened["finalizedAt"], Value::Null);
    assert_eq!(reopened["finalizedBy"], Value::Null);
    assert!(reopened["scheduleSubmittedAt"].is_string(), "{reopened}");
    assert_eq!(reopened["submittedAt"], reopened["scheduleSubmittedAt"]);

    let read = read_sheet(&app, max, &staff.eve_record, week).await;
    let history: Vec<Value> = read["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|step| {
            json!([
                step["action"],
                step["from"],
                step["to"],
                step["actor"]["username"],
                step["reason"]
            ])
        })
        .collect();
    assert_eq!(
        history,
        [
            json!(["SUBMIT_HOURS", "DRAFT", "HOURS_SUBMITTED", "eve", null]),
            json!([
                "REVIEW_HOURS",
                "HOURS_SUBMITTED",
                "HOURS_REVIEWED",
                "max",
                null
            ]),
            json!([
                "REJECT_HOURS",
                "HOURS_REVIEWED",
                "DRAFT",
                "max",
                "Tuesday ends at noon"
            ]),
            json!(["SUBMIT_HOURS", "DRAFT", "HOURS_SUBMITTED", "eve", null]),
            json!([
                "REVIEW_HOURS",
                "HOURS_SUBMITTED",
                "HOURS_REVIEWED",
                "max",
                null
            ]),
            json!([
                "SUBMIT_SCHEDULE",
                "HOURS_REVIEWED",
                "HOURS_REVIEWED",
                "max",
                null
            ]),
            json!([
                "WITHDRAW_SCHEDULE",
                "HOURS_REVIEWED",
                "HOURS_REVIEWED",
                "max",
                null
            ]),
            json!([
                "SUBMIT_SCHEDULE",
                "HOURS_REVIEWED",
                "HOURS_REVIEWED",
                "max",
                null
            ]),
            json!(["FINALIZE", "HOURS_REVIEWED", "FINALIZED", "hal", null]),
            json!([
                "REOPEN",
                "FINALIZED",
                "HOURS_REVIEWED",
                "hal",
                "Tuesday was a holiday"
            ]),
        ]
    );
    assert_eq!(
        read["totals"],
        json!({ "scheduledMinutes": 720, "workedMinutes": 690, "clockedMinutes": 0,
                "breakMinutes": 30, "differenceMinutes": -30 })
    );
    assert_eq!(
        read["days"][1],
        json!({ "date": monday.to_string(), "totals": { "scheduledMinutes": 480,
                "workedMinutes": 450, "clockedMinutes": 0, "breakMinutes": 30 } })
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM timesheet_transitions")
            .await,
        10
    );
}

// Refusals -----------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn every_step_of_the_workflow_refuses_with_its_reason() {
    let app = TestApp::new().await;
    let staff = staff(&app).await;
    let (eve, max, hal) = (&staff.eve, &staff.max, &staff.hal);
    let max_record = app.employee(&staff.alpha, "Max", Some(&max.id)).await;
    let hal_record = app.employee(&staff.alpha, "Hal", Some(&hal.id)).await;
    let week = weeks_ago(4);
    let walts = sheet_id(&staff.walt, week);

    // INVALID_TRANSITION: a step from the wrong status.
    let body = step(&app, max, "reviewHours", &walts).await;
    refused(&body, "CONFLICT", "INVALID_TRANSITION");
    let body = step_for(&app, max, "rejectHours", &walts, "why").await;
    refused(&body, "CONFLICT", "INVALID_TRANSITION");
    let body = step_for(&app, hal, "reopenTimesheet", &walts, "why").await;
    refused(&body, "CONFLICT", "INVALID_TRANSITION");
    // NOT_REVIEWED before anything is submitted.
    let body = step(&app, hal, "finalizeTimesheet", &walts).await;
    refused(&body, "CONFLICT", "NOT_REVIEWED");

    // NOT_OWN_TIMESHEET: managers submit only for employees without an account.
    let eves = sheet_id(&staff.eve_record, week);
    let body = step(&app, max, "submitHours", &eves).await;
    refused(&body, "FORBIDDEN", "NOT_OWN_TIMESHEET");
    let body = step(&app, eve, "submitHours", &walts).await;
    assert_eq!(first_error_code(&body), "NOT_FOUND", "{body}");
    let body = step(&app, max, "submitHours", &walts).await;
    assert_eq!(ok(&body, "submitHours")["status"], "HOURS_SUBMITTED");
    let body = step(&app, max, "submitHours", &walts).await;
    refused(&body, "CONFLICT", "INVALID_TRANSITION");
    let body = step(&app, hal, "finalizeTimesheet", &walts).await;
    refused(&body, "CONFLICT", "NOT_REVIEWED");
    ok(&step(&app, max, "reviewHours", &walts).await, "reviewHours");
    let body = step(&app, max, "reviewHours", &walts).await;
    refused(&body, "CONFLICT", "INVALID_TRANSITION");

    // SCHEDULE_NOT_SUBMITTED: finalizing, and withdrawing what was never submitted.
    let body = step(&app, hal, "finalizeTimesheet", &walts).await;
    refused(&body, "CONFLICT", "SCHEDULE_NOT_SUBMITTED");
    let body = step(&app, max, "withdrawSchedule", &walts).await;
    refused(&body, "CONFLICT", "SCHEDULE_NOT_SUBMITTED");
    ok(
        &step(&app, max, "submitSchedule", &walts).await,
        "submitSchedule",
    );

    // OPEN_SESSION: a session started in the week is still open.
    let wednesday = plus(week, 3);
    let open = app.session(&staff.walt, at(wednesday, 9, 0), None).await;
    let body = step(&app, hal, "finalizeTimesheet", &walts).await;
    refused(&body, "CONFLICT", "OPEN_SESSION");
    app.sql(&format!(
        "UPDATE work_sessions SET ended_at = started_at + interval '8 hours' WHERE id = {open}"
    ))
    .await;

    // OPEN_REPORTS: an unresolved report; resolving it twice is ALREADY_RESOLVED.
    let body = add_note(&app, max, &walts, "REPORT", Some("LATE"), "Came at ten").await;
    let report = id_of(ok(&body, "addNote"));
    let body = add_note(&app, max, &walts, "COMMENT", None, "Seen").await;
    ok(&body, "addNote");
    let body = step(&app, hal, "finalizeTimesheet", &walts).await;
    refused(&body, "CONFLICT", "OPEN_REPORTS");
    let body = app.gql_as(max, RESOLVE_NOTE, json!({ "id": report })).await;
    refused(&body, "FORBIDDEN", "LEVEL_TOO_LOW");
    let body = app.gql_as(hal, RESOLVE_NOTE, json!({ "id": report })).await;
    let resolved = ok(&body, "resolveNote");
    assert_eq!(resolved["resolvedBy"]["username"], "hal");
    assert!(resolved["resolvedAt"].is_string());
    let body = app.gql_as(hal, RESOLVE_NOTE, json!({ "id": report })).await;
    refused(&body, "CONFLICT", "ALREADY_RESOLVED");
    let body = step(&app, hal, "finalizeTimesheet", &walts).await;
    assert_eq!(ok(&body, "finalizeTimesheet")["status"], "FINALIZED");
    let body = step(&app, hal, "finalizeTimesheet", &walts).await;
    refused(&body, "CONFLICT", "NOT_REVIEWED");
    let body = step_for(&app, max, "rejectHours", &walts, "why").await;
    refused(&body, "CONFLICT", "INVALID_TRANSITION");

    // WEEK_NOT_OVER: this week, however ready.
    let now = sheet_id(&staff.walt, weeks_ago(0));
    for operation in ["submitHours", "reviewHours", "submitSchedule"] {
        ok(&step(&app, max, operation, &now).await, operation);
    }
    let body = step(&app, hal, "finalizeTimesheet", &now).await;
    refused(&body, "CONFLICT", "WEEK_NOT_OVER");

    // SELF_APPROVAL: managers never review, reject, finalize or reopen their own sheets.
    let maxs = sheet_id(&max_record, week);
    let body = add_entry(&app, max, &maxs, plus(week, 1), "09:00", "17:00", None).await;
    ok(&body, "addTimesheetEntry");
    ok(&step(&app, max, "submitHours", &maxs).await, "submitHours");
    // On their own sheet, managers are employees: submitted hours are locked for them.
    let body = add_entry(&app, max, &maxs, plus(week, 2), "09:00", "17:00", None).await;
    refused(&body, "CONFLICT", "TIMESHEET_LOCKED");
    let body = step(&app, max, "reviewHours", &maxs).await;
    refused(&body, "FORBIDDEN", "SELF_APPROVAL");
    let body = step_for(&app, max, "rejectHours", &maxs, "mine").await;
    refused(&body, "FORBIDDEN", "SELF_APPROVAL");
    ok(&step(&app, hal, "reviewHours", &maxs).await, "reviewHours");
    let hals = sheet_id(&hal_record, week);
    ok(&step(&app, hal, "submitHours", &hals).await, "submitHours");
    let body = step(&app, hal, "reviewHours", &hals).await;
    refused(&body, "FORBIDDEN", "SELF_APPROVAL");
    ok(&step(&app, max, "reviewHours", &hals).await, "reviewHours");
    ok(
        &step(&app, max, "submitSchedule", &hals).await,
        "submitSchedule",
    );
    let body = step(&app, hal, "finalizeTimesheet", &hals).await;
    refused(&body, "FORBIDDEN", "SELF_APPROVAL");
    app.sql(&format!(
        "UPDATE timesheets SET status = 'FINALIZED', finalized_at = now() \
         WHERE employee_id = {hal_record} AND week = '{week}'"
    ))
    .await;
    let body = step_for(&app, hal, "reopenTimesheet", &hals, "mine").await;
    refused(&body, "FORBIDDEN", "SELF_APPROVAL");

    // None of the refusals left a step behind.
    let steps = app
        .texts(&format!(
            "SELECT action AS t FROM timesheet_transitions WHERE employee_id = {} ORDER BY id",
            staff.walt
        ))
        .await;
    assert_eq!(
        steps,
        [
            "SUBMIT_HOURS",
            "REVIEW_HOURS",
            "SUBMIT_SCHEDULE",
            "FINALIZE",
            "SUBMIT_HOURS",
            "REVIEW_HOURS",
            "SUBMIT_SCHEDULE",
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_finalized_week_refuses_every_write_of_its_entries_shifts_notes_and_sessions() {
    let app = TestApp::new().await;
    let staff = staff(&app).await;
    let (max, hal) = (&staff.max, &staff.hal);
    let week = weeks_ago(3);
    let sheet = sheet_id(&staff.walt, week);
    let (entry, shift, session) = finalized_week(&app, &staff, week).await;
    let tuesday = plus(week, 2);

    let attempts = [
        (
            "addTimesheetEntry",
            ADD_ENTRY,
            json!({ "input": {
            "timesheetId": sheet, "date": tuesday.to_string(), "start": "09:00", "end": "10:00" } }),
        ),
        (
            "updateTimesheetEntry",
            UPDATE_ENTRY,
            json!({ "id": entry, "input": { "end": "18:00" } }),
        ),
        ("deleteTimesheetEntry", DELETE_ENTRY, json!({ "id": entry })),
        ("importClockedTime", IMPORT, json!({ "sheet": sheet })),
        (
            "addScheduleEntry",
            ADD_SHIFT,
            json!({ "input": {
            "timesheetId": sheet, "date": tuesday.to_string(), "start": "09:00", "end": "10:00" } }),
        ),
        (
            "updateScheduleEntry",
            UPDATE_SHIFT,
            json!({ "id": shift, "input": { "end": "18:00" } }),
        ),
        ("deleteScheduleEntry", DELETE_SHIFT, json!({ "id": shift })),
        (
            "addNote (COMMENT)",
            ADD_NOTE,
            json!({ "input": {
            "timesheetId": sheet, "kind": "COMMENT", "body": "late" } }),
        ),
        (
            "addNote (REPORT)",
            ADD_NOTE,
            json!({ "input": {
            "timesheetId": sheet, "kind": "REPORT", "reportType": "OTHER", "body": "late" } }),
        ),
        (
            "clockIn (backdated by a manager)",
            CLOCK_IN,
            json!({ "input": { "employeeId": staff.walt, "at": iso(at(tuesday, 9, 0)) } }),
        ),
        (
            "createWorkSession",
            CREATE_SESSION,
            json!({ "input": {
            "employeeId": staff.walt, "start": iso(at(tuesday, 9, 0)), "end": iso(at(tuesday, 10, 0)) } }),
        ),
        (
            "updateWorkSession",
            UPDATE_SESSION,
            json!({
            "id": session, "input": { "end": iso(at(plus(week, 1), 18, 0)) }, "reason": "late" }),
        ),
        (
            "deleteWorkSession",
            "mutation ($id: ID!) { deleteWorkSession(id: $id, reason: \"gone\") }",
            json!({ "id": session }),
        ),
        (
            "submitSchedule",
            "mutation ($sheet: ID!) { submitSchedule(timesheetId: $sheet) { id } }",
            json!({ "sheet": sheet }),
        ),
        (
            "withdrawSchedule",
            "mutation ($sheet: ID!) { withdrawSchedule(timesheetId: $sheet) { id } }",
            json!({ "sheet": sheet }),
        ),
    ];
    let mut failures = Vec::new();
    for (operation, query, variables) in &attempts {
        let body = app.gql_as(hal, query, variables.clone()).await;
        let code = body["errors"][0]["extensions"]["code"].as_str();
        let reason = body["errors"][0]["extensions"]["reason"].as_str();
        if (code, reason) != (Some("CONFLICT"), Some("WEEK_FINALIZED")) {
            failures.push(format!("{operation}: {body}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Nothing changed.
    let read = read_sheet(&app, max, &staff.walt, week).await;
    assert_eq!(read["status"], "FINALIZED");
    assert_eq!(
        read["entries"].as_array().expect("entries").len(),
        1,
        "{read}"
    );
    assert_eq!(read["entries"][0]["end"], "17:00");
    assert_eq!(read["schedule"].as_array().expect("shifts").len(), 1);
    assert_eq!(read["schedule"][0]["end"], "17:00");
    assert_eq!(read["notes"], json!([]));
    assert_eq!(read["timeEntries"].as_array().expect("sessions").len(), 1);
    assert_eq!(read["timeEntries"][0]["minutes"], 480);

    // Reopened, the week takes writes again (within the locks of its status).
    let body = step_for(&app, hal, "reopenTimesheet", &sheet, "a missing hour").await;
    ok(&body, "reopenTimesheet");
    let body = app
        .gql_as(
            max,
            UPDATE_ENTRY,
            json!({ "id": entry, "input": { "end": "18:00" } }),
        )
        .await;
    refused(&body, "CONFLICT", "TIMESHEET_LOCKED");
    let body = app
        .gql_as(
            max,
            UPDATE_SHIFT,
            json!({ "id": shift, "input": { "end": "18:00" } }),
        )
        .await;
    refused(&body, "CONFLICT", "SCHEDULE_LOCKED");
    ok(
        &step(&app, max, "withdrawSchedule", &sheet).await,
        "withdrawSchedule",
    );
    let body = app
        .gql_as(
            max,
            UPDATE_SHIFT,
            json!({ "id": shift, "input": { "end": "18:00" } }),
        )
        .await;
    assert_eq!(ok(&body, "updateScheduleEntry")["minutes"], 540);
    let body = app
        .gql_as(
            max,
            UPDATE_SESSION,
            json!({ "id": session, "input": { "end": iso(at(plus(week, 1), 18, 0)) }, "reason": "late" }),
        )
        .await;
    ok(&body, "updateWorkSession");
    let body = add_note(&app, max, &sheet, "COMMENT", None, "Fixed").await;
    ok(&body, "addNote");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_database_refuses_direct_changes_to_a_finalized_week() {
    let app = TestApp::new().await;
    let staff = staff(&app).await;
    let week = weeks_ago(3);
    let (entry, shift, session) = finalized_week(&app, &staff, week).await;
    let walt = &staff.walt;
    let wednesday = plus(week, 3);

    for statement in [
        format!("UPDATE timesheet_entries SET end_time = '18:00' WHERE id = {entry}"),
        format!("UPDATE timesheet_entries SET date = date + 7 WHERE id = {entry}"),
        format!("DELETE FROM timesheet_entries WHERE id = {entry}"),
        format!(
            "INSERT INTO timesheet_entries (employee_id, date, start_time, end_time, source) \
             VALUES ({walt}, '{wednesday}', '09:00', '10:00', 'MANUAL')"
        ),
        format!("UPDATE schedule_entries SET location = 'Elsewhere' WHERE id = {shift}"),
        format!("DELETE FROM schedule_entries WHERE id = {shift}"),
        format!(
            "INSERT INTO schedule_entries (employee_id, date, start_time, end_time) \
             VALUES ({walt}, '{wednesday}', '09:00', '10:00')"
        ),
        format!(
            "UPDATE work_sessions SET ended_at = ended_at + interval '1 hour' WHERE id = {session}"
        ),
        format!(
            "UPDATE work_sessions SET started_at = started_at + interval '14 days' WHERE id = {session}"
        ),
        format!("DELETE FROM work_sessions WHERE id = {session}"),
        format!(
            "INSERT INTO work_sessions (employee_id, started_at, ended_at, source) \
             VALUES ({walt}, '{}', '{}', 'CLOCK')",
            iso(at(wednesday, 9, 0)),
            iso(at(wednesday, 10, 0))
        ),
        format!(
            "INSERT INTO timesheet_notes (employee_id, week, kind, body) \
             VALUES ({walt}, '{week}', 'COMMENT', 'late')"
        ),
    ] {
        let refusal = try_sql(&app, &statement).await;
        match refusal {
            Err(error) => assert!(
                error.contains("week_finalized") && error.starts_with("CheckViolation"),
                "{statement}: {error}"
            ),
            Ok(rows) => panic!("{statement}: accepted ({rows} rows)"),
        }
    }
    assert_eq!(
        app.texts(&format!(
            "SELECT end_time::text || ' ' || (SELECT coalesce(location, '') FROM schedule_entries \
               WHERE id = {shift}) || ' ' || (SELECT ended_at - started_at FROM work_sessions \
               WHERE id = {session})::text AS t FROM timesheet_entries WHERE id = {entry}"
        ))
        .await,
        ["17:00:00 Front desk 08:00:00"]
    );

    // Other weeks of the employee, and other employees' same week, stay writable.
    let earlier = plus(week, -6);
    let earlier = app
        .session(walt, at(earlier, 9, 0), Some(at(earlier, 10, 0)))
        .await;
    assert_eq!(
        try_sql(
            &app,
            &format!("UPDATE work_sessions SET ended_at = ended_at + interval '1 hour' WHERE id = {earlier}"),
        )
        .await,
        Ok(1),
        "another week"
    );
    let other = app
        .session(
            &staff.eve_record,
            at(wednesday, 9, 0),
            Some(at(wednesday, 10, 0)),
        )
        .await;
    assert_eq!(
        try_sql(
            &app,
            &format!("UPDATE work_sessions SET ended_at = ended_at + interval '1 hour' WHERE id = {other}"),
        )
        .await,
        Ok(1),
        "another employee's session"
    );

    // Once reopened, the same statements pass.
    app.sql(&format!(
        "UPDATE timesheets SET status = 'HOURS_REVIEWED' WHERE employee_id = {walt} AND week = '{week}'"
    ))
    .await;
    for statement in [
        format!("UPDATE timesheet_entries SET end_time = '18:00' WHERE id = {entry}"),
        format!("UPDATE schedule_entries SET location = 'Elsewhere' WHERE id = {shift}"),
        format!(
            "UPDATE work_sessions SET ended_at = ended_at + interval '1 hour' WHERE id = {session}"
        ),
    ] {
        assert_eq!(try_sql(&app, &statement).await, Ok(1), "{statement}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn entries_shifts_and_notes_refuse_bad_input_and_overlaps() {
    let app = TestApp::new().await;
    let staff = staff(&app).await;
    let (eve, max, hal) = (&staff.eve, &staff.max, &staff.hal);
    let week = weeks_ago(2);
    let sheet = sheet_id(&staff.walt, week);
    let (sunday, monday) = (week, plus(week, 1));

    // A date outside the sheet's week, on adding and on moving.
    for date in [plus(week, -1), plus(week, 7)] {
        let body = add_entry(&app, max, &sheet, date, "09:00", "10:00", None).await;
        bad_input(&body, "date");
        let body = add_shift(&app, max, &sheet, date, "09:00", "10:00").await;
        bad_input(&body, "date");
    }
    let body = add_entry(&app, max, &sheet, monday, "09:00", "17:00", None).await;
    let entry = id_of(ok(&body, "addTimesheetEntry"));
    let body = app
        .gql_as(
            max,
            UPDATE_ENTRY,
            json!({ "id": entry, "input": { "date": plus(week, 7).to_string() } }),
        )
        .await;
    bad_input(&body, "date");
    // Breaks: never negative, always shorter than the entry.
    let body = add_entry(&app, max, &sheet, monday, "18:00", "19:00", Some(-5)).await;
    bad_input(&body, "breakMinutes");
    let body = app
        .gql_as(
            max,
            UPDATE_ENTRY,
            json!({ "id": entry, "input": { "breakMinutes": 480 } }),
        )
        .await;
    bad_input(&body, "breakMinutes");
    assert_eq!(first_error_reason(&body), "BREAK_TOO_LONG", "{body}");
    // Not a timesheet id: the week's day must be its Sunday.
    let body = add_entry(
        &app,
        max,
        &sheet_id(&staff.walt, monday),
        monday,
        "09:00",
        "10:00",
        None,
    )
    .await;
    bad_input(&body, "timesheetId");
    let body = app
        .gql_as(
            max,
            ADD_ENTRY,
            json!({ "input": { "timesheetId": sheet, "date": monday.to_string(), "start": "9:00", "end": "10:00" } }),
        )
        .await;
    assert!(body["errors"].is_array(), "{body}");

    // SCHEDULE_OVERLAP: shifts of one employee never overlap, across midnight too.
    let body = add_shift(&app, max, &sheet, sunday, "22:00", "06:00").await;
    let night = ok(&body, "addScheduleEntry");
    assert_eq!(night["minutes"], 480, "{body}");
    assert_eq!(night["endsAt"], iso(at(monday, 6, 0)));
    let body = add_shift(&app, max, &sheet, monday, "05:00", "07:00").await;
    refused(&body, "CONFLICT", "SCHEDULE_OVERLAP");
    assert_eq!(first_error_field(&body), "start");
    let body = add_shift(&app, max, &sheet, monday, "09:00", "17:00").await;
    let day = id_of(ok(&body, "addScheduleEntry"));
    let body = add_shift(&app, max, &sheet, monday, "16:00", "18:00").await;
    refused(&body, "CONFLICT", "SCHEDULE_OVERLAP");
    let body = add_shift(&app, max, &sheet, monday, "17:00", "18:00").await;
    let evening = id_of(ok(&body, "addScheduleEntry"));
    let body = app
        .gql_as(
            max,
            UPDATE_SHIFT,
            json!({ "id": evening, "input": { "start": "16:30" } }),
        )
        .await;
    refused(&body, "CONFLICT", "SCHEDULE_OVERLAP");
    let body = app
        .gql_as(
            max,
            UPDATE_SHIFT,
            json!({ "id": day, "input": { "date": plus(week, 7).to_string() } }),
        )
        .await;
    bad_input(&body, "date");
    // Another employee's shifts are not in the way.
    let eves = sheet_id(&staff.eve_record, week);
    let body = add_shift(&app, max, &eves, monday, "16:00", "18:00").await;
    ok(&body, "addScheduleEntry");
    // Employees do not plan.
    let body = add_shift(&app, eve, &eves, plus(week, 2), "09:00", "10:00").await;
    refused(&body, "FORBIDDEN", "LEVEL_TOO_LOW");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM schedule_entries WHERE employee_id = {}",
            staff.walt
        ))
        .await,
        3
    );

    // Notes: a report says what it reports, a comment does not; reports are for managers.
    let body = add_note(&app, max, &sheet, "REPORT", None, "Late").await;
    bad_input(&body, "reportType");
    let body = add_note(&app, max, &sheet, "COMMENT", Some("LATE"), "Late").await;
    bad_input(&body, "reportType");
    let body = add_note(&app, max, &sheet, "COMMENT", None, "   ").await;
    bad_input(&body, "body");
    let body = add_note(&app, eve, &eves, "REPORT", Some("OTHER"), "Me").await;
    refused(&body, "FORBIDDEN", "LEVEL_TOO_LOW");
    let body = add_note(&app, eve, &eves, "COMMENT", None, "Monday was long").await;
    let comment = ok(&body, "addNote");
    assert_eq!(comment["author"]["username"], "eve", "{body}");
    assert_eq!(comment["timesheet"]["id"], eves.as_str());
    // About an item of another sheet: refused.
    let body = app
        .gql_as(
            max,
            ADD_NOTE,
            json!({ "input": { "timesheetId": eves, "timesheetEntryId": entry, "kind": "COMMENT", "body": "x" } }),
        )
        .await;
    bad_input(&body, "timesheetEntryId");
    let body = app
        .gql_as(
            max,
            ADD_NOTE,
            json!({ "input": { "timesheetId": sheet, "timesheetEntryId": entry,
                               "kind": "REPORT", "reportType": "OTHER", "body": "Check Monday" } }),
        )
        .await;
    let report = id_of(ok(&body, "addNote"));
    let body = app.gql_as(hal, RESOLVE_NOTE, json!({ "id": report })).await;
    ok(&body, "resolveNote");
    let body = app.gql_as(hal, RESOLVE_NOTE, json!({ "id": report })).await;
    refused(&body, "CONFLICT", "ALREADY_RESOLVED");
    assert_eq!(first_error_field(&body), "id");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM timesheet_notes").await,
        2
    );
}

// Time ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn entries_and_weeks_are_elapsed_time_across_clock_changes() {
    let app = TestApp::new().await;
    let berlin = app.company("Berlin", "Europe/Berlin").await;
    let new_york = app.company("New York", "America/New_York").await;
    let owner = app.member("boss", Role::Owner, None).await;
    let greta = app.employee(&berlin, "Greta", None).await;
    let nora = app.employee(&new_york, "Nora", None).await;
    let date = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a date");

    // Berlin, the night the clocks go back: 22:00 to 06:00 is nine hours.
    let saturday = date("2026-10-24");
    let sheet = sheet_id(&greta, sunday_of(saturday));
    let body = add_entry(&app, &owner, &sheet, saturday, "22:00", "06:00", None).await;
    let entry = ok(&body, "addTimesheetEntry");
    assert_eq!(entry["minutes"], 540, "{body}");
    assert_eq!(entry["date"], "2026-10-24");
    assert_eq!(entry["startsAt"], "2026-10-24T20:00:00.000000Z");
    assert_eq!(entry["endsAt"], "2026-10-25T05:00:00.000000Z");
    let read = read_sheet(&app, &owner, &greta, saturday).await;
    assert_eq!(read["timeZone"], "Europe/Berlin");
    assert_eq!(read["totals"]["workedMinutes"], 540, "{read}");
    assert_eq!(read["days"][6]["date"], "2026-10-24");
    assert_eq!(read["days"][6]["totals"]["workedMinutes"], 540);
    assert_eq!(read["start"], "2026-10-17T22:00:00.000000Z");

    // A session over the same night is imported as the same nine hours.
    let hans = app.employee(&berlin, "Hans", None).await;
    let instant = |text: &str| {
        DateTime::parse_from_rfc3339(text)
            .expect("RFC 3339")
            .to_utc()
    };
    app.session(
        &hans,
        instant("2026-10-24T20:00:00Z"),
        Some(instant("2026-10-25T05:00:00Z")),
    )
    .await;
    let body = app
        .gql_as(
            &owner,
            IMPORT,
            json!({ "sheet": sheet_id(&hans, sunday_of(saturday)) }),
        )
        .await;
    let imported = &ok(&body, "importClockedTime")["entries"];
    assert_eq!(imported[0]["date"], "2026-10-24", "{body}");
    assert_eq!(imported[0]["start"], "22:00");
    assert_eq!(imported[0]["end"], "06:00");
    assert_eq!(imported[0]["minutes"], 540);
    assert_eq!(imported[0]["differsFromClock"], false);
    let read = read_sheet(&app, &owner, &hans, saturday).await;
    assert_eq!(read["timeEntries"][0]["date"], "2026-10-24", "{read}");
    assert_eq!(read["timeEntries"][0]["minutes"], 540);
    assert_eq!(
        read["days"][6]["totals"],
        json!({ "scheduledMinutes": 0, "workedMinutes": 540, "clockedMinutes": 540, "breakMinutes": 0 })
    );

    // Berlin, the week holding the change: 169 hours, written or not.
    let hours = |sheet: &Value| {
        let instant = |field: &str| {
            DateTime::parse_from_rfc3339(sheet[field].as_str().expect("an instant"))
                .expect("RFC 3339")
        };
        let minutes = (instant("end") - instant("start")).num_minutes();
        assert_eq!(minutes % 60, 0, "{sheet}");
        minutes / 60
    };
    let long = read_sheet(&app, &owner, &greta, date("2026-10-28")).await;
    assert_eq!(long["id"], sheet_id(&greta, date("2026-10-25")));
    assert_eq!(long["start"], "2026-10-24T22:00:00.000000Z");
    assert_eq!(long["end"], "2026-10-31T23:00:00.000000Z");
    assert_eq!(hours(&long), 169);
    let body = add_entry(
        &app,
        &owner,
        &sheet_id(&greta, date("2026-10-25")),
        date("2026-10-26"),
        "08:00",
        "12:00",
        None,
    )
    .await;
    assert_eq!(ok(&body, "addTimesheetEntry")["minutes"], 240);
    let written = read_sheet(&app, &owner, &greta, date("2026-10-25")).await;
    assert_eq!(hours(&written), 169);
    assert_eq!(
        app.texts(&format!(
            "SELECT (upper(period) - lower(period))::text AS t FROM timesheets \
             WHERE employee_id = {greta} AND week = '2026-10-25'"
        ))
        .await,
        ["7 days 01:00:00"]
    );

    // New York, the night the clocks go forward: 01:00 to 05:00 is three hours, the week 167.
    let sunday = date("2026-03-08");
    let sheet = sheet_id(&nora, sunday);
    let body = add_entry(&app, &owner, &sheet, sunday, "01:00", "05:00", None).await;
    let entry = ok(&body, "addTimesheetEntry");
    assert_eq!(entry["minutes"], 180, "{body}");
    assert_eq!(entry["startsAt"], "2026-03-08T06:00:00.000000Z");
    assert_eq!(entry["endsAt"], "2026-03-08T09:00:00.000000Z");
    let body = add_shift(&app, &owner, &sheet, sunday, "01:00", "05:00").await;
    assert_eq!(ok(&body, "addScheduleEntry")["minutes"], 180, "{body}");
    let read = read_sheet(&app, &owner, &nora, sunday).await;
    assert_eq!(
        read["days"][0]["totals"],
        json!({ "scheduledMinutes": 180, "workedMinutes": 180, "clockedMinutes": 0, "breakMinutes": 0 })
    );
    assert_eq!(hours(&read), 167);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_company_that_changes_its_zone_leaves_written_weeks_where_they_were() {
    let app = TestApp::new().await;
    let staff = staff(&app).await;
    let (max, hal) = (&staff.max, &staff.hal);
    let written = weeks_ago(2);
    let unwritten = weeks_ago(1);
    let sheet = sheet_id(&staff.walt, written);
    let body = add_entry(&app, max, &sheet, plus(written, 1), "09:00", "17:00", None).await;
    ok(&body, "addTimesheetEntry");

    let body = app
        .gql_as(
            hal,
            UPDATE_COMPANY,
            json!({ "id": staff.alpha, "zone": "Asia/Tokyo" }),
        )
        .await;
    assert_eq!(ok(&body, "updateCompany")["timeZone"], "Asia/Tokyo");

    // The written week stays in UTC, and so do entries added to it later.
    let old = read_sheet(&app, max, &staff.walt, written).await;
    assert_eq!(old["timeZone"], "UTC", "{old}");
    assert_eq!(old["start"], iso(at(written, 0, 0)));
    assert_eq!(old["end"], iso(at(plus(written, 7), 0, 0)));
    let body = add_entry(&app, max, &sheet, plus(written, 2), "09:00", "17:00", None).await;
    assert_eq!(
        ok(&body, "addTimesheetEntry")["startsAt"],
        iso(at(plus(written, 2), 9, 0))
    );
    let old = read_sheet(&app, max, &staff.walt, written).await;
    assert_eq!(old["entries"][0]["date"], plus(written, 1).to_string());

    // A week nobody wrote follows the new zone, and keeps it once written.
    let new = read_sheet(&app, max, &staff.walt, unwritten).await;
    assert_eq!(new["timeZone"], "Asia/Tokyo");
    assert_eq!(new["start"], iso(at(plus(unwritten, -1), 15, 0)));
    let body = add_entry(
        &app,
        max,
        &sheet_id(&staff.walt, unwritten),
        plus(unwritten, 1),
        "09:00",
        "17:00",
        None,
    )
    .await;
    assert_eq!(
        ok(&body, "addTimesheetEntry")["startsAt"],
        iso(at(plus(unwritten, 1), 0, 0))
    );
    // Moved by SQL as well: the written weeks stay, the rows say so.
    app.sql(&format!(
        "UPDATE companies SET time_zone = 'America/New_York' WHERE id = {}",
        staff.alpha
    ))
    .await;
    assert_eq!(
        read_sheet(&app, max, &staff.walt, unwritten).await["timeZone"],
        "Asia/Tokyo"
    );
    assert_eq!(
        read_sheet(&app, max, &staff.walt, written).await["timeZone"],
        "UTC"
    );
    assert_eq!(
        read_sheet(&app, max, &staff.walt, weeks_ago(0)).await["timeZone"],
        "America/New_York"
    );
    assert_eq!(
        app.texts("SELECT time_zone AS t FROM timesheets ORDER BY week")
            .await,
        ["UTC", "Asia/Tokyo"]
    );
}

// Clocked time -------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn clocked_sessions_are_imported_once_and_show_when_they_change() {
    let app = TestApp::new().await;
    let staff = staff(&app).await;
    let (eve, max) = (&staff.eve, &staff.max);
    let ann = app.member("ann", Role::Manager, Some("Alpha")).await;
    let week = weeks_ago(3);
    let sheet = sheet_id(&staff.eve_record, week);
    let (monday, tuesday, wednesday) = (plus(week, 1), plus(week, 2), plus(week, 3));
    let record = &staff.eve_record;
    let long = app
        .session(record, at(monday, 9, 0), Some(at(monday, 17, 0)))
        .await;
    let short = app
        .session(record, at(tuesday, 8, 0), Some(at(tuesday, 12, 30)))
        .await;
    let open = app.session(record, at(wednesday, 9, 0), None).await;
    // Another week's session stays out.
    app.session(
        record,
        at(plus(week, -6), 9, 0),
        Some(at(plus(week, -6), 10, 0)),
    )
    .await;

    let body = app.gql_as(eve, IMPORT, json!({ "sheet": sheet })).await;
    let imported = ok(&body, "importClockedTime");
    assert_eq!(imported["id"], sheet.as_str());
    let entries: Vec<Value> = imported["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| {
            json!([
                entry["date"],
                entry["start"],
                entry["end"],
                entry["minutes"],
                entry["source"],
                entry["differsFromClock"],
                entry["workSession"]["id"]
            ])
        })
        .collect();
    assert_eq!(
        entries,
        [
            json!([
                monday.to_string(),
                "09:00",
                "17:00",
                480,
                "CLOCK",
                false,
                long
            ]),
            json!([
                tuesday.to_string(),
                "08:00",
                "12:30",
                270,
                "CLOCK",
                false,
                short
            ]),
        ],
        "{body}"
    );
    let read = read_sheet(&app, eve, record, week).await;
    assert_eq!(read["timeEntries"].as_array().expect("sessions").len(), 3);
    assert_eq!(read["timeEntries"][2]["session"]["id"], open.as_str());
    assert_eq!(read["timeEntries"][2]["end"], Value::Null);
    assert_eq!(read["days"][1]["totals"]["clockedMinutes"], 480);
    assert_eq!(read["days"][2]["totals"]["clockedMinutes"], 270);
    assert_eq!(read["days"][2]["totals"]["workedMinutes"], 270);

    // Another manager corrects the session: the entry copied from it differs now.
    let body = app
        .gql_as(
            &ann,
            UPDATE_SESSION,
            json!({ "id": short, "input": { "end": iso(at(tuesday, 13, 0)) }, "reason": "forgot to clock out" }),
        )
        .await;
    ok(&body, "updateWorkSession");
    let read = read_sheet(&app, eve, record, week).await;
    let differs: Vec<&Value> = read["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| &entry["differsFromClock"])
        .collect();
    assert_eq!(differs, [&json!(false), &json!(true)], "{read}");
    assert_eq!(
        read["entries"][1]["minutes"], 270,
        "the entry keeps its hours"
    );

    // A second import copies nothing new; a new session, once closed, is copied alone.
    let body = app.gql_as(eve, IMPORT, json!({ "sheet": sheet })).await;
    assert_eq!(
        ok(&body, "importClockedTime")["entries"]
            .as_array()
            .expect("entries")
            .len(),
        2
    );
    let count = format!("SELECT count(*) AS n FROM timesheet_entries WHERE employee_id = {record}");
    assert_eq!(app.count(&count).await, 2);
    app.sql(&format!(
        "UPDATE work_sessions SET ended_at = started_at + interval '2 hours' WHERE id = {open}"
    ))
    .await;
    let body = app.gql_as(max, IMPORT, json!({ "sheet": sheet })).await;
    let entries = ok(&body, "importClockedTime")["entries"].clone();
    assert_eq!(entries.as_array().expect("entries").len(), 3, "{body}");
    assert_eq!(entries[2]["workSession"]["id"], open.as_str());
    assert_eq!(entries[2]["minutes"], 120);
    assert_eq!(app.count(&count).await, 3);

    // A deleted session leaves its entry, differing from a clock that is gone.
    let body = app
        .gql_as(
            &ann,
            "mutation ($id: ID!) { deleteWorkSession(id: $id, reason: \"duplicate\") }",
            json!({ "id": long }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let read = read_sheet(&app, eve, record, week).await;
    assert_eq!(read["entries"][0]["workSession"], Value::Null, "{read}");
    assert_eq!(read["entries"][0]["differsFromClock"], true);
    assert_eq!(read["entries"][0]["source"], "CLOCK");
}

// Copying schedules --------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn copy_schedule_copies_what_fits_and_counts_what_it_skips() {
    let app = TestApp::new().await;
    let max = app.member("max", Role::Manager, Some("Alpha")).await;
    let alpha = app.company_named("Alpha").await;
    let bravo = app.company("Bravo", "UTC").await;
    let from = weeks_ago(-1);
    let to = weeks_ago(-2);
    let ada = app.employee(&alpha, "Ada", None).await;
    let ben = app.employee(&alpha, "Ben", None).await;
    let cleo = app.employee(&alpha, "Cleo", None).await;
    let dan = app.employee(&alpha, "Dan", None).await;
    let fay = app.employee(&alpha, "Fay", None).await;
    let outsider = app.employee(&bravo, "Outsider", None).await;
    let plan = async |employee: &str, day: i64, start: &str, end: &str, week: NaiveDate| {
        let body = add_shift(
            &app,
            &max,
            &sheet_id(employee, week),
            plus(week, day),
            start,
            end,
        )
        .await;
        id_of(ok(&body, "addScheduleEntry"))
    };
    plan(&ada, 1, "09:00", "17:00", from).await;
    plan(&ada, 2, "22:00", "06:00", from).await;
    plan(&ben, 1, "09:00", "17:00", from).await;
    plan(&cleo, 1, "09:00", "17:00", from).await;
    plan(&dan, 1, "09:00", "17:00", from).await;
    plan(&dan, 3, "09:00", "17:00", from).await;
    plan(&fay, 1, "09:00", "17:00", from).await;
    sheet_row(&app, &outsider, from, "DRAFT", false).await;
    shift_row(&app, &outsider, plus(from, 1), "09:00", "17:00").await;
    // Ben leaves; Cleo's target week has its schedule submitted; Dan's has a shift in the way;
    // Fay's target week is finalized.
    app.sql(&format!(
        "UPDATE employees SET active = false WHERE id = {ben}"
    ))
    .await;
    ok(
        &step(&app, &max, "submitSchedule", &sheet_id(&cleo, to)).await,
        "submitSchedule",
    );
    plan(&dan, 1, "12:00", "13:00", to).await;
    sheet_row(&app, &fay, to, "FINALIZED", true).await;

    let body = app
        .gql_as(
            &max,
            COPY_SCHEDULE,
            json!({ "company": alpha, "from": plus(from, 4).to_string(), "to": plus(to, 2).to_string() }),
        )
        .await;
    assert_eq!(
        ok(&body, "copySchedule"),
        &json!({ "copied": 3, "skipped": 4 }),
        "{body}"
    );
    let shifts = app
        .texts(&format!(
            "SELECT e.name || ' ' || x.date || ' ' || x.start_time || '-' || x.end_time || ' ' \
               || coalesce(x.location, '') AS t \
             FROM schedule_entries x JOIN employees e ON e.id = x.employee_id \
             WHERE x.week = '{to}' ORDER BY e.name, x.starts_at"
        ))
        .await;
    assert_eq!(
        shifts,
        [
            format!("Ada {} 09:00:00-17:00:00 Front desk", plus(to, 1)),
            format!("Ada {} 22:00:00-06:00:00 Front desk", plus(to, 2)),
            format!("Dan {} 12:00:00-13:00:00 Front desk", plus(to, 1)),
            format!("Dan {} 09:00:00-17:00:00 Front desk", plus(to, 3)),
        ]
    );
    // Copied again: everything is in the way now.
    let body = app
        .gql_as(
            &max,
            COPY_SCHEDULE,
            json!({ "company": alpha, "from": from.to_string(), "to": to.to_string() }),
        )
        .await;
    assert_eq!(
        ok(&body, "copySchedule"),
        &json!({ "copied": 0, "skipped": 7 }),
        "{body}"
    );
    let body = app
        .gql_as(
            &max,
            COPY_SCHEDULE,
            json!({ "company": alpha, "from": from.to_string(), "to": plus(from, 6).to_string() }),
        )
        .await;
    bad_input(&body, "toWeek");
    let body = app
        .gql_as(
            &max,
            COPY_SCHEDULE,
            json!({ "company": bravo, "from": from.to_string(), "to": to.to_string() }),
        )
        .await;
    assert_eq!(first_error_code(&body), "NOT_FOUND", "{body}");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM schedule_entries WHERE employee_id = {outsider}"
        ))
        .await,
        1
    );
}

// Lists --------------------------------------------------------------------------------------

const TIMESHEETS: &str = "query ($filter: TimesheetsFilter, $first: Int, $after: String) {
    timesheets(filter: $filter, first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } nodes { id status week employee { name } }
    }
}";

#[tokio::test(flavor = "multi_thread")]
async fn timesheets_list_every_week_of_a_range_in_scope_and_by_page() {
    let app = TestApp::new().await;
    let staff = staff(&app).await;
    let (eve, max) = (&staff.eve, &staff.max);
    let bravo_manager = app.member("bob", Role::Manager, Some("Bravo")).await;
    let bravo = app.company_named("Bravo").await;
    let outsider = app.employee(&bravo, "Outsider", None).await;
    let gone = app.employee(&staff.alpha, "Gone", None).await;
    app.sql(&format!(
        "UPDATE employees SET active = false WHERE id = {gone}"
    ))
    .await;
    let weeks = [weeks_ago(1), weeks_ago(2), weeks_ago(3)];
    let oldest = weeks[2];
    ok(
        &step(
            &app,
            eve,
            "submitHours",
            &sheet_id(&staff.eve_record, oldest),
        )
        .await,
        "submitHours",
    );
    sheet_row(&app, &outsider, oldest, "DRAFT", false).await;
    let range = |extra: Value| {
        let mut filter =
            json!({ "weekFrom": plus(oldest, 3).to_string(), "weekTo": weeks[0].to_string() });
        filter
            .as_object_mut()
            .expect("object")
            .extend(extra.as_object().expect("object").clone());
        filter
    };
    let list = async |viewer: &TestUser, filter: Value, first: Option<i64>, after: Option<&str>| {
        let body = app
            .gql_as(
                viewer,
                TIMESHEETS,
                json!({ "filter": filter, "first": first, "after": after }),
            )
            .await;
        ok(&body, "timesheets").clone()
    };
    let ids_of = |list: &Value| -> Vec<String> {
        list["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{list}"))
            .iter()
            .map(id_of)
            .collect()
    };
    // Newest week first, then the employee's id, largest first.
    let mut people: Vec<&String> = vec![&staff.eve_record, &staff.walt];
    people.sort_by_key(|id| std::cmp::Reverse(id.parse::<i64>().expect("an id")));
    let expected: Vec<String> = weeks
        .iter()
        .flat_map(|week| people.iter().map(move |person| sheet_id(person, *week)))
        .collect();

    let all = list(max, range(json!({ "companyId": staff.alpha })), None, None).await;
    assert_eq!(ids_of(&all), expected, "{all}");
    assert_eq!(all["totalCount"], 6);
    let statuses: Vec<&Value> = all["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| &node["status"])
        .collect();
    let submitted = expected
        .iter()
        .position(|id| *id == sheet_id(&staff.eve_record, oldest))
        .expect("Eve's oldest week");
    for (i, status) in statuses.iter().enumerate() {
        let want = if i == submitted {
            "HOURS_SUBMITTED"
        } else {
            "DRAFT"
        };
        assert_eq!(*status, want, "{all}");
    }
    assert_eq!(
        app.count("SELECT count(*) AS n FROM timesheets").await,
        2,
        "listing writes nothing"
    );

    // By status.
    let body = list(
        max,
        range(json!({ "companyId": staff.alpha, "status": "HOURS_SUBMITTED" })),
        None,
        None,
    )
    .await;
    assert_eq!(ids_of(&body), [sheet_id(&staff.eve_record, oldest)]);
    let body = list(
        max,
        range(json!({ "companyId": staff.alpha, "status": "DRAFT" })),
        None,
        None,
    )
    .await;
    assert_eq!(body["totalCount"], 5);
    let body = list(max, range(json!({ "employeeId": staff.walt })), None, None).await;
    assert_eq!(ids_of(&body), weeks.map(|week| sheet_id(&staff.walt, week)));

    // By page.
    let page = list(
        max,
        range(json!({ "companyId": staff.alpha })),
        Some(4),
        None,
    )
    .await;
    assert_eq!(ids_of(&page), expected[..4], "{page}");
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let cursor = page["pageInfo"]["endCursor"].as_str().expect("a cursor");
    let rest = list(
        max,
        range(json!({ "companyId": staff.alpha })),
        Some(4),
        Some(cursor),
    )
    .await;
    assert_eq!(ids_of(&rest), expected[4..], "{rest}");
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);

    // Scope: Eve sees her own weeks; Bravo's manager none of Alpha's.
    let own = list(eve, range(json!({ "companyId": staff.alpha })), None, None).await;
    assert_eq!(
        ids_of(&own),
        weeks.map(|week| sheet_id(&staff.eve_record, week))
    );
    let none = list(
        &bravo_manager,
        range(json!({ "companyId": staff.alpha })),
        None,
        None,
    )
    .await;
    assert_eq!(ids_of(&none), Vec::<String>::new());
    assert_eq!(none["totalCount"], 0);
    let theirs = list(&bravo_manager, range(json!({})), None, None).await;
    assert_eq!(ids_of(&theirs), weeks.map(|week| sheet_id(&outsider, week)));

    // The other order, and pages backward.
    let body = app
        .gql_as(
            max,
            "query ($filter: TimesheetsFilter) { timesheets(filter: $filter, orderBy: OLDEST) { nodes { id } } }",
            json!({ "filter": range(json!({ "companyId": staff.alpha })) }),
        )
        .await;
    let mut oldest_first = expected.clone();
    oldest_first.reverse();
    assert_eq!(ids_of(ok(&body, "timesheets")), oldest_first, "{body}");
    let backward = "query ($filter: TimesheetsFilter, $before: String) { timesheets(filter: $filter, last: 2, before: $before) { pageInfo { hasPreviousPage startCursor } nodes { id } } }";
    let body = app
        .gql_as(
            max,
            backward,
            json!({ "filter": range(json!({ "companyId": staff.alpha })) }),
        )
        .await;
    let last = ok(&body, "timesheets").clone();
    assert_eq!(ids_of(&last), expected[4..], "{body}");
    assert_eq!(last["pageInfo"]["hasPreviousPage"], true);
    let body = app
        .gql_as(
            max,
            backward,
            json!({ "filter": range(json!({ "companyId": staff.alpha })),
                    "before": last["pageInfo"]["startCursor"] }),
        )
        .await;
    assert_eq!(ids_of(ok(&body, "timesheets")), expected[2..4], "{body}");

    // Without a whole range: the weeks something was written for.
    let written = list(max, json!({}), None, None).await;
    assert_eq!(ids_of(&written), [sheet_id(&staff.eve_record, oldest)]);
    let body = app
        .gql_as(
            max,
            TIMESHEETS,
            json!({ "filter": { "weekFrom": weeks[0].to_string(), "weekTo": oldest.to_string() } }),
        )
        .await;
    bad_input(&body, "filter.weekTo");
}

// Who reaches what ---------------------------------------------------------------------------

/// What a response says, as one character: ✓ data, ∅ null or an empty list, U
/// UNAUTHENTICATED, F FORBIDDEN LEVEL_TOO_LOW, O FORBIDDEN NOT_OWN_TIMESHEET, S FORBIDDEN
/// SELF_APPROVAL, N NOT_FOUND, C CONFLICT, B BAD_USER_INPUT, ? anything else.
fn outcome(body: &Value) -> char {
    if let Some(error) = body["errors"].as_array().and_then(|errors| errors.first()) {
        let extensions = &error["extensions"];
        return match (
            extensions["code"].as_str().unwrap_or_default(),
            extensions["reason"].as_str().unwrap_or_default(),
        ) {
            ("UNAUTHENTICATED", _) => 'U',
            ("FORBIDDEN", "LEVEL_TOO_LOW") => 'F',
            ("FORBIDDEN", "NOT_OWN_TIMESHEET") => 'O',
            ("FORBIDDEN", "SELF_APPROVAL") => 'S',
            ("NOT_FOUND", _) => 'N',
            ("CONFLICT", _) => 'C',
            ("BAD_USER_INPUT", _) => 'B',
            _ => '?',
        };
    }
    let data = body["data"]
        .as_object()
        .and_then(|data| data.values().next())
        .unwrap_or(&Value::Null);
    let empty = match data {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(object) => object
            .get("nodes")
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty),
        _ => false,
    };
    if empty { '∅' } else { '✓' }
}

/// The viewers of the matrix: anonymous, then accounts of Alpha at USER, EMPLOYEE, MANAGER,
/// HEAD_MANAGER and OWNER, then a manager and a head manager of Bravo. Each account has its
/// employee record in its company (`$own`, `$ownSheet`).
const VIEWERS: [(Option<Role>, &str); 8] = [
    (None, "Alpha"),
    (Some(Role::User), "Alpha"),
    (Some(Role::Employee), "Alpha"),
    (Some(Role::Manager), "Alpha"),
    (Some(Role::HeadManager), "Alpha"),
    (Some(Role::Owner), "Alpha"),
    (Some(Role::Manager), "Bravo"),
    (Some(Role::HeadManager), "Bravo"),
];

/// One operation of the matrix, and what each viewer of [`VIEWERS`] gets. The targets are
/// fresh for each viewer: `$colleague` (of Alpha, without an account) has a DRAFT week
/// `$sheet` with entries, shifts, a closed session and an open report (`$report`), and weeks
/// in every other state (`$submitted` with its schedule submitted, `$rejectable`, `$reviewed`
/// ready to finalize, `$finalized`).
struct Row {
    operation: &'static str,
    query: &'static str,
    expected: &'static str,
}

const ROWS: &[Row] = &[
    Row {
        operation: "timesheet (own)",
        query: "query ($own: ID!, $w1: Date!) { timesheet(employeeId: $own, weekOf: $w1) { id } }",
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "timesheet (a colleague's)",
        query: "query ($colleague: ID!, $w1: Date!) { timesheet(employeeId: $colleague, weekOf: $w1) { id entries { id } } }",
        expected: "UF∅✓✓✓∅∅",
    },
    Row {
        operation: "timesheets (Alpha's)",
        query: "query ($alpha: ID!, $w1: Date!) { timesheets(filter: {companyId: $alpha, weekFrom: $w1, weekTo: $w1}) { nodes { id } } }",
        expected: "UF✓✓✓✓∅∅",
    },
    Row {
        operation: "addTimesheetEntry (own)",
        query: r#"mutation ($ownSheet: ID!, $thursday: Date!) { addTimesheetEntry(input: {timesheetId: $ownSheet, date: $thursday, start: "09:00", end: "10:00"}) { id } }"#,
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "addTimesheetEntry (a colleague's)",
        query: r#"mutation ($sheet: ID!, $thursday: Date!) { addTimesheetEntry(input: {timesheetId: $sheet, date: $thursday, start: "09:00", end: "10:00"}) { id } }"#,
        expected: "UFN✓✓✓NN",
    },
    Row {
        operation: "updateTimesheetEntry",
        query: r#"mutation ($entry: ID!) { updateTimesheetEntry(id: $entry, input: {comment: "checked"}) { id } }"#,
        expected: "UFN✓✓✓NN",
    },
    Row {
        operation: "deleteTimesheetEntry",
        query: "mutation ($doomedEntry: ID!) { deleteTimesheetEntry(id: $doomedEntry) }",
        expected: "UFN✓✓✓NN",
    },
    Row {
        operation: "importClockedTime",
        query: "mutation ($sheet: ID!) { importClockedTime(timesheetId: $sheet) { id } }",
        expected: "UFN✓✓✓NN",
    },
    Row {
        operation: "addScheduleEntry",
        query: r#"mutation ($sheet: ID!, $thursday: Date!) { addScheduleEntry(input: {timesheetId: $sheet, date: $thursday, start: "09:00", end: "17:00"}) { id } }"#,
        expected: "UFF✓✓✓NN",
    },
    Row {
        operation: "updateScheduleEntry",
        query: r#"mutation ($shift: ID!) { updateScheduleEntry(id: $shift, input: {location: "Back door"}) { id } }"#,
        expected: "UFF✓✓✓NN",
    },
    Row {
        operation: "deleteScheduleEntry",
        query: "mutation ($doomedShift: ID!) { deleteScheduleEntry(id: $doomedShift) }",
        expected: "UFF✓✓✓NN",
    },
    Row {
        operation: "copySchedule",
        query: "mutation ($alpha: ID!, $w1: Date!, $future: Date!) { copySchedule(companyId: $alpha, fromWeek: $w1, toWeek: $future) { copied } }",
        expected: "UFF✓✓✓NN",
    },
    Row {
        operation: "submitSchedule",
        query: "mutation ($sheet: ID!) { submitSchedule(timesheetId: $sheet) { id } }",
        expected: "UFF✓✓✓NN",
    },
    Row {
        operation: "withdrawSchedule",
        query: "mutation ($submitted: ID!) { withdrawSchedule(timesheetId: $submitted) { id } }",
        expected: "UFF✓✓✓NN",
    },
    Row {
        operation: "submitHours (own)",
        query: "mutation ($ownSheet: ID!) { submitHours(timesheetId: $ownSheet) { id } }",
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "submitHours (a colleague without an account)",
        query: "mutation ($sheet: ID!) { submitHours(timesheetId: $sheet) { id } }",
        expected: "UFN✓✓✓NN",
    },
    Row {
        operation: "submitHours (a colleague with an account)",
        query: "mutation ($employeeSheet: ID!) { submitHours(timesheetId: $employeeSheet) { id } }",
        expected: "UFNOOONN",
    },
    Row {
        operation: "reviewHours",
        query: "mutation ($submitted: ID!) { reviewHours(timesheetId: $submitted) { id } }",
        expected: "UFF✓✓✓NN",
    },
    Row {
        operation: "rejectHours",
        query: r#"mutation ($rejectable: ID!) { rejectHours(timesheetId: $rejectable, reason: "redo") { id } }"#,
        expected: "UFF✓✓✓NN",
    },
    Row {
        operation: "finalizeTimesheet",
        query: "mutation ($reviewed: ID!) { finalizeTimesheet(timesheetId: $reviewed) { id } }",
        expected: "UFFF✓✓FN",
    },
    Row {
        operation: "reopenTimesheet",
        query: r#"mutation ($finalized: ID!) { reopenTimesheet(timesheetId: $finalized, reason: "fix") { id } }"#,
        expected: "UFFF✓✓FN",
    },
    Row {
        operation: "addNote COMMENT (own)",
        query: r#"mutation ($ownSheet: ID!) { addNote(input: {timesheetId: $ownSheet, kind: COMMENT, body: "mine"}) { id } }"#,
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "addNote COMMENT (a colleague's)",
        query: r#"mutation ($sheet: ID!) { addNote(input: {timesheetId: $sheet, kind: COMMENT, body: "hi"}) { id } }"#,
        expected: "UFN✓✓✓NN",
    },
    Row {
        operation: "addNote REPORT",
        query: r#"mutation ($sheet: ID!) { addNote(input: {timesheetId: $sheet, kind: REPORT, reportType: LATE, body: "late"}) { id } }"#,
        expected: "UFF✓✓✓NN",
    },
    Row {
        operation: "openReports",
        query: "query ($alpha: ID!) { openReports(companyId: $alpha) { nodes { id } } }",
        expected: "UFFF✓✓F∅",
    },
    Row {
        operation: "resolveNote",
        query: "mutation ($report: ID!) { resolveNote(id: $report) { id } }",
        expected: "UFFF✓✓FN",
    },
];

#[tokio::test(flavor = "multi_thread")]
async fn every_timesheets_operation_at_every_level() {
    let app = TestApp::new().await;
    let alpha = app.company("Alpha", "UTC").await;
    let bravo = app.company("Bravo", "UTC").await;
    let reporter = app
        .create_account_in(
            "reporter",
            Role::Manager,
            AccountStatus::Active,
            Some("Alpha"),
        )
        .await;
    let w1 = weeks_ago(3);
    let (w2, w3, w4, w5) = (weeks_ago(4), weeks_ago(5), weeks_ago(6), weeks_ago(7));
    let mut viewers: Vec<Option<TestUser>> = Vec::new();
    let mut variables = Vec::new();
    for (column, (role, company)) in VIEWERS.iter().enumerate() {
        let company_id = if *company == "Alpha" { &alpha } else { &bravo };
        let own = match role {
            None => {
                viewers.push(None);
                app.employee(&alpha, &format!("Nobody {column}"), None)
                    .await
            }
            Some(role) => {
                let name = format!("viewer{column}");
                let id = app
                    .create_account_in(&name, *role, AccountStatus::Active, Some(company))
                    .await;
                viewers.push(Some(app.login(&name, PASSWORD).await));
                app.employee(company_id, &format!("Viewer {column}"), Some(&id))
                    .await
            }
        };
        let colleague = app
            .employee(&alpha, &format!("Colleague {column}"), None)
            .await;
        let employed = app
            .create_account_in(
                &format!("employed{column}"),
                Role::Employee,
                AccountStatus::Active,
                Some("Alpha"),
            )
            .await;
        let employed = app
            .employee(&alpha, &format!("Employed {column}"), Some(&employed))
            .await;
        sheet_row(&app, &colleague, w1, "DRAFT", false).await;
        let entry = entry_row(&app, &colleague, plus(w1, 1), "09:00", "12:00").await;
        let doomed_entry = entry_row(&app, &colleague, plus(w1, 2), "09:00", "12:00").await;
        let shift = shift_row(&app, &colleague, plus(w1, 1), "09:00", "17:00").await;
        let doomed_shift = shift_row(&app, &colleague, plus(w1, 2), "09:00", "17:00").await;
        app.session(
            &colleague,
            at(plus(w1, 3), 13, 0),
            Some(at(plus(w1, 3), 14, 0)),
        )
        .await;
        let report = report_row(&app, &colleague, w1, &reporter).await;
        sheet_row(&app, &colleague, w2, "HOURS_SUBMITTED", true).await;
        sheet_row(&app, &colleague, w3, "HOURS_SUBMITTED", false).await;
        sheet_row(&app, &colleague, w4, "HOURS_REVIEWED", true).await;
        sheet_row(&app, &colleague, w5, "FINALIZED", true).await;
        variables.push(json!({
            "alpha": alpha,
            "own": own,
            "ownSheet": sheet_id(&own, w1),
            "colleague": colleague,
            "sheet": sheet_id(&colleague, w1),
            "employeeSheet": sheet_id(&employed, w1),
            "w1": w1.to_string(),
            "thursday": plus(w1, 4).to_string(),
            "future": weeks_ago(-2).to_string(),
            "entry": entry,
            "doomedEntry": doomed_entry,
            "shift": shift,
            "doomedShift": doomed_shift,
            "report": report,
            "submitted": sheet_id(&colleague, w2),
            "rejectable": sheet_id(&colleague, w3),
            "reviewed": sheet_id(&colleague, w4),
            "finalized": sheet_id(&colleague, w5),
        }));
    }

    let mut failures = Vec::new();
    for row in ROWS {
        let mut got = String::new();
        let mut bodies = Vec::new();
        for (column, viewer) in viewers.iter().enumerate() {
            let body = match viewer {
                Some(user) => app.gql_as(user, row.query, variables[column].clone()).await,
                None => app.gql(row.query, variables[column].clone()).await,
            };
            got.push(outcome(&body));
            bodies.push(body);
        }
        if got != row.expected {
            failures.push(format!(
                "{}: expected {}, got {got}\n  {}",
                row.operation,
                row.expected,
                bodies
                    .iter()
                    .map(Value::to_string)
                    .collect::<Vec<_>>()
                    .join("\n  ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// Statements ---------------------------------------------------------------------------------

/// Adds employees `from..=to` to `company` (no accounts), each with a sheet of `week` holding
/// an entry, a shift, a closed session, a comment by `author` and a step of history.
async fn add_sheets(
    app: &TestApp,
    company: &str,
    week: NaiveDate,
    author: &str,
    from: i32,
    to: i32,
) {
    let new = format!(
        "SELECT id FROM employees WHERE company_id = {company} \
         AND name IN (SELECT 'Staff ' || i FROM generate_series({from}, {to}) i)"
    );
    let start =
        |hour: u32| format!("(('{week}'::date + 1) + time '{hour:02}:00') AT TIME ZONE 'UTC'");
    app.sql(&format!(
        "INSERT INTO employees (company_id, name, annual_hours) \
             SELECT {company}, 'Staff ' || i, 1000 FROM generate_series({from}, {to}) i; \
         INSERT INTO timesheets (employee_id, week, time_zone, period, status, hours_submitted_at) \
             SELECT id, '{week}', 'UTC', rollcall_week_period('{week}', 'UTC'), 'HOURS_SUBMITTED', \
             now() FROM ({new}) e; \
         INSERT INTO timesheet_entries (employee_id, date, start_time, end_time, break_minutes, source) \
             SELECT id, '{week}'::date + 1, '09:00', '17:00', 30, 'MANUAL' FROM ({new}) e; \
         INSERT INTO schedule_entries (employee_id, date, start_time, end_time, location) \
             SELECT id, '{week}'::date + 1, '09:00', '17:00', 'Desk' FROM ({new}) e; \
         INSERT INTO work_sessions (employee_id, started_at, ended_at, source) \
             SELECT id, {}, {}, 'CLOCK' FROM ({new}) e; \
         INSERT INTO timesheet_notes (employee_id, week, kind, body, author_id) \
             SELECT id, '{week}', 'COMMENT', 'Looks right', {author} FROM ({new}) e; \
         INSERT INTO timesheet_transitions (employee_id, week, action, from_status, to_status, actor_id) \
             SELECT id, '{week}', 'SUBMIT_HOURS', 'DRAFT', 'HOURS_SUBMITTED', {author} FROM ({new}) e;",
        start(9),
        start(17),
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_nested_list_of_timesheets_costs_the_same_statements_for_5_and_50_employees() {
    let app = TestApp::new().await;
    let max = app.member("max", Role::Manager, Some("Alpha")).await;
    let alpha = app.company_named("Alpha").await;
    let week = weeks_ago(2);
    let query = "query ($alpha: ID!, $week: Date!) {
        timesheets(filter: {companyId: $alpha, weekFrom: $week, weekTo: $week}, first: 50) { nodes {
            id employee { name } entries { minutes } schedule { id } timeEntries { minutes }
            notes { body author { username } } history { action }
            days { date totals { workedMinutes } }
            totals { scheduledMinutes workedMinutes clockedMinutes }
        } }
    }";
    let run = async || {
        let before = app.app.statements.get();
        let body = app
            .gql_as(
                &max,
                query,
                json!({ "alpha": alpha, "week": week.to_string() }),
            )
            .await;
        let statements = app.app.statements.get() - before;
        let nodes = body["data"]["timesheets"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .clone();
        for node in &nodes {
            assert!(node["employee"]["name"].is_string(), "{node}");
            assert_eq!(node["entries"], json!([{ "minutes": 450 }]), "{node}");
            assert_eq!(node["schedule"].as_array().expect("shifts").len(), 1);
            assert_eq!(node["timeEntries"], json!([{ "minutes": 480 }]));
            assert_eq!(
                node["notes"],
                json!([{ "body": "Looks right", "author": { "username": "max" } }])
            );
            assert_eq!(node["history"], json!([{ "action": "SUBMIT_HOURS" }]));
            assert_eq!(node["days"].as_array().expect("days").len(), 7);
            assert_eq!(node["days"][1]["totals"]["workedMinutes"], 450);
            assert_eq!(
                node["totals"],
                json!({ "scheduledMinutes": 480, "workedMinutes": 450, "clockedMinutes": 480 })
            );
        }
        (nodes.len(), statements)
    };

    add_sheets(&app, &alpha, week, &max.id, 1, 5).await;
    let (count, few) = run().await;
    assert_eq!(count, 5);
    add_sheets(&app, &alpha, week, &max.id, 6, 50).await;
    let (count, many) = run().await;
    assert_eq!(count, 50);
    assert_eq!(few, many, "statements must not grow with the rows");
    // The viewer's session, the page, then one statement per relation: employees, entries,
    // shifts, sessions, notes, their authors, history, days (days and totals share theirs).
    assert!(many <= 1 + 1 + 8, "{many} statements");
}

// Live events --------------------------------------------------------------------------------

const TIMESHEET_EVENTS: &str =
    "subscription ($company: ID!) { timesheetEvents(companyId: $company) {
    kind timesheet { id status } note { kind reportType body resolvedAt } actor { username }
} }";

fn sheet_event(line: &Value) -> &Value {
    let event = &line["next"]["data"]["timesheetEvents"];
    assert!(event.is_object(), "not an event: {line}");
    event
}

/// The next event that is not about the sheet `skip` (late events of priming).
async fn next_but_of(events: &mut NodeSubscription, skip: &str) -> Value {
    loop {
        let line = events.next().await;
        if line["next"]["data"]["timesheetEvents"]["timesheet"]["id"] != skip {
            return line;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn managers_hear_status_changes_and_reports_of_their_companys_timesheets() {
    let app = TestApp::new().await;
    let (addr, _server) = app.spawn_server().await;
    let staff = staff(&app).await;
    let (eve, max, hal) = (&staff.eve, &staff.max, &staff.hal);
    let bob = app.member("bob", Role::Manager, Some("Bravo")).await;
    let week = weeks_ago(1);
    let sheet = sheet_id(&staff.eve_record, week);
    let primer = sheet_id(&staff.walt, weeks_ago(5));

    let mut refused_events = NodeSubscription::start(
        addr,
        Some(&bob.access),
        TIMESHEET_EVENTS,
        json!({ "company": staff.alpha }),
    )
    .await;
    refused_events.connected().await;
    let line = refused_events.next().await;
    assert_eq!(
        line["next"]["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{line}"
    );

    let mut events = NodeSubscription::start(
        addr,
        Some(&max.access),
        TIMESHEET_EVENTS,
        json!({ "company": staff.alpha }),
    )
    .await;
    events.connected().await;
    // Primed with Walt's week going back and forth (Hal submits for him: he has no account).
    let mut submitted = false;
    let primed = events
        .prime(async || {
            let body = if submitted {
                step_for(&app, hal, "rejectHours", &primer, "priming").await
            } else {
                step(&app, hal, "submitHours", &primer).await
            };
            assert!(body["errors"].is_null(), "{body}");
            submitted = !submitted;
        })
        .await;
    assert_eq!(sheet_event(&primed)["kind"], "STATUS_CHANGED", "{primed}");
    assert_eq!(sheet_event(&primed)["timesheet"]["id"], primer.as_str());

    let body = add_entry(&app, eve, &sheet, plus(week, 1), "09:00", "17:00", None).await;
    ok(&body, "addTimesheetEntry");
    ok(&step(&app, eve, "submitHours", &sheet).await, "submitHours");
    let line = next_but_of(&mut events, &primer).await;
    assert_eq!(
        sheet_event(&line),
        &json!({
            "kind": "STATUS_CHANGED",
            "timesheet": { "id": sheet, "status": "HOURS_SUBMITTED" },
            "note": null,
            "actor": { "username": "eve" },
        })
    );

    // A comment is no event; a report is.
    let body = add_note(&app, max, &sheet, "COMMENT", None, "Thanks").await;
    ok(&body, "addNote");
    let body = add_note(
        &app,
        max,
        &sheet,
        "REPORT",
        Some("NO_SHOW"),
        "Missed Tuesday",
    )
    .await;
    let report = id_of(ok(&body, "addNote"));
    let line = next_but_of(&mut events, &primer).await;
    assert_eq!(
        sheet_event(&line),
        &json!({
            "kind": "REPORT_OPENED",
            "timesheet": { "id": sheet, "status": "HOURS_SUBMITTED" },
            "note": { "kind": "REPORT", "reportType": "NO_SHOW", "body": "Missed Tuesday",
                      "resolvedAt": null },
            "actor": { "username": "max" },
        })
    );
    let body = app.gql_as(hal, RESOLVE_NOTE, json!({ "id": report })).await;
    ok(&body, "resolveNote");
    let line = next_but_of(&mut events, &primer).await;
    let event = sheet_event(&line);
    assert_eq!(event["kind"], "REPORT_RESOLVED", "{line}");
    assert_eq!(event["timesheet"]["id"], sheet.as_str());
    assert!(event["note"]["resolvedAt"].is_string(), "{line}");
    assert_eq!(event["actor"]["username"], "hal");

    ok(&step(&app, max, "reviewHours", &sheet).await, "reviewHours");
    let line = next_but_of(&mut events, &primer).await;
    assert_eq!(sheet_event(&line)["kind"], "STATUS_CHANGED", "{line}");
    assert_eq!(sheet_event(&line)["timesheet"]["status"], "HOURS_REVIEWED");
    assert_eq!(sheet_event(&line)["actor"]["username"], "max");
}

#[tokio::test(flavor = "multi_thread")]
async fn employees_hear_only_their_own_timesheet_events() {
    let app = TestApp::new().await;
    let (addr, _server) = app.spawn_server().await;
    let staff = staff(&app).await;
    let (eve, max) = (&staff.eve, &staff.max);
    let user = app.member("ann", Role::User, Some("Alpha")).await;
    let primer = sheet_id(&staff.eve_record, weeks_ago(5));
    let own = sheet_id(&staff.eve_record, weeks_ago(1));
    let walts = sheet_id(&staff.walt, weeks_ago(1));

    let mut forbidden = NodeSubscription::start(
        addr,
        Some(&user.access),
        TIMESHEET_EVENTS,
        json!({ "company": staff.alpha }),
    )
    .await;
    forbidden.connected().await;
    let line = forbidden.next().await;
    assert_eq!(
        line["next"]["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{line}"
    );

    let mut events = NodeSubscription::start(
        addr,
        Some(&eve.access),
        TIMESHEET_EVENTS,
        json!({ "company": staff.alpha }),
    )
    .await;
    events.connected().await;
    let mut submitted = false;
    events
        .prime(async || {
            let body = if submitted {
                step_for(&app, max, "rejectHours", &primer, "priming").await
            } else {
                step(&app, eve, "submitHours", &primer).await
            };
            assert!(body["errors"].is_null(), "{body}");
            submitted = !submitted;
        })
        .await;

    ok(&step(&app, max, "submitHours", &walts).await, "submitHours");
    ok(&step(&app, eve, "submitHours", &own).await, "submitHours");
    // Events arrive in the order of their commits: Walt's would have come first.
    let line = next_but_of(&mut events, &primer).await;
    assert_eq!(
        sheet_event(&line)["timesheet"]["id"],
        own.as_str(),
        "{line}"
    );
    assert_eq!(sheet_event(&line)["kind"], "STATUS_CHANGED");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_written_while_the_week_is_being_finalized_is_not_missed() {
    use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
    let app = TestApp::new().await;
    let staff = staff(&app).await;
    let week = weeks_ago(3);
    let sheet = sheet_id(&staff.walt, week);
    for operation in ["submitHours", "reviewHours", "submitSchedule"] {
        ok(&step(&app, &staff.max, operation, &sheet).await, operation);
    }

    // Another transaction writes a report and has not committed when finalizing starts.
    let mut writer = AsyncPgConnection::establish(&app.database_url)
        .await
        .expect("connection");
    writer
        .batch_execute(&format!(
            "BEGIN; INSERT INTO timesheet_notes (employee_id, week, kind, report_type, body, author_id) \
             VALUES ({}, '{week}', 'REPORT', 'OTHER', 'Hold on', {})",
            staff.walt, staff.max.id
        ))
        .await
        .expect("the report");
    let waiting = "SELECT count(*) AS n FROM pg_stat_activity \
        WHERE datname = current_database() AND wait_event_type = 'Lock'";
    let (finalized, ()) =
        tokio::join!(step(&app, &staff.hal, "finalizeTimesheet", &sheet), async {
            // Finalizing waits for the writer's lock on the sheet; then the writer commits.
            let started = std::time::Instant::now();
            while app.count(waiting).await == 0 {
                assert!(
                    started.elapsed() < crate::common::workforce::PATIENCE,
                    "finalizing never waited for the report's transaction"
                );
                tokio::task::yield_now().await;
            }
            writer.batch_execute("COMMIT").await.expect("commit");
        });
    refused(&finalized, "CONFLICT", "OPEN_REPORTS");
    assert_eq!(
        read_sheet(&app, &staff.max, &staff.walt, week).await["status"],
        "HOURS_REVIEWED"
    );
}
