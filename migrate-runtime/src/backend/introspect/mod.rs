//! Introspection: a live database read back into the schema model.
//!
//! [`introspect`] reads the tables of a SQLite database, of PostgreSQL's current schema or
//! of MySQL's current database: columns in order, with their types mapped back to
//! [`Type`] by meaning (`int4` is `Integer`, `character varying(50)` is `Varchar(50)`,
//! MySQL's `tinyint(1)` is `Boolean`), nullability, server defaults, autoincrement and
//! comments; primary keys, indexes (unique, multi-column, partial), unique, foreign key and
//! check constraints; PostgreSQL's enum types. The migration tool's own tables (those an
//! [`OwnTables`] names, such as the engine's `Config`) are left out, as are the objects
//! a backend makes by itself (`sqlite_sequence`, the indexes behind constraints, the index
//! MySQL adds for a foreign key).
//!
//! What the model holds and what a backend stores are not always the same; the difference
//! is written down once, in [`Schema::as_stored_by`]: compare a database with
//! `replayed.as_stored_by(dialect)`, never with the replayed schema itself.
//!
//! ```no_run
//! use migrate_runtime::connection::Connection;
//! use migrate_runtime::diff::{diff, DiffScope};
//! use migrate_runtime::engine::Config;
//! use migrate_runtime::introspect::introspect;
//! use migrate_runtime::schema::Schema;
//!
//! # fn head() -> Schema { Schema::new() }
//! let mut conn = Connection::establish("postgres://postgres@127.0.0.1/shop")?;
//! let live = introspect(&mut conn, &Config::default())?;
//! let drift = diff(&head().as_stored_by(conn.dialect()), &live, &DiffScope::all());
//! assert!(drift.is_empty(), "the database differs from the migrations: {drift:?}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Things the model cannot hold stop introspection with an error that names them (a column
//! of a type outside [`Type`], a generated column); an index over an expression is left
//! out, since the model's indexes name columns only.

use crate::column::Type;
use crate::connection::{Connection, ConnectionError};
use crate::dialect::Dialect;
use crate::schema::sql;
use crate::schema::{sort_objects, Schema};
use crate::table::FkAction;

/// Why a database could not be read into the schema model.
#[derive(Debug, thiserror::Error)]
pub enum IntrospectError {
    /// A catalog query failed.
    #[error("cannot read {what} from the {dialect} catalog: {source}")]
    Query {
        /// What was being read (`the columns`, `the indexes`).
        what: &'static str,
        /// The backend.
        dialect: Dialect,
        /// The driver's error.
        #[source]
        source: ConnectionError,
    },
    /// Something in the database that the schema model cannot represent or that could not
    /// be read.
    #[error("{what}: {reason}")]
    Unsupported {
        /// The object (`column "t"."c"`, `table "t"`).
        what: String,
        /// Why.
        reason: String,
    },
}

/// The tables of the migration tool itself, which introspection leaves out: the engine's
/// `Config` names its version and history tables.
pub trait OwnTables {
    /// Whether `table` is one of them.
    fn is_own(&self, table: &str) -> bool;
}

/// Reads the database behind `conn` into the schema model: SQLite's tables, PostgreSQL's
/// current schema, MySQL's current database, without the tool's own tables (`own`, e.g.
/// the engine's `Config`). See the [module documentation](self) for what is read.
pub fn introspect(conn: &mut Connection, own: &impl OwnTables) -> Result<Schema, IntrospectError> {
    let skip = |t: &str| own.is_own(t);
    let mut schema = conn.dialect().backend().introspect(conn, &skip)?;
    for t in schema.tables.values_mut() {
        sort_objects(t);
    }
    Ok(schema)
}

/// One catalog row: its values as text, `None` for NULL.
pub(crate) type Row = Vec<Option<String>>;

/// Runs a catalog query read with [`Connection::query_rows`].
pub(crate) fn rows(
    conn: &mut Connection,
    sql: &str,
    columns: usize,
    what: &'static str,
) -> Result<Vec<Row>, IntrospectError> {
    let dialect = conn.dialect();
    conn.query_rows(sql, columns)
        .map_err(|source| IntrospectError::Query {
            what,
            dialect,
            source,
        })
}

/// Value `i` of a catalog row, or `""` for NULL.
pub(crate) fn cell(row: &[Option<String>], i: usize) -> &str {
    row.get(i).and_then(|v| v.as_deref()).unwrap_or("")
}

/// `column "t"."c"`, for errors.
pub(crate) fn column_what(table: &str, column: &str) -> String {
    format!("column \"{table}\".\"{column}\"")
}

/// A type spelling split into its words (uppercase, space-separated) and its numeric
/// arguments: `character varying(255)` is (`CHARACTER VARYING`, `[255]`),
/// `timestamp(3) without time zone` is (`TIMESTAMP WITHOUT TIME ZONE`, `[3]`). `None` for
/// anything else (an array, a quoted name).
pub(crate) fn split_type(spelling: &str) -> Option<(String, Vec<u32>)> {
    let mut words = Vec::new();
    let mut args = Vec::new();
    let mut depth = 0;
    for t in sql::tokenize(spelling, false) {
        match t.kind {
            sql::Kind::Word if depth == 0 => words.push(t.value.to_ascii_uppercase()),
            sql::Kind::Num if depth == 1 => args.push(t.value.parse().ok()?),
            sql::Kind::Punct if t.value == "(" => depth += 1,
            sql::Kind::Punct if t.value == ")" => depth -= 1,
            sql::Kind::Punct if t.value == "," && depth == 1 => {}
            _ => return None,
        }
    }
    Some((words.join(" "), args))
}

/// A `Numeric(p, s)` from its arguments.
pub(crate) fn numeric(args: &[u32]) -> Option<Type> {
    match args {
        [p] => Some(Type::Numeric(u8::try_from(*p).ok()?, 0)),
        [p, s] => Some(Type::Numeric(
            u8::try_from(*p).ok()?,
            u8::try_from(*s).ok()?,
        )),
        _ => None,
    }
}

/// An `n` argument of `Varchar(n)` / `Char(n)`.
pub(crate) fn length(args: &[u32]) -> Option<u32> {
    match args {
        [n] => Some(*n),
        _ => None,
    }
}

/// The foreign key action a catalog's rule names (`CASCADE`, `SET NULL`...).
pub(crate) fn fk_action(rule: &str) -> FkAction {
    match rule.to_ascii_uppercase().as_str() {
        "CASCADE" => FkAction::Cascade,
        "SET NULL" => FkAction::SetNull,
        "SET DEFAULT" => FkAction::SetDefault,
        "RESTRICT" => FkAction::Restrict,
        _ => FkAction::NoAction,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_spellings_split() {
        assert_eq!(
            split_type("character varying(255)"),
            Some(("CHARACTER VARYING".into(), vec![255]))
        );
        assert_eq!(
            split_type("numeric(10,2)"),
            Some(("NUMERIC".into(), vec![10, 2]))
        );
        assert_eq!(
            split_type("timestamp(3) without time zone"),
            Some(("TIMESTAMP WITHOUT TIME ZONE".into(), vec![3]))
        );
        assert_eq!(split_type("integer[]"), None);
    }
}
