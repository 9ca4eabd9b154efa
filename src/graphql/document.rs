//! Reading a GraphQL document before the schema sees it.
//!
//! Every transport (HTTP, WebSocket) prepares documents here, so they all refuse the same things
//! the same way: a document nested too deeply is refused before parsing (the parser recurses,
//! and a megabyte of `{` would overflow the stack), syntax errors get a short message that never
//! echoes the document, and the operation to run is found, so HTTP can refuse a mutation over
//! GET before anything executes.
//!
//! [`Documents`] keeps what it prepared, by the document's text: front ends send the same few
//! documents again and again, and parsing one costs more than running a small query.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::Positioned;
use async_graphql::ServerError;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection,
    SelectionSet,
};
use async_graphql::parser::{Error as ParseError, parse_query};
use lru::LruCache;

use crate::error::ErrorCode;
use crate::graphql::codes::with_code;

/// The deepest nesting of `{`, `[` and `(` a document may have. Real documents stay far below:
/// selection depth is limited to 16 by validation, and values rarely nest.
pub const MAX_NESTING: usize = 64;
/// The longest part of a parser message that is passed on.
const MAX_MESSAGE: usize = 160;

/// The most documents [`Documents`] keeps.
pub const CACHED_DOCUMENTS: usize = 1_000;
/// The most document text [`Documents`] keeps, in bytes, all documents together. A parsed
/// document takes about ten times its text.
pub const CACHED_TEXT: usize = 1 << 20;
/// The longest document [`Documents`] keeps, in bytes; longer ones are parsed every time.
pub const MAX_CACHED_DOCUMENT: usize = 16 * 1024;

/// A parsed document and the operation it will run. Not `Debug`: a document may hold secrets
/// written in it (a password given inline to `login`).
pub struct Prepared {
    /// The document, as the executor takes it (each run takes a copy).
    pub document: ExecutableDocument,
    pub operation: OperationType,
    /// The names of the operation's root fields (through fragments), e.g. `login`.
    pub root_fields: Vec<String>,
    /// The order of the response's keys.
    pub order: Order,
    /// The `operationName` it was prepared for.
    operation_name: Option<String>,
}

/// Prepared documents by their text, the least recently used given up first (see the module
/// documentation). Bounded by [`CACHED_DOCUMENTS`] and [`CACHED_TEXT`]; documents that fail to
/// parse are not kept.
pub struct Documents {
    cache: Mutex<Cache>,
}

struct Cache {
    prepared: LruCache<String, Arc<Prepared>>,
    /// The text of the documents in `prepared`, in bytes.
    text: usize,
}

impl Default for Documents {
    fn default() -> Self {
        Self {
            cache: Mutex::new(Cache {
                prepared: LruCache::new(
                    NonZeroUsize::new(CACHED_DOCUMENTS).expect("a positive capacity"),
                ),
                text: 0,
            }),
        }
    }
}

impl std::fmt::Debug for Documents {
    /// The count only: documents may hold secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Documents")
            .field("len", &self.lock().prepared.len())
            .finish()
    }
}

impl Documents {
    /// Parses `query` and finds the operation `operation_name` picks, or finds them prepared
    /// before for the same `operation_name`. Errors are request errors, coded
    /// `GRAPHQL_PARSE_FAILED` or `GRAPHQL_VALIDATION_FAILED`.
    pub fn prepare(
        &self,
        query: &str,
        operation_name: Option<&str>,
    ) -> Result<Arc<Prepared>, ServerError> {
        let found = self
            .lock()
            .prepared
            .get(query)
            .filter(|prepared| prepared.operation_name.as_deref() == operation_name)
            .cloned();
        if let Some(prepared) = found {
            return Ok(prepared);
        }
        let prepared = Arc::new(prepare(query, operation_name)?);
        if query.len() <= MAX_CACHED_DOCUMENT {
            self.keep(query, prepared.clone());
        }
        Ok(prepared)
    }

