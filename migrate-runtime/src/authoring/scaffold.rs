//! `migrate init`: a new migrations crate inside an existing cargo workspace, the
//! counterpart of `alembic init`; and the new-file verbs (`revision`, `merge`), which read
//! the versions folder rather than a build, so they also work while the build is broken.
//!
//! It writes `<name>/Cargo.toml`, `<name>/build.rs` (so that cargo notices added migration
//! files), `<name>/src/main.rs` (the embedded migrations and the command line) and an empty
//! `<name>/versions/` folder, and adds `<name>` to the workspace's `members`. Run twice, or
//! outside a workspace root, it is an error that changes nothing.
//!
//! ```
//! use migrate_runtime::scaffold::{init, Runtime};
//! let root = tempfile::tempdir()?;
//! std::fs::write(root.path().join("Cargo.toml"), "[workspace]\nmembers = [\"app\"]\n")?;
//! let created = init(root.path(), "db", &Runtime::Version("0.1".into()))?;
//! assert!(created.join("versions").is_dir());
//! let manifest = std::fs::read_to_string(root.path().join("Cargo.toml"))?;
//! assert!(manifest.contains("members = [\"app\", \"db\"]"));
//! assert!(init(root.path(), "db", &Runtime::Version("0.1".into())).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::{Path, PathBuf};

/// How the new crate depends on `migrate-runtime`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runtime {
    /// A version requirement from the registry (`"0.1"`).
    Version(String),
    /// A local checkout of the `migrate-runtime` crate (absolute, or relative to the
    /// current directory).
    Path(PathBuf),
}

