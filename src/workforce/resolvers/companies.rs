//! `companies`, `company`, `createCompany`, `updateCompany`, `addCompanyMember`,
//! `removeCompanyMember`.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result};

use crate::auth::guards::{Level, MinLevel};
use crate::auth::identity::UserId;
use crate::auth::scope::Scope;
use crate::error::AppError;
use crate::graphql::ContextExt;
use crate::graphql::pagination::{
    ListConnection, PageArgs, SortKey, TotalCount, connection_complexity,
};
use crate::graphql::scalars::Weekday;
use crate::workforce::model::{BreakRule, Company, CompanyId, CompanyOrder};
use crate::workforce::queries;
use crate::workforce::service::companies::{self, CompanyInput, Member};

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
    /// IANA time zone of its calendar days. Timesheets already written stay in the zone they
    /// were written in.
    pub time_zone: Option<String>,
    /// What an absent working day without a shift counts, in minutes (0 to 1440; 480 at
    /// first).
    pub standard_day_minutes: Option<i32>,
    /// The working days of the week (Monday to Friday at first).
    pub working_days: Option<Vec<Weekday>>,
    /// The breaks a day's worked time owes when its entries state none, e.g. 30 minutes past
    /// 360 and 45 past 540; replaces the rules (none at first).
    pub break_rules: Option<Vec<BreakRuleInput>>,
    /// Worked minutes in a week beyond which time is overtime (2400 at first).
    pub overtime_weekly_minutes: Option<i32>,
    /// Worked minutes in a day beyond which time is overtime; `null` counts weeks only (the
    /// default).
    pub overtime_daily_minutes: MaybeUndefined<i32>,
    /// How late after a shift's start a missing clock-in is reported as a no-show (15 at
    /// first).
    pub no_show_grace_minutes: Option<i32>,
    /// How long a session may stay open before it is reported as a missed clock-out (16 at
    /// first).
    pub max_open_hours: Option<i32>,
}

/// A break owed past a length of worked time.
#[derive(InputObject, Clone, Copy)]
pub struct BreakRuleInput {
    /// Worked minutes in a day past which the break is owed.
    pub after_minutes: i32,
    /// The break, in minutes.
    pub minutes: i32,
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
        #[graphql(desc = "Which companies to list; all you may see when left out.")] filter: Option<
            CompaniesFilter,
        >,
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
    async fn company(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The company's id.")] id: ID,
    ) -> Result<Option<Company>> {
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
        #[graphql(desc = "The new company's name and time zone.")] input: CreateCompanyInput,
    ) -> Result<Company> {
        Ok(companies::create(ctx.app(), &input.name, &input.time_zone).await?)
    }

    /// Changes a company (head managers of it, owners and admins).
    #[graphql(guard = "MinLevel(Level::HeadManager)")]
    async fn update_company(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The company to change.")] id: ID,
        #[graphql(desc = "The changes; a field left out keeps its value.")]
        input: UpdateCompanyInput,
    ) -> Result<Company> {
        let id = CompanyId::parse("id", &id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let input = CompanyInput {
            name: input.name,
            time_zone: input.time_zone,
            standard_day_minutes: input.standard_day_minutes,
            working_days: input
                .working_days
                .map(|days| days.into_iter().map(Weekday::number).collect()),
            break_rules: input.break_rules.map(|rules| {
                rules
                    .into_iter()
                    .map(|rule| BreakRule {
                        after_minutes: rule.after_minutes,
                        minutes: rule.minutes,
                    })
                    .collect()
            }),
            overtime_weekly_minutes: input.overtime_weekly_minutes,
            overtime_daily_minutes: input.overtime_daily_minutes.into(),
            no_show_grace_minutes: input.no_show_grace_minutes,
            max_open_hours: input.max_open_hours,
        };
        Ok(companies::update(ctx.app(), scope, id, input).await?)
    }

    /// Makes an account, named by `userId` or by `email` (one of the two), a member of a
    /// company. Head managers add accounts ranking below their own to their companies; owners
    /// and admins anyone anywhere.
    #[graphql(guard = "MinLevel(Level::HeadManager)")]
    async fn add_company_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The company to add the account to.")] company_id: ID,
        #[graphql(desc = "The account to add; or give `email` instead.")] user_id: Option<ID>,
        #[graphql(desc = "The email address of the account to add; or give `userId` instead.")]
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
        #[graphql(desc = "The company to remove the account from.")] company_id: ID,
        #[graphql(desc = "The account to remove.")] user_id: ID,
    ) -> Result<Company> {
        let company = CompanyId::parse("companyId", &company_id)?;
        let user = UserId::parse("userId", &user_id)?;
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        Ok(companies::remove_member(ctx.app(), viewer, scope, company, user).await?)
    }
}
