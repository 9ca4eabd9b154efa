//! Rollcall: a GraphQL API server for attendance and workforce time-keeping.
//!
//! `main.rs` parses the command line and calls [`serve`] or [`migrate`]; the test suite builds the same router
//! with [`schema::router`] over an [`app::App`]. [`schema`] assembles the areas (`accounts`,
//! `system`) over the shared layers (`http`, `graphql`, `auth`, `db`, `events`, `mail`,
//! `logging`, `error`, `config`), which never import an area.

// Proving that the merged root's resolver futures are `Send` nests one obligation per level of
// future (areas, objects, connections, their nodes, loaders), and the default limit of 128 sits
// at the edge of that depth: whether rustc overflows there changed with an edit to a comment.
#![recursion_limit = "256"]

pub mod academy;
pub mod accounts;
pub mod app;
pub mod auth;
pub mod config;
pub mod db;
pub mod error;
pub mod events;
pub mod graphql;
pub mod http;
pub mod lifecycle;
pub mod live;
pub mod logging;
pub mod mail;
pub mod offload;
pub mod schema;
pub mod secret;
pub mod seed;
pub mod system;
pub mod timesheets;
pub mod validate;
pub mod workforce;

use anyhow::Context as _;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::db::{Database, migrations};

/// Opens the database (starting the embedded one if needed), migrates it and serves HTTP until
/// SIGINT or SIGTERM; the embedded database is stopped on the way out, whatever happened.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let database = Database::open(&config).await?;
    let served = async {
        apply_migrations(&database).await?;
        let app = app::App::new(config, database.url.expose()).await?;
        let bind = app.config.settings.bind;
        let listener = TcpListener::bind(bind)
            .await
            .with_context(|| format!("cannot listen on {bind} (ROLLCALL_BIND)"))?;
        tracing::info!(
            address = %listener.local_addr()?,
            "serving GraphQL at http://{}/graphql",
            listener.local_addr()?
        );
        schema::start_background(&app);
        mail::worker::spawn(app.clone());
        let lifecycle = app.lifecycle.clone();
        let settings = app.config.settings.clone();
        let router = schema::router(app);
        let shutdown = lifecycle.shutdown.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            shutdown.cancel();
        });
        http::server::serve(listener, router, &settings, lifecycle).await;
        tracing::info!("stopped serving");
        anyhow::Ok(())
    }
    .await;
    database.close().await?;
    served
}

/// Applies pending migrations (starting the embedded database if needed), then stops.
pub async fn migrate(config: Config) -> anyhow::Result<()> {
    let database = Database::open(&config).await?;
    let migrated = apply_migrations(&database).await;
    database.close().await?;
    migrated
}

/// Creates an ADMIN account, with the password from `password` (already read by the caller).
pub async fn create_admin(
    config: Config,
    account: config::CreateAdmin,
    password: String,
) -> anyhow::Result<()> {
    let database = Database::open_for_command(&config).await?;
    let created = async {
        apply_migrations(&database).await?;
        let mut conn =
            <diesel_async::AsyncPgConnection as diesel_async::AsyncConnection>::establish(
                database.url.expose(),
            )
            .await?;
        let registration = accounts::service::identity::Registration {
            name: account
                .name
                .clone()
                .unwrap_or_else(|| account.username.clone()),
            email: account.email,
            username: account.username,
            password,
        };
        let hasher = auth::passwords::Hasher::new();
        accounts::service::identity::create_admin(&mut conn, &hasher, registration)
            .await
            .map_err(|err| anyhow::anyhow!("cannot create the admin: {err}"))
    }
    .await;
    database.close().await?;
    let user = created?;
    tracing::info!(id = %user.id, "created the admin account");
    println!(
        "created admin account {} (id {})",
        user.username.unwrap_or_default(),
        user.id
    );
    Ok(())
}

/// Fills an empty database with the demo studio and prints its accounts and their password.
pub async fn seed_demo(config: Config) -> anyhow::Result<()> {
    let database = Database::open_for_command(&config).await?;
    let seeded = async {
        apply_migrations(&database).await?;
        let mut conn =
            <diesel_async::AsyncPgConnection as diesel_async::AsyncConnection>::establish(
                database.url.expose(),
            )
            .await?;
        seed::seed_demo(&mut conn, &auth::passwords::Hasher::new()).await
    }
    .await;
    database.close().await?;
    let seeded = seeded?;
    println!("Seeded the demo studio \"Studio Linden\" (Europe/Berlin). Accounts:");
    for (username, name, role) in seed::ACCOUNTS {
        println!("  {username:<8} {name:<15} {role}");
    }
    println!("Password of every demo account: {}", seeded.password);
    Ok(())
}

async fn apply_migrations(database: &Database) -> anyhow::Result<()> {
    let applied = migrations::run_pending(database.url.expose()).await?;
    if applied.is_empty() {
        tracing::info!("database schema is up to date");
    } else {
        tracing::info!(migrations = ?applied, "applied migrations");
    }
    Ok(())
}

/// Completes at the first SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing open requests");
}
