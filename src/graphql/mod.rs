//! The GraphQL schema: assembled from each area's parts, with the limits every request obeys.

pub mod codes;
pub mod context;
pub mod document;
pub mod introspection;
pub mod pagination;
pub mod scalars;

use std::sync::Arc;

use async_graphql::{MergedObject, MergedSubscription, Schema, SchemaBuilder};

use crate::accounts::admin::{AdminMutation, AdminQuery};
use crate::accounts::avatar::AvatarMutation;
use crate::accounts::profile::ProfileMutation;
use crate::accounts::resolvers::{AccountsMutation, AccountsQuery};
use crate::app::App;
use crate::system::resolvers::{SystemQuery, SystemSubscription};

/// Deepest selection nesting (the GraphiQL introspection query needs 13).
pub const MAX_DEPTH: usize = 16;
/// Highest complexity of one operation: each field costs one, a list `first ×` its child.
pub const MAX_COMPLEXITY: usize = 2_000;
/// Deepest nesting the parser-level recursion check allows (fragments included).
pub const MAX_RECURSIVE_DEPTH: usize = 32;
/// Most directives on one field.
pub const MAX_DIRECTIVES: usize = 10;

pub use context::ContextExt;

/// Every query field, merged from the areas.
#[derive(MergedObject, Default)]
pub struct Query(SystemQuery, AccountsQuery, AdminQuery);

/// Every mutation, merged from the areas.
#[derive(MergedObject, Default)]
pub struct Mutation(
    AccountsMutation,
    ProfileMutation,
    AdminMutation,
    AvatarMutation,
);

/// Every subscription, merged from the areas. Subscriptions are served over WebSocket at
/// `/graphql/ws` (graphql-transport-ws).
#[derive(MergedSubscription, Default)]
pub struct Subscription(SystemSubscription);

/// The schema type.
pub type RollcallSchema = Schema<Query, Mutation, Subscription>;

/// The schema with its limits and extensions but no data: enough to export the SDL.
pub fn builder() -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
    .limit_recursive_depth(MAX_RECURSIVE_DEPTH)
    .limit_directives(MAX_DIRECTIVES)
    .register_output_type::<scalars::Date>()
    .extension(codes::ErrorCodesFactory)
}

/// The schema served to clients. Production hides introspection and "did you mean"
/// suggestions, which would reveal the schema piece by piece, unless GraphiQL is on.
pub fn build(app: Arc<App>) -> RollcallSchema {
    let hide = app.config.is_prod() && !app.config.graphiql();
    let mut builder = builder().data(app);
    if hide {
        builder = builder
            .extension(introspection::HideIntrospectionFactory)
            .disable_introspection()
            .disable_suggestions();
    }
    builder.finish()
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
