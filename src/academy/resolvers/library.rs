//! The library: `books`, `book`, `loans`, `loan`, their mutations `createBook`, `updateBook`,
//! `deleteBook`, `lendBook`, `returnBook`, `extendLoan`, and the `Book` and `Loan` types.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result};

use crate::academy::loaders::{LoanCount, LoansPage, OnLoan};
use crate::academy::model::{
    Book, BookFilter, BookId, BookOrder, ClientId, GroupId, Loan, LoanFilter, LoanId, LoanOrder,
};
use crate::academy::queries::Reach;
use crate::academy::queries::library::{self as queries, LoanWindow};
use crate::academy::resolvers::timetable::page_args;
use crate::academy::service::library::{self, BookInput, Borrower, LendInput};
use crate::auth::guards::{Level, MinLevel};
use crate::auth::identity::{User, UserId};
use crate::auth::scope::Scope;
use crate::error::AppError;
use crate::graphql::ContextExt;
use crate::graphql::deletion::DeletionOutcome;
use crate::graphql::pagination::{
    ListConnection, PageArgs, SortKey, SortValue, TotalCount, connection_complexity,
};
use crate::graphql::scalars::{Date, DateTime};
use crate::workforce::model::{Company, CompanyId};

/// How `books` filters.
#[derive(InputObject, Default)]
pub struct BooksFilter {
    /// Only books of this company.
    pub company_id: Option<ID>,
    /// Only books whose title or author contains this (any case).
    pub search: Option<String>,
    /// Only books of this group.
    pub group_id: Option<ID>,
    /// Only books with a copy free (true) or with none (false).
    pub available: Option<bool>,
    /// Only active (true) or archived (false) books.
    pub active: Option<bool>,
}

/// How `loans` filters.
#[derive(InputObject, Default)]
pub struct LoansFilter {
    /// Only loans of this company.
    pub company_id: Option<ID>,
    /// Only loans of this book.
    pub book_id: Option<ID>,
    /// Only loans to this client.
    pub client_id: Option<ID>,
    /// Only loans to this account.
    pub user_id: Option<ID>,
    /// Only open (true) or returned (false) loans.
    pub open: Option<bool>,
    /// Only overdue (true) or not overdue (false) loans.
    pub overdue: Option<bool>,
}

/// The order of `books`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
#[graphql(remote = "BookOrder")]
pub enum BooksOrder {
    /// By title, a to z (the default).
    #[default]
    Title,
    /// By author, a to z (books without one first).
    Author,
    /// Newest first.
    Newest,
}

/// The order of `loans`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
#[graphql(remote = "LoanOrder")]
pub enum LoansOrder {
    /// The one due first, first (the default).
    #[default]
    DueSoonest,
    /// Newest first.
    Newest,
}

/// Library queries.
#[derive(Default)]
pub struct LibraryQuery;

