//! Identity: sign-in, tokens, refresh rotation, sessions, rate limits and levels.

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rollcall::auth::identity::{AccountStatus, Role};
use rollcall::auth::tokens::{self, AccessClaims};
use serde_json::{Value, json};

use crate::common::accounts::{LOGIN, PASSWORD, first_error_reason};
use crate::common::{TestApp, first_error_code};

const ME: &str = "{ me { id username email role status } }";
const REFRESH: &str = "mutation ($token: String!) {
    refreshToken(refreshToken: $token) { accessToken refreshToken session { id } }
}";

async fn login_error(app: &TestApp, login: &str, password: &str) -> Value {
    app.gql(
        LOGIN,
        json!({ "input": { "login": login, "password": password } }),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_by_email_or_username_and_see_yourself() {
    let app = TestApp::new().await;
    app.create_account("ann", Role::User, AccountStatus::Active)
        .await;
    let by_name = app.login("ann", PASSWORD).await;
    let by_email = app.login("ANN@example.com", PASSWORD).await;
    assert_eq!(by_name.id, by_email.id);
    assert_ne!(by_name.session, by_email.session);

    let me = app.gql_as(&by_name, ME, json!({})).await;
    assert_eq!(me["data"]["me"]["username"], "ann");
    assert_eq!(me["data"]["me"]["email"], "ann@example.com");
    assert_eq!(me["data"]["me"]["role"], "USER");

    let anonymous = app.gql(ME, json!({})).await;
    assert_eq!(anonymous, json!({ "data": { "me": null } }));
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_password_and_unknown_account_are_the_same_error() {
    let app = TestApp::new().await;
    app.create_account("ann", Role::User, AccountStatus::Active)
        .await;
    let wrong = login_error(&app, "ann", "not the password").await;
    let unknown = login_error(&app, "nobody", "not the password").await;
    for body in [&wrong, &unknown] {
        assert_eq!(first_error_code(body), "UNAUTHENTICATED");
        assert_eq!(first_error_reason(body), "INVALID_CREDENTIALS");
    }
    assert_eq!(
        wrong["errors"][0]["message"],
        unknown["errors"][0]["message"]
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM auth_events WHERE kind = 'SIGN_IN_FAILED'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn basic_authorization_signs_in_without_input() {
    use base64::Engine as _;
    let app = TestApp::new().await;
    app.create_account("ann", Role::User, AccountStatus::Active)
        .await;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("ann:{PASSWORD}"));
    let body = app
        .gql_with_header(
            &format!("Basic {basic}"),
            "mutation { login { accessToken user { username } } }",
            json!({}),
        )
        .await
        .json();
    assert_eq!(body["data"]["login"]["user"]["username"], "ann", "{body}");

    let without = app
        .gql("mutation { login { accessToken } }", json!({}))
        .await;
    assert_eq!(first_error_code(&without), "BAD_USER_INPUT");
}

fn token_with(
    app: &TestApp,
    edit: impl FnOnce(&mut AccessClaims),
    secret: Option<&[u8]>,
) -> String {
    let (token, _) = tokens::issue_access(&app.app.keys, 1, 1, Utc::now()).expect("token");
    let mut claims = tokens::verify_access(&app.app.keys, &token).expect("claims");
    edit(&mut claims);
    let header = Header {
        kid: Some(app.app.keys.current.kid.clone()),
        ..Header::new(Algorithm::HS256)
    };
    let key = secret.map_or_else(
        || app.app.keys.current.encoding.clone(),
        EncodingKey::from_secret,
    );
    jsonwebtoken::encode(&header, &claims, &key).expect("encode")
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_tokens_fail_the_request_with_a_reason() {
    let app = TestApp::new().await;
    let ann = app.user("ann", Role::User).await;
    let session: i64 = ann.session.parse().expect("id");
    let ann_id = ann.id.clone();
    let claims_of = move |claims: &mut AccessClaims| {
        claims.sid = session;
        claims.sub = ann_id.clone();
    };

    let expired = {
        let claims_of = claims_of.clone();
        token_with(
            &app,
            move |c| {
                claims_of(c);
                c.iat = (Utc::now() - Duration::hours(1)).timestamp();
                c.exp = (Utc::now() - Duration::minutes(30)).timestamp();
            },
            None,
        )
    };
    let wrong_audience = {
        let claims_of = claims_of.clone();
        token_with(
            &app,
            move |c| {
                claims_of(c);
                c.aud = "someone-else".into();
            },
            None,
        )
    };
    let forged = {
        let claims_of = claims_of.clone();
        token_with(
            &app,
            move |c| claims_of(c),
            Some(b"another secret of 32 bytes or more!"),
        )
    };
    let wrong_type = token_with(
        &app,
        move |c| {
            claims_of(c);
            c.typ = "refresh".into();
        },
        None,
    );
    // `alg: none`: the same claims, no signature.
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let payload = ann.access.split('.').nth(1).expect("payload");
    let none = format!("{}.{payload}.", b64.encode(r#"{"alg":"none","typ":"JWT"}"#));

    let cases = [
        (expired.as_str(), "TOKEN_EXPIRED"),
        (wrong_audience.as_str(), "TOKEN_INVALID"),
        (forged.as_str(), "TOKEN_INVALID"),
        (wrong_type.as_str(), "TOKEN_INVALID"),
        (none.as_str(), "TOKEN_INVALID"),
        (ann.refresh.as_str(), "TOKEN_INVALID"),
    ];
    for (token, reason) in cases {
        let body = app.gql_with_token(token, ME, json!({})).await;
        assert_eq!(
            first_error_code(&body),
            "UNAUTHENTICATED",
            "{reason}: {body}"
        );
        assert_eq!(first_error_reason(&body), reason, "{body}");
        assert!(body.get("data").is_none(), "the request as a whole fails");
    }
    // Operations open to anyone run as anonymous despite a bad token.
    let body = app
        .gql_with_token(
            &expired,
            LOGIN,
            json!({ "input": { "login": "ann", "password": PASSWORD } }),
        )
        .await;
    assert!(body["data"]["login"]["accessToken"].is_string(), "{body}");
    // The good token still works.
    assert_eq!(
        app.gql_as(&ann, ME, json!({})).await["data"]["me"]["username"],
        "ann"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_ends_the_session_at_the_next_request() {
    let app = TestApp::new().await;
    let ann = app.user("ann", Role::User).await;
    let other = app.login("ann", PASSWORD).await;
    let body = app.gql_as(&ann, "mutation { logout }", json!({})).await;
    assert_eq!(body["data"]["logout"], true);
    let body = app.gql_as(&ann, ME, json!({})).await;
    assert_eq!(first_error_reason(&body), "SESSION_REVOKED");
    // Its refresh token is dead too.
    let body = app.gql(REFRESH, json!({ "token": ann.refresh })).await;
    assert_eq!(first_error_reason(&body), "SESSION_REVOKED");
    // The other device is untouched.
    assert_eq!(
        app.gql_as(&other, ME, json!({})).await["data"]["me"]["username"],
        "ann"
    );

    let third = app.login("ann", PASSWORD).await;
    let body = app
        .gql_as(&third, "mutation { logoutAll }", json!({}))
        .await;
    assert_eq!(body["data"]["logoutAll"], 2);
    assert_eq!(
        first_error_reason(&app.gql_as(&other, ME, json!({})).await),
        "SESSION_REVOKED"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM auth_events WHERE kind IN ('LOGOUT', 'LOGOUT_ALL')")
            .await,
        2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_rotates_and_a_replay_revokes_the_session() {
    let app = TestApp::new().await;
    let ann = app.user("ann", Role::User).await;

    let first = app.gql(REFRESH, json!({ "token": ann.refresh })).await;
    let pair = &first["data"]["refreshToken"];
    assert!(pair["refreshToken"].is_string(), "{first}");
    assert_ne!(pair["refreshToken"], ann.refresh.as_str());
    assert_eq!(pair["session"]["id"], ann.session.as_str());

    // Two tabs refreshing at once: within 10 s the old token answers the same new pair.
    let again = app.gql(REFRESH, json!({ "token": ann.refresh })).await;
    assert_eq!(again["data"]["refreshToken"], *pair, "{again}");

    // Later, the old token is a replay: the whole session ends.
    app.sql("UPDATE refresh_tokens SET rotated_at = rotated_at - interval '11 seconds' WHERE rotated_at IS NOT NULL")
        .await;
    let replay = app.gql(REFRESH, json!({ "token": ann.refresh })).await;
    assert_eq!(first_error_code(&replay), "UNAUTHENTICATED");
    assert_eq!(first_error_reason(&replay), "SESSION_REVOKED");
    let new_access = pair["accessToken"].as_str().expect("token");
    assert_eq!(
        first_error_reason(&app.gql_with_token(new_access, ME, json!({})).await),
        "SESSION_REVOKED"
    );
    let new_refresh = pair["refreshToken"].as_str().expect("token");
    assert_eq!(
        first_error_reason(&app.gql(REFRESH, json!({ "token": new_refresh })).await),
        "SESSION_REVOKED"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM auth_events WHERE kind = 'REFRESH_REPLAY'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_tokens_expire_and_unknown_ones_are_invalid() {
    let app = TestApp::new().await;
    let ann = app.user("ann", Role::User).await;
    app.sql("UPDATE refresh_tokens SET expires_at = now() - interval '1 second'")
        .await;
    let body = app.gql(REFRESH, json!({ "token": ann.refresh })).await;
    assert_eq!(first_error_reason(&body), "TOKEN_EXPIRED");
    let body = app.gql(REFRESH, json!({ "token": "made-up" })).await;
    assert_eq!(first_error_reason(&body), "TOKEN_INVALID");
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_are_listed_and_revoked() {
    let app = TestApp::new().await;
    let ann = app.user("ann", Role::User).await;
    let phone = app.login("ann", PASSWORD).await;
    let bob = app.user("bob", Role::User).await;

    let body = app
        .gql_as(&ann, "{ me { sessions { id device current } } }", json!({}))
        .await;
    let sessions = body["data"]["me"]["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 2);
    let current: Vec<&Value> = sessions.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["id"], ann.session.as_str());

    let revoke = "mutation ($id: ID!) { revokeSession(id: $id) }";
    let body = app
        .gql_as(&ann, revoke, json!({ "id": phone.session }))
        .await;
    assert_eq!(body["data"]["revokeSession"], true);
    assert_eq!(
        first_error_reason(&app.gql_as(&phone, ME, json!({})).await),
        "SESSION_REVOKED"
    );
    // Someone else's session is not there for you.
    let body = app.gql_as(&ann, revoke, json!({ "id": bob.session })).await;
    assert_eq!(first_error_code(&body), "NOT_FOUND");
    // An admin may end anyone's.
    let admin = app.user("root", Role::Admin).await;
    let body = app
        .gql_as(&admin, revoke, json!({ "id": bob.session }))
        .await;
    assert_eq!(body["data"]["revokeSession"], true);
    let body = app
        .gql_as(&admin, revoke, json!({ "id": bob.session }))
        .await;
    assert_eq!(body["data"]["revokeSession"], false, "already ended");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_account_keeps_at_most_twenty_live_sessions() {
    let app = TestApp::new().await;
    let first = app.user("ann", Role::User).await;
    for _ in 0..20 {
        app.login("ann", PASSWORD).await;
    }
    assert_eq!(
        app.count("SELECT count(*) AS n FROM sessions WHERE revoked_at IS NULL")
            .await,
        20
    );
    assert_eq!(
        first_error_reason(&app.gql_as(&first, ME, json!({})).await),
        "SESSION_REVOKED",
        "the oldest session ended"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_failures_lock_the_account_even_for_the_right_password() {
    let app = TestApp::new().await;
    app.create_account("ann", Role::User, AccountStatus::Active)
        .await;
    // Ten aliased logins in one document: each one counts.
    let aliases: Vec<String> = (0..11)
        .map(|i| {
            format!(
                r#"l{i}: login(input: {{login: "ann", password: "wrong {i}"}}) {{ accessToken }}"#
            )
        })
        .collect();
    let body = app
        .gql(&format!("mutation {{ {} }}", aliases.join(" ")), json!({}))
        .await;
    let errors = body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 11);
    assert_eq!(errors[9]["extensions"]["reason"], "INVALID_CREDENTIALS");
    assert_eq!(errors[10]["extensions"]["code"], "RATE_LIMITED", "{body}");
    let retry_after = errors[10]["extensions"]["retryAfter"]
        .as_u64()
        .expect("retryAfter");
    assert!((1..=900).contains(&retry_after), "{retry_after}");

    let body = login_error(&app, "ann", PASSWORD).await;
    assert_eq!(first_error_code(&body), "RATE_LIMITED");

    // Fifteen minutes later (moved by backdating), the right password works again.
    app.sql("UPDATE login_failures SET at = at - interval '15 minutes'")
        .await;
    app.login("ann", PASSWORD).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_failures_from_one_address_lock_it() {
    let app = TestApp::new().await;
    app.create_account("ann", Role::User, AccountStatus::Active)
        .await;
    app.sql("INSERT INTO login_failures (ip) SELECT '127.0.0.1' FROM generate_series(1, 100)")
        .await;
    let body = login_error(&app, "ann", PASSWORD).await;
    assert_eq!(first_error_code(&body), "RATE_LIMITED");
    app.sql("UPDATE login_failures SET at = at - interval '1 hour'")
        .await;
    app.login("ann", PASSWORD).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
    for (trusted, expected) in [(true, "203.0.113.9"), (false, "127.0.0.1")] {
        let app = TestApp::with_settings(|s| {
            if trusted {
                s.trusted_proxies = vec!["127.0.0.1/32".parse().expect("net")];
            }
        })
        .await;
        app.create_account("ann", Role::User, AccountStatus::Active)
            .await;
        let mut request = crate::common::json_request(&json!({
            "query": LOGIN,
            "variables": { "input": { "login": "ann", "password": PASSWORD } },
        }));
        request.headers_mut().insert(
            "x-forwarded-for",
            "198.51.100.1, 203.0.113.9".parse().expect("header"),
        );
        let response = app.send(request).await;
        assert_eq!(response.status, StatusCode::OK);
        let token = response.json()["data"]["login"]["accessToken"]
            .as_str()
            .expect("token")
            .to_owned();
        let body = app
            .gql_with_token(&token, "{ me { sessions { ipAddress } } }", json!({}))
            .await;
        assert_eq!(
            body["data"]["me"]["sessions"][0]["ipAddress"], expected,
            "{body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn weaker_password_hashes_are_upgraded_at_sign_in() {
    let app = TestApp::new().await;
    let id = app
        .create_account("ann", Role::User, AccountStatus::Active)
        .await;
    let weak = {
        use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
        let params = argon2::Params::new(8192, 1, 1, None).expect("params");
        argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
            .hash_password(PASSWORD.as_bytes(), &SaltString::generate(&mut OsRng))
            .expect("hash")
            .to_string()
    };
    app.sql(&format!(
        "UPDATE users SET password_hash = '{weak}' WHERE id = {id}"
    ))
    .await;
    app.login("ann", PASSWORD).await;
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM users WHERE id = {id} AND password_hash LIKE '%m=19456,t=2,p=1%'"
        ))
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn stale_unconfirmed_accounts_are_removed() {
    let app = TestApp::new().await;
    app.create_account("old", Role::User, AccountStatus::Unconfirmed)
        .await;
    app.create_account("new", Role::User, AccountStatus::Unconfirmed)
        .await;
    app.create_account("kept", Role::User, AccountStatus::Active)
        .await;
    app.sql(
        "UPDATE users SET created_at = now() - interval '8 days' WHERE username IN ('old', 'kept')",
    )
    .await;
    rollcall::accounts::service::identity::remove_stale_unconfirmed(app.app.clone())
        .await
        .expect("clean-up");
    assert_eq!(app.count("SELECT count(*) AS n FROM users").await, 2);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM users WHERE username = 'old'")
            .await,
        0
    );
    // The email and username are free again.
    app.create_account("old", Role::User, AccountStatus::Unconfirmed)
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_instances_share_sessions_and_limits() {
    let app = TestApp::new().await;
    let other = app.second_instance().await;
    let ann = app.user("ann", Role::User).await;
    let body = other.gql_with_token(&ann.access, ME, json!({})).await;
    assert_eq!(body["data"]["me"]["username"], "ann");

    app.gql_as(&ann, "mutation { logout }", json!({})).await;
    let body = other.gql_with_token(&ann.access, ME, json!({})).await;
    assert_eq!(first_error_reason(&body), "SESSION_REVOKED");

    app.sql("INSERT INTO login_failures (user_id) SELECT id FROM users, generate_series(1, 10)")
        .await;
    let body = login_error(&other, "ann", PASSWORD).await;
    assert_eq!(first_error_code(&body), "RATE_LIMITED");
}

/// Under load, the viewers' sessions are read in few statements (each read still after its
/// request arrived), and each request gets its own account, or its refusal.
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_requests_share_session_reads_and_keep_their_own_viewer() {
    let app = TestApp::with_settings(|s| s.pool_size = 4).await;
    let mut viewers = Vec::new();
    for n in 0..20 {
        viewers.push((n, app.user(&format!("ann{n}"), Role::User).await));
    }
    let revoked = &viewers[7].1;
    let body = app.gql_as(revoked, "mutation { logout }", json!({})).await;
    assert_eq!(body["data"]["logout"], true, "{body}");

    // Hold every connection, so that the reads pile up behind the first statements.
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(app.app.pool.get().await.expect("a connection"));
    }
    let before = app.app.statements.get();
    let requests = viewers.iter().map(|(_, user)| {
        let app = &app;
        async move { app.gql_as(user, "{ me { username } }", json!({})).await }
    });
    let all = futures_util::future::join_all(requests);
    let released = async {
        // Let the first statement wait for a connection, and the other reads gather behind it,
        // before the connections come back. Bounded, so that a read that never waits fails the
        // test rather than hanging it.
        let waiting = async {
            while app.app.pool.status().waiting == 0 {
                tokio::task::yield_now().await;
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(30), waiting)
            .await
            .expect("a session read waits for a connection");
        tokio::task::yield_now().await;
        drop(held);
    };
    let (answers, ()) = tokio::join!(all, released);
    let statements = app.app.statements.get() - before;

    for ((n, _), body) in viewers.iter().zip(&answers) {
        if *n == 7 {
            assert_eq!(first_error_reason(body), "SESSION_REVOKED", "{body}");
        } else {
            assert_eq!(body["data"]["me"]["username"], format!("ann{n}"), "{body}");
        }
    }
    assert!(
        statements < 20,
        "20 requests read their sessions in {statements} statements"
    );
}

/// A session's last use is recorded when a request comes a minute or more after the previous
/// record, once, however many of its requests arrive together.
#[tokio::test(flavor = "multi_thread")]
async fn the_last_use_of_a_session_is_recorded_once_a_minute() {
    let app = TestApp::new().await;
    let ann = app.user("ann", Role::User).await;
    app.sql(&format!(
        "UPDATE sessions SET last_seen_at = now() - interval '5 minutes' WHERE id = {}",
        ann.session
    ))
    .await;
    let requests = (0..10).map(|_| app.gql_as(&ann, "{ me { username } }", json!({})));
    for body in futures_util::future::join_all(requests).await {
        assert_eq!(body["data"]["me"]["username"], "ann", "{body}");
    }
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM sessions WHERE id = {} AND last_seen_at > now() - interval '1 minute'",
            ann.session
        ))
        .await,
        1,
        "the last use is recorded"
    );
}
