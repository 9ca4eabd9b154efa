//! `clients`, `contracts`, `clientSubscriptions`, `client`, `contract`, `clientSubscription`,
//! and their mutations: `createClient`, `updateClient`, `anonymizeClient`, `createContract`,
//! `updateContract`, `createClientSubscription`, `updateClientSubscription`, `setAttendance`.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::Utc;

use crate::academy::model::{
    AttendanceStatus, Client, ClientFilter, ClientId, ClientOrder, ClientSubscription, Contract,
    ContractId, ContractOrder, ContractStatus, GroupId, Lesson, LessonId, PriceId,
    SubscriptionChanges, SubscriptionId, SubscriptionOrder,
};
use crate::academy::queries::clients as client_queries;
use crate::academy::resolvers::timetable::page_args;
use crate::academy::resolvers::types::{SubscriptionStatus, client_reach};
use crate::academy::service::attendance::{self, Mark};
use crate::academy::service::clients::{self, ClientInput, ContractInput, NewSubscriptionInput};
use crate::auth::guards::{Level, MinLevel};
use crate::auth::identity::UserId;
use crate::auth::scope::Scope;
use crate::error::{AppError, AppResult};
use crate::graphql::ContextExt;
use crate::graphql::pagination::{ListConnection, SortKey, TotalCount, connection_complexity};
use crate::graphql::scalars::Date;
use crate::workforce::model::CompanyId;

/// How `clients` filters.
#[derive(InputObject, Default)]
pub struct ClientsFilter {
    /// Only clients of this company.
    pub company_id: Option<ID>,
    /// Only clients in this group (a valid subscription for it, or there at one of its
    /// lessons in the last 90 days).
    pub group_id: Option<ID>,
    /// Only active (true) or former (false) clients.
    pub active: Option<bool>,
}

/// How `contracts` filters.
#[derive(InputObject, Default)]
pub struct ContractsFilter {
    /// Only contracts of this company.
    pub company_id: Option<ID>,
    /// Only contracts of this client.
    pub client_id: Option<ID>,
    /// Only contracts in this status.
    pub status: Option<ContractStatus>,
}

/// How `clientSubscriptions` filters.
#[derive(InputObject, Default)]
pub struct ClientSubscriptionsFilter {
    /// Only subscriptions of this company.
    pub company_id: Option<ID>,
    /// Only subscriptions of this client.
    pub client_id: Option<ID>,
    /// Only subscriptions for this group.
    pub group_id: Option<ID>,
    /// Only subscriptions in this status (EXPIRED: their last day has passed).
    pub status: Option<SubscriptionStatus>,
}

/// The order of `clients`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
#[graphql(remote = "ClientOrder")]
pub enum ClientsOrder {
    /// By name, a to z (the default).
    #[default]
    Name,
    /// By name, z to a.
    NameDesc,
    /// Newest client first.
    Newest,
    /// Oldest client first.
    Oldest,
}

/// The order of `contracts`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
#[graphql(remote = "ContractOrder")]
pub enum ContractsOrder {
    /// By number (the default).
    #[default]
    Number,
    /// Newest first.
    Newest,
}

/// The order of `clientSubscriptions`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
#[graphql(remote = "SubscriptionOrder")]
pub enum ClientSubscriptionsOrder {
    /// The one whose last day comes first, first (the default).
    #[default]
    EndingSoonest,
    /// Newest sale first.
    Newest,
}

/// Client queries.
#[derive(Default)]
pub struct ClientsQuery;

