//! SQL rendering per dialect: each op, given the schema state, becomes that dialect's SQL.
//!
//! Nothing else in the crate writes SQL. Every identifier goes through [`Dialect::quote`];
//! every literal through one function per dialect. An op a dialect cannot do is a
//! [`RenderError::Unsupported`] naming the op and the dialect, never a silent no-op.
//!
//! ```
//! use migrate_runtime::prelude::*;
//! use migrate_runtime::dialect::{render, Dialect};
//! use migrate_runtime::schema::Schema;
//!
//! let ops = [op::create_table(
//!     Table::new("order").column(Column::new("id", Type::Integer).primary_key()),
//! )];
//! let sql = render(Dialect::Postgres, &Schema::new(), &ops).unwrap();
//! assert_eq!(
//!     sql[0].sql(),
//!     "CREATE TABLE \"order\" (\n  \"id\" INTEGER NOT NULL,\n  CONSTRAINT \"pk_order\" PRIMARY KEY (\"id\")\n)"
//! );
//! ```

#[doc(hidden)]
pub mod catalog;
pub mod connection;
pub mod introspect;
pub(crate) mod mysql;
pub(crate) mod postgres;
mod render_runs;
#[doc(hidden)]
pub mod sqlite;
pub mod url;

use std::fmt;

use crate::column::{Column, DefaultValue, Value};
use crate::op::Op;
use crate::schema::{Schema, SchemaError};
use crate::table::{ForeignKey, Index, Table};

pub use crate::dsl::dialect::{Dialect, UnknownDialect};

/// One database behind the engine and the renderer: what it can do, how it takes the
/// migration lock, how it renders ops, how its catalog is read back. Each backend folder
/// (`sqlite/`, `postgres/`, `mysql/`) implements it; the defaults are the common case, and
/// a backend overrides only where it differs. The engine asks [`Dialect::backend`] and
/// does not branch on the dialect itself.
///
/// ```
/// use migrate_runtime::dialect::Dialect;
/// assert!(Dialect::Postgres.backend().transactional_ddl());
/// assert!(!Dialect::Mysql.backend().transactional_ddl());
/// assert_eq!(Dialect::Sqlite.backend().begin(), "BEGIN IMMEDIATE");
/// ```
pub trait Backend: Sync {
    /// Its dialect.
    fn dialect(&self) -> Dialect;

    /// Whether DDL runs inside a transaction and rolls back with it. Where it does not
    /// (MySQL), the engine journals each statement instead.
    fn transactional_ddl(&self) -> bool {
        true
    }

    /// The longest identifier the database keeps, in bytes or characters; `None`: no limit.
    fn max_identifier(&self) -> Option<(usize, &'static str)> {
        None
    }

    /// Whether the catalog leaves out the tables the user may not read (MySQL's
    /// `information_schema`): then a table it does not list is probed, so that a missing
    /// privilege is not taken for a missing table.
    fn catalog_hides_unreadable_tables(&self) -> bool {
        false
    }

    /// Whether the migration lock is the write transaction itself (SQLite's `BEGIN
    /// IMMEDIATE`), so that nothing holds it between two transactions.
    fn lock_is_the_transaction(&self) -> bool {
        false
    }

