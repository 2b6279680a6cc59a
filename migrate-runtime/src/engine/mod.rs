//! The engine: plans and applies upgrades and downgrades, and records what ran.
//!
//! The version table holds the current head revision(s), as Alembic's does; the history
//! table records every applied step (revision, direction, checksum of its ops, duration).
//! One process migrates a database at a time: PostgreSQL takes an advisory lock, MySQL
//! `GET_LOCK`, SQLite an immediate write transaction; a process that waited re-reads the
//! version table and finds only what is still pending.
//!
//! On SQLite and PostgreSQL a run is one transaction by default: it happens wholly or not at
//! all ([`TransactionMode::PerRun`]); [`TransactionMode::PerMigration`] commits each
//! migration with its version update instead. On MySQL, whose DDL commits implicitly, each
//! statement is recorded in a journal as it runs: a killed or failed run is
//! resumed at the first statement not done, and a failure says which statement failed,
//! which revision the database is at, and which statements stay.
//!
//! Before anything changes, the engine refuses a database at a revision the code does not
//! know, an applied migration edited since it ran (its checksum differs; see
//! [`Config::allow_edited`]), a target that does not exist, and a downgrade through an
//! irreversible migration.
//!
//! Targets are parsed by [`migrate_core::target`]: `head`, `heads`, `base`, an id or unique
//! prefix, a branch label, `label@head`, `+N`, `-N` and `<rev>+N` / `<rev>-N`.

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use crate::column::Value;
use crate::connection::Connection;
use crate::dialect::{catalog, render, Dialect};
use crate::inverse::{derive_downgrade, InverseError};
use crate::migration::{Downgrade, Migration, Migrations};
use crate::op::Op;
use crate::plan::{parse_target, RevSet};
use crate::schema::Schema;

mod config;
pub mod diesel_source;
mod error;
pub(crate) mod journal;
pub mod migration;
pub mod offline;
#[doc(hidden)]
pub mod plan;
mod recover;
mod run;

pub use config::{Config, TransactionMode};
pub use error::{Edited, EngineError, InProgress, Status};
use run::{begin_transaction, end_transaction};

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
pub enum Direction {
    /// Applying migrations.
    Upgrade,
    /// Undoing migrations.
    Downgrade,
}

impl Direction {
    /// `upgrade` or `downgrade`.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Upgrade => "upgrade",
            Direction::Downgrade => "downgrade",
        }
    }
}

/// Runs the migrations of a [`Migrations`] set against one database.
///
/// ```no_run
/// use migrate_runtime::engine::Engine;
/// # static MIGRATIONS: migrate_runtime::Migrations = migrate_runtime::Migrations::__from_sorted(&[], "");
/// let mut engine = Engine::connect(&MIGRATIONS, "sqlite://shop.db")?;
/// engine.upgrade()?; // to head; cheap when there is nothing to do
/// engine.downgrade_to("-1")?; // undo the last migration
/// engine.upgrade_to("+1")?; // and apply it again
/// # Ok::<(), migrate_runtime::engine::EngineError>(())
/// ```
pub struct Engine<'m> {
    migrations: &'m Migrations,
    conn: Connection,
    config: Config,
    observer: Option<Observer<'m>>,
}

/// The callback given to [`Engine::observe`].
type Observer<'m> = Box<dyn FnMut(&Event<'_>) + 'm>;

