//! The statement journal of databases whose DDL commits implicitly (MySQL, MariaDB).
//!
//! Such a database cannot run a migration as one transaction, so the engine runs it
//! statement by statement and keeps, in the migration's in-progress mark (a history row
//! whose direction is `upgrading` or `downgrading`), how many of its statements are done
//! and a hash of their text:
//!
//! - a **data statement** (DML, a query, a Rust data step) runs in one transaction with
//!   the journal's update: the statement and its record commit together or not at all;
//! - a **schema statement** (DDL rendered from a typed op) commits implicitly and gets no
//!   entry of its own: the next data statement's entry, or the migration's record, covers
//!   it. After a kill, the next run finds how far the schema statements went by comparing
//!   the live schema with the schema replayed at each of them, which is exact for DDL (and
//!   refuses when several match or none does);
//! - **raw SQL** that is neither (DDL in `op::execute`, a procedure call) commits
//!   implicitly and its effect may not show in the schema: it is journaled before and
//!   after, and a run killed in between is refused, naming the statement, for
//!   `--resume-after N` or `stamp` once checked.
//!
//! So a killed or failed run is resumed at the first statement not done: no statement runs
//! twice, none is skipped.

use crate::dialect::{render, Dialect, RenderError, Statement};
use crate::op::Op;
use crate::schema::sql::tokenize;
use crate::schema::{Schema, SchemaError};

/// What a journaled statement is, which decides how it runs and how a run killed around
/// it is recovered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// DDL rendered from the typed op at this index of the step's ops: its effect shows
    /// in the schema.
    Schema(usize),
    /// A data statement: commits in one transaction with its journal entry.
    Data,
    /// Raw SQL that commits implicitly and whose effect may not show in the schema.
    Opaque,
}

/// The statements of `ops` over the schema `before`, rendered op by op (of [`expand`]ed
/// ops), with raw SQL split into single statements, and the kind of each.
pub(crate) fn statements(
    d: Dialect,
    before: &Schema,
    ops: &[Op],
) -> Result<(Vec<Statement>, Vec<Kind>), RenderError> {
    let mut state = before.clone();
    let (mut out, mut kinds) = (Vec::new(), Vec::new());
    for (i, op) in expand(before, ops)?.iter().enumerate() {
        let typed = !matches!(op, Op::Execute(_));
        for s in render(d, &state, std::slice::from_ref(op))? {
            match s {
                Statement::Execute(sql) => {
                    for piece in split(&sql) {
                        kinds.push(if is_data(piece) {
                            Kind::Data
                        } else if typed {
                            Kind::Schema(i)
                        } else {
                            Kind::Opaque
                        });
                        out.push(Statement::Execute(piece.to_owned()));
                    }
                }
                other => {
                    kinds.push(Kind::Data);
                    out.push(other);
                }
            }
        }
        state.apply(op)?;
    }
    Ok((out, kinds))
}

/// `ops` with each `create_table` that has indexes written as the table, then one
/// `create_index` per index: the same statements, but each DDL statement is then one op, so
/// that the schema after every statement is known by replay ([`Kind::Schema`] indexes
/// this list).
pub(crate) fn expand(before: &Schema, ops: &[Op]) -> Result<Vec<Op>, SchemaError> {
    let mut state = before.clone();
    let mut out = Vec::with_capacity(ops.len());
    for op in ops {
        state.apply(op)?;
        match op {
            Op::CreateTable(t) if !t.indexes.is_empty() => {
                let mut table = state
                    .table(&t.name)
                    .expect("a table that was just created")
                    .clone();
                let indexes = std::mem::take(&mut table.indexes);
                out.push(Op::CreateTable(table));
                out.extend(indexes.into_iter().map(|index| Op::CreateIndex {
                    table: t.name.clone(),
                    index,
                }));
            }
            other => out.push(other.clone()),
        }
    }
    Ok(out)
}

