//! Input rules every area applies the same way: email addresses and display names. Each
//! answers BAD_USER_INPUT naming the argument (`field`) it judged.

use crate::error::{AppError, AppResult};

/// Checks and normalises an email address.
pub fn check_email(field: &str, email: &str) -> AppResult<String> {
    let email = email.trim();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !email.contains(char::is_whitespace)
        });
    if valid {
        Ok(email.to_owned())
    } else {
        Err(AppError::bad_input(field, "not a valid email address"))
    }
}

/// Checks and trims a display name (of a person, a company): 1 to 200 characters.
pub fn check_name(field: &str, name: &str) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::bad_input(field, "a name has 1 to 200 characters"));
    }
    Ok(name.to_owned())
}
