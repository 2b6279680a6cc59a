//! Diff: the ops that turn one schema into another.
//!
//! [`diff`] compares two [`Schema`]s (the replayed head and a live database read by
//! [`crate::introspect`], or the head and diesel models) and returns the ops that turn the
//! first into the second, in an order that applies:
//!
//! 1. enum types that are new are created;
//! 2. foreign keys that go away or must be rebuilt are dropped (also any key they rely on
//!    is about to change, or a column of theirs changes type);
//! 3. tables that go away are dropped, those referenced by others after them;
//! 4. enum types whose labels change are recreated (their columns pass through `Text`);
//! 5. table by table: new unique constraints and indexes over columns already there are
//!    created (so that a foreign key always has an index, as MySQL wants); checks, indexes,
//!    unique constraints and the primary key that go away are dropped; columns are dropped,
//!    altered (type, nullability, default, comment) and added; then the new primary key and
//!    the other new unique constraints, indexes and checks are created (on SQLite, one
//!    table's run shares one rebuild);
//! 6. new tables are created, a table before the tables whose foreign keys point at it (a
//!    cycle is broken by adding those keys afterwards);
//! 7. new foreign keys are added;
//! 8. enum types that go away are dropped.
//!
//! The result is deterministic: tables in name order, columns in table order, other
//! objects in name order. What is compared is a [`DiffScope`]: [`DiffScope::all`] for a
//! database against the head state, [`DiffScope::models`] for diesel models, which know
//! less. [`DiffScope::view`] is the part of a schema a scope compares; for any schemas `a`
//! and `b`, applying `diff(a, b, scope)` to `a` gives a schema whose view equals `b`'s.
//!
//! ```
//! use migrate_runtime::diff::{diff_with_notes, DiffScope};
//! use migrate_runtime::prelude::*;
//! use migrate_runtime::schema::Schema;
//!
//! let users = |email: &str| {
//!     Table::new("users")
//!         .column(Column::new("id", Type::Integer).primary_key())
//!         .column(Column::new(email, Type::Varchar(255)))
//! };
//! let head = Schema::replay(&[op::create_table(users("email"))]).unwrap();
//! let models = Schema::replay(&[op::create_table(users("mail"))]).unwrap();
//! let (ops, notes) = diff_with_notes(&head, &models, &DiffScope::all());
//! assert_eq!(
//!     ops,
//!     [
//!         op::drop_column("users", "email"),
//!         op::add_column("users", Column::new("mail", Type::Varchar(255))),
//!     ]
//! );
//! assert!(notes[0].contains("op::rename_column(\"users\", \"email\", \"mail\")"));
//! ```
//!
//! Column order is not compared (a column is always added last); a table comment is not
//! compared either (no op changes one). Check conditions and partial-index predicates are
//! compared after the normalization that makes the backends' rewriting of them compare
//! equal (quotes, casts, parentheses, `= ANY (ARRAY[...])`); a rewriting beyond it (such as
//! PostgreSQL's expansion of `BETWEEN`) shows as a change.

mod constraints;
mod order;
mod tables;

use std::collections::{BTreeMap, BTreeSet};

use crate::column::{Column, EnumType, Type};
use crate::op::Op;
use crate::schema::defaults::canonical_default;
use crate::schema::sql::normalize_expr;
use crate::schema::{Schema, SchemaError};
use crate::table::{Check, FkAction, ForeignKey, Index, PrimaryKey, Table, Unique};

/// How column types are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeComparison {
    /// As the schema model holds them (`Varchar(50)` differs from `Varchar(100)` and from
    /// `Text`; an enum by name and labels). Introspection maps each backend's spellings
    /// back to these types, so a database compares by meaning.
    Exact,
    /// As a diesel `table!` sees them ([`Type::same_for_diesel`]): text types are one
    /// type, lengths and precisions are not known, an enum is its type name.
    Diesel,
}

/// Which foreign keys are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForeignKeyComparison {
    /// Every foreign key, with its columns, referenced table and columns and its actions.
    Full,
    /// Only the ones diesel's `joinable!` can express: one column referencing the primary
    /// key of the other table; actions are not compared.
    Joinable,
    /// None.
    Ignore,
}

/// What a diff compares. Anything a scope leaves out is never changed by the diff (except
/// where a change it does make requires it: an index over a dropped column goes with it).
///
/// ```
/// use migrate_runtime::diff::DiffScope;
/// let drift_check = DiffScope { comments: false, ..DiffScope::all() };
/// assert!(drift_check.indexes);
/// assert!(!DiffScope::models().indexes);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffScope {
    /// How column types compare.
    pub types: TypeComparison,
    /// Server defaults (by meaning: `0` and `false` on a boolean column are the same).
    pub defaults: bool,
    /// Autoincrement (a change drops and adds the column: no op alters it).
    pub autoincrement: bool,
    /// Column comments.
    pub comments: bool,
    /// Indexes.
    pub indexes: bool,
    /// Unique constraints.
    pub uniques: bool,
    /// Check constraints.
    pub checks: bool,
    /// Foreign keys.
    pub foreign_keys: ForeignKeyComparison,
    /// Enum types that no column uses (the labels of the ones in use are part of the
    /// columns' types).
    pub enums: bool,
    /// Whether the names of indexes and constraints count: without them, objects are
    /// matched by what they are (columns, referenced table...).
    pub names: bool,
}

