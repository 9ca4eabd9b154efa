//! SQL of the library: books (a catalogue every signed-in account reads, like the timetable:
//! a [`Reach`]), loans (the borrower's own, its companies' for managers: a [`Scope`]) and the
//! reminders of overdue loans.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::{sql, sql_query};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Date, Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::academy::model::{
    Book, BookChanges, BookFilter, BookId, BookOrder, ClientId, GroupId, LOAN_OVERDUE_SQL, Loan,
    LoanFilter, LoanId, LoanOrder, NewBook, NewLoan,
};
use crate::academy::queries::Reach;
use crate::auth::identity::UserId;
use crate::auth::scope::Scope;
use crate::db::cached::{TRUE, fragment};
use crate::db::contains_pattern;
use crate::db::schema::{books, clients, loans};
use crate::graphql::pagination::{Keyset, Page, SortKey};
use crate::workforce::queries::{companies_of, company_ids_in};

type Condition<T> = Box<dyn BoxableExpression<T, Pg, SqlType = Bool>>;

fn own_loan(user: UserId) -> Condition<loans::table> {
    Box::new(
        loans::user_id
            .eq(user)
            .assume_not_null()
            .or(loans::client_id.assume_not_null().eq_any(
                clients::table
                    .filter(clients::user_id.eq(user))
                    .select(clients::id),
            )),
    )
}

fn loan_visible(reach: Scope) -> Condition<loans::table> {
    match reach {
        Scope::All => Box::new(TRUE),
        Scope::Own(user) => own_loan(user),
        Scope::Companies(user) => {
            Box::new(own_loan(user).or(loans::company_id.eq_any(companies_of(user))))
        }
    }
}

fn book_visible(reach: Reach) -> Condition<books::table> {
    match reach {
        Reach::All => Box::new(TRUE),
        Reach::Active => Box::new(books::active.eq(true)),
        Reach::ActiveAndCompanies(user) => Box::new(
            books::active
                .eq(true)
                .or(books::company_id.eq_any(companies_of(user))),
        ),
    }
}

/// Open loans of a book, in SQL over `books`.
const OPEN_LOANS_SQL: &str =
    "(SELECT count(*) FROM loans WHERE loans.book_id = books.id AND loans.returned_on IS NULL)";

// Orders ------------------------------------------------------------------------------------

impl BookOrder {
    pub fn keyset(self) -> Keyset {
        match self {
            Self::Title => Keyset::ascending("books", "TITLE").by(books::title),
            Self::Author => Keyset::ascending("books", "AUTHOR").by(books::author),
            Self::Newest => Keyset::descending("books", "NEWEST").by(books::created_at),
        }
        .by(books::id)
    }

    pub fn key(self, keyset: &Keyset, book: &Book) -> SortKey {
        let first = match self {
            Self::Title => book.title.clone().into(),
            Self::Author => book.author.clone().into(),
            Self::Newest => book.created_at.into(),
        };
        keyset.key([first, book.id.0.into()])
    }
}

impl LoanOrder {
    pub fn keyset(self) -> Keyset {
        match self {
            Self::DueSoonest => Keyset::ascending("loans", "DUE_SOONEST").by(loans::due),
            Self::Newest => Keyset::descending("loans", "NEWEST").by(loans::created_at),
        }
        .by(loans::id)
    }

    pub fn key(self, keyset: &Keyset, loan: &Loan) -> SortKey {
        let first = match self {
            Self::DueSoonest => loan.due.into(),
            Self::Newest => loan.created_at.into(),
        };
        keyset.key([first, loan.id.0.into()])
    }
}

// Books -------------------------------------------------------------------------------------

fn filtered_books(reach: Reach, filter: &BookFilter) -> books::BoxedQuery<'static, Pg> {
    let mut query = books::table.filter(book_visible(reach)).into_boxed();
    if let Some(company) = filter.company {
        query = query.filter(books::company_id.eq(company));
    }
    if let Some(search) = filter.search.as_deref() {
        let pattern = contains_pattern(search);
        query = query.filter(
            books::title
                .ilike(pattern.clone())
                .or(books::author.ilike(pattern)),
        );
    }
    if let Some(group) = filter.group {
        query = query.filter(books::group_id.eq(group));
    }
    if let Some(available) = filter.available {
        let free = format!("(books.copies > {OPEN_LOANS_SQL})");
        query = query.filter(sql::<Bool>(&free).eq(available));
    }
    if let Some(active) = filter.active {
        query = query.filter(books::active.eq(active));
    }
    query
}

