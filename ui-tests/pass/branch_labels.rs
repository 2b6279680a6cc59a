use migrate_runtime::prelude::*;

pub static MIGRATIONS: Migrations = embed_migrations!("fixtures/branch_labels");

fn main() {
    let revisions: Vec<&str> = MIGRATIONS.iter().map(|m| m.revision).collect();
    assert_eq!(revisions, ["aa11bb22cc33", "bb22cc33dd44", "cc33dd44ee55"]);
    let items = MIGRATIONS.get("bb22cc33dd44").unwrap();
    assert_eq!(items.branch_labels, ["catalog", "items-v1"]);
    assert_eq!(MIGRATIONS.get("cc33dd44ee55").unwrap().depends_on, ["aa11bb22cc33"]);

}
