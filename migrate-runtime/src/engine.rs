//! The engine: plans and applies upgrades and downgrades, and records what ran.
//!
//! The version table holds the current head revision(s), as Alembic's does; the history
//! table records every applied step (revision, direction, checksum of its ops, duration).
//! One process migrates a database at a time: PostgreSQL takes an advisory lock, MySQL
//! `GET_LOCK`, SQLite an immediate write transaction; a process that waited re-reads the
//! version table and finds only what is still pending.
//!
//! On SQLite and PostgreSQL a run is one transaction: it happens wholly or not at all. On
//! MySQL, whose DDL commits implicitly, each migration is recorded as soon as it ran, and a
//! failure says which statement failed and which revision the database is at.

use std::collections::BTreeSet;
use std::time::Instant;

use crate::column::{Column, DefaultValue, Type, Value};
use crate::connection::{Connection, ConnectionError};
use crate::dialect::{catalog, render, Dialect, RenderError, Statement};
use crate::inverse::{derive_downgrade, InverseError};
use crate::migration::{Downgrade, Migration, Migrations};
use crate::op::Op;
use crate::schema::{Schema, SchemaError};
use crate::table::Table;

/// Names of the engine's own tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Holds the current head revision(s). Default `migrate_version`.
    pub version_table: String,
    /// Records every applied step. Default `migrate_history`.
    pub history_table: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            version_table: "migrate_version".into(),
            history_table: "migrate_history".into(),
        }
    }
}

/// Why a run failed, with the state the database was left in.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Connecting or a bookkeeping query failed.
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    /// The database is at a revision the embedded migrations do not know.
    #[error("the database is at revision {revision}, which these migrations do not know (was it migrated by a newer build?); nothing was changed")]
    UnknownRevision {
        /// The unknown revision.
        revision: String,
    },
    /// The target names no revision (or an ambiguous prefix).
    #[error("{0} (nothing was changed)")]
    UnknownTarget(String),
    /// A migration's ops do not apply to the schema replayed before it.
    #[error("migration {revision} ({file}) is invalid: {source}; nothing was changed")]
    Invalid {
        /// The migration.
        revision: &'static str,
        /// Its file.
        file: &'static str,
        /// Why.
        source: Box<SchemaError>,
    },
    /// A migration cannot be rendered for this database.
    #[error(
        "migration {revision} ({file}) cannot run on this database: {source}; nothing was changed"
    )]
    Render {
        /// The migration.
        revision: &'static str,
        /// Its file.
        file: &'static str,
        /// Why.
        source: Box<RenderError>,
    },
    /// A downgrade path contains a migration that cannot be undone.
    #[error("migration {revision} ({file}) cannot be downgraded: {reason}; nothing was changed")]
    Irreversible {
        /// The migration.
        revision: &'static str,
        /// Its file.
        file: &'static str,
        /// Why.
        reason: String,
    },
    /// Recording progress in the version or history table failed mid-run.
    #[error("reading or updating the version tables failed: {message}; {state}")]
    Bookkeeping {
        /// The database's error.
        message: String,
        /// What the database is at now.
        state: String,
    },
    /// A statement failed while migrating.
    #[error("migration {revision} ({file}) failed at statement {index} `{statement}`: {message}; {state}")]
    Failed {
        /// The migration.
        revision: &'static str,
        /// Its file.
        file: &'static str,
        /// Which statement of the migration (1-based).
        index: usize,
        /// The statement.
        statement: String,
        /// The database's error.
        message: String,
        /// What the database is at now.
        state: String,
    },
}

/// One migration that ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The revision.
    pub revision: &'static str,
    /// `upgrade` or `downgrade`.
    pub direction: &'static str,
    /// How long it took, in milliseconds.
    pub duration_ms: u128,
}

/// The checksum of a list of ops: a stable hash of their canonical (debug) encoding, as 16
/// hex digits. Recorded in the history table to detect a migration edited after it ran.
pub fn checksum(ops: &[Op]) -> String {
    format!(
        "{:016x}",
        crate::naming::fnv1a(format!("{ops:?}").as_bytes())
    )
}