pub async fn list_books(
    conn: &mut AsyncPgConnection,
    reach: Reach,
    filter: &BookFilter,
    keyset: &Keyset,
    page: &Page<SortKey>,
) -> QueryResult<Vec<Book>> {
    keyset
        .page_of(filtered_books(reach, filter), page)
        .select(Book::as_select())
        .load(conn)
        .await
}

pub async fn count_books(
    conn: &mut AsyncPgConnection,
    reach: Reach,
    filter: &BookFilter,
) -> QueryResult<i64> {
    filtered_books(reach, filter).count().get_result(conn).await
}

pub async fn books_by_ids(
    conn: &mut AsyncPgConnection,
    reach: Reach,
    ids: &[BookId],
) -> QueryResult<Vec<Book>> {
    books::table
        .filter(books::id.eq_any(ids))
        .filter(book_visible(reach))
        .select(Book::as_select())
        .load(conn)
        .await
}

/// The books of each of `groups` that `reach` sees, by title.
pub async fn books_of_groups(
    conn: &mut AsyncPgConnection,
    reach: Reach,
    groups: &[GroupId],
) -> QueryResult<Vec<Book>> {
    books::table
        .filter(books::group_id.eq_any(groups))
        .filter(book_visible(reach))
        .order((books::title, books::id))
        .select(Book::as_select())
        .load(conn)
        .await
}

/// How many copies of each of `ids` are on loan: one grouped count.
pub async fn open_loans_of_books(
    conn: &mut AsyncPgConnection,
    ids: &[BookId],
) -> QueryResult<Vec<(BookId, i64)>> {
    loans::table
        .filter(loans::book_id.eq_any(ids))
        .filter(loans::returned_on.is_null())
        .group_by(loans::book_id)
        .select((loans::book_id, diesel::dsl::count_star()))
        .load(conn)
        .await
}

/// The book `id`, locked, if `scope` reaches its company.
pub async fn book_in(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    id: BookId,
) -> QueryResult<Option<Book>> {
    books::table
        .find(id)
        .filter(books::company_id.eq_any(company_ids_in(scope)))
        .select(Book::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// How many loans of a book are open (the caller holds the book locked).
pub async fn open_loans(conn: &mut AsyncPgConnection, book: BookId) -> QueryResult<i64> {
    loans::table
        .filter(loans::book_id.eq(book))
        .filter(loans::returned_on.is_null())
        .count()
        .get_result(conn)
        .await
}

pub async fn has_loans(conn: &mut AsyncPgConnection, book: BookId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        loans::table.filter(loans::book_id.eq(book)),
    ))
    .get_result(conn)
    .await
}

pub async fn insert_book(conn: &mut AsyncPgConnection, book: &NewBook) -> QueryResult<Book> {
    diesel::insert_into(books::table)
        .values(book)
        .returning(Book::as_returning())
        .get_result(conn)
        .await
}

pub async fn update_book(
    conn: &mut AsyncPgConnection,
    id: BookId,
    changes: &BookChanges,
) -> QueryResult<Book> {
    diesel::update(books::table.find(id))
        .set((changes, books::updated_at.eq(diesel::dsl::now)))
        .returning(Book::as_returning())
        .get_result(conn)
        .await
}

pub async fn delete_book(conn: &mut AsyncPgConnection, id: BookId) -> QueryResult<()> {
    diesel::delete(books::table.find(id)).execute(conn).await?;
    Ok(())
}

// Loans -------------------------------------------------------------------------------------

fn filtered_loans(reach: Scope, filter: &LoanFilter) -> loans::BoxedQuery<'static, Pg> {
    let mut query = loans::table.filter(loan_visible(reach)).into_boxed();
    if let Some(company) = filter.company {
        query = query.filter(loans::company_id.eq(company));
    }
    if let Some(book) = filter.book {
        query = query.filter(loans::book_id.eq(book));
    }
    if let Some(client) = filter.client {
        query = query.filter(loans::client_id.eq(client));
    }
    if let Some(user) = filter.user {
        query = query.filter(loans::user_id.eq(user));
    }
    if let Some(open) = filter.open {
        query = query.filter(loans::returned_on.is_null().eq(open));
    }
    if let Some(overdue) = filter.overdue {
        query = query.filter(fragment::<Bool>(LOAN_OVERDUE_SQL).eq(overdue));
    }
    query
}

pub async fn list_loans(
    conn: &mut AsyncPgConnection,
    reach: Scope,
    filter: &LoanFilter,
    keyset: &Keyset,
    page: &Page<SortKey>,
) -> QueryResult<Vec<Loan>> {
    keyset
        .page_of(filtered_loans(reach, filter), page)
        .select(Loan::as_select())
        .load(conn)
        .await
}

pub async fn count_loans(
    conn: &mut AsyncPgConnection,
    reach: Scope,
    filter: &LoanFilter,
) -> QueryResult<i64> {
    filtered_loans(reach, filter).count().get_result(conn).await
}

