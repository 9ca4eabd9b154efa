//! The steps of each academy operation: checks, one transaction over the queries. Nothing here
//! knows GraphQL.

pub mod attendance;
pub mod clients;
pub mod favorites;
pub mod library;
pub mod prices;
pub mod timetable;

use crate::error::{AppError, AppResult};

/// An optional text: trimmed, at most `max` characters; blank clears it.
fn optional_text(field: &str, text: Option<String>, max: usize) -> AppResult<Option<String>> {
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) if text.chars().count() > max => Err(AppError::bad_input(
            field,
            format!("at most {max} characters"),
        )),
        Some(text) => Ok(Some(text.to_owned())),
    }
}
