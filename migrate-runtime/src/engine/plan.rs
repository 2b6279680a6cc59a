//! Planning: what a target means and which steps reach it, without a database.
//!
//! The engine ([`crate::engine`]) plans against the revisions read from the version table;
//! offline SQL ([`crate::offline`]) plans against the revisions named on the command line.
//! Every step is rendered here, before anything runs.

use std::collections::BTreeSet;

use migrate_core::target::{Anchor, Target};

use crate::dialect::{render, Dialect, RenderError, Statement};
use crate::engine::journal::{self, Kind};
use crate::engine::{downgrade_ops, replay, Direction, EngineError};
use crate::migration::{Migration, Migrations};
use crate::op::Op;
use crate::schema::Schema;

/// A set of revision ids.
pub(crate) type RevSet = BTreeSet<&'static str>;

/// One migration's planned work: rendered before anything runs.
pub(crate) struct Step {
    /// The migration.
    pub(crate) migration: &'static Migration,
    /// Its statements, for the planned direction.
    pub(crate) statements: Vec<Statement>,
    /// The ops they were rendered from.
    pub(crate) ops: Vec<Op>,
    /// Where DDL commits implicitly (MySQL): the kind of each statement, for the
    /// statement journal ([`crate::engine::journal`]); raw SQL is split into single
    /// statements there.
    pub(crate) kinds: Option<Vec<Kind>>,
}

/// Parses a target, as an [`EngineError::UnknownTarget`] when it does not parse.
pub(crate) fn parse_target(target: &str) -> Result<Target, EngineError> {
    Target::parse(target).map_err(|e| EngineError::UnknownTarget(e.to_string()))
}

impl Migrations {
    /// The schema at head, replayed from every migration's ops: no database needed.
    ///
    /// ```
    /// # use migrate_runtime::prelude::*;
    /// # static MIGRATIONS: Migrations = Migrations::__from_sorted(&[], "");
    /// let head = MIGRATIONS.head_schema()?;
    /// assert!(head.tables.is_empty());
    /// # Ok::<(), migrate_runtime::engine::EngineError>(())
    /// ```
    pub fn head_schema(&self) -> Result<Schema, EngineError> {
        let all: RevSet = self.iter().map(|m| m.revision).collect();
        self.state_of(&all)
    }

    /// The schema when exactly the revisions of `applied` are applied.
    pub(crate) fn state_of(&self, applied: &RevSet) -> Result<Schema, EngineError> {
        let mut state = Schema::new();
        for m in self.iter().filter(|m| applied.contains(m.revision)) {
            replay(&mut state, m, &(m.upgrade)())?;
        }
        Ok(state)
    }

    /// Revisions applied to the database: the current heads and all their ancestors.
    /// Refuses a head these migrations do not know.
    pub(crate) fn applied_set(&self, heads: &[String]) -> Result<RevSet, EngineError> {
        let mut roots: Vec<&'static Migration> = Vec::new();
        for h in heads {
            let m = self.get(h).ok_or_else(|| EngineError::UnknownRevision {
                revision: h.clone(),
            })?;
            if roots.iter().any(|r| r.revision == m.revision) {
                return Err(EngineError::InconsistentVersions(format!(
                    "revision {} is in it twice",
                    m.revision
                )));
            }
            roots.push(m);
        }
        let graph = self.graph();
        for r in &roots {
            if let Some(below) = roots
                .iter()
                .find(|o| graph.is_ancestor(r.revision, o.revision))
            {
                return Err(EngineError::InconsistentVersions(format!(
                    "revision {} is listed with {}, which builds on it",
                    r.revision, below.revision
                )));
            }
        }
        Ok(self.closure(roots))
    }

    /// The given migrations and all of their ancestors (parents and `depends_on`), as
    /// [`migrate_core::Graph::closure`] computes them.
    pub(crate) fn closure(&self, roots: impl IntoIterator<Item = &'static Migration>) -> RevSet {
        let graph = self.graph();
        let start: Vec<usize> = roots
            .into_iter()
            .filter_map(|m| graph.index(m.revision))
            .collect();
        self.at_indices(graph.closure(start))
            .map(|m| m.revision)
            .collect()
    }

