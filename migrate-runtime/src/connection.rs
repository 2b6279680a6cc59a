//! Database connections from a URL, over diesel, for the backends compiled in.
//!
//! `sqlite://path`, `sqlite:path` or a plain file path open SQLite; `postgres://` and
//! `postgresql://` open PostgreSQL; `mysql://` and `mariadb://` open MySQL/MariaDB.
//! A password in a URL never appears in an error: see [`redact_url`].

#[cfg(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")))]
compile_error!(
    "migrate-runtime needs at least one backend feature: `sqlite` (the default), `postgres` or `mysql`"
);

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl};

use crate::data::DataConnection;
use crate::dialect::{catalog, Dialect, Statement};

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

/// `url` with any password replaced by `***`.
///
/// ```
/// use migrate_runtime::connection::redact_url;
/// assert_eq!(
///     redact_url("postgres://app:s3cret@db:5432/shop"),
///     "postgres://app:***@db:5432/shop"
/// );
/// assert_eq!(redact_url("shop.db"), "shop.db");
/// ```
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &userinfo[..colon],
                    &rest[at..]
                ),
                None => url.to_owned(),
            }
        }
        None => url.to_owned(),
    }
}

/// Removes `secret` (a URL's password) from a driver message, in case it echoed it.
fn scrub(message: String, url: &str) -> String {
    let password = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split(['/', '?', '#']).next())
        .and_then(|auth| auth.rsplit_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map(|(_, p)| p)
        .filter(|p| !p.is_empty());
    match password {
        Some(p) => message.replace(p, "***"),
        None => message,
    }
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

/// Refuses URLs that would otherwise open the wrong thing: an empty one (SQLite's
/// throwaway database), an unknown scheme or a server scheme without `//` (both would be
/// taken for a SQLite file name).
fn check_url(url: &str) -> Result<(), String> {
    const SCHEMES: &str = "sqlite://, postgres://, postgresql://, mysql:// or mariadb://";
    let trimmed = url.trim();
    let lower = trimmed.to_ascii_lowercase();
    if trimmed.is_empty() || lower == "sqlite://" || lower == "sqlite:" {
        return Err(format!(
            "the URL names no database: give a file path (sqlite://app.db) or a server URL ({SCHEMES})"
        ));
    }
    if let Some((scheme, rest)) = lower.split_once("://") {
        if !["sqlite", "postgres", "postgresql", "mysql", "mariadb"].contains(&scheme) {
            return Err(format!("unknown URL scheme `{scheme}://`: use {SCHEMES}"));
        }
        let _ = rest;
        return Ok(());
    }
    for scheme in ["postgres:", "postgresql:", "mysql:", "mariadb:"] {
        if lower.starts_with(scheme) {
            return Err(format!(
                "`{url}` is not a server URL: write {scheme}//user@host/database"
            ));
        }
    }
    Ok(())
}

/// For a MySQL URL, that it names a database: the engine's tables and lock live in one.
/// (A connection without one is fine for administration, so [`Connection::establish`]
/// allows it.)
pub(crate) fn check_mysql_database(url: &str) -> Result<(), ConnectionError> {
    let lower = url.trim().to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("mysql://")
        .or_else(|| lower.strip_prefix("mariadb://"))
    else {
        return Ok(());
    };
    let database = rest
        .split_once('/')
        .map_or("", |(_, path)| path)
        .split(['?', '#'])
        .next()
        .unwrap_or("");
    if database.is_empty() {
        return Err(ConnectionError::Connect {
            url: redact_url(url),
            message:
                "the URL names no database: add it after the host (mysql://user@host/database)"
                    .into(),
        });
    }
    Ok(())
}

/// Which backend a URL names.
///
/// ```
/// use migrate_runtime::connection::dialect_of_url;
/// use migrate_runtime::dialect::Dialect;
/// assert_eq!(dialect_of_url("postgresql://localhost/shop"), Dialect::Postgres);
/// assert_eq!(dialect_of_url("shop.db"), Dialect::Sqlite);
/// ```
pub fn dialect_of_url(url: &str) -> Dialect {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
        Dialect::Postgres
    } else if lower.starts_with("mysql://") || lower.starts_with("mariadb://") {
        Dialect::Mysql
    } else {
        Dialect::Sqlite
    }
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
    /// Opens a connection from a URL (see the module docs for the forms).
    pub fn establish(url: &str) -> Result<Self, ConnectionError> {
        use diesel::Connection as _;
        let redacted = redact_url(url);
        check_url(url).map_err(|message| ConnectionError::Connect {
            url: redacted.clone(),
            message,
        })?;
        let connect_err = |e: diesel::ConnectionError| ConnectionError::Connect {
            url: redacted.clone(),
            message: one_line(&scrub(e.to_string(), url)),
        };
        match dialect_of_url(url) {
            Dialect::Sqlite => {
                #[cfg(feature = "sqlite")]
                {
                    let path = url
                        .strip_prefix("sqlite://")
                        .or_else(|| url.strip_prefix("sqlite:"))
                        .unwrap_or(url);
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
                    diesel::PgConnection::establish(url)
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
                    let url = match url.strip_prefix("mariadb://") {
                        Some(rest) => format!("mysql://{rest}"),
                        None => url.to_owned(),
                    };
                    diesel::MysqlConnection::establish(&url)
                        .map(Connection::Mysql)
                        .map_err(connect_err)
                }
                #[cfg(not(feature = "mysql"))]
                Err(ConnectionError::NotCompiled {
                    url: redacted,
                    feature: "mysql",
                })
            }
        }
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