    /// The statement that starts a transaction (and, where [`Self::lock_is_the_transaction`],
    /// takes the lock).
    fn begin(&self) -> &'static str {
        "BEGIN"
    }

    /// The query that takes the cross-process migration lock; `None` where
    /// [`Self::begin`] takes it. `whole_run`: the run is one transaction, which may hold it.
    fn lock(&self, version_table: &str, whole_run: bool) -> Option<String> {
        let _ = (version_table, whole_run);
        None
    }

    /// Releases the lock [`Self::lock`] took; `None` where it ends with the transaction.
    fn unlock(&self, version_table: &str, whole_run: bool) -> Option<String> {
        let _ = (version_table, whole_run);
        None
    }

    /// Whether [`Self::lock`] answers 1 when it got the lock (MySQL's `GET_LOCK`), rather
    /// than waiting until it does.
    fn lock_answers(&self) -> bool {
        false
    }

    /// What an offline script must set first, as SQL statements (without `;`).
    fn script_preamble(&self) -> Vec<String> {
        Vec::new()
    }

    /// What an offline script checks before its commit: comment lines and statements.
    fn script_checks(&self) -> Option<&'static str> {
        None
    }

    /// Renders `ops`, applied in order to the schema `before` them, as statements.
    fn render(
        &self,
        before: &Schema,
        ops: &[Op],
        out: &mut Vec<Statement>,
    ) -> Result<(), RenderError>;

    /// Reads the live schema back, leaving out the tables `skip` names.
    fn introspect(
        &self,
        conn: &mut crate::connection::Connection,
        skip: &dyn Fn(&str) -> bool,
    ) -> Result<Schema, crate::introspect::IntrospectError>;

    /// The statement that gives `grantee` what the engine needs on `tables`.
    fn grant(&self, tables: &[String], grantee: &str) -> String {
        format!(
            "GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {grantee}",
            tables.join(", ")
        )
    }

    /// How a GRANT names `user` (as the connection or an error message gives it).
    fn grantee(&self, user: &str) -> String {
        self.dialect().quote(user)
    }

    /// A query for the session's user, as a text column `value`.
    fn current_user(&self) -> &'static str {
        "SELECT CAST(current_user AS TEXT) AS value"
    }
}

/// Renders `ops` one at a time over the schema as it stands before each, with
/// `render_op(before, after, op, out)`: the way of every backend that has an `ALTER` for
/// each op.
pub(crate) fn render_each(
    dialect: Dialect,
    before: &Schema,
    ops: &[Op],
    out: &mut Vec<Statement>,
    render_op: fn(&Schema, &Schema, &Op, &mut Vec<Statement>) -> Result<(), Unsupported>,
) -> Result<(), RenderError> {
    let mut state = before.clone();
    for op in ops {
        let mut after = state.clone();
        after.apply(op)?;
        render_op(&state, &after, op, out).map_err(|reason| RenderError::Unsupported {
            op: op.describe(),
            dialect,
            reason: reason.0,
        })?;
        state = after;
    }
    Ok(())
}

impl Dialect {
    /// The longest identifier the backend keeps, in bytes (PostgreSQL's `NAMEDATALEN` - 1,
    /// which it would otherwise truncate to silently) or characters (MySQL); `None` for
    /// SQLite, which has no limit.
    pub fn max_identifier(self) -> Option<(usize, &'static str)> {
        self.backend().max_identifier()
    }

