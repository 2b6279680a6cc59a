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

use crate::column::{Column, DefaultValue, Type, Value};
use crate::connection::{Connection, ConnectionError};
use crate::dialect::{catalog, render, Dialect, RenderError, Statement};
use crate::inverse::{derive_downgrade, InverseError};
use crate::migration::{Downgrade, Migration, Migrations};
use crate::op::Op;
use crate::plan::{parse_target, RevSet, Step};
use crate::schema::{Schema, SchemaError};
use crate::table::Table;

pub mod diesel_source;
pub(crate) mod journal;
pub mod migration;
pub mod offline;
#[doc(hidden)]
pub mod plan;

/// How the engine wraps migrations in transactions on SQLite and PostgreSQL (MySQL cannot
/// roll back DDL: there every statement commits as it runs, recorded in the journal).
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
    /// MySQL: resume an interrupted migration after this many of its statements, instead
    /// of the point its journal gives (after checking by hand what a statement whose
    /// effect cannot be seen did). Default `None`.
    pub resume_after: Option<usize>,
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
            resume_after: None,
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
    /// A migration interrupted half-way (MySQL), which the next run resumes.
    pub in_progress: Option<InProgress>,
}

impl Status {
    /// Whether the database is at head, no applied migration was edited and none is half
    /// done.
    pub fn is_up_to_date(&self) -> bool {
        self.pending.is_empty() && self.edited.is_empty() && self.in_progress.is_none()
    }
}

/// A migration a run left half done on MySQL, from its in-progress mark: the next
/// `upgrade` or `downgrade` resumes it at the first statement not done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InProgress {
    /// The migration.
    pub revision: String,
    /// Which way it was going.
    pub direction: Direction,
    /// How many of its statements are done.
    pub done: usize,
    /// How many statements it has, when this build knows it.
    pub total: Option<usize>,
    /// The first statement not done, when this build knows it.
    pub next: Option<String>,
    /// When it started (the database's clock).
    pub since: String,
}

