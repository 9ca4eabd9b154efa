//! The integration tests: one binary, one module per area, each test on its own database.

mod common;

mod audit;
mod cli;
mod database;
mod graphql_http;
mod limits;
mod migrations;
mod schema;
