//! The library: books with checked ISBNs kept unique within a company; loans to a client or a
//! member of the book's company, due on a day of the company's zone and overdue from the next;
//! the last copy lent once when two instances lend it at once; copies never fewer than are on
//! loan, archived books never lent, loans returned once; books deleted or archived; reminders
//! of overdue loans queued once each across instances and delivered by mail; who sees and
//! changes what at each level; anonymized borrowers; orders, filters and pages; and the
//! statements a nested list of books costs.

use rollcall::academy::service::library::send_reminders;
use rollcall::auth::identity::{AccountStatus, Role};
use rollcall::mail::worker::{self, Delivered};
use rollcall::secret::Secret;
use serde_json::{Value, json};

use crate::common::TestApp;
use crate::common::academy::client;
use crate::common::accounts::{PASSWORD, TestUser};
use crate::common::smtp::SmtpServer;
use crate::common::workforce::ids;
use crate::common::{assert_error, id_of, owned, paged, sorted};

// Operations ---------------------------------------------------------------------------------

const CREATE_BOOK: &str = "mutation ($input: CreateBookInput!) {
    createBook(input: $input) {
        id title author isbn copies available active company { id } group { id }
    }
}";
const UPDATE_BOOK: &str = "mutation ($id: ID!, $input: UpdateBookInput!) {
    updateBook(id: $id, input: $input) {
        id title author isbn copies available active group { id }
    }
}";
const DELETE_BOOK: &str = "mutation ($id: ID!) { deleteBook(id: $id) }";
const LEND_BOOK: &str = "mutation ($input: LendBookInput!) {
    lendBook(input: $input) {
        id lentOn due returnedOn open overdue note remindersSent
        book { id available } client { id } user { id } lentBy { id } returnedTo { id }
    }
}";
const RETURN_BOOK: &str = "mutation ($id: ID!) {
    returnBook(loanId: $id) {
        id lentOn due returnedOn open overdue returnedTo { id } book { id available }
    }
}";
const EXTEND_LOAN: &str = "mutation ($id: ID!, $due: Date!) {
    extendLoan(loanId: $id, due: $due) { id lentOn due open overdue }
}";
const BOOK: &str = "query ($id: ID!) {
    book(id: $id) { id title active copies available loans { totalCount nodes { id overdue remindersSent } } }
}";
const LOAN: &str = "query ($id: ID!) {
    loan(id: $id) {
        id due open overdue remindersSent client { id name } user { id } book { id title }
    }
}";
const LOANS: &str = "query ($filter: LoansFilter) {
    loans(first: 100, filter: $filter) { totalCount nodes { id overdue } }
}";
const BOOK_TITLES: &str = "query ($filter: BooksFilter) {
    books(first: 100, filter: $filter) { totalCount nodes { title } }
}";

// Fixtures -----------------------------------------------------------------------------------

/// A company in `zone` with a manager, a location and a group.
struct Studio {
    company: String,
    group: String,
    location: String,
    manager: TestUser,
}

/// A [`Studio`] named `company` in `zone`, managed by the new account `manager`.
async fn studio(app: &TestApp, company: &str, zone: &str, manager: &str) -> Studio {
    let id = app.company(company, zone).await;
    let manager = app.member(manager, Role::Manager, Some(company)).await;
    let location = app
        .id(&format!(
            "INSERT INTO locations (company_id, name, time_zone) \
             VALUES ({id}, '{company} Hall', 'UTC') RETURNING id AS n"
        ))
        .await;
    let group = group(app, &location, &format!("{company} Reading")).await;
    Studio {
        company: id,
        group,
        location,
        manager,
    }
}

/// An active group (capacity 10) at `location`; answers its id.
async fn group(app: &TestApp, location: &str, name: &str) -> String {
    app.id(&format!(
        "INSERT INTO groups (location_id, name, capacity) VALUES ({location}, '{name}', 10) \
         RETURNING id AS n"
    ))
    .await
}

/// A book of `company` straight in the database, active, of `group` if given; answers its id.
async fn book(
    app: &TestApp,
    company: &str,
    title: &str,
    copies: i32,
    group: Option<&str>,
) -> String {
    let group = group.unwrap_or("NULL");
    app.id(&format!(
        "INSERT INTO books (company_id, group_id, title, copies) \
         VALUES ({company}, {group}, '{title}', {copies}) RETURNING id AS n"
    ))
    .await
}

/// Archives a book straight in the database.
async fn archive(app: &TestApp, book: &str) {
    app.sql(&format!(
        "UPDATE books SET active = false WHERE id = {book}"
    ))
    .await;
}

/// Today in the zone of `company`, moved by `offset` days, as the API writes a date; worked
/// out by the database clock, not by the server's code.
async fn day(app: &TestApp, company: &str, offset: i64) -> String {
    let mut days = app
        .texts(&format!(
            "SELECT ((now() AT TIME ZONE time_zone)::date + {offset})::text AS t \
             FROM companies WHERE id = {company}"
        ))
        .await;
    assert_eq!(days.len(), 1, "company {company}");
    days.remove(0)
}

/// Moves a loan back in time: due `days` days before today in its company's zone, lent a
/// month before that; the reminders of its due day move with it (as if the days had passed).
async fn backdate(app: &TestApp, loan: &str, days: i64) {
    let new_due = format!(
        "(SELECT (now() AT TIME ZONE c.time_zone)::date - {days} FROM loans l \
          JOIN companies c ON c.id = l.company_id WHERE l.id = {loan})"
    );
    app.sql(&format!(
        "UPDATE loan_reminders SET due = {new_due} \
             WHERE loan_id = {loan} AND due = (SELECT due FROM loans WHERE id = {loan}); \
         UPDATE loans SET due = (now() AT TIME ZONE c.time_zone)::date - {days}, \
             lent_on = (now() AT TIME ZONE c.time_zone)::date - {days} - 30 \
         FROM companies c WHERE c.id = loans.company_id AND loans.id = {loan}"
    ))
    .await;
}

/// Lends `book` to `borrower` (`{"clientId": ..}`, `{"userId": ..}`, both or neither) until
/// `due`; answers the response.
async fn lend(app: &TestApp, viewer: &TestUser, book: &str, borrower: Value, due: &str) -> Value {
    let mut input = borrower;
    input["bookId"] = json!(book);
    input["due"] = json!(due);
    app.gql_as(viewer, LEND_BOOK, json!({ "input": input }))
        .await
}

/// The id of the loan `lendBook` answered, failing on an error.
#[track_caller]
fn lent(body: &Value) -> String {
    assert!(body["errors"].is_null(), "{body}");
    id_of(&body["data"]["lendBook"])
}

/// Lends `book` to the client `client` until `due`; answers the loan's id.
async fn lend_to_client(
    app: &TestApp,
    viewer: &TestUser,
    book: &str,
    client: &str,
    due: &str,
) -> String {
    lent(&lend(app, viewer, book, json!({ "clientId": client }), due).await)
}

/// Lends `book` to the account `user` until `due`; answers the loan's id.
async fn lend_to_user(
    app: &TestApp,
    viewer: &TestUser,
    book: &str,
    user: &str,
    due: &str,
) -> String {
    lent(&lend(app, viewer, book, json!({ "userId": user }), due).await)
}

/// Takes a loan back; answers the response.
async fn give_back(app: &TestApp, viewer: &TestUser, loan: &str) -> Value {
    app.gql_as(viewer, RETURN_BOOK, json!({ "id": loan })).await
}

/// Creates a book through the API (`input` of `createBook`); answers the response.
async fn create(app: &TestApp, viewer: &TestUser, input: Value) -> Value {
    app.gql_as(viewer, CREATE_BOOK, json!({ "input": input }))
        .await
}

