//! A per-test database harness for the integration tests.
//!
//! Every test gets its own fresh database, named after the test and the process id, and
//! dropped when the [`TestDb`] goes out of scope (also when the test panics), as sqlx's
//! test attribute does:
//!
//! - SQLite: a file in a temporary directory;
//! - PostgreSQL: `CREATE DATABASE` on `postgres://postgres@127.0.0.1:5432`, or on the
//!   server of `MIGRATE_TEST_POSTGRES_URL`;
//! - MySQL / MariaDB: `CREATE DATABASE` on `mysql://root@127.0.0.1:3306`, or on the server
//!   of `MIGRATE_TEST_MYSQL_URL`.
//!
//! A server that cannot be reached fails the test when the environment variable `CI` is
//! set; otherwise the test prints why it is skipped to stderr and returns.
//!
//! Every connection (the test's own, and the admin ones that create and drop server
//! databases) is a [`migrate_runtime::connection::Connection`]; [`TestDb::url`] gives the
//! database's URL to tests that run a binary against it.
//!
//! A [`TestDb`] also tracks the schema model: [`TestDb::migrate`] renders a migration for the
//! backend, runs it, applies it to the model and records its derived downgrade, which
//! [`TestDb::downgrade`] renders and runs later.

pub mod chain;

use std::fmt;
use std::io::Write as _;

use migrate_runtime::column::Type;
use migrate_runtime::connection::{Connection, ConnectionError};
use migrate_runtime::dialect::{render, Dialect, RenderError, Statement};
use migrate_runtime::fk_check;
use migrate_runtime::inverse::derive_downgrade;
use migrate_runtime::op::Op;
use migrate_runtime::schema::Schema;

/// The backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, in a temporary file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
    /// A MySQL or MariaDB server.
    Mysql,
}

impl Backend {
    /// The SQL dialect of the backend.
    pub fn dialect(self) -> Dialect {
        match self {
            Backend::Sqlite => Dialect::Sqlite,
            Backend::Postgres => Dialect::Postgres,
            Backend::Mysql => Dialect::Mysql,
        }
    }
}

/// Runs rendered statements in order on `conn` (each through [`Connection::run`], which
/// checks an `AssertZero`), stopping at the first failure.
fn run_statements(conn: &mut Connection, statements: &[Statement]) -> Result<(), RunError> {
    for (index, st) in statements.iter().enumerate() {
        conn.run(st).map_err(|e| RunError {
            index,
            sql: st.sql().to_owned(),
            message: e.to_string(),
        })?;
    }
    Ok(())
}

/// The foreign-key violations of the database (SQLite; none elsewhere).
fn violations(conn: &mut Connection) -> Result<Vec<fk_check::Violation>, RunError> {
    fk_check::violations(conn).map_err(|e| RunError {
        index: 0,
        sql: "PRAGMA foreign_key_check".into(),
        message: e.to_string(),
    })
}

/// A statement that failed, with its position in the migration.
#[derive(Debug, Clone)]
pub struct RunError {
    /// The statement's index in the rendered list.
    pub index: usize,
    /// The statement.
    pub sql: String,
    /// The server's error, or the failure of an `AssertZero` check.
    pub message: String,
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "statement {} failed: {}\n  SQL: {}",
            self.index, self.message, self.sql
        )
    }
}

/// Why a migration did not run.
#[derive(Debug)]
pub enum MigrateError {
    /// The ops could not be rendered for the backend.
    Render(RenderError),
    /// A statement failed on the server (the migration was rolled back where the backend
    /// has transactional DDL).
    Run(RunError),
}

impl fmt::Display for MigrateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MigrateError::Render(e) => write!(f, "render error: {e}"),
            MigrateError::Run(e) => write!(f, "{e}"),
        }
    }
}

/// A migration that ran: the schema before it, its ops and its downgrade.
struct Applied {
    before: Schema,
    up: Vec<Op>,
    down: Option<Vec<Op>>,
}

