use migrate_runtime::prelude::*;

pub static MIGRATIONS: Migrations = embed_migrations!("fixtures/file_without_migration");

fn main() {
    println!("{}", MIGRATIONS.len());
}
