//! The academy's timetable: locations, groups, lessons and prices kept by the managers of their
//! companies; the timetable every signed-in account reads, and the closed records that stay with
//! their managers; filters, orders and pages; weekly lessons across the Berlin clock change;
//! coaches who teach one lesson at a time; money in each currency's decimals; favourites; the
//! statements a nested list costs; and every operation at every permission level.

use rollcall::auth::identity::{AccountStatus, Role};
use serde_json::{Value, json};

use crate::common::accounts::{PASSWORD, TestUser};
use crate::common::workforce::ids;
use crate::common::{TestApp, first_error_code};
use crate::common::{assert_error, sorted};

// Operations ---------------------------------------------------------------------------------

const CREATE_LOCATION: &str = "mutation ($input: CreateLocationInput!) {
    createLocation(input: $input) { id name address timeZone active company { id } }
}";
const UPDATE_LOCATION: &str = "mutation ($id: ID!, $input: UpdateLocationInput!) {
    updateLocation(id: $id, input: $input) { id name address timeZone active }
}";
const CREATE_GROUP: &str = "mutation ($input: CreateGroupInput!) {
    createGroup(input: $input) {
        id name capacity level schedule active coach { id } location { id }
    }
}";
const UPDATE_GROUP: &str = "mutation ($id: ID!, $input: UpdateGroupInput!) {
    updateGroup(id: $id, input: $input) { id name capacity level schedule active coach { id } }
}";
const CREATE_LESSON: &str = "mutation ($input: CreateLessonInput!) {
    createLesson(input: $input) { id startsAt endsAt topic cancelled coach { id } group { id } }
}";
const CREATE_LESSONS: &str =
    "mutation ($group: ID!, $weekly: [WeeklyLessonInput!]!, $from: Date!, $to: Date!) {
    createLessons(groupId: $group, weekly: $weekly, from: $from, to: $to) {
        id startsAt endsAt coach { id }
    }
}";
const UPDATE_LESSON: &str = "mutation ($id: ID!, $input: UpdateLessonInput!) {
    updateLesson(id: $id, input: $input) { id startsAt endsAt topic cancelled coach { id } }
}";
const CANCEL_LESSON: &str = "mutation ($id: ID!, $reason: String) {
    cancelLesson(id: $id, reason: $reason) { id cancelled cancelledAt cancelReason }
}";
const CREATE_PRICE: &str = "mutation ($input: CreatePriceInput!) {
    createPrice(input: $input) {
        id name amount { amount currency } lessonsIncluded validityDays active company { id }
    }
}";
const UPDATE_PRICE: &str = "mutation ($id: ID!, $input: UpdatePriceInput!) {
    updatePrice(id: $id, input: $input) {
        id name amount { amount currency } lessonsIncluded validityDays active
    }
}";
const SET_FAVORITES: &str = "mutation ($groups: [ID!]!, $lessons: [ID!]!) {
    setFavorites(groupIds: $groups, lessonIds: $lessons) {
        id favorites { groups { id } lessons { id } }
    }
}";
const MY_FAVORITES: &str = "{ myFavorites { groups { id } lessons { id } } }";

// Fixtures -----------------------------------------------------------------------------------

/// A location of `company` straight in the database; answers its id.
async fn location(app: &TestApp, company: &str, name: &str, zone: &str, active: bool) -> String {
    app.id(&format!(
        "INSERT INTO locations (company_id, name, time_zone, active) \
         VALUES ({company}, '{name}', '{zone}', {active}) RETURNING id AS n"
    ))
    .await
}

/// A group (capacity 10) at `location`, coached by the employee `coach` if given; answers its id.
async fn group(
    app: &TestApp,
    location: &str,
    coach: Option<&str>,
    name: &str,
    active: bool,
) -> String {
    let coach = coach.unwrap_or("NULL");
    app.id(&format!(
        "INSERT INTO groups (location_id, coach_id, name, capacity, active) \
         VALUES ({location}, {coach}, '{name}', 10, {active}) RETURNING id AS n"
    ))
    .await
}

/// An hour's lesson of `group` from `start` (a timestamptz literal), taught by its coach;
/// answers its id.
async fn lesson(app: &TestApp, group: &str, start: &str) -> String {
    app.id(&format!(
        "INSERT INTO lessons (group_id, coach_id, starts_at, ends_at) \
         SELECT id, coach_id, '{start}', timestamptz '{start}' + interval '1 hour' \
         FROM groups WHERE id = {group} RETURNING id AS n"
    ))
    .await
}

/// A price of `company` (30 days) straight in the database; answers its id.
async fn price(
    app: &TestApp,
    company: &str,
    name: &str,
    minor: i64,
    currency: &str,
    active: bool,
) -> String {
    app.id(&format!(
        "INSERT INTO prices (company_id, name, amount_minor, currency, validity_days, active) \
         VALUES ({company}, '{name}', {minor}, '{currency}', 30, {active}) RETURNING id AS n"
    ))
    .await
}

/// The `name`s of a list (a connection's `nodes`, or a plain list), in order.
fn names(list: &Value) -> Vec<String> {
    list.get("nodes")
        .unwrap_or(list)
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|item| item["name"].as_str().expect("a name").to_owned())
        .collect()
}

