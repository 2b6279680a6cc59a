//! The generated 300-migration chain through the engine, on every backend compiled in:
//! upgrade to head, downgrade to base, upgrade again.

use migrate_runtime::connection::Connection;
use migrate_runtime::dialect::catalog;
use migrate_runtime::engine::Engine;
use migrate_tests::chain::{CHAIN, HEAD, LAST_TABLE, LEN};
use migrate_tests::{Backend, TestDb};

/// Whether `table` exists in `db`.
fn table_exists(db: &mut TestDb, table: &str) -> bool {
    db.count(&catalog::table_exists(db.dialect(), table)) > 0
}

/// The revisions in the engine's version table, read through the test's own connection.
fn version_table(db: &mut TestDb) -> Vec<String> {
    let sql = catalog::select_values(db.dialect(), "migrate_version", "revision");
    db.conn()
        .query_strings(&sql)
        .expect("read the version table")
}

fn round_trip(backend: Backend) {
    let test = format!("chain_round_trip_{}", backend.dialect());
    let Some(mut db) = TestDb::open(backend, &test) else {
        return;
    };
    let conn = Connection::establish(db.url()).expect("connect to the test database");
    let mut engine = Engine::new(&CHAIN, conn);

    let ran = engine.upgrade().expect("upgrade to head");
    assert_eq!(ran.len(), LEN);
    assert!(ran.iter().all(|a| a.direction == "upgrade"));
    assert_eq!(ran.last().map(|a| a.revision), Some(HEAD));
    assert_eq!(version_table(&mut db), [HEAD]);
    assert!(table_exists(&mut db, LAST_TABLE));
    assert!(engine.upgrade().expect("upgrade at head").is_empty());

    let ran = engine.downgrade_to_base().expect("downgrade to base");
    assert_eq!(ran.len(), LEN);
    assert_eq!(ran.first().map(|a| a.revision), Some(HEAD));
    assert!(version_table(&mut db).is_empty());
    assert!(!table_exists(&mut db, LAST_TABLE));
    assert!(!table_exists(&mut db, "chain_000"));

    let ran = engine.upgrade().expect("upgrade to head again");
    assert_eq!(ran.len(), LEN);
    assert_eq!(version_table(&mut db), [HEAD]);
    assert_eq!(engine.current().expect("read the heads"), [HEAD]);
    assert!(table_exists(&mut db, LAST_TABLE));
}

#[cfg(feature = "sqlite")]
#[test]
fn chain_round_trip_sqlite() {
    round_trip(Backend::Sqlite);
}

#[cfg(feature = "postgres")]
#[test]
fn chain_round_trip_postgres() {
    round_trip(Backend::Postgres);
}

#[cfg(feature = "mysql")]
#[test]
fn chain_round_trip_mysql() {
    round_trip(Backend::Mysql);
}
