//! Foreign keys during migrations (issue #15). SQLite runs migrations with foreign keys off,
//! so the engine compares `PRAGMA foreign_key_check` before and after each migration:
//! a migration that leaves new rows pointing at nothing (a parent deleted under its
//! children, a child inserted for a parent that does not exist) fails with one line and
//! is rolled back, in both transaction modes; rows that pointed at nothing before the run
//! do not stop it (a rebuild of their table included) and are reported as one warning
//! line. PostgreSQL and MariaDB refuse the insert themselves and cascade the delete.
//!
//! Through `src/bin/fk_cli.rs` (the command line over three migrations, the third chosen by
//! `FK_CASE`), on real databases; the `WITHOUT ROWID` case through the engine.
#![cfg(feature = "sqlite")]

use std::process::{Command, Stdio};

use migrate_runtime::connection::Connection;
use migrate_runtime::dialect::{catalog, Dialect};
use migrate_runtime::engine::{Engine, EngineError, Event};
use migrate_runtime::migration::{Migration, Migrations};
use migrate_runtime::prelude::{op, Op};
use migrate_tests::{Backend, TestDb};

const FK_CLI: &str = env!("CARGO_BIN_EXE_fk_cli");

/// A run of `fk_cli`.
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn text(&self) -> String {
        format!(
            "exit {}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    /// The lines of stderr starting with `prefix` (`error: `, `warning: `).
    fn lines(&self, prefix: &str) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.starts_with(prefix))
            .collect()
    }
}

fn fk_cli(db: &TestDb, case: &str, per_migration: bool, args: &[&str]) -> Out {
    let mut cmd = Command::new(FK_CLI);
    if per_migration {
        cmd.arg("--per-migration");
    }
    let out = cmd
        .args(args)
        .env("DATABASE_URL", db.url())
        .env("FK_CASE", case)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run fk_cli");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn fk_ok(db: &TestDb, case: &str, per_migration: bool, args: &[&str]) -> Out {
    let out = fk_cli(db, case, per_migration, args);
    assert_eq!(out.code, 0, "fk_cli {args:?}:\n{}", out.text());
    out
}

fn open(backend: Backend, test: &str) -> Option<TestDb> {
    TestDb::open(backend, &format!("fk_{}_{test}", backend.dialect()))
}

fn versions(db: &mut TestDb) -> Vec<String> {
    let sql = catalog::select_values(db.dialect(), "migrate_version", "revision");
    db.conn()
        .query_strings(&sql)
        .expect("read the version table")
}

fn history_len(db: &mut TestDb) -> i64 {
    db.count("SELECT COUNT(*) FROM migrate_history")
}

fn has_table(db: &mut TestDb, table: &str) -> bool {
    db.count(&catalog::table_exists(db.dialect(), table)) > 0
}

fn order_ids(db: &mut TestDb) -> Vec<String> {
    let text = if db.dialect() == Dialect::Mysql {
        "CHAR"
    } else {
        "TEXT"
    };
    db.conn()
        .query_strings(&format!(
            "SELECT CAST(id AS {text}) AS value FROM orders ORDER BY id"
        ))
        .expect("read the orders")
}

/// A database at `f0000001` (users 1 and 2, orders 10, 11 and 12).
fn at_shop(backend: Backend, test: &str) -> Option<TestDb> {
    let mut db = open(backend, test)?;
    fk_ok(&db, "unrelated", false, &["upgrade", "f0000001"]);
    assert_eq!(versions(&mut db), ["f0000001"]);
    Some(db)
}

/// Adds order 30 of user 777, who does not exist, behind SQLite's back (the test
/// connection checks foreign keys: a connection of its own, where they are off).
fn add_orphan(db: &TestDb) {
    let mut conn = Connection::establish(db.url()).expect("connect");
    conn.batch_execute("PRAGMA foreign_keys = OFF")
        .and_then(|()| {
            conn.batch_execute("INSERT INTO orders (id, user_id, total) VALUES (30, 777, 1)")
        })
        .expect("insert the orphan");
}

/// Runs `upgrade head` with `case`, which leaves new rows pointing at nothing, and checks
/// the refusal: exit 1, one error line naming the migration, `wanted` and the state;
/// nothing of the run kept (per migration, `f0000002` is). Returns the error line.
fn refused(db: &mut TestDb, case: &str, per_migration: bool, wanted: &[&str]) -> String {
    let history = history_len(db);
    let out = fk_cli(db, case, per_migration, &["-v", "upgrade", "head"]);
    assert_eq!(out.code, 1, "{}", out.text());
    let errors = out.lines("error: ");
    assert_eq!(errors.len(), 1, "one error line:\n{}", out.text());
    let line = errors[0];
    assert!(
        line.starts_with("error: migration f0000003 ("),
        "{}",
        out.text()
    );
    for w in wanted {
        assert!(line.contains(w), "wanted {w:?} in\n{line}");
    }
    let state = if per_migration {
        "the failed migration was rolled back and the ones before it stay committed: the database is at revision f0000002"
    } else {
        "the run was rolled back: the database is at revision f0000001, as before this run"
    };
    assert!(
        line.ends_with(state),
        "wanted {state:?} at the end of\n{line}"
    );
    let (at, ran) = if per_migration {
        ("f0000002", 1)
    } else {
        ("f0000001", 0)
    };
    assert_eq!(versions(db), [at]);
    assert_eq!(history_len(db), history + ran);
    assert_eq!(has_table(db, "notes"), per_migration);
    // Nothing of f0000003 stayed.
    assert_eq!(db.count("SELECT COUNT(*) FROM users"), 2);
    assert_eq!(db.count("SELECT COUNT(*) FROM orders WHERE id < 30"), 3);
    line.to_owned()
}

