//! Bad input and a failing migration, through the command line (`chain_cli`: the CLI of
//! `migrate_runtime::cli` over the first 12 migrations of the chain, or all 300), on every
//! backend compiled in.
//!
//! Every refusal must be one line on stderr starting with `error: `, nothing on stdout,
//! exit code 1 or 2, and leave the version table, the history and the schema exactly as
//! they were. On PostgreSQL and MariaDB each test connects as a user made for it, with a
//! distinctive password ([`support::SecretUser`]): every output of every run (`-v` included)
//! is searched for that password, and for the password of the URL it ran with.
//!
//! A test marked ignored with a "bug: ..." reason states the right behaviour and fails on the
//! runtime as it is; `-- --include-ignored` runs it.

mod support;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use migrate_runtime::connection::Connection;
use migrate_runtime::dialect::Dialect;
use migrate_tests::chain::{CHAIN, HEAD};
use migrate_tests::{Backend, TestDb};
use support::{
    assert_one_line_error, chain_cli, chain_cli_in, chain_ok, chain_revisions, chain_shapes,
    history, register_secret, shape, shape_diff, state, versions, SecretUser,
};

use migrate_tests::on_every_backend;

on_every_backend!(
    unknown_target,
    ambiguous_prefix,
    downgrade_below_base,
    stamp_to_an_unknown_revision,
    database_at_an_unknown_revision,
    applied_migration_edited,
    irreversible_migration_in_the_downgrade_path,
    version_table_garbage,
    version_table_empty_string,
    version_table_duplicate_rows,
    nonexistent_database,
    failing_migration_one_transaction,
    failing_migration_per_migration,
    every_verb_hides_the_password,
);

/// How many migrations of the chain the bad-input tests embed.
const SHORT: usize = 12;
/// How many of them a fixture applies first.
const APPLIED: usize = 6;

fn rev(i: usize) -> &'static str {
    CHAIN.as_slice()[i].revision
}

