//! `rollcall seed-demo`: fills an empty database with a realistic studio, so that GraphiQL
//! shows something real at once. It names several areas' tables, like [`crate::schema`], and
//! refuses a database that has companies already.

use diesel::QueryableByName;
use diesel::sql_types::{Bool, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use rand::Rng;

use crate::auth::passwords::Hasher;

/// The demo's accounts: username, display name and role (all ACTIVE, one password).
pub const ACCOUNTS: &[(&str, &str, &str)] = &[
    ("olivia", "Olivia Park", "OWNER"),
    ("hannah", "Hannah Wolf", "HEAD_MANAGER"),
    ("max", "Max Brandt", "MANAGER"),
    ("cora", "Cora Lind", "EMPLOYEE"),
    ("paul", "Paul Weber", "EMPLOYEE"),
    ("lena", "Lena Hoffmann", "EMPLOYEE"),
    ("ann", "Ann Becker", "USER"),
    ("ben", "Ben Schulz", "USER"),
];

/// What the seed made: the accounts' shared password.
#[derive(Debug)]
pub struct Seeded {
    pub password: String,
}

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = Bool)]
    found: bool,
}

/// A password for the demo accounts: 16 letters and digits, new each time.
fn new_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// Seeds the demo studio in one transaction; refuses a database with companies.
pub async fn seed_demo(conn: &mut AsyncPgConnection, hasher: &Hasher) -> anyhow::Result<Seeded> {
    let password = new_password();
    let hash = hasher
        .hash(password.clone())
        .await
        .map_err(|err| anyhow::anyhow!("cannot hash the demo password: {err}"))?;
    conn.transaction(async |conn| {
        let existing: Exists = diesel::sql_query(
            "SELECT EXISTS (SELECT 1 FROM companies) OR EXISTS \
             (SELECT 1 FROM users WHERE username = ANY($1)) AS found",
        )
        .bind::<diesel::sql_types::Array<Text>, _>(
            ACCOUNTS.iter().map(|(username, ..)| *username).collect::<Vec<_>>(),
        )
        .get_result(conn)
        .await?;
        if existing.found {
            anyhow::bail!(
                "the database has companies or demo accounts already: seed-demo fills an empty \
                 one (start with a fresh ROLLCALL_DATA_DIR or DATABASE_URL)"
            );
        }
        for (username, name, role) in ACCOUNTS {
            diesel::sql_query(
                "INSERT INTO users (email, username, name, password_hash, role, status, confirmed_at) \
                 VALUES ($1 || '@studio-linden.example', $1, $2, $3, $4, 'ACTIVE', now())",
            )
            .bind::<Text, _>(*username)
            .bind::<Text, _>(*name)
            .bind::<Text, _>(&hash)
            .bind::<Text, _>(*role)
            .execute(conn)
            .await?;
        }
        conn.batch_execute(include_str!("seed.sql")).await?;
        Ok(())
    })
    .await?;
    Ok(Seeded { password })
}
