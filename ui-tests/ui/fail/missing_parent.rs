use migrate_runtime::prelude::*;

pub static MIGRATIONS: Migrations = embed_migrations!("fixtures/missing_parent");

fn main() {
    println!("{}", MIGRATIONS.len());
}
