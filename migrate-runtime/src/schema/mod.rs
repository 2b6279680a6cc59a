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

pub(crate) mod defaults;
pub mod diff;
pub mod inverse;
pub mod naming;
pub(crate) mod sql;
pub(crate) mod stored;

use std::collections::BTreeMap;
use std::fmt;

use crate::column::{Column, EnumType, Type};
use crate::op::{AlterColumn, Op};
use crate::table::{PrimaryKey, Table, Unique};

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

    fn table_ref(&self, name: &str) -> Result<&Table, SchemaErrorKind> {
        self.tables
            .get(name)
            .ok_or_else(|| SchemaErrorKind::NoSuchTable {
                table: name.to_owned(),
                closest: closest(name, self.tables.keys().map(String::as_str)),
            })
    }

    fn table_mut(&mut self, name: &str) -> Result<&mut Table, SchemaErrorKind> {
        self.table_ref(name)?;
        Ok(self.tables.get_mut(name).expect("checked above"))
    }

    /// Who owns an index or constraint name, anywhere in the schema.
    fn name_owner(&self, name: &str) -> Option<String> {
        self.tables.values().find_map(|t| {
            t.object_names()
                .any(|n| n == name)
                .then(|| format!("an index or constraint of table \"{}\"", t.name))
        })
    }

    fn check_name_free(&self, name: &str) -> Result<(), SchemaErrorKind> {
        if name.is_empty() {
            return Err(SchemaErrorKind::Invalid(
                "an index or constraint needs a name".into(),
            ));
        }
        match self.name_owner(name) {
            Some(owner) => Err(SchemaErrorKind::NameTaken {
                name: name.to_owned(),
                owner,
            }),
            None => Ok(()),
        }
    }

    fn check_type(&self, ty: &Type) -> Result<(), SchemaErrorKind> {
        match ty {
            Type::Enum(e) => match self.enums.get(&e.name) {
                None => Err(SchemaErrorKind::NoSuchEnum {
                    name: e.name.clone(),
                }),
                Some(known) if known.variants != e.variants => {
                    Err(SchemaErrorKind::Invalid(format!(
                        "enum type \"{}\" has the labels {:?}, not {:?}",
                        e.name, known.variants, e.variants
                    )))
                }
                Some(_) => Ok(()),
            },
            Type::Varchar(0) | Type::Char(0) => Err(SchemaErrorKind::Invalid(
                "a Varchar or Char length must be at least 1".into(),
            )),
            Type::Numeric(p, s) if *p == 0 || s > p => Err(SchemaErrorKind::Invalid(format!(
                "Numeric({p}, {s}) needs 1 <= precision and scale <= precision"
            ))),
            _ => Ok(()),
        }
    }

    fn check_columns_exist(table: &Table, cols: &[String]) -> Result<(), SchemaErrorKind> {
        if cols.is_empty() {
            return Err(SchemaErrorKind::Invalid(
                "an index or constraint needs at least one column".into(),
            ));
        }
        for c in cols {
            if table.get_column(c).is_none() {
                return Err(no_such_column(table, c));
            }
        }
        Ok(())
    }

    fn check_foreign_key(
        &self,
        table: &Table,
        fk: &crate::table::ForeignKey,
    ) -> Result<(), SchemaErrorKind> {
        Self::check_columns_exist(table, &fk.columns)?;
        let target = if fk.ref_table == table.name {
            table
        } else {
            self.table_ref(&fk.ref_table)?
        };
        Self::check_columns_exist(target, &fk.ref_columns)?;
        if fk.columns.len() != fk.ref_columns.len() {
            return Err(SchemaErrorKind::Invalid(format!(
                "foreign key \"{}\" has {} columns but references {}",
                fk.name,
                fk.columns.len(),
                fk.ref_columns.len()
            )));
        }
        Ok(())
    }

    /// Folds column-level `primary_key` / `unique` flags into table-level constraints and
    /// validates the whole table against this schema.
    fn normalize_new_table(&self, mut t: Table) -> Result<Table, SchemaErrorKind> {
        if t.columns.is_empty() {
            return Err(SchemaErrorKind::Invalid(format!(
                "table \"{}\" needs at least one column",
                t.name
            )));
        }
        for (i, c) in t.columns.iter().enumerate() {
            if t.columns[..i].iter().any(|o| o.name == c.name) {
                return Err(SchemaErrorKind::ColumnExists {
                    table: t.name.clone(),
                    column: c.name.clone(),
                });
            }
            self.check_type(&c.ty)?;
        }
        let pk_cols: Vec<String> = t
            .columns
            .iter()
            .filter(|c| c.primary_key)
            .map(|c| c.name.clone())
            .collect();
        if !pk_cols.is_empty() {
            if t.primary_key.is_some() {
                return Err(SchemaErrorKind::Invalid(format!(
                    "table \"{}\" declares its primary key both on columns and with Table::primary_key: keep one",
                    t.name
                )));
            }
            t.primary_key = Some(PrimaryKey::new(&t.name, pk_cols));
        }
        let mut uniques = Vec::new();
        for c in &mut t.columns {
            if c.unique {
                let mut u = Unique::new([c.name.clone()]);
                u.resolve_name(&t.name);
                uniques.push(u);
            }
            c.primary_key = false;
            c.unique = false;
        }
        uniques.append(&mut t.uniques);
        t.uniques = uniques;
        if let Some(pk) = &t.primary_key {
            Self::check_columns_exist(&t, &pk.columns)?;
            for c in &pk.columns {
                if t.get_column(c).is_some_and(|c| c.nullable) {
                    return Err(SchemaErrorKind::Invalid(format!(
                        "primary key column \"{c}\" of table \"{}\" is nullable: mark it .not_null()",
                        t.name
                    )));
                }
            }
        }
        for c in &t.columns {
            check_autoincrement(&t, c)?;
        }
        for i in &t.indexes {
            Self::check_columns_exist(&t, &i.columns)?;
        }
        for u in &t.uniques {
            Self::check_columns_exist(&t, &u.columns)?;
        }
        for fk in &t.foreign_keys {
            self.check_foreign_key(&t, fk)?;
        }
        let names: Vec<&str> = t.object_names().collect();
        for (i, n) in names.iter().enumerate() {
            if names[..i].contains(n) {
                return Err(SchemaErrorKind::NameTaken {
                    name: (*n).to_owned(),
                    owner: format!("another index or constraint of table \"{}\"", t.name),
                });
            }
            self.check_name_free(n)?;
        }
        Ok(t)
    }

    fn apply_in_place(&mut self, op: &Op) -> Result<(), SchemaErrorKind> {
        match op {
            Op::CreateTable(t) => {
                if self.tables.contains_key(&t.name) {
                    return Err(SchemaErrorKind::TableExists(t.name.clone()));
                }
                let t = self.normalize_new_table(t.clone())?;
                self.tables.insert(t.name.clone(), t);
            }
            Op::DropTable { table } => {
                self.table_ref(table)?;
                if let Some((from, fk)) = self.referencing(table, None).next() {
                    return Err(SchemaErrorKind::InUse {
                        what: format!("table \"{table}\""),
                        by: format!("foreign key \"{}\" of table \"{from}\"", fk),
                        by_short: "that foreign key".into(),
                    });
                }
                self.tables.remove(table);
            }
            Op::RenameTable { from, to } => {
                self.table_ref(from)?;
                if self.tables.contains_key(to) {
                    return Err(SchemaErrorKind::TableExists(to.clone()));
                }
                // A primary key is always named by the convention (`pk_<table>`): it follows
                // the table's new name, so that a key added back later (with its column, by
                // the inverse of drop_column) has the name the key had.
                let renamed_pk = self.tables[from]
                    .primary_key
                    .as_ref()
                    .filter(|pk| pk.name == naming::primary_key(from))
                    .map(|_| naming::primary_key(to));
                if let Some(name) = &renamed_pk {
                    self.check_name_free(name)?;
                }
                let mut t = self.tables.remove(from).expect("checked above");
                t.name = to.clone();
                if let (Some(pk), Some(name)) = (&mut t.primary_key, renamed_pk) {
                    pk.name = name;
                }
                self.tables.insert(to.clone(), t);
                for t in self.tables.values_mut() {
                    for fk in &mut t.foreign_keys {
                        if fk.ref_table == *from {
                            fk.ref_table = to.clone();
                        }
                    }
                }
            }
            Op::AddColumn { table, column } => self.add_column(table, column)?,
            Op::DropColumn { table, column } => self.drop_column(table, column)?,
            Op::AlterColumn {
                table,
                column,
                change,
            } => self.alter_column(table, column, change)?,
            Op::CreateIndex { table, index } => {
                let t = self.table_ref(table)?;
                Self::check_columns_exist(t, &index.columns)?;
                self.check_name_free(&index.name)?;
                self.table_mut(table)?.indexes.push(index.clone());
            }
            Op::DropIndex { table, name } => {
                let unique = self
                    .table_ref(table)?
                    .indexes
                    .iter()
                    .find(|i| i.name == *name);
                if let Some(i) = unique.filter(|i| i.unique && i.where_clause.is_none()) {
                    self.check_key_unused(table, name, &i.columns, "unique index")?;
                }
                let t = self.table_mut(table)?;
                let pos = t.indexes.iter().position(|i| i.name == *name);
                match pos {
                    Some(p) => {
                        t.indexes.remove(p);
                    }
                    None => {
                        let closest = closest(name, t.indexes.iter().map(|i| i.name.as_str()));
                        return Err(SchemaErrorKind::NoSuchIndex {
                            table: table.clone(),
                            name: name.clone(),
                            closest,
                        });
                    }
                }
            }
            Op::CreateUnique { table, unique } => {
                Self::check_columns_exist(self.table_ref(table)?, &unique.columns)?;
                self.check_name_free(&unique.name)?;
                self.table_mut(table)?.uniques.push(unique.clone());
            }
            Op::CreateForeignKey { table, foreign_key } => {
                self.check_foreign_key(self.table_ref(table)?, foreign_key)?;
                self.check_name_free(&foreign_key.name)?;
                self.table_mut(table)?
                    .foreign_keys
                    .push(foreign_key.clone());
            }
            Op::CreateCheck { table, check } => {
                self.table_ref(table)?;
                self.check_name_free(&check.name)?;
                if check.expr.trim().is_empty() {
                    return Err(SchemaErrorKind::Invalid(
                        "a check constraint needs a condition".into(),
                    ));
                }
                self.table_mut(table)?.checks.push(check.clone());
            }
            Op::CreatePrimaryKey { table, primary_key } => {
                let t = self.table_ref(table)?;
                if let Some(pk) = &t.primary_key {
                    return Err(SchemaErrorKind::Invalid(format!(
                        "table \"{table}\" already has the primary key \"{}\": drop it first",
                        pk.name
                    )));
                }
                Self::check_columns_exist(t, &primary_key.columns)?;
                for c in &primary_key.columns {
                    if t.get_column(c).is_some_and(|c| c.nullable) {
                        return Err(SchemaErrorKind::Invalid(format!(
                            "column \"{c}\" is nullable and cannot be in a primary key: alter it to not null first"
                        )));
                    }
                }
                self.check_name_free(&primary_key.name)?;
                self.table_mut(table)?.primary_key = Some(primary_key.clone());
            }
            Op::DropConstraint { table, name } => self.drop_constraint(table, name)?,
            Op::CreateEnum(e) => {
                if self.enums.contains_key(&e.name) {
                    return Err(SchemaErrorKind::EnumExists(e.name.clone()));
                }
                if e.variants.is_empty() {
                    return Err(SchemaErrorKind::Invalid(format!(
                        "enum type \"{}\" needs at least one label",
                        e.name
                    )));
                }
                self.enums.insert(e.name.clone(), e.clone());
            }
            Op::DropEnum { name } => {
                if !self.enums.contains_key(name) {
                    return Err(SchemaErrorKind::NoSuchEnum { name: name.clone() });
                }
                for t in self.tables.values() {
                    for c in &t.columns {
                        if matches!(&c.ty, Type::Enum(e) if e.name == *name) {
                            return Err(SchemaErrorKind::InUse {
                                what: format!("enum type \"{name}\""),
                                by: format!("column \"{}\".\"{}\"", t.name, c.name),
                                by_short: "or alter that column".into(),
                            });
                        }
                    }
                }
                self.enums.remove(name);
            }
            Op::Execute(_) | Op::DataStep(_) => {}
            Op::BulkInsert {
                table,
                columns,
                rows,
            } => {
                let t = self.table_ref(table)?;
                for c in columns {
                    if t.get_column(c).is_none() {
                        return Err(no_such_column(t, c));
                    }
                }
                if let Some((i, r)) = rows
                    .iter()
                    .enumerate()
                    .find(|(_, r)| r.len() != columns.len())
                {
                    return Err(SchemaErrorKind::Invalid(format!(
                        "row {i} has {} values for {} columns",
                        r.len(),
                        columns.len()
                    )));
                }
            }
        }
        Ok(())
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

    fn add_column(&mut self, table: &str, column: &Column) -> Result<(), SchemaErrorKind> {
        let t = self.table_ref(table)?;
        if t.get_column(&column.name).is_some() {
            return Err(SchemaErrorKind::ColumnExists {
                table: table.to_owned(),
                column: column.name.clone(),
            });
        }
        self.check_type(&column.ty)?;
        let mut new_pk = None;
        if column.primary_key {
            if let Some(pk) = &t.primary_key {
                return Err(SchemaErrorKind::Invalid(format!(
                    "table \"{table}\" already has the primary key \"{}\": drop it first",
                    pk.name
                )));
            }
            let pk = PrimaryKey::new(table, [column.name.clone()]);
            self.check_name_free(&pk.name)?;
            new_pk = Some(pk);
        }
        let mut new_unique = None;
        if column.unique {
            let mut u = Unique::new([column.name.clone()]);
            u.resolve_name(table);
            self.check_name_free(&u.name)?;
            new_unique = Some(u);
        }
        let mut c = column.clone();
        c.primary_key = false;
        c.unique = false;
        let t = self.table_mut(table)?;
        t.columns.push(c);
        if new_pk.is_some() {
            t.primary_key = new_pk;
        }
        t.uniques.extend(new_unique);
        let t = self.table_ref(table)?;
        check_autoincrement(t, t.columns.last().expect("just pushed"))
    }

    fn drop_column(&mut self, table: &str, column: &str) -> Result<(), SchemaErrorKind> {
        let t = self.table_ref(table)?;
        if t.get_column(column).is_none() {
            return Err(no_such_column(t, column));
        }
        if t.columns.len() == 1 {
            return Err(SchemaErrorKind::Invalid(format!(
                "\"{column}\" is the last column of table \"{table}\": drop the table instead"
            )));
        }
        if let Some(by) = column_users(t, column).into_iter().next() {
            return Err(SchemaErrorKind::InUse {
                what: format!("column \"{table}\".\"{column}\""),
                by_short: by.clone(),
                by,
            });
        }
        if let Some((from, fk)) = self.referencing(table, Some(column)).next() {
            return Err(SchemaErrorKind::InUse {
                what: format!("column \"{table}\".\"{column}\""),
                by: format!("foreign key \"{fk}\" of table \"{from}\""),
                by_short: "that foreign key".into(),
            });
        }
        let t = self.table_mut(table)?;
        t.columns.retain(|c| c.name != column);
        if t.primary_key
            .as_ref()
            .is_some_and(|p| p.columns.iter().any(|c| c == column))
        {
            t.primary_key = None;
        }
        Ok(())
    }

    fn alter_column(
        &mut self,
        table: &str,
        column: &str,
        change: &AlterColumn,
    ) -> Result<(), SchemaErrorKind> {
        let t = self.table_ref(table)?;
        let Some(old) = t.get_column(column) else {
            return Err(no_such_column(t, column));
        };
        if change.is_empty() {
            return Err(SchemaErrorKind::Invalid(
                "alter_column changes nothing: set a new name, type, nullability, default or comment".into(),
            ));
        }
        if let Some(to) = &change.rename {
            if to != column && t.get_column(to).is_some() {
                return Err(SchemaErrorKind::ColumnExists {
                    table: table.to_owned(),
                    column: to.clone(),
                });
            }
            if let Some(by) = sql_users(t, column)
                .into_iter()
                .find(|(_, sql)| sql::rename_column(sql, column, to).is_none())
                .map(|(by, _)| by)
            {
                return Err(SchemaErrorKind::InUse {
                    what: format!("column \"{table}\".\"{column}\""),
                    by: format!(
                        "{by} (its SQL names the column without the quotes \"{to}\" needs)"
                    ),
                    by_short: by,
                });
            }
        }
        if let Some(ty) = &change.ty {
            self.check_type(ty)?;
            if old.autoincrement && !ty.is_integer() {
                return Err(SchemaErrorKind::Invalid(format!(
                    "column \"{column}\" is autoincrement and must keep an integer type"
                )));
            }
        }
        if change.nullable == Some(true)
            && t.primary_key
                .as_ref()
                .is_some_and(|pk| pk.columns.iter().any(|c| c == column))
        {
            return Err(SchemaErrorKind::InUse {
                what: format!("column \"{table}\".\"{column}\""),
                by: "the primary key (a key column cannot be nullable)".into(),
                by_short: "the primary key".into(),
            });
        }
        let new_name = change.rename.clone().unwrap_or_else(|| column.to_owned());
        let t = self.table_mut(table)?;
        let c = t
            .columns
            .iter_mut()
            .find(|c| c.name == column)
            .expect("checked above");
        c.name = new_name.clone();
        if let Some(ty) = &change.ty {
            c.ty = ty.clone();
        }
        if let Some(n) = change.nullable {
            c.nullable = n;
        }
        if let Some(d) = &change.default {
            c.default = d.clone();
        }
        if let Some(cm) = &change.comment {
            c.comment = cm.clone();
        }
        if new_name != column {
            let rename = |cols: &mut Vec<String>| {
                for x in cols.iter_mut() {
                    if x == column {
                        *x = new_name.clone();
                    }
                }
            };
            if let Some(pk) = &mut t.primary_key {
                rename(&mut pk.columns);
            }
            t.indexes.iter_mut().for_each(|i| rename(&mut i.columns));
            t.uniques.iter_mut().for_each(|u| rename(&mut u.columns));
            t.foreign_keys
                .iter_mut()
                .for_each(|f| rename(&mut f.columns));
            // Checks and partial indexes name their columns in SQL: follow the rename there
            // too, as the databases do (SQLite rebuilds and recreated tables use this text).
            let renamed = |sql: &mut String| {
                *sql = sql::rename_column(sql, column, &new_name).expect("checked above");
            };
            t.checks.iter_mut().for_each(|c| renamed(&mut c.expr));
            t.indexes
                .iter_mut()
                .filter_map(|i| i.where_clause.as_mut())
                .for_each(renamed);
            for other in self.tables.values_mut() {
                for fk in &mut other.foreign_keys {
                    if fk.ref_table == table {
                        rename(&mut fk.ref_columns);
                    }
                }
            }
        }
        Ok(())
    }

    /// Refuses to drop the unique key `name` of `table` over `cols` while a foreign key
    /// references exactly those columns and no other key of the table covers them: every
    /// backend refuses it too (a foreign key needs a unique key on the columns it references).
    fn check_key_unused(
        &self,
        table: &str,
        name: &str,
        cols: &[String],
        kind: &str,
    ) -> Result<(), SchemaErrorKind> {
        let same_set =
            |a: &[String], b: &[String]| a.len() == b.len() && a.iter().all(|c| b.contains(c));
        let t = self.table_ref(table)?;
        let other_key = t
            .primary_key
            .iter()
            .map(|p| (p.name.as_str(), p.columns.as_slice()))
            .chain(
                t.uniques
                    .iter()
                    .map(|u| (u.name.as_str(), u.columns.as_slice())),
            )
            .chain(
                t.indexes
                    .iter()
                    .filter(|i| i.unique && i.where_clause.is_none())
                    .map(|i| (i.name.as_str(), i.columns.as_slice())),
            )
            .any(|(n, c)| n != name && same_set(c, cols));
        if other_key {
            return Ok(());
        }
        let user = self.tables.values().find_map(|o| {
            o.foreign_keys
                .iter()
                .find(|fk| fk.ref_table == table && same_set(&fk.ref_columns, cols))
                .map(|fk| (o.name.clone(), fk.name.clone()))
        });
        match user {
            Some((from, fk)) => Err(SchemaErrorKind::InUse {
                what: format!("{kind} \"{name}\""),
                by: format!("foreign key \"{fk}\" of table \"{from}\""),
                by_short: "that foreign key".into(),
            }),
            None => Ok(()),
        }
    }

    fn drop_constraint(&mut self, table: &str, name: &str) -> Result<(), SchemaErrorKind> {
        let t = self.table_ref(table)?;
        if t.indexes.iter().any(|i| i.name == name) {
            return Err(SchemaErrorKind::Invalid(format!(
                "\"{name}\" is an index, not a constraint: use op::drop_index(\"{table}\", \"{name}\")"
            )));
        }
        if t.primary_key.as_ref().is_some_and(|p| p.name == name) {
            if let Some(c) = t.columns.iter().find(|c| c.autoincrement) {
                return Err(SchemaErrorKind::InUse {
                    what: format!("primary key \"{name}\""),
                    by: format!("autoincrement column \"{}\"", c.name),
                    by_short: "the column's autoincrement (drop the column)".into(),
                });
            }
            let pk_cols = t
                .primary_key
                .as_ref()
                .map(|p| p.columns.clone())
                .unwrap_or_default();
            let dependent = self.tables.values().find_map(|o| {
                o.foreign_keys
                    .iter()
                    .find(|fk| {
                        fk.ref_table == table && fk.ref_columns.iter().any(|c| pk_cols.contains(c))
                    })
                    .map(|fk| (o.name.clone(), fk.name.clone()))
            });
            if let Some((from, fk)) = dependent {
                return Err(SchemaErrorKind::InUse {
                    what: format!("primary key \"{name}\""),
                    by: format!("foreign key \"{fk}\" of table \"{from}\""),
                    by_short: "that foreign key".into(),
                });
            }
            self.table_mut(table)?.primary_key = None;
            return Ok(());
        }
        if let Some(u) = t.uniques.iter().find(|u| u.name == name) {
            self.check_key_unused(table, name, &u.columns, "unique constraint")?;
        }
        let t = self.table_mut(table)?;
        let before = t.uniques.len() + t.foreign_keys.len() + t.checks.len();
        t.uniques.retain(|u| u.name != name);
        t.foreign_keys.retain(|f| f.name != name);
        t.checks.retain(|c| c.name != name);
        if t.uniques.len() + t.foreign_keys.len() + t.checks.len() == before {
            let closest = closest(
                name,
                t.object_names()
                    .filter(|n| !t.indexes.iter().any(|i| i.name == *n)),
            );
            return Err(SchemaErrorKind::NoSuchConstraint {
                table: table.to_owned(),
                name: name.to_owned(),
                closest,
            });
        }
        Ok(())
    }
}

