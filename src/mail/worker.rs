//! The outbox worker: delivers queued mail over SMTP, in the background, from every instance of
//! the server at once without sending a mail twice.
//!
//! **Claiming.** A worker claims a few due mails (`sent_at IS NULL AND next_attempt_at <= now()`)
//! in one short transaction: `SELECT ... FOR UPDATE SKIP LOCKED` picks rows no other worker is
//! claiming, and the same transaction pushes their `next_attempt_at` a lease ahead, so once it
//! commits the rows are no longer due for anyone else. The mail is then sent with no database
//! connection held, and the outcome is recorded in a statement of its own. Should the process
//! die mid-way, its claimed mails fall due again when the lease runs out.
//!
//! **Outcome.** A sent mail gets `sent_at` and loses its secret. A failed one counts an attempt,
//! keeps a short reason (never the secret) in `last_error` and is retried with exponential
//! backoff (5 s, 10 s, 20 s, ... at most an hour apart). A mail that can never go (a recipient
//! that is not an address, a recipient the SMTP server refuses, [`MAX_ATTEMPTS`] failures) is
//! given up: its secret is erased and its `next_attempt_at` moved a century ahead, so the row
//! stays for inspection but is never due again.
//!
//! **Waking.** [`super::enqueue`] notifies [`Channel::Mail`], which PostgreSQL delivers at
//! commit to the instance's one listener ([`crate::events`]); the worker wakes on it, on a
//! resync after the listener reconnects, and also polls every few seconds, for retries that
//! fall due.
//!
//! **Without SMTP** (dev only: prod refuses to start without `ROLLCALL_SMTP_URL`) each mail is
//! written to the log at WARN, secret included so that a developer can follow the link, and
//! counted as sent. That is the one place a token may reach a log.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::config::Config;
use crate::db::Pool;
use crate::events::Channel;
use crate::mail::queries::{self, Claimed};

/// Mails claimed in one transaction.
const BATCH: i64 = 5;
/// Longest one mail may take to send, from connecting to the server's final answer.
const SEND_DEADLINE: Duration = Duration::from_secs(60);
/// Longest lettre waits for any one answer of the SMTP server.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);
/// How often the worker looks for due mail without being woken.
pub const POLL_INTERVAL: Duration = Duration::from_secs(5);
/// The wait after the first failure; each further failure doubles it.
const FIRST_BACKOFF_SECONDS: i64 = 5;
/// The longest wait between two attempts.
const MAX_BACKOFF_SECONDS: i64 = 3600;
/// Failures after which a mail is given up: with the backoff above, about a day of trying.
pub const MAX_ATTEMPTS: i32 = 30;
/// The longest `last_error` kept, in characters.
const MAX_ERROR_CHARS: usize = 300;

/// What one round of [`deliver_due`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    /// Mails handed to the SMTP server (or, without one, to the log).
    pub sent: usize,
    /// Mails that failed this time, whether they will be retried or were given up.
    pub failed: usize,
}

/// Starts the worker for `app`. It runs until `app.lifecycle.shutdown` is cancelled, and is
/// tracked in `app.lifecycle.tasks` so that a shutdown waits for the mail it is sending.
pub fn spawn(app: Arc<App>) {
    let courier = match Courier::new(&app.config) {
        Ok(courier) => courier,
        Err(err) => {
            // `Config::from_env` has checked the URL, so only a hand-made Config gets here.
            tracing::error!(error = %err, "cannot use ROLLCALL_SMTP_URL: mail stays queued");
            return;
        }
    };
    if courier.transport.is_none() {
        tracing::warn!("ROLLCALL_SMTP_URL is not set: mail is written to the log, not sent");
    }
    let tasks = app.lifecycle.tasks.clone();
    tasks.spawn(run(app, courier));
}

/// Delivers every mail that is due now, once, and returns what it did: the worker's round,
/// for tools and tests that want to drive delivery themselves.
pub async fn deliver_due(app: &App) -> anyhow::Result<Delivered> {
    let courier = Courier::new(&app.config)?;
    courier
        .deliver_due(&app.pool, &app.lifecycle.shutdown)
        .await
}

/// The worker's loop: deliver what is due, then wait for a notification, the poll interval or
/// the shutdown.
async fn run(app: Arc<App>, courier: Courier) {
    let shutdown = app.lifecycle.shutdown.clone();
    // Subscribed before the first round: mail queued while it delivers wakes the next wait.
    let mut wake = app.events.subscribe(Channel::Mail);
    while !shutdown.is_cancelled() {
        if let Err(err) = courier.deliver_due(&app.pool, &shutdown).await {
            tracing::warn!(error = %err, "mail worker cannot reach the database; retrying soon");
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(POLL_INTERVAL) => {}
            // A notification, a resync or falling behind all mean "look again".
            _ = wake.recv() => {
                // Mail queued by several transactions notifies several times; one round
                // delivers it all, so the notifications already here are spent with this one.
                while wake.try_recv().is_ok() {}
            }
        }
    }
    tracing::debug!("mail worker stopped");
}