    /// The backend of this dialect: what the database can do and how it is spoken to.
    pub fn backend(self) -> &'static dyn Backend {
        match self {
            Dialect::Sqlite => &sqlite::Sqlite,
            Dialect::Postgres => &postgres::Postgres,
            Dialect::Mysql => &mysql::Mysql,
        }
    }

    /// Whether DDL runs inside a transaction and rolls back with it (SQLite, PostgreSQL).
    /// MySQL commits DDL implicitly: there the engine journals each statement instead.
    ///
    /// ```
    /// use migrate_runtime::dialect::Dialect;
    /// assert!(Dialect::Postgres.transactional_ddl());
    /// assert!(!Dialect::Mysql.transactional_ddl());
    /// ```
    pub fn transactional_ddl(self) -> bool {
        self.backend().transactional_ddl()
    }

    /// Quotes an identifier: `"name"` (doubling `"`) on SQLite and PostgreSQL,
    /// `` `name` `` (doubling `` ` ``) on MySQL.
    ///
    /// ```
    /// use migrate_runtime::dialect::Dialect;
    /// assert_eq!(Dialect::Postgres.quote("user \"name\""), "\"user \"\"name\"\"\"");
    /// assert_eq!(Dialect::Mysql.quote("a`b"), "`a``b`");
    /// ```
    pub fn quote(self, ident: &str) -> String {
        let q = match self {
            Dialect::Mysql => '`',
            Dialect::Sqlite | Dialect::Postgres => '"',
        };
        let mut s = String::with_capacity(ident.len() + 2);
        s.push(q);
        for ch in ident.chars() {
            if ch == q {
                s.push(q);
            }
            s.push(ch);
        }
        s.push(q);
        s
    }

    /// A string literal whose meaning does not depend on the session's settings: `'...'`
    /// with `'` doubled, never backslash-escaped.
    ///
    /// - PostgreSQL: text with a backslash is written `E'...'` with the backslash doubled,
    ///   which means the same whether `standard_conforming_strings` is on or off (in a
    ///   plain `'...'` a backslash is an escape character when it is off).
    /// - MySQL: the backslash is doubled, as MySQL's default SQL mode requires; the
    ///   connection turns `NO_BACKSLASH_ESCAPES` and `ANSI_QUOTES` off for its session
    ///   ([`crate::connection::Connection::apply_session_settings`]), and an offline script
    ///   starts with the same setting (`catalog::mysql_session`).
    ///
    /// ```
    /// use migrate_runtime::dialect::Dialect;
    /// assert_eq!(Dialect::Postgres.string_literal("it's"), "'it''s'");
    /// assert_eq!(Dialect::Postgres.string_literal(r"\'); --"), r"E'\\''); --'");
    /// assert_eq!(Dialect::Mysql.string_literal(r"a\b"), r"'a\\b'");
    /// assert_eq!(Dialect::Sqlite.string_literal(r"a\b"), r"'a\b'");
    /// ```
    pub fn string_literal(self, text: &str) -> String {
        let escape_backslash = self != Dialect::Sqlite && text.contains('\\');
        let mut s = String::with_capacity(text.len() + 3);
        if escape_backslash && self == Dialect::Postgres {
            s.push('E');
        }
        s.push('\'');
        for ch in text.chars() {
            match ch {
                '\'' => s.push_str("''"),
                '\\' if escape_backslash => s.push_str("\\\\"),
                _ => s.push(ch),
            }
        }
        s.push('\'');
        s
    }

    /// A typed value as a SQL literal.
    ///
    /// ```
    /// use migrate_runtime::dialect::Dialect;
    /// use migrate_runtime::prelude::*;
    /// assert_eq!(Dialect::Postgres.literal(&Value::Bool(false)), "FALSE");
    /// assert_eq!(Dialect::Sqlite.literal(&Value::Bool(false)), "0");
    /// assert_eq!(Dialect::Mysql.literal(&Value::Bytes(vec![0xab])), "X'ab'");
    /// ```
    pub fn literal(self, value: &Value) -> String {
        match value {
            Value::Null => "NULL".into(),
            Value::Bool(b) => match (self, b) {
                (Dialect::Postgres, true) => "TRUE".into(),
                (Dialect::Postgres, false) => "FALSE".into(),
                (_, true) => "1".into(),
                (_, false) => "0".into(),
            },
            Value::Int(i) => i.to_string(),
            Value::Float(f) if f.is_finite() => format!("{f:?}"),
            Value::Float(f) => self.string_literal(&f.to_string()),
            Value::Text(t) => self.string_literal(t),
            Value::Bytes(b) => {
                let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
                match self {
                    // `E'\\x..'`: the same with `standard_conforming_strings` off.
                    Dialect::Postgres => format!("E'\\\\x{hex}'::bytea"),
                    Dialect::Sqlite | Dialect::Mysql => format!("X'{hex}'"),
                }
            }
        }
    }

    fn quote_list(self, idents: &[String]) -> String {
        idents
            .iter()
            .map(|i| self.quote(i))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One statement of rendered SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Statement {
    /// Run it; its result is ignored.
    Execute(String),
    /// A query returning a single integer column: anything but 0 fails the migration with
    /// `failure`. The renderers emit none (SQLite's foreign keys are checked by the engine,
    /// [`crate::fk_check`]); for statement lists of the caller's own.
    AssertZero {
        /// The query.
        sql: String,
        /// What a non-zero result means.
        failure: String,
    },
    /// A Rust data step ([`crate::data`]): runs only against a live database.
    Data {
        /// A SQL comment naming the step, for `--sql` output and messages.
        label: String,
        /// The step (its `run` is what runs).
        step: crate::data::DataStep,
    },
}

impl Statement {
    /// The SQL text, without a trailing `;`.
    pub fn sql(&self) -> &str {
        match self {
            Statement::Execute(s)
            | Statement::AssertZero { sql: s, .. }
            | Statement::Data { label: s, .. } => s,
        }
    }
}

impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // A comment: no statement terminator.
            Statement::Data { label, .. } => f.write_str(label),
            _ => write!(f, "{};", self.sql()),
        }
    }
}

