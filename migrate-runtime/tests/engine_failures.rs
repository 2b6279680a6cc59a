//! The engine on SQLite when something goes wrong: a failing statement rolls the whole run
//! back and the error says where the database is; an irreversible step stops a downgrade
//! before anything runs.

use migrate_runtime::engine::{Engine, EngineError};
use migrate_runtime::migration::{Migration, Migrations};
use migrate_runtime::prelude::*;

fn create_users() -> Vec<Op> {
    vec![op::create_table(
        Table::new("users").column(Column::new("id", Type::Integer).primary_key()),
    )]
}

fn broken_insert() -> Vec<Op> {
    vec![
        op::add_column("users", Column::new("name", Type::Text)),
        op::execute("INSERT INTO no_such_table VALUES (1)"),
    ]
}

fn seed_users() -> Vec<Op> {
    vec![op::bulk_insert("users", ["id"], vec![vec![1.into()]])]
}

const fn migration(
    revision: &'static str,
    down_revisions: &'static [&'static str],
    upgrade: fn() -> Vec<Op>,
) -> Migration {
    Migration::new(revision, down_revisions, upgrade).at("engine_failures.rs", 1)
}

static FAILING: Migrations = Migrations::__from_sorted(
    &[
        migration("aaaa0001", &[], create_users),
        migration("aaaa0002", &["aaaa0001"], broken_insert),
    ],
    "",
);

static IRREVERSIBLE: Migrations = Migrations::__from_sorted(
    &[
        migration("bbbb0001", &[], create_users),
        migration("bbbb0002", &["bbbb0001"], seed_users),
    ],
    "",
);

fn sqlite_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("t.db").display())
}

#[test]
fn a_failing_statement_rolls_the_whole_run_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = Engine::connect(&FAILING, &sqlite_url(&dir)).unwrap();
    let err = engine.upgrade().unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(
            err,
            EngineError::Failed {
                revision: "aaaa0002",
                index: 2,
                ..
            }
        ),
        "{text}"
    );
    assert!(text.contains("INSERT INTO no_such_table"), "{text}");
    assert!(
        text.contains("the run was rolled back: the database is at base"),
        "{text}"
    );
    assert!(engine.current().unwrap().is_empty());
    let users = engine
        .connection()
        .query_count("SELECT COUNT(*) FROM sqlite_master WHERE name = 'users'")
        .unwrap();
    assert_eq!(
        users, 0,
        "the first migration of the run was rolled back too"
    );
    // Up to the good revision still works.
    engine.upgrade_to("aaaa0001").unwrap();
    assert_eq!(engine.current().unwrap(), ["aaaa0001"]);
}

#[test]
fn an_irreversible_step_stops_the_downgrade_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = Engine::connect(&IRREVERSIBLE, &sqlite_url(&dir)).unwrap();
    engine.upgrade().unwrap();
    let err = engine.downgrade_to_base().unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(
            err,
            EngineError::Irreversible {
                revision: "bbbb0002",
                ..
            }
        ),
        "{text}"
    );
    assert!(text.contains("nothing was changed"), "{text}");
    assert_eq!(engine.current().unwrap(), ["bbbb0002"]);
    let rows = engine
        .connection()
        .query_count("SELECT COUNT(*) FROM users")
        .unwrap();
    assert_eq!(rows, 1);
}

#[test]
fn an_unknown_target_names_the_closest_revision_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = Engine::connect(&IRREVERSIBLE, &sqlite_url(&dir)).unwrap();
    let err = engine.upgrade_to("bbbb0x02").unwrap_err();
    assert_eq!(
        err.to_string(),
        "no revision \"bbbb0x02\": did you mean bbbb0002? (nothing was changed)"
    );
    assert!(engine.current().unwrap().is_empty());
}
