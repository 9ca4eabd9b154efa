//! The academy's statistics against numbers worked out by hand on a small fixed studio: held
//! lessons by each location's local day, attendance and fill rates, active clients,
//! subscriptions and revenue per currency, employees' lessons and hours; who sees which part;
//! the range's limits; and the statements a list of 5 or 50 groups costs.

use rollcall::auth::identity::Role;
use serde_json::{Value, json};

use crate::common::accounts::{TestUser, first_error_reason};
use crate::common::{TestApp, first_error_code};

const STATISTICS: &str = "query ($company: ID, $from: Date!, $to: Date!) {
    statistics(companyId: $company, from: $from, to: $to) {
        overview {
            lessonsHeld fillRate activeClients activeSubscriptions
            attendance { attended absent excused rate }
            revenue { amount currency }
        }
        groups {
            group { name } lessonsHeld fillRate activeSubscriptions
            attendance { attended absent excused rate }
        }
    }
}";

/// The studio: company Alpha (Europe/Berlin) with location Mitte (Europe/Berlin), group Yoga
/// (capacity 4, coached by Cora) and group Pilates (capacity 2, coached by Paul); and company
/// Beta with a group of its own that no number of Alpha's counts.
struct Studio {
    alpha: String,
    head: TestUser,
    cora: TestUser,
    cora_employee: String,
}

async fn studio(app: &TestApp) -> Studio {
    let alpha = app.company("Alpha", "Europe/Berlin").await;
    let beta = app.company("Beta", "UTC").await;
    let head = app.member("hana", Role::HeadManager, Some("Alpha")).await;
    let cora = app.member("cora", Role::Employee, Some("Alpha")).await;
    let cora_employee = app.employee(&alpha, "Cora", Some(&cora.id)).await;
    let paul = app.employee(&alpha, "Paul", None).await;
    let bert = app.employee(&beta, "Bert", None).await;
    app.sql(&format!(
        "INSERT INTO locations (id, company_id, name, time_zone) OVERRIDING SYSTEM VALUE VALUES
             (1, {alpha}, 'Mitte', 'Europe/Berlin'), (2, {beta}, 'Elsewhere', 'UTC');
         INSERT INTO groups (id, location_id, coach_id, name, capacity) OVERRIDING SYSTEM VALUE VALUES
             (1, 1, {cora_employee}, 'Yoga', 4), (2, 1, {paul}, 'Pilates', 2), (3, 2, {bert}, 'Other', 5);
         -- Yoga: Dec 1 00:30 Berlin (Nov 30 in UTC), Dec 2; Dec 3 cancelled; Dec 10 out of range.
         -- Pilates: Dec 2. Other (Beta): Dec 2.
         INSERT INTO lessons (id, group_id, coach_id, starts_at, ends_at, cancelled_at) OVERRIDING SYSTEM VALUE VALUES
             (1, 1, {cora_employee}, '2026-11-30 23:30Z', '2026-12-01 00:30Z', NULL),
             (2, 1, {cora_employee}, '2026-12-02 17:00Z', '2026-12-02 18:00Z', NULL),
             (3, 1, {cora_employee}, '2026-12-03 17:00Z', '2026-12-03 18:00Z', now()),
             (4, 1, {cora_employee}, '2026-12-10 17:00Z', '2026-12-10 18:00Z', NULL),
             (5, 2, {paul}, '2026-12-02 09:00Z', '2026-12-02 10:00Z', NULL),
             (6, 3, {bert}, '2026-12-02 09:00Z', '2026-12-02 10:00Z', NULL);
         INSERT INTO clients (id, company_id, name) OVERRIDING SYSTEM VALUE VALUES
             (1, {alpha}, 'Ann'), (2, {alpha}, 'Ben'), (3, {alpha}, 'Cat'), (4, {beta}, 'Dan');
         INSERT INTO prices (id, company_id, name, amount_minor, currency, lessons_included, validity_days)
             OVERRIDING SYSTEM VALUE VALUES
             (1, {alpha}, 'Ten', 10000, 'EUR', 10, 60), (2, {alpha}, 'Month', 5050, 'EUR', NULL, 30),
             (3, {alpha}, 'Swiss', 9000, 'CHF', 5, 60), (4, {beta}, 'Beta', 777, 'EUR', NULL, 30);
         -- Yoga for Ann from Dec 1; Pilates for Ben from Dec 3; company-wide for Cat in November
         -- only; a cancelled one for Yoga; company-wide for Ben from Dec 4; Pilates in CHF
         -- from Dec 7; Beta's.
         INSERT INTO client_subscriptions (company_id, client_id, group_id, price_id, amount_minor,
                 currency, valid_from, valid_to, lessons_included, status) VALUES
             ({alpha}, 1, 1, 1, 10000, 'EUR', '2026-12-01', '2027-01-29', 10, 'ACTIVE'),
             ({alpha}, 2, 2, 1, 10000, 'EUR', '2026-12-03', '2027-01-31', 10, 'ACTIVE'),
             ({alpha}, 3, NULL, 2, 5050, 'EUR', '2026-11-01', '2026-11-30', NULL, 'ACTIVE'),
             ({alpha}, 1, 1, 1, 10000, 'EUR', '2026-12-02', '2027-01-30', 10, 'CANCELLED'),
             ({alpha}, 2, NULL, 2, 5050, 'EUR', '2026-12-04', '2027-01-02', NULL, 'ACTIVE'),
             ({alpha}, 3, 2, 3, 9000, 'CHF', '2026-12-07', '2027-02-04', 5, 'ACTIVE'),
             ({beta}, 4, 3, 4, 777, 'EUR', '2026-12-01', '2026-12-30', NULL, 'ACTIVE');
         INSERT INTO attendance (lesson_id, client_id, status) VALUES
             (1, 1, 'PRESENT'), (1, 2, 'LATE'), (1, 3, 'ABSENT'),
             (2, 1, 'PRESENT'), (2, 2, 'EXCUSED'),
             (3, 1, 'PRESENT'),
             (4, 3, 'ABSENT'),
             (5, 3, 'PRESENT'), (5, 1, 'ABSENT'),
             (6, 4, 'PRESENT');
         -- Cora worked 4 hours on Dec 2, and 1 hour of a session from Nov 30 22:00 to Dec 1
         -- 01:00 Berlin falls in the range.
         INSERT INTO work_sessions (employee_id, started_at, ended_at, source) VALUES
             ({cora_employee}, '2026-12-02 07:00Z', '2026-12-02 11:00Z', 'MANUAL'),
             ({cora_employee}, '2026-11-30 21:00Z', '2026-12-01 00:00Z', 'MANUAL');"
    ))
    .await;
    Studio {
        alpha,
        head,
        cora,
        cora_employee,
    }
}

