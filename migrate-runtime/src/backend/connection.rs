//! Database connections from a URL, over diesel, for the backends compiled in.
//!
//! `sqlite://path`, `sqlite:path`, `:memory:` or a file path ending in `.db`, `.sqlite` or
//! `.sqlite3` open SQLite; `postgres://` and `postgresql://` open PostgreSQL; `mysql://` and
//! `mariadb://` open MySQL/MariaDB. Anything else (a libpq `key=value` string, a mistyped
//! scheme, a server URL without `//`) is refused, not taken for a file name. A password in
//! a URL never appears in an error: see [`redact_url`] and [`scrub`].

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

/// The schemes this crate opens, for messages.
const SCHEMES: &str = "sqlite://, postgres://, postgresql://, mysql:// or mariadb://";

/// `url` with any password replaced by `***`, for every form a password can take:
///
/// - in the user info, `postgres://app:s3cret@db/shop`, found by the `url` crate's parser;
/// - in the user info with characters that should have been percent-encoded (`/ @ # ?`:
///   `postgres://app:a/b@c@db/shop`), where the parser fails or reads something else:
///   everything between `//` and the last `@` is hidden;
/// - without `//` (`postgres:app:s3cret@db`): everything between the scheme and the last
///   `@` is hidden;
/// - as a query parameter (`?password=s3cret`, `?sslpassword=`, `?pass=`, `?pwd=`);
/// - in a libpq `key=value` string (`host=db password=s3cret`).
///
/// SQLite URLs and file paths carry no password and are returned as they are.
///
/// ```
/// use migrate_runtime::connection::redact_url;
/// assert_eq!(
///     redact_url("postgres://app:s3cret@db:5432/shop"),
///     "postgres://app:***@db:5432/shop"
/// );
/// assert_eq!(
///     redact_url("postgres://app@db/shop?password=s3cret"),
///     "postgres://app@db/shop?password=***"
/// );
/// assert_eq!(redact_url("postgres://app:Zq9/Sec@ret@db/shop"), "postgres://***@db/shop");
/// assert_eq!(redact_url("shop.db"), "shop.db");
/// ```
pub fn redact_url(url: &str) -> String {
    let lower = url.trim_start().to_ascii_lowercase();
    if lower.starts_with("sqlite:") || lower.starts_with("file:") {
        return url.to_owned();
    }
    let Some((scheme, rest)) = split_scheme(url) else {
        return if is_key_value(url) {
            redact_key_value(url)
        } else {
            url.to_owned()
        };
    };
    let Some(after) = rest.strip_prefix("//") else {
        // `postgres:app:pw@db`: no authority to parse; hide up to the last `@`.
        return match rest.rfind('@') {
            Some(at) => format!("{scheme}:***{}", &rest[at..]),
            None => url.to_owned(),
        };
    };
    let authority_end = after.find(['/', '?', '#']).unwrap_or(after.len());
    // The parser and the authority agree only when no `@` follows the authority: a later
    // one means a password with an unencoded `/ ? #` (or an `@` in a query value, where
    // hiding too much is the safe mistake).
    let consistent = url::Url::parse(url).is_ok() && !after[authority_end..].contains('@');
    let (userinfo_shown, tail) = if consistent {
        let authority = &after[..authority_end];
        match authority.rfind('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                let shown = match userinfo.split_once(':') {
                    Some((user, _)) => format!("{user}:***@"),
                    None => format!("{userinfo}@"),
                };
                (shown, &after[at + 1..])
            }
            None => (String::new(), after),
        }
    } else {
        match after.rfind('@') {
            Some(at) => ("***@".to_owned(), &after[at + 1..]),
            None => (String::new(), after),
        }
    };
    format!("{scheme}://{userinfo_shown}{}", redact_query(tail))
}

/// `scheme` and what follows `scheme:`, when `text` starts with a URL scheme (letters,
/// then letters, digits, `+ - .`) longer than one character (so that `C:\x` is a path).
fn split_scheme(text: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = text.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (scheme.len() > 1
        && first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)))
    .then_some((scheme, rest))
}

/// Whether a query parameter's name names a password.
fn is_password_key(key: &str) -> bool {
    let key = key.trim().to_ascii_lowercase();
    key.contains("password") || key == "pass" || key == "pwd"
}

/// `rest` (what follows a URL's authority) with the values of password parameters of its
/// query replaced by `***`.
fn redact_query(rest: &str) -> String {
    let Some(q) = rest.find('?') else {
        return rest.to_owned();
    };
    let (path, query) = rest.split_at(q + 1);
    let (query, fragment) = match query.find('#') {
        Some(h) => query.split_at(h),
        None => (query, ""),
    };
    let params: Vec<String> = query
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k, _)) if is_password_key(&decode(k)) => format!("{k}=***"),
            _ => p.to_owned(),
        })
        .collect();
    format!("{path}{}{fragment}", params.join("&"))
}