// Locations, groups and lessons --------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn head_managers_keep_the_locations_of_their_companies() {
    let app = TestApp::new().await;
    let alpha = app.company("Alpha", "UTC").await;
    let bravo = app.company("Bravo", "UTC").await;
    let hana = app.member("hana", Role::HeadManager, Some("Alpha")).await;
    let max = app.member("max", Role::Manager, Some("Alpha")).await;
    let bravo_hall = location(&app, &bravo, "Bravo Hall", "UTC", true).await;

    let body = app
        .gql_as(
            &hana,
            CREATE_LOCATION,
            json!({ "input": {
                "companyId": alpha, "name": "  Studio Mitte ", "address": "Torstraße 1",
                "timeZone": "Europe/Berlin",
            } }),
        )
        .await;
    let created = &body["data"]["createLocation"];
    assert_eq!(
        (
            &created["name"],
            &created["address"],
            &created["timeZone"],
            &created["active"],
            &created["company"]["id"],
        ),
        (
            &json!("Studio Mitte"),
            &json!("Torstraße 1"),
            &json!("Europe/Berlin"),
            &json!(true),
            &json!(alpha),
        ),
        "{body}"
    );
    let mitte = created["id"].as_str().expect("an id").to_owned();
    assert_eq!(
        app.texts(&format!(
            "SELECT name || '|' || address || '|' || time_zone || '|' || company_id || '|' || active \
             AS t FROM locations WHERE id = {mitte}"
        ))
        .await,
        [format!("Studio Mitte|Torstraße 1|Europe/Berlin|{alpha}|true")]
    );

    // What is refused leaves no row.
    let count = "SELECT count(*) AS n FROM locations";
    for (input, code, reason, field) in [
        (
            json!({ "companyId": alpha, "name": "Mars", "timeZone": "Mars/Olympus" }),
            "BAD_USER_INPUT",
            Some("UNKNOWN_TIME_ZONE"),
            Some("timeZone"),
        ),
        (
            json!({ "companyId": alpha, "name": "Nowhere", "timeZone": "" }),
            "BAD_USER_INPUT",
            Some("UNKNOWN_TIME_ZONE"),
            Some("timeZone"),
        ),
        (
            json!({ "companyId": alpha, "name": "   ", "timeZone": "UTC" }),
            "BAD_USER_INPUT",
            None,
            Some("name"),
        ),
        (
            json!({ "companyId": bravo, "name": "Annex", "timeZone": "UTC" }),
            "NOT_FOUND",
            None,
            None,
        ),
    ] {
        let body = app
            .gql_as(&hana, CREATE_LOCATION, json!({ "input": input }))
            .await;
        assert_error(&body, code, reason, field);
    }
    let body = app
        .gql_as(
            &max,
            CREATE_LOCATION,
            json!({ "input": { "companyId": alpha, "name": "Annex", "timeZone": "UTC" } }),
        )
        .await;
    assert_error(&body, "FORBIDDEN", Some("LEVEL_TOO_LOW"), None);
    assert_eq!(app.count(count).await, 2);

    // A change: a field left out keeps its value, null clears the address.
    let body = app
        .gql_as(
            &hana,
            UPDATE_LOCATION,
            json!({ "id": mitte, "input": {
                "name": "Studio Nord", "address": null, "timeZone": "Europe/Paris", "active": false,
            } }),
        )
        .await;
    assert_eq!(
        body["data"]["updateLocation"],
        json!({
            "id": mitte, "name": "Studio Nord", "address": null, "timeZone": "Europe/Paris",
            "active": false,
        }),
        "{body}"
    );
    let body = app
        .gql_as(
            &hana,
            UPDATE_LOCATION,
            json!({ "id": mitte, "input": { "timeZone": "Europe/Atlantis" } }),
        )
        .await;
    assert_error(
        &body,
        "BAD_USER_INPUT",
        Some("UNKNOWN_TIME_ZONE"),
        Some("timeZone"),
    );
    let body = app
        .gql_as(
            &hana,
            UPDATE_LOCATION,
            json!({ "id": bravo_hall, "input": { "name": "Taken over" } }),
        )
        .await;
    assert_error(&body, "NOT_FOUND", None, None);
    let body = app
        .gql_as(
            &max,
            UPDATE_LOCATION,
            json!({ "id": mitte, "input": { "name": "Taken over" } }),
        )
        .await;
    assert_error(&body, "FORBIDDEN", Some("LEVEL_TOO_LOW"), None);
    assert_eq!(
        app.texts(
            "SELECT name || '|' || coalesce(address, '-') || '|' || time_zone || '|' || active \
             AS t FROM locations ORDER BY id"
        )
        .await,
        ["Bravo Hall|-|UTC|true", "Studio Nord|-|Europe/Paris|false"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn managers_keep_the_groups_and_lessons_of_their_companies() {
    let app = TestApp::new().await;
    let alpha = app.company("Alpha", "UTC").await;
    let bravo = app.company("Bravo", "UTC").await;
    let max = app.member("max", Role::Manager, Some("Alpha")).await;
    let eve = app.member("eve", Role::Employee, Some("Alpha")).await;
    let main = location(&app, &alpha, "Main", "UTC", true).await;
    let bravo_hall = location(&app, &bravo, "Bravo Hall", "UTC", true).await;
    let ada = app.employee(&alpha, "Ada", None).await;
    let cy = app.employee(&alpha, "Cy", None).await;
    let gone = app.employee(&alpha, "Gone", None).await;
    app.sql(&format!(
        "UPDATE employees SET active = false WHERE id = {gone}"
    ))
    .await;
    let bob = app.employee(&bravo, "Bob", None).await;
    let salsa = group(&app, &bravo_hall, Some(&bob), "Salsa", true).await;
    let salsa_lesson = lesson(&app, &salsa, "2026-11-10 10:00Z").await;

    let body = app
        .gql_as(
            &max,
            CREATE_GROUP,
            json!({ "input": {
                "locationId": main, "coachId": ada, "name": " Ballet ", "capacity": 12,
                "level": "Beginners", "schedule": "Mondays 18:00",
            } }),
        )
        .await;
    let ballet = body["data"]["createGroup"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    assert_eq!(
        body["data"]["createGroup"],
        json!({
            "id": ballet, "name": "Ballet", "capacity": 12, "level": "Beginners",
            "schedule": "Mondays 18:00", "active": true, "coach": { "id": ada },
            "location": { "id": main },
        })
    );
    assert_eq!(
        app.texts(&format!(
            "SELECT location_id || '|' || coach_id || '|' || capacity AS t FROM groups WHERE id = {ballet}"
        ))
        .await,
        [format!("{main}|{ada}|12")]
    );
    // The capacity's bounds are 1 and 1000.
    for capacity in [1, 1000] {
        let body = app
            .gql_as(
                &max,
                CREATE_GROUP,
                json!({ "input": { "locationId": main, "name": "Edge", "capacity": capacity } }),
            )
            .await;
        assert_eq!(body["data"]["createGroup"]["capacity"], capacity, "{body}");
    }
    let groups = "SELECT count(*) AS n FROM groups";
    assert_eq!(app.count(groups).await, 4);
    for (input, code, field) in [
        (
            json!({ "locationId": main, "name": "Crowd", "capacity": 1001 }),
            "BAD_USER_INPUT",
            Some("capacity"),
        ),
        (
            json!({ "locationId": main, "name": "Empty", "capacity": 0 }),
            "BAD_USER_INPUT",
            Some("capacity"),
        ),
        (
            json!({ "locationId": main, "coachId": bob, "name": "Poached", "capacity": 5 }),
            "BAD_USER_INPUT",
            Some("coachId"),
        ),
        (
            json!({ "locationId": main, "coachId": gone, "name": "Ghost", "capacity": 5 }),
            "BAD_USER_INPUT",
            Some("coachId"),
        ),
        (
            json!({ "locationId": bravo_hall, "name": "Intruder", "capacity": 5 }),
            "NOT_FOUND",
            None,
        ),
    ] {
        let body = app
            .gql_as(&max, CREATE_GROUP, json!({ "input": input }))
            .await;
        assert_error(&body, code, None, field);
    }
    let body = app
        .gql_as(
            &eve,
            CREATE_GROUP,
            json!({ "input": { "locationId": main, "name": "Mine", "capacity": 5 } }),
        )
        .await;
    assert_error(&body, "FORBIDDEN", Some("LEVEL_TOO_LOW"), None);
    assert_eq!(app.count(groups).await, 4);

    // Lessons, at local times of the location (UTC here); the group's coach teaches them.
    let body = app
        .gql_as(
            &max,
            CREATE_LESSON,
            json!({ "input": {
                "groupId": ballet, "date": "2026-11-10", "start": "10:00", "end": "11:30",
                "topic": "Warm-up",
            } }),
        )
        .await;
    let first = body["data"]["createLesson"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    assert_eq!(
        body["data"]["createLesson"],
        json!({
            "id": first, "startsAt": "2026-11-10T10:00:00.000000Z",
            "endsAt": "2026-11-10T11:30:00.000000Z", "topic": "Warm-up", "cancelled": false,
            "coach": { "id": ada }, "group": { "id": ballet },
        })
    );
    assert_eq!(
        app.texts(&format!(
            "SELECT group_id || '|' || coach_id AS t FROM lessons WHERE id = {first}"
        ))
        .await,
        [format!("{ballet}|{ada}")]
    );
    // An end at or before the start is the next day.
    let overnight = app
        .gql_as(
            &max,
            CREATE_LESSON,
            json!({ "input": {
                "groupId": ballet, "date": "2026-11-10", "start": "23:00", "end": "01:00",
            } }),
        )
        .await;
    assert_eq!(
        (
            &overnight["data"]["createLesson"]["startsAt"],
            &overnight["data"]["createLesson"]["endsAt"],
        ),
        (
            &json!("2026-11-10T23:00:00.000000Z"),
            &json!("2026-11-11T01:00:00.000000Z"),
        ),
        "{overnight}"
    );
    let overnight = overnight["data"]["createLesson"]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let body = app
        .gql_as(
            &max,
            CREATE_LESSON,
            json!({ "input": {
                "groupId": salsa, "date": "2026-11-12", "start": "10:00", "end": "11:00",
            } }),
        )
        .await;
    assert_error(&body, "NOT_FOUND", None, None);
    let body = app
        .gql_as(
            &eve,
            CREATE_LESSON,
            json!({ "input": {
                "groupId": ballet, "date": "2026-11-12", "start": "10:00", "end": "11:00",
            } }),
        )
        .await;
    assert_error(&body, "FORBIDDEN", Some("LEVEL_TOO_LOW"), None);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM lessons WHERE group_id IN ({ballet}, {salsa})"
        ))
        .await,
        3
    );

    // Changes to a lesson: its topic, its coach, its times (all three together).
    let body = app
        .gql_as(
            &max,
            UPDATE_LESSON,
            json!({ "id": first, "input": {
                "topic": "Turns", "coachId": cy, "date": "2026-11-12", "start": "09:00",
                "end": "10:00",
            } }),
        )
        .await;
    assert_eq!(
        body["data"]["updateLesson"],
        json!({
            "id": first, "startsAt": "2026-11-12T09:00:00.000000Z",
            "endsAt": "2026-11-12T10:00:00.000000Z", "topic": "Turns", "cancelled": false,
            "coach": { "id": cy },
        }),
        "{body}"
    );
    let body = app
        .gql_as(
            &max,
            UPDATE_LESSON,
            json!({ "id": first, "input": { "topic": null } }),
        )
        .await;
    assert_eq!(body["data"]["updateLesson"]["topic"], Value::Null, "{body}");
    for (id, input, code, field) in [
        (
            &first,
            json!({ "date": "2026-11-13" }),
            "BAD_USER_INPUT",
            Some("date"),
        ),
        (
            &first,
            json!({ "coachId": bob }),
            "BAD_USER_INPUT",
            Some("coachId"),
        ),
        (&salsa_lesson, json!({ "topic": "Mine" }), "NOT_FOUND", None),
    ] {
        let body = app
            .gql_as(&max, UPDATE_LESSON, json!({ "id": id, "input": input }))
            .await;
        assert_error(&body, code, None, field);
    }
    assert_eq!(
        app.texts(&format!(
            "SELECT coach_id || '|' || starts_at::text || '|' || coalesce(topic, '-') AS t \
             FROM lessons WHERE id IN ({first}, {salsa_lesson}) ORDER BY id"
        ))
        .await,
        [
            format!("{bob}|2026-11-10 10:00:00+00|-"),
            format!("{cy}|2026-11-12 09:00:00+00|-"),
        ]
    );

    // Cancelling, for good, with a reason.
    let body = app
        .gql_as(
            &max,
            CANCEL_LESSON,
            json!({ "id": first, "reason": "  Snow " }),
        )
        .await;
    let cancelled = &body["data"]["cancelLesson"];
    assert_eq!(
        (&cancelled["cancelled"], &cancelled["cancelReason"]),
        (&json!(true), &json!("Snow")),
        "{body}"
    );
    assert!(cancelled["cancelledAt"].is_string(), "{body}");
    let body = app
        .gql_as(&max, CANCEL_LESSON, json!({ "id": salsa_lesson }))
        .await;
    assert_error(&body, "NOT_FOUND", None, None);
    assert_eq!(
        app.texts(
            "SELECT id || '|' || (cancelled_at IS NOT NULL) || '|' || coalesce(cancel_reason, '-') \
             AS t FROM lessons ORDER BY id"
        )
        .await,
        [
            format!("{salsa_lesson}|false|-"),
            format!("{first}|true|Snow"),
            format!("{overnight}|false|-"),
        ]
    );

    // Changes to a group: a field left out keeps its value, null clears.
    let body = app
        .gql_as(
            &max,
            UPDATE_GROUP,
            json!({ "id": ballet, "input": {
                "name": "Ballet II", "capacity": 20, "level": null, "coachId": null,
                "active": false,
            } }),
        )
        .await;
    assert_eq!(
        body["data"]["updateGroup"],
        json!({
            "id": ballet, "name": "Ballet II", "capacity": 20, "level": null,
            "schedule": "Mondays 18:00", "active": false, "coach": null,
        }),
        "{body}"
    );
    for (id, input, code, field) in [
        (
            &ballet,
            json!({ "coachId": bob }),
            "BAD_USER_INPUT",
            Some("coachId"),
        ),
        (
            &ballet,
            json!({ "capacity": 0 }),
            "BAD_USER_INPUT",
            Some("capacity"),
        ),
        (
            &ballet,
            json!({ "capacity": 1001 }),
            "BAD_USER_INPUT",
            Some("capacity"),
        ),
        (&salsa, json!({ "name": "Taken over" }), "NOT_FOUND", None),
    ] {
        let body = app
            .gql_as(&max, UPDATE_GROUP, json!({ "id": id, "input": input }))
            .await;
        assert_error(&body, code, None, field);
    }
    let body = app
        .gql_as(
            &eve,
            UPDATE_GROUP,
            json!({ "id": ballet, "input": { "name": "Mine" } }),
        )
        .await;
    assert_error(&body, "FORBIDDEN", Some("LEVEL_TOO_LOW"), None);
    assert_eq!(
        app.texts(&format!(
            "SELECT name || '|' || capacity || '|' || coalesce(coach_id::text, '-') || '|' || active \
             AS t FROM groups WHERE id IN ({ballet}, {salsa}) ORDER BY id"
        ))
        .await,
        [
            format!("Salsa|10|{bob}|true"),
            "Ballet II|20|-|false".to_owned(),
        ]
    );
}

// What each viewer sees ----------------------------------------------------------------------

const TIMETABLE: &str = "query ($filter: TimetableFilterInput) {
    locations(first: 100, filter: $filter) { totalCount nodes { name } }
    groups(first: 100, filter: $filter) { totalCount nodes { name } }
    lessons(first: 100, filter: $filter) { totalCount nodes { id } }
}";

