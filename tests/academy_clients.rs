//! The academy's clients: clients kept by the managers of their companies, linked to the
//! accounts they sign in with, anonymized for good and unlinked when their account is deleted;
//! contracts numbered once per company; subscriptions sold from a price (which keep what they
//! were sold at), their days, their status and their lessons; attendance that merges marks and
//! consumes a lesson of the right subscription (and gives it back), also when two managers mark
//! at once; cancelled lessons that give lessons back and mail the group's clients; who sees and
//! changes what at each level; orders and pages; and the statements a nested list costs.

use chrono::{Duration, Utc};
use rollcall::auth::identity::{AccountStatus, Role};
use serde_json::{Value, json};

use crate::common::TestApp;
use crate::common::academy::client;
use crate::common::accounts::{PASSWORD, TestUser};
use crate::common::workforce::ids;
use crate::common::{assert_error, id_of, owned, paged};

// Operations ---------------------------------------------------------------------------------

const CREATE_CLIENT: &str = "mutation ($input: CreateClientInput!) {
    createClient(input: $input) {
        id name email phone birthDate notes active anonymized company { id } account { id }
    }
}";
const UPDATE_CLIENT: &str = "mutation ($id: ID!, $input: UpdateClientInput!) {
    updateClient(id: $id, input: $input) {
        id name email phone birthDate notes active anonymized account { id }
    }
}";
const ANONYMIZE_CLIENT: &str = "mutation ($id: ID!) {
    anonymizeClient(id: $id) {
        id name email phone birthDate notes anonymized account { id }
    }
}";
const CREATE_CONTRACT: &str = "mutation ($input: CreateContractInput!) {
    createContract(input: $input) {
        id number signedOn validFrom validTo terms status client { id }
    }
}";
const UPDATE_CONTRACT: &str = "mutation ($id: ID!, $input: UpdateContractInput!) {
    updateContract(id: $id, input: $input) { id number signedOn validFrom validTo terms status }
}";
const CREATE_SUBSCRIPTION: &str = "mutation ($input: CreateClientSubscriptionInput!) {
    createClientSubscription(input: $input) {
        id amount { amount currency } validFrom validTo lessonsIncluded lessonsUsed lessonsLeft
        status client { id } group { id } price { id }
    }
}";
const UPDATE_SUBSCRIPTION: &str = "mutation ($id: ID!, $input: UpdateClientSubscriptionInput!) {
    updateClientSubscription(id: $id, input: $input) {
        id validFrom validTo lessonsIncluded lessonsUsed lessonsLeft status group { id }
    }
}";
const SET_ATTENDANCE: &str = "mutation ($lesson: ID!, $entries: [AttendanceEntryInput!]!) {
    setAttendance(lessonId: $lesson, entries: $entries) {
        id attendance { client { id } status unpaid subscription { id lessonsUsed } }
    }
}";
const LESSON_ATTENDANCE: &str = "query ($id: ID!) {
    lesson(id: $id) { id attendance { client { id name } status unpaid subscription { id lessonsUsed } } }
}";
const CANCEL_LESSON: &str = "mutation ($id: ID!, $reason: String) {
    cancelLesson(id: $id, reason: $reason) { id cancelled }
}";
const UPDATE_PRICE: &str = "mutation ($id: ID!, $input: UpdatePriceInput!) {
    updatePrice(id: $id, input: $input) { id amount { amount currency } lessonsIncluded validityDays }
}";

// Fixtures -----------------------------------------------------------------------------------

/// A company (in UTC) with a manager, a location and a group without a coach.
struct Studio {
    company: String,
    location: String,
    group: String,
    manager: TestUser,
}

/// A [`Studio`] named `company`, managed by the new account `manager`.
async fn studio(app: &TestApp, company: &str, manager: &str) -> Studio {
    let id = app.company(company, "UTC").await;
    let manager = app.member(manager, Role::Manager, Some(company)).await;
    let location = location(app, &id, &format!("{company} Hall")).await;
    let group = group(app, &location, None, &format!("{company} Ballet")).await;
    Studio {
        company: id,
        location,
        group,
        manager,
    }
}

/// An active location of `company`, in UTC; answers its id.
async fn location(app: &TestApp, company: &str, name: &str) -> String {
    app.id(&format!(
        "INSERT INTO locations (company_id, name, time_zone) VALUES ({company}, '{name}', 'UTC') \
         RETURNING id AS n"
    ))
    .await
}

/// An active group (capacity 10) at `location`, coached by the employee `coach` if given;
/// answers its id.
async fn group(app: &TestApp, location: &str, coach: Option<&str>, name: &str) -> String {
    let coach = coach.unwrap_or("NULL");
    app.id(&format!(
        "INSERT INTO groups (location_id, coach_id, name, capacity) \
         VALUES ({location}, {coach}, '{name}', 10) RETURNING id AS n"
    ))
    .await
}

/// An hour's lesson of `group` from `start` (an SQL expression such as `now() - interval '1
/// day'`), taught by the group's coach; answers its id.
async fn lesson(app: &TestApp, group: &str, start: &str) -> String {
    app.id(&format!(
        "INSERT INTO lessons (group_id, coach_id, starts_at, ends_at) \
         SELECT id, coach_id, {start}, ({start}) + interval '1 hour' \
         FROM groups WHERE id = {group} RETURNING id AS n"
    ))
    .await
}

/// A lesson of `group` that started `days` days ago.
async fn past_lesson(app: &TestApp, group: &str, days: i64) -> String {
    lesson(app, group, &format!("now() - interval '{days} days'")).await
}

/// An active price of `company` in EUR; `lessons` none for unlimited; answers its id.
async fn price(
    app: &TestApp,
    company: &str,
    minor: i64,
    lessons: Option<i32>,
    validity_days: i32,
) -> String {
    let lessons = lessons.map_or("NULL".to_owned(), |n| n.to_string());
    app.id(&format!(
        "INSERT INTO prices (company_id, name, amount_minor, currency, lessons_included, validity_days) \
         VALUES ({company}, 'Card {minor}', {minor}, 'EUR', {lessons}, {validity_days}) RETURNING id AS n"
    ))
    .await
}

/// Today (UTC, the zone of the studios) moved by `offset` days, as the API writes a date.
fn day(offset: i64) -> String {
    (Utc::now().date_naive() + Duration::days(offset)).to_string()
}

/// Sells a subscription through the API (`input` of `createClientSubscription`); answers it.
async fn sell(app: &TestApp, manager: &TestUser, input: Value) -> Value {
    let body = app
        .gql_as(manager, CREATE_SUBSCRIPTION, json!({ "input": input }))
        .await;
    let subscription = body["data"]["createClientSubscription"].clone();
    assert!(subscription.is_object(), "{body}");
    subscription
}

/// Sells `client` a subscription at `price` valid from 10 days ago to `to_offset` days from
/// today, for `group` or (none) the whole company; answers its id.
async fn sell_id(
    app: &TestApp,
    manager: &TestUser,
    client: &str,
    price: &str,
    group: Option<&str>,
    to_offset: i64,
) -> String {
    id_of(
        &sell(
            app,
            manager,
            json!({
                "clientId": client, "priceId": price, "groupId": group,
                "validFrom": day(-10), "validTo": day(to_offset),
            }),
        )
        .await,
    )
}

/// Changes a subscription through the API; answers the response.
async fn change_subscription(app: &TestApp, manager: &TestUser, id: &str, input: Value) -> Value {
    app.gql_as(
        manager,
        UPDATE_SUBSCRIPTION,
        json!({ "id": id, "input": input }),
    )
    .await
}

/// Marks `entries` (pairs of a client and a status, `None` to remove) at `lesson`; answers
/// the response.
async fn mark(
    app: &TestApp,
    viewer: &TestUser,
    lesson: &str,
    entries: &[(&str, Option<&str>)],
) -> Value {
    let entries: Vec<Value> = entries
        .iter()
        .map(|(client, status)| json!({ "clientId": client, "status": status }))
        .collect();
    app.gql_as(
        viewer,
        SET_ATTENDANCE,
        json!({ "lesson": lesson, "entries": entries }),
    )
    .await
}

/// A lesson's marks (`attendance` of a lesson), as `client|status|subscription|unpaid` sorted
/// by client, `-` for no subscription.
#[track_caller]
fn marks(lesson: &Value) -> Vec<String> {
    let mut marks: Vec<String> = lesson["attendance"]
        .as_array()
        .unwrap_or_else(|| panic!("no attendance in {lesson}"))
        .iter()
        .map(|mark| {
            format!(
                "{}|{}|{}|{}",
                mark["client"]["id"].as_str().expect("a client"),
                mark["status"].as_str().expect("a status"),
                mark["subscription"]["id"].as_str().unwrap_or("-"),
                mark["unpaid"]
            )
        })
        .collect();
    marks.sort();
    marks
}

/// The marks `setAttendance` answered, failing on an error.
#[track_caller]
fn marked(body: &Value) -> Vec<String> {
    assert!(body["errors"].is_null(), "{body}");
    marks(&body["data"]["setAttendance"])
}

/// One mark as [`marks`] writes it.
fn m(client: &str, status: &str, subscription: Option<&str>, unpaid: bool) -> String {
    format!("{client}|{status}|{}|{unpaid}", subscription.unwrap_or("-"))
}

/// The lessons a subscription has used, as stored.
async fn used(app: &TestApp, subscription: &str) -> i64 {
    app.count(&format!(
        "SELECT lessons_used::bigint AS n FROM client_subscriptions WHERE id = {subscription}"
    ))
    .await
}

/// The stored marks of a lesson, as `client|status|subscription`, sorted.
async fn stored_marks(app: &TestApp, lesson: &str) -> Vec<String> {
    let mut marks = app
        .texts(&format!(
            "SELECT client_id || '|' || status || '|' || coalesce(subscription_id::text, '-') \
             AS t FROM attendance WHERE lesson_id = {lesson}"
        ))
        .await;
    marks.sort();
    marks
}