/// Which way a step goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Upgrade,
    Downgrade,
}

impl Direction {
    fn name(self) -> &'static str {
        match self {
            Direction::Upgrade => "upgrade",
            Direction::Downgrade => "downgrade",
        }
    }
}

/// One migration's planned work: rendered before anything runs.
struct Step {
    migration: &'static Migration,
    statements: Vec<Statement>,
    ops: Vec<Op>,
}

/// Runs the migrations of a [`Migrations`] set against one database.
///
/// ```no_run
/// use migrate_runtime::engine::Engine;
/// # static MIGRATIONS: migrate_runtime::Migrations = migrate_runtime::Migrations::__from_sorted(&[], "");
/// let mut engine = Engine::connect(&MIGRATIONS, "sqlite://shop.db")?;
/// engine.upgrade()?; // to head; cheap when there is nothing to do
/// # Ok::<(), migrate_runtime::engine::EngineError>(())
/// ```
pub struct Engine<'m> {
    migrations: &'m Migrations,
    conn: Connection,
    config: Config,
}

impl<'m> Engine<'m> {
    /// An engine over an open connection, with the default table names.
    pub fn new(migrations: &'m Migrations, conn: Connection) -> Self {
        Engine {
            migrations,
            conn,
            config: Config::default(),
        }
    }

    /// Connects to `url` (see [`crate::connection`]) with the default table names.
    pub fn connect(migrations: &'m Migrations, url: &str) -> Result<Self, EngineError> {
        Ok(Self::new(migrations, Connection::establish(url)?))
    }

    /// Uses other names for the version and history tables.
    pub fn with_config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// The connection, for queries of the caller's own.
    pub fn connection(&mut self) -> &mut Connection {
        &mut self.conn
    }

    fn dialect(&self) -> Dialect {
        self.conn.dialect()
    }

    fn version_table_def(&self) -> Table {
        Table::new(&self.config.version_table)
            .column(Column::new("revision", Type::Varchar(64)).primary_key())
    }

    fn history_table_def(&self) -> Table {
        Table::new(&self.config.history_table)
            .column(
                Column::new("id", Type::Integer)
                    .primary_key()
                    .autoincrement(),
            )
            .column(Column::new("revision", Type::Varchar(64)).not_null())
            .column(Column::new("direction", Type::Varchar(16)).not_null())
            .column(Column::new("checksum", Type::Varchar(32)).not_null())
            .column(
                Column::new("applied_at", Type::Timestamp)
                    .not_null()
                    .server_default(DefaultValue::sql("CURRENT_TIMESTAMP")),
            )
            .column(Column::new("duration_ms", Type::BigInt).not_null())
    }

    fn ensure_tables(&mut self) -> Result<(), EngineError> {
        let d = self.dialect();
        for def in [self.version_table_def(), self.history_table_def()] {
            let exists = self
                .conn
                .query_count(&catalog::table_exists(d, &def.name))?
                > 0;
            if !exists {
                let stmts = render(d, &Schema::new(), &[Op::CreateTable(def)])
                    .expect("the engine's own tables always render");
                for s in &stmts {
                    self.conn.run(s)?;
                }
            }
        }
        Ok(())
    }

    /// The revisions in the version table (the database's current heads); empty at base.
    pub fn current(&mut self) -> Result<Vec<String>, EngineError> {
        let d = self.dialect();
        let exists = self
            .conn
            .query_count(&catalog::table_exists(d, &self.config.version_table))?
            > 0;
        if !exists {
            return Ok(Vec::new());
        }
        Ok(self.conn.query_strings(&catalog::select_values(
            d,
            &self.config.version_table,
            "revision",
        ))?)
    }

