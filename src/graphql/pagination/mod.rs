//! Relay connections: how every list of the API is paged.
//!
//! A list field takes `first`/`after` (page forward) or `last`/`before` (page backward) and
//! answers a `<Node>Connection` with `edges { cursor node }`, `nodes`, `pageInfo` and
//! `totalCount`. Writing one takes four pieces, all from this module:
//!
//! 1. Each order of the list is a [`Keyset`]: the list's name, the order's (the
//!    `<Plural>Order` enum value), its direction and the columns of its sort key, ending with
//!    the id.
//! 2. The resolver turns the four arguments into a [`Page`] with [`PageArgs::page_in`] (which
//!    refuses bad sizes, garbage cursors and cursors made under another order with
//!    `BAD_USER_INPUT` naming the argument), and declares its cost with
//!    [`connection_complexity`].
//! 3. A query function in the area's `queries.rs` builds the filtered query (scoped to the
//!    viewer), boxes it and hands it to [`Keyset::page_of`], which adds the keyset comparison
//!    (`(created_at, id) > ($1, $2)`, never an `OFFSET`: pages stay fast and stable while rows
//!    are inserted), the order in the page's direction and the limit ([`Page::fetch_limit`],
//!    one more row than the page).
//! 4. [`Page::connection`] trims the extra row (that is how `hasNextPage`/`hasPreviousPage` are
//!    known without a second query), puts a backward page back in list order and builds the
//!    connection, with the cursor of each node made by [`Keyset::key`].
//! 5. The count goes into a [`TotalCount`] as a closure. It runs only if the client selects
//!    `totalCount`: a `count(*)` over a large list costs as much as the page itself, and most
//!    screens don't show it.
//!
//! ```ignore
//! fn keyset(order: EmployeesOrder) -> Keyset {
//!     match order {
//!         EmployeesOrder::Name => Keyset::ascending("employees", "NAME").by(employees::name).by(employees::id),
//!         EmployeesOrder::Newest => Keyset::descending("employees", "NEWEST").by(employees::created_at).by(employees::id),
//!     }
//! }
//! // queries.rs
//! pub async fn employees(conn: &mut AsyncPgConnection, scope: Scope, filter: &EmployeeFilter,
//!                        keyset: &Keyset, page: &Page<SortKey>) -> QueryResult<Vec<Employee>> {
//!     keyset.page_of(filtered(scope, filter).into_boxed(), page).select(Employee::as_select()).load(conn).await
//! }
//! // the resolver
//! let keyset = keyset(order_by.unwrap_or_default());
//! let page = PageArgs { first, after, last, before }.page_in(&keyset)?;
//! let rows = queries::employees(&mut ctx.conn().await?, scope, &filter, &keyset, &page).await.map_err(AppError::from)?;
//! let total = TotalCount::query(pool, move |mut conn| /* count with the same scope and filter */);
//! Ok(page.connection(rows, |e| keyset.key([e.name.clone().into(), e.id.0.into()]), total))
//! ```
//!
//! Rules for a sort key:
//! - It must be unique over the list, so it always ends with the id: `(created_at, id)`,
//!   `(last_name, id)`, `id`. With a key that can repeat, rows sharing it are skipped or shown
//!   twice at page boundaries.
//! - Its columns are NOT NULL, and an index on them (in order) makes every page an index scan.
//!
//! Cursors are `base64url(v1:<compact JSON of the key>)`. They are opaque to clients but not
//! secret, and not signed: a client may craft one. That is harmless by construction: a decoded
//! cursor is only ever a typed key (integers, strings, instants) handed to the query as bind
//! parameters of the keyset comparison, never spliced into SQL, and the rows a viewer may see
//! are fixed by the query's own `WHERE` (authorization is scoped in SQL), so a forged or foreign
//! cursor can only move the page's starting point within what the viewer may see anyway.
//! Decoding is strict (size bound, exact version, exact shape, and the text must be the one
//! encoding of its key), so garbage is refused as `invalid cursor` rather than half-understood.
//!
//! Connection and edge types are named after the node (`EmployeeConnection`,
//! `EmployeeEdge`) and always carry [`TotalCount`], so every list of one node type shares one
//! connection type. [`ListConnection`] describes both types in the schema, naming the node.

use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;

use async_graphql::connection::{Connection, CursorType, Edge, EmptyFields};
use async_graphql::parser::types::Field;
use async_graphql::registry::{MetaType, Registry};
use async_graphql::{
    ContainerType, Context, ContextSelectionSet, Object, OutputType, Positioned, ServerResult,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{NaiveDate, Utc};
use diesel::QueryResult;
use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use serde_json::Value;
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::db::{DbConn, Pool};
use crate::error::{AppError, AppResult};

mod keyset;
mod nodes;
pub use keyset::{Keyset, SortKey, SortValue};

/// Page size when the client gives neither `first` nor `last`.
pub const DEFAULT_PAGE_SIZE: usize = 20;
/// Largest page a client may ask for.
pub const MAX_PAGE_SIZE: usize = 100;
/// Longest cursor text accepted. Keys are short (ids, instants, names); the bound keeps a
/// client from making the server decode megabytes.
pub const MAX_CURSOR_LEN: usize = 2048;
/// Prefix of the decoded cursor, so the format can change without misreading old cursors.
const CURSOR_VERSION: &[u8] = b"v1:";

/// The pagination arguments of a list field, as the client gave them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// Which way a page goes from its cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `first`/`after`: the rows after the cursor, in list order.
    Forward,
    /// `last`/`before`: the rows before the cursor; fetched in reverse list order.
    Backward,
}

