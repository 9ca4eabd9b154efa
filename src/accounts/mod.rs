//! Accounts: registration, email confirmation, sign-in, tokens, device sessions, profiles,
//! avatars, user administration and the security history.
//!
//! The shape every area follows: [`model`] (rows, value types, constraint meanings),
//! [`queries`] (SQL only), [`service`] (checks, transactions, audit, notices), [`loaders`]
//! (relations through the request's DataLoader) and [`resolvers`] (GraphQL roots, outputs,
//! inputs); [`media`] serves the avatar images over plain HTTP.

pub mod loaders;
pub mod media;
pub mod model;
pub mod queries;
pub mod resolvers;
pub mod service;
