//! Diff, one table present on both sides: which columns go, change or come, what happens
//! to its primary key, and which indexes, unique constraints and checks are rebuilt.

use std::collections::BTreeSet;

use super::constraints::{plan_kind, KindPlan};
use super::Differ;
use crate::column::Column;
use crate::op::AlterColumn;
use crate::schema::defaults::canonical_default;
use crate::schema::sql::names_column;
use crate::table::{Check, ForeignKey, Index, PrimaryKey, Table, Unique};

/// What happens to one table present on both sides.
pub(super) struct TablePlan<'a> {
    pub(super) name: &'a str,
    pub(super) from: &'a Table,
    pub(super) to: &'a Table,
    /// Columns dropped for good, or dropped and added back (autoincrement changes).
    pub(super) gone: BTreeSet<String>,
    /// Columns whose type changes (including the pass through `Text` of a recreated enum).
    pub(super) retyped: BTreeSet<String>,
    pub(super) drop_columns: Vec<String>,
    pub(super) alters: Vec<(String, AlterColumn)>,
    pub(super) add_columns: Vec<Column>,
    /// The primary key is dropped by name (not with its only column).
    pub(super) drop_pk: bool,
    /// The primary key goes, either way.
    pub(super) pk_gone: bool,
    pub(super) create_pk: Option<PrimaryKey>,
    pub(super) indexes: KindPlan<Index>,
    pub(super) uniques: KindPlan<Unique>,
    pub(super) checks: KindPlan<Check>,
    pub(super) fks: KindPlan<ForeignKey>,
    /// Notes about this table's changes.
    pub(super) notes: Vec<String>,
}

/// The columns of a table that go, and what that does to its primary key.
struct GoneColumns {
    /// Columns dropped for good, or dropped and added back (autoincrement changes).
    gone: BTreeSet<String>,
    /// The primary key goes, either way.
    pk_gone: bool,
    /// The primary key goes with its only column (no drop of its own).
    implicit_pk_drop: bool,
    /// Notes about columns dropped and added back.
    notes: Vec<String>,
}

/// The column ops of a table.
struct ColumnPlan {
    drop_columns: Vec<String>,
    alters: Vec<(String, AlterColumn)>,
    retyped: BTreeSet<String>,
    add_columns: Vec<Column>,
}

/// The indexes, unique constraints and checks of a table.
struct ObjectPlans {
    indexes: KindPlan<Index>,
    uniques: KindPlan<Unique>,
    checks: KindPlan<Check>,
}

impl<'a> Differ<'a> {
    /// The plan for the table `from` that becomes `to` (its foreign keys are planned
    /// apart, by [`Differ::plan_foreign_keys`], once every table's plan is known).
    pub(super) fn plan_table(&self, from: &'a Table, to: &'a Table) -> TablePlan<'a> {
        let GoneColumns {
            gone,
            pk_gone,
            implicit_pk_drop,
            notes,
        } = self.gone_columns(from, to);
        let columns = self.plan_columns(from, to, &gone);
        let pk_by_add = columns.add_columns.iter().any(|c| c.primary_key);
        let create_pk = to
            .primary_key
            .as_ref()
            .filter(|_| (pk_gone || from.primary_key.is_none()) && !pk_by_add)
            .cloned();
        let objects = self.plan_objects(from, to, &gone);
        TablePlan {
            name: &from.name,
            from,
            to,
            gone,
            retyped: columns.retyped,
            drop_columns: columns.drop_columns,
            alters: columns.alters,
            add_columns: columns.add_columns,
            drop_pk: pk_gone && !implicit_pk_drop,
            pk_gone,
            create_pk,
            indexes: objects.indexes,
            uniques: objects.uniques,
            checks: objects.checks,
            fks: KindPlan::new(),
            notes,
        }
    }

    /// The columns that go: those `to` lacks, and those recreated because their
    /// autoincrement changes (or because the primary key an autoincrement column needs
    /// goes).
    fn gone_columns(&self, from: &Table, to: &Table) -> GoneColumns {
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
        GoneColumns {
            gone,
            pk_gone,
            implicit_pk_drop,
            notes,
        }
    }

    /// The columns dropped, altered (type, nullability, default, comment) and added.
    fn plan_columns(&self, from: &Table, to: &Table, gone: &BTreeSet<String>) -> ColumnPlan {
        let scope = self.scope;
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
        ColumnPlan {
            drop_columns,
            alters,
            retyped,
            add_columns,
        }
    }

    /// Indexes, unique constraints and checks: kept, dropped, created, or rebuilt because a
    /// column of theirs goes (SQL that names a gone column counts).
    fn plan_objects(&self, from: &Table, to: &Table, gone: &BTreeSet<String>) -> ObjectPlans {
        let scope = self.scope;
        let table = from.name.as_str();
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
        ObjectPlans {
            indexes,
            uniques,
            checks,
        }
    }
}
