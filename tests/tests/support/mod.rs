//! What the process tests (`crash.rs`, `deployers.rs`, `bad_input.rs`) and
//! `hostile_names.rs` share: running `chain_cli` (with a check that no password of the URL
//! or of a [`SecretUser`] appears in its output), the database's shape read from the
//! catalog and the shape a schema model says it should have, the version and history
//! tables, waiting for a killed client's server session to end, a seeded random number
//! generator, and a server user with a password.
#![allow(dead_code)] // each test file uses a part

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use migrate_runtime::connection::Connection;
use migrate_runtime::dialect::{catalog, Dialect};
use migrate_runtime::schema::Schema;
use migrate_tests::chain::CHAIN;
use migrate_tests::{Backend, TestDb};

/// The `chain_cli` binary (`src/bin/chain_cli.rs`).
pub const CHAIN_CLI: &str = env!("CARGO_BIN_EXE_chain_cli");

/// One finished run of a binary.
#[derive(Debug, Clone)]
pub struct Out {
    /// The exit code (-1 when killed by a signal).
    pub code: i32,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

impl Out {
    /// Both outputs, for messages.
    pub fn text(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Every password a test made; no output may contain one.
static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Registers a password that must never appear in any output.
pub fn register_secret(secret: &str) {
    SECRETS.lock().unwrap().push(secret.to_owned());
}

/// The password of a URL (`scheme://user:password@host/...`), if it has one.
pub fn password_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let userinfo = authority.rsplit_once('@')?.0;
    let (_, password) = userinfo.split_once(':')?;
    (!password.is_empty()).then_some(password)
}

/// Panics when `text` contains the password of `url` or a registered secret.
pub fn assert_no_secret(url: &str, what: &str, text: &str) {
    let mut secrets = SECRETS.lock().unwrap().clone();
    secrets.extend(password_of(url).map(str::to_owned));
    for s in secrets {
        assert!(
            !text.contains(&s),
            "{what}: the password {s:?} appears in the output:\n{text}"
        );
    }
}

/// Runs `chain_cli args` with `DATABASE_URL=url` and the `CHAIN_*` settings `env`, from
/// the directory `cwd` (default: the test's), and checks that no password leaked.
pub fn chain_cli_in(
    url: &str,
    env: &[(&str, String)],
    args: &[&str],
    cwd: Option<&std::path::Path>,
) -> Out {
    let mut cmd = Command::new(CHAIN_CLI);
    cmd.args(args)
        .env("DATABASE_URL", url)
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    let out = cmd.output().expect("run chain_cli");
    let out = Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_no_secret(url, &format!("chain_cli {args:?}"), &out.text());
    out
}

/// [`chain_cli_in`] from the test's directory.
pub fn chain_cli(url: &str, env: &[(&str, String)], args: &[&str]) -> Out {
    chain_cli_in(url, env, args, None)
}

/// [`chain_cli`], asserting exit code 0.
pub fn chain_ok(url: &str, env: &[(&str, String)], args: &[&str]) -> Out {
    let out = chain_cli(url, env, args);
    assert_eq!(out.code, 0, "chain_cli {args:?} failed:\n{}", out.text());
    out
}

/// Asserts that `out` is a refusal: exit code in `codes`, nothing on stdout, one line on
/// stderr that starts with `error: ` and contains each of `wanted`; returns that line.
pub fn assert_one_line_error(what: &str, out: &Out, codes: &[i32], wanted: &[&str]) -> String {
    assert!(
        codes.contains(&out.code),
        "{what}: exit code {} (wanted one of {codes:?})\n{}",
        out.code,
        out.text()
    );
    assert!(
        out.stdout.trim().is_empty(),
        "{what}: a refusal prints nothing on stdout\n{}",
        out.text()
    );
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "{what}: the error is not one line\n{}",
        out.text()
    );
    let line = lines[0];
    assert!(line.starts_with("error: "), "{what}: {line}");
    assert!(!line.contains("panicked"), "{what}: {line}");
    for w in wanted {
        assert!(line.contains(w), "{what}: wanted {w:?} in\n{line}");
    }
    line.to_owned()
}

// ---------------------------------------------------------------------------------------
// The version and history tables
// ---------------------------------------------------------------------------------------

/// Whether `table` exists.
pub fn has_table(conn: &mut Connection, table: &str) -> bool {
    let d = conn.dialect();
    conn.query_count(&catalog::table_exists(d, table))
        .expect("table_exists")
        > 0
}

/// The version table's revisions (empty when it does not exist).
pub fn versions(conn: &mut Connection) -> Vec<String> {
    if !has_table(conn, "migrate_version") {
        return Vec::new();
    }
    let d = conn.dialect();
    conn.query_strings(&catalog::select_values(d, "migrate_version", "revision"))
        .expect("read the version table")
}

/// The version table's values, NULL included, in the table's order of revision.
pub fn raw_versions(conn: &mut Connection) -> Vec<Option<String>> {
    if !has_table(conn, "migrate_version") {
        return Vec::new();
    }
    let d = conn.dialect();
    conn.query_optional_strings(&catalog::select_values(d, "migrate_version", "revision"))
        .expect("read the version table")
}

/// The history table's rows as (revision, direction), oldest first.
pub fn history(conn: &mut Connection) -> Vec<(String, String)> {
    if !has_table(conn, "migrate_history") {
        return Vec::new();
    }
    let d = conn.dialect();
    conn.query_pairs(&catalog::select_history(d, "migrate_history"))
        .expect("read the history table")
}

/// What a refused command must leave as it was: the version table, the history, the
/// tables, columns and indexes.
#[derive(Debug, PartialEq, Eq)]
pub struct State {
    /// The version table.
    pub versions: Vec<Option<String>>,
    /// The history table.
    pub history: Vec<(String, String)>,
    /// The catalog.
    pub shape: BTreeSet<Item>,
}

/// The database's [`State`].
pub fn state(conn: &mut Connection) -> State {
    State {
        versions: raw_versions(conn),
        history: history(conn),
        shape: shape(conn, false),
    }
}

// ---------------------------------------------------------------------------------------
// Shapes: what exists, from the catalog and from a schema model
// ---------------------------------------------------------------------------------------

/// One object of a database: what the crash, deployer and name tests compare.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Item {
    /// A table.
    Table(String),
    /// A column of a table.
    Column(String, String),
    /// A named index (not one behind a constraint) of a table.
    Index(String, String),
    /// A foreign key column: table, column, referenced table, referenced column.
    ForeignKey(String, String, String, String),
    /// The name of a foreign key of a table (SQLite keeps none in its catalog).
    ForeignKeyName(String, String),
    /// A column of a unique constraint.
    Unique(String, String),
    /// The name of a unique constraint of a table (not on SQLite).
    UniqueName(String, String),
}

