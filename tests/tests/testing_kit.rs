//! `migrate_runtime::testing`, the kit users call from their own tests: each check passes on
//! a sound migration set and catches a broken one, on every backend compiled in.

use migrate_runtime::migration::{Downgrade, Migration, Migrations};
use migrate_runtime::prelude::{op, Column, Op, Table, Type};
use migrate_runtime::testing;
use migrate_tests::{Backend, TestDb};

const fn mig(
    revision: &'static str,
    down_revisions: &'static [&'static str],
    upgrade: fn() -> Vec<Op>,
    downgrade: Downgrade,
) -> Migration {
    Migration {
        downgrade,
        ..Migration::new(revision, down_revisions, upgrade).at(file!(), line!())
    }
}

fn users() -> Vec<Op> {
    vec![op::create_table(
        Table::new("users")
            .column(Column::new("id", Type::Integer).primary_key())
            .column(Column::new("email", Type::Varchar(200)).not_null()),
    )]
}
fn add_name() -> Vec<Op> {
    vec![op::add_column("users", Column::new("name", Type::Text))]
}
/// A hand-written downgrade that forgets the column it should drop.
fn forgetful_down() -> Vec<Op> {
    vec![op::execute("SELECT 1")]
}
/// Raw SQL that creates a table the ops do not describe.
fn sneaky() -> Vec<Op> {
    vec![op::execute(
        migrate_runtime::prelude::Execute::new("CREATE TABLE sneaky (id INTEGER)")
            .reverse("DROP TABLE sneaky"),
    )]
}

static SOUND: [Migration; 2] = [
    mig("aaaa00000001", &[], users, Downgrade::Derived),
    mig(
        "aaaa00000002",
        &["aaaa00000001"],
        add_name,
        Downgrade::Derived,
    ),
];
static FORGETFUL: [Migration; 2] = [
    mig("aaaa00000001", &[], users, Downgrade::Derived),
    mig(
        "bbbb00000002",
        &["aaaa00000001"],
        add_name,
        Downgrade::Explicit(forgetful_down),
    ),
];
static SNEAKY: [Migration; 2] = [
    mig("aaaa00000001", &[], users, Downgrade::Derived),
    mig(
        "cccc00000002",
        &["aaaa00000001"],
        sneaky,
        Downgrade::Derived,
    ),
];
static TWO_HEADS: [Migration; 3] = [
    mig("aaaa00000001", &[], users, Downgrade::Derived),
    mig(
        "dddd00000002",
        &["aaaa00000001"],
        add_name,
        Downgrade::Derived,
    ),
    mig(
        "eeee00000003",
        &["aaaa00000001"],
        sneaky,
        Downgrade::Derived,
    ),
];

fn set(migrations: &'static [Migration]) -> Migrations {
    Migrations::__from_sorted(migrations, "")
}

fn kit(backend: Backend) {
    let name = |n: &str| format!("kit_{n}_{}", backend.dialect());
    let sound = set(&SOUND);
    testing::single_head(&sound).unwrap();
    let Some(db) = TestDb::open(backend, &name("sound")) else {
        return;
    };
    testing::upgrade_base_to_head(&sound, db.url()).unwrap();
    let db = TestDb::open(backend, &name("sound_updown")).unwrap();
    testing::up_down_consistency(&sound, db.url()).unwrap();

    let db = TestDb::open(backend, &name("forgetful")).unwrap();
    let e = testing::up_down_consistency(&set(&FORGETFUL), db.url()).unwrap_err();
    assert!(
        e.to_string().contains(
            "migration bbbb00000002 (tests/tests/testing_kit.rs) is not undone by its downgrade"
        ),
        "{e}"
    );
    assert!(e.to_string().contains("\"users\".\"name\""), "{e}");

    let db = TestDb::open(backend, &name("sneaky")).unwrap();
    let e = testing::upgrade_base_to_head(&set(&SNEAKY), db.url()).unwrap_err();
    assert!(
        e.to_string().contains("after migration cccc00000002")
            && e.to_string().contains("create_table \"sneaky\""),
        "{e}"
    );
}

#[cfg(feature = "sqlite")]
#[test]
fn kit_sqlite() {
    kit(Backend::Sqlite);
}

#[cfg(feature = "postgres")]
#[test]
fn kit_postgres() {
    kit(Backend::Postgres);
}

#[cfg(feature = "mysql")]
#[test]
fn kit_mysql() {
    kit(Backend::Mysql);
}

#[test]
fn two_heads_and_wrong_models_are_caught() {
    let e = testing::single_head(&set(&TWO_HEADS)).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("expected one head, found 2: dddd00000002, eeee00000003"),
        "{e}"
    );
    let models = "diesel::table! { users (id) { id -> Integer, email -> Varchar, name -> Nullable<Text>, } }";
    testing::models_match_head(&set(&SOUND), models).unwrap();
    let wrong = "diesel::table! { users (id) { id -> Integer, email -> Varchar, } }";
    let e = testing::models_match_head(&set(&SOUND), wrong).unwrap_err();
    assert!(e.to_string().contains("\"users\".\"name\""), "{e}");
}
