//! Kiosks: shared terminals of a company where employees clock in and out by fingerprint, or by
//! employee id and PIN.
//!
//! A kiosk signs in with a token of its own, shown once when it is registered and stored only as
//! a SHA-256. The token starts with [`KIOSK_TOKEN_PREFIX`], which no JWT has, so the viewer is
//! told apart without trying it as one; a kiosk may call `kioskClock`, `version` and
//! `serverTime` and nothing else.
//!
//! A clock at a kiosk toggles: in when out, out when in. Presented again within
//! [`REPEAT_WINDOW`] (a second touch of the reader), it answers the first clock instead of
//! undoing it. Five wrong PINs for an employee within 15 minutes make that employee's PIN
//! RATE_LIMITED at every kiosk until the window passes.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::app::App;
use crate::auth::scope::Scope;
use crate::auth::viewer::{KIOSK_TOKEN_PREFIX, KioskCredential};
use crate::error::{AppError, AppResult, OnConstraint, check_limit};
use crate::workforce::model::{
    ALREADY_CLOCKED_IN, CompanyId, EmployeeId, Kiosk, KioskId, NewWorkSession, OVERLAP, Source,
    WEEK_FINALIZED,
};
use crate::workforce::queries;
use crate::workforce::service::employees::pin_mac;

/// A second clock within this window answers the first.
pub const REPEAT_WINDOW: Duration = Duration::seconds(60);
/// Wrong PINs allowed per employee within [`PIN_WINDOW`].
pub const PIN_LIMIT: i64 = 5;
pub const PIN_WINDOW: Duration = Duration::minutes(15);

/// The SHA-256 a kiosk token is stored as (what the viewer looks it up by).
fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Registers a kiosk of a company `scope` reaches; answers it and its token, which is shown
/// this once.
pub async fn register(
    app: &App,
    scope: Scope,
    company: CompanyId,
    name: &str,
    by: crate::auth::identity::UserId,
) -> AppResult<(Kiosk, String)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::bad_input(
            "name",
            "a kiosk name has 1 to 100 characters",
        ));
    }
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let token = format!("{KIOSK_TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(secret));
    let mut conn = app.pool.get().await?;
    let kiosk = conn
        .transaction(async |conn| {
            let company = queries::company_in(conn, scope, company)
                .await?
                .ok_or(AppError::NotFound("company"))?;
            Ok::<_, AppError>(
                queries::insert_kiosk(conn, company.id, name, &token_hash(&token), by).await?,
            )
        })
        .await?;
    Ok((kiosk, token))
}

/// Revokes a kiosk of a company `scope` reaches: its token stops working at once. Answers
/// whether it still worked.
pub async fn revoke(app: &App, scope: Scope, id: KioskId) -> AppResult<bool> {
    let mut conn = app.pool.get().await?;
    let kiosk = queries::kiosk_in(&mut conn, scope, id)
        .await?
        .ok_or(AppError::NotFound("kiosk"))?;
    Ok(queries::revoke_kiosk(&mut conn, kiosk.id).await?)
}

/// Who a kiosk clock is for.
#[derive(Debug, Clone)]
pub enum Identification {
    Fingerprint(String),
    Pin { employee: EmployeeId, pin: String },
}

/// What a kiosk clock did.
#[derive(Debug, Clone)]
pub struct KioskClock {
    pub clocked_in: bool,
    pub at: DateTime<Utc>,
    pub employee_name: Option<String>,
}

/// Clocks the employee identified at `kiosk` in or out.
pub async fn clock(
    app: &App,
    kiosk: KioskCredential,
    who: Identification,
) -> AppResult<KioskClock> {
    let company = CompanyId(kiosk.company);
    let kiosk = KioskId(kiosk.kiosk);
    let mut conn = app.pool.get().await?;
    let employee = match &who {
        Identification::Fingerprint(signature) => {
            let mac = app
                .keys
                .data_mac("fingerprint", signature.trim().as_bytes());
            queries::employee_by_fingerprint(&mut conn, company, &mac)
                .await?
                .ok_or_else(|| {
                    AppError::bad_input("fingerprint", "no employee has this fingerprint")
                })?
                .id
        }
        Identification::Pin { employee, pin } => {
            check_pin(app, &mut conn, kiosk, company, *employee, pin).await?;
            *employee
        }
    };
    conn.transaction(async |conn| {
        queries::describe_change(conn, None, None, true).await?;
        let employee = queries::employee_for_update(conn, Scope::All, employee)
            .await?
            .filter(|employee| employee.company_id == company)
            .ok_or(AppError::NotFound("employee"))?;
        if let Some(first) = queries::recent_kiosk_clock(conn, employee.id, REPEAT_WINDOW).await? {
            return Ok(KioskClock {
                clocked_in: first.0,
                at: first.1,
                employee_name: employee.name,
            });
        }
        let now = queries::database_now(conn).await?;
        let open = queries::open_sessions_of(conn, &[employee.id]).await?;
        let clocked_in = open.is_empty();
        let session = if clocked_in {
            if !employee.active {
                return Err(AppError::conflict(
                    "EMPLOYEE_INACTIVE",
                    "the employee is archived",
                ));
            }
            queries::insert_session(
                conn,
                &NewWorkSession {
                    employee_id: employee.id,
                    started_at: now,
                    ended_at: None,
                    source: Source::Kiosk,
                    created_by: None,
                    note: None,
                },
            )
            .await
            .on_constraint(&[ALREADY_CLOCKED_IN, OVERLAP, WEEK_FINALIZED])?
        } else {
            queries::close_open_session(conn, employee.id, now)
                .await
                .on_constraint(&[OVERLAP, WEEK_FINALIZED])?
                .ok_or(AppError::NotFound("work session"))?
        };
        queries::record_kiosk_clock(conn, kiosk, employee.id, Some((clocked_in, session.id)))
            .await?;
        Ok(KioskClock {
            clocked_in,
            at: now,
            employee_name: employee.name,
        })
    })
    .await
}

/// Checks an employee's PIN at a kiosk of its company, within the limit of wrong PINs; a wrong
/// one is counted (in a transaction of its own, which commits though the clock fails).
async fn check_pin(
    app: &App,
    conn: &mut AsyncPgConnection,
    kiosk: KioskId,
    company: CompanyId,
    employee: EmployeeId,
    pin: &str,
) -> AppResult<()> {
    conn.transaction(async |conn| {
        let found = queries::employee_for_update(conn, Scope::All, employee)
            .await?
            .filter(|found| found.company_id == company)
            .ok_or_else(|| AppError::bad_input("employeeId", "no such employee here"))?;
        let now = Utc::now();
        let (count, oldest) = queries::wrong_pins_since(conn, found.id, now - PIN_WINDOW).await?;
        check_limit(count, oldest, PIN_LIMIT, PIN_WINDOW, now)?;
        let stored = queries::pin_mac(conn, found.id).await?;
        let given = pin_mac(app, found.id, pin.trim());
        if stored.as_deref() == Some(given.as_slice()) {
            return Ok(Ok(()));
        }
        queries::record_kiosk_clock(conn, kiosk, found.id, None).await?;
        Ok::<_, AppError>(Err(AppError::bad_input("pin", "the PIN is not right")))
    })
    .await?
}
