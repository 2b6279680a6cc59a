//! Hostile input (issue #15): text that tries to become SQL or terminal commands, passwords
//! in every form a URL can carry them, and inputs that used to fall back silently to
//! something else (a file named after a connection string, the default URL, the
//! maintenance database, an in-memory database).
//!
//! - String literals mean what they say whatever the session's settings: PostgreSQL with
//!   `standard_conforming_strings = off`, MySQL with `NO_BACKSLASH_ESCAPES` or
//!   `ANSI_QUOTES`; online and in offline scripts.
//! - Text that goes into a SQL comment or onto the terminal is one line with no control
//!   character: a migration's message, a version-table row.
//! - No password is printed, whatever its form; strings that are not a recognized URL are
//!   refused before anything is created; a broken `.env` is an error; a server URL without
//!   a database and an in-memory database are refused for the verbs that change state.
//!
//! The server tests fail when `CI` is set and the server is down, and print why they are
//! skipped otherwise (see `migrate_tests::TestDb::open`).

mod support;

use std::path::Path;
use std::process::{Command, Stdio};

use migrate_runtime::connection::Connection;
use migrate_runtime::dialect::Dialect;
use migrate_runtime::engine::Engine;
use migrate_runtime::migration::{Migration, Migrations};
use migrate_runtime::prelude::{op, Column, Op, Table, Type, Value};
use migrate_tests::chain::CHAIN;
use migrate_tests::{Backend, TestDb};
use support::{
    assert_no_secret, assert_one_line_error, chain_cli, chain_cli_in, chain_ok, has_table,
    register_secret, state, versions, Out, CHAIN_CLI,
};

use migrate_tests::on_every_backend;

on_every_backend!(
    offline_script_with_a_hostile_message,
    database_text_is_printed_escaped,
    bulk_insert_round_trips_hostile_text,
);

fn rev(i: usize) -> &'static str {
    CHAIN.as_slice()[i].revision
}

fn env(len: usize) -> Vec<(&'static str, String)> {
    vec![("CHAIN_LEN", len.to_string())]
}

// ---------------------------------------------------------------------------------------
// String literals under hostile session settings
// ---------------------------------------------------------------------------------------

/// The values every literal test inserts: quotes and backslashes in every combination an
/// escape-processing parser could misread, and one that would drop the canary table if
/// its backslash were taken as an escape.
const HOSTILE: [&str; 9] = [
    "\\'); DROP TABLE adv_canary; --",
    "\\",
    "x\\",
    "\\\\",
    "it's",
    "\"double\"",
    "\\'",
    "a\\nb\\tc\\0d\\Z",
    "'); DROP TABLE adv_canary; --",
];

/// Bytes with a backslash and a quote, for PostgreSQL's bytea literal.
const HOSTILE_BYTES: [u8; 5] = [0x5c, 0x27, 0x00, 0xff, 0x5c];

fn hostile_tables() -> Vec<Op> {
    vec![
        op::create_table(
            Table::new("adv_canary").column(Column::new("id", Type::Integer).primary_key()),
        ),
        op::create_table(
            Table::new("adv_text")
                .column(Column::new("id", Type::Integer).primary_key())
                .column(Column::new("value", Type::Text))
                .column(Column::new("data", Type::Binary)),
        ),
    ]
}

fn hostile_rows() -> Vec<Op> {
    let rows: Vec<Vec<Value>> = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, v)| {
            vec![
                Value::Int(i as i64),
                Value::from(*v),
                Value::Bytes(HOSTILE_BYTES.to_vec()),
            ]
        })
        .collect();
    vec![op::bulk_insert("adv_text", ["id", "value", "data"], rows)]
}

fn hostile_migration() -> Vec<Op> {
    let mut ops = hostile_tables();
    ops.extend(hostile_rows());
    ops
}

const fn mig(
    revision: &'static str,
    down_revisions: &'static [&'static str],
    upgrade: fn() -> Vec<Op>,
) -> Migration {
    Migration::new(revision, down_revisions, upgrade).at(file!(), line!())
}

