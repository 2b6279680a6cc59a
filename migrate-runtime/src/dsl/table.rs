//! Tables and their indexes and constraints.

use crate::column::Column;
use crate::naming;

/// A table definition: the argument of `op::create_table`, and the schema model's table.
///
/// ```
/// use migrate_runtime::prelude::*;
/// let orders = Table::new("orders")
///     .column(Column::new("id", Type::Integer).primary_key().autoincrement())
///     .column(Column::new("user_id", Type::Integer).not_null())
///     .column(Column::new("created_at", Type::Timestamp).not_null())
///     .foreign_key(ForeignKey::new(["user_id"], "users", ["id"]).on_delete(FkAction::Cascade))
///     .index(Index::new(["created_at"]));
/// assert_eq!(orders.foreign_keys[0].name, "fk_orders_user_id_users");
/// assert_eq!(orders.indexes[0].name, "ix_orders_created_at");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The table name.
    pub name: String,
    /// The columns, in order.
    pub columns: Vec<Column>,
    /// The primary key, if any.
    pub primary_key: Option<PrimaryKey>,
    /// Indexes.
    pub indexes: Vec<Index>,
    /// Unique constraints.
    pub uniques: Vec<Unique>,
    /// Foreign keys from this table.
    pub foreign_keys: Vec<ForeignKey>,
    /// Check constraints.
    pub checks: Vec<Check>,
    /// The table comment.
    pub comment: Option<String>,
}

impl Table {
    /// An empty table named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Table {
            name: name.into(),
            columns: Vec::new(),
            primary_key: None,
            indexes: Vec::new(),
            uniques: Vec::new(),
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            comment: None,
        }
    }

    /// Adds a column.
    pub fn column(mut self, column: Column) -> Self {
        self.columns.push(column);
        self
    }

    /// Sets a (composite) primary key, named `pk_<table>`.
    pub fn primary_key<I, S>(mut self, columns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.primary_key = Some(PrimaryKey::new(&self.name, columns));
        self
    }

    /// Adds an index; an unnamed one is named by the convention.
    pub fn index(mut self, mut index: Index) -> Self {
        index.resolve_name(&self.name);
        self.indexes.push(index);
        self
    }

    /// Adds a unique constraint; an unnamed one is named by the convention.
    pub fn unique(mut self, mut unique: Unique) -> Self {
        unique.resolve_name(&self.name);
        self.uniques.push(unique);
        self
    }

    /// Adds a foreign key; an unnamed one is named by the convention.
    pub fn foreign_key(mut self, mut fk: ForeignKey) -> Self {
        fk.resolve_name(&self.name);
        self.foreign_keys.push(fk);
        self
    }

    /// Adds a check constraint, named `ck_<table>_<name>`.
    pub fn check(mut self, mut check: Check) -> Self {
        check.resolve_name(&self.name);
        self.checks.push(check);
        self
    }

    /// Sets the table comment.
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }

    /// The column named `name`.
    pub fn get_column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Names of every index and constraint of this table.
    pub fn object_names(&self) -> impl Iterator<Item = &str> {
        self.primary_key
            .iter()
            .map(|p| p.name.as_str())
            .chain(self.indexes.iter().map(|i| i.name.as_str()))
            .chain(self.uniques.iter().map(|u| u.name.as_str()))
            .chain(self.foreign_keys.iter().map(|f| f.name.as_str()))
            .chain(self.checks.iter().map(|c| c.name.as_str()))
    }
}

fn strings<I, S>(items: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    items.into_iter().map(Into::into).collect()
}

/// A primary key constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrimaryKey {
    /// The constraint name (`pk_<table>` by convention).
    pub name: String,
    /// The key columns, in order.
    pub columns: Vec<String>,
}

impl PrimaryKey {
    /// A primary key on `table` over `columns`, named by the convention.
    pub fn new<I, S>(table: &str, columns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        PrimaryKey {
            name: naming::primary_key(table),
            columns: strings(columns),
        }
    }
}

/// An index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    /// The index name; empty until attached to a table, then named by the convention.
    pub name: String,
    /// Indexed columns, in order.
    pub columns: Vec<String>,
    /// A unique index.
    pub unique: bool,
    /// A partial index's predicate, as SQL (PostgreSQL and SQLite only).
    pub where_clause: Option<String>,
}