/// What a running engine reports, in order, to the observer given to [`Engine::observe`].
#[derive(Debug)]
pub enum Event<'a> {
    /// A migration starts.
    Started {
        /// The migration.
        migration: &'static Migration,
        /// Which way.
        direction: Direction,
    },
    /// A statement of the current migration is about to run.
    Statement(&'a crate::dialect::Statement),
    /// The current migration ran and was recorded.
    Finished(&'a Applied),
    /// Something the run does not stop for but the user should know (one line): on SQLite,
    /// rows whose foreign keys pointed at nothing before the run (see [`crate::fk_check`]).
    Warning(String),
}

impl<'m> Engine<'m> {
    /// An engine over an open connection, with the default [`Config`].
    pub fn new(migrations: &'m Migrations, conn: Connection) -> Self {
        Engine {
            migrations,
            conn,
            config: Config::default(),
            observer: None,
        }
    }

    /// Connects to `url` (see [`crate::connection`]) with the default [`Config`].
    pub fn connect(migrations: &'m Migrations, url: &str) -> Result<Self, EngineError> {
        crate::connection::check_mysql_database(url)?;
        Ok(Self::new(migrations, Connection::establish(url)?))
    }

    /// Uses other table names, transaction mode or checksum override.
    pub fn with_config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Calls `observer` as migrations start, run statements and finish: for progress lines
    /// and `-v` statement logging.
    ///
    /// ```no_run
    /// # use migrate_runtime::engine::{Engine, Event};
    /// # static MIGRATIONS: migrate_runtime::Migrations = migrate_runtime::Migrations::__from_sorted(&[], "");
    /// let mut engine = Engine::connect(&MIGRATIONS, "sqlite://shop.db")?.observe(|e| {
    ///     if let Event::Finished(a) = e {
    ///         println!("{} {} ({} ms)", a.direction, a.revision, a.duration_ms);
    ///     }
    /// });
    /// engine.upgrade()?;
    /// # Ok::<(), migrate_runtime::engine::EngineError>(())
    /// ```
    pub fn observe(mut self, observer: impl FnMut(&Event<'_>) + 'm) -> Self {
        self.observer = Some(Box::new(observer));
        self
    }

    fn notify(&mut self, event: Event<'_>) {
        if let Some(o) = self.observer.as_mut() {
            o(&event);
        }
    }

    /// The settings in use.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The connection, for queries of the caller's own.
    pub fn connection(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// The embedded migrations this engine runs.
    pub fn migrations(&self) -> &'m Migrations {
        self.migrations
    }

    fn dialect(&self) -> Dialect {
        self.conn.dialect()
    }

    fn whole_run(&self) -> bool {
        self.config.transaction == TransactionMode::PerRun
    }

    /// Whether the engine's table `name` exists. MySQL leaves out of its catalog the tables
    /// a user has no rights on: there a table the catalog does not list is probed, so that
    /// a user without rights is told so (`SELECT command denied`) instead of being taken
    /// for a database at base.
    fn table_exists(&mut self, name: &str) -> Result<bool, EngineError> {
        let d = self.dialect();
        if self.conn.query_count(&catalog::table_exists(d, name))? > 0 {
            return Ok(true);
        }
        if !d.backend().catalog_hides_unreadable_tables() {
            return Ok(false);
        }
        match self.conn.batch_execute(&catalog::probe_table(d, name)) {
            Ok(()) => Ok(true),
            Err(e) if e.to_string().contains("command denied") => Err(e.into()),
            Err(_) => Ok(false),
        }
    }

    /// Creates the version and history tables when missing. Called under the migration
    /// lock, so that concurrent first runs do not race; SQLite in per-migration mode has no
    /// lock between transactions, so there it takes the write lock for this.
    fn ensure_tables(&mut self) -> Result<(), EngineError> {
        let d = self.dialect();
        if d.backend().lock_is_the_transaction() && !self.whole_run() {
            begin_transaction(&mut self.conn)?;
            self.config.transaction = TransactionMode::PerRun;
            let created = self.ensure_tables();
            self.config.transaction = TransactionMode::PerMigration;
            end_transaction(&mut self.conn, created.is_ok())?;
            return created;
        }
        for def in [
            self.config.version_table_def(),
            self.config.history_table_def(),
        ] {
            if !self.table_exists(&def.name)? {
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
        if !self.table_exists(&self.config.version_table.clone())? {
            return Ok(Vec::new());
        }
        let d = self.dialect();
        Ok(self.conn.query_strings(&catalog::select_values(
            d,
            &self.config.version_table,
            "revision",
        ))?)
    }

    /// Every step recorded in the history table, oldest first, as (revision, direction):
    /// `upgrade`, `downgrade`, `stamp` or `unstamp`. Empty before the first run.
    pub fn history(&mut self) -> Result<Vec<(String, String)>, EngineError> {
        if !self.table_exists(&self.config.history_table.clone())? {
            return Ok(Vec::new());
        }
        let d = self.dialect();
        Ok(self
            .conn
            .query_pairs(&catalog::select_history(d, &self.config.history_table))?)
    }

    /// The database's state: current heads, pending migrations, applied migrations edited
    /// since they ran. Changes nothing.
    pub fn status(&mut self) -> Result<Status, EngineError> {
        let current = self.current()?;
        let applied = self.migrations.applied_set(&current)?;
        let pending = self
            .migrations
            .iter()
            .filter(|m| !applied.contains(m.revision))
            .collect();
        let edited = self.edited(&applied)?;
        let in_progress = self.in_progress()?;
        Ok(Status {
            current,
            pending,
            edited,
            in_progress,
        })
    }

    /// Applied migrations whose ops' checksum differs from the one recorded when they ran
    /// (or were stamped).
    fn edited(&mut self, applied: &RevSet) -> Result<Vec<Edited>, EngineError> {
        if !self.table_exists(&self.config.history_table.clone())? {
            return Ok(Vec::new());
        }
        let d = self.dialect();
        let recorded: HashMap<String, String> = self
            .conn
            .query_pairs(&catalog::select_checksums(d, &self.config.history_table))?
            .into_iter()
            .collect();
        Ok(self
            .migrations
            .iter()
            .filter(|m| applied.contains(m.revision))
            .filter_map(|m| {
                let recorded = recorded.get(m.revision)?;
                let current = checksum(&(m.upgrade)());
                (*recorded != current).then(|| Edited {
                    revision: m.revision,
                    file: m.file,
                    recorded: recorded.clone(),
                    current,
                })
            })
            .collect())
    }

    /// Refuses to go on when an applied migration was edited, unless allowed.
    fn verify(&mut self, applied: &RevSet) -> Result<(), EngineError> {
        if self.config.allow_edited {
            return Ok(());
        }
        match self.edited(applied)?.into_iter().next() {
            Some(e) => Err(EngineError::Edited(Box::new(e))),
            None => Ok(()),
        }
    }

    /// Upgrades to every head. Returns what ran; nothing when the database is at head.
    pub fn upgrade(&mut self) -> Result<Vec<Applied>, EngineError> {
        self.upgrade_to("heads")
    }

    /// Upgrades to `target` (see [`migrate_core::target`]: `head`, an id or prefix,
    /// `label@head`, `+N`, `<rev>+N`...), applying the target's missing ancestors first,
    /// parents before children. Every pending migration is checked and rendered before the
    /// first one runs. Cheap when nothing is pending: one query, no lock, no transaction.
    pub fn upgrade_to(&mut self, target: &str) -> Result<Vec<Applied>, EngineError> {
        let target = parse_target(target)?;
        if target.anchor.is_none() && target.steps < 0 {
            return Err(EngineError::UnknownTarget(format!(
                "upgrade goes up: \"{target}\" is a downgrade target"
            )));
        }
        let current = self.current()?;
        let applied = self.migrations.applied_set(&current)?;
        let wanted = self.migrations.target_set(&target, &applied)?;
        if wanted.is_subset(&applied) && !self.interrupted()? {
            return Ok(Vec::new());
        }
        // Re-read under the lock: another process may have done some of the work meanwhile.
        self.run(Direction::Upgrade, &wanted)
    }

    /// Takes the lock, re-reads the version table under it (another process may have done
    /// some of the work meanwhile), resumes a migration left half done, then plans from
    /// what is applied to `target` (the set of revisions to end with) and runs the plan.
    fn run(&mut self, direction: Direction, target: &RevSet) -> Result<Vec<Applied>, EngineError> {
        let result = self
            .lock()
            .and_then(|()| self.ensure_tables())
            .and_then(|()| self.read_applied())
            .and_then(|applied| self.recover_interrupted(applied))
            .and_then(|(applied, mut ran)| {
                self.verify(&applied)?;
                let d = self.dialect();
                let steps = match direction {
                    Direction::Upgrade => self.migrations.plan_upgrade(d, &applied, target)?,
                    Direction::Downgrade => self.migrations.plan_downgrade(d, &applied, target)?,
                };
                ran.extend(self.execute(steps, direction, applied)?);
                Ok(ran)
            });
        self.conclude(result)
    }

    fn read_applied(&mut self) -> Result<RevSet, EngineError> {
        let current = self.current()?;
        self.migrations.applied_set(&current)
    }

    /// Downgrades every applied migration, back to an empty version table.
    pub fn downgrade_to_base(&mut self) -> Result<Vec<Applied>, EngineError> {
        self.downgrade_to("base")
    }

    /// Downgrades to `target` (`base`, an id or prefix, `-N`, `<rev>-N`...): every applied
    /// migration that is not in the target is undone, children first. Every step's
    /// downgrade is derived and rendered before the first one runs, so an irreversible
    /// migration stops the plan with nothing changed. A target that is not applied is
    /// refused: a downgrade only goes back.
    pub fn downgrade_to(&mut self, target: &str) -> Result<Vec<Applied>, EngineError> {
        let target = parse_target(target)?;
        if target.anchor.is_none() && target.steps > 0 {
            return Err(EngineError::UnknownTarget(format!(
                "downgrade goes down: \"{target}\" is an upgrade target"
            )));
        }
        let current = self.current()?;
        let applied = self.migrations.applied_set(&current)?;
        let keep = self.migrations.target_set(&target, &applied)?;
        if let Some(r) = self
            .migrations
            .iter()
            .find(|m| keep.contains(m.revision) && !applied.contains(m.revision))
        {
            return Err(EngineError::UnknownTarget(format!(
                "\"{target}\" is not below the database's current state ({}): {} is not applied; a downgrade only goes back, use upgrade",
                describe_heads(&current),
                r.revision
            )));
        }
        if applied.is_subset(&keep) && !self.interrupted()? {
            return Ok(Vec::new());
        }
        self.run(Direction::Downgrade, &keep)
    }

    /// Sets the version table to `target` without running any migration (Alembic's
    /// `stamp`), recording `stamp` / `unstamp` rows in the history. With `purge`, the
    /// version table is emptied first, even when it holds revisions these migrations do not
    /// know. Returns the new heads.
    pub fn stamp(&mut self, target: &str, purge: bool) -> Result<Vec<&'static str>, EngineError> {
        let target = parse_target(target)?;
        let applied = if purge {
            BTreeSet::new()
        } else {
            let current = self.current()?;
            self.migrations.applied_set(&current)?
        };
        let set = self.migrations.target_set(&target, &applied)?;
        let result = self
            .lock()
            .and_then(|()| self.ensure_tables())
            .and_then(|()| self.read_stamp_base(purge))
            .and_then(|applied| {
                let d = self.dialect();
                let started = Instant::now();
                self.conn
                    .batch_execute(&catalog::delete_all(d, &self.config.version_table))?;
                // The version is set by hand: a migration left half done is settled too.
                self.conn
                    .batch_execute(&catalog::delete_marks(d, &self.config.history_table))?;
                for r in self.migrations.heads_of(&set) {
                    let ins = catalog::insert_row(
                        d,
                        &self.config.version_table,
                        &["revision"],
                        vec![Value::from(r)],
                    );
                    self.conn.batch_execute(&ins)?;
                }
                for m in self.migrations.iter() {
                    let direction = match (applied.contains(m.revision), set.contains(m.revision)) {
                        (false, true) => "stamp",
                        (true, false) => "unstamp",
                        _ => continue,
                    };
                    let row = self.history_row(m, direction, &(m.upgrade)(), started);
                    self.conn
                        .batch_execute(&self.history_sql(vec![row]).join(";\n"))?;
                }
                Ok(Vec::new())
            });
        self.conclude(result)?;
        Ok(self.migrations.heads_of(&set))
    }

    /// Stamps a database that diesel's harness migrated at the revision its SQL migrations
    /// were imported as ([`crate::import`]): the last imported revision among the versions
    /// in diesel's `__diesel_schema_migrations` table. Runs nothing. Returns the new heads.
    pub fn stamp_from_diesel(&mut self) -> Result<Vec<&'static str>, EngineError> {
        const DIESEL_TABLE: &str = "__diesel_schema_migrations";
        if !self.table_exists(DIESEL_TABLE)? {
            return Err(EngineError::UnknownTarget(format!(
                "this database has no {DIESEL_TABLE} table: diesel never migrated it"
            )));
        }
        let d = self.dialect();
        let versions =
            self.conn
                .query_strings(&catalog::select_values(d, DIESEL_TABLE, "version"))?;
        let ids: BTreeSet<String> = versions
            .iter()
            .filter(|v| !v.starts_with("00000000000000"))
            .map(|v| crate::import::revision_id(crate::import::Source::Diesel, v))
            .collect();
        let Some(target) = self
            .migrations
            .iter()
            .rev()
            .find(|m| ids.contains(m.revision))
        else {
            return Err(EngineError::UnknownTarget(format!(
                "none of the {} versions diesel applied here matches an imported migration: import diesel's migrations folder first (`import --diesel DIR`)",
                versions.len()
            )));
        };
        self.stamp(target.revision, false)
    }

    fn read_stamp_base(&mut self, purge: bool) -> Result<RevSet, EngineError> {
        if purge {
            Ok(BTreeSet::new())
        } else {
            self.read_applied()
        }
    }

    /// Takes the migration lock and, in [`TransactionMode::PerRun`], opens the run's
    /// transaction (SQLite and PostgreSQL).
    fn lock(&mut self) -> Result<(), EngineError> {
        let backend = self.dialect().backend();
        let whole = self.whole_run() && backend.transactional_ddl();
        if whole {
            begin_transaction(&mut self.conn)?;
        }
        if let Some(l) = backend.lock(&self.config.version_table, whole) {
            let got = if backend.lock_answers() {
                self.conn.query_count(&l)?
            } else {
                self.conn.batch_execute(&l)?;
                1
            };
            if got != 1 {
                return Err(EngineError::Bookkeeping {
                    message: "another process held the migration lock for an hour".into(),
                    state: "nothing was changed".into(),
                });
            }
        }
        Ok(())
    }

    /// Ends the run: commits (or rolls back) its transaction and releases the lock.
    fn unlock(&mut self, ok: bool) -> Result<(), EngineError> {
        let backend = self.dialect().backend();
        let whole = self.whole_run() && backend.transactional_ddl();
        let ended = if !backend.transactional_ddl() {
            Ok(())
        } else if !whole && !ok {
            // Per migration, a failed step's transaction is still open: roll it back.
            end_transaction(&mut self.conn, false).or(Ok(()))
        } else if !whole {
            Ok(())
        } else {
            end_transaction(&mut self.conn, ok)
        };
        if let Some(u) = backend.unlock(&self.config.version_table, whole) {
            if backend.lock_answers() {
                self.conn.query_count(&u)?;
            } else {
                self.conn.batch_execute(&u)?;
            }
        }
        Ok(ended?)
    }

    /// Commits (or rolls back) and releases the lock, and on failure says in the error
    /// which revision the database is at now, read back after the rollback.
    fn conclude(
        &mut self,
        result: Result<Vec<Applied>, EngineError>,
    ) -> Result<Vec<Applied>, EngineError> {
        let err = match result {
            Ok(ran) => {
                self.unlock(true)?;
                return Ok(ran);
            }
            Err(e) => e,
        };
        let _ = self.unlock(false);
        let heads = match self.current() {
            Ok(h) => describe_heads(&h),
            Err(e) => format!("at an unknown revision (reading the version table failed: {e})"),
        };
        let state = match (self.dialect().transactional_ddl(), self.config.transaction) {
            (false, _) => match &err {
                EngineError::Failed { revision, index, .. } if *index > 1 => format!(
                    "the database is {heads}; MySQL cannot roll back DDL, so statements 1 to {} of migration {revision} stay applied, journaled: once statement {index} is fixed, the next run resumes there",
                    index - 1
                ),
                EngineError::Failed { revision, .. } => format!(
                    "the database is {heads}; nothing of migration {revision} ran"
                ),
                _ => format!("the database is {heads}"),
            },
            (_, TransactionMode::PerRun) => {
                format!("the run was rolled back: the database is {heads}, as before this run")
            }
            (_, TransactionMode::PerMigration) => format!(
                "the failed migration was rolled back and the ones before it stay committed: the database is {heads}"
            ),
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
            EngineError::ForeignKeys {
                revision,
                file,
                problem,
                ..
            } => EngineError::ForeignKeys {
                revision,
                file,
                problem,
                state,
            },
            other => other,
        })
    }
}

/// `at base (no migration applied)` or `at revision a + b`.
fn describe_heads(heads: &[String]) -> String {
    if heads.is_empty() {
        "at base (no migration applied)".to_owned()
    } else {
        format!("at revision {}", heads.join(" + "))
    }
}

/// The ops that undo migration `m`: its explicit downgrade, or the one derived from its
/// upgrade against the schema `before` it.
pub(crate) fn downgrade_ops(
    m: &'static Migration,
    before: &Schema,
    ops: &[Op],
) -> Result<Vec<Op>, EngineError> {
    match m.downgrade {
        Downgrade::Explicit(f) => Ok(f()),
        Downgrade::Derived => {
            derive_downgrade(before, ops).map_err(|e| EngineError::Irreversible {
                revision: m.revision,
                file: m.file,
                reason: match e {
                    InverseError::Irreversible { op, reason } => {
                        format!("{op} is irreversible: {reason}")
                    }
                    InverseError::Schema(s) => s.to_string(),
                },
            })
        }
    }
}

pub(crate) fn replay(
    state: &mut Schema,
    m: &'static Migration,
    ops: &[Op],
) -> Result<(), EngineError> {
    for op in ops {
        state.apply(op).map_err(|source| EngineError::Invalid {
            revision: m.revision,
            file: m.file,
            source: Box::new(source),
        })?;
    }
    Ok(())
}