// Clients ------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn managers_create_and_change_clients_linked_to_one_account_per_company() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "max").await;
    let bravo = studio(&app, "Bravo", "bea").await;
    let ann_id = app
        .create_account_in("ann", Role::User, AccountStatus::Active, None)
        .await;
    let ann = app.login("ann", PASSWORD).await;

    let body = app
        .gql_as(
            &alpha.manager,
            CREATE_CLIENT,
            json!({ "input": {
                "companyId": alpha.company, "name": "  Ann Smith ", "email": "ann@home.test",
                "phone": "+49 30 1234", "birthDate": "1990-05-17", "notes": "Knee",
                "userId": ann_id,
            } }),
        )
        .await;
    let created = &body["data"]["createClient"];
    let ann_alpha = id_of(created);
    assert_eq!(
        created,
        &json!({
            "id": ann_alpha, "name": "Ann Smith", "email": "ann@home.test",
            "phone": "+49 30 1234", "birthDate": "1990-05-17", "notes": "Knee", "active": true,
            "anonymized": false, "company": { "id": alpha.company }, "account": { "id": ann_id },
        }),
        "{body}"
    );
    assert_eq!(
        app.texts(&format!(
            "SELECT company_id || '|' || name || '|' || email || '|' || user_id AS t \
             FROM clients WHERE id = {ann_alpha}"
        ))
        .await,
        [format!(
            "{}|Ann Smith|ann@home.test|{ann_id}",
            alpha.company
        )]
    );

    // The account signs in and sees its record, contacts included.
    let body = app
        .gql_as(
            &ann,
            "{ me { clients { id name email } } clients { totalCount nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["me"]["clients"],
        json!([{ "id": ann_alpha, "name": "Ann Smith", "email": "ann@home.test" }]),
        "{body}"
    );
    assert_eq!(body["data"]["clients"]["totalCount"], 1, "{body}");

    // One client per account and company: a second one in Alpha is refused, in Bravo fine.
    let clients = "SELECT count(*) AS n FROM clients";
    let body = app
        .gql_as(
            &alpha.manager,
            CREATE_CLIENT,
            json!({ "input": { "companyId": alpha.company, "name": "Ann again", "userId": ann_id } }),
        )
        .await;
    assert_error(
        &body,
        "CONFLICT",
        Some("CLIENT_ACCOUNT_TAKEN"),
        Some("userId"),
    );
    let bob = client(&app, &alpha.company, "Bob", None, None).await;
    let body = app
        .gql_as(
            &alpha.manager,
            UPDATE_CLIENT,
            json!({ "id": bob, "input": { "userId": ann_id } }),
        )
        .await;
    assert_error(
        &body,
        "CONFLICT",
        Some("CLIENT_ACCOUNT_TAKEN"),
        Some("userId"),
    );
    let body = app
        .gql_as(
            &bravo.manager,
            CREATE_CLIENT,
            json!({ "input": { "companyId": bravo.company, "name": "Ann S.", "userId": ann_id } }),
        )
        .await;
    let ann_bravo = id_of(&body["data"]["createClient"]);
    assert_eq!(app.count(clients).await, 3);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM clients WHERE user_id = {ann_id}"
        ))
        .await,
        2
    );

    // What is refused leaves no row.
    for (input, field) in [
        (json!({ "companyId": alpha.company, "name": "   " }), "name"),
        (
            json!({ "companyId": alpha.company, "name": "Eve", "email": "no address" }),
            "email",
        ),
        (
            json!({ "companyId": alpha.company, "name": "Eve", "userId": "999999" }),
            "userId",
        ),
        (
            json!({ "companyId": alpha.company, "name": "Eve", "birthDate": day(3) }),
            "birthDate",
        ),
    ] {
        let body = app
            .gql_as(&alpha.manager, CREATE_CLIENT, json!({ "input": input }))
            .await;
        assert_error(&body, "BAD_USER_INPUT", None, Some(field));
    }
    assert_eq!(app.count(clients).await, 3);

    // A change: left out keeps, null clears; unlinking frees the account for another record.
    let body = app
        .gql_as(
            &alpha.manager,
            UPDATE_CLIENT,
            json!({ "id": ann_alpha, "input": {
                "phone": null, "notes": "Better", "active": false, "userId": null,
            } }),
        )
        .await;
    assert_eq!(
        body["data"]["updateClient"],
        json!({
            "id": ann_alpha, "name": "Ann Smith", "email": "ann@home.test", "phone": null,
            "birthDate": "1990-05-17", "notes": "Better", "active": false, "anonymized": false,
            "account": null,
        }),
        "{body}"
    );
    let body = app
        .gql_as(
            &alpha.manager,
            UPDATE_CLIENT,
            json!({ "id": bob, "input": { "userId": ann_id } }),
        )
        .await;
    assert_eq!(
        body["data"]["updateClient"]["account"]["id"],
        json!(ann_id),
        "{body}"
    );
    let body = app
        .gql_as(&ann, "{ me { clients { id } } }", json!({}))
        .await;
    let mut mine = ids(&body["data"]["me"]["clients"]);
    mine.sort();
    let mut expected = vec![bob.clone(), ann_bravo.clone()];
    expected.sort();
    assert_eq!(mine, expected, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn anonymizing_a_client_erases_it_for_good_but_keeps_its_records() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "max").await;
    let ann_id = app
        .create_account_in("ann", Role::User, AccountStatus::Active, None)
        .await;
    let ann = app.login("ann", PASSWORD).await;
    let body = app
        .gql_as(
            &alpha.manager,
            CREATE_CLIENT,
            json!({ "input": {
                "companyId": alpha.company, "name": "Ann Smith", "email": "ann@home.test",
                "phone": "12345", "birthDate": "1990-05-17", "notes": "Knee", "userId": ann_id,
            } }),
        )
        .await;
    let ann_client = id_of(&body["data"]["createClient"]);
    let card = price(&app, &alpha.company, 5_000, Some(10), 30).await;
    let subscription = sell_id(
        &app,
        &alpha.manager,
        &ann_client,
        &card,
        Some(&alpha.group),
        10,
    )
    .await;
    let body = app
        .gql_as(
            &alpha.manager,
            CREATE_CONTRACT,
            json!({ "input": { "clientId": ann_client, "number": "K-1", "validFrom": day(-10) } }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let yesterday = past_lesson(&app, &alpha.group, 1).await;
    marked(
        &mark(
            &app,
            &alpha.manager,
            &yesterday,
            &[(&ann_client, Some("PRESENT"))],
        )
        .await,
    );
    assert_eq!(used(&app, &subscription).await, 1);

    let body = app
        .gql_as(
            &alpha.manager,
            ANONYMIZE_CLIENT,
            json!({ "id": ann_client }),
        )
        .await;
    let erased = json!({
        "id": ann_client, "name": null, "email": null, "phone": null, "birthDate": null,
        "notes": null, "anonymized": true, "account": null,
    });
    assert_eq!(body["data"]["anonymizeClient"], erased, "{body}");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM clients WHERE id = {ann_client} AND name = '' \
             AND email IS NULL AND phone IS NULL AND birth_date IS NULL AND notes IS NULL \
             AND user_id IS NULL AND anonymized_at IS NOT NULL"
        ))
        .await,
        1
    );
    // Its contract, subscription and marks stay, and keep counting.
    for table in ["contracts", "client_subscriptions", "attendance"] {
        assert_eq!(
            app.count(&format!(
                "SELECT count(*) AS n FROM {table} WHERE client_id = {ann_client}"
            ))
            .await,
            1,
            "{table}"
        );
    }
    assert_eq!(used(&app, &subscription).await, 1);
    let body = app
        .gql_as(
            &alpha.manager,
            LESSON_ATTENDANCE,
            json!({ "id": yesterday }),
        )
        .await;
    let attendance = &body["data"]["lesson"]["attendance"];
    assert_eq!(
        attendance,
        &json!([{
            "client": { "id": ann_client, "name": null }, "status": "PRESENT", "unpaid": false,
            "subscription": { "id": subscription, "lessonsUsed": 1 },
        }]),
        "{body}"
    );
    // The account no longer reaches it.
    let body = app
        .gql_as(
            &ann,
            "query ($id: ID!) { me { clients { id } } client(id: $id) { id } }",
            json!({ "id": ann_client }),
        )
        .await;
    assert_eq!(body["data"]["me"]["clients"], json!([]), "{body}");
    assert!(body["data"]["client"].is_null(), "{body}");

    // For good: no changes, no new contract; anonymizing again changes nothing.
    let body = app
        .gql_as(
            &alpha.manager,
            UPDATE_CLIENT,
            json!({ "id": ann_client, "input": { "name": "Ann back" } }),
        )
        .await;
    assert_error(&body, "CONFLICT", Some("CLIENT_ANONYMIZED"), None);
    let body = app
        .gql_as(
            &alpha.manager,
            CREATE_CONTRACT,
            json!({ "input": { "clientId": ann_client, "number": "K-2", "validFrom": day(0) } }),
        )
        .await;
    assert_error(&body, "CONFLICT", Some("CLIENT_ANONYMIZED"), None);
    let body = app
        .gql_as(
            &alpha.manager,
            ANONYMIZE_CLIENT,
            json!({ "id": ann_client }),
        )
        .await;
    assert_eq!(body["data"]["anonymizeClient"], erased, "{body}");
    assert_eq!(
        app.texts(&format!(
            "SELECT name || '|' || coalesce(email, '-') || '|' || (anonymized_at IS NOT NULL) \
             AS t FROM clients WHERE id = {ann_client}"
        ))
        .await,
        ["|-|true"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_an_account_unlinks_its_clients() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "max").await;
    let bravo = studio(&app, "Bravo", "bea").await;
    let ann_id = app
        .create_account_in("ann", Role::User, AccountStatus::Active, None)
        .await;
    let ann = app.login("ann", PASSWORD).await;
    let in_alpha = client(
        &app,
        &alpha.company,
        "Ann",
        Some("ann@a.test"),
        Some(&ann_id),
    )
    .await;
    let in_bravo = client(&app, &bravo.company, "Ann", None, Some(&ann_id)).await;
    let other = client(&app, &alpha.company, "Bob", None, None).await;

    let body = app
        .gql_as(
            &ann,
            "mutation ($p: String!) { deleteAccount(password: $p) }",
            json!({ "p": PASSWORD }),
        )
        .await;
    assert_eq!(body["data"]["deleteAccount"], true, "{body}");

    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM clients WHERE user_id = {ann_id}"
        ))
        .await,
        0
    );
    // The records stay, unlinked, with their names and contacts.
    assert_eq!(
        app.texts(&format!(
            "SELECT id || '|' || name || '|' || coalesce(user_id::text, '-') AS t FROM clients \
             WHERE id IN ({in_alpha}, {in_bravo}) ORDER BY id"
        ))
        .await,
        [format!("{in_alpha}|Ann|-"), format!("{in_bravo}|Ann|-")]
    );
    let body = app
        .gql_as(
            &alpha.manager,
            "query ($id: ID!) { client(id: $id) { name email account { id } } }",
            json!({ "id": in_alpha }),
        )
        .await;
    assert_eq!(
        body["data"]["client"],
        json!({ "name": "Ann", "email": "ann@a.test", "account": null }),
        "{body}"
    );
    // A deleted account cannot be linked again.
    let body = app
        .gql_as(
            &alpha.manager,
            UPDATE_CLIENT,
            json!({ "id": other, "input": { "userId": ann_id } }),
        )
        .await;
    assert_error(&body, "BAD_USER_INPUT", None, Some("userId"));
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM clients WHERE id = {other} AND user_id IS NULL"
        ))
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_in_client_sees_only_its_own_records() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "max").await;
    let ann_id = app
        .create_account_in("ann", Role::User, AccountStatus::Active, None)
        .await;
    let ann = app.login("ann", PASSWORD).await;
    let mine = client(
        &app,
        &alpha.company,
        "Ann",
        Some("ann@a.test"),
        Some(&ann_id),
    )
    .await;
    let bob = client(&app, &alpha.company, "Bob", Some("bob@a.test"), None).await;
    let card = price(&app, &alpha.company, 5_000, Some(10), 30).await;
    let my_subscription = sell_id(&app, &alpha.manager, &mine, &card, None, 10).await;
    let bobs_subscription = sell_id(&app, &alpha.manager, &bob, &card, None, 10).await;
    let mut contracts = Vec::new();
    for (client, number) in [(&mine, "K-1"), (&bob, "K-2")] {
        let body = app
            .gql_as(
                &alpha.manager,
                CREATE_CONTRACT,
                json!({ "input": { "clientId": client, "number": number, "validFrom": day(0) } }),
            )
            .await;
        contracts.push(id_of(&body["data"]["createContract"]));
    }
    let yesterday = past_lesson(&app, &alpha.group, 1).await;
    marked(
        &mark(
            &app,
            &alpha.manager,
            &yesterday,
            &[(&mine, Some("PRESENT")), (&bob, Some("PRESENT"))],
        )
        .await,
    );

    let body = app
        .gql_as(
            &ann,
            "query ($mine: ID!, $bob: ID!, $myContract: ID!, $bobsContract: ID!,
                    $mySub: ID!, $bobsSub: ID!) {
                me { clients { id name email } }
                clients { totalCount nodes { id name email phone } }
                mine: client(id: $mine) {
                    email contracts { id } subscriptions { id lessonsUsed }
                    attendance { status lesson { id } }
                }
                bob: client(id: $bob) { id }
                contracts { totalCount nodes { id number client { id } } }
                myContract: contract(id: $myContract) { number }
                bobsContract: contract(id: $bobsContract) { number }
                clientSubscriptions { totalCount nodes { id } }
                mySub: clientSubscription(id: $mySub) { lessonsUsed }
                bobsSub: clientSubscription(id: $bobsSub) { id }
            }",
            json!({
                "mine": mine, "bob": bob, "myContract": contracts[0], "bobsContract": contracts[1],
                "mySub": my_subscription, "bobsSub": bobs_subscription,
            }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let data = &body["data"];
    assert_eq!(
        data["me"]["clients"],
        json!([{ "id": mine, "name": "Ann", "email": "ann@a.test" }]),
        "{body}"
    );
    assert_eq!(
        data["clients"],
        json!({ "totalCount": 1, "nodes": [
            { "id": mine, "name": "Ann", "email": "ann@a.test", "phone": null },
        ] }),
        "{body}"
    );
    assert_eq!(
        data["mine"],
        json!({
            "email": "ann@a.test", "contracts": [{ "id": contracts[0] }],
            "subscriptions": [{ "id": my_subscription, "lessonsUsed": 1 }],
            "attendance": [{ "status": "PRESENT", "lesson": { "id": yesterday } }],
        }),
        "{body}"
    );
    assert!(data["bob"].is_null(), "{body}");
    assert_eq!(
        data["contracts"],
        json!({ "totalCount": 1, "nodes": [
            { "id": contracts[0], "number": "K-1", "client": { "id": mine } },
        ] }),
        "{body}"
    );
    assert_eq!(data["myContract"], json!({ "number": "K-1" }), "{body}");
    assert!(data["bobsContract"].is_null(), "{body}");
    assert_eq!(
        data["clientSubscriptions"],
        json!({ "totalCount": 1, "nodes": [{ "id": my_subscription }] }),
        "{body}"
    );
    assert_eq!(data["mySub"], json!({ "lessonsUsed": 1 }), "{body}");
    assert!(data["bobsSub"].is_null(), "{body}");

    // A group lists only its own record among the group's clients.
    let body = app
        .gql_as(
            &ann,
            "query ($group: ID!) { group(id: $group) { clients { id name } } }",
            json!({ "group": alpha.group }),
        )
        .await;
    assert_eq!(
        body["data"]["group"]["clients"],
        json!([{ "id": mine, "name": "Ann" }]),
        "{body}"
    );

    // Asking for another client's records by filter finds nothing either.
    let body = app
        .gql_as(
            &ann,
            "query ($bob: ID!) {
                contracts(filter: { clientId: $bob }) { totalCount }
                clientSubscriptions(filter: { clientId: $bob }) { totalCount }
            }",
            json!({ "bob": bob }),
        )
        .await;
    assert_eq!(body["data"]["contracts"]["totalCount"], 0, "{body}");
    assert_eq!(
        body["data"]["clientSubscriptions"]["totalCount"], 0,
        "{body}"
    );

    // Level 2 neither reads a lesson's attendance nor marks nor keeps clients.
    let body = app
        .gql_as(&ann, LESSON_ATTENDANCE, json!({ "id": yesterday }))
        .await;
    assert_error(&body, "FORBIDDEN", Some("LEVEL_TOO_LOW"), None);
    let body = mark(&app, &ann, &yesterday, &[(&mine, None)]).await;
    assert_error(&body, "FORBIDDEN", Some("LEVEL_TOO_LOW"), None);
    let body = app
        .gql_as(
            &ann,
            CREATE_CLIENT,
            json!({ "input": { "companyId": alpha.company, "name": "Me again" } }),
        )
        .await;
    assert_error(&body, "FORBIDDEN", Some("LEVEL_TOO_LOW"), None);
    assert_eq!(
        stored_marks(&app, &yesterday).await.len(),
        2,
        "the marks stay"
    );
}

