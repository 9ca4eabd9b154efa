//! SQL of the clients' side: clients, contracts, subscriptions and attendance. Each function
//! that reads for a viewer takes a [`ClientReach`] (which clients it sees) or a [`Scope`]
//! (which lessons' attendance it sees and marks); changes take the viewer's [`Scope`].

use chrono::NaiveDate;
use diesel::dsl::{sql, sql_query};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::academy::model::{
    Attendance, AttendanceStatus, Client, ClientChanges, ClientFilter, ClientId, ClientOrder,
    ClientSubscription, Contract, ContractChanges, ContractId, ContractOrder, GroupId, Lesson,
    LessonId, NewClient, NewClientSubscription, NewContract, SUBSCRIPTION_EXPIRED_SQL,
    SubscriptionChanges, SubscriptionId, SubscriptionOrder,
};
use crate::auth::identity::UserId;
use crate::auth::scope::Scope;
use crate::db::cached::TRUE;
use crate::db::schema::{
    attendance, client_subscriptions, clients, contracts, groups, lessons, locations,
};
use crate::graphql::pagination::{Keyset, Page, SortKey};
use crate::workforce::model::CompanyId;
use crate::workforce::queries::{companies_of, company_ids_in, employee_ids_in};

/// Which clients a viewer sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientReach {
    /// Its own client records (accounts below employees).
    Own(UserId),
    /// Its own, and the clients in the groups it coaches (their names only).
    Coach(UserId),
    /// Its own, and the clients of its companies (managers and head managers).
    Companies(UserId),
    /// Every client (owners and admins).
    All,
}

impl ClientReach {
    /// The reach of a client's details (contacts, contracts, subscriptions, attendance): a
    /// coach sees only the names of the clients it coaches.
    pub fn details(self) -> Self {
        match self {
            Self::Coach(user) => Self::Own(user),
            other => other,
        }
    }
}

type Condition<T> = Box<dyn BoxableExpression<T, Pg, SqlType = Bool>>;

fn client_visible(reach: ClientReach) -> Condition<clients::table> {
    match reach {
        ClientReach::All => Box::new(TRUE),
        ClientReach::Own(user) => Box::new(clients::user_id.eq(user).assume_not_null()),
        ClientReach::Coach(user) => Box::new(
            clients::user_id.eq(user).assume_not_null().or(sql::<Bool>(
                "clients.id IN (SELECT rollcall_coached_clients(",
            )
            .bind::<BigInt, _>(user)
            .sql("))")),
        ),
        ClientReach::Companies(user) => Box::new(
            clients::user_id
                .eq(user)
                .assume_not_null()
                .or(clients::company_id.eq_any(companies_of(user))),
        ),
    }
}

/// The ids of the clients whose details `reach` sees.
fn detail_client_ids(reach: ClientReach) -> clients::BoxedQuery<'static, Pg, BigInt> {
    clients::table
        .filter(client_visible(reach.details()))
        .select(clients::id)
        .into_boxed()
}

/// The ids of the clients in a group (see `rollcall_group_clients`).
fn in_group(group: GroupId) -> Condition<clients::table> {
    Box::new(
        sql::<Bool>("clients.id IN (SELECT client_id FROM rollcall_group_clients(ARRAY[")
            .bind::<BigInt, _>(group)
            .sql("]))"),
    )
}

// Orders ------------------------------------------------------------------------------------

impl ClientOrder {
    pub fn keyset(self) -> Keyset {
        match self {
            Self::Name => Keyset::ascending("clients", "NAME").by(clients::name),
            Self::NameDesc => Keyset::descending("clients", "NAME_DESC").by(clients::name),
            Self::Newest => Keyset::descending("clients", "NEWEST").by(clients::created_at),
            Self::Oldest => Keyset::ascending("clients", "OLDEST").by(clients::created_at),
        }
        .by(clients::id)
    }

