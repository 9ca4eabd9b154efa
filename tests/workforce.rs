//! The workforce area as its people live it: companies and their members, employees, clocking
//! in and out, sessions entered and corrected by managers with their history, hours and
//! balances, retries and races, and who reaches what: every operation at every permission
//! level, and every path to a record (lists, ids, nested fields) kept to the viewer's scope.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rollcall::auth::identity::{AccountStatus, Role};
use serde_json::{Value, json};

use crate::common::accounts::{PASSWORD, TestUser, first_error_reason};
use crate::common::workforce::{
    CLOCK_IN, CLOCK_OUT, CREATE_EMPLOYEE, CREATE_SESSION, DELETE_SESSION, SET_PIN, UPDATE_EMPLOYEE,
    UPDATE_SESSION, first_error_field, hours_ago, ids, iso, now,
};
use crate::common::{TestApp, first_error_code};

/// A past day at `hour`:00 UTC, `days` days ago.
fn day_at(days: i64, hour: u32) -> DateTime<Utc> {
    let day = (Utc::now() - Duration::days(days)).date_naive();
    Utc.from_utc_datetime(&day.and_hms_opt(hour, 0, 0).expect("a time"))
}

/// What a response says, as one character: ✓ data, ∅ null or an empty list, U
/// UNAUTHENTICATED, F FORBIDDEN LEVEL_TOO_LOW, S SELF_EDIT, K KIOSK_ONLY, R TARGET_RANK, N
/// NOT_FOUND, C CONFLICT, B BAD_USER_INPUT, ? anything else.
fn outcome(body: &Value) -> char {
    if let Some(error) = body["errors"].as_array().and_then(|errors| errors.first()) {
        let extensions = &error["extensions"];
        return match (
            extensions["code"].as_str().unwrap_or_default(),
            extensions["reason"].as_str().unwrap_or_default(),
        ) {
            ("UNAUTHENTICATED", "") => 'U',
            ("FORBIDDEN", "LEVEL_TOO_LOW") => 'F',
            ("FORBIDDEN", "SELF_EDIT") => 'S',
            ("FORBIDDEN", "KIOSK_ONLY") => 'K',
            ("FORBIDDEN", "TARGET_RANK") => 'R',
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

/// One operation of the matrix, and what each level 0 to 7 gets.
struct Row {
    operation: &'static str,
    query: &'static str,
    expected: &'static str,
}

/// Levels: 0 anonymous, 1 inactive, 2 user, 3 employee, 4 manager, 5 head manager, 6 owner,
/// 7 admin. The viewers of levels 1 to 7 are members of Alpha, each with an employee record
/// there (`$own`); Bravo is another company. Targets named per level (`$clockee`, `$doomed`,
/// ...) are fresh for each level, so that the rows are independent of one another.
const ROWS: &[Row] = &[
    Row {
        operation: "companies",
        query: r#"{ companies(filter: {search: "Alpha"}) { nodes { id } } }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "companies (another company)",
        query: r#"{ companies(filter: {search: "Bravo"}) { nodes { id } } }"#,
        expected: "UFF∅∅∅✓✓",
    },
    Row {
        operation: "company",
        query: "query ($alpha: ID!) { company(id: $alpha) { id } }",
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "company (another company)",
        query: "query ($bravo: ID!) { company(id: $bravo) { id } }",
        expected: "UFF∅∅∅✓✓",
    },
    Row {
        operation: "Company.members",
        query: "query ($alpha: ID!) { company(id: $alpha) { members { id } } }",
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "Company.kiosks",
        query: "query ($alpha: ID!) { company(id: $alpha) { kiosks { id } } }",
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "User.companies",
        query: "{ me { companies { id } } }",
        expected: "∅FF✓✓✓✓✓",
    },
    Row {
        operation: "User.employees",
        query: "{ me { employees { id } } }",
        expected: "∅FF✓✓✓✓✓",
    },
    Row {
        operation: "employees",
        query: "query ($alpha: ID!) { employees(filter: {companyId: $alpha}) { nodes { id } } }",
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "employees (another company)",
        query: "query ($bravo: ID!) { employees(filter: {companyId: $bravo}) { nodes { id } } }",
        expected: "UFF∅∅∅✓✓",
    },
    Row {
        operation: "employee (own)",
        query: "query ($own: ID!) { employee(id: $own) { id } }",
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "employee (a colleague)",
        query: "query ($worker: ID!) { employee(id: $worker) { id } }",
        expected: "UFF∅✓✓✓✓",
    },
    Row {
        operation: "employee (another company)",
        query: "query ($outsider: ID!) { employee(id: $outsider) { id } }",
        expected: "UFF∅∅∅✓✓",
    },
    Row {
        operation: "workSessions (own)",
        query: "query ($own: ID!) { workSessions(filter: {employeeId: $own}) { nodes { id } } }",
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "workSessions (a colleague's)",
        query: "query ($worker: ID!) { workSessions(filter: {employeeId: $worker}) { nodes { id } } }",
        expected: "UFF∅✓✓✓✓",
    },
    Row {
        operation: "workSessions (another company)",
        query: "query ($bravo: ID!) { workSessions(filter: {companyId: $bravo}) { nodes { id } } }",
        expected: "UFF∅∅∅✓✓",
    },
    Row {
        operation: "workSession (own)",
        query: "query ($ownSession: ID!) { workSession(id: $ownSession) { id } }",
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "workSession (a colleague's)",
        query: "query ($workerSession: ID!) { workSession(id: $workerSession) { id } }",
        expected: "UFF∅✓✓✓✓",
    },
    Row {
        operation: "workSession (another company)",
        query: "query ($outsiderSession: ID!) { workSession(id: $outsiderSession) { id } }",
        expected: "UFF∅∅∅✓✓",
    },
    Row {
        operation: "clockedIn",
        query: "query ($alpha: ID!) { clockedIn(companyId: $alpha) { id } }",
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "clockedIn (another company)",
        query: "query ($bravo: ID!) { clockedIn(companyId: $bravo) { id } }",
        expected: "UFFFNN✓✓",
    },
    Row {
        operation: "createCompany",
        query: r#"mutation ($n: String!) { createCompany(input: {name: $n, timeZone: "UTC"}) { id } }"#,
        expected: "UFFFFF✓✓",
    },
    Row {
        operation: "updateCompany",
        query: r#"mutation ($alpha: ID!) { updateCompany(id: $alpha, input: {timeZone: "UTC"}) { id } }"#,
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "updateCompany (another company)",
        query: r#"mutation ($bravo: ID!) { updateCompany(id: $bravo, input: {timeZone: "UTC"}) { id } }"#,
        expected: "UFFFFN✓✓",
    },
    Row {
        operation: "addCompanyMember",
        query: "mutation ($alpha: ID!, $candidate: ID!) { addCompanyMember(companyId: $alpha, userId: $candidate) { id } }",
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "addCompanyMember (another company)",
        query: "mutation ($bravo: ID!, $candidate: ID!) { addCompanyMember(companyId: $bravo, userId: $candidate) { id } }",
        expected: "UFFFFN✓✓",
    },
    Row {
        operation: "removeCompanyMember",
        query: "mutation ($alpha: ID!, $candidate: ID!) { removeCompanyMember(companyId: $alpha, userId: $candidate) { id } }",
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "removeCompanyMember (another company)",
        query: "mutation ($bravo: ID!, $candidate: ID!) { removeCompanyMember(companyId: $bravo, userId: $candidate) { id } }",
        expected: "UFFFFN✓✓",
    },
    Row {
        operation: "createEmployee",
        query: r#"mutation ($alpha: ID!) { createEmployee(input: {companyId: $alpha, name: "New", annualHours: 100}) { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "createEmployee (another company)",
        query: r#"mutation ($bravo: ID!) { createEmployee(input: {companyId: $bravo, name: "New", annualHours: 100}) { id } }"#,
        expected: "UFFFNN✓✓",
    },
    Row {
        operation: "createEmployee with a fingerprint",
        query: r#"mutation ($alpha: ID!, $n: String!) { createEmployee(input: {companyId: $alpha, name: "New", annualHours: 100, fingerprint: $n}) { id } }"#,
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "updateEmployee",
        query: "mutation ($worker: ID!) { updateEmployee(id: $worker, input: {annualHours: 1200}) { id } }",
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "updateEmployee (another company)",
        query: "mutation ($outsider: ID!) { updateEmployee(id: $outsider, input: {annualHours: 1200}) { id } }",
        expected: "UFFFNN✓✓",
    },
    Row {
        operation: "updateEmployee with a fingerprint",
        query: r#"mutation ($worker: ID!) { updateEmployee(id: $worker, input: {fingerprint: "worker's"}) { id } }"#,
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "setEmployeePin (own)",
        query: r#"mutation ($own: ID!) { setEmployeePin(employeeId: $own, pin: "1234") }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "setEmployeePin (a colleague's)",
        query: r#"mutation ($worker: ID!) { setEmployeePin(employeeId: $worker, pin: "1234") }"#,
        expected: "UFFN✓✓✓✓",
    },
    Row {
        operation: "setEmployeePin (another company)",
        query: r#"mutation ($outsider: ID!) { setEmployeePin(employeeId: $outsider, pin: "1234") }"#,
        expected: "UFFNNN✓✓",
    },
    Row {
        operation: "clockIn (own, implied)",
        query: "mutation { clockIn { id } }",
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "clockOut (own, implied)",
        query: "mutation { clockOut { id } }",
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "clockIn (a colleague)",
        query: "mutation ($clockee: ID!) { clockIn(input: {employeeId: $clockee}) { id } }",
        expected: "UFFN✓✓✓✓",
    },
    Row {
        operation: "clockOut (a colleague)",
        query: "mutation ($clockee: ID!) { clockOut(input: {employeeId: $clockee}) { id } }",
        expected: "UFFN✓✓✓✓",
    },
    Row {
        // The outsider is clocked in: in scope, the clock-in clashes.
        operation: "clockIn (another company)",
        query: "mutation ($outsider: ID!) { clockIn(input: {employeeId: $outsider}) { id } }",
        expected: "UFFNNNCC",
    },
    Row {
        operation: "createWorkSession (own)",
        query: "mutation ($own: ID!, $start: DateTime!, $end: DateTime) { createWorkSession(input: {employeeId: $own, start: $start, end: $end}) { id } }",
        expected: "UFFFSSSS",
    },
    Row {
        operation: "createWorkSession (a colleague)",
        query: "mutation ($clockee: ID!, $start: DateTime!, $end: DateTime) { createWorkSession(input: {employeeId: $clockee, start: $start, end: $end}) { id } }",
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "createWorkSession (another company)",
        query: "mutation ($outsider: ID!, $start: DateTime!, $end: DateTime) { createWorkSession(input: {employeeId: $outsider, start: $start, end: $end}) { id } }",
        expected: "UFFFNN✓✓",
    },
    Row {
        operation: "updateWorkSession (own)",
        query: r#"mutation ($ownSession: ID!) { updateWorkSession(id: $ownSession, input: {note: "x"}, reason: "check") { id } }"#,
        expected: "UFFFSSSS",
    },
    Row {
        operation: "updateWorkSession (a colleague's)",
        query: r#"mutation ($workerSession: ID!) { updateWorkSession(id: $workerSession, input: {note: "x"}, reason: "check") { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "updateWorkSession (another company)",
        query: r#"mutation ($outsiderSession: ID!) { updateWorkSession(id: $outsiderSession, input: {note: "x"}, reason: "check") { id } }"#,
        expected: "UFFFNN✓✓",
    },
    Row {
        operation: "deleteWorkSession (own)",
        query: r#"mutation ($ownSession: ID!) { deleteWorkSession(id: $ownSession, reason: "check") }"#,
        expected: "UFFFSSSS",
    },
    Row {
        operation: "deleteWorkSession (a colleague's)",
        query: r#"mutation ($doomedSession: ID!) { deleteWorkSession(id: $doomedSession, reason: "check") }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "deleteWorkSession (another company)",
        query: r#"mutation ($bravoSession: ID!) { deleteWorkSession(id: $bravoSession, reason: "check") }"#,
        expected: "UFFFNN✓✓",
    },
    Row {
        operation: "deleteEmployee",
        query: "mutation ($doomed: ID!) { deleteEmployee(id: $doomed) }",
        expected: "UFFF✓✓✓✓",
    },
    Row {
        // The outsider is clocked in: in scope, the deletion is refused for that.
        operation: "deleteEmployee (another company)",
        query: "mutation ($outsider: ID!) { deleteEmployee(id: $outsider) }",
        expected: "UFFFNNCC",
    },
    Row {
        operation: "eraseEmployee",
        query: "mutation ($archived: ID!) { eraseEmployee(id: $archived) { id } }",
        expected: "UFFFFF✓✓",
    },
    Row {
        operation: "registerKiosk",
        query: r#"mutation ($alpha: ID!) { registerKiosk(companyId: $alpha, name: "Door") { token } }"#,
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "registerKiosk (another company)",
        query: r#"mutation ($bravo: ID!) { registerKiosk(companyId: $bravo, name: "Door") { token } }"#,
        expected: "UFFFFN✓✓",
    },
    Row {
        operation: "revokeKiosk",
        query: "mutation ($kiosk: ID!) { revokeKiosk(id: $kiosk) }",
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "revokeKiosk (another company)",
        query: "mutation ($bravoKiosk: ID!) { revokeKiosk(id: $bravoKiosk) }",
        expected: "UFFFFN✓✓",
    },
    Row {
        operation: "kioskClock (with an account's token)",
        query: r#"mutation { kioskClock(input: {fingerprint: "x"}) { kind } }"#,
        expected: "UKKKKKKK",
    },
];

/// The accounts of levels 1 to 7.
const LEVELS: [(Role, AccountStatus); 7] = [
    (Role::Employee, AccountStatus::Inactive),
    (Role::User, AccountStatus::Active),
    (Role::Employee, AccountStatus::Active),
    (Role::Manager, AccountStatus::Active),
    (Role::HeadManager, AccountStatus::Active),
    (Role::Owner, AccountStatus::Active),
    (Role::Admin, AccountStatus::Active),
];

/// A kiosk of `company` straight in the database; answers its id.
async fn kiosk_row(app: &TestApp, company: &str) -> String {
    app.id(&format!(
        "INSERT INTO kiosks (company_id, name, token_hash) \
         VALUES ({company}, 'Door', sha256(convert_to(gen_random_uuid()::text, 'UTF8'))) RETURNING id AS n"
    ))
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn every_workforce_operation_at_every_level() {
    let app = TestApp::new().await;
    let alpha = app.company("Alpha", "UTC").await;
    let bravo = app.company("Bravo", "UTC").await;
    let candidate = app
        .create_account_in("candidate", Role::User, AccountStatus::Active, None)
        .await;
    let worker = app.employee(&alpha, "Worker", None).await;
    let worker_session = app
        .session(&worker, day_at(2, 9), Some(day_at(2, 17)))
        .await;
    app.session(&worker, hours_ago(1), None).await;
    let outsider = app.employee(&bravo, "Outsider", None).await;
    let outsider_session = app.session(&outsider, hours_ago(1), None).await;

    let mut viewers: Vec<Option<TestUser>> = vec![None];
    let mut variables = Vec::new();
    for level in 0..8usize {
        let own = if level == 0 {
            worker.clone()
        } else {
            let (role, status) = LEVELS[level - 1];
            let name = format!("level{level}");
            let id = app
                .create_account_in(&name, role, status, Some("Alpha"))
                .await;
            viewers.push(Some(app.login(&name, PASSWORD).await));
            app.employee(&alpha, &format!("Level {level}"), Some(&id))
                .await
        };
        let level_hours = i64::try_from(level).expect("small");
        let own_session = app.session(&own, day_at(3, 9), Some(day_at(3, 10))).await;
        let clockee = app
            .employee(&alpha, &format!("Clockee {level}"), None)
            .await;
        let doomed = app.employee(&alpha, &format!("Doomed {level}"), None).await;
        let archived = app
            .id(&format!(
                "INSERT INTO employees (company_id, name, annual_hours, active) \
                 VALUES ({alpha}, 'Archived {level}', 0, false) RETURNING id AS n"
            ))
            .await;
        let slot = day_at(10, 0) + Duration::hours(level_hours);
        let doomed_session = app
            .session(&worker, slot, Some(slot + Duration::minutes(30)))
            .await;
        let bravo_session = app
            .session(&outsider, slot, Some(slot + Duration::minutes(30)))
            .await;
        let start = day_at(20, 0) + Duration::hours(level_hours);
        variables.push(json!({
            "alpha": alpha,
            "bravo": bravo,
            "candidate": candidate,
            "worker": worker,
            "workerSession": worker_session,
            "outsider": outsider,
            "outsiderSession": outsider_session,
            "own": own,
            "ownSession": own_session,
            "clockee": clockee,
            "doomed": doomed,
            "archived": archived,
            "doomedSession": doomed_session,
            "bravoSession": bravo_session,
            "kiosk": kiosk_row(&app, &alpha).await,
            "bravoKiosk": kiosk_row(&app, &bravo).await,
            "n": format!("New {level}"),
            "start": iso(start),
            "end": iso(start + Duration::minutes(30)),
        }));
    }

    let mut failures = Vec::new();
    for row in ROWS {
        let mut got = String::new();
        let mut bodies = Vec::new();
        for (level, viewer) in viewers.iter().enumerate() {
            let body = match viewer {
                Some(user) => app.gql_as(user, row.query, variables[level].clone()).await,
                None => app.gql(row.query, variables[level].clone()).await,
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

// Companies and members ----------------------------------------------------------------------

const CREATE_COMPANY: &str = "mutation ($name: String!, $zone: String!) {
    createCompany(input: {name: $name, timeZone: $zone}) { id name timeZone }
}";
const UPDATE_COMPANY: &str = "mutation ($id: ID!, $name: String, $zone: String) {
    updateCompany(id: $id, input: {name: $name, timeZone: $zone}) { id name timeZone }
}";
const ADD_MEMBER: &str = "mutation ($company: ID!, $user: ID, $email: String) {
    addCompanyMember(companyId: $company, userId: $user, email: $email) { id members { username } }
}";
const REMOVE_MEMBER: &str = "mutation ($company: ID!, $user: ID!) {
    removeCompanyMember(companyId: $company, userId: $user) { id members { username } }
}";

fn usernames(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|user| user["username"].as_str().expect("a username"))
        .collect()
}

/// The usernames of the members of `company`, a to z, as the database has them.
async fn members(app: &TestApp, company: &str) -> Vec<String> {
    app.texts(&format!(
        "SELECT u.username AS t FROM company_members m JOIN users u ON u.id = m.user_id \
         WHERE m.company_id = {company} ORDER BY u.username"
    ))
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn owners_create_companies_with_unique_names_in_known_time_zones() {
    let app = TestApp::new().await;
    let owner = app.member("boss", Role::Owner, None).await;
    let body = app
        .gql_as(
            &owner,
            CREATE_COMPANY,
            json!({ "name": "  Studio Norte ", "zone": "Europe/Madrid" }),
        )
        .await;
    let created = &body["data"]["createCompany"];
    assert_eq!(created["name"], "Studio Norte", "{body}");
    assert_eq!(created["timeZone"], "Europe/Madrid");

    let taken = app
        .gql_as(
            &owner,
            CREATE_COMPANY,
            json!({ "name": "STUDIO NORTE", "zone": "UTC" }),
        )
        .await;
    assert_eq!(first_error_code(&taken), "CONFLICT", "{taken}");
    assert_eq!(first_error_reason(&taken), "COMPANY_NAME_TAKEN");
    assert_eq!(first_error_field(&taken), "name");

    let zone = app
        .gql_as(
            &owner,
            CREATE_COMPANY,
            json!({ "name": "Studio Sur", "zone": "Mars/Olympus" }),
        )
        .await;
    assert_eq!(first_error_code(&zone), "BAD_USER_INPUT", "{zone}");
    assert_eq!(first_error_reason(&zone), "UNKNOWN_TIME_ZONE");
    assert_eq!(first_error_field(&zone), "timeZone");

    let blank = app
        .gql_as(
            &owner,
            CREATE_COMPANY,
            json!({ "name": "  ", "zone": "UTC" }),
        )
        .await;
    assert_eq!(first_error_code(&blank), "BAD_USER_INPUT");
    assert_eq!(first_error_field(&blank), "name");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM companies").await,
        1,
        "only the first company was made"
    );

    // A head manager renames their company; another company is not found.
    let id = created["id"].as_str().expect("id");
    let other = app.company("Other", "UTC").await;
    let head = app
        .member("head", Role::HeadManager, Some("Studio Norte"))
        .await;
    let renamed = app
        .gql_as(
            &head,
            UPDATE_COMPANY,
            json!({ "id": id, "name": "Studio Centro" }),
        )
        .await;
    assert_eq!(
        renamed["data"]["updateCompany"],
        json!({ "id": id, "name": "Studio Centro", "timeZone": "Europe/Madrid" }),
        "{renamed}"
    );
    let clash = app
        .gql_as(
            &head,
            UPDATE_COMPANY,
            json!({ "id": id, "zone": "Nowhere/Town" }),
        )
        .await;
    assert_eq!(first_error_reason(&clash), "UNKNOWN_TIME_ZONE", "{clash}");
    let elsewhere = app
        .gql_as(
            &head,
            UPDATE_COMPANY,
            json!({ "id": other, "name": "Mine now" }),
        )
        .await;
    assert_eq!(first_error_code(&elsewhere), "NOT_FOUND", "{elsewhere}");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM companies WHERE name = 'Other'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn head_managers_change_members_ranking_below_them_in_their_companies() {
    let app = TestApp::new().await;
    let head = app.member("head", Role::HeadManager, Some("Alpha")).await;
    let owner = app.member("boss", Role::Owner, None).await;
    let alpha = app.company_named("Alpha").await;
    let bravo = app.company("Bravo", "UTC").await;
    let mut id = std::collections::HashMap::new();
    for (name, role) in [
        ("ann", Role::User),
        ("eve", Role::Employee),
        ("max", Role::Manager),
        ("hal", Role::HeadManager),
        ("ozzy", Role::Owner),
    ] {
        let user = app
            .create_account_in(name, role, AccountStatus::Active, None)
            .await;
        id.insert(name, user);
    }

    let added = app
        .gql_as(
            &head,
            ADD_MEMBER,
            json!({ "company": alpha, "user": id["ann"] }),
        )
        .await;
    assert_eq!(
        usernames(&added["data"]["addCompanyMember"]["members"]),
        ["ann", "head"],
        "{added}"
    );
    let by_email = app
        .gql_as(
            &head,
            ADD_MEMBER,
            json!({ "company": alpha, "email": " EVE@example.com" }),
        )
        .await;
    assert_eq!(
        usernames(&by_email["data"]["addCompanyMember"]["members"]),
        ["ann", "eve", "head"],
        "{by_email}"
    );
    let manager = app
        .gql_as(
            &head,
            ADD_MEMBER,
            json!({ "company": alpha, "user": id["max"] }),
        )
        .await;
    assert!(manager["errors"].is_null(), "{manager}");
    // Adding a member again changes nothing.
    let again = app
        .gql_as(
            &head,
            ADD_MEMBER,
            json!({ "company": alpha, "user": id["max"] }),
        )
        .await;
    assert!(again["errors"].is_null(), "{again}");

    for peer in ["hal", "ozzy"] {
        let body = app
            .gql_as(
                &head,
                ADD_MEMBER,
                json!({ "company": alpha, "user": id[peer] }),
            )
            .await;
        assert_eq!(first_error_code(&body), "FORBIDDEN", "{peer}: {body}");
        assert_eq!(first_error_reason(&body), "TARGET_RANK");
    }
    let elsewhere = app
        .gql_as(
            &head,
            ADD_MEMBER,
            json!({ "company": bravo, "user": id["ann"] }),
        )
        .await;
    assert_eq!(first_error_code(&elsewhere), "NOT_FOUND", "{elsewhere}");
    let nobody = app
        .gql_as(
            &head,
            ADD_MEMBER,
            json!({ "company": alpha, "email": "nobody@example.com" }),
        )
        .await;
    assert_eq!(first_error_code(&nobody), "BAD_USER_INPUT");
    assert_eq!(first_error_field(&nobody), "email");
    let both = app
        .gql_as(
            &head,
            ADD_MEMBER,
            json!({ "company": alpha, "user": id["ann"], "email": "ann@example.com" }),
        )
        .await;
    assert_eq!(first_error_code(&both), "BAD_USER_INPUT");
    assert_eq!(first_error_field(&both), "userId");
    assert_eq!(members(&app, &alpha).await, ["ann", "eve", "head", "max"]);
    assert!(members(&app, &bravo).await.is_empty());

    // Owners add anyone anywhere.
    for (company, name) in [(&bravo, "hal"), (&alpha, "hal"), (&alpha, "ozzy")] {
        let body = app
            .gql_as(
                &owner,
                ADD_MEMBER,
                json!({ "company": company, "user": id[name] }),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    assert_eq!(
        members(&app, &alpha).await,
        ["ann", "eve", "hal", "head", "max", "ozzy"]
    );

    // Removing: the member's employee record stays, unlinked.
    let record = app.employee(&alpha, "Max", Some(&id["max"])).await;
    app.session(&record, day_at(1, 9), Some(day_at(1, 12)))
        .await;
    let removed = app
        .gql_as(
            &head,
            REMOVE_MEMBER,
            json!({ "company": alpha, "user": id["max"] }),
        )
        .await;
    assert_eq!(
        usernames(&removed["data"]["removeCompanyMember"]["members"]),
        ["ann", "eve", "hal", "head", "ozzy"],
        "{removed}"
    );
    let unlinked = app
        .gql_as(
            &head,
            "query ($id: ID!) { employee(id: $id) { name active user { id } sessions { totalCount } } }",
            json!({ "id": record }),
        )
        .await;
    assert_eq!(
        unlinked["data"]["employee"],
        json!({ "name": "Max", "active": true, "user": null, "sessions": { "totalCount": 1 } }),
        "{unlinked}"
    );
    let peer = app
        .gql_as(
            &head,
            REMOVE_MEMBER,
            json!({ "company": alpha, "user": id["hal"] }),
        )
        .await;
    assert_eq!(first_error_reason(&peer), "TARGET_RANK", "{peer}");
    let elsewhere = app
        .gql_as(
            &head,
            REMOVE_MEMBER,
            json!({ "company": bravo, "user": id["hal"] }),
        )
        .await;
    assert_eq!(first_error_code(&elsewhere), "NOT_FOUND", "{elsewhere}");
    assert_eq!(members(&app, &bravo).await, ["hal"]);
    let by_owner = app
        .gql_as(
            &owner,
            REMOVE_MEMBER,
            json!({ "company": alpha, "user": id["hal"] }),
        )
        .await;
    assert!(by_owner["errors"].is_null(), "{by_owner}");
    assert_eq!(members(&app, &alpha).await, ["ann", "eve", "head", "ozzy"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn managers_create_and_change_employees_and_only_head_managers_enroll_fingerprints() {
    let app = TestApp::new().await;
    let manager = app.member("max", Role::Manager, Some("Alpha")).await;
    let head = app.member("head", Role::HeadManager, Some("Alpha")).await;
    let alpha = app.company_named("Alpha").await;
    let eve = app
        .create_account_in("eve", Role::Employee, AccountStatus::Active, Some("Alpha"))
        .await;
    let stranger = app
        .create_account_in("stranger", Role::Employee, AccountStatus::Active, None)
        .await;
    let input = |extra: Value| {
        let mut input = json!({ "companyId": alpha, "name": " Eve Li ", "annualHours": 1600 });
        input
            .as_object_mut()
            .expect("object")
            .extend(extra.as_object().expect("object").clone());
        json!({ "input": input })
    };

    let print = app
        .gql_as(
            &manager,
            CREATE_EMPLOYEE,
            input(json!({ "fingerprint": "eve-print" })),
        )
        .await;
    assert_eq!(first_error_code(&print), "FORBIDDEN", "{print}");
    assert_eq!(first_error_reason(&print), "LEVEL_TOO_LOW");
    assert_eq!(app.count("SELECT count(*) AS n FROM employees").await, 0);

    let body = app
        .gql_as(
            &manager,
            CREATE_EMPLOYEE,
            input(json!({ "userId": eve, "email": "eve.li@example.com" })),
        )
        .await;
    let created = &body["data"]["createEmployee"];
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(
        created,
        &json!({
            "id": id, "name": "Eve Li", "email": "eve.li@example.com", "annualHours": 1600,
            "active": true, "fingerprint": false, "company": { "id": alpha }, "user": { "id": eve },
        }),
        "{body}"
    );

    let twice = app
        .gql_as(&manager, CREATE_EMPLOYEE, input(json!({ "userId": eve })))
        .await;
    assert_eq!(first_error_code(&twice), "CONFLICT", "{twice}");
    assert_eq!(first_error_reason(&twice), "USER_HAS_EMPLOYEE");
    assert_eq!(first_error_field(&twice), "userId");
    let outsider = app
        .gql_as(
            &manager,
            CREATE_EMPLOYEE,
            input(json!({ "userId": stranger })),
        )
        .await;
    assert_eq!(first_error_code(&outsider), "BAD_USER_INPUT", "{outsider}");
    assert_eq!(first_error_reason(&outsider), "USER_NOT_MEMBER");
    assert_eq!(first_error_field(&outsider), "userId");
    for (extra, field) in [
        (json!({ "annualHours": 8785 }), "annualHours"),
        (json!({ "annualHours": -1 }), "annualHours"),
        (json!({ "name": " " }), "name"),
        (json!({ "email": "not an address" }), "email"),
    ] {
        let body = app.gql_as(&manager, CREATE_EMPLOYEE, input(extra)).await;
        assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(first_error_field(&body), field);
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM employees").await, 1);

    // Changes: a field left out keeps its value, null clears it.
    let changed = app
        .gql_as(
            &manager,
            UPDATE_EMPLOYEE,
            json!({ "id": id, "input": { "annualHours": 1200, "email": null } }),
        )
        .await;
    assert_eq!(
        changed["data"]["updateEmployee"],
        json!({
            "id": id, "name": "Eve Li", "email": null, "annualHours": 1200, "active": true,
            "fingerprint": false, "user": { "id": eve },
        }),
        "{changed}"
    );
    for fingerprint in [json!("eve-print"), Value::Null] {
        let body = app
            .gql_as(
                &manager,
                UPDATE_EMPLOYEE,
                json!({ "id": id, "input": { "fingerprint": fingerprint } }),
            )
            .await;
        assert_eq!(first_error_reason(&body), "LEVEL_TOO_LOW", "{body}");
    }
    let enrolled = app
        .gql_as(
            &head,
            UPDATE_EMPLOYEE,
            json!({ "id": id, "input": { "fingerprint": "eve-print" } }),
        )
        .await;
    assert_eq!(
        enrolled["data"]["updateEmployee"]["fingerprint"], true,
        "{enrolled}"
    );
    let copy = app
        .gql_as(
            &head,
            CREATE_EMPLOYEE,
            input(json!({ "name": "Copycat", "fingerprint": "eve-print" })),
        )
        .await;
    assert_eq!(first_error_code(&copy), "CONFLICT", "{copy}");
    assert_eq!(first_error_reason(&copy), "FINGERPRINT_TAKEN");
    let other = app
        .gql_as(
            &head,
            CREATE_EMPLOYEE,
            input(json!({ "name": "Ray", "fingerprint": "ray-print" })),
        )
        .await;
    assert_eq!(
        other["data"]["createEmployee"]["fingerprint"], true,
        "{other}"
    );
    // Only a MAC is stored.
    assert_eq!(
        app.count("SELECT count(*) AS n FROM employees WHERE position('eve-print' IN encode(fingerprint_mac, 'escape')) > 0")
            .await,
        0
    );
    let unlinked = app
        .gql_as(
            &manager,
            UPDATE_EMPLOYEE,
            json!({ "id": id, "input": { "userId": null } }),
        )
        .await;
    assert_eq!(
        unlinked["data"]["updateEmployee"]["user"],
        Value::Null,
        "{unlinked}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_an_employee_archives_one_with_history_and_owners_erase_archived_ones() {
    let app = TestApp::new().await;
    let manager = app.member("max", Role::Manager, Some("Alpha")).await;
    let owner = app.member("boss", Role::Owner, None).await;
    let alpha = app.company_named("Alpha").await;
    let eve = app
        .create_account_in("eve", Role::Employee, AccountStatus::Active, Some("Alpha"))
        .await;
    let delete = "mutation ($id: ID!) { deleteEmployee(id: $id) }";
    let erase = "mutation ($id: ID!) { eraseEmployee(id: $id) { id name email active erasedAt user { id } fingerprint } }";

    let newcomer = app.employee(&alpha, "Newcomer", None).await;
    let body = app
        .gql_as(&manager, delete, json!({ "id": newcomer }))
        .await;
    assert_eq!(body["data"]["deleteEmployee"], "DELETED", "{body}");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM employees WHERE id = {newcomer}"
        ))
        .await,
        0
    );

    // Planned shifts (a later area's records) keep an employee without sessions as well.
    let planned = app.employee(&alpha, "Planned", None).await;
    let shift = app
        .gql_as(
            &manager,
            "mutation ($input: CreateScheduleEntryInput!) { addScheduleEntry(input: $input) { id } }",
            json!({ "input": { "timesheetId": format!("{planned}:2026-11-29"), "date": "2026-12-01",
                "start": "09:00", "end": "17:00" } }),
        )
        .await;
    assert!(shift["errors"].is_null(), "{shift}");
    let body = app.gql_as(&manager, delete, json!({ "id": planned })).await;
    assert_eq!(body["data"]["deleteEmployee"], "ARCHIVED", "{body}");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM schedule_entries WHERE employee_id = {planned}"
        ))
        .await,
        1
    );

    let veteran = app.employee(&alpha, "Veteran", Some(&eve)).await;
    app.sql(&format!(
        "UPDATE employees SET email = 'v@example.com' WHERE id = {veteran}"
    ))
    .await;
    app.session(&veteran, day_at(3, 9), Some(day_at(3, 17)))
        .await;
    let open = app.session(&veteran, hours_ago(1), None).await;
    let clocked_in = app.gql_as(&manager, delete, json!({ "id": veteran })).await;
    assert_eq!(first_error_code(&clocked_in), "CONFLICT", "{clocked_in}");
    assert_eq!(first_error_reason(&clocked_in), "EMPLOYEE_CLOCKED_IN");
    let out = app
        .gql_as(
            &manager,
            CLOCK_OUT,
            json!({ "input": { "employeeId": veteran } }),
        )
        .await;
    assert_eq!(out["data"]["clockOut"]["id"], open.as_str(), "{out}");

    let active = app.gql_as(&owner, erase, json!({ "id": veteran })).await;
    assert_eq!(first_error_code(&active), "CONFLICT", "{active}");
    assert_eq!(first_error_reason(&active), "EMPLOYEE_ACTIVE");

    let body = app.gql_as(&manager, delete, json!({ "id": veteran })).await;
    assert_eq!(body["data"]["deleteEmployee"], "ARCHIVED", "{body}");
    let archived = app
        .gql_as(
            &manager,
            "query ($id: ID!) { employee(id: $id) { active sessions { totalCount } } }",
            json!({ "id": veteran }),
        )
        .await;
    assert_eq!(
        archived["data"]["employee"],
        json!({ "active": false, "sessions": { "totalCount": 2 } }),
        "{archived}"
    );
    let clock = app
        .gql_as(
            &manager,
            CLOCK_IN,
            json!({ "input": { "employeeId": veteran } }),
        )
        .await;
    assert_eq!(first_error_code(&clock), "CONFLICT", "{clock}");
    assert_eq!(first_error_reason(&clock), "EMPLOYEE_INACTIVE");
    let manual = app
        .gql_as(
            &manager,
            CREATE_SESSION,
            json!({ "input": { "employeeId": veteran, "start": iso(day_at(4, 9)), "end": iso(day_at(4, 10)) } }),
        )
        .await;
    assert_eq!(first_error_reason(&manual), "EMPLOYEE_INACTIVE", "{manual}");
    let pin = app
        .gql_as(&manager, SET_PIN, json!({ "id": veteran, "pin": "1234" }))
        .await;
    assert_eq!(first_error_reason(&pin), "EMPLOYEE_INACTIVE", "{pin}");

    let by_manager = app.gql_as(&manager, erase, json!({ "id": veteran })).await;
    assert_eq!(first_error_reason(&by_manager), "LEVEL_TOO_LOW");
    let erased = app.gql_as(&owner, erase, json!({ "id": veteran })).await;
    let erased = &erased["data"]["eraseEmployee"];
    assert_eq!(erased["name"], Value::Null, "{erased}");
    assert_eq!(erased["email"], Value::Null);
    assert_eq!(erased["user"], Value::Null);
    assert_eq!(erased["active"], false);
    assert!(erased["erasedAt"].is_string(), "{erased}");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM work_sessions WHERE employee_id = {veteran}"
        ))
        .await,
        2,
        "sessions stay"
    );
    let change = app
        .gql_as(
            &owner,
            UPDATE_EMPLOYEE,
            json!({ "id": veteran, "input": { "name": "Back" } }),
        )
        .await;
    assert_eq!(first_error_code(&change), "CONFLICT", "{change}");
    assert_eq!(first_error_reason(&change), "EMPLOYEE_ERASED");
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_an_account_unlinks_its_employee_records_which_stay() {
    let app = TestApp::new().await;
    let manager = app.member("max", Role::Manager, Some("Alpha")).await;
    let admin = app.member("root", Role::Admin, None).await;
    let alpha = app.company_named("Alpha").await;
    let eve = app.member("eve", Role::Employee, Some("Alpha")).await;
    let ray = app.member("ray", Role::Employee, Some("Alpha")).await;
    let eve_record = app.employee(&alpha, "Eve", Some(&eve.id)).await;
    let ray_record = app.employee(&alpha, "Ray", Some(&ray.id)).await;
    for record in [&eve_record, &ray_record] {
        app.session(record, day_at(2, 9), Some(day_at(2, 17))).await;
    }
    let clocked = app.gql_as(&eve, CLOCK_IN, json!({})).await;
    assert!(clocked["errors"].is_null(), "{clocked}");
    let clocked = app.gql_as(&eve, CLOCK_OUT, json!({})).await;
    assert!(clocked["errors"].is_null(), "{clocked}");

    let gone = app
        .gql_as(
            &eve,
            "mutation ($p: String!) { deleteAccount(password: $p) }",
            json!({ "p": PASSWORD }),
        )
        .await;
    assert_eq!(gone["data"]["deleteAccount"], true, "{gone}");
    let deleted = app
        .gql_as(
            &admin,
            "mutation ($id: ID!) { deleteUser(id: $id) }",
            json!({ "id": ray.id }),
        )
        .await;
    assert_eq!(deleted["data"]["deleteUser"], true, "{deleted}");

    let body = app
        .gql_as(
            &manager,
            "query ($alpha: ID!) { employees(filter: {companyId: $alpha}) { nodes { name active user { id } sessions { totalCount } } } }",
            json!({ "alpha": alpha }),
        )
        .await;
    assert_eq!(
        body["data"]["employees"]["nodes"],
        json!([
            { "name": "Eve", "active": true, "user": null, "sessions": { "totalCount": 2 } },
            { "name": "Ray", "active": true, "user": null, "sessions": { "totalCount": 1 } },
        ]),
        "{body}"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM employees WHERE user_id IN ({}, {})",
            eve.id, ray.id
        ))
        .await,
        0
    );
}

// Scope -------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn a_manager_of_one_company_sees_nothing_of_another() {
    let app = TestApp::new().await;
    let manager = app.member("max", Role::Manager, Some("Alpha")).await;
    let owner = app.member("boss", Role::Owner, None).await;
    let alpha = app.company_named("Alpha").await;
    app.member("bravohead", Role::HeadManager, Some("Bravo"))
        .await;
    let bravo = app.company_named("Bravo").await;
    let eve = app
        .create_account_in("eve", Role::Employee, AccountStatus::Active, Some("Alpha"))
        .await;
    let bob = app
        .create_account_in("bob", Role::Employee, AccountStatus::Active, Some("Bravo"))
        .await;
    // Sam works for both companies, with a record in each.
    let sam = app
        .create_account_in("sam", Role::Employee, AccountStatus::Active, Some("Alpha"))
        .await;
    app.join(&bravo, &sam).await;
    let eve_record = app.employee(&alpha, "Eve", Some(&eve)).await;
    let sam_alpha = app.employee(&alpha, "Sam A", Some(&sam)).await;
    let bob_record = app.employee(&bravo, "Bob", Some(&bob)).await;
    let sam_bravo = app.employee(&bravo, "Sam B", Some(&sam)).await;
    let eve_session = app
        .session(&eve_record, day_at(1, 9), Some(day_at(1, 17)))
        .await;
    let sam_session = app
        .session(&sam_alpha, day_at(1, 9), Some(day_at(1, 12)))
        .await;
    let bob_session = app
        .session(&bob_record, day_at(1, 9), Some(day_at(1, 17)))
        .await;
    let sam_bravo_session = app.session(&sam_bravo, hours_ago(2), None).await;
    // A session the owner (a member of no company) entered for Eve.
    let by_owner = app
        .gql_as(
            &owner,
            CREATE_SESSION,
            json!({ "input": { "employeeId": eve_record, "start": iso(day_at(2, 9)), "end": iso(day_at(2, 10)) } }),
        )
        .await;
    let owner_session = by_owner["data"]["createWorkSession"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{by_owner}"))
        .to_owned();

    let body = app
        .gql_as(
            &manager,
            "{ companies { nodes { id } totalCount }
               employees { nodes { id } totalCount }
               workSessions(first: 100) { nodes { id } totalCount }
               users(first: 100) { nodes { username } totalCount } }",
            json!({}),
        )
        .await;
    let data = &body["data"];
    assert_eq!(ids(&data["companies"]), [alpha.as_str()], "{body}");
    assert_eq!(data["companies"]["totalCount"], 1);
    assert_eq!(
        ids(&data["employees"]).into_iter().collect::<BTreeSet<_>>(),
        BTreeSet::from([eve_record.clone(), sam_alpha.clone()])
    );
    assert_eq!(data["employees"]["totalCount"], 2);
    assert_eq!(
        ids(&data["workSessions"])
            .into_iter()
            .collect::<BTreeSet<_>>(),
        BTreeSet::from([
            eve_session.clone(),
            sam_session.clone(),
            owner_session.clone()
        ])
    );
    assert_eq!(data["workSessions"]["totalCount"], 3);
    assert_eq!(
        usernames(&data["users"]["nodes"]),
        ["eve", "max", "sam"],
        "only the members of Alpha"
    );
    assert_eq!(data["users"]["totalCount"], 3);

    // By id: out of scope is null.
    let body = app
        .gql_as(
            &manager,
            "query ($bravo: ID!, $bob: ID!, $bobRecord: ID!, $bobSession: ID!, $samBravo: ID!) {
                company(id: $bravo) { id }
                user(id: $bob) { id }
                userByUsername(username: \"bob\") { id }
                employee(id: $bobRecord) { id }
                samBravo: employee(id: $samBravo) { id }
                workSession(id: $bobSession) { id }
                filtered: employees(filter: {companyId: $bravo}) { nodes { id } totalCount }
                sessions: workSessions(filter: {companyId: $bravo}) { nodes { id } totalCount }
            }",
            json!({
                "bravo": bravo, "bob": bob, "bobRecord": bob_record,
                "bobSession": bob_session, "samBravo": sam_bravo,
            }),
        )
        .await;
    assert_eq!(
        body["data"],
        json!({
            "company": null, "user": null, "userByUsername": null, "employee": null,
            "samBravo": null, "workSession": null,
            "filtered": { "nodes": [], "totalCount": 0 },
            "sessions": { "nodes": [], "totalCount": 0 },
        }),
        "{body}"
    );

    // Nested: Sam's companies and records, as far as Alpha goes; emails of members only.
    let body = app
        .gql_as(
            &manager,
            "query ($sam: ID!, $ownerSession: ID!) {
                user(id: $sam) { email companies { name } employees { id company { name } } }
                workSession(id: $ownerSession) { createdBy { username email companies { name } employees { id } } }
            }",
            json!({ "sam": sam, "ownerSession": owner_session }),
        )
        .await;
    assert_eq!(
        body["data"],
        json!({
            "user": {
                "email": "sam@example.com",
                "companies": [{ "name": "Alpha" }],
                "employees": [{ "id": sam_alpha, "company": { "name": "Alpha" } }],
            },
            "workSession": {
                "createdBy": { "username": "boss", "email": null, "companies": [], "employees": [] },
            },
        }),
        "{body}"
    );
    // An owner sees both.
    let body = app
        .gql_as(
            &owner,
            "query ($sam: ID!) { user(id: $sam) { email companies { name } employees { id } } }",
            json!({ "sam": sam }),
        )
        .await;
    assert_eq!(
        body["data"]["user"],
        json!({
            "email": "sam@example.com",
            "companies": [{ "name": "Alpha" }, { "name": "Bravo" }],
            "employees": [{ "id": sam_alpha }, { "id": sam_bravo }],
        }),
        "{body}"
    );

    // Mutations: out of scope is NOT_FOUND, and nothing changes.
    let attempts = [
        (
            UPDATE_EMPLOYEE,
            json!({ "id": bob_record, "input": { "annualHours": 1 } }),
        ),
        (SET_PIN, json!({ "id": bob_record, "pin": "1234" })),
        (
            "mutation ($id: ID!) { deleteEmployee(id: $id) }",
            json!({ "id": bob_record }),
        ),
        (CLOCK_IN, json!({ "input": { "employeeId": bob_record } })),
        (CLOCK_OUT, json!({ "input": { "employeeId": sam_bravo } })),
        (
            CREATE_SESSION,
            json!({ "input": { "employeeId": bob_record, "start": iso(day_at(5, 9)) , "end": iso(day_at(5, 10)) } }),
        ),
        (
            UPDATE_SESSION,
            json!({ "id": bob_session, "input": { "note": "mine" }, "reason": "because" }),
        ),
        (
            DELETE_SESSION,
            json!({ "id": bob_session, "reason": "because" }),
        ),
        (
            "query ($id: ID!) { clockedIn(companyId: $id) { id } }",
            json!({ "id": bravo }),
        ),
        (
            CREATE_EMPLOYEE,
            json!({ "input": { "companyId": bravo, "name": "Spy", "annualHours": 1 } }),
        ),
    ];
    for (query, variables) in attempts {
        let body = app.gql_as(&manager, query, variables).await;
        assert_eq!(first_error_code(&body), "NOT_FOUND", "{query}: {body}");
    }
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM employees WHERE company_id = {bravo} AND annual_hours = 1000 AND pin_mac IS NULL"
        ))
        .await,
        2
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM work_sessions s JOIN employees e ON e.id = s.employee_id \
             WHERE e.company_id = {bravo} AND s.note IS NULL"
        ))
        .await,
        2
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM work_sessions WHERE id = {sam_bravo_session} AND ended_at IS NULL"
        ))
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_employee_reaches_only_their_own_records() {
    let app = TestApp::new().await;
    let eve = app.member("eve", Role::Employee, Some("Alpha")).await;
    let alpha = app.company_named("Alpha").await;
    app.member("other", Role::Manager, Some("Bravo")).await;
    let coworker = app.employee(&alpha, "Coworker", None).await;
    let own = app.employee(&alpha, "Eve", Some(&eve.id)).await;
    let own_session = app.session(&own, day_at(1, 9), Some(day_at(1, 17))).await;
    let their_session = app
        .session(&coworker, day_at(1, 9), Some(day_at(1, 17)))
        .await;

    let body = app
        .gql_as(
            &eve,
            "query ($coworker: ID!, $theirs: ID!) {
                companies { nodes { name } }
                employees { nodes { id } }
                workSessions { nodes { id } }
                employee(id: $coworker) { id }
                workSession(id: $theirs) { id }
                me { companies { name } employees { id sessions { nodes { id } } } }
            }",
            json!({ "coworker": coworker, "theirs": their_session }),
        )
        .await;
    assert_eq!(
        body["data"],
        json!({
            "companies": { "nodes": [{ "name": "Alpha" }] },
            "employees": { "nodes": [{ "id": own }] },
            "workSessions": { "nodes": [{ "id": own_session }] },
            "employee": null,
            "workSession": null,
            "me": {
                "companies": [{ "name": "Alpha" }],
                "employees": [{ "id": own, "sessions": { "nodes": [{ "id": own_session }] } }],
            },
        }),
        "{body}"
    );
    let clock = app
        .gql_as(
            &eve,
            CLOCK_IN,
            json!({ "input": { "employeeId": coworker } }),
        )
        .await;
    assert_eq!(first_error_code(&clock), "NOT_FOUND", "{clock}");
    let pin = app
        .gql_as(&eve, SET_PIN, json!({ "id": coworker, "pin": "1234" }))
        .await;
    assert_eq!(first_error_code(&pin), "NOT_FOUND", "{pin}");
    let pin = app
        .gql_as(&eve, SET_PIN, json!({ "id": own, "pin": "12345" }))
        .await;
    assert_eq!(pin["data"]["setEmployeePin"], true, "{pin}");
    let short = app
        .gql_as(&eve, SET_PIN, json!({ "id": own, "pin": "12a" }))
        .await;
    assert_eq!(first_error_field(&short), "pin", "{short}");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM employees WHERE pin_mac IS NOT NULL")
            .await,
        1
    );

    // An employee without a record sees nothing, and cannot clock.
    let newbie = app.member("newbie", Role::Employee, Some("Alpha")).await;
    let body = app
        .gql_as(
            &newbie,
            "{ employees { nodes { id } totalCount } workSessions { nodes { id } totalCount } me { employees { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"],
        json!({
            "employees": { "nodes": [], "totalCount": 0 },
            "workSessions": { "nodes": [], "totalCount": 0 },
            "me": { "employees": [] },
        }),
        "{body}"
    );
    let clock = app.gql_as(&newbie, CLOCK_IN, json!({})).await;
    assert_eq!(first_error_code(&clock), "BAD_USER_INPUT", "{clock}");
    assert_eq!(first_error_field(&clock), "employeeId");
}

