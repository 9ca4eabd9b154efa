//! Timesheets: each employee's week (Sunday to Saturday, in the time zone the sheet records),
//! the hours reported on it, its planned shifts, the approval workflow with its history and the
//! lock a finalized week puts on everything it covers, notes, and daily and weekly totals.
//!
//! The shape of every area: [`model`], [`queries`], [`service`], [`loaders`], [`resolvers`];
//! [`export`] serves a company's week as CSV.

pub mod export;
pub mod loaders;
pub mod model;
pub mod queries;
pub mod resolvers;
pub mod service;
