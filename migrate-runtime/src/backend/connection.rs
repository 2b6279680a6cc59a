//! Database connections from a URL, over diesel, for the backends compiled in.
//!
//! `sqlite://path`, `sqlite:path`, `:memory:` or a file path ending in `.db`, `.sqlite` or
//! `.sqlite3` open SQLite; `postgres://` and `postgresql://` open PostgreSQL; `mysql://` and
//! `mariadb://` open MySQL/MariaDB. Anything else (a libpq `key=value` string, a mistyped
//! scheme, a server URL without `//`) is refused, not taken for a file name: see
//! [`DatabaseUrl`], the URL parsed once. A password in a URL never appears in an error:
//! see [`redact_url`] and [`scrub`].

#[cfg(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")))]
compile_error!(
    "migrate-runtime needs at least one backend feature: `sqlite` (the default), `postgres` or `mysql`"
);

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl};

use crate::data::DataConnection;
use crate::dialect::{catalog, Dialect, Statement};

// The URL type sits beside this file, in `backend/url.rs`; it is declared here (and
// re-exported) while `backend/mod.rs` is reworked on another branch.
pub use crate::backend::url::{
    dialect_of_url, is_in_memory, redact_url, scrub, DatabaseUrl, UrlError,
};

/// A connection to one of the compiled-in backends.
pub enum Connection {
    /// SQLite.
    #[cfg(feature = "sqlite")]
    Sqlite(diesel::SqliteConnection),
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(diesel::PgConnection),
    /// MySQL / MariaDB.
    #[cfg(feature = "mysql")]
    Mysql(diesel::MysqlConnection),
}

/// A failure to connect or to run SQL.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    /// The URL names a backend this binary was built without.
    #[error("{url}: this binary was built without the `{feature}` feature: rebuild with `--features {feature}`")]
    NotCompiled {
        /// The URL, redacted.
        url: String,
        /// The cargo feature.
        feature: &'static str,
    },
    /// The URL names nothing this crate opens, or not what the engine needs.
    #[error("cannot connect to {url}: {source}")]
    Url {
        /// The URL, redacted.
        url: String,
        /// What is wrong with it.
        source: UrlError,
    },
    /// The server or file could not be opened.
    #[error("cannot connect to {url}: {message}")]
    Connect {
        /// The URL, redacted.
        url: String,
        /// The driver's reason, redacted.
        message: String,
    },
    /// A statement failed.
    #[error("{0}")]
    Sql(String),
}

/// A driver message on one line: continuation lines (libpq's "\n\tIs the server
/// running...") joined with a space.
pub(crate) fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// [`DatabaseUrl::require_database`] of `url`, parsed: for a server URL, that it names a
/// database (the engine's tables and lock live in one). Text that does not parse names no
/// server, and passes (opening it reports why it cannot be opened).
///
/// ```
/// use migrate_runtime::connection::check_database;
/// assert!(check_database("postgres://app@db").is_err());
/// assert!(check_database("postgres://app@db/").is_err());
/// assert!(check_database("postgres://app@db/shop").is_ok());
/// assert!(check_database("postgres://app@db?dbname=shop").is_ok());
/// assert!(check_database("mysql://app@db").is_err());
/// assert!(check_database("sqlite://app.db").is_ok());
/// ```
pub fn check_database(url: &str) -> Result<(), ConnectionError> {
    match DatabaseUrl::parse(url) {
        Ok(parsed) => parsed
            .require_database()
            .map_err(|source| ConnectionError::Url {
                url: parsed.to_string(),
                source,
            }),
        Err(_) => Ok(()),
    }
}

/// [`check_database`], under the name the engine calls it by (it checks PostgreSQL URLs
/// too).
pub(crate) fn check_mysql_database(url: &str) -> Result<(), ConnectionError> {
    check_database(url)
}

#[derive(QueryableByName)]
pub(crate) struct Count {
    #[diesel(sql_type = BigInt)]
    pub(crate) n: i64,
}

