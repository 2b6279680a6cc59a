//! What the engine reports: its errors, each with the state the database was left in, and
//! where a database stands.

use super::Direction;
use crate::connection::ConnectionError;
use crate::dialect::RenderError;
use crate::migration::Migration;
use crate::schema::SchemaError;

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

/// Where a database stands against the embedded migrations (see [`Engine::status`](super::Engine::status)).
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