/// Creates a book through the API; answers its id.
async fn create_id(app: &TestApp, viewer: &TestUser, input: Value) -> String {
    let body = create(app, viewer, input).await;
    assert!(body["errors"].is_null(), "{body}");
    id_of(&body["data"]["createBook"])
}

/// Changes a book through the API; answers the response.
async fn change(app: &TestApp, viewer: &TestUser, book: &str, input: Value) -> Value {
    app.gql_as(viewer, UPDATE_BOOK, json!({ "id": book, "input": input }))
        .await
}

/// The titles `books` lists for `viewer` with `filter`, checking `totalCount` on the way.
async fn titles(app: &TestApp, viewer: &TestUser, filter: Value) -> Vec<String> {
    let body = app
        .gql_as(viewer, BOOK_TITLES, json!({ "filter": filter }))
        .await;
    let list = &body["data"]["books"];
    let titles: Vec<String> = list["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|book| book["title"].as_str().expect("a title").to_owned())
        .collect();
    assert_eq!(list["totalCount"], titles.len(), "{body}");
    titles
}

/// The ids `loans` lists for `viewer` with `filter` (due soonest first), checking
/// `totalCount` on the way.
async fn loan_ids(app: &TestApp, viewer: &TestUser, filter: Value) -> Vec<String> {
    let body = app.gql_as(viewer, LOANS, json!({ "filter": filter })).await;
    let list = &body["data"]["loans"];
    let found = ids(list);
    assert_eq!(list["totalCount"], found.len(), "{body}");
    found
}

// Books --------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn isbns_are_checked_stored_as_isbn13_and_unique_within_a_company() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "UTC", "max").await;
    let bravo = studio(&app, "Bravo", "UTC", "bea").await;
    let input = |company: &str, title: &str, isbn: &str| json!({ "companyId": company, "title": title, "isbn": isbn, "copies": 1 });

    // Good check digits of both lengths, with hyphens and spaces, an X standing for 10.
    for (typed, stored) in [
        ("0-306-40615-2", "9780306406157"),
        ("0-8044-2957-X", "9780804429573"),
        ("978-3-16-148410-0", "9783161484100"),
        ("979 10 90636 07 1", "9791090636071"),
    ] {
        let body = create(&app, &alpha.manager, input(&alpha.company, typed, typed)).await;
        let created = &body["data"]["createBook"];
        assert_eq!(created["isbn"], stored, "{typed}: {body}");
        assert_eq!(
            app.texts(&format!(
                "SELECT isbn AS t FROM books WHERE id = {}",
                id_of(created)
            ))
            .await,
            [stored],
            "{typed}"
        );
    }

    // Bad check digits of both lengths, and what is no ISBN at all.
    for bad in [
        "978-3-16-148410-1",
        "0-306-40615-3",
        "0-8044-2957-9",
        "978-0-8044-2957-4",
        "978316148410X",
        "12345",
        "not an isbn",
    ] {
        let body = create(&app, &alpha.manager, input(&alpha.company, bad, bad)).await;
        assert_error(&body, "BAD_USER_INPUT", None, Some("isbn"));
    }
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM books WHERE company_id = {}",
            alpha.company
        ))
        .await,
        4,
        "a refused book was stored"
    );

    // Taken in the company, however it is typed; free in another company.
    for taken in ["978-0-306-40615-7", "0306406152", "0-8044-2957-x"] {
        let body = create(&app, &alpha.manager, input(&alpha.company, "Again", taken)).await;
        assert_error(&body, "CONFLICT", Some("ISBN_TAKEN"), Some("isbn"));
    }
    let body = create(
        &app,
        &bravo.manager,
        input(&bravo.company, "Theirs", "0-306-40615-2"),
    )
    .await;
    assert_eq!(
        body["data"]["createBook"]["isbn"], "9780306406157",
        "{body}"
    );

    // Changed to a taken one: refused. Cleared, it frees the number.
    let plain = create_id(
        &app,
        &alpha.manager,
        json!({ "companyId": alpha.company, "title": "Plain", "copies": 1 }),
    )
    .await;
    let body = change(
        &app,
        &alpha.manager,
        &plain,
        json!({ "isbn": "9783161484100" }),
    )
    .await;
    assert_error(&body, "CONFLICT", Some("ISBN_TAKEN"), Some("isbn"));
    let body = change(
        &app,
        &alpha.manager,
        &plain,
        json!({ "isbn": "0-306-40615-3" }),
    )
    .await;
    assert_error(&body, "BAD_USER_INPUT", None, Some("isbn"));
    let holder = app
        .id("SELECT id AS n FROM books WHERE isbn = '9783161484100'")
        .await;
    let body = change(&app, &alpha.manager, &holder, json!({ "isbn": null })).await;
    assert_eq!(body["data"]["updateBook"]["isbn"], Value::Null, "{body}");
    let body = change(
        &app,
        &alpha.manager,
        &plain,
        json!({ "isbn": "978 3 16 148410 0" }),
    )
    .await;
    assert_eq!(
        body["data"]["updateBook"]["isbn"], "9783161484100",
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn managers_add_and_change_books_of_their_companies_only() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "UTC", "max").await;
    let bravo = studio(&app, "Bravo", "UTC", "bea").await;
    let emil = app.member("emil", Role::Employee, Some("Alpha")).await;
    let hana = app.member("hana", Role::HeadManager, Some("Alpha")).await;
    let olga = app.member("olga", Role::Owner, None).await;

    let body = create(
        &app,
        &alpha.manager,
        json!({
            "companyId": alpha.company, "title": "  Emma ", "author": "Jane Austen",
            "isbn": "0-306-40615-2", "copies": 3, "groupId": alpha.group,
        }),
    )
    .await;
    let created = &body["data"]["createBook"];
    let emma = id_of(created);
    assert_eq!(
        created,
        &json!({
            "id": emma, "title": "Emma", "author": "Jane Austen", "isbn": "9780306406157",
            "copies": 3, "available": 3, "active": true, "company": { "id": alpha.company },
            "group": { "id": alpha.group },
        }),
        "{body}"
    );

    // What a book may not be.
    for (input, field) in [
        (json!({ "title": "X", "copies": -1 }), "copies"),
        (json!({ "title": "  ", "copies": 1 }), "title"),
        (
            json!({ "title": "X", "copies": 1, "groupId": bravo.group }),
            "groupId",
        ),
    ] {
        let mut input = input;
        input["companyId"] = json!(alpha.company);
        let body = create(&app, &alpha.manager, input).await;
        assert_error(&body, "BAD_USER_INPUT", None, Some(field));
    }

    // A change keeps what it leaves out and clears what it sets to null.
    let body = change(
        &app,
        &alpha.manager,
        &emma,
        json!({ "title": "Emma (2nd ed.)", "author": null, "groupId": null }),
    )
    .await;
    assert_eq!(
        body["data"]["updateBook"],
        json!({
            "id": emma, "title": "Emma (2nd ed.)", "author": null, "isbn": "9780306406157",
            "copies": 3, "available": 3, "active": true, "group": null,
        }),
        "{body}"
    );
    let body = change(
        &app,
        &alpha.manager,
        &emma,
        json!({ "groupId": bravo.group }),
    )
    .await;
    assert_error(&body, "BAD_USER_INPUT", None, Some("groupId"));
    let body = change(&app, &alpha.manager, &emma, json!({ "copies": -2 })).await;
    assert_error(&body, "BAD_USER_INPUT", None, Some("copies"));

    // Below level 4: refused. Another company's book: not found, and untouched.
    let body = create(
        &app,
        &emil,
        json!({ "companyId": alpha.company, "title": "Mine", "copies": 1 }),
    )
    .await;
    assert_error(&body, "FORBIDDEN", None, None);
    let body = change(&app, &emil, &emma, json!({ "copies": 9 })).await;
    assert_error(&body, "FORBIDDEN", None, None);
    let body = create(
        &app,
        &alpha.manager,
        json!({ "companyId": bravo.company, "title": "Theirs", "copies": 1 }),
    )
    .await;
    assert_error(&body, "NOT_FOUND", None, None);
    let theirs = book(&app, &bravo.company, "Theirs", 2, None).await;
    let body = change(&app, &alpha.manager, &theirs, json!({ "copies": 9 })).await;
    assert_error(&body, "NOT_FOUND", None, None);
    let body = app
        .gql_as(&alpha.manager, DELETE_BOOK, json!({ "id": theirs }))
        .await;
    assert_error(&body, "NOT_FOUND", None, None);
    assert_eq!(
        app.texts(&format!(
            "SELECT copies || '|' || active AS t FROM books WHERE id = {theirs}"
        ))
        .await,
        ["2|true"]
    );

    // A head manager of the company changes its books; an owner any company's.
    let body = change(&app, &hana, &emma, json!({ "copies": 4 })).await;
    assert_eq!(body["data"]["updateBook"]["copies"], 4, "{body}");
    let body = change(&app, &olga, &theirs, json!({ "copies": 5 })).await;
    assert_eq!(body["data"]["updateBook"]["copies"], 5, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_book_deletes_it_unless_it_was_ever_lent_then_archives_it() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "UTC", "max").await;
    let max = &alpha.manager;
    let ann = client(&app, &alpha.company, "Ann", None, None).await;
    let never = book(&app, &alpha.company, "Never Lent", 1, None).await;
    let returned = book(&app, &alpha.company, "Lent Once", 1, None).await;
    let out = book(&app, &alpha.company, "Out Now", 1, None).await;
    let today = day(&app, &alpha.company, 0).await;
    let back = lend_to_client(&app, max, &returned, &ann, &today).await;
    assert!(give_back(&app, max, &back).await["errors"].is_null());
    let open = lend_to_client(&app, max, &out, &ann, &today).await;

    let body = app.gql_as(max, DELETE_BOOK, json!({ "id": never })).await;
    assert_eq!(body["data"]["deleteBook"], "DELETED", "{body}");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM books WHERE id = {never}"
        ))
        .await,
        0
    );
    for (book, loan) in [(&returned, &back), (&out, &open)] {
        let body = app.gql_as(max, DELETE_BOOK, json!({ "id": book })).await;
        assert_eq!(body["data"]["deleteBook"], "ARCHIVED", "{body}");
        assert_eq!(
            app.texts(&format!(
                "SELECT active::text AS t FROM books WHERE id = {book}"
            ))
            .await,
            ["false"]
        );
        // Its loans keep it.
        let body = app.gql_as(max, LOAN, json!({ "id": loan })).await;
        assert_eq!(body["data"]["loan"]["book"]["id"], json!(book), "{body}");
    }
    // Archived, it is no longer lent.
    let body = lend(&app, max, &returned, json!({ "clientId": ann }), &today).await;
    assert_error(&body, "CONFLICT", Some("BOOK_INACTIVE"), None);
}