    fn keep(&self, query: &str, prepared: Arc<Prepared>) {
        let mut cache = self.lock();
        cache.text += query.len();
        if let Some((replaced, _)) = cache.prepared.push(query.to_owned(), prepared) {
            cache.text -= replaced.len();
        }
        while cache.text > CACHED_TEXT {
            let Some((dropped, _)) = cache.prepared.pop_lru() else {
                break;
            };
            cache.text -= dropped.len();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        // Every change leaves the cache whole: a panic elsewhere cannot leave it half-written.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Parses `query` and finds the operation `operation_name` picks. Errors are request errors,
/// coded `GRAPHQL_PARSE_FAILED` or `GRAPHQL_VALIDATION_FAILED`. Transports reach it through
/// [`Documents::prepare`] only, so that no request parses a document kept already.
fn prepare(query: &str, operation_name: Option<&str>) -> Result<Prepared, ServerError> {
    if nesting_exceeds(query, MAX_NESTING) {
        return Err(with_code(
            ServerError::new(
                format!("the document is nested more than {MAX_NESTING} levels deep"),
                None,
            ),
            ErrorCode::GraphqlParseFailed,
        ));
    }
    let document = parse_query(query).map_err(short_parse_error)?;
    let operation = find_operation(&document, operation_name)?;
    let mut root_fields = Vec::new();
    collect_fields(
        &document,
        &operation.node.selection_set.node,
        &mut Vec::new(),
        &mut root_fields,
    );
    Ok(Prepared {
        operation: operation.node.ty,
        root_fields,
        order: Order::of(&document, operation_name),
        operation_name: operation_name.map(str::to_owned),
        document,
    })
}

/// The name of an operation type, as used in metrics labels.
pub fn operation_label(operation: OperationType) -> &'static str {
    match operation {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    }
}

/// Gathers the field names of `set`, following fragments (each once, so cycles end).
fn collect_fields<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    visited: &mut Vec<&'a str>,
    out: &mut Vec<String>,
) {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => out.push(field.node.name.node.to_string()),
            Selection::InlineFragment(fragment) => {
                collect_fields(document, &fragment.node.selection_set.node, visited, out);
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                if visited.contains(&name) {
                    continue;
                }
                visited.push(name);
                if let Some(fragment) = document.fragments.get(name) {
                    collect_fields(document, &fragment.node.selection_set.node, visited, out);
                }
            }
        }
    }
}

/// The order of a response's keys, as the operation selects them: each object's keys in
/// order, with the order of each key's value.
///
/// async-graphql resolves the fields of a query concurrently and answers them in the order they
/// complete (async-graphql/async-graphql#612); the GraphQL spec asks for the order of the query,
/// so that a client reading the response sees what it wrote. Keys follow their first
/// appearance in the selection set, fragments in place. The order is taken from the document
/// when it is prepared, and kept with it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Order(Vec<(String, Order)>);

/// The most keys an [`Order`] takes (fragments spread again and again can make a small
/// document select a vast tree); objects beyond keep the executor's order.
const ORDER_KEYS: usize = 10_000;

impl Order {
    /// The order of the operation `operation_name` picks; none when it picks none.
    pub fn of(document: &ExecutableDocument, operation_name: Option<&str>) -> Self {
        let mut budget = ORDER_KEYS;
        find_operation(document, operation_name).map_or_else(
            |_| Self::default(),
            |operation| Self::of_sets(document, &[&operation.node.selection_set.node], &mut budget),
        )
    }

    fn of_sets(document: &ExecutableDocument, sets: &[&SelectionSet], budget: &mut usize) -> Self {
        let mut keys: Vec<(&str, Vec<&SelectionSet>)> = Vec::new();
        for set in sets {
            response_keys(document, set, &mut Vec::new(), &mut keys);
        }
        let mut order = Vec::with_capacity(keys.len());
        for (key, subsets) in keys {
            if *budget == 0 {
                break;
            }
            *budget -= 1;
            let nested = if subsets.iter().any(|set| !set.items.is_empty()) {
                Self::of_sets(document, &subsets, budget)
            } else {
                Self::default()
            };
            order.push((key.to_owned(), nested));
        }
        Self(order)
    }

