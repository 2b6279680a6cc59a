use migrate_runtime::prelude::*;

pub static MIGRATIONS: Migrations = embed_migrations!("fixtures/unknown_depends_on");

fn main() {
    println!("{}", MIGRATIONS.len());
}
