use migrate_runtime::prelude::*;

embed_migrations!(pub static MIGRATIONS = "fixtures/missing_parent");

fn main() {
    println!("{}", MIGRATIONS.len());
}