fn no_such_column(t: &Table, column: &str) -> SchemaErrorKind {
    SchemaErrorKind::NoSuchColumn {
        table: t.name.clone(),
        column: column.to_owned(),
        closest: closest(column, t.columns.iter().map(|c| c.name.as_str())),
    }
}

/// The indexes and constraints of `t` that use `column`, described.
fn column_users(t: &Table, column: &str) -> Vec<String> {
    let has = |cols: &[String]| cols.iter().any(|c| c == column);
    let mut users = Vec::new();
    // A single-column primary key goes away with its column, as on every backend.
    let sole_key = |p: &&PrimaryKey| p.columns.len() == 1;
    if let Some(pk) = t
        .primary_key
        .as_ref()
        .filter(|p| has(&p.columns) && !sole_key(p))
    {
        users.push(format!("primary key \"{}\"", pk.name));
    }
    users.extend(
        t.indexes
            .iter()
            .filter(|i| has(&i.columns))
            .map(|i| format!("index \"{}\"", i.name)),
    );
    users.extend(
        t.uniques
            .iter()
            .filter(|u| has(&u.columns))
            .map(|u| format!("unique constraint \"{}\"", u.name)),
    );
    users.extend(
        t.foreign_keys
            .iter()
            .filter(|f| has(&f.columns) || (f.ref_table == t.name && has(&f.ref_columns)))
            .map(|f| format!("foreign key \"{}\"", f.name)),
    );
    for (by, _) in sql_users(t, column) {
        if !users.contains(&by) {
            users.push(by);
        }
    }
    users
}

