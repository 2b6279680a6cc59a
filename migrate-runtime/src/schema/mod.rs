//! The schema model: tables, columns, indexes and constraints, and the replay of ops.
//!
//! Applying the ops of every migration in order to an empty [`Schema`] gives the exact
//! schema at any revision, with no database. An op that cannot apply (a column added to a
//! table that does not exist, a column dropped while an index uses it) is rejected with a
//! [`SchemaError`] that names the op and suggests the fix.
//!
//! ```
//! use migrate_runtime::prelude::*;
//! use migrate_runtime::schema::Schema;
//!
//! let mut schema = Schema::new();
//! schema.apply(&op::create_table(
//!     Table::new("items").column(Column::new("id", Type::Integer).primary_key()),
//! )).unwrap();
//! let err = schema
//!     .apply(&op::add_column("itmes", Column::new("sku", Type::Text)))
//!     .unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "cannot apply add_column \"itmes\".\"sku\": table \"itmes\" does not exist (did you mean \"items\"?)"
//! );
//! ```

mod apply;
pub(crate) mod defaults;
pub mod diff;
pub mod inverse;
pub mod naming;
pub(crate) mod sql;
pub(crate) mod stored;
mod validate;

use std::collections::BTreeMap;
use std::fmt;

use crate::column::EnumType;
use crate::op::Op;
use crate::table::Table;

/// A database schema: tables and named enum types, ordered by name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    /// Tables by name.
    pub tables: BTreeMap<String, Table>,
    /// Named enum types by name.
    pub enums: BTreeMap<String, EnumType>,
}

/// An op that cannot be applied to the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// The op, described (`add_column "items"."sku"`).
    pub op: String,
    /// Why it cannot apply.
    pub kind: SchemaErrorKind,
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot apply {}: {}", self.op, self.kind)
    }
}

impl std::error::Error for SchemaError {}

/// Indexes and constraints have no order of their own: keep each kind sorted by name, so
/// that equal schemas compare equal whatever order the ops added things in (an op followed
/// by its inverse gives back an equal schema).
pub(crate) fn sort_objects(t: &mut Table) {
    t.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    t.uniques.sort_by(|a, b| a.name.cmp(&b.name));
    t.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
    t.checks.sort_by(|a, b| a.name.cmp(&b.name));
}

fn hint(closest: &Option<String>) -> String {
    closest
        .as_ref()
        .map(|c| format!(" (did you mean \"{c}\"?)"))
        .unwrap_or_default()
}

/// Why an op cannot apply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaErrorKind {
    /// The table does not exist.
    #[error("table \"{table}\" does not exist{}", hint(closest))]
    NoSuchTable {
        /// The table.
        table: String,
        /// The closest existing table name.
        closest: Option<String>,
    },
    /// The table already exists.
    #[error("table \"{0}\" already exists")]
    TableExists(String),
    /// The column does not exist.
    #[error(
        "column \"{column}\" does not exist in table \"{table}\"{}",
        hint(closest)
    )]
    NoSuchColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The closest existing column name.
        closest: Option<String>,
    },
    /// The column already exists.
    #[error("column \"{column}\" already exists in table \"{table}\"")]
    ColumnExists {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// Something still uses the column or table.
    #[error("{what} is still used by {by}: drop {by_short} first")]
    InUse {
        /// What was to be dropped or changed.
        what: String,
        /// What uses it.
        by: String,
        /// How to name the user in the fix.
        by_short: String,
    },
    /// An index or constraint name is taken.
    #[error("the name \"{name}\" is already used by {owner}: give this one another name")]
    NameTaken {
        /// The name.
        name: String,
        /// What has it.
        owner: String,
    },
    /// No such index.
    #[error("table \"{table}\" has no index \"{name}\"{}", hint(closest))]
    NoSuchIndex {
        /// The table.
        table: String,
        /// The index name.
        name: String,
        /// The closest index name.
        closest: Option<String>,
    },
    /// No such constraint.
    #[error("table \"{table}\" has no constraint \"{name}\"{}", hint(closest))]
    NoSuchConstraint {
        /// The table.
        table: String,
        /// The constraint name.
        name: String,
        /// The closest constraint name.
        closest: Option<String>,
    },
    /// No such enum type.
    #[error("enum type \"{name}\" does not exist: create it first with op::create_enum")]
    NoSuchEnum {
        /// The type name.
        name: String,
    },
    /// The enum type exists.
    #[error("enum type \"{0}\" already exists")]
    EnumExists(String),
    /// The definition is invalid in itself.
    #[error("{0}")]
    Invalid(String),
}

fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(name, c), c))
        .filter(|(d, c)| *d <= (name.len().max(c.len()) / 2).max(1))
        .min()
        .map(|(_, c)| c.to_owned())
}

impl Schema {
    /// An empty schema.
    pub fn new() -> Self {
        Self::default()
    }

    /// The schema after applying `ops` to an empty one.
    ///
    /// ```
    /// use migrate_runtime::prelude::*;
    /// use migrate_runtime::schema::Schema;
    /// let s = Schema::replay(&[op::create_table(
    ///     Table::new("t").column(Column::new("id", Type::Integer)),
    /// )])
    /// .unwrap();
    /// assert!(s.table("t").is_some());
    /// ```
    pub fn replay<'a>(ops: impl IntoIterator<Item = &'a Op>) -> Result<Self, SchemaError> {
        let mut s = Schema::new();
        for op in ops {
            s.apply(op)?;
        }
        Ok(s)
    }

    /// The table named `name`.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }

    /// Applies one op, or explains why it cannot apply (the schema is then unchanged).
    pub fn apply(&mut self, op: &Op) -> Result<(), SchemaError> {
        // Undo on failure without copying the whole schema: ops that change one existing
        // table keep a copy of that table; creating, dropping and renaming tables check
        // everything before they change anything; the rest copy the schema.
        enum Undo {
            Nothing,
            Table(String, Box<Table>),
            Schema(Box<Schema>),
        }
        let undo = match op {
            Op::CreateTable(_)
            | Op::DropTable { .. }
            | Op::RenameTable { .. }
            | Op::Execute(_)
            | Op::DataStep(_) => Undo::Nothing,
            Op::CreateEnum(_) | Op::DropEnum { .. } | Op::BulkInsert { .. } => {
                Undo::Schema(Box::new(self.clone()))
            }
            _ => match op.table().and_then(|t| self.tables.get(t)) {
                Some(t) => Undo::Table(t.name.clone(), Box::new(t.clone())),
                None => Undo::Nothing,
            },
        };
        match self.apply_in_place(op) {
            Ok(()) => {
                let touched = match op {
                    Op::RenameTable { to, .. } => Some(to.as_str()),
                    _ => op.table(),
                };
                match touched.and_then(|t| self.tables.get_mut(t)) {
                    Some(t) => sort_objects(t),
                    None => self.tables.values_mut().for_each(sort_objects),
                }
                Ok(())
            }
            Err(kind) => {
                match undo {
                    Undo::Nothing => {}
                    Undo::Table(name, table) => {
                        self.tables.insert(name, *table);
                    }
                    Undo::Schema(schema) => *self = *schema,
                }
                Err(SchemaError {
                    op: op.describe(),
                    kind,
                })
            }
        }
    }

    /// Foreign keys of any table that reference `table` (and `column`, if given), as
    /// `(referencing table, constraint name)`.
    pub fn referencing<'a>(
        &'a self,
        table: &'a str,
        column: Option<&'a str>,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.tables.values().flat_map(move |t| {
            t.foreign_keys
                .iter()
                .filter(move |fk| {
                    fk.ref_table == table
                        && t.name != table
                        && column.is_none_or(|c| fk.ref_columns.iter().any(|r| r == c))
                })
                .map(move |fk| (t.name.as_str(), fk.name.as_str()))
        })
    }
}
