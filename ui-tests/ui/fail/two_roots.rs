use migrate_runtime::prelude::*;

pub static MIGRATIONS: Migrations = embed_migrations!("fixtures/two_roots");

fn main() {
    println!("{}", MIGRATIONS.len());
}
