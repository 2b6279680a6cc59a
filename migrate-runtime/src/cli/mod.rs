//! The command line: Alembic's verbs for a migrations crate, from one call in its `main`.
//!
//! ```no_run
//! use migrate_runtime::prelude::*;
//!
//! # static MIGRATIONS: Migrations = Migrations::__from_sorted(&[], "");
//! // static MIGRATIONS: Migrations = embed_migrations!("versions");
//!
//! fn main() -> std::process::ExitCode {
//!     // `DATABASE_URL` (also from `.env`) or `--database-url`; else this default.
//!     migrate_runtime::cli::run(&MIGRATIONS, "sqlite://app.db")
//! }
//! ```
//!
//! | verb | what it does |
//! |------|--------------|
//! | `upgrade [TARGET]` | applies migrations up to TARGET (default `heads`); `--sql` prints the script instead |
//! | `downgrade TARGET` | undoes migrations down to TARGET; `--sql FROM:TO` prints the script |
//! | `current` | the database's revision(s) |
//! | `history [-r FROM:TO] [-i]` | the revisions, newest first; `-i` marks the database's |
//! | `heads`, `branches` | the head revisions; the branch points |
//! | `show REV` | one revision: parents, file, ops |
//! | `stamp TARGET [--purge]` | sets the version table without running anything |
//! | `check [--models PATH]` | exit 1 unless the database is at head with no applied migration edited, and the models (`src/schema.rs`) and the database match the head schema |
//! | `schema [-o PATH]` | the head schema as diesel `table!` code, no database needed |
//! | `revision -m MSG` | writes a new migration file on the current head |
//! | `revision --autogenerate -m MSG` | the same, with the ops from the head schema to the models (or, with `--database-url`, to the live database) |
//! | `import --diesel DIR`, `import --sql DIR` | hand-written SQL migrations as migration files |
//! | `merge -m MSG [REVS]` | writes a migration merging the heads |
//!
//! Targets: `head`, `base`, an id or unique prefix, a branch label, `label@head`, `+N`, `-N`,
//! `<rev>+N`. `-v` prints each SQL statement as it runs. Exit codes: 0 done, 1 failed (the
//! message says what state the database is in), 2 bad usage. A password in a URL never
//! appears in the output.

use std::process::ExitCode;

use clap::Parser;

use crate::connection::{
    dialect_of_url, is_in_memory, redact_url, scrub, Connection, ConnectionError, DatabaseUrl,
    UrlError,
};
use crate::dialect::Dialect;
use crate::engine::{Config, Engine, EngineError, TransactionMode};
use crate::migration::Migrations;
use crate::text::printable;

mod args;
mod authoring;
mod check;
mod error;
mod explain;
mod listing;
mod migrate;
mod output;

use args::{Cli, Command};
use error::CliError;
use output::Output;

/// Runs the command line of `std::env::args()` over `migrations`, with `default_url` when
/// neither `--database-url` nor `DATABASE_URL` (environment or `.env`) gives one.
pub fn run(migrations: &Migrations, default_url: &str) -> ExitCode {
    run_from(migrations, default_url, std::env::args_os())
}

/// [`run`] with explicit arguments (the first is the program name).
pub fn run_from<I, T>(migrations: &Migrations, default_url: &str, args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let out = Output::new(cli.verbose);
    if let Err(e) = error::load_dotenv() {
        out.error(&e.to_string());
        return e.exit_code();
    }
    let given = cli
        .database_url
        .clone()
        .or_else(|| std::env::var("DATABASE_URL").ok());
    let db = Database::new(given.as_deref().unwrap_or(default_url), given.is_some());
    let mut ctx = Ctx {
        migrations,
        cli: &cli,
        db: &db,
        out,
    };
    match execute(&mut ctx) {
        Ok(code) => code,
        Err(e) => {
            ctx.out.error(&e.render(&db));
            e.exit_code()
        }
    }
}

/// The database a command talks to: the user's URL, parsed once.
pub(crate) struct Database {
    /// The URL as given (for scrubbing driver messages of its password).
    text: String,
    /// The URL parsed, or why it does not parse (reported when a verb connects).
    parsed: Result<DatabaseUrl, UrlError>,
    /// Whether the URL was given (`--database-url`, `DATABASE_URL`), not the default.
    explicit: bool,
}

