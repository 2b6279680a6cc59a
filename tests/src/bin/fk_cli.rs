//! The command line (`migrate_runtime::cli::run`) over three migrations about foreign keys,
//! for `tests/foreign_keys.rs`: run as the shop's binary is run, a separate process with
//! `DATABASE_URL`, whose exit code and stderr lines the tests read.
//!
//! - `f0000001`: `users` and `orders` (`orders.user_id` references `users.id`, `ON DELETE
//!   CASCADE`), with users 1 and 2, orders 10 and 11 of user 1 and order 12 of user 2;
//! - `f0000002`: a `notes` table, unrelated;
//! - `f0000003`: what `FK_CASE` says:
//!   - `delete`: `DELETE FROM users WHERE id = 1` (its orders would cascade);
//!   - `insert`: an order for user 999, who does not exist;
//!   - `unrelated`: a column added to `notes`;
//!   - `rebuild`: `orders.total` becomes a BIGINT (a table rebuild on SQLite).
//!
//! ```text
//! DATABASE_URL=sqlite:///tmp/f.db FK_CASE=delete cargo run -p migrate-tests --bin fk_cli -- upgrade head
//! ```
use std::process::ExitCode;

use migrate_runtime::prelude::*;

fn shop() -> Vec<Op> {
    vec![
        op::create_table(
            Table::new("users")
                .column(Column::new("id", Type::Integer).primary_key())
                .column(Column::new("email", Type::Varchar(100)).not_null()),
        ),
        op::create_table(
            Table::new("orders")
                .column(Column::new("id", Type::Integer).primary_key())
                .column(Column::new("user_id", Type::Integer).not_null())
                .column(Column::new("total", Type::Integer).not_null())
                .foreign_key(
                    ForeignKey::new(["user_id"], "users", ["id"]).on_delete(FkAction::Cascade),
                ),
        ),
        op::execute("INSERT INTO users (id, email) VALUES (1, 'a@x'), (2, 'b@x')"),
        op::execute(
            "INSERT INTO orders (id, user_id, total) VALUES (10, 1, 100), (11, 1, 5), (12, 2, 7)",
        ),
    ]
}

fn notes() -> Vec<Op> {
    vec![op::create_table(
        Table::new("notes").column(Column::new("id", Type::Integer).primary_key()),
    )]
}

fn case() -> Vec<Op> {
    let case = std::env::var("FK_CASE").unwrap_or_default();
    vec![match case.as_str() {
        "delete" => op::execute("DELETE FROM users WHERE id = 1"),
        "insert" => op::execute("INSERT INTO orders (id, user_id, total) VALUES (20, 999, 1)"),
        "unrelated" => op::add_column("notes", Column::new("body", Type::Text)),
        "rebuild" => op::alter_column("orders", "total", AlterColumn::new().set_type(Type::BigInt)),
        other => {
            eprintln!("error: FK_CASE={other:?}: expected delete, insert, unrelated or rebuild");
            std::process::exit(2);
        }
    }]
}

static SET: [Migration; 3] = [
    Migration::new("f0000001", &[], shop).at(file!(), line!()),
    Migration::new("f0000002", &["f0000001"], notes).at(file!(), line!()),
    Migration::new("f0000003", &["f0000002"], case).at(file!(), line!()),
];

static MIGRATIONS: Migrations = Migrations::__from_sorted(&SET, "");

fn main() -> ExitCode {
    migrate_runtime::cli::run(&MIGRATIONS, "sqlite://fk.db")
}