/// Why ops cannot be rendered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RenderError {
    /// The op does not apply to the schema state.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// The dialect cannot do what the op asks.
    #[error("{op} cannot be rendered for {dialect}: {reason}")]
    Unsupported {
        /// The op, described.
        op: String,
        /// The dialect.
        dialect: Dialect,
        /// Why, and what to do instead.
        reason: String,
    },
}

/// Why a dialect cannot render an op, and what to do instead: the renderers' error, made a
/// [`RenderError::Unsupported`] naming the op and the dialect by [`render`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unsupported(pub String);

/// Renders the ops of one migration for `dialect`, starting from the schema `before` them.
///
/// On SQLite, consecutive changes to one table that need a table rebuild share a single
/// rebuild. The SQL assumes SQLite's `PRAGMA foreign_keys` is off while it runs (as SQLite's
/// documented rebuild procedure requires); the engine checks the foreign keys before it
/// commits ([`crate::fk_check`]).
pub fn render(
    dialect: Dialect,
    before: &Schema,
    ops: &[Op],
) -> Result<Vec<Statement>, RenderError> {
    for op in ops {
        check_name_lengths(dialect, op)?;
    }
    let mut out = Vec::new();
    dialect.backend().render(before, ops, &mut out)?;
    Ok(out)
}

/// The table `name` in `schema`, which `Schema::apply` has already validated.
pub(crate) fn table<'a>(schema: &'a Schema, name: &str) -> &'a Table {
    schema
        .table(name)
        .unwrap_or_else(|| panic!("table {name:?} validated by Schema::apply"))
}

/// The column `name` of `t`, which `Schema::apply` has already validated.
pub(crate) fn column<'a>(t: &'a Table, name: &str) -> &'a Column {
    t.get_column(name)
        .unwrap_or_else(|| panic!("column {name:?} validated by Schema::apply"))
}

/// `DEFAULT ...` for a column, or nothing.
pub(crate) fn default_clause(d: Dialect, c: &Column) -> String {
    match &c.default {
        None => String::new(),
        Some(DefaultValue::Value(v)) => format!(" DEFAULT {}", d.literal(v)),
        Some(DefaultValue::Sql(e)) if d == Dialect::Sqlite => format!(" DEFAULT ({e})"),
        Some(DefaultValue::Sql(e)) => format!(" DEFAULT {e}"),
    }
}

/// `CONSTRAINT "fk" FOREIGN KEY (..) REFERENCES "t" (..) [ON DELETE ..] [ON UPDATE ..]`.
pub(crate) fn foreign_key_clause(d: Dialect, fk: &ForeignKey) -> Result<String, Unsupported> {
    if d == Dialect::Mysql
        && [fk.on_delete, fk.on_update].contains(&crate::table::FkAction::SetDefault)
    {
        return Err(Unsupported(
            "MySQL's InnoDB rejects ON DELETE/UPDATE SET DEFAULT: use SET NULL, CASCADE or RESTRICT"
                .into(),
        ));
    }
    let mut s = format!(
        "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
        d.quote(&fk.name),
        d.quote_list(&fk.columns),
        d.quote(&fk.ref_table),
        d.quote_list(&fk.ref_columns)
    );
    if fk.on_delete != crate::table::FkAction::NoAction {
        s.push_str(" ON DELETE ");
        s.push_str(fk.on_delete.sql());
    }
    if fk.on_update != crate::table::FkAction::NoAction {
        s.push_str(" ON UPDATE ");
        s.push_str(fk.on_update.sql());
    }
    Ok(s)
}