// Clocking ------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn clock_times_are_the_servers_for_oneself_and_managers_may_backdate_others() {
    let app = TestApp::new().await;
    let eve = app.member("eve", Role::Employee, Some("Alpha")).await;
    let manager = app.member("max", Role::Manager, Some("Alpha")).await;
    let alpha = app.company_named("Alpha").await;
    let own = app.employee(&alpha, "Eve", Some(&eve.id)).await;
    let worker = app.employee(&alpha, "Worker", None).await;
    let managers_own = app.employee(&alpha, "Max", Some(&manager.id)).await;

    // One's own clock: within two minutes of the server's time.
    for at in [now() - Duration::minutes(5), now() + Duration::minutes(5)] {
        let body = app
            .gql_as(&eve, CLOCK_IN, json!({ "input": { "at": iso(at) } }))
            .await;
        assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(first_error_field(&body), "at");
    }
    let at = now() - Duration::minutes(1);
    let body = app
        .gql_as(
            &eve,
            CLOCK_IN,
            json!({ "input": { "at": iso(at), "note": "early" } }),
        )
        .await;
    let session = &body["data"]["clockIn"];
    assert_eq!(session["start"], iso(at), "{body}");
    assert_eq!(session["source"], "CLOCK");
    assert_eq!(session["note"], "early");
    assert_eq!(session["open"], true);
    assert_eq!(session["employee"]["id"], own.as_str());
    assert_eq!(session["createdBy"]["id"], eve.id.as_str());
    let again = app.gql_as(&eve, CLOCK_IN, json!({})).await;
    assert_eq!(first_error_code(&again), "CONFLICT", "{again}");
    assert_eq!(first_error_reason(&again), "ALREADY_CLOCKED_IN");
    let late = app
        .gql_as(
            &eve,
            CLOCK_OUT,
            json!({ "input": { "at": iso(now() + Duration::minutes(10)) } }),
        )
        .await;
    assert_eq!(first_error_field(&late), "at", "{late}");
    let out = app.gql_as(&eve, CLOCK_OUT, json!({})).await;
    assert_eq!(out["data"]["clockOut"]["open"], false, "{out}");
    assert_eq!(out["data"]["clockOut"]["id"], session["id"]);
    let none = app.gql_as(&eve, CLOCK_OUT, json!({})).await;
    assert_eq!(first_error_code(&none), "CONFLICT", "{none}");
    assert_eq!(first_error_reason(&none), "NOT_CLOCKED_IN");

    // A manager clocks someone else in at any past time; far off, the session is MANUAL.
    let three_hours_ago = hours_ago(3);
    let body = app
        .gql_as(
            &manager,
            CLOCK_IN,
            json!({ "input": { "employeeId": worker, "at": iso(three_hours_ago) } }),
        )
        .await;
    assert_eq!(
        body["data"]["clockIn"]["start"],
        iso(three_hours_ago),
        "{body}"
    );
    assert_eq!(body["data"]["clockIn"]["source"], "MANUAL");
    let before_start = app
        .gql_as(
            &manager,
            CLOCK_OUT,
            json!({ "input": { "employeeId": worker, "at": iso(hours_ago(4)) } }),
        )
        .await;
    assert_eq!(
        first_error_code(&before_start),
        "BAD_USER_INPUT",
        "{before_start}"
    );
    assert_eq!(first_error_reason(&before_start), "END_BEFORE_START");
    assert_eq!(first_error_field(&before_start), "at");
    let an_hour_ago = hours_ago(1);
    let out = app
        .gql_as(
            &manager,
            CLOCK_OUT,
            json!({ "input": { "employeeId": worker, "at": iso(an_hour_ago) } }),
        )
        .await;
    assert_eq!(out["data"]["clockOut"]["end"], iso(an_hour_ago), "{out}");
    let near = now() - Duration::minutes(1);
    let body = app
        .gql_as(
            &manager,
            CLOCK_IN,
            json!({ "input": { "employeeId": worker, "at": iso(near) } }),
        )
        .await;
    assert_eq!(body["data"]["clockIn"]["source"], "CLOCK", "{body}");
    let ahead = app
        .gql_as(
            &manager,
            CLOCK_OUT,
            json!({ "input": { "employeeId": worker, "at": iso(now() + Duration::minutes(5)) } }),
        )
        .await;
    assert_eq!(first_error_field(&ahead), "at", "{ahead}");
    // ... but their own record keeps the rule of one's own clock.
    let own_backdated = app
        .gql_as(
            &manager,
            CLOCK_IN,
            json!({ "input": { "employeeId": managers_own, "at": iso(hours_ago(1)) } }),
        )
        .await;
    assert_eq!(
        first_error_code(&own_backdated),
        "BAD_USER_INPUT",
        "{own_backdated}"
    );
    assert_eq!(first_error_field(&own_backdated), "at");

    // Without an employee: the viewer's only record, never a guess between several.
    let implied = app.gql_as(&manager, CLOCK_IN, json!({})).await;
    assert_eq!(
        implied["data"]["clockIn"]["employee"]["id"],
        managers_own.as_str(),
        "{implied}"
    );
    let bravo = app.company("Bravo", "UTC").await;
    app.join(&bravo, &manager.id).await;
    app.employee(&bravo, "Max B", Some(&manager.id)).await;
    let several = app.gql_as(&manager, CLOCK_OUT, json!({})).await;
    assert_eq!(first_error_code(&several), "BAD_USER_INPUT", "{several}");
    assert_eq!(first_error_field(&several), "employeeId");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM work_sessions WHERE ended_at IS NULL")
            .await,
        2,
        "the worker and the manager are clocked in"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_clock_ins_at_once_make_one_session() {
    let app = TestApp::new().await;
    let eve = app.member("eve", Role::Employee, Some("Alpha")).await;
    let manager = app.member("max", Role::Manager, Some("Alpha")).await;
    let alpha = app.company_named("Alpha").await;
    let own = app.employee(&alpha, "Eve", Some(&eve.id)).await;
    let input = json!({ "input": { "employeeId": own } });

    for round in 0..3 {
        let (a, b) = tokio::join!(
            app.gql_as(&eve, CLOCK_IN, input.clone()),
            app.gql_as(&manager, CLOCK_IN, input.clone()),
        );
        let (won, lost) = if a["errors"].is_null() {
            (a, b)
        } else {
            (b, a)
        };
        assert!(won["data"]["clockIn"]["id"].is_string(), "{round}: {won}");
        assert_eq!(first_error_code(&lost), "CONFLICT", "{round}: {lost}");
        assert_eq!(first_error_reason(&lost), "ALREADY_CLOCKED_IN");
        assert_eq!(
            app.count(&format!(
                "SELECT count(*) AS n FROM work_sessions WHERE employee_id = {own} AND ended_at IS NULL"
            ))
            .await,
            1
        );
        let out = app.gql_as(&manager, CLOCK_OUT, input.clone()).await;
        assert!(out["errors"].is_null(), "{out}");
    }
    assert_eq!(
        app.count("SELECT count(*) AS n FROM work_sessions").await,
        3
    );

    // Two retries of one clock-in racing: both answer the same session.
    let keyed = json!({ "input": { "employeeId": own, "idempotencyKey": "tap-1" } });
    let (a, b) = tokio::join!(
        app.gql_as(&eve, CLOCK_IN, keyed.clone()),
        app.gql_as(&eve, CLOCK_IN, keyed.clone()),
    );
    assert!(a["errors"].is_null(), "{a}");
    assert_eq!(
        a["data"]["clockIn"]["id"], b["data"]["clockIn"]["id"],
        "{b}"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM work_sessions").await,
        4
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retried_clock_with_its_idempotency_key_answers_the_first_session() {
    let app = TestApp::new().await;
    let eve = app.member("eve", Role::Employee, Some("Alpha")).await;
    let alpha = app.company_named("Alpha").await;
    let own = app.employee(&alpha, "Eve", Some(&eve.id)).await;
    let other = app.employee(&alpha, "Other", None).await;
    let manager = app.member("max", Role::Manager, Some("Alpha")).await;

    let clock_in = json!({ "input": { "note": "hi", "idempotencyKey": "k1" } });
    let first = app.gql_as(&eve, CLOCK_IN, clock_in.clone()).await;
    let session = first["data"]["clockIn"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{first}"))
        .to_owned();
    let retry = app.gql_as(&eve, CLOCK_IN, clock_in.clone()).await;
    assert_eq!(
        retry["data"]["clockIn"], first["data"]["clockIn"],
        "{retry}"
    );
    let reused = app
        .gql_as(
            &eve,
            CLOCK_IN,
            json!({ "input": { "note": "other", "idempotencyKey": "k1" } }),
        )
        .await;
    assert_eq!(first_error_code(&reused), "CONFLICT", "{reused}");
    assert_eq!(first_error_reason(&reused), "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(first_error_field(&reused), "idempotencyKey");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM work_sessions WHERE employee_id = {own}"
        ))
        .await,
        1
    );
    // The key of a clock-in is not the key of a clock-out.
    let out_with_in_key = app
        .gql_as(
            &eve,
            CLOCK_OUT,
            json!({ "input": { "idempotencyKey": "k1" } }),
        )
        .await;
    assert_eq!(
        first_error_reason(&out_with_in_key),
        "IDEMPOTENCY_KEY_REUSED"
    );

    let clock_out = json!({ "input": { "idempotencyKey": "k2" } });
    let out = app.gql_as(&eve, CLOCK_OUT, clock_out.clone()).await;
    assert_eq!(out["data"]["clockOut"]["id"], session.as_str(), "{out}");
    let out_again = app.gql_as(&eve, CLOCK_OUT, clock_out).await;
    assert_eq!(
        out_again["data"]["clockOut"], out["data"]["clockOut"],
        "{out_again}"
    );
    // After the clock-out, a retry of the clock-in still answers its session, and clocks
    // nobody in again.
    let late_retry = app.gql_as(&eve, CLOCK_IN, clock_in).await;
    assert_eq!(
        late_retry["data"]["clockIn"]["id"],
        session.as_str(),
        "{late_retry}"
    );
    assert_eq!(late_retry["data"]["clockIn"]["open"], false);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM work_sessions WHERE ended_at IS NULL")
            .await,
        0
    );
    // Keys are per employee.
    let elsewhere = app
        .gql_as(
            &manager,
            CLOCK_IN,
            json!({ "input": { "employeeId": other, "idempotencyKey": "k1" } }),
        )
        .await;
    assert_ne!(
        elsewhere["data"]["clockIn"]["id"],
        session.as_str(),
        "{elsewhere}"
    );
    assert!(elsewhere["errors"].is_null(), "{elsewhere}");
}

