//! The timesheets area's relations: what each sheet holds, loaded for all the sheets of a
//! request level in one statement per relation (a list of 50 sheets costs as many statements as
//! one).

use std::collections::HashMap;
use std::hash::Hash;

use async_graphql::dataloader::Loader;
use diesel_async::AsyncPgConnection;

use crate::auth::scope::Scope;
use crate::error::{SharedError, shared};
use crate::graphql::loaders::{Loaders, every_key};
use crate::timesheets::model::{
    DayTotals, Note, ScheduleEntry, SheetKey, TimeEntry, Timesheet, TimesheetEntry, Transition,
};
use crate::timesheets::queries;

/// Loads rows of many sheets with `query`, and files them under the key `wrap` makes of each
/// row's sheet (every key asked for answers, if only with no rows).
async fn per_sheet<K, T>(
    loaders: &Loaders,
    keys: &[K],
    sheet: impl Fn(&K) -> SheetKey,
    wrap: impl Fn(SheetKey) -> K,
    row_sheet: impl Fn(&T) -> SheetKey,
    query: impl AsyncFnOnce(&mut AsyncPgConnection, &[SheetKey]) -> diesel::QueryResult<Vec<T>>,
) -> Result<HashMap<K, Vec<T>>, SharedError>
where
    K: Copy + Eq + Hash,
{
    let sheets: Vec<SheetKey> = keys.iter().map(&sheet).collect();
    let mut conn = loaders.conn().await?;
    let rows = query(&mut conn, &sheets).await.map_err(shared)?;
    Ok(every_key(
        keys,
        rows.into_iter().map(|row| (wrap(row_sheet(&row)), row)),
    ))
}

/// Declares a key newtype over [`SheetKey`] and its loader of a sheet's rows.
macro_rules! sheet_relation {
    ($(#[$meta:meta])* $key:ident => $row:ty, $query:path, |$r:ident| $row_sheet:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $key(pub SheetKey);

        impl Loader<$key> for Loaders {
            type Value = Vec<$row>;
            type Error = SharedError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Vec<$row>>, Self::Error> {
                per_sheet(self, keys, |key| key.0, $key, |$r: &$row| $row_sheet, $query).await
            }
        }
    };
}

sheet_relation!(
    /// A sheet's reported hours.
    EntriesOf => TimesheetEntry, queries::entries_of,
    |row| SheetKey { employee: row.employee_id, week: row.week }
);
sheet_relation!(
    /// A sheet's planned shifts.
    ShiftsOf => ScheduleEntry, queries::shifts_of,
    |row| SheetKey { employee: row.employee_id, week: row.week }
);
sheet_relation!(
    /// The work sessions started in a sheet's week.
    TimeEntriesOf => TimeEntry, queries::time_entries_of,
    |row| SheetKey { employee: row.sheet_employee, week: row.sheet_week }
);
sheet_relation!(
    /// A sheet's seven days with their totals.
    DaysOf => DayTotals, queries::days_of,
    |row| SheetKey { employee: row.employee_id, week: row.week }
);
sheet_relation!(
    /// A sheet's notes.
    NotesOf => Note, queries::notes_of,
    |row| row.sheet()
);
sheet_relation!(
    /// A sheet's workflow steps.
    TransitionsOf => Transition, queries::transitions_of,
    |row| SheetKey { employee: row.employee_id, week: row.week }
);

impl Loader<SheetKey> for Loaders {
    type Value = Timesheet;
    type Error = SharedError;

    /// Sheets reached through an item the viewer was allowed to read (a note's sheet).
    async fn load(&self, keys: &[SheetKey]) -> Result<HashMap<SheetKey, Timesheet>, Self::Error> {
        let mut conn = self.conn().await?;
        let sheets = queries::sheets(&mut conn, Scope::All, keys)
            .await
            .map_err(shared)?;
        Ok(sheets
            .into_iter()
            .map(|sheet| (sheet.key(), sheet))
            .collect())
    }
}