#[Object]
impl ClientsQuery {
    /// Clients you may see: your own client records; an employee also those in the groups it
    /// coaches (their names only); managers and head managers their companies'; owners and
    /// admins all. 20 a page by default, at most 100.
    #[graphql(
        guard = "MinLevel(Level::User)",
        complexity = "connection_complexity(first, last, child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn clients(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page forward: at most this many after `after`.")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page backward: at most this many before `before`.")] last: Option<i32>,
        #[graphql(desc = "The `startCursor` of the next page.")] before: Option<String>,
        #[graphql(desc = "Which clients; all you may see when left out.")] filter: Option<
            ClientsFilter,
        >,
        #[graphql(desc = "The order; NAME when left out.")] order_by: Option<ClientsOrder>,
    ) -> Result<ListConnection<SortKey, Client>> {
        let order = ClientOrder::from(order_by.unwrap_or_default());
        let keyset = order.keyset();
        let page = page_args(first, after, last, before).page_in(&keyset)?;
        let reach = client_reach(ctx.viewer())?;
        let filter = filter.unwrap_or_default();
        let filter = ClientFilter {
            company: CompanyId::parse_optional("filter.companyId", filter.company_id.as_ref())?,
            group: GroupId::parse_optional("filter.groupId", filter.group_id.as_ref())?,
            active: filter.active,
            ..ClientFilter::default()
        };
        let mut conn = ctx.conn().await?;
        let rows = client_queries::list_clients(&mut conn, reach, &filter, &keyset, &page)
            .await
            .map_err(AppError::from)?;
        let total = TotalCount::query(ctx.app().pool.clone(), move |mut conn| {
            let filter = filter.clone();
            async move { client_queries::count_clients(&mut conn, reach, &filter).await }
        });
        Ok(page.connection(rows, |row| order.key(&keyset, row), total))
    }

    /// The client with this id, if you may see it.
    #[graphql(guard = "MinLevel(Level::User)")]
    async fn client(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The client.")] id: ID,
    ) -> Result<Option<Client>> {
        let id = ClientId::parse("id", &id)?;
        let reach = client_reach(ctx.viewer())?;
        let mut conn = ctx.conn().await?;
        Ok(client_queries::clients_by_ids(&mut conn, reach, &[id])
            .await
            .map_err(AppError::from)?
            .pop())
    }

    /// Contracts: of your own client records; managers and head managers their companies';
    /// owners and admins all. 20 a page by default, at most 100.
    #[graphql(
        guard = "MinLevel(Level::User)",
        complexity = "connection_complexity(first, last, child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn contracts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page forward: at most this many after `after`.")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page backward: at most this many before `before`.")] last: Option<i32>,
        #[graphql(desc = "The `startCursor` of the next page.")] before: Option<String>,
        #[graphql(desc = "Which contracts; all you may see when left out.")] filter: Option<
            ContractsFilter,
        >,
        #[graphql(desc = "The order; NUMBER when left out.")] order_by: Option<ContractsOrder>,
    ) -> Result<ListConnection<SortKey, Contract>> {
        let order = ContractOrder::from(order_by.unwrap_or_default());
        let keyset = order.keyset();
        let page = page_args(first, after, last, before).page_in(&keyset)?;
        let reach = client_reach(ctx.viewer())?;
        let filter = filter.unwrap_or_default();
        let filter = ClientFilter {
            company: CompanyId::parse_optional("filter.companyId", filter.company_id.as_ref())?,
            client: ClientId::parse_optional("filter.clientId", filter.client_id.as_ref())?,
            contract_status: filter.status,
            ..ClientFilter::default()
        };
        let mut conn = ctx.conn().await?;
        let rows = client_queries::list_contracts(&mut conn, reach, &filter, &keyset, &page)
            .await
            .map_err(AppError::from)?;
        let total = TotalCount::query(ctx.app().pool.clone(), move |mut conn| {
            let filter = filter.clone();
            async move { client_queries::count_contracts(&mut conn, reach, &filter).await }
        });
        Ok(page.connection(rows, |row| order.key(&keyset, row), total))
    }

    /// The contract with this id, if you may see it.
    #[graphql(guard = "MinLevel(Level::User)")]
    async fn contract(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract.")] id: ID,
    ) -> Result<Option<Contract>> {
        let id = ContractId::parse("id", &id)?;
        let reach = client_reach(ctx.viewer())?;
        let mut conn = ctx.conn().await?;
        Ok(client_queries::contracts_by_ids(&mut conn, reach, &[id])
            .await
            .map_err(AppError::from)?
            .pop())
    }

    /// Client subscriptions: of your own client records; managers and head managers their
    /// companies'; owners and admins all. 20 a page by default, at most 100.
    #[graphql(
        guard = "MinLevel(Level::User)",
        complexity = "connection_complexity(first, last, child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn client_subscriptions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page forward: at most this many after `after`.")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page backward: at most this many before `before`.")] last: Option<i32>,
        #[graphql(desc = "The `startCursor` of the next page.")] before: Option<String>,
        #[graphql(desc = "Which subscriptions; all you may see when left out.")] filter: Option<
            ClientSubscriptionsFilter,
        >,
        #[graphql(desc = "The order; ENDING_SOONEST when left out.")] order_by: Option<
            ClientSubscriptionsOrder,
        >,
    ) -> Result<ListConnection<SortKey, ClientSubscription>> {
        let order = SubscriptionOrder::from(order_by.unwrap_or_default());
        let keyset = order.keyset();
        let page = page_args(first, after, last, before).page_in(&keyset)?;
        let reach = client_reach(ctx.viewer())?;
        let filter = filter.unwrap_or_default();
        let filter = ClientFilter {
            company: CompanyId::parse_optional("filter.companyId", filter.company_id.as_ref())?,
            client: ClientId::parse_optional("filter.clientId", filter.client_id.as_ref())?,
            group: GroupId::parse_optional("filter.groupId", filter.group_id.as_ref())?,
            subscription_status: filter.status.map(SubscriptionStatus::as_str),
            ..ClientFilter::default()
        };
        let mut conn = ctx.conn().await?;
        let rows = client_queries::list_subscriptions(&mut conn, reach, &filter, &keyset, &page)
            .await
            .map_err(AppError::from)?;
        let total = TotalCount::query(ctx.app().pool.clone(), move |mut conn| {
            let filter = filter.clone();
            async move { client_queries::count_subscriptions(&mut conn, reach, &filter).await }
        });
        Ok(page.connection(rows, |row| order.key(&keyset, row), total))
    }

    /// The client subscription with this id, if you may see it.
    #[graphql(guard = "MinLevel(Level::User)")]
    async fn client_subscription(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The subscription.")] id: ID,
    ) -> Result<Option<ClientSubscription>> {
        let id = SubscriptionId::parse("id", &id)?;
        let reach = client_reach(ctx.viewer())?;
        let mut conn = ctx.conn().await?;
        Ok(
            client_queries::subscriptions_by_ids(&mut conn, reach, &[id])
                .await
                .map_err(AppError::from)?
                .pop(),
        )
    }
}