// Manual sessions and history -----------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn managers_enter_and_correct_sessions_that_fit_and_never_their_own() {
    let app = TestApp::new().await;
    let manager = app.member("max", Role::Manager, Some("Alpha")).await;
    let alpha = app.company_named("Alpha").await;
    let worker = app.employee(&alpha, "Worker", None).await;
    let managers_own = app.employee(&alpha, "Max", Some(&manager.id)).await;
    let existing = app
        .session(&worker, day_at(2, 9), Some(day_at(2, 17)))
        .await;
    let create = |start: DateTime<Utc>, end: Option<DateTime<Utc>>| json!({ "input": { "employeeId": worker, "start": iso(start), "end": end.map(iso), "note": "paper sheet" } });

    let body = app
        .gql_as(
            &manager,
            CREATE_SESSION,
            create(day_at(1, 9), Some(day_at(1, 13))),
        )
        .await;
    let created = &body["data"]["createWorkSession"];
    assert_eq!(
        (
            &created["start"],
            &created["end"],
            &created["source"],
            &created["note"]
        ),
        (
            &json!(iso(day_at(1, 9))),
            &json!(iso(day_at(1, 13))),
            &json!("MANUAL"),
            &json!("paper sheet")
        ),
        "{body}"
    );
    assert_eq!(created["createdBy"]["id"], manager.id.as_str());
    let manual = created["id"].as_str().expect("id").to_owned();

    let overlap = app
        .gql_as(
            &manager,
            CREATE_SESSION,
            create(day_at(2, 16), Some(day_at(2, 18))),
        )
        .await;
    assert_eq!(first_error_code(&overlap), "CONFLICT", "{overlap}");
    assert_eq!(first_error_reason(&overlap), "OVERLAP");
    assert_eq!(first_error_field(&overlap), "start");
    let backwards = app
        .gql_as(
            &manager,
            CREATE_SESSION,
            create(day_at(3, 12), Some(day_at(3, 11))),
        )
        .await;
    assert_eq!(
        first_error_code(&backwards),
        "BAD_USER_INPUT",
        "{backwards}"
    );
    assert_eq!(first_error_reason(&backwards), "END_BEFORE_START");
    assert_eq!(first_error_field(&backwards), "end");
    let future = app
        .gql_as(
            &manager,
            CREATE_SESSION,
            create(now() + Duration::hours(1), None),
        )
        .await;
    assert_eq!(first_error_code(&future), "BAD_USER_INPUT", "{future}");
    assert_eq!(first_error_field(&future), "start");
    let open = app
        .gql_as(&manager, CREATE_SESSION, create(hours_ago(2), None))
        .await;
    assert_eq!(open["data"]["createWorkSession"]["open"], true, "{open}");
    let second_open = app
        .gql_as(&manager, CREATE_SESSION, create(hours_ago(30), None))
        .await;
    assert_eq!(
        first_error_reason(&second_open),
        "ALREADY_CLOCKED_IN",
        "{second_open}"
    );
    let mine = app
        .gql_as(
            &manager,
            CREATE_SESSION,
            json!({ "input": { "employeeId": managers_own, "start": iso(day_at(1, 9)), "end": iso(day_at(1, 10)) } }),
        )
        .await;
    assert_eq!(first_error_code(&mine), "FORBIDDEN", "{mine}");
    assert_eq!(first_error_reason(&mine), "SELF_EDIT");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM work_sessions WHERE employee_id IN ({worker}, {managers_own})"
        ))
        .await,
        3,
        "the existing session, the manual one and the open one"
    );

    // Corrections.
    let into_other = app
        .gql_as(
            &manager,
            UPDATE_SESSION,
            json!({ "id": manual, "input": { "start": iso(day_at(2, 16)), "end": iso(day_at(2, 18)) }, "reason": "moved" }),
        )
        .await;
    assert_eq!(first_error_reason(&into_other), "OVERLAP", "{into_other}");
    let backwards = app
        .gql_as(
            &manager,
            UPDATE_SESSION,
            json!({ "id": manual, "input": { "end": iso(day_at(1, 8)) }, "reason": "typo" }),
        )
        .await;
    assert_eq!(
        first_error_code(&backwards),
        "BAD_USER_INPUT",
        "{backwards}"
    );
    assert_eq!(first_error_reason(&backwards), "END_BEFORE_START");
    let no_reason = app
        .gql_as(
            &manager,
            UPDATE_SESSION,
            json!({ "id": manual, "input": { "note": null }, "reason": "  " }),
        )
        .await;
    assert_eq!(first_error_field(&no_reason), "reason", "{no_reason}");
    let fixed = app
        .gql_as(
            &manager,
            UPDATE_SESSION,
            json!({ "id": existing, "input": { "end": iso(day_at(2, 15)), "note": "left early" }, "reason": "per phone call" }),
        )
        .await;
    assert_eq!(
        fixed["data"]["updateWorkSession"],
        json!({
            "id": existing, "start": iso(day_at(2, 9)), "end": iso(day_at(2, 15)),
            "open": false, "source": "MANUAL", "note": "left early",
        }),
        "{fixed}"
    );
    let own_session = app
        .session(&managers_own, day_at(4, 9), Some(day_at(4, 10)))
        .await;
    for (query, variables) in [
        (
            UPDATE_SESSION,
            json!({ "id": own_session, "input": { "note": "mine" }, "reason": "mine" }),
        ),
        (
            DELETE_SESSION,
            json!({ "id": own_session, "reason": "mine" }),
        ),
    ] {
        let body = app.gql_as(&manager, query, variables).await;
        assert_eq!(first_error_reason(&body), "SELF_EDIT", "{body}");
    }
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM work_sessions WHERE id = {own_session} AND note IS NULL"
        ))
        .await,
        1
    );
}