/// The engine's own tables, left out of shapes.
fn engine_table(t: &str) -> bool {
    t == "migrate_version" || t == "migrate_history"
}

/// The shape the schema model `schema` describes on `dialect`; with `constraints`, also
/// its foreign keys and unique constraints.
pub fn model_shape(schema: &Schema, dialect: Dialect, constraints: bool) -> BTreeSet<Item> {
    let named = dialect != Dialect::Sqlite;
    let mut out = BTreeSet::new();
    for (name, t) in &schema.tables {
        out.insert(Item::Table(name.clone()));
        for c in &t.columns {
            out.insert(Item::Column(name.clone(), c.name.clone()));
        }
        for i in &t.indexes {
            out.insert(Item::Index(name.clone(), i.name.clone()));
        }
        if !constraints {
            continue;
        }
        for fk in &t.foreign_keys {
            for (c, r) in fk.columns.iter().zip(&fk.ref_columns) {
                out.insert(Item::ForeignKey(
                    name.clone(),
                    c.clone(),
                    fk.ref_table.clone(),
                    r.clone(),
                ));
            }
            if named {
                out.insert(Item::ForeignKeyName(name.clone(), fk.name.clone()));
            }
        }
        for u in &t.uniques {
            for c in &u.columns {
                out.insert(Item::Unique(name.clone(), c.clone()));
            }
            if named {
                out.insert(Item::UniqueName(name.clone(), u.name.clone()));
            }
        }
    }
    out
}

fn rows(conn: &mut Connection, exprs: &[&str], from: &str) -> Vec<Vec<String>> {
    let d = conn.dialect();
    let sql = format!("SELECT {} {from}", catalog::text_columns(d, exprs));
    conn.query_rows(&sql, exprs.len())
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|r| r.into_iter().map(Option::unwrap_or_default).collect())
        .collect()
}

