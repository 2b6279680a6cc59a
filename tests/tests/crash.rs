//! Crash: a process running `upgrade head` over the 300-migration chain is killed (SIGKILL,
//! `Child::kill`) at random points, and after every kill the database must be at a
//! revision it can name, with exactly the schema of that revision.
//!
//! The process is `chain_cli` (`src/bin/chain_cli.rs`: the command line of
//! `migrate_runtime::cli`). Where a migration's DDL and its version row are separate
//! commits (`--per-migration`, and MySQL) it runs with `CHAIN_PAUSE_MS=1`: every migration
//! ends with a data step that sleeps 1 ms, so that kills land between a migration's DDL and
//! its version row, as well as in statements, in the bookkeeping, at start-up and after
//! the end. The kill points come from a seeded generator: the child is killed after
//! it reported `k` finished migrations (random `k`, one trial in five or ten at the very
//! end of the run) plus a random delay of up to 3 ms (up to 40 ms after start-up when
//! `k = 0`, up to 25 ms at the end). `CRASH_SEED` and `CRASH_KILLS` override the seed and
//! the number of kills; `CRASH_TIMING=1` prints every trial. Each test ends with one line
//! of counts on stderr (seen with `--nocapture`).
//!
//! After each kill (and once the killed client's server session is gone), the test reads
//! the version table, the history and the catalog:
//!
//! - the tables, columns and indexes are exactly those of the chain's first `n` migrations,
//!   `n` being the version table's revision, and the history records exactly those `n`;
//! - one transaction per run (SQLite, PostgreSQL): the run happened wholly or not at all
//!   (`n` is where it started, or the head);
//! - per migration: `n` never goes back.
//!
//! Then the next process starts from that state: it is itself a new `upgrade head` (killed
//! in turn), and a last one, not killed, must finish the job. A database that reaches the
//! head is replaced by a fresh one.
//!
//! MySQL commits DDL as it runs, so a kill between a migration's DDL and its version row
//! leaves the DDL applied and the version one behind. The engine marks each migration as
//! started in the history before its DDL; the test checks that the version table is never
//! ahead of the schema, the schema is at most that one migration ahead, and the next run
//! finds the mark, reads the schema and records the migration as done (a migration killed
//! half-way through several statements is refused instead, naming it: the chain's
//! migrations have one statement each).

mod support;

use std::io::{BufRead, BufReader, Read, Write as _};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use migrate_runtime::dialect::Dialect;
use migrate_tests::chain::{CHAIN, LEN};
use migrate_tests::{Backend, TestDb};
use support::{
    chain_cli, chain_ok, chain_position, chain_revisions, chain_shapes, history, shape, shape_diff,
    versions, wait_for_other_sessions, Rng, CHAIN_CLI,
};

/// How long each migration's pause step sleeps, where a migration's DDL and its version row
/// are separate commits (per migration, and on MySQL); in one transaction per run there is
/// nothing between them to aim at, and the pause would only make the run longer.
fn pause_ms(dialect: Dialect, per_migration: bool) -> u64 {
    u64::from(per_migration || dialect == Dialect::Mysql)
}

fn env(pause_ms: u64) -> Vec<(&'static str, String)> {
    vec![("CHAIN_PAUSE_MS", pause_ms.to_string())]
}

fn tag(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "pg",
        Backend::Mysql => "mysql",
    }
}

/// How a trial ended.
#[derive(Debug)]
struct Trial {
    /// Finished migrations the child reported before it was killed.
    reported: usize,
    /// Whether the kill ended it (else it had exited by itself).
    killed: bool,
    /// Its exit code when it was not killed.
    code: Option<i32>,
    stderr: String,
}