/// The locations, groups (by name) and lessons (by id) `viewer` sees through `filter`, after
/// checking that each list's `totalCount` matches it.
async fn timetable(
    app: &TestApp,
    viewer: &TestUser,
    filter: Value,
) -> (Vec<String>, Vec<String>, Vec<String>) {
    let body = app
        .gql_as(viewer, TIMETABLE, json!({ "filter": filter }))
        .await;
    let data = &body["data"];
    for list in ["locations", "groups", "lessons"] {
        assert_eq!(
            data[list]["totalCount"].as_u64(),
            data[list]["nodes"]
                .as_array()
                .map(|nodes| nodes.len() as u64),
            "{list}: {body}"
        );
    }
    (
        names(&data["locations"]),
        names(&data["groups"]),
        ids(&data["lessons"]),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_timetable_is_public_but_closed_records_stay_with_their_managers() {
    let app = TestApp::new().await;
    let alpha = app.company("Alpha", "UTC").await;
    let bravo = app.company("Bravo", "UTC").await;
    let uma = app.member("uma", Role::User, None).await;
    let eve = app.member("eve", Role::Employee, Some("Alpha")).await;
    let max = app.member("max", Role::Manager, Some("Alpha")).await;
    let hana = app.member("hana", Role::HeadManager, Some("Alpha")).await;
    let olga = app.member("olga", Role::Owner, None).await;
    let ada = app.employee(&alpha, "Ada", None).await;
    let cy = app.employee(&alpha, "Cy", None).await;
    let bob = app.employee(&bravo, "Bob", None).await;
    let a_main = location(&app, &alpha, "A-Main", "UTC", true).await;
    let a_closed = location(&app, &alpha, "A-Closed", "UTC", false).await;
    let b_main = location(&app, &bravo, "B-Main", "UTC", true).await;
    let b_closed = location(&app, &bravo, "B-Closed", "UTC", false).await;
    let ballet = group(&app, &a_main, Some(&ada), "Ballet", true).await;
    let jazz = group(&app, &a_main, Some(&cy), "Jazz", false).await;
    let tango = group(&app, &a_closed, Some(&ada), "Tango", true).await;
    let salsa = group(&app, &b_main, Some(&bob), "Salsa", true).await;
    let swing = group(&app, &b_main, None, "Swing", false).await;
    let waltz = group(&app, &b_closed, Some(&bob), "Waltz", true).await;
    let ballet1 = lesson(&app, &ballet, "2026-11-02 10:00Z").await;
    let jazz1 = lesson(&app, &jazz, "2026-11-03 10:00Z").await;
    let tango1 = lesson(&app, &tango, "2026-11-04 10:00Z").await;
    let salsa1 = lesson(&app, &salsa, "2026-11-05 10:00Z").await;
    let swing1 = lesson(&app, &swing, "2026-11-06 10:00Z").await;
    let waltz1 = lesson(&app, &waltz, "2026-11-07 10:00Z").await;
    let ballet2 = lesson(&app, &ballet, "2026-11-09 10:00Z").await;

    // Signed-in accounts see the active records of every company; an employee is no
    // different; managers also their companies' closed ones; owners everything.
    let public = (
        vec!["A-Main".to_owned(), "B-Main".to_owned()],
        vec!["Ballet".to_owned(), "Salsa".to_owned()],
        vec![ballet1.clone(), salsa1.clone(), ballet2.clone()],
    );
    assert_eq!(timetable(&app, &uma, json!(null)).await, public);
    assert_eq!(timetable(&app, &eve, json!(null)).await, public);
    let alpha_staff = (
        vec![
            "A-Closed".to_owned(),
            "A-Main".to_owned(),
            "B-Main".to_owned(),
        ],
        vec![
            "Ballet".to_owned(),
            "Jazz".to_owned(),
            "Salsa".to_owned(),
            "Tango".to_owned(),
        ],
        vec![
            ballet1.clone(),
            jazz1.clone(),
            tango1.clone(),
            salsa1.clone(),
            ballet2.clone(),
        ],
    );
    assert_eq!(timetable(&app, &max, json!(null)).await, alpha_staff);
    assert_eq!(timetable(&app, &hana, json!(null)).await, alpha_staff);
    assert_eq!(
        timetable(&app, &olga, json!(null)).await,
        (
            vec![
                "A-Closed".to_owned(),
                "A-Main".to_owned(),
                "B-Closed".to_owned(),
                "B-Main".to_owned()
            ],
            ["Ballet", "Jazz", "Salsa", "Swing", "Tango", "Waltz"]
                .map(str::to_owned)
                .to_vec(),
            vec![
                ballet1.clone(),
                jazz1.clone(),
                tango1.clone(),
                salsa1.clone(),
                swing1.clone(),
                waltz1.clone(),
                ballet2.clone(),
            ],
        )
    );
    // Asking for the closed ones does not widen anything.
    let closed = json!({ "active": false });
    assert_eq!(
        timetable(&app, &uma, closed.clone()).await,
        (vec![], vec![], public.2.clone())
    );
    let (closed_locations, closed_groups, _) = timetable(&app, &max, closed.clone()).await;
    assert_eq!(
        (closed_locations, closed_groups),
        (vec!["A-Closed".to_owned()], vec!["Jazz".to_owned()])
    );
    // Another company's, through its filter: only the active ones, for its managers too.
    assert_eq!(
        timetable(&app, &max, json!({ "companyId": bravo })).await,
        (
            vec!["B-Main".to_owned()],
            vec!["Salsa".to_owned()],
            vec![salsa1.clone()]
        )
    );
    assert_eq!(
        timetable(&app, &olga, json!({ "companyId": alpha })).await,
        (
            vec!["A-Closed".to_owned(), "A-Main".to_owned()],
            ["Ballet", "Jazz", "Tango"].map(str::to_owned).to_vec(),
            vec![
                ballet1.clone(),
                jazz1.clone(),
                tango1.clone(),
                ballet2.clone()
            ],
        )
    );

    // One by one: out of reach is null.
    let one = "query ($location: ID!, $group: ID!, $lesson: ID!) {
        location(id: $location) { name } group(id: $group) { name } lesson(id: $lesson) { id }
    }";
    for (viewer, location, group, lesson, seen) in [
        (&uma, &a_closed, &jazz, &jazz1, false),
        (&uma, &a_closed, &tango, &tango1, false),
        (&eve, &a_closed, &jazz, &jazz1, false),
        (&max, &a_closed, &jazz, &jazz1, true),
        (&max, &a_main, &tango, &tango1, true),
        (&max, &b_closed, &swing, &swing1, false),
        (&hana, &b_closed, &waltz, &waltz1, false),
        (&olga, &b_closed, &waltz, &waltz1, true),
        (&uma, &b_main, &salsa, &salsa1, true),
    ] {
        let body = app
            .gql_as(
                viewer,
                one,
                json!({ "location": location, "group": group, "lesson": lesson }),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
        for field in ["location", "group", "lesson"] {
            assert_eq!(
                body["data"][field].is_object(),
                seen,
                "{field} of {location}/{group}/{lesson}: {body}"
            );
        }
    }

    // Filters.
    let groups_of =
        async |viewer: &TestUser, filter: Value| timetable(&app, viewer, filter).await.1;
    let lessons_of =
        async |viewer: &TestUser, filter: Value| timetable(&app, viewer, filter).await.2;
    assert_eq!(
        groups_of(&max, json!({ "locationId": a_main })).await,
        ["Ballet", "Jazz"]
    );
    assert_eq!(
        groups_of(&max, json!({ "coachId": ada })).await,
        ["Ballet", "Tango"]
    );
    assert_eq!(groups_of(&uma, json!({ "coachId": ada })).await, ["Ballet"]);
    assert_eq!(
        lessons_of(&uma, json!({ "groupId": ballet })).await,
        [ballet1.clone(), ballet2.clone()]
    );
    assert_eq!(
        lessons_of(&uma, json!({ "groupId": jazz })).await,
        Vec::<String>::new()
    );
    assert_eq!(
        lessons_of(&max, json!({ "locationId": a_main })).await,
        [ballet1.clone(), jazz1.clone(), ballet2.clone()]
    );
    assert_eq!(
        lessons_of(&uma, json!({ "coachId": bob })).await,
        [salsa1.as_str()]
    );
    assert_eq!(
        lessons_of(&olga, json!({ "coachId": bob })).await,
        [salsa1.clone(), waltz1.clone()]
    );
    // `from`: lessons ending after it; `to`: lessons starting before it.
    assert_eq!(
        lessons_of(
            &olga,
            json!({ "from": "2026-11-02T11:00:00Z", "to": "2026-11-09T10:00:01Z" })
        )
        .await,
        [
            jazz1.clone(),
            tango1,
            salsa1,
            swing1,
            waltz1,
            ballet2.clone()
        ]
    );
    assert_eq!(
        lessons_of(
            &olga,
            json!({ "from": "2026-11-02T10:59:59Z", "to": "2026-11-03T10:00:00Z" })
        )
        .await,
        [ballet1.as_str()]
    );
    assert_eq!(
        lessons_of(
            &uma,
            json!({ "from": "2026-11-05T13:00:00+02:00", "to": "2026-11-30T00:00:00Z" })
        )
        .await,
        [ballet2.as_str()]
    );

    // A group's own lessons, from a time on.
    let body = app
        .gql_as(
            &uma,
            "query ($id: ID!) { group(id: $id) {
                all: lessons { totalCount nodes { id } }
                later: lessons(from: \"2026-11-05T00:00:00Z\") { totalCount nodes { id } }
            } }",
            json!({ "id": ballet }),
        )
        .await;
    assert_eq!(
        body["data"]["group"],
        json!({
            "all": { "totalCount": 2, "nodes": [{ "id": ballet1 }, { "id": ballet2 }] },
            "later": { "totalCount": 1, "nodes": [{ "id": ballet2 }] },
        }),
        "{body}"
    );
}

// Orders and pages ---------------------------------------------------------------------------

/// Walks a list page by page (`first: 2`), answering the ids of each page and checking
/// `totalCount` and `hasNextPage` on the way.
async fn walk(
    app: &TestApp,
    viewer: Option<&TestUser>,
    query: &str,
    list: &str,
    order: &str,
    total: usize,
) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut after = Value::Null;
    loop {
        let variables = json!({ "order": order, "after": after });
        let body = match viewer {
            Some(viewer) => app.gql_as(viewer, query, variables).await,
            None => app.gql(query, variables).await,
        };
        let connection = &body["data"][list];
        assert_eq!(connection["totalCount"], total, "{body}");
        pages.push(ids(connection));
        assert!(pages.len() <= total, "no end: {body}");
        if connection["pageInfo"]["hasNextPage"] != true {
            return pages;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn lists_sort_and_page_with_cursors_of_their_own_order() {
    let app = TestApp::new().await;
    let alpha = app.company("Alpha", "UTC").await;
    let uma = app.member("uma", Role::User, Some("Alpha")).await;
    let main = location(&app, &alpha, "Main", "UTC", true).await;
    let ash = group(&app, &main, None, "Ash", true).await;
    let birch1 = group(&app, &main, None, "Birch", true).await;
    let elm = group(&app, &main, None, "Elm", true).await;
    let birch2 = group(&app, &main, None, "Birch", true).await;
    let cedar = group(&app, &main, None, "Cedar", true).await;
    let third = lesson(&app, &ash, "2026-11-20 10:00Z").await;
    let first = lesson(&app, &ash, "2026-11-02 10:00Z").await;
    let fourth = lesson(&app, &birch1, "2026-11-20 10:00Z").await;
    let second = lesson(&app, &ash, "2026-11-10 10:00Z").await;
    let fifth = lesson(&app, &ash, "2026-11-30 10:00Z").await;
    let month = price(&app, &alpha, "Month", 12_000, "EUR", true).await;
    let single = price(&app, &alpha, "Single", 1_500, "EUR", true).await;
    let ten = price(&app, &alpha, "Ten lessons", 9_000, "EUR", true).await;
    let trial = price(&app, &alpha, "Trial", 0, "EUR", true).await;
    let pages = |ids: &[&[&String]]| -> Vec<Vec<String>> {
        ids.iter()
            .map(|page| page.iter().map(|id| (*id).clone()).collect())
            .collect()
    };

    let groups = "query ($order: GroupsOrder, $after: String) {
        groups(first: 2, after: $after, orderBy: $order) {
            totalCount pageInfo { hasNextPage endCursor } nodes { id }
        }
    }";
    // Equal names are ordered by id, and no page skips or repeats one.
    assert_eq!(
        walk(&app, Some(&uma), groups, "groups", "NAME", 5).await,
        pages(&[&[&ash, &birch1], &[&birch2, &cedar], &[&elm]])
    );
    assert_eq!(
        walk(&app, Some(&uma), groups, "groups", "NAME_DESC", 5).await,
        pages(&[&[&elm, &cedar], &[&birch2, &birch1], &[&ash]])
    );

    let lessons = "query ($order: LessonsOrder, $after: String) {
        lessons(first: 2, after: $after, orderBy: $order) {
            totalCount pageInfo { hasNextPage endCursor } nodes { id }
        }
    }";
    assert_eq!(
        walk(&app, Some(&uma), lessons, "lessons", "EARLIEST", 5).await,
        pages(&[&[&first, &second], &[&third, &fourth], &[&fifth]])
    );
    assert_eq!(
        walk(&app, Some(&uma), lessons, "lessons", "LATEST", 5).await,
        pages(&[&[&fifth, &fourth], &[&third, &second], &[&first]])
    );

    let prices = "query ($order: PricesOrder, $after: String) {
        prices(first: 2, after: $after, orderBy: $order) {
            totalCount pageInfo { hasNextPage endCursor } nodes { id }
        }
    }";
    assert_eq!(
        walk(&app, None, prices, "prices", "NAME", 4).await,
        pages(&[&[&month, &single], &[&ten, &trial]])
    );
    assert_eq!(
        walk(&app, None, prices, "prices", "AMOUNT", 4).await,
        pages(&[&[&trial, &single], &[&ten, &month]])
    );

    // A group's lessons page too.
    let of_group = "query ($id: ID!, $after: String) { group(id: $id) {
        lessons(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id } }
    } }";
    let body = app
        .gql_as(&uma, of_group, json!({ "id": ash, "after": null }))
        .await;
    let page = &body["data"]["group"]["lessons"];
    assert_eq!(
        (
            ids(page),
            &page["totalCount"],
            &page["pageInfo"]["hasNextPage"]
        ),
        (vec![first.clone(), second.clone()], &json!(4), &json!(true)),
        "{body}"
    );
    let body = app
        .gql_as(
            &uma,
            of_group,
            json!({ "id": ash, "after": page["pageInfo"]["endCursor"] }),
        )
        .await;
    let page = &body["data"]["group"]["lessons"];
    assert_eq!(
        (ids(page), &page["pageInfo"]["hasNextPage"]),
        (vec![third.clone(), fifth.clone()], &json!(false)),
        "{body}"
    );

    // A cursor belongs to its list and order: elsewhere it is refused on `after`.
    let cursor = |body: &Value, list: &str| body["data"][list]["pageInfo"]["endCursor"].clone();
    let by_name = app
        .gql_as(&uma, groups, json!({ "order": "NAME", "after": null }))
        .await;
    let latest = app
        .gql_as(&uma, lessons, json!({ "order": "LATEST", "after": null }))
        .await;
    let by_amount = app
        .gql(prices, json!({ "order": "AMOUNT", "after": null }))
        .await;
    for body in [
        app.gql_as(
            &uma,
            groups,
            json!({ "order": "NAME_DESC", "after": cursor(&by_name, "groups") }),
        )
        .await,
        app.gql_as(
            &uma,
            lessons,
            json!({ "order": "EARLIEST", "after": cursor(&latest, "lessons") }),
        )
        .await,
        app.gql_as(
            &uma,
            lessons,
            json!({ "order": "EARLIEST", "after": cursor(&by_name, "groups") }),
        )
        .await,
        app.gql(
            prices,
            json!({ "order": "NAME", "after": cursor(&by_amount, "prices") }),
        )
        .await,
        app.gql_as(
            &uma,
            of_group,
            json!({ "id": ash, "after": cursor(&latest, "lessons") }),
        )
        .await,
    ] {
        assert_error(&body, "BAD_USER_INPUT", None, Some("after"));
    }
}