pub async fn loans_by_ids(
    conn: &mut AsyncPgConnection,
    reach: Scope,
    ids: &[LoanId],
) -> QueryResult<Vec<Loan>> {
    loans::table
        .filter(loans::id.eq_any(ids))
        .filter(loan_visible(reach))
        .select(Loan::as_select())
        .load(conn)
        .await
}

/// The loans of each of `clients` (reached already), newest first.
pub async fn loans_of_clients(
    conn: &mut AsyncPgConnection,
    clients: &[ClientId],
) -> QueryResult<Vec<Loan>> {
    loans::table
        .filter(loans::client_id.eq_any(clients))
        .order((loans::created_at.desc(), loans::id.desc()))
        .select(Loan::as_select())
        .load(conn)
        .await
}

/// The loans to each of `users` that `reach` sees, newest first.
pub async fn loans_of_users(
    conn: &mut AsyncPgConnection,
    reach: Scope,
    users: &[UserId],
) -> QueryResult<Vec<Loan>> {
    loans::table
        .filter(loans::user_id.eq_any(users))
        .filter(loan_visible(reach))
        .order((loans::created_at.desc(), loans::id.desc()))
        .select(Loan::as_select())
        .load(conn)
        .await
}

/// A page of a book's loans, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LoanWindow {
    /// The creation time and id of the loan the page starts after.
    pub after: Option<(DateTime<Utc>, LoanId)>,
    /// Rows to fetch: one more than the page.
    pub limit: i64,
}

/// A page of each book's loans that `reach` sees, newest first: one statement, a LATERAL
/// join over the book ids.
pub async fn loans_of_books(
    conn: &mut AsyncPgConnection,
    reach: Scope,
    ids: &[BookId],
    window: &LoanWindow,
) -> QueryResult<Vec<Loan>> {
    let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
    let (kind, user) = super::scope_params(reach);
    let loan_columns = "loans.id, loans.company_id, loans.book_id, loans.client_id, \
        loans.user_id, loans.lent_on, loans.due, loans.returned_on, loans.lent_by, \
        loans.returned_to, loans.note, loans.created_at, loans.updated_at";
    let found: Vec<LoanRow> = sql_query(format!(
        "SELECT l.* FROM unnest($1::bigint[]) AS b(id) CROSS JOIN LATERAL ( \
           SELECT {loan_columns}, {LOAN_OVERDUE_SQL} AS overdue, \
             (SELECT count(*) FROM loan_reminders WHERE loan_reminders.loan_id = loans.id) \
               AS reminders_sent \
           FROM loans WHERE loans.book_id = b.id \
             AND ($2 = 'all' OR loans.user_id = $6 \
               OR loans.client_id IN (SELECT id FROM clients WHERE user_id = $6) \
               OR ($2 = 'companies' AND loans.company_id IN \
                 (SELECT company_id FROM company_members WHERE user_id = $6))) \
             AND ($3::timestamptz IS NULL OR (loans.created_at, loans.id) < ($3, $4)) \
           ORDER BY loans.created_at DESC, loans.id DESC LIMIT $5) l"
    ))
    .bind::<Array<BigInt>, _>(ids)
    .bind::<Text, _>(kind)
    .bind::<Nullable<Timestamptz>, _>(window.after.map(|(at, _)| at))
    .bind::<Nullable<BigInt>, _>(window.after.map(|(_, id)| id.0))
    .bind::<BigInt, _>(window.limit)
    .bind::<Nullable<BigInt>, _>(user)
    .load(conn)
    .await?;
    Ok(found.into_iter().map(Loan::from).collect())
}

/// A loan as a hand-written statement reads it.
#[derive(QueryableByName)]
struct LoanRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    company_id: i64,
    #[diesel(sql_type = BigInt)]
    book_id: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    client_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    user_id: Option<i64>,
    #[diesel(sql_type = Date)]
    lent_on: NaiveDate,
    #[diesel(sql_type = Date)]
    due: NaiveDate,
    #[diesel(sql_type = Nullable<Date>)]
    returned_on: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<BigInt>)]
    lent_by: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    returned_to: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    note: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    updated_at: DateTime<Utc>,
    #[diesel(sql_type = Bool)]
    overdue: bool,
    #[diesel(sql_type = BigInt)]
    reminders_sent: i64,
}