/// What to remove when the test database is dropped.
enum Cleanup {
    /// The temporary directory holding the SQLite file (removed on drop).
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    /// A database on a server: the admin URL and the database name.
    Server { admin_url: String, name: String },
}

/// A fresh database for one test, dropped at the end of the test.
pub struct TestDb {
    backend: Backend,
    url: String,
    conn: Option<Connection>,
    cleanup: Cleanup,
    /// The schema model after the migrations run so far.
    pub schema: Schema,
    history: Vec<Applied>,
}

/// The database name for a test: `mt_<test name>_<pid>`, lowercase, at most 63 bytes.
pub fn database_name(test: &str) -> String {
    let clean: String = test
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let suffix = format!("_{}", std::process::id());
    let head: String = clean.chars().take(63 - 3 - suffix.len()).collect();
    format!("mt_{head}{suffix}")
}

/// `url` with its database path replaced by `/db` (the query string is kept).
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{db}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Either fails the test (under CI) or prints why it is skipped.
fn unavailable(backend: Backend, test: &str, reason: &str) -> Option<TestDb> {
    let msg = format!("{backend:?} is not available for test `{test}`: {reason}");
    if std::env::var_os("CI").is_some() {
        panic!("{msg} (CI is set, so this is a failure, not a skip)");
    }
    // Written to stderr directly: libtest captures `eprintln!` of passing tests, and a
    // skipped test passes, so the macro's output would never be seen.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: {msg} (set CI=1 to make this a failure)"
    );
    None
}

impl TestDb {
    /// A fresh, empty database for the test `test` on `backend`, or `None` (after printing
    /// the reason) when the backend's server cannot be reached and `CI` is not set.
    ///
    /// # Panics
    ///
    /// When the backend is not compiled in, when `CI` is set and the server cannot be
    /// reached, or when the database cannot be created.
    pub fn open(backend: Backend, test: &str) -> Option<TestDb> {
        let name = database_name(test);
        match backend {
            Backend::Sqlite => Some(Self::open_sqlite(&name)),
            Backend::Postgres => {
                let admin_url = std::env::var("MIGRATE_TEST_POSTGRES_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
                Self::open_server(backend, test, admin_url, name)
            }
            Backend::Mysql => {
                let admin_url = std::env::var("MIGRATE_TEST_MYSQL_URL")
                    .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into());
                Self::open_server(backend, test, admin_url, name)
            }
        }
    }

    fn new(backend: Backend, url: String, conn: Connection, cleanup: Cleanup) -> Self {
        TestDb {
            backend,
            url,
            conn: Some(conn),
            cleanup,
            schema: Schema::new(),
            history: Vec::new(),
        }
    }

    fn open_sqlite(name: &str) -> TestDb {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let path = dir.path().join(format!("{name}.db"));
        let url = format!(
            "sqlite://{}",
            path.to_str().expect("temporary paths are UTF-8")
        );
        let mut conn = establish(Backend::Sqlite, &url)
            .unwrap_or_else(|e| panic!("cannot open SQLite file {}: {e}", path.display()));
        // `Connection::establish` turns foreign keys off (for the engine's table rebuilds);
        // the tests check them, and `run_in_transaction` turns them off around migrations.
        conn.batch_execute("PRAGMA foreign_keys = ON")
            .expect("enable foreign keys");
        Self::new(Backend::Sqlite, url, conn, Cleanup::Sqlite(dir))
    }

