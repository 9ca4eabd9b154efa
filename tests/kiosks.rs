//! Kiosks: shared terminals of a company, registered by head managers, where employees clock
//! in and out by fingerprint or by employee id and PIN with the kiosk's own token, which may do
//! nothing else.

use rollcall::auth::identity::{AccountStatus, Role};
use serde_json::{Value, json};

use crate::common::accounts::{LOGIN, PASSWORD, TestUser, first_error_reason};
use crate::common::workforce::{
    CREATE_EMPLOYEE, NodeSubscription, REGISTER_KIOSK, SET_PIN, UPDATE_EMPLOYEE, first_error_field,
};
use crate::common::{TestApp, first_error_code};

const KIOSK_CLOCK: &str = "mutation ($input: KioskClockInput!) {
    kioskClock(input: $input) { kind at employeeName }
}";

/// A company Alpha with a head manager, and a kiosk the head manager registered there.
struct Site {
    app: TestApp,
    head: TestUser,
    alpha: String,
    kiosk: String,
    token: String,
}

impl Site {
    async fn new() -> Self {
        let app = TestApp::new().await;
        app.create_account_in(
            "head",
            Role::HeadManager,
            AccountStatus::Active,
            Some("Alpha"),
        )
        .await;
        let head = app.login("head", PASSWORD).await;
        let alpha = app
            .id("SELECT id AS n FROM companies WHERE name = 'Alpha'")
            .await;
        let body = app
            .gql_as(
                &head,
                REGISTER_KIOSK,
                json!({ "company": alpha, "name": " Front door " }),
            )
            .await;
        let registered = &body["data"]["registerKiosk"];
        assert_eq!(registered["kiosk"]["name"], "Front door", "{body}");
        assert_eq!(registered["kiosk"]["lastUsedAt"], Value::Null);
        let token = registered["token"].as_str().expect("a token").to_owned();
        assert!(token.starts_with("rck_"), "{token}");
        let kiosk = registered["kiosk"]["id"].as_str().expect("id").to_owned();
        Self {
            app,
            head,
            alpha,
            kiosk,
            token,
        }
    }

