//! Engine benchmarks against baselines measured in the same run (issues 5 and 9):
//!
//! ```text
//! cargo bench -p migrate-tests --features postgres,mysql --bench engine
//! ```
//!
//! 1. **Nothing to do at start-up**: the wall time of a whole process that calls
//!    `CHAIN.run_pending(url)` on a SQLite file already at head (`examples/startup.rs`),
//!    against a process that only opens the same file and reads the version row
//!    (`examples/open_only.rs`). The bench builds both first with
//!    `cargo build --release -p migrate-tests --examples` and the bench's own features.
//! 2. **Apply the 300-migration chain** (`migrate_tests::chain`) with the engine, against
//!    the same DDL executed directly through one connection in one transaction (MySQL:
//!    without one, its DDL commits anyway), each on a fresh database. The engine runs in
//!    both transaction modes; its per-migration mode is also compared with the DDL run
//!    directly with one transaction per migration (the same number of commits).
//! 3. **Downgrade the chain to base**, against the derived downgrade DDL run the same way.
//!
//! Every figure is a median, and a ratio to its baseline; nothing here fails on time.
//! `BENCH_RUNS` (default 5) and `BENCH_STARTUP_RUNS` (default 30) set the repetitions;
//! `BENCH_ONLY` (a comma-separated subset of `startup,plan,sqlite,postgres,mysql`) picks
//! the parts to run, e.g. to profile one of them. PostgreSQL and MySQL run when compiled
//! in (`--features postgres,mysql`) and reachable (the `migrate-tests` harness's servers,
//! `MIGRATE_TEST_POSTGRES_URL` / `MIGRATE_TEST_MYSQL_URL`); otherwise they print why they
//! are skipped.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use migrate_runtime::connection::Connection;
use migrate_runtime::dialect::{catalog, Dialect, Statement};
use migrate_runtime::engine::{Config, Engine, TransactionMode};
use migrate_tests::chain::{downgrade_steps, upgrade_steps, CHAIN, HEAD, LEN};
use migrate_tests::{Backend, TestDb};

/// One line of the summary table.
struct Row {
    figure: String,
    measured: Duration,
    baseline: Duration,
    target: f64,
}

impl Row {
    fn ratio(&self) -> f64 {
        self.measured.as_secs_f64() / self.baseline.as_secs_f64()
    }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        // `cargo test --all-targets` runs this binary too: only `cargo bench` measures.
        println!("benches/engine.rs measures only under `cargo bench`");
        return;
    }
    let runs = env_count("BENCH_RUNS", 5);
    let startup_runs = env_count("BENCH_STARTUP_RUNS", 30);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("engine benchmarks: {LEN}-migration chain, {cores} cores, medians");

    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let wanted = |part: &str| only.is_empty() || only.split(',').any(|p| p.trim() == part);
    let mut rows = Vec::new();
    if wanted("startup") {
        startup(startup_runs, &mut rows);
    }
    if wanted("plan") {
        plan_cost();
    }
    if wanted("sqlite") {
        chain(Backend::Sqlite, runs, &mut rows);
    }
    if wanted("postgres") {
        if cfg!(feature = "postgres") {
            chain(Backend::Postgres, runs, &mut rows);
        } else {
            println!("\nPostgreSQL skipped: built without `--features postgres`");
        }
    }
    if wanted("mysql") {
        if cfg!(feature = "mysql") {
            chain(Backend::Mysql, runs, &mut rows);
        } else {
            println!("\nMySQL skipped: built without `--features mysql`");
        }
    }

    println!("\n| figure | measured | baseline | ratio | target |");
    println!("|---|---:|---:|---:|---:|");
    for r in &rows {
        let missed = if r.ratio() <= r.target {
            ""
        } else {
            " (missed)"
        };
        println!(
            "| {} | {} | {} | {:.2}x | {}x{missed} |",
            r.figure,
            ms(r.measured),
            ms(r.baseline),
            r.ratio(),
            r.target,
        );
    }
}

