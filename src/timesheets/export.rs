//! `GET /exports/timesheets.csv?companyId=…&week=YYYY-MM-DD`: a company's week as CSV, one row
//! per active employee (by name) and day, written or not.
//!
//! The route authenticates as `/graphql` does (a bearer token; head managers and up, of their
//! companies) and refuses with 401, 403, 404 or 400 and the usual JSON error body. The file is
//! RFC 4180 (CRLF, quotes doubled) in UTF-8; a text cell starting with `=`, `+`, `-`, `@`, a tab
//! or a carriage return gets a leading `'`, so a spreadsheet never takes a name for a formula,
//! while numbers are written plain (a negative difference stays a number). Every export is
//! recorded: who, when, company and week.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;

use crate::auth::guards::Level;
use crate::auth::scope::Scope;
use crate::auth::viewer::{self, Credential};
use crate::error::{AppError, AppResult};
use crate::http::{HttpState, error_response};
use crate::timesheets::model::{SheetKey, Totals, week_of};
use crate::timesheets::queries;
use crate::workforce::model::CompanyId;
use crate::workforce::queries::company_in;

/// Where the export is served.
pub const PATH: &str = "/exports/timesheets.csv";

const HEADER: [&str; 11] = [
    "employee_id",
    "employee_name",
    "date",
    "scheduled_minutes",
    "worked_minutes",
    "clocked_minutes",
    "break_minutes",
    "overtime_minutes",
    "absence_minutes",
    "difference_minutes",
    "status",
];

/// The export route.
pub fn routes() -> Router<HttpState> {
    Router::new().route(PATH, get(export))
}

async fn export(
    State(state): State<HttpState>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    match csv(&state, &params, &headers).await {
        Ok((company, week, body)) => (
            [
                (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    CONTENT_DISPOSITION,
                    format!("attachment; filename=\"timesheets-{company}-{week}.csv\""),
                ),
                (CACHE_CONTROL, "no-store".to_owned()),
            ],
            body,
        )
            .into_response(),
        Err(err) => error_response(err),
    }
}

/// The viewer, the arguments, then the file.
async fn csv(
    state: &HttpState,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
) -> AppResult<(CompanyId, NaiveDate, String)> {
    let app = &state.app;
    let viewer = viewer::authenticate(app, &Credential::from_headers(headers), false).await?;
    if viewer.kiosk().is_some() {
        return Err(AppError::forbidden(
            "KIOSK_TOKEN",
            "a kiosk token may not export timesheets",
        ));
    }
    let user = viewer.require()?.user.id;
    if viewer.level() < Level::HeadManager {
        return Err(AppError::forbidden(
            "LEVEL_TOO_LOW",
            "exports are for head managers and up",
        ));
    }
    let company = params
        .get("companyId")
        .and_then(|id| id.parse::<i64>().ok())
        .filter(|id| *id > 0)
        .map(CompanyId)
        .ok_or_else(|| AppError::bad_input("companyId", "a company id is required"))?;
    let week = params
        .get("week")
        .and_then(|day| NaiveDate::parse_from_str(day, "%Y-%m-%d").ok())
        .map(week_of)
        .ok_or_else(|| AppError::bad_input("week", "a day of the week, YYYY-MM-DD, is required"))?;
    let scope = Scope::of_staff(&viewer)?;
    let mut conn = app.pool.get().await?;
    company_in(&mut conn, scope, company)
        .await?
        .ok_or(AppError::NotFound("company"))?;
    let employees = queries::export_employees(&mut conn, company).await?;
    let keys: Vec<SheetKey> = employees
        .iter()
        .map(|employee| SheetKey {
            employee: employee.id,
            week,
        })
        .collect();
    let sheets: HashMap<SheetKey, _> = queries::sheets(&mut conn, Scope::All, &keys)
        .await?
        .into_iter()
        .map(|sheet| (sheet.key(), sheet.status))
        .collect();
    let mut days = queries::days_of(&mut conn, &keys).await?;
    // In the employees' order (by name), each week Sunday first.
    let position: HashMap<_, _> = employees
        .iter()
        .enumerate()
        .map(|(position, employee)| (employee.id, position))
        .collect();
    days.sort_by_key(|day| (position.get(&day.employee_id).copied(), day.date));
    queries::record_export(&mut conn, user, company, week).await?;
    let names: HashMap<_, _> = employees
        .iter()
        .map(|employee| (employee.id, employee.name.clone().unwrap_or_default()))
        .collect();
    let mut out = String::new();
    push_row(&mut out, HEADER.iter().map(|cell| Cell::Text(cell)));
    for day in &days {
        let totals = Totals::day(day);
        let status = sheets
            .get(&SheetKey {
                employee: day.employee_id,
                week: day.week,
            })
            .map_or("DRAFT", |status| status.as_str());
        let name = names.get(&day.employee_id).map_or("", String::as_str);
        let date = day.date.format("%Y-%m-%d").to_string();
        push_row(
            &mut out,
            [
                Cell::Number(day.employee_id.0),
                Cell::Text(name),
                Cell::Text(&date),
                Cell::Number(totals.scheduled.into()),
                Cell::Number(totals.worked.into()),
                Cell::Number(totals.clocked.into()),
                Cell::Number((totals.breaks + totals.auto_breaks).into()),
                Cell::Number(totals.overtime.into()),
                Cell::Number(totals.absence.into()),
                Cell::Number(totals.difference.into()),
                Cell::Text(status),
            ],
        );
    }
    Ok((company, week, out))
}

/// A CSV cell.
enum Cell<'a> {
    Number(i64),
    Text(&'a str),
}

/// Appends one RFC 4180 record.
fn push_row<'a>(out: &mut String, cells: impl IntoIterator<Item = Cell<'a>>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match cell {
            Cell::Number(number) => out.push_str(&number.to_string()),
            Cell::Text(text) => push_text(out, text),
        }
    }
    out.push_str("\r\n");
}

/// A text cell: defused when a spreadsheet would read it as a formula, quoted when it holds a
/// separator, a quote or a line break.
fn push_text(out: &mut String, text: &str) {
    let defused = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if defused.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&defused.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&defused);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: Vec<Cell<'_>>) -> String {
        let mut out = String::new();
        push_row(&mut out, cells);
        out
    }

    #[test]
    fn text_that_looks_like_a_formula_is_defused_and_numbers_stay_numbers() {
        assert_eq!(
            row(vec![
                Cell::Text("=HYPERLINK(\"x\")"),
                Cell::Text("@SUM(A1)"),
                Cell::Text("-1"),
                Cell::Number(-30),
                Cell::Text("Ann, \"Jr\""),
                Cell::Text("\tTab"),
            ]),
            "\"'=HYPERLINK(\"\"x\"\")\",'@SUM(A1),'-1,-30,\"Ann, \"\"Jr\"\"\",'\tTab\r\n"
        );
    }
}
