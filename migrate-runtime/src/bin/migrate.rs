//! `migrate`: the tool to run before a migrations crate exists.
//!
//! ```text
//! cargo install --path migrate-runtime      # or: cargo run -p migrate-runtime --bin migrate -- ...
//! migrate init db                           # in the workspace root: creates ./db, adds it to members
//! cargo run -p db -- revision -m "create users"
//! ```
//!
//! `migrate revision` and `migrate merge` write new migration files into a versions folder
//! without building anything: when two branches' migrations make the build fail (two
//! heads), `migrate merge --dir db/versions -m "merge heads"` repairs it. Everything else
//! (upgrade, autogenerate, import, ...) is the migrations crate's own command line,
//! `cargo run -p <crate> -- --help`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use migrate_runtime::scaffold::{init, write_merge, write_revision, Runtime};

#[derive(Parser)]
#[command(
    about = "Creates a migrations crate in a cargo workspace (the counterpart of `alembic init`)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the migrations crate NAME in the workspace and add it to `members`.
    Init {
        /// The new crate's name (and folder).
        name: String,
        /// The workspace root [default: the current directory].
        #[arg(long, value_name = "DIR")]
        workspace: Option<PathBuf>,
        /// Depend on a local `migrate-runtime` checkout instead of the registry.
        #[arg(long, value_name = "PATH")]
        runtime_path: Option<PathBuf>,
    },
    /// Write a new, empty migration on the folder's head (no build needed).
    Revision {
        /// The versions folder.
        #[arg(long, value_name = "DIR", default_value = "versions")]
        dir: PathBuf,
        /// What the migration does.
        #[arg(short, long)]
        message: String,
        /// The parent revision (default: the single head).
        #[arg(long, value_name = "REV")]
        head: Option<String>,
    },
    /// Write a migration merging the folder's heads (no build needed).
    Merge {
        /// The versions folder.
        #[arg(long, value_name = "DIR", default_value = "versions")]
        dir: PathBuf,
        /// What the merge joins.
        #[arg(short, long)]
        message: String,
        /// The revisions to merge (default: every head).
        revs: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let written = match cli.command {
        Command::Revision { dir, message, head } => {
            write_revision(&dir, &message, head.as_deref(), &[], &[])
        }
        Command::Merge { dir, message, revs } => write_merge(&dir, &message, &revs),
        Command::Init { .. } => return init_command(cli.command),
    };
    match written {
        Ok(path) => {
            println!("wrote {}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn init_command(command: Command) -> ExitCode {
    match command {
        Command::Init {
            name,
            workspace,
            runtime_path,
        } => {
            let root = workspace.unwrap_or_else(|| PathBuf::from("."));
            let runtime = match runtime_path {
                Some(p) => Runtime::Path(p),
                None => Runtime::Version(env!("CARGO_PKG_VERSION").to_owned()),
            };
            match init(&root, &name, &runtime) {
                Ok(dir) => {
                    println!("created {}", dir.display());
                    println!("next: cargo run -p {name} -- revision -m \"first migration\"");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(1)
                }
            }
        }
        _ => unreachable!("only init"),
    }
}
