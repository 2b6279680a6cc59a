use migrate_runtime::prelude::*;

pub static MIGRATIONS: Migrations = embed_migrations!("fixtures/empty_folder");

fn main() {
    // An empty folder is an empty history: nothing to apply, no head.
    assert!(MIGRATIONS.is_empty());
    assert!(MIGRATIONS.heads().is_empty());
}
