//! The command line (`migrate_runtime::cli::run`) over the generated chain
//! ([`migrate_tests::chain::CHAIN`]), for the process tests (`tests/crash.rs`,
//! `tests/deployers.rs`, `tests/bad_input.rs`), which run it as the shop's binary is run: a
//! separate process with `DATABASE_URL`, killed, raced or fed bad input.
//!
//! It is a `[[bin]]` (not an example) so that cargo builds it before the integration tests
//! and gives them its path (`CARGO_BIN_EXE_chain_cli`).
//!
//! Environment variables change the set it embeds, so that one binary serves every test
//! (unset: the 300 migrations as generated):
//!
//! - `CHAIN_LEN=n`: only the first `n` migrations (a prefix of a linear chain is a valid
//!   set);
//! - `CHAIN_PAUSE_MS=n`: each migration ends with a data step that sleeps `n` ms
//!   (reversible), so that a kill lands inside migrations;
//! - `CHAIN_BROKEN_AT=i`: migration `i` (0-based) runs a statement that fails, after its
//!   own op (before it with `CHAIN_BROKEN_FIRST=1`);
//! - `CHAIN_EDITED_AT=i`: migration `i` (a `create table` one: `i % 3 == 0`) creates one
//!   more column, as if edited after it ran;
//! - `CHAIN_IRREVERSIBLE_AT=i`: migration `i` ends with raw SQL that has no reverse;
//! - `CHAIN_START_AT_MS=t`: sleep until the Unix time `t` (ms) before starting, so that
//!   racing processes start together;
//! - `CHAIN_MESSAGE_AT=i` with `CHAIN_MESSAGE=text`: migration `i`'s message is `text`
//!   (hostile text: newlines, escape sequences), as `revision -m` would have written it.
//!
//! ```text
//! DATABASE_URL=sqlite:///tmp/c.db CHAIN_LEN=12 \
//!     cargo run -p migrate-tests --bin chain_cli -- upgrade head
//! ```
use std::process::ExitCode;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use migrate_runtime::prelude::*;
use migrate_tests::chain::CHAIN;

/// What the environment asked for.
#[derive(Debug, Default)]
struct Settings {
    len: usize,
    pause_ms: u64,
    broken_at: Option<usize>,
    broken_first: bool,
    edited_at: Option<usize>,
    irreversible_at: Option<usize>,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

fn settings() -> &'static Settings {
    SETTINGS.get().expect("read in main")
}

fn var(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    match text.trim().parse() {
        Ok(n) => Some(n),
        Err(_) => {
            eprintln!("error: {name}={text:?} is not a number");
            std::process::exit(2);
        }
    }
}

fn index(name: &str) -> Option<usize> {
    var(name).map(|n| n as usize)
}

/// The ops of chain migration `i`, followed by the pause step when one is asked for.
fn base_ops(i: usize) -> Vec<Op> {
    let mut ops = (CHAIN.as_slice()[i].upgrade)();
    if settings().pause_ms > 0 {
        ops.push(op::data_step(DataStep::new("pause", pause).reverse(pause)));
    }
    ops
}

fn pause(_: &mut DataConnection<'_>) -> Result<(), DataError> {
    std::thread::sleep(Duration::from_millis(settings().pause_ms));
    Ok(())
}

/// Migration `I` as generated, plus the pause: one function per migration, since a
/// migration's `upgrade` is a plain function pointer.
fn paused<const I: usize>() -> Vec<Op> {
    base_ops(I)
}

type UpgradeFn = fn() -> Vec<Op>;

macro_rules! ten {
    ($b:literal) => {
        [
            paused::<{ $b }>,
            paused::<{ $b + 1 }>,
            paused::<{ $b + 2 }>,
            paused::<{ $b + 3 }>,
            paused::<{ $b + 4 }>,
            paused::<{ $b + 5 }>,
            paused::<{ $b + 6 }>,
            paused::<{ $b + 7 }>,
            paused::<{ $b + 8 }>,
            paused::<{ $b + 9 }>,
        ]
    };
}