    pub fn key(self, keyset: &Keyset, client: &Client) -> SortKey {
        let first = match self {
            Self::Name | Self::NameDesc => client.name.clone().into(),
            Self::Newest | Self::Oldest => client.created_at.into(),
        };
        keyset.key([first, client.id.0.into()])
    }
}

impl ContractOrder {
    pub fn keyset(self) -> Keyset {
        match self {
            Self::Number => Keyset::ascending("contracts", "NUMBER").by(contracts::number),
            Self::Newest => Keyset::descending("contracts", "NEWEST").by(contracts::created_at),
        }
        .by(contracts::id)
    }

    pub fn key(self, keyset: &Keyset, contract: &Contract) -> SortKey {
        let first = match self {
            Self::Number => contract.number.clone().into(),
            Self::Newest => contract.created_at.into(),
        };
        keyset.key([first, contract.id.0.into()])
    }
}

impl SubscriptionOrder {
    pub fn keyset(self) -> Keyset {
        match self {
            Self::EndingSoonest => Keyset::ascending("clientSubscriptions", "ENDING_SOONEST")
                .by(client_subscriptions::valid_to),
            Self::Newest => Keyset::descending("clientSubscriptions", "NEWEST")
                .by(client_subscriptions::created_at),
        }
        .by(client_subscriptions::id)
    }

    pub fn key(self, keyset: &Keyset, subscription: &ClientSubscription) -> SortKey {
        let first = match self {
            Self::EndingSoonest => subscription.valid_to.into(),
            Self::Newest => subscription.created_at.into(),
        };
        keyset.key([first, subscription.id.0.into()])
    }
}

// Clients -----------------------------------------------------------------------------------

fn filtered_clients(reach: ClientReach, filter: &ClientFilter) -> clients::BoxedQuery<'static, Pg> {
    let mut query = clients::table.filter(client_visible(reach)).into_boxed();
    if let Some(company) = filter.company {
        query = query.filter(clients::company_id.eq(company));
    }
    if let Some(group) = filter.group {
        query = query.filter(in_group(group));
    }
    if let Some(active) = filter.active {
        query = query.filter(clients::active.eq(active));
    }
    query
}

pub async fn list_clients(
    conn: &mut AsyncPgConnection,
    reach: ClientReach,
    filter: &ClientFilter,
    keyset: &Keyset,
    page: &Page<SortKey>,
) -> QueryResult<Vec<Client>> {
    keyset
        .page_of(filtered_clients(reach, filter), page)
        .select(Client::as_select())
        .load(conn)
        .await
}

pub async fn count_clients(
    conn: &mut AsyncPgConnection,
    reach: ClientReach,
    filter: &ClientFilter,
) -> QueryResult<i64> {
    filtered_clients(reach, filter)
        .count()
        .get_result(conn)
        .await
}

pub async fn clients_by_ids(
    conn: &mut AsyncPgConnection,
    reach: ClientReach,
    ids: &[ClientId],
) -> QueryResult<Vec<Client>> {
    clients::table
        .filter(clients::id.eq_any(ids))
        .filter(client_visible(reach))
        .select(Client::as_select())
        .load(conn)
        .await
}

/// The client records of each of `users` that `reach` sees, by name.
pub async fn clients_of_users(
    conn: &mut AsyncPgConnection,
    reach: ClientReach,
    users: &[UserId],
) -> QueryResult<Vec<Client>> {
    clients::table
        .filter(clients::user_id.eq_any(users))
        .filter(client_visible(reach))
        .order((clients::name, clients::id))
        .select(Client::as_select())
        .load(conn)
        .await
}

#[derive(QueryableByName)]
struct Member {
    #[diesel(sql_type = BigInt)]
    group_id: i64,
    #[diesel(sql_type = BigInt)]
    client_id: i64,
}