fn env_count(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(default)
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    assert!(!samples.is_empty(), "no sample");
    samples.sort();
    let n = samples.len();
    if n % 2 == 1 {
        samples[n / 2]
    } else {
        (samples[n / 2 - 1] + samples[n / 2]) / 2
    }
}

/// The cargo features this bench was built with, for building the examples alike.
fn features() -> String {
    let mut f = vec!["sqlite"];
    if cfg!(feature = "postgres") {
        f.push("postgres");
    }
    if cfg!(feature = "mysql") {
        f.push("mysql");
    }
    f.join(",")
}

/// Builds the examples in release mode and returns the paths of `startup` and `open_only`.
fn build_examples() -> (PathBuf, PathBuf) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let out = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--examples",
            "--manifest-path",
            manifest,
        ])
        .args(["-p", "migrate-tests", "--features", &features()])
        .args(["--message-format", "json-render-diagnostics"])
        .output()
        .expect("run cargo build for the examples");
    assert!(
        out.status.success(),
        "cargo build --release -p migrate-tests --examples failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // cargo reports each built example as `..."kind":["example"],...,"name":"<name>",...
    // "executable":"<path>"...` on one line.
    let json = String::from_utf8_lossy(&out.stdout);
    let executable = |name: &str| -> PathBuf {
        let tag = format!("\"kind\":[\"example\"],\"crate_types\":[\"bin\"],\"name\":\"{name}\"");
        json.lines()
            .filter(|l| l.contains(&tag))
            .find_map(|l| {
                let key = "\"executable\":\"";
                let start = l.find(key)? + key.len();
                let len = l[start..].find('"')?;
                Some(PathBuf::from(&l[start..start + len]))
            })
            .unwrap_or_else(|| panic!("cargo did not report the example {name}"))
    };
    (executable("startup"), executable("open_only"))
}

/// Runs `exe url` to completion and returns its wall time; its stdout must contain `expect`.
fn time_process(exe: &Path, url: &str, expect: &str) -> Duration {
    let started = Instant::now();
    let out = Command::new(exe)
        .arg(url)
        .output()
        .expect("run the example");
    let took = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains(expect),
        "{} {url}: {stdout}{}",
        exe.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

/// Figure 1: a whole process finding a SQLite database at head, against opening it only.
fn startup(runs: usize, rows: &mut Vec<Row>) {
    println!("\n# nothing to do at start-up (SQLite at head, whole process, {runs} runs each)");
    println!(
        "building the examples: cargo build --release -p migrate-tests --examples --features {}",
        features()
    );
    let (startup, open_only) = build_examples();
    let db = TestDb::open(Backend::Sqlite, "bench_startup").expect("SQLite is always there");
    CHAIN
        .run_pending(db.url())
        .expect("migrate the file to head");

    // The same call in this process: the part of the process time that is the engine's.
    let mut in_process = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let ran = CHAIN.run_pending(db.url()).expect("run_pending at head");
        in_process.push(started.elapsed());
        assert!(ran.is_empty());
    }

    let (mut measured, mut baseline) = (Vec::new(), Vec::new());
    for i in 0..runs + 3 {
        // Interleaved, so that both see the same machine; the first 3 warm the caches.
        let m = time_process(&startup, db.url(), "ran 0");
        let b = time_process(&open_only, db.url(), HEAD);
        if i >= 3 {
            measured.push(m);
            baseline.push(b);
        }
    }
    let row = Row {
        figure: "nothing to do at start-up, SQLite, whole process vs open + read one row".into(),
        measured: median(measured),
        baseline: median(baseline),
        target: 2.0,
    };
    println!("startup   (run_pending)      {}", ms(row.measured));
    println!("open_only (open + one row)   {}", ms(row.baseline));
    println!(
        "ratio                        {:.2}x (target 2x)",
        row.ratio()
    );
    println!(
        "run_pending in-process       {} (connection included)",
        ms(median(in_process))
    );
    rows.push(row);
}