/// Percent-decodes `text` (lossily), for comparing names and finding echoed passwords.
fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// Whether `text` looks like a libpq `key=value` connection string
/// (`host=db dbname=shop user=app`): it starts with a word followed by `=`.
fn is_key_value(text: &str) -> bool {
    let t = text.trim_start();
    match t.find('=') {
        Some(eq) => {
            let key = t[..eq].trim_end();
            !key.is_empty()
                && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !t.contains("://")
        }
        None => false,
    }
}

/// The spans in `text` of the values of a libpq `key=value` string's password keys (a
/// value is a word, or a quoted string with `\'` inside).
fn key_value_passwords(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let skip_space = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        i = skip_space(i);
        let key_start = i;
        while i < bytes.len() && bytes[i] != b'=' && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let key = &text[key_start..i];
        i = skip_space(i);
        if i >= bytes.len() || bytes[i] != b'=' {
            continue;
        }
        i = skip_space(i + 1);
        let value_start = i;
        if i < bytes.len() && bytes[i] == b'\'' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'\'' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(bytes.len());
        } else {
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                i += 1;
            }
        }
        if is_password_key(key) {
            out.push((value_start, i.min(bytes.len())));
        }
    }
    out
}

/// A libpq `key=value` string with its password values replaced by `***`.
fn redact_key_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, end) in key_value_passwords(text) {
        out.push_str(&text[last..start]);
        out.push_str("***");
        last = end;
    }
    out.push_str(&text[last..]);
    out
}

/// Every form in which `url`'s password might be echoed by a driver: the user info's
/// password (as written and decoded), what lies between the scheme and the last `@` (and
/// its pieces, when it has characters that split a URL), and password parameters. The
/// longest first.
fn secrets(url: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: &str| {
        let s = s.trim_matches('\'');
        if s.len() >= 3 && !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    };
    let lower = url.trim_start().to_ascii_lowercase();
    if lower.starts_with("sqlite:") || lower.starts_with("file:") {
        return out;
    }
    if let Some((_, rest)) = split_scheme(url) {
        let after = rest.trim_start_matches('/');
        if let Some(at) = after.rfind('@') {
            let userinfo = &after[..at];
            if let Some((_, password)) = userinfo.split_once(':') {
                for candidate in [password, userinfo] {
                    push(candidate);
                    push(&decode(candidate));
                }
                if password.contains(['/', '?', '#', '@', ':']) {
                    for piece in password.split(['/', '?', '#', '@', ':']) {
                        push(piece);
                    }
                }
            }
        }
        if let Ok(parsed) = url::Url::parse(url) {
            if let Some(p) = parsed.password() {
                push(p);
                push(&decode(p));
            }
            for (k, v) in parsed.query_pairs() {
                if is_password_key(&k) {
                    push(&v);
                }
            }
        }
        if let Some((_, query)) = rest.split_once('?') {
            for p in query.split(['&', '#']) {
                if let Some((k, v)) = p.split_once('=') {
                    if is_password_key(&decode(k)) {
                        push(v);
                        push(&decode(v));
                    }
                }
            }
        }
    } else if is_key_value(url) {
        for (start, end) in key_value_passwords(url) {
            push(&url[start..end]);
        }
    }
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out
}

/// `message` (a driver's error, or any text about `url`) with `url` replaced by its
/// redacted form and every form of its password (see [`redact_url`]) by `***`.
///
/// ```
/// use migrate_runtime::connection::scrub;
/// let url = "postgres://app:Zq9/Sec@ret@db/shop";
/// let message = format!("cannot parse {url}: invalid port \"Zq9\"");
/// assert_eq!(scrub(&message, url), "cannot parse postgres://***@db/shop: invalid port \"***\"");
/// ```
pub fn scrub(message: &str, url: &str) -> String {
    let mut out = if url.is_empty() {
        message.to_owned()
    } else {
        message.replace(url, &redact_url(url))
    };
    for secret in secrets(url) {
        out = out.replace(&secret, "***");
    }
    out
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

/// Whether `url` names SQLite's in-memory database (`:memory:`, `sqlite://:memory:`,
/// `file::memory:`, `?mode=memory`), which keeps nothing once the connection closes.
///
/// ```
/// use migrate_runtime::connection::is_in_memory;
/// assert!(is_in_memory("sqlite://:memory:"));
/// assert!(is_in_memory(":memory:"));
/// assert!(!is_in_memory("sqlite://app.db"));
/// ```
pub fn is_in_memory(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    if dialect_of_url(&lower) != Dialect::Sqlite {
        return false;
    }
    let path = lower
        .strip_prefix("sqlite://")
        .or_else(|| lower.strip_prefix("sqlite:"))
        .unwrap_or(&lower);
    path == ":memory:"
        || path.starts_with(":memory:?")
        || path.starts_with("file::memory:")
        || path.contains("mode=memory")
}

/// Whether `path` (no scheme) may be taken for a SQLite file: `:memory:`, a `file:` URI,
/// or a path ending in `.db`, `.sqlite` or `.sqlite3`.
fn is_sqlite_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower == ":memory:"
        || lower.starts_with("file:")
        || [".db", ".sqlite", ".sqlite3"]
            .iter()
            .any(|ext| lower.ends_with(ext))
}