// Contracts ----------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn contract_numbers_are_unique_within_a_company() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "max").await;
    let bravo = studio(&app, "Bravo", "bea").await;
    let ann = client(&app, &alpha.company, "Ann", None, None).await;
    let bob = client(&app, &alpha.company, "Bob", None, None).await;
    let cid = client(&app, &bravo.company, "Cid", None, None).await;

    let body = app
        .gql_as(
            &alpha.manager,
            CREATE_CONTRACT,
            json!({ "input": {
                "clientId": ann, "number": " 2026-001 ", "validFrom": "2026-01-01",
                "terms": "Ten lessons",
            } }),
        )
        .await;
    let first = id_of(&body["data"]["createContract"]);
    assert_eq!(
        body["data"]["createContract"],
        json!({
            "id": first, "number": "2026-001", "signedOn": null, "validFrom": "2026-01-01",
            "validTo": null, "terms": "Ten lessons", "status": "DRAFT", "client": { "id": ann },
        }),
        "{body}"
    );
    // The same number for another client of the company is taken; in another company it is not.
    let body = app
        .gql_as(
            &alpha.manager,
            CREATE_CONTRACT,
            json!({ "input": { "clientId": bob, "number": "2026-001", "validFrom": "2026-02-01" } }),
        )
        .await;
    assert_error(
        &body,
        "CONFLICT",
        Some("CONTRACT_NUMBER_TAKEN"),
        Some("number"),
    );
    let body = app
        .gql_as(
            &bravo.manager,
            CREATE_CONTRACT,
            json!({ "input": {
                "clientId": cid, "number": "2026-001", "validFrom": "2026-02-01",
                "status": "ACTIVE",
            } }),
        )
        .await;
    assert_eq!(body["data"]["createContract"]["status"], "ACTIVE", "{body}");
    let body = app
        .gql_as(
            &alpha.manager,
            CREATE_CONTRACT,
            json!({ "input": {
                "clientId": bob, "number": "2026-002", "validFrom": "2026-02-01",
                "validTo": "2026-12-31", "signedOn": "2026-01-20", "status": "ACTIVE",
            } }),
        )
        .await;
    let second = id_of(&body["data"]["createContract"]);
    // An end before the start is refused.
    let body = app
        .gql_as(
            &alpha.manager,
            CREATE_CONTRACT,
            json!({ "input": {
                "clientId": bob, "number": "2026-003", "validFrom": "2026-02-01",
                "validTo": "2026-01-31",
            } }),
        )
        .await;
    assert_error(&body, "BAD_USER_INPUT", None, Some("validTo"));
    assert_eq!(
        app.texts(
            "SELECT company_id || '|' || number || '|' || status AS t FROM contracts ORDER BY id"
        )
        .await,
        [
            format!("{}|2026-001|DRAFT", alpha.company),
            format!("{}|2026-001|ACTIVE", bravo.company),
            format!("{}|2026-002|ACTIVE", alpha.company),
        ]
    );

    // Renumbering onto a taken number is refused too; each status can be set.
    let body = app
        .gql_as(
            &alpha.manager,
            UPDATE_CONTRACT,
            json!({ "id": second, "input": { "number": "2026-001" } }),
        )
        .await;
    assert_error(
        &body,
        "CONFLICT",
        Some("CONTRACT_NUMBER_TAKEN"),
        Some("number"),
    );
    for status in ["ACTIVE", "ENDED", "CANCELLED", "DRAFT"] {
        let body = app
            .gql_as(
                &alpha.manager,
                UPDATE_CONTRACT,
                json!({ "id": first, "input": { "status": status } }),
            )
            .await;
        assert_eq!(body["data"]["updateContract"]["status"], status, "{body}");
    }
    let body = app
        .gql_as(
            &alpha.manager,
            UPDATE_CONTRACT,
            json!({ "id": second, "input": {
                "number": "2026-009", "validTo": null, "terms": "Open", "status": "ENDED",
            } }),
        )
        .await;
    assert_eq!(
        body["data"]["updateContract"],
        json!({
            "id": second, "number": "2026-009", "signedOn": "2026-01-20",
            "validFrom": "2026-02-01", "validTo": null, "terms": "Open", "status": "ENDED",
        }),
        "{body}"
    );
    let body = app
        .gql_as(
            &alpha.manager,
            "{ contracts(filter: { status: ENDED }) { nodes { number } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["contracts"]["nodes"],
        json!([{ "number": "2026-009" }]),
        "{body}"
    );
}