// Weekly lessons and coaches ------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn weekly_lessons_keep_their_local_time_across_the_berlin_clock_change() {
    let app = TestApp::new().await;
    let alpha = app.company("Alpha", "Europe/Berlin").await;
    let max = app.member("max", Role::Manager, Some("Alpha")).await;
    let berlin = location(&app, &alpha, "Berlin", "Europe/Berlin", true).await;
    let ada = app.employee(&alpha, "Ada", None).await;
    let ballet = group(&app, &berlin, Some(&ada), "Ballet", true).await;
    let open = group(&app, &berlin, None, "Open floor", true).await;
    let weekly = json!([
        { "weekday": "MONDAY", "start": "18:00", "end": "19:30" },
        { "weekday": "SATURDAY", "start": "18:00", "end": "19:30" },
    ]);
    let plan =
        json!({ "group": ballet, "weekly": weekly, "from": "2026-10-12", "to": "2026-11-07" });

    let body = app.gql_as(&max, CREATE_LESSONS, plan.clone()).await;
    let made = body["data"]["createLessons"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    let times: Vec<(&str, &str)> = made
        .iter()
        .map(|lesson| {
            assert_eq!(lesson["coach"]["id"], ada.as_str(), "{lesson}");
            (
                lesson["startsAt"].as_str().expect("a start"),
                lesson["endsAt"].as_str().expect("an end"),
            )
        })
        .collect();
    // 18:00 in Berlin: 16:00 UTC in summer time, 17:00 UTC from 25 October on.
    assert_eq!(
        times,
        [
            ("2026-10-12T16:00:00.000000Z", "2026-10-12T17:30:00.000000Z"),
            ("2026-10-17T16:00:00.000000Z", "2026-10-17T17:30:00.000000Z"),
            ("2026-10-19T16:00:00.000000Z", "2026-10-19T17:30:00.000000Z"),
            ("2026-10-24T16:00:00.000000Z", "2026-10-24T17:30:00.000000Z"),
            ("2026-10-26T17:00:00.000000Z", "2026-10-26T18:30:00.000000Z"),
            ("2026-10-31T17:00:00.000000Z", "2026-10-31T18:30:00.000000Z"),
            ("2026-11-02T17:00:00.000000Z", "2026-11-02T18:30:00.000000Z"),
            ("2026-11-07T17:00:00.000000Z", "2026-11-07T18:30:00.000000Z"),
        ],
        "{body}"
    );
    let local = format!(
        "SELECT to_char(starts_at AT TIME ZONE 'Europe/Berlin', 'Dy HH24:MI') || '-' || \
         to_char(ends_at AT TIME ZONE 'Europe/Berlin', 'HH24:MI') AS t \
         FROM lessons WHERE group_id = {ballet} ORDER BY starts_at"
    );
    assert_eq!(
        app.texts(&local).await,
        ["Mon 18:00-19:30", "Sat 18:00-19:30"].repeat(4)
    );

    // Starts the group has are skipped: the same plan again makes nothing, a longer one only
    // what is new.
    let body = app.gql_as(&max, CREATE_LESSONS, plan.clone()).await;
    assert_eq!(body["data"]["createLessons"], json!([]), "{body}");
    let lessons = format!("SELECT count(*) AS n FROM lessons WHERE group_id = {ballet}");
    assert_eq!(app.count(&lessons).await, 8);
    // The same slot twice makes one lesson a day.
    let body = app
        .gql_as(
            &max,
            CREATE_LESSONS,
            json!({
                "group": open, "from": "2026-10-12", "to": "2026-10-19",
                "weekly": [
                    { "weekday": "MONDAY", "start": "09:00", "end": "10:00" },
                    { "weekday": "MONDAY", "start": "09:00", "end": "10:30" },
                ],
            }),
        )
        .await;
    let starts: Vec<&Value> = body["data"]["createLessons"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|lesson| &lesson["startsAt"])
        .collect();
    assert_eq!(
        starts,
        [
            &json!("2026-10-12T07:00:00.000000Z"),
            &json!("2026-10-19T07:00:00.000000Z")
        ]
    );
    app.sql(&format!("DELETE FROM lessons WHERE group_id = {open}"))
        .await;
    let mut longer = plan.clone();
    longer["to"] = json!("2026-11-14");
    let body = app.gql_as(&max, CREATE_LESSONS, longer).await;
    let made: Vec<&Value> = body["data"]["createLessons"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|lesson| &lesson["startsAt"])
        .collect();
    assert_eq!(
        made,
        [
            &json!("2026-11-09T17:00:00.000000Z"),
            &json!("2026-11-14T17:00:00.000000Z")
        ]
    );
    assert_eq!(app.count(&lessons).await, 10);

    // At most 366 lessons at once: a year of daily lessons is fine, a day more is not.
    let daily: Vec<Value> = [
        "SUNDAY",
        "MONDAY",
        "TUESDAY",
        "WEDNESDAY",
        "THURSDAY",
        "FRIDAY",
        "SATURDAY",
    ]
    .iter()
    .map(|day| json!({ "weekday": day, "start": "07:00", "end": "08:00" }))
    .collect();
    let body = app
        .gql_as(
            &max,
            CREATE_LESSONS,
            json!({ "group": open, "weekly": daily, "from": "2027-01-01", "to": "2028-01-02" }),
        )
        .await;
    assert_error(&body, "BAD_USER_INPUT", None, Some("weekly"));
    let open_lessons = format!("SELECT count(*) AS n FROM lessons WHERE group_id = {open}");
    assert_eq!(app.count(&open_lessons).await, 0);
    let body = app
        .gql_as(
            &max,
            CREATE_LESSONS,
            json!({ "group": open, "weekly": daily, "from": "2027-01-01", "to": "2028-01-01" }),
        )
        .await;
    assert_eq!(
        body["data"]["createLessons"].as_array().map(Vec::len),
        Some(366),
        "{}",
        body["errors"]
    );
    assert_eq!(app.count(&open_lessons).await, 366);
    let body = app
        .gql_as(
            &max,
            CREATE_LESSONS,
            json!({ "group": open, "weekly": daily, "from": "2029-01-02", "to": "2029-01-01" }),
        )
        .await;
    assert_error(&body, "BAD_USER_INPUT", None, Some("to"));

    // PostgreSQL's rule for a local time the clock skips (02:30 on 28 March 2027 is read as
    // winter time, 01:30 UTC) and for one it passes twice (02:30 on 25 October 2026: winter
    // time, the later).
    for (date, start, end, starts_at, ends_at) in [
        (
            "2027-03-28",
            "02:30",
            "04:00",
            "2027-03-28T01:30:00.000000Z",
            "2027-03-28T02:00:00.000000Z",
        ),
        (
            "2026-10-25",
            "02:30",
            "03:30",
            "2026-10-25T01:30:00.000000Z",
            "2026-10-25T02:30:00.000000Z",
        ),
    ] {
        let body = app
            .gql_as(
                &max,
                CREATE_LESSON,
                json!({ "input": { "groupId": open, "date": date, "start": start, "end": end } }),
            )
            .await;
        let made = &body["data"]["createLesson"];
        assert_eq!(
            (&made["startsAt"], &made["endsAt"]),
            (&json!(starts_at), &json!(ends_at)),
            "{body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_coach_teaches_one_lesson_at_a_time_until_one_is_cancelled() {
    let app = TestApp::new().await;
    let alpha = app.company("Alpha", "UTC").await;
    let max = app.member("max", Role::Manager, Some("Alpha")).await;
    let main = location(&app, &alpha, "Main", "UTC", true).await;
    let ada = app.employee(&alpha, "Ada", None).await;
    let cy = app.employee(&alpha, "Cy", None).await;
    let ballet = group(&app, &main, Some(&ada), "Ballet", true).await;
    let jazz = group(&app, &main, Some(&ada), "Jazz", true).await;
    let create = async |group: &str, date: &str, start: &str, end: &str| {
        app.gql_as(
            &max,
            CREATE_LESSON,
            json!({ "input": { "groupId": group, "date": date, "start": start, "end": end } }),
        )
        .await
    };
    let made = |body: &Value| -> String {
        body["data"]["createLesson"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned()
    };
    let of_jazz = format!("SELECT count(*) AS n FROM lessons WHERE group_id = {jazz}");

    let first = made(&create(&ballet, "2026-11-10", "10:00", "11:00").await);
    let body = create(&jazz, "2026-11-10", "10:30", "11:30").await;
    assert_error(&body, "CONFLICT", Some("COACH_BUSY"), Some("start"));
    assert_eq!(app.count(&of_jazz).await, 0);
    // Back to back is not at once.
    let after = made(&create(&jazz, "2026-11-10", "11:00", "12:00").await);
    // A group has one lesson starting at a time.
    let body = create(&ballet, "2026-11-10", "10:00", "10:45").await;
    assert_error(&body, "CONFLICT", Some("LESSON_EXISTS"), Some("start"));
    // Weekly lessons of which one clashes: none are made.
    let body = app
        .gql_as(
            &max,
            CREATE_LESSONS,
            json!({
                "group": jazz, "from": "2026-11-03", "to": "2026-11-17",
                "weekly": [{ "weekday": "TUESDAY", "start": "10:00", "end": "11:00" }],
            }),
        )
        .await;
    assert_error(&body, "CONFLICT", Some("COACH_BUSY"), Some("start"));
    assert_eq!(app.count(&of_jazz).await, 1);
    // Moving a lesson onto another of its coach's, or onto its group's.
    let body = app
        .gql_as(
            &max,
            UPDATE_LESSON,
            json!({ "id": after, "input": { "date": "2026-11-10", "start": "10:15", "end": "11:15" } }),
        )
        .await;
    assert_error(&body, "CONFLICT", Some("COACH_BUSY"), Some("start"));
    let second = made(&create(&ballet, "2026-11-11", "10:00", "11:00").await);
    let body = app
        .gql_as(
            &max,
            UPDATE_LESSON,
            json!({ "id": second, "input": { "coachId": cy } }),
        )
        .await;
    assert_eq!(
        body["data"]["updateLesson"]["coach"]["id"],
        cy.as_str(),
        "{body}"
    );
    let body = app
        .gql_as(
            &max,
            UPDATE_LESSON,
            json!({ "id": second, "input": { "date": "2026-11-10", "start": "10:00", "end": "11:00" } }),
        )
        .await;
    assert_error(&body, "CONFLICT", Some("LESSON_EXISTS"), Some("start"));
    assert_eq!(
        app.texts(&format!(
            "SELECT starts_at::text AS t FROM lessons WHERE id IN ({after}, {second}) ORDER BY id"
        ))
        .await,
        ["2026-11-10 11:00:00+00", "2026-11-11 10:00:00+00"]
    );

    // Cancelling is one way: not twice, and a cancelled lesson no longer changes.
    let body = app
        .gql_as(&max, CANCEL_LESSON, json!({ "id": first }))
        .await;
    assert_eq!(body["data"]["cancelLesson"]["cancelled"], true, "{body}");
    let body = app
        .gql_as(
            &max,
            CANCEL_LESSON,
            json!({ "id": first, "reason": "again" }),
        )
        .await;
    assert_error(&body, "CONFLICT", Some("LESSON_CANCELLED"), None);
    let body = app
        .gql_as(
            &max,
            UPDATE_LESSON,
            json!({ "id": first, "input": { "topic": "Revived" } }),
        )
        .await;
    assert_error(&body, "CONFLICT", Some("LESSON_CANCELLED"), None);
    assert_eq!(
        app.texts(&format!(
            "SELECT coalesce(topic, '-') || '|' || coalesce(cancel_reason, '-') AS t \
             FROM lessons WHERE id = {first}"
        ))
        .await,
        ["-|-"]
    );
    // ... and frees its coach.
    let body = create(&jazz, "2026-11-10", "10:00", "11:00").await;
    let freed = made(&body);
    assert_eq!(
        app.texts(&format!(
            "SELECT coach_id || '|' || starts_at::text AS t FROM lessons WHERE id = {freed}"
        ))
        .await,
        [format!("{ada}|2026-11-10 10:00:00+00")]
    );
}

// Money and prices ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn prices_keep_each_currencys_decimals() {
    let app = TestApp::new().await;
    let alpha = app.company("Alpha", "UTC").await;
    let bravo = app.company("Bravo", "UTC").await;
    let hana = app.member("hana", Role::HeadManager, Some("Alpha")).await;
    let max = app.member("max", Role::Manager, Some("Alpha")).await;
    let bravo_price = price(&app, &bravo, "Bravo month", 5_000, "GBP", true).await;
    let bravo_old = price(&app, &bravo, "Bravo old", 4_000, "GBP", false).await;
    let create =
        async |viewer: &TestUser, company: &str, name: &str, amount: &str, currency: &str| {
            app.gql_as(
                viewer,
                CREATE_PRICE,
                json!({ "input": {
                "companyId": company, "name": name, "validityDays": 60, "lessonsIncluded": 10,
                "amount": { "amount": amount, "currency": currency },
            } }),
            )
            .await
        };

    let mut made = Vec::new();
    for (name, amount, currency, answer, minor) in [
        ("Euro", "12.5", "EUR", "12.50", 1250),
        ("Yen", "1000", "JPY", "1000", 1000),
        ("Dinar", "1.234", "KWD", "1.234", 1234),
        ("Dollar", " 7 ", "usd", "7.00", 700),
        ("Free", "0", "EUR", "0.00", 0),
        (
            "Fortune",
            "92233720368547758.07",
            "EUR",
            "92233720368547758.07",
            i64::MAX,
        ),
    ] {
        let body = create(&hana, &alpha, name, amount, currency).await;
        let price = &body["data"]["createPrice"];
        assert_eq!(
            (
                &price["name"],
                &price["amount"],
                &price["lessonsIncluded"],
                &price["validityDays"],
                &price["active"],
                &price["company"]["id"],
            ),
            (
                &json!(name),
                &json!({ "amount": answer, "currency": currency.trim().to_uppercase() }),
                &json!(10),
                &json!(60),
                &json!(true),
                &json!(alpha),
            ),
            "{body}"
        );
        let id = price["id"].as_str().expect("an id").to_owned();
        assert_eq!(
            app.texts(&format!(
                "SELECT amount_minor || ' ' || currency AS t FROM prices WHERE id = {id}"
            ))
            .await,
            [format!("{minor} {}", currency.trim().to_uppercase())]
        );
        made.push(id);
    }

    let count = "SELECT count(*) AS n FROM prices";
    assert_eq!(app.count(count).await, 8);
    for (amount, currency, field) in [
        ("12.345", "EUR", "amount"),
        ("1.5", "JPY", "amount"),
        ("-1", "EUR", "amount"),
        ("-0.50", "EUR", "amount"),
        ("1e3", "EUR", "amount"),
        ("12.", "EUR", "amount"),
        ("", "EUR", "amount"),
        ("twelve", "EUR", "amount"),
        ("99999999999999999999", "EUR", "amount"),
        ("92233720368547758.08", "EUR", "amount"),
        ("12", "XYZ", "currency"),
        ("12", "EURO", "currency"),
    ] {
        let body = create(&hana, &alpha, "Bad", amount, currency).await;
        assert_error(&body, "BAD_USER_INPUT", None, Some(field));
    }
    for (input, field) in [
        (json!({ "lessonsIncluded": 0 }), "lessonsIncluded"),
        (json!({ "lessonsIncluded": 10001 }), "lessonsIncluded"),
        (json!({ "validityDays": 0 }), "validityDays"),
        (json!({ "validityDays": 3661 }), "validityDays"),
        (json!({ "name": " " }), "name"),
    ] {
        let mut full = json!({
            "companyId": alpha, "name": "Bad", "validityDays": 30,
            "amount": { "amount": "1", "currency": "EUR" },
        });
        for (key, value) in input.as_object().expect("an object") {
            full[key] = value.clone();
        }
        let body = app
            .gql_as(&hana, CREATE_PRICE, json!({ "input": full }))
            .await;
        assert_error(&body, "BAD_USER_INPUT", None, Some(field));
    }
    let body = create(&hana, &bravo, "Theirs", "10", "EUR").await;
    assert_error(&body, "NOT_FOUND", None, None);
    let body = create(&max, &alpha, "Mine", "10", "EUR").await;
    assert_error(&body, "FORBIDDEN", Some("LEVEL_TOO_LOW"), None);
    assert_eq!(app.count(count).await, 8);

    // Changes: a new amount, unlimited lessons (null), no longer sold.
    let euro = &made[0];
    let body = app
        .gql_as(
            &hana,
            UPDATE_PRICE,
            json!({ "id": euro, "input": {
                "name": "Euro ten", "amount": { "amount": "99.9", "currency": "EUR" },
                "lessonsIncluded": null, "validityDays": 90,
            } }),
        )
        .await;
    assert_eq!(
        body["data"]["updatePrice"],
        json!({
            "id": euro, "name": "Euro ten", "amount": { "amount": "99.90", "currency": "EUR" },
            "lessonsIncluded": null, "validityDays": 90, "active": true,
        }),
        "{body}"
    );
    let yen = &made[1];
    let body = app
        .gql_as(
            &hana,
            UPDATE_PRICE,
            json!({ "id": yen, "input": { "active": false } }),
        )
        .await;
    assert_eq!(
        (
            &body["data"]["updatePrice"]["active"],
            &body["data"]["updatePrice"]["amount"],
            &body["data"]["updatePrice"]["lessonsIncluded"],
        ),
        (
            &json!(false),
            &json!({ "amount": "1000", "currency": "JPY" }),
            &json!(10)
        ),
        "{body}"
    );
    for (id, input, code, field) in [
        (
            euro,
            json!({ "amount": { "amount": "1", "currency": "XYZ" } }),
            "BAD_USER_INPUT",
            Some("currency"),
        ),
        (
            euro,
            json!({ "amount": { "amount": "1.001", "currency": "EUR" } }),
            "BAD_USER_INPUT",
            Some("amount"),
        ),
        (
            &bravo_price,
            json!({ "name": "Taken over" }),
            "NOT_FOUND",
            None,
        ),
    ] {
        let body = app
            .gql_as(&hana, UPDATE_PRICE, json!({ "id": id, "input": input }))
            .await;
        assert_error(&body, code, None, field);
    }
    let body = app
        .gql_as(
            &max,
            UPDATE_PRICE,
            json!({ "id": euro, "input": { "name": "Mine" } }),
        )
        .await;
    assert_error(&body, "FORBIDDEN", Some("LEVEL_TOO_LOW"), None);
    assert_eq!(
        app.texts(&format!(
            "SELECT name || '|' || amount_minor || '|' || coalesce(lessons_included::text, '-') \
             || '|' || validity_days || '|' || active AS t FROM prices \
             WHERE id IN ({euro}, {yen}, {bravo_price}) ORDER BY id"
        ))
        .await,
        [
            "Bravo month|5000|-|30|true",
            "Euro ten|9990|-|90|true",
            "Yen|1000|10|60|false",
        ]
    );

    // Anyone reads the active prices of every company, and no others.
    let body = app
        .gql(
            "{ prices(first: 100) { totalCount nodes { id name amount { amount currency } } } }",
            json!({}),
        )
        .await;
    let seen = ids(&body["data"]["prices"]);
    assert_eq!(body["data"]["prices"]["totalCount"], 6, "{body}");
    assert!(seen.contains(&bravo_price) && seen.contains(euro), "{body}");
    assert!(!seen.contains(yen) && !seen.contains(&bravo_old), "{body}");
    let body = app
        .gql(
            "query ($bravo: ID!) { prices(filter: {companyId: $bravo}) { nodes { name amount { amount currency } } } }",
            json!({ "bravo": bravo }),
        )
        .await;
    assert_eq!(
        body["data"]["prices"]["nodes"],
        json!([{ "name": "Bravo month", "amount": { "amount": "50.00", "currency": "GBP" } }]),
        "{body}"
    );
    let body = app
        .gql(
            "{ prices(filter: {active: false}) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["prices"]["nodes"], json!([]), "{body}");
    // Head managers see their own company's too; owners all.
    let olga = app.member("olga", Role::Owner, None).await;
    let closed = "{ prices(filter: {active: false}) { nodes { id } } }";
    let body = app.gql_as(&hana, closed, json!({})).await;
    assert_eq!(ids(&body["data"]["prices"]), [yen.as_str()], "{body}");
    let body = app.gql_as(&olga, closed, json!({})).await;
    assert_eq!(
        ids(&body["data"]["prices"]),
        [bravo_old.clone(), yen.clone()],
        "{body}"
    );
}

/// The issue's table: `prices` shows active prices to everyone, and all of a company's to its
/// head managers (5+); a manager (4) is not among them.
#[tokio::test(flavor = "multi_thread")]
async fn managers_below_head_managers_see_only_active_prices() {
    let app = TestApp::new().await;
    let alpha = app.company("Alpha", "UTC").await;
    let max = app.member("max", Role::Manager, Some("Alpha")).await;
    price(&app, &alpha, "Month", 5_000, "EUR", true).await;
    price(&app, &alpha, "Old", 4_000, "EUR", false).await;
    let body = app
        .gql_as(&max, "{ prices { nodes { name } } }", json!({}))
        .await;
    assert_eq!(names(&body["data"]["prices"]), ["Month"], "{body}");
}

// Favourites ---------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn favourites_keep_their_order_among_what_you_may_see() {
    let app = TestApp::new().await;
    let alpha = app.company("Alpha", "UTC").await;
    let bravo = app.company("Bravo", "UTC").await;
    let uma = app.member("uma", Role::User, Some("Alpha")).await;
    let eve = app.member("eve", Role::Employee, Some("Alpha")).await;
    let max = app.member("max", Role::Manager, Some("Alpha")).await;
    let bea = app.member("bea", Role::Manager, Some("Bravo")).await;
    let olga = app.member("olga", Role::Owner, None).await;
    let cora_id = app
        .create_account_in("cora", Role::Employee, AccountStatus::Active, Some("Alpha"))
        .await;
    let cora = app.login("cora", PASSWORD).await;
    let coach = app.employee(&alpha, "Cora", Some(&cora_id)).await;
    let a_main = location(&app, &alpha, "A-Main", "UTC", true).await;
    let b_main = location(&app, &bravo, "B-Main", "UTC", true).await;
    let ballet = group(&app, &a_main, Some(&coach), "Ballet", true).await;
    let hidden = group(&app, &a_main, None, "Hidden", false).await;
    let salsa = group(&app, &b_main, None, "Salsa", true).await;
    let ballet1 = lesson(&app, &ballet, "2026-11-02 10:00Z").await;
    let hidden1 = lesson(&app, &hidden, "2026-11-03 10:00Z").await;
    let salsa1 = lesson(&app, &salsa, "2026-11-04 10:00Z").await;
    let set = async |viewer: &TestUser, groups: Value, lessons: Value| {
        app.gql_as(
            viewer,
            SET_FAVORITES,
            json!({ "groups": groups, "lessons": lessons }),
        )
        .await
    };
    let rows = |user: &str| {
        format!(
            "SELECT 'g' || group_id || '@' || position AS t FROM favorite_groups WHERE user_id = {user} \
             UNION ALL SELECT 'l' || lesson_id || '@' || position FROM favorite_lessons \
             WHERE user_id = {user}"
        )
    };

    // In the order given, each once; other companies' too (the timetable is public).
    let body = set(
        &uma,
        json!([salsa, ballet, salsa]),
        json!([salsa1, ballet1, ballet1, salsa1]),
    )
    .await;
    let mine = json!({
        "groups": [{ "id": salsa }, { "id": ballet }],
        "lessons": [{ "id": salsa1 }, { "id": ballet1 }],
    });
    assert_eq!(
        body["data"]["setFavorites"],
        json!({ "id": uma.id, "favorites": mine }),
        "{body}"
    );
    let body = app.gql_as(&uma, MY_FAVORITES, json!({})).await;
    assert_eq!(body["data"]["myFavorites"], mine, "{body}");
    let body = app
        .gql_as(
            &uma,
            "{ me { favorites { groups { id } lessons { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["me"]["favorites"], mine, "{body}");
    let mut stored = vec![
        format!("g{ballet}@1"),
        format!("g{salsa}@0"),
        format!("l{ballet1}@1"),
        format!("l{salsa1}@0"),
    ];
    stored.sort();
    assert_eq!(sorted(app.texts(&rows(&uma.id)).await), stored);

    // What you may not see, what does not exist, and more than 100 are refused, and change
    // nothing.
    let many: Vec<String> = (1..=101).map(|id| id.to_string()).collect();
    for (groups, lessons, field) in [
        (json!([hidden]), json!([]), "groupIds"),
        (json!([]), json!([hidden1]), "lessonIds"),
        (json!(["999999"]), json!([]), "groupIds"),
        (json!([ballet]), json!(["999999"]), "lessonIds"),
        (json!(["x"]), json!([]), "groupIds"),
        (json!(many), json!([]), "groupIds"),
        (json!([]), json!(many), "lessonIds"),
    ] {
        let body = set(&uma, groups, lessons).await;
        assert_error(&body, "BAD_USER_INPUT", None, Some(field));
    }
    let body = set(&eve, json!([hidden]), json!([])).await;
    assert_error(&body, "BAD_USER_INPUT", None, Some("groupIds"));
    let body = set(&bea, json!([]), json!([hidden1])).await;
    assert_error(&body, "BAD_USER_INPUT", None, Some("lessonIds"));
    assert_eq!(sorted(app.texts(&rows(&uma.id)).await), stored);
    // 100 (with duplicates beyond) are fine.
    let hundred: Vec<String> = (0..100).map(|_| ballet.clone()).collect();
    let body = set(&eve, json!(hundred), json!([ballet1])).await;
    assert_eq!(
        body["data"]["setFavorites"]["favorites"]["groups"],
        json!([{ "id": ballet }]),
        "{body}"
    );
    // A manager may pick their company's closed group; nothing at all clears the lists.
    let body = set(&max, json!([hidden, ballet]), json!([hidden1])).await;
    assert_eq!(
        body["data"]["setFavorites"]["favorites"],
        json!({ "groups": [{ "id": hidden }, { "id": ballet }], "lessons": [{ "id": hidden1 }] }),
        "{body}"
    );
    let body = set(&max, json!([]), json!([])).await;
    assert_eq!(
        body["data"]["setFavorites"]["favorites"],
        json!({ "groups": [], "lessons": [] }),
        "{body}"
    );
    assert_eq!(
        sorted(app.texts(&rows(&max.id)).await),
        Vec::<String>::new()
    );

    // Another account's favourites: a manager of a shared company sees them (as far as the
    // manager sees), a manager of another company finds no such account, lower levels may not.
    let body = set(&cora, json!([ballet, salsa]), json!([ballet1])).await;
    assert!(body["errors"].is_null(), "{body}");
    let coras = json!({
        "groups": [{ "id": ballet }, { "id": salsa }],
        "lessons": [{ "id": ballet1 }],
    });
    let by_id = "query ($id: ID!) { user(id: $id) { favorites { groups { id } lessons { id } } } }";
    for viewer in [&max, &olga] {
        let body = app.gql_as(viewer, by_id, json!({ "id": cora_id })).await;
        assert_eq!(body["data"]["user"]["favorites"], coras, "{body}");
    }
    for viewer in [&uma, &eve] {
        let body = app.gql_as(viewer, by_id, json!({ "id": cora_id })).await;
        assert_error(&body, "FORBIDDEN", Some("LEVEL_TOO_LOW"), None);
    }
    // Another company's manager does not find the account at all.
    let body = app.gql_as(&bea, by_id, json!({ "id": cora_id })).await;
    assert!(body["data"]["user"].is_null(), "{body}");
    // One's own, as `me`.
    let body = app
        .gql_as(
            &cora,
            "{ me { favorites { groups { id } lessons { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["me"]["favorites"], coras, "{body}");

    // A favourite that closes leaves the list of those who no longer see it.
    app.sql(&format!(
        "UPDATE locations SET active = false WHERE id = {a_main}"
    ))
    .await;
    let body = app.gql_as(&uma, MY_FAVORITES, json!({})).await;
    assert_eq!(
        body["data"]["myFavorites"],
        json!({ "groups": [{ "id": salsa }], "lessons": [{ "id": salsa1 }] }),
        "{body}"
    );
    let body = app.gql_as(&max, by_id, json!({ "id": cora_id })).await;
    assert_eq!(body["data"]["user"]["favorites"], coras, "{body}");
}

// Coaches -----------------------------------------------------------------------------------

/// The timetable names a lesson's coach to every signed-in account; the coach's workforce
/// record (contact, hours, work sessions, whether clocked in) stays with those the workforce
/// area lets reach it: the employee, and the managers of the company.
#[tokio::test(flavor = "multi_thread")]
async fn the_timetable_names_a_coach_without_opening_their_workforce_record() {
    let app = TestApp::new().await;
    let alpha = app.company("Alpha", "UTC").await;
    app.company("Bravo", "UTC").await;
    let uma = app.member("uma", Role::User, None).await;
    let eve = app.member("eve", Role::Employee, Some("Alpha")).await;
    let bea = app.member("bea", Role::Manager, Some("Bravo")).await;
    let max = app.member("max", Role::Manager, Some("Alpha")).await;
    let cora_id = app
        .create_account_in("cora", Role::Employee, AccountStatus::Active, Some("Alpha"))
        .await;
    let cora = app.login("cora", PASSWORD).await;
    let coach = app.employee(&alpha, "Cora", Some(&cora_id)).await;
    app.sql(&format!(
        "UPDATE employees SET email = 'cora@alpha.test' WHERE id = {coach}; \
         INSERT INTO work_sessions (employee_id, started_at, ended_at, source) \
         VALUES ({coach}, now() - interval '3 hours', now() - interval '1 hour', 'CLOCK'), \
                ({coach}, now() - interval '10 minutes', NULL, 'CLOCK');"
    ))
    .await;
    let main = location(&app, &alpha, "Main", "UTC", true).await;
    let ballet = group(&app, &main, Some(&coach), "Ballet", true).await;
    let ballet1 = lesson(&app, &ballet, "2026-11-02 10:00Z").await;

    let name = "query ($group: ID!, $lesson: ID!) {
        group(id: $group) { coach { name } } lesson(id: $lesson) { coach { name } }
    }";
    let ids = json!({ "group": ballet, "lesson": ballet1 });
    for viewer in [&uma, &eve, &bea, &max, &cora] {
        let body = app.gql_as(viewer, name, ids.clone()).await;
        assert_eq!(
            (
                &body["data"]["group"]["coach"]["name"],
                &body["data"]["lesson"]["coach"]["name"]
            ),
            (&json!("Cora"), &json!("Cora")),
            "{body}"
        );
    }
    // The timetable's coach is a name: the workforce record is not one of its fields.
    let nested = "query ($group: ID!) { group(id: $group) { coach { email } } }";
    let body = app.gql_as(&uma, nested, json!({ "group": ballet })).await;
    assert_eq!(
        first_error_code(&body),
        "GRAPHQL_VALIDATION_FAILED",
        "{body}"
    );
    // The record itself stays the workforce's, within its scope: the coach and a manager of
    // the company read it through `employee(id)`, nobody else does.
    let record = "query ($group: ID!) { group(id: $group) { coach { id } } }";
    let body = app.gql_as(&uma, record, json!({ "group": ballet })).await;
    let coach_id = body["data"]["group"]["coach"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    assert_eq!(coach_id, coach);
    let employee = "query ($id: ID!) { employee(id: $id) {
        email sessions { totalCount } currentSession { id }
    } }";
    for viewer in [&max, &cora] {
        let body = app
            .gql_as(viewer, employee, json!({ "id": coach_id }))
            .await;
        let record = &body["data"]["employee"];
        assert_eq!(record["email"], "cora@alpha.test", "{body}");
        assert_eq!(record["sessions"]["totalCount"], 2, "{body}");
        assert!(record["currentSession"]["id"].is_string(), "{body}");
    }
    for viewer in [&eve, &bea] {
        let body = app
            .gql_as(viewer, employee, json!({ "id": coach_id }))
            .await;
        assert!(body["data"]["employee"].is_null(), "{body}");
    }
    let body = app.gql_as(&uma, employee, json!({ "id": coach_id })).await;
    assert_eq!(first_error_code(&body), "FORBIDDEN", "{body}");
}

// Statements ---------------------------------------------------------------------------------

/// Adds groups `from..=to` at `location` of `company`, each with a coach of its own and three
/// lessons.
async fn add_groups(app: &TestApp, company: &str, location: &str, from: i32, to: i32) {
    app.sql(&format!(
        "INSERT INTO employees (company_id, name, annual_hours) \
             SELECT {company}, 'Coach ' || i, 1000 FROM generate_series({from}, {to}) i; \
         INSERT INTO groups (location_id, coach_id, name, capacity) \
             SELECT {location}, e.id, 'Group ' || substr(e.name, 7), 10 FROM employees e \
             WHERE e.name LIKE 'Coach %' \
             AND NOT EXISTS (SELECT 1 FROM groups g WHERE g.coach_id = e.id); \
         INSERT INTO lessons (group_id, coach_id, starts_at, ends_at) \
             SELECT g.id, g.coach_id, v.t, v.t + interval '1 hour' FROM groups g \
             CROSS JOIN (VALUES (timestamptz '2026-11-02 10:00Z'), ('2026-11-09 10:00Z'), \
                 ('2026-11-16 10:00Z')) v(t) \
             WHERE NOT EXISTS (SELECT 1 FROM lessons l WHERE l.group_id = g.id);"
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_nested_list_of_groups_costs_the_same_statements_for_5_and_50_groups() {
    let app = TestApp::new().await;
    let alpha = app.company("Alpha", "UTC").await;
    let uma = app.member("uma", Role::User, None).await;
    let main = location(&app, &alpha, "Main", "UTC", true).await;
    let query = "{ groups(first: 50) { nodes {
        coach { name } location { name }
        lessons(first: 10) { totalCount nodes { id coach { name } } }
    } } }";
    let run = async || {
        let before = app.app.statements.get();
        let body = app.gql_as(&uma, query, json!({})).await;
        let statements = app.app.statements.get() - before;
        let nodes = body["data"]["groups"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .clone();
        for node in &nodes {
            let coach = node["coach"]["name"].as_str().expect("a coach");
            assert!(coach.starts_with("Coach "), "{node}");
            assert_eq!(node["location"]["name"], "Main", "{node}");
            assert_eq!(node["lessons"]["totalCount"], 3, "{node}");
            let lessons = node["lessons"]["nodes"].as_array().expect("lessons");
            assert_eq!(lessons.len(), 3, "{node}");
            for lesson in lessons {
                assert_eq!(lesson["coach"]["name"], coach, "{node}");
            }
        }
        (nodes.len(), statements)
    };

    add_groups(&app, &alpha, &main, 1, 5).await;
    let (count, few) = run().await;
    assert_eq!(count, 5);
    add_groups(&app, &alpha, &main, 6, 50).await;
    let (count, many) = run().await;
    assert_eq!(count, 50);
    assert_eq!(few, many, "statements must not grow with the rows");
    // The viewer's session, the page, then one statement per relation: coaches, locations,
    // pages of lessons, their counts (the lessons' coaches are the groups', already loaded).
    assert!(many <= 1 + 1 + 5, "{many} statements");
}

// Who reaches what ---------------------------------------------------------------------------

/// What a response says, as one character: ✓ data, ∅ null or an empty list, U
/// UNAUTHENTICATED, F FORBIDDEN LEVEL_TOO_LOW, N NOT_FOUND, C CONFLICT, B BAD_USER_INPUT, ?
/// anything else.
fn outcome(body: &Value) -> char {
    if let Some(error) = body["errors"].as_array().and_then(|errors| errors.first()) {
        let extensions = &error["extensions"];
        return match (
            extensions["code"].as_str().unwrap_or_default(),
            extensions["reason"].as_str().unwrap_or_default(),
        ) {
            ("UNAUTHENTICATED", "") => 'U',
            ("FORBIDDEN", "LEVEL_TOO_LOW") => 'F',
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
/// 7 admin. The viewers of levels 1 to 7 are members of Alpha; Bravo is another company. Each
/// company has an open location and a closed one, an open group with a coach who has an
/// account (and a lesson), a closed group (and a lesson), an open group without a coach for
/// the lessons the rows make, and an active and an inactive price. `$day` and the lessons to
/// cancel are fresh for each level, so that the rows are independent of one another.
const ROWS: &[Row] = &[
    Row {
        operation: "locations",
        query: "{ locations { nodes { id } } }",
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "location (another company's)",
        query: "query ($bMain: ID!) { location(id: $bMain) { id } }",
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "location (closed)",
        query: "query ($aClosed: ID!) { location(id: $aClosed) { id } }",
        expected: "UF∅∅✓✓✓✓",
    },
    Row {
        operation: "location (another company's, closed)",
        query: "query ($bClosed: ID!) { location(id: $bClosed) { id } }",
        expected: "UF∅∅∅∅✓✓",
    },
    Row {
        operation: "locations (closed)",
        query: "query ($alpha: ID!) { locations(filter: {companyId: $alpha, active: false}) { nodes { id } } }",
        expected: "UF∅∅✓✓✓✓",
    },
    Row {
        operation: "groups (another company's)",
        query: "query ($bravo: ID!) { groups(filter: {companyId: $bravo}) { nodes { id } } }",
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "groups (closed)",
        query: "query ($alpha: ID!) { groups(filter: {companyId: $alpha, active: false}) { nodes { id } } }",
        expected: "UF∅∅✓✓✓✓",
    },
    Row {
        operation: "group",
        query: "query ($bGroup: ID!) { group(id: $bGroup) { id } }",
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "group (closed)",
        query: "query ($aHidden: ID!) { group(id: $aHidden) { id } }",
        expected: "UF∅∅✓✓✓✓",
    },
    Row {
        operation: "group (another company's, closed)",
        query: "query ($bHidden: ID!) { group(id: $bHidden) { id } }",
        expected: "UF∅∅∅∅✓✓",
    },
    Row {
        operation: "lessons",
        query: "query ($bGroup: ID!) { lessons(filter: {groupId: $bGroup}) { nodes { id } } }",
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "lessons (of a closed group)",
        query: "query ($aHidden: ID!) { lessons(filter: {groupId: $aHidden}) { nodes { id } } }",
        expected: "UF∅∅✓✓✓✓",
    },
    Row {
        operation: "lesson",
        query: "query ($bLesson: ID!) { lesson(id: $bLesson) { id } }",
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "lesson (of a closed group)",
        query: "query ($aHiddenLesson: ID!) { lesson(id: $aHiddenLesson) { id } }",
        expected: "UF∅∅✓✓✓✓",
    },
    Row {
        operation: "lesson (of another company's closed group)",
        query: "query ($bHiddenLesson: ID!) { lesson(id: $bHiddenLesson) { id } }",
        expected: "UF∅∅∅∅✓✓",
    },
    Row {
        operation: "Group.lessons",
        query: "query ($bGroup: ID!) { group(id: $bGroup) { lessons { nodes { id } } } }",
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "prices",
        query: "query ($bravo: ID!) { prices(filter: {companyId: $bravo}) { nodes { id } } }",
        expected: "✓✓✓✓✓✓✓✓",
    },
    Row {
        operation: "prices (another company's inactive)",
        query: "query ($bravo: ID!) { prices(filter: {companyId: $bravo, active: false}) { nodes { id } } }",
        expected: "∅∅∅∅∅∅✓✓",
    },
    Row {
        operation: "createLocation",
        query: r#"mutation ($alpha: ID!) { createLocation(input: {companyId: $alpha, name: "Annex", timeZone: "UTC"}) { id } }"#,
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "createLocation (another company)",
        query: r#"mutation ($bravo: ID!) { createLocation(input: {companyId: $bravo, name: "Annex", timeZone: "UTC"}) { id } }"#,
        expected: "UFFFFN✓✓",
    },
    Row {
        operation: "updateLocation",
        query: r#"mutation ($aMain: ID!) { updateLocation(id: $aMain, input: {address: "Here"}) { id } }"#,
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "updateLocation (another company's)",
        query: r#"mutation ($bMain: ID!) { updateLocation(id: $bMain, input: {address: "Here"}) { id } }"#,
        expected: "UFFFFN✓✓",
    },
    Row {
        operation: "createGroup",
        query: r#"mutation ($aMain: ID!) { createGroup(input: {locationId: $aMain, name: "Yoga", capacity: 10}) { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "createGroup (another company)",
        query: r#"mutation ($bMain: ID!) { createGroup(input: {locationId: $bMain, name: "Yoga", capacity: 10}) { id } }"#,
        expected: "UFFFNN✓✓",
    },
    Row {
        operation: "updateGroup",
        query: r#"mutation ($aGroup: ID!) { updateGroup(id: $aGroup, input: {schedule: "Mondays"}) { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "updateGroup (another company's)",
        query: r#"mutation ($bGroup: ID!) { updateGroup(id: $bGroup, input: {schedule: "Mondays"}) { id } }"#,
        expected: "UFFFNN✓✓",
    },
    Row {
        operation: "createLesson",
        query: r#"mutation ($aFree: ID!, $day: Date!) { createLesson(input: {groupId: $aFree, date: $day, start: "10:00", end: "11:00"}) { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "createLesson (another company)",
        query: r#"mutation ($bFree: ID!, $day: Date!) { createLesson(input: {groupId: $bFree, date: $day, start: "10:00", end: "11:00"}) { id } }"#,
        expected: "UFFFNN✓✓",
    },
    Row {
        operation: "createLessons",
        query: r#"mutation ($aFree: ID!, $day: Date!) { createLessons(groupId: $aFree, weekly: [{weekday: MONDAY, start: "12:00", end: "13:00"}], from: $day, to: $day) { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "createLessons (another company)",
        query: r#"mutation ($bFree: ID!, $day: Date!) { createLessons(groupId: $bFree, weekly: [{weekday: MONDAY, start: "12:00", end: "13:00"}], from: $day, to: $day) { id } }"#,
        expected: "UFFFNN✓✓",
    },
    Row {
        operation: "updateLesson",
        query: r#"mutation ($aLesson: ID!) { updateLesson(id: $aLesson, input: {topic: "Turns"}) { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "updateLesson (another company's)",
        query: r#"mutation ($bLesson: ID!) { updateLesson(id: $bLesson, input: {topic: "Turns"}) { id } }"#,
        expected: "UFFFNN✓✓",
    },
    Row {
        operation: "cancelLesson",
        query: "mutation ($doomed: ID!) { cancelLesson(id: $doomed) { id } }",
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "cancelLesson (another company's)",
        query: "mutation ($bDoomed: ID!) { cancelLesson(id: $bDoomed) { id } }",
        expected: "UFFFNN✓✓",
    },
    Row {
        operation: "createPrice",
        query: r#"mutation ($alpha: ID!) { createPrice(input: {companyId: $alpha, name: "Ten", amount: {amount: "10", currency: "EUR"}, validityDays: 30}) { id } }"#,
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "createPrice (another company)",
        query: r#"mutation ($bravo: ID!) { createPrice(input: {companyId: $bravo, name: "Ten", amount: {amount: "10", currency: "EUR"}, validityDays: 30}) { id } }"#,
        expected: "UFFFFN✓✓",
    },
    Row {
        operation: "updatePrice",
        query: r#"mutation ($aPrice: ID!) { updatePrice(id: $aPrice, input: {validityDays: 60}) { id } }"#,
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "updatePrice (another company's)",
        query: r#"mutation ($bPrice: ID!) { updatePrice(id: $bPrice, input: {validityDays: 60}) { id } }"#,
        expected: "UFFFFN✓✓",
    },
    Row {
        operation: "setFavorites",
        query: "mutation ($bGroup: ID!, $bLesson: ID!) { setFavorites(groupIds: [$bGroup], lessonIds: [$bLesson]) { id } }",
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "setFavorites (a closed group)",
        query: "mutation ($aHidden: ID!) { setFavorites(groupIds: [$aHidden], lessonIds: []) { id } }",
        expected: "UFBB✓✓✓✓",
    },
    Row {
        operation: "myFavorites",
        query: "{ myFavorites { groups { id } } }",
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "User.favorites (own)",
        query: "{ me { favorites { groups { id } } } }",
        expected: "∅F✓✓✓✓✓✓",
    },
    Row {
        operation: "User.favorites (a member of the company)",
        query: "query ($aCoachUser: ID!) { user(id: $aCoachUser) { favorites { groups { id } } } }",
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "User.favorites (another company's account)",
        query: "query ($bCoachUser: ID!) { user(id: $bCoachUser) { favorites { groups { id } } } }",
        expected: "UFFF∅∅✓✓",
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

#[tokio::test(flavor = "multi_thread")]
async fn every_academy_operation_at_every_level() {
    let app = TestApp::new().await;
    let mut fixed = json!({});
    for (company, prefix) in [("Alpha", "a"), ("Bravo", "b")] {
        let id = app.company(company, "UTC").await;
        let coach_user = app
            .create_account_in(
                &format!("{prefix}coach"),
                Role::Employee,
                AccountStatus::Active,
                Some(company),
            )
            .await;
        let coach = app
            .employee(&id, &format!("{company} coach"), Some(&coach_user))
            .await;
        let main = location(&app, &id, "Main", "UTC", true).await;
        let closed = location(&app, &id, "Closed", "UTC", false).await;
        let open = group(&app, &main, Some(&coach), "Open", true).await;
        let hidden = group(&app, &main, None, "Hidden", false).await;
        let free = group(&app, &main, None, "Free", true).await;
        let values = [
            (company.to_lowercase(), id.clone()),
            (format!("{prefix}Main"), main),
            (format!("{prefix}Closed"), closed),
            (format!("{prefix}Group"), open.clone()),
            (format!("{prefix}CoachUser"), coach_user.clone()),
            (format!("{prefix}Hidden"), hidden.clone()),
            (format!("{prefix}Free"), free),
            (
                format!("{prefix}Lesson"),
                lesson(&app, &open, "2026-11-02 10:00Z").await,
            ),
            (
                format!("{prefix}HiddenLesson"),
                lesson(&app, &hidden, "2026-11-03 10:00Z").await,
            ),
            (
                format!("{prefix}Price"),
                price(&app, &id, "Month", 5_000, "EUR", true).await,
            ),
            (
                format!("{prefix}OldPrice"),
                price(&app, &id, "Old", 4_000, "EUR", false).await,
            ),
        ];
        for (name, value) in values {
            fixed[name] = json!(value);
        }
    }

    let mut viewers: Vec<Option<TestUser>> = vec![None];
    let mut variables = Vec::new();
    for level in 0..8usize {
        if level > 0 {
            let (role, status) = LEVELS[level - 1];
            let name = format!("level{level}");
            app.create_account_in(&name, role, status, Some("Alpha"))
                .await;
            viewers.push(Some(app.login(&name, PASSWORD).await));
        }
        // A Monday of its own for each level.
        let day = chrono::NaiveDate::from_ymd_opt(2027, 1, 4).expect("a date")
            + chrono::Duration::weeks(i64::try_from(level).expect("small"));
        let doomed_start = format!("{day} 15:00Z");
        let mut these = fixed.clone();
        these["day"] = json!(day.to_string());
        for (name, free) in [("doomed", "aFree"), ("bDoomed", "bFree")] {
            let free = fixed[free].as_str().expect("an id");
            these[name] = json!(lesson(&app, free, &doomed_start).await);
        }
        variables.push(these);
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
