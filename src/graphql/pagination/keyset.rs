//! Keyset SQL for a list: the order a list may be sorted in, the row comparison that starts a
//! page after (or before) a cursor, and cursors that remember which order made them.
//!
//! A list declares each of its orders as a [`Keyset`]: the list's and the order's names, a
//! direction and the columns of its sort key, ending with the id
//! (`Keyset::ascending("users", "USERNAME").by(users::username).by(users::id)`). Its query function then calls [`Keyset::page_of`] on the filtered, boxed
//! query, which adds `WHERE (username, id) > ($1, $2)` for the cursor (in one row comparison,
//! which PostgreSQL answers from a matching index), `ORDER BY` in the page's direction and the
//! limit. The resolver reads the arguments with [`PageArgs::page_in`], which refuses a cursor
//! made under another order (or for another list) as BAD_USER_INPUT on `after`/`before`, and
//! builds the connection with [`Keyset::key`] for each node.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::expression::{AppearsOnTable, Expression, ValidGrouping, is_aggregate};
use diesel::pg::Pg;
use diesel::query_builder::{
    AstPass, BoxedSelectStatement, BoxedSqlQuery, FromClause, QueryFragment, QueryId, SqlQuery,
};
use diesel::query_dsl::methods::{FilterDsl, LimitDsl, OrderDsl};
use diesel::sql_types::{BigInt, Bool, Date, Nullable, Text, Timestamptz};
use diesel::{QueryResult, QuerySource};
use serde_json::Value;

use super::{CursorKey, Page, PageArgs};
use crate::error::{AppError, AppResult};

/// A column's part of a sort key, read from a row or a cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortValue {
    Int(i64),
    Text(String),
    Time(DateTime<Utc>),
    Date(NaiveDate),
}

impl From<i64> for SortValue {
    fn from(value: i64) -> Self {
        Self::Int(value)
    }
}

impl From<String> for SortValue {
    fn from(value: String) -> Self {
        Self::Text(value)
    }
}

impl From<NaiveDate> for SortValue {
    fn from(value: NaiveDate) -> Self {
        Self::Date(value)
    }
}

impl From<DateTime<Utc>> for SortValue {
    fn from(value: DateTime<Utc>) -> Self {
        Self::Time(value)
    }
}

/// The SQL type of a sort column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Text,
    Time,
    Date,
}

/// SQL types a sort key column may have.
pub trait SortType {
    const KIND: Kind;
}

impl SortType for BigInt {
    const KIND: Kind = Kind::Int;
}

impl SortType for Text {
    const KIND: Kind = Kind::Text;
}

impl SortType for Timestamptz {
    const KIND: Kind = Kind::Time;
}

impl SortType for Date {
    const KIND: Kind = Kind::Date;
}

impl<T: SortType + diesel::sql_types::SqlType> SortType for Nullable<T> {
    const KIND: Kind = T::KIND;
}

/// The sort key of one row under one order: what a cursor holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    list: &'static str,
    order: &'static str,
    values: Vec<SortValue>,
}

impl SortKey {
    /// The key's values, in column order.
    pub fn values(&self) -> &[SortValue] {
        &self.values
    }
}

/// A sort key as read back from a cursor: the list's and order's names and the values, not yet
/// checked against an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawSortKey {
    list: String,
    order: String,
    values: Vec<Value>,
}

impl CursorKey for SortKey {
    fn to_json(&self) -> Value {
        let values = self.values.iter().map(|value| match value {
            SortValue::Int(int) => int.to_json(),
            SortValue::Text(text) => text.to_json(),
            SortValue::Time(time) => time.to_json(),
            SortValue::Date(date) => date.to_json(),
        });
        let names = [Value::from(self.list), Value::from(self.order)];
        Value::Array(names.into_iter().chain(values).collect())
    }

    fn from_json(_: &Value) -> Option<Self> {
        // A key is only ever read back through its order (`Keyset::accept`), which knows the
        // types; `RawSortKey` is what a cursor decodes to.
        None
    }
}

impl CursorKey for RawSortKey {
    fn to_json(&self) -> Value {
        let names = [
            Value::from(self.list.as_str()),
            Value::from(self.order.as_str()),
        ];
        Value::Array(
            names
                .into_iter()
                .chain(self.values.iter().cloned())
                .collect(),
        )
    }

