//! The mail outbox: queued mail reaches a real SMTP server with its secret, which is then erased;
//! failures back off and recover; several workers never send a mail twice; rolled-back mail is
//! never sent.

use chrono::{DateTime, Utc};
use diesel::dsl::now;
use diesel::prelude::*;
use diesel::sql_types::Timestamptz;
use diesel_async::{AsyncConnection, RunQueryDsl, SimpleAsyncConnection};
use rollcall::app::App;
use rollcall::db::schema::outbox_mails;
use rollcall::mail::worker::{self, Delivered, MAX_ATTEMPTS};
use rollcall::mail::{self, NewMail};
use rollcall::secret::Secret;

use crate::common::TestApp;
use crate::common::smtp::{PATIENCE, ReceivedMail, SmtpServer};

/// A body as the accounts code writes one: a code and a link, both the secret.
const BODY: &str = "Grüße!\n\nYour code is {{secret}}.\n\
                    Or open https://rollcall.test/confirm?token={{secret}}&lang=de\n";

/// A test application whose mail goes to the SMTP server at `url`.
async fn app_sending_to(url: String) -> TestApp {
    TestApp::with_config(|config| config.smtp_url = Some(Secret::new(url))).await
}

/// Queues a mail to `to` carrying `secret`, committed at once.
async fn queue(app: &App, to: &str, secret: &str) {
    let mut conn = app.pool.get().await.expect("a connection");
    let mail = NewMail {
        recipient: to,
        subject: "Confirm your address",
        body: BODY,
        secret: Some(secret),
    };
    conn.transaction(async |conn| mail::enqueue(conn, mail).await)
        .await
        .expect("queueing a mail");
}

/// An outbox row, with the database's clock.
#[derive(Debug, Queryable)]
struct Row {
    attempts: i32,
    secret: Option<String>,
    sent_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
    next_attempt_at: DateTime<Utc>,
    now: DateTime<Utc>,
}

async fn rows_to(app: &App, to: &str) -> Vec<Row> {
    let mut conn = app.pool.get().await.expect("a connection");
    outbox_mails::table
        .filter(outbox_mails::recipient.eq(to))
        .select((
            outbox_mails::attempts,
            outbox_mails::secret,
            outbox_mails::sent_at,
            outbox_mails::last_error,
            outbox_mails::next_attempt_at,
            now.into_sql::<Timestamptz>(),
        ))
        .order(outbox_mails::id)
        .load(&mut conn)
        .await
        .expect("reading the outbox")
}

async fn row_to(app: &App, to: &str) -> Row {
    let mut rows = rows_to(app, to).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    rows.remove(0)
}

/// Shuts `app` down and waits for its worker to finish what it was doing, so that what it sent
/// is also recorded and nothing more will be sent.
async fn stop(app: &App) {
    app.lifecycle.shutdown.cancel();
    app.lifecycle.tasks.close();
    tokio::time::timeout(PATIENCE, app.lifecycle.tasks.wait())
        .await
        .expect("the mail worker stops at shutdown");
}