impl DiffScope {
    /// Everything: a live database (see [`Schema::as_stored_by`]) against the head state.
    pub fn all() -> Self {
        DiffScope {
            types: TypeComparison::Exact,
            defaults: true,
            autoincrement: true,
            comments: true,
            indexes: true,
            uniques: true,
            checks: true,
            foreign_keys: ForeignKeyComparison::Full,
            enums: true,
            names: true,
        }
    }

    /// What diesel `table!` models know: tables, columns, their types as diesel sees them,
    /// nullability, primary keys (columns) and joinable foreign keys. No defaults,
    /// indexes, unique constraints, checks, comments, enum types or names.
    pub fn models() -> Self {
        DiffScope {
            types: TypeComparison::Diesel,
            defaults: false,
            autoincrement: false,
            comments: false,
            indexes: false,
            uniques: false,
            checks: false,
            foreign_keys: ForeignKeyComparison::Joinable,
            enums: false,
            names: false,
        }
    }

    /// The part of `schema` this scope compares, in a canonical form: two schemas differ
    /// under the scope exactly when their views differ. Columns are sorted by name,
    /// defaults and SQL conditions are canonical, whatever is not compared is left out
    /// (names are emptied when they do not count).
    ///
    /// ```
    /// use migrate_runtime::diff::DiffScope;
    /// use migrate_runtime::prelude::*;
    /// use migrate_runtime::schema::Schema;
    ///
    /// let t = |ty| Schema::replay(&[op::create_table(Table::new("t").column(Column::new("c", ty)))]).unwrap();
    /// let models = DiffScope::models();
    /// assert_eq!(models.view(&t(Type::Varchar(10))), models.view(&t(Type::Text)));
    /// assert_ne!(DiffScope::all().view(&t(Type::Varchar(10))), DiffScope::all().view(&t(Type::Text)));
    /// ```
    pub fn view(&self, schema: &Schema) -> Schema {
        let mut out = Schema::new();
        if self.enums {
            out.enums = schema.enums.clone();
        }
        for t in schema.tables.values() {
            out.tables
                .insert(t.name.clone(), self.view_table(schema, t));
        }
        out
    }

    fn view_table(&self, schema: &Schema, t: &Table) -> Table {
        let mut v = Table::new(&t.name);
        v.columns = t.columns.iter().map(|c| self.view_column(c)).collect();
        v.columns.sort_by(|a, b| a.name.cmp(&b.name));
        v.primary_key = t.primary_key.as_ref().map(|p| self.view_pk(p));
        if self.indexes {
            v.indexes = t.indexes.iter().map(|i| self.view_index(i)).collect();
            v.indexes.sort_by_key(|i| format!("{i:?}"));
        }
        if self.uniques {
            v.uniques = t.uniques.iter().map(|u| self.view_unique(u)).collect();
            v.uniques.sort_by_key(|u| format!("{u:?}"));
        }
        if self.checks {
            v.checks = t.checks.iter().map(|c| self.view_check(c)).collect();
            v.checks.sort_by_key(|c| format!("{c:?}"));
        }
        v.foreign_keys = t
            .foreign_keys
            .iter()
            .filter(|fk| self.fk_visible(schema, fk))
            .map(|fk| self.view_fk(fk))
            .collect();
        v.foreign_keys.sort_by_key(|f| format!("{f:?}"));
        v
    }

    fn name(&self, n: &str) -> String {
        if self.names {
            n.to_owned()
        } else {
            String::new()
        }
    }

    fn view_type(&self, ty: &Type) -> Type {
        match (self.types, ty) {
            (TypeComparison::Exact, _) => ty.clone(),
            (TypeComparison::Diesel, Type::Varchar(_) | Type::Char(_) | Type::Text) => Type::Text,
            (TypeComparison::Diesel, Type::Numeric(..)) => Type::Numeric(0, 0),
            (TypeComparison::Diesel, Type::Enum(_)) => Type::Enum(EnumType {
                name: ty.diesel_sql_type(),
                variants: Vec::new(),
            }),
            (TypeComparison::Diesel, _) => ty.clone(),
        }
    }