static HOSTILE_SET: Migrations =
    Migrations::__from_sorted(&[mig("ad0000000001", &[], hostile_migration)], "");

/// Reads `adv_text` back: each value, and its bytes as lowercase hex.
fn read_back(conn: &mut Connection) -> Vec<(String, String)> {
    let d = conn.dialect();
    let (value, data) = (d.quote("value"), d.quote("data"));
    let hex = match d {
        Dialect::Postgres => format!("encode({data}, 'hex')"),
        Dialect::Sqlite | Dialect::Mysql => format!("lower(hex({data}))"),
    };
    let sql = format!("SELECT {value} AS a, {hex} AS b FROM adv_text ORDER BY id");
    conn.query_pairs(&sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// That `adv_text` holds exactly [`HOSTILE`] and [`HOSTILE_BYTES`], and the canary lives.
fn assert_round_trip(conn: &mut Connection, what: &str) {
    assert!(
        has_table(conn, "adv_canary"),
        "{what}: adv_canary was dropped"
    );
    let got = read_back(conn);
    let hex: String = HOSTILE_BYTES.iter().map(|b| format!("{b:02x}")).collect();
    let want: Vec<(String, String)> = HOSTILE
        .iter()
        .map(|v| ((*v).to_owned(), hex.clone()))
        .collect();
    assert_eq!(
        got, want,
        "{what}: the values did not round-trip byte for byte"
    );
}

/// The engine's `bulk_insert` on every backend with its default settings: the values come
/// back byte for byte (the online path of the literal).
fn bulk_insert_round_trips_hostile_text(backend: Backend) {
    let Some(db) = TestDb::open(backend, &format!("hostile_bulk_{}", backend.dialect())) else {
        return;
    };
    let mut engine = Engine::connect(&HOSTILE_SET, db.url()).expect("connect");
    engine.upgrade().expect("upgrade");
    assert_round_trip(engine.connection(), "engine upgrade");
}

/// The test database's name (the last part of its URL).
#[cfg(feature = "postgres")]
fn db_name(db: &TestDb) -> String {
    db.url().rsplit('/').next().unwrap().to_owned()
}

/// PostgreSQL with `standard_conforming_strings = off` for the database (every new session
/// has it off): the engine's upgrade, and the offline script run by a client of that
/// database, insert the values exactly and drop nothing. Plain `'...'` literals would read
/// `\'` as an escaped quote there, ending the string at the next `'` and running the rest.
#[cfg(feature = "postgres")]
#[test]
fn postgres_literals_without_standard_conforming_strings() {
    use migrate_runtime::engine::{Config, Direction};
    use migrate_runtime::offline::offline_sql;
    for path in ["engine", "offline"] {
        let Some(mut db) = TestDb::open(Backend::Postgres, &format!("hostile_scs_off_{path}"))
        else {
            return;
        };
        let name = db_name(&db);
        db.exec(&format!(
            "ALTER DATABASE {} SET standard_conforming_strings = off",
            Dialect::Postgres.quote(&name)
        ));
        // A new session has the setting off: the hazard is real for it.
        let mut fresh = Connection::establish(db.url()).expect("connect");
        let off = fresh
            .query_count(
                "SELECT CASE WHEN current_setting('standard_conforming_strings') = 'off' THEN 0 ELSE 1 END",
            )
            .unwrap();
        assert_eq!(
            off, 0,
            "standard_conforming_strings is off for new sessions"
        );
        match path {
            "engine" => {
                let mut engine = Engine::connect(&HOSTILE_SET, db.url()).expect("connect");
                engine.upgrade().expect("upgrade");
                assert_round_trip(
                    engine.connection(),
                    "engine, standard_conforming_strings off",
                );
            }
            _ => {
                let script = offline_sql(
                    &HOSTILE_SET,
                    Dialect::Postgres,
                    &Config::default(),
                    Direction::Upgrade,
                    "base:head",
                )
                .expect("offline script");
                assert!(script.contains("E'\\\\''); DROP TABLE"), "{script}");
                fresh
                    .batch_execute(&script)
                    .unwrap_or_else(|e| panic!("{e}\n{script}"));
                assert_round_trip(
                    &mut fresh,
                    "offline script, standard_conforming_strings off",
                );
            }
        }
        assert_round_trip(db.conn(), path);
    }
}

/// Sets a hostile SQL mode on `conn`'s session, on top of the server's.
#[cfg(feature = "mysql")]
fn set_mode(conn: &mut Connection, modes: &str) {
    conn.batch_execute(&format!(
        "SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',{modes}')"
    ))
    .unwrap_or_else(|e| panic!("set sql_mode {modes}: {e}"));
}

/// MySQL/MariaDB with `NO_BACKSLASH_ESCAPES`, `ANSI_QUOTES` (and the `ANSI` combination
/// mode) in the session's SQL mode.
///
/// What is proved: (1) under those modes the rendered literals do NOT round-trip (the
/// hazard is real for this server); (2) [`Connection::apply_session_settings`] (which
/// [`Connection::establish`], and so the engine, runs on connect) removes the modes and
/// then the same rendered statements insert the values byte for byte, injecting nothing;
/// (3) the offline MySQL script, run by a client whose session has the modes, sets its own
/// mode first and inserts the values exactly. What is not: a server whose *global* mode
/// has them (the tests run in parallel on one server, so the global mode is not changed);
/// the engine's connect runs the same function as (2).
#[cfg(feature = "mysql")]
#[test]
fn mysql_literals_under_hostile_sql_modes() {
    use migrate_runtime::dialect::render;
    use migrate_runtime::engine::{Config, Direction};
    use migrate_runtime::offline::offline_sql;
    use migrate_runtime::schema::Schema;
    let Some(mut db) = TestDb::open(Backend::Mysql, "hostile_sql_mode") else {
        return;
    };
    let d = Dialect::Mysql;
    let mut schema = Schema::new();
    let tables = hostile_tables();
    for s in render(d, &schema, &tables).unwrap() {
        db.conn().run(&s).unwrap();
    }
    for op in &tables {
        schema.apply(op).unwrap();
    }
    let inserts = render(d, &schema, &hostile_rows()).unwrap();
    for modes in [
        "NO_BACKSLASH_ESCAPES",
        "ANSI_QUOTES",
        "NO_BACKSLASH_ESCAPES,ANSI_QUOTES",
        "ANSI,NO_BACKSLASH_ESCAPES",
    ] {
        let mut conn = Connection::establish(db.url()).expect("connect");
        // A fresh connection has none of the modes the literals cannot live with.
        let unsafe_modes = "SELECT FIND_IN_SET('NO_BACKSLASH_ESCAPES', @@SESSION.sql_mode) \
                            + FIND_IN_SET('ANSI_QUOTES', @@SESSION.sql_mode)";
        assert_eq!(conn.query_count(unsafe_modes).unwrap(), 0, "{modes}");
        set_mode(&mut conn, modes);
        assert!(conn.query_count(unsafe_modes).unwrap() > 0, "{modes}");
        if modes.contains("NO_BACKSLASH_ESCAPES") {
            // The hazard: the same statements under the hostile mode store other text.
            for s in &inserts {
                conn.run(s).unwrap();
            }
            assert_ne!(
                read_back(&mut conn)[0].0,
                HOSTILE[0],
                "{modes}: the rendered literal means something else under this mode"
            );
            conn.batch_execute("DELETE FROM adv_text").unwrap();
        }
        conn.apply_session_settings()
            .expect("apply the session settings");
        assert_eq!(conn.query_count(unsafe_modes).unwrap(), 0, "{modes}");
        for s in &inserts {
            conn.run(s).unwrap();
        }
        assert_round_trip(&mut conn, &format!("online, {modes}"));
        conn.batch_execute("DELETE FROM adv_text").unwrap();

        // The offline script, run by a client whose session has the modes.
        let mut client = Connection::establish(db.url()).expect("connect");
        client
            .batch_execute("DROP TABLE adv_text, adv_canary")
            .unwrap();
        for t in ["migrate_version", "migrate_history"] {
            client
                .batch_execute(&format!("DROP TABLE IF EXISTS {}", d.quote(t)))
                .unwrap();
        }
        set_mode(&mut client, modes);
        let script = offline_sql(
            &HOSTILE_SET,
            d,
            &Config::default(),
            Direction::Upgrade,
            "base:head",
        )
        .expect("offline script");
        assert!(script.contains("SET SESSION sql_mode"), "{script}");
        client
            .batch_execute(&script)
            .unwrap_or_else(|e| panic!("{modes}: {e}\n{script}"));
        assert_round_trip(&mut client, &format!("offline script, {modes}"));
        client.batch_execute("DELETE FROM adv_text").unwrap();
    }
}

// ---------------------------------------------------------------------------------------
// SQL comments and terminal output
// ---------------------------------------------------------------------------------------

/// Messages that try to end a comment line (`revision -m $'x\nDROP TABLE users; --'`) or
/// drive the terminal.
const MESSAGES: [&str; 8] = [
    "x\nDROP TABLE users; --",
    "x\rDROP TABLE users; --",
    "x\r\nDROP TABLE users; --",
    "x\u{b}DROP TABLE users; --",
    "x\u{c}DROP TABLE users; --",
    "x\u{85}DROP TABLE users; --",
    "x\u{2028}DROP TABLE users; --",
    "\u{1b}[2J\u{1b}[31mx\nDROP TABLE users; --",
];

/// Whether `text` holds a control character other than the line feed that ends lines.
fn raw_control(text: &str) -> Option<char> {
    text.chars()
        .find(|&c| c != '\n' && (c.is_control() || c == '\u{2028}' || c == '\u{2029}'))
}

/// The lines of `text` as a terminal or a SQL client could split them.
fn any_lines(text: &str) -> Vec<&str> {
    text.split([
        '\n', '\r', '\u{b}', '\u{c}', '\u{85}', '\u{2028}', '\u{2029}',
    ])
    .collect()
}

/// `upgrade --sql` of a chain whose second migration has a hostile message: every line of
/// the script that is not SQL is a comment, and the script, run on the database, creates
/// the chain and drops nothing.
fn offline_script_with_a_hostile_message(backend: Backend) {
    let Some(mut db) = TestDb::open(backend, &format!("hostile_comment_{}", backend.dialect()))
    else {
        return;
    };
    let d = backend.dialect();
    for (i, message) in MESSAGES.iter().enumerate() {
        if i > 0 {
            let conn = db.conn();
            for t in ["chain_000", "migrate_version", "migrate_history"] {
                if has_table(conn, t) {
                    conn.batch_execute(&format!("DROP TABLE {}", d.quote(t)))
                        .unwrap();
                }
            }
        } else {
            db.exec(&format!("CREATE TABLE {} (id INTEGER)", d.quote("users")));
        }
        let mut e = env(2);
        e.push(("CHAIN_MESSAGE_AT", "1".into()));
        e.push(("CHAIN_MESSAGE", (*message).to_owned()));
        let out = chain_ok(
            db.url(),
            &e,
            &["upgrade", "--sql", "--dialect", d.name(), "base:head"],
        );
        let script = &out.stdout;
        assert_eq!(raw_control(script), None, "{message:?}:\n{script}");
        for line in any_lines(script) {
            assert!(
                !line.trim_start().starts_with("DROP TABLE users"),
                "{message:?}: a live statement line from the message:\n{script}"
            );
        }
        assert!(script.contains("DROP TABLE users; --"), "{script}");
        db.conn()
            .batch_execute(script)
            .unwrap_or_else(|e| panic!("{message:?}: {e}\n{script}"));
        let conn = db.conn();
        assert!(has_table(conn, "users"), "{message:?}: users was dropped");
        assert!(has_table(conn, "chain_000"), "{message:?}: the script ran");
        assert_eq!(versions(conn), [rev(1)], "{message:?}");
    }
}

/// `revision -m` with a newline writes the message as an escape inside the Rust string, so
/// the premise of the tests above (a message holding a newline) is what the tool writes.
#[test]
fn revision_message_with_a_newline_is_written_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let path = migrate_runtime::scaffold::write_revision(dir.path(), MESSAGES[0], None, &[], &[])
        .expect("write the revision");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("x\\nDROP TABLE users; --"),
        "the message, escaped:\n{text}"
    );
    for line in text.lines() {
        assert!(!line.starts_with("DROP TABLE users"), "{text}");
    }
}

