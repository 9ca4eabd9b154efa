//! Rust types for database values: id newtypes and enums stored as text.
//!
//! Enums are `text` columns with a CHECK constraint listing the values (simpler to migrate than
//! PostgreSQL enum types); the macros here map them, and the id newtypes, to SQL.

/// Declares an id newtype over `bigint`, usable in diesel queries and rows.
#[macro_export]
macro_rules! id_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
            serde::Deserialize,
        )]
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl diesel::serialize::ToSql<diesel::sql_types::BigInt, diesel::pg::Pg> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                <i64 as diesel::serialize::ToSql<diesel::sql_types::BigInt, diesel::pg::Pg>>::to_sql(&self.0, out)
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::BigInt, diesel::pg::Pg> for $name {
            fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                <i64 as diesel::deserialize::FromSql<diesel::sql_types::BigInt, diesel::pg::Pg>>::from_sql(bytes).map(Self)
            }
        }

        impl $name {
            /// Reads an id given by a client; `field` names the argument in the error.
            pub fn parse(field: &str, id: &async_graphql::ID) -> $crate::error::AppResult<Self> {
                id.parse::<i64>()
                    .ok()
                    .filter(|id| *id > 0)
                    .map(Self)
                    .ok_or_else(|| $crate::error::AppError::bad_input(field, "not a valid id"))
            }

            /// [`Self::parse`] of an argument that may be left out.
            pub fn parse_optional(
                field: &str,
                id: Option<&async_graphql::ID>,
            ) -> $crate::error::AppResult<Option<Self>> {
                id.map(|id| Self::parse(field, id)).transpose()
            }

            /// [`Self::parse`] of an update's field: left out keeps (`None`), `null` clears
            /// (`Some(None)`).
            pub fn parse_update(
                field: &str,
                id: async_graphql::MaybeUndefined<async_graphql::ID>,
            ) -> $crate::error::AppResult<Option<Option<Self>>> {
                Option::<Option<async_graphql::ID>>::from(id)
                    .map(|id| Self::parse_optional(field, id.as_ref()))
                    .transpose()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

/// Declares the diesel mapping of an enum stored as `text`, given each variant's SQL spelling:
/// `text_enum!(Source { Clock => "CLOCK", ... })` for an enum declared apart, or the whole
/// declaration of a GraphQL enum stored as text, which gets the usual derives:
///
/// ```ignore
/// text_enum! {
///     /// Where a timesheet is in its workflow.
///     pub enum TimesheetStatus {
///         /// Being filled in.
///         Draft = "DRAFT",
///     }
/// }
/// ```
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$variant_meta:meta])* $variant:ident = $text:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            Hash,
            async_graphql::Enum,
            diesel::expression::AsExpression,
            diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        $vis enum $name {
            $($(#[$variant_meta])* $variant,)+
        }

        $crate::text_enum!($name { $($variant => $text),+ });
    };
    ($name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            /// The value as stored.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }
        }

        /// Read from JSON as stored (the snapshots of live events).
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
                match text.as_ref() {
                    $($text => Ok(Self::$variant),)+
                    other => Err(serde::de::Error::custom(format!(
                        "unknown {} {other:?}",
                        stringify!($name)
                    ))),
                }
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                use std::io::Write as _;
                out.write_all(self.as_str().as_bytes())?;
                Ok(diesel::serialize::IsNull::No)
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                match bytes.as_bytes() {
                    $(v if v == $text.as_bytes() => Ok(Self::$variant),)+
                    other => Err(format!(
                        "unknown {} {:?}",
                        stringify!($name),
                        String::from_utf8_lossy(other)
                    )
                    .into()),
                }
            }
        }
    };
}