    fn from_json(value: &Value) -> Option<Self> {
        match value.as_array()?.as_slice() {
            [list, order, values @ ..] => Some(Self {
                list: list.as_str()?.to_owned(),
                order: order.as_str()?.to_owned(),
                values: values.to_vec(),
            }),
            _ => None,
        }
    }
}

/// A column of any type, shared between the order and the statements built from it.
type Fragment = Arc<dyn QueryFragment<Pg> + Send + Sync>;

/// One order of a list: the list's and the order's names (kept in every cursor made under
/// it), its direction and the columns of its sort key, which must end with a unique column (the
/// id) and hold no NULL.
pub struct Keyset {
    list: &'static str,
    name: &'static str,
    ascending: bool,
    columns: Vec<(Fragment, Kind)>,
}

impl fmt::Debug for Keyset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyset")
            .field("list", &self.list)
            .field("name", &self.name)
            .field("ascending", &self.ascending)
            .finish_non_exhaustive()
    }
}

impl Keyset {
    /// The order `name` of list `list`, smallest key first.
    pub fn ascending(list: &'static str, name: &'static str) -> Self {
        Self {
            list,
            name,
            ascending: true,
            columns: Vec::new(),
        }
    }

    /// The order `name` of list `list`, largest key first.
    pub fn descending(list: &'static str, name: &'static str) -> Self {
        Self {
            ascending: false,
            ..Self::ascending(list, name)
        }
    }

    /// Adds a column to the key: `bigint` (an id), `text`, `timestamptz` or `date`. A nullable column
    /// is accepted for the rows the list's filter keeps, which must all have a value.
    #[must_use]
    pub fn by<C>(mut self, column: C) -> Self
    where
        C: Expression + QueryFragment<Pg> + Send + Sync + 'static,
        C::SqlType: SortType,
    {
        self.columns
            .push((Arc::new(column), <C::SqlType as SortType>::KIND));
        self
    }

    /// The sort key of a row, from its values in column order.
    pub fn key(&self, values: impl IntoIterator<Item = SortValue>) -> SortKey {
        SortKey {
            list: self.list,
            order: self.name,
            values: values.into_iter().collect(),
        }
    }

    /// The key a cursor holds, if it was made under this order and fits its columns.
    fn accept(&self, raw: RawSortKey) -> Option<SortKey> {
        if raw.list != self.list || raw.order != self.name || raw.values.len() != self.columns.len()
        {
            return None;
        }
        let values = raw
            .values
            .iter()
            .zip(&self.columns)
            .map(|(value, (_, kind))| match kind {
                Kind::Int => i64::from_json(value).map(SortValue::Int),
                Kind::Text => String::from_json(value).map(SortValue::Text),
                Kind::Time => DateTime::<Utc>::from_json(value).map(SortValue::Time),
                Kind::Date => NaiveDate::from_json(value).map(SortValue::Date),
            })
            .collect::<Option<Vec<_>>>()?;
        Some(SortKey {
            list: self.list,
            order: self.name,
            values,
        })
    }

    /// One page of `query` (filtered, boxed, not yet ordered): the rows after (before) the
    /// page's cursor, in the page's direction, at most [`Page::fetch_limit`] of them.
    pub fn page_of<'a, ST, QS, GB>(
        &self,
        query: BoxedSelectStatement<'a, ST, FromClause<QS>, Pg, GB>,
        page: &Page<SortKey>,
    ) -> BoxedSelectStatement<'a, ST, FromClause<QS>, Pg, GB>
    where
        QS: QuerySource,
    {
        // Rows after the cursor in the direction of travel: forward in an ascending order and
        // backward in a descending one both mean "greater".
        let greater = page.is_forward() == self.ascending;
        let columns = || {
            self.columns
                .iter()
                .map(|(column, _)| column.clone())
                .collect()
        };
        let mut query = query;
        if let Some(cursor) = &page.cursor {
            query = FilterDsl::filter(
                query,
                RowComparison {
                    columns: columns(),
                    values: cursor.values.clone(),
                    greater,
                },
            );
        }
        let query = OrderDsl::order(
            query,
            OrderBy {
                columns: columns(),
                ascending: greater,
            },
        );
        LimitDsl::limit(query, page.fetch_limit())
    }
}