    /// Puts the keys of every object of `data` in this order.
    pub fn apply(&self, data: &mut async_graphql::Value) {
        if self.0.is_empty() {
            return;
        }
        match data {
            async_graphql::Value::List(items) => {
                for item in items {
                    self.apply(item);
                }
            }
            async_graphql::Value::Object(map) => {
                let position = |key: &str| self.0.iter().position(|(name, _)| name == key);
                // One pass orders each value and sees whether the keys are in order, without
                // hashing a key: most objects are small, and already in order.
                let mut in_order = true;
                let mut previous = None;
                for (key, value) in map.iter_mut() {
                    let at = position(key);
                    in_order &= previous <= at;
                    previous = at;
                    if let Some(at) = at {
                        self.0[at].1.apply(value);
                    }
                }
                if !in_order {
                    map.sort_by(|a, _, b, _| position(a).cmp(&position(b)));
                }
            }
            _ => {}
        }
    }
}

/// The response keys of `set` in order (fragments in place, each once), each with the
/// selection sets of its fields.
fn response_keys<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    visited: &mut Vec<&'a str>,
    keys: &mut Vec<(&'a str, Vec<&'a SelectionSet>)>,
) {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                let field = &field.node;
                let key = field
                    .alias
                    .as_ref()
                    .map_or(field.name.node.as_str(), |alias| alias.node.as_str());
                let subset = &field.selection_set.node;
                match keys.iter_mut().find(|(name, _)| *name == key) {
                    Some((_, sets)) => sets.push(subset),
                    None => keys.push((key, vec![subset])),
                }
            }
            Selection::InlineFragment(fragment) => {
                response_keys(document, &fragment.node.selection_set.node, visited, keys);
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                if visited.contains(&name) {
                    continue;
                }
                visited.push(name);
                if let Some(fragment) = document.fragments.get(name) {
                    response_keys(document, &fragment.node.selection_set.node, visited, keys);
                }
            }
        }
    }
}

fn find_operation<'a>(
    document: &'a ExecutableDocument,
    operation_name: Option<&str>,
) -> Result<&'a Positioned<OperationDefinition>, ServerError> {
    let found = match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), None) => Some(operation),
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()
        }
        (DocumentOperations::Multiple(_), None) => {
            return Err(validation_error(
                "operationName is required: the document holds several operations",
            ));
        }
        (DocumentOperations::Single(_), Some(_)) => None,
    };
    found.ok_or_else(|| validation_error("operationName names no operation of the document"))
}

fn validation_error(message: &str) -> ServerError {
    with_code(
        ServerError::new(message, None),
        ErrorCode::GraphqlValidationFailed,
    )
}