/// A version-table row holding an escape sequence and a newline, and a migration message
/// holding them: no verb prints a raw ESC, and errors stay one line.
fn database_text_is_printed_escaped(backend: Backend) {
    let Some(mut db) = TestDb::open(backend, &format!("hostile_print_{}", backend.dialect()))
    else {
        return;
    };
    let url = db.url().to_owned();
    let mut e = env(6);
    e.push(("CHAIN_MESSAGE_AT", "2".into()));
    e.push(("CHAIN_MESSAGE", MESSAGES[7].to_owned()));
    let check = |out: &Out, what: &str| {
        let text = out.text();
        assert!(
            !text.contains('\u{1b}'),
            "{what}: a raw ESC in the output:\n{text}"
        );
        assert!(
            !any_lines(&text)
                .iter()
                .any(|l| l.trim_start().starts_with("DROP TABLE users")),
            "{what}: the message's second line printed as a line:\n{text}"
        );
    };
    // The message, from the code, through every verb that prints it.
    for args in [
        &["-v", "upgrade", "head"][..],
        &["current", "-v"],
        &["history", "-i"],
        &["history", "-v"],
        &["heads"],
        &["show", rev(2)],
        &["-v", "downgrade", rev(1)],
        &["upgrade", "--sql", "base:head"],
    ] {
        let out = chain_cli(&url, &e, args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.text());
        check(&out, &format!("{args:?}"));
    }
    let out = chain_ok(&url, &e, &["history"]);
    assert!(out.stdout.contains("\\u{1b}[2J"), "{}", out.stdout);

    // A version row from the database.
    let hostile = "abc\u{1b}[2J\ndef";
    let d = db.dialect();
    db.exec(&format!(
        "UPDATE {} SET {} = {}",
        d.quote("migrate_version"),
        d.quote("revision"),
        d.string_literal(hostile)
    ));
    let out = chain_ok(&url, &e, &["current"]);
    check(&out, "current");
    assert!(
        out.stdout.contains("abc\\u{1b}[2J\\ndef"),
        "the row, escaped: {}",
        out.stdout
    );
    let out = chain_ok(&url, &e, &["history", "-i"]);
    check(&out, "history -i");
    for args in [
        &["upgrade", "head"][..],
        &["downgrade", "base"],
        &["stamp", "head"],
        &["check"],
    ] {
        let before = state(db.conn());
        let out = chain_cli(&url, &e, args);
        check(&out, &format!("{args:?}"));
        assert_one_line_error(&format!("{args:?}"), &out, &[1], &["abc\\u{1b}[2J\\ndef"]);
        assert_eq!(state(db.conn()), before, "{args:?}");
    }
}