/// A client to create.
#[derive(InputObject)]
pub struct CreateClientInput {
    /// The company.
    pub company_id: ID,
    /// Full name, 1 to 200 characters.
    pub name: String,
    /// Email address (cancelled lessons are mailed there).
    pub email: Option<String>,
    /// Phone number, 3 to 40 characters.
    pub phone: Option<String>,
    /// Date of birth.
    pub birth_date: Option<Date>,
    /// The studio's notes, at most 2000 characters.
    pub notes: Option<String>,
    /// The account the client signs in with (at most one client per account and company).
    pub user_id: Option<ID>,
}

/// Changes to a client: a field left out keeps its value, `null` clears it.
#[derive(InputObject, Default)]
pub struct UpdateClientInput {
    /// Full name.
    pub name: Option<String>,
    /// Email address.
    pub email: MaybeUndefined<String>,
    /// Phone number.
    pub phone: MaybeUndefined<String>,
    /// Date of birth.
    pub birth_date: MaybeUndefined<Date>,
    /// The studio's notes.
    pub notes: MaybeUndefined<String>,
    /// The account the client signs in with; null unlinks it.
    pub user_id: MaybeUndefined<ID>,
    /// False when the client left.
    pub active: Option<bool>,
}

/// A contract to create.
#[derive(InputObject)]
pub struct CreateContractInput {
    /// The client.
    pub client_id: ID,
    /// The contract number, 1 to 50 characters, unique within the company.
    pub number: String,
    /// When it was signed.
    pub signed_on: Option<Date>,
    /// First day it applies.
    pub valid_from: Date,
    /// Last day it applies; open-ended when left out.
    pub valid_to: Option<Date>,
    /// Its terms, at most 10000 characters.
    pub terms: Option<String>,
    /// Where it stands; DRAFT when left out.
    pub status: Option<ContractStatus>,
}