/// The shape of the database behind `conn`, read from its catalog (the engine's tables
/// left out); with `constraints`, also its foreign keys and unique constraints.
pub fn shape(conn: &mut Connection, constraints: bool) -> BTreeSet<Item> {
    let d = conn.dialect();
    let mut out = BTreeSet::new();
    let (tables, columns, indexes): (&str, &str, &str) = match d {
        Dialect::Sqlite => (
            "FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
            "FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
            "FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
        ),
        Dialect::Postgres => (
            "FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_type = 'BASE TABLE'",
            "FROM information_schema.columns WHERE table_schema = current_schema()",
            "FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid \
             JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
             WHERE n.nspname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint co \
             WHERE co.conindid = ix.indexrelid AND co.conrelid = ix.indrelid \
             AND co.contype IN ('p', 'u', 'x'))",
        ),
        Dialect::Mysql => (
            "FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() \
             AND TABLE_TYPE = 'BASE TABLE'",
            "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()",
            "FROM information_schema.STATISTICS s WHERE s.TABLE_SCHEMA = DATABASE() \
             AND s.INDEX_NAME <> 'PRIMARY' AND NOT EXISTS (SELECT 1 FROM \
             information_schema.TABLE_CONSTRAINTS tc WHERE tc.CONSTRAINT_SCHEMA = s.TABLE_SCHEMA \
             AND tc.TABLE_NAME = s.TABLE_NAME AND tc.CONSTRAINT_NAME = s.INDEX_NAME \
             AND tc.CONSTRAINT_TYPE IN ('UNIQUE', 'FOREIGN KEY'))",
        ),
    };
    let (t, c, it, ii) = match d {
        Dialect::Sqlite => ("name", "p.name", "tbl_name", "name"),
        Dialect::Postgres => ("table_name", "column_name", "t.relname", "i.relname"),
        Dialect::Mysql => ("TABLE_NAME", "COLUMN_NAME", "s.TABLE_NAME", "s.INDEX_NAME"),
    };
    let ct = if d == Dialect::Sqlite { "m.name" } else { t };
    for r in rows(conn, &[t], tables) {
        out.insert(Item::Table(r[0].clone()));
    }
    for r in rows(conn, &[ct, c], columns) {
        out.insert(Item::Column(r[0].clone(), r[1].clone()));
    }
    for r in rows(conn, &[it, ii], indexes) {
        out.insert(Item::Index(r[0].clone(), r[1].clone()));
    }
    if constraints {
        constraint_shape(conn, &mut out);
    }
    out.retain(|i| {
        let table = match i {
            Item::Table(t)
            | Item::Column(t, _)
            | Item::Index(t, _)
            | Item::ForeignKey(t, ..)
            | Item::ForeignKeyName(t, _)
            | Item::Unique(t, _)
            | Item::UniqueName(t, _) => t,
        };
        !engine_table(table)
    });
    out
}

fn constraint_shape(conn: &mut Connection, out: &mut BTreeSet<Item>) {
    match conn.dialect() {
        Dialect::Sqlite => {
            let fks = rows(
                conn,
                &["m.name", "f.\"from\"", "f.\"table\"", "f.\"to\""],
                "FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table'",
            );
            for r in fks {
                out.insert(Item::ForeignKey(
                    r[0].clone(),
                    r[1].clone(),
                    r[2].clone(),
                    r[3].clone(),
                ));
            }
            let uniques = rows(
                conn,
                &["m.name", "ii.name"],
                "FROM sqlite_master m JOIN pragma_index_list(m.name) il \
                 JOIN pragma_index_info(il.name) ii WHERE m.type = 'table' AND il.origin = 'u'",
            );
            for r in uniques {
                out.insert(Item::Unique(r[0].clone(), r[1].clone()));
            }
        }
        Dialect::Postgres => {
            let fks = rows(
                conn,
                &["t.relname", "c.conname", "a.attname", "r.relname", "ra.attname"],
                "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid \
                 JOIN pg_class r ON r.oid = c.confrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
                 CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k(col, refcol) \
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col \
                 JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = k.refcol \
                 WHERE c.contype = 'f' AND n.nspname = current_schema()",
            );
            for r in fks {
                out.insert(Item::ForeignKey(
                    r[0].clone(),
                    r[2].clone(),
                    r[3].clone(),
                    r[4].clone(),
                ));
                out.insert(Item::ForeignKeyName(r[0].clone(), r[1].clone()));
            }
            let uniques = rows(
                conn,
                &["t.relname", "c.conname", "a.attname"],
                "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid \
                 JOIN pg_namespace n ON n.oid = t.relnamespace \
                 CROSS JOIN LATERAL unnest(c.conkey) AS k(col) \
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col \
                 WHERE c.contype = 'u' AND n.nspname = current_schema()",
            );
            for r in uniques {
                out.insert(Item::Unique(r[0].clone(), r[2].clone()));
                out.insert(Item::UniqueName(r[0].clone(), r[1].clone()));
            }
        }
        Dialect::Mysql => {
            let keys = rows(
                conn,
                &[
                    "k.TABLE_NAME",
                    "k.CONSTRAINT_NAME",
                    "tc.CONSTRAINT_TYPE",
                    "k.COLUMN_NAME",
                    "k.REFERENCED_TABLE_NAME",
                    "k.REFERENCED_COLUMN_NAME",
                ],
                "FROM information_schema.TABLE_CONSTRAINTS tc \
                 JOIN information_schema.KEY_COLUMN_USAGE k \
                 ON k.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND k.TABLE_NAME = tc.TABLE_NAME \
                 AND k.CONSTRAINT_NAME = tc.CONSTRAINT_NAME \
                 WHERE tc.CONSTRAINT_SCHEMA = DATABASE() \
                 AND tc.CONSTRAINT_TYPE IN ('UNIQUE', 'FOREIGN KEY')",
            );
            for r in keys {
                if r[2] == "UNIQUE" {
                    out.insert(Item::Unique(r[0].clone(), r[3].clone()));
                    out.insert(Item::UniqueName(r[0].clone(), r[1].clone()));
                } else {
                    out.insert(Item::ForeignKey(
                        r[0].clone(),
                        r[3].clone(),
                        r[4].clone(),
                        r[5].clone(),
                    ));
                    out.insert(Item::ForeignKeyName(r[0].clone(), r[1].clone()));
                }
            }
        }
    }
}