/// A test database at `APPLIED` of `SHORT` migrations, with the URL the test runs with
/// (its own user and password on a server).
struct Fixture {
    /// Dropped before the database (fields drop in order).
    user: Option<SecretUser>,
    db: TestDb,
    url: String,
    env: Vec<(&'static str, String)>,
}

static USERS: AtomicUsize = AtomicUsize::new(0);

fn short_env() -> Vec<(&'static str, String)> {
    vec![("CHAIN_LEN", SHORT.to_string())]
}

/// A fresh database for `test` on `backend`, its user, and `APPLIED` migrations applied
/// with the `CHAIN_*` settings `env` (`None`: the server is down, skipped).
fn fixture(backend: Backend, test: &str, env: Vec<(&'static str, String)>) -> Option<Fixture> {
    let mut db = TestDb::open(backend, &format!("bad_{}_{test}", backend.dialect()))?;
    let n = USERS.fetch_add(1, Ordering::Relaxed);
    let user = SecretUser::create(&mut db, &format!("u{n}"));
    let url = user
        .as_ref()
        .map_or_else(|| db.url().to_owned(), |u| u.url.clone());
    let fx = Fixture { user, db, url, env };
    chain_ok(&fx.url, &fx.env, &["upgrade", rev(APPLIED - 1)]);
    Some(fx)
}

impl Fixture {
    /// Runs a hand edit as the test's user (who owns the engine's tables).
    fn exec(&mut self, sql: &str) {
        if let Err(e) = self.user_conn().batch_execute(sql) {
            panic!("{sql}: {e}");
        }
    }

    fn user_conn(&self) -> Connection {
        Connection::establish(&self.url).expect("connect as the test's user")
    }

    fn dialect(&self) -> Dialect {
        self.db.dialect()
    }

    /// Runs `args` with the fixture's settings plus `extra`, and checks a refusal: one
    /// line containing each of `wanted`, exit code 1 or 2, nothing changed. Returns the line.
    fn refused(
        &mut self,
        extra: &[(&'static str, String)],
        args: &[&str],
        wanted: &[&str],
    ) -> String {
        self.refused_with(extra, args, wanted, true)
    }

    /// [`Fixture::refused`], with the one-line check only when `one_line`.
    fn refused_with(
        &mut self,
        extra: &[(&'static str, String)],
        args: &[&str],
        wanted: &[&str],
        one_line: bool,
    ) -> String {
        let before = state(self.db.conn());
        let mut env = self.env.clone();
        env.extend_from_slice(extra);
        let out = chain_cli(&self.url, &env, args);
        let line = if one_line {
            assert_one_line_error(&format!("{args:?}"), &out, &[1, 2], wanted)
        } else {
            assert_eq!(out.code, 1, "{args:?}: {}", out.text());
            assert!(
                out.stderr.starts_with("error: "),
                "{args:?}: {}",
                out.text()
            );
            for w in wanted {
                assert!(
                    out.stderr.contains(w),
                    "{args:?}: wanted {w:?} in\n{}",
                    out.text()
                );
            }
            out.stderr.clone()
        };
        let after = state(self.db.conn());
        assert!(
            after == before,
            "{args:?} changed the database: {line}\nversions {:?} -> {:?}\n{}",
            before.versions,
            after.versions,
            shape_diff(&before.shape, &after.shape)
        );
        assert_eq!(after.history, before.history, "{args:?}: {line}");
        line
    }

    /// Replaces the version table's one row with `value` (a hand edit).
    fn set_version(&mut self, value: &str) {
        let d = self.dialect();
        self.exec(&format!(
            "UPDATE {} SET {} = {}",
            d.quote("migrate_version"),
            d.quote("revision"),
            d.string_literal(value)
        ));
    }
}

// ---------------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------------

fn unknown_target(backend: Backend) {
    let Some(mut fx) = fixture(backend, "unknown_target", short_env()) else {
        return;
    };
    fx.refused(
        &[],
        &["upgrade", "ffffffffffff"],
        &["no revision", "\"ffffffffffff\""],
    );
    fx.refused(
        &[],
        &["downgrade", "0123456789ab"],
        &["no revision", "\"0123456789ab\""],
    );
    // One digit off an existing id: the suggestion names it.
    let near = format!("{}0", &rev(9)[..11]);
    if near != rev(9) {
        fx.refused(&[], &["upgrade", &near], &["did you mean", rev(9)]);
    }
    fx.refused(
        &[],
        &["upgrade", "head; DROP TABLE chain_000"],
        &["bad target"],
    );
    fx.refused(&[], &["upgrade", "+13"], &["only 6 are above"]);
}

/// The shortest prefix that at least two of the first `SHORT` ids share.
fn ambiguous(ids: &[&str]) -> String {
    for len in 1..12 {
        for a in ids {
            let p = &a[..len];
            if ids.iter().filter(|b| b.starts_with(p)).count() > 1 {
                return p.to_owned();
            }
        }
    }
    panic!("no shared prefix in {ids:?}")
}

fn ambiguous_prefix(backend: Backend) {
    let Some(mut fx) = fixture(backend, "ambiguous", short_env()) else {
        return;
    };
    let ids: Vec<&str> = (0..SHORT).map(rev).collect();
    let p = ambiguous(&ids);
    let line = fx.refused(&[], &["upgrade", &p], &["ambiguous"]);
    for id in ids.iter().filter(|i| i.starts_with(&p)) {
        assert!(line.contains(id), "the candidates are listed: {line}");
    }
    fx.refused(&[], &["downgrade", &p], &["ambiguous"]);
    fx.refused(&[], &["stamp", &p], &["ambiguous"]);
}

fn downgrade_below_base(backend: Backend) {
    let Some(mut fx) = fixture(backend, "below_base", short_env()) else {
        return;
    };
    fx.refused(&[], &["downgrade", "-7"], &["only 6 are applied"]);
    fx.refused(&[], &["downgrade", "-1000000"], &["only 6 are applied"]);
    let two_below = format!("{}-2", rev(0));
    fx.refused(&[], &["downgrade", &two_below], &["only"]);
}

fn stamp_to_an_unknown_revision(backend: Backend) {
    let Some(mut fx) = fixture(backend, "stamp_unknown", short_env()) else {
        return;
    };
    fx.refused(
        &[],
        &["stamp", "ffffffffffff"],
        &["no revision", "\"ffffffffffff\""],
    );
    // A revision of the full chain that this 12-migration build does not have.
    fx.refused(&[], &["stamp", HEAD], &["no revision"]);
    fx.refused(&[], &["stamp", "+7"], &["only 6 are above"]);
}

// ---------------------------------------------------------------------------------------
// The database disagrees with the code
// ---------------------------------------------------------------------------------------

const UNKNOWN: &str = "abcdef012345";

fn database_at_an_unknown_revision(backend: Backend) {
    let Some(mut fx) = fixture(backend, "unknown_rev", short_env()) else {
        return;
    };
    fx.set_version(UNKNOWN);
    let wanted = [UNKNOWN, "do not know", "nothing was changed"];
    fx.refused(&[], &["upgrade", "head"], &wanted);
    fx.refused(&[], &["upgrade", "+1"], &wanted);
    fx.refused(&[], &["downgrade", "base"], &wanted);
    fx.refused(&[], &["downgrade", "-1"], &wanted);
    fx.refused(&[], &["stamp", "head"], &wanted);
    // A newer build's revision next to a known one.
    fx.set_version(rev(APPLIED - 1));
    let d = fx.dialect();
    fx.exec(&format!(
        "INSERT INTO {} ({}) VALUES ({})",
        d.quote("migrate_version"),
        d.quote("revision"),
        d.string_literal(UNKNOWN)
    ));
    fx.refused(&[], &["upgrade", "head"], &wanted);
    fx.refused(&[], &["downgrade", "base"], &wanted);
}

fn applied_migration_edited(backend: Backend) {
    let Some(mut fx) = fixture(backend, "edited", short_env()) else {
        return;
    };
    let edited = [("CHAIN_EDITED_AT", "3".to_owned())];
    let wanted = [rev(3), "was edited after it ran", "nothing was changed"];
    fx.refused(&edited, &["upgrade", "head"], &wanted);
    fx.refused(&edited, &["downgrade", "base"], &wanted);
    fx.refused(&edited, &["downgrade", "-1"], &wanted);
    // Unedited, the same build goes on.
    chain_ok(&fx.url, &fx.env, &["upgrade", "head"]);
}

fn irreversible_migration_in_the_downgrade_path(backend: Backend) {
    let mut env = short_env();
    env.push(("CHAIN_IRREVERSIBLE_AT", "3".to_owned()));
    let Some(mut fx) = fixture(backend, "irreversible", env) else {
        return;
    };
    let wanted = [
        rev(3),
        "cannot be downgraded",
        "irreversible",
        "nothing was changed",
    ];
    fx.refused(&[], &["downgrade", "base"], &wanted);
    fx.refused(&[], &["downgrade", rev(1)], &wanted);
    fx.refused(&[], &["downgrade", "-3"], &wanted);
    // `show` says so too, as `downgrade` does, and a reversible one says it is derived.
    let shown = chain_ok(&fx.url, &fx.env, &["show", rev(3)]);
    assert!(
        shown
            .stdout
            .contains("Downgrade: none: it cannot be undone")
            && shown.stdout.contains("irreversible"),
        "{}",
        shown.text()
    );
    let shown = chain_ok(&fx.url, &fx.env, &["show", rev(2)]);
    assert!(
        shown.stdout.contains("Downgrade: derived from the upgrade"),
        "{}",
        shown.text()
    );
    // Above it, downgrades still work.
    chain_ok(&fx.url, &fx.env, &["downgrade", "-2"]);
    assert_eq!(versions(fx.db.conn()), [rev(3)]);
}

/// Hand edits of the version table into values no build has.
fn version_table_garbage(backend: Backend) {
    let Some(mut fx) = fixture(backend, "garbage", short_env()) else {
        return;
    };
    for garbage in [
        "zzzz",
        "'; DROP TABLE chain_000; --",
        "HEAD",
        "head",
        "  abc\tdef ",
        "ünïcode",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    ] {
        fx.set_version(garbage);
        for args in [
            &["upgrade", "head"][..],
            &["downgrade", "base"],
            &["stamp", "head"],
        ] {
            let line = fx.refused(&[], args, &["do not know", "nothing was changed"]);
            // Shown with its control characters escaped (the tab as `\t`).
            let shown = migrate_runtime::text::printable(garbage.trim());
            assert!(line.contains(&*shown), "{garbage:?}: {line}");
        }
    }
    // The column refuses NULL on every backend (it is the primary key): that edit cannot
    // be made.
    let d = fx.dialect();
    let null = format!(
        "UPDATE {} SET {} = NULL",
        d.quote("migrate_version"),
        d.quote("revision")
    );
    assert!(fx.user_conn().batch_execute(&null).is_err(), "{null}");
}

fn version_table_empty_string(backend: Backend) {
    let Some(mut fx) = fixture(backend, "empty_rev", short_env()) else {
        return;
    };
    fx.set_version("");
    for args in [
        &["upgrade", "head"][..],
        &["downgrade", "base"],
        &["stamp", "head"],
    ] {
        let line = fx.refused(&[], args, &["do not know", "nothing was changed"]);
        assert!(
            line.contains("\"\"") || line.contains("empty"),
            "the empty revision is shown as such: {line}"
        );
    }
}

/// The version table rebuilt by hand without its key, holding the head twice.
fn version_table_duplicate_rows(backend: Backend) {
    let Some(mut fx) = fixture(backend, "dup_rows", short_env()) else {
        return;
    };
    let d = fx.dialect();
    let (t, c, r) = (
        d.quote("migrate_version"),
        d.quote("revision"),
        d.string_literal(rev(APPLIED - 1)),
    );
    fx.exec(&format!("DROP TABLE {t}"));
    fx.exec(&format!("CREATE TABLE {t} ({c} VARCHAR(64) NOT NULL)"));
    fx.exec(&format!("INSERT INTO {t} ({c}) VALUES ({r})"));
    fx.exec(&format!("INSERT INTO {t} ({c}) VALUES ({r})"));
    for args in [
        &["upgrade", "head"][..],
        &["downgrade", "base"],
        &["stamp", "head"],
    ] {
        fx.refused(&[], args, &[rev(APPLIED - 1), "twice"]);
    }
}

// ---------------------------------------------------------------------------------------
// URLs and connections
// ---------------------------------------------------------------------------------------

/// A database that does not exist on a reachable server.
fn nonexistent_database(backend: Backend) {
    let Some(mut fx) = fixture(backend, "no_db", short_env()) else {
        return;
    };
    if backend == Backend::Sqlite {
        return; // SQLite creates the file: see `sqlite_missing_directory`
    }
    let url = format!("{}_no_such_db", fx.url);
    for args in [&["upgrade", "head"][..], &["current"], &["stamp", "head"]] {
        let out = chain_cli(&url, &fx.env, args);
        assert_one_line_error(&format!("{args:?}"), &out, &[1], &["cannot connect"]);
    }
    let before = state(fx.db.conn());
    assert_eq!(before.versions.len(), 1);
}

#[cfg(feature = "sqlite")]
#[test]
fn sqlite_missing_directory() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no").join("such");
    let url = format!("sqlite://{}/app.db", missing.display());
    for args in [
        &["upgrade", "head"][..],
        &["current"],
        &["downgrade", "base"],
    ] {
        let out = chain_cli(&url, &short_env(), args);
        assert_one_line_error(&format!("{args:?}"), &out, &[1], &["does not exist"]);
    }
    assert!(!dir.path().join("no").exists(), "nothing was created");
}

/// The read-only file: `chmod 0444` (and `chattr +i` where the tests run as root, whom
/// permissions do not stop); restored on drop.
struct ReadOnly<'a>(&'a Path, bool);

impl Drop for ReadOnly<'_> {
    fn drop(&mut self) {
        if self.1 {
            let _ = std::process::Command::new("chattr")
                .arg("-i")
                .arg(self.0)
                .status();
        }
        let _ = set_mode(self.0, 0o644);
    }
}

fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

fn writable(path: &Path) -> bool {
    std::fs::OpenOptions::new().append(true).open(path).is_ok()
}

#[cfg(feature = "sqlite")]
#[test]
fn sqlite_read_only_file() {
    read_only_file(false);
}

#[cfg(feature = "sqlite")]
#[test]
fn sqlite_read_only_file_one_line() {
    read_only_file(true);
}

/// A SQLite file the process cannot write: every change refused, nothing changed (and, with
/// `one_line`, in one line); reading still works.
fn read_only_file(one_line: bool) {
    let name = if one_line { "read_only_1" } else { "read_only" };
    let Some(mut fx) = fixture(Backend::Sqlite, name, short_env()) else {
        return;
    };
    let path = fx.url.strip_prefix("sqlite://").unwrap().to_owned();
    let path = Path::new(&path);
    set_mode(path, 0o444).unwrap();
    let mut guard = ReadOnly(path, false);
    if writable(path) {
        let immutable = std::process::Command::new("chattr")
            .arg("+i")
            .arg(path)
            .status()
            .is_ok_and(|s| s.success());
        guard.1 = immutable;
        if !immutable || writable(path) {
            eprintln!(
                "SKIPPED sqlite_read_only_file: running as root, and `chattr +i` is not available"
            );
            return;
        }
    }
    for args in [
        &["upgrade", "head"][..],
        &["downgrade", "base"],
        &["stamp", "head"],
        &["--per-migration", "upgrade", "+1"],
    ] {
        fx.refused_with(&[], args, &["readonly"], one_line);
    }
    // Reading still works.
    let out = chain_cli(&fx.url, &fx.env, &["current"]);
    assert_eq!(out.code, 0, "{}", out.text());
    assert!(out.stdout.contains(rev(APPLIED - 1)), "{}", out.text());
    drop(guard);
}

/// A server that does not answer: port 1.
#[cfg(any(feature = "postgres", feature = "mysql"))]
fn unreachable_server(backend: Backend) {
    let Some(fx) = fixture(backend, "unreachable", short_env()) else {
        return;
    };
    let url = fx
        .url
        .replacen(":5432/", ":1/", 1)
        .replacen(":3306/", ":1/", 1);
    assert!(url.contains(":1/"), "{url}");
    for args in [
        &["upgrade", "head"][..],
        &["current"],
        &["downgrade", "base"],
    ] {
        let out = chain_cli(&url, &fx.env, args);
        assert_one_line_error(&format!("{args:?}"), &out, &[1], &["cannot connect"]);
    }
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_unreachable_server() {
    unreachable_server(Backend::Postgres);
}

#[cfg(feature = "mysql")]
#[test]
fn mysql_unreachable_server() {
    unreachable_server(Backend::Mysql);
}

/// A wrong password for a user that exists. PostgreSQL's test server trusts every local
/// connection (`pg_hba.conf`: `trust`), so a password is never checked there.
#[cfg(feature = "mysql")]
#[test]
fn mysql_wrong_password() {
    let Some(fx) = fixture(Backend::Mysql, "wrong_password", short_env()) else {
        return;
    };
    let user = fx.user.as_ref().expect("a server user");
    let wrong = format!("{}-wrong", user.password);
    register_secret(&wrong);
    let url = support::with_user(&fx.url, user.name(), &wrong);
    for args in [&["upgrade", "head"][..], &["current"], &["stamp", "head"]] {
        let out = chain_cli(&url, &fx.env, args);
        assert_one_line_error(&format!("{args:?}"), &out, &[1], &["Access denied"]);
    }
}

/// URLs that are malformed, run from an empty directory: each refused, and no file made
/// there.
#[test]
fn malformed_urls() {
    let dir = tempfile::tempdir().unwrap();
    register_secret("Sekr1t-pw");
    // Each driver parses its own URLs: a backend not compiled in says so instead (and
    // still prints no password).
    let (pg, my) = (cfg!(feature = "postgres"), cfg!(feature = "mysql"));
    for (url, wanted) in [
        (
            "postgres://app:Sekr1t-pw@127.0.0.1:notaport/db",
            if pg {
                "invalid integer value"
            } else {
                "built without the `postgres` feature"
            },
        ),
        (
            "mysql://app:Sekr1t-pw@[::1/db",
            if my {
                "cannot connect"
            } else {
                "built without the `mysql` feature"
            },
        ),
        (
            "mysql://app:Sekr1t-pw@127.0.0.1:99999/db",
            if my {
                "cannot connect"
            } else {
                "built without the `mysql` feature"
            },
        ),
    ] {
        for args in [&["upgrade", "head"][..], &["current"]] {
            let out = chain_cli_in(url, &short_env(), args, Some(dir.path()));
            assert_one_line_error(&format!("{url} {args:?}"), &out, &[1], &[wanted]);
        }
    }
    let made: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(made.is_empty(), "files made: {made:?}");
}

/// A mistyped scheme is not a file name, and its password is not printed.
#[test]
fn mistyped_scheme() {
    let dir = tempfile::tempdir().unwrap();
    register_secret("Sekr1t-pw");
    for url in [
        "postgress://app:Sekr1t-pw@127.0.0.1/db",
        "oracle://scott:Sekr1t-pw@db.example/orcl",
    ] {
        let out = chain_cli_in(url, &short_env(), &["upgrade", "head"], Some(dir.path()));
        assert_one_line_error(url, &out, &[1, 2], &["scheme"]);
    }
}

/// A server URL missing its `//` is not a SQLite file name in the working directory.
#[test]
fn server_url_without_slashes() {
    let dir = tempfile::tempdir().unwrap();
    for url in ["postgres:shop", "mysql:shop", "postgresql:127.0.0.1/shop"] {
        let out = chain_cli_in(url, &short_env(), &["upgrade", "head"], Some(dir.path()));
        assert_one_line_error(url, &out, &[1, 2], &[url]);
    }
    let made: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(made.is_empty(), "files made: {made:?}");
}

/// An empty URL (an unset variable in a deploy script) names no database.
#[test]
fn empty_url() {
    let dir = tempfile::tempdir().unwrap();
    for url in ["", "sqlite://", "sqlite:"] {
        let out = chain_cli_in(url, &short_env(), &["upgrade", "head"], Some(dir.path()));
        assert_one_line_error(&format!("{url:?}"), &out, &[1, 2], &["URL"]);
    }
}

/// A MySQL URL without a database.
#[cfg(feature = "mysql")]
#[test]
fn mysql_url_without_a_database() {
    let Some(fx) = fixture(Backend::Mysql, "no_db_in_url", short_env()) else {
        return;
    };
    let url = fx.url.rsplit_once('/').unwrap().0.to_owned();
    for args in [&["upgrade", "head"][..], &["current"]] {
        let out = chain_cli(&url, &fx.env, args);
        assert_one_line_error(&format!("{args:?}"), &out, &[1, 2], &["database"]);
        assert!(!out.stderr.contains("failed migration"), "{}", out.text());
    }
}

/// The engine's tables made by another user (the owner of the schema, say), and a deploy
/// user who may not read them: the engine must not take the database for an empty one.
#[cfg(feature = "postgres")]
#[test]
fn postgres_version_table_the_user_cannot_read() {
    let Some(mut db) = TestDb::open(Backend::Postgres, "bad_pg_no_privilege") else {
        return;
    };
    let n = USERS.fetch_add(1, Ordering::Relaxed);
    let user = SecretUser::create(&mut db, &format!("u{n}")).expect("a server user");
    let env = short_env();
    // Migrated by the administrator: the tables are not the user's.
    chain_ok(db.url(), &env, &["upgrade", rev(APPLIED - 1)]);
    let before = state(db.conn());
    // The URL as printed (password hidden), the user, what was being done, the state, and
    // the grant that is missing.
    let shown = migrate_runtime::connection::redact_url(&user.url);
    assert!(shown.contains(":***@"), "{shown}");
    let grant = format!(
        "GRANT SELECT, INSERT, UPDATE, DELETE ON \"migrate_version\", \"migrate_history\" TO \"{}\"",
        user.name()
    );
    let as_user = format!("as user \"{}\"", user.name());
    for args in [
        &["current"][..],
        &["upgrade", "head"],
        &["downgrade", "base"],
        &["stamp", "head"],
        &["check"],
        &["history", "-i"],
    ] {
        let out = chain_cli(&user.url, &env, args);
        assert_one_line_error(
            &format!("{args:?}"),
            &out,
            &[1],
            &[
                "permission denied for table migrate_version",
                "reading the version table migrate_version of ",
                &shown,
                &as_user,
                "nothing was changed",
                &grant,
            ],
        );
        assert!(!out.stderr.contains("at base"), "{}", out.text());
    }
    assert_eq!(state(db.conn()), before);
}

/// MySQL leaves the tables a user may not read out of its catalog: a deploy user with no
/// rights on the engine's tables is told so, with the grant, and is not taken for a
/// database at base (which `upgrade` would then try to create tables in).
#[cfg(feature = "mysql")]
#[test]
fn mysql_version_table_the_user_cannot_read() {
    let Some(mut db) = TestDb::open(Backend::Mysql, "bad_my_no_privilege") else {
        return;
    };
    let n = USERS.fetch_add(1, Ordering::Relaxed);
    let user = SecretUser::create(&mut db, &format!("u{n}")).expect("a server user");
    let env = short_env();
    chain_ok(db.url(), &env, &["upgrade", rev(APPLIED - 1)]);
    // The user may read one table of the application, none of the engine's.
    user.mysql_grant_only_select_on(&mut db, "chain_000");
    let before = state(db.conn());
    let shown = migrate_runtime::connection::redact_url(&user.url);
    let grant = format!(
        "GRANT SELECT, INSERT, UPDATE, DELETE ON `migrate_version` TO '{}'@",
        user.name()
    );
    for args in [
        &["current"][..],
        &["upgrade", "head"],
        &["stamp", "head"],
        &["check"],
    ] {
        let out = chain_cli(&user.url, &env, args);
        assert_one_line_error(
            &format!("{args:?}"),
            &out,
            &[1],
            &[
                "command denied",
                // The version table, or the history (`stamp` reads a mark there first).
                " table migrate_",
                &shown,
                "nothing was changed",
                &grant,
            ],
        );
        assert!(!out.stderr.contains("at base"), "{}", out.text());
    }
    assert_eq!(state(db.conn()), before);
}

/// Every verb, successful or not, with the test user's URL (from `DATABASE_URL` and from
/// `--database-url`): `chain_cli` checks each output for the password.
fn every_verb_hides_the_password(backend: Backend) {
    let Some(fx) = fixture(backend, "verbs_secret", short_env()) else {
        return;
    };
    if fx.user.is_none() {
        return; // SQLite: no password
    }
    let env = &fx.env;
    let url = fx.url.as_str();
    let top = rev(SHORT - 1);
    for (args, code) in [
        (&["current"][..], 0),
        (&["current", "-v"], 0),
        (&["history", "-i"], 0),
        (&["heads"], 0),
        (&["show", top], 0),
        (&["check"], 1),
        (&["-v", "upgrade", "+1"], 0),
        (&["-v", "--per-migration", "upgrade", "head"], 0),
        (&["check"], 0),
        (&["upgrade", "head"], 0),
        (&["upgrade", "--sql", "base:head"], 0),
        (&["downgrade", "--sql", "head:base"], 0),
        (&["stamp", rev(2)], 0),
        (&["stamp", "head"], 0),
        (&["-v", "downgrade", "-2"], 0),
        (&["downgrade", "ffff"], 1),
        (&["upgrade", "--bogus"], 2),
        (&["-v", "downgrade", "base"], 0),
    ] {
        let out = chain_cli(url, env, args);
        assert_eq!(out.code, code, "{args:?}: {}", out.text());
        let mut with_flag = vec!["--database-url", url];
        with_flag.extend_from_slice(args);
        let out = chain_cli("sqlite:///nonexistent/never-used.db", env, &with_flag);
        assert_eq!(out.code, code, "--database-url {args:?}: {}", out.text());
    }
}

// ---------------------------------------------------------------------------------------
// A failing migration in the middle of the chain
// ---------------------------------------------------------------------------------------

/// How many migrations of the chain the failing-migration tests embed.
const FAIL_LEN: usize = 60;
/// The broken migration: the 31st of 60 (`create chain_010`), whose second statement fails.
const BROKEN: usize = 30;

/// Runs the first `FAIL_LEN` migrations with migration `BROKEN` broken (`-v`: statements
/// printed too, and searched for the password), checks the error and the state, then runs
/// the fixed chain.
fn failing_migration(backend: Backend, per_migration: bool) {
    let name = if per_migration {
        "fail_mig"
    } else {
        "fail_run"
    };
    let Some(mut db) = TestDb::open(backend, &format!("bad_{}_{name}", backend.dialect())) else {
        return;
    };
    let n = USERS.fetch_add(1, Ordering::Relaxed);
    let user = SecretUser::create(&mut db, &format!("u{n}"));
    let url = user
        .as_ref()
        .map_or_else(|| db.url().to_owned(), |u| u.url.clone());
    let d = db.dialect();
    let shapes = chain_shapes(d, FAIL_LEN);
    let len = vec![("CHAIN_LEN", FAIL_LEN.to_string())];
    let mode: &[&str] = if per_migration {
        &["--per-migration"]
    } else {
        &[]
    };
    let mut broken = len.clone();
    broken.push(("CHAIN_BROKEN_AT", BROKEN.to_string()));
    let mut args = mode.to_vec();
    args.extend(["-v", "upgrade", "head"]);

    let out = chain_cli(&url, &broken, &args);
    assert_eq!(out.code, 1, "{}", out.text());
    let errors: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(errors.len(), 1, "one error line:\n{}", out.text());
    let line = errors[0];
    for wanted in [
        format!("error: migration {}", rev(BROKEN)),
        "failed at statement 2".to_owned(),
        "INSERT INTO no_such_table_here".to_owned(),
    ] {
        assert!(line.contains(&wanted), "wanted {wanted:?} in\n{line}");
    }
    assert!(
        out.stdout.contains("INSERT INTO no_such_table_here"),
        "-v printed the statement:\n{}",
        out.stdout
    );

    let conn = db.conn();
    let at = versions(conn);
    let hist: Vec<String> = history(conn)
        .into_iter()
        .filter(|(_, dir)| dir == "upgrade")
        .map(|(r, _)| r)
        .collect();
    let got = shape(conn, false);
    let rolled_back = d != Dialect::Mysql && !per_migration;
    if rolled_back {
        assert!(
            line.contains("the run was rolled back: the database is at base"),
            "{line}"
        );
        assert!(at.is_empty(), "{line}");
        assert!(hist.is_empty(), "{line}");
        assert!(got == shapes[0], "{}", shape_diff(&shapes[0], &got));
    } else {
        assert!(
            line.contains(&format!("the database is at revision {}", rev(BROKEN - 1))),
            "{line}"
        );
        assert_eq!(at, [rev(BROKEN - 1)], "{line}");
        assert_eq!(hist, chain_revisions(BROKEN), "{line}");
        if d == Dialect::Mysql {
            // Its first statement (CREATE TABLE chain_010) committed: said, and journaled,
            // so that the fixed run resumes after it (statement 2) and does not run it twice.
            for wanted in [
                "MySQL cannot roll back DDL",
                "statements 1 to 1 of migration",
                "the next run resumes there",
            ] {
                assert!(line.contains(wanted), "wanted {wanted:?} in\n{line}");
            }
            assert!(
                got == shapes[BROKEN + 1],
                "{}",
                shape_diff(&shapes[BROKEN + 1], &got)
            );
            let marks: Vec<(String, String)> = history(conn)
                .into_iter()
                .filter(|(_, dir)| dir == "upgrading")
                .collect();
            assert_eq!(
                marks,
                [(rev(BROKEN).to_owned(), "upgrading".to_owned())],
                "{line}"
            );
            // `current` shows the migration in progress, and exits 1.
            let cur = chain_cli(&url, &broken, &["current"]);
            assert_eq!(cur.code, 1, "{}", cur.text());
            assert!(
                cur.stderr.contains(&format!(
                    "migration {} was interrupted during its upgrade",
                    rev(BROKEN)
                )) && cur.stderr.contains("1 statement(s) of 2 done"),
                "{}",
                cur.text()
            );
            // So does `check`.
            let chk = chain_cli(&url, &broken, &["check"]);
            assert_eq!(chk.code, 1, "{}", chk.text());
            assert!(
                chk.stderr.contains("was interrupted during its upgrade"),
                "{}",
                chk.text()
            );
        } else {
            assert!(
                line.contains("the failed migration was rolled back"),
                "{line}"
            );
            assert!(
                got == shapes[BROKEN],
                "{}",
                shape_diff(&shapes[BROKEN], &got)
            );
        }
    }

    // Fixed: a new run completes.
    let mut args = mode.to_vec();
    args.extend(["upgrade", "head"]);
    let out = chain_ok(&url, &len, &args);
    assert!(
        out.stdout.contains(&format!("upgrade   {}", rev(BROKEN))),
        "{}",
        out.text()
    );
    let conn = db.conn();
    assert_eq!(versions(conn), [rev(FAIL_LEN - 1)]);
    let hist: Vec<String> = history(conn).into_iter().map(|(r, _)| r).collect();
    assert_eq!(hist, chain_revisions(FAIL_LEN));
    let got = shape(conn, false);
    assert!(
        got == shapes[FAIL_LEN],
        "{}",
        shape_diff(&shapes[FAIL_LEN], &got)
    );
    drop(user);
}

fn failing_migration_one_transaction(backend: Backend) {
    failing_migration(backend, false);
}

fn failing_migration_per_migration(backend: Backend) {
    failing_migration(backend, true);
}