/// Builds and sends messages: through SMTP, or into the log when there is no SMTP server.
struct Courier {
    from: Mailbox,
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
}

/// How one attempt ended.
enum Outcome {
    Sent,
    /// Worth trying again later, for this reason.
    Failed(String),
    /// Will never go, for this reason.
    Refused(String),
}

impl Courier {
    fn new(config: &Config) -> Result<Self, smtp::Error> {
        let transport = match &config.smtp_url {
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build(),
            ),
            None => None,
        };
        Ok(Self {
            from: config.settings.mail_from.clone(),
            transport,
        })
    }

    /// Claims and delivers due mail, a batch at a time, until none is due or `shutdown` is
    /// cancelled.
    async fn deliver_due(
        &self,
        pool: &Pool,
        shutdown: &CancellationToken,
    ) -> anyhow::Result<Delivered> {
        let mut delivered = Delivered::default();
        loop {
            let batch = {
                let mut conn = pool.get().await?;
                queries::claim(&mut conn, BATCH).await?
            };
            let full = batch.len() as i64 == BATCH;
            let mut mails = batch.into_iter();
            while let Some(mail) = mails.next() {
                let outcome = self.deliver(&mail).await;
                match &outcome {
                    Outcome::Sent => delivered.sent += 1,
                    Outcome::Failed(_) | Outcome::Refused(_) => delivered.failed += 1,
                }
                record(pool, &mail, outcome).await?;
                if shutdown.is_cancelled() {
                    // Hand back what this worker will not get to, rather than leave it for the
                    // lease to run out.
                    let rest: Vec<i64> = mails.map(|mail| mail.id).collect();
                    if !rest.is_empty() {
                        let mut conn = pool.get().await?;
                        queries::release(&mut conn, &rest).await?;
                    }
                    return Ok(delivered);
                }
            }
            if !full {
                return Ok(delivered);
            }
        }
    }

    /// One attempt at `mail`.
    async fn deliver(&self, mail: &Claimed) -> Outcome {
        let Ok(to) = mail.recipient.trim().parse::<Mailbox>() else {
            return Outcome::Refused("the recipient is not a valid mail address".into());
        };
        let body = super::render(&mail.body, mail.secret.as_deref());
        let Some(transport) = &self.transport else {
            tracing::warn!(
                mail_id = mail.id,
                recipient = %to,
                subject = %mail.subject,
                body = %body,
                "SMTP is not configured (ROLLCALL_SMTP_URL): this mail is logged instead of \
                 sent, secret included; this happens in dev only"
            );
            return Outcome::Sent;
        };
        let message = match self.message(to, &mail.subject, body) {
            Ok(message) => message,
            Err(err) => return Outcome::Refused(format!("cannot build the message: {err}")),
        };
        match tokio::time::timeout(SEND_DEADLINE, transport.send(message)).await {
            Ok(Ok(_)) => Outcome::Sent,
            Ok(Err(err)) if refuses_recipient(&err) => {
                Outcome::Refused(format!("the SMTP server refused it: {err}"))
            }
            Ok(Err(err)) => Outcome::Failed(err.to_string()),
            Err(_) => Outcome::Failed(format!(
                "no answer from the SMTP server within {}s",
                SEND_DEADLINE.as_secs()
            )),
        }
    }

    fn message(
        &self,
        to: Mailbox,
        subject: &str,
        body: String,
    ) -> Result<Message, lettre::error::Error> {
        // A Message-ID of our own: lettre would use "localhost" as its domain.
        let message_id = format!("<{}@{}>", uuid::Uuid::new_v4(), self.from.email.domain());
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .date_now()
            .message_id(Some(message_id))
            // lettre picks the Content-Transfer-Encoding (7bit, quoted-printable or base64)
            // that fits the text.
            .header(ContentType::TEXT_PLAIN)
            .body(body)
    }
}

/// Whether the server said the recipient will never take mail: 550 mailbox unavailable, 551 not
/// local, 553 mailbox name not allowed. Other permanent errors (a refused login, say) are about
/// our side, which may be fixed, so they are retried.
fn refuses_recipient(err: &smtp::Error) -> bool {
    err.is_permanent()
        && err
            .status()
            .is_some_and(|code| matches!(u16::from(code), 550 | 551 | 553))
}

