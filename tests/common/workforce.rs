//! Workforce fixtures: companies, members, employees, sessions and kiosks made straight in the
//! database (as accounts are), the operations the workforce tests share, and times written as
//! the API writes them.

use chrono::{DateTime, Duration, SecondsFormat, SubsecRound, Utc};
use serde_json::Value;

use super::TestApp;

pub const CLOCK_IN: &str = "mutation ($input: ClockInInput) {
    clockIn(input: $input) { id start end open source note employee { id } createdBy { id } }
}";
pub const CLOCK_OUT: &str = "mutation ($input: ClockOutInput) {
    clockOut(input: $input) { id start end open source employee { id } }
}";
pub const CREATE_SESSION: &str = "mutation ($input: CreateWorkSessionInput!) {
    createWorkSession(input: $input) { id start end open source note employee { id } createdBy { id } }
}";
pub const UPDATE_SESSION: &str =
    "mutation ($id: ID!, $input: UpdateWorkSessionInput!, $reason: String!) {
    updateWorkSession(id: $id, input: $input, reason: $reason) { id start end open source note }
}";
pub const DELETE_SESSION: &str =
    "mutation ($id: ID!, $reason: String!) { deleteWorkSession(id: $id, reason: $reason) }";
pub const CREATE_EMPLOYEE: &str = "mutation ($input: CreateEmployeeInput!) {
    createEmployee(input: $input) { id name email annualHours active fingerprint company { id } user { id } }
}";
pub const UPDATE_EMPLOYEE: &str = "mutation ($id: ID!, $input: UpdateEmployeeInput!) {
    updateEmployee(id: $id, input: $input) { id name email annualHours active fingerprint user { id } }
}";
pub const SET_PIN: &str =
    "mutation ($id: ID!, $pin: String) { setEmployeePin(employeeId: $id, pin: $pin) }";
pub const REGISTER_KIOSK: &str = "mutation ($company: ID!, $name: String!) {
    registerKiosk(companyId: $company, name: $name) { token kiosk { id name lastUsedAt } }
}";

/// A time as the API writes it: RFC 3339 in UTC with microseconds.
pub fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Now, to the second (so that times made from it read back exactly).
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

/// `hours` hours before now, to the second.
pub fn hours_ago(hours: i64) -> DateTime<Utc> {
    now() - Duration::hours(hours)
}

/// The `extensions.field` of the first error.
pub fn first_error_field(body: &Value) -> &str {
    body["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or_else(|| panic!("no error field in {body}"))
}

/// The ids of a list (a connection's `nodes`, or a plain list), in order.
pub fn ids(list: &Value) -> Vec<String> {
    let items = list
        .get("nodes")
        .unwrap_or(list)
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"));
    items
        .iter()
        .map(|item| item["id"].as_str().expect("an id").to_owned())
        .collect()
}

impl TestApp {
    /// The id of the company named `name`.
    pub async fn company_named(&self, name: &str) -> String {
        self.id(&format!(
            "SELECT id AS n FROM companies WHERE name = '{name}'"
        ))
        .await
    }

    /// The id a query answers as `n` (`SELECT id AS n ...`, `INSERT ... RETURNING id AS n`).
    pub async fn id(&self, query: &str) -> String {
        self.count(query).await.to_string()
    }

    /// The texts a query answers as `t`, in its order.
    pub async fn texts(&self, query: &str) -> Vec<String> {
        use diesel::QueryableByName;
        use diesel::sql_types::Text;
        use diesel_async::RunQueryDsl;
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = Text)]
            t: String,
        }
        let mut conn = self.app.pool.get().await.expect("connection");
        diesel::sql_query(query)
            .load::<Row>(&mut conn)
            .await
            .expect("texts")
            .into_iter()
            .map(|row| row.t)
            .collect()
    }

    /// Creates a company straight in the database; answers its id.
    pub async fn company(&self, name: &str, time_zone: &str) -> String {
        self.id(&format!(
            "INSERT INTO companies (name, time_zone) VALUES ('{name}', '{time_zone}') RETURNING id AS n"
        ))
        .await
    }

    /// Makes account `user` a member of `company`.
    pub async fn join(&self, company: &str, user: &str) {
        self.sql(&format!(
            "INSERT INTO company_members (company_id, user_id) VALUES ({company}, {user})"
        ))
        .await;
    }

    /// Creates an employee of `company` (1,000 annual hours), the record of account `user` if
    /// given (a member); answers its id.
    pub async fn employee(&self, company: &str, name: &str, user: Option<&str>) -> String {
        let user = user.unwrap_or("NULL");
        self.id(&format!(
            "INSERT INTO employees (company_id, name, annual_hours, user_id) \
             VALUES ({company}, '{name}', 1000, {user}) RETURNING id AS n"
        ))
        .await
    }

    /// Records a session of `employee` straight in the database (a clock, as of old); answers
    /// its id.
    pub async fn session(
        &self,
        employee: &str,
        start: DateTime<Utc>,
        end: Option<DateTime<Utc>>,
    ) -> String {
        let end = end.map_or("NULL".to_owned(), |end| format!("'{}'", iso(end)));
        self.id(&format!(
            "INSERT INTO work_sessions (employee_id, started_at, ended_at, source) \
             VALUES ({employee}, '{}', {end}, 'CLOCK') RETURNING id AS n",
            iso(start)
        ))
        .await
    }
}

