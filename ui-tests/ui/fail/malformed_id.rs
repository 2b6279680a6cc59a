use migrate_runtime::prelude::*;

pub static MIGRATIONS: Migrations = embed_migrations!("fixtures/malformed_id");

fn main() {
    println!("{}", MIGRATIONS.len());
}