#[Object]
impl LibraryQuery {
    /// The catalogue: every company's active books for signed-in accounts; managers and head
    /// managers also see their companies' archived ones, owners and admins all. 20 a page by
    /// default, at most 100.
    #[graphql(
        guard = "MinLevel(Level::User)",
        complexity = "connection_complexity(first, last, child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn books(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page forward: at most this many after `after`.")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page backward: at most this many before `before`.")] last: Option<i32>,
        #[graphql(desc = "The `startCursor` of the next page.")] before: Option<String>,
        #[graphql(desc = "Which books; all you may see when left out.")] filter: Option<
            BooksFilter,
        >,
        #[graphql(desc = "The order; TITLE when left out.")] order_by: Option<BooksOrder>,
    ) -> Result<ListConnection<SortKey, Book>> {
        let order = BookOrder::from(order_by.unwrap_or_default());
        let keyset = order.keyset();
        let page = page_args(first, after, last, before).page_in(&keyset)?;
        let reach = Reach::signed_in(ctx.viewer())?;
        let filter = filter.unwrap_or_default();
        let filter = BookFilter {
            company: CompanyId::parse_optional("filter.companyId", filter.company_id.as_ref())?,
            search: filter
                .search
                .map(|search| search.trim().to_owned())
                .filter(|search| !search.is_empty()),
            group: GroupId::parse_optional("filter.groupId", filter.group_id.as_ref())?,
            available: filter.available,
            active: filter.active,
        };
        let mut conn = ctx.conn().await?;
        let rows = queries::list_books(&mut conn, reach, &filter, &keyset, &page)
            .await
            .map_err(AppError::from)?;
        let total = TotalCount::query(ctx.app().pool.clone(), move |mut conn| {
            let filter = filter.clone();
            async move { queries::count_books(&mut conn, reach, &filter).await }
        });
        Ok(page.connection(rows, |row| order.key(&keyset, row), total))
    }

    /// The book with this id, if you may see it.
    #[graphql(guard = "MinLevel(Level::User)")]
    async fn book(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The book.")] id: ID,
    ) -> Result<Option<Book>> {
        let id = BookId::parse("id", &id)?;
        let reach = Reach::signed_in(ctx.viewer())?;
        let mut conn = ctx.conn().await?;
        Ok(queries::books_by_ids(&mut conn, reach, &[id])
            .await
            .map_err(AppError::from)?
            .pop())
    }

    /// Loans: your own (as the borrower, or of your client records); managers and head
    /// managers also their companies'; owners and admins all. 20 a page by default, at most
    /// 100.
    #[graphql(
        guard = "MinLevel(Level::User)",
        complexity = "connection_complexity(first, last, child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn loans(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page forward: at most this many after `after`.")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page backward: at most this many before `before`.")] last: Option<i32>,
        #[graphql(desc = "The `startCursor` of the next page.")] before: Option<String>,
        #[graphql(desc = "Which loans; all you may see when left out.")] filter: Option<
            LoansFilter,
        >,
        #[graphql(desc = "The order; DUE_SOONEST when left out.")] order_by: Option<LoansOrder>,
    ) -> Result<ListConnection<SortKey, Loan>> {
        let order = LoanOrder::from(order_by.unwrap_or_default());
        let keyset = order.keyset();
        let page = page_args(first, after, last, before).page_in(&keyset)?;
        let reach = Scope::of_staff(ctx.viewer())?;
        let filter = filter.unwrap_or_default();
        let filter = LoanFilter {
            company: CompanyId::parse_optional("filter.companyId", filter.company_id.as_ref())?,
            book: BookId::parse_optional("filter.bookId", filter.book_id.as_ref())?,
            client: ClientId::parse_optional("filter.clientId", filter.client_id.as_ref())?,
            user: UserId::parse_optional("filter.userId", filter.user_id.as_ref())?,
            open: filter.open,
            overdue: filter.overdue,
        };
        let mut conn = ctx.conn().await?;
        let rows = queries::list_loans(&mut conn, reach, &filter, &keyset, &page)
            .await
            .map_err(AppError::from)?;
        let total = TotalCount::query(ctx.app().pool.clone(), move |mut conn| {
            let filter = filter.clone();
            async move { queries::count_loans(&mut conn, reach, &filter).await }
        });
        Ok(page.connection(rows, |row| order.key(&keyset, row), total))
    }

    /// The loan with this id, if you may see it.
    #[graphql(guard = "MinLevel(Level::User)")]
    async fn loan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The loan.")] id: ID,
    ) -> Result<Option<Loan>> {
        let id = LoanId::parse("id", &id)?;
        let reach = Scope::of_staff(ctx.viewer())?;
        let mut conn = ctx.conn().await?;
        Ok(queries::loans_by_ids(&mut conn, reach, &[id])
            .await
            .map_err(AppError::from)?
            .pop())
    }
}

/// A book to add.
#[derive(InputObject)]
pub struct CreateBookInput {
    /// The company.
    pub company_id: ID,
    /// Its title, 1 to 300 characters.
    pub title: String,
    /// Its author.
    pub author: Option<String>,
    /// Its ISBN-10 or ISBN-13 (hyphens and spaces ignored; kept as ISBN-13), unique within the
    /// company.
    pub isbn: Option<String>,
    /// How many copies the company has (0 to 100000).
    pub copies: i32,
    /// The group it belongs to, of the same company.
    pub group_id: Option<ID>,
}

/// Changes to a book: a field left out keeps its value, `null` clears it.
#[derive(InputObject, Default)]
pub struct UpdateBookInput {
    /// Its title.
    pub title: Option<String>,
    /// Its author.
    pub author: MaybeUndefined<String>,
    /// Its ISBN.
    pub isbn: MaybeUndefined<String>,
    /// How many copies the company has; not fewer than are on loan.
    pub copies: Option<i32>,
    /// The group it belongs to.
    pub group_id: MaybeUndefined<ID>,
    /// False archives it (it is no longer lent).
    pub active: Option<bool>,
}

