//! `revision` and `merge` write files that compile: a scratch copy of the shop crate is
//! built, a revision is added with its own binary, a second developer's branch makes the
//! build fail (two heads, caught at compile time), and `merge`, run by the binary built
//! before, reads the folder and writes the merge that makes it build again.
//!
//! The scratch crate lives in `target/scratch/` and shares its target dir with the other
//! scratch-crate tests, so its dependencies compile once.

use std::path::{Path, PathBuf};
use std::process::Command;

struct Scratch {
    dir: PathBuf,
    target: PathBuf,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("migrations is in the workspace")
        .to_path_buf()
}

impl Scratch {
    fn new() -> Scratch {
        let ws = workspace();
        let root = ws.join("target").join("scratch");
        let dir = root.join(format!("shop-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::create_dir_all(dir.join("versions")).unwrap();
        for entry in std::fs::read_dir(ws.join("migrations/versions")).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.join("versions").join(path.file_name().unwrap())).unwrap();
        }
        std::fs::write(
            dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"scratch-shop\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
                 [dependencies]\nmigrate-runtime = {{ path = {:?}, default-features = false, features = [\"sqlite\", \"cli\"] }}\n\n\
                 [workspace]\n",
                ws.join("migrate-runtime").to_string_lossy()
            ),
        )
        .unwrap();
        std::fs::copy(ws.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
        std::fs::copy(ws.join("migrations/build.rs"), dir.join("build.rs")).unwrap();
        std::fs::write(
            dir.join("src/main.rs"),
            "use migrate_runtime::prelude::*;\n\n\
             static MIGRATIONS: Migrations = embed_migrations!(\"versions\");\n\n\
             fn main() -> std::process::ExitCode {\n    migrate_runtime::cli::run(&MIGRATIONS, \"sqlite://scratch.db\")\n}\n",
        )
        .unwrap();
        Scratch {
            dir,
            target: root.join("target"),
        }
    }

    /// `cargo build`: whether it succeeded, and its stderr.
    fn build(&self) -> (bool, String) {
        let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "--quiet"])
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", &self.target)
            .env_remove("MIGRATE_MANIFEST_DIR")
            .env_remove("RUSTFLAGS")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Copies the binary just built, so that it can run after a later build failed.
    fn keep_binary(&self, name: &str) -> PathBuf {
        let kept = self.dir.join(name);
        std::fs::copy(self.target.join("debug/scratch-shop"), &kept).unwrap();
        kept
    }

    /// Runs `binary` with `args` in the scratch dir; asserts success and returns stdout.
    fn run(&self, binary: &Path, args: &[&str]) -> String {
        let out = Command::new(binary)
            .args(args)
            .current_dir(&self.dir)
            .env_remove("DATABASE_URL")
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The id in `wrote .../20251125_<id>_<slug>.rs`.
fn written_id(output: &str) -> String {
    let path = output.trim().strip_prefix("wrote ").expect(output);
    let name = Path::new(path).file_name().unwrap().to_string_lossy();
    assert!(Path::new(path).is_file(), "{path} exists");
    name.split('_').nth(1).unwrap().to_owned()
}

#[test]
fn revision_and_merge_write_files_that_compile() {
    let s = Scratch::new();
    let (built, stderr) = s.build();
    assert!(built, "the shop copy builds: {stderr}");
    let v1 = s.keep_binary("shop-v1");

    // A new revision on the head.
    let phone = written_id(&s.run(&v1, &["revision", "-m", "add phone to users"]));
    let (built, stderr) = s.build();
    assert!(built, "a new revision compiles: {stderr}");
    let v2 = s.keep_binary("shop-v2");
    let history = s.run(&v2, &["history"]);
    assert!(
        history.starts_with(&format!(
            "a0b1c2d3e4f5 -> {phone} (head), add phone to users"
        )),
        "{history}"
    );

    // A second developer branches from an older revision: two heads, refused at compile time.
    let branch = written_id(&s.run(
        &v2,
        &["revision", "-m", "archive old orders", "--head", "c41d"],
    ));
    let (built, stderr) = s.build();
    assert!(!built, "two heads must not compile");
    assert!(
        stderr.contains("merge"),
        "the error suggests the merge: {stderr}"
    );

    // The binary built before reads the folder, not only what it embeds: it can merge.
    let merge = written_id(&s.run(&v2, &["merge", "-m", "merge phone and archive"]));
    let (built, stderr) = s.build();
    assert!(built, "the merge compiles: {stderr}");
    let v3 = s.keep_binary("shop-v3");
    let heads = s.run(&v3, &["heads"]);
    assert!(heads.starts_with(&format!("{merge} (head)")), "{heads}");
    let show = s.run(&v3, &["show", &merge]);
    assert!(
        show.contains(&format!("Parent: {phone}, {branch}"))
            || show.contains(&format!("Parent: {branch}, {phone}")),
        "{show}"
    );

    // And the new history runs.
    let up = s.run(&v3, &["upgrade", "head"]);
    assert!(up.contains(&format!("upgrade   {merge}")), "{up}");
}
