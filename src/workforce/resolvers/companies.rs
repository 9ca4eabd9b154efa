//! `companies`, `company`, `createCompany`, `updateCompany`, `addCompanyMember`,
//! `removeCompanyMember`.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};

use crate::auth::guards::{Level, MinLevel};
use crate::auth::identity::UserId;
use crate::auth::scope::Scope;
use crate::error::AppError;
use crate::graphql::ContextExt;
use crate::graphql::pagination::{
    ListConnection, PageArgs, SortKey, TotalCount, connection_complexity,
};
use crate::workforce::model::{Company, CompanyId, CompanyOrder};
use crate::workforce::queries;
use crate::workforce::service::companies::{self, Member};

/// How `companies` filters.
#[derive(InputObject, Default)]
pub struct CompaniesFilter {
    /// Only companies whose name contains this text (any case).
    pub search: Option<String>,
}

/// The order of `companies`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
#[graphql(remote = "CompanyOrder")]
pub enum CompaniesOrder {
    /// By name, a to z (the default).
    #[default]
    Name,
    /// Newest companies first.
    Newest,
}

/// What a new company is.
#[derive(InputObject)]
pub struct CreateCompanyInput {
    /// Display name, 1 to 200 characters, unique ignoring case.
    pub name: String,
    /// IANA time zone of its calendar days, e.g. `Europe/Madrid`.
    pub time_zone: String,
}

/// Changes to a company; a field left out keeps its value.
#[derive(InputObject)]
pub struct UpdateCompanyInput {
    /// Display name, 1 to 200 characters, unique ignoring case.
    pub name: Option<String>,
    /// IANA time zone of its calendar days.
    pub time_zone: Option<String>,
}

/// Company queries.
#[derive(Default)]
pub struct CompaniesQuery;

#[Object]
impl CompaniesQuery {
    /// The companies you are a member of (owners and admins: all), 20 a page by default, at
    /// most 100.
    #[graphql(
        guard = "MinLevel(Level::Employee)",
        complexity = "connection_complexity(first, last, child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn companies(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page forward: at most this many companies after `after`.")] first: Option<
            i32,
        >,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page backward: at most this many companies before `before`.")]
        last: Option<i32>,
        #[graphql(desc = "The `startCursor` of the next page.")] before: Option<String>,
        filter: Option<CompaniesFilter>,
        #[graphql(desc = "The order; NAME when left out.")] order_by: Option<CompaniesOrder>,
    ) -> Result<ListConnection<SortKey, Company>> {
        let order = CompanyOrder::from(order_by.unwrap_or_default());
        let keyset = order.keyset();
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .page_in(&keyset)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let search = filter
            .and_then(|filter| filter.search)
            .map(|search| search.trim().to_owned())
            .filter(|search| !search.is_empty());
        let mut conn = ctx.conn().await?;
        let rows = queries::list_companies(&mut conn, scope, search.as_deref(), &keyset, &page)
            .await
            .map_err(AppError::from)?;
        let total = TotalCount::query(ctx.app().pool.clone(), move |mut conn| {
            let search = search.clone();
            async move { queries::count_companies(&mut conn, scope, search.as_deref()).await }
        });
        Ok(page.connection(rows, |company| order.key(&keyset, company), total))
    }

    /// The company with this id, if you are a member of it (owners and admins: any).
    #[graphql(guard = "MinLevel(Level::Employee)")]
    async fn company(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Company>> {
        let id = CompanyId::parse("id", &id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let mut conn = ctx.conn().await?;
        Ok(queries::company_in(&mut conn, scope, id)
            .await
            .map_err(AppError::from)?)
    }
}

/// Company mutations.
#[derive(Default)]
pub struct CompaniesMutation;

#[Object]
impl CompaniesMutation {
    /// Creates a company (owners and admins). A taken name is CONFLICT COMPANY_NAME_TAKEN; an
    /// unknown time zone BAD_USER_INPUT UNKNOWN_TIME_ZONE.
    #[graphql(guard = "MinLevel(Level::Owner)")]
    async fn create_company(
        &self,
        ctx: &Context<'_>,
        input: CreateCompanyInput,
    ) -> Result<Company> {
        Ok(companies::create(ctx.app(), &input.name, &input.time_zone).await?)
    }

    /// Changes a company (head managers of it, owners and admins).
    #[graphql(guard = "MinLevel(Level::HeadManager)")]
    async fn update_company(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateCompanyInput,
    ) -> Result<Company> {
        let id = CompanyId::parse("id", &id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        Ok(companies::update(
            ctx.app(),
            scope,
            id,
            input.name.as_deref(),
            input.time_zone.as_deref(),
        )
        .await?)
    }

    /// Makes an account, named by `userId` or by `email` (one of the two), a member of a
    /// company. Head managers add accounts ranking below their own to their companies; owners
    /// and admins anyone anywhere.
    #[graphql(guard = "MinLevel(Level::HeadManager)")]
    async fn add_company_member(
        &self,
        ctx: &Context<'_>,
        company_id: ID,
        user_id: Option<ID>,
        email: Option<String>,
    ) -> Result<Company> {
        let company = CompanyId::parse("companyId", &company_id)?;
        let member = match (user_id, email) {
            (Some(id), None) => Member::Id(UserId::parse("userId", &id)?),
            (None, Some(email)) => Member::Email(email),
            _ => {
                return Err(AppError::bad_input("userId", "give either userId or email").into());
            }
        };
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        Ok(companies::add_member(ctx.app(), viewer, scope, company, member).await?)
    }

    /// Ends an account's membership of a company; its employee records there stay, unlinked.
    /// Head managers remove accounts ranking below their own from their companies; owners and
    /// admins anyone anywhere.
    #[graphql(guard = "MinLevel(Level::HeadManager)")]
    async fn remove_company_member(
        &self,
        ctx: &Context<'_>,
        company_id: ID,
        user_id: ID,
    ) -> Result<Company> {
        let company = CompanyId::parse("companyId", &company_id)?;
        let user = UserId::parse("userId", &user_id)?;
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        Ok(companies::remove_member(ctx.app(), viewer, scope, company, user).await?)
    }
}