    /// The revisions of `set` that no other revision of `set` names as a parent: what the
    /// version table holds when exactly `set` is applied ([`migrate_core::Graph::heads_of`]).
    pub(crate) fn heads_of(&self, set: &RevSet) -> Vec<&'static str> {
        let all = self.as_slice();
        self.at_indices(self.graph().heads_of(|i| set.contains(all[i].revision)))
            .map(|m| m.revision)
            .collect()
    }

    /// The migration that `name` means: a revision id, a unique prefix of one, or a branch
    /// label. An unknown name suggests the closest id; an ambiguous prefix lists the
    /// candidates.
    pub fn resolve(&self, name: &str) -> Result<&'static Migration, EngineError> {
        if let Some(m) = self.get(name) {
            return Ok(m);
        }
        if let Some(m) = self.iter().find(|m| m.branch_labels.contains(&name)) {
            return Ok(m);
        }
        let matches: Vec<&'static Migration> = self
            .iter()
            .filter(|m| !name.is_empty() && m.revision.starts_with(name))
            .collect();
        match matches.as_slice() {
            [one] => Ok(one),
            [] => {
                let candidates = self
                    .iter()
                    .map(|m| m.revision)
                    .chain(self.iter().flat_map(|m| m.branch_labels.iter().copied()));
                Err(EngineError::UnknownTarget(
                    match migrate_core::similar::closest(name, candidates) {
                        Some(c) => format!("no revision \"{name}\": did you mean {c}?"),
                        None => format!("no revision or branch label \"{name}\""),
                    },
                ))
            }
            many => {
                let ids: Vec<&str> = many.iter().map(|m| m.revision).collect();
                Err(EngineError::UnknownTarget(format!(
                    "\"{name}\" is ambiguous: it starts {}; give more digits",
                    ids.join(", ")
                )))
            }
        }
    }

    /// The set of revisions that `target` means, given what is `applied` now.
    pub(crate) fn target_set(
        &self,
        target: &Target,
        applied: &RevSet,
    ) -> Result<RevSet, EngineError> {
        let mut set = match &target.anchor {
            None => applied.clone(),
            Some(Anchor::Heads) => self.iter().map(|m| m.revision).collect(),
            Some(Anchor::Base) => BTreeSet::new(),
            Some(Anchor::Revision(name)) => self.closure([self.resolve(name)?]),
            Some(Anchor::LabelHead(label)) => {
                let labelled = self
                    .iter()
                    .find(|m| m.branch_labels.contains(&label.as_str()))
                    .ok_or_else(|| {
                        let labels = self.iter().flat_map(|m| m.branch_labels.iter().copied());
                        EngineError::UnknownTarget(
                            match migrate_core::similar::closest(label, labels) {
                                Some(c) => {
                                    format!("no branch label \"{label}\": did you mean {c}?")
                                }
                                None => format!("no branch label \"{label}\""),
                            },
                        )
                    })?;
                let graph = self.graph();
                let heads = self.heads().into_iter().filter(|h| {
                    h.revision == labelled.revision
                        || graph.is_ancestor(labelled.revision, h.revision)
                });
                self.closure(heads)
            }
        };
        let order: Vec<&'static str> = self.iter().map(|m| m.revision).collect();
        let n = target.steps.unsigned_abs() as usize;
        if target.steps > 0 {
            let above: Vec<&str> = order.iter().copied().filter(|r| !set.contains(r)).collect();
            if above.len() < n {
                return Err(EngineError::UnknownTarget(format!(
                    "\"{target}\" goes {n} migration(s) up, but only {} are above it",
                    above.len()
                )));
            }
            set.extend(&above[..n]);
        } else if target.steps < 0 {
            let below: Vec<&str> = order.iter().copied().filter(|r| set.contains(r)).collect();
            if below.len() < n {
                return Err(EngineError::UnknownTarget(format!(
                    "\"{target}\" goes {n} migration(s) down, but only {} are applied below it",
                    below.len()
                )));
            }
            for r in &below[below.len() - n..] {
                set.remove(r);
            }
        }
        Ok(set)
    }

    pub(crate) fn plan_upgrade(
        &self,
        d: Dialect,
        applied: &RevSet,
        wanted: &RevSet,
    ) -> Result<Vec<Step>, EngineError> {
        let mut state = Schema::new();
        let mut steps = Vec::new();
        for m in self.iter() {
            if !applied.contains(m.revision) && !wanted.contains(m.revision) {
                continue;
            }
            let ops = (m.upgrade)();
            if !applied.contains(m.revision) {
                steps.push(self.step(d, m, &state, ops.clone())?);
            }
            replay(&mut state, m, &ops)?;
        }
        Ok(steps)
    }

    pub(crate) fn plan_downgrade(
        &self,
        d: Dialect,
        applied: &RevSet,
        keep: &RevSet,
    ) -> Result<Vec<Step>, EngineError> {
        // The schema before each applied migration, in topological order.
        let mut state = Schema::new();
        let mut undo: Vec<(&'static Migration, Schema, Vec<Op>)> = Vec::new();
        for m in self.iter().filter(|m| applied.contains(m.revision)) {
            let ops = (m.upgrade)();
            let before = state.clone();
            replay(&mut state, m, &ops)?;
            if !keep.contains(m.revision) {
                undo.push((m, before, ops));
            }
        }
        let mut steps = Vec::new();
        for (m, before, ops) in undo.into_iter().rev() {
            let down = downgrade_ops(m, &before, &ops)?;
            let mut after_up = before;
            replay(&mut after_up, m, &ops)?;
            steps.push(self.step(d, m, &after_up, down)?);
        }
        Ok(steps)
    }

    /// The step of `m` in `direction` as the engine planned it when the database had
    /// exactly `applied` (an interrupted run's step, see the journal), with the schema
    /// before that step.
    pub(crate) fn step_from(
        &self,
        d: Dialect,
        applied: &RevSet,
        m: &'static Migration,
        direction: Direction,
    ) -> Result<(Step, Schema), EngineError> {
        let mut state = Schema::new();
        for x in self.iter() {
            let ops = (x.upgrade)();
            if x.revision == m.revision {
                return match direction {
                    Direction::Upgrade => Ok((self.step(d, m, &state, ops)?, state)),
                    Direction::Downgrade => {
                        let down = downgrade_ops(m, &state, &ops)?;
                        replay(&mut state, m, &ops)?;
                        Ok((self.step(d, m, &state, down)?, state))
                    }
                };
            }
            if applied.contains(x.revision) {
                replay(&mut state, x, &ops)?;
            }
        }
        Err(EngineError::UnknownRevision {
            revision: m.revision.to_owned(),
        })
    }

    /// Renders `ops` of migration `m` against the schema `before` them.
    pub(crate) fn step(
        &self,
        d: Dialect,
        m: &'static Migration,
        before: &Schema,
        ops: Vec<Op>,
    ) -> Result<Step, EngineError> {
        let rendered = if d.transactional_ddl() {
            render(d, before, &ops).map(|s| (s, None))
        } else {
            journal::statements(d, before, &ops).map(|(s, k)| (s, Some(k)))
        };
        let (statements, kinds) = rendered.map_err(|source| match source {
            RenderError::Schema(source) => EngineError::Invalid {
                revision: m.revision,
                file: m.file,
                source: Box::new(source),
            },
            other => EngineError::Render {
                revision: m.revision,
                file: m.file,
                source: Box::new(other),
            },
        })?;
        Ok(Step {
            migration: m,
            statements,
            ops,
            kinds,
        })
    }
}
