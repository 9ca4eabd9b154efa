//! Live clock events (`clockEvents`) as a real graphql-ws client receives them: across server
//! instances, kept to the subscriber's scope, and ended when the subscriber loses access.
//! Tests wait on the events themselves, never on the clock.

use std::time::{Duration, Instant};

use rollcall::auth::identity::Role;
use serde_json::{Value, json};

use crate::common::TestApp;
use crate::common::accounts::TestUser;
use crate::common::workforce::{
    CLOCK_IN, CLOCK_OUT, NodeSubscription, REGISTER_KIOSK, UPDATE_SESSION, hours_ago,
};

const CLOCK_EVENTS: &str = "subscription ($company: ID!) { clockEvents(companyId: $company) {
    kind sessionId session { id open source } employee { id name } actor { username }
} }";

/// Subscribes `viewer` to the clock events of `company` on the server at `addr`.
async fn subscribe(
    addr: std::net::SocketAddr,
    viewer: Option<&TestUser>,
    company: &str,
) -> NodeSubscription {
    let mut subscription = NodeSubscription::start(
        addr,
        viewer.map(|viewer| viewer.access.as_str()),
        CLOCK_EVENTS,
        json!({ "company": company }),
    )
    .await;
    subscription.connected().await;
    subscription
}

/// Corrects the note of `session` as `editor` (an UPDATED event): what primes subscriptions.
async fn touch(app: &TestApp, editor: &TestUser, session: &str) {
    let body = app
        .gql_as(
            editor,
            UPDATE_SESSION,
            json!({ "id": session, "input": { "note": "checked" }, "reason": "priming" }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
}

fn event(line: &Value) -> &Value {
    let event = &line["next"]["data"]["clockEvents"];
    assert!(event.is_object(), "not an event: {line}");
    event
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clock_in_through_one_instance_reaches_a_subscriber_of_another_at_once() {
    let app = TestApp::new().await;
    let second = app.second_instance().await;
    let (addr, _server) = second.spawn_server().await;
    let manager = app.member("max", Role::Manager, Some("Alpha")).await;
    let head = app.member("head", Role::HeadManager, Some("Alpha")).await;
    let owner = app.member("boss", Role::Owner, None).await;
    let eve = app.member("eve", Role::Employee, Some("Alpha")).await;
    let alpha = app
        .id("SELECT id AS n FROM companies WHERE name = 'Alpha'")
        .await;
    let record = app.employee(&alpha, "Eve", Some(&eve.id)).await;
    let past = app
        .session(&record, hours_ago(30), Some(hours_ago(25)))
        .await;

    let mut events = subscribe(addr, Some(&manager), &alpha).await;
    let primed = events
        .prime(async || touch(&app, &owner, &past).await)
        .await;
    assert_eq!(
        event(&primed),
        &json!({
            "kind": "UPDATED", "sessionId": past,
            "session": { "id": past, "open": false, "source": "MANUAL" },
            "employee": { "id": record, "name": "Eve" },
            "actor": { "username": "boss" },
        })
    );

    let started = Instant::now();
    let body = app.gql_as(&eve, CLOCK_IN, json!({})).await;
    let session = body["data"]["clockIn"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    let line = events.next_but("UPDATED").await;
    let elapsed = started.elapsed();
    assert_eq!(
        event(&line),
        &json!({
            "kind": "CLOCK_IN", "sessionId": session,
            "session": { "id": session, "open": true, "source": "CLOCK" },
            "employee": { "id": record, "name": "Eve" },
            "actor": { "username": "eve" },
        })
    );
    assert!(
        elapsed < Duration::from_secs(1),
        "the event took {elapsed:?}"
    );

    let body = app.gql_as(&eve, CLOCK_OUT, json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    let line = events.next_but("UPDATED").await;
    assert_eq!(event(&line)["kind"], "CLOCK_OUT", "{line}");
    assert_eq!(event(&line)["session"]["open"], false);

    // At a kiosk, nobody's account clocks.
    let kiosk = app
        .gql_as(
            &head,
            REGISTER_KIOSK,
            json!({ "company": alpha, "name": "Front door" }),
        )
        .await;
    let token = kiosk["data"]["registerKiosk"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{kiosk}"))
        .to_owned();
    let pin = app
        .gql_as(
            &eve,
            "mutation ($id: ID!) { setEmployeePin(employeeId: $id, pin: \"2468\") }",
            json!({ "id": record }),
        )
        .await;
    assert_eq!(pin["data"]["setEmployeePin"], true, "{pin}");
    let body = app
        .gql_with_token(
            &token,
            "mutation ($id: ID!) { kioskClock(input: {employeeId: $id, pin: \"2468\"}) { kind } }",
            json!({ "id": record }),
        )
        .await;
    assert_eq!(body["data"]["kioskClock"]["kind"], "CLOCK_IN", "{body}");
    let line = events.next_but("UPDATED").await;
    assert_eq!(event(&line)["kind"], "CLOCK_IN", "{line}");
    assert_eq!(event(&line)["session"]["source"], "KIOSK");
    assert_eq!(event(&line)["actor"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn employees_hear_only_their_own_clock_events() {
    let app = TestApp::new().await;
    let (addr, _server) = app.spawn_server().await;
    let manager = app.member("max", Role::Manager, Some("Alpha")).await;
    let eve = app.member("eve", Role::Employee, Some("Alpha")).await;
    let alpha = app
        .id("SELECT id AS n FROM companies WHERE name = 'Alpha'")
        .await;
    let own = app.employee(&alpha, "Eve", Some(&eve.id)).await;
    let coworker = app.employee(&alpha, "Coworker", None).await;
    let past = app.session(&own, hours_ago(30), Some(hours_ago(25))).await;

    let mut events = subscribe(addr, Some(&eve), &alpha).await;
    events
        .prime(async || touch(&app, &manager, &past).await)
        .await;

    let theirs = app
        .gql_as(
            &manager,
            CLOCK_IN,
            json!({ "input": { "employeeId": coworker } }),
        )
        .await;
    assert!(theirs["errors"].is_null(), "{theirs}");
    let mine = app.gql_as(&eve, CLOCK_IN, json!({})).await;
    let mine = mine["data"]["clockIn"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{mine}"))
        .to_owned();
    // Events arrive in the order of their commits: the coworker's would have come first.
    let line = events.next_but("UPDATED").await;
    assert_eq!(event(&line)["sessionId"], mine.as_str(), "{line}");
    assert_eq!(event(&line)["employee"]["id"], own.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_subscriber_removed_from_the_company_is_told_out_of_scope_and_completed() {
    let app = TestApp::new().await;
    let second = app.second_instance().await;
    let (addr, _server) = second.spawn_server().await;
    let manager = app.member("max", Role::Manager, Some("Alpha")).await;
    let head = app.member("head", Role::HeadManager, Some("Alpha")).await;
    let alpha = app
        .id("SELECT id AS n FROM companies WHERE name = 'Alpha'")
        .await;
    let worker = app.employee(&alpha, "Worker", None).await;
    let past = app
        .session(&worker, hours_ago(30), Some(hours_ago(25)))
        .await;

    let mut events = subscribe(addr, Some(&manager), &alpha).await;
    events.prime(async || touch(&app, &head, &past).await).await;
    let removed = app
        .gql_as(
            &head,
            "mutation ($company: ID!, $user: ID!) { removeCompanyMember(companyId: $company, userId: $user) { id } }",
            json!({ "company": alpha, "user": manager.id }),
        )
        .await;
    assert!(removed["errors"].is_null(), "{removed}");

    let line = events.next_but("UPDATED").await;
    let error = &line["next"]["errors"][0]["extensions"];
    assert_eq!(error["code"], "FORBIDDEN", "{line}");
    assert_eq!(error["reason"], "OUT_OF_SCOPE", "{line}");
    assert_eq!(events.next().await, json!({ "complete": true }));
}

#[tokio::test(flavor = "multi_thread")]
async fn subscribing_to_a_company_out_of_reach_is_refused() {
    let app = TestApp::new().await;
    let (addr, _server) = app.spawn_server().await;
    let manager = app.member("max", Role::Manager, Some("Alpha")).await;
    let eve = app.member("eve", Role::Employee, Some("Alpha")).await;
    let user = app.member("ann", Role::User, Some("Alpha")).await;
    app.member("bravo", Role::Manager, Some("Bravo")).await;
    let alpha = app
        .id("SELECT id AS n FROM companies WHERE name = 'Alpha'")
        .await;
    let bravo = app
        .id("SELECT id AS n FROM companies WHERE name = 'Bravo'")
        .await;

    for (viewer, company, code) in [
        (Some(&manager), &bravo, "NOT_FOUND"),
        // An employee with no record in the company has nothing to hear there.
        (Some(&eve), &alpha, "NOT_FOUND"),
        (Some(&user), &alpha, "FORBIDDEN"),
        (None, &alpha, "UNAUTHENTICATED"),
    ] {
        let mut events = subscribe(addr, viewer, company).await;
        let line = events.next().await;
        assert_eq!(
            line["next"]["errors"][0]["extensions"]["code"], code,
            "{line}"
        );
        assert_eq!(line["next"]["data"], Value::Null, "{line}");
        assert_eq!(events.next().await, json!({ "complete": true }));
    }
}
