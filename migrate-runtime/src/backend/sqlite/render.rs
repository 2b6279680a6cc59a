//! SQLite: most changes to an existing table are made with SQLite's documented table
//! rebuild (create the new table, copy the rows, drop the old one, rename, recreate the
//! indexes), generated from the schema state. The foreign keys are checked by the engine
//! before it commits ([`crate::fk_check`]).

use crate::backend::{
    alter_table, column, constraint_clauses, create_index_sql, create_table_sql, default_clause,
    render_shared, table, Dialect, RenderError, Statement, Unsupported,
};
use crate::column::{Column, DefaultValue, Type};
use crate::op::Op;
use crate::schema::Schema;
use crate::table::Table;

const D: Dialect = Dialect::Sqlite;

/// The SQLite spelling of a type (SQLite keeps the declared name; its affinity follows).
pub(crate) fn type_sql(ty: &Type) -> String {
    match ty {
        Type::Integer => "INTEGER".into(),
        Type::BigInt => "BIGINT".into(),
        Type::SmallInt => "SMALLINT".into(),
        Type::Text | Type::Enum(_) => "TEXT".into(),
        Type::Varchar(n) => format!("VARCHAR({n})"),
        Type::Char(n) => format!("CHAR({n})"),
        Type::Boolean => "BOOLEAN".into(),
        Type::Float => "REAL".into(),
        Type::Double => "DOUBLE".into(),
        Type::Numeric(p, s) => format!("NUMERIC({p}, {s})"),
        Type::Date => "DATE".into(),
        Type::Time => "TIME".into(),
        Type::Timestamp => "TIMESTAMP".into(),
        Type::TimestampTz => "TIMESTAMPTZ".into(),
        Type::Binary => "BLOB".into(),
        Type::Json => "JSON".into(),
        Type::Uuid => "UUID".into(),
    }
}

/// The column definition. An autoincrement column carries the primary key inline, as
/// SQLite requires (`INTEGER PRIMARY KEY AUTOINCREMENT`).
fn column_def(t: &Table, c: &Column) -> String {
    let mut s = D.quote(&c.name);
    if c.autoincrement {
        let pk = t
            .primary_key
            .as_ref()
            .expect("autoincrement implies a primary key");
        s.push_str(&format!(
            " INTEGER CONSTRAINT {} PRIMARY KEY AUTOINCREMENT",
            D.quote(&pk.name)
        ));
    } else {
        s.push(' ');
        s.push_str(&type_sql(&c.ty));
    }
    if !c.nullable {
        s.push_str(" NOT NULL");
    }
    s.push_str(&default_clause(D, c));
    if let Type::Enum(e) = &c.ty {
        let labels: Vec<String> = e.variants.iter().map(|v| D.string_literal(v)).collect();
        s.push_str(&format!(
            " CHECK ({} IN ({}))",
            D.quote(&c.name),
            labels.join(", ")
        ));
    }
    s
}

fn create_table_named(t: &Table, name: &str) -> Result<String, Unsupported> {
    let inline_pk = t.columns.iter().any(|c| c.autoincrement);
    let mut parts: Vec<String> = t.columns.iter().map(|c| column_def(t, c)).collect();
    parts.extend(constraint_clauses(D, t, inline_pk)?);
    Ok(create_table_sql(D, name, &parts, ""))
}

fn create_table(t: &Table, out: &mut Vec<Statement>) -> Result<(), Unsupported> {
    out.push(Statement::Execute(create_table_named(t, &t.name)?));
    for i in &t.indexes {
        out.push(Statement::Execute(create_index_sql(D, &t.name, i)?));
    }
    Ok(())
}

/// Whether `ALTER TABLE ... ADD COLUMN` can add this column: SQLite refuses key and unique
/// columns, non-constant defaults, and NOT NULL without a non-NULL default.
fn can_add_in_place(c: &Column) -> bool {
    let constant_default = match &c.default {
        None => true,
        Some(DefaultValue::Value(_)) => true,
        Some(DefaultValue::Sql(_)) => false,
    };
    let has_default = matches!(&c.default, Some(DefaultValue::Value(v)) if *v != crate::column::Value::Null)
        || matches!(&c.default, Some(DefaultValue::Sql(_)));
    !c.primary_key && !c.unique && constant_default && (c.nullable || has_default)
}

