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

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::connection::{dialect_of_url, is_in_memory, redact_url, scrub};
use crate::dialect::Dialect;
use crate::engine::{Config, Direction, Engine, EngineError, Event, TransactionMode};
use crate::migration::{Downgrade, Migration, Migrations};
use crate::offline::offline_sql;
use crate::plan::parse_target;
use crate::text::printable;

/// `text` with each line through [`printable`], the line breaks kept (SQL statements and
/// multi-line reports).
fn printable_lines(text: &str) -> String {
    text.split('\n')
        .map(|l| printable(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Parser, Debug)]
#[command(
    about = "Runs this crate's embedded migrations (Alembic's verbs).",
    long_about = None,
    after_help = "Targets: head, base, an id or unique prefix, a branch label, label@head, +N, -N, <rev>+N."
)]
struct Cli {
    /// The database URL: sqlite://path, postgres://..., mysql://... [default: DATABASE_URL, from the environment or .env]
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    /// Print each SQL statement as it runs (and more detail in listings).
    #[arg(short, long, global = true)]
    verbose: bool,
    /// Commit each migration with its version update, instead of the whole run at once.
    #[arg(long, global = true)]
    per_migration: bool,
    /// Run although an applied migration was edited since it ran.
    #[arg(long, global = true)]
    allow_edited: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
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
struct Offline {
    /// Print the SQL instead of running it (no connection needed).
    #[arg(long)]
    sql: bool,
    /// The dialect for --sql (default: from the URL's scheme).
    #[arg(long, value_enum, requires = "sql")]
    dialect: Option<DialectArg>,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum DialectArg {
    Sqlite,
    Postgres,
    Mysql,
}

impl From<DialectArg> for Dialect {
    fn from(d: DialectArg) -> Dialect {
        match d {
            DialectArg::Sqlite => Dialect::Sqlite,
            DialectArg::Postgres => Dialect::Postgres,
            DialectArg::Mysql => Dialect::Mysql,
        }
    }
}

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
    let mut out = Output::new(cli.verbose);
    if let Err(message) = load_dotenv() {
        out.error(&message);
        return ExitCode::from(2);
    }
    let given = cli
        .database_url
        .clone()
        .or_else(|| std::env::var("DATABASE_URL").ok());
    let explicit = given.is_some();
    let url = given.unwrap_or_else(|| default_url.to_owned());
    match execute(migrations, &cli, &url, explicit, &mut out) {
        Ok(code) => code,
        Err(message) => {
            // One line: a statement or a driver message may span several.
            let message = crate::connection::one_line(&scrub(&message, &url));
            out.error(&message);
            ExitCode::from(1)
        }
    }
}

/// Loads the first `.env` of the working directory or its parents (as `dotenvy` finds
/// it), without overriding variables already set. None is fine; one that cannot be read
/// or parsed is an error naming the file and the line, since going on would silently use
/// the default URL. The line's text is not shown: it may hold a password.
fn load_dotenv() -> Result<(), String> {
    let Ok(cwd) = std::env::current_dir() else {
        return Ok(());
    };
    let Some(path) = cwd
        .ancestors()
        .map(|d| d.join(".env"))
        .find(|p| p.is_file())
    else {
        return Ok(());
    };
    let error = match dotenvy::from_path(&path) {
        Ok(()) => return Ok(()),
        Err(e) => e,
    };
    let shown = path.display();
    Err(match error {
        dotenvy::Error::LineParse(text, _) => {
            let content = std::fs::read_to_string(&path).unwrap_or_default();
            let first = text.lines().next().unwrap_or("");
            let line = content
                .lines()
                .position(|l| !first.is_empty() && l == first)
                .map_or_else(String::new, |i| format!(" line {}", i + 1));
            let key = first
                .trim_start()
                .trim_start_matches("export ")
                .split('=')
                .next()
                .map(str::trim)
                .filter(|k| {
                    !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                })
                .map_or_else(String::new, |k| format!(" ({k}=...)"));
            format!(
                "the .env file {shown}:{line}{key} cannot be parsed (an unterminated quote, or not KEY=value); fix or remove it; nothing was run"
            )
        }
        other => format!("cannot read the .env file {shown}: {other}; nothing was run"),
    })
}

/// Terminal output: colour only on a terminal (and not with `NO_COLOR`).
struct Output {
    colour: bool,
    verbose: bool,
}

impl Output {
    fn new(verbose: bool) -> Self {
        let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Output { colour, verbose }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// Prints `message` on stderr after `error: `, each line through [`printable`] (an
    /// error may quote a version-table row or a migration's message).
    fn error(&self, message: &str) {
        let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        let label = if colour {
            "\x1b[1;31merror\x1b[0m"
        } else {
            "error"
        };
        eprintln!("{label}: {}", printable_lines(message));
    }
}

/// Prints a warning on stderr: one line, `warning: ...` (yellow on a terminal).
fn warn(message: &str) {
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let label = if colour {
        "\x1b[1;33mwarning\x1b[0m"
    } else {
        "warning"
    };
    eprintln!("{label}: {}", crate::connection::one_line(message));
}

fn engine<'m>(migrations: &'m Migrations, cli: &Cli, url: &str) -> Result<Engine<'m>, EngineError> {
    let config = Config {
        transaction: if cli.per_migration {
            TransactionMode::PerMigration
        } else {
            TransactionMode::PerRun
        },
        allow_edited: cli.allow_edited,
        ..Config::default()
    };
    Ok(Engine::connect(migrations, url)?.with_config(config))
}

