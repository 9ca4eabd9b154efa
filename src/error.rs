//! The one error type of the application and its policy.
//!
//! Every error a client sees carries `extensions.code` (an [`ErrorCode`]). Errors the client can
//! act on say what is wrong, and an input error names the offending field in `extensions.field`.
//! Internal errors are logged here, inside the request's span (so with its request id), and are
//! answered as `INTERNAL` with no SQL, path or stack. A database that cannot be reached is
//! `SERVICE_UNAVAILABLE`: clients may retry.

use std::error::Error as StdError;

use async_graphql::ErrorExtensions;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::pooled_connection::PoolError as ManagerError;
use diesel_async::pooled_connection::deadpool::PoolError;

type Source = Box<dyn StdError + Send + Sync>;

/// The stable codes found in `extensions.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    Unauthenticated,
    Forbidden,
    BadUserInput,
    NotFound,
    Conflict,
    RateLimited,
    ServiceUnavailable,
    Internal,
    GraphqlParseFailed,
    GraphqlValidationFailed,
    BadRequest,
    PayloadTooLarge,
    Timeout,
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::NotFound => "NOT_FOUND",
            Self::Conflict => "CONFLICT",
            Self::RateLimited => "RATE_LIMITED",
            Self::ServiceUnavailable => "SERVICE_UNAVAILABLE",
            Self::Internal => "INTERNAL",
            Self::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            Self::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            Self::BadRequest => "BAD_REQUEST",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::Timeout => "TIMEOUT",
        }
    }
}

/// An error raised while answering a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("authentication required")]
    Unauthenticated { reason: Option<&'static str> },
    #[error("you are not allowed to do this")]
    Forbidden,
    #[error("{message}")]
    BadInput {
        field: Option<String>,
        message: String,
        reason: Option<&'static str>,
    },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    Conflict {
        field: Option<String>,
        message: String,
    },
    #[error("too many attempts; retry in {retry_after} seconds")]
    RateLimited { retry_after: u64 },
    #[error("the database is unavailable; retry shortly")]
    Unavailable(#[source] Source),
    #[error("the request took too long")]
    Timeout,
    #[error("internal error")]
    Internal(#[source] Source),
}

/// The result of a fallible application operation.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// An input error on `field`.
    pub fn bad_input(field: &str, message: impl Into<String>) -> Self {
        Self::BadInput {
            field: Some(field.to_owned()),
            message: message.into(),
            reason: None,
        }
    }

    /// A conflict with existing data on `field`.
    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        Self::Conflict {
            field: Some(field.to_owned()),
            message: message.into(),
        }
    }

    /// An unexpected failure: logged, never shown.
    pub fn internal(source: impl Into<Source>) -> Self {
        Self::Internal(source.into())
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Unauthenticated { .. } => ErrorCode::Unauthenticated,
            Self::Forbidden => ErrorCode::Forbidden,
            Self::BadInput { .. } => ErrorCode::BadUserInput,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::Conflict { .. } => ErrorCode::Conflict,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::Unavailable(_) => ErrorCode::ServiceUnavailable,
            Self::Timeout => ErrorCode::Timeout,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }

    /// Writes the log line this error deserves: internal errors with their cause, unavailability
    /// as a warning; client errors are not logged.
    fn log(&self) {
        match self {
            Self::Internal(source) => tracing::error!(error = %source, "internal error"),
            Self::Unavailable(source) => tracing::warn!(error = %source, "database unavailable"),
            _ => {}
        }
    }
}

impl From<DieselError> for AppError {
    fn from(err: DieselError) -> Self {
        match err {
            DieselError::NotFound => Self::NotFound("record"),
            DieselError::DatabaseError(kind, ref info) => match kind {
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand => {
                    Self::Unavailable(err.into())
                }
                DatabaseErrorKind::Unknown if is_shutdown_message(info.message()) => {
                    Self::Unavailable(err.into())
                }
                DatabaseErrorKind::Unknown if info.message().contains("statement timeout") => {
                    tracing::warn!("statement timeout");
                    Self::Timeout
                }
                _ => Self::Internal(err.into()),
            },
            DieselError::BrokenTransactionManager => Self::Unavailable(err.into()),
            other => Self::Internal(other.into()),
        }
    }
}

/// Messages PostgreSQL sends while it stops, starts or restarts (SQLSTATE class 57P).
fn is_shutdown_message(message: &str) -> bool {
    message.starts_with("terminating connection")
        || message.contains("the database system is")
        || message.contains("shutting down")
}

impl From<PoolError> for AppError {
    fn from(err: PoolError) -> Self {
        match err {
            PoolError::Backend(ManagerError::QueryError(query)) => query.into(),
            // Timeouts, refused connections and a closed pool all mean "no database now".
            other => Self::Unavailable(other.into()),
        }
    }
}

/// An error shared by every field a DataLoader batch served (loaders need `Clone` errors).
#[derive(Debug, Clone)]
pub struct SharedError(std::sync::Arc<AppError>);

/// Wraps an error for a DataLoader.
pub fn shared(err: impl Into<AppError>) -> SharedError {
    SharedError(std::sync::Arc::new(err.into()))
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        to_graphql(&err)
    }
}

impl From<SharedError> for async_graphql::Error {
    fn from(err: SharedError) -> Self {
        to_graphql(&err.0)
    }
}

fn to_graphql(err: &AppError) -> async_graphql::Error {
    err.log();
    let code = err.code();
    async_graphql::Error::new(err.to_string()).extend_with(|_, ext| {
        ext.set("code", code.as_str());
        match err {
            AppError::Unauthenticated {
                reason: Some(reason),
            } => ext.set("reason", *reason),
            AppError::BadInput { field, reason, .. } => {
                if let Some(field) = field {
                    ext.set("field", field.as_str());
                }
                if let Some(reason) = reason {
                    ext.set("reason", *reason);
                }
            }
            AppError::Conflict {
                field: Some(field), ..
            } => ext.set("field", field.as_str()),
            AppError::RateLimited { retry_after } => ext.set("retryAfter", *retry_after),
            _ => {}
        }
    })
}
