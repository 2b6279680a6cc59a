//! The shop's migrations, embedded in one binary.
//!
//! ```text
//! cargo run -p migrations -- upgrade head      # default: sqlite file shop.db, here
//! cargo run -p migrations -- current
//! cargo run -p migrations -- downgrade 9b2e     # a revision or a unique prefix of one
//! cargo run -p migrations -- downgrade base
//! DATABASE_URL=postgres://postgres@127.0.0.1/shop cargo run -p migrations --features postgres -- upgrade head
//! ```
//!
//! The full Alembic-style command line (history, revision, merge, --sql...) comes with the
//! CLI of `migrate_runtime`; until then this `main` runs the three verbs above.
use std::process::ExitCode;

use migrate_runtime::connection::redact_url;
use migrate_runtime::engine::Engine;
use migrations::MIGRATIONS;

const DEFAULT_URL: &str = "sqlite://shop.db";
const USAGE: &str = "usage: migrations (upgrade [TARGET] | downgrade TARGET | current)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
    let (verb, target) = match args.as_slice() {
        [] | ["upgrade"] => ("upgrade", "heads"),
        ["upgrade", target] => ("upgrade", *target),
        ["downgrade", target] => ("downgrade", *target),
        ["current"] => ("current", ""),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut engine = match Engine::connect(&MIGRATIONS, &url) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let result = match verb {
        "upgrade" => engine.upgrade_to(target),
        "downgrade" => engine.downgrade_to(target),
        _ => engine.current().map(|heads| {
            if heads.is_empty() {
                println!("{}: at base (no migration applied)", redact_url(&url));
            }
            for h in heads {
                let msg = MIGRATIONS.get(&h).map_or("", |m| m.message);
                println!("{h} ({msg})");
            }
            Vec::new()
        }),
    };
    match result {
        Ok(ran) => {
            for a in &ran {
                let msg = MIGRATIONS.get(a.revision).map_or("", |m| m.message);
                println!(
                    "{:9} {} {msg} ({} ms)",
                    a.direction, a.revision, a.duration_ms
                );
            }
            if ran.is_empty() && verb != "current" {
                println!("nothing to do: {} is already there", redact_url(&url));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