impl Index {
    /// An index over `columns`.
    pub fn new<I, S>(columns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Index {
            name: String::new(),
            columns: strings(columns),
            unique: false,
            where_clause: None,
        }
    }

    /// Names the index explicitly.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Makes it a unique index.
    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }

    /// Makes it a partial index (`WHERE predicate`); not supported on MySQL.
    pub fn where_clause(mut self, predicate: impl Into<String>) -> Self {
        self.where_clause = Some(predicate.into());
        self
    }

    pub(crate) fn resolve_name(&mut self, table: &str) {
        if self.name.is_empty() {
            self.name = naming::index(table, &self.columns);
        }
    }
}

/// A unique constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unique {
    /// The constraint name; empty until attached, then named by the convention.
    pub name: String,
    /// The columns, in order.
    pub columns: Vec<String>,
}

impl Unique {
    /// A unique constraint over `columns`.
    pub fn new<I, S>(columns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Unique {
            name: String::new(),
            columns: strings(columns),
        }
    }

    /// Names the constraint explicitly.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    pub(crate) fn resolve_name(&mut self, table: &str) {
        if self.name.is_empty() {
            self.name = naming::unique(table, &self.columns);
        }
    }
}

/// What a foreign key does when the referenced row is deleted or updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FkAction {
    /// Reject the change (the SQL default, `NO ACTION`).
    #[default]
    NoAction,
    /// Reject the change immediately.
    Restrict,
    /// Delete or update the referencing rows too.
    Cascade,
    /// Set the referencing columns to NULL.
    SetNull,
    /// Set the referencing columns to their defaults (not supported by MySQL's InnoDB).
    SetDefault,
}

impl FkAction {
    /// The SQL spelling, shared by the three dialects.
    pub fn sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "NO ACTION",
            FkAction::Restrict => "RESTRICT",
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
        }
    }
}

/// A foreign key constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    /// The constraint name; empty until attached, then named by the convention.
    pub name: String,
    /// The referencing columns.
    pub columns: Vec<String>,
    /// The referenced table.
    pub ref_table: String,
    /// The referenced columns.
    pub ref_columns: Vec<String>,
    /// `ON DELETE` action.
    pub on_delete: FkAction,
    /// `ON UPDATE` action.
    pub on_update: FkAction,
}

impl ForeignKey {
    /// A foreign key from `columns` to `ref_table`.`ref_columns`.
    pub fn new<I, S, J, T>(columns: I, ref_table: impl Into<String>, ref_columns: J) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
        J: IntoIterator<Item = T>,
        T: Into<String>,
    {
        ForeignKey {
            name: String::new(),
            columns: strings(columns),
            ref_table: ref_table.into(),
            ref_columns: strings(ref_columns),
            on_delete: FkAction::NoAction,
            on_update: FkAction::NoAction,
        }
    }

    /// Names the constraint explicitly.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets the `ON DELETE` action.
    pub fn on_delete(mut self, action: FkAction) -> Self {
        self.on_delete = action;
        self
    }

    /// Sets the `ON UPDATE` action.
    pub fn on_update(mut self, action: FkAction) -> Self {
        self.on_update = action;
        self
    }

    pub(crate) fn resolve_name(&mut self, table: &str) {
        if self.name.is_empty() {
            self.name = naming::foreign_key(table, &self.columns, &self.ref_table);
        }
    }
}

/// A check constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The full constraint name (`ck_<table>_<name>` once attached).
    pub name: String,
    /// The short name given by the user; the convention builds the full name from it.
    pub short_name: String,
    /// The condition, as SQL.
    pub expr: String,
}

impl Check {
    /// A check named `name` (the full name becomes `ck_<table>_<name>`) with condition `expr`.
    pub fn new(name: impl Into<String>, expr: impl Into<String>) -> Self {
        Check {
            name: String::new(),
            short_name: name.into(),
            expr: expr.into(),
        }
    }

    pub(crate) fn resolve_name(&mut self, table: &str) {
        if self.name.is_empty() {
            self.name = naming::check(table, &self.short_name);
        }
    }
}