    fn view_column(&self, c: &Column) -> Column {
        Column {
            name: c.name.clone(),
            ty: self.view_type(&c.ty),
            nullable: c.nullable,
            primary_key: false,
            autoincrement: self.autoincrement && c.autoincrement,
            unique: false,
            default: if self.defaults {
                canonical_default(&c.ty, c.default.as_ref())
            } else {
                None
            },
            comment: if self.comments {
                c.comment.clone()
            } else {
                None
            },
        }
    }

    fn view_pk(&self, p: &PrimaryKey) -> PrimaryKey {
        PrimaryKey {
            name: self.name(&p.name),
            columns: p.columns.clone(),
        }
    }

    fn view_index(&self, i: &Index) -> Index {
        Index {
            name: self.name(&i.name),
            columns: i.columns.clone(),
            unique: i.unique,
            where_clause: i.where_clause.as_deref().map(normalize_expr),
        }
    }

    fn view_unique(&self, u: &Unique) -> Unique {
        Unique {
            name: self.name(&u.name),
            columns: u.columns.clone(),
        }
    }

    fn view_check(&self, c: &Check) -> Check {
        Check {
            name: self.name(&c.name),
            short_name: String::new(),
            expr: normalize_expr(&c.expr),
        }
    }

    fn view_fk(&self, fk: &ForeignKey) -> ForeignKey {
        let joinable = self.foreign_keys == ForeignKeyComparison::Joinable;
        ForeignKey {
            name: self.name(&fk.name),
            columns: fk.columns.clone(),
            ref_table: fk.ref_table.clone(),
            ref_columns: fk.ref_columns.clone(),
            on_delete: if joinable {
                FkAction::NoAction
            } else {
                fk.on_delete
            },
            on_update: if joinable {
                FkAction::NoAction
            } else {
                fk.on_update
            },
        }
    }

    /// Whether the scope compares `fk`, a foreign key of `schema`.
    fn fk_visible(&self, schema: &Schema, fk: &ForeignKey) -> bool {
        match self.foreign_keys {
            ForeignKeyComparison::Full => true,
            ForeignKeyComparison::Ignore => false,
            ForeignKeyComparison::Joinable => {
                fk.columns.len() == 1
                    && schema
                        .table(&fk.ref_table)
                        .and_then(|t| t.primary_key.as_ref())
                        .is_some_and(|pk| pk.columns == fk.ref_columns)
            }
        }
    }

    fn types_equal(&self, a: &Type, b: &Type) -> bool {
        match self.types {
            TypeComparison::Exact => a == b,
            TypeComparison::Diesel => a.same_for_diesel(b),
        }
    }
}

/// The ops that turn `from` into `to`, as far as `scope` compares them (see the
/// [module documentation](self) for the order). Empty when the views agree.
pub fn diff(from: &Schema, to: &Schema, scope: &DiffScope) -> Vec<Op> {
    diff_with_notes(from, to, scope).0
}

/// [`diff`], and notes for a person to read: where a column was dropped and one of the
/// same type added on the same table (or a table dropped and one with the same columns
/// created), a note says it may be a rename and gives the `op::rename_column` (or
/// `op::rename_table`) that would keep the data; a note also says when a column is dropped
/// and added back because its autoincrement changes.
pub fn diff_with_notes(from: &Schema, to: &Schema, scope: &DiffScope) -> (Vec<Op>, Vec<String>) {
    Differ::new(from, to, scope).run()
}

/// What renders ops against the schema before them: a backend's renderer.
/// [`Dialect`](crate::backend::Dialect) implements it with the backend's `render`; the
/// schema layer knows only this trait, so that [`render`] can batch the work without
/// depending on the backends.
pub trait RenderOps {
    /// One rendered statement.
    type Statement;
    /// Why ops cannot render (a replay error among them).
    type Error: From<SchemaError>;
    /// Renders `ops` starting from the schema `before` them.
    fn render_ops(&self, before: &Schema, ops: &[Op]) -> Result<Vec<Self::Statement>, Self::Error>;
}

/// Renders `ops` for `dialect` from the schema `from`: the same statements as the
/// backend's own `render` (`migrate_runtime::dialect::render`), in a time that follows the
/// size of the change rather than of the schema. Runs of consecutive ops on one table are
/// rendered against just the tables they involve (that table, the tables its foreign keys
/// reference and those referencing it); the full schema is only updated, op by op.
///
/// ```
/// use migrate_runtime::dialect::{self, Dialect};
/// use migrate_runtime::diff::{self, diff, DiffScope};
/// use migrate_runtime::prelude::*;
/// use migrate_runtime::schema::Schema;
///
/// let from = Schema::replay(&[op::create_table(
///     Table::new("t").column(Column::new("id", Type::Integer).primary_key()),
/// )])
/// .unwrap();
/// let mut to = from.clone();
/// to.apply(&op::add_column("t", Column::new("name", Type::Text))).unwrap();
/// let ops = diff(&from, &to, &DiffScope::all());
/// assert_eq!(
///     diff::render(Dialect::Postgres, &from, &ops).unwrap(),
///     dialect::render(Dialect::Postgres, &from, &ops).unwrap()
/// );
/// ```
pub fn render<R: RenderOps>(
    dialect: R,
    from: &Schema,
    ops: &[Op],
) -> Result<Vec<R::Statement>, R::Error> {
    let mut state = from.clone();
    let mut out = Vec::new();
    let mut i = 0;
    while i < ops.len() {
        let table = ops[i].table();
        let mut end = i + 1;
        while end < ops.len() && table.is_some() && ops[end].table() == table {
            end += 1;
        }
        let run = &ops[i..end];
        let sub = involved(&state, run);
        out.extend(dialect.render_ops(&sub, run)?);
        for op in run {
            state.apply(op)?;
        }
        i = end;
    }
    Ok(out)
}

