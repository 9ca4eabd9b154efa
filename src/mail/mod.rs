//! Mail: written to the outbox in the same transaction as the action that sends it, and
//! delivered by a background worker, so nothing is lost across restarts and a failed SMTP server
//! never fails the action.
//!
//! A body holds `{{secret}}` where a token or code goes; the secret is stored beside it and
//! erased once the mail is sent, so sent mail in the database holds no usable secret.
//!
//! [`worker`] delivers the outbox over SMTP.

pub mod queries;
pub mod worker;

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::outbox_mails;
use crate::events::{self, Channel};

/// Where the secret goes in a mail body.
pub const SECRET_PLACEHOLDER: &str = "{{secret}}";

/// A mail to queue.
#[derive(Debug, Clone, Copy)]
pub struct NewMail<'a> {
    pub recipient: &'a str,
    pub subject: &'a str,
    /// The text, with [`SECRET_PLACEHOLDER`] where `secret` goes.
    pub body: &'a str,
    pub secret: Option<&'a str>,
}

/// Queues `mail` on `conn`; call it inside the transaction of the action it belongs to.
pub async fn enqueue(conn: &mut AsyncPgConnection, mail: NewMail<'_>) -> QueryResult<()> {
    diesel::insert_into(outbox_mails::table)
        .values((
            outbox_mails::recipient.eq(mail.recipient),
            outbox_mails::subject.eq(mail.subject),
            outbox_mails::body.eq(mail.body),
            outbox_mails::secret.eq(mail.secret),
        ))
        .execute(conn)
        .await?;
    // PostgreSQL delivers a notification when the transaction commits, and never if it rolls
    // back, so a worker wakes for exactly the mail that exists. Polling covers a lost one.
    events::notify(conn, Channel::Mail, "").await
}

/// The body as sent: `body` with `secret` in place of [`SECRET_PLACEHOLDER`].
pub fn render(body: &str, secret: Option<&str>) -> String {
    match secret {
        Some(secret) => body.replace(SECRET_PLACEHOLDER, secret),
        None => body.to_owned(),
    }
}