/// Whether `op` changes one existing table in a way a rebuild can include, and whether it
/// needs the rebuild by itself.
fn table_change(before: &Schema, op: &Op) -> Option<(String, bool)> {
    let (t, needs) = match op {
        Op::AddColumn { table, column } => (table, !can_add_in_place(column)),
        Op::DropColumn { table: t, column } => {
            let in_pk = before
                .table(t)
                .and_then(|tb| tb.primary_key.as_ref())
                .is_some_and(|p| p.columns.contains(column));
            (t, in_pk)
        }
        Op::AlterColumn { table, change, .. } => (
            table,
            change.ty.is_some() || change.nullable.is_some() || change.default.is_some(),
        ),
        Op::CreateIndex { table, .. } | Op::DropIndex { table, .. } => (table, false),
        Op::CreateUnique { table, .. }
        | Op::CreateForeignKey { table, .. }
        | Op::CreateCheck { table, .. }
        | Op::CreatePrimaryKey { table, .. }
        | Op::DropConstraint { table, .. } => (table, true),
        _ => return None,
    };
    Some((t.clone(), needs))
}

/// Renders a migration's ops for SQLite, grouping consecutive changes to one table into a
/// single rebuild when any of them needs one.
pub(crate) fn render(
    before: &Schema,
    ops: &[Op],
    out: &mut Vec<Statement>,
) -> Result<(), RenderError> {
    let mut state = before.clone();
    let mut i = 0;
    while i < ops.len() {
        // The run of consecutive changes to the same table, starting at ops[i].
        let mut end = i;
        let mut needs_rebuild = false;
        let mut run_table = None;
        let mut probe = state.clone();
        while end < ops.len() {
            match table_change(&probe, &ops[end]) {
                Some((t, needs)) if run_table.as_ref().is_none_or(|r| *r == t) => {
                    if probe.apply(&ops[end]).is_err() {
                        break;
                    }
                    needs_rebuild |= needs;
                    run_table = Some(t);
                    end += 1;
                }
                _ => break,
            }
        }
        if needs_rebuild {
            let t = run_table.expect("a run has a table");
            rebuild(&state, &probe, &t, &ops[i..end], out).map_err(|reason| {
                RenderError::Unsupported {
                    op: ops[i].describe(),
                    dialect: D,
                    reason: reason.0,
                }
            })?;
            state = probe;
            i = end;
            continue;
        }
        let op = &ops[i];
        let mut after = state.clone();
        after.apply(op)?;
        render_op(&after, op, out).map_err(|reason| RenderError::Unsupported {
            op: op.describe(),
            dialect: D,
            reason: reason.0,
        })?;
        state = after;
        i += 1;
    }
    Ok(())
}

