//! Introspection: a live database read back into the schema model.
//!
//! [`introspect`] reads the tables of a SQLite database, of PostgreSQL's current schema or
//! of MySQL's current database: columns in order, with their types mapped back to
//! [`Type`] by meaning (`int4` is `Integer`, `character varying(50)` is `Varchar(50)`,
//! MySQL's `tinyint(1)` is `Boolean`), nullability, server defaults, autoincrement and
//! comments; primary keys, indexes (unique, multi-column, partial), unique, foreign key and
//! check constraints; PostgreSQL's enum types. The migration tool's own tables
//! ([`Config::version_table`], [`Config::history_table`]) are left out, as are the objects
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

pub(crate) mod sql;

use std::collections::BTreeMap;

use crate::column::{DefaultValue, EnumType, Type, Value};
use crate::connection::{Connection, ConnectionError};
use crate::dialect::Dialect;
use crate::engine::Config;
use crate::naming;
use crate::schema::Schema;
use crate::table::{FkAction, Table};

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

/// Reads the database behind `conn` into the schema model: SQLite's tables, PostgreSQL's
/// current schema, MySQL's current database, without `config`'s version and history
/// tables. See the [module documentation](self) for what is read.
pub fn introspect(conn: &mut Connection, config: &Config) -> Result<Schema, IntrospectError> {
    let skip = |t: &str| t == config.version_table || t == config.history_table;
    let mut schema = conn.dialect().backend().introspect(conn, &skip)?;
    for t in schema.tables.values_mut() {
        sort_objects(t);
    }
    Ok(schema)
}

impl Schema {
    /// This schema as `dialect` stores it: what introspecting a database migrated to this
    /// schema gives back. Each backend forgets or merges a few things the model keeps
    /// apart; this is the one place they are written down:
    ///
    /// - **SQLite** keeps no comments; an autoincrement key is always `INTEGER`; enum
    ///   types are not named (a column's labels live in its `CHECK`), so each enum column
    ///   gets a type of its own named `<table>.<column>`; primary key names are not kept
    ///   (SQLite has no use for them), so keys get the conventional `pk_<table>`.
    /// - **PostgreSQL** stores everything the model holds.
    /// - **MySQL / MariaDB**: enum types are inline, as on SQLite; a primary key is always
    ///   named `PRIMARY` (read back as `pk_<table>`); a unique index is a unique
    ///   constraint; `RESTRICT` and `NO ACTION` are the same action (read back as
    ///   `NoAction`); `CHAR(36)` is how a `Uuid` is stored, so both read back as `Uuid`.
    ///
    /// ```
    /// use migrate_runtime::dialect::Dialect;
    /// use migrate_runtime::prelude::*;
    /// use migrate_runtime::schema::Schema;
    ///
    /// let s = Schema::replay(&[
    ///     op::create_enum(EnumType::new("mood", ["ok", "meh"])),
    ///     op::create_table(
    ///         Table::new("people")
    ///             .column(Column::new("id", Type::BigInt).primary_key().autoincrement())
    ///             .column(Column::new("mood", Type::Enum(EnumType::new("mood", ["ok", "meh"]))).comment("today")),
    ///     ),
    /// ])
    /// .unwrap();
    /// let stored = s.as_stored_by(Dialect::Sqlite);
    /// let people = stored.table("people").unwrap();
    /// assert_eq!(people.columns[0].ty, Type::Integer);
    /// assert_eq!(people.columns[1].ty, Type::Enum(EnumType::new("people.mood", ["ok", "meh"])));
    /// assert_eq!(people.columns[1].comment, None);
    /// assert_eq!(s.as_stored_by(Dialect::Postgres), s);
    /// ```
    pub fn as_stored_by(&self, dialect: Dialect) -> Schema {
        let mut s = self.clone();
        if dialect == Dialect::Postgres {
            return s;
        }
        s.enums.clear();
        for t in s.tables.values_mut() {
            let table = t.name.clone();
            for c in &mut t.columns {
                if let Type::Enum(e) = &mut c.ty {
                    e.name = inline_enum_name(&table, &c.name);
                    s.enums.insert(e.name.clone(), e.clone());
                }
            }
            if let Some(pk) = &mut t.primary_key {
                pk.name = naming::primary_key(&table);
            }
            match dialect {
                Dialect::Sqlite => {
                    t.comment = None;
                    for c in &mut t.columns {
                        c.comment = None;
                        if c.autoincrement {
                            c.ty = Type::Integer;
                        }
                    }
                }
                Dialect::Mysql => {
                    for c in &mut t.columns {
                        if c.ty == Type::Char(36) {
                            c.ty = Type::Uuid;
                        }
                    }
                    let (unique, plain): (Vec<_>, Vec<_>) = std::mem::take(&mut t.indexes)
                        .into_iter()
                        .partition(|i| i.unique && i.where_clause.is_none());
                    t.indexes = plain;
                    t.uniques
                        .extend(unique.into_iter().map(|i| crate::table::Unique {
                            name: i.name,
                            columns: i.columns,
                        }));
                    for fk in &mut t.foreign_keys {
                        for a in [&mut fk.on_delete, &mut fk.on_update] {
                            if *a == FkAction::Restrict {
                                *a = FkAction::NoAction;
                            }
                        }
                    }
                }
                Dialect::Postgres => unreachable!("returned above"),
            }
            sort_objects(t);
        }
        s
    }
}

