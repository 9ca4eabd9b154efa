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
///
/// FORBIDDEN, CONFLICT and SERVICE_UNAVAILABLE always carry a `reason` (a stable
/// SCREAMING_SNAKE_CASE word in `extensions.reason`, listed in README's error table) so a client
/// can tell one refusal from another without reading the message.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("authentication required")]
    Unauthenticated { reason: Option<&'static str> },
    #[error("{message}")]
    Forbidden {
        reason: &'static str,
        message: &'static str,
    },
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
        reason: &'static str,
    },
    #[error("too many attempts; retry in {retry_after} seconds")]
    RateLimited { retry_after: u64 },
    #[error("the service is unavailable; retry shortly")]
    Unavailable {
        reason: &'static str,
        #[source]
        source: Source,
    },
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

    /// A change that clashes with existing data or with a rule of state, for `reason`.
    pub fn conflict(reason: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            field: None,
            message: message.into(),
            reason,
        }
    }

    /// What the viewer may not do, for `reason`.
    pub const fn forbidden(reason: &'static str, message: &'static str) -> Self {
        Self::Forbidden { reason, message }
    }

    /// The database cannot be reached (or answer) now.
    pub fn unavailable(source: impl Into<Source>) -> Self {
        Self::Unavailable {
            reason: "DATABASE_UNAVAILABLE",
            source: source.into(),
        }
    }

    /// The same error, naming `field` (the argument it is about) in `extensions.field`; only
    /// input errors and conflicts name one.
    #[must_use]
    pub fn on_field(mut self, name: &str) -> Self {
        if let Self::BadInput { field, .. } | Self::Conflict { field, .. } = &mut self {
            *field = Some(name.to_owned());
        }
        self
    }

    /// An unexpected failure: logged, never shown.
    pub fn internal(source: impl Into<Source>) -> Self {
        Self::Internal(source.into())
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Unauthenticated { .. } => ErrorCode::Unauthenticated,
            Self::Forbidden { .. } => ErrorCode::Forbidden,
            Self::BadInput { .. } => ErrorCode::BadUserInput,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::Conflict { .. } => ErrorCode::Conflict,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::Unavailable { .. } => ErrorCode::ServiceUnavailable,
            Self::Timeout => ErrorCode::Timeout,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }

    /// Writes the log line this error deserves: internal errors with their cause, unavailability
    /// as a warning; client errors are not logged.
    fn log(&self) {
        match self {
            Self::Internal(source) => tracing::error!(error = %source, "internal error"),
            Self::Unavailable { reason, source } => {
                tracing::warn!(error = %source, reason, "service unavailable");
            }
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
                    Self::unavailable(err)
                }
                DatabaseErrorKind::Unknown if is_shutdown_message(info.message()) => {
                    Self::unavailable(err)
                }
                DatabaseErrorKind::Unknown if info.message().contains("statement timeout") => {
                    tracing::warn!("statement timeout");
                    Self::Timeout
                }
                _ => Self::Internal(err.into()),
            },
            DieselError::BrokenTransactionManager => Self::unavailable(err),
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
            other => Self::unavailable(other),
        }
    }
}

/// How the violation of one named constraint is answered to the client.
///
/// Each area declares one per constraint a client can run into (`users_email_key`: "an account
/// with this email address exists") and maps a statement's result with
/// [`OnConstraint::on_constraint`]. The database, not a check before the write, is what keeps
/// the data right when two requests race; this turns its verdict into an error the client can
/// act on. The kind of violation sets the code: a foreign key or CHECK is BAD_USER_INPUT naming
/// the field, a unique or exclusion constraint is CONFLICT with the reason. A trigger that
/// refuses a write for a rule of state (a finalized week) raises a check violation naming a
/// constraint but no table (`RAISE ... USING ERRCODE = 'check_violation', CONSTRAINT = ...`):
/// that is CONFLICT too, as a rule of state always is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Violation {
    /// The constraint's name in PostgreSQL.
    pub constraint: &'static str,
    /// The argument the client should change (`extensions.field`).
    pub field: &'static str,
    /// The stable word in `extensions.reason`.
    pub reason: &'static str,
    /// What the client is told.
    pub message: &'static str,
}

impl Violation {
    /// The same violation, blamed on another argument (`newEmail` rather than `email`).
    #[must_use]
    pub const fn on(self, field: &'static str) -> Self {
        Self { field, ..self }
    }

    /// The CONFLICT a unique or exclusion violation is, for a check made before the write
    /// (which gives the same answer as the constraint, when no race decides).
    pub fn conflict(self) -> AppError {
        AppError::conflict(self.reason, self.message).on_field(self.field)
    }

    fn error(&self, kind: DatabaseErrorKind, table: Option<&str>) -> Option<AppError> {
        match kind {
            DatabaseErrorKind::UniqueViolation | DatabaseErrorKind::ExclusionViolation => {
                Some(self.conflict())
            }
            DatabaseErrorKind::CheckViolation if table.is_none() => Some(self.conflict()),
            DatabaseErrorKind::ForeignKeyViolation | DatabaseErrorKind::CheckViolation => {
                Some(AppError::BadInput {
                    field: Some(self.field.to_owned()),
                    message: self.message.to_owned(),
                    reason: Some(self.reason),
                })
            }
            _ => None,
        }
    }
}

/// Maps the violation of a named constraint to its client error (see [`Violation`]).
pub trait OnConstraint<T> {
    /// The result, with a violation of one of `violations` answered as its error; any other
    /// error (a constraint not listed among them too: that is a bug, logged as INTERNAL)
    /// converted as usual.
    fn on_constraint(self, violations: &[Violation]) -> AppResult<T>;
}

impl<T> OnConstraint<T> for Result<T, DieselError> {
    fn on_constraint(self, violations: &[Violation]) -> AppResult<T> {
        self.map_err(|err| {
            if let DieselError::DatabaseError(kind, info) = &err
                && let Some(name) = info.constraint_name()
                && let Some(mapped) = violations
                    .iter()
                    .find(|violation| violation.constraint == name)
                    .and_then(|violation| violation.error(*kind, info.table_name()))
            {
                return mapped;
            }
            err.into()
        })
    }
}

/// RATE_LIMITED once `count` attempts (the oldest at `oldest`) fill `limit` within `window`,
/// with the seconds until the oldest leaves the window.
pub fn check_limit(
    count: i64,
    oldest: Option<chrono::DateTime<chrono::Utc>>,
    limit: i64,
    window: chrono::Duration,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    if count < limit {
        return Ok(());
    }
    let free_at = oldest.unwrap_or(now) + window;
    let retry_after = (free_at - now).num_seconds().max(1);
    Err(AppError::RateLimited {
        retry_after: u64::try_from(retry_after).unwrap_or(1),
    })
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
            AppError::Conflict { field, reason, .. } => {
                if let Some(field) = field {
                    ext.set("field", field.as_str());
                }
                ext.set("reason", *reason);
            }
            AppError::Forbidden { reason, .. } | AppError::Unavailable { reason, .. } => {
                ext.set("reason", *reason);
            }
            AppError::RateLimited { retry_after } => ext.set("retryAfter", *retry_after),
            _ => {}
        }
    })
}