/// A validated page request over a list sorted by `K`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<K> {
    /// How many rows the page shows (0 to [`MAX_PAGE_SIZE`]).
    pub limit: usize,
    pub direction: Direction,
    /// The key of the row the page starts after (forward) or ends before (backward).
    pub cursor: Option<K>,
}

impl PageArgs {
    /// Checks the arguments: sizes from 0 to [`MAX_PAGE_SIZE`] (default
    /// [`DEFAULT_PAGE_SIZE`]), one direction only (`first`/`after` or `last`/`before`), and
    /// cursors that decode to a `K`. Errors are `BAD_USER_INPUT` naming the argument.
    pub fn page<K: CursorKey>(self) -> AppResult<Page<K>> {
        let first = page_size("first", self.first)?;
        let last = page_size("last", self.last)?;
        if first.is_some() && last.is_some() {
            return Err(AppError::bad_input(
                "last",
                "use either first or last, not both",
            ));
        }
        if self.after.is_some() && self.before.is_some() {
            return Err(AppError::bad_input(
                "before",
                "use either after or before, not both",
            ));
        }
        if first.is_some() && self.before.is_some() {
            return Err(AppError::bad_input(
                "before",
                "before pages backward: use it with last, not first",
            ));
        }
        if last.is_some() && self.after.is_some() {
            return Err(AppError::bad_input(
                "after",
                "after pages forward: use it with first, not last",
            ));
        }
        let (direction, size, cursor, field) = if last.is_some() || self.before.is_some() {
            (Direction::Backward, last, self.before, "before")
        } else {
            (Direction::Forward, first, self.after, "after")
        };
        let cursor = cursor
            .map(|text| {
                Cursor::<K>::decode(&text)
                    .map(|cursor| cursor.0)
                    .map_err(|_| AppError::bad_input(field, "invalid cursor"))
            })
            .transpose()?;
        Ok(Page {
            limit: size.unwrap_or(DEFAULT_PAGE_SIZE),
            direction,
            cursor,
        })
    }
}

fn page_size(field: &str, value: Option<i32>) -> AppResult<Option<usize>> {
    let Some(value) = value else {
        return Ok(None);
    };
    let size = usize::try_from(value)
        .map_err(|_| AppError::bad_input(field, format!("{field} must not be negative")))?;
    if size > MAX_PAGE_SIZE {
        return Err(AppError::bad_input(
            field,
            format!("{field} must be at most {MAX_PAGE_SIZE}"),
        ));
    }
    Ok(Some(size))
}

/// The rows of a page in list order, with what lies beyond them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window<T> {
    pub rows: Vec<T>,
    pub has_previous_page: bool,
    pub has_next_page: bool,
}

impl<K> Page<K> {
    /// How many rows the query should fetch: one more than the page, which tells whether
    /// another page follows. An `i64`, as diesel's `.limit()` wants.
    pub fn fetch_limit(&self) -> i64 {
        // MAX_PAGE_SIZE + 1 always fits.
        i64::try_from(self.limit).map_or(i64::MAX, |limit| limit.saturating_add(1))
    }

    /// Whether the page goes forward (`first`/`after`).
    pub fn is_forward(&self) -> bool {
        self.direction == Direction::Forward
    }

    /// Cuts the fetched rows (up to [`Page::fetch_limit`], in the page's direction) to the page
    /// and puts them in list order.
    ///
    /// The extra row says whether more lie in the page's direction. Towards the cursor, there is
    /// more exactly when there is a cursor: it was handed out for a row on the other side. (That
    /// row may have been deleted since, so the page beyond can come back empty; the Relay spec
    /// allows this cheap answer.)
    pub fn window<T>(&self, mut rows: Vec<T>) -> Window<T> {
        let more = rows.len() > self.limit;
        rows.truncate(self.limit);
        let has_cursor = self.cursor.is_some();
        match self.direction {
            Direction::Forward => Window {
                rows,
                has_previous_page: has_cursor,
                has_next_page: more,
            },
            Direction::Backward => {
                rows.reverse();
                Window {
                    rows,
                    has_previous_page: more,
                    has_next_page: has_cursor,
                }
            }
        }
    }
}

/// The connection every list field answers: `edges`, `nodes`, `pageInfo` and `totalCount`.
///
/// It is async-graphql's [`Connection`], which has no way to describe its type: the schema
/// would show `<Node>Connection` undocumented and `<Node>Edge` as "An edge in a connection.".
/// This wrapper answers what the connection answers, and when the schema is built it gives
/// both types a description naming the node ([`ListConnection::DESCRIPTION`],
/// [`ListConnection::EDGE_DESCRIPTION`]). It resolves the connection's fields and its `nodes`
/// itself when their selections are plain, without async-graphql's per-field futures (see
/// [`nodes`]): a page's objects are most of a nested read's work.
pub struct ListConnection<K: CursorKey, N: OutputType>(Connection<Cursor<K>, N, TotalCount>);

