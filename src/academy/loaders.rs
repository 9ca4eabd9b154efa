//! The academy's relations, each loaded in one statement per request level through the
//! request's [`Loaders`]. Relations of a record the viewer reached are not scoped again (a
//! lesson's group, a group's location, a client's contracts once its details were allowed);
//! lists of an account's favourites and clients, a group's clients and a lesson's attendance
//! are, by the reach of the viewer.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;

use crate::academy::model::{
    Attendance, Book, BookId, Client, ClientId, ClientSubscription, Contract, Group, GroupId,
    Lesson, LessonId, Loan, Location, LocationId, Price, PriceId, SubscriptionId,
};
use crate::academy::queries::clients::{self as client_queries, ClientReach};
use crate::academy::queries::library::{self as library_queries, LoanWindow};
use crate::academy::queries::{self, LessonWindow, Reach};
use crate::auth::identity::UserId;
use crate::auth::scope::Scope;
use crate::error::{SharedError, shared};
use crate::graphql::loaders::{Loaders, every_key, split};

impl Loader<LocationId> for Loaders {
    type Value = Location;
    type Error = SharedError;

    async fn load(&self, ids: &[LocationId]) -> Result<HashMap<LocationId, Location>, Self::Error> {
        let mut conn = self.conn().await?;
        let rows = queries::locations_by_ids(&mut conn, Reach::All, ids)
            .await
            .map_err(shared)?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

impl Loader<GroupId> for Loaders {
    type Value = Group;
    type Error = SharedError;

    async fn load(&self, ids: &[GroupId]) -> Result<HashMap<GroupId, Group>, Self::Error> {
        let mut conn = self.conn().await?;
        let rows = queries::groups_by_ids(&mut conn, Reach::All, ids)
            .await
            .map_err(shared)?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

/// A page of a group's lessons, earliest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LessonsPage {
    pub group: GroupId,
    pub window: LessonWindow,
}

impl Loader<LessonsPage> for Loaders {
    type Value = Vec<Lesson>;
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[LessonsPage],
    ) -> Result<HashMap<LessonsPage, Vec<Lesson>>, Self::Error> {
        let mut conn = self.conn().await?;
        let mut rows = Vec::new();
        for (window, groups) in split(keys, |key| (key.window, key.group)) {
            let lessons = queries::lessons_of_groups(&mut conn, &groups, &window)
                .await
                .map_err(shared)?;
            rows.extend(lessons.into_iter().map(|lesson| {
                let group = lesson.group_id;
                (LessonsPage { group, window }, lesson)
            }));
        }
        Ok(every_key(keys, rows))
    }
}

/// An account's favourite groups that a viewer's reach sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FavoriteGroupsOf {
    pub user: UserId,
    pub reach: Reach,
}

impl Loader<FavoriteGroupsOf> for Loaders {
    type Value = Vec<Group>;
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[FavoriteGroupsOf],
    ) -> Result<HashMap<FavoriteGroupsOf, Vec<Group>>, Self::Error> {
        let mut conn = self.conn().await?;
        let mut rows = Vec::new();
        for (reach, users) in split(keys, |key| (key.reach, key.user)) {
            let groups = queries::favorite_groups_of(&mut conn, reach, &users)
                .await
                .map_err(shared)?;
            rows.extend(
                groups
                    .into_iter()
                    .map(|(user, group)| (FavoriteGroupsOf { user, reach }, group)),
            );
        }
        Ok(every_key(keys, rows))
    }
}

/// An account's favourite lessons that a viewer's reach sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FavoriteLessonsOf {
    pub user: UserId,
    pub reach: Reach,
}

impl Loader<FavoriteLessonsOf> for Loaders {
    type Value = Vec<Lesson>;
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[FavoriteLessonsOf],
    ) -> Result<HashMap<FavoriteLessonsOf, Vec<Lesson>>, Self::Error> {
        let mut conn = self.conn().await?;
        let mut rows = Vec::new();
        for (reach, users) in split(keys, |key| (key.reach, key.user)) {
            let lessons = queries::favorite_lessons_of(&mut conn, reach, &users)
                .await
                .map_err(shared)?;
            rows.extend(
                lessons
                    .into_iter()
                    .map(|(user, lesson)| (FavoriteLessonsOf { user, reach }, lesson)),
            );
        }
        Ok(every_key(keys, rows))
    }
}