#[derive(QueryableByName)]
struct OptionalTextRow {
    #[diesel(sql_type = Nullable<Text>)]
    value: Option<String>,
}

/// A row of [`Connection::query_rows`]: up to [`ROW_COLUMNS`] text columns `c0`..`c9`.
#[derive(QueryableByName)]
struct TextRow {
    #[diesel(sql_type = Nullable<Text>)]
    c0: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    c1: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    c2: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    c3: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    c4: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    c5: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    c6: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    c7: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    c8: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    c9: Option<String>,
}

/// How many text columns a query read by [`Connection::query_rows`] returns: its select
/// list is built by [`catalog::text_columns`], which pads it with NULLs.
pub const ROW_COLUMNS: usize = 10;

#[derive(QueryableByName)]
struct TextPair {
    #[diesel(sql_type = Text)]
    a: String,
    #[diesel(sql_type = Text)]
    b: String,
}

macro_rules! each {
    ($self:expr, $c:ident => $body:expr) => {
        match $self {
            #[cfg(feature = "sqlite")]
            Connection::Sqlite($c) => $body,
            #[cfg(feature = "postgres")]
            Connection::Postgres($c) => $body,
            #[cfg(feature = "mysql")]
            Connection::Mysql($c) => $body,
        }
    };
}

impl Connection {
    /// Opens a connection from a URL (see the module docs for the forms): parses it
    /// ([`DatabaseUrl::parse`]), then [`Connection::open`].
    pub fn establish(url: &str) -> Result<Self, ConnectionError> {
        let parsed = DatabaseUrl::parse(url).map_err(|source| ConnectionError::Url {
            url: redact_url(url),
            source,
        })?;
        Connection::open(&parsed)
    }

    /// Opens a connection to `url`, on the backend it names.
    pub fn open(url: &DatabaseUrl) -> Result<Self, ConnectionError> {
        use diesel::Connection as _;
        let redacted = url.to_string();
        let connect_err = |e: diesel::ConnectionError| ConnectionError::Connect {
            url: redacted.clone(),
            message: one_line(&url.scrub(&e.to_string())),
        };
        let text = url.as_str();
        match url.dialect() {
            Dialect::Sqlite => {
                #[cfg(feature = "sqlite")]
                {
                    let path = crate::backend::url::sqlite_path(text);
                    if let Some(dir) = std::path::Path::new(path).parent() {
                        if !dir.as_os_str().is_empty() && !dir.is_dir() {
                            return Err(ConnectionError::Connect {
                                url: redacted,
                                message: format!(
                                    "the folder {} does not exist: create it first",
                                    dir.display()
                                ),
                            });
                        }
                    }
                    let mut c = diesel::SqliteConnection::establish(path).map_err(connect_err)?;
                    // SQLite's table-rebuild procedure needs foreign keys off while it runs;
                    // the rebuild checks them itself before commit.
                    c.batch_execute(catalog::SQLITE_SESSION)
                        .map_err(|e| ConnectionError::Sql(e.to_string()))?;
                    Ok(Connection::Sqlite(c))
                }
                #[cfg(not(feature = "sqlite"))]
                Err(ConnectionError::NotCompiled {
                    url: redacted,
                    feature: "sqlite",
                })
            }
            Dialect::Postgres => {
                #[cfg(feature = "postgres")]
                {
                    diesel::PgConnection::establish(text)
                        .map(Connection::Postgres)
                        .map_err(connect_err)
                }
                #[cfg(not(feature = "postgres"))]
                Err(ConnectionError::NotCompiled {
                    url: redacted,
                    feature: "postgres",
                })
            }
            Dialect::Mysql => {
                #[cfg(feature = "mysql")]
                {
                    let text = match text.strip_prefix("mariadb://") {
                        Some(rest) => format!("mysql://{rest}"),
                        None => text.to_owned(),
                    };
                    let mut c = diesel::MysqlConnection::establish(&text)
                        .map(Connection::Mysql)
                        .map_err(connect_err)?;
                    c.apply_session_settings()?;
                    Ok(c)
                }
                #[cfg(not(feature = "mysql"))]
                Err(ConnectionError::NotCompiled {
                    url: redacted,
                    feature: "mysql",
                })
            }
        }
    }

