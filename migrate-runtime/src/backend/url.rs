//! A database URL, parsed once from the user's text: its scheme, the backend it names, the
//! database, the options of its query, and a display that never shows the password.
//!
//! `sqlite://path`, `sqlite:path`, `:memory:` or a file path ending in `.db`, `.sqlite` or
//! `.sqlite3` name SQLite; `postgres://` and `postgresql://` name PostgreSQL; `mysql://` and
//! `mariadb://` name MySQL/MariaDB. Anything else (a libpq `key=value` string, a mistyped
//! scheme, a server URL without `//`) is refused by [`DatabaseUrl::parse`], not taken for a
//! file name.
//!
//! ```
//! use migrate_runtime::connection::DatabaseUrl;
//! use migrate_runtime::dialect::Dialect;
//! let url = DatabaseUrl::parse("postgres://app:s3cret@db:5432/shop?sslmode=disable")?;
//! assert_eq!(url.dialect(), Dialect::Postgres);
//! assert_eq!(url.scheme(), Some("postgres"));
//! assert_eq!(url.database(), Some("shop"));
//! assert_eq!(url.user().as_deref(), Some("app"));
//! assert_eq!(url.option("sslmode"), Some("disable"));
//! assert_eq!(url.to_string(), "postgres://app:***@db:5432/shop?sslmode=disable");
//! assert!(DatabaseUrl::parse("oracle://scott@db").is_err());
//! # Ok::<(), migrate_runtime::connection::UrlError>(())
//! ```

use std::fmt;
use std::str::FromStr;

use crate::dialect::Dialect;

/// Why a URL cannot name a database this crate opens. The text never holds a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Empty, or a SQLite scheme without a path (SQLite would open a throwaway database).
    #[error(
        "the URL names no database: give a file path (sqlite://app.db) or a server URL ({SCHEMES})"
    )]
    Empty,
    /// A `scheme://` this crate does not know.
    #[error("unknown URL scheme `{scheme}://`: use {SCHEMES}")]
    UnknownScheme {
        /// The scheme, lower-cased.
        scheme: String,
    },
    /// A server scheme without `//` (`postgres:app@db`).
    #[error("`{shown}` is not a server URL: write {scheme}://user@host/database")]
    NotAServerUrl {
        /// The URL, redacted.
        shown: String,
        /// The scheme, lower-cased.
        scheme: &'static str,
    },
    /// A libpq `key=value` connection string.
    #[error("a libpq key=value connection string is not supported: write it as postgres://user@host/dbname (with a password percent-encoded)")]
    KeyValue,
    /// Neither a URL nor a path ending in a SQLite extension (it would be taken for a file
    /// name, and created).
    #[error("`{shown}` is not a database URL: use sqlite://path (or a file path ending in .db, .sqlite or .sqlite3), postgres://user@host/database or mysql://user@host/database")]
    NotAUrl {
        /// The text, redacted.
        shown: String,
    },
    /// A server URL without a database, where the engine needs one
    /// ([`DatabaseUrl::require_database`]).
    #[error("the URL names no database: add it after the host ({example}); nothing was changed")]
    NoDatabase {
        /// A URL of the right form, for the message.
        example: &'static str,
    },
}

/// A database URL, parsed once: what it names, and how to show it.
///
/// Its [`Display`](fmt::Display) and [`Debug`] never show a password (see [`redact_url`]);
/// [`DatabaseUrl::as_str`] gives the text as written, for the driver only.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    text: String,
    redacted: String,
    scheme: Option<String>,
    dialect: Dialect,
    database: Option<String>,
    user: Option<String>,
    options: Vec<(String, String)>,
}

impl DatabaseUrl {
    /// Parses `text`, refusing what would open the wrong thing: an empty URL (SQLite's
    /// throwaway database), an unknown scheme, a server scheme without `//`, a libpq
    /// `key=value` string, or anything else that is neither a SQLite URL nor a path ending
    /// in `.db`, `.sqlite` or `.sqlite3` (each would be taken for a SQLite file name, and
    /// created).
    pub fn parse(text: &str) -> Result<Self, UrlError> {
        check(text)?;
        let trimmed = text.trim();
        let lower = trimmed.to_ascii_lowercase();
        let dialect = dialect_of(&lower);
        let scheme = match lower.split_once("://") {
            Some((scheme, _)) => Some(scheme.to_owned()),
            None => ["sqlite", "file"]
                .into_iter()
                .find(|s| lower.starts_with(&format!("{s}:")))
                .map(str::to_owned),
        };
        let options: Vec<(String, String)> = query_of(trimmed)
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let (database, user) = match dialect {
            Dialect::Sqlite => (Some(sqlite_path(text).to_owned()), None),
            _ => (
                server_database(trimmed, dialect, &options),
                user_of(trimmed),
            ),
        };
        Ok(DatabaseUrl {
            text: text.to_owned(),
            redacted: redact_url(text),
            scheme,
            dialect,
            database: database.filter(|d| !d.is_empty()),
            user,
            options,
        })
    }

