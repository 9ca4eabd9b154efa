//! The steps of each accounts operation: checks, one transaction over the queries, the security
//! history and the notices owed, queued in that same transaction so a change and its mail
//! commit or vanish together. Resolvers call these and convert the results; nothing here knows
//! GraphQL.

pub mod admin;
pub mod audit;
pub mod avatar;
pub mod checks;
pub mod codes;
pub mod identity;
pub mod profile;
