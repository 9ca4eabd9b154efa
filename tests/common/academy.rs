//! Academy records for tests, written straight in the database.

use crate::common::TestApp;

/// A client of `company` straight in the database, with an email address if given and linked
/// to the account `user` if given; answers its id.
pub async fn client(
    app: &TestApp,
    company: &str,
    name: &str,
    email: Option<&str>,
    user: Option<&str>,
) -> String {
    let email = email.map_or("NULL".to_owned(), |email| format!("'{email}'"));
    let user = user.unwrap_or("NULL");
    app.id(&format!(
        "INSERT INTO clients (company_id, name, email, user_id) \
         VALUES ({company}, '{name}', {email}, {user}) RETURNING id AS n"
    ))
    .await
}
