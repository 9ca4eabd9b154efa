//! Rollcall: a GraphQL API server for attendance and workforce time-keeping.
//!
//! `main.rs` parses the command line and calls [`serve`] or [`migrate`]; the test suite builds the same router
//! with [`http::router`] over an [`app::App`].

pub mod app;
pub mod auth;
pub mod config;
pub mod db;
pub mod error;
pub mod graphql;
pub mod http;
pub mod secret;
pub mod system;

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
        http::serve(
            listener,
            http::router(http::HttpState::new(app)),
            shutdown_signal(),
        )
        .await?;
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
