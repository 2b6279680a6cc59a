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
//! migration is recorded as soon as it ran, and a failure says which statement failed and
//! which revision the database is at.
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

use crate::column::{Column, DefaultValue, Type, Value};
use crate::connection::{Connection, ConnectionError};
use crate::dialect::{catalog, render, Dialect, RenderError, Statement};
use crate::inverse::{derive_downgrade, InverseError};
use crate::migration::{Downgrade, Migration, Migrations};
use crate::op::Op;
use crate::plan::{parse_target, RevSet, Step};
use crate::schema::{Schema, SchemaError};
use crate::table::Table;

/// How the engine wraps migrations in transactions on SQLite and PostgreSQL (MySQL cannot
/// roll back DDL: there every statement commits as it runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TransactionMode {
    /// The whole run is one transaction: it happens wholly or not at all (Alembic's
    /// default where DDL is transactional).
    #[default]
    PerRun,
    /// Each migration commits together with its version update: a failure keeps the
    /// migrations before it.
    PerMigration,
}

/// The engine's settings: its tables' names, the transaction mode, the checksum override.
///
/// ```
/// use migrate_runtime::engine::{Config, TransactionMode};
/// let config = Config {
///     version_table: "shop_version".into(),
///     transaction: TransactionMode::PerMigration,
///     ..Config::default()
/// };
/// assert_eq!(config.history_table, "migrate_history");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Holds the current head revision(s). Default `migrate_version`.
    pub version_table: String,
    /// Records every applied step. Default `migrate_history`.
    pub history_table: String,
    /// Default [`TransactionMode::PerRun`].
    pub transaction: TransactionMode,
    /// Run even though an applied migration was edited since it ran (its checksum
    /// changed). Default `false`: such a run is refused.
    pub allow_edited: bool,
}

impl Config {
    /// The version table: one row per current head.
    pub fn version_table_def(&self) -> Table {
        Table::new(&self.version_table)
            .column(Column::new("revision", Type::Varchar(64)).primary_key())
    }

    /// The history table: one row per applied step.
    pub fn history_table_def(&self) -> Table {
        Table::new(&self.history_table)
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
}

impl Default for Config {
    fn default() -> Self {
        Config {
            version_table: "migrate_version".into(),
            history_table: "migrate_history".into(),
            transaction: TransactionMode::PerRun,
            allow_edited: false,
        }
    }
}

/// An applied migration whose ops changed since it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    /// The migration.
    pub revision: &'static str,
    /// Its file.
    pub file: &'static str,
    /// The checksum recorded when it ran.
    pub recorded: String,
    /// The checksum of its ops now.
    pub current: String,
}

/// Where a database stands against the embedded migrations (see [`Engine::status`]).
#[derive(Debug, Clone)]
pub struct Status {
    /// The version table's revisions (empty at base).
    pub current: Vec<String>,
    /// Migrations not applied yet, parents first.
    pub pending: Vec<&'static Migration>,
    /// Applied migrations edited since they ran.
    pub edited: Vec<Edited>,
}

impl Status {
    /// Whether the database is at head and no applied migration was edited.
    pub fn is_up_to_date(&self) -> bool {
        self.pending.is_empty() && self.edited.is_empty()
    }
}