/// Why `init` refused. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// The crate name has characters cargo refuses, or starts with a digit.
    #[error(
        "\"{name}\" is not a crate name: use letters, digits, `_` and `-`; nothing was changed"
    )]
    CrateName {
        /// The name given.
        name: String,
    },
    /// The workspace manifest cannot be read.
    #[error("{} cannot be read ({source}): run `migrate init` at the root of a cargo workspace; nothing was changed", manifest.display())]
    ReadManifest {
        /// The manifest's path.
        manifest: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The manifest is not a workspace's.
    #[error("{} has no [workspace] section: run `migrate init` at the root of a cargo workspace, or add `[workspace]` to it; nothing was changed", manifest.display())]
    NotAWorkspace {
        /// The manifest's path.
        manifest: PathBuf,
    },
    /// The crate's folder exists.
    #[error("{} already exists; nothing was changed", dir.display())]
    Exists {
        /// The folder.
        dir: PathBuf,
    },
    /// The crate cannot be added to the workspace's `members`.
    #[error("{}: {problem}; nothing was changed", manifest.display())]
    Members {
        /// The manifest's path.
        manifest: PathBuf,
        /// What is wrong with its `members`.
        problem: MembersProblem,
    },
    /// The current directory (for a relative `--runtime-path`) cannot be read.
    #[error("cannot read the current directory: {0}; nothing was changed")]
    CurrentDir(std::io::Error),
    /// The runtime path holds no crate.
    #[error("{} is not a crate folder (no Cargo.toml); nothing was changed", .0.display())]
    NotACrate(PathBuf),
    /// Writing the crate's files failed (they were removed).
    #[error("cannot write {}: {source}; nothing was changed", dir.display())]
    Write {
        /// The crate's folder.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Updating the workspace manifest failed (the crate was removed).
    #[error("cannot update {}: {source}; nothing was changed", manifest.display())]
    UpdateManifest {
        /// The manifest's path.
        manifest: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// What keeps a crate from being added to a workspace's `members`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MembersProblem {
    /// The manifest has no `[workspace]` section.
    #[error("no [workspace] section")]
    NoWorkspace,
    /// The `members` array has no closing bracket.
    #[error("its `members` array is not closed")]
    Unclosed,
    /// The crate is a member already.
    #[error("\"{0}\" is already a workspace member")]
    AlreadyMember(String),
}

/// Why `revision` or `merge` wrote no file.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// The versions folder cannot be read, or a file in it is not a migration.
    #[error(transparent)]
    Scan(#[from] migrate_core::scan::ScanError),
    /// A revision given (`--head`, `--depends-on`, or one to merge) is not in the folder.
    #[error("{given}: {source}")]
    Revision {
        /// What was given, with its option (`--head abc`).
        given: String,
        /// Why it does not name one revision.
        source: migrate_core::PrefixError,
    },
    /// A new revision needs one parent, and the folder has several heads.
    #[error("the versions folder has {} heads ({}): merge them first (`merge -m \"merge heads\"`), or pick one with --head", heads.len(), heads.join(", "))]
    SeveralHeads {
        /// The folder's heads.
        heads: Vec<String>,
    },
    /// A merge of fewer than two revisions.
    #[error("nothing to merge: a merge needs two or more revisions, and {found} {} given or found as heads", if *found == 1 { "was" } else { "were" })]
    NothingToMerge {
        /// How many were given or found.
        found: usize,
    },
    /// The new file cannot be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Creates the migrations crate `name` in the workspace at `root`; returns its folder.
pub fn init(root: &Path, name: &str, runtime: &Runtime) -> Result<PathBuf, InitError> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        || name.starts_with(|c: char| c.is_ascii_digit())
    {
        return Err(InitError::CrateName {
            name: name.to_owned(),
        });
    }
    let manifest_path = root.join("Cargo.toml");
    let manifest =
        std::fs::read_to_string(&manifest_path).map_err(|source| InitError::ReadManifest {
            manifest: manifest_path.clone(),
            source,
        })?;
    if !manifest.lines().any(|l| l.trim() == "[workspace]") {
        return Err(InitError::NotAWorkspace {
            manifest: manifest_path,
        });
    }
    let dir = root.join(name);
    if dir.exists() {
        return Err(InitError::Exists { dir });
    }
    let new_manifest = add_member(&manifest, name).map_err(|problem| InitError::Members {
        manifest: manifest_path.clone(),
        problem,
    })?;

    let dependency = match runtime {
        Runtime::Version(v) => format!("version = \"{v}\""),
        Runtime::Path(p) => {
            let absolute = if p.is_absolute() {
                p.clone()
            } else {
                std::env::current_dir()
                    .map_err(InitError::CurrentDir)?
                    .join(p)
            };
            if !absolute.join("Cargo.toml").is_file() {
                return Err(InitError::NotACrate(absolute));
            }
            format!("path = {:?}", absolute.to_string_lossy())
        }
    };
    let files = [
        ("Cargo.toml", cargo_toml(name, &dependency)),
        ("build.rs", BUILD_RS.to_owned()),
        ("src/main.rs", main_rs(name)),
        ("versions/.gitkeep", String::new()),
    ];
    // Write into a temporary folder beside the crate, then move it into place: a failure
    // half-way leaves nothing behind.
    let staging = root.join(format!(".{name}.migrate-init"));
    let _ = std::fs::remove_dir_all(&staging);
    let written = (|| -> std::io::Result<()> {
        for (file, text) in &files {
            let path = staging.join(file);
            std::fs::create_dir_all(path.parent().expect("files are in folders"))?;
            std::fs::write(path, text)?;
        }
        std::fs::rename(&staging, &dir)
    })();
    if let Err(source) = written {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(InitError::Write { dir, source });
    }
    if let Err(source) = std::fs::write(&manifest_path, new_manifest) {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(InitError::UpdateManifest {
            manifest: manifest_path,
            source,
        });
    }
    Ok(dir)
}

/// The workspace manifest with `name` added to `[workspace] members`.
fn add_member(manifest: &str, name: &str) -> Result<String, MembersProblem> {
    let lines: Vec<&str> = manifest.lines().collect();
    let ws = lines
        .iter()
        .position(|l| l.trim() == "[workspace]")
        .ok_or(MembersProblem::NoWorkspace)?;
    let end = lines[ws + 1..]
        .iter()
        .position(|l| l.trim_start().starts_with('['))
        .map_or(lines.len(), |i| ws + 1 + i);
    let members = (ws + 1..end).find(|&i| {
        let l = lines[i].trim_start();
        l.starts_with("members") && l["members".len()..].trim_start().starts_with('=')
    });
    let quoted = format!("\"{name}\"");
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    match members {
        None => out.insert(ws + 1, format!("members = [{quoted}]")),
        Some(start) => {
            // The array may span lines: find its closing bracket.
            let close = (start..end)
                .find(|&i| lines[i].contains(']'))
                .ok_or(MembersProblem::Unclosed)?;
            let array: String = lines[start..=close].join("\n");
            if array.contains(&quoted) {
                return Err(MembersProblem::AlreadyMember(name.to_owned()));
            }
            let line = lines[close];
            if start == close || line.trim() != "]" {
                // `members = ["a", "b"]`, or a closing bracket after the last member.
                let at = line.rfind(']').expect("found above");
                let before = line[..at].trim_end();
                let separator = if before.ends_with('[') || before.ends_with(',') {
                    ""
                } else {
                    ", "
                };
                out[close] = format!("{before}{separator}{quoted}{}", &line[at..]);
            } else {
                // One member per line, the bracket on its own line.
                let indent: String = lines[start + 1..close]
                    .iter()
                    .find(|l| !l.trim().is_empty())
                    .map(|l| l.chars().take_while(|c| c.is_whitespace()).collect())
                    .unwrap_or_else(|| "    ".into());
                let prev = &mut out[close - 1];
                if !prev.trim_end().ends_with(',') && !prev.trim_end().ends_with('[') {
                    prev.push(',');
                }
                out.insert(close, format!("{indent}{quoted},"));
            }
        }
    }
    let mut text = out.join("\n");
    if manifest.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

fn cargo_toml(name: &str, dependency: &str) -> String {
    format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2021"
publish = false

[features]
default = ["sqlite"]
sqlite = ["migrate-runtime/sqlite"]
postgres = ["migrate-runtime/postgres"]
mysql = ["migrate-runtime/mysql"]

[dependencies]
migrate-runtime = {{ {dependency}, default-features = false, features = ["cli"] }}
"#
    )
}

const BUILD_RS: &str = r#"//! Re-run the build (and so `embed_migrations!`) when a migration file is added, removed or
//! renamed; edits to existing files are tracked by rustc itself.
fn main() {
    println!("cargo:rerun-if-changed=versions");
}
"#;

fn main_rs(name: &str) -> String {
    format!(
        r#"//! The database migrations, embedded in this binary, with Alembic's verbs:
//!
//! ```text
//! cargo run -p {name} -- revision -m "create users"   # a new migration in versions/
//! cargo run -p {name} -- upgrade head
//! cargo run -p {name} -- history
//! ```
use migrate_runtime::prelude::*;

embed_migrations!(
    /// Every migration of `versions/`, checked at compile time.
    pub static MIGRATIONS = "versions"
);

fn main() -> std::process::ExitCode {{
    migrate_runtime::cli::run(&MIGRATIONS, "sqlite://{name}.db")
}}
"#
    )
}

/// Writes a new, empty migration into the versions folder `dir`, on `head` (default: the
/// folder's single head), reading the folder's files (not a build): it works while the
/// build is broken. Returns the new file.
pub fn write_revision(
    dir: &Path,
    message: &str,
    head: Option<&str>,
    branch_labels: &[String],
    depends_on: &[String],
) -> Result<PathBuf, ScaffoldError> {
    let revisions = scan(dir)?;
    let graph = migrate_core::Graph::new(revisions.clone());
    let parents = match head {
        Some(h) => match graph.resolve_prefix(h) {
            Ok(r) => vec![r.id.clone()],
            Err(source) => {
                return Err(ScaffoldError::Revision {
                    given: format!("--head {h}"),
                    source,
                })
            }
        },
        None => {
            let heads: Vec<String> = graph.heads().iter().map(|r| r.id.clone()).collect();
            if heads.len() > 1 {
                return Err(ScaffoldError::SeveralHeads { heads });
            }
            heads
        }
    };
    let mut deps = Vec::new();
    for d in depends_on {
        match graph.resolve_prefix(d) {
            Ok(r) => deps.push(r.id.clone()),
            Err(source) => {
                return Err(ScaffoldError::Revision {
                    given: format!("--depends-on {d}"),
                    source,
                })
            }
        }
    }
    write_new(
        dir,
        &revisions,
        message,
        parents,
        branch_labels.to_vec(),
        deps,
    )
}

/// Writes a migration into `dir` merging `revs` (default: every head of the folder),
/// reading the folder's files: it works while two heads break the build.
pub fn write_merge(dir: &Path, message: &str, revs: &[String]) -> Result<PathBuf, ScaffoldError> {
    let revisions = scan(dir)?;
    let graph = migrate_core::Graph::new(revisions.clone());
    let parents: Vec<String> = if revs.is_empty() {
        graph.heads().iter().map(|r| r.id.clone()).collect()
    } else {
        let mut ids = Vec::new();
        for r in revs {
            match graph.resolve_prefix(r) {
                Ok(rev) => ids.push(rev.id.clone()),
                Err(source) => {
                    return Err(ScaffoldError::Revision {
                        given: r.clone(),
                        source,
                    })
                }
            }
        }
        ids
    };
    if parents.len() < 2 {
        return Err(ScaffoldError::NothingToMerge {
            found: parents.len(),
        });
    }
    write_new(dir, &revisions, message, parents, Vec::new(), Vec::new())
}

fn write_new(
    dir: &Path,
    existing: &[migrate_core::Revision],
    message: &str,
    parents: Vec<String>,
    branch_labels: Vec<String>,
    depends_on: Vec<String>,
) -> Result<PathBuf, ScaffoldError> {
    use migrate_core::scan;
    let id = scan::new_revision_id(existing);
    let text = scan::render_migration(&scan::NewMigration {
        id: id.clone(),
        parents,
        message: message.to_owned(),
        branch_labels,
        depends_on,
    });
    let path = dir.join(scan::file_name(scan::today_utc(), &id, message));
    if let Err(source) = std::fs::write(&path, text) {
        return Err(ScaffoldError::Write { path, source });
    }
    Ok(path)
}

/// The folder's migrations, read as text.
pub(crate) fn scan(dir: &Path) -> Result<Vec<migrate_core::Revision>, ScaffoldError> {
    Ok(migrate_core::scan::scan_dir(dir)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_added_in_every_layout() {
        let cases = [
            ("[workspace]\n", "[workspace]\nmembers = [\"db\"]\n"),
            (
                "[workspace]\nmembers = []\n",
                "[workspace]\nmembers = [\"db\"]\n",
            ),
            (
                "[workspace]\nresolver = \"2\"\nmembers = [\"app\", \"lib\"]\n\n[workspace.dependencies]\nx = 1\n",
                "[workspace]\nresolver = \"2\"\nmembers = [\"app\", \"lib\", \"db\"]\n\n[workspace.dependencies]\nx = 1\n",
            ),
            (
                "[workspace]\nmembers = [\n    \"app\",\n    \"lib\"\n]\n",
                "[workspace]\nmembers = [\n    \"app\",\n    \"lib\",\n    \"db\",\n]\n",
            ),
            (
                "[workspace]\nmembers = [\n    \"app\",\n]\n",
                "[workspace]\nmembers = [\n    \"app\",\n    \"db\",\n]\n",
            ),
        ];
        for (input, wanted) in cases {
            assert_eq!(add_member(input, "db").unwrap(), wanted, "{input}");
        }
        assert!(add_member("[workspace]\nmembers = [\"db\"]\n", "db")
            .unwrap_err()
            .to_string()
            .contains("already a workspace member"));
    }

    #[test]
    fn refusals_change_nothing() {
        let root = tempfile::tempdir().unwrap();
        let rt = Runtime::Version("0.1".into());
        let e = init(root.path(), "db", &rt).unwrap_err().to_string();
        assert!(e.contains("cannot be read"), "{e}");
        std::fs::write(root.path().join("Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
        let e = init(root.path(), "db", &rt).unwrap_err().to_string();
        assert!(e.contains("no [workspace] section") && e.ends_with("nothing was changed"));
        assert!(!root.path().join("db").exists());
        let e = init(root.path(), "9db", &rt).unwrap_err().to_string();
        assert!(e.contains("is not a crate name"), "{e}");
        std::fs::write(root.path().join("Cargo.toml"), "[workspace]\n").unwrap();
        init(root.path(), "db", &rt).unwrap();
        let before = std::fs::read_to_string(root.path().join("Cargo.toml")).unwrap();
        let e = init(root.path(), "db", &rt).unwrap_err().to_string();
        assert!(e.contains("already exists"), "{e}");
        let after = std::fs::read_to_string(root.path().join("Cargo.toml")).unwrap();
        assert_eq!(before, after);
    }

    #[test]
    fn revision_and_merge_read_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let root = write_revision(dir.path(), "create users", None, &[], &[]).unwrap();
        let a = write_revision(dir.path(), "add phone", None, &[], &[]).unwrap();
        // A second branch on the root: two heads, as two developers would leave them.
        let ids: Vec<String> = scan(dir.path())
            .unwrap()
            .iter()
            .map(|r| r.id.clone())
            .collect();
        let first = ids
            .iter()
            .find(|i| std::fs::read_to_string(&root).unwrap().contains(i.as_str()));
        let b = write_revision(dir.path(), "archive", first.map(String::as_str), &[], &[]).unwrap();
        let e = write_revision(dir.path(), "more", None, &[], &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("2 heads") && e.contains("merge"), "{e}");
        let merge = write_merge(dir.path(), "merge heads", &[]).unwrap();
        let text = std::fs::read_to_string(&merge).unwrap();
        let parsed = migrate_core::scan::parse_migration_source(&text, "m.rs")
            .unwrap()
            .unwrap();
        assert_eq!(parsed.parents.len(), 2, "{text}");
        for f in [&a, &b] {
            let r = migrate_core::scan::parse_migration_source(
                &std::fs::read_to_string(f).unwrap(),
                "x.rs",
            )
            .unwrap()
            .unwrap();
            assert!(parsed.parents.contains(&r.id));
        }
        assert!(write_merge(dir.path(), "again", &[])
            .unwrap_err()
            .to_string()
            .contains("nothing to merge"));
    }
}