    /// Creates an employee of Alpha as the head manager, with `extra` input.
    async fn employee(&self, name: &str, extra: Value) -> String {
        let mut input = json!({ "companyId": self.alpha, "name": name, "annualHours": 1000 });
        input
            .as_object_mut()
            .expect("object")
            .extend(extra.as_object().expect("object").clone());
        let body = self
            .app
            .gql_as(&self.head, CREATE_EMPLOYEE, json!({ "input": input }))
            .await;
        body["data"]["createEmployee"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned()
    }

    async fn clock(&self, input: Value) -> Value {
        self.app
            .gql_with_token(&self.token, KIOSK_CLOCK, json!({ "input": input }))
            .await
    }

    async fn sessions(&self, employee: &str, open: bool) -> i64 {
        let ended = if open { "IS NULL" } else { "IS NOT NULL" };
        self.app
            .count(&format!(
                "SELECT count(*) AS n FROM work_sessions \
                 WHERE employee_id = {employee} AND source = 'KIOSK' AND ended_at {ended}"
            ))
            .await
    }

    /// Moves the employee's kiosk clocks and sessions two minutes into the past: beyond the
    /// window in which a repeat answers the first clock.
    async fn two_minutes_pass(&self, employee: &str) {
        self.app
            .sql(&format!(
                "UPDATE kiosk_clocks SET at = at - interval '2 minutes' WHERE employee_id = {employee}; \
                 UPDATE work_sessions SET started_at = started_at - interval '2 minutes', \
                     ended_at = ended_at - interval '2 minutes' WHERE employee_id = {employee};"
            ))
            .await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kiosk_clocks_in_and_out_by_fingerprint_and_by_pin() {
    let site = Site::new().await;
    let eve = site
        .employee("Eve", json!({ "fingerprint": "eve's loops and whorls" }))
        .await;

    let first = site
        .clock(json!({ "fingerprint": "eve's loops and whorls" }))
        .await;
    let clock = &first["data"]["kioskClock"];
    assert_eq!(clock["kind"], "CLOCK_IN", "{first}");
    assert_eq!(clock["employeeName"], "Eve");
    assert_eq!(site.sessions(&eve, true).await, 1);
    // A second touch of the reader within a minute answers the first clock.
    let repeat = site
        .clock(json!({ "fingerprint": "eve's loops and whorls" }))
        .await;
    assert_eq!(repeat["data"]["kioskClock"], *clock, "{repeat}");
    assert_eq!(site.sessions(&eve, true).await, 1);
    assert_eq!(site.sessions(&eve, false).await, 0);

    site.two_minutes_pass(&eve).await;
    let out = site
        .clock(json!({ "fingerprint": "eve's loops and whorls" }))
        .await;
    assert_eq!(out["data"]["kioskClock"]["kind"], "CLOCK_OUT", "{out}");
    assert_eq!(site.sessions(&eve, true).await, 0);
    assert_eq!(site.sessions(&eve, false).await, 1);

    // By PIN: set by a manager (or the employee); enrolled by a head manager later.
    let pat = site.employee("Pat", json!({})).await;
    let pin = site
        .app
        .gql_as(&site.head, SET_PIN, json!({ "id": pat, "pin": "2468" }))
        .await;
    assert_eq!(pin["data"]["setEmployeePin"], true, "{pin}");
    let body = site
        .clock(json!({ "employeeId": pat, "pin": "2468" }))
        .await;
    assert_eq!(body["data"]["kioskClock"]["kind"], "CLOCK_IN", "{body}");
    assert_eq!(body["data"]["kioskClock"]["employeeName"], "Pat");
    site.two_minutes_pass(&pat).await;
    let body = site
        .clock(json!({ "employeeId": pat, "pin": "2468" }))
        .await;
    assert_eq!(body["data"]["kioskClock"]["kind"], "CLOCK_OUT", "{body}");
    let enrolled = site
        .app
        .gql_as(
            &site.head,
            UPDATE_EMPLOYEE,
            json!({ "id": pat, "input": { "fingerprint": "pat's arches" } }),
        )
        .await;
    assert_eq!(
        enrolled["data"]["updateEmployee"]["fingerprint"], true,
        "{enrolled}"
    );
    site.two_minutes_pass(&pat).await;
    let body = site.clock(json!({ "fingerprint": "pat's arches" })).await;
    assert_eq!(body["data"]["kioskClock"]["kind"], "CLOCK_IN", "{body}");
    assert_eq!(site.sessions(&pat, true).await, 1);
    assert_eq!(site.sessions(&pat, false).await, 1);

    let used = site
        .app
        .gql_as(
            &site.head,
            "query ($id: ID!) { company(id: $id) { kiosks { id lastUsedAt } } }",
            json!({ "id": site.alpha }),
        )
        .await;
    let kiosks = &used["data"]["company"]["kiosks"];
    assert_eq!(kiosks[0]["id"], site.kiosk.as_str(), "{used}");
    assert!(kiosks[0]["lastUsedAt"].is_string(), "{used}");

    // Who is not recognised is told so; half an identification is not one.
    let unknown = site.clock(json!({ "fingerprint": "a stranger's" })).await;
    assert_eq!(first_error_code(&unknown), "BAD_USER_INPUT", "{unknown}");
    assert_eq!(first_error_field(&unknown), "fingerprint");
    for input in [
        json!({}),
        json!({ "employeeId": pat }),
        json!({ "fingerprint": "pat's arches", "employeeId": pat, "pin": "2468" }),
    ] {
        let body = site.clock(input).await;
        assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn five_wrong_pins_lock_the_employees_pin_for_a_while() {
    let site = Site::new().await;
    let pat = site.employee("Pat", json!({})).await;
    let ray = site.employee("Ray", json!({})).await;
    for (employee, pin) in [(&pat, "2468"), (&ray, "1357")] {
        let body = site
            .app
            .gql_as(&site.head, SET_PIN, json!({ "id": employee, "pin": pin }))
            .await;
        assert_eq!(body["data"]["setEmployeePin"], true, "{body}");
    }

    for attempt in 1..=5 {
        let body = site
            .clock(json!({ "employeeId": pat, "pin": "0000" }))
            .await;
        assert_eq!(
            first_error_code(&body),
            "BAD_USER_INPUT",
            "{attempt}: {body}"
        );
        assert_eq!(first_error_field(&body), "pin");
    }
    let locked = site
        .clock(json!({ "employeeId": pat, "pin": "2468" }))
        .await;
    assert_eq!(first_error_code(&locked), "RATE_LIMITED", "{locked}");
    let retry_after = locked["errors"][0]["extensions"]["retryAfter"]
        .as_u64()
        .unwrap_or_else(|| panic!("{locked}"));
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    assert_eq!(site.sessions(&pat, true).await, 0);
    // Another employee's PIN works on.
    let body = site
        .clock(json!({ "employeeId": ray, "pin": "1357" }))
        .await;
    assert_eq!(body["data"]["kioskClock"]["kind"], "CLOCK_IN", "{body}");

    // Fifteen minutes later, the right PIN works again.
    site.app
        .sql(&format!(
            "UPDATE kiosk_clocks SET at = at - interval '16 minutes' WHERE employee_id = {pat}"
        ))
        .await;
    let body = site
        .clock(json!({ "employeeId": pat, "pin": "2468" }))
        .await;
    assert_eq!(body["data"]["kioskClock"]["kind"], "CLOCK_IN", "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kiosk_token_calls_kiosk_clock_version_and_server_time_only() {
    let site = Site::new().await;
    let app = &site.app;
    let body = app
        .gql_with_token(&site.token, "{ version serverTime }", json!({}))
        .await;
    assert_eq!(body["data"]["version"], env!("CARGO_PKG_VERSION"), "{body}");
    assert!(body["data"]["serverTime"].is_string(), "{body}");

    for (query, variables) in [
        ("{ me { id } }", json!({})),
        ("{ version me { id } }", json!({})),
        ("{ employees { nodes { id } } }", json!({})),
        (
            LOGIN,
            json!({ "input": { "login": "head", "password": PASSWORD } }),
        ),
    ] {
        let body = app.gql_with_token(&site.token, query, variables).await;
        assert_eq!(first_error_code(&body), "FORBIDDEN", "{query}: {body}");
        assert_eq!(first_error_reason(&body), "KIOSK_TOKEN", "{query}");
        assert_eq!(body["data"], Value::Null, "{query}: {body}");
    }

    // Accounts do not clock at kiosks.
    let body = app
        .gql_as(
            &site.head,
            KIOSK_CLOCK,
            json!({ "input": { "fingerprint": "x" } }),
        )
        .await;
    assert_eq!(first_error_code(&body), "FORBIDDEN", "{body}");
    assert_eq!(first_error_reason(&body), "KIOSK_ONLY");
    let body = app
        .gql(KIOSK_CLOCK, json!({ "input": { "fingerprint": "x" } }))
        .await;
    assert_eq!(first_error_code(&body), "UNAUTHENTICATED", "{body}");

    // A kiosk reaches its own company's employees only.
    let bravo = app.company("Bravo", "UTC").await;
    let owner = {
        app.create_account_in("boss", Role::Owner, AccountStatus::Active, None)
            .await;
        app.login("boss", PASSWORD).await
    };
    let body = app
        .gql_as(
            &owner,
            CREATE_EMPLOYEE,
            json!({ "input": { "companyId": bravo, "name": "Bob", "annualHours": 1, "fingerprint": "bob's" } }),
        )
        .await;
    let bob = body["data"]["createEmployee"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    let body = app
        .gql_as(&owner, SET_PIN, json!({ "id": bob, "pin": "1111" }))
        .await;
    assert_eq!(body["data"]["setEmployeePin"], true, "{body}");
    let by_print = site.clock(json!({ "fingerprint": "bob's" })).await;
    assert_eq!(first_error_code(&by_print), "BAD_USER_INPUT", "{by_print}");
    assert_eq!(first_error_field(&by_print), "fingerprint");
    let by_pin = site
        .clock(json!({ "employeeId": bob, "pin": "1111" }))
        .await;
    assert_eq!(first_error_code(&by_pin), "BAD_USER_INPUT", "{by_pin}");
    assert_eq!(first_error_field(&by_pin), "employeeId");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM work_sessions").await,
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kiosk_token_opens_no_websocket() {
    let site = Site::new().await;
    let (addr, _server) = site.app.spawn_server().await;
    let mut client = NodeSubscription::start(
        addr,
        Some(&site.token),
        "subscription ($company: ID!) { clockEvents(companyId: $company) { kind } }",
        json!({ "company": site.alpha }),
    )
    .await;
    assert_eq!(client.next().await, json!({ "closed": 4403 }));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_kiosk_token_stops_working_at_once() {
    let site = Site::new().await;
    let app = &site.app;
    let eve = site
        .employee("Eve", json!({ "fingerprint": "eve's" }))
        .await;
    let revoke = "mutation ($id: ID!) { revokeKiosk(id: $id) }";

    // Head managers of other companies do not reach it.
    app.create_account_in(
        "other",
        Role::HeadManager,
        AccountStatus::Active,
        Some("Bravo"),
    )
    .await;
    let other = app.login("other", PASSWORD).await;
    let body = app
        .gql_as(&other, revoke, json!({ "id": site.kiosk }))
        .await;
    assert_eq!(first_error_code(&body), "NOT_FOUND", "{body}");
    let body = site.clock(json!({ "fingerprint": "eve's" })).await;
    assert_eq!(body["data"]["kioskClock"]["kind"], "CLOCK_IN", "{body}");

    let body = app
        .gql_as(&site.head, revoke, json!({ "id": site.kiosk }))
        .await;
    assert_eq!(body["data"]["revokeKiosk"], true, "{body}");
    site.two_minutes_pass(&eve).await;
    let body = site.clock(json!({ "fingerprint": "eve's" })).await;
    assert_eq!(first_error_code(&body), "UNAUTHENTICATED", "{body}");
    assert_eq!(first_error_reason(&body), "SESSION_REVOKED");
    assert_eq!(site.sessions(&eve, true).await, 1, "still clocked in");
    let again = app
        .gql_as(&site.head, revoke, json!({ "id": site.kiosk }))
        .await;
    assert_eq!(again["data"]["revokeKiosk"], false, "{again}");
    let listed = app
        .gql_as(
            &site.head,
            "query ($id: ID!) { company(id: $id) { kiosks { id } } }",
            json!({ "id": site.alpha }),
        )
        .await;
    assert_eq!(listed["data"]["company"]["kiosks"], json!([]), "{listed}");
    // As with any dead token: refused, except by the operations open to anyone, which run
    // as anonymous.
    let body = app
        .gql_with_token(&site.token, "{ version }", json!({}))
        .await;
    assert_eq!(first_error_reason(&body), "SESSION_REVOKED", "{body}");
    let body = app
        .gql_with_token(
            &site.token,
            LOGIN,
            json!({ "input": { "login": "head", "password": PASSWORD } }),
        )
        .await;
    assert!(body["data"]["login"]["accessToken"].is_string(), "{body}");
}
