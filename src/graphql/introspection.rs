//! Hides the schema in production.
//!
//! async-graphql's `disable_introspection` answers `__schema` with `null` and no error, which
//! leaves clients guessing; [`crate::graphql::Api`] refuses such documents with a coded error
//! instead, before they run.

use async_graphql::ServerError;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

use crate::error::ErrorCode;
use crate::graphql::codes::with_code;

/// The error that refuses a document asking for the schema where it is hidden.
pub fn refusal() -> ServerError {
    with_code(
        ServerError::new("introspection is disabled on this server", None),
        ErrorCode::GraphqlValidationFailed,
    )
}

/// Whether any selection of the document is `__schema` or `__type` (`__typename` is fine).
pub fn asks_for_schema(document: &ExecutableDocument) -> bool {
    document
        .operations
        .iter()
        .any(|(_, operation)| selects_schema(&operation.node.selection_set.node))
        || document
            .fragments
            .values()
            .any(|fragment| selects_schema(&fragment.node.selection_set.node))
}

fn selects_schema(set: &SelectionSet) -> bool {
    set.items.iter().any(|item| match &item.node {
        Selection::Field(field) => {
            matches!(field.node.name.node.as_str(), "__schema" | "__type")
                || selects_schema(&field.node.selection_set.node)
        }
        Selection::InlineFragment(fragment) => selects_schema(&fragment.node.selection_set.node),
        Selection::FragmentSpread(_) => false,
    })
}