    /// The URL as written, password included: for the driver, never for output.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The URL with any password replaced by `***` (as [`Display`](fmt::Display)).
    pub fn redacted(&self) -> &str {
        &self.redacted
    }

    /// The backend the URL names.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The scheme, lower-cased (`postgres`, `postgresql`, `mysql`, `mariadb`, `sqlite`,
    /// `file`); `None` for a plain file path.
    pub fn scheme(&self) -> Option<&str> {
        self.scheme.as_deref()
    }

    /// The database: a server URL's path (percent-decoded), or PostgreSQL's `dbname=`
    /// option; SQLite's file path (or `:memory:`). `None` when a server URL names none.
    pub fn database(&self) -> Option<&str> {
        self.database.as_deref()
    }

    /// The user a server URL connects as: its user info (percent-decoded) or a `user=`
    /// option.
    pub fn user(&self) -> Option<String> {
        self.user.clone()
    }

    /// The options of the URL's query (`?sslmode=require&...`), percent-decoded, in order.
    /// A password option is among them: never print them.
    pub fn options(&self) -> impl Iterator<Item = (&str, &str)> {
        self.options.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The value of the query option `key` (the first, when repeated).
    pub fn option(&self, key: &str) -> Option<&str> {
        self.options().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Whether this is a server URL (PostgreSQL, MySQL/MariaDB), not SQLite.
    pub fn is_server(&self) -> bool {
        self.dialect != Dialect::Sqlite
    }

    /// Whether the URL names SQLite's in-memory database (`:memory:`, `sqlite://:memory:`,
    /// `file::memory:`, `?mode=memory`), which keeps nothing once the connection closes.
    pub fn is_in_memory(&self) -> bool {
        is_in_memory(&self.text)
    }

    /// For a server URL, that it names a database: the engine's tables and lock live in
    /// one. Without one, MySQL opens no database and PostgreSQL opens the database named
    /// after the user (often `postgres`, the maintenance database), so the engine refuses
    /// both. (A connection without one is fine for administration, so opening allows it.)
    pub fn require_database(&self) -> Result<(), UrlError> {
        if !self.is_server() || self.database.is_some() {
            return Ok(());
        }
        Err(UrlError::NoDatabase {
            example: match self.dialect {
                Dialect::Mysql => "mysql://user@host/database",
                _ => "postgres://user@host/database",
            },
        })
    }

    /// `message` (a driver's error, or any text about this URL) with the URL replaced by
    /// its redacted form and every form of its password by `***` (see [`scrub`]).
    pub fn scrub(&self, message: &str) -> String {
        scrub(message, &self.text)
    }
}

impl FromStr for DatabaseUrl {
    type Err = UrlError;

    fn from_str(text: &str) -> Result<Self, UrlError> {
        DatabaseUrl::parse(text)
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DatabaseUrl").field(&self.redacted).finish()
    }
}

/// Which backend a lower-cased URL names (SQLite unless a server scheme with `//`).
fn dialect_of(lower: &str) -> Dialect {
    if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
        Dialect::Postgres
    } else if lower.starts_with("mysql://") || lower.starts_with("mariadb://") {
        Dialect::Mysql
    } else {
        Dialect::Sqlite
    }
}

/// What SQLite opens for `text`: the text after `sqlite://` or `sqlite:`, or all of it.
pub(crate) fn sqlite_path(text: &str) -> &str {
    text.strip_prefix("sqlite://")
        .or_else(|| text.strip_prefix("sqlite:"))
        .unwrap_or(text)
}

/// The query of `text` (after `?`, before `#`).
fn query_of(text: &str) -> Option<&str> {
    let (_, query) = text.split_once('?')?;
    Some(query.split('#').next().unwrap_or(""))
}

/// A server URL's database: its path after the host, or (PostgreSQL) a `dbname=` option.
fn server_database(text: &str, dialect: Dialect, options: &[(String, String)]) -> Option<String> {
    let (_, rest) = text.split_once("://")?;
    let before_query = rest.split('?').next().unwrap_or(rest);
    let path = before_query
        .split_once('/')
        .map_or("", |(_, path)| path)
        .split('#')
        .next()
        .unwrap_or("");
    if !path.is_empty() {
        return Some(decode(path));
    }
    if dialect != Dialect::Postgres {
        return None;
    }
    options
        .iter()
        .find(|(k, v)| k.eq_ignore_ascii_case("dbname") && !v.is_empty())
        .map(|(_, v)| v.clone())
}

/// A server URL's user: its user info (percent-decoded), or a `user=` option.
fn user_of(text: &str) -> Option<String> {
    let parsed = url::Url::parse(text).ok()?;
    if !parsed.username().is_empty() {
        return Some(decode(parsed.username()));
    }
    parsed
        .query_pairs()
        .find(|(k, _)| k == "user")
        .map(|(_, v)| v.into_owned())
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

/// The checks of [`DatabaseUrl::parse`].
fn check(url: &str) -> Result<(), UrlError> {
    let trimmed = url.trim();
    let lower = trimmed.to_ascii_lowercase();
    if trimmed.is_empty() || lower == "sqlite://" || lower == "sqlite:" {
        return Err(UrlError::Empty);
    }
    if let Some((scheme, _)) = lower.split_once("://") {
        if !["sqlite", "postgres", "postgresql", "mysql", "mariadb"].contains(&scheme) {
            return Err(UrlError::UnknownScheme {
                scheme: scheme.to_owned(),
            });
        }
        return Ok(());
    }
    for scheme in ["postgres", "postgresql", "mysql", "mariadb"] {
        if lower.starts_with(scheme) && lower[scheme.len()..].starts_with(':') {
            return Err(UrlError::NotAServerUrl {
                shown: redact_url(trimmed),
                scheme,
            });
        }
    }
    if lower.starts_with("sqlite:") {
        return Ok(());
    }
    if is_key_value(trimmed) {
        return Err(UrlError::KeyValue);
    }
    if is_sqlite_path(trimmed) {
        return Ok(());
    }
    Err(UrlError::NotAUrl {
        shown: redact_url(trimmed),
    })
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

/// Whether `url` names SQLite's in-memory database (`:memory:`, `sqlite://:memory:`,
/// `file::memory:`, `?mode=memory`), which keeps nothing once the connection closes
/// (as [`DatabaseUrl::is_in_memory`], for text not parsed).
///
/// ```
/// use migrate_runtime::connection::is_in_memory;
/// assert!(is_in_memory("sqlite://:memory:"));
/// assert!(is_in_memory(":memory:"));
/// assert!(!is_in_memory("sqlite://app.db"));
/// ```
pub fn is_in_memory(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    if dialect_of(&lower) != Dialect::Sqlite {
        return false;
    }
    let path = sqlite_path(&lower);
    path == ":memory:"
        || path.starts_with(":memory:?")
        || path.starts_with("file::memory:")
        || path.contains("mode=memory")
}

/// Which backend a URL names (as [`DatabaseUrl::dialect`], for text not parsed: SQLite
/// unless a server scheme with `//`).
///
/// ```
/// use migrate_runtime::connection::dialect_of_url;
/// use migrate_runtime::dialect::Dialect;
/// assert_eq!(dialect_of_url("postgresql://localhost/shop"), Dialect::Postgres);
/// assert_eq!(dialect_of_url("shop.db"), Dialect::Sqlite);
/// ```
pub fn dialect_of_url(url: &str) -> Dialect {
    dialect_of(&url.trim_start().to_ascii_lowercase())
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
            assert!(DatabaseUrl::parse(ok).is_ok(), "{ok}");
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
            let e = DatabaseUrl::parse(bad).expect_err(bad).to_string();
            assert!(e.contains(wanted), "{bad}: {e}");
            assert!(!e.contains("SECRET"), "{bad}: {e}");
        }
    }

    #[test]
    fn a_parsed_url_knows_its_parts_and_hides_its_password() {
        let url = DatabaseUrl::parse("mysql://app:Zq9%2Fs@db:3306/Shop?ssl_mode=disabled").unwrap();
        assert_eq!(url.dialect(), Dialect::Mysql);
        assert_eq!(url.scheme(), Some("mysql"));
        assert_eq!(url.database(), Some("Shop"));
        assert_eq!(url.user().as_deref(), Some("app"));
        assert_eq!(url.option("ssl_mode"), Some("disabled"));
        assert!(!format!("{url} {url:?}").contains("Zq9"));
        let url = DatabaseUrl::parse("postgres://app@db?dbname=shop").unwrap();
        assert_eq!(url.database(), Some("shop"));
        assert!(url.require_database().is_ok());
        let url = DatabaseUrl::parse("postgres://app:pw@db/").unwrap();
        assert_eq!(url.database(), None);
        let e = url.require_database().unwrap_err().to_string();
        assert!(e.contains("names no database"), "{e}");
        let url = DatabaseUrl::parse("sqlite://data/app.db").unwrap();
        assert_eq!(url.database(), Some("data/app.db"));
        assert_eq!(url.scheme(), Some("sqlite"));
        assert!(!url.is_in_memory());
        assert!(DatabaseUrl::parse("sqlite::memory:")
            .unwrap()
            .is_in_memory());
        assert_eq!(DatabaseUrl::parse("shop.db").unwrap().scheme(), None);
    }
}
