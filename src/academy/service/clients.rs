//! Clients, their contracts and subscriptions: created and changed by the managers of their
//! company. A subscription copies what its price sold it at; a cancelled one stays so.

use chrono::{Duration, NaiveDate, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::academy::model::{
    CLIENT_ACCOUNT_TAKEN, CONTRACT_DATES, CONTRACT_NUMBER_TAKEN, Client, ClientChanges, ClientId,
    ClientSubscription, Contract, ContractChanges, ContractId, ContractStatus, GroupId, NewClient,
    NewClientSubscription, NewContract, PriceId, SUBSCRIPTION_DATES, StoredSubscriptionStatus,
    SubscriptionChanges, SubscriptionId,
};
use crate::academy::queries::{self, clients as client_queries};
use crate::academy::service::prices::check_lessons;
use crate::academy::service::{check_group, optional_text};
use crate::app::App;
use crate::auth::identity::UserId;
use crate::auth::scope::Scope;
use crate::error::{AppError, AppResult, OnConstraint};
use crate::validate::{check_email, check_name};
use crate::workforce::model::CompanyId;
use crate::workforce::queries::company_in;

/// A client, or the changes to one (`None` keeps; `Some(None)` clears).
#[derive(Debug, Clone, Default)]
pub struct ClientInput {
    pub user: Option<Option<UserId>>,
    pub name: Option<String>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub birth_date: Option<Option<NaiveDate>>,
    pub notes: Option<Option<String>>,
    pub active: Option<bool>,
}

fn check_phone(phone: Option<String>) -> AppResult<Option<String>> {
    match phone.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(phone) if !(3..=40).contains(&phone.chars().count()) => Err(AppError::bad_input(
            "phone",
            "a phone number has 3 to 40 characters",
        )),
        Some(phone) => Ok(Some(phone.to_owned())),
    }
}

fn check_birth_date(date: Option<NaiveDate>) -> AppResult<Option<NaiveDate>> {
    match date {
        Some(date) if date > Utc::now().date_naive() => Err(AppError::bad_input(
            "birthDate",
            "a birth date is not in the future",
        )),
        other => Ok(other),
    }
}

impl ClientInput {
    fn changes(self) -> AppResult<ClientChanges> {
        Ok(ClientChanges {
            user_id: self.user,
            name: self
                .name
                .as_deref()
                .map(|name| check_name("name", name))
                .transpose()?,
            email: self
                .email
                .map(|email| email.map(|email| check_email("email", &email)).transpose())
                .transpose()?,
            phone: self.phone.map(check_phone).transpose()?,
            birth_date: self.birth_date.map(check_birth_date).transpose()?,
            notes: self
                .notes
                .map(|notes| optional_text("notes", notes, 2000))
                .transpose()?,
            active: self.active,
        })
    }
}

/// A linked account exists and is not deleted.
async fn check_account(conn: &mut AsyncPgConnection, user: Option<UserId>) -> AppResult<()> {
    if let Some(user) = user
        && !client_queries::account_exists(conn, user).await?
    {
        return Err(AppError::bad_input("userId", "no such account"));
    }
    Ok(())
}

/// Creates a client of a company `scope` reaches.
pub async fn create_client(
    app: &App,
    scope: Scope,
    company: CompanyId,
    input: ClientInput,
) -> AppResult<Client> {
    let changes = input.changes()?;
    let client = NewClient {
        company_id: company,
        user_id: changes.user_id.flatten(),
        name: changes
            .name
            .ok_or_else(|| AppError::bad_input("name", "required"))?,
        email: changes.email.flatten(),
        phone: changes.phone.flatten(),
        birth_date: changes.birth_date.flatten(),
        notes: changes.notes.flatten(),
    };
    let mut conn = app.pool.get().await?;
    company_in(&mut conn, scope, company)
        .await?
        .ok_or(AppError::NotFound("company"))?;
    check_account(&mut conn, client.user_id).await?;
    client_queries::insert_client(&mut conn, &client)
        .await
        .on_constraint(&[CLIENT_ACCOUNT_TAKEN])
}

