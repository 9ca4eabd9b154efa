//! The report job: on every instance each minute, the system reports no-shows (a shift nobody
//! clocked in for, without an absence or a holiday), late starts (a no-show's clock-in came
//! later: the no-show is resolved) and missed clock-outs (a session open past the company's
//! `maxOpenHours`) as REPORT notes without an author.
//!
//! Instances share the work without coordinating: each kind is one statement that locks its
//! candidates `SKIP LOCKED` (another instance's are left to it) and writes each report at most
//! once (a unique index per item and type), so a round that dies half-way is simply taken up by
//! the next, on any instance. A round takes `now`, so tests drive it at the times they choose.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::error::AppResult;
use crate::timesheets::queries;

/// How many reports a round wrote, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Round {
    pub no_shows: usize,
    pub late_starts: usize,
    pub missed_clock_outs: usize,
}

/// One round at `now`, each kind in its own transaction.
pub async fn run_round(app: &App, now: DateTime<Utc>) -> AppResult<Round> {
    let mut conn = app.pool.get().await?;
    Ok(Round {
        no_shows: queries::report_no_shows(&mut conn, now).await?,
        late_starts: queries::report_late_starts(&mut conn, now).await?,
        missed_clock_outs: queries::report_missed_clock_outs(&mut conn, now).await?,
    })
}

/// The periodic job: a round at the current time.
pub async fn run(app: Arc<App>) -> AppResult<()> {
    let round = run_round(&app, Utc::now()).await?;
    if round != Round::default() {
        tracing::info!(
            no_shows = round.no_shows,
            late_starts = round.late_starts,
            missed_clock_outs = round.missed_clock_outs,
            "timesheet reports written"
        );
    }
    Ok(())
}