/// What differs between two shapes, for messages: (missing from `got`, extra in `got`).
pub fn shape_diff(want: &BTreeSet<Item>, got: &BTreeSet<Item>) -> String {
    let missing: Vec<&Item> = want.difference(got).collect();
    let extra: Vec<&Item> = got.difference(want).collect();
    format!("missing: {missing:?}\nextra: {extra:?}")
}

/// The shape after the first `n` migrations of the chain, for every `n` from 0 to
/// `len` (index `n`).
pub fn chain_shapes(dialect: Dialect, len: usize) -> Vec<BTreeSet<Item>> {
    let mut schema = Schema::new();
    let mut out = vec![model_shape(&schema, dialect, false)];
    for m in &CHAIN.as_slice()[..len] {
        for op in (m.upgrade)() {
            schema.apply(&op).expect("the chain replays");
        }
        out.push(model_shape(&schema, dialect, false));
    }
    out
}

/// How many migrations of the chain the version table says are applied: 0 at base, the
/// position of its one revision plus one otherwise.
pub fn chain_position(versions: &[String]) -> usize {
    match versions {
        [] => 0,
        [rev] => {
            CHAIN
                .iter()
                .position(|m| m.revision == rev)
                .unwrap_or_else(|| panic!("the version table holds {rev:?}, not a chain revision"))
                + 1
        }
        more => panic!("the version table of a linear chain holds several rows: {more:?}"),
    }
}

/// The first `n` revisions of the chain.
pub fn chain_revisions(n: usize) -> Vec<String> {
    CHAIN.as_slice()[..n]
        .iter()
        .map(|m| m.revision.to_owned())
        .collect()
}

// ---------------------------------------------------------------------------------------
// Processes and sessions
// ---------------------------------------------------------------------------------------

