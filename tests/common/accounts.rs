//! Accounts for tests: made straight in the database at any role and status, then signed in
//! through the API like any client.

use axum::body::Body;
use axum::http::Request;
use rollcall::accounts::model::NewUser;
use rollcall::accounts::queries;
use rollcall::auth::identity::{AccountStatus, Role};
use serde_json::{Value, json};

use super::{TestApp, TestResponse, json_request};

/// The password every test account has.
pub const PASSWORD: &str = "correct horse battery staple";

/// A signed-in test account.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    pub access: String,
    pub refresh: String,
    pub session: String,
}

pub const LOGIN: &str = "mutation ($input: LoginInput) {
    login(input: $input) {
        accessToken refreshToken accessTokenExpiresAt
        user { id username role status }
        session { id device current }
    }
}";

/// The company every test account belongs to unless its test says otherwise, as the
/// workforce migration put existing staff in one: managers see the accounts of their companies.
pub const DEFAULT_COMPANY: &str = "Default";

impl TestApp {
    /// Creates an account with `role` and `status` directly in the database, a member of the
    /// [`DEFAULT_COMPANY`].
    pub async fn create_account(
        &self,
        username: &str,
        role: Role,
        status: AccountStatus,
    ) -> String {
        self.create_account_in(username, role, status, Some(DEFAULT_COMPANY))
            .await
    }

    /// Creates an account with `role` and `status` directly in the database, a member of
    /// `company` (made if missing, in UTC), or of none.
    pub async fn create_account_in(
        &self,
        username: &str,
        role: Role,
        status: AccountStatus,
        company: Option<&str>,
    ) -> String {
        let hash = self
            .app
            .hasher
            .hash(PASSWORD.to_owned())
            .await
            .expect("hash");
        let mut conn = self.app.pool.get().await.expect("connection");
        let email = format!("{username}@example.com");
        let user = queries::insert_user(
            &mut conn,
            &NewUser {
                email: &email,
                username,
                name: username,
                password_hash: &hash,
                role,
                status,
            },
        )
        .await
        .expect("insert user");
        // Given back first: a test may run on a pool of one connection.
        drop(conn);
        if let Some(company) = company {
            self.sql(&format!(
                "INSERT INTO companies (name, time_zone) VALUES ('{company}', 'UTC') ON CONFLICT DO NOTHING"
            ))
            .await;
            self.sql(&format!(
                "INSERT INTO company_members (company_id, user_id) \
                 SELECT id, {} FROM companies WHERE name = '{company}'",
                user.id
            ))
            .await;
        }
        user.id.to_string()
    }

    /// Creates an ACTIVE account with `role` and signs it in.
    pub async fn user(&self, username: &str, role: Role) -> TestUser {
        self.account(username, role, AccountStatus::Active).await
    }

    /// Creates an account with `role` and `status` and signs it in.
    pub async fn account(&self, username: &str, role: Role, status: AccountStatus) -> TestUser {
        self.create_account(username, role, status).await;
        self.login(username, PASSWORD).await
    }

    /// Signs in through the API; fails the test unless it works.
    /// Signs in a new ACTIVE account of `role`, a member of `company` (by name) or of none.
    pub async fn member(&self, username: &str, role: Role, company: Option<&str>) -> TestUser {
        self.create_account_in(username, role, AccountStatus::Active, company)
            .await;
        self.login(username, PASSWORD).await
    }

    pub async fn login(&self, login: &str, password: &str) -> TestUser {
        let body = self
            .gql(
                LOGIN,
                json!({ "input": { "login": login, "password": password, "device": "test" } }),
            )
            .await;
        let payload = &body["data"]["login"];
        assert!(payload.is_object(), "login failed: {body}");
        TestUser {
            id: payload["user"]["id"].as_str().expect("id").to_owned(),
            access: payload["accessToken"].as_str().expect("token").to_owned(),
            refresh: payload["refreshToken"].as_str().expect("token").to_owned(),
            session: payload["session"]["id"]
                .as_str()
                .expect("session")
                .to_owned(),
        }
    }

    /// Runs an operation with `Authorization: Bearer <token>`.
    pub async fn gql_with_token(&self, token: &str, query: &str, variables: Value) -> Value {
        self.gql_with_header(&format!("Bearer {token}"), query, variables)
            .await
            .json()
    }

    /// Runs an operation as `user`.
    pub async fn gql_as(&self, user: &TestUser, query: &str, variables: Value) -> Value {
        self.gql_with_token(&user.access, query, variables).await
    }

    /// Runs an operation with the given `Authorization` header.
    pub async fn gql_with_header(
        &self,
        authorization: &str,
        query: &str,
        variables: Value,
    ) -> TestResponse {
        let mut request: Request<Body> =
            json_request(&json!({ "query": query, "variables": variables }));
        request.headers_mut().insert(
            "authorization",
            authorization.parse().expect("header value"),
        );
        self.send(request).await
    }

    /// What `query` answers `user`, and the SQL statements it costs: the fewer of two runs,
    /// since a session's `last_seen_at` is written at most once a minute, by whichever request
    /// comes then.
    pub async fn gql_counted(&self, user: &TestUser, query: &str) -> (Value, u64) {
        let mut fewest = u64::MAX;
        let mut answer = Value::Null;
        for _ in 0..2 {
            let before = self.app.statements.get();
            answer = self.gql_as(user, query, serde_json::json!({})).await;
            fewest = fewest.min(self.app.statements.get() - before);
        }
        (answer, fewest)
    }

    /// Runs SQL on the test's database (to move time by backdating rows, or to look).
    pub async fn sql(&self, statement: &str) {
        use diesel_async::SimpleAsyncConnection;
        let mut conn = self.app.pool.get().await.expect("connection");
        conn.batch_execute(statement).await.expect("SQL");
    }

    /// Counts the rows `query` (a `SELECT count(*) AS n ...`) finds.
    pub async fn count(&self, query: &str) -> i64 {
        use diesel::QueryableByName;
        use diesel::sql_types::BigInt;
        use diesel_async::RunQueryDsl;
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let mut conn = self.app.pool.get().await.expect("connection");
        diesel::sql_query(query)
            .get_result::<Count>(&mut conn)
            .await
            .expect("count")
            .n
    }
}

/// The `extensions.reason` of the first error.
pub fn first_error_reason(body: &Value) -> &str {
    body["errors"][0]["extensions"]["reason"]
        .as_str()
        .unwrap_or_else(|| panic!("no error reason in {body}"))
}
