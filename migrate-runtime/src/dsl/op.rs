//! The migration DSL: typed schema operations as data.
//!
//! A migration returns a `Vec<Op>`; it never runs SQL itself. Because ops are data, the
//! schema at any revision can be replayed without a database ([`crate::schema::Schema`]),
//! the downgrade can be derived ([`crate::inverse`]), and SQL can be rendered for any
//! dialect offline ([`crate::dialect`]).
//!
//! ```
//! use migrate_runtime::prelude::*;
//!
//! fn upgrade() -> Vec<Op> {
//!     vec![
//!         op::create_table(
//!             Table::new("users")
//!                 .column(Column::new("id", Type::Integer).primary_key().autoincrement())
//!                 .column(Column::new("email", Type::Varchar(255)).not_null().unique()),
//!         ),
//!         op::add_column(
//!             "users",
//!             Column::new("is_admin", Type::Boolean).not_null().server_default(false),
//!         ),
//!         op::create_index("users", Index::new(["email", "is_admin"])),
//!     ]
//! }
//! assert_eq!(upgrade().len(), 3);
//! ```

use crate::column::{Column, DefaultValue, EnumType, Type, Value};
pub use crate::data::DataStep;
use crate::dsl::dialect::Dialect;
pub use crate::table::{Check, FkAction, ForeignKey, Index, PrimaryKey, Table, Unique};

/// One schema change. Build ops with the functions of this module.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// `CREATE TABLE`, with the table's indexes and constraints.
    CreateTable(Table),
    /// `DROP TABLE`.
    DropTable {
        /// The table.
        table: String,
    },
    /// Renames a table.
    RenameTable {
        /// The current name.
        from: String,
        /// The new name.
        to: String,
    },
    /// Adds a column.
    AddColumn {
        /// The table.
        table: String,
        /// The new column.
        column: Column,
    },
    /// Drops a column.
    DropColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// Changes a column: name, type, nullability, default or comment.
    AlterColumn {
        /// The table.
        table: String,
        /// The column's current name.
        column: String,
        /// What changes.
        change: AlterColumn,
    },
    /// Creates an index.
    CreateIndex {
        /// The table.
        table: String,
        /// The index (named).
        index: Index,
    },
    /// Drops an index.
    DropIndex {
        /// The table.
        table: String,
        /// The index name.
        name: String,
    },
    /// Adds a unique constraint.
    CreateUnique {
        /// The table.
        table: String,
        /// The constraint (named).
        unique: Unique,
    },
    /// Adds a foreign key.
    CreateForeignKey {
        /// The referencing table.
        table: String,
        /// The constraint (named).
        foreign_key: ForeignKey,
    },
    /// Adds a check constraint.
    CreateCheck {
        /// The table.
        table: String,
        /// The constraint (named).
        check: Check,
    },
    /// Adds a primary key to a table that has none.
    CreatePrimaryKey {
        /// The table.
        table: String,
        /// The key.
        primary_key: PrimaryKey,
    },
    /// Drops a named constraint of any kind (primary key, unique, foreign key, check).
    DropConstraint {
        /// The table.
        table: String,
        /// The constraint name.
        name: String,
    },
    /// Creates a named enum type (PostgreSQL `CREATE TYPE ... AS ENUM`).
    CreateEnum(EnumType),
    /// Drops a named enum type.
    DropEnum {
        /// The type name.
        name: String,
    },
    /// Runs raw SQL: opaque to the schema model, irreversible unless it has a reverse.
    Execute(Execute),
    /// Runs a Rust function with the live connection ([`crate::data`]): opaque to the
    /// schema model, irreversible unless it has a reverse.
    DataStep(DataStep),
    /// Inserts rows of typed values: irreversible.
    BulkInsert {
        /// The table.
        table: String,
        /// The columns the values are for.
        columns: Vec<String>,
        /// The rows.
        rows: Vec<Vec<Value>>,
    },
}

