//! `registerKiosk`, `revokeKiosk`, `kioskClock`.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};

use crate::auth::guards::{KioskOnly, Level, MinLevel};
use crate::auth::scope::Scope;
use crate::error::AppError;
use crate::graphql::ContextExt;
use crate::graphql::scalars::DateTime;
use crate::workforce::model::{CompanyId, EmployeeId, Kiosk, KioskId};
use crate::workforce::service::kiosks::{self, Identification};

/// A newly registered kiosk and its token.
#[derive(SimpleObject)]
pub struct KioskCredential {
    /// The kiosk.
    pub kiosk: Kiosk,
    /// The token the kiosk signs in with (`Authorization: Bearer <token>`). It is shown this
    /// once: store it on the kiosk.
    pub token: String,
}

/// Who clocks at a kiosk: by fingerprint, or by employee id and PIN.
#[derive(InputObject)]
pub struct KioskClockInput {
    /// The fingerprint signature the reader produced.
    pub fingerprint: Option<String>,
    /// The employee, with `pin`.
    pub employee_id: Option<ID>,
    /// The employee's PIN, with `employeeId`.
    pub pin: Option<String>,
}

/// Which way a kiosk clock went.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum KioskClockKind {
    /// The employee is now clocked in.
    ClockIn,
    /// The employee is now clocked out.
    ClockOut,
}

/// What a kiosk shows after a clock.
#[derive(SimpleObject)]
pub struct KioskClockResult {
    /// In or out.
    pub kind: KioskClockKind,
    /// When, on the server's clock.
    pub at: DateTime,
    /// Whom to greet.
    pub employee_name: Option<String>,
}

/// Kiosk mutations.
#[derive(Default)]
pub struct KiosksMutation;

#[Object]
impl KiosksMutation {
    /// Registers a kiosk for one of your companies (head managers and up) and answers its
    /// token, shown this once.
    #[graphql(guard = "MinLevel(Level::HeadManager)")]
    async fn register_kiosk(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The company whose employees clock at it.")] company_id: ID,
        #[graphql(desc = "Where it stands, 1 to 100 characters, e.g. Front door.")] name: String,
    ) -> Result<KioskCredential> {
        let company = CompanyId::parse("companyId", &company_id)?;
        let viewer = ctx.viewer();
        let scope = Scope::of_staff(viewer)?;
        let by = viewer.require()?.user.id;
        let (kiosk, token) = kiosks::register(ctx.app(), scope, company, &name, by).await?;
        Ok(KioskCredential { kiosk, token })
    }

    /// Revokes a kiosk of one of your companies (head managers and up): its token stops
    /// working at once. Answers whether it still worked.
    #[graphql(guard = "MinLevel(Level::HeadManager)")]
    async fn revoke_kiosk(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The kiosk to revoke.")] id: ID,
    ) -> Result<bool> {
        let id = KioskId::parse("id", &id)?;
        let scope = Scope::of_staff(ctx.viewer())?;
        Ok(kiosks::revoke(ctx.app(), scope, id).await?)
    }

    /// Clocks the employee identified at this kiosk in, or out when clocked in (kiosk tokens
    /// only). The same clock again within 60 seconds answers the first instead of undoing
    /// it. Five wrong PINs for an employee within 15 minutes are RATE_LIMITED.
    #[graphql(guard = "KioskOnly")]
    async fn kiosk_clock(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Who clocks: a fingerprint, or an employee id and PIN.")]
        input: KioskClockInput,
    ) -> Result<KioskClockResult> {
        let Some(kiosk) = ctx.viewer().kiosk() else {
            return Err(AppError::Unauthenticated { reason: None }.into());
        };
        let who = match (input.fingerprint, input.employee_id, input.pin) {
            (Some(fingerprint), None, None) => Identification::Fingerprint(fingerprint),
            (None, Some(employee), Some(pin)) => Identification::Pin {
                employee: EmployeeId::parse("employeeId", &employee)?,
                pin,
            },
            _ => {
                return Err(AppError::bad_input(
                    "fingerprint",
                    "give either a fingerprint, or an employeeId and its pin",
                )
                .into());
            }
        };
        let clock = kiosks::clock(ctx.app(), kiosk, who).await?;
        Ok(KioskClockResult {
            kind: if clock.clocked_in {
                KioskClockKind::ClockIn
            } else {
                KioskClockKind::ClockOut
            },
            at: DateTime(clock.at),
            employee_name: clock.employee_name,
        })
    }
}
