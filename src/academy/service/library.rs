//! The library: books kept by the managers of their company, lent to its clients and members
//! one copy at a time (never more than it has, under a lock on the book), and reminders of
//! overdue loans sent through the outbox.

use std::sync::Arc;

use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::academy::isbn;
use crate::academy::model::{
    Book, BookChanges, BookId, ClientId, GroupId, ISBN_TAKEN, Loan, LoanId, NewBook, NewLoan,
};
use crate::academy::queries::clients as client_queries;
use crate::academy::queries::library as queries;
use crate::academy::service::{check_group, optional_text};
use crate::app::App;
use crate::auth::identity::UserId;
use crate::auth::scope::Scope;
use crate::error::{AppError, AppResult, OnConstraint};
use crate::graphql::deletion::DeletionOutcome;
use crate::mail::{self, NewMail};
use crate::workforce::model::CompanyId;
use crate::workforce::queries::{company_in, is_member};

/// A book, or the changes to one (`None` keeps; `Some(None)` clears).
#[derive(Debug, Clone, Default)]
pub struct BookInput {
    pub group: Option<Option<GroupId>>,
    pub title: Option<String>,
    pub author: Option<Option<String>>,
    pub isbn: Option<Option<String>>,
    pub copies: Option<i32>,
    pub active: Option<bool>,
}

impl BookInput {
    fn changes(self) -> AppResult<BookChanges> {
        let title = self
            .title
            .map(|title| {
                let title = title.trim().to_owned();
                if title.is_empty() || title.chars().count() > 300 {
                    return Err(AppError::bad_input(
                        "title",
                        "a title has 1 to 300 characters",
                    ));
                }
                Ok(title)
            })
            .transpose()?;
        let author = self
            .author
            .map(|author| optional_text("author", author, 300).map(Option::unwrap_or_default))
            .transpose()?;
        let isbn = self
            .isbn
            .map(|isbn| match isbn.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(text) => isbn::parse(text).map(Some).ok_or_else(|| {
                    AppError::bad_input(
                        "isbn",
                        "not an ISBN-10 or ISBN-13 with a valid check digit",
                    )
                }),
            })
            .transpose()?;
        if let Some(copies) = self.copies
            && !(0..=100_000).contains(&copies)
        {
            return Err(AppError::bad_input("copies", "0 to 100000 copies"));
        }
        Ok(BookChanges {
            group_id: self.group,
            title,
            author,
            isbn,
            copies: self.copies,
            active: self.active,
        })
    }
}

/// Adds a book to a company `scope` reaches. CONFLICT ISBN_TAKEN.
pub async fn create_book(
    app: &App,
    scope: Scope,
    company: CompanyId,
    input: BookInput,
) -> AppResult<Book> {
    let changes = input.changes()?;
    let book = NewBook {
        company_id: company,
        group_id: changes.group_id.flatten(),
        title: changes
            .title
            .ok_or_else(|| AppError::bad_input("title", "required"))?,
        author: changes.author.unwrap_or_default(),
        isbn: changes.isbn.flatten(),
        copies: changes
            .copies
            .ok_or_else(|| AppError::bad_input("copies", "required"))?,
    };
    let mut conn = app.pool.get().await?;
    company_in(&mut conn, scope, company)
        .await?
        .ok_or(AppError::NotFound("company"))?;
    check_group(&mut conn, book.group_id, company).await?;
    queries::insert_book(&mut conn, &book)
        .await
        .on_constraint(&[ISBN_TAKEN])
}

/// Changes a book of a company `scope` reaches. CONFLICT ISBN_TAKEN, COPIES_ON_LOAN (fewer
/// copies than are lent out).
pub async fn update_book(app: &App, scope: Scope, id: BookId, input: BookInput) -> AppResult<Book> {
    let changes = input.changes()?;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let book = queries::book_in(conn, scope, id)
            .await?
            .ok_or(AppError::NotFound("book"))?;
        check_group(conn, changes.group_id.flatten(), book.company_id).await?;
        if let Some(copies) = changes.copies {
            let lent = queries::open_loans(conn, book.id).await?;
            if i64::from(copies) < lent {
                return Err(AppError::conflict(
                    "COPIES_ON_LOAN",
                    format!("{lent} copies are on loan"),
                )
                .on_field("copies"));
            }
        }
        queries::update_book(conn, book.id, &changes)
            .await
            .on_constraint(&[ISBN_TAKEN])
    })
    .await
}

/// Deletes a book of a company `scope` reaches, or archives it when it was ever lent (its
/// loans keep their book).
pub async fn delete_book(app: &App, scope: Scope, id: BookId) -> AppResult<DeletionOutcome> {
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let book = queries::book_in(conn, scope, id)
            .await?
            .ok_or(AppError::NotFound("book"))?;
        if queries::has_loans(conn, book.id).await? {
            let archive = BookChanges {
                active: Some(false),
                ..BookChanges::default()
            };
            queries::update_book(conn, book.id, &archive).await?;
            Ok(DeletionOutcome::Archived)
        } else {
            queries::delete_book(conn, book.id).await?;
            Ok(DeletionOutcome::Deleted)
        }
    })
    .await
}

