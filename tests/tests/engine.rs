//! The engine end to end on every backend compiled in: upgrade / downgrade cycles, a branch
//! and its merge, every target form, a failing migration in each transaction mode,
//! concurrent upgraders, the safety checks (unknown revision, edited migration,
//! irreversible step), stamp, data kept through non-destructive changes and a diesel data
//! step, configurable table names and `Migrations::run_pending`.
//!
//! Each test opens its own database (`TestDb::open`), so the tests run in parallel. The
//! migration sets are small and declared by hand as static arrays, in topological order.
//!
//! A test marked ignored with an "engine bug: ..." reason states the right behaviour and fails on
//! the engine as it is; `cargo test ... --test engine -- --include-ignored` runs it.

use std::sync::Barrier;

use diesel::prelude::*;
use migrate_runtime::connection::Connection;
use migrate_runtime::data::{DataConnection, DataError, DataStep};
use migrate_runtime::dialect::{catalog, Dialect};
use migrate_runtime::engine::{Config, Engine, EngineError, TransactionMode};
use migrate_runtime::migration::{Migration, Migrations};
use migrate_runtime::prelude::{op, AlterColumn, Column, Execute, Index, Op, Table, Type, Value};
use migrate_tests::{Backend, TestDb};

use migrate_tests::on_every_backend;

on_every_backend!(
    linear_cycle,
    linear_cycle_per_migration,
    branch_and_merge,
    every_target_form,
    label_head_picks_one_branch,
    failing_migration_per_run,
    failing_migration_per_migration,
    per_migration_lock_is_released,
    concurrent_upgraders_per_run,
    concurrent_upgraders_per_migration,
    concurrent_upgraders_fresh_database,
    unknown_revision_is_refused,
    edited_migration_is_refused,
    irreversible_step_stops_the_plan,
    failing_downgrade_per_run,
    failing_downgrade_per_migration,
    data_step_with_its_own_transaction,
    stamp,
    data_survives_non_destructive_changes,
    configurable_table_names,
    run_pending_at_head_does_nothing,
);

// ---------------------------------------------------------------------------------------
// Migration sets
// ---------------------------------------------------------------------------------------

const fn mig(
    revision: &'static str,
    down_revisions: &'static [&'static str],
    upgrade: fn() -> Vec<Op>,
) -> Migration {
    Migration::new(revision, down_revisions, upgrade).at(file!(), line!())
}

const fn labelled(
    revision: &'static str,
    down_revisions: &'static [&'static str],
    branch_labels: &'static [&'static str],
    upgrade: fn() -> Vec<Op>,
) -> Migration {
    mig(revision, down_revisions, upgrade).with_branch_labels(branch_labels)
}

const fn with_down(
    revision: &'static str,
    down_revisions: &'static [&'static str],
    upgrade: fn() -> Vec<Op>,
    downgrade: fn() -> Vec<Op>,
) -> Migration {
    mig(revision, down_revisions, upgrade).with_downgrade(downgrade)
}

/// `CREATE TABLE <name> (id INTEGER PRIMARY KEY)`.
fn id_table(name: &str) -> Op {
    op::create_table(Table::new(name).column(Column::new("id", Type::Integer).primary_key()))
}

// A linear chain of four.
fn lin_1() -> Vec<Op> {
    vec![id_table("lin_one")]
}
fn lin_2() -> Vec<Op> {
    vec![op::create_table(
        Table::new("lin_two")
            .column(Column::new("id", Type::Integer).primary_key())
            .column(Column::new("one_id", Type::Integer)),
    )]
}
/// `lin_2` edited after it ran: one more column.
fn lin_2_edited() -> Vec<Op> {
    vec![op::create_table(
        Table::new("lin_two")
            .column(Column::new("id", Type::Integer).primary_key())
            .column(Column::new("one_id", Type::Integer))
            .column(Column::new("note", Type::Text)),
    )]
}
fn lin_3() -> Vec<Op> {
    vec![op::add_column(
        "lin_one",
        Column::new("name", Type::Varchar(40)),
    )]
}
fn lin_4() -> Vec<Op> {
    vec![op::create_index("lin_one", Index::new(["name"]))]
}

const LIN: [&str; 4] = ["a1000001", "a1000002", "a1000003", "a1000004"];
const LIN_HEAD: &str = "a1000004";

static LINEAR: Migrations = Migrations::__from_sorted(
    &[
        mig("a1000001", &[], lin_1),
        mig("a1000002", &["a1000001"], lin_2),
        mig("a1000003", &["a1000002"], lin_3),
        mig("a1000004", &["a1000003"], lin_4),
    ],
    "",
);

/// `LINEAR` with its second migration edited.
static EDITED: Migrations = Migrations::__from_sorted(
    &[
        mig("a1000001", &[], lin_1),
        mig("a1000002", &["a1000001"], lin_2_edited),
        mig("a1000003", &["a1000002"], lin_3),
        mig("a1000004", &["a1000003"], lin_4),
    ],
    "",
);

// A branch and its merge: root -> left, root -> right, merge(left, right).
fn br_root() -> Vec<Op> {
    vec![id_table("br_root")]
}
fn br_left() -> Vec<Op> {
    vec![id_table("br_left")]
}
fn br_right() -> Vec<Op> {
    vec![id_table("br_right")]
}
fn br_merge() -> Vec<Op> {
    vec![id_table("br_merge")]
}

const BR_ROOT: &str = "b1000001";
const BR_LEFT: &str = "b2a00002";
const BR_RIGHT: &str = "b2b00003";
const BR_MERGE: &str = "b3000004";

static BRANCHY: Migrations = Migrations::__from_sorted(
    &[
        mig(BR_ROOT, &[], br_root),
        labelled(BR_LEFT, &[BR_ROOT], &["left"], br_left),
        labelled(BR_RIGHT, &[BR_ROOT], &["right"], br_right),
        mig(BR_MERGE, &[BR_LEFT, BR_RIGHT], br_merge),
    ],
    "",
);

// Targets: ids sharing prefixes and a branch label on a linear chain.
fn tg_1() -> Vec<Op> {
    vec![id_table("tg_one")]
}
fn tg_2() -> Vec<Op> {
    vec![id_table("tg_two")]
}
fn tg_3() -> Vec<Op> {
    vec![id_table("tg_three")]
}
fn tg_4() -> Vec<Op> {
    vec![id_table("tg_four")]
}

const TG: [&str; 4] = ["c0ffee01", "c0ffee02", "c1a00003", "c1b00004"];
const TG_TABLES: [&str; 4] = ["tg_one", "tg_two", "tg_three", "tg_four"];

static TARGETS: Migrations = Migrations::__from_sorted(
    &[
        mig("c0ffee01", &[], tg_1),
        labelled("c0ffee02", &["c0ffee01"], &["alpha"], tg_2),
        mig("c1a00003", &["c0ffee02"], tg_3),
        mig("c1b00004", &["c1a00003"], tg_4),
    ],
    "",
);

// Two unmerged heads (the embed macro refuses that; the engine supports it, as Alembic).
fn fk_root() -> Vec<Op> {
    vec![id_table("fk_root")]
}
fn fk_x1() -> Vec<Op> {
    vec![id_table("fk_x1")]
}
fn fk_x2() -> Vec<Op> {
    vec![id_table("fk_x2")]
}
fn fk_y1() -> Vec<Op> {
    vec![id_table("fk_y1")]
}

static FORKED: Migrations = Migrations::__from_sorted(
    &[
        mig("e1000001", &[], fk_root),
        labelled("e2a00002", &["e1000001"], &["xs"], fk_x1),
        mig("e3a00003", &["e2a00002"], fk_x2),
        labelled("e2b00004", &["e1000001"], &["ys"], fk_y1),
    ],
    "",
);

