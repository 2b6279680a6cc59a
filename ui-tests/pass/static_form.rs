//! The item form: the migration modules beside the static (each in its own codegen unit),
//! not inside its initializer. Two sets in one module do not collide.
use migrate_runtime::prelude::*;

embed_migrations!(
    /// The linear chain.
    pub static MIGRATIONS = "fixtures/linear_chain"
);

embed_migrations!(static MERGE = "fixtures/merge";);

fn main() {
    let revisions: Vec<&str> = MIGRATIONS.iter().map(|m| m.revision).collect();
    assert_eq!(revisions, ["3f9a1c2b7d10", "9b2e4d6f8a01", "c41d5e6f7a82"]);
    let first = MIGRATIONS.get("3f9a1c2b7d10").unwrap();
    assert_eq!(first.line, 3, "line of the #[migration] attribute");
    assert!(first.file.ends_with("20250101_3f9a1c2b7d10_create_users.rs"), "{}", first.file);
    assert!(MIGRATIONS.dir().ends_with("fixtures/linear_chain"), "{}", MIGRATIONS.dir());
    assert!(!MERGE.is_empty());
}