/// What is written down after an attempt.
enum Verdict {
    Sent,
    Retry { error: String, in_seconds: i64 },
    GiveUp { error: String },
}

impl Verdict {
    fn of(mail: &Claimed, outcome: Outcome) -> Self {
        let attempts = mail.attempts.saturating_add(1);
        let secret = mail.secret.as_deref();
        match outcome {
            Outcome::Sent => Self::Sent,
            Outcome::Failed(reason) if attempts >= MAX_ATTEMPTS => Self::GiveUp {
                error: short_error(
                    &format!("gave up after {attempts} attempts: {reason}"),
                    secret,
                ),
            },
            Outcome::Failed(reason) => Self::Retry {
                error: short_error(&reason, secret),
                in_seconds: backoff_seconds(attempts),
            },
            Outcome::Refused(reason) => Self::GiveUp {
                error: short_error(&reason, secret),
            },
        }
    }
}

/// Writes down how the attempt at `mail` ended, and logs it. A database that fails here is
/// asked twice more: a mail sent but not marked would be sent again once its lease runs out.
async fn record(pool: &Pool, mail: &Claimed, outcome: Outcome) -> anyhow::Result<()> {
    let verdict = Verdict::of(mail, outcome);
    let attempts = mail.attempts.saturating_add(1);
    let mut tries: u32 = 0;
    loop {
        tries += 1;
        let written = async {
            let mut conn = pool.get().await?;
            match &verdict {
                Verdict::Sent => queries::mark_sent(&mut conn, mail.id).await,
                Verdict::Retry { error, in_seconds } => {
                    queries::mark_failed(&mut conn, mail.id, error, *in_seconds).await
                }
                Verdict::GiveUp { error } => {
                    let attempts = attempts.max(MAX_ATTEMPTS);
                    queries::mark_given_up(&mut conn, mail.id, attempts, error).await
                }
            }
            .map_err(anyhow::Error::from)
        }
        .await;
        match written {
            Ok(()) => break,
            Err(err) if tries < 3 => {
                tracing::warn!(mail_id = mail.id, error = %err, "cannot record a mail attempt; trying again");
                tokio::time::sleep(Duration::from_secs(1 << tries)).await;
            }
            Err(err) => {
                if let Verdict::Sent = verdict {
                    tracing::error!(
                        mail_id = mail.id,
                        "this mail was sent but cannot be marked sent; it will be sent again"
                    );
                }
                return Err(err);
            }
        }
    }
    match &verdict {
        Verdict::Sent => tracing::info!(mail_id = mail.id, "mail sent"),
        Verdict::Retry { error, in_seconds } => tracing::warn!(
            mail_id = mail.id,
            attempts,
            retry_in_seconds = in_seconds,
            error = %error,
            "mail not sent; will retry"
        ),
        Verdict::GiveUp { error } => tracing::error!(
            mail_id = mail.id,
            attempts,
            error = %error,
            "mail given up"
        ),
    }
    Ok(())
}

/// The wait before the next attempt, after `failures` failures (at least one).
fn backoff_seconds(failures: i32) -> i64 {
    let doublings = u32::try_from(failures.saturating_sub(1))
        .unwrap_or(0)
        .min(20);
    (FIRST_BACKOFF_SECONDS << doublings).min(MAX_BACKOFF_SECONDS)
}

/// `reason` made fit for `last_error` and the log: on one line, short, and without the secret,
/// in case the SMTP server echoed some of the message back.
fn short_error(reason: &str, secret: Option<&str>) -> String {
    let mut text = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(secret) = secret.filter(|secret| !secret.is_empty()) {
        text = text.replace(secret, "[redacted]");
    }
    match text.char_indices().nth(MAX_ERROR_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff_seconds(1), 5);
        assert_eq!(backoff_seconds(2), 10);
        assert_eq!(backoff_seconds(3), 20);
        assert_eq!(backoff_seconds(10), 2560);
        assert_eq!(backoff_seconds(11), 3600);
        assert_eq!(backoff_seconds(MAX_ATTEMPTS), 3600);
        assert_eq!(backoff_seconds(i32::MAX), 3600);
    }

    #[test]
    fn errors_are_short_single_lines_without_the_secret() {
        let error = short_error("550 no\r\n  such user: code 123456", Some("123456"));
        assert_eq!(error, "550 no such user: code [redacted]");
        let long = "x".repeat(1000);
        assert_eq!(
            short_error(&long, None).chars().count(),
            MAX_ERROR_CHARS + 1
        );
        assert_eq!(
            short_error("é".repeat(400).as_str(), None).chars().count(),
            301
        );
    }
}