/// The client `id` of a company `scope` reaches, locked; an anonymized one is CONFLICT
/// CLIENT_ANONYMIZED.
async fn client_to_change(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    id: ClientId,
) -> AppResult<Client> {
    let client = client_queries::client_in(conn, scope, id)
        .await?
        .ok_or(AppError::NotFound("client"))?;
    if client.anonymized_at.is_some() {
        return Err(
            AppError::conflict("CLIENT_ANONYMIZED", "the client was anonymized").on_field("id"),
        );
    }
    Ok(client)
}

/// Changes a client of a company `scope` reaches.
pub async fn update_client(
    app: &App,
    scope: Scope,
    id: ClientId,
    input: ClientInput,
) -> AppResult<Client> {
    let changes = input.changes()?;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let client = client_to_change(conn, scope, id).await?;
        check_account(conn, changes.user_id.flatten()).await?;
        client_queries::update_client(conn, client.id, &changes)
            .await
            .on_constraint(&[CLIENT_ACCOUNT_TAKEN])
    })
    .await
}

/// Erases a client's name, contacts, birth date and notes and unlinks its account, for good
/// (again: no change). Its contracts, subscriptions and attendance stay.
pub async fn anonymize_client(app: &App, scope: Scope, id: ClientId) -> AppResult<Client> {
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let client = client_queries::client_in(conn, scope, id)
            .await?
            .ok_or(AppError::NotFound("client"))?;
        if client.anonymized_at.is_some() {
            return Ok(client);
        }
        Ok(client_queries::anonymize_client(conn, client.id).await?)
    })
    .await
}

/// A contract, or the changes to one (`None` keeps; `Some(None)` clears).
#[derive(Debug, Clone, Default)]
pub struct ContractInput {
    pub number: Option<String>,
    pub signed_on: Option<Option<NaiveDate>>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<Option<NaiveDate>>,
    pub terms: Option<Option<String>>,
    pub status: Option<ContractStatus>,
}

fn check_number(number: &str) -> AppResult<String> {
    let number = number.trim();
    if number.is_empty() || number.chars().count() > 50 {
        return Err(AppError::bad_input(
            "number",
            "a contract number has 1 to 50 characters",
        ));
    }
    Ok(number.to_owned())
}

impl ContractInput {
    fn changes(self) -> AppResult<ContractChanges> {
        Ok(ContractChanges {
            number: self.number.as_deref().map(check_number).transpose()?,
            signed_on: self.signed_on,
            valid_from: self.valid_from,
            valid_to: self.valid_to,
            terms: self
                .terms
                .map(|terms| optional_text("terms", terms, 10_000))
                .transpose()?,
            status: self.status,
        })
    }
}

/// Creates a contract of a client of a company `scope` reaches; CONFLICT
/// CONTRACT_NUMBER_TAKEN when the company has the number.
pub async fn create_contract(
    app: &App,
    scope: Scope,
    client: ClientId,
    input: ContractInput,
) -> AppResult<Contract> {
    let changes = input.changes()?;
    let number = changes
        .number
        .ok_or_else(|| AppError::bad_input("number", "required"))?;
    let valid_from = changes
        .valid_from
        .ok_or_else(|| AppError::bad_input("validFrom", "required"))?;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let client = client_to_change(conn, scope, client).await?;
        let contract = NewContract {
            company_id: client.company_id,
            client_id: client.id,
            number,
            signed_on: changes.signed_on.flatten(),
            valid_from,
            valid_to: changes.valid_to.flatten(),
            terms: changes.terms.flatten(),
            status: changes.status.unwrap_or(ContractStatus::Draft),
        };
        client_queries::insert_contract(conn, &contract)
            .await
            .on_constraint(&[CONTRACT_NUMBER_TAKEN, CONTRACT_DATES])
    })
    .await
}