impl Keyset {
    /// [`Keyset::page_of`] for a list whose SQL is written by hand (a cross join of employees
    /// and weeks, say): appends to `query`, which ends in a `WHERE` clause and has bound
    /// `bound` parameters (`$1` to `$bound`), the row comparison with the cursor
    /// (`AND (a, b) > ($n, $n+1)`), `ORDER BY` and `LIMIT`. `columns` are the SQL of the key's
    /// columns, in order.
    pub fn page_sql<'f>(
        &self,
        query: BoxedSqlQuery<'f, Pg, SqlQuery>,
        bound: usize,
        columns: &[&str],
        page: &Page<SortKey>,
    ) -> BoxedSqlQuery<'f, Pg, SqlQuery> {
        let greater = page.is_forward() == self.ascending;
        let mut next = bound + 1;
        let mut query = query;
        if let Some(cursor) = &page.cursor {
            let placeholders: Vec<String> = (next..next + cursor.values.len())
                .map(|n| format!("${n}"))
                .collect();
            next += cursor.values.len();
            query = query.sql(format!(
                " AND ({}) {} ({})",
                columns.join(", "),
                if greater { ">" } else { "<" },
                placeholders.join(", ")
            ));
            for value in cursor.values.iter().cloned() {
                query = match value {
                    SortValue::Int(int) => query.bind::<BigInt, _>(int),
                    SortValue::Text(text) => query.bind::<Text, _>(text),
                    SortValue::Time(time) => query.bind::<Timestamptz, _>(time),
                    SortValue::Date(date) => query.bind::<Date, _>(date),
                };
            }
        }
        let direction = if greater { " ASC" } else { " DESC" };
        let order: Vec<String> = columns
            .iter()
            .map(|column| format!("{column}{direction}"))
            .collect();
        query
            .sql(format!(" ORDER BY {} LIMIT ${next}", order.join(", ")))
            .bind::<BigInt, _>(page.fetch_limit())
    }
}

impl PageArgs {
    /// [`PageArgs::page`] for a list sorted by `keyset`: a cursor made under another order, or
    /// for another list, is BAD_USER_INPUT on `after` (or `before`).
    pub fn page_in(self, keyset: &Keyset) -> AppResult<Page<SortKey>> {
        let field = if self.before.is_some() {
            "before"
        } else {
            "after"
        };
        let page = self.page::<RawSortKey>()?;
        let cursor = page
            .cursor
            .map(|raw| {
                keyset.accept(raw).ok_or_else(|| {
                    AppError::bad_input(
                        field,
                        format!(
                            "this cursor was made for another order or list; page from the \
                             start with orderBy {}",
                            keyset.name
                        ),
                    )
                })
            })
            .transpose()?;
        Ok(Page {
            limit: page.limit,
            direction: page.direction,
            cursor,
        })
    }
}

/// `(a, b) > ($1, $2)` (or `<`): the rows past a cursor, in one row comparison.
struct RowComparison {
    columns: Vec<Fragment>,
    values: Vec<SortValue>,
    greater: bool,
}

/// `a ASC, b ASC` (or `DESC`).
struct OrderBy {
    columns: Vec<Fragment>,
    ascending: bool,
}

impl QueryFragment<Pg> for RowComparison {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("(");
        for (i, column) in self.columns.iter().enumerate() {
            if i > 0 {
                out.push_sql(", ");
            }
            column.walk_ast(out.reborrow())?;
        }
        out.push_sql(if self.greater { ") > (" } else { ") < (" });
        for (i, value) in self.values.iter().enumerate() {
            if i > 0 {
                out.push_sql(", ");
            }
            match value {
                SortValue::Int(int) => out.push_bind_param::<BigInt, _>(int)?,
                SortValue::Text(text) => out.push_bind_param::<Text, _>(text)?,
                SortValue::Time(time) => out.push_bind_param::<Timestamptz, _>(time)?,
                SortValue::Date(date) => out.push_bind_param::<Date, _>(date)?,
            }
        }
        out.push_sql(")");
        Ok(())
    }
}