/// Starts `chain_cli [--per-migration] upgrade head` on `url` and kills it after it
/// reported `k` finished migrations and `delay_us` more microseconds.
fn run_and_kill(
    url: &str,
    env: &[(&str, String)],
    per_migration: bool,
    k: usize,
    delay_us: u64,
) -> Trial {
    let mut cmd = Command::new(CHAIN_CLI);
    if per_migration {
        cmd.arg("--per-migration");
    }
    let mut child: Child = cmd
        .args(["upgrade", "head"])
        .env("DATABASE_URL", url)
        .env("NO_COLOR", "1")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chain_cli");
    let stdout = child.stdout.take().expect("piped");
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line.starts_with("upgrade ") && tx.send(()).is_err() {
                break;
            }
        }
    });
    let mut reported = 0;
    while reported < k {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(()) => reported += 1,
            Err(mpsc::RecvTimeoutError::Disconnected) => break, // it exited
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                panic!("chain_cli reported no progress for a minute ({reported} of {k})");
            }
        }
    }
    std::thread::sleep(Duration::from_micros(delay_us));
    let _ = child.kill();
    let status = child.wait().expect("wait for chain_cli");
    let _ = reader.join();
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    Trial {
        reported,
        killed: status.code().is_none(),
        code: status.code(),
        stderr,
    }
}

fn open(backend: Backend, mode: &str, round: usize) -> Option<TestDb> {
    TestDb::open(backend, &format!("crash_{}_{mode}_{round}", tag(backend)))
}