/// The part of `schema` that rendering `ops` looks at: the tables they name, the tables
/// those reference and the tables referencing them, and every enum type.
fn involved(schema: &Schema, ops: &[Op]) -> Schema {
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for op in ops {
        names.extend(op.table());
        match op {
            Op::RenameTable { to, .. } => {
                names.insert(to);
            }
            Op::CreateTable(t) => {
                names.extend(t.foreign_keys.iter().map(|f| f.ref_table.as_str()));
            }
            Op::CreateForeignKey { foreign_key, .. } => {
                names.insert(&foreign_key.ref_table);
            }
            Op::CreateEnum(_) | Op::DropEnum { .. } | Op::Execute(_) | Op::DataStep(_) => {
                return schema.clone();
            }
            _ => {}
        }
    }
    let mut sub = Schema::new();
    sub.enums = schema.enums.clone();
    for t in schema.tables.values() {
        let related = names.contains(t.name.as_str())
            || t.foreign_keys
                .iter()
                .any(|f| names.contains(f.ref_table.as_str()));
        if related {
            sub.tables.insert(t.name.clone(), t.clone());
            for f in &t.foreign_keys {
                if let Some(r) = schema.tables.get(&f.ref_table) {
                    sub.tables
                        .entry(r.name.clone())
                        .or_insert_with(|| r.clone());
                }
            }
        }
    }
    sub
}

struct Differ<'a> {
    from: &'a Schema,
    to: &'a Schema,
    scope: &'a DiffScope,
    /// Enum types whose labels change: their new definition.
    changed_enums: BTreeMap<String, EnumType>,
    /// Objects (table, name) that must go because another object needs the name.
    forced: BTreeSet<(String, String)>,
    /// Of those, the ones to drop before any table changes (the name is needed by an
    /// object of another table).
    early: BTreeSet<(String, String)>,
    notes: Vec<String>,
}

impl<'a> Differ<'a> {
    fn new(from: &'a Schema, to: &'a Schema, scope: &'a DiffScope) -> Self {
        Differ {
            from,
            to,
            scope,
            changed_enums: BTreeMap::new(),
            forced: BTreeSet::new(),
            early: BTreeSet::new(),
            notes: Vec::new(),
        }
    }

    /// The type to write for a `to` column: under diesel's comparison an enum keeps the
    /// labels `from` knows (models do not know labels).
    fn resolve(&self, ty: &Type) -> Type {
        if let Type::Enum(e) = ty {
            if let Some(new) = self.changed_enums.get(&e.name) {
                if self.scope.types == TypeComparison::Diesel {
                    return Type::Enum(new.clone());
                }
            }
        }
        match (self.scope.types, ty) {
            (TypeComparison::Diesel, Type::Enum(e)) => self
                .from
                .enums
                .get(&e.name)
                .cloned()
                .map_or_else(|| ty.clone(), Type::Enum),
            _ => ty.clone(),
        }
    }

    /// A `to` column as an `add_column` or `create_table` writes it.
    fn new_column(&self, c: &Column) -> Column {
        let mut c = c.clone();
        c.ty = self.resolve(&c.ty);
        c.primary_key = c.autoincrement;
        c.unique = false;
        c
    }

    /// The enum types the `to` columns use, by name (the first definition met).
    fn to_enum_defs(&self) -> BTreeMap<String, EnumType> {
        let mut defs = BTreeMap::new();
        if self.scope.enums {
            defs = self.to.enums.clone();
        }
        for t in self.to.tables.values() {
            for c in &t.columns {
                if let Type::Enum(e) = self.resolve(&c.ty) {
                    defs.entry(e.name.clone()).or_insert(e);
                }
            }
        }
        defs
    }

    /// The type of a `from` column once recreated enums have passed it through `Text`.
    fn effective_from_type(&self, c: &Column) -> Type {
        match &c.ty {
            Type::Enum(e) if self.changed_enums.contains_key(&e.name) => Type::Text,
            t => t.clone(),
        }
    }

