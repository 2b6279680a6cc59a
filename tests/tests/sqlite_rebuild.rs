//! SQLite's table rebuild: consecutive changes to one table share one rebuild, a rebuilt
//! parent keeps its children's rows valid, and a rebuild that would leave rows pointing at
//! nothing fails through the `foreign_key_check` comparison made before the commit (the
//! harness checks as the engine does), changing nothing, while rows that pointed at
//! nothing before it do not stop it.
#![cfg(feature = "sqlite")]

use migrate_runtime::dialect::Statement;
use migrate_runtime::prelude::*;
use migrate_tests::{row, Backend, MigrateError, TestDb};

fn open(test: &str) -> TestDb {
    TestDb::open(Backend::Sqlite, test).expect("SQLite is always available")
}

fn rebuilds(statements: &[Statement]) -> Vec<&str> {
    statements
        .iter()
        .map(Statement::sql)
        .filter(|s| s.starts_with("CREATE TABLE \"_migrate_new_"))
        .collect()
}

fn shop(db: &mut TestDb) {
    db.migrate(&[
        op::create_table(
            Table::new("users")
                .column(
                    Column::new("id", Type::Integer)
                        .primary_key()
                        .autoincrement(),
                )
                .column(Column::new("email", Type::Text).not_null())
                .column(Column::new("age", Type::Integer))
                .index(Index::new(["email"]).unique()),
        ),
        op::create_table(
            Table::new("orders")
                .column(Column::new("id", Type::Integer).primary_key())
                .column(Column::new("user_id", Type::Integer).not_null())
                .column(Column::new("total", Type::Integer).not_null())
                .foreign_key(
                    ForeignKey::new(["user_id"], "users", ["id"]).on_delete(FkAction::Cascade),
                )
                .index(Index::new(["user_id"])),
        ),
    ]);
    db.exec("INSERT INTO users (id, email, age) VALUES (1, 'a@x', 30), (2, 'b@x', NULL), (3, 'c@x', 50)");
    db.exec("INSERT INTO orders (id, user_id, total) VALUES (10, 1, 100), (11, 1, 5), (12, 3, 7)");
}

