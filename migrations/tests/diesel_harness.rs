//! The shop's embedded migrations through diesel's own harness
//! (`conn.run_pending_migrations(MIGRATIONS)`), on every backend compiled in: an
//! application that ran diesel_migrations keeps working unchanged.

use diesel::migration::MigrationSource;
use diesel_migrations::MigrationHarness;
use migrate_runtime::dialect::catalog;
use migrate_tests::{Backend, TestDb};
use migrations::MIGRATIONS;

fn tables(db: &mut TestDb, names: &[&str]) -> Vec<bool> {
    let d = db.dialect();
    names
        .iter()
        .map(|t| db.conn().query_count(&catalog::table_exists(d, t)).unwrap() > 0)
        .collect()
}

fn harness_round_trip<C>(db: &mut TestDb, conn: &mut C)
where
    C: MigrationHarness<C::Backend> + diesel::Connection,
    migrate_runtime::Migrations: MigrationSource<C::Backend>,
{
    let ran = conn.run_pending_migrations(MIGRATIONS).unwrap();
    let ran: Vec<String> = ran.iter().map(|v| v.to_string()).collect();
    assert_eq!(ran, MIGRATIONS.diesel_versions());
    assert_eq!(
        tables(db, &["users", "items", "orders", "shipping_addresses"]),
        [true; 4]
    );
    assert!(conn.run_pending_migrations(MIGRATIONS).unwrap().is_empty());
    assert!(!conn.has_pending_migration(MIGRATIONS).unwrap());

    // The status data migration, through diesel's harness, both ways.
    db.exec("INSERT INTO users (email, name) VALUES ('ada@example.com', 'Ada')");
    db.exec("INSERT INTO items (name, price_cents, is_physical) VALUES ('book', 1200, TRUE)");
    db.exec("INSERT INTO orders (user_id, item_id, status) VALUES (1, 1, 'PAID')");
    for _ in 0..4 {
        conn.revert_last_migration(MIGRATIONS).unwrap();
    }
    let status = db.conn().query_count("SELECT status FROM orders").unwrap();
    assert_eq!(status, 1, "the explicit downgrade maps PAID back to 1");
    conn.revert_all_migrations(MIGRATIONS).unwrap();
    assert_eq!(tables(db, &["users", "orders"]), [false, false]);
    assert_eq!(
        conn.run_pending_migrations(MIGRATIONS).unwrap().len(),
        MIGRATIONS.len()
    );
}

#[test]
fn versions_order_the_graph_and_stay_stable() {
    let versions = MIGRATIONS.diesel_versions();
    let mut sorted = versions.clone();
    sorted.sort();
    // diesel runs pending migrations sorted by version: that must be a valid order.
    let pos = |rev: &str| sorted.iter().position(|v| v.ends_with(rev)).unwrap();
    for m in MIGRATIONS.iter() {
        for p in m.down_revisions {
            assert!(pos(p) < pos(m.revision), "{p} before {}", m.revision);
        }
    }
    assert_eq!(versions[0], "0000_1a2b3c4d5e6f");
}

#[cfg(feature = "sqlite")]
#[test]
fn diesel_harness_sqlite() {
    use diesel::Connection as _;
    let Some(mut db) = TestDb::open(Backend::Sqlite, "diesel_harness_sqlite") else {
        return;
    };
    let url = db.url();
    let path = url.strip_prefix("sqlite://").unwrap_or(url).to_owned();
    let mut conn = diesel::SqliteConnection::establish(&path).unwrap();
    harness_round_trip(&mut db, &mut conn);
}

#[cfg(feature = "postgres")]
#[test]
fn diesel_harness_postgres() {
    use diesel::Connection as _;
    let Some(mut db) = TestDb::open(Backend::Postgres, "diesel_harness_postgres") else {
        return;
    };
    let mut conn = diesel::PgConnection::establish(db.url()).unwrap();
    harness_round_trip(&mut db, &mut conn);
}

#[cfg(feature = "mysql")]
#[test]
fn diesel_harness_mysql() {
    use diesel::Connection as _;
    let Some(mut db) = TestDb::open(Backend::Mysql, "diesel_harness_mysql") else {
        return;
    };
    let mut conn = diesel::MysqlConnection::establish(db.url()).unwrap();
    harness_round_trip(&mut db, &mut conn);
}