/// The name an inline enum (MySQL's `ENUM(...)`, SQLite's `CHECK (c IN (...))`) gets in
/// the model: `<table>.<column>`, which no two columns share.
pub(crate) fn inline_enum_name(table: &str, column: &str) -> String {
    format!("{table}.{column}")
}

/// Indexes and constraints sorted by name, as the schema model keeps them.
pub(crate) fn sort_objects(t: &mut Table) {
    t.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    t.uniques.sort_by(|a, b| a.name.cmp(&b.name));
    t.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
    t.checks.sort_by(|a, b| a.name.cmp(&b.name));
}

/// Runs a catalog query read with [`Connection::query_rows`].
pub(crate) fn rows(
    conn: &mut Connection,
    sql: &str,
    columns: usize,
    what: &'static str,
) -> Result<Vec<Vec<Option<String>>>, IntrospectError> {
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

/// The short name of a check called `name` on `table`: the name without the convention's
/// `ck_<table>_` prefix.
pub(crate) fn check_short_name(table: &str, name: &str) -> String {
    name.strip_prefix(&format!("ck_{table}_"))
        .unwrap_or(name)
        .to_owned()
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

/// A default as a backend gives it back, before it is read by the column's type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawDefault {
    /// `NULL`.
    Null,
    /// A string literal, unescaped.
    Str(String),
    /// A number, as written.
    Num(String),
    /// `TRUE` / `FALSE`.
    Bool(bool),
    /// A blob literal.
    Bytes(Vec<u8>),
    /// Any other expression, as written.
    Expr(String),
}

/// Reads a default expression's text: a literal (`'x'`, `-1`, `1.5`, `TRUE`, `NULL`,
/// `X'ab'`, `0xab`, PostgreSQL's `'x'::type`) or an expression. `backslash`: string
/// literals use `\` escapes (MySQL).
pub(crate) fn parse_default(text: &str, backslash: bool) -> RawDefault {
    let text = sql::strip_outer_parens(text);
    let tokens = sql::tokenize(text, backslash);
    // A PostgreSQL cast after a literal does not change it: `'x'::character varying`.
    let end = tokens
        .iter()
        .position(|t| t.is("::"))
        .unwrap_or(tokens.len());
    let only_a_type = tokens[end..].iter().skip(1).all(|t| match t.kind {
        sql::Kind::Word | sql::Kind::Quoted | sql::Kind::Num => true,
        sql::Kind::Punct => ["(", ")", ",", "[", "]"].contains(&t.value.as_str()),
        sql::Kind::Str => false,
    });
    if !only_a_type {
        return RawDefault::Expr(text.to_owned());
    }
    let lit = &tokens[..end];
    let raw = match lit {
        [t] if t.is_word("NULL") => Some(RawDefault::Null),
        [t] if t.is_word("TRUE") => Some(RawDefault::Bool(true)),
        [t] if t.is_word("FALSE") => Some(RawDefault::Bool(false)),
        [t] if t.kind == sql::Kind::Str => Some(RawDefault::Str(t.value.clone())),
        [t] if t.kind == sql::Kind::Num => match t.value.strip_prefix("0x") {
            Some(hex) => from_hex(hex).map(RawDefault::Bytes),
            None => Some(RawDefault::Num(t.value.clone())),
        },
        [sign, t] if (sign.is("-") || sign.is("+")) && t.kind == sql::Kind::Num => {
            let sign = if sign.is("-") { "-" } else { "" };
            Some(RawDefault::Num(format!("{sign}{}", t.value)))
        }
        [x, t] if (x.is_word("X")) && t.kind == sql::Kind::Str && x.end == t.start => {
            from_hex(&t.value).map(RawDefault::Bytes)
        }
        _ => None,
    };
    raw.unwrap_or_else(|| RawDefault::Expr(text.to_owned()))
}

fn from_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A default read back by the column's type, as the model holds it: a boolean column's
/// `0` is `false`, an integer column's `'-1'` is `-1`, PostgreSQL's `'\xab'` on a bytea
/// column is bytes, `now()` is `CURRENT_TIMESTAMP`. `None` for no default (or `NULL`).
pub(crate) fn typed_default(ty: &Type, raw: RawDefault) -> Option<DefaultValue> {
    let number = |s: &str| -> Option<Value> {
        if let Ok(i) = s.parse::<i64>() {
            return Some(Value::Int(i));
        }
        s.parse::<f64>().ok().map(Value::Float)
    };
    let value = match raw {
        RawDefault::Null => return None,
        RawDefault::Expr(e) => return Some(DefaultValue::Sql(canonical_sql_default(&e))),
        RawDefault::Bytes(b) => Value::Bytes(b),
        RawDefault::Bool(b) => match ty {
            t if t.is_integer() => Value::Int(i64::from(b)),
            _ => Value::Bool(b),
        },
        RawDefault::Num(n) => match ty {
            Type::Boolean => match n.as_str() {
                "0" => Value::Bool(false),
                "1" => Value::Bool(true),
                _ => return Some(DefaultValue::Sql(n)),
            },
            Type::Text | Type::Varchar(_) | Type::Char(_) | Type::Enum(_) | Type::Uuid => {
                Value::Text(n)
            }
            _ => match number(&n) {
                Some(v) => v,
                None => return Some(DefaultValue::Sql(n)),
            },
        },
        RawDefault::Str(s) => match ty {
            t if t.is_integer() => s.trim().parse::<i64>().map_or(Value::Text(s), Value::Int),
            Type::Float | Type::Double | Type::Numeric(..) => {
                number(s.trim()).unwrap_or(Value::Text(s))
            }
            Type::Boolean => match s.to_ascii_lowercase().as_str() {
                "t" | "true" | "1" | "y" | "yes" | "on" => Value::Bool(true),
                "f" | "false" | "0" | "n" | "no" | "off" => Value::Bool(false),
                _ => Value::Text(s),
            },
            Type::Binary => match s.strip_prefix("\\x").and_then(from_hex) {
                Some(b) => Value::Bytes(b),
                None => Value::Bytes(s.into_bytes()),
            },
            _ => Value::Text(s),
        },
    };
    Some(DefaultValue::Value(value))
}

/// A SQL default expression in the form the model holds: the current-time functions every
/// backend spells its own way (`now()`, `current_timestamp()`, `CURRENT_TIMESTAMP`) become
/// `CURRENT_TIMESTAMP` (likewise `CURRENT_DATE`, `CURRENT_TIME`); wrapping parentheses
/// go; anything else is kept as written.
pub(crate) fn canonical_sql_default(expr: &str) -> String {
    let e = sql::strip_outer_parens(expr);
    let lower: String = e
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    match lower.as_str() {
        "current_timestamp"
        | "current_timestamp()"
        | "now()"
        | "transaction_timestamp()"
        | "localtimestamp"
        | "localtimestamp()" => "CURRENT_TIMESTAMP".into(),
        "current_date" | "current_date()" | "curdate()" => "CURRENT_DATE".into(),
        "current_time" | "current_time()" | "curtime()" | "localtime" => "CURRENT_TIME".into(),
        _ => e.to_owned(),
    }
}

/// An enum type for an inline enum column, recorded in `enums`.
pub(crate) fn inline_enum(
    enums: &mut BTreeMap<String, EnumType>,
    table: &str,
    column: &str,
    labels: Vec<String>,
) -> Type {
    let e = EnumType {
        name: inline_enum_name(table, column),
        variants: labels,
    };
    enums.insert(e.name.clone(), e.clone());
    Type::Enum(e)
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
    fn defaults_are_read_by_type() {
        let d = |ty: Type, text: &str, backslash: bool| {
            typed_default(&ty, parse_default(text, backslash))
        };
        assert_eq!(
            d(Type::Integer, "'-1'::integer", false),
            Some(DefaultValue::Value(Value::Int(-1)))
        );
        assert_eq!(
            d(Type::Integer, "-1", true),
            Some(DefaultValue::Value(Value::Int(-1)))
        );
        assert_eq!(
            d(Type::Boolean, "0", false),
            Some(DefaultValue::Value(Value::Bool(false)))
        );
        assert_eq!(
            d(Type::Boolean, "false", false),
            Some(DefaultValue::Value(Value::Bool(false)))
        );
        assert_eq!(
            d(Type::Varchar(50), "'PENDING'::character varying", false),
            Some(DefaultValue::Value(Value::Text("PENDING".into())))
        );
        assert_eq!(
            d(Type::Text, r"'it\'s'", true),
            Some(DefaultValue::Value(Value::Text("it's".into())))
        );
        assert_eq!(
            d(Type::Text, "'it''s'", false),
            Some(DefaultValue::Value(Value::Text("it's".into())))
        );
        assert_eq!(
            d(Type::Numeric(10, 2), "1.50", true),
            Some(DefaultValue::Value(Value::Float(1.5)))
        );
        assert_eq!(
            d(Type::Binary, "'\\xab'::bytea", false),
            Some(DefaultValue::Value(Value::Bytes(vec![0xab])))
        );
        assert_eq!(
            d(Type::Binary, "X'ab'", false),
            Some(DefaultValue::Value(Value::Bytes(vec![0xab])))
        );
        assert_eq!(
            d(Type::Timestamp, "now()", false),
            Some(DefaultValue::sql("CURRENT_TIMESTAMP"))
        );
        assert_eq!(
            d(Type::Timestamp, "current_timestamp()", true),
            Some(DefaultValue::sql("CURRENT_TIMESTAMP"))
        );
        assert_eq!(
            d(Type::Timestamp, "(CURRENT_TIMESTAMP)", false),
            Some(DefaultValue::sql("CURRENT_TIMESTAMP"))
        );
        assert_eq!(d(Type::Integer, "NULL", true), None);
        assert_eq!(
            d(Type::Text, "lower('X')", false),
            Some(DefaultValue::sql("lower('X')"))
        );
    }

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
