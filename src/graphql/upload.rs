//! Files sent with a request: the `Upload` scalar of the GraphQL multipart request
//! specification.

use async_graphql::{
    Context, InputValueError, InputValueResult, Scalar, ScalarType, UploadValue, Value,
};

use crate::error::{AppError, AppResult};

/// The largest file any operation takes, in bytes; the HTTP layer sizes multipart bodies for
/// one such file. An operation may accept less (and must say so).
pub const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;

/// What `async_graphql::Request::set_upload` writes into a variable for the file it attaches,
/// followed by the file's index in the request.
const FILE_REFERENCE: &str = "#__graphql_file__:";

/// A file sent with the request: the operation holds `null` where the file goes, and the
/// request's `map` part points that variable at the file's part.
///
/// Rollcall has its own scalar rather than `async_graphql::Upload`, whose parsing panics on a
/// forged reference such as `"#__graphql_file__:x"` and whose `value` panics on an index the
/// request has no file for: any client could send either in plain JSON. This one accepts any
/// string, so that guards run before an argument is judged, and [`Upload::value`] answers
/// BAD_USER_INPUT for a string that names no file of this request.
#[derive(Debug, Clone, Copy)]
pub struct Upload(Option<usize>);

/// A file sent as a part of a `multipart/form-data` request, as the GraphQL multipart request
/// specification describes: the variable is `null` in `operations`, and `map` names the part
/// that holds the file.
#[Scalar(
    name = "Upload",
    specified_by_url = "https://github.com/jaydenseric/graphql-multipart-request-spec"
)]
impl ScalarType for Upload {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => Ok(Self(
                text.strip_prefix(FILE_REFERENCE)
                    .and_then(|index| index.parse().ok()),
            )),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(_))
    }

    fn to_value(&self) -> Value {
        Value::Null
    }
}

impl Upload {
    /// The file this argument names; `field` names the argument in the error.
    pub fn value<'a>(&self, ctx: &'a Context<'_>, field: &str) -> AppResult<&'a UploadValue> {
        // `query_env` is public but hidden from async-graphql's documentation; it is where
        // `Request::set_upload` puts the files, and what `async_graphql::Upload` reads too.
        self.0
            .and_then(|index| ctx.query_env.uploads.get(index))
            .ok_or_else(|| {
                AppError::bad_input(
                    field,
                    "send the file as a part of a multipart/form-data request \
                     (GraphQL multipart request specification)",
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forged_file_references_parse_without_panicking() {
        for text in ["#__graphql_file__:x", "#__graphql_file__:", "anything"] {
            let parsed = <Upload as ScalarType>::parse(Value::String(text.into()));
            assert!(matches!(parsed, Ok(Upload(None))), "{text}");
        }
        let parsed = <Upload as ScalarType>::parse(Value::String("#__graphql_file__:3".into()));
        assert!(matches!(parsed, Ok(Upload(Some(3)))));
        assert!(<Upload as ScalarType>::parse(Value::Number(3.into())).is_err());
    }
}
