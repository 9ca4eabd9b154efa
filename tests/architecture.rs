//! The layers: shared modules never import a domain area (nor the assembly above the areas),
//! so each can be read alone and a new area touches its folder and `src/schema.rs` only.

use std::path::{Path, PathBuf};

/// The shared layers, as module names under `src/`. Every other folder of `src/` is an area.
const SHARED: &[&str] = &[
    "app",
    "auth",
    "config",
    "db",
    "error",
    "events",
    "graphql",
    "http",
    "lifecycle",
    "live",
    "logging",
    "mail",
    "offload",
    "secret",
    "validate",
];
/// Above the areas: the assembly, the demo seed (which fills every area's tables) and the
/// entry points.
const TOP: &[&str] = &["schema", "seed", "lib", "main"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a readable folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files
}

/// The module name of a path under `src/`: its first component without `.rs`.
fn module_of(path: &Path) -> String {
    let relative = path.strip_prefix(src()).expect("under src");
    let first = relative.components().next().expect("a component");
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_owned()
}

/// The areas: folders of `src/` that are neither shared nor on top.
fn areas() -> Vec<String> {
    let mut areas: Vec<String> = std::fs::read_dir(src())
        .expect("src")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.is_dir())
        .map(|path| module_of(&path.join("mod.rs")))
        .filter(|name| !SHARED.contains(&name.as_str()) && !TOP.contains(&name.as_str()))
        .collect();
    areas.sort();
    areas
}

/// The modules above the shared layers that `source` names.
fn upward_references(source: &str, areas: &[String]) -> Vec<String> {
    let mut above: Vec<&str> = areas.iter().map(String::as_str).collect();
    above.extend(["schema", "seed"]);
    above
        .into_iter()
        .filter(|module| {
            let path = format!("crate::{module}");
            source.match_indices(&path).any(|(at, _)| {
                // `crate::schema` must not match `crate::schemas`; `crate::db::schema` does
                // not start with `crate::schema`.
                !source[at + path.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
            }) || source.contains(&format!("use crate::{{{module}"))
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn shared_layers_never_import_an_area() {
    let areas = areas();
    assert!(
        areas.contains(&"accounts".to_owned()) && areas.contains(&"system".to_owned()),
        "{areas:?}"
    );
    let mut offences = Vec::new();
    for file in rust_files(&src()) {
        if !SHARED.contains(&module_of(&file).as_str()) {
            continue;
        }
        let source = std::fs::read_to_string(&file).expect("a readable file");
        for module in upward_references(&source, &areas) {
            offences.push(format!("{} uses crate::{module}", file.display()));
        }
    }
    assert!(offences.is_empty(), "{offences:#?}");
}

#[test]
fn every_module_is_placed_in_a_layer() {
    let lib = std::fs::read_to_string(src().join("lib.rs")).expect("lib.rs");
    let areas = areas();
    for line in lib.lines() {
        if let Some(module) = line
            .strip_prefix("pub mod ")
            .and_then(|rest| rest.strip_suffix(';'))
        {
            assert!(
                SHARED.contains(&module)
                    || TOP.contains(&module)
                    || areas.iter().any(|a| a == module),
                "src/{module} is in no layer: add it to SHARED or make it an area folder"
            );
        }
    }
}

#[test]
fn the_check_sees_an_upward_import() {
    let areas = vec!["accounts".to_owned(), "system".to_owned()];
    assert_eq!(
        upward_references("use crate::accounts::model::User;", &areas),
        ["accounts"]
    );
    assert_eq!(
        upward_references("use crate::{accounts, mail};", &areas),
        ["accounts"]
    );
    assert_eq!(
        upward_references("crate::schema::sdl()", &areas),
        ["schema"]
    );
    assert!(upward_references("use crate::db::schema::users;", &areas).is_empty());
    assert!(upward_references("use crate::accountsx::Y;", &areas).is_empty());
}

/// The first string literal after each of `markers` in `source`.
fn literals_after<'a>(source: &'a str, markers: &[&str]) -> Vec<&'a str> {
    markers
        .iter()
        .flat_map(|marker| source.match_indices(marker))
        .filter_map(|(at, marker)| {
            let rest = source[at + marker.len()..].trim_start();
            let rest = rest.strip_prefix('"')?;
            rest.split_once('"').map(|(literal, _)| literal)
        })
        .collect()
}

/// Every `extensions.reason` a FORBIDDEN, CONFLICT or SERVICE_UNAVAILABLE can carry is in
/// README's table of reasons.
#[test]
fn every_reason_is_documented() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let mut reasons = Vec::new();
    for file in rust_files(&src()) {
        let source = std::fs::read_to_string(&file).expect("a readable file");
        let found = literals_after(
            &source,
            &["AppError::conflict(", "AppError::forbidden(", "reason: "],
        );
        reasons.extend(found.into_iter().map(str::to_owned));
    }
    reasons.retain(|reason| {
        !reason.is_empty() && reason.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
    });
    assert!(
        ["LEVEL_TOO_LOW", "EMAIL_TAKEN", "LAST_OWNER"]
            .iter()
            .all(|known| reasons.iter().any(|reason| reason == known)),
        "{reasons:?}"
    );
    let missing: Vec<_> = reasons
        .iter()
        .filter(|reason| !readme.contains(&format!("| `{reason}` |")))
        .collect();
    assert!(
        missing.is_empty(),
        "not in README's table of reasons: {missing:?}"
    );
}
