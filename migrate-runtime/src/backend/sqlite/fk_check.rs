//! SQLite's foreign keys during a run.
//!
//! SQLite migrations run with `PRAGMA foreign_keys` off: SQLite's table-rebuild procedure
//! needs it, and the pragma cannot change inside a transaction. So neither the key checks
//! nor the `ON DELETE` / `ON UPDATE` actions happen while a migration runs: a migration
//! that deletes a parent row leaves its children pointing at nothing, and one that inserts
//! a row for a parent that does not exist is not refused, where PostgreSQL and MySQL
//! refuse (or cascade).
//!
//! The engine makes up for it with `PRAGMA foreign_key_check` (whole database): it reads
//! the violations right after a transaction begins and again after each migration, before
//! anything commits. A violation that was not there before fails the migration, which is
//! rolled back; violations that were already there do not block, they are reported once
//! per run as a warning ([`crate::engine::Event::Warning`]).
//!
//! A violation is compared by table, rowid, parent table and the foreign key's columns
//! (rather than its index, `fkid`, which SQLite renumbers when a rebuild adds a key before
//! it). `WITHOUT ROWID` tables report no rowid: their violations are counted per table,
//! parent and key, and a migration fails when that count grows.
//!
//! ```
//! use migrate_runtime::fk_check::{new_violations, Violation};
//! let orphan = |rowid| Violation {
//!     table: "orders".into(),
//!     rowid,
//!     parent: "users".into(),
//!     fkid: 0,
//!     columns: "user_id".into(),
//! };
//! let before = vec![orphan(Some(30))];
//! let after = vec![orphan(Some(10)), orphan(Some(30))];
//! assert_eq!(new_violations(&before, &after), vec![&orphan(Some(10))]);
//! ```

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use crate::connection::{Connection, ConnectionError};
use crate::dialect::{catalog, Dialect};

/// How many violations an error names (the count says how many there are in all).
const NAMED: usize = 3;

/// One row `PRAGMA foreign_key_check` reports: a row of `table` whose foreign key points at
/// no row of `parent`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Violation {
    /// The table holding the row.
    pub table: String,
    /// The row's rowid; `None` for a `WITHOUT ROWID` table.
    pub rowid: Option<i64>,
    /// The table the foreign key references.
    pub parent: String,
    /// The foreign key's index in `PRAGMA foreign_key_list(table)`.
    pub fkid: i64,
    /// The foreign key's columns in `table`, comma-separated.
    pub columns: String,
}

impl Violation {
    /// What identifies the violation across a migration: everything but `fkid`.
    fn key(&self) -> (&str, Option<i64>, &str, &str) {
        (&self.table, self.rowid, &self.parent, &self.columns)
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rowid {
            Some(r) => write!(f, "{} rowid {r}", self.table)?,
            None => write!(f, "{} (a WITHOUT ROWID row)", self.table)?,
        }
        write!(f, " -> {} (foreign key {}", self.parent, self.fkid)?;
        if !self.columns.is_empty() {
            write!(f, ": {}", self.columns)?;
        }
        f.write_str(")")
    }
}

/// The query listing every violation of the database (see [`Violation`]).
fn query() -> String {
    catalog::text_columns(
        Dialect::Sqlite,
        &[
            "c.\"table\"",
            "c.rowid",
            "c.parent",
            "c.fkid",
            "(SELECT group_concat(l.\"from\", ', ') FROM pragma_foreign_key_list(c.\"table\") l WHERE l.id = c.fkid)",
        ],
    )
}

/// Every foreign-key violation of the database, as `PRAGMA foreign_key_check` lists them.
/// Empty on PostgreSQL and MySQL, which enforce their keys as statements run.
pub fn violations(conn: &mut Connection) -> Result<Vec<Violation>, ConnectionError> {
    if conn.dialect() != Dialect::Sqlite {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT {} FROM pragma_foreign_key_check c", query());
    let rows = conn.query_rows(&sql, 5)?;
    rows.into_iter()
        .map(|r| {
            let mut r = r.into_iter();
            let mut next = || r.next().flatten().unwrap_or_default();
            let table = next();
            let rowid = next();
            let parent = next();
            let fkid = next();
            let columns = next();
            let int = |s: &str| {
                s.parse::<i64>().map_err(|_| {
                    ConnectionError::Sql(format!(
                        "PRAGMA foreign_key_check returned {s:?} where a number was expected"
                    ))
                })
            };
            Ok(Violation {
                rowid: if rowid.is_empty() {
                    None
                } else {
                    Some(int(&rowid)?)
                },
                fkid: int(&fkid)?,
                table,
                parent,
                columns,
            })
        })
        .collect()
}

/// The violations of `after` that are not in `before`, in `after`'s order. Violations are
/// counted (a multiset): two rows of a `WITHOUT ROWID` table under the same key are new
/// when `before` had one.
pub fn new_violations<'a>(before: &[Violation], after: &'a [Violation]) -> Vec<&'a Violation> {
    let mut left: HashMap<_, usize> = HashMap::new();
    for v in before {
        *left.entry(v.key()).or_default() += 1;
    }
    after
        .iter()
        .filter(|v| match left.get_mut(&v.key()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        })
        .collect()
}