impl<K: CursorKey, N: OutputType> ListConnection<K, N> {
    /// The description of `<Node>Connection`; `{node}` stands for the node's type name.
    pub const DESCRIPTION: &'static str = "A page of a list of `{node}`: the items (`nodes`, or \
        `edges` to have each one's cursor),\nwhere the page stands (`pageInfo`) and how many \
        items the whole list holds (`totalCount`).\nFor the next page, pass `first` and \
        `after: pageInfo.endCursor`; for the previous one,\n`last` and \
        `before: pageInfo.startCursor`.";

    /// The description of `<Node>Edge`; `{node}` stands for the node's type name.
    pub const EDGE_DESCRIPTION: &'static str = "One `{node}` of a page, and its cursor: pass the \
        cursor as `after` (or `before`)\nto page on from this item.";
}

impl<K: CursorKey, N: ContainerType> OutputType for ListConnection<K, N> {
    fn type_name() -> Cow<'static, str> {
        <Connection<Cursor<K>, N, TotalCount> as OutputType>::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        let name = <Connection<Cursor<K>, N, TotalCount> as OutputType>::create_type_info(registry);
        let node = N::type_name();
        // The connection registered its edge type with it. Describing again when the types
        // are met again is harmless: the text is the same.
        describe(registry, &Self::type_name(), Self::DESCRIPTION, &node);
        let edge = <Edge<Cursor<K>, N, EmptyFields> as OutputType>::type_name();
        describe(registry, &edge, Self::EDGE_DESCRIPTION, &node);
        name
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<async_graphql::Value> {
        match nodes::plain_fields(ctx.item) {
            Some(fields) => Ok(nodes::resolve_object(ctx, &fields, self).await),
            None => self.0.resolve(ctx, field).await,
        }
    }
}

impl<K: CursorKey, N: ContainerType> ContainerType for ListConnection<K, N> {
    /// One field of the connection: `nodes` with a plain selection by [`nodes`], the rest by
    /// the connection itself.
    async fn resolve_field(&self, ctx: &Context<'_>) -> ServerResult<Option<async_graphql::Value>> {
        let field = &ctx.item.node;
        if field.name.node == "nodes"
            && let Some(fields) = nodes::plain_fields(&field.selection_set)
        {
            let set = ctx.with_selection_set(&field.selection_set);
            let nodes = self.0.edges.iter().map(|edge| &edge.node);
            return Ok(Some(nodes::resolve_objects(&set, &fields, nodes).await));
        }
        self.0.resolve_field(ctx).await
    }
}

/// Sets the description of the object type `name` in `registry`, with `{node}` in `text`
/// replaced by `node`. (The registry is the one `OutputType::create_type_info` hands every
/// type; `schema.graphql`'s lint test notices if a new async-graphql stops this from working.)
fn describe(registry: &mut Registry, name: &str, text: &str, node: &str) {
    if let Some(MetaType::Object { description, .. }) = registry.types.get_mut(name) {
        *description = Some(text.replace("{node}", node));
    }
}

impl<K: CursorKey> Page<K> {
    /// Builds the connection from the fetched rows (see [`Page::window`]); `key` gives the sort
    /// key of a node, from which its cursor is made.
    pub fn connection<N: OutputType>(
        &self,
        rows: Vec<N>,
        key: impl Fn(&N) -> K,
        total: TotalCount,
    ) -> ListConnection<K, N> {
        let window = self.window(rows);
        let mut connection = Connection::with_additional_fields(
            window.has_previous_page,
            window.has_next_page,
            total,
        );
        connection.edges = window
            .rows
            .into_iter()
            .map(|node| Edge::new(Cursor(key(&node)), node))
            .collect();
        ListConnection(connection)
    }
}

/// The cost of a list field for the schema's complexity limit: its selection once per row of
/// the largest page it may answer, plus one for the field itself.
///
/// Sizes are clamped to 0..=[`MAX_PAGE_SIZE`] so that `first: 1000` is not refused here as "too
/// complex" but by the resolver, as a `BAD_USER_INPUT` naming `first`. Use it as
/// `#[graphql(complexity = "connection_complexity(first, last, child_complexity)")]`.
pub fn connection_complexity(first: Option<i32>, last: Option<i32>, child: usize) -> usize {
    let size = first.max(last).map_or(DEFAULT_PAGE_SIZE, |size| {
        usize::try_from(size).unwrap_or(0).min(MAX_PAGE_SIZE)
    });
    size.saturating_mul(child).saturating_add(1)
}

type CountFn = dyn Fn() -> BoxFuture<'static, AppResult<i64>> + Send + Sync;

/// The `totalCount` of a connection: a count that runs only if the client selects it, at most
/// once per connection (an aliased second selection reuses it).
pub struct TotalCount {
    count: Box<CountFn>,
    total: OnceCell<i32>,
}