// ---------------------------------------------------------------------------------------
// Passwords in every form
// ---------------------------------------------------------------------------------------

/// Every verb that connects or prints the URL, with the password in each form a URL can
/// carry it, against a server that does not answer (port 1): no output holds the password
/// or a piece of it. Needs no server.
#[test]
fn passwords_in_every_url_form_are_hidden() {
    let dir = tempfile::tempdir().unwrap();
    let pieces = [
        "Zq9/Sec@ret",
        "Sec@ret",
        "Zq9",
        "S3cretQueryPw",
        "S3cretColonPw",
    ];
    for p in pieces {
        register_secret(p);
    }
    let urls = [
        "postgres://u@127.0.0.1:1/db?password=S3cretQueryPw",
        "postgres://127.0.0.1:1/db?user=u&password=S3cretQueryPw",
        "postgres://u:Zq9/Sec@ret@127.0.0.1:1/db",
        "postgresql://u:Zq9/Sec@ret@127.0.0.1:1/db?sslmode=disable",
        "mysql://u:Zq9/Sec@ret@127.0.0.1:1/db",
        "mysql://u@127.0.0.1:1/db?password=S3cretQueryPw",
        "postgres:u:S3cretColonPw@127.0.0.1",
        "mysql:u:S3cretColonPw@127.0.0.1/db",
    ];
    let verbs: [&[&str]; 9] = [
        &["upgrade", "head"],
        &["-v", "upgrade", "+1"],
        &["downgrade", "base"],
        &["current"],
        &["stamp", "head"],
        &["check"],
        &["history", "-i"],
        &["upgrade", "--sql", "base:head"],
        &["revision", "--autogenerate", "-m", "x"],
    ];
    for url in urls {
        for args in verbs {
            let out = chain_cli_in(url, &env(3), args, Some(dir.path()));
            let mut flagged = vec!["--database-url", url];
            flagged.extend_from_slice(args);
            let out2 = chain_cli_in("sqlite://unused.db", &env(3), &flagged, Some(dir.path()));
            for (o, how) in [(&out, "DATABASE_URL"), (&out2, "--database-url")] {
                let text = o.text();
                for p in pieces {
                    assert!(
                        !text.contains(p),
                        "{url} {args:?} ({how}): {p:?} printed:\n{text}"
                    );
                }
                if args[0] != "upgrade" || args.get(1) != Some(&"--sql") {
                    assert_ne!(o.code, 0, "{url} {args:?} ({how}): {text}");
                }
            }
        }
    }
    let made: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(made.is_empty(), "files made: {made:?}");
}