// Loans --------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn lending_checks_the_borrower_and_the_due_day() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "UTC", "max").await;
    let bravo = studio(&app, "Bravo", "UTC", "bea").await;
    let max = &alpha.manager;
    let uma = app.member("uma", Role::User, Some("Alpha")).await;
    let outsider = app.member("otto", Role::User, Some("Bravo")).await;
    let ann = client(&app, &alpha.company, "Ann", None, None).await;
    let cid = client(&app, &bravo.company, "Cid", None, None).await;
    let emma = book(&app, &alpha.company, "Emma", 2, None).await;
    let today = day(&app, &alpha.company, 0).await;
    let yesterday = day(&app, &alpha.company, -1).await;

    for (borrower, field) in [
        (json!({ "clientId": ann, "userId": uma.id }), "clientId"),
        (json!({}), "clientId"),
        (json!({ "userId": outsider.id }), "userId"),
        (json!({ "clientId": cid }), "clientId"),
        (json!({ "clientId": ann }), "due"),
    ] {
        let due = if field == "due" { &yesterday } else { &today };
        let body = lend(&app, max, &emma, borrower, due).await;
        assert_error(&body, "BAD_USER_INPUT", None, Some(field));
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM loans").await, 0);

    // A client, due today; a member, due in a week.
    let body = lend(
        &app,
        max,
        &emma,
        json!({ "clientId": ann, "note": "With the CD" }),
        &today,
    )
    .await;
    let first = lent(&body);
    let max_id = app
        .id("SELECT id AS n FROM users WHERE username = 'max'")
        .await;
    assert_eq!(
        body["data"]["lendBook"],
        json!({
            "id": first, "lentOn": today, "due": today, "returnedOn": null, "open": true,
            "overdue": false, "note": "With the CD", "remindersSent": 0,
            "book": { "id": emma, "available": 1 }, "client": { "id": ann }, "user": null,
            "lentBy": { "id": max_id }, "returnedTo": null,
        }),
        "{body}"
    );
    let week = day(&app, &alpha.company, 7).await;
    let body = lend(&app, max, &emma, json!({ "userId": uma.id }), &week).await;
    lent(&body);
    assert_eq!(body["data"]["lendBook"]["user"]["id"], json!(uma.id));
    assert_eq!(body["data"]["lendBook"]["client"], Value::Null);
    assert_eq!(body["data"]["lendBook"]["book"]["available"], 0);
    // Every copy out.
    let body = lend(&app, max, &emma, json!({ "clientId": ann }), &week).await;
    assert_error(&body, "CONFLICT", Some("NO_COPY_AVAILABLE"), None);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM loans WHERE book_id = {emma} AND returned_on IS NULL"
        ))
        .await,
        2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_last_copy_goes_to_one_of_two_lenders_on_two_instances() {
    let app = TestApp::new().await;
    let second = app.second_instance().await;
    let alpha = studio(&app, "Alpha", "UTC", "max").await;
    let mia = app.member("mia", Role::Manager, Some("Alpha")).await;
    let ann = client(&app, &alpha.company, "Ann", None, None).await;
    let bob = client(&app, &alpha.company, "Bob", None, None).await;
    let today = day(&app, &alpha.company, 0).await;
    for round in 0..5 {
        let last = book(&app, &alpha.company, &format!("Last {round}"), 1, None).await;
        let (a, b) = tokio::join!(
            lend(
                &app,
                &alpha.manager,
                &last,
                json!({ "clientId": ann }),
                &today
            ),
            lend(&second, &mia, &last, json!({ "clientId": bob }), &today),
        );
        let (won, lost) = if a["errors"].is_null() {
            (a, b)
        } else {
            (b, a)
        };
        lent(&won);
        assert_error(&lost, "CONFLICT", Some("NO_COPY_AVAILABLE"), None);
        assert_eq!(
            app.count(&format!(
                "SELECT count(*) AS n FROM loans WHERE book_id = {last}"
            ))
            .await,
            1,
            "round {round}"
        );
    }
    // With two copies, both lenders get one.
    let two = book(&app, &alpha.company, "Two", 2, None).await;
    let (a, b) = tokio::join!(
        lend(
            &app,
            &alpha.manager,
            &two,
            json!({ "clientId": ann }),
            &today
        ),
        lend(&second, &mia, &two, json!({ "clientId": bob }), &today),
    );
    lent(&a);
    lent(&b);
}