/// Changes a contract of a company `scope` reaches.
pub async fn update_contract(
    app: &App,
    scope: Scope,
    id: ContractId,
    input: ContractInput,
) -> AppResult<Contract> {
    let changes = input.changes()?;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let contract = client_queries::contract_in(conn, scope, id)
            .await?
            .ok_or(AppError::NotFound("contract"))?;
        client_queries::update_contract(conn, contract.id, &changes)
            .await
            .on_constraint(&[CONTRACT_NUMBER_TAKEN, CONTRACT_DATES])
    })
    .await
}

/// A subscription to sell: from a price, for a group or (none) the whole company, from a day
/// (today in the company's zone when left out) for the price's validity unless `valid_to`.
#[derive(Debug, Clone)]
pub struct NewSubscriptionInput {
    pub client: ClientId,
    pub price: PriceId,
    pub group: Option<GroupId>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

/// Sells a subscription to a client of a company `scope` reaches, at an active price of the
/// client's company (amount, currency and lessons copied).
pub async fn create_subscription(
    app: &App,
    scope: Scope,
    input: NewSubscriptionInput,
) -> AppResult<ClientSubscription> {
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let client = client_to_change(conn, scope, input.client).await?;
        let price = queries::price_in(conn, scope, input.price)
            .await?
            .filter(|price| price.company_id == client.company_id)
            .ok_or_else(|| AppError::bad_input("priceId", "a price of the client's company"))?;
        if !price.active {
            return Err(AppError::bad_input(
                "priceId",
                "the price is no longer sold",
            ));
        }
        check_group(conn, input.group, client.company_id).await?;
        let valid_from = match input.valid_from {
            Some(day) => day,
            None => client_queries::company_today(conn, client.company_id).await?,
        };
        let valid_to = input
            .valid_to
            .unwrap_or(valid_from + Duration::days(i64::from(price.validity_days) - 1));
        let subscription = NewClientSubscription {
            company_id: client.company_id,
            client_id: client.id,
            group_id: input.group,
            price_id: price.id,
            amount_minor: price.amount_minor,
            currency: price.currency,
            valid_from,
            valid_to,
            lessons_included: price.lessons_included,
        };
        client_queries::insert_subscription(conn, &subscription)
            .await
            .on_constraint(&[SUBSCRIPTION_DATES])
    })
    .await
}

/// Changes a subscription of a company `scope` reaches. CONFLICT SUBSCRIPTION_CANCELLED once
/// it is cancelled; LESSONS_USED when lowering its lessons below those used.
pub async fn update_subscription(
    app: &App,
    scope: Scope,
    id: SubscriptionId,
    changes: SubscriptionChanges,
) -> AppResult<ClientSubscription> {
    let lessons_included = check_lessons(changes.lessons_included)?;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let subscription = client_queries::subscription_in(conn, scope, id)
            .await?
            .ok_or(AppError::NotFound("clientSubscription"))?;
        if subscription.status == StoredSubscriptionStatus::Cancelled {
            return Err(AppError::conflict(
                "SUBSCRIPTION_CANCELLED",
                "the subscription is cancelled",
            )
            .on_field("id"));
        }
        if let Some(Some(included)) = lessons_included
            && included < subscription.lessons_used
        {
            return Err(AppError::conflict(
                "LESSONS_USED",
                format!("{} lessons are used already", subscription.lessons_used),
            )
            .on_field("lessonsIncluded"));
        }
        check_group(conn, changes.group_id.flatten(), subscription.company_id).await?;
        let changes = SubscriptionChanges {
            lessons_included,
            ..changes
        };
        client_queries::update_subscription(conn, subscription.id, &changes)
            .await
            .on_constraint(&[SUBSCRIPTION_DATES])
    })
    .await
}