// ---------------------------------------------------------------------------------------
// Strings that are not a database URL
// ---------------------------------------------------------------------------------------

/// A libpq `key=value` string, and other strings that are no recognized form, are refused
/// by name before anything is created; paths ending in `.db` or `.sqlite` still open SQLite.
#[test]
fn strings_that_are_not_urls_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    register_secret("KvS3cretPw");
    for (url, wanted) in [
        (
            "host=127.0.0.1 user=postgres password=KvS3cretPw dbname=test",
            "a libpq key=value connection string is not supported: write it as postgres://user@host/dbname",
        ),
        ("dbname=test user=postgres", "libpq key=value"),
        ("shop", "is not a database URL"),
        ("data/app", "is not a database URL"),
        ("127.0.0.1:5432/shop", "is not a database URL"),
    ] {
        for args in [&["upgrade", "head"][..], &["current"], &["stamp", "head"]] {
            let out = chain_cli_in(url, &env(3), args, Some(dir.path()));
            assert_one_line_error(&format!("{url} {args:?}"), &out, &[1, 2], &[wanted]);
        }
    }
    let made: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(made.is_empty(), "files made: {made:?}");
    // Plain paths with a SQLite extension still work, relative to the working directory.
    std::fs::create_dir(dir.path().join("data")).unwrap();
    for (url, file) in [
        ("shop.db", "shop.db"),
        ("./data/app.sqlite", "data/app.sqlite"),
        ("sqlite:./data/x.sqlite3", "data/x.sqlite3"),
    ] {
        let out = chain_cli_in(url, &env(3), &["upgrade", "head"], Some(dir.path()));
        assert_eq!(out.code, 0, "{url}: {}", out.text());
        assert!(dir.path().join(file).is_file(), "{url}: {file} made");
    }
}

