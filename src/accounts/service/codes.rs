//! Secrets mailed to an account's address: links (a random token) and six-digit password reset
//! codes. Only a keyed hash of each is stored, under a key derived from the server secret; the
//! mail itself holds the secret until it is sent (see [`crate::mail`]).
//!
//! **Reset codes.** Six digits from a CSPRNG, usable once, void after [`RESET_CODE_TRIES`] wrong
//! tries. Only the newest code of an account counts: a request replaces the code before it. The
//! stored HMAC covers the purpose, the account id and the code, since six-digit codes repeat
//! across accounts.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use diesel_async::AsyncPgConnection;
use rand::{Rng, RngCore};

use crate::accounts::model::{EmailToken, TokenPurpose};
use crate::accounts::queries;
use crate::app::App;
use crate::auth::identity::UserId;
use crate::error::{AppError, AppResult};

/// Wrong tries after which a reset code is void.
pub const RESET_CODE_TRIES: i32 = 5;

/// A random URL-safe token of 256 bits.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored of a mailed token: an HMAC under a key derived from the server secret.
pub fn mailed_hash(app: &App, purpose: TokenPurpose, token: &str) -> Vec<u8> {
    app.keys
        .code_mac(format!("{}:{token}", purpose.as_str()).as_bytes())
        .to_vec()
}

/// A mailed link's token as found, refused with a reason the client can act on when it is
/// unknown, used or expired.
pub fn usable_token(field: &str, found: Option<EmailToken>) -> AppResult<EmailToken> {
    let refuse = |reason: &'static str, message: &str| AppError::BadInput {
        field: Some(field.to_owned()),
        message: message.to_owned(),
        reason: Some(reason),
    };
    let token = found.ok_or_else(|| refuse("CODE_INVALID", "this link is not valid"))?;
    if token.used_at.is_some() {
        return Err(refuse("CODE_USED", "this link was already used"));
    }
    if token.expires_at <= Utc::now() {
        return Err(refuse("CODE_EXPIRED", "this link has expired"));
    }
    Ok(token)
}

/// A fresh six-digit code, stored for `user`; answers the code.
pub async fn insert_reset_code(
    app: &App,
    conn: &mut AsyncPgConnection,
    user: UserId,
    expires_at: chrono::DateTime<Utc>,
) -> AppResult<String> {
    // The account's own earlier codes are the only ones its MACs can collide with (stored
    // hashes are unique): draw again in that one-in-a-million case.
    for _ in 0..5 {
        let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
        let hash = reset_code_hash(app, user, &code);
        if queries::insert_email_token_unless_taken(
            conn,
            user,
            TokenPurpose::ResetPassword,
            &hash,
            expires_at,
        )
        .await?
        {
            return Ok(code);
        }
    }
    Err(AppError::internal(
        "no free password reset code after 5 draws",
    ))
}

/// What is stored of a reset code: an HMAC over the purpose, the account and the code.
pub fn reset_code_hash(app: &App, user: UserId, code: &str) -> Vec<u8> {
    let purpose = TokenPurpose::ResetPassword.as_str();
    app.keys
        .code_mac(format!("{purpose}:{user}:{code}").as_bytes())
        .to_vec()
}

/// Names an address in the security history without keeping it: a keyed hash.
pub fn address_tag(app: &App, email: &str) -> String {
    let mac = app
        .keys
        .code_mac(format!("password-reset-address:{}", email.to_lowercase()).as_bytes());
    mac[..12].iter().map(|b| format!("{b:02x}")).collect()
}

/// What a reset code turned out to be.
pub enum Verdict {
    Right(EmailToken),
    /// Not the code: one more wrong try on this token.
    Wrong(i64),
    Refused(&'static str),
}

impl Verdict {
    /// Judges a code against the account's newest one. The code is compared first, so that
    /// only someone holding it learns that it was used or has expired; a void code is refused
    /// as if it never existed, whatever is tried.
    pub fn of(found: Option<EmailToken>, expected: &[u8]) -> Self {
        let Some(token) = found else {
            return Self::Refused("CODE_INVALID");
        };
        if token.failed_attempts >= RESET_CODE_TRIES {
            return Self::Refused("CODE_INVALID");
        }
        if !same_bytes(&token.token_hash, expected) {
            return Self::Wrong(token.id);
        }
        if token.used_at.is_some() {
            return Self::Refused("CODE_USED");
        }
        if token.expires_at <= Utc::now() {
            return Self::Refused("CODE_EXPIRED");
        }
        Self::Right(token)
    }

    /// The right code's token, or the refusal the client gets.
    pub fn accept(self) -> AppResult<EmailToken> {
        match self {
            Self::Right(token) => Ok(token),
            Self::Wrong(_) => Err(code_refused("CODE_INVALID")),
            Self::Refused(reason) => Err(code_refused(reason)),
        }
    }
}

/// Compares two MACs in time that does not depend on where they differ.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A refused reset code: BAD_USER_INPUT on `code` with the reason.
pub fn code_refused(reason: &'static str) -> AppError {
    let message = match reason {
        "CODE_USED" => "this code was already used",
        "CODE_EXPIRED" => "this code has expired; ask for a new one",
        _ => "this code is not valid",
    };
    AppError::BadInput {
        field: Some("code".to_owned()),
        message: message.to_owned(),
        reason: Some(reason),
    }
}