// The third of four fails at its second statement; `FIXED` is the same set, repaired.
fn fail_1() -> Vec<Op> {
    vec![id_table("fail_one")]
}
fn fail_2() -> Vec<Op> {
    vec![id_table("fail_two")]
}
fn fail_3_broken() -> Vec<Op> {
    vec![id_table("fail_three"), op::execute("THIS IS NOT SQL")]
}
fn fail_3_fixed() -> Vec<Op> {
    vec![
        id_table("fail_three"),
        op::execute(
            Execute::new("INSERT INTO fail_three (id) VALUES (1)")
                .reverse("DELETE FROM fail_three"),
        ),
    ]
}
fn fail_4() -> Vec<Op> {
    vec![id_table("fail_four")]
}

const FAIL: [&str; 4] = ["f1000001", "f1000002", "f1000003", "f1000004"];

static FAILING: Migrations = Migrations::__from_sorted(
    &[
        mig("f1000001", &[], fail_1),
        mig("f1000002", &["f1000001"], fail_2),
        mig("f1000003", &["f1000002"], fail_3_broken),
        mig("f1000004", &["f1000003"], fail_4),
    ],
    "",
);

static FIXED: Migrations = Migrations::__from_sorted(
    &[
        mig("f1000001", &[], fail_1),
        mig("f1000002", &["f1000001"], fail_2),
        mig("f1000003", &["f1000002"], fail_3_fixed),
        mig("f1000004", &["f1000003"], fail_4),
    ],
    "",
);

// An irreversible raw INSERT between two tables.
fn irr_1() -> Vec<Op> {
    vec![id_table("irr_one")]
}
fn irr_2() -> Vec<Op> {
    vec![op::execute("INSERT INTO irr_one (id) VALUES (1)")]
}
fn irr_3() -> Vec<Op> {
    vec![id_table("irr_three")]
}

static IRREVERSIBLE: Migrations = Migrations::__from_sorted(
    &[
        mig("9a000001", &[], irr_1),
        mig("9a000002", &["9a000001"], irr_2),
        mig("9a000003", &["9a000002"], irr_3),
    ],
    "",
);

// A downgrade that fails in the middle: the second migration's hand-written downgrade.
fn fd_1() -> Vec<Op> {
    vec![id_table("fd_one")]
}
fn fd_2() -> Vec<Op> {
    vec![id_table("fd_two")]
}
fn fd_2_down() -> Vec<Op> {
    vec![op::drop_table("fd_two"), op::execute("NOT SQL EITHER")]
}
fn fd_3() -> Vec<Op> {
    vec![id_table("fd_three")]
}

static FAILING_DOWN: Migrations = Migrations::__from_sorted(
    &[
        mig("fd000001", &[], fd_1),
        with_down("fd000002", &["fd000001"], fd_2, fd_2_down),
        mig("fd000003", &["fd000002"], fd_3),
    ],
    "",
);

// A data step that opens a diesel transaction of its own, in a run that fails later.
diesel::table! {
    /// `notes`, created by `7c000001`.
    notes (id) {
        /// The key.
        id -> Integer,
        /// Filled by the data step `7c000002`.
        body -> Nullable<Text>,
    }
}

fn tx_1() -> Vec<Op> {
    vec![
        op::create_table(
            Table::new("notes")
                .column(Column::new("id", Type::Integer).primary_key())
                .column(Column::new("body", Type::Text)),
        ),
        op::execute(Execute::new("INSERT INTO notes (id) VALUES (1)").reverse("DELETE FROM notes")),
    ]
}
fn tx_2() -> Vec<Op> {
    vec![op::data_step(
        DataStep::new("fill notes.body in a transaction", fill_bodies).reverse(clear_bodies),
    )]
}
fn tx_3_broken() -> Vec<Op> {
    vec![op::execute("THIS IS NOT SQL")]
}
fn tx_3() -> Vec<Op> {
    vec![id_table("tx_three")]
}

/// Ordinary diesel code: two updates that belong together, in `Connection::transaction`.
fn fill_bodies(conn: &mut DataConnection<'_>) -> Result<(), DataError> {
    migrate_runtime::with_diesel!(conn, |c| {
        diesel::Connection::transaction::<_, diesel::result::Error, _>(c, |c| {
            diesel::update(notes::table)
                .set(notes::body.eq("draft"))
                .execute(c)?;
            diesel::update(notes::table.filter(notes::id.eq(1)))
                .set(notes::body.eq("filled"))
                .execute(c)
        })
    })?;
    Ok(())
}

fn clear_bodies(conn: &mut DataConnection<'_>) -> Result<(), DataError> {
    migrate_runtime::with_diesel!(conn, |c| {
        diesel::update(notes::table)
            .set(notes::body.eq(None::<String>))
            .execute(c)
    })?;
    Ok(())
}

static TX_STEP_FAILING: Migrations = Migrations::__from_sorted(
    &[
        mig("7c000001", &[], tx_1),
        mig("7c000002", &["7c000001"], tx_2),
        mig("7c000003", &["7c000002"], tx_3_broken),
    ],
    "",
);

static TX_STEP: Migrations = Migrations::__from_sorted(
    &[
        mig("7c000001", &[], tx_1),
        mig("7c000002", &["7c000001"], tx_2),
        mig("7c000003", &["7c000002"], tx_3),
    ],
    "",
);

// Data through non-destructive changes, and a diesel data step.
diesel::table! {
    /// `items` as the data step sees it (after `da000007`).
    items (id) {
        /// The key.
        id -> Integer,
        /// Renamed from `name` by `da000005`.
        title -> Text,
        /// Added by `da000007`, filled by the data step `da000008`.
        note -> Nullable<Text>,
    }
}

fn data_1() -> Vec<Op> {
    vec![op::create_table(
        Table::new("items")
            .column(Column::new("id", Type::Integer).primary_key())
            .column(Column::new("name", Type::Varchar(50)).not_null()),
    )]
}
fn data_2() -> Vec<Op> {
    vec![op::bulk_insert(
        "items",
        ["id", "name"],
        vec![
            vec![1.into(), "apple".into()],
            vec![2.into(), "pear's".into()],
        ],
    )]
}
fn data_2_down() -> Vec<Op> {
    vec![op::execute("DELETE FROM items WHERE id IN (1, 2)")]
}
fn data_3() -> Vec<Op> {
    vec![op::execute(
        Execute::new("INSERT INTO items (id, name) VALUES (3, 'fig')")
            .reverse("DELETE FROM items WHERE id = 3"),
    )]
}
fn data_4() -> Vec<Op> {
    vec![op::add_column(
        "items",
        Column::new("qty", Type::Integer)
            .not_null()
            .server_default(5),
    )]
}
fn data_5() -> Vec<Op> {
    vec![op::rename_column("items", "name", "title")]
}
fn data_6() -> Vec<Op> {
    vec![op::create_index("items", Index::new(["title"]))]
}
fn data_7() -> Vec<Op> {
    vec![op::add_column("items", Column::new("note", Type::Text))]
}
fn data_8() -> Vec<Op> {
    vec![op::data_step(
        DataStep::new("fill items.note from title and id", fill_notes).reverse(clear_notes),
    )]
}
fn data_9() -> Vec<Op> {
    vec![op::add_column(
        "items",
        Column::new("legacy", Type::Varchar(20)),
    )]
}
fn data_a() -> Vec<Op> {
    vec![op::drop_column("items", "legacy")]
}
fn data_b() -> Vec<Op> {
    vec![op::alter_column(
        "items",
        "title",
        AlterColumn::new().set_type(Type::Varchar(100)),
    )]
}

/// Reads every row with diesel's query builder and writes `<title>#<id>` into `note`.
fn fill_notes(conn: &mut DataConnection<'_>) -> Result<(), DataError> {
    let filled = migrate_runtime::with_diesel!(conn, |c| {
        let rows: Vec<(i32, String)> = items::table
            .select((items::id, items::title))
            .order(items::id)
            .load(c)?;
        for (id, title) in &rows {
            diesel::update(items::table.find(*id))
                .set(items::note.eq(format!("{title}#{id}")))
                .execute(c)?;
        }
        Ok::<usize, diesel::result::Error>(rows.len())
    })?;
    if filled == 0 {
        return Err("no rows to fill".into());
    }
    Ok(())
}

