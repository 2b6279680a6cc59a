//! Resuming what a run left half done where DDL is not transactional (MySQL): the
//! in-progress mark, where to resume, and the refusal when that cannot be known (see
//! [`super::journal`]).

use std::time::Instant;

use super::{journal, replay, Applied, Direction, Engine, EngineError, Event, InProgress};
use crate::dialect::catalog;
use crate::migration::Migration;
use crate::plan::{RevSet, Step};
use crate::schema::Schema;

impl Engine<'_> {
    /// The migration a run left half done (MySQL's in-progress mark), if any: which, how
    /// far, since when. `None` on SQLite and PostgreSQL, where a migration commits wholly.
    pub fn in_progress(&mut self) -> Result<Option<InProgress>, EngineError> {
        let Some(mark) = self.read_mark()? else {
            return Ok(None);
        };
        let step = match self.migrations.get(&mark.revision) {
            Some(m) => {
                let applied = self.read_applied()?;
                self.migrations
                    .step_from(self.dialect(), &applied, m, mark.direction)
                    .ok()
                    .map(|(step, _)| step)
            }
            None => None,
        };
        Ok(Some(InProgress {
            revision: mark.revision,
            direction: mark.direction,
            done: mark.done,
            total: step.as_ref().map(|s| s.statements.len()),
            next: step.and_then(|s| s.statements.get(mark.done).map(|s| s.sql().to_owned())),
            since: mark.since,
        }))
    }

    /// The in-progress mark of the statement journal (MySQL), if any.
    fn read_mark(&mut self) -> Result<Option<Mark>, EngineError> {
        let d = self.dialect();
        let history = self.config.history_table.clone();
        if d.transactional_ddl() || !self.table_exists(&history)? {
            return Ok(None);
        }
        let rows = self
            .conn
            .query_rows(&catalog::select_mark(d, &history), 5)?;
        let Some(row) = rows.into_iter().next() else {
            return Ok(None);
        };
        let [revision, direction, hash, done, since]: [Option<String>; 5] =
            row.try_into().expect("five columns");
        let bad = |what: &str| {
            EngineError::InconsistentVersions(format!("the history's in-progress mark has {what}"))
        };
        let direction = match direction.as_deref() {
            Some(m) if m == marker(Direction::Upgrade) => Direction::Upgrade,
            _ => Direction::Downgrade,
        };
        let hash = hash.unwrap_or_default();
        let (hash, failed) = match hash.strip_suffix(journal::FAILED) {
            Some(h) => (h.to_owned(), true),
            None => (hash, false),
        };
        Ok(Some(Mark {
            revision: revision.ok_or_else(|| bad("no revision"))?,
            direction,
            hash,
            failed,
            done: done
                .and_then(|d| d.parse().ok())
                .ok_or_else(|| bad("no statement count"))?,
            since: since.unwrap_or_default(),
        }))
    }

    /// Deletes the start marks of `m` (MySQL): the step ended, one way or the other.
    pub(super) fn unmark_sql(&self, m: &'static Migration) -> String {
        catalog::delete_history_marks(
            self.dialect(),
            &self.config.history_table,
            m.revision,
            &[marker(Direction::Upgrade), marker(Direction::Downgrade)],
        )
    }

    /// Whether a run left a migration half done (an in-progress mark; MySQL).
    pub(super) fn interrupted(&mut self) -> Result<bool, EngineError> {
        Ok(self.read_mark()?.is_some())
    }

    /// MySQL: resumes the migration that a killed or failed run left half done (its
    /// in-progress mark), at the first statement its journal does not record as done,
    /// and records it. Where the journal cannot tell whether a statement ran (raw SQL that
    /// commits implicitly and was cut off), refuses, naming the statement. Returns the
    /// applied set to plan from, and the resumed migration.
    pub(super) fn recover_interrupted(
        &mut self,
        applied: RevSet,
    ) -> Result<(RevSet, Vec<Applied>), EngineError> {
        let Some(mark) = self.read_mark()? else {
            if let Some(n) = self.config.resume_after {
                return Err(EngineError::UnknownTarget(format!(
                    "--resume-after {n}: no migration was left half done here"
                )));
            }
            return Ok((applied, Vec::new()));
        };
        let m =
            self.migrations
                .get(&mark.revision)
                .ok_or_else(|| EngineError::UnknownRevision {
                    revision: mark.revision.clone(),
                })?;
        let direction = mark.direction;
        if applied.contains(m.revision) == (direction == Direction::Upgrade) {
            // The version table already has it where the run was taking it (a `stamp`
            // since): the mark is stale.
            self.conn.batch_execute(&self.unmark_sql(m))?;
            return Ok((applied, Vec::new()));
        }
        let (step, before) = self
            .migrations
            .step_from(self.dialect(), &applied, m, direction)?;
        let total = step.statements.len();
        let refuse = |reason: String| EngineError::Interrupted {
            revision: m.revision,
            file: m.file,
            direction: direction.name(),
            done: mark.done,
            total,
            reason,
        };
        let resume = match self.config.resume_after {
            Some(n) if n > total => {
                return Err(refuse(format!(
                    "--resume-after {n} is past its last statement"
                )))
            }
            Some(n) => n,
            // (A mark with nothing done has nothing to compare: also a mark written by
            // an earlier release, before the journal.)
            None if mark.done > total
                || (mark.done > 0
                    && journal::hash(&step.statements[..mark.done]) != mark.hash) =>
            {
                return Err(refuse(
                    "the statements journaled as done are not this build's: the migration was edited since they ran".into(),
                ))
            }
            None if mark.failed || mark.done == total => mark.done,
            None => match self.resume_point(&step, &before, mark.done)? {
                Resume::At(n) => n,
                Resume::Unknown(reason) => return Err(refuse(reason)),
            },
        };
        self.notify(Event::Started {
            migration: m,
            direction,
        });
        let started = Instant::now();
        let hash = journal::hash(&step.statements[..resume]);
        if resume != mark.done || mark.failed {
            // The journal starts again where the run resumes (the point found, or given).
            let d = self.dialect();
            let history = self.config.history_table.clone();
            let mark_name = marker(direction);
            let entry = catalog::update_mark(d, &history, m.revision, mark_name, resume, &hash);
            self.conn.batch_execute(&entry)?;
        }
        self.run_journaled(&step, direction, resume, Some(hash))?;
        self.record_journaled(&step, direction, &applied, started)?;
        let mut after = applied;
        match direction {
            Direction::Upgrade => after.insert(m.revision),
            Direction::Downgrade => after.remove(m.revision),
        };
        let done = Applied {
            revision: m.revision,
            direction: direction.name(),
            duration_ms: started.elapsed().as_millis(),
        };
        self.notify(Event::Finished(&done));
        Ok((after, vec![done]))
    }

    /// Where to resume a migration whose journal records `done` statements, the next one
    /// having been cut off: a data statement committed with its journal entry, so it did
    /// not run; a schema statement ran exactly when the live schema is the one replayed
    /// after it. [`Resume::Unknown`] when that cannot be known.
    fn resume_point(
        &mut self,
        step: &Step,
        before: &Schema,
        done: usize,
    ) -> Result<Resume, EngineError> {
        let kinds = step.kinds.as_deref().unwrap_or_default();
        let which = || {
            format!(
                "statement {} `{}`",
                done + 1,
                crate::connection::one_line(step.statements[done].sql())
            )
        };
        let op = match kinds.get(done) {
            Some(journal::Kind::Data) | None => return Ok(Resume::At(done)),
            Some(journal::Kind::Opaque) => {
                return Ok(Resume::Unknown(format!(
                    "{} was cut off: it is raw SQL that commits by itself, and whether it ran does not show in the schema",
                    which()
                )))
            }
            Some(journal::Kind::Schema(op)) => *op,
        };
        let m = step.migration;
        let ops = journal::expand(before, &step.ops).map_err(|source| EngineError::Invalid {
            revision: m.revision,
            file: m.file,
            source: Box::new(source),
        })?;
        // The schema statements from `done` on ran in order, up to some point: the journal
        // gives them no entries of their own. Find where by the schema read back, at each
        // op boundary of the run (the states in between are not known).
        let end = (done..kinds.len())
            .find(|&i| !matches!(kinds[i], journal::Kind::Schema(_)))
            .unwrap_or(kinds.len());
        let last_op = match kinds[end - 1] {
            journal::Kind::Schema(o) => o,
            _ => op,
        };
        let d = self.dialect();
        let config = self.config.clone();
        let live = crate::introspect::introspect(&mut self.conn, &config).map_err(|e| {
            EngineError::Bookkeeping {
                message: format!("reading the schema to resume migration {}: {e}", m.revision),
                state: "nothing was changed".into(),
            }
        })?;
        let scope = crate::diff::DiffScope::all();
        let is =
            |state: &Schema| crate::diff::diff(&state.as_stored_by(d), &live, &scope).is_empty();
        let mut state = before.clone();
        replay(&mut state, m, &ops[..op])?;
        let mut matches = Vec::new();
        for o in op..=last_op {
            // The op's first statement, when the run starts no later than it.
            let first = kinds.iter().position(|k| *k == journal::Kind::Schema(o));
            if let Some(at) = first.filter(|at| (done..end).contains(at)) {
                if is(&state) {
                    matches.push(at);
                }
            }
            replay(&mut state, m, &ops[o..=o])?;
        }
        if is(&state) {
            matches.push(end);
        }
        Ok(match matches.as_slice() {
            [at] => Resume::At(*at),
            [] => Resume::Unknown(format!(
                "{} (and the schema statements after it, to statement {end}) were cut off, and the schema read back is none of the states between them",
                which()
            )),
            _ => Resume::Unknown(format!(
                "{} (and the schema statements after it, to statement {end}) were cut off, and the schema read back is the state after several of them",
                which()
            )),
        })
    }
}

/// Where a cut-off migration resumes.
enum Resume {
    /// After this many statements.
    At(usize),
    /// The journal cannot tell; why, naming the statement.
    Unknown(String),
}

/// The in-progress mark of a journaled migration, as read back.
struct Mark {
    revision: String,
    direction: Direction,
    /// The journal's hash of the statements done.
    hash: String,
    /// Whether the run stopped because statement `done + 1` failed.
    failed: bool,
    /// How many statements are done.
    done: usize,
    /// When the mark was written.
    since: String,
}

/// The history row that marks a migration as started, on MySQL.
pub(super) fn marker(direction: Direction) -> &'static str {
    match direction {
        Direction::Upgrade => catalog::MARKS[0],
        Direction::Downgrade => catalog::MARKS[1],
    }
}
