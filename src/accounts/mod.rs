//! Accounts: registration, email confirmation, sign-in, tokens, device sessions, the security
//! history.

pub mod admin;
pub mod avatar;
pub mod loaders;
pub mod model;
pub mod notices;
pub mod profile;
pub mod queries;
pub mod resolvers;
pub mod service;
