use migrate_runtime::prelude::*;

pub static MIGRATIONS: Migrations = embed_migrations!("fixtures/two_heads");

fn main() {
    println!("{}", MIGRATIONS.len());
}