fn clear_notes(conn: &mut DataConnection<'_>) -> Result<(), DataError> {
    migrate_runtime::with_diesel!(conn, |c| {
        diesel::update(items::table)
            .set(items::note.eq(None::<String>))
            .execute(c)
    })?;
    Ok(())
}

static DATA: Migrations = Migrations::__from_sorted(
    &[
        mig("da000001", &[], data_1),
        with_down("da000002", &["da000001"], data_2, data_2_down),
        mig("da000003", &["da000002"], data_3),
        mig("da000004", &["da000003"], data_4),
        mig("da000005", &["da000004"], data_5),
        mig("da000006", &["da000005"], data_6),
        mig("da000007", &["da000006"], data_7),
        mig("da000008", &["da000007"], data_8),
        mig("da000009", &["da000008"], data_9),
        mig("da00000a", &["da000009"], data_a),
        mig("da00000b", &["da00000a"], data_b),
    ],
    "",
);

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn tag(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "pg",
        Backend::Mysql => "mysql",
    }
}

/// A fresh database for this test on `backend` (`None`: the server is down, skipped).
fn open(backend: Backend, test: &str) -> Option<TestDb> {
    TestDb::open(backend, &format!("eng_{}_{test}", tag(backend)))
}

/// An engine on its own connection to `db`.
fn engine(set: &'static Migrations, db: &TestDb) -> Engine<'static> {
    let conn = Connection::establish(db.url()).expect("connect to the test database");
    Engine::new(set, conn)
}

fn engine_with(set: &'static Migrations, db: &TestDb, config: Config) -> Engine<'static> {
    engine(set, db).with_config(config)
}

fn per_migration() -> Config {
    Config {
        transaction: TransactionMode::PerMigration,
        ..Config::default()
    }
}

fn has_table(db: &mut TestDb, table: &str) -> bool {
    db.count(&catalog::table_exists(db.dialect(), table)) > 0
}

/// Every table of the database, sorted.
fn tables(db: &mut TestDb) -> Vec<String> {
    let sql = match db.dialect() {
        Dialect::Sqlite => {
            "SELECT name AS value FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        Dialect::Postgres => {
            "SELECT CAST(table_name AS TEXT) AS value FROM information_schema.tables \
             WHERE table_schema = current_schema() ORDER BY 1"
        }
        Dialect::Mysql => {
            "SELECT CAST(table_name AS CHAR) AS value FROM information_schema.tables \
             WHERE table_schema = DATABASE() ORDER BY 1"
        }
    };
    let mut tables = db.conn().query_strings(sql).expect("list the tables");
    tables.sort_unstable();
    tables
}

/// The revisions in version table `table`, read through the test's own connection.
fn versions_in(db: &mut TestDb, table: &str) -> Vec<String> {
    if !has_table(db, table) {
        return Vec::new();
    }
    let sql = catalog::select_values(db.dialect(), table, "revision");
    db.conn()
        .query_strings(&sql)
        .expect("read the version table")
}

fn versions(db: &mut TestDb) -> Vec<String> {
    versions_in(db, "migrate_version")
}

/// The rows of history table `table` as (revision, direction), oldest first.
fn history_in(db: &mut TestDb, table: &str) -> Vec<(String, String)> {
    if !has_table(db, table) {
        return Vec::new();
    }
    let sql = catalog::select_history(db.dialect(), table);
    db.conn().query_pairs(&sql).expect("read the history table")
}

fn history(db: &mut TestDb) -> Vec<(String, String)> {
    history_in(db, "migrate_history")
}

/// Expected history rows.
fn rows(revisions: &[&str], direction: &str) -> Vec<(String, String)> {
    revisions
        .iter()
        .map(|r| ((*r).to_owned(), direction.to_owned()))
        .collect()
}

/// What a refused command must leave untouched.
#[derive(Debug, PartialEq)]
struct State {
    versions: Vec<String>,
    history: Vec<(String, String)>,
    tables: Vec<String>,
}

fn state(db: &mut TestDb) -> State {
    State {
        versions: versions(db),
        history: history(db),
        tables: tables(db),
    }
}

/// The message of an `UnknownTarget` error (panics on anything else).
fn unknown_target<T: std::fmt::Debug>(r: Result<T, EngineError>) -> String {
    match r {
        Err(e @ EngineError::UnknownTarget(_)) => e.to_string(),
        other => panic!("expected UnknownTarget, got {other:?}"),
    }
}

fn revisions(ran: &[migrate_runtime::engine::Applied]) -> Vec<&'static str> {
    ran.iter().map(|a| a.revision).collect()
}

/// Values of `col` in `table` as text, ordered by `id`.
fn column(db: &mut TestDb, table: &str, col: &str) -> Vec<Option<String>> {
    let d = db.dialect();
    let ty = if d == Dialect::Mysql { "CHAR" } else { "TEXT" };
    let sql = format!(
        "SELECT CAST({} AS {ty}) AS value FROM {} ORDER BY {}",
        d.quote(col),
        d.quote(table),
        d.quote("id")
    );
    db.conn()
        .query_optional_strings(&sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn some(v: &[&str]) -> Vec<Option<String>> {
    v.iter().map(|s| Some((*s).to_owned())).collect()
}

/// Whether the column `col` of `table` exists.
fn has_column(db: &mut TestDb, table: &str, col: &str) -> bool {
    let d = db.dialect();
    let sql = match d {
        Dialect::Sqlite => format!(
            "SELECT COUNT(*) FROM pragma_table_info({}) WHERE name = {}",
            d.string_literal(table),
            d.string_literal(col)
        ),
        Dialect::Postgres => format!(
            "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name = {} AND column_name = {}",
            d.string_literal(table),
            d.string_literal(col)
        ),
        Dialect::Mysql => format!(
            "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE() \
             AND table_name = {} AND column_name = {}",
            d.string_literal(table),
            d.string_literal(col)
        ),
    };
    db.count(&sql) > 0
}

// ---------------------------------------------------------------------------------------
// 1. upgrade / downgrade base / upgrade on a linear chain
// ---------------------------------------------------------------------------------------

fn linear_cycle(backend: Backend) {
    linear_cycle_with(backend, "linear_cycle_run", Config::default());
}

fn linear_cycle_per_migration(backend: Backend) {
    linear_cycle_with(backend, "linear_cycle_mig", per_migration());
}

fn linear_cycle_with(backend: Backend, name: &str, config: Config) {
    {
        let Some(mut db) = open(backend, name) else {
            return;
        };
        let mut engine = engine_with(&LINEAR, &db, config);
        assert!(engine.current().unwrap().is_empty());
        assert!(engine.history().unwrap().is_empty());
        assert_eq!(engine.status().unwrap().pending.len(), 4);

        let ran = engine.upgrade().expect("upgrade");
        assert_eq!(revisions(&ran), LIN);
        assert!(ran.iter().all(|a| a.direction == "upgrade"));
        assert_eq!(engine.current().unwrap(), [LIN_HEAD]);
        assert_eq!(versions(&mut db), [LIN_HEAD]);
        assert_eq!(engine.history().unwrap(), rows(&LIN, "upgrade"));
        assert_eq!(history(&mut db), rows(&LIN, "upgrade"));
        assert!(has_table(&mut db, "lin_one"));
        assert!(has_table(&mut db, "lin_two"));
        assert!(has_column(&mut db, "lin_one", "name"));
        assert!(engine.status().unwrap().is_up_to_date());
        assert!(engine.upgrade().expect("upgrade at head").is_empty());

        let ran = engine.downgrade_to_base().expect("downgrade to base");
        let mut down = LIN;
        down.reverse();
        assert_eq!(revisions(&ran), down);
        assert!(ran.iter().all(|a| a.direction == "downgrade"));
        assert!(engine.current().unwrap().is_empty());
        assert!(versions(&mut db).is_empty());
        let mut expected = rows(&LIN, "upgrade");
        expected.extend(rows(&down, "downgrade"));
        assert_eq!(history(&mut db), expected);
        assert_eq!(
            tables(&mut db),
            ["migrate_history", "migrate_version"],
            "only the engine's tables are left at base"
        );
        assert!(engine.downgrade_to_base().expect("at base").is_empty());

        let ran = engine.upgrade().expect("upgrade again");
        assert_eq!(revisions(&ran), LIN);
        assert_eq!(engine.current().unwrap(), [LIN_HEAD]);
        expected.extend(rows(&LIN, "upgrade"));
        assert_eq!(history(&mut db), expected);
        assert_eq!(
            tables(&mut db),
            ["lin_one", "lin_two", "migrate_history", "migrate_version"]
        );
    }
}

// ---------------------------------------------------------------------------------------
// 2. a branch and its merge
// ---------------------------------------------------------------------------------------

fn branch_and_merge(backend: Backend) {
    let Some(mut db) = open(backend, "branch_merge") else {
        return;
    };
    let mut engine = engine(&BRANCHY, &db);

    // One branch tip, by id: its parent comes first, the other branch does not run.
    let ran = engine.upgrade_to(BR_LEFT).expect("upgrade to the left tip");
    assert_eq!(revisions(&ran), [BR_ROOT, BR_LEFT]);
    assert_eq!(versions(&mut db), [BR_LEFT]);
    assert!(has_table(&mut db, "br_left"));
    assert!(!has_table(&mut db, "br_right"));

    // Heads: the other branch, then the merge, once, after both parents.
    let ran = engine.upgrade_to("heads").expect("upgrade to heads");
    assert_eq!(revisions(&ran), [BR_RIGHT, BR_MERGE]);
    assert_eq!(versions(&mut db), [BR_MERGE]);
    assert_eq!(
        history(&mut db),
        rows(&[BR_ROOT, BR_LEFT, BR_RIGHT, BR_MERGE], "upgrade")
    );
    assert!(has_table(&mut db, "br_merge"));
    assert!(engine.upgrade().unwrap().is_empty());

    // One below the merge: both branch tips are heads again.
    let ran = engine.downgrade_to("-1").expect("undo the merge");
    assert_eq!(revisions(&ran), [BR_MERGE]);
    assert_eq!(versions(&mut db), [BR_LEFT, BR_RIGHT]);
    assert!(!has_table(&mut db, "br_merge"));

    // Down to the right branch: the left one is undone, the right one stays the head.
    let ran = engine
        .downgrade_to(BR_RIGHT)
        .expect("down to the right tip");
    assert_eq!(revisions(&ran), [BR_LEFT]);
    assert_eq!(versions(&mut db), [BR_RIGHT]);
    assert!(!has_table(&mut db, "br_left"));
    assert!(has_table(&mut db, "br_right"));

    // The left branch by its label, next to the right one: two heads.
    let ran = engine
        .upgrade_to("left")
        .expect("upgrade to the left label");
    assert_eq!(revisions(&ran), [BR_LEFT]);
    assert_eq!(versions(&mut db), [BR_LEFT, BR_RIGHT]);

    let ran = engine.upgrade().expect("merge again");
    assert_eq!(revisions(&ran), [BR_MERGE]);
    assert_eq!(versions(&mut db), [BR_MERGE]);

    // From the merge down to the left branch: merge and right undone, left stays.
    let ran = engine.downgrade_to(BR_LEFT).expect("down to the left tip");
    assert_eq!(revisions(&ran), [BR_MERGE, BR_RIGHT]);
    assert_eq!(versions(&mut db), [BR_LEFT]);
    assert!(has_table(&mut db, "br_left"));
    assert!(!has_table(&mut db, "br_right"));
    assert!(has_table(&mut db, "br_root"));

    // From both tips down to the root.
    engine.upgrade_to(BR_RIGHT).unwrap();
    assert_eq!(versions(&mut db), [BR_LEFT, BR_RIGHT]);
    let ran = engine.downgrade_to(BR_ROOT).expect("down to the root");
    assert_eq!(ran.len(), 2);
    assert_eq!(versions(&mut db), [BR_ROOT]);

    // From the root straight to the merge through `right@head`.
    let ran = engine.upgrade_to("right@head").expect("right@head");
    assert_eq!(revisions(&ran), [BR_LEFT, BR_RIGHT, BR_MERGE]);
    assert_eq!(versions(&mut db), [BR_MERGE]);

    let ran = engine.downgrade_to_base().expect("down to base");
    assert_eq!(revisions(&ran), [BR_MERGE, BR_RIGHT, BR_LEFT, BR_ROOT]);
    assert!(versions(&mut db).is_empty());
    assert_eq!(tables(&mut db), ["migrate_history", "migrate_version"]);
    let upgrades = history(&mut db)
        .iter()
        .filter(|(r, d)| r == BR_MERGE && d == "upgrade")
        .count();
    assert_eq!(upgrades, 3, "the merge ran once per upgrade through it");
}

// ---------------------------------------------------------------------------------------
// 3. every target form
// ---------------------------------------------------------------------------------------

/// Checks the version table holds `rev` and exactly the tables of the chain up to it exist.
fn at_target(db: &mut TestDb, rev: Option<&str>) {
    let n = rev.map_or(0, |r| TG.iter().position(|t| *t == r).unwrap() + 1);
    let expected: Vec<String> = rev.into_iter().map(str::to_owned).collect();
    assert_eq!(versions(db), expected);
    for (i, t) in TG_TABLES.iter().enumerate() {
        assert_eq!(has_table(db, t), i < n, "table {t} at {rev:?}");
    }
}

fn every_target_form(backend: Backend) {
    let Some(mut db) = open(backend, "targets") else {
        return;
    };
    let mut engine = engine(&TARGETS, &db);

    assert_eq!(revisions(&engine.upgrade_to("+1").unwrap()), [TG[0]]);
    at_target(&mut db, Some(TG[0]));
    assert_eq!(revisions(&engine.upgrade_to("+2").unwrap()), [TG[1], TG[2]]);
    at_target(&mut db, Some(TG[2]));
    assert_eq!(revisions(&engine.downgrade_to("-1").unwrap()), [TG[2]]);
    at_target(&mut db, Some(TG[1]));
    assert_eq!(
        revisions(&engine.upgrade_to("head").unwrap()),
        [TG[2], TG[3]]
    );
    at_target(&mut db, Some(TG[3]));
    assert_eq!(engine.downgrade_to("base").unwrap().len(), 4);
    at_target(&mut db, None);

    // A unique prefix, a branch label, label@head, a full id.
    assert_eq!(
        revisions(&engine.upgrade_to("c1a").unwrap()),
        [TG[0], TG[1], TG[2]]
    );
    at_target(&mut db, Some(TG[2]));
    assert_eq!(revisions(&engine.downgrade_to("alpha").unwrap()), [TG[2]]);
    at_target(&mut db, Some(TG[1]));
    assert_eq!(
        revisions(&engine.upgrade_to("alpha@head").unwrap()),
        [TG[2], TG[3]]
    );
    at_target(&mut db, Some(TG[3]));
    assert_eq!(
        revisions(&engine.downgrade_to("c0ffee01").unwrap()),
        [TG[3], TG[2], TG[1]]
    );
    at_target(&mut db, Some(TG[0]));

    // <id>+N, heads, <id>-N, base+N, head-N.
    assert_eq!(
        revisions(&engine.upgrade_to("c0ffee01+1").unwrap()),
        [TG[1]]
    );
    at_target(&mut db, Some(TG[1]));
    assert_eq!(
        revisions(&engine.upgrade_to("heads").unwrap()),
        [TG[2], TG[3]]
    );
    at_target(&mut db, Some(TG[3]));
    assert_eq!(
        revisions(&engine.downgrade_to("c1a00003-1").unwrap()),
        [TG[3], TG[2]]
    );
    at_target(&mut db, Some(TG[1]));
    assert_eq!(revisions(&engine.upgrade_to("head-1").unwrap()), [TG[2]]);
    at_target(&mut db, Some(TG[2]));
    assert_eq!(
        revisions(&engine.downgrade_to("base+1").unwrap()),
        [TG[2], TG[1]]
    );
    at_target(&mut db, Some(TG[0]));
    engine.upgrade_to("alpha").unwrap();
    at_target(&mut db, Some(TG[1]));

    // Targets that go nowhere: nothing runs, nothing is recorded.
    let before = state(&mut db);
    assert!(engine.upgrade_to("c0ffee01").unwrap().is_empty());
    assert!(engine.upgrade_to("alpha").unwrap().is_empty());
    assert!(engine.downgrade_to("c0ffee02").unwrap().is_empty());
    assert_eq!(state(&mut db), before);

    // Errors: each says why, and nothing changes.
    let e = unknown_target(engine.upgrade_to("c0ffee0"));
    assert!(e.contains("ambiguous"), "{e}");
    assert!(e.contains("c0ffee01") && e.contains("c0ffee02"), "{e}");
    assert!(e.contains("nothing was changed"), "{e}");
    let e = unknown_target(engine.downgrade_to("c1"));
    assert!(
        e.contains("ambiguous") && e.contains("c1a00003, c1b00004"),
        "{e}"
    );

    let e = unknown_target(engine.upgrade_to("c1b00005"));
    assert_eq!(
        e,
        "no revision \"c1b00005\": did you mean c1b00004? (nothing was changed)"
    );
    let e = unknown_target(engine.downgrade_to("c0ffef01"));
    assert!(e.contains("did you mean c0ffee01?"), "{e}");
    let e = unknown_target(engine.upgrade_to("alpah@head"));
    assert!(e.contains("did you mean alpha?"), "{e}");

    let e = unknown_target(engine.upgrade_to("+3"));
    assert!(e.contains("only 2 are above"), "{e}");
    let e = unknown_target(engine.upgrade_to("+1000000"));
    assert!(e.contains("only 2 are above"), "{e}");
    let e = unknown_target(engine.downgrade_to("-3"));
    assert!(e.contains("only 2 are applied"), "{e}");
    let e = unknown_target(engine.downgrade_to("c0ffee01-2"));
    assert!(e.contains("only 1 are applied"), "{e}");

    let e = unknown_target(engine.downgrade_to("c1b00004"));
    assert!(
        e.contains("a downgrade only goes back") && e.contains("c1a00003 is not applied"),
        "{e}"
    );
    let e = unknown_target(engine.downgrade_to("heads"));
    assert!(e.contains("a downgrade only goes back"), "{e}");
    let e = unknown_target(engine.upgrade_to("-1"));
    assert!(e.contains("upgrade goes up"), "{e}");
    let e = unknown_target(engine.downgrade_to("+1"));
    assert!(e.contains("downgrade goes down"), "{e}");

    for bad in ["", "+", "x@base", "c0ffee01; DROP TABLE tg_one", "-0"] {
        let e = unknown_target(engine.upgrade_to(bad));
        assert!(e.contains("bad target"), "{bad:?}: {e}");
    }
    assert_eq!(
        state(&mut db),
        before,
        "a refused target changed the database"
    );
    at_target(&mut db, Some(TG[1]));
}

fn label_head_picks_one_branch(backend: Backend) {
    let Some(mut db) = open(backend, "label_head") else {
        return;
    };
    let mut engine = engine(&FORKED, &db);
    let ran = engine.upgrade_to("xs@head").expect("xs@head");
    assert_eq!(revisions(&ran), ["e1000001", "e2a00002", "e3a00003"]);
    assert_eq!(versions(&mut db), ["e3a00003"]);
    assert!(!has_table(&mut db, "fk_y1"));
    let ran = engine.upgrade_to("ys@head").expect("ys@head");
    assert_eq!(revisions(&ran), ["e2b00004"]);
    assert_eq!(versions(&mut db), ["e2b00004", "e3a00003"]);
    assert!(engine.upgrade().unwrap().is_empty());
    // Down to one branch's head: the other branch is undone.
    let ran = engine.downgrade_to("xs@head").expect("down to xs@head");
    assert_eq!(revisions(&ran), ["e2b00004"]);
    assert_eq!(versions(&mut db), ["e3a00003"]);
    // The shared root stays while a branch needs it.
    engine.upgrade_to("ys").unwrap();
    let ran = engine
        .downgrade_to("e2b00004")
        .expect("down to the y branch");
    assert_eq!(revisions(&ran), ["e3a00003", "e2a00002"]);
    assert_eq!(versions(&mut db), ["e2b00004"]);
    assert!(has_table(&mut db, "fk_root"));
}

// ---------------------------------------------------------------------------------------
// 4. a failing migration
// ---------------------------------------------------------------------------------------

/// Upgrades `FAILING` from base with `config`, checks the error and the state it left, then
/// runs `FIXED` to head.
fn failing_migration(backend: Backend, name: &str, config: Config) {
    let Some(mut db) = open(backend, name) else {
        return;
    };
    let mode = config.transaction;
    let mut engine = engine_with(&FAILING, &db, config.clone());
    let err = engine.upgrade().unwrap_err();
    let text = err.to_string();
    let EngineError::Failed {
        revision,
        index,
        ref statement,
        ref state,
        ..
    } = err
    else {
        panic!("expected EngineError::Failed, got {err:?}");
    };
    assert_eq!(revision, FAIL[2], "{text}");
    assert_eq!(index, 2, "{text}");
    assert_eq!(statement, "THIS IS NOT SQL", "{text}");
    assert!(text.contains("migration f1000003"), "{text}");
    assert!(text.contains("failed at statement 2"), "{text}");

    let rolled_back = backend != Backend::Mysql && mode == TransactionMode::PerRun;
    if rolled_back {
        assert!(
            state.contains("the run was rolled back: the database is at base"),
            "{text}"
        );
        assert!(engine.current().unwrap().is_empty());
        assert!(versions(&mut db).is_empty());
        assert!(history(&mut db).is_empty());
        for t in ["fail_one", "fail_two", "fail_three", "fail_four"] {
            assert!(!has_table(&mut db, t), "{t} was left behind: {text}");
        }
    } else {
        assert!(
            state.contains("the database is at revision f1000002"),
            "{text}"
        );
        assert_eq!(engine.current().unwrap(), [FAIL[1]]);
        assert_eq!(versions(&mut db), [FAIL[1]]);
        let mut recorded = rows(&FAIL[..2], "upgrade");
        if backend == Backend::Mysql {
            // The failed migration's journal: statement 1 done, the run resumes at 2.
            recorded.extend(rows(&FAIL[2..3], "upgrading"));
        }
        assert_eq!(history(&mut db), recorded);
        assert!(has_table(&mut db, "fail_one"));
        assert!(has_table(&mut db, "fail_two"));
        assert!(!has_table(&mut db, "fail_four"));
        if backend == Backend::Mysql {
            // DDL commits at once: the failed migration's first statement stays, as said,
            // and the fixed run resumes after it (no manual clean-up).
            assert!(state.contains("MySQL cannot roll back DDL"), "{text}");
            assert!(state.contains("resumes there"), "{text}");
            assert!(has_table(&mut db, "fail_three"));
        } else {
            assert!(
                state.contains("the failed migration was rolled back"),
                "{text}"
            );
            assert!(!has_table(&mut db, "fail_three"));
        }
    }

    // Fixed: a new run completes (the failed run's engine is gone).
    drop(engine);
    let mut engine = engine_with(&FIXED, &db, config);
    let ran = engine.upgrade().expect("the fixed set runs");
    let expected: &[&str] = if rolled_back { &FAIL } else { &FAIL[2..] };
    assert_eq!(revisions(&ran), expected);
    assert_eq!(versions(&mut db), [FAIL[3]]);
    assert_eq!(history(&mut db), rows(&FAIL, "upgrade"));
    assert_eq!(db.count("SELECT COUNT(*) FROM fail_three"), 1);
    assert_eq!(engine.downgrade_to_base().unwrap().len(), 4);
    assert_eq!(tables(&mut db), ["migrate_history", "migrate_version"]);
}

fn failing_migration_per_run(backend: Backend) {
    failing_migration(backend, "failing_run", Config::default());
}

fn failing_migration_per_migration(backend: Backend) {
    failing_migration(backend, "failing_mig", per_migration());
}

// ---------------------------------------------------------------------------------------
// 5. concurrent upgraders
// ---------------------------------------------------------------------------------------

const UPGRADERS: usize = 8;

/// `UPGRADERS` threads, each with its own connection and engine, call `upgrade()` at once
/// on the database at `url`; returns what each one ran, or the errors.
fn upgrade_at_once(url: &str, config: &Config) -> Vec<&'static str> {
    let barrier = Barrier::new(UPGRADERS);
    let results: Vec<Result<Vec<&'static str>, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..UPGRADERS)
            .map(|_| {
                let (barrier, config) = (&barrier, config.clone());
                s.spawn(move || {
                    let conn = Connection::establish(url).map_err(|e| e.to_string());
                    barrier.wait();
                    let mut engine = Engine::new(&LINEAR, conn?).with_config(config);
                    engine
                        .upgrade()
                        .map(|ran| revisions(&ran))
                        .map_err(|e| e.to_string())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let errors: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        errors.is_empty(),
        "{} of {UPGRADERS} upgraders failed: {errors:#?}",
        errors.len()
    );
    let mut ran: Vec<&str> = results.into_iter().flat_map(Result::unwrap).collect();
    ran.sort_unstable();
    ran
}

/// Three rounds on one database whose engine tables exist (made by a `stamp base`), with a
/// downgrade to base between rounds.
fn concurrent_upgraders(backend: Backend, name: &str, config: Config) {
    let Some(mut db) = open(backend, name) else {
        return;
    };
    let mut engine = engine_with(&LINEAR, &db, config.clone());
    assert!(engine.stamp("base", false).unwrap().is_empty());
    let mut expected = Vec::new();
    for round in 0..3 {
        let ran = upgrade_at_once(db.url(), &config);
        assert_eq!(ran, LIN, "round {round}: each migration ran exactly once");
        expected.extend(rows(&LIN, "upgrade"));
        assert_eq!(
            history(&mut db),
            expected,
            "round {round}: one upgrade row per migration"
        );
        assert_eq!(versions(&mut db), [LIN_HEAD], "round {round}");
        assert!(has_table(&mut db, "lin_two"));
        assert_eq!(engine.downgrade_to_base().unwrap().len(), 4);
        expected.extend(rows(
            &["a1000004", "a1000003", "a1000002", "a1000001"],
            "downgrade",
        ));
    }
}

fn concurrent_upgraders_per_run(backend: Backend) {
    concurrent_upgraders(backend, "conc_run", Config::default());
}

fn concurrent_upgraders_per_migration(backend: Backend) {
    concurrent_upgraders(backend, "conc_mig", per_migration());
}

/// Three rounds, each on a fresh, empty database: the upgraders also race to create the
/// engine's own tables.
fn concurrent_upgraders_fresh_database(backend: Backend) {
    for round in 0..3 {
        let Some(mut db) = open(backend, &format!("conc_fresh_{round}")) else {
            return;
        };
        let ran = upgrade_at_once(db.url(), &Config::default());
        assert_eq!(ran, LIN, "round {round}: each migration ran exactly once");
        assert_eq!(history(&mut db), rows(&LIN, "upgrade"), "round {round}");
        assert_eq!(versions(&mut db), [LIN_HEAD], "round {round}");
    }
}

/// After a per-migration run (successful or failed), another session can take the
/// migration lock: the run released it.
fn per_migration_lock_is_released(backend: Backend) {
    let Some(mut db) = open(backend, "mig_lock") else {
        return;
    };
    let d = db.dialect();
    let mut engine = engine_with(&FAILING, &db, per_migration());
    // The engine's session, seen from the test's own connection.
    let session = match d {
        Dialect::Sqlite => 0,
        Dialect::Postgres => engine
            .connection()
            .query_count("SELECT pg_backend_pid()")
            .unwrap(),
        Dialect::Mysql => engine
            .connection()
            .query_count("SELECT CONNECTION_ID()")
            .unwrap(),
    };
    // Whether the engine's session holds no migration lock (SQLite has none between runs).
    let lock_is_free = |db: &mut TestDb| match d {
        Dialect::Sqlite => true,
        Dialect::Postgres => {
            db.count(&format!(
                "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = {session}"
            )) == 0
        }
        Dialect::Mysql => {
            db.count(&format!(
                "SELECT CASE WHEN IS_USED_LOCK('migrate:migrate_version') = {session} \
                 THEN 1 ELSE 0 END"
            )) == 0
        }
    };
    let ran = engine.upgrade_to(FAIL[1]);
    assert_eq!(
        revisions(&ran.expect("a successful per-migration run")),
        &FAIL[..2]
    );
    assert!(
        lock_is_free(&mut db),
        "the lock is still held after a successful run"
    );
    assert!(matches!(
        engine.upgrade(),
        Err(EngineError::Failed {
            revision: "f1000003",
            ..
        })
    ));
    assert!(
        lock_is_free(&mut db),
        "the lock is still held after a failed run"
    );
    let ran = engine.downgrade_to_base();
    if backend == Backend::Mysql {
        // The failed migration is half done: a run in either direction resumes it first,
        // and fails at the same statement, until it is fixed or stamped.
        assert!(matches!(ran, Err(EngineError::Failed { .. })), "{ran:?}");
    } else {
        assert_eq!(ran.expect("a per-migration downgrade").len(), 2);
    }
    assert!(
        lock_is_free(&mut db),
        "the lock is still held after a downgrade"
    );
}

// ---------------------------------------------------------------------------------------
// 6. safety checks
// ---------------------------------------------------------------------------------------

const UNKNOWN: &str = "feedface99";

fn assert_unknown_revision<T: std::fmt::Debug>(what: &str, r: Result<T, EngineError>) {
    match r {
        Err(ref e @ EngineError::UnknownRevision { ref revision }) => {
            assert_eq!(revision, UNKNOWN, "{what}");
            let text = e.to_string();
            assert!(text.contains(UNKNOWN), "{what}: {text}");
            assert!(text.contains("nothing was changed"), "{what}: {text}");
        }
        other => panic!("{what}: expected UnknownRevision, got {other:?}"),
    }
}

fn unknown_revision_is_refused(backend: Backend) {
    let Some(mut db) = open(backend, "unknown_rev") else {
        return;
    };
    let mut engine = engine(&LINEAR, &db);
    engine.upgrade_to(LIN[1]).unwrap();
    let d = db.dialect();
    db.exec(&catalog::insert_row(
        d,
        "migrate_version",
        &["revision"],
        vec![Value::from(UNKNOWN)],
    ));
    let before = state(&mut db);
    assert_eq!(before.versions, [LIN[1], UNKNOWN]);

    assert_unknown_revision("upgrade", engine.upgrade());
    assert_unknown_revision("upgrade head", engine.upgrade_to("head"));
    assert_unknown_revision("upgrade +1", engine.upgrade_to("+1"));
    assert_unknown_revision("upgrade id", engine.upgrade_to(LIN_HEAD));
    assert_unknown_revision("downgrade base", engine.downgrade_to_base());
    assert_unknown_revision("downgrade -1", engine.downgrade_to("-1"));
    assert_unknown_revision("downgrade id", engine.downgrade_to(LIN[0]));
    assert_unknown_revision("stamp", engine.stamp("head", false));
    assert_unknown_revision("status", engine.status().map(|s| s.current));
    assert_eq!(state(&mut db), before);

    // Only the unknown revision alone, too.
    db.exec(&catalog::delete_eq(
        d,
        "migrate_version",
        "revision",
        LIN[1],
    ));
    let before = state(&mut db);
    assert_unknown_revision("upgrade alone", engine.upgrade());
    assert_unknown_revision("downgrade alone", engine.downgrade_to_base());
    assert_eq!(state(&mut db), before);
}

fn edited_migration_is_refused(backend: Backend) {
    let Some(mut db) = open(backend, "edited") else {
        return;
    };
    engine(&LINEAR, &db).upgrade_to(LIN[1]).unwrap();
    let before = state(&mut db);

    let mut edited = engine(&EDITED, &db);
    let status = edited.status().unwrap();
    assert_eq!(status.edited.len(), 1);
    assert_eq!(status.edited[0].revision, LIN[1]);
    assert!(!status.is_up_to_date());
    for (what, r) in [
        ("upgrade", edited.upgrade()),
        ("downgrade", edited.downgrade_to_base()),
        ("downgrade -1", edited.downgrade_to("-1")),
    ] {
        match r {
            Err(EngineError::Edited(ref e)) => {
                assert_eq!(e.revision, LIN[1], "{what}");
                assert_ne!(e.recorded, e.current, "{what}");
                let text = r.unwrap_err().to_string();
                assert!(
                    text.contains("migration a1000002")
                        && text.contains("was edited after it ran")
                        && text.contains("nothing was changed"),
                    "{what}: {text}"
                );
            }
            other => panic!("{what}: expected Edited, got {other:?}"),
        }
    }
    assert_eq!(state(&mut db), before);

    // Allowed explicitly: the run goes on.
    let mut allowed = engine_with(
        &EDITED,
        &db,
        Config {
            allow_edited: true,
            ..Config::default()
        },
    );
    let ran = allowed.upgrade().expect("allowed upgrade");
    assert_eq!(revisions(&ran), &LIN[2..]);
    assert_eq!(versions(&mut db), [LIN_HEAD]);
    let ran = allowed.downgrade_to_base().expect("allowed downgrade");
    assert_eq!(ran.len(), 4);
    assert!(!has_table(&mut db, "lin_two"));

    // Once undone, the edited migration runs as it is now and is no longer "edited".
    let mut edited = engine(&EDITED, &db);
    edited.upgrade().expect("fresh run of the edited set");
    assert!(edited.status().unwrap().is_up_to_date());
    assert!(has_column(&mut db, "lin_two", "note"));
}

fn irreversible_step_stops_the_plan(backend: Backend) {
    let Some(mut db) = open(backend, "irreversible") else {
        return;
    };
    let mut engine = engine(&IRREVERSIBLE, &db);
    engine.upgrade().unwrap();
    let before = state(&mut db);
    for (what, r) in [
        ("base", engine.downgrade_to_base()),
        ("-2", engine.downgrade_to("-2")),
        ("to the first", engine.downgrade_to("9a000001")),
    ] {
        let err = r.unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(
                err,
                EngineError::Irreversible {
                    revision: "9a000002",
                    ..
                }
            ),
            "{what}: {text}"
        );
        assert!(
            text.contains("irreversible") && text.contains("nothing was changed"),
            "{what}: {text}"
        );
    }
    assert_eq!(state(&mut db), before);
    assert!(has_table(&mut db, "irr_three"), "a later table was dropped");
    assert_eq!(db.count("SELECT COUNT(*) FROM irr_one"), 1);

    // Above the irreversible step, downgrades still work.
    assert_eq!(revisions(&engine.downgrade_to("-1").unwrap()), ["9a000003"]);
    assert!(!has_table(&mut db, "irr_three"));
    assert_eq!(versions(&mut db), ["9a000002"]);
}

/// A downgrade that fails at the second of three steps.
fn failing_downgrade(backend: Backend, name: &str, config: Config) {
    let Some(mut db) = open(backend, name) else {
        return;
    };
    let mode = config.transaction;
    let mut engine = engine_with(&FAILING_DOWN, &db, config);
    engine.upgrade().unwrap();
    let err = engine.downgrade_to_base().unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(
            err,
            EngineError::Failed {
                revision: "fd000002",
                index: 2,
                ..
            }
        ),
        "{text}"
    );
    let up = rows(&["fd000001", "fd000002", "fd000003"], "upgrade");
    if backend != Backend::Mysql && mode == TransactionMode::PerRun {
        assert!(
            text.contains("the run was rolled back: the database is at revision fd000003"),
            "{text}"
        );
        assert_eq!(versions(&mut db), ["fd000003"]);
        assert_eq!(history(&mut db), up);
        assert!(
            has_table(&mut db, "fd_three"),
            "the first step was not rolled back"
        );
        assert!(has_table(&mut db, "fd_two"));
    } else {
        assert!(
            text.contains("the database is at revision fd000002"),
            "{text}"
        );
        assert_eq!(versions(&mut db), ["fd000002"]);
        let mut expected = up;
        expected.extend(rows(&["fd000003"], "downgrade"));
        if backend == Backend::Mysql {
            // The failed downgrade's journal, for the next run to resume.
            expected.extend(rows(&["fd000002"], "downgrading"));
        }
        assert_eq!(history(&mut db), expected);
        assert!(!has_table(&mut db, "fd_three"));
        // MySQL: the failed step's DROP TABLE stays done; elsewhere it was rolled back.
        assert_eq!(has_table(&mut db, "fd_two"), backend != Backend::Mysql);
    }
}

fn failing_downgrade_per_run(backend: Backend) {
    failing_downgrade(backend, "failing_down_run", Config::default());
}

fn failing_downgrade_per_migration(backend: Backend) {
    failing_downgrade(backend, "failing_down_mig", per_migration());
}

/// A data step whose diesel code opens its own transaction: it runs, and a later failure
/// still rolls the whole run back where the run is one transaction.
fn data_step_with_its_own_transaction(backend: Backend) {
    let Some(mut db) = open(backend, "data_step_tx") else {
        return;
    };
    let mut engine = engine(&TX_STEP_FAILING, &db);
    let err = engine.upgrade().unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(
            err,
            EngineError::Failed {
                revision: "7c000003",
                ..
            }
        ),
        "{text}"
    );
    if backend == Backend::Mysql {
        assert_eq!(versions(&mut db), ["7c000002"], "{text}");
    } else {
        assert!(
            text.contains("the run was rolled back: the database is at base"),
            "{text}"
        );
        assert!(versions(&mut db).is_empty(), "{text}");
        assert!(history(&mut db).is_empty(), "{text}");
        assert!(!has_table(&mut db, "notes"), "{text}");
    }
    drop(engine);

    let mut engine = self::engine(&TX_STEP, &db);
    engine.upgrade().expect("the fixed set runs");
    assert_eq!(versions(&mut db), ["7c000003"]);
    assert_eq!(column(&mut db, "notes", "body"), some(&["filled"]));
    assert_eq!(engine.downgrade_to("7c000001").unwrap().len(), 2);
    assert_eq!(column(&mut db, "notes", "body"), vec![None]);
}

// ---------------------------------------------------------------------------------------
// 7. stamp
// ---------------------------------------------------------------------------------------

fn stamp(backend: Backend) {
    let Some(mut db) = open(backend, "stamp") else {
        return;
    };
    let mut engine = engine(&LINEAR, &db);

    // Head on an empty database: no table of the migrations is created.
    assert_eq!(engine.stamp("head", false).unwrap(), [LIN_HEAD]);
    assert_eq!(versions(&mut db), [LIN_HEAD]);
    assert_eq!(history(&mut db), rows(&LIN, "stamp"));
    assert_eq!(tables(&mut db), ["migrate_history", "migrate_version"]);
    assert!(engine.upgrade().unwrap().is_empty());
    assert!(engine.status().unwrap().is_up_to_date());

    // Base: every revision unstamped, still nothing run.
    assert!(engine.stamp("base", false).unwrap().is_empty());
    assert!(versions(&mut db).is_empty());
    let mut expected = rows(&LIN, "stamp");
    expected.extend(rows(&LIN, "unstamp"));
    assert_eq!(history(&mut db), expected);
    assert_eq!(tables(&mut db), ["migrate_history", "migrate_version"]);

    // A relative stamp, then a real upgrade from there.
    assert_eq!(engine.stamp("+1", false).unwrap(), [LIN[0]]);
    expected.extend(rows(&LIN[..1], "stamp"));
    db.exec("CREATE TABLE lin_one (id INTEGER PRIMARY KEY)");
    let ran = engine.upgrade().unwrap();
    assert_eq!(revisions(&ran), &LIN[1..]);
    expected.extend(rows(&LIN[1..], "upgrade"));
    assert_eq!(history(&mut db), expected);
    assert_eq!(versions(&mut db), [LIN_HEAD]);

    // An unknown target: an error, nothing changed.
    let before = state(&mut db);
    let e = unknown_target(engine.stamp("a100004", false));
    assert!(e.contains("did you mean a1000004?"), "{e}");
    let e = unknown_target(engine.stamp("+1", false));
    assert!(e.contains("only 0 are above"), "{e}");
    assert_eq!(state(&mut db), before);

    // Purge over a revision these migrations do not know.
    let d = db.dialect();
    db.exec(&catalog::insert_row(
        d,
        "migrate_version",
        &["revision"],
        vec![Value::from(UNKNOWN)],
    ));
    assert_unknown_revision("stamp without purge", engine.stamp(LIN[1], false));
    assert_eq!(versions(&mut db), [LIN_HEAD, UNKNOWN]);
    assert_eq!(engine.stamp(LIN[1], true).unwrap(), [LIN[1]]);
    assert_eq!(versions(&mut db), [LIN[1]]);
    assert_eq!(
        history(&mut db)[expected.len()..],
        rows(&LIN[..2], "stamp"),
        "a purge starts from nothing applied"
    );
    assert_eq!(engine.current().unwrap(), [LIN[1]]);
}

// ---------------------------------------------------------------------------------------
// 8. data through non-destructive changes, and a diesel data step
// ---------------------------------------------------------------------------------------

fn data_survives_non_destructive_changes(backend: Backend) {
    let Some(mut db) = open(backend, "data") else {
        return;
    };
    let mut engine = engine(&DATA, &db);
    let ids = some(&["1", "2", "3"]);
    let names = some(&["apple", "pear's", "fig"]);
    let notes = some(&["apple#1", "pear's#2", "fig#3"]);

    engine.upgrade_to("da000003").unwrap();
    // A row written by the application between migrations.
    db.exec("INSERT INTO items (id, name) VALUES (4, 'kiwi')");
    let ids4 = some(&["1", "2", "3", "4"]);
    let names4 = some(&["apple", "pear's", "fig", "kiwi"]);
    let notes4 = some(&["apple#1", "pear's#2", "fig#3", "kiwi#4"]);

    let ran = engine.upgrade().expect("upgrade to head");
    assert_eq!(ran.len(), 8);
    assert_eq!(column(&mut db, "items", "id"), ids4);
    assert_eq!(column(&mut db, "items", "title"), names4);
    assert_eq!(column(&mut db, "items", "qty"), some(&["5", "5", "5", "5"]));
    assert_eq!(column(&mut db, "items", "note"), notes4);
    assert!(!has_column(&mut db, "items", "name"));
    assert!(!has_column(&mut db, "items", "legacy"));

    // Undo the type change, the drop / add of `legacy` and the data step: the reverse
    // clears the notes.
    let ran = engine.downgrade_to("da000007").unwrap();
    assert_eq!(
        revisions(&ran),
        ["da00000b", "da00000a", "da000009", "da000008"]
    );
    assert_eq!(column(&mut db, "items", "title"), names4);
    assert_eq!(column(&mut db, "items", "note"), vec![None; 4]);
    db.exec("UPDATE items SET note = 'kept' WHERE id = 4");

    // Again up: the step runs again and fills every note.
    engine.upgrade().unwrap();
    assert_eq!(column(&mut db, "items", "note"), notes4);

    // Down past the new column, the index, the rename and the added column.
    let ran = engine.downgrade_to("da000003").unwrap();
    assert_eq!(ran.len(), 8);
    assert!(!has_column(&mut db, "items", "qty"));
    assert!(!has_column(&mut db, "items", "note"));
    assert_eq!(column(&mut db, "items", "id"), ids4);
    assert_eq!(column(&mut db, "items", "name"), names4);

    // The application's row goes; the reversible INSERT's reverse deletes its row.
    db.exec("DELETE FROM items WHERE id = 4");
    assert_eq!(revisions(&engine.downgrade_to("-1").unwrap()), ["da000003"]);
    assert_eq!(column(&mut db, "items", "id"), ids[..2]);
    engine.upgrade().unwrap();
    assert_eq!(column(&mut db, "items", "id"), ids);
    assert_eq!(column(&mut db, "items", "title"), names);
    assert_eq!(column(&mut db, "items", "note"), notes);

    // The bulk insert has a hand-written downgrade: down to base works.
    assert_eq!(engine.downgrade_to_base().unwrap().len(), 11);
    assert_eq!(tables(&mut db), ["migrate_history", "migrate_version"]);
}

// ---------------------------------------------------------------------------------------
// 9. configurable table names
// ---------------------------------------------------------------------------------------

fn configurable_table_names(backend: Backend) {
    let Some(mut db) = open(backend, "table_names") else {
        return;
    };
    let config = Config {
        version_table: "my_versions".into(),
        history_table: "my_history".into(),
        ..Config::default()
    };
    let mut engine = engine_with(&LINEAR, &db, config);
    engine.upgrade().unwrap();
    assert_eq!(
        tables(&mut db),
        ["lin_one", "lin_two", "my_history", "my_versions"]
    );
    assert_eq!(versions_in(&mut db, "my_versions"), [LIN_HEAD]);
    assert_eq!(history_in(&mut db, "my_history"), rows(&LIN, "upgrade"));
    assert_eq!(engine.current().unwrap(), [LIN_HEAD]);
    assert_eq!(engine.history().unwrap(), rows(&LIN, "upgrade"));

    // The default tables know nothing of it.
    assert!(self::engine(&LINEAR, &db).current().unwrap().is_empty());

    engine.downgrade_to("-2").unwrap();
    assert_eq!(versions_in(&mut db, "my_versions"), [LIN[1]]);
    engine.stamp("head", false).unwrap();
    assert_eq!(versions_in(&mut db, "my_versions"), [LIN_HEAD]);
    assert_eq!(history_in(&mut db, "my_history").len(), 8);
    assert_eq!(
        tables(&mut db),
        ["lin_one", "lin_two", "my_history", "my_versions"]
    );

    // Names that need quoting: a space, a hyphen, capitals, a quote.
    let Some(mut db) = open(backend, "table_names_odd") else {
        return;
    };
    let config = Config {
        version_table: "Shop Versions".into(),
        history_table: "shop-history's".into(),
        ..Config::default()
    };
    let mut engine = engine_with(&LINEAR, &db, config.clone());
    assert_eq!(engine.upgrade().unwrap().len(), 4);
    assert!(engine.upgrade().unwrap().is_empty());
    assert_eq!(
        tables(&mut db),
        ["Shop Versions", "lin_one", "lin_two", "shop-history's"]
    );
    assert_eq!(versions_in(&mut db, "Shop Versions"), [LIN_HEAD]);
    assert_eq!(history_in(&mut db, "shop-history's"), rows(&LIN, "upgrade"));
    drop(engine);
    let mut engine = engine_with(&LINEAR, &db, config);
    assert_eq!(engine.current().unwrap(), [LIN_HEAD]);
    assert_eq!(engine.downgrade_to_base().unwrap().len(), 4);
    assert!(versions_in(&mut db, "Shop Versions").is_empty());
}

// ---------------------------------------------------------------------------------------
// 10. run_pending
// ---------------------------------------------------------------------------------------

fn run_pending_at_head_does_nothing(backend: Backend) {
    let Some(mut db) = open(backend, "run_pending") else {
        return;
    };
    let ran = LINEAR.run_pending(db.url()).expect("first run");
    assert_eq!(revisions(&ran), LIN);
    let before = state(&mut db);
    assert!(LINEAR.run_pending(db.url()).expect("at head").is_empty());
    assert!(LINEAR.run_pending(db.url()).expect("at head").is_empty());
    assert_eq!(state(&mut db), before);
    assert_eq!(before.versions, [LIN_HEAD]);
}