// ---------------------------------------------------------------------------------------
// SQLite
// ---------------------------------------------------------------------------------------

fn sqlite(test: &str) -> TestDb {
    at_shop(Backend::Sqlite, test).expect("SQLite is always available")
}

fn cascading_delete_fails(per_migration: bool) {
    let mut db = sqlite(&format!("delete_{per_migration}"));
    let line = refused(
        &mut db,
        "delete",
        per_migration,
        &[
            "left 2 rows whose foreign key points at nothing (orders rowid 10 -> users (foreign key 0: user_id); orders rowid 11 -> users (foreign key 0: user_id))",
            "SQLite runs migrations with foreign keys off",
        ],
    );
    assert!(!line.contains("rowid 12"), "{line}");
    assert_eq!(db.count("SELECT COUNT(*) FROM users WHERE id = 1"), 1);
    assert_eq!(db.count("SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
}

#[test]
fn sqlite_cascading_delete_fails_one_transaction() {
    cascading_delete_fails(false);
}

#[test]
fn sqlite_cascading_delete_fails_per_migration() {
    cascading_delete_fails(true);
}

fn insert_for_a_missing_parent_fails(per_migration: bool) {
    let mut db = sqlite(&format!("insert_{per_migration}"));
    refused(
        &mut db,
        "insert",
        per_migration,
        &["left 1 row whose foreign key points at nothing (orders rowid 20 -> users (foreign key 0: user_id))"],
    );
    assert_eq!(order_ids(&mut db), ["10", "11", "12"]);
}

#[test]
fn sqlite_insert_for_a_missing_parent_fails_one_transaction() {
    insert_for_a_missing_parent_fails(false);
}

#[test]
fn sqlite_insert_for_a_missing_parent_fails_per_migration() {
    insert_for_a_missing_parent_fails(true);
}

/// The warning line about order 30, which pointed at nothing before the run.
fn assert_one_warning(out: &Out) {
    let warnings = out.lines("warning: ");
    assert_eq!(warnings.len(), 1, "one warning line:\n{}", out.text());
    for w in [
        "warning: 1 row whose foreign key points at nothing was already there before this run (in table orders)",
        "`PRAGMA foreign_key_check;` in sqlite3",
    ] {
        assert!(warnings[0].contains(w), "wanted {w:?} in\n{}", out.text());
    }
}

fn existing_orphan_warns(case: &str, per_migration: bool) {
    let mut db = sqlite(&format!("orphan_{case}_{per_migration}"));
    add_orphan(&db);
    let out = fk_ok(&db, case, per_migration, &["upgrade", "head"]);
    assert_one_warning(&out);
    assert_eq!(out.lines("error: "), Vec::<&str>::new(), "{}", out.text());
    assert_eq!(versions(&mut db), ["f0000003"]);
    // The row is still there, and still the only one pointing at nothing.
    assert_eq!(order_ids(&mut db), ["10", "11", "12", "30"]);
    assert_eq!(db.count("SELECT COUNT(*) FROM pragma_foreign_key_check"), 1);
    if case == "rebuild" {
        assert_eq!(
            db.count(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'orders' AND sql LIKE '%\"total\" BIGINT%'"
            ),
            1
        );
    }
    // A run with nothing to do reads nothing and says nothing.
    let again = fk_ok(&db, case, per_migration, &["upgrade", "head"]);
    assert!(again.stderr.is_empty(), "{}", again.text());
}

#[test]
fn sqlite_existing_orphan_warns_one_transaction() {
    existing_orphan_warns("unrelated", false);
}

#[test]
fn sqlite_existing_orphan_warns_per_migration() {
    existing_orphan_warns("unrelated", true);
}

#[test]
fn sqlite_rebuild_of_the_orphans_table_warns_one_transaction() {
    existing_orphan_warns("rebuild", false);
}

#[test]
fn sqlite_rebuild_of_the_orphans_table_warns_per_migration() {
    existing_orphan_warns("rebuild", true);
}

/// An old orphan and a new one: the run fails, naming only the new one, after the warning
/// about the old one.
fn new_orphan_next_to_an_old_one_fails(per_migration: bool) {
    let mut db = sqlite(&format!("old_and_new_{per_migration}"));
    add_orphan(&db);
    let line = refused(
        &mut db,
        "insert",
        per_migration,
        &["left 1 row whose foreign key points at nothing (orders rowid 20 -> users"],
    );
    assert!(!line.contains("rowid 30"), "{line}");
    let out = fk_cli(&db, "insert", per_migration, &["upgrade", "head"]);
    assert_one_warning(&out);
    assert_eq!(order_ids(&mut db), ["10", "11", "12", "30"]);
}

#[test]
fn sqlite_new_orphan_next_to_an_old_one_fails_one_transaction() {
    new_orphan_next_to_an_old_one_fails(false);
}

#[test]
fn sqlite_new_orphan_next_to_an_old_one_fails_per_migration() {
    new_orphan_next_to_an_old_one_fails(true);
}

// `WITHOUT ROWID` tables report no rowid: their violations are counted.

fn wr_tables() -> Vec<Op> {
    vec![op::execute(
        "CREATE TABLE parents (id INTEGER PRIMARY KEY); \
         CREATE TABLE kids (name TEXT PRIMARY KEY, parent_id INTEGER REFERENCES parents (id)) WITHOUT ROWID",
    )]
}
fn wr_unrelated() -> Vec<Op> {
    vec![op::execute("INSERT INTO parents (id) VALUES (5)")]
}
fn wr_new_orphan() -> Vec<Op> {
    vec![op::execute(
        "INSERT INTO kids (name, parent_id) VALUES ('b', 8)",
    )]
}

static WITHOUT_ROWID: Migrations = Migrations::__from_sorted(
    &[
        Migration::new("e0000001", &[], wr_tables).at(file!(), line!()),
        Migration::new("e0000002", &["e0000001"], wr_unrelated).at(file!(), line!()),
        Migration::new("e0000003", &["e0000002"], wr_new_orphan).at(file!(), line!()),
    ],
    "",
);

#[test]
fn sqlite_without_rowid_violations_are_counted() {
    let mut db = open(Backend::Sqlite, "without_rowid").expect("SQLite");
    let engine = |db: &TestDb| {
        Engine::new(
            &WITHOUT_ROWID,
            Connection::establish(db.url()).expect("connect"),
        )
    };
    engine(&db)
        .upgrade_to("e0000001")
        .expect("create the tables");
    db.exec("PRAGMA foreign_keys = OFF");
    db.exec("INSERT INTO kids (name, parent_id) VALUES ('a', 7)");
    db.exec("PRAGMA foreign_keys = ON");

    let mut warnings = Vec::new();
    let result = engine(&db)
        .observe(|e| {
            if let Event::Warning(w) = e {
                warnings.push(w.clone());
            }
        })
        .upgrade_to("e0000002");
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("1 row whose foreign key points at nothing was already there before this run (in table kids)"),
        "{warnings:?}"
    );

    match engine(&db).upgrade() {
        Err(e @ EngineError::ForeignKeys { .. }) => {
            let text = e.to_string();
            assert!(
                text.starts_with("migration e0000003 (")
                    && text.contains("left 1 row whose foreign key points at nothing (kids (a WITHOUT ROWID row) -> parents (foreign key 0: parent_id))")
                    && text.ends_with("the run was rolled back: the database is at revision e0000002, as before this run"),
                "{text}"
            );
        }
        other => panic!("expected a foreign key failure, got {other:?}"),
    }
    assert_eq!(db.count("SELECT COUNT(*) FROM kids"), 1);
}

// ---------------------------------------------------------------------------------------
// PostgreSQL and MariaDB refuse the insert themselves, and cascade the delete.
// ---------------------------------------------------------------------------------------

#[cfg(any(feature = "postgres", feature = "mysql"))]
fn elsewhere(backend: Backend) {
    let Some(mut db) = at_shop(backend, "insert") else {
        return;
    };
    let out = fk_cli(&db, "insert", false, &["upgrade", "head"]);
    assert_eq!(out.code, 1, "{}", out.text());
    let errors = out.lines("error: ");
    assert_eq!(errors.len(), 1, "{}", out.text());
    assert!(
        errors[0].starts_with("error: migration f0000003 (")
            && errors[0].contains("failed at statement 1"),
        "{}",
        out.text()
    );
    // MySQL commits each migration as it runs: f0000002 stays.
    let at = if db.dialect() == Dialect::Mysql {
        "f0000002"
    } else {
        "f0000001"
    };
    assert_eq!(versions(&mut db), [at]);
    assert_eq!(order_ids(&mut db), ["10", "11", "12"]);

    let Some(mut db) = at_shop(backend, "delete") else {
        return;
    };
    let out = fk_ok(&db, "delete", false, &["upgrade", "head"]);
    assert!(out.stderr.is_empty(), "{}", out.text());
    assert_eq!(versions(&mut db), ["f0000003"]);
    assert_eq!(order_ids(&mut db), ["12"]);
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_refuses_the_insert_and_cascades_the_delete() {
    elsewhere(Backend::Postgres);
}

#[cfg(feature = "mysql")]
#[test]
fn mysql_refuses_the_insert_and_cascades_the_delete() {
    elsewhere(Backend::Mysql);
}