impl TotalCount {
    /// A count made by `count` when asked for. The future must own what it needs (clone the
    /// `Arc<App>` and the filter values into it): it outlives the resolver that made it.
    pub fn new<F, Fut>(count: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = AppResult<i64>> + Send + 'static,
    {
        Self {
            count: Box::new(move || count().boxed()),
            total: OnceCell::new(),
        }
    }

    /// A count made by a query on a connection from `pool`, when asked for: the common case,
    /// `TotalCount::query(pool, move |mut conn| async move { count(&mut conn, ...).await })`.
    pub fn query<F, Fut>(pool: Pool, count: F) -> Self
    where
        F: Fn(DbConn) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = QueryResult<i64>> + Send + 'static,
    {
        let count = Arc::new(count);
        Self::new(move || {
            let (pool, count) = (pool.clone(), count.clone());
            async move { Ok(count(pool.get().await?).await?) }
        })
    }

    /// A count already known, e.g. for a list that is not read from the database.
    pub fn known(total: i64) -> Self {
        Self::new(move || std::future::ready(Ok(total)))
    }
}

impl std::fmt::Debug for TotalCount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotalCount")
            .field("total", &self.total.get())
            .finish_non_exhaustive()
    }
}

#[Object]
impl TotalCount {
    /// How many items the whole list holds, all pages together. Counting costs the server an
    /// extra query: select it only where you show it.
    async fn total_count(&self) -> async_graphql::Result<i32> {
        let total = self
            .total
            .get_or_try_init(|| async {
                // More than 2^31 rows cannot happen here; saturate rather than fail.
                (self.count)()
                    .await
                    .map(|total| i32::try_from(total.max(0)).unwrap_or(i32::MAX))
            })
            .await?;
        Ok(*total)
    }
}

/// An opaque cursor: the sort key of a row, encoded as described in the module documentation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cursor<K>(pub K);

/// A cursor text that is not the encoding of a key of the expected shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid cursor")]
pub struct InvalidCursor;

impl<K: CursorKey> Cursor<K> {
    /// The cursor text given to clients.
    pub fn encode(&self) -> String {
        let json = self.0.to_json().to_string();
        let mut bytes = Vec::with_capacity(CURSOR_VERSION.len() + json.len());
        bytes.extend_from_slice(CURSOR_VERSION);
        bytes.extend_from_slice(json.as_bytes());
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Reads a cursor text back. Only the exact text [`Cursor::encode`] makes for some key is
    /// accepted: no padding, no other alphabet, no extra whitespace or fields, no other version.
    pub fn decode(text: &str) -> Result<Self, InvalidCursor> {
        if text.is_empty() || text.len() > MAX_CURSOR_LEN {
            return Err(InvalidCursor);
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| InvalidCursor)?;
        let json = bytes.strip_prefix(CURSOR_VERSION).ok_or(InvalidCursor)?;
        let value: Value = serde_json::from_slice(json).map_err(|_| InvalidCursor)?;
        let cursor = Self(K::from_json(&value).ok_or(InvalidCursor)?);
        // One key, one text: anything else was not made by us.
        if cursor.encode() != text {
            return Err(InvalidCursor);
        }
        Ok(cursor)
    }
}

impl<K: CursorKey> CursorType for Cursor<K> {
    type Error = InvalidCursor;

    fn decode_cursor(text: &str) -> Result<Self, Self::Error> {
        Self::decode(text)
    }

    fn encode_cursor(&self) -> String {
        self.encode()
    }
}

/// A sort key a cursor can hold. Implementations map a key to compact JSON and back, and must
/// be exact: `from_json(&k.to_json())` is `k` (up to the precision the database keeps).
pub trait CursorKey: Sized + Send + Sync {
    /// The key as JSON.
    fn to_json(&self) -> Value;
    /// The key read back, or `None` when `value` is not the JSON of a key of this type.
    fn from_json(value: &Value) -> Option<Self>;
}

impl CursorKey for i64 {
    fn to_json(&self) -> Value {
        Value::from(*self)
    }

    fn from_json(value: &Value) -> Option<Self> {
        value.as_i64()
    }
}

impl CursorKey for i32 {
    fn to_json(&self) -> Value {
        Value::from(*self)
    }

    fn from_json(value: &Value) -> Option<Self> {
        value.as_i64().and_then(|value| i32::try_from(value).ok())
    }
}

impl CursorKey for String {
    fn to_json(&self) -> Value {
        Value::from(self.as_str())
    }

    fn from_json(value: &Value) -> Option<Self> {
        value.as_str().map(str::to_owned)
    }
}

/// Microseconds since the Unix epoch: compact, and exactly PostgreSQL's `timestamptz`
/// precision (finer digits are dropped).
impl CursorKey for chrono::DateTime<Utc> {
    fn to_json(&self) -> Value {
        Value::from(self.timestamp_micros())
    }

    fn from_json(value: &Value) -> Option<Self> {
        Self::from_timestamp_micros(value.as_i64()?)
    }
}

/// `YYYY-MM-DD`.
impl CursorKey for NaiveDate {
    fn to_json(&self) -> Value {
        Value::from(self.to_string())
    }

