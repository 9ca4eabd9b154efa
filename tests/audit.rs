//! The graphql-http audit suite (npm `graphql-http`, `auditServer`) finds no MUST failure.

use std::path::Path;

use crate::common::TestApp;

#[tokio::test(flavor = "multi_thread")]
async fn graphql_http_audit_finds_no_must_failure() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/audit");
    if !dir.join("node_modules/graphql-http").is_dir() {
        let status = tokio::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .status()
            .await
            .expect("npm (Node.js) is needed to run the audit");
        assert!(status.success(), "npm ci failed in tests/audit");
    }
    let app = TestApp::new().await;
    let addr = app.spawn_server().await;
    let output = tokio::process::Command::new("node")
        .arg("audit.mjs")
        .arg(format!("http://{addr}/graphql"))
        .current_dir(&dir)
        .output()
        .await
        .expect("node is needed to run the audit");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the audit found MUST failures:\n{report}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(report.contains("must failures: 0"), "{report}");
}
