//! The assembly: the one place that names every area. The GraphQL schema merged from the
//! areas' roots, the root fields open to anyone and to kiosks, the HTTP routes areas serve
//! themselves and the background jobs. Adding an area is one line in each of these; the shared layers below
//! (`http`, `graphql`, `auth`, `db`, `events`, `mail`, …) never name an area.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::{MergedObject, MergedSubscription, Schema, SchemaBuilder};
use axum::Router;

use crate::academy::resolvers::{AcademyMutation, AcademyQuery};
use crate::accounts::resolvers::{AccountsMutation, AccountsQuery};
use crate::app::{self, App};
use crate::graphql::{self, Api};
use crate::http::HttpState;
use crate::system::resolvers::{SystemQuery, SystemSubscription};
use crate::timesheets::resolvers::live::TimesheetsSubscription;
use crate::timesheets::resolvers::{TimesheetsMutation, TimesheetsQuery};
use crate::workforce::resolvers::{WorkforceMutation, WorkforceQuery, WorkforceSubscription};
use crate::{academy, accounts, system, timesheets, workforce};

/// Every query field, merged from the areas.
#[derive(MergedObject, Default)]
pub struct Query(
    SystemQuery,
    AccountsQuery,
    WorkforceQuery,
    TimesheetsQuery,
    AcademyQuery,
);

/// Every mutation, merged from the areas.
#[derive(MergedObject, Default)]
pub struct Mutation(
    AccountsMutation,
    WorkforceMutation,
    TimesheetsMutation,
    AcademyMutation,
);

/// Every subscription, merged from the areas. Subscriptions are served over WebSocket at
/// `/graphql/ws` (graphql-transport-ws).
#[derive(MergedSubscription, Default)]
pub struct Subscription(
    SystemSubscription,
    WorkforceSubscription,
    TimesheetsSubscription,
);

/// The schema type.
pub type RollcallSchema = Schema<Query, Mutation, Subscription>;

/// Root fields anyone may call, from every area.
const PUBLIC_OPERATIONS: &[&[&str]] = &[
    accounts::resolvers::PUBLIC_OPERATIONS,
    academy::resolvers::PUBLIC_OPERATIONS,
];

/// Root fields a kiosk token may call, from every area.
const KIOSK_OPERATIONS: &[&[&str]] = &[
    system::resolvers::KIOSK_OPERATIONS,
    workforce::resolvers::KIOSK_OPERATIONS,
];

/// The schema with its limits and extensions but no data: enough to export the SDL.
fn builder() -> SchemaBuilder<Query, Mutation, Subscription> {
    graphql::with_limits(Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    ))
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}

/// The API served to clients, on `app`.
pub fn api(app: Arc<App>) -> Api {
    let hides_schema = graphql::hides_schema(&app);
    let schema = graphql::for_serving(builder(), app).finish();
    Api::new(
        schema,
        &PUBLIC_OPERATIONS.concat(),
        &KIOSK_OPERATIONS.concat(),
        hides_schema,
    )
}

/// What the HTTP handlers get: the application and its API.
pub fn http_state(app: Arc<App>) -> HttpState {
    HttpState {
        api: api(app.clone()),
        app,
    }
}

/// The whole HTTP API, with the routes the areas serve themselves.
pub fn router(app: Arc<App>) -> Router {
    crate::http::router(
        http_state(app),
        accounts::media::routes().merge(timesheets::export::routes()),
    )
}

/// How often the periodic clean-ups run.
const CLEAN_UP_INTERVAL: Duration = Duration::from_secs(3600);
/// How often the timesheet report job runs.
const REPORT_INTERVAL: Duration = Duration::from_secs(60);

/// How often overdue loans are looked at (a reminder goes out on a day, not a minute).
const REMINDER_INTERVAL: Duration = Duration::from_secs(900);

/// Starts the background work of a serving instance, but the mail worker (`serve` starts it;
/// tests deliver mail when they choose): the cross-instance event listener and each area's
/// periodic jobs. Each stops when the server shuts down.
pub fn start_background(app: &Arc<App>) {
    app.start_listening();
    app::spawn_periodic(
        app,
        "removing stale unconfirmed accounts",
        CLEAN_UP_INTERVAL,
        accounts::service::identity::remove_stale_unconfirmed,
    );
    app::spawn_periodic(
        app,
        "pruning live events and idempotency keys",
        CLEAN_UP_INTERVAL,
        workforce::service::clock::prune,
    );
    app::spawn_periodic(
        app,
        "writing timesheet reports",
        REPORT_INTERVAL,
        timesheets::service::reports::run,
    );
    app::spawn_periodic(
        app,
        "sending overdue loan reminders",
        REMINDER_INTERVAL,
        academy::service::library::run,
    );
}
