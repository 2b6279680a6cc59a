//! The SQL the engine needs around migrations: catalog lookups, the version and history
//! tables' rows, transactions and locks. Kept here so that no SQL is written elsewhere.

use super::{insert_sql, Dialect};
use crate::column::Value;

/// A query counting tables named `table` in the current database or schema.
pub fn table_exists(d: Dialect, table: &str) -> String {
    let name = d.string_literal(table);
    match d {
        Dialect::Sqlite => {
            format!("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = {name}")
        }
        Dialect::Postgres => format!(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = {name}"
        ),
        Dialect::Mysql => format!(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = {name}"
        ),
    }
}

/// Session settings for every SQLite connection: foreign keys off (SQLite's table-rebuild
/// procedure needs that; a rebuild checks the keys itself before commit) and a wait of up
/// to a minute for another writer's lock.
pub const SQLITE_SESSION: &str = "PRAGMA foreign_keys = OFF; PRAGMA busy_timeout = 60000;";

/// Wraps a query returning one integer so that every backend returns it as a 64-bit
/// column named `n`.
pub fn as_count(d: Dialect, sql: &str) -> String {
    let ty = match d {
        Dialect::Mysql => "SIGNED",
        Dialect::Sqlite | Dialect::Postgres => "BIGINT",
    };
    format!("SELECT CAST(({sql}) AS {ty}) AS n")
}

/// `SELECT <column> AS value FROM <table>`, for [`crate::connection::Connection::query_strings`].
pub fn select_values(d: Dialect, table: &str, column: &str) -> String {
    format!(
        "SELECT {} AS value FROM {} ORDER BY {}",
        d.quote(column),
        d.quote(table),
        d.quote(column)
    )
}

/// `DELETE FROM <table> WHERE <column> = '<value>'`.
pub fn delete_eq(d: Dialect, table: &str, column: &str, value: &str) -> String {
    format!(
        "DELETE FROM {} WHERE {} = {}",
        d.quote(table),
        d.quote(column),
        d.string_literal(value)
    )
}

/// `INSERT INTO <table> (<columns>) VALUES (<values>)`.
pub fn insert_row(d: Dialect, table: &str, columns: &[&str], values: Vec<Value>) -> String {
    let columns: Vec<String> = columns.iter().map(|c| (*c).to_owned()).collect();
    insert_sql(d, table, &columns, &[values]).remove(0)
}

/// Starts a transaction that also takes the migration lock where the dialect does it that
/// way: SQLite's `BEGIN IMMEDIATE` takes the write lock at once.
pub fn begin(d: Dialect) -> &'static str {
    match d {
        Dialect::Sqlite => "BEGIN IMMEDIATE",
        Dialect::Postgres | Dialect::Mysql => "BEGIN",
    }
}

/// Ends the transaction [`begin`] started: `COMMIT` when `ok`, else `ROLLBACK`.
pub fn end(ok: bool) -> &'static str {
    if ok {
        "COMMIT"
    } else {
        "ROLLBACK"
    }
}

/// A key for the advisory lock that serializes migration runs on one database: stable,
/// derived from the version table's name.
pub fn lock_key(version_table: &str) -> i64 {
    (crate::naming::fnv1a(version_table.as_bytes()) >> 1) as i64
}

/// Takes the cross-process migration lock. PostgreSQL: an advisory lock held by the run's
/// transaction when `whole_run_transaction`, else by the session (a run that commits each
/// migration separately). MySQL: a named session lock, waiting up to an hour; the query
/// returns 1 when the lock is taken. SQLite locks with `BEGIN IMMEDIATE` instead: `None`.
pub fn lock(d: Dialect, version_table: &str, whole_run_transaction: bool) -> Option<String> {
    match d {
        Dialect::Sqlite => None,
        Dialect::Postgres if whole_run_transaction => Some(format!(
            "SELECT pg_advisory_xact_lock({})",
            lock_key(version_table)
        )),
        Dialect::Postgres => Some(format!(
            "SELECT pg_advisory_lock({})",
            lock_key(version_table)
        )),
        Dialect::Mysql => Some(format!(
            "SELECT GET_LOCK({}, 3600)",
            d.string_literal(&format!("migrate:{version_table}"))
        )),
    }
}

/// Releases a session lock taken by [`lock`]; `None` where the lock ends with the
/// transaction.
pub fn unlock(d: Dialect, version_table: &str, whole_run_transaction: bool) -> Option<String> {
    match d {
        Dialect::Mysql => Some(format!(
            "SELECT RELEASE_LOCK({})",
            d.string_literal(&format!("migrate:{version_table}"))
        )),
        Dialect::Postgres if !whole_run_transaction => Some(format!(
            "SELECT pg_advisory_unlock({})",
            lock_key(version_table)
        )),
        Dialect::Sqlite | Dialect::Postgres => None,
    }
}

/// The checksums recorded for applied migrations, oldest first, as (`a` revision, `b`
/// checksum) pairs for [`crate::connection::Connection::query_pairs`].
pub fn select_checksums(d: Dialect, history_table: &str) -> String {
    format!(
        "SELECT {} AS a, {} AS b FROM {} WHERE {} IN ('upgrade', 'stamp') ORDER BY {}",
        d.quote("revision"),
        d.quote("checksum"),
        d.quote(history_table),
        d.quote("direction"),
        d.quote("id")
    )
}

/// Every step recorded in the history table, oldest first, as (`a` revision, `b`
/// direction) pairs.
pub fn select_history(d: Dialect, history_table: &str) -> String {
    format!(
        "SELECT {} AS a, {} AS b FROM {} ORDER BY {}",
        d.quote("revision"),
        d.quote("direction"),
        d.quote(history_table),
        d.quote("id")
    )
}

/// `DELETE FROM <table>`.
pub fn delete_all(d: Dialect, table: &str) -> String {
    format!("DELETE FROM {}", d.quote(table))
}
