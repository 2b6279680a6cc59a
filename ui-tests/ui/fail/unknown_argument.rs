use migrate_runtime::prelude::*;

pub static MIGRATIONS: Migrations = embed_migrations!("fixtures/unknown_argument");

fn main() {
    println!("{}", MIGRATIONS.len());
}
