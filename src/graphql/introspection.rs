//! Hides the schema in production.
//!
//! async-graphql's `disable_introspection` answers `__schema` with `null` and no error, which
//! leaves clients guessing; this extension refuses such documents with a coded error instead.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, Variables};

use crate::error::ErrorCode;
use crate::graphql::codes::with_code;

/// Installs [`HideIntrospection`] on a schema.
pub struct HideIntrospectionFactory;

impl ExtensionFactory for HideIntrospectionFactory {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(HideIntrospection)
    }
}

struct HideIntrospection;

#[async_graphql::async_trait::async_trait]
impl Extension for HideIntrospection {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        if asks_for_schema(&document) {
            return Err(with_code(
                ServerError::new("introspection is disabled on this server", None),
                ErrorCode::GraphqlValidationFailed,
            ));
        }
        Ok(document)
    }
}

/// Whether any selection of the document is `__schema` or `__type` (`__typename` is fine).
fn asks_for_schema(document: &ExecutableDocument) -> bool {
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
