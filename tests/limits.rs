//! Every limit on a document, and that the server answers the next request after a refusal.

use serde_json::{Value, json};

use crate::common::{TestApp, first_error_code};

/// GraphiQL's introspection query (graphql-js `getIntrospectionQuery` with every option).
const INTROSPECTION: &str = include_str!("fixtures/introspection.graphql");

async fn refused_then_recovers(app: &TestApp, query: &str, code: &str) -> Value {
    let body = app.post_json(&json!({ "query": query })).await.json();
    assert_eq!(
        first_error_code(&body),
        code,
        "{}",
        truncate(&body.to_string())
    );
    assert!(body.get("data").is_none(), "refused requests carry no data");
    let next = app.gql("{ version }", json!({})).await;
    assert_eq!(next["data"]["version"], env!("CARGO_PKG_VERSION"));
    body
}

fn truncate(text: &str) -> &str {
    &text[..text.len().min(400)]
}

/// `{ __schema { queryType { fields { type { ofType { ofType ... } } } } } }`, `depth` deep.
fn nested_introspection(depth: usize) -> String {
    let levels = depth.saturating_sub(4);
    let mut query = String::from("{ __schema { queryType { fields { type ");
    query.push_str(&"{ ofType ".repeat(levels.saturating_sub(1)));
    query.push_str("{ name }");
    query.push_str(&" }".repeat(levels.saturating_sub(1)));
    query.push_str(" } } } }");
    query
}

#[tokio::test(flavor = "multi_thread")]
async fn graphiql_introspection_passes_every_limit() {
    let app = TestApp::new().await;
    let body = app.gql(INTROSPECTION, json!({})).await;
    assert!(
        body.get("errors").is_none(),
        "{}",
        truncate(&body.to_string())
    );
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
}

#[tokio::test(flavor = "multi_thread")]
async fn depth_is_limited_to_16() {
    let app = TestApp::new().await;
    let at_limit = app.gql(&nested_introspection(16), json!({})).await;
    assert!(at_limit.get("errors").is_none(), "{at_limit}");
    let body =
        refused_then_recovers(&app, &nested_introspection(17), "GRAPHQL_VALIDATION_FAILED").await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("nested too deep"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn recursive_depth_is_limited_to_32() {
    let app = TestApp::new().await;
    let body =
        refused_then_recovers(&app, &nested_introspection(40), "GRAPHQL_VALIDATION_FAILED").await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("32"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_query_nested_1000_deep_is_refused_before_parsing() {
    let app = TestApp::new().await;
    let query = format!("{}version{}", "{ a ".repeat(1000), " }".repeat(1000));
    refused_then_recovers(&app, &query, "GRAPHQL_PARSE_FAILED").await;
    // Close to the body limit: nesting this deep would overflow the parser's stack.
    let query = format!("{}{}", "{a".repeat(450_000), "}".repeat(50_000));
    refused_then_recovers(&app, &query, "GRAPHQL_PARSE_FAILED").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn complexity_is_limited_to_5000() {
    let app = TestApp::new().await;
    let aliases = |n: usize| {
        let fields: Vec<String> = (0..n).map(|i| format!("a{i}: version")).collect();
        format!("{{ {} }}", fields.join(" "))
    };
    let at_limit = app.gql(&aliases(5000), json!({})).await;
    assert!(at_limit.get("errors").is_none());
    let body = refused_then_recovers(&app, &aliases(5001), "GRAPHQL_VALIDATION_FAILED").await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("complex"),
        "{body}"
    );
    refused_then_recovers(&app, &aliases(10_000), "GRAPHQL_VALIDATION_FAILED").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn directives_are_limited_to_10_per_field() {
    let app = TestApp::new().await;
    let directives = |n: usize| format!("{{ version {} }}", "@skip(if: false) ".repeat(n));
    let limit_message = "number of directives";
    // Ten are within the limit (and then refused only because @skip may not repeat).
    let at_limit = app.gql(&directives(10), json!({})).await;
    assert!(!at_limit.to_string().contains(limit_message), "{at_limit}");
    for count in [11, 10_000] {
        let body =
            refused_then_recovers(&app, &directives(count), "GRAPHQL_VALIDATION_FAILED").await;
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .expect("message")
                .contains(limit_message),
            "{body}"
        );
    }
}