    /// Creates the database `name` on the server of `admin_url` and connects to it.
    fn open_server(
        backend: Backend,
        test: &str,
        admin_url: String,
        name: String,
    ) -> Option<TestDb> {
        let mut admin = match establish(backend, &admin_url) {
            Ok(c) => c,
            Err(e) => return unavailable(backend, test, &e.to_string()),
        };
        let d = backend.dialect();
        let q = d.quote(&name);
        let create = match backend {
            Backend::Mysql => {
                format!("CREATE DATABASE {q} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
            }
            _ => format!("CREATE DATABASE {q}"),
        };
        admin
            .batch_execute(&drop_database_sql(d, &name))
            .and_then(|()| admin.batch_execute(&create))
            .unwrap_or_else(|e| panic!("cannot create {backend:?} database {name}: {e}"));
        let url = with_database(&admin_url, &name);
        let conn = establish(backend, &url)
            .unwrap_or_else(|e| panic!("cannot connect to the new database {name}: {e}"));
        Some(Self::new(
            backend,
            url,
            conn,
            Cleanup::Server { admin_url, name },
        ))
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The backend's SQL dialect.
    pub fn dialect(&self) -> Dialect {
        self.backend.dialect()
    }

    /// The database's URL, for [`Connection::establish`] or a binary's `DATABASE_URL`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The connection.
    pub fn conn(&mut self) -> &mut Connection {
        self.conn.as_mut().expect("open until dropped")
    }

    /// Runs SQL (data changes, checks), panicking with the SQL if it fails.
    pub fn exec(&mut self, sql: &str) {
        if let Err(e) = self.conn().batch_execute(sql) {
            panic!("{sql}\nfailed on {:?}: {e}", self.backend);
        }
    }

    /// Runs SQL that must fail (a constraint violation), returning the server's error.
    pub fn exec_err(&mut self, sql: &str) -> String {
        match self.conn().batch_execute(sql) {
            Ok(()) => panic!("{sql}\nsucceeded on {:?} but should fail", self.backend),
            Err(e) => e.to_string(),
        }
    }

    /// A query returning one integer.
    pub fn count(&mut self, sql: &str) -> i64 {
        let backend = self.backend;
        self.conn()
            .query_count(sql)
            .unwrap_or_else(|e| panic!("{sql}\nfailed on {backend:?}: {e}"))
    }

    /// Renders `ops` against the current schema model and runs them: on SQLite with
    /// foreign keys off (SQLite's rebuild procedure) and checked before the commit as the
    /// engine checks them, in a transaction on SQLite and PostgreSQL. On success the ops are applied to the model and their derived downgrade
    /// is recorded (`None` if it has none); the statements are returned.
    pub fn try_migrate(&mut self, ops: &[Op]) -> Result<Vec<Statement>, MigrateError> {
        let statements = render(self.dialect(), &self.schema, ops).map_err(MigrateError::Render)?;
        self.run_in_transaction(&statements)
            .map_err(MigrateError::Run)?;
        let before = self.schema.clone();
        let down = derive_downgrade(&before, ops).ok();
        for op in ops {
            self.schema
                .apply(op)
                .expect("rendering validated the ops against the model");
        }
        self.history.push(Applied {
            before,
            up: ops.to_vec(),
            down,
        });
        Ok(statements)
    }

    /// [`TestDb::try_migrate`], panicking with the failing SQL on error.
    pub fn migrate(&mut self, ops: &[Op]) -> Vec<Statement> {
        match self.try_migrate(ops) {
            Ok(s) => s,
            Err(e) => panic!("migration failed on {:?}: {e}", self.backend),
        }
    }

    /// Runs a migration whose downgrade is written by hand (for irreversible ops such as
    /// `bulk_insert`).
    pub fn migrate_with_down(&mut self, up: &[Op], down: Vec<Op>) -> Vec<Statement> {
        let statements = self.migrate(up);
        self.history.last_mut().expect("just pushed").down = Some(down);
        statements
    }

    /// Renders and runs the downgrade of the last migration, restoring the model to the
    /// schema before it; returns the statements.
    ///
    /// # Panics
    ///
    /// When there is no migration left, when the last one has no downgrade, or when the
    /// downgrade fails.
    pub fn downgrade(&mut self) -> Vec<Statement> {
        let applied = self.history.pop().expect("a migration to downgrade");
        let down = applied.down.unwrap_or_else(|| {
            panic!(
                "the migration {:?} has no derived downgrade",
                applied.up.iter().map(Op::describe).collect::<Vec<_>>()
            )
        });
        let statements = render(self.dialect(), &self.schema, &down)
            .unwrap_or_else(|e| panic!("downgrade cannot render on {:?}: {e}", self.backend));
        if let Err(e) = self.run_in_transaction(&statements) {
            panic!("downgrade failed on {:?}: {e}", self.backend);
        }
        let mut after = self.schema.clone();
        for op in &down {
            after.apply(op).expect("rendering validated the ops");
        }
        // A dropped column comes back at the end of its table (PostgreSQL cannot add a
        // column anywhere else), so the order of columns may differ; nothing else may.
        assert_eq!(
            sorted_columns(&after),
            sorted_columns(&applied.before),
            "the downgrade did not restore the schema model"
        );
        self.schema = after;
        statements
    }

    /// Downgrades every migration, then checks that the database has no table (and on
    /// PostgreSQL no enum type) left.
    pub fn downgrade_all(&mut self) {
        while !self.history.is_empty() {
            self.downgrade();
        }
        assert_eq!(self.schema, Schema::new());
        let tables = match self.dialect() {
            Dialect::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            }
            Dialect::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()"
            }
            Dialect::Mysql => {
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()"
            }
        };
        assert_eq!(
            self.count(tables),
            0,
            "tables left after the full downgrade"
        );
        if self.dialect() == Dialect::Postgres {
            let enums =
                "SELECT COUNT(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
                         WHERE t.typtype = 'e' AND n.nspname = current_schema()";
            assert_eq!(
                self.count(enums),
                0,
                "enum types left after the full downgrade"
            );
        }
    }