impl QueryFragment<Pg> for OrderBy {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        for (i, column) in self.columns.iter().enumerate() {
            if i > 0 {
                out.push_sql(", ");
            }
            column.walk_ast(out.reborrow())?;
            out.push_sql(if self.ascending { " ASC" } else { " DESC" });
        }
        Ok(())
    }
}

/// Both are SQL the keyset writes for a query of its own list; diesel's type checks of tables
/// and aggregates do not see through the boxed columns, so they are declared here.
macro_rules! keyset_expression {
    ($($name:ident),+) => {$(
        impl Expression for $name {
            type SqlType = Bool;
        }

        impl<QS> AppearsOnTable<QS> for $name {}

        impl ValidGrouping<()> for $name {
            type IsAggregate = is_aggregate::Never;
        }

        impl QueryId for $name {
            type QueryId = ();
            const HAS_STATIC_QUERY_ID: bool = false;
        }
    )+};
}

keyset_expression!(RowComparison, OrderBy);

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use diesel::debug_query;
    use diesel::prelude::*;

    use super::*;
    use crate::db::schema::users;
    use crate::graphql::pagination::Cursor;

    fn by_name() -> Keyset {
        Keyset::ascending("users", "NAME")
            .by(users::name)
            .by(users::id)
    }

    fn args(after: Option<String>) -> PageArgs {
        PageArgs {
            first: Some(2),
            after,
            ..PageArgs::default()
        }
    }

    #[test]
    fn a_cursor_is_taken_back_by_its_own_order_only() {
        let keyset = by_name();
        let key = keyset.key(["Zoë".to_owned().into(), 7_i64.into()]);
        let text = Cursor(key.clone()).encode();
        let page = args(Some(text.clone()))
            .page_in(&keyset)
            .expect("its own order");
        assert_eq!(page.cursor, Some(key));

        let newest = Keyset::descending("users", "NEWEST")
            .by(users::created_at)
            .by(users::id);
        let refused = args(Some(text.clone()))
            .page_in(&newest)
            .expect_err("another order");
        assert!(matches!(refused, AppError::BadInput { field: Some(ref f), .. } if f == "after"));
        let other_list = Keyset::ascending("employees", "NAME")
            .by(users::name)
            .by(users::id);
        assert!(args(Some(text)).page_in(&other_list).is_err());

        let at = Utc
            .with_ymd_and_hms(2026, 12, 1, 8, 0, 0)
            .single()
            .expect("a time");
        let time_key = newest.key([at.into(), 3_i64.into()]);
        let page = args(Some(Cursor(time_key.clone()).encode()))
            .page_in(&newest)
            .expect("its own order");
        assert_eq!(page.cursor, Some(time_key));
    }

    #[test]
    fn the_page_is_one_row_comparison_in_the_page_direction() {
        let keyset = by_name();
        let key = keyset.key(["Ann".to_owned().into(), 7_i64.into()]);
        let page = args(Some(Cursor(key).encode()))
            .page_in(&keyset)
            .expect("page");
        let query = keyset
            .page_of(users::table.into_boxed(), &page)
            .select(users::id);
        let sql = debug_query::<diesel::pg::Pg, _>(&query).to_string();
        assert!(
            sql.contains(r#"WHERE ("users"."name", "users"."id") > ($1, $2)"#),
            "{sql}"
        );
        assert!(
            sql.contains(r#"ORDER BY "users"."name" ASC, "users"."id" ASC LIMIT $3"#),
            "{sql}"
        );

        let backward = PageArgs {
            last: Some(2),
            before: Some(Cursor(by_name().key(["Ann".to_owned().into(), 7_i64.into()])).encode()),
            ..PageArgs::default()
        }
        .page_in(&keyset)
        .expect("page");
        let query = keyset
            .page_of(users::table.into_boxed(), &backward)
            .select(users::id);
        let sql = debug_query::<diesel::pg::Pg, _>(&query).to_string();
        assert!(sql.contains(") < ($1, $2)"), "{sql}");
        assert!(sql.contains(r#""users"."id" DESC"#), "{sql}");
    }
}