    fn is_forced(&self, table: &str, name: &str) -> bool {
        self.forced.contains(&(table.to_owned(), name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::column::{DefaultValue, EnumType};
    use crate::naming;
    use crate::op;
    use crate::op::AlterColumn;
    use proptest::prelude::*;

    const TABLES: [&str; 4] = ["t0", "t1", "t2", "t3"];
    const COLUMNS: [&str; 4] = ["c0", "c1", "c2", "c3"];

    fn enum_type(i: u8) -> EnumType {
        match i % 3 {
            0 => EnumType::new("e0", ["a", "b"]),
            1 => EnumType::new("e0", ["a", "b", "c"]),
            _ => EnumType::new("e1", ["x", "y"]),
        }
    }

    /// A type; an enum is the one the schema has under that name.
    fn ty(s: &Schema, i: u8) -> Type {
        match i % 10 {
            0 => Type::Integer,
            1 => Type::BigInt,
            2 => Type::Text,
            3 => Type::Varchar(10),
            4 => Type::Varchar(20),
            5 => Type::Boolean,
            6 => Type::Numeric(5, 2),
            n => {
                let e = enum_type(n - 7);
                Type::Enum(s.enums.get(&e.name).cloned().unwrap_or(e))
            }
        }
    }

    fn default(i: u8) -> Option<DefaultValue> {
        match i % 6 {
            0 => None,
            1 => Some(0.into()),
            2 => Some("a".into()),
            3 => Some(false.into()),
            4 => Some(DefaultValue::sql("CURRENT_TIMESTAMP")),
            _ => Some(1.into()),
        }
    }

    fn comment(i: u8) -> Option<String> {
        [None, Some("x".to_owned()), Some("y".to_owned())][usize::from(i % 3)].clone()
    }

    fn column(s: &Schema, name: &str, t: u8, d: u8) -> Column {
        let mut c = Column::new(name, ty(s, t));
        c.nullable = d & 1 == 0;
        c.default = default(d >> 1);
        c.comment = comment(d >> 4);
        c
    }

    fn cols(b: u8, c: u8) -> Vec<String> {
        let first = COLUMNS[usize::from(b % 4)];
        let mut v = vec![first.to_owned()];
        if c & 4 != 0 {
            let second = COLUMNS[usize::from((b / 4) % 4)];
            if second != first {
                v.push(second.to_owned());
            }
        }
        v
    }

    const CHECKS: [&str; 3] = ["c0 > 0", "c1 IS NOT NULL", "\"c2\" <> 'x'"];

    fn create_table(s: &Schema, t: &str, b: u8, c: u8, d: u8) -> Op {
        let mut table = Table::new(t);
        let mut id = Column::new(
            "id",
            if b & 2 == 0 {
                Type::Integer
            } else {
                Type::BigInt
            },
        )
        .primary_key();
        if b & 1 == 1 {
            id = id.autoincrement();
        }
        if b & 12 != 0 {
            table = table.column(id);
        }
        for k in 0..=(c % 4) {
            table = table.column(column(
                s,
                COLUMNS[usize::from(k)],
                d.wrapping_add(k.wrapping_mul(3)).wrapping_add(c >> 2),
                d.rotate_left(u32::from(k)),
            ));
        }
        op::create_table(table)
    }

    /// One op from five numbers (many are invalid somewhere and skipped), weighted
    /// towards building things.
    fn gen_op(s: &Schema, (kind, a, b, c, d): (u8, u8, u8, u8, u8)) -> Op {
        let t = TABLES[usize::from(a % 4)];
        let col = COLUMNS[usize::from(b % 4)];
        const KINDS: [u8; 24] = [
            0, 0, 1, 1, 1, 2, 3, 3, 3, 4, 4, 5, 6, 6, 7, 8, 8, 8, 9, 10, 11, 12, 13, 15,
        ];
        match KINDS[usize::from(kind) % KINDS.len()] {
            0 => create_table(s, t, b, c, d),
            1 => op::add_column(t, column(s, col, c, d)),
            2 => op::drop_column(t, col),
            3 => {
                let mut change = AlterColumn::new();
                if c & 1 != 0 {
                    change.ty = Some(ty(s, d));
                }
                if c & 2 != 0 {
                    change.nullable = Some(d & 1 == 0);
                }
                if c & 4 != 0 {
                    change.default = Some(default(d >> 1));
                }
                if c & 8 != 0 {
                    change.comment = Some(comment(d >> 3));
                }
                op::alter_column(t, col, change)
            }
            4 => {
                let mut i = Index::new(cols(b, c));
                i.unique = c & 1 != 0;
                if c & 2 != 0 {
                    i.where_clause = Some(CHECKS[usize::from(d % 3)].to_owned());
                }
                op::create_index(t, i)
            }
            5 => op::drop_index(t, naming::index(t, &cols(b, c))),
            6 => op::create_unique_constraint(t, Unique::new(cols(b, c))),
            7 => op::drop_constraint(t, naming::unique(t, &cols(b, c))),
            8 => {
                let r = TABLES[usize::from(c % 4)];
                let actions = [
                    FkAction::NoAction,
                    FkAction::Cascade,
                    FkAction::SetNull,
                    FkAction::Restrict,
                ];
                let target = if d & 8 == 0 {
                    "id"
                } else {
                    COLUMNS[usize::from(d % 4)]
                };
                op::create_foreign_key(
                    t,
                    ForeignKey::new([col], r, [target]).on_delete(actions[usize::from(d % 4)]),
                )
            }
            9 => op::drop_constraint(
                t,
                naming::foreign_key(t, &[col], TABLES[usize::from(c % 4)]),
            ),
            10 => op::create_check_constraint(
                t,
                Check::new(["k0", "k1"][usize::from(b % 2)], CHECKS[usize::from(c % 3)]),
            ),
            11 => op::drop_constraint(t, naming::check(t, ["k0", "k1"][usize::from(b % 2)])),
            12 => op::create_primary_key(t, cols(b, c)),
            13 => op::drop_constraint(t, naming::primary_key(t)),
            _ => op::drop_table(t),
        }
    }

    /// A schema: the enum types and tables `seed` picks, then the valid ops among `ops`.
    fn build(seed: u32, ops: &[(u8, u8, u8, u8, u8)], start: Option<&Schema>) -> Schema {
        let mut s = start.cloned().unwrap_or_default();
        if start.is_none() {
            let b = seed.to_le_bytes();
            let _ = s.apply(&op::create_enum(enum_type(b[0] % 2)));
            if b[0] & 4 != 0 {
                let _ = s.apply(&op::create_enum(enum_type(2)));
            }
            for (i, t) in TABLES.iter().enumerate().take(2 + usize::from(b[1] % 3)) {
                let x = b[2].wrapping_mul(31).wrapping_add(i as u8 * 17);
                let op = create_table(&s, t, x, b[3].rotate_left(i as u32), x ^ b[3]);
                let _ = s.apply(&op);
            }
        }
        for o in ops {
            let op = gen_op(&s, *o);
            let _ = s.apply(&op);
        }
        s
    }

    fn scope_from(bits: u16) -> DiffScope {
        DiffScope {
            types: if bits & 1 == 0 {
                TypeComparison::Exact
            } else {
                TypeComparison::Diesel
            },
            defaults: bits & 2 != 0,
            autoincrement: bits & 4 != 0,
            comments: bits & 8 != 0,
            indexes: bits & 16 != 0,
            uniques: bits & 32 != 0,
            checks: bits & 64 != 0,
            foreign_keys: match (bits >> 7) % 3 {
                0 => ForeignKeyComparison::Full,
                1 => ForeignKeyComparison::Joinable,
                _ => ForeignKeyComparison::Ignore,
            },
            enums: bits & 512 != 0,
            names: bits & 1024 != 0,
        }
    }

    /// The invariant: `a` with `diff(a, b)` applied is `b` under the scope, and a second
    /// diff finds nothing.
    fn check(a: &Schema, b: &Schema, scope: &DiffScope) {
        let ops = diff(a, b, scope);
        let mut s = a.clone();
        for (i, op) in ops.iter().enumerate() {
            if let Err(e) = s.apply(op) {
                let list: Vec<String> = ops.iter().map(Op::describe).collect();
                panic!("op {i} of {list:#?} does not apply: {e}\nfrom: {a:?}\nto: {b:?}\nscope: {scope:?}\nops: {ops:?}");
            }
        }
        let (got, want) = (scope.view(&s), scope.view(b));
        if got != want {
            let mut report = format!("scope: {scope:?}\nops: {ops:#?}\n");
            let names: BTreeSet<&String> = got.tables.keys().chain(want.tables.keys()).collect();
            for n in names {
                if got.tables.get(n) != want.tables.get(n) {
                    report += &format!(
                        "table {n}\n  got:  {:?}\n  want: {:?}\n  from: {:?}\n",
                        got.tables.get(n),
                        want.tables.get(n),
                        a.tables.get(n)
                    );
                }
            }
            if got.enums != want.enums {
                report += &format!("enums got {:?} want {:?}\n", got.enums, want.enums);
            }
            panic!("{report}");
        }
        assert_eq!(
            diff(&s, b, scope),
            Vec::<Op>::new(),
            "a second diff is not empty"
        );
        for d in crate::dialect::Dialect::ALL {
            if let Ok(full) = crate::dialect::render(d, a, &ops) {
                assert_eq!(render(d, a, &ops).ok(), Some(full), "{d}: render differs");
            }
        }
        assert!(diff(a, a, scope).is_empty());
    }

    /// The generator builds schemas worth diffing (not mostly empty ones).
    #[test]
    fn generated_schemas_have_substance() {
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let (mut tables, mut columns, mut objects, mut fks) = (0, 0, 0, 0);
        for _ in 0..500 {
            let x = ops().new_tree(&mut runner).unwrap().current();
            let s = build(x.len() as u32 * 7919, &x, None);
            tables += s.tables.len();
            for t in s.tables.values() {
                columns += t.columns.len();
                fks += t.foreign_keys.len();
                objects +=
                    t.indexes.len() + t.uniques.len() + t.checks.len() + t.foreign_keys.len();
            }
        }
        assert!(tables >= 2 * 500, "{tables} tables in 500 schemas");
        assert!(
            columns >= 2 * tables,
            "{columns} columns in {tables} tables"
        );
        assert!(
            objects >= 500,
            "{objects} indexes and constraints in 500 schemas"
        );
        assert!(fks >= 100, "{fks} foreign keys in 500 schemas");
    }

    /// The view's diesel types agree with `Type::same_for_diesel`.
    #[test]
    fn diesel_view_is_same_for_diesel() {
        let s = Schema::new();
        let scope = DiffScope::models();
        for i in 0..10 {
            for j in 0..10 {
                let (a, b) = (ty(&s, i), ty(&s, j));
                assert_eq!(
                    scope.view_type(&a) == scope.view_type(&b),
                    a.same_for_diesel(&b),
                    "{a} and {b}"
                );
            }
        }
    }

    fn ops() -> impl Strategy<Value = Vec<(u8, u8, u8, u8, u8)>> {
        proptest::collection::vec(any::<(u8, u8, u8, u8, u8)>(), 0..40)
    }

    proptest! {
        // PROPTEST_CASES=20000 for a longer search.
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(400)
        ))]

        #[test]
        fn diff_turns_any_schema_into_any_other(
            sx in any::<u32>(), x in ops(), sy in any::<u32>(), y in ops(), bits in any::<u16>()
        ) {
            let a = build(sx, &x, None);
            let b = build(sy, &y, None);
            check(&a, &b, &DiffScope::all());
            check(&a, &b, &DiffScope::models());
            check(&a, &b, &scope_from(bits));
        }

        #[test]
        fn diff_turns_a_schema_into_its_successor(
            sx in any::<u32>(), x in ops(), y in ops(), bits in any::<u16>()
        ) {
            let a = build(sx, &x, None);
            let b = build(0, &y, Some(&a));
            check(&a, &b, &DiffScope::all());
            check(&b, &a, &DiffScope::all());
            check(&a, &b, &DiffScope::models());
            check(&a, &b, &scope_from(bits));
        }
    }

