//! What resolvers reach through the GraphQL context, and how each request's context is built.
//!
//! Shared state (`App`) is schema data; the viewer, the request's metadata and the DataLoaders
//! are built for every request (or WebSocket operation) by [`request_data`], so a loader's cache
//! never outlives one operation.

use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Request};

use crate::app::App;
use crate::auth::viewer::{ANONYMOUS, Credential, Viewer};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::graphql::loaders::{Loaders, Polls};
use crate::http::request::RequestMeta;

/// What resolvers need from the GraphQL context.
pub trait ContextExt {
    /// The application state shared by every request.
    fn app(&self) -> &Arc<App>;

    /// A pooled database connection (SERVICE_UNAVAILABLE when none can be had in time).
    fn conn(&self) -> impl Future<Output = AppResult<DbConn>> + Send;

    /// Who makes the request.
    fn viewer(&self) -> &Viewer;

    /// The request's id, client address and user agent.
    fn meta(&self) -> &RequestMeta;

    /// The request's `Authorization` header, as read.
    fn credential(&self) -> &Credential;

    /// The request's DataLoader: `ctx.loader().load_one(key)` for any key some area loads. It
    /// is shared (`Arc`), so a deferred computation such as a `totalCount` can keep it.
    fn loader(&self) -> &Arc<DataLoader<Loaders>>;
}

static NO_META: RequestMeta = RequestMeta {
    request_id: String::new(),
    client_ip: None,
    user_agent: None,
};

impl ContextExt for Context<'_> {
    fn app(&self) -> &Arc<App> {
        self.data_unchecked::<Arc<App>>()
    }

    async fn conn(&self) -> AppResult<DbConn> {
        Ok(self.app().pool.get().await?)
    }

    fn viewer(&self) -> &Viewer {
        self.data_opt::<Viewer>().unwrap_or(&ANONYMOUS)
    }

    fn meta(&self) -> &RequestMeta {
        self.data_opt::<RequestMeta>().unwrap_or(&NO_META)
    }

    fn credential(&self) -> &Credential {
        self.data_opt::<Credential>().unwrap_or(&Credential::None)
    }

    fn loader(&self) -> &Arc<DataLoader<Loaders>> {
        // Registered for every request by `request_data`, the one place requests are built.
        self.data_unchecked::<Arc<DataLoader<Loaders>>>()
    }
}

/// Attaches the per-request context to `request`. Run the request inside the answered
/// [`Polls`] (`polls.around(api.execute(request))`): its loader batches by them.
pub fn request_data(
    request: Request,
    app: &App,
    meta: RequestMeta,
    viewer: Viewer,
    credential: Credential,
) -> (Request, Polls) {
    let polls = Polls::default();
    let request = request
        .data(meta)
        .data(viewer)
        .data(credential)
        .data(Arc::new(polls.loader(app.pool.clone())));
    (request, polls)
}