    /// Revisions applied to the database: the current heads and all their ancestors.
    fn applied_set(&self, heads: &[String]) -> Result<BTreeSet<&'static str>, EngineError> {
        let mut applied = BTreeSet::new();
        let mut stack: Vec<&'static Migration> = Vec::new();
        for h in heads {
            let m = self
                .migrations
                .get(h)
                .ok_or_else(|| EngineError::UnknownRevision {
                    revision: h.clone(),
                })?;
            stack.push(m);
        }
        while let Some(m) = stack.pop() {
            if applied.insert(m.revision) {
                stack.extend(
                    m.down_revisions
                        .iter()
                        .chain(m.depends_on)
                        .filter_map(|p| self.migrations.get(p)),
                );
            }
        }
        Ok(applied)
    }

    fn lock_and_begin(&mut self) -> Result<(), EngineError> {
        let d = self.dialect();
        match d {
            Dialect::Sqlite => self.conn.batch_execute(catalog::begin(d))?,
            Dialect::Postgres => {
                self.conn.batch_execute(catalog::begin(d))?;
                if let Some(l) = catalog::lock(d, &self.config.version_table) {
                    self.conn.batch_execute(&l)?;
                }
            }
            Dialect::Mysql => {
                if let Some(l) = catalog::lock(d, &self.config.version_table) {
                    self.conn.query_count(&l)?;
                }
            }
        }
        Ok(())
    }

    fn finish(&mut self, ok: bool) -> Result<(), EngineError> {
        let d = self.dialect();
        match d {
            Dialect::Sqlite | Dialect::Postgres => self.conn.batch_execute(catalog::end(ok))?,
            Dialect::Mysql => {
                if let Some(u) = catalog::unlock(d, &self.config.version_table) {
                    self.conn.query_count(&u)?;
                }
            }
        }
        Ok(())
    }

    /// Resolves a revision id or a unique prefix of one.
    pub fn resolve(&self, target: &str) -> Result<&'static Migration, EngineError> {
        if let Some(m) = self.migrations.get(target) {
            return Ok(m);
        }
        let matches: Vec<&'static Migration> = self
            .migrations
            .iter()
            .filter(|m| !target.is_empty() && m.revision.starts_with(target))
            .collect();
        match matches.as_slice() {
            [one] => Ok(one),
            [] => {
                let closest = migrate_core::similar::closest(
                    target,
                    self.migrations.iter().map(|m| m.revision),
                );
                Err(EngineError::UnknownTarget(match closest {
                    Some(c) => format!("no revision \"{target}\": did you mean {c}?"),
                    None => format!("no revision \"{target}\""),
                }))
            }
            many => {
                let ids: Vec<&str> = many.iter().map(|m| m.revision).collect();
                Err(EngineError::UnknownTarget(format!(
                    "\"{target}\" is ambiguous: it starts {}",
                    ids.join(", ")
                )))
            }
        }
    }

    /// The given revisions and all of their ancestors (parents and `depends_on`).
    fn with_ancestors(&self, revisions: &[&str]) -> Result<BTreeSet<&'static str>, EngineError> {
        let heads: Vec<String> = revisions.iter().map(|r| (*r).to_owned()).collect();
        self.applied_set(&heads)
    }

    /// Upgrades to every head. Returns what ran; nothing when the database is at head.
    pub fn upgrade(&mut self) -> Result<Vec<Applied>, EngineError> {
        self.upgrade_to(None)
    }

    /// Upgrades to `target` (a revision or unique prefix; `None` for every head), applying
    /// the target's missing ancestors first, parents before children. Every pending
    /// migration is checked and rendered before the first one runs.
    pub fn upgrade_to(&mut self, target: Option<&str>) -> Result<Vec<Applied>, EngineError> {
        let goal: Vec<&'static str> = match target {
            Some(t) => vec![self.resolve(t)?.revision],
            None => self.migrations.heads().iter().map(|m| m.revision).collect(),
        };
        let wanted = self.with_ancestors(&goal)?;
        // Cheap path: nothing pending, no lock, no transaction.
        let current = self.current()?;
        if !wanted.is_empty() && wanted.is_subset(&self.applied_set(&current)?) {
            return Ok(Vec::new());
        }
        self.ensure_tables()?;
        self.lock_and_begin()?;
        // Re-read under the lock: another process may have done the work meanwhile.
        let result = self
            .plan_upgrade(&wanted)
            .and_then(|steps| self.execute(steps, Direction::Upgrade));
        self.conclude(result)
    }

    fn plan_upgrade(&mut self, wanted: &BTreeSet<&'static str>) -> Result<Vec<Step>, EngineError> {
        let current = self.current()?;
        let applied = self.applied_set(&current)?;
        let mut state = Schema::new();
        let mut steps = Vec::new();
        for m in self.migrations.iter() {
            if !applied.contains(m.revision) && !wanted.contains(m.revision) {
                continue;
            }
            let ops = (m.upgrade)();
            if !applied.contains(m.revision) {
                steps.push(self.step(m, &state, ops.clone())?);
            }
            replay(&mut state, m, &ops)?;
        }
        Ok(steps)
    }

    /// Downgrades every applied migration, back to an empty version table.
    pub fn downgrade_to_base(&mut self) -> Result<Vec<Applied>, EngineError> {
        self.downgrade_to(None)
    }

    /// Downgrades to `target` (a revision or unique prefix; `None` for base): every applied
    /// migration that is not `target` or one of its ancestors is undone, children first.
    /// Every step's downgrade is derived and rendered before the first one runs, so an
    /// irreversible migration stops the plan with nothing changed.
    pub fn downgrade_to(&mut self, target: Option<&str>) -> Result<Vec<Applied>, EngineError> {
        let keep = match target {
            Some(t) => {
                let r = self.resolve(t)?.revision;
                self.with_ancestors(&[r])?
            }
            None => BTreeSet::new(),
        };
        let current = self.current()?;
        if self.applied_set(&current)?.is_subset(&keep) {
            return Ok(Vec::new());
        }
        self.ensure_tables()?;
        self.lock_and_begin()?;
        let result = self
            .plan_downgrade(&keep)
            .and_then(|steps| self.execute(steps, Direction::Downgrade));
        self.conclude(result)
    }

    fn plan_downgrade(&mut self, keep: &BTreeSet<&'static str>) -> Result<Vec<Step>, EngineError> {
        let current = self.current()?;
        let applied = self.applied_set(&current)?;
        // The schema before and after each applied migration, in topological order.
        let mut state = Schema::new();
        let mut undo: Vec<(&'static Migration, Schema, Vec<Op>)> = Vec::new();
        for m in self
            .migrations
            .iter()
            .filter(|m| applied.contains(m.revision))
        {
            let ops = (m.upgrade)();
            let before = state.clone();
            replay(&mut state, m, &ops)?;
            if !keep.contains(m.revision) {
                undo.push((m, before, ops));
            }
        }
        let mut steps = Vec::new();
        for (m, before, ops) in undo.into_iter().rev() {
            let down = match m.downgrade {
                Downgrade::Explicit(f) => f(),
                Downgrade::Derived => {
                    derive_downgrade(&before, &ops).map_err(|e| EngineError::Irreversible {
                        revision: m.revision,
                        file: m.file,
                        reason: match e {
                            InverseError::Irreversible { op, reason } => {
                                format!("{op} is irreversible: {reason}")
                            }
                            InverseError::Schema(s) => s.to_string(),
                        },
                    })?
                }
            };
            let mut after_up = before;
            replay(&mut after_up, m, &ops)?;
            steps.push(self.step(m, &after_up, down)?);
        }
        Ok(steps)
    }

    /// Renders `ops` of migration `m` against the schema `before` them.
    fn step(
        &self,
        m: &'static Migration,
        before: &Schema,
        ops: Vec<Op>,
    ) -> Result<Step, EngineError> {
        let statements = render(self.dialect(), before, &ops).map_err(|source| match source {
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
        })
    }

    /// Runs planned steps, recording each in the history table and moving the version
    /// table's heads after it.
    fn execute(
        &mut self,
        steps: Vec<Step>,
        direction: Direction,
    ) -> Result<Vec<Applied>, EngineError> {
        let mut ran = Vec::new();
        for step in steps {
            let m = step.migration;
            let started = Instant::now();
            for (i, s) in step.statements.iter().enumerate() {
                self.conn.run(s).map_err(|e| EngineError::Failed {
                    revision: m.revision,
                    file: m.file,
                    index: i + 1,
                    statement: s.sql().to_owned(),
                    message: e.to_string(),
                    state: String::new(),
                })?;
            }
            self.record(m, direction.name(), &step.ops, started)?;
            self.move_heads(m, direction)?;
            ran.push(Applied {
                revision: m.revision,
                direction: direction.name(),
                duration_ms: started.elapsed().as_millis(),
            });
        }
        Ok(ran)
    }

    /// Updates the version table after `m` ran: an upgrade replaces `m`'s parents by `m`;
    /// a downgrade removes `m` and makes its parents heads again, unless a remaining head
    /// already descends from one (a branch that stays applied).
    fn move_heads(
        &mut self,
        m: &'static Migration,
        direction: Direction,
    ) -> Result<(), EngineError> {
        let d = self.dialect();
        let table = self.config.version_table.clone();
        let (remove, add): (Vec<&str>, Vec<&str>) = match direction {
            Direction::Upgrade => (m.down_revisions.to_vec(), vec![m.revision]),
            Direction::Downgrade => (vec![m.revision], Vec::new()),
        };
        for r in remove {
            self.conn
                .batch_execute(&catalog::delete_eq(d, &table, "revision", r))?;
        }
        let add = match direction {
            Direction::Upgrade => add,
            Direction::Downgrade => {
                let now = self.current()?;
                let covered = self.applied_set(&now)?;
                m.down_revisions
                    .iter()
                    .copied()
                    .filter(|p| !covered.contains(p))
                    .collect()
            }
        };
        for r in add {
            let ins = catalog::insert_row(d, &table, &["revision"], vec![Value::from(r)]);
            self.conn.batch_execute(&ins)?;
        }
        Ok(())
    }

    /// Commits (or rolls back) and releases the lock, and on failure says in the error
    /// which revision the database is at now, read back after the rollback.
    fn conclude(
        &mut self,
        result: Result<Vec<Applied>, EngineError>,
    ) -> Result<Vec<Applied>, EngineError> {
        let err = match result {
            Ok(ran) => {
                self.finish(true)?;
                return Ok(ran);
            }
            Err(e) => e,
        };
        let _ = self.finish(false);
        let heads = match self.current() {
            Ok(h) if h.is_empty() => "at base (no migration applied)".to_owned(),
            Ok(h) => format!("at revision {}", h.join(" + ")),
            Err(e) => format!("at an unknown revision (reading the version table failed: {e})"),
        };
        let state = match self.dialect() {
            Dialect::Mysql => format!(
                "the database is {heads}; MySQL cannot roll back DDL, so statements of the failed migration that ran before the failing one stay applied"
            ),
            Dialect::Sqlite | Dialect::Postgres => {
                format!("the run was rolled back: the database is {heads}, as before this run")
            }
        };
        Err(match err {
            EngineError::Failed {
                revision,
                file,
                index,
                statement,
                message,
                ..
            } => EngineError::Failed {
                revision,
                file,
                index,
                statement,
                message,
                state,
            },
            EngineError::Connection(e) => EngineError::Bookkeeping {
                message: e.to_string(),
                state,
            },
            other => other,
        })
    }

    fn record(
        &mut self,
        m: &'static Migration,
        direction: &str,
        ops: &[Op],
        started: Instant,
    ) -> Result<(), EngineError> {
        let ins = catalog::insert_row(
            self.dialect(),
            &self.config.history_table,
            &["revision", "direction", "checksum", "duration_ms"],
            vec![
                Value::from(m.revision),
                Value::from(direction),
                Value::from(checksum(ops)),
                Value::Int(started.elapsed().as_millis() as i64),
            ],
        );
        self.conn.batch_execute(&ins)?;
        Ok(())
    }
}

fn replay(state: &mut Schema, m: &'static Migration, ops: &[Op]) -> Result<(), EngineError> {
    for op in ops {
        state.apply(op).map_err(|source| EngineError::Invalid {
            revision: m.revision,
            file: m.file,
            source: Box::new(source),
        })?;
    }
    Ok(())
}
