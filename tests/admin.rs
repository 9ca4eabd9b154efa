//! User administration: the users list, statuses, roles and owner demotions, deletion, the
//! security history, and one statement per relation level.

use rollcall::auth::identity::{AccountStatus, Role};
use serde_json::{Value, json};

use crate::common::accounts::{PASSWORD, TestUser, first_error_reason};
use crate::common::{TestApp, first_error_code};

const SET_ROLE: &str = "mutation ($id: ID!, $role: Role!) {
    setUserRole(userId: $id, role: $role) {
        __typename
        ... on User { id role }
        ... on RoleChange { id status fromRole toRole user { username } requestedBy { username } }
    }
}";
const SET_STATUS: &str = "mutation ($id: ID!, $status: AccountStatus!) { setUserStatus(userId: $id, status: $status) { status } }";

async fn set_role(app: &TestApp, actor: &TestUser, target: &TestUser, role: &str) -> Value {
    app.gql_as(actor, SET_ROLE, json!({ "id": target.id, "role": role }))
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn managers_page_through_users_with_filters() {
    let app = TestApp::new().await;
    let manager = app.user("manager", Role::Manager).await;
    for name in ["amy", "ben", "cat", "dan"] {
        app.create_account(name, Role::Employee, AccountStatus::Active)
            .await;
    }
    app.create_account("eve", Role::User, AccountStatus::Inactive)
        .await;
    let list = "query ($first: Int, $after: String, $last: Int, $before: String, $filter: UsersFilter, $order: UsersOrder) {
        users(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $order) {
            nodes { username }
            pageInfo { hasNextPage hasPreviousPage endCursor startCursor }
            totalCount
        }
    }";
    let names = |body: &Value| -> Vec<String> {
        body["data"]["users"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|n| n["username"].as_str().expect("name").to_owned())
            .collect()
    };
    let page1 = app.gql_as(&manager, list, json!({ "first": 2 })).await;
    assert_eq!(names(&page1), ["amy", "ben"]);
    assert_eq!(page1["data"]["users"]["totalCount"], 6);
    assert_eq!(page1["data"]["users"]["pageInfo"]["hasNextPage"], true);
    let after = page1["data"]["users"]["pageInfo"]["endCursor"].clone();
    let page2 = app
        .gql_as(&manager, list, json!({ "first": 2, "after": after }))
        .await;
    assert_eq!(names(&page2), ["cat", "dan"]);
    let before = page2["data"]["users"]["pageInfo"]["startCursor"].clone();
    let back = app
        .gql_as(&manager, list, json!({ "last": 1, "before": before }))
        .await;
    assert_eq!(names(&back), ["ben"]);

    let employees = app
        .gql_as(
            &manager,
            list,
            json!({ "filter": { "role": "EMPLOYEE" }, "order": "NEWEST" }),
        )
        .await;
    assert_eq!(names(&employees), ["dan", "cat", "ben", "amy"]);
    let inactive = app
        .gql_as(
            &manager,
            list,
            json!({ "filter": { "status": "INACTIVE" } }),
        )
        .await;
    assert_eq!(names(&inactive), ["eve"]);
    let search = app
        .gql_as(
            &manager,
            list,
            json!({ "filter": { "search": "EXAMPLE.com" }, "first": 100 }),
        )
        .await;
    assert_eq!(names(&search).len(), 6);
    let literal = app
        .gql_as(&manager, list, json!({ "filter": { "search": "%" } }))
        .await;
    assert!(names(&literal).is_empty(), "% is matched literally");

    let too_many = app.gql_as(&manager, list, json!({ "first": 101 })).await;
    assert_eq!(first_error_code(&too_many), "BAD_USER_INPUT");
    assert_eq!(too_many["errors"][0]["extensions"]["field"], "first");
}