impl Op {
    /// A short name of the op's kind, as used in error messages (`add_column`).
    pub fn kind(&self) -> &'static str {
        match self {
            Op::CreateTable(_) => "create_table",
            Op::DropTable { .. } => "drop_table",
            Op::RenameTable { .. } => "rename_table",
            Op::AddColumn { .. } => "add_column",
            Op::DropColumn { .. } => "drop_column",
            Op::AlterColumn { .. } => "alter_column",
            Op::CreateIndex { .. } => "create_index",
            Op::DropIndex { .. } => "drop_index",
            Op::CreateUnique { .. } => "create_unique_constraint",
            Op::CreateForeignKey { .. } => "create_foreign_key",
            Op::CreateCheck { .. } => "create_check_constraint",
            Op::CreatePrimaryKey { .. } => "create_primary_key",
            Op::DropConstraint { .. } => "drop_constraint",
            Op::CreateEnum(_) => "create_enum",
            Op::DropEnum { .. } => "drop_enum",
            Op::Execute(_) => "execute",
            Op::BulkInsert { .. } => "bulk_insert",
            Op::DataStep(_) => "data_step",
        }
    }

    /// The table the op changes, if it changes exactly one.
    pub fn table(&self) -> Option<&str> {
        match self {
            Op::CreateTable(t) => Some(&t.name),
            Op::RenameTable { from, .. } => Some(from),
            Op::DropTable { table }
            | Op::AddColumn { table, .. }
            | Op::DropColumn { table, .. }
            | Op::AlterColumn { table, .. }
            | Op::CreateIndex { table, .. }
            | Op::DropIndex { table, .. }
            | Op::CreateUnique { table, .. }
            | Op::CreateForeignKey { table, .. }
            | Op::CreateCheck { table, .. }
            | Op::CreatePrimaryKey { table, .. }
            | Op::DropConstraint { table, .. }
            | Op::BulkInsert { table, .. } => Some(table),
            Op::CreateEnum(_) | Op::DropEnum { .. } | Op::Execute(_) | Op::DataStep(_) => None,
        }
    }

    /// A one-line description for messages: `add_column "items"."is_physical"`.
    pub fn describe(&self) -> String {
        let k = self.kind();
        match self {
            Op::CreateTable(t) => format!("{k} \"{}\"", t.name),
            Op::RenameTable { from, to } => format!("{k} \"{from}\" to \"{to}\""),
            Op::AddColumn { table, column } => format!("{k} \"{table}\".\"{}\"", column.name),
            Op::DropColumn { table, column } | Op::AlterColumn { table, column, .. } => {
                format!("{k} \"{table}\".\"{column}\"")
            }
            Op::CreateIndex { table, index } => format!("{k} \"{}\" on \"{table}\"", index.name),
            Op::DropIndex { table, name } | Op::DropConstraint { table, name } => {
                format!("{k} \"{name}\" on \"{table}\"")
            }
            Op::CreateUnique { table, unique } => format!("{k} \"{}\" on \"{table}\"", unique.name),
            Op::CreateForeignKey { table, foreign_key } => {
                format!("{k} \"{}\" on \"{table}\"", foreign_key.name)
            }
            Op::CreateCheck { table, check } => format!("{k} \"{}\" on \"{table}\"", check.name),
            Op::CreatePrimaryKey { table, primary_key } => {
                format!("{k} \"{}\" on \"{table}\"", primary_key.name)
            }
            Op::CreateEnum(e) => format!("{k} \"{}\"", e.name),
            Op::DropEnum { name } => format!("{k} \"{name}\""),
            Op::Execute(e) => {
                let sql = e.sql.any.as_deref().unwrap_or("<per-dialect SQL>");
                let short: String = sql.chars().take(60).collect();
                if short.len() < sql.len() {
                    format!("{k} \"{short}...\"")
                } else {
                    format!("{k} \"{short}\"")
                }
            }
            Op::DropTable { table } | Op::BulkInsert { table, .. } => format!("{k} \"{table}\""),
            Op::DataStep(d) => format!("{k} \"{}\"", d.name),
        }
    }
}

/// The changes of an `alter_column`; unset fields stay as they are.
///
/// ```
/// use migrate_runtime::prelude::*;
/// let op = op::alter_column(
///     "orders",
///     "status",
///     AlterColumn::new().set_type(Type::Text).not_null().set_default("PENDING"),
/// );
/// assert_eq!(op.kind(), "alter_column");
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlterColumn {
    /// Rename the column to this.
    pub rename: Option<String>,
    /// Change the type to this.
    pub ty: Option<Type>,
    /// Change nullability: `Some(true)` allows NULL.
    pub nullable: Option<bool>,
    /// Change the default: `Some(None)` drops it.
    pub default: Option<Option<DefaultValue>>,
    /// Change the comment: `Some(None)` drops it.
    pub comment: Option<Option<String>>,
}

