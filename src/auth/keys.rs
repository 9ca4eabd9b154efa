//! The server's keys.
//!
//! Production takes the signing secret from `ROLLCALL_JWT_SECRET` (or its file). In dev one is
//! generated the first time any instance starts and kept in `server_secrets`, so that every
//! instance on the database signs and verifies with the same key and tokens survive restarts.
//!
//! The secret signs access tokens and nothing else: keys for other purposes (deriving refresh
//! tokens, HMACs of mailed codes) are derived from it with HMAC-SHA256 and a purpose label, so
//! none of them reveals the signing key.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use hmac::{Hmac, Mac};
use jsonwebtoken::{DecodingKey, EncodingKey};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::config::{Config, MIN_SECRET_BYTES};
use crate::db::schema::server_secrets;
use crate::secret::Secret;

const JWT_SECRET_NAME: &str = "jwt";
const DATA_KEY_NAME: &str = "data";

/// A signing key and the id (`kid`) tokens carry to name it, prepared once for signing and
/// verifying (both redact the secret in `Debug`).
#[derive(Debug, Clone)]
pub struct SigningKey {
    pub kid: String,
    pub encoding: EncodingKey,
    pub decoding: DecodingKey,
}

impl SigningKey {
    fn new(secret: Secret<Vec<u8>>) -> Self {
        // The kid names the key without revealing it: a prefix of its SHA-256.
        let digest = Sha256::digest(secret.expose());
        let kid = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        Self {
            kid,
            encoding: EncodingKey::from_secret(secret.expose()),
            decoding: DecodingKey::from_secret(secret.expose()),
        }
    }
}

/// The keys this server signs and verifies with.
#[derive(Debug, Clone)]
pub struct Keys {
    /// Signs new access tokens.
    pub current: SigningKey,
    /// Still verifies tokens during a key rotation.
    pub previous: Option<SigningKey>,
    refresh: Secret<[u8; 32]>,
    codes: Secret<[u8; 32]>,
    /// Keys the HMACs of stored personal data (fingerprints, PINs): not derived from the
    /// signing secret, so rotating that leaves them working.
    data: Secret<Vec<u8>>,
}

impl Keys {
    /// The configured secrets, or in dev the ones shared through the database.
    pub async fn load(config: &Config, conn: &mut AsyncPgConnection) -> QueryResult<Self> {
        let jwt = match &config.jwt_secret {
            Some(secret) => secret.clone(),
            None => Secret::new(shared_secret(conn, JWT_SECRET_NAME).await?),
        };
        let data = match &config.data_key {
            Some(key) => key.clone(),
            None => Secret::new(shared_secret(conn, DATA_KEY_NAME).await?),
        };
        Ok(Self::from_secrets(
            jwt,
            config.jwt_previous_secret.clone(),
            data,
        ))
    }

    /// Keys from a signing secret, during a rotation the previous one, and the data key.
    pub fn from_secrets(
        current: Secret<Vec<u8>>,
        previous: Option<Secret<Vec<u8>>>,
        data: Secret<Vec<u8>>,
    ) -> Self {
        let refresh = Secret::new(derive(current.expose(), "refresh-token-successor"));
        let codes = Secret::new(derive(current.expose(), "mailed-codes"));
        Self {
            current: SigningKey::new(current),
            previous: previous.map(SigningKey::new),
            refresh,
            codes,
            data,
        }
    }

    /// The verification key named `kid`.
    pub fn by_kid(&self, kid: &str) -> Option<&SigningKey> {
        std::iter::once(&self.current)
            .chain(self.previous.as_ref())
            .find(|key| key.kid == kid)
    }

    /// HMAC-SHA256 of `message` under the refresh-token key.
    pub fn refresh_mac(&self, message: &[u8]) -> [u8; 32] {
        mac(self.refresh.expose(), message)
    }

    /// HMAC-SHA256 of `message` under the key for mailed tokens and codes.
    pub fn code_mac(&self, message: &[u8]) -> [u8; 32] {
        mac(self.codes.expose(), message)
    }

    /// HMAC-SHA256 of `message` under the data key, labelled with its `purpose`.
    pub fn data_mac(&self, purpose: &str, message: &[u8]) -> [u8; 32] {
        let mut labelled = format!("rollcall/{purpose}:").into_bytes();
        labelled.extend_from_slice(message);
        mac(self.data.expose(), &labelled)
    }
}

fn derive(secret: &[u8], purpose: &str) -> [u8; 32] {
    mac(secret, format!("rollcall/{purpose}").as_bytes())
}

fn mac(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    mac.finalize().into_bytes().into()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_keys_differ_from_the_secret_and_each_other() {
        let keys = Keys::from_secrets(Secret::new(vec![7; 32]), None, Secret::new(vec![8; 32]));
        assert_ne!(
            keys.data_mac("pin", b"x"),
            keys.data_mac("fingerprint", b"x")
        );
        let rotated = Keys::from_secrets(Secret::new(vec![9; 32]), None, Secret::new(vec![8; 32]));
        assert_eq!(keys.data_mac("pin", b"x"), rotated.data_mac("pin", b"x"));
        assert_ne!(keys.refresh_mac(b"x"), keys.code_mac(b"x"));
        assert_ne!(keys.refresh.expose().as_slice(), [7u8; 32].as_slice());
        assert_eq!(keys.current.kid.len(), 16);
        assert!(keys.by_kid(&keys.current.kid).is_some());
        assert!(keys.by_kid("nope").is_none());
    }
}