#[test]
fn consecutive_changes_to_one_table_share_one_rebuild() {
    let mut db = open("sqlite_consecutive_changes_share_one_rebuild");
    shop(&mut db);
    let statements = db.migrate(&[
        op::add_column(
            "users",
            Column::new("name", Type::Text)
                .not_null()
                .server_default("?"),
        ),
        op::alter_column(
            "users",
            "age",
            AlterColumn::new().set_type(Type::BigInt).set_default(0),
        ),
        op::rename_column("users", "email", "mail"),
        op::create_check_constraint("users", Check::new("adult", "age IS NULL OR age >= 18")),
        op::create_index("users", Index::new(["name"])),
        op::drop_index("users", "ix_users_email"),
        op::create_unique_constraint("users", Unique::new(["mail"])),
        // Another table ends the run; then a new run on users.
        op::add_column("orders", Column::new("note", Type::Text)),
        op::alter_column("users", "name", AlterColumn::new().drop_default()),
    ]);
    let rebuilt = rebuilds(&statements);
    assert_eq!(rebuilt.len(), 2, "{statements:#?}");
    assert!(rebuilt
        .iter()
        .all(|s| s.starts_with("CREATE TABLE \"_migrate_new_users\"")));
    // The in-place ADD COLUMN on orders sits between the two rebuilds.
    assert!(statements
        .iter()
        .any(|s| s.sql() == "ALTER TABLE \"orders\" ADD COLUMN \"note\" TEXT"));
    assert_eq!(
        db.rows("users", &["id", "mail", "age", "name"], "id"),
        vec![
            row!["1", "a@x", "30", "?"],
            row!["2", "b@x", None, "?"],
            row!["3", "c@x", "50", "?"]
        ]
    );
    db.exec_err("INSERT INTO users (id, mail, age, name) VALUES (4, 'a@x', 20, 'x')");
    db.exec_err("INSERT INTO users (id, mail, age, name) VALUES (4, 'd@x', 10, 'x')");
    assert_eq!(db.count("SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
    assert_eq!(db.count("SELECT COUNT(*) FROM orders"), 3);

    // The downgrade also shares its rebuilds.
    let down = db.downgrade();
    assert_eq!(rebuilds(&down).len(), 2, "{down:#?}");
    assert_eq!(
        db.rows("users", &["id", "email", "age"], "id"),
        vec![
            row!["1", "a@x", "30"],
            row!["2", "b@x", None],
            row!["3", "c@x", "50"]
        ]
    );
    db.downgrade_all();
}

#[test]
fn rebuilding_a_parent_keeps_the_children_valid() {
    let mut db = open("sqlite_rebuilding_a_parent_keeps_children_valid");
    shop(&mut db);
    let statements = db.migrate(&[op::alter_column(
        "users",
        "email",
        AlterColumn::new().set_type(Type::Varchar(200)),
    )]);
    assert_eq!(rebuilds(&statements).len(), 1);
    assert_eq!(db.count("SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
    assert_eq!(
        db.rows("orders", &["id", "user_id", "total"], "id"),
        vec![
            row!["10", "1", "100"],
            row!["11", "1", "5"],
            row!["12", "3", "7"]
        ]
    );
    // The child's foreign key still points at the rebuilt table and still acts.
    db.exec("DELETE FROM users WHERE id = 1");
    assert_eq!(db.rows("orders", &["id"], "id"), vec![row!["12"]]);
    db.exec_err("INSERT INTO orders (id, user_id, total) VALUES (13, 99, 1)");
    // The autoincrement key goes on from where it was.
    db.exec("INSERT INTO users (email) VALUES ('d@x')");
    assert_eq!(db.count("SELECT MAX(id) FROM users"), 4);

    // Rebuilding the child keeps its rows and its key too.
    db.migrate(&[op::alter_column(
        "orders",
        "total",
        AlterColumn::new().set_type(Type::BigInt),
    )]);
    assert_eq!(
        db.rows("orders", &["id", "user_id", "total"], "id"),
        vec![row!["12", "3", "7"]]
    );
    db.exec_err("INSERT INTO orders (id, user_id, total) VALUES (13, 99, 1)");
    db.downgrade();
    db.downgrade();
    assert_eq!(
        db.rows("orders", &["id", "user_id", "total"], "id"),
        vec![row!["12", "3", "7"]]
    );
}

#[test]
fn a_rebuild_that_would_orphan_rows_fails_and_changes_nothing() {
    let mut db = open("sqlite_a_rebuild_that_would_orphan_rows_fails");
    db.migrate(&[
        op::create_table(
            Table::new("users").column(Column::new("id", Type::Integer).primary_key()),
        ),
        op::create_table(
            Table::new("orders")
                .column(Column::new("id", Type::Integer).primary_key())
                .column(Column::new("user_id", Type::Integer)),
        ),
    ]);
    db.exec("INSERT INTO users (id) VALUES (1)");
    db.exec("INSERT INTO orders (id, user_id) VALUES (10, 1), (11, 2)");
    let before = db.schema.clone();

    // Order 11 points at a user that does not exist: the new foreign key cannot hold.
    let fk = op::create_foreign_key("orders", ForeignKey::new(["user_id"], "users", ["id"]));
    match db.try_migrate(std::slice::from_ref(&fk)) {
        Err(MigrateError::Run(e)) => {
            assert!(e.sql.contains("foreign_key_check"), "{e}");
            assert!(
                e.message
                    .contains("left 1 row whose foreign key points at nothing (orders rowid 11 -> users (foreign key 0: user_id))"),
                "{e}"
            );
        }
        other => panic!(
            "expected the foreign key check to fail, got {:?}",
            other.map(|s| s.len())
        ),
    }
    // Rolled back: the table, its rows and the model are as before.
    assert_eq!(db.schema, before);
    assert_eq!(
        db.rows("orders", &["id", "user_id"], "id"),
        vec![row!["10", "1"], row!["11", "2"]]
    );
    assert_eq!(
        db.count("SELECT COUNT(*) FROM sqlite_master WHERE name LIKE '_migrate_new_%'"),
        0
    );
    db.exec("INSERT INTO orders (id, user_id) VALUES (12, 42)");

    // A row that pointed at nothing before a rebuild does not fail it: rebuilding the
    // parent, then the child, keeps it as it was.
    db.exec("DELETE FROM orders WHERE id <> 10");
    db.migrate(&[fk]);
    db.exec("PRAGMA foreign_keys = OFF");
    db.exec("INSERT INTO orders (id, user_id) VALUES (13, 7)");
    db.exec("PRAGMA foreign_keys = ON");
    db.migrate(&[op::alter_column(
        "users",
        "id",
        AlterColumn::new().set_type(Type::BigInt),
    )]);
    db.migrate(&[op::alter_column(
        "orders",
        "user_id",
        AlterColumn::new().set_type(Type::BigInt),
    )]);
    assert_eq!(
        db.rows("orders", &["id", "user_id"], "id"),
        vec![row!["10", "1"], row!["13", "7"]]
    );
    assert_eq!(db.count("SELECT COUNT(*) FROM pragma_foreign_key_check"), 1);
    // A new one still fails the migration that makes it, naming only that row.
    db.exec("INSERT INTO users (id) VALUES (2)");
    db.exec("INSERT INTO orders (id, user_id) VALUES (14, 2)");
    let before = db.schema.clone();
    let drop_two = [
        op::add_column("users", Column::new("note", Type::Text)),
        op::execute("DELETE FROM users WHERE id = 2"),
    ];
    match db.try_migrate(&drop_two) {
        Err(MigrateError::Run(e)) => {
            assert!(e.message.contains("left 1 row"), "{e}");
            assert!(e.message.contains("orders rowid 14 -> users"), "{e}");
            assert!(!e.message.contains("rowid 13"), "{e}");
        }
        other => panic!(
            "expected the foreign key check to fail, got {:?}",
            other.map(|s| s.len())
        ),
    }
    assert_eq!(db.schema, before);
    assert_eq!(db.count("SELECT COUNT(*) FROM users WHERE id = 2"), 1);
}

#[test]
fn a_rebuild_keeps_the_autoincrement_sequence() {
    let mut db = open("sqlite_a_rebuild_keeps_the_autoincrement_sequence");
    shop(&mut db);
    // The highest key was used and deleted: AUTOINCREMENT never hands it out again.
    db.exec("DELETE FROM orders WHERE user_id = 3");
    db.exec("DELETE FROM users WHERE id = 3");
    db.migrate(&[op::alter_column(
        "users",
        "age",
        AlterColumn::new().set_type(Type::BigInt),
    )]);
    db.exec("INSERT INTO users (email) VALUES ('d@x')");
    assert_eq!(db.count("SELECT MAX(id) FROM users"), 4);
    assert_eq!(
        db.count("SELECT COUNT(*) FROM sqlite_sequence WHERE name LIKE '_migrate_new_%'"),
        0
    );
}