/// The longest wait for something the server owes; only reached when a test fails.
pub const PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);

/// One subscription run by a real graphql-ws client (`tests/audit/subscribe.mjs` on Node.js),
/// each of whose messages is read as it arrives.
pub struct NodeSubscription {
    _child: tokio::process::Child,
    lines: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
}

impl NodeSubscription {
    /// Connects to the server at `addr` with `token`, and subscribes.
    pub async fn start(
        addr: std::net::SocketAddr,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Self {
        use tokio::io::AsyncBufReadExt;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/audit");
        crate::audit::ensure_node_modules(&dir).await;
        let mut child = tokio::process::Command::new("node")
            .arg("subscribe.mjs")
            .arg(format!("ws://{addr}/graphql/ws"))
            .arg(token.unwrap_or_default())
            .arg(query)
            .arg(variables.to_string())
            .current_dir(&dir)
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("node is needed for the live tests");
        let stdout = child.stdout.take().expect("the client's output");
        Self {
            _child: child,
            lines: tokio::io::BufReader::new(stdout).lines(),
        }
    }

    /// What the client reports next, if it reports anything within `within`.
    pub async fn next_within(&mut self, within: std::time::Duration) -> Option<Value> {
        // `next_line` is cancellation safe: a line cut off by the timeout is read next time.
        let line = tokio::time::timeout(within, self.lines.next_line())
            .await
            .ok()?
            .expect("reading the client's output")
            .expect("the client ended without a word");
        Some(serde_json::from_str(&line).unwrap_or_else(|_| panic!("not JSON: {line}")))
    }

    /// What the client reports next.
    pub async fn next(&mut self) -> Value {
        self.next_within(PATIENCE)
            .await
            .expect("the client reported nothing")
    }

    /// Waits for `connection_ack`.
    pub async fn connected(&mut self) {
        let line = self.next().await;
        assert_eq!(line, serde_json::json!({ "connected": true }));
    }

    /// Makes sure the subscription is live before the test goes on (the protocol does not say
    /// when it is): runs `trigger`, which makes an event the subscriber sees, again until an
    /// event arrives. Answers what arrived.
    pub async fn prime(&mut self, mut trigger: impl AsyncFnMut()) -> Value {
        for _ in 0..50 {
            trigger().await;
            if let Some(line) = self
                .next_within(std::time::Duration::from_millis(200))
                .await
            {
                return line;
            }
        }
        panic!("the subscription never delivered an event");
    }

    /// The next message that is not a `next` of `skip` kind (late events of [`Self::prime`]).
    pub async fn next_but(&mut self, skip: &str) -> Value {
        loop {
            let line = self.next().await;
            if line["next"]["data"]["clockEvents"]["kind"] != skip {
                return line;
            }
        }
    }
}
