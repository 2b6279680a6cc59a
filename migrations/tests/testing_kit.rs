//! The shop checks itself with the testing kit, as a user's crate would: one head, base to
//! head with the live schema matching the ops after every step, every downgrade undoing
//! its upgrade (found by introspection), and `src/schema.rs` matching the head.

use migrate_runtime::testing;
use migrate_tests::{Backend, TestDb};
use migrations::MIGRATIONS;

fn shop(backend: Backend) {
    testing::single_head(&MIGRATIONS).unwrap();
    testing::models_match_head(&MIGRATIONS, include_str!("../src/schema.rs")).unwrap();
    let Some(db) = TestDb::open(backend, &format!("shop_kit_up_{}", backend.dialect())) else {
        return;
    };
    testing::upgrade_base_to_head(&MIGRATIONS, db.url()).unwrap();
    let db = TestDb::open(backend, &format!("shop_kit_updown_{}", backend.dialect())).unwrap();
    testing::up_down_consistency(&MIGRATIONS, db.url()).unwrap();
}

#[cfg(feature = "sqlite")]
#[test]
fn shop_kit_sqlite() {
    shop(Backend::Sqlite);
}

#[cfg(feature = "postgres")]
#[test]
fn shop_kit_postgres() {
    shop(Backend::Postgres);
}

#[cfg(feature = "mysql")]
#[test]
fn shop_kit_mysql() {
    shop(Backend::Mysql);
}