const HISTORY: &str = "query ($id: ID!) { workSession(id: $id) { history {
    kind sessionId reason actor { username }
    before { start end note source } after { start end note source }
} } }";

#[tokio::test(flavor = "multi_thread")]
async fn the_history_keeps_manual_entries_corrections_and_deletions_but_not_clocks() {
    let app = TestApp::new().await;
    let eve = app.member("eve", Role::Employee, Some("Alpha")).await;
    let manager = app.member("max", Role::Manager, Some("Alpha")).await;
    let alpha = app.company_named("Alpha").await;
    let own = app.employee(&alpha, "Eve", Some(&eve.id)).await;

    let clocked = app.gql_as(&eve, CLOCK_IN, json!({})).await;
    let clocked_id = clocked["data"]["clockIn"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{clocked}"))
        .to_owned();
    app.gql_as(&eve, CLOCK_OUT, json!({})).await;

    let created = app
        .gql_as(
            &manager,
            CREATE_SESSION,
            json!({ "input": { "employeeId": own, "start": iso(day_at(1, 9)), "end": iso(day_at(1, 12)), "note": "forgot" } }),
        )
        .await;
    let first = created["data"]["createWorkSession"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();
    let updated = app
        .gql_as(
            &manager,
            UPDATE_SESSION,
            json!({ "id": first, "input": { "end": iso(day_at(1, 13)) }, "reason": "left at one" }),
        )
        .await;
    assert!(updated["errors"].is_null(), "{updated}");
    let doubled = app
        .gql_as(
            &manager,
            CREATE_SESSION,
            json!({ "input": { "employeeId": own, "start": iso(day_at(2, 9)), "end": iso(day_at(2, 10)) } }),
        )
        .await;
    let second = doubled["data"]["createWorkSession"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{doubled}"))
        .to_owned();
    let deleted = app
        .gql_as(
            &manager,
            DELETE_SESSION,
            json!({ "id": second, "reason": " double entry " }),
        )
        .await;
    assert_eq!(deleted["data"]["deleteWorkSession"], true, "{deleted}");

    let values = |start: DateTime<Utc>, end: DateTime<Utc>, note: Value| json!({ "start": iso(start), "end": iso(end), "note": note, "source": "MANUAL" });
    let body = app.gql_as(&eve, HISTORY, json!({ "id": first })).await;
    assert_eq!(
        body["data"]["workSession"]["history"],
        json!([
            {
                "kind": "CREATED", "sessionId": first, "reason": null,
                "actor": { "username": "max" },
                "before": null, "after": values(day_at(1, 9), day_at(1, 12), json!("forgot")),
            },
            {
                "kind": "UPDATED", "sessionId": first, "reason": "left at one",
                "actor": { "username": "max" },
                "before": values(day_at(1, 9), day_at(1, 12), json!("forgot")),
                "after": values(day_at(1, 9), day_at(1, 13), json!("forgot")),
            },
        ]),
        "{body}"
    );
    let body = app.gql_as(&eve, HISTORY, json!({ "id": clocked_id })).await;
    assert_eq!(
        body["data"]["workSession"]["history"],
        json!([]),
        "a clock-in and its clock-out are not edits: {body}"
    );

    let body = app
        .gql_as(
            &manager,
            "query ($id: ID!) { employee(id: $id) {
                all: sessionChanges { kind sessionId reason before { end } after { end } }
                latest: sessionChanges(first: 1) { kind }
            } }",
            json!({ "id": own }),
        )
        .await;
    assert_eq!(
        body["data"]["employee"]["all"],
        json!([
            { "kind": "DELETED", "sessionId": second, "reason": "double entry",
              "before": { "end": iso(day_at(2, 10)) }, "after": null },
            { "kind": "CREATED", "sessionId": second, "reason": null,
              "before": null, "after": { "end": iso(day_at(2, 10)) } },
            { "kind": "UPDATED", "sessionId": first, "reason": "left at one",
              "before": { "end": iso(day_at(1, 12)) }, "after": { "end": iso(day_at(1, 13)) } },
            { "kind": "CREATED", "sessionId": first, "reason": null,
              "before": null, "after": { "end": iso(day_at(1, 12)) } },
        ]),
        "{body}"
    );
    assert_eq!(
        body["data"]["employee"]["latest"],
        json!([{ "kind": "DELETED" }])
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM work_session_changes")
            .await,
        4
    );
}

// Hours -------------------------------------------------------------------------------------

const HOURS: &str = "query ($id: ID!, $from: DateTime!, $to: DateTime!) {
    employee(id: $id) { hoursWorked(from: $from, to: $to) }
}";