    /// Sets what the SQL this crate renders relies on for the session, and checks it.
    /// MySQL: the session's SQL mode without `NO_BACKSLASH_ESCAPES` and `ANSI_QUOTES`
    /// (nor the combination modes that include it), since [`Dialect::string_literal`]
    /// escapes a backslash and SQL mode changes what a literal means
    /// ([`catalog::mysql_session`]). [`Connection::establish`] calls it; call it again after
    /// changing the session's SQL mode. Nothing to do on SQLite and PostgreSQL, whose
    /// literals mean the same under every setting.
    pub fn apply_session_settings(&mut self) -> Result<(), ConnectionError> {
        if self.dialect() != Dialect::Mysql {
            return Ok(());
        }
        self.batch_execute(&catalog::mysql_session())
            .map_err(|e| ConnectionError::Sql(format!("setting the session's SQL mode: {e}")))?;
        let left = self.query_count(&catalog::mysql_session_check())?;
        if left != 0 {
            return Err(ConnectionError::Sql(
                "the session's SQL mode still has NO_BACKSLASH_ESCAPES or ANSI_QUOTES after removing them: string literals would not mean what they say; nothing was changed".into(),
            ));
        }
        Ok(())
    }

    /// The diesel connection inside, as a data step receives it.
    pub fn data_connection(&mut self) -> DataConnection<'_> {
        match self {
            #[cfg(feature = "sqlite")]
            Connection::Sqlite(c) => DataConnection::Sqlite(c),
            #[cfg(feature = "postgres")]
            Connection::Postgres(c) => DataConnection::Postgres(c),
            #[cfg(feature = "mysql")]
            Connection::Mysql(c) => DataConnection::Mysql(c),
        }
    }

    /// The connection's dialect.
    pub fn dialect(&self) -> Dialect {
        match self {
            #[cfg(feature = "sqlite")]
            Connection::Sqlite(_) => Dialect::Sqlite,
            #[cfg(feature = "postgres")]
            Connection::Postgres(_) => Dialect::Postgres,
            #[cfg(feature = "mysql")]
            Connection::Mysql(_) => Dialect::Mysql,
        }
    }

    /// Runs SQL that returns nothing (one or more statements).
    pub fn batch_execute(&mut self, sql: &str) -> Result<(), ConnectionError> {
        each!(self, c => c.batch_execute(sql)).map_err(|e| ConnectionError::Sql(e.to_string()))
    }

    /// Runs one rendered statement, checking an [`Statement::AssertZero`].
    pub fn run(&mut self, statement: &Statement) -> Result<(), ConnectionError> {
        match statement {
            Statement::Execute(sql) => self.batch_execute(sql),
            Statement::AssertZero { sql, failure } => {
                let n = self.query_count(sql)?;
                if n == 0 {
                    Ok(())
                } else {
                    Err(ConnectionError::Sql(format!("{failure} ({n} found)")))
                }
            }
            Statement::Data { label, step } => {
                (step.run)(&mut self.data_connection()).map_err(|e| {
                    ConnectionError::Sql(format!("{}: {e}", label.trim_start_matches("-- ")))
                })
            }
        }
    }

    /// Starts a transaction through diesel's transaction manager (so that a data step's own
    /// `conn.transaction(..)` nests as a savepoint), with the backend's `BEGIN` (SQLite's
    /// `BEGIN IMMEDIATE` takes the write lock at once).
    pub fn begin(&mut self) -> Result<(), ConnectionError> {
        use diesel::connection::AnsiTransactionManager as Tm;
        let sql = self.dialect().backend().begin();
        each!(self, c => Tm::begin_transaction_sql(c, sql))
            .map_err(|e| ConnectionError::Sql(e.to_string()))
    }

    /// Commits (`ok`) or rolls back the transaction [`Connection::begin`] started.
    pub fn end(&mut self, ok: bool) -> Result<(), ConnectionError> {
        use diesel::connection::{AnsiTransactionManager as Tm, TransactionManager};
        fn end<C>(c: &mut C, ok: bool) -> diesel::QueryResult<()>
        where
            C: diesel::Connection<TransactionManager = Tm>,
        {
            if ok {
                Tm::commit_transaction(c)
            } else {
                Tm::rollback_transaction(c)
            }
        }
        each!(self, c => end(c, ok)).map_err(|e| ConnectionError::Sql(e.to_string()))
    }

    /// Runs a query returning one integer and returns it.
    pub fn query_count(&mut self, sql: &str) -> Result<i64, ConnectionError> {
        let wrapped = catalog::as_count(self.dialect(), sql);
        let row: Count = each!(self, c => diesel::sql_query(&wrapped).get_result(c))
            .map_err(|e| ConnectionError::Sql(e.to_string()))?;
        Ok(row.n)
    }

    /// Runs a query whose single text column is named `value` and returns its values; a
    /// NULL is an error.
    pub fn query_strings(&mut self, sql: &str) -> Result<Vec<String>, ConnectionError> {
        self.query_optional_strings(sql)?
            .into_iter()
            .map(|v| v.ok_or_else(|| ConnectionError::Sql(format!("unexpected NULL from {sql}"))))
            .collect()
    }

    /// Runs a query returning two text columns named `a` and `b`, and returns the pairs in
    /// order.
    pub fn query_pairs(&mut self, sql: &str) -> Result<Vec<(String, String)>, ConnectionError> {
        let rows: Vec<TextPair> = each!(self, c => diesel::sql_query(sql).load(c))
            .map_err(|e| ConnectionError::Sql(e.to_string()))?;
        Ok(rows.into_iter().map(|r| (r.a, r.b)).collect())
    }

    /// Runs a query whose single text column is named `value` and may be NULL, and returns
    /// its values in order, `None` for NULL (as [`Connection::query_strings`], which
    /// rejects NULLs).
    pub fn query_optional_strings(
        &mut self,
        sql: &str,
    ) -> Result<Vec<Option<String>>, ConnectionError> {
        let rows: Vec<OptionalTextRow> = each!(self, c => diesel::sql_query(sql).load(c))
            .map_err(|e| ConnectionError::Sql(e.to_string()))?;
        Ok(rows.into_iter().map(|r| r.value).collect())
    }

    /// Runs a query whose select list is [`catalog::text_columns`] (`c0`..`c9`, text or
    /// NULL) and returns its rows, each cut to its first `columns` values, in order.
    ///
    /// # Panics
    ///
    /// When `columns` is more than [`ROW_COLUMNS`].
    pub fn query_rows(
        &mut self,
        sql: &str,
        columns: usize,
    ) -> Result<Vec<Vec<Option<String>>>, ConnectionError> {
        assert!(columns <= ROW_COLUMNS, "at most {ROW_COLUMNS} columns");
        let rows: Vec<TextRow> = each!(self, c => diesel::sql_query(sql).load(c))
            .map_err(|e| ConnectionError::Sql(e.to_string()))?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let mut v = vec![r.c0, r.c1, r.c2, r.c3, r.c4, r.c5, r.c6, r.c7, r.c8, r.c9];
                v.truncate(columns);
                v
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_must_name_a_database() {
        for bad in [
            "postgres://u@host",
            "postgres://u@host/",
            "postgresql://u@host:5432/?sslmode=disable",
            "postgres://u:pw@host/#x",
            "mysql://u@host",
            "mariadb://u@host/",
        ] {
            let e = check_database(bad).expect_err(bad).to_string();
            assert!(e.contains("names no database"), "{bad}: {e}");
            assert!(!e.contains(":pw@"), "{bad}: {e}");
        }
        for ok in [
            "postgres://u@host/db",
            "postgres://u@host?dbname=db",
            "mysql://u@host/db?ssl_mode=disabled",
            "sqlite://x.db",
        ] {
            assert!(check_database(ok).is_ok(), "{ok}");
        }
    }
}