#[tokio::test(flavor = "multi_thread")]
async fn copies_stay_at_least_those_on_loan_and_archived_books_are_not_lent() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "UTC", "max").await;
    let max = &alpha.manager;
    let ann = client(&app, &alpha.company, "Ann", None, None).await;
    let emma = book(&app, &alpha.company, "Emma", 3, None).await;
    let today = day(&app, &alpha.company, 0).await;
    let first = lend_to_client(&app, max, &emma, &ann, &today).await;
    lend_to_client(&app, max, &emma, &ann, &today).await;

    let body = change(&app, max, &emma, json!({ "copies": 1 })).await;
    assert_error(&body, "CONFLICT", Some("COPIES_ON_LOAN"), Some("copies"));
    let body = change(&app, max, &emma, json!({ "copies": 2 })).await;
    assert_eq!(body["data"]["updateBook"]["copies"], 2, "{body}");
    assert_eq!(body["data"]["updateBook"]["available"], 0, "{body}");
    assert!(give_back(&app, max, &first).await["errors"].is_null());
    let body = change(&app, max, &emma, json!({ "copies": 1 })).await;
    assert_eq!(body["data"]["updateBook"]["available"], 0, "{body}");
    let body = change(&app, max, &emma, json!({ "copies": 0 })).await;
    assert_error(&body, "CONFLICT", Some("COPIES_ON_LOAN"), Some("copies"));

    // Archived (with copies free), it is not lent; back in the catalogue, it is.
    let body = change(&app, max, &emma, json!({ "copies": 5, "active": false })).await;
    assert_eq!(body["data"]["updateBook"]["active"], false, "{body}");
    let body = lend(&app, max, &emma, json!({ "clientId": ann }), &today).await;
    assert_error(&body, "CONFLICT", Some("BOOK_INACTIVE"), None);
    change(&app, max, &emma, json!({ "active": true })).await;
    lend_to_client(&app, max, &emma, &ann, &today).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_loan_is_returned_once_and_only_an_open_one_is_extended() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "UTC", "max").await;
    let max = &alpha.manager;
    let mia = app.member("mia", Role::Manager, Some("Alpha")).await;
    let ann = client(&app, &alpha.company, "Ann", None, None).await;
    let emma = book(&app, &alpha.company, "Emma", 1, None).await;
    let today = day(&app, &alpha.company, 0).await;
    let loan = lend_to_client(&app, max, &emma, &ann, &today).await;

    // Extended: later, or back to the lending day; not before it.
    let later = day(&app, &alpha.company, 14).await;
    let body = app
        .gql_as(max, EXTEND_LOAN, json!({ "id": loan, "due": later }))
        .await;
    assert_eq!(
        body["data"]["extendLoan"],
        json!({ "id": loan, "lentOn": today, "due": later, "open": true, "overdue": false }),
        "{body}"
    );
    let yesterday = day(&app, &alpha.company, -1).await;
    let body = app
        .gql_as(max, EXTEND_LOAN, json!({ "id": loan, "due": yesterday }))
        .await;
    assert_error(&body, "BAD_USER_INPUT", None, Some("due"));

    let body = give_back(&app, &mia, &loan).await;
    assert_eq!(
        body["data"]["returnBook"],
        json!({
            "id": loan, "lentOn": today, "due": later, "returnedOn": today, "open": false,
            "overdue": false, "returnedTo": { "id": mia.id }, "book": { "id": emma, "available": 1 },
        }),
        "{body}"
    );
    let body = give_back(&app, max, &loan).await;
    assert_error(&body, "CONFLICT", Some("ALREADY_RETURNED"), None);
    let body = app
        .gql_as(max, EXTEND_LOAN, json!({ "id": loan, "due": later }))
        .await;
    assert_error(&body, "CONFLICT", Some("ALREADY_RETURNED"), None);
    assert_eq!(
        app.texts(&format!(
            "SELECT returned_on::text || '|' || returned_to AS t FROM loans WHERE id = {loan}"
        ))
        .await,
        [format!("{today}|{}", mia.id)],
        "the second return changed the first"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn loans_are_overdue_from_the_day_after_due_in_the_companys_zone() {
    let app = TestApp::new().await;
    let olga = app.member("olga", Role::Owner, None).await;
    // UTC+14 and UTC-11: at any hour, one of them is on another day than UTC.
    for zone in ["Pacific/Kiritimati", "Pacific/Pago_Pago"] {
        let name = zone.replace('/', " ");
        let studio = studio(&app, &name, zone, &name.replace(' ', "_").to_lowercase()).await;
        let max = &studio.manager;
        let ann = client(&app, &studio.company, "Ann", None, None).await;
        let novel = book(&app, &studio.company, "Novel", 5, None).await;
        let today = day(&app, &studio.company, 0).await;
        let yesterday = day(&app, &studio.company, -1).await;

        let body = lend(&app, max, &novel, json!({ "clientId": ann }), &yesterday).await;
        assert_error(&body, "BAD_USER_INPUT", None, Some("due"));
        let body = lend(&app, max, &novel, json!({ "clientId": ann }), &today).await;
        let due_today = lent(&body);
        assert_eq!(body["data"]["lendBook"]["lentOn"], today, "{zone}: {body}");
        assert_eq!(body["data"]["lendBook"]["overdue"], false, "{zone}: {body}");
        let late = lend_to_client(&app, max, &novel, &ann, &today).await;
        backdate(&app, &late, 1).await;
        let late_returned = lend_to_client(&app, max, &novel, &ann, &today).await;
        let body = give_back(&app, max, &late_returned).await;
        assert_eq!(
            body["data"]["returnBook"]["returnedOn"], today,
            "{zone}: {body}"
        );
        backdate(&app, &late_returned, 1).await;

        for (loan, overdue) in [(&due_today, false), (&late, true), (&late_returned, false)] {
            let body = app.gql_as(max, LOAN, json!({ "id": loan })).await;
            assert_eq!(body["data"]["loan"]["overdue"], overdue, "{zone}: {body}");
        }
        // The book's loans say the same.
        let body = app.gql_as(max, BOOK, json!({ "id": novel })).await;
        let mut seen: Vec<(String, bool)> = body["data"]["book"]["loans"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|loan| (id_of(loan), loan["overdue"].as_bool().expect("overdue")))
            .collect();
        seen.sort();
        let mut expected = vec![
            (due_today.clone(), false),
            (late.clone(), true),
            (late_returned.clone(), false),
        ];
        expected.sort();
        assert_eq!(seen, expected, "{zone}");

        // And the filter.
        let company = json!(studio.company);
        assert_eq!(
            loan_ids(
                &app,
                &olga,
                json!({ "companyId": company, "overdue": true })
            )
            .await,
            owned(&[&late]),
            "{zone}"
        );
        assert_eq!(
            sorted(
                loan_ids(
                    &app,
                    &olga,
                    json!({ "companyId": company, "overdue": false })
                )
                .await
            ),
            sorted(owned(&[&due_today, &late_returned])),
            "{zone}"
        );
    }
}

// Reminders ----------------------------------------------------------------------------------

/// One reminder round on each of two instances at once; answers how many reminders they
/// queued together.
async fn reminder_round(first: &TestApp, second: &TestApp) -> usize {
    let (a, b) = tokio::join!(send_reminders(&first.app), send_reminders(&second.app));
    a.expect("a reminder round") + b.expect("a reminder round")
}

/// The numbers of a loan's reminders, in order.
async fn reminders(app: &TestApp, loan: &str) -> Vec<String> {
    app.texts(&format!(
        "SELECT number::text AS t FROM loan_reminders WHERE loan_id = {loan} ORDER BY number"
    ))
    .await
}

/// The mails queued to `recipient`.
async fn queued_to(app: &TestApp, recipient: &str) -> i64 {
    app.count(&format!(
        "SELECT count(*) AS n FROM outbox_mails WHERE recipient = '{recipient}'"
    ))
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn overdue_loans_are_reminded_once_each_on_the_first_overdue_day_then_weekly_up_to_three() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::with_config(|config| config.smtp_url = Some(Secret::new(smtp.url()))).await;
    let second = app.second_instance().await;
    let alpha = studio(&app, "Alpha", "Pacific/Kiritimati", "max").await;
    let max = &alpha.manager;
    let uma = app.member("uma", Role::User, Some("Alpha")).await;
    let ann = client(&app, &alpha.company, "Ann", Some("ann@mail.test"), None).await;
    let bob = client(&app, &alpha.company, "Bob", None, None).await;
    let cat = client(&app, &alpha.company, "Cat", Some("cat@mail.test"), None).await;
    let moby = book(&app, &alpha.company, "Moby Dick", 10, None).await;
    let today = day(&app, &alpha.company, 0).await;
    let anns = lend_to_client(&app, max, &moby, &ann, &today).await;
    let bobs = lend_to_client(&app, max, &moby, &bob, &today).await;
    let umas = lend_to_user(&app, max, &moby, &uma.id, &today).await;
    let cats = lend_to_client(&app, max, &moby, &cat, &today).await;
    assert!(give_back(&app, max, &cats).await["errors"].is_null());
    let all = [&anns, &bobs, &umas, &cats];
    // The fixture's sign-ins queued notices of their own: out of the way of the counts.
    app.sql("DELETE FROM outbox_mails").await;
    let move_back = async |days: i64| {
        for loan in all {
            backdate(&app, loan, days).await;
        }
    };

    // Due today: not overdue yet.
    assert_eq!(reminder_round(&app, &second).await, 0);

    // The first overdue day: one reminder to each borrower with an address, whichever
    // instance writes it, and no more however often the round runs, also after a restart.
    move_back(1).await;
    assert_eq!(reminder_round(&app, &second).await, 2);
    assert_eq!(reminder_round(&app, &second).await, 0);
    let restarted = TestApp::on(
        TestApp::app_on(&app.database_url, |_| {}).await,
        &app.database_url,
    );
    assert_eq!(reminder_round(&restarted, &second).await, 0);
    for (loan, expected) in [
        (&anns, vec!["1"]),
        (&umas, vec!["1"]),
        (&bobs, vec![]),
        (&cats, vec![]),
    ] {
        assert_eq!(reminders(&app, loan).await, expected, "loan {loan}");
    }
    assert_eq!(queued_to(&app, "ann@mail.test").await, 1);
    assert_eq!(queued_to(&app, "uma@example.com").await, 1);
    assert_eq!(queued_to(&app, "cat@mail.test").await, 0);
    assert_eq!(app.count("SELECT count(*) AS n FROM outbox_mails").await, 2);
    for (loan, sent) in [(&anns, 1), (&bobs, 0), (&umas, 1), (&cats, 0)] {
        let body = app.gql_as(max, LOAN, json!({ "id": loan })).await;
        assert_eq!(body["data"]["loan"]["remindersSent"], sent, "{body}");
    }

    // Delivered by mail, naming the book.
    let round = worker::deliver_due(&app.app).await.expect("a mail round");
    assert_eq!(round, Delivered { sent: 2, failed: 0 });
    for to in ["ann@mail.test", "uma@example.com"] {
        let mail = smtp.next_to(to).await;
        let subject = mail.decoded_header("Subject").unwrap_or_default();
        assert!(subject.contains("Moby Dick"), "{subject}");
    }

    // Within the first week: nothing new. On the eighth overdue day: the second.
    move_back(7).await;
    assert_eq!(reminder_round(&app, &second).await, 0);
    move_back(8).await;
    assert_eq!(reminder_round(&app, &second).await, 2);
    assert_eq!(reminder_round(&restarted, &second).await, 0);
    assert_eq!(reminders(&app, &anns).await, ["1", "2"]);
    assert_eq!(reminders(&app, &umas).await, ["1", "2"]);
    move_back(14).await;
    assert_eq!(reminder_round(&app, &second).await, 0);
    // On the fifteenth: the third, and never a fourth.
    move_back(15).await;
    assert_eq!(reminder_round(&app, &second).await, 2);
    for days in [16, 22, 29, 60] {
        move_back(days).await;
        assert_eq!(
            reminder_round(&app, &second).await,
            0,
            "{days} days overdue"
        );
    }
    assert_eq!(reminders(&app, &anns).await, ["1", "2", "3"]);
    assert_eq!(reminders(&app, &umas).await, ["1", "2", "3"]);
    assert!(reminders(&app, &bobs).await.is_empty());
    assert!(reminders(&app, &cats).await.is_empty());
    assert_eq!(queued_to(&app, "ann@mail.test").await, 3);
    assert_eq!(queued_to(&app, "uma@example.com").await, 3);
    assert_eq!(app.count("SELECT count(*) AS n FROM outbox_mails").await, 6);
    let body = app.gql_as(max, LOAN, json!({ "id": anns })).await;
    assert_eq!(body["data"]["loan"]["remindersSent"], 3, "{body}");
    let body = app.gql_as(max, BOOK, json!({ "id": moby })).await;
    let mut sent: Vec<i64> = body["data"]["book"]["loans"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|loan| loan["remindersSent"].as_i64().expect("a number"))
        .collect();
    sent.sort();
    assert_eq!(sent, [0, 0, 3, 3], "{body}");

    let round = worker::deliver_due(&app.app).await.expect("a mail round");
    assert_eq!(round, Delivered { sent: 4, failed: 0 });
    for _ in 0..2 {
        let mail = smtp.next_to("ann@mail.test").await;
        let subject = mail.decoded_header("Subject").unwrap_or_default();
        assert!(subject.contains("Moby Dick"), "{subject}");
    }
    assert_eq!(smtp.received().len(), 6);
}

// Who sees what ------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn everyone_signed_in_sees_active_books_and_managers_their_companies_archived_ones() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "UTC", "max").await;
    let bravo = studio(&app, "Bravo", "UTC", "bea").await;
    let ulla = app.member("ulla", Role::User, None).await;
    let emil = app.member("emil", Role::Employee, Some("Alpha")).await;
    let hana = app.member("hana", Role::HeadManager, Some("Alpha")).await;
    let olga = app.member("olga", Role::Owner, None).await;
    let a_active = book(&app, &alpha.company, "A Active", 3, Some(&alpha.group)).await;
    let a_archived = book(&app, &alpha.company, "A Archived", 1, Some(&alpha.group)).await;
    let b_active = book(&app, &bravo.company, "B Active", 1, Some(&bravo.group)).await;
    let b_archived = book(&app, &bravo.company, "B Archived", 1, Some(&bravo.group)).await;
    archive(&app, &a_archived).await;
    archive(&app, &b_archived).await;
    let ann = client(&app, &alpha.company, "Ann", None, None).await;
    let today = day(&app, &alpha.company, 0).await;
    lend_to_client(&app, &alpha.manager, &a_active, &ann, &today).await;

    let everyone = ["A Active", "B Active"];
    let mine = ["A Active", "A Archived", "B Active"];
    let all = ["A Active", "A Archived", "B Active", "B Archived"];
    for (viewer, expected) in [
        (&ulla, &everyone[..]),
        (&emil, &everyone[..]),
        (&alpha.manager, &mine[..]),
        (&hana, &mine[..]),
        (&olga, &all[..]),
    ] {
        assert_eq!(titles(&app, viewer, json!(null)).await, expected);
    }
    assert_eq!(
        titles(&app, &bravo.manager, json!(null)).await,
        ["A Active", "B Active", "B Archived"]
    );

    // One book, by id, and the books of a group.
    let one = "query ($id: ID!) { book(id: $id) { title available } }";
    for (viewer, id, expected) in [
        (
            &ulla,
            &a_active,
            json!({ "title": "A Active", "available": 2 }),
        ),
        (&ulla, &a_archived, Value::Null),
        (&emil, &b_archived, Value::Null),
        (
            &alpha.manager,
            &a_archived,
            json!({ "title": "A Archived", "available": 1 }),
        ),
        (&alpha.manager, &b_archived, Value::Null),
        (
            &olga,
            &b_archived,
            json!({ "title": "B Archived", "available": 1 }),
        ),
    ] {
        let body = app.gql_as(viewer, one, json!({ "id": id })).await;
        assert_eq!(body["data"]["book"], expected, "{body}");
    }
    let of_group = "query ($id: ID!) { group(id: $id) { books { title available } } }";
    for (viewer, group, expected) in [
        (
            &ulla,
            &alpha.group,
            json!([{ "title": "A Active", "available": 2 }]),
        ),
        (
            &alpha.manager,
            &alpha.group,
            json!([
                { "title": "A Active", "available": 2 },
                { "title": "A Archived", "available": 1 },
            ]),
        ),
        (
            &alpha.manager,
            &bravo.group,
            json!([{ "title": "B Active", "available": 1 }]),
        ),
        (
            &olga,
            &bravo.group,
            json!([
                { "title": "B Active", "available": 1 },
                { "title": "B Archived", "available": 1 },
            ]),
        ),
    ] {
        let body = app.gql_as(viewer, of_group, json!({ "id": group })).await;
        assert_eq!(body["data"]["group"]["books"], expected, "{body}");
    }

    // Not signed in, or below level 2: no catalogue.
    let body = app.gql("{ books { totalCount } }", json!({})).await;
    assert_error(&body, "UNAUTHENTICATED", None, None);
    let lina = app
        .account("lina", Role::User, AccountStatus::Unconfirmed)
        .await;
    let body = app
        .gql_as(&lina, "{ books { totalCount } }", json!({}))
        .await;
    assert_error(&body, "FORBIDDEN", None, None);

    // Changing and lending: managers, of their companies.
    let body = lend(&app, &emil, &a_active, json!({ "clientId": ann }), &today).await;
    assert_error(&body, "FORBIDDEN", None, None);
    let cid = client(&app, &bravo.company, "Cid", None, None).await;
    let body = lend(
        &app,
        &alpha.manager,
        &b_active,
        json!({ "clientId": cid }),
        &today,
    )
    .await;
    assert_error(&body, "NOT_FOUND", None, None);
    let theirs = lend_to_client(&app, &bravo.manager, &b_active, &cid, &today).await;
    let body = give_back(&app, &alpha.manager, &theirs).await;
    assert_error(&body, "NOT_FOUND", None, None);
    let body = app
        .gql_as(
            &alpha.manager,
            EXTEND_LOAN,
            json!({ "id": theirs, "due": today }),
        )
        .await;
    assert_error(&body, "NOT_FOUND", None, None);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM loans WHERE id = {theirs} AND returned_on IS NULL"
        ))
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn borrowers_see_their_own_loans_and_managers_their_companies() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "UTC", "max").await;
    let bravo = studio(&app, "Bravo", "UTC", "bea").await;
    let olga = app.member("olga", Role::Owner, None).await;
    let emil = app.member("emil", Role::Employee, Some("Alpha")).await;
    let ann_account = app
        .create_account_in("ann", Role::User, AccountStatus::Active, None)
        .await;
    let ann_user = app.login("ann", PASSWORD).await;
    let uma = app.member("uma", Role::User, Some("Alpha")).await;
    app.join(&bravo.company, &uma.id).await;
    let ann = client(&app, &alpha.company, "Ann", None, Some(&ann_account)).await;
    let zed = client(&app, &alpha.company, "Zed", None, None).await;
    let cid = client(&app, &bravo.company, "Cid", None, None).await;
    let a_book = book(&app, &alpha.company, "Alpha Book", 10, None).await;
    let b_book = book(&app, &bravo.company, "Bravo Book", 10, None).await;
    let today = day(&app, &alpha.company, 0).await;
    let to_ann = lend_to_client(&app, &alpha.manager, &a_book, &ann, &today).await;
    let to_uma = lend_to_user(&app, &alpha.manager, &a_book, &uma.id, &today).await;
    let to_zed = lend_to_client(&app, &alpha.manager, &a_book, &zed, &today).await;
    let to_cid = lend_to_client(&app, &bravo.manager, &b_book, &cid, &today).await;
    let uma_bravo = lend_to_user(&app, &bravo.manager, &b_book, &uma.id, &today).await;
    let every = [&to_ann, &to_uma, &to_zed, &to_cid, &uma_bravo];

    for (viewer, expected) in [
        (&ann_user, owned(&[&to_ann])),
        (&uma, owned(&[&to_uma, &uma_bravo])),
        (&emil, vec![]),
        (&alpha.manager, owned(&[&to_ann, &to_uma, &to_zed])),
        (&bravo.manager, owned(&[&to_cid, &uma_bravo])),
        (&olga, owned(&every)),
    ] {
        assert_eq!(
            sorted(loan_ids(&app, viewer, json!(null)).await),
            sorted(expected.clone()),
            "loans"
        );
        for loan in every {
            let body = app.gql_as(viewer, LOAN, json!({ "id": loan })).await;
            let seen = !body["data"]["loan"].is_null();
            assert_eq!(seen, expected.contains(loan), "loan {loan}: {body}");
        }
        // A book's loans: those the viewer sees.
        let body = app.gql_as(viewer, BOOK, json!({ "id": a_book })).await;
        let of_book = &body["data"]["book"]["loans"];
        let alphas: Vec<String> = expected
            .iter()
            .filter(|loan| [&to_ann, &to_uma, &to_zed].contains(loan))
            .cloned()
            .collect();
        assert_eq!(sorted(ids(of_book)), sorted(alphas.clone()), "{body}");
        assert_eq!(of_book["totalCount"], alphas.len(), "{body}");
    }

    // A client's loans: to its account and to the managers of its company. (`User.loans` lists
    // the loans to the account itself as the borrower; a client's are under `Client.loans`.)
    let client_loans = "query ($id: ID!) { client(id: $id) { loans { id } } }";
    let body = app
        .gql_as(
            &ann_user,
            "{ me { clients { loans { id } } loans { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["me"],
        json!({ "clients": [{ "loans": [{ "id": to_ann }] }], "loans": [] }),
        "{body}"
    );
    let body = app
        .gql_as(&alpha.manager, client_loans, json!({ "id": zed }))
        .await;
    assert_eq!(
        body["data"]["client"]["loans"],
        json!([{ "id": to_zed }]),
        "{body}"
    );
    let body = app
        .gql_as(&alpha.manager, client_loans, json!({ "id": cid }))
        .await;
    assert!(
        !body.to_string().contains(&format!("\"{to_cid}\"")),
        "another company's client's loans: {body}"
    );

    // An account's loans: its own; a manager sees those of the companies it manages.
    let user_loans = "query ($id: ID!) { user(id: $id) { loans { id } } }";
    let body = app.gql_as(&uma, "{ me { loans { id } } }", json!({})).await;
    assert_eq!(
        sorted(ids(&body["data"]["me"]["loans"])),
        sorted(owned(&[&to_uma, &uma_bravo])),
        "{body}"
    );
    let body = app
        .gql_as(&alpha.manager, user_loans, json!({ "id": uma.id }))
        .await;
    assert_eq!(
        body["data"]["user"]["loans"],
        json!([{ "id": to_uma }]),
        "{body}"
    );
    let body = app
        .gql_as(&bravo.manager, user_loans, json!({ "id": uma.id }))
        .await;
    assert_eq!(
        body["data"]["user"]["loans"],
        json!([{ "id": uma_bravo }]),
        "{body}"
    );
    let body = app
        .gql_as(&ann_user, user_loans, json!({ "id": uma.id }))
        .await;
    assert!(
        !body.to_string().contains(&format!("\"{to_uma}\"")),
        "another account's loans: {body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_anonymized_client_keeps_its_loans_without_a_name_and_gets_no_reminder() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "UTC", "max").await;
    let max = &alpha.manager;
    let ann = client(&app, &alpha.company, "Ann", Some("ann@mail.test"), None).await;
    let emma = book(&app, &alpha.company, "Emma", 2, None).await;
    let today = day(&app, &alpha.company, 0).await;
    let back = lend_to_client(&app, max, &emma, &ann, &today).await;
    assert!(give_back(&app, max, &back).await["errors"].is_null());
    let open = lend_to_client(&app, max, &emma, &ann, &today).await;

    let body = app
        .gql_as(
            max,
            "mutation ($id: ID!) { anonymizeClient(id: $id) { id name anonymized } }",
            json!({ "id": ann }),
        )
        .await;
    assert_eq!(
        body["data"]["anonymizeClient"],
        json!({ "id": ann, "name": null, "anonymized": true }),
        "{body}"
    );

    let body = app.gql_as(max, LOAN, json!({ "id": open })).await;
    assert_eq!(
        body["data"]["loan"]["client"],
        json!({ "id": ann, "name": null }),
        "{body}"
    );
    assert_eq!(
        sorted(loan_ids(&app, max, json!({ "clientId": ann })).await),
        sorted(owned(&[&back, &open]))
    );
    let body = app
        .gql_as(
            max,
            "query ($id: ID!) { client(id: $id) { loans { id client { name } } } }",
            json!({ "id": ann }),
        )
        .await;
    assert_eq!(
        body["data"]["client"]["loans"],
        json!([
            { "id": open, "client": { "name": null } },
            { "id": back, "client": { "name": null } },
        ]),
        "{body}"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM loans WHERE client_id = {ann}"
        ))
        .await,
        2
    );

    // Overdue, but with no address left: no reminder.
    backdate(&app, &open, 3).await;
    assert_eq!(send_reminders(&app.app).await.expect("a round"), 0);
    assert_eq!(queued_to(&app, "ann@mail.test").await, 0);
}

