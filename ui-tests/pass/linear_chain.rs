use migrate_runtime::prelude::*;

pub static MIGRATIONS: Migrations = embed_migrations!("fixtures/linear_chain");

fn main() {
    let revisions: Vec<&str> = MIGRATIONS.iter().map(|m| m.revision).collect();
    assert_eq!(revisions, ["3f9a1c2b7d10", "9b2e4d6f8a01", "c41d5e6f7a82"]);
    let first = MIGRATIONS.get("3f9a1c2b7d10").unwrap();
    assert_eq!(first.message, "create users");
    assert!(first.is_base());
    assert_eq!(first.line, 3, "line of the #[migration] attribute");
    assert!(first.file.ends_with("20250101_3f9a1c2b7d10_create_users.rs"), "{}", first.file);
    assert!(MIGRATIONS.dir().ends_with("fixtures/linear_chain"), "{}", MIGRATIONS.dir());

}
