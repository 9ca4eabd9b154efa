//! The steps of each academy operation: checks, one transaction over the queries. Nothing here
//! knows GraphQL.

pub mod attendance;
pub mod clients;
pub mod favorites;
pub mod library;
pub mod prices;
pub mod timetable;

use diesel_async::AsyncPgConnection;

use crate::academy::model::GroupId;
use crate::academy::queries::clients::company_of_group;
use crate::error::{AppError, AppResult};
use crate::workforce::model::CompanyId;

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

/// A group named for a record of `company` (a subscription's, a book's) must be of that
/// company: BAD_USER_INPUT on `groupId` otherwise.
async fn check_group(
    conn: &mut AsyncPgConnection,
    group: Option<GroupId>,
    company: CompanyId,
) -> AppResult<()> {
    if let Some(group) = group
        && company_of_group(conn, group).await? != Some(company)
    {
        return Err(AppError::bad_input(
            "groupId",
            "a group of the same company",
        ));
    }
    Ok(())
}