fn assert_sent(row: &Row) {
    assert!(row.sent_at.is_some(), "not marked sent: {row:?}");
    assert_eq!(row.secret, None, "the secret outlived the sending");
    assert_eq!(row.last_error, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_queued_mail_is_delivered_with_its_secret_which_is_then_erased() {
    let smtp = SmtpServer::start().await;
    let test = app_sending_to(smtp.url()).await;
    worker::spawn(test.app.clone());

    queue(&test.app, "ada@example.com", "428613").await;
    let mail = smtp.next_to("ada@example.com").await;

    assert_eq!(mail.mail_from, "rollcall@localhost");
    assert_eq!(mail.rcpt_to, ["ada@example.com"]);
    assert_eq!(
        mail.decoded_header("From").as_deref(),
        Some("Rollcall <rollcall@localhost>")
    );
    assert_eq!(mail.header("To").as_deref(), Some("ada@example.com"));
    assert_eq!(
        mail.decoded_header("Subject").as_deref(),
        Some("Confirm your address")
    );
    assert!(mail.header("Date").is_some(), "{}", mail.data);
    let message_id = mail.header("Message-ID").expect("a Message-ID");
    assert!(
        message_id.starts_with('<') && message_id.ends_with("@localhost>"),
        "{message_id}"
    );
    assert_eq!(
        mail.header("Content-Type").as_deref(),
        Some("text/plain; charset=utf-8")
    );
    assert!(mail.header("Content-Transfer-Encoding").is_some());
    assert_eq!(
        // lettre ends the data with one more line break of its own.
        mail.body().trim_end(),
        "Grüße!\n\nYour code is 428613.\nOr open https://rollcall.test/confirm?token=428613&lang=de"
    );
    assert_eq!(mail.code().as_deref(), Some("428613"));
    assert_eq!(mail.url_param("token").as_deref(), Some("428613"));

    stop(&test.app).await;
    let row = row_to(&test.app, "ada@example.com").await;
    assert_sent(&row);
    assert_eq!(row.attempts, 1);
    assert_eq!(smtp.received().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mail_queued_while_the_worker_waits_wakes_it_at_once() {
    let smtp = SmtpServer::start().await;
    let test = app_sending_to(smtp.url()).await;
    worker::spawn(test.app.clone());
    // Once the first mail has arrived, the worker is listening and idle until its next poll.
    queue(&test.app, "first@example.com", "111111").await;
    smtp.next_to("first@example.com").await;

    queue(&test.app, "second@example.com", "222222").await;
    // Sooner than the poll would find it: the notification woke the worker.
    let mail = smtp
        .next_to_within("second@example.com", worker::POLL_INTERVAL / 2)
        .await
        .expect("the worker was not woken by the queued mail");
    assert_eq!(mail.code().as_deref(), Some("222222"));
    stop(&test.app).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_is_down_leaves_the_mail_queued_until_it_is_back() {
    let down = SmtpServer::reserve();
    let test = app_sending_to(down.url()).await;
    let secret = "tok-5f1c9a2e7d";
    queue(&test.app, "bob@example.com", secret).await;

    let round = worker::deliver_due(&test.app).await.expect("a round");
    assert_eq!(round, Delivered { sent: 0, failed: 1 });
    let row = row_to(&test.app, "bob@example.com").await;
    assert_eq!(row.attempts, 1);
    assert_eq!(row.sent_at, None);
    assert_eq!(
        row.secret.as_deref(),
        Some(secret),
        "still needed to send it"
    );
    let error = row.last_error.clone().expect("the reason is kept");
    assert!(!error.is_empty() && !error.contains(secret), "{error}");
    assert!(row.next_attempt_at > row.now, "no backoff: {row:?}");
    // Not due yet, so another round leaves it alone.
    let round = worker::deliver_due(&test.app).await.expect("a round");
    assert_eq!(round, Delivered::default());

    let smtp = down.start();
    let mut conn = test.app.pool.get().await.expect("a connection");
    // The backoff has passed, as far as the worker can tell.
    diesel::update(outbox_mails::table.filter(outbox_mails::recipient.eq("bob@example.com")))
        .set(outbox_mails::next_attempt_at.eq(now))
        .execute(&mut conn)
        .await
        .expect("backdating the retry");
    drop(conn);
    worker::spawn(test.app.clone());
    let mail = smtp.next_to("bob@example.com").await;
    assert_eq!(mail.url_param("token").as_deref(), Some(secret));

    stop(&test.app).await;
    let row = row_to(&test.app, "bob@example.com").await;
    assert_sent(&row);
    assert_eq!(row.attempts, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_workers_deliver_each_mail_exactly_once() {
    const MAILS: usize = 30;
    let smtp = SmtpServer::start().await;
    let test = app_sending_to(smtp.url()).await;
    let second = TestApp::app_with_config(test.app.database_url.expose(), |config| {
        config.smtp_url = Some(Secret::new(smtp.url()));
    })
    .await;
    worker::spawn(test.app.clone());
    worker::spawn(second.clone());

    // One transaction: both workers wake to the same notification and race for the same rows.
    let recipients: Vec<String> = (0..MAILS).map(|i| format!("user{i}@example.com")).collect();
    let mut conn = test.app.pool.get().await.expect("a connection");
    conn.transaction(async |conn| {
        for (i, to) in recipients.iter().enumerate() {
            let secret = format!("{:06}", 100_000 + i);
            let mail = NewMail {
                recipient: to,
                subject: "Confirm your address",
                body: BODY,
                secret: Some(&secret),
            };
            mail::enqueue(conn, mail).await?;
        }
        diesel::QueryResult::Ok(())
    })
    .await
    .expect("queueing the mails");
    drop(conn);

    for (i, to) in recipients.iter().enumerate() {
        let mail = smtp.next_to(to).await;
        assert_eq!(mail.code(), Some(format!("{:06}", 100_000 + i)));
    }
    stop(&test.app).await;
    stop(&second).await;

    let received = smtp.received();
    assert_eq!(received.len(), MAILS, "a mail was sent twice");
    for to in &recipients {
        let row = row_to(&test.app, to).await;
        assert_sent(&row);
        assert_eq!(row.attempts, 1, "claimed twice: {row:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mail_queued_in_a_transaction_that_rolls_back_is_never_sent() {
    let smtp = SmtpServer::start().await;
    let test = app_sending_to(smtp.url()).await;
    worker::spawn(test.app.clone());

    // Queued in a transaction that stays open while the worker delivers other mail...
    let mut open = test.app.pool.get().await.expect("a connection");
    open.batch_execute("BEGIN").await.expect("begin");
    let ghost = NewMail {
        recipient: "ghost@example.com",
        subject: "Never",
        body: BODY,
        secret: Some("999999"),
    };
    mail::enqueue(&mut open, ghost).await.expect("queueing");
    queue(&test.app, "before@example.com", "111111").await;
    smtp.next_to("before@example.com").await;
    // ...then rolled back.
    open.batch_execute("ROLLBACK").await.expect("rollback");
    drop(open);
    let mut conn = test.app.pool.get().await.expect("a connection");
    let rolled_back = conn
        .transaction(async |conn| {
            mail::enqueue(conn, ghost).await?;
            Err::<(), _>(diesel::result::Error::RollbackTransaction)
        })
        .await;
    assert!(rolled_back.is_err());
    drop(conn);
    // A mail queued afterwards goes out, so the worker has looked since the rollbacks.
    queue(&test.app, "after@example.com", "222222").await;
    smtp.next_to("after@example.com").await;
    stop(&test.app).await;

    let received = smtp.received();
    assert_eq!(received.len(), 2, "{received:?}");
    assert!(
        received
            .iter()
            .all(|mail| mail.rcpt_to != ["ghost@example.com"])
    );
    assert!(rows_to(&test.app, "ghost@example.com").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recipient_that_is_not_an_address_is_given_up_at_once() {
    let smtp = SmtpServer::start().await;
    let test = app_sending_to(smtp.url()).await;
    queue(&test.app, "not an address", "123456").await;

    let round = worker::deliver_due(&test.app).await.expect("a round");
    assert_eq!(round, Delivered { sent: 0, failed: 1 });
    assert_given_up(
        &row_to(&test.app, "not an address").await,
        "not a valid mail address",
    );
    assert!(smtp.received().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recipient_the_server_refuses_is_given_up_at_once() {
    let smtp = SmtpServer::start().await;
    smtp.refuse("nobody@example.com");
    let test = app_sending_to(smtp.url()).await;
    queue(&test.app, "nobody@example.com", "123456").await;

    let round = worker::deliver_due(&test.app).await.expect("a round");
    assert_eq!(round, Delivered { sent: 0, failed: 1 });
    assert_given_up(&row_to(&test.app, "nobody@example.com").await, "550");
    // Once given up, it is never due again.
    assert_eq!(
        worker::deliver_due(&test.app).await.expect("a round"),
        Delivered::default()
    );
}

fn assert_given_up(row: &Row, reason: &str) {
    assert_eq!(row.sent_at, None);
    assert_eq!(
        row.secret, None,
        "a mail that will never go needs no secret"
    );
    assert!(row.attempts >= MAX_ATTEMPTS, "{row:?}");
    let error = row.last_error.as_deref().unwrap_or_default();
    assert!(error.contains(reason), "{error}");
    assert!(
        row.next_attempt_at > row.now + chrono::Duration::days(365 * 50),
        "{row:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_smtp_a_mail_is_logged_and_counted_as_sent() {
    let test = TestApp::new().await;
    queue(&test.app, "dev@example.com", "123456").await;

    let round = worker::deliver_due(&test.app).await.expect("a round");
    assert_eq!(round, Delivered { sent: 1, failed: 0 });
    let row = row_to(&test.app, "dev@example.com").await;
    assert_sent(&row);
}

#[test]
fn mail_helpers_decode_what_lettre_may_encode() {
    let mail = |data: &str| ReceivedMail {
        mail_from: String::new(),
        rcpt_to: Vec::new(),
        data: data.to_owned(),
    };
    let qp = mail(
        "Subject: =?utf-8?b?R3LDvMOfZQ==?= =?utf-8?q?_und_mehr?=\r\n\
         Content-Transfer-Encoding: quoted-printable\r\n\r\n\
         Gr=C3=BC=C3=9Fe, code 12345=\r\n6 at https://x/c?a=3D1&token=3Dab-c_9 ok\r\n",
    );
    assert_eq!(
        qp.decoded_header("subject").as_deref(),
        Some("Grüße und mehr")
    );
    assert_eq!(
        qp.body(),
        "Grüße, code 123456 at https://x/c?a=1&token=ab-c_9 ok\n"
    );
    assert_eq!(qp.code().as_deref(), Some("123456"));
    assert_eq!(qp.url_param("token").as_deref(), Some("ab-c_9"));
    assert_eq!(qp.url_param("oken"), None);
    assert_eq!(qp.text_after("code ").as_deref(), Some("123456"));

    let b64 = mail("Content-Transfer-Encoding: base64\r\n\r\nMTIzNDU2Nzg5IDY1NDMyMQ==\r\n");
    assert_eq!(b64.body(), "123456789 654321");
    assert_eq!(b64.code().as_deref(), Some("654321"));
}
