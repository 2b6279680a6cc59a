//! MySQL and MariaDB: DDL commits implicitly, enums are inline, columns are altered with
//! their full definition.

use crate::backend::{
    add_constraint, alter_table, column, constraint_clauses, create_index_sql, create_table_sql,
    default_clause, render_shared, table, Dialect, Statement, Unsupported,
};
use crate::column::{Column, Type};
use crate::op::Op;
use crate::schema::Schema;
use crate::table::{ForeignKey, Table};

const D: Dialect = Dialect::Mysql;

/// The MySQL spelling of a type.
pub(crate) fn type_sql(ty: &Type) -> String {
    match ty {
        Type::Integer => "INT".into(),
        Type::BigInt => "BIGINT".into(),
        Type::SmallInt => "SMALLINT".into(),
        Type::Text => "TEXT".into(),
        Type::Varchar(n) => format!("VARCHAR({n})"),
        Type::Char(n) => format!("CHAR({n})"),
        Type::Boolean => "BOOLEAN".into(),
        Type::Float => "FLOAT".into(),
        Type::Double => "DOUBLE".into(),
        Type::Numeric(p, s) => format!("DECIMAL({p}, {s})"),
        Type::Date => "DATE".into(),
        Type::Time => "TIME".into(),
        Type::Timestamp => "DATETIME".into(),
        Type::TimestampTz => "TIMESTAMP".into(),
        Type::Binary => "LONGBLOB".into(),
        Type::Json => "JSON".into(),
        Type::Uuid => "CHAR(36)".into(),
        Type::Enum(e) => {
            let labels: Vec<String> = e.variants.iter().map(|v| D.string_literal(v)).collect();
            format!("ENUM({})", labels.join(", "))
        }
    }
}

fn column_def(c: &Column) -> String {
    let mut s = format!("{} {}", D.quote(&c.name), type_sql(&c.ty));
    s.push_str(if c.nullable { " NULL" } else { " NOT NULL" });
    s.push_str(&default_clause(D, c));
    if c.autoincrement {
        s.push_str(" AUTO_INCREMENT");
    }
    if let Some(cm) = &c.comment {
        s.push_str(" COMMENT ");
        s.push_str(&D.string_literal(cm));
    }
    s
}

fn alter(t: &str, rest: String) -> Statement {
    alter_table(D, t, rest)
}

fn create_table(t: &Table, out: &mut Vec<Statement>) -> Result<(), Unsupported> {
    let mut parts: Vec<String> = t.columns.iter().map(column_def).collect();
    parts.extend(constraint_clauses(D, t, false)?);
    let suffix = t
        .comment
        .as_ref()
        .map(|c| format!(" COMMENT = {}", D.string_literal(c)))
        .unwrap_or_default();
    out.push(Statement::Execute(create_table_sql(
        D, &t.name, &parts, &suffix,
    )));
    for i in &t.indexes {
        out.push(Statement::Execute(create_index_sql(D, &t.name, i)?));
    }
    Ok(())
}

