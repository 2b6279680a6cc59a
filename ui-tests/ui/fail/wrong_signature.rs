use migrate_runtime::prelude::*;

pub static MIGRATIONS: Migrations = embed_migrations!("fixtures/wrong_signature");

fn main() {
    println!("{}", MIGRATIONS.len());
}