/// `paused::<i>` for every migration of the chain, by tens.
static PAUSED: [[UpgradeFn; 10]; 30] = [
    ten!(0),
    ten!(10),
    ten!(20),
    ten!(30),
    ten!(40),
    ten!(50),
    ten!(60),
    ten!(70),
    ten!(80),
    ten!(90),
    ten!(100),
    ten!(110),
    ten!(120),
    ten!(130),
    ten!(140),
    ten!(150),
    ten!(160),
    ten!(170),
    ten!(180),
    ten!(190),
    ten!(200),
    ten!(210),
    ten!(220),
    ten!(230),
    ten!(240),
    ten!(250),
    ten!(260),
    ten!(270),
    ten!(280),
    ten!(290),
];

/// The statement a broken migration runs: valid SQL on every backend, failing on the
/// server (no such table).
pub const BROKEN_SQL: &str = "INSERT INTO no_such_table_here (id) VALUES (1)";

fn broken() -> Vec<Op> {
    let s = settings();
    let mut ops = base_ops(s.broken_at.expect("set"));
    let bad = op::execute(BROKEN_SQL);
    if s.broken_first {
        ops.insert(0, bad);
    } else {
        ops.push(bad);
    }
    ops
}

fn edited() -> Vec<Op> {
    let i = settings().edited_at.expect("set");
    let mut ops = base_ops(i);
    match ops.first_mut() {
        Some(Op::CreateTable(t)) => t.columns.push(Column::new("edited_note", Type::Text)),
        other => panic!("CHAIN_EDITED_AT={i} is not a create table migration: {other:?}"),
    }
    ops
}

fn irreversible() -> Vec<Op> {
    let i = settings().irreversible_at.expect("set");
    let mut ops = base_ops(i);
    ops.push(op::execute(format!(
        "UPDATE chain_{:03} SET name = name WHERE 1 = 0",
        i / 3
    )));
    ops
}

fn main() -> ExitCode {
    let s = Settings {
        len: index("CHAIN_LEN").unwrap_or(CHAIN.len()).min(CHAIN.len()),
        pause_ms: var("CHAIN_PAUSE_MS").unwrap_or(0),
        broken_at: index("CHAIN_BROKEN_AT"),
        broken_first: var("CHAIN_BROKEN_FIRST").unwrap_or(0) != 0,
        edited_at: index("CHAIN_EDITED_AT"),
        irreversible_at: index("CHAIN_IRREVERSIBLE_AT"),
    };
    SETTINGS.set(s).expect("set once");
    let s = settings();
    let mut set: Vec<Migration> = CHAIN.as_slice()[..s.len].to_vec();
    for (i, m) in set.iter_mut().enumerate() {
        if s.pause_ms > 0 {
            m.upgrade = PAUSED[i / 10][i % 10];
        }
        if s.broken_at == Some(i) {
            m.upgrade = broken;
        }
        if s.edited_at == Some(i) {
            m.upgrade = edited;
        }
        if s.irreversible_at == Some(i) {
            m.upgrade = irreversible;
        }
    }
    if let Some(i) = index("CHAIN_MESSAGE_AT") {
        let text = std::env::var("CHAIN_MESSAGE").unwrap_or_default();
        if let Some(m) = set.get_mut(i) {
            m.message = Box::leak(text.into_boxed_str());
        }
    }
    let set: &'static [Migration] = Box::leak(set.into_boxed_slice());
    let migrations: &'static Migrations =
        Box::leak(Box::new(Migrations::__from_sorted(set, CHAIN.dir())));

    if let Some(at) = var("CHAIN_START_AT_MS") {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        if at > now {
            std::thread::sleep(Duration::from_millis(at - now));
        }
    }
    migrate_runtime::cli::run(migrations, "sqlite://chain.db")
}
