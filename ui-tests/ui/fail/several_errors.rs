use migrate_runtime::prelude::*;

pub static MIGRATIONS: Migrations = embed_migrations!("fixtures/several_errors");

fn main() {
    println!("{}", MIGRATIONS.len());
}
