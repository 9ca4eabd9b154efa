//! `DeletionOutcome`: what a deletion that may archive did.

use async_graphql::Enum;

/// What a deletion did: records that others refer to are archived instead of deleted, so
/// that history keeps its meaning.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum DeletionOutcome {
    /// The record is gone.
    Deleted,
    /// The record stays, archived: it no longer takes part, and its history remains.
    Archived,
}
