//! The GraphQL side of the workforce area: its roots (merged into [`WorkforceQuery`],
//! [`WorkforceMutation`] and [`WorkforceSubscription`]), output types and inputs.

pub mod companies;
pub mod employees;
pub mod kiosks;
pub mod live;
pub mod sessions;
pub mod types;

use async_graphql::{MergedObject, MergedSubscription};

/// Root fields of this area a kiosk token may call (besides the system's `version` and
/// `serverTime`).
pub const KIOSK_OPERATIONS: &[&str] = &["kioskClock"];

/// The queries of the workforce area.
#[derive(MergedObject, Default)]
pub struct WorkforceQuery(
    companies::CompaniesQuery,
    employees::EmployeesQuery,
    sessions::SessionsQuery,
);

/// The mutations of the workforce area.
#[derive(MergedObject, Default)]
pub struct WorkforceMutation(
    companies::CompaniesMutation,
    employees::EmployeesMutation,
    sessions::SessionsMutation,
    kiosks::KiosksMutation,
);

/// The subscriptions of the workforce area.
#[derive(MergedSubscription, Default)]
pub struct WorkforceSubscription(live::LiveSubscription);