// Subscriptions ------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn subscriptions_keep_what_their_price_sold_them_at_and_default_their_days() {
    let app = TestApp::new().await;
    // Fourteen hours ahead of UTC: its today is not UTC's for most of the day.
    let alpha = app.company("Alpha", "Pacific/Kiritimati").await;
    let hana = app.member("hana", Role::HeadManager, Some("Alpha")).await;
    let bravo = app.company("Bravo", "UTC").await;
    let main = location(&app, &alpha, "Main").await;
    let ballet = group(&app, &main, None, "Ballet").await;
    let ann = client(&app, &alpha, "Ann", None, None).await;
    let card = price(&app, &alpha, 1_250, Some(10), 30).await;
    let bravo_card = price(&app, &bravo, 1_000, Some(10), 30).await;

    let sold = sell(&app, &hana, json!({ "clientId": ann, "priceId": card })).await;
    let id = id_of(&sold);
    let days = app
        .texts(
            "SELECT to_char((now() AT TIME ZONE 'Pacific/Kiritimati')::date, 'YYYY-MM-DD') || '|' \
             || to_char((now() AT TIME ZONE 'Pacific/Kiritimati')::date + 29, 'YYYY-MM-DD') AS t",
        )
        .await;
    let (from, to) = days[0].split_once('|').expect("two days");
    assert_eq!(
        sold,
        json!({
            "id": id, "amount": { "amount": "12.50", "currency": "EUR" }, "validFrom": from,
            "validTo": to, "lessonsIncluded": 10, "lessonsUsed": 0, "lessonsLeft": 10,
            "status": "ACTIVE", "client": { "id": ann }, "group": null, "price": { "id": card },
        })
    );

    // A new price leaves what was sold alone.
    let body = app
        .gql_as(
            &hana,
            UPDATE_PRICE,
            json!({ "id": card, "input": {
                "amount": { "amount": "20.00", "currency": "EUR" }, "lessonsIncluded": 5,
                "validityDays": 60,
            } }),
        )
        .await;
    assert_eq!(
        body["data"]["updatePrice"]["amount"]["amount"], "20.00",
        "{body}"
    );
    let body = app
        .gql_as(
            &hana,
            "query ($id: ID!) { clientSubscription(id: $id) {
                amount { amount currency } validTo lessonsIncluded lessonsLeft
                price { amount { amount } lessonsIncluded }
            } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        body["data"]["clientSubscription"],
        json!({
            "amount": { "amount": "12.50", "currency": "EUR" }, "validTo": to,
            "lessonsIncluded": 10, "lessonsLeft": 10,
            "price": { "amount": { "amount": "20.00" }, "lessonsIncluded": 5 },
        }),
        "{body}"
    );
    assert_eq!(
        app.texts(&format!(
            "SELECT amount_minor || '|' || currency || '|' || lessons_included AS t \
             FROM client_subscriptions WHERE id = {id}"
        ))
        .await,
        ["1250|EUR|10"]
    );

    // Given days are kept; a subscription whose last day has passed is EXPIRED.
    let sold = sell(
        &app,
        &hana,
        json!({
            "clientId": ann, "priceId": card, "groupId": ballet, "validFrom": "2026-03-01",
            "validTo": "2026-03-05",
        }),
    )
    .await;
    assert_eq!(
        (
            &sold["validFrom"],
            &sold["validTo"],
            &sold["group"]["id"],
            &sold["lessonsIncluded"]
        ),
        (
            &json!("2026-03-01"),
            &json!("2026-03-05"),
            &json!(ballet),
            &json!(5)
        ),
        "{sold}"
    );
    let sold = sell(
        &app,
        &hana,
        json!({ "clientId": ann, "priceId": card, "validFrom": "2020-01-01" }),
    )
    .await;
    assert_eq!(
        (&sold["validTo"], &sold["status"]),
        (&json!("2020-02-29"), &json!("EXPIRED")),
        "60 days from the new price: {sold}"
    );

    // Refused: another company's price, an inactive price, an end before the start.
    let count = "SELECT count(*) AS n FROM client_subscriptions";
    assert_eq!(app.count(count).await, 3);
    app.sql(&format!(
        "INSERT INTO prices (company_id, name, amount_minor, currency, validity_days, active) \
         VALUES ({alpha}, 'Old', 100, 'EUR', 30, false)"
    ))
    .await;
    let old = app
        .id("SELECT id AS n FROM prices WHERE name = 'Old'")
        .await;
    for (input, field) in [
        (json!({ "clientId": ann, "priceId": bravo_card }), "priceId"),
        (json!({ "clientId": ann, "priceId": old }), "priceId"),
        (
            json!({
                "clientId": ann, "priceId": card, "validFrom": "2026-03-05",
                "validTo": "2026-03-01",
            }),
            "validTo",
        ),
    ] {
        let body = app
            .gql_as(&hana, CREATE_SUBSCRIPTION, json!({ "input": input }))
            .await;
        assert_error(&body, "BAD_USER_INPUT", None, Some(field));
    }
    assert_eq!(app.count(count).await, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn subscription_changes_stop_at_cancellation_and_at_the_lessons_used() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "max").await;
    let ann = client(&app, &alpha.company, "Ann", None, None).await;
    let card = price(&app, &alpha.company, 5_000, Some(10), 30).await;
    let subscription = sell_id(&app, &alpha.manager, &ann, &card, None, 10).await;
    for days in [1, 2] {
        let lesson = past_lesson(&app, &alpha.group, days).await;
        marked(&mark(&app, &alpha.manager, &lesson, &[(&ann, Some("PRESENT"))]).await);
    }
    assert_eq!(used(&app, &subscription).await, 2);

    let body = change_subscription(
        &app,
        &alpha.manager,
        &subscription,
        json!({ "lessonsIncluded": 1 }),
    )
    .await;
    assert_error(
        &body,
        "CONFLICT",
        Some("LESSONS_USED"),
        Some("lessonsIncluded"),
    );
    let body = change_subscription(
        &app,
        &alpha.manager,
        &subscription,
        json!({ "lessonsIncluded": 2, "groupId": alpha.group, "validTo": day(20) }),
    )
    .await;
    assert_eq!(
        body["data"]["updateClientSubscription"],
        json!({
            "id": subscription, "validFrom": day(-10), "validTo": day(20), "lessonsIncluded": 2,
            "lessonsUsed": 2, "lessonsLeft": 0, "status": "ACTIVE",
            "group": { "id": alpha.group },
        }),
        "{body}"
    );
    let body = change_subscription(
        &app,
        &alpha.manager,
        &subscription,
        json!({ "lessonsIncluded": null, "groupId": null, "status": "PAUSED" }),
    )
    .await;
    assert_eq!(
        (
            &body["data"]["updateClientSubscription"]["lessonsIncluded"],
            &body["data"]["updateClientSubscription"]["lessonsLeft"],
            &body["data"]["updateClientSubscription"]["status"],
            &body["data"]["updateClientSubscription"]["group"],
        ),
        (&json!(null), &json!(null), &json!("PAUSED"), &json!(null)),
        "{body}"
    );
    // EXPIRED follows from the days; it is not set.
    let body = change_subscription(
        &app,
        &alpha.manager,
        &subscription,
        json!({ "status": "EXPIRED" }),
    )
    .await;
    assert_error(&body, "BAD_USER_INPUT", None, Some("status"));

    // Cancelled, for good.
    let body = change_subscription(
        &app,
        &alpha.manager,
        &subscription,
        json!({ "status": "CANCELLED" }),
    )
    .await;
    assert_eq!(
        body["data"]["updateClientSubscription"]["status"], "CANCELLED",
        "{body}"
    );
    for input in [
        json!({ "status": "ACTIVE" }),
        json!({ "validTo": day(30) }),
        json!({ "lessonsIncluded": 50 }),
    ] {
        let body = change_subscription(&app, &alpha.manager, &subscription, input).await;
        assert_error(&body, "CONFLICT", Some("SUBSCRIPTION_CANCELLED"), None);
    }
    assert_eq!(
        app.texts(&format!(
            "SELECT status || '|' || coalesce(lessons_included::text, '-') || '|' || lessons_used \
             || '|' || valid_to AS t FROM client_subscriptions WHERE id = {subscription}"
        ))
        .await,
        [format!("CANCELLED|-|2|{}", day(20))]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn subscriptions_filter_by_client_group_and_status() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "max").await;
    let jazz = group(&app, &alpha.location, None, "Jazz").await;
    let ann = client(&app, &alpha.company, "Ann", None, None).await;
    let bob = client(&app, &alpha.company, "Bob", None, None).await;
    let card = price(&app, &alpha.company, 5_000, Some(10), 30).await;
    let sell_days = async |client: &str, group: Option<&str>, from: i64, to: i64| {
        id_of(
            &sell(
                &app,
                &alpha.manager,
                json!({
                    "clientId": client, "priceId": card, "groupId": group,
                    "validFrom": day(from), "validTo": day(to),
                }),
            )
            .await,
        )
    };
    let active = sell_days(&ann, Some(&alpha.group), -5, 5).await;
    let wide = sell_days(&ann, None, -5, 6).await;
    let expired = sell_days(&ann, Some(&alpha.group), -40, -1).await;
    let paused_expired = sell_days(&bob, Some(&jazz), -40, -2).await;
    let cancelled_expired = sell_days(&bob, None, -40, -3).await;
    let paused = sell_days(&bob, Some(&alpha.group), -5, 7).await;
    let cancelled = sell_days(&bob, Some(&jazz), -5, 8).await;
    let last_day_today = sell_days(&bob, None, -5, 0).await;
    for (id, status) in [
        (&paused_expired, "PAUSED"),
        (&cancelled_expired, "CANCELLED"),
        (&paused, "PAUSED"),
        (&cancelled, "CANCELLED"),
    ] {
        let body = change_subscription(&app, &alpha.manager, id, json!({ "status": status })).await;
        assert!(body["errors"].is_null(), "{body}");
    }

    let list = async |filter: Value| {
        let body = app
            .gql_as(
                &alpha.manager,
                "query ($filter: ClientSubscriptionsFilter) {
                    clientSubscriptions(filter: $filter) { totalCount nodes { id status } }
                }",
                json!({ "filter": filter }),
            )
            .await;
        let list = &body["data"]["clientSubscriptions"];
        assert_eq!(
            list["totalCount"].as_u64(),
            list["nodes"].as_array().map(|nodes| nodes.len() as u64),
            "{body}"
        );
        ids(list)
    };
    // Ending soonest first.
    assert_eq!(
        list(json!(null)).await,
        owned(&[
            &cancelled_expired,
            &paused_expired,
            &expired,
            &last_day_today,
            &active,
            &wide,
            &paused,
            &cancelled,
        ])
    );
    assert_eq!(
        list(json!({ "clientId": ann })).await,
        owned(&[&expired, &active, &wide])
    );
    assert_eq!(
        list(json!({ "groupId": alpha.group })).await,
        owned(&[&expired, &active, &paused])
    );
    assert_eq!(
        list(json!({ "groupId": jazz })).await,
        owned(&[&paused_expired, &cancelled])
    );
    // EXPIRED once the last day has passed (paused ones too), unless cancelled.
    assert_eq!(
        list(json!({ "status": "EXPIRED" })).await,
        owned(&[&paused_expired, &expired])
    );
    assert_eq!(
        list(json!({ "status": "ACTIVE" })).await,
        owned(&[&last_day_today, &active, &wide])
    );
    assert_eq!(list(json!({ "status": "PAUSED" })).await, owned(&[&paused]));
    assert_eq!(
        list(json!({ "status": "CANCELLED" })).await,
        owned(&[&cancelled_expired, &cancelled])
    );
    assert_eq!(
        list(json!({ "clientId": bob, "status": "EXPIRED" })).await,
        owned(&[&paused_expired])
    );
    assert_eq!(
        list(json!({ "clientId": ann, "groupId": alpha.group, "status": "ACTIVE" })).await,
        owned(&[&active])
    );
    // Each answers the status it is filtered by.
    let body = app
        .gql_as(
            &alpha.manager,
            "{ clientSubscriptions { nodes { id status } } }",
            json!({}),
        )
        .await;
    let statuses: Vec<String> = body["data"]["clientSubscriptions"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|node| node["status"].as_str().expect("a status").to_owned())
        .collect();
    assert_eq!(
        statuses,
        [
            "CANCELLED",
            "EXPIRED",
            "EXPIRED",
            "ACTIVE",
            "ACTIVE",
            "ACTIVE",
            "PAUSED",
            "CANCELLED"
        ]
    );
}