/// The parser's syntax messages quote the offending line of the document; keep only what was
/// expected and where.
fn short_parse_error(err: ParseError) -> ServerError {
    let pos = err.positions().next();
    let message = match &err {
        ParseError::Syntax { message, start, .. } => {
            let expected = message
                .lines()
                .rev()
                .find_map(|line| line.trim().strip_prefix("= "))
                .unwrap_or("unexpected input");
            format!(
                "syntax error at line {}, column {}: {}",
                start.line,
                start.column,
                truncate(expected, MAX_MESSAGE)
            )
        }
        other => other.to_string(),
    };
    with_code(
        ServerError::new(message, pos),
        ErrorCode::GraphqlParseFailed,
    )
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// Whether brackets nest deeper than `max` anywhere outside strings and comments.
fn nesting_exceeds(query: &str, max: usize) -> bool {
    let bytes = query.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_follow_the_order_of_the_selection_sets() {
        let document =
            parse_query("{ b { y x ...F } a: c { ... on T { q p } } } fragment F on T { w }")
                .expect("a document");
        let mut data: async_graphql::Value =
            serde_json::from_str(r#"{"a":[{"p":1,"q":2},{"q":3,"p":4}],"b":{"w":1,"x":2,"y":3}}"#)
                .expect("a value");
        Order::of(&document, None).apply(&mut data);
        assert_eq!(
            serde_json::to_string(&data).expect("json"),
            r#"{"b":{"y":3,"x":2,"w":1},"a":[{"q":2,"p":1},{"q":3,"p":4}]}"#
        );
    }

    #[test]
    fn an_order_stops_at_its_budget_of_keys() {
        // Each fragment selects the one below twice: 2^20 keys from a short document.
        let mut query = String::from("{ ...F0 }");
        for level in 0..20 {
            let next = level + 1;
            query.push_str(&format!(
                " fragment F{level} on Query {{ a: f {{ ...F{next} }} b: f {{ ...F{next} }} }}"
            ));
        }
        query.push_str(" fragment F20 on Query { x }");
        let document = parse_query(&query).expect("a document");
        fn count(order: &Order) -> usize {
            order.0.iter().map(|(_, nested)| 1 + count(nested)).sum()
        }
        assert_eq!(count(&Order::of(&document, None)), ORDER_KEYS);
    }

    #[test]
    fn documents_are_prepared_once_per_text_and_operation() {
        let documents = Documents::default();
        let query = "query A { a } query B { b }";
        let first = documents.prepare(query, Some("A")).expect("prepared");
        assert!(Arc::ptr_eq(
            &first,
            &documents.prepare(query, Some("A")).expect("prepared")
        ));
        let other = documents.prepare(query, Some("B")).expect("prepared");
        assert_eq!(other.root_fields, ["b"]);
        assert!(!Arc::ptr_eq(&first, &other));
        assert!(documents.prepare("{ a", None).is_err());
        assert_eq!(documents.lock().prepared.len(), 1);
    }

    #[test]
    fn documents_keep_at_most_their_text_budget() {
        let documents = Documents::default();
        let kept = format!("{{ a }}{}", " ".repeat(MAX_CACHED_DOCUMENT - 5));
        let too_long = format!("{kept} ");
        for n in 0..(CACHED_TEXT / MAX_CACHED_DOCUMENT + 10) {
            let filler = format!("{{ a }}#{n:0width$}", width = MAX_CACHED_DOCUMENT - 6);
            assert_eq!(filler.len(), MAX_CACHED_DOCUMENT);
            documents.prepare(&filler, None).expect("prepared");
            documents.prepare(&kept, None).expect("prepared");
            documents.prepare(&too_long, None).expect("prepared");
        }
        let cache = documents.lock();
        assert_eq!(cache.text, CACHED_TEXT);
        assert_eq!(
            cache.text,
            cache
                .prepared
                .iter()
                .map(|(text, _)| text.len())
                .sum::<usize>()
        );
        // The one used all along is kept; the one longer than the limit never is.
        assert!(cache.prepared.contains(&kept));
        assert!(!cache.prepared.contains(&too_long));
        drop(cache);
        assert!(!format!("{documents:?}").contains(" a "));
    }

    #[test]
    fn nesting_ignores_strings_and_comments() {
        assert!(!nesting_exceeds(r#"{ a(s: "{{{{{{") }"#, 3));
        assert!(!nesting_exceeds("{ a # {{{{{{{\n }", 3));
        assert!(!nesting_exceeds(r#"{ a(s: """ {{{{ \""" {{{{ """) }"#, 3));
        assert!(nesting_exceeds("{a{b{c{d}}}}", 3));
        assert!(!nesting_exceeds("{a{b{c}}}", 3));
        assert!(nesting_exceeds("{ a(x: [[[[1]]]]) }", 4));
    }

    #[test]
    fn syntax_errors_do_not_echo_the_document() {
        let secret = "x".repeat(500);
        let Err(err) = prepare(&format!("{{ a(b: \"{secret}\") "), None) else {
            panic!("a syntax error");
        };
        assert!(
            err.message.starts_with("syntax error at line 1"),
            "{}",
            err.message
        );
        assert!(!err.message.contains(&secret));
    }

    #[test]
    fn lists_root_fields_through_fragments() {
        let doc = "mutation { a: login { x } ...F ... on Mutation { refreshToken } } fragment F on Mutation { register ...F }";
        let prepared = prepare(doc, None).expect("parses");
        assert_eq!(prepared.root_fields, ["login", "register", "refreshToken"]);
    }

    #[test]
    fn finds_the_operation_type() {
        let doc = "query A { a } mutation B { b }";
        let prepared = prepare(doc, Some("B")).expect("parses");
        assert_eq!(prepared.operation, OperationType::Mutation);
        assert!(prepare(doc, None).is_err());
        assert!(prepare(doc, Some("C")).is_err());
    }
}