// Orders and pages ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn books_sort_filter_and_page() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "UTC", "max").await;
    let bravo = studio(&app, "Bravo", "UTC", "bea").await;
    let max = &alpha.manager;
    let poetry = group(&app, &alpha.location, "Poetry").await;
    let mut made = Vec::new();
    for (title, author, copies, group) in [
        ("Emma", Some("Austen"), 1, None),
        ("Dune", Some("Herbert"), 2, Some(&poetry)),
        ("Anna Karenina", Some("Tolstoy"), 1, Some(&poetry)),
        ("Beloved", None, 0, None),
        ("Carmen", Some("Merimee"), 1, None),
    ] {
        made.push(
            create_id(
                &app,
                max,
                json!({
                    "companyId": alpha.company, "title": title, "author": author,
                    "copies": copies, "groupId": group,
                }),
            )
            .await,
        );
    }
    let [emma, dune, anna, beloved, carmen] = &made[..] else {
        unreachable!()
    };
    let theirs = book(&app, &bravo.company, "Zorba", 1, None).await;
    let ann = client(&app, &alpha.company, "Ann", None, None).await;
    let today = day(&app, &alpha.company, 0).await;
    lend_to_client(&app, max, emma, &ann, &today).await;
    lend_to_client(&app, max, dune, &ann, &today).await;
    archive(&app, carmen).await;

    let of_alpha = json!({ "companyId": alpha.company });
    assert_eq!(
        paged(
            &app,
            max,
            "books",
            "TITLE",
            Some(("BooksFilter", of_alpha.clone()))
        )
        .await,
        owned(&[anna, beloved, carmen, dune, emma])
    );
    assert_eq!(
        paged(
            &app,
            max,
            "books",
            "AUTHOR",
            Some(("BooksFilter", of_alpha.clone()))
        )
        .await,
        owned(&[beloved, emma, dune, carmen, anna]),
        "by author, those without one first"
    );
    assert_eq!(
        paged(
            &app,
            max,
            "books",
            "NEWEST",
            Some(("BooksFilter", of_alpha.clone()))
        )
        .await,
        owned(&[carmen, beloved, anna, dune, emma])
    );
    // Without a filter, the other company's active books too.
    assert_eq!(
        paged(
            &app,
            max,
            "books",
            "TITLE",
            Some(("BooksFilter", json!(null)))
        )
        .await,
        owned(&[anna, beloved, carmen, dune, emma, &theirs])
    );

    for (filter, expected) in [
        (json!({ "companyId": bravo.company }), vec!["Zorba"]),
        (json!({ "search": "DU" }), vec!["Dune"]),
        (json!({ "search": "austen" }), vec!["Emma"]),
        (json!({ "groupId": poetry }), vec!["Anna Karenina", "Dune"]),
        (
            json!({ "companyId": alpha.company, "available": true }),
            vec!["Anna Karenina", "Carmen", "Dune"],
        ),
        (json!({ "available": false }), vec!["Beloved", "Emma"]),
        (json!({ "active": false }), vec!["Carmen"]),
        (
            json!({ "companyId": alpha.company, "active": true, "available": true }),
            vec!["Anna Karenina", "Dune"],
        ),
    ] {
        assert_eq!(
            titles(&app, max, filter.clone()).await,
            expected,
            "{filter}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn loans_sort_filter_and_page() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "UTC", "max").await;
    let bravo = studio(&app, "Bravo", "UTC", "bea").await;
    let max = &alpha.manager;
    let olga = app.member("olga", Role::Owner, None).await;
    let uma = app.member("uma", Role::User, Some("Alpha")).await;
    let ann = client(&app, &alpha.company, "Ann", None, None).await;
    let bob = client(&app, &alpha.company, "Bob", None, None).await;
    let cid = client(&app, &bravo.company, "Cid", None, None).await;
    let x = book(&app, &alpha.company, "X", 5, None).await;
    let y = book(&app, &alpha.company, "Y", 5, None).await;
    let z = book(&app, &bravo.company, "Z", 5, None).await;
    let d = async |offset: i64| day(&app, &alpha.company, offset).await;
    let l1 = lend_to_client(&app, max, &x, &ann, &d(5).await).await;
    let l2 = lend_to_user(&app, max, &x, &uma.id, &d(1).await).await;
    let l3 = lend_to_client(&app, max, &y, &ann, &d(3).await).await;
    let l4 = lend_to_client(&app, max, &y, &bob, &d(2).await).await;
    let l5 = lend_to_client(&app, &bravo.manager, &z, &cid, &d(4).await).await;
    assert!(give_back(&app, max, &l3).await["errors"].is_null());
    backdate(&app, &l4, 1).await;

    let of_alpha = json!({ "companyId": alpha.company });
    assert_eq!(
        paged(
            &app,
            max,
            "loans",
            "DUE_SOONEST",
            Some(("LoansFilter", of_alpha.clone()))
        )
        .await,
        owned(&[&l4, &l2, &l3, &l1])
    );
    assert_eq!(
        paged(
            &app,
            max,
            "loans",
            "NEWEST",
            Some(("LoansFilter", of_alpha.clone()))
        )
        .await,
        owned(&[&l4, &l3, &l2, &l1])
    );
    assert_eq!(
        paged(
            &app,
            &olga,
            "loans",
            "DUE_SOONEST",
            Some(("LoansFilter", json!(null)))
        )
        .await,
        owned(&[&l4, &l2, &l3, &l5, &l1])
    );
    assert_eq!(
        paged(
            &app,
            &olga,
            "loans",
            "NEWEST",
            Some(("LoansFilter", json!(null)))
        )
        .await,
        owned(&[&l5, &l4, &l3, &l2, &l1])
    );

    for (filter, expected) in [
        (json!({ "companyId": bravo.company }), owned(&[&l5])),
        (json!({ "bookId": x }), owned(&[&l2, &l1])),
        (json!({ "clientId": ann }), owned(&[&l3, &l1])),
        (json!({ "userId": uma.id }), owned(&[&l2])),
        (json!({ "open": true }), owned(&[&l4, &l2, &l5, &l1])),
        (json!({ "open": false }), owned(&[&l3])),
        (json!({ "overdue": true }), owned(&[&l4])),
        (json!({ "overdue": false }), owned(&[&l2, &l3, &l5, &l1])),
        (
            json!({ "bookId": y, "open": true, "overdue": false }),
            vec![],
        ),
    ] {
        assert_eq!(
            loan_ids(&app, &olga, filter.clone()).await,
            expected,
            "{filter}"
        );
    }
    // A manager's filters stay within what it sees.
    assert!(
        loan_ids(&app, max, json!({ "companyId": bravo.company }))
            .await
            .is_empty()
    );

    // A book's loans page too, newest first.
    let query = "query ($id: ID!, $after: String) {
        book(id: $id) { loans(first: 1, after: $after) {
            totalCount pageInfo { hasNextPage endCursor } nodes { id }
        } }
    }";
    let body = app
        .gql_as(max, query, json!({ "id": x, "after": null }))
        .await;
    let page = &body["data"]["book"]["loans"];
    assert_eq!(ids(page), owned(&[&l2]), "{body}");
    assert_eq!(page["totalCount"], 2, "{body}");
    assert_eq!(page["pageInfo"]["hasNextPage"], true, "{body}");
    let body = app
        .gql_as(
            max,
            query,
            json!({ "id": x, "after": page["pageInfo"]["endCursor"] }),
        )
        .await;
    let page = &body["data"]["book"]["loans"];
    assert_eq!(ids(page), owned(&[&l1]), "{body}");
    assert_eq!(page["pageInfo"]["hasNextPage"], false, "{body}");
}

