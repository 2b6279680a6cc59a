//! The command line (`migrate_runtime::cli::run`) over a short history that mixes DDL with
//! data statements that are not idempotent (a repeated `UPDATE v = v + 1` or `INSERT`
//! changes the rows, a skipped backfill leaves NULLs), for `tests/data_crash.rs`, which kills
//! it at random points and checks that the rows after the next run are those of a run that
//! was never interrupted.
//!
//! `DATA_PAUSE_MS=n` (default 0) makes the pause steps between statements sleep `n` ms, so
//! that kills land between them. Every data statement has a reverse, so the history also
//! goes down to base.
//!
//! ```text
//! DATABASE_URL=sqlite:///tmp/d.db cargo run -p migrate-tests --bin data_cli -- upgrade head
//! ```
use std::process::ExitCode;
use std::time::Duration;

use migrate_runtime::prelude::*;

/// Rows the seed migration inserts.
pub const ROWS: i64 = 3000;

fn pause(_: &mut DataConnection<'_>) -> Result<(), DataError> {
    let ms = std::env::var("DATA_PAUSE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    std::thread::sleep(Duration::from_millis(ms));
    Ok(())
}

fn pause_step() -> Op {
    op::data_step(DataStep::new("pause", pause).reverse(pause))
}

fn create() -> Vec<Op> {
    vec![
        op::create_table(
            Table::new("adv")
                .column(Column::new("id", Type::Integer).primary_key())
                .column(Column::new("v", Type::Integer).not_null()),
        ),
        op::create_table(
            Table::new("adv_log")
                .column(Column::new("id", Type::Integer).primary_key())
                .column(Column::new("note", Type::Varchar(40)).not_null()),
        ),
    ]
}

fn seed() -> Vec<Op> {
    let rows = (1..=ROWS)
        .map(|i| vec![Value::Int(i), Value::Int(i % 97)])
        .collect();
    vec![
        op::bulk_insert("adv", ["id", "v"], rows),
        pause_step(),
        op::execute(
            Execute::new("INSERT INTO adv_log (id, note) VALUES (1, 'seeded')")
                .reverse("DELETE FROM adv_log WHERE id = 1"),
        ),
    ]
}

fn bump() -> Vec<Op> {
    vec![
        // Two statements in one op: each is journaled on its own.
        op::execute(
            Execute::new("UPDATE adv SET v = v + 1; UPDATE adv SET v = v * 2")
                .reverse("UPDATE adv SET v = v / 2; UPDATE adv SET v = v - 1"),
        ),
        pause_step(),
        op::execute(
            Execute::new("INSERT INTO adv_log (id, note) VALUES (2, 'bumped')")
                .reverse("DELETE FROM adv_log WHERE id = 2"),
        ),
        pause_step(),
        op::execute(Execute::new("UPDATE adv SET v = v + 3").reverse("UPDATE adv SET v = v - 3")),
    ]
}

fn backfill() -> Vec<Op> {
    vec![
        op::add_column("adv", Column::new("w", Type::Integer)),
        pause_step(),
        op::execute(Execute::new("UPDATE adv SET w = v * 10").reverse("UPDATE adv SET w = NULL")),
        pause_step(),
        op::create_index("adv", Index::new(["w"])),
    ]
}

fn copy() -> Vec<Op> {
    vec![
        op::create_table(
            Table::new("adv_copy")
                .column(Column::new("id", Type::Integer).primary_key())
                .column(Column::new("v", Type::Integer).not_null())
                .index(Index::new(["v"])),
        ),
        pause_step(),
        op::execute(
            Execute::new("INSERT INTO adv_copy (id, v) SELECT id, v FROM adv WHERE id % 3 = 0")
                .reverse("DELETE FROM adv_copy"),
        ),
        pause_step(),
        op::execute(
            Execute::new("UPDATE adv SET v = v - 1 WHERE id % 7 = 0")
                .reverse("UPDATE adv SET v = v + 1 WHERE id % 7 = 0"),
        ),
    ]
}

static SET: [Migration; 5] = [
    Migration::new("da7a00000001", &[], create).at(file!(), 35),
    Migration::new("da7a00000002", &["da7a00000001"], seed).at(file!(), 50),
    Migration::new("da7a00000003", &["da7a00000002"], bump).at(file!(), 64),
    Migration::new("da7a00000004", &["da7a00000003"], backfill).at(file!(), 83),
    Migration::new("da7a00000005", &["da7a00000004"], copy).at(file!(), 93),
];

static MIGRATIONS: Migrations = Migrations::__from_sorted(&SET, "");

fn main() -> ExitCode {
    migrate_runtime::cli::run(&MIGRATIONS, "sqlite://data.db")
}