/// The table-level constraint clauses of `t` (primary key unless `skip_pk`, uniques,
/// foreign keys, checks), in that order.
pub(crate) fn constraint_clauses(
    d: Dialect,
    t: &Table,
    skip_pk: bool,
) -> Result<Vec<String>, Unsupported> {
    let mut out = Vec::new();
    if let (Some(pk), false) = (&t.primary_key, skip_pk) {
        out.push(match d {
            Dialect::Mysql => format!("PRIMARY KEY ({})", d.quote_list(&pk.columns)),
            _ => format!(
                "CONSTRAINT {} PRIMARY KEY ({})",
                d.quote(&pk.name),
                d.quote_list(&pk.columns)
            ),
        });
    }
    for u in &t.uniques {
        out.push(format!(
            "CONSTRAINT {} UNIQUE ({})",
            d.quote(&u.name),
            d.quote_list(&u.columns)
        ));
    }
    for fk in &t.foreign_keys {
        out.push(foreign_key_clause(d, fk)?);
    }
    for c in &t.checks {
        out.push(format!(
            "CONSTRAINT {} CHECK ({})",
            d.quote(&c.name),
            c.expr
        ));
    }
    Ok(out)
}

/// `CREATE TABLE name (defs...)` from column definitions and constraint clauses.
pub(crate) fn create_table_sql(d: Dialect, name: &str, parts: &[String], suffix: &str) -> String {
    format!(
        "CREATE TABLE {} (\n  {}\n){suffix}",
        d.quote(name),
        parts.join(",\n  ")
    )
}

/// `CREATE [UNIQUE] INDEX ... ON ... (...) [WHERE ...]`.
pub(crate) fn create_index_sql(d: Dialect, table: &str, i: &Index) -> Result<String, Unsupported> {
    let mut s = format!(
        "CREATE {}INDEX {} ON {} ({})",
        if i.unique { "UNIQUE " } else { "" },
        d.quote(&i.name),
        d.quote(table),
        d.quote_list(&i.columns)
    );
    if let Some(w) = &i.where_clause {
        if d == Dialect::Mysql {
            return Err(Unsupported(format!(
                "MySQL has no partial indexes (index \"{}\" has WHERE {w}): drop the WHERE clause for MySQL or use a generated column",
                i.name
            )));
        }
        s.push_str(" WHERE ");
        s.push_str(w);
    }
    Ok(s)
}

/// `INSERT INTO ... VALUES (...), (...)`, in chunks of at most 500 rows.
pub(crate) fn insert_sql(
    d: Dialect,
    table: &str,
    columns: &[String],
    rows: &[Vec<Value>],
) -> Vec<String> {
    rows.chunks(500)
        .map(|chunk| {
            let values: Vec<String> = chunk
                .iter()
                .map(|r| {
                    let vals: Vec<String> = r.iter().map(|v| d.literal(v)).collect();
                    format!("({})", vals.join(", "))
                })
                .collect();
            format!(
                "INSERT INTO {} ({}) VALUES {}",
                d.quote(table),
                d.quote_list(columns),
                values.join(", ")
            )
        })
        .collect()
}