#[tokio::test(flavor = "multi_thread")]
async fn hours_worked_clip_sessions_to_the_window_and_count_open_ones_to_now() {
    let app = TestApp::new().await;
    let manager = app.member("max", Role::Manager, Some("Alpha")).await;
    let alpha = app.company_named("Alpha").await;
    let worker = app.employee(&alpha, "Worker", None).await;
    app.session(&worker, day_at(7, 8), Some(day_at(7, 12)))
        .await;
    app.session(&worker, day_at(7, 13), Some(day_at(7, 17)))
        .await;
    app.session(&worker, hours_ago(2), None).await;
    let hours = |from: DateTime<Utc>, to: DateTime<Utc>| {
        let (app, manager, worker) = (&app, &manager, &worker);
        async move {
            let body = app
                .gql_as(
                    manager,
                    HOURS,
                    json!({ "id": worker, "from": iso(from), "to": iso(to) }),
                )
                .await;
            body["data"]["employee"]["hoursWorked"]
                .as_f64()
                .unwrap_or_else(|| panic!("{body}"))
        }
    };

    assert_eq!(hours(day_at(7, 0), day_at(6, 0)).await, 8.0);
    assert_eq!(hours(day_at(7, 10), day_at(7, 14)).await, 3.0, "clipped");
    assert_eq!(hours(day_at(7, 12), day_at(7, 13)).await, 0.0, "the break");
    assert_eq!(hours(day_at(9, 0), day_at(8, 0)).await, 0.0);
    let open = hours(hours_ago(3), now() + Duration::hours(1)).await;
    assert!(
        (open - 2.0).abs() < 0.05,
        "the open session counts to now: {open}"
    );
    let both = hours(day_at(7, 16), now()).await;
    assert!((both - 3.0).abs() < 0.05, "{both}");

    let backwards = app
        .gql_as(
            &manager,
            HOURS,
            json!({ "id": worker, "from": iso(day_at(6, 0)), "to": iso(day_at(7, 0)) }),
        )
        .await;
    assert_eq!(
        first_error_code(&backwards),
        "BAD_USER_INPUT",
        "{backwards}"
    );
    assert_eq!(first_error_field(&backwards), "to");
}

