//! The server's signing secret.
//!
//! Production takes it from `ROLLCALL_JWT_SECRET` (or its file). In dev one is generated the
//! first time any instance starts and kept in `server_secrets`, so that every instance on the
//! database signs and verifies with the same key and tokens survive restarts.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rand::RngCore;

use crate::config::{Config, MIN_SECRET_BYTES};
use crate::db::schema::server_secrets;
use crate::secret::Secret;

const JWT_SECRET_NAME: &str = "jwt";

/// The keys this server signs with.
#[derive(Debug, Clone)]
pub struct Keys {
    jwt: Secret<Vec<u8>>,
}

impl Keys {
    /// The configured secret, or in dev the one shared through the database.
    pub async fn load(config: &Config, conn: &mut AsyncPgConnection) -> QueryResult<Self> {
        let jwt = match &config.jwt_secret {
            Some(secret) => secret.clone(),
            None => Secret::new(shared_secret(conn, JWT_SECRET_NAME).await?),
        };
        Ok(Self { jwt })
    }

    /// The secret that signs access tokens.
    pub fn jwt_secret(&self) -> &[u8] {
        self.jwt.expose()
    }
}

/// Reads the secret `name`, generating it first if no instance has yet. Two instances starting
/// together both try to insert; the primary key keeps the first, and both read that one.
async fn shared_secret(conn: &mut AsyncPgConnection, name: &str) -> QueryResult<Vec<u8>> {
    let mut fresh = vec![0u8; MIN_SECRET_BYTES * 2];
    rand::rng().fill_bytes(&mut fresh);
    diesel::insert_into(server_secrets::table)
        .values((
            server_secrets::name.eq(name),
            server_secrets::value.eq(&fresh),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    server_secrets::table
        .find(name)
        .select(server_secrets::value)
        .get_result(conn)
        .await
}