/// `kills` trials on `backend`, one transaction per run or per migration.
fn crash(backend: Backend, per_migration: bool, kills: usize, seed: u64) {
    let mode = if per_migration { "mig" } else { "run" };
    let kills = std::env::var("CRASH_KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(kills);
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(seed);
    let mut round = 0;
    let Some(mut db) = open(backend, mode, round) else {
        return;
    };
    let d = db.dialect();
    let pause = pause_ms(d, per_migration);
    let env = env(pause);
    let shapes = chain_shapes(d, LEN);
    let all_or_nothing = !per_migration && d != Dialect::Mysql;
    let mut rng = Rng::new(seed);
    let mut log: Vec<String> = Vec::new();
    let (mut killed, mut mid_migration_limit) = (0, 0);
    // Of the killed runs: how many kept nothing of their work, some of it, all of it.
    let (mut kept_nothing, mut kept_some, mut kept_all) = (0, 0, 0);
    let mut n0 = 0;

    for trial in 0..kills {
        if n0 == LEN {
            round += 1;
            drop(db);
            db = open(backend, mode, round).expect("the server was there a moment ago");
            n0 = 0;
        }
        let start = n0;
        let remaining = LEN - n0;
        let k = if all_or_nothing {
            if rng.upto(4) == 0 {
                remaining
            } else {
                rng.upto(remaining as u64) as usize
            }
        } else if rng.upto(9) == 0 {
            remaining
        } else {
            rng.upto(remaining.min(30) as u64) as usize
        };
        let delay_us = if k == 0 {
            rng.upto(40_000) // start-up: connect, lock, plan
        } else if k == remaining {
            rng.upto(25_000) // the end: bookkeeping, commit, the last lines, exit
        } else {
            rng.upto(pause * 1000 + 2000)
        };
        let t0 = std::time::Instant::now();
        let t = run_and_kill(db.url(), &env, per_migration, k, delay_us);
        let t_run = t0.elapsed();
        let what = format!(
            "seed {seed} trial {trial}: at {n0}, killed after {} reported + {delay_us} us ({})",
            t.reported,
            if t.killed {
                "killed".to_owned()
            } else {
                format!("exited {:?}", t.code)
            }
        );
        killed += usize::from(t.killed);
        if !t.killed {
            assert_eq!(t.code, Some(0), "{what}: the run failed:\n{}", t.stderr);
        }
        let conn = db.conn();
        wait_for_other_sessions(conn);

        let n = chain_position(&versions(conn));
        let recorded: Vec<String> = history(conn)
            .into_iter()
            .filter(|(_, dir)| dir == "upgrade" || dir == "stamp")
            .map(|(r, _)| r)
            .collect();
        let got = shape(conn, false);
        let context = || format!("{what}: version table at {n}\n{}", log.join("\n"));
        assert_eq!(
            recorded,
            chain_revisions(n),
            "the history does not match the version table: {}",
            context()
        );
        if all_or_nothing {
            assert!(
                n == n0 || n == LEN,
                "one transaction per run, yet the run stopped half-way: {}",
                context()
            );
        } else {
            assert!(n >= n0, "the version table went back: {}", context());
        }
        if got != shapes[n] {
            let ahead_by_one = d == Dialect::Mysql && n < LEN && got == shapes[n + 1];
            assert!(
                ahead_by_one,
                "the schema is not the one of the recorded revision: {}\n{}",
                context(),
                shape_diff(&shapes[n], &got)
            );
            // MySQL: the DDL of migration n committed, its version row did not. The next
            // run finds the migration's start mark, reads the schema, sees the migration
            // complete, records it and goes on: upgrading to just that revision runs nothing.
            mid_migration_limit += 1;
            let rev = CHAIN.as_slice()[n].revision;
            let rerun = chain_cli(db.url(), &env, &["upgrade", rev]);
            assert_eq!(rerun.code, 0, "{}\n{}", context(), rerun.text());
            let conn = db.conn();
            assert_eq!(chain_position(&versions(conn)), n + 1, "{}", rerun.text());
            assert_eq!(shape(conn, false), got, "nothing ran: {}", rerun.text());
            n0 = n + 1;
        } else {
            n0 = n;
        }
        if t.killed {
            match n {
                _ if n == LEN => kept_all += 1,
                _ if n > start => kept_some += 1,
                _ => kept_nothing += 1,
            }
        }
        log.push(format!("{what} -> {n}"));
        if std::env::var_os("CRASH_TIMING").is_some() {
            let _ = writeln!(
                std::io::stderr(),
                "{what} -> {n}: run {t_run:?} total {:?}",
                t0.elapsed()
            );
        }
    }

    // A last run, not killed, finishes the job.
    let out = chain_ok(db.url(), &env, &["upgrade", "head"]);
    let conn = db.conn();
    let n = chain_position(&versions(conn));
    assert_eq!(n, LEN, "{}", out.text());
    assert_eq!(shape(conn, false), shapes[LEN]);
    let recorded = history(conn).len();
    assert_eq!(
        recorded, LEN,
        "one history row per migration (no start mark left)"
    );
    assert!(
        killed * 2 >= kills,
        "only {killed} of {kills} trials were killed mid-run: the kill points miss the run"
    );
    let _ = writeln!(
        std::io::stderr(),
        "crash {}/{mode}: {kills} trials, {killed} killed ({kept_nothing} kept nothing of their run, {kept_some} part, {kept_all} all), {mid_migration_limit} left a migration's DDL without its version row, seed {seed}",
        tag(backend)
    );
}

#[cfg(feature = "sqlite")]
#[test]
fn crash_sqlite_one_transaction() {
    crash(Backend::Sqlite, false, 30, 0x5eed_0001);
}

#[cfg(feature = "sqlite")]
#[test]
fn crash_sqlite_per_migration() {
    crash(Backend::Sqlite, true, 30, 0x5eed_0002);
}

#[cfg(feature = "postgres")]
#[test]
fn crash_postgres_one_transaction() {
    crash(Backend::Postgres, false, 30, 0x5eed_0003);
}

#[cfg(feature = "postgres")]
#[test]
fn crash_postgres_per_migration() {
    crash(Backend::Postgres, true, 30, 0x5eed_0004);
}

#[cfg(feature = "mysql")]
#[test]
fn crash_mysql() {
    crash(Backend::Mysql, false, 12, 0x5eed_0005);
}

#[cfg(feature = "mysql")]
#[test]
fn crash_mysql_per_migration() {
    crash(Backend::Mysql, true, 12, 0x5eed_0006);
}