// Attendance ---------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn present_consumes_the_group_subscription_ending_soonest_then_a_company_wide_one() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "max").await;
    let max = &alpha.manager;
    let ballet = &alpha.group;
    let jazz = group(&app, &alpha.location, None, "Jazz").await;
    let ann = client(&app, &alpha.company, "Ann", None, None).await;
    let bob = client(&app, &alpha.company, "Bob", None, None).await;
    let cid = client(&app, &alpha.company, "Cid", None, None).await;
    let dan = client(&app, &alpha.company, "Dan", None, None).await;
    let card = price(&app, &alpha.company, 5_000, Some(10), 30).await;
    let unlimited = price(&app, &alpha.company, 9_000, None, 30).await;

    // Ann's: a company-wide one ending first, two for Ballet, one for Jazz, and some that do
    // not count: paused, not yet valid on the lesson's day, expired.
    let wide = sell_id(&app, max, &ann, &card, None, 1).await;
    let ballet_late = sell_id(&app, max, &ann, &card, Some(ballet), 20).await;
    let ballet_soon = sell_id(&app, max, &ann, &card, Some(ballet), 5).await;
    let jazz_only = sell_id(&app, max, &ann, &card, Some(&jazz), 2).await;
    let paused = sell_id(&app, max, &ann, &card, Some(ballet), 3).await;
    let later = id_of(
        &sell(
            &app,
            max,
            json!({
                "clientId": ann, "priceId": card, "groupId": ballet, "validFrom": day(2),
                "validTo": day(4),
            }),
        )
        .await,
    );
    let expired = id_of(
        &sell(
            &app,
            max,
            json!({
                "clientId": ann, "priceId": card, "groupId": ballet, "validFrom": day(-30),
                "validTo": day(-7),
            }),
        )
        .await,
    );
    let bobs = sell_id(&app, max, &bob, &card, Some(ballet), 0).await;
    let dans = sell_id(&app, max, &dan, &unlimited, None, 10).await;
    assert!(
        change_subscription(&app, max, &paused, json!({ "status": "PAUSED" })).await["errors"]
            .is_null()
    );
    assert!(
        change_subscription(&app, max, &ballet_soon, json!({ "lessonsIncluded": 1 })).await
            ["errors"]
            .is_null()
    );
    let ballet1 = past_lesson(&app, ballet, 3).await;
    let ballet2 = past_lesson(&app, ballet, 2).await;
    let ballet3 = past_lesson(&app, ballet, 1).await;
    let jazz1 = past_lesson(&app, &jazz, 1).await;

    // The group's, ending soonest (the paused, later and expired ones do not count).
    assert_eq!(
        marked(&mark(&app, max, &ballet1, &[(&ann, Some("PRESENT"))]).await),
        [m(&ann, "PRESENT", Some(&ballet_soon), false)]
    );
    // That one is used up: the group's next.
    assert_eq!(
        marked(&mark(&app, max, &ballet2, &[(&ann, Some("LATE"))]).await),
        [m(&ann, "LATE", Some(&ballet_late), false)]
    );
    // Another group's lesson takes that group's.
    assert_eq!(
        marked(&mark(&app, max, &jazz1, &[(&ann, Some("PRESENT"))]).await),
        [m(&ann, "PRESENT", Some(&jazz_only), false)]
    );
    // With the group's used up, the company-wide one.
    assert!(
        change_subscription(&app, max, &ballet_late, json!({ "lessonsIncluded": 1 })).await
            ["errors"]
            .is_null()
    );
    let mut expected = vec![
        m(&ann, "PRESENT", Some(&wide), false),
        m(&bob, "PRESENT", Some(&bobs), false),
        m(&cid, "PRESENT", None, true),
        m(&dan, "PRESENT", Some(&dans), false),
    ];
    expected.sort();
    assert_eq!(
        marked(
            &mark(
                &app,
                max,
                &ballet3,
                &[
                    (&ann, Some("PRESENT")),
                    (&bob, Some("PRESENT")),
                    (&cid, Some("PRESENT")),
                    (&dan, Some("PRESENT")),
                ],
            )
            .await
        ),
        expected
    );
    // Unlimited never runs out.
    for lesson in [&ballet1, &ballet2, &jazz1] {
        let body = mark(&app, max, lesson, &[(&dan, Some("PRESENT"))]).await;
        assert!(
            marked(&body).contains(&m(&dan, "PRESENT", Some(&dans), false)),
            "{body}"
        );
    }
    let body = app
        .gql_as(
            max,
            "query ($id: ID!) { clientSubscription(id: $id) { lessonsIncluded lessonsUsed lessonsLeft } }",
            json!({ "id": dans }),
        )
        .await;
    assert_eq!(
        body["data"]["clientSubscription"],
        json!({ "lessonsIncluded": null, "lessonsUsed": 4, "lessonsLeft": null }),
        "{body}"
    );

    for (subscription, expected) in [
        (&ballet_soon, 1),
        (&ballet_late, 1),
        (&jazz_only, 1),
        (&wide, 1),
        (&paused, 0),
        (&later, 0),
        (&expired, 0),
        (&bobs, 1),
        (&dans, 4),
    ] {
        assert_eq!(
            used(&app, subscription).await,
            expected,
            "subscription {subscription}"
        );
    }
    // Without a valid subscription, the mark stands, unpaid.
    assert_eq!(stored_marks(&app, &ballet3).await, {
        let mut rows = vec![
            format!("{ann}|PRESENT|{wide}"),
            format!("{bob}|PRESENT|{bobs}"),
            format!("{cid}|PRESENT|-"),
            format!("{dan}|PRESENT|{dans}"),
        ];
        rows.sort();
        rows
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn marks_merge_and_unmarking_gives_the_lesson_back() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "max").await;
    let max = &alpha.manager;
    let ann = client(&app, &alpha.company, "Ann", None, None).await;
    let bob = client(&app, &alpha.company, "Bob", None, None).await;
    let cid = client(&app, &alpha.company, "Cid", None, None).await;
    let card = price(&app, &alpha.company, 5_000, Some(10), 30).await;
    let anns = sell_id(&app, max, &ann, &card, None, 10).await;
    let bobs = sell_id(&app, max, &bob, &card, None, 10).await;
    let cids = sell_id(&app, max, &cid, &card, None, 10).await;
    let lesson = past_lesson(&app, &alpha.group, 1).await;
    let used_all = async || {
        [
            used(&app, &anns).await,
            used(&app, &bobs).await,
            used(&app, &cids).await,
        ]
    };
    let sorted = |mut marks: Vec<String>| {
        marks.sort();
        marks
    };

    let body = mark(
        &app,
        max,
        &lesson,
        &[
            (&ann, Some("PRESENT")),
            (&bob, Some("LATE")),
            (&cid, Some("ABSENT")),
        ],
    )
    .await;
    assert_eq!(
        marked(&body),
        sorted(vec![
            m(&ann, "PRESENT", Some(&anns), false),
            m(&bob, "LATE", Some(&bobs), false),
            m(&cid, "ABSENT", None, false),
        ])
    );
    assert_eq!(used_all().await, [1, 1, 0]);

    // Only Bob: the others keep their marks; Bob's lesson is not taken twice.
    let body = mark(&app, max, &lesson, &[(&bob, Some("PRESENT"))]).await;
    assert_eq!(
        marked(&body),
        sorted(vec![
            m(&ann, "PRESENT", Some(&anns), false),
            m(&bob, "PRESENT", Some(&bobs), false),
            m(&cid, "ABSENT", None, false),
        ])
    );
    assert_eq!(used_all().await, [1, 1, 0]);

    // Removing Ann's mark gives hers back; Cid there now takes one.
    let body = mark(&app, max, &lesson, &[(&ann, None), (&cid, Some("PRESENT"))]).await;
    assert_eq!(
        marked(&body),
        sorted(vec![
            m(&bob, "PRESENT", Some(&bobs), false),
            m(&cid, "PRESENT", Some(&cids), false),
        ])
    );
    assert_eq!(used_all().await, [0, 1, 1]);

    // EXCUSED and ABSENT give back too.
    let body = mark(
        &app,
        max,
        &lesson,
        &[(&bob, Some("EXCUSED")), (&cid, Some("ABSENT"))],
    )
    .await;
    assert_eq!(
        marked(&body),
        sorted(vec![
            m(&bob, "EXCUSED", None, false),
            m(&cid, "ABSENT", None, false),
        ])
    );
    assert_eq!(used_all().await, [0, 0, 0]);
    // Removing a mark that is not there changes nothing.
    let body = mark(&app, max, &lesson, &[(&ann, None)]).await;
    assert_eq!(marked(&body).len(), 2, "{body}");
    assert_eq!(used_all().await, [0, 0, 0]);

    // Back again.
    let body = mark(
        &app,
        max,
        &lesson,
        &[(&ann, Some("LATE")), (&bob, Some("PRESENT"))],
    )
    .await;
    assert_eq!(
        marked(&body),
        sorted(vec![
            m(&ann, "LATE", Some(&anns), false),
            m(&bob, "PRESENT", Some(&bobs), false),
            m(&cid, "ABSENT", None, false),
        ])
    );
    assert_eq!(used_all().await, [1, 1, 0]);
    assert_eq!(
        stored_marks(&app, &lesson).await,
        sorted(vec![
            format!("{ann}|LATE|{anns}"),
            format!("{bob}|PRESENT|{bobs}"),
            format!("{cid}|ABSENT|-"),
        ])
    );
    // The client's own list of marks, and the marker.
    let body = app
        .gql_as(
            max,
            "query ($id: ID!) { client(id: $id) { attendance { lesson { id } status } } }",
            json!({ "id": ann }),
        )
        .await;
    assert_eq!(
        body["data"]["client"]["attendance"],
        json!([{ "lesson": { "id": lesson }, "status": "LATE" }]),
        "{body}"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM attendance WHERE lesson_id = {lesson} AND marked_by = {}",
            max.id
        ))
        .await,
        3
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn attendance_refuses_bad_entries_early_marks_and_cancelled_lessons() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "max").await;
    let bravo = studio(&app, "Bravo", "bea").await;
    let max = &alpha.manager;
    let ann = client(&app, &alpha.company, "Ann", None, None).await;
    let bob = client(&app, &alpha.company, "Bob", None, None).await;
    let cid = client(&app, &bravo.company, "Cid", None, None).await;
    let card = price(&app, &alpha.company, 5_000, Some(10), 30).await;
    let anns = sell_id(&app, max, &ann, &card, None, 10).await;
    let past = past_lesson(&app, &alpha.group, 1).await;
    let soon = lesson(&app, &alpha.group, "now() + interval '20 minutes'").await;
    let later = lesson(&app, &alpha.group, "now() + interval '2 hours'").await;
    let cancelled = past_lesson(&app, &alpha.group, 2).await;
    let body = app
        .gql_as(max, CANCEL_LESSON, json!({ "id": cancelled }))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let marks_count = "SELECT count(*) AS n FROM attendance";

    // A client twice, or of another company: nothing is marked.
    for entries in [
        vec![
            (ann.as_str(), Some("PRESENT")),
            (ann.as_str(), Some("ABSENT")),
        ],
        vec![
            (ann.as_str(), Some("PRESENT")),
            (cid.as_str(), Some("PRESENT")),
        ],
        vec![(bob.as_str(), Some("PRESENT")), (cid.as_str(), None)],
        vec![(ann.as_str(), Some("PRESENT")), ("999999", Some("PRESENT"))],
    ] {
        let body = mark(&app, max, &past, &entries).await;
        assert_error(&body, "BAD_USER_INPUT", None, Some("entries"));
    }
    assert_eq!(app.count(marks_count).await, 0);
    assert_eq!(used(&app, &anns).await, 0);

    // PRESENT or LATE more than 30 minutes before the start.
    for status in ["PRESENT", "LATE"] {
        let body = mark(&app, max, &later, &[(&ann, Some(status))]).await;
        assert_error(&body, "CONFLICT", Some("LESSON_NOT_STARTED"), None);
    }
    let body = mark(
        &app,
        max,
        &later,
        &[(&bob, Some("EXCUSED")), (&ann, Some("PRESENT"))],
    )
    .await;
    assert_error(&body, "CONFLICT", Some("LESSON_NOT_STARTED"), None);
    assert_eq!(app.count(marks_count).await, 0);
    // Excused ahead of time is fine; within 30 minutes of the start PRESENT is too.
    assert_eq!(
        marked(&mark(&app, max, &later, &[(&bob, Some("EXCUSED"))]).await),
        [m(&bob, "EXCUSED", None, false)]
    );
    assert_eq!(
        marked(&mark(&app, max, &soon, &[(&ann, Some("PRESENT"))]).await),
        [m(&ann, "PRESENT", Some(&anns), false)]
    );
    assert_eq!(used(&app, &anns).await, 1);

    // A cancelled lesson takes no marks at all.
    for status in [Some("PRESENT"), Some("ABSENT"), None] {
        let body = mark(&app, max, &cancelled, &[(&ann, status)]).await;
        assert_error(&body, "CONFLICT", Some("LESSON_CANCELLED"), None);
    }
    // No such lesson.
    let body = mark(&app, max, "999999", &[(&ann, Some("ABSENT"))]).await;
    assert_error(&body, "NOT_FOUND", None, None);
    assert_eq!(app.count(marks_count).await, 2);
    assert_eq!(used(&app, &anns).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_a_lesson_gives_lessons_back_and_mails_the_groups_clients() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "max").await;
    let max = &alpha.manager;
    let jazz = group(&app, &alpha.location, None, "Jazz").await;
    let ann = client(&app, &alpha.company, "Ann", Some("ann@mail.test"), None).await;
    let bob = client(&app, &alpha.company, "Bob", Some("bob@mail.test"), None).await;
    let cid = client(&app, &alpha.company, "Cid", None, None).await;
    let dora = client(&app, &alpha.company, "Dora", Some("dora@mail.test"), None).await;
    let eli = client(&app, &alpha.company, "Eli", Some("eli@mail.test"), None).await;
    let fay = client(&app, &alpha.company, "Fay", Some("fay@mail.test"), None).await;
    let card = price(&app, &alpha.company, 5_000, Some(10), 30).await;
    // Ann, Bob, Cid (no address) and Dora (who left) are in the group; Eli has a company-wide
    // subscription and is marked at the lesson; Fay is in another group.
    let anns = sell_id(&app, max, &ann, &card, Some(&alpha.group), 10).await;
    sell_id(&app, max, &bob, &card, Some(&alpha.group), 10).await;
    sell_id(&app, max, &cid, &card, Some(&alpha.group), 10).await;
    sell_id(&app, max, &dora, &card, Some(&alpha.group), 10).await;
    let elis = sell_id(&app, max, &eli, &card, None, 10).await;
    sell_id(&app, max, &fay, &card, Some(&jazz), 10).await;
    app.sql(&format!(
        "UPDATE clients SET active = false WHERE id = {dora}"
    ))
    .await;
    let yesterday = past_lesson(&app, &alpha.group, 1).await;
    marked(
        &mark(
            &app,
            max,
            &yesterday,
            &[
                (&ann, Some("PRESENT")),
                (&eli, Some("LATE")),
                (&cid, Some("ABSENT")),
            ],
        )
        .await,
    );
    assert_eq!((used(&app, &anns).await, used(&app, &elis).await), (1, 1));
    let outbox = "SELECT count(*) AS n FROM outbox_mails";
    let before = app.count(outbox).await;

    let body = app
        .gql_as(
            max,
            CANCEL_LESSON,
            json!({ "id": yesterday, "reason": "Burst pipe" }),
        )
        .await;
    assert_eq!(body["data"]["cancelLesson"]["cancelled"], true, "{body}");
    // The lessons are given back; the marks stay, unlinked.
    assert_eq!((used(&app, &anns).await, used(&app, &elis).await), (0, 0));
    let mut expected = vec![
        format!("{ann}|PRESENT|-"),
        format!("{eli}|LATE|-"),
        format!("{cid}|ABSENT|-"),
    ];
    expected.sort();
    assert_eq!(stored_marks(&app, &yesterday).await, expected);
    // A cancelled lesson consumed nothing, so nobody at it is unpaid.
    let body = app
        .gql_as(max, LESSON_ATTENDANCE, json!({ "id": yesterday }))
        .await;
    let mut expected = vec![
        m(&ann, "PRESENT", None, false),
        m(&eli, "LATE", None, false),
        m(&cid, "ABSENT", None, false),
    ];
    expected.sort();
    assert_eq!(marks(&body["data"]["lesson"]), expected, "{body}");

    // Mail to the group's clients with an address who are still clients, and those marked.
    for (address, mails) in [
        ("ann@mail.test", 1),
        ("bob@mail.test", 1),
        ("eli@mail.test", 1),
        ("dora@mail.test", 0),
        ("fay@mail.test", 0),
    ] {
        assert_eq!(
            app.count(&format!(
                "SELECT count(*) AS n FROM outbox_mails WHERE recipient = '{address}' \
                 AND subject LIKE 'Cancelled: Alpha Ballet on %' AND body LIKE '%Burst pipe%'"
            ))
            .await,
            mails,
            "{address}"
        );
    }
    assert_eq!(app.count(outbox).await, before + 3);

    // Cancelled for good: neither marks nor a second cancellation (nor a second mail).
    let body = mark(&app, max, &yesterday, &[(&ann, Some("PRESENT"))]).await;
    assert_error(&body, "CONFLICT", Some("LESSON_CANCELLED"), None);
    let body = app
        .gql_as(max, CANCEL_LESSON, json!({ "id": yesterday }))
        .await;
    assert_error(&body, "CONFLICT", Some("LESSON_CANCELLED"), None);
    assert_eq!(app.count(outbox).await, before + 3);
    assert_eq!(used(&app, &anns).await, 0);
}