/// Changes to a contract: a field left out keeps its value, `null` clears it.
#[derive(InputObject, Default)]
pub struct UpdateContractInput {
    /// The contract number.
    pub number: Option<String>,
    /// When it was signed.
    pub signed_on: MaybeUndefined<Date>,
    /// First day it applies.
    pub valid_from: Option<Date>,
    /// Last day it applies; null makes it open-ended.
    pub valid_to: MaybeUndefined<Date>,
    /// Its terms.
    pub terms: MaybeUndefined<String>,
    /// Where it stands.
    pub status: Option<ContractStatus>,
}

/// A subscription to sell.
#[derive(InputObject)]
pub struct CreateClientSubscriptionInput {
    /// The client.
    pub client_id: ID,
    /// The active price of the client's company it is sold from (amount, currency and lessons
    /// are copied).
    pub price_id: ID,
    /// The group it is for; any group of the company when left out.
    pub group_id: Option<ID>,
    /// First day it may be used; today in the company's time zone when left out.
    pub valid_from: Option<Date>,
    /// Last day it may be used; after the price's validity days when left out.
    pub valid_to: Option<Date>,
}

/// Changes to a client subscription: a field left out keeps its value.
#[derive(InputObject, Default)]
pub struct UpdateClientSubscriptionInput {
    /// The group it is for; null makes it valid for any group of the company.
    pub group_id: MaybeUndefined<ID>,
    /// First day it may be used.
    pub valid_from: Option<Date>,
    /// Last day it may be used.
    pub valid_to: Option<Date>,
    /// Lessons included (not below those used); null makes it unlimited.
    pub lessons_included: MaybeUndefined<i32>,
    /// ACTIVE, PAUSED or CANCELLED (for good); EXPIRED is derived, never set.
    pub status: Option<SubscriptionStatus>,
}

/// A mark of `setAttendance`.
#[derive(InputObject)]
pub struct AttendanceEntryInput {
    /// The client, of the lesson's company.
    pub client_id: ID,
    /// The mark; null removes the client's mark.
    pub status: Option<AttendanceStatus>,
}

/// Client mutations.
#[derive(Default)]
pub struct ClientsMutation;

