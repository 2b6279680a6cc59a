//! Hostile identifiers through the engine, on every backend: tables and columns named with
//! reserved words (`order`, `user`, `select`, `from`), quotes, backticks and apostrophes
//! inside names, spaces, non-ASCII letters, and names at each backend's length limit
//! (PostgreSQL 63 bytes, MySQL 64 characters, SQLite none: 200 characters here), created,
//! given columns, indexes, foreign keys and unique constraints, renamed, altered (a SQLite
//! table rebuild) and dropped, one migration at a time up and down, twice.
//!
//! After every step the catalog must hold exactly the tables, columns, indexes, foreign
//! keys and unique constraints (with their names, where the backend keeps them) of the
//! schema replayed to that revision: every name round-trips byte for byte.
//!
//! Two tables whose names are at the limit and differ only in their last character get
//! unnamed indexes and foreign keys: the generated names (`ix_<table>_<column>`,
//! `fk_<table>_ref_order`) are longer than 63 bytes, so they are shortened with a hash of
//! the full name ([`migrate_runtime::naming`]): deterministically, within 63 bytes, and
//! without colliding (PostgreSQL's index names and MySQL's foreign key names are unique
//! per schema, so a collision would fail the run).

mod support;

use migrate_runtime::connection::Connection;
use migrate_runtime::dialect::Dialect;
use migrate_runtime::engine::Engine;
use migrate_runtime::migration::{Migration, Migrations};
use migrate_runtime::naming;
use migrate_runtime::prelude::*;
use migrate_runtime::schema::Schema;
use migrate_tests::{Backend, TestDb};
use support::{model_shape, shape, shape_diff, Item};

const ORDER: &str = "order";
const USER: &str = "user";
/// `user` after its rename: an apostrophe, double quotes, backticks and spaces.
const QUOTED: &str = "it's \"quoted\" `ticked`";
/// A column with all of those.
const QUOTE_COL: &str = "a \"b\" `c` 'd'";
const SPACE_COL: &str = "group by";
const UNI_COL: &str = "prénom 名前";
/// An explicit index name with the same characters.
const ODD_INDEX: &str = "ix \"odd\" `name` ü";

/// The backend whose limits a set's names follow.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Limits {
    Sqlite,
    Postgres,
    Mysql,
}

/// A table name at the backend's limit (all ASCII), ending in `last`.
fn long_table(l: Limits, last: char) -> String {
    let len = match l {
        Limits::Sqlite => 200,
        Limits::Postgres => 63, // bytes
        Limits::Mysql => 64,    // characters
    };
    let mut s = String::from("long_table_");
    while s.len() < len - 1 {
        s.push('t');
    }
    s.push(last);
    s
}

/// A column name at the backend's limit, in two-byte letters.
fn long_column(l: Limits) -> String {
    let n = match l {
        Limits::Sqlite => 199,
        Limits::Postgres => 31, // 62 bytes + 1
        Limits::Mysql => 63,    // 63 characters + 1
    };
    let mut s = "é".repeat(n);
    s.push('x');
    s
}

fn id() -> Column {
    Column::new("id", Type::Integer).primary_key()
}

/// A table at the limit with an unnamed index on a long column and an unnamed foreign key.
fn long(l: Limits, last: char) -> Op {
    let col = long_column(l);
    op::create_table(
        Table::new(long_table(l, last))
            .column(id())
            .column(Column::new(&col, Type::Integer))
            .column(Column::new("ref", Type::Integer))
            .index(Index::new([col.as_str()]))
            .foreign_key(ForeignKey::new(["ref"], ORDER, ["id"])),
    )
}

/// The ops of migration `step` for the limits `l`.
fn steps(l: Limits, step: usize) -> Vec<Op> {
    match step {
        0 => vec![op::create_table(
            Table::new(ORDER)
                .column(id())
                .column(Column::new("select", Type::Varchar(50)).not_null())
                .column(Column::new(QUOTE_COL, Type::Integer))
                .column(Column::new(UNI_COL, Type::Text))
                .index(Index::new(["select"])),
        )],
        1 => vec![op::create_table(
            Table::new(USER)
                .column(id())
                .column(Column::new(ORDER, Type::Integer))
                .column(Column::new(SPACE_COL, Type::Varchar(20)))
                .foreign_key(ForeignKey::new([ORDER], ORDER, ["id"]))
                .unique(Unique::new([SPACE_COL])),
        )],
        2 => vec![
            op::add_column(ORDER, Column::new(USER, Type::Integer)),
            op::create_index(ORDER, Index::new([USER]).name(ODD_INDEX)),
            op::create_foreign_key(ORDER, ForeignKey::new([USER], USER, ["id"])),
        ],
        3 => vec![long(l, 'a'), long(l, 'b')],
        4 => vec![
            op::rename_table(USER, QUOTED),
            op::rename_column(ORDER, "select", "from"),
        ],
        5 => vec![op::alter_column(
            ORDER,
            QUOTE_COL,
            AlterColumn::new()
                .set_type(Type::BigInt)
                .not_null()
                .set_default(0),
        )],
        6 => vec![
            op::drop_index(ORDER, ODD_INDEX),
            op::drop_column(ORDER, UNI_COL),
        ],
        7 => vec![op::drop_table(long_table(l, 'b'))],
        _ => unreachable!(),
    }
}