impl From<LoanRow> for Loan {
    fn from(row: LoanRow) -> Self {
        use crate::workforce::model::CompanyId;
        Self {
            id: LoanId(row.id),
            company_id: CompanyId(row.company_id),
            book_id: BookId(row.book_id),
            client_id: row.client_id.map(ClientId),
            user_id: row.user_id.map(UserId),
            lent_on: row.lent_on,
            due: row.due,
            returned_on: row.returned_on,
            lent_by: row.lent_by.map(UserId),
            returned_to: row.returned_to.map(UserId),
            note: row.note,
            created_at: row.created_at,
            updated_at: row.updated_at,
            overdue: row.overdue,
            reminders_sent: row.reminders_sent,
        }
    }
}

/// How many loans of each book `reach` sees.
pub async fn count_loans_of_books(
    conn: &mut AsyncPgConnection,
    reach: Scope,
    ids: &[BookId],
) -> QueryResult<Vec<(BookId, i64)>> {
    loans::table
        .filter(loans::book_id.eq_any(ids))
        .filter(loan_visible(reach))
        .group_by(loans::book_id)
        .select((loans::book_id, diesel::dsl::count_star()))
        .load(conn)
        .await
}

/// The loan `id`, locked, if `scope` reaches its company.
pub async fn loan_in(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    id: LoanId,
) -> QueryResult<Option<Loan>> {
    loans::table
        .find(id)
        .filter(loans::company_id.eq_any(company_ids_in(scope)))
        .select(Loan::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn insert_loan(conn: &mut AsyncPgConnection, loan: &NewLoan) -> QueryResult<Loan> {
    diesel::insert_into(loans::table)
        .values(loan)
        .returning(Loan::as_returning())
        .get_result(conn)
        .await
}

/// Closes a loan on `day`, taken back by `by`.
pub async fn return_loan(
    conn: &mut AsyncPgConnection,
    id: LoanId,
    day: NaiveDate,
    by: UserId,
) -> QueryResult<Loan> {
    diesel::update(loans::table.find(id))
        .set((
            loans::returned_on.eq(day),
            loans::returned_to.eq(by),
            loans::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Loan::as_returning())
        .get_result(conn)
        .await
}

pub async fn extend_loan(
    conn: &mut AsyncPgConnection,
    id: LoanId,
    due: NaiveDate,
) -> QueryResult<Loan> {
    diesel::update(loans::table.find(id))
        .set((loans::due.eq(due), loans::updated_at.eq(diesel::dsl::now)))
        .returning(Loan::as_returning())
        .get_result(conn)
        .await
}

// Reminders ---------------------------------------------------------------------------------

/// A reminder written, with what its mail says.
#[derive(Debug, QueryableByName)]
pub struct Reminder {
    #[diesel(sql_type = Integer)]
    pub number: i32,
    #[diesel(sql_type = Text)]
    pub recipient: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub company: String,
    #[diesel(sql_type = Date)]
    pub due: NaiveDate,
}

/// Writes the reminders that are due: each open loan past its due day (in its company's
/// zone) whose borrower has an address gets one in each overdue week of its current due day
/// (from the first overdue day, the eighth, the fifteenth, …), at most 3 in all. After a pause
/// a loan gets the one reminder of the week it is in, not every one missed; after an
/// extension, its new due day starts again at the first overdue day. The unique (loan,
/// number) key makes each exactly once across instances: a second writer waits for the first
/// and writes nothing.
pub async fn write_due_reminders(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Reminder>> {
    sql_query(
        "WITH due AS ( \
           SELECT l.id, l.due, b.title, co.name AS company, \
             coalesce(cl.email, u.email) AS recipient, \
             coalesce(nullif(cl.name, ''), u.name, '') AS name, \
             (rollcall_company_today(l.company_id) - l.due - 1) / 7 + 1 AS period, \
             (SELECT count(*) FROM loan_reminders r WHERE r.loan_id = l.id) AS sent, \
             (SELECT max(r.period) FROM loan_reminders r WHERE r.loan_id = l.id AND r.due = l.due) \
               AS last_period \
           FROM loans l JOIN books b ON b.id = l.book_id JOIN companies co ON co.id = l.company_id \
             LEFT JOIN clients cl ON cl.id = l.client_id LEFT JOIN users u ON u.id = l.user_id \
           WHERE l.returned_on IS NULL AND l.due < rollcall_company_today(l.company_id) \
             AND coalesce(cl.email, u.email) IS NOT NULL), \
         written AS ( \
           INSERT INTO loan_reminders (loan_id, number, due, period, recipient) \
           SELECT id, sent + 1, due, period, recipient FROM due \
           WHERE sent < 3 AND period > coalesce(last_period, 0) \
           ON CONFLICT DO NOTHING RETURNING loan_id, number) \
         SELECT w.number, d.recipient, d.name, d.title, d.company, d.due \
         FROM written w JOIN due d ON d.id = w.loan_id ORDER BY w.loan_id",
    )
    .load(conn)
    .await
}