/// The clients in each of `groups` that `reach` sees, by name: two statements.
pub async fn clients_of_groups(
    conn: &mut AsyncPgConnection,
    reach: ClientReach,
    groups: &[GroupId],
) -> QueryResult<Vec<(GroupId, Client)>> {
    let ids: Vec<i64> = groups.iter().map(|group| group.0).collect();
    let members: Vec<Member> =
        sql_query("SELECT group_id, client_id FROM rollcall_group_clients($1)")
            .bind::<Array<BigInt>, _>(ids)
            .load(conn)
            .await?;
    let client_ids: Vec<i64> = members.iter().map(|member| member.client_id).collect();
    let found = clients::table
        .filter(clients::id.eq_any(client_ids))
        .filter(client_visible(reach))
        .order((clients::name, clients::id))
        .select(Client::as_select())
        .load(conn)
        .await?;
    let mut pairs = Vec::new();
    for client in found {
        for member in members
            .iter()
            .filter(|member| member.client_id == client.id.0)
        {
            pairs.push((GroupId(member.group_id), client.clone()));
        }
    }
    Ok(pairs)
}

/// The client `id`, locked, if `scope` reaches its company.
pub async fn client_in(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    id: ClientId,
) -> QueryResult<Option<Client>> {
    clients::table
        .find(id)
        .filter(clients::company_id.eq_any(company_ids_in(scope)))
        .select(Client::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Whether the account `user` exists (and is not deleted).
pub async fn account_exists(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<bool> {
    use crate::db::schema::users;
    diesel::select(diesel::dsl::exists(
        users::table.find(user).filter(users::deleted_at.is_null()),
    ))
    .get_result(conn)
    .await
}

/// Which of `ids` are clients of `company`.
pub async fn clients_of_company(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    ids: &[ClientId],
) -> QueryResult<Vec<ClientId>> {
    clients::table
        .filter(clients::id.eq_any(ids))
        .filter(clients::company_id.eq(company))
        .select(clients::id)
        .load(conn)
        .await
}

pub async fn insert_client(
    conn: &mut AsyncPgConnection,
    client: &NewClient,
) -> QueryResult<Client> {
    diesel::insert_into(clients::table)
        .values(client)
        .returning(Client::as_returning())
        .get_result(conn)
        .await
}

pub async fn update_client(
    conn: &mut AsyncPgConnection,
    id: ClientId,
    changes: &ClientChanges,
) -> QueryResult<Client> {
    diesel::update(clients::table.find(id))
        .set((changes, clients::updated_at.eq(diesel::dsl::now)))
        .returning(Client::as_returning())
        .get_result(conn)
        .await
}

/// Erases a client's name, contacts, birth date and notes and unlinks its account, for good;
/// its contracts, subscriptions and attendance stay (statistics keep counting them).
pub async fn anonymize_client(conn: &mut AsyncPgConnection, id: ClientId) -> QueryResult<Client> {
    diesel::update(clients::table.find(id))
        .set((
            clients::name.eq(""),
            clients::email.eq(None::<String>),
            clients::phone.eq(None::<String>),
            clients::birth_date.eq(None::<NaiveDate>),
            clients::notes.eq(None::<String>),
            clients::user_id.eq(None::<UserId>),
            clients::active.eq(false),
            clients::anonymized_at.eq(diesel::dsl::now),
            clients::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Client::as_returning())
        .get_result(conn)
        .await
}

// Contracts ---------------------------------------------------------------------------------

fn filtered_contracts(
    reach: ClientReach,
    filter: &ClientFilter,
) -> contracts::BoxedQuery<'static, Pg> {
    let mut query = contracts::table
        .filter(contracts::client_id.eq_any(detail_client_ids(reach)))
        .into_boxed();
    if let Some(company) = filter.company {
        query = query.filter(contracts::company_id.eq(company));
    }
    if let Some(client) = filter.client {
        query = query.filter(contracts::client_id.eq(client));
    }
    if let Some(status) = filter.contract_status {
        query = query.filter(contracts::status.eq(status));
    }
    query
}

pub async fn list_contracts(
    conn: &mut AsyncPgConnection,
    reach: ClientReach,
    filter: &ClientFilter,
    keyset: &Keyset,
    page: &Page<SortKey>,
) -> QueryResult<Vec<Contract>> {
    keyset
        .page_of(filtered_contracts(reach, filter), page)
        .select(Contract::as_select())
        .load(conn)
        .await
}

pub async fn count_contracts(
    conn: &mut AsyncPgConnection,
    reach: ClientReach,
    filter: &ClientFilter,
) -> QueryResult<i64> {
    filtered_contracts(reach, filter)
        .count()
        .get_result(conn)
        .await
}

pub async fn contracts_by_ids(
    conn: &mut AsyncPgConnection,
    reach: ClientReach,
    ids: &[ContractId],
) -> QueryResult<Vec<Contract>> {
    contracts::table
        .filter(contracts::id.eq_any(ids))
        .filter(contracts::client_id.eq_any(detail_client_ids(reach)))
        .select(Contract::as_select())
        .load(conn)
        .await
}

/// The contracts of each of `clients` (reached already), newest first.
pub async fn contracts_of_clients(
    conn: &mut AsyncPgConnection,
    clients: &[ClientId],
) -> QueryResult<Vec<Contract>> {
    contracts::table
        .filter(contracts::client_id.eq_any(clients))
        .order((contracts::created_at.desc(), contracts::id.desc()))
        .select(Contract::as_select())
        .load(conn)
        .await
}

/// The contract `id`, locked, if `scope` reaches its company.
pub async fn contract_in(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    id: ContractId,
) -> QueryResult<Option<Contract>> {
    contracts::table
        .find(id)
        .filter(contracts::company_id.eq_any(company_ids_in(scope)))
        .select(Contract::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn insert_contract(
    conn: &mut AsyncPgConnection,
    contract: &NewContract,
) -> QueryResult<Contract> {
    diesel::insert_into(contracts::table)
        .values(contract)
        .returning(Contract::as_returning())
        .get_result(conn)
        .await
}

pub async fn update_contract(
    conn: &mut AsyncPgConnection,
    id: ContractId,
    changes: &ContractChanges,
) -> QueryResult<Contract> {
    diesel::update(contracts::table.find(id))
        .set((changes, contracts::updated_at.eq(diesel::dsl::now)))
        .returning(Contract::as_returning())
        .get_result(conn)
        .await
}

// Subscriptions -----------------------------------------------------------------------------

fn filtered_subscriptions(
    reach: ClientReach,
    filter: &ClientFilter,
) -> client_subscriptions::BoxedQuery<'static, Pg> {
    let mut query = client_subscriptions::table
        .filter(client_subscriptions::client_id.eq_any(detail_client_ids(reach)))
        .into_boxed();
    if let Some(company) = filter.company {
        query = query.filter(client_subscriptions::company_id.eq(company));
    }
    if let Some(client) = filter.client {
        query = query.filter(client_subscriptions::client_id.eq(client));
    }
    if let Some(group) = filter.group {
        query = query.filter(client_subscriptions::group_id.eq(group));
    }
    if let Some(status) = filter.subscription_status {
        query = query.filter(
            // As answered: EXPIRED once its last day passed, unless cancelled.
            sql::<Bool>(&format!(
                "(CASE WHEN client_subscriptions.status <> 'CANCELLED' AND \
                 {SUBSCRIPTION_EXPIRED_SQL} THEN 'EXPIRED' ELSE client_subscriptions.status END) = "
            ))
            .bind::<Text, _>(status),
        );
    }
    query
}

pub async fn list_subscriptions(
    conn: &mut AsyncPgConnection,
    reach: ClientReach,
    filter: &ClientFilter,
    keyset: &Keyset,
    page: &Page<SortKey>,
) -> QueryResult<Vec<ClientSubscription>> {
    keyset
        .page_of(filtered_subscriptions(reach, filter), page)
        .select(ClientSubscription::as_select())
        .load(conn)
        .await
}

pub async fn count_subscriptions(
    conn: &mut AsyncPgConnection,
    reach: ClientReach,
    filter: &ClientFilter,
) -> QueryResult<i64> {
    filtered_subscriptions(reach, filter)
        .count()
        .get_result(conn)
        .await
}

pub async fn subscriptions_by_ids(
    conn: &mut AsyncPgConnection,
    reach: ClientReach,
    ids: &[SubscriptionId],
) -> QueryResult<Vec<ClientSubscription>> {
    client_subscriptions::table
        .filter(client_subscriptions::id.eq_any(ids))
        .filter(client_subscriptions::client_id.eq_any(detail_client_ids(reach)))
        .select(ClientSubscription::as_select())
        .load(conn)
        .await
}

/// The subscriptions of each of `clients` (reached already), ending soonest first.
pub async fn subscriptions_of_clients(
    conn: &mut AsyncPgConnection,
    clients: &[ClientId],
) -> QueryResult<Vec<ClientSubscription>> {
    client_subscriptions::table
        .filter(client_subscriptions::client_id.eq_any(clients))
        .order((client_subscriptions::valid_to, client_subscriptions::id))
        .select(ClientSubscription::as_select())
        .load(conn)
        .await
}

/// The subscription `id`, locked, if `scope` reaches its company.
pub async fn subscription_in(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    id: SubscriptionId,
) -> QueryResult<Option<ClientSubscription>> {
    client_subscriptions::table
        .find(id)
        .filter(client_subscriptions::company_id.eq_any(company_ids_in(scope)))
        .select(ClientSubscription::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// The company of a group (through its location).
pub async fn company_of_group(
    conn: &mut AsyncPgConnection,
    group: GroupId,
) -> QueryResult<Option<CompanyId>> {
    groups::table
        .inner_join(locations::table)
        .filter(groups::id.eq(group))
        .select(locations::company_id)
        .first(conn)
        .await
        .optional()
}

/// Today in a company's zone.
pub async fn company_today(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
) -> QueryResult<NaiveDate> {
    diesel::select(
        sql::<diesel::sql_types::Date>("rollcall_company_today(")
            .bind::<BigInt, _>(company)
            .sql(")"),
    )
    .get_result(conn)
    .await
}

pub async fn insert_subscription(
    conn: &mut AsyncPgConnection,
    subscription: &NewClientSubscription,
) -> QueryResult<ClientSubscription> {
    diesel::insert_into(client_subscriptions::table)
        .values(subscription)
        .returning(ClientSubscription::as_returning())
        .get_result(conn)
        .await
}

pub async fn update_subscription(
    conn: &mut AsyncPgConnection,
    id: SubscriptionId,
    changes: &SubscriptionChanges,
) -> QueryResult<ClientSubscription> {
    diesel::update(client_subscriptions::table.find(id))
        .set((
            changes,
            client_subscriptions::updated_at.eq(diesel::dsl::now),
        ))
        .returning(ClientSubscription::as_returning())
        .get_result(conn)
        .await
}

// Attendance --------------------------------------------------------------------------------

/// The lessons whose attendance `scope` sees and marks: its own are those it teaches.
fn lesson_markable(reach: Scope) -> Condition<lessons::table> {
    match reach {
        Scope::All => Box::new(TRUE),
        Scope::Own(user) => Box::new(
            lessons::coach_id
                .assume_not_null()
                .eq_any(employee_ids_in(Scope::Own(user))),
        ),
        Scope::Companies(user) => Box::new(
            lessons::group_id.eq_any(
                groups::table
                    .inner_join(locations::table)
                    .filter(locations::company_id.eq_any(companies_of(user)))
                    .select(groups::id),
            ),
        ),
    }
}

/// The lessons of `ids` whose attendance `reach` sees, with their marks: lessons out of reach
/// are missing, lessons without marks come with `None`.
pub async fn attendance_of_lessons(
    conn: &mut AsyncPgConnection,
    reach: Scope,
    ids: &[LessonId],
) -> QueryResult<Vec<(LessonId, Option<Attendance>)>> {
    lessons::table
        .left_join(attendance::table)
        .filter(
            lessons::id.eq_any(
                lessons::table
                    .filter(lessons::id.eq_any(ids))
                    .filter(lesson_markable(reach))
                    .select(lessons::id)
                    .into_boxed(),
            ),
        )
        .order((lessons::id, attendance::marked_at, attendance::client_id))
        .select((lessons::id, Option::<Attendance>::as_select()))
        .load(conn)
        .await
}

/// The marks of each of `clients` (reached already), latest lesson first.
pub async fn attendance_of_clients(
    conn: &mut AsyncPgConnection,
    clients: &[ClientId],
) -> QueryResult<Vec<Attendance>> {
    attendance::table
        .inner_join(lessons::table)
        .filter(attendance::client_id.eq_any(clients))
        .order((lessons::starts_at.desc(), lessons::id.desc()))
        .select(Attendance::as_select())
        .load(conn)
        .await
}

/// The lesson `id`, locked for marking, with its company, if `reach` may mark it.
pub async fn lesson_for_marking(
    conn: &mut AsyncPgConnection,
    reach: Scope,
    id: LessonId,
) -> QueryResult<Option<(Lesson, CompanyId)>> {
    let Some(lesson) = lessons::table
        .find(id)
        .filter(lesson_markable(reach))
        .select(Lesson::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?
    else {
        return Ok(None);
    };
    let company = company_of_group(conn, lesson.group_id).await?;
    Ok(company.map(|company| (lesson, company)))
}

/// The marks of a lesson.
pub async fn marks_of(
    conn: &mut AsyncPgConnection,
    lesson: LessonId,
) -> QueryResult<Vec<Attendance>> {
    attendance::table
        .filter(attendance::lesson_id.eq(lesson))
        .select(Attendance::as_select())
        .load(conn)
        .await
}

/// Consumes one lesson of the subscription a PRESENT or LATE mark at `lesson` takes: ACTIVE,
/// the lesson's local date within its days, lessons left; one for the lesson's group before a
/// company-wide one, each the one ending soonest. The conditional `UPDATE` re-checks what is
/// left on the locked row, so two lessons never take the last one twice. `None` when no
/// subscription is valid.
pub async fn consume_lesson(
    conn: &mut AsyncPgConnection,
    lesson: LessonId,
    client: ClientId,
) -> QueryResult<Option<SubscriptionId>> {
    #[derive(QueryableByName)]
    struct Consumed {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    // A candidate can be emptied by a concurrent mark between the two steps; the next round
    // sees it empty and takes the next one.
    for _ in 0..8 {
        let candidate: Option<Consumed> = sql_query(
            "SELECT s.id FROM lessons l JOIN groups g ON g.id = l.group_id \
               JOIN locations loc ON loc.id = g.location_id \
               JOIN client_subscriptions s ON s.client_id = $2 AND s.company_id = loc.company_id \
             WHERE l.id = $1 AND s.status = 'ACTIVE' \
               AND (s.group_id = l.group_id OR s.group_id IS NULL) \
               AND (l.starts_at AT TIME ZONE loc.time_zone)::date BETWEEN s.valid_from AND s.valid_to \
               AND (s.lessons_included IS NULL OR s.lessons_used < s.lessons_included) \
             ORDER BY s.group_id IS NULL, s.valid_to, s.id LIMIT 1",
        )
        .bind::<BigInt, _>(lesson)
        .bind::<BigInt, _>(client)
        .get_result(conn)
        .await
        .optional()?;
        let Some(candidate) = candidate else {
            return Ok(None);
        };
        let taken = diesel::update(
            client_subscriptions::table
                .find(candidate.id)
                .filter(client_subscriptions::status.eq("ACTIVE"))
                .filter(
                    client_subscriptions::lessons_included
                        .is_null()
                        .or(client_subscriptions::lessons_used
                            .lt(client_subscriptions::lessons_included.assume_not_null())),
                ),
        )
        .set((
            client_subscriptions::lessons_used.eq(client_subscriptions::lessons_used + 1),
            client_subscriptions::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
        if taken == 1 {
            return Ok(Some(SubscriptionId(candidate.id)));
        }
    }
    Ok(None)
}

/// Gives back the lessons of `subscriptions` (one per entry).
pub async fn refund_lessons(
    conn: &mut AsyncPgConnection,
    subscriptions: &[SubscriptionId],
) -> QueryResult<()> {
    if subscriptions.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = subscriptions.iter().map(|id| id.0).collect();
    sql_query(
        "UPDATE client_subscriptions s SET lessons_used = s.lessons_used - r.n, updated_at = now() \
         FROM (SELECT id, count(*)::int AS n FROM unnest($1::bigint[]) AS id GROUP BY id) r \
         WHERE s.id = r.id",
    )
    .bind::<Array<BigInt>, _>(ids)
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets a client's mark at a lesson.
pub async fn upsert_mark(
    conn: &mut AsyncPgConnection,
    lesson: LessonId,
    client: ClientId,
    status: AttendanceStatus,
    subscription: Option<SubscriptionId>,
    marked_by: UserId,
) -> QueryResult<()> {
    diesel::insert_into(attendance::table)
        .values((
            attendance::lesson_id.eq(lesson),
            attendance::client_id.eq(client),
            attendance::status.eq(status),
            attendance::subscription_id.eq(subscription),
            attendance::marked_by.eq(marked_by),
        ))
        .on_conflict((attendance::lesson_id, attendance::client_id))
        .do_update()
        .set((
            attendance::status.eq(status),
            attendance::subscription_id.eq(subscription),
            attendance::marked_by.eq(marked_by),
            attendance::marked_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_mark(
    conn: &mut AsyncPgConnection,
    lesson: LessonId,
    client: ClientId,
) -> QueryResult<()> {
    diesel::delete(attendance::table.find((lesson, client)))
        .execute(conn)
        .await?;
    Ok(())
}

/// Gives back every lesson a cancelled lesson's marks consumed; the marks stay, unlinked. The
/// caller holds the lesson locked.
pub async fn refund_lesson(conn: &mut AsyncPgConnection, lesson: LessonId) -> QueryResult<()> {
    let consumed: Vec<SubscriptionId> = attendance::table
        .filter(attendance::lesson_id.eq(lesson))
        .filter(attendance::subscription_id.is_not_null())
        .select(attendance::subscription_id.assume_not_null())
        .load(conn)
        .await?;
    refund_lessons(conn, &consumed).await?;
    diesel::update(attendance::table.filter(attendance::lesson_id.eq(lesson)))
        .set(attendance::subscription_id.eq(None::<SubscriptionId>))
        .execute(conn)
        .await?;
    Ok(())
}

/// A client to tell of a cancelled lesson.
#[derive(Debug, QueryableByName)]
pub struct Recipient {
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub email: String,
    #[diesel(sql_type = Text)]
    pub group_name: String,
    #[diesel(sql_type = Text)]
    pub location_name: String,
    #[diesel(sql_type = Text)]
    pub local_start: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub reason: Option<String>,
}

/// The active clients with an email address in a lesson's group, or marked at it, with what
/// the mail says of the lesson (its local start in the location's zone).
pub async fn cancellation_recipients(
    conn: &mut AsyncPgConnection,
    lesson: LessonId,
) -> QueryResult<Vec<Recipient>> {
    sql_query(
        "SELECT c.name, c.email, g.name AS group_name, loc.name AS location_name, \
           to_char(l.starts_at AT TIME ZONE loc.time_zone, 'YYYY-MM-DD HH24:MI') AS local_start, \
           l.cancel_reason AS reason \
         FROM lessons l JOIN groups g ON g.id = l.group_id JOIN locations loc ON loc.id = g.location_id \
           JOIN clients c ON c.id IN ( \
             SELECT client_id FROM rollcall_group_clients(ARRAY[l.group_id]) \
             UNION SELECT client_id FROM attendance WHERE lesson_id = l.id) \
         WHERE l.id = $1 AND c.email IS NOT NULL AND c.active ORDER BY c.id",
    )
    .bind::<BigInt, _>(lesson)
    .load(conn)
    .await
}
