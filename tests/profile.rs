//! The account lifecycle as its owner lives it: registration and the confirmation link, changing
//! and resetting the password, moving to a new email address, a new username or name, and the
//! notices each of these mails. Mail goes through the real outbox worker to a real SMTP server,
//! and the tests read codes and links from what arrives; time moves by backdating rows.

use axum::http::StatusCode;
use rollcall::auth::identity::{AccountStatus, Role};
use rollcall::mail::worker;
use rollcall::secret::Secret;
use serde_json::{Value, json};

use crate::common::accounts::{LOGIN, PASSWORD, TestUser, first_error_reason};
use crate::common::smtp::{ReceivedMail, SmtpServer};
use crate::common::{TestApp, first_error_code, json_request};

const REGISTER: &str =
    "mutation ($input: RegisterInput!) { register(input: $input) { id status } }";
const CONFIRM: &str =
    "mutation ($token: String!) { confirmEmail(token: $token) { id status role } }";
const RESEND: &str = "mutation ($email: String!) { resendConfirmation(email: $email) }";
const CHANGE_PASSWORD: &str = "mutation ($current: String!, $new: String!) {
    changePassword(currentPassword: $current, newPassword: $new)
}";
const REQUEST_RESET: &str = "mutation ($email: String!) { requestPasswordReset(email: $email) }";
const RESET: &str = "mutation ($email: String!, $code: String!, $password: String!) {
    resetPassword(input: {email: $email, code: $code, newPassword: $password})
}";
const CHANGE_EMAIL: &str = "mutation ($email: String!, $password: String!) {
    changeEmail(newEmail: $email, password: $password)
}";
const CHANGE_USERNAME: &str =
    "mutation ($username: String!) { changeUsername(newUsername: $username) { id username } }";
const UPDATE_PROFILE: &str =
    "mutation ($name: String) { updateProfile(input: {name: $name}) { id name } }";
const ME: &str = "{ me { id username email name } }";

const NEW_PASSWORD: &str = "a brand new pass phrase";

const CONFIRMATION: &str = "Confirm your Rollcall account";
const PASSWORD_CHANGED: &str = "Your Rollcall password was changed";
const RESET_CODE: &str = "Your Rollcall password reset code";
const PASSWORD_RESET: &str = "Your Rollcall password was reset";
const NEW_ADDRESS_LINK: &str = "Confirm your new Rollcall email address";
const NEW_ADDRESS_REQUESTED: &str = "A new email address was requested for your Rollcall account";
const ADDRESS_CHANGED: &str = "Your Rollcall email address was changed";
const NEW_DEVICE: &str = "New sign-in to your Rollcall account";

/// An SMTP server, and an application whose outbox worker delivers to it.
async fn mailing_app() -> (SmtpServer, TestApp) {
    let smtp = SmtpServer::start().await;
    let app = TestApp::with_config(|config| config.smtp_url = Some(Secret::new(smtp.url()))).await;
    worker::spawn(app.app.clone());
    (smtp, app)
}

/// The next mail to `to` with this subject, passing over others (such as sign-in notices).
async fn mail_about(smtp: &SmtpServer, to: &str, subject: &str) -> ReceivedMail {
    loop {
        let mail = smtp.next_to(to).await;
        if mail.decoded_header("Subject").as_deref() == Some(subject) {
            return mail;
        }
    }
}

/// Mails queued to `to` with this subject: mail is queued in the transaction of its action, so
/// this is exact as soon as the action has answered.
async fn queued(app: &TestApp, to: &str, subject: &str) -> i64 {
    app.count(&format!(
        "SELECT count(*) AS n FROM outbox_mails WHERE recipient = '{to}' AND subject = '{subject}'"
    ))
    .await
}

async fn events(app: &TestApp, kind: &str) -> i64 {
    app.count(&format!(
        "SELECT count(*) AS n FROM auth_events WHERE kind = '{kind}'"
    ))
    .await
}

/// Asserts the first error is `code` on `field`; answers its extensions.
fn refused<'a>(body: &'a Value, code: &str, field: &str) -> &'a Value {
    assert_eq!(first_error_code(body), code, "{body}");
    let extensions = &body["errors"][0]["extensions"];
    assert_eq!(extensions["field"], field, "{body}");
    extensions
}