/// The table rebuild for `ops` (all changes to table `t`): SQLite's 12-step procedure,
/// with the column mapping derived from the ops (renames followed, added columns take
/// their defaults, dropped columns left behind).
fn rebuild(
    before: &Schema,
    after: &Schema,
    t: &str,
    ops: &[Op],
    out: &mut Vec<Statement>,
) -> Result<(), Unsupported> {
    let old = table(before, t);
    let new = table(after, t);
    // (current name, source column in the old table)
    let mut map: Vec<(String, Option<String>)> = old
        .columns
        .iter()
        .map(|c| (c.name.clone(), Some(c.name.clone())))
        .collect();
    for op in ops {
        match op {
            Op::AddColumn { column, .. } => map.push((column.name.clone(), None)),
            Op::DropColumn { column, .. } => map.retain(|(n, _)| n != column),
            Op::AlterColumn { column, change, .. } => {
                if let Some(to) = &change.rename {
                    for (n, _) in map.iter_mut().filter(|(n, _)| n == column) {
                        *n = to.clone();
                    }
                }
            }
            _ => {}
        }
    }
    let tmp = format!("_migrate_new_{t}");
    out.push(Statement::Execute(create_table_named(new, &tmp)?));
    let (dst, src): (Vec<String>, Vec<String>) = new
        .columns
        .iter()
        .filter_map(|c| {
            map.iter()
                .find(|(n, _)| *n == c.name)
                .and_then(|(_, s)| s.as_ref())
                .map(|s| (D.quote(&c.name), D.quote(s)))
        })
        .unzip();
    if !dst.is_empty() {
        out.push(Statement::Execute(format!(
            "INSERT INTO {} ({}) SELECT {} FROM {}",
            D.quote(&tmp),
            dst.join(", "),
            src.join(", "),
            D.quote(t)
        )));
    }
    if new.columns.iter().any(|c| c.autoincrement) {
        // AUTOINCREMENT never reuses a key, even a deleted one: carry the old table's
        // counter over (the copy set the new one to the highest key still there).
        let (tmp_name, name) = (D.string_literal(&tmp), D.string_literal(t));
        out.push(Statement::Execute(format!(
            "DELETE FROM sqlite_sequence WHERE name = {tmp_name}"
        )));
        out.push(Statement::Execute(format!(
            "INSERT INTO sqlite_sequence (name, seq) SELECT {tmp_name}, seq FROM sqlite_sequence WHERE name = {name}"
        )));
    }
    out.push(Statement::Execute(format!("DROP TABLE {}", D.quote(t))));
    out.push(Statement::Execute(format!(
        "ALTER TABLE {} RENAME TO {}",
        D.quote(&tmp),
        D.quote(t)
    )));
    for i in &new.indexes {
        out.push(Statement::Execute(create_index_sql(D, t, i)?));
    }
    // No foreign-key check here: the engine compares `PRAGMA foreign_key_check` before and
    // after each migration (see `crate::fk_check`), so that rows which pointed at nothing
    // before the rebuild do not fail it, and new ones fail it whatever made them.
    Ok(())
}

/// Renders one op that needs no rebuild.
fn render_op(after: &Schema, op: &Op, out: &mut Vec<Statement>) -> Result<(), Unsupported> {
    if render_shared(D, op, out)? {
        return Ok(());
    }
    let q = |i: &str| D.quote(i);
    let alter = |t: &str, rest: String| alter_table(D, t, rest);
    match op {
        Op::CreateTable(t) => create_table(table(after, &t.name), out)?,
        Op::RenameTable { from, to } => out.push(alter(from, format!("RENAME TO {}", q(to)))),
        Op::AddColumn {
            table: t,
            column: c,
        } => {
            let ta = table(after, t);
            out.push(alter(
                t,
                format!("ADD COLUMN {}", column_def(ta, column(ta, &c.name))),
            ));
        }
        Op::DropColumn { table, column } => {
            out.push(alter(table, format!("DROP COLUMN {}", q(column))))
        }
        Op::AlterColumn {
            table: t,
            column: name,
            change,
        } => {
            // Only renames and comment changes get here; SQLite stores no comments.
            if let Some(to) = change.rename.as_ref().filter(|to| *to != name) {
                out.push(alter(t, format!("RENAME COLUMN {} TO {}", q(name), q(to))));
            }
        }
        Op::DropIndex { name, .. } => {
            out.push(Statement::Execute(format!("DROP INDEX {}", q(name))))
        }
        Op::CreateUnique { .. }
        | Op::CreateForeignKey { .. }
        | Op::CreateCheck { .. }
        | Op::CreatePrimaryKey { .. }
        | Op::DropConstraint { .. } => unreachable!("constraint changes always rebuild on SQLite"),
        // SQLite writes enum labels into each column as a CHECK: the named type exists only
        // in the schema model, so there is no statement to run.
        Op::CreateEnum(_) | Op::DropEnum { .. } => {}
        Op::DropTable { .. }
        | Op::CreateIndex { .. }
        | Op::Execute(_)
        | Op::DataStep(_)
        | Op::BulkInsert { .. } => {
            unreachable!("rendered by render_shared")
        }
    }
    Ok(())
}