#[tokio::test(flavor = "multi_thread")]
async fn annual_balances_count_the_year_of_the_companys_time_zone() {
    let app = TestApp::new().await;
    let owner = app.member("boss", Role::Owner, None).await;
    let auckland = app.company("Kiwi", "Pacific/Auckland").await;
    let utc = app.company("Greenwich", "UTC").await;
    let kiwi = app.employee(&auckland, "Kiwi", None).await;
    let brit = app.employee(&utc, "Brit", None).await;
    // 10:00 to 12:00 UTC on New Year's Eve is 23:00 to 01:00 in Auckland (UTC+13).
    let start = Utc.with_ymd_and_hms(2025, 12, 31, 10, 0, 0).unwrap();
    for employee in [&kiwi, &brit] {
        app.session(employee, start, Some(start + Duration::hours(2)))
            .await;
        app.session(
            employee,
            Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap(),
            Some(Utc.with_ymd_and_hms(2026, 3, 2, 14, 30, 0).unwrap()),
        )
        .await;
    }
    let body = app
        .gql_as(
            &owner,
            "query ($kiwi: ID!, $brit: ID!) {
                kiwi: employee(id: $kiwi) { y2025: annualBalance(year: 2025) y2026: annualBalance(year: 2026) y2027: annualBalance(year: 2027) }
                brit: employee(id: $brit) { y2025: annualBalance(year: 2025) y2026: annualBalance(year: 2026) y2027: annualBalance(year: 2027) }
            }",
            json!({ "kiwi": kiwi, "brit": brit }),
        )
        .await;
    assert_eq!(
        body["data"],
        json!({
            "kiwi": { "y2025": 999.0, "y2026": 993.5, "y2027": 1000.0 },
            "brit": { "y2025": 998.0, "y2026": 994.5, "y2027": 1000.0 },
        }),
        "{body}"
    );
    // New Year's Day of each company's calendar.
    let body = app
        .gql_as(
            &owner,
            "{ workSessions(filter: {date: \"2026-01-01\"}) { nodes { employee { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["workSessions"]["nodes"],
        json!([{ "employee": { "name": "Kiwi" } }]),
        "{body}"
    );
    let bad = app
        .gql_as(
            &owner,
            "query ($id: ID!) { employee(id: $id) { annualBalance(year: 1969) } }",
            json!({ "id": kiwi }),
        )
        .await;
    assert_eq!(first_error_field(&bad), "year", "{bad}");
}