/// Renders one op; `before` and `after` are the schema around it.
pub(crate) fn render_op(
    before: &Schema,
    after: &Schema,
    op: &Op,
    out: &mut Vec<Statement>,
) -> Result<(), Unsupported> {
    if let Some(statement) = replace_fk_index(before, op) {
        out.push(statement);
        return Ok(());
    }
    if render_shared(D, op, out)? {
        return Ok(());
    }
    let q = |i: &str| D.quote(i);
    match op {
        Op::CreateTable(t) => create_table(table(after, &t.name), out)?,
        Op::RenameTable { from, to } => out.push(Statement::Execute(format!(
            "RENAME TABLE {} TO {}",
            q(from),
            q(to)
        ))),
        Op::AddColumn {
            table: t,
            column: c,
        } => {
            // One statement: MySQL wants an AUTO_INCREMENT column to be a key as it is added.
            let ta = table(after, t);
            let mut parts = vec![format!("ADD COLUMN {}", column_def(column(ta, &c.name)))];
            if c.primary_key {
                parts.push(format!("ADD PRIMARY KEY ({})", q(&c.name)));
            }
            if c.unique {
                // The model keeps uniques sorted by name: find the column's own by its name.
                let name = crate::naming::unique(t, &[c.name.as_str()]);
                let u = ta
                    .uniques
                    .iter()
                    .find(|u| u.name == name)
                    .expect("added with the column");
                parts.push(format!(
                    "ADD CONSTRAINT {} UNIQUE ({})",
                    q(&u.name),
                    q(&c.name)
                ));
            }
            out.push(alter(t, parts.join(", ")));
        }
        Op::DropColumn { table, column } => {
            out.push(alter(table, format!("DROP COLUMN {}", q(column))))
        }
        Op::AlterColumn {
            table: t,
            column: name,
            change,
        } => {
            let new_name = change.rename.clone().unwrap_or_else(|| name.clone());
            let only_rename = change.ty.is_none()
                && change.nullable.is_none()
                && change.default.is_none()
                && change.comment.is_none();
            if only_rename {
                out.push(alter(
                    t,
                    format!("RENAME COLUMN {} TO {}", q(name), q(&new_name)),
                ));
            } else {
                // CHANGE restates the whole column, so unchanged attributes are kept.
                let new = column(table(after, t), &new_name);
                out.push(alter(
                    t,
                    format!("CHANGE COLUMN {} {}", q(name), column_def(new)),
                ));
            }
        }
        Op::DropIndex { table: t, name } => {
            let dropped = table(before, t).indexes.iter().find(|i| i.name == *name);
            let cols = dropped.map(|i| i.columns.as_slice()).unwrap_or_default();
            let mut parts = vec![format!("DROP INDEX {}", q(name))];
            parts.extend(keep_fk_indexes(table(after, t), cols));
            out.push(alter(t, parts.join(", ")));
        }
        Op::CreateUnique { .. } | Op::CreateForeignKey { .. } | Op::CreateCheck { .. } => {
            out.push(add_constraint(D, op)?)
        }
        Op::CreatePrimaryKey { table, primary_key } => out.push(alter(
            table,
            format!("ADD PRIMARY KEY ({})", D.quote_list(&primary_key.columns)),
        )),
        Op::DropConstraint { table: t, name } => {
            let tb = table(before, t);
            let ta = table(after, t);
            let mut parts = Vec::new();
            if let Some(pk) = tb.primary_key.as_ref().filter(|p| p.name == *name) {
                parts.push("DROP PRIMARY KEY".to_owned());
                parts.extend(keep_fk_indexes(ta, &pk.columns));
            } else if let Some(u) = tb.uniques.iter().find(|u| u.name == *name) {
                parts.push(format!("DROP INDEX {}", q(name)));
                parts.extend(keep_fk_indexes(ta, &u.columns));
            } else if let Some(fk) = tb.foreign_keys.iter().find(|f| f.name == *name) {
                parts.push(format!("DROP FOREIGN KEY {}", q(name)));
                if has_own_index(tb, fk) {
                    parts.push(format!("DROP INDEX {}", q(name)));
                }
            } else {
                parts.push(format!("DROP CONSTRAINT {}", q(name)));
            }
            out.push(alter(t, parts.join(", ")));
        }
        // MySQL writes enum labels into each column (`ENUM('a', 'b')`): the named type
        // exists only in the schema model, so there is no statement to run.
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

/// Whether an index over `cols` can serve `fk`: MySQL wants the key's columns first, in order.
fn serves(cols: &[String], fk: &ForeignKey) -> bool {
    cols.starts_with(&fk.columns)
}

/// Whether the primary key, an index or a unique constraint of `t` serves `fk`.
fn served_by_model(t: &Table, fk: &ForeignKey) -> bool {
    t.primary_key
        .iter()
        .map(|p| &p.columns)
        .chain(t.indexes.iter().map(|i| &i.columns))
        .chain(t.uniques.iter().map(|u| &u.columns))
        .any(|cols| serves(cols, fk))
}

/// MySQL refuses to drop the last index a foreign key can use. When an index over `dropped`
/// goes away, the same statement adds an index named after each foreign key of `after` it
/// leaves without one: the index MySQL itself creates for a key added without one.
fn keep_fk_indexes(after: &Table, dropped: &[String]) -> Vec<String> {
    after
        .foreign_keys
        .iter()
        .filter(|fk| serves(dropped, fk) && !served_by_model(after, fk))
        .map(|fk| {
            format!(
                "ADD INDEX {} ({})",
                D.quote(&fk.name),
                D.quote_list(&fk.columns)
            )
        })
        .collect()
}

/// An index, unique constraint or primary key added over the columns of a foreign key that
/// so far had no index of the model's: the index named after the key (made by MySQL, or
/// kept by [`keep_fk_indexes`]) goes in the same statement. MySQL drops an index it made
/// itself once another can serve the key, but not one added by name; `DROP INDEX` in the
/// same `ALTER` works for both, and leaves the table with exactly the model's indexes.
fn replace_fk_index(before: &Schema, op: &Op) -> Option<Statement> {
    let (t, cols, add) = match op {
        Op::CreateIndex { table, index } if index.where_clause.is_none() => (
            table,
            &index.columns,
            format!(
                "ADD {}INDEX {} ({})",
                if index.unique { "UNIQUE " } else { "" },
                D.quote(&index.name),
                D.quote_list(&index.columns)
            ),
        ),
        Op::CreateUnique { table, unique } => (
            table,
            &unique.columns,
            format!(
                "ADD CONSTRAINT {} UNIQUE ({})",
                D.quote(&unique.name),
                D.quote_list(&unique.columns)
            ),
        ),
        Op::CreatePrimaryKey { table, primary_key } => (
            table,
            &primary_key.columns,
            format!("ADD PRIMARY KEY ({})", D.quote_list(&primary_key.columns)),
        ),
        _ => return None,
    };
    let tb = table(before, t);
    let drops: Vec<String> = tb
        .foreign_keys
        .iter()
        .filter(|fk| serves(cols, fk) && has_own_index(tb, fk))
        .map(|fk| format!("DROP INDEX {}", D.quote(&fk.name)))
        .collect();
    (!drops.is_empty()).then(|| alter(t, format!("{add}, {}", drops.join(", "))))
}

/// Whether MySQL made an index of its own for `fk` of `t` (named after the key): it does when
/// no other index serves the key, and that index outlives the key unless dropped with it.
/// Not when another foreign key over the same leading columns may be using that index.
fn has_own_index(t: &Table, fk: &ForeignKey) -> bool {
    let shares = t
        .foreign_keys
        .iter()
        .any(|o| o.name != fk.name && (serves(&o.columns, fk) || serves(&fk.columns, o)));
    !served_by_model(t, fk) && !shares
}