/// Asserts a refused code or link: BAD_USER_INPUT on `field` with `reason`.
fn refused_code(body: &Value, field: &str, reason: &str) {
    refused(body, "BAD_USER_INPUT", field);
    assert_eq!(first_error_reason(body), reason, "{body}");
}

async fn register(app: &TestApp, email: &str, username: &str, password: &str) -> Value {
    let input =
        json!({ "email": email, "username": username, "password": password, "name": "Ann" });
    app.gql(REGISTER, json!({ "input": input })).await
}

async fn request_reset(app: &TestApp, email: &str) -> Value {
    app.gql(REQUEST_RESET, json!({ "email": email })).await
}

async fn reset(app: &TestApp, email: &str, code: &str, password: &str) -> Value {
    app.gql(
        RESET,
        json!({ "email": email, "code": code, "password": password }),
    )
    .await
}

/// A six-digit code that is not `code`.
fn other_code(code: &str) -> String {
    let n: u32 = code.parse().expect("a six-digit code");
    format!("{:06}", (n + 1) % 1_000_000)
}

/// Signs in with a device name and User-Agent; answers the response body.
async fn login_from(app: &TestApp, login: &str, device: &str, user_agent: &str) -> Value {
    let mut request = json_request(&json!({
        "query": LOGIN,
        "variables": { "input": { "login": login, "password": PASSWORD, "device": device } },
    }));
    request
        .headers_mut()
        .insert("user-agent", user_agent.parse().expect("header"));
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::OK);
    response.json()
}

async fn me(app: &TestApp, user: &TestUser) -> Value {
    app.gql_as(user, ME, json!({})).await
}