    fn run_in_transaction(&mut self, statements: &[Statement]) -> Result<(), RunError> {
        let dialect = self.dialect();
        let conn = self.conn();
        let setup = |conn: &mut Connection, sql: &str| {
            conn.batch_execute(sql).map_err(|e| RunError {
                index: 0,
                sql: sql.to_owned(),
                message: e.to_string(),
            })
        };
        match dialect {
            Dialect::Sqlite => {
                setup(conn, "PRAGMA foreign_keys = OFF")?;
                setup(conn, "BEGIN")?;
            }
            Dialect::Postgres => setup(conn, "BEGIN")?,
            Dialect::Mysql => {}
        }
        // SQLite runs with foreign keys off: check them as the engine does (new violations
        // fail, those already there do not; see `migrate_runtime::fk_check`).
        let result = violations(conn).and_then(|before| {
            run_statements(conn, statements)?;
            let after = violations(conn)?;
            let new = fk_check::new_violations(&before, &after);
            if new.is_empty() {
                Ok(())
            } else {
                Err(RunError {
                    index: statements.len(),
                    sql: "PRAGMA foreign_key_check".into(),
                    message: fk_check::describe_new(&new),
                })
            }
        });
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        match dialect {
            Dialect::Sqlite => {
                setup(conn, end)?;
                setup(conn, "PRAGMA foreign_keys = ON")?;
            }
            Dialect::Postgres => setup(conn, end)?,
            Dialect::Mysql => {}
        }
        result
    }