/// Refuses a name the op creates that the backend would truncate or reject, before
/// anything runs.
fn check_name_lengths(d: Dialect, op: &Op) -> Result<(), RenderError> {
    let Some((max, unit)) = d.max_identifier() else {
        return Ok(());
    };
    let mut names: Vec<&str> = Vec::new();
    match op {
        Op::CreateTable(t) => {
            names.push(&t.name);
            names.extend(t.columns.iter().map(|c| c.name.as_str()));
            names.extend(t.indexes.iter().map(|i| i.name.as_str()));
            names.extend(t.uniques.iter().map(|u| u.name.as_str()));
            names.extend(t.foreign_keys.iter().map(|f| f.name.as_str()));
            names.extend(t.checks.iter().map(|c| c.name.as_str()));
            names.extend(t.primary_key.iter().map(|p| p.name.as_str()));
        }
        Op::RenameTable { to, .. } => names.push(to),
        Op::AddColumn { column, .. } => names.push(&column.name),
        Op::AlterColumn { change, .. } => names.extend(change.rename.as_deref()),
        Op::CreateIndex { index, .. } => names.push(&index.name),
        Op::CreateUnique { unique, .. } => names.push(&unique.name),
        Op::CreateForeignKey { foreign_key, .. } => names.push(&foreign_key.name),
        Op::CreateCheck { check, .. } => names.push(&check.name),
        Op::CreatePrimaryKey { primary_key, .. } => names.push(&primary_key.name),
        Op::CreateEnum(e) => names.push(&e.name),
        _ => {}
    }
    for name in names {
        let len = match unit {
            "bytes" => name.len(),
            _ => name.chars().count(),
        };
        if len > max {
            return Err(RenderError::Unsupported {
                op: op.describe(),
                dialect: d,
                reason: format!(
                    "the name \"{name}\" is {len} {unit} long, and {d} keeps at most {max}: shorten it"
                ),
            });
        }
    }
    Ok(())
}

/// `ALTER TABLE <t> <rest>`.
pub(crate) fn alter_table(d: Dialect, table: &str, rest: String) -> Statement {
    Statement::Execute(format!("ALTER TABLE {} {rest}", d.quote(table)))
}

/// Renders the ops whose SQL is the same in every dialect (`drop_table`, `create_index`,
/// `execute`, `bulk_insert`). Returns `false`, having written nothing, for any other op.
pub(crate) fn render_shared(
    d: Dialect,
    op: &Op,
    out: &mut Vec<Statement>,
) -> Result<bool, Unsupported> {
    match op {
        Op::DropTable { table } => {
            out.push(Statement::Execute(format!("DROP TABLE {}", d.quote(table))))
        }
        Op::CreateIndex { table, index } => {
            out.push(Statement::Execute(create_index_sql(d, table, index)?))
        }
        Op::Execute(e) => out.push(Statement::Execute(execute_sql(d, e)?)),
        Op::DataStep(step) => out.push(Statement::Data {
            label: crate::text::sql_comment(&format!(
                "data step \"{}\": Rust code, runs only against a live database",
                step.name
            )),
            step: *step,
        }),
        Op::BulkInsert {
            table,
            columns,
            rows,
        } => out.extend(
            insert_sql(d, table, columns, rows)
                .into_iter()
                .map(Statement::Execute),
        ),
        _ => return Ok(false),
    }
    Ok(true)
}

/// `ALTER TABLE ... ADD CONSTRAINT` for a unique, foreign key or check op (PostgreSQL and
/// MySQL; SQLite adds constraints by rebuilding the table).
pub(crate) fn add_constraint(d: Dialect, op: &Op) -> Result<Statement, Unsupported> {
    let (table, rest) = match op {
        Op::CreateUnique { table, unique } => (
            table,
            format!(
                "ADD CONSTRAINT {} UNIQUE ({})",
                d.quote(&unique.name),
                d.quote_list(&unique.columns)
            ),
        ),
        Op::CreateForeignKey { table, foreign_key } => (
            table,
            format!("ADD {}", foreign_key_clause(d, foreign_key)?),
        ),
        Op::CreateCheck { table, check } => (
            table,
            format!(
                "ADD CONSTRAINT {} CHECK ({})",
                d.quote(&check.name),
                check.expr
            ),
        ),
        other => unreachable!("{} is not an added constraint", other.kind()),
    };
    Ok(alter_table(d, table, rest))
}

/// The SQL of an `execute` op for `d`, or why there is none.
pub(crate) fn execute_sql(d: Dialect, e: &crate::op::Execute) -> Result<String, Unsupported> {
    e.sql.for_dialect(d).map(str::to_owned).ok_or_else(|| {
        Unsupported(format!(
            "this execute step has SQL only for other dialects: add one with Sql::on(Dialect::{d:?}, ..)"
        ))
    })
}