impl AlterColumn {
    /// No change yet.
    pub fn new() -> Self {
        Self::default()
    }
    /// Renames the column.
    pub fn rename(mut self, to: impl Into<String>) -> Self {
        self.rename = Some(to.into());
        self
    }
    /// Changes the type (existing values are converted by the database).
    pub fn set_type(mut self, ty: Type) -> Self {
        self.ty = Some(ty);
        self
    }
    /// Disallows NULL.
    pub fn not_null(mut self) -> Self {
        self.nullable = Some(false);
        self
    }
    /// Allows NULL.
    pub fn nullable(mut self) -> Self {
        self.nullable = Some(true);
        self
    }
    /// Sets the server default.
    pub fn set_default(mut self, default: impl Into<DefaultValue>) -> Self {
        self.default = Some(Some(default.into()));
        self
    }
    /// Removes the server default.
    pub fn drop_default(mut self) -> Self {
        self.default = Some(None);
        self
    }
    /// Sets the comment.
    pub fn set_comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(Some(comment.into()));
        self
    }
    /// Removes the comment.
    pub fn drop_comment(mut self) -> Self {
        self.comment = Some(None);
        self
    }
    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// SQL text, the same for every dialect or given per dialect.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sql {
    /// Used for every dialect that has no text of its own.
    pub any: Option<String>,
    /// SQLite's text.
    pub sqlite: Option<String>,
    /// PostgreSQL's text.
    pub postgres: Option<String>,
    /// MySQL's text.
    pub mysql: Option<String>,
}

impl Sql {
    /// The same SQL for every dialect.
    pub fn new(sql: impl Into<String>) -> Self {
        Sql {
            any: Some(sql.into()),
            ..Sql::default()
        }
    }
    /// No SQL yet: add some per dialect with [`Sql::on`].
    pub fn none() -> Self {
        Sql::default()
    }
    /// Sets the text for one dialect.
    pub fn on(mut self, dialect: Dialect, sql: impl Into<String>) -> Self {
        let slot = match dialect {
            // The text per dialect is data keyed by the dialect, not behaviour.
            Dialect::Sqlite => &mut self.sqlite,
            Dialect::Postgres => &mut self.postgres,
            Dialect::Mysql => &mut self.mysql,
        };
        *slot = Some(sql.into());
        self
    }
    /// The text for `dialect`: its own, else the common one.
    pub fn for_dialect(&self, dialect: Dialect) -> Option<&str> {
        let own = match dialect {
            Dialect::Sqlite => &self.sqlite,
            Dialect::Postgres => &self.postgres,
            Dialect::Mysql => &self.mysql,
        };
        own.as_deref().or(self.any.as_deref())
    }
}

impl From<&str> for Sql {
    fn from(s: &str) -> Self {
        Sql::new(s)
    }
}
impl From<String> for Sql {
    fn from(s: String) -> Self {
        Sql::new(s)
    }
}

/// Raw SQL for `op::execute`, with an optional reverse that makes it reversible.
///
/// ```
/// use migrate_runtime::prelude::*;
/// let step = op::execute(
///     Execute::new("UPDATE items SET price = price * 100")
///         .reverse("UPDATE items SET price = price / 100"),
/// );
/// assert_eq!(step.kind(), "execute");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Execute {
    /// The SQL to run.
    pub sql: Sql,
    /// The SQL that undoes it, if any.
    pub reverse: Option<Sql>,
}

impl Execute {
    /// Runs `sql` (one statement, or a [`Sql`] with per-dialect text).
    pub fn new(sql: impl Into<Sql>) -> Self {
        Execute {
            sql: sql.into(),
            reverse: None,
        }
    }
    /// Sets the SQL that undoes this step.
    pub fn reverse(mut self, sql: impl Into<Sql>) -> Self {
        self.reverse = Some(sql.into());
        self
    }
}

impl From<&str> for Execute {
    fn from(s: &str) -> Self {
        Execute::new(s)
    }
}
impl From<String> for Execute {
    fn from(s: String) -> Self {
        Execute::new(s)
    }
}
impl From<Sql> for Execute {
    fn from(s: Sql) -> Self {
        Execute::new(s)
    }
}

/// Runs a Rust data step with the live connection: see [`crate::data`].
pub fn data_step(step: DataStep) -> Op {
    Op::DataStep(step)
}

/// Creates a table with its columns, indexes and constraints.
pub fn create_table(table: Table) -> Op {
    Op::CreateTable(table)
}

/// Drops a table. Its full definition is known from the schema state, so the derived
/// downgrade recreates it (without its rows).
pub fn drop_table(table: impl Into<String>) -> Op {
    Op::DropTable {
        table: table.into(),
    }
}

