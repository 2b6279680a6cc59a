//! Concurrent deployers: 8 processes run `upgrade head` over the first 100 migrations of the
//! chain on the same fresh database at the same instant (`chain_cli` with
//! `CHAIN_START_AT_MS`; 100 rather than 300 keeps the 15 rounds near 15 s on two cores
//! without changing what races: the engine's tables, the lock, the re-read), 5 rounds
//! per backend: one transaction per run (rounds 0 and 2), `--per-migration` (rounds 1 and
//! 3), and both at once (round 4: every other process with `--per-migration`).
//!
//! Every process must exit 0, every migration must be reported by exactly one process and
//! recorded exactly once in the history, in order, and the database must be at the head
//! with exactly the head's tables, columns and indexes. `DEPLOY_TIMING=1` (with
//! `--nocapture`) prints each round's time.

mod support;

use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use migrate_tests::chain::CHAIN;
use migrate_tests::{Backend, TestDb};
use support::{
    assert_no_secret, chain_revisions, chain_shapes, history, shape, shape_diff, versions,
    CHAIN_CLI,
};

const DEPLOYERS: usize = 8;
const ROUNDS: usize = 5;
/// How many migrations of the chain the deployers run.
const LEN: usize = 100;

fn deployers(backend: Backend) {
    let shapes = chain_shapes(backend.dialect(), LEN);
    for round in 0..ROUNDS {
        let t0 = std::time::Instant::now();
        let Some(mut db) = TestDb::open(backend, &format!("deploy_{}_{round}", backend.dialect()))
        else {
            return;
        };
        let per_migration = |i: usize| match round {
            4 => i % 2 == 1,
            _ => round % 2 == 1,
        };
        let start_at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis()
            + 200;
        let children: Vec<_> = (0..DEPLOYERS)
            .map(|i| {
                let mut cmd = Command::new(CHAIN_CLI);
                if per_migration(i) {
                    cmd.arg("--per-migration");
                }
                cmd.args(["upgrade", "head"])
                    .env("DATABASE_URL", db.url())
                    .env("NO_COLOR", "1")
                    .env("CHAIN_START_AT_MS", start_at.to_string())
                    .env("CHAIN_LEN", LEN.to_string())
                    .stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("start chain_cli")
            })
            .collect();
        let what = format!(
            "{backend:?} round {round} ({})",
            match round {
                4 => "both modes",
                1 | 3 => "per migration",
                _ => "one transaction per run",
            }
        );
        let mut reported: Vec<String> = Vec::new();
        for child in children {
            let out = child.wait_with_output().expect("wait for chain_cli");
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert_no_secret(db.url(), &what, &text);
            assert!(out.status.success(), "{what}: a deployer failed:\n{text}");
            reported.extend(
                text.lines()
                    .filter_map(|l| l.strip_prefix("upgrade "))
                    .map(|l| l.split_whitespace().next().unwrap_or_default().to_owned()),
            );
        }
        reported.sort_unstable();
        let mut expected = chain_revisions(LEN);
        expected.sort_unstable();
        assert_eq!(
            reported, expected,
            "{what}: each migration run by exactly one deployer"
        );

        let conn = db.conn();
        assert_eq!(
            versions(conn),
            [CHAIN.as_slice()[LEN - 1].revision],
            "{what}"
        );
        let h = history(conn);
        let ups: Vec<String> = h.iter().map(|(r, _)| r.clone()).collect();
        assert!(h.iter().all(|(_, d)| d == "upgrade"), "{what}: {h:?}");
        assert_eq!(
            ups,
            chain_revisions(LEN),
            "{what}: the history, once each, in order"
        );
        if std::env::var_os("DEPLOY_TIMING").is_some() {
            eprintln!("{what}: {:?}", t0.elapsed());
        }
        let got = shape(conn, false);
        assert!(
            got == shapes[LEN],
            "{what}: {}",
            shape_diff(&shapes[LEN], &got)
        );
    }
}

#[cfg(feature = "sqlite")]
#[test]
fn deployers_sqlite() {
    deployers(Backend::Sqlite);
}

#[cfg(feature = "postgres")]
#[test]
fn deployers_postgres() {
    deployers(Backend::Postgres);
}

#[cfg(feature = "mysql")]
#[test]
fn deployers_mysql() {
    deployers(Backend::Mysql);
}
