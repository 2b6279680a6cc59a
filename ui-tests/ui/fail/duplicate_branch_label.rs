use migrate_runtime::prelude::*;

pub static MIGRATIONS: Migrations = embed_migrations!("fixtures/duplicate_branch_label");

fn main() {
    println!("{}", MIGRATIONS.len());
}