/// Renames a table.
pub fn rename_table(from: impl Into<String>, to: impl Into<String>) -> Op {
    Op::RenameTable {
        from: from.into(),
        to: to.into(),
    }
}

/// Adds a column to a table.
pub fn add_column(table: impl Into<String>, column: Column) -> Op {
    Op::AddColumn {
        table: table.into(),
        column,
    }
}

/// Drops a column. Drop its indexes and constraints first.
pub fn drop_column(table: impl Into<String>, column: impl Into<String>) -> Op {
    Op::DropColumn {
        table: table.into(),
        column: column.into(),
    }
}

/// Changes a column's name, type, nullability, default or comment.
pub fn alter_column(
    table: impl Into<String>,
    column: impl Into<String>,
    change: AlterColumn,
) -> Op {
    Op::AlterColumn {
        table: table.into(),
        column: column.into(),
        change,
    }
}

/// Renames a column (an `alter_column` that only renames).
pub fn rename_column(
    table: impl Into<String>,
    column: impl Into<String>,
    to: impl Into<String>,
) -> Op {
    alter_column(table, column, AlterColumn::new().rename(to))
}

/// Creates an index on `table`; an unnamed index is named by the convention.
pub fn create_index(table: impl Into<String>, mut index: Index) -> Op {
    let table = table.into();
    index.resolve_name(&table);
    Op::CreateIndex { table, index }
}

/// Drops the index `name` of `table`.
pub fn drop_index(table: impl Into<String>, name: impl Into<String>) -> Op {
    Op::DropIndex {
        table: table.into(),
        name: name.into(),
    }
}

/// Adds a unique constraint to `table`; an unnamed one is named by the convention.
pub fn create_unique_constraint(table: impl Into<String>, mut unique: Unique) -> Op {
    let table = table.into();
    unique.resolve_name(&table);
    Op::CreateUnique { table, unique }
}

/// Adds a foreign key to `table`; an unnamed one is named by the convention.
pub fn create_foreign_key(table: impl Into<String>, mut foreign_key: ForeignKey) -> Op {
    let table = table.into();
    foreign_key.resolve_name(&table);
    Op::CreateForeignKey { table, foreign_key }
}

/// Adds a check constraint to `table`, named `ck_<table>_<name>`.
pub fn create_check_constraint(table: impl Into<String>, mut check: Check) -> Op {
    let table = table.into();
    check.resolve_name(&table);
    Op::CreateCheck { table, check }
}

/// Adds a primary key (named `pk_<table>`) to a table that has none.
pub fn create_primary_key<I, S>(table: impl Into<String>, columns: I) -> Op
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let table = table.into();
    let primary_key = PrimaryKey::new(&table, columns);
    Op::CreatePrimaryKey { table, primary_key }
}

/// Drops the constraint `name` (primary key, unique, foreign key or check) of `table`.
pub fn drop_constraint(table: impl Into<String>, name: impl Into<String>) -> Op {
    Op::DropConstraint {
        table: table.into(),
        name: name.into(),
    }
}

/// Creates a named enum type (PostgreSQL). On MySQL and SQLite the labels are written into
/// each column that uses the type, so this op renders no statement there; it still records
/// the type in the schema model so columns can refer to it.
pub fn create_enum(ty: EnumType) -> Op {
    Op::CreateEnum(ty)
}

/// Drops a named enum type. No column may still use it.
pub fn drop_enum(name: impl Into<String>) -> Op {
    Op::DropEnum { name: name.into() }
}

/// Runs raw SQL: a string, a [`Sql`] with per-dialect text, or an [`Execute`] with a reverse.
///
/// The schema model does not see into raw SQL: use it for data changes, not for schema
/// changes that later migrations build on.
pub fn execute(sql: impl Into<Execute>) -> Op {
    Op::Execute(sql.into())
}

/// Inserts rows of typed values into `table`.
///
/// ```
/// use migrate_runtime::prelude::*;
/// let seed = op::bulk_insert(
///     "items",
///     ["name", "price"],
///     vec![vec!["book".into(), 1200.into()], vec!["pen".into(), 150.into()]],
/// );
/// assert_eq!(seed.kind(), "bulk_insert");
/// ```
pub fn bulk_insert<I, S>(table: impl Into<String>, columns: I, rows: Vec<Vec<Value>>) -> Op
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    Op::BulkInsert {
        table: table.into(),
        columns: columns.into_iter().map(Into::into).collect(),
        rows,
    }
}
