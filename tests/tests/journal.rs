//! MySQL's statement journal, at each point a kill can leave it (the kills themselves are in
//! `data_crash.rs` and `crash.rs`): a run killed between a statement and its journal entry
//! leaves the mark one statement behind, which these tests set up by hand, as the kill
//! would have left it, and then check what the next run does:
//!
//! - a DDL statement that ran is found by the schema read back and not run again, and the
//!   data statements after it run once;
//! - a `create_table` with an index cut off after the table: the index is created, once;
//!   cut off after both (schema statements get no journal entry of their own): neither runs
//!   again;
//! - raw SQL that commits by itself and was cut off is refused, naming the migration, the
//!   statement and the ways out, with nothing changed; `--resume-after N`
//!   (`Config::resume_after`) then finishes it;
//! - a migration edited since its journaled statements ran is refused;
//! - `current` and `stamp`: the mark is shown, and `stamp` clears it.
#![cfg(feature = "mysql")]

use migrate_runtime::connection::Connection;
use migrate_runtime::dialect::{render, Dialect, Statement};
use migrate_runtime::engine::{Config, Direction, Engine, EngineError};
use migrate_runtime::prelude::*;
use migrate_runtime::schema::Schema;
use migrate_tests::{Backend, TestDb};

const fn mig(
    revision: &'static str,
    down_revisions: &'static [&'static str],
    upgrade: fn() -> Vec<Op>,
) -> Migration {
    Migration::new(revision, down_revisions, upgrade).at(file!(), line!())
}

fn first() -> Vec<Op> {
    vec![op::create_table(
        Table::new("jt")
            .column(Column::new("id", Type::Integer).primary_key())
            .column(Column::new("v", Type::Integer).not_null()),
    )]
}

/// A column, its backfill, and a row that must be inserted once.
fn typed() -> Vec<Op> {
    vec![
        op::add_column("jt", Column::new("w", Type::Integer)),
        op::execute("UPDATE jt SET w = v + 7"),
        op::execute("INSERT INTO jt (id, v, w) VALUES (100, 1, 1)"),
    ]
}

/// A table with an index (two DDL statements), and a row.
fn indexed() -> Vec<Op> {
    vec![
        op::create_table(
            Table::new("jx")
                .column(Column::new("id", Type::Integer).primary_key())
                .column(Column::new("k", Type::Integer))
                .index(Index::new(["k"])),
        ),
        op::execute("INSERT INTO jt (id, v) VALUES (100, 1)"),
    ]
}

/// Raw DDL, then a row.
fn raw() -> Vec<Op> {
    vec![
        op::execute("CREATE TABLE jraw (id INT)"),
        op::execute("INSERT INTO jt (id, v) VALUES (100, 1)"),
    ]
}

static TYPED: Migrations = Migrations::__from_sorted(
    &[
        mig("e1000001", &[], first),
        mig("e1000002", &["e1000001"], typed),
    ],
    "",
);
static INDEXED: Migrations = Migrations::__from_sorted(
    &[
        mig("e1000001", &[], first),
        mig("e1000002", &["e1000001"], indexed),
    ],
    "",
);
static RAW: Migrations = Migrations::__from_sorted(
    &[
        mig("e1000001", &[], first),
        mig("e1000002", &["e1000001"], raw),
    ],
    "",
);

/// A database at `e1000001` with two rows, and the statements of `e1000002` as the engine
/// runs them there.
fn at_first(test: &str, set: &'static Migrations) -> Option<(TestDb, Vec<Statement>)> {
    let mut db = TestDb::open(Backend::Mysql, &format!("journal_{test}"))?;
    engine(set, &db, Config::default())
        .upgrade_to("e1000001")
        .expect("upgrade to the first migration");
    db.exec("INSERT INTO jt (id, v) VALUES (1, 10), (2, 20)");
    let mut schema = Schema::new();
    for op in first() {
        schema.apply(&op).expect("replays");
    }
    let ops = (set.as_slice()[1].upgrade)();
    let statements = render(Dialect::Mysql, &schema, &ops).expect("renders");
    Some((db, statements))
}

