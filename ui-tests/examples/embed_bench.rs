//! Build-time cost of `embed_migrations!`: a crate with N migrations (1,000 by default)
//! embedded, against the same files included as plain modules without `#[migration]`.
//! Embedded twice: with the expression form
//! (`static MIGRATIONS: Migrations = embed_migrations!("versions");`) and as a static
//! (`embed_migrations!(static MIGRATIONS = "versions");`).
//!
//! ```text
//! cargo run -p ui-tests --example embed_bench -- [N] [ROUNDS]
//! ```
//!
//! Both crates live under `target/scratch/bench/` and share `target/scratch/target` (as the
//! rebuild test does), so dependencies compile once. Measured, for each crate:
//! - full: the crate itself rebuilt from scratch (`CARGO_INCREMENTAL=0`, `main.rs` touched);
//! - incremental: one migration file edited, rebuilt with incremental compilation.
//!
//! Each round builds the embedded crates then the plain one, so that a change in the
//! machine's load affects all of them; the figures are medians over ROUNDS rounds (default 5).
//! Besides the wall-clock time, the CPU time of the build (cargo, rustc and the linker:
//! the children's user + system time, from `/proc/self/stat` on Linux) is reported: on a
//! machine shared with other jobs it moves much less than the wall clock.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn id(i: usize) -> String {
    format!("{:012x}", 0x1000_0000_0000u64 + i as u64 * 7919)
}

fn file_name(i: usize) -> String {
    format!("{:08}_{}_step.rs", 20250000 + i, id(i))
}

fn body(i: usize, sql: &str) -> String {
    format!("pub fn upgrade() -> Vec<Op> {{\n    vec![op::execute(\"{sql} {i}\")]\n}}\n")
}

fn migration(i: usize, embedded: bool, sql: &str) -> String {
    let mut s = String::from("use migrate_runtime::prelude::*;\n\n");
    if embedded {
        let parent = if i == 0 {
            String::new()
        } else {
            format!(", down_revision = \"{}\"", id(i - 1))
        };
        s.push_str(&format!(
            "#[migration(revision = \"{}\"{parent}, message = \"step {i}\")]\n",
            id(i)
        ));
    }
    s.push_str(&body(i, sql));
    s
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `static MIGRATIONS: Migrations = embed_migrations!("versions");`
    Expression,
    /// `embed_migrations!(static MIGRATIONS = "versions");`
    Static,
    /// The same files as plain `#[path]` modules, without `#[migration]`.
    Plain,
}

struct Crate {
    dir: PathBuf,
    target: PathBuf,
    kind: Kind,
}

impl Crate {
    fn create(root: &Path, target: &Path, runtime: &Path, n: usize, kind: Kind) -> Crate {
        let embedded = kind != Kind::Plain;
        let name = match kind {
            Kind::Expression => "bench-embedded",
            Kind::Static => "bench-static",
            Kind::Plain => "bench-plain",
        };
        let dir = root.join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::create_dir_all(dir.join("versions")).unwrap();
        std::fs::write(
            dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
                 [dependencies]\nmigrate-runtime = {{ path = {:?}, default-features = false, features = [\"sqlite\"] }}\n\n\
                 [workspace]\n",
                runtime.to_string_lossy()
            ),
        )
        .unwrap();
        std::fs::copy(
            runtime.parent().unwrap().join("Cargo.lock"),
            dir.join("Cargo.lock"),
        )
        .unwrap();
        for i in 0..n {
            std::fs::write(
                dir.join("versions").join(file_name(i)),
                migration(i, embedded, "SELECT"),
            )
            .unwrap();
        }
        let print = "fn main() {\n    println!(\"{}\", MIGRATIONS.len());\n}\n";
        let main = if kind == Kind::Expression {
            format!(
                "use migrate_runtime::prelude::*;\n\n\
                 static MIGRATIONS: Migrations = embed_migrations!(\"versions\");\n\n{print}"
            )
        } else if kind == Kind::Static {
            format!(
                "use migrate_runtime::prelude::*;\n\n\
                 embed_migrations!(static MIGRATIONS = \"versions\");\n\n{print}"
            )
        } else {
            let mut s = String::from("use migrate_runtime::prelude::*;\n\n");
            for i in 0..n {
                let path = dir.join("versions").join(file_name(i));
                s.push_str(&format!(
                    "#[path = {:?}]\nmod m_{i};\n",
                    path.to_string_lossy()
                ));
            }
            s.push_str(&format!("\nstatic UPGRADES: [fn() -> Vec<Op>; {n}] = ["));
            for i in 0..n {
                s.push_str(&format!("m_{i}::upgrade, "));
            }
            s.push_str("];\n\nfn main() {\n    println!(\"{}\", UPGRADES.len());\n}\n");
            s
        };
        std::fs::write(dir.join("src/main.rs"), main).unwrap();
        Crate {
            dir,
            target: target.to_path_buf(),
            kind,
        }
    }

    /// The build's wall-clock and CPU time.
    fn build(&self, incremental: bool) -> (Duration, Duration) {
        let cpu = children_cpu();
        let start = Instant::now();
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "--quiet"])
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", &self.target)
            .env("CARGO_INCREMENTAL", if incremental { "1" } else { "0" })
            .env_remove("MIGRATE_MANIFEST_DIR")
            .status()
            .unwrap();
        assert!(status.success(), "build of {} failed", self.dir.display());
        (start.elapsed(), children_cpu().saturating_sub(cpu))
    }

