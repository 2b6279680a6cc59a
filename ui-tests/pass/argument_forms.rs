//! Every argument form, read by the attribute's common case (without syn) or by its full
//! parser, gives the same values at run time.
use migrate_runtime::prelude::*;
use migrate_runtime::Downgrade;

pub static MIGRATIONS: Migrations = embed_migrations!("fixtures/argument_forms");

fn main() {
    let revisions: Vec<&str> = MIGRATIONS.iter().map(|m| m.revision).collect();
    assert_eq!(revisions, ["a1a1a1a1a1a1", "b2b2b2b2b2b2", "c3c3c3c3c3c3", "d4d4d4d4d4d4"]);

    let plain = MIGRATIONS.get("a1a1a1a1a1a1").unwrap();
    assert_eq!(plain.message, "create users");
    assert_eq!(plain.branch_labels, ["shop", "users-v1"]);
    assert!(plain.down_revisions.is_empty());
    assert!(plain.file.ends_with("20250101_a1a1a1a1a1a1_plain.rs"), "{}", plain.file);
    assert_eq!(plain.line, 4);
    assert_eq!((plain.upgrade)().len(), 1);

    let escaped = MIGRATIONS.get("b2b2b2b2b2b2").unwrap();
    assert_eq!(escaped.message, "add \"display_name\"\tand {braces}");
    assert_eq!(escaped.down_revisions, ["a1a1a1a1a1a1"]);
    assert_eq!(escaped.line, 4);

    let attributes = MIGRATIONS.get("c3c3c3c3c3c3").unwrap();
    assert_eq!(attributes.down_revisions, ["b2b2b2b2b2b2"]);
    assert_eq!(attributes.depends_on, ["a1a1a1a1a1a1"]);
    assert_eq!(attributes.message, "");
    assert_eq!(attributes.line, 4);
    assert_eq!((attributes.upgrade)().len(), 1);
    assert!(matches!(attributes.downgrade, Downgrade::Derived));

    let module = MIGRATIONS.get("d4d4d4d4d4d4").unwrap();
    assert_eq!(module.message, "módulo ✓");
    match module.downgrade {
        Downgrade::Explicit(down) => assert_eq!(down().len(), 2),
        Downgrade::Derived => panic!("the module has a downgrade"),
    }
}
