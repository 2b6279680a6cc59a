//! Errors as the command line prints them: one line, no password, and for a permission
//! error on the engine's own tables, where, as whom, and the missing grant.

use crate::engine::{Config, EngineError};
use crate::text::printable;

use super::error::CliError;
use super::Database;

impl CliError {
    /// The one line the user reads: an engine error explained ([`explain`]), any text of
    /// the URL redacted and every form of its password hidden, continuation lines joined.
    pub(crate) fn render(&self, db: &Database) -> String {
        let message = match self {
            CliError::Engine(e) => explain(e, db),
            other => other.to_string(),
        };
        crate::connection::one_line(&db.scrub(&message))
    }
}

/// An engine error as the command line prints it. A permission error on the engine's own
/// tables (a deploy user without rights on them) also says where, as whom, what was being
/// done, the database's state and the missing grant.
fn explain(e: &EngineError, db: &Database) -> String {
    // Text read from the version table, escaped before the message is made one line.
    let message = match e {
        EngineError::UnknownRevision { revision } => EngineError::UnknownRevision {
            revision: printable(revision).into_owned(),
        }
        .to_string(),
        EngineError::InconsistentVersions(s) => {
            EngineError::InconsistentVersions(printable(s).into_owned()).to_string()
        }
        e => e.to_string(),
    };
    let Some(table) = denied_table(&message) else {
        return message;
    };
    let config = Config::default();
    let doing = if table == config.version_table {
        format!("the version table {table}")
    } else if table == config.history_table {
        format!("the history table {table}")
    } else {
        return message;
    };
    let d = db.dialect();
    let user = database_user(db, &message);
    let who = user
        .as_deref()
        .map_or_else(String::new, |u| format!(" as user \"{}\"", printable(u)));
    // MySQL names the command that was denied; PostgreSQL does not, and a bare
    // connection error comes from the reads before the migration lock.
    let verb = if message.contains("CREATE command denied") {
        "creating"
    } else if message.contains("SELECT command denied") {
        "reading"
    } else if message.contains(" command denied") {
        "updating"
    } else if matches!(e, EngineError::Connection(_)) {
        "reading"
    } else {
        "updating"
    };
    // The engine's message says the state after a change started; before, nothing changed.
    let state = match e {
        EngineError::Bookkeeping { .. } => "",
        _ => "; nothing was changed",
    };
    let doing = format!("{verb} {doing}");
    let grantee = user
        .as_deref()
        .map_or_else(|| "<the user>".to_owned(), |u| d.backend().grantee(u));
    let (version, history) = (
        d.quote(&config.version_table),
        d.quote(&config.history_table),
    );
    let grant = d.backend().grant(&[version, history], &grantee);
    format!(
        "{doing} of {}{who} failed: {message}{state}; the user needs {grant} (SELECT alone for current, history and check)",
        db.redacted()
    )
}

/// The table a permission error names: PostgreSQL's `permission denied for table t`
/// (`relation` before version 15), MySQL's `... command denied to user 'u'@'h' for table
/// 'db'.'t'` (MariaDB writes backticks).
fn denied_table(message: &str) -> Option<String> {
    let rest = [
        "permission denied for table ",
        "permission denied for relation ",
    ]
    .iter()
    .find_map(|p| message.split_once(p).map(|(_, r)| r))
    .or_else(|| {
        message
            .contains("command denied to user")
            .then(|| message.split_once(" for table ").map(|(_, r)| r))
            .flatten()
    })?;
    let name = rest
        .split(|c: char| c.is_whitespace() || c == ';' || c == ',')
        .next()?
        .rsplit('.')
        .next()?
        .trim_matches(['\'', '`', '"']);
    (!name.is_empty()).then(|| name.to_owned())
}

/// The user a URL connects as: the account a MySQL error names, the URL's user info, a
/// `user=` parameter, or (asked of the server) the session's user.
fn database_user(db: &Database, message: &str) -> Option<String> {
    // MySQL names the account, host included, which is what a GRANT needs.
    if let Some((_, rest)) = message.split_once("denied to user ") {
        let user = rest.split(" for ").next().unwrap_or(rest).trim();
        if !user.is_empty() {
            return Some(user.to_owned());
        }
    }
    let url = db.url().ok()?;
    if let Some(user) = url.user() {
        return Some(user);
    }
    let mut conn = crate::connection::Connection::open(url).ok()?;
    let sql = conn.dialect().backend().current_user();
    conn.query_strings(sql)
        .ok()?
        .into_iter()
        .next()
        .filter(|u| !u.is_empty())
}