    fn schema(ops: &[Op]) -> Schema {
        Schema::replay(ops).unwrap()
    }

    fn users() -> Table {
        Table::new("users")
            .column(
                Column::new("id", Type::Integer)
                    .primary_key()
                    .autoincrement(),
            )
            .column(Column::new("email", Type::Varchar(255)).not_null().unique())
    }

    fn orders() -> Table {
        Table::new("orders")
            .column(
                Column::new("id", Type::Integer)
                    .primary_key()
                    .autoincrement(),
            )
            .column(Column::new("user_id", Type::Integer).not_null())
            .foreign_key(ForeignKey::new(["user_id"], "users", ["id"]).on_delete(FkAction::Cascade))
            .index(Index::new(["user_id"]))
    }

    #[test]
    fn tables_are_created_before_the_keys_that_point_at_them_and_dropped_after() {
        let empty = Schema::new();
        let shop = schema(&[op::create_table(users()), op::create_table(orders())]);
        let up = diff(&empty, &shop, &DiffScope::all());
        let kinds: Vec<String> = up.iter().map(Op::describe).collect();
        assert_eq!(kinds, ["create_table \"users\"", "create_table \"orders\""]);
        let down = diff(&shop, &empty, &DiffScope::all());
        let kinds: Vec<String> = down.iter().map(Op::describe).collect();
        assert_eq!(kinds, ["drop_table \"orders\"", "drop_table \"users\""]);
    }

