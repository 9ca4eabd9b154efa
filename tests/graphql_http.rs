//! GraphQL over HTTP: methods, media types, refusals and the operational endpoints.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;

use crate::common::{TestApp, first_error_code, json_request};

fn get(uri: &str) -> Request<Body> {
    Request::builder()
        .uri(uri)
        .body(Body::empty())
        .expect("request")
}

#[tokio::test(flavor = "multi_thread")]
async fn version_answers_over_post_and_get() {
    let app = TestApp::new().await;
    let body = app.gql("{ version }", json!({})).await;
    assert_eq!(
        body,
        json!({ "data": { "version": env!("CARGO_PKG_VERSION") } })
    );

    let response = app.send(get("/graphql?query=%7Bversion%7D")).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.header("content-type"),
        "application/json; charset=utf-8"
    );
    assert_eq!(
        response.json()["data"]["version"],
        env!("CARGO_PKG_VERSION")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn get_reads_operation_name_and_variables() {
    let app = TestApp::new().await;
    let query =
        "query A { version } query B($skip: Boolean!) { version @skip(if: $skip) serverTime }";
    let uri = format!(
        "/graphql?query={}&operationName=B&variables={}",
        urlencode(query),
        urlencode(r#"{"skip":true}"#)
    );
    let body = app.send(get(&uri)).await.json();
    assert!(body["data"]["version"].is_null(), "{body}");
    assert!(body["data"]["serverTime"].is_string(), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn server_time_is_the_database_clock_in_utc() {
    let app = TestApp::new().await;
    let body = app.gql("{ serverTime }", json!({})).await;
    let text = body["data"]["serverTime"].as_str().expect("a string");
    let time = chrono::DateTime::parse_from_rfc3339(text).expect("RFC 3339");
    assert!(text.ends_with('Z'), "{text}");
    let skew = (chrono::Utc::now() - time.to_utc()).num_seconds().abs();
    assert!(skew < 60, "clock skew of {skew} s");
}

#[tokio::test(flavor = "multi_thread")]
async fn mutations_over_get_are_405() {
    let app = TestApp::new().await;
    let response = app
        .send(get(&format!(
            "/graphql?query={}",
            urlencode("mutation { anything }")
        )))
        .await;
    assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.header("allow"), "POST");
    assert_eq!(first_error_code(&response.json()), "BAD_REQUEST");
}

#[tokio::test(flavor = "multi_thread")]
async fn bodies_that_are_not_json_are_415() {
    let app = TestApp::new().await;
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json; charset=latin1",
    ] {
        let request = Request::builder()
            .method(Method::POST)
            .uri("/graphql")
            .header("content-type", content_type)
            .body(Body::from("query=%7Bversion%7D"))
            .expect("request");
        let response = app.send(request).await;
        assert_eq!(
            response.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type}"
        );
        assert_eq!(first_error_code(&response.json()), "BAD_REQUEST");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn batches_are_refused() {
    let app = TestApp::new().await;
    let response = app
        .post_json(&json!([{ "query": "{ version }" }, { "query": "{ version }" }]))
        .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    let body = response.json();
    assert_eq!(first_error_code(&body), "BAD_REQUEST");
    assert!(body.get("data").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn bodies_over_one_mebibyte_are_413_and_the_server_goes_on() {
    let app = TestApp::new().await;
    let padding = " ".repeat(2 * 1024 * 1024);
    let request = Request::builder()
        .method(Method::POST)
        .uri("/graphql")
        .header("content-type", "application/json")
        .body(Body::from(format!(
            "{{\"query\": \"{{ version }}\"{padding}}}"
        )))
        .expect("request");
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(first_error_code(&response.json()), "PAYLOAD_TOO_LARGE");
    assert_eq!(
        app.gql("{ version }", json!({})).await["data"]["version"],
        env!("CARGO_PKG_VERSION")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_requests_are_400() {
    let app = TestApp::new().await;
    let cases = [
        json!({}),
        json!({ "query": 1 }),
        json!({ "query": "{ version }", "variables": [1] }),
        json!({ "query": "{ version }", "operationName": 7 }),
        json!("{ version }"),
    ];
    for body in cases {
        let response = app.post_json(&body).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(first_error_code(&response.json()), "BAD_REQUEST", "{body}");
    }
    let request = Request::builder()
        .method(Method::POST)
        .uri("/graphql")
        .header("content-type", "application/json")
        .body(Body::from("{ not json"))
        .expect("request");
    assert_eq!(app.send(request).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread")]
async fn accept_picks_the_media_type_and_status() {
    let app = TestApp::new().await;
    let bad = json!({ "query": "{ version" });

    let mut request = json_request(&bad);
    request.headers_mut().insert(
        "accept",
        "application/graphql-response+json".parse().expect("header"),
    );
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        response.header("content-type"),
        "application/graphql-response+json; charset=utf-8"
    );
    let body = response.json();
    assert_eq!(first_error_code(&body), "GRAPHQL_PARSE_FAILED");
    assert!(body.get("data").is_none());

    let mut request = json_request(&bad);
    request
        .headers_mut()
        .insert("accept", "application/json".parse().expect("header"));
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.header("content-type"),
        "application/json; charset=utf-8"
    );
    assert_eq!(first_error_code(&response.json()), "GRAPHQL_PARSE_FAILED");

    let mut request = json_request(&json!({ "query": "{ version }" }));
    request
        .headers_mut()
        .insert("accept", "text/html".parse().expect("header"));
    assert_eq!(app.send(request).await.status, StatusCode::NOT_ACCEPTABLE);
}

#[tokio::test(flavor = "multi_thread")]
async fn parse_errors_are_short_and_do_not_echo_the_document() {
    let app = TestApp::new().await;
    let secret = "s3cr3t-".repeat(200);
    let body = app
        .post_json(&json!({ "query": format!("{{ version(token: \"{secret}\") ") }))
        .await
        .json();
    assert_eq!(first_error_code(&body), "GRAPHQL_PARSE_FAILED");
    let message = body["errors"][0]["message"].as_str().expect("message");
    assert!(message.len() < 300, "{message}");
    assert!(!message.contains("s3cr3t"), "{message}");
    assert!(body["errors"][0]["locations"].is_array());
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_operation_names_and_fields_are_validation_errors() {
    let app = TestApp::new().await;
    let body = app
        .post_json(&json!({ "query": "query A { version }", "operationName": "B" }))
        .await
        .json();
    assert_eq!(first_error_code(&body), "GRAPHQL_VALIDATION_FAILED");

    let body = app.gql("{ versio }", json!({})).await;
    assert_eq!(first_error_code(&body), "GRAPHQL_VALIDATION_FAILED");
    assert!(body.get("data").is_none());
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("Did you mean")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn production_hides_introspection_and_suggestions() {
    let app = TestApp::with_settings(|s| s.environment = rollcall::config::Environment::Prod).await;
    let body = app
        .gql("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(
        first_error_code(&body),
        "GRAPHQL_VALIDATION_FAILED",
        "{body}"
    );

    let body = app.gql("{ versio }", json!({})).await;
    assert_eq!(first_error_code(&body), "GRAPHQL_VALIDATION_FAILED");
    assert!(
        !body["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("Did you mean")
    );

    let dev = TestApp::new().await;
    let body = dev
        .gql("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_variables_are_coded() {
    let app = TestApp::new().await;
    let body = app
        .gql(
            "query ($skip: Boolean!) { version @skip(if: $skip) }",
            json!({ "skip": "yes" }),
        )
        .await;
    let code = first_error_code(&body);
    assert!(
        code == "GRAPHQL_VALIDATION_FAILED" || code == "BAD_USER_INPUT",
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_over_its_time_limit_is_answered_timeout() {
    let app = TestApp::with_settings(|s| {
        s.pool_size = 1;
        s.request_timeout = std::time::Duration::from_millis(300);
    })
    .await;
    // Hold the only connection: the request waits for it past its time limit.
    let held = app.app.pool.get().await.expect("a connection");
    let response = app.post_json(&json!({ "query": "{ serverTime }" })).await;
    assert_eq!(response.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(first_error_code(&response.json()), "TIMEOUT");
    drop(held);
    let body = app.gql("{ serverTime }", json!({})).await;
    assert!(body["data"]["serverTime"].is_string(), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_exhausted_pool_is_service_unavailable() {
    let app = TestApp::with_settings(|s| {
        s.pool_size = 1;
        s.pool_timeout = std::time::Duration::from_millis(300);
    })
    .await;
    let held = app.app.pool.get().await.expect("a connection");
    let body = app.gql("{ serverTime }", json!({})).await;
    assert_eq!(first_error_code(&body), "SERVICE_UNAVAILABLE", "{body}");
    drop(held);
}

#[tokio::test(flavor = "multi_thread")]
async fn request_ids_are_echoed() {
    let app = TestApp::new().await;
    let response = app.post_json(&json!({ "query": "{ version }" })).await;
    let id = response.header("x-request-id");
    assert_eq!(id.len(), 36, "a UUID: {id}");

    let mut request = json_request(&json!({ "query": "{ version }" }));
    request
        .headers_mut()
        .insert("x-request-id", "trace-42".parse().expect("header"));
    assert_eq!(app.send(request).await.header("x-request-id"), "trace-42");
}

#[tokio::test(flavor = "multi_thread")]
async fn health_readiness_and_metrics() {
    let app = TestApp::new().await;
    let response = app.send(get("/healthz")).await;
    assert_eq!(response.status, StatusCode::OK);
    let response = app.send(get("/readyz")).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.json()["status"], "ready");

    app.gql("{ version }", json!({})).await;
    app.gql("{ nope }", json!({})).await;
    let metrics = app.send(get("/metrics")).await.text();
    assert!(
        metrics.contains("rollcall_graphql_requests_total{operation=\"query\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("rollcall_graphql_request_duration_seconds_bucket{operation=\"query\"")
    );
    assert!(
        metrics.contains("rollcall_graphql_errors_total{code=\"GRAPHQL_VALIDATION_FAILED\"} 1")
    );
    assert!(metrics.contains("rollcall_db_pool_max_connections 4"));
}

#[tokio::test(flavor = "multi_thread")]
async fn cors_allows_configured_origins_only() {
    let app = TestApp::with_settings(|s| {
        s.cors_origins = vec!["https://app.example.com".parse().expect("origin")];
    })
    .await;
    let preflight = |origin: &'static str| {
        Request::builder()
            .method(Method::OPTIONS)
            .uri("/graphql")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type, graphql-require-preflight",
            )
            .body(Body::empty())
            .expect("request")
    };
    let allowed = app.send(preflight("https://app.example.com")).await;
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        "https://app.example.com"
    );
    let headers = allowed
        .header("access-control-allow-headers")
        .to_ascii_lowercase();
    // With the headers a multipart request must carry, so pages of the origin can upload.
    for header in [
        "authorization",
        "content-type",
        "graphql-require-preflight",
        "apollo-require-preflight",
        "x-apollo-operation-name",
    ] {
        assert!(headers.contains(header), "{header} not in {headers}");
    }

    let refused = app.send(preflight("https://evil.example.com")).await;
    assert!(refused.headers.get("access-control-allow-origin").is_none());
}

/// `POST /graphql` with a multipart body holding only `operations` (`{ version }`) and an empty
/// `map`, with `headers` added.
fn multipart_version(headers: &[(&str, &str)]) -> Request<Body> {
    let body = concat!(
        "--b0undary\r\n",
        "Content-Disposition: form-data; name=\"operations\"\r\n\r\n",
        "{\"query\": \"{ version }\"}\r\n",
        "--b0undary\r\n",
        "Content-Disposition: form-data; name=\"map\"\r\n\r\n",
        "{}\r\n",
        "--b0undary--\r\n",
    );
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/graphql")
        .header("content-type", "multipart/form-data; boundary=b0undary");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(Body::from(body)).expect("request")
}

#[tokio::test(flavor = "multi_thread")]
async fn multipart_requests_need_a_header_a_cross_site_form_cannot_send() {
    let app = TestApp::new().await;
    // What a <form enctype="multipart/form-data"> on another site can send: refused, whatever
    // the operation, before it runs.
    for headers in [
        vec![],
        vec![("graphql-require-preflight", "")],
        vec![("apollo-require-preflight", "")],
        vec![("x-apollo-operation-name", "")],
        vec![("x-requested-with", "XMLHttpRequest")],
    ] {
        let response = app.send(multipart_version(&headers)).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{headers:?}");
        let body = response.json();
        assert_eq!(first_error_code(&body), "BAD_REQUEST", "{headers:?}");
        assert!(body.get("data").is_none(), "{body}");
        let message = body["errors"][0]["message"].as_str().expect("a message");
        for name in [
            "graphql-require-preflight",
            "apollo-require-preflight",
            "x-apollo-operation-name",
        ] {
            assert!(message.contains(name), "{message}");
        }
    }

    for name in [
        "graphql-require-preflight",
        "Apollo-Require-Preflight",
        "x-apollo-operation-name",
    ] {
        let response = app.send(multipart_version(&[(name, "1")])).await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "{name}: {}",
            response.text()
        );
        assert_eq!(
            response.json(),
            json!({ "data": { "version": env!("CARGO_PKG_VERSION") } }),
            "{name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_paths_are_coded_404() {
    let app = TestApp::new().await;
    let response = app.send(get("/nowhere")).await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(first_error_code(&response.json()), "NOT_FOUND");
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_keep_the_order_of_the_selected_fields() {
    let app = TestApp::new().await;
    for (query, first, second) in [
        ("{ version serverTime }", "\"version\"", "\"serverTime\""),
        ("{ serverTime version }", "\"serverTime\"", "\"version\""),
        ("{ z: version a: version }", "\"z\"", "\"a\""),
        (
            "{ ...F b: version } fragment F on Query { serverTime }",
            "\"serverTime\"",
            "\"b\"",
        ),
    ] {
        let text = app.post_json(&json!({ "query": query })).await.text();
        let (Some(first_at), Some(second_at)) = (text.find(first), text.find(second)) else {
            panic!("{query}: {text}");
        };
        assert!(first_at < second_at, "{query} answered {text}");
        assert!(text.starts_with("{\"data\":"), "{text}");
    }
}