// Statements ---------------------------------------------------------------------------------

/// Adds employees `from..=to` to `company`, each the record of a member account, with a
/// closed session and, for every second one, an open one.
async fn add_staff(app: &TestApp, company: &str, from: i32, to: i32) {
    app.sql(&format!(
        "INSERT INTO users (email, username, name, role, status) \
             SELECT 'staff' || i || '@example.com', 'staff' || i, 'Staff ' || i, 'EMPLOYEE', 'ACTIVE' \
             FROM generate_series({from}, {to}) i; \
         INSERT INTO company_members (company_id, user_id) \
             SELECT {company}, id FROM users WHERE username LIKE 'staff%' ON CONFLICT DO NOTHING; \
         INSERT INTO employees (company_id, name, annual_hours, user_id) \
             SELECT {company}, u.name, 1000, u.id FROM users u WHERE u.username LIKE 'staff%' \
             AND NOT EXISTS (SELECT 1 FROM employees e WHERE e.user_id = u.id); \
         INSERT INTO work_sessions (employee_id, started_at, ended_at, source) \
             SELECT id, now() - interval '2 days', now() - interval '1 day 20 hours', 'CLOCK' \
             FROM employees e WHERE NOT EXISTS (SELECT 1 FROM work_sessions s WHERE s.employee_id = e.id); \
         INSERT INTO work_sessions (employee_id, started_at, source) \
             SELECT id, now() - interval '1 hour', 'CLOCK' FROM employees e \
             WHERE id % 2 = 0 AND NOT EXISTS (SELECT 1 FROM work_sessions s WHERE s.employee_id = e.id AND s.ended_at IS NULL);"
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn nested_employee_relations_cost_the_same_statements_for_5_and_50_employees() {
    let app = TestApp::new().await;
    let manager = app.member("max", Role::Manager, Some("Alpha")).await;
    let alpha = app.company_named("Alpha").await;
    // The query the workforce issue names: it costs 50 × 48 + 1 = 2401 of the 5,000 allowed.
    let query = "{ employees(first: 50) { nodes {
        user { id } company { id } currentSession { id } sessions(first: 20) { nodes { id } }
    } } }";
    let run = async || {
        let before = app.app.statements.get();
        let body = app.gql_as(&manager, query, json!({})).await;
        let statements = app.app.statements.get() - before;
        let nodes = body["data"]["employees"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .clone();
        for node in &nodes {
            assert!(node["user"]["id"].is_string(), "{node}");
            assert_eq!(node["company"]["id"], alpha.as_str());
            assert!(
                !node["sessions"]["nodes"]
                    .as_array()
                    .expect("list")
                    .is_empty()
            );
        }
        let open = nodes
            .iter()
            .filter(|node| node["currentSession"].is_object())
            .count();
        (nodes.len(), open, statements)
    };

    add_staff(&app, &alpha, 1, 5).await;
    let (count, open, few) = run().await;
    assert_eq!((count, open), (5, 2));
    add_staff(&app, &alpha, 6, 50).await;
    let (count, open, many) = run().await;
    assert_eq!((count, open), (50, 25));
    assert_eq!(few, many, "statements must not grow with the rows");
    // The viewer's session, then the page and one statement per relation: users,
    // companies, open sessions, pages of sessions.
    assert!(many <= 1 + 6, "{many} statements");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_owners_nested_page_runs_statements_kept_prepared() {
    // One connection, so that the statements kept are all on the one the test then asks.
    let app = TestApp::with_settings(|s| s.pool_size = 1).await;
    let owner = app.member("olga", Role::Owner, Some("Alpha")).await;
    let alpha = app.company_named("Alpha").await;
    add_staff(&app, &alpha, 1, 3).await;
    let query = "{ employees(first: 10) { nodes { id sessions(first: 5) { nodes { id } } } } }";
    for _ in 0..3 {
        let body = app.gql_as(&owner, query, json!({})).await;
        assert_eq!(
            body["data"]["employees"]["nodes"].as_array().map(Vec::len),
            Some(3),
            "{body}"
        );
    }
    // An owner's list holds the condition `TRUE` and the pages are hand-written SQL: diesel
    // would prepare both again for every run, and close them after it, unless told otherwise.
    let kept = async |pattern: &str| {
        app.count(&format!(
            "SELECT count(*) AS n FROM pg_prepared_statements \
             WHERE statement LIKE '{pattern}' AND statement NOT LIKE '%pg_prepared_statements%'"
        ))
        .await
    };
    assert_eq!(kept("%FROM \"employees\" WHERE TRUE%").await, 1);
    assert_eq!(kept("%CROSS JOIN LATERAL%FROM work_sessions%").await, 1);
}