/// How many lessons of a group end after `from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LessonCount {
    pub group: GroupId,
    pub from: Option<chrono::DateTime<chrono::Utc>>,
}

impl Loader<LessonCount> for Loaders {
    type Value = i64;
    type Error = SharedError;

    async fn load(&self, keys: &[LessonCount]) -> Result<HashMap<LessonCount, i64>, Self::Error> {
        let mut conn = self.conn().await?;
        let mut found: HashMap<LessonCount, i64> = keys.iter().map(|key| (*key, 0)).collect();
        for (from, groups) in split(keys, |key| (key.from, key.group)) {
            for (group, n) in queries::count_lessons_of_groups(&mut conn, &groups, from)
                .await
                .map_err(shared)?
            {
                found.insert(LessonCount { group, from }, n);
            }
        }
        Ok(found)
    }
}

impl Loader<LessonId> for Loaders {
    type Value = Lesson;
    type Error = SharedError;

    async fn load(&self, ids: &[LessonId]) -> Result<HashMap<LessonId, Lesson>, Self::Error> {
        let mut conn = self.conn().await?;
        let rows = queries::lessons_by_ids(&mut conn, Reach::All, ids)
            .await
            .map_err(shared)?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

impl Loader<PriceId> for Loaders {
    type Value = Price;
    type Error = SharedError;

    async fn load(&self, ids: &[PriceId]) -> Result<HashMap<PriceId, Price>, Self::Error> {
        let mut conn = self.conn().await?;
        let rows = queries::prices_by_ids(&mut conn, ids)
            .await
            .map_err(shared)?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

/// A client of a mark or subscription the viewer reached (its name; details are guarded).
impl Loader<ClientId> for Loaders {
    type Value = Client;
    type Error = SharedError;

    async fn load(&self, ids: &[ClientId]) -> Result<HashMap<ClientId, Client>, Self::Error> {
        let mut conn = self.conn().await?;
        let rows = client_queries::clients_by_ids(&mut conn, ClientReach::All, ids)
            .await
            .map_err(shared)?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

impl Loader<SubscriptionId> for Loaders {
    type Value = ClientSubscription;
    type Error = SharedError;

    async fn load(
        &self,
        ids: &[SubscriptionId],
    ) -> Result<HashMap<SubscriptionId, ClientSubscription>, Self::Error> {
        let mut conn = self.conn().await?;
        let rows = client_queries::subscriptions_by_ids(&mut conn, ClientReach::All, ids)
            .await
            .map_err(shared)?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

/// A client's contracts, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContractsOf(pub ClientId);

impl Loader<ContractsOf> for Loaders {
    type Value = Vec<Contract>;
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[ContractsOf],
    ) -> Result<HashMap<ContractsOf, Vec<Contract>>, Self::Error> {
        let mut conn = self.conn().await?;
        let ids: Vec<ClientId> = keys.iter().map(|key| key.0).collect();
        let rows = client_queries::contracts_of_clients(&mut conn, &ids)
            .await
            .map_err(shared)?;
        Ok(every_key(
            keys,
            rows.into_iter()
                .map(|row| (ContractsOf(row.client_id), row)),
        ))
    }
}

/// A client's subscriptions, ending soonest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubscriptionsOf(pub ClientId);

impl Loader<SubscriptionsOf> for Loaders {
    type Value = Vec<ClientSubscription>;
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[SubscriptionsOf],
    ) -> Result<HashMap<SubscriptionsOf, Vec<ClientSubscription>>, Self::Error> {
        let mut conn = self.conn().await?;
        let ids: Vec<ClientId> = keys.iter().map(|key| key.0).collect();
        let rows = client_queries::subscriptions_of_clients(&mut conn, &ids)
            .await
            .map_err(shared)?;
        Ok(every_key(
            keys,
            rows.into_iter()
                .map(|row| (SubscriptionsOf(row.client_id), row)),
        ))
    }
}

/// A client's marks, latest lesson first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MarksOfClient(pub ClientId);

impl Loader<MarksOfClient> for Loaders {
    type Value = Vec<Attendance>;
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[MarksOfClient],
    ) -> Result<HashMap<MarksOfClient, Vec<Attendance>>, Self::Error> {
        let mut conn = self.conn().await?;
        let ids: Vec<ClientId> = keys.iter().map(|key| key.0).collect();
        let rows = client_queries::attendance_of_clients(&mut conn, &ids)
            .await
            .map_err(shared)?;
        Ok(every_key(
            keys,
            rows.into_iter()
                .map(|row| (MarksOfClient(row.client_id), row)),
        ))
    }
}

/// A lesson's marks, if the viewer's reach sees them (`None`: it does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MarksOfLesson {
    pub lesson: LessonId,
    pub reach: Scope,
}

impl Loader<MarksOfLesson> for Loaders {
    type Value = Vec<Attendance>;
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[MarksOfLesson],
    ) -> Result<HashMap<MarksOfLesson, Vec<Attendance>>, Self::Error> {
        let mut conn = self.conn().await?;
        let mut found: HashMap<MarksOfLesson, Vec<Attendance>> = HashMap::new();
        for (reach, lessons) in split(keys, |key| (key.reach, key.lesson)) {
            for (lesson, mark) in client_queries::attendance_of_lessons(&mut conn, reach, &lessons)
                .await
                .map_err(shared)?
            {
                let marks = found.entry(MarksOfLesson { lesson, reach }).or_default();
                marks.extend(mark);
            }
        }
        Ok(found)
    }
}

/// The clients in a group that the viewer's reach sees, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientsOfGroup {
    pub group: GroupId,
    pub reach: ClientReach,
}

impl Loader<ClientsOfGroup> for Loaders {
    type Value = Vec<Client>;
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[ClientsOfGroup],
    ) -> Result<HashMap<ClientsOfGroup, Vec<Client>>, Self::Error> {
        let mut conn = self.conn().await?;
        let mut rows = Vec::new();
        for (reach, groups) in split(keys, |key| (key.reach, key.group)) {
            let clients = client_queries::clients_of_groups(&mut conn, reach, &groups)
                .await
                .map_err(shared)?;
            rows.extend(
                clients
                    .into_iter()
                    .map(|(group, client)| (ClientsOfGroup { group, reach }, client)),
            );
        }
        Ok(every_key(keys, rows))
    }
}

/// An account's client records that the viewer's reach sees, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientsOfUser {
    pub user: UserId,
    pub reach: ClientReach,
}