#[Object]
impl ClientsMutation {
    /// Creates a client (managers and up, of their companies).
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn create_client(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The client.")] input: CreateClientInput,
    ) -> Result<Client> {
        let company = CompanyId::parse("companyId", &input.company_id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let client = ClientInput {
            user: Some(UserId::parse_optional("userId", input.user_id.as_ref())?),
            name: Some(input.name),
            email: Some(input.email),
            phone: Some(input.phone),
            birth_date: Some(input.birth_date.map(|date| date.0)),
            notes: Some(input.notes),
            active: None,
        };
        Ok(clients::create_client(ctx.app(), scope, company, client).await?)
    }

    /// Changes a client (managers and up, of their companies). CONFLICT CLIENT_ANONYMIZED.
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn update_client(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The client.")] id: ID,
        #[graphql(desc = "The changes.")] input: UpdateClientInput,
    ) -> Result<Client> {
        let id = ClientId::parse("id", &id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let changes = ClientInput {
            user: UserId::parse_update("userId", input.user_id)?,
            name: input.name,
            email: input.email.into(),
            phone: input.phone.into(),
            birth_date: Option::<Option<Date>>::from(input.birth_date)
                .map(|date| date.map(|date| date.0)),
            notes: input.notes.into(),
            active: input.active,
        };
        Ok(clients::update_client(ctx.app(), scope, id, changes).await?)
    }

    /// Erases a client's name, contacts, birth date and notes and unlinks its account, for
    /// good (managers and up, of their companies); its contracts, subscriptions and attendance
    /// stay, and statistics keep counting them.
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn anonymize_client(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The client.")] id: ID,
    ) -> Result<Client> {
        let id = ClientId::parse("id", &id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        Ok(clients::anonymize_client(ctx.app(), scope, id).await?)
    }

    /// Creates a contract (managers and up, of their companies). CONFLICT
    /// CONTRACT_NUMBER_TAKEN, CLIENT_ANONYMIZED.
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn create_contract(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract.")] input: CreateContractInput,
    ) -> Result<Contract> {
        let client = ClientId::parse("clientId", &input.client_id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let contract = ContractInput {
            number: Some(input.number),
            signed_on: Some(input.signed_on.map(|date| date.0)),
            valid_from: Some(input.valid_from.0),
            valid_to: Some(input.valid_to.map(|date| date.0)),
            terms: Some(input.terms),
            status: input.status,
        };
        Ok(clients::create_contract(ctx.app(), scope, client, contract).await?)
    }

    /// Changes a contract (managers and up, of their companies). CONFLICT
    /// CONTRACT_NUMBER_TAKEN.
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn update_contract(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract.")] id: ID,
        #[graphql(desc = "The changes.")] input: UpdateContractInput,
    ) -> Result<Contract> {
        let id = ContractId::parse("id", &id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let changes = ContractInput {
            number: input.number,
            signed_on: Option::<Option<Date>>::from(input.signed_on)
                .map(|date| date.map(|date| date.0)),
            valid_from: input.valid_from.map(|date| date.0),
            valid_to: Option::<Option<Date>>::from(input.valid_to)
                .map(|date| date.map(|date| date.0)),
            terms: input.terms.into(),
            status: input.status,
        };
        Ok(clients::update_contract(ctx.app(), scope, id, changes).await?)
    }

    /// Sells a subscription to a client at an active price of its company (managers and up,
    /// of their companies).
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn create_client_subscription(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The subscription.")] input: CreateClientSubscriptionInput,
    ) -> Result<ClientSubscription> {
        let scope = Scope::of_staff(ctx.viewer())?;
        let subscription = NewSubscriptionInput {
            client: ClientId::parse("clientId", &input.client_id)?,
            price: PriceId::parse("priceId", &input.price_id)?,
            group: GroupId::parse_optional("groupId", input.group_id.as_ref())?,
            valid_from: input.valid_from.map(|date| date.0),
            valid_to: input.valid_to.map(|date| date.0),
        };
        Ok(clients::create_subscription(ctx.app(), scope, subscription).await?)
    }

    /// Changes a client subscription (managers and up, of their companies). CONFLICT
    /// SUBSCRIPTION_CANCELLED once cancelled, LESSONS_USED below the lessons used.
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn update_client_subscription(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The subscription.")] id: ID,
        #[graphql(desc = "The changes.")] input: UpdateClientSubscriptionInput,
    ) -> Result<ClientSubscription> {
        let id = SubscriptionId::parse("id", &id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let status = input
            .status
            .map(|status| {
                status.stored().ok_or_else(|| {
                    AppError::bad_input("status", "EXPIRED follows from the dates; it is not set")
                })
            })
            .transpose()?;
        let changes = SubscriptionChanges {
            group_id: GroupId::parse_update("groupId", input.group_id)?,
            valid_from: input.valid_from.map(|date| date.0),
            valid_to: input.valid_to.map(|date| date.0),
            lessons_included: input.lessons_included.into(),
            status,
        };
        Ok(clients::update_subscription(ctx.app(), scope, id, changes).await?)
    }

    /// Merges marks into a lesson's attendance: clients left out keep theirs, `status: null`
    /// removes one (the lesson's coach, and managers and up of its company). PRESENT and LATE
    /// consume a lesson of the client's valid subscription (one for the group first, then a
    /// company-wide one, each ending soonest); without one the mark stands, flagged. CONFLICT
    /// LESSON_CANCELLED, LESSON_NOT_STARTED (present more than 30 minutes before the start);
    /// BAD_USER_INPUT on `entries` for a client twice or of another company.
    #[graphql(guard = "MinLevel(Level::Employee)")]
    async fn set_attendance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lesson.")] lesson_id: ID,
        #[graphql(desc = "The marks.")] entries: Vec<AttendanceEntryInput>,
    ) -> Result<Lesson> {
        let lesson = LessonId::parse("lessonId", &lesson_id)?;
        let viewer = ctx.viewer();
        let reach = Scope::of_staff(viewer)?;
        let actor = viewer.require()?.user.id;
        let marks = entries
            .into_iter()
            .map(|entry| {
                Ok(Mark {
                    client: ClientId::parse("entries", &entry.client_id)?,
                    status: entry.status,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        Ok(attendance::set_attendance(ctx.app(), reach, actor, lesson, marks, Utc::now()).await?)
    }
}