#[tokio::test(flavor = "multi_thread")]
async fn nested_relations_cost_one_statement_per_level() {
    let app = TestApp::new().await;
    let admin = app.user("admin", Role::Admin).await;
    let query = "{ users(first: 50) { nodes { username sessions { id } } } }";
    let statements = |app: &TestApp| app.app.statements.get();

    for name in ["user1", "user2"] {
        app.user(name, Role::User).await;
    }
    let before = statements(&app);
    let body = app.gql_as(&admin, query, json!({})).await;
    assert_eq!(
        body["data"]["users"]["nodes"]
            .as_array()
            .expect("nodes")
            .len(),
        3
    );
    let few = statements(&app) - before;

    for name in ["user3", "user4", "user5", "user6", "user7"] {
        app.user(name, Role::User).await;
    }
    let before = statements(&app);
    let body = app.gql_as(&admin, query, json!({})).await;
    assert_eq!(
        body["data"]["users"]["nodes"]
            .as_array()
            .expect("nodes")
            .len(),
        8
    );
    let many = statements(&app) - before;
    assert_eq!(few, many, "statements must not grow with the rows");
    // The viewer's session, the page, the sessions of every node: three statements, and no
    // check by the pool when it hands out a connection.
    assert_eq!(many, 3, "statements for the whole query");
}