/// What planning costs without a database: replaying and rendering every migration, as
/// the engine does before it runs the first statement.
fn plan_cost() {
    println!("\n# rendering the chain without a database (replay + render of {LEN} migrations)");
    for d in Dialect::ALL {
        let started = Instant::now();
        let up = upgrade_steps(d);
        let up_took = started.elapsed();
        let started = Instant::now();
        let down = downgrade_steps(d);
        let down_took = started.elapsed();
        println!(
            "{:8} upgrade {} ({} migrations), downgrade {} ({} migrations)",
            d.name(),
            ms(up_took),
            up.len(),
            ms(down_took),
            down.len()
        );
    }
}

/// How the direct baseline wraps its statements in transactions.
#[derive(Clone, Copy, PartialEq)]
enum Commits {
    /// No transaction (MySQL: every DDL statement commits anyway).
    None,
    /// One transaction for the whole chain.
    One,
    /// One transaction per migration.
    PerMigration,
}

/// Runs the statements of `steps` (one list per migration) on `conn`; returns the time.
fn run_direct(conn: &mut Connection, steps: &[Vec<Statement>], commits: Commits) -> Duration {
    let begin = conn.dialect().backend().begin();
    let started = Instant::now();
    if commits == Commits::One {
        conn.batch_execute(begin).expect("begin");
    }
    for step in steps {
        if commits == Commits::PerMigration {
            conn.batch_execute(begin).expect("begin");
        }
        for s in step {
            conn.run(s).unwrap_or_else(|e| panic!("{}: {e}", s.sql()));
        }
        if commits == Commits::PerMigration {
            conn.batch_execute(catalog::end(true)).expect("commit");
        }
    }
    if commits == Commits::One {
        conn.batch_execute(catalog::end(true)).expect("commit");
    }
    started.elapsed()
}

/// One way of running the chain, timed up to head and back to base on a fresh database.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// The engine, in the given transaction mode.
    Engine(TransactionMode),
    /// The rendered DDL run directly.
    Direct(Commits),
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Engine(TransactionMode::PerRun) => "engine",
            Mode::Engine(TransactionMode::PerMigration) => "engine per-migration",
            Mode::Direct(Commits::PerMigration) => "direct per-migration",
            Mode::Direct(_) => "direct",
        }
    }
}

/// The direct DDL: one list of statements per migration, up and down.
struct Ddl {
    up: Vec<Vec<Statement>>,
    down: Vec<Vec<Statement>>,
}

/// Takes a fresh database on `backend` to head and back to base in `mode`: the two
/// times, or the engine's error. The server was reachable a moment ago.
fn run_mode(
    backend: Backend,
    mode: Mode,
    run: usize,
    ddl: &Ddl,
) -> Result<(Duration, Duration), String> {
    let d = backend.dialect();
    let tag = mode.name().replace([' ', '-'], "_");
    let db = TestDb::open(backend, &format!("bench_{tag}_{}_{run}", d.name()))
        .expect("reachable a moment ago");
    let mut conn = Connection::establish(db.url()).expect("connect");
    Ok(match mode {
        Mode::Engine(transaction) => {
            let config = Config {
                transaction,
                ..Config::default()
            };
            let mut engine = Engine::new(&CHAIN, conn).with_config(config);
            let started = Instant::now();
            let ran = engine
                .upgrade()
                .map_err(|e| format!("upgrade failed: {e}"))?;
            let up = started.elapsed();
            assert_eq!(ran.len(), LEN);
            let started = Instant::now();
            let ran = engine
                .downgrade_to_base()
                .map_err(|e| format!("downgrade failed: {e}"))?;
            let down = started.elapsed();
            assert_eq!(ran.len(), LEN);
            (up, down)
        }
        Mode::Direct(commits) => (
            run_direct(&mut conn, &ddl.up, commits),
            run_direct(&mut conn, &ddl.down, commits),
        ),
    })
}

/// The median time of one round trip of a trivial query on `backend` (over 300), or
/// `None` when its server cannot be reached.
fn round_trip(backend: Backend) -> Option<Duration> {
    let name = format!("bench_round_trip_{}", backend.dialect().name());
    let db = TestDb::open(backend, &name)?;
    let mut conn = Connection::establish(db.url()).expect("connect");
    let samples = (0..LEN)
        .map(|_| {
            let started = Instant::now();
            conn.query_count("SELECT 1").expect("SELECT 1");
            started.elapsed()
        })
        .collect();
    Some(median(samples))
}

