//! The shop example end to end, through its binary, on every backend compiled in:
//! upgrade in steps, the seed's `status` data migration checked on real rows both ways,
//! downgrade to base and up again.
//!
//! Each test gets a fresh database from the `migrate-tests` harness ([`TestDb`]) and runs
//! the binary with `DATABASE_URL` set to it.

use std::process::Command;

use migrate_runtime::dialect::Dialect;
use migrate_tests::{Backend, TestDb};

/// Runs the `migrations` binary on `db`: whether it succeeded, and its stdout and stderr.
fn cli(db: &TestDb, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_migrations"))
        .args(args)
        .env("DATABASE_URL", db.url())
        .output()
        .expect("run the migrations binary");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// [`cli`], asserting success; returns the output.
fn ok(db: &TestDb, args: &[&str]) -> String {
    let (ok, text) = cli(db, args);
    assert!(ok, "migrations {args:?} failed:\n{text}");
    text
}

/// The `status` of every order, as text, ordered by id.
fn statuses(db: &mut TestDb) -> Vec<String> {
    let text = if db.dialect() == Dialect::Mysql {
        "CHAR"
    } else {
        "TEXT"
    };
    db.conn()
        .query_strings(&format!(
            "SELECT CAST(status AS {text}) AS value FROM orders ORDER BY id"
        ))
        .unwrap()
}

fn shop_round_trip(backend: Backend) {
    let test = format!("shop_round_trip_{}", backend.dialect());
    let Some(mut db) = TestDb::open(backend, &test) else {
        return;
    };
    // Up to just before the status migration, with real rows in the old format.
    let out = ok(&db, &["upgrade", "9b2e4d6f8a01"]);
    assert!(out.contains("create shipping_addresses"), "{out}");
    db.exec("INSERT INTO users (email, name) VALUES ('ada@example.com', 'Ada')");
    db.exec("INSERT INTO items (name, price_cents, is_physical) VALUES ('book', 1200, TRUE)");
    for status in [0, 1, 7] {
        db.exec(&format!(
            "INSERT INTO orders (user_id, item_id, status) VALUES (1, 1, {status})"
        ));
    }

    let out = ok(&db, &["upgrade", "head"]);
    assert!(
        out.contains("orders status from integer codes to text"),
        "{out}"
    );
    assert!(out.contains("merge display_name and orders index"), "{out}");
    assert_eq!(statuses(&mut db), ["PENDING", "PAID", "UNKNOWN"]);
    assert!(ok(&db, &["current"]).contains("a0b1c2d3e4f5"));
    assert!(ok(&db, &["upgrade", "head"]).contains("nothing to do"));

    // The explicit downgrade maps the text back (an unknown code becomes -1).
    let out = ok(&db, &["downgrade", "9b2e"]);
    assert!(out.contains("downgrade c41d7e2a9f3b"), "{out}");
    assert_eq!(statuses(&mut db), ["0", "1", "-1"]);
    assert!(ok(&db, &["current"]).contains("9b2e4d6f8a01"));

    let out = ok(&db, &["downgrade", "base"]);
    assert!(out.contains("downgrade 1a2b3c4d5e6f"), "{out}");
    assert!(ok(&db, &["current"]).contains("at base"));
    ok(&db, &["upgrade"]);
    assert!(ok(&db, &["current"]).contains("a0b1c2d3e4f5"));
}

fn bad_input(backend: Backend) {
    let test = format!("shop_bad_input_{}", backend.dialect());
    let Some(db) = TestDb::open(backend, &test) else {
        return;
    };
    let (succeeded, text) = cli(&db, &["upgrade", "9b2e4d6f8a0x"]);
    assert!(!succeeded);
    assert!(
        text.contains("no revision \"9b2e4d6f8a0x\": did you mean 9b2e4d6f8a01?"),
        "{text}"
    );
    let (succeeded, text) = cli(&db, &["sideways"]);
    assert!(!succeeded && text.contains("Usage:"), "{text}");
    assert!(
        ok(&db, &["current"]).contains("at base"),
        "bad input changed nothing"
    );
}

#[cfg(feature = "sqlite")]
#[test]
fn shop_round_trip_sqlite() {
    shop_round_trip(Backend::Sqlite);
    bad_input(Backend::Sqlite);
}

#[cfg(feature = "postgres")]
#[test]
fn shop_round_trip_postgres() {
    shop_round_trip(Backend::Postgres);
    bad_input(Backend::Postgres);
}

#[cfg(feature = "mysql")]
#[test]
fn shop_round_trip_mysql() {
    shop_round_trip(Backend::Mysql);
    bad_input(Backend::Mysql);
}