#[tokio::test(flavor = "multi_thread")]
async fn registration_is_confirmed_once_by_the_mailed_link() {
    let (smtp, app) = mailing_app().await;
    let body = register(&app, "ann@example.com", "ann", PASSWORD).await;
    assert_eq!(body["data"]["register"]["status"], "UNCONFIRMED", "{body}");
    let id = body["data"]["register"]["id"].clone();

    let mail = mail_about(&smtp, "ann@example.com", CONFIRMATION).await;
    let token = mail.url_param("token").expect("a link with a token");
    let body = app.gql(CONFIRM, json!({ "token": token })).await;
    assert_eq!(
        body["data"]["confirmEmail"],
        json!({ "id": id, "status": "ACTIVE", "role": "USER" }),
        "{body}"
    );
    assert_eq!(events(&app, "EMAIL_CONFIRMED").await, 1);

    let again = app.gql(CONFIRM, json!({ "token": token })).await;
    refused_code(&again, "token", "CODE_USED");
    let made_up = app.gql(CONFIRM, json!({ "token": "made-up-token" })).await;
    refused_code(&made_up, "token", "CODE_INVALID");

    // Confirmed, the account signs in at level 2.
    let ann = app.login("ann", PASSWORD).await;
    assert_eq!(me(&app, &ann).await["data"]["me"]["username"], "ann");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_confirmation_link_is_refused() {
    let (smtp, app) = mailing_app().await;
    register(&app, "ann@example.com", "ann", PASSWORD).await;
    let token = mail_about(&smtp, "ann@example.com", CONFIRMATION)
        .await
        .url_param("token")
        .expect("a token");
    // A day has passed, as far as the server can tell.
    app.sql("UPDATE email_tokens SET expires_at = now() - interval '1 second'")
        .await;
    let body = app.gql(CONFIRM, json!({ "token": token })).await;
    refused_code(&body, "token", "CODE_EXPIRED");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM users WHERE status = 'UNCONFIRMED'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn resend_confirmation_mails_a_new_link_only_to_an_unconfirmed_account() {
    let (smtp, app) = mailing_app().await;
    register(&app, "ann@example.com", "ann", PASSWORD).await;
    let first = mail_about(&smtp, "ann@example.com", CONFIRMATION)
        .await
        .url_param("token")
        .expect("a token");

    let body = app.gql(RESEND, json!({ "email": "ANN@example.com" })).await;
    assert_eq!(body, json!({ "data": { "resendConfirmation": true } }));
    let second = mail_about(&smtp, "ann@example.com", CONFIRMATION)
        .await
        .url_param("token")
        .expect("a token");
    assert_ne!(first, second);
    let body = app.gql(CONFIRM, json!({ "token": second })).await;
    assert_eq!(body["data"]["confirmEmail"]["status"], "ACTIVE", "{body}");

    // An unknown address and a confirmed account get the same answer, and no mail.
    for email in ["nobody@example.com", "ann@example.com"] {
        let body = app.gql(RESEND, json!({ "email": email })).await;
        assert_eq!(body, json!({ "data": { "resendConfirmation": true } }));
    }
    assert_eq!(queued(&app, "nobody@example.com", CONFIRMATION).await, 0);
    assert_eq!(queued(&app, "ann@example.com", CONFIRMATION).await, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn registration_refuses_taken_names_and_common_passwords() {
    let app = TestApp::new().await;
    let body = register(&app, "ann@example.com", "ann", PASSWORD).await;
    assert!(body["data"]["register"]["id"].is_string(), "{body}");

    // Both are found by the unique indexes, by name (`users_email_key`, `users_username_key`).
    let body = register(&app, "ANN@Example.com", "other", PASSWORD).await;
    assert_eq!(refused(&body, "CONFLICT", "email")["reason"], "EMAIL_TAKEN");
    let body = register(&app, "other@example.com", "ann", PASSWORD).await;
    assert_eq!(
        refused(&body, "CONFLICT", "username")["reason"],
        "USERNAME_TAKEN"
    );
    let body = register(&app, "other@example.com", "other", "iloveyou").await;
    refused(&body, "BAD_USER_INPUT", "password");
    assert_eq!(app.count("SELECT count(*) AS n FROM users").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn of_two_registrations_racing_for_a_username_one_wins() {
    let app = TestApp::new().await;
    let (first, second) = tokio::join!(
        register(&app, "one@example.com", "same", PASSWORD),
        register(&app, "two@example.com", "same", PASSWORD),
    );
    let (won, lost) = if first["data"]["register"].is_object() {
        (first, second)
    } else {
        (second, first)
    };
    assert!(won["data"]["register"]["id"].is_string(), "{won}");
    assert_eq!(
        refused(&lost, "CONFLICT", "username")["reason"],
        "USERNAME_TAKEN"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM users WHERE username = 'same'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn changing_the_password_ends_every_other_session() {
    let (smtp, app) = mailing_app().await;
    let laptop = app.user("ann", Role::User).await;
    let phone = app.login("ann", PASSWORD).await;

    let wrong = json!({ "current": "not the password", "new": NEW_PASSWORD });
    let body = app.gql_as(&laptop, CHANGE_PASSWORD, wrong).await;
    refused(&body, "BAD_USER_INPUT", "currentPassword");
    let common = json!({ "current": PASSWORD, "new": "password1" });
    let body = app.gql_as(&laptop, CHANGE_PASSWORD, common).await;
    refused(&body, "BAD_USER_INPUT", "newPassword");
    assert_eq!(me(&app, &phone).await["data"]["me"]["username"], "ann");

    let change = json!({ "current": PASSWORD, "new": NEW_PASSWORD });
    let body = app.gql_as(&laptop, CHANGE_PASSWORD, change).await;
    assert_eq!(body, json!({ "data": { "changePassword": true } }));
    // The other device is signed out at once, its refresh token too; this one stays.
    assert_eq!(
        first_error_reason(&me(&app, &phone).await),
        "SESSION_REVOKED"
    );
    let refresh = "mutation ($t: String!) { refreshToken(refreshToken: $t) { accessToken } }";
    let body = app.gql(refresh, json!({ "t": phone.refresh })).await;
    assert_eq!(first_error_reason(&body), "SESSION_REVOKED");
    assert_eq!(me(&app, &laptop).await["data"]["me"]["username"], "ann");

    let notice = mail_about(&smtp, "ann@example.com", PASSWORD_CHANGED).await;
    assert!(notice.body().contains("signed out"), "{}", notice.body());
    assert_eq!(events(&app, "PASSWORD_CHANGED").await, 1);

    app.login("ann", NEW_PASSWORD).await;
    let old = app
        .gql(
            LOGIN,
            json!({ "input": { "login": "ann", "password": PASSWORD } }),
        )
        .await;
    assert_eq!(first_error_reason(&old), "INVALID_CREDENTIALS");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reset_code_works_once_ends_every_session_and_lifts_the_sign_in_lock() {
    let (smtp, app) = mailing_app().await;
    let id = app
        .create_account("ann", Role::User, AccountStatus::Active)
        .await;
    let signed_in = app.login("ann", PASSWORD).await;
    // Someone has been guessing: the account is locked.
    app.sql(&format!(
        "INSERT INTO login_failures (user_id) SELECT {id} FROM generate_series(1, 10)"
    ))
    .await;
    let locked = app
        .gql(
            LOGIN,
            json!({ "input": { "login": "ann", "password": PASSWORD } }),
        )
        .await;
    assert_eq!(first_error_code(&locked), "RATE_LIMITED");

    let body = request_reset(&app, "Ann@Example.com").await;
    assert_eq!(body, json!({ "data": { "requestPasswordReset": true } }));
    let code = mail_about(&smtp, "ann@example.com", RESET_CODE)
        .await
        .code()
        .expect("a six-digit code");

    let body = reset(&app, "ann@example.com", &code, "password1").await;
    refused(&body, "BAD_USER_INPUT", "newPassword");
    let body = reset(&app, "ann@example.com", &code, NEW_PASSWORD).await;
    assert_eq!(body, json!({ "data": { "resetPassword": true } }));

    assert_eq!(
        first_error_reason(&me(&app, &signed_in).await),
        "SESSION_REVOKED"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM sessions WHERE revoked_at IS NULL")
            .await,
        0
    );
    app.login("ann", NEW_PASSWORD).await;
    mail_about(&smtp, "ann@example.com", PASSWORD_RESET).await;
    assert_eq!(events(&app, "PASSWORD_RESET").await, 1);

    let again = reset(&app, "ann@example.com", &code, "yet another pass phrase").await;
    refused_code(&again, "code", "CODE_USED");
    app.login("ann", NEW_PASSWORD).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_reset_code_is_refused() {
    let (smtp, app) = mailing_app().await;
    app.create_account("ann", Role::User, AccountStatus::Active)
        .await;
    request_reset(&app, "ann@example.com").await;
    let code = mail_about(&smtp, "ann@example.com", RESET_CODE)
        .await
        .code()
        .expect("a code");
    // Ten minutes have passed.
    app.sql("UPDATE email_tokens SET expires_at = now() - interval '1 second'")
        .await;
    let body = reset(&app, "ann@example.com", &code, NEW_PASSWORD).await;
    refused_code(&body, "code", "CODE_EXPIRED");
    app.login("ann", PASSWORD).await;
}

/// A code is void after five wrong tries: the right one is then refused as CODE_INVALID, as if
/// it had never been sent (CODE_USED would say it once worked).
#[tokio::test(flavor = "multi_thread")]
async fn five_wrong_codes_void_the_code() {
    let (smtp, app) = mailing_app().await;
    app.create_account("ann", Role::User, AccountStatus::Active)
        .await;
    request_reset(&app, "ann@example.com").await;
    let code = mail_about(&smtp, "ann@example.com", RESET_CODE)
        .await
        .code()
        .expect("a code");
    for _ in 0..5 {
        let body = reset(&app, "ann@example.com", &other_code(&code), NEW_PASSWORD).await;
        refused_code(&body, "code", "CODE_INVALID");
    }
    let body = reset(&app, "ann@example.com", &code, NEW_PASSWORD).await;
    refused_code(&body, "code", "CODE_INVALID");
    app.login("ann", PASSWORD).await;

    // Four wrong tries on a new code leave it working.
    request_reset(&app, "ann@example.com").await;
    let code = mail_about(&smtp, "ann@example.com", RESET_CODE)
        .await
        .code()
        .expect("a code");
    for _ in 0..4 {
        let body = reset(&app, "ann@example.com", &other_code(&code), NEW_PASSWORD).await;
        refused_code(&body, "code", "CODE_INVALID");
    }
    let body = reset(&app, "ann@example.com", &code, NEW_PASSWORD).await;
    assert_eq!(body, json!({ "data": { "resetPassword": true } }));
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM email_tokens WHERE failed_attempts = 5 AND used_at IS NULL"
        )
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_code_replaces_the_one_before() {
    let (smtp, app) = mailing_app().await;
    app.create_account("ann", Role::User, AccountStatus::Active)
        .await;
    request_reset(&app, "ann@example.com").await;
    let first = mail_about(&smtp, "ann@example.com", RESET_CODE)
        .await
        .code()
        .expect("a code");
    request_reset(&app, "ann@example.com").await;
    let second = mail_about(&smtp, "ann@example.com", RESET_CODE)
        .await
        .code()
        .expect("a code");
    if first != second {
        let body = reset(&app, "ann@example.com", &first, NEW_PASSWORD).await;
        refused_code(&body, "code", "CODE_INVALID");
    }
    let body = reset(&app, "ann@example.com", &second, NEW_PASSWORD).await;
    assert_eq!(body, json!({ "data": { "resetPassword": true } }));
}

#[tokio::test(flavor = "multi_thread")]
async fn two_racing_resets_cannot_both_use_a_code() {
    let (smtp, app) = mailing_app().await;
    app.create_account("ann", Role::User, AccountStatus::Active)
        .await;
    request_reset(&app, "ann@example.com").await;
    let code = mail_about(&smtp, "ann@example.com", RESET_CODE)
        .await
        .code()
        .expect("a code");
    let (a, b) = tokio::join!(
        reset(&app, "ann@example.com", &code, "first racing pass phrase"),
        reset(&app, "ann@example.com", &code, "second racing pass phrase"),
    );
    let won: Vec<&Value> = [&a, &b]
        .into_iter()
        .filter(|body| body["data"]["resetPassword"] == true)
        .collect();
    assert_eq!(won.len(), 1, "{a}\n{b}");
    let lost = if a["data"]["resetPassword"] == true {
        &b
    } else {
        &a
    };
    refused_code(lost, "code", "CODE_USED");
    assert_eq!(events(&app, "PASSWORD_RESET").await, 1);
}

/// Three codes an hour per account. A fourth request is RATE_LIMITED, and so is a fourth for an
/// address without an account: every answer is the same for both, so none tells whether an
/// address has an account.
#[tokio::test(flavor = "multi_thread")]
async fn reset_requests_answer_alike_for_unknown_addresses_and_are_rate_limited() {
    let app = TestApp::new().await;
    app.create_account("ann", Role::User, AccountStatus::Active)
        .await;
    for _ in 0..3 {
        for email in ["ann@example.com", "nobody@example.com"] {
            let body = request_reset(&app, email).await;
            assert_eq!(body, json!({ "data": { "requestPasswordReset": true } }));
        }
    }
    for email in ["ann@example.com", "NOBODY@example.com"] {
        let body = request_reset(&app, email).await;
        assert_eq!(first_error_code(&body), "RATE_LIMITED", "{body}");
        assert_eq!(body["data"], Value::Null, "{body}");
        let retry_after = body["errors"][0]["extensions"]["retryAfter"]
            .as_u64()
            .expect("retryAfter");
        assert!((3590..=3600).contains(&retry_after), "{retry_after}");
    }
    assert_eq!(queued(&app, "ann@example.com", RESET_CODE).await, 3);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM outbox_mails WHERE recipient LIKE 'nobody%'")
            .await,
        0
    );
    // The history names the unknown address only by a keyed hash.
    assert_eq!(
        app.count("SELECT count(*) AS n FROM auth_events WHERE detail LIKE '%nobody%'")
            .await,
        0
    );

    // A code for an unknown address is refused like a wrong one.
    let unknown = reset(&app, "nobody@example.com", "123456", NEW_PASSWORD).await;
    let wrong = reset(&app, "ann@example.com", "not-a-code", NEW_PASSWORD).await;
    for body in [&unknown, &wrong] {
        refused_code(body, "code", "CODE_INVALID");
    }
    assert_eq!(unknown["errors"][0], wrong["errors"][0]);

    // An hour later both may ask again.
    app.sql("UPDATE email_tokens SET created_at = created_at - interval '1 hour'")
        .await;
    app.sql("UPDATE auth_events SET at = at - interval '1 hour'")
        .await;
    for email in ["ann@example.com", "nobody@example.com"] {
        let body = request_reset(&app, email).await;
        assert_eq!(body, json!({ "data": { "requestPasswordReset": true } }));
    }
    assert_eq!(queued(&app, "ann@example.com", RESET_CODE).await, 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_email_address_applies_once_its_link_is_followed() {
    let (smtp, app) = mailing_app().await;
    let ann = app.user("ann", Role::User).await;
    let change = json!({ "email": "ann@new.example", "password": PASSWORD });
    let body = app.gql_as(&ann, CHANGE_EMAIL, change).await;
    assert_eq!(body, json!({ "data": { "changeEmail": true } }));

    let notice = mail_about(&smtp, "ann@example.com", NEW_ADDRESS_REQUESTED).await;
    assert!(
        notice.body().contains("ann@new.example"),
        "{}",
        notice.body()
    );
    let token = mail_about(&smtp, "ann@new.example", NEW_ADDRESS_LINK)
        .await
        .url_param("token")
        .expect("a link with a token");
    // Nothing changes until the link is followed.
    assert_eq!(
        me(&app, &ann).await["data"]["me"]["email"],
        "ann@example.com"
    );

    let body = app.gql(CONFIRM, json!({ "token": token })).await;
    assert_eq!(
        body["data"]["confirmEmail"]["id"],
        ann.id.as_str(),
        "{body}"
    );
    assert_eq!(body["data"]["confirmEmail"]["status"], "ACTIVE", "{body}");
    assert_eq!(
        me(&app, &ann).await["data"]["me"]["email"],
        "ann@new.example"
    );
    mail_about(&smtp, "ann@new.example", ADDRESS_CHANGED).await;
    assert_eq!(events(&app, "EMAIL_CHANGE_REQUESTED").await, 1);
    assert_eq!(events(&app, "EMAIL_CHANGED").await, 1);

    app.login("ann@new.example", PASSWORD).await;
    let old = app
        .gql(
            LOGIN,
            json!({ "input": { "login": "ann@example.com", "password": PASSWORD } }),
        )
        .await;
    assert_eq!(first_error_reason(&old), "INVALID_CREDENTIALS");
    let again = app.gql(CONFIRM, json!({ "token": token })).await;
    refused_code(&again, "token", "CODE_USED");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_email_address_needs_the_password_and_a_free_address() {
    let (smtp, app) = mailing_app().await;
    let ann = app.user("ann", Role::User).await;
    app.create_account("bob", Role::User, AccountStatus::Active)
        .await;

    let wrong = json!({ "email": "ann@new.example", "password": "not the password" });
    refused(
        &app.gql_as(&ann, CHANGE_EMAIL, wrong).await,
        "BAD_USER_INPUT",
        "password",
    );
    let taken = json!({ "email": "BOB@example.com", "password": PASSWORD });
    refused(
        &app.gql_as(&ann, CHANGE_EMAIL, taken).await,
        "CONFLICT",
        "newEmail",
    );
    let own = json!({ "email": "Ann@Example.com", "password": PASSWORD });
    refused(
        &app.gql_as(&ann, CHANGE_EMAIL, own).await,
        "BAD_USER_INPUT",
        "newEmail",
    );
    let invalid = json!({ "email": "not an address", "password": PASSWORD });
    refused(
        &app.gql_as(&ann, CHANGE_EMAIL, invalid).await,
        "BAD_USER_INPUT",
        "newEmail",
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM email_tokens").await, 0);

    // An address taken between the request and the link is CONFLICT, and nothing changes.
    let change = json!({ "email": "carol@example.com", "password": PASSWORD });
    let body = app.gql_as(&ann, CHANGE_EMAIL, change).await;
    assert_eq!(body, json!({ "data": { "changeEmail": true } }));
    let token = mail_about(&smtp, "carol@example.com", NEW_ADDRESS_LINK)
        .await
        .url_param("token")
        .expect("a token");
    app.create_account("carol", Role::User, AccountStatus::Active)
        .await;
    let body = app.gql(CONFIRM, json!({ "token": token })).await;
    assert_eq!(first_error_code(&body), "CONFLICT", "{body}");
    assert_eq!(
        me(&app, &ann).await["data"]["me"]["email"],
        "ann@example.com"
    );

    // An unconfirmed account may not change its address.
    let unconfirmed = app
        .account("dora", Role::User, AccountStatus::Unconfirmed)
        .await;
    let change = json!({ "email": "dora@new.example", "password": PASSWORD });
    let body = app.gql_as(&unconfirmed, CHANGE_EMAIL, change).await;
    assert_eq!(first_error_code(&body), "FORBIDDEN", "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_username_and_a_new_name() {
    let app = TestApp::new().await;
    let ann = app.user("ann", Role::User).await;
    app.create_account("bob", Role::User, AccountStatus::Active)
        .await;

    let body = app
        .gql_as(&ann, CHANGE_USERNAME, json!({ "username": "bob" }))
        .await;
    refused(&body, "CONFLICT", "newUsername");
    let body = app
        .gql_as(&ann, CHANGE_USERNAME, json!({ "username": "Ann Smith" }))
        .await;
    refused(&body, "BAD_USER_INPUT", "newUsername");
    let body = app
        .gql_as(&ann, CHANGE_USERNAME, json!({ "username": "ann.smith" }))
        .await;
    assert_eq!(
        body["data"]["changeUsername"],
        json!({ "id": ann.id, "username": "ann.smith" })
    );
    app.login("ann.smith", PASSWORD).await;
    assert_eq!(events(&app, "USERNAME_CHANGED").await, 1);

    let body = app
        .gql_as(&ann, UPDATE_PROFILE, json!({ "name": "  Ann Smith " }))
        .await;
    assert_eq!(
        body["data"]["updateProfile"],
        json!({ "id": ann.id, "name": "Ann Smith" })
    );
    let body = app
        .gql_as(&ann, UPDATE_PROFILE, json!({ "name": "" }))
        .await;
    refused(&body, "BAD_USER_INPUT", "name");
    let body = app.gql_as(&ann, UPDATE_PROFILE, json!({})).await;
    assert_eq!(body["data"]["updateProfile"]["name"], "Ann Smith", "{body}");
    assert_eq!(me(&app, &ann).await["data"]["me"]["name"], "Ann Smith");
    assert_eq!(events(&app, "PROFILE_UPDATED").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sign_in_from_a_new_device_mails_a_notice() {
    let (smtp, app) = mailing_app().await;
    app.create_account("ann", Role::User, AccountStatus::Active)
        .await;
    let body = login_from(&app, "ann", "Ann's laptop", "Firefox/140").await;
    assert!(body["data"]["login"]["accessToken"].is_string(), "{body}");
    let notice = mail_about(&smtp, "ann@example.com", NEW_DEVICE).await;
    let text = notice.body();
    assert!(
        text.contains("Ann's laptop") && text.contains("Firefox/140") && text.contains("127.0.0.1"),
        "{text}"
    );

    // The same device again, even after signing out: no notice.
    login_from(&app, "ann", "Ann's laptop", "Firefox/140").await;
    assert_eq!(queued(&app, "ann@example.com", NEW_DEVICE).await, 1);
    app.sql("UPDATE sessions SET revoked_at = now()").await;
    login_from(&app, "ann", "Ann's laptop", "Firefox/140").await;
    assert_eq!(queued(&app, "ann@example.com", NEW_DEVICE).await, 1);

    // Another browser on the same device name, or another device: a notice each.
    login_from(&app, "ann", "Ann's laptop", "Chrome/140").await;
    let notice = mail_about(&smtp, "ann@example.com", NEW_DEVICE).await;
    assert!(notice.body().contains("Chrome/140"), "{}", notice.body());
    login_from(&app, "ann", "Ann's phone", "Firefox/140").await;
    let notice = mail_about(&smtp, "ann@example.com", NEW_DEVICE).await;
    assert!(notice.body().contains("Ann's phone"), "{}", notice.body());
    assert_eq!(queued(&app, "ann@example.com", NEW_DEVICE).await, 3);
    // A failed sign-in is no sign-in.
    let failed = app
        .gql(
            LOGIN,
            json!({ "input": { "login": "ann", "password": "wrong", "device": "thief" } }),
        )
        .await;
    assert_eq!(first_error_reason(&failed), "INVALID_CREDENTIALS");
    assert_eq!(queued(&app, "ann@example.com", NEW_DEVICE).await, 3);
}