/// Figures 2 and 3 on one backend: the chain applied and downgraded by the engine (in each
/// transaction mode the backend has), against the same DDL run directly; every run on
/// fresh databases, the modes interleaved.
fn chain(backend: Backend, runs: usize, rows: &mut Vec<Row>) {
    let d = backend.dialect();
    let (target, one) = match backend {
        Backend::Sqlite => (3.0, Commits::One),
        Backend::Postgres => (1.5, Commits::One),
        Backend::Mysql => (1.5, Commits::None),
    };
    let how = if one == Commits::One {
        "one transaction"
    } else {
        "no transaction"
    };
    println!(
        "\n# {LEN}-migration chain on {backend:?} ({runs} runs; baseline: the DDL directly, {how})"
    );
    let Some(rtt) = round_trip(backend) else {
        println!("{backend:?} skipped: its server cannot be reached (reason above)");
        return;
    };
    println!(
        "one round trip (SELECT 1): {:.3} ms",
        rtt.as_secs_f64() * 1e3
    );
    let ddl = Ddl {
        up: upgrade_steps(d),
        down: downgrade_steps(d),
    };
    let mut modes = vec![Mode::Engine(TransactionMode::PerRun), Mode::Direct(one)];
    if one == Commits::One {
        // On MySQL every statement commits anyway: there the modes are the same.
        modes.push(Mode::Engine(TransactionMode::PerMigration));
        modes.push(Mode::Direct(Commits::PerMigration));
    }
    let mut samples: Vec<(Vec<Duration>, Vec<Duration>)> = vec![Default::default(); modes.len()];
    for run in 0..runs {
        let mut line = format!("run {}:", run + 1);
        for (mode, (ups, downs)) in modes.iter().zip(&mut samples) {
            if run > 0 && ups.is_empty() {
                continue; // it failed in the first run
            }
            match run_mode(backend, *mode, run, &ddl) {
                Ok((up, down)) => {
                    line.push_str(&format!(" {} {} / {};", mode.name(), ms(up), ms(down)));
                    ups.push(up);
                    downs.push(down);
                }
                Err(e) => println!("{} on {backend:?}: {e} (not measured)", mode.name()),
            }
        }
        println!("{line} (up / down)");
    }
    let medians: Vec<Option<(Duration, Duration)>> = samples
        .into_iter()
        .map(|(ups, downs)| (!ups.is_empty()).then(|| (median(ups), median(downs))))
        .collect();
    let median_of = |mode: Mode| {
        modes
            .iter()
            .position(|m| *m == mode)
            .and_then(|i| medians[i])
    };
    let direct = median_of(Mode::Direct(one)).expect("the direct DDL ran");
    let mut comparisons = vec![(Mode::Engine(TransactionMode::PerRun), Mode::Direct(one))];
    if one == Commits::One {
        let per_migration = Mode::Engine(TransactionMode::PerMigration);
        comparisons.push((per_migration, Mode::Direct(one)));
        comparisons.push((per_migration, Mode::Direct(Commits::PerMigration)));
    }
    for (mode, against) in comparisons {
        let Some((up, down)) = median_of(mode) else {
            continue;
        };
        let (base_up, base_down) = median_of(against).unwrap_or(direct);
        let vs = if against == Mode::Direct(one) {
            String::new()
        } else {
            format!(" vs {}", against.name())
        };
        for (what, measured, baseline) in [
            ("apply the chain", up, base_up),
            ("downgrade the chain to base", down, base_down),
        ] {
            let row = Row {
                figure: format!("{what}, {backend:?}, {}{vs}", mode.name()),
                measured,
                baseline,
                target,
            };
            println!(
                "{}: {} vs {}: {:.2}x (target {target}x)",
                row.figure,
                ms(row.measured),
                ms(row.baseline),
                row.ratio()
            );
            rows.push(row);
        }
    }
}
