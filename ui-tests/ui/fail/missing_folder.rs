use migrate_runtime::prelude::*;

pub static MIGRATIONS: Migrations = embed_migrations!("fixtures/missing_folder");

fn main() {
    println!("{}", MIGRATIONS.len());
}
