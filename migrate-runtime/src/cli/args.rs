//! The command line's arguments (clap).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::dialect::Dialect;

#[derive(Parser, Debug)]
#[command(
    about = "Runs this crate's embedded migrations (Alembic's verbs).",
    long_about = None,
    after_help = "Targets: head, base, an id or unique prefix, a branch label, label@head, +N, -N, <rev>+N."
)]
pub(super) struct Cli {
    /// The database URL: sqlite://path, postgres://..., mysql://... [default: DATABASE_URL, from the environment or .env]
    #[arg(long, global = true, value_name = "URL")]
    pub(super) database_url: Option<String>,
    /// Print each SQL statement as it runs (and more detail in listings).
    #[arg(short, long, global = true)]
    pub(super) verbose: bool,
    /// Commit each migration with its version update, instead of the whole run at once.
    #[arg(long, global = true)]
    pub(super) per_migration: bool,
    /// Run although an applied migration was edited since it ran.
    #[arg(long, global = true)]
    pub(super) allow_edited: bool,
    #[command(subcommand)]
    pub(super) command: Command,
}

#[derive(Subcommand, Debug)]
pub(super) enum Command {
    /// Apply migrations up to TARGET (default: every head).
    Upgrade {
        /// Where to go: head, an id or prefix, label@head, +N, <rev>+N. With --sql: FROM:TO.
        #[arg(default_value = "heads", allow_negative_numbers = true)]
        target: String,
        #[command(flatten)]
        offline: Offline,
        /// MySQL: resume the migration a run left half done after its first N statements
        /// (once checked by hand, when the journal cannot tell whether statement N ran).
        #[arg(long, value_name = "N", conflicts_with = "sql")]
        resume_after: Option<usize>,
    },
    /// Undo migrations down to TARGET (base, an id or prefix, -N).
    Downgrade {
        /// Where to go. With --sql: FROM:TO.
        #[arg(allow_negative_numbers = true)]
        target: String,
        #[command(flatten)]
        offline: Offline,
        /// MySQL: resume the migration a run left half done after its first N statements
        /// (once checked by hand, when the journal cannot tell whether statement N ran).
        #[arg(long, value_name = "N", conflicts_with = "sql")]
        resume_after: Option<usize>,
    },
    /// Show the database's current revision(s).
    Current,
    /// List revisions, newest first.
    History {
        /// Only the revisions above FROM up to TO (FROM:TO; either side may be empty).
        #[arg(short = 'r', long = "rev-range", value_name = "FROM:TO")]
        range: Option<String>,
        /// Mark the database's current revision(s) (connects to the database).
        #[arg(short = 'i', long)]
        indicate_current: bool,
    },
    /// Show the head revision(s).
    Heads,
    /// Show the branch points: revisions with more than one child.
    Branches,
    /// Show one revision: parents, labels, file and ops.
    Show {
        /// An id, unique prefix or branch label.
        rev: String,
    },
    /// Set the version table to TARGET without running any migration.
    Stamp {
        /// The revision the database's schema is already at.
        #[arg(allow_negative_numbers = true, required_unless_present = "from_diesel")]
        target: Option<String>,
        /// Empty the version table first, even of revisions this build does not know.
        #[arg(long)]
        purge: bool,
        /// Stamp at the imported revision matching what diesel's harness applied here.
        #[arg(long, conflicts_with_all = ["target", "purge"])]
        from_diesel: bool,
    },
    /// Import a folder of SQL migrations as migration files (diesel's, or numbered scripts).
    Import {
        /// diesel's migrations folder (`<version>_<name>/up.sql`, `down.sql`).
        #[arg(
            long,
            value_name = "DIR",
            conflicts_with = "sql",
            required_unless_present = "sql"
        )]
        diesel: Option<PathBuf>,
        /// A folder of `<number>_<name>.sql` scripts (and `<number>_<name>.down.sql`).
        #[arg(long, value_name = "DIR")]
        sql: Option<PathBuf>,
    },
    /// Exit 1 unless the database is at head, no applied migration was edited, and the
    /// models (schema.rs) and the database agree with the head schema.
    Check {
        /// The diesel `table!` models [default: src/schema.rs of this crate, when present].
        #[arg(long, value_name = "PATH")]
        models: Option<PathBuf>,
    },
    /// Print the head schema as diesel `table!` definitions (no database needed).
    Schema {
        /// Write it to this file instead of printing it.
        #[arg(long, short, value_name = "PATH")]
        output: Option<PathBuf>,
    },
    /// Write a new, empty migration file on the current head.
    Revision {
        /// What the migration does.
        #[arg(short, long)]
        message: String,
        /// The parent revision (default: the single head).
        #[arg(long, value_name = "REV")]
        head: Option<String>,
        /// A branch label for the new revision.
        #[arg(long, value_name = "LABEL")]
        branch_label: Vec<String>,
        /// A revision that must be applied first, without being a parent.
        #[arg(long, value_name = "REV")]
        depends_on: Vec<String>,
        /// Write the ops that take the head schema to the models (schema.rs), or, with
        /// --database-url, to the live database.
        #[arg(long)]
        autogenerate: bool,
        /// The diesel `table!` models to compare with [default: src/schema.rs of this crate].
        #[arg(long, value_name = "PATH", requires = "autogenerate")]
        models: Option<PathBuf>,
    },
    /// Write a migration that merges heads (default: all of them).
    Merge {
        /// What the merge joins.
        #[arg(short, long)]
        message: String,
        /// The revisions to merge (default: every head of the versions folder).
        revs: Vec<String>,
    },
}

#[derive(clap::Args, Debug)]
pub(super) struct Offline {
    /// Print the SQL instead of running it (no connection needed).
    #[arg(long)]
    pub(super) sql: bool,
    /// The dialect for --sql (default: from the URL's scheme).
    #[arg(long, value_enum, requires = "sql")]
    pub(super) dialect: Option<DialectArg>,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub(super) enum DialectArg {
    Sqlite,
    Postgres,
    Mysql,
}

// The `--dialect` value to the dialect it names (a mapping of names, not behaviour).
impl From<DialectArg> for Dialect {
    fn from(d: DialectArg) -> Dialect {
        match d {
            DialectArg::Sqlite => Dialect::Sqlite,
            DialectArg::Postgres => Dialect::Postgres,
            DialectArg::Mysql => Dialect::Mysql,
        }
    }
}
