//! `schema.graphql` is the public contract: it must equal what the server exports, and
//! graphql-schema-linter (npm, in `tests/audit`) must find nothing in it.

use std::path::Path;

/// The graphql-schema-linter rules the schema keeps: every type, field, argument, enum value
/// and input field is described for the API user, and the connections follow Relay's
/// specification.
const LINT_RULES: &[&str] = &[
    "types-have-descriptions",
    "fields-have-descriptions",
    "arguments-have-descriptions",
    "enum-values-have-descriptions",
    "input-object-values-have-descriptions",
    "relay-connection-types-spec",
    "relay-connection-arguments-spec",
    "relay-page-info-spec",
];

#[test]
fn schema_graphql_equals_the_exported_sdl() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql at the top of the repository");
    let exported = rollcall::schema::sdl();
    assert!(
        committed == exported,
        "schema.graphql differs from the exported SDL; run `cargo run -- export-schema > schema.graphql` \
         and review the change:\n{}",
        first_difference(&committed, &exported)
    );
}

#[tokio::test]
async fn schema_graphql_passes_the_schema_linter() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/audit");
    crate::audit::ensure_node_modules(&dir).await;
    let linter = dir.join("node_modules/.bin/graphql-schema-linter");
    assert!(
        linter.is_file(),
        "{} is missing: run `npm ci` in tests/audit",
        linter.display()
    );
    let output = tokio::process::Command::new("node")
        .arg(&linter)
        .arg("--rules")
        .arg(LINT_RULES.join(","))
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql"))
        .current_dir(&dir)
        .output()
        .await
        .expect("node is needed to run graphql-schema-linter");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // A rule name it does not know is only a warning, and the run then checks nothing.
    assert!(
        !stderr.contains("are invalid"),
        "graphql-schema-linter does not know a rule of LINT_RULES:\n{stderr}"
    );
    assert!(
        output.status.success(),
        "graphql-schema-linter finds problems in schema.graphql: describe them in the Rust \
         source (`///` on types, fields and enum values, `#[graphql(desc = \"...\")]` on \
         arguments), then run `cargo run -- export-schema > schema.graphql`:\n{stdout}{stderr}"
    );
}

fn first_difference(a: &str, b: &str) -> String {
    a.lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .map(|(i, (x, y))| format!("line {}: committed `{x}`, exported `{y}`", i + 1))
        .unwrap_or_else(|| "one is a prefix of the other".into())
}