const STEPS: usize = 8;

const fn mig(
    revision: &'static str,
    down_revisions: &'static [&'static str],
    upgrade: fn() -> Vec<Op>,
) -> Migration {
    Migration::new(revision, down_revisions, upgrade).at(file!(), line!())
}

/// A module with the eight migrations for `$limits` as `SET`.
macro_rules! hostile_set {
    ($module:ident, $limits:expr) => {
        mod $module {
            use super::*;
            fn m0() -> Vec<Op> {
                steps($limits, 0)
            }
            fn m1() -> Vec<Op> {
                steps($limits, 1)
            }
            fn m2() -> Vec<Op> {
                steps($limits, 2)
            }
            fn m3() -> Vec<Op> {
                steps($limits, 3)
            }
            fn m4() -> Vec<Op> {
                steps($limits, 4)
            }
            fn m5() -> Vec<Op> {
                steps($limits, 5)
            }
            fn m6() -> Vec<Op> {
                steps($limits, 6)
            }
            fn m7() -> Vec<Op> {
                steps($limits, 7)
            }
            pub static SET: Migrations = Migrations::__from_sorted(
                &[
                    mig("0d000000", &[], m0),
                    mig("0d000001", &["0d000000"], m1),
                    mig("0d000002", &["0d000001"], m2),
                    mig("0d000003", &["0d000002"], m3),
                    mig("0d000004", &["0d000003"], m4),
                    mig("0d000005", &["0d000004"], m5),
                    mig("0d000006", &["0d000005"], m6),
                    mig("0d000007", &["0d000006"], m7),
                ],
                "",
            );
        }
    };
}

hostile_set!(sqlite_set, Limits::Sqlite);
hostile_set!(postgres_set, Limits::Postgres);
hostile_set!(mysql_set, Limits::Mysql);

fn limits(backend: Backend) -> (Limits, &'static Migrations) {
    match backend {
        Backend::Sqlite => (Limits::Sqlite, &sqlite_set::SET),
        Backend::Postgres => (Limits::Postgres, &postgres_set::SET),
        Backend::Mysql => (Limits::Mysql, &mysql_set::SET),
    }
}

/// The schema after the first `n` migrations.
fn model(l: Limits, n: usize) -> Schema {
    let ops: Vec<Op> = (0..n).flat_map(|i| steps(l, i)).collect();
    Schema::replay(&ops).expect("the set replays")
}

/// Checks the catalog against the model after `n` migrations.
fn at(db: &mut TestDb, l: Limits, n: usize, what: &str) {
    let d = db.dialect();
    let want = model_shape(&model(l, n), d, true);
    let got = shape(db.conn(), true);
    assert!(
        got == want,
        "{what}: the catalog differs from the schema at {n} migration(s)\n{}",
        shape_diff(&want, &got)
    );
}

fn hostile_names(backend: Backend) {
    let Some(mut db) = TestDb::open(backend, &format!("hostile_names_{}", backend.dialect()))
    else {
        return;
    };
    let (l, set) = limits(backend);
    let conn = Connection::establish(db.url()).expect("connect");
    let mut engine = Engine::new(set, conn);

    // The generated names at the limit: shortened, deterministic, distinct.
    let (a, b) = (long_table(l, 'a'), long_table(l, 'b'));
    let col = long_column(l);
    let ix_a = naming::index(&a, &[&col]);
    let ix_b = naming::index(&b, &[&col]);
    let fk_a = naming::foreign_key(&a, &["ref"], ORDER);
    let fk_b = naming::foreign_key(&b, &["ref"], ORDER);
    for n in [&ix_a, &ix_b, &fk_a, &fk_b] {
        assert!(n.len() <= naming::MAX_NAME_BYTES, "{n}");
    }
    assert_ne!(ix_a, ix_b);
    assert_ne!(fk_a, fk_b);
    assert_eq!(ix_a, naming::index(&a, &[&col]), "deterministic");
    let model3 = model(l, 4);
    let t = model3.table(&a).expect("the long table");
    assert_eq!(t.indexes[0].name, ix_a);
    assert_eq!(t.foreign_keys[0].name, fk_a);

    // The names themselves, read back from the catalog at the fifth migration.
    engine.upgrade_to("+5").expect("upgrade +5");
    let got = shape(db.conn(), true);
    let mut wanted = vec![
        Item::Table(QUOTED.into()),
        Item::Table(a.clone()),
        Item::Column(ORDER.into(), "from".into()),
        Item::Column(ORDER.into(), QUOTE_COL.into()),
        Item::Column(ORDER.into(), UNI_COL.into()),
        Item::Column(QUOTED.into(), SPACE_COL.into()),
        Item::Column(a.clone(), col.clone()),
        Item::Index(ORDER.into(), ODD_INDEX.into()),
        Item::Index(a.clone(), ix_a.clone()),
        Item::Index(b.clone(), ix_b.clone()),
        Item::ForeignKey(ORDER.into(), USER.into(), QUOTED.into(), "id".into()),
        Item::Unique(QUOTED.into(), SPACE_COL.into()),
    ];
    if db.dialect() != Dialect::Sqlite {
        wanted.push(Item::ForeignKeyName(a.clone(), fk_a.clone()));
        wanted.push(Item::ForeignKeyName(b.clone(), fk_b.clone()));
    }
    for w in &wanted {
        assert!(got.contains(w), "{w:?} not in the catalog: {got:#?}");
    }
    engine.downgrade_to_base().expect("downgrade base");
    at(&mut db, l, 0, "base");

    for round in 0..2 {
        for n in 1..=STEPS {
            let ran = engine.upgrade_to("+1").unwrap_or_else(|e| {
                panic!("round {round}: upgrade to {n} failed on {backend:?}: {e}")
            });
            assert_eq!(ran.len(), 1);
            at(&mut db, l, n, &format!("round {round}, up to {n}"));
        }
        for n in (0..STEPS).rev() {
            engine.downgrade_to("-1").unwrap_or_else(|e| {
                panic!("round {round}: downgrade to {n} failed on {backend:?}: {e}")
            });
            at(&mut db, l, n, &format!("round {round}, down to {n}"));
        }
    }
    // All at once, in one run each way.
    assert_eq!(engine.upgrade().expect("upgrade head").len(), STEPS);
    at(&mut db, l, STEPS, "head");
    assert_eq!(
        engine.downgrade_to_base().expect("downgrade base").len(),
        STEPS
    );
    at(&mut db, l, 0, "base");
}

