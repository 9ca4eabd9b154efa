//! Rebuild when a migration changes: `embed_migrations!` reads the folder at compile time, and
//! cargo does not know to watch it.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
