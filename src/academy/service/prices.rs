//! Prices: what a company sells, created and changed by its head managers.

use diesel_async::AsyncConnection;

use crate::academy::model::{NewPrice, Price, PriceChanges, PriceId};
use crate::academy::money;
use crate::academy::queries;
use crate::app::App;
use crate::auth::scope::Scope;
use crate::error::{AppError, AppResult};
use crate::validate::check_name;
use crate::workforce::model::CompanyId;
use crate::workforce::queries::company_in;

/// A price, or the changes to one (`None` keeps; lessons of `Some(None)` make it unlimited).
#[derive(Debug, Clone, Default)]
pub struct PriceInput {
    pub name: Option<String>,
    /// The amount as a decimal string and its currency.
    pub amount: Option<(String, String)>,
    pub lessons_included: Option<Option<i32>>,
    pub validity_days: Option<i32>,
    pub active: Option<bool>,
}

pub(super) fn check_lessons(lessons: Option<Option<i32>>) -> AppResult<Option<Option<i32>>> {
    if let Some(Some(lessons)) = lessons
        && !(1..=10_000).contains(&lessons)
    {
        return Err(AppError::bad_input(
            "lessonsIncluded",
            "1 to 10000 lessons, or null for unlimited",
        ));
    }
    Ok(lessons)
}

fn check_validity(days: Option<i32>) -> AppResult<Option<i32>> {
    if let Some(days) = days
        && !(1..=3660).contains(&days)
    {
        return Err(AppError::bad_input("validityDays", "1 to 3660 days"));
    }
    Ok(days)
}

/// The amount in minor units and the currency, checked.
fn amount(amount: Option<(String, String)>) -> AppResult<Option<(i64, String)>> {
    amount
        .map(|(amount, currency)| {
            let currency = currency.trim().to_ascii_uppercase();
            Ok((money::parse(&amount, &currency, "amount")?, currency))
        })
        .transpose()
}

/// Creates a price of a company `scope` reaches.
pub async fn create(
    app: &App,
    scope: Scope,
    company: CompanyId,
    input: PriceInput,
) -> AppResult<Price> {
    let (amount_minor, currency) =
        amount(input.amount)?.ok_or_else(|| AppError::bad_input("amount", "required"))?;
    let price = NewPrice {
        company_id: company,
        name: check_name("name", input.name.as_deref().unwrap_or_default())?,
        amount_minor,
        currency,
        lessons_included: check_lessons(input.lessons_included)?.flatten(),
        validity_days: check_validity(input.validity_days)?
            .ok_or_else(|| AppError::bad_input("validityDays", "required"))?,
    };
    let mut conn = app.pool.get().await?;
    company_in(&mut conn, scope, company)
        .await?
        .ok_or(AppError::NotFound("company"))?;
    Ok(queries::insert_price(&mut conn, &price).await?)
}

/// Changes a price of a company `scope` reaches (subscriptions sold from it keep theirs).
pub async fn update(app: &App, scope: Scope, id: PriceId, input: PriceInput) -> AppResult<Price> {
    let amount = amount(input.amount)?;
    let changes = PriceChanges {
        name: input
            .name
            .as_deref()
            .map(|text| check_name("name", text))
            .transpose()?,
        amount_minor: amount.as_ref().map(|(minor, _)| *minor),
        currency: amount.map(|(_, currency)| currency),
        lessons_included: check_lessons(input.lessons_included)?,
        validity_days: check_validity(input.validity_days)?,
        active: input.active,
    };
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let price = queries::price_in(conn, scope, id)
            .await?
            .ok_or(AppError::NotFound("price"))?;
        Ok(queries::update_price(conn, price.id, &changes).await?)
    })
    .await
}