/// Refuses URLs that would otherwise open the wrong thing: an empty one (SQLite's
/// throwaway database), an unknown scheme, a server scheme without `//`, a libpq
/// `key=value` string, or anything else that is neither a SQLite URL nor a path ending in
/// `.db`, `.sqlite` or `.sqlite3` (each would be taken for a SQLite file name, and
/// created).
fn check_url(url: &str) -> Result<(), String> {
    let trimmed = url.trim();
    let lower = trimmed.to_ascii_lowercase();
    let shown = redact_url(trimmed);
    if trimmed.is_empty() || lower == "sqlite://" || lower == "sqlite:" {
        return Err(format!(
            "the URL names no database: give a file path (sqlite://app.db) or a server URL ({SCHEMES})"
        ));
    }
    if let Some((scheme, _)) = lower.split_once("://") {
        if !["sqlite", "postgres", "postgresql", "mysql", "mariadb"].contains(&scheme) {
            return Err(format!("unknown URL scheme `{scheme}://`: use {SCHEMES}"));
        }
        return Ok(());
    }
    for scheme in ["postgres:", "postgresql:", "mysql:", "mariadb:"] {
        if lower.starts_with(scheme) {
            return Err(format!(
                "`{shown}` is not a server URL: write {scheme}//user@host/database"
            ));
        }
    }
    if lower.starts_with("sqlite:") {
        return Ok(());
    }
    if is_key_value(trimmed) {
        return Err(
            "a libpq key=value connection string is not supported: write it as postgres://user@host/dbname (with a password percent-encoded)"
                .into(),
        );
    }
    if is_sqlite_path(trimmed) {
        return Ok(());
    }
    Err(format!(
        "`{shown}` is not a database URL: use sqlite://path (or a file path ending in .db, .sqlite or .sqlite3), postgres://user@host/database or mysql://user@host/database"
    ))
}

/// For a server URL, that it names a database: the engine's tables and lock live in one.
/// Without one, MySQL opens no database and PostgreSQL opens the database named after the
/// user (often `postgres`, the maintenance database), so the engine refuses both. (A
/// connection without one is fine for administration, so [`Connection::establish`]
/// allows it.)
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
    let lower = url.trim().to_ascii_lowercase();
    let (example, rest) = if let Some(rest) = lower
        .strip_prefix("mysql://")
        .or_else(|| lower.strip_prefix("mariadb://"))
    {
        ("mysql://user@host/database", rest)
    } else if let Some(rest) = lower
        .strip_prefix("postgres://")
        .or_else(|| lower.strip_prefix("postgresql://"))
    {
        ("postgres://user@host/database", rest)
    } else {
        return Ok(());
    };
    let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
    let database = before_query
        .split_once('/')
        .map_or("", |(_, path)| path)
        .split('#')
        .next()
        .unwrap_or("");
    let in_query = example.starts_with("postgres")
        && query.split(['&', '#']).any(|p| {
            p.split_once('=')
                .is_some_and(|(k, v)| k == "dbname" && !v.is_empty())
        });
    if database.is_empty() && !in_query {
        return Err(ConnectionError::Connect {
            url: redact_url(url),
            message: format!(
                "the URL names no database: add it after the host ({example}); nothing was changed"
            ),
        });
    }
    Ok(())
}