    fn from_json(value: &Value) -> Option<Self> {
        value.as_str()?.parse().ok()
    }
}

impl CursorKey for Uuid {
    fn to_json(&self) -> Value {
        Value::from(self.to_string())
    }

    fn from_json(value: &Value) -> Option<Self> {
        Uuid::parse_str(value.as_str()?).ok()
    }
}

impl<A: CursorKey, B: CursorKey> CursorKey for (A, B) {
    fn to_json(&self) -> Value {
        Value::Array(vec![self.0.to_json(), self.1.to_json()])
    }

    fn from_json(value: &Value) -> Option<Self> {
        match value.as_array()?.as_slice() {
            [a, b] => Some((A::from_json(a)?, B::from_json(b)?)),
            _ => None,
        }
    }
}

impl<A: CursorKey, B: CursorKey, C: CursorKey> CursorKey for (A, B, C) {
    fn to_json(&self) -> Value {
        Value::Array(vec![self.0.to_json(), self.1.to_json(), self.2.to_json()])
    }

    fn from_json(value: &Value) -> Option<Self> {
        match value.as_array()?.as_slice() {
            [a, b, c] => Some((A::from_json(a)?, B::from_json(b)?, C::from_json(c)?)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use async_graphql::{EmptyMutation, EmptySubscription, Schema, SimpleObject};
    use chrono::TimeZone;

    use super::*;
    use crate::error::ErrorCode;

    fn args(first: Option<i32>, last: Option<i32>) -> PageArgs {
        PageArgs {
            first,
            last,
            ..PageArgs::default()
        }
    }

    /// The field and code of an input error.
    fn bad_field(result: AppResult<Page<i64>>) -> String {
        match result {
            Err(err @ AppError::BadInput { .. }) => {
                assert_eq!(err.code(), ErrorCode::BadUserInput);
                let AppError::BadInput { field, .. } = err else {
                    unreachable!()
                };
                field.expect("names a field")
            }
            other => panic!("expected an input error, got {other:?}"),
        }
    }

    fn encoded<K: CursorKey>(key: K) -> String {
        Cursor(key).encode()
    }

    #[test]
    fn defaults_to_twenty_forward() {
        let page = PageArgs::default().page::<i64>().expect("valid");
        assert_eq!(
            page,
            Page {
                limit: DEFAULT_PAGE_SIZE,
                direction: Direction::Forward,
                cursor: None
            }
        );
        assert_eq!(page.fetch_limit(), 21);

        let before = PageArgs {
            before: Some(encoded(7_i64)),
            ..PageArgs::default()
        };
        let page = before.page::<i64>().expect("valid");
        assert_eq!(page.direction, Direction::Backward);
        assert_eq!(page.limit, DEFAULT_PAGE_SIZE);
        assert_eq!(page.cursor, Some(7));
    }

    #[test]
    fn page_sizes() {
        assert_eq!(args(Some(0), None).page::<i64>().expect("0").limit, 0);
        assert_eq!(
            args(Some(0), None).page::<i64>().expect("0").fetch_limit(),
            1
        );
        assert_eq!(args(Some(100), None).page::<i64>().expect("100").limit, 100);
        let last = args(None, Some(100)).page::<i64>().expect("100");
        assert_eq!((last.limit, last.direction), (100, Direction::Backward));

        assert_eq!(bad_field(args(Some(101), None).page()), "first");
        assert_eq!(bad_field(args(None, Some(101)).page()), "last");
        assert_eq!(bad_field(args(Some(-1), None).page()), "first");
        assert_eq!(bad_field(args(None, Some(i32::MIN)).page()), "last");
        assert_eq!(bad_field(args(Some(i32::MAX), None).page()), "first");
    }

    #[test]
    fn one_direction_at_a_time() {
        assert_eq!(bad_field(args(Some(1), Some(1)).page()), "last");
        let both_cursors = PageArgs {
            after: Some(encoded(1_i64)),
            before: Some(encoded(2_i64)),
            ..PageArgs::default()
        };
        assert_eq!(bad_field(both_cursors.page()), "before");
        let first_before = PageArgs {
            before: Some(encoded(1_i64)),
            ..args(Some(5), None)
        };
        assert_eq!(bad_field(first_before.page()), "before");
        let last_after = PageArgs {
            after: Some(encoded(1_i64)),
            ..args(None, Some(5))
        };
        assert_eq!(bad_field(last_after.page()), "after");
    }

    #[test]
    fn cursors_round_trip_for_each_key_shape() {
        fn round_trip<K: CursorKey + std::fmt::Debug + PartialEq + Clone>(key: K) {
            let text = encoded(key.clone());
            assert!(
                text.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{text} is URL-safe"
            );
            assert_eq!(Cursor::<K>::decode(&text), Ok(Cursor(key)));
        }
        let at = Utc
            .with_ymd_and_hms(2026, 11, 22, 8, 30, 0)
            .single()
            .expect("a valid instant")
            + chrono::Duration::microseconds(123_456);
        round_trip(42_i64);
        round_trip(-1_i64);
        round_trip(i64::MAX);
        round_trip(7_i32);
        round_trip("Zoë \"O'Brien\" \\ 漢字".to_owned());
        round_trip(at);
        round_trip((at, 42_i64));
        round_trip(("Müller".to_owned(), 9_i64));
        round_trip((
            NaiveDate::from_ymd_opt(2026, 2, 28).expect("a date"),
            Uuid::from_u128(0x1234),
            3_i64,
        ));

        // The format is what the module documentation promises.
        let text = encoded((at, 42_i64));
        let plain = URL_SAFE_NO_PAD.decode(&text).expect("base64url");
        assert_eq!(
            plain,
            format!("v1:[{},42]", at.timestamp_micros()).as_bytes()
        );

        let page = PageArgs {
            after: Some(text),
            ..args(Some(10), None)
        };
        let page = page.page::<(chrono::DateTime<Utc>, i64)>().expect("valid");
        assert_eq!(page.cursor, Some((at, 42)));
    }

    #[test]
    fn garbage_and_altered_cursors_are_refused() {
        let b64 = |plain: &str| URL_SAFE_NO_PAD.encode(plain);
        let good = encoded((5_i64, 6_i64));
        let refused = [
            String::new(),
            "not a cursor!".to_owned(),
            "42".to_owned(),
            format!("{good}="),
            format!("{good}A"),
            good.replace('-', "+").replace('_', "/") + "+",
            base64::engine::general_purpose::STANDARD.encode("v1:[5,6]") + "==",
            b64("[5,6]"),
            b64("v2:[5,6]"),
            b64("v1:[5, 6]"),
            b64("v1: [5,6]"),
            b64("v1:[5,6,7]"),
            b64("v1:[5]"),
            b64("v1:[5.0,6]"),
            b64("v1:[\"5\",6]"),
            b64("v1:[5,6]x"),
            b64("v1:{\"a\":5}"),
            b64("v1:[5,99999999999999999999]"),
            b64(&format!("v1:[{},6]", "[".repeat(5000))),
            "A".repeat(MAX_CURSOR_LEN + 4),
        ];
        for text in &refused {
            assert_eq!(
                Cursor::<(i64, i64)>::decode(text),
                Err(InvalidCursor),
                "{text}"
            );
        }
        assert!(Cursor::<(i64, i64)>::decode(&good).is_ok());
        // A text the encoder would never write for the key (an escaped letter) is refused too.
        assert_eq!(
            Cursor::<String>::decode(&b64("v1:\"\\u0041\"")),
            Err(InvalidCursor)
        );
        assert!(Cursor::<String>::decode(&b64("v1:\"A\"")).is_ok());
        // A cursor of another key shape does not decode.
        assert_eq!(
            Cursor::<String>::decode(&encoded(5_i64)),
            Err(InvalidCursor)
        );

        let after = PageArgs {
            after: Some("garbage".to_owned()),
            ..PageArgs::default()
        };
        assert_eq!(bad_field(after.page()), "after");
        let before = PageArgs {
            before: Some(encoded("x".to_owned())),
            ..PageArgs::default()
        };
        assert_eq!(bad_field(before.page()), "before");
    }

    #[test]
    fn window_forward() {
        let page = |cursor| Page {
            limit: 3,
            direction: Direction::Forward,
            cursor,
        };
        let full = page(None).window(vec![1, 2, 3, 4]);
        assert_eq!(
            (full.rows, full.has_previous_page, full.has_next_page),
            (vec![1, 2, 3], false, true)
        );
        let last = page(Some(9_i64)).window(vec![10, 11]);
        assert_eq!(
            (last.rows, last.has_previous_page, last.has_next_page),
            (vec![10, 11], true, false)
        );
        let exact = page(None).window(vec![1, 2, 3]);
        assert_eq!(
            (exact.rows, exact.has_previous_page, exact.has_next_page),
            (vec![1, 2, 3], false, false)
        );
        let zero = Page {
            limit: 0,
            ..page(None)
        }
        .window(vec![1]);
        assert_eq!((zero.rows.len(), zero.has_next_page), (0, true));
    }

    #[test]
    fn window_backward() {
        let page = |cursor| Page {
            limit: 3,
            direction: Direction::Backward,
            cursor,
        };
        // Fetched in reverse order: the rows just before the cursor first.
        let middle = page(Some(20_i64)).window(vec![19, 18, 17, 16]);
        assert_eq!(
            (middle.rows, middle.has_previous_page, middle.has_next_page),
            (vec![17, 18, 19], true, true)
        );
        let start = page(Some(3_i64)).window(vec![2, 1]);
        assert_eq!(
            (start.rows, start.has_previous_page, start.has_next_page),
            (vec![1, 2], false, true)
        );
        let tail = page(None).window(vec![9, 8, 7, 6]);
        assert_eq!(
            (tail.rows, tail.has_previous_page, tail.has_next_page),
            (vec![7, 8, 9], true, false)
        );
    }

    #[test]
    fn complexity() {
        assert_eq!(connection_complexity(None, None, 3), 61);
        assert_eq!(connection_complexity(Some(10), None, 3), 31);
        assert_eq!(connection_complexity(None, Some(50), 2), 101);
        assert_eq!(connection_complexity(Some(0), None, 5), 1);
        assert_eq!(connection_complexity(Some(100), None, 20), 2001);
        // Out-of-range sizes are left for the resolver to refuse with a precise error.
        assert_eq!(connection_complexity(Some(1_000_000), None, 3), 301);
        assert_eq!(connection_complexity(Some(-5), None, 3), 1);
        assert_eq!(connection_complexity(Some(5), Some(7), 1), 8);
        assert_eq!(
            connection_complexity(Some(100), None, usize::MAX),
            usize::MAX
        );
    }

    /// A node of the test list.
    #[derive(SimpleObject, Clone)]
    #[graphql(complex)]
    struct Item {
        id: i64,
        name: String,
    }

    #[async_graphql::ComplexObject]
    impl Item {
        /// Fails for item 2 (a nullable field).
        async fn maybe(&self) -> async_graphql::Result<Option<i64>> {
            if self.id == 2 {
                return Err("no maybe for 2".into());
            }
            Ok(Some(self.id * 10))
        }

        /// Fails for item 3 (a non-null field).
        async fn surely(&self) -> async_graphql::Result<i64> {
            if self.id == 3 {
                return Err("not surely 3".into());
            }
            Ok(self.id * 100)
        }
    }

    struct TestQuery {
        items: Arc<Vec<Item>>,
        counted: Arc<AtomicUsize>,
    }

    impl TestQuery {
        /// What a query function does: the rows after (before) the cursor in the page's
        /// direction, one more than the page.
        fn fetch(&self, page: &Page<i64>) -> Vec<Item> {
            let take = usize::try_from(page.fetch_limit()).expect("small");
            let items = self.items.iter().cloned();
            match (page.direction, page.cursor) {
                (Direction::Forward, cursor) => items
                    .filter(|item| cursor.is_none_or(|c| item.id > c))
                    .take(take)
                    .collect(),
                (Direction::Backward, cursor) => items
                    .rev()
                    .filter(|item| cursor.is_none_or(|c| item.id < c))
                    .take(take)
                    .collect(),
            }
        }
    }

    #[Object]
    impl TestQuery {
        #[graphql(complexity = "connection_complexity(first, last, child_complexity)")]
        async fn items(
            &self,
            first: Option<i32>,
            after: Option<String>,
            last: Option<i32>,
            before: Option<String>,
        ) -> async_graphql::Result<ListConnection<i64, Item>> {
            let args = PageArgs {
                first,
                after,
                last,
                before,
            };
            Ok(self.connection(args)?)
        }

        /// The same list as async-graphql's own connection answers it.
        async fn plain(
            &self,
            first: Option<i32>,
            after: Option<String>,
        ) -> async_graphql::Result<Connection<Cursor<i64>, Item, TotalCount>> {
            let args = PageArgs {
                first,
                after,
                ..PageArgs::default()
            };
            Ok(self.connection(args)?.0)
        }
    }

    impl TestQuery {
        fn connection(&self, args: PageArgs) -> AppResult<ListConnection<i64, Item>> {
            let page = args.page::<i64>()?;
            let rows = self.fetch(&page);
            let (items, counted) = (self.items.clone(), self.counted.clone());
            let total = TotalCount::new(move || {
                let (items, counted) = (items.clone(), counted.clone());
                async move {
                    counted.fetch_add(1, Ordering::SeqCst);
                    Ok(i64::try_from(items.len()).unwrap_or(i64::MAX))
                }
            });
            Ok(page.connection(rows, |item| item.id, total))
        }
    }

    fn schema(counted: Arc<AtomicUsize>) -> Schema<TestQuery, EmptyMutation, EmptySubscription> {
        let items = (1..=5)
            .map(|id| Item {
                id,
                name: format!("item {id}"),
            })
            .collect();
        let query = TestQuery {
            items: Arc::new(items),
            counted,
        };
        Schema::build(query, EmptyMutation, EmptySubscription)
            .limit_complexity(crate::graphql::MAX_COMPLEXITY)
            .finish()
    }

    async fn run(
        schema: &Schema<TestQuery, EmptyMutation, EmptySubscription>,
        query: &str,
    ) -> async_graphql::Response {
        schema.execute(query).await
    }

    fn json(response: &async_graphql::Response) -> serde_json::Value {
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        response.data.clone().into_json().expect("json")
    }

    #[tokio::test]
    async fn total_count_is_counted_only_when_selected() {
        let counted = Arc::new(AtomicUsize::new(0));
        let schema = schema(counted.clone());

        let response = run(
            &schema,
            "{ items(first: 2) { nodes { id } pageInfo { hasNextPage endCursor } } }",
        )
        .await;
        let data = json(&response);
        assert_eq!(counted.load(Ordering::SeqCst), 0);
        assert_eq!(
            data["items"]["nodes"],
            serde_json::json!([{"id": 1}, {"id": 2}])
        );
        assert_eq!(data["items"]["pageInfo"]["hasNextPage"], true);
        let end = data["items"]["pageInfo"]["endCursor"]
            .as_str()
            .expect("a cursor")
            .to_owned();
        assert_eq!(Cursor::<i64>::decode(&end), Ok(Cursor(2)));

        let next = format!(
            r#"{{ items(first: 2, after: "{end}") {{
                totalCount again: totalCount
                edges {{ cursor node {{ id name }} }}
                pageInfo {{ hasPreviousPage hasNextPage }}
            }} }}"#
        );
        let data = json(&run(&schema, &next).await);
        assert_eq!(
            counted.load(Ordering::SeqCst),
            1,
            "counted once for both aliases"
        );
        assert_eq!(data["items"]["totalCount"], 5);
        assert_eq!(data["items"]["again"], 5);
        assert_eq!(data["items"]["edges"][0]["node"]["id"], 3);
        assert_eq!(data["items"]["edges"][1]["node"]["name"], "item 4");
        assert_eq!(
            data["items"]["edges"][1]["cursor"].as_str(),
            Some(encoded(4_i64).as_str())
        );
        assert_eq!(data["items"]["pageInfo"]["hasPreviousPage"], true);
        assert_eq!(data["items"]["pageInfo"]["hasNextPage"], true);

