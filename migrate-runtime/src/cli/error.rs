//! Why a verb failed, as a type that carries the facts; [`CliError::render`] (in
//! `explain.rs`) makes the one line the user reads.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::authoring::import::ImportError;
use crate::authoring::models::ModelsError;
use crate::authoring::scaffold::ScaffoldError;
use crate::engine::EngineError;
use crate::introspect::IntrospectError;

/// Why a verb failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// The engine (or the connection under it) failed; rendered with an explanation of
    /// permission errors on its own tables.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A verb that changes the database was given SQLite's in-memory database.
    #[error("{shown} is an in-memory SQLite database, which keeps nothing once this command ends: give a file (sqlite://app.db); nothing was run")]
    InMemory {
        /// The URL, redacted and escaped.
        shown: String,
    },
    /// The `.env` file cannot be parsed.
    #[error("the .env file {}:{}{} cannot be parsed (an unterminated quote, or not KEY=value); fix or remove it; nothing was run",
        path.display(),
        line.map_or_else(String::new, |l| format!(" line {l}")),
        key.as_deref().map_or_else(String::new, |k| format!(" ({k}=...)")))]
    DotenvSyntax {
        /// The file.
        path: PathBuf,
        /// The line at fault, from 1, when found.
        line: Option<usize>,
        /// The variable it sets, when readable (never its value: it may be a password).
        key: Option<String>,
    },
    /// The `.env` file cannot be read.
    #[error("cannot read the .env file {}: {source}; nothing was run", path.display())]
    DotenvRead {
        /// The file.
        path: PathBuf,
        /// Why.
        source: dotenvy::Error,
    },
    /// `revision` or `merge` wrote no file.
    #[error(transparent)]
    Scaffold(#[from] ScaffoldError),
    /// `import` imported nothing.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// The models file cannot be read.
    #[error("cannot read the models {}: {source}", path.display())]
    ReadModels {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The models file is not diesel `table!` code this crate reads.
    #[error("{}: {source}", path.display())]
    Models {
        /// The file.
        path: PathBuf,
        /// What is wrong in it.
        source: ModelsError,
    },
    /// A file cannot be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The live schema cannot be read.
    #[error(transparent)]
    Introspect(#[from] IntrospectError),
    /// `revision --autogenerate` with `--head`.
    #[error("--autogenerate writes on the head of this build; --head does not go with it")]
    AutogenerateHead,
    /// `revision --autogenerate` from a build older than the versions folder.
    #[error("the versions folder's head ({}) is not this build's ({}): rebuild first (cargo build), then autogenerate", on_disk.join(", "), built.join(", "))]
    StaleBuild {
        /// The heads of the folder's files.
        on_disk: Vec<String>,
        /// The heads of this build.
        built: Vec<String>,
    },
    /// `revision --autogenerate` from a database not at head.
    #[error("the database is not at head ({pending} migration(s) pending): upgrade it first, so that the difference is only what was changed by hand")]
    NotAtHead {
        /// How many migrations are pending.
        pending: usize,
    },
}

impl CliError {
    /// The process's exit code: 2 for bad usage (nothing was tried), else 1.
    pub(crate) fn exit_code(&self) -> ExitCode {
        match self {
            CliError::InMemory { .. }
            | CliError::DotenvSyntax { .. }
            | CliError::DotenvRead { .. } => ExitCode::from(2),
            _ => ExitCode::from(1),
        }
    }
}

/// Loads the first `.env` of the working directory or its parents (as `dotenvy` finds
/// it), without overriding variables already set. None is fine; one that cannot be read
/// or parsed is an error naming the file and the line, since going on would silently use
/// the default URL. The line's text is not shown: it may hold a password.
pub(super) fn load_dotenv() -> Result<(), CliError> {
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
    Err(match error {
        dotenvy::Error::LineParse(text, _) => {
            let content = std::fs::read_to_string(&path).unwrap_or_default();
            let first = text.lines().next().unwrap_or("");
            let line = content
                .lines()
                .position(|l| !first.is_empty() && l == first)
                .map(|i| i + 1);
            let key = first
                .trim_start()
                .trim_start_matches("export ")
                .split('=')
                .next()
                .map(str::trim)
                .filter(|k| {
                    !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                })
                .map(str::to_owned);
            CliError::DotenvSyntax { path, line, key }
        }
        source => CliError::DotenvRead { path, source },
    })
}