    #[test]
    fn a_cycle_of_foreign_keys_is_broken() {
        let a = Table::new("a")
            .column(Column::new("id", Type::Integer).primary_key())
            .column(Column::new("b_id", Type::Integer))
            .foreign_key(ForeignKey::new(["b_id"], "b", ["id"]));
        let b = Table::new("b")
            .column(Column::new("id", Type::Integer).primary_key())
            .column(Column::new("a_id", Type::Integer))
            .foreign_key(ForeignKey::new(["a_id"], "a", ["id"]));
        let mut both = Schema::new();
        both.tables.insert("a".into(), a.clone());
        both.tables.insert("b".into(), b.clone());
        let mut normalized = Schema::new();
        for op in diff(&Schema::new(), &both, &DiffScope::all()) {
            normalized.apply(&op).unwrap();
        }
        assert_eq!(
            DiffScope::all().view(&normalized),
            DiffScope::all().view(&both)
        );
        check(&normalized, &Schema::new(), &DiffScope::all());
        let down: Vec<String> = diff(&normalized, &Schema::new(), &DiffScope::all())
            .iter()
            .map(Op::describe)
            .collect();
        assert_eq!(
            down,
            [
                "drop_constraint \"fk_b_a_id_a\" on \"b\"",
                "drop_table \"a\"",
                "drop_table \"b\""
            ]
        );
    }

