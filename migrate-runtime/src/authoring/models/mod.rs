//! diesel models: a `schema.rs` of `table!` definitions read into the schema model, the
//! schema model printed as one, and the two compared the way diesel sees them.
//!
//! ```
//! use migrate_runtime::models::{diesel_differences, parse_schema_rs, print_schema_rs};
//!
//! let models = parse_schema_rs(
//!     r#"
//!     diesel::table! {
//!         users (id) {
//!             id -> Integer,
//!             #[max_length = 255]
//!             email -> Varchar,
//!             display_name -> Nullable<Text>,
//!         }
//!     }
//!     "#,
//! )
//! .unwrap();
//! let users = models.table("users").unwrap();
//! assert_eq!(users.primary_key.as_ref().unwrap().columns, ["id"]);
//! assert!(users.get_column("display_name").unwrap().nullable);
//!
//! // Printing and reading back keeps everything diesel can see.
//! let again = parse_schema_rs(&print_schema_rs(&models)).unwrap();
//! assert!(diesel_differences(&again, &models).is_empty());
//! ```
//!
//! # What the reader accepts
//!
//! - `table!` / `diesel::table!` blocks (one table each, as diesel 2 requires): `use` lines,
//!   doc comments and attributes, an optional `schema.` prefix (dropped: the schema model has
//!   no namespaces), an optional primary key list (diesel's default, `id`, otherwise),
//!   columns `name -> Type` with `Nullable<T>`, and `#[sql_name = "..."]` on tables and
//!   columns (the SQL names are the model's names) and `#[max_length = n]` on columns.
//! - `joinable!(child -> parent (column))`: a foreign key from `child.column` to the
//!   parent's primary key, named by the convention.
//! - `pub mod sql_types { ... }` as diesel print-schema writes it: each
//!   `#[diesel(postgres_type(name = "..."))] pub struct Name;` names a custom type.
//! - Everything else (`allow_tables_to_appear_in_same_query!`, other items, comments) is
//!   skipped.
//!
//! diesel's SQL types map onto the closed set of [`Type`]: `Integer`/`Int4`,
//! `BigInt`/`Int8`, `SmallInt`/`Int2`, `Text` (and MySQL's `*text`), `Bool`, `Float`/`Float4`,
//! `Double`/`Float8`, `Date`, `Time`, `Timestamp`/`Datetime`,
//! `Timestamptz`/`TimestamptzSqlite`, `Binary`/`Bytea`/`Blob` (and MySQL's `*blob`,
//! `Varbinary`), `Json`/`Jsonb`, `Uuid`. diesel keeps no lengths or precisions, so:
//!
//! - `Varchar` (or `VarChar`) is `Type::Varchar(n)` with `#[max_length = n]`, and `Type::Text`
//!   without it; `Char`/`Bpchar` likewise give `Type::Char(n)` or `Type::Text`
//!   ([`Type::same_for_diesel`] treats all of them as one type);
//! - `Numeric`/`Decimal` is `Type::Numeric(38, 10)` ([`NUMERIC_WITHOUT_PRECISION`]).
//!
//! Any other type name is a custom (enum) type when the `table!` block imports it with a
//! `use` line (or a glob of a module other than `diesel::sql_types`), or the file's
//! `sql_types` module defines it: it becomes `Type::Enum` of the SQL name the
//! `postgres_type` attribute gives, else of the snake-case type name, with no labels
//! (`schema.rs` does not list them). diesel types outside the closed set (`Array`, `Range`,
//! `Interval`, `TinyInt`, `Unsigned`, ...) are errors, as are unknown names, syntax errors,
//! duplicate tables or columns, unknown names in a primary key or `joinable!`, a nullable
//! primary key column, and a join to a composite primary key. Every error names its line;
//! no input makes the reader panic.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use migrate_core::lex::{self, TokenKind};

use crate::column::{Column, EnumType, Type};
use crate::schema::Schema;
use crate::table::{ForeignKey, Table};

/// The type a diesel `Numeric` (or `Decimal`) column reads as: `schema.rs` keeps no
/// precision, and `Numeric(38, 10)` is valid on every backend and keeps fractions.
pub const NUMERIC_WITHOUT_PRECISION: Type = Type::Numeric(38, 10);

/// Nesting deeper than this (brackets, or generic type arguments) is refused rather than
/// followed: a `schema.rs` never comes close, and a bound keeps hostile input from
/// exhausting the stack.
const MAX_DEPTH: usize = 64;

/// Why a `schema.rs` text cannot be read: the line, and what is wrong in one sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelsError {
    /// The 1-based line the problem is on.
    pub line: u32,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl fmt::Display for ModelsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ModelsError {}

fn err<T>(line: u32, message: impl Into<String>) -> Result<T, ModelsError> {
    Err(ModelsError {
        line,
        message: message.into(),
    })
}

mod compare;
mod items;
mod print;
mod tokens;
mod types;

pub use compare::{diesel_differences, Difference};
pub use print::print_schema_rs;
pub use types::parse_schema_rs;

#[cfg(test)]
mod tests;
