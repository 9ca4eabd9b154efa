//! Passwords: rules, hashing and verification.
//!
//! Hashes are argon2id with m = 19456 KiB, t = 2, p = 1 (OWASP's recommendation). Hashing is slow
//! on purpose, so it runs off the async runtime, at most one per core at a time; past a bounded
//! queue, callers get RATE_LIMITED at once instead of every request stalling behind a login
//! storm. Hashes made with weaker parameters are re-hashed at the next successful login.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{AppError, AppResult};
use crate::offload::Offload;

/// Shortest accepted password, in characters.
pub const MIN_LENGTH: usize = 8;
/// Longest accepted password, in characters (hashing cost grows with length).
pub const MAX_LENGTH: usize = 128;
/// Hashing jobs that may wait for a core before new ones are refused.
const QUEUE_LIMIT: usize = 64;

/// The 10,000 most common passwords, lower-cased (`assets/common-passwords.txt`).
static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../assets/common-passwords.txt")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .collect()
});

/// Checks a new password against the rules; `field` names the argument in the error.
pub fn check_new(field: &str, password: &str) -> AppResult<()> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(AppError::bad_input(
            field,
            format!("the password must have at least {MIN_LENGTH} characters"),
        ));
    }
    if length > MAX_LENGTH {
        return Err(AppError::bad_input(
            field,
            format!("the password must have at most {MAX_LENGTH} characters"),
        ));
    }
    if COMMON.contains(password.to_lowercase().as_str()) {
        return Err(AppError::bad_input(
            field,
            "this password is among the most common ones; choose another",
        ));
    }
    Ok(())
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verified {
    /// Wrong password (or no usable hash).
    No,
    /// Right password; `rehash` holds a new hash when the stored one is below the current
    /// parameters.
    Yes { rehash: Option<String> },
}

/// Hashes and verifies passwords on blocking threads, a bounded number at a time.
#[derive(Debug, Clone)]
pub struct Hasher {
    cores: Offload,
    /// A real hash of a random password: unknown accounts are verified against it, so that
    /// they take as long to refuse as known ones.
    decoy: Arc<String>,
}

impl Hasher {
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let decoy = hash_now(&uuid::Uuid::new_v4().to_string()).unwrap_or_default();
        Self {
            cores: Offload::new(cores, QUEUE_LIMIT),
            decoy: Arc::new(decoy),
        }
    }

    /// Hashes `password`.
    pub async fn hash(&self, password: String) -> AppResult<String> {
        self.cores.run(move || hash_now(&password)).await?
    }

    /// Checks `password` against `stored` (the decoy when there is no account or hash).
    pub async fn verify(&self, password: String, stored: Option<String>) -> AppResult<Verified> {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.decoy.as_ref().clone());
        let verified = self
            .cores
            .run(move || verify_now(&password, &stored))
            .await??;
        Ok(if known { verified } else { Verified::No })
    }
}

impl Default for Hasher {
    fn default() -> Self {
        Self::new()
    }
}

fn argon2() -> Argon2<'static> {
    // The parameters are constants within argon2's bounds.
    let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_now(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| AppError::internal(err.to_string()))
}

fn verify_now(password: &str, stored: &str) -> AppResult<Verified> {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Ok(Verified::No);
    };
    if argon2()
        .verify_password(password.as_bytes(), &parsed)
        .is_err()
    {
        return Ok(Verified::No);
    }
    let current = argon2();
    let weaker = parsed.algorithm != argon2::ARGON2ID_IDENT
        || Params::try_from(&parsed).map_or(true, |params| {
            params.m_cost() < current.params().m_cost()
                || params.t_cost() < current.params().t_cost()
                || params.p_cost() < current.params().p_cost()
        });
    let rehash = if weaker {
        Some(hash_now(password)?)
    } else {
        None
    };
    Ok(Verified::Yes { rehash })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(check_new("password", "short").is_err());
        assert!(check_new("password", &"x".repeat(129)).is_err());
        assert!(
            check_new("password", "PassWord").is_err(),
            "common, whatever the case"
        );
        assert!(check_new("password", "qwertyuiop").is_err());
        assert!(check_new("password", "correct horse battery staple").is_ok());
    }

    #[test]
    fn the_common_list_has_ten_thousand_entries() {
        assert_eq!(COMMON.len(), 10_000);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn beyond_the_queue_hashing_is_refused_at_once() {
        let hasher = Hasher::new();
        let jobs: Vec<_> = (0..QUEUE_LIMIT + 40)
            .map(|_| {
                let hasher = hasher.clone();
                tokio::spawn(async move { hasher.hash("pass phrase 2".into()).await })
            })
            .collect();
        let mut refused = 0;
        let mut hashed = 0;
        for job in jobs {
            match job.await.expect("join") {
                Ok(_) => hashed += 1,
                Err(AppError::RateLimited { retry_after }) => {
                    assert_eq!(retry_after, 1);
                    refused += 1;
                }
                Err(other) => panic!("{other:?}"),
            }
        }
        assert!(refused > 0, "a full queue must refuse");
        assert!(
            hashed >= QUEUE_LIMIT,
            "the queue itself is served: {hashed}"
        );
    }

    #[test]
    fn weaker_hashes_are_rehashed() {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8_192, 1, 1, None).expect("params"),
        )
        .hash_password(b"pass phrase 1", &SaltString::generate(&mut OsRng))
        .expect("hash")
        .to_string();
        match verify_now("pass phrase 1", &weak).expect("verify") {
            Verified::Yes { rehash: Some(new) } => assert!(new.contains("m=19456,t=2,p=1")),
            other => panic!("{other:?}"),
        }
        let strong = hash_now("pass phrase 1").expect("hash");
        assert_eq!(
            verify_now("pass phrase 1", &strong).expect("verify"),
            Verified::Yes { rehash: None }
        );
        assert_eq!(verify_now("wrong", &strong).expect("verify"), Verified::No);
    }
}
