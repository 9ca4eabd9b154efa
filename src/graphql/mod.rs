//! The GraphQL toolkit every area uses: the limits every request obeys, error codes, scalars,
//! uploads, pagination, the request's loaders and context helpers, and [`Api`], the assembled
//! schema as the transports see it. The schema itself is assembled above the areas, in
//! `src/schema.rs`; nothing here names an area.

pub mod codes;
pub mod context;
pub mod deletion;
pub mod document;
pub mod introspection;
pub mod loaders;
pub mod pagination;
pub mod scalars;
pub mod upload;

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::futures_util::stream::BoxStream;
use async_graphql::{Executor, ObjectType, Request, Response, SchemaBuilder, SubscriptionType};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;

use crate::app::App;

/// Deepest selection nesting (the GraphiQL introspection query needs 13).
pub const MAX_DEPTH: usize = 16;
/// Highest complexity of one operation: each field costs one, a list `first ×` its child. A
/// page of 50 employees with their user, company, open session and 20 sessions each costs
/// about 2,400.
pub const MAX_COMPLEXITY: usize = 5_000;
/// Deepest nesting the parser-level recursion check allows (fragments included).
pub const MAX_RECURSIVE_DEPTH: usize = 32;
/// Most directives on one field.
pub const MAX_DIRECTIVES: usize = 10;

pub use context::ContextExt;

/// Gives a schema builder the limits, error codes and shared types every Rollcall schema has.
pub fn with_limits<Q, M, S>(builder: SchemaBuilder<Q, M, S>) -> SchemaBuilder<Q, M, S>
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    builder
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_recursive_depth(MAX_RECURSIVE_DEPTH)
        .limit_directives(MAX_DIRECTIVES)
        .register_output_type::<scalars::Date>()
        .extension(codes::ErrorCodesFactory)
}

/// Readies a builder to serve clients: the shared state as schema data, and in production no
/// introspection or "did you mean" suggestions, which would reveal the schema piece by piece,
/// unless GraphiQL is on.
pub fn for_serving<Q, M, S>(
    builder: SchemaBuilder<Q, M, S>,
    app: Arc<App>,
) -> SchemaBuilder<Q, M, S>
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    let hide = app.config.is_prod() && !app.config.graphiql();
    let builder = builder.data(app);
    if hide {
        builder
            .extension(introspection::HideIntrospectionFactory)
            .disable_introspection()
            .disable_suggestions()
    } else {
        builder
    }
}

/// The assembled schema as the transports (HTTP, WebSocket) see it: something that runs
/// requests, and the root fields anyone may call. The transports need nothing else of the
/// schema, so they never name its types, nor the areas they are made of.
#[derive(Clone)]
pub struct Api {
    executor: Arc<dyn RunRequests>,
    public_operations: Arc<HashSet<&'static str>>,
    kiosk_operations: Arc<HashSet<&'static str>>,
}

impl Api {
    /// Serves `schema`; `public_operations` are the root fields open to anyone, which run as
    /// anonymous whatever token comes with them; `kiosk_operations` the only ones a kiosk
    /// token may call.
    pub fn new(
        schema: impl Executor,
        public_operations: &[&'static str],
        kiosk_operations: &[&'static str],
    ) -> Self {
        Self {
            executor: Arc::new(schema),
            public_operations: Arc::new(public_operations.iter().copied().collect()),
            kiosk_operations: Arc::new(kiosk_operations.iter().copied().collect()),
        }
    }

    /// Runs a query or mutation.
    pub fn execute(&self, request: Request) -> BoxFuture<'static, Response> {
        self.executor.run(request)
    }

    /// Runs any operation as a stream of responses (one for queries and mutations).
    pub fn execute_stream(&self, request: Request) -> BoxStream<'static, Response> {
        self.executor.run_stream(request)
    }

    /// Whether a kiosk may call every one of these root fields.
    pub fn all_for_kiosks<'a>(&self, root_fields: impl IntoIterator<Item = &'a str>) -> bool {
        root_fields
            .into_iter()
            .all(|field| field == "__typename" || self.kiosk_operations.contains(field))
    }

    /// Whether every one of these root fields is open to anyone.
    pub fn all_public<'a>(&self, root_fields: impl IntoIterator<Item = &'a str>) -> bool {
        root_fields
            .into_iter()
            .all(|field| field == "__typename" || self.public_operations.contains(field))
    }
}

/// An [`Executor`] behind a pointer (the trait itself returns `impl Future`, so it cannot be one).
trait RunRequests: Send + Sync {
    fn run(&self, request: Request) -> BoxFuture<'static, Response>;
    fn run_stream(&self, request: Request) -> BoxStream<'static, Response>;
}

impl<E: Executor> RunRequests for E {
    fn run(&self, request: Request) -> BoxFuture<'static, Response> {
        let executor = self.clone();
        async move { executor.execute(request).await }.boxed()
    }

    fn run_stream(&self, request: Request) -> BoxStream<'static, Response> {
        self.execute_stream(request, None)
    }
}