/// Why a run failed, with the state the database was left in.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Connecting or a bookkeeping query failed.
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    /// The database is at a revision the embedded migrations do not know.
    #[error("the database is at revision \"{revision}\", which these migrations do not know (was it migrated by a newer build?); nothing was changed")]
    UnknownRevision {
        /// The unknown revision.
        revision: String,
    },
    /// The version table holds rows that cannot all be heads.
    #[error("the version table is inconsistent: {0}; nothing was changed (repair it with `stamp --purge <revision>`)")]
    InconsistentVersions(String),
    /// The target names no revision (or an ambiguous prefix), or cannot be reached.
    #[error("{0} (nothing was changed)")]
    UnknownTarget(String),
    /// A MySQL run was killed in the middle of a migration's DDL.
    #[error("migration {revision} ({file}) was interrupted during its {direction} on MySQL, which cannot roll back DDL: the database holds part of it, matching neither the revision before it nor the one after; compare with `check`, finish or undo it by hand, then `stamp` the revision it is at; nothing was changed")]
    Interrupted {
        /// The migration.
        revision: &'static str,
        /// Its file.
        file: &'static str,
        /// `upgrade` or `downgrade`.
        direction: &'static str,
    },
    /// A migration cannot be printed as SQL (offline mode): it has a Rust data step.
    #[error("migration {revision} ({file}) has the data step \"{step}\", which runs Rust code and cannot be printed as SQL: run it against the database (without --sql); nothing was printed")]
    Offline {
        /// The migration.
        revision: &'static str,
        /// Its file.
        file: &'static str,
        /// The data step's name.
        step: &'static str,
    },
    /// An applied migration was edited after it ran.
    #[error("migration {} ({}) was edited after it ran on this database (checksum {} then, {} now): undo the edit and put the change in a new migration, or allow it explicitly (`--allow-edited`, `Config::allow_edited`) if it changes nothing on a database; nothing was changed", .0.revision, .0.file, .0.recorded, .0.current)]
    Edited(Box<Edited>),
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
    /// On SQLite, a migration left rows whose foreign keys point at nothing that were not
    /// there before it (see [`crate::fk_check`]); it was rolled back.
    #[error("migration {revision} ({file}) {problem}; {state}")]
    ForeignKeys {
        /// The migration.
        revision: &'static str,
        /// Its file.
        file: &'static str,
        /// What it left: how many rows, the first few (table, rowid, parent table, foreign
        /// key), and what to do.
        problem: String,
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

    fn table_exists(&mut self, name: &str) -> Result<bool, EngineError> {
        let d = self.dialect();
        Ok(self.conn.query_count(&catalog::table_exists(d, name))? > 0)
    }

    /// Creates the version and history tables when missing. Called under the migration
    /// lock, so that concurrent first runs do not race; SQLite in per-migration mode has no
    /// lock between transactions, so there it takes the write lock for this.
    fn ensure_tables(&mut self) -> Result<(), EngineError> {
        let d = self.dialect();
        if d == Dialect::Sqlite && !self.whole_run() {
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
        Ok(Status {
            current,
            pending,
            edited,
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
        if wanted.is_subset(&applied) {
            return Ok(Vec::new());
        }
        // Re-read under the lock: another process may have done some of the work meanwhile.
        let result = self
            .lock()
            .and_then(|()| self.ensure_tables())
            .and_then(|()| self.read_applied())
            .and_then(|applied| self.recover_interrupted(applied))
            .and_then(|applied| {
                self.verify(&applied)?;
                let steps = self
                    .migrations
                    .plan_upgrade(self.dialect(), &applied, &wanted)?;
                self.execute(steps, Direction::Upgrade, applied)
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
        if applied.is_subset(&keep) {
            return Ok(Vec::new());
        }
        let result = self
            .lock()
            .and_then(|()| self.ensure_tables())
            .and_then(|()| self.read_applied())
            .and_then(|applied| self.recover_interrupted(applied))
            .and_then(|applied| {
                self.verify(&applied)?;
                let steps = self
                    .migrations
                    .plan_downgrade(self.dialect(), &applied, &keep)?;
                self.execute(steps, Direction::Downgrade, applied)
            });
        self.conclude(result)
    }

    /// Deletes the start marks of `m` (MySQL): the step ended, one way or the other.
    fn unmark_sql(&self, m: &'static Migration) -> String {
        catalog::delete_history_marks(
            self.dialect(),
            &self.config.history_table,
            m.revision,
            &[marker(Direction::Upgrade), marker(Direction::Downgrade)],
        )
    }

    /// MySQL only: when the last history row marks a migration as started (a run killed
    /// between its DDL and its version row), finds out by introspection what the migration
    /// left: nothing (the mark is closed and the run goes on), all of it (it is recorded as
    /// done), or a part (refused, naming it). Returns the applied set to plan from.
    fn recover_interrupted(&mut self, applied: RevSet) -> Result<RevSet, EngineError> {
        let d = self.dialect();
        if d != Dialect::Mysql {
            return Ok(applied);
        }
        let history = self.config.history_table.clone();
        let last = self
            .conn
            .query_pairs(&catalog::select_last_history(d, &history))?;
        let Some((revision, mark)) = last.into_iter().next() else {
            return Ok(applied);
        };
        let direction = match mark.as_str() {
            m if m == marker(Direction::Upgrade) => Direction::Upgrade,
            m if m == marker(Direction::Downgrade) => Direction::Downgrade,
            _ => return Ok(applied),
        };
        let m = self
            .migrations
            .get(&revision)
            .ok_or_else(|| EngineError::UnknownRevision {
                revision: revision.clone(),
            })?;
        let mut after = applied.clone();
        match direction {
            Direction::Upgrade => after.insert(m.revision),
            Direction::Downgrade => after.remove(m.revision),
        };
        let scope = crate::diff::DiffScope::all();
        let before_state = self.migrations.state_of(&applied)?.as_stored_by(d);
        let after_state = self.migrations.state_of(&after)?.as_stored_by(d);
        let config = self.config.clone();
        let live = crate::introspect::introspect(&mut self.conn, &config).map_err(|e| {
            EngineError::Bookkeeping {
                message: format!("reading the schema to recover migration {revision}: {e}"),
                state: "nothing was changed".into(),
            }
        })?;
        let now = Instant::now();
        if crate::diff::diff(&before_state, &live, &scope).is_empty() {
            // Killed before its DDL ran: drop the mark.
            self.conn.batch_execute(&self.unmark_sql(m))?;
            return Ok(applied);
        }
        if crate::diff::diff(&after_state, &live, &scope).is_empty() {
            // Killed after its DDL: record it as done.
            let upgrade_ops = (m.upgrade)();
            let mut sql = self.history_sql(vec![self.history_row(
                m,
                direction.name(),
                &upgrade_ops,
                now,
            )]);
            sql.extend(self.move_heads_sql(m, direction, &applied));
            sql.push(self.unmark_sql(m));
            self.conn.batch_execute(&sql.join(";\n"))?;
            return Ok(after);
        }
        Err(EngineError::Interrupted {
            revision: m.revision,
            file: m.file,
            direction: direction.name(),
        })
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
        let d = self.dialect();
        let whole = self.whole_run();
        if whole && d != Dialect::Mysql {
            begin_transaction(&mut self.conn)?;
        }
        if let Some(l) = catalog::lock(d, &self.config.version_table, whole) {
            let got = match d {
                Dialect::Mysql => self.conn.query_count(&l)?,
                _ => {
                    self.conn.batch_execute(&l)?;
                    1
                }
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
        let d = self.dialect();
        let whole = self.whole_run();
        let ended = match d {
            Dialect::Mysql => Ok(()),
            // Per migration, a failed step's transaction is still open: roll it back.
            _ if !whole && !ok => end_transaction(&mut self.conn, false).or(Ok(())),
            _ if !whole => Ok(()),
            _ => end_transaction(&mut self.conn, ok),
        };
        if let Some(u) = catalog::unlock(d, &self.config.version_table, whole) {
            match d {
                // RELEASE_LOCK returns a number; pg_advisory_unlock a boolean.
                Dialect::Mysql => {
                    self.conn.query_count(&u)?;
                }
                _ => self.conn.batch_execute(&u)?,
            }
        }
        Ok(ended?)
    }

    /// Runs planned steps, recording each in the history table and moving the version
    /// table's heads after it, both in one round trip per migration. `applied` is what the
    /// database had when the plan was made (read under the lock). Per migration, each step
    /// is its own transaction, and on SQLite (no lock between transactions) a step another
    /// process ran meanwhile is skipped.
    fn execute(
        &mut self,
        steps: Vec<Step>,
        direction: Direction,
        mut applied: RevSet,
    ) -> Result<Vec<Applied>, EngineError> {
        let d = self.dialect();
        let per_step = !self.whole_run() && d != Dialect::Mysql;
        // In one transaction nobody sees the version table until the commit: write it and
        // the history once, at the end, instead of after every migration.
        let deferred = self.whole_run() && d != Dialect::Mysql;
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
                if d == Dialect::Sqlite {
                    applied = self.read_applied()?;
                }
                if applied.contains(m.revision) == (direction == Direction::Upgrade) {
                    end_transaction(&mut self.conn, true)?;
                    continue;
                }
                self.fk_begin(&mut fk);
            }
            // MySQL commits DDL as it runs: mark the migration as started, so that a run
            // killed before its version row is found out (see `recover_interrupted`). The
            // mark travels with the first statement (one round trip; the DDL's implicit
            // commit commits it first), or alone when that statement is not plain SQL.
            let mut mark = None;
            if d == Dialect::Mysql {
                let row = self.history_row(m, marker(direction), &[], Instant::now());
                let sql = self.history_sql(vec![row]).join(";\n");
                match step.statements.first() {
                    Some(Statement::Execute(_)) => mark = Some(sql),
                    _ => self.conn.batch_execute(&sql)?,
                }
            }
            self.notify(Event::Started {
                migration: m,
                direction,
            });
            let started = Instant::now();
            for (i, s) in step.statements.iter().enumerate() {
                self.notify(Event::Statement(s));
                let ran = match (i, mark.take(), s) {
                    (0, Some(mark), Statement::Execute(sql)) => {
                        self.conn.batch_execute(&format!("{mark};\n{sql}"))
                    }
                    _ => self.conn.run(s),
                };
                if let Err(e) = ran {
                    if d == Dialect::Mysql {
                        // A failure, not a kill: the error says what state it left.
                        let unmark = self.unmark_sql(m);
                        let _ = self.conn.batch_execute(&unmark);
                    }
                    return Err(EngineError::Failed {
                        revision: m.revision,
                        file: m.file,
                        index: i + 1,
                        statement: s.sql().to_owned(),
                        message: e.to_string(),
                        state: String::new(),
                    });
                }
            }
            fk.check(&mut self.conn)
                .map_err(|problem| EngineError::ForeignKeys {
                    revision: m.revision,
                    file: m.file,
                    problem,
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
                if d == Dialect::Mysql {
                    // One transaction: recorded wholly, with a single log flush.
                    bookkeeping.push(self.unmark_sql(m));
                    bookkeeping.insert(0, catalog::begin(d).to_owned());
                    bookkeeping.push(catalog::end(true).to_owned());
                }
                self.conn.batch_execute(&bookkeeping.join(";\n"))?;
                if per_step {
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

    /// Reads the foreign-key violations there before the work (SQLite), reporting those
    /// as a warning once per run.
    fn fk_begin(&mut self, fk: &mut crate::fk_check::Guard) {
        if let Some(warning) = fk.begin(&mut self.conn) {
            self.notify(Event::Warning(warning));
        }
    }

    /// The version-table statements after `m` ran, `applied` being the revisions applied
    /// before it: an upgrade replaces `m`'s parents by `m`; a downgrade removes `m` and
    /// makes each parent a head again unless another applied revision still builds on it
    /// (a branch that stays applied).
    fn move_heads_sql(
        &self,
        m: &'static Migration,
        direction: Direction,
        applied: &RevSet,
    ) -> Vec<String> {
        let d = self.dialect();
        let table = &self.config.version_table;
        let (remove, add): (Vec<&str>, Vec<&str>) = match direction {
            Direction::Upgrade => (m.down_revisions.to_vec(), vec![m.revision]),
            Direction::Downgrade => {
                let still_used = |p: &str| {
                    self.migrations.iter().any(|r| {
                        r.revision != m.revision
                            && applied.contains(r.revision)
                            && (r.down_revisions.contains(&p) || r.depends_on.contains(&p))
                    })
                };
                let add = m
                    .down_revisions
                    .iter()
                    .copied()
                    .filter(|p| !still_used(p))
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
        let state = match (self.dialect(), self.config.transaction) {
            (Dialect::Mysql, _) => format!(
                "the database is {heads}; MySQL cannot roll back DDL, so statements of the failed migration that ran before the failing one stay applied"
            ),
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

    /// The history row for a step of `m`, with the checksum of its upgrade ops.
    fn history_row(
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
    fn history_sql(&self, rows: Vec<Vec<Value>>) -> Vec<String> {
        let columns: Vec<String> = ["revision", "direction", "checksum", "duration_ms"]
            .map(String::from)
            .to_vec();
        crate::dialect::insert_sql(self.dialect(), &self.config.history_table, &columns, &rows)
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

/// Starts a transaction through diesel's transaction manager (so that a data step's own
/// `conn.transaction(..)` nests as a savepoint), with SQLite's `BEGIN IMMEDIATE`, which takes
/// the write lock at once.
fn begin_transaction(conn: &mut Connection) -> Result<(), ConnectionError> {
    use diesel::connection::AnsiTransactionManager as Tm;
    let sql = catalog::begin(conn.dialect());
    let result = match conn {
        #[cfg(feature = "sqlite")]
        Connection::Sqlite(c) => Tm::begin_transaction_sql(c, sql),
        #[cfg(feature = "postgres")]
        Connection::Postgres(c) => Tm::begin_transaction_sql(c, sql),
        #[cfg(feature = "mysql")]
        Connection::Mysql(c) => Tm::begin_transaction_sql(c, sql),
    };
    result.map_err(|e| ConnectionError::Sql(e.to_string()))
}

/// Commits (`ok`) or rolls back the transaction [`begin_transaction`] started.
fn end_transaction(conn: &mut Connection, ok: bool) -> Result<(), ConnectionError> {
    use diesel::connection::{AnsiTransactionManager as Tm, TransactionManager};
    fn end<C>(c: &mut C, ok: bool) -> diesel::QueryResult<()>
    where
        C: diesel::Connection<TransactionManager = Tm>,
    {
        if ok {
            Tm::commit_transaction(c)
        } else {
            Tm::rollback_transaction(c)
        }
    }
    let result = match conn {
        #[cfg(feature = "sqlite")]
        Connection::Sqlite(c) => end(c, ok),
        #[cfg(feature = "postgres")]
        Connection::Postgres(c) => end(c, ok),
        #[cfg(feature = "mysql")]
        Connection::Mysql(c) => end(c, ok),
    };
    result.map_err(|e| ConnectionError::Sql(e.to_string()))
}

/// The history row that marks a migration as started, on MySQL.
fn marker(direction: Direction) -> &'static str {
    match direction {
        Direction::Upgrade => "upgrading",
        Direction::Downgrade => "downgrading",
    }
}
