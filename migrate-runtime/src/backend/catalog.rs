//! The SQL the engine needs around migrations: catalog lookups, the version and history
//! tables' rows, transactions and locks. Kept here so that no SQL is written elsewhere.

use crate::backend::{insert_sql, Dialect};
use crate::column::Value;

/// A query counting tables named `table` in the current database or schema.
pub fn table_exists(d: Dialect, table: &str) -> String {
    let name = d.string_literal(table);
    match d {
        Dialect::Sqlite => {
            format!("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = {name}")
        }
        // pg_tables lists every table; information_schema hides those the user may not
        // read, which would make a version table the user cannot read look missing.
        Dialect::Postgres => format!(
            "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = {name}"
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

/// The SQL modes that change how MySQL reads the SQL this crate writes: a backslash in a
/// string literal (`NO_BACKSLASH_ESCAPES`), a double-quoted string (`ANSI_QUOTES`), and the
/// combination modes that include `ANSI_QUOTES` (MySQL and MariaDB list them in
/// `@@sql_mode` next to what they expand to).
pub const MYSQL_UNSAFE_MODES: [&str; 8] = [
    "NO_BACKSLASH_ESCAPES",
    "ANSI_QUOTES",
    "ANSI",
    "DB2",
    "MAXDB",
    "MSSQL",
    "ORACLE",
    "POSTGRESQL",
];

/// Sets the session's SQL mode to the server's (or the session's) without
/// [`MYSQL_UNSAFE_MODES`], so that a string literal means what
/// [`Dialect::string_literal`] wrote: `'` doubled, `\` an escape character. Every MySQL
/// connection runs it on connect, and an offline MySQL script starts with it. Written
/// without a backslash or a double quote, so that it means the same under every mode.
pub fn mysql_session() -> String {
    let mut expr = "CONCAT(',', @@SESSION.sql_mode, ',')".to_owned();
    for mode in MYSQL_UNSAFE_MODES {
        expr = format!("REPLACE({expr}, ',{mode},', ',')");
    }
    format!("SET SESSION sql_mode = TRIM(BOTH ',' FROM {expr})")
}

/// A query returning 0 when the session's SQL mode has none of [`MYSQL_UNSAFE_MODES`] (to
/// check [`mysql_session`]).
pub fn mysql_session_check() -> String {
    let found: Vec<String> = MYSQL_UNSAFE_MODES
        .iter()
        .map(|m| format!("FIND_IN_SET('{m}', @@SESSION.sql_mode)"))
        .collect();
    format!("SELECT {}", found.join(" + "))
}

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

/// Ends the transaction [`crate::dialect::Backend::begin`] started: `COMMIT` when `ok`, else `ROLLBACK`.
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

/// The history table's last row, as (`a` revision, `b` direction).
pub fn select_last_history(d: Dialect, history_table: &str) -> String {
    format!(
        "SELECT {} AS a, {} AS b FROM {} ORDER BY {} DESC LIMIT 1",
        d.quote("revision"),
        d.quote("direction"),
        d.quote(history_table),
        d.quote("id")
    )
}

/// Deletes the history rows of `revision` whose direction is one of `marks` (the start
/// marks of a MySQL run, see the engine).
pub fn delete_history_marks(
    d: Dialect,
    history_table: &str,
    revision: &str,
    marks: &[&str],
) -> String {
    let marks: Vec<String> = marks.iter().map(|m| d.string_literal(m)).collect();
    format!(
        "DELETE FROM {} WHERE {} = {} AND {} IN ({})",
        d.quote(history_table),
        d.quote("revision"),
        d.string_literal(revision),
        d.quote("direction"),
        marks.join(", ")
    )
}

/// `SELECT 1 FROM <table> LIMIT 0`: fails when the table does not exist, or when the user
/// may not read it.
pub fn probe_table(d: Dialect, table: &str) -> String {
    format!("SELECT 1 FROM {} LIMIT 0", d.quote(table))
}

/// The directions of the history rows that mark a migration in progress (MySQL's statement
/// journal): `upgrading` and `downgrading`.
pub const MARKS: [&str; 2] = ["upgrading", "downgrading"];

/// The last in-progress mark of the history, as `c0` revision, `c1` direction, `c2` the
/// journal's hash, `c3` how many statements are done, `c4` when it started (read with
/// [`crate::connection::Connection::query_rows`]).
pub fn select_mark(d: Dialect, history_table: &str) -> String {
    let q = |c: &str| d.quote(c);
    let (rev, dir, sum, done, at) = (
        q("revision"),
        q("direction"),
        q("checksum"),
        q("duration_ms"),
        q("applied_at"),
    );
    format!(
        "SELECT {} FROM {} WHERE {dir} IN ({}) ORDER BY {} DESC LIMIT 1",
        text_columns(d, &[&rev, &dir, &sum, &done, &at]),
        q(history_table),
        marks(d),
        q("id")
    )
}

/// The [`MARKS`] as a SQL list.
fn marks(d: Dialect) -> String {
    MARKS.map(|m| d.string_literal(m)).join(", ")
}

/// Advances the journal of the in-progress mark of `revision`: `done` statements ran,
/// hashed as `hash`. (A mark keeps the journal's hash in `checksum` and its count in
/// `duration_ms`.)
pub fn update_mark(
    d: Dialect,
    history_table: &str,
    revision: &str,
    mark: &str,
    done: usize,
    hash: &str,
) -> String {
    format!(
        "UPDATE {} SET {} = {}, {} = {done} WHERE {} = {} AND {} = {}",
        d.quote(history_table),
        d.quote("checksum"),
        d.string_literal(hash),
        d.quote("duration_ms"),
        d.quote("revision"),
        d.string_literal(revision),
        d.quote("direction"),
        d.string_literal(mark)
    )
}

/// Deletes every in-progress mark (`stamp`, which sets the version by hand).
pub fn delete_marks(d: Dialect, history_table: &str) -> String {
    format!(
        "DELETE FROM {} WHERE {} IN ({})",
        d.quote(history_table),
        d.quote("direction"),
        marks(d)
    )
}

/// `DELETE FROM <table>`.
pub fn delete_all(d: Dialect, table: &str) -> String {
    format!("DELETE FROM {}", d.quote(table))
}

// ---------------------------------------------------------------------------------------
// Introspection ([`crate::introspect`]): every query's select list is [`text_columns`],
// read with [`crate::connection::Connection::query_rows`].

/// The select list `CAST(e0 AS TEXT) AS c0, ...`, padded with NULL columns up to
/// [`crate::connection::ROW_COLUMNS`], that [`crate::connection::Connection::query_rows`]
/// reads: every value arrives as text (or NULL) on every backend.
///
/// ```
/// use migrate_runtime::dialect::{catalog, Dialect};
/// let list = catalog::text_columns(Dialect::Mysql, &["TABLE_NAME"]);
/// assert!(list.starts_with("CAST(TABLE_NAME AS CHAR) AS c0, CAST(NULL AS CHAR) AS c1"));
/// ```
pub fn text_columns(d: Dialect, exprs: &[&str]) -> String {
    let ty = match d {
        Dialect::Mysql => "CHAR",
        Dialect::Sqlite | Dialect::Postgres => "TEXT",
    };
    assert!(exprs.len() <= crate::connection::ROW_COLUMNS);
    (0..crate::connection::ROW_COLUMNS)
        .map(|i| {
            let e = exprs.get(i).copied().unwrap_or("NULL");
            format!("CAST({e} AS {ty}) AS c{i}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// SQLite: every table (`c0` name, `c1` its `CREATE TABLE` text), internal ones excluded.
pub fn sqlite_tables() -> String {
    format!(
        "SELECT {} FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
        text_columns(Dialect::Sqlite, &["name", "sql"])
    )
}

/// SQLite: every column of every table, in order (`c0` table, `c1` name, `c2` declared
/// type, `c3` not null, `c4` default, `c5` position in the primary key, `c6` hidden or
/// generated, `c7` position).
pub fn sqlite_columns() -> String {
    format!(
        "SELECT {} FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.name, p.cid",
        text_columns(
            Dialect::Sqlite,
            &[
                "m.name",
                "p.name",
                "p.type",
                "p.\"notnull\"",
                "p.dflt_value",
                "p.pk",
                "p.hidden",
                "p.cid",
            ]
        )
    )
}

/// SQLite: the columns of every index made by `CREATE INDEX` (`c0` table, `c1` index,
/// `c2` unique, `c3` position, `c4` column or NULL for an expression, `c5` the index's
/// `CREATE INDEX` text, for its `WHERE`).
pub fn sqlite_indexes() -> String {
    format!(
        "SELECT {} FROM sqlite_master m JOIN pragma_index_list(m.name) il \
         JOIN pragma_index_info(il.name) ii \
         LEFT JOIN sqlite_master x ON x.type = 'index' AND x.name = il.name \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND il.origin = 'c' \
         ORDER BY m.name, il.name, ii.seqno",
        text_columns(
            Dialect::Sqlite,
            &[
                "m.name",
                "il.name",
                "il.\"unique\"",
                "ii.seqno",
                "ii.name",
                "x.sql"
            ]
        )
    )
}

/// PostgreSQL: the ordinary and partitioned tables of the current schema (`c0` name,
/// `c1` comment).
pub fn postgres_tables() -> String {
    format!(
        "SELECT {} FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_description ds ON ds.objoid = c.oid \
         AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0 \
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition \
         ORDER BY c.relname",
        text_columns(Dialect::Postgres, &["c.relname", "ds.description"])
    )
}

/// PostgreSQL: every column of the current schema's tables, in order (`c0` table, `c1`
/// name, `c2` `format_type`, `c3` `typtype`, `c4` type name, `c5` not null, `c6` identity,
/// `c7` default expression, `c8` comment, `c9` generated).
pub fn postgres_columns() -> String {
    format!(
        "SELECT {} FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid \
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         LEFT JOIN pg_description ds ON ds.objoid = a.attrelid \
         AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = a.attnum \
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition \
         AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum",
        text_columns(
            Dialect::Postgres,
            &[
                "c.relname",
                "a.attname",
                "format_type(a.atttypid, a.atttypmod)",
                "t.typtype",
                "t.typname",
                "a.attnotnull",
                "a.attidentity",
                "pg_get_expr(d.adbin, d.adrelid)",
                "ds.description",
                "a.attgenerated",
            ]
        )
    )
}

/// PostgreSQL: primary key, unique, foreign key and check constraints of the current
/// schema's tables, one row per column in key order (`c0` table, `c1` name, `c2`
/// `contype`, `c3` position, `c4` column, `c5` referenced table, `c6` referenced column,
/// `c7` `ON DELETE`, `c8` `ON UPDATE`, `c9` check expression).
pub fn postgres_constraints() -> String {
    format!(
        "SELECT {} FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid \
         JOIN pg_namespace n ON n.oid = cl.relnamespace \
         LEFT JOIN LATERAL unnest(co.conkey) WITH ORDINALITY AS k(attnum, i) ON true \
         LEFT JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.attnum \
         LEFT JOIN pg_class rc ON rc.oid = co.confrelid \
         LEFT JOIN pg_attribute ra ON ra.attrelid = co.confrelid AND ra.attnum = co.confkey[k.i] \
         WHERE n.nspname = current_schema() AND co.contype IN ('p', 'u', 'f', 'c') \
         ORDER BY cl.relname, co.conname, k.i",
        text_columns(
            Dialect::Postgres,
            &[
                "cl.relname",
                "co.conname",
                "co.contype",
                "k.i",
                "a.attname",
                "rc.relname",
                "ra.attname",
                "co.confdeltype",
                "co.confupdtype",
                "pg_get_expr(co.conbin, co.conrelid)",
            ]
        )
    )
}

/// PostgreSQL: the key columns of every index of the current schema's tables that does not
/// back a constraint (`c0` table, `c1` index, `c2` unique, `c3` position, `c4` column or
/// NULL for an expression, `c5` partial index predicate).
pub fn postgres_indexes() -> String {
    format!(
        "SELECT {} FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
         LEFT JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, i) ON true \
         LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum AND k.attnum > 0 \
         WHERE n.nspname = current_schema() AND t.relkind IN ('r', 'p') AND k.i <= ix.indnkeyatts \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = ix.indexrelid \
         AND co.conrelid = ix.indrelid AND co.contype IN ('p', 'u', 'x')) \
         ORDER BY t.relname, i.relname, k.i",
        text_columns(
            Dialect::Postgres,
            &[
                "t.relname",
                "i.relname",
                "ix.indisunique",
                "k.i",
                "a.attname",
                "pg_get_expr(ix.indpred, ix.indrelid)",
            ]
        )
    )
}

/// PostgreSQL: the labels of the current schema's enum types, in order (`c0` type,
/// `c1` label).
pub fn postgres_enums() -> String {
    format!(
        "SELECT {} FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid \
         JOIN pg_namespace n ON n.oid = t.typnamespace \
         WHERE n.nspname = current_schema() ORDER BY t.typname, e.enumsortorder",
        text_columns(Dialect::Postgres, &["t.typname", "e.enumlabel"])
    )
}

/// MySQL: the server's version (MariaDB's contains `MariaDB`).
pub fn mysql_version() -> String {
    format!("SELECT {}", text_columns(Dialect::Mysql, &["VERSION()"]))
}

/// MySQL: the base tables of the current database (`c0` name, `c1` comment).
pub fn mysql_tables() -> String {
    format!(
        "SELECT {} FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() \
         AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
        text_columns(Dialect::Mysql, &["TABLE_NAME", "TABLE_COMMENT"])
    )
}

/// MySQL: every column of the current database's tables, in order (`c0` table, `c1` name,
/// `c2` `COLUMN_TYPE`, `c3` nullable, `c4` default, `c5` `EXTRA`, `c6` comment, `c7`
/// position).
pub fn mysql_columns() -> String {
    format!(
        "SELECT {} FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
         ORDER BY TABLE_NAME, ORDINAL_POSITION",
        text_columns(
            Dialect::Mysql,
            &[
                "TABLE_NAME",
                "COLUMN_NAME",
                "COLUMN_TYPE",
                "IS_NULLABLE",
                "COLUMN_DEFAULT",
                "EXTRA",
                "COLUMN_COMMENT",
                "ORDINAL_POSITION",
            ]
        )
    )
}

/// MySQL: primary key, unique and foreign key constraints of the current database, one row
/// per column in key order (`c0` table, `c1` name, `c2` type, `c3` position, `c4` column,
/// `c5` referenced table, `c6` referenced column, `c7` `ON DELETE`, `c8` `ON UPDATE`).
pub fn mysql_constraints() -> String {
    format!(
        "SELECT {} FROM information_schema.TABLE_CONSTRAINTS tc \
         JOIN information_schema.KEY_COLUMN_USAGE k ON k.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA \
         AND k.TABLE_NAME = tc.TABLE_NAME AND k.CONSTRAINT_NAME = tc.CONSTRAINT_NAME \
         LEFT JOIN information_schema.REFERENTIAL_CONSTRAINTS rc \
         ON rc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND rc.TABLE_NAME = tc.TABLE_NAME \
         AND rc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME \
         WHERE tc.CONSTRAINT_SCHEMA = DATABASE() \
         AND tc.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY') \
         ORDER BY tc.TABLE_NAME, tc.CONSTRAINT_NAME, k.ORDINAL_POSITION",
        text_columns(
            Dialect::Mysql,
            &[
                "tc.TABLE_NAME",
                "tc.CONSTRAINT_NAME",
                "tc.CONSTRAINT_TYPE",
                "k.ORDINAL_POSITION",
                "k.COLUMN_NAME",
                "k.REFERENCED_TABLE_NAME",
                "k.REFERENCED_COLUMN_NAME",
                "rc.DELETE_RULE",
                "rc.UPDATE_RULE",
            ]
        )
    )
}

/// MySQL: check constraints of the current database (`c0` table, `c1` name, `c2`
/// condition, `c3` MariaDB's `LEVEL`: `Column` for a column's own check). MariaDB names
/// checks per table, MySQL per database: the join follows the server.
pub fn mysql_checks(mariadb: bool) -> String {
    let (same_table, level) = if mariadb {
        (" AND cc.TABLE_NAME = tc.TABLE_NAME", "cc.LEVEL")
    } else {
        ("", "NULL")
    };
    format!(
        "SELECT {} FROM information_schema.TABLE_CONSTRAINTS tc \
         JOIN information_schema.CHECK_CONSTRAINTS cc ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA \
         AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME{same_table} \
         WHERE tc.CONSTRAINT_SCHEMA = DATABASE() AND tc.CONSTRAINT_TYPE = 'CHECK' \
         ORDER BY tc.TABLE_NAME, tc.CONSTRAINT_NAME",
        text_columns(
            Dialect::Mysql,
            &["tc.TABLE_NAME", "tc.CONSTRAINT_NAME", "cc.CHECK_CLAUSE", level]
        )
    )
}

/// MySQL: the columns of every index of the current database (`c0` table, `c1` index,
/// `c2` non-unique, `c3` position, `c4` column or NULL for an expression).
pub fn mysql_indexes() -> String {
    format!(
        "SELECT {} FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
         ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
        text_columns(
            Dialect::Mysql,
            &[
                "TABLE_NAME",
                "INDEX_NAME",
                "NON_UNIQUE",
                "SEQ_IN_INDEX",
                "COLUMN_NAME",
            ]
        )
    )
}