impl Loader<ClientsOfUser> for Loaders {
    type Value = Vec<Client>;
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[ClientsOfUser],
    ) -> Result<HashMap<ClientsOfUser, Vec<Client>>, Self::Error> {
        let mut conn = self.conn().await?;
        let mut rows = Vec::new();
        for (reach, users) in split(keys, |key| (key.reach, key.user)) {
            let clients = client_queries::clients_of_users(&mut conn, reach, &users)
                .await
                .map_err(shared)?;
            rows.extend(clients.into_iter().filter_map(|client| {
                let user = client.user_id?;
                Some((ClientsOfUser { user, reach }, client))
            }));
        }
        Ok(every_key(keys, rows))
    }
}

impl Loader<BookId> for Loaders {
    type Value = Book;
    type Error = SharedError;

    async fn load(&self, ids: &[BookId]) -> Result<HashMap<BookId, Book>, Self::Error> {
        let mut conn = self.conn().await?;
        let rows = library_queries::books_by_ids(&mut conn, Reach::All, ids)
            .await
            .map_err(shared)?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

/// How many copies of a book are on loan: one grouped count per request level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OnLoan(pub BookId);

impl Loader<OnLoan> for Loaders {
    type Value = i64;
    type Error = SharedError;

    async fn load(&self, keys: &[OnLoan]) -> Result<HashMap<OnLoan, i64>, Self::Error> {
        let mut conn = self.conn().await?;
        let ids: Vec<BookId> = keys.iter().map(|key| key.0).collect();
        let mut found: HashMap<OnLoan, i64> = keys.iter().map(|key| (*key, 0)).collect();
        for (book, n) in library_queries::open_loans_of_books(&mut conn, &ids)
            .await
            .map_err(shared)?
        {
            found.insert(OnLoan(book), n);
        }
        Ok(found)
    }
}

/// The books of a group that the viewer's reach sees, by title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BooksOfGroup {
    pub group: GroupId,
    pub reach: Reach,
}

impl Loader<BooksOfGroup> for Loaders {
    type Value = Vec<Book>;
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[BooksOfGroup],
    ) -> Result<HashMap<BooksOfGroup, Vec<Book>>, Self::Error> {
        let mut conn = self.conn().await?;
        let mut rows = Vec::new();
        for (reach, groups) in split(keys, |key| (key.reach, key.group)) {
            let books = library_queries::books_of_groups(&mut conn, reach, &groups)
                .await
                .map_err(shared)?;
            rows.extend(books.into_iter().filter_map(|book| {
                let group = book.group_id?;
                Some((BooksOfGroup { group, reach }, book))
            }));
        }
        Ok(every_key(keys, rows))
    }
}