/// The journal's hash before any statement ran.
pub(crate) const EMPTY: &str = "0000000000000000";

/// Ends the journal's hash when the run stopped because the next statement failed: that
/// statement is known not to have run.
pub(crate) const FAILED: &str = "!";

/// The journal's hash once `statement` ran after the statements hashed as `prev`: a chain,
/// so that a run resumes only where the statements done are still the same text.
pub(crate) fn chain(prev: &str, statement: &Statement) -> String {
    let text = format!("{prev}\n{}", statement.sql());
    format!("{:016x}", crate::naming::fnv1a(text.as_bytes()))
}

/// The journal's hash once all of `statements` ran.
pub(crate) fn hash(statements: &[Statement]) -> String {
    statements
        .iter()
        .fold(EMPTY.to_owned(), |h, s| chain(&h, s))
}

/// Whether a single statement is a data statement, which InnoDB runs in a transaction:
/// DML, a query, `DO`, `SET` (of variables).
pub(crate) fn is_data(sql: &str) -> bool {
    const DATA: &[&str] = &[
        "INSERT", "UPDATE", "DELETE", "REPLACE", "SELECT", "WITH", "VALUES", "TABLE", "DO", "SET",
        "LOAD",
    ];
    tokenize(sql, true)
        .iter()
        .find(|t| !t.is("("))
        .is_some_and(|t| DATA.iter().any(|k| t.is_word(k)))
}

/// Splits SQL text into its statements at the `;` outside quotes and comments, by MySQL's
/// lexical rules (the schema model's tokenizer). Pieces with no code (blank, or only
/// comments) are dropped; each piece is trimmed and has no `;`.
pub(crate) fn split(sql: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let (mut start, mut code) = (0, false);
    for t in tokenize(sql, true) {
        if t.is(";") {
            if code {
                pieces.push(sql[start..t.start].trim());
            }
            (start, code) = (t.end, false);
        } else {
            code = true;
        }
    }
    if code {
        pieces.push(sql[start..].trim());
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_outside_quotes_and_comments() {
        assert_eq!(
            split("UPDATE t SET v = v + 1; DO SLEEP(4)"),
            ["UPDATE t SET v = v + 1", "DO SLEEP(4)"]
        );
        assert_eq!(
            split("INSERT INTO t VALUES ('a;b', \"c;\\\"d\", 'e'';f'); -- x; y\n# z;\n/* ; */"),
            ["INSERT INTO t VALUES ('a;b', \"c;\\\"d\", 'e'';f')"]
        );
        assert_eq!(split("SELECT `a;b` FROM t;;  ;\n"), ["SELECT `a;b` FROM t"]);
        assert_eq!(split("SELECT 1--1; SELECT 2"), ["SELECT 1--1", "SELECT 2"]);
        assert!(split("  -- only a comment\n").is_empty());
    }

    #[test]
    fn data_statements() {
        for s in [
            "UPDATE t SET v = 1",
            "insert into t values (1)",
            "/* c */ DELETE FROM t",
            "-- c\nDO SLEEP(1)",
            "(SELECT 1)",
            "WITH x AS (SELECT 1) UPDATE t SET v = 2",
        ] {
            assert!(is_data(s), "{s}");
        }
        for s in [
            "ALTER TABLE t ADD c INT",
            "CREATE TABLE t (id INT)",
            "CALL p()",
            "TRUNCATE t",
            "",
        ] {
            assert!(!is_data(s), "{s}");
        }
    }

    #[test]
    fn the_hash_chains() {
        let a = Statement::Execute("UPDATE t SET v = v + 1".into());
        let b = Statement::Execute("DO SLEEP(1)".into());
        assert_eq!(hash(&[]), EMPTY);
        assert_eq!(hash(&[a.clone(), b.clone()]), chain(&chain(EMPTY, &a), &b));
        assert_ne!(hash(&[a.clone(), b.clone()]), hash(&[b, a]));
    }
}
