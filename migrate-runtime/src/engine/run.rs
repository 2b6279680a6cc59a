//! Running planned steps: statements, the statement journal where DDL is not
//! transactional, the foreign-key check on SQLite, and the bookkeeping (history rows and the
//! version table's heads).

use std::time::Instant;

use super::recover::marker;
use super::{checksum, journal, Applied, Direction, Engine, EngineError, Event};
use crate::column::Value;
use crate::connection::{Connection, ConnectionError};
use crate::dialect::{catalog, Statement};
use crate::migration::Migration;
use crate::op::Op;
use crate::plan::{RevSet, Step};

impl Engine<'_> {
    /// Runs planned steps, recording each in the history table and moving the version
    /// table's heads after it, both in one round trip per migration. `applied` is what the
    /// database had when the plan was made (read under the lock). Per migration, each step
    /// is its own transaction, and on SQLite (no lock between transactions) a step another
    /// process ran meanwhile is skipped. Where DDL commits implicitly (MySQL), each step
    /// runs through the statement journal ([`journal`]).
    pub(super) fn execute(
        &mut self,
        steps: Vec<Step>,
        direction: Direction,
        mut applied: RevSet,
    ) -> Result<Vec<Applied>, EngineError> {
        let d = self.dialect();
        let per_step = !self.whole_run() && d.transactional_ddl();
        // In one transaction nobody sees the version table until the commit: write it and
        // the history once, at the end, instead of after every migration.
        let deferred = self.whole_run() && d.transactional_ddl();
        let mut history = Vec::new();
        let mut ran = Vec::new();
        // SQLite runs with foreign keys off: compare `foreign_key_check` before and after.
        let mut fk = crate::fk_check::Guard::new(d);
        if !per_step {
            self.fk_begin(&mut fk);
        }
        for step in steps {
            let m = step.migration;
            if per_step {
                begin_transaction(&mut self.conn)?;
                // No lock holds between two transactions: another process may have run it.
                if d.backend().lock_is_the_transaction() {
                    applied = self.read_applied()?;
                }
                if applied.contains(m.revision) == (direction == Direction::Upgrade) {
                    end_transaction(&mut self.conn, true)?;
                    continue;
                }
                self.fk_begin(&mut fk);
            }
            self.notify(Event::Started {
                migration: m,
                direction,
            });
            let started = Instant::now();
            if step.kinds.is_some() {
                self.run_journaled(&step, direction, 0, None)?;
                self.record_journaled(&step, direction, &applied, started)?;
            } else {
                for (i, s) in step.statements.iter().enumerate() {
                    self.notify(Event::Statement(s));
                    self.conn.run(s).map_err(|e| failed(m, i, s, e))?;
                }
                fk.check(&mut self.conn)
                    .map_err(|problem| EngineError::ForeignKeys {
                        revision: m.revision,
                        file: m.file,
                        problem: problem.0,
                        state: String::new(),
                    })?;
                let upgrade_ops = match direction {
                    Direction::Upgrade => step.ops,
                    Direction::Downgrade => (m.upgrade)(),
                };
                let row = self.history_row(m, direction.name(), &upgrade_ops, started);
                if deferred {
                    history.push(row);
                } else {
                    let mut bookkeeping = self.history_sql(vec![row]);
                    bookkeeping.extend(self.move_heads_sql(m, direction, &applied));
                    self.conn.batch_execute(&bookkeeping.join(";\n"))?;
                    end_transaction(&mut self.conn, true)?;
                }
            }
            match direction {
                Direction::Upgrade => applied.insert(m.revision),
                Direction::Downgrade => applied.remove(m.revision),
            };
            let applied = Applied {
                revision: m.revision,
                direction: direction.name(),
                duration_ms: started.elapsed().as_millis(),
            };
            self.notify(Event::Finished(&applied));
            ran.push(applied);
        }
        if deferred && !history.is_empty() {
            let table = &self.config.version_table;
            let mut sql = vec![catalog::delete_all(d, table)];
            sql.extend(
                self.migrations
                    .heads_of(&applied)
                    .into_iter()
                    .map(|r| catalog::insert_row(d, table, &["revision"], vec![Value::from(r)])),
            );
            sql.extend(self.history_sql(history));
            self.conn.batch_execute(&sql.join(";\n"))?;
        }
        Ok(ran)
    }

    /// Runs the statements of `step` from index `from` on, advancing its journal after each
    /// ([`journal`]): a data statement commits in one transaction with its entry, a schema
    /// statement is followed by its entry in the same round trip. `hash` is the journal's
    /// hash at `from`, or `None` for a new run of the step, which first writes its
    /// in-progress mark (with the first statement, in one round trip). On failure the mark
    /// stays, recording that the failed statement did not run, and the next run resumes
    /// there.
    pub(super) fn run_journaled(
        &mut self,
        step: &Step,
        direction: Direction,
        from: usize,
        hash: Option<String>,
    ) -> Result<(), EngineError> {
        let d = self.dialect();
        let m = step.migration;
        let kinds = step.kinds.as_deref().unwrap_or_default();
        let history = self.config.history_table.clone();
        let mark = marker(direction);
        let mut pending = match hash {
            Some(_) => String::new(),
            None => {
                let row = vec![
                    Value::from(m.revision),
                    Value::from(mark),
                    Value::from(journal::EMPTY),
                    Value::Int(0),
                ];
                self.history_sql(vec![row]).join(";\n") + ";\n"
            }
        };
        let mut hash = hash.unwrap_or_else(|| journal::EMPTY.to_owned());
        // Statements the journal records as done: a schema statement gets no entry of its
        // own (the schema read back tells whether it ran); the next entry covers it.
        let mut journaled = from;
        for (i, s) in step.statements.iter().enumerate().skip(from) {
            self.notify(Event::Statement(s));
            let next = journal::chain(&hash, s);
            let entry = catalog::update_mark(d, &history, m.revision, mark, i + 1, &next);
            let kind = kinds.get(i).copied().unwrap_or(journal::Kind::Data);
            let result = match (s, kind) {
                (Statement::Execute(sql), journal::Kind::Data) => {
                    let begin = d.backend().begin();
                    let r = self.conn.batch_execute(&format!(
                        "{pending}{begin};\n{sql};\n{entry};\n{}",
                        catalog::end(true)
                    ));
                    if r.is_err() {
                        let _ = self.conn.batch_execute(catalog::end(false));
                    }
                    r
                }
                (Statement::Execute(sql), journal::Kind::Schema(_)) => {
                    self.conn.batch_execute(&format!("{pending}{sql}"))
                }
                (Statement::Execute(sql), journal::Kind::Opaque) => {
                    // Whether raw SQL ran cannot be seen: the journal is exact around it.
                    let before = if journaled < i {
                        catalog::update_mark(d, &history, m.revision, mark, i, &hash) + ";\n"
                    } else {
                        String::new()
                    };
                    self.conn
                        .batch_execute(&format!("{pending}{before}{sql};\n{entry}"))
                }
                (other, _) => self.run_in_transaction(&pending, other, &entry),
            };
            if result.is_ok() && !matches!(kind, journal::Kind::Schema(_)) {
                journaled = i + 1;
            }
            if let Err(e) = result {
                let failed_entry = catalog::update_mark(
                    d,
                    &history,
                    m.revision,
                    mark,
                    i,
                    &format!("{hash}{}", journal::FAILED),
                );
                let _ = self.conn.batch_execute(&failed_entry);
                return Err(failed(m, i, s, e));
            }
            pending.clear();
            hash = next;
        }
        if !pending.is_empty() {
            // A step with no statement still marks and records it in two commits.
            self.conn.batch_execute(pending.trim_end_matches(";\n"))?;
        }
        Ok(())
    }

    /// Runs a data step or a check query in one transaction with the journal `entry`,
    /// after the `pending` SQL.
    pub(super) fn run_in_transaction(
        &mut self,
        pending: &str,
        s: &Statement,
        entry: &str,
    ) -> Result<(), ConnectionError> {
        if !pending.is_empty() {
            self.conn.batch_execute(pending.trim_end_matches(";\n"))?;
        }
        begin_transaction(&mut self.conn)?;
        let r = self
            .conn
            .run(s)
            .and_then(|()| self.conn.batch_execute(entry));
        end_transaction(&mut self.conn, r.is_ok())?;
        r
    }

    /// Records a journaled step as done: its history row, the version table's heads, and
    /// the end of its in-progress mark, in one transaction.
    pub(super) fn record_journaled(
        &mut self,
        step: &Step,
        direction: Direction,
        applied: &RevSet,
        started: Instant,
    ) -> Result<(), EngineError> {
        let d = self.dialect();
        let m = step.migration;
        let upgrade_ops = match direction {
            Direction::Upgrade => step.ops.clone(),
            Direction::Downgrade => (m.upgrade)(),
        };
        let row = self.history_row(m, direction.name(), &upgrade_ops, started);
        let mut sql = vec![d.backend().begin().to_owned()];
        sql.extend(self.history_sql(vec![row]));
        sql.extend(self.move_heads_sql(m, direction, applied));
        sql.push(self.unmark_sql(m));
        sql.push(catalog::end(true).to_owned());
        self.conn.batch_execute(&sql.join(";\n"))?;
        Ok(())
    }

    /// Reads the foreign-key violations there before the work (SQLite), reporting those
    /// as a warning once per run.
    pub(super) fn fk_begin(&mut self, fk: &mut crate::fk_check::Guard) {
        if let Some(warning) = fk.begin(&mut self.conn) {
            self.notify(Event::Warning(warning));
        }
    }

    /// The version-table statements after `m` ran, `applied` being the revisions applied
    /// before it: an upgrade replaces `m`'s parents by `m`; a downgrade removes `m` and
    /// makes each parent a head again unless another applied revision still builds on it
    /// (a branch that stays applied).
    pub(super) fn move_heads_sql(
        &self,
        m: &'static Migration,
        direction: Direction,
        applied: &RevSet,
    ) -> Vec<String> {
        let d = self.dialect();
        let table = &self.config.version_table;
        let parents = self.migrations.parents(m).into_iter();
        let (remove, add): (Vec<&str>, Vec<&str>) = match direction {
            Direction::Upgrade => (parents.map(|p| p.revision).collect(), vec![m.revision]),
            Direction::Downgrade => {
                let still_used = |p: &Migration| {
                    self.migrations
                        .dependents(p)
                        .iter()
                        .any(|r| r.revision != m.revision && applied.contains(r.revision))
                };
                let add = parents
                    .filter(|p| !still_used(p))
                    .map(|p| p.revision)
                    .collect();
                (vec![m.revision], add)
            }
        };
        let mut sql: Vec<String> = remove
            .into_iter()
            .map(|r| catalog::delete_eq(d, table, "revision", r))
            .collect();
        sql.extend(
            add.into_iter()
                .map(|r| catalog::insert_row(d, table, &["revision"], vec![Value::from(r)])),
        );
        sql
    }

    /// The history row for a step of `m`, with the checksum of its upgrade ops.
    pub(super) fn history_row(
        &self,
        m: &'static Migration,
        direction: &str,
        upgrade_ops: &[Op],
        started: Instant,
    ) -> Vec<Value> {
        vec![
            Value::from(m.revision),
            Value::from(direction),
            Value::from(checksum(upgrade_ops)),
            Value::Int(started.elapsed().as_millis() as i64),
        ]
    }

    /// `INSERT`s of history rows (several rows per statement).
    pub(super) fn history_sql(&self, rows: Vec<Vec<Value>>) -> Vec<String> {
        let columns: Vec<String> = ["revision", "direction", "checksum", "duration_ms"]
            .map(String::from)
            .to_vec();
        crate::dialect::insert_sql(self.dialect(), &self.config.history_table, &columns, &rows)
    }
}

/// Starts a transaction (see [`Connection::begin`]).
pub(super) fn begin_transaction(conn: &mut Connection) -> Result<(), ConnectionError> {
    conn.begin()
}

/// Commits (`ok`) or rolls back the transaction [`begin_transaction`] started.
pub(super) fn end_transaction(conn: &mut Connection, ok: bool) -> Result<(), ConnectionError> {
    conn.end(ok)
}

/// The error of statement `i` (0-based) of `m`, which failed with `e`; the state is said
/// by [`Engine::conclude`].
pub(super) fn failed(
    m: &'static Migration,
    i: usize,
    s: &Statement,
    e: ConnectionError,
) -> EngineError {
    EngineError::Failed {
        revision: m.revision,
        file: m.file,
        index: i + 1,
        statement: s.sql().to_owned(),
        message: e.to_string(),
        state: String::new(),
    }
}