    /// The SQL expression that reads column `col` of `table` as text, the same way on
    /// every backend where the value is the same: booleans as `1`/`0`, bytes as lowercase
    /// hex. The column's type comes from the schema model.
    pub fn text_expr(&self, table: &str, col: &str) -> String {
        let d = self.dialect();
        let q = d.quote(col);
        let ty = self
            .schema
            .table(table)
            .and_then(|t| t.get_column(col))
            .map(|c| c.ty.clone())
            .unwrap_or_else(|| panic!("no column {table}.{col} in the model"));
        match (d, ty) {
            (Dialect::Sqlite, Type::Binary) => {
                format!("CASE WHEN {q} IS NULL THEN NULL ELSE lower(hex({q})) END")
            }
            (Dialect::Sqlite, _) => format!("CAST({q} AS TEXT)"),
            (Dialect::Postgres, Type::Binary) => format!("encode({q}, 'hex')"),
            (Dialect::Postgres, Type::Boolean) => format!("CAST(CAST({q} AS INTEGER) AS TEXT)"),
            (Dialect::Postgres, _) => format!("CAST({q} AS TEXT)"),
            (Dialect::Mysql, Type::Binary) => format!("lower(hex({q}))"),
            (Dialect::Mysql, _) => format!("CAST({q} AS CHAR)"),
        }
    }

    /// The values of `cols` in every row of `table`, as text (see [`TestDb::text_expr`]),
    /// ordered by `order_by` (a column name).
    pub fn rows(&mut self, table: &str, cols: &[&str], order_by: &str) -> Vec<Vec<Option<String>>> {
        let d = self.dialect();
        let mut columns = Vec::new();
        for col in cols {
            let sql = format!(
                "SELECT {} AS value FROM {} ORDER BY {}",
                self.text_expr(table, col),
                d.quote(table),
                d.quote(order_by)
            );
            let backend = self.backend;
            let values = self
                .conn()
                .query_optional_strings(&sql)
                .unwrap_or_else(|e| panic!("{sql}\nfailed on {backend:?}: {e}"));
            columns.push(values);
        }
        let n = columns.first().map_or(0, Vec::len);
        (0..n)
            .map(|i| columns.iter().map(|c| c[i].clone()).collect())
            .collect()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Close the test's own connection before dropping its database.
        drop(self.conn.take());
        let Cleanup::Server { admin_url, name } = &self.cleanup else {
            return; // the SQLite temporary directory removes itself
        };
        if let Err(e) = drop_server_database(self.backend, admin_url, name) {
            eprintln!("warning: could not drop test database {name}: {e}");
        }
    }
}

/// Opens `url` through [`Connection::establish`], panicking if `backend` is not compiled
/// in (an unreachable server is an `Err`, for [`unavailable`]).
fn establish(backend: Backend, url: &str) -> Result<Connection, ConnectionError> {
    match Connection::establish(url) {
        Err(e @ ConnectionError::NotCompiled { .. }) => {
            panic!("migrate-tests was built without {backend:?}: {e}")
        }
        other => other,
    }
}

/// The statement that drops the database `name` if it exists, closing its sessions.
fn drop_database_sql(dialect: Dialect, name: &str) -> String {
    let q = dialect.quote(name);
    match dialect {
        Dialect::Postgres => format!("DROP DATABASE IF EXISTS {q} WITH (FORCE)"),
        Dialect::Sqlite | Dialect::Mysql => format!("DROP DATABASE IF EXISTS {q}"),
    }
}

/// Drops the test database `name` on the server of `admin_url`.
fn drop_server_database(backend: Backend, admin_url: &str, name: &str) -> Result<(), String> {
    let mut admin = Connection::establish(admin_url).map_err(|e| e.to_string())?;
    admin
        .batch_execute(&drop_database_sql(backend.dialect(), name))
        .map_err(|e| e.to_string())
}

/// `schema` with each table's columns sorted by name.
pub fn sorted_columns(schema: &Schema) -> Schema {
    let mut s = schema.clone();
    for t in s.tables.values_mut() {
        t.columns.sort_by(|a, b| a.name.cmp(&b.name));
    }
    s
}

/// Text values for expected rows: `row!["1", None, "x"]`.
#[macro_export]
macro_rules! row {
    ($($v:expr),* $(,)?) => {
        vec![$($crate::IntoCell::cell($v)),*]
    };
}

