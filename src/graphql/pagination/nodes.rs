//! Resolving a page's objects without async-graphql's per-field machinery.
//!
//! async-graphql resolves every object by boxing one future per selected field, running them in
//! a set of their own and merging each answer into the object's map, whose keys it hashes twice
//! while the map grows. That is most of the server's time for a nested page: 50 employees with
//! 20 sessions each are 1,050 objects. Here, when a selection set is plain, an object's fields
//! are resolved by the type's own `resolve_field` (so guards, arguments and loaders work as they
//! always do), concurrently and in one pass, into a map made to size:
//!
//! - A *plain* selection set holds fields only (no fragments), none with a directive, none
//!   `__typename`, and no response key twice (async-graphql merges repeated keys; that is left
//!   to it). Anything else is resolved by async-graphql as before.
//! - Errors are recorded as async-graphql records them: on the request, with the field left out.
//! - Fields resolved here do not pass through schema extensions. Rollcall's schema has none
//!   (`src/schema.rs`); one that wraps field resolution must skip this module.

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::{ContainerType, Context, ContextSelectionSet, Positioned, ServerResult, Value};
use futures_util::future::join_all;

/// The fields of `set` if it is plain (see the module documentation), in selection order.
pub fn plain_fields(set: &Positioned<SelectionSet>) -> Option<Vec<&Positioned<Field>>> {
    let mut fields: Vec<&Positioned<Field>> = Vec::with_capacity(set.node.items.len());
    for selection in &set.node.items {
        let Selection::Field(field) = &selection.node else {
            return None;
        };
        if !field.node.directives.is_empty() || field.node.name.node == "__typename" {
            return None;
        }
        let key = &field.node.response_key().node;
        if fields
            .iter()
            .any(|seen| seen.node.response_key().node == *key)
        {
            return None;
        }
        fields.push(field);
    }
    Some(fields)
}

/// The objects' values, in order: each object's `fields` (the [`plain_fields`] of `ctx`'s
/// selection set), the objects resolved concurrently so that their relations load together.
pub async fn resolve_objects<'o, T: ContainerType + 'o>(
    ctx: &ContextSelectionSet<'_>,
    fields: &[&Positioned<Field>],
    objects: impl ExactSizeIterator<Item = &'o T>,
) -> Value {
    let contexts: Vec<ContextSelectionSet<'_>> = (0..objects.len())
        .map(|index| ctx.with_index(index))
        .collect();
    let values = join_all(
        contexts
            .iter()
            .zip(objects)
            .map(|(ctx, object)| resolve_object(ctx, fields, object)),
    )
    .await;
    Value::List(values)
}

/// The value of `object` with its `fields` (the [`plain_fields`] of `ctx`'s selection set),
/// resolved concurrently.
pub async fn resolve_object<T: ContainerType>(
    ctx: &ContextSelectionSet<'_>,
    fields: &[&Positioned<Field>],
    object: &T,
) -> Value {
    let contexts: Vec<Context<'_>> = fields.iter().map(|field| ctx.with_field(field)).collect();
    let answers = join_all(contexts.iter().map(|ctx| object.resolve_field(ctx))).await;
    object_value(&contexts, answers)
}

/// The object made of each field's answer, keyed by the field's response key; a failed field
/// is left out and its error recorded, as async-graphql does.
fn object_value(contexts: &[Context<'_>], answers: Vec<ServerResult<Option<Value>>>) -> Value {
    let mut map = IndexMap::with_capacity(contexts.len());
    for (ctx, answer) in contexts.iter().zip(answers) {
        match answer {
            Ok(value) => {
                map.insert(
                    ctx.item.node.response_key().node.clone(),
                    value.unwrap_or_default(),
                );
            }
            Err(err) => ctx.add_error(err),
        }
    }
    if map.is_empty() {
        Value::Null
    } else {
        Value::Object(map)
    }
}