        let data = json(&run(&schema, "{ items(last: 2) { nodes { id } pageInfo { hasPreviousPage hasNextPage startCursor } } }").await);
        assert_eq!(
            data["items"]["nodes"],
            serde_json::json!([{"id": 4}, {"id": 5}])
        );
        assert_eq!(data["items"]["pageInfo"]["hasPreviousPage"], true);
        assert_eq!(data["items"]["pageInfo"]["hasNextPage"], false);
        assert_eq!(counted.load(Ordering::SeqCst), 1);

        let sdl = schema.sdl();
        assert!(sdl.contains("totalCount: Int!"), "{sdl}");
        assert!(sdl.contains("nodes: [Item!]!"), "{sdl}");
        assert!(!sdl.contains("type TotalCount"), "{sdl}");
        assert!(
            sdl.contains("\"\"\"\nA page of a list of `Item`: ")
                && sdl.contains("\"\"\"\ntype ItemConnection {"),
            "{sdl}"
        );
        assert!(
            sdl.contains("One `Item` of a page, and its cursor")
                && !sdl.contains("An edge in a connection."),
            "{sdl}"
        );
    }

    #[tokio::test]
    async fn pages_answer_as_async_graphql_answers_them() {
        let schema = schema(Arc::new(AtomicUsize::new(0)));
        let selections = [
            "nodes { id name }",
            "nodes { id again: id maybe surely } totalCount pageInfo { hasNextPage }",
            "edges { cursor node { id } } nodes { name }",
            "nodes { id } nodes { name }",
            "__typename nodes { __typename id }",
            "nodes { id name @skip(if: true) maybe @include(if: true) }",
            "... on ItemConnection { nodes { ...Parts } } nodes { surely }",
        ];
        for selection in selections {
            let fragment = if selection.contains("...Parts") {
                "fragment Parts on Item { id maybe }"
            } else {
                ""
            };
            let query = |field: &str| {
                format!(
                    "{{ list: {field}(first: 4, after: \"{}\") {{ {selection} }} }} {fragment}",
                    encoded(0_i64)
                )
            };
            let ours = serde_json::to_value(run(&schema, &query("items")).await).expect("json");
            let theirs = serde_json::to_value(run(&schema, &query("plain")).await).expect("json");
            assert_eq!(ours, theirs, "{selection}");
            assert!(ours["data"]["list"].is_object(), "{selection}: {ours}");
        }
    }

