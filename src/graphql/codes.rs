//! Gives every GraphQL error its `extensions.code`.
//!
//! Errors raised by Rollcall's own code already carry one (see [`crate::error`]). The errors
//! async-graphql raises itself do not, so [`tag`] gives them one by where they come from: those
//! that refuse the document as a whole (limits, validation, an unknown operation) have no path
//! and are `GRAPHQL_VALIDATION_FAILED` (documents reach the schema already parsed by
//! [`crate::graphql::document`]); async-graphql gives every error raised while a field resolves
//! its path, and what is left there is an argument or variable value that could not be used, so
//! `BAD_USER_INPUT`.
//!
//! This is done to the response rather than by an async-graphql extension: with any extension
//! installed, async-graphql resolves every field through the extension chain, at a cost per
//! field that a page of a thousand objects feels.

use async_graphql::{Response, ServerError};

use crate::error::ErrorCode;

/// Gives each error of `response` without a code the code of where it comes from.
pub fn tag(mut response: Response) -> Response {
    response.errors = std::mem::take(&mut response.errors)
        .into_iter()
        .map(|err| {
            let code = if err.path.is_empty() {
                ErrorCode::GraphqlValidationFailed
            } else {
                ErrorCode::BadUserInput
            };
            with_code(err, code)
        })
        .collect();
    response
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