// Two at once --------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn two_managers_marking_one_client_at_once_consume_one_lesson() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "max").await;
    let mia = app.member("mia", Role::Manager, Some("Alpha")).await;
    let ann = client(&app, &alpha.company, "Ann", None, None).await;
    let card = price(&app, &alpha.company, 5_000, Some(10), 30).await;
    let anns = sell_id(&app, &alpha.manager, &ann, &card, None, 10).await;
    for round in 1..=5 {
        let lesson = past_lesson(&app, &alpha.group, round).await;
        let present = [(ann.as_str(), Some("PRESENT"))];
        let (a, b) = tokio::join!(
            mark(&app, &alpha.manager, &lesson, &present),
            mark(&app, &mia, &lesson, &present),
        );
        let expected = [m(&ann, "PRESENT", Some(&anns), false)];
        assert_eq!(marked(&a), expected, "round {round}");
        assert_eq!(marked(&b), expected, "round {round}");
        assert_eq!(used(&app, &anns).await, round, "round {round}");
        assert_eq!(
            stored_marks(&app, &lesson).await,
            [format!("{ann}|PRESENT|{anns}")]
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_last_lesson_of_a_subscription_goes_to_one_of_two_lessons_marked_at_once() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "max").await;
    let mia = app.member("mia", Role::Manager, Some("Alpha")).await;
    let card = price(&app, &alpha.company, 5_000, Some(1), 30).await;
    for round in 0..5 {
        let ann = client(&app, &alpha.company, &format!("Ann {round}"), None, None).await;
        let anns = sell_id(&app, &alpha.manager, &ann, &card, None, 10).await;
        let first = past_lesson(&app, &alpha.group, 2 * round + 1).await;
        let second = past_lesson(&app, &alpha.group, 2 * round + 2).await;
        let present = [(ann.as_str(), Some("PRESENT"))];
        let (a, b) = tokio::join!(
            mark(&app, &alpha.manager, &first, &present),
            mark(&app, &mia, &second, &present),
        );
        let paid = m(&ann, "PRESENT", Some(&anns), false);
        let unpaid = m(&ann, "PRESENT", None, true);
        let mut got = vec![marked(&a).concat(), marked(&b).concat()];
        got.sort();
        let mut expected = vec![paid, unpaid];
        expected.sort();
        assert_eq!(got, expected, "round {round}");
        assert_eq!(used(&app, &anns).await, 1, "round {round}");
        assert_eq!(
            app.count(&format!(
                "SELECT count(*) AS n FROM attendance WHERE client_id = {ann} \
                 AND subscription_id IS NOT NULL"
            ))
            .await,
            1,
            "round {round}"
        );
    }
}

