//! Diff, the order of the ops: the steps of the [module documentation](super), each a
//! function, and the notes for a person to read.

use std::collections::{BTreeMap, BTreeSet};

use super::tables::TablePlan;
use super::Differ;
use crate::column::{Column, EnumType, Type};
use crate::op::{AlterColumn, Op};
use crate::schema::sql::names_column;
use crate::table::{Index, Table, Unique};

impl<'a> Differ<'a> {
    /// The ops that turn `from` into `to`, in the order of the module documentation, and
    /// the notes.
    pub(super) fn run(mut self) -> (Vec<Op>, Vec<String>) {
        let from = self.from;
        let to = self.to;
        let to_defs = self.to_enum_defs();
        self.find_changed_enums(&to_defs);
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
        let plans = self.plan_tables(&kept, &created);

        // 1. New enum types.
        let mut ops = self.new_enums(&plans, &created, &to_defs);
        // 2. Foreign keys that go, and objects whose name another table's object needs.
        ops.extend(self.early_drops(&plans));
        // 3. Tables that go: a table after the tables that reference it.
        ops.extend(drop_tables(&dropped));
        // 4. Enum types whose labels change: their columns pass through Text.
        ops.extend(self.recreated_enums(&plans));
        // 5. Table by table.
        for p in &plans {
            ops.extend(self.table_ops(p));
        }
        // 6. New tables, referenced ones first.
        let (creates, deferred) = self.create_tables(&created);
        ops.extend(creates);
        // 7. New foreign keys.
        ops.extend(new_foreign_keys(&plans));
        ops.extend(deferred);
        // 8. Enum types that go.
        ops.extend(self.dropped_enums());
        self.table_rename_notes(&dropped, &created);
        (ops, self.notes)
    }

    /// Records the enum types whose labels change (under exact types).
    fn find_changed_enums(&mut self, to_defs: &BTreeMap<String, EnumType>) {
        for (n, e) in &self.from.enums {
            if let Some(new) = to_defs.get(n).filter(|d| d.variants != e.variants) {
                self.changed_enums.insert(n.clone(), new.clone());
            }
        }
    }

    /// The plans of the tables on both sides, planned again while a new object needs the
    /// name of one that stays (at most a few rounds).
    fn plan_tables(
        &mut self,
        kept: &[(&'a Table, &'a Table)],
        created: &[&Table],
    ) -> Vec<TablePlan<'a>> {
        let mut rounds = 0;
        loop {
            let mut plans = kept
                .iter()
                .map(|(f, t)| self.plan_table(f, t))
                .collect::<Vec<_>>();
            self.plan_foreign_keys(&mut plans);
            rounds += 1;
            if !self.resolve_name_conflicts(&plans, created) || rounds > 8 {
                return plans;
            }
        }
    }

    /// Step 1: new enum types, those the scope compares and those a new column needs.
    fn new_enums(
        &self,
        plans: &[TablePlan<'_>],
        created: &[&Table],
        to_defs: &BTreeMap<String, EnumType>,
    ) -> Vec<Op> {
        let from = self.from;
        let mut needed: BTreeMap<String, EnumType> = BTreeMap::new();
        if self.scope.enums {
            for (n, e) in &self.to.enums {
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
        for p in plans {
            p.add_columns.iter().for_each(|c| need(&c.ty));
            p.alters
                .iter()
                .filter_map(|(_, a)| a.ty.as_ref())
                .for_each(&mut need);
        }
        for t in created {
            t.columns.iter().for_each(|c| need(&self.resolve(&c.ty)));
        }
        needed.into_values().map(Op::CreateEnum).collect()
    }

    /// Step 2: the foreign keys that go, then the objects whose name an object of another
    /// table needs.
    fn early_drops(&self, plans: &[TablePlan<'_>]) -> Vec<Op> {
        let mut ops = Vec::new();
        for p in plans {
            for n in sorted(&p.fks.drop) {
                ops.push(Op::DropConstraint {
                    table: p.name.to_owned(),
                    name: n,
                });
            }
        }
        for p in plans {
            ops.extend(self.object_drops(p, true));
        }
        ops
    }

    /// Step 4: each enum type whose labels change is dropped and created again, its
    /// columns passing through `Text`.
    fn recreated_enums(&self, plans: &[TablePlan<'_>]) -> Vec<Op> {
        let mut ops = Vec::new();
        for (name, def) in &self.changed_enums {
            for p in plans {
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
        ops
    }

    /// Step 5, one table: early creates, drops, the primary key, columns, late creates;
    /// its notes are recorded.
    fn table_ops(&mut self, p: &TablePlan<'_>) -> Vec<Op> {
        let (mut ops, late_uniques, late_indexes) = early_creates(p);
        ops.extend(self.object_drops(p, false));
        if p.drop_pk {
            let pk = p.from.primary_key.as_ref().expect("dropped, so present");
            ops.push(Op::DropConstraint {
                table: p.name.to_owned(),
                name: pk.name.clone(),
            });
        }
        ops.extend(column_ops(p));
        ops.extend(late_creates(p, late_uniques, late_indexes));
        self.notes.extend(p.notes.iter().cloned());
        self.rename_notes(p);
        ops
    }

    /// Step 8: the enum types that go, when the scope compares them.
    fn dropped_enums(&self) -> Vec<Op> {
        if !self.scope.enums {
            return Vec::new();
        }
        self.from
            .enums
            .keys()
            .filter(|n| !self.to.enums.contains_key(*n) && !self.changed_enums.contains_key(*n))
            .map(|n| Op::DropEnum { name: n.clone() })
            .collect()
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

/// Step 5, first: the new indexes and unique constraints over columns that are there
/// already, so that a foreign key is never left without an index while old ones go (MySQL
/// wants one at all times). Returns their ops and the unique constraints and indexes left
/// for later.
fn early_creates(p: &TablePlan<'_>) -> (Vec<Op>, Vec<Unique>, Vec<Index>) {
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
    let mut ops = Vec::new();
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
    (ops, late_uniques, late_indexes)
}

/// Step 5, the columns: dropped, altered, added. A table keeps at least one column: when
/// every column goes, one new column (or a placeholder) is added first.
fn column_ops(p: &TablePlan<'_>) -> Vec<Op> {
    let mut ops = Vec::new();
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
    ops
}

/// Step 5, last: the new primary key, then the other new unique constraints, indexes and
/// checks.
fn late_creates(p: &TablePlan<'_>, uniques: Vec<Unique>, indexes: Vec<Index>) -> Vec<Op> {
    let mut ops = Vec::new();
    if let Some(pk) = &p.create_pk {
        ops.push(Op::CreatePrimaryKey {
            table: p.name.to_owned(),
            primary_key: pk.clone(),
        });
    }
    let t = || p.name.to_owned();
    for u in uniques {
        ops.push(Op::CreateUnique {
            table: t(),
            unique: u,
        });
    }
    for i in indexes {
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
    ops
}

/// Step 7: the new foreign keys of the tables kept.
fn new_foreign_keys(plans: &[TablePlan<'_>]) -> Vec<Op> {
    let mut ops = Vec::new();
    for p in plans {
        for fk in sorted_by_name(&p.fks.create, |f| &f.name) {
            ops.push(Op::CreateForeignKey {
                table: p.name.to_owned(),
                foreign_key: fk,
            });
        }
    }
    ops
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
