//! A scratch copy of the shop crate, built in `target/scratch/` with a target dir shared by
//! every scratch-crate test, so that its dependencies compile once.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Scratch {
    /// The crate's folder.
    pub dir: PathBuf,
    target: PathBuf,
    package: String,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("migrations is in the workspace")
        .to_path_buf()
}

impl Scratch {
    /// A copy of the shop crate (its versions folder and a `main` running the CLI).
    /// Each test names its own copy, so that tests running at once keep their binaries apart.
    pub fn new(name: &str) -> Scratch {
        Self::create(name, true)
    }

    /// The same crate with an empty versions folder.
    pub fn empty(name: &str) -> Scratch {
        Self::create(name, false)
    }

    /// The versions folder.
    pub fn versions(&self) -> PathBuf {
        self.dir.join("versions")
    }

    fn create(name: &str, copy_shop: bool) -> Scratch {
        let package = format!("scratch-{name}");
        let ws = workspace();
        let root = ws.join("target").join("scratch");
        let dir = root.join(format!("{package}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::create_dir_all(dir.join("versions")).unwrap();
        for entry in std::fs::read_dir(ws.join("migrations/versions")).unwrap() {
            if !copy_shop {
                break;
            }
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.join("versions").join(path.file_name().unwrap())).unwrap();
        }
        std::fs::write(
            dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"{package}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
                 [dependencies]\nmigrate-runtime = {{ path = {:?}, default-features = false, features = [\"sqlite\", \"cli\"] }}\n\n\
                 [workspace]\n",
                ws.join("migrate-runtime").to_string_lossy(),
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
            package,
        }
    }

    /// `cargo build`: whether it succeeded, and its stderr.
    pub fn build(&self) -> (bool, String) {
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
    pub fn keep_binary(&self, name: &str) -> PathBuf {
        let kept = self.dir.join(name);
        std::fs::copy(self.target.join("debug").join(&self.package), &kept).unwrap();
        kept
    }

    /// Runs `binary` with `args` in the scratch dir; asserts success and returns stdout.
    pub fn run(&self, binary: &Path, args: &[&str]) -> String {
        self.run_with(binary, args, &[])
    }

    /// [`Scratch::run`] with extra environment variables.
    pub fn run_with(&self, binary: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
        let out = Command::new(binary)
            .args(args)
            .current_dir(&self.dir)
            .env_remove("DATABASE_URL")
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
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
