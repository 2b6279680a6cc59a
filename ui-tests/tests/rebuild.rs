//! Rebuild correctness of `embed_migrations!`: a scratch crate is built, then a migration is
//! added, edited and removed, and after each change `cargo run` must print the new set.
//!
//! Edits are tracked by rustc itself (each file is a `#[path]` module); added and removed
//! files are seen thanks to the crate's `build.rs` (`cargo:rerun-if-changed=versions`), as
//! documented on `embed_migrations!`. The scratch crate's target dir is
//! `target/scratch/target` under this workspace, kept between runs so that its
//! dependencies compile once.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("ui-tests is in the workspace")
        .to_path_buf()
}

fn migration(id: &str, parent: Option<&str>, message: &str) -> String {
    let parent = parent.map_or(String::new(), |p| format!(", down_revision = \"{p}\""));
    format!(
        "use migrate_runtime::prelude::*;\n\n\
         #[migration(revision = \"{id}\"{parent}, message = \"{message}\")]\n\
         pub fn upgrade() -> Vec<Op> {{\n    vec![]\n}}\n"
    )
}

struct Scratch {
    dir: PathBuf,
    target: PathBuf,
}

impl Scratch {
    fn new() -> Scratch {
        let ws = workspace();
        let root = ws.join("target").join("scratch");
        let dir = root.join(format!("rebuild-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::create_dir_all(dir.join("versions")).unwrap();
        let runtime = ws.join("migrate-runtime");
        std::fs::write(
            dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"scratch-rebuild\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
                 [dependencies]\nmigrate-runtime = {{ path = {:?}, default-features = false, features = [\"sqlite\"] }}\n\n\
                 [workspace]\n",
                runtime.to_string_lossy()
            ),
        )
        .unwrap();
        // The workspace's lock file: same versions as the workspace, nothing to resolve.
        std::fs::copy(ws.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
        std::fs::write(
            dir.join("build.rs"),
            "fn main() {\n    println!(\"cargo:rerun-if-changed=versions\");\n}\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("src/main.rs"),
            "use migrate_runtime::prelude::*;\n\n\
             static MIGRATIONS: Migrations = embed_migrations!(\"versions\");\n\n\
             fn main() {\n    for m in MIGRATIONS.iter() {\n        println!(\"{} {}\", m.revision, m.message);\n    }\n}\n",
        )
        .unwrap();
        Scratch {
            dir,
            target: root.join("target"),
        }
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.join("versions").join(name), text).unwrap();
    }

    fn remove(&self, name: &str) {
        std::fs::remove_file(self.dir.join("versions").join(name)).unwrap();
    }

    /// `cargo run`, returning what the binary printed.
    fn run(&self) -> String {
        let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["run", "--quiet"])
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", &self.target)
            .env_remove("MIGRATE_MANIFEST_DIR")
            .env_remove("RUSTFLAGS")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "cargo run failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn added_edited_and_removed_migrations_are_rebuilt() {
    let s = Scratch::new();
    s.write(
        "20250101_aaaa00000001_create_users.rs",
        &migration("aaaa00000001", None, "create users"),
    );
    s.write(
        "20250102_bbbb00000002_create_items.rs",
        &migration("bbbb00000002", Some("aaaa00000001"), "create items"),
    );
    assert_eq!(
        s.run(),
        "aaaa00000001 create users\nbbbb00000002 create items\n"
    );

    // A new file: seen through build.rs's rerun-if-changed.
    s.write(
        "20250103_cccc00000003_create_orders.rs",
        &migration("cccc00000003", Some("bbbb00000002"), "create orders"),
    );
    assert_eq!(
        s.run(),
        "aaaa00000001 create users\nbbbb00000002 create items\ncccc00000003 create orders\n"
    );

    // An edit: seen by rustc, which tracks the module file.
    s.write(
        "20250102_bbbb00000002_create_items.rs",
        &migration(
            "bbbb00000002",
            Some("aaaa00000001"),
            "create the items table",
        ),
    );
    assert_eq!(
        s.run(),
        "aaaa00000001 create users\nbbbb00000002 create the items table\ncccc00000003 create orders\n"
    );

    // A removed file.
    s.remove("20250103_cccc00000003_create_orders.rs");
    assert_eq!(
        s.run(),
        "aaaa00000001 create users\nbbbb00000002 create the items table\n"
    );
}
