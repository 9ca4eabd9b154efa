//! Schema migrations, embedded in the binary from `migrations/`.
//!
//! They run at every `serve` start and with `rollcall migrate`, under a PostgreSQL advisory lock,
//! so that instances starting together apply each migration once and wait for one another.

use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, AsyncMigrationHarness, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

/// Every migration of the project.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// The advisory lock key that serialises migrations ("rollcall" in ASCII).
const MIGRATION_LOCK: i64 = 0x726f_6c6c_6361_6c6c;

/// Applies the pending migrations to the database at `url`; answers the versions it applied.
///
/// Needs the multi-threaded Tokio runtime: diesel's migration harness is synchronous and runs
/// under `block_in_place`.
pub async fn run_pending(url: &str) -> anyhow::Result<Vec<String>> {
    with_lock(url, |harness| {
        Ok(harness
            .run_pending_migrations(MIGRATIONS)
            .map_err(|err| anyhow::anyhow!("migration failed: {err}"))?
            .iter()
            .map(ToString::to_string)
            .collect())
    })
    .await
}

/// Reverts every migration (the test suite checks that each `down.sql` works).
pub async fn revert_all(url: &str) -> anyhow::Result<Vec<String>> {
    with_lock(url, |harness| {
        Ok(harness
            .revert_all_migrations(MIGRATIONS)
            .map_err(|err| anyhow::anyhow!("migration revert failed: {err}"))?
            .iter()
            .map(ToString::to_string)
            .collect())
    })
    .await
}

async fn with_lock<T>(
    url: &str,
    work: impl FnOnce(&mut AsyncMigrationHarness<AsyncPgConnection>) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let mut conn = AsyncPgConnection::establish(url).await?;
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK)
        .execute(&mut conn)
        .await?;
    let mut harness = AsyncMigrationHarness::new(conn);
    let result = work(&mut harness);
    let mut conn = harness.into_inner();
    diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK)
        .execute(&mut conn)
        .await?;
    result
}
