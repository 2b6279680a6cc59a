use migrate_runtime::prelude::*;

pub static MIGRATIONS: Migrations = embed_migrations!("fixtures/merge");

fn main() {
    let revisions: Vec<&str> = MIGRATIONS.iter().map(|m| m.revision).collect();
    assert_eq!(revisions, ["1a2b3c4d5e6f", "2b3c4d5e6f70", "3c4d5e6f7081", "4d5e6f708192"]);
    let merge = MIGRATIONS.get("4d5e6f708192").unwrap();
    assert!(merge.is_merge());
    assert_eq!(merge.down_revisions, ["2b3c4d5e6f70", "3c4d5e6f7081"]);
    assert_eq!(MIGRATIONS.heads().len(), 1);

}
