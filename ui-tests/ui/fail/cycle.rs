use migrate_runtime::prelude::*;

pub static MIGRATIONS: Migrations = embed_migrations!("fixtures/cycle");

fn main() {
    println!("{}", MIGRATIONS.len());
}
