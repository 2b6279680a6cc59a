use migrate_runtime::prelude::*;
use migrate_runtime::Downgrade;

pub static MIGRATIONS: Migrations = embed_migrations!("fixtures/explicit_downgrade");

fn main() {
    let revisions: Vec<&str> = MIGRATIONS.iter().map(|m| m.revision).collect();
    assert_eq!(revisions, ["0f0e0d0c0b0a", "a0b1c2d3e4f5", "b1c2d3e4f5a6"]);
    let explicit = MIGRATIONS.get("a0b1c2d3e4f5").unwrap();
    match explicit.downgrade {
        Downgrade::Explicit(down) => assert_eq!(down().len(), 1),
        Downgrade::Derived => panic!("the module has a downgrade"),
    }
    assert_eq!((explicit.upgrade)().len(), 1);
    assert!(matches!(MIGRATIONS.get("b1c2d3e4f5a6").unwrap().downgrade, Downgrade::Derived));
    assert!(matches!(MIGRATIONS.get("0f0e0d0c0b0a").unwrap().downgrade, Downgrade::Derived));

}