fn execute(
    migrations: &Migrations,
    cli: &Cli,
    url: &str,
    explicit_url: bool,
    out: &mut Output,
) -> Result<ExitCode, String> {
    let shown = printable(&redact_url(url)).into_owned();
    let err = |e: EngineError| explain(&e, url);
    let changes_state = match &cli.command {
        Command::Upgrade { offline, .. } | Command::Downgrade { offline, .. } => !offline.sql,
        Command::Stamp { .. } => true,
        _ => false,
    };
    if changes_state && is_in_memory(url) {
        out.error(&format!(
            "{shown} is an in-memory SQLite database, which keeps nothing once this command ends: give a file (sqlite://app.db); nothing was run"
        ));
        return Ok(ExitCode::from(2));
    }
    match &cli.command {
        Command::Upgrade {
            target,
            offline,
            resume_after,
        }
        | Command::Downgrade {
            target,
            offline,
            resume_after,
        } => {
            let direction = match cli.command {
                Command::Upgrade { .. } => Direction::Upgrade,
                _ => Direction::Downgrade,
            };
            if offline.sql {
                let dialect = offline
                    .dialect
                    .map_or_else(|| dialect_of_url(url), Dialect::from);
                let config = Config::default();
                let sql =
                    offline_sql(migrations, dialect, &config, direction, target).map_err(err)?;
                print!("{sql}");
                return Ok(ExitCode::SUCCESS);
            }
            let verbose = out.verbose;
            let colour = out.colour;
            let painter = Output { colour, verbose };
            let engine = engine(migrations, cli, url).map_err(err)?;
            let config = Config {
                resume_after: *resume_after,
                ..engine.config().clone()
            };
            let mut engine = engine.with_config(config).observe(move |e| match e {
                Event::Started { .. } => {}
                Event::Statement(s) => {
                    if verbose {
                        println!(
                            "    {}",
                            painter.paint("2", &printable_lines(&s.to_string()))
                        );
                    }
                }
                Event::Warning(w) => warn(w),
                Event::Finished(a) => {
                    let m = migrations.get(a.revision);
                    let verb = painter.paint(
                        if a.direction == "upgrade" { "32" } else { "33" },
                        &format!("{:9}", a.direction),
                    );
                    println!(
                        "{verb} {} {} ({} ms)",
                        a.revision,
                        printable(m.map_or("", |m| m.message)),
                        a.duration_ms
                    );
                }
            });
            let ran = match direction {
                Direction::Upgrade => engine.upgrade_to(target),
                Direction::Downgrade => engine.downgrade_to(target),
            }
            .map_err(err)?;
            let now = engine.current().map_err(err)?;
            if ran.is_empty() {
                println!("nothing to do: {shown} is {}", describe(migrations, &now));
            } else {
                println!("{shown} is now {}", describe(migrations, &now));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Current => {
            let mut engine = engine(migrations, cli, url).map_err(err)?;
            let heads = engine.current().map_err(err)?;
            if heads.is_empty() {
                println!("{shown}: at base (no migration applied)");
            }
            for h in &heads {
                match migrations.get(h) {
                    Some(m) => println!("{}", line(migrations, m, out, cli.verbose)),
                    None => println!(
                        "{} (unknown to this build: migrated by a newer one?)",
                        printable(h)
                    ),
                }
            }
            match engine.in_progress().map_err(err)? {
                Some(p) => {
                    out.error(&p.to_string());
                    Ok(ExitCode::from(1))
                }
                None => Ok(ExitCode::SUCCESS),
            }
        }
        Command::History {
            range,
            indicate_current,
        } => {
            let current = if *indicate_current {
                engine(migrations, cli, url)
                    .and_then(|mut e| e.current())
                    .map_err(err)?
            } else {
                Vec::new()
            };
            let shown_set = match range {
                Some(r) => {
                    let (from, to) = r.split_once(':').unwrap_or((r.as_str(), ""));
                    let from = if from.is_empty() { "base" } else { from };
                    let to = if to.is_empty() { "heads" } else { to };
                    let none = Default::default();
                    let lower = migrations
                        .target_set(&parse_target(from).map_err(err)?, &none)
                        .map_err(err)?;
                    let upper = migrations
                        .target_set(&parse_target(to).map_err(err)?, &none)
                        .map_err(err)?;
                    Some((lower, upper))
                }
                None => None,
            };
            for m in migrations.iter().rev() {
                if let Some((lower, upper)) = &shown_set {
                    if lower.contains(m.revision) || !upper.contains(m.revision) {
                        continue;
                    }
                }
                let mut text = history_line(migrations, m, out);
                if current.iter().any(|c| c == m.revision) {
                    text.push_str(&out.paint("1", " (current)"));
                }
                println!("{text}");
                if cli.verbose {
                    println!("    {}", display_file(migrations, m));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Heads => {
            for m in migrations.heads() {
                println!("{}", line(migrations, m, out, cli.verbose));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Branches => {
            for m in migrations.iter() {
                let children = migrations.children(m);
                if children.len() > 1 {
                    println!("{} (branchpoint) {}", m.revision, printable(m.message));
                    for c in children {
                        println!("  -> {} {}", c.revision, printable(c.message));
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Show { rev } => {
            let m = migrations.resolve(rev).map_err(err)?;
            print!("{}", show(migrations, m));
            Ok(ExitCode::SUCCESS)
        }
        Command::Stamp {
            target,
            purge,
            from_diesel,
        } => {
            let mut engine = engine(migrations, cli, url).map_err(err)?;
            let in_progress = engine.in_progress().map_err(err)?;
            let heads = match target {
                Some(t) if !from_diesel => engine.stamp(t, *purge),
                _ => engine.stamp_from_diesel(),
            }
            .map_err(err)?;
            if let Some(p) = in_progress {
                println!(
                    "cleared the in-progress mark of migration {} ({} of its statements were journaled as done)",
                    p.revision, p.done
                );
            }
            let heads: Vec<String> = heads.iter().map(|h| (*h).to_owned()).collect();
            println!("stamped: {shown} is now {}", describe(migrations, &heads));
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { models } => {
            let mut problems = Vec::new();
            let head = head_schema(migrations)?;
            let models_path = models.clone().or_else(|| {
                let default = crate_dir(migrations).join("src/schema.rs");
                default.is_file().then_some(default)
            });
            if let Some(path) = &models_path {
                let parsed = read_models(path)?;
                let diffs = crate::models::diesel_differences(&parsed, &head);
                if !diffs.is_empty() {
                    let mut text = format!(
                        "the models ({}) differ from the head schema:",
                        path.display()
                    );
                    for d in diffs {
                        let _ = write!(text, "\n  {}", printable(&d.to_string()));
                    }
                    text.push_str("\n  (`revision --autogenerate -m ...` writes the migration; `schema` prints the head as table! code)");
                    problems.push(text);
                }
            }
            let mut summary = String::new();
            if explicit_url || models_path.is_none() {
                let mut engine = engine(migrations, cli, url).map_err(err)?;
                let status = engine.status().map_err(err)?;
                summary = format!("{shown} is {}", describe(migrations, &status.current));
                if !status.pending.is_empty() {
                    let mut text = format!("{} migration(s) not applied:", status.pending.len());
                    for m in &status.pending {
                        let _ = write!(text, "\n  {} {}", m.revision, printable(m.message));
                    }
                    problems.push(text);
                }
                if let Some(p) = &status.in_progress {
                    problems.push(p.to_string());
                }
                if !status.edited.is_empty() {
                    let mut text = "applied migration(s) edited since they ran:".to_owned();
                    for e in &status.edited {
                        let _ = write!(text, "\n  {} ({})", e.revision, e.file);
                    }
                    problems.push(text);
                }
                if status.pending.is_empty() {
                    let d = engine.connection().dialect();
                    let config = engine.config().clone();
                    let live = crate::introspect::introspect(engine.connection(), &config)
                        .map_err(|e| e.to_string())?;
                    let ops = crate::diff::diff(
                        &head.as_stored_by(d),
                        &live,
                        &crate::diff::DiffScope::all(),
                    );
                    if !ops.is_empty() {
                        let mut text =
                            "the database differs from the head schema; from head, it would take:"
                                .to_owned();
                        for op in &ops {
                            let _ = write!(text, "\n  {}", printable(&op.describe()));
                        }
                        problems.push(text);
                    }
                }
            }
            if problems.is_empty() {
                let what = if summary.is_empty() {
                    "the models match the head schema".to_owned()
                } else {
                    summary
                };
                println!("ok: {what}");
                return Ok(ExitCode::SUCCESS);
            }
            if !summary.is_empty() {
                problems.insert(0, summary);
            }
            out.error(&problems.join("\n"));
            Ok(ExitCode::from(1))
        }
        Command::Schema { output } => {
            let text = crate::models::print_schema_rs(&head_schema(migrations)?);
            match output {
                Some(path) => {
                    std::fs::write(path, text)
                        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                    println!("wrote {}", path.display());
                }
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Revision {
            message,
            autogenerate: true,
            models,
            head,
            ..
        } => {
            if head.is_some() {
                return Err(
                    "--autogenerate writes on the head of this build; --head does not go with it"
                        .into(),
                );
            }
            let from_database = explicit_url && models.is_none();
            match autogenerate(
                migrations,
                cli,
                url,
                from_database,
                models.as_deref(),
                message,
            )? {
                Some(p) => println!("wrote {}", p.display()),
                None => {
                    println!("no changes: the head schema already matches; nothing was written")
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Revision {
            message,
            head,
            branch_label,
            depends_on,
            ..
        } => {
            let path = crate::scaffold::write_revision(
                Path::new(migrations.dir()),
                message,
                head.as_deref(),
                branch_label,
                depends_on,
            )?;
            println!("wrote {}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { diesel, sql } => {
            let (from, source) = match (diesel, sql) {
                (Some(d), _) => (d, crate::import::Source::Diesel),
                (None, Some(s)) => (s, crate::import::Source::Numbered),
                (None, None) => unreachable!("clap requires one"),
            };
            let written = crate::import::import(from, source, Path::new(migrations.dir()))
                .map_err(|e| e.to_string())?;
            for path in &written {
                println!("wrote {}", path.display());
            }
            println!(
                "imported {} migration(s): rebuild, then `stamp --from-diesel` (or `stamp <rev>`) databases the scripts already ran on",
                written.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Merge { message, revs } => {
            let path = crate::scaffold::write_merge(Path::new(migrations.dir()), message, revs)?;
            println!("wrote {}", path.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// An engine error as the command line prints it. A permission error on the engine's own
/// tables (a deploy user without rights on them) also says where, as whom, what was being
/// done, the database's state and the missing grant.
fn explain(e: &EngineError, url: &str) -> String {
    // Text read from the version table, escaped before the message is made one line.
    let message = match e {
        EngineError::UnknownRevision { revision } => EngineError::UnknownRevision {
            revision: printable(revision).into_owned(),
        }
        .to_string(),
        EngineError::InconsistentVersions(s) => {
            EngineError::InconsistentVersions(printable(s).into_owned()).to_string()
        }
        e => e.to_string(),
    };
    let Some(table) = denied_table(&message) else {
        return message;
    };
    let config = Config::default();
    let doing = if table == config.version_table {
        format!("the version table {table}")
    } else if table == config.history_table {
        format!("the history table {table}")
    } else {
        return message;
    };
    let d = dialect_of_url(url);
    let user = database_user(url, &message);
    let who = user
        .as_deref()
        .map_or_else(String::new, |u| format!(" as user \"{}\"", printable(u)));
    // MySQL names the command that was denied; PostgreSQL does not, and a bare
    // connection error comes from the reads before the migration lock.
    let verb = if message.contains("CREATE command denied") {
        "creating"
    } else if message.contains("SELECT command denied") {
        "reading"
    } else if message.contains(" command denied") {
        "updating"
    } else if matches!(e, EngineError::Connection(_)) {
        "reading"
    } else {
        "updating"
    };
    // The engine's message says the state after a change started; before, nothing changed.
    let state = match e {
        EngineError::Bookkeeping { .. } => "",
        _ => "; nothing was changed",
    };
    let doing = format!("{verb} {doing}");
    let grantee = user
        .as_deref()
        .map_or_else(|| "<the user>".to_owned(), |u| d.backend().grantee(u));
    let (version, history) = (
        d.quote(&config.version_table),
        d.quote(&config.history_table),
    );
    let grant = d.backend().grant(&[version, history], &grantee);
    format!(
        "{doing} of {}{who} failed: {message}{state}; the user needs {grant} (SELECT alone for current, history and check)",
        redact_url(url)
    )
}

/// The table a permission error names: PostgreSQL's `permission denied for table t`
/// (`relation` before version 15), MySQL's `... command denied to user 'u'@'h' for table
/// 'db'.'t'` (MariaDB writes backticks).
fn denied_table(message: &str) -> Option<String> {
    let rest = [
        "permission denied for table ",
        "permission denied for relation ",
    ]
    .iter()
    .find_map(|p| message.split_once(p).map(|(_, r)| r))
    .or_else(|| {
        message
            .contains("command denied to user")
            .then(|| message.split_once(" for table ").map(|(_, r)| r))
            .flatten()
    })?;
    let name = rest
        .split(|c: char| c.is_whitespace() || c == ';' || c == ',')
        .next()?
        .rsplit('.')
        .next()?
        .trim_matches(['\'', '`', '"']);
    (!name.is_empty()).then(|| name.to_owned())
}

/// The user a URL connects as: the account a MySQL error names, the URL's user info, a
/// `user=` parameter, or (asked of the server) the session's user.
fn database_user(url: &str, message: &str) -> Option<String> {
    // MySQL names the account, host included, which is what a GRANT needs.
    if let Some((_, rest)) = message.split_once("denied to user ") {
        let user = rest.split(" for ").next().unwrap_or(rest).trim();
        if !user.is_empty() {
            return Some(user.to_owned());
        }
    }
    if let Ok(parsed) = url::Url::parse(url) {
        if !parsed.username().is_empty() {
            let name = percent_encoding::percent_decode_str(parsed.username())
                .decode_utf8_lossy()
                .into_owned();
            return Some(name);
        }
        if let Some((_, v)) = parsed.query_pairs().find(|(k, _)| k == "user") {
            return Some(v.into_owned());
        }
    }
    let mut conn = crate::connection::Connection::establish(url).ok()?;
    let sql = conn.dialect().backend().current_user();
    conn.query_strings(sql)
        .ok()?
        .into_iter()
        .next()
        .filter(|u| !u.is_empty())
}

/// `at revision a0b1c2d3e4f5 (head)` or `at base (no migration applied)`.
fn describe(migrations: &Migrations, heads: &[String]) -> String {
    if heads.is_empty() {
        return "at base (no migration applied)".into();
    }
    let at_head = migrations
        .heads()
        .iter()
        .all(|h| heads.iter().any(|c| c == h.revision));
    let shown: Vec<String> = heads.iter().map(|h| printable(h).into_owned()).collect();
    format!(
        "at revision {}{}",
        shown.join(" + "),
        if at_head { " (head)" } else { "" }
    )
}

/// The migration's file, relative to the crate (`versions/...rs`) when it can be.
fn display_file(migrations: &Migrations, m: &Migration) -> String {
    let dir = Path::new(migrations.dir());
    let base = dir.parent().unwrap_or(dir);
    let file = Path::new(m.file);
    let shown = file.strip_prefix(base).unwrap_or(file);
    format!("{}:{}", shown.display(), m.line)
}

/// `a0b1c2d3e4f5 (head) merge display_name and orders index`.
fn line(migrations: &Migrations, m: &Migration, out: &Output, verbose: bool) -> String {
    let mut s = out.paint("1", m.revision);
    if migrations.children(m).is_empty() {
        s.push_str(" (head)");
    }
    if !m.message.is_empty() {
        s.push(' ');
        s.push_str(&printable(m.message));
    }
    if verbose {
        let _ = write!(s, "\n    {}", display_file(migrations, m));
    }
    s
}

/// Alembic's history line: `parents -> rev (head) (mergepoint), message`.
fn history_line(migrations: &Migrations, m: &Migration, out: &Output) -> String {
    let parents = migrations.parent_list(m);
    let mut s = format!("{parents} -> {}", out.paint("1", m.revision));
    let children = migrations.children(m);
    if children.is_empty() {
        s.push_str(" (head)");
    }
    if children.len() > 1 {
        s.push_str(" (branchpoint)");
    }
    if m.is_merge() {
        s.push_str(" (mergepoint)");
    }
    for l in m.branch_labels {
        let _ = write!(s, " ({})", printable(l));
    }
    let _ = write!(s, ", {}", printable(m.message));
    s
}

fn show(migrations: &Migrations, m: &Migration) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Revision: {}", m.revision);
    let _ = writeln!(s, "Parent: {}", migrations.parent_list(m));
    let kids: Vec<&str> = migrations.children(m).iter().map(|c| c.revision).collect();
    if !kids.is_empty() {
        let _ = writeln!(s, "Children: {}", kids.join(", "));
    }
    if !m.branch_labels.is_empty() {
        let _ = writeln!(
            s,
            "Branch labels: {}",
            printable(&m.branch_labels.join(", "))
        );
    }
    let deps: Vec<&str> = migrations
        .dependencies(m)
        .iter()
        .map(|d| d.revision)
        .collect();
    if !deps.is_empty() {
        let _ = writeln!(s, "Depends on: {}", deps.join(", "));
    }
    let _ = writeln!(s, "File: {}", display_file(migrations, m));
    let _ = writeln!(s, "Message: {}", printable(m.message));
    let _ = writeln!(s, "Upgrade:");
    for op in (m.upgrade)() {
        let _ = writeln!(s, "  {}", printable(&op.describe()));
    }
    let _ = writeln!(
        s,
        "Downgrade: {}",
        match m.downgrade {
            Downgrade::Derived => "derived from the upgrade",
            Downgrade::Explicit(_) => "written by hand",
        }
    );
    if let Downgrade::Explicit(f) = m.downgrade {
        for op in f() {
            let _ = writeln!(s, "  {}", printable(&op.describe()));
        }
    }
    s
}

/// The folder of the crate that embeds the migrations (the versions folder's parent).
fn crate_dir(migrations: &Migrations) -> PathBuf {
    let dir = Path::new(migrations.dir());
    dir.parent().unwrap_or(dir).to_path_buf()
}

/// The schema at head, replayed from the embedded migrations (no database).
fn head_schema(migrations: &Migrations) -> Result<crate::schema::Schema, String> {
    migrations.head_schema().map_err(|e| e.to_string())
}

fn read_models(path: &Path) -> Result<crate::schema::Schema, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the models {}: {e}", path.display()))?;
    crate::models::parse_schema_rs(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// `revision --autogenerate`: the ops from the head schema to the models (or the live
/// database), written as a new migration on the head. `None` when there is nothing to do.
fn autogenerate(
    migrations: &Migrations,
    cli: &Cli,
    url: &str,
    from_database: bool,
    models: Option<&Path>,
    message: &str,
) -> Result<Option<PathBuf>, String> {
    use crate::diff::{diff_with_notes, DiffScope};
    // The ops of the folder's migrations exist only in the build: refuse a stale one.
    let dir = Path::new(migrations.dir());
    let mut on_disk: Vec<String> = migrate_core::Graph::new(crate::scaffold::scan(dir)?)
        .heads()
        .iter()
        .map(|r| r.id.clone())
        .collect();
    let mut built: Vec<String> = migrations
        .heads()
        .iter()
        .map(|m| m.revision.to_owned())
        .collect();
    on_disk.sort();
    built.sort();
    if on_disk != built {
        return Err(format!(
            "the versions folder's head ({}) is not this build's ({}): rebuild first (cargo build), then autogenerate",
            on_disk.join(", "),
            built.join(", ")
        ));
    }
    let head = head_schema(migrations)?;
    let (ops, notes) = if from_database {
        let mut engine = engine(migrations, cli, url).map_err(|e| e.to_string())?;
        let status = engine.status().map_err(|e| e.to_string())?;
        if !status.pending.is_empty() {
            return Err(format!(
                "the database is not at head ({} migration(s) pending): upgrade it first, so that the difference is only what was changed by hand",
                status.pending.len()
            ));
        }
        let d = engine.connection().dialect();
        let config = engine.config().clone();
        let live = crate::introspect::introspect(engine.connection(), &config)
            .map_err(|e| e.to_string())?;
        diff_with_notes(&head.as_stored_by(d), &live, &DiffScope::all())
    } else {
        let path = models
            .map(Path::to_path_buf)
            .unwrap_or_else(|| crate_dir(migrations).join("src/schema.rs"));
        let parsed = read_models(&path)?;
        diff_with_notes(&head, &parsed, &DiffScope::models())
    };
    if ops.is_empty() {
        return Ok(None);
    }
    let existing = crate::scaffold::scan(dir)?;
    let id = migrate_core::scan::new_revision_id(&existing);
    let parents: Vec<&str> = built.iter().map(String::as_str).collect();
    let comments: Vec<(usize, String)> = notes.into_iter().map(|n| (0, n)).collect();
    let text = crate::codegen::migration_file_commented(&id, &parents, message, &ops, &comments);
    let path = dir.join(migrate_core::scan::file_name(
        migrate_core::scan::today_utc(),
        &id,
        message,
    ));
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(Some(path))
}
