//! Gives every GraphQL error its `extensions.code`.
//!
//! Errors raised by Rollcall's own code already carry one (see [`crate::error`]). The errors
//! async-graphql raises itself do not, so this extension tags them by the phase they come from:
//! limit checks at parse time and validation failures are `GRAPHQL_VALIDATION_FAILED` (documents
//! reach the schema already parsed by [`crate::graphql::document`], so the parse phase only
//! checks limits); what is left at execution is an argument or variable value that could not be
//! used, so `BAD_USER_INPUT`.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Response, ServerError, ServerResult, ValidationResult, Variables};

use crate::error::ErrorCode;

/// Installs [`ErrorCodes`] on a schema.
pub struct ErrorCodesFactory;

impl ExtensionFactory for ErrorCodesFactory {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes)
    }
}

struct ErrorCodes;

#[async_graphql::async_trait::async_trait]
impl Extension for ErrorCodes {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables)
            .await
            .map_err(|err| with_code(err, ErrorCode::GraphqlValidationFailed))
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|err| with_code(err, ErrorCode::GraphqlValidationFailed))
                .collect()
        })
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        response.errors = std::mem::take(&mut response.errors)
            .into_iter()
            .map(|err| with_code(err, ErrorCode::BadUserInput))
            .collect();
        response
    }
}

/// Sets `extensions.code` to `code` unless the error already has one.
pub fn with_code(mut err: ServerError, code: ErrorCode) -> ServerError {
    if error_code(&err).is_none() {
        err.extensions
            .get_or_insert_with(Default::default)
            .set("code", code.as_str());
    }
    err
}

/// The code an error carries, if any.
pub fn error_code(err: &ServerError) -> Option<&str> {
    match err.extensions.as_ref()?.get("code")? {
        async_graphql::Value::String(code) => Some(code),
        _ => None,
    }
}

/// Whether the errors mean the request was refused as a whole (nothing was executed).
pub fn is_request_error(errors: &[ServerError]) -> bool {
    errors.iter().any(|err| {
        matches!(
            error_code(err),
            Some("GRAPHQL_PARSE_FAILED" | "GRAPHQL_VALIDATION_FAILED")
        )
    })
}