/// Runs `chain_cli args` in `dir` with no `DATABASE_URL` in its environment.
fn cli_without_url(dir: &Path, args: &[&str]) -> Out {
    let out = Command::new(CHAIN_CLI)
        .args(args)
        .env_remove("DATABASE_URL")
        .env("CHAIN_LEN", "3")
        .env("NO_COLOR", "1")
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run chain_cli");
    let out = Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_no_secret("", &format!("{args:?}"), &out.text());
    out
}

/// A `.env` that cannot be parsed is an error naming the file and the line (not its text,
/// which may hold a password), exit 2, and nothing is created; a good one is used.
#[test]
fn malformed_dotenv_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    register_secret("DotenvS3cret");
    let dotenv = dir.path().join(".env");
    std::fs::write(
        &dotenv,
        "FOO=bar\nDATABASE_URL=\"postgres://u:DotenvS3cret@127.0.0.1:1/db\nBAZ=1\n",
    )
    .unwrap();
    let shown = dotenv.display().to_string();
    for args in [&["upgrade", "head"][..], &["current"], &["stamp", "head"]] {
        let out = cli_without_url(dir.path(), args);
        assert_one_line_error(
            &format!("{args:?}"),
            &out,
            &[2],
            &[&shown, "line 2", "DATABASE_URL", "cannot be parsed"],
        );
    }
    let made: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(made, [".env"], "nothing but the .env");
    // A good one is used: its file is the one migrated.
    std::fs::write(&dotenv, "# ok\nDATABASE_URL=sqlite://from-env.db\n").unwrap();
    let out = cli_without_url(dir.path(), &["upgrade", "head"]);
    assert_eq!(out.code, 0, "{}", out.text());
    assert!(dir.path().join("from-env.db").is_file(), "{}", out.text());
    assert!(!dir.path().join("chain.db").exists(), "not the default URL");
}

