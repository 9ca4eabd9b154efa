//! The database: where it is (embedded or `DATABASE_URL`), the connection pool, migrations and
//! the generated `schema.rs`.

pub mod cached;
pub mod embedded;
pub mod migrations;
pub mod pool;
pub mod schema;
pub mod types;

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};

use crate::config::Config;
use crate::secret::Secret;
use embedded::{Embedded, EmbeddedServer};
pub use pool::{DbConn, Pool};

/// An `ILIKE` pattern matching text that contains `text` literally: `%`, `_` and `\` in it are
/// escaped.
pub fn contains_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The name of the database the embedded cluster serves.
pub const EMBEDDED_DATABASE: &str = "rollcall";

/// The database this process talks to, and the embedded cluster behind it when there is one.
#[derive(Debug)]
pub struct Database {
    pub url: Secret<String>,
    embedded: Option<Embedded>,
}

impl Database {
    /// Uses `DATABASE_URL` when set; otherwise starts the embedded cluster in the data dir and
    /// makes sure its `rollcall` database exists.
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        Self::open_with(config, |dir| {
            EmbeddedServer::start(dir).map(Embedded::Owned)
        })
        .await
    }

    /// Like [`Database::open`], for one-off commands: when a running server owns the embedded
    /// cluster, connects to it instead of failing.
    pub async fn open_for_command(config: &Config) -> anyhow::Result<Self> {
        Self::open_with(config, EmbeddedServer::start_or_attach).await
    }

    async fn open_with(
        config: &Config,
        embedded: impl FnOnce(&std::path::Path) -> Result<Embedded, embedded::EmbeddedError>
        + Send
        + 'static,
    ) -> anyhow::Result<Self> {
        if let Some(url) = &config.database_url {
            return Ok(Self {
                url: url.clone(),
                embedded: None,
            });
        }
        let data_dir = config.settings.data_dir.clone();
        let server = tokio::task::spawn_blocking(move || embedded(&data_dir)).await??;
        let admin_url = server.cluster().url("postgres");
        let database = Self {
            url: server.cluster().url(EMBEDDED_DATABASE),
            embedded: Some(server),
        };
        create_database_if_missing(admin_url.expose(), EMBEDDED_DATABASE).await?;
        Ok(database)
    }

    /// Stops the embedded cluster, if this process started it.
    pub async fn close(self) -> anyhow::Result<()> {
        if let Some(server) = self.embedded {
            tokio::task::spawn_blocking(move || server.release()).await??;
        }
        Ok(())
    }
}

/// Creates database `name` through the maintenance connection at `admin_url`; a database that
/// already exists (perhaps made by another instance a moment ago) is fine.
pub async fn create_database_if_missing(admin_url: &str, name: &str) -> anyhow::Result<()> {
    let mut conn = AsyncPgConnection::establish(admin_url).await?;
    let exists: bool = diesel::select(diesel::dsl::exists(
        pg_database::table.filter(pg_database::datname.eq(name)),
    ))
    .get_result(&mut conn)
    .await?;
    if !exists {
        match conn
            .batch_execute(&format!("CREATE DATABASE {}", quote_ident(name)))
            .await
        {
            Ok(()) => tracing::info!(database = name, "created database"),
            Err(diesel::result::Error::DatabaseError(_, info))
                if info.message().contains("already exists") => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(())
}

/// Quotes an SQL identifier.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Replaces the database name in a `postgres://` URL.
pub fn with_database(url: &str, database: &str) -> String {
    let (before_query, query) = match url.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (url, None),
    };
    let authority_start = before_query.find("://").map_or(0, |i| i + 3);
    let path_start = before_query[authority_start..]
        .find('/')
        .map_or(before_query.len(), |i| authority_start + i);
    let mut out = format!("{}/{}", &before_query[..path_start], database);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

diesel::table! {
    /// PostgreSQL's catalogue of databases (only what we read of it).
    pg_database (datname) {
        datname -> Text,
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/postgres", "x"),
            "postgres://u:p@h:5432/x"
        );
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
        assert_eq!(
            with_database("postgres://postgres@localhost/a?host=%2Ftmp&port=5432", "b"),
            "postgres://postgres@localhost/b?host=%2Ftmp&port=5432"
        );
    }
}