/// Waits until no session other than `conn`'s is connected to its database (a killed
/// client's server session ends when the server notices; until then it may still finish
/// a statement or hold the migration lock). SQLite has no sessions.
pub fn wait_for_other_sessions(conn: &mut Connection) {
    let sql = match conn.dialect() {
        Dialect::Sqlite => return,
        Dialect::Postgres => {
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND pid <> pg_backend_pid()"
        }
        Dialect::Mysql => {
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() \
             AND ID <> CONNECTION_ID()"
        }
    };
    let start = Instant::now();
    loop {
        let n = conn.query_count(sql).expect("count sessions");
        if n == 0 {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{n} session(s) of killed clients still open after a minute"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// splitmix64: a small seeded generator, so that a failing run can be repeated.
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..=max`.
    pub fn upto(&mut self, max: u64) -> u64 {
        self.next_u64() % (max + 1)
    }
}

// ---------------------------------------------------------------------------------------
// A server user with a password
// ---------------------------------------------------------------------------------------

/// A user with a distinctive password on the test database's server, allowed everything
/// on that database; dropped (with what it owns) at the end of the test. Declare it after
/// the [`TestDb`], so that it is dropped first.
pub struct SecretUser {
    admin_url: String,
    backend: Backend,
    name: String,
    /// The password (registered: no output may contain it).
    pub password: String,
    /// The test database's URL with this user and password.
    pub url: String,
}

/// `url` with its user and password replaced.
pub fn with_user(url: &str, user: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a server URL");
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = match rest[..authority_end].rsplit_once('@') {
        Some((_, host)) => host,
        None => &rest[..authority_end],
    };
    format!(
        "{scheme}://{user}:{password}@{host}{}",
        &rest[authority_end..]
    )
}

impl SecretUser {
    /// Creates the user on `db`'s server (PostgreSQL or MySQL; `None` on SQLite, which has
    /// no users).
    pub fn create(db: &mut TestDb, tag: &str) -> Option<SecretUser> {
        let backend = db.backend();
        let name = format!("mt_{tag}_{}", std::process::id());
        let password = format!("Zq7-s3cr3t-{}-{tag}", std::process::id());
        register_secret(&password);
        let d = db.dialect();
        let lit = d.string_literal(&password);
        match backend {
            Backend::Sqlite => return None,
            Backend::Postgres => {
                let role = d.quote(&name);
                db.exec(&format!(
                    "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {}) THEN \
                     EXECUTE 'DROP OWNED BY {role}'; EXECUTE 'DROP ROLE {role}'; END IF; END $$",
                    d.string_literal(&name)
                ));
                db.exec(&format!("CREATE ROLE {role} LOGIN PASSWORD {lit}"));
                db.exec(&format!("GRANT ALL ON SCHEMA public TO {role}"));
            }
            Backend::Mysql => {
                let db_name = database_of(db.url());
                for host in MYSQL_HOSTS {
                    let user = format!("{}@{}", d.string_literal(&name), d.string_literal(host));
                    db.exec(&format!("DROP USER IF EXISTS {user}"));
                    db.exec(&format!("CREATE USER {user} IDENTIFIED BY {lit}"));
                    db.exec(&format!(
                        "GRANT ALL PRIVILEGES ON {}.* TO {user}",
                        d.quote(&db_name)
                    ));
                }
            }
        }
        Some(SecretUser {
            admin_url: db.url().to_owned(),
            backend,
            url: with_user(db.url(), &name, &password),
            name,
            password,
        })
    }

    /// The user's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// MySQL: takes the user's rights on `db`'s database back, but `SELECT` on `table`.
    pub fn mysql_grant_only_select_on(&self, db: &mut TestDb, table: &str) {
        let d = db.dialect();
        let db_name = d.quote(&database_of(db.url()));
        for host in MYSQL_HOSTS {
            let who = format!(
                "{}@{}",
                d.string_literal(&self.name),
                d.string_literal(host)
            );
            db.exec(&format!("REVOKE ALL PRIVILEGES ON {db_name}.* FROM {who}"));
            db.exec(&format!(
                "GRANT SELECT ON {db_name}.{} TO {who}",
                d.quote(table)
            ));
        }
    }
}

/// The hosts a MySQL test user is made for (the server may see the client as any).
const MYSQL_HOSTS: [&str; 3] = ["%", "localhost", "127.0.0.1"];

/// The database a server URL names.
fn database_of(url: &str) -> String {
    let path = url.rsplit('/').next().unwrap_or_default();
    path.split('?').next().unwrap_or_default().to_owned()
}

impl Drop for SecretUser {
    fn drop(&mut self) {
        let Ok(mut admin) = Connection::establish(&self.admin_url) else {
            eprintln!("warning: could not drop the test user {}", self.name);
            return;
        };
        let d = self.backend.dialect();
        let sql = match self.backend {
            Backend::Sqlite => return,
            Backend::Postgres => {
                let role = d.quote(&self.name);
                format!("DROP OWNED BY {role}; DROP ROLE {role}")
            }
            Backend::Mysql => ["%", "localhost", "127.0.0.1"]
                .iter()
                .map(|h| {
                    format!(
                        "DROP USER IF EXISTS {}@{}",
                        d.string_literal(&self.name),
                        d.string_literal(h)
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        };
        if let Err(e) = admin.batch_execute(&sql) {
            eprintln!("warning: could not drop the test user {}: {e}", self.name);
        }
    }
}