/// A page of a book's loans that the viewer's reach sees, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LoansPage {
    pub book: BookId,
    pub reach: Scope,
    pub window: LoanWindow,
}

impl Loader<LoansPage> for Loaders {
    type Value = Vec<Loan>;
    type Error = SharedError;

    async fn load(&self, keys: &[LoansPage]) -> Result<HashMap<LoansPage, Vec<Loan>>, Self::Error> {
        let mut conn = self.conn().await?;
        let mut rows = Vec::new();
        for ((reach, window), books) in split(keys, |key| ((key.reach, key.window), key.book)) {
            let loans = library_queries::loans_of_books(&mut conn, reach, &books, &window)
                .await
                .map_err(shared)?;
            rows.extend(loans.into_iter().map(|loan| {
                let book = loan.book_id;
                (
                    LoansPage {
                        book,
                        reach,
                        window,
                    },
                    loan,
                )
            }));
        }
        Ok(every_key(keys, rows))
    }
}

/// How many loans of a book the viewer's reach sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LoanCount {
    pub book: BookId,
    pub reach: Scope,
}

impl Loader<LoanCount> for Loaders {
    type Value = i64;
    type Error = SharedError;

    async fn load(&self, keys: &[LoanCount]) -> Result<HashMap<LoanCount, i64>, Self::Error> {
        let mut conn = self.conn().await?;
        let mut found: HashMap<LoanCount, i64> = keys.iter().map(|key| (*key, 0)).collect();
        for (reach, books) in split(keys, |key| (key.reach, key.book)) {
            for (book, n) in library_queries::count_loans_of_books(&mut conn, reach, &books)
                .await
                .map_err(shared)?
            {
                found.insert(LoanCount { book, reach }, n);
            }
        }
        Ok(found)
    }
}

/// A client's loans, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LoansOfClient(pub ClientId);

impl Loader<LoansOfClient> for Loaders {
    type Value = Vec<Loan>;
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[LoansOfClient],
    ) -> Result<HashMap<LoansOfClient, Vec<Loan>>, Self::Error> {
        let mut conn = self.conn().await?;
        let ids: Vec<ClientId> = keys.iter().map(|key| key.0).collect();
        let rows = library_queries::loans_of_clients(&mut conn, &ids)
            .await
            .map_err(shared)?;
        Ok(every_key(
            keys,
            rows.into_iter()
                .filter_map(|row| row.client_id.map(|client| (LoansOfClient(client), row))),
        ))
    }
}

/// An account's loans (as the borrower) that the viewer's reach sees, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LoansOfUser {
    pub user: UserId,
    pub reach: Scope,
}

impl Loader<LoansOfUser> for Loaders {
    type Value = Vec<Loan>;
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[LoansOfUser],
    ) -> Result<HashMap<LoansOfUser, Vec<Loan>>, Self::Error> {
        let mut conn = self.conn().await?;
        let mut rows = Vec::new();
        for (reach, users) in split(keys, |key| (key.reach, key.user)) {
            let loans = library_queries::loans_of_users(&mut conn, reach, &users)
                .await
                .map_err(shared)?;
            rows.extend(loans.into_iter().filter_map(|loan| {
                let user = loan.user_id?;
                Some((LoansOfUser { user, reach }, loan))
            }));
        }
        Ok(every_key(keys, rows))
    }
}
