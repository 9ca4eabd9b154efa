//! `schema.graphql` is the public contract: it must equal what the server exports.

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

fn first_difference(a: &str, b: &str) -> String {
    a.lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .map(|(i, (x, y))| format!("line {}: committed `{x}`, exported `{y}`", i + 1))
        .unwrap_or_else(|| "one is a prefix of the other".into())
}