    fn touch_main(&self) {
        let main = self.dir.join("src/main.rs");
        let mut text = std::fs::read_to_string(&main).unwrap();
        text.push_str("// touched\n");
        std::fs::write(main, text).unwrap();
    }

    fn edit_one(&self, i: usize, round: usize) {
        std::fs::write(
            self.dir.join("versions").join(file_name(i)),
            migration(i, self.kind != Kind::Plain, &format!("SELECT {round} +")),
        )
        .unwrap();
    }
}

/// User + system CPU time of the waited-for children of this process (Linux; zero
/// elsewhere), at the kernel's tick (`USER_HZ`, 100 per second).
fn children_cpu() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // The fields after the command name (which is in parentheses and may hold spaces):
    // cutime and cstime are the 16th and 17th fields of the whole line.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return Duration::ZERO;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Duration::from_millis((ticks(13) + ticks(14)) * 10)
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("N must be a number"))
        .unwrap_or(1000);
    let ws = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let root = ws.join("target/scratch/bench");
    let target = ws.join("target/scratch/target");
    let runtime = ws.join("migrate-runtime");

    let embedded = Crate::create(&root, &target, &runtime, n, Kind::Expression);
    let as_static = Crate::create(&root, &target, &runtime, n, Kind::Static);
    let plain = Crate::create(&root, &target, &runtime, n, Kind::Plain);
    println!("{n} migrations; warming up (dependencies, first builds)...");
    embedded.build(true);
    as_static.build(true);
    plain.build(true);

    let rounds: usize = std::env::args()
        .nth(2)
        .map(|a| a.parse().expect("ROUNDS must be a number"))
        .unwrap_or(5);
    let crates = [&embedded, &as_static, &plain];
    let mut full = [Vec::new(), Vec::new(), Vec::new()];
    let mut incr = [Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..rounds {
        for (k, krate) in crates.iter().enumerate() {
            krate.touch_main();
            full[k].push(krate.build(false));
        }
    }
    for krate in crates {
        krate.build(true); // incremental cache in place
    }
    for round in 0..rounds {
        for (k, krate) in crates.iter().enumerate() {
            krate.edit_one(n / 2, round);
            incr[k].push(krate.build(true));
        }
    }
    let wall = |v: &Vec<(Duration, Duration)>| median(v.iter().map(|t| t.0).collect());
    let cpu = |v: &Vec<(Duration, Duration)>| median(v.iter().map(|t| t.1).collect());
    println!("median of {rounds} builds of each crate itself (dependencies already built):");
    for (what, runs) in [("full build", &full), ("edit one file", &incr)] {
        let (pw, pc) = (wall(&runs[2]), cpu(&runs[2]));
        println!(
            "  {what:<14} plain modules        wall {:5.2}s          cpu {:5.2}s",
            secs(pw),
            secs(pc)
        );
        for (form, k) in [("embedded, expression", 0), ("embedded, static", 1)] {
            let (w, c) = (wall(&runs[k]), cpu(&runs[k]));
            println!(
                "  {:<14} {form:<20} wall {:5.2}s ({:.2}x)  cpu {:5.2}s ({:.2}x)",
                "",
                secs(w),
                secs(w) / secs(pw),
                secs(c),
                secs(c) / secs(pc).max(0.01)
            );
        }
    }
}