// Who sees what ------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn coaches_see_the_names_of_their_groups_clients_and_mark_their_lessons() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "max").await;
    let max = &alpha.manager;
    let cora_id = app
        .create_account_in("cora", Role::Employee, AccountStatus::Active, Some("Alpha"))
        .await;
    let cora = app.login("cora", PASSWORD).await;
    let eve_id = app
        .create_account_in("eve", Role::Employee, AccountStatus::Active, Some("Alpha"))
        .await;
    let eve = app.login("eve", PASSWORD).await;
    let gus = app.member("gus", Role::Employee, Some("Alpha")).await;
    let cora_coach = app.employee(&alpha.company, "Cora", Some(&cora_id)).await;
    let eve_coach = app.employee(&alpha.company, "Eve", Some(&eve_id)).await;
    let ballet = group(&app, &alpha.location, Some(&cora_coach), "Ballet").await;
    let jazz = group(&app, &alpha.location, Some(&eve_coach), "Jazz").await;
    let ann = client(&app, &alpha.company, "Ann", Some("ann@mail.test"), None).await;
    let bob = client(&app, &alpha.company, "Bob", Some("bob@mail.test"), None).await;
    let cid = client(&app, &alpha.company, "Cid", Some("cid@mail.test"), None).await;
    let card = price(&app, &alpha.company, 5_000, Some(10), 30).await;
    let anns = sell_id(&app, max, &ann, &card, Some(&ballet), 10).await;
    sell_id(&app, max, &bob, &card, Some(&jazz), 10).await;
    sell_id(&app, max, &cid, &card, None, 10).await;
    let body = app
        .gql_as(
            max,
            CREATE_CONTRACT,
            json!({ "input": { "clientId": ann, "number": "K-1", "validFrom": day(0) } }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let ballet1 = past_lesson(&app, &ballet, 1).await;
    let jazz1 = past_lesson(&app, &jazz, 1).await;

    // The coach marks its lesson.
    assert_eq!(
        marked(&mark(&app, &cora, &ballet1, &[(&ann, Some("PRESENT"))]).await),
        [m(&ann, "PRESENT", Some(&anns), false)]
    );
    assert_eq!(used(&app, &anns).await, 1);
    // It sees the clients of its group, by name, and no more.
    let body = app
        .gql_as(
            &cora,
            "query ($ann: ID!, $bob: ID!, $ballet: ID!, $jazz: ID!, $lesson: ID!) {
                clients { totalCount nodes { id name } }
                ann: client(id: $ann) { id name }
                bob: client(id: $bob) { id }
                ballet: group(id: $ballet) { clients { id name } }
                jazz: group(id: $jazz) { clients { id } }
                contracts { totalCount }
                clientSubscriptions { totalCount }
                lesson(id: $lesson) {
                    attendance { client { name } status subscription { lessonsUsed } }
                }
            }",
            json!({
                "ann": ann, "bob": bob, "ballet": ballet, "jazz": jazz, "lesson": ballet1,
            }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(
        body["data"],
        json!({
            "clients": { "totalCount": 1, "nodes": [{ "id": ann, "name": "Ann" }] },
            "ann": { "id": ann, "name": "Ann" },
            "bob": null,
            "ballet": { "clients": [{ "id": ann, "name": "Ann" }] },
            "jazz": { "clients": [] },
            "contracts": { "totalCount": 0 },
            "clientSubscriptions": { "totalCount": 0 },
            "lesson": { "attendance": [{
                "client": { "name": "Ann" }, "status": "PRESENT",
                "subscription": { "lessonsUsed": 1 },
            }] },
        }),
        "{body}"
    );
    // Everything else of the client is FORBIDDEN.
    for field in [
        "email",
        "phone",
        "notes",
        "birthDate",
        "contracts { id }",
        "account { id }",
    ] {
        let body = app
            .gql_as(
                &cora,
                &format!("query ($id: ID!) {{ client(id: $id) {{ name {field} }} }}"),
                json!({ "id": ann }),
            )
            .await;
        assert_error(&body, "FORBIDDEN", None, None);
        assert!(
            !body.to_string().contains("ann@mail.test"),
            "{field}: {body}"
        );
    }

    // Another employee's lesson: its attendance is FORBIDDEN, marking it NOT_FOUND.
    for (viewer, lesson) in [(&cora, &jazz1), (&eve, &ballet1), (&gus, &ballet1)] {
        let body = app
            .gql_as(viewer, LESSON_ATTENDANCE, json!({ "id": lesson }))
            .await;
        assert_error(&body, "FORBIDDEN", Some("NOT_LESSON_COACH"), None);
    }
    let body = mark(&app, &cora, &jazz1, &[(&bob, Some("PRESENT"))]).await;
    assert_error(&body, "NOT_FOUND", None, None);
    let body = mark(&app, &eve, &ballet1, &[(&ann, None)]).await;
    assert_error(&body, "NOT_FOUND", None, None);
    let body = mark(&app, &gus, &ballet1, &[(&ann, Some("ABSENT"))]).await;
    assert_error(&body, "NOT_FOUND", None, None);
    assert_eq!(
        stored_marks(&app, &ballet1).await,
        [format!("{ann}|PRESENT|{anns}")]
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM attendance WHERE lesson_id = {jazz1}"
        ))
        .await,
        0
    );
    // An employee who coaches nothing sees no clients.
    let body = app
        .gql_as(&gus, "{ clients { totalCount } }", json!({}))
        .await;
    assert_eq!(body["data"]["clients"]["totalCount"], 0, "{body}");
    // Nor do coaches change clients.
    let body = app
        .gql_as(
            &cora,
            UPDATE_CLIENT,
            json!({ "id": ann, "input": { "name": "Annie" } }),
        )
        .await;
    assert_error(&body, "FORBIDDEN", Some("LEVEL_TOO_LOW"), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn managers_reach_only_the_clients_of_their_companies() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "max").await;
    let bravo = studio(&app, "Bravo", "bea").await;
    let max = &alpha.manager;
    let bea = &bravo.manager;
    let ann = client(&app, &alpha.company, "Ann", Some("ann@mail.test"), None).await;
    let cid = client(&app, &bravo.company, "Cid", Some("cid@mail.test"), None).await;
    let alpha_card = price(&app, &alpha.company, 5_000, Some(10), 30).await;
    let bravo_card = price(&app, &bravo.company, 5_000, Some(10), 30).await;
    sell_id(&app, max, &ann, &alpha_card, Some(&alpha.group), 10).await;
    let cids = sell_id(&app, bea, &cid, &bravo_card, Some(&bravo.group), 10).await;
    let body = app
        .gql_as(
            bea,
            CREATE_CONTRACT,
            json!({ "input": { "clientId": cid, "number": "B-1", "validFrom": day(0) } }),
        )
        .await;
    let cids_contract = id_of(&body["data"]["createContract"]);
    let bravo_lesson = past_lesson(&app, &bravo.group, 1).await;
    marked(&mark(&app, bea, &bravo_lesson, &[(&cid, Some("PRESENT"))]).await);

    let body = app
        .gql_as(
            max,
            "query ($cid: ID!, $contract: ID!, $sub: ID!, $group: ID!, $lesson: ID!) {
                clients { totalCount nodes { id email } }
                client(id: $cid) { id }
                contracts { totalCount }
                contract(id: $contract) { id }
                clientSubscriptions { totalCount }
                clientSubscription(id: $sub) { id }
                group(id: $group) { clients { id } }
                lesson(id: $lesson) { id }
            }",
            json!({
                "cid": cid, "contract": cids_contract, "sub": cids, "group": bravo.group,
                "lesson": bravo_lesson,
            }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(
        body["data"],
        json!({
            "clients": { "totalCount": 1, "nodes": [{ "id": ann, "email": "ann@mail.test" }] },
            "client": null,
            "contracts": { "totalCount": 0 },
            "contract": null,
            "clientSubscriptions": { "totalCount": 1 },
            "clientSubscription": null,
            "group": { "clients": [] },
            "lesson": { "id": bravo_lesson },
        }),
        "{body}"
    );
    let body = app
        .gql_as(max, LESSON_ATTENDANCE, json!({ "id": bravo_lesson }))
        .await;
    assert_error(&body, "FORBIDDEN", Some("NOT_LESSON_COACH"), None);
    // An account that is a client of both: its Alpha record only.
    let both = app
        .create_account_in("both", Role::User, AccountStatus::Active, Some("Alpha"))
        .await;
    let both_alpha = client(&app, &alpha.company, "Both A", None, Some(&both)).await;
    client(&app, &bravo.company, "Both B", None, Some(&both)).await;
    let body = app
        .gql_as(
            max,
            "query ($id: ID!) { user(id: $id) { clients { id name email } } }",
            json!({ "id": both }),
        )
        .await;
    assert_eq!(
        body["data"]["user"]["clients"],
        json!([{ "id": both_alpha, "name": "Both A", "email": null }]),
        "{body}"
    );

    // Every change to Bravo's records is NOT_FOUND, and changes nothing.
    let operations = [
        (
            CREATE_CLIENT,
            json!({ "input": { "companyId": bravo.company, "name": "Intruder" } }),
        ),
        (
            UPDATE_CLIENT,
            json!({ "id": cid, "input": { "name": "Taken" } }),
        ),
        (ANONYMIZE_CLIENT, json!({ "id": cid })),
        (
            CREATE_CONTRACT,
            json!({ "input": { "clientId": cid, "number": "A-1", "validFrom": day(0) } }),
        ),
        (
            UPDATE_CONTRACT,
            json!({ "id": cids_contract, "input": { "status": "CANCELLED" } }),
        ),
        (
            CREATE_SUBSCRIPTION,
            json!({ "input": { "clientId": cid, "priceId": bravo_card } }),
        ),
        (
            UPDATE_SUBSCRIPTION,
            json!({ "id": cids, "input": { "status": "CANCELLED" } }),
        ),
        (
            SET_ATTENDANCE,
            json!({ "lesson": bravo_lesson, "entries": [{ "clientId": cid, "status": null }] }),
        ),
        (CANCEL_LESSON, json!({ "id": bravo_lesson })),
    ];
    for (operation, variables) in operations {
        let body = app.gql_as(max, operation, variables).await;
        assert_error(&body, "NOT_FOUND", None, None);
    }
    // Selling Alpha's client Bravo's price is no better.
    let body = app
        .gql_as(
            max,
            CREATE_SUBSCRIPTION,
            json!({ "input": { "clientId": ann, "priceId": bravo_card } }),
        )
        .await;
    assert_error(&body, "BAD_USER_INPUT", None, Some("priceId"));
    assert_eq!(
        app.texts(&format!(
            "SELECT c.name || '|' || c.active || '|' || (c.anonymized_at IS NULL) || '|' || \
             k.status || '|' || s.status || '|' || s.lessons_used || '|' || a.status AS t \
             FROM clients c JOIN contracts k ON k.client_id = c.id \
             JOIN client_subscriptions s ON s.client_id = c.id \
             JOIN attendance a ON a.client_id = c.id WHERE c.id = {cid}"
        ))
        .await,
        ["Cid|true|true|DRAFT|ACTIVE|1|PRESENT"]
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM clients WHERE company_id = {}",
            bravo.company
        ))
        .await,
        2
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM client_subscriptions")
            .await,
        2
    );
}