// Statements ---------------------------------------------------------------------------------

/// Adds books `from` to `to` of `company`, each in a group of its own at `location`, with 3
/// copies and two loans to a client of its own: one open, one returned.
async fn add_books(app: &TestApp, company: &str, location: &str, from: i32, to: i32) {
    app.sql(&format!(
        "INSERT INTO groups (location_id, name, capacity) \
             SELECT {location}, 'Group ' || i, 10 FROM generate_series({from}, {to}) i; \
         INSERT INTO books (company_id, group_id, title, copies) \
             SELECT {company}, g.id, 'Book ' || substr(g.name, 7), 3 FROM groups g \
             WHERE g.name LIKE 'Group %' \
             AND NOT EXISTS (SELECT 1 FROM books b WHERE b.group_id = g.id); \
         INSERT INTO clients (company_id, name) \
             SELECT {company}, 'Client ' || substr(b.title, 6) FROM books b \
             WHERE NOT EXISTS (SELECT 1 FROM clients c WHERE c.name = 'Client ' || substr(b.title, 6)); \
         INSERT INTO loans (company_id, book_id, client_id, lent_on, due, returned_on) \
             SELECT {company}, b.id, c.id, rollcall_company_today({company}) - v.d, \
                 rollcall_company_today({company}) + 7 - v.d, \
                 CASE WHEN v.d = 3 THEN rollcall_company_today({company}) END \
             FROM books b JOIN clients c ON c.name = 'Client ' || substr(b.title, 6) \
             CROSS JOIN (VALUES (1), (3)) v(d) \
             WHERE NOT EXISTS (SELECT 1 FROM loans l WHERE l.book_id = b.id);"
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_nested_list_of_books_and_loans_costs_the_same_statements_for_5_and_50_books() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "UTC", "max").await;
    let max = &alpha.manager;
    let query = "{ books(first: 50) { nodes {
        title available group { name } loans(first: 5) { nodes { client { name } due } }
    } } }";
    let run = async || {
        let (body, statements) = app.gql_counted(max, query).await;
        assert!(body["errors"].is_null(), "{body}");
        let nodes = body["data"]["books"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .clone();
        for node in &nodes {
            let number = node["title"]
                .as_str()
                .and_then(|title| title.strip_prefix("Book "))
                .unwrap_or_else(|| panic!("{node}"));
            assert_eq!(node["available"], 2, "{node}");
            assert_eq!(node["group"]["name"], format!("Group {number}"), "{node}");
            let loans = node["loans"]["nodes"]
                .as_array()
                .unwrap_or_else(|| panic!("{node}"));
            assert_eq!(loans.len(), 2, "{node}");
            for loan in loans {
                assert_eq!(loan["client"]["name"], format!("Client {number}"), "{node}");
                assert!(loan["due"].is_string(), "{node}");
            }
        }
        (nodes.len(), statements)
    };

    add_books(&app, &alpha.company, &alpha.location, 1, 5).await;
    let (count, few) = run().await;
    assert_eq!(count, 5);
    add_books(&app, &alpha.company, &alpha.location, 6, 50).await;
    let (count, many) = run().await;
    assert_eq!(count, 50);
    assert_eq!(few, many, "statements must not grow with the rows");
    // The viewer's session, the page, the copies on loan, the groups, the pages of loans and
    // their clients.
    assert!(many <= 1 + 1 + 1 + 1 + 1 + 1, "{many} statements");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_extended_loan_is_reminded_again_from_its_new_first_overdue_day() {
    let app = TestApp::new().await;
    let alpha = studio(&app, "Alpha", "Europe/Berlin", "max").await;
    let max = &alpha.manager;
    let ann = client(&app, &alpha.company, "Ann", Some("ann@mail.test"), None).await;
    let moby = book(&app, &alpha.company, "Moby Dick", 1, None).await;
    let today = day(&app, &alpha.company, 0).await;
    let loan = lend_to_client(&app, max, &moby, &ann, &today).await;
    backdate(&app, &loan, 3).await;
    assert_eq!(send_reminders(&app.app).await.expect("a round"), 1);
    assert_eq!(reminders(&app, &loan).await, ["1"]);

    // Extended to next week, then overdue again (a day after the new due day, which the
    // first reminder never spoke of): the second reminder goes out at once, not a week late.
    let next_week = day(&app, &alpha.company, 7).await;
    let body = app
        .gql_as(max, EXTEND_LOAN, json!({ "id": loan, "due": next_week }))
        .await;
    assert_eq!(body["data"]["extendLoan"]["overdue"], false, "{body}");
    assert_eq!(send_reminders(&app.app).await.expect("a round"), 0);
    app.sql(&format!(
        "UPDATE loans SET due = (now() AT TIME ZONE 'Europe/Berlin')::date - 1 WHERE id = {loan}"
    ))
    .await;
    assert_eq!(send_reminders(&app.app).await.expect("a round"), 1);
    assert_eq!(send_reminders(&app.app).await.expect("a round"), 0);
    assert_eq!(reminders(&app, &loan).await, ["1", "2"]);
    let body = app.gql_as(max, LOAN, json!({ "id": loan })).await;
    assert_eq!(body["data"]["loan"]["remindersSent"], 2, "{body}");
}
