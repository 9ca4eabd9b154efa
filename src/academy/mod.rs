//! The academy: locations, groups taught by coaches (employees), their lessons, prices and
//! each account's favourites — the timetable every signed-in account may read.
//!
//! The shape of every area: [`model`], [`queries`], [`service`], [`loaders`], [`resolvers`];
//! [`money`] reads and writes amounts.

pub mod isbn;
pub mod loaders;
pub mod model;
pub mod money;
pub mod queries;
pub mod resolvers;
pub mod service;
