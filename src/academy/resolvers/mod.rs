//! The GraphQL side of the academy: its roots (merged into [`AcademyQuery`] and
//! [`AcademyMutation`]) and output types.

pub mod clients;
pub mod favorites;
pub mod library;
pub mod statistics;
pub mod timetable;
pub mod types;

use async_graphql::MergedObject;

/// Root fields of this area anyone may call.
pub const PUBLIC_OPERATIONS: &[&str] = &["prices"];

/// The queries of the academy.
#[derive(MergedObject, Default)]
pub struct AcademyQuery(
    timetable::TimetableQuery,
    clients::ClientsQuery,
    favorites::FavoritesQuery,
    library::LibraryQuery,
    statistics::StatisticsQuery,
);

/// The mutations of the academy.
#[derive(MergedObject, Default)]
pub struct AcademyMutation(
    timetable::TimetableMutation,
    clients::ClientsMutation,
    favorites::FavoritesMutation,
    library::LibraryMutation,
);