    #[test]
    fn a_changed_column_is_altered_and_its_key_rebuilt() {
        let before = schema(&[op::create_table(users()), op::create_table(orders())]);
        let after = schema(&[
            op::create_table(users()),
            op::create_table(orders()),
            op::alter_column(
                "orders",
                "user_id",
                AlterColumn::new().set_type(Type::BigInt).nullable(),
            ),
            op::alter_column("users", "id", AlterColumn::new().set_type(Type::BigInt)),
        ]);
        let ops: Vec<String> = diff(&before, &after, &DiffScope::all())
            .iter()
            .map(Op::describe)
            .collect();
        assert_eq!(
            ops,
            [
                "drop_constraint \"fk_orders_user_id_users\" on \"orders\"",
                "alter_column \"orders\".\"user_id\"",
                "alter_column \"users\".\"id\"",
                "create_foreign_key \"fk_orders_user_id_users\" on \"orders\"",
            ]
        );
        check(&before, &after, &DiffScope::all());
    }

    #[test]
    fn defaults_compare_by_meaning() {
        let t = |d: DefaultValue| {
            schema(&[op::create_table(
                Table::new("t").column(Column::new("b", Type::Boolean).server_default(d)),
            )])
        };
        assert!(diff(&t(false.into()), &t(0.into()), &DiffScope::all()).is_empty());
        assert!(diff(
            &t(true.into()),
            &t(DefaultValue::sql("1")),
            &DiffScope::all()
        )
        .is_empty());
        assert_eq!(
            diff(&t(true.into()), &t(false.into()), &DiffScope::all()).len(),
            1
        );
        let ts = |d: &str| {
            schema(&[op::create_table(Table::new("t").column(
                Column::new("at", Type::Timestamp).server_default(DefaultValue::sql(d)),
            ))])
        };
        assert!(diff(&ts("CURRENT_TIMESTAMP"), &ts("now()"), &DiffScope::all()).is_empty());
    }

    #[test]
    fn models_see_only_what_diesel_knows() {
        let head = schema(&[op::create_table(users()), op::create_table(orders())]);
        let mut models = head.clone();
        let o = models.tables.get_mut("orders").unwrap();
        o.indexes.clear();
        o.foreign_keys[0].on_delete = FkAction::NoAction;
        o.foreign_keys[0].name = "whatever".into();
        o.columns[0].autoincrement = false;
        let u = models.tables.get_mut("users").unwrap();
        u.uniques.clear();
        u.columns[1].ty = Type::Text;
        assert!(diff(&head, &models, &DiffScope::models()).is_empty());
        assert!(!diff(&head, &models, &DiffScope::all()).is_empty());
    }

    #[test]
    fn an_enum_whose_labels_change_is_recreated() {
        let t = |labels: &[&str]| {
            let e = EnumType::new("mood", labels.iter().copied());
            schema(&[
                op::create_enum(e.clone()),
                op::create_table(
                    Table::new("t").column(Column::new("m", Type::Enum(e)).server_default("ok")),
                ),
            ])
        };
        let ops: Vec<String> = diff(&t(&["ok"]), &t(&["ok", "meh"]), &DiffScope::all())
            .iter()
            .map(Op::describe)
            .collect();
        assert_eq!(
            ops,
            [
                "alter_column \"t\".\"m\"",
                "drop_enum \"mood\"",
                "create_enum \"mood\"",
                "alter_column \"t\".\"m\""
            ]
        );
        check(&t(&["ok"]), &t(&["ok", "meh"]), &DiffScope::all());
    }

    #[test]
    fn every_column_replaced_keeps_the_table() {
        let a = schema(&[op::create_table(
            Table::new("t").column(Column::new("a", Type::Text)),
        )]);
        let b = schema(&[op::create_table(
            Table::new("t").column(Column::new("b", Type::Text)),
        )]);
        check(&a, &b, &DiffScope::all());
        let (_, notes) = diff_with_notes(&a, &b, &DiffScope::all());
        assert_eq!(notes.len(), 1, "{notes:?}");
        let c = schema(&[op::create_table(
            Table::new("t").column(
                Column::new("a", Type::Integer)
                    .primary_key()
                    .autoincrement(),
            ),
        )]);
        let d = schema(&[op::create_table(
            Table::new("t").column(Column::new("a", Type::Integer).primary_key()),
        )]);
        check(&c, &d, &DiffScope::all());
    }
}
