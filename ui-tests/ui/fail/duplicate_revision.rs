use migrate_runtime::prelude::*;

pub static MIGRATIONS: Migrations = embed_migrations!("fixtures/duplicate_revision");

fn main() {
    println!("{}", MIGRATIONS.len());
}