// Orders and pages ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn clients_contracts_and_subscriptions_sort_and_page() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "max").await;
    let bravo = studio(&app, "Bravo", "bea").await;
    let max = &alpha.manager;
    // Created in an order that is neither by name nor by id.
    let mut made = Vec::new();
    for (name, minutes_ago) in [
        ("Cleo", 1),
        ("Bea", 6),
        ("Ada", 5),
        ("Eve", 3),
        ("Bea", 2),
        ("Dan", 4),
    ] {
        made.push(
            app.id(&format!(
                "INSERT INTO clients (company_id, name, created_at) VALUES \
                 ({}, '{name}', now() - interval '{minutes_ago} minutes') RETURNING id AS n",
                alpha.company
            ))
            .await,
        );
    }
    client(&app, &bravo.company, "Aaron", None, None).await;
    let [cleo, bea1, ada, eve, bea2, dan] = <[String; 6]>::try_from(made).expect("six");
    assert_eq!(
        paged(&app, max, "clients", "NAME", None).await,
        owned(&[&ada, &bea1, &bea2, &cleo, &dan, &eve])
    );
    assert_eq!(
        paged(&app, max, "clients", "NAME_DESC", None).await,
        owned(&[&eve, &dan, &cleo, &bea2, &bea1, &ada])
    );
    assert_eq!(
        paged(&app, max, "clients", "OLDEST", None).await,
        owned(&[&bea1, &ada, &dan, &eve, &bea2, &cleo])
    );
    assert_eq!(
        paged(&app, max, "clients", "NEWEST", None).await,
        owned(&[&cleo, &bea2, &eve, &dan, &ada, &bea1])
    );
    // The default is NAME.
    let body = app
        .gql_as(max, "{ clients(first: 3) { nodes { name } } }", json!({}))
        .await;
    assert_eq!(
        body["data"]["clients"]["nodes"],
        json!([{ "name": "Ada" }, { "name": "Bea" }, { "name": "Bea" }]),
        "{body}"
    );

    // Contracts: by number, or newest first.
    let mut contracts = Vec::new();
    for (number, client, minutes_ago) in [
        ("A-10", &ada, 3),
        ("B-01", &bea1, 1),
        ("A-02", &cleo, 4),
        ("A-05", &ada, 2),
    ] {
        contracts.push(
            app.id(&format!(
                "INSERT INTO contracts (company_id, client_id, number, valid_from, created_at) \
                 VALUES ({}, {client}, '{number}', '2026-01-01', \
                 now() - interval '{minutes_ago} minutes') RETURNING id AS n",
                alpha.company
            ))
            .await,
        );
    }
    let [a10, b01, a02, a05] = <[String; 4]>::try_from(contracts).expect("four");
    app.sql(&format!(
        "INSERT INTO contracts (company_id, client_id, number, valid_from) \
         SELECT company_id, id, 'A-00', '2026-01-01' FROM clients WHERE company_id = {}",
        bravo.company
    ))
    .await;
    assert_eq!(
        paged(&app, max, "contracts", "NUMBER", None).await,
        owned(&[&a02, &a05, &a10, &b01])
    );
    assert_eq!(
        paged(&app, max, "contracts", "NEWEST", None).await,
        owned(&[&b01, &a05, &a10, &a02])
    );

    // Subscriptions: ending soonest (ties by id), or newest first.
    let card = price(&app, &alpha.company, 5_000, Some(10), 30).await;
    let mut subscriptions = Vec::new();
    for (client, to, minutes_ago) in [
        (&ada, 9, 5),
        (&dan, 3, 1),
        (&eve, 9, 3),
        (&cleo, 1, 4),
        (&ada, 5, 2),
    ] {
        subscriptions.push(
            app.id(&format!(
                "INSERT INTO client_subscriptions (company_id, client_id, price_id, amount_minor, \
                 currency, valid_from, valid_to, lessons_included, created_at) \
                 VALUES ({}, {client}, {card}, 5000, 'EUR', '{}', '{}', 10, \
                 now() - interval '{minutes_ago} minutes') RETURNING id AS n",
                alpha.company,
                day(-1),
                day(to)
            ))
            .await,
        );
    }
    let [ada9, dan3, eve9, cleo1, ada5] = <[String; 5]>::try_from(subscriptions).expect("five");
    assert_eq!(
        paged(&app, max, "clientSubscriptions", "ENDING_SOONEST", None).await,
        owned(&[&cleo1, &dan3, &ada5, &ada9, &eve9])
    );
    assert_eq!(
        paged(&app, max, "clientSubscriptions", "NEWEST", None).await,
        owned(&[&dan3, &ada5, &eve9, &cleo1, &ada9])
    );
}

// Statements ---------------------------------------------------------------------------------

/// Adds groups `from..=to` at `location` of `company`, each with a coach of its own, two past
/// lessons and a client with a subscription for the group who was there at the first.
async fn add_groups(app: &TestApp, company: &str, location: &str, price: &str, from: i32, to: i32) {
    app.sql(&format!(
        "INSERT INTO employees (company_id, name, annual_hours) \
             SELECT {company}, 'Coach ' || i, 1000 FROM generate_series({from}, {to}) i; \
         INSERT INTO groups (location_id, coach_id, name, capacity) \
             SELECT {location}, e.id, 'Group ' || substr(e.name, 7), 10 FROM employees e \
             WHERE e.name LIKE 'Coach %' \
             AND NOT EXISTS (SELECT 1 FROM groups g WHERE g.coach_id = e.id); \
         INSERT INTO lessons (group_id, coach_id, starts_at, ends_at) \
             SELECT g.id, g.coach_id, v.t, v.t + interval '1 hour' FROM groups g \
             CROSS JOIN (VALUES (now() - interval '3 days'), (now() - interval '2 days')) v(t) \
             WHERE NOT EXISTS (SELECT 1 FROM lessons l WHERE l.group_id = g.id); \
         INSERT INTO clients (company_id, name) \
             SELECT {company}, 'Client ' || substr(g.name, 7) FROM groups g \
             WHERE NOT EXISTS (SELECT 1 FROM clients c WHERE c.name = 'Client ' || substr(g.name, 7)); \
         INSERT INTO client_subscriptions (company_id, client_id, group_id, price_id, amount_minor, \
                 currency, valid_from, valid_to, lessons_included, lessons_used) \
             SELECT {company}, c.id, g.id, {price}, 5000, 'EUR', \
                 rollcall_company_today({company}) - 10, rollcall_company_today({company}) + 10, 10, 1 \
             FROM groups g JOIN clients c ON c.name = 'Client ' || substr(g.name, 7) \
             WHERE NOT EXISTS (SELECT 1 FROM client_subscriptions s WHERE s.group_id = g.id); \
         INSERT INTO attendance (lesson_id, client_id, status, subscription_id) \
             SELECT l.id, s.client_id, 'PRESENT', s.id FROM client_subscriptions s \
             JOIN lessons l ON l.group_id = s.group_id \
             WHERE l.starts_at < now() - interval '2 days 12 hours' \
             AND NOT EXISTS (SELECT 1 FROM attendance a WHERE a.lesson_id = l.id);"
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_nested_list_of_clients_and_attendance_costs_the_same_statements_for_5_and_50_groups() {
    let app = TestApp::new().await;
    let alpha = app.company("Alpha", "UTC").await;
    let max = app.member("max", Role::Manager, Some("Alpha")).await;
    let main = location(&app, &alpha, "Main").await;
    let card = price(&app, &alpha, 5_000, Some(10), 30).await;
    let query = "{ groups(first: 50) { nodes {
        name
        clients { name }
        lessons(first: 10) { nodes { attendance {
            client { name } subscription { lessonsUsed }
        } } }
    } } }";
    let run = async || {
        let (body, statements) = app.gql_counted(&max, query).await;
        assert!(body["errors"].is_null(), "{body}");
        let nodes = body["data"]["groups"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .clone();
        for node in &nodes {
            let number = node["name"]
                .as_str()
                .and_then(|name| name.strip_prefix("Group "))
                .unwrap_or_else(|| panic!("{node}"));
            let client = format!("Client {number}");
            assert_eq!(node["clients"], json!([{ "name": client }]), "{node}");
            assert_eq!(
                node["lessons"]["nodes"],
                json!([
                    { "attendance": [{
                        "client": { "name": client }, "subscription": { "lessonsUsed": 1 },
                    }] },
                    { "attendance": [] },
                ]),
                "{node}"
            );
        }
        (nodes.len(), statements)
    };

    add_groups(&app, &alpha, &main, &card, 1, 5).await;
    let (count, few) = run().await;
    assert_eq!(count, 5);
    add_groups(&app, &alpha, &main, &card, 6, 50).await;
    let (count, many) = run().await;
    assert_eq!(count, 50);
    assert_eq!(few, many, "statements must not grow with the rows");
    // The viewer's session, the page, the group's clients (two), the pages of lessons, their
    // marks, the marks' clients and subscriptions.
    assert!(many <= 1 + 1 + 2 + 1 + 1 + 1 + 1, "{many} statements");
}
