//! Accounts: registration, email confirmation, sign-in, tokens, device sessions, the security
//! history.

pub mod loaders;
pub mod model;
pub mod notices;
pub mod queries;
pub mod resolvers;
pub mod service;