/// A loan to make.
#[derive(InputObject)]
pub struct LendBookInput {
    /// The book.
    pub book_id: ID,
    /// The borrower, when a client of the book's company (exactly one of `clientId` and
    /// `userId`).
    pub client_id: Option<ID>,
    /// The borrower, when an account that is a member of the book's company.
    pub user_id: Option<ID>,
    /// The last day to return it (today or later, in the company's time zone).
    pub due: Date,
    /// A note, at most 500 characters.
    pub note: Option<String>,
}

/// Library mutations.
#[derive(Default)]
pub struct LibraryMutation;

#[Object]
impl LibraryMutation {
    /// Adds a book (managers and up, of their companies). CONFLICT ISBN_TAKEN.
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn create_book(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The book.")] input: CreateBookInput,
    ) -> Result<Book> {
        let company = CompanyId::parse("companyId", &input.company_id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let book = BookInput {
            group: Some(GroupId::parse_optional("groupId", input.group_id.as_ref())?),
            title: Some(input.title),
            author: Some(input.author),
            isbn: Some(input.isbn),
            copies: Some(input.copies),
            active: None,
        };
        Ok(library::create_book(ctx.app(), scope, company, book).await?)
    }

    /// Changes a book (managers and up, of their companies). CONFLICT ISBN_TAKEN,
    /// COPIES_ON_LOAN.
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn update_book(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The book.")] id: ID,
        #[graphql(desc = "The changes.")] input: UpdateBookInput,
    ) -> Result<Book> {
        let id = BookId::parse("id", &id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        let group = GroupId::parse_update("groupId", input.group_id)?;
        let changes = BookInput {
            group,
            title: input.title,
            author: input.author.into(),
            isbn: input.isbn.into(),
            copies: input.copies,
            active: input.active,
        };
        Ok(library::update_book(ctx.app(), scope, id, changes).await?)
    }

    /// Deletes a book, or archives it when it was ever lent (managers and up, of their
    /// companies).
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn delete_book(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The book.")] id: ID,
    ) -> Result<DeletionOutcome> {
        let id = BookId::parse("id", &id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        Ok(library::delete_book(ctx.app(), scope, id).await?)
    }

    /// Lends a copy of a book today (managers and up, of their companies). CONFLICT
    /// NO_COPY_AVAILABLE, BOOK_INACTIVE; BAD_USER_INPUT for both or neither borrower
    /// (`clientId`), a user who is not a member (`userId`), a due day before today (`due`).
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn lend_book(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The loan.")] input: LendBookInput,
    ) -> Result<Loan> {
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        let actor = viewer.require()?.user.id;
        let borrower = match (input.client_id, input.user_id) {
            (Some(client), None) => Borrower::Client(ClientId::parse("clientId", &client)?),
            (None, Some(user)) => Borrower::Member(UserId::parse("userId", &user)?),
            _ => {
                return Err(AppError::bad_input(
                    "clientId",
                    "exactly one borrower: a clientId or a userId",
                )
                .into());
            }
        };
        let loan = LendInput {
            book: BookId::parse("bookId", &input.book_id)?,
            borrower,
            due: input.due.0,
            note: input.note,
        };
        Ok(library::lend_book(ctx.app(), scope, actor, loan).await?)
    }

    /// Takes a loan back today (managers and up, of their companies). CONFLICT
    /// ALREADY_RETURNED.
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn return_book(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The loan.")] loan_id: ID,
    ) -> Result<Loan> {
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        let actor = viewer.require()?.user.id;
        let id = LoanId::parse("loanId", &loan_id)?;
        Ok(library::return_book(ctx.app(), scope, actor, id).await?)
    }

    /// Moves an open loan's due day (managers and up, of their companies). CONFLICT
    /// ALREADY_RETURNED.
    #[graphql(guard = "MinLevel(Level::Manager)")]
    async fn extend_loan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The loan.")] loan_id: ID,
        #[graphql(desc = "The new last day (not before the lending day).")] due: Date,
    ) -> Result<Loan> {
        let id = LoanId::parse("loanId", &loan_id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        Ok(library::extend_loan(ctx.app(), scope, id, due.0).await?)
    }
}

/// A course book or material of a company.
#[Object]
impl Book {
    /// The book id.
    async fn id(&self) -> ID {
        self.id.into()
    }

    /// The company.
    async fn company(&self, ctx: &Context<'_>) -> Result<Option<Company>> {
        Ok(ctx.loader().load_one(self.company_id).await?)
    }

    /// The group it belongs to, if any.
    async fn group(&self, ctx: &Context<'_>) -> Result<Option<crate::academy::model::Group>> {
        match self.group_id {
            Some(group) => Ok(ctx.loader().load_one(group).await?),
            None => Ok(None),
        }
    }

    /// Its title.
    async fn title(&self) -> &str {
        &self.title
    }

    /// Its author, if known.
    async fn author(&self) -> Option<&str> {
        Some(self.author.as_str()).filter(|author| !author.is_empty())
    }

    /// Its ISBN-13.
    async fn isbn(&self) -> Option<&str> {
        self.isbn.as_deref()
    }

    /// How many copies the company has.
    async fn copies(&self) -> i32 {
        self.copies
    }

    /// Copies free to lend: copies less open loans.
    async fn available(&self, ctx: &Context<'_>) -> Result<i64> {
        let on_loan = ctx.loader().load_one(OnLoan(self.id)).await?.unwrap_or(0);
        Ok(i64::from(self.copies) - on_loan)
    }

    /// False once archived.
    async fn active(&self) -> bool {
        self.active
    }

    /// Its loans that you may see, newest first.
    async fn loans(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "At most this many loans (20 when left out, at most 100).")] first: Option<
            i32,
        >,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<ListConnection<SortKey, Loan>> {
        let reach = Scope::of_staff(ctx.viewer())?;
        let keyset = LoanOrder::Newest.keyset();
        let page = PageArgs {
            first,
            after,
            last: None,
            before: None,
        }
        .page_in(&keyset)?;
        let after = match page.cursor.as_ref().map(SortKey::values) {
            Some([SortValue::Time(at), SortValue::Int(id)]) => Some((*at, LoanId(*id))),
            _ => None,
        };
        let window = LoanWindow {
            after,
            limit: page.fetch_limit(),
        };
        let rows = ctx
            .loader()
            .load_one(LoansPage {
                book: self.id,
                reach,
                window,
            })
            .await?
            .unwrap_or_default();
        let (loader, book) = (ctx.loader().clone(), self.id);
        let total = TotalCount::new(move || {
            let loader = loader.clone();
            async move {
                Ok(loader
                    .load_one(LoanCount { book, reach })
                    .await
                    .map_err(|err| AppError::internal(format!("{err:?}")))?
                    .unwrap_or(0))
            }
        });
        Ok(page.connection(rows, |loan| LoanOrder::Newest.key(&keyset, loan), total))
    }
}

/// A book lent to a client or a member of its company.
#[Object]
impl Loan {
    /// The loan id.
    async fn id(&self) -> ID {
        self.id.into()
    }

    /// The book.
    async fn book(&self, ctx: &Context<'_>) -> Result<Option<Book>> {
        Ok(ctx.loader().load_one(self.book_id).await?)
    }

    /// The borrower, when a client (an anonymized one keeps its loans).
    async fn client(&self, ctx: &Context<'_>) -> Result<Option<crate::academy::model::Client>> {
        match self.client_id {
            Some(client) => Ok(ctx.loader().load_one(client).await?),
            None => Ok(None),
        }
    }

    /// The borrower, when an account (a deleted one stays, by id).
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        match self.user_id {
            Some(user) => Ok(ctx.loader().load_one(user).await?),
            None => Ok(None),
        }
    }

    /// The day it was lent, in the company's time zone.
    async fn lent_on(&self) -> Date {
        Date(self.lent_on)
    }

    /// The last day to return it.
    async fn due(&self) -> Date {
        Date(self.due)
    }

    /// The day it came back; null while open.
    async fn returned_on(&self) -> Option<Date> {
        self.returned_on.map(Date)
    }

    /// Whether it is still out.
    async fn open(&self) -> bool {
        self.returned_on.is_none()
    }

    /// Whether it is open and past its due day (in the company's time zone).
    async fn overdue(&self) -> bool {
        self.overdue
    }

    /// Who lent it.
    async fn lent_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        match self.lent_by {
            Some(user) => Ok(ctx.loader().load_one(user).await?),
            None => Ok(None),
        }
    }

    /// Who took it back.
    async fn returned_to(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        match self.returned_to {
            Some(user) => Ok(ctx.loader().load_one(user).await?),
            None => Ok(None),
        }
    }

    /// A note on the loan.
    async fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// Reminders of it being overdue sent so far (at most 3).
    async fn reminders_sent(&self) -> i64 {
        self.reminders_sent
    }

    /// When the loan was recorded.
    async fn created_at(&self) -> DateTime {
        DateTime(self.created_at)
    }
}
