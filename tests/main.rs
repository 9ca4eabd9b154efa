//! The integration tests: one binary, one module per area, each test on its own database.

mod common;

mod academy;
mod academy_clients;
mod academy_statistics;
mod admin;
mod architecture;
mod audit;
mod authorization;
mod avatars;
mod cli;
mod connections;
mod database;
mod graphiql;
mod graphql_http;
mod identity;
mod kiosks;
mod library;
mod limits;
mod live;
mod mail;
mod migrations;
mod profile;
mod schema;
mod timesheet_policies;
mod timesheets;
mod workforce;
mod ws;
