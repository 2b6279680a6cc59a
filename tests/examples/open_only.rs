//! The baseline of the start-up benchmark: a process that opens the same database and
//! reads one row (the version table's head) and does nothing else.
//!
//! ```text
//! cargo build --release -p migrate-tests --examples
//! target/release/examples/open_only sqlite:///tmp/app.db
//! ```
use std::process::ExitCode;

use migrate_runtime::connection::Connection;
use migrate_runtime::dialect::catalog;

fn main() -> ExitCode {
    let Some(url) = std::env::args().nth(1) else {
        eprintln!("usage: open_only DATABASE_URL");
        return ExitCode::from(2);
    };
    let read = Connection::establish(&url)
        .map_err(|e| e.to_string())
        .and_then(|mut conn| {
            let sql = catalog::select_values(conn.dialect(), "migrate_version", "revision");
            conn.query_strings(&sql).map_err(|e| e.to_string())
        });
    match read {
        Ok(heads) => {
            println!("at {}", heads.join(" + "));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