fn engine(set: &'static Migrations, db: &TestDb, config: Config) -> Engine<'static> {
    let conn = Connection::establish(db.url()).expect("connect to the test database");
    Engine::new(set, conn).with_config(config)
}

/// What a kill leaves when the run had journaled `done` statements, hashed as `hash`.
fn mark(db: &mut TestDb, done: usize, hash: &str) {
    db.exec(&format!(
        "INSERT INTO migrate_history (revision, direction, checksum, duration_ms) \
         VALUES ('e1000002', 'upgrading', '{hash}', {done})"
    ));
}

const EMPTY: &str = "0000000000000000";

fn rows(db: &mut TestDb) -> i64 {
    db.count("SELECT COUNT(*) FROM jt WHERE id = 100")
}

fn marks(db: &mut TestDb) -> i64 {
    db.count("SELECT COUNT(*) FROM migrate_history WHERE direction = 'upgrading'")
}

#[test]
fn ddl_that_ran_before_its_journal_entry_is_not_run_again() {
    let Some((mut db, statements)) = at_first("typed", &TYPED) else {
        return;
    };
    // Killed right after ADD COLUMN committed, before its journal entry.
    db.exec(statements[0].sql());
    mark(&mut db, 0, EMPTY);
    let ran = engine(&TYPED, &db, Config::default())
        .upgrade()
        .expect("resumes after the column");
    assert_eq!(ran.len(), 1);
    assert_eq!(rows(&mut db), 1, "the INSERT ran once");
    assert_eq!(
        db.count("SELECT COUNT(*) FROM jt WHERE w = v + 7 OR id = 100"),
        3,
        "the backfill ran"
    );
    assert_eq!(marks(&mut db), 0);
}

#[test]
fn an_index_cut_off_after_its_table_is_created_once() {
    let Some((mut db, statements)) = at_first("indexed", &INDEXED) else {
        return;
    };
    assert!(statements[0].sql().starts_with("CREATE TABLE"));
    assert!(statements[1].sql().starts_with("CREATE INDEX"));
    // Killed after CREATE TABLE, before its journal entry: the index is still to come.
    db.exec(statements[0].sql());
    mark(&mut db, 0, EMPTY);
    engine(&INDEXED, &db, Config::default())
        .upgrade()
        .expect("resumes at the index");
    assert_eq!(
        db.count(
            "SELECT COUNT(*) FROM information_schema.statistics \
             WHERE table_schema = DATABASE() AND table_name = 'jx' AND column_name = 'k'"
        ),
        1
    );
    assert_eq!(rows(&mut db), 1);
    assert_eq!(marks(&mut db), 0);
}

#[test]
fn schema_statements_that_all_ran_are_not_run_again() {
    let Some((mut db, statements)) = at_first("indexed_both", &INDEXED) else {
        return;
    };
    // Schema statements get no journal entry of their own: killed after both the table
    // and its index, the mark still says nothing is done; the schema says both are.
    db.exec(statements[0].sql());
    db.exec(statements[1].sql());
    mark(&mut db, 0, EMPTY);
    engine(&INDEXED, &db, Config::default())
        .upgrade()
        .expect("resumes at the INSERT");
    assert_eq!(rows(&mut db), 1, "the INSERT ran once");
    assert_eq!(marks(&mut db), 0);
}

#[test]
fn raw_sql_cut_off_is_refused_until_resumed_by_hand() {
    let Some((mut db, _)) = at_first("raw", &RAW) else {
        return;
    };
    db.exec("CREATE TABLE jraw (id INT)");
    mark(&mut db, 0, EMPTY);

    let mut e = engine(&RAW, &db, Config::default());
    let p = e.in_progress().expect("reads the mark").expect("a mark");
    assert_eq!(
        (p.direction, p.done, p.total),
        (Direction::Upgrade, 0, Some(2))
    );
    assert_eq!(p.next.as_deref(), Some("CREATE TABLE jraw (id INT)"));
    assert!(!e.status().expect("status").is_up_to_date());

    let err = e.upgrade().expect_err("cannot know whether it ran");
    assert!(matches!(err, EngineError::Interrupted { .. }), "{err}");
    let text = err.to_string();
    for wanted in [
        "migration e1000002",
        "statement 1 `CREATE TABLE jraw (id INT)`",
        "upgrade --resume-after N",
        "stamp",
        "nothing was changed",
    ] {
        assert!(text.contains(wanted), "wanted {wanted:?} in {text}");
    }
    assert_eq!(rows(&mut db), 0);
    assert_eq!(marks(&mut db), 1, "the mark stays");

    let config = Config {
        resume_after: Some(1),
        ..Config::default()
    };
    engine(&RAW, &db, config)
        .upgrade()
        .expect("resumes after statement 1");
    assert_eq!(rows(&mut db), 1);
    assert_eq!(marks(&mut db), 0);
}

#[test]
fn an_edit_of_the_statements_done_is_refused() {
    let Some((mut db, _)) = at_first("edited", &TYPED) else {
        return;
    };
    db.exec("ALTER TABLE jt ADD COLUMN w INT");
    mark(&mut db, 1, "0123456789abcdef");
    let err = engine(&TYPED, &db, Config::default())
        .upgrade()
        .expect_err("the journal's statements are not these");
    assert!(err.to_string().contains("edited since they ran"), "{err}");
    assert_eq!(rows(&mut db), 0);
}

#[test]
fn stamp_clears_the_mark() {
    let Some((mut db, _)) = at_first("stamp", &RAW) else {
        return;
    };
    mark(&mut db, 0, EMPTY);
    engine(&RAW, &db, Config::default())
        .stamp("e1000002", false)
        .expect("stamps");
    assert_eq!(marks(&mut db), 0);
    let mut e = engine(&RAW, &db, Config::default());
    assert!(e.in_progress().expect("reads").is_none());
    assert!(e.upgrade().expect("nothing to do").is_empty());
}
