//! `migrate`: the tool to run before a migrations crate exists.
//!
//! ```text
//! cargo install --path migrate-runtime      # or: cargo run -p migrate-runtime --bin migrate -- ...
//! migrate init db                           # in the workspace root: creates ./db, adds it to members
//! cargo run -p db -- revision -m "create users"
//! ```
//!
//! Everything else (upgrade, revision, import, ...) is the migrations crate's own command
//! line, `cargo run -p <crate> -- --help`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use migrate_runtime::scaffold::{init, Runtime};

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
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
    }
}
