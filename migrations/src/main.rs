//! The shop's migrations, embedded in one binary, with Alembic's verbs.
//!
//! ```text
//! cargo run -p migrations -- upgrade head      # default: the SQLite file shop.db, here
//! cargo run -p migrations -- history
//! cargo run -p migrations -- downgrade -1
//! cargo run -p migrations -- upgrade --sql --dialect postgres base:head
//! DATABASE_URL=postgres://postgres@127.0.0.1/shop cargo run -p migrations --features postgres -- upgrade head
//! ```
use std::process::ExitCode;

use migrations::MIGRATIONS;

fn main() -> ExitCode {
    migrate_runtime::cli::run(&MIGRATIONS, "sqlite://shop.db")
}