#[tokio::test(flavor = "multi_thread")]
async fn deactivation_ends_sessions_and_needs_a_higher_role() {
    let app = TestApp::new().await;
    let boss = app.user("boss", Role::HeadManager).await;
    let worker = app.user("worker", Role::Employee).await;
    let peer = app.user("peer", Role::HeadManager).await;

    let body = app
        .gql_as(
            &boss,
            SET_STATUS,
            json!({ "id": worker.id, "status": "INACTIVE" }),
        )
        .await;
    assert_eq!(
        body["data"]["setUserStatus"]["status"], "INACTIVE",
        "{body}"
    );
    let me = app.gql_as(&worker, "{ me { id } }", json!({})).await;
    assert_eq!(first_error_reason(&me), "SESSION_REVOKED");
    // An inactive account still signs in, at level 1.
    let again = app.login("worker", PASSWORD).await;
    let body = app
        .gql_as(
            &again,
            "{ userByUsername(username: \"boss\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(first_error_code(&body), "FORBIDDEN");

    let body = app
        .gql_as(
            &boss,
            SET_STATUS,
            json!({ "id": peer.id, "status": "INACTIVE" }),
        )
        .await;
    assert_eq!(first_error_code(&body), "FORBIDDEN", "same rank");
    let body = app
        .gql_as(
            &boss,
            SET_STATUS,
            json!({ "id": worker.id, "status": "UNCONFIRMED" }),
        )
        .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
    let history = app
        .count("SELECT count(*) AS n FROM auth_events WHERE kind = 'STATUS_CHANGED' AND from_value = 'ACTIVE' AND to_value = 'INACTIVE' AND actor_id IS NOT NULL")
        .await;
    assert_eq!(history, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn role_rules() {
    let app = TestApp::new().await;
    let head = app.user("head", Role::HeadManager).await;
    let owner = app.user("owner", Role::Owner).await;
    let admin = app.user("admin", Role::Admin).await;
    let ann = app.user("ann", Role::User).await;

    let body = set_role(&app, &head, &ann, "MANAGER").await;
    assert_eq!(body["data"]["setUserRole"]["role"], "MANAGER", "{body}");
    assert_eq!(
        first_error_code(&set_role(&app, &head, &ann, "HEAD_MANAGER").await),
        "FORBIDDEN"
    );
    assert_eq!(
        first_error_code(&set_role(&app, &head, &head, "USER").await),
        "FORBIDDEN"
    );
    assert_eq!(
        set_role(&app, &owner, &ann, "HEAD_MANAGER").await["data"]["setUserRole"]["role"],
        "HEAD_MANAGER"
    );
    assert_eq!(
        first_error_code(&set_role(&app, &owner, &ann, "OWNER").await),
        "FORBIDDEN"
    );
    assert_eq!(
        set_role(&app, &admin, &ann, "OWNER").await["data"]["setUserRole"]["role"],
        "OWNER"
    );
    let bob = app.user("bob", Role::User).await;
    // Owners appoint the admin, and may demote one.
    assert_eq!(
        set_role(&app, &owner, &bob, "ADMIN").await["data"]["setUserRole"]["role"],
        "ADMIN"
    );
    assert_eq!(
        first_error_code(&set_role(&app, &admin, &bob, "USER").await),
        "FORBIDDEN"
    );
    assert_eq!(
        set_role(&app, &owner, &bob, "MANAGER").await["data"]["setUserRole"]["role"],
        "MANAGER"
    );
    // The last active admin cannot be demoted.
    assert_eq!(
        first_error_code(&set_role(&app, &owner, &admin, "USER").await),
        "CONFLICT"
    );
    // A demoted account's level changes at its next request.
    let role_of = app.gql_as(&ann, "{ me { role } }", json!({})).await;
    assert_eq!(role_of["data"]["me"]["role"], "OWNER");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_owner_demotion_confirmed_by_a_second_owner() {
    let app = TestApp::new().await;
    let first = app.user("first", Role::Owner).await;
    let second = app.user("second", Role::Owner).await;
    let admin = app.user("admin", Role::Admin).await;

    let body = set_role(&app, &admin, &first, "MANAGER").await;
    let request = &body["data"]["setUserRole"];
    assert_eq!(request["__typename"], "RoleChange", "{body}");
    assert_eq!(request["status"], "PENDING");
    assert_eq!(request["user"]["username"], "first");
    assert_eq!(request["requestedBy"]["username"], "admin");
    let id = request["id"].clone();
    // Nothing changed yet; a second request for the same owner waits on the first.
    assert_eq!(
        app.gql_as(&first, "{ me { role } }", json!({})).await["data"]["me"]["role"],
        "OWNER"
    );
    assert_eq!(
        first_error_code(&set_role(&app, &second, &first, "USER").await),
        "CONFLICT"
    );

    let pending = app
        .gql_as(&second, "{ pendingRoleChanges { id toRole } }", json!({}))
        .await;
    assert_eq!(pending["data"]["pendingRoleChanges"][0]["id"], id);
    assert_eq!(
        first_error_code(
            &app.gql_as(&admin, "{ pendingRoleChanges { id } }", json!({}))
                .await
        ),
        "FORBIDDEN"
    );

    // The owner being demoted may confirm it: another owner than the one who asked.
    let confirm = "mutation ($id: ID!) { confirmRoleChange(id: $id) { username role } }";
    let body = app.gql_as(&first, confirm, json!({ "id": id })).await;
    assert_eq!(
        body["data"]["confirmRoleChange"]["role"], "MANAGER",
        "{body}"
    );
    let body = app.gql_as(&second, confirm, json!({ "id": id })).await;
    assert_eq!(first_error_code(&body), "CONFLICT", "already confirmed");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_owner_demotion_rejected_or_confirmed_by_its_own_asker() {
    let app = TestApp::new().await;
    let first = app.user("first", Role::Owner).await;
    let second = app.user("second", Role::Owner).await;
    let body = set_role(&app, &second, &first, "USER").await;
    let id = body["data"]["setUserRole"]["id"].clone();

    let confirm = "mutation ($id: ID!) { confirmRoleChange(id: $id) { role } }";
    let body = app.gql_as(&second, confirm, json!({ "id": id })).await;
    assert_eq!(
        first_error_code(&body),
        "FORBIDDEN",
        "confirming one's own request"
    );

    let reject = "mutation ($id: ID!) { rejectRoleChange(id: $id) }";
    let body = app.gql_as(&second, reject, json!({ "id": id })).await;
    assert_eq!(body["data"]["rejectRoleChange"], true);
    let pending = app
        .gql_as(&first, "{ pendingRoleChanges { id } }", json!({}))
        .await;
    assert_eq!(pending["data"]["pendingRoleChanges"], json!([]));
    assert_eq!(
        app.gql_as(&first, "{ me { role } }", json!({})).await["data"]["me"]["role"],
        "OWNER"
    );

    // An unanswered request lapses after 7 days.
    let body = set_role(&app, &second, &first, "USER").await;
    let id = body["data"]["setUserRole"]["id"].clone();
    app.sql("UPDATE role_changes SET created_at = now() - interval '8 days', expires_at = now() - interval '1 day' WHERE status = 'PENDING'")
        .await;
    let body = app.gql_as(&first, confirm, json!({ "id": id })).await;
    assert_eq!(first_error_code(&body), "CONFLICT");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_last_owner_cannot_be_demoted() {
    let app = TestApp::new().await;
    let owner = app.user("owner", Role::Owner).await;
    let admin = app.user("admin", Role::Admin).await;
    let body = set_role(&app, &admin, &owner, "USER").await;
    let id = body["data"]["setUserRole"]["id"].clone();
    let body = app
        .gql_as(
            &owner,
            "mutation ($id: ID!) { confirmRoleChange(id: $id) { role } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(first_error_code(&body), "CONFLICT", "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_accounts_anonymises_them() {
    let app = TestApp::new().await;
    let admin = app.user("admin", Role::Admin).await;
    let ann = app.user("ann", Role::User).await;
    let delete_own = "mutation ($p: String!) { deleteAccount(password: $p) }";

    let body = app.gql_as(&ann, delete_own, json!({ "p": "wrong" })).await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "password");
    let body = app.gql_as(&ann, delete_own, json!({ "p": PASSWORD })).await;
    assert_eq!(body["data"]["deleteAccount"], true, "{body}");
    assert_eq!(
        first_error_reason(&app.gql_as(&ann, "{ me { id } }", json!({})).await),
        "SESSION_REVOKED"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM users WHERE id = {} AND email IS NULL AND username IS NULL AND name = '' AND deleted_at IS NOT NULL",
            ann.id
        ))
        .await,
        1
    );
    // The email and username are free again.
    app.create_account("ann", Role::User, AccountStatus::Active)
        .await;

    // The last active admin cannot go.
    let body = app
        .gql_as(&admin, delete_own, json!({ "p": PASSWORD }))
        .await;
    assert_eq!(first_error_code(&body), "CONFLICT");

    let bob = app.user("bob", Role::User).await;
    let delete_user = "mutation ($id: ID!) { deleteUser(id: $id) }";
    let body = app
        .gql_as(&admin, delete_user, json!({ "id": bob.id }))
        .await;
    assert_eq!(body["data"]["deleteUser"], true);
    let other_admin = app.user("admin2", Role::Admin).await;
    let body = app
        .gql_as(&admin, delete_user, json!({ "id": other_admin.id }))
        .await;
    assert_eq!(first_error_code(&body), "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_security_history_is_yours_or_an_admins() {
    let app = TestApp::new().await;
    let ann = app.user("ann", Role::User).await;
    let head = app.user("head", Role::HeadManager).await;
    set_role(&app, &head, &ann, "EMPLOYEE").await;
    let events = "query ($user: ID) { authEvents(userId: $user, first: 10) {
        nodes { kind fromValue toValue actor { username } } totalCount } }";
    let body = app.gql_as(&ann, events, json!({})).await;
    let nodes = body["data"]["authEvents"]["nodes"]
        .as_array()
        .expect("nodes");
    assert_eq!(nodes[0]["kind"], "ROLE_CHANGED", "{body}");
    assert_eq!(nodes[0]["fromValue"], "USER");
    assert_eq!(nodes[0]["toValue"], "EMPLOYEE");
    assert_eq!(nodes[0]["actor"]["username"], "head");
    assert_eq!(nodes[1]["kind"], "SIGN_IN");

    let body = app.gql_as(&head, events, json!({ "user": ann.id })).await;
    assert_eq!(first_error_code(&body), "FORBIDDEN");
    let admin = app.user("admin", Role::Admin).await;
    let body = app.gql_as(&admin, events, json!({ "user": ann.id })).await;
    assert_eq!(body["data"]["authEvents"]["totalCount"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cursor_made_under_another_order_is_refused() {
    let app = TestApp::new().await;
    let manager = app.user("manager", Role::Manager).await;
    for name in ["amy", "ben", "cat"] {
        app.create_account(name, Role::Employee, AccountStatus::Active)
            .await;
    }
    let list = "query ($after: String, $order: UsersOrder) {
        users(first: 1, after: $after, orderBy: $order) { nodes { username } pageInfo { endCursor } }
    }";
    let by_name = app
        .gql_as(&manager, list, json!({ "order": "USERNAME" }))
        .await;
    let cursor = by_name["data"]["users"]["pageInfo"]["endCursor"].clone();
    assert!(cursor.is_string(), "{by_name}");

    // The same order takes it; a time order would once have read it as 1970.
    let next = app
        .gql_as(
            &manager,
            list,
            json!({ "order": "USERNAME", "after": cursor }),
        )
        .await;
    assert_eq!(
        next["data"]["users"]["nodes"][0]["username"], "ben",
        "{next}"
    );
    for order in ["NEWEST", "OLDEST", "NAME"] {
        let body = app
            .gql_as(&manager, list, json!({ "order": order, "after": cursor }))
            .await;
        assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{order}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "after", "{body}");
    }

    // A cursor of another list is refused as well.
    let events = app
        .gql_as(
            &manager,
            "{ authEvents(first: 1) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
    let foreign = events["data"]["authEvents"]["pageInfo"]["endCursor"].clone();
    assert!(foreign.is_string(), "{events}");
    let body = app
        .gql_as(
            &manager,
            list,
            json!({ "order": "NEWEST", "after": foreign }),
        )
        .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
}

/// The owners' duties and another account's history are refused by their guard, before any
/// argument is looked at: a viewer below the level learns nothing, not even that an id is bad.
#[tokio::test(flavor = "multi_thread")]
async fn guards_run_before_arguments_on_the_owner_and_admin_operations() {
    let app = TestApp::new().await;
    let owner = app.user("owner", Role::Owner).await;
    let admin = app.user("admin", Role::Admin).await;
    let head = app.user("head", Role::HeadManager).await;
    let operations = [
        "{ pendingRoleChanges { id } }",
        r#"mutation { confirmRoleChange(id: "not an id") { id } }"#,
        r#"mutation { rejectRoleChange(id: "not an id") }"#,
    ];
    for operation in operations {
        let anonymous = app.gql(operation, json!({})).await;
        assert_eq!(
            first_error_code(&anonymous),
            "UNAUTHENTICATED",
            "{anonymous}"
        );
        for below_or_above in [&admin, &head] {
            let body = app.gql_as(below_or_above, operation, json!({})).await;
            assert_eq!(first_error_code(&body), "FORBIDDEN", "{operation}: {body}");
            assert_eq!(first_error_reason(&body), "LEVEL_TOO_LOW", "{body}");
        }
    }
    let body = app.gql_as(&owner, operations[1], json!({})).await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
    let body = app.gql_as(&owner, operations[0], json!({})).await;
    assert_eq!(body["data"]["pendingRoleChanges"], json!([]), "{body}");

    let history = "query ($id: ID) { authEvents(userId: $id, first: 5) { nodes { kind } } }";
    let body = app
        .gql_as(&head, history, json!({ "id": "not an id" }))
        .await;
    assert_eq!(first_error_code(&body), "FORBIDDEN", "{body}");
    assert_eq!(first_error_reason(&body), "LEVEL_TOO_LOW", "{body}");
    let own = app.gql_as(&head, history, json!({ "id": head.id })).await;
    assert_eq!(
        own["data"]["authEvents"]["nodes"][0]["kind"], "SIGN_IN",
        "{own}"
    );
    let body = app
        .gql_as(&admin, history, json!({ "id": "not an id" }))
        .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
    let body = app.gql_as(&admin, history, json!({ "id": head.id })).await;
    assert_eq!(
        body["data"]["authEvents"]["nodes"][0]["kind"], "SIGN_IN",
        "{body}"
    );
}

/// A stolen session cannot be used to guess the password through `deleteAccount`: wrong ones
/// count as failed sign-ins, as for `changePassword`.
#[tokio::test(flavor = "multi_thread")]
async fn wrong_passwords_to_delete_an_account_count_as_failed_sign_ins() {
    let app = TestApp::new().await;
    let ann = app.user("ann", Role::User).await;
    let delete_own = "mutation ($p: String!) { deleteAccount(password: $p) }";
    for guess in 0..10 {
        let body = app
            .gql_as(
                &ann,
                delete_own,
                json!({ "p": format!("guess number {guess}") }),
            )
            .await;
        assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
    }
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM login_failures WHERE user_id = {}",
            ann.id
        ))
        .await,
        10
    );
    // Locked: even the right password is refused now, and so is signing in.
    let body = app.gql_as(&ann, delete_own, json!({ "p": PASSWORD })).await;
    assert_eq!(first_error_code(&body), "RATE_LIMITED", "{body}");
    assert!(body["errors"][0]["extensions"]["retryAfter"].as_u64() > Some(0));
    let login = app
        .gql(
            "mutation ($i: LoginInput!) { login(input: $i) { accessToken } }",
            json!({ "i": { "login": "ann", "password": PASSWORD } }),
        )
        .await;
    assert_eq!(first_error_code(&login), "RATE_LIMITED", "{login}");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM users WHERE id = {} AND deleted_at IS NULL",
            ann.id
        ))
        .await,
        1
    );
}
