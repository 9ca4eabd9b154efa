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
use async_graphql::{
    Executor, ObjectType, Request, Response, SchemaBuilder, ServerError, SubscriptionType,
};
use futures_util::future::BoxFuture;
use futures_util::future::FutureExt;
use futures_util::stream::StreamExt;

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
}

/// Whether the schema is hidden from clients: in production, unless GraphiQL is on.
pub fn hides_schema(app: &App) -> bool {
    app.config.is_prod() && !app.config.graphiql()
}

/// Readies a builder to serve clients: the shared state as schema data, and where the schema is
/// hidden ([`hides_schema`]) no introspection or "did you mean" suggestions, which would reveal
/// it piece by piece.
pub fn for_serving<Q, M, S>(
    builder: SchemaBuilder<Q, M, S>,
    app: Arc<App>,
) -> SchemaBuilder<Q, M, S>
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    let hide = hides_schema(&app);
    let builder = builder.data(app);
    if hide {
        builder.disable_introspection().disable_suggestions()
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
    hides_schema: bool,
    documents: Arc<document::Documents>,
}

impl Api {
    /// Serves `schema`; `public_operations` are the root fields open to anyone, which run as
    /// anonymous whatever token comes with them; `kiosk_operations` the only ones a kiosk
    /// token may call; `hides_schema` refuses documents that ask for the schema.
    pub fn new(
        schema: impl Executor,
        public_operations: &[&'static str],
        kiosk_operations: &[&'static str],
        hides_schema: bool,
    ) -> Self {
        Self {
            executor: Arc::new(schema),
            public_operations: Arc::new(public_operations.iter().copied().collect()),
            kiosk_operations: Arc::new(kiosk_operations.iter().copied().collect()),
            hides_schema,
            documents: Arc::default(),
        }
    }

    /// Parses `query` and finds the operation `operation_name` picks, or finds them prepared
    /// before ([`document::Documents`]).
    pub fn prepare(
        &self,
        query: &str,
        operation_name: Option<&str>,
    ) -> Result<Arc<document::Prepared>, ServerError> {
        self.documents.prepare(query, operation_name)
    }

    /// Runs a query or mutation.
    pub fn execute(&self, mut request: Request) -> BoxFuture<'static, Response> {
        match self.refusal(&mut request) {
            Some(err) => futures_util::future::ready(Response::from_errors(vec![err])).boxed(),
            None => self.executor.run(request),
        }
    }

    /// Runs any operation as a stream of responses (one for queries and mutations).
    pub fn execute_stream(&self, mut request: Request) -> BoxStream<'static, Response> {
        match self.refusal(&mut request) {
            Some(err) => {
                futures_util::stream::once(async { Response::from_errors(vec![err]) }).boxed()
            }
            None => self.executor.run_stream(request),
        }
    }

    /// The error that refuses `request` before it runs: one asking for a hidden schema. A
    /// document that does not parse is left to the executor, which reports it.
    fn refusal(&self, request: &mut Request) -> Option<ServerError> {
        if !self.hides_schema {
            return None;
        }
        let document = request.parsed_query().ok()?;
        introspection::asks_for_schema(document).then(introspection::refusal)
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
        async move { codes::tag(executor.execute(request).await) }.boxed()
    }

    fn run_stream(&self, request: Request) -> BoxStream<'static, Response> {
        self.execute_stream(request, None).map(codes::tag).boxed()
    }
}
