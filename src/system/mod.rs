//! What the server says about itself: its version and its clock.

pub mod queries;
pub mod resolvers;