/// `sqlite://:memory:` would migrate a database that is gone when the command ends:
/// refused for the verbs that change state, allowed for those that read.
#[test]
fn in_memory_database_is_refused_for_changes() {
    let dir = tempfile::tempdir().unwrap();
    for url in ["sqlite://:memory:", ":memory:", "sqlite::memory:"] {
        for args in [
            &["upgrade", "head"][..],
            &["downgrade", "base"],
            &["stamp", "head"],
            &["--per-migration", "upgrade", "+1"],
        ] {
            let out = chain_cli_in(url, &env(3), args, Some(dir.path()));
            assert_one_line_error(
                &format!("{url} {args:?}"),
                &out,
                &[2],
                &["in-memory", "keeps nothing"],
            );
        }
        for args in [
            &["current"][..],
            &["history", "-i"],
            &["upgrade", "--sql", "head"],
        ] {
            let out = chain_cli_in(url, &env(3), args, Some(dir.path()));
            assert_eq!(out.code, 0, "{url} {args:?}: {}", out.text());
        }
    }
    let made: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(made.is_empty(), "files made: {made:?}");
}

/// A PostgreSQL URL without a database would migrate the database named after the user
/// (`postgres`, the maintenance database, for the administrator): refused, as MySQL's is.
#[cfg(feature = "postgres")]
#[test]
fn postgres_url_without_a_database() {
    let Some(mut db) = TestDb::open(Backend::Postgres, "hostile_pg_no_db") else {
        return;
    };
    let user = support::SecretUser::create(&mut db, "h0").expect("a server user");
    let server = user.url.rsplit_once('/').unwrap().0.to_owned();
    for url in [
        server.clone(),
        format!("{server}/"),
        format!("{server}/?sslmode=disable"),
    ] {
        for args in [&["upgrade", "head"][..], &["current"], &["stamp", "head"]] {
            let out = chain_cli(&url, &env(3), args);
            assert_one_line_error(
                &format!("{url} {args:?}"),
                &out,
                &[1, 2],
                &["names no database", "postgres://user@host/database"],
            );
        }
    }
}