fn close(value: &Value, expected: f64) {
    let value = value
        .as_f64()
        .unwrap_or_else(|| panic!("a number: {value}"));
    assert!((value - expected).abs() < 1e-9, "{value} != {expected}");
}

fn week() -> Value {
    json!({ "from": "2026-12-01", "to": "2026-12-07" })
}

#[tokio::test(flavor = "multi_thread")]
async fn statistics_match_numbers_worked_out_by_hand() {
    let app = TestApp::new().await;
    let studio = studio(&app).await;
    let mut variables = week();
    variables["company"] = json!(studio.alpha);
    let body = app.gql_as(&studio.head, STATISTICS, variables).await;
    let stats = &body["data"]["statistics"];
    let overview = &stats["overview"];
    // Held: Yoga's Dec 1 (00:30 Berlin, though Nov 30 in UTC) and Dec 2, Pilates' Dec 2; not
    // the cancelled Dec 3 or Dec 10.
    assert_eq!(overview["lessonsHeld"], 3, "{body}");
    // Attended: Ann and Ben (late) on Dec 1, Ann on Dec 2, Cat at Pilates = 4; absent: Cat on
    // Dec 1, Ann at Pilates = 2; Ben excused on Dec 2 = 1.
    assert_eq!(overview["attendance"]["attended"], 4, "{body}");
    assert_eq!(overview["attendance"]["absent"], 2, "{body}");
    assert_eq!(overview["attendance"]["excused"], 1, "{body}");
    close(&overview["attendance"]["rate"], 4.0 / 6.0);
    // Fill: (2/4 + 1/4 + 1/2) / 3.
    close(&overview["fillRate"], (0.5 + 0.25 + 0.5) / 3.0);
    assert_eq!(overview["activeClients"], 3, "{body}");
    // Valid on a day of the range and ACTIVE: Ann's Yoga, Ben's Pilates, Ben's company-wide
    // and Cat's Swiss one (from Dec 7); not Cat's November one or the cancelled one.
    assert_eq!(overview["activeSubscriptions"], 4, "{body}");
    // Sold in the range: 100.00 + 100.00 + 50.50 EUR (the cancelled one left out), 90.00 CHF.
    assert_eq!(
        overview["revenue"],
        json!([{ "amount": "90.00", "currency": "CHF" }, { "amount": "250.50", "currency": "EUR" }]),
        "{body}"
    );

    let groups = stats["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 2, "{body}");
    let yoga = &groups[0];
    assert_eq!(yoga["group"]["name"], "Yoga");
    assert_eq!(yoga["lessonsHeld"], 2);
    assert_eq!(
        yoga["attendance"],
        json!({ "attended": 3, "absent": 1, "excused": 1, "rate": 0.75 })
    );
    close(&yoga["fillRate"], (2.0 / 4.0 + 1.0 / 4.0) / 2.0);
    assert_eq!(yoga["activeSubscriptions"], 1, "{body}");
    let pilates = &groups[1];
    assert_eq!(pilates["group"]["name"], "Pilates");
    assert_eq!(pilates["lessonsHeld"], 1);
    assert_eq!(
        pilates["attendance"],
        json!({ "attended": 1, "absent": 1, "excused": 0, "rate": 0.5 })
    );
    close(&pilates["fillRate"], 0.5);
    assert_eq!(pilates["activeSubscriptions"], 2, "{body}");

    // The location: the same lessons and marks; its revenue is its groups' subscriptions only
    // (no company-wide one).
    let body = app
        .gql_as(
            &studio.head,
            "query ($from: Date!, $to: Date!) { statistics(from: $from, to: $to) {
                locations { location { name } lessonsHeld activeClients
                    attendance { attended absent rate } revenue { amount currency } }
                location(id: \"1\") { lessonsHeld }
                employee(id: \"999999\") { lessonsTaught }
            } }",
            week(),
        )
        .await;
    let stats = &body["data"]["statistics"];
    assert_eq!(
        stats["locations"],
        json!([{
            "location": { "name": "Mitte" }, "lessonsHeld": 3, "activeClients": 3,
            "attendance": { "attended": 4, "absent": 2, "rate": 4.0 / 6.0 },
            "revenue": [{ "amount": "90.00", "currency": "CHF" }, { "amount": "200.00", "currency": "EUR" }],
        }]),
        "{body}"
    );
    assert_eq!(stats["location"]["lessonsHeld"], 3, "{body}");
    assert!(stats["employee"].is_null(), "{body}");

    // Cora: taught Yoga's two held lessons; 4 + 1 hours in the range; her groups' marks.
    let body = app
        .gql_as(
            &studio.head,
            "query ($from: Date!, $to: Date!, $id: ID!) { statistics(from: $from, to: $to) {
                employee(id: $id) { employee { name } lessonsTaught hoursWorked annualHours
                    attendance { attended absent rate } }
                employees { employee { name } lessonsTaught }
            } }",
            json!({ "from": "2026-12-01", "to": "2026-12-07", "id": studio.cora_employee }),
        )
        .await;
    let stats = &body["data"]["statistics"];
    let cora = &stats["employee"];
    assert_eq!(cora["employee"]["name"], "Cora", "{body}");
    assert_eq!(cora["lessonsTaught"], 2, "{body}");
    close(&cora["hoursWorked"], 5.0);
    assert_eq!(cora["annualHours"], 1000, "{body}");
    assert_eq!(cora["attendance"]["attended"], 3, "{body}");
    assert_eq!(cora["attendance"]["absent"], 1, "{body}");
    let names: Vec<&str> = stats["employees"]
        .as_array()
        .expect("employees")
        .iter()
        .map(|row| row["employee"]["name"].as_str().expect("a name"))
        .collect();
    assert_eq!(names, ["Cora", "Paul"], "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_coach_sees_the_numbers_of_the_groups_it_coaches() {
    let app = TestApp::new().await;
    let studio = studio(&app).await;
    let body = app.gql_as(&studio.cora, STATISTICS, week()).await;
    let stats = &body["data"]["statistics"];
    // Yoga only: its two held lessons, Ann and Ben there, Ann's Yoga subscription.
    let overview = &stats["overview"];
    assert_eq!(overview["lessonsHeld"], 2, "{body}");
    assert_eq!(overview["attendance"]["attended"], 3, "{body}");
    assert_eq!(overview["activeClients"], 2, "{body}");
    assert_eq!(overview["activeSubscriptions"], 1, "{body}");
    assert_eq!(
        overview["revenue"],
        json!([{ "amount": "100.00", "currency": "EUR" }]),
        "{body}"
    );
    let groups: Vec<&Value> = stats["groups"].as_array().expect("groups").iter().collect();
    assert_eq!(groups.len(), 1, "{body}");
    assert_eq!(groups[0]["group"]["name"], "Yoga");

    // Her own record, not Paul's; employees and locations are above her level.
    let body = app
        .gql_as(
            &studio.cora,
            "query ($id: ID!) { statistics(from: \"2026-12-01\", to: \"2026-12-07\") {
                employee(id: $id) { lessonsTaught } } }",
            json!({ "id": studio.cora_employee }),
        )
        .await;
    assert_eq!(
        body["data"]["statistics"]["employee"]["lessonsTaught"], 2,
        "{body}"
    );
    for part in ["employees { lessonsTaught }", "locations { lessonsHeld }"] {
        let body = app
            .gql_as(
                &studio.cora,
                &format!("{{ statistics(from: \"2026-12-01\", to: \"2026-12-07\") {{ {part} }} }}"),
                json!({}),
            )
            .await;
        assert_eq!(first_error_code(&body), "FORBIDDEN", "{body}");
        assert_eq!(first_error_reason(&body), "LEVEL_TOO_LOW", "{body}");
    }
    // A plain account has no statistics.
    let uma = app.member("uma", Role::User, Some("Alpha")).await;
    let body = app.gql_as(&uma, STATISTICS, week()).await;
    assert_eq!(first_error_code(&body), "FORBIDDEN", "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_range_runs_forward_for_at_most_366_days() {
    let app = TestApp::new().await;
    let studio = studio(&app).await;
    for (from, to) in [("2026-12-07", "2026-12-01"), ("2026-01-01", "2027-01-02")] {
        let body = app
            .gql_as(&studio.head, STATISTICS, json!({ "from": from, "to": to }))
            .await;
        assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "to", "{body}");
    }
    let body = app
        .gql_as(
            &studio.head,
            STATISTICS,
            json!({ "from": "2026-01-01", "to": "2027-01-01" }),
        )
        .await;
    assert_eq!(
        body["data"]["statistics"]["overview"]["lessonsHeld"], 4,
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_list_of_group_statistics_costs_the_same_statements_for_5_and_50_groups() {
    let app = TestApp::new().await;
    let alpha = app.company("Alpha", "UTC").await;
    let owner = app.member("olga", Role::Owner, None).await;
    app.sql(&format!(
        "INSERT INTO locations (id, company_id, name, time_zone) OVERRIDING SYSTEM VALUE
             VALUES (1, {alpha}, 'Main', 'UTC')"
    ))
    .await;
    let add = async |from: i32, to: i32| {
        app.sql(&format!(
            "INSERT INTO groups (location_id, name, capacity)
                 SELECT 1, 'Group ' || i, 10 FROM generate_series({from}, {to}) i;
             INSERT INTO lessons (group_id, starts_at, ends_at)
                 SELECT g.id, '2026-11-02 10:00Z', '2026-11-02 11:00Z' FROM groups g
                 WHERE NOT EXISTS (SELECT 1 FROM lessons l WHERE l.group_id = g.id);"
        ))
        .await;
    };
    let run = async || {
        let (body, statements) = app
            .gql_counted(
                &owner,
                "{ statistics(from: \"2026-11-01\", to: \"2026-11-30\") {
                    groups { group { name location { name } } lessonsHeld } } }",
            )
            .await;
        let groups = body["data"]["statistics"]["groups"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .clone();
        for group in &groups {
            assert_eq!(group["lessonsHeld"], 1, "{group}");
            assert_eq!(group["group"]["location"]["name"], "Main", "{group}");
        }
        (groups.len(), statements)
    };
    add(1, 5).await;
    let (count, few) = run().await;
    assert_eq!(count, 5);
    add(6, 50).await;
    let (count, many) = run().await;
    assert_eq!(count, 50);
    assert_eq!(few, many, "statements must not grow with the rows");
    // The viewer's session, the group numbers, their groups, the groups' locations.
    assert!(many <= 4, "{many} statements");
}