/// The checks and partial indexes of `t` whose SQL names `column`, described, with that SQL.
fn sql_users<'a>(t: &'a Table, column: &str) -> Vec<(String, &'a str)> {
    let checks = t
        .checks
        .iter()
        .map(|c| (format!("check constraint \"{}\"", c.name), c.expr.as_str()));
    let predicates = t.indexes.iter().filter_map(|i| {
        let w = i.where_clause.as_deref()?;
        Some((format!("index \"{}\"", i.name), w))
    });
    checks
        .chain(predicates)
        .filter(|(_, sql)| sql::names_column(sql, column))
        .collect()
}

fn check_autoincrement(t: &Table, c: &Column) -> Result<(), SchemaErrorKind> {
    if !c.autoincrement {
        return Ok(());
    }
    let sole_pk = t
        .primary_key
        .as_ref()
        .is_some_and(|pk| pk.columns.len() == 1 && pk.columns[0] == c.name);
    if !c.ty.is_integer() || !sole_pk {
        return Err(SchemaErrorKind::Invalid(format!(
            "autoincrement column \"{}\" must be the table's only primary key column and an integer type",
            c.name
        )));
    }
    if t.columns.iter().filter(|o| o.autoincrement).count() > 1 {
        return Err(SchemaErrorKind::Invalid(format!(
            "table \"{}\" can have only one autoincrement column",
            t.name
        )));
    }
    Ok(())
}
