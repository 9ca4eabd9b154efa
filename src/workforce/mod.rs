//! Workforce: companies and their members, employees, work sessions (clock-in and clock-out,
//! manual entries and corrections with their history), kiosks, and the live clock-in events.
//!
//! The shape of every area: [`model`], [`queries`], [`service`], [`loaders`], [`resolvers`];
//! [`live`] turns the instance's live events into subscriptions.

pub mod loaders;
pub mod model;
pub mod queries;
pub mod resolvers;
pub mod service;