impl std::fmt::Display for InProgress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "migration {} was interrupted during its {} (started {}): {} statement(s)",
            self.revision,
            self.direction.name(),
            self.since,
            self.done
        )?;
        if let Some(total) = self.total {
            write!(f, " of {total}")?;
        }
        write!(f, " done")?;
        if let Some(next) = &self.next {
            write!(f, ", next `{}`", crate::connection::one_line(next))?;
        }
        write!(f, "; the next run resumes it there")
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
    /// A MySQL run was killed in a migration where the journal cannot tell whether a
    /// statement ran.
    #[error("migration {revision} ({file}) was interrupted during its {direction} on MySQL, which cannot roll back DDL: {done} of its {total} statements are journaled as done, and {reason}; check by hand, then resume with `{direction} --resume-after N` (N statements done), or set the version with `stamp`; nothing was changed")]
    Interrupted {
        /// The migration.
        revision: &'static str,
        /// Its file.
        file: &'static str,
        /// `upgrade` or `downgrade`.
        direction: &'static str,
        /// Statements journaled as done.
        done: usize,
        /// Statements of the migration.
        total: usize,
        /// Why the journal cannot tell, naming the statement.
        reason: String,
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

    /// Whether the engine's table `name` exists. MySQL leaves out of its catalog the tables
    /// a user has no rights on: there a table the catalog does not list is probed, so that
    /// a user without rights is told so (`SELECT command denied`) instead of being taken
    /// for a database at base.
    fn table_exists(&mut self, name: &str) -> Result<bool, EngineError> {
        let d = self.dialect();
        if self.conn.query_count(&catalog::table_exists(d, name))? > 0 {
            return Ok(true);
        }
        if d.transactional_ddl() {
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
            Some("upgrading") => Direction::Upgrade,
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

    /// Deletes the start marks of `m` (MySQL): the step ended, one way or the other.
    fn unmark_sql(&self, m: &'static Migration) -> String {
        catalog::delete_history_marks(
            self.dialect(),
            &self.config.history_table,
            m.revision,
            &[marker(Direction::Upgrade), marker(Direction::Downgrade)],
        )
    }

    /// Whether a run left a migration half done (an in-progress mark; MySQL).
    fn interrupted(&mut self) -> Result<bool, EngineError> {
        Ok(self.read_mark()?.is_some())
    }

    /// MySQL: resumes the migration that a killed or failed run left half done (its
    /// in-progress mark), at the first statement its journal does not record as done,
    /// and records it. Where the journal cannot tell whether a statement ran (raw SQL that
    /// commits implicitly and was cut off), refuses, naming the statement. Returns the
    /// applied set to plan from, and the resumed migration.
    fn recover_interrupted(
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
            None => self
                .resume_point(&step, &before, mark.done)?
                .map_err(refuse)?,
        };
        self.notify(Event::Started {
            migration: m,
            direction,
        });
        let started = Instant::now();
        let hash = journal::hash(&step.statements[..resume]);
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
    /// after it. `Ok(Err(reason))` when that cannot be known.
    fn resume_point(
        &mut self,
        step: &Step,
        before: &Schema,
        done: usize,
    ) -> Result<Result<usize, String>, EngineError> {
        let kinds = step.kinds.as_deref().unwrap_or_default();
        let which = || {
            format!(
                "statement {} `{}`",
                done + 1,
                crate::connection::one_line(step.statements[done].sql())
            )
        };
        let op = match kinds.get(done) {
            Some(journal::Kind::Data) | None => return Ok(Ok(done)),
            Some(journal::Kind::Opaque) => {
                return Ok(Err(format!(
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
        let mut state_before = before.clone();
        replay(&mut state_before, m, &ops[..op])?;
        let mut state_after = state_before.clone();
        replay(&mut state_after, m, &ops[op..=op])?;
        let of_op: Vec<usize> = (0..kinds.len())
            .filter(|&i| kinds[i] == journal::Kind::Schema(op))
            .collect();
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
        let not_run = of_op.first() == Some(&done) && is(&state_before);
        let ran = of_op.last() == Some(&done) && is(&state_after);
        Ok(match (not_run, ran) {
            (true, false) => Ok(done),
            (false, true) => Ok(done + 1),
            _ => Err(format!(
                "{} was cut off, and the schema read back is neither the one before it nor the one after it",
                which()
            )),
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

    /// Runs planned steps, recording each in the history table and moving the version
    /// table's heads after it, both in one round trip per migration. `applied` is what the
    /// database had when the plan was made (read under the lock). Per migration, each step
    /// is its own transaction, and on SQLite (no lock between transactions) a step another
    /// process ran meanwhile is skipped. Where DDL commits implicitly (MySQL), each step
    /// runs through the statement journal ([`journal`]).
    fn execute(
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
    fn run_journaled(
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
        for (i, s) in step.statements.iter().enumerate().skip(from) {
            self.notify(Event::Statement(s));
            let next = journal::chain(&hash, s);
            let entry = catalog::update_mark(d, &history, m.revision, mark, i + 1, &next);
            let result = match (s, kinds.get(i)) {
                (Statement::Execute(sql), Some(journal::Kind::Data)) => {
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
                (Statement::Execute(sql), _) => self
                    .conn
                    .batch_execute(&format!("{pending}{sql};\n{entry}")),
                (other, _) => self.run_in_transaction(&pending, other, &entry),
            };
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
    fn run_in_transaction(
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
    fn record_journaled(
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

/// Starts a transaction (see [`Connection::begin`]).
fn begin_transaction(conn: &mut Connection) -> Result<(), ConnectionError> {
    conn.begin()
}

/// Commits (`ok`) or rolls back the transaction [`begin_transaction`] started.
fn end_transaction(conn: &mut Connection, ok: bool) -> Result<(), ConnectionError> {
    conn.end(ok)
}

/// The error of statement `i` (0-based) of `m`, which failed with `e`; the state is said
/// by [`Engine::conclude`].
fn failed(m: &'static Migration, i: usize, s: &Statement, e: ConnectionError) -> EngineError {
    EngineError::Failed {
        revision: m.revision,
        file: m.file,
        index: i + 1,
        statement: s.sql().to_owned(),
        message: e.to_string(),
        state: String::new(),
    }
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
fn marker(direction: Direction) -> &'static str {
    match direction {
        Direction::Upgrade => "upgrading",
        Direction::Downgrade => "downgrading",
    }
}
