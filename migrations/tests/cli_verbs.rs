//! Every verb of the shop's command line, through its binary: listings, stamp, check,
//! offline SQL (snapshots), relative targets, bad arguments, and no password in any output.
//! The `revision` / `merge` round trip through a scratch copy of the crate is in
//! `tests/new_revisions.rs`.

use std::process::Command;

use migrate_tests::{Backend, TestDb};

/// Runs the binary with `args` and `DATABASE_URL=url`: exit code and all output.
fn run(url: &str, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_migrations"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("NO_COLOR", "1")
        .output()
        .expect("run the migrations binary");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

fn ok(url: &str, args: &[&str]) -> String {
    let (code, text) = run(url, args);
    assert_eq!(code, 0, "migrations {args:?} failed:\n{text}");
    text
}

fn fails(url: &str, args: &[&str], code: i32, wanted: &str) -> String {
    let (got, text) = run(url, args);
    assert_eq!(got, code, "migrations {args:?}: {text}");
    assert!(
        text.contains(wanted),
        "migrations {args:?}: wanted {wanted:?} in\n{text}"
    );
    text
}

fn verbs(backend: Backend) {
    let test = format!("cli_verbs_{}", backend.dialect());
    let Some(db) = TestDb::open(backend, &test) else {
        return;
    };
    let url = db.url();

    // Listings need no database.
    let history = ok(url, &["history"]);
    let lines: Vec<&str> = history.lines().collect();
    assert_eq!(lines.len(), 7, "{history}");
    assert!(
        lines[0].starts_with("5d8e1f0a2b4c, 7e6f5a4b3c2d -> a0b1c2d3e4f5 (head) (mergepoint)"),
        "{history}"
    );
    assert!(lines[6].starts_with("<base> -> 1a2b3c4d5e6f"), "{history}");
    assert!(history.contains("c41d7e2a9f3b (branchpoint)"), "{history}");
    let ranged = ok(url, &["history", "-r", "9b2e:c41d"]);
    assert_eq!(ranged.lines().count(), 1, "{ranged}");
    assert!(ok(url, &["history", "-v"])
        .contains("versions/20250123_1a2b3c4d5e6f_initial_shop_schema.rs:"));
    assert!(ok(url, &["heads"]).starts_with("a0b1c2d3e4f5 (head)"));
    let branches = ok(url, &["branches"]);
    assert!(
        branches.contains("c41d7e2a9f3b (branchpoint)") && branches.contains("-> 5d8e1f0a2b4c"),
        "{branches}"
    );
    let show = ok(url, &["show", "c41d"]);
    assert!(
        show.contains("Revision: c41d7e2a9f3b") && show.contains("Downgrade: written by hand"),
        "{show}"
    );
    assert!(
        show.contains("add_column \"orders\".\"status_text\""),
        "{show}"
    );

    // check: not at head, exit 1 with the list.
    let text = fails(url, &["check"], 1, "7 migration(s) not applied");
    assert!(text.contains("1a2b3c4d5e6f initial shop schema"), "{text}");

    // Relative steps.
    let up = ok(url, &["upgrade", "+2"]);
    assert!(
        up.contains("upgrade   1a2b3c4d5e6f") && up.contains("upgrade   3f9a1c2b7d10"),
        "{up}"
    );
    assert!(ok(url, &["current"]).contains("3f9a1c2b7d10"));
    let verbose = ok(url, &["-v", "upgrade", "9b2e+1"]);
    assert!(
        verbose.contains("    CREATE TABLE"),
        "-v prints statements: {verbose}"
    );
    assert!(ok(url, &["current"]).contains("c41d7e2a9f3b"));
    ok(url, &["downgrade", "-1"]);
    assert!(ok(url, &["current"]).contains("9b2e4d6f8a01"));
    ok(url, &["upgrade", "head"]);
    let current = ok(url, &["current", "-v"]);
    assert!(
        current.contains("a0b1c2d3e4f5 (head) merge display_name and orders index"),
        "{current}"
    );
    assert!(ok(url, &["check"]).starts_with("ok:"));
    let marked = ok(url, &["history", "-i"]);
    assert!(
        marked.lines().next().unwrap().ends_with("(current)"),
        "{marked}"
    );

    // stamp: moves the version table only.
    ok(url, &["stamp", "9b2e"]);
    assert!(ok(url, &["current"]).contains("9b2e4d6f8a01"));
    ok(url, &["stamp", "head"]);
    assert!(ok(url, &["check"]).starts_with("ok:"));
    fails(
        url,
        &["stamp", "ffff"],
        1,
        "no revision or branch label \"ffff\"",
    );

    // Bad targets: exit 1, one line, nothing changed.
    fails(url, &["downgrade", "-9"], 1, "only 7 are applied");
    fails(
        url,
        &["upgrade", "c41d7e2a9f3x"],
        1,
        "did you mean c41d7e2a9f3b?",
    );
    fails(url, &["downgrade", "+1"], 1, "is an upgrade target");
    assert!(ok(url, &["current"]).contains("a0b1c2d3e4f5"));

    ok(url, &["downgrade", "base"]);
    assert!(ok(url, &["current"]).contains("at base"));
}

#[cfg(feature = "sqlite")]
#[test]
fn verbs_sqlite() {
    verbs(Backend::Sqlite);
}

#[cfg(feature = "postgres")]
#[test]
fn verbs_postgres() {
    verbs(Backend::Postgres);
}

#[cfg(feature = "mysql")]
#[test]
fn verbs_mysql() {
    verbs(Backend::Mysql);
}

#[test]
fn usage_errors_exit_2_with_a_reason() {
    let url = "sqlite://unused.db";
    let text = fails(
        url,
        &["sideways"],
        2,
        "error: unrecognized subcommand 'sideways'",
    );
    assert!(text.lines().next().unwrap().starts_with("error:"), "{text}");
    fails(
        url,
        &["downgrade"],
        2,
        "required arguments were not provided",
    );
    fails(
        url,
        &["upgrade", "--dialect", "oracle", "--sql"],
        2,
        "invalid value 'oracle'",
    );
    fails(url, &["revision"], 2, "--message <MESSAGE>");
    assert!(ok(url, &["--help"]).contains("upgrade"));
}

#[test]
fn offline_sql_matches_the_snapshots() {
    for dialect in ["sqlite", "postgres", "mysql"] {
        let sql = ok(
            "sqlite://unused.db",
            &["upgrade", "--sql", "--dialect", dialect, "base:head"],
        );
        insta::assert_snapshot!(format!("upgrade_{dialect}"), sql);
        let sql = ok(
            "sqlite://unused.db",
            &["downgrade", "--sql", "--dialect", dialect, "head:9b2e"],
        );
        insta::assert_snapshot!(format!("downgrade_{dialect}"), sql);
    }
    // The dialect from the URL's scheme.
    let sql = ok("postgres://app@db/shop", &["upgrade", "--sql", "c41d"]);
    assert!(
        sql.contains("(postgres)") && sql.contains("Running upgrade 9b2e4d6f8a01 -> c41d7e2a9f3b")
    );
    fails(
        "sqlite://x.db",
        &["downgrade", "--sql", "base"],
        1,
        "needs FROM:TO",
    );
}

#[test]
fn a_password_never_appears() {
    let url = "postgres://app:hunter2-secret@127.0.0.1:1/shop";
    for args in [
        &["upgrade"][..],
        &["current"],
        &["check"],
        &["stamp", "head"],
        &["history", "-i"],
        &["downgrade", "base"],
    ] {
        let (code, text) = run(url, args);
        assert_ne!(code, 0, "{args:?}: {text}");
        assert!(
            !text.contains("hunter2"),
            "{args:?} leaked the password: {text}"
        );
    }
    let (_, text) = run("mysql://root:hunter2-secret@127.0.0.1:1/shop", &["current"]);
    assert!(!text.contains("hunter2"), "{text}");
    let (_, text) = run("sqlite:///no/such/dir/hunter2.db", &["current"]);
    assert!(text.contains("does not exist"), "{text}");
}
