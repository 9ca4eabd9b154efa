//! Every migration can be reverted and applied again.

use diesel::migration::MigrationSource;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rollcall::db::migrations::{self, MIGRATIONS};

use crate::common::empty_database;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

async fn user_tables(url: &str) -> i64 {
    let mut conn = AsyncPgConnection::establish(url).await.expect("connect");
    diesel::sql_query(
        "SELECT count(*) AS count FROM pg_tables WHERE schemaname = $1 AND tablename <> '__diesel_schema_migrations'",
    )
    .bind::<Text, _>("public")
    .get_result::<Count>(&mut conn)
    .await
    .expect("count tables")
    .count
}

#[tokio::test(flavor = "multi_thread")]
async fn every_migration_reverts_and_reapplies() {
    let url = empty_database().await;
    let all = MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS)
        .expect("embedded migrations")
        .len();
    assert!(all > 0);

    let applied = migrations::run_pending(&url).await.expect("migrate");
    assert_eq!(applied.len(), all);
    let tables = user_tables(&url).await;
    assert!(tables > 0, "the migrations made no table");
    assert!(
        migrations::run_pending(&url)
            .await
            .expect("again")
            .is_empty()
    );

    let reverted = migrations::revert_all(&url).await.expect("revert");
    assert_eq!(reverted.len(), all);
    assert_eq!(user_tables(&url).await, 0, "down.sql left tables behind");

    let reapplied = migrations::run_pending(&url).await.expect("re-apply");
    assert_eq!(reapplied, applied);
    assert_eq!(user_tables(&url).await, tables);
}

#[tokio::test(flavor = "multi_thread")]
async fn instances_migrating_together_apply_each_migration_once() {
    let url = empty_database().await;
    // Separate tasks: the migration harness blocks its thread while it works.
    let first = tokio::spawn({
        let url = url.clone();
        async move { migrations::run_pending(&url).await }
    });
    let second = tokio::spawn(async move { migrations::run_pending(&url).await });
    let a = first.await.expect("join").expect("first");
    let b = second.await.expect("join").expect("second");
    assert!(
        a.is_empty() != b.is_empty(),
        "exactly one instance applies the migrations: {a:?} / {b:?}"
    );
}

/// The workforce migration puts the staff that exist when it runs (employees, managers, head
/// managers) in a company "Default" in UTC, and nobody else.
#[tokio::test(flavor = "multi_thread")]
async fn existing_staff_join_a_default_company() {
    use diesel_async::AsyncMigrationHarness;
    use diesel_migrations::MigrationHarness;

    let url = empty_database().await;
    migrations::run_pending(&url).await.expect("migrate");
    // Back to the database as it was before the workforce migration.
    let conn = AsyncPgConnection::establish(&url).await.expect("connect");
    let mut harness = AsyncMigrationHarness::new(conn);
    while harness
        .revert_last_migration(MIGRATIONS)
        .expect("revert")
        .to_string()
        != "20261201000000"
    {}
    let mut conn = harness.into_inner();
    diesel::sql_query(
        "INSERT INTO users (email, username, name, role, status) VALUES \
         ('e@x.org', 'emp', 'Emp', 'EMPLOYEE', 'ACTIVE'), \
         ('m@x.org', 'mgr', 'Mgr', 'MANAGER', 'INACTIVE'), \
         ('h@x.org', 'head', 'Head', 'HEAD_MANAGER', 'ACTIVE'), \
         ('u@x.org', 'usr', 'Usr', 'USER', 'ACTIVE'), \
         ('o@x.org', 'own', 'Own', 'OWNER', 'ACTIVE')",
    )
    .execute(&mut conn)
    .await
    .expect("staff");
    diesel::sql_query(
        "INSERT INTO users (name, role, status, deleted_at) VALUES ('', 'EMPLOYEE', 'ACTIVE', now())",
    )
    .execute(&mut conn)
    .await
    .expect("a deleted employee");

    migrations::run_pending(&url)
        .await
        .expect("the workforce migration");

    #[derive(QueryableByName)]
    struct Member {
        #[diesel(sql_type = Text)]
        username: String,
    }
    let members: Vec<Member> = diesel::sql_query(
        "SELECT u.username FROM company_members m JOIN users u ON u.id = m.user_id \
         JOIN companies c ON c.id = m.company_id \
         WHERE c.name = 'Default' AND c.time_zone = 'UTC' ORDER BY u.username",
    )
    .load(&mut conn)
    .await
    .expect("members");
    let names: Vec<&str> = members.iter().map(|m| m.username.as_str()).collect();
    assert_eq!(names, ["emp", "head", "mgr"]);
}

/// Without staff, no company is made.
#[tokio::test(flavor = "multi_thread")]
async fn a_fresh_database_has_no_company() {
    let url = empty_database().await;
    migrations::run_pending(&url).await.expect("migrate");
    let mut conn = AsyncPgConnection::establish(&url).await.expect("connect");
    let companies = diesel::sql_query("SELECT count(*) AS count FROM companies")
        .get_result::<Count>(&mut conn)
        .await
        .expect("count");
    assert_eq!(companies.count, 0);
}
