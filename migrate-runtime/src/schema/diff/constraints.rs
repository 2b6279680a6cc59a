//! Diff, indexes and constraints: matching the objects of one kind on both sides, the
//! foreign keys (which depend on every table's plan) and the names a new object takes
//! from one that stays.

use std::collections::BTreeMap;

use super::tables::TablePlan;
use super::Differ;
use crate::table::{ForeignKey, Table};

/// The plan for one kind of index or constraint of one table.
pub(super) struct KindPlan<T> {
    /// Names of `from` objects to drop.
    pub(super) drop: Vec<String>,
    /// Objects to create (from `to`, or a `from` object the scope does not compare,
    /// rebuilt after a change it depended on).
    pub(super) create: Vec<T>,
    /// Names of `from` objects that stay.
    pub(super) kept: Vec<String>,
}

impl<T> KindPlan<T> {
    /// Nothing dropped, created or kept.
    pub(super) fn new() -> Self {
        KindPlan {
            drop: Vec::new(),
            create: Vec::new(),
            kept: Vec::new(),
        }
    }
}

/// Matches the `from` objects of a kind with the `to` ones (by name, or by what they are
/// when names do not count) and decides what is dropped and created. `affected`: the
/// object must be rebuilt because of another change; `restorable`: an object the scope
/// does not compare can be rebuilt as it was; `forced`: its name is needed by another
/// object.
#[allow(clippy::too_many_arguments)]
pub(super) fn plan_kind<T: Clone, V: PartialEq>(
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
    let mut plan = KindPlan::new();
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

impl<'a> Differ<'a> {
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

    /// The foreign keys of every table kept: a key is rebuilt when a column of its own or
    /// a key it references changes.
    pub(super) fn plan_foreign_keys(&self, plans: &mut [TablePlan<'a>]) {
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
    pub(super) fn resolve_name_conflicts(
        &mut self,
        plans: &[TablePlan<'a>],
        created: &[&Table],
    ) -> bool {
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
}
