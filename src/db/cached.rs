//! Statements that stay prepared.
//!
//! diesel-async prepares a statement once per connection and runs it again by name, except a
//! statement holding literal SQL (`dsl::sql`, `sql_query`) or an `UPDATE`: diesel marks those
//! as not to be kept, since one Rust type may stand for different text from run to run. Such a
//! statement is prepared anew on every run: a `Parse` round trip, a fresh parse and plan in
//! PostgreSQL, then the run. [`Fragment`] and [`Cached`] keep them prepared. Their key in the
//! connection's statement cache is the statement's text (with its binds' types), not a Rust
//! type, so the same text is prepared once and different texts never mix: use them only for
//! text from a fixed set, never with a value written into it (a value is a bind).
//!
//! [`Cached`] overrides `QueryFragment::is_safe_to_cache_prepared`, which diesel opens to other
//! crates under the feature `i-implement-a-third-party-backend-and-opt-into-breaking-changes`
//! (diesel-async turns it on; `Cargo.toml` names it too).

use std::marker::PhantomData;

use diesel::expression::{
    AppearsOnTable, Expression, SelectableExpression, TypedExpressionType, ValidGrouping,
    is_aggregate,
};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::result::QueryResult;
use diesel::sql_types::Bool;

/// A piece of SQL text of type `ST`, like `dsl::sql` but keeping its statement prepared.
#[derive(Debug)]
pub struct Fragment<ST> {
    sql: &'static str,
    sql_type: PhantomData<fn() -> ST>,
}

impl<ST> Clone for Fragment<ST> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<ST> Copy for Fragment<ST> {}

/// `sql`, of type `ST`, as an expression (see the module documentation).
pub const fn fragment<ST>(sql: &'static str) -> Fragment<ST> {
    Fragment {
        sql,
        sql_type: PhantomData,
    }
}

/// The condition that holds for every row.
pub const TRUE: Fragment<Bool> = fragment("TRUE");

impl<ST: TypedExpressionType> Expression for Fragment<ST> {
    type SqlType = ST;
}

impl<ST> QueryFragment<Pg> for Fragment<ST> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(self.sql);
        Ok(())
    }
}

impl<ST> QueryId for Fragment<ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<QS, ST: TypedExpressionType> AppearsOnTable<QS> for Fragment<ST> {}

impl<QS, ST: TypedExpressionType> SelectableExpression<QS> for Fragment<ST> {}

impl<GB, ST> ValidGrouping<GB> for Fragment<ST> {
    type IsAggregate = is_aggregate::Never;
}

/// A statement run as a prepared one that is kept (see the module documentation): an
/// `sql_query` with text from a fixed set, or an `UPDATE`.
#[derive(Debug, Clone, Copy)]
pub struct Cached<Q>(pub Q);

impl<Q> QueryId for Cached<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Cached<Q> {
    type SqlType = Q::SqlType;
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Cached<Q> {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(out)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &Pg) -> QueryResult<bool> {
        Ok(true)
    }
}