impl Database {
    fn new(text: &str, explicit: bool) -> Self {
        Database {
            text: text.to_owned(),
            parsed: DatabaseUrl::parse(text),
            explicit,
        }
    }

    /// The URL, or (as a connection error) why it cannot be opened.
    pub(crate) fn url(&self) -> Result<&DatabaseUrl, ConnectionError> {
        self.parsed.as_ref().map_err(|source| ConnectionError::Url {
            url: redact_url(&self.text),
            source: source.clone(),
        })
    }

    /// The URL with any password replaced by `***`.
    pub(crate) fn redacted(&self) -> String {
        match &self.parsed {
            Ok(url) => url.to_string(),
            Err(_) => redact_url(&self.text),
        }
    }

    /// The URL as printed: redacted, and escaped.
    fn shown(&self) -> String {
        printable(&self.redacted()).into_owned()
    }

    /// The backend the URL names (SQLite for text that names none, as for `--sql`).
    pub(crate) fn dialect(&self) -> Dialect {
        match &self.parsed {
            Ok(url) => url.dialect(),
            Err(_) => dialect_of_url(&self.text),
        }
    }

    fn is_in_memory(&self) -> bool {
        match &self.parsed {
            Ok(url) => url.is_in_memory(),
            Err(_) => is_in_memory(&self.text),
        }
    }

    /// `message` with the URL redacted and every form of its password hidden.
    pub(crate) fn scrub(&self, message: &str) -> String {
        scrub(message, &self.text)
    }

    /// Connects, for the engine: the URL must name a database.
    fn connect(&self) -> Result<Connection, ConnectionError> {
        let url = self.url()?;
        url.require_database()
            .map_err(|source| ConnectionError::Url {
                url: url.to_string(),
                source,
            })?;
        Connection::open(url)
    }
}

/// What every verb is given.
struct Ctx<'a, 'm> {
    migrations: &'m Migrations,
    cli: &'a Cli,
    db: &'a Database,
    out: Output,
}

impl<'m> Ctx<'_, 'm> {
    /// The engine on the command's database, with the global flags' configuration.
    fn engine(&self) -> Result<Engine<'m>, EngineError> {
        let config = Config {
            transaction: if self.cli.per_migration {
                TransactionMode::PerMigration
            } else {
                TransactionMode::PerRun
            },
            allow_edited: self.cli.allow_edited,
            ..Config::default()
        };
        Ok(Engine::new(self.migrations, self.db.connect()?).with_config(config))
    }
}

/// Runs the verb: each is a function of its own file.
fn execute(ctx: &mut Ctx<'_, '_>) -> Result<ExitCode, CliError> {
    let changes_state = match &ctx.cli.command {
        Command::Upgrade { offline, .. } | Command::Downgrade { offline, .. } => !offline.sql,
        Command::Stamp { .. } => true,
        _ => false,
    };
    if changes_state && ctx.db.is_in_memory() {
        return Err(CliError::InMemory {
            shown: ctx.db.shown(),
        });
    }
    match &ctx.cli.command {
        Command::Upgrade {
            target,
            offline,
            resume_after,
        } => migrate::migrate(ctx, true, target, offline, *resume_after),
        Command::Downgrade {
            target,
            offline,
            resume_after,
        } => migrate::migrate(ctx, false, target, offline, *resume_after),
        Command::Current => migrate::current(ctx),
        Command::Stamp {
            target,
            purge,
            from_diesel,
        } => migrate::stamp(ctx, target.as_deref(), *purge, *from_diesel),
        Command::History {
            range,
            indicate_current,
        } => listing::history(ctx, range.as_deref(), *indicate_current),
        Command::Heads => listing::heads(ctx),
        Command::Branches => listing::branches(ctx),
        Command::Show { rev } => listing::show(ctx, rev),
        Command::Check { models } => check::check(ctx, models.as_deref()),
        Command::Schema { output } => authoring::schema(ctx, output.as_deref()),
        Command::Revision {
            message,
            autogenerate: true,
            models,
            head,
            ..
        } => authoring::autogenerate(ctx, message, head.is_some(), models.as_deref()),
        Command::Revision {
            message,
            head,
            branch_label,
            depends_on,
            ..
        } => authoring::revision(ctx, message, head.as_deref(), branch_label, depends_on),
        Command::Import { diesel, sql } => {
            authoring::import(ctx, diesel.as_deref(), sql.as_deref())
        }
        Command::Merge { message, revs } => authoring::merge(ctx, message, revs),
    }
}