    #[tokio::test]
    async fn complexity_multiplies_the_selection_by_the_page_size() {
        let schema = schema(Arc::new(AtomicUsize::new(0)));
        let aliases: String = (0..17)
            .map(|i| format!(" n{i}: nodes {{ id name }}"))
            .collect();
        // 100 × (17 × 3) + 1 = 5101 > 5000; 10 × 51 + 1 = 511.
        let big = run(&schema, &format!("{{ items(first: 100) {{{aliases} }} }}")).await;
        assert!(
            big.errors
                .first()
                .is_some_and(|err| err.message.contains("too complex")),
            "{:?}",
            big.errors
        );
        let small = run(&schema, &format!("{{ items(first: 10) {{{aliases} }} }}")).await;
        json(&small);
    }

    #[tokio::test]
    async fn oversized_pages_are_bad_user_input() {
        let schema = schema(Arc::new(AtomicUsize::new(0)));
        for (query, field) in [
            ("{ items(first: 101) { nodes { id } } }", "first"),
            ("{ items(last: -1) { nodes { id } } }", "last"),
            (r#"{ items(after: "nope") { nodes { id } } }"#, "after"),
        ] {
            let response = run(&schema, query).await;
            assert_eq!(response.errors.len(), 1, "{query}");
            let extensions = response.errors[0].extensions.as_ref().expect("extensions");
            assert_eq!(
                extensions.get("code"),
                Some(&async_graphql::Value::from("BAD_USER_INPUT")),
                "{query}"
            );
            assert_eq!(
                extensions.get("field"),
                Some(&async_graphql::Value::from(field)),
                "{query}"
            );
        }
    }
}