/// Who borrows: a client of the book's company, or an account that is a member of it.
#[derive(Debug, Clone, Copy)]
pub enum Borrower {
    Client(ClientId),
    Member(UserId),
}

/// A loan to make.
#[derive(Debug, Clone)]
pub struct LendInput {
    pub book: BookId,
    pub borrower: Borrower,
    pub due: chrono::NaiveDate,
    pub note: Option<String>,
}

/// Lends a copy of a book of a company `scope` reaches, today in the company's zone, as
/// `actor`. The book row is locked while its open loans are counted, so two lenders never
/// take the last copy twice: CONFLICT NO_COPY_AVAILABLE, BOOK_INACTIVE.
pub async fn lend_book(
    app: &App,
    scope: Scope,
    actor: UserId,
    input: LendInput,
) -> AppResult<Loan> {
    let note = optional_text("note", input.note, 500)?;
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let book = queries::book_in(conn, scope, input.book)
            .await?
            .ok_or(AppError::NotFound("book"))?;
        if !book.active {
            return Err(
                AppError::conflict("BOOK_INACTIVE", "the book is archived").on_field("bookId")
            );
        }
        let (client, user) = match input.borrower {
            Borrower::Client(client) => {
                if client_queries::clients_of_company(conn, book.company_id, &[client])
                    .await?
                    .is_empty()
                {
                    return Err(AppError::bad_input(
                        "clientId",
                        "a client of the book's company",
                    ));
                }
                (Some(client), None)
            }
            Borrower::Member(user) => {
                if !is_member(conn, book.company_id, user).await? {
                    return Err(AppError::bad_input(
                        "userId",
                        "a member of the book's company",
                    ));
                }
                (None, Some(user))
            }
        };
        let today = client_queries::company_today(conn, book.company_id).await?;
        if input.due < today {
            return Err(AppError::bad_input(
                "due",
                "due on or after the lending day",
            ));
        }
        if queries::open_loans(conn, book.id).await? >= i64::from(book.copies) {
            return Err(AppError::conflict(
                "NO_COPY_AVAILABLE",
                "every copy of the book is on loan",
            )
            .on_field("bookId"));
        }
        let loan = NewLoan {
            company_id: book.company_id,
            book_id: book.id,
            client_id: client,
            user_id: user,
            lent_on: today,
            due: input.due,
            lent_by: actor,
            note,
        };
        Ok(queries::insert_loan(conn, &loan).await?)
    })
    .await
}

/// The open loan `id` of a company `scope` reaches, locked; a returned one is CONFLICT
/// ALREADY_RETURNED.
async fn open_loan(conn: &mut AsyncPgConnection, scope: Scope, id: LoanId) -> AppResult<Loan> {
    let loan = queries::loan_in(conn, scope, id)
        .await?
        .ok_or(AppError::NotFound("loan"))?;
    if loan.returned_on.is_some() {
        return Err(
            AppError::conflict("ALREADY_RETURNED", "the loan is returned").on_field("loanId"),
        );
    }
    Ok(loan)
}

/// Takes a loan of a company `scope` reaches back, today in the company's zone, as `actor`.
/// A second return is CONFLICT ALREADY_RETURNED.
pub async fn return_book(app: &App, scope: Scope, actor: UserId, id: LoanId) -> AppResult<Loan> {
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let loan = open_loan(conn, scope, id).await?;
        let today = client_queries::company_today(conn, loan.company_id).await?;
        Ok(queries::return_loan(conn, loan.id, today.max(loan.lent_on), actor).await?)
    })
    .await
}

/// Moves the due day of an open loan of a company `scope` reaches.
pub async fn extend_loan(
    app: &App,
    scope: Scope,
    id: LoanId,
    due: chrono::NaiveDate,
) -> AppResult<Loan> {
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let loan = open_loan(conn, scope, id).await?;
        if due < loan.lent_on {
            return Err(AppError::bad_input(
                "due",
                "due on or after the lending day",
            ));
        }
        Ok(queries::extend_loan(conn, loan.id, due).await?)
    })
    .await
}

/// Writes the reminders that are due and queues their mail, in one transaction: each exactly
/// once, whichever instance gets there first. Answers how many were queued.
pub async fn send_reminders(app: &App) -> AppResult<usize> {
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        let reminders = queries::write_due_reminders(conn).await?;
        for reminder in &reminders {
            let subject = format!("Reminder: please return \"{}\"", reminder.title);
            let body = format!(
                "Hello {},\n\n\"{}\", which you borrowed from {}, was due back on {}. Please \
                 return it, or ask us to extend the loan.\n\n(Reminder {} of 3.)\n",
                reminder.name,
                reminder.title,
                reminder.company,
                reminder.due.format("%Y-%m-%d"),
                reminder.number
            );
            mail::enqueue(
                conn,
                NewMail {
                    recipient: &reminder.recipient,
                    subject: &subject,
                    body: &body,
                    secret: None,
                },
            )
            .await?;
        }
        Ok(reminders.len())
    })
    .await
}

/// The periodic job: [`send_reminders`], logged when it queued any.
pub async fn run(app: Arc<App>) -> AppResult<()> {
    let queued = send_reminders(&app).await?;
    if queued > 0 {
        tracing::info!(queued, "overdue loan reminders queued");
    }
    Ok(())
}
