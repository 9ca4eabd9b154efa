//! The graphql-http audit suite (npm `graphql-http`, `auditServer`) finds no MUST failure.

use std::path::Path;

use crate::common::TestApp;

#[tokio::test(flavor = "multi_thread")]
async fn graphql_http_audit_finds_no_must_failure() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/audit");
    ensure_node_modules(&dir).await;
    let app = TestApp::new().await;
    let (addr, _server) = app.spawn_server().await;
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

/// Installs the Node.js clients (`npm ci`) unless they are there; tests that use them call it.
pub async fn ensure_node_modules(dir: &Path) {
    static INSTALL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _one_at_a_time = INSTALL.lock().await;
    if dir.join("node_modules/.package-lock.json").is_file() {
        return;
    }
    let status = tokio::process::Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .status()
        .await
        .expect("npm (Node.js) is needed for the Node.js client tests");
    assert!(status.success(), "npm ci failed in tests/audit");
}
