//! Start-up with the 300-migration chain embedded: the one call a service makes in `main`
//! at every boot, [`Migrations::run_pending`](migrate_runtime::Migrations::run_pending).
//!
//! ```text
//! cargo build --release -p migrate-tests --examples
//! target/release/examples/startup sqlite:///tmp/app.db
//! ```
//!
//! Prints how many migrations ran (0 when the database was already at head). Timed as a
//! whole process by `benches/engine.rs`, against `open_only`.
use std::process::ExitCode;

use migrate_tests::chain::CHAIN;

fn main() -> ExitCode {
    let Some(url) = std::env::args().nth(1) else {
        eprintln!("usage: startup DATABASE_URL");
        return ExitCode::from(2);
    };
    match CHAIN.run_pending(&url) {
        Ok(ran) => {
            println!("ran {}", ran.len());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