/// `1 row` / `3 rows`.
fn rows(n: usize) -> String {
    if n == 1 {
        "1 row".to_owned()
    } else {
        format!("{n} rows")
    }
}

/// What a migration that added `new` violations did, for its error: the count, the first
/// few, and what to do.
pub fn describe_new(new: &[&Violation]) -> String {
    let mut named: Vec<String> = new.iter().take(NAMED).map(ToString::to_string).collect();
    if new.len() > NAMED {
        named.push(format!("and {} more", new.len() - NAMED));
    }
    format!(
        "left {} whose foreign key points at nothing ({}): SQLite runs migrations with foreign keys off, so neither the key checks nor ON DELETE / ON UPDATE actions happened; delete or fix those rows in the migration",
        rows(new.len()),
        named.join("; ")
    )
}

/// The warning about violations that were there before the run.
pub fn describe_existing(existing: &[Violation]) -> String {
    let tables: BTreeSet<&str> = existing.iter().map(|v| v.table.as_str()).collect();
    let tables: Vec<&str> = tables.into_iter().collect();
    format!(
        "{} whose foreign key points at nothing {} already there before this run (in {} {}): not counted against the migrations, which fail only on new ones; list them with `PRAGMA foreign_key_check;` in sqlite3",
        rows(existing.len()),
        if existing.len() == 1 { "was" } else { "were" },
        if tables.len() == 1 { "table" } else { "tables" },
        tables.join(", ")
    )
}

/// The engine's check over one run: [`Guard::begin`] when a transaction begins,
/// [`Guard::check`] after each migration, before anything commits. Does nothing on
/// PostgreSQL and MySQL.
#[derive(Debug)]
pub struct Guard {
    /// Whether the database is SQLite and its violations could be read.
    active: bool,
    /// The violations there when the current transaction began.
    before: Vec<Violation>,
    /// Whether the run already warned about them.
    warned: bool,
}

impl Guard {
    /// A guard for a run on `dialect`.
    pub fn new(dialect: Dialect) -> Self {
        Guard {
            active: dialect == Dialect::Sqlite,
            before: Vec::new(),
            warned: false,
        }
    }

    /// Reads the violations there before the work, just after a transaction began. Returns
    /// a warning the first time in the run that there are some, or when they cannot be read
    /// (a foreign key whose parent columns are not a key: the check is then off for the
    /// run).
    pub fn begin(&mut self, conn: &mut Connection) -> Option<String> {
        if !self.active {
            return None;
        }
        match violations(conn) {
            Ok(before) => {
                self.before = before;
                if self.before.is_empty() || self.warned {
                    return None;
                }
                self.warned = true;
                Some(describe_existing(&self.before))
            }
            Err(e) => {
                self.active = false;
                Some(format!(
                    "foreign keys cannot be checked on this database, so this run does not check them ({e}); see `PRAGMA foreign_key_check;` in sqlite3"
                ))
            }
        }
    }

    /// Compares the violations now with those read by [`Guard::begin`]: `Err` (what the
    /// migration did, for its error) when there are new ones.
    pub fn check(&mut self, conn: &mut Connection) -> Result<(), NewViolations> {
        if !self.active {
            return Ok(());
        }
        let after = violations(conn)
            .map_err(|e| NewViolations(format!("made `PRAGMA foreign_key_check` fail ({e})")))?;
        let new = new_violations(&self.before, &after);
        if new.is_empty() {
            Ok(())
        } else {
            Err(NewViolations(describe_new(&new)))
        }
    }
}

/// What a migration did to the foreign keys, said for its error: the first rows it left
/// pointing at nothing, with their count.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NewViolations(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    fn v(table: &str, rowid: Option<i64>, fkid: i64, columns: &str) -> Violation {
        Violation {
            table: table.into(),
            rowid,
            parent: "users".into(),
            fkid,
            columns: columns.into(),
        }
    }

    #[test]
    fn renumbered_keys_are_the_same_violation() {
        let before = [v("orders", Some(1), 0, "user_id")];
        let after = [v("orders", Some(1), 1, "user_id")];
        assert!(new_violations(&before, &after).is_empty());
        let other_key = [v("orders", Some(1), 0, "buyer_id")];
        assert_eq!(new_violations(&before, &other_key).len(), 1);
    }

    #[test]
    fn rows_without_rowid_are_counted() {
        let w = || v("w", None, 0, "user_id");
        assert!(new_violations(&[w(), w()], &[w()]).is_empty());
        assert_eq!(new_violations(&[w()], &[w(), w()]), vec![&w()]);
    }

    #[test]
    fn messages_name_the_first_rows_and_the_count() {
        let all: Vec<Violation> = (1..=5)
            .map(|i| v("orders", Some(i), 0, "user_id"))
            .collect();
        let new: Vec<&Violation> = all.iter().collect();
        let text = describe_new(&new);
        assert!(text.starts_with("left 5 rows whose foreign key points at nothing (orders rowid 1 -> users (foreign key 0: user_id); "), "{text}");
        assert!(text.contains("and 2 more"), "{text}");
        assert!(!text.contains("rowid 4"), "{text}");
        let text = describe_existing(&all[..1]);
        assert!(text.starts_with("1 row whose foreign key points at nothing was already there before this run (in table orders)"), "{text}");
        assert!(text.contains("PRAGMA foreign_key_check;"), "{text}");
    }
}