#[cfg(feature = "sqlite")]
#[test]
fn hostile_names_sqlite() {
    hostile_names(Backend::Sqlite);
}

#[cfg(feature = "postgres")]
#[test]
fn hostile_names_postgres() {
    hostile_names(Backend::Postgres);
}

#[cfg(feature = "mysql")]
#[test]
fn hostile_names_mysql() {
    hostile_names(Backend::Mysql);
}

// ---------------------------------------------------------------------------------------
// Past the limit
// ---------------------------------------------------------------------------------------

/// A table name one byte past PostgreSQL's limit (64 bytes), and another that differs
/// from it only in the last byte: PostgreSQL would truncate both to the same 63 bytes.
#[cfg(feature = "postgres")]
fn over_pg_a() -> Vec<Op> {
    vec![op::create_table(
        Table::new(format!("{}a", "p".repeat(63))).column(id()),
    )]
}
#[cfg(feature = "postgres")]
fn over_pg_b() -> Vec<Op> {
    vec![op::create_table(
        Table::new(format!("{}b", "p".repeat(63))).column(id()),
    )]
}
#[cfg(any(feature = "postgres", feature = "mysql"))]
fn first_table() -> Vec<Op> {
    vec![op::create_table(Table::new("comes_first").column(id()))]
}
/// A table name one character past MySQL's limit (65 characters).
#[cfg(feature = "mysql")]
fn over_mysql() -> Vec<Op> {
    vec![op::create_table(Table::new("m".repeat(65)).column(id()))]
}

#[cfg(feature = "postgres")]
static OVER_PG: Migrations = Migrations::__from_sorted(
    &[
        mig("0e000001", &[], first_table),
        mig("0e000002", &["0e000001"], over_pg_a),
        mig("0e000003", &["0e000002"], over_pg_b),
    ],
    "",
);

#[cfg(feature = "mysql")]
static OVER_MYSQL: Migrations = Migrations::__from_sorted(
    &[
        mig("0e000001", &[], first_table),
        mig("0e000002", &["0e000001"], over_mysql),
    ],
    "",
);

/// A name past the backend's limit is refused before anything runs, naming it.
#[cfg(any(feature = "postgres", feature = "mysql"))]
fn over_the_limit(backend: Backend, set: &'static Migrations) {
    let Some(mut db) = TestDb::open(backend, &format!("over_limit_{}", backend.dialect())) else {
        return;
    };
    let conn = Connection::establish(db.url()).expect("connect");
    let mut engine = Engine::new(set, conn);
    let err = engine.upgrade().expect_err("a name past the limit");
    let text = err.to_string();
    assert!(
        matches!(
            err,
            migrate_runtime::engine::EngineError::Render { .. }
                | migrate_runtime::engine::EngineError::Invalid { .. }
        ),
        "refused before anything runs: {text}"
    );
    assert!(text.contains("nothing was changed"), "{text}");
    assert!(
        shape(db.conn(), false).is_empty(),
        "no table was made: {text}"
    );
}

#[cfg(feature = "postgres")]
#[test]
fn over_the_limit_postgres() {
    over_the_limit(Backend::Postgres, &OVER_PG);
}

#[cfg(feature = "mysql")]
#[test]
fn over_the_limit_mysql() {
    over_the_limit(Backend::Mysql, &OVER_MYSQL);
}