/// A value in an expected row: a string, or `None` for NULL.
pub trait IntoCell {
    /// The cell as the harness reads it.
    fn cell(self) -> Option<String>;
}

impl IntoCell for &str {
    fn cell(self) -> Option<String> {
        Some(self.to_owned())
    }
}

impl IntoCell for String {
    fn cell(self) -> Option<String> {
        Some(self)
    }
}

impl IntoCell for Option<&str> {
    fn cell(self) -> Option<String> {
        self.map(str::to_owned)
    }
}

/// Declares one `#[test]` per compiled-in backend for each scenario function
/// `fn name(db: &mut TestDb)`: `sqlite::name`, `postgres::name`, `mysql::name`.
///
/// Each test opens its own database named after the test (see [`TestDb::open`]).
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        #[cfg(feature = "sqlite")]
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    $crate::run_scenario($crate::Backend::Sqlite, concat!("sqlite_", stringify!($name)), super::$name);
                }
            )*
        }
        #[cfg(feature = "postgres")]
        mod postgres {
            $(
                #[test]
                fn $name() {
                    $crate::run_scenario($crate::Backend::Postgres, concat!("postgres_", stringify!($name)), super::$name);
                }
            )*
        }
        #[cfg(feature = "mysql")]
        mod mysql {
            $(
                #[test]
                fn $name() {
                    $crate::run_scenario($crate::Backend::Mysql, concat!("mysql_", stringify!($name)), super::$name);
                }
            )*
        }
    };
}

/// Opens a database for `test` on `backend` and runs `scenario` on it (or skips, see
/// [`TestDb::open`]).
pub fn run_scenario(backend: Backend, test: &str, scenario: fn(&mut TestDb)) {
    if let Some(mut db) = TestDb::open(backend, test) {
        scenario(&mut db);
    }
}

/// One `#[test]` per compiled-in backend for each `fn name(backend: Backend)` of the test
/// file: `sqlite::name`, `postgres::name`, `mysql::name`. Attributes written before a name
/// apply to every backend's test; `name { postgres: #[attribute], }` gives attributes
/// to one backend's test only (`sqlite:`, `postgres:`, `mysql:`, in that order, each
/// optional). The backends follow the features of the crate the tests are in.
#[macro_export]
macro_rules! on_every_backend {
    ($(
        $(#[$attr:meta])* $name:ident $({
            $(sqlite: $(#[$sa:meta])+ ,)?
            $(postgres: $(#[$pa:meta])+ ,)?
            $(mysql: $(#[$ma:meta])+ ,)?
        })?
    ),* $(,)?) => {
        #[cfg(feature = "sqlite")]
        mod sqlite {
            $(
                $(#[$attr])* $($($(#[$sa])+)?)? #[test]
                fn $name() { super::$name(migrate_tests::Backend::Sqlite) }
            )*
        }
        #[cfg(feature = "postgres")]
        mod postgres {
            $(
                $(#[$attr])* $($($(#[$pa])+)?)? #[test]
                fn $name() { super::$name(migrate_tests::Backend::Postgres) }
            )*
        }
        #[cfg(feature = "mysql")]
        mod mysql {
            $(
                $(#[$attr])* $($($(#[$ma])+)?)? #[test]
                fn $name() { super::$name(migrate_tests::Backend::Mysql) }
            )*
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_are_short_and_plain() {
        let n = database_name("postgres_Hostile-Names::x");
        assert!(n.starts_with("mt_postgres_hostile_names__x_"));
        assert!(database_name(&"x".repeat(100)).len() <= 63);
    }

    #[test]
    fn database_urls_get_their_path_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432", "t"),
            "postgres://postgres@127.0.0.1:5432/t"
        );
        assert_eq!(
            with_database("mysql://root:pw@h:3306/other?ssl_mode=disabled", "t"),
            "mysql://root:pw@h:3306/t?ssl_mode=disabled"
        );
    }
}