/// [`check_database`], under the name the engine calls it by (it checks PostgreSQL URLs
/// too).
pub(crate) fn check_mysql_database(url: &str) -> Result<(), ConnectionError> {
    check_database(url)
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
    let lower = url.trim_start().to_ascii_lowercase();
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
            message: one_line(&scrub(&e.to_string(), url)),
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
                    let mut c = diesel::MysqlConnection::establish(&url)
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

    const SECRET: &str = "Zq9/Sec@ret";

    /// Every form a password can take in a URL: redacted, scrubbed from a message that
    /// quotes the URL, and no piece of it left.
    #[test]
    fn no_form_of_a_password_survives_redaction() {
        for (url, shown) in [
            ("postgres://u:s3cr3t-pw@host/db", "postgres://u:***@host/db"),
            (
                "postgres://u@host/db?password=s3cr3t-pw",
                "postgres://u@host/db?password=***",
            ),
            (
                "postgres://host/db?user=u&password=s3cr3t-pw",
                "postgres://host/db?user=u&password=***",
            ),
            (
                "postgres://host/db?sslmode=require&PassWord=s3cr3t-pw#x",
                "postgres://host/db?sslmode=require&PassWord=***#x",
            ),
            (
                "postgres://host/db?sslpassword=s3cr3t-pw",
                "postgres://host/db?sslpassword=***",
            ),
            ("postgres://u:Zq9/Sec@ret@host/db", "postgres://***@host/db"),
            (
                "postgresql://u:Zq9/Sec@ret@host:5432/db",
                "postgresql://***@host:5432/db",
            ),
            ("mysql://u:Zq9/Sec@ret@host/db", "mysql://***@host/db"),
            ("mariadb://u:Zq9/Sec@ret@host/db", "mariadb://***@host/db"),
            ("postgres://u:a#b@host/db", "postgres://***@host/db"),
            ("postgres://u:a?b@host/db", "postgres://***@host/db"),
            ("postgres://u:12/34@host/db", "postgres://***@host/db"),
            ("postgres://u:p%40ss@host/db", "postgres://u:***@host/db"),
            ("postgres:u:s3cr3t-pw@host", "postgres:***@host"),
            ("mysql:u:s3cr3t-pw@host/db", "mysql:***@host/db"),
            ("mysql://app:s3cr3t-pw@[::1/db", "mysql://***@[::1/db"),
            (
                "host=127.0.0.1 user=postgres password=s3cr3t-pw dbname=test",
                "host=127.0.0.1 user=postgres password=*** dbname=test",
            ),
            (
                "host=h password = 's3cr3t pw' dbname=t",
                "host=h password = *** dbname=t",
            ),
            ("postgres://u@host/db", "postgres://u@host/db"),
            ("sqlite:///tmp/a@b/app.db", "sqlite:///tmp/a@b/app.db"),
            ("shop.db", "shop.db"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
            let message = format!("cannot connect to {url}: the driver says {url}");
            let scrubbed = scrub(&message, url);
            for secret in ["s3cr3t", SECRET, "Zq9", "Sec@ret", "p@ss", "p%40ss"] {
                if url.contains(secret) {
                    assert!(!scrubbed.contains(secret), "{url}: {scrubbed}");
                }
            }
        }
    }

    /// A driver that parsed the password as a port echoes a piece of it.
    #[test]
    fn pieces_of_a_password_split_by_the_driver_are_scrubbed() {
        let url = "postgres://u:Zq9/Sec@ret@127.0.0.1:1/db";
        let message = "invalid integer value \"Zq9\" for connection option \"port\"";
        assert_eq!(
            scrub(message, url),
            "invalid integer value \"***\" for connection option \"port\""
        );
        // Decoded, too.
        let url = "postgres://u:p%2Fass-word@host/db";
        assert_eq!(scrub("bad p/ass-word", url), "bad ***");
    }

    #[test]
    fn only_recognized_forms_mean_sqlite() {
        for ok in [
            "sqlite://app.db",
            "sqlite:app",
            "sqlite://:memory:",
            ":memory:",
            "shop.db",
            "./data/app.sqlite",
            "/var/lib/app.SQLITE3",
            "file:app.db?mode=ro",
            "postgres://u@h/db",
            "mysql://u@h/db",
        ] {
            assert_eq!(check_url(ok), Ok(()), "{ok}");
        }
        for (bad, wanted) in [
            (
                "host=127.0.0.1 user=postgres password=SECRET dbname=test",
                "libpq key=value",
            ),
            ("dbname=test", "libpq key=value"),
            ("shop", "is not a database URL"),
            ("./data/app", "is not a database URL"),
            ("postgres:u:SECRET@host", "is not a server URL"),
            ("oracle://scott@db", "unknown URL scheme"),
            ("", "names no database"),
        ] {
            let e = check_url(bad).expect_err(bad);
            assert!(e.contains(wanted), "{bad}: {e}");
            assert!(!e.contains("SECRET"), "{bad}: {e}");
        }
    }

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
