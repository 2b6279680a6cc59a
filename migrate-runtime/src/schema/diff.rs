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

use std::collections::{BTreeMap, BTreeSet};

use crate::column::{Column, EnumType, Type};
use crate::op::{AlterColumn, Op};
use crate::schema::defaults::canonical_default;
use crate::schema::sql::{names_column, normalize_expr};
use crate::schema::Schema;
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

/// Renders `ops` for `dialect` from the schema `from`: the same statements as
/// [`crate::dialect::render`], in a time that follows the size of the change rather than
/// of the schema. Runs of consecutive ops on one table are rendered against just the
/// tables they involve (that table, the tables its foreign keys reference and those
/// referencing it); the full schema is only updated, op by op.
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
pub fn render(
    dialect: crate::dialect::Dialect,
    from: &Schema,
    ops: &[Op],
) -> Result<Vec<crate::dialect::Statement>, crate::dialect::RenderError> {
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
        out.extend(crate::dialect::render(dialect, &sub, run)?);
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

/// The plan for one kind of index or constraint of one table.
struct KindPlan<T> {
    /// Names of `from` objects to drop.
    drop: Vec<String>,
    /// Objects to create (from `to`, or a `from` object the scope does not compare,
    /// rebuilt after a change it depended on).
    create: Vec<T>,
    /// Names of `from` objects that stay.
    kept: Vec<String>,
}

/// Matches the `from` objects of a kind with the `to` ones (by name, or by what they are
/// when names do not count) and decides what is dropped and created. `affected`: the
/// object must be rebuilt because of another change; `restorable`: an object the scope
/// does not compare can be rebuilt as it was; `forced`: its name is needed by another
/// object.
#[allow(clippy::too_many_arguments)]
fn plan_kind<T: Clone, V: PartialEq>(
    from: &[T],
    to: &[T],
    name: impl Fn(&T) -> &str,
    visible_from: impl Fn(&T) -> bool,
    visible_to: impl Fn(&T) -> bool,
    by_name: bool,
    view: impl Fn(&T) -> V,
    affected: impl Fn(&T) -> bool,
    restorable: impl Fn(&T) -> bool,
    forced: impl Fn(&str) -> bool,
) -> KindPlan<T> {
    let to_views: Vec<Option<V>> = to.iter().map(|t| visible_to(t).then(|| view(t))).collect();
    let mut used = vec![false; to.len()];
    let mut plan = KindPlan {
        drop: Vec::new(),
        create: Vec::new(),
        kept: Vec::new(),
    };
    let mut restored = Vec::new();
    for f in from {
        let n = name(f).to_owned();
        if !visible_from(f) {
            if affected(f) || forced(&n) {
                if restorable(f) && !forced(&n) {
                    restored.push(f.clone());
                }
                plan.drop.push(n);
            } else {
                plan.kept.push(n);
            }
            continue;
        }
        let fv = view(f);
        let matched = (0..to.len()).find(|&j| {
            !used[j]
                && match &to_views[j] {
                    None => false,
                    Some(_) if by_name => name(&to[j]) == n,
                    Some(tv) => tv == &fv,
                }
        });
        match matched {
            Some(j) => {
                used[j] = true;
                let same = to_views[j].as_ref() == Some(&fv);
                if same && !affected(f) && !forced(&n) {
                    plan.kept.push(n);
                } else {
                    plan.drop.push(n);
                    plan.create.push(to[j].clone());
                }
            }
            None => plan.drop.push(n),
        }
    }
    for (j, t) in to.iter().enumerate() {
        if !used[j] && to_views[j].is_some() {
            plan.create.push(t.clone());
        }
    }
    // A rebuilt object the scope does not compare gives its name up to a new one.
    restored.retain(|r| !plan.create.iter().any(|c| name(c) == name(r)));
    plan.create.extend(restored);
    plan
}

/// What happens to one table present on both sides.
struct TablePlan<'a> {
    name: &'a str,
    from: &'a Table,
    to: &'a Table,
    /// Columns dropped for good, or dropped and added back (autoincrement changes).
    gone: BTreeSet<String>,
    /// Columns whose type changes (including the pass through `Text` of a recreated enum).
    retyped: BTreeSet<String>,
    drop_columns: Vec<String>,
    alters: Vec<(String, AlterColumn)>,
    add_columns: Vec<Column>,
    /// The primary key is dropped by name (not with its only column).
    drop_pk: bool,
    /// The primary key goes, either way.
    pk_gone: bool,
    create_pk: Option<PrimaryKey>,
    indexes: KindPlan<Index>,
    uniques: KindPlan<Unique>,
    checks: KindPlan<Check>,
    fks: KindPlan<ForeignKey>,
    /// Notes about this table's changes.
    notes: Vec<String>,
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

    fn plan_table(&self, from: &'a Table, to: &'a Table) -> TablePlan<'a> {
        let scope = self.scope;
        let table = from.name.as_str();
        let mut recreated = BTreeSet::new();
        for f in &from.columns {
            let Some(t) = to.get_column(&f.name) else {
                continue;
            };
            let autoinc_changes = scope.autoincrement && f.autoincrement != t.autoincrement;
            let loses_integer = f.autoincrement && !self.resolve(&t.ty).is_integer();
            if autoinc_changes || loses_integer {
                recreated.insert(f.name.clone());
            }
        }
        // The primary key: a key that goes while an autoincrement column stays cannot be
        // dropped (the column needs it), so that column is recreated too.
        let fpk = from.primary_key.as_ref();
        let tpk = to.primary_key.as_ref();
        let pk_changed = fpk.map(|p| scope.view_pk(p)) != tpk.map(|p| scope.view_pk(p));
        let mut gone: BTreeSet<String> = from
            .columns
            .iter()
            .filter(|c| to.get_column(&c.name).is_none())
            .map(|c| c.name.clone())
            .collect();
        gone.extend(recreated.iter().cloned());
        let pk_affected = fpk.is_some_and(|p| p.columns.iter().any(|c| gone.contains(c)));
        let pk_gone = fpk.is_some() && (pk_changed || pk_affected);
        if pk_gone {
            for c in from.columns.iter().filter(|c| c.autoincrement) {
                if !gone.contains(&c.name) {
                    recreated.insert(c.name.clone());
                    gone.insert(c.name.clone());
                }
            }
        }
        let implicit_pk_drop =
            fpk.is_some_and(|p| p.columns.len() == 1 && gone.contains(&p.columns[0]));
        let notes = recreated
            .iter()
            .filter(|c| {
                from.get_column(c).map(|f| f.autoincrement)
                    != to.get_column(c).map(|t| t.autoincrement)
            })
            .map(|c| {
                format!(
                    "\"{table}\".\"{c}\" is dropped and added back: its autoincrement changes, \
                     which no op can alter (its values are lost)"
                )
            })
            .collect();

        // Columns.
        let drop_columns: Vec<String> = from
            .columns
            .iter()
            .filter(|c| gone.contains(&c.name))
            .map(|c| c.name.clone())
            .collect();
        let mut alters = Vec::new();
        let mut retyped: BTreeSet<String> = from
            .columns
            .iter()
            .filter(|c| self.effective_from_type(c) != c.ty)
            .map(|c| c.name.clone())
            .collect();
        for t in &to.columns {
            let Some(f) = from.get_column(&t.name) else {
                continue;
            };
            if gone.contains(&t.name) {
                continue;
            }
            let mut change = AlterColumn::new();
            if !scope.types_equal(&self.effective_from_type(f), &t.ty) {
                change.ty = Some(self.resolve(&t.ty));
                retyped.insert(t.name.clone());
            }
            if f.nullable != t.nullable {
                change.nullable = Some(t.nullable);
            }
            // The default is read by the type the column ends with.
            let new_ty = change.ty.clone().unwrap_or_else(|| f.ty.clone());
            if scope.defaults
                && canonical_default(&new_ty, f.default.as_ref())
                    != canonical_default(&t.ty, t.default.as_ref())
            {
                change.default = Some(t.default.clone());
            }
            if scope.comments && f.comment != t.comment {
                change.comment = Some(t.comment.clone());
            }
            if !change.is_empty() {
                alters.push((t.name.clone(), change));
            }
        }
        let add_columns: Vec<Column> = to
            .columns
            .iter()
            .filter(|c| from.get_column(&c.name).is_none() || gone.contains(&c.name))
            .map(|c| self.new_column(c))
            .collect();
        let pk_by_add = add_columns.iter().any(|c| c.primary_key);
        let create_pk = tpk
            .filter(|_| (pk_gone || fpk.is_none()) && !pk_by_add)
            .cloned();

        // Indexes, unique constraints and checks.
        let to_has = |c: &String| to.get_column(c).is_some();
        let uses_gone = |cols: &[String]| cols.iter().any(|c| gone.contains(c));
        let sql_uses_gone = |sql: &str| gone.iter().any(|c| names_column(sql, c));
        let sql_restorable = |sql: &str| {
            !from
                .columns
                .iter()
                .any(|c| !to_has(&c.name) && names_column(sql, &c.name))
        };
        let forced = |n: &str| self.is_forced(table, n);
        let indexes = plan_kind(
            &from.indexes,
            &to.indexes,
            |i| &i.name,
            |_| scope.indexes,
            |_| scope.indexes,
            scope.names,
            |i| scope.view_index(i),
            |i| uses_gone(&i.columns) || i.where_clause.as_deref().is_some_and(sql_uses_gone),
            |i| {
                i.columns.iter().all(to_has) && i.where_clause.as_deref().is_none_or(sql_restorable)
            },
            forced,
        );
        let uniques = plan_kind(
            &from.uniques,
            &to.uniques,
            |u| &u.name,
            |_| scope.uniques,
            |_| scope.uniques,
            scope.names,
            |u| scope.view_unique(u),
            |u| uses_gone(&u.columns),
            |u| u.columns.iter().all(to_has),
            forced,
        );
        let checks = plan_kind(
            &from.checks,
            &to.checks,
            |c| &c.name,
            |_| scope.checks,
            |_| scope.checks,
            scope.names,
            |c| scope.view_check(c),
            |c| sql_uses_gone(&c.expr),
            |c| sql_restorable(&c.expr),
            forced,
        );
        TablePlan {
            name: &from.name,
            from,
            to,
            gone,
            retyped,
            drop_columns,
            alters,
            add_columns,
            drop_pk: pk_gone && !implicit_pk_drop,
            pk_gone,
            create_pk,
            indexes,
            uniques,
            checks,
            fks: KindPlan {
                drop: Vec::new(),
                create: Vec::new(),
                kept: Vec::new(),
            },
            notes,
        }
    }

    /// The key column sets `plan` drops (its primary key, unique constraints, unique
    /// indexes): foreign keys referencing them must go first.
    fn dropped_keys(plan: &TablePlan<'_>) -> Vec<Vec<String>> {
        let mut keys = Vec::new();
        if plan.pk_gone {
            keys.extend(plan.from.primary_key.iter().map(|p| p.columns.clone()));
        }
        keys.extend(
            plan.from
                .uniques
                .iter()
                .filter(|u| plan.uniques.drop.contains(&u.name))
                .map(|u| u.columns.clone()),
        );
        keys.extend(
            plan.from
                .indexes
                .iter()
                .filter(|i| {
                    i.unique && i.where_clause.is_none() && plan.indexes.drop.contains(&i.name)
                })
                .map(|i| i.columns.clone()),
        );
        keys
    }

    fn plan_foreign_keys(&self, plans: &mut [TablePlan<'a>]) {
        let scope = self.scope;
        let index: BTreeMap<&str, usize> =
            plans.iter().enumerate().map(|(i, p)| (p.name, i)).collect();
        let keys: Vec<Vec<Vec<String>>> = plans.iter().map(|p| Self::dropped_keys(p)).collect();
        let mut fk_plans = Vec::new();
        for p in plans.iter() {
            let table = p.name;
            let affected = |fk: &ForeignKey| {
                if !self.to.tables.contains_key(&fk.ref_table) {
                    return true;
                }
                let own = fk
                    .columns
                    .iter()
                    .any(|c| p.gone.contains(c) || p.retyped.contains(c));
                let referenced = index.get(fk.ref_table.as_str()).is_some_and(|&r| {
                    let rp = &plans[r];
                    let set_eq = |k: &Vec<String>| {
                        k.len() == fk.ref_columns.len()
                            && k.iter().all(|c| fk.ref_columns.contains(c))
                    };
                    fk.ref_columns
                        .iter()
                        .any(|c| rp.gone.contains(c) || rp.retyped.contains(c))
                        || (rp.pk_gone
                            && rp.from.primary_key.as_ref().is_some_and(|pk| {
                                pk.columns.iter().any(|c| fk.ref_columns.contains(c))
                            }))
                        || keys[r].iter().any(set_eq)
                });
                own || referenced
            };
            let restorable = |fk: &ForeignKey| {
                fk.columns.iter().all(|c| p.to.get_column(c).is_some())
                    && self
                        .to
                        .table(&fk.ref_table)
                        .is_some_and(|rt| fk.ref_columns.iter().all(|c| rt.get_column(c).is_some()))
            };
            fk_plans.push(plan_kind(
                &p.from.foreign_keys,
                &p.to.foreign_keys,
                |f| &f.name,
                // Whether an old key counts depends on the result (a joinable key
                // references the primary key the table will have).
                |f| scope.fk_visible(self.to, f),
                |f| scope.fk_visible(self.to, f),
                scope.names,
                |f| scope.view_fk(f),
                affected,
                restorable,
                |n| self.is_forced(table, n),
            ));
        }
        for (p, fks) in plans.iter_mut().zip(fk_plans) {
            p.fks = fks;
        }
    }

    /// Names that a new object needs while an object of `from` that stays still has them:
    /// those objects must go. Returns whether anything was added.
    fn resolve_name_conflicts(&mut self, plans: &[TablePlan<'a>], created: &[&Table]) -> bool {
        let mut owners: BTreeMap<&str, &str> = BTreeMap::new();
        for p in plans {
            for n in p
                .indexes
                .kept
                .iter()
                .chain(&p.uniques.kept)
                .chain(&p.checks.kept)
                .chain(&p.fks.kept)
            {
                owners.insert(n, p.name);
            }
        }
        let mut wanted: Vec<(&str, String)> = Vec::new();
        for p in plans {
            wanted.extend(p.indexes.create.iter().map(|i| (p.name, i.name.clone())));
            wanted.extend(p.uniques.create.iter().map(|u| (p.name, u.name.clone())));
            wanted.extend(p.checks.create.iter().map(|c| (p.name, c.name.clone())));
            wanted.extend(p.fks.create.iter().map(|f| (p.name, f.name.clone())));
            wanted.extend(p.create_pk.iter().map(|k| (p.name, k.name.clone())));
        }
        for t in created {
            wanted.extend(t.object_names().map(|n| (t.name.as_str(), n.to_owned())));
        }
        let mut added = false;
        for (by, name) in wanted {
            if let Some(&owner) = owners.get(name.as_str()) {
                let key = (owner.to_owned(), name.clone());
                if self.forced.insert(key.clone()) {
                    added = true;
                    if owner != by {
                        self.early.insert(key);
                    }
                }
            }
        }
        added
    }

    fn run(mut self) -> (Vec<Op>, Vec<String>) {
        let from = self.from;
        let to = self.to;
        // Enum types whose labels change (under exact types).
        let to_defs = self.to_enum_defs();
        for (n, e) in &from.enums {
            if let Some(new) = to_defs.get(n).filter(|d| d.variants != e.variants) {
                self.changed_enums.insert(n.clone(), new.clone());
            }
        }
        let dropped: Vec<&Table> = from
            .tables
            .values()
            .filter(|t| !to.tables.contains_key(&t.name))
            .collect();
        let created: Vec<&Table> = to
            .tables
            .values()
            .filter(|t| !from.tables.contains_key(&t.name))
            .collect();
        let kept: Vec<(&Table, &Table)> = from
            .tables
            .values()
            .filter_map(|f| Some((f, to.tables.get(&f.name)?)))
            .collect();

        let mut plans;
        let mut rounds = 0;
        loop {
            plans = kept
                .iter()
                .map(|(f, t)| self.plan_table(f, t))
                .collect::<Vec<_>>();
            self.plan_foreign_keys(&mut plans);
            rounds += 1;
            if !self.resolve_name_conflicts(&plans, &created) || rounds > 8 {
                break;
            }
        }

        let mut ops = Vec::new();
        // 1. New enum types: those the scope compares, and those a new column needs.
        let mut needed: BTreeMap<String, EnumType> = BTreeMap::new();
        if self.scope.enums {
            for (n, e) in &to.enums {
                if !from.enums.contains_key(n) {
                    needed.insert(n.clone(), e.clone());
                }
            }
        }
        let mut need = |ty: &Type| {
            if let Type::Enum(e) = ty {
                if !from.enums.contains_key(&e.name) {
                    let def = to_defs.get(&e.name).cloned().unwrap_or_else(|| e.clone());
                    needed.entry(e.name.clone()).or_insert(def);
                }
            }
        };
        for p in &plans {
            p.add_columns.iter().for_each(|c| need(&c.ty));
            p.alters
                .iter()
                .filter_map(|(_, a)| a.ty.as_ref())
                .for_each(&mut need);
        }
        for t in &created {
            t.columns.iter().for_each(|c| need(&self.resolve(&c.ty)));
        }
        ops.extend(needed.into_values().map(Op::CreateEnum));

        // 2. Foreign keys that go, and objects whose name another table's object needs.
        for p in &plans {
            for n in sorted(&p.fks.drop) {
                ops.push(Op::DropConstraint {
                    table: p.name.to_owned(),
                    name: n,
                });
            }
        }
        for p in &plans {
            ops.extend(self.object_drops(p, true));
        }

        // 3. Tables that go: a table after the tables that reference it.
        ops.extend(drop_tables(&dropped));

        // 4. Enum types whose labels change: their columns pass through Text.
        for (name, def) in &self.changed_enums {
            for p in &plans {
                for c in &p.from.columns {
                    if matches!(&c.ty, Type::Enum(e) if e.name == *name) {
                        ops.push(Op::AlterColumn {
                            table: p.name.to_owned(),
                            column: c.name.clone(),
                            change: AlterColumn::new().set_type(Type::Text),
                        });
                    }
                }
            }
            ops.push(Op::DropEnum { name: name.clone() });
            ops.push(Op::CreateEnum(def.clone()));
        }

        // 5. Table by table.
        for p in &plans {
            // New indexes and unique constraints over columns that are there already come
            // first: a foreign key is never left without an index while old ones go (MySQL
            // wants one at all times).
            let names: BTreeSet<&str> = p.from.object_names().collect();
            let early = |cols: &[String], name: &str| {
                !names.contains(name)
                    && cols
                        .iter()
                        .all(|c| p.from.get_column(c).is_some() && !p.gone.contains(c))
            };
            let (early_uniques, late_uniques): (Vec<Unique>, Vec<Unique>) =
                sorted_by_name(&p.uniques.create, |u| &u.name)
                    .into_iter()
                    .partition(|u| early(&u.columns, &u.name));
            let (early_indexes, late_indexes): (Vec<Index>, Vec<Index>) =
                sorted_by_name(&p.indexes.create, |i| &i.name)
                    .into_iter()
                    .partition(|i| {
                        early(&i.columns, &i.name)
                            && i.where_clause.as_deref().is_none_or(|w| {
                                let new =
                                    p.to.columns
                                        .iter()
                                        .filter(|c| p.from.get_column(&c.name).is_none())
                                        .map(|c| &c.name);
                                !p.gone.iter().chain(new).any(|c| names_column(w, c))
                            })
                    });
            for unique in early_uniques {
                ops.push(Op::CreateUnique {
                    table: p.name.to_owned(),
                    unique,
                });
            }
            for index in early_indexes {
                ops.push(Op::CreateIndex {
                    table: p.name.to_owned(),
                    index,
                });
            }
            ops.extend(self.object_drops(p, false));
            if p.drop_pk {
                let pk = p.from.primary_key.as_ref().expect("dropped, so present");
                ops.push(Op::DropConstraint {
                    table: p.name.to_owned(),
                    name: pk.name.clone(),
                });
            }
            // A table keeps at least one column: when every column goes, one new column
            // (or a placeholder) is added first.
            let mut adds = p.add_columns.clone();
            let mut placeholder = None;
            if p.drop_columns.len() == p.from.columns.len() {
                let first_new = adds
                    .iter()
                    .position(|c| p.from.get_column(&c.name).is_none() && !c.autoincrement);
                let early = match first_new {
                    Some(pos) => adds.remove(pos),
                    None => {
                        let mut name = "_migrate_placeholder".to_owned();
                        while p.to.get_column(&name).is_some() {
                            name.push('_');
                        }
                        placeholder = Some(name.clone());
                        Column::new(name, Type::Integer)
                    }
                };
                ops.push(Op::AddColumn {
                    table: p.name.to_owned(),
                    column: early,
                });
            }
            for c in &p.drop_columns {
                ops.push(Op::DropColumn {
                    table: p.name.to_owned(),
                    column: c.clone(),
                });
            }
            for (c, change) in &p.alters {
                ops.push(Op::AlterColumn {
                    table: p.name.to_owned(),
                    column: c.clone(),
                    change: change.clone(),
                });
            }
            for c in adds {
                ops.push(Op::AddColumn {
                    table: p.name.to_owned(),
                    column: c,
                });
            }
            if let Some(name) = placeholder {
                ops.push(Op::DropColumn {
                    table: p.name.to_owned(),
                    column: name,
                });
            }
            if let Some(pk) = &p.create_pk {
                ops.push(Op::CreatePrimaryKey {
                    table: p.name.to_owned(),
                    primary_key: pk.clone(),
                });
            }
            let t = || p.name.to_owned();
            for u in late_uniques {
                ops.push(Op::CreateUnique {
                    table: t(),
                    unique: u,
                });
            }
            for i in late_indexes {
                ops.push(Op::CreateIndex {
                    table: t(),
                    index: i,
                });
            }
            for c in sorted_by_name(&p.checks.create, |c| &c.name) {
                ops.push(Op::CreateCheck {
                    table: t(),
                    check: c,
                });
            }
            self.notes.extend(p.notes.iter().cloned());
            self.rename_notes(p);
        }

        // 6. New tables, referenced ones first.
        let (creates, deferred) = self.create_tables(&created);
        ops.extend(creates);

        // 7. New foreign keys.
        for p in &plans {
            for fk in sorted_by_name(&p.fks.create, |f| &f.name) {
                ops.push(Op::CreateForeignKey {
                    table: p.name.to_owned(),
                    foreign_key: fk,
                });
            }
        }
        ops.extend(deferred);

        // 8. Enum types that go.
        if self.scope.enums {
            for n in from.enums.keys() {
                if !to.enums.contains_key(n) && !self.changed_enums.contains_key(n) {
                    ops.push(Op::DropEnum { name: n.clone() });
                }
            }
        }
        self.table_rename_notes(&dropped, &created);
        (ops, self.notes)
    }

    /// The drops of `p`'s checks, indexes and unique constraints: the early ones (a name
    /// another table needs) or the others.
    fn object_drops(&self, p: &TablePlan<'_>, early: bool) -> Vec<Op> {
        let table = p.name;
        let pick = |n: &String| self.early.contains(&(table.to_owned(), n.clone())) == early;
        let mut ops = Vec::new();
        for n in sorted(&p.checks.drop).into_iter().filter(pick) {
            ops.push(Op::DropConstraint {
                table: table.to_owned(),
                name: n,
            });
        }
        for n in sorted(&p.indexes.drop).into_iter().filter(pick) {
            ops.push(Op::DropIndex {
                table: table.to_owned(),
                name: n,
            });
        }
        for n in sorted(&p.uniques.drop).into_iter().filter(pick) {
            ops.push(Op::DropConstraint {
                table: table.to_owned(),
                name: n,
            });
        }
        ops
    }

    /// `create_table` for each new table, a table after those its foreign keys reference;
    /// in a cycle, the keys that point forward are returned apart, to add afterwards.
    fn create_tables(&self, created: &[&Table]) -> (Vec<Op>, Vec<Op>) {
        let names: BTreeSet<&str> = created.iter().map(|t| t.name.as_str()).collect();
        let mut done: BTreeSet<&str> = BTreeSet::new();
        let mut ops = Vec::new();
        let mut deferred = Vec::new();
        while done.len() < created.len() {
            let waiting = |t: &Table| {
                t.foreign_keys.iter().any(|fk| {
                    fk.ref_table != t.name
                        && names.contains(fk.ref_table.as_str())
                        && !done.contains(fk.ref_table.as_str())
                })
            };
            let next = created
                .iter()
                .find(|t| !done.contains(t.name.as_str()) && !waiting(t))
                .or_else(|| created.iter().find(|t| !done.contains(t.name.as_str())))
                .expect("a table is left");
            let mut t = (*next).clone();
            let (now, later): (Vec<_>, Vec<_>) = t.foreign_keys.into_iter().partition(|fk| {
                fk.ref_table == t.name
                    || !names.contains(fk.ref_table.as_str())
                    || done.contains(fk.ref_table.as_str())
            });
            t.foreign_keys = now;
            deferred.extend(later.into_iter().map(|fk| Op::CreateForeignKey {
                table: t.name.clone(),
                foreign_key: fk,
            }));
            t.columns = t.columns.iter().map(|c| self.new_column(c)).collect();
            for c in &mut t.columns {
                // The table-level key holds the primary key; the flag is only for
                // add_column.
                c.primary_key = false;
            }
            done.insert(next.name.as_str());
            ops.push(Op::CreateTable(t));
        }
        (ops, deferred)
    }

    fn rename_notes(&mut self, p: &TablePlan<'_>) {
        let dropped: Vec<&Column> = p
            .from
            .columns
            .iter()
            .filter(|c| p.to.get_column(&c.name).is_none())
            .collect();
        let added: Vec<&Column> =
            p.to.columns
                .iter()
                .filter(|c| p.from.get_column(&c.name).is_none())
                .collect();
        for d in &dropped {
            for a in added
                .iter()
                .filter(|a| self.scope.types_equal(&d.ty, &a.ty))
            {
                self.notes.push(format!(
                    "\"{t}\".\"{d}\" is dropped and \"{t}\".\"{a}\" added with the same type ({ty}): \
                     if it was renamed, replace the drop_column and add_column with \
                     op::rename_column(\"{t}\", \"{d}\", \"{a}\"), which keeps its data",
                    t = p.name,
                    d = d.name,
                    a = a.name,
                    ty = d.ty,
                ));
            }
        }
    }

    fn table_rename_notes(&mut self, dropped: &[&Table], created: &[&Table]) {
        let shape = |t: &Table| {
            let mut cols: Vec<(String, Type)> = t
                .columns
                .iter()
                .map(|c| (c.name.clone(), self.scope.view_type(&c.ty)))
                .collect();
            cols.sort_by(|a, b| a.0.cmp(&b.0));
            cols
        };
        for d in dropped {
            for c in created.iter().filter(|c| shape(c) == shape(d)) {
                self.notes.push(format!(
                    "table \"{d}\" is dropped and table \"{c}\" created with the same columns: \
                     if it was renamed, replace the drop_table and create_table with \
                     op::rename_table(\"{d}\", \"{c}\"), which keeps its rows",
                    d = d.name,
                    c = c.name,
                ));
            }
        }
    }
}

/// `drop_table` for each table, a table after every other dropped table that references
/// it; in a cycle, the foreign keys that still point at a table are dropped first.
fn drop_tables(dropped: &[&Table]) -> Vec<Op> {
    let mut left: Vec<&Table> = dropped.to_vec();
    let mut gone_fks: BTreeSet<(String, String)> = BTreeSet::new();
    let mut ops = Vec::new();
    while !left.is_empty() {
        let referenced = |t: &Table, left: &[&Table], gone: &BTreeSet<(String, String)>| {
            left.iter().any(|u| {
                u.name != t.name
                    && u.foreign_keys.iter().any(|fk| {
                        fk.ref_table == t.name && !gone.contains(&(u.name.clone(), fk.name.clone()))
                    })
            })
        };
        let pos = left
            .iter()
            .position(|t| !referenced(t, &left, &gone_fks))
            .unwrap_or(0);
        let t = left.remove(pos);
        for u in &left {
            for fk in u.foreign_keys.iter().filter(|fk| fk.ref_table == t.name) {
                if gone_fks.insert((u.name.clone(), fk.name.clone())) {
                    ops.push(Op::DropConstraint {
                        table: u.name.clone(),
                        name: fk.name.clone(),
                    });
                }
            }
        }
        ops.push(Op::DropTable {
            table: t.name.clone(),
        });
    }
    ops
}

fn sorted(names: &[String]) -> Vec<String> {
    let mut v = names.to_vec();
    v.sort();
    v
}

fn sorted_by_name<T: Clone>(items: &[T], name: impl Fn(&T) -> &String) -> Vec<T> {
    let mut v = items.to_vec();
    v.sort_by(|a, b| name(a).cmp(name(b)));
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::column::{DefaultValue, EnumType};
    use crate::naming;
    use crate::op;
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
