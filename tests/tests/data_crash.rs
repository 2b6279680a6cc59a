//! Data after a crash: `data_cli` (`src/bin/data_cli.rs`, a history that mixes DDL with data
//! statements that are not idempotent) is killed (SIGKILL) at random points of an
//! `upgrade head`, and of a `downgrade` back to the seed, once or twice per trial; then a
//! run that is not killed finishes. The rows must then be those of a run that was never
//! interrupted, row for row: no data statement ran twice (`v = v + 1` would show), none was
//! skipped (the backfill of `w`, the `INSERT .. SELECT`), no start mark is left, and the
//! version is where it was asked to go.
//!
//! SQLite and PostgreSQL run each migration in a transaction; MySQL/MariaDB commit DDL as
//! they go, and the statement journal of the engine is what makes the rerun resume at the
//! first statement not done. Even trials run in one transaction, odd ones with
//! `--per-migration`. 30 trials per backend (`DATA_CRASH_TRIALS` overrides,
//! `DATA_CRASH_SEED` the seed).

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use migrate_runtime::dialect::catalog;
use migrate_tests::{on_every_backend, Backend, TestDb};
use support::{history, versions, wait_for_other_sessions, Out, Rng};

const DATA_CLI: &str = env!("CARGO_BIN_EXE_data_cli");
const HEAD: &str = "da7a00000005";
/// Where the downgrades go: the seed (its bulk insert has no reverse).
const SEEDED: &str = "da7a00000002";
const PAUSE_MS: &str = "12";

on_every_backend!(killed_runs_keep_the_data_of_an_uninterrupted_run);

fn command(url: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(DATA_CLI);
    cmd.args(args)
        .env("DATABASE_URL", url)
        .env("DATA_PAUSE_MS", PAUSE_MS)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn run(url: &str, args: &[&str]) -> Out {
    let out = command(url, args).output().expect("run data_cli");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Starts `args` and kills it after `delay`; returns whether it was still running.
fn run_and_kill(url: &str, args: &[&str], delay: Duration) -> bool {
    let mut child = command(url, args).spawn().expect("start data_cli");
    std::thread::sleep(delay);
    let running = child.try_wait().expect("poll data_cli").is_none();
    let _ = child.kill();
    let _ = child.wait();
    running
}

/// Every row of the history's tables, as text, with the version table and the history's
/// directions: what an interrupted run must leave the same as an uninterrupted one.
fn dump(db: &mut TestDb) -> Vec<String> {
    let d = db.dialect();
    let conn = db.conn();
    let mut out = vec![format!("version {:?}", versions(conn))];
    let marks: Vec<(String, String)> = history(conn)
        .into_iter()
        .filter(|(_, dir)| catalog::MARKS.contains(&dir.as_str()))
        .collect();
    out.push(format!("marks {marks:?}"));
    for (table, cols) in [
        ("adv", &["id", "v", "w"][..]),
        ("adv_log", &["id", "note"][..]),
        ("adv_copy", &["id", "v"][..]),
    ] {
        let exists = conn
            .query_count(&catalog::table_exists(d, table))
            .expect("read the catalog")
            > 0;
        if !exists {
            out.push(format!("{table}: none"));
            continue;
        }
        let cols: Vec<&str> = cols.to_vec();
        let select = catalog::text_columns(d, &cols);
        let sql = format!("SELECT {select} FROM {} ORDER BY id", d.quote(table));
        let rows = match conn.query_rows(&sql, cols.len()) {
            Ok(rows) => rows,
            // `w` exists only from the backfill on: read without it.
            Err(_) => {
                let select = catalog::text_columns(d, &cols[..cols.len() - 1]);
                let sql = format!("SELECT {select} FROM {} ORDER BY id", d.quote(table));
                conn.query_rows(&sql, cols.len() - 1)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
        };
        out.push(format!("{table}: {} rows", rows.len()));
        out.extend(rows.into_iter().map(|r| format!("{table} {r:?}")));
    }
    out
}

/// The first rows that differ, for a readable failure.
fn first_difference(want: &[String], got: &[String]) -> String {
    let i = want
        .iter()
        .zip(got)
        .position(|(a, b)| a != b)
        .unwrap_or(want.len().min(got.len()));
    format!(
        "first difference at line {i}: uninterrupted {:?}, after the kills {:?} ({} vs {} lines)",
        want.get(i),
        got.get(i),
        want.len(),
        got.len()
    )
}

fn killed_runs_keep_the_data_of_an_uninterrupted_run(backend: Backend) {
    let trials: usize = std::env::var("DATA_CRASH_TRIALS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(30);
    let seed: u64 = std::env::var("DATA_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0xda7a_0000 + backend as u64);
    let mut rng = Rng::new(seed);

    // The reference: the same runs, never interrupted.
    let Some(mut reference) = TestDb::open(backend, "data_crash_reference") else {
        return;
    };
    let url = reference.url().to_owned();
    let t0 = Instant::now();
    let out = run(&url, &["upgrade", "head"]);
    let up_time = t0.elapsed();
    assert_eq!(out.code, 0, "{}", out.text());
    let at_head = dump(&mut reference);
    let t0 = Instant::now();
    let out = run(&url, &["downgrade", SEEDED]);
    let down_time = t0.elapsed();
    assert_eq!(out.code, 0, "{}", out.text());
    let at_seed = dump(&mut reference);
    assert_eq!(at_head[0], format!("version {:?}", [HEAD]), "{at_head:?}");
    assert!(
        at_head.iter().any(|l| l.starts_with("adv_copy [")),
        "{at_head:?}"
    );
    drop(reference);

    let (mut kills, mut landed) = (0, 0);
    for trial in 0..trials {
        let Some(mut db) = TestDb::open(backend, &format!("data_crash_{trial}")) else {
            return;
        };
        let url = db.url().to_owned();
        // Odd trials commit each migration separately (the same journal on MySQL).
        let mode: &[&str] = if trial % 2 == 1 {
            &["--per-migration"]
        } else {
            &[]
        };
        for (verb, time, want) in [
            (&["upgrade", "head"][..], up_time, &at_head),
            (&["downgrade", SEEDED][..], down_time, &at_seed),
        ] {
            let args: Vec<&str> = mode.iter().chain(verb).copied().collect();
            let args = args.as_slice();
            let mut log = Vec::new();
            for k in 1..=1 + rng.upto(1) {
                // A second kill aims at what is left of the run.
                let span = time.as_micros() as u64 * 9 / 10 / k;
                let delay = Duration::from_micros(rng.upto(span));
                let running = run_and_kill(&url, args, delay);
                kills += 1;
                landed += usize::from(running);
                log.push(format!(
                    "{args:?} killed after {delay:?} (running: {running})"
                ));
                wait_for_other_sessions(db.conn());
            }
            let out = run(&url, args);
            let context = format!("seed {seed} trial {trial}: {}", log.join(", "));
            assert_eq!(
                out.code,
                0,
                "{context}: the run after the kills failed:\n{}",
                out.text()
            );
            let got = dump(&mut db);
            assert!(
                got == *want,
                "{context}: the data differs from an uninterrupted run: {}",
                first_difference(want, &got)
            );
        }
    }
    assert!(
        landed * 2 >= kills,
        "only {landed} of {kills} kills landed in a running process"
    );
    eprintln!(
        "data crash {backend:?}: {trials} trials, {kills} kills ({landed} mid-run), seed {seed}"
    );
}
