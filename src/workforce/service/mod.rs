//! The steps of each workforce operation: checks, one transaction over the queries, the live
//! events owed. Nothing here knows GraphQL.

pub mod clock;
pub mod companies;
pub mod employees;
pub mod kiosks;
